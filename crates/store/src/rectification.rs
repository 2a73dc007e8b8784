//! Inspections, their findings, the rectification each assigned org owes, its measures and
//! milestones, and the history of every step with its evidence files.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::org::OrgPath;
use dangjian_core::rectification::{FindingCategory, Stage};
use dangjian_core::role::Scope;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, RowExt, Sql, date_text, push_org_scope, timestamp_text};

/// An inspection as recorded.
#[derive(Debug, Clone)]
pub struct NewInspection<'a> {
    pub org_id: i64,
    pub title: &'a str,
    pub inspector: &'a str,
    pub inspected_from: NaiveDate,
    pub inspected_to: NaiveDate,
    pub scope_note: &'a str,
    pub feedback_ref: &'a str,
    pub feedback_on: NaiveDate,
    pub created_by: &'a str,
}

#[derive(Debug, Clone)]
pub struct InspectionRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: OrgPath,
    pub title: String,
    pub inspector: String,
    pub inspected_from: NaiveDate,
    pub inspected_to: NaiveDate,
    pub scope_note: String,
    pub feedback_ref: String,
    pub feedback_on: NaiveDate,
    pub created_by: String,
}

#[derive(Debug, Clone)]
pub struct FindingRow {
    pub id: i64,
    pub position: i64,
    pub problem: String,
    pub category: FindingCategory,
}

/// An org's rectification of a finding, with what the lists show beside it.
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub id: i64,
    pub inspection_id: i64,
    pub inspection_title: String,
    pub finding_id: i64,
    pub finding_position: i64,
    pub problem: String,
    pub category: FindingCategory,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: OrgPath,
    pub stage: Stage,
    pub deadline: NaiveDate,
    pub due_on: NaiveDate,
    pub cause: Option<String>,
    pub claimed_by: Option<i64>,
    pub closed_on: Option<NaiveDate>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Milestone {
    pub due_on: NaiveDate,
    pub content: String,
}

/// A measure as written.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureContent {
    pub content: String,
    pub leader_member_id: i64,
    pub org_id: i64,
    pub person_member_id: i64,
    pub deadline: NaiveDate,
    pub milestones: Vec<Milestone>,
}

#[derive(Debug, Clone)]
pub struct MeasureRow {
    pub id: i64,
    pub rectification_id: i64,
    pub position: i64,
    pub content: MeasureContent,
    pub leader_name: String,
    pub org_name: String,
    pub person_name: String,
    /// How the measure's form names them again when it is edited.
    pub leader_police_number: String,
    pub org_code: String,
    pub person_police_number: String,
    pub done_on: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: i64,
    pub rectification_id: i64,
    pub action: String,
    pub stage_after: Stage,
    pub note: Option<String>,
    pub evidence: Option<String>,
    pub measure_id: Option<i64>,
    pub account_id: Option<i64>,
    pub login: String,
    pub at: DateTime<Utc>,
}

/// A step taken on an item.
pub struct NewEvent<'a> {
    pub rectification_id: i64,
    pub action: &'static str,
    pub stage_after: Stage,
    pub note: Option<&'a str>,
    pub evidence: Option<&'a str>,
    pub measure_id: Option<i64>,
    pub account_id: Option<i64>,
    pub login: &'a str,
}

#[derive(Debug, Clone)]
pub struct FileRow {
    pub id: i64,
    pub event_id: i64,
    pub rectification_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub digest: String,
    pub stored_name: String,
}

