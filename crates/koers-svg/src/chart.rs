//! Line charts drawn on the server as SVG: no script, readable without a network. A chart
//! always comes with the table of its values, which is its text alternative; the SVG itself
//! carries `role="img"` and a label that names what it shows. Colours are SVG presentation
//! attributes, so the chart needs no stylesheet and passes a strict content security policy.

use std::fmt::Write;

/// The width of the charts that have one layout (radar, bars).
const W: f64 = 640.0;
const H: f64 = 320.0;

/// How wide a chart is drawn: for a wide screen and print, or for a phone, where the same
/// chart is laid out again (fewer axis labels, the legend in rows) rather than shrunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    Wide,
    Narrow,
}

impl Width {
    fn px(self) -> f64 {
        match self {
            Width::Wide => 640.0,
            Width::Narrow => 340.0,
        }
    }

    fn class(self) -> &'static str {
        match self {
            Width::Wide => "koers-chart",
            Width::Narrow => "koers-chart koers-chart--narrow",
        }
    }
}
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 48.0;

/// Escapes text for SVG and HTML content and attributes.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// How numbers are written: Dutch (`1.234,5`, the default) or English (`1,234.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Separators {
    #[default]
    Dutch,
    English,
}

thread_local! {
    static SEPARATORS: std::cell::Cell<Separators> = const { std::cell::Cell::new(Separators::Dutch) };
}

/// Runs `f` with numbers written the `separators` way: a page in English draws its charts,
/// maps and tables inside this. Drawing is synchronous, so the choice holds on this thread
/// for exactly that drawing and is undone afterwards (also when `f` panics).
pub fn written_as<T>(separators: Separators, f: impl FnOnce() -> T) -> T {
    struct Restore(Separators);
    impl Drop for Restore {
        fn drop(&mut self) {
            SEPARATORS.with(|s| s.set(self.0));
        }
    }
    let _restore = Restore(SEPARATORS.with(|s| s.replace(separators)));
    f()
}

/// What the target line is called in the reader's language ([`written_as`]).
fn target_word() -> &'static str {
    match SEPARATORS.with(std::cell::Cell::get) {
        Separators::Dutch => "doel",
        Separators::English => "target",
    }
}

/// A number as the reader's language writes it ([`written_as`]; Dutch unless chosen): a
/// thousands separator, at most two decimals.
pub fn format_number(v: f64) -> String {
    write_number(v, SEPARATORS.with(std::cell::Cell::get), 2, true)
}

/// A number as people write it with `separators`: rounded to at most `decimals` decimals,
/// trailing zeros dropped, no minus before a zero, and thousands grouped — in a whole part of
/// four digits only when `group_four_digits` (so a year can stay 2024). Not a number, or an
/// infinite one, is written as Rust writes it.
pub fn write_number(
    v: f64,
    separators: Separators,
    decimals: usize,
    group_four_digits: bool,
) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let (group, point) = match separators {
        Separators::Dutch => ('.', ','),
        Separators::English => (',', '.'),
    };
    let fixed = format!("{:.*}", decimals, v.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let frac = frac.trim_end_matches('0');
    let grouped = int.len() > 4 || group_four_digits;
    let mut out = String::new();
    if v < 0.0 && (int.bytes().any(|b| b != b'0') || !frac.is_empty()) {
        out.push('-');
    }
    for (i, ch) in int.chars().enumerate() {
        if grouped && i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// A round step for an axis from `lo` to `hi` (1, 2, 2.5 or 5 times a power of ten) that
/// divides it into at most five parts, so the axis reads 0, 20.000, 40.000 instead of
/// 0, 14.453.838,4.
pub fn nice_step(lo: f64, hi: f64) -> f64 {
    let span = (hi - lo).abs();
    if !span.is_finite() || span == 0.0 {
        return 1.0;
    }
    let raw = span / 5.0;
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|step| span / step <= 5.0 + 1e-9)
        .unwrap_or(10.0 * power)
}

/// How the values of a series chart are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Line,
    /// Lines with the area under them filled.
    Area,
    /// Bars side by side per category.
    Bar,
    /// Bars stacked per category.
    Stacked,
}

