//! Dashboards (module M3): widgets over saved analyses and indicators, global filters that
//! feed the analyses' named parameters, drill-down from provinces to municipalities, who
//! may see a dashboard, and the comparison of two saved versions.
//!
//! A dashboard's definition is one value (widgets and filters); every save keeps the
//! previous definition as a version, so a version can be compared and restored. The web
//! layer runs the analyses; this module only decides what is a valid definition, which
//! filter values apply, and what changed.

use crate::access::Role;
use crate::analysis::builder::Kind;
use crate::analysis::is_ident;
use crate::error::{Collector, FieldError, Invalid, text};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// At most this many widgets on one dashboard.
pub const MAX_WIDGETS: usize = 24;
/// At most this many global filters.
pub const MAX_FILTERS: usize = 8;
/// At most this many characters in a text widget.
pub const MAX_TEXT: usize = 4000;

/// What a widget shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WidgetKind {
    /// A key figure of an indicator, with its trend and target.
    Kpi,
    Line,
    Area,
    /// Grouped bars.
    Bar,
    /// Stacked bars.
    Stacked,
    Table,
    /// Regions coloured by a measure.
    Choropleth,
    /// Points of a geometry column.
    Points,
    /// Regions extruded by a measure, seen from an angle (the 3D view of the digital twin).
    Extrude,
    /// Flows from one region to another (origin–destination), as arcs as wide as their
    /// measure, with the largest flows listed beside them.
    Flow,
    /// Buildings (footprints of a geometry column) raised to their height in metres, coloured
    /// by a measure: the buildings of the digital twin (e.g. the 3D BAG's roof heights).
    Buildings,
    Text,
}

impl WidgetKind {
    pub const ALL: [WidgetKind; 12] = [
        WidgetKind::Kpi,
        WidgetKind::Line,
        WidgetKind::Area,
        WidgetKind::Bar,
        WidgetKind::Stacked,
        WidgetKind::Table,
        WidgetKind::Choropleth,
        WidgetKind::Points,
        WidgetKind::Extrude,
        WidgetKind::Flow,
        WidgetKind::Buildings,
        WidgetKind::Text,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WidgetKind::Kpi => "kpi",
            WidgetKind::Line => "line",
            WidgetKind::Area => "area",
            WidgetKind::Bar => "bar",
            WidgetKind::Stacked => "stacked",
            WidgetKind::Table => "table",
            WidgetKind::Choropleth => "choropleth",
            WidgetKind::Points => "points",
            WidgetKind::Extrude => "extrude",
            WidgetKind::Flow => "flow",
            WidgetKind::Buildings => "buildings",
            WidgetKind::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<WidgetKind> {
        WidgetKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the widget draws a chart of categories and values.
    pub fn is_chart(self) -> bool {
        matches!(
            self,
            WidgetKind::Line | WidgetKind::Area | WidgetKind::Bar | WidgetKind::Stacked
        )
    }

    /// Whether the widget draws regions by their code (coloured, raised, or joined by flows).
    pub fn is_regional(self) -> bool {
        matches!(
            self,
            WidgetKind::Choropleth | WidgetKind::Extrude | WidgetKind::Flow
        )
    }

    /// Whether the widget reads a second column beside its category: the series of a chart,
    /// the destination of a flow.
    pub fn uses_series(self) -> bool {
        self.is_chart() || self == WidgetKind::Flow
    }

    /// Whether the widget's data comes from a saved analysis.
    pub fn needs_analysis(self) -> bool {
        !matches!(self, WidgetKind::Kpi | WidgetKind::Text)
    }
}

/// The regions a map is drawn with (the 2025 boundaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    Municipality,
}

impl Level {
    pub const ALL: [Level; 2] = [Level::Province, Level::Municipality];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::Municipality => "municipality",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The level whose CBS codes a column (or parameter) of this name holds, by its name:
    /// `provincie`, `provincie_code`, `pv_code` → provinces; `gemeente`, `gm_code`,
    /// `statcode` → municipalities.
    pub fn of_column(name: &str) -> Option<Level> {
        let n = name.to_lowercase();
        let code = n.contains("code") || n.ends_with("_gm") || n.ends_with("_pv");
        if code && (n.contains("prov") || n.contains("pv")) || n == "provincie" || n == "province" {
            Some(Level::Province)
        } else if code && (n.contains("gm") || n.contains("gemeente") || n.contains("munic"))
            || n == "gemeente"
            || n == "municipality"
            || n == "statcode"
        {
            Some(Level::Municipality)
        } else {
            None
        }
    }
}

/// The most values a filter's list offers: every municipality (342) fits.
pub const MAX_OPTIONS: usize = 400;

/// The most categories a suggested bar chart shows; a result with more rows is suggested as
/// its table ([`Widget::suggested_for`]).
pub const MAX_BARS: u64 = 60;

/// One widget. Which fields matter depends on the kind; see [`Definition::check`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Widget {
    /// Unique within the dashboard; given by koers when the widget is added.
    #[serde(default)]
    pub id: String,
    pub kind: WidgetKind,
    pub title: String,
    /// The saved analysis behind the widget (all kinds but key figure and text).
    #[serde(default)]
    pub analysis_id: Option<String>,
    /// The indicator of a key figure.
    #[serde(default)]
    pub indicator_id: Option<String>,
    /// Charts: the categories (x axis); maps: the region code (PV.., GM..); points: the label.
    #[serde(default)]
    pub category_column: Option<String>,
    /// Charts and maps: the measure.
    #[serde(default)]
    pub value_column: Option<String>,
    /// Charts: one series per distinct value of this column (e.g. the mode).
    #[serde(default)]
    pub series_column: Option<String>,
    /// Maps: the regions drawn.
    #[serde(default)]
    pub level: Option<Level>,
    /// Drill-down of a province map: choosing a province sets this filter to its code and
    /// shows `drill_analysis_id` on the municipalities.
    #[serde(default)]
    pub drill_param: Option<String>,
    #[serde(default)]
    pub drill_analysis_id: Option<String>,
    /// The municipality code column of the drill-down analysis (default: `category_column`).
    #[serde(default)]
    pub drill_category_column: Option<String>,
    /// The text of a text widget (paragraphs separated by blank lines).
    #[serde(default)]
    pub text: String,
    /// Spans the whole width instead of half.
    #[serde(default)]
    pub wide: bool,
}

/// How a filter is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterKind {
    /// One of a list of options (or all).
    Select,
    /// A whole number on a slider between a minimum and a maximum: the time machine.
    Slider,
}

impl FilterKind {
    pub const ALL: [FilterKind; 2] = [FilterKind::Select, FilterKind::Slider];

