//! Migration 0043 on a store that already holds data: a question's product given by the
//! address of its page in koers is named by the product.

use crate::testing::{on_both_databases, pool_at_migration};
use crate::{Backend, Store};

const A: &str = "0190aaaa-0000-7000-8000-000000000001";
const B: &str = "0190bbbb-0000-7000-8000-000000000002";

/// Brings an empty database at `url` to migration 0042, with a question of A linked to its
/// own analysis, monitor and snapshot, to B's analysis, to a removed monitor and to a web address.
async fn migrate_to_0042(url: &str, backend: Backend) {
    let pool = pool_at_migration(url, backend, 42).await;
    let rows = [
        format!(
            "INSERT INTO organisations (id, name, kind, table_prefix, created_at) VALUES ('{A}', 'A', 'other', 'oa', 'x'), ('{B}', 'B', 'other', 'ob', 'x')"
        ),
        format!(
            "INSERT INTO analyses (id, org_id, title, sql_text, created_by, created_at, updated_at) VALUES ('aa', '{A}', 'Wegen slecht', 'SELECT 1', 'x', 'x', 'x'), ('ab', '{B}', 'Geheim van B', 'SELECT 1', 'x', 'x', 'x')"
        ),
        format!(
            "INSERT INTO monitors (id, org_id, name, created_at, updated_at) VALUES ('ma', '{A}', 'Monitor wegen', 'x', 'x')"
        ),
        format!(
            "INSERT INTO evidence_snapshots (id, org_id, subject_kind, subject_id, title, note, content, content_hash, created_by, created_at) VALUES ('sa', '{A}', 'monitor', 'ma', 'Monitor wegen', 'GS 12 maart', '{{}}', 'x', 'x', 'x')"
        ),
        format!(
            "INSERT INTO policy_tasks (id, org_id, name, theme, created_at) VALUES ('t', '{A}', 'Wegen', 'roads', 'x')"
        ),
        format!(
            "INSERT INTO data_questions (id, org_id, task_id, question, priority, status, created_at, updated_at) VALUES ('q', '{A}', 't', 'Hoeveel?', 'normal', 'delivered', 'x', 'x')"
        ),
    ];
    for sql in rows {
        sqlx::query(&sql).execute(&pool).await.unwrap();
    }
    for target in [
        "/analyses/aa",
        "/analyses/ab",
        "/informatieproducten/monitoren/ma",
        "/informatieproducten/monitoren/weg",
        "/informatieproducten/momentopnamen/sa",
        "https://example.org/wegen",
    ] {
        sqlx::query("INSERT INTO question_links (question_id, kind, target, label) VALUES ('q', 'product', $1, $1)")
            .bind(target)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
}

async fn product_links_are_named(url: &str, backend: Backend) {
    migrate_to_0042(url, backend).await;
    let s = Store::connect(url).await.unwrap();
    let mut labels: Vec<(String, String)> = s
        .questions()
        .question_links("q")
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.target, l.label))
        .collect();
    labels.sort();
    let expected = [
        ("/analyses/aa", "Wegen slecht"),
        ("/analyses/ab", "/analyses/ab"),
        ("/informatieproducten/monitoren/ma", "Monitor wegen"),
        (
            "/informatieproducten/monitoren/weg",
            "/informatieproducten/monitoren/weg",
        ),
        (
            "/informatieproducten/momentopnamen/sa",
            "Monitor wegen (GS 12 maart)",
        ),
        ("https://example.org/wegen", "https://example.org/wegen"),
    ];
    let mut expected: Vec<(String, String)> = expected
        .iter()
        .map(|(t, l)| (t.to_string(), l.to_string()))
        .collect();
    expected.sort();
    assert_eq!(labels, expected);
}

on_both_databases!(product_links_are_named);
