//! 党费 (migration 0025): assessments, hardship reductions, the charges of each month and the
//! payments. A charge is written once per member and month, at the org holding the member's
//! relation that month, so that a transfer later does not move an old month; the reports sum
//! charges by that org. Lists of people to chase (arrears, the six-month rule) follow the
//! member's branch today.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::dues::{DuesCategory, Month, MonthState, PaymentKind, Totals};
use dangjian_core::money::Fen;
use dangjian_core::org::OrgPath;
use dangjian_core::role::Scope;
use sqlx::any::AnyRow;

use crate::bulk::insert_rows;
use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, RowExt, Sql, date_text, push_org_scope, push_within, timestamp_text};

/// The members on a branch's roll: the statuses that still owe dues.
const ON_ROLL: &str = " AND m.status IN ('active', 'lost_contact')";

#[derive(Debug, Clone)]
pub struct NewAssessment<'a> {
    pub member_id: i64,
    pub from_month: Month,
    pub category: DuesCategory,
    pub pay_sealed: Option<&'a str>,
    pub monthly: Fen,
    pub reason: &'a str,
    pub recorded_by: &'a str,
}

/// An assessment as stored; the pay stays sealed here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentRow {
    pub id: i64,
    pub member_id: i64,
    pub from_month: Month,
    pub category: DuesCategory,
    pub pay_sealed: Option<String>,
    pub monthly: Fen,
    pub reason: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

fn month(row: &AnyRow, column: &'static str) -> StoreResult<Month> {
    let value = row.text(column)?;
    Month::parse(&value).ok_or(crate::error::StoreError::Corrupt { column, value })
}

/// Records an assessment from its month; one recorded for the same month before is replaced
/// (a correction), so a month has one assessment.
pub async fn put_assessment(
    conn: &mut Conn,
    a: &NewAssessment<'_>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM dues_assessments WHERE member_id = $1 AND from_month = $2")
        .bind(a.member_id)
        .bind(a.from_month.to_string())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO dues_assessments (member_id, from_month, category, pay_sealed, monthly_fen, \
         reason, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(a.member_id)
    .bind(a.from_month.to_string())
    .bind(a.category.code())
    .bind(a.pay_sealed)
    .bind(a.monthly.0)
    .bind(a.reason)
    .bind(a.recorded_by)
    .bind(timestamp_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// A member's assessments, newest month first.
pub async fn assessments_of(conn: &mut Conn, member: i64) -> StoreResult<Vec<AssessmentRow>> {
    let rows = sqlx::query(
        "SELECT id, member_id, from_month, category, pay_sealed, monthly_fen, reason, recorded_by, \
         recorded_at FROM dues_assessments WHERE member_id = $1 ORDER BY from_month DESC",
    )
    .bind(member)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AssessmentRow {
                id: row.int("id")?,
                member_id: row.int("member_id")?,
                from_month: month(row, "from_month")?,
                category: row.code("category", DuesCategory::from_code)?,
                pay_sealed: row.opt_text("pay_sealed")?,
                monthly: Fen(row.int("monthly_fen")?),
                reason: row.text("reason")?,
                recorded_by: row.text("recorded_by")?,
                recorded_at: row.timestamp("recorded_at")?,
            })
        })
        .collect()
}

/// A hardship reduction as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReductionRow {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub branch_name: String,
    pub branch_path: OrgPath,
    pub from_month: Month,
    pub to_month: Month,
    pub monthly: Fen,
    pub reason: String,
    pub branch_decided_on: NaiveDate,
    pub status: String,
    pub decided_on: Option<NaiveDate>,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewReduction<'a> {
    pub member_id: i64,
    pub from_month: Month,
    pub to_month: Month,
    pub monthly: Fen,
    pub reason: &'a str,
    pub branch_decided_on: NaiveDate,
    pub created_by: &'a str,
}

