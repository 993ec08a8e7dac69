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

/// Tile `z/x/y` of the points of a dataset's newest version (Mapbox Vector Tile, layer
/// `punten`), its points one by one or counted per cell where they are many.
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
    let tile = TileId::new(z, x, y).map_err(|m| Error::Invalid(Invalid::one("z", "range", &m)))?;
    let versions = ws.store.catalog().dataset_versions(&ds.id).await?;
    let version = versions.first().ok_or(Error::NotFound)?;
    let (lon, lat) = point_columns(&version.column_names(), lon, lat)?;
    let key = format!("{}\u{1f}{lon}\u{1f}{lat}", version.id);
    let index = match ws.tiles.get(&key) {
        Some(index) => index,
        None => {
            let _one = ws.tiles.building.lock().await;
            match ws.tiles.get(&key) {
                Some(index) => index,
                None => {
                    let table: TableRef = ws.table_ref("punten".into(), version)?;
                    let sql = Sql::from(format!(
                        "SELECT {}, {} FROM punten",
                        quote_ident(&lon),
                        quote_ident(&lat)
                    ));
                    let stream = ws.engine.stream(&sql, &[table]).await?;
                    let index = Arc::new(PointIndex::build(stream).await?);
                    ws.tiles.put(key, index.clone());
                    index
                }
            }
        }
    };
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