/// One named series of a chart: a value (or a gap) per category.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// Series colours, distinguishable for the colour-blind (after Okabe and Ito), dark enough
/// against white for the 3:1 contrast of graphics.
pub const PALETTE: [&str; 6] = [
    "#01689b", "#c45200", "#2c7a0c", "#a90061", "#5b4ea3", "#6b4a2b",
];

/// A line chart of `series` (period label, value) with an optional dashed target line.
/// `caption` names the chart for screen readers; `None` when there is nothing to draw.
pub fn line_svg(
    width: Width,
    series: &[(String, f64)],
    target: Option<f64>,
    caption: &str,
) -> Option<String> {
    let categories: Vec<String> = series.iter().map(|(p, _)| p.clone()).collect();
    let values = series.iter().map(|(_, v)| Some(*v)).collect();
    series_svg(
        width,
        Shape::Line,
        &categories,
        &[Series {
            name: caption.to_string(),
            values,
        }],
        target,
        caption,
    )
}

/// A chart of one or more series over the same categories, drawn as lines, areas, grouped
/// or stacked bars, with an optional dashed target line and a legend when there are several
/// series. `None` when there is nothing to draw.
pub fn series_svg(
    width: Width,
    shape: Shape,
    categories: &[String],
    series: &[Series],
    target: Option<f64>,
    caption: &str,
) -> Option<String> {
    let n = categories.len();
    if n == 0 || series.is_empty() {
        return None;
    }
    let at = |s: &Series, i: usize| s.values.get(i).copied().flatten();
    let (mut lo, mut hi) = (0.0f64, f64::MIN);
    for i in 0..n {
        if shape == Shape::Stacked {
            let (pos, neg) =
                series
                    .iter()
                    .filter_map(|s| at(s, i))
                    .fold(
                        (0.0, 0.0),
                        |(p, m), v| {
                            if v >= 0.0 { (p + v, m) } else { (p, m + v) }
                        },
                    );
            hi = hi.max(pos);
            lo = lo.min(neg);
        } else {
            for v in series.iter().filter_map(|s| at(s, i)) {
                hi = hi.max(v);
                lo = lo.min(v);
            }
        }
    }
    if hi == f64::MIN {
        return None;
    }
    if let Some(t) = target {
        lo = lo.min(t);
        hi = hi.max(t);
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    let step = nice_step(lo, hi);
    lo = (lo / step).floor() * step;
    hi = (hi / step).ceil() * step;
    let ticks: Vec<f64> = (0..=((hi - lo) / step).round() as usize)
        .map(|k| lo + step * k as f64)
        .collect();
    let w = width.px();
    // The legend in rows that fit the width: where each entry goes.
    let mut legend_at: Vec<(f64, f64)> = Vec::new();
    if series.len() > 1 {
        let (mut lx, mut row) = (LEFT, 0.0);
        for s in series {
            let wide = 28.0 + 7.0 * s.name.chars().count() as f64;
            if lx > LEFT && lx + wide > w - RIGHT {
                lx = LEFT;
                row += 18.0;
            }
            legend_at.push((lx, row));
            lx += wide;
        }
    }
    let legend = legend_at.last().map_or(0.0, |(_, row)| row + 22.0);
    // Room at the left for the longest value label.
    let widest = ticks
        .iter()
        .map(|v| format_number(*v).chars().count())
        .max()
        .unwrap_or(0);
    let left = LEFT.max(14.0 + 7.0 * widest as f64);
    let top = TOP + legend;
    let pw = w - left - RIGHT;
    let h = H + legend - 22.0_f64.min(legend);
    let ph = h - top - BOTTOM;
    let bars = matches!(shape, Shape::Bar | Shape::Stacked);
    let band = pw / n as f64;
    let x = |i: usize| {
        if bars {
            left + band * (i as f64 + 0.5)
        } else if n == 1 {
            left + pw / 2.0
        } else {
            left + pw * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| top + ph * (hi - v) / (hi - lo);
    let mut out = format!(
        "<svg class=\"{}\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        width.class(),
        escape(caption)
    );
    // Axes and a few horizontal grid lines with their values.
    let _ = write!(
        out,
        "<g font-size=\"12\" font-family=\"sans-serif\" fill=\"#1a1a1a\"><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"#555\"/><line x1=\"{left}\" y1=\"{0}\" x2=\"{}\" y2=\"{0}\" stroke=\"#555\"/>",
        top + ph,
        left + pw
    );
    for &v in &ticks {
        let yy = y(v);
        let _ = write!(
            out,
            "<line x1=\"{left}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left + pw,
            left - 6.0,
            yy + 4.0,
            escape(&format_number(v))
        );
    }
    // Category labels: as many as fit side by side at the longest label's width, always
    // the first and the last; one that would run into the last is left out.
    let longest = categories
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0) as f64;
    let slot = (7.0 * longest + 12.0).max(72.0);
    let fit = ((pw / slot).floor() as usize).max(2);
    let step = n.div_ceil(fit).max(1);
    for (i, p) in categories.iter().enumerate() {
        if i == n - 1 || (i.is_multiple_of(step) && n - 1 - i >= step) {
            // The last label of a line ends at the chart's edge instead of running off it.
            let anchor = if i == n - 1 && n > 1 && !bars {
                "end"
            } else {
                "middle"
            };
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
                x(i),
                top + ph + 20.0,
                escape(p)
            );
        }
    }
    for (k, (s, (lx, row))) in series.iter().zip(&legend_at).enumerate() {
        let _ = write!(
            out,
            "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            TOP - 6.0 + row,
            PALETTE[k % PALETTE.len()],
            lx + 16.0,
            TOP + 4.0 + row,
            escape(&s.name)
        );
    }
    out.push_str("</g>");
    if let Some(t) = target {
        let yy = y(t);
        let _ = write!(
            out,
            "<line class=\"koers-chart__target\" x1=\"{left}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#8a4b00\" stroke-width=\"2\" stroke-dasharray=\"6 4\"><title>{}</title></line>",
            left + pw,
            escape(&format!("{} {}", target_word(), format_number(t)))
        );
    }
    let title = |s: &Series, i: usize, v: f64| {
        let what = if series.len() > 1 {
            format!("{} — {}", s.name, categories[i])
        } else {
            categories[i].clone()
        };
        escape(&format!("{what}: {}", format_number(v)))
    };
    let base = y(0.0_f64.clamp(lo, hi));
    let mut stack_pos = vec![0.0; n];
    let mut stack_neg = vec![0.0; n];
    for (k, s) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        match shape {
            Shape::Line | Shape::Area => {
                let mut d = String::new();
                let mut run: Vec<(f64, f64)> = Vec::new();
                let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
                for i in 0..n {
                    match at(s, i) {
                        Some(v) => run.push((x(i), y(v))),
                        None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
                        None => {}
                    }
                }
                if !run.is_empty() {
                    runs.push(run);
                }
                for r in &runs {
                    for (j, (px, py)) in r.iter().enumerate() {
                        let _ = write!(d, "{}{px:.1},{py:.1}", if j == 0 { "M" } else { "L" });
                    }
                    if shape == Shape::Area
                        && let (Some(first), Some(last)) = (r.first(), r.last())
                    {
                        let _ = write!(
                            out,
                            "<path d=\"M{:.1},{base:.1}{}L{:.1},{base:.1}Z\" fill=\"{colour}\" fill-opacity=\"0.25\" stroke=\"none\"/>",
                            first.0,
                            r.iter()
                                .map(|(px, py)| format!("L{px:.1},{py:.1}"))
                                .collect::<String>(),
                            last.0
                        );
                    }
                }
                let _ = write!(
                    out,
                    "<path class=\"koers-chart__line\" d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\"/>"
                );
                for i in 0..n {
                    if let Some(v) = at(s, i) {
                        let _ = write!(
                            out,
                            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{colour}\"><title>{}</title></circle>",
                            x(i),
                            y(v),
                            title(s, i, v)
                        );
                    }
                }
            }
            Shape::Bar | Shape::Stacked => {
                for i in 0..n {
                    let Some(v) = at(s, i) else { continue };
                    let (bx, bw, from, to) = if shape == Shape::Bar {
                        let bw = band * 0.8 / series.len() as f64;
                        let bx = x(i) - band * 0.4 + bw * k as f64;
                        (bx, bw, 0.0, v)
                    } else {
                        let acc = if v >= 0.0 {
                            &mut stack_pos[i]
                        } else {
                            &mut stack_neg[i]
                        };
                        let from = *acc;
                        *acc += v;
                        (x(i) - band * 0.4, band * 0.8, from, from + v)
                    };
                    let (y1, y2) = (y(from.max(to)), y(from.min(to)));
                    let _ = write!(
                        out,
                        "<rect x=\"{bx:.1}\" y=\"{y1:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{}</title></rect>",
                        bw.max(0.5),
                        (y2 - y1).max(0.5),
                        title(s, i, v)
                    );
                }
            }
        }
    }
    out.push_str("</svg>");
    Some(out)
}

