//! HTML templates (minijinja), embedded in the binary. Auto-escaping is on for every
//! `.html` template, so user text can never become markup.

use crate::i18n::{Lang, builtin, counted, message, t, tr};
use koers_core::analysis::builder::Kind;
use minijinja::{Environment, State, Value};
use rust_embed::RustEmbed;
use std::sync::LazyLock;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Files;

/// The field of a form that may be sent once a session: one that makes something shown only
/// once (an invitation link, an initial password, an API token), which a reload's "send
/// again?" or a form back from the history must not make twice. Its value is a fresh token
/// the page puts in with `{{ send_once() }}`; the session layer lets a key through once.
pub const FORM_KEY_FIELD: &str = "form_key";

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // A form shown for the first time has no `form` values yet: `form.email` is then empty.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    env.set_loader(|name| {
        Ok(Files::get(name).map(|f| String::from_utf8_lossy(&f.data).into_owned()))
    });
    env.add_function("t", |state: &State, key: &str| -> String {
        t(lang_of(state), key)
    });
    // A count and the word for what it counts, singular for one: `count("analysis.params", n)`.
    env.add_function("count", |state: &State, key: &str, n: i64| -> String {
        counted(lang_of(state), n, key)
    });
    // A survey round by its name and year, the year once (`maturity::round_title`).
    env.add_function("round_title", |name: &str, year: i64| -> String {
        koers_core::maturity::round_title(name, year)
    });
    // A form field by its name in words, for the error summary (`i18n::field_words`).
    env.add_function(
        "field_words",
        |state: &State, name: Option<&str>| -> Option<String> {
            name.and_then(|n| crate::i18n::field_words(lang_of(state), n))
        },
    );
    // The hidden field of a form that may be sent once ([`FORM_KEY_FIELD`]): a fresh key
    // each time the page is drawn.
    env.add_function("send_once", || {
        Value::from_safe_string(format!(
            r#"<input type="hidden" name="{FORM_KEY_FIELD}" value="{}">"#,
            koers_core::secret::new_token()
        ))
    });
    // What whoever decides may make of an advised choice, in core's order (the decision
    // form's choices).
    env.add_global(
        "decisions",
        Value::from_serialize(koers_core::register::choice::ChoiceStatus::DECISIONS),
    );
    // Who saved or made something, by name: `people` (the organisation's members' names by
    // e-mail address and id, `koers_app::accounts::people`, given by the pages that show who
    // did something) names them; anyone else (the command line, a member who left) reads as
    // recorded.
    env.add_filter("person", |state: &State, value: &str| -> String {
        state
            .lookup("people")
            .and_then(|p| p.get_attr(value).ok())
            .and_then(|n| n.as_str().map(str::to_string))
            .unwrap_or_else(|| value.to_string())
    });
    env.add_filter("msg", |state: &State, value: &str| -> String {
        message(lang_of(state), value)
    });
    env.add_filter("builtin", |state: &State, value: &str| -> String {
        builtin(lang_of(state), value)
    });
    env.add_filter("date", |state: &State, value: &str| -> String {
        long_date(lang_of(state), value)
    });
    env.add_filter("datetime", |state: &State, value: &str| -> String {
        long_datetime(lang_of(state), value)
    });
    env.add_filter("number", |state: &State, value: f64| -> String {
        number(lang_of(state), value)
    });
    // A reference source's text (the AI Act decision aid, the DPIA pre-scan) with its little
    // markup kept safely.
    env.add_filter("source_html", |value: &str| {
        Value::from_safe_string(crate::markdown::reference_html(value))
    });
    env.add_filter(
        "kind",
        |state: &State, data_type: &str, geometry: Option<bool>| -> String {
            kind(lang_of(state), data_type, geometry.unwrap_or(false))
        },
    );
    env
});

/// The language the template is rendered in.
fn lang_of(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or_default()
}

/// What a column of Arrow type `data_type` (`Utf8`, `Int64`, `Timestamp(µs)`) holds, in
/// words: "tekst", "geheel getal", "datum en tijd"; "geometrie" for the `geometry` column
/// (stored as binary).
pub fn kind(lang: Lang, data_type: &str, geometry: bool) -> String {
    let k = if geometry {
        Kind::Geometry
    } else {
        Kind::of(data_type)
    };
    t(lang, &format!("column_kind.{}", Value::from_serialize(k)))
}

/// A page of a long list as the `pagination` macro takes it: its number, the last page's,
/// the numbers to offer (none for a gap) and the positions (from 1) of its first and last
/// item.
pub fn paging(page: &koers_core::paging::Page) -> Value {
    let range = page.range();
    minijinja::context! {
        number => page.number, last => page.last(), links => page.links(),
        from => range.start + 1, to => range.end,
    }
}

