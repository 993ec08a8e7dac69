//! What is wrong with a JSON text, said in words a user reads (Dutch, like every refusal of
//! koers; the web layer translates), with where it is: `regel 3, kolom 7: hier hoort een
//! komma of }`. serde_json says it in English for programmers ("expected `,` or `}` at line 3
//! column 7"); people importing a GeoJSON file or pasting a framework are not all programmers.

/// `e` as a Dutch sentence with its place, when serde_json knows the place.
pub fn problem(e: &serde_json::Error) -> String {
    problem_in(e, |_| None)
}

/// [`problem`] for a text that is line `line` of a file (a line of a JSON text sequence):
/// the place said as the file's.
pub fn problem_on_line(e: &serde_json::Error, line: usize) -> String {
    placed(line, e.column(), words(&message(e), &|_| None))
}

/// The same as [`problem`], with `own` giving the words for messages of a library that deserialises through
/// serde_json (GeoJSON's "A position must contain…"), where it knows them.
pub fn problem_in(e: &serde_json::Error, own: impl Fn(&str) -> Option<String>) -> String {
    let what = words(&message(e), &own);
    match e.line() {
        0 => what,
        line => placed(line, e.column(), what),
    }
}

/// What is wrong, and where.
fn placed(line: usize, column: usize, what: String) -> String {
    format!("regel {line}, kolom {column}: {what}")
}

/// serde_json's message without the place it puts last: "<message> at line L column C".
fn message(e: &serde_json::Error) -> String {
    let mut text = e.to_string();
    if let Some(at) = text.rfind(" at line ").filter(|_| e.line() > 0) {
        text.truncate(at);
    }
    text
}

/// A serde_json message in Dutch; one it does not know (a message of koers' own, or of a
/// library) stays as it is.
fn words(message: &str, own: &dyn Fn(&str) -> Option<String>) -> String {
    // A message a caller wrapped with the object it is about: "object 3: <message>".
    if let Some((head, rest)) = message.split_once(": ")
        && let Some(n) = head.strip_prefix("object ")
        && n.parse::<usize>().is_ok()
    {
        return format!("object {n}: {}", words(rest, own));
    }
    if let Some(w) = own(message) {
        return w;
    }
    let fixed = match message {
        "EOF while parsing a list" => Some("de tekst houdt op midden in een lijst ([ zonder ])"),
        "EOF while parsing an object" => {
            Some("de tekst houdt op midden in een object ({ zonder })")
        }
        "EOF while parsing a string" => {
            Some("de tekst houdt op midden in een tekst tussen aanhalingstekens")
        }
        "EOF while parsing a value" => Some("de tekst houdt op waar een waarde hoort"),
        "expected `:`" => Some("hier hoort een dubbele punt (:)"),
        "expected `,` or `]`" => Some("hier hoort een komma of ]"),
        "expected `,` or `}`" => Some("hier hoort een komma of }"),
        "expected ident" => {
            Some("hier staat een woord dat JSON niet kent (alleen true, false en null)")
        }
        "expected value" => Some(
            "hier hoort een waarde: een tekst tussen aanhalingstekens, een getal, true, false, null, een lijst of een object",
        ),
        "expected `\"`" => Some("hier hoort een aanhalingsteken (\")"),
        "invalid escape" => Some("ongeldige escape (\\) in een tekst"),
        "invalid number" => Some("ongeldig getal"),
        "number out of range" => Some("het getal is te groot"),
        "invalid unicode code point" | "lone leading surrogate in hex escape" => {
            Some("ongeldig unicode-teken")
        }
        "unexpected end of hex escape" => Some("onvolledige \\u-escape"),
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            Some("een stuurteken, zoals een regeleinde, binnen een tekst tussen aanhalingstekens")
        }
        "key must be a string" => Some("een sleutel hoort een tekst tussen aanhalingstekens"),
        "trailing comma" => Some("een komma te veel vóór het sluitende haakje"),
        "trailing characters" => Some("na het einde van de JSON staat nog iets"),
        "recursion limit exceeded" => Some("te diep genest"),
        _ => None,
    };
    if let Some(f) = fixed {
        return f.to_string();
    }
    for (prefix, head) in [
        ("invalid type: ", "verkeerd soort waarde"),
        ("invalid value: ", "ongeldige waarde"),
    ] {
        if let Some((found, expected)) = message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once(", expected "))
        {
            return format!(
                "{head}: {}, verwacht {}",
                unexpected(found),
                expecting(expected)
            );
        }
    }
    if let Some(rest) = message.strip_prefix("invalid length ")
        && let Some((n, expected)) = rest.split_once(", expected ")
    {
        return format!("verkeerd aantal: {n}, verwacht {}", expecting(expected));
    }
    if let Some(name) = quoted_after(message, "missing field ") {
        return format!("het veld {name} ontbreekt");
    }
    if let Some(name) = quoted_after(message, "duplicate field ") {
        return format!("het veld {name} staat er twee keer");
    }
    if let Some(name) = quoted_after(message, "unknown field ") {
        return format!("onbekend veld {name}");
    }
    if let Some(name) = quoted_after(message, "unknown variant ") {
        let choices = message
            .split_once(", expected one of ")
            .or_else(|| message.split_once(", expected "))
            .map(|(_, c)| c.replace('`', ""));
        return match choices {
            Some(c) => format!("onbekende waarde {name}; kies uit {c}"),
            None => format!("onbekende waarde {name}"),
        };
    }
    message.to_string()
}

