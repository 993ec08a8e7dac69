//! Query results in the shapes the pages and the API show: named columns, rows of JSON
//! values (numbers stay numbers), and the first geometry column as GeoJSON in WGS84.

use crate::Result;
use koers_engine::QueryOutput;
use koers_engine::export::{geometry_columns, to_geojson};
use serde::Serialize;
use serde_json::Value;

/// A result ready to show.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub columns: Vec<String>,
    /// One value per column; the geometry column holds the geometry's GeoJSON.
    pub rows: Vec<Vec<Value>>,
    /// The name of the geometry column shown on the map, if any.
    pub geometry_column: Option<String>,
    /// Whether the engine cut the result off at its row limit.
    pub truncated: bool,
    pub elapsed_ms: u128,
    /// Whether it was brought up to date from the rows appended since the last run.
    pub incremental: bool,
}

impl Results {
    pub fn from_output(out: &QueryOutput) -> Result<Results> {
        let columns = out.column_names();
        let geometry_column = geometry_columns(out).first().map(|&i| columns[i].clone());
        let mut buf = Vec::new();
        to_geojson(out, &mut buf)?;
        let mut fc: Value = serde_json::from_slice(&buf).unwrap_or(Value::Null);
        let features = match fc.get_mut("features").map(Value::take) {
            Some(Value::Array(features)) => features,
            _ => Vec::new(),
        };
        // Each value is moved out of its feature, not copied (a map's geometries are most of
        // the answer); a name two columns share is copied for the first.
        let shared = |i: usize| columns[i + 1..].contains(&columns[i]);
        let rows = features
            .into_iter()
            .map(|mut f| {
                (0..columns.len())
                    .map(|i| {
                        let value = if Some(&columns[i]) == geometry_column.as_ref() {
                            f.get_mut("geometry")
                        } else {
                            f.get_mut("properties").and_then(|p| p.get_mut(&columns[i]))
                        };
                        match value {
                            Some(v) if shared(i) => v.clone(),
                            Some(v) => v.take(),
                            None => Value::Null,
                        }
                    })
                    .collect()
            })
            .collect();
        Ok(Results {
            columns,
            rows,
            geometry_column,
            truncated: out.truncated,
            elapsed_ms: out.elapsed.as_millis(),
            incremental: out.incremental,
        })
    }

    /// The geometries with a label that names them (see [`label_column`]), for a map.
    pub fn features(&self) -> Vec<(Value, String)> {
        let Some(g) = self
            .geometry_column
            .as_ref()
            .and_then(|g| self.columns.iter().position(|c| c == g))
        else {
            return Vec::new();
        };
        let first = self.rows.first();
        let label_col = label_column(&self.columns, g, |i| {
            first.is_some_and(|r| r[i].is_string())
        });
        self.rows
            .iter()
            .filter(|r| !r[g].is_null())
            .map(|r| {
                let label = label_col.map(|i| display(&r[i])).unwrap_or_default();
                (r[g].clone(), label)
            })
            .collect()
    }
}

/// The column whose value names a feature on a map (its tooltip): a column called like a
/// name (`naam`, `name`, `statnaam`, `gemeentenaam`, …); else the first text column that is
/// no identifier or code; else the first column beside the geometry `g`. `is_text` says
/// whether a column holds text.
pub fn label_column(
    columns: &[String],
    g: usize,
    is_text: impl Fn(usize) -> bool,
) -> Option<usize> {
    let lower: Vec<String> = columns.iter().map(|c| c.to_lowercase()).collect();
    let others = || (0..columns.len()).filter(move |&i| i != g);
    let named = |c: &str| {
        ["naam", "name", "label", "titel", "title", "omschrijving"]
            .iter()
            .any(|n| c == *n || c.ends_with(&format!("_{n}")) || c.ends_with(n))
    };
    let id_like = |c: &str| c.ends_with("id") || c.ends_with("code");
    others()
        .find(|&i| named(&lower[i]) && is_text(i))
        .or_else(|| others().find(|&i| is_text(i) && !id_like(&lower[i])))
        .or_else(|| others().next())
}

/// A value as text in a table cell: strings bare, geometry as its type, others as JSON.
pub fn display(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Object(o) if o.contains_key("coordinates") || o.contains_key("geometries") => o
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("geometry")
            .to_string(),
        other => other.to_string(),
    }
}

/// The rows of a result as GeoJSON features with geometries in `srid`, their ids from
/// `id_column` (which is then left out of the properties) when given.
pub fn features(out: &QueryOutput, srid: i32, id_column: Option<&str>) -> Result<Vec<Value>> {
    Ok(koers_engine::export::features(out, srid, id_column)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[tokio::test]
    async fn rows_hold_every_column_s_value_also_where_two_columns_share_a_name() {
        let engine = koers_engine::Engine::new(Default::default());
        let run = |sql: &'static str| {
            let engine = engine.clone();
            async move { Results::from_output(&engine.query(sql, &[]).await.unwrap()).unwrap() }
        };
        let r =
            run("SELECT 'Utrecht' AS naam, 3 AS n UNION ALL SELECT 'Zeist', 5 ORDER BY n").await;
        assert_eq!(r.columns, cols(&["naam", "n"]));
        assert_eq!(
            r.rows,
            vec![
                vec![Value::from("Utrecht"), Value::from(3)],
                vec![Value::from("Zeist"), Value::from(5)]
            ]
        );
        // A join's two `naam` columns are one property of a feature: both columns show it.
        let r = run(
            "SELECT x.naam, y.naam FROM (SELECT 'a' AS naam) x CROSS JOIN (SELECT 'a' AS naam) y",
        )
        .await;
        assert_eq!(r.rows, vec![vec![Value::from("a"), Value::from("a")]]);
    }

    #[test]
    fn a_map_names_its_features_by_a_name_not_an_id() {
        let all_text = |_| true;
        // Boundaries: an internal id and a code come first, the name after.
        let c = cols(&["id", "statcode", "statnaam", "geom"]);
        assert_eq!(label_column(&c, 3, all_text), Some(2));
        let c = cols(&["fid", "gm_code", "gemeentenaam", "geometry"]);
        assert_eq!(label_column(&c, 3, all_text), Some(2));
        // No name-like column: the first text column that is no id or code.
        let c = cols(&["geom", "objectid", "wegnummer", "conditie"]);
        assert_eq!(label_column(&c, 0, |i| i != 3), Some(2));
        // Only ids: still something to show.
        let c = cols(&["id", "geom"]);
        assert_eq!(label_column(&c, 1, all_text), Some(0));
        assert_eq!(label_column(&cols(&["geom"]), 0, all_text), None);
    }
}
