//! Dashboards (M3) shared by the pages and the API: making and saving them (every save a
//! version, only on top of the version it was made from), who may open them, the public
//! link, and their widgets' data — computed from the saved analyses with the global filters
//! as parameters, cached per version and filter choice, and shown stale when a source
//! changed after it was computed.

pub mod export;
pub mod render;

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::Input;
use crate::state::AppState;
use koers_app::analysis::bound_sql;
use koers_app::results::Results;
use koers_core::analysis::ParamKind;
use koers_core::dashboards::{
    Change, Definition, Level, Visibility, Widget, WidgetKind, compare, filter_key, may_view,
};
use koers_core::indicators::Every;
use koers_core::{FieldError, Invalid, Permission, Role};
use koers_engine::{Progress, Sql};
use koers_store::StoreError;
use koers_store::catalog::Analysis;
use koers_store::dashboards::{Dashboard, DashboardSave};
use koers_store::schedules::Scheduled;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// At most this many rows of an analysis are kept for a widget.
pub const WIDGET_ROWS: usize = 5000;

/// Refuses unless the signed-in member may open the dashboard; another organisation's
/// dashboard, or one not shared with this member, is simply not found.
pub async fn visible(state: &AppState, ctx: &Ctx, id: &str) -> Result<Dashboard, AppError> {
    ctx.require(Permission::Read)?;
    let d = state.store.dashboard(&ctx.org.id, id).await?;
    if may_open(ctx, Some(&d)) {
        Ok(d)
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether the member may open dashboard `d` (its sharing, see [`may_view`]). `None` is a
/// dashboard that no longer exists, so its sharing and maker are unknown: as a private one
/// of someone else, only those who may open every dashboard (analysts, administrators) may
/// — what a snapshot of it froze stays as closed as the dashboard was at its most closed.
pub fn may_open(ctx: &Ctx, d: Option<&Dashboard>) -> bool {
    match d {
        Some(d) => may_view(
            d.visibility,
            &d.shared_roles,
            &d.owner_id,
            &ctx.user.id,
            &ctx.roles,
        ),
        None => may_view(Visibility::Private, &[], "", &ctx.user.id, &ctx.roles),
    }
}

/// The dashboard, for someone who may change it (analysts).
pub async fn editable(state: &AppState, ctx: &Ctx, id: &str) -> Result<Dashboard, AppError> {
    let d = visible(state, ctx, id).await?;
    ctx.require(Permission::Analyse)?;
    Ok(d)
}

/// The dashboards this member may open.
pub async fn list(state: &AppState, ctx: &Ctx) -> Result<Vec<Dashboard>, AppError> {
    ctx.require(Permission::Read)?;
    Ok(state
        .store
        .dashboards(&ctx.org.id)
        .await?
        .into_iter()
        .filter(|d| may_open(ctx, Some(d)))
        .collect())
}

/// Checks a definition against the organisation: every analysis and indicator it names
/// must be the organisation's own. Adds to the rules of the definition itself.
async fn check_definition(state: &AppState, org_id: &str, d: &Definition) -> Result<(), Invalid> {
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
                && state.store.analysis(org_id, id).await.is_err()
            {
                errors.push(FieldError {
                    name: format!("widgets[{i}].{field}"),
                    code: "unknown".into(),
                    reason: "kies een opgeslagen analyse van deze organisatie".into(),
                });
            }
        }
        if let Some(id) = w.indicator_id.as_deref().filter(|s| !s.is_empty())
            && state.store.indicator(org_id, id).await.is_err()
        {
            errors.push(FieldError {
                name: format!("widgets[{i}].indicatorId"),
                code: "unknown".into(),
                reason: "kies een indicator van deze organisatie".into(),
            });
        }
    }
    Invalid::unless_empty(errors)
}

