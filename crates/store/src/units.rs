//! Police units (单位): 派出所, 大队, 支队, 科室 … The org tree records which unit each org is
//! set up in; coverage asks which units have none.

use chrono::{DateTime, Utc};
use dangjian_core::org::UnitKind;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{RowExt, timestamp_text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    /// Active orgs set up in this unit.
    pub org_count: i64,
}

/// The unit query with a static tail (condition, order), assembled at compile time.
macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT u.id, u.code, u.name, u.kind, ",
            "(SELECT COUNT(*) FROM orgs o WHERE o.unit_id = u.id AND o.dissolved_on IS NULL) AS org_count ",
            "FROM units u ",
            $tail
        )
    };
}

fn from_row(row: &AnyRow) -> StoreResult<UnitRow> {
    Ok(UnitRow {
        id: row.int("id")?,
        code: row.text("code")?,
        name: row.text("name")?,
        kind: row.code("kind", UnitKind::from_code)?,
        org_count: row.int("org_count")?,
    })
}

pub async fn insert(
    conn: &mut Conn,
    code: &str,
    name: &str,
    kind: UnitKind,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let row = sqlx::query(
        "INSERT INTO units (code, name, kind, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(kind.code())
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?;
    row.int("id")
}

pub async fn update(
    conn: &mut Conn,
    id: i64,
    code: &str,
    name: &str,
    kind: UnitKind,
) -> StoreResult<()> {
    sqlx::query("UPDATE units SET code = $1, name = $2, kind = $3 WHERE id = $4")
        .bind(code)
        .bind(name)
        .bind(kind.code())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: i64) -> StoreResult<Option<UnitRow>> {
    sqlx::query(select!("WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn by_code(conn: &mut Conn, code: &str) -> StoreResult<Option<UnitRow>> {
    sqlx::query(select!("WHERE u.code = $1"))
        .bind(code)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Every unit, by code. A bureau has tens of units and a province a few thousand.
pub async fn list(conn: &mut Conn) -> StoreResult<Vec<UnitRow>> {
    sqlx::query(select!("ORDER BY u.code"))
        .fetch_all(conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}
