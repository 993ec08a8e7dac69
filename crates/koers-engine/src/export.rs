//! Query results out: CSV, GeoJSON and Parquet, to any writer.
//!
//! Geometry columns are the `Binary` columns tagged as GeoArrow WKB or holding EWKB values.
//! CSV gets them as WKT; GeoJSON as the feature geometry in WGS84 (RFC 7946), transformed
//! from RD New where needed; Parquet keeps EWKB with GeoArrow field metadata.

use std::io::Write;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::common::ScalarValue;
use datafusion::parquet::arrow::ArrowWriter;
use serde_json::{Map, Value};

use crate::engine::QueryOutput;
use crate::error::{EngineError, Result};
use crate::spatial::{bytes_at, crs, ewkb, geometry_field, is_geometry_field};

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Comma-separated, header row, geometry as WKT, for people: text cells that a
    /// spreadsheet would run as a formula get a leading `'` (see [`koers_core::csv::defuse`]).
    Csv,
    /// The same CSV with every cell exactly as it is, for scripts and other machines.
    CsvRaw,
    /// CSV as Dutch Excel opens it: a UTF-8 byte order mark, `;` between fields and a
    /// decimal comma; text cells defused as in [`ExportFormat::Csv`].
    CsvNl,
    /// A GeoJSON FeatureCollection in WGS84.
    GeoJson,
    /// Parquet with EWKB geometry.
    Parquet,
}

/// Write `out` in `format` to `w`.
pub fn export<W: Write + Send>(out: &QueryOutput, format: ExportFormat, w: W) -> Result<()> {
    match format {
        ExportFormat::Csv => to_csv(out, w, true),
        ExportFormat::CsvRaw => to_csv(out, w, false),
        ExportFormat::CsvNl => to_csv_nl(out, w),
        ExportFormat::GeoJson => to_geojson(out, w),
        ExportFormat::Parquet => to_parquet(out, w),
    }
}

/// Indices of the geometry columns of a result.
pub fn geometry_columns(out: &QueryOutput) -> Vec<usize> {
    out.schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(i, f)| {
            if !matches!(
                f.data_type(),
                DataType::Binary | DataType::LargeBinary | DataType::BinaryView
            ) {
                return false;
            }
            if is_geometry_field(f) {
                return true;
            }
            // Sniff the first non-null value.
            out.batches
                .iter()
                .find_map(|b| {
                    let a = b.column(*i);
                    (0..a.len()).find_map(|r| bytes_at(a, r))
                })
                .is_some_and(|v| ewkb::decode(v).is_ok())
        })
        .map(|(i, _)| i)
        .collect()
}

fn io(e: impl std::fmt::Display) -> EngineError {
    EngineError::Io(std::io::Error::other(e.to_string()))
}

/// Whether a column holds text.
fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

/// CSV with a header row; geometry as WKT. For a `spreadsheet`, every text cell is
/// [`defuse`](koers_core::csv::defuse)d (numbers and other columns stay as they are).
pub fn to_csv<W: Write>(out: &QueryOutput, w: W, spreadsheet: bool) -> Result<()> {
    write_csv(out, w, spreadsheet, b',', false)
}

/// CSV for Dutch Excel: a byte order mark, `;` between fields, numbers with a decimal comma
/// (no thousands separator, so Excel reads them as numbers), text defused.
pub fn to_csv_nl<W: Write>(out: &QueryOutput, mut w: W) -> Result<()> {
    w.write_all("\u{feff}".as_bytes())?;
    write_csv(out, w, true, b';', true)
}

/// `out` as a reader reads it: each column headed by `heading(name)`, and each text value
/// replaced by `label(column, value)` where that gives one (a code list's label, a region's
/// name). The rows and their order stay as they are.
pub fn relabel(
    out: &QueryOutput,
    heading: &dyn Fn(&str) -> String,
    label: &dyn Fn(&str, &str) -> Option<String>,
) -> Result<QueryOutput> {
    let text = |f: &Field| {
        matches!(
            f.data_type(),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        ) && !is_geometry_field(f)
    };
    let fields: Vec<Field> = out
        .schema
        .fields()
        .iter()
        .map(|f| {
            let g = f.as_ref().clone().with_name(heading(f.name()));
            if text(f) {
                g.with_data_type(DataType::Utf8)
            } else {
                g
            }
        })
        .collect();
    let schema: SchemaRef = Arc::new(Schema::new_with_metadata(
        fields,
        out.schema.metadata().clone(),
    ));
    let mut batches = Vec::with_capacity(out.batches.len());
    for b in &out.batches {
        let columns: Vec<ArrayRef> = b
            .columns()
            .iter()
            .zip(out.schema.fields())
            .map(|(col, f)| {
                if !text(f) {
                    return Ok(Arc::clone(col));
                }
                let utf8 = cast(col, &DataType::Utf8)?;
                Ok(Arc::new(
                    utf8.as_string::<i32>()
                        .iter()
                        .map(|v| v.map(|v| label(f.name(), v).unwrap_or_else(|| v.to_string())))
                        .collect::<StringArray>(),
                ) as ArrayRef)
            })
            .collect::<Result<_>>()?;
        batches.push(RecordBatch::try_new(Arc::clone(&schema), columns)?);
    }
    Ok(QueryOutput {
        schema,
        batches,
        truncated: out.truncated,
        elapsed: out.elapsed,
        incremental: out.incremental,
    })
}

