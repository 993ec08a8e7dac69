//! Excel `.xlsx`, read cell by cell so that the progress follows the rows: the table of the
//! first sheet that holds one, under its header row (a title above it and notes below it are
//! passed over; see [`table_in`]). Column types are inferred from the cells (whole numbers,
//! numbers, booleans, dates, text). A sheet is held whole; sheets are bounded by Excel's own
//! row limit.

use std::path::Path;
use std::sync::Arc;

use calamine::{Data, Reader, Xlsx, open_workbook};
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
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
        // A date without a time of day is a date; one column of both, timestamps.
        Data::DateTime(d) if d.is_datetime() && d.as_f64().fract() == 0.0 => Kind::Date,
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
    /// Read the table of the first sheet that holds one.
    pub fn open(path: &Path, progress: &dyn Progress) -> Result<Self> {
        // An .xlsx workbook is a zip archive; anything else is another kind of file misnamed.
        if !super::starts_with(path, b"PK\x03\x04")? {
            return Err(invalid(
                "de inhoud is geen .xlsx-werkmap; heeft het bestand een verkeerde extensie?".into(),
            ));
        }
        let mut wb: Xlsx<_> = open_workbook(path)
            .map_err(|e| invalid(format!("de werkmap is niet te lezen: {e}")))?;
        // The first sheet that holds a table: a sheet of notes before it is passed over.
        let mut found = None;
        for sheet in wb.sheet_names() {
            let (first_row, cells) = sheet_rows(&mut wb, &sheet, progress)?;
            let rows: Vec<&[Data]> = cells.iter().map(Vec::as_slice).collect();
            if let Some(t) = table_in(&rows) {
                // The header's row number as Excel shows it.
                let header_row = first_row + t.header + 1;
                let data: Vec<Vec<Data>> = rows[t.data]
                    .iter()
                    .filter(|r| filled(r) > 0)
                    .map(|r| r.to_vec())
                    .collect();
                found = Some((sheet, header_row, rows[t.header].to_vec(), data));
                break;
            }
        }
        let Some((sheet, header_row, header, data)) = found else {
            return Err(EngineError::Empty);
        };
        tracing::info!(sheet, header_row, "Excel table found");
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
                    "werkblad {sheet:?}, rij {header_row}: de kolomnaam {n:?} staat er twee keer"
                )));
            }
            names.push(n);
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

/// The cells of sheet `name` as rows of one width, from its first used row (returned, from
/// 0) and column: read as a stream, so that `progress` moves with the rows of a large sheet.
fn sheet_rows<R: std::io::Read + std::io::Seek>(
    wb: &mut Xlsx<R>,
    name: &str,
    progress: &dyn Progress,
) -> Result<(usize, Vec<Vec<Data>>)> {
    let unreadable =
        |e: calamine::XlsxError| invalid(format!("werkblad {name:?} is niet te lezen: {e}"));
    let mut reader = wb.worksheet_cells_reader(name).map_err(unreadable)?;
    let dim = reader.dimensions();
    // The sheet's own dimension, where it gives one; else the count runs without a total.
    let total = match dim.end.0.checked_sub(dim.start.0) {
        Some(span) if dim.end != (0, 0) => u64::from(span) + 1,
        _ => 0,
    };
    progress.set_total(total, Unit::Rows);
    let mut cells = Vec::new();
    // The first row not yet counted; cells come row by row.
    let mut counted = if total > 0 { dim.start.0 } else { 0 };
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        if r >= counted {
            progress.advance(u64::from(r - counted) + 1);
            counted = r + 1;
        }
        cells.push((r, c, Data::from(cell.get_value().clone())));
    }
    let (Some(r0), Some(c0)) = (
        cells.iter().map(|&(r, _, _)| r).min(),
        cells.iter().map(|&(_, c, _)| c).min(),
    ) else {
        return Ok((0, Vec::new()));
    };
    let r1 = cells.iter().map(|&(r, _, _)| r).max().unwrap_or(r0);
    let c1 = cells.iter().map(|&(_, c, _)| c).max().unwrap_or(c0);
    let width = (c1 - c0 + 1) as usize;
    let height = (r1 - r0 + 1) as usize;
    // A few cells far apart would make a grid too large to hold (a crafted workbook): a table
    // fills a fair part of its rectangle.
    if width.saturating_mul(height) > (cells.len().saturating_mul(64)).max(1 << 20) {
        return Err(invalid(format!(
            "werkblad {name:?}: de {} gevulde cellen liggen te ver uit elkaar (rij {} tot {}, kolom {} tot {}) om als tabel te lezen",
            cells.len(),
            r0 + 1,
            r1 + 1,
            c0 + 1,
            c1 + 1
        )));
    }
    let mut rows = vec![vec![Data::Empty; width]; height];
    for (r, c, v) in cells {
        rows[(r - r0) as usize][(c - c0) as usize] = v;
    }
    Ok((r0 as usize, rows))
}

