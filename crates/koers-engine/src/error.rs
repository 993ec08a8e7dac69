//! One error type for the whole data plane.
//!
//! Every variant carries a message written for the person who caused it (an analyst who typed
//! SQL, a steward who uploaded a file): it names the line, column or table, and never leaks a
//! server path beyond the file the user gave. Messages are in Dutch, the language of koers'
//! users; the common DataFusion failures (an unknown column or table, division by zero, a
//! syntax error's position) are worded in Dutch too, the rest keep DataFusion's own words.

use datafusion::error::DataFusionError;

/// What can go wrong in the data plane.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The input file could not be read as the format it claims to be.
    #[error("geen geldig {format}-bestand: {message}")]
    InvalidInput {
        /// The source format (`CSV`, `GeoJSON`, …).
        format: &'static str,
        /// What is wrong, with the line or feature where possible.
        message: String,
    },
    /// The input file holds no rows.
    #[error("het bestand is leeg: er zijn geen rijen om te importeren")]
    Empty,
    /// An import option that does not fit the file (a layer outside a GeoPackage, column
    /// types outside a CSV).
    #[error("{0}")]
    UnfitOption(String),
    /// The format could not be told from the file name and none was given.
    #[error("onbekend bestandsformaat: {0}")]
    UnknownFormat(String),
    /// The coordinate reference system is not one koers knows.
    #[error(
        "onbekend coördinatenstelsel {0:?}: koers kent EPSG:4326 (WGS84) en EPSG:28992 (RD New)"
    )]
    UnknownCrs(String),
    /// The SQL was refused by the sandbox before planning.
    #[error("query niet toegestaan: {0}")]
    Forbidden(String),
    /// The SQL could not be parsed.
    #[error("fout in de SQL: {0}")]
    Syntax(String),
    /// The query ran longer than its time limit and was cancelled.
    #[error("query gestopt: hij liep langer dan de tijdslimiet van {} s", .0.as_secs_f64())]
    Timeout(std::time::Duration),
    /// The query was cancelled by the user.
    #[error("query afgebroken")]
    Cancelled,
    /// The query needed more memory than the limit allows.
    #[error("de query heeft meer geheugen nodig dan toegestaan: {0}")]
    ResourcesExhausted(String),
    /// Planning or execution failed (unknown table or column, type error, …).
    #[error("de query mislukte: {0}")]
    Query(String),
    /// Planning or execution failed with one of DataFusion's common failures, told in Dutch
    /// with a hint; `original` is DataFusion's own message, for who wants to see it.
    #[error("de query mislukte: {message}")]
    Explained { message: String, original: String },
    /// A geometry could not be decoded or processed.
    #[error("fout in een geometrie: {0}")]
    Geometry(String),
    /// Rows to append do not fit the version they are appended to.
    #[error("de rijen passen niet bij de huidige versie: de kolommen moeten dezelfde zijn ({0})")]
    NotAnAppend(String),
    /// Reading or writing a file failed.
    #[error("lees- of schrijffout: {0}")]
    Io(#[from] std::io::Error),
}

/// A parser message in Dutch where its pattern is known (`Expected: …, found: … at Line: 1,
/// Column: 8`); otherwise as it is.
pub(crate) fn syntax_nl(message: &str) -> String {
    message
        .replace("sql parser error: ", "")
        .replace("Expected: ", "verwacht: ")
        .replace(", found: ", ", gevonden: ")
        .replace(" at Line: ", " op regel ")
        .replace(", Column: ", ", kolom ")
        .replace("end of statement", "einde van de opdracht")
        .replace("an expression", "een expressie")
        .replace("an SQL statement", "een SQL-opdracht")
}

/// An Arrow type in words (`Utf8View` → tekst).
pub(crate) fn type_nl(t: &str) -> &'static str {
    let t = t.trim();
    if t.starts_with("Int") || t.starts_with("UInt") {
        "geheel getal"
    } else if t.starts_with("Float") || t.starts_with("Decimal") {
        "getal"
    } else if t.contains("Utf8") {
        "tekst"
    } else if t.starts_with("Date") || t.starts_with("Timestamp") {
        "datum"
    } else if t == "Boolean" {
        "ja/nee"
    } else {
        "waarde"
    }
}

