//! Maps drawn on the server as SVG: no tiles, no script, readable without a network. A
//! map always comes with the table it was drawn from, which is its text alternative.

use crate::chart::escape;
use serde_json::Value;
use std::fmt::Write;

const W: f64 = 640.0;
const H: f64 = 480.0;

fn each_position(g: &Value, f: &mut dyn FnMut(f64, f64)) {
    match g.get("coordinates") {
        Some(c) => walk(c, f),
        None => {
            if let Some(gs) = g.get("geometries").and_then(Value::as_array) {
                for x in gs {
                    each_position(x, f);
                }
            }
        }
    }
}

fn walk(c: &Value, f: &mut dyn FnMut(f64, f64)) {
    if let Some(a) = c.as_array() {
        if let (Some(x), Some(y)) = (
            a.first().and_then(Value::as_f64),
            a.get(1).and_then(Value::as_f64),
        ) {
            f(x, y);
        } else {
            for x in a {
                walk(x, f);
            }
        }
    }
}

/// An equirectangular projection of a bounding box onto the canvas, keeping the shape
/// true at the box's middle latitude.
struct Projection {
    min_x: f64,
    max_y: f64,
    scale: f64,
    kx: f64,
}

impl Projection {
    fn fit(geoms: &[&Value]) -> Option<Projection> {
        let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for g in geoms {
            each_position(g, &mut |x, y| {
                min_x = min_x.min(x);
                max_x = max_x.max(x);
                min_y = min_y.min(y);
                max_y = max_y.max(y);
            });
        }
        if min_x > max_x {
            return None;
        }
        let kx = ((min_y + max_y) / 2.0).to_radians().cos().max(0.1);
        let w = ((max_x - min_x) * kx).max(1e-9);
        let h = (max_y - min_y).max(1e-9);
        let scale = ((W - 20.0) / w).min((H - 20.0) / h);
        Some(Projection {
            min_x,
            max_y,
            scale,
            kx,
        })
    }

    fn xy(&self, x: f64, y: f64) -> (f64, f64) {
        (
            10.0 + (x - self.min_x) * self.kx * self.scale,
            10.0 + (self.max_y - y) * self.scale,
        )
    }
}

fn ring_path(p: &Projection, ring: &Value, out: &mut String) {
    let mut first = true;
    walk(ring, &mut |x, y| {
        let (px, py) = p.xy(x, y);
        let _ = write!(out, "{}{px:.1},{py:.1}", if first { "M" } else { "L" });
        first = false;
    });
}

/// The path data of lines or rings, each ended with `end` (`Z` closes a ring).
fn path<'v>(p: &Projection, lines: impl IntoIterator<Item = &'v Value>, end: &str) -> String {
    let mut d = String::new();
    for line in lines {
        ring_path(p, line, &mut d);
        d.push_str(end);
    }
    d
}

/// The parts of a geometry's coordinates: the one of a single geometry, or each of a
/// `Multi…` one.
fn parts(kind: &str, coords: Value) -> Vec<Value> {
    if kind.starts_with("Multi") {
        coords.as_array().cloned().unwrap_or_default()
    } else {
        vec![coords]
    }
}

fn shape(p: &Projection, g: &Value, label: &str, out: &mut String) {
    let kind = g.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = g.get("coordinates").cloned().unwrap_or(Value::Null);
    let title = format!("<title>{}</title>", escape(label));
    match kind {
        "Point" | "MultiPoint" => walk(&coords, &mut |x, y| {
            let (px, py) = p.xy(x, y);
            let _ = write!(
                out,
                "<circle class=\"koers-map__point\" cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"3\">{title}</circle>"
            );
        }),
        "LineString" | "MultiLineString" => {
            let d = path(p, &parts(kind, coords), "");
            let _ = write!(
                out,
                "<path class=\"koers-map__line\" d=\"{d}\">{title}</path>"
            );
        }
        "Polygon" | "MultiPolygon" => {
            let polygons = parts(kind, coords);
            let rings = polygons
                .iter()
                .flat_map(|poly| poly.as_array().into_iter().flatten());
            let d = path(p, rings, "Z");
            let _ = write!(
                out,
                "<path class=\"koers-map__area\" fill-rule=\"evenodd\" d=\"{d}\">{title}</path>"
            );
        }
        "GeometryCollection" => {
            for x in g
                .get("geometries")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                shape(p, x, label, out);
            }
        }
        _ => {}
    }
}

