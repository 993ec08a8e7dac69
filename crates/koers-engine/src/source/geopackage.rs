//! OGC GeoPackages (`.gpkg`): SQLite files with a feature table per layer.
//!
//! The file is opened read-only. `gpkg_contents` and `gpkg_geometry_columns` name the feature
//! tables; with more than one, the caller names the layer (else the error lists them).
//! `gpkg_spatial_ref_sys` gives the CRS: EPSG codes 28992 and 4326 (also as the compound
//! 7415, RD New + NAP height, of the 3D BAG, and 4979), or a WKT definition of RD New or WGS84;
//! anything else needs the caller's override. Columns keep their names and map
//! by declared type (INTEGER-like Int64, REAL/FLOAT/DOUBLE Float64, BOOLEAN Boolean, DATE
//! Date32, DATETIME Timestamp, BLOB Binary, the rest Utf8). Geometry blobs carry the GeoPackage
//! header (magic `GP`, version, flags for envelope, byte order and emptiness, SRS id, envelope)
//! before standard WKB; that WKB becomes the EWKB column `geom`, 2D (Z and M dropped).

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::compute::kernels::cast_utils::{Parser, string_to_timestamp_nanos};
use datafusion::arrow::datatypes::{Date32Type, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use koers_core::analysis::quote_ident;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};

use super::column::{Col, GeometryRows, Kind};
use super::{BATCH_ROWS, Source, SourceGeometry};
use crate::error::{EngineError, Result};
use crate::progress::{Progress, Unit};
use crate::spatial::{crs, ewkb, geometry_field};

/// Name of the geometry column koers writes.
pub const GEOMETRY_COLUMN: &str = "geom";

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

fn invalid(message: impl Into<String>) -> EngineError {
    EngineError::InvalidInput {
        format: "GeoPackage",
        message: message.into(),
    }
}

fn sql_error(e: rusqlite::Error) -> EngineError {
    invalid(format!("de GeoPackage is niet te lezen: {e}"))
}

/// The WKB inside a GeoPackage geometry blob (after the `GP` header and envelope).
pub fn gpkg_wkb(blob: &[u8]) -> std::result::Result<&[u8], String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("not a GeoPackage geometry (no GP header)".into());
    }
    let version = blob[2];
    if version != 0 {
        return Err(format!(
            "onbekende versie {version} van de GeoPackage-geometrie"
        ));
    }
    let flags = blob[3];
    if flags & 0x20 != 0 {
        return Err("extended GeoPackage geometry types are not supported".into());
    }
    let envelope = match (flags >> 1) & 0x07 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        other => {
            return Err(format!(
                "ongeldige envelope-aanduiding {other} in de GeoPackage-geometrie"
            ));
        }
    };
    blob.get(8 + envelope..)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| "truncated GeoPackage geometry".to_string())
}

fn kind_of(declared: &str) -> Kind {
    let t = declared.trim().to_ascii_uppercase();
    if t == "BOOLEAN" || t == "BOOL" {
        Kind::Bool
    } else if t == "DATE" {
        Kind::Date
    } else if t == "DATETIME" || t == "TIMESTAMP" {
        Kind::Timestamp
    } else if t.contains("INT") {
        Kind::Int
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        Kind::Float
    } else if t == "BLOB" {
        Kind::Blob
    } else {
        Kind::Text
    }
}

/// A feature table of a GeoPackage being read.
pub struct GeoPackageSource<'a> {
    kinds: Vec<Kind>,
    rows: GeometryRows<std::result::Result<Vec<Value>, String>>,
    total_rows: u64,
    file_size: u64,
    reported: u64,
    progress: &'a dyn Progress,
}

/// A feature table: name, geometry column, SRS id.
struct Layer {
    table: String,
    column: String,
    srs_id: i64,
}