/// A type mismatch in Dutch, with how to mend it, where DataFusion's message is one of the
/// known ones: an arithmetic or a comparison of two kinds, or a value that cannot be cast.
fn mismatch_nl(m: &str) -> Option<String> {
    const CAST: &str = "zet een van beide om met CAST(kolom AS DOUBLE) of CAST(kolom AS VARCHAR)";
    if let Some(rest) = m
        .split("Cannot coerce arithmetic expression ")
        .nth(1)
        .and_then(|r| r.split(" to valid types").next())
    {
        let parts: Vec<&str> = rest.split_whitespace().collect();
        if let [l, op, r] = parts.as_slice() {
            return Some(format!(
                "de soorten waarden passen niet bij elkaar: {} {op} {}; {CAST}",
                type_nl(l),
                type_nl(r)
            ));
        }
    }
    if let Some(rest) = m.split("Cannot cast string '").nth(1) {
        let (value, tail) = rest.split_once("' to value of ")?;
        let to = tail.split_whitespace().next()?;
        return Some(format!(
            "de waarde '{value}' is geen {}; vergelijk met een waarde van dezelfde soort (tekst tussen enkele aanhalingstekens) of {CAST}",
            type_nl(to)
        ));
    }
    if let Some(rest) = m
        .split("Cannot infer common argument type for comparison operation ")
        .nth(1)
    {
        let parts: Vec<&str> = rest.split_whitespace().collect();
        if let [l, op, r, ..] = parts.as_slice() {
            return Some(format!(
                "{} en {} zijn niet te vergelijken ({op}); {CAST}",
                type_nl(l),
                type_nl(r)
            ));
        }
    }
    None
}

/// A function called with arguments it does not take, in Dutch: koers' own functions say why
/// themselves (their words stand inside DataFusion's), DataFusion's own how many they take.
fn function_nl(m: &str) -> Option<String> {
    if let Some(own) = m
        .split("user-defined coercion failed with: Error during planning: ")
        .nth(1)
    {
        return Some(
            own.split(". No function matches")
                .next()
                .unwrap_or(own)
                .to_string(),
        );
    }
    let (name, rest) = m.split("Function '").nth(1)?.split_once("' expects ")?;
    let (want, rest) = rest.split_once(" arguments but received ")?;
    let got: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some(format!("{name} neemt {want} argument(en), niet {got}"))
}

/// The text between `start` and the first `end` after it.
fn between<'a>(m: &'a str, start: &str, end: &str) -> Option<&'a str> {
    m.split_once(start)?.1.split_once(end).map(|(x, _)| x)
}

/// A mistake in writing SQL as DataFusion names it: the words before and after the part that
/// names the thing, and what koers says of it in Dutch with how to mend it (given that part
/// and the whole message).
type Mistake = (&'static str, &'static str, fn(&str, &str) -> String);

const SQL_MISTAKES: &[Mistake] = &[
    (
        "column \"",
        "\" must appear in the GROUP BY",
        |column, _| {
            let column = column.rsplit('.').next().unwrap_or(column);
            format!(
                "kolom {column} staat niet in GROUP BY en niet in een berekening over de groep (zoals SUM of COUNT); voeg haar toe aan GROUP BY of reken ermee"
            )
        },
    ),
    ("Invalid function '", "'", |name, _| {
        format!(
            "onbekende functie {name}; controleer de naam (koers kent de SQL-functies van DataFusion en de ruimtelijke ST_-functies met hun PostGIS-namen)"
        )
    }),
    ("Unsupported date_trunc granularity: '", "'", |unit, _| {
        format!(
            "date_trunc kent '{unit}' niet; kies 'year', 'quarter', 'month', 'week', 'day' of 'hour'"
        )
    }),
    (
        "Function '",
        "' failed to match any signature",
        |name, m| {
            let mut kinds: Vec<&str> = Vec::new();
            for r in m.split("(DataType: ").skip(1) {
                let kind = r.split_once(')').map(|(t, _)| type_nl(t));
                if let Some(kind) = kind.filter(|k| !kinds.contains(k)) {
                    kinds.push(kind);
                }
            }
            format!(
                "{name} kan niet met deze soort waarden ({}); zet een kolom om, bijvoorbeeld met CAST(kolom AS DOUBLE)",
                kinds.join(", ")
            )
        },
    ),
    (
        "Order by column out of bounds, specified: ",
        ",",
        |asked, m| {
            let max = m.rsplit("max: ").next().unwrap_or_default().trim();
            format!("ORDER BY {asked}: de uitkomst heeft {max} kolom(men)")
        },
    ),
    (
        "",
        " queries have different number of columns",
        |before, _| {
            let op = before.rsplit(' ').next().unwrap_or(before);
            format!("de delen van de {op} hebben niet evenveel kolommen")
        },
    ),
    ("Error parsing timestamp from '", "'", |value, _| {
        format!(
            "'{value}' is geen datum of tijdstip; schrijf bijvoorbeeld '2026-12-31' of '2026-12-31 08:00:00'"
        )
    }),
    ("LIMIT must be >= 0, '", "'", |given, _| {
        format!("LIMIT moet 0 of meer zijn, niet {given}")
    }),
    ("Can't cast value ", " to type ", |value, m| {
        let to = m.rsplit(" to type ").next().unwrap_or_default();
        let to = to.lines().next().unwrap_or_default().trim();
        format!(
            "de waarde {value} past niet in {} ({to}); zet haar om naar BIGINT of DOUBLE",
            type_nl(to)
        )
    }),
    ("the expression \"", "\" at position", |expression, _| {
        let name = expression.rsplit(" AS ").next().unwrap_or(expression);
        let name = name.rsplit('.').next().unwrap_or(name);
        format!("twee kolommen van de uitkomst heten {name}; geef er een een andere naam met AS")
    }),
    ("Scalar subquery returned more than one row", "", |_, _| {
        "een subquery die één waarde moet geven, gaf meer dan één rij; beperk haar, bijvoorbeeld met MAX(…) of LIMIT 1".into()
    }),
    ("Substring without for/from is not valid", "", |_, _| {
        "substr vraagt ook waar het stuk begint: substr(tekst, begin) of substr(tekst, begin, lengte)".into()
    }),
];