const REDUCTION_COLUMNS: &str = "SELECT r.id, r.member_id, m.name AS member_name, b.name AS branch_name, \
     b.path AS branch_path, r.from_month, r.to_month, r.monthly_fen, r.reason, r.branch_decided_on, \
     r.status, r.decided_on, r.decided_by, r.decision_note, r.version \
     FROM dues_reductions r JOIN members m ON m.id = r.member_id JOIN orgs b ON b.id = m.branch_id \
     WHERE 1 = 1";

fn reduction(row: &AnyRow) -> StoreResult<ReductionRow> {
    Ok(ReductionRow {
        id: row.int("id")?,
        member_id: row.int("member_id")?,
        member_name: row.text("member_name")?,
        branch_name: row.text("branch_name")?,
        branch_path: row.org_path("branch_path")?,
        from_month: month(row, "from_month")?,
        to_month: month(row, "to_month")?,
        monthly: Fen(row.int("monthly_fen")?),
        reason: row.text("reason")?,
        branch_decided_on: row.date("branch_decided_on")?,
        status: row.text("status")?,
        decided_on: row.opt_date("decided_on")?,
        decided_by: row.opt_text("decided_by")?,
        decision_note: row.opt_text("decision_note")?,
        version: row.int("version")?,
    })
}

pub async fn insert_reduction(
    conn: &mut Conn,
    r: &NewReduction<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO dues_reductions (member_id, from_month, to_month, monthly_fen, reason, \
         branch_decided_on, status, version, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'proposed', 1, $7, $8) RETURNING id",
    )
    .bind(r.member_id)
    .bind(r.from_month.to_string())
    .bind(r.to_month.to_string())
    .bind(r.monthly.0)
    .bind(r.reason)
    .bind(date_text(r.branch_decided_on))
    .bind(r.created_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn reduction_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<ReductionRow>> {
    let mut q = Sql::new(REDUCTION_COLUMNS);
    q.push(" AND r.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(reduction)
        .transpose()
}

/// The reductions of members in scope (of one status, or all), newest first.
pub async fn reductions(
    conn: &mut Conn,
    scope: &Scope,
    status: Option<&str>,
) -> StoreResult<Vec<ReductionRow>> {
    let mut q = Sql::new(REDUCTION_COLUMNS);
    match scope {
        Scope::OwnRecord { member_id } => {
            q.push(" AND r.member_id = ").bind(*member_id);
        }
        other => push_org_scope(&mut q, other, "b.path"),
    }
    if let Some(status) = status {
        q.push(" AND r.status = ").bind(status.to_owned());
    }
    q.push(" ORDER BY r.created_at DESC, r.id DESC LIMIT 500");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(reduction)
        .collect()
}

/// Decides a proposed reduction still at `version`; false when it changed meanwhile.
pub async fn decide_reduction(
    conn: &mut Conn,
    id: i64,
    version: i64,
    status: &str,
    decided_on: NaiveDate,
    decided_by: &str,
    note: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE dues_reductions SET status = $1, decided_on = $2, decided_by = $3, decision_note = $4, \
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

/// A member on the roll in a month, with the assessment in force then (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Liable {
    pub member_id: i64,
    pub branch_id: i64,
    pub assessed: Option<Fen>,
}

/// The members in scope on the roll, who had joined by the end of `month` (R3.8: a
/// probationary member pays from the branch meeting's day), with no charge for `month` yet,
/// each with the assessment in force that month.
pub async fn liable_without_charge(
    conn: &mut Conn,
    scope: &Scope,
    month: Month,
) -> StoreResult<Vec<Liable>> {
    let mut q = Sql::new(
        "SELECT m.id, m.branch_id, (SELECT a.monthly_fen FROM dues_assessments a WHERE a.member_id = m.id \
         AND a.from_month <= ",
    );
    q.bind(month.to_string())
        .push(" ORDER BY a.from_month DESC LIMIT 1) AS assessed FROM members m JOIN orgs b ON b.id = m.branch_id WHERE m.joined_on < ")
        .bind(date_text(month.plus(1).first_day()))
        .push(ON_ROLL)
        .push(" AND NOT EXISTS (SELECT 1 FROM dues_charges c WHERE c.member_id = m.id AND c.month = ")
        .bind(month.to_string())
        .push(")");
    push_member_scope(&mut q, scope);
    let rows = sql::fetch_all(conn, q).await?;
    rows.iter()
        .map(|row| {
            Ok(Liable {
                member_id: row.int("id")?,
                branch_id: row.int("branch_id")?,
                assessed: row.opt_int("assessed")?.map(Fen),
            })
        })
        .collect()
}

fn push_member_scope(q: &mut Sql, scope: &Scope) {
    match scope {
        Scope::OwnRecord { member_id } => {
            q.push(" AND m.id = ").bind(*member_id);
        }
        other => push_org_scope(q, other, "b.path"),
    }
}

/// The approved reductions in force in `month`, by member: the lowest amount when several
/// overlap.
pub async fn reductions_in_force(
    conn: &mut Conn,
    month: Month,
    member: Option<i64>,
) -> StoreResult<BTreeMap<i64, Fen>> {
    let mut q = Sql::new(
        "SELECT member_id, MIN(monthly_fen) AS monthly_fen FROM dues_reductions WHERE status = 'approved' \
         AND from_month <= ",
    );
    q.bind(month.to_string())
        .push(" AND to_month >= ")
        .bind(month.to_string());
    if let Some(member) = member {
        q.push(" AND member_id = ").bind(member);
    }
    q.push(" GROUP BY member_id");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| Ok((row.int("member_id")?, Fen(row.int("monthly_fen")?))))
        .collect()
}

/// A charge to write.
#[derive(Debug, Clone, Copy)]
pub struct NewCharge {
    pub member_id: i64,
    pub org_id: i64,
    pub assessed: Fen,
    pub due: Fen,
    /// Nothing for a month's run; generated data may be written paid.
    pub paid: Fen,
}

/// Writes the charges of `month`, many rows a statement.
pub async fn insert_charges(
    conn: &mut Conn,
    month: Month,
    charges: &[NewCharge],
) -> StoreResult<()> {
    let month = month.to_string();
    insert_rows(
        conn,
        "INSERT INTO dues_charges (member_id, month, org_id, assessed_fen, due_fen, paid_fen) VALUES ",
        charges,
        |q, c| {
            q.bind(c.member_id)
                .push(", ")
                .bind(month.clone())
                .push(", ")
                .bind(c.org_id)
                .push(", ")
                .bind(c.assessed.0)
                .push(", ")
                .bind(c.due.0)
                .push(", ")
                .bind(c.paid.0);
        },
    )
    .await
}

/// The months of a member's charges from `from` on, to reckon again after an assessment or a
/// reduction changed.
pub async fn charge_months_from(
    conn: &mut Conn,
    member: i64,
    from: Month,
) -> StoreResult<Vec<Month>> {
    let rows = sqlx::query(
        "SELECT month FROM dues_charges WHERE member_id = $1 AND month >= $2 ORDER BY month",
    )
    .bind(member)
    .bind(from.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| month(row, "month")).collect()
}

/// The assessment in force in `month` for a member.
pub async fn assessed_in(conn: &mut Conn, member: i64, at: Month) -> StoreResult<Option<Fen>> {
    let row = sqlx::query(
        "SELECT monthly_fen FROM dues_assessments WHERE member_id = $1 AND from_month <= $2 \
         ORDER BY from_month DESC LIMIT 1",
    )
    .bind(member)
    .bind(at.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(|r| r.int("monthly_fen").map(Fen)).transpose()
}

/// Sets the amounts of a charge already written (its org stays where it was).
pub async fn update_charge(
    conn: &mut Conn,
    member: i64,
    at: Month,
    assessed: Fen,
    due: Fen,
) -> StoreResult<()> {
    sqlx::query("UPDATE dues_charges SET assessed_fen = $1, due_fen = $2 WHERE member_id = $3 AND month = $4")
        .bind(assessed.0)
        .bind(due.0)
        .bind(member)
        .bind(at.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// The months of a member's dues between two months (inclusive): what was due and what was
/// paid for each (voluntary payments apart).
pub async fn member_months(
    conn: &mut Conn,
    member: i64,
    from: Month,
    to: Month,
) -> StoreResult<Vec<MonthState>> {
    let rows = sqlx::query(
        "SELECT month, due_fen, paid_fen AS paid FROM dues_charges \
         WHERE member_id = $1 AND month >= $2 AND month <= $3 ORDER BY month",
    )
    .bind(member)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(MonthState {
                month: month(row, "month")?,
                due: Fen(row.int("due_fen")?),
                paid: Fen(row.int("paid")?),
            })
        })
        .collect()
}

/// What was paid for one member and month (voluntary payments apart), and whether the month
/// has a charge.
pub async fn month_of(conn: &mut Conn, member: i64, at: Month) -> StoreResult<Option<MonthState>> {
    Ok(member_months(conn, member, at, at).await?.pop())
}

#[derive(Debug, Clone)]
pub struct NewPayment<'a> {
    pub member_id: i64,
    pub org_id: i64,
    pub month: Month,
    pub kind: PaymentKind,
    pub amount: Fen,
    pub paid_on: NaiveDate,
    pub proxy: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub to_centre: bool,
    pub recorded_by: &'a str,
    /// The bank's reference of a collected payment, and the import that brought it.
    pub bank_ref: Option<&'a str>,
    pub import_id: Option<i64>,
}

/// Records a payment; one for a month's dues (not a voluntary one) is added to that month's
/// charge in the same transaction.
pub async fn insert_payment(
    conn: &mut Conn,
    p: &NewPayment<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    if p.kind != PaymentKind::Voluntary {
        sqlx::query(
            "UPDATE dues_charges SET paid_fen = paid_fen + $1 WHERE member_id = $2 AND month = $3",
        )
        .bind(p.amount.0)
        .bind(p.member_id)
        .bind(p.month.to_string())
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "INSERT INTO dues_payments (member_id, org_id, month, kind, amount_fen, paid_on, proxy, reason, \
         to_centre, recorded_by, recorded_at, bank_ref, import_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(p.member_id)
    .bind(p.org_id)
    .bind(p.month.to_string())
    .bind(p.kind.code())
    .bind(p.amount.0)
    .bind(date_text(p.paid_on))
    .bind(p.proxy)
    .bind(p.reason)
    .bind(i64::from(p.to_centre))
    .bind(p.recorded_by)
    .bind(timestamp_text(now))
    .bind(p.bank_ref)
    .bind(p.import_id)
    .fetch_one(conn)
    .await?
    .int("id")
}

/// A payment as stored, with the member's name and the org that received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub org_name: String,
    pub month: Month,
    pub kind: PaymentKind,
    pub amount: Fen,
    pub paid_on: NaiveDate,
    pub proxy: Option<String>,
    pub reason: Option<String>,
    pub to_centre: bool,
    pub recorded_by: String,
    pub bank_ref: Option<String>,
}

const PAYMENT_COLUMNS: &str = "SELECT p.id, p.member_id, m.name AS member_name, o.name AS org_name, \
     p.month, p.kind, p.amount_fen, p.paid_on, p.proxy, p.reason, p.to_centre, p.recorded_by, p.bank_ref \
     FROM dues_payments p JOIN members m ON m.id = p.member_id JOIN orgs o ON o.id = p.org_id WHERE 1 = 1";

fn payment(row: &AnyRow) -> StoreResult<PaymentRow> {
    Ok(PaymentRow {
        id: row.int("id")?,
        member_id: row.int("member_id")?,
        member_name: row.text("member_name")?,
        org_name: row.text("org_name")?,
        month: month(row, "month")?,
        kind: row.code("kind", PaymentKind::from_code)?,
        amount: Fen(row.int("amount_fen")?),
        paid_on: row.date("paid_on")?,
        proxy: row.opt_text("proxy")?,
        reason: row.opt_text("reason")?,
        to_centre: row.flag("to_centre")?,
        recorded_by: row.text("recorded_by")?,
        bank_ref: row.opt_text("bank_ref")?,
    })
}

/// A member's payments, newest first.
pub async fn payments_of(conn: &mut Conn, member: i64) -> StoreResult<Vec<PaymentRow>> {
    let mut q = Sql::new(PAYMENT_COLUMNS);
    q.push(" AND p.member_id = ")
        .bind(member)
        .push(" ORDER BY p.paid_on DESC, p.id DESC");
    sql::fetch_all(conn, q).await?.iter().map(payment).collect()
}

pub async fn payment_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<PaymentRow>> {
    let mut q = Sql::new(PAYMENT_COLUMNS);
    q.push(" AND p.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(payment)
        .transpose()
}

/// The voluntary payments that go whole to the centre (R3.11), in scope, of a year.
pub async fn to_centre(conn: &mut Conn, scope: &Scope, year: i32) -> StoreResult<Vec<PaymentRow>> {
    let mut q = Sql::new(PAYMENT_COLUMNS);
    q.push(" AND p.to_centre = 1 AND p.month >= ")
        .bind(format!("{year:04}-01"))
        .push(" AND p.month <= ")
        .bind(format!("{year:04}-12"));
    push_org_scope(&mut q, scope, "o.path");
    q.push(" ORDER BY p.paid_on, p.id");
    sql::fetch_all(conn, q).await?.iter().map(payment).collect()
}

/// One line of a branch's month: a member on the roll, what is due and paid for the month
/// (None when the month's charge is not written: not yet run, or not assessed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub member_id: i64,
    /// Whether the member still belongs here (their branch today is in the subtree).
    pub here: bool,
    pub name: String,
    pub police_number: Option<String>,
    pub assessed: Option<Fen>,
    pub due: Option<Fen>,
    pub paid: Fen,
}

/// A month of an org's subtree as the reconciliation counts it: every charge held there that
/// month (a member since transferred or deceased included), then the members on the roll
/// there with no charge yet (not run, or not assessed).
pub async fn sheet(conn: &mut Conn, path: &OrgPath, at: Month) -> StoreResult<Vec<SheetRow>> {
    // `here`: whether the member's branch today is still in the subtree (one transferred out
    // since is paid for by their new branch).
    let mut q = Sql::new(
        "SELECT m.id, m.name, m.police_number, c.assessed_fen, c.due_fen, c.paid_fen AS paid, \
         (SELECT COUNT(*) FROM orgs h WHERE h.id = m.branch_id",
    );
    push_within(&mut q, path, "h.path");
    q.push(
        ") AS here FROM dues_charges c JOIN orgs o ON o.id = c.org_id \
         JOIN members m ON m.id = c.member_id WHERE c.month = ",
    )
    .bind(at.to_string());
    push_within(&mut q, path, "o.path");
    q.push(
        " UNION ALL SELECT m.id, m.name, m.police_number, NULL, NULL, 0, 1 FROM members m \
         JOIN orgs b ON b.id = m.branch_id WHERE m.joined_on < ",
    )
    .bind(date_text(at.plus(1).first_day()))
    .push(ON_ROLL);
    push_within(&mut q, path, "b.path");
    q.push(" AND NOT EXISTS (SELECT 1 FROM dues_charges x WHERE x.member_id = m.id AND x.month = ")
        .bind(at.to_string())
        .push(") ORDER BY 2, 1");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| {
            Ok(SheetRow {
                member_id: row.int("id")?,
                name: row.text("name")?,
                police_number: row.opt_text("police_number")?.filter(|p| !p.is_empty()),
                assessed: row.opt_int("assessed_fen")?.map(Fen),
                due: row.opt_int("due_fen")?.map(Fen),
                paid: Fen(row.int("paid")?),
                here: row.int("here")? > 0,
            })
        })
        .collect()
}

