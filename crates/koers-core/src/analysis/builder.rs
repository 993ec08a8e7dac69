//! The query builder ("analyse zonder SQL"): an analysis put together from choices — a
//! dataset, an optional second one joined by a key or by location, filters, groupings by
//! column or time grain, measures, a sort and a limit — and turned into SQL here. The SQL is
//! what runs (through the same sandbox as any query) and what a person can read and take
//! over in the SQL editor, so every result stays traceable to its SQL.
//!
//! Names are checked against the tables' columns before any SQL is written: a column that
//! does not exist, or does not fit the step (a sum of text, a date range on a number), is
//! refused with the column's name. Identifiers are always quoted and values written as typed
//! literals (text with its quotes doubled); filters a dashboard may set become parameters
//! (`{{name}}`), bound by the engine like those of any saved analysis.

use super::{Param, ParamKind, is_ident, quote_ident};
use crate::error::{Collector, Invalid};
use serde::{Deserialize, Serialize};

/// The most values one value-list filter may hold.
const MAX_VALUES: usize = 500;
/// The most filters, groupings and measures one definition may hold.
const MAX_STEPS: usize = 20;

/// An analysis as the builder's choices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Definition {
    /// The dataset (its name in SQL).
    pub dataset: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join: Option<Join>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<Measure>,
    /// Without groupings and measures: the columns to show (all of the dataset's when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<Sort>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A second dataset, joined to the first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Join {
    pub dataset: String,
    pub on: JoinOn,
}

/// How the rows of the two datasets belong together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum JoinOn {
    /// The first dataset's `left` equals the second's `right` (e.g. `origin_gm = gm_code`).
    Key { left: String, right: String },
    /// "Ligt in": the first dataset's geometry, or the point at its `lon`/`lat` columns
    /// (WGS84), lies in the second's geometry (e.g. a municipality).
    Within {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lon: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lat: Option<String>,
    },
}

/// Keeps the rows whose `column` passes `op`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Filter {
    /// A column of the first dataset, or `<second dataset>.<column>`.
    pub column: String,
    pub op: FilterOp,
    /// The name of a parameter a dashboard may set, with this filter's value as its
    /// default; an empty value (0 for a year) then means "no filter". For a value list of
    /// one value and for a year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
}

/// A filter's test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum FilterOp {
    /// One of these values.
    In { values: Vec<String> },
    /// From `from` up to and including `to` (numbers, or dates `YYYY-MM-DD`); one may be
    /// left out.
    Between {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    /// A date or moment in this year.
    Year { year: i32 },
}

/// Groups the rows by a column's values, or a date's week, month, quarter or year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Group {
    pub column: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grain: Option<Grain>,
}

/// A period to group dates by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Grain {
    Week,
    Month,
    Quarter,
    Year,
}

impl Grain {
    pub const ALL: [Grain; 4] = [Grain::Week, Grain::Month, Grain::Quarter, Grain::Year];

    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Week => "week",
            Grain::Month => "month",
            Grain::Quarter => "quarter",
            Grain::Year => "year",
        }
    }

    /// The Dutch word that ends the result column's name (`ts_maand`).
    fn suffix(self) -> &'static str {
        match self {
            Grain::Week => "week",
            Grain::Month => "maand",
            Grain::Quarter => "kwartaal",
            Grain::Year => "jaar",
        }
    }
}

/// A number computed per group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Measure {
    #[serde(rename = "fn")]
    pub func: Func,
    /// The column measured; counting needs none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The result column's name; a default is made from the function and the column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// What a measure computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Func {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    Median,
    /// The group's sum as a share of the total (of its period, when grouped by time).
    Share,
    /// The relative change of the group's sum on the previous period (0.1 is 10 % more).
    Change,
}

impl Func {
    pub const ALL: [Func; 8] = [
        Func::Count,
        Func::Sum,
        Func::Avg,
        Func::Min,
        Func::Max,
        Func::Median,
        Func::Share,
        Func::Change,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Func::Count => "count",
            Func::Sum => "sum",
            Func::Avg => "avg",
            Func::Min => "min",
            Func::Max => "max",
            Func::Median => "median",
            Func::Share => "share",
            Func::Change => "change",
        }
    }

    /// The Dutch start of a default result column name (`gemiddelde_tonnes`).
    fn prefix(self) -> &'static str {
        match self {
            Func::Count => "aantal",
            Func::Sum => "",
            Func::Avg => "gemiddelde",
            Func::Min => "min",
            Func::Max => "max",
            Func::Median => "mediaan",
            Func::Share => "aandeel",
            Func::Change => "verandering",
        }
    }

    /// Whether the measure is computed over the groups' sums (a window), not per group.
    fn over_groups(self) -> bool {
        matches!(self, Func::Share | Func::Change)
    }
}

/// The order of the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sort {
    /// A result column.
    pub column: String,
    #[serde(default)]
    pub descending: bool,
}

/// What a column holds, as far as the builder is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    Integer,
    Number,
    Text,
    Date,
    Timestamp,
    Boolean,
    Geometry,
    Other,
}

