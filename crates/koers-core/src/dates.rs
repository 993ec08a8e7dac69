//! Calendar dates as the forms and the API carry them: `YYYY-MM-DD`.

use crate::error::Invalid;

/// Parses a date `YYYY-MM-DD` (a real calendar date) for field `name`.
pub fn parse_date(name: &str, raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    let bad = || Invalid::one(name, "format", "moet een datum zijn (JJJJ-MM-DD)");
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let y: i32 = s[0..4].parse().map_err(|_| bad())?;
    let m: u32 = s[5..7].parse().map_err(|_| bad())?;
    let d: u32 = s[8..10].parse().map_err(|_| bad())?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if d == 0 || d > days || !(1900..=2200).contains(&y) {
        return Err(bad());
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(parse_date("d", "2024-02-29").is_ok());
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "01-01-2024",
            "",
            "2024-04-31",
        ] {
            assert!(parse_date("d", bad).is_err(), "{bad}");
        }
    }
}