/// How many cells of a row hold something.
fn filled(row: &[Data]) -> usize {
    row.iter().filter(|c| !matches!(c, Data::Empty)).count()
}

/// Where the table of a sheet is: its header row, and the rows that may hold its data.
#[derive(Debug, PartialEq)]
struct Table {
    header: usize,
    data: std::ops::Range<usize>,
}

/// The table in a sheet's rows, as people lay one out: a title or a note above it is passed
/// over (the header is the first row filled more than half as wide as the widest row), and
/// so are notes below it ("Bron: CBS", after a blank row, one cell each). `None` when the
/// sheet holds no row of data under a header.
fn table_in(rows: &[&[Data]]) -> Option<Table> {
    let width = rows.iter().take(100).map(|r| filled(r)).max()?;
    let header = rows
        .iter()
        .position(|r| filled(r) * 2 > width && (filled(r) >= 2 || width == 1))?;
    let mut end = rows.len();
    if width > 1 {
        // The last row of data is the last one with two cells or more; one-cell rows after
        // a blank row behind it are notes.
        let last = rows.iter().rposition(|r| filled(r) >= 2)?;
        if let Some(blank) = rows[last + 1..].iter().position(|r| filled(r) == 0) {
            end = last + 1 + blank;
        }
    }
    let data = header + 1..end;
    rows[data.clone()]
        .iter()
        .any(|r| filled(r) > 0)
        .then_some(Table { header, data })
}