impl Kind {
    /// The kind of an Arrow type as the catalog writes it (`Int64`, `Utf8`, `Timestamp(µs)`).
    pub fn of(data_type: &str) -> Kind {
        let t = data_type;
        // A list, a structure or a map holds many values, whatever their type.
        if ["List", "LargeList", "FixedSizeList", "Struct", "Map"]
            .iter()
            .any(|nested| t.starts_with(nested))
        {
            Kind::Other
        } else if t.starts_with("Int") || t.starts_with("UInt") {
            Kind::Integer
        } else if t.starts_with("Float") || t.starts_with("Decimal") {
            Kind::Number
        } else if t.contains("Utf8") {
            Kind::Text
        } else if t.starts_with("Date") {
            Kind::Date
        } else if t.starts_with("Timestamp") {
            Kind::Timestamp
        } else if t == "Boolean" {
            Kind::Boolean
        } else {
            Kind::Other
        }
    }

    pub fn numeric(self) -> bool {
        matches!(self, Kind::Integer | Kind::Number)
    }

    pub fn temporal(self) -> bool {
        matches!(self, Kind::Date | Kind::Timestamp)
    }
}

/// A column of a table, as the builder sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnShape {
    pub name: String,
    pub kind: Kind,
    /// What it means in words, when the catalog knows.
    pub title: Option<String>,
}

/// A table the builder may use: its name in SQL and its columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableShape {
    pub name: String,
    pub title: String,
    pub columns: Vec<ColumnShape>,
}

impl TableShape {
    fn column(&self, name: &str) -> Option<&ColumnShape> {
        self.columns.iter().find(|c| c.name == name)
    }

    fn geometry(&self) -> Option<&ColumnShape> {
        self.columns.iter().find(|c| c.kind == Kind::Geometry)
    }
}

/// A column of the result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutColumn {
    pub name: String,
    pub kind: Kind,
    /// A grouping by time (the result's period).
    pub period: bool,
}

/// A definition turned into SQL, with the parameters it declares and the result's columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub sql: String,
    pub params: Vec<Param>,
    pub columns: Vec<OutColumn>,
}

/// Text as a SQL literal.
fn text_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A column resolved against the tables: its SQL and its kind.
struct Resolved {
    sql: String,
    name: String,
    kind: Kind,
}

struct Tables<'a> {
    base: &'a TableShape,
    joined: Option<&'a TableShape>,
}

impl Tables<'_> {
    /// `name` or `<joined dataset>.<name>`, or why it is not a column here.
    fn resolve(&self, field: &str, raw: &str) -> Result<Resolved, Invalid> {
        let (table, alias, name) = match (self.joined, raw.split_once('.')) {
            (Some(j), Some((t, c))) if t == j.name => (j, "j", c),
            (_, Some((t, c))) if t == self.base.name => (self.base, "t", c),
            _ => (self.base, "t", raw),
        };
        let Some(col) = table.column(name) else {
            return Err(Invalid::one(
                field,
                "unknown_column",
                &format!("kolom {raw:?} bestaat niet in {}", table.name),
            ));
        };
        Ok(Resolved {
            sql: format!("{alias}.{}", quote_ident(&col.name)),
            name: col.name.clone(),
            kind: col.kind,
        })
    }
}

fn find<'a>(tables: &'a [TableShape], field: &str, name: &str) -> Result<&'a TableShape, Invalid> {
    tables.iter().find(|t| t.name == name).ok_or_else(|| {
        Invalid::one(
            field,
            "unknown_dataset",
            &format!("dataset {name:?} bestaat niet of is niet te bevragen"),
        )
    })
}

/// A value typed for a column of `kind`, as a SQL literal.
fn literal(field: &str, kind: Kind, raw: &str) -> Result<String, Invalid> {
    let v = raw.trim();
    let bad = |why: &str| Invalid::one(field, "type", &format!("{v:?} {why}"));
    match kind {
        Kind::Integer => v
            .parse::<i64>()
            .map(|n| n.to_string())
            .map_err(|_| bad("is geen geheel getal")),
        Kind::Number => match v.replace(',', ".").parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(n.to_string()),
            _ => Err(bad("is geen getal")),
        },
        Kind::Boolean => match v {
            "true" | "ja" => Ok("true".into()),
            "false" | "nee" => Ok("false".into()),
            _ => Err(bad("is geen ja of nee")),
        },
        Kind::Text => {
            if raw.chars().any(|c| c.is_control() && c != '\t') {
                return Err(bad("bevat ongeldige tekens"));
            }
            Ok(text_literal(raw))
        }
        Kind::Date | Kind::Timestamp => {
            let d = crate::dates::parse_date(field, v)?;
            Ok(match kind {
                Kind::Date => format!("DATE {}", text_literal(&d)),
                _ => format!("TIMESTAMP {}", text_literal(&format!("{d} 00:00:00"))),
            })
        }
        Kind::Geometry | Kind::Other => Err(Invalid::one(
            field,
            "type",
            "op deze kolom kan niet worden gefilterd",
        )),
    }
}

/// The day after a `YYYY-MM-DD` date, as the same kind of literal.
fn day_after(field: &str, kind: Kind, raw: &str) -> Result<String, Invalid> {
    let d = crate::dates::parse_date(field, raw.trim())?;
    let next = chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.succ_opt())
        .ok_or_else(|| Invalid::one(field, "type", "datum buiten bereik"))?;
    literal(field, kind, &next.format("%Y-%m-%d").to_string())
}

