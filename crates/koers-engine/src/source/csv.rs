//! CSV: delimiter sniffed from the header (`,` `;` or tab), types inferred over the whole file
//! in a first streaming pass that also checks every row (field count, UTF-8) and names the line
//! of the first problem; the second pass parses with Arrow's CSV reader in batches. A file that
//! Dutch Excel wrote (`;` between fields) may write numbers with a decimal comma and thousands
//! dots (`1.234,5`): in such a file, a column whose every value reads so, and that has at least
//! one such mark, is a number column read the Dutch way (`160.000` is then 160000).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::csv::reader::{BufReader as CsvBatchReader, ReaderBuilder};
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;

use super::column::Kind;
use super::{BATCH_ROWS, Counting, Source, SourceGeometry};
use crate::error::{EngineError, Result};
use crate::progress::{Progress, Unit};

/// A CSV file read from its header line on.
type FromHeader<'a> = FromLine<std::io::BufReader<Counting<'a, std::io::BufReader<std::fs::File>>>>;

/// A CSV file being read.
pub struct CsvSource<'a> {
    schema: SchemaRef,
    reader: CsvBatchReader<std::io::BufReader<FromHeader<'a>>>,
    /// The columns read as text and turned into their type per batch (Dutch numbers, and
    /// the types a person chose over what was detected), with how.
    convert: Vec<(usize, Convert)>,
    names: Vec<String>,
    /// Rows read so far, to name the line of a value that does not convert.
    rows_read: usize,
    /// Where rows are not one line each (see [`Scan`]).
    shifts: Vec<(usize, u64)>,
    /// The UTF-8 copy read from, for a file in another character set; removed when dropped.
    _copy: Option<tempfile::TempPath>,
}

/// A type a person chose for a CSV column over the one koers detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Text,
    Integer,
    Number,
    /// A calendar date, `2024-12-31` or as Dutch people write it, `31-12-2024`.
    Date,
}

impl ColumnType {
    pub const ALL: [ColumnType; 4] = [
        ColumnType::Text,
        ColumnType::Integer,
        ColumnType::Number,
        ColumnType::Date,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Integer => "integer",
            ColumnType::Number => "number",
            ColumnType::Date => "date",
        }
    }

    pub fn parse(s: &str) -> Option<ColumnType> {
        ColumnType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// How a column read as text becomes its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Convert {
    /// `1.234,5`, or in a file that is not Dutch, `1234.5`.
    Number {
        dutch: bool,
    },
    Integer {
        dutch: bool,
    },
    Date,
}

/// A CSV column as koers reads it without being told: its name, the type it detected
/// (`text` for what is not one of the others, booleans and moments included) and its first
/// values.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DetectedColumn {
    pub name: String,
    pub detected: ColumnType,
    pub samples: Vec<String>,
}

/// What the first pass over a CSV file found.
struct Scan {
    delimiter: u8,
    /// The line of the header (from 0): title lines above it are left out.
    header_line: u64,
    /// The line (from 0) where notes below the table begin, if any: left out too.
    end_line: Option<u64>,
    names: Vec<String>,
    kinds: Vec<Kind>,
    /// The columns written the Dutch way.
    dutch: Vec<usize>,
    /// The text columns whose every value is a date written day first (`31-12-2024`).
    dates: Vec<usize>,
    samples: Vec<Vec<String>>,
    /// Where records stop being one line each from line 2 on (a blank line, a quoted value
    /// over several lines): from which record (from 0) how many lines further they stand.
    shifts: Vec<(usize, u64)>,
}

/// The line of record `row` (from 0) of a file read with `shifts` (see [`Scan`]).
fn line_of_row(shifts: &[(usize, u64)], row: usize) -> u64 {
    let shift = match shifts.partition_point(|&(from, _)| from <= row) {
        0 => 0,
        n => shifts[n - 1].1,
    };
    row as u64 + 2 + shift
}

/// The columns of a CSV file with the types koers detects, to show before importing.
pub fn detect(path: &Path) -> Result<Vec<DetectedColumn>> {
    let (scan, _copy) = Scan::read_any(path, &crate::progress::NoProgress)?;
    Ok((0..scan.names.len())
        .map(|i| DetectedColumn {
            name: scan.names[i].clone(),
            detected: if scan.dutch.contains(&i) {
                ColumnType::Number
            } else if scan.dates.contains(&i) {
                ColumnType::Date
            } else {
                match scan.kinds[i] {
                    Kind::Int => ColumnType::Integer,
                    Kind::Float => ColumnType::Number,
                    Kind::Date => ColumnType::Date,
                    _ => ColumnType::Text,
                }
            },
            samples: scan.samples[i].clone(),
        })
        .collect())
}

/// A date as `2024-12-31`, `31-12-2024` or `31/12/2024`, as days since 1970-01-01.
fn date_days(s: &str) -> Option<i32> {
    let t = s.trim();
    let d = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(t, "%d-%m-%Y"))
        .or_else(|_| chrono::NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .ok()?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from((d - epoch).num_days()).ok()
}

