//! Maturity over the years: a round follows an earlier one (the study repeats), and its
//! dimensions are mapped to that round's, also when the framework changed in between (a
//! dimension renamed, split off or new). Along that chain an organisation's scores and the
//! benchmark are read per dimension of the newest framework, oldest round first. Every score
//! is the round's own, computed with that round's anonymity threshold: the trend adds no
//! figure a round would not show.

use super::Framework;
use crate::error::{Collector, Invalid};
use std::collections::BTreeMap;

/// How a round's dimensions continue those of the round before it: this round's key → the
/// earlier round's key, or `None` for a dimension without history.
pub type DimensionMap = BTreeMap<String, Option<String>>;

/// The longest chain of rounds a trend follows.
pub const MAX_ROUNDS: usize = 25;

/// Maps the dimensions of `newer` to those of `older`: `given` pairs (this round's key, the
/// earlier key, or empty for "new") first, every other dimension to the dimension with the
/// same key, when `older` has it. Unknown keys, and an earlier dimension continued twice,
/// are refused.
pub fn link(
    newer: &Framework,
    older: &Framework,
    given: &[(String, String)],
) -> Result<DimensionMap, Invalid> {
    let mut c = Collector::default();
    let mut map = DimensionMap::new();
    for (new, old) in given {
        let field = format!("dimensionMap.{new}");
        if newer.dimension(new).is_none() {
            c.take::<()>(Err(Invalid::one(
                &field,
                "unknown",
                "deze dimensie staat niet in het kader van de ronde",
            )));
            continue;
        }
        let old = old.trim();
        if !old.is_empty() && older.dimension(old).is_none() {
            c.take::<()>(Err(Invalid::one(
                &field,
                "unknown",
                "deze dimensie staat niet in het kader van de vorige ronde",
            )));
            continue;
        }
        map.insert(new.clone(), (!old.is_empty()).then(|| old.to_string()));
    }
    for d in &newer.dimensions {
        map.entry(d.key.clone())
            .or_insert_with(|| older.dimension(&d.key).map(|o| o.key.clone()));
    }
    let mut used: Vec<&String> = map.values().flatten().collect();
    used.sort();
    if used.windows(2).any(|w| w[0] == w[1]) {
        c.take::<()>(Err(Invalid::one(
            "dimensionMap",
            "duplicate",
            "een dimensie van de vorige ronde kan maar één dimensie voortzetten",
        )));
    }
    c.finish()?;
    Ok(map)
}

/// A round follows only an earlier year (so a chain never turns back on itself).
pub fn check_previous(year: i64, previous_year: i64) -> Result<(), Invalid> {
    if previous_year < year {
        Ok(())
    } else {
        Err(Invalid::one(
            "previousRoundId",
            "order",
            "kies een ronde van een eerder jaar",
        ))
    }
}

/// One round of a chain, as the trend reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundPoint {
    /// What the round is called on the axis, e.g. its year.
    pub label: String,
    /// The organisation's score per dimension of this round (`None`: no figure).
    pub scores: BTreeMap<String, Option<f64>>,
    /// The mean over the round's organisations per dimension.
    pub benchmark: BTreeMap<String, Option<f64>>,
    /// How this round's dimensions continue the round before it in the chain.
    pub to_previous: DimensionMap,
}

/// One dimension of the newest framework over the years.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendLine {
    pub key: String,
    pub name: String,
    /// The organisation's score per round, oldest first.
    pub values: Vec<Option<f64>>,
    /// The benchmark per round, oldest first.
    pub benchmark: Vec<Option<f64>>,
}

/// The trend of every dimension of `newest` (the framework of the chain's last round) over
/// `chain`, oldest round first: each dimension followed back through the maps; where the map
/// ends (a new dimension) the earlier rounds have no figure.
pub fn trend(newest: &Framework, chain: &[RoundPoint]) -> Vec<TrendLine> {
    newest
        .dimensions
        .iter()
        .map(|d| {
            let n = chain.len();
            let mut values = vec![None; n];
            let mut benchmark = vec![None; n];
            let mut key = Some(d.key.clone());
            for i in (0..n).rev() {
                let Some(k) = key.take() else { break };
                values[i] = chain[i].scores.get(&k).copied().flatten();
                benchmark[i] = chain[i].benchmark.get(&k).copied().flatten();
                if i > 0 {
                    key = chain[i].to_previous.get(&k).cloned().flatten();
                }
            }
            TrendLine {
                key: d.key.clone(),
                name: d.name.clone(),
                values,
                benchmark,
            }
        })
        .collect()
}

