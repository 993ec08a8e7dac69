//! The 2025 boundaries of the Dutch provinces and municipalities (CBS / Kadaster, CC BY 4.0),
//! built into the binary: maps of regions need no dataset, no tiles and no network, and a
//! public dashboard sends only these public shapes besides its own figures.

use crate::dashboards::Level;
use serde_json::Value;
use std::sync::OnceLock;

pub const PROVINCES_GEOJSON: &str = include_str!("../../../data/nl/provinces_2025.geojson");
pub const MUNICIPALITIES_GEOJSON: &str =
    include_str!("../../../data/nl/municipalities_2025.geojson");

/// One region: its CBS code (PV26, GM0344), name and WGS 84 geometry.
#[derive(Debug)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub geometry: Value,
    /// Where a flow to or from the region starts and ends (longitude, latitude): the
    /// centroid of its largest part.
    pub centre: (f64, f64),
}

/// The centroid (longitude, latitude) of the largest outer ring of a polygon or
/// multipolygon, by the shoelace formula; `None` for anything else.
pub fn centre(geometry: &Value) -> Option<(f64, f64)> {
    let coords = geometry.get("coordinates")?;
    let polygons: Vec<&Value> = match geometry.get("type")?.as_str()? {
        "Polygon" => vec![coords],
        "MultiPolygon" => coords.as_array()?.iter().collect(),
        _ => return None,
    };
    let ring_of = |p: &Value| -> Option<Vec<(f64, f64)>> {
        p.get(0)?
            .as_array()?
            .iter()
            .map(|pt| Some((pt.get(0)?.as_f64()?, pt.get(1)?.as_f64()?)))
            .collect()
    };
    let mut best: Option<(f64, f64, f64)> = None;
    for ring in polygons.into_iter().filter_map(ring_of) {
        let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
        for w in ring.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            let cross = x0 * y1 - x1 * y0;
            a += cross;
            cx += (x0 + x1) * cross;
            cy += (y0 + y1) * cross;
        }
        if a.abs() > best.map_or(0.0, |b| b.0.abs()) {
            best = Some((a, cx / (3.0 * a), cy / (3.0 * a)));
        }
    }
    best.map(|(_, x, y)| (x, y))
}

fn parse(text: &str) -> Vec<Region> {
    let doc: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    doc.get("features")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let p = f.get("properties")?;
            let geometry = f.get("geometry")?.clone();
            Some(Region {
                code: p.get("statcode")?.as_str()?.to_string(),
                name: p.get("statnaam")?.as_str()?.to_string(),
                centre: centre(&geometry)?,
                geometry,
            })
        })
        .collect()
}

/// Every region of a level, ordered by code.
pub fn regions(level: Level) -> &'static [Region] {
    static PROVINCES: OnceLock<Vec<Region>> = OnceLock::new();
    static MUNICIPALITIES: OnceLock<Vec<Region>> = OnceLock::new();
    match level {
        Level::Province => PROVINCES.get_or_init(|| parse(PROVINCES_GEOJSON)),
        Level::Municipality => MUNICIPALITIES.get_or_init(|| parse(MUNICIPALITIES_GEOJSON)),
    }
}

/// The region with this code (case and spaces ignored).
pub fn region(level: Level, code: &str) -> Option<&'static Region> {
    let code = code.trim();
    regions(level)
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_provinces_and_342_municipalities() {
        assert_eq!(regions(Level::Province).len(), 12);
        assert_eq!(regions(Level::Municipality).len(), 342);
        assert_eq!(
            region(Level::Province, " pv26 ").map(|r| r.name.as_str()),
            Some("Utrecht")
        );
        assert!(region(Level::Municipality, "GM0344").is_some());
        assert!(region(Level::Municipality, "PV26").is_none());
    }

    #[test]
    fn a_region_centre_lies_in_the_middle_of_its_largest_part() {
        // Utrecht (province) lies around 5.0–5.6 east, 51.9–52.3 north.
        let (x, y) = region(Level::Province, "PV26").map(|r| r.centre).unwrap();
        assert!(
            (5.0..5.6).contains(&x) && (51.9..52.3).contains(&y),
            "{x} {y}"
        );
        // The Wadden island of Texel is not Noord-Holland's largest part.
        let (x, y) = region(Level::Province, "PV27").map(|r| r.centre).unwrap();
        assert!(
            (4.6..5.1).contains(&x) && (52.3..52.9).contains(&y),
            "{x} {y}"
        );
        let square = serde_json::json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0], [0.0, 0.0]]]});
        assert_eq!(centre(&square), Some((1.0, 1.0)));
        assert_eq!(
            centre(&serde_json::json!({"type": "Point", "coordinates": [1.0, 2.0]})),
            None
        );
        assert!(
            regions(Level::Municipality)
                .iter()
                .all(|r| r.centre.0 > 3.0 && r.centre.1 > 50.0)
        );
    }
}