/// An SVG map of GeoJSON geometries (WGS84) with a label each; `None` when there is
/// nothing to draw. `caption` names the map for screen readers.
pub fn svg(features: &[(Value, String)], caption: &str) -> Option<String> {
    let geoms: Vec<&Value> = features.iter().map(|(g, _)| g).collect();
    let p = Projection::fit(&geoms)?;
    let mut out = format!(
        "<svg class=\"koers-map\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(caption)
    );
    for (g, label) in features {
        shape(&p, g, label, &mut out);
    }
    out.push_str("</svg>");
    Some(out)
}

/// Sequential colours of a choropleth's five classes, light to dark; the darker classes
/// carry white text where labels are drawn.
pub const CLASSES: [&str; 5] = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];

/// The upper bounds of five classes of equal counts (quantiles) of `values`.
pub fn class_bounds(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return Vec::new();
    }
    v.sort_by(f64::total_cmp);
    let mut out: Vec<f64> = (1..=CLASSES.len())
        .map(|k| v[(k * v.len()).div_ceil(CLASSES.len()).saturating_sub(1)])
        .collect();
    out.dedup();
    out
}

fn class_of(bounds: &[f64], v: f64) -> usize {
    let k = bounds
        .iter()
        .position(|b| v <= *b)
        .unwrap_or(bounds.len().saturating_sub(1));
    // Spread fewer classes over the whole ramp.
    if bounds.len() <= 1 {
        CLASSES.len() - 1
    } else {
        k * (CLASSES.len() - 1) / (bounds.len() - 1)
    }
}

/// A region on a thematic map: its geometry, name and value (none: drawn grey).
pub struct Area<'a> {
    pub geometry: &'a Value,
    pub label: String,
    pub value: Option<f64>,
    /// Where choosing the region leads (drill-down), if anywhere.
    pub link: Option<String>,
}

/// The width of the legend column beside a thematic map: wide enough for two numbers of
/// millions with their separators, so the legend is never cut off nor laid over the map.
const LEGEND_W: f64 = 210.0;

/// One row of a thematic map's legend: its colour and the range it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendRow {
    pub colour: &'static str,
    pub text: String,
}

/// What a map's colours and sizes are measured against: its values (its own, and any others
/// it must span, such as the other stops of a slider), their classes ([`class_bounds`]) and
/// the largest. Made once and handed to both the SVG and the live map.
#[derive(Debug, Clone, Default)]
pub struct Scale {
    pub values: Vec<f64>,
    pub bounds: Vec<f64>,
    /// The largest value, at least 0.
    pub max: f64,
}

impl Scale {
    pub fn of(values: Vec<f64>) -> Scale {
        let bounds = class_bounds(&values);
        let max = values.iter().copied().fold(0.0f64, f64::max);
        Scale {
            values,
            bounds,
            max,
        }
    }
}

/// The colour of a value among classes with these upper bounds ([`class_bounds`]).
pub fn class_colour(bounds: &[f64], v: f64) -> &'static str {
    CLASSES[class_of(bounds, v)]
}

/// The legend of values in classes with these upper bounds: `lo – hi` per class, from the
/// smallest value; `no_data` adds the grey row of regions without a value.
pub fn legend(values: &[f64], bounds: &[f64], no_data: Option<&str>) -> Vec<LegendRow> {
    legend_with(values, bounds, no_data, &crate::chart::format_number)
}

/// [`legend`], its numbers written by `show` (a year as 1895, not 1.895).
pub fn legend_with(
    values: &[f64],
    bounds: &[f64],
    no_data: Option<&str>,
    show: &dyn Fn(f64) -> String,
) -> Vec<LegendRow> {
    let mut lo = values.iter().copied().fold(f64::MAX, f64::min);
    let mut rows: Vec<LegendRow> = bounds
        .iter()
        .map(|b| {
            let text = format!("{} – {}", show(lo), show(*b));
            lo = *b;
            LegendRow {
                colour: class_colour(bounds, *b),
                text,
            }
        })
        .collect();
    if let Some(text) = no_data {
        rows.push(LegendRow {
            colour: NO_DATA,
            text: text.to_string(),
        });
    }
    rows
}

/// The fill of a region without a value.
pub const NO_DATA: &str = "#f3f3f3";