/// A number as Dutch spreadsheets write it: an optional sign, digits in groups of three
/// separated by dots (or no dots at all), and an optional decimal comma. `None` for
/// anything else.
fn dutch_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (whole, fraction) = match digits.split_once(',') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let groups: Vec<&str> = whole.split('.').collect();
    let grouped = groups.len() > 1;
    let whole_ok = !groups[0].is_empty()
        && groups[0].len() <= if grouped { 3 } else { usize::MAX }
        && groups.iter().all(|g| g.bytes().all(|c| c.is_ascii_digit()))
        && groups[1..].iter().all(|g| g.len() == 3);
    let fraction_ok =
        fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()));
    if !whole_ok || !fraction_ok {
        return None;
    }
    let plain = format!(
        "{}{}{}",
        if t.starts_with('-') { "-" } else { "" },
        groups.concat(),
        fraction.map(|f| format!(".{f}")).unwrap_or_default()
    );
    plain.parse().ok()
}

/// Whether a value that reads as a Dutch number shows it is one: a decimal comma, or a dot
/// before a group of three digits (in a file Dutch Excel wrote, that dot groups thousands).
fn dutch_mark(s: &str) -> bool {
    s.contains([',', '.'])
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

/// How a CSV file is laid out: its delimiter, and the line its header is on (from 0).
struct Layout {
    delimiter: u8,
    header_line: u64,
}

/// The delimiter and the header line, from the first lines. For each delimiter the header is
/// the first line with two or more non-empty fields, after title lines with at most one (a
/// title above the table, `Titel;;;` as Excel writes it); the delimiter is the one whose
/// header the most lines below it match in their number of fields, then the one that splits
/// it into the most (on a tie a comma, then a semicolon, then a tab).
fn sniff_layout(path: &Path) -> Result<Layout> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut lines = Vec::new();
    for _ in 0..50 {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        lines.push(line);
    }
    let mut best: Option<((usize, usize), u8, u64)> = None;
    for d in [b',', b';', b'\t'] {
        let Some(at) = lines.iter().position(|l| fields(l, d).1 >= 2) else {
            continue;
        };
        let (width, filled) = fields(&lines[at], d);
        let matching = lines[at + 1..]
            .iter()
            .filter(|l| fields(l, d).0 == width)
            .count();
        if best.is_none_or(|(score, _, _)| (matching, filled) > score) {
            best = Some(((matching, filled), d, at as u64));
        }
    }
    Ok(match best {
        Some((_, delimiter, header_line)) => Layout {
            delimiter,
            header_line,
        },
        // One column: no delimiter in any line.
        None => Layout {
            delimiter: b',',
            header_line: 0,
        },
    })
}

/// How many fields a line split by `d` (outside quotes) has, and how many of them hold
/// something.
fn fields(line: &[u8], d: u8) -> (usize, usize) {
    let mut quoted = false;
    let (mut all, mut filled, mut current) = (1, 0, false);
    for &b in line {
        match b {
            b'"' => {
                quoted = !quoted;
                current = true;
            }
            b if b == d && !quoted => {
                all += 1;
                filled += usize::from(current);
                current = false;
            }
            b'\r' | b'\n' | b' ' => {}
            _ => current = true,
        }
    }
    (all, filled + usize::from(current))
}

/// A reader of a file from line `skip` (from 0) on: the title lines above a table left out.
struct FromLine<R> {
    inner: R,
    /// Lines still to leave out.
    skip: u64,
    /// Lines still to pass on, when the table ends before the file (notes below it).
    left: Option<u64>,
}

impl<R: std::io::BufRead> Read for FromLine<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.skip > 0 {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                return Ok(0);
            }
            match buf.iter().position(|&b| b == b'\n') {
                Some(at) => {
                    self.inner.consume(at + 1);
                    self.skip -= 1;
                }
                None => {
                    let n = buf.len();
                    self.inner.consume(n);
                }
            }
        }
        let Some(left) = self.left else {
            return self.inner.read(out);
        };
        if left == 0 {
            return Ok(0);
        }
        // Up to the end of the last line passed on.
        let buf = self.inner.fill_buf()?;
        let mut n = buf.len().min(out.len());
        let mut lines = 0;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' {
                lines += 1;
                if lines == left {
                    n = i + 1;
                    break;
                }
            }
        }
        out[..n].copy_from_slice(&buf[..n]);
        self.inner.consume(n);
        self.left = Some(left - lines);
        Ok(n)
    }
}

/// The file at `path` from its header line on (from 0), up to line `end` when the table ends
/// before the file, counted for `progress`.
fn from_header<'a>(
    path: &Path,
    header_line: u64,
    end: Option<u64>,
    progress: &'a dyn Progress,
) -> Result<FromHeader<'a>> {
    Ok(FromLine {
        inner: std::io::BufReader::new(Counting::open(path, progress)?),
        skip: header_line,
        left: end.map(|e| e.saturating_sub(header_line)),
    })
}

