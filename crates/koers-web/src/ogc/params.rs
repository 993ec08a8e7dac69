//! The query parameters of OGC API – Features, parsed and checked before any query runs:
//! every value that reaches SQL is a number or a date koers formatted itself.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta};

/// WGS84 longitude/latitude, the default CRS of OGC API – Features.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// Amersfoort / RD New.
pub const EPSG_28992: &str = "http://www.opengis.net/def/crs/EPSG/0/28992";
/// The CRSs koers serves, by URI and SRID.
pub const CRSS: [(&str, i32); 2] = [(CRS84, 4326), (EPSG_28992, 28992)];

/// Features per page when `limit` is absent.
pub const DEFAULT_LIMIT: u64 = 10;
/// The largest page; a larger `limit` is served as this many (OGC API – Features allows it).
pub const MAX_LIMIT: u64 = 1000;

/// The URI of a CRS koers serves.
pub fn crs_uri(srid: i32) -> &'static str {
    CRSS.iter()
        .find(|(_, s)| *s == srid)
        .map(|(u, _)| *u)
        .unwrap_or(CRS84)
}

/// The SRID of a CRS URI koers serves. EPSG:4326 itself is not offered: its axis order is
/// latitude first, which koers does not write.
pub fn parse_crs(raw: &str) -> Result<i32, String> {
    let t = raw.trim().trim_start_matches('<').trim_end_matches('>');
    CRSS.iter()
        .find(|(u, _)| *u == t)
        .map(|(_, s)| *s)
        .ok_or_else(|| format!("unsupported CRS '{raw}'; use {CRS84} or {EPSG_28992}"))
}

/// `limit`: a positive whole number; more than [`MAX_LIMIT`] is served as [`MAX_LIMIT`].
pub fn parse_limit(raw: Option<&str>) -> Result<u64, String> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => match s.trim().parse::<u64>() {
            Ok(0) | Err(_) => Err(format!(
                "limit must be a whole number from 1 to {MAX_LIMIT}, not '{s}'"
            )),
            Ok(n) => Ok(n.min(MAX_LIMIT)),
        },
    }
}

/// `offset`: a whole number of features to skip (0 by default).
pub fn parse_offset(raw: Option<&str>) -> Result<u64, String> {
    match raw {
        None => Ok(0),
        Some(s) => s
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= i64::MAX as u64)
            .ok_or_else(|| format!("offset must be a whole number of 0 or more, not '{s}'")),
    }
}

/// `bbox`: four numbers (or six, of which the heights are ignored) minx,miny,maxx,maxy.
pub fn parse_bbox(raw: &str) -> Result<[f64; 4], String> {
    let bad = || format!("bbox must be minx,miny,maxx,maxy (four numbers), not '{raw}'");
    let nums: Vec<f64> = raw
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let b = match nums.as_slice() {
        [a, b, c, d] => [*a, *b, *c, *d],
        [a, b, _, d, e, _] => [*a, *b, *d, *e],
        _ => return Err(bad()),
    };
    if b.iter().any(|v| !v.is_finite()) || b[0] > b[2] || b[1] > b[3] {
        return Err(format!(
            "bbox must have finite numbers with minx <= maxx and miny <= maxy, not '{raw}'"
        ));
    }
    Ok(b)
}

/// A time filter: from (inclusive) and to, each open when absent. `to_exclusive` is set when
/// the upper end was a date, which covers that whole day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeRange {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub to_exclusive: bool,
}

enum Bound {
    Open,
    Date(NaiveDate),
    Instant(NaiveDateTime),
}

fn bound(s: &str) -> Result<Bound, String> {
    let s = s.trim();
    if s.is_empty() || s == ".." {
        return Ok(Bound::Open);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(Bound::Date(d));
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| Bound::Instant(t.naive_utc()))
        .map_err(|_| {
            format!("datetime must be a date (2025-01-31) or an RFC 3339 time (2025-01-31T12:00:00Z), or an interval of them with '/', not '{s}'")
        })
}

fn day_after(d: NaiveDate) -> Result<NaiveDateTime, String> {
    d.checked_add_signed(TimeDelta::days(1))
        .map(|n| n.and_time(chrono::NaiveTime::MIN))
        .ok_or_else(|| format!("date {d} is out of range"))
}

