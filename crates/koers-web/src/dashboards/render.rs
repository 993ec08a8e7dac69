//! Drawing a dashboard's widgets from their data: a chart or map as SVG, always with the
//! table it was drawn from (its text alternative), a key figure, or text. Used by the
//! signed-in page, the public page, the embed and the PNG and PDF exports alike.

use crate::i18n::Lang;
use koers_app::dashboards::WidgetData;
use koers_app::products::IndicatorView;
use koers_core::catalog::labels::Labels;
use koers_core::dashboards::{Level, Widget, WidgetKind, paragraphs};
use koers_core::regions::regions;
use koers_svg::chart::{Series, Shape, Width, format_number, line_svg, series_svg};
use koers_svg::map::{
    Area, Block, Flow, LegendRow, NO_DATA, Scale, arc, choropleth_svg, class_colour, extrude_svg,
    flow_width, flows_svg, legend, legend_with, svg as points_svg,
};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// At most this many rows of a table are shown in the page (the CSV has them all).
pub const SHOWN_ROWS: usize = 200;

/// A table: header, rows of text cells, and per row an optional link (drill-down).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableOut {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub links: Vec<Option<String>>,
    /// Rows left out of the page.
    pub more: usize,
}

/// A key figure as shown.
#[derive(Debug, Clone, Serialize)]
pub struct Kpi {
    pub name: String,
    pub unit: String,
    pub value: Option<String>,
    pub period: Option<String>,
    pub status: Option<String>,
    pub trend: Option<String>,
    pub target: Option<String>,
}

/// A widget ready for a template.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Drawn {
    pub id: String,
    pub kind: &'static str,
    pub title: String,
    pub wide: bool,
    pub svg: Option<String>,
    /// The same chart laid out for a phone (shown instead of `svg` on a narrow screen).
    pub svg_narrow: Option<String>,
    pub table: Option<TableOut>,
    pub kpi: Option<Kpi>,
    pub paragraphs: Vec<Vec<String>>,
    pub error: Option<String>,
    pub computed_at: Option<String>,
    pub stale: bool,
    /// The chosen filters that do not reach this widget, by label.
    pub unfiltered: Vec<String>,
    /// Where its figures come from (an analysis' title, an indicator's name).
    pub source: Option<String>,
    /// The filter choice that reached it, as people read it (`Jaar 2024, Provincie
    /// Utrecht`); carried by its picture.
    pub chosen: String,
    /// The map shows municipalities of a chosen province.
    pub drilled: bool,
    /// The province drilled into, by name, and the link back to all provinces.
    pub drilled_into: Option<String>,
    pub back: Option<String>,
    pub rotate: i64,
    pub tilt: i64,
    /// What the interactive map draws (maps only).
    pub map: Option<MapOut>,
}

/// At most this many flows are drawn on a flow map (the largest between two regions).
pub const MAX_FLOWS: usize = 60;

/// The largest flows listed beside a flow map (the CSV has every one).
pub const LISTED_FLOWS: usize = 25;

/// At most this many points go to the interactive map in the page (the table and the CSV
/// have every row).
pub const MAP_POINTS: usize = 5000;

/// What a widget's interactive map draws; the page's script reads it from `data-koers-map`.
/// The same regions, colours, legend and drill-down links as the SVG, which stays for export
/// and for pages without script.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MapOut {
    /// `areas`, `extrude`, `points`, `flows`, `buildings` or `tiles`.
    pub kind: &'static str,
    /// The built-in boundaries the areas come from (`/kaart/grenzen/{level}.geojson`).
    pub level: Option<&'static str>,
    pub areas: Vec<MapArea>,
    pub legend: Vec<MapLegend>,
    /// The measure's heading, for the tooltip.
    pub measure: String,
    /// Points, or buildings with their height and colour (a GeoJSON feature collection), with
    /// their tooltip lines.
    pub points: Option<Value>,
    /// Flows between regions, largest last.
    pub flows: Vec<MapFlow>,
    /// Rows left out of the map (the table and CSV have them).
    pub more: usize,
    pub rotate: i64,
    pub tilt: i64,
    /// The address of vector tiles with the points (`{z}/{x}/{y}` in it), for `tiles`.
    pub tiles: Option<String>,
}

impl MapOut {
    /// Every point of a dataset from vector tiles at this address.
    pub fn tiles(url: String) -> MapOut {
        MapOut {
            kind: "tiles",
            tiles: Some(url),
            ..MapOut::default()
        }
    }
}

/// A region on the interactive map.
#[derive(Debug, Clone, Serialize)]
pub struct MapArea {
    pub code: String,
    pub name: String,
    /// The value as the page writes it; empty without a value.
    pub shown: String,
    pub colour: &'static str,
    /// The value as a share of the largest (the height of a 3D block).
    pub height: f64,
    pub link: Option<String>,
}

/// A flow on the interactive map: its arc (longitude, latitude), width in pixels, colour,
/// and what it says ("Utrecht → Gelderland: 1.234").
#[derive(Debug, Clone, Serialize)]
pub struct MapFlow {
    pub label: String,
    pub colour: &'static str,
    pub width: f64,
    pub line: Vec<[f64; 2]>,
}

/// One legend row: its colour and the range it stands for.
#[derive(Debug, Clone, Serialize)]
pub struct MapLegend {
    pub colour: &'static str,
    pub text: String,
}

impl From<LegendRow> for MapLegend {
    fn from(r: LegendRow) -> MapLegend {
        MapLegend {
            colour: r.colour,
            text: r.text,
        }
    }
}