/// A number as people write it in `lang`, grouped by thousands, at most two decimals:
/// "250.000" and "1.234,5" in Dutch, "250,000" and "1,234.5" in English.
pub fn number(lang: Lang, value: f64) -> String {
    koers_svg::chart::write_number(value, lang.separators(), 2, true)
}

/// A timestamp (RFC 3339, as koers stores them in UTC) as the local time in the
/// Netherlands.
fn local(value: &str) -> Option<chrono::NaiveDateTime> {
    chrono::DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|t| t.with_timezone(&chrono_tz::Europe::Amsterdam).naive_local())
}

/// A date (`2026-12-10`, or the local date of a timestamp) as people write it in `lang`:
/// "10 december 2026", "10 December 2026". Anything else is shown as it is.
pub fn long_date(lang: Lang, value: &str) -> String {
    let date = local(value).map(|t| t.date()).or_else(|| {
        value
            .get(..10)
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    });
    match date {
        Some(d) => crate::i18n::date_words(lang, d),
        None => value.to_string(),
    }
}

/// A period as a date column or an indicator's grain writes it.
#[derive(Clone, Copy)]
enum Period {
    Day(chrono::NaiveDate),
    Week(i32, u32),
    Month(i32, u32),
    Quarter(i32, u32),
}

impl Period {
    /// `2025-03-14`, `2025-W11`, `2025-03` or `2025-Q1`; anything else is none.
    fn parse(v: &str) -> Option<Period> {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            return Some(Period::Day(d));
        }
        let (year, rest) = v.split_once('-')?;
        let year: i32 = year.parse().ok().filter(|_| year.len() == 4)?;
        let number = |s: &str, range: std::ops::RangeInclusive<u32>| {
            s.parse::<u32>()
                .ok()
                .filter(|n| s.len() <= 2 && range.contains(n))
        };
        if let Some(w) = rest.strip_prefix('W') {
            return Some(Period::Week(year, number(w, 1..=53)?));
        }
        if let Some(q) = rest.strip_prefix('Q') {
            return Some(Period::Quarter(year, number(q, 1..=4)?));
        }
        (rest.len() == 2)
            .then(|| number(rest, 1..=12))
            .flatten()
            .map(|m| Period::Month(year, m))
    }
}

/// Values that are all periods of one kind — dates (`2025-01-01`, as a date column reads),
/// or an indicator's weeks, months and quarters (`2025-W02`, `2025-01`, `2025-Q1`) — as people
/// read them in `lang`: "jan 2025" (dates all on the first of a month, or months), "3 jan
/// 2025", "week 2, 2025", "K1 2025". Anything else (one value not such a period, or periods
/// of different kinds) as it is.
pub fn periods(lang: Lang, values: Vec<String>) -> Vec<String> {
    use chrono::Datelike;
    let parsed: Option<Vec<Period>> = values.iter().map(|v| Period::parse(v)).collect();
    let Some(parsed) = parsed.filter(|p| {
        !p.is_empty()
            && p.windows(2)
                .all(|w| std::mem::discriminant(&w[0]) == std::mem::discriminant(&w[1]))
    }) else {
        return values;
    };
    let months = parsed
        .iter()
        .all(|p| matches!(p, Period::Day(d) if d.day() == 1));
    let month = |m: u32, y: i32| format!("{} {y}", t(lang, &format!("month_short.{m}")));
    parsed
        .iter()
        .map(|p| match *p {
            Period::Day(d) if months => month(d.month(), d.year()),
            Period::Day(d) => format!("{} {}", d.day(), month(d.month(), d.year())),
            Period::Month(y, m) => month(m, y),
            Period::Week(y, w) => tr(
                lang,
                "period.week",
                &[("week", &w.to_string()), ("year", &y.to_string())],
            ),
            Period::Quarter(y, q) => tr(
                lang,
                "period.quarter",
                &[("quarter", &q.to_string()), ("year", &y.to_string())],
            ),
        })
        .collect()
}

/// A series of (period, value) with its periods in words ([`periods`]), and `latest` (the
/// period of its latest value) as the series writes it.
pub fn series_periods(
    lang: Lang,
    series: Vec<(String, f64)>,
    latest: Option<&str>,
) -> (Vec<(String, f64)>, Option<String>) {
    let (raw, values): (Vec<String>, Vec<f64>) = series.into_iter().unzip();
    let words = periods(lang, raw.clone());
    let latest = latest.map(|p| match raw.iter().position(|s| s == p) {
        Some(i) => words[i].clone(),
        None => periods(lang, vec![p.to_string()]).remove(0),
    });
    (words.into_iter().zip(values).collect(), latest)
}