/// Series colours of the radar chart: the first series, then the comparison.
const SERIES: [(&str, &str); 2] = [("#01689b", "0.25"), ("#8a4b00", "0")];

/// A radar (spider) chart on the scale 0–`max`: one axis per name, one closed polygon per
/// series (a missing value sits at the centre). `None` with fewer than three axes.
pub fn radar_svg(
    axes: &[String],
    series: &[(String, Vec<Option<f64>>)],
    max: f64,
    caption: &str,
) -> Option<String> {
    let n = axes.len();
    if n < 3 || max <= 0.0 {
        return None;
    }
    // Room at both sides for long axis labels.
    let wide = W + 160.0;
    let (cx, cy, r) = (W / 2.0, 200.0, 130.0);
    let point = |i: usize, v: f64| {
        let a = std::f64::consts::TAU * i as f64 / n as f64 - std::f64::consts::FRAC_PI_2;
        let k = (v / max).clamp(0.0, 1.0) * r;
        (cx + k * a.cos(), cy + k * a.sin())
    };
    let mut out = format!(
        "<svg class=\"koers-chart\" viewBox=\"-80 0 {wide} 420\" width=\"100%\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\"><g font-size=\"12\" font-family=\"sans-serif\" fill=\"#1a1a1a\">",
        escape(caption)
    );
    for ring in 1..=max as usize {
        let pts: Vec<String> = (0..n)
            .map(|i| {
                let (x, y) = point(i, ring as f64);
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let _ = write!(
            out,
            "<polygon points=\"{}\" fill=\"none\" stroke=\"#ccc\"/>",
            pts.join(" ")
        );
    }
    for (i, name) in axes.iter().enumerate() {
        let (x, y) = point(i, max);
        let (lx, ly) = point(i, max * 1.12);
        let anchor = if (lx - cx).abs() < 1.0 {
            "middle"
        } else if lx > cx {
            "start"
        } else {
            "end"
        };
        let _ = write!(
            out,
            "<line x1=\"{cx}\" y1=\"{cy}\" x2=\"{x:.1}\" y2=\"{y:.1}\" stroke=\"#bbb\"/><text x=\"{lx:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
            ly + 4.0,
            escape(name)
        );
    }
    out.push_str("</g>");
    for (k, (label, values)) in series.iter().enumerate() {
        let (colour, fill) = SERIES[k % SERIES.len()];
        let pts: Vec<String> = (0..n)
            .map(|i| {
                let (x, y) = point(i, values.get(i).copied().flatten().unwrap_or(0.0));
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let dash = if k > 0 {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<polygon points=\"{}\" fill=\"{colour}\" fill-opacity=\"{fill}\" stroke=\"{colour}\" stroke-width=\"2.5\"{dash}><title>{}</title></polygon>",
            pts.join(" "),
            escape(label)
        );
    }
    let mut y = 20.0;
    for (k, (label, _)) in series.iter().enumerate() {
        let (colour, _) = SERIES[k % SERIES.len()];
        let _ = write!(
            out,
            "<rect x=\"8\" y=\"{:.1}\" width=\"14\" height=\"4\" fill=\"{colour}\"/><text x=\"28\" y=\"{:.1}\" font-size=\"12\" font-family=\"sans-serif\" fill=\"#1a1a1a\">{}</text>",
            y - 4.0,
            y + 1.0,
            escape(label)
        );
        y += 18.0;
    }
    out.push_str("</svg>");
    Some(out)
}

/// A horizontal bar chart of (label, value) on the scale 0–`max`; rows without a value get
/// no bar. Wide, each label stands left of its bar; narrow (a phone), above it, so that a
/// long name keeps its letters at the size of the page's text. `None` when there are no rows.
pub fn bars_svg(
    width: Width,
    items: &[(String, Option<f64>)],
    max: f64,
    caption: &str,
) -> Option<String> {
    if items.is_empty() || max <= 0.0 {
        return None;
    }
    let w = width.px();
    // Where a bar starts, how high a row is, and where its label stands (x, anchor, and how
    // far below the row's top).
    let (left, row, label_at) = match width {
        Width::Wide => (180.0, 26.0, (172.0, "end", 15.0)),
        Width::Narrow => (8.0, 42.0, (8.0, "start", 13.0)),
    };
    let bar_top = match width {
        Width::Wide => 2.0,
        Width::Narrow => 19.0,
    };
    let h = TOP + row * items.len() as f64 + 24.0;
    let pw = w - left - 48.0;
    let mut out = format!(
        "<svg class=\"{}\" viewBox=\"0 0 {w} {h:.0}\" width=\"100%\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\"><g font-size=\"12\" font-family=\"sans-serif\" fill=\"#1a1a1a\">",
        width.class(),
        escape(caption)
    );
    for (i, (label, v)) in items.iter().enumerate() {
        let y = TOP + row * i as f64;
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{}\">{}</text>",
            label_at.0,
            y + label_at.2,
            label_at.1,
            escape(label)
        );
        if let Some(v) = v {
            let bw = pw * (v / max).clamp(0.0, 1.0);
            let _ = write!(
                out,
                "<rect x=\"{left}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"18\" fill=\"#01689b\"><title>{}: {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                y + bar_top,
                escape(label),
                escape(&format_number(*v)),
                left + bw + 6.0,
                y + bar_top + 13.0,
                escape(&format_number((*v * 10.0).round() / 10.0))
            );
        }
    }
    out.push_str("</g></svg>");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_line_with_axis_labels_and_a_dashed_target() {
        let s = vec![
            ("2023".to_string(), 1200.0),
            ("2024".to_string(), 1100.5),
            ("<b>".to_string(), 900.0),
        ];
        let svg = line_svg(Width::Wide, &s, Some(1000.0), "Ritten \"per jaar\"").unwrap();
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-label=\"Ritten &quot;per jaar&quot;\""));
        assert!(svg.contains("stroke-dasharray"));
        assert!(svg.contains(">2023<") && svg.contains("&lt;b&gt;"));
        assert!(svg.contains("1.100,5"));
        assert!(!svg.contains("<b>"));
        // The target line is named in the reader's language.
        assert!(svg.contains("<title>doel 1.000</title>"), "{svg}");
        let en = written_as(Separators::English, || {
            line_svg(Width::Wide, &s, Some(1000.0), "Rides").unwrap()
        });
        assert!(en.contains("<title>target 1,000</title>"), "{en}");
        assert!(line_svg(Width::Wide, &[], None, "leeg").is_none());
        assert!(line_svg(Width::Wide, &[("2024".into(), 5.0)], None, "een").is_some());
    }

    #[test]
    fn axis_labels_never_run_into_each_other() {
        let weeks: Vec<(String, f64)> = (1..=52)
            .map(|w| (format!("2025-W{w:02}"), w as f64))
            .collect();
        let svg = line_svg(Width::Wide, &weeks, None, "Weken").unwrap();
        let shown: Vec<usize> = (1..=52)
            .filter(|w| svg.contains(&format!(">2025-W{w:02}<")))
            .collect();
        assert_eq!(shown.first(), Some(&1));
        assert_eq!(shown.last(), Some(&52));
        let gaps: Vec<usize> = shown.windows(2).map(|p| p[1] - p[0]).collect();
        let step = gaps[0];
        assert!(gaps.iter().all(|g| *g >= step), "{shown:?}");
        // Round values on the axis.
        assert!(svg.contains(">60<") && !svg.contains(",5<"));
    }

    #[test]
    fn series_charts_draw_every_shape_with_a_legend_and_gaps() {
        let cats: Vec<String> = ["2023", "2024", "2025"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let series = vec![
            Series {
                name: "weg".into(),
                values: vec![Some(10.0), None, Some(12.0)],
            },
            Series {
                name: "<spoor>".into(),
                values: vec![Some(3.0), Some(4.0), Some(-1.0)],
            },
        ];
        for shape in [Shape::Line, Shape::Area, Shape::Bar, Shape::Stacked] {
            let svg = series_svg(Width::Wide, shape, &cats, &series, Some(11.0), "Tonnen").unwrap();
            assert!(svg.contains("&lt;spoor&gt;") && !svg.contains("<spoor>"));
            assert!(svg.contains(PALETTE[1]));
            assert!(svg.contains("weg — 2025: 12"));
        }
        let stacked = series_svg(Width::Wide, Shape::Stacked, &cats, &series, None, "s").unwrap();
        assert_eq!(stacked.matches("<rect x=").count() - 2, 5);
        let line = series_svg(Width::Wide, Shape::Line, &cats, &series, None, "l").unwrap();
        assert_eq!(line.matches("<circle").count(), 5);
        let empty = vec![Series {
            name: "x".into(),
            values: vec![None, None, None],
        }];
        assert!(series_svg(Width::Wide, Shape::Bar, &cats, &empty, None, "x").is_none());
        assert!(series_svg(Width::Wide, Shape::Bar, &[], &series, None, "x").is_none());
    }

    #[test]
    fn numbers_read_the_dutch_way() {
        assert_eq!(nice_step(0.0, 57_815_353.5), 20_000_000.0);
        assert_eq!(nice_step(0.0, 100.0), 20.0);
        assert_eq!(nice_step(3.0, 4.0), 0.2);
        assert_eq!(nice_step(0.0, 0.0), 1.0);
        assert_eq!(format_number(1234567.0), "1.234.567");
        assert_eq!(format_number(0.5), "0,5");
        assert_eq!(format_number(-12.25), "-12,25");
        assert_eq!(format_number(0.0), "0");
        // An English page writes them the English way, for as long as it draws.
        let english = written_as(Separators::English, || {
            [format_number(1234567.5), format_number(-0.25)]
        });
        assert_eq!(english, ["1,234,567.5", "-0.25"]);
        assert_eq!(format_number(1234.5), "1.234,5", "back to Dutch afterwards");
    }

    #[test]
    fn one_writer_serves_every_way_koers_writes_a_number() {
        use Separators::{Dutch, English};
        // A result cell: four decimals, a year stays a year, larger numbers grouped.
        assert_eq!(write_number(2024.0, Dutch, 4, false), "2024");
        assert_eq!(write_number(12601.55, Dutch, 4, false), "12.601,55");
        assert_eq!(write_number(0.123456, English, 4, false), "0.1235");
        // A page's number: two decimals, always grouped.
        assert_eq!(write_number(2024.0, Dutch, 2, true), "2.024");
        assert_eq!(write_number(-1234.567, English, 2, true), "-1,234.57");
        // What rounds to zero carries no minus; what is not a number says so.
        assert_eq!(write_number(-0.001, Dutch, 2, true), "0");
        assert_eq!(write_number(f64::NAN, Dutch, 2, true), "NaN");
        assert_eq!(
            write_number(1e21, English, 0, false),
            "1,000,000,000,000,000,000,000"
        );
    }

    #[test]
    fn radar_and_bars_escape_and_need_data() {
        let axes: Vec<String> = ["A", "B", "<C>"].iter().map(|s| s.to_string()).collect();
        let svg = radar_svg(
            &axes,
            &[("Utrecht".into(), vec![Some(3.0), None, Some(5.0)])],
            5.0,
            "Radar",
        )
        .unwrap();
        assert!(svg.contains("&lt;C&gt;") && svg.contains("<polygon"));
        assert!(radar_svg(&axes[..2], &[], 5.0, "x").is_none());
        let items = [("Provincie A".into(), Some(3.25)), ("B".into(), None)];
        let bars = bars_svg(Width::Wide, &items, 5.0, "B").unwrap();
        assert!(bars.contains("3,3"));
        assert!(bars.contains("text-anchor=\"end\">Provincie A<"), "{bars}");
        // On a phone each name stands above its bar, at the start: nothing is cut off.
        let narrow = bars_svg(Width::Narrow, &items, 5.0, "B").unwrap();
        assert!(narrow.contains("class=\"koers-chart koers-chart--narrow\""));
        assert!(narrow.contains("viewBox=\"0 0 340 "), "{narrow}");
        assert!(
            narrow.contains("<text x=\"8.0\" y=\"29.0\" text-anchor=\"start\">Provincie A<"),
            "{narrow}"
        );
        assert!(narrow.contains("<rect x=\"8\" y=\"35.0\""), "{narrow}");
        assert!(bars_svg(Width::Wide, &[], 5.0, "x").is_none());
    }

    #[test]
    fn a_narrow_chart_is_laid_out_again_not_shrunk() {
        let cats: Vec<String> = (1..=12).map(|m| format!("2025-{m:02}")).collect();
        let series: Vec<Series> = ["Weg", "Binnenvaart", "Spoor", "Zee"]
            .iter()
            .map(|n| Series {
                name: (*n).into(),
                values: (1..=12).map(|v| Some(f64::from(v))).collect(),
            })
            .collect();
        let wide = series_svg(Width::Wide, Shape::Line, &cats, &series, None, "t").unwrap();
        let narrow = series_svg(Width::Narrow, Shape::Line, &cats, &series, None, "t").unwrap();
        assert!(
            narrow.starts_with("<svg class=\"koers-chart koers-chart--narrow\" viewBox=\"0 0 340 ")
        );
        let labels = |svg: &str| svg.matches(">2025-").count();
        assert!(labels(&narrow) < labels(&wide), "fewer axis labels");
        assert!(labels(&narrow) >= 2);
        // The legend wraps to a second row instead of running off the chart.
        let ys: std::collections::BTreeSet<&str> = narrow
            .split("<rect x=")
            .skip(1)
            .filter_map(|r| r.split("y=\"").nth(1)?.split('"').next())
            .filter(|y| y.parse::<f64>().is_ok_and(|y| y < 60.0))
            .collect();
        assert!(ys.len() >= 2, "{ys:?}");
    }
}