/// Each branch's totals for the months between `from` and `to` (inclusive), by the org
/// that held each charge: the input of the roll-up. The members counted are those charged in
/// the period's last month.
pub async fn branch_totals(
    conn: &mut Conn,
    scope: &Scope,
    from: Month,
    to: Month,
) -> StoreResult<Vec<(OrgPath, Totals)>> {
    // Summed by org from the covering index first, then named: the orgs are few. The members
    // are those charged in the last month of the period (a count of distinct members over a
    // year cost PostgreSQL a sort of every charge).
    let mut q = Sql::new(
        "SELECT o.path, t.members, t.due, t.paid, t.owed FROM (SELECT org_id, \
         CAST(SUM(CASE WHEN month = ",
    );
    q.bind(to.to_string())
        .push(
            " THEN 1 ELSE 0 END) AS BIGINT) AS members, CAST(SUM(due_fen) AS BIGINT) AS due, \
             CAST(SUM(paid_fen) AS BIGINT) AS paid, \
             CAST(SUM(CASE WHEN due_fen > paid_fen THEN due_fen - paid_fen ELSE 0 END) AS BIGINT) AS owed \
             FROM dues_charges WHERE month >= ",
        )
        .bind(from.to_string())
        .push(" AND month <= ")
        .bind(to.to_string())
        .push(" GROUP BY org_id) t JOIN orgs o ON o.id = t.org_id WHERE 1 = 1");
    push_org_scope(&mut q, scope, "o.path");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.org_path("path")?,
                Totals {
                    members: row.int("members")? as u64,
                    due: Fen(row.int("due")?),
                    paid: Fen(row.int("paid")?),
                    owed: Fen(row.int("owed")?),
                },
            ))
        })
        .collect()
}

