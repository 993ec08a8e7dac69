//! Line charts drawn on the server as SVG: no script, readable without a network. A chart
//! always comes with the table of its values, which is its text alternative; the SVG itself
//! carries `role="img"` and a label that names what it shows. Colours are SVG presentation
//! attributes, so the chart needs no stylesheet and passes a strict content security policy.

use std::fmt::Write;

const W: f64 = 640.0;
const H: f64 = 320.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 48.0;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A number as a short Dutch label: thousands with a dot, decimals with a comma.
pub fn format_number(v: f64) -> String {
    let neg = v < 0.0;
    let a = v.abs();
    let rounded = (a * 100.0).round() / 100.0;
    let int = rounded.trunc() as u64;
    let frac = ((rounded - rounded.trunc()) * 100.0).round() as u64;
    let digits = int.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    let mut out = if neg && (int > 0 || frac > 0) {
        format!("-{grouped}")
    } else {
        grouped
    };
    if frac > 0 {
        let f = format!("{frac:02}");
        let _ = write!(out, ",{}", f.trim_end_matches('0'));
    }
    out
}

/// A line chart of `series` (period label, value) with an optional dashed target line.
/// `caption` names the chart for screen readers; `None` when there is nothing to draw.
pub fn line_svg(series: &[(String, f64)], target: Option<f64>, caption: &str) -> Option<String> {
    if series.is_empty() {
        return None;
    }
    let mut lo = series.iter().map(|(_, v)| *v).fold(f64::MAX, f64::min);
    let mut hi = series.iter().map(|(_, v)| *v).fold(f64::MIN, f64::max);
    if let Some(t) = target {
        lo = lo.min(t);
        hi = hi.max(t);
    }
    lo = lo.min(0.0);
    if hi <= lo {
        hi = lo + 1.0;
    }
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let n = series.len();
    let x = |i: usize| {
        if n == 1 {
            LEFT + pw / 2.0
        } else {
            LEFT + pw * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| TOP + ph * (hi - v) / (hi - lo);
    let mut out = format!(
        "<svg class=\"koers-chart\" viewBox=\"0 0 {W} {H}\" width=\"100%\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(caption)
    );
    // Axes and a few horizontal grid lines with their values.
    let _ = write!(
        out,
        "<g font-size=\"12\" font-family=\"sans-serif\" fill=\"#1a1a1a\"><line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{}\" stroke=\"#555\"/><line x1=\"{LEFT}\" y1=\"{0}\" x2=\"{}\" y2=\"{0}\" stroke=\"#555\"/>",
        TOP + ph,
        LEFT + pw
    );
    for k in 0..=4 {
        let v = lo + (hi - lo) * k as f64 / 4.0;
        let yy = y(v);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT + pw,
            LEFT - 6.0,
            yy + 4.0,
            escape(&format_number(v))
        );
    }
    // Period labels: at most about eight, always the first and the last.
    let step = n.div_ceil(8).max(1);
    for (i, (p, _)) in series.iter().enumerate() {
        if i.is_multiple_of(step) || i == n - 1 {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x(i),
                TOP + ph + 20.0,
                escape(p)
            );
        }
    }
    out.push_str("</g>");
    if let Some(t) = target {
        let yy = y(t);
        let _ = write!(
            out,
            "<line class=\"koers-chart__target\" x1=\"{LEFT}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#8a4b00\" stroke-width=\"2\" stroke-dasharray=\"6 4\"><title>{}</title></line>",
            LEFT + pw,
            escape(&format!("doel {}", format_number(t)))
        );
    }
    let mut d = String::new();
    for (i, (_, v)) in series.iter().enumerate() {
        let _ = write!(
            d,
            "{}{:.1},{:.1}",
            if i == 0 { "M" } else { "L" },
            x(i),
            y(*v)
        );
    }
    let _ = write!(
        out,
        "<path class=\"koers-chart__line\" d=\"{d}\" fill=\"none\" stroke=\"#01689b\" stroke-width=\"2.5\"/>"
    );
    for (i, (p, v)) in series.iter().enumerate() {
        let _ = write!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#01689b\"><title>{}: {}</title></circle>",
            x(i),
            y(*v),
            escape(p),
            escape(&format_number(*v))
        );
    }
    out.push_str("</svg>");
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
        let svg = line_svg(&s, Some(1000.0), "Ritten \"per jaar\"").unwrap();
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-label=\"Ritten &quot;per jaar&quot;\""));
        assert!(svg.contains("stroke-dasharray"));
        assert!(svg.contains(">2023<") && svg.contains("&lt;b&gt;"));
        assert!(svg.contains("1.100,5"));
        assert!(!svg.contains("<b>"));
        assert!(line_svg(&[], None, "leeg").is_none());
        assert!(line_svg(&[("2024".into(), 5.0)], None, "een").is_some());
    }

    #[test]
    fn numbers_read_the_dutch_way() {
        assert_eq!(format_number(1234567.0), "1.234.567");
        assert_eq!(format_number(0.5), "0,5");
        assert_eq!(format_number(-12.25), "-12,25");
        assert_eq!(format_number(0.0), "0");
    }
}
