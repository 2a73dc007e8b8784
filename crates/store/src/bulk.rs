//! Bulk loading for generated data (the demo and, later, imports): many rows per statement,
//! and history derived from the rows in set-based statements, so a province of 100,000
//! members loads in seconds rather than minutes.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::member::{Category, Education, Gender, MemberStatus, PoliceRank};
use dangjian_core::org::{OrgKind, OrgPath};

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, RowExt, Sql, date_text, timestamp_text};

/// A member row to load, with its id reserved by [`reserve_member_ids`] and its ID number and
/// phone already sealed for that id.
#[derive(Debug, Clone)]
pub struct BulkMember {
    pub id: i64,
    pub id_number_ct: String,
    pub phone_ct: Option<String>,
    pub name: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub ethnicity: String,
    pub education: Option<Education>,
    /// The keyed digest of the ID number.
    pub id_number_idx: String,
    /// None when the member has no 警号.
    pub police_number: Option<String>,
    pub police_rank: Option<PoliceRank>,
    pub position: Option<String>,
    pub unit_id: Option<i64>,
    pub branch_id: i64,
    pub category: Category,
    pub status: MemberStatus,
    pub joined_on: NaiveDate,
    pub full_membership_on: Option<NaiveDate>,
    pub probation_due_on: Option<NaiveDate>,
    /// The import that loads the row, if one does (to roll it back).
    pub import_batch_id: Option<i64>,
}

/// Rows per statement. On SQLite, binding through the Any driver costs more per parameter as
/// statements grow (at province scale 10 rows a statement loaded members twice as fast as
/// 400); on PostgreSQL every statement is a round trip, so fewer, larger ones win (2,000
/// member rows are 42,000 parameters, within the protocol's 65,535).
fn batch(conn: &Conn) -> usize {
    if conn.backend_name() == "PostgreSQL" {
        2000
    } else {
        10
    }
}

