//! The SQL gate: only one read-only query over the caller's tables gets through.
//!
//! The statement is parsed with DataFusion's own parser and its syntax tree walked before any
//! planning: exactly one `SELECT` / `WITH` / `VALUES` query is allowed; DDL, DML, `COPY`,
//! `CREATE EXTERNAL TABLE`, `SET`, `EXPLAIN`, `SELECT … INTO` are refused, as are table
//! functions of every kind (a table function could read files or URLs). Every table a query
//! names must be one of the tables it was given (or one of its own `WITH` names). Messages are
//! safe to show to the user: they name only what the user wrote.
//!
//! Parameters (`{{name}}`, see [`crate::params`]) are bound into the parsed statement before
//! the gate walks it, so the gate checks the statement exactly as it is planned.

use std::collections::HashSet;
use std::ops::ControlFlow;

use datafusion::sql::parser::{DFParserBuilder, Statement as DFStatement};
use datafusion::sql::sqlparser::ast::{
    Ident, ObjectName, Query, Select, Statement, TableFactor, Value, ValueWithSpan, Visit, Visitor,
};

use crate::error::{EngineError, Result};
use crate::params::{self, Sql};

/// Longest SQL text accepted.
pub const MAX_SQL_BYTES: usize = 100_000;

/// The name DataFusion resolves an identifier to: unquoted identifiers fold to lower case.
fn normalise(i: &Ident) -> String {
    match i.quote_style {
        None => i.value.to_lowercase(),
        Some(_) => i.value.clone(),
    }
}

struct Gate<'a> {
    tables: &'a HashSet<String>,
    ctes: HashSet<String>,
    /// The given tables the query names.
    read: HashSet<String>,
}

