//! CSV: delimiter sniffed from the header (`,` `;` or tab), types inferred over the whole file
//! in a first streaming pass that also checks every row (field count, UTF-8) and names the line
//! of the first problem; the second pass parses with Arrow's CSV reader in batches.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::csv::reader::{BufReader as CsvBatchReader, ReaderBuilder};
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;

use super::column::Kind;
use super::{BATCH_ROWS, Counting, Source, SourceGeometry};
use crate::error::{EngineError, Result};
use crate::progress::{Progress, Unit};

/// A CSV file being read.
pub struct CsvSource<'a> {
    schema: SchemaRef,
    reader: CsvBatchReader<std::io::BufReader<Counting<'a, std::io::BufReader<std::fs::File>>>>,
}

fn invalid(message: String) -> EngineError {
    EngineError::InvalidInput {
        format: "CSV",
        message,
    }
}

fn kind_of(s: &str) -> Kind {
    let t = s.trim();
    let b = t.as_bytes();
    if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false") {
        return Kind::Bool;
    }
    // Codes with leading zeros (postcodes, "0123") stay text.
    let leading_zero = b.len() > 1 && b[0] == b'0' && b[1].is_ascii_digit();
    if leading_zero {
        return Kind::Text;
    }
    if t.parse::<i64>().is_ok() {
        return Kind::Int;
    }
    if t.parse::<f64>().is_ok()
        && t.bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'))
        && t.bytes().any(|c| c.is_ascii_digit())
    {
        return Kind::Float;
    }
    let is_date = |d: &[u8]| {
        d.len() == 10
            && d[4] == b'-'
            && d[7] == b'-'
            && d.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    };
    if is_date(b) {
        return Kind::Date;
    }
    if b.len() >= 19
        && is_date(&b[..10])
        && (b[10] == b'T' || b[10] == b' ')
        && b[13] == b':'
        && b[16] == b':'
        && b[11..19]
            .iter()
            .enumerate()
            .all(|(i, c)| i == 2 || i == 5 || c.is_ascii_digit())
        && (b.len() == 19 || b[19] == b'.' && b[20..].iter().all(u8::is_ascii_digit))
    {
        return Kind::Timestamp;
    }
    Kind::Text
}

fn sniff_delimiter(path: &Path) -> Result<u8> {
    use std::io::BufRead;
    let mut first = Vec::new();
    std::io::BufReader::new(std::fs::File::open(path)?).read_until(b'\n', &mut first)?;
    let count = |d: u8| first.iter().filter(|c| **c == d).count();
    let (comma, semi, tab) = (count(b','), count(b';'), count(b'\t'));
    Ok(if semi > comma && semi >= tab {
        b';'
    } else if tab > comma && tab > semi {
        b'\t'
    } else {
        b','
    })
}

impl<'a> CsvSource<'a> {
    /// Check and type the file (first pass), then open it for batch reading.
    pub fn open(path: &Path, progress: &'a dyn Progress) -> Result<Self> {
        let size = std::fs::metadata(path)?.len();
        progress.set_total(size * 2, Unit::Bytes);
        let delimiter = sniff_delimiter(path)?;
        let mut rdr = ::csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .from_reader(Counting::open(path, progress)?);
        let headers = rdr
            .byte_headers()
            .map_err(|e| invalid(format!("cannot read the header line: {e}")))?
            .clone();
        if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
            return Err(EngineError::Empty);
        }
        let mut names = Vec::with_capacity(headers.len());
        for (i, h) in headers.iter().enumerate() {
            let name = std::str::from_utf8(h).map_err(|_| {
                invalid(format!(
                    "line 1 (header) is not valid UTF-8 in column {}; save the file as UTF-8",
                    i + 1
                ))
            })?;
            let name = name.trim().trim_start_matches('\u{feff}');
            let name = if name.is_empty() {
                format!("column_{}", i + 1)
            } else {
                name.to_string()
            };
            if names.contains(&name) {
                return Err(invalid(format!(
                    "line 1: column name {name:?} appears twice"
                )));
            }
            names.push(name);
        }
        let mut kinds = vec![Kind::Unknown; names.len()];
        let mut rows = 0u64;
        let mut rec = ::csv::ByteRecord::new();
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    return Err(invalid(format!("line {line}: {e}")));
                }
            }
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            if rec.len() != names.len() {
                return Err(invalid(format!(
                    "line {line} has {} fields, but the header has {}",
                    rec.len(),
                    names.len()
                )));
            }
            for (i, field) in rec.iter().enumerate() {
                let s = std::str::from_utf8(field).map_err(|_| {
                    invalid(format!(
                        "line {line}, column {:?} is not valid UTF-8; save the file as UTF-8",
                        names[i]
                    ))
                })?;
                if !s.is_empty() && kinds[i] != Kind::Text {
                    kinds[i] = kinds[i].merge(kind_of(s));
                }
            }
            rows += 1;
        }
        if rows == 0 {
            return Err(EngineError::Empty);
        }
        let fields: Vec<Field> = names
            .iter()
            .zip(&kinds)
            .map(|(n, k)| Field::new(n, k.data_type(), true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let reader = ReaderBuilder::new(Arc::clone(&schema))
            .with_header(true)
            .with_delimiter(delimiter)
            .with_batch_size(BATCH_ROWS)
            .build_buffered(std::io::BufReader::new(Counting::open(path, progress)?))
            .map_err(|e| invalid(e.to_string()))?;
        Ok(CsvSource { schema, reader })
    }
}

impl Source for CsvSource<'_> {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn geometry(&self) -> Option<SourceGeometry> {
        None
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        match self.reader.next() {
            None => Ok(None),
            Some(Ok(b)) => Ok(Some(b)),
            Some(Err(e)) => Err(invalid(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_kinds() {
        assert_eq!(kind_of("12"), Kind::Int);
        assert_eq!(kind_of("0123"), Kind::Text);
        assert_eq!(kind_of("1.5"), Kind::Float);
        assert_eq!(kind_of("2024-01-31"), Kind::Date);
        assert_eq!(kind_of("2024-01-31 10:00:00"), Kind::Timestamp);
        assert_eq!(kind_of("2024-01-31T10:00:00.123"), Kind::Timestamp);
        assert_eq!(kind_of("GM0344"), Kind::Text);
        assert_eq!(kind_of("inf"), Kind::Text);
        assert_eq!(Kind::Int.merge(Kind::Float), Kind::Float);
    }
}