/// A member who owes for months before `before`, with the months owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owing {
    pub member_id: i64,
    pub name: String,
    pub branch_id: i64,
    pub branch_name: String,
    pub months: Vec<MonthState>,
}

/// The members in scope (by their branch today) with a month before `before` not paid in
/// full, and every charged month of theirs before `before` (what is owed, and the run of
/// unpaid months; however old a debt, it stays on the list).
pub async fn owing(conn: &mut Conn, scope: &Scope, before: Month) -> StoreResult<Vec<Owing>> {
    // Those owing come from the partial index of months not paid in full.
    let mut q = Sql::new(
        "SELECT m.id, m.name, m.branch_id, b.name AS branch_name, c.month, c.due_fen, c.paid_fen AS paid \
         FROM dues_charges c JOIN members m ON m.id = c.member_id JOIN orgs b ON b.id = m.branch_id \
         WHERE c.month < ",
    );
    q.bind(before.to_string()).push(ON_ROLL);
    push_member_scope(&mut q, scope);
    q.push(" AND m.id IN (SELECT x.member_id FROM dues_charges x WHERE x.paid_fen < x.due_fen AND x.month < ")
        .bind(before.to_string())
        .push(") ORDER BY b.path, m.name, m.id, c.month");
    let rows = sql::fetch_all(conn, q).await?;
    let mut found: Vec<Owing> = Vec::new();
    for row in &rows {
        let id = row.int("id")?;
        let state = MonthState {
            month: month(row, "month")?,
            due: Fen(row.int("due_fen")?),
            paid: Fen(row.int("paid")?),
        };
        match found.last_mut() {
            Some(last) if last.member_id == id => last.months.push(state),
            _ => found.push(Owing {
                member_id: id,
                name: row.text("name")?,
                branch_id: row.int("branch_id")?,
                branch_name: row.text("branch_name")?,
                months: vec![state],
            }),
        }
    }
    Ok(found)
}

