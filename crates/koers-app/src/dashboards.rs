//! Dashboards (M3): making and saving them (every save a version, only on top of the
//! version it was made from), who may open them, the public link, scheduled refreshes, and
//! their widgets' data — computed from the saved analyses with the global filters as
//! parameters, cached per version and filter choice, and shown stale when a source changed
//! after it was computed.
//!
//! Who may do what: a member who may read opens the dashboards shared with them
//! ([`may_open`]; another's private one is not found); analysts make, change, share,
//! schedule, refresh and remove them. Anyone with a public link sees that one dashboard
//! ([`public_view`]). The scheduler and the command line compute a board without a person
//! ([`board`], [`run_due`]).

pub use koers_core::dashboards::{
    Applied, Change, Definition, Filter, FilterKind, Level, Visibility, Widget, WidgetKind,
};
pub use koers_store::dashboards::{Dashboard, DashboardVersion};

use crate::analysis::bound_sql;
use crate::catalog::{Basis, Readable, query_key};
use crate::jobs::{Job, JobStatus, JobView};
use crate::products::{Analysis, Every, Indicator, versions_read, view};
use crate::results::Results;
use crate::{Error, Input, Principal, Result, Workspace};
use koers_core::analysis::ParamKind;
use koers_core::catalog::labels::Labels;
use koers_core::dashboards::{compare, filter_key, may_view};
use koers_core::{FieldError, Invalid, Permission, Role};
use koers_engine::{Progress, Sql};
use koers_store::StoreError;
use koers_store::dashboards::DashboardSave;
use koers_store::dashboards::WidgetResult;
use koers_store::schedules::Scheduled;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// At most this many rows of an analysis are kept for a widget.
pub const WIDGET_ROWS: usize = 5000;

/// Refuses unless the member may open the dashboard; another organisation's dashboard, or
/// one not shared with this member, is simply not found.
pub async fn visible(ws: &Workspace, who: &Principal, id: &str) -> Result<Dashboard> {
    who.require(Permission::Read)?;
    let d = ws.store.dashboards().dashboard(&who.org.id, id).await?;
    if may_open(who, Some(&d)) {
        Ok(d)
    } else {
        Err(Error::NotFound)
    }
}

/// Whether the member may open dashboard `d` (its sharing, see [`may_view`]). `None` is a
/// dashboard that no longer exists, so its sharing and maker are unknown: as a private one
/// of someone else, only those who may open every dashboard (analysts, administrators) may
/// — what a snapshot of it froze stays as closed as the dashboard was at its most closed.
pub fn may_open(who: &Principal, d: Option<&Dashboard>) -> bool {
    match d {
        Some(d) => may_view(
            d.visibility,
            &d.shared_roles,
            &d.owner_id,
            &who.user.id,
            &who.roles,
        ),
        None => may_view(Visibility::Private, &[], "", &who.user.id, &who.roles),
    }
}

/// The dashboard, for someone who may change it (analysts).
pub async fn editable(ws: &Workspace, who: &Principal, id: &str) -> Result<Dashboard> {
    let d = visible(ws, who, id).await?;
    who.require(Permission::Analyse)?;
    Ok(d)
}

/// The dashboards this member may open.
pub async fn list(ws: &Workspace, who: &Principal) -> Result<Vec<Dashboard>> {
    who.require(Permission::Read)?;
    Ok(ws
        .store
        .dashboards()
        .dashboards(&who.org.id)
        .await?
        .into_iter()
        .filter(|d| may_open(who, Some(d)))
        .collect())
}

/// Checks a definition against the organisation: every analysis and indicator it names
/// must be the organisation's own. Adds to the rules of the definition itself.
async fn check_definition(
    ws: &Workspace,
    org_id: &str,
    d: &Definition,
    previous: &Definition,
) -> Result<()> {
    let mut errors = match d.check() {
        Ok(()) => Vec::new(),
        Err(Invalid(e)) => e,
    };
    for (i, w) in d.widgets.iter().enumerate() {
        for (field, id) in [
            ("analysisId", &w.analysis_id),
            ("drillAnalysisId", &w.drill_analysis_id),
        ] {
            if let Some(id) = id.as_deref().filter(|s| !s.is_empty())
                && ws.store.catalog().analysis(org_id, id).await.is_err()
            {
                errors.push(FieldError::new(
                    format!("widgets[{i}].{field}"),
                    "unknown",
                    "kies een opgeslagen analyse van deze organisatie",
                ));
            }
        }
        if let Some(id) = w.indicator_id.as_deref().filter(|s| !s.is_empty())
            && ws.store.indicators().indicator(org_id, id).await.is_err()
        {
            errors.push(FieldError::new(
                format!("widgets[{i}].indicatorId"),
                "unknown",
                "kies een indicator van deze organisatie",
            ));
        }
    }
    // The columns of the analyses that new or changed widgets read (unknown ones are
    // named above).
    let mut known: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (_, w) in d.changed_widgets(previous) {
        for id in [&w.analysis_id, &w.drill_analysis_id].into_iter().flatten() {
            if known.contains_key(id) {
                continue;
            }
            if let Ok(a) = ws.store.catalog().analysis(org_id, id).await {
                known.insert(
                    id.clone(),
                    crate::analysis::columns_of(ws, org_id, &a).await,
                );
            }
        }
    }
    known.retain(|_, columns| !columns.is_empty());
    if let Err(Invalid(mut e)) = d.check_columns(previous, &|id| known.get(id).cloned()) {
        errors.append(&mut e);
    }
    Ok(Invalid::unless_empty(errors)?)
}

