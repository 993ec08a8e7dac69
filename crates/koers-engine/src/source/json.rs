//! JSON records: a list of objects (`[{"name": "Zwolle", "population": 129840}, …]`, as open-data
//! dumps such as GeoNames give them), an API's answer that holds such a list in one of its
//! members (`{"odata.metadata": "…", "value": [{…}, …]}` as CBS' OData gives it), or
//! newline-delimited JSON (one object per line, `.ndjson`), streamed object by object.
//!
//! A first pass learns the columns (the objects' keys, in order of first appearance, keeping
//! their case) and their kinds, as for GeoJSON properties; the second pass builds batches. A
//! nested object or list becomes its JSON text. A longitude and latitude column make no
//! geometry here, as in a CSV: the catalog maps them as points.

use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::Receiver;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use koers_core::json;
use serde::de;
use serde_json::Value;

use super::column::{Col, Kind, builders};
use super::{BATCH_ROWS, Counting, ReadCount, Source, SourceGeometry};
use crate::error::{EngineError, Result};
use crate::progress::{Progress, Unit};

/// One object's fields in the order they are written (serde_json's own map sorts them).
pub(crate) struct Record(Vec<(String, Value)>);

impl<'de> de::Deserialize<'de> for Record {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Fields;
        impl<'de> de::Visitor<'de> for Fields {
            type Value = Record;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("een object")
            }
            fn visit_map<A: de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Record, A::Error> {
                let mut fields = Vec::new();
                while let Some(kv) = map.next_entry::<String, Value>()? {
                    fields.push(kv);
                }
                Ok(Record(fields))
            }
        }
        d.deserialize_map(Fields)
    }
}

impl Record {
    /// The values of the fields named `keys`, in that order; a field a record lacks is
    /// `None`. Records mostly write their fields in the columns' order: each is looked for
    /// where the previous one was found first, so a wide record costs no search per field.
    pub(crate) fn values<'r, 'k>(
        &'r self,
        keys: impl Iterator<Item = &'k str>,
    ) -> Vec<Option<&'r Value>> {
        let mut next = 0;
        keys.map(|key| {
            let at = match self.0.get(next) {
                Some((k, _)) if k == key => Some(next),
                _ => self.0.iter().position(|(k, _)| k == key),
            };
            at.map(|i| {
                next = i + 1;
                &self.0[i].1
            })
        })
        .collect()
    }

    /// The fields, in the order they are written.
    pub(crate) fn fields(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

type OnRecord<'f> = &'f mut dyn FnMut(Record) -> std::result::Result<(), String>;

fn invalid(message: String) -> EngineError {
    EngineError::InvalidInput {
        format: "JSON",
        message,
    }
}

/// How the records stand in the file.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Layout {
    /// `[{…}, {…}]`.
    List,
    /// `{"value": [{…}, {…}], …}`: the first member that is a list.
    Wrapped,
    /// One object per line.
    Lines,
}

/// The file's first 64 KiB without a byte order mark, and its first character other than
/// white space.
fn head(path: &Path) -> Result<(Vec<u8>, Option<u8>)> {
    let mut head = vec![0u8; 65_536];
    let n = std::fs::File::open(path)?.read(&mut head)?;
    head.truncate(n);
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    let first = head.iter().copied().find(|b| !b.is_ascii_whitespace());
    Ok((head, first))
}

/// Whether a `.json` file holds records rather than GeoJSON: a list, or an object that shows
/// nothing of GeoJSON (no `features`, `Feature`, `FeatureCollection` or `coordinates`) in its
/// first 64 KiB.
pub fn is_records(path: &Path) -> Result<bool> {
    let (head, first) = head(path)?;
    let text = String::from_utf8_lossy(&head);
    let geojson = [
        "\"features\"",
        "\"Feature\"",
        "\"FeatureCollection\"",
        "\"coordinates\"",
    ]
    .iter()
    .any(|m| text.contains(m));
    Ok(first == Some(b'[') || first == Some(b'{') && !geojson)
}

/// The layout of a records file: a list, an object holding one (a `.json` file), or lines.
fn layout(path: &Path) -> Result<Layout> {
    let named_json = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    Ok(match head(path)?.1 {
        Some(b'[') => Layout::List,
        Some(b'{') if named_json => Layout::Wrapped,
        _ => Layout::Lines,
    })
}

