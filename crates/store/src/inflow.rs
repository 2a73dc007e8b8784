//! 流入党员: members of organisations outside the bureau who stay with one of its branches
//! for a while (their relationship stays where it is); kept as dated stays.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::org::OrgPath;
use dangjian_core::role::Scope;

use crate::db::Conn;
use crate::error::{StoreError, StoreResult};
use crate::sql::{self, RowExt, Sql, date_text, push_org_scope, timestamp_text};

/// A stay with a branch; open while `until` is `None`.
#[derive(Debug, Clone)]
pub struct InflowRow {
    pub id: i64,
    pub branch_id: i64,
    pub branch_name: String,
    pub branch_path: OrgPath,
    pub name: String,
    pub origin_org: String,
    pub police_number: Option<String>,
    pub since: NaiveDate,
    pub until: Option<NaiveDate>,
    pub note: Option<String>,
}

pub struct NewInflow<'a> {
    pub branch: i64,
    pub name: &'a str,
    pub origin_org: &'a str,
    pub police_number: Option<&'a str>,
    pub since: NaiveDate,
    pub note: Option<&'a str>,
}

macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT i.id, i.branch_id, b.name AS branch_name, b.path AS branch_path, i.name, i.origin_org, ",
            "i.police_number, i.valid_from, i.valid_to, i.note ",
            "FROM inflow_members i JOIN orgs b ON b.id = i.branch_id ",
            $tail
        )
    };
}

fn from_row(row: &sqlx::any::AnyRow) -> StoreResult<InflowRow> {
    let path = row.text("branch_path")?;
    Ok(InflowRow {
        id: row.int("id")?,
        branch_id: row.int("branch_id")?,
        branch_name: row.text("branch_name")?,
        branch_path: OrgPath::parse(&path).ok_or(StoreError::Corrupt {
            column: "orgs.path",
            value: path,
        })?,
        name: row.text("name")?,
        origin_org: row.text("origin_org")?,
        police_number: row.opt_text("police_number")?,
        since: row.date("valid_from")?,
        until: row.opt_date("valid_to")?,
        note: row.opt_text("note")?,
    })
}

pub async fn insert(conn: &mut Conn, new: &NewInflow<'_>, now: DateTime<Utc>) -> StoreResult<i64> {
    let row = sqlx::query(
        "INSERT INTO inflow_members (branch_id, name, origin_org, police_number, valid_from, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(new.branch)
    .bind(new.name)
    .bind(new.origin_org)
    .bind(new.police_number)
    .bind(date_text(new.since))
    .bind(new.note)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?;
    row.int("id")
}

pub async fn get(conn: &mut Conn, id: i64) -> StoreResult<Option<InflowRow>> {
    sqlx::query(select!("WHERE i.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Whether someone with this name and 警号 (or name alone, without one) is already staying
/// with the branch.
pub async fn open_duplicate(
    conn: &mut Conn,
    branch: i64,
    name: &str,
    police_number: Option<&str>,
) -> StoreResult<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM inflow_members WHERE branch_id = $1 AND name = $2 \
         AND COALESCE(police_number, '') = $3 AND valid_to IS NULL",
    )
    .bind(branch)
    .bind(name)
    .bind(police_number.unwrap_or(""))
    .fetch_one(conn)
    .await?;
    Ok(row.int("n")? > 0)
}

/// Ends a stay on `on` (the last day is the day before).
pub async fn end(conn: &mut Conn, id: i64, on: NaiveDate) -> StoreResult<u64> {
    Ok(
        sqlx::query("UPDATE inflow_members SET valid_to = $1 WHERE id = $2 AND valid_to IS NULL")
            .bind(date_text(on))
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// The stays with branches in scope: open ones (earliest first), then, with `ended`, the
/// ended ones (latest first).
pub async fn list(conn: &mut Conn, scope: &Scope, ended: bool) -> StoreResult<Vec<InflowRow>> {
    let mut sql = Sql::new(select!("WHERE 1 = 1"));
    push_org_scope(&mut sql, scope, "b.path");
    if ended {
        sql.push(" AND i.valid_to IS NOT NULL ORDER BY i.valid_to DESC, i.id DESC LIMIT 200");
    } else {
        sql.push(" AND i.valid_to IS NULL ORDER BY i.valid_from, i.id");
    }
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(from_row)
        .collect()
}
