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
}

fn parse(text: &str) -> Vec<Region> {
    let doc: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    doc.get("features")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let p = f.get("properties")?;
            Some(Region {
                code: p.get("statcode")?.as_str()?.to_string(),
                name: p.get("statnaam")?.as_str()?.to_string(),
                geometry: f.get("geometry")?.clone(),
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
}
