//! Information products (module M3): indicators defined on saved analyses, and the rules
//! that judge a value (green, amber, red against thresholds and a direction of "good") and
//! its trend. The web layer computes the series by running the analysis; this module only
//! validates definitions and judges numbers.

use crate::error::{Collector, Invalid, text};
use serde::{Deserialize, Serialize};

/// The time grain of an indicator's series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Grain {
    pub const ALL: [Grain; 5] = [
        Grain::Day,
        Grain::Week,
        Grain::Month,
        Grain::Quarter,
        Grain::Year,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
            Grain::Quarter => "quarter",
            Grain::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<Grain> {
        Grain::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// Which way is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is better.
    Up,
    /// Lower is better.
    Down,
}

impl Direction {
    pub const ALL: [Direction; 2] = [Direction::Up, Direction::Down];

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        Direction::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The judgement of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Red,
    Amber,
    Green,
}

impl Light {
    pub const ALL: [Light; 3] = [Light::Red, Light::Amber, Light::Green];

    pub fn as_str(self) -> &'static str {
        match self {
            Light::Red => "red",
            Light::Amber => "amber",
            Light::Green => "green",
        }
    }

    pub fn parse(s: &str) -> Option<Light> {
        Light::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// How the last value compares with the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Up,
    Down,
    Flat,
}

impl Trend {
    pub const ALL: [Trend; 3] = [Trend::Up, Trend::Down, Trend::Flat];

    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Up => "up",
            Trend::Down => "down",
            Trend::Flat => "flat",
        }
    }
}

/// The limits of green and amber. With direction up a value at or above `green` is green;
/// with direction down a value at or below it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub green: f64,
    pub amber: f64,
}

impl Thresholds {
    /// Whether the limits agree with the direction: with up, green must not lie below amber;
    /// with down, not above it.
    pub fn consistent(&self, d: Direction) -> bool {
        match d {
            Direction::Up => self.green >= self.amber,
            Direction::Down => self.green <= self.amber,
        }
    }
}

/// Judges a value: with direction up, at or above green is green, at or above amber is
/// amber, else red; mirrored for direction down.
pub fn status(value: f64, t: &Thresholds, d: Direction) -> Light {
    match d {
        Direction::Up if value >= t.green => Light::Green,
        Direction::Up if value >= t.amber => Light::Amber,
        Direction::Down if value <= t.green => Light::Green,
        Direction::Down if value <= t.amber => Light::Amber,
        _ => Light::Red,
    }
}

/// How often an indicator is refreshed by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Every {
    Hourly,
    Daily,
    Weekly,
}

impl Every {
    pub const ALL: [Every; 3] = [Every::Hourly, Every::Daily, Every::Weekly];

    pub fn as_str(self) -> &'static str {
        match self {
            Every::Hourly => "hourly",
            Every::Daily => "daily",
            Every::Weekly => "weekly",
        }
    }

    /// `manual` (or empty) is no schedule; anything else unknown is refused.
    pub fn parse(s: &str) -> Result<Option<Every>, Invalid> {
        match s.trim() {
            "" | "manual" => Ok(None),
            other => Every::ALL
                .into_iter()
                .find(|e| e.as_str() == other)
                .map(Some)
                .ok_or_else(|| {
                    Invalid::one("every", "enum", "kies manual, hourly, daily of weekly")
                }),
        }
    }

    /// When the next refresh is due after one at `t`.
    pub fn next_after(self, t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        t + match self {
            Every::Hourly => chrono::Duration::hours(1),
            Every::Daily => chrono::Duration::days(1),
            Every::Weekly => chrono::Duration::weeks(1),
        }
    }
}

/// Whether a refresh crossed a threshold: the light changed from one known status to another
/// (the first result ever crosses nothing).
pub fn crossed(previous: Option<Light>, now: Option<Light>) -> bool {
    matches!((previous, now), (Some(p), Some(n)) if p != n)
}