/// A name for a result column that no other has yet.
fn unique(taken: &mut Vec<String>, wanted: &str) -> String {
    let mut name = wanted.to_string();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{wanted}_{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// A group's SQL expression and result kind.
fn group_expr(col: &Resolved, grain: Option<Grain>) -> (String, Kind) {
    match grain {
        None => (col.sql.clone(), col.kind),
        Some(Grain::Year) => (
            format!("CAST(date_part('year', {}) AS BIGINT)", col.sql),
            Kind::Integer,
        ),
        Some(g) => (
            format!("CAST(date_trunc('{}', {}) AS DATE)", g.as_str(), col.sql),
            Kind::Date,
        ),
    }
}

/// The SQL of a definition over `tables` (those the organisation may query), or every
/// problem with it. `row_limit` bounds the limit a definition may ask for.
pub fn compile(
    def: &Definition,
    tables: &[TableShape],
    row_limit: u32,
) -> Result<Compiled, Invalid> {
    let mut c = Collector::default();
    let base = find(tables, "dataset", &def.dataset)?;
    let joined = match &def.join {
        Some(j) => c.take(find(tables, "join.dataset", &j.dataset)),
        None => None,
    };
    let t = Tables { base, joined };
    for (field, n) in [
        ("filters", def.filters.len()),
        ("groups", def.groups.len()),
        ("measures", def.measures.len()),
        ("columns", def.columns.len()),
    ] {
        if n > MAX_STEPS {
            c.take::<()>(Err(Invalid::one(
                field,
                "too_many",
                &format!("ten hoogste {MAX_STEPS}"),
            )));
        }
    }

    // FROM and JOIN
    let mut from = format!("FROM {} AS t", quote_ident(&base.name));
    if let (Some(j), Some(jt)) = (&def.join, joined) {
        match &j.on {
            JoinOn::Key { left, right } => {
                let l = c.take(t.resolve("join.left", left));
                let r = c.take(
                    Tables {
                        base: jt,
                        joined: None,
                    }
                    .resolve("join.right", right),
                );
                if let (Some(l), Some(r)) = (l, r) {
                    let fits = l.kind == r.kind || (l.kind.numeric() && r.kind.numeric());
                    if !fits || matches!(l.kind, Kind::Geometry | Kind::Other) {
                        c.take::<()>(Err(Invalid::one(
                            "join.right",
                            "type",
                            &format!(
                                "{} en {} hebben niet hetzelfde soort waarden",
                                l.name, r.name
                            ),
                        )));
                    }
                    from.push_str(&format!(
                        " JOIN {} AS j ON {} = j.{}",
                        quote_ident(&jt.name),
                        l.sql,
                        quote_ident(&r.name)
                    ));
                }
            }
            JoinOn::Within { lon, lat } => {
                let area = jt.geometry().ok_or_else(|| {
                    Invalid::one(
                        "join.dataset",
                        "no_geometry",
                        &format!("{} heeft geen geometrie", jt.name),
                    )
                });
                let area = c.take(area);
                let point = match (lon, lat) {
                    (Some(lon), Some(lat)) => {
                        let x = c.take(t.resolve("join.lon", lon));
                        let y = c.take(t.resolve("join.lat", lat));
                        match (x, y) {
                            (Some(x), Some(y)) if x.kind.numeric() && y.kind.numeric() => {
                                Some(format!("ST_Point({}, {}, 4326)", x.sql, y.sql))
                            }
                            (Some(_), Some(_)) => {
                                c.take::<()>(Err(Invalid::one(
                                    "join.lon",
                                    "type",
                                    "lengte- en breedtegraad moeten getallen zijn",
                                )));
                                None
                            }
                            _ => None,
                        }
                    }
                    (None, None) => match base.geometry() {
                        Some(g) => Some(format!("t.{}", quote_ident(&g.name))),
                        None => {
                            c.take::<()>(Err(Invalid::one(
                                "join.lon",
                                "required",
                                &format!(
                                    "{} heeft geen geometrie: kies de kolommen met lengte- en breedtegraad",
                                    base.name
                                ),
                            )));
                            None
                        }
                    },
                    _ => {
                        c.take::<()>(Err(Invalid::one(
                            "join.lat",
                            "required",
                            "kies zowel lengte- als breedtegraad",
                        )));
                        None
                    }
                };
                if let (Some(area), Some(point)) = (area, point) {
                    from.push_str(&format!(
                        " JOIN {} AS j ON ST_Contains(j.{}, {point})",
                        quote_ident(&jt.name),
                        quote_ident(&area.name)
                    ));
                }
            }
        }
    }

    // WHERE
    let mut params: Vec<Param> = Vec::new();
    let mut conditions = Vec::new();
    for (i, f) in def.filters.iter().enumerate() {
        let field = format!("filters[{i}]");
        let Some(col) = c.take(t.resolve(&format!("{field}.column"), &f.column)) else {
            continue;
        };
        if let Some(p) = &f.param {
            if !is_ident(p) {
                c.take::<()>(Err(Invalid::one(
                    &format!("{field}.param"),
                    "pattern",
                    &format!("parameternaam {p:?} is ongeldig"),
                )));
                continue;
            }
            if params.iter().any(|q| &q.name == p) {
                c.take::<()>(Err(Invalid::one(
                    &format!("{field}.param"),
                    "duplicate",
                    &format!("parameter {p} staat er twee keer"),
                )));
                continue;
            }
        }
        let cond = match (&f.op, &f.param) {
            (FilterOp::In { values }, _) if values.is_empty() => Err(Invalid::one(
                &format!("{field}.values"),
                "required",
                "kies ten minste één waarde",
            )),
            (FilterOp::In { values }, _) if values.len() > MAX_VALUES => Err(Invalid::one(
                &format!("{field}.values"),
                "too_many",
                &format!("ten hoogste {MAX_VALUES} waarden"),
            )),
            (FilterOp::In { .. }, _) if col.kind.temporal() => Err(Invalid::one(
                &format!("{field}.op"),
                "type",
                &format!(
                    "{} is een datum: filter op een periode of een jaar",
                    col.name
                ),
            )),
            (FilterOp::In { values }, Some(p)) => {
                let kind = match col.kind {
                    Kind::Integer => ParamKind::Integer,
                    Kind::Number => ParamKind::Number,
                    Kind::Text => ParamKind::Text,
                    _ => {
                        c.take::<()>(Err(Invalid::one(
                            &format!("{field}.param"),
                            "type",
                            "alleen tekst en getallen kunnen een parameter zijn",
                        )));
                        continue;
                    }
                };
                if values.len() != 1 {
                    Err(Invalid::one(
                        &format!("{field}.param"),
                        "one_value",
                        "een filter met een parameter heeft één waarde",
                    ))
                } else {
                    literal(&format!("{field}.values"), col.kind, &values[0]).map(|_| {
                        let empty = if kind == ParamKind::Text { "''" } else { "0" };
                        params.push(Param {
                            name: p.clone(),
                            kind,
                            default: values[0].trim().replace(',', "."),
                        });
                        format!("({{{{{p}}}}} = {empty} OR {} = {{{{{p}}}}})", col.sql)
                    })
                }
            }
            (FilterOp::In { values }, None) => {
                let mut lits = Vec::new();
                for v in values {
                    if let Some(l) = c.take(literal(&format!("{field}.values"), col.kind, v)) {
                        lits.push(l);
                    }
                }
                Ok(if lits.len() == 1 {
                    format!("{} = {}", col.sql, lits[0])
                } else {
                    format!("{} IN ({})", col.sql, lits.join(", "))
                })
            }
            (FilterOp::Between { .. }, Some(_)) => Err(Invalid::one(
                &format!("{field}.param"),
                "unsupported",
                "een periodefilter kan geen parameter zijn; gebruik een jaarfilter",
            )),
            (FilterOp::Between { from, to }, None) => {
                let from = from.as_deref().map(str::trim).filter(|s| !s.is_empty());
                let to = to.as_deref().map(str::trim).filter(|s| !s.is_empty());
                if !(col.kind.numeric() || col.kind.temporal()) {
                    Err(Invalid::one(
                        &format!("{field}.op"),
                        "type",
                        &format!("{} is geen getal of datum", col.name),
                    ))
                } else if from.is_none() && to.is_none() {
                    Err(Invalid::one(
                        &format!("{field}.from"),
                        "required",
                        "geef een begin, een eind of beide",
                    ))
                } else {
                    let mut parts = Vec::new();
                    if let Some(v) = from
                        && let Some(l) = c.take(literal(&format!("{field}.from"), col.kind, v))
                    {
                        parts.push(format!("{} >= {l}", col.sql));
                    }
                    if let Some(v) = to {
                        let l = if col.kind.temporal() {
                            c.take(day_after(&format!("{field}.to"), col.kind, v))
                                .map(|l| format!("{} < {l}", col.sql))
                        } else {
                            c.take(literal(&format!("{field}.to"), col.kind, v))
                                .map(|l| format!("{} <= {l}", col.sql))
                        };
                        parts.extend(l);
                    }
                    Ok(parts.join(" AND "))
                }
            }
            (FilterOp::Year { year }, p) => {
                let expr = if col.kind.temporal() {
                    format!("date_part('year', {})", col.sql)
                } else if col.kind == Kind::Integer {
                    col.sql.clone()
                } else {
                    c.take::<()>(Err(Invalid::one(
                        &format!("{field}.op"),
                        "type",
                        &format!("{} is geen datum of jaartal", col.name),
                    )));
                    continue;
                };
                if !(1000..=9999).contains(year) {
                    Err(Invalid::one(
                        &format!("{field}.year"),
                        "range",
                        "een jaar heeft vier cijfers",
                    ))
                } else if let Some(p) = p {
                    params.push(Param {
                        name: p.clone(),
                        kind: ParamKind::Integer,
                        default: year.to_string(),
                    });
                    Ok(format!("({{{{{p}}}}} = 0 OR {expr} = {{{{{p}}}}})"))
                } else {
                    Ok(format!("{expr} = {year}"))
                }
            }
        };
        if let Some(cond) = c.take(cond)
            && !cond.is_empty()
        {
            conditions.push(cond);
        }
    }

    // SELECT: groups, then measures
    let mut taken: Vec<String> = Vec::new();
    let mut columns: Vec<OutColumn> = Vec::new();
    let mut select = Vec::new();
    let mut group_by = Vec::new();
    let mut period: Option<String> = None;
    let mut others: Vec<String> = Vec::new();
    for (i, g) in def.groups.iter().enumerate() {
        let field = format!("groups[{i}].column");
        let Some(col) = c.take(t.resolve(&field, &g.column)) else {
            continue;
        };
        if matches!(col.kind, Kind::Geometry | Kind::Other) {
            c.take::<()>(Err(Invalid::one(
                &field,
                "type",
                &format!("op {} kan niet worden gegroepeerd", col.name),
            )));
            continue;
        }
        if g.grain.is_some() && !col.kind.temporal() {
            c.take::<()>(Err(Invalid::one(
                &format!("groups[{i}].grain"),
                "type",
                &format!("{} is geen datum: kies geen periode", col.name),
            )));
            continue;
        }
        let (expr, kind) = group_expr(&col, g.grain);
        let wanted = match g.grain {
            Some(gr) => format!("{}_{}", col.name, gr.suffix()),
            None => col.name.clone(),
        };
        let name = unique(&mut taken, &wanted);
        if g.grain.is_some() && period.is_none() {
            period = Some(name.clone());
        } else {
            others.push(name.clone());
        }
        select.push(format!("{expr} AS {}", quote_ident(&name)));
        group_by.push(expr);
        columns.push(OutColumn {
            name,
            kind,
            period: g.grain.is_some(),
        });
    }
    let mut windows: Vec<(Func, String)> = Vec::new();
    for (i, m) in def.measures.iter().enumerate() {
        let field = format!("measures[{i}]");
        let col = match (&m.column, m.func) {
            (None, Func::Count) => None,
            (None, _) => {
                c.take::<()>(Err(Invalid::one(
                    &format!("{field}.column"),
                    "required",
                    "kies de kolom die u wilt meten",
                )));
                continue;
            }
            (Some(raw), _) => match c.take(t.resolve(&format!("{field}.column"), raw)) {
                Some(col) => Some(col),
                None => continue,
            },
        };
        let numeric_only = matches!(
            m.func,
            Func::Sum | Func::Avg | Func::Median | Func::Share | Func::Change
        );
        if let Some(col) = &col {
            let fits = if numeric_only {
                col.kind.numeric()
            } else {
                !matches!(col.kind, Kind::Geometry | Kind::Other) || m.func == Func::Count
            };
            if !fits {
                c.take::<()>(Err(Invalid::one(
                    &format!("{field}.column"),
                    "type",
                    &format!("{} bevat geen getallen", col.name),
                )));
                continue;
            }
        }
        if m.func == Func::Change && period.is_none() {
            c.take::<()>(Err(Invalid::one(
                &format!("{field}.fn"),
                "needs_period",
                "verandering ten opzichte van de vorige periode vraagt een groepering op week, maand, kwartaal of jaar",
            )));
            continue;
        }
        let wanted = match (&m.name, &col) {
            (Some(n), _) if !n.trim().is_empty() => {
                let n = n.trim();
                if !is_ident(n) {
                    c.take::<()>(Err(Invalid::one(
                        &format!("{field}.name"),
                        "pattern",
                        "een naam begint met een letter en bevat letters, cijfers en _ (ten hoogste 40)",
                    )));
                    continue;
                }
                n.to_string()
            }
            (_, None) => "aantal".to_string(),
            (_, Some(col)) if m.func == Func::Sum => col.name.clone(),
            (_, Some(col)) => format!("{}_{}", m.func.prefix(), col.name),
        };
        if taken.contains(&wanted) && m.name.as_deref().is_some_and(|n| !n.trim().is_empty()) {
            c.take::<()>(Err(Invalid::one(
                &format!("{field}.name"),
                "duplicate",
                &format!("er is al een kolom {wanted}"),
            )));
            continue;
        }
        let name = unique(&mut taken, &wanted);
        let arg = col.as_ref().map(|c| c.sql.clone());
        let expr = match (m.func, arg) {
            (Func::Count, None) => "COUNT(*)".to_string(),
            (Func::Count, Some(a)) => format!("COUNT({a})"),
            (Func::Avg, Some(a)) => format!("AVG({a})"),
            (Func::Min, Some(a)) => format!("MIN({a})"),
            (Func::Max, Some(a)) => format!("MAX({a})"),
            (Func::Median, Some(a)) => format!("MEDIAN({a})"),
            (_, Some(a)) => format!("SUM({a})"),
            (_, None) => continue,
        };
        let kind = match m.func {
            Func::Count => Kind::Integer,
            Func::Min | Func::Max => col.as_ref().map_or(Kind::Number, |c| c.kind),
            Func::Sum => col.as_ref().map_or(Kind::Number, |c| c.kind),
            _ => Kind::Number,
        };
        if m.func.over_groups() {
            windows.push((m.func, name.clone()));
        }
        select.push(format!("{expr} AS {}", quote_ident(&name)));
        columns.push(OutColumn {
            name,
            kind,
            period: false,
        });
    }
    let aggregate = !def.groups.is_empty() || !def.measures.is_empty();
    if !aggregate {
        if def.columns.is_empty() {
            select.push("t.*".into());
            for col in &base.columns {
                columns.push(OutColumn {
                    name: col.name.clone(),
                    kind: col.kind,
                    period: false,
                });
            }
        }
        for (i, raw) in def.columns.iter().enumerate() {
            if let Some(col) = c.take(t.resolve(&format!("columns[{i}]"), raw)) {
                let name = unique(&mut taken, &col.name);
                select.push(format!("{} AS {}", col.sql, quote_ident(&name)));
                columns.push(OutColumn {
                    name,
                    kind: col.kind,
                    period: false,
                });
            }
        }
    } else if !def.columns.is_empty() {
        c.take::<()>(Err(Invalid::one(
            "columns",
            "unsupported",
            "kies kolommen alleen zonder groeperingen en maten",
        )));
    }

    // ORDER BY and LIMIT
    let order = match &def.sort {
        Some(s) => match columns.iter().find(|o| o.name == s.column) {
            Some(o) => vec![format!(
                "{}{}",
                quote_ident(&o.name),
                if s.descending { " DESC" } else { "" }
            )],
            None => {
                c.take::<()>(Err(Invalid::one(
                    "sort.column",
                    "unknown_column",
                    &format!("kolom {:?} zit niet in het resultaat", s.column),
                )));
                vec![]
            }
        },
        None => vec![],
    };
    // Ties (and an unsorted result) follow the groups, so the result is the same each time.
    let order: Vec<String> = order
        .into_iter()
        .chain(
            columns
                .iter()
                .take(def.groups.len())
                .filter(|o| def.sort.as_ref().is_none_or(|s| s.column != o.name))
                .map(|o| quote_ident(&o.name)),
        )
        .collect();
    if let Some(l) = def.limit
        && (l == 0 || l > row_limit)
    {
        c.take::<()>(Err(Invalid::one(
            "limit",
            "range",
            &format!("kies een aantal rijen van 1 tot en met {row_limit}"),
        )));
    }
    c.finish()?;

    let where_ = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let group = if group_by.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", group_by.join(", "))
    };
    let tail = format!(
        "{}{}",
        if order.is_empty() {
            String::new()
        } else {
            format!(" ORDER BY {}", order.join(", "))
        },
        def.limit.map(|l| format!(" LIMIT {l}")).unwrap_or_default()
    );
    let inner = format!("SELECT {} {from}{where_}{group}", select.join(", "));
    let sql = if windows.is_empty() {
        format!("{inner}{tail}")
    } else {
        let outer: Vec<String> = columns
            .iter()
            .map(|o| match windows.iter().find(|(_, n)| n == &o.name) {
                Some((Func::Share, n)) => {
                    let over = period
                        .as_ref()
                        .map(|p| format!("PARTITION BY {}", quote_ident(p)))
                        .unwrap_or_default();
                    format!(
                        "CAST({q} AS DOUBLE) / NULLIF(SUM({q}) OVER ({over}), 0) AS {q}",
                        q = quote_ident(n)
                    )
                }
                Some((_, n)) => {
                    let partition = if others.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "PARTITION BY {} ",
                            others.iter().map(|o| quote_ident(o)).collect::<Vec<_>>().join(", ")
                        )
                    };
                    let p = period.as_deref().map(quote_ident).unwrap_or_default();
                    format!(
                        "CAST({q} AS DOUBLE) / NULLIF(LAG({q}) OVER ({partition}ORDER BY {p}), 0) - 1 AS {q}",
                        q = quote_ident(n)
                    )
                }
                None => quote_ident(&o.name),
            })
            .collect();
        format!(
            "WITH basis AS ({inner}) SELECT {} FROM basis{tail}",
            outer.join(", ")
        )
    };
    Ok(Compiled {
        sql,
        params,
        columns,
    })
}