/// The name between backticks right after `prefix`: "missing field `type`" → `'type'`.
fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
    let (name, _) = rest.split_once('`')?;
    Some(format!("'{name}'"))
}

/// What serde found, as the value itself where it names one (`"x"`, `5`, `true`), else its
/// kind in words.
fn unexpected(found: &str) -> String {
    if let Some(text) = found.strip_prefix("string ") {
        return text.to_string();
    }
    ["integer ", "floating point ", "boolean "]
        .iter()
        .find_map(|kind| found.strip_prefix(kind))
        .map(|v| v.trim_matches('`').to_string())
        .unwrap_or_else(|| kind(found).to_string())
}

/// What serde expected, in words, for the kinds every JSON reader expects.
fn expecting(expected: &str) -> String {
    let kind = match expected.trim_start_matches("a ").trim_start_matches("an ") {
        "string" | "borrowed string" => "een tekst",
        "f64" | "f32" => "een getal",
        "i64" | "i32" | "u64" | "u32" | "u16" | "u8" | "usize" | "integer" => "een geheel getal",
        "boolean" | "bool" => "true of false",
        "sequence" | "array" => "een lijst",
        "map" | "object" => "een object",
        _ => return expected.to_string(),
    };
    kind.to_string()
}

/// The kind of a JSON value serde names without a value.
fn kind(found: &str) -> &str {
    match found {
        "sequence" => "een lijst",
        "map" => "een object",
        "null" => "null",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn of(text: &str) -> String {
        problem(&serde_json::from_str::<serde_json::Value>(text).unwrap_err())
    }

    #[test]
    fn a_syntax_error_says_where_and_what_in_words() {
        assert_eq!(
            of("{\"a\": 1"),
            "regel 1, kolom 7: de tekst houdt op midden in een object ({ zonder })"
        );
        assert_eq!(
            of("{\"a\": 1\n \"b\": 2}"),
            "regel 2, kolom 2: hier hoort een komma of }"
        );
        assert_eq!(
            of("[1, 2,]"),
            "regel 1, kolom 7: een komma te veel vóór het sluitende haakje"
        );
        assert_eq!(
            of(""),
            "regel 1, kolom 0: de tekst houdt op waar een waarde hoort"
        );
        assert_eq!(
            of("{} x"),
            "regel 1, kolom 4: na het einde van de JSON staat nog iets"
        );
        assert_eq!(
            of("{'a': 1}"),
            "regel 1, kolom 2: een sleutel hoort een tekst tussen aanhalingstekens"
        );
        assert_eq!(
            of("[nul]"),
            "regel 1, kolom 5: hier staat een woord dat JSON niet kent (alleen true, false en null)"
        );
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Point {
        name: String,
        x: f64,
        kind: Kind,
    }

    #[derive(Debug, Deserialize)]
    enum Kind {
        Stop,
    }

    fn point(text: &str) -> String {
        problem(&serde_json::from_str::<Point>(text).unwrap_err())
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_named_with_what_was_expected() {
        assert_eq!(
            point(r#"{"name": 5, "x": 1, "kind": "Stop"}"#),
            "regel 1, kolom 10: verkeerd soort waarde: 5, verwacht een tekst"
        );
        assert_eq!(
            point(r#"{"name": "a", "x": "1", "kind": "Stop"}"#),
            "regel 1, kolom 22: verkeerd soort waarde: \"1\", verwacht een getal"
        );
        assert_eq!(
            point(r#"{"name": "a", "x": 1}"#),
            "regel 1, kolom 21: het veld 'kind' ontbreekt"
        );
        assert_eq!(
            point(r#"{"name": "a", "x": 1, "kind": "Go"}"#),
            "regel 1, kolom 34: onbekende waarde 'Go'; kies uit Stop"
        );
        assert_eq!(
            point(r#"{"name": "a", "y": 1}"#),
            "regel 1, kolom 17: onbekend veld 'y'"
        );
        assert_eq!(
            problem(&serde_json::from_str::<Point>("[]").unwrap_err()),
            "regel 1, kolom 2: verkeerd aantal: 0, verwacht struct Point with 3 elements"
        );
    }

    #[test]
    fn a_message_of_its_own_is_kept_and_a_library_may_word_its_own() {
        let e = serde_json::from_str::<Kind>("\"Go\"").unwrap_err();
        let own = |m: &str| {
            m.starts_with("unknown variant")
                .then(|| "geen halte".to_string())
        };
        assert_eq!(problem_in(&e, own), "regel 1, kolom 4: geen halte");
        let e = <serde_json::Error as serde::de::Error>::custom("object 3: expected value");
        assert_eq!(
            problem(&e),
            "object 3: hier hoort een waarde: een tekst tussen aanhalingstekens, een getal, true, false, null, een lijst of een object"
        );
        let e = <serde_json::Error as serde::de::Error>::custom("iets van koers zelf");
        assert_eq!(problem(&e), "iets van koers zelf");
    }
}
