//! CityJSON (`.city.json`, version 1.1 and 2.0) and CityJSON Text Sequences (`.city.jsonl`),
//! the 3D BAG's other formats: one row per top-level city object (a `Building`, not its
//! `BuildingPart`s), its attributes as columns (the 3D BAG's `b3_h_dak_50p`,
//! `oorspronkelijkbouwjaar`, …) with its id as `cityobject_id`, and its **footprint** as the
//! geometry: the object's LoD 0 surfaces where it has them, else the ground surfaces of its
//! own or its parts' solids (semantic `GroundSurface`, or without semantics the lowest
//! horizontal faces). Heights stay attributes; Z is dropped.
//!
//! Vertices are integers with the file's `transform` (scale and translate); the CRS comes from
//! `metadata.referenceSystem` (EPSG 7415, RD New + NAP height, reads as RD New) unless the
//! caller gives one. The document is read whole (a 3D BAG tile is tens of megabytes), turned
//! into GeoJSON features and read on by the GeoJSON reader, so columns and types are inferred
//! the same way.

use std::io::Write;
use std::path::Path;

use koers_core::json;
use serde_json::{Map, Value, json};

use super::geojson::GeoJsonSource;
use super::{Source, SourceGeometry};
use crate::error::{EngineError, Result};
use crate::progress::Progress;
use crate::spatial::crs;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;

fn invalid(message: impl Into<String>) -> EngineError {
    EngineError::InvalidInput {
        format: "CityJSON",
        message: message.into(),
    }
}

/// Whether a JSON file is CityJSON (its first kilobytes name the type) rather than GeoJSON.
pub fn is_cityjson(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut head = vec![0u8; 65_536];
    let n = std::fs::File::open(path)?.read(&mut head)?;
    let text: String = String::from_utf8_lossy(&head[..n])
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Ok(text.contains("\"type\":\"CityJSON\""))
}

/// The vertices of one document or sequence feature, in real coordinates.
struct Vertices(Vec<[f64; 2]>);

impl Vertices {
    fn read(doc: &Value, transform: Option<&Value>) -> Result<Vertices> {
        let num = |v: &Value, i: usize| v.get(i).and_then(Value::as_f64);
        let (scale, translate) = match transform {
            Some(t) => (
                [
                    num(&t["scale"], 0).unwrap_or(1.0),
                    num(&t["scale"], 1).unwrap_or(1.0),
                ],
                [
                    num(&t["translate"], 0).unwrap_or(0.0),
                    num(&t["translate"], 1).unwrap_or(0.0),
                ],
            ),
            None => ([1.0, 1.0], [0.0, 0.0]),
        };
        let list = doc
            .get("vertices")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("het bestand heeft geen hoekpunten (vertices)"))?;
        list.iter()
            .enumerate()
            .map(|(i, v)| match (num(v, 0), num(v, 1)) {
                (Some(x), Some(y)) => {
                    Ok([x * scale[0] + translate[0], y * scale[1] + translate[1]])
                }
                _ => Err(invalid(format!("hoekpunt {i} is geen lijst van getallen"))),
            })
            .collect::<Result<Vec<_>>>()
            .map(Vertices)
    }

    /// A ring of vertex indices as closed coordinates.
    fn ring(&self, ring: &Value) -> Result<Vec<[f64; 2]>> {
        let ids = ring
            .as_array()
            .ok_or_else(|| invalid("een ring is geen lijst van hoekpuntnummers"))?;
        let mut out = ids
            .iter()
            .map(|i| {
                i.as_u64()
                    .and_then(|i| self.0.get(i as usize))
                    .copied()
                    .ok_or_else(|| invalid(format!("hoekpunt {i} bestaat niet")))
            })
            .collect::<Result<Vec<_>>>()?;
        if out.len() < 3 {
            return Err(invalid("een ring heeft minder dan drie hoekpunten"));
        }
        if out.first() != out.last() {
            out.push(out[0]);
        }
        Ok(out)
    }

    /// A surface (outer ring, then holes) as GeoJSON polygon coordinates.
    fn polygon(&self, surface: &Value) -> Result<Vec<Vec<[f64; 2]>>> {
        surface
            .as_array()
            .ok_or_else(|| invalid("een vlak is geen lijst van ringen"))?
            .iter()
            .map(|r| self.ring(r))
            .collect()
    }
}