fn name_and_description(input: &mut Input) -> (String, String, Result<(), Invalid>) {
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
pub async fn create(state: &AppState, ctx: &Ctx, mut input: Input) -> Result<Dashboard, AppError> {
    ctx.require(Permission::Analyse)?;
    let (name, description, mut checked) = name_and_description(&mut input);
    let mut def: Definition = input.structured("definition").unwrap_or_default();
    def.assign_ids();
    if let Err(Invalid(mut e)) = check_definition(state, &ctx.org.id, &def).await {
        let mut all = checked.err().map(|i| i.0).unwrap_or_default();
        all.append(&mut e);
        checked = Err(Invalid(all));
    }
    input.finish(checked)?;
    Ok(state
        .store
        .create_dashboard(
            &ctx.org.id,
            &ctx.user.id,
            &DashboardSave {
                name: &name,
                description: &description,
                definition: &def,
                note: "",
            },
            &ctx.actor(),
        )
        .await?)
}

/// Saves a new version of a dashboard on top of `base_version` (new widgets get their ids).
pub async fn save(
    state: &AppState,
    ctx: &Ctx,
    d: &Dashboard,
    base_version: i64,
    s: &DashboardSave<'_>,
) -> Result<Dashboard, AppError> {
    ctx.require(Permission::Analyse)?;
    let mut def = s.definition.clone();
    def.assign_ids();
    check_definition(state, &ctx.org.id, &def).await?;
    let note = koers_core::dashboards::long_text("note", s.note, 500)?;
    Ok(state
        .store
        .save_dashboard(
            d,
            base_version,
            &DashboardSave {
                definition: &def,
                note: &note,
                ..*s
            },
            &ctx.actor(),
        )
        .await?)
}

/// Saves a whole new definition from the API: `version` (the version it was made from),
/// name, description, definition and an optional note.
pub async fn replace(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mut input: Input,
) -> Result<Dashboard, AppError> {
    let d = editable(state, ctx, id).await?;
    let (name, description, checked) = name_and_description(&mut input);
    let def: Option<Definition> = input.structured("definition");
    let version: Option<i64> = input.structured("version");
    let note = input.text("note");
    let mut errors = checked.err().map(|i| i.0).unwrap_or_default();
    if version.is_none() {
        errors.push(FieldError {
            name: "version".into(),
            code: "required".into(),
            reason: "geef de versie waarop de wijziging is gemaakt".into(),
        });
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
    save(state, ctx, &d, version.unwrap_or(d.version), &s).await
}

/// Brings back an older version's content as a new version.
pub async fn restore(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    version: i64,
) -> Result<Dashboard, AppError> {
    let d = editable(state, ctx, id).await?;
    let old = state.store.dashboard_version(&d, version).await?;
    let note = format!("versie {version} teruggezet");
    let s = DashboardSave {
        name: &old.name,
        description: &old.description,
        definition: &old.definition,
        note: &note,
    };
    save(state, ctx, &d, d.version, &s).await
}

/// What changed between two versions of a dashboard.
pub async fn changes(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    from: i64,
    to: i64,
) -> Result<Vec<Change>, AppError> {
    let d = visible(state, ctx, id).await?;
    let a = state.store.dashboard_version(&d, from).await?;
    let b = state.store.dashboard_version(&d, to).await?;
    Ok(compare(&a.definition, &b.definition))
}

/// Sets who may see a dashboard (analysts): `visibility`, `roles` (for roles and public),
/// and for a public one a link — kept while it stays public, new when `newLink` is set.
pub async fn share(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mut input: Input,
) -> Result<Dashboard, AppError> {
    let d = editable(state, ctx, id).await?;
    let vis = input.text("visibility");
    let roles = input.texts("roles");
    let new_link = input.flag("newLink");
    let mut errors = Vec::new();
    let visibility = Visibility::parse(&vis);
    if visibility.is_none() {
        errors.push(FieldError {
            name: "visibility".into(),
            code: "enum".into(),
            reason: "kies private, roles of public".into(),
        });
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
    Ok(state
        .store
        .share_dashboard(&d, visibility, &roles, token.as_deref(), &ctx.actor())
        .await?)
}

/// Sets how often a dashboard computes its figures again by itself, for the default filter
/// choice (`manual`, `hourly`, `daily`, `weekly`; analysts).
pub async fn schedule(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mut input: Input,
) -> Result<Option<(Every, String)>, AppError> {
    let d = editable(state, ctx, id).await?;
    let every = input.text("every");
    let every = input.finish(Every::parse(&every))?;
    Ok(state
        .store
        .set_schedule(Scheduled::Dashboard, &d.org_id, &d.id, every, &ctx.actor())
        .await?)
}

/// Computes again, for the default filters, every dashboard whose scheduled refresh is due
/// at `now` (each claimed by one process only); a failure is logged and tried again at the
/// next turn. Returns how many were refreshed.
pub async fn run_due(state: &AppState, now: chrono::DateTime<chrono::Utc>) -> usize {
    let due = match state.store.claim_due(Scheduled::Dashboard, now).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("scheduled dashboard refresh: {e}");
            return 0;
        }
    };
    let mut done = 0;
    for (org_id, id) in due {
        let r = match state.store.dashboard(&org_id, &id).await {
            Ok(d) => board(state, &d, &BTreeMap::new(), true, None)
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

/// Removes a dashboard (analysts).
pub async fn delete(state: &AppState, ctx: &Ctx, id: &str) -> Result<(), AppError> {
    let d = editable(state, ctx, id).await?;
    Ok(state.store.delete_dashboard(&d, &ctx.actor()).await?)
}

/// One widget with its data as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WidgetData {
    pub widget: Widget,
    /// The data behind the widget (absent for text): for analyses `columns`, `rows`,
    /// `geometryColumn`, `truncated`, `level` and `drilled`; for a key figure the indicator's
    /// view; `error` when it could not be computed.
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
    #[schema(format = DateTime)]
    pub computed_at: Option<String>,
    /// Computed before a source (analysis or dataset) last changed.
    pub stale: bool,
}

/// A dashboard's widgets for one filter choice.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Board {
    /// The filter values that apply (chosen or default).
    pub filters: BTreeMap<String, String>,
    pub widgets: Vec<WidgetData>,
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
fn sql_for(a: &Analysis, values: &BTreeMap<String, String>) -> Result<Sql, AppError> {
    let own: BTreeMap<String, String> = values
        .iter()
        .filter(|(k, v)| {
            a.parameters
                .iter()
                .any(|p| &p.name == *k && (!v.is_empty() || p.kind == ParamKind::Text))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(bound_sql(a, &own)?)
}

/// What a dashboard shows for a filter choice, as evidence: every widget with its data, the
/// exact SQL that produced it with the values bound to its parameters, and the dataset
/// versions that SQL reads now.
pub async fn evidence(
    state: &AppState,
    d: &Dashboard,
    chosen: &BTreeMap<String, String>,
) -> Result<Value, AppError> {
    let b = board(state, d, chosen, false, None).await?;
    let mut widgets = Vec::new();
    for w in &b.widgets {
        let (source, _) = source_of(&w.widget, &b.filters);
        let query = match source {
            Some(id) => {
                let a = state.store.analysis(&d.org_id, id).await?;
                let sql = sql_for(&a, &b.filters)?;
                let versions = crate::products::versions_read(state, &d.org_id, &sql.text).await?;
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

/// The data of one widget, computed now. Failures become the widget's `error`, so that one
/// broken widget does not hide the others.
async fn compute(
    state: &AppState,
    org_id: &str,
    w: &Widget,
    values: &BTreeMap<String, String>,
) -> Result<Value, AppError> {
    if w.kind == WidgetKind::Kpi {
        let id = w.indicator_id.as_deref().unwrap_or_default();
        let i = state.store.indicator(org_id, id).await?;
        let v = crate::products::view(state, i).await?;
        return serde_json::to_value(v).map_err(|e| AppError::Internal(e.to_string()));
    }
    let (analysis_id, drilled) = source_of(w, values);
    let level = if drilled {
        Some(Level::Municipality)
    } else {
        w.level
    };
    let a = state
        .store
        .analysis(org_id, analysis_id.unwrap_or_default())
        .await?;
    let sql = sql_for(&a, values)?;
    let out = state
        .ws
        .query(org_id, sql, WIDGET_ROWS, None)
        .await
        .map_err(AppError::from)?;
    let res = Results::from_output(&out)?;
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
            return Err(AppError::Unprocessable(format!(
                "kolom {c} zit niet in het resultaat van de analyse {}",
                a.title
            )));
        }
    }
    Ok(json!({
        "columns": res.columns,
        "rows": res.rows,
        "geometryColumn": res.geometry_column,
        "truncated": res.truncated,
        "level": level.map(Level::as_str),
        "drilled": drilled,
    }))
}

/// The widgets of a dashboard for the chosen filters: from the cache, computing (and
/// caching) what is missing, or everything when `refresh` is set. `progress` hears one step
/// per widget.
pub async fn board(
    state: &AppState,
    d: &Dashboard,
    chosen: &BTreeMap<String, String>,
    refresh: bool,
    progress: Option<&(dyn Progress + Sync)>,
) -> Result<Board, AppError> {
    let values = d.definition.filter_values(chosen)?;
    let key = filter_key(&values);
    let cached = if refresh {
        Vec::new()
    } else {
        state.store.widget_results(d, &key).await?
    };
    if let Some(p) = progress {
        p.set_total(d.definition.widgets.len() as u64, koers_engine::Unit::Steps);
    }
    let mut changed_at: BTreeMap<String, String> = BTreeMap::new();
    let mut widgets = Vec::new();
    for w in &d.definition.widgets {
        let (data, computed_at) = if w.kind == WidgetKind::Text {
            (None, None)
        } else if let Some(c) = cached.iter().find(|c| c.widget_id == w.id) {
            (Some(c.data.clone()), Some(c.computed_at.clone()))
        } else {
            let data = match compute(state, &d.org_id, w, &values).await {
                Ok(v) => v,
                Err(AppError::Internal(e)) => return Err(AppError::Internal(e)),
                Err(e) => json!({ "error": e.detail() }),
            };
            let at = state
                .store
                .save_widget_result(d, &key, &w.id, &data)
                .await?;
            (Some(data), Some(at))
        };
        let mut stale = false;
        if let Some(at) = &computed_at {
            for a in [&w.analysis_id, &w.drill_analysis_id].into_iter().flatten() {
                if !changed_at.contains_key(a) {
                    let c = match state.store.analysis_changed_at(&d.org_id, a).await {
                        Ok(c) => c,
                        Err(StoreError::NotFound) => String::new(),
                        Err(e) => return Err(e.into()),
                    };
                    changed_at.insert(a.clone(), c);
                }
                stale |= changed_at.get(a).is_some_and(|c| c > at);
            }
        }
        widgets.push(WidgetData {
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