/// How many members in scope on the roll have no assessment in force in `at`.
pub async fn unassessed(conn: &mut Conn, path: &OrgPath, at: Month) -> StoreResult<i64> {
    let mut q = Sql::new(
        "SELECT COUNT(*) AS n FROM members m JOIN orgs b ON b.id = m.branch_id WHERE m.joined_on < ",
    );
    q.bind(date_text(at.plus(1).first_day()))
        .push(ON_ROLL)
        .push(" AND NOT EXISTS (SELECT 1 FROM dues_assessments a WHERE a.member_id = m.id AND a.from_month <= ")
        .bind(at.to_string())
        .push(")");
    push_within(&mut q, path, "b.path");
    sql::fetch_one(conn, q).await?.int("n")
}

/// Sealed pay after `after` (by id), a batch at a time, for re-encryption after a key
/// rotation: (id, member, month, sealed).
pub async fn sealed_pay_after(
    conn: &mut Conn,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<(i64, i64, Month, String)>> {
    let rows = sqlx::query(
        "SELECT id, member_id, from_month, pay_sealed FROM dues_assessments \
         WHERE id > $1 AND pay_sealed IS NOT NULL ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.int("id")?,
                row.int("member_id")?,
                month(row, "from_month")?,
                row.text("pay_sealed")?,
            ))
        })
        .collect()
}

