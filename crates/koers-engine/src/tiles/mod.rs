//! Vector tiles of large point sets: the points of a dataset version (two longitude and
//! latitude columns, WGS 84) held in Web Mercator order, so that any tile up to zoom
//! [`MAX_ZOOM`] is one contiguous run found by two binary searches — no scan per tile.
//!
//! **Index.** Every point becomes a Morton (Z-order) key of its Web Mercator position on a
//! grid of 2³¹ × 2³¹; the keys are sorted. A tile `z/x/y` is the key prefix of its `x` and
//! `y` bits, so its points are the keys between `prefix << 2(31−z)` and the next prefix.
//!
//! **Tiles.** A tile with at most [`MAX_POINTS`] points carries them one by one; a fuller
//! tile carries them aggregated on a grid of [`GRID`] × [`GRID`] cells, one point per cell
//! at the cell's middle with the number of points (`aantal`) — the way a map of ten million
//! movements stays readable and small at low zoom. Tiles are Mapbox Vector Tiles 2.1
//! ([`mvt`]), one layer `punten`, extent 4096.

pub mod mvt;

use crate::error::{EngineError, Result};
use datafusion::arrow::array::{Array, Float64Array, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::physical_plan::SendableRecordBatchStream;
use futures::StreamExt;

/// Bits per axis of the index grid.
const BITS: u32 = 31;
/// The deepest zoom a tile is cut at (deeper tiles would split grid cells).
pub const MAX_ZOOM: u8 = 24;
/// A tile with more points than this is aggregated.
pub const MAX_POINTS: usize = 4096;
/// Cells per axis of an aggregated tile.
pub const GRID: u32 = 128;
/// The tile's coordinate extent.
pub const EXTENT: u32 = 4096;
/// Web Mercator's latitude limit.
const MAX_LAT: f64 = 85.051_128_78;

/// The points of a dataset version in Z-order.
#[derive(Debug, Default)]
pub struct PointIndex {
    keys: Vec<u64>,
}

/// Where a longitude and latitude lie on the index grid (`None` outside Web Mercator).
fn grid(lon: f64, lat: f64) -> Option<(u32, u32)> {
    if !lon.is_finite() || !lat.is_finite() || !(-180.0..=180.0).contains(&lon) {
        return None;
    }
    if lat.abs() > MAX_LAT {
        return None;
    }
    let size = f64::from(1u32 << BITS);
    let x = (lon + 180.0) / 360.0;
    let s = lat.to_radians().sin();
    let y = 0.5 - ((1.0 + s) / (1.0 - s)).ln() / (4.0 * std::f64::consts::PI);
    let clamp = |v: f64| (v * size).clamp(0.0, size - 1.0) as u32;
    Some((clamp(x), clamp(y)))
}

/// Interleaves the bits of `x` (even) and `y` (odd).
fn morton(x: u32, y: u32) -> u64 {
    fn spread(v: u32) -> u64 {
        let mut v = u64::from(v);
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        v = (v | (v << 1)) & 0x5555_5555_5555_5555;
        v
    }
    spread(x) | (spread(y) << 1)
}

/// The `x` and `y` of a Morton key.
fn unmorton(k: u64) -> (u32, u32) {
    fn squash(mut v: u64) -> u32 {
        v &= 0x5555_5555_5555_5555;
        v = (v | (v >> 1)) & 0x3333_3333_3333_3333;
        v = (v | (v >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v >> 4)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v >> 8)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v >> 16)) & 0x0000_0000_FFFF_FFFF;
        v as u32
    }
    (squash(k), squash(k >> 1))
}

/// A tile's address, checked: zoom up to [`MAX_ZOOM`], `x` and `y` within the zoom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    /// The tile `z/x/y`, or why there is none (in words for the person asking).
    pub fn new(z: u32, x: u32, y: u32) -> std::result::Result<TileId, String> {
        if z > u32::from(MAX_ZOOM) {
            return Err(format!(
                "zoomniveau {z} bestaat niet (0 tot en met {MAX_ZOOM})"
            ));
        }
        let n = 1u64 << z;
        if u64::from(x) >= n || u64::from(y) >= n {
            return Err(format!(
                "tegel {z}/{x}/{y} bestaat niet: x en y gaan op zoomniveau {z} tot {n}"
            ));
        }
        Ok(TileId { z: z as u8, x, y })
    }

    /// The tiles of zoom `z` that cover a longitude/latitude box.
    pub fn covering(z: u8, west: f64, south: f64, east: f64, north: f64) -> Vec<TileId> {
        let shift = BITS - u32::from(z);
        let (Some((x0, y0)), Some((x1, y1))) = (grid(west, north), grid(east, south)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for y in (y0 >> shift)..=(y1 >> shift) {
            for x in (x0 >> shift)..=(x1 >> shift) {
                out.push(TileId { z, x, y });
            }
        }
        out
    }
}

