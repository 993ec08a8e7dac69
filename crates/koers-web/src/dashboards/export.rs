//! Exports of a dashboard: the data behind a widget as CSV, a widget or the whole dashboard
//! as PNG (the page's own SVG drawn by resvg, so the picture is what the page shows), and
//! the dashboard as PDF (each widget's picture with its table).

use super::render::{Drawn, TableOut, cell, columns_rows};
use crate::error::AppError;
use crate::i18n::{Lang, t};
use koers_app::dashboards::{Board, Dashboard, WidgetData};
use koers_core::catalog::labels::Labels;
use koers_core::csv::spreadsheet_cell_for;
use koers_core::dashboards::WidgetKind;
use koers_pdf::{Block, Document, Image, Table};
use koers_svg::chart::escape;
use resvg::tiny_skia;
use resvg::usvg;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

/// The width of a widget's picture.
const WIDTH: f64 = 680.0;

/// Styles the page sets with classes, for drawings made outside it.
const STYLE: &str = ".koers-map__point{fill:#01689b;stroke:#fff;stroke-width:0.5}.koers-map__area{fill:#9ecae1;stroke:#01689b;stroke-width:0.6}.koers-map__line{fill:none;stroke:#01689b;stroke-width:1.5}";

/// The data behind a widget as CSV (every cached row; spreadsheet-safe cells).
///
/// `dutch` writes it for Dutch Excel: a byte order mark, `;` between cells, a decimal comma
/// in numbers (`1234,5`), and headings and codes as `labels` read them (`Vervoerd gewicht
/// (ton)`, `Weg`), as the analyses' "Excel (NL)" export does.
pub fn widget_csv(wd: &WidgetData, dutch: Option<&Labels>) -> Result<String, AppError> {
    let data = wd.data.as_ref().ok_or(AppError::NotFound)?;
    if let Some(e) = data.get("error").and_then(Value::as_str) {
        return Err(AppError::Unprocessable(e.to_string()));
    }
    let sep = if dutch.is_some() { ';' } else { ',' };
    let line = |cells: Vec<String>| cells.join(&sep.to_string());
    let text = |s: &str| spreadsheet_cell_for(s, sep);
    // Numbers as numbers (a decimal comma for Dutch Excel); text defused and quoted.
    let value = |column: &str, v: &Value| match (v, dutch) {
        (Value::Number(_), Some(_)) => raw(v).replace('.', ","),
        (Value::Number(_), None) => raw(v),
        (Value::String(s), Some(labels)) => text(&labels.show(column, s)),
        _ => text(&raw(v)),
    };
    let heading = |c: &str| text(&dutch.map_or_else(|| c.to_string(), |l| l.heading(c)));
    let mut out = String::from(if dutch.is_some() { "\u{feff}" } else { "" });
    if wd.widget.kind == WidgetKind::Kpi {
        out.push_str(&line(vec!["periode".into(), "waarde".into()]));
        out.push_str("\r\n");
        for p in data["series"].as_array().into_iter().flatten() {
            out.push_str(&line(vec![
                text(&cell(&p["period"])),
                value("", &p["value"]),
            ]));
            out.push_str("\r\n");
        }
        return Ok(out);
    }
    let (columns, rows) = columns_rows(data);
    out.push_str(&line(columns.iter().map(|c| heading(c)).collect()));
    out.push_str("\r\n");
    for r in &rows {
        out.push_str(&line(
            r.iter().zip(&columns).map(|(v, c)| value(c, v)).collect(),
        ));
        out.push_str("\r\n");
    }
    Ok(out)
}

/// A value as written in a data file: numbers in full, with a decimal point.
fn raw(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_system_fonts();
        db.set_sans_serif_family("DejaVu Sans");
        Arc::new(db)
    })
    .clone()
}