/// The legend drawn in its own column right of a map of width `W`.
fn legend_svg(rows: &[LegendRow], out: &mut String) {
    let _ = write!(
        out,
        "<g class=\"koers-map__legend\" font-size=\"12\" font-family=\"sans-serif\" fill=\"#1a1a1a\">"
    );
    for (k, row) in rows.iter().enumerate() {
        let y = 20.0 + 22.0 * k as f64;
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{y:.1}\" width=\"14\" height=\"14\" fill=\"{}\" stroke=\"#555\"/><text x=\"{}\" y=\"{:.1}\">{}</text>",
            W + 10.0,
            row.colour,
            W + 30.0,
            y + 11.0,
            escape(&row.text)
        );
    }
    out.push_str("</g>");
}

/// A choropleth: regions coloured in five classes of their values, with the legend in a
/// column beside the map (`no_data` names the grey of regions without a value), in the
/// classes of `scale` (which may span other years, so that a colour means one value in each).
/// `None` when there is nothing to draw.
pub fn choropleth_svg(
    areas: &[Area],
    scale: &Scale,
    caption: &str,
    no_data: &str,
) -> Option<String> {
    let geoms: Vec<&Value> = areas.iter().map(|a| a.geometry).collect();
    let p = Projection::fit(&geoms)?;
    // With links the map is a group of links (an image may not hold interactive parts).
    let role = if areas.iter().any(|a| a.link.is_some()) {
        "group"
    } else {
        "img"
    };
    let mut out = format!(
        "<svg class=\"koers-map\" viewBox=\"0 0 {} {H}\" role=\"{role}\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        W + LEGEND_W,
        escape(caption)
    );
    for a in areas {
        let fill = match a.value {
            Some(v) => class_colour(&scale.bounds, v),
            None => NO_DATA,
        };
        let shown = a
            .value
            .map(crate::chart::format_number)
            .unwrap_or_else(|| no_data.to_string());
        let mut shape_svg = String::new();
        shape(
            &p,
            a.geometry,
            &format!("{}: {shown}", a.label),
            &mut shape_svg,
        );
        let shape_svg = shape_svg.replace(
            "class=\"koers-map__area\"",
            &format!(
                "class=\"koers-map__region\" fill=\"{fill}\" stroke=\"#555\" stroke-width=\"0.6\""
            ),
        );
        match &a.link {
            Some(href) => {
                let _ = write!(
                    out,
                    "<a href=\"{}\" aria-label=\"{}\">{shape_svg}</a>",
                    escape(href),
                    escape(&a.label)
                );
            }
            None => out.push_str(&shape_svg),
        }
    }
    let missing = areas.iter().any(|a| a.value.is_none()).then_some(no_data);
    legend_svg(&legend(&scale.values, &scale.bounds, missing), &mut out);
    out.push_str("</svg>");
    Some(out)
}

/// A flow between two places (longitude, latitude): from, to, its value and what it says.
pub struct Flow {
    pub from: (f64, f64),
    pub to: (f64, f64),
    pub value: f64,
    pub label: String,
}

/// The points of a flow's arc, from `from` to `to`: a quadratic curve bending to the right
/// of its direction (by a fifth of its length), so a flow and its return run side by side.
pub fn arc(from: (f64, f64), to: (f64, f64), steps: usize) -> Vec<(f64, f64)> {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let control = (
        (from.0 + to.0) / 2.0 + dy * 0.2,
        (from.1 + to.1) / 2.0 - dx * 0.2,
    );
    let steps = steps.max(1);
    (0..=steps)
        .map(|i| {
            let t = i as f64 / steps as f64;
            let u = 1.0 - t;
            (
                u * u * from.0 + 2.0 * u * t * control.0 + t * t * to.0,
                u * u * from.1 + 2.0 * u * t * control.1 + t * t * to.1,
            )
        })
        .collect()
}

/// A flow's line width in pixels: 1.5 to 12, in proportion to the largest flow.
pub fn flow_width(value: f64, max: f64) -> f64 {
    if max > 0.0 {
        1.5 + 10.5 * (value / max).clamp(0.0, 1.0)
    } else {
        1.5
    }
}