/// The last value against the one before it; flat with fewer than two values.
pub fn trend(series: &[f64]) -> Trend {
    match series {
        [.., prev, last] if last > prev => Trend::Up,
        [.., prev, last] if last < prev => Trend::Down,
        _ => Trend::Flat,
    }
}

/// The period a time value falls in at a grain: a date (`YYYY-MM-DD`, optionally with a
/// time) becomes `2026-03-14`, `2026-W11`, `2026-03`, `2026-Q1` or `2026`; anything else
/// (a year number, a label) is kept as it is.
pub fn bucket(raw: &str, grain: Grain) -> String {
    use chrono::Datelike;
    let t = raw.trim();
    let Some(d) = t
        .get(..10)
        .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    else {
        return t.to_string();
    };
    match grain {
        Grain::Day => d.format("%Y-%m-%d").to_string(),
        Grain::Week => {
            let w = d.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        }
        Grain::Month => d.format("%Y-%m").to_string(),
        Grain::Quarter => format!("{}-Q{}", d.year(), (d.month() - 1) / 3 + 1),
        Grain::Year => d.year().to_string(),
    }
}

/// One value of an indicator: a period, optionally a region, and the measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Point {
    pub period: String,
    pub region: Option<String>,
    pub value: f64,
}

/// The headline series: per period (at the grain) the sum over regions, ordered by period.
pub fn headline(points: &[Point], grain: Grain) -> Vec<(String, f64)> {
    let mut out: std::collections::BTreeMap<String, f64> = Default::default();
    for p in points {
        *out.entry(bucket(&p.period, grain)).or_insert(0.0) += p.value;
    }
    out.into_iter().collect()
}

/// The fields of an indicator as typed in, before validation.
#[derive(Debug, Clone, Default)]
pub struct IndicatorInput {
    pub name: String,
    pub description: String,
    pub unit: String,
    pub analysis_id: String,
    pub period_column: String,
    pub value_column: String,
    pub region_column: String,
    pub grain: String,
    pub direction: String,
    pub target: String,
    pub green: String,
    pub amber: String,
}

/// A validated indicator definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorDraft {
    pub name: String,
    pub description: String,
    pub unit: String,
    pub analysis_id: String,
    pub period_column: String,
    pub value_column: String,
    pub region_column: Option<String>,
    pub grain: Grain,
    pub direction: Direction,
    pub target: Option<f64>,
    pub thresholds: Thresholds,
}

fn number(name: &str, raw: &str) -> Result<f64, Invalid> {
    let t = raw.trim().replace(',', ".");
    if t.is_empty() {
        return Err(Invalid::one(name, "required", "is verplicht"));
    }
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| Invalid::one(name, "number", "moet een getal zijn"))
}