fn name_and_description(input: &mut Input) -> (String, String, std::result::Result<(), Invalid>) {
    let name = input.text("name");
    let description = input.text("description");
    let mut errors = Vec::new();
    if let Err(Invalid(e)) = koers_core::error::text("name", &name, 120) {
        errors.extend(e);
    }
    if let Err(Invalid(e)) = koers_core::dashboards::long_text("description", &description, 2000) {
        errors.extend(e);
    }
    let r = Invalid::unless_empty(errors);
    (name.trim().to_string(), description.trim().to_string(), r)
}

/// Makes a dashboard (analysts): a name, a description and optionally a whole definition.
/// It starts private to its maker.
pub async fn create(ws: &Workspace, who: &Principal, mut input: Input) -> Result<Dashboard> {
    who.require(Permission::Analyse)?;
    let (name, description, mut checked) = name_and_description(&mut input);
    let mut def: Definition = input.structured("definition").unwrap_or_default();
    def.assign_ids();
    match check_definition(ws, &who.org.id, &def, &Definition::default()).await {
        Ok(()) => {}
        Err(Error::Invalid(Invalid(mut e))) => {
            let mut all = checked.err().map(|i| i.0).unwrap_or_default();
            all.append(&mut e);
            checked = Err(Invalid(all));
        }
        Err(e) => return Err(e),
    }
    input.finish(checked)?;
    Ok(ws
        .store
        .dashboards()
        .create_dashboard(
            &who.org.id,
            &who.user.id,
            &DashboardSave {
                name: &name,
                description: &description,
                definition: &def,
                note: "",
            },
            &who.actor(),
        )
        .await?)
}

/// Saves a new version of dashboard `d` (already checked editable) on top of
/// `base_version` (new widgets get their ids).
async fn save(
    ws: &Workspace,
    who: &Principal,
    d: &Dashboard,
    base_version: i64,
    s: &DashboardSave<'_>,
) -> Result<Dashboard> {
    let mut def = s.definition.clone();
    def.assign_ids();
    check_definition(ws, &who.org.id, &def, &d.definition).await?;
    let note = koers_core::dashboards::long_text("note", s.note, 500)?;
    Ok(ws
        .store
        .dashboards()
        .save_dashboard(
            d,
            base_version,
            &DashboardSave {
                definition: &def,
                note: &note,
                ..*s
            },
            &who.actor(),
        )
        .await?)
}

/// Saves a whole new definition (analysts): `version` (the version it was made from),
/// name, description, definition and an optional note.
pub async fn replace(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    mut input: Input,
) -> Result<Dashboard> {
    let d = editable(ws, who, id).await?;
    let (name, description, checked) = name_and_description(&mut input);
    let def: Option<Definition> = input.structured("definition");
    let version: Option<i64> = input.structured("version");
    let note = input.text("note");
    let mut errors = checked.err().map(|i| i.0).unwrap_or_default();
    if version.is_none() {
        errors.push(FieldError::new(
            "version",
            "required",
            "geef de versie waarop de wijziging is gemaakt",
        ));
    }
    let checked = Invalid::unless_empty(errors);
    input.finish(checked)?;
    let def = def.unwrap_or_else(|| d.definition.clone());
    let s = DashboardSave {
        name: &name,
        description: &description,
        definition: &def,
        note: &note,
    };
    save(ws, who, &d, version.unwrap_or(d.version), &s).await
}

/// What one change in the editor did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Saved as a new version.
    Saved,
    /// A widget was added (and saved as a new version).
    WidgetAdded,
    /// Who may see it changed.
    Shared,
    /// The dashboard is gone.
    Deleted,
}

fn opt(s: String) -> Option<String> {
    let t = s.trim().to_string();
    (!t.is_empty()).then_some(t)
}

/// The widget described by the editor's fields.
fn widget_from(input: &mut Input) -> Result<Widget> {
    let kind = input.text("kind");
    let kind = WidgetKind::parse(&kind)
        .ok_or_else(|| Invalid::one("kind", "enum", "kies een soort onderdeel"))?;
    let level = input.text("level");
    Ok(Widget {
        id: String::new(),
        kind,
        title: input.text("title"),
        analysis_id: opt(input.text("analysisId")).filter(|_| kind.needs_analysis()),
        indicator_id: opt(input.text("indicatorId")).filter(|_| kind == WidgetKind::Kpi),
        category_column: opt(input.text("categoryColumn")),
        value_column: opt(input.text("valueColumn")),
        series_column: opt(input.text("seriesColumn")).filter(|_| kind.uses_series()),
        level: Level::parse(&level).filter(|_| kind.is_regional()),
        drill_param: opt(input.text("drillParam")).filter(|_| kind == WidgetKind::Choropleth),
        drill_analysis_id: opt(input.text("drillAnalysisId"))
            .filter(|_| kind == WidgetKind::Choropleth),
        drill_category_column: opt(input.text("drillCategoryColumn"))
            .filter(|_| kind == WidgetKind::Choropleth),
        text: input.text("text"),
        wide: input.flag("wide"),
    })
}

