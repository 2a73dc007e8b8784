//! 党组织考核评价 (migration 0041): indicator sets, rounds, scores, results and objections.
//! A published set is never written again: every write to a set or its indicators is
//! conditional on the set still being a draft.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::assess::rating::{Method, Period, RoundStage};
use dangjian_core::org::{OrgKind, OrgPath};
use dangjian_core::role::Scope;
use sqlx::any::AnyRow;

use crate::bulk::insert_rows;
use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, RowExt, Sql, date_text, push_org_scope, timestamp_text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetRow {
    pub id: i64,
    pub name: String,
    pub org_kind: OrgKind,
    pub version: i64,
    pub previous_id: Option<i64>,
    pub published_on: Option<NaiveDate>,
    pub published_by: Option<String>,
    pub row_version: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorRow {
    pub id: i64,
    pub set_id: i64,
    pub position: i64,
    pub name: String,
    pub method: Method,
    pub weight: i64,
    pub per_item: i64,
    pub guide: String,
}

pub struct NewSet<'a> {
    pub name: &'a str,
    pub org_kind: OrgKind,
    pub version: i64,
    pub previous_id: Option<i64>,
    pub by: &'a str,
}

pub struct NewIndicator<'a> {
    pub name: &'a str,
    pub method: Method,
    pub weight: i64,
    pub per_item: i64,
    pub guide: &'a str,
}

const SET_COLUMNS: &str = "SELECT id, name, org_kind, version, previous_id, published_on, \
     published_by, row_version, created_at FROM indicator_sets WHERE 1 = 1";

fn set(row: &AnyRow) -> StoreResult<SetRow> {
    Ok(SetRow {
        id: row.int("id")?,
        name: row.text("name")?,
        org_kind: row.code("org_kind", OrgKind::from_code)?,
        version: row.int("version")?,
        previous_id: row.opt_int("previous_id")?,
        published_on: row.opt_date("published_on")?,
        published_by: row.opt_text("published_by")?,
        row_version: row.int("row_version")?,
        created_at: row.timestamp("created_at")?,
    })
}

