//! The interface languages: Dutch by default, English on request. Texts live in
//! `locales/nl.toml` and `locales/en.toml`, embedded in the binary.

use axum::http::HeaderMap;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "koers_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Nl,
    En,
}

impl Lang {
    /// How this language writes numbers (`1.234,5` or `1,234.5`).
    pub fn separators(self) -> koers_svg::chart::Separators {
        match self {
            Lang::Nl => koers_svg::chart::Separators::Dutch,
            Lang::En => koers_svg::chart::Separators::English,
        }
    }
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language chosen in the cookie, else Dutch.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        crate::cookies::cookie(headers, LANG_COOKIE)
            .and_then(|v| Lang::parse(&v))
            .unwrap_or_default()
    }
}

fn load(src: &str) -> HashMap<String, String> {
    // The files are part of the binary and checked by the tests below; an unreadable file
    // would fail those tests, so at run time it can only mean an empty table.
    toml::from_str::<HashMap<String, String>>(src).unwrap_or_default()
}

static NL: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| load(include_str!("../locales/nl.toml")));
static EN: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| load(include_str!("../locales/en.toml")));

/// The text for `key` in `lang`; the key itself when it has no translation.
pub fn t(lang: Lang, key: &str) -> String {
    known(lang, key).unwrap_or_else(|| key.to_string())
}

/// The text for `key` in `lang`, if the locale has one (for keys made from stored codes,
/// which may name something newer than the words for it).
pub fn known(lang: Lang, key: &str) -> Option<String> {
    table(lang).get(key).cloned()
}

/// The words of `lang`, by key.
fn table(lang: Lang) -> &'static HashMap<String, String> {
    match lang {
        Lang::Nl => &NL,
        Lang::En => &EN,
    }
}

/// Every code with words under `prefix` (`audit.object.` → `("choice", "Keuze")`, …), by
/// its words (then by code).
pub fn under(lang: Lang, prefix: &str) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = table(lang)
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_string(), v.clone())))
        .collect();
    all.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    all
}

/// koers' built-in default content (the default maturity framework, its open question and
/// the default choice framework) in English, keyed by its Dutch text.
static BUILTIN_EN: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| load(include_str!("../locales/builtin-en.toml")));

/// A text an organisation keeps as its own content, in `lang`: koers' built-in defaults are
/// shown in the reader's language as long as they are unchanged; what the organisation
/// wrote or changed is shown as it was written.
pub fn builtin(lang: Lang, text: &str) -> String {
    match lang {
        Lang::En => BUILTIN_EN
            .get(text)
            .cloned()
            .unwrap_or_else(|| text.to_string()),
        Lang::Nl => text.to_string(),
    }
}

/// One piece of a message pattern: literal text, or a `{name}` hole for a value.
enum Part {
    Text(String),
    Hole(String),
}

/// Messages without holes by their Dutch text, and the patterns with holes with their English.
type Messages = (HashMap<String, String>, Vec<(Vec<Part>, String)>);

/// koers' own messages (refused input, what cannot be done, the engine's errors) in English:
/// the Dutch message as a pattern (`mag hoogstens {max} tekens zijn`) and its English.
static MESSAGES_EN: LazyLock<Messages> = LazyLock::new(|| {
    let all = load(include_str!("../locales/messages-en.toml"));
    let mut exact = HashMap::new();
    let mut patterns = Vec::new();
    for (dutch, english) in all {
        let parts = pattern(&dutch);
        if parts.iter().any(|p| matches!(p, Part::Hole(_))) {
            patterns.push((parts, english));
        } else {
            exact.insert(dutch, english);
        }
    }
    // The most specific pattern first: the one with the most literal text.
    let literal = |parts: &[Part]| -> usize {
        parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.len(),
                Part::Hole(_) => 0,
            })
            .sum()
    };
    patterns.sort_by_key(|(parts, _)| std::cmp::Reverse(literal(parts)));
    (exact, patterns)
});