fn layers(conn: &Connection) -> Result<Vec<Layer>> {
    let mut st = conn
        .prepare(
            "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c \
             JOIN gpkg_geometry_columns g ON lower(g.table_name) = lower(c.table_name) \
             WHERE lower(c.data_type) = 'features' ORDER BY c.table_name",
        )
        .map_err(sql_error)?;
    let rows = st
        .query_map([], |r| {
            Ok(Layer {
                table: r.get(0)?,
                column: r.get(1)?,
                srs_id: r.get(2)?,
            })
        })
        .map_err(sql_error)?;
    rows.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(sql_error)
}

/// A `gpkg_spatial_ref_sys` row: organization, its code, WKT definition, name.
type SrsRow = (Option<String>, Option<i64>, Option<String>, Option<String>);

fn layer_srid(conn: &Connection, layer: &Layer) -> Result<i32> {
    let row: Option<SrsRow> = conn
        .query_row(
            "SELECT organization, organization_coordsys_id, definition, srs_name \
             FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [layer.srs_id],
            |r| Ok(Some((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))),
        )
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(sql_error(e)),
        })?;
    let ask = |what: String| {
        invalid(format!(
            "laag {:?} staat in {what}; koers leest EPSG:28992 (RD New) en EPSG:4326 (WGS84): geef het coördinatenstelsel zelf op (--crs op de opdrachtregel) als de coördinaten in een van die twee staan",
            layer.table
        ))
    };
    let Some((org, code, definition, name)) = row else {
        return Err(ask(format!(
            "SRS {} which gpkg_spatial_ref_sys does not define",
            layer.srs_id
        )));
    };
    if org
        .as_deref()
        .is_some_and(|o| o.eq_ignore_ascii_case("EPSG"))
        && let Some(c) = code
            .and_then(|c| i32::try_from(c).ok())
            .and_then(crs::horizontal)
    {
        return Ok(c);
    }
    if let Some(s) = definition.as_deref().and_then(crs::srid_from_wkt) {
        return Ok(s);
    }
    Err(ask(match (layer.srs_id, name) {
        (-1 | 0, _) => "an undefined coordinate reference system".to_string(),
        (_, Some(n)) => format!("een coördinatenstelsel dat koers niet kent ({n:?})"),
        (id, None) => format!("een coördinatenstelsel dat koers niet kent (SRS {id})"),
    }))
}