/// The filter described by the editor's fields.
fn filter_from(input: &mut Input) -> Result<Filter> {
    let kind = input.text("filterKind");
    let kind = FilterKind::parse(&kind)
        .ok_or_else(|| Invalid::one("filterKind", "enum", "kies keuzelijst of schuif"))?;
    let int = |s: String| s.trim().parse::<i64>().ok();
    Ok(Filter {
        param: input.text("param").trim().to_string(),
        label: input.text("label"),
        kind,
        options: input
            .text("options")
            .split([',', '\n'])
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect(),
        min: int(input.text("min")),
        max: int(input.text("max")),
        default: input.text("default").trim().to_string(),
    })
}

/// One change from the editor (analysts): `action` says which (`details`, `add_widget`,
/// `update_widget`, `duplicate_widget`, `up`, `down`, `remove_widget`, `add_filter`, `remove_filter`, `share`, `delete`); each
/// change of the content saves a new version made from the form's `version`.
pub async fn edit(ws: &Workspace, who: &Principal, id: &str, mut input: Input) -> Result<Edit> {
    let d = editable(ws, who, id).await?;
    let action = input.text("action");
    let base: i64 = input
        .text("version")
        .parse()
        .map_err(|_| Error::Rejected("de versie van het formulier ontbreekt".into()))?;
    let mut def: Definition = d.definition.clone();
    let (mut name, mut description) = (d.name.clone(), d.description.clone());
    let target = input.text("widget");
    let (note, done) = match action.as_str() {
        "details" => {
            name = input.text("name").trim().to_string();
            description = input.text("description").trim().to_string();
            koers_core::error::text("name", &name, 120)?;
            ("naam en beschrijving", Edit::Saved)
        }
        "add_widget" => {
            let w = widget_from(&mut input)?;
            def.widgets.push(w);
            ("onderdeel toegevoegd", Edit::WidgetAdded)
        }
        "update_widget" => {
            let w = widget_from(&mut input)?;
            if !def.replace_widget(&target, w) {
                return Err(Error::NotFound);
            }
            ("onderdeel gewijzigd", Edit::Saved)
        }
        "duplicate_widget" => {
            if !def.duplicate_widget(&target, "kopie") {
                return Err(Error::NotFound);
            }
            ("onderdeel gedupliceerd", Edit::Saved)
        }
        "up" | "down" => {
            if !def.move_widget(&target, if action == "up" { -1 } else { 1 }) {
                return Err(Error::NotFound);
            }
            ("onderdeel verplaatst", Edit::Saved)
        }
        "remove_widget" => {
            if !def.remove_widget(&target) {
                return Err(Error::NotFound);
            }
            ("onderdeel verwijderd", Edit::Saved)
        }
        "add_filter" => {
            let mut f = filter_from(&mut input)?;
            if f.kind == FilterKind::Select && f.options.is_empty() {
                // Left empty: the values koers knows for a parameter of that name (a code
                // list, the provinces, the municipalities), by the labels of the dashboard's
                // analyses and the organisation's datasets.
                let ids = def.widgets.iter().filter_map(|w| w.analysis_id.as_deref());
                let labels = crate::catalog::org_labels(ws, &who.org.id).await?.of(ids);
                f.options = labels
                    .choices(&f.param)
                    .into_iter()
                    .map(|(v, _)| v)
                    .collect();
            }
            def.filters.push(f);
            ("filter toegevoegd", Edit::Saved)
        }
        "remove_filter" => {
            if !def.remove_filter(&input.text("param")) {
                return Err(Error::NotFound);
            }
            ("filter verwijderd", Edit::Saved)
        }
        "share" => {
            share(ws, who, id, input).await?;
            return Ok(Edit::Shared);
        }
        "delete" => {
            delete(ws, who, id).await?;
            return Ok(Edit::Deleted);
        }
        _ => return Err(Error::Rejected("onbekende handeling".into())),
    };
    input.finish(Ok(()))?;
    let s = DashboardSave {
        name: &name,
        description: &description,
        definition: &def,
        note,
    };
    save(ws, who, &d, base, &s).await?;
    Ok(done)
}

/// What the editor offers: the dashboard, and the organisation's analyses and indicators
/// its widgets can show.
#[derive(Debug, Clone)]
pub struct Editor {
    pub dashboard: Dashboard,
    pub analyses: Vec<Analysis>,
    pub indicators: Vec<Indicator>,
    /// What the analyses' columns mean, to offer them by their headings.
    pub labels: crate::catalog::OrgLabels,
}

/// The widget that fits a saved analysis' result, to start a new widget from (analysts).
pub async fn suggested_widget(
    ws: &Workspace,
    who: &Principal,
    analysis_id: &str,
) -> Result<Widget> {
    who.require(Permission::Analyse)?;
    // Counted up to one past what bars can show: enough to tell bars from a table.
    let most = koers_core::dashboards::MAX_BARS as usize + 1;
    let (a, columns, rows) = crate::analysis::shape(ws, who, analysis_id, most).await?;
    Ok(Widget::suggested_for(&a.title, &a.id, &columns, rows))
}