/// The built-in boundaries' name for a level, as in `/kaart/grenzen/{name}.geojson`.
pub fn boundaries_name(level: Level) -> &'static str {
    match level {
        Level::Province => "provincies",
        Level::Municipality => "gemeenten",
    }
}

/// How the page is drawn: where a drill-down link goes and the 3D angles per widget.
pub struct View<'a> {
    /// The link that chooses `value` for filter `param`, keeping the other choices.
    pub link: &'a dyn Fn(&str, &str) -> String,
    pub angles: &'a BTreeMap<String, (i64, i64)>,
    /// The filter values that apply.
    pub filters: &'a BTreeMap<String, String>,
    /// What columns and codes mean: headings and values as a reader reads them.
    pub labels: &'a Labels,
    /// The words a map brings along, in the page's language.
    pub words: &'a Words,
    /// A point map with more points than the page carries may draw them from the
    /// analysis' vector tiles (a signed-in page; not a public page or an export).
    pub tiles: bool,
}

impl View<'_> {
    /// What a map of areas or flows measures, as a reader reads it: its value column's
    /// heading from the catalog, else the widget's title (which names that measure), never
    /// a bare column name such as `tonnes_out`.
    fn measure(&self, w: &Widget) -> String {
        let column = w.value_column.as_deref().unwrap_or_default();
        self.labels
            .titled(column)
            .unwrap_or_else(|| w.title.clone())
    }
}

/// The words of maps and their tables in the page's language, and that language (dates on a
/// chart's axis).
pub struct Words {
    pub lang: crate::i18n::Lang,
    /// The headings of a map's table ("Gebied", "Code"), of a flow's ends ("Van", "Naar").
    pub area: String,
    pub code: String,
    pub from: String,
    pub to: String,
    /// What a region without a value says ("geen gegevens").
    pub no_data: String,
}

impl Words {
    pub fn new(lang: crate::i18n::Lang) -> Words {
        let t = |k: &str| crate::i18n::t(lang, k);
        Words {
            lang,
            area: t("dash.area"),
            code: t("dash.code"),
            from: t("dash.flow_from"),
            to: t("dash.flow_to"),
            no_data: t("dash.no_data"),
        }
    }
}

/// A cell as text: numbers the Dutch way, nothing for null.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_f64().map(format_number).unwrap_or_default(),
        Value::Bool(b) => if *b { "ja" } else { "nee" }.into(),
        other => other.to_string(),
    }
}

/// A label as text: numbers as written (a year stays 2024), nothing for null.
fn label(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        other => cell(other),
    }
}

/// Whether a column holds labels rather than measures: by its name (an identifier or code,
/// `catalog::labels::is_identifier`; a year, week or month), or when every value is a whole
/// number of four digits (years).
fn is_label_column(name: &str, i: usize, rows: &[Vec<Value>]) -> bool {
    let n = name.to_lowercase();
    let period = ["jaar", "year", "yr", "week", "maand", "month"]
        .iter()
        .any(|k| n == *k || n.ends_with(&format!("_{k}")) || n.starts_with(&format!("{k}_")));
    period
        || koers_core::catalog::labels::is_identifier(name)
        || rows.iter().all(|r| match r.get(i) {
            Some(Value::Number(x)) => x.as_i64().is_some_and(|y| (1000..=2999).contains(&y)),
            Some(Value::Null) | None => true,
            _ => false,
        }) && rows
            .iter()
            .any(|r| matches!(r.get(i), Some(Value::Number(_))))
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().replace(',', ".").parse().ok(),
        _ => None,
    }
}

/// The columns and rows of an analysis widget's data.
pub fn columns_rows(data: &Value) -> (Vec<String>, Vec<Vec<Value>>) {
    let columns = data
        .get("columns")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let rows = data
        .get("rows")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(|row| row.as_array().cloned()).collect())
        .unwrap_or_default();
    (columns, rows)
}

fn col(columns: &[String], name: &Option<String>) -> Option<usize> {
    let name = name.as_deref()?;
    columns.iter().position(|c| c == name)
}

/// Categories in order of first appearance and one series per distinct value of the series
/// column (or one series); repeated (category, series) pairs are summed.
pub fn pivot(
    columns: &[String],
    rows: &[Vec<Value>],
    category: &Option<String>,
    value: &Option<String>,
    series: &Option<String>,
) -> (Vec<String>, Vec<Series>) {
    let (Some(c), Some(v)) = (col(columns, category), col(columns, value)) else {
        return (Vec::new(), Vec::new());
    };
    let s = col(columns, series);
    let mut cats: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut cells: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for row in rows {
        let (Some(cv), Some(x)) = (row.get(c), row.get(v).and_then(number)) else {
            continue;
        };
        let cat = label(cv);
        let name = s
            .and_then(|s| row.get(s))
            .map(label)
            .unwrap_or_else(|| value.clone().unwrap_or_default());
        let ci = cats.iter().position(|x| *x == cat).unwrap_or_else(|| {
            cats.push(cat);
            cats.len() - 1
        });
        let si = names.iter().position(|x| *x == name).unwrap_or_else(|| {
            names.push(name);
            names.len() - 1
        });
        *cells.entry((ci, si)).or_insert(0.0) += x;
    }
    let series = names
        .into_iter()
        .enumerate()
        .map(|(si, name)| Series {
            name,
            values: (0..cats.len())
                .map(|ci| cells.get(&(ci, si)).copied())
                .collect(),
        })
        .collect();
    (cats, series)
}

