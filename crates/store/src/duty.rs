//! Responsibility lists, work plans, tasks with their roadmaps and progress reports.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::duty::DutyKind;
use dangjian_core::org::OrgPath;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::rectification::Milestone;
use crate::sql::{self, RowExt, Sql, date_text, timestamp_text};

#[derive(Debug, Clone)]
pub struct DutyRow {
    pub id: i64,
    pub org_id: i64,
    pub kind: DutyKind,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    pub content: String,
    /// The tasks that carry it out.
    pub task_ids: Vec<i64>,
}

pub async fn insert_duty(
    conn: &mut Conn,
    org_id: i64,
    kind: DutyKind,
    member_id: Option<i64>,
    content: &str,
    created_by: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO duties (org_id, kind, member_id, content, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(org_id)
    .bind(kind.code())
    .bind(member_id)
    .bind(content)
    .bind(created_by)
    .bind(timestamp_text(now))
    .fetch_one(&mut *conn)
    .await?
    .int("id")
}

/// An org's responsibility list, by kind then in order of entry.
pub async fn duties(conn: &mut Conn, org_id: i64) -> StoreResult<Vec<DutyRow>> {
    let rows = sqlx::query(
        "SELECT d.id, d.org_id, d.kind, d.member_id, m.name AS member_name, d.content \
         FROM duties d LEFT JOIN members m ON m.id = d.member_id WHERE d.org_id = $1 ORDER BY d.kind, d.id",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?;
    // Every link of the org's duties in one query, not one per duty.
    let links = sqlx::query(
        "SELECT l.duty_id, l.task_id FROM duty_tasks l JOIN duties d ON d.id = l.duty_id \
         WHERE d.org_id = $1 ORDER BY l.task_id",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut tasks_of: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for link in &links {
        tasks_of
            .entry(link.int("duty_id")?)
            .or_default()
            .push(link.int("task_id")?);
    }
    rows.iter()
        .map(|row| {
            let id = row.int("id")?;
            Ok(DutyRow {
                id,
                org_id: row.int("org_id")?,
                kind: row.code("kind", DutyKind::from_code)?,
                member_id: row.opt_int("member_id")?,
                member_name: row.opt_text("member_name")?,
                content: row.text("content")?,
                task_ids: tasks_of.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}

pub async fn duty(conn: &mut Conn, id: i64) -> StoreResult<Option<(i64, OrgPath)>> {
    let row = sqlx::query(
        "SELECT d.org_id, o.path AS org_path FROM duties d JOIN orgs o ON o.id = d.org_id WHERE d.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| Ok((r.int("org_id")?, r.org_path("org_path")?)))
        .transpose()
}

/// Links a duty to a task that carries it out; false when already linked.
pub async fn link(conn: &mut Conn, duty_id: i64, task_id: i64) -> StoreResult<bool> {
    let exists = sqlx::query("SELECT 1 AS one FROM duty_tasks WHERE duty_id = $1 AND task_id = $2")
        .bind(duty_id)
        .bind(task_id)
        .fetch_optional(&mut *conn)
        .await?
        .is_some();
    if exists {
        return Ok(false);
    }
    sqlx::query("INSERT INTO duty_tasks (duty_id, task_id) VALUES ($1, $2)")
        .bind(duty_id)
        .bind(task_id)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

#[derive(Debug, Clone)]
pub struct PlanRow {
    pub id: i64,
    pub org_id: i64,
    pub year: i32,
    pub title: String,
}

pub async fn insert_plan(
    conn: &mut Conn,
    org_id: i64,
    year: i32,
    title: &str,
    created_by: &str,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO work_plans (org_id, year, title, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(org_id)
    .bind(i64::from(year))
    .bind(title)
    .bind(created_by)
    .bind(timestamp_text(now))
    .fetch_one(&mut *conn)
    .await?
    .int("id")
}

pub async fn plan_title_taken(
    conn: &mut Conn,
    org_id: i64,
    year: i32,
    title: &str,
) -> StoreResult<bool> {
    Ok(sqlx::query(
        "SELECT 1 AS one FROM work_plans WHERE org_id = $1 AND year = $2 AND title = $3",
    )
    .bind(org_id)
    .bind(i64::from(year))
    .bind(title)
    .fetch_optional(&mut *conn)
    .await?
    .is_some())
}

fn plan_row(row: &AnyRow) -> StoreResult<PlanRow> {
    Ok(PlanRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        year: i32::try_from(row.int("year")?).unwrap_or(0),
        title: row.text("title")?,
    })
}

pub async fn plans(conn: &mut Conn, org_id: i64, year: i32) -> StoreResult<Vec<PlanRow>> {
    let rows = sqlx::query(
        "SELECT id, org_id, year, title FROM work_plans WHERE org_id = $1 AND year = $2 ORDER BY id",
    )
    .bind(org_id)
    .bind(i64::from(year))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(plan_row).collect()
}

pub async fn plan(conn: &mut Conn, id: i64) -> StoreResult<Option<PlanRow>> {
    let row = sqlx::query("SELECT id, org_id, year, title FROM work_plans WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(plan_row).transpose()
}

/// A task as written.
#[derive(Debug, Clone)]
pub struct NewTask<'a> {
    pub plan_id: i64,
    pub parent_id: Option<i64>,
    pub org_id: i64,
    pub person_member_id: Option<i64>,
    pub title: &'a str,
    pub starts_on: NaiveDate,
    pub deadline: NaiveDate,
    pub milestones: &'a [Milestone],
    pub created_by: &'a str,
}

pub async fn insert_task(conn: &mut Conn, t: &NewTask<'_>, now: DateTime<Utc>) -> StoreResult<i64> {
    let id = sqlx::query(
        "INSERT INTO tasks (plan_id, parent_id, org_id, person_member_id, title, starts_on, deadline, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(t.plan_id)
    .bind(t.parent_id)
    .bind(t.org_id)
    .bind(t.person_member_id)
    .bind(t.title)
    .bind(date_text(t.starts_on))
    .bind(date_text(t.deadline))
    .bind(t.created_by)
    .bind(timestamp_text(now))
    .fetch_one(&mut *conn)
    .await?
    .int("id")?;
    crate::rectification::write_milestones(conn, "task_milestones", "task_id", id, t.milestones)
        .await?;
    Ok(id)
}

#[derive(Debug, Clone)]
pub struct TaskRow {
    pub id: i64,
    pub plan_id: i64,
    pub plan_title: String,
    pub plan_org_id: i64,
    pub year: i32,
    pub parent_id: Option<i64>,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: OrgPath,
    pub person_member_id: Option<i64>,
    pub person_name: Option<String>,
    pub title: String,
    pub starts_on: NaiveDate,
    pub deadline: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub reports: i64,
}

const SELECT_TASK: &str = "SELECT t.id, t.plan_id, p.title AS plan_title, p.org_id AS plan_org_id, p.year, \
     t.parent_id, t.org_id, o.name AS org_name, o.path AS org_path, t.person_member_id, m.name AS person_name, \
     t.title, t.starts_on, t.deadline, t.done_on, \
     (SELECT COUNT(*) FROM task_reports r WHERE r.task_id = t.id) AS reports \
     FROM tasks t JOIN work_plans p ON p.id = t.plan_id JOIN orgs o ON o.id = t.org_id \
     LEFT JOIN members m ON m.id = t.person_member_id";

fn task_row(row: &AnyRow) -> StoreResult<TaskRow> {
    Ok(TaskRow {
        id: row.int("id")?,
        plan_id: row.int("plan_id")?,
        plan_title: row.text("plan_title")?,
        plan_org_id: row.int("plan_org_id")?,
        year: i32::try_from(row.int("year")?).unwrap_or(0),
        parent_id: row.opt_int("parent_id")?,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        org_path: row.org_path("org_path")?,
        person_member_id: row.opt_int("person_member_id")?,
        person_name: row.opt_text("person_name")?,
        title: row.text("title")?,
        starts_on: row.date("starts_on")?,
        deadline: row.date("deadline")?,
        done_on: row.opt_date("done_on")?,
        reports: row.int("reports")?,
    })
}

pub async fn task(conn: &mut Conn, id: i64) -> StoreResult<Option<TaskRow>> {
    let mut sql = Sql::new(SELECT_TASK);
    sql.push(" WHERE t.id = ").bind(id);
    sql::fetch_all(conn, sql)
        .await?
        .first()
        .map(task_row)
        .transpose()
}

/// The tasks of a plan (every level), in tree order by id.
pub async fn plan_tasks(conn: &mut Conn, plan_id: i64) -> StoreResult<Vec<TaskRow>> {
    let mut sql = Sql::new(SELECT_TASK);
    sql.push(" WHERE t.plan_id = ")
        .bind(plan_id)
        .push(" ORDER BY t.id");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(task_row)
        .collect()
}

/// The tasks below a task.
pub async fn children(conn: &mut Conn, id: i64) -> StoreResult<Vec<TaskRow>> {
    let mut sql = Sql::new(SELECT_TASK);
    sql.push(" WHERE t.parent_id = ")
        .bind(id)
        .push(" ORDER BY o.path, t.id");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(task_row)
        .collect()
}

/// Tasks an org owns in a year, whoever issued them.
pub async fn tasks_of_org(conn: &mut Conn, org_id: i64, year: i32) -> StoreResult<Vec<TaskRow>> {
    let mut sql = Sql::new(SELECT_TASK);
    sql.push(" WHERE t.org_id = ")
        .bind(org_id)
        .push(" AND p.year = ")
        .bind(i64::from(year))
        .push(" ORDER BY t.deadline, t.id");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(task_row)
        .collect()
}

/// Unfinished tasks a member owns.
pub async fn open_tasks_of_member(conn: &mut Conn, member_id: i64) -> StoreResult<Vec<TaskRow>> {
    let mut sql = Sql::new(SELECT_TASK);
    sql.push(" WHERE t.done_on IS NULL AND t.person_member_id = ")
        .bind(member_id)
        .push(" ORDER BY t.deadline, t.id");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(task_row)
        .collect()
}

pub async fn milestones(conn: &mut Conn, task_id: i64) -> StoreResult<Vec<Milestone>> {
    crate::rectification::read_milestones(conn, "task_milestones", "task_id", task_id).await
}

#[derive(Debug, Clone)]
pub struct ReportRow {
    pub note: String,
    pub finished: bool,
    pub login: String,
    pub at: DateTime<Utc>,
}

/// Records a progress report; a finishing report marks the task done on `on` (false when it
/// was already done).
pub async fn insert_report(
    conn: &mut Conn,
    task_id: i64,
    note: &str,
    finish_on: Option<NaiveDate>,
    login: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    if let Some(on) = finish_on {
        let done = sqlx::query("UPDATE tasks SET done_on = $1 WHERE id = $2 AND done_on IS NULL")
            .bind(date_text(on))
            .bind(task_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if done == 0 {
            return Ok(false);
        }
    }
    sqlx::query(
        "INSERT INTO task_reports (task_id, note, finished, login, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(task_id)
    .bind(note)
    .bind(i64::from(finish_on.is_some()))
    .bind(login)
    .bind(timestamp_text(now))
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

pub async fn reports(conn: &mut Conn, task_id: i64) -> StoreResult<Vec<ReportRow>> {
    let rows = sqlx::query(
        "SELECT note, finished, login, at FROM task_reports WHERE task_id = $1 ORDER BY id DESC",
    )
    .bind(task_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ReportRow {
                note: row.text("note")?,
                finished: row.flag("finished")?,
                login: row.text("login")?,
                at: row.timestamp("at")?,
            })
        })
        .collect()
}

/// The posts a member holds now on an org's committee.
pub async fn current_posts(
    conn: &mut Conn,
    org_id: i64,
    member_id: i64,
) -> StoreResult<Vec<String>> {
    let rows = sqlx::query(
        "SELECT post FROM org_posts WHERE org_id = $1 AND member_id = $2 AND valid_to IS NULL",
    )
    .bind(org_id)
    .bind(member_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| r.text("post")).collect()
}

/// The first org at the top of the tree.
pub async fn first_root(conn: &mut Conn) -> StoreResult<Option<i64>> {
    let row = sqlx::query(
        "SELECT id FROM orgs WHERE parent_id IS NULL AND dissolved_on IS NULL ORDER BY id LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| r.int("id")).transpose()
}
