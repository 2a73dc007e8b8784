//! 党建工作经费 (migration 0026): budget lines of an org's year and the expenditures against
//! them, with each line's approved and pending sums read in the same query.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::funds::LineState;
use dangjian_core::money::Fen;
use dangjian_core::org::OrgPath;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, RowExt, Sql, date_text, timestamp_text};

/// A budget line with what is approved and waiting against it (a transfer out waiting for
/// approval waits with the expenditures: the money is spoken for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRow {
    pub id: i64,
    pub org_id: i64,
    pub org_path: OrgPath,
    pub year: i32,
    pub source: String,
    pub category: String,
    pub state: LineState,
}

const LINE_COLUMNS: &str = "SELECT l.id, l.org_id, o.path AS org_path, l.year, l.source, l.category, l.amount_fen, \
     (SELECT CAST(COALESCE(SUM(e.amount_fen), 0) AS BIGINT) FROM fund_expenses e WHERE e.line_id = l.id AND e.status = 'approved') AS approved, \
     (SELECT CAST(COALESCE(SUM(e.amount_fen), 0) AS BIGINT) FROM fund_expenses e WHERE e.line_id = l.id AND e.status = 'proposed') \
     + (SELECT CAST(COALESCE(SUM(t.amount_fen), 0) AS BIGINT) FROM fund_transfers t WHERE t.from_line = l.id AND t.status = 'proposed') AS pending \
     FROM fund_lines l JOIN orgs o ON o.id = l.org_id WHERE 1 = 1";

fn line(row: &AnyRow) -> StoreResult<LineRow> {
    Ok(LineRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        org_path: row.org_path("org_path")?,
        year: row.int("year")? as i32,
        source: row.text("source")?,
        category: row.text("category")?,
        state: LineState {
            budget: Fen(row.int("amount_fen")?),
            approved: Fen(row.int("approved")?),
            pending: Fen(row.int("pending")?),
        },
    })
}

/// The lines of an org's year, by source and category.
pub async fn lines(conn: &mut Conn, org: i64, year: i32) -> StoreResult<Vec<LineRow>> {
    let mut q = Sql::new(LINE_COLUMNS);
    q.push(" AND l.org_id = ")
        .bind(org)
        .push(" AND l.year = ")
        .bind(i64::from(year))
        .push(" ORDER BY l.source, l.category");
    sql::fetch_all(conn, q).await?.iter().map(line).collect()
}

pub async fn line_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<LineRow>> {
    let mut q = Sql::new(LINE_COLUMNS);
    q.push(" AND l.id = ").bind(id);
    sql::fetch_all(conn, q).await?.first().map(line).transpose()
}

/// Which line: an org's year, a funding source and a category.
#[derive(Debug, Clone, Copy)]
pub struct LineKey<'a> {
    pub org: i64,
    pub year: i32,
    pub source: &'a str,
    pub category: &'a str,
}

pub async fn line_of(conn: &mut Conn, key: LineKey<'_>) -> StoreResult<Option<LineRow>> {
    let mut q = Sql::new(LINE_COLUMNS);
    q.push(" AND l.org_id = ")
        .bind(key.org)
        .push(" AND l.year = ")
        .bind(i64::from(key.year))
        .push(" AND l.source = ")
        .bind(key.source.to_owned())
        .push(" AND l.category = ")
        .bind(key.category.to_owned());
    sql::fetch_all(conn, q).await?.first().map(line).transpose()
}