/// Flows as arcs over the regions they join (`base`, drawn plain), as wide as their value
/// and coloured in five classes, the largest on top; the legend in a column beside the map,
/// a dot where each flow arrives; classes and widths measured against `scale` (which may
/// span other years). `None` when there is nothing to draw.
pub fn flows_svg(base: &[&Value], flows: &[Flow], scale: &Scale, caption: &str) -> Option<String> {
    let p = Projection::fit(base)?;
    let mut out = format!(
        "<svg class=\"koers-map\" viewBox=\"0 0 {} {H}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        W + LEGEND_W,
        escape(caption)
    );
    for g in base {
        let mut d = String::new();
        shape(&p, g, "", &mut d);
        out.push_str(&d.replace(
            "class=\"koers-map__area\"",
            "class=\"koers-map__region\" fill=\"#f4f3ee\" stroke=\"#8d969e\" stroke-width=\"0.6\"",
        ).replace("<title></title>", ""));
    }
    let mut order: Vec<&Flow> = flows.iter().collect();
    order.sort_by(|a, b| a.value.total_cmp(&b.value));
    for f in order {
        let pts: Vec<(f64, f64)> = arc(f.from, f.to, 24)
            .into_iter()
            .map(|(x, y)| p.xy(x, y))
            .collect();
        let d: Vec<String> = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let colour = class_colour(&scale.bounds, f.value);
        let width = flow_width(f.value, scale.max);
        let (ex, ey) = pts.last().copied().unwrap_or_default();
        let _ = write!(
            out,
            "<g class=\"koers-map__flow\"><title>{}</title><polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width:.1}\" stroke-linecap=\"round\" stroke-opacity=\"0.85\"/><circle cx=\"{ex:.1}\" cy=\"{ey:.1}\" r=\"{:.1}\" fill=\"{}\"/></g>",
            escape(&f.label),
            d.join(" "),
            width / 2.0 + 1.5,
            darker(colour)
        );
    }
    legend_svg(&legend(&scale.values, &scale.bounds, None), &mut out);
    out.push_str("</svg>");
    Some(out)
}

/// A region raised by its value: the 3D view of a digital twin.
pub struct Block<'a> {
    pub geometry: &'a Value,
    pub label: String,
    pub value: f64,
}

/// Regions extruded in proportion to their values and seen from an angle: `rotate` turns
/// the map (degrees, clockwise from north), `tilt` is the angle of view above the horizon
/// (15–90 degrees; 90 looks straight down). Faces are drawn far to near, so nearer blocks
/// hide farther ones. Heights and classes are measured against `scale` (which may span other
/// years). `None` when there is nothing to draw.
pub fn extrude_svg(
    blocks: &[Block],
    scale: &Scale,
    (rotate, tilt): (f64, f64),
    caption: &str,
) -> Option<String> {
    let geoms: Vec<&Value> = blocks.iter().map(|b| b.geometry).collect();
    let p = Projection::fit(&geoms)?;
    let max = scale.max;
    let (cx, cy) = (W / 2.0, H / 2.0);
    let (sin_r, cos_r) = rotate.to_radians().sin_cos();
    let t = tilt.clamp(15.0, 90.0).to_radians();
    let (squash, rise) = (t.sin(), t.cos());
    let height = 160.0;
    // Map coordinates: turned around the centre, then the ground squashed by the tilt and
    // heights raised by what remains of it.
    let ground = |x: f64, y: f64| {
        let (dx, dy) = (x - cx, y - cy);
        let (rx, ry) = (dx * cos_r - dy * sin_r, dx * sin_r + dy * cos_r);
        (rx, ry)
    };
    let screen =
        |rx: f64, ry: f64, z: f64| (cx + rx * 0.8, cy + 40.0 + ry * 0.8 * squash - z * rise);
    let bounds = &scale.bounds;
    let mut faces: Vec<(f64, String)> = Vec::new();
    for b in blocks {
        let z = if max > 0.0 {
            height * (b.value / max).max(0.0)
        } else {
            0.0
        };
        let colour = class_colour(bounds, b.value);
        let title = format!(
            "<title>{}: {}</title>",
            escape(&b.label),
            escape(&crate::chart::format_number(b.value))
        );
        let mut rings: Vec<Vec<(f64, f64)>> = Vec::new();
        outer_rings(b.geometry, &mut |ring: &Value| {
            let mut pts = Vec::new();
            walk(ring, &mut |x, y| {
                let (px, py) = p.xy(x, y);
                pts.push(ground(px, py));
            });
            rings.push(pts);
        });
        for ring in &rings {
            let mut depth_sum = 0.0;
            for w in ring.windows(2) {
                let (a, c) = (w[0], w[1]);
                let depth = (a.1 + c.1) / 2.0;
                depth_sum += depth;
                let pts = [
                    screen(a.0, a.1, 0.0),
                    screen(c.0, c.1, 0.0),
                    screen(c.0, c.1, z),
                    screen(a.0, a.1, z),
                ];
                let d: Vec<String> = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                faces.push((
                    depth,
                    format!(
                        "<polygon points=\"{}\" fill=\"{}\" stroke=\"#333\" stroke-width=\"0.3\"/>",
                        d.join(" "),
                        darker(colour)
                    ),
                ));
            }
            let roof: Vec<String> = ring
                .iter()
                .map(|(x, y)| {
                    let (sx, sy) = screen(*x, *y, z);
                    format!("{sx:.1},{sy:.1}")
                })
                .collect();
            let centre = depth_sum / ring.len().max(1) as f64;
            faces.push((
                centre + 1e-3,
                format!(
                    "<polygon class=\"koers-map__block\" points=\"{}\" fill=\"{colour}\" stroke=\"#333\" stroke-width=\"0.5\">{title}</polygon>",
                    roof.join(" ")
                ),
            ));
        }
    }
    // Far (small y after turning) first.
    faces.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = format!(
        "<svg class=\"koers-map koers-map--3d\" viewBox=\"0 0 {} {H}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"{W}\" height=\"{H}\" fill=\"#f7f9fb\"/>",
        W + LEGEND_W,
        escape(caption)
    );
    for (_, f) in faces {
        out.push_str(&f);
    }
    legend_svg(&legend(&scale.values, &scale.bounds, None), &mut out);
    out.push_str("</svg>");
    Some(out)
}