/// Values per region code (upper case), summed.
fn by_region(
    columns: &[String],
    rows: &[Vec<Value>],
    code: &Option<String>,
    value: &Option<String>,
) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    if let (Some(c), Some(v)) = (col(columns, code), col(columns, value)) {
        for row in rows {
            if let (Some(k), Some(x)) = (row.get(c), row.get(v).and_then(number)) {
                *out.entry(cell(k).trim().to_uppercase()).or_insert(0.0) += x;
            }
        }
    }
    out
}

/// A value as a table cell or a tooltip line shows it in `lang`: a code by its label from the
/// catalog, a value of a label column (a year, a code) as written, anything else as a query
/// result's cell reads ([`crate::i18n::cell_with`]: dates in words, yes or no) with the
/// dashboard's numbers.
fn shown(lang: Lang, names: &Labels, column: &str, is_label: bool, v: &Value) -> String {
    match v {
        Value::String(s) => {
            let labelled = names.show(column, s);
            if labelled == *s {
                crate::i18n::cell_with(lang, v, format_number)
            } else {
                labelled
            }
        }
        v if is_label => label(v),
        v => crate::i18n::cell_with(lang, v, format_number),
    }
}

fn plain_table(
    columns: &[String],
    rows: &[Vec<Value>],
    geometry: Option<&str>,
    (names, lang): (&Labels, Lang),
) -> TableOut {
    let keep: Vec<usize> = (0..columns.len())
        .filter(|i| Some(columns[*i].as_str()) != geometry)
        .collect();
    let labels: Vec<bool> = (0..columns.len())
        .map(|i| is_label_column(&columns[i], i, rows))
        .collect();
    TableOut {
        header: keep.iter().map(|i| names.heading(&columns[*i])).collect(),
        rows: rows
            .iter()
            .take(SHOWN_ROWS)
            .map(|r| {
                keep.iter()
                    .map(|i| {
                        r.get(*i).map_or_else(String::new, |v| {
                            shown(lang, names, &columns[*i], labels[*i], v)
                        })
                    })
                    .collect()
            })
            .collect(),
        links: Vec::new(),
        more: rows.len().saturating_sub(SHOWN_ROWS),
    }
}

/// A flow map: the value per origin and destination summed, the largest [`MAX_FLOWS`]
/// between two regions drawn as arcs (SVG and live map), every flow in the table, largest
/// first (flows within one region are listed, not drawn).
/// A flow widget's flows summed per (origin, destination) code, between regions first and
/// largest first, flows within one region after them.
fn flow_sums(
    columns: &[String],
    rows: &[Vec<Value>],
    w: &koers_core::dashboards::Widget,
) -> Vec<((String, String), f64)> {
    let (from, to, value) = (
        col(columns, &w.category_column),
        col(columns, &w.series_column),
        col(columns, &w.value_column),
    );
    let mut sums: BTreeMap<(String, String), f64> = BTreeMap::new();
    if let (Some(f), Some(t), Some(v)) = (from, to, value) {
        for row in rows {
            if let (Some(a), Some(b), Some(x)) =
                (row.get(f), row.get(t), row.get(v).and_then(number))
            {
                let code = |c: &Value| cell(c).trim().to_uppercase();
                *sums.entry((code(a), code(b))).or_insert(0.0) += x;
            }
        }
    }
    let mut all: Vec<((String, String), f64)> = sums.into_iter().collect();
    all.sort_by(|a, b| {
        (a.0.0 == a.0.1)
            .cmp(&(b.0.0 == b.0.1))
            .then(b.1.total_cmp(&a.1))
    });
    all
}

/// The values a map's colour scale spans beyond its own: its data at the other stops of a
/// slider (`across`), per region, or per flow for the flows drawn.
fn across_values(wd: &WidgetData, drilled: bool) -> Vec<f64> {
    let w = &wd.widget;
    wd.across
        .iter()
        .flat_map(|a| {
            let (columns, rows) = columns_rows(a);
            if w.kind == WidgetKind::Flow {
                flow_sums(&columns, &rows, w)
                    .into_iter()
                    .filter(|((a, b), _)| a != b)
                    .take(MAX_FLOWS)
                    .map(|(_, x)| x)
                    .collect::<Vec<_>>()
            } else {
                let code = w.category(drilled).map(str::to_string);
                by_region(&columns, &rows, &code, &w.value_column)
                    .into_values()
                    .collect()
            }
        })
        .collect()
}

fn flows(
    (columns, rows): (&[String], &[Vec<Value>]),
    w: &koers_core::dashboards::Widget,
    level: Level,
    across: &[f64],
    view: &View,
) -> (MapOut, Option<String>, TableOut) {
    let all = flow_sums(columns, rows, w);
    let name =
        |c: &str| koers_core::regions::region(level, c).map_or(c.to_string(), |r| r.name.clone());
    let label = |(a, b): &(String, String), x: f64| {
        format!("{} → {}: {}", name(a), name(b), format_number(x))
    };
    // Flows between two known regions, largest first; the largest are drawn.
    let between: Vec<Flow> = all
        .iter()
        .filter(|((a, b), _)| a != b)
        .filter_map(|(k, x)| {
            Some(Flow {
                from: koers_core::regions::region(level, &k.0)?.centre,
                to: koers_core::regions::region(level, &k.1)?.centre,
                value: *x,
                label: label(k, *x),
            })
        })
        .collect();
    let svg_flows = &between[..between.len().min(MAX_FLOWS)];
    let base: Vec<&Value> = regions(Level::Province)
        .iter()
        .map(|r| &r.geometry)
        .collect();
    let scale = Scale::of(
        svg_flows
            .iter()
            .map(|f| f.value)
            .chain(across.iter().copied())
            .collect(),
    );
    let svg = flows_svg(&base, svg_flows, &scale, &w.title);
    let map = MapOut {
        kind: "flows",
        level: Some(boundaries_name(level)),
        legend: legend(&scale.values, &scale.bounds, None)
            .into_iter()
            .map(MapLegend::from)
            .collect(),
        measure: view.measure(w),
        flows: svg_flows
            .iter()
            .rev()
            .map(|f| MapFlow {
                label: f.label.clone(),
                colour: class_colour(&scale.bounds, f.value),
                width: flow_width(f.value, scale.max),
                line: arc(f.from, f.to, 24)
                    .into_iter()
                    .map(|(x, y)| [x, y])
                    .collect(),
            })
            .collect(),
        more: between.len().saturating_sub(MAX_FLOWS),
        ..MapOut::default()
    };
    let table = TableOut {
        header: vec![
            view.words.from.clone(),
            view.words.to.clone(),
            view.labels
                .heading(&w.value_column.clone().unwrap_or_default()),
        ],
        rows: all
            .iter()
            .take(LISTED_FLOWS)
            .map(|((a, b), x)| vec![name(a), name(b), format_number(*x)])
            .collect(),
        links: Vec::new(),
        more: all.len().saturating_sub(LISTED_FLOWS),
    };
    (map, svg, table)
}