impl IndicatorDraft {
    /// Validates a definition, listing every problem. Whether the analysis exists and has
    /// the columns is checked against the store and the result (see [`check_columns`]).
    pub fn parse(i: &IndicatorInput) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let name = c.take(text("name", &i.name, 200));
        let unit = c.take(text("unit", &i.unit, 50));
        let analysis_id = c.take(text("analysisId", &i.analysis_id, 100));
        let period_column = c.take(text("periodColumn", &i.period_column, 200));
        let value_column = c.take(text("valueColumn", &i.value_column, 200));
        let grain = c.take(Grain::parse(i.grain.trim()).ok_or_else(|| {
            Invalid::one(
                "grain",
                "enum",
                "moet day, week, month, quarter of year zijn",
            )
        }));
        let direction = c.take(
            Direction::parse(i.direction.trim())
                .ok_or_else(|| Invalid::one("direction", "enum", "moet up of down zijn")),
        );
        let target = if i.target.trim().is_empty() {
            Some(None)
        } else {
            c.take(number("target", &i.target)).map(Some)
        };
        let green = c.take(number("greenThreshold", &i.green));
        let amber = c.take(number("amberThreshold", &i.amber));
        if let (Some(d), Some(g), Some(a)) = (direction, green, amber) {
            let t = Thresholds { green: g, amber: a };
            if !t.consistent(d) {
                c.take::<()>(Err(Invalid::one(
                    "amberThreshold",
                    "inconsistent",
                    match d {
                        Direction::Up => {
                            "mag bij richting omhoog niet boven de groene grens liggen"
                        }
                        Direction::Down => {
                            "mag bij richting omlaag niet onder de groene grens liggen"
                        }
                    },
                )));
            }
        }
        if i.description.chars().count() > 5000 {
            c.take::<()>(Err(Invalid::one(
                "description",
                "too_long",
                "mag hoogstens 5000 tekens zijn",
            )));
        }
        c.finish()?;
        let region = i.region_column.trim();
        Ok(IndicatorDraft {
            name: name.unwrap_or_default(),
            description: i.description.trim().into(),
            unit: unit.unwrap_or_default(),
            analysis_id: analysis_id.unwrap_or_default(),
            period_column: period_column.unwrap_or_default(),
            value_column: value_column.unwrap_or_default(),
            region_column: (!region.is_empty()).then(|| region.to_string()),
            grain: grain.unwrap_or(Grain::Year),
            direction: direction.unwrap_or(Direction::Up),
            target: target.flatten(),
            thresholds: Thresholds {
                green: green.unwrap_or_default(),
                amber: amber.unwrap_or_default(),
            },
        })
    }

    /// The columns this indicator reads that the analysis' result lacks, field by field.
    pub fn check_columns(&self, columns: &[String]) -> Result<(), Invalid> {
        check_columns(
            &self.period_column,
            &self.value_column,
            self.region_column.as_deref().unwrap_or(""),
            columns,
        )
    }
}

/// The named columns (empty names are skipped) that `columns` lacks, field by field.
pub fn check_columns(
    period: &str,
    value: &str,
    region: &str,
    columns: &[String],
) -> Result<(), Invalid> {
    let mut c = Collector::default();
    for (field, col) in [
        ("periodColumn", period.trim()),
        ("valueColumn", value.trim()),
        ("regionColumn", region.trim()),
    ] {
        if !col.is_empty() && !columns.iter().any(|x| x == col) {
            c.take::<()>(Err(Invalid::one(
                field,
                "unknown_column",
                &format!("kolom {col} zit niet in het resultaat van de analyse"),
            )));
        }
    }
    c.finish()
}

/// A validated monitor: a name, a description and its indicators in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorDraft {
    pub name: String,
    pub description: String,
    pub indicator_ids: Vec<String>,
}

/// What changed from one list of indicators to another: those added and those removed, each
/// in the order of its list.
pub fn list_changes(old: &[String], new: &[String]) -> (Vec<String>, Vec<String>) {
    let added = new.iter().filter(|x| !old.contains(x)).cloned().collect();
    let removed = old.iter().filter(|x| !new.contains(x)).cloned().collect();
    (added, removed)
}

impl MonitorDraft {
    pub fn parse(name: &str, description: &str, indicator_ids: &[String]) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let name = c.take(text("name", name, 200));
        if description.chars().count() > 5000 {
            c.take::<()>(Err(Invalid::one(
                "description",
                "too_long",
                "mag hoogstens 5000 tekens zijn",
            )));
        }
        let mut ids: Vec<String> = Vec::new();
        for id in indicator_ids
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            if !ids.iter().any(|x| x == id) {
                ids.push(id.to_string());
            }
        }
        c.finish()?;
        Ok(MonitorDraft {
            name: name.unwrap_or_default(),
            description: description.trim().into(),
            indicator_ids: ids,
        })
    }
}

/// What an indicator most likely takes from an analysis' result, so that a policy officer
/// starts from a filled-in form: the period from a column named for one (`jaar`, `ts_maand`,
/// `year`, `week`, `datum`, …; else the first column), the value from the last other column,
/// and how often it has a value from the period's name (a day, a week, a month, a quarter;
/// else a year).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Likely {
    pub period: String,
    pub value: String,
    pub grain: Grain,
}