fn kind_of(v: &Value) -> Kind {
    match v {
        Value::Null => Kind::Unknown,
        Value::Bool(_) => Kind::Bool,
        Value::Number(n) if n.is_i64() => Kind::Int,
        Value::Number(_) => Kind::Float,
        _ => Kind::Text,
    }
}

/// What a JSON value is, in words.
fn what(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true of false",
        Value::Number(_) => "een getal",
        Value::String(_) => "een tekst",
        Value::Array(_) => "een lijst",
        Value::Object(_) => "een object",
    }
}

/// An element of the list: a record, or what it is instead.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Element {
    Record(Record),
    Other(Value),
}

/// The elements of a list, each an object, to `on_record`.
struct RecordsSeed<'f, 'g> {
    on_record: &'g mut OnRecord<'f>,
}

impl<'de> de::Visitor<'de> for RecordsSeed<'_, '_> {
    type Value = usize;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("een lijst van objecten")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<usize, A::Error> {
        let mut n = 0;
        while let Some(v) = seq.next_element::<Element>()? {
            n += 1;
            match v {
                Element::Record(record) => (self.on_record)(record).map_err(de::Error::custom)?,
                Element::Other(other) => {
                    return Err(de::Error::custom(format!(
                        "element {n} is geen object maar {}",
                        what(&other)
                    )));
                }
            }
        }
        Ok(n)
    }
}

/// An object's members, the first that is a list streamed as the records; `None` when no
/// member is a list.
struct WrapperVisitor<'f, 'g> {
    on_record: &'g mut OnRecord<'f>,
}

impl<'de> de::Visitor<'de> for WrapperVisitor<'_, '_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("een object met een lijst van objecten")
    }
    fn visit_map<A: de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Option<usize>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if found.is_some() {
                map.next_value::<de::IgnoredAny>()?;
                continue;
            }
            found = map.next_value_seed(MemberSeed {
                key,
                on_record: &mut *self.on_record,
            })?;
        }
        Ok(found)
    }
}

/// One member of the wrapping object: a list is read as the records, anything else passed
/// over.
struct MemberSeed<'f, 'g> {
    key: String,
    on_record: &'g mut OnRecord<'f>,
}

impl<'de> de::DeserializeSeed<'de> for MemberSeed<'_, '_> {
    type Value = Option<usize>;
    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Option<usize>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for MemberSeed<'_, '_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("een waarde")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(
        self,
        seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let key = self.key;
        RecordsSeed {
            on_record: self.on_record,
        }
        .visit_seq(seq)
        .map(Some)
        .map_err(|e: A::Error| de::Error::custom(format!("in '{key}': {e}")))
    }
    fn visit_map<A: de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
}

/// Streams the records of the file to `on_record`: the elements of a list (also one held by
/// an object), or the objects of the lines of newline-delimited JSON. Returns how many there
/// were.
fn parse<R: Read>(reader: R, layout: Layout, mut on_record: OnRecord<'_>) -> Result<usize> {
    use serde::Deserializer as _;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, reader);
    if reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    let no_words = |_: &str| None;
    if layout != Layout::Lines {
        let mut d = serde_json::Deserializer::from_reader(&mut reader);
        let streamed = match layout {
            Layout::Wrapped => (&mut d).deserialize_map(WrapperVisitor {
                on_record: &mut on_record,
            }),
            _ => (&mut d)
                .deserialize_seq(RecordsSeed {
                    on_record: &mut on_record,
                })
                .map(Some),
        };
        let n = streamed.map_err(|e| invalid(json::problem_in(&e, no_words)))?;
        d.end()
            .map_err(|e| invalid(json::problem_in(&e, no_words)))?;
        return n.ok_or_else(|| {
            invalid("het object bevat geen lijst van objecten; koers leest een lijst van objecten, een object met zo'n lijst (zoals 'value' in een antwoord van CBS OData) of één object per regel".into())
        });
    }
    let mut n = 0;
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() {
            continue;
        }
        let record: Record =
            serde_json::from_str(line).map_err(|e| invalid(json::problem_on_line(&e, i + 1)))?;
        n += 1;
        on_record(record).map_err(invalid)?;
    }
    Ok(n)
}

