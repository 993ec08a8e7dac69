//! The two helpers every aggregate writes its SQL with, on SQLite and PostgreSQL alike:
//!
//! - a typed select: [`Store::all`], [`Store::optional`] and [`Store::one`] run a query with a
//!   tuple of bind values and map each row with the type's [`FromRow`] (one mapping per type,
//!   usually one [`columns!`] line);
//! - an audited write: [`Store::write`] opens a [`Write`], a transaction that knows who writes
//!   for which organisation; [`Write::commit`] appends the audit entry and commits, so a change
//!   and its trace are written in one transaction, in one place. A `Write` dropped before its
//!   commit (an error returned with `?`) is rolled back, audit entry and all.

use crate::audit::{Actor, record};
use crate::{Result, Store, StoreError};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Decode, Encode, Executor, Row, Transaction, Type};

/// A query on the `Any` driver, as `sqlx::query` makes it.
type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

/// A type made from one result row.
pub(crate) trait FromRow: Sized {
    fn from_row(r: &AnyRow) -> Result<Self>;
}

/// Builds a struct from a row: the fields before `;` are read from the columns of the same
/// name, the ones after it are given as expressions (for parsed, counted or JSON columns).
macro_rules! columns {
    ($r:ident => $T:ident { $($col:ident),* $(,)? $(; $($f:ident $(: $e:expr)?),* $(,)?)? }) => {
        $T { $($col: $r.try_get(stringify!($col))?,)* $($($f $(: $e)?,)*)? }
    };
}
pub(crate) use columns;

/// Implements [`FromRow`] for a struct by [`columns!`]: `from_row!(r => T { cols; field: expr })`.
macro_rules! from_row {
    ($r:ident => $T:ident { $($body:tt)* }) => {
        impl crate::sql::FromRow for $T {
            fn from_row($r: &sqlx::any::AnyRow) -> crate::Result<Self> {
                Ok(crate::sql::columns!($r => $T { $($body)* }))
            }
        }
    };
}
pub(crate) use from_row;

/// A type stored as one row of a table (or a join), which a change can read back by its id
/// ([`Write::commit_returning`]) and an organisation can look up by its id ([`Store::in_org`])
/// or list ([`Store::of_org`]).
pub(crate) trait Stored: FromRow {
    /// `SELECT … FROM …`, up to the `WHERE`: the columns [`FromRow::from_row`] reads.
    const SELECT: &'static str;
    /// The id column in [`Stored::SELECT`] (qualified where it joins).
    const ID: &'static str = "id";
    /// The organisation the row belongs to: its column, or an expression for it.
    const ORG: &'static str = "org_id";
}

/// Declares the types stored by a select (a `&str` const up to its `WHERE`), each read back by
/// its `id` column or the one named after `by`, and of the organisation in its `org_id`
/// column or the one (or the expression) named after `in`:
/// `stored!(Group: GROUP by "g.id" in "c.org_id", …)`.
macro_rules! stored {
    ($($T:ident: $select:ident $(by $id:literal)? $(in $org:literal)?),* $(,)?) => {$(
        impl crate::sql::Stored for $T {
            const SELECT: &str = $select;
            $(const ID: &str = $id;)?
            $(const ORG: &str = $org;)?
        }
    )*};
}
pub(crate) use stored;

/// One column is one value (`SELECT COUNT(*) …`, `SELECT id …`).
macro_rules! scalar_rows {
    ($($t:ty),*) => {$(
        impl FromRow for $t {
            fn from_row(r: &AnyRow) -> Result<Self> {
                Ok(r.try_get(0)?)
            }
        }
    )*};
}
scalar_rows!(i64, f64, String, Option<String>, Option<i64>);

/// Several columns are a tuple of values, in order.
macro_rules! tuple_rows {
    ($(($($t:ident $i:tt),*)),*) => {$(
        impl<$($t),*> FromRow for ($($t,)*)
        where
            $($t: for<'r> Decode<'r, Any> + Type<Any>),*
        {
            fn from_row(r: &AnyRow) -> Result<Self> {
                Ok(($(r.try_get::<$t, _>($i)?,)*))
            }
        }
    )*};
}
tuple_rows!(
    (A 0, B 1),
    (A 0, B 1, C 2),
    (A 0, B 1, C 2, D 3),
    (A 0, B 1, C 2, D 3, E 4)
);

/// The values bound to a query's `$1`, `$2`, …, as a tuple (`()` for none).
pub(crate) trait Binds<'q>: Send {
    fn bind_to(self, q: AnyQuery<'q>) -> AnyQuery<'q>;
}