/// A reader that keeps the line ends it passes, so that a record's line is told from its
/// first byte: the csv crate's own line count is one short after CRLF line ends, the way
/// Excel writes CSV (rust-csv #395), and after a blank line (#208).
struct LineBreaks<R> {
    inner: R,
    /// Bytes read so far.
    read: u64,
    /// Where the `\r` and `\n` bytes read and not yet passed by a record are, and which.
    ahead: std::collections::VecDeque<(u64, u8)>,
    /// Line breaks (`\n`) passed.
    passed: u64,
}

impl<R> LineBreaks<R> {
    /// Counting from line `first` (from 0) of the file: what `inner` reads starts there.
    fn new(inner: R, first: u64) -> Self {
        LineBreaks {
            inner,
            read: 0,
            ahead: Default::default(),
            passed: first,
        }
    }

    /// The line (from 1) of a record the parser started at byte `offset`; records come in
    /// order. The line ends right at `offset` are behind the record: the rest of a CRLF the
    /// parser left, and blank lines it skipped.
    fn line_of(&mut self, offset: u64) -> u64 {
        let mut at = offset;
        while let Some(&(o, b)) = self.ahead.front() {
            if o > at {
                break;
            }
            if o == at {
                at += 1;
            }
            self.passed += u64::from(b == b'\n');
            self.ahead.pop_front();
        }
        self.passed + 1
    }
}

impl<R: Read> Read for LineBreaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let start = self.read;
        self.ahead.extend(
            buf[..n]
                .iter()
                .enumerate()
                .filter(|(_, b)| matches!(b, b'\r' | b'\n'))
                .map(|(i, b)| (start + i as u64, *b)),
        );
        self.read += n as u64;
        Ok(n)
    }
}

/// Why the first pass stopped: the file is not UTF-8 (it may be in another character set), or
/// it is refused.
enum Stop {
    NotUtf8(EngineError),
    Refused(EngineError),
}

impl From<EngineError> for Stop {
    fn from(e: EngineError) -> Stop {
        Stop::Refused(e)
    }
}

impl From<Stop> for EngineError {
    fn from(s: Stop) -> EngineError {
        match s {
            Stop::NotUtf8(e) | Stop::Refused(e) => e,
        }
    }
}

/// The character set of a text file that is not UTF-8: the one its byte order mark names
/// (UTF-16 for Excel's "Unicode-tekst"; UTF-8 for a file that claims it and is broken), else
/// Windows-1252, in which Excel on Dutch Windows saves "CSV".
fn other_charset(path: &Path) -> Result<&'static encoding_rs::Encoding> {
    let mut head = [0u8; 3];
    let n = std::fs::File::open(path)?.read(&mut head)?;
    Ok(encoding_rs::Encoding::for_bom(&head[..n]).map_or(encoding_rs::WINDOWS_1252, |(e, _)| e))
}

/// A UTF-8 copy of the text file at `path`, read in `charset`, beside it (or in the system's
/// temporary folder when its folder is not writable). A NUL byte outside UTF-16 means the
/// file is no text at all: then `None`.
fn utf8_copy(
    path: &Path,
    charset: &'static encoding_rs::Encoding,
    progress: &dyn Progress,
) -> Result<Option<tempfile::TempPath>> {
    use std::io::Write;
    let builder = || {
        let mut b = tempfile::Builder::new();
        b.prefix(".koers-utf8-").suffix(".csv");
        b
    };
    let mut file = match path.parent().map(|dir| builder().tempfile_in(dir)) {
        Some(Ok(f)) => f,
        _ => builder().tempfile()?,
    };
    let utf16 = charset == encoding_rs::UTF_16LE || charset == encoding_rs::UTF_16BE;
    let mut input = Counting::open(path, progress)?;
    let mut out = std::io::BufWriter::new(file.as_file_mut());
    let mut decoder = charset.new_decoder_with_bom_removal();
    let mut buf = vec![0u8; 1 << 16];
    let mut text = String::new();
    loop {
        let n = input.read(&mut buf)?;
        if !utf16 && buf[..n].contains(&0) {
            return Ok(None);
        }
        text.clear();
        text.reserve(decoder.max_utf8_buffer_length(n).unwrap_or(n * 3));
        let _ = decoder.decode_to_string(&buf[..n], &mut text, n == 0);
        out.write_all(text.as_bytes())?;
        if n == 0 {
            break;
        }
    }
    out.flush()?;
    drop(out);
    Ok(Some(file.into_temp_path()))
}

impl Scan {
    /// The first pass over a CSV file in UTF-8, or in another character set Excel writes
    /// (see [`other_charset`]): then over a UTF-8 copy, which is returned to read from.
    fn read_any(
        path: &Path,
        progress: &dyn Progress,
    ) -> Result<(Scan, Option<tempfile::TempPath>)> {
        let not_utf8 = match Scan::read(path, progress) {
            Ok(scan) => return Ok((scan, None)),
            Err(Stop::Refused(e)) => return Err(e),
            Err(Stop::NotUtf8(e)) => e,
        };
        let charset = other_charset(path)?;
        if charset == encoding_rs::UTF_8 {
            // It says it is UTF-8 and is not: nothing to read it as instead.
            return Err(not_utf8);
        }
        let size = std::fs::metadata(path)?.len();
        // Converting, then the two passes over the copy.
        progress.set_total(size * 3, Unit::Bytes);
        let Some(copy) = utf8_copy(path, charset, progress)? else {
            return Err(not_utf8);
        };
        tracing::info!(
            charset = charset.name(),
            "CSV read in another character set than UTF-8"
        );
        Ok((Scan::read(&copy, progress)?, Some(copy)))
    }

