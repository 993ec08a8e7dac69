//! Vector tiles of a dataset's points, for maps of large data: who may read the dataset may
//! read its tiles, nobody else. The points' index is built once per dataset version and pair
//! of columns, and the last few are kept in memory; every tile is cut from it
//! ([`koers_engine::tiles`]).

use crate::Principal;
use crate::catalog::{self, Workspace};
use crate::{Error, Result};
use koers_core::Invalid;
use koers_core::analysis::quote_ident;
use koers_core::catalog::AccessRights;
use koers_engine::tiles::{PointIndex, TileId};
use koers_engine::{Sql, TableRef};
use std::sync::Arc;

/// How many point indexes stay in memory (the most recently used).
const KEPT: usize = 4;

/// The indexes in memory, most recently used last; one build at a time.
#[derive(Default)]
pub struct TileCache {
    kept: std::sync::Mutex<Vec<(String, Arc<PointIndex>)>>,
    building: tokio::sync::Mutex<()>,
}

impl TileCache {
    fn get(&self, key: &str) -> Option<Arc<PointIndex>> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let i = kept.iter().position(|(k, _)| k == key)?;
        let entry = kept.remove(i);
        let index = entry.1.clone();
        kept.push(entry);
        Some(index)
    }

    fn put(&self, key: String, index: Arc<PointIndex>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|(k, _)| *k != key);
        kept.push((key, index));
        let over = kept.len().saturating_sub(KEPT);
        kept.drain(..over);
    }
}

/// The names people give longitude and latitude columns, as they end.
const LON: [&str; 4] = ["lon", "lng", "longitude", "lengtegraad"];
const LAT: [&str; 3] = ["lat", "latitude", "breedtegraad"];

/// The pairs of longitude and latitude columns whose names say so: `lon`/`lat`,
/// `origin_lon`/`origin_lat`, `x_lengtegraad`/`x_breedtegraad`, …
pub fn point_pairs(columns: &[String]) -> Vec<(String, String)> {
    let ends = |name: &str, words: &[&str]| {
        let n = name.to_lowercase();
        words
            .iter()
            .any(|w| n == *w || n.ends_with(&format!("_{w}")))
    };
    let stem = |c: &str| c.rsplit_once('_').map_or("", |(s, _)| s).to_string();
    columns
        .iter()
        .filter(|c| ends(c, &LON))
        .filter_map(|lon| {
            columns
                .iter()
                .find(|lat| ends(lat, &LAT) && stem(lat) == stem(lon))
                .map(|lat| (lon.clone(), lat.clone()))
        })
        .collect()
}