macro_rules! tuple_binds {
    ($(($($v:ident),*)),*) => {$(
        impl<'q, $($v),*> Binds<'q> for ($($v,)*)
        where
            $($v: 'q + Send + Encode<'q, Any> + Type<Any>),*
        {
            #[allow(non_snake_case)]
            fn bind_to(self, q: AnyQuery<'q>) -> AnyQuery<'q> {
                let ($($v,)*) = self;
                q $(.bind($v))*
            }
        }
    )*};
}
tuple_binds!(
    (),
    (A),
    (A, B),
    (A, B, C),
    (A, B, C, D),
    (A, B, C, D, E),
    (A, B, C, D, E, F),
    (A, B, C, D, E, F, G),
    (A, B, C, D, E, F, G, H),
    (A, B, C, D, E, F, G, H, I),
    (A, B, C, D, E, F, G, H, I, J),
    (A, B, C, D, E, F, G, H, I, J, K),
    (A, B, C, D, E, F, G, H, I, J, K, L),
    (A, B, C, D, E, F, G, H, I, J, K, L, M),
    (A, B, C, D, E, F, G, H, I, J, K, L, M, N),
    (A, B, C, D, E, F, G, H, I, J, K, L, M, N, O),
    (A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P),
    (A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q),
    (A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R),
    (A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S),
    (A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S, T),
    (
        A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S, T, U
    ),
    (
        A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S, T, U, V
    )
);

/// Every row of `sql`, each made into a `T`.
pub(crate) async fn all<'q, 'c, T: FromRow>(
    ex: impl Executor<'c, Database = Any>,
    sql: &'q str,
    binds: impl Binds<'q>,
) -> Result<Vec<T>> {
    let rows = binds.bind_to(sqlx::query(sql)).fetch_all(ex).await?;
    rows.iter().map(T::from_row).collect()
}

/// The first row of `sql` as a `T`, if there is one.
pub(crate) async fn optional<'q, 'c, T: FromRow>(
    ex: impl Executor<'c, Database = Any>,
    sql: &'q str,
    binds: impl Binds<'q>,
) -> Result<Option<T>> {
    let row = binds.bind_to(sqlx::query(sql)).fetch_optional(ex).await?;
    row.as_ref().map(T::from_row).transpose()
}

/// Runs a statement; the number of rows it changed.
pub(crate) async fn exec<'q, 'c>(
    ex: impl Executor<'c, Database = Any>,
    sql: &'q str,
    binds: impl Binds<'q>,
) -> Result<u64> {
    Ok(binds
        .bind_to(sqlx::query(sql))
        .execute(ex)
        .await?
        .rows_affected())
}

impl Store {
    /// Every row of `sql` as a `T` (the typed select).
    pub(crate) async fn all<'q, T: FromRow>(
        &self,
        sql: &'q str,
        binds: impl Binds<'q>,
    ) -> Result<Vec<T>> {
        all(self.pool(), sql, binds).await
    }

    /// The first row of `sql` as a `T`, if there is one.
    pub(crate) async fn optional<'q, T: FromRow>(
        &self,
        sql: &'q str,
        binds: impl Binds<'q>,
    ) -> Result<Option<T>> {
        optional(self.pool(), sql, binds).await
    }

    /// The first row of `sql` as a `T`, or [`StoreError::NotFound`].
    pub(crate) async fn one<'q, T: FromRow>(
        &self,
        sql: &'q str,
        binds: impl Binds<'q>,
    ) -> Result<T> {
        self.optional(sql, binds).await?.ok_or(StoreError::NotFound)
    }

    /// The `T` with id `id` of organisation `org_id`, or [`StoreError::NotFound`] (also when
    /// it is another organisation's).
    pub(crate) async fn in_org<T: Stored>(&self, org_id: &str, id: &str) -> Result<T> {
        let sql = format!("{} WHERE {} = $1 AND {} = $2", T::SELECT, T::ID, T::ORG);
        self.one(&sql, (id, org_id)).await
    }

    /// Every `T` of organisation `org_id`, in `order` (an `ORDER BY` list).
    pub(crate) async fn of_org<T: Stored>(&self, org_id: &str, order: &str) -> Result<Vec<T>> {
        let sql = format!("{} WHERE {} = $1 ORDER BY {order}", T::SELECT, T::ORG);
        self.all(&sql, (org_id,)).await
    }

    /// Runs a statement outside any transaction; the number of rows it changed.
    pub(crate) async fn exec<'q>(&self, sql: &'q str, binds: impl Binds<'q>) -> Result<u64> {
        exec(self.pool(), sql, binds).await
    }

    /// A change of one statement that must change a row ([`Write::exec_found`]), by `actor` in
    /// `org_id`, committed with its audit entry `audit` (action, object, detail): the audited
    /// write of [`Store::write`] in one call.
    pub(crate) async fn write_one<'q>(
        &self,
        actor: &Actor,
        org_id: &str,
        sql: &'q str,
        binds: impl Binds<'q>,
        (action, object, detail): (&str, (&str, &str), serde_json::Value),
    ) -> Result<()> {
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec_found(sql, binds).await?;
        w.commit(action, object, detail).await
    }

    /// Begins an audited write by `actor` in `org_id` (the audited-write helper): run the
    /// change on the [`Write`], then [`Write::commit`] it with its audit entry.
    /// When the organisation is known only from what the change reads, pass `None` and name
    /// it with [`Write::set_org`].
    pub(crate) async fn write<'a>(
        &self,
        actor: &'a Actor,
        org_id: Option<&str>,
    ) -> Result<Write<'a>> {
        Ok(Write {
            tx: self.begin().await?,
            actor,
            org_id: org_id.map(str::to_owned),
        })
    }
}