/// Splits `a {x} b` into its text and holes.
fn pattern(key: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut rest = key;
    while let Some(open) = rest.find('{') {
        // `{{name}}` is the parameter syntax of saved analyses: text, not a hole.
        if rest[open..].starts_with("{{") {
            let end = rest[open..].find("}}").map_or(rest.len(), |c| open + c + 2);
            parts.push(Part::Text(rest[..end].to_string()));
            rest = &rest[end..];
            continue;
        }
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        let name = &rest[open + 1..close];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            parts.push(Part::Text(rest[..=open].to_string()));
            rest = &rest[open + 1..];
            continue;
        }
        if open > 0 {
            parts.push(Part::Text(rest[..open].to_string()));
        }
        parts.push(Part::Hole(name.to_string()));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_string()));
    }
    // Neighbouring texts (from a `{` that opened no hole) are one text.
    let mut merged: Vec<Part> = Vec::new();
    for p in parts {
        match (merged.last_mut(), p) {
            (Some(Part::Text(a)), Part::Text(b)) => a.push_str(&b),
            (_, p) => merged.push(p),
        }
    }
    merged
}

/// The values of the holes when `text` has the shape of `parts`.
fn fill(parts: &[Part], text: &str) -> Option<Vec<(String, String)>> {
    let mut values = Vec::new();
    let mut pos = 0;
    let mut open: Option<&str> = None;
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Hole(name) => open = Some(name),
            Part::Text(t) => {
                let last = i == parts.len() - 1;
                let at = match (open, last) {
                    (None, _) => text[pos..].starts_with(t.as_str()).then_some(pos)?,
                    (Some(_), true) => text
                        .ends_with(t.as_str())
                        .then(|| text.len() - t.len())
                        .filter(|&at| at >= pos)?,
                    (Some(_), false) => pos + text[pos..].find(t.as_str())?,
                };
                if let Some(name) = open.take() {
                    values.push((name.to_string(), text[pos..at].to_string()));
                }
                pos = at + t.len();
            }
        }
    }
    match open {
        Some(name) => values.push((name.to_string(), text[pos..].to_string())),
        None if pos != text.len() => return None,
        None => {}
    }
    Some(values)
}

/// One of koers' own messages in `lang`. Dutch is the language they are written in; in
/// English a message found in `locales/messages-en.toml` is translated, with the values of
/// its holes (themselves translated where they are messages too); anything else, such as
/// what a user wrote or a library's own words, is shown as it is.
pub fn message(lang: Lang, text: &str) -> String {
    fn english(text: &str, depth: u8) -> String {
        let (exact, patterns) = &*MESSAGES_EN;
        if let Some(e) = exact.get(text) {
            return e.clone();
        }
        if depth < 4 {
            for (parts, template) in patterns {
                if let Some(values) = fill(parts, text) {
                    return values.iter().fold(template.clone(), |out, (name, value)| {
                        out.replace(&format!("{{{name}}}"), &english(value, depth + 1))
                    });
                }
            }
        }
        text.to_string()
    }
    match lang {
        Lang::En => english(text, 0),
        Lang::Nl => text.to_string(),
    }
}

/// The text for `key` with each `{name}` replaced by its value.
pub fn tr(lang: Lang, key: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(t(lang, key), |text, (name, value)| {
        text.replace(&format!("{{{name}}}"), value)
    })
}

/// An enumeration as the language writes it: `a, b en c` / `a, b and c`.
pub fn join(lang: Lang, items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {} {last}", init.join(", "), t(lang, "list.and")),
    }
}

/// A count and what it counts, in `lang`: "1 parameter", "3 parameters". `key` names the
/// plural; `<key>.one` the singular.
pub fn counted(lang: Lang, n: i64, key: &str) -> String {
    let word = if n == 1 {
        t(lang, &format!("{key}.one"))
    } else {
        t(lang, key)
    };
    format!("{} {word}", number(lang, n as f64))
}

/// A number as a person reads it in `lang`: a decimal comma and thousands dots in Dutch
/// (`12.601,55`), the other way round in English; at most four decimals, trailing zeros
/// dropped, and no thousands separator below 10,000 (so a year stays 2024).
pub fn number(lang: Lang, v: f64) -> String {
    koers_svg::chart::write_number(v, lang.separators(), 4, false)
}

/// A value of a query result as text in `lang`: numbers as [`number`] writes them, yes or
/// no for a truth value, and a date or a date and time (as the engine writes them:
/// `2023-03-27`, `2023-03-27T12:41:39`) as people write them ("27 maart 2023 12:41:39").
pub fn cell(lang: Lang, v: &serde_json::Value) -> String {
    cell_with(lang, v, |f| number(lang, f))
}