    pub fn as_str(self) -> &'static str {
        match self {
            FilterKind::Select => "select",
            FilterKind::Slider => "slider",
        }
    }

    pub fn parse(s: &str) -> Option<FilterKind> {
        FilterKind::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A global filter: its value goes to every widget's analysis that has a parameter of the
/// same name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    /// The analysis parameter this filter sets.
    pub param: String,
    pub label: String,
    pub kind: FilterKind,
    /// Select: the values to choose from ("" = all is always possible).
    #[serde(default)]
    pub options: Vec<String>,
    /// Slider: the range.
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    /// The value when none is chosen ("" = all, for a select).
    #[serde(default)]
    pub default: String,
}

/// A filter's value as it reached a widget: what its figures were made for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// The analysis parameter the filter set.
    pub param: String,
    /// The filter's label (`Provincie`).
    pub label: String,
    /// The value as chosen (`PV26`); a reader reads it through the catalog's labels.
    pub value: String,
}

/// The content of a dashboard: what one version holds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Definition {
    #[serde(default)]
    pub widgets: Vec<Widget>,
    #[serde(default)]
    pub filters: Vec<Filter>,
}

fn blank(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// Multi-line text: at most `max` characters, no control characters but line breaks.
pub fn long_text(name: &str, raw: &str, max: usize) -> Result<String, Invalid> {
    let t = raw.trim().replace("\r\n", "\n");
    if t.chars().count() > max {
        return Err(Invalid::one(
            name,
            "too_long",
            &format!("mag hoogstens {max} tekens zijn"),
        ));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Invalid::one(
            name,
            "control_chars",
            "bevat ongeldige tekens",
        ));
    }
    Ok(t)
}

impl Widget {
    /// A widget of `kind` titled `title`, with nothing else chosen yet.
    pub fn new(kind: WidgetKind, title: &str) -> Widget {
        Widget {
            id: String::new(),
            kind,
            title: title.into(),
            analysis_id: None,
            indicator_id: None,
            category_column: None,
            value_column: None,
            series_column: None,
            level: None,
            drill_param: None,
            drill_analysis_id: None,
            drill_category_column: None,
            text: String::new(),
            wide: false,
        }
    }

    /// [`Widget::suggested`] for a result of `rows` rows: bars over more categories than
    /// [`MAX_BARS`] cannot be read (a list of places, of buildings), so such a result is
    /// shown as its table, or as a map when it has a geometry.
    pub fn suggested_for(
        title: &str,
        analysis_id: &str,
        columns: &[(String, Kind)],
        rows: u64,
    ) -> Widget {
        let mut w = Widget::suggested(title, analysis_id, columns);
        if matches!(w.kind, WidgetKind::Bar | WidgetKind::Stacked) && rows > MAX_BARS {
            let geometry = columns.iter().any(|c| c.1 == Kind::Geometry);
            w.kind = if geometry {
                WidgetKind::Points
            } else {
                WidgetKind::Table
            };
            w.series_column = None;
            w.value_column = None;
            if !geometry {
                w.category_column = None;
            }
        }
        w
    }

    /// The widget that fits a result of these columns (name and kind), with its columns
    /// filled in: a period (a date, or a column named for a year, quarter, month or week)
    /// gives a line chart, split by a text column when there is one; a region code column
    /// (named for a province or municipality code) a map of those regions; two text columns
    /// stacked bars; one text column bars; a geometry points on a map; anything else a
    /// table. The value is the last number column that is not the period.
    pub fn suggested(title: &str, analysis_id: &str, columns: &[(String, Kind)]) -> Widget {
        let lower = |n: &str| n.to_lowercase();
        let is_period = |(n, k): &(String, Kind)| {
            k.temporal()
                || (k.numeric() || *k == Kind::Text)
                    && [
                        "jaar", "year", "kwartaal", "quarter", "maand", "month", "week", "periode",
                        "period",
                    ]
                    .iter()
                    .any(|p| lower(n) == *p || lower(n).ends_with(&format!("_{p}")))
        };
        let period = columns.iter().find(|c| is_period(c));
        let value = columns
            .iter()
            .rev()
            .find(|c| {
                c.1.numeric() && Some(*c) != period && !crate::catalog::labels::is_identifier(&c.0)
            })
            .map(|c| c.0.clone());
        let texts: Vec<&String> = columns
            .iter()
            .filter(|c| c.1 == Kind::Text && Some(*c) != period)
            .map(|c| &c.0)
            .collect();
        let regionals: Vec<(String, Level)> = columns
            .iter()
            .filter(|c| c.1 == Kind::Text)
            .filter_map(|c| Level::of_column(&c.0).map(|l| (c.0.clone(), l)))
            .collect();
        let regional = regionals.first().cloned();
        // Two region codes of one level: from one region to another.
        let flow = match regionals.as_slice() {
            [(from, a), (to, b), ..] if a == b => Some((from.clone(), to.clone(), *a)),
            _ => None,
        };
        // A geometry with a height in metres: buildings (the 3D BAG's `b3_h_dak_50p`, a
        // `hoogte` or `height` column).
        let height = columns
            .iter()
            .filter(|c| c.1.numeric())
            .find(|c| {
                let n = lower(&c.0);
                n.contains("hoogte") || n.contains("height") || n.starts_with("b3_h_")
            })
            .filter(|_| columns.iter().any(|c| c.1 == Kind::Geometry));
        let mut w = Widget::new(WidgetKind::Table, title);
        w.analysis_id = Some(analysis_id.to_string());
        if let Some((h, _)) = height {
            w.kind = WidgetKind::Buildings;
            w.value_column = Some(h.clone());
            w.category_column = texts.first().map(|t| (*t).clone());
            return w;
        }
        match (period, &value, regional, texts.as_slice()) {
            (Some(p), Some(_), _, texts) => {
                w.kind = WidgetKind::Line;
                w.category_column = Some(p.0.clone());
                w.series_column = texts.first().map(|t| (*t).clone());
            }
            (None, Some(_), Some(_), _) if flow.is_some() => {
                if let Some((from, to, level)) = flow {
                    w.kind = WidgetKind::Flow;
                    w.category_column = Some(from);
                    w.series_column = Some(to);
                    w.level = Some(level);
                }
            }
            (None, Some(_), Some((code, level)), _) => {
                w.kind = WidgetKind::Choropleth;
                w.category_column = Some(code);
                w.level = Some(level);
            }
            (None, Some(_), None, [first, second, ..]) => {
                w.kind = WidgetKind::Stacked;
                w.category_column = Some((*first).clone());
                w.series_column = Some((*second).clone());
            }
            (None, Some(_), None, [first]) => {
                w.kind = WidgetKind::Bar;
                w.category_column = Some((*first).clone());
            }
            _ if columns.iter().any(|c| c.1 == Kind::Geometry) => {
                w.kind = WidgetKind::Points;
                w.category_column = texts.first().map(|t| (*t).clone());
            }
            _ => {}
        }
        if w.kind != WidgetKind::Table && w.kind != WidgetKind::Points {
            w.value_column = value;
        }
        w
    }