/// The common mistakes in writing SQL ([`SQL_MISTAKES`]), in Dutch, where DataFusion's
/// message is one of them.
fn sql_mistake_nl(m: &str) -> Option<String> {
    SQL_MISTAKES
        .iter()
        .find_map(|(start, end, say)| between(m, start, end).map(|part| say(part, m)))
}

/// A query failure in Dutch where DataFusion's message is one of the common ones.
fn query_nl(root: &DataFusionError) -> String {
    use datafusion::common::SchemaError;
    match root {
        DataFusionError::SchemaError(e, _) => match e.as_ref() {
            SchemaError::FieldNotFound {
                field,
                valid_fields,
            } => {
                let known: Vec<String> = valid_fields.iter().map(|c| c.name.clone()).collect();
                format!(
                    "onbekende kolom {}; bestaande kolommen: {}",
                    field.name,
                    known.join(", ")
                )
            }
            SchemaError::AmbiguousReference { field } => format!(
                "kolom {} staat in meer dan één tabel; noem de tabel erbij (tabel.kolom)",
                field.name
            ),
            other => other.to_string(),
        },
        DataFusionError::ArrowError(e, _)
            if matches!(
                e.as_ref(),
                datafusion::arrow::error::ArrowError::DivideByZero
            ) =>
        {
            "deling door nul; sluit nul uit met NULLIF(noemer, 0)".into()
        }
        DataFusionError::Plan(m) if m.starts_with("table '") && m.ends_with("' not found") => {
            let name = m
                .trim_start_matches("table '")
                .trim_end_matches("' not found");
            let short = name.rsplit('.').next().unwrap_or(name);
            format!("onbekende tabel {short}; u kunt de datasets bevragen waartoe u toegang heeft")
        }
        other => {
            let m = other.message().to_string();
            mismatch_nl(&m)
                .or_else(|| function_nl(&m))
                .or_else(|| sql_mistake_nl(&m))
                .unwrap_or(m)
        }
    }
}

impl From<DataFusionError> for EngineError {
    fn from(e: DataFusionError) -> Self {
        match e.find_root() {
            DataFusionError::ResourcesExhausted(m) => EngineError::ResourcesExhausted(m.clone()),
            DataFusionError::SQL(p, _) => EngineError::Syntax(syntax_nl(&p.to_string())),
            DataFusionError::External(inner) => match inner.downcast_ref::<EngineError>() {
                Some(EngineError::Geometry(m)) => EngineError::Geometry(m.clone()),
                _ => EngineError::Query(inner.to_string()),
            },
            root => {
                let message = query_nl(root);
                let original = root.message().to_string();
                if message == original {
                    EngineError::Query(message)
                } else {
                    EngineError::Explained { message, original }
                }
            }
        }
    }
}

impl From<datafusion::arrow::error::ArrowError> for EngineError {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        EngineError::Query(e.to_string())
    }
}

impl From<datafusion::parquet::errors::ParquetError> for EngineError {
    fn from(e: datafusion::parquet::errors::ParquetError) -> Self {
        EngineError::InvalidInput {
            format: "Parquet",
            message: e.to_string(),
        }
    }
}