/// Sets a line's amount (a new line when there is none); returns its id.
pub async fn put_line(
    conn: &mut Conn,
    key: LineKey<'_>,
    amount: Fen,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    if let Some(existing) = line_of(conn, key).await? {
        sqlx::query(
            "UPDATE fund_lines SET amount_fen = $1, set_by = $2, set_at = $3 WHERE id = $4",
        )
        .bind(amount.0)
        .bind(by)
        .bind(timestamp_text(now))
        .bind(existing.id)
        .execute(conn)
        .await?;
        return Ok(existing.id);
    }
    sqlx::query(
        "INSERT INTO fund_lines (org_id, year, source, category, amount_fen, set_by, set_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(key.org)
    .bind(i64::from(key.year))
    .bind(key.source)
    .bind(key.category)
    .bind(amount.0)
    .bind(by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

#[derive(Debug, Clone)]
pub struct NewExpense<'a> {
    pub line_id: i64,
    pub item: &'a str,
    pub amount: Fen,
    pub spent_on: NaiveDate,
    pub description: &'a str,
    pub decision: &'a str,
    pub persons: Option<u32>,
    pub days: Option<u32>,
    pub half_days: Option<u32>,
    pub vehicles: Option<u32>,
    pub proposed_by: &'a str,
}

/// An expenditure as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpenseRow {
    pub id: i64,
    pub line_id: i64,
    pub item: String,
    pub amount: Fen,
    pub spent_on: NaiveDate,
    pub description: String,
    pub decision: String,
    pub persons: Option<u32>,
    pub days: Option<u32>,
    pub half_days: Option<u32>,
    pub vehicles: Option<u32>,
    pub status: String,
    pub proposed_by: String,
    pub decided_on: Option<NaiveDate>,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    pub version: i64,
}

fn count(row: &AnyRow, column: &'static str) -> StoreResult<Option<u32>> {
    Ok(row.opt_int(column)?.and_then(|n| u32::try_from(n).ok()))
}

fn expense(row: &AnyRow) -> StoreResult<ExpenseRow> {
    Ok(ExpenseRow {
        id: row.int("id")?,
        line_id: row.int("line_id")?,
        item: row.text("item")?,
        amount: Fen(row.int("amount_fen")?),
        spent_on: row.date("spent_on")?,
        description: row.text("description")?,
        decision: row.text("decision")?,
        persons: count(row, "persons")?,
        days: count(row, "days")?,
        half_days: count(row, "half_days")?,
        vehicles: count(row, "vehicles")?,
        status: row.text("status")?,
        proposed_by: row.text("proposed_by")?,
        decided_on: row.opt_date("decided_on")?,
        decided_by: row.opt_text("decided_by")?,
        decision_note: row.opt_text("decision_note")?,
        version: row.int("version")?,
    })
}

const EXPENSE_COLUMNS: &str = "SELECT e.id, e.line_id, e.item, e.amount_fen, e.spent_on, e.description, e.decision, \
     e.persons, e.days, e.half_days, e.vehicles, e.status, e.proposed_by, e.decided_on, e.decided_by, \
     e.decision_note, e.version FROM fund_expenses e JOIN fund_lines l ON l.id = e.line_id WHERE 1 = 1";

pub async fn insert_expense(
    conn: &mut Conn,
    e: &NewExpense<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO fund_expenses (line_id, item, amount_fen, spent_on, description, decision, persons, \
         days, half_days, vehicles, status, proposed_by, proposed_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'proposed', $11, $12, 1) RETURNING id",
    )
    .bind(e.line_id)
    .bind(e.item)
    .bind(e.amount.0)
    .bind(date_text(e.spent_on))
    .bind(e.description)
    .bind(e.decision)
    .bind(e.persons.map(i64::from))
    .bind(e.days.map(i64::from))
    .bind(e.half_days.map(i64::from))
    .bind(e.vehicles.map(i64::from))
    .bind(e.proposed_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

/// The expenditures of an org's year, newest first.
pub async fn expenses(conn: &mut Conn, org: i64, year: i32) -> StoreResult<Vec<ExpenseRow>> {
    let mut q = Sql::new(EXPENSE_COLUMNS);
    q.push(" AND l.org_id = ")
        .bind(org)
        .push(" AND l.year = ")
        .bind(i64::from(year))
        .push(" ORDER BY e.spent_on DESC, e.id DESC");
    sql::fetch_all(conn, q).await?.iter().map(expense).collect()
}

pub async fn expense_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<ExpenseRow>> {
    let mut q = Sql::new(EXPENSE_COLUMNS);
    q.push(" AND e.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(expense)
        .transpose()
}

/// Decides a proposed expenditure still at `version`; false when it changed meanwhile.
pub async fn decide_expense(
    conn: &mut Conn,
    id: i64,
    version: i64,
    status: &str,
    decided_on: NaiveDate,
    decided_by: &str,
    note: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE fund_expenses SET status = $1, decided_on = $2, decided_by = $3, decision_note = $4, \
         version = version + 1 WHERE id = $5 AND version = $6 AND status = 'proposed'",
    )
    .bind(status)
    .bind(date_text(decided_on))
    .bind(decided_by)
    .bind(note)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A transfer between two lines of an org's year, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRow {
    pub id: i64,
    pub org_id: i64,
    pub year: i32,
    pub from_line: i64,
    pub to_line: i64,
    pub amount: Fen,
    pub reason: String,
    pub status: String,
    pub proposed_by: String,
    pub decided_on: Option<NaiveDate>,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewTransfer<'a> {
    pub org_id: i64,
    pub year: i32,
    pub from_line: i64,
    pub to_line: i64,
    pub amount: Fen,
    pub reason: &'a str,
    pub proposed_by: &'a str,
}

const TRANSFER_COLUMNS: &str = "SELECT id, org_id, year, from_line, to_line, amount_fen, reason, status, \
     proposed_by, decided_on, decided_by, decision_note, version FROM fund_transfers WHERE 1 = 1";

fn transfer(row: &AnyRow) -> StoreResult<TransferRow> {
    Ok(TransferRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        year: row.int("year")? as i32,
        from_line: row.int("from_line")?,
        to_line: row.int("to_line")?,
        amount: Fen(row.int("amount_fen")?),
        reason: row.text("reason")?,
        status: row.text("status")?,
        proposed_by: row.text("proposed_by")?,
        decided_on: row.opt_date("decided_on")?,
        decided_by: row.opt_text("decided_by")?,
        decision_note: row.opt_text("decision_note")?,
        version: row.int("version")?,
    })
}

pub async fn insert_transfer(
    conn: &mut Conn,
    t: &NewTransfer<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO fund_transfers (org_id, year, from_line, to_line, amount_fen, reason, status, \
         proposed_by, proposed_at, version) VALUES ($1, $2, $3, $4, $5, $6, 'proposed', $7, $8, 1) \
         RETURNING id",
    )
    .bind(t.org_id)
    .bind(i64::from(t.year))
    .bind(t.from_line)
    .bind(t.to_line)
    .bind(t.amount.0)
    .bind(t.reason)
    .bind(t.proposed_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

/// The transfers of an org's year, newest first.
pub async fn transfers(conn: &mut Conn, org: i64, year: i32) -> StoreResult<Vec<TransferRow>> {
    let mut q = Sql::new(TRANSFER_COLUMNS);
    q.push(" AND org_id = ")
        .bind(org)
        .push(" AND year = ")
        .bind(i64::from(year))
        .push(" ORDER BY id DESC");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(transfer)
        .collect()
}

pub async fn transfer_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<TransferRow>> {
    let mut q = Sql::new(TRANSFER_COLUMNS);
    q.push(" AND id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(transfer)
        .transpose()
}

/// Decides a proposed transfer still at `version`, and when approved moves its amount from
/// one line's budget to the other's; false when it changed meanwhile.
pub async fn decide_transfer(
    conn: &mut Conn,
    t: &TransferRow,
    status: &str,
    decided_on: NaiveDate,
    decided_by: &str,
    note: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE fund_transfers SET status = $1, decided_on = $2, decided_by = $3, decision_note = $4, \
         version = version + 1 WHERE id = $5 AND version = $6 AND status = 'proposed'",
    )
    .bind(status)
    .bind(date_text(decided_on))
    .bind(decided_by)
    .bind(note)
    .bind(t.id)
    .bind(t.version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    if status == "approved" {
        for (line, delta) in [(t.from_line, -t.amount.0), (t.to_line, t.amount.0)] {
            sqlx::query("UPDATE fund_lines SET amount_fen = amount_fen + $1 WHERE id = $2")
                .bind(delta)
                .bind(line)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(true)
}

/// A voucher of an expenditure, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoucherRow {
    pub id: i64,
    pub expense_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub digest: String,
    pub stored_name: String,
    pub created_by: String,
}

#[derive(Debug, Clone, Copy)]
pub struct NewVoucher<'a> {
    pub expense_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub digest: &'a str,
    pub stored_name: &'a str,
    pub created_by: &'a str,
}

pub async fn insert_voucher(
    conn: &mut Conn,
    v: &NewVoucher<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO fund_vouchers (expense_id, file_name, content_type, size, digest, stored_name, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(v.expense_id)
    .bind(v.file_name)
    .bind(v.content_type)
    .bind(v.size)
    .bind(v.digest)
    .bind(v.stored_name)
    .bind(v.created_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

/// The vouchers of the expenditures of an org's year, in the order they were kept.
pub async fn vouchers(conn: &mut Conn, org: i64, year: i32) -> StoreResult<Vec<VoucherRow>> {
    let mut q = Sql::new(
        "SELECT v.id, v.expense_id, v.file_name, v.content_type, v.size, v.digest, v.stored_name, \
         v.created_by FROM fund_vouchers v JOIN fund_expenses e ON e.id = v.expense_id \
         JOIN fund_lines l ON l.id = e.line_id WHERE 1 = 1",
    );
    q.push(" AND l.org_id = ")
        .bind(org)
        .push(" AND l.year = ")
        .bind(i64::from(year))
        .push(" ORDER BY v.id");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| {
            Ok(VoucherRow {
                id: row.int("id")?,
                expense_id: row.int("expense_id")?,
                file_name: row.text("file_name")?,
                content_type: row.text("content_type")?,
                size: row.int("size")?,
                digest: row.text("digest")?,
                stored_name: row.text("stored_name")?,
                created_by: row.text("created_by")?,
            })
        })
        .collect()
}