/// What an indicator's chart says it shows: "Tonnen (ton) per periode, doel 60".
pub fn series_caption(lang: Lang, (name, unit): (&str, &str), target: Option<f64>) -> String {
    let mut caption = tr(lang, "ip.chart_caption", &[("name", name), ("unit", unit)]);
    if let Some(target) = target {
        caption.push_str(&tr(
            lang,
            "ip.chart_target",
            &[("target", &number(lang, target))],
        ));
    }
    caption
}

/// Per analysis id, its titled result columns as a list to choose from reads them.
pub type ColumnChoices =
    std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>;

/// How the analyses' result columns read in the lists to choose them from (indicator form,
/// dashboard editor): per analysis, the columns its labels give a title (as
/// [`Labels::choice`](koers_core::catalog::labels::Labels::choice) has it); the others read
/// as their names. Also as JSON, for the script that fills the lists.
pub fn column_choices(
    analyses: &[koers_app::analysis::Analysis],
    labels: &koers_app::catalog::OrgLabels,
) -> (ColumnChoices, String) {
    let shown: ColumnChoices = analyses
        .iter()
        .map(|a| {
            let own = labels.of([a.id.as_str()]);
            let named = a
                .columns
                .iter()
                .filter_map(|c| Some((c.clone(), own.choice(c)?)))
                .collect();
            (a.id.clone(), named)
        })
        .collect();
    let json = serde_json::to_string(&shown).unwrap_or_else(|_| "{}".into());
    (shown, json)
}

/// A timestamp as the local date and time in the Netherlands, written as `lang` writes it:
/// "5 december 2026, 04:01". A date alone, or anything else, as [`long_date`] shows it.
pub fn long_datetime(lang: Lang, value: &str) -> String {
    match local(value) {
        Some(t) => format!("{}, {}", long_date(lang, value), t.format("%H:%M")),
        None => long_date(lang, value),
    }
}

/// A template that could not be rendered: a bug in koers, an internal error to the user.
#[derive(Debug)]
pub struct TemplateError(pub String);

/// The embedded templates.
pub struct Templates;

impl Templates {
    /// Renders `name` with `ctx`; an error is a template bug.
    pub fn render(name: &str, ctx: Value) -> Result<String, TemplateError> {
        ENV.get_template(name)
            .and_then(|tpl| tpl.render(ctx))
            .map_err(|e| TemplateError(format!("template {name}: {e:#}")))
    }