pub async fn insert_set(conn: &mut Conn, s: &NewSet<'_>, now: DateTime<Utc>) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO indicator_sets (name, org_kind, version, previous_id, status, row_version, \
         created_by, created_at) VALUES ($1, $2, $3, $4, 'draft', 1, $5, $6) RETURNING id",
    )
    .bind(s.name)
    .bind(s.org_kind.code())
    .bind(s.version)
    .bind(s.previous_id)
    .bind(s.by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn set_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<SetRow>> {
    let mut q = Sql::new(SET_COLUMNS);
    q.push(" AND id = ").bind(id);
    sql::fetch_all(conn, q).await?.first().map(set).transpose()
}

/// Every set, by name and newest version first.
pub async fn sets(conn: &mut Conn) -> StoreResult<Vec<SetRow>> {
    let mut q = Sql::new(SET_COLUMNS);
    q.push(" ORDER BY name, version DESC");
    sql::fetch_all(conn, q).await?.iter().map(set).collect()
}

/// The highest version written under a name (0 when none).
pub async fn last_version(conn: &mut Conn, name: &str) -> StoreResult<i64> {
    sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM indicator_sets WHERE name = $1")
        .bind(name)
        .fetch_one(conn)
        .await?
        .int("v")
}

/// Marks a change to a draft; false when it was published or changed meanwhile.
pub async fn touch_set(conn: &mut Conn, id: i64, row_version: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE indicator_sets SET row_version = row_version + 1 \
         WHERE id = $1 AND row_version = $2 AND status = 'draft'",
    )
    .bind(id)
    .bind(row_version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn publish_set(
    conn: &mut Conn,
    id: i64,
    row_version: i64,
    on: NaiveDate,
    by: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE indicator_sets SET status = 'published', published_on = $1, published_by = $2, \
         row_version = row_version + 1 WHERE id = $3 AND row_version = $4 AND status = 'draft'",
    )
    .bind(date_text(on))
    .bind(by)
    .bind(id)
    .bind(row_version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn indicators(conn: &mut Conn, set_id: i64) -> StoreResult<Vec<IndicatorRow>> {
    let rows = sqlx::query(
        "SELECT id, set_id, position, name, method, weight, per_item, guide FROM indicators \
         WHERE set_id = $1 ORDER BY position",
    )
    .bind(set_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(IndicatorRow {
                id: row.int("id")?,
                set_id: row.int("set_id")?,
                position: row.int("position")?,
                name: row.text("name")?,
                method: row.code("method", Method::from_code)?,
                weight: row.int("weight")?,
                per_item: row.int("per_item")?,
                guide: row.text("guide")?,
            })
        })
        .collect()
}

/// Adds an indicator at the end of a set (the caller has touched the draft).
pub async fn insert_indicator(
    conn: &mut Conn,
    set_id: i64,
    i: &NewIndicator<'_>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO indicators (set_id, position, name, method, weight, per_item, guide) \
         VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM indicators WHERE set_id = $2), \
         $3, $4, $5, $6, $7)",
    )
    .bind(set_id)
    .bind(set_id)
    .bind(i.name)
    .bind(i.method.code())
    .bind(i.weight)
    .bind(i.per_item)
    .bind(i.guide)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_indicator(conn: &mut Conn, set_id: i64, id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM indicators WHERE set_id = $1 AND id = $2")
        .bind(set_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Copies a set's indicators into a new draft (the next version).
pub async fn copy_indicators(conn: &mut Conn, from: i64, to: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO indicators (set_id, position, name, method, weight, per_item, guide) \
         SELECT $1, position, name, method, weight, per_item, guide FROM indicators \
         WHERE set_id = $2",
    )
    .bind(to)
    .bind(from)
    .execute(conn)
    .await?;
    Ok(())
}

/// A round with its set and organiser, and how far the orgs have come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundRow {
    pub id: i64,
    pub set_id: i64,
    pub set_name: String,
    pub set_version: i64,
    pub org_kind: OrgKind,
    pub organiser_id: i64,
    pub organiser_name: String,
    pub organiser_path: OrgPath,
    pub year: i32,
    /// 0: the whole year.
    pub quarter: u32,
    pub stage: RoundStage,
    pub computed_at: Option<DateTime<Utc>>,
    pub published_on: Option<NaiveDate>,
    pub version: i64,
    pub orgs: i64,
    pub self_submitted: i64,
    pub open_objections: i64,
}

const ROUND_COLUMNS: &str = "SELECT r.id, r.set_id, s.name AS set_name, s.version AS set_version, \
     s.org_kind, r.organiser_id, o.name AS organiser_name, o.path AS organiser_path, r.year, \
     r.quarter, r.stage, r.computed_at, r.published_on, r.version, \
     (SELECT COUNT(*) FROM round_orgs x WHERE x.round_id = r.id) AS orgs, \
     (SELECT COUNT(*) FROM round_orgs x WHERE x.round_id = r.id AND x.self_submitted_on IS NOT NULL) AS self_submitted, \
     (SELECT COUNT(*) FROM round_objections j WHERE j.round_id = r.id AND j.upheld IS NULL) AS open_objections \
     FROM assessment_rounds r JOIN indicator_sets s ON s.id = r.set_id \
     JOIN orgs o ON o.id = r.organiser_id WHERE 1 = 1";

impl RoundRow {
    pub fn period(&self) -> Period {
        Period {
            year: self.year,
            quarter: (self.quarter > 0).then_some(self.quarter),
        }
    }
}

fn round(row: &AnyRow) -> StoreResult<RoundRow> {
    Ok(RoundRow {
        id: row.int("id")?,
        set_id: row.int("set_id")?,
        set_name: row.text("set_name")?,
        set_version: row.int("set_version")?,
        org_kind: row.code("org_kind", OrgKind::from_code)?,
        organiser_id: row.int("organiser_id")?,
        organiser_name: row.text("organiser_name")?,
        organiser_path: row.code("organiser_path", OrgPath::parse)?,
        year: i32::try_from(row.int("year")?).unwrap_or(0),
        quarter: u32::try_from(row.int("quarter")?).unwrap_or(0),
        stage: row.code("stage", RoundStage::from_code)?,
        computed_at: row.opt_timestamp("computed_at")?,
        published_on: row.opt_date("published_on")?,
        version: row.int("version")?,
        orgs: row.int("orgs")?,
        self_submitted: row.int("self_submitted")?,
        open_objections: row.int("open_objections")?,
    })
}

/// A round's snapshot of one org it assesses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundOrgSeed {
    pub org_id: i64,
    pub code: String,
    pub name: String,
    pub unit_code: Option<String>,
    pub secretary: Option<String>,
}

pub struct NewRound<'a> {
    pub set_id: i64,
    pub organiser_id: i64,
    pub year: i32,
    pub quarter: u32,
    pub by: &'a str,
}

