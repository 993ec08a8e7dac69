//! Migration 0018 on a store that already holds data: organisations get unique table
//! prefixes (the old one kept where it was unique), and recorded sources lose their
//! credentials.

use crate::testing::{on_both_databases, pool_at_migration};
use crate::{Backend, Store};

/// Brings an empty database at `url` to migration 0017.
async fn migrate_to_0017(url: &str, backend: Backend) {
    let pool = pool_at_migration(url, backend, 17).await;
    for (id, cbs) in [
        ("0190aaaa-0000-7000-8000-000000000001", None),
        ("0190aaaa-0000-7000-8000-000000000002", None),
        ("0190bbbb-0000-7000-8000-000000000003", None),
        ("0190aaaa-0000-7000-8000-000000000004", Some("PV26")),
    ] {
        sqlx::query("INSERT INTO organisations (id, name, kind, cbs_code, created_at) VALUES ($1, $1, 'other', $2, '2026-01-01T00:00:00Z')")
            .bind(id)
            .bind(cbs)
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO datasets (id, org_id, name, title, publisher, theme, licence, access_rights, cadence, created_at, updated_at) VALUES ('d', '0190bbbb-0000-7000-8000-000000000003', 'wegen', 'Wegen', 'x', 'TRAN', 'CC0-1.0', 'public', 'UNKNOWN', 'x', 'x')")
        .execute(&pool)
        .await
        .unwrap();
    for (v, source) in [
        (
            1,
            "https://jan:geheim@data.example/wegen.csv?token=abc&jaar=2024",
        ),
        (2, "wfs https://u:p@wfs.example/wfs?apikey=k3y (wegen)"),
        (3, "wegen.csv"),
        (4, "https://data.example/wegen.csv#access_token=xyz"),
    ] {
        sqlx::query("INSERT INTO dataset_versions (id, dataset_id, version, file, source, format, row_count, byte_size, columns, quality, created_at, created_by) VALUES ($1, 'd', $2, 'f', $3, 'csv', 1, 1, '[]', '[]', 'x', 'x')")
            .bind(format!("v{v}"))
            .bind(v)
            .bind(source)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
}

async fn existing_rows_are_migrated(url: &str, backend: Backend) {
    migrate_to_0017(url, backend).await;
    let s = Store::connect(url).await.unwrap();
    let prefix = |id: &'static str| {
        let s = s.clone();
        async move {
            s.organisations()
                .organisation(id)
                .await
                .unwrap()
                .table_prefix
        }
    };
    // The two that shared `o0190aaaa` get their whole id; the one alone keeps its name.
    assert_eq!(
        prefix("0190aaaa-0000-7000-8000-000000000001").await,
        "o0190aaaa000070008000000000000001"
    );
    assert_eq!(
        prefix("0190aaaa-0000-7000-8000-000000000002").await,
        "o0190aaaa000070008000000000000002"
    );
    assert_eq!(
        prefix("0190bbbb-0000-7000-8000-000000000003").await,
        "o0190bbbb"
    );
    assert_eq!(prefix("0190aaaa-0000-7000-8000-000000000004").await, "pv26");
    let sources: Vec<String> = s
        .catalog()
        .dataset_versions("d")
        .await
        .unwrap()
        .into_iter()
        .rev()
        .map(|v| v.source)
        .collect();
    assert_eq!(
        sources,
        [
            "https://data.example/wegen.csv",
            "wfs https://wfs.example/wfs (wegen)",
            "wegen.csv",
            "https://data.example/wegen.csv",
        ]
    );
}

on_both_databases!(existing_rows_are_migrated);