pub async fn insert_inspection(
    conn: &mut Conn,
    i: &NewInspection<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let row = sqlx::query(
        "INSERT INTO inspections (org_id, title, inspector, inspected_from, inspected_to, scope_note, \
         feedback_ref, feedback_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(i.org_id)
    .bind(i.title)
    .bind(i.inspector)
    .bind(date_text(i.inspected_from))
    .bind(date_text(i.inspected_to))
    .bind(i.scope_note)
    .bind(i.feedback_ref)
    .bind(date_text(i.feedback_on))
    .bind(i.created_by)
    .bind(timestamp_text(now))
    .fetch_one(&mut *conn)
    .await?;
    row.int("id")
}

/// Whether an inspection with this feedback document reference is already on record.
pub async fn feedback_ref_taken(conn: &mut Conn, feedback_ref: &str) -> StoreResult<bool> {
    Ok(
        sqlx::query("SELECT 1 AS one FROM inspections WHERE feedback_ref = $1")
            .bind(feedback_ref)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

pub async fn insert_finding(
    conn: &mut Conn,
    inspection_id: i64,
    position: i64,
    problem: &str,
    category: FindingCategory,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO findings (inspection_id, position, problem, category) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(inspection_id)
    .bind(position)
    .bind(problem)
    .bind(category.code())
    .fetch_one(&mut *conn)
    .await?
    .int("id")
}

/// Assigns a finding to an org, not started, due on `deadline`.
pub async fn insert_item(
    conn: &mut Conn,
    finding_id: i64,
    org_id: i64,
    deadline: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO rectifications (finding_id, org_id, stage, deadline, due_on, version, updated_at) \
         VALUES ($1, $2, $3, $4, $4, 1, $5) RETURNING id",
    )
    .bind(finding_id)
    .bind(org_id)
    .bind(Stage::NotStarted.code())
    .bind(date_text(deadline))
    .bind(timestamp_text(now))
    .fetch_one(&mut *conn)
    .await?
    .int("id")
}

const SELECT_INSPECTION: &str = "SELECT i.id, i.org_id, o.name AS org_name, o.path AS org_path, i.title, i.inspector, \
     i.inspected_from, i.inspected_to, i.scope_note, i.feedback_ref, i.feedback_on, i.created_by \
     FROM inspections i JOIN orgs o ON o.id = i.org_id";

fn inspection_row(row: &AnyRow) -> StoreResult<InspectionRow> {
    Ok(InspectionRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        org_path: row.org_path("org_path")?,
        title: row.text("title")?,
        inspector: row.text("inspector")?,
        inspected_from: row.date("inspected_from")?,
        inspected_to: row.date("inspected_to")?,
        scope_note: row.text("scope_note")?,
        feedback_ref: row.text("feedback_ref")?,
        feedback_on: row.date("feedback_on")?,
        created_by: row.text("created_by")?,
    })
}

pub async fn inspection(conn: &mut Conn, id: i64) -> StoreResult<Option<InspectionRow>> {
    let mut sql = Sql::new(SELECT_INSPECTION);
    sql.push(" WHERE i.id = ").bind(id);
    sql::fetch_all(conn, sql)
        .await?
        .first()
        .map(inspection_row)
        .transpose()
}

/// The inspection recorded under a feedback reference.
pub async fn inspection_by_ref(
    conn: &mut Conn,
    feedback_ref: &str,
) -> StoreResult<Option<InspectionRow>> {
    let mut sql = Sql::new(SELECT_INSPECTION);
    sql.push(" WHERE i.feedback_ref = ")
        .bind(feedback_ref.to_owned());
    sql::fetch_all(conn, sql)
        .await?
        .first()
        .map(inspection_row)
        .transpose()
}

/// Inspections a scope sees: those of an org inside it, and those that assigned it an item.
pub async fn inspections(conn: &mut Conn, scope: &Scope) -> StoreResult<Vec<InspectionRow>> {
    let mut sql = Sql::new(SELECT_INSPECTION);
    sql.push(" WHERE (1 = 1");
    push_org_scope(&mut sql, scope, "o.path");
    sql.push(
        ") OR EXISTS (SELECT 1 FROM findings f JOIN rectifications r ON r.finding_id = f.id \
         JOIN orgs ro ON ro.id = r.org_id WHERE f.inspection_id = i.id",
    );
    push_org_scope(&mut sql, scope, "ro.path");
    sql.push(") ORDER BY i.feedback_on DESC, i.id DESC");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(inspection_row)
        .collect()
}

pub async fn findings(conn: &mut Conn, inspection_id: i64) -> StoreResult<Vec<FindingRow>> {
    let rows = sqlx::query(
        "SELECT id, position, problem, category FROM findings WHERE inspection_id = $1 ORDER BY position",
    )
    .bind(inspection_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(FindingRow {
                id: row.int("id")?,
                position: row.int("position")?,
                problem: row.text("problem")?,
                category: row.code("category", FindingCategory::from_code)?,
            })
        })
        .collect()
}

const SELECT_ITEM: &str = "SELECT r.id, f.inspection_id, i.title AS inspection_title, r.finding_id, \
     f.position AS finding_position, f.problem, f.category, r.org_id, o.name AS org_name, o.path AS org_path, \
     r.stage, r.deadline, r.due_on, r.cause, r.claimed_by, r.closed_on, r.version \
     FROM rectifications r JOIN findings f ON f.id = r.finding_id \
     JOIN inspections i ON i.id = f.inspection_id JOIN orgs o ON o.id = r.org_id";