impl Likely {
    pub fn of(columns: &[String]) -> Likely {
        const PERIODS: [(&str, Grain); 13] = [
            ("jaar", Grain::Year),
            ("year", Grain::Year),
            ("periode", Grain::Year),
            ("period", Grain::Year),
            ("kwartaal", Grain::Quarter),
            ("quarter", Grain::Quarter),
            ("maand", Grain::Month),
            ("month", Grain::Month),
            ("week", Grain::Week),
            ("dag", Grain::Day),
            ("day", Grain::Day),
            ("datum", Grain::Day),
            ("date", Grain::Day),
        ];
        // A column named for a period, or ending in one (`ts_maand`).
        let named = |c: &String| {
            let c = c.to_lowercase();
            PERIODS
                .iter()
                .find(|(p, _)| c == *p || c.ends_with(&format!("_{p}")))
                .map(|(_, g)| *g)
        };
        let (period, grain) = columns
            .iter()
            .find_map(|c| named(c).map(|g| (c.clone(), g)))
            .or_else(|| columns.first().map(|c| (c.clone(), Grain::Year)))
            .unwrap_or((String::new(), Grain::Year));
        let value = columns
            .iter()
            .rev()
            .find(|c| **c != period)
            .cloned()
            .unwrap_or_default();
        Likely {
            period,
            value,
            grain,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_starts_from_the_likely_period_value_and_grain() {
        let cols = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let l = Likely::of(&cols(&["provincie", "ts_maand", "tonnen"]));
        assert_eq!(
            (l.period.as_str(), l.value.as_str(), l.grain),
            ("ts_maand", "tonnen", Grain::Month)
        );
        assert_eq!(Likely::of(&cols(&["Week", "ritten"])).grain, Grain::Week);
        assert_eq!(Likely::of(&cols(&["jaar", "aandeel"])).grain, Grain::Year);
        assert_eq!(Likely::of(&cols(&["datum", "n"])).grain, Grain::Day);
        // No period by name: the first column, a value per year.
        let l = Likely::of(&cols(&["regio", "ritten"]));
        assert_eq!((l.period.as_str(), l.grain), ("regio", Grain::Year));
        assert_eq!(l.value, "ritten");
        assert_eq!(Likely::of(&[]).period, "");
    }
    use proptest::prelude::*;

    #[test]
    fn schedules_parse_and_step() {
        assert_eq!(Every::parse("manual").unwrap(), None);
        assert_eq!(Every::parse("").unwrap(), None);
        assert_eq!(Every::parse("daily").unwrap(), Some(Every::Daily));
        assert_eq!(Every::parse("yearly").unwrap_err().0[0].code, "enum");
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            Every::Hourly.next_after(t).to_rfc3339(),
            "2026-11-27T11:00:00+00:00"
        );
        assert_eq!(
            Every::Weekly.next_after(t).to_rfc3339(),
            "2026-12-04T10:00:00+00:00"
        );
    }

    #[test]
    fn only_a_change_of_light_crosses_a_threshold() {
        use Light::*;
        assert!(crossed(Some(Green), Some(Red)));
        assert!(crossed(Some(Red), Some(Amber)));
        assert!(!crossed(Some(Amber), Some(Amber)));
        assert!(!crossed(None, Some(Red)));
        assert!(!crossed(Some(Red), None));
    }

    fn input() -> IndicatorInput {
        IndicatorInput {
            name: "Vrachtbewegingen".into(),
            unit: "ritten".into(),
            analysis_id: "a1".into(),
            period_column: "jaar".into(),
            value_column: "ritten".into(),
            grain: "year".into(),
            direction: "down".into(),
            target: "100".into(),
            green: "120".into(),
            amber: "150".into(),
            ..Default::default()
        }
    }

    #[test]
    fn status_follows_the_direction() {
        let up = Thresholds {
            green: 80.0,
            amber: 60.0,
        };
        assert_eq!(status(80.0, &up, Direction::Up), Light::Green);
        assert_eq!(status(79.9, &up, Direction::Up), Light::Amber);
        assert_eq!(status(60.0, &up, Direction::Up), Light::Amber);
        assert_eq!(status(10.0, &up, Direction::Up), Light::Red);
        let down = Thresholds {
            green: 100.0,
            amber: 150.0,
        };
        assert_eq!(status(90.0, &down, Direction::Down), Light::Green);
        assert_eq!(status(150.0, &down, Direction::Down), Light::Amber);
        assert_eq!(status(151.0, &down, Direction::Down), Light::Red);
    }

    #[test]
    fn trend_compares_the_last_two() {
        assert_eq!(trend(&[]), Trend::Flat);
        assert_eq!(trend(&[3.0]), Trend::Flat);
        assert_eq!(trend(&[5.0, 1.0, 2.0]), Trend::Up);
        assert_eq!(trend(&[1.0, 2.0, 1.0]), Trend::Down);
        assert_eq!(trend(&[2.0, 2.0]), Trend::Flat);
    }

    #[test]
    fn periods_fall_in_buckets() {
        assert_eq!(bucket("2026-03-14", Grain::Month), "2026-03");
        assert_eq!(bucket("2026-03-14T10:00:00", Grain::Quarter), "2026-Q1");
        assert_eq!(bucket("2026-03-14", Grain::Week), "2026-W11");
        assert_eq!(bucket("2026-03-14", Grain::Year), "2026");
        assert_eq!(bucket("2024", Grain::Year), "2024");
        let pts = [
            Point {
                period: "2025-01-02".into(),
                region: Some("a".into()),
                value: 1.0,
            },
            Point {
                period: "2024-05-01".into(),
                region: None,
                value: 4.0,
            },
            Point {
                period: "2025-06-01".into(),
                region: Some("b".into()),
                value: 2.0,
            },
        ];
        assert_eq!(
            headline(&pts, Grain::Year),
            vec![("2024".to_string(), 4.0), ("2025".to_string(), 3.0)]
        );
    }

    #[test]
    fn a_definition_lists_every_problem() {
        assert!(IndicatorDraft::parse(&input()).is_ok());
        let bad = IndicatorInput {
            name: " ".into(),
            grain: "decade".into(),
            green: "veel".into(),
            ..input()
        };
        let e = IndicatorDraft::parse(&bad).unwrap_err();
        let names: Vec<_> = e.0.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["name", "grain", "greenThreshold"]);
        // Amber on the wrong side of green for the direction.
        let e = IndicatorDraft::parse(&IndicatorInput {
            direction: "up".into(),
            ..input()
        })
        .unwrap_err();
        assert_eq!(e.0[0].name, "amberThreshold");
        let d = IndicatorDraft::parse(&input()).unwrap();
        let e = d
            .check_columns(&["jaar".to_string(), "aantal".to_string()])
            .unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].name, "valueColumn");
        assert!(
            MonitorDraft::parse("Logistiek", "", &["a".into(), "a".into(), "b".into()])
                .unwrap()
                .indicator_ids
                == ["a", "b"]
        );
    }

    proptest! {
        /// With direction up, raising the value never worsens the status; with direction
        /// down, lowering it never does.
        #[test]
        fn status_is_monotonic(a in -1e6f64..1e6, b in -1e6f64..1e6, x in -1e6f64..1e6, dx in 0f64..1e6) {
            let (amber, green) = if a <= b { (a, b) } else { (b, a) };
            let up = Thresholds { green, amber };
            prop_assert!(status(x + dx, &up, Direction::Up) >= status(x, &up, Direction::Up));
            let down = Thresholds { green: amber, amber: green };
            prop_assert!(status(x - dx, &down, Direction::Down) >= status(x, &down, Direction::Down));
        }
    }

    #[test]
    fn list_changes_names_added_and_removed() {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            list_changes(&v(&["a", "b"]), &v(&["b", "c", "d"])),
            (v(&["c", "d"]), v(&["a"]))
        );
        assert_eq!(list_changes(&v(&["a"]), &v(&["a"])), (vec![], vec![]));
    }
}
