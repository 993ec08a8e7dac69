//! A programme's live sessions as an iCalendar file (RFC 5545) that participants add to their
//! agenda: one event per session in Dutch time (`Europe/Amsterdam`, its rules included), with
//! the meeting link as location and URL. Text is escaped and long lines are folded as the
//! standard asks, so any calendar reads it.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// One live session as the calendar needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Stable over downloads, so a calendar updates the event instead of adding another.
    pub uid: String,
    pub title: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`.
    pub start: String,
    pub end: String,
    /// The meeting link; empty for none.
    pub link: String,
}

const TIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Amsterdam\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

/// Text as an iCalendar TEXT value: backslash, semicolon and comma escaped, line breaks as
/// `\n`, other control characters left out.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets (continuations start with a space), ended by CRLF;
/// never inside a character.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn local(date: &str, time: &str) -> Option<String> {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let t = NaiveTime::parse_from_str(time, "%H:%M").ok()?;
    Some(d.and_time(t).format("%Y%m%dT%H%M%S").to_string())
}

/// The calendar of `events` for the programme `name`, stamped `now`. A session whose date or
/// times do not read (they are checked when planned) is left out.
pub fn calendar(name: &str, events: &[CalendarEvent], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//koers//leertraject//NL",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        line(&mut out, l);
    }
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    out.push_str(TIMEZONE);
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    for e in events {
        let (Some(start), Some(end)) = (local(&e.date, &e.start), local(&e.date, &e.end)) else {
            continue;
        };
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", escape(&e.uid)));
        line(&mut out, &format!("DTSTAMP:{stamp}"));
        line(&mut out, &format!("DTSTART;TZID=Europe/Amsterdam:{start}"));
        line(&mut out, &format!("DTEND;TZID=Europe/Amsterdam:{end}"));
        line(&mut out, &format!("SUMMARY:{}", escape(&e.title)));
        line(&mut out, &format!("DESCRIPTION:{}", escape(name)));
        if !e.link.is_empty() {
            line(&mut out, &format!("LOCATION:{}", escape(&e.link)));
            line(
                &mut out,
                &format!("URL:{}", e.link.replace(['\r', '\n'], "")),
            );
        }
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// How long before a live session its reminder goes out.
pub const REMINDER_AHEAD_HOURS: i64 = 24;

/// The window of session starts whose reminder is due at `now`: after now and at most
/// [`REMINDER_AHEAD_HOURS`] ahead, both as Dutch local time `YYYY-MM-DD HH:MM` (how sessions
/// are planned), so the comparison holds across summer and winter time.
pub fn reminder_window(now: DateTime<Utc>) -> (String, String) {
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&chrono_tz::Europe::Amsterdam)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    (
        local(now),
        local(now + chrono::Duration::hours(REMINDER_AHEAD_HOURS)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reminder_window_is_in_dutch_time() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // Winter: UTC+1.
        assert_eq!(
            reminder_window(at("2026-12-04T14:00:00Z")),
            ("2026-12-04 15:00".into(), "2026-12-05 15:00".into())
        );
        // Summer: UTC+2; the night the clocks go back is 25 hours long.
        assert_eq!(
            reminder_window(at("2026-10-24T12:00:00Z")),
            ("2026-10-24 14:00".into(), "2026-10-25 13:00".into())
        );
    }

    fn event(title: &str) -> CalendarEvent {
        CalendarEvent {
            uid: "s1@koers".into(),
            title: title.into(),
            date: "2026-03-10".into(),
            start: "13:30".into(),
            end: "15:00".into(),
            link: "https://meet.example/abc".into(),
        }
    }

    #[test]
    fn sessions_become_events_in_dutch_time() {
        let now = DateTime::parse_from_rfc3339("2026-02-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let ics = calendar("Digitaal Leiderschap", &[event("Aftrap")], now);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(ics.contains("DTSTART;TZID=Europe/Amsterdam:20260310T133000\r\n"));
        assert!(ics.contains("DTEND;TZID=Europe/Amsterdam:20260310T150000\r\n"));
        assert!(ics.contains("DTSTAMP:20260201T100000Z\r\n"));
        assert!(ics.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Amsterdam"));
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
        // Every line ends with CRLF and none is longer than 75 octets.
        for l in ics.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
            assert!(!l.contains('\n'));
        }
    }

    #[test]
    fn text_is_escaped_and_long_lines_fold() {
        let now = Utc::now();
        let long = "Sessie; met, tekens\\ en\neen tweede regel — ".repeat(5);
        let ics = calendar("Leergang", &[event(&long)], now);
        assert!(ics.contains("Sessie\\; met\\, tekens\\\\ en\\neen"));
        assert!(ics.contains("\r\n "), "a long line folds");
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{}", escape(&long))));
        let bad = CalendarEvent {
            date: "10 maart".into(),
            ..event("Kapot")
        };
        assert_eq!(
            calendar("Leergang", &[bad], now)
                .matches("BEGIN:VEVENT")
                .count(),
            0
        );
    }
}
