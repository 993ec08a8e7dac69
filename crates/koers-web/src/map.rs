//! Maps drawn on the server as SVG: no tiles, no script, readable without a network. A
//! map always comes with the table it was drawn from, which is its text alternative.

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
            let mut d = String::new();
            let lines: Vec<Value> = if kind == "LineString" {
                vec![coords]
            } else {
                coords.as_array().cloned().unwrap_or_default()
            };
            for l in &lines {
                ring_path(p, l, &mut d);
            }
            let _ = write!(
                out,
                "<path class=\"koers-map__line\" d=\"{d}\">{title}</path>"
            );
        }
        "Polygon" | "MultiPolygon" => {
            let mut d = String::new();
            let polys: Vec<Value> = if kind == "Polygon" {
                vec![coords]
            } else {
                coords.as_array().cloned().unwrap_or_default()
            };
            for poly in &polys {
                for ring in poly.as_array().into_iter().flatten() {
                    ring_path(p, ring, &mut d);
                    d.push('Z');
                }
            }
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

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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
}
