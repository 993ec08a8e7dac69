//! Parameters of saved analyses are bound as typed values into the parsed statement: no
//! value can change how the SQL around it is read.

use datafusion::arrow::util::display::array_value_to_string;
use koers_engine::params::{ParamValue, Params};
use koers_engine::{EngineError, QueryOutput, Sql, TableRef};

use crate::helpers::{Work, engine, table};

fn places(w: &Work) -> TableRef {
    let src = w.write(
        "p.csv",
        b"naam,inwoners\nUtrecht,361000\n's-Hertogenbosch,160000\nAmersfoort,160000\n",
    );
    table("plaatsen", &w.import(&src, "plaatsen@1.parquet"))
}

fn cells(out: &QueryOutput) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for b in &out.batches {
        for r in 0..b.num_rows() {
            rows.push(
                b.columns()
                    .iter()
                    .map(|c| array_value_to_string(c, r).unwrap())
                    .collect(),
            );
        }
    }
    rows
}

async fn run(
    sql: &str,
    params: &[(&str, ParamValue)],
    t: &TableRef,
) -> Result<Vec<Vec<String>>, EngineError> {
    let params: Params = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let out = engine()
        .query(Sql::new(sql, params), std::slice::from_ref(t))
        .await?;
    Ok(cells(&out))
}

#[tokio::test]
async fn a_negative_number_stays_a_number() {
    let w = Work::new();
    let t = places(&w);
    // Spliced as text this was `SELECT 0--1, 7`: the rest of the line a comment.
    let rows = run(
        "SELECT 0-{{n}} AS a, 7 AS b",
        &[("n", ParamValue::Integer(-1))],
        &t,
    )
    .await
    .unwrap();
    assert_eq!(rows, [["1", "7"]]);
    let rows = run("SELECT -{{n}} AS a", &[("n", ParamValue::Integer(-1))], &t)
        .await
        .unwrap();
    assert_eq!(rows, [["1"]]);
    let rows = run(
        "SELECT 2-{{x}} AS a",
        &[("x", ParamValue::Number(-0.5))],
        &t,
    )
    .await
    .unwrap();
    assert_eq!(rows, [["2.5"]]);
}

#[tokio::test]
async fn values_cannot_close_comments_or_strings() {
    let w = Work::new();
    let t = places(&w);
    // A text value is one string literal, whatever it holds.
    for hostile in [
        "*/ OR 1=1 --",
        "' OR '1'='1",
        "x'; DROP TABLE plaatsen; --",
        "\\' OR 1=1 --",
        "$$ OR 1=1 $$",
    ] {
        let rows = run(
            "SELECT count(*) FROM plaatsen WHERE naam = {{naam}}",
            &[("naam", ParamValue::Text(hostile.into()))],
            &t,
        )
        .await
        .unwrap();
        assert_eq!(rows, [["0"]], "{hostile}");
        let rows = run(
            "SELECT {{naam}} AS v",
            &[("naam", ParamValue::Text(hostile.into()))],
            &t,
        )
        .await
        .unwrap();
        assert_eq!(rows, [[hostile]], "{hostile}");
    }
    // A parameter inside a comment is no parameter: the comment stays a comment.
    let rows = run(
        "SELECT count(*) FROM plaatsen /* {{naam}} */ WHERE inwoners > {{min}} -- {{naam}}",
        &[
            ("naam", ParamValue::Text("*/ WHERE 1=0 --".into())),
            ("min", ParamValue::Integer(200_000)),
        ],
        &t,
    )
    .await
    .unwrap();
    assert_eq!(rows, [["1"]]);
}

#[tokio::test]
async fn every_type_binds_as_itself() {
    let w = Work::new();
    let t = places(&w);
    let d = koers_core::analysis::value("d", koers_core::analysis::ParamKind::Date, "2024-02-29")
        .unwrap();
    let rows = run(
        "SELECT {{t}} AS t, {{i}} + 1 AS i, {{x}} * 2 AS x, {{d}} + INTERVAL '1' DAY AS d, NOT {{b}} AS b, arrow_typeof({{d}}) AS dt",
        &[
            ("t", ParamValue::Text("'s-Hertogenbosch".into())),
            ("i", ParamValue::Integer(i64::MAX - 1)),
            ("x", ParamValue::Number(1.25)),
            ("d", d),
            ("b", ParamValue::Boolean(false)),
        ],
        &t,
    )
    .await
    .unwrap();
    assert_eq!(
        rows,
        [[
            "'s-Hertogenbosch",
            &i64::MAX.to_string(),
            "2.5",
            "2024-03-01",
            "true",
            "Date32"
        ]]
    );
    let rows = run(
        "SELECT naam FROM plaatsen WHERE naam = {{t}}",
        &[("t", ParamValue::Text("'s-Hertogenbosch".into()))],
        &t,
    )
    .await
    .unwrap();
    assert_eq!(rows, [["'s-Hertogenbosch"]]);
}

#[tokio::test]
async fn misused_parameters_are_clear_errors() {
    let w = Work::new();
    let t = places(&w);
    // No value: not declared.
    match run("SELECT {{n}}", &[], &t).await {
        Err(EngineError::Query(m)) => assert!(m.contains("{{n}}"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Inside quotes it would not be filled in.
    match run(
        "SELECT * FROM plaatsen WHERE naam LIKE '%{{n}}%'",
        &[("n", ParamValue::Text("U".into()))],
        &t,
    )
    .await
    {
        Err(EngineError::Syntax(m)) => assert!(m.contains("tussen aanhalingstekens"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Other placeholder forms are no parameters.
    for sql in ["SELECT $1", "SELECT $n", "SELECT ?"] {
        match run(sql, &[("n", ParamValue::Integer(1))], &t).await {
            Err(EngineError::Forbidden(m)) => assert!(m.contains("plaatshouder"), "{m}"),
            other => panic!("{sql}: {other:?}"),
        }
    }
    // The sandbox still sees the bound statement.
    match run(
        "SELECT * FROM plaatsen WHERE inwoners > {{n}}; DROP TABLE plaatsen",
        &[("n", ParamValue::Integer(1))],
        &t,
    )
    .await
    {
        Err(EngineError::Forbidden(_)) => {}
        other => panic!("{other:?}"),
    }
}
