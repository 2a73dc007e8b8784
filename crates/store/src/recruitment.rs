//! 发展党员 (migration 0029): the people on the path to membership, the steps recorded of
//! each, and the half-yearly reviews of activists. Read a person with their branch's path, so
//! that scope is checked on the same row.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::member::Gender;
use dangjian_core::org::OrgPath;
use dangjian_core::recruitment::{RuleVersion, Step};
use dangjian_core::role::Scope;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, RowExt, Sql, date_text, push_org_scope, timestamp_text};

/// A person on the path, with their branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecruitRow {
    pub id: i64,
    pub branch_id: i64,
    pub branch_name: String,
    pub branch_path: OrgPath,
    pub name: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub police_number: Option<String>,
    pub rule_version: RuleVersion,
    pub status: String,
    pub publicity_from: Option<NaiveDate>,
    pub extension_months: Option<u32>,
    pub version: i64,
}

const COLUMNS: &str = "SELECT r.id, r.branch_id, b.name AS branch_name, b.path AS branch_path, \
     r.name, r.gender, r.birth_date, r.police_number, r.rule_version, r.status, r.publicity_from, \
     r.extension_months, r.version FROM recruits r JOIN orgs b ON b.id = r.branch_id WHERE 1 = 1";

fn recruit(row: &AnyRow) -> StoreResult<RecruitRow> {
    Ok(RecruitRow {
        id: row.int("id")?,
        branch_id: row.int("branch_id")?,
        branch_name: row.text("branch_name")?,
        branch_path: row.org_path("branch_path")?,
        name: row.text("name")?,
        gender: row.code("gender", Gender::from_code)?,
        birth_date: row.date("birth_date")?,
        police_number: row.opt_text("police_number")?,
        rule_version: row.code("rule_version", RuleVersion::from_code)?,
        status: row.text("status")?,
        publicity_from: row.opt_date("publicity_from")?,
        extension_months: row
            .opt_int("extension_months")?
            .and_then(|m| u32::try_from(m).ok()),
        version: row.int("version")?,
    })
}

#[derive(Debug, Clone)]
pub struct NewRecruit<'a> {
    pub branch_id: i64,
    pub name: &'a str,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub police_number: Option<&'a str>,
    pub rule_version: RuleVersion,
    pub created_by: &'a str,
}

pub async fn insert(conn: &mut Conn, r: &NewRecruit<'_>, now: DateTime<Utc>) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO recruits (branch_id, name, gender, birth_date, police_number, rule_version, \
         status, version, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'active', 1, $7, $8) RETURNING id",
    )
    .bind(r.branch_id)
    .bind(r.name)
    .bind(r.gender.code())
    .bind(date_text(r.birth_date))
    .bind(r.police_number)
    .bind(r.rule_version.code())
    .bind(r.created_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn get(conn: &mut Conn, id: i64) -> StoreResult<Option<RecruitRow>> {
    let mut q = Sql::new(COLUMNS);
    q.push(" AND r.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(recruit)
        .transpose()
}

/// The people still on the path in scope, by branch and name.
pub async fn active(conn: &mut Conn, scope: &Scope) -> StoreResult<Vec<RecruitRow>> {
    let mut q = Sql::new(COLUMNS);
    q.push(" AND r.status = 'active'");
    push_org_scope(&mut q, scope, "b.path");
    q.push(" ORDER BY b.path, r.name, r.id");
    sql::fetch_all(conn, q).await?.iter().map(recruit).collect()
}

/// A step recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRow {
    pub step: Step,
    pub done_on: NaiveDate,
    pub note: String,
    pub days_late: Option<i64>,
    pub recorded_by: String,
}

/// The steps of the people `ids`, by person.
pub async fn steps(conn: &mut Conn, ids: &[i64]) -> StoreResult<HashMap<i64, Vec<StepRow>>> {
    let mut out: HashMap<i64, Vec<StepRow>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut q = Sql::new(
            "SELECT recruit_id, step, done_on, note, days_late, recorded_by FROM recruit_steps \
             WHERE recruit_id IN (",
        );
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(")");
        for row in sql::fetch_all(&mut *conn, q).await? {
            out.entry(row.int("recruit_id")?)
                .or_default()
                .push(StepRow {
                    step: row.code("step", Step::from_code)?,
                    done_on: row.date("done_on")?,
                    note: row.text("note")?,
                    days_late: row.opt_int("days_late")?,
                    recorded_by: row.text("recorded_by")?,
                });
        }
    }
    for list in out.values_mut() {
        list.sort_by_key(|s| s.step.number());
    }
    Ok(out)
}

/// The review days of the people `ids`.
pub async fn reviews(conn: &mut Conn, ids: &[i64]) -> StoreResult<BTreeMap<i64, Vec<NaiveDate>>> {
    let mut out: BTreeMap<i64, Vec<NaiveDate>> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let mut q =
            Sql::new("SELECT recruit_id, reviewed_on FROM recruit_reviews WHERE recruit_id IN (");
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(") ORDER BY reviewed_on");
        for row in sql::fetch_all(&mut *conn, q).await? {
            out.entry(row.int("recruit_id")?)
                .or_default()
                .push(row.date("reviewed_on")?);
        }
    }
    Ok(out)
}

/// Records a step of a person still at `version` (and moves the version on); false when the
/// person changed meanwhile.
#[allow(clippy::too_many_arguments)]
pub async fn insert_step(
    conn: &mut Conn,
    recruit: i64,
    version: i64,
    step: Step,
    done_on: NaiveDate,
    note: &str,
    days_late: Option<i64>,
    recorded_by: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let moved =
        sqlx::query("UPDATE recruits SET version = version + 1 WHERE id = $1 AND version = $2")
            .bind(recruit)
            .bind(version)
            .execute(&mut *conn)
            .await?;
    if moved.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO recruit_steps (recruit_id, step, done_on, note, days_late, recorded_by, \
         recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(recruit)
    .bind(step.code())
    .bind(date_text(done_on))
    .bind(note)
    .bind(days_late)
    .bind(recorded_by)
    .bind(timestamp_text(now))
    .execute(conn)
    .await?;
    Ok(true)
}

pub async fn insert_review(
    conn: &mut Conn,
    recruit: i64,
    reviewed_on: NaiveDate,
    note: &str,
    recorded_by: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO recruit_reviews (recruit_id, reviewed_on, note, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(recruit)
    .bind(date_text(reviewed_on))
    .bind(note)
    .bind(recorded_by)
    .bind(timestamp_text(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets the first day of the 公示 before 确定发展对象.
pub async fn set_publicity(conn: &mut Conn, recruit: i64, from: NaiveDate) -> StoreResult<()> {
    sqlx::query("UPDATE recruits SET publicity_from = $1 WHERE id = $2")
        .bind(date_text(from))
        .bind(recruit)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends a person's path: `full` once the last step is recorded.
pub async fn set_status(conn: &mut Conn, recruit: i64, status: &str) -> StoreResult<()> {
    sqlx::query("UPDATE recruits SET status = $1 WHERE id = $2")
        .bind(status)
        .bind(recruit)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether someone of this name and birth date is already on the path at the branch.
pub async fn on_path(
    conn: &mut Conn,
    branch: i64,
    name: &str,
    birth_date: NaiveDate,
) -> StoreResult<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM recruits WHERE branch_id = $1 AND name = $2 AND birth_date = $3 \
         AND status = 'active'",
    )
    .bind(branch)
    .bind(name)
    .bind(date_text(birth_date))
    .fetch_one(conn)
    .await?;
    Ok(row.int("n")? > 0)
}