/// A suggested way to join two tables: by equal keys, or by location.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Suggestion {
    Key {
        left: String,
        right: String,
    },
    Within {
        lon: Option<String>,
        lat: Option<String>,
    },
}

/// Whether a column's name says it holds a region code (`gm_code`, `origin_gm`, `statcode`).
fn code_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("code") || n.ends_with("_gm") || n.ends_with("_pv") || n == "gemeente"
}

/// The ways to join `other` to `base`, most likely first: columns with the same name, then
/// code columns of the same kind, then "lies in" when `other` has a geometry and `base` a
/// geometry or longitude and latitude columns.
pub fn suggest_joins(base: &TableShape, other: &TableShape) -> Vec<JoinOn> {
    let mut out = Vec::new();
    for l in &base.columns {
        for r in &other.columns {
            if l.name == r.name && l.kind == r.kind && matches!(l.kind, Kind::Text | Kind::Integer)
            {
                out.push(JoinOn::Key {
                    left: l.name.clone(),
                    right: r.name.clone(),
                });
            }
        }
    }
    for l in base
        .columns
        .iter()
        .filter(|c| c.kind == Kind::Text && code_like(&c.name))
    {
        for r in other
            .columns
            .iter()
            .filter(|c| c.kind == Kind::Text && code_like(&c.name))
        {
            let s = JoinOn::Key {
                left: l.name.clone(),
                right: r.name.clone(),
            };
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    if other.geometry().is_some() {
        if base.geometry().is_some() {
            out.push(JoinOn::Within {
                lon: None,
                lat: None,
            });
        }
        let find = |names: &[&str]| {
            base.columns
                .iter()
                .filter(|c| c.kind.numeric())
                .find(|c| {
                    let n = c.name.to_ascii_lowercase();
                    names
                        .iter()
                        .any(|w| n == *w || n.ends_with(&format!("_{w}")))
                })
                .map(|c| c.name.clone())
        };
        if let (Some(lon), Some(lat)) = (
            find(&["lon", "lng", "longitude", "lengtegraad"]),
            find(&["lat", "latitude", "breedtegraad"]),
        ) {
            out.push(JoinOn::Within {
                lon: Some(lon),
                lat: Some(lat),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, kind: Kind) -> ColumnShape {
        ColumnShape {
            name: name.into(),
            kind,
            title: None,
        }
    }

    fn tables() -> Vec<TableShape> {
        vec![
            TableShape {
                name: "movements".into(),
                title: "Bewegingen".into(),
                columns: vec![
                    col("id", Kind::Integer),
                    col("ts", Kind::Timestamp),
                    col("origin_gm", Kind::Text),
                    col("origin_lon", Kind::Number),
                    col("origin_lat", Kind::Number),
                    col("mode", Kind::Text),
                    col("tonnes", Kind::Number),
                ],
            },
            TableShape {
                name: "municipalities".into(),
                title: "Gemeenten".into(),
                columns: vec![
                    col("gm_code", Kind::Text),
                    col("name", Kind::Text),
                    col("province_code", Kind::Text),
                ],
            },
            TableShape {
                name: "gemeenten".into(),
                title: "Gemeentegrenzen".into(),
                columns: vec![
                    col("statcode", Kind::Text),
                    col("statnaam", Kind::Text),
                    col("geom", Kind::Geometry),
                ],
            },
        ]
    }

    fn def(json: serde_json::Value) -> Definition {
        serde_json::from_value(json).unwrap()
    }

    fn sql(json: serde_json::Value) -> String {
        compile(&def(json), &tables(), 100_000).unwrap().sql
    }

    fn names(e: Invalid) -> Vec<String> {
        e.0.into_iter().map(|f| f.name).collect()
    }

    #[test]
    fn a_dataset_alone_is_all_its_rows() {
        let c = compile(
            &def(serde_json::json!({"dataset": "movements"})),
            &tables(),
            10,
        )
        .unwrap();
        assert_eq!(c.sql, "SELECT t.* FROM \"movements\" AS t");
        assert_eq!(c.columns.len(), 7);
        assert_eq!(
            sql(
                serde_json::json!({"dataset": "movements", "columns": ["mode", "tonnes"], "limit": 5})
            ),
            "SELECT t.\"mode\" AS \"mode\", t.\"tonnes\" AS \"tonnes\" FROM \"movements\" AS t LIMIT 5"
        );
    }

    #[test]
    fn groups_by_time_and_region_with_measures() {
        let c = compile(
            &def(serde_json::json!({
                "dataset": "movements",
                "join": {"dataset": "municipalities", "on": {"kind": "key", "left": "origin_gm", "right": "gm_code"}},
                "filters": [{"column": "ts", "op": {"kind": "between", "from": "2024-01-01", "to": "2024-12-31"}}],
                "groups": [{"column": "municipalities.province_code"}, {"column": "mode"}, {"column": "ts", "grain": "week"}],
                "measures": [{"fn": "sum", "column": "tonnes"}, {"fn": "count"}]
            })),
            &tables(),
            100,
        )
        .unwrap();
        assert_eq!(
            c.sql,
            "SELECT j.\"province_code\" AS \"province_code\", t.\"mode\" AS \"mode\", CAST(date_trunc('week', t.\"ts\") AS DATE) AS \"ts_week\", SUM(t.\"tonnes\") AS \"tonnes\", COUNT(*) AS \"aantal\" \
             FROM \"movements\" AS t JOIN \"municipalities\" AS j ON t.\"origin_gm\" = j.\"gm_code\" \
             WHERE t.\"ts\" >= TIMESTAMP '2024-01-01 00:00:00' AND t.\"ts\" < TIMESTAMP '2025-01-01 00:00:00' \
             GROUP BY j.\"province_code\", t.\"mode\", CAST(date_trunc('week', t.\"ts\") AS DATE) \
             ORDER BY \"province_code\", \"mode\", \"ts_week\""
        );
        let kinds: Vec<(String, Kind, bool)> = c
            .columns
            .into_iter()
            .map(|o| (o.name, o.kind, o.period))
            .collect();
        assert_eq!(kinds[2], ("ts_week".into(), Kind::Date, true));
        assert_eq!(kinds[4], ("aantal".into(), Kind::Integer, false));
    }

    #[test]
    fn share_and_change_are_computed_over_the_groups() {
        let s = sql(serde_json::json!({
            "dataset": "movements",
            "groups": [{"column": "ts", "grain": "year"}, {"column": "mode"}],
            "measures": [{"fn": "share", "column": "tonnes"}, {"fn": "change", "column": "tonnes"}],
            "sort": {"column": "aandeel_tonnes", "descending": true},
            "limit": 10
        }));
        assert_eq!(
            s,
            "WITH basis AS (SELECT CAST(date_part('year', t.\"ts\") AS BIGINT) AS \"ts_jaar\", t.\"mode\" AS \"mode\", SUM(t.\"tonnes\") AS \"aandeel_tonnes\", SUM(t.\"tonnes\") AS \"verandering_tonnes\" \
             FROM \"movements\" AS t GROUP BY CAST(date_part('year', t.\"ts\") AS BIGINT), t.\"mode\") \
             SELECT \"ts_jaar\", \"mode\", CAST(\"aandeel_tonnes\" AS DOUBLE) / NULLIF(SUM(\"aandeel_tonnes\") OVER (PARTITION BY \"ts_jaar\"), 0) AS \"aandeel_tonnes\", \
             CAST(\"verandering_tonnes\" AS DOUBLE) / NULLIF(LAG(\"verandering_tonnes\") OVER (PARTITION BY \"mode\" ORDER BY \"ts_jaar\"), 0) - 1 AS \"verandering_tonnes\" \
             FROM basis ORDER BY \"aandeel_tonnes\" DESC, \"ts_jaar\", \"mode\" LIMIT 10"
        );
    }

    #[test]
    fn filters_are_typed_literals_or_parameters() {
        let c = compile(
            &def(serde_json::json!({
                "dataset": "movements",
                "filters": [
                    {"column": "mode", "op": {"kind": "in", "values": ["road", "it's"]}},
                    {"column": "tonnes", "op": {"kind": "between", "from": "1,5"}},
                    {"column": "ts", "op": {"kind": "year", "year": 2024}, "param": "jaar"},
                    {"column": "origin_gm", "op": {"kind": "in", "values": ["GM0344"]}, "param": "gemeente"}
                ],
                "measures": [{"fn": "count"}]
            })),
            &tables(),
            100,
        )
        .unwrap();
        assert_eq!(
            c.sql,
            "SELECT COUNT(*) AS \"aantal\" FROM \"movements\" AS t WHERE t.\"mode\" IN ('road', 'it''s') AND t.\"tonnes\" >= 1.5 \
             AND ({{jaar}} = 0 OR date_part('year', t.\"ts\") = {{jaar}}) AND ({{gemeente}} = '' OR t.\"origin_gm\" = {{gemeente}})"
        );
        assert_eq!(
            c.params,
            vec![
                Param {
                    name: "jaar".into(),
                    kind: ParamKind::Integer,
                    default: "2024".into()
                },
                Param {
                    name: "gemeente".into(),
                    kind: ParamKind::Text,
                    default: "GM0344".into()
                },
            ]
        );
    }

    #[test]
    fn lies_in_joins_points_or_geometries_to_areas() {
        assert_eq!(
            sql(serde_json::json!({
                "dataset": "movements",
                "join": {"dataset": "gemeenten", "on": {"kind": "within", "lon": "origin_lon", "lat": "origin_lat"}},
                "groups": [{"column": "gemeenten.statnaam"}],
                "measures": [{"fn": "count"}]
            })),
            "SELECT j.\"statnaam\" AS \"statnaam\", COUNT(*) AS \"aantal\" FROM \"movements\" AS t \
             JOIN \"gemeenten\" AS j ON ST_Contains(j.\"geom\", ST_Point(t.\"origin_lon\", t.\"origin_lat\", 4326)) \
             GROUP BY j.\"statnaam\" ORDER BY \"statnaam\""
        );
        let e = compile(
            &def(serde_json::json!({"dataset": "movements", "join": {"dataset": "municipalities", "on": {"kind": "within"}}})),
            &tables(),
            100,
        )
        .unwrap_err();
        assert_eq!(names(e), ["join.dataset", "join.lon"]);
    }

    #[test]
    fn names_every_unknown_or_unfit_column() {
        let e = compile(
            &def(serde_json::json!({
                "dataset": "movements",
                "filters": [{"column": "modus", "op": {"kind": "in", "values": ["road"]}},
                            {"column": "ts", "op": {"kind": "in", "values": ["2024"]}},
                            {"column": "tonnes", "op": {"kind": "in", "values": ["veel"]}}],
                "groups": [{"column": "mode", "grain": "month"}],
                "measures": [{"fn": "sum", "column": "mode"}, {"fn": "avg"}, {"fn": "change", "column": "tonnes"},
                             {"fn": "max", "column": "municipalities.name"}],
                "sort": {"column": "nergens"},
                "limit": 0
            })),
            &tables(),
            100,
        )
        .unwrap_err();
        assert!(e.0[0].reason.contains("\"modus\""), "{e:?}");
        assert_eq!(
            names(e),
            [
                "filters[0].column",
                "filters[1].op",
                "filters[2].values",
                "groups[0].grain",
                "measures[0].column",
                "measures[1].column",
                "measures[2].fn",
                "measures[3].column",
                "sort.column",
                "limit"
            ]
        );
        let e = compile(
            &def(serde_json::json!({"dataset": "geheim"})),
            &tables(),
            100,
        )
        .unwrap_err();
        assert_eq!(e.0[0].code, "unknown_dataset");
        assert!(
            serde_json::from_value::<Definition>(
                serde_json::json!({"dataset": "x", "sql": "DROP"})
            )
            .is_err()
        );
    }

    #[test]
    fn hostile_names_and_values_stay_inside_their_quotes() {
        let mut t = tables();
        t[0].columns.push(col("a\"b", Kind::Text));
        let s = compile(
            &def(serde_json::json!({
                "dataset": "movements",
                "filters": [{"column": "a\"b", "op": {"kind": "in", "values": ["x'); DROP TABLE y; --"]}}]
            })),
            &t,
            100,
        )
        .unwrap()
        .sql;
        assert!(
            s.ends_with("WHERE t.\"a\"\"b\" = 'x''); DROP TABLE y; --'"),
            "{s}"
        );
        let e = compile(
            &def(serde_json::json!({"dataset": "movements", "filters": [
                {"column": "mode", "op": {"kind": "in", "values": ["a"]}, "param": "x}}"},
                {"column": "mode", "op": {"kind": "in", "values": ["a", "b"]}, "param": "p"}
            ], "measures": [{"fn": "count", "name": "1; DROP"}]})),
            &t,
            100,
        )
        .unwrap_err();
        assert_eq!(
            names(e),
            ["filters[0].param", "filters[1].param", "measures[0].name"]
        );
    }

    #[test]
    fn suggests_keys_and_location() {
        let t = tables();
        let s = suggest_joins(&t[0], &t[1]);
        assert_eq!(
            s[0],
            JoinOn::Key {
                left: "origin_gm".into(),
                right: "gm_code".into()
            }
        );
        assert!(!s.iter().any(|x| matches!(x, JoinOn::Within { .. })));
        let s = suggest_joins(&t[0], &t[2]);
        assert!(s.contains(&JoinOn::Within {
            lon: Some("origin_lon".into()),
            lat: Some("origin_lat".into())
        }));
        assert_eq!(Kind::of("Timestamp(µs)"), Kind::Timestamp);
        assert_eq!(Kind::of("Utf8View"), Kind::Text);
        assert_eq!(Kind::of("Dictionary(Int32, Utf8)"), Kind::Text);
        assert_eq!(Kind::of("List(Field { data_type: Utf8 })"), Kind::Other);
        assert_eq!(Kind::of("Int32"), Kind::Integer);
    }
}