/// A JSON records file being read.
pub struct JsonSource<'a> {
    schema: SchemaRef,
    columns: Vec<(String, Kind)>,
    records: Receiver<std::result::Result<Record, String>>,
    read: ReadCount,
    progress: &'a dyn Progress,
}

impl<'a> JsonSource<'a> {
    /// Learn the columns (first pass) and start streaming records (second pass).
    pub fn open(path: &Path, progress: &'a dyn Progress) -> Result<Self> {
        let size = std::fs::metadata(path)?.len();
        progress.set_total(size * 2, Unit::Bytes);
        let layout = layout(path)?;
        let mut columns: Vec<(String, Kind)> = Vec::new();
        let mut position: HashMap<String, usize> = HashMap::new();
        let count = parse(Counting::open(path, progress)?, layout, &mut |r: Record| {
            for (k, v) in r.fields() {
                let idx = *position.entry(k.clone()).or_insert_with(|| {
                    columns.push((k.clone(), Kind::Unknown));
                    columns.len() - 1
                });
                columns[idx].1 = columns[idx].1.merge(kind_of(v));
            }
            Ok(())
        })?;
        if count == 0 {
            return Err(EngineError::Empty);
        }
        if columns.is_empty() {
            return Err(invalid(
                "de objecten hebben geen enkel veld; er is niets om te importeren".into(),
            ));
        }
        let schema = Arc::new(Schema::new(
            columns
                .iter()
                .map(|(n, k)| Field::new(n, k.data_type(), true))
                .collect::<Vec<_>>(),
        ));
        let (tx, rx) = std::sync::mpsc::sync_channel(BATCH_ROWS);
        let read = ReadCount::new();
        let reader = read.counted(std::fs::File::open(path)?);
        std::thread::spawn(move || {
            let sent = parse(reader, layout, &mut |r: Record| {
                tx.send(Ok(r)).map_err(|_| "import stopped".to_string())
            });
            if let Err(e) = sent {
                let _ = tx.send(Err(e.to_string()));
            }
        });
        Ok(JsonSource {
            schema,
            columns,
            records: rx,
            read,
            progress,
        })
    }
}