/// The editor of a dashboard (analysts).
pub async fn editor(ws: &Workspace, who: &Principal, id: &str) -> Result<Editor> {
    let dashboard = editable(ws, who, id).await?;
    Ok(Editor {
        analyses: crate::analysis::with_columns(ws, &who.org.id).await?,
        indicators: ws.store.indicators().indicators(&who.org.id).await?,
        labels: crate::catalog::org_labels(ws, &who.org.id).await?,
        dashboard,
    })
}

/// Brings back an older version's content as a new version (analysts).
pub async fn restore(ws: &Workspace, who: &Principal, id: &str, version: i64) -> Result<Dashboard> {
    let d = editable(ws, who, id).await?;
    let old = ws.store.dashboards().dashboard_version(&d, version).await?;
    let note = format!("versie {version} teruggezet");
    let s = DashboardSave {
        name: &old.name,
        description: &old.description,
        definition: &old.definition,
        note: &note,
    };
    save(ws, who, &d, d.version, &s).await
}

/// Every saved version of a dashboard, newest first (who may open it).
pub async fn versions(ws: &Workspace, who: &Principal, id: &str) -> Result<Vec<DashboardVersion>> {
    let d = visible(ws, who, id).await?;
    Ok(ws.store.dashboards().dashboard_versions(&d).await?)
}

/// One saved version of a dashboard (who may open it).
pub async fn version(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    version: i64,
) -> Result<DashboardVersion> {
    let d = visible(ws, who, id).await?;
    Ok(ws.store.dashboards().dashboard_version(&d, version).await?)
}

/// What changed between two versions of a dashboard (who may open it).
pub async fn changes(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    from: i64,
    to: i64,
) -> Result<Vec<Change>> {
    let d = visible(ws, who, id).await?;
    let a = ws.store.dashboards().dashboard_version(&d, from).await?;
    let b = ws.store.dashboards().dashboard_version(&d, to).await?;
    Ok(compare(&a.definition, &b.definition))
}

/// A dashboard's history: its versions, newest first, and what changed between two of them
/// when asked.
#[derive(Debug, Clone)]
pub struct History {
    pub dashboard: Dashboard,
    pub versions: Vec<DashboardVersion>,
    pub compared: Option<Vec<Change>>,
}

/// The history of a dashboard, comparing the versions `compare` names (who may open it).
pub async fn history(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    compare: Option<(i64, i64)>,
) -> Result<History> {
    let d = visible(ws, who, id).await?;
    let versions = ws.store.dashboards().dashboard_versions(&d).await?;
    let compared = match compare {
        Some((from, to)) => Some(changes(ws, who, id, from, to).await?),
        None => None,
    };
    Ok(History {
        dashboard: d,
        versions,
        compared,
    })
}

/// Sets who may see a dashboard (analysts): `visibility`, `roles` (for roles and public),
/// and for a public one a link — kept while it stays public, new when `newLink` is set.
pub async fn share(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    mut input: Input,
) -> Result<Dashboard> {
    let d = editable(ws, who, id).await?;
    let vis = input.text("visibility");
    let roles = input.texts("roles");
    let new_link = input.flag("newLink");
    let mut errors = Vec::new();
    let visibility = Visibility::parse(&vis);
    if visibility.is_none() {
        errors.push(FieldError::new(
            "visibility",
            "enum",
            "kies private, roles of public",
        ));
    }
    // No roles is allowed here: private, or public to outsiders only.
    let parsed = if roles.is_empty() {
        Ok(Vec::new())
    } else {
        koers_core::access::parse_roles(roles.iter().map(String::as_str))
    };
    if let Err(Invalid(e)) = &parsed {
        errors.extend(e.iter().cloned().map(|mut f| {
            f.name = "roles".into();
            f
        }));
    }
    let checked = Invalid::unless_empty(errors);
    input.finish(checked)?;
    let visibility = visibility.unwrap_or(Visibility::Private);
    let roles: Vec<Role> = parsed.unwrap_or_default();
    let token = match visibility {
        Visibility::Public if !new_link => d
            .public_token
            .clone()
            .unwrap_or_else(koers_core::secret::new_token),
        Visibility::Public => koers_core::secret::new_token(),
        _ => String::new(),
    };
    let token = (!token.is_empty()).then_some(token);
    Ok(ws
        .store
        .dashboards()
        .share_dashboard(&d, visibility, &roles, token.as_deref(), &who.actor())
        .await?)
}

/// Sets how often a dashboard computes its figures again by itself, for the default filter
/// choice (`manual`, `hourly`, `daily`, `weekly`; analysts). Returns the schedule and when
/// it is next due, `None` for manual.
pub async fn schedule(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    mut input: Input,
) -> Result<Option<(Every, String)>> {
    let d = editable(ws, who, id).await?;
    let every = input.text("every");
    let every = input.finish(Every::parse(&every))?;
    Ok(ws
        .store
        .schedules()
        .set_schedule(Scheduled::Dashboard, &d.org_id, &d.id, every, &who.actor())
        .await?)
}