fn item_row(row: &AnyRow) -> StoreResult<ItemRow> {
    Ok(ItemRow {
        id: row.int("id")?,
        inspection_id: row.int("inspection_id")?,
        inspection_title: row.text("inspection_title")?,
        finding_id: row.int("finding_id")?,
        finding_position: row.int("finding_position")?,
        problem: row.text("problem")?,
        category: row.code("category", FindingCategory::from_code)?,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        org_path: row.org_path("org_path")?,
        stage: row.code("stage", Stage::from_code)?,
        deadline: row.date("deadline")?,
        due_on: row.date("due_on")?,
        cause: row.opt_text("cause")?,
        claimed_by: row.opt_int("claimed_by")?,
        closed_on: row.opt_date("closed_on")?,
        version: row.int("version")?,
    })
}

pub async fn item(conn: &mut Conn, id: i64) -> StoreResult<Option<ItemRow>> {
    let mut sql = Sql::new(SELECT_ITEM);
    sql.push(" WHERE r.id = ").bind(id);
    sql::fetch_all(conn, sql)
        .await?
        .first()
        .map(item_row)
        .transpose()
}

/// Which items a list shows.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub inspection_id: Option<i64>,
    pub finding_id: Option<i64>,
    /// Only open items due on or before this day (overdue lists, escalations).
    pub open_due_by: Option<NaiveDate>,
    pub stage: Option<Stage>,
    /// At most this many rows (the overview's overdue list, a page), after skipping `offset`.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn push_item_filter(sql: &mut Sql, scope: &Scope, filter: &ItemFilter) {
    sql.push(" WHERE 1 = 1");
    push_org_scope(sql, scope, "o.path");
    if let Some(id) = filter.inspection_id {
        sql.push(" AND f.inspection_id = ").bind(id);
    }
    if let Some(id) = filter.finding_id {
        sql.push(" AND r.finding_id = ").bind(id);
    }
    if let Some(stage) = filter.stage {
        sql.push(" AND r.stage = ").bind(stage.code());
    }
    if let Some(by) = filter.open_due_by {
        sql.push(" AND r.stage IN ('not_started', 'in_progress', 'reopened') AND r.due_on <= ")
            .bind(date_text(by));
    }
}

/// How many items a filter matches (limit and offset aside).
pub async fn count_items(conn: &mut Conn, scope: &Scope, filter: &ItemFilter) -> StoreResult<i64> {
    let mut sql = Sql::new(
        "SELECT COUNT(*) AS n FROM rectifications r JOIN findings f ON f.id = r.finding_id \
         JOIN orgs o ON o.id = r.org_id",
    );
    push_item_filter(&mut sql, scope, filter);
    sql::fetch_one(conn, sql).await?.int("n")
}

/// Items in scope, by inspection and finding then org — or by due day for a due filter.
pub async fn items(
    conn: &mut Conn,
    scope: &Scope,
    filter: &ItemFilter,
) -> StoreResult<Vec<ItemRow>> {
    let mut sql = Sql::new(SELECT_ITEM);
    push_item_filter(&mut sql, scope, filter);
    if filter.open_due_by.is_some() {
        sql.push(" ORDER BY r.due_on, r.id");
    } else {
        sql.push(" ORDER BY f.inspection_id, f.position, o.path, r.id");
    }
    if let Some(limit) = filter.limit {
        sql.push(" LIMIT ").bind(limit);
    }
    if let Some(offset) = filter.offset {
        sql.push(" OFFSET ").bind(offset);
    }
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(item_row)
        .collect()
}

/// `overdue`, `due_soon` and `total` of a grouped count: open items due before `today` are
/// overdue, those due by `due_soon_by` are due soon.
fn push_clock_sums(sql: &mut Sql, today: NaiveDate, due_soon_by: NaiveDate) {
    sql.push("SUM(CASE WHEN r.stage IN ('not_started', 'in_progress', 'reopened') AND r.due_on < ")
        .bind(date_text(today))
        .push(
            " THEN 1 ELSE 0 END) AS overdue, \
             SUM(CASE WHEN r.stage IN ('not_started', 'in_progress', 'reopened') AND r.due_on >= ",
        )
        .bind(date_text(today))
        .push(" AND r.due_on <= ")
        .bind(date_text(due_soon_by))
        .push(" THEN 1 ELSE 0 END) AS due_soon, COUNT(*) AS total");
}

/// Counts of the items under one key (an inspection, a finding) in one stage.
#[derive(Debug, Clone)]
pub struct KeyTally {
    pub key: i64,
    pub stage: Stage,
    pub overdue: i64,
    pub due_soon: i64,
    pub total: i64,
}

/// What [`tallies_by`] groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TallyBy {
    Inspection,
    Finding,
}