/// A point's tooltip: its label column first, then the other columns (at most four lines),
/// each as "heading: value" the way a reader reads them, never an internal id alone.
fn tooltip(
    columns: &[String],
    row: &[Value],
    geometry: usize,
    label: Option<usize>,
    (names, lang): (&Labels, Lang),
) -> Vec<String> {
    let order = label
        .into_iter()
        .chain((0..columns.len()).filter(|i| Some(*i) != label));
    order
        .filter(|i| *i != geometry)
        .filter_map(|i| {
            let v = row.get(i).filter(|v| !v.is_null())?;
            let text = shown(
                lang,
                names,
                &columns[i],
                is_label_column(&columns[i], i, &[]),
                v,
            );
            Some(format!("{}: {text}", names.heading(&columns[i])))
        })
        .take(4)
        .collect()
}

fn shape(kind: WidgetKind) -> Shape {
    match kind {
        WidgetKind::Area => Shape::Area,
        WidgetKind::Bar => Shape::Bar,
        WidgetKind::Stacked => Shape::Stacked,
        _ => Shape::Line,
    }
}

fn kpi(data: &Value, lang: Lang) -> (Kpi, [Option<String>; 2]) {
    let ind = &data["indicator"];
    let s = |v: &Value| v.as_str().map(str::to_string);
    let unit = s(&ind["unit"]).unwrap_or_default();
    let (series, period) = crate::templates::series_periods(
        lang,
        data["series"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| Some((s(&p["period"])?, p["value"].as_f64()?)))
            .collect(),
        data["period"].as_str(),
    );
    let name = s(&ind["name"]).unwrap_or_default();
    let target = ind["target"].as_f64();
    let caption = crate::templates::series_caption(lang, (&name, &unit), target);
    let chart = [Width::Wide, Width::Narrow].map(|w| line_svg(w, &series, target, &caption));
    (
        Kpi {
            value: data["value"].as_f64().map(format_number),
            period,
            status: s(&data["status"]),
            trend: s(&data["trend"]),
            target: target.map(format_number),
            name,
            unit,
        },
        chart,
    )
}

/// An indicator drawn as a dashboard draws a key figure (value, status, target and its
/// chart), for a monitor or an indicator printed for a meeting; `source` names what it rests
/// on. Numbers are written as the caller's [`koers_svg::chart::written_as`] says.
pub fn key_figure(v: &IndicatorView, source: Option<String>, lang: Lang) -> Drawn {
    let data = serde_json::to_value(v).unwrap_or_default();
    let (k, [svg, svg_narrow]) = kpi(&data, lang);
    Drawn {
        id: v.indicator.id.clone(),
        kind: WidgetKind::Kpi.as_str(),
        title: v.indicator.name.clone(),
        wide: true,
        svg,
        svg_narrow,
        kpi: Some(k),
        computed_at: v.computed_at.clone(),
        stale: v.stale,
        source,
        ..Drawn::default()
    }
}

/// A GeoJSON geometry cell: an object, or its text.
fn geometry(v: &Value) -> Option<Value> {
    match v {
        Value::String(s) => serde_json::from_str(s).ok(),
        v @ Value::Object(_) => Some(v.clone()),
        _ => None,
    }
}