/// Opens a round at self-assessment with its orgs; `None` when one for the same organiser,
/// set and period exists.
pub async fn insert_round(
    conn: &mut Conn,
    r: &NewRound<'_>,
    orgs: &[RoundOrgSeed],
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    let exists = sqlx::query(
        "SELECT id FROM assessment_rounds WHERE organiser_id = $1 AND set_id = $2 AND year = $3 \
         AND quarter = $4",
    )
    .bind(r.organiser_id)
    .bind(r.set_id)
    .bind(i64::from(r.year))
    .bind(i64::from(r.quarter))
    .fetch_optional(&mut *conn)
    .await?;
    if exists.is_some() {
        return Ok(None);
    }
    let id = sqlx::query(
        "INSERT INTO assessment_rounds (set_id, organiser_id, year, quarter, stage, version, \
         created_by, created_at) VALUES ($1, $2, $3, $4, 'self_assessment', 1, $5, $6) RETURNING id",
    )
    .bind(r.set_id)
    .bind(r.organiser_id)
    .bind(i64::from(r.year))
    .bind(i64::from(r.quarter))
    .bind(r.by)
    .bind(timestamp_text(now))
    .fetch_one(&mut *conn)
    .await?
    .int("id")?;
    insert_rows(
        conn,
        "INSERT INTO round_orgs (round_id, org_id, org_code, org_name, unit_code, secretary) VALUES ",
        orgs,
        |q, o| {
            q.bind(id)
                .push(", ")
                .bind(o.org_id)
                .push(", ")
                .bind(o.code.clone())
                .push(", ")
                .bind(o.name.clone())
                .push(", ")
                .bind(o.unit_code.clone())
                .push(", ")
                .bind(o.secretary.clone());
        },
    )
    .await?;
    Ok(Some(id))
}