/// Items in scope counted per inspection or per finding (of one inspection) and stage.
pub async fn tallies_by(
    conn: &mut Conn,
    scope: &Scope,
    by: TallyBy,
    inspection_id: Option<i64>,
    today: NaiveDate,
    due_soon_by: NaiveDate,
) -> StoreResult<Vec<KeyTally>> {
    let key = match by {
        TallyBy::Inspection => "f.inspection_id",
        TallyBy::Finding => "r.finding_id",
    };
    let mut sql = Sql::new("SELECT ");
    sql.push(key).push(" AS key, r.stage, ");
    push_clock_sums(&mut sql, today, due_soon_by);
    sql.push(
        " FROM rectifications r JOIN orgs o ON o.id = r.org_id JOIN findings f ON f.id = r.finding_id \
         WHERE 1 = 1",
    );
    push_org_scope(&mut sql, scope, "o.path");
    if let Some(id) = inspection_id {
        sql.push(" AND f.inspection_id = ").bind(id);
    }
    sql.push(" GROUP BY ").push(key).push(", r.stage");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            Ok(KeyTally {
                key: row.int("key")?,
                stage: row.code("stage", Stage::from_code)?,
                overdue: row.int("overdue")?,
                due_soon: row.int("due_soon")?,
                total: row.int("total")?,
            })
        })
        .collect()
}

/// What the overview counts of one item: its org, finding, stage and earliest open deadline.
#[derive(Debug, Clone, Copy)]
pub struct ItemFact {
    pub org_id: i64,
    pub finding_id: i64,
    pub stage: Stage,
    pub due_on: NaiveDate,
}

/// One row per item in scope, narrow and unsorted: the overview counts them in memory, which
/// at province scale costs less than grouping 30,000 items by org and category in SQL. The
/// whole tree is read without touching the orgs.
pub async fn item_facts(conn: &mut Conn, scope: &Scope) -> StoreResult<Vec<ItemFact>> {
    let mut sql =
        Sql::new("SELECT r.org_id, r.finding_id, r.stage, r.due_on FROM rectifications r");
    if *scope != Scope::Everything {
        sql.push(" JOIN orgs o ON o.id = r.org_id WHERE 1 = 1");
        push_org_scope(&mut sql, scope, "o.path");
    }
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            Ok(ItemFact {
                org_id: row.int("org_id")?,
                finding_id: row.int("finding_id")?,
                stage: row.code("stage", Stage::from_code)?,
                due_on: row.date("due_on")?,
            })
        })
        .collect()
}

/// The category of every finding.
pub async fn finding_categories(conn: &mut Conn) -> StoreResult<Vec<(i64, FindingCategory)>> {
    let rows = sqlx::query("SELECT id, category FROM findings")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.int("id")?,
                row.code("category", FindingCategory::from_code)?,
            ))
        })
        .collect()
}

/// Every org of a subtree with its path.
pub async fn subtree_paths(conn: &mut Conn, root: &OrgPath) -> StoreResult<Vec<(i64, OrgPath)>> {
    let rows = sqlx::query("SELECT id, path FROM orgs WHERE path >= $1 AND path < $2")
        .bind(root.as_str().to_owned())
        .bind(root.upper_bound())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| Ok((row.int("id")?, row.org_path("path")?)))
        .collect()
}

/// Changes an item whose version is still `version`: its stage, cause, claimant, close day
/// and deadline; false when someone changed it in between.
pub struct ItemChange<'a> {
    pub stage: Stage,
    pub cause: Option<&'a str>,
    pub claimed_by: Option<i64>,
    pub closed_on: Option<NaiveDate>,
    pub deadline: NaiveDate,
}

pub async fn change_item(
    conn: &mut Conn,
    id: i64,
    version: i64,
    change: &ItemChange<'_>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE rectifications SET stage = $1, cause = $2, claimed_by = $3, closed_on = $4, deadline = $5, \
         due_on = $5, version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8",
    )
    .bind(change.stage.code())
    .bind(change.cause)
    .bind(change.claimed_by)
    .bind(change.closed_on.map(date_text))
    .bind(date_text(change.deadline))
    .bind(timestamp_text(now))
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    // `due_on` was set to the deadline to keep its check while the deadline moves; the
    // earliest open deadline is worked out again now.
    if done == 1 {
        refresh_due(conn, id).await?;
    }
    Ok(done == 1)
}

