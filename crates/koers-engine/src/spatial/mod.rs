//! Geometry encoding (EWKB), coordinate reference systems, `ST_*` functions and the indexed
//! spatial join.
//!
//! **Encoding.** A geometry value is a `Binary` holding PostGIS EWKB: little-endian WKB with the
//! SRID in the value (see [`ewkb`]). The same bytes live in the Parquet files koers writes; the
//! column also carries GeoArrow field metadata (`ARROW:extension:name = geoarrow.wkb`,
//! `ARROW:extension:metadata = {"crs":"EPSG:…"}`) so other tools know what the column is.
//! Carrying the SRID in every value is what lets `ST_Transform(geom, 28992)` and `ST_Area` work
//! on any expression, also after joins and sub-queries where field metadata is lost.

pub mod crs;
pub mod ewkb;
pub mod functions;
pub mod join;

use std::collections::HashMap;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field};

/// Field metadata key naming the extension type.
pub const EXTENSION_NAME_KEY: &str = "ARROW:extension:name";
/// Field metadata key holding the extension metadata (JSON).
pub const EXTENSION_METADATA_KEY: &str = "ARROW:extension:metadata";
/// The GeoArrow extension name of WKB geometry columns.
pub const GEOARROW_WKB: &str = "geoarrow.wkb";

/// A geometry column field with GeoArrow metadata for the SRID.
pub fn geometry_field(name: &str, srid: i32, nullable: bool) -> Field {
    Field::new(name, DataType::Binary, nullable).with_metadata(HashMap::from([
        (EXTENSION_NAME_KEY.to_string(), GEOARROW_WKB.to_string()),
        (
            EXTENSION_METADATA_KEY.to_string(),
            format!("{{\"crs\":\"{}\"}}", crs::crs_name(srid)),
        ),
    ]))
}

/// Whether a field is tagged as a GeoArrow WKB geometry column.
pub fn is_geometry_field(f: &Field) -> bool {
    f.metadata().get(EXTENSION_NAME_KEY).map(String::as_str) == Some(GEOARROW_WKB)
}

/// The bytes of row `i` of a binary column (any of Arrow's three binary types): a geometry's
/// EWKB. None when the row is NULL or the column holds no bytes.
pub fn bytes_at(a: &ArrayRef, i: usize) -> Option<&[u8]> {
    if a.is_null(i) {
        return None;
    }
    match a.data_type() {
        DataType::Binary => Some(a.as_binary::<i32>().value(i)),
        DataType::LargeBinary => Some(a.as_binary::<i64>().value(i)),
        DataType::BinaryView => Some(a.as_binary_view().value(i)),
        _ => None,
    }
}

/// The SRID recorded in a geometry field's metadata, if any.
pub fn field_srid(f: &Field) -> Option<i32> {
    let meta = f.metadata().get(EXTENSION_METADATA_KEY)?;
    let v: serde_json::Value = serde_json::from_str(meta).ok()?;
    crs::parse_crs(v.get("crs")?.as_str()?).ok()
}

/// A GeoJSON geometry as a `geo` geometry, or why it is not one. Every position must hold at
/// least two numbers (x and y): the `geojson` crate's own conversion indexes them unchecked
/// and panics on `[5.2]` (found by the GeoJSON fuzz target).
pub fn from_geojson(value: &geojson::GeometryValue) -> Result<geo::Geometry<f64>, String> {
    fn check(ps: &[geojson::Position]) -> Result<(), String> {
        match ps.iter().find(|p| p.len() < 2) {
            Some(p) => Err(format!(
                "a position needs at least two numbers (x, y), not {:?}",
                p.as_slice()
            )),
            None => Ok(()),
        }
    }
    use geojson::GeometryValue as V;
    match value {
        V::Point { coordinates } => check(std::slice::from_ref(coordinates))?,
        V::MultiPoint { coordinates } | V::LineString { coordinates } => check(coordinates)?,
        V::MultiLineString { coordinates } | V::Polygon { coordinates } => {
            coordinates.iter().try_for_each(|c| check(c))?
        }
        V::MultiPolygon { coordinates } => {
            coordinates.iter().flatten().try_for_each(|c| check(c))?
        }
        V::GeometryCollection { geometries } => geometries
            .iter()
            .try_for_each(|g| from_geojson(&g.value).map(drop))?,
    }
    geo::Geometry::<f64>::try_from(value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geojson_positions_with_one_number_are_refused_not_a_panic() {
        for text in [
            r#"{"type":"LineString","coordinates":[[5.2,52.1],[59]]}"#,
            r#"{"type":"Polygon","coordinates":[[[5,52],[6,52],[59],[5,52]]]}"#,
            r#"{"type":"MultiPolygon","coordinates":[[[[5,52],[6,52],[6,53],[5,52]]],[[[1]]]]}"#,
            r#"{"type":"GeometryCollection","geometries":[{"type":"MultiPoint","coordinates":[[5,52],[1]]}]}"#,
        ] {
            let g: geojson::Geometry = match serde_json::from_str(text) {
                Ok(g) => g,
                // The geojson crate refuses some of these itself (a lone Point), not all.
                Err(e) => panic!("{text} should parse, to reach the check: {e}"),
            };
            let e = from_geojson(&g.value).expect_err(text);
            assert!(e.contains("at least two numbers"), "{text}: {e}");
        }
        let z: geojson::Geometry =
            serde_json::from_str(r#"{"type":"Point","coordinates":[5.2,52.1,3.0]}"#).unwrap();
        assert!(from_geojson(&z.value).is_ok());
    }
}