/// Buildings: each row's footprint (column `g`) raised to its height in metres (the value
/// column), coloured in classes of the series column when it holds numbers (a construction
/// year, an energy use), else of the height. The live map draws them as they are; the SVG
/// for export raises them in proportion, seen from the widget's angle.
fn buildings(
    columns: &[String],
    rows: &[Vec<Value>],
    g: usize,
    w: &koers_core::dashboards::Widget,
    (rotate, tilt): (i64, i64),
    view: &View,
) -> (MapOut, Option<String>) {
    let height = col(columns, &w.value_column);
    let colour_by = col(columns, &w.series_column).or(height);
    let label = col(columns, &w.category_column);
    // (footprint, height, colour value, tooltip lines)
    let found: Vec<(Value, f64, Option<f64>, Vec<String>)> = rows
        .iter()
        .filter_map(|r| {
            let h = number(r.get(height?)?)?;
            Some((
                geometry(r.get(g)?)?,
                h.max(0.0),
                colour_by.and_then(|c| r.get(c)).and_then(number),
                tooltip(columns, r, g, label, (view.labels, view.words.lang)),
            ))
        })
        .collect();
    let colours = Scale::of(found.iter().filter_map(|f| f.2).collect());
    // A year (bouwjaar, year) is written without a thousands separator.
    let is_year = colour_by.is_some_and(|c| {
        let n = columns[c].to_lowercase();
        n.contains("jaar") || n.contains("year")
    });
    let colour = |v: Option<f64>| v.map_or(NO_DATA, |v| class_colour(&colours.bounds, v));
    let features: Vec<Value> = found
        .iter()
        .take(MAP_POINTS)
        .map(|(geom, h, v, lines)| {
            serde_json::json!({
                "type": "Feature",
                "geometry": geom,
                "properties": {"hoogte": h, "kleur": colour(*v), "lines": lines.join("\n")},
            })
        })
        .collect();
    let missing = found.iter().any(|f| f.2.is_none());
    let blocks: Vec<Block> = found
        .iter()
        .map(|(geom, h, _, lines)| Block {
            geometry: geom,
            label: lines.first().cloned().unwrap_or_default(),
            value: *h,
        })
        .collect();
    let map = MapOut {
        kind: "buildings",
        points: Some(serde_json::json!({"type": "FeatureCollection", "features": features})),
        legend: legend_with(
            &colours.values,
            &colours.bounds,
            missing.then_some(&view.words.no_data),
            &|v| {
                if is_year {
                    format!("{v:.0}")
                } else {
                    format_number(v)
                }
            },
        )
        .into_iter()
        .map(MapLegend::from)
        .collect(),
        measure: colour_by.map_or_else(String::new, |c| view.labels.heading(&columns[c])),
        more: found.len().saturating_sub(MAP_POINTS),
        rotate,
        tilt,
        ..MapOut::default()
    };
    (
        map,
        extrude_svg(
            &blocks,
            &Scale::of(blocks.iter().map(|b| b.value).collect()),
            (rotate as f64, tilt as f64),
            &w.title,
        ),
    )
}

