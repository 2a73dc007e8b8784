//! 作风纪律: findings and sanctions (migration 0022). Every list is kept to a scope by the org
//! a row belongs to today: a member's current branch for a finding or sanction about a member,
//! the org itself for a finding about an org.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::conduct::{CategoryGroup, FourForm, Handling, Source, Track};
use dangjian_core::org::OrgPath;
use dangjian_core::role::Scope;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, Page, RowExt, Sql, date_text, push_org_scope, timestamp_text};

/// A finding as stored, with the names of what it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRow {
    pub id: i64,
    pub source: Source,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    /// The org it is about, or the member's branch when recorded.
    pub org_id: i64,
    pub org_name: String,
    /// The path that places the row in a scope: the member's branch today, or the org.
    pub scope_path: OrgPath,
    pub category_group: CategoryGroup,
    pub category: String,
    pub facts: String,
    pub found_on: NaiveDate,
    pub handling: Option<Handling>,
    pub handled_on: Option<NaiveDate>,
    pub outcome: Option<String>,
    pub four_form: Option<FourForm>,
    pub rectification_ref: Option<String>,
    pub version: i64,
    pub created_by: String,
}

/// A finding as recorded.
#[derive(Debug, Clone)]
pub struct NewFinding<'a> {
    pub source: Source,
    pub member_id: Option<i64>,
    pub org_id: i64,
    pub category_group: CategoryGroup,
    pub category: &'a str,
    pub facts: &'a str,
    pub found_on: NaiveDate,
    pub created_by: &'a str,
}

/// How a finding was handled.
#[derive(Debug, Clone)]
pub struct HandlingChange<'a> {
    pub handling: Handling,
    pub handled_on: NaiveDate,
    pub outcome: &'a str,
    pub four_form: Option<FourForm>,
}

/// A sanction as stored, with the member's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanctionRow {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub branch_name: String,
    pub scope_path: OrgPath,
    pub finding_id: Option<i64>,
    pub track: Track,
    pub kind: String,
    pub decided_on: NaiveDate,
    pub deciding_body: String,
    pub document_ref: String,
    pub probation_months: Option<u32>,
    pub extended_on: Option<NaiveDate>,
    pub restored_on: Option<NaiveDate>,
    pub revoked_on: Option<NaiveDate>,
    pub note: String,
    pub version: i64,
}

/// A sanction as decided.
#[derive(Debug, Clone)]
pub struct NewSanction<'a> {
    pub member_id: i64,
    pub finding_id: Option<i64>,
    pub track: Track,
    pub kind: &'a str,
    pub decided_on: NaiveDate,
    pub deciding_body: &'a str,
    pub document_ref: &'a str,
    pub probation_months: Option<u32>,
    pub note: &'a str,
    pub created_by: &'a str,
}

/// What happened to a sanction after its decision.
#[derive(Debug, Clone, Copy)]
pub struct SanctionProgress {
    pub extended_on: Option<NaiveDate>,
    pub restored_on: Option<NaiveDate>,
    pub revoked_on: Option<NaiveDate>,
}

/// Which findings a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct FindingFilter {
    /// Only those still being looked into (true) or only those handled (false).
    pub open: Option<bool>,
    pub group: Option<CategoryGroup>,
    pub member_id: Option<i64>,
}

const FINDING_COLUMNS: &str = "SELECT f.id, f.source, f.member_id, m.name AS member_name, f.org_id, \
     fo.name AS org_name, o.path AS scope_path, f.category_group, f.category, f.facts, f.found_on, \
     f.handling, f.handled_on, f.outcome, f.four_form, f.rectification_ref, f.version, f.created_by \
     FROM conduct_findings f LEFT JOIN members m ON m.id = f.member_id \
     JOIN orgs fo ON fo.id = f.org_id \
     JOIN orgs o ON o.id = COALESCE(m.branch_id, f.org_id) WHERE 1 = 1";

fn finding(row: &AnyRow) -> StoreResult<FindingRow> {
    Ok(FindingRow {
        id: row.int("id")?,
        source: row.code("source", Source::from_code)?,
        member_id: row.opt_int("member_id")?,
        member_name: row.opt_text("member_name")?,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        scope_path: row.org_path("scope_path")?,
        category_group: row.code("category_group", CategoryGroup::from_code)?,
        category: row.text("category")?,
        facts: row.text("facts")?,
        found_on: row.date("found_on")?,
        handling: row.opt_code("handling", Handling::from_code)?,
        handled_on: row.opt_date("handled_on")?,
        outcome: row.opt_text("outcome")?,
        four_form: row.opt_code("four_form", FourForm::from_code)?,
        rectification_ref: row.opt_text("rectification_ref")?,
        version: row.int("version")?,
        created_by: row.text("created_by")?,
    })
}