    /// The region or category column read when `drilled` (the drill-down analysis' own
    /// column when it names one).
    pub fn category(&self, drilled: bool) -> Option<&str> {
        let own = self.category_column.as_deref();
        if drilled {
            self.drill_category_column
                .as_deref()
                .filter(|c| !c.is_empty())
                .or(own)
        } else {
            own
        }
    }

    /// The problems of this widget at position `i`, named like `widgets[0].analysisId`.
    fn problems(&self, i: usize, filters: &[Filter], out: &mut Vec<FieldError>) {
        let at = |f: &str| format!("widgets[{i}].{f}");
        if self.title.trim().is_empty() {
            out.push(FieldError::new(
                at("title"),
                "required",
                "geef het onderdeel een titel",
            ));
        } else if let Err(Invalid(e)) = text(&at("title"), &self.title, 120) {
            out.extend(e);
        }
        if self.kind.needs_analysis() && blank(&self.analysis_id) {
            out.push(FieldError::new(
                at("analysisId"),
                "required",
                "kies een opgeslagen analyse",
            ));
        }
        if self.kind == WidgetKind::Kpi && blank(&self.indicator_id) {
            out.push(FieldError::new(
                at("indicatorId"),
                "required",
                "kies een indicator",
            ));
        }
        if (self.kind.is_chart() || self.kind.is_regional()) && blank(&self.category_column) {
            let reason = match self.kind {
                WidgetKind::Flow => "kies de kolom met de gebiedscode van de herkomst",
                k if k.is_regional() => "kies de kolom met de gebiedscode",
                _ => "kies de kolom met de categorieën",
            };
            out.push(FieldError::new(at("categoryColumn"), "required", reason));
        }
        if self.kind == WidgetKind::Flow && blank(&self.series_column) {
            out.push(FieldError::new(
                at("seriesColumn"),
                "required",
                "kies de kolom met de gebiedscode van de bestemming",
            ));
        }
        if (self.kind.is_chart() || self.kind.is_regional()) && blank(&self.value_column) {
            out.push(FieldError::new(
                at("valueColumn"),
                "required",
                "kies de kolom met de waarde",
            ));
        }
        if self.kind == WidgetKind::Buildings && blank(&self.value_column) {
            out.push(FieldError::new(
                at("valueColumn"),
                "required",
                "kies de kolom met de hoogte in meter",
            ));
        }
        if self.kind.is_regional() && self.level.is_none() {
            out.push(FieldError::new(
                at("level"),
                "required",
                "kies provincies of gemeenten",
            ));
        }
        if self.kind == WidgetKind::Text {
            if self.text.trim().is_empty() {
                out.push(FieldError::new(
                    at("text"),
                    "required",
                    "schrijf de tekst van het onderdeel",
                ));
            } else if let Err(Invalid(e)) = long_text(&at("text"), &self.text, MAX_TEXT) {
                out.extend(e);
            }
        }
        match (&self.drill_param, &self.drill_analysis_id) {
            (None, None) => {}
            (Some(p), Some(a)) if !p.is_empty() && !a.is_empty() => {
                if self.kind != WidgetKind::Choropleth || self.level != Some(Level::Province) {
                    out.push(FieldError::new(
                        at("drillParam"),
                        "not_drillable",
                        "inzoomen kan alleen op een kaart van provincies",
                    ));
                }
                if !filters.iter().any(|f| &f.param == p) {
                    out.push(FieldError::new(
                        at("drillParam"),
                        "unknown",
                        "inzoomen zet een filter: kies een filter van dit dashboard",
                    ));
                }
            }
            _ => out.push(FieldError::new(
                at("drillParam"),
                "incomplete",
                "inzoomen vraagt een filter én een analyse op gemeenteniveau",
            )),
        }
    }
}

/// At most this many positions of a slider are computed to fix a map's colour scale.
pub const SCALE_STOPS: usize = 11;

impl Filter {
    fn problems(&self, i: usize, out: &mut Vec<FieldError>) {
        let at = |f: &str| format!("filters[{i}].{f}");
        if !is_ident(&self.param) {
            out.push(FieldError::new(
                at("param"),
                "pattern",
                "de naam van een parameter: letters, cijfers en _, beginnend met een letter",
            ));
        }
        if let Err(Invalid(e)) = text(&at("label"), &self.label, 60) {
            out.extend(e);
        }
        match self.kind {
            FilterKind::Select => {
                if self.options.is_empty() || self.options.len() > MAX_OPTIONS {
                    out.push(FieldError::new(
                        at("options"),
                        "count",
                        "geef 1 tot 400 keuzes",
                    ));
                }
                for (k, o) in self.options.iter().enumerate() {
                    if let Err(Invalid(e)) = text(&format!("filters[{i}].options[{k}]"), o, 80) {
                        out.extend(e);
                    }
                }
                if !self.default.is_empty() && !self.options.contains(&self.default) {
                    out.push(FieldError::new(
                        at("default"),
                        "not_an_option",
                        "de standaardwaarde moet een van de keuzes zijn",
                    ));
                }
            }
            FilterKind::Slider => match (self.min, self.max) {
                (Some(lo), Some(hi)) if lo < hi && hi - lo <= 1000 => {
                    if self.slider_value(&self.default).is_none() {
                        out.push(FieldError::new(
                            at("default"),
                            "range",
                            "de standaardwaarde moet een geheel getal tussen minimum en maximum zijn",
                        ));
                    }
                }
                _ => out.push(FieldError::new(
                    at("max"),
                    "range",
                    "een schuif vraagt een minimum kleiner dan het maximum (hoogstens 1000 stappen)",
                )),
            },
        }
    }

    /// The positions of a slider that fix a map's colour scale (the time machine: the same
    /// colour means the same value in every year): every position up to
    /// [`SCALE_STOPS`], else that many evenly spread from minimum to maximum. None for a list.
    pub fn stops(&self) -> Vec<i64> {
        let (FilterKind::Slider, Some(lo), Some(hi)) = (self.kind, self.min, self.max) else {
            return Vec::new();
        };
        let n = (hi - lo + 1).max(1) as usize;
        if n <= SCALE_STOPS {
            return (lo..=hi).collect();
        }
        let span = (hi - lo) as f64;
        let mut out: Vec<i64> = (0..SCALE_STOPS)
            .map(|i| lo + (span * i as f64 / (SCALE_STOPS - 1) as f64).round() as i64)
            .collect();
        out.dedup();
        out
    }

    fn slider_value(&self, raw: &str) -> Option<i64> {
        let v: i64 = raw.trim().parse().ok()?;
        (self.min? <= v && v <= self.max?).then_some(v)
    }

