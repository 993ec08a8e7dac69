//! Quality statistics gathered while a version is written: nulls, distinct values (exact up
//! to [`EXACT_DISTINCT`], estimated beyond), ranges, and for geometry the invalid count,
//! types and the WGS84 bounding box.

use std::collections::{BTreeSet, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::functions_aggregate::min_max::{MaxAccumulator, MinAccumulator};
use datafusion::logical_expr::Accumulator;
use geo::{BoundingRect, Validation};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::spatial::{crs, ewkb};

/// Quality figures of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnQuality {
    /// Column name.
    pub name: String,
    /// Rows where the value is NULL.
    pub null_count: u64,
    /// Distinct non-null values: counted exactly up to [`EXACT_DISTINCT`], beyond that a
    /// HyperLogLog estimate (never more than the non-null rows).
    pub distinct_count: u64,
    /// Whether `distinct_count` is exact (false: an estimate; also for figures stored before
    /// koers said so).
    #[serde(default)]
    pub distinct_exact: bool,
    /// Smallest value, for numbers, dates and times.
    pub min: Option<String>,
    /// Largest value, for numbers, dates and times.
    pub max: Option<String>,
    /// For geometry columns: values that are not valid geometries (self-intersections, …).
    pub invalid_geometries: Option<u64>,
    /// For geometry columns: [min lon, min lat, max lon, max lat] in WGS84.
    pub bbox_wgs84: Option<[f64; 4]>,
}

/// Up to this many distinct values per column are counted exactly (by their 64-bit hashes);
/// beyond it the count is a HyperLogLog estimate.
pub const EXACT_DISTINCT: usize = 50_000;

/// A HyperLogLog sketch with 2^12 registers (about 1.6 % standard error).
struct Hll {
    registers: Vec<u8>,
}

impl Hll {
    const P: u32 = 12;

    fn new() -> Self {
        Hll {
            registers: vec![0; 1 << Self::P],
        }
    }

    fn add(&mut self, h: u64) {
        let idx = (h >> (64 - Self::P)) as usize;
        let rank = ((h << Self::P) | (1 << (Self::P - 1))).leading_zeros() as u8 + 1;
        if self.registers[idx] < rank {
            self.registers[idx] = rank;
        }
    }

    fn estimate(&self) -> u64 {
        let m = self.registers.len() as f64;
        let sum: f64 = self
            .registers
            .iter()
            .map(|r| 2f64.powi(-i32::from(*r)))
            .sum();
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let raw = alpha * m * m / sum;
        let zeros = self.registers.iter().filter(|r| **r == 0).count();
        let est = if raw <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            raw
        };
        est.round() as u64
    }
}

struct ColumnState {
    name: String,
    nulls: u64,
    values: u64,
    hll: Hll,
    /// The hashes seen, until there are more than [`EXACT_DISTINCT`] (then `None`).
    exact: Option<HashSet<u64>>,
    converter: Option<RowConverter>,
    min: Option<MinAccumulator>,
    max: Option<MaxAccumulator>,
    geometry: Option<GeomState>,
}

#[derive(Default)]
struct GeomState {
    invalid: u64,
    types: BTreeSet<String>,
    bbox: Option<[f64; 4]>,
    srid: i32,
}

fn ranged(t: &DataType) -> bool {
    t.is_numeric() || t.is_temporal()
}

/// Collects quality figures batch by batch.
pub struct QualityCollector {
    columns: Vec<ColumnState>,
}

impl QualityCollector {
    /// A collector for a schema; `geometry` names the geometry column and its SRID.
    pub fn new(schema: &SchemaRef, geometry: Option<(&str, i32)>) -> Result<Self> {
        let mut columns = Vec::new();
        for f in schema.fields() {
            let t = f.data_type();
            let is_geom = geometry.is_some_and(|(g, _)| g == f.name());
            columns.push(ColumnState {
                name: f.name().clone(),
                nulls: 0,
                values: 0,
                hll: Hll::new(),
                exact: Some(HashSet::new()),
                converter: RowConverter::new(vec![SortField::new(t.clone())]).ok(),
                min: if ranged(t) {
                    Some(MinAccumulator::try_new(t)?)
                } else {
                    None
                },
                max: if ranged(t) {
                    Some(MaxAccumulator::try_new(t)?)
                } else {
                    None
                },
                geometry: is_geom.then(|| GeomState {
                    srid: geometry.map(|g| g.1).unwrap_or(crs::WGS84),
                    ..GeomState::default()
                }),
            });
        }
        Ok(QualityCollector { columns })
    }