impl<'a> GeoPackageSource<'a> {
    /// Open the GeoPackage at `path` and start reading the chosen (or only) feature table.
    pub fn open(
        path: &Path,
        srid: Option<i32>,
        layer: Option<&str>,
        progress: &'a dyn Progress,
    ) -> Result<Self> {
        if !super::starts_with(path, SQLITE_MAGIC)? {
            return Err(invalid(
                "het bestand is geen SQLite-database, dus geen GeoPackage",
            ));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql_error)?;
        let gpkg_tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND \
                 lower(name) IN ('gpkg_contents', 'gpkg_geometry_columns', 'gpkg_spatial_ref_sys')",
                [],
                |r| r.get(0),
            )
            .map_err(sql_error)?;
        if gpkg_tables < 3 {
            return Err(invalid(
                "het bestand is een SQLite-database maar geen GeoPackage: de tabellen gpkg_contents, gpkg_geometry_columns en gpkg_spatial_ref_sys ontbreken",
            ));
        }
        let all = layers(&conn)?;
        let names = || {
            all.iter()
                .map(|l| l.table.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let chosen = match layer {
            Some(want) => all
                .iter()
                .find(|l| l.table == want)
                .or_else(|| all.iter().find(|l| l.table.eq_ignore_ascii_case(want)))
                .ok_or_else(|| {
                    invalid(format!(
                        "de GeoPackage heeft geen laag {want:?}; wel: {}",
                        names()
                    ))
                })?,
            None => match all.as_slice() {
                [one] => one,
                [] => {
                    return Err(invalid(
                        "de GeoPackage bevat geen tabel met objecten (laag)",
                    ));
                }
                many => {
                    return Err(invalid(format!(
                        "de GeoPackage bevat {} lagen: {}; kies er een (laag, --layer op de opdrachtregel)",
                        many.len(),
                        names()
                    )));
                }
            },
        };
        let srid = match srid {
            Some(s) => s,
            None => layer_srid(&conn, chosen)?,
        };

        // Attribute columns in table order; the geometry column goes last as `geom`.
        let mut st = conn
            .prepare(&format!(
                "PRAGMA table_info({})",
                quote_ident(&chosen.table)
            ))
            .map_err(sql_error)?;
        let info: Vec<(String, String)> = st
            .query_map([], |r| Ok((r.get(1)?, r.get::<_, Option<String>>(2)?)))
            .map_err(sql_error)?
            .map(|r| r.map(|(n, t)| (n, t.unwrap_or_default())))
            .collect::<std::result::Result<_, _>>()
            .map_err(sql_error)?;
        drop(st);
        if !info
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(&chosen.column))
        {
            return Err(invalid(format!(
                "laag {:?} heeft geen geometriekolom {:?}",
                chosen.table, chosen.column
            )));
        }
        let mut fields = Vec::new();
        let mut kinds = Vec::new();
        let mut select = Vec::new();
        for (name, declared) in &info {
            if name.eq_ignore_ascii_case(&chosen.column) {
                continue;
            }
            let kind = kind_of(declared);
            let dt = kind.data_type();
            let out = if name == GEOMETRY_COLUMN {
                "geom_property".to_string()
            } else {
                name.clone()
            };
            fields.push(Field::new(out, dt, true));
            kinds.push(kind);
            select.push(quote_ident(name));
        }
        select.push(quote_ident(&chosen.column));
        fields.push(geometry_field(GEOMETRY_COLUMN, srid, true));
        let from = quote_ident(&chosen.table);
        let total_rows: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {from}"), [], |r| r.get(0))
            .map_err(sql_error)?;
        let file_size = std::fs::metadata(path)?.len();
        progress.set_total(file_size, Unit::Bytes);

        let sql = format!("SELECT {} FROM {from}", select.join(", "));
        let width = select.len();
        let (tx, rx) = std::sync::mpsc::sync_channel(BATCH_ROWS);
        std::thread::spawn(move || {
            let run = || -> std::result::Result<(), String> {
                let mut st = conn.prepare(&sql).map_err(|e| e.to_string())?;
                let mut rows = st.query([]).map_err(|e| e.to_string())?;
                while let Some(r) = rows.next().map_err(|e| e.to_string())? {
                    let mut v = Vec::with_capacity(width);
                    for i in 0..width {
                        v.push(r.get::<_, Value>(i).map_err(|e| e.to_string())?);
                    }
                    if tx.send(Ok(v)).is_err() {
                        return Ok(());
                    }
                }
                Ok(())
            };
            if let Err(e) = run() {
                let _ = tx.send(Err(e));
            }
        });
        Ok(GeoPackageSource {
            kinds,
            rows: GeometryRows::new(Arc::new(Schema::new(fields)), (GEOMETRY_COLUMN, srid), rx),
            total_rows: total_rows.max(1) as u64,
            file_size,
            reported: 0,
            progress,
        })
    }
}