/// An Excel date and time as the workbook means it: in its own date system (from 1900, or
/// from 1904 as old Mac workbooks count), to the millisecond.
fn date_time(d: &calamine::ExcelDateTime) -> Option<chrono::NaiveDateTime> {
    let (y, mo, day, h, mi, s, ms) = d.to_ymd_hms_milli();
    chrono::NaiveDate::from_ymd_opt(y.into(), mo.into(), day.into())?.and_hms_milli_opt(
        h.into(),
        mi.into(),
        s.into(),
        ms.into(),
    )
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
                                Data::DateTime(d) => {
                                    date_time(&d).map(|t| t.and_utc().timestamp_micros())
                                }
                                _ => None,
                            });
                        }
                        Arc::new(b.finish())
                    }
                    Kind::Date => {
                        let mut b = Date32Builder::new();
                        for r in &chunk {
                            b.append_option(match cell(r) {
                                Data::DateTime(d) => date_time(&d).map(|t| {
                                    (t.date() - chrono::NaiveDate::default()).num_days() as i32
                                }),
                                _ => None,
                            });
                        }
                        Arc::new(b.finish())
                    }
                    // Text, and what a workbook cell is never read as.
                    Kind::Unknown | Kind::Text | Kind::Blob => {
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
    use super::*;

    #[test]
    fn a_date_without_a_time_of_day_is_a_date() {
        use calamine::{ExcelDateTime, ExcelDateTimeType};
        use datafusion::arrow::array::{Array, Date32Array};
        let at = |serial| {
            Data::DateTime(ExcelDateTime::new(
                serial,
                ExcelDateTimeType::DateTime,
                false,
            ))
        };
        // 2024-01-01 is day 45292; a column of dates and a time of day is of timestamps.
        assert_eq!(kind_of(&at(45292.0)), Kind::Date);
        assert_eq!(kind_of(&at(45292.5)), Kind::Timestamp);
        assert_eq!(Kind::Date.merge(kind_of(&at(45292.5))), Kind::Timestamp);
        let mut src = XlsxSource {
            schema: Arc::new(Schema::new(vec![Field::new(
                "peildatum",
                Kind::Date.data_type(),
                true,
            )])),
            kinds: vec![Kind::Date],
            rows: vec![vec![at(45292.0)], vec![Data::Empty]].into_iter(),
        };
        let batch = src.next_batch().unwrap().unwrap();
        let days = batch
            .column(0)
            .as_any()
            .downcast_ref::<Date32Array>()
            .unwrap();
        assert_eq!(
            days.value_as_date(0),
            chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
        );
        assert!(days.is_null(1));
    }

    #[test]
    fn dates_are_read_in_the_workbook_s_own_date_system() {
        use calamine::{ExcelDateTime, ExcelDateTimeType::DateTime};
        let at = |serial, is_1904| date_time(&ExcelDateTime::new(serial, DateTime, is_1904));
        let noon =
            chrono::NaiveDate::from_ymd_opt(2024, 1, 1).and_then(|d| d.and_hms_opt(12, 0, 0));
        assert_eq!(at(45292.5, false), noon);
        // An old Mac workbook counts from 1904: 1,462 days fewer for the same day.
        assert_eq!(at(45292.5 - 1462.0, true), noon);
        assert_eq!(
            at(25569.0, false).map(|t| t.and_utc().timestamp_micros()),
            Some(0)
        );
    }

    /// Rows of cells: "" is empty, anything else text.
    fn sheet(rows: &[&[&str]]) -> Vec<Vec<Data>> {
        rows.iter()
            .map(|r| {
                r.iter()
                    .map(|c| match *c {
                        "" => Data::Empty,
                        t => Data::String(t.to_string()),
                    })
                    .collect()
            })
            .collect()
    }

    fn table(rows: &[&[&str]]) -> Option<Table> {
        let cells = sheet(rows);
        let refs: Vec<&[Data]> = cells.iter().map(Vec::as_slice).collect();
        table_in(&refs)
    }

    #[test]
    fn the_header_is_the_first_row_filled_as_wide_as_the_table() {
        // Plain: the first row.
        assert_eq!(
            table(&[&["a", "b"], &["1", "2"]]),
            Some(Table {
                header: 0,
                data: 1..2
            })
        );
        // Under a title and a blank row; a cross table's empty corner does not matter.
        assert_eq!(
            table(&[
                &["Titel", "", ""],
                &[],
                &["", "2023", "2024"],
                &["Utrecht", "1", "2"]
            ]),
            Some(Table {
                header: 2,
                data: 3..4
            })
        );
        // One column: its first cell.
        assert_eq!(
            table(&[&["naam"], &["Utrecht"]]),
            Some(Table {
                header: 0,
                data: 1..2
            })
        );
    }

    #[test]
    fn notes_below_a_blank_row_are_no_data_but_a_blank_row_inside_is() {
        assert_eq!(
            table(&[
                &["a", "b"],
                &["1", "2"],
                &[],
                &["3", "4"],
                &[],
                &["Bron: CBS"],
                &["* voorlopig"]
            ]),
            Some(Table {
                header: 0,
                data: 1..4
            })
        );
        // A row of data with one cell, right under the data, stays.
        assert_eq!(
            table(&[&["a", "b"], &["1", "2"], &["3", ""]]),
            Some(Table {
                header: 0,
                data: 1..3
            })
        );
    }

    #[test]
    fn a_sheet_without_data_under_a_header_holds_no_table() {
        assert_eq!(table(&[]), None);
        assert_eq!(table(&[&["Toelichting bij de cijfers"]]), None);
        assert_eq!(table(&[&["a", "b"]]), None);
        assert_eq!(table(&[&["a", "b"], &[], &["Bron: CBS"]]), None);
    }
}