/// The footprint surfaces of one geometry object: all surfaces of an LoD 0 geometry; of a
/// solid, those marked `GroundSurface`, or without semantics those at its lowest height.
fn footprint_surfaces<'v>(
    g: &'v Value,
    lod0: bool,
    heights: &dyn Fn(&Value) -> Option<f64>,
) -> Vec<&'v Value> {
    let kind = g.get("type").and_then(Value::as_str).unwrap_or_default();
    let boundaries = g.get("boundaries").and_then(Value::as_array);
    match (kind, boundaries) {
        ("MultiSurface" | "CompositeSurface", Some(b)) if lod0 => b.iter().collect(),
        ("Solid", Some(shells)) => {
            let Some(outer) = shells.first().and_then(Value::as_array) else {
                return Vec::new();
            };
            let semantic = g.get("semantics");
            let types: Vec<&str> = semantic
                .and_then(|s| s.get("surfaces"))
                .and_then(Value::as_array)
                .map(|s| {
                    s.iter()
                        .map(|x| x.get("type").and_then(Value::as_str).unwrap_or_default())
                        .collect()
                })
                .unwrap_or_default();
            let values = semantic
                .and_then(|s| s.get("values"))
                .and_then(|v| v.get(0))
                .and_then(Value::as_array);
            if let Some(values) = values.filter(|_| !types.is_empty()) {
                return outer
                    .iter()
                    .zip(values)
                    .filter(|(_, v)| {
                        v.as_u64()
                            .and_then(|i| types.get(i as usize))
                            .is_some_and(|t| *t == "GroundSurface")
                    })
                    .map(|(s, _)| s)
                    .collect();
            }
            // No semantics: the faces lying at the solid's lowest height.
            let lowest = outer.iter().filter_map(heights).fold(f64::MAX, f64::min);
            outer
                .iter()
                .filter(|s| heights(s).is_some_and(|h| (h - lowest).abs() < 1e-6))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The GeoJSON features of a document's (or a sequence feature's) top-level city objects.
fn features(doc: &Value, transform: Option<&Value>, out: &mut Vec<Value>) -> Result<()> {
    let objects = doc
        .get("CityObjects")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("het bestand heeft geen CityObjects"))?;
    let vertices = Vertices::read(doc, transform)?;
    // The height of a surface: the highest Z of its outer ring (for the lowest-face rule).
    let raw = doc.get("vertices").and_then(Value::as_array);
    let scale_z = transform
        .and_then(|t| t["scale"].get(2))
        .and_then(Value::as_f64)
        .unwrap_or(1.0);
    let heights = |surface: &Value| -> Option<f64> {
        let ring = surface.get(0)?.as_array()?;
        ring.iter()
            .map(|i| {
                let v = raw?.get(i.as_u64()? as usize)?;
                Some(v.get(2)?.as_f64()? * scale_z)
            })
            .try_fold(f64::MIN, |m, z| z.map(|z| m.max(z)))
    };
    for (id, object) in objects {
        if object
            .get("parents")
            .and_then(Value::as_array)
            .is_some_and(|p| !p.is_empty())
        {
            continue;
        }
        let geometries = |o: &Value| -> Vec<Value> {
            o.get("geometry")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let lod = |g: &Value| -> String {
            match g.get("lod") {
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => String::new(),
            }
        };
        let own = geometries(object);
        // LoD 0 of the object; else the ground of the highest-detail solid of it or its parts.
        let mut surfaces: Vec<Value> = own
            .iter()
            .filter(|g| lod(g).starts_with('0'))
            .flat_map(|g| footprint_surfaces(g, true, &heights))
            .cloned()
            .collect();
        if surfaces.is_empty() {
            let mut solids: Vec<Value> = own;
            for child in object
                .get("children")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if let Some(c) = objects.get(child) {
                    solids.extend(geometries(c));
                }
            }
            let best = solids
                .iter()
                .filter(|g| g.get("type").and_then(Value::as_str) == Some("Solid"))
                .map(lod)
                .max();
            surfaces = solids
                .iter()
                .filter(|g| Some(lod(g)) == best)
                .flat_map(|g| footprint_surfaces(g, false, &heights))
                .cloned()
                .collect();
        }
        let polygons = surfaces
            .iter()
            .map(|s| vertices.polygon(s))
            .collect::<Result<Vec<_>>>()
            .map_err(|e| invalid(format!("stadsobject {id}: {e}")))?;
        let geometry = match polygons.len() {
            0 => Value::Null,
            1 => json!({"type": "Polygon", "coordinates": polygons[0]}),
            _ => json!({"type": "MultiPolygon", "coordinates": polygons}),
        };
        let mut properties = Map::new();
        properties.insert("cityobject_id".into(), Value::String(id.clone()));
        properties.insert(
            "cityobject_type".into(),
            object.get("type").cloned().unwrap_or(Value::Null),
        );
        for (k, v) in object
            .get("attributes")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let v = match v {
                Value::Array(_) | Value::Object(_) => Value::String(v.to_string()),
                v => v.clone(),
            };
            properties.insert(k.clone(), v);
        }
        out.push(json!({"type": "Feature", "properties": properties, "geometry": geometry}));
    }
    Ok(())
}