pub async fn insert_finding(
    conn: &mut Conn,
    f: &NewFinding<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO conduct_findings (source, member_id, org_id, category_group, category, facts, \
         found_on, version, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9) \
         RETURNING id",
    )
    .bind(f.source.code())
    .bind(f.member_id)
    .bind(f.org_id)
    .bind(f.category_group.code())
    .bind(f.category)
    .bind(f.facts)
    .bind(date_text(f.found_on))
    .bind(f.created_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn finding_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<FindingRow>> {
    let mut q = Sql::new(FINDING_COLUMNS);
    q.push(" AND f.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(finding)
        .transpose()
}

/// One page of the findings in scope, newest first, and how many match.
pub async fn findings(
    conn: &mut Conn,
    scope: &Scope,
    filter: FindingFilter,
    page: Page,
) -> StoreResult<(Vec<FindingRow>, i64)> {
    let conditions = |q: &mut Sql| {
        push_org_scope(q, scope, "o.path");
        match filter.open {
            Some(true) => {
                q.push(" AND f.handling IS NULL");
            }
            Some(false) => {
                q.push(" AND f.handling IS NOT NULL");
            }
            None => {}
        }
        if let Some(group) = filter.group {
            q.push(" AND f.category_group = ").bind(group.code());
        }
        if let Some(member) = filter.member_id {
            q.push(" AND f.member_id = ").bind(member);
        }
    };
    let mut count = Sql::new(
        "SELECT COUNT(*) AS n FROM conduct_findings f LEFT JOIN members m ON m.id = f.member_id \
         JOIN orgs o ON o.id = COALESCE(m.branch_id, f.org_id) WHERE 1 = 1",
    );
    conditions(&mut count);
    let total = sql::fetch_one(conn, count).await?.int("n")?;
    let mut q = Sql::new(FINDING_COLUMNS);
    conditions(&mut q);
    q.push(" ORDER BY f.found_on DESC, f.id DESC LIMIT ")
        .bind(page.limit())
        .push(" OFFSET ")
        .bind(page.offset());
    let rows = sql::fetch_all(conn, q).await?;
    Ok((rows.iter().map(finding).collect::<StoreResult<_>>()?, total))
}

/// Records the handling of a finding that has none yet and is at `version`; false when it
/// was changed or handled in between.
pub async fn handle_finding(
    conn: &mut Conn,
    id: i64,
    version: i64,
    h: &HandlingChange<'_>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE conduct_findings SET handling = $1, handled_on = $2, outcome = $3, four_form = $4, \
         version = version + 1 WHERE id = $5 AND version = $6 AND handling IS NULL",
    )
    .bind(h.handling.code())
    .bind(date_text(h.handled_on))
    .bind(h.outcome)
    .bind(h.four_form.map(|f| f.code()))
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Links the rectification opened from a finding; false when one was linked already.
pub async fn link_rectification(conn: &mut Conn, id: i64, feedback_ref: &str) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE conduct_findings SET rectification_ref = $1, version = version + 1 \
         WHERE id = $2 AND rectification_ref IS NULL",
    )
    .bind(feedback_ref)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Members among `members` with a finding still being looked into.
pub async fn under_investigation(conn: &mut Conn, members: &[i64]) -> StoreResult<Vec<i64>> {
    let mut out = Vec::new();
    for chunk in members.chunks(500) {
        let mut q = Sql::new(
            "SELECT DISTINCT member_id FROM conduct_findings WHERE handling IS NULL AND member_id IN (",
        );
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(")");
        for row in sql::fetch_all(conn, q).await? {
            out.push(row.int("member_id")?);
        }
    }
    Ok(out)
}

const SANCTION_COLUMNS: &str = "SELECT s.id, s.member_id, m.name AS member_name, o.name AS branch_name, \
     o.path AS scope_path, s.finding_id, s.track, s.kind, s.decided_on, s.deciding_body, s.document_ref, \
     s.probation_months, s.extended_on, s.restored_on, s.revoked_on, s.note, s.version \
     FROM conduct_sanctions s JOIN members m ON m.id = s.member_id JOIN orgs o ON o.id = m.branch_id \
     WHERE 1 = 1";

fn sanction(row: &AnyRow) -> StoreResult<SanctionRow> {
    Ok(SanctionRow {
        id: row.int("id")?,
        member_id: row.int("member_id")?,
        member_name: row.text("member_name")?,
        branch_name: row.text("branch_name")?,
        scope_path: row.org_path("scope_path")?,
        finding_id: row.opt_int("finding_id")?,
        track: row.code("track", Track::from_code)?,
        kind: row.text("kind")?,
        decided_on: row.date("decided_on")?,
        deciding_body: row.text("deciding_body")?,
        document_ref: row.text("document_ref")?,
        probation_months: row
            .opt_int("probation_months")?
            .map(|m| u32::try_from(m).unwrap_or(0)),
        extended_on: row.opt_date("extended_on")?,
        restored_on: row.opt_date("restored_on")?,
        revoked_on: row.opt_date("revoked_on")?,
        note: row.text("note")?,
        version: row.int("version")?,
    })
}

pub async fn insert_sanction(
    conn: &mut Conn,
    s: &NewSanction<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO conduct_sanctions (member_id, finding_id, track, kind, decided_on, deciding_body, \
         document_ref, probation_months, note, version, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11) RETURNING id",
    )
    .bind(s.member_id)
    .bind(s.finding_id)
    .bind(s.track.code())
    .bind(s.kind)
    .bind(date_text(s.decided_on))
    .bind(s.deciding_body)
    .bind(s.document_ref)
    .bind(s.probation_months.map(i64::from))
    .bind(s.note)
    .bind(s.created_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn sanction_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<SanctionRow>> {
    let mut q = Sql::new(SANCTION_COLUMNS);
    q.push(" AND s.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(sanction)
        .transpose()
}

/// One page of the sanctions in scope, newest first, and how many there are.
pub async fn sanctions(
    conn: &mut Conn,
    scope: &Scope,
    page: Page,
) -> StoreResult<(Vec<SanctionRow>, i64)> {
    let mut count = Sql::new(
        "SELECT COUNT(*) AS n FROM conduct_sanctions s JOIN members m ON m.id = s.member_id \
         JOIN orgs o ON o.id = m.branch_id WHERE 1 = 1",
    );
    push_org_scope(&mut count, scope, "o.path");
    let total = sql::fetch_one(conn, count).await?.int("n")?;
    let mut q = Sql::new(SANCTION_COLUMNS);
    push_org_scope(&mut q, scope, "o.path");
    q.push(" ORDER BY s.decided_on DESC, s.id DESC LIMIT ")
        .bind(page.limit())
        .push(" OFFSET ")
        .bind(page.offset());
    let rows = sql::fetch_all(conn, q).await?;
    Ok((
        rows.iter().map(sanction).collect::<StoreResult<_>>()?,
        total,
    ))
}

/// Every sanction of the members listed, by member then decision day.
pub async fn sanctions_of(conn: &mut Conn, members: &[i64]) -> StoreResult<Vec<SanctionRow>> {
    let mut out = Vec::new();
    for chunk in members.chunks(500) {
        let mut q = Sql::new(SANCTION_COLUMNS);
        q.push(" AND s.member_id IN (");
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(") ORDER BY s.member_id, s.decided_on, s.id");
        for row in sql::fetch_all(conn, q).await? {
            out.push(sanction(&row)?);
        }
    }
    Ok(out)
}

/// Every sanction of the members in a scope, and every member there with an open finding:
/// what the eligibility of the whole scope is computed from.
pub async fn scope_records(
    conn: &mut Conn,
    scope: &Scope,
) -> StoreResult<(Vec<SanctionRow>, Vec<i64>)> {
    let mut q = Sql::new(SANCTION_COLUMNS);
    push_org_scope(&mut q, scope, "o.path");
    q.push(" ORDER BY s.member_id, s.decided_on, s.id");
    let sanctions = sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(sanction)
        .collect::<StoreResult<Vec<_>>>()?;
    let mut q = Sql::new(
        "SELECT DISTINCT f.member_id FROM conduct_findings f JOIN members m ON m.id = f.member_id \
         JOIN orgs o ON o.id = m.branch_id WHERE f.handling IS NULL",
    );
    push_org_scope(&mut q, scope, "o.path");
    let open = sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|r| r.int("member_id"))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok((sanctions, open))
}

/// Records what happened to a sanction since, if it is still at `version`.
pub async fn update_progress(
    conn: &mut Conn,
    id: i64,
    version: i64,
    p: SanctionProgress,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE conduct_sanctions SET extended_on = $1, restored_on = $2, revoked_on = $3, \
         version = version + 1 WHERE id = $4 AND version = $5",
    )
    .bind(p.extended_on.map(date_text))
    .bind(p.restored_on.map(date_text))
    .bind(p.revoked_on.map(date_text))
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An evidence file of a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRow {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub digest: String,
    pub stored_name: String,
    pub created_by: String,
}

/// An evidence file as kept.
#[derive(Debug, Clone, Copy)]
pub struct NewEvidence<'a> {
    pub finding_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub digest: &'a str,
    pub stored_name: &'a str,
    pub created_by: &'a str,
}

pub async fn insert_evidence(
    conn: &mut Conn,
    e: &NewEvidence<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO conduct_files (finding_id, file_name, content_type, size, digest, stored_name, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(e.finding_id)
    .bind(e.file_name)
    .bind(e.content_type)
    .bind(e.size)
    .bind(e.digest)
    .bind(e.stored_name)
    .bind(e.created_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

/// The evidence files of a finding, in the order they were added.
pub async fn evidence(conn: &mut Conn, finding: i64) -> StoreResult<Vec<EvidenceRow>> {
    let rows = sqlx::query(
        "SELECT id, file_name, content_type, size, digest, stored_name, created_by FROM conduct_files \
         WHERE finding_id = $1 ORDER BY id",
    )
    .bind(finding)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(EvidenceRow {
                id: row.int("id")?,
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