/// A widget's drawing as a standalone SVG of [`WIDTH`] wide: its title and the chart, map,
/// or key figure. `None` for widgets without a picture (tables, text).
pub fn widget_svg(d: &Drawn, lang: Lang) -> Option<(String, f64)> {
    let title = format!(
        "<text x=\"20\" y=\"30\" font-size=\"18\" font-weight=\"bold\" font-family=\"sans-serif\" fill=\"#1a1a1a\">{}</text>",
        escape(&d.title)
    );
    let mut body = String::new();
    let mut y = 44.0;
    if let Some(k) = &d.kpi {
        let value = k.value.clone().unwrap_or_else(|| "–".into());
        let mut line = format!("{value} {}", k.unit);
        if let Some(p) = &k.period {
            line.push_str(&format!(" ({p})"));
        }
        body.push_str(&format!(
            "<text x=\"20\" y=\"84\" font-size=\"30\" font-weight=\"bold\" font-family=\"sans-serif\" fill=\"#01689b\">{}</text>",
            escape(&line)
        ));
        let status = [
            k.status
                .as_deref()
                .map(|s| t(lang, &format!("ip.light.{s}"))),
            k.target
                .as_deref()
                .map(|v| format!("{} {v}", t(lang, "ip.target"))),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        body.push_str(&format!(
            "<text x=\"20\" y=\"110\" font-size=\"14\" font-family=\"sans-serif\" fill=\"#1a1a1a\">{}</text>",
            escape(&status)
        ));
        y = 124.0;
    }
    let inner = d.svg.as_ref()?;
    let (vw, vh) = view_box(inner)?;
    let h = (WIDTH - 40.0) * vh / vw;
    let inner = inner.replacen("width=\"100%\"", "", 1).replacen(
        "<svg ",
        &format!(
            "<svg x=\"20\" y=\"{y}\" width=\"{:.0}\" height=\"{h:.0}\" ",
            WIDTH - 40.0
        ),
        1,
    );
    // Where the figures come from, for which filter choice and when, under the picture.
    let lines: Vec<String> = provenance(d, lang)
        .iter()
        .flat_map(|l| wrap(l, CAPTION_CHARS))
        .collect();
    let caption: String = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            format!(
                "<text x=\"20\" y=\"{:.0}\" font-size=\"12\" font-family=\"sans-serif\" fill=\"#555555\">{}</text>",
                y + h + 18.0 + 16.0 * i as f64,
                escape(line)
            )
        })
        .collect();
    let total = y + h + 16.0 + 16.0 * lines.len() as f64;
    Some((
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{total:.0}\" viewBox=\"0 0 {WIDTH} {total:.0}\"><rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>{title}{body}{inner}{caption}</svg>"
        ),
        total,
    ))
}

/// How many characters a caption line under a picture holds (12 px sans-serif over the
/// picture's width).
const CAPTION_CHARS: usize = 95;

/// Where a widget's figures come from, when they were computed, and which filter choice
/// reached them (and which did not), as it reads under its picture and in the PDF:
/// `Bron: Tonnen per week · Berekend op 8 december 2026, 01:35`, then `Filters: Jaar 2025 ·
/// Niet gefilterd op: Provincie`.
fn provenance(d: &Drawn, lang: Lang) -> Vec<String> {
    let source = d
        .source
        .as_ref()
        .map(|s| format!("{}: {s}", t(lang, "dash.source")));
    let computed = d.computed_at.as_ref().map(|at| {
        let stale = if d.stale {
            format!(" ({})", t(lang, "dash.stale"))
        } else {
            String::new()
        };
        format!(
            "{} {}{stale}",
            t(lang, "dash.pdf_computed"),
            crate::templates::long_datetime(lang, at)
        )
    });
    let applied =
        (!d.chosen.is_empty()).then(|| format!("{}: {}", t(lang, "dash.filters"), d.chosen));
    let unfiltered = (!d.unfiltered.is_empty())
        .then(|| format!("{} {}", t(lang, "dash.unfiltered"), d.unfiltered.join(", ")));
    [[source, computed], [applied, unfiltered]]
        .into_iter()
        .map(|parts| parts.into_iter().flatten().collect::<Vec<_>>().join(" · "))
        .filter(|line| !line.is_empty())
        .collect()
}

