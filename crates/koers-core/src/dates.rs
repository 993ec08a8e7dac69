//! Calendar dates as the forms and the API carry them: `YYYY-MM-DD`; and as koers' Dutch
//! texts (its e-mails) write them: `3 maart 2026`.

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

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// A date `YYYY-MM-DD`, or the date a timestamp starts with, as a Dutch text writes it
/// (`3 maart 2026`), for the e-mails koers writes in Dutch; anything else as it is. (The pages
/// write dates in the reader's language from the locale files.)
pub fn long_date_nl(raw: &str) -> String {
    let Ok(d) = parse_date("date", raw.get(..10).unwrap_or(raw)) else {
        return raw.to_string();
    };
    // A valid date: its month is 1–12 and its day a number.
    let month = d[5..7]
        .parse::<usize>()
        .ok()
        .and_then(|m| MONTHS.get(m.checked_sub(1)?));
    match (month, d[8..10].parse::<u32>()) {
        (Some(month), Ok(day)) => format!("{day} {month} {}", &d[0..4]),
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_texts_write_dates_in_words() {
        assert_eq!(long_date_nl("2026-03-03"), "3 maart 2026");
        assert_eq!(long_date_nl("2026-12-21T09:30:00Z"), "21 december 2026");
        assert_eq!(long_date_nl("2024-01-09"), "9 januari 2024");
        for odd in ["", "morgen", "2026-13-01", "2026-02-30"] {
            assert_eq!(long_date_nl(odd), odd);
        }
    }

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