/// Computes again, for the default filters, every dashboard whose scheduled refresh is due
/// at `now` (each claimed by one process only); a failure is logged and tried again at the
/// next turn. Returns how many were refreshed.
pub async fn run_due(ws: &Workspace, now: chrono::DateTime<chrono::Utc>) -> usize {
    let due = match ws
        .store
        .schedules()
        .claim_due(Scheduled::Dashboard, now)
        .await
    {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("scheduled dashboard refresh: {e}");
            return 0;
        }
    };
    let mut done = 0;
    for (org_id, id) in due {
        let r = match ws.store.dashboards().dashboard(&org_id, &id).await {
            Ok(d) => board(ws, &d, &BTreeMap::new(), true, None)
                .await
                .map(|_| ()),
            Err(e) => Err(e.into()),
        };
        match r {
            Ok(()) => done += 1,
            Err(e) => tracing::warn!("scheduled refresh of dashboard {id}: {e}"),
        }
    }
    done
}

/// Deletes a dashboard (analysts): it is gone from every list and link at once, and can be
/// restored with [`undelete`] for [`koers_store::dashboards::BIN_DAYS`] days.
pub async fn delete(ws: &Workspace, who: &Principal, id: &str) -> Result<()> {
    let d = editable(ws, who, id).await?;
    Ok(ws
        .store
        .dashboards()
        .delete_dashboard(&d, &who.actor())
        .await?)
}

/// A deleted dashboard of the organisation that can still be restored (analysts).
pub async fn deleted(ws: &Workspace, who: &Principal, id: &str) -> Result<Dashboard> {
    who.require(Permission::Analyse)?;
    Ok(ws
        .store
        .dashboards()
        .deleted_dashboard(&who.org.id, id)
        .await?)
}

/// Undoes a deletion (analysts): the dashboard is back with its versions and sharing.
pub async fn undelete(ws: &Workspace, who: &Principal, id: &str) -> Result<Dashboard> {
    let d = deleted(ws, who, id).await?;
    Ok(ws
        .store
        .dashboards()
        .restore_dashboard(&d, &who.actor())
        .await?)
}

/// Removes for good the dashboards deleted longer ago than the bin keeps them (the
/// scheduler); returns how many.
pub async fn purge_deleted(ws: &Workspace, now: chrono::DateTime<chrono::Utc>) -> usize {
    let before = now - chrono::Duration::days(koers_store::dashboards::BIN_DAYS);
    match ws
        .store
        .dashboards()
        .purge_deleted_dashboards(before, &crate::scheduler::actor())
        .await
    {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!("removing deleted dashboards failed: {e}");
            0
        }
    }
}

/// One widget with its data as shown.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetData {
    pub widget: Widget,
    /// The data behind the widget (absent for text): for analyses `columns`, `rows`,
    /// `geometryColumn`, `truncated`, `level` and `drilled`; for a key figure the indicator's
    /// view; `error` when it could not be computed.
    pub data: Option<Value>,
    pub computed_at: Option<String>,
    /// Computed before a source (analysis or dataset) last changed.
    pub stale: bool,
    /// The chosen filters that reach this widget, with their values.
    pub applied: Vec<Applied>,
    /// The labels of chosen filters that do not reach this widget (its analysis has no
    /// parameter for them; a key figure has none).
    pub unfiltered: Vec<String>,
    /// Where its figures come from: the analysis' title, or the indicator's name.
    pub source: Option<String>,
    /// What its columns and codes mean: its analyses' own labels, then the datasets'.
    #[serde(skip)]
    pub labels: Labels,
    /// A map's data at the other stops of the sliders its analysis reads
    /// ([`koers_core::dashboards::Filter::stops`]): what fixes its colour scale.
    #[serde(skip)]
    pub across: Vec<Value>,
    /// The filter values its analysis reads (what its tiles are asked with).
    #[serde(skip)]
    pub parameters: BTreeMap<String, String>,
}

/// A dashboard's widgets for one filter choice.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Board {
    /// The filter values that apply (chosen or default).
    pub filters: BTreeMap<String, String>,
    pub widgets: Vec<WidgetData>,
    /// What the datasets' columns and codes mean (the filters' options; each widget carries
    /// its own, with its analyses' labels).
    #[serde(skip)]
    pub labels: Labels,
}

/// Which analysis a widget reads for these filter values: the drill-down analysis once its
/// filter is set, else its own.
fn source_of<'a>(w: &'a Widget, values: &BTreeMap<String, String>) -> (Option<&'a str>, bool) {
    let drilled = w
        .drill_param
        .as_ref()
        .and_then(|p| values.get(p))
        .is_some_and(|v| !v.is_empty());
    if drilled {
        (w.drill_analysis_id.as_deref(), true)
    } else {
        (w.analysis_id.as_deref(), false)
    }
}

/// An analysis' SQL with the filters it has parameters for (each analysis gets only its own).
/// "All" (an empty choice) reaches a text parameter as '' and leaves another at its default.
fn sql_for(a: &Analysis, values: &BTreeMap<String, String>) -> Result<Sql> {
    bound_sql(a, &own_values(a, values))
}