fn append(col: &mut Col, v: Value) -> std::result::Result<(), String> {
    if matches!(v, Value::Null) {
        col.append_null();
        return Ok(());
    }
    match (col, v) {
        (Col::Int(b), Value::Integer(i)) => b.append_value(i),
        (Col::Int(b), Value::Real(x)) if x.fract() == 0.0 && x.abs() < 9.2e18 => {
            b.append_value(x as i64)
        }
        (Col::Float(b), Value::Real(x)) => b.append_value(x),
        (Col::Float(b), Value::Integer(i)) => b.append_value(i as f64),
        (Col::Bool(b), Value::Integer(i)) => b.append_value(i != 0),
        (Col::Date(b), Value::Text(s)) => b.append_value(
            Date32Type::parse(s.trim()).ok_or_else(|| format!("ongeldige datum {s:?}"))?,
        ),
        (Col::Timestamp(b), Value::Text(s)) => b.append_value(
            string_to_timestamp_nanos(s.trim()).map_err(|_| format!("ongeldig tijdstip {s:?}"))?
                / 1000,
        ),
        (Col::Blob(b), Value::Blob(x)) => b.append_value(x),
        (Col::Text(b), Value::Text(s)) => b.append_value(s),
        (Col::Text(b), Value::Integer(i)) => b.append_value(i.to_string()),
        (Col::Text(b), Value::Real(x)) => b.append_value(x.to_string()),
        (Col::Text(b), Value::Blob(x)) => b.append_value(String::from_utf8_lossy(&x)),
        (_, other) => {
            return Err(format!(
                "onverwachte waarde {other:?} voor de soort van de kolom"
            ));
        }
    }
    Ok(())
}

impl Source for GeoPackageSource<'_> {
    fn schema(&self) -> SchemaRef {
        self.rows.schema()
    }

    fn geometry(&self) -> Option<SourceGeometry> {
        Some(self.rows.geometry())
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let srid = self.rows.srid();
        let schema = self.rows.schema();
        let names: Vec<&String> = schema.fields().iter().map(|f| f.name()).collect();
        let batch = self
            .rows
            .batch(self.kinds.iter().copied(), |row, index, cols, geoms| {
                let mut row = row.map_err(|e| sql_error_text(&e))?;
                let geom = row.pop().unwrap_or(Value::Null);
                for ((v, col), name) in row.into_iter().zip(cols.iter_mut()).zip(&names) {
                    append(col, v)
                        .map_err(|m| invalid(format!("rij {index}, kolom {name:?}: {m}")))?;
                }
                match geom {
                    Value::Null => geoms.append_null(),
                    Value::Blob(b) => {
                        let g = gpkg_wkb(&b)
                            .and_then(ewkb::decode)
                            .map_err(|m| invalid(format!("rij {index}: geometrie: {m}")))?;
                        geoms.append_value(ewkb::encode(&g.geometry, srid));
                    }
                    other => {
                        return Err(invalid(format!(
                            "rij {index}: de geometrie is geen blob maar {other:?}"
                        )));
                    }
                }
                Ok(())
            })?;
        let received = self.rows.received() as u64;
        let done = (u128::from(self.file_size) * u128::from(received.min(self.total_rows))
            / u128::from(self.total_rows)) as u64;
        self.progress.advance(done.saturating_sub(self.reported));
        self.reported = done;
        Ok(batch)
    }
}

fn sql_error_text(e: &str) -> EngineError {
    invalid(format!("de GeoPackage is niet te lezen: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_with_and_without_envelope() {
        let wkb = [
            1u8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 240, 63, 0, 0, 0, 0, 0, 0, 0, 64,
        ];
        let mut plain = b"GP\x00\x01".to_vec();
        plain.extend_from_slice(&28992i32.to_le_bytes());
        plain.extend_from_slice(&wkb);
        assert_eq!(gpkg_wkb(&plain), Ok(&wkb[..]));
        let mut xy = b"GP\x00\x03".to_vec();
        xy.extend_from_slice(&28992i32.to_le_bytes());
        xy.extend_from_slice(&[0u8; 32]);
        xy.extend_from_slice(&wkb);
        assert_eq!(gpkg_wkb(&xy), Ok(&wkb[..]));
        assert!(gpkg_wkb(b"GP\x00\x03\0\0\0\0").is_err());
        assert!(gpkg_wkb(b"XX\x00\x01\0\0\0\0\x01").is_err());
        assert!(gpkg_wkb(b"GP\x00\x21\0\0\0\0\x01").is_err());
    }
}
