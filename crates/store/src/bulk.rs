//! Bulk loading for generated data (the demo and, later, imports): many rows per statement,
//! and history derived from the rows in set-based statements, so a province of 100,000
//! members loads in seconds rather than minutes.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::member::{Category, Education, Gender, MemberStatus, PoliceRank};

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, RowExt, Sql, date_text, timestamp_text};

/// A member row to load.
#[derive(Debug, Clone)]
pub struct BulkMember {
    pub name: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub ethnicity: String,
    pub education: Option<Education>,
    /// The keyed digest of the ID number; the sealed values are written afterwards by
    /// [`set_protected_many`], once the rows have their ids.
    pub id_number_idx: String,
    pub police_number: String,
    pub police_rank: Option<PoliceRank>,
    pub position: Option<String>,
    pub unit_id: Option<i64>,
    pub branch_id: i64,
    pub category: Category,
    pub status: MemberStatus,
    pub joined_on: NaiveDate,
    pub full_membership_on: Option<NaiveDate>,
    pub probation_due_on: Option<NaiveDate>,
}

/// Rows per statement. On SQLite, binding through the Any driver costs more per parameter as
/// statements grow (at province scale 10 rows a statement loaded members twice as fast as
/// 400); on PostgreSQL every statement is a round trip, so fewer, larger ones win.
fn batch(conn: &Conn) -> usize {
    if conn.backend_name() == "PostgreSQL" {
        400
    } else {
        10
    }
}

/// Inserts members in batches. Their history is derived afterwards by [`derive_member_history`].
pub async fn insert_members(
    conn: &mut Conn,
    members: &[BulkMember],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let now = timestamp_text(now);
    for chunk in members.chunks(batch(conn)) {
        let mut sql = Sql::new(
            "INSERT INTO members (name, gender, birth_date, ethnicity, education, id_number_ct, id_number_idx, police_number, \
             police_rank, position, unit_id, branch_id, category, status, joined_on, full_membership_on, probation_due_on, \
             created_at, updated_at) VALUES ",
        );
        for (i, m) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(m.name.clone())
                .push(", ")
                .bind(m.gender.code())
                .push(", ")
                .bind(date_text(m.birth_date))
                .push(", ")
                .bind(m.ethnicity.clone())
                .push(", ")
                .bind(m.education.map(|e| e.code()))
                .push(", ")
                .bind("")
                .push(", ")
                .bind(m.id_number_idx.clone())
                .push(", ")
                .bind(m.police_number.clone())
                .push(", ")
                .bind(m.police_rank.map(|r| r.code()))
                .push(", ")
                .bind(m.position.clone())
                .push(", ")
                .bind(m.unit_id)
                .push(", ")
                .bind(m.branch_id)
                .push(", ")
                .bind(m.category.code())
                .push(", ")
                .bind(m.status.code())
                .push(", ")
                .bind(date_text(m.joined_on))
                .push(", ")
                .bind(m.full_membership_on.map(date_text))
                .push(", ")
                .bind(m.probation_due_on.map(date_text))
                .push(", ")
                .bind(now.clone())
                .push(", ")
                .bind(now.clone())
                .push(")");
        }
        let (text, args) = sql.parts();
        sqlx::query_with(&text, args).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Writes the history of members that have none: in their branch and status from the day
/// they joined the party (or the branch was founded, if later), probationary from admission
/// and full from full membership.
pub async fn derive_member_history(conn: &mut Conn) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO member_branch_history (member_id, org_id, valid_from) \
         SELECT m.id, m.branch_id, CASE WHEN m.joined_on > b.founded_on THEN m.joined_on ELSE b.founded_on END \
         FROM members m JOIN orgs b ON b.id = m.branch_id \
         WHERE NOT EXISTS (SELECT 1 FROM member_branch_history h WHERE h.member_id = m.id)",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO member_status_history (member_id, status, valid_from) \
         SELECT m.id, m.status, CASE WHEN m.joined_on > b.founded_on THEN m.joined_on ELSE b.founded_on END \
         FROM members m JOIN orgs b ON b.id = m.branch_id \
         WHERE NOT EXISTS (SELECT 1 FROM member_status_history h WHERE h.member_id = m.id)",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO member_category_history (member_id, category, valid_from, valid_to) \
         SELECT m.id, 'probationary', m.joined_on, m.full_membership_on FROM members m \
         WHERE NOT EXISTS (SELECT 1 FROM member_category_history h WHERE h.member_id = m.id)",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO member_category_history (member_id, category, valid_from) \
         SELECT m.id, 'full', m.full_membership_on FROM members m \
         WHERE m.category = 'full' AND m.full_membership_on IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM member_category_history h WHERE h.member_id = m.id AND h.category = 'full')",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sealed values for many rows: `(id, id_number_ct, phone_ct)`, in batches of one
/// `UPDATE … FROM (VALUES …)` each (both engines name the value columns `column1…`).
pub async fn set_protected_many(
    conn: &mut Conn,
    rows: &[(i64, String, Option<String>)],
) -> StoreResult<()> {
    for chunk in rows.chunks(batch(conn)) {
        let mut sql = Sql::new(
            "UPDATE members SET id_number_ct = v.column2, phone_ct = v.column3 FROM (VALUES ",
        );
        for (i, (id, ct, phone)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*id)
                .push(", ")
                .bind(ct.clone())
                .push(", ")
                .bind(phone.clone())
                .push(")");
        }
        sql.push(") AS v WHERE members.id = v.column1");
        let (text, args) = sql.parts();
        sqlx::query_with(&text, args).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Member ids by ID-number digest, for sealing freshly loaded rows.
pub async fn member_ids_by_id_number_idx(
    conn: &mut Conn,
) -> StoreResult<std::collections::HashMap<String, i64>> {
    let rows = sql::fetch_all(
        conn,
        Sql::new("SELECT id, id_number_idx FROM members WHERE id_number_ct = ''"),
    )
    .await?;
    rows.iter()
        .map(|row| Ok((row.text("id_number_idx")?, row.int("id")?)))
        .collect()
}

/// Ids of members by police number, for the generator to appoint secretaries.
pub async fn member_ids_by_police_number(
    conn: &mut Conn,
) -> StoreResult<std::collections::HashMap<String, i64>> {
    let rows = sql::fetch_all(conn, Sql::new("SELECT id, police_number FROM members")).await?;
    rows.iter()
        .map(|row| Ok((row.text("police_number")?, row.int("id")?)))
        .collect()
}

/// Whether the database holds no orgs and no members yet.
pub async fn is_empty(conn: &mut Conn) -> StoreResult<bool> {
    let orgs = sql::fetch_one(conn, Sql::new("SELECT COUNT(*) AS n FROM orgs"))
        .await?
        .int("n")?;
    let members = sql::fetch_one(conn, Sql::new("SELECT COUNT(*) AS n FROM members"))
        .await?
        .int("n")?;
    Ok(orgs == 0 && members == 0)
}

/// The `created` event of every member of an import batch.
pub async fn insert_created_events(
    conn: &mut Conn,
    batch: i64,
    actor_login: &str,
    account: Option<i64>,
    on: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO member_events (member_id, kind, occurred_on, reason, details, actor_account_id, actor_login, created_at) \
         SELECT id, 'created', $1, '表格导入', $2, $3, $4, $5 FROM members WHERE import_batch_id = $6",
    )
    .bind(date_text(on))
    .bind(format!("{{\"import_batch\":{batch}}}"))
    .bind(account)
    .bind(actor_login)
    .bind(timestamp_text(now))
    .bind(batch)
    .execute(conn)
    .await?;
    Ok(())
}
