//! The column cache: kept columns give the same answers as the file, within the budget, and
//! a file replaced in place is read afresh.

use std::fmt::Write as _;

use datafusion::arrow::util::pretty::pretty_format_batches;
use koers_engine::{Engine, EngineConfig, TableRef};

use crate::helpers::Work;

/// A CSV of `rows` movements: id, province, mode, tonnes.
fn movements(rows: usize, factor: f64) -> String {
    let mut csv = String::from("id,province,mode,tonnes\n");
    for i in 0..rows {
        let province = ["PV20", "PV21", "PV22", "PV26"][i % 4];
        let mode = ["weg", "water", "spoor"][i % 3];
        writeln!(csv, "{i},{province},{mode},{}", (i % 97) as f64 * factor).expect("writes");
    }
    csv
}

/// The table `movements` over an imported version of [`movements`].
fn movements_table(work: &Work, rows: usize, factor: f64) -> TableRef {
    let src = work.write("m.csv", movements(rows, factor).as_bytes());
    TableRef::new("movements", work.import(&src, "m.parquet").path)
}

fn engine(cache_bytes: usize) -> Engine {
    Engine::new(EngineConfig {
        target_partitions: 2,
        column_cache_bytes: cache_bytes,
        ..EngineConfig::default()
    })
}

const GROUPED: &str = "SELECT province, mode, SUM(tonnes) AS tonnes, COUNT(*) AS n \
                       FROM movements WHERE tonnes > 10 GROUP BY province, mode \
                       ORDER BY province, mode";

async fn answer(engine: &Engine, sql: &str, table: &TableRef) -> String {
    let out = engine
        .query(sql, std::slice::from_ref(table))
        .await
        .expect("runs");
    pretty_format_batches(&out.batches)
        .expect("formats")
        .to_string()
}

#[tokio::test]
async fn kept_columns_answer_as_the_file_does() {
    let work = Work::new();
    let table = movements_table(&work, 50_000, 1.5);
    let cached = engine(64 << 20);
    let plain = engine(0);

    let expected = answer(&plain, GROUPED, &table).await;
    assert_eq!(
        plain.cache_usage().columns,
        0,
        "a budget of 0 keeps nothing"
    );
    assert_eq!(answer(&cached, GROUPED, &table).await, expected);
    let first = cached.cache_usage();
    assert_eq!(
        first.columns, 3,
        "province, mode and tonnes kept: {first:?}"
    );
    assert!(first.bytes > 0 && first.bytes <= first.budget);
    // The second run reads the kept columns and gives the same answer.
    assert_eq!(answer(&cached, GROUPED, &table).await, expected);
    assert_eq!(cached.cache_usage(), first);
    // Clones of the engine (other limits) share what is kept.
    let clone = cached.with_config(EngineConfig {
        target_partitions: 1,
        column_cache_bytes: 64 << 20,
        ..EngineConfig::default()
    });
    assert_eq!(answer(&clone, GROUPED, &table).await, expected);
    assert_eq!(clone.cache_usage(), first);

    // A query over another column adds only that one.
    let ids = "SELECT SUM(id) AS s FROM movements";
    assert_eq!(
        answer(&cached, ids, &table).await,
        answer(&plain, ids, &table).await
    );
    assert_eq!(cached.cache_usage().columns, 4);

    // A preview (a row limit, no filter) reads a few rows from the file, keeping nothing.
    let fresh = engine(64 << 20);
    let preview = "SELECT * FROM movements LIMIT 3";
    assert_eq!(
        fresh
            .query(preview, std::slice::from_ref(&table))
            .await
            .expect("runs")
            .row_count(),
        3
    );
    assert_eq!(fresh.cache_usage().columns, 0);
    // COUNT(*) reads no column.
    let count = answer(&fresh, "SELECT COUNT(*) AS n FROM movements", &table).await;
    assert!(count.contains("50000"), "{count}");
    assert_eq!(fresh.cache_usage().columns, 0);
}