/// Shorthand used across the crate.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// `items` as exactly `N` of them, or DataFusion's internal error: how koers' plan nodes and
/// expressions take the inputs or children a rewrite of the plan gives them back (`what`
/// names them, e.g. "LookupJoinExec's inputs").
pub(crate) fn exactly<T, const N: usize>(
    items: Vec<T>,
    what: &str,
) -> datafusion::common::Result<[T; N]> {
    let count = items.len();
    <[T; N]>::try_from(items)
        .map_err(|_| DataFusionError::Internal(format!("{what}: {N} expected, not {count}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    async fn fails(sql: &str) -> String {
        let ctx = SessionContext::new();
        ctx.sql("CREATE TABLE t (a INT, b INT) AS VALUES (1, 0)")
            .await
            .unwrap();
        let e = match ctx.sql(sql).await {
            Ok(df) => df.collect().await.err().unwrap(),
            Err(e) => e,
        };
        EngineError::from(e).to_string()
    }

    #[tokio::test]
    async fn common_failures_read_in_dutch() {
        assert_eq!(
            fails("SELECT c FROM t").await,
            "de query mislukte: onbekende kolom c; bestaande kolommen: a, b"
        );
        assert_eq!(
            fails("SELECT a FROM nergens").await,
            "de query mislukte: onbekende tabel nergens; u kunt de datasets bevragen waartoe u toegang heeft"
        );
        assert!(
            fails("SELECT a / b FROM t")
                .await
                .contains("deling door nul")
        );
        assert_eq!(
            fails("SELECT a + 'x' FROM t").await,
            "de query mislukte: de soorten waarden passen niet bij elkaar: geheel getal + tekst; zet een van beide om met CAST(kolom AS DOUBLE) of CAST(kolom AS VARCHAR)"
        );
        assert_eq!(
            fails("SELECT a FROM t WHERE a = 'x'").await,
            "de query mislukte: de waarde 'x' is geen geheel getal; vergelijk met een waarde van dezelfde soort (tekst tussen enkele aanhalingstekens) of zet een van beide om met CAST(kolom AS DOUBLE) of CAST(kolom AS VARCHAR)"
        );
        assert_eq!(
            mismatch_nl("Error during planning: Cannot coerce arithmetic expression Utf8View + Int64 to valid types").as_deref(),
            Some("de soorten waarden passen niet bij elkaar: tekst + geheel getal; zet een van beide om met CAST(kolom AS DOUBLE) of CAST(kolom AS VARCHAR)")
        );
        assert!(mismatch_nl("something else").is_none());
        assert_eq!(
            fails("SELECT upper(a, b) FROM t").await,
            "de query mislukte: upper neemt 1 argument(en), niet 2"
        );
        for (sql, says) in [
            (
                "SELECT a, b FROM t GROUP BY a",
                "kolom b staat niet in GROUP BY en niet in een berekening over de groep (zoals SUM of COUNT); voeg haar toe aan GROUP BY of reken ermee",
            ),
            (
                "SELECT foo(a) FROM t",
                "onbekende functie foo; controleer de naam (koers kent de SQL-functies van DataFusion en de ruimtelijke ST_-functies met hun PostGIS-namen)",
            ),
            (
                "SELECT date_trunc('eeuw', now())",
                "date_trunc kent 'eeuw' niet; kies 'year', 'quarter', 'month', 'week', 'day' of 'hour'",
            ),
            (
                "SELECT sum(CAST(a AS VARCHAR)) FROM t",
                "sum kan niet met deze soort waarden (tekst); zet een kolom om, bijvoorbeeld met CAST(kolom AS DOUBLE)",
            ),
            (
                "SELECT a, a FROM t",
                "twee kolommen van de uitkomst heten a; geef er een een andere naam met AS",
            ),
            (
                "SELECT count(*) AS n, count(*) AS n FROM t",
                "twee kolommen van de uitkomst heten n; geef er een een andere naam met AS",
            ),
            (
                "SELECT a FROM t WHERE a < (SELECT * FROM (VALUES (1), (2)))",
                "een subquery die één waarde moet geven, gaf meer dan één rij; beperk haar, bijvoorbeeld met MAX(…) of LIMIT 1",
            ),
            (
                "SELECT a FROM t ORDER BY 9",
                "ORDER BY 9: de uitkomst heeft 1 kolom(men)",
            ),
            (
                "SELECT a FROM t UNION SELECT a, b FROM t",
                "de delen van de UNION hebben niet evenveel kolommen",
            ),
            (
                "SELECT CAST('gisteren' AS TIMESTAMP)",
                "'gisteren' is geen datum of tijdstip; schrijf bijvoorbeeld '2026-12-31' of '2026-12-31 08:00:00'",
            ),
            (
                "SELECT a FROM t LIMIT -1",
                "LIMIT moet 0 of meer zijn, niet -1",
            ),
            (
                "SELECT CAST(5000000000 AS INT)",
                "de waarde 5000000000 past niet in geheel getal (Int32); zet haar om naar BIGINT of DOUBLE",
            ),
            (
                "SELECT substr('abc')",
                "substr vraagt ook waar het stuk begint: substr(tekst, begin) of substr(tekst, begin, lengte)",
            ),
        ] {
            assert_eq!(
                fails(sql).await,
                format!("de query mislukte: {says}"),
                "{sql}"
            );
        }
        let syntax = fails("SELECT a FROM t WHERE").await;
        assert!(
            syntax.starts_with("fout in de SQL: verwacht: een expressie, gevonden: EOF"),
            "{syntax}"
        );
    }
}