/// A result cell of `column`: [`cell`], but a whole number of a column that names things
/// (`geonameid`, `gm_code`: `catalog::labels::is_identifier`) as its digits, without
/// thousands separators.
pub fn cell_of(lang: Lang, column: &str, v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Number(n)
            if n.is_i64() && koers_core::catalog::labels::is_identifier(column) =>
        {
            n.to_string()
        }
        v => cell(lang, v),
    }
}

/// [`cell`] with the numbers written by `number` (a dashboard writes two decimals, grouped).
pub fn cell_with(lang: Lang, v: &serde_json::Value, number: impl Fn(f64) -> String) -> String {
    match v {
        serde_json::Value::Number(n) => n.as_f64().map(number).unwrap_or_default(),
        serde_json::Value::Bool(b) => t(lang, if *b { "value.yes" } else { "value.no" }),
        serde_json::Value::String(s) => moment(lang, s).unwrap_or_else(|| s.clone()),
        other => koers_app::results::display(other),
    }
}

/// Fields named by a key of the user's own after a dot (`type.<column>` on the CSV check,
/// `dimensionMap.<dimension>` on a maturity trend): that key is written as it is.
const KEYED_FIELDS: &[&str] = &["type", "dimensionMap"];

/// A form field by its name in words, for an error summary: each part of the name by its
/// words (`field.<part>`), a place in a list counted from one: `rules[3].clauses[0].euros` →
/// "Regel 4, Voorwaarde 1, Bedrag", `widgets[5].title` → "Onderdeel 6, Titel"; a numbered
/// field by its number as shown (`q2` → "Vraag 2"); the key after a [`KEYED_FIELDS`] name as
/// it is (`type.inwoners` → "Type, inwoners"). `None` when the locale has no words for a part.
pub fn field_words(lang: Lang, name: &str) -> Option<String> {
    let words = |part: &str| known(lang, &format!("field.{part}"));
    let mut parts = Vec::new();
    let mut keyed = false;
    for part in name.split('.') {
        let said = match part.split_once('[') {
            _ if keyed => part.to_string(),
            Some((list, at)) => {
                let n = at.strip_suffix(']')?.parse::<usize>().ok()?;
                format!("{} {}", words(list)?, n + 1)
            }
            None => match words(part) {
                Some(w) => w,
                None => {
                    let stem = part.trim_end_matches(|c: char| c.is_ascii_digit());
                    let number = &part[stem.len()..];
                    if stem.is_empty() || number.is_empty() {
                        return None;
                    }
                    format!("{} {number}", words(stem)?)
                }
            },
        };
        keyed = KEYED_FIELDS.contains(&part);
        parts.push(said);
    }
    Some(parts.join(", "))
}

/// A day as people write it in `lang`: "10 december 2026", "10 December 2026".
pub fn date_words(lang: Lang, d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let month = t(lang, &format!("month.{}", d.month()));
    format!("{} {month} {}", d.day(), d.year())
}