#[tokio::test]
async fn a_file_replaced_in_place_is_read_afresh() {
    let work = Work::new();
    let table = movements_table(&work, 20_000, 1.0);
    let cached = engine(64 << 20);
    let before = answer(&cached, GROUPED, &table).await;

    // Another file written over the same path (a restore, a hand-made repair).
    let second = Work::new();
    let replacement = movements_table(&second, 30_000, 2.0);
    let (koers_engine::TableLocation::File(from), koers_engine::TableLocation::File(to)) =
        (&replacement.location, &table.location)
    else {
        panic!("local files")
    };
    std::fs::copy(from, to).expect("copies");
    let after = answer(&cached, GROUPED, &table).await;
    assert_ne!(after, before, "not the kept columns of the old file");
    assert_eq!(after, answer(&engine(0), GROUPED, &table).await);
}

#[tokio::test]
async fn the_cache_stays_within_its_budget() {
    let work = Work::new();
    let table = movements_table(&work, 100_000, 1.0);
    let plain = engine(0);

    // Room for about one column: the least recently used goes.
    let small = engine(2 << 20);
    for sql in [
        "SELECT SUM(tonnes) AS s FROM movements",
        "SELECT SUM(id) AS s FROM movements",
        "SELECT MAX(tonnes) AS m FROM movements",
    ] {
        assert_eq!(
            answer(&small, sql, &table).await,
            answer(&plain, sql, &table).await
        );
        let usage = small.cache_usage();
        assert!(usage.bytes <= usage.budget, "{usage:?}");
        assert!(usage.columns >= 1, "{usage:?}");
    }

    // Columns that would take more than half the budget are read from the file each time.
    let tiny = engine(64 << 10);
    assert_eq!(
        answer(&tiny, GROUPED, &table).await,
        answer(&plain, GROUPED, &table).await
    );
    assert_eq!(tiny.cache_usage().columns, 0);

    // Decoding counts against the query's memory limit: beyond it, the file is read as usual.
    let limited = Engine::new(EngineConfig {
        target_partitions: 2,
        column_cache_bytes: 64 << 20,
        memory_limit_bytes: 256 << 10,
        ..EngineConfig::default()
    });
    let sum = "SELECT SUM(tonnes) AS s FROM movements";
    assert_eq!(
        answer(&limited, sum, &table).await,
        answer(&plain, sum, &table).await
    );
    assert_eq!(limited.cache_usage().columns, 0);
}

#[tokio::test]
async fn short_codes_are_kept_as_their_views_alone() {
    let work = Work::new();
    let rows: usize = 50_000;
    // A short code for each row (no small dictionary to decode from), and texts longer than
    // a view holds in every third row.
    let mut csv = String::from("code,name\n");
    for i in 0..rows {
        let name = if i % 3 == 0 {
            format!("gemeente met een lange naam {}", i % 500)
        } else {
            format!("GM{:04}", i % 400)
        };
        writeln!(csv, "C{i:07},{name}").expect("writes");
    }
    let src = work.write("c.csv", csv.as_bytes());
    let table = TableRef::new("movements", work.import(&src, "c.parquet").path);
    let cached = engine(64 << 20);
    let plain = engine(0);
    let codes = "SELECT COUNT(*) AS n, MIN(code) AS first, MAX(code) AS last FROM movements \
                 WHERE code <> 'C0000007'";
    assert_eq!(
        answer(&cached, codes, &table).await,
        answer(&plain, codes, &table).await
    );
    // The views, 16 bytes a row in chunks of 8192 rows, and nothing of the decoded pages the
    // codes were read from.
    let kept = cached.cache_usage();
    assert_eq!(kept.columns, 1);
    assert!(
        kept.bytes <= rows.div_ceil(8192) * 8192 * 16 + 4096,
        "{kept:?} for {rows} rows"
    );

    // Longer texts keep their data: same answers, from the file and from the cache.
    let grouped = "SELECT name, COUNT(*) AS n FROM movements WHERE name <> 'GM0007' \
                   GROUP BY name ORDER BY n DESC, name LIMIT 20";
    for _ in 0..2 {
        assert_eq!(
            answer(&cached, grouped, &table).await,
            answer(&plain, grouped, &table).await
        );
    }
}
