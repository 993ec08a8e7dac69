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

/// The SRID recorded in a geometry field's metadata, if any.
pub fn field_srid(f: &Field) -> Option<i32> {
    let meta = f.metadata().get(EXTENSION_METADATA_KEY)?;
    let v: serde_json::Value = serde_json::from_str(meta).ok()?;
    crs::parse_crs(v.get("crs")?.as_str()?).ok()
}