/// A change being written: one transaction, ended by [`Write::commit`] with its audit entry.
/// Dropped without a commit, it is rolled back.
pub(crate) struct Write<'a> {
    tx: Transaction<'static, Any>,
    actor: &'a Actor,
    org_id: Option<String>,
}

impl Write<'_> {
    /// Runs a statement in the change; the number of rows it changed.
    pub(crate) async fn exec<'q>(&mut self, sql: &'q str, binds: impl Binds<'q>) -> Result<u64> {
        exec(&mut *self.tx, sql, binds).await
    }

    /// Runs a statement that must change a row: [`StoreError::NotFound`] when it changes none.
    pub(crate) async fn exec_found<'q>(
        &mut self,
        sql: &'q str,
        binds: impl Binds<'q>,
    ) -> Result<()> {
        match self.exec(sql, binds).await? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    /// The first row of `sql` as a `T`, if there is one, read inside the change.
    pub(crate) async fn optional<'q, T: FromRow>(
        &mut self,
        sql: &'q str,
        binds: impl Binds<'q>,
    ) -> Result<Option<T>> {
        optional(&mut *self.tx, sql, binds).await
    }

    /// The first row of `sql` as a `T`, or [`StoreError::NotFound`], read inside the change.
    pub(crate) async fn one<'q, T: FromRow>(
        &mut self,
        sql: &'q str,
        binds: impl Binds<'q>,
    ) -> Result<T> {
        self.optional(sql, binds).await?.ok_or(StoreError::NotFound)
    }

    /// The connection of the change, for what the helpers above do not cover.
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Names the organisation the audit entries are about, once the change has read it.
    pub(crate) fn set_org(&mut self, org_id: &str) {
        self.org_id = Some(org_id.to_owned());
    }

    /// Takes turns on `key` until the change ends (see [`crate::take_turn`]).
    pub(crate) async fn take_turn(&mut self, key: &str) -> Result<()> {
        crate::take_turn(&mut self.tx, key).await
    }

    /// The position after the last of the `table` rows whose `column` is `parent` (1 for the
    /// first), for a row appended to that list. It first takes turns on `table:parent`, so
    /// that concurrent appends to one list wait instead of taking the same position.
    pub(crate) async fn next_position(
        &mut self,
        table: &str,
        (column, parent): (&str, &str),
    ) -> Result<i64> {
        self.take_turn(&format!("{table}:{parent}")).await?;
        let sql = format!("SELECT COALESCE(MAX(position), 0) + 1 FROM {table} WHERE {column} = $1");
        self.one(&sql, (parent,)).await
    }

    /// Appends an audit entry to the change: `action` on `object` (its type and id), with
    /// `detail`. It is written with the change, or not at all.
    pub(crate) async fn audit(
        &mut self,
        action: &str,
        object: (&str, &str),
        detail: serde_json::Value,
    ) -> Result<()> {
        let (kind, id) = object;
        let org_id = self.org_id.as_deref();
        record(
            &mut self.tx,
            self.actor,
            org_id,
            action,
            (kind, Some(id)),
            detail,
        )
        .await
    }

    /// Appends the audit entry and commits the change with it: both are written, or neither.
    pub(crate) async fn commit(
        mut self,
        action: &str,
        object: (&str, &str),
        detail: serde_json::Value,
    ) -> Result<()> {
        self.audit(action, object, detail).await?;
        self.finish().await
    }

    /// Appends the audit entry, reads the `T` with id `id` as the change left it, and commits:
    /// the row a create or update returns, read in the same transaction.
    pub(crate) async fn commit_returning<T: Stored>(
        mut self,
        action: &str,
        object: (&str, &str),
        detail: serde_json::Value,
        id: &str,
    ) -> Result<T> {
        let row = self
            .one(&format!("{} WHERE {} = $1", T::SELECT, T::ID), (id,))
            .await?;
        self.commit(action, object, detail).await?;
        Ok(row)
    }

    /// Commits a change whose audit entries [`Write::audit`] appended.
    pub(crate) async fn finish(self) -> Result<()> {
        Ok(self.tx.commit().await?)
    }
}

