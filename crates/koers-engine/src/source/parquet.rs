//! Parquet, read in batches. Geometry columns are recognised by GeoArrow field metadata
//! (`geoarrow.wkb`) or GeoParquet's `geo` file metadata; their values are rewritten as EWKB
//! carrying the SRID, so that every koers version file has one geometry encoding.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BinaryBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::arrow_reader::{
    ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use serde_json::Value;

use super::{BATCH_ROWS, Source, SourceGeometry};
use crate::error::{EngineError, Result};
use crate::progress::{Progress, Unit};
use crate::spatial::{crs, ewkb, field_srid, geometry_field, is_geometry_field};

/// A Parquet file being read.
pub struct ParquetSource<'a> {
    schema: SchemaRef,
    reader: ParquetRecordBatchReader,
    /// (column index, srid) of geometry columns to rewrite.
    geometry: Vec<(usize, i32)>,
    progress: &'a dyn Progress,
    bytes_per_row: f64,
}

fn invalid(message: String) -> EngineError {
    EngineError::InvalidInput {
        format: "Parquet",
        message,
    }
}

/// GeoParquet `geo` metadata: column name -> SRID (None = unsupported CRS).
fn geoparquet_columns(meta: &str) -> HashMap<String, Option<i32>> {
    let mut out = HashMap::new();
    let Ok(v) = serde_json::from_str::<Value>(meta) else {
        return out;
    };
    let Some(cols) = v.get("columns").and_then(Value::as_object) else {
        return out;
    };
    for (name, c) in cols {
        if c.get("encoding").and_then(Value::as_str) != Some("WKB") {
            continue;
        }
        let srid = match c.get("crs") {
            None | Some(Value::Null) => Some(crs::WGS84),
            Some(Value::String(s)) => crs::parse_crs(s).ok(),
            Some(obj) => obj
                .get("id")
                .and_then(|id| id.get("code"))
                .and_then(|code| match code {
                    Value::Number(n) => n.as_i64().map(|n| n.to_string()),
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                })
                .and_then(|code| crs::parse_crs(&code).ok()),
        };
        out.insert(name.clone(), srid);
    }
    out
}

impl<'a> ParquetSource<'a> {
    /// Open a Parquet file.
    pub fn open(path: &Path, srid: Option<i32>, progress: &'a dyn Progress) -> Result<Self> {
        let size = std::fs::metadata(path)?.len();
        progress.set_total(size, Unit::Bytes);
        if !super::starts_with(path, b"PAR1")? {
            return Err(invalid(
                "de inhoud is geen Parquet (dat begint met PAR1); heeft het bestand een verkeerde extensie?".into(),
            ));
        }
        let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path)?)
            .map_err(|e| invalid(format!("het bestand is niet te lezen: {e}")))?;
        let rows = builder.metadata().file_metadata().num_rows();
        if rows == 0 {
            return Err(EngineError::Empty);
        }
        let geo_meta = builder
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .and_then(|kv| kv.iter().find(|k| k.key == "geo"))
            .and_then(|k| k.value.clone())
            .map(|v| geoparquet_columns(&v))
            .unwrap_or_default();
        let in_schema = Arc::clone(builder.schema());
        let mut geometry = Vec::new();
        let mut fields = Vec::with_capacity(in_schema.fields().len());
        for (i, f) in in_schema.fields().iter().enumerate() {
            let binary = matches!(
                f.data_type(),
                DataType::Binary | DataType::LargeBinary | DataType::BinaryView
            );
            let declared = if is_geometry_field(f) {
                Some(field_srid(f))
            } else {
                geo_meta.get(f.name()).copied()
            };
            match declared {
                Some(found) if binary => {
                    let s = match (srid, found) {
                        (Some(s), _) => s,
                        (None, Some(s)) => s,
                        (None, None) if is_geometry_field(f) => crs::WGS84,
                        (None, None) => {
                            return Err(EngineError::UnknownCrs(format!(
                                "the CRS of Parquet column {:?}",
                                f.name()
                            )));
                        }
                    };
                    geometry.push((i, s));
                    fields.push(geometry_field(f.name(), s, f.is_nullable()));
                }
                _ => fields.push(Field::clone(f)),
            }
        }
        let reader = builder
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        Ok(ParquetSource {
            schema: Arc::new(Schema::new(fields)),
            reader,
            geometry,
            progress,
            bytes_per_row: size as f64 / rows.max(1) as f64,
        })
    }
}

fn to_ewkb(a: &ArrayRef, srid: i32) -> Result<ArrayRef> {
    let mut b = BinaryBuilder::with_capacity(a.len(), a.len() * 32);
    for i in 0..a.len() {
        if a.is_null(i) {
            b.append_null();
            continue;
        }
        let v = match a.data_type() {
            DataType::Binary => a.as_binary::<i32>().value(i),
            DataType::LargeBinary => a.as_binary::<i64>().value(i),
            _ => a.as_binary_view().value(i),
        };
        let g = ewkb::decode(v).map_err(|e| invalid(format!("rij {}: {e}", i + 1)))?;
        let s = if g.srid != 0 { g.srid } else { srid };
        b.append_value(ewkb::encode(&g.geometry, s));
    }
    Ok(Arc::new(b.finish()))
}

impl Source for ParquetSource<'_> {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn geometry(&self) -> Option<SourceGeometry> {
        self.geometry.first().map(|(i, s)| SourceGeometry {
            column: self.schema.field(*i).name().clone(),
            srid: *s,
        })
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let Some(b) = self.reader.next() else {
            return Ok(None);
        };
        let b = b.map_err(|e| invalid(e.to_string()))?;
        self.progress
            .advance((b.num_rows() as f64 * self.bytes_per_row) as u64);
        let mut cols = b.columns().to_vec();
        for (i, s) in &self.geometry {
            cols[*i] = to_ewkb(&cols[*i], *s)?;
        }
        Ok(Some(RecordBatch::try_new(Arc::clone(&self.schema), cols)?))
    }
}