/// The longitude and latitude columns: those asked for, which must exist, or else the one
/// pair whose names say so (`lon`/`lat`, `origin_lon`/`origin_lat`, …). Several pairs, or
/// none, are refused with the candidates.
fn point_columns(
    columns: &[String],
    lon: Option<&str>,
    lat: Option<&str>,
) -> Result<(String, String)> {
    if let (Some(lon), Some(lat)) = (lon, lat) {
        for (field, c) in [("lon", lon), ("lat", lat)] {
            if !columns.iter().any(|x| x == c) {
                return Err(Error::Invalid(Invalid::one(
                    field,
                    "unknown",
                    &format!(
                        "de bron heeft geen kolom {c:?}; wel: {}",
                        columns.join(", ")
                    ),
                )));
            }
        }
        return Ok((lon.to_string(), lat.to_string()));
    }
    let pairs = point_pairs(columns);
    match pairs.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Error::Invalid(Invalid::one(
            "lon",
            "required",
            "de bron heeft geen kolommen met lengte- en breedtegraad (zoals lon en lat): kies ze met ?lon=…&lat=…",
        ))),
        many => Err(Error::Invalid(Invalid::one(
            "lon",
            "ambiguous",
            &format!(
                "de bron heeft meer paren lengte- en breedtegraad; kies er één met ?lon=…&lat=…: {}",
                many.iter()
                    .map(|(a, b)| format!("{a} en {b}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ))),
    }
}

/// What a tile index reads of a table with these columns: its longitude and latitude
/// ([`point_columns`]), or, without such a pair, the middle of its `geometry` in WGS 84.
/// With the columns' names, for the index's key.
fn points_select(
    names: &[String],
    geometry: Option<String>,
    lon: Option<&str>,
    lat: Option<&str>,
) -> Result<(String, String)> {
    match (point_columns(names, lon, lat), geometry) {
        (Ok((lon, lat)), _) => Ok((
            format!("SELECT {}, {}", quote_ident(&lon), quote_ident(&lat)),
            format!("{lon}\u{1f}{lat}"),
        )),
        (Err(_), Some(g)) if lon.is_none() && lat.is_none() => {
            let middle = format!("ST_Centroid(ST_Transform({}, 4326))", quote_ident(&g));
            Ok((format!("SELECT ST_X({middle}), ST_Y({middle})"), g))
        }
        (Err(e), _) => Err(e),
    }
}

/// The index under `key` from the cache, or built by `build` (one build at a time) and kept.
async fn cached<F>(ws: &Workspace, key: String, build: F) -> Result<Arc<PointIndex>>
where
    F: std::future::Future<Output = Result<PointIndex>>,
{
    if let Some(index) = ws.tiles.get(&key) {
        return Ok(index);
    }
    let _one = ws.tiles.building.lock().await;
    if let Some(index) = ws.tiles.get(&key) {
        return Ok(index);
    }
    let index = Arc::new(build.await?);
    ws.tiles.put(key, index.clone());
    Ok(index)
}

/// The most points an analysis result may bring to its tiles.
pub const ANALYSIS_POINTS: usize = 10_000_000;

/// Tile `z/x/y` of the points of a saved analysis' result for these parameter values (the
/// defaults for the rest): its longitude and latitude columns (named, or the one pair whose
/// names say so), or else the middle of its geometry. Who may read the organisation's
/// analyses may read their tiles. The index is kept per analysis version, parameter values
/// and versions of the datasets it reads, so a new import or a changed analysis gives new
/// tiles.
pub async fn analysis_tile(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    (z, x, y): (u32, u32, u32),
    values: &std::collections::BTreeMap<String, String>,
    (lon, lat): (Option<&str>, Option<&str>),
) -> Result<Vec<u8>> {
    who.require(koers_core::Permission::Read)?;
    let tile = TileId::new(z, x, y).map_err(|m| Error::Invalid(Invalid::one("z", "range", &m)))?;
    let a = ws.store.catalog().analysis(&who.org.id, id).await?;
    let sql = crate::analysis::bound_sql(&a, values)?;
    let inner = sql.text.trim().trim_end_matches(';').to_string();
    let over =
        |select: String| Sql::new(format!("{select} FROM ({inner}) AS r"), sql.params.clone());
    // Its columns, from its first row (a geometry is known by its value).
    let empty = Sql::new(
        format!("SELECT * FROM ({inner}) AS r LIMIT 1"),
        sql.params.clone(),
    );
    let shape = ws.query(&who.org.id, empty, 1, None).await?;
    let names = shape.column_names();
    let geometry = koers_engine::export::geometry_columns(&shape)
        .first()
        .map(|i| names[*i].clone());
    let (select, columns) = points_select(&names, geometry, lon, lat)?;
    let read = ws
        .store
        .indicators()
        .versions_read_by(&who.org.id, &sql.text)
        .await?;
    let key = format!(
        "analyse\u{1f}{}\u{1f}{}\u{1f}{:?}\u{1f}{columns}\u{1f}{read:?}",
        a.id, a.updated_at, sql.params
    );
    let index = cached(ws, key, async {
        let out = ws
            .query(&who.org.id, over(select), ANALYSIS_POINTS, None)
            .await?;
        if out.truncated {
            return Err(Error::Invalid(Invalid::one(
                "analysisId",
                "too_large",
                &format!(
                    "het resultaat heeft meer dan {ANALYSIS_POINTS} punten; beperk de analyse (bijvoorbeeld met een filter) voor een kaart"
                ),
            )));
        }
        Ok(PointIndex::from_batches(&out.batches)?)
    })
    .await?;
    Ok(index.tile(tile))
}

/// Tile `z/x/y` of the points of a dataset's newest version (Mapbox Vector Tile, layer
/// `punten`), its points one by one or counted per cell where they are many: its longitude
/// and latitude columns, or else the middle of each geometry.
pub async fn dataset_tile(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    (z, x, y): (u32, u32, u32),
    lon: Option<&str>,
    lat: Option<&str>,
) -> Result<Vec<u8>> {
    let ds = catalog::dataset(ws, who, id).await?;
    if ds.org_id != who.org.id && ds.meta.access_rights != AccessRights::Public {
        return Err(Error::NotFound);
    }
    let versions = ws.store.catalog().dataset_versions(&ds.id).await?;
    let version = versions.first().ok_or(Error::NotFound)?;
    version_tile(ws, version, (z, x, y), lon, lat).await
}

/// Tile `z/x/y` of the points of a dataset version, for whoever the caller let through
/// (a reader of the dataset; anyone for a published one, through OGC API – Tiles): its
/// longitude and latitude columns, or else the middle of each geometry.
pub async fn version_tile(
    ws: &Workspace,
    version: &koers_store::DatasetVersion,
    (z, x, y): (u32, u32, u32),
    lon: Option<&str>,
    lat: Option<&str>,
) -> Result<Vec<u8>> {
    let tile = TileId::new(z, x, y).map_err(|m| Error::Invalid(Invalid::one("z", "range", &m)))?;
    let geometry = version
        .geometry
        .as_ref()
        .and_then(|g| g.get("column"))
        .and_then(|c| c.as_str())
        .map(str::to_string);
    let (select, columns) = points_select(&version.column_names(), geometry, lon, lat)?;
    let key = format!("{}\u{1f}{columns}", version.id);
    let index = cached(ws, key, async {
        let table: TableRef = ws.table_ref("punten".into(), version)?;
        let sql = Sql::from(format!("{select} FROM punten"));
        let stream = ws.engine.stream(&sql, &[table]).await?;
        Ok(PointIndex::build(stream).await?)
    })
    .await?;
    Ok(index.tile(tile))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn point_columns_are_named_or_found() {
        assert_eq!(
            point_columns(&names(&["id", "lon", "lat"]), None, None).unwrap(),
            ("lon".into(), "lat".into())
        );
        let two = names(&["origin_lon", "origin_lat", "dest_lon", "dest_lat"]);
        let e = point_columns(&two, None, None).unwrap_err().to_string();
        assert!(
            e.contains("origin_lon en origin_lat") && e.contains("dest_lon en dest_lat"),
            "{e}"
        );
        assert_eq!(
            point_columns(&two, Some("dest_lon"), Some("dest_lat")).unwrap(),
            ("dest_lon".into(), "dest_lat".into())
        );
        let e = point_columns(&two, Some("x"), Some("dest_lat"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("geen kolom \"x\""), "{e}");
        assert!(point_columns(&names(&["naam"]), None, None).is_err());
    }
}