/// A stored count (`INTEGER`, never negative) as a `u32`.
pub(crate) fn count(r: &AnyRow, col: &str) -> Result<u32> {
    let v: i64 = r.try_get(col)?;
    u32::try_from(v).map_err(corrupt)
}

/// A stored flag (`INTEGER` 0 or 1) as a `bool`.
pub(crate) fn flag(r: &AnyRow, col: &str) -> Result<bool> {
    Ok(r.try_get::<i64, _>(col)? != 0)
}

/// A JSON text column, parsed.
pub(crate) fn json<T: serde::de::DeserializeOwned>(r: &AnyRow, col: &str) -> Result<T> {
    let s: String = r.try_get(col)?;
    serde_json::from_str(&s).map_err(corrupt)
}

/// A JSON text column that may be `NULL`, parsed.
pub(crate) fn opt_json<T: serde::de::DeserializeOwned>(r: &AnyRow, col: &str) -> Result<Option<T>> {
    let s: Option<String> = r.try_get(col)?;
    s.map(|s| serde_json::from_str(&s).map_err(corrupt))
        .transpose()
}

/// A text column, parsed by `parse` (a domain type's own parser).
pub(crate) fn parsed<T, E: std::fmt::Display>(
    r: &AnyRow,
    col: &str,
    parse: impl FnOnce(&str) -> std::result::Result<T, E>,
) -> Result<T> {
    let s: String = r.try_get(col)?;
    parse(&s).map_err(corrupt)
}

/// Stored data that does not read back as what it should be.
pub(crate) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// A value as JSON text, for a JSON column.
pub(crate) fn to_json(v: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(v).map_err(corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::on_both_backends;

    async fn audit_count(s: &Store, org_id: &str) -> i64 {
        s.one(
            "SELECT COUNT(*) FROM audit_log WHERE org_id = $1",
            (org_id,),
        )
        .await
        .unwrap()
    }

    async fn task_count(s: &Store, org_id: &str) -> i64 {
        s.one(
            "SELECT COUNT(*) FROM policy_tasks WHERE org_id = $1",
            (org_id,),
        )
        .await
        .unwrap()
    }

    /// A change that fails after its first statement leaves neither that statement's row
    /// nor an audit entry; a committed one leaves both.
    async fn a_failed_write_leaves_neither_row_nor_audit_entry(s: Store) {
        let org =
            crate::testing::organisation(&s, "Gemeente Zeist", "municipality", "GM0355").await;
        let before = audit_count(&s, &org.id).await;
        let cli = Actor::cli();
        let insert = "INSERT INTO policy_tasks (id, org_id, name, theme, description, goals, created_at) VALUES ($1, $2, 'Wonen', '', '', '', '2026-01-01T00:00:00.000000Z')";

        let failed: Result<()> = async {
            let mut w = s.write(&cli, Some(&org.id)).await?;
            w.exec(insert, ("t1", org.id.as_str())).await?;
            // The same id again: a primary-key violation, and `?` drops the write.
            w.exec(insert, ("t1", org.id.as_str())).await?;
            w.commit(
                "policy_task.created",
                ("policy_task", "t1"),
                serde_json::json!({}),
            )
            .await
        }
        .await;
        assert!(failed.is_err());
        assert_eq!(task_count(&s, &org.id).await, 0);
        assert_eq!(audit_count(&s, &org.id).await, before);

        let mut w = s.write(&cli, Some(&org.id)).await.unwrap();
        w.exec(insert, ("t2", org.id.as_str())).await.unwrap();
        w.commit(
            "policy_task.created",
            ("policy_task", "t2"),
            serde_json::json!({}),
        )
        .await
        .unwrap();
        assert_eq!(task_count(&s, &org.id).await, 1);
        assert_eq!(audit_count(&s, &org.id).await, before + 1);
    }

    on_both_backends!(a_failed_write_leaves_neither_row_nor_audit_entry);
}