/// Text in lines of at most `max` characters, broken between its parts (` · `) where it
/// can, else between words (a longer word stands alone).
fn wrap(text: &str, max: usize) -> Vec<String> {
    let len = |s: &str| s.chars().count();
    let mut lines: Vec<String> = Vec::new();
    for part in text.split(" · ").filter(|p| !p.is_empty()) {
        match lines.last_mut() {
            Some(line) if len(line) + 3 + len(part) <= max => {
                line.push_str(" · ");
                line.push_str(part);
            }
            _ if len(part) <= max => lines.push(part.to_string()),
            _ => {
                for word in part.split_whitespace() {
                    match lines.last_mut() {
                        Some(line) if len(line) + 1 + len(word) <= max => {
                            line.push(' ');
                            line.push_str(word);
                        }
                        _ => lines.push(word.to_string()),
                    }
                }
            }
        }
    }
    lines
}

fn view_box(svg: &str) -> Option<(f64, f64)> {
    let start = svg.find("viewBox=\"")? + 9;
    let end = start + svg[start..].find('"')?;
    let nums: Vec<f64> = svg[start..end]
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    match nums.as_slice() {
        [_, _, w, h] if *w > 0.0 && *h > 0.0 => Some((*w, *h)),
        _ => None,
    }
}

/// The widgets with a picture stacked into one SVG, with the dashboard's name on top.
pub fn board_svg(name: &str, drawn: &[Drawn], lang: Lang) -> String {
    let mut y = 50.0;
    let mut parts = String::new();
    for d in drawn {
        if let Some((svg, h)) = widget_svg(d, lang) {
            parts.push_str(&svg.replacen("<svg ", &format!("<svg y=\"{y}\" "), 1));
            y += h;
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{y:.0}\" viewBox=\"0 0 {WIDTH} {y:.0}\"><rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/><text x=\"20\" y=\"34\" font-size=\"22\" font-weight=\"bold\" font-family=\"sans-serif\" fill=\"#01689b\">{}</text>{parts}</svg>",
        escape(name)
    )
}

fn raster(svg: &str, scale: f32) -> Result<tiny_skia::Pixmap, AppError> {
    let opt = usvg::Options {
        fontdb: fonts(),
        style_sheet: Some(STYLE.to_string()),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &opt)
        .map_err(|e| AppError::Internal(format!("tekening: {e}")))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or_else(|| AppError::Internal("tekening zonder afmetingen".into()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| AppError::Internal("tekening te groot".into()))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}

/// An SVG drawn as PNG.
pub fn png(svg: &str) -> Result<Vec<u8>, AppError> {
    raster(svg, 1.5)?
        .encode_png()
        .map_err(|e| AppError::Internal(format!("PNG: {e}")))
}

/// An SVG drawn as RGB pixels on white, for a PDF.
fn rgb(svg: &str) -> Result<Image, AppError> {
    let p = raster(svg, 2.0)?;
    let mut out = Vec::with_capacity((p.width() * p.height() * 3) as usize);
    for px in p.pixels() {
        let c = px.demultiply();
        let a = u16::from(c.alpha());
        let blend = |v: u8| ((u16::from(v) * a + 255 * (255 - a)) / 255) as u8;
        out.extend_from_slice(&[blend(c.red()), blend(c.green()), blend(c.blue())]);
    }
    Ok(Image {
        width: p.width(),
        height: p.height(),
        rgb: out,
    })
}

fn pdf_table(t: &TableOut) -> Table {
    Table {
        header: t.header.clone(),
        rows: t.rows.iter().take(40).cloned().collect(),
        ..Table::default()
    }
}

/// The dashboard as PDF: name, description and filter choices (by their labels, values as
/// people read them), then its widgets as [`document_pdf`] sets them.
pub fn board_pdf(
    d: &Dashboard,
    board: &Board,
    drawn: &[Drawn],
    footer: &str,
    lang: Lang,
) -> Result<Vec<u8>, AppError> {
    let chosen: Vec<String> = d
        .definition
        .filters
        .iter()
        .map(|f| {
            let value = match board.filters.get(&f.param) {
                Some(v) if !v.is_empty() => board.labels.show(&f.param, v),
                _ => t(lang, "dash.all").to_lowercase(),
            };
            format!("{}: {value}", f.label)
        })
        .collect();
    let note = (!chosen.is_empty())
        .then(|| format!("{} — {}", t(lang, "dash.filters"), chosen.join(", ")));
    document_pdf((&d.name, &d.description, note), drawn, footer, lang)
}

/// A PDF of drawn widgets (a dashboard's, a monitor's key figures): its name, description
/// and a note, then every widget's picture with where its figures come from, its key figure,
/// text and (the first rows of) its table.
pub fn document_pdf(
    (name, description, note): (&str, &str, Option<String>),
    drawn: &[Drawn],
    footer: &str,
    lang: Lang,
) -> Result<Vec<u8>, AppError> {
    let mut blocks = vec![Block::Title(name.to_string())];
    if !description.is_empty() {
        blocks.push(Block::Paragraph(description.to_string()));
    }
    blocks.extend(note.map(Block::Note));
    for w in drawn {
        // A picture carries its own title, so the title never ends a page alone.
        let picture = if w.error.is_none() {
            widget_svg(w, lang)
        } else {
            None
        };
        match &picture {
            Some((svg, _)) => {
                blocks.push(Block::Space(8.0));
                blocks.push(Block::Image(rgb(svg)?));
            }
            None => blocks.push(Block::Heading(w.title.clone())),
        }
        if let Some(e) = &w.error {
            blocks.push(Block::Paragraph(format!(
                "{}: {e}",
                t(lang, "dash.widget_error")
            )));
            continue;
        }
        // A picture carries where its figures come from; a table or text says it here.
        if picture.is_none() {
            blocks.extend(provenance(w, lang).into_iter().map(Block::Note));
        }
        for p in &w.paragraphs {
            blocks.push(Block::Paragraph(p.join("\n")));
        }
        if let Some(table) = &w.table {
            if picture.is_some() {
                blocks.push(Block::Subheading(format!(
                    "{}: {}",
                    t(lang, "dash.pdf_figures"),
                    w.title
                )));
            }
            blocks.push(Block::Table(pdf_table(table)));
            if table.rows.len() > 40 || table.more > 0 {
                blocks.push(Block::Note(t(lang, "dash.pdf_first_rows")));
            }
        }
    }
    Ok(koers_pdf::render(&Document {
        title: name.to_string(),
        author: None,
        footer: Some(footer.to_string()),
        blocks,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_widget_as_dutch_excel_csv() {
        let mut w = koers_core::dashboards::Widget::new(WidgetKind::Table, "T");
        w.id = "w1".into();
        let wd = WidgetData {
            widget: w,
            data: Some(
                serde_json::json!({"columns": ["gebied", "tonnen"], "rows": [["=Utrecht", 1234.5], ["Zeist", null]]}),
            ),
            computed_at: None,
            stale: false,
            applied: vec![],
            unfiltered: vec![],
            source: None,
            labels: Labels::default(),
            across: Vec::new(),
            parameters: Default::default(),
        };
        assert_eq!(
            widget_csv(&wd, Some(&Labels::default())).unwrap(),
            "\u{feff}gebied;tonnen\r\n'=Utrecht;1234,5\r\nZeist;\r\n"
        );
        assert_eq!(
            widget_csv(&wd, None).unwrap(),
            "gebied,tonnen\r\n'=Utrecht,1234.5\r\nZeist,\r\n"
        );
        let negative = WidgetData {
            data: Some(serde_json::json!({"columns": ["x"], "rows": [[-2.5]]})),
            ..wd
        };
        assert_eq!(
            widget_csv(&negative, Some(&Labels::default())).unwrap(),
            "\u{feff}x\r\n-2,5\r\n"
        );
        let regions = WidgetData {
            data: Some(serde_json::json!({"columns": ["provincie"], "rows": [["PV26"]]})),
            ..negative
        };
        assert_eq!(
            widget_csv(&regions, Some(&Labels::default())).unwrap(),
            "\u{feff}provincie\r\nUtrecht\r\n"
        );
    }

    use crate::dashboards::render::Kpi;

    #[test]
    fn a_caption_breaks_between_words() {
        assert_eq!(
            wrap("Bron: een lange naam", 11),
            ["Bron: een", "lange naam"]
        );
        assert_eq!(
            wrap("Tonkilometers", 5),
            ["Tonkilometers"],
            "a long word stands alone"
        );
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn pictures_keep_their_proportions_and_draw() {
        let svg = koers_svg::chart::line_svg(
            koers_svg::chart::Width::Wide,
            &[("2024".into(), 1.0), ("2025".into(), 2.0)],
            None,
            "x",
        )
        .unwrap();
        assert_eq!(view_box(&svg), Some((640.0, 320.0)));
        assert_eq!(view_box("<svg viewBox=\"0 0 0 5\">"), None);
        let d = Drawn {
            id: "w1".into(),
            kind: "line",
            title: "Tonnen <per> week".into(),
            wide: false,
            svg: Some(svg),
            svg_narrow: None,
            table: None,
            kpi: None,
            paragraphs: vec![],
            error: None,
            computed_at: None,
            stale: false,
            unfiltered: vec![],
            source: Some("Tonnen per week".into()),
            chosen: "Jaar 2024".into(),
            drilled: false,
            drilled_into: None,
            back: None,
            rotate: 0,
            tilt: 45,
            map: None,
        };
        let (standalone, h) = widget_svg(&d, Lang::Nl).unwrap();
        assert!(standalone.contains("Tonnen &lt;per&gt; week"));
        // Its source on one line, the filter choice on the next.
        assert!((h - (44.0 + 320.0 + 16.0 + 2.0 * 16.0)).abs() < 1.0, "{h}");
        assert!(
            standalone.contains(">Bron: Tonnen per week</text>")
                && standalone.contains(">Filters: Jaar 2024</text>"),
            "the picture carries its source and filter choice: {standalone}"
        );
        let bytes = png(&standalone).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        // When it was computed, and the filters that did not reach it: a picture never
        // seems filtered by a choice its figures were not made for.
        let dated = Drawn {
            computed_at: Some("2026-12-04T17:55:00Z".into()),
            stale: true,
            unfiltered: vec!["Provincie".into()],
            ..d.clone()
        };
        let (svg, _) = widget_svg(&dated, Lang::Nl).unwrap();
        assert!(
            svg.contains(">Bron: Tonnen per week</text>")
                && svg.contains(">Berekend op 4 december 2026, 18:55 (Verouderd")
                && svg.contains(">Filters: Jaar 2024 · Niet gefilterd op: Provincie</text>"),
            "{svg}"
        );
        let (en, _) = widget_svg(&dated, Lang::En).unwrap();
        assert!(
            en.contains(">Computed on 4 December 2026, 18:55 (Stale"),
            "{en}"
        );
        let board = board_svg("Logistiek", &[d.clone(), d.clone()], Lang::En);
        assert!(png(&board).unwrap().len() > 1000);
        // A key figure's status and target in the reader's language.
        let figure = Drawn {
            kpi: Some(Kpi {
                name: "Tonnen".into(),
                unit: "t".into(),
                value: Some("140".into()),
                period: None,
                status: Some("green".into()),
                trend: None,
                target: Some("150".into()),
            }),
            ..d
        };
        let (nl, _) = widget_svg(&figure, Lang::Nl).unwrap();
        assert!(nl.contains("Groen · Doel 150"), "{nl}");
        let (en, _) = widget_svg(&figure, Lang::En).unwrap();
        assert!(en.contains("Green · Target 150"), "{en}");
        assert!(!en.contains("green") && !nl.contains("status"));
    }
}