/// The keys of a batch's points (its first two columns: longitude, latitude).
fn add(batch: &RecordBatch, keys: &mut Vec<u64>) -> Result<()> {
    if batch.num_columns() < 2 {
        return Err(EngineError::Query(
            "een tegelindex vraagt een lengte- en een breedtegraadkolom".into(),
        ));
    }
    let column = |i: usize| -> Result<Float64Array> {
        let c = cast(batch.column(i), &DataType::Float64).map_err(|_| {
            EngineError::Query(format!(
                "kolom {} is geen getal: lengte- en breedtegraad moeten getallen zijn",
                batch.schema().field(i).name()
            ))
        })?;
        c.as_any()
            .downcast_ref::<Float64Array>()
            .cloned()
            .ok_or_else(|| EngineError::Query("geen getallen".into()))
    };
    let (lon, lat) = (column(0)?, column(1)?);
    for i in 0..batch.num_rows() {
        if lon.is_null(i) || lat.is_null(i) {
            continue;
        }
        if let Some((x, y)) = grid(lon.value(i), lat.value(i)) {
            keys.push(morton(x, y));
        }
    }
    Ok(())
}

impl PointIndex {
    /// Reads the longitude and latitude (the first two columns, any numeric type) of every
    /// row of `stream`; rows without both, or outside Web Mercator, are left out.
    pub async fn build(mut stream: SendableRecordBatchStream) -> Result<PointIndex> {
        let mut keys = Vec::new();
        while let Some(batch) = stream.next().await {
            add(&batch?, &mut keys)?;
        }
        keys.sort_unstable();
        Ok(PointIndex { keys })
    }

    /// [`PointIndex::build`] from batches at hand (a query's output).
    pub fn from_batches(batches: &[RecordBatch]) -> Result<PointIndex> {
        let mut keys = Vec::new();
        for batch in batches {
            add(batch, &mut keys)?;
        }
        keys.sort_unstable();
        Ok(PointIndex { keys })
    }

    /// How many points the index holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys of the points in a tile: one contiguous run.
    fn run(&self, t: TileId) -> &[u64] {
        let shift = 2 * (BITS - u32::from(t.z));
        let prefix = morton(t.x, t.y);
        let lo = prefix << shift;
        let hi = (prefix + 1) << shift;
        let a = self.keys.partition_point(|k| *k < lo);
        let b = self.keys.partition_point(|k| *k < hi);
        &self.keys[a..b]
    }

    /// How many points lie in a tile.
    pub fn count(&self, t: TileId) -> usize {
        self.run(t).len()
    }