pub async fn reseal_pay(conn: &mut Conn, id: i64, sealed: &str) -> StoreResult<()> {
    sqlx::query("UPDATE dues_assessments SET pay_sealed = $1 WHERE id = $2")
        .bind(sealed)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// An assessment for the bulk load of generated data (the demo).
#[derive(Debug, Clone)]
pub struct BulkAssessment {
    pub member_id: i64,
    pub from_month: Month,
    pub category: DuesCategory,
    pub pay_sealed: Option<String>,
    pub monthly: Fen,
    pub reason: &'static str,
}

pub async fn insert_assessments_bulk(
    conn: &mut Conn,
    rows: &[BulkAssessment],
    recorded_by: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let by = recorded_by.to_owned();
    let at = timestamp_text(now);
    insert_rows(
        conn,
        "INSERT INTO dues_assessments (member_id, from_month, category, pay_sealed, monthly_fen, \
         reason, recorded_by, recorded_at) VALUES ",
        rows,
        |q, a| {
            q.bind(a.member_id)
                .push(", ")
                .bind(a.from_month.to_string())
                .push(", ")
                .bind(a.category.code())
                .push(", ")
                .bind(a.pay_sealed.clone())
                .push(", ")
                .bind(a.monthly.0)
                .push(", ")
                .bind(a.reason)
                .push(", ")
                .bind(by.clone())
                .push(", ")
                .bind(at.clone());
        },
    )
    .await
}

/// A payment for the bulk load of generated data (the demo), whose month's charge was
/// written with it already paid (see [`NewCharge::paid`]).
#[derive(Debug, Clone)]
pub struct BulkPayment {
    pub member_id: i64,
    pub org_id: i64,
    pub month: Month,
    pub kind: PaymentKind,
    pub amount: Fen,
    pub paid_on: NaiveDate,
    pub proxy: Option<&'static str>,
    pub to_centre: bool,
}

pub async fn insert_payments_bulk(
    conn: &mut Conn,
    rows: &[BulkPayment],
    recorded_by: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let by = recorded_by.to_owned();
    let at = timestamp_text(now);
    insert_rows(
        conn,
        "INSERT INTO dues_payments (member_id, org_id, month, kind, amount_fen, paid_on, proxy, \
         to_centre, recorded_by, recorded_at) VALUES ",
        rows,
        |q, p| {
            q.bind(p.member_id)
                .push(", ")
                .bind(p.org_id)
                .push(", ")
                .bind(p.month.to_string())
                .push(", ")
                .bind(p.kind.code())
                .push(", ")
                .bind(p.amount.0)
                .push(", ")
                .bind(date_text(p.paid_on))
                .push(", ")
                .bind(p.proxy)
                .push(", ")
                .bind(i64::from(p.to_centre))
                .push(", ")
                .bind(by.clone())
                .push(", ")
                .bind(at.clone());
        },
    )
    .await
}

/// A member's year at an org: what was due and paid for the months their relation was there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearLine {
    pub member_id: i64,
    pub name: String,
    pub police_number: Option<String>,
    pub months: i64,
    pub due: Fen,
    pub paid: Fen,
}