impl Visitor for Gate<'_> {
    type Break = EngineError;

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<EngineError> {
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                self.ctes.insert(normalise(&cte.alias.name));
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, s: &Select) -> ControlFlow<EngineError> {
        if s.into.is_some() {
            return ControlFlow::Break(EngineError::Forbidden(
                "SELECT … INTO maakt een tabel; alleen lezende queries zijn toegestaan".into(),
            ));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<EngineError> {
        let refuse = |what: &str| {
            ControlFlow::Break(EngineError::Forbidden(format!(
                "{what} zijn niet toegestaan in queries; gebruik de tabellen van de catalogus"
            )))
        };
        match t {
            TableFactor::Table { args: Some(_), .. }
            | TableFactor::TableFunction { .. }
            | TableFactor::Function { .. } => refuse("tabelfuncties"),
            TableFactor::JsonTable { .. }
            | TableFactor::OpenJsonTable { .. }
            | TableFactor::XmlTable { .. } => refuse("JSON- en XML-tabelfuncties"),
            TableFactor::Table { .. }
            | TableFactor::Derived { .. }
            | TableFactor::NestedJoin { .. }
            | TableFactor::UNNEST { .. } => ControlFlow::Continue(()),
            _ => refuse("zulke FROM-onderdelen"),
        }
    }

    fn pre_visit_value(&mut self, v: &ValueWithSpan) -> ControlFlow<EngineError> {
        match &v.value {
            Value::Placeholder(p) => ControlFlow::Break(EngineError::Forbidden(format!(
                "plaatshouder {p} kan hier niet; parameters van opgeslagen analyses schrijft u als {{{{naam}}}} waar een waarde hoort"
            ))),
            _ => ControlFlow::Continue(()),
        }
    }

    fn pre_visit_relation(&mut self, r: &ObjectName) -> ControlFlow<EngineError> {
        let parts: Vec<&Ident> = r.0.iter().filter_map(|p| p.as_ident()).collect();
        let known = match parts.as_slice() {
            [one] => {
                let n = normalise(one);
                let table = self.tables.contains(&n);
                let known = table || self.ctes.contains(&n);
                if table {
                    self.read.insert(n);
                }
                known
            }
            _ => false,
        };
        if known {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(EngineError::Query(format!(
                "onbekende tabel {r}; u kunt de datasets bevragen waartoe u toegang heeft"
            )))
        }
    }
}

/// Check `sql` against the gate, with `tables` the names the query may read.
pub fn check(sql: &str, tables: &[&str]) -> Result<()> {
    statement(&Sql::from(sql), tables).map(|_| ())
}

/// Parses `sql`, binds its parameters and checks the result against the gate, with `tables`
/// the names the query may read: the statement to plan.
pub fn statement(sql: &Sql, tables: &[&str]) -> Result<DFStatement> {
    Ok(statement_reading(sql, tables)?.0)
}

/// [`statement`], with the given tables the query names (so that only those need to be
/// opened to plan it).
pub(crate) fn statement_reading(
    sql: &Sql,
    tables: &[&str],
) -> Result<(DFStatement, HashSet<String>)> {
    if sql.text.len() > MAX_SQL_BYTES {
        return Err(EngineError::Forbidden(format!(
            "de query is langer dan {MAX_SQL_BYTES} bytes"
        )));
    }
    let (tokens, _) = params::tokens(&sql.text)?;
    let syntax = |e| match e {
        datafusion::error::DataFusionError::SQL(p, _) => {
            EngineError::Syntax(crate::error::syntax_nl(&p.to_string()))
        }
        other => EngineError::Syntax(crate::error::syntax_nl(&other.to_string())),
    };
    let mut stmts = DFParserBuilder::new(tokens)
        .build()
        .map_err(syntax)?
        .parse_statements()
        .map_err(syntax)?;
    if stmts.len() != 1 {
        return Err(EngineError::Forbidden(if stmts.is_empty() {
            "de query is leeg".into()
        } else {
            "één opdracht per query; er staan er meer".into()
        }));
    }
    let mut stmt = stmts
        .pop_front()
        .ok_or(EngineError::Forbidden("de query is leeg".into()))?;
    let query = match &mut stmt {
        DFStatement::Statement(s) => match s.as_mut() {
            Statement::Query(q) => q,
            other => {
                let kind = other.to_string();
                let verb = kind
                    .split_whitespace()
                    .next()
                    .unwrap_or("deze")
                    .to_uppercase();
                return Err(EngineError::Forbidden(format!(
                    "{verb}-opdrachten zijn niet toegestaan; alleen SELECT-, WITH- en VALUES-queries"
                )));
            }
        },
        DFStatement::CreateExternalTable(_) => {
            return Err(EngineError::Forbidden(
                "CREATE EXTERNAL TABLE is niet toegestaan; importeer bestanden in de catalogus"
                    .into(),
            ));
        }
        DFStatement::CopyTo(_) => {
            return Err(EngineError::Forbidden(
                "COPY is niet toegestaan; exporteer resultaten vanuit het resultaat".into(),
            ));
        }
        DFStatement::Explain(_) => {
            return Err(EngineError::Forbidden("EXPLAIN is niet toegestaan".into()));
        }
        DFStatement::Reset(_) => {
            return Err(EngineError::Forbidden("RESET is niet toegestaan".into()));
        }
    };
    params::bind(query, &sql.params)?;
    let allowed: HashSet<String> = tables.iter().map(|t| t.to_string()).collect();
    let mut gate = Gate {
        tables: &allowed,
        ctes: HashSet::new(),
        read: HashSet::new(),
    };
    match query.visit(&mut gate) {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok((stmt, gate.read)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &[&str] = &["gemeenten", "movements@2"];

    #[test]
    fn only_the_tables_a_query_names_are_read() {
        let read = |sql: &str| {
            let mut r: Vec<String> =
                statement_reading(&Sql::from(sql), &["gemeenten", "movements@2", "wegen"])
                    .unwrap()
                    .1
                    .into_iter()
                    .collect();
            r.sort();
            r
        };
        assert_eq!(read("SELECT 1"), Vec::<String>::new());
        assert_eq!(read("SELECT * FROM GEMEENTEN"), ["gemeenten"]);
        assert_eq!(
            read(
                "WITH w AS (SELECT 1) SELECT * FROM \"movements@2\" m JOIN w ON true WHERE EXISTS (SELECT 1 FROM gemeenten)"
            ),
            ["gemeenten", "movements@2"]
        );
    }

    fn forbidden(sql: &str) {
        match check(sql, T) {
            Err(EngineError::Forbidden(_)) | Err(EngineError::Syntax(_)) => {}
            other => panic!("{sql}: expected refusal, got {other:?}"),
        }
    }

    #[test]
    fn allows_plain_queries() {
        for sql in [
            "SELECT * FROM gemeenten",
            "select statcode from GEMEENTEN where statnaam like 'A%'",
            "SELECT count(*) FROM \"movements@2\"",
            "WITH g AS (SELECT * FROM gemeenten) SELECT * FROM g JOIN gemeenten h ON g.statcode = h.statcode",
            "VALUES (1, 2)",
            "SELECT (SELECT max(statcode) FROM gemeenten) AS m",
            "SELECT * FROM (SELECT 1 AS x) t",
        ] {
            assert!(check(sql, T).is_ok(), "{sql}: {:?}", check(sql, T));
        }
    }

    #[test]
    fn refuses_hostile_statements() {
        forbidden("DROP TABLE gemeenten");
        forbidden("DELETE FROM gemeenten");
        forbidden("INSERT INTO gemeenten VALUES (1)");
        forbidden("UPDATE gemeenten SET statnaam = 'x'");
        forbidden("CREATE TABLE x AS SELECT 1");
        forbidden("CREATE VIEW v AS SELECT * FROM gemeenten");
        forbidden("COPY gemeenten TO '/tmp/out.csv'");
        forbidden("COPY (SELECT 1) TO '/tmp/x.parquet' STORED AS PARQUET");
        forbidden("CREATE EXTERNAL TABLE p STORED AS CSV LOCATION '/etc/passwd'");
        forbidden("SET datafusion.execution.target_partitions = 1");
        forbidden("EXPLAIN ANALYZE SELECT * FROM gemeenten");
        forbidden("SELECT 1; DROP TABLE gemeenten");
        forbidden("SELECT 1; SELECT 2");
        forbidden("SELECT * FROM gemeenten; DROP TABLE gemeenten --");
        forbidden("");
        forbidden("SELECT * INTO kopie FROM gemeenten");
    }

    #[test]
    fn refuses_table_functions() {
        forbidden("SELECT * FROM read_csv('/etc/passwd')");
        forbidden("SELECT * FROM read_parquet('s3://bucket/x.parquet')");
        forbidden("SELECT * FROM generate_series(1, 10)");
        forbidden("SELECT * FROM gemeenten g, LATERAL read_csv('/etc/passwd')");
    }

    #[test]
    fn unknown_tables_are_not_found() {
        for sql in [
            "SELECT * FROM secrets",
            "SELECT * FROM '/etc/passwd'",
            "SELECT * FROM information_schema.tables",
            "SELECT * FROM gemeenten JOIN other_org_data o ON true",
            "SELECT * FROM movements",
        ] {
            match check(sql, T) {
                Err(EngineError::Query(m)) => assert!(m.contains("onbekende tabel"), "{m}"),
                other => panic!("{sql}: {other:?}"),
            }
        }
    }
}
