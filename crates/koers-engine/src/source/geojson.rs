//! GeoJSON FeatureCollections, streamed feature by feature.
//!
//! A first pass learns the property columns (in order of first appearance, keeping their case)
//! and their types; the second pass builds batches. Properties become columns, the geometry
//! becomes the EWKB column `geom`. Coordinates are WGS84 by RFC 7946 unless the caller overrides
//! the CRS or the file carries a legacy `crs` member naming EPSG:28992.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;

use geojson::Geometry;
use koers_core::json;
use serde::de;
use serde_json::Value;

use super::column::{GeometryRows, Kind};
use super::json::Record;
use super::{BATCH_ROWS, Counting, ReadCount, Source, SourceGeometry};
use crate::error::{EngineError, Result};
use crate::progress::{Progress, Unit};
use crate::spatial::{crs, ewkb, from_geojson, geometry_field};

/// Name of the geometry column made from GeoJSON geometries.
pub const GEOMETRY_COLUMN: &str = "geom";

fn invalid(message: String) -> EngineError {
    EngineError::InvalidInput {
        format: "GeoJSON",
        message,
    }
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

/// What the streaming parser learnt about the collection itself.
#[derive(Default)]
struct Collection {
    kind: Option<String>,
    crs: Option<Value>,
    features: usize,
}

/// A feature with its properties in the order they are written (the `geojson` crate's own
/// feature keeps them in a map sorted by name): its columns come out in the file's order.
#[derive(serde::Deserialize)]
struct Feature {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    geometry: Option<Geometry>,
    #[serde(default)]
    properties: Option<Record>,
}

type OnFeature<'f> = &'f mut dyn FnMut(Feature) -> std::result::Result<(), String>;

struct CollectionVisitor<'f, 'g> {
    on_feature: &'g mut OnFeature<'f>,
}

struct FeaturesSeed<'f, 'g> {
    on_feature: &'g mut OnFeature<'f>,
}

impl<'de> de::DeserializeSeed<'de> for FeaturesSeed<'_, '_> {
    type Value = usize;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<usize, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> de::Visitor<'de> for FeaturesSeed<'_, '_> {
    type Value = usize;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("een lijst van features")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<usize, A::Error> {
        let mut n = 0;
        while let Some(feature) = seq
            .next_element::<Feature>()
            .map_err(|e| de::Error::custom(format!("object {}: {e}", n + 1)))?
        {
            n += 1;
            if feature.kind != "Feature" {
                return Err(de::Error::custom(format!(
                    "object {n}: GeoJSON-type Feature verwacht, maar het is {}",
                    feature.kind
                )));
            }
            (self.on_feature)(feature).map_err(de::Error::custom)?;
        }
        Ok(n)
    }
}

impl<'de> de::Visitor<'de> for CollectionVisitor<'_, '_> {
    type Value = Collection;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("een FeatureCollection (een object)")
    }
    fn visit_map<A: de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Collection, A::Error> {
        let mut c = Collection::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => c.kind = Some(map.next_value::<String>()?),
                "crs" => c.crs = Some(map.next_value::<Value>()?),
                "features" => {
                    c.features += map.next_value_seed(FeaturesSeed {
                        on_feature: &mut *self.on_feature,
                    })?
                }
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok(c)
    }
}

/// The GeoJSON library's own messages in words, for [`json::problem_in`].
pub(crate) fn words(message: &str) -> Option<String> {
    if let Some(n) = message
        .strip_prefix("A position must contain two or more elements, but got `")
        .and_then(|r| r.strip_suffix('`'))
    {
        return Some(format!(
            "een positie heeft minstens twee getallen nodig (x en y), maar heeft er {n}"
        ));
    }
    if let Some(kind) = message
        .strip_prefix("Encountered geometry type: `")
        .and_then(|r| r.strip_suffix("` with no `coordinates` key"))
    {
        return Some(format!(
            "een geometrie van het type {kind} zonder 'coordinates'"
        ));
    }
    if message == "Encountered GeometryCollection with no `geometries` key" {
        return Some("een GeometryCollection zonder 'geometries'".into());
    }
    let (expected, found) = message
        .strip_prefix("Expected GeoJSON type `")?
        .strip_suffix('`')?
        .split_once("`, found `")?;
    Some(format!(
        "GeoJSON-type {expected} verwacht, maar het is {found}"
    ))
}

/// Stream the features of a FeatureCollection to `on_feature`.
fn parse<R: Read>(reader: R, mut on_feature: OnFeature<'_>) -> Result<Collection> {
    use serde::Deserializer as _;
    let mut d =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 20, reader));
    let c = (&mut d)
        .deserialize_map(CollectionVisitor {
            on_feature: &mut on_feature,
        })
        .map_err(|e| invalid(json::problem_in(&e, words)))?;
    d.end().map_err(|e| invalid(json::problem_in(&e, words)))?;
    match c.kind.as_deref() {
        Some("FeatureCollection") => Ok(c),
        Some(other) => Err(invalid(format!(
            "een FeatureCollection verwacht, maar het is een {other}"
        ))),
        None => Err(invalid(
            "een FeatureCollection verwacht: er staat geen 'type' in".into(),
        )),
    }
}

/// The SRID named by a legacy `crs` member.
fn declared_srid(crs_member: &Value) -> Result<i32> {
    let name = crs_member
        .get("properties")
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    crs::parse_crs(name)
}