    /// Checks a chosen value: a select accepts "" (all) or one of its options, a slider a
    /// whole number in its range.
    fn accept(&self, raw: &str) -> Result<String, Invalid> {
        let name = format!("filter.{}", self.param);
        match self.kind {
            FilterKind::Select if raw.is_empty() || self.options.iter().any(|o| o == raw) => {
                Ok(raw.to_string())
            }
            FilterKind::Select => Err(Invalid::one(
                &name,
                "not_an_option",
                &format!("{} kent de keuze '{raw}' niet", self.label),
            )),
            FilterKind::Slider => self
                .slider_value(raw)
                .map(|v| v.to_string())
                .ok_or_else(|| {
                    Invalid::one(
                        &name,
                        "range",
                        &format!(
                            "{} moet een geheel getal van {} tot en met {} zijn",
                            self.label,
                            self.min.unwrap_or_default(),
                            self.max.unwrap_or_default()
                        ),
                    )
                }),
        }
    }
}

impl Definition {
    /// Every problem of the definition: each widget's and filter's fields, unique filter
    /// parameters, and the limits on their numbers. Widget ids are given by [`Self::assign_ids`].
    pub fn check(&self) -> Result<(), Invalid> {
        let mut out = Vec::new();
        if self.widgets.len() > MAX_WIDGETS {
            out.push(FieldError::new(
                "widgets",
                "too_many",
                format!("hoogstens {MAX_WIDGETS} onderdelen per dashboard"),
            ));
        }
        if self.filters.len() > MAX_FILTERS {
            out.push(FieldError::new(
                "filters",
                "too_many",
                format!("hoogstens {MAX_FILTERS} filters per dashboard"),
            ));
        }
        for (i, f) in self.filters.iter().enumerate() {
            f.problems(i, &mut out);
            if self.filters[..i].iter().any(|g| g.param == f.param) {
                out.push(FieldError::new(
                    format!("filters[{i}].param"),
                    "duplicate",
                    "deze parameter heeft al een filter",
                ));
            }
        }
        for (i, w) in self.widgets.iter().enumerate() {
            w.problems(i, &self.filters, &mut out);
        }
        if out.is_empty() {
            Ok(())
        } else {
            Err(Invalid(out))
        }
    }

    /// Gives every widget without an id (or with a repeated one) a fresh id `w1`, `w2`, …
    pub fn assign_ids(&mut self) {
        let mut seen: Vec<String> = Vec::new();
        let mut next = 1 + self
            .widgets
            .iter()
            .filter_map(|w| w.id.strip_prefix('w')?.parse::<usize>().ok())
            .max()
            .unwrap_or(0);
        for w in &mut self.widgets {
            let valid = w.id.len() <= 16
                && !w.id.is_empty()
                && w.id.chars().all(|c| c.is_ascii_alphanumeric())
                && !seen.contains(&w.id);
            if !valid {
                w.id = format!("w{next}");
                next += 1;
            }
            seen.push(w.id.clone());
        }
    }

    pub fn widget(&self, id: &str) -> Option<&Widget> {
        self.widgets.iter().find(|w| w.id == id)
    }

    /// Moves a widget one place up (`-1`) or down (`1`); false when it cannot move.
    pub fn move_widget(&mut self, id: &str, by: i32) -> bool {
        let Some(i) = self.widgets.iter().position(|w| w.id == id) else {
            return false;
        };
        let j = i as i64 + by as i64;
        if j < 0 || j >= self.widgets.len() as i64 {
            return false;
        }
        self.widgets.swap(i, j as usize);
        true
    }

    /// Puts `w` in the place of the widget `id`, keeping its id; false when there is none.
    pub fn replace_widget(&mut self, id: &str, mut w: Widget) -> bool {
        match self.widgets.iter_mut().find(|x| x.id == id) {
            Some(x) => {
                w.id = x.id.clone();
                *x = w;
                true
            }
            None => false,
        }
    }

    /// Adds a copy of the widget `id` right after it (a new id is given on saving, the
    /// title says it is a copy); false when there is none.
    pub fn duplicate_widget(&mut self, id: &str, copy_of: &str) -> bool {
        let Some(i) = self.widgets.iter().position(|w| w.id == id) else {
            return false;
        };
        let mut copy = self.widgets[i].clone();
        copy.id = String::new();
        copy.title = format!("{} ({copy_of})", copy.title);
        self.widgets.insert(i + 1, copy);
        true
    }