fn is_float(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(_, _)
    )
}

/// CSV with `delimiter` between fields; text defused for a `spreadsheet`, and numbers with
/// a fraction written with a `decimal_comma`.
fn write_csv<W: Write>(
    out: &QueryOutput,
    w: W,
    spreadsheet: bool,
    delimiter: u8,
    decimal_comma: bool,
) -> Result<()> {
    use wkt::ToWkt;
    let geoms = geometry_columns(out);
    let columns_where = |keep: bool, kind: fn(&DataType) -> bool| -> Vec<usize> {
        (0..out.schema.fields().len())
            .filter(|&i| keep && kind(out.schema.field(i).data_type()))
            .collect()
    };
    let texts = columns_where(spreadsheet, is_text);
    let floats = columns_where(decimal_comma, is_float);
    let schema = replaced_fields(out, |i, f| {
        (geoms.contains(&i) || texts.contains(&i) || floats.contains(&i))
            .then(|| Field::new(f.name(), DataType::Utf8, true))
    });
    let mut writer = datafusion::arrow::csv::WriterBuilder::new()
        .with_header(true)
        .with_delimiter(delimiter)
        .build(w);
    for b in &out.batches {
        let mut cols = b.columns().to_vec();
        for &g in &geoms {
            let a = &cols[g];
            let mut s = StringBuilder::new();
            for r in 0..a.len() {
                match bytes_at(a, r).map(ewkb::decode) {
                    Some(Ok(v)) => s.append_value(v.geometry.wkt_string()),
                    _ => s.append_null(),
                }
            }
            cols[g] = Arc::new(s.finish());
        }
        for &t in &texts {
            let a = cast(&cols[t], &DataType::Utf8)?;
            let defused: StringArray = a
                .as_string::<i32>()
                .iter()
                .map(|v| v.map(koers_core::csv::defuse))
                .collect();
            cols[t] = Arc::new(defused);
        }
        for &f in &floats {
            let a = cast(&cols[f], &DataType::Utf8)?;
            let comma: StringArray = a
                .as_string::<i32>()
                .iter()
                .map(|v| v.map(|n| n.replace('.', ",")))
                .collect();
            cols[f] = Arc::new(comma);
        }
        writer.write(&RecordBatch::try_new(Arc::clone(&schema), cols)?)?;
    }
    Ok(())
}

fn json_value(a: &ArrayRef, i: usize) -> Result<Value> {
    if a.is_null(i) {
        return Ok(Value::Null);
    }
    let v = ScalarValue::try_from_array(a, i)?;
    Ok(match v {
        ScalarValue::Boolean(Some(b)) => Value::Bool(b),
        ScalarValue::Int8(Some(n)) => n.into(),
        ScalarValue::Int16(Some(n)) => n.into(),
        ScalarValue::Int32(Some(n)) => n.into(),
        ScalarValue::Int64(Some(n)) => n.into(),
        ScalarValue::UInt8(Some(n)) => n.into(),
        ScalarValue::UInt16(Some(n)) => n.into(),
        ScalarValue::UInt32(Some(n)) => n.into(),
        ScalarValue::UInt64(Some(n)) => n.into(),
        ScalarValue::Float32(Some(f)) => serde_json::Number::from_f64(f64::from(f))
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ScalarValue::Float64(Some(f)) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => Value::String(s),
        // Dates, times and decimals as people write them (2024-03-01T08:30:00), not as the
        // numbers they are stored as.
        _ => Value::String(
            ArrayFormatter::try_new(a.as_ref(), &FormatOptions::default())?
                .value(i)
                .to_string(),
        ),
    })
}

/// A GeoJSON FeatureCollection: the first geometry column is the geometry (in WGS84), the
/// other columns are properties. Written feature by feature.
pub fn to_geojson<W: Write>(out: &QueryOutput, mut w: W) -> Result<()> {
    let layout = Layout::of(out, None);
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
    let mut first = true;
    for b in &out.batches {
        for r in 0..b.num_rows() {
            let feature = layout.feature(b, r, crs::WGS84)?;
            if !first {
                w.write_all(b",")?;
            }
            first = false;
            serde_json::to_writer(&mut w, &feature).map_err(io)?;
        }
    }
    w.write_all(b"]}")?;
    w.flush()?;
    Ok(())
}