/// The members charged at an org (and the orgs below it) in `year`, with their year's sums.
pub async fn year_lines(conn: &mut Conn, path: &OrgPath, year: i32) -> StoreResult<Vec<YearLine>> {
    let mut q = Sql::new(
        "SELECT m.id, m.name, m.police_number, t.months, t.due, t.paid FROM (SELECT c.member_id, \
         COUNT(*) AS months, CAST(SUM(c.due_fen) AS BIGINT) AS due, CAST(SUM(c.paid_fen) AS BIGINT) AS paid \
         FROM dues_charges c JOIN orgs o ON o.id = c.org_id WHERE c.month >= ",
    );
    q.bind(format!("{year:04}-01"))
        .push(" AND c.month <= ")
        .bind(format!("{year:04}-12"));
    push_within(&mut q, path, "o.path");
    q.push(" GROUP BY c.member_id) t JOIN members m ON m.id = t.member_id ORDER BY m.name, m.id");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| {
            Ok(YearLine {
                member_id: row.int("id")?,
                name: row.text("name")?,
                police_number: row.opt_text("police_number")?.filter(|p| !p.is_empty()),
                months: row.int("months")?,
                due: Fen(row.int("due")?),
                paid: Fen(row.int("paid")?),
            })
        })
        .collect()
}