    /// The first pass: the delimiter, the header, every row checked (field count, UTF-8)
    /// and each column's kind.
    fn read(path: &Path, progress: &dyn Progress) -> std::result::Result<Scan, Stop> {
        let Layout {
            delimiter,
            header_line,
        } = sniff_layout(path)?;
        let mut rdr = ::csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .from_reader(LineBreaks::new(
                from_header(path, header_line, None, progress)?,
                header_line,
            ));
        let headers = rdr
            .byte_headers()
            .map_err(|e| invalid(format!("de kopregel is niet te lezen: {e}")))?
            .clone();
        if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
            return Err(EngineError::Empty.into());
        }
        let mut names = Vec::with_capacity(headers.len());
        for (i, h) in headers.iter().enumerate() {
            let name = std::str::from_utf8(h).map_err(|_| {
                Stop::NotUtf8(invalid(format!(
                    "regel {} (de kopregel) is geen geldige UTF-8 in kolom {}; sla het bestand op als UTF-8",
                    header_line + 1,
                    i + 1
                )))
            })?;
            let name = name.trim().trim_start_matches('\u{feff}');
            let name = if name.is_empty() {
                format!("column_{}", i + 1)
            } else {
                name.to_string()
            };
            if names.contains(&name) {
                return Err(invalid(format!(
                    "regel {}: de kolomnaam {name:?} staat er twee keer",
                    header_line + 1
                ))
                .into());
            }
            names.push(name);
        }
        let mut kinds = vec![Kind::Unknown; names.len()];
        let mut samples = vec![Vec::new(); names.len()];
        // Per column: every value so far reads as a Dutch number, and one shows it.
        let mut dutch_ok = vec![delimiter != b','; names.len()];
        let mut dutch_seen = vec![false; names.len()];
        let mut dates_ok = vec![true; names.len()];
        let mut rows = 0u64;
        let mut shifts: Vec<(usize, u64)> = Vec::new();
        // A row of the table: checked, and its values weighed for each column's kind.
        let mut take = |rec: &::csv::ByteRecord, line: u64| -> std::result::Result<(), Stop> {
            let shift = line.saturating_sub(rows + 2);
            if shift != shifts.last().map_or(0, |&(_, s)| s) {
                shifts.push((rows as usize, shift));
            }
            if rec.len() != names.len() {
                return Err(invalid(format!(
                    "regel {line} heeft {} velden, de kopregel heeft er {}",
                    rec.len(),
                    names.len()
                ))
                .into());
            }
            for (i, field) in rec.iter().enumerate() {
                let s = std::str::from_utf8(field).map_err(|_| {
                    Stop::NotUtf8(invalid(format!(
                        "regel {line}, kolom {:?} is geen geldige UTF-8; sla het bestand op als UTF-8",
                        names[i]
                    )))
                })?;
                if !s.is_empty() && kinds[i] != Kind::Text {
                    kinds[i] = kinds[i].merge(kind_of(s));
                }
                if !s.trim().is_empty() && dutch_ok[i] {
                    dutch_ok[i] = dutch_number(s).is_some();
                    dutch_seen[i] |= dutch_mark(s);
                }
                if !s.trim().is_empty() && dates_ok[i] {
                    dates_ok[i] = date_days(s).is_some();
                }
                if samples[i].len() < 3 && !s.trim().is_empty() {
                    samples[i].push(s.to_string());
                }
            }
            rows += 1;
            Ok(())
        };
        // Rows without a value (`;;` as Excel saves an empty row), and rows of at most one
        // filled field after a blank line or such a row: notes below the table ("Bron: CBS"),
        // held until a row of the table follows them (then they were rows after all).
        let mut held: Vec<(::csv::ByteRecord, u64)> = Vec::new();
        // The line the previous row ended on.
        let mut last_line = header_line + 1;
        let mut rec = ::csv::ByteRecord::new();
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = match e.position() {
                        Some(p) => rdr.get_mut().line_of(p.byte()),
                        None => 0,
                    };
                    return Err(invalid(format!("regel {line}: {e}")).into());
                }
            }
            let line = match rec.position() {
                Some(p) => rdr.get_mut().line_of(p.byte()),
                None => 0,
            };
            let blank_before = line > last_line + 1;
            last_line = line + rec.iter().flatten().filter(|&&b| b == b'\n').count() as u64;
            let filled = rec.iter().filter(|f| !f.trim_ascii().is_empty()).count();
            let note = names.len() >= 2 && filled <= 1 && (blank_before || !held.is_empty());
            if filled == 0 || note {
                held.push((rec.clone(), line));
                continue;
            }
            for (row, at) in held.drain(..) {
                take(&row, at)?;
            }
            take(&rec, line)?;
        }
        let end_line = held.first().map(|&(_, at)| at - 1);
        if rows == 0 {
            return Err(EngineError::Empty.into());
        }
        let dutch: Vec<usize> = (0..names.len())
            .filter(|&i| {
                matches!(kinds[i], Kind::Text | Kind::Float) && dutch_ok[i] && dutch_seen[i]
            })
            .collect();
        // Dates in ISO form are read as dates already; these are the ones written day first.
        let dates: Vec<usize> = (0..names.len())
            .filter(|&i| kinds[i] == Kind::Text && dates_ok[i])
            .collect();
        Ok(Scan {
            delimiter,
            header_line,
            end_line,
            names,
            kinds,
            dutch,
            dates,
            samples,
            shifts,
        })
    }
}