/// The mean over the dimensions per round (dimensions without a figure left out): the
/// organisation's, and the benchmark's.
pub fn overall(lines: &[TrendLine]) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
    let n = lines.first().map_or(0, |l| l.values.len());
    let mean = |pick: &dyn Fn(&TrendLine) -> Option<f64>| {
        let v: Vec<f64> = lines.iter().filter_map(pick).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    (0..n)
        .map(|i| (mean(&|l| l.values[i]), mean(&|l| l.benchmark[i])))
        .unzip()
}

/// Whether two participants of different rounds are the same organisation: the same CBS
/// code when both have one, else the same name (letter case and spaces aside).
pub fn same_organisation(a: (&str, Option<&str>), b: (&str, Option<&str>)) -> bool {
    match (a.1, b.1) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => {
            let norm = |s: &str| {
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            };
            norm(a.0) == norm(b.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maturity::default_framework;

    fn fw(keys: &[&str]) -> Framework {
        let mut f = default_framework();
        f.dimensions.truncate(keys.len());
        for (d, k) in f.dimensions.iter_mut().zip(keys) {
            d.key = k.to_string();
            d.name = k.to_uppercase();
        }
        f
    }

    fn point(
        year: &str,
        scores: &[(&str, Option<f64>)],
        map: &[(&str, Option<&str>)],
    ) -> RoundPoint {
        RoundPoint {
            label: year.into(),
            scores: scores.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            benchmark: scores
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(|v| v + 0.5)))
                .collect(),
            to_previous: map
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
                .collect(),
        }
    }

    #[test]
    fn dimensions_continue_by_key_unless_mapped() {
        let old = fw(&["visie", "data"]);
        let new = fw(&["visie", "datalab", "burgers"]);
        let map = link(&new, &old, &[("datalab".into(), "data".into())]).unwrap();
        assert_eq!(map["visie"].as_deref(), Some("visie"));
        assert_eq!(map["datalab"].as_deref(), Some("data"));
        assert_eq!(map["burgers"], None);
        // Explicitly new, although the earlier framework has the key.
        let map = link(&new, &old, &[("visie".into(), "".into())]).unwrap();
        assert_eq!(map["visie"], None);
    }

    #[test]
    fn a_map_names_known_dimensions_and_continues_each_once() {
        let old = fw(&["visie", "data"]);
        let new = fw(&["visie", "datalab"]);
        let e = link(
            &new,
            &old,
            &[
                ("onbekend".into(), "data".into()),
                ("datalab".into(), "weg".into()),
            ],
        )
        .unwrap_err();
        assert_eq!(e.0.len(), 2);
        let e = link(&new, &old, &[("datalab".into(), "visie".into())]).unwrap_err();
        assert_eq!(e.0[0].code, "duplicate");
        assert!(check_previous(2026, 2025).is_ok());
        assert!(check_previous(2026, 2026).is_err());
    }

    #[test]
    fn the_trend_follows_renamed_dimensions_back_and_stops_at_new_ones() {
        let newest = fw(&["visie", "datalab", "burgers"]);
        let chain = [
            point("2024", &[("visie", Some(2.0)), ("data", Some(1.5))], &[]),
            point(
                "2025",
                &[("visie", None), ("data", Some(2.5))],
                &[("visie", Some("visie")), ("data", Some("data"))],
            ),
            point(
                "2026",
                &[
                    ("visie", Some(3.0)),
                    ("datalab", Some(3.5)),
                    ("burgers", Some(1.0)),
                ],
                &[
                    ("visie", Some("visie")),
                    ("datalab", Some("data")),
                    ("burgers", None),
                ],
            ),
        ];
        let lines = trend(&newest, &chain);
        assert_eq!(lines[0].values, vec![Some(2.0), None, Some(3.0)]);
        assert_eq!(lines[1].values, vec![Some(1.5), Some(2.5), Some(3.5)]);
        assert_eq!(lines[1].benchmark, vec![Some(2.0), Some(3.0), Some(4.0)]);
        assert_eq!(lines[2].values, vec![None, None, Some(1.0)]);
        assert_eq!(lines[2].name, "BURGERS");
        let (mine, bench) = overall(&lines);
        assert_eq!(mine, vec![Some(1.75), Some(2.5), Some(2.5)]);
        assert_eq!(bench[2], Some(3.0));
        assert_eq!(overall(&[]), (vec![], vec![]));
    }

    #[test]
    fn organisations_are_matched_by_code_then_name() {
        assert!(same_organisation(
            ("Provincie Utrecht", Some("PV26")),
            ("Utrecht", Some("pv26"))
        ));
        assert!(!same_organisation(
            ("Utrecht", Some("PV26")),
            ("Utrecht", Some("PV27"))
        ));
        assert!(same_organisation(
            ("Provincie  Utrecht", None),
            ("provincie utrecht", Some("PV26"))
        ));
        assert!(!same_organisation(
            ("Provincie Utrecht", None),
            ("Provincie Gelderland", None)
        ));
    }
}