/// A colour three quarters as bright: the shaded walls of a block.
fn darker(hex: &str) -> String {
    let c = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(128);
    let d = |v: u8| (f64::from(v) * 0.75) as u8;
    format!("#{:02x}{:02x}{:02x}", d(c(1)), d(c(3)), d(c(5)))
}

/// Calls `f` with the outer ring of every polygon of a geometry.
fn outer_rings(g: &Value, f: &mut dyn FnMut(&Value)) {
    let coords = g.get("coordinates");
    match g.get("type").and_then(Value::as_str) {
        Some("Polygon") => {
            if let Some(r) = coords.and_then(|c| c.get(0)) {
                f(r);
            }
        }
        Some("MultiPolygon") => {
            for poly in coords.and_then(Value::as_array).into_iter().flatten() {
                if let Some(r) = poly.get(0) {
                    f(r);
                }
            }
        }
        Some("GeometryCollection") => {
            for x in g
                .get("geometries")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                outer_rings(x, f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn draws_points_and_polygons_and_escapes_labels() {
        let f = vec![
            (
                json!({"type": "Point", "coordinates": [5.1, 52.1]}),
                "<b>Utrecht</b>".to_string(),
            ),
            (
                json!({"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.2, 52.0], [5.2, 52.2], [5.0, 52.0]]]}),
                "vlak".to_string(),
            ),
        ];
        let s = svg(&f, "Kaart").unwrap();
        assert!(s.contains("<circle") && s.contains("<path"));
        assert!(s.contains("&lt;b&gt;Utrecht"));
        assert!(!s.contains("<b>"));
        assert!(svg(&[], "leeg").is_none());
    }

    #[test]
    fn choropleth_classes_colour_links_and_escape() {
        assert_eq!(
            class_bounds(&[1.0, 2.0, 3.0, 4.0, 5.0]),
            vec![1.0, 2.0, 3.0, 4.0, 5.0]
        );
        assert_eq!(class_bounds(&[7.0, 7.0]), vec![7.0]);
        assert!(class_bounds(&[]).is_empty());
        let sq = |x: f64| json!({"type": "Polygon", "coordinates": [[[x, 52.0], [x + 0.1, 52.0], [x + 0.1, 52.1], [x, 52.1], [x, 52.0]]]});
        let (a, b, c) = (sq(5.0), sq(5.2), sq(5.4));
        let areas = vec![
            Area {
                geometry: &a,
                label: "<A>".into(),
                value: Some(1.0),
                link: Some("?provincie=PV26&jaar=2024".into()),
            },
            Area {
                geometry: &b,
                label: "B".into(),
                value: Some(10.0),
                link: None,
            },
            Area {
                geometry: &c,
                label: "C".into(),
                value: None,
                link: None,
            },
        ];
        let scale = Scale::of(areas.iter().filter_map(|a| a.value).collect());
        let svg = choropleth_svg(&areas, &scale, "Tonnen", "geen gegevens").unwrap();
        assert!(svg.contains(CLASSES[0]) && svg.contains(CLASSES[4]) && svg.contains("#f3f3f3"));
        assert!(svg.contains("href=\"?provincie=PV26&amp;jaar=2024\""));
        assert!(svg.contains("&lt;A&gt;") && !svg.contains("<A>"));
        // The legend stands in its own column right of the map, grey row included.
        assert!(svg.contains(&format!("viewBox=\"0 0 {} {H}\"", W + LEGEND_W)));
        let legend_part = &svg[svg.find("koers-map__legend").unwrap()..];
        assert!(legend_part.contains(&format!("x=\"{}\"", W + 10.0)));
        assert!(legend_part.contains("1 – 1") && legend_part.contains("1 – 10"));
        assert!(legend_part.contains("geen gegevens"));
        let rows = legend(&[1.0, 10.0], &class_bounds(&[1.0, 10.0]), None);
        assert_eq!(
            rows,
            vec![
                LegendRow {
                    colour: CLASSES[0],
                    text: "1 – 1".into()
                },
                LegendRow {
                    colour: CLASSES[4],
                    text: "1 – 10".into()
                }
            ]
        );
        let blocks = vec![
            Block {
                geometry: &a,
                label: "A".into(),
                value: 1.0,
            },
            Block {
                geometry: &b,
                label: "B".into(),
                value: 10.0,
            },
        ];
        let scale = Scale::of(blocks.iter().map(|b| b.value).collect());
        let flat = extrude_svg(&blocks, &scale, (0.0, 90.0), "3D").unwrap();
        let turned = extrude_svg(&blocks, &scale, (45.0, 30.0), "3D").unwrap();
        assert_ne!(flat, turned);
        assert_eq!(turned.matches("koers-map__block").count(), 2);
        assert!(extrude_svg(&[], &Scale::default(), (0.0, 45.0), "x").is_none());
    }

    #[test]
    fn flows_bend_right_widen_with_their_value_and_say_what_they_are() {
        let a = arc((0.0, 0.0), (10.0, 0.0), 4);
        assert_eq!((a[0], a[4]), ((0.0, 0.0), (10.0, 0.0)));
        // Going east, right is south.
        assert!(a[2].1 < 0.0);
        let back = arc((10.0, 0.0), (0.0, 0.0), 4);
        assert!(back[2].1 > 0.0, "the return runs beside it");
        assert_eq!(flow_width(0.0, 10.0), 1.5);
        assert_eq!(flow_width(10.0, 10.0), 12.0);
        assert_eq!(flow_width(5.0, 0.0), 1.5);
        let sq = json!({"type": "Polygon", "coordinates": [[[5.0, 52.0], [6.0, 52.0], [6.0, 53.0], [5.0, 53.0], [5.0, 52.0]]]});
        let flows = vec![
            Flow {
                from: (5.2, 52.2),
                to: (5.8, 52.8),
                value: 100.0,
                label: "A → <B>: 100".into(),
            },
            Flow {
                from: (5.8, 52.8),
                to: (5.2, 52.2),
                value: 10.0,
                label: "B → A: 10".into(),
            },
        ];
        let scale = Scale::of(flows.iter().map(|f| f.value).collect());
        let svg = flows_svg(&[&sq], &flows, &scale, "Stromen").unwrap();
        assert_eq!(svg.matches("koers-map__flow").count(), 2);
        assert!(svg.contains("stroke-width=\"12.0\"") && svg.contains("A → &lt;B&gt;: 100"));
        // The small flow is drawn first, the large one on top.
        assert!(svg.find("B → A").unwrap() < svg.find("A → &lt;B&gt;").unwrap());
        assert!(svg.contains("koers-map__legend"));
        assert!(flows_svg(&[], &flows, &scale, "x").is_none());
    }
}
