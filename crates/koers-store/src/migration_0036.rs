//! Migration 0036 on a store that already holds data: SQLite's organisations table is rebuilt
//! for the umbrella kind without losing a row or a reference, and the foreign keys hold (and
//! cascade) afterwards.

use crate::testing::{on_both_databases, pool_at_migration};
use crate::{Backend, Store};

const ORG: &str = "0190aaaa-0000-7000-8000-000000000001";

async fn organisation_with_members_and_data(url: &str, backend: Backend) {
    let pool = pool_at_migration(url, backend, 35).await;
    for sql in [
        "INSERT INTO organisations (id, name, kind, cbs_code, created_at, table_prefix) VALUES ('0190aaaa-0000-7000-8000-000000000001', 'Provincie Utrecht', 'province', 'PV26', 'x', 'pv26')",
        "INSERT INTO users (id, email, display_name, password_hash, created_at) VALUES ('u', 'a@pv26.example', 'A', 'h', 'x')",
        "INSERT INTO memberships (org_id, user_id, role) VALUES ('0190aaaa-0000-7000-8000-000000000001', 'u', 'administrator')",
        "INSERT INTO datasets (id, org_id, name, title, publisher, theme, licence, access_rights, cadence, created_at, updated_at) VALUES ('d', '0190aaaa-0000-7000-8000-000000000001', 'wegen', 'Wegen', 'x', 'TRAN', 'CC0-1.0', 'public', 'UNKNOWN', 'x', 'x')",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
}

async fn the_rebuild_keeps_rows_and_references(url: &str, backend: Backend) {
    organisation_with_members_and_data(url, backend).await;
    let s = Store::connect(url).await.unwrap();
    let org = s.organisations().organisation(ORG).await.unwrap();
    assert_eq!(
        (org.name.as_str(), org.table_prefix.as_str()),
        ("Provincie Utrecht", "pv26")
    );
    assert_eq!(
        s.organisations().organisations_of("u").await.unwrap().len(),
        1
    );
    // The umbrella kind is accepted now.
    s.exec("INSERT INTO organisations (id, name, kind, created_at, table_prefix) VALUES ('ipo', 'IPO', 'umbrella', 'x', 'ipo')", ())
        .await
        .unwrap();
    // The keys still hold: an unknown organisation is refused, and removing one cascades.
    assert!(
        s.exec(
            "INSERT INTO memberships (org_id, user_id, role) VALUES ('nobody', 'u', 'viewer')",
            ()
        )
        .await
        .is_err()
    );
    s.exec("DELETE FROM organisations WHERE id = $1", (ORG,))
        .await
        .unwrap();
    let left: i64 = s.one("SELECT COUNT(*) FROM memberships", ()).await.unwrap();
    let datasets: i64 = s.one("SELECT COUNT(*) FROM datasets", ()).await.unwrap();
    assert_eq!((left, datasets), (0, 0));
}

on_both_databases!(the_rebuild_keeps_rows_and_references);