/// The filter values an analysis reads: those it has a parameter for, an empty choice only
/// for a text parameter.
fn own_values(a: &Analysis, values: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    values
        .iter()
        .filter(|(k, v)| {
            a.parameters
                .iter()
                .any(|p| &p.name == *k && (!v.is_empty() || p.kind == ParamKind::Text))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// What a dashboard shows for a filter choice, as evidence: every widget with its data, the
/// exact SQL that produced it with the values bound to its parameters, and the dataset
/// versions that SQL reads now.
pub(crate) async fn evidence(
    ws: &Workspace,
    d: &Dashboard,
    chosen: &BTreeMap<String, String>,
) -> Result<Value> {
    let b = board(ws, d, chosen, false, None).await?;
    let mut widgets = Vec::new();
    for w in &b.widgets {
        let (source, _) = source_of(&w.widget, &b.filters);
        let query = match source {
            Some(id) => {
                let a = ws.store.catalog().analysis(&d.org_id, id).await?;
                let sql = sql_for(&a, &b.filters)?;
                let versions = versions_read(ws, &d.org_id, &sql.text).await?;
                json!({ "analysisId": a.id, "title": a.title, "sql": sql.text, "parameters": sql.params, "datasetVersions": versions })
            }
            None => Value::Null,
        };
        widgets.push(json!({
            "widget": w.widget, "data": w.data, "computedAt": w.computed_at, "stale": w.stale,
            "query": query,
        }));
    }
    Ok(json!({
        "dashboard": { "id": d.id, "name": d.name, "description": d.description, "version": d.version },
        "filters": b.filters,
        "widgets": widgets,
    }))
}

/// A widget's data as [`compute`] found it.
enum Computed {
    /// Made now, with what it was made of when that alone decides it.
    New(Value, Option<Basis>),
    /// The result kept before (given back), made of what is current: the same query over
    /// the same dataset versions.
    Same(Value),
}

/// What the widgets of one board share while it is made: the tables the organisation may
/// read, with their versions (read once, when a widget first needs them), and the answers
/// of the queries run so far — two widgets on one analysis with the same values run it once.
#[derive(Default)]
struct Shared {
    readable: Option<Arc<Readable>>,
    answers: BTreeMap<String, (Arc<Results>, Option<Basis>)>,
}

impl Shared {
    async fn readable(&mut self, ws: &Workspace, org_id: &str) -> Result<Arc<Readable>> {
        let readable = match self.readable.take() {
            Some(r) => r,
            None => Arc::new(ws.readable(org_id).await?),
        };
        self.readable = Some(readable.clone());
        Ok(readable)
    }
}

/// The data of one widget, computed now — unless `before`, the result kept before (on a
/// refresh), is current: made of the same query over the same dataset versions.
async fn compute(
    ws: &Workspace,
    org_id: &str,
    w: &Widget,
    values: &BTreeMap<String, String>,
    (before, shared): (Option<&WidgetResult>, &mut Shared),
) -> Result<Computed> {
    if w.kind == WidgetKind::Kpi {
        let id = w.indicator_id.as_deref().unwrap_or_default();
        let i = ws.store.indicators().indicator(org_id, id).await?;
        let v = view(ws, i).await?;
        let data = serde_json::to_value(v).map_err(|e| Error::Internal(e.to_string()))?;
        return Ok(Computed::New(data, None));
    }
    let (analysis_id, drilled) = source_of(w, values);
    let level = if drilled {
        Some(Level::Municipality)
    } else {
        w.level
    };
    let a = ws
        .store
        .catalog()
        .analysis(org_id, analysis_id.unwrap_or_default())
        .await?;
    let sql = sql_for(&a, values)?;
    let readable = shared.readable(ws, org_id).await?;
    if let Some(kept) = before
        && kept
            .basis
            .as_ref()
            .is_some_and(|b| readable.still_holds(b, &sql))
    {
        return Ok(Computed::Same(kept.data.clone()));
    }
    let key = query_key(&sql);
    let (res, basis) = match shared.answers.get(&key) {
        Some(answer) => answer.clone(),
        None => {
            let (out, basis) = ws
                .query_kept_over(org_id, &readable, sql, WIDGET_ROWS)
                .await?;
            let answer = (Arc::new(Results::from_output(&out)?), basis);
            shared.answers.insert(key, answer.clone());
            answer
        }
    };
    for c in [
        w.category(drilled),
        w.value_column.as_deref(),
        w.series_column.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter(|c| !c.is_empty())
    {
        if !res.columns.iter().any(|x| x == c) {
            return Err(Error::Unprocessable(format!(
                "kolom {c} zit niet in het resultaat van de analyse {}",
                a.title
            )));
        }
    }
    let data = json!({
        "columns": res.columns,
        "rows": res.rows,
        "geometryColumn": res.geometry_column,
        "truncated": res.truncated,
        "level": level.map(Level::as_str),
        "drilled": drilled,
    });
    Ok(Computed::New(data, basis))
}

/// The widgets of dashboard `d` for the chosen filters: from the cache, computing (and
/// caching) what is missing, or everything when `refresh` is set — where a cached result is
/// made of the same query over the same dataset versions as now, a refresh keeps it (marked
/// as computed now) instead of computing it again. `progress` hears one step per widget. It
/// checks no person's rights: `d` comes from a use case that did ([`visible`], [`editable`],
/// a public link), or from the scheduler and the command line, which act for the deployment.
pub async fn board(
    ws: &Workspace,
    d: &Dashboard,
    chosen: &BTreeMap<String, String>,
    refresh: bool,
    progress: Option<&(dyn Progress + Sync)>,
) -> Result<Board> {
    let values = d.definition.filter_values(chosen)?;
    let key = filter_key(&values);
    let cached = ws.store.dashboards().widget_results(d, &key).await?;
    let mut shared = Shared::default();
    if let Some(p) = progress {
        p.set_total(d.definition.widgets.len() as u64, koers_engine::Unit::Steps);
    }
    let mut changed_at: BTreeMap<String, String> = BTreeMap::new();
    let mut at_stops: BTreeMap<String, Vec<WidgetResult>> = BTreeMap::new();
    let mut widgets = Vec::new();
    let labels = crate::catalog::org_labels(ws, &d.org_id).await?;
    for w in &d.definition.widgets {
        let (data, computed_at) = if w.kind == WidgetKind::Text {
            (None, None)
        } else {
            let (data, at) =
                widget_data(ws, d, w, &values, (&key, &cached), (refresh, &mut shared)).await?;
            (Some(data), Some(at))
        };
        let mut stale = false;
        if let Some(at) = &computed_at {
            for a in [&w.analysis_id, &w.drill_analysis_id].into_iter().flatten() {
                if !changed_at.contains_key(a) {
                    let c = match ws
                        .store
                        .indicators()
                        .analysis_changed_at(&d.org_id, a)
                        .await
                    {
                        Ok(c) => c,
                        Err(StoreError::NotFound) => String::new(),
                        Err(e) => return Err(e.into()),
                    };
                    changed_at.insert(a.clone(), c);
                }
                stale |= changed_at.get(a).is_some_and(|c| c > at);
            }
        }
        let (params, source, parameters): (Vec<String>, Option<String>, _) =
            match (w.kind, source_of(w, &values).0) {
                (WidgetKind::Kpi, _) => {
                    let id = w.indicator_id.as_deref().unwrap_or_default();
                    match ws.store.indicators().indicator(&d.org_id, id).await {
                        Ok(i) => (Vec::new(), Some(i.name), BTreeMap::new()),
                        Err(StoreError::NotFound) => (Vec::new(), None, BTreeMap::new()),
                        Err(e) => return Err(e.into()),
                    }
                }
                (_, Some(a)) => match ws.store.catalog().analysis(&d.org_id, a).await {
                    Ok(a) => (
                        a.parameters.iter().map(|p| p.name.clone()).collect(),
                        Some(a.title.clone()),
                        own_values(&a, &values),
                    ),
                    Err(StoreError::NotFound) => (Vec::new(), None, BTreeMap::new()),
                    Err(e) => return Err(e.into()),
                },
                _ => (Vec::new(), None, BTreeMap::new()),
            };
        // A map under a slider its analysis reads (the time machine, a scenario): its data at
        // the slider's other positions too, so that it keeps one colour scale across them.
        let mut across = Vec::new();
        if w.kind.is_regional() {
            for f in d
                .definition
                .filters
                .iter()
                .filter(|f| params.contains(&f.param))
            {
                for stop in f.stops() {
                    let mut other = values.clone();
                    if other.insert(f.param.clone(), stop.to_string()) == Some(stop.to_string()) {
                        continue;
                    }
                    let other_key = filter_key(&other);
                    // Each stop's cached results are read once for all the maps under it.
                    if !at_stops.contains_key(&other_key) {
                        let cached = ws.store.dashboards().widget_results(d, &other_key).await?;
                        at_stops.insert(other_key.clone(), cached);
                    }
                    let cached = at_stops.get(&other_key).map_or(&[][..], Vec::as_slice);
                    across.push(
                        widget_data(ws, d, w, &other, (&other_key, cached), (false, &mut shared))
                            .await?
                            .0,
                    );
                }
            }
        }
        let read = [&w.analysis_id, &w.drill_analysis_id];
        widgets.push(WidgetData {
            across,
            parameters,
            source,
            labels: labels.of(read.into_iter().flatten().map(String::as_str)),
            applied: d.definition.applied(w, &params, &values),
            unfiltered: d.definition.unfiltered(w, &params, &values),
            widget: w.clone(),
            data,
            computed_at,
            stale,
        });
        if let Some(p) = progress {
            p.advance(1);
        }
    }
    Ok(Board {
        filters: values,
        widgets,
        labels: labels.of([]),
    })
}

/// A widget's data for filter values (whose key and cached results are given): from the
/// cache, or computed and kept. On a `refresh` a cached result is kept only where it is made
/// of the same query over the same dataset versions as now. Failures a person can act on
/// become the widget's `error`, so that one broken widget does not hide the others.
async fn widget_data(
    ws: &Workspace,
    d: &Dashboard,
    w: &Widget,
    values: &BTreeMap<String, String>,
    (key, cached): (&str, &[WidgetResult]),
    (refresh, shared): (bool, &mut Shared),
) -> Result<(Value, String)> {
    let cached = cached.iter().find(|c| c.widget_id == w.id);
    if let Some(c) = cached
        && !refresh
    {
        return Ok((c.data.clone(), c.computed_at.clone()));
    }
    let (data, basis) = match compute(ws, &d.org_id, w, values, (cached, shared)).await {
        Ok(Computed::New(data, basis)) => (data, basis),
        Ok(Computed::Same(data)) => {
            let dashboards = ws.store.dashboards();
            let at = dashboards.confirm_widget_result(d, key, &w.id).await?;
            return Ok((data, at));
        }
        Err(e) if e.is_internal() => return Err(e),
        Err(e) => (json!({ "error": e.detail() }), None),
    };
    let at = ws
        .store
        .dashboards()
        .save_widget_result(d, key, &w.id, (&data, basis.as_ref()))
        .await?;
    Ok((data, at))
}

/// The board for the chosen filters; when a chosen value is not valid, the board with the
/// default filters and why (a bad filter value in an address still shows the dashboard).
async fn board_or_defaults(
    ws: &Workspace,
    d: &Dashboard,
    chosen: &BTreeMap<String, String>,
) -> Result<(Board, Option<Error>)> {
    match board(ws, d, chosen, false, None).await {
        Ok(b) => Ok((b, None)),
        Err(e @ Error::Invalid(_)) => {
            Ok((board(ws, d, &BTreeMap::new(), false, None).await?, Some(e)))
        }
        Err(e) => Err(e),
    }
}

/// A dashboard's widgets for a filter choice, from the cache (who may open it).
pub async fn data(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    chosen: &BTreeMap<String, String>,
) -> Result<(Dashboard, Board)> {
    let d = visible(ws, who, id).await?;
    let b = board(ws, &d, chosen, false, None).await?;
    Ok((d, b))
}

/// Computes every widget again for a filter choice (analysts).
pub async fn refresh(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    chosen: &BTreeMap<String, String>,
) -> Result<Board> {
    let d = editable(ws, who, id).await?;
    board(ws, &d, chosen, true, None).await
}

/// Starts computing every widget again for a filter choice in the background (analysts);
/// the job reports one step per widget. A filter value that is not valid is refused first.
pub async fn start_refresh(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    chosen: BTreeMap<String, String>,
) -> Result<Arc<Job>> {
    let d = editable(ws, who, id).await?;
    d.definition.filter_values(&chosen)?;
    let job = ws.jobs.start(&who.org.id, &format!("dashboard {}", d.name));
    let (ws, j) = (ws.clone(), job.clone());
    tokio::spawn(async move {
        let status = match board(&ws, &d, &chosen, true, Some(j.as_ref())).await {
            Ok(_) => JobStatus::Done { result: d.id },
            Err(e) => JobStatus::Failed { error: e.detail() },
        };
        j.finish(status);
    });
    Ok(job)
}

/// A background refresh of a dashboard and how far it got (who may open the dashboard).
pub async fn refresh_job(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    job: &str,
) -> Result<(Dashboard, JobView)> {
    let d = visible(ws, who, id).await?;
    let job = ws
        .jobs
        .view(&who.org.id, job)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((d, job))
}

/// What a dashboard's page shows for a filter choice.
#[derive(Debug)]
pub struct DashboardView {
    pub dashboard: Dashboard,
    pub board: Board,
    /// Why the chosen filters were not used (the board then has the defaults).
    pub problem: Option<Error>,
    /// How often it refreshes by itself and when next, `None` for manual.
    pub schedule: Option<(Every, String)>,
}

/// A dashboard with its widgets for a filter choice and its schedule (who may open it).
pub async fn dashboard_view(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    chosen: &BTreeMap<String, String>,
) -> Result<DashboardView> {
    let d = visible(ws, who, id).await?;
    let (board, problem) = board_or_defaults(ws, &d, chosen).await?;
    let schedule = ws
        .store
        .schedules()
        .schedule(Scheduled::Dashboard, &d.id)
        .await?;
    Ok(DashboardView {
        dashboard: d,
        board,
        problem,
        schedule,
    })
}

/// The dashboard behind a public link: read-only, no session needed; an unknown or revoked
/// link is not found.
pub async fn public_dashboard(ws: &Workspace, token: &str) -> Result<Dashboard> {
    Ok(ws.store.dashboards().public_dashboard(token).await?)
}

/// What the public page or embed shows for a filter choice.
#[derive(Debug)]
pub struct PublicView {
    pub dashboard: Dashboard,
    /// The name of the organisation that publishes it.
    pub organisation: String,
    pub board: Board,
    /// Why the chosen filters were not used (the board then has the defaults).
    pub problem: Option<Error>,
}

/// The dashboard behind a public link with its widgets for a filter choice (anyone with
/// the link).
pub async fn public_view(
    ws: &Workspace,
    token: &str,
    chosen: &BTreeMap<String, String>,
) -> Result<PublicView> {
    let d = public_dashboard(ws, token).await?;
    let (board, problem) = board_or_defaults(ws, &d, chosen).await?;
    let organisation = ws
        .store
        .organisations()
        .organisation(&d.org_id)
        .await
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(PublicView {
        dashboard: d,
        organisation,
        board,
        problem,
    })
}

/// The chosen filter values in a query string (`f.<param>=value`), and anything else kept
/// apart (widget settings such as the 3D angle).
pub fn chosen_filters(query: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    query
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("f.")?.to_string(), v.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_come_from_prefixed_query_keys() {
        let q: BTreeMap<String, String> = [
            ("f.jaar".to_string(), "2024".to_string()),
            ("rot.w1".to_string(), "45".to_string()),
        ]
        .into();
        assert_eq!(
            chosen_filters(&q),
            [("jaar".to_string(), "2024".to_string())].into()
        );
    }
}