/// `datetime`: an instant (a date is the whole day) or an interval `start/end` with `..` or
/// nothing for an open end.
pub fn parse_datetime(raw: &str) -> Result<TimeRange, String> {
    let (from, to) = match raw.split_once('/') {
        Some((a, b)) => (bound(a)?, bound(b)?),
        None => {
            let b = bound(raw)?;
            if matches!(b, Bound::Open) {
                return Err(format!("datetime '{raw}' is not a time"));
            }
            match b {
                Bound::Date(d) => (Bound::Date(d), Bound::Date(d)),
                Bound::Instant(t) => (Bound::Instant(t), Bound::Instant(t)),
                Bound::Open => (Bound::Open, Bound::Open),
            }
        }
    };
    let from = match from {
        Bound::Open => None,
        Bound::Date(d) => Some(d.and_time(chrono::NaiveTime::MIN)),
        Bound::Instant(t) => Some(t),
    };
    let (to, to_exclusive) = match to {
        Bound::Open => (None, false),
        Bound::Date(d) => (Some(day_after(d)?), true),
        Bound::Instant(t) => (Some(t), false),
    };
    if let (Some(f), Some(t)) = (from, to)
        && (f > t || (to_exclusive && f == t))
    {
        return Err(format!("datetime '{raw}' ends before it starts"));
    }
    Ok(TimeRange {
        from,
        to,
        to_exclusive,
    })
}

impl TimeRange {
    /// SQL conditions on `column` (already quoted) for this range.
    pub fn sql(&self, column: &str) -> Vec<String> {
        let lit = |t: &NaiveDateTime| {
            format!("CAST('{}' AS TIMESTAMP)", t.format("%Y-%m-%dT%H:%M:%S%.f"))
        };
        let mut out = Vec::new();
        if let Some(f) = &self.from {
            out.push(format!("CAST({column} AS TIMESTAMP) >= {}", lit(f)));
        }
        if let Some(t) = &self.to {
            let op = if self.to_exclusive { "<" } else { "<=" };
            out.push(format!("CAST({column} AS TIMESTAMP) {op} {}", lit(t)));
        }
        out
    }
}

pub use koers_core::analysis::quote_ident;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crs_uris() {
        assert_eq!(parse_crs(CRS84), Ok(4326));
        assert_eq!(parse_crs(&format!("<{EPSG_28992}>")), Ok(28992));
        assert!(parse_crs("http://www.opengis.net/def/crs/EPSG/0/4326").is_err());
        assert!(parse_crs("EPSG:28992").is_err());
        assert_eq!(crs_uri(28992), EPSG_28992);
    }

    #[test]
    fn limits_and_offsets() {
        assert_eq!(parse_limit(None), Ok(10));
        assert_eq!(parse_limit(Some("5")), Ok(5));
        assert_eq!(parse_limit(Some("5000")), Ok(1000));
        for bad in ["0", "-1", "ten", "1.5", ""] {
            assert!(parse_limit(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(parse_offset(Some("20")), Ok(20));
        assert!(parse_offset(Some("-1")).is_err());
        assert!(parse_offset(Some("99999999999999999999")).is_err());
    }

    #[test]
    fn bboxes() {
        assert_eq!(parse_bbox("5,52,5.5,52.5"), Ok([5.0, 52.0, 5.5, 52.5]));
        assert_eq!(parse_bbox("5,52,0,5.5,52.5,10"), Ok([5.0, 52.0, 5.5, 52.5]));
        for bad in [
            "5,52,5.5",
            "a,b,c,d",
            "6,52,5,53",
            "5,53,6,52",
            "NaN,1,2,3",
            "inf,1,2,3",
            "1;drop,2,3,4",
        ] {
            assert!(parse_bbox(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn datetimes() {
        let day = parse_datetime("2025-03-01").unwrap();
        assert_eq!(
            day.sql("\"d\""),
            [
                "CAST(\"d\" AS TIMESTAMP) >= CAST('2025-03-01T00:00:00' AS TIMESTAMP)",
                "CAST(\"d\" AS TIMESTAMP) < CAST('2025-03-02T00:00:00' AS TIMESTAMP)"
            ]
        );
        let open = parse_datetime("../2025-03-01T12:00:00+01:00").unwrap();
        assert_eq!(open.from, None);
        assert_eq!(
            open.sql("t"),
            ["CAST(t AS TIMESTAMP) <= CAST('2025-03-01T11:00:00' AS TIMESTAMP)"]
        );
        assert_eq!(parse_datetime("2025-01-01/..").unwrap().to, None);
        for bad in [
            "",
            "..",
            "yesterday",
            "2025-13-01",
            "2025-03-02/2025-03-01",
            "2025-01-01'; DROP TABLE x; --",
        ] {
            assert!(parse_datetime(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("geom"), "\"geom\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