/// The voluntary payments received at an org (and below) in `year`: all of them, and those
/// that go whole to the centre.
pub async fn voluntary(conn: &mut Conn, path: &OrgPath, year: i32) -> StoreResult<(Fen, Fen)> {
    let mut q = Sql::new(
        "SELECT CAST(COALESCE(SUM(p.amount_fen), 0) AS BIGINT) AS total, \
         CAST(COALESCE(SUM(CASE WHEN p.to_centre = 1 THEN p.amount_fen ELSE 0 END), 0) AS BIGINT) AS centre \
         FROM dues_payments p JOIN orgs o ON o.id = p.org_id WHERE p.kind = 'voluntary' AND p.month >= ",
    );
    q.bind(format!("{year:04}-01"))
        .push(" AND p.month <= ")
        .bind(format!("{year:04}-12"));
    push_within(&mut q, path, "o.path");
    let row = sql::fetch_one(conn, q).await?;
    Ok((Fen(row.int("total")?), Fen(row.int("centre")?)))
}

/// For each org at or below `root` that charged dues in the months `[from, to)`: how many
/// monthly charges it made and how many of them are paid in full (what the assessment's
/// dues indicator reads: 按月交纳率).
pub async fn months_paid_under(
    conn: &mut Conn,
    root: &OrgPath,
    from: Month,
    to: Month,
) -> StoreResult<Vec<(i64, i64, i64)>> {
    let mut q = Sql::new(
        "SELECT c.org_id, COUNT(*) AS due, SUM(CASE WHEN c.paid_fen >= c.due_fen THEN 1 ELSE 0 END) AS paid \
         FROM dues_charges c JOIN orgs o ON o.id = c.org_id WHERE c.month >= ",
    );
    q.bind(from.to_string())
        .push(" AND c.month < ")
        .bind(to.to_string());
    push_within(&mut q, root, "o.path");
    q.push(" GROUP BY c.org_id");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| Ok((row.int("org_id")?, row.int("due")?, row.int("paid")?)))
        .collect()
}