/// The rows of `out` as GeoJSON features: the first geometry column as the geometry, in
/// `srid` (EPSG:4326 longitude/latitude or EPSG:28992), the column `id_column` (when given
/// and present) as the feature's `id`, the other columns as properties.
pub fn features(out: &QueryOutput, srid: i32, id_column: Option<&str>) -> Result<Vec<Value>> {
    let layout = Layout::of(out, id_column);
    let mut all = Vec::with_capacity(out.row_count());
    for b in &out.batches {
        for r in 0..b.num_rows() {
            all.push(layout.feature(b, r, srid)?);
        }
    }
    Ok(all)
}

/// Which columns of a result are geometry, the feature geometry and the feature id.
struct Layout {
    names: Vec<String>,
    geoms: Vec<usize>,
    geom_col: Option<usize>,
    id_col: Option<usize>,
}

impl Layout {
    fn of(out: &QueryOutput, id_column: Option<&str>) -> Layout {
        let geoms = geometry_columns(out);
        let names = out.column_names();
        Layout {
            geom_col: geoms.first().copied(),
            id_col: id_column.and_then(|c| names.iter().position(|n| n == c)),
            names,
            geoms,
        }
    }

    fn feature(&self, b: &RecordBatch, r: usize, srid: i32) -> Result<Value> {
        let mut props = Map::new();
        let mut id = None;
        for (c, name) in self.names.iter().enumerate() {
            if Some(c) == self.geom_col {
                continue;
            }
            let col = b.column(c);
            let v = if self.geoms.contains(&c) {
                match bytes_at(col, r).map(ewkb::decode) {
                    Some(Ok(g)) => {
                        use wkt::ToWkt;
                        Value::String(g.geometry.wkt_string())
                    }
                    _ => Value::Null,
                }
            } else {
                json_value(col, r)?
            };
            if Some(c) == self.id_col {
                id = Some(v);
            } else {
                props.insert(name.clone(), v);
            }
        }
        let geometry = match self.geom_col.and_then(|g| bytes_at(b.column(g), r)) {
            None => Value::Null,
            Some(bytes) => {
                let g = ewkb::decode(bytes).map_err(EngineError::Geometry)?;
                // A value without SRID is taken as WGS84, as GeoJSON input is.
                let from = if g.srid == 0 { crs::WGS84 } else { g.srid };
                let out = if from == srid {
                    g.geometry
                } else {
                    crs::transform(&g.geometry, from, srid)?
                };
                serde_json::to_value(geojson::Geometry::new((&out).into())).map_err(io)?
            }
        };
        let mut feature = Map::new();
        feature.insert("type".into(), Value::String("Feature".into()));
        if let Some(id) = id {
            feature.insert("id".into(), id);
        }
        feature.insert("properties".into(), Value::Object(props));
        feature.insert("geometry".into(), geometry);
        Ok(Value::Object(feature))
    }
}

/// The output's schema with the fields `replace` gives another for (by their place).
fn replaced_fields(
    out: &QueryOutput,
    replace: impl Fn(usize, &Field) -> Option<Field>,
) -> SchemaRef {
    let fields: Vec<Field> = (out.schema.fields().iter().enumerate())
        .map(|(i, f)| replace(i, f).unwrap_or_else(|| Field::clone(f)))
        .collect();
    Arc::new(Schema::new(fields))
}

/// Parquet, geometry columns tagged with GeoArrow metadata and the SRID of their first value.
pub fn to_parquet<W: Write + Send>(out: &QueryOutput, w: W) -> Result<()> {
    let geoms = geometry_columns(out);
    let schema = replaced_fields(out, |i, f| {
        geoms.contains(&i).then(|| {
            let srid = out
                .batches
                .iter()
                .find_map(|b| {
                    let a = b.column(i);
                    (0..a.len()).find_map(|r| bytes_at(a, r))
                })
                .and_then(|v| ewkb::srid_of(v).ok())
                .filter(|s| *s != 0)
                .unwrap_or(crs::WGS84);
            geometry_field(f.name(), srid, f.is_nullable())
        })
    });
    let mut writer = ArrowWriter::try_new(w, Arc::clone(&schema), None)?;
    for b in &out.batches {
        let mut cols = b.columns().to_vec();
        for &g in &geoms {
            if cols[g].data_type() != &DataType::Binary {
                cols[g] = datafusion::arrow::compute::cast(&cols[g], &DataType::Binary)?;
            }
        }
        writer.write(&RecordBatch::try_new(Arc::clone(&schema), cols)?)?;
    }
    writer.close()?;
    Ok(())
}