    /// The widgets (with their place) that are new or changed since `previous`.
    pub fn changed_widgets<'a>(
        &'a self,
        previous: &'a Definition,
    ) -> impl Iterator<Item = (usize, &'a Widget)> + 'a {
        self.widgets
            .iter()
            .enumerate()
            .filter(|(_, w)| !previous.widgets.contains(w))
    }

    /// Every column a new or changed widget names that is not in its analysis' result: the
    /// category, value and series columns against `analysis_id`'s columns, the drill-down's
    /// column against `drill_analysis_id`'s. `columns` gives an analysis' result columns
    /// when they are known; widgets as they were in `previous` are not checked again, so an
    /// older widget that broke cannot block other changes.
    pub fn check_columns(
        &self,
        previous: &Definition,
        columns: &dyn Fn(&str) -> Option<Vec<String>>,
    ) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        for (i, w) in self.changed_widgets(previous) {
            let checks = [
                ("categoryColumn", &w.category_column, &w.analysis_id),
                ("valueColumn", &w.value_column, &w.analysis_id),
                ("seriesColumn", &w.series_column, &w.analysis_id),
                (
                    "drillCategoryColumn",
                    &w.drill_category_column,
                    &w.drill_analysis_id,
                ),
            ];
            for (field, column, analysis) in checks {
                let (Some(column), Some(analysis)) = (column, analysis) else {
                    continue;
                };
                let Some(known) = columns(analysis) else {
                    continue;
                };
                if !known.contains(column) {
                    errors.push(FieldError::new(
                        format!("widgets[{i}].{field}"),
                        "unknown_column",
                        format!(
                            "kolom {column:?} zit niet in het resultaat van de analyse; kies uit {}",
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
        Invalid::unless_empty(errors)
    }

    /// Removes a widget; false when there was none with that id.
    pub fn remove_widget(&mut self, id: &str) -> bool {
        let before = self.widgets.len();
        self.widgets.retain(|w| w.id != id);
        before != self.widgets.len()
    }

    /// Removes a filter, and the drill-down of widgets that set it.
    pub fn remove_filter(&mut self, param: &str) -> bool {
        let before = self.filters.len();
        self.filters.retain(|f| f.param != param);
        for w in &mut self.widgets {
            if w.drill_param.as_deref() == Some(param) {
                w.drill_param = None;
                w.drill_analysis_id = None;
                w.drill_category_column = None;
            }
        }
        before != self.filters.len()
    }

    /// The filters that have a value and reach widget `w`, whose source takes the
    /// parameters `params`, with that value: the choice its figures are made for, as a
    /// picture of it names it (text is not filtered at all).
    pub fn applied(
        &self,
        w: &Widget,
        params: &[String],
        values: &BTreeMap<String, String>,
    ) -> Vec<Applied> {
        self.reaching(w, values)
            .filter(|(f, _)| params.contains(&f.param))
            .map(|(f, v)| Applied {
                param: f.param.clone(),
                label: f.label.clone(),
                value: v.to_string(),
            })
            .collect()
    }

    /// The labels of the filters that have a value but do not reach widget `w`, whose
    /// source takes the parameters `params`: a widget says so instead of seeming filtered
    /// (a key figure takes none; text is not filtered at all).
    pub fn unfiltered(
        &self,
        w: &Widget,
        params: &[String],
        values: &BTreeMap<String, String>,
    ) -> Vec<String> {
        self.reaching(w, values)
            .filter(|(f, _)| !params.contains(&f.param))
            .map(|(f, _)| f.label.clone())
            .collect()
    }

    /// The filters with a value (not "all") that could reach widget `w`: none for text.
    fn reaching<'a>(
        &'a self,
        w: &Widget,
        values: &'a BTreeMap<String, String>,
    ) -> impl Iterator<Item = (&'a Filter, &'a str)> {
        let filtered = w.kind != WidgetKind::Text;
        self.filters
            .iter()
            .filter(move |_| filtered)
            .filter_map(|f| {
                values
                    .get(&f.param)
                    .filter(|v| !v.is_empty())
                    .map(|v| (f, v.as_str()))
            })
    }

    /// The filter values that apply: each filter's chosen value when given and valid, else
    /// its default. Every invalid choice is listed; values for unknown filters are ignored
    /// (a shared link may outlive a filter).
    pub fn filter_values(
        &self,
        chosen: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, Invalid> {
        let mut c = Collector::default();
        let mut out = BTreeMap::new();
        for f in &self.filters {
            let v = match chosen.get(&f.param) {
                Some(raw) => c.take(f.accept(raw.trim())),
                None => Some(f.default.clone()),
            };
            if let Some(v) = v {
                out.insert(f.param.clone(), v);
            }
        }
        c.finish().map(|_| out)
    }

    /// The ids of every analysis and indicator the dashboard reads.
    pub fn sources(&self) -> (Vec<&str>, Vec<&str>) {
        let mut analyses: Vec<&str> = Vec::new();
        let mut indicators: Vec<&str> = Vec::new();
        for w in &self.widgets {
            for a in [&w.analysis_id, &w.drill_analysis_id].into_iter().flatten() {
                if !analyses.contains(&a.as_str()) {
                    analyses.push(a);
                }
            }
            if let Some(i) = &w.indicator_id
                && !indicators.contains(&i.as_str())
            {
                indicators.push(i);
            }
        }
        (analyses, indicators)
    }
}

/// A stable key of a set of filter values, for caching results per filter choice.
pub fn filter_key(values: &BTreeMap<String, String>) -> String {
    values
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace('%', "%25").replace('&', "%26")))
        .collect::<Vec<_>>()
        .join("&")
}

/// Who may open a dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Its maker, and the organisation's analysts and administrators who look after it.
    Private,
    /// Members of the organisation who hold one of the chosen roles.
    Roles,
    /// Everyone with the link, without signing in (read-only); members as with `Roles`.
    Public,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [Visibility::Private, Visibility::Roles, Visibility::Public];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Roles => "roles",
            Visibility::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Option<Visibility> {
        Visibility::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Whether a member with `roles` may open a dashboard made by `owner`. Those who may
/// build dashboards (analysts) and administrators always may; the maker always may.
pub fn may_view(
    visibility: Visibility,
    shared_with: &[Role],
    owner: &str,
    user: &str,
    roles: &[Role],
) -> bool {
    if owner == user || roles.contains(&Role::Analyst) || roles.contains(&Role::Administrator) {
        return true;
    }
    match visibility {
        Visibility::Private => false,
        Visibility::Roles | Visibility::Public => roles.iter().any(|r| shared_with.contains(r)),
    }
}

/// One difference between two versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// `added`, `removed`, `changed` or `moved`.
    pub change: String,
    /// `widget` or `filter`.
    pub part: String,
    /// The widget's id or the filter's parameter.
    pub key: String,
    pub title: String,
    /// For `changed`: the fields that differ.
    pub fields: Vec<String>,
}

fn widget_fields(a: &Widget, b: &Widget) -> Vec<String> {
    let (Ok(serde_json::Value::Object(x)), Ok(serde_json::Value::Object(y))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return Vec::new();
    };
    x.keys()
        .chain(y.keys().filter(|k| !x.contains_key(*k)))
        .filter(|k| x.get(*k) != y.get(*k))
        .cloned()
        .collect()
}

fn change(change: &str, part: &str, key: &str, title: &str, fields: Vec<String>) -> Change {
    Change {
        change: change.into(),
        part: part.into(),
        key: key.into(),
        title: title.into(),
        fields,
    }
}

/// What changed from `old` to `new`: widgets and filters added, removed or changed, and
/// widgets that moved place.
pub fn compare(old: &Definition, new: &Definition) -> Vec<Change> {
    let mut out = Vec::new();
    for w in &old.widgets {
        match new.widget(&w.id) {
            None => out.push(change("removed", "widget", &w.id, &w.title, vec![])),
            Some(n) => {
                let fields = widget_fields(w, n);
                if !fields.is_empty() {
                    out.push(change("changed", "widget", &w.id, &n.title, fields));
                }
            }
        }
    }
    for w in &new.widgets {
        if old.widget(&w.id).is_none() {
            out.push(change("added", "widget", &w.id, &w.title, vec![]));
        }
    }
    let order = |d: &Definition| -> Vec<String> {
        d.widgets
            .iter()
            .filter(|w| old.widget(&w.id).is_some() && new.widget(&w.id).is_some())
            .map(|w| w.id.clone())
            .collect()
    };
    let (before, after) = (order(old), order(new));
    for (i, id) in after.iter().enumerate() {
        if before.get(i) != Some(id)
            && let Some(w) = new.widget(id)
        {
            out.push(change("moved", "widget", id, &w.title, vec![]));
        }
    }
    for f in &old.filters {
        match new.filters.iter().find(|g| g.param == f.param) {
            None => out.push(change("removed", "filter", &f.param, &f.label, vec![])),
            Some(g) if g != f => out.push(change("changed", "filter", &f.param, &g.label, vec![])),
            Some(_) => {}
        }
    }
    for f in &new.filters {
        if !old.filters.iter().any(|g| g.param == f.param) {
            out.push(change("added", "filter", &f.param, &f.label, vec![]));
        }
    }
    out
}

/// Paragraphs of a text widget: separated by blank lines, single line breaks kept.
pub fn paragraphs(text: &str) -> Vec<Vec<String>> {
    text.split("\n\n")
        .map(|p| {
            p.lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(id: &str) -> Widget {
        Widget {
            id: id.into(),
            analysis_id: Some("a1".into()),
            category_column: Some("week".into()),
            value_column: Some("tonnes".into()),
            series_column: Some("mode".into()),
            ..Widget::new(WidgetKind::Line, "Tonnen per week")
        }
    }

    fn year() -> Filter {
        Filter {
            param: "jaar".into(),
            label: "Jaar".into(),
            kind: FilterKind::Slider,
            options: vec![],
            min: Some(2021),
            max: Some(2025),
            default: "2025".into(),
        }
    }

    fn province() -> Filter {
        Filter {
            param: "provincie".into(),
            label: "Provincie".into(),
            kind: FilterKind::Select,
            options: vec!["PV26".into(), "PV27".into()],
            min: None,
            max: None,
            default: String::new(),
        }
    }

    fn names(e: Invalid) -> Vec<String> {
        e.0.into_iter()
            .map(|f| format!("{}:{}", f.name, f.code))
            .collect()
    }

    #[test]
    fn new_and_changed_widgets_name_only_columns_their_analysis_has() {
        let columns = |a: &str| {
            (a == "a1").then(|| vec!["week".to_string(), "tonnes".to_string(), "mode".to_string()])
        };
        let old = Definition {
            widgets: vec![Widget {
                value_column: Some("weg".into()),
                ..chart("w1")
            }],
            ..Definition::default()
        };
        // The old widget broke (its analysis lost a column): other changes still save.
        let mut d = old.clone();
        d.widgets.push(chart(""));
        assert!(d.check_columns(&old, &columns).is_ok());
        d.widgets.push(Widget {
            category_column: Some("maand".into()),
            series_column: Some("modus".into()),
            ..chart("")
        });
        let e = d.check_columns(&old, &columns).unwrap_err();
        assert_eq!(
            names(e.clone()),
            [
                "widgets[2].categoryColumn:unknown_column",
                "widgets[2].seriesColumn:unknown_column"
            ]
        );
        assert!(
            e.0[0].reason.contains("\"maand\"") && e.0[0].reason.contains("week, tonnes, mode")
        );
        // An analysis whose columns are not known is not checked here.
        d.widgets.truncate(2);
        d.widgets.push(Widget {
            analysis_id: Some("a2".into()),
            value_column: Some("x".into()),
            ..chart("")
        });
        assert!(d.check_columns(&old, &columns).is_ok());
    }

    #[test]
    fn bars_over_too_many_categories_are_suggested_as_a_table_or_map() {
        let cols = |c: &[(&str, Kind)]| -> Vec<(String, Kind)> {
            c.iter().map(|(n, k)| (n.to_string(), *k)).collect()
        };
        let places = cols(&[
            ("name", Kind::Text),
            ("countrycode", Kind::Text),
            ("population", Kind::Integer),
        ]);
        assert_eq!(
            Widget::suggested_for("T", "a", &places, 12).kind,
            WidgetKind::Stacked
        );
        let w = Widget::suggested_for("T", "a", &places, 1966);
        assert_eq!(w.kind, WidgetKind::Table);
        assert_eq!((w.category_column, w.value_column), (None, None));
        let mut shapes = places.clone();
        shapes.push(("geom".into(), Kind::Geometry));
        let w = Widget::suggested_for("T", "a", &shapes, 1966);
        assert_eq!(w.kind, WidgetKind::Points);
        assert_eq!(w.category_column.as_deref(), Some("name"));
        // A line over many periods stays a line.
        let daily = cols(&[("dag", Kind::Date), ("aantal", Kind::Integer)]);
        assert_eq!(
            Widget::suggested_for("T", "a", &daily, 5000).kind,
            WidgetKind::Line
        );
    }

    #[test]
    fn a_result_suggests_the_widget_that_fits_it() {
        let cols = |c: &[(&str, Kind)]| -> Vec<(String, Kind)> {
            c.iter().map(|(n, k)| (n.to_string(), *k)).collect()
        };
        let w = Widget::suggested(
            "T",
            "a1",
            &cols(&[
                ("province_name", Kind::Text),
                ("ts_jaar", Kind::Integer),
                ("tonnes", Kind::Number),
            ]),
        );
        assert_eq!(
            (
                w.kind,
                w.category_column.as_deref(),
                w.value_column.as_deref(),
                w.series_column.as_deref()
            ),
            (
                WidgetKind::Line,
                Some("ts_jaar"),
                Some("tonnes"),
                Some("province_name")
            )
        );
        assert_eq!(w.analysis_id.as_deref(), Some("a1"));
        let w = Widget::suggested(
            "T",
            "a",
            &cols(&[("province_code", Kind::Text), ("tonnes", Kind::Number)]),
        );
        assert_eq!(
            (w.kind, w.level),
            (WidgetKind::Choropleth, Some(Level::Province))
        );
        // Two region codes of one level: a flow from the first to the second.
        let w = Widget::suggested(
            "T",
            "a",
            &cols(&[
                ("origin_province_code", Kind::Text),
                ("origin_province_name", Kind::Text),
                ("dest_province_code", Kind::Text),
                ("tonnes", Kind::Number),
            ]),
        );
        assert_eq!(
            (
                w.kind,
                w.category_column.as_deref(),
                w.series_column.as_deref(),
                w.value_column.as_deref(),
                w.level
            ),
            (
                WidgetKind::Flow,
                Some("origin_province_code"),
                Some("dest_province_code"),
                Some("tonnes"),
                Some(Level::Province)
            )
        );
        assert!(
            Definition {
                widgets: vec![w.clone()],
                ..Definition::default()
            }
            .check()
            .is_ok()
        );
        // A flow needs its destination.
        let mut no_destination = w;
        no_destination.series_column = None;
        let e = Definition {
            widgets: vec![no_destination],
            ..Definition::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(e.0[0].name, "widgets[0].seriesColumn");
        let w = Widget::suggested(
            "T",
            "a",
            &cols(&[("gm_code", Kind::Text), ("n", Kind::Integer)]),
        );
        assert_eq!(
            (w.kind, w.level),
            (WidgetKind::Choropleth, Some(Level::Municipality))
        );
        let w = Widget::suggested(
            "T",
            "a",
            &cols(&[
                ("mode", Kind::Text),
                ("soort", Kind::Text),
                ("n", Kind::Integer),
            ]),
        );
        assert_eq!(
            (w.kind, w.series_column.as_deref()),
            (WidgetKind::Stacked, Some("soort"))
        );
        let w = Widget::suggested(
            "T",
            "a",
            &cols(&[("mode", Kind::Text), ("n", Kind::Integer)]),
        );
        assert_eq!(
            (w.kind, w.category_column.as_deref()),
            (WidgetKind::Bar, Some("mode"))
        );
        let w = Widget::suggested(
            "T",
            "a",
            &cols(&[("ts", Kind::Timestamp), ("n", Kind::Integer)]),
        );
        assert_eq!(w.kind, WidgetKind::Line);
        // CBS's boundaries as imported: the number among them is a row's id, not a measure.
        let w = Widget::suggested(
            "T",
            "a",
            &cols(&[
                ("statcode", Kind::Text),
                ("statnaam", Kind::Text),
                ("id", Kind::Integer),
                ("geom", Kind::Geometry),
            ]),
        );
        assert_eq!(
            (w.kind, w.value_column.as_deref()),
            (WidgetKind::Points, None)
        );
        let w = Widget::suggested(
            "T",
            "a",
            &cols(&[("gm_code", Kind::Text), ("object_id", Kind::Integer)]),
        );
        assert_eq!(w.kind, WidgetKind::Table);
        let w = Widget::suggested(
            "T",
            "a",
            &cols(&[("naam", Kind::Text), ("geom", Kind::Geometry)]),
        );
        assert_eq!(
            (w.kind, w.category_column.as_deref()),
            (WidgetKind::Points, Some("naam"))
        );
        // Footprints with a roof height are buildings; a height without a geometry is not.
        let w = Widget::suggested(
            "T",
            "a",
            &cols(&[
                ("identificatie", Kind::Text),
                ("bouwjaar", Kind::Integer),
                ("b3_h_dak_50p", Kind::Number),
                ("geom", Kind::Geometry),
            ]),
        );
        assert_eq!(
            (w.kind, w.value_column.as_deref()),
            (WidgetKind::Buildings, Some("b3_h_dak_50p"))
        );
        let w = Widget::suggested(
            "T",
            "a",
            &cols(&[("gebouw", Kind::Text), ("hoogte", Kind::Number)]),
        );
        assert_eq!(w.kind, WidgetKind::Bar);
        let w = Widget::suggested("T", "a", &cols(&[("a", Kind::Text), ("b", Kind::Text)]));
        assert_eq!(w.kind, WidgetKind::Table);
        assert!(
            Definition {
                widgets: vec![w],
                ..Definition::default()
            }
            .check()
            .is_ok()
        );
    }

    #[test]
    fn a_widget_knows_which_chosen_filters_reach_it_and_which_do_not() {
        let d = Definition {
            widgets: vec![chart("w1")],
            filters: vec![year(), province()],
        };
        let mut values = BTreeMap::new();
        values.insert("jaar".to_string(), "2024".to_string());
        values.insert("provincie".to_string(), String::new());
        let w = &d.widgets[0];
        assert_eq!(
            d.unfiltered(w, &[], &values),
            ["Jaar"],
            "'all' filters nothing"
        );
        assert!(d.unfiltered(w, &["jaar".to_string()], &values).is_empty());
        values.insert("provincie".to_string(), "PV26".to_string());
        assert_eq!(
            d.unfiltered(w, &["jaar".to_string()], &values),
            ["Provincie"]
        );
        let text = Widget::new(WidgetKind::Text, "Toelichting");
        assert!(d.unfiltered(&text, &[], &values).is_empty());
        // What does reach it, with the value chosen: what its picture names.
        let applied = d.applied(w, &["jaar".to_string()], &values);
        assert_eq!(
            applied,
            [Applied {
                param: "jaar".into(),
                label: "Jaar".into(),
                value: "2024".into()
            }]
        );
        assert!(
            d.applied(w, &[], &values).is_empty(),
            "its source takes no year"
        );
        assert!(d.applied(&text, &["jaar".to_string()], &values).is_empty());
        values.insert("jaar".to_string(), String::new());
        assert!(
            d.applied(w, &["jaar".to_string()], &values).is_empty(),
            "'all' is no filter choice"
        );
    }

    #[test]
    fn widgets_are_edited_in_place_and_duplicated_next_to_themselves() {
        let mut d = Definition {
            widgets: vec![chart("w1"), chart("w2")],
            ..Definition::default()
        };
        assert!(d.duplicate_widget("w1", "kopie"));
        assert_eq!(d.widgets[1].title, "Tonnen per week (kopie)");
        assert_eq!(d.widgets[1].id, "");
        d.assign_ids();
        assert_eq!(d.widgets[1].id, "w3");
        let edited = Widget {
            title: "Anders".into(),
            ..chart("x")
        };
        assert!(d.replace_widget("w2", edited));
        assert_eq!(
            (d.widgets[2].id.as_str(), d.widgets[2].title.as_str()),
            ("w2", "Anders")
        );
        assert!(!d.replace_widget("w9", chart("")));
        assert!(!d.duplicate_widget("w9", "kopie"));
    }

    #[test]
    fn a_complete_definition_passes_and_each_kind_names_what_it_needs() {
        let mut map = chart("w2");
        map.kind = WidgetKind::Choropleth;
        map.level = Some(Level::Province);
        map.drill_param = Some("provincie".into());
        map.drill_analysis_id = Some("a2".into());
        let d = Definition {
            widgets: vec![chart("w1"), map],
            filters: vec![year(), province()],
        };
        assert_eq!(d.check(), Ok(()));
        // Every municipality fits in one list; more than MAX_OPTIONS do not.
        let list = |n: usize| Definition {
            widgets: vec![],
            filters: vec![Filter {
                options: (0..n).map(|i| format!("GM{i:04}")).collect(),
                ..province()
            }],
        };
        assert_eq!(list(342).check(), Ok(()));
        assert_eq!(
            names(list(MAX_OPTIONS + 1).check().unwrap_err()),
            ["filters[0].options:count"]
        );

        let empty = |kind| Widget {
            kind,
            title: "x".into(),
            analysis_id: None,
            category_column: None,
            value_column: None,
            text: String::new(),
            ..chart("w1")
        };
        let d = Definition {
            widgets: vec![
                empty(WidgetKind::Bar),
                empty(WidgetKind::Kpi),
                empty(WidgetKind::Extrude),
                empty(WidgetKind::Text),
                empty(WidgetKind::Table),
                empty(WidgetKind::Buildings),
            ],
            filters: vec![],
        };
        let e = names(d.check().unwrap_err());
        assert_eq!(
            e,
            vec![
                "widgets[0].analysisId:required",
                "widgets[0].categoryColumn:required",
                "widgets[0].valueColumn:required",
                "widgets[1].indicatorId:required",
                "widgets[2].analysisId:required",
                "widgets[2].categoryColumn:required",
                "widgets[2].valueColumn:required",
                "widgets[2].level:required",
                "widgets[3].text:required",
                "widgets[4].analysisId:required",
                "widgets[5].analysisId:required",
                "widgets[5].valueColumn:required",
            ]
        );
    }

    #[test]
    fn filters_are_checked_and_drill_down_needs_a_province_map_and_a_filter() {
        let mut bad_slider = year();
        bad_slider.min = Some(2030);
        let mut bad_select = province();
        bad_select.default = "PV99".into();
        let mut dup = year();
        dup.label = "Nog eens".into();
        let mut w = chart("w1");
        w.drill_param = Some("gemeente".into());
        w.drill_analysis_id = Some("a9".into());
        let mut half = chart("w2");
        half.drill_param = Some("jaar".into());
        let d = Definition {
            widgets: vec![w, half],
            filters: vec![bad_slider, bad_select, dup],
        };
        let e = names(d.check().unwrap_err());
        assert_eq!(
            e,
            vec![
                "filters[0].max:range",
                "filters[1].default:not_an_option",
                "filters[2].param:duplicate",
                "widgets[0].drillParam:not_drillable",
                "widgets[0].drillParam:unknown",
                "widgets[1].drillParam:incomplete",
            ]
        );
    }

    #[test]
    fn limits_and_hostile_text_are_refused() {
        let mut t = chart("w1");
        t.kind = WidgetKind::Text;
        t.text = "a\u{0}b".into();
        let mut long = t.clone();
        long.text = "x".repeat(MAX_TEXT + 1);
        let d = Definition {
            widgets: vec![t, long],
            filters: vec![Filter {
                param: "1; DROP".into(),
                ..province()
            }],
        };
        let e = names(d.check().unwrap_err());
        assert!(e.contains(&"widgets[0].text:control_chars".to_string()));
        assert!(e.contains(&"widgets[1].text:too_long".to_string()));
        assert!(e.contains(&"filters[0].param:pattern".to_string()));
        let many = Definition {
            widgets: (0..=MAX_WIDGETS).map(|i| chart(&format!("w{i}"))).collect(),
            filters: vec![],
        };
        assert!(names(many.check().unwrap_err()).contains(&"widgets:too_many".to_string()));
    }

    #[test]
    fn ids_are_given_once_and_stay() {
        let mut d = Definition {
            widgets: vec![chart("w3"), chart(""), chart("w3"), chart("<x>")],
            filters: vec![],
        };
        d.assign_ids();
        let ids: Vec<_> = d.widgets.iter().map(|w| w.id.as_str()).collect();
        assert_eq!(ids, vec!["w3", "w4", "w5", "w6"]);
        assert!(d.move_widget("w3", 1));
        assert!(!d.move_widget("w3", -5));
        assert!(!d.move_widget("w6", 1));
        assert_eq!(d.widgets[1].id, "w3");
        assert!(d.remove_widget("w4"));
        assert!(!d.remove_widget("w4"));
    }

    #[test]
    fn a_slider_stops_at_every_year_or_at_eleven_spread_positions() {
        assert_eq!(year().stops(), (2021..=2025).collect::<Vec<_>>());
        let mut shift = year();
        (shift.min, shift.max) = (Some(0), Some(50));
        assert_eq!(
            shift.stops(),
            vec![0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50]
        );
        (shift.min, shift.max) = (Some(1), Some(12));
        let s = shift.stops();
        assert_eq!((s.len(), s[0], s[10]), (11, 1, 12));
        assert!(province().stops().is_empty());
    }

    #[test]
    fn filter_values_take_choices_defaults_and_refuse_bad_ones() {
        let d = Definition {
            widgets: vec![],
            filters: vec![year(), province()],
        };
        let none = d.filter_values(&BTreeMap::new()).unwrap();
        assert_eq!(none.get("jaar").map(String::as_str), Some("2025"));
        assert_eq!(none.get("provincie").map(String::as_str), Some(""));
        let chosen: BTreeMap<String, String> = [
            ("jaar".to_string(), "2023".to_string()),
            ("provincie".to_string(), "PV27".to_string()),
            ("onbekend".to_string(), "x".to_string()),
        ]
        .into();
        let v = d.filter_values(&chosen).unwrap();
        assert_eq!(filter_key(&v), "jaar=2023&provincie=PV27");
        let bad: BTreeMap<String, String> = [
            ("jaar".to_string(), "1999".to_string()),
            ("provincie".to_string(), "' OR 1=1 --".to_string()),
        ]
        .into();
        let e = names(d.filter_values(&bad).unwrap_err());
        assert_eq!(
            e,
            vec!["filter.jaar:range", "filter.provincie:not_an_option"]
        );
        let amp: BTreeMap<String, String> = [("a".to_string(), "x&b=y".to_string())].into();
        assert_eq!(filter_key(&amp), "a=x%26b=y");
    }

    #[test]
    fn removing_a_filter_removes_the_drill_down_that_set_it() {
        let mut map = chart("w1");
        map.kind = WidgetKind::Choropleth;
        map.level = Some(Level::Province);
        map.drill_param = Some("provincie".into());
        map.drill_analysis_id = Some("a2".into());
        let mut d = Definition {
            widgets: vec![map],
            filters: vec![province()],
        };
        assert!(d.remove_filter("provincie"));
        assert_eq!(d.widgets[0].drill_param, None);
        assert_eq!(d.check(), Ok(()));
        assert_eq!(d.sources(), (vec!["a1"], vec![]));
    }

    #[test]
    fn who_may_view() {
        use Role::*;
        let v = |vis, with: &[Role], roles: &[Role]| may_view(vis, with, "owner", "u", roles);
        assert!(!v(Visibility::Private, &[Viewer], &[Viewer]));
        assert!(v(Visibility::Private, &[], &[Analyst]));
        assert!(may_view(Visibility::Private, &[], "u", "u", &[Viewer]));
        assert!(v(Visibility::Roles, &[BoardMember], &[BoardMember]));
        assert!(!v(Visibility::Roles, &[BoardMember], &[Viewer]));
        assert!(v(Visibility::Public, &[Viewer], &[Viewer]));
    }

    #[test]
    fn compare_names_what_changed() {
        let old = Definition {
            widgets: vec![chart("w1"), chart("w2"), chart("w3")],
            filters: vec![year()],
        };
        let mut new = old.clone();
        new.widgets[0].title = "Ander".into();
        new.widgets[0].kind = WidgetKind::Bar;
        new.remove_widget("w2");
        new.widgets.push(chart("w4"));
        new.move_widget("w3", -1);
        new.filters[0].default = "2024".into();
        new.filters.push(province());
        let c: Vec<String> = compare(&old, &new)
            .into_iter()
            .map(|c| format!("{} {} {} {}", c.change, c.part, c.key, c.fields.join(",")))
            .collect();
        assert_eq!(
            c,
            vec![
                "changed widget w1 kind,title",
                "removed widget w2 ",
                "added widget w4 ",
                "moved widget w3 ",
                "moved widget w1 ",
                "changed filter jaar ",
                "added filter provincie ",
            ]
        );
        assert!(compare(&old, &old).is_empty());
    }

    #[test]
    fn paragraphs_split_on_blank_lines() {
        assert_eq!(
            paragraphs("Eerste\nregel\n\n\nTweede\n"),
            vec![vec!["Eerste", "regel"], vec!["Tweede"]]
        );
    }
}