    /// Add one batch.
    pub fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        for (c, a) in self.columns.iter_mut().zip(batch.columns()) {
            c.nulls += a.null_count() as u64;
            if let Some(conv) = &c.converter {
                let rows = conv.convert_columns(std::slice::from_ref(a))?;
                for i in 0..a.len() {
                    if a.is_valid(i) {
                        let mut h = DefaultHasher::new();
                        rows.row(i).as_ref().hash(&mut h);
                        let h = h.finish();
                        c.hll.add(h);
                        c.values += 1;
                        if let Some(set) = &mut c.exact {
                            set.insert(h);
                            if set.len() > EXACT_DISTINCT {
                                c.exact = None;
                            }
                        }
                    }
                }
            }
            if let Some(m) = &mut c.min {
                m.update_batch(std::slice::from_ref(a))?;
            }
            if let Some(m) = &mut c.max {
                m.update_batch(std::slice::from_ref(a))?;
            }
            if let Some(g) = &mut c.geometry {
                update_geometry(g, a);
            }
        }
        Ok(())
    }

    /// The figures, and the geometry types seen.
    pub fn finish(self) -> Result<(Vec<ColumnQuality>, Vec<String>)> {
        let mut out = Vec::with_capacity(self.columns.len());
        let mut types = Vec::new();
        for mut c in self.columns {
            let fmt = |v: datafusion::common::ScalarValue| (!v.is_null()).then(|| v.to_string());
            let min = match &mut c.min {
                Some(m) => fmt(m.evaluate()?),
                None => None,
            };
            let max = match &mut c.max {
                Some(m) => fmt(m.evaluate()?),
                None => None,
            };
            let (invalid, bbox) = match c.geometry {
                Some(g) => {
                    types = g.types.into_iter().collect();
                    let bbox = match g.bbox {
                        Some(b) => wgs84_bbox(b, g.srid),
                        None => None,
                    };
                    (Some(g.invalid), bbox)
                }
                None => (None, None),
            };
            let (distinct_count, distinct_exact) = match (&c.exact, &c.converter) {
                (Some(set), Some(_)) => (set.len() as u64, true),
                _ => (c.hll.estimate().min(c.values), false),
            };
            out.push(ColumnQuality {
                name: c.name,
                null_count: c.nulls,
                distinct_count,
                distinct_exact,
                min,
                max,
                invalid_geometries: invalid,
                bbox_wgs84: bbox,
            });
        }
        Ok((out, types))
    }
}

fn wgs84_bbox(b: [f64; 4], srid: i32) -> Option<[f64; 4]> {
    if srid == crs::WGS84 {
        return Some(b);
    }
    let corners = [(b[0], b[1]), (b[0], b[3]), (b[2], b[1]), (b[2], b[3])];
    let mut out = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for (x, y) in corners {
        let (lon, lat) = crs::transform_xy(x, y, srid, crs::WGS84).ok()?;
        out = [
            out[0].min(lon),
            out[1].min(lat),
            out[2].max(lon),
            out[3].max(lat),
        ];
    }
    Some(out)
}

fn update_geometry(g: &mut GeomState, a: &ArrayRef) {
    let Some(bin) = a.as_binary_opt::<i32>() else {
        return;
    };
    for v in bin.iter().flatten() {
        let Ok(d) = ewkb::decode(v) else {
            g.invalid += 1;
            continue;
        };
        g.types.insert(ewkb::type_name(&d.geometry).to_string());
        if !d.geometry.is_valid() {
            g.invalid += 1;
        }
        if let Some(r) = d.geometry.bounding_rect() {
            let nb = [r.min().x, r.min().y, r.max().x, r.max().y];
            g.bbox = Some(match g.bbox {
                None => nb,
                Some(o) => [
                    o[0].min(nb[0]),
                    o[1].min(nb[1]),
                    o[2].max(nb[2]),
                    o[3].max(nb[3]),
                ],
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_values_are_exact_up_to_the_limit_then_estimated() {
        use datafusion::arrow::array::Int64Array;
        use datafusion::arrow::datatypes::{Field, Schema};
        use std::sync::Arc;
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, true)]));
        let count = |n: i64| {
            let mut q = QualityCollector::new(&schema, None).unwrap();
            let values: Vec<Option<i64>> = (0..n).map(Some).chain([None, Some(0)]).collect();
            let batch =
                RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(values))])
                    .unwrap();
            q.update(&batch).unwrap();
            let (cols, _) = q.finish().unwrap();
            (
                cols[0].distinct_count,
                cols[0].distinct_exact,
                cols[0].null_count,
            )
        };
        // 342 municipalities: exactly 342, not an estimate near it.
        assert_eq!(count(342), (342, true, 1));
        let (many, exact, _) = count(EXACT_DISTINCT as i64 + 10_000);
        assert!(!exact);
        assert!(many <= EXACT_DISTINCT as u64 + 10_001);
        assert!(
            many as f64 > (EXACT_DISTINCT as f64 + 10_000.0) * 0.95,
            "{many}"
        );
    }

    #[test]
    fn hll_is_close() {
        for n in [1u64, 10, 1000, 100_000] {
            let mut h = Hll::new();
            for i in 0..n {
                let mut s = DefaultHasher::new();
                i.hash(&mut s);
                h.add(s.finish());
            }
            let e = h.estimate() as f64;
            assert!(
                (e - n as f64).abs() <= (n as f64 * 0.05).max(1.0),
                "{n}: {e}"
            );
        }
    }
}