/// The SRID a CityJSON document names (`https://www.opengis.net/def/crs/EPSG/0/7415`).
fn srid_of(metadata: &Value) -> Option<i32> {
    let name = metadata.get("referenceSystem")?.as_str()?;
    let code: i32 = name.rsplit(['/', ':']).next()?.parse().ok()?;
    crs::horizontal(code)
}

/// A CityJSON file read as the GeoJSON of its footprints.
pub struct CityJsonSource<'a> {
    inner: GeoJsonSource<'a>,
    /// The GeoJSON written for the inner reader; removed when the source is dropped.
    _footprints: tempfile::TempPath,
}

impl<'a> CityJsonSource<'a> {
    pub fn open(path: &Path, srid: Option<i32>, progress: &'a dyn Progress) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| invalid(format!("het bestand is niet als tekst te lezen: {e}")))?;
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        // One document, or a CityJSON Text Sequence: the metadata, then a CityJSONFeature per
        // line.
        let (first, sequence): (Value, bool) = match serde_json::from_str(&text) {
            Ok(v) => (v, false),
            Err(_) => (
                serde_json::from_str(lines.next().unwrap_or_default())
                    .map_err(|e| invalid(format!("geen CityJSON: {}", json::problem(&e))))?,
                true,
            ),
        };
        if first.get("type").and_then(Value::as_str) != Some("CityJSON") {
            return Err(invalid("het type van het document is niet CityJSON"));
        }
        let transform = first.get("transform");
        let mut out = Vec::new();
        if !sequence {
            features(&first, transform, &mut out)?;
        }
        for (i, line) in lines.enumerate().filter(|_| sequence) {
            // Each line is a document of its own: its own line 1 is the file's line `i + 2`.
            let f: Value = serde_json::from_str(line)
                .map_err(|e| invalid(json::problem_on_line(&e, i + 2)))?;
            features(&f, transform, &mut out)
                .map_err(|e| invalid(format!("regel {}: {e}", i + 2)))?;
        }
        if out.is_empty() {
            return Err(invalid("het bestand bevat geen stadsobjecten"));
        }
        let srid = srid
            .or_else(|| first.get("metadata").and_then(srid_of))
            .ok_or_else(|| {
                invalid("het bestand noemt geen coördinatenstelsel dat koers leest (EPSG:7415, 28992 of 4326): geef het zelf op")
            })?;
        let mut file = tempfile::Builder::new()
            .suffix(".geojson")
            .tempfile()
            .map_err(EngineError::from)?;
        serde_json::to_writer(
            &mut file,
            &json!({"type": "FeatureCollection", "features": out}),
        )
        .map_err(|e| invalid(e.to_string()))?;
        file.flush()?;
        let footprints = file.into_temp_path();
        let inner = GeoJsonSource::open(&footprints, Some(srid), progress)?;
        Ok(CityJsonSource {
            inner,
            _footprints: footprints,
        })
    }
}

impl Source for CityJsonSource<'_> {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn geometry(&self) -> Option<SourceGeometry> {
        self.inner.geometry()
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        self.inner.next_batch()
    }
}