impl<'a> CsvSource<'a> {
    /// Check and type the file (first pass), then open it for batch reading.
    pub fn open(path: &Path, progress: &'a dyn Progress) -> Result<Self> {
        Self::open_with(path, progress, &std::collections::BTreeMap::new())
    }

    /// [`open`](Self::open), with the types a person chose for some columns (by name) over
    /// the detected ones. A value that is not of its chosen type is refused with its line.
    pub fn open_with(
        path: &Path,
        progress: &'a dyn Progress,
        types: &std::collections::BTreeMap<String, ColumnType>,
    ) -> Result<Self> {
        let size = std::fs::metadata(path)?.len();
        progress.set_total(size * 2, Unit::Bytes);
        let (scan, copy) = Scan::read_any(path, progress)?;
        let read_from = copy.as_deref().unwrap_or(path);
        if let Some(unknown) = types.keys().find(|k| !scan.names.contains(k)) {
            return Err(invalid(format!("het bestand heeft geen kolom {unknown:?}")));
        }
        let dutch_file = scan.delimiter == b';';
        // Per column: the kind it is read as, the kind it becomes, and how.
        let mut convert = Vec::new();
        let mut fields_read = Vec::new();
        let mut fields = Vec::new();
        for (i, name) in scan.names.iter().enumerate() {
            let detected = scan.kinds[i];
            let (read, out, how) = match (types.get(name), scan.dutch.contains(&i)) {
                (Some(ColumnType::Text), _) => (Kind::Text, Kind::Text, None),
                (Some(ColumnType::Integer), _) if detected == Kind::Int => {
                    (Kind::Int, Kind::Int, None)
                }
                (Some(ColumnType::Integer), _) => (
                    Kind::Text,
                    Kind::Int,
                    Some(Convert::Integer { dutch: dutch_file }),
                ),
                (Some(ColumnType::Number), false)
                    if matches!(detected, Kind::Int | Kind::Float) =>
                {
                    (Kind::Float, Kind::Float, None)
                }
                (Some(ColumnType::Number), dutch) => (
                    Kind::Text,
                    Kind::Float,
                    Some(Convert::Number {
                        dutch: dutch || dutch_file,
                    }),
                ),
                (Some(ColumnType::Date), _) if detected == Kind::Date => {
                    (Kind::Date, Kind::Date, None)
                }
                (Some(ColumnType::Date), _) => (Kind::Text, Kind::Date, Some(Convert::Date)),
                (None, true) => (
                    Kind::Text,
                    Kind::Float,
                    Some(Convert::Number { dutch: true }),
                ),
                (None, false) if scan.dates.contains(&i) => {
                    (Kind::Text, Kind::Date, Some(Convert::Date))
                }
                (None, false) => (detected, detected, None),
            };
            if let Some(how) = how {
                convert.push((i, how));
            }
            fields_read.push(Field::new(name, read.data_type(), true));
            fields.push(Field::new(name, out.data_type(), true));
        }
        let reader = ReaderBuilder::new(Arc::new(Schema::new(fields_read)))
            .with_header(true)
            .with_delimiter(scan.delimiter)
            .with_batch_size(BATCH_ROWS)
            .build_buffered(std::io::BufReader::new(from_header(
                read_from,
                scan.header_line,
                scan.end_line,
                progress,
            )?))
            .map_err(|e| invalid(e.to_string()))?;
        Ok(CsvSource {
            schema: Arc::new(Schema::new(fields)),
            reader,
            convert,
            names: scan.names,
            rows_read: 0,
            shifts: scan.shifts,
            _copy: copy,
        })
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
        use datafusion::arrow::array::{
            Array, ArrayRef, Date32Array, Float64Array, Int64Array, StringArray,
        };
        let batch = match self.reader.next() {
            None => return Ok(None),
            Some(Ok(b)) => b,
            Some(Err(e)) => return Err(invalid(e.to_string())),
        };
        let first = self.rows_read;
        self.rows_read += batch.num_rows();
        if self.convert.is_empty() {
            return Ok(Some(batch));
        }
        let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
        for &(i, how) in &self.convert {
            let Some(text) = columns[i].as_any().downcast_ref::<StringArray>() else {
                continue;
            };
            // The value at `row` that is not of its type, refused with its line.
            let refuse = |row: usize, value: &str, what: &str| {
                invalid(format!(
                    "regel {}, kolom {:?}: {value:?} is geen {what}",
                    line_of_row(&self.shifts, first + row),
                    self.names[i]
                ))
            };
            let values = text
                .iter()
                .enumerate()
                .map(|(row, v)| (row, v.map(str::trim).filter(|v| !v.is_empty())));
            columns[i] = match how {
                Convert::Number { dutch } => Arc::new(
                    values
                        .map(|(row, v)| match v {
                            None => Ok(None),
                            Some(v) => {
                                let n = if dutch {
                                    dutch_number(v)
                                } else {
                                    v.parse().ok()
                                };
                                n.filter(|n: &f64| n.is_finite())
                                    .map(Some)
                                    .ok_or_else(|| refuse(row, v, "getal"))
                            }
                        })
                        .collect::<Result<Float64Array>>()?,
                ) as ArrayRef,
                Convert::Integer { dutch } => Arc::new(
                    values
                        .map(|(row, v)| match v {
                            None => Ok(None),
                            Some(v) => {
                                let digits = if dutch {
                                    v.replace('.', "")
                                } else {
                                    v.to_string()
                                };
                                digits
                                    .parse::<i64>()
                                    .map(Some)
                                    .map_err(|_| refuse(row, v, "geheel getal"))
                            }
                        })
                        .collect::<Result<Int64Array>>()?,
                ),
                Convert::Date => Arc::new(
                    values
                        .map(|(row, v)| match v {
                            None => Ok(None),
                            Some(v) => date_days(v)
                                .map(Some)
                                .ok_or_else(|| refuse(row, v, "datum (2024-12-31 of 31-12-2024)")),
                        })
                        .collect::<Result<Date32Array>>()?,
                ),
            };
        }
        Ok(Some(
            RecordBatch::try_new(Arc::clone(&self.schema), columns)
                .map_err(|e| invalid(e.to_string()))?,
        ))
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

    #[test]
    fn reads_dutch_numbers() {
        for (text, value) in [
            ("12,5", Some(12.5)),
            ("1.234,56", Some(1234.56)),
            ("-1.234.567", Some(-1_234_567.0)),
            ("1234,5", Some(1234.5)),
            ("0,75", Some(0.75)),
            ("12", Some(12.0)),
            ("1.23,4", None),
            ("12,", None),
            ("1,2,3", None),
            ("GM0344", None),
            ("", None),
        ] {
            assert_eq!(dutch_number(text), value, "{text}");
        }
        assert!(dutch_mark("12,5") && dutch_mark("1.234") && !dutch_mark("1234"));
        // "1.5" is no Dutch number (a dot groups three digits), so such a column stays English.
        assert_eq!(dutch_number("1.5"), None);
    }

    #[test]
    fn a_dutch_excel_csv_has_number_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nl.csv");
        std::fs::write(
            &path,
            "gemeente;inwoners;aandeel;code\nUtrecht;361.924;12,5;0344\nAmersfoort;160.000;7,25;0307\nLeeg;;;0000\n",
        )
        .unwrap();
        let mut src = CsvSource::open(&path, &crate::progress::NoProgress).unwrap();
        let schema = src.schema();
        let types: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| f.data_type().to_string())
            .collect();
        assert_eq!(types, ["Utf8", "Float64", "Float64", "Utf8"]);
        let batch = src.next_batch().unwrap().unwrap();
        let col = |i: usize| {
            batch
                .column(i)
                .as_any()
                .downcast_ref::<datafusion::arrow::array::Float64Array>()
                .unwrap()
                .clone()
        };
        assert_eq!(col(1).value(0), 361_924.0);
        assert_eq!(col(2).value(1), 7.25);
        assert!(datafusion::arrow::array::Array::is_null(&col(2), 2));
    }

    /// Rows of texts, as [`rows_of`] gives them.
    fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    /// The rows of the CSV file `name` with `bytes`, each cell as text.
    fn rows_of(dir: &Path, name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>> {
        use datafusion::arrow::util::display::array_value_to_string;
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let mut src = CsvSource::open(&path, &crate::progress::NoProgress)?;
        let mut rows = Vec::new();
        while let Some(b) = src.next_batch()? {
            for r in 0..b.num_rows() {
                rows.push(
                    (0..b.num_columns())
                        .map(|c| array_value_to_string(b.column(c), r).unwrap())
                        .collect(),
                );
            }
        }
        Ok(rows)
    }

    #[test]
    fn excel_s_character_sets_are_read_and_a_file_that_is_no_text_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let want = table(&[&["Súdwest-Fryslân", "3.5"], &["Café €", "1234.5"]]);
        // Excel's "CSV (gescheiden door lijstscheidingsteken)" on Dutch Windows: Windows-1252.
        let (cp1252, _, _) = encoding_rs::WINDOWS_1252
            .encode("gemeente;aantal\r\nSúdwest-Fryslân;3,5\r\nCafé €;1.234,5\r\n");
        assert_eq!(rows_of(dir.path(), "excel.csv", &cp1252).unwrap(), want);
        // Excel's "Unicode-tekst": UTF-16 with a byte order mark, tab-separated.
        let text = "gemeente\taantal\r\nSúdwest-Fryslân\t3,5\r\nCafé €\t1.234,5\r\n";
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(rows_of(dir.path(), "unicode.txt", &utf16).unwrap(), want);
        // The copy is gone with the source; the columns are detected through it too.
        let detected = detect(&dir.path().join("excel.csv")).unwrap();
        assert_eq!(detected[0].samples[0], "Súdwest-Fryslân");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 2, "{left:?}");
        // A file that says it is UTF-8 (its byte order mark) and is not, is refused.
        let e = rows_of(dir.path(), "bom.csv", b"\xef\xbb\xbfa;b\nx;\xe9\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("regel 2, kolom \"b\" is geen geldige UTF-8"),
            "{e}"
        );
        // Bytes with NULs in them are no text in any character set: refused as before.
        let e = rows_of(dir.path(), "binary.csv", b"a;b\n\x00\xff;1\n").unwrap_err();
        assert!(e.to_string().contains("geen geldige UTF-8"), "{e}");
    }

    #[test]
    fn a_title_above_the_table_is_left_out_and_lines_keep_their_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let want = table(&[&["Utrecht", "361924"], &["Zeist", "65000"]]);
        for (name, text) in [
            (
                "plain.csv",
                "gemeente;inwoners\nUtrecht;361924\nZeist;65000\n",
            ),
            // A title and a blank line, as people write them above a table.
            (
                "title.csv",
                "Inwoners per gemeente, 1 januari 2024\n\ngemeente;inwoners\nUtrecht;361924\nZeist;65000\n",
            ),
            // As Excel saves a sheet with a title: the title's row has every delimiter.
            (
                "excel.csv",
                "Inwoners per gemeente;\r\n;\r\ngemeente;inwoners\r\nUtrecht;361924\r\nZeist;65000\r\n",
            ),
        ] {
            assert_eq!(
                rows_of(dir.path(), name, text.as_bytes()).unwrap(),
                want,
                "{name}"
            );
            assert_eq!(detect(&dir.path().join(name)).unwrap()[1].name, "inwoners");
        }
        // A bad row is named by its line in the file, title lines counted.
        let path = dir.path().join("bad.csv");
        std::fs::write(&path, "Titel\n\na;b\nx;1\ny\n").unwrap();
        let e = detect(&path).unwrap_err().to_string();
        assert!(e.contains("regel 5 heeft 1 velden"), "{e}");
        std::fs::write(&path, "Titel\na;a\n1;2\n").unwrap();
        let e = detect(&path).unwrap_err().to_string();
        assert!(
            e.contains("regel 2: de kolomnaam \"a\" staat er twee keer"),
            "{e}"
        );
        // A typed value that does not fit, too.
        std::fs::write(&path, "Titel\n\na;b\nx;1\ny;veel\n").unwrap();
        let types = [("b".to_string(), ColumnType::Integer)].into();
        let mut src = CsvSource::open_with(&path, &crate::progress::NoProgress, &types).unwrap();
        let e = src.next_batch().unwrap_err().to_string();
        assert!(e.contains("regel 5, kolom \"b\""), "{e}");
    }

    #[test]
    fn notes_below_the_table_are_left_out_and_a_short_row_inside_it_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let want = table(&[&["344", "361924"], &["355", "65000"]]);
        for (name, text) in [
            (
                "plain.csv",
                "code;inwoners\n344;361924\n355;65000\n\nBron: CBS\n* voorlopig\n",
            ),
            // As Excel saves them: every delimiter in the row, a CRLF, a title above too.
            (
                "excel.csv",
                "Inwoners;\r\n;\r\ncode;inwoners\r\n344;361924\r\n355;65000\r\n;\r\nBron: CBS;\r\n",
            ),
        ] {
            // The code column stays a number: "Bron: CBS" is no value of it.
            assert_eq!(
                rows_of(dir.path(), name, text.as_bytes()).unwrap(),
                want,
                "{name}"
            );
        }
        // A short row with rows of the table after it is no note: refused with its line.
        let path = dir.path().join("inside.csv");
        std::fs::write(&path, "a;b\n1;2\n\nx\n3;4\n").unwrap();
        let e = detect(&path).unwrap_err().to_string();
        assert!(e.contains("regel 4 heeft 1 velden"), "{e}");
        // Without a blank line above it, a short last row is refused as before.
        std::fs::write(&path, "a;b\n1;2\nx\n").unwrap();
        let e = detect(&path).unwrap_err().to_string();
        assert!(e.contains("regel 3 heeft 1 velden"), "{e}");
        // A one-column file has no notes: every row is a value.
        assert_eq!(
            rows_of(dir.path(), "one.csv", b"naam\nUtrecht\n\nZeist\n")
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn the_delimiter_is_the_one_that_splits_the_header_most() {
        let layout = |text: &str| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("l.csv");
            std::fs::write(&path, text).unwrap();
            let l = sniff_layout(&path).unwrap();
            (l.delimiter, l.header_line)
        };
        assert_eq!(layout("a,b\n1,2\n"), (b',', 0));
        assert_eq!(layout("gemeente;aantal, totaal;datum\n"), (b';', 0));
        assert_eq!(layout("a\tb\n"), (b'\t', 0));
        assert_eq!(layout("\"x, y\";b\n"), (b';', 0));
        assert_eq!(layout("naam\nUtrecht\n"), (b',', 0));
        assert_eq!(layout("Titel, met komma\n"), (b',', 0));
        assert_eq!(layout("Titel\n\na;b\n"), (b';', 2));
    }

    #[test]
    fn a_bad_row_names_its_line_also_with_excel_line_ends_and_blank_lines() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text, line) in [
            ("lf.csv", &b"a;b\nx;1\nSud\n"[..], 3),
            ("crlf.csv", b"a;b\r\nx;1\r\nSud\r\n", 3),
            ("blank.csv", b"a;b\r\nx;1\r\n\r\nSud\r\ny;2\r\n", 4),
            ("lf_blank.csv", b"a;b\nx;1\n\n\nSud\ny;2\n", 5),
            ("quoted.csv", b"a;b\r\n\"x\r\ny\";1\r\nSud\r\n", 4),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let e = detect(&path).unwrap_err().to_string();
            assert!(e.contains(&format!("regel {line}")), "{name}: {e}");
        }
    }

    #[test]
    fn chosen_types_go_over_detected_ones_and_a_misfit_names_its_line() {
        use datafusion::arrow::array::{Array, Date32Array, Int64Array, StringArray};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nl.csv");
        std::fs::write(
            &path,
            "gemeente;inwoners;peildatum;code\nUtrecht;361.924;31-12-2024;0344\nAmersfoort;160.000;2024-12-31;0307\nLeeg;;;12\n",
        )
        .unwrap();
        let detected = detect(&path).unwrap();
        let kinds: Vec<ColumnType> = detected.iter().map(|c| c.detected).collect();
        assert_eq!(
            kinds,
            [
                ColumnType::Text,
                ColumnType::Number,
                ColumnType::Date,
                ColumnType::Text
            ]
        );
        assert_eq!(detected[2].samples, ["31-12-2024", "2024-12-31"]);
        // Without a choice, dates written day first are read as dates too.
        let mut plain = CsvSource::open(&path, &crate::progress::NoProgress).unwrap();
        assert_eq!(plain.schema().field(2).data_type().to_string(), "Date32");
        assert!(plain.next_batch().is_ok());
        let mut types = std::collections::BTreeMap::new();
        types.insert("inwoners".to_string(), ColumnType::Integer);
        types.insert("peildatum".to_string(), ColumnType::Date);
        types.insert("code".to_string(), ColumnType::Text);
        let mut src = CsvSource::open_with(&path, &crate::progress::NoProgress, &types).unwrap();
        let types_out: Vec<String> = src
            .schema()
            .fields()
            .iter()
            .map(|f| f.data_type().to_string())
            .collect();
        assert_eq!(types_out, ["Utf8", "Int64", "Date32", "Utf8"]);
        let batch = src.next_batch().unwrap().unwrap();
        let n = batch
            .column(1)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap();
        assert_eq!((n.value(0), n.value(1)), (361_924, 160_000));
        assert!(n.is_null(2));
        let d = batch
            .column(2)
            .as_any()
            .downcast_ref::<Date32Array>()
            .unwrap();
        assert_eq!(d.value(0), d.value(1), "31-12-2024 is 2024-12-31");
        let code = batch
            .column(3)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!(code.value(0), "0344");
        // A value that is not of its chosen type is refused with its line and column.
        types.insert("gemeente".to_string(), ColumnType::Number);
        let mut src = CsvSource::open_with(&path, &crate::progress::NoProgress, &types).unwrap();
        let e = src.next_batch().unwrap_err().to_string();
        assert!(
            e.contains("regel 2, kolom \"gemeente\": \"Utrecht\" is geen getal"),
            "{e}"
        );
        types.clear();
        types.insert("nergens".to_string(), ColumnType::Text);
        assert!(CsvSource::open_with(&path, &crate::progress::NoProgress, &types).is_err());

        // Its line also after a blank line and a value over two lines (Excel line ends).
        std::fs::write(
            &path,
            "naam;aantal\r\n\"Den\r\nHaag\";1\r\n\r\nUtrecht;2\r\nZeist;veel\r\n",
        )
        .unwrap();
        let types = [("aantal".to_string(), ColumnType::Integer)].into();
        let mut src = CsvSource::open_with(&path, &crate::progress::NoProgress, &types).unwrap();
        let e = src.next_batch().unwrap_err().to_string();
        assert!(e.contains("regel 6, kolom \"aantal\": \"veel\""), "{e}");
        assert_eq!(line_of_row(&[(1, 2)], 0), 2);
        assert_eq!(line_of_row(&[(1, 2)], 5), 9);
    }
}
