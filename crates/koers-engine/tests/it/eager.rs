//! Eager aggregation gives the same answers as DataFusion without it, and is used where it
//! applies.

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use koers_engine::TableRef;

use crate::helpers::{Work, engine, explain, table};

/// Movements (some with an origin the lookup does not know, some without one) and a lookup
/// table in which one code occurs twice, so a movement meets zero, one or two lookup rows.
fn tables(w: &Work) -> Vec<TableRef> {
    let mut facts = String::from("id,origin,dest,ts,tonnes,trips,mode\n");
    for i in 0..2000u32 {
        let origin = match i % 7 {
            0 => String::new(),
            6 => "GM9999".to_string(),
            k => format!("GM000{k}"),
        };
        let dest = format!("GM000{}", 1 + i % 5);
        let year = 2021 + i % 4;
        let month = 1 + i % 12;
        let tonnes = f64::from(i % 40) * 0.5;
        let mode = ["road", "rail", "water"][(i % 3) as usize];
        facts.push_str(&format!(
            "{i},{origin},{dest},{year}-{month:02}-03T10:00:00,{tonnes},{},{mode}\n",
            i % 9
        ));
    }
    let lookup = "gm_code,province_code,name\nGM0001,PV20,Een\nGM0002,PV20,Twee\nGM0003,PV21,Drie\nGM0004,PV22,Vier\nGM0004,PV23,Vier bis\nGM0005,PV23,Vijf\n";
    let f = w.write("movements.csv", facts.as_bytes());
    let l = w.write("municipalities.csv", lookup.as_bytes());
    vec![
        table("movements", &w.import(&f, "movements.parquet")),
        table("municipalities", &w.import(&l, "municipalities.parquet")),
    ]
}

const QUERIES: &[&str] = &[
    // The reference workload's yearly growth (q3).
    "WITH y AS (SELECT m.province_code, EXTRACT(YEAR FROM t.ts) AS yr, SUM(t.tonnes) AS tonnes
       FROM movements t JOIN municipalities m ON t.origin = m.gm_code
       GROUP BY m.province_code, EXTRACT(YEAR FROM t.ts))
     SELECT province_code, yr, tonnes,
            tonnes / LAG(tonnes) OVER (PARTITION BY province_code ORDER BY yr) - 1 AS growth
     FROM y ORDER BY province_code, yr",
    // The reference workload's weekly tonnes in a year (q1): a period, tested in one pass.
    "SELECT m.province_code, t.mode, date_trunc('week', t.ts) AS week,
            SUM(t.tonnes) AS tonnes, COUNT(*) AS movements
     FROM movements t JOIN municipalities m ON t.origin = m.gm_code
     WHERE t.ts >= TIMESTAMP '2022-01-01 00:00:00' AND t.ts < TIMESTAMP '2023-06-01 00:00:00'
     GROUP BY m.province_code, t.mode, date_trunc('week', t.ts)
     ORDER BY m.province_code, t.mode, week",
    // Every splittable aggregate, a grouping column of each side, the lookup on the left.
    "SELECT m.name, t.mode, date_trunc('month', t.ts) AS month, SUM(t.tonnes), COUNT(*),
            COUNT(t.origin), MIN(t.tonnes), MAX(t.trips), SUM(t.trips)
     FROM municipalities m JOIN movements t ON m.gm_code = t.origin
     GROUP BY m.name, t.mode, date_trunc('month', t.ts) ORDER BY 1, 2, 3",
    // Two lookups of one fact table (the reference workload's flows, q2).
    "SELECT o.province_code AS van, d.province_code AS naar, SUM(t.tonnes) AS tonnes, COUNT(*) AS n
     FROM movements t JOIN municipalities o ON t.origin = o.gm_code
     JOIN municipalities d ON t.dest = d.gm_code
     GROUP BY o.province_code, d.province_code ORDER BY 1, 2",
    // Not rewritten: AVG, DISTINCT, no GROUP BY, grouping on a timestamp.
    "SELECT m.province_code, AVG(t.tonnes) FROM movements t JOIN municipalities m
     ON t.origin = m.gm_code GROUP BY m.province_code ORDER BY 1",
    "SELECT m.province_code, COUNT(DISTINCT t.mode) FROM movements t JOIN municipalities m
     ON t.origin = m.gm_code GROUP BY m.province_code ORDER BY 1",
    "SELECT COUNT(*), SUM(t.tonnes) FROM movements t JOIN municipalities m ON t.origin = m.gm_code",
    "SELECT m.province_code, t.ts, SUM(t.tonnes) FROM movements t JOIN municipalities m
     ON t.origin = m.gm_code GROUP BY m.province_code, t.ts ORDER BY 1, 2",
    // A window over one province: the filter makes the partition constant, so DataFusion
    // plans no sort for it — koers' rewrite of that filter must leave the plan knowing so.
    "WITH y AS (SELECT m.province_code, CAST(EXTRACT(YEAR FROM t.ts) AS BIGINT) AS yr,
            SUM(t.tonnes) AS tonnes
       FROM movements t JOIN municipalities m ON m.gm_code = t.origin
       WHERE m.province_code = 'PV20' AND t.mode = 'road'
       GROUP BY 1, 2)
     SELECT province_code, yr, tonnes,
            LAG(tonnes) OVER (PARTITION BY province_code ORDER BY yr) AS previous
     FROM y ORDER BY 1, 2",
    // Nothing joins: no groups at all.
    "SELECT m.province_code, SUM(t.tonnes) FROM movements t JOIN municipalities m
     ON t.origin = m.gm_code WHERE t.tonnes > 1000 GROUP BY m.province_code",
];

async fn plain(tables: &[TableRef], sql: &str) -> String {
    let ctx = SessionContext::new();
    for t in tables {
        let koers_engine::TableLocation::File(path) = &t.location else {
            panic!("a local file")
        };
        ctx.register_parquet(
            t.name.as_str(),
            path.to_str().expect("utf-8 path"),
            ParquetReadOptions::default(),
        )
        .await
        .expect("registers");
    }
    let batches = ctx
        .sql(sql)
        .await
        .expect("plans")
        .collect()
        .await
        .expect("runs");
    pretty_format_batches(&batches)
        .expect("formats")
        .to_string()
}

#[tokio::test]
async fn answers_equal_datafusion_without_the_rule() {
    let w = Work::new();
    let tables = tables(&w);
    for sql in QUERIES {
        let koers = engine().query(*sql, &tables).await.expect("runs");
        let ours = pretty_format_batches(&koers.batches)
            .expect("formats")
            .to_string();
        assert_eq!(ours, plain(&tables, sql).await, "{sql}");
    }
}

#[tokio::test]
async fn aggregates_before_the_join_where_it_applies() {
    let w = Work::new();
    let tables = tables(&w);
    let ctx = engine().context(&tables).await.expect("context");
    for (sql, rewritten) in QUERIES
        .iter()
        .zip([true, true, true, true, false, false, false, false])
    {
        let text = explain(&ctx, sql).await;
        assert_eq!(text.contains("__koers_eager_"), rewritten, "{sql}\n{text}");
        // A period is tested in one pass (`koers_engine::range`).
        assert_eq!(
            text.contains("(one pass)"),
            sql.contains("t.ts >="),
            "{text}"
        );
    }
}