/// Inserts `rows` with many rows a statement: `head` runs up to `VALUES `, and `values` binds
/// one row's values, comma-separated, inside the parentheses this writes around them.
pub(crate) async fn insert_rows<T>(
    conn: &mut Conn,
    head: &'static str,
    rows: &[T],
    values: impl Fn(&mut Sql, &T),
) -> StoreResult<()> {
    for chunk in rows.chunks(batch(conn)) {
        let mut sql = Sql::new(head);
        for (i, row) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            values(&mut sql, row);
            sql.push(")");
        }
        let (text, args) = sql.parts();
        sqlx::query_with(&text, args).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts members in batches. Their history is derived afterwards by [`derive_member_history`].
pub async fn insert_members(
    conn: &mut Conn,
    members: &[BulkMember],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let now = timestamp_text(now);
    insert_rows(
        conn,
        "INSERT INTO members (id, name, gender, birth_date, ethnicity, education, id_number_ct, phone_ct, id_number_idx, \
         police_number, police_rank, position, unit_id, branch_id, category, status, joined_on, full_membership_on, \
         probation_due_on, import_batch_id, created_at, updated_at) VALUES ",
        members,
        |sql, m| {
            sql.bind(m.id)
                .push(", ")
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
                .bind(m.id_number_ct.clone())
                .push(", ")
                .bind(m.phone_ct.clone())
                .push(", ")
                .bind(m.id_number_idx.clone())
                .push(", ")
                .bind(
                    crate::members::stored_police_number(m.police_number.as_deref()).to_owned(),
                )
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
                .bind(m.import_batch_id)
                .push(", ")
                .bind(now.clone())
                .push(", ")
                .bind(now.clone());
        },
    )
    .await
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

/// Ids for `n` new members, taken before their rows are written so that their sealed values
/// (bound to the id) go in with them, instead of every row being written twice. PostgreSQL
/// draws them from the sequence that concurrent inserts share; on SQLite the transaction holds
/// the database's write lock, so the ids after the largest are free.
pub async fn reserve_member_ids(conn: &mut Conn, n: usize) -> StoreResult<Vec<i64>> {
    if conn.backend_name() == "PostgreSQL" {
        let rows = sql::fetch_all(conn, {
            let mut sql = Sql::new(
                "SELECT nextval(pg_get_serial_sequence('members', 'id')) AS id FROM generate_series(1, ",
            );
            sql.bind(n as i64).push(") AS s");
            sql
        })
        .await?;
        return rows.iter().map(|row| row.int("id")).collect();
    }
    let first = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM members")
        .fetch_one(conn)
        .await?
        .int("next")?;
    Ok((first..first + n as i64).collect())
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

/// An org row to load, with the id the loader gave it (into an empty database, see
/// [`is_empty`]): its path holds the id, so giving ids up front writes each org once instead
/// of inserting it and then setting its path.
#[derive(Debug, Clone)]
pub struct BulkOrg<'a> {
    pub id: i64,
    pub code: &'a str,
    pub name: &'a str,
    pub kind: OrgKind,
    pub parent_id: Option<i64>,
    pub path: OrgPath,
    pub unit_id: Option<i64>,
    pub is_joint: bool,
    pub founded_on: NaiveDate,
}

/// Inserts orgs (parents before children) with their parent and kind history from their
/// founding, then moves the id sequence past them on PostgreSQL.
pub async fn insert_orgs(
    conn: &mut Conn,
    orgs: &[BulkOrg<'_>],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let now = timestamp_text(now);
    insert_rows(
        conn,
        "INSERT INTO orgs (id, code, name, kind, parent_id, path, depth, unit_id, is_joint, founded_on, \
         created_at, updated_at) VALUES ",
        orgs,
        |sql, org| {
            sql.bind(org.id)
                .push(", ")
                .bind(org.code.to_owned())
                .push(", ")
                .bind(org.name.to_owned())
                .push(", ")
                .bind(org.kind.code())
                .push(", ")
                .bind(org.parent_id)
                .push(", ")
                .bind(org.path.as_str().to_owned())
                .push(", ")
                .bind(org.path.depth() as i64)
                .push(", ")
                .bind(org.unit_id)
                .push(", ")
                .bind(i64::from(org.is_joint))
                .push(", ")
                .bind(date_text(org.founded_on))
                .push(", ")
                .bind(now.clone())
                .push(", ")
                .bind(now.clone());
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO org_parent_history (org_id, parent_id, valid_from) VALUES ",
        orgs,
        |sql, org| {
            sql.bind(org.id)
                .push(", ")
                .bind(org.parent_id)
                .push(", ")
                .bind(date_text(org.founded_on));
        },
    )
    .await?;
    insert_rows(
        conn,
        "INSERT INTO org_kind_history (org_id, kind, valid_from) VALUES ",
        orgs,
        |sql, org| {
            sql.bind(org.id)
                .push(", ")
                .bind(org.kind.code())
                .push(", ")
                .bind(date_text(org.founded_on));
        },
    )
    .await?;
    sync_identity(conn, "orgs").await
}

/// After rows were written with ids given up front, moves a PostgreSQL identity past them
/// (SQLite needs nothing: its next rowid is the largest plus one).
pub(crate) async fn sync_identity(conn: &mut Conn, table: &'static str) -> StoreResult<()> {
    if conn.backend_name() == "PostgreSQL" {
        let mut sql = Sql::new("SELECT 1 AS done FROM (SELECT setval(pg_get_serial_sequence(");
        sql.bind(table)
            .push(", 'id'), (SELECT COALESCE(MAX(id), 1) FROM ")
            .push(table)
            .push("))) AS s");
        sql::fetch_all(conn, sql).await?;
    }
    Ok(())
}

/// The first free id of a table the demo loads with ids given up front.
pub(crate) async fn next_id(conn: &mut Conn, table: &'static str) -> StoreResult<i64> {
    let mut sql = Sql::new("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM ");
    sql.push(table);
    sql::fetch_one(conn, sql).await?.int("next")
}

/// The first free org id.
pub async fn next_org_id(conn: &mut Conn) -> StoreResult<i64> {
    next_id(conn, "orgs").await
}

/// A post held from a day on, to load.
#[derive(Debug, Clone)]
pub struct BulkPost {
    pub org_id: i64,
    pub member_id: i64,
    pub post: &'static str,
    pub from: NaiveDate,
}

/// Inserts open post intervals.
pub async fn insert_posts(conn: &mut Conn, posts: &[BulkPost]) -> StoreResult<()> {
    insert_rows(
        conn,
        "INSERT INTO org_posts (org_id, member_id, post, valid_from) VALUES ",
        posts,
        |sql, post| {
            sql.bind(post.org_id)
                .push(", ")
                .bind(post.member_id)
                .push(", ")
                .bind(post.post)
                .push(", ")
                .bind(date_text(post.from));
        },
    )
    .await
}

/// A member's placement in a party group to load.
#[derive(Debug, Clone)]
pub struct BulkPlacement {
    pub member_id: i64,
    pub group_id: i64,
    pub from: NaiveDate,
}

/// Inserts open placements in party groups.
pub async fn insert_placements(conn: &mut Conn, placements: &[BulkPlacement]) -> StoreResult<()> {
    insert_rows(
        conn,
        "INSERT INTO member_group_history (member_id, group_id, valid_from) VALUES ",
        placements,
        |sql, p| {
            sql.bind(p.member_id)
                .push(", ")
                .bind(p.group_id)
                .push(", ")
                .bind(date_text(p.from));
        },
    )
    .await
}

/// An election to load.
#[derive(Debug, Clone)]
pub struct BulkTerm {
    pub org_id: i64,
    pub elected_on: NaiveDate,
    pub years: u32,
    pub ends_on: NaiveDate,
    pub recorded_by: &'static str,
}

/// Inserts elections.
pub async fn insert_terms(
    conn: &mut Conn,
    terms: &[BulkTerm],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let now = timestamp_text(now);
    insert_rows(
        conn,
        "INSERT INTO org_terms (org_id, elected_on, term_years, ends_on, recorded_by, created_at) VALUES ",
        terms,
        |sql, term| {
            sql.bind(term.org_id)
                .push(", ")
                .bind(date_text(term.elected_on))
                .push(", ")
                .bind(i64::from(term.years))
                .push(", ")
                .bind(date_text(term.ends_on))
                .push(", ")
                .bind(term.recorded_by)
                .push(", ")
                .bind(now.clone());
        },
    )
    .await
}

/// Drops the secondary indexes of `tables` and returns the statements that create them again
/// (read from the catalogue, so they are the migrations' own). Loading a few million rows into
/// an empty table and then building its indexes once is much faster than maintaining every
/// index row by row; constraint indexes stay.
pub async fn drop_indexes(conn: &mut Conn, tables: &[&str]) -> StoreResult<Vec<String>> {
    let postgres = conn.backend_name() == "PostgreSQL";
    let mut statements = Vec::new();
    for table in tables {
        let query = if postgres {
            "SELECT indexname::text AS name, indexdef AS def FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename = $1 \
             AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        } else {
            "SELECT name, sql AS def FROM sqlite_master \
             WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL"
        };
        let rows = sqlx::query(query)
            .bind(*table)
            .fetch_all(&mut *conn)
            .await?;
        for row in &rows {
            let drop = format!("DROP INDEX \"{}\"", row.text("name")?.replace('"', ""));
            sqlx::query(&drop).execute(&mut *conn).await?;
            statements.push(row.text("def")?);
        }
    }
    Ok(statements)
}

/// Runs the statements [`drop_indexes`] and [`drop_foreign_keys`] returned.
pub async fn rebuild(conn: &mut Conn, statements: &[String]) -> StoreResult<()> {
    for statement in statements {
        sqlx::query(statement).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Drops the foreign keys of `tables` on PostgreSQL and returns the statements that add them
/// again. Each loaded row would otherwise be checked against its parent on its own (a trigger
/// per row: most of the time of loading a province's organisational life); adding a key back
/// checks every row in one join. SQLite checks keys cheaply and cannot drop them: nothing.
pub async fn drop_foreign_keys(conn: &mut Conn, tables: &[&str]) -> StoreResult<Vec<String>> {
    if conn.backend_name() != "PostgreSQL" {
        return Ok(Vec::new());
    }
    let mut statements = Vec::new();
    for table in tables {
        let rows = sqlx::query(
            "SELECT conname::text AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint \
             WHERE contype = 'f' AND conrelid = $1::regclass",
        )
        .bind(*table)
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            let name = row.text("name")?.replace('"', "");
            let drop = format!("ALTER TABLE {table} DROP CONSTRAINT \"{name}\"");
            sqlx::query(&drop).execute(&mut *conn).await?;
            statements.push(format!(
                "ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {}",
                row.text("def")?
            ));
        }
    }
    Ok(statements)
}