/// A date (`YYYY-MM-DD`) or a date and time without a zone (`YYYY-MM-DDTHH:MM:SS[.f]`) in
/// `lang`; `None` for anything else.
fn moment(lang: Lang, s: &str) -> Option<String> {
    use chrono::{NaiveDate, NaiveDateTime, Timelike};
    let date = |d: NaiveDate| date_words(lang, d);
    if s.len() == 10 {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(date);
    }
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    let time = if t.second() == 0 && t.nanosecond() == 0 {
        t.format("%H:%M")
    } else {
        t.format("%H:%M:%S")
    };
    Some(format!("{} {time}", date(t.date())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_e_mails_write_a_dutch_date_alike() {
        for m in 1..=12 {
            let d = chrono::NaiveDate::from_ymd_opt(2026, m, 9).expect("a date");
            assert_eq!(
                date_words(Lang::Nl, d),
                koers_core::dates::long_date_nl(&d.to_string())
            );
        }
    }

    #[test]
    fn a_field_reads_in_words_also_in_a_list() {
        assert_eq!(
            field_words(Lang::Nl, "question").as_deref(),
            Some("Datavraag")
        );
        assert_eq!(
            field_words(Lang::Nl, "rules[3].clauses[0].euros").as_deref(),
            Some("Regel 4, Voorwaarde 1, Bedrag")
        );
        assert_eq!(
            field_words(Lang::En, "widgets[5].title").as_deref(),
            Some("Part 6, Title")
        );
        assert_eq!(
            field_words(Lang::Nl, "dimensions[0].levels[2]").as_deref(),
            Some("Dimensie 1, Niveau 3")
        );
        assert_eq!(field_words(Lang::Nl, "q2").as_deref(), Some("Vraag 2"));
        assert_eq!(
            field_words(Lang::En, "type.inwoners").as_deref(),
            Some("Type, inwoners")
        );
        assert_eq!(field_words(Lang::Nl, "widgets[x].title"), None);
        assert_eq!(field_words(Lang::Nl, "nieuw"), None);
        assert_eq!(field_words(Lang::Nl, "nieuw2"), None);
        assert_eq!(field_words(Lang::Nl, "2"), None);
    }

    #[test]
    fn result_cells_read_as_people_write() {
        use serde_json::json;
        assert_eq!(cell(Lang::Nl, &json!(12601.55)), "12.601,55");
        assert_eq!(cell(Lang::Nl, &json!(true)), "ja");
        assert_eq!(cell(Lang::En, &json!(false)), "no");
        assert_eq!(cell(Lang::Nl, &json!("2023-03-27")), "27 maart 2023");
        assert_eq!(
            cell(Lang::Nl, &json!("2023-03-27T12:41:39")),
            "27 maart 2023 12:41:39"
        );
        assert_eq!(
            cell(Lang::En, &json!("2023-03-27T12:41:00")),
            "27 March 2023 12:41"
        );
        // Text that only looks like a date stays as it is.
        assert_eq!(cell(Lang::Nl, &json!("2023-13-45")), "2023-13-45");
        assert_eq!(cell(Lang::Nl, &json!("GM0599")), "GM0599");
    }

    /// The string literals that follow `token` in `src`: the `nth` literal argument of each
    /// call (0: the first).
    fn literals_after(src: &str, token: &str, nth: usize) -> Vec<String> {
        let mut out = Vec::new();
        for (at, _) in src.match_indices(token) {
            let mut rest = &src[at + token.len()..];
            let mut found = None;
            for i in 0..=nth {
                rest = rest.trim_start();
                let Some(body) = rest.strip_prefix('"') else {
                    break;
                };
                let end = body
                    .char_indices()
                    .scan(false, |escaped, (j, c)| {
                        let stop = c == '"' && !*escaped;
                        *escaped = c == '\\' && !*escaped;
                        Some((j, stop))
                    })
                    .find(|(_, stop)| *stop)
                    .map(|(j, _)| j);
                let Some(end) = end else { break };
                if i == nth {
                    found = Some(body[..end].to_string());
                }
                rest = body[end + 1..].trim_start();
                rest = rest.strip_prefix(',').unwrap_or(rest);
            }
            out.extend(found);
        }
        out
    }

    /// The engine's refusals read in English whole, the engine's own part too: a query's
    /// failure (in a spatial function, a common mistake in SQL) and an imported file's.
    #[test]
    fn an_engine_refusal_reads_in_english() {
        for (dutch, english) in [
            (
                "alleen in een GeoPackage is een laag te kiezen, niet in een CSV-bestand",
                "a layer can only be chosen in a GeoPackage, not in a CSV file",
            ),
            (
                "geen geldig CSV-bestand: regel 3 heeft 2 velden, de kopregel heeft er 3",
                "not a valid CSV file: line 3 has 2 fields, but the header has 3",
            ),
            (
                "geen geldig CSV-bestand: regel 2, kolom \"a\": \"veel\" is geen geheel getal",
                "not a valid CSV file: line 2, column \"a\": \"veel\" is not a whole number",
            ),
            (
                "geen geldig Shapefile-bestand: het zip-archief bevat geen .shp-bestand; een gezipte shapefile heeft één .shp met zijn .dbf nodig",
                "not a valid Shapefile file: the zip archive holds no .shp file; a zipped shapefile needs one .shp with its .dbf",
            ),
            (
                "de query mislukte: ST_DISTANCE: de geometrieën liggen in verschillende coördinatenstelsels (SRID 4326 en 28992); zet er een om met ST_Transform",
                "the query failed: ST_DISTANCE: the geometries lie in different coordinate reference systems (SRID 4326 and 28992); convert one with ST_Transform",
            ),
            (
                "de query mislukte: ST_AREA: argument 1 moet een geometrie zijn, geen tekst",
                "the query failed: ST_AREA: argument 1 must be a geometry, not a text",
            ),
            (
                "de query mislukte: upper neemt 1 argument(en), niet 2",
                "the query failed: upper takes 1 argument(s), not 2",
            ),
            (
                "de query mislukte: kolom b staat niet in GROUP BY en niet in een berekening over de groep (zoals SUM of COUNT); voeg haar toe aan GROUP BY of reken ermee",
                "the query failed: column b is neither in GROUP BY nor in a calculation over the group (such as SUM or COUNT); add it to GROUP BY or calculate with it",
            ),
            (
                "de query mislukte: sum kan niet met deze soort waarden (tekst); zet een kolom om, bijvoorbeeld met CAST(kolom AS DOUBLE)",
                "the query failed: sum cannot work with these kinds of values (text); convert a column, for example with CAST(column AS DOUBLE)",
            ),
            (
                "de query mislukte: twee kolommen van de uitkomst heten n; geef er een een andere naam met AS",
                "the query failed: two columns of the result are called n; give one of them another name with AS",
            ),
        ] {
            assert_eq!(message(Lang::En, dutch), english);
        }
    }

    #[test]
    fn what_is_wrong_with_a_json_text_reads_in_english() {
        let problem = |text: &str| {
            let e =
                serde_json::from_str::<std::collections::BTreeMap<String, u32>>(text).unwrap_err();
            message(Lang::En, &koers_core::json::problem(&e))
        };
        assert_eq!(
            problem("{\"a\": 1,}"),
            "line 1, column 9: one comma too many before the closing bracket"
        );
        assert_eq!(
            problem("{\"a\": \"twee\"}"),
            "line 1, column 12: wrong kind of value: \"twee\", expected a whole number"
        );
        assert_eq!(
            problem("[1]"),
            "line 1, column 0: wrong kind of value: a list, expected an object"
        );
        assert_eq!(
            message(
                Lang::En,
                "Ongeldige JSON: regel 3, kolom 2: hier hoort een komma of }"
            ),
            "Invalid JSON: line 3, column 2: a comma or } belongs here"
        );
        // Four deep: the file, the place, the feature, the GeoJSON library's words.
        assert_eq!(
            message(
                Lang::En,
                "geen geldig GeoJSON-bestand: regel 2, kolom 76: object 1: een positie heeft minstens twee getallen nodig (x en y), maar heeft er 1"
            ),
            "not a valid GeoJSON file: line 2, column 76: feature 1: a position needs at least two numbers (x and y), but has 1"
        );
    }

    /// Every refusal written as a whole Dutch sentence in koers' code (a field's message, a
    /// conflict, a rejected request) has its English in `messages-en.toml`: an English reader
    /// never meets one in Dutch.
    #[test]
    fn every_refusal_in_the_code_has_its_english() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        let mut todo: Vec<std::path::PathBuf> = [
            "koers-core",
            "koers-store",
            "koers-engine",
            "koers-app",
            "koers-web",
        ]
        .iter()
        .map(|c| crates.join(c).join("src"))
        .collect();
        while let Some(dir) = todo.pop() {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    todo.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        assert!(files.len() > 100, "{} files", files.len());
        let mut missing = Vec::new();
        for f in files {
            let src = std::fs::read_to_string(&f).unwrap();
            // What tests say is not shown to anyone.
            let src = src.split("#[cfg(test)]").next().unwrap_or_default();
            let mut texts = literals_after(src, "Invalid::one(", 2);
            for call in [
                "Conflict(",
                "BadRequest(",
                "Rejected(",
                "Unprocessable(",
                "error => ",
                // Why an imported file is refused (koers-engine's sources and options).
                "invalid(",
                "invalid(format!(",
                "UnfitOption(format!(",
            ] {
                texts.extend(literals_after(src, call, 0));
            }
            for text in texts {
                // A code (`used`), not a sentence.
                if text.contains(' ') && message(Lang::En, &text) == text {
                    missing.push(format!("{}: {text}", f.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "no English for:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn numbers_read_the_way_of_the_language() {
        assert_eq!(number(Lang::Nl, 1325.9540000000002), "1325,954");
        assert_eq!(number(Lang::Nl, 57815353.5), "57.815.353,5");
        assert_eq!(number(Lang::En, 57815353.5), "57,815,353.5");
        assert_eq!(number(Lang::Nl, 2024.0), "2024");
        assert_eq!(number(Lang::Nl, -0.00001), "0");
        assert_eq!(number(Lang::Nl, -12601.55), "-12.601,55");
    }
    use crate::templates::Templates;

    /// Every Dutch text of the built-in defaults has its English, and nothing else is there:
    /// a changed default without its translation fails here.
    #[test]
    fn the_built_in_defaults_are_translated_exactly() {
        use koers_core::maturity::{default_framework, default_items};
        use koers_core::register::framework::Framework;
        let fw = default_framework();
        let mut texts: Vec<String> = vec![fw.name.clone()];
        for d in &fw.dimensions {
            texts.extend([d.name.clone(), d.description.clone(), d.statement.clone()]);
            texts.extend(d.levels.iter().cloned());
        }
        texts.extend(default_items(&fw).into_iter().map(|i| i.text));
        texts.push(koers_core::maturity::METHOD.to_string());
        texts.extend(
            koers_core::register::application::lifecycle_phases()
                .iter()
                .map(|p| p.name.clone()),
        );
        let choice = Framework::default_for("x");
        texts.push(choice.name.clone());
        for r in &choice.rules {
            texts.extend([r.name.clone(), r.description.clone()]);
        }
        texts.sort();
        texts.dedup();
        let mut keys: Vec<String> = BUILTIN_EN.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, texts);
        for (lang, text, shown) in [
            (Lang::En, "Visie en strategie", "Vision and strategy"),
            (Lang::Nl, "Visie en strategie", "Visie en strategie"),
            (Lang::En, "Onze eigen dimensie", "Onze eigen dimensie"),
        ] {
            assert_eq!(builtin(lang, text), shown);
        }
    }

    #[test]
    fn messages_are_matched_with_their_values() {
        let parts = pattern("mag hoogstens {max} tekens zijn");
        assert_eq!(
            fill(&parts, "mag hoogstens 200 tekens zijn"),
            Some(vec![("max".into(), "200".into())])
        );
        assert_eq!(fill(&parts, "mag hoogstens 200 tekens"), None);
        let parts = pattern("de query mislukte: {m}");
        assert_eq!(
            fill(&parts, "de query mislukte: x: y"),
            Some(vec![("m".into(), "x: y".into())])
        );
        let parts = pattern("kan niet van {from} naar {to}");
        assert_eq!(
            fill(&parts, "kan niet van voorgesteld naar besloten"),
            Some(vec![
                ("from".into(), "voorgesteld".into()),
                ("to".into(), "besloten".into())
            ])
        );
        // Braces that open no hole are text.
        assert_eq!(
            fill(&pattern("schrijf {{naam}} zo"), "schrijf {{naam}} zo"),
            Some(vec![])
        );
        for (lang, text, shown) in [
            (Lang::Nl, "is verplicht", "is verplicht"),
            (Lang::En, "is verplicht", "is required"),
            (
                Lang::En,
                "mag hoogstens 120 tekens zijn",
                "must be at most 120 characters",
            ),
            // A message inside a message is translated too.
            (
                Lang::En,
                "de query mislukte: onbekende kolom c; bestaande kolommen: a, b",
                "the query failed: unknown column c; existing columns: a, b",
            ),
            (
                Lang::En,
                "de rijen passen niet bij de huidige versie: de kolommen moeten dezelfde zijn (ontbreekt: aantal (Int64); nieuw: naam (Utf8))",
                "the rows do not fit the current version: the columns must be the same (missing: aantal (Int64); new: naam (Utf8))",
            ),
            // What is no message of koers' stays as it is.
            (Lang::En, "iets van een gebruiker", "iets van een gebruiker"),
        ] {
            assert_eq!(message(lang, text), shown);
        }
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        assert!(NL.len() > 20, "nl.toml did not parse");
        let mut nl: Vec<_> = NL.keys().collect();
        let mut en: Vec<_> = EN.keys().collect();
        nl.sort();
        en.sort();
        assert_eq!(nl, en);
    }

    #[test]
    fn every_key_built_at_run_time_exists() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(
            koers_core::Role::ALL
                .iter()
                .map(|r| format!("role.{}", r.as_str())),
        );
        keys.extend(
            koers_core::OrgKind::ALL
                .iter()
                .map(|k| format!("kind.{}", k.as_str())),
        );
        for m in crate::shell::MODULES {
            keys.push(m.key.to_string());
            keys.push(format!("{}.desc", m.key));
        }
        for n in [
            "member_added",
            "roles_saved",
            "member_removed",
            "member_organisation_added",
            "member_organisation_removed",
        ] {
            keys.push(format!("org.notice.{n}"));
        }
        for k in koers_core::tasks::TaskKind::ALL {
            keys.push(format!("task.{}", k.as_str()));
        }
        for k in ["indicator_red", "round_open"] {
            keys.push(format!("task.{k}.hint"));
        }
        keys.extend(
            koers_core::register::framework::DecisionLevel::ALL
                .iter()
                .map(|l| format!("level.{}", l.as_str())),
        );
        keys.extend((1..=12).map(|m| format!("month.{m}")));
        {
            use koers_core::register::application::{
                AiActRiskGroup, AppKind, AppStatus, Hosting, ImpactLevel,
            };
            use koers_core::register::choice::{ChoiceStatus, ChoiceType};
            use koers_core::register::framework::Instrument;
            use koers_core::register::requirements::MeasureStatus;
            let groups: [(&str, Vec<&str>); 9] = [
                (
                    "measure",
                    MeasureStatus::ALL.iter().map(|k| k.as_str()).collect(),
                ),
                (
                    "instrument",
                    Instrument::ALL.iter().map(|k| k.as_str()).collect(),
                ),
                ("kind", AppKind::ALL.iter().map(|k| k.as_str()).collect()),
                ("hosting", Hosting::ALL.iter().map(|k| k.as_str()).collect()),
                (
                    "status",
                    AppStatus::ALL.iter().map(|k| k.as_str()).collect(),
                ),
                (
                    "risk",
                    AiActRiskGroup::ALL.iter().map(|k| k.as_str()).collect(),
                ),
                (
                    "impact",
                    ImpactLevel::ALL.iter().map(|k| k.as_str()).collect(),
                ),
                (
                    "ctype",
                    ChoiceType::ALL.iter().map(|k| k.as_str()).collect(),
                ),
                (
                    "cstatus",
                    ChoiceStatus::ALL.iter().map(|k| k.as_str()).collect(),
                ),
            ];
            for (group, codes) in groups {
                keys.extend(codes.into_iter().map(|c| format!("reg.{group}.{c}")));
            }
            // A choice's page offers each next step by a button of its own, except the
            // decision (the acts after advice), which has one form with the four acts.
            let acts = ChoiceStatus::Advised.next();
            for to in ChoiceStatus::ALL.iter().flat_map(|s| s.next()) {
                let key = if acts.contains(to) {
                    "register.act"
                } else {
                    "register.to"
                };
                keys.push(format!("{key}.{}", to.as_str()));
            }
        }
        keys.extend(
            koers_core::catalog::THEMES
                .iter()
                .map(|(code, _)| format!("theme.{code}")),
        );
        for k in keys {
            assert!(NL.contains_key(&k), "{k} missing");
        }
    }

    /// Every field a template shows a problem beside is named in the error summary in words,
    /// in both languages (without them the summary listed a bare "moet een getal zijn").
    #[test]
    fn every_field_a_form_can_refuse_is_named_in_words() {
        let calls = [
            ("field_error(field_errors, ", 0),
            ("invalid(field_errors, ", 0),
            ("described(field_errors, ", 0),
            ("form_field(field_errors, ", 1),
        ];
        let (mut checked, mut wordless) = (0, Vec::new());
        for (template, src) in Templates::sources() {
            for (call, skip) in calls {
                for (at, _) in src.match_indices(call) {
                    let mut arg = &src[at + call.len()..];
                    for _ in 0..skip {
                        arg = arg.split_once(',').map_or("", |(_, r)| r).trim_start();
                    }
                    // A macro passing on its caller's name: the caller is checked.
                    if !arg.starts_with('"') {
                        continue;
                    }
                    let name = example_name(arg);
                    for lang in [Lang::Nl, Lang::En] {
                        if field_words(lang, &name).is_none() {
                            wordless.push(format!("{template}: {name} ({lang:?})"));
                        }
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 150, "only {checked} fields found");
        assert!(
            wordless.is_empty(),
            "fields without words (field.…): {wordless:#?}"
        );
    }

    /// The field name a macro's name argument makes: its literals, with each expression
    /// joined to them (`"filters[" ~ i ~ "].column"`) standing for a place in a list after
    /// `[`, a key after a dot and a number after a letter.
    fn example_name(arg: &str) -> String {
        let mut name = String::new();
        let mut rest = arg;
        loop {
            rest = rest.trim_start();
            if let Some(body) = rest.strip_prefix('"') {
                let end = body.find('"').unwrap_or(body.len());
                name.push_str(&body[..end]);
                rest = body.get(end + 1..).unwrap_or_default();
            } else {
                let end = rest.find(['~', ',', ')']).unwrap_or(rest.len());
                name.push_str(match name.chars().last() {
                    Some('[') => "0",
                    Some('.') => "key",
                    _ => "1",
                });
                rest = &rest[end..];
            }
            match rest.trim_start().strip_prefix('~') {
                Some(r) => rest = r,
                None => return name,
            }
        }
    }

    #[test]
    fn every_key_used_in_a_template_exists() {
        let re_start = "t(\"";
        for (name, src) in Templates::sources() {
            let mut rest = src.as_str();
            while let Some(i) = rest.find(re_start) {
                rest = &rest[i + re_start.len()..];
                let end = rest.find('"').unwrap_or(0);
                let key = &rest[..end];
                if key.ends_with('.') {
                    continue; // a prefix completed at run time; see the next test
                }
                assert!(NL.contains_key(key), "{name}: key {key} missing in nl.toml");
            }
            // `count("key", n)` reads the plural `key` and the singular `key.one`.
            for (at, call) in src.match_indices("count(\"") {
                let rest = &src[at + call.len()..];
                let key = &rest[..rest.find('"').unwrap_or(0)];
                for k in [key.to_string(), format!("{key}.one")] {
                    assert!(NL.contains_key(&k), "{name}: key {k} missing in nl.toml");
                }
            }
        }
    }

    #[test]
    fn a_count_of_one_takes_the_singular() {
        assert_eq!(counted(Lang::Nl, 1, "analysis.params"), "1 parameter");
        assert_eq!(counted(Lang::Nl, 3, "analysis.params"), "3 parameters");
        assert_eq!(counted(Lang::Nl, 0, "register.rules_count"), "0 regels");
        assert_eq!(counted(Lang::En, 1, "register.rules_count"), "1 rule");
        assert_eq!(
            counted(Lang::Nl, 12000, "ip.indicators_count"),
            "12.000 indicatoren"
        );
    }

    /// Words people read come from the translation files: a template may hold only names
    /// and codes that are the same in every language (these), markup and expressions.
    #[test]
    fn no_template_hard_codes_words_people_read() {
        const SAME_IN_EVERY_LANGUAGE: &[&str] = &[
            "koers",
            "English",
            "Nederlands",
            "API",
            "HTTP",
            "UTC",
            "MB",
            "kB",
            "bytes",
            "ms",
            "EPSG",
            "RD",
            "New",
            "WGS",
            "CSV",
            "GeoJSON",
            "Parquet",
            "ST",
            "Point",
            "GeomFromText",
            "GeomFromWKB",
            "GeomFromGeoJSON",
            "AsText",
            "AsGeoJSON",
            "informatieproducten",
            "momentopnamen",
            "aria",
            "invalid",
            "true",
            "describedby",
            "error",
            "autofocus",
        ];
        let strip = |s: &str, open: &str, close: &str| -> String {
            let mut out = String::new();
            let mut rest = s;
            while let Some(i) = rest.find(open) {
                out.push_str(&rest[..i]);
                out.push(' ');
                rest = rest[i + open.len()..]
                    .split_once(close)
                    .map_or("", |(_, after)| after);
            }
            out.push_str(rest);
            out
        };
        for (name, src) in Templates::sources() {
            if !name.ends_with(".html") {
                continue;
            }
            let mut text = src.clone();
            for (open, close) in [
                ("{#", "#}"),
                ("<script", "</script>"),
                ("<style", "</style>"),
                ("<pre", "</pre>"),
                ("<code", "</code>"),
                ("{{", "}}"),
                ("{%", "%}"),
                ("<", ">"),
                ("&", ";"),
            ] {
                text = strip(&text, open, close);
            }
            for word in text
                .split(|c: char| !c.is_alphabetic())
                .filter(|w| w.chars().count() > 1)
            {
                assert!(
                    SAME_IN_EVERY_LANGUAGE.contains(&word),
                    "{name}: \"{word}\" is written in the template; give it a key in the locales"
                );
            }
        }
    }
}
