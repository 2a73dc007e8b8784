//! Elections (换届) and the committee's assessments of secretaries.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::org::OrgPath;
use dangjian_core::role::Scope;
use dangjian_core::term::Rating;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, RowExt, Sql, date_text, push_org_scope, timestamp_text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermRow {
    pub id: i64,
    pub org_id: i64,
    pub elected_on: NaiveDate,
    pub term_years: i64,
    pub ends_on: NaiveDate,
    pub note: Option<String>,
    pub recorded_by: String,
    /// The end as extended (延期换届), and the approval.
    pub extended_to: Option<NaiveDate>,
    pub extension_approval: Option<String>,
}

impl TermRow {
    /// The day the term ends, extended or not.
    pub fn end(&self) -> NaiveDate {
        self.extended_to.unwrap_or(self.ends_on)
    }
}

/// A new term, as recorded at an election.
pub struct NewTerm<'a> {
    pub org: i64,
    pub elected_on: NaiveDate,
    pub years: u32,
    pub ends_on: NaiveDate,
    pub note: Option<&'a str>,
    pub recorded_by: &'a str,
}

pub async fn insert_term(
    conn: &mut Conn,
    term: &NewTerm<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let NewTerm {
        org,
        elected_on,
        years,
        ends_on,
        note,
        recorded_by,
    } = *term;
    sqlx::query(
        "INSERT INTO org_terms (org_id, elected_on, term_years, ends_on, note, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(org)
    .bind(date_text(elected_on))
    .bind(i64::from(years))
    .bind(date_text(ends_on))
    .bind(note)
    .bind(recorded_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

/// An org's elections, newest first.
pub async fn terms_of(conn: &mut Conn, org: i64) -> StoreResult<Vec<TermRow>> {
    sqlx::query(
        "SELECT id, org_id, elected_on, term_years, ends_on, note, recorded_by, extended_to, \
         extension_approval FROM org_terms WHERE org_id = $1 \
         ORDER BY elected_on DESC, id DESC",
    )
    .bind(org)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(TermRow {
            id: row.int("id")?,
            org_id: row.int("org_id")?,
            elected_on: row.date("elected_on")?,
            term_years: row.int("term_years")?,
            ends_on: row.date("ends_on")?,
            note: row.opt_text("note")?,
            recorded_by: row.text("recorded_by")?,
            extended_to: row.opt_date("extended_to")?,
            extension_approval: row.opt_text("extension_approval")?,
        })
    })
    .collect()
}

/// Extends a term to `until` with the approval named.
pub async fn extend(
    conn: &mut Conn,
    term: i64,
    until: NaiveDate,
    approval: &str,
) -> StoreResult<()> {
    sqlx::query("UPDATE org_terms SET extended_to = $1, extension_approval = $2 WHERE id = $3")
        .bind(date_text(until))
        .bind(approval)
        .bind(term)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every active org in scope that elects a committee (not party groups), with its latest
/// election: (org id, name, code, kind code, path, latest elected_on, latest ends_on).
pub async fn latest_terms(
    conn: &mut Conn,
    scope: &Scope,
) -> StoreResult<
    Vec<(
        i64,
        String,
        String,
        String,
        OrgPath,
        Option<NaiveDate>,
        Option<NaiveDate>,
    )>,
> {
    let mut sql = Sql::new(
        "SELECT o.id, o.name, o.code, o.kind, o.path, t.elected_on, \
         COALESCE(t.extended_to, t.ends_on) AS ends_on FROM orgs o \
         LEFT JOIN org_terms t ON t.org_id = o.id AND t.elected_on = \
           (SELECT MAX(t2.elected_on) FROM org_terms t2 WHERE t2.org_id = o.id) \
         WHERE o.dissolved_on IS NULL AND o.kind <> 'group'",
    );
    push_org_scope(&mut sql, scope, "o.path");
    sql.push(" ORDER BY o.path");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            let path = row.text("path")?;
            Ok((
                row.int("id")?,
                row.text("name")?,
                row.text("code")?,
                row.text("kind")?,
                OrgPath::parse(&path).ok_or(crate::StoreError::Corrupt {
                    column: "orgs.path",
                    value: path,
                })?,
                row.opt_date("elected_on")?,
                row.opt_date("ends_on")?,
            ))
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentRow {
    pub member_id: i64,
    pub assessed_on: NaiveDate,
    pub political_quality: Rating,
    pub professional_ability: Rating,
    pub standing: Rating,
    pub remark: Option<String>,
    pub recorded_by: String,
}

pub struct NewAssessment<'a> {
    pub org: i64,
    pub member: i64,
    pub assessed_on: NaiveDate,
    pub political_quality: Rating,
    pub professional_ability: Rating,
    pub standing: Rating,
    pub remark: Option<&'a str>,
    pub recorded_by: &'a str,
}

pub async fn insert_assessment(
    conn: &mut Conn,
    a: &NewAssessment<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO secretary_assessments (org_id, member_id, assessed_on, political_quality, professional_ability, \
         standing, remark, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(a.org)
    .bind(a.member)
    .bind(date_text(a.assessed_on))
    .bind(a.political_quality.code())
    .bind(a.professional_ability.code())
    .bind(a.standing.code())
    .bind(a.remark)
    .bind(a.recorded_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

/// The latest assessment of `member` as secretary of `org`.
pub async fn latest_assessment(
    conn: &mut Conn,
    org: i64,
    member: i64,
) -> StoreResult<Option<AssessmentRow>> {
    sqlx::query(
        "SELECT member_id, assessed_on, political_quality, professional_ability, standing, remark, recorded_by \
         FROM secretary_assessments WHERE org_id = $1 AND member_id = $2 ORDER BY assessed_on DESC, id DESC LIMIT 1",
    )
    .bind(org)
    .bind(member)
    .fetch_optional(conn)
    .await?
    .map(|row| {
        Ok(AssessmentRow {
            member_id: row.int("member_id")?,
            assessed_on: row.date("assessed_on")?,
            political_quality: row.code("political_quality", Rating::from_code)?,
            professional_ability: row.code("professional_ability", Rating::from_code)?,
            standing: row.code("standing", Rating::from_code)?,
            remark: row.opt_text("remark")?,
            recorded_by: row.text("recorded_by")?,
        })
    })
    .transpose()
}