    /// The features of a tile: `(x, y, aantal)` in tile coordinates, its points one by one, or
    /// aggregated on a grid with their number when there are more than [`MAX_POINTS`].
    pub fn features(&self, t: TileId) -> Vec<(u32, u32, u64)> {
        let run = self.run(t);
        let shift = BITS - u32::from(t.z);
        // A point's place in the tile, 0..EXTENT.
        let local = |k: u64| {
            let (x, y) = unmorton(k);
            let within = |v: u32, tile: u32| {
                let offset = u64::from(v) - (u64::from(tile) << shift);
                ((offset * u64::from(EXTENT)) >> shift) as u32
            };
            (within(x, t.x), within(y, t.y))
        };
        if run.len() <= MAX_POINTS {
            return run
                .iter()
                .map(|k| {
                    let (x, y) = local(*k);
                    (x, y, 1)
                })
                .collect();
        }
        let cell = EXTENT / GRID;
        let mut counts = vec![0u32; (GRID * GRID) as usize];
        for k in run {
            let (x, y) = local(*k);
            let (cx, cy) = ((x / cell).min(GRID - 1), (y / cell).min(GRID - 1));
            counts[(cy * GRID + cx) as usize] += 1;
        }
        counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| {
                let (cx, cy) = (i as u32 % GRID, i as u32 / GRID);
                (cx * cell + cell / 2, cy * cell + cell / 2, u64::from(*n))
            })
            .collect()
    }

    /// The tile as a Mapbox Vector Tile, one layer `punten` of [`PointIndex::features`]. An
    /// empty tile is a tile with an empty layer.
    pub fn tile(&self, t: TileId) -> Vec<u8> {
        let mut layer = mvt::Layer::new("punten");
        for (x, y, n) in self.features(t) {
            layer.point(x, y, &[("aantal", n)]);
        }
        mvt::tile(&[layer])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{ArrayRef, Int32Array, RecordBatch};
    use datafusion::arrow::datatypes::{Field, Schema};
    use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
    use std::sync::Arc;

    /// One batch of the columns `lon` and `lat`, as a query streams it.
    fn stream_of(lon: ArrayRef, lat: ArrayRef) -> SendableRecordBatchStream {
        let schema = Arc::new(Schema::new(vec![
            Field::new("lon", lon.data_type().clone(), true),
            Field::new("lat", lat.data_type().clone(), true),
        ]));
        let batch = RecordBatch::try_new(schema.clone(), vec![lon, lat]).unwrap();
        Box::pin(RecordBatchStreamAdapter::new(
            schema,
            futures::stream::iter(vec![Ok(batch)]),
        ))
    }

    fn stream(lon: Vec<Option<f64>>, lat: Vec<Option<f64>>) -> SendableRecordBatchStream {
        stream_of(
            Arc::new(Float64Array::from(lon)),
            Arc::new(Float64Array::from(lat)),
        )
    }

    #[test]
    fn morton_keys_round_trip_and_tiles_are_prefixes() {
        for (x, y) in [(0, 0), (1, 2), (123_456, 7_654_321), ((1 << 31) - 1, 5)] {
            assert_eq!(unmorton(morton(x, y)), (x, y));
        }
        // Utrecht lies in tile 6/32/21 (the usual XYZ scheme).
        let (x, y) = grid(5.12, 52.09).unwrap();
        assert_eq!((x >> (BITS - 6), y >> (BITS - 6)), (32, 21));
        assert!(grid(5.0, 89.0).is_none() && grid(f64::NAN, 1.0).is_none());
        assert!(TileId::new(25, 0, 0).is_err());
        assert!(TileId::new(2, 4, 0).is_err());
        assert!(TileId::new(2, 3, 3).is_ok());
        let nl = TileId::covering(6, 3.3, 50.7, 7.3, 53.6);
        assert!(nl.contains(&TileId { z: 6, x: 32, y: 21 }) && nl.len() <= 4);
    }

    #[tokio::test]
    async fn a_tile_holds_exactly_its_points_and_aggregates_when_full() {
        let index = PointIndex::build(stream(
            vec![Some(5.12), Some(5.13), Some(4.9), None, Some(200.0)],
            vec![
                Some(52.09),
                Some(52.10),
                Some(52.37),
                Some(52.0),
                Some(52.0),
            ],
        ))
        .await
        .unwrap();
        assert_eq!(
            index.len(),
            3,
            "rows without a place or outside the map are left out"
        );
        assert_eq!(index.count(TileId::new(0, 0, 0).unwrap()), 3);
        assert_eq!(index.count(TileId::new(6, 32, 21).unwrap()), 3);
        assert_eq!(index.count(TileId::new(6, 31, 21).unwrap()), 0);
        // At zoom 12 Utrecht's two points and Amsterdam's are in different tiles.
        let utrecht = grid(5.12, 52.09).unwrap();
        let t = TileId::new(12, utrecht.0 >> (BITS - 12), utrecht.1 >> (BITS - 12)).unwrap();
        assert_eq!(index.count(t), 2);
        let decoded = mvt::tests::decode(&index.tile(t));
        assert_eq!(decoded.len(), 2);
        assert!(
            decoded
                .iter()
                .all(|(x, y, n)| *x < EXTENT && *y < EXTENT && *n == 1)
        );

        // Many points: one feature per occupied cell, the counts adding up.
        let n = MAX_POINTS + 500;
        let lon: Vec<Option<f64>> = (0..n)
            .map(|i| Some(5.0 + (i % 97) as f64 * 0.001))
            .collect();
        let lat: Vec<Option<f64>> = (0..n)
            .map(|i| Some(52.0 + (i % 89) as f64 * 0.001))
            .collect();
        let many = PointIndex::build(stream(lon, lat)).await.unwrap();
        let t = TileId::new(6, 32, 21).unwrap();
        let cells = mvt::tests::decode(&many.tile(t));
        assert!(cells.len() < n);
        assert_eq!(cells.iter().map(|c| c.2).sum::<u64>(), n as u64);
    }

    #[tokio::test]
    async fn text_that_is_no_number_is_left_out() {
        let s = stream_of(
            Arc::new(datafusion::arrow::array::StringArray::from(vec!["x"])),
            Arc::new(Int32Array::from(vec![52])),
        );
        // Arrow casts text that is no number to null: such a row is simply left out.
        let index = PointIndex::build(s).await.unwrap();
        assert!(index.is_empty());
    }
}