/// Draws one widget.
pub fn draw(wd: &WidgetData, view: &View) -> Drawn {
    let w = &wd.widget;
    let (rotate, tilt) = view.angles.get(&w.id).copied().unwrap_or((20, 45));
    let mut out = Drawn {
        id: w.id.clone(),
        kind: w.kind.as_str(),
        title: w.title.clone(),
        wide: w.wide,
        svg: None,
        svg_narrow: None,
        table: None,
        kpi: None,
        paragraphs: Vec::new(),
        error: None,
        computed_at: wd.computed_at.clone(),
        stale: wd.stale,
        unfiltered: wd.unfiltered.clone(),
        source: wd.source.clone(),
        chosen: wd
            .applied
            .iter()
            .map(|a| format!("{} {}", a.label, view.labels.show(&a.param, &a.value)))
            .collect::<Vec<_>>()
            .join(", "),
        drilled: false,
        drilled_into: None,
        back: None,
        rotate,
        tilt,
        map: None,
    };
    if w.kind == WidgetKind::Text {
        out.paragraphs = paragraphs(&w.text);
        return out;
    }
    let Some(data) = &wd.data else {
        return out;
    };
    if let Some(e) = data.get("error").and_then(Value::as_str) {
        out.error = Some(e.to_string());
        return out;
    }
    if w.kind == WidgetKind::Kpi {
        let (k, [wide, narrow]) = kpi(data, view.words.lang);
        out.kpi = Some(k);
        (out.svg, out.svg_narrow) = (wide, narrow);
        return out;
    }
    let (columns, rows) = columns_rows(data);
    out.drilled = data["drilled"].as_bool().unwrap_or(false);
    if out.drilled
        && let Some(param) = &w.drill_param
    {
        let code = view.filters.get(param).cloned().unwrap_or_default();
        out.drilled_into = Some(view.labels.show(param, &code));
        out.back = Some((view.link)(param, ""));
    }
    let level = data["level"]
        .as_str()
        .and_then(Level::parse)
        .unwrap_or(Level::Province);
    match w.kind {
        k if k.is_chart() => {
            let (cats, series) = pivot(
                &columns,
                &rows,
                &w.category_column,
                &w.value_column,
                &w.series_column,
            );
            // Codes read as what they stand for: on the axis, in the legend, in the table.
            let of = |c: &Option<String>| c.clone().unwrap_or_default();
            let (category, serie) = (of(&w.category_column), of(&w.series_column));
            let cats = crate::templates::periods(
                view.words.lang,
                cats.iter()
                    .map(|c| view.labels.show(&category, c))
                    .collect(),
            );
            let series: Vec<Series> = series
                .into_iter()
                .map(|mut s| {
                    if !serie.is_empty() {
                        s.name = view.labels.show(&serie, &s.name);
                    } else {
                        s.name = view.labels.heading(&s.name);
                    }
                    s
                })
                .collect();
            let [wide, narrow] = [Width::Wide, Width::Narrow]
                .map(|width| series_svg(width, shape(k), &cats, &series, None, &w.title));
            (out.svg, out.svg_narrow) = (wide, narrow);
            let mut header = vec![view.labels.heading(&category)];
            header.extend(series.iter().map(|s| s.name.clone()));
            out.table = Some(TableOut {
                header,
                rows: cats
                    .iter()
                    .enumerate()
                    .take(SHOWN_ROWS)
                    .map(|(i, c)| {
                        std::iter::once(c.clone())
                            .chain(
                                series
                                    .iter()
                                    .map(|s| s.values[i].map(format_number).unwrap_or_default()),
                            )
                            .collect()
                    })
                    .collect(),
                links: Vec::new(),
                more: cats.len().saturating_sub(SHOWN_ROWS),
            });
        }
        WidgetKind::Choropleth | WidgetKind::Extrude => {
            let code = w.category(out.drilled).map(str::to_string);
            let values = by_region(&columns, &rows, &code, &w.value_column);
            let drill = (!out.drilled && level == Level::Province)
                .then_some(w.drill_param.as_deref())
                .flatten();
            let shown: Vec<_> = regions(level)
                .iter()
                .filter(|r| level == Level::Province || values.contains_key(&r.code))
                .collect();
            let link = |code: &str| drill.map(|p| (view.link)(p, code));
            let scale = Scale::of(
                values
                    .values()
                    .copied()
                    .chain(across_values(wd, out.drilled))
                    .collect(),
            );
            let missing = shown.iter().any(|r| !values.contains_key(&r.code));
            let extrude = w.kind == WidgetKind::Extrude;
            let map = MapOut {
                kind: if extrude { "extrude" } else { "areas" },
                level: Some(boundaries_name(level)),
                areas: shown
                    .iter()
                    .map(|r| {
                        let v = values.get(&r.code).copied();
                        MapArea {
                            code: r.code.clone(),
                            name: r.name.clone(),
                            shown: v.map(format_number).unwrap_or_default(),
                            colour: v.map_or(NO_DATA, |v| class_colour(&scale.bounds, v)),
                            height: v
                                .filter(|_| scale.max > 0.0)
                                .map_or(0.0, |v| (v / scale.max).max(0.0)),
                            link: link(&r.code),
                        }
                    })
                    .collect(),
                legend: legend(
                    &scale.values,
                    &scale.bounds,
                    (missing && !extrude).then_some(&view.words.no_data),
                )
                .into_iter()
                .map(MapLegend::from)
                .collect(),
                measure: view.measure(w),
                rotate,
                tilt,
                ..MapOut::default()
            };
            out.map = Some(map);
            if !extrude {
                let areas: Vec<Area> = shown
                    .iter()
                    .map(|r| Area {
                        geometry: &r.geometry,
                        label: r.name.clone(),
                        value: values.get(&r.code).copied(),
                        link: link(&r.code),
                    })
                    .collect();
                out.svg = choropleth_svg(&areas, &scale, &w.title, &view.words.no_data);
            } else {
                let blocks: Vec<Block> = shown
                    .iter()
                    .filter_map(|r| {
                        Some(Block {
                            geometry: &r.geometry,
                            label: r.name.clone(),
                            value: *values.get(&r.code)?,
                        })
                    })
                    .collect();
                out.svg = extrude_svg(&blocks, &scale, (rotate as f64, tilt as f64), &w.title);
            }
            let mut table = TableOut {
                header: vec![
                    view.words.area.clone(),
                    view.words.code.clone(),
                    view.labels
                        .heading(&w.value_column.clone().unwrap_or_default()),
                ],
                ..TableOut::default()
            };
            for r in &shown {
                if let Some(v) = values.get(&r.code) {
                    table
                        .rows
                        .push(vec![r.name.clone(), r.code.clone(), format_number(*v)]);
                    table.links.push(link(&r.code));
                }
            }
            out.table = Some(table);
        }
        WidgetKind::Flow => {
            let across = across_values(wd, out.drilled);
            let (map, svg, table) = flows((&columns, &rows), w, level, &across, view);
            (out.map, out.svg, out.table) = (Some(map), svg, Some(table));
        }
        WidgetKind::Buildings => {
            let g = data["geometryColumn"]
                .as_str()
                .and_then(|g| columns.iter().position(|c| c == g));
            match g {
                Some(g) => {
                    let (map, svg) = buildings(&columns, &rows, g, w, (rotate, tilt), view);
                    (out.map, out.svg) = (Some(map), svg);
                }
                None => out.error = Some("het resultaat heeft geen geometriekolom".into()),
            }
            out.table = Some(plain_table(
                &columns,
                &rows,
                data["geometryColumn"].as_str(),
                (view.labels, view.words.lang),
            ));
        }
        WidgetKind::Points => {
            let g = data["geometryColumn"]
                .as_str()
                .and_then(|g| columns.iter().position(|c| c == g));
            let label = col(&columns, &w.category_column);
            let features: Vec<(Value, String, Vec<String>)> = match g {
                Some(g) => rows
                    .iter()
                    .filter_map(|r| {
                        Some((
                            geometry(r.get(g)?)?,
                            label.and_then(|l| r.get(l)).map(cell).unwrap_or_default(),
                            tooltip(&columns, r, g, label, (view.labels, view.words.lang)),
                        ))
                    })
                    .collect(),
                None => Vec::new(),
            };
            let titled: Vec<(Value, String)> = features
                .iter()
                .map(|(geom, l, lines)| {
                    let title = if l.is_empty() {
                        lines.join(", ")
                    } else {
                        l.clone()
                    };
                    (geom.clone(), title)
                })
                .collect();
            out.svg = points_svg(&titled, &w.title);
            let collection = serde_json::json!({
                "type": "FeatureCollection",
                "features": features
                    .iter()
                    .take(MAP_POINTS)
                    .map(|(geom, _, lines)| serde_json::json!({
                        "type": "Feature",
                        "geometry": geom,
                        "properties": {"lines": lines.join("\n")},
                    }))
                    .collect::<Vec<_>>(),
            });
            let many = features.len() > MAP_POINTS || data["truncated"].as_bool() == Some(true);
            let map = match &w.analysis_id {
                // Every point, from the analysis' tiles for the same filter values.
                Some(id) if many && view.tiles => MapOut::tiles(format!(
                    "/api/v1/analyses/{id}/tiles/{{z}}/{{x}}/{{y}}?{}",
                    serde_urlencoded::to_string(&wd.parameters).unwrap_or_default()
                )),
                _ => MapOut {
                    kind: "points",
                    points: Some(collection),
                    more: features.len().saturating_sub(MAP_POINTS),
                    ..MapOut::default()
                },
            };
            out.map = g.map(|_| map);
            if g.is_none() {
                out.error = Some("het resultaat heeft geen geometriekolom".into());
            }
            out.table = Some(plain_table(
                &columns,
                &rows,
                data["geometryColumn"].as_str(),
                (view.labels, view.words.lang),
            ));
        }
        _ => {
            out.table = Some(plain_table(
                &columns,
                &rows,
                data["geometryColumn"].as_str(),
                (view.labels, view.words.lang),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pivot_orders_categories_and_sums_repeats() {
        let columns: Vec<String> = ["week", "mode", "tonnes"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let rows = vec![
            vec![json!("2024-01"), json!("road"), json!(10.0)],
            vec![json!("2024-01"), json!("rail"), json!(2)],
            vec![json!("2024-02"), json!("road"), json!("5,5")],
            vec![json!("2024-01"), json!("road"), json!(1.0)],
            vec![json!(null), json!("road"), json!(null)],
        ];
        let (cats, series) = pivot(
            &columns,
            &rows,
            &Some("week".into()),
            &Some("tonnes".into()),
            &Some("mode".into()),
        );
        assert_eq!(cats, vec!["2024-01", "2024-02"]);
        assert_eq!(series[0].name, "road");
        assert_eq!(series[0].values, vec![Some(11.0), Some(5.5)]);
        assert_eq!(series[1].values, vec![Some(2.0), None]);
        let years = vec![
            vec![json!(2024), json!(1234567.5)],
            vec![json!(null), json!(3)],
        ];
        let cols: Vec<String> = vec!["periode".into(), "tonnen".into()];
        let t = plain_table(&cols, &years, None, (&Labels::default(), Lang::Nl));
        assert_eq!(t.rows[0], vec!["2024", "1.234.567,5"]);
        // Dates in words and truth values as words, in the page's language.
        let dated = vec![vec![
            json!("2023-03-27T12:41:00"),
            json!(true),
            json!(1234.5),
        ]];
        let cols: Vec<String> = vec!["gemeten".into(), "open".into(), "tonnen".into()];
        let en = koers_svg::chart::written_as(Lang::En.separators(), || {
            plain_table(&cols, &dated, None, (&Labels::default(), Lang::En))
        });
        assert_eq!(en.rows[0], vec!["27 March 2023 12:41", "yes", "1,234.5"]);
        let nl = plain_table(&cols, &dated, None, (&Labels::default(), Lang::Nl));
        assert_eq!(nl.rows[0][..2], ["27 maart 2023 12:41", "ja"]);
        assert!(is_label_column("gm_code", 0, &[]) && !is_label_column("tonnen", 1, &years));
        let (none, _) = pivot(
            &columns,
            &rows,
            &Some("nope".into()),
            &Some("tonnes".into()),
            &None,
        );
        assert!(none.is_empty());
    }

    fn widget_data(widget: Value, data: Value) -> WidgetData {
        WidgetData {
            widget: serde_json::from_value(widget).unwrap(),
            data: Some(data),
            computed_at: None,
            stale: false,
            applied: Vec::new(),
            unfiltered: Vec::new(),
            source: None,
            labels: Labels::default(),
            across: Vec::new(),
            parameters: BTreeMap::new(),
        }
    }

    fn drawn_with(wd: &WidgetData) -> Drawn {
        let link = |p: &str, v: &str| format!("?f.{p}={v}");
        let (angles, filters) = (BTreeMap::new(), BTreeMap::new());
        let labels = Labels::default();
        let view = View {
            link: &link,
            angles: &angles,
            filters: &filters,
            labels: &labels,
            words: &Words::new(crate::i18n::Lang::Nl),
            tiles: true,
        };
        draw(wd, &view)
    }

    #[test]
    fn a_map_gives_its_live_map_the_same_regions_colours_legend_and_links() {
        let wd = widget_data(
            json!({"id": "w1", "kind": "choropleth", "title": "Tonnen", "categoryColumn": "pv",
                   "valueColumn": "tonnen", "level": "province", "drillParam": "provincie"}),
            json!({"columns": ["pv", "tonnen"], "rows": [["PV26", 10.0], ["pv27", 30.5]],
                   "level": "province"}),
        );
        let d = drawn_with(&wd);
        let map = d.map.expect("a live map");
        assert_eq!((map.kind, map.level), ("areas", Some("provincies")));
        // Every province is drawn; those without a value are grey and named so in the legend.
        assert_eq!(map.areas.len(), 12);
        let utrecht = map.areas.iter().find(|a| a.code == "PV26").unwrap();
        assert_eq!(utrecht.name, "Utrecht");
        assert_eq!(utrecht.shown, "10");
        assert_eq!(utrecht.link.as_deref(), Some("?f.provincie=PV26"));
        let nh = map.areas.iter().find(|a| a.code == "PV27").unwrap();
        assert_eq!((nh.shown.as_str(), nh.height), ("30,5", 1.0));
        assert_ne!(utrecht.colour, nh.colour);
        let groningen = map.areas.iter().find(|a| a.code == "PV20").unwrap();
        assert_eq!((groningen.colour, groningen.shown.as_str()), (NO_DATA, ""));
        assert_eq!(
            map.legend.last().map(|l| l.text.as_str()),
            Some("geen gegevens")
        );
        // The SVG for export carries the same colours.
        let svg = d.svg.unwrap();
        assert!(svg.contains(utrecht.colour) && svg.contains(nh.colour));
    }

    #[test]
    fn points_tell_what_they_are_by_their_columns_not_an_internal_id() {
        let wd = widget_data(
            json!({"id": "w1", "kind": "points", "title": "Locaties", "categoryColumn": "naam"}),
            json!({"columns": ["fid", "naam", "geom", "capaciteit"],
                   "rows": [[17, "Laadpaal <Zuid>", "{\"type\":\"Point\",\"coordinates\":[5.1,52.1]}", 22]],
                   "geometryColumn": "geom"}),
        );
        let map = drawn_with(&wd).map.expect("a live map");
        let points = map.points.unwrap();
        let lines = points["features"][0]["properties"]["lines"]
            .as_str()
            .unwrap();
        assert_eq!(lines, "naam: Laadpaal <Zuid>\nfid: 17\ncapaciteit: 22");
        assert_eq!(points["features"][0]["geometry"]["type"], "Point");
        // Without a geometry column there is no live map, and the page says why.
        let none = widget_data(
            json!({"id": "w1", "kind": "points", "title": "Locaties"}),
            json!({"columns": ["naam"], "rows": [["x"]]}),
        );
        let d = drawn_with(&none);
        assert!(d.map.is_none() && d.error.is_some());
    }

    #[test]
    fn a_map_under_a_slider_keeps_one_colour_scale_across_its_stops() {
        let mut wd = widget_data(
            json!({"id": "w1", "kind": "choropleth", "title": "Tonnen", "categoryColumn": "pv",
                   "valueColumn": "tonnen", "level": "province"}),
            json!({"columns": ["pv", "tonnen"], "rows": [["PV26", 10.0], ["PV27", 20.0]]}),
        );
        let alone = drawn_with(&wd).map.unwrap();
        // Another year had far more: the same 20 is no longer the top of the scale.
        wd.across = vec![json!({"columns": ["pv", "tonnen"],
                                "rows": [["PV26", 100.0], ["PV27", 400.0]]})];
        let fixed = drawn_with(&wd).map.unwrap();
        let colour = |m: &MapOut| m.areas.iter().find(|a| a.code == "PV27").unwrap().colour;
        assert_ne!(colour(&alone), colour(&fixed));
        assert!(
            fixed.legend[fixed.legend.len() - 2].text.ends_with("400"),
            "{:?}",
            fixed.legend
        );
        // The flows' widths are measured against the largest flow of any stop.
        let mut flows = widget_data(
            json!({"id": "w2", "kind": "flow", "title": "Stromen", "categoryColumn": "van",
                   "seriesColumn": "naar", "valueColumn": "t", "level": "province"}),
            json!({"columns": ["van", "naar", "t"], "rows": [["PV26", "PV27", 10.0]]}),
        );
        let width = |wd: &WidgetData| drawn_with(wd).map.unwrap().flows[0].width;
        let own = width(&flows);
        flows.across =
            vec![json!({"columns": ["van", "naar", "t"], "rows": [["PV26", "PV27", 40.0]]})];
        assert!(width(&flows) < own);
    }

    #[test]
    fn buildings_stand_at_their_height_coloured_by_their_year() {
        let square = |x: f64| {
            format!(
                "{{\"type\":\"Polygon\",\"coordinates\":[[[{x},52.09],[{x}1,52.09],[{x}1,52.091],[{x},52.091],[{x},52.09]]]}}"
            )
        };
        let wd = widget_data(
            json!({"id": "w1", "kind": "buildings", "title": "Stad", "categoryColumn": "id",
                   "valueColumn": "hoogte", "seriesColumn": "bouwjaar"}),
            json!({"columns": ["id", "bouwjaar", "hoogte", "geom"],
                   "rows": [["A", 1382, 110.3, square(5.12)], ["B", 2019, "14,5", square(5.13)],
                            ["C", null, 9.0, square(5.14)], ["D", 1950, null, square(5.15)]],
                   "geometryColumn": "geom"}),
        );
        let d = drawn_with(&wd);
        let map = d.map.expect("a live map");
        assert_eq!(map.kind, "buildings");
        let features = map.points.unwrap()["features"].as_array().unwrap().clone();
        // A building without a height is left out; the others stand at theirs, in metres.
        assert_eq!(features.len(), 3);
        let p = |i: usize| features[i]["properties"].clone();
        assert_eq!(
            (p(0)["hoogte"].as_f64(), p(1)["hoogte"].as_f64()),
            (Some(110.3), Some(14.5))
        );
        assert!(p(0)["lines"].as_str().unwrap().starts_with("id: A"));
        assert_ne!(p(0)["kleur"], p(1)["kleur"]);
        assert_eq!(p(2)["kleur"], NO_DATA, "no year, no colour");
        assert_eq!(map.measure, "bouwjaar");
        assert_eq!(
            map.legend[0].text, "1382 – 1382",
            "a year has no thousands separator"
        );
        assert_eq!(map.legend.last().unwrap().text, "geen gegevens");
        assert!(d.svg.is_some() && d.table.is_some());
        // Without a geometry the page says why.
        let none = widget_data(
            json!({"id": "w1", "kind": "buildings", "title": "Stad", "valueColumn": "hoogte"}),
            json!({"columns": ["hoogte"], "rows": [[3]]}),
        );
        let d = drawn_with(&none);
        assert!(d.map.is_none() && d.error.is_some());
    }
}
