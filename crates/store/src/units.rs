//! Police units (单位): 派出所, 大队, 支队, 科室 … in a tree of their own (市局 → 分局/支队 →
//! 派出所/大队/科室), each with the days it exists. The org tree records which unit each org
//! is set up in, and a joint org (联合党支部) the units it covers besides; coverage asks which
//! units have none.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::org::UnitKind;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{RowExt, date_text, timestamp_text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: Option<i64>,
    /// The day it was set up and the day it was abolished (exists before it), when known.
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// Active orgs set up in this unit, and active joint orgs that name it.
    pub org_count: i64,
    pub covered_by: i64,
}

/// A unit as written: its fields and its parent.
#[derive(Debug, Clone, Copy)]
pub struct NewUnit<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: UnitKind,
    pub parent_id: Option<i64>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// The unit query with a static tail (condition, order), assembled at compile time.
macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT u.id, u.code, u.name, u.kind, u.parent_id, u.valid_from, u.valid_to, ",
            "(SELECT COUNT(*) FROM orgs o WHERE o.unit_id = u.id AND o.dissolved_on IS NULL) AS org_count, ",
            "(SELECT COUNT(*) FROM org_units c JOIN orgs o ON o.id = c.org_id ",
            "WHERE c.unit_id = u.id AND o.dissolved_on IS NULL) AS covered_by ",
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
        parent_id: row.opt_int("parent_id")?,
        valid_from: row.opt_date("valid_from")?,
        valid_to: row.opt_date("valid_to")?,
        org_count: row.int("org_count")?,
        covered_by: row.int("covered_by")?,
    })
}

pub async fn insert(conn: &mut Conn, unit: &NewUnit<'_>, now: DateTime<Utc>) -> StoreResult<i64> {
    let row = sqlx::query(
        "INSERT INTO units (code, name, kind, parent_id, valid_from, valid_to, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(unit.code)
    .bind(unit.name)
    .bind(unit.kind.code())
    .bind(unit.parent_id)
    .bind(unit.valid_from.map(date_text))
    .bind(unit.valid_to.map(date_text))
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?;
    row.int("id")
}

pub async fn update(conn: &mut Conn, id: i64, unit: &NewUnit<'_>) -> StoreResult<()> {
    sqlx::query(
        "UPDATE units SET code = $1, name = $2, kind = $3, parent_id = $4, valid_from = $5, \
         valid_to = $6 WHERE id = $7",
    )
    .bind(unit.code)
    .bind(unit.name)
    .bind(unit.kind.code())
    .bind(unit.parent_id)
    .bind(unit.valid_from.map(date_text))
    .bind(unit.valid_to.map(date_text))
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

/// The units a joint org names besides its own, by code.
pub async fn covered_by_org(conn: &mut Conn, org_id: i64) -> StoreResult<Vec<UnitRow>> {
    sqlx::query(select!(
        "WHERE u.id IN (SELECT unit_id FROM org_units WHERE org_id = $1) ORDER BY u.code"
    ))
    .bind(org_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Replaces the units a joint org names.
pub async fn set_covered_by_org(conn: &mut Conn, org_id: i64, units: &[i64]) -> StoreResult<()> {
    sqlx::query("DELETE FROM org_units WHERE org_id = $1")
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    for unit in units {
        sqlx::query("INSERT INTO org_units (org_id, unit_id) VALUES ($1, $2)")
            .bind(org_id)
            .bind(unit)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