/// Keeps `due_on` the earliest open deadline: the item's, or an unfinished measure's.
pub async fn refresh_due(conn: &mut Conn, id: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE rectifications SET due_on = CASE \
         WHEN (SELECT MIN(m.deadline) FROM measures m WHERE m.rectification_id = $1 AND m.done_on IS NULL) < deadline \
         THEN (SELECT MIN(m.deadline) FROM measures m WHERE m.rectification_id = $1 AND m.done_on IS NULL) \
         ELSE deadline END WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn insert_measure(
    conn: &mut Conn,
    rectification_id: i64,
    m: &MeasureContent,
) -> StoreResult<i64> {
    let id = sqlx::query(
        "INSERT INTO measures (rectification_id, position, content, leader_member_id, org_id, person_member_id, deadline) \
         VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM measures WHERE rectification_id = $1), \
         $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(rectification_id)
    .bind(m.content.as_str())
    .bind(m.leader_member_id)
    .bind(m.org_id)
    .bind(m.person_member_id)
    .bind(date_text(m.deadline))
    .fetch_one(&mut *conn)
    .await?
    .int("id")?;
    write_milestones(conn, "measure_milestones", "measure_id", id, &m.milestones).await?;
    refresh_due(conn, rectification_id).await?;
    Ok(id)
}

/// Rewrites an unfinished measure; false when it is finished or not the item's.
pub async fn update_measure(
    conn: &mut Conn,
    rectification_id: i64,
    id: i64,
    m: &MeasureContent,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE measures SET content = $1, leader_member_id = $2, org_id = $3, person_member_id = $4, deadline = $5 \
         WHERE id = $6 AND rectification_id = $7 AND done_on IS NULL",
    )
    .bind(m.content.as_str())
    .bind(m.leader_member_id)
    .bind(m.org_id)
    .bind(m.person_member_id)
    .bind(date_text(m.deadline))
    .bind(id)
    .bind(rectification_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if done == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM measure_milestones WHERE measure_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    write_milestones(conn, "measure_milestones", "measure_id", id, &m.milestones).await?;
    refresh_due(conn, rectification_id).await?;
    Ok(true)
}

/// Writes the roadmap of a measure or a task: `table` keyed by `key`.
pub(crate) async fn write_milestones(
    conn: &mut Conn,
    table: &'static str,
    key: &'static str,
    id: i64,
    milestones: &[Milestone],
) -> StoreResult<()> {
    for (i, m) in milestones.iter().enumerate() {
        let mut sql = Sql::new("INSERT INTO ");
        sql.push(table)
            .push(" (")
            .push(key)
            .push(", position, due_on, content) VALUES (")
            .bind(id)
            .push(", ")
            .bind(i as i64 + 1)
            .push(", ")
            .bind(date_text(m.due_on))
            .push(", ")
            .bind(m.content.clone())
            .push(")");
        let (text, args) = sql.parts();
        sqlx::query_with(&text, args).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Marks an unfinished measure of the item done; false when it is not one.
pub async fn finish_measure(
    conn: &mut Conn,
    rectification_id: i64,
    id: i64,
    on: NaiveDate,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE measures SET done_on = $1 WHERE id = $2 AND rectification_id = $3 AND done_on IS NULL",
    )
    .bind(date_text(on))
    .bind(id)
    .bind(rectification_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    refresh_due(conn, rectification_id).await?;
    Ok(done == 1)
}

/// Reopens every measure of an item (a follow-up review found the problem back); when each
/// was finished stays in the history.
pub async fn unfinish_measures(conn: &mut Conn, rectification_id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE measures SET done_on = NULL WHERE rectification_id = $1")
        .bind(rectification_id)
        .execute(&mut *conn)
        .await?;
    refresh_due(conn, rectification_id).await
}

const SELECT_MEASURE: &str = "SELECT m.id, m.rectification_id, m.position, m.content, m.leader_member_id, \
     l.name AS leader_name, l.police_number AS leader_police_number, m.org_id, o.name AS org_name, \
     o.code AS org_code, m.person_member_id, p.name AS person_name, p.police_number AS person_police_number, \
     m.deadline, m.done_on FROM measures m JOIN members l ON l.id = m.leader_member_id \
     JOIN members p ON p.id = m.person_member_id JOIN orgs o ON o.id = m.org_id";

async fn measure_rows(conn: &mut Conn, sql: Sql) -> StoreResult<Vec<MeasureRow>> {
    let rows = sql::fetch_all(conn, sql).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let milestones = milestones(conn, row.int("id")?).await?;
        out.push(measure_row(row, milestones)?);
    }
    Ok(out)
}

fn measure_row(row: &AnyRow, milestones: Vec<Milestone>) -> StoreResult<MeasureRow> {
    Ok(MeasureRow {
        id: row.int("id")?,
        rectification_id: row.int("rectification_id")?,
        position: row.int("position")?,
        content: MeasureContent {
            content: row.text("content")?,
            leader_member_id: row.int("leader_member_id")?,
            org_id: row.int("org_id")?,
            person_member_id: row.int("person_member_id")?,
            deadline: row.date("deadline")?,
            milestones,
        },
        leader_name: row.text("leader_name")?,
        org_name: row.text("org_name")?,
        person_name: row.text("person_name")?,
        leader_police_number: row.text("leader_police_number")?,
        org_code: row.text("org_code")?,
        person_police_number: row.text("person_police_number")?,
        done_on: row.opt_date("done_on")?,
    })
}

pub async fn measures(conn: &mut Conn, rectification_id: i64) -> StoreResult<Vec<MeasureRow>> {
    let mut sql = Sql::new(SELECT_MEASURE);
    sql.push(" WHERE m.rectification_id = ")
        .bind(rectification_id)
        .push(" ORDER BY m.position");
    measure_rows(conn, sql).await
}

/// Joins the items of an inspection in scope onto a query of rows keyed by
/// `rectification_id` (measures `m`, events `e`, files `x`).
fn push_inspection_items(sql: &mut Sql, alias: &'static str, scope: &Scope, inspection_id: i64) {
    sql.push(" JOIN rectifications r ON r.id = ")
        .push(alias)
        .push(
            ".rectification_id JOIN findings f ON f.id = r.finding_id \
             JOIN orgs ro ON ro.id = r.org_id WHERE f.inspection_id = ",
        )
        .bind(inspection_id);
    push_org_scope(sql, scope, "ro.path");
}

/// The measures of an inspection's items in scope, without their milestones (the ledger).
pub async fn measures_of_inspection(
    conn: &mut Conn,
    scope: &Scope,
    inspection_id: i64,
) -> StoreResult<Vec<MeasureRow>> {
    let mut sql = Sql::new(SELECT_MEASURE);
    push_inspection_items(&mut sql, "m", scope, inspection_id);
    sql.push(" ORDER BY m.rectification_id, m.position");
    let rows = sql::fetch_all(conn, sql).await?;
    rows.iter()
        .map(|row| measure_row(row, Vec::new()))
        .collect()
}

/// The progress reports (with their evidence) of an inspection's items in scope.
pub async fn reports_of_inspection(
    conn: &mut Conn,
    scope: &Scope,
    inspection_id: i64,
) -> StoreResult<Vec<EventRow>> {
    let mut sql = Sql::new(
        "SELECT e.id, e.rectification_id, e.action, e.stage_after, e.note, e.evidence, e.measure_id, \
         e.account_id, e.login, e.at FROM rectification_events e",
    );
    push_inspection_items(&mut sql, "e", scope, inspection_id);
    sql.push(" AND e.action = 'report' ORDER BY e.id");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(event_row)
        .collect()
}

/// The evidence files of an inspection's items in scope.
pub async fn files_of_inspection(
    conn: &mut Conn,
    scope: &Scope,
    inspection_id: i64,
) -> StoreResult<Vec<FileRow>> {
    let mut sql = Sql::new(
        "SELECT x.id, x.event_id, x.rectification_id, x.file_name, x.content_type, x.size, x.digest, \
         x.stored_name FROM rectification_files x",
    );
    push_inspection_items(&mut sql, "x", scope, inspection_id);
    sql.push(" ORDER BY x.id");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(file_row)
        .collect()
}

/// Unfinished measures of open items that a member carries as responsible person or leader.
pub async fn measures_of_member(conn: &mut Conn, member_id: i64) -> StoreResult<Vec<MeasureRow>> {
    let mut sql = Sql::new(SELECT_MEASURE);
    sql.push(
        " JOIN rectifications r ON r.id = m.rectification_id \
         WHERE m.done_on IS NULL AND r.stage IN ('not_started', 'in_progress', 'reopened') \
         AND (m.person_member_id = ",
    )
    .bind(member_id)
    .push(" OR m.leader_member_id = ")
    .bind(member_id)
    .push(") ORDER BY m.deadline, m.id");
    measure_rows(conn, sql).await
}

async fn milestones(conn: &mut Conn, measure_id: i64) -> StoreResult<Vec<Milestone>> {
    read_milestones(conn, "measure_milestones", "measure_id", measure_id).await
}

/// The roadmap of a measure or a task, in order: `table` keyed by `key`.
pub(crate) async fn read_milestones(
    conn: &mut Conn,
    table: &'static str,
    key: &'static str,
    id: i64,
) -> StoreResult<Vec<Milestone>> {
    let mut sql = Sql::new("SELECT due_on, content FROM ");
    sql.push(table)
        .push(" WHERE ")
        .push(key)
        .push(" = ")
        .bind(id)
        .push(" ORDER BY position");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            Ok(Milestone {
                due_on: row.date("due_on")?,
                content: row.text("content")?,
            })
        })
        .collect()
}

/// Removes an unfinished measure that no progress report refers to; false otherwise. The
/// planning steps that named it keep their text and lose only the link.
pub async fn delete_measure(conn: &mut Conn, rectification_id: i64, id: i64) -> StoreResult<bool> {
    let reported = sqlx::query(
        "SELECT 1 AS one FROM rectification_events WHERE measure_id = $1 AND action <> 'plan'",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .is_some();
    let open = sqlx::query(
        "SELECT 1 AS one FROM measures WHERE id = $1 AND rectification_id = $2 AND done_on IS NULL",
    )
    .bind(id)
    .bind(rectification_id)
    .fetch_optional(&mut *conn)
    .await?
    .is_some();
    if reported || !open {
        return Ok(false);
    }
    sqlx::query("UPDATE rectification_events SET measure_id = NULL WHERE measure_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM measure_milestones WHERE measure_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM measures WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    refresh_due(conn, rectification_id).await?;
    Ok(true)
}

pub async fn insert_event(
    conn: &mut Conn,
    e: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO rectification_events (rectification_id, action, stage_after, note, evidence, measure_id, \
         account_id, login, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(e.rectification_id)
    .bind(e.action)
    .bind(e.stage_after.code())
    .bind(e.note)
    .bind(e.evidence)
    .bind(e.measure_id)
    .bind(e.account_id)
    .bind(e.login)
    .bind(timestamp_text(now))
    .fetch_one(&mut *conn)
    .await?
    .int("id")
}

pub async fn events(conn: &mut Conn, rectification_id: i64) -> StoreResult<Vec<EventRow>> {
    let rows = sqlx::query(
        "SELECT id, rectification_id, action, stage_after, note, evidence, measure_id, account_id, login, at \
         FROM rectification_events WHERE rectification_id = $1 ORDER BY id",
    )
    .bind(rectification_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(event_row).collect()
}

fn event_row(row: &AnyRow) -> StoreResult<EventRow> {
    Ok(EventRow {
        id: row.int("id")?,
        rectification_id: row.int("rectification_id")?,
        action: row.text("action")?,
        stage_after: row.code("stage_after", Stage::from_code)?,
        note: row.opt_text("note")?,
        evidence: row.opt_text("evidence")?,
        measure_id: row.opt_int("measure_id")?,
        account_id: row.opt_int("account_id")?,
        login: row.text("login")?,
        at: row.timestamp("at")?,
    })
}

/// A file kept as evidence of a report.
pub struct NewFile<'a> {
    pub event_id: i64,
    pub rectification_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub digest: &'a str,
    pub stored_name: &'a str,
}

pub async fn insert_file(conn: &mut Conn, f: &NewFile<'_>) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO rectification_files (event_id, rectification_id, file_name, content_type, size, digest, stored_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(f.event_id)
    .bind(f.rectification_id)
    .bind(f.file_name)
    .bind(f.content_type)
    .bind(f.size)
    .bind(f.digest)
    .bind(f.stored_name)
    .fetch_one(&mut *conn)
    .await?
    .int("id")
}

pub async fn files(conn: &mut Conn, rectification_id: i64) -> StoreResult<Vec<FileRow>> {
    let rows = sqlx::query(
        "SELECT id, event_id, rectification_id, file_name, content_type, size, digest, stored_name \
         FROM rectification_files WHERE rectification_id = $1 ORDER BY id",
    )
    .bind(rectification_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(file_row).collect()
}

fn file_row(row: &AnyRow) -> StoreResult<FileRow> {
    Ok(FileRow {
        id: row.int("id")?,
        event_id: row.int("event_id")?,
        rectification_id: row.int("rectification_id")?,
        file_name: row.text("file_name")?,
        content_type: row.text("content_type")?,
        size: row.int("size")?,
        digest: row.text("digest")?,
        stored_name: row.text("stored_name")?,
    })
}

/// The member an account is linked to, if any (whose measures are in its to-do list).
pub async fn account_member(conn: &mut Conn, account_id: i64) -> StoreResult<Option<i64>> {
    match sqlx::query("SELECT member_id FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await?
    {
        Some(row) => row.opt_int("member_id"),
        None => Ok(None),
    }
}

/// Whether the member carries a measure of the item, as responsible person or leader.
pub async fn carries_measure(
    conn: &mut Conn,
    rectification_id: i64,
    member_id: i64,
) -> StoreResult<bool> {
    Ok(sqlx::query(
        "SELECT 1 AS one FROM measures WHERE rectification_id = $1 AND (person_member_id = $2 OR leader_member_id = $2)",
    )
    .bind(rectification_id)
    .bind(member_id)
    .fetch_optional(&mut *conn)
    .await?
    .is_some())
}

/// The orgs whose current secretary the member is (red escalations of their items reach them).
pub async fn secretary_of(conn: &mut Conn, member_id: i64) -> StoreResult<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT org_id FROM org_posts WHERE member_id = $1 AND post = 'secretary' AND valid_to IS NULL",
    )
    .bind(member_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|row| row.int("org_id")).collect()
}

/// Open items of these orgs due before `today` (overdue), for their secretary.
pub async fn overdue_of_orgs(
    conn: &mut Conn,
    org_ids: &[i64],
    today: NaiveDate,
) -> StoreResult<Vec<ItemRow>> {
    let mut out = Vec::new();
    for org_id in org_ids {
        let mut sql = Sql::new(SELECT_ITEM);
        sql.push(" WHERE r.stage IN ('not_started', 'in_progress', 'reopened') AND r.org_id = ")
            .bind(*org_id)
            .push(" AND r.due_on < ")
            .bind(date_text(today))
            .push(" ORDER BY r.due_on, r.id");
        for row in sql::fetch_all(conn, sql).await? {
            out.push(item_row(&row)?);
        }
    }
    Ok(out)
}

/// A rectification item to load (the demo), with its id given up front.
#[derive(Debug, Clone)]
pub struct BulkItem {
    pub id: i64,
    pub finding_id: i64,
    pub org_id: i64,
    pub stage: Stage,
    pub deadline: NaiveDate,
    pub due_on: NaiveDate,
    pub cause: Option<String>,
    pub closed_on: Option<NaiveDate>,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct BulkMeasure {
    pub id: i64,
    pub rectification_id: i64,
    pub position: i64,
    pub content: &'static str,
    pub leader_member_id: i64,
    pub org_id: i64,
    pub person_member_id: i64,
    pub deadline: NaiveDate,
    pub done_on: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct BulkEvent {
    pub rectification_id: i64,
    pub action: &'static str,
    pub stage_after: Stage,
    pub note: Option<String>,
    pub evidence: Option<String>,
    pub measure_id: Option<i64>,
    pub login: &'static str,
    pub at: DateTime<Utc>,
}

/// The first free rectification and measure ids.
pub async fn next_ids(conn: &mut Conn) -> StoreResult<(i64, i64)> {
    Ok((
        crate::bulk::next_id(conn, "rectifications").await?,
        crate::bulk::next_id(conn, "measures").await?,
    ))
}

/// Loads items, their measures and their history many rows a statement.
pub async fn insert_bulk(
    conn: &mut Conn,
    items: &[BulkItem],
    measures: &[BulkMeasure],
    events: &[BulkEvent],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let now = timestamp_text(now);
    crate::bulk::insert_rows(
        conn,
        "INSERT INTO rectifications (id, finding_id, org_id, stage, deadline, due_on, cause, closed_on, version, updated_at) VALUES ",
        items,
        |sql, i| {
            sql.bind(i.id)
                .push(", ")
                .bind(i.finding_id)
                .push(", ")
                .bind(i.org_id)
                .push(", ")
                .bind(i.stage.code())
                .push(", ")
                .bind(date_text(i.deadline))
                .push(", ")
                .bind(date_text(i.due_on))
                .push(", ")
                .bind(i.cause.clone())
                .push(", ")
                .bind(i.closed_on.map(date_text))
                .push(", ")
                .bind(i.version)
                .push(", ")
                .bind(now.clone());
        },
    )
    .await?;
    crate::bulk::insert_rows(
        conn,
        "INSERT INTO measures (id, rectification_id, position, content, leader_member_id, org_id, person_member_id, deadline, done_on) VALUES ",
        measures,
        |sql, m| {
            sql.bind(m.id)
                .push(", ")
                .bind(m.rectification_id)
                .push(", ")
                .bind(m.position)
                .push(", ")
                .bind(m.content)
                .push(", ")
                .bind(m.leader_member_id)
                .push(", ")
                .bind(m.org_id)
                .push(", ")
                .bind(m.person_member_id)
                .push(", ")
                .bind(date_text(m.deadline))
                .push(", ")
                .bind(m.done_on.map(date_text));
        },
    )
    .await?;
    crate::bulk::insert_rows(
        conn,
        "INSERT INTO rectification_events (rectification_id, action, stage_after, note, evidence, measure_id, login, at) VALUES ",
        events,
        |sql, e| {
            sql.bind(e.rectification_id)
                .push(", ")
                .bind(e.action)
                .push(", ")
                .bind(e.stage_after.code())
                .push(", ")
                .bind(e.note.clone())
                .push(", ")
                .bind(e.evidence.clone())
                .push(", ")
                .bind(e.measure_id)
                .push(", ")
                .bind(e.login)
                .push(", ")
                .bind(timestamp_text(e.at));
        },
    )
    .await?;
    crate::bulk::sync_identity(conn, "rectifications").await?;
    crate::bulk::sync_identity(conn, "measures").await
}