pub async fn round_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<RoundRow>> {
    let mut q = Sql::new(ROUND_COLUMNS);
    q.push(" AND r.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(round)
        .transpose()
}

/// The rounds a reader sees: those organised within their scope and those that assess an
/// org in it; the newest first.
pub async fn rounds(conn: &mut Conn, scope: &Scope) -> StoreResult<Vec<RoundRow>> {
    let mut q = Sql::new(ROUND_COLUMNS);
    q.push(" AND ((1 = 1");
    push_org_scope(&mut q, scope, "o.path");
    q.push(") OR EXISTS (SELECT 1 FROM round_orgs x JOIN orgs xo ON xo.id = x.org_id WHERE x.round_id = r.id");
    push_org_scope(&mut q, scope, "xo.path");
    q.push(")) ORDER BY r.year DESC, r.quarter DESC, r.id DESC");
    sql::fetch_all(conn, q).await?.iter().map(round).collect()
}

/// Moves a round on; false when it changed meanwhile. Entering the upper stage stamps when
/// the records were read; publication stamps its day.
pub async fn set_round_stage(
    conn: &mut Conn,
    id: i64,
    version: i64,
    stage: RoundStage,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let computed_at = (stage == RoundStage::Upper).then(|| timestamp_text(now));
    let published_on = (stage == RoundStage::Published).then(|| date_text(now.date_naive()));
    let done = sqlx::query(
        "UPDATE assessment_rounds SET stage = $1, version = version + 1, \
         computed_at = COALESCE($2, computed_at), published_on = COALESCE($3, published_on) \
         WHERE id = $4 AND version = $5",
    )
    .bind(stage.code())
    .bind(computed_at)
    .bind(published_on)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a change within a stage (a score, an answer); false when the round moved meanwhile.
pub async fn touch_round(conn: &mut Conn, id: i64, stage: RoundStage) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE assessment_rounds SET version = version + 1 WHERE id = $1 AND stage = $2",
    )
    .bind(id)
    .bind(stage.code())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An org of a round, with its result once computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundOrgRow {
    pub org_id: i64,
    pub org_path: OrgPath,
    pub code: String,
    pub name: String,
    pub unit_code: Option<String>,
    pub secretary: Option<String>,
    pub self_submitted_on: Option<NaiveDate>,
    pub self_summary: Option<String>,
    /// (raw, weight with data, scaled total, grade), tenths.
    pub result: Option<ResultRow>,
    pub open_objections: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    pub raw: i64,
    pub weight_with_data: i64,
    pub total: Option<i64>,
    pub grade: Option<String>,
}

const ROUND_ORG_COLUMNS: &str = "SELECT x.org_id, o.path, x.org_code, x.org_name, x.unit_code, \
     x.secretary, x.self_submitted_on, x.self_summary, s.raw, s.weight_with_data, s.total, s.grade, \
     (SELECT COUNT(*) FROM round_objections j WHERE j.round_id = x.round_id AND j.org_id = x.org_id \
       AND j.upheld IS NULL) AS open_objections \
     FROM round_orgs x JOIN orgs o ON o.id = x.org_id \
     LEFT JOIN round_results s ON s.round_id = x.round_id AND s.org_id = x.org_id WHERE x.round_id = ";

fn round_org_row(row: &AnyRow) -> StoreResult<RoundOrgRow> {
    let result = match row.opt_int("raw")? {
        Some(raw) => Some(ResultRow {
            raw,
            weight_with_data: row.int("weight_with_data")?,
            total: row.opt_int("total")?,
            grade: row.opt_text("grade")?,
        }),
        None => None,
    };
    Ok(RoundOrgRow {
        org_id: row.int("org_id")?,
        org_path: row.code("path", OrgPath::parse)?,
        code: row.text("org_code")?,
        name: row.text("org_name")?,
        unit_code: row.opt_text("unit_code")?,
        secretary: row.opt_text("secretary")?,
        self_submitted_on: row.opt_date("self_submitted_on")?,
        self_summary: row.opt_text("self_summary")?,
        result,
        open_objections: row.int("open_objections")?,
    })
}

/// The orgs of a round within `scope`, in tree order.
pub async fn round_orgs(
    conn: &mut Conn,
    round_id: i64,
    scope: &Scope,
) -> StoreResult<Vec<RoundOrgRow>> {
    let mut q = Sql::new(ROUND_ORG_COLUMNS);
    q.bind(round_id);
    push_org_scope(&mut q, scope, "o.path");
    q.push(" ORDER BY o.path");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(round_org_row)
        .collect()
}

pub async fn round_org(
    conn: &mut Conn,
    round_id: i64,
    org_id: i64,
) -> StoreResult<Option<RoundOrgRow>> {
    let mut q = Sql::new(ROUND_ORG_COLUMNS);
    q.bind(round_id).push(" AND x.org_id = ").bind(org_id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(round_org_row)
        .transpose()
}

/// The rounds that assessed an org, newest first: (round, its result there).
pub async fn rounds_of_org(conn: &mut Conn, org_id: i64) -> StoreResult<Vec<RoundRow>> {
    let mut q = Sql::new(ROUND_COLUMNS);
    q.push(" AND EXISTS (SELECT 1 FROM round_orgs x WHERE x.round_id = r.id AND x.org_id = ")
        .bind(org_id)
        .push(") ORDER BY r.year DESC, r.quarter DESC, r.id DESC");
    sql::fetch_all(conn, q).await?.iter().map(round).collect()
}

pub async fn submit_self(
    conn: &mut Conn,
    round_id: i64,
    org_id: i64,
    summary: &str,
    on: NaiveDate,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE round_orgs SET self_summary = $1, self_submitted_on = $2 \
         WHERE round_id = $3 AND org_id = $4 AND self_submitted_on IS NULL",
    )
    .bind(summary)
    .bind(date_text(on))
    .bind(round_id)
    .bind(org_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreRow {
    pub org_id: i64,
    pub indicator_id: i64,
    pub self_points: Option<i64>,
    pub self_note: Option<String>,
    pub points: Option<i64>,
    pub basis: Option<String>,
    pub link: Option<String>,
    pub note: Option<String>,
    pub scored_by: Option<String>,
}

fn score(row: &AnyRow) -> StoreResult<ScoreRow> {
    Ok(ScoreRow {
        org_id: row.int("org_id")?,
        indicator_id: row.int("indicator_id")?,
        self_points: row.opt_int("self_points")?,
        self_note: row.opt_text("self_note")?,
        points: row.opt_int("points")?,
        basis: row.opt_text("basis")?,
        link: row.opt_text("link")?,
        note: row.opt_text("note")?,
        scored_by: row.opt_text("scored_by")?,
    })
}

/// The scores of a round, of one org or of all.
pub async fn scores(
    conn: &mut Conn,
    round_id: i64,
    org_id: Option<i64>,
) -> StoreResult<Vec<ScoreRow>> {
    let mut q = Sql::new(
        "SELECT org_id, indicator_id, self_points, self_note, points, basis, link, note, scored_by \
         FROM round_scores WHERE round_id = ",
    );
    q.bind(round_id);
    if let Some(org) = org_id {
        q.push(" AND org_id = ").bind(org);
    }
    q.push(" ORDER BY org_id, indicator_id");
    sql::fetch_all(conn, q).await?.iter().map(score).collect()
}

/// An org's own score for an indicator, with its evidence.
pub async fn set_self_score(
    conn: &mut Conn,
    round_id: i64,
    org_id: i64,
    indicator_id: i64,
    points: i64,
    note: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO round_scores (round_id, org_id, indicator_id, self_points, self_note) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (round_id, org_id, indicator_id) \
         DO UPDATE SET self_points = excluded.self_points, self_note = excluded.self_note",
    )
    .bind(round_id)
    .bind(org_id)
    .bind(indicator_id)
    .bind(points)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(())
}

/// The score that counts (the upper's, or a correction after an objection).
pub async fn set_points(
    conn: &mut Conn,
    round_id: i64,
    org_id: i64,
    indicator_id: i64,
    points: i64,
    note: &str,
    by: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO round_scores (round_id, org_id, indicator_id, points, note, scored_by) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (round_id, org_id, indicator_id) \
         DO UPDATE SET points = excluded.points, note = excluded.note, scored_by = excluded.scored_by",
    )
    .bind(round_id)
    .bind(org_id)
    .bind(indicator_id)
    .bind(points)
    .bind(note)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// A computed score as the records gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComputedScore {
    pub org_id: i64,
    pub indicator_id: i64,
    pub points: Option<i64>,
    pub basis: String,
    pub link: Option<String>,
}

/// Writes the computed scores of a round afresh (the computed indicators only ever hold
/// these: an org does not self-score them).
pub async fn put_computed(
    conn: &mut Conn,
    round_id: i64,
    indicator_ids: &[i64],
    rows: &[ComputedScore],
) -> StoreResult<()> {
    for id in indicator_ids {
        sqlx::query("DELETE FROM round_scores WHERE round_id = $1 AND indicator_id = $2")
            .bind(round_id)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    insert_rows(
        conn,
        "INSERT INTO round_scores (round_id, org_id, indicator_id, points, basis, link, scored_by) VALUES ",
        rows,
        |q, c| {
            q.bind(round_id)
                .push(", ")
                .bind(c.org_id)
                .push(", ")
                .bind(c.indicator_id)
                .push(", ")
                .bind(c.points)
                .push(", ")
                .bind(c.basis.clone())
                .push(", ")
                .bind(c.link.clone())
                .push(", 'records'");
        },
    )
    .await
}

/// Writes the results of a round's orgs (all, or the one whose score changed).
pub async fn put_results(
    conn: &mut Conn,
    round_id: i64,
    only_org: Option<i64>,
    rows: &[(i64, ResultRow)],
) -> StoreResult<()> {
    let mut q = Sql::new("DELETE FROM round_results WHERE round_id = ");
    q.bind(round_id);
    if let Some(org) = only_org {
        q.push(" AND org_id = ").bind(org);
    }
    let (text, args) = q.parts();
    sqlx::query_with(&text, args).execute(&mut *conn).await?;
    insert_rows(
        conn,
        "INSERT INTO round_results (round_id, org_id, raw, weight_with_data, total, grade) VALUES ",
        rows,
        |q, (org, r)| {
            q.bind(round_id)
                .push(", ")
                .bind(*org)
                .push(", ")
                .bind(r.raw)
                .push(", ")
                .bind(r.weight_with_data)
                .push(", ")
                .bind(r.total)
                .push(", ")
                .bind(r.grade.clone());
        },
    )
    .await
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectionRow {
    pub id: i64,
    pub round_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub indicator_id: i64,
    pub indicator_name: String,
    pub reason: String,
    pub filed_by: String,
    pub filed_at: DateTime<Utc>,
    pub upheld: Option<bool>,
    pub answer: Option<String>,
    pub points_before: Option<i64>,
    pub points_after: Option<i64>,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

const OBJECTION_COLUMNS: &str = "SELECT j.id, j.round_id, j.org_id, x.org_name, j.indicator_id, \
     i.name AS indicator_name, j.reason, j.filed_by, j.filed_at, j.upheld, j.answer, \
     j.points_before, j.points_after, j.answered_by, j.answered_at FROM round_objections j \
     JOIN round_orgs x ON x.round_id = j.round_id AND x.org_id = j.org_id \
     JOIN indicators i ON i.id = j.indicator_id JOIN orgs o ON o.id = j.org_id WHERE 1 = 1";

fn objection(row: &AnyRow) -> StoreResult<ObjectionRow> {
    Ok(ObjectionRow {
        id: row.int("id")?,
        round_id: row.int("round_id")?,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        indicator_id: row.int("indicator_id")?,
        indicator_name: row.text("indicator_name")?,
        reason: row.text("reason")?,
        filed_by: row.text("filed_by")?,
        filed_at: row.timestamp("filed_at")?,
        upheld: row.opt_int("upheld")?.map(|u| u == 1),
        answer: row.opt_text("answer")?,
        points_before: row.opt_int("points_before")?,
        points_after: row.opt_int("points_after")?,
        answered_by: row.opt_text("answered_by")?,
        answered_at: row.opt_timestamp("answered_at")?,
    })
}

/// An objection to one indicator's score; `None` when one is already open for it.
pub async fn insert_objection(
    conn: &mut Conn,
    round_id: i64,
    org_id: i64,
    indicator_id: i64,
    reason: &str,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<i64>> {
    let open = sqlx::query(
        "SELECT id FROM round_objections WHERE round_id = $1 AND org_id = $2 AND indicator_id = $3 \
         AND upheld IS NULL",
    )
    .bind(round_id)
    .bind(org_id)
    .bind(indicator_id)
    .fetch_optional(&mut *conn)
    .await?;
    if open.is_some() {
        return Ok(None);
    }
    let id = sqlx::query(
        "INSERT INTO round_objections (round_id, org_id, indicator_id, reason, filed_by, filed_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(round_id)
    .bind(org_id)
    .bind(indicator_id)
    .bind(reason)
    .bind(by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")?;
    Ok(Some(id))
}

pub async fn objection_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<ObjectionRow>> {
    let mut q = Sql::new(OBJECTION_COLUMNS);
    q.push(" AND j.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(objection)
        .transpose()
}

/// A round's objections of the orgs in scope, the open ones first.
pub async fn objections(
    conn: &mut Conn,
    round_id: i64,
    scope: &Scope,
) -> StoreResult<Vec<ObjectionRow>> {
    let mut q = Sql::new(OBJECTION_COLUMNS);
    q.push(" AND j.round_id = ").bind(round_id);
    push_org_scope(&mut q, scope, "o.path");
    q.push(" ORDER BY CASE WHEN j.upheld IS NULL THEN 0 ELSE 1 END, j.id");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(objection)
        .collect()
}

pub struct Answer<'a> {
    pub upheld: bool,
    pub answer: &'a str,
    pub points_before: Option<i64>,
    pub points_after: Option<i64>,
    pub by: &'a str,
}

/// Answers an open objection; false when it was answered meanwhile.
pub async fn answer_objection(
    conn: &mut Conn,
    id: i64,
    a: &Answer<'_>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE round_objections SET upheld = $1, answer = $2, points_before = $3, \
         points_after = $4, answered_by = $5, answered_at = $6 WHERE id = $7 AND upheld IS NULL",
    )
    .bind(i64::from(a.upheld))
    .bind(a.answer)
    .bind(a.points_before)
    .bind(a.points_after)
    .bind(a.by)
    .bind(timestamp_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An org's grade in the latest published round that assessed it:
/// (round, its result there).
pub async fn latest_published(
    conn: &mut Conn,
    org_id: i64,
) -> StoreResult<Option<(RoundRow, ResultRow)>> {
    for r in rounds_of_org(conn, org_id).await? {
        if r.stage != RoundStage::Published {
            continue;
        }
        if let Some(x) = round_org(conn, r.id, org_id).await?
            && let Some(result) = x.result
        {
            return Ok(Some((r, result)));
        }
    }
    Ok(None)
}

/// The orgs of a kind strictly below `root` that stand today, as a round records them (code,
/// name, unit code, secretary), in tree order.
pub async fn assessable_under(
    conn: &mut Conn,
    root_id: i64,
    root: &OrgPath,
    kind: OrgKind,
) -> StoreResult<Vec<RoundOrgSeed>> {
    let mut q = Sql::new(
        "SELECT o.id, o.code, o.name, u.code AS unit_code, sm.name AS secretary FROM orgs o \
         LEFT JOIN units u ON u.id = o.unit_id \
         LEFT JOIN org_posts p ON p.org_id = o.id AND p.post = 'secretary' AND p.valid_to IS NULL \
         LEFT JOIN members sm ON sm.id = p.member_id \
         WHERE o.dissolved_on IS NULL AND o.kind = ",
    );
    q.bind(kind.code()).push(" AND o.id <> ").bind(root_id);
    crate::sql::push_within(&mut q, root, "o.path");
    q.push(" ORDER BY o.path");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| {
            Ok(RoundOrgSeed {
                org_id: row.int("id")?,
                code: row.text("code")?,
                name: row.text("name")?,
                unit_code: row.opt_text("unit_code")?,
                secretary: row.opt_text("secretary")?,
            })
        })
        .collect()
}

/// Every org's path at or below `root` (to place a record under the orgs of a round).
pub async fn paths_under(
    conn: &mut Conn,
    root: &OrgPath,
) -> StoreResult<std::collections::HashMap<i64, OrgPath>> {
    let mut q = Sql::new("SELECT id, path FROM orgs o WHERE 1 = 1");
    crate::sql::push_within(&mut q, root, "o.path");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| Ok((row.int("id")?, row.code("path", OrgPath::parse)?)))
        .collect()
}

/// The top of the tree: the organiser of a round when the committee office names none.
pub async fn top_org(conn: &mut Conn) -> StoreResult<Option<i64>> {
    let row = sqlx::query(
        "SELECT id FROM orgs WHERE parent_id IS NULL AND dissolved_on IS NULL ORDER BY id LIMIT 1",
    )
    .fetch_optional(conn)
    .await?;
    row.map(|r| r.int("id")).transpose()
}
