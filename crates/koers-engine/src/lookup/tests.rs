use super::*;
use crate::testing::{run, session, table};
use datafusion::arrow::array::{Int64Array, StringArray, StringViewArray};
use datafusion::prelude::SessionContext;

/// Text as string views, or as plain strings.
fn texts(views: bool, values: Vec<Option<String>>) -> ArrayRef {
    if views {
        Arc::new(StringViewArray::from(values))
    } else {
        Arc::new(StringArray::from(values))
    }
}

/// Codes of every kind a lookup holds: short, exactly 12 bytes, longer, empty, a duplicate
/// and a missing one.
fn codes() -> Vec<Option<String>> {
    [
        Some("GM0344"),
        Some("GM0307"),
        Some("twaalf-bytes"),
        Some("een veel langere sleutel dan twaalf"),
        Some(""),
        Some("GM0307"),
        None,
        Some("alleen hier"),
    ]
    .into_iter()
    .map(|c| c.map(str::to_string))
    .collect()
}

async fn context(views: bool, rule: bool) -> SessionContext {
    // The rules in the engine's order: a lookup join keeps the filter `FilterRule` made.
    let rules: Vec<Arc<dyn PhysicalOptimizerRule + Send + Sync>> = match rule {
        true => vec![
            Arc::new(crate::filter::FilterRule),
            Arc::new(LookupJoinRule),
        ],
        false => vec![],
    };
    let ctx = session(3, rules);
    let lookup = table(
        vec![
            ("code", texts(views, codes())),
            (
                "naam",
                texts(views, (0..8).map(|i| Some(format!("naam {i}"))).collect()),
            ),
        ],
        1,
    );
    // Facts that name each code many times, codes the lookup lacks, and nulls.
    let facts: Vec<Option<String>> = (0..20_000)
        .map(|i| match i % 11 {
            10 => None,
            9 => Some("nergens".to_string()),
            k => codes()[k % 8].clone(),
        })
        .collect();
    let facts = table(
        vec![
            ("code", texts(views, facts)),
            ("v", Arc::new(Int64Array::from_iter_values(0..20_000))),
        ],
        3,
    );
    ctx.register_table("lookup", lookup).unwrap();
    ctx.register_table("facts", facts).unwrap();
    ctx
}

/// Every kind of key, as string views and as plain strings: the same answer as DataFusion's
/// hash join, from the lookup join.
#[tokio::test]
async fn a_lookup_join_answers_as_the_hash_join_does() {
    for views in [true, false] {
        let (with, without) = (context(views, true).await, context(views, false).await);
        for sql in [
            "SELECT l.naam, COUNT(*) AS n, SUM(f.v) AS v FROM facts f JOIN lookup l ON f.code = l.code GROUP BY l.naam ORDER BY l.naam",
            "SELECT f.code, l.naam, f.v FROM facts f JOIN lookup l ON f.code = l.code WHERE f.v < 40 ORDER BY f.v, l.naam",
            "SELECT l.code, f.v FROM lookup l JOIN facts f ON l.code = f.code WHERE f.v % 997 = 0 ORDER BY f.v, l.code",
            "SELECT a.naam AS van, b.naam AS naar, COUNT(*) FROM facts f JOIN lookup a ON f.code = a.code \
             JOIN lookup b ON f.code = b.code WHERE a.naam <> b.naam GROUP BY 1, 2 ORDER BY 1, 2",
            // A lookup whose keys are unique: no chains.
            "SELECT u.code, COUNT(*) AS n, SUM(f.v) FROM facts f JOIN (SELECT DISTINCT code FROM lookup) u ON f.code = u.code GROUP BY 1 ORDER BY 1",
            // A join filter: pairs it holds for, a null where it is neither true nor false.
            "SELECT l.naam, f.v FROM facts f JOIN lookup l ON f.code = l.code AND f.v % 3 > length(l.naam) - 7 ORDER BY 1, 2",
            "SELECT l.naam, COUNT(*) FROM facts f JOIN lookup l ON f.code = l.code \
             AND (CASE WHEN f.v % 5 = 0 THEN NULL ELSE f.v % 2 = 0 END) GROUP BY 1 ORDER BY 1",
        ] {
            let (expected, plain) = run(&without, sql).await;
            let (got, plan) = run(&with, sql).await;
            assert!(plain.contains("HashJoinExec"), "{plain}");
            assert!(
                plan.contains("LookupJoinExec") && !plan.contains("HashJoinExec"),
                "{plan}"
            );
            assert_eq!(got, expected, "views: {views}, {sql}");
            // A filter comparing short texts compares their views (`crate::views`).
            let compares_views = views && sql.contains("a.naam <> b.naam");
            assert_eq!(plan.contains("(views)"), compares_views, "{plan}");
        }
    }
}

/// Joins it does not answer alike stay hash joins: outer, on two keys, on numbers.
#[tokio::test]
async fn other_joins_stay_hash_joins() {
    let ctx = context(true, true).await;
    for sql in [
        "SELECT l.naam, f.v FROM facts f LEFT JOIN lookup l ON f.code = l.code",
        "SELECT l.naam FROM facts f JOIN lookup l ON f.code = l.code AND f.code = l.naam",
        "SELECT f.v FROM facts f JOIN facts g ON f.v = g.v",
    ] {
        let (_, plan) = run(&ctx, sql).await;
        assert!(!plan.contains("LookupJoinExec"), "{sql}: {plan}");
    }
}

#[test]
fn a_short_key_is_its_view_whatever_follows_its_bytes() {
    let view = view_of(b"GM0344");
    assert_eq!(short_key(view), Some(view));
    // Bytes after the key's length do not count.
    assert_eq!(short_key(view | (0xff << 120)), Some(view));
    assert_eq!(
        short_key(view_of(b"twaalf-bytes")),
        Some(view_of(b"twaalf-bytes"))
    );
    assert_eq!(short_key(view_of(b"dertien bytes")), None);
    assert_eq!(short_key(view_of(b"")), Some(0));
}