impl Source for JsonSource<'_> {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn geometry(&self) -> Option<SourceGeometry> {
        None
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let mut cols = builders(self.columns.iter().map(|(_, k)| *k));
        let mut n = 0;
        while n < BATCH_ROWS {
            let Ok(record) = self.records.recv() else {
                break;
            };
            let record = record.map_err(|message| EngineError::InvalidInput {
                format: "JSON",
                message,
            })?;
            let values = record.values(self.columns.iter().map(|(n, _)| n.as_str()));
            for (v, col) in values.into_iter().zip(cols.iter_mut()) {
                col.append_json(v.unwrap_or(&Value::Null));
            }
            n += 1;
        }
        self.read.report(self.progress);
        if n == 0 {
            return Ok(None);
        }
        let arrays: Vec<ArrayRef> = cols.into_iter().map(Col::finish).collect();
        Ok(Some(RecordBatch::try_new(
            Arc::clone(&self.schema),
            arrays,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;
    use crate::source::Format;
    use datafusion::arrow::array::{Array, Float64Array, Int64Array, StringArray};
    use datafusion::arrow::datatypes::DataType;

    fn file(text: &str, ext: &str) -> tempfile::NamedTempFile {
        let f = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    fn read(text: &str) -> Result<RecordBatch> {
        let f = file(text, ".json");
        let mut s = JsonSource::open(f.path(), &NoProgress)?;
        let b = s.next_batch()?.expect("a batch");
        assert!(s.next_batch()?.is_none());
        Ok(b)
    }

    #[test]
    fn a_list_of_objects_is_a_table_with_its_keys_as_columns() {
        let b = read(
            r#"[{"name": "Zwolle", "population": 129840, "latitude": 52.5125},
                {"name": "Urk", "latitude": 52.66, "extra": {"a": 1}, "population": null}]"#,
        )
        .unwrap();
        let s = b.schema();
        let names: Vec<&str> = s.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["name", "population", "latitude", "extra"]);
        assert_eq!(s.field(1).data_type(), &DataType::Int64);
        assert_eq!(s.field(2).data_type(), &DataType::Float64);
        assert_eq!(b.num_rows(), 2);
        let pop = b.column(1).as_any().downcast_ref::<Int64Array>().unwrap();
        assert_eq!((pop.value(0), pop.is_null(1)), (129840, true));
        let lat = b.column(2).as_any().downcast_ref::<Float64Array>().unwrap();
        assert_eq!(lat.value(1), 52.66);
        let extra = b.column(3).as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!((extra.is_null(0), extra.value(1)), (true, r#"{"a":1}"#));
    }

    #[test]
    fn newline_delimited_objects_are_read_line_by_line() {
        let f = file("{\"a\": 1, \"b\": \"x\"}\n\n{\"a\": 2.5}\n", ".ndjson");
        let mut s = JsonSource::open(f.path(), &NoProgress).unwrap();
        let b = s.next_batch().unwrap().unwrap();
        assert_eq!(b.num_rows(), 2);
        assert_eq!(b.schema().field(0).data_type(), &DataType::Float64);
    }

    #[test]
    fn what_is_no_list_of_records_is_said_with_its_place() {
        let e = read(r#"[{"a": 1}, 5]"#).unwrap_err().to_string();
        assert!(e.contains("element 2 is geen object maar een getal"), "{e}");
        let e = read(r#"[{"a": 1}, {"a": 2"#).unwrap_err().to_string();
        assert!(e.contains("regel 1"), "{e}");
        let f = file("{\"a\": 1}\n{\"a\": \n", ".ndjson");
        let e = JsonSource::open(f.path(), &NoProgress)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("regel 2"), "{e}");
        assert!(matches!(read("[]"), Err(EngineError::Empty)));
        assert!(
            read("[{}, {}]")
                .unwrap_err()
                .to_string()
                .contains("geen enkel veld")
        );
    }

    #[test]
    fn records_are_told_from_geojson() {
        assert!(is_records(file("\u{feff}  \n[{\"a\": 1}]", ".json").path()).unwrap());
        assert!(is_records(file("{\"value\": [{\"a\": 1}]}", ".json").path()).unwrap());
        for geojson in [
            "{\"type\": \"FeatureCollection\", \"features\": []}",
            "{\"features\": [], \"type\": \"FeatureCollection\"}",
            "{\"type\": \"Point\", \"coordinates\": [5, 52]}",
        ] {
            assert!(
                !is_records(file(geojson, ".json").path()).unwrap(),
                "{geojson}"
            );
        }
        // A `.json` list is records; a `.geojson` file stays GeoJSON whatever it holds.
        let list = "[{\"a\": 1}]";
        let refined = |ext: &str| Format::GeoJson.refine(file(list, ext).path());
        assert_eq!(refined(".json").unwrap(), Format::Json);
        assert_eq!(refined(".geojson").unwrap(), Format::GeoJson);
        assert_eq!(Format::parse("ndjson").unwrap(), Format::Json);
    }

    #[test]
    fn the_list_an_api_answer_holds_is_read_as_the_records() {
        // As CBS' OData answers: metadata first, the rows under "value".
        let b = read(
            "\u{feff}{\"odata.metadata\": \"https://opendata.cbs.nl/x\", \"count\": 2, \"meta\": {\"a\": [1]},
              \"value\": [{\"RegioS\": \"GM0344\", \"Inwoners\": 367984}, {\"RegioS\": \"PV26\", \"Inwoners\": 1400000}],
              \"links\": [{\"href\": \"x\"}]}",
        )
        .unwrap();
        assert_eq!(b.num_rows(), 2);
        let s = b.schema();
        let names: Vec<&str> = s.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["RegioS", "Inwoners"]);
        let e = read("{\"count\": 2, \"title\": \"x\"}")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("het object bevat geen lijst van objecten"),
            "{e}"
        );
        let e = read("{\"tags\": [\"a\", \"b\"]}").unwrap_err().to_string();
        assert!(
            e.contains("in 'tags': element 1 is geen object maar een tekst"),
            "{e}"
        );
    }
}
