//! Excel `.xlsx`: the first sheet, its first row as the header. Column types are inferred from
//! the cells (whole numbers, numbers, booleans, dates, text). `calamine` reads a sheet whole;
//! sheets are bounded by Excel's own row limit.

use std::path::Path;
use std::sync::Arc;

use calamine::{Data, Reader, open_workbook_auto};
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;

use super::column::Kind;
use super::{BATCH_ROWS, Source, SourceGeometry};
use crate::error::{EngineError, Result};
use crate::progress::{Progress, Unit};

fn invalid(message: String) -> EngineError {
    EngineError::InvalidInput {
        format: "Excel",
        message,
    }
}

fn kind_of(d: &Data) -> Kind {
    match d {
        Data::Empty | Data::Error(_) => Kind::Unknown,
        Data::Int(_) => Kind::Int,
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Kind::Int,
        Data::Float(_) => Kind::Float,
        Data::Bool(_) => Kind::Bool,
        Data::DateTime(d) if d.is_datetime() => Kind::Timestamp,
        _ => Kind::Text,
    }
}

fn text_of(d: &Data) -> Option<String> {
    match d {
        Data::Empty | Data::Error(_) => None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::DateTime(d) => Some(d.as_f64().to_string()),
        other => Some(other.to_string()),
    }
}

/// An Excel sheet being read.
pub struct XlsxSource {
    schema: SchemaRef,
    kinds: Vec<Kind>,
    rows: std::vec::IntoIter<Vec<Data>>,
}

impl XlsxSource {
    /// Read the first sheet.
    pub fn open(path: &Path, progress: &dyn Progress) -> Result<Self> {
        let size = std::fs::metadata(path)?.len();
        progress.set_total(size, Unit::Bytes);
        // An .xlsx workbook is a zip archive; anything else is another kind of file misnamed.
        if !super::starts_with(path, b"PK\x03\x04")? {
            return Err(invalid(
                "de inhoud is geen .xlsx-werkmap; heeft het bestand een verkeerde extensie?".into(),
            ));
        }
        let mut wb = open_workbook_auto(path)
            .map_err(|e| invalid(format!("de werkmap is niet te lezen: {e}")))?;
        let range = wb
            .worksheet_range_at(0)
            .ok_or(EngineError::Empty)?
            .map_err(|e| invalid(format!("het eerste werkblad is niet te lezen: {e}")))?;
        progress.advance(size);
        let mut rows = range.rows();
        let header = rows.next().ok_or(EngineError::Empty)?;
        let mut names: Vec<String> = Vec::with_capacity(header.len());
        for (i, h) in header.iter().enumerate() {
            let n = text_of(h).map(|s| s.trim().to_string()).unwrap_or_default();
            let n = if n.is_empty() {
                format!("column_{}", i + 1)
            } else {
                n
            };
            if names.contains(&n) {
                return Err(invalid(format!(
                    "rij 1: de kolomnaam {n:?} staat er twee keer"
                )));
            }
            names.push(n);
        }
        let data: Vec<Vec<Data>> = rows
            .filter(|r| r.iter().any(|c| !matches!(c, Data::Empty)))
            .map(<[Data]>::to_vec)
            .collect();
        if data.is_empty() {
            return Err(EngineError::Empty);
        }
        let mut kinds = vec![Kind::Unknown; names.len()];
        for r in &data {
            for (k, c) in kinds.iter_mut().zip(r) {
                *k = k.merge(kind_of(c));
            }
        }
        let fields: Vec<Field> = names
            .iter()
            .zip(&kinds)
            .map(|(n, k)| Field::new(n, k.data_type(), true))
            .collect();
        Ok(XlsxSource {
            schema: Arc::new(Schema::new(fields)),
            kinds,
            rows: data.into_iter(),
        })
    }
}

/// Excel serial day number to microseconds since 1970-01-01.
fn excel_micros(serial: f64) -> i64 {
    ((serial - 25569.0) * 86_400_000_000.0).round() as i64
}

impl Source for XlsxSource {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn geometry(&self) -> Option<SourceGeometry> {
        None
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let chunk: Vec<Vec<Data>> = self.rows.by_ref().take(BATCH_ROWS).collect();
        if chunk.is_empty() {
            return Ok(None);
        }
        let empty = Data::Empty;
        let cols: Vec<ArrayRef> = self
            .kinds
            .iter()
            .enumerate()
            .map(|(i, k)| -> ArrayRef {
                let cell = |r: &Vec<Data>| -> Data { r.get(i).unwrap_or(&empty).clone() };
                match k {
                    Kind::Bool => {
                        let mut b = BooleanBuilder::new();
                        for r in &chunk {
                            b.append_option(match cell(r) {
                                Data::Bool(v) => Some(v),
                                _ => None,
                            });
                        }
                        Arc::new(b.finish())
                    }
                    Kind::Int => {
                        let mut b = Int64Builder::new();
                        for r in &chunk {
                            b.append_option(match cell(r) {
                                Data::Int(v) => Some(v),
                                Data::Float(f) => Some(f as i64),
                                _ => None,
                            });
                        }
                        Arc::new(b.finish())
                    }
                    Kind::Float => {
                        let mut b = Float64Builder::new();
                        for r in &chunk {
                            b.append_option(match cell(r) {
                                Data::Int(v) => Some(v as f64),
                                Data::Float(f) => Some(f),
                                _ => None,
                            });
                        }
                        Arc::new(b.finish())
                    }
                    Kind::Timestamp => {
                        let mut b = TimestampMicrosecondBuilder::new();
                        for r in &chunk {
                            b.append_option(match cell(r) {
                                Data::DateTime(d) => Some(excel_micros(d.as_f64())),
                                _ => None,
                            });
                        }
                        Arc::new(b.finish())
                    }
                    // Text, and what a workbook cell is never read as.
                    Kind::Unknown | Kind::Text | Kind::Date | Kind::Blob => {
                        let mut b = StringBuilder::new();
                        for r in &chunk {
                            b.append_option(text_of(&cell(r)));
                        }
                        Arc::new(b.finish())
                    }
                }
            })
            .collect();
        Ok(Some(RecordBatch::try_new(Arc::clone(&self.schema), cols)?))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn excel_epoch() {
        assert_eq!(super::excel_micros(25569.0), 0);
        assert_eq!(super::excel_micros(25570.5), 129_600_000_000);
    }
}