    /// Every template's name and source (for tests that check them).
    pub fn sources() -> Vec<(String, String)> {
        Files::iter()
            .filter_map(|n| {
                Files::get(&n)
                    .map(|f| (n.to_string(), String::from_utf8_lossy(&f.data).into_owned()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A field laid out by the `form_field` macro shows its problem above the control the
    /// call's body gives; that control must say so to assistive technology itself
    /// (`invalid` or `described`), or a screen reader hears the field as fine.
    #[test]
    fn every_form_field_marks_its_control_when_refused() {
        let call = "{% call form_field(field_errors, ";
        let mut unmarked = Vec::new();
        for (template, src) in Templates::sources() {
            for (at, _) in src.match_indices(call) {
                let rest = &src[at + call.len()..];
                // The name argument as written: a literal or an expression (`p ~ ".name"`).
                let name = rest.split(',').nth(1).unwrap_or_default().trim();
                let body = rest.split("{% endcall %}").next().unwrap_or_default();
                let marked = [
                    format!("invalid(field_errors, {name})"),
                    format!("described(field_errors, {name},"),
                ];
                if !marked.iter().any(|m| body.contains(m.as_str())) {
                    unmarked.push(format!("{template}: {name}"));
                }
            }
        }
        assert!(unmarked.is_empty(), "{unmarked:#?}");
    }

    #[test]
    fn an_import_in_progress_counts_as_people_write_numbers() {
        let running = |lang: &str, unit: &str, done: u64, total: u64| {
            Templates::render(
                "job_progress.html",
                minijinja::context! { lang => lang, job => minijinja::context! {
                    id => "j", state => "running", label => "x", unit => unit,
                    done => done, total => total, percent => 50,
                } },
            )
            .unwrap()
        };
        let html = running("nl", "bytes", 13_107_200, 26_214_400);
        assert!(html.contains("12,5 / 25 MB"), "{html}");
        let html = running("nl", "rows", 100_000, 200_000);
        assert!(html.contains("100.000 / 200.000"), "{html}");
        let html = running("en", "rows", 100_000, 200_000);
        assert!(html.contains("100,000 / 200,000"), "{html}");
    }

    #[test]
    fn user_text_is_escaped() {
        let html = Templates::render(
            "error.html",
            minijinja::context! { lang => "nl", status => 400, detail => "<script>alert(1)</script>" },
        )
        .unwrap();
        assert!(!html.contains("<script>alert(1)"));
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn dates_read_as_the_periods_they_stand_for() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            periods(Lang::Nl, v(&["2025-01-01", "2025-03-01", "2025-12-01"])),
            ["jan 2025", "mrt 2025", "dec 2025"]
        );
        assert_eq!(
            periods(Lang::En, v(&["2025-05-01", "2025-05-03"])),
            ["1 May 2025", "3 May 2025"]
        );
        // An indicator's grains.
        assert_eq!(
            periods(Lang::Nl, v(&["2021-01", "2025-12"])),
            ["jan 2021", "dec 2025"]
        );
        assert_eq!(
            periods(Lang::Nl, v(&["2025-W02", "2026-W53"])),
            ["week 2, 2025", "week 53, 2026"]
        );
        assert_eq!(periods(Lang::Nl, v(&["2025-Q1"])), ["K1 2025"]);
        assert_eq!(periods(Lang::En, v(&["2025-Q4"])), ["Q4 2025"]);
        // A year, a label, mixed kinds, out-of-range numbers or nothing at all: as they are.
        for kept in [
            v(&["2025-01-01", "2025-W02"]),
            v(&["2025-01", "2025-Q1"]),
            v(&["2024", "2025"]),
            v(&["2025-13", "2025-W54", "2025-Q5"]),
            v(&["Weg", "Spoor"]),
            v(&[]),
        ] {
            assert_eq!(periods(Lang::Nl, kept.clone()), kept);
        }
        // The latest value's period as the series reads it; the caption in the language.
        let series = vec![("2025-11".to_string(), 1.0), ("2025-12".to_string(), 2.0)];
        let (words, latest) = series_periods(Lang::Nl, series, Some("2025-12"));
        assert_eq!(
            (words, latest.as_deref()),
            (
                vec![("nov 2025".to_string(), 1.0), ("dec 2025".to_string(), 2.0)],
                Some("dec 2025")
            )
        );
        assert_eq!(
            series_caption(Lang::En, ("Share", "%"), Some(60.0)),
            "Share (%) by period, target 60"
        );
    }

    #[test]
    fn column_types_read_as_what_they_hold() {
        assert_eq!(kind(Lang::Nl, "Utf8", false), "tekst");
        assert_eq!(kind(Lang::Nl, "Int64", false), "geheel getal");
        assert_eq!(kind(Lang::En, "Timestamp(µs)", false), "date and time");
        assert_eq!(kind(Lang::Nl, "Binary", true), "geometrie");
        assert_eq!(kind(Lang::En, "List(Utf8)", false), "other");
        assert_eq!(kind(Lang::Nl, "Struct(a Int64)", false), "overig");
    }

    #[test]
    fn numbers_are_grouped_as_the_language_writes_them() {
        assert_eq!(number(Lang::Nl, 250_000.0), "250.000");
        assert_eq!(number(Lang::En, 250_000.0), "250,000");
        assert_eq!(number(Lang::Nl, 1234.5), "1.234,5");
        assert_eq!(number(Lang::En, -1234.567), "-1,234.57");
        assert_eq!(number(Lang::Nl, 999.0), "999");
        assert_eq!(number(Lang::Nl, 0.0), "0");
    }

    #[test]
    fn dates_are_written_out_in_the_language() {
        assert_eq!(long_date(Lang::Nl, "2026-12-10"), "10 december 2026");
        assert_eq!(long_date(Lang::En, "2026-03-01T09:30:00Z"), "1 March 2026");
        // Local time in the Netherlands: CET in winter, CEST in summer.
        assert_eq!(
            long_datetime(Lang::Nl, "2026-12-05T03:01:11.828250Z"),
            "5 december 2026, 04:01"
        );
        assert_eq!(
            long_datetime(Lang::En, "2026-06-30T22:30:00Z"),
            "1 July 2026, 00:30"
        );
        assert_eq!(long_datetime(Lang::Nl, "2026-12-10"), "10 december 2026");
        assert_eq!(long_date(Lang::Nl, "onbekend"), "onbekend");
    }

    #[test]
    fn every_template_compiles() {
        for (name, _) in Templates::sources() {
            if name.ends_with(".html") {
                ENV.get_template(&name)
                    .unwrap_or_else(|e| panic!("{name}: {e:#}"));
            }
        }
    }
}