/// A GeoJSON file being read.
pub struct GeoJsonSource<'a> {
    columns: Vec<(String, Kind)>,
    features: GeometryRows<std::result::Result<Feature, String>>,
    read: ReadCount,
    progress: &'a dyn Progress,
}

fn property_name(k: &str) -> String {
    if k == GEOMETRY_COLUMN {
        "geom_property".to_string()
    } else {
        k.to_string()
    }
}

impl<'a> GeoJsonSource<'a> {
    /// Learn the columns (first pass) and start streaming features (second pass).
    pub fn open(path: &Path, srid: Option<i32>, progress: &'a dyn Progress) -> Result<Self> {
        let size = std::fs::metadata(path)?.len();
        progress.set_total(size * 2, Unit::Bytes);
        let mut columns: Vec<(String, Kind)> = Vec::new();
        let mut position: HashMap<String, usize> = HashMap::new();
        let mut count = 0usize;
        // Where the coordinates lie (min x, min y, max x, max y), for a file without a CRS.
        let mut extent: Option<[f64; 4]> = None;
        let collection = parse(Counting::open(path, progress)?, &mut |f: Feature| {
            count += 1;
            if let Some(g) = &f.geometry {
                let g = from_geojson(&g.value)
                    .map_err(|e| format!("object {count}: ongeldige geometrie: {e}"))?;
                if let Some(r) = geo::BoundingRect::bounding_rect(&g) {
                    let [x0, y0, x1, y1] =
                        extent.unwrap_or([f64::MAX, f64::MAX, f64::MIN, f64::MIN]);
                    extent = Some([
                        x0.min(r.min().x),
                        y0.min(r.min().y),
                        x1.max(r.max().x),
                        y1.max(r.max().y),
                    ]);
                }
            }
            for (k, v) in f.properties.iter().flat_map(|p| p.fields()) {
                let k = property_name(k);
                let idx = *position.entry(k.clone()).or_insert_with(|| {
                    columns.push((k, Kind::Unknown));
                    columns.len() - 1
                });
                columns[idx].1 = columns[idx].1.merge(kind_of(v));
            }
            Ok(())
        })?;
        if collection.features == 0 {
            return Err(EngineError::Empty);
        }
        let srid = match (srid, &collection.crs, extent) {
            (Some(s), _, _) => s,
            (None, Some(c), _) => declared_srid(c)?,
            (None, None, None) => crs::WGS84,
            // GeoJSON is WGS84 (RFC 7946); many Dutch files are in RD New without saying so.
            (None, None, Some(e)) => crs::srid_of_extent(e).ok_or_else(|| {
                invalid(format!(
                    "de coördinaten (x van {} tot {}, y van {} tot {}) zijn geen lengte- en breedtegraden (WGS84) en liggen ook niet in RD New, en het bestand noemt geen coördinatenstelsel: geef het zelf op (--crs op de opdrachtregel)",
                    e[0], e[2], e[1], e[3]
                ))
            })?,
        };
        let mut fields: Vec<Field> = columns
            .iter()
            .map(|(n, k)| Field::new(n, k.data_type(), true))
            .collect();
        fields.push(geometry_field(GEOMETRY_COLUMN, srid, true));

        let (tx, rx) = std::sync::mpsc::sync_channel(BATCH_ROWS);
        let read = ReadCount::new();
        let reader = read.counted(std::fs::File::open(path)?);
        std::thread::spawn(move || {
            let sent = parse(reader, &mut |f: Feature| {
                tx.send(Ok(f)).map_err(|_| "import stopped".to_string())
            });
            if let Err(e) = sent {
                let _ = tx.send(Err(e.to_string()));
            }
        });
        Ok(GeoJsonSource {
            columns,
            features: GeometryRows::new(Arc::new(Schema::new(fields)), (GEOMETRY_COLUMN, srid), rx),
            read,
            progress,
        })
    }
}

impl Source for GeoJsonSource<'_> {
    fn schema(&self) -> SchemaRef {
        self.features.schema()
    }

    fn geometry(&self) -> Option<SourceGeometry> {
        Some(self.features.geometry())
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let srid = self.features.srid();
        let columns = &self.columns;
        let kinds = columns.iter().map(|(_, k)| *k);
        let batch = self.features.batch(kinds, |f, index, cols, geoms| {
            let f = f.map_err(|e| EngineError::InvalidInput {
                format: "GeoJSON",
                message: e,
            })?;
            let keys = columns.iter().map(|(name, _)| {
                if name == "geom_property" {
                    GEOMETRY_COLUMN
                } else {
                    name.as_str()
                }
            });
            let values = f
                .properties
                .as_ref()
                .map(|p| p.values(keys))
                .unwrap_or_default();
            for (i, col) in cols.iter_mut().enumerate() {
                col.append_json(values.get(i).copied().flatten().unwrap_or(&Value::Null));
            }
            match &f.geometry {
                None => geoms.append_null(),
                Some(g) => {
                    let g = from_geojson(&g.value).map_err(|e| {
                        invalid(format!("object {index}: ongeldige geometrie: {e}"))
                    })?;
                    geoms.append_value(ewkb::encode(&g, srid));
                }
            }
            Ok(())
        })?;
        self.read.report(self.progress);
        Ok(batch)
    }
}
