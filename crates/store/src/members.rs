//! The member roster. Current branch, category and status are columns here for fast lists;
//! their dated history is kept beside them in `history` by every write.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::member::{Category, Education, Gender, MemberStatus, PoliceRank};
use dangjian_core::org::OrgPath;
use dangjian_core::role::Scope;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::{StoreError, StoreResult};
use crate::sql::{self, Page, RowExt, Sql, date_text, push_org_scope, timestamp_text};

/// A member as stored. The ID number and phone are sealed: only the service's crypto provider
/// opens them, and it decides who sees what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub ethnicity: String,
    pub education: Option<Education>,
    pub id_number_ct: String,
    pub phone_ct: Option<String>,
    /// None when the member has no 警号 (stored as '', see migration 0013).
    pub police_number: Option<String>,
    pub police_rank: Option<PoliceRank>,
    pub position: Option<String>,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub branch_id: i64,
    pub branch_code: String,
    pub branch_name: String,
    pub branch_path: OrgPath,
    pub category: Category,
    pub status: MemberStatus,
    pub joined_on: NaiveDate,
    pub full_membership_on: Option<NaiveDate>,
    pub probation_due_on: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

/// The member columns of a row (`m` the member, `b` its branch, `u` its unit).
macro_rules! columns {
    () => {
        concat!(
            "SELECT m.id, m.name, m.gender, m.birth_date, m.ethnicity, m.education, m.id_number_ct, m.phone_ct, ",
            "m.police_number, m.police_rank, m.position, m.unit_id, u.name AS unit_name, m.branch_id, ",
            "b.code AS branch_code, b.name AS branch_name, b.path AS branch_path, m.category, m.status, ",
            "m.joined_on, m.full_membership_on, m.probation_due_on, m.updated_at"
        )
    };
}

/// The member columns, the joins, and `$tail`.
macro_rules! select {
    ($tail:literal) => {
        concat!(
            columns!(),
            " FROM members m JOIN orgs b ON b.id = m.branch_id LEFT JOIN units u ON u.id = m.unit_id ",
            $tail
        )
    };
}

/// Members joined to their branches, walked in roster order. SQLite joins in the order written
/// after `CROSS JOIN`: walking the orgs by path and each org's members by id (both indexed)
/// yields the page order directly, so a page reads only as far as its end instead of sorting
/// every match (a tenth of the time for a first page). PostgreSQL plans its own order and
/// rejects that syntax.
fn roster_walk(conn: &Conn) -> &'static str {
    if conn.backend_name() == "PostgreSQL" {
        " FROM members m JOIN orgs b ON b.id = m.branch_id"
    } else {
        " FROM orgs b CROSS JOIN members m ON m.branch_id = b.id"
    }
}

/// The stored 警号, '' meaning none.
fn police_number(row: &AnyRow) -> StoreResult<Option<String>> {
    Ok(Some(row.text("police_number")?).filter(|n| !n.is_empty()))
}

/// How a missing 警号 is stored.
pub(crate) fn stored_police_number(number: Option<&str>) -> &str {
    number.unwrap_or("")
}

fn from_row(row: &AnyRow) -> StoreResult<MemberRow> {
    let path = row.text("branch_path")?;
    Ok(MemberRow {
        id: row.int("id")?,
        name: row.text("name")?,
        gender: row.code("gender", Gender::from_code)?,
        birth_date: row.date("birth_date")?,
        ethnicity: row.text("ethnicity")?,
        education: row.opt_code("education", Education::from_code)?,
        id_number_ct: row.text("id_number_ct")?,
        phone_ct: row.opt_text("phone_ct")?,
        police_number: police_number(row)?,
        police_rank: row.opt_code("police_rank", PoliceRank::from_code)?,
        position: row.opt_text("position")?,
        unit_id: row.opt_int("unit_id")?,
        unit_name: row.opt_text("unit_name")?,
        branch_id: row.int("branch_id")?,
        branch_code: row.text("branch_code")?,
        branch_name: row.text("branch_name")?,
        branch_path: OrgPath::parse(&path).ok_or(StoreError::Corrupt {
            column: "orgs.path",
            value: path,
        })?,
        category: row.code("category", Category::from_code)?,
        status: row.code("status", MemberStatus::from_code)?,
        joined_on: row.date("joined_on")?,
        full_membership_on: row.opt_date("full_membership_on")?,
        probation_due_on: row.opt_date("probation_due_on")?,
        updated_at: row.timestamp("updated_at")?,
    })
}

pub async fn get(conn: &mut Conn, id: i64) -> StoreResult<Option<MemberRow>> {
    sqlx::query(select!("WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn by_police_number(
    conn: &mut Conn,
    police_number: &str,
) -> StoreResult<Option<MemberRow>> {
    // The unique index holds only the numbers that are not empty (0013); the second
    // condition lets SQLite and PostgreSQL use it (a lookup instead of a scan of the roll).
    sqlx::query(select!(
        "WHERE m.police_number = $1 AND m.police_number <> ''"
    ))
    .bind(police_number)
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Filters of the member list; every one is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct MemberFilter {
    /// Part of the name.
    pub name: Option<String>,
    /// The exact police number.
    pub police_number: Option<String>,
    /// Members of this org's subtree.
    pub org: Option<OrgPath>,
    pub category: Option<Category>,
    pub status: Option<MemberStatus>,
    pub gender: Option<Gender>,
    /// The keyed digest of a whole ID number.
    pub id_number_idx: Option<String>,
    /// Members working in this unit.
    pub unit_id: Option<i64>,
}

fn push_filter(sql: &mut Sql, scope: &Scope, filter: &MemberFilter) {
    match scope {
        Scope::OwnRecord { member_id } => {
            sql.push(" AND m.id = ").bind(*member_id);
        }
        other => push_org_scope(sql, other, "b.path"),
    }
    if let Some(name) = &filter.name {
        // A substring cannot use an index; as a subquery it scans the narrow name index
        // instead of the wide member rows (a third of the time at province scale).
        sql.push(" AND m.id IN (SELECT id FROM members WHERE name LIKE ")
            .bind(sql::contains_pattern(name))
            .push(" ESCAPE '\\')");
    }
    if let Some(number) = &filter.police_number {
        sql.push(" AND m.police_number <> '' AND m.police_number = ")
            .bind(number.clone());
    }
    if let Some(path) = &filter.org {
        sql.push(" AND b.path >= ")
            .bind(path.as_str().to_owned())
            .push(" AND b.path < ")
            .bind(path.upper_bound());
    }
    // Category and status are written as literals (codes of our own enums, never user
    // text) so that the planner can use the partial indexes on the rare values; as bound
    // parameters it cannot know they match.
    if let Some(category) = filter.category {
        sql.push(" AND m.category = '")
            .push(category.code())
            .push("'");
    }
    if let Some(status) = filter.status {
        sql.push(" AND m.status = '").push(status.code()).push("'");
        if status != MemberStatus::Active {
            sql.push(" AND m.status <> 'active'");
        }
    }
    if let Some(gender) = filter.gender {
        sql.push(" AND m.gender = ").bind(gender.code());
    }
    if let Some(idx) = &filter.id_number_idx {
        sql.push(" AND m.id_number_idx = ").bind(idx.clone());
    }
    if let Some(unit) = filter.unit_id {
        sql.push(" AND m.unit_id = ").bind(unit);
    }
}

/// One page of the members in scope that match the filter, in branch then id order, and the
/// total number that match.
pub async fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &MemberFilter,
    page: Page,
) -> StoreResult<(Vec<MemberRow>, i64)> {
    // A name is a substring, which no index finds: on SQLite, one pass that also counts
    // (over the matches) instead of a count and a page that would each read every name.
    // PostgreSQL plans that window as a walk of the whole tree in page order, so it keeps
    // the two queries.
    let one_pass = filter.name.is_some() && conn.backend_name() != "PostgreSQL";
    if one_pass {
        let mut sql = Sql::new(columns!());
        // The name's matches drive this join: walked in roster order instead, every org would
        // look up every match (15,000 × 2,300 lookups for one character at province scale).
        sql.push(
            ", COUNT(*) OVER () AS total FROM members m JOIN orgs b ON b.id = m.branch_id \
             LEFT JOIN units u ON u.id = m.unit_id WHERE 1 = 1",
        );
        push_filter(&mut sql, scope, filter);
        push_page(&mut sql, page);
        let rows = sql::fetch_all(conn, sql).await?;
        if let Some(first) = rows.first() {
            let total = first.int("total")?;
            let rows = rows.iter().map(from_row).collect::<StoreResult<_>>()?;
            return Ok((rows, total));
        }
        // Past the last page: only the count is left to give.
    }
    let total = count(conn, scope, filter).await?;
    if one_pass {
        return Ok((Vec::new(), total));
    }
    Ok((
        rows(conn, scope, filter, page, Anchor::Number).await?,
        total,
    ))
}

/// How many members in scope match the filter.
pub async fn count(conn: &mut Conn, scope: &Scope, filter: &MemberFilter) -> StoreResult<i64> {
    // The join only narrows to orgs; every member has a branch, so without an org filter
    // the count need not pay a lookup per member.
    let mut count = Sql::new("SELECT COUNT(*) AS n FROM members m");
    if filter.org.is_some() || matches!(scope, Scope::Subtree { .. }) {
        count.push(" JOIN orgs b ON b.id = m.branch_id");
    }
    count.push(" WHERE 1 = 1");
    push_filter(&mut count, scope, filter);
    sql::fetch_one(conn, count).await?.int("n")
}

/// Where a page of the roster starts: at its number (an offset), or just after or before a
/// member of the page next to it (keyset pagination: a page deep in a province's roster then
/// costs what the first does, instead of reading every member before it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Anchor {
    #[default]
    Number,
    After(i64),
    Before(i64),
}

/// One page of the members in scope that match the filter, in branch then id order. The page's
/// ids are found first, from the indexes alone where the filter allows; only those members'
/// rows and units are then read, not those of every member skipped to reach a deep page.
/// An anchor that names no member falls back to the page's number.
pub async fn rows(
    conn: &mut Conn,
    scope: &Scope,
    filter: &MemberFilter,
    page: Page,
    anchor: Anchor,
) -> StoreResult<Vec<MemberRow>> {
    let keyed = match anchor {
        Anchor::Number => None,
        Anchor::After(id) | Anchor::Before(id) => {
            let path: Option<String> = sqlx::query_scalar(
                "SELECT b.path FROM members m JOIN orgs b ON b.id = m.branch_id WHERE m.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
            path.map(|path| (path, id, matches!(anchor, Anchor::After(_))))
        }
    };
    let mut sql = Sql::new(select!("WHERE m.id IN (SELECT m.id"));
    sql.push(roster_walk(conn)).push(" WHERE 1 = 1");
    push_filter(&mut sql, scope, filter);
    match keyed {
        None => push_page(&mut sql, page),
        // (path, id) > (anchor's path, anchor's id), written so that the path bound is an
        // index range on both engines.
        Some((path, id, true)) => {
            sql.push(" AND b.path >= ")
                .bind(path.clone())
                .push(" AND (b.path > ")
                .bind(path)
                .push(" OR m.id > ")
                .bind(id)
                .push(") ORDER BY b.path, m.id LIMIT ")
                .bind(page.limit());
        }
        Some((path, id, false)) => {
            sql.push(" AND b.path <= ")
                .bind(path.clone())
                .push(" AND (b.path < ")
                .bind(path)
                .push(" OR m.id < ")
                .bind(id)
                .push(") ORDER BY b.path DESC, m.id DESC LIMIT ")
                .bind(page.limit());
        }
    }
    sql.push(") ORDER BY b.path, m.id");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

fn push_page(sql: &mut Sql, page: Page) {
    sql.push(" ORDER BY b.path, m.id LIMIT ")
        .bind(page.limit())
        .push(" OFFSET ")
        .bind(page.offset());
}

/// The fields written on create and edit, as stored text and references.
#[derive(Debug, Clone)]
pub struct MemberValues<'a> {
    pub name: &'a str,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub ethnicity: &'a str,
    pub education: Option<Education>,
    /// The keyed digest of the ID number (lookup and uniqueness).
    pub id_number_idx: &'a str,
    pub police_number: Option<&'a str>,
    pub police_rank: Option<PoliceRank>,
    pub position: Option<&'a str>,
    pub unit_id: Option<i64>,
    pub joined_on: NaiveDate,
    pub full_membership_on: Option<NaiveDate>,
}

/// Inserts a member with the given current branch, category and status; the caller opens
/// their history intervals.
pub async fn insert(
    conn: &mut Conn,
    values: &MemberValues<'_>,
    branch_id: i64,
    category: Category,
    status: MemberStatus,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    let row = sqlx::query(
        "INSERT INTO members (name, gender, birth_date, ethnicity, education, id_number_ct, id_number_idx, police_number, \
         police_rank, position, unit_id, branch_id, category, status, joined_on, full_membership_on, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) RETURNING id",
    )
    .bind(values.name)
    .bind(values.gender.code())
    .bind(date_text(values.birth_date))
    .bind(values.ethnicity)
    .bind(values.education.map(|e| e.code()))
    .bind("")
    .bind(values.id_number_idx)
    .bind(stored_police_number(values.police_number))
    .bind(values.police_rank.map(|r| r.code()))
    .bind(values.position)
    .bind(values.unit_id)
    .bind(branch_id)
    .bind(category.code())
    .bind(status.code())
    .bind(date_text(values.joined_on))
    .bind(values.full_membership_on.map(date_text))
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?;
    row.int("id")
}

/// Writes the member's own (not dated) fields.
pub async fn update_values(
    conn: &mut Conn,
    id: i64,
    values: &MemberValues<'_>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE members SET name = $1, gender = $2, birth_date = $3, ethnicity = $4, education = $5, \
         id_number_idx = $6, police_number = $7, police_rank = $8, position = $9, unit_id = $10, \
         joined_on = $11, full_membership_on = $12, updated_at = $13 WHERE id = $14",
    )
    .bind(values.name)
    .bind(values.gender.code())
    .bind(date_text(values.birth_date))
    .bind(values.ethnicity)
    .bind(values.education.map(|e| e.code()))
    .bind(values.id_number_idx)
    .bind(stored_police_number(values.police_number))
    .bind(values.police_rank.map(|r| r.code()))
    .bind(values.position)
    .bind(values.unit_id)
    .bind(date_text(values.joined_on))
    .bind(values.full_membership_on.map(date_text))
    .bind(timestamp_text(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes the sealed ID number and phone. They are sealed for the row's id, so they are
/// written after the row exists (and again, under a newer key, by `keys rotate`).
pub async fn set_protected(
    conn: &mut Conn,
    id: i64,
    id_number_ct: &str,
    phone_ct: Option<&str>,
) -> StoreResult<()> {
    sqlx::query("UPDATE members SET id_number_ct = $1, phone_ct = $2 WHERE id = $3")
        .bind(id_number_ct)
        .bind(phone_ct)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records full membership: the category, its date, and no more probation.
pub async fn set_full_membership(conn: &mut Conn, id: i64, full_on: NaiveDate) -> StoreResult<()> {
    sqlx::query("UPDATE members SET category = 'full', full_membership_on = $1, probation_due_on = NULL WHERE id = $2")
        .bind(date_text(full_on))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets when probation ends (at admission, and after an extension).
pub async fn set_probation_due(
    conn: &mut Conn,
    id: i64,
    due: Option<NaiveDate>,
) -> StoreResult<()> {
    sqlx::query("UPDATE members SET probation_due_on = $1 WHERE id = $2")
        .bind(due.map(date_text))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The member with this ID-number digest, if any.
pub async fn by_id_number_idx(conn: &mut Conn, idx: &str) -> StoreResult<Option<MemberRow>> {
    sqlx::query(select!("WHERE m.id_number_idx = $1"))
        .bind(idx)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Sets the current branch, category and status columns (their history is written alongside).
pub async fn set_current(
    conn: &mut Conn,
    id: i64,
    branch_id: i64,
    category: Category,
    status: MemberStatus,
) -> StoreResult<()> {
    sqlx::query("UPDATE members SET branch_id = $1, category = $2, status = $3 WHERE id = $4")
        .bind(branch_id)
        .bind(category.code())
        .bind(status.code())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The members on the roll of a branch on a date, from the history (who was there then).
pub async fn on_roll_of_branch(
    conn: &mut Conn,
    branch_id: i64,
    on: NaiveDate,
) -> StoreResult<Vec<i64>> {
    let day = date_text(on);
    let rows = sqlx::query(
        "SELECT h.member_id FROM member_branch_history h \
         JOIN member_status_history s ON s.member_id = h.member_id \
         WHERE h.org_id = $1 AND h.valid_from <= $2 AND (h.valid_to IS NULL OR h.valid_to > $2) \
         AND s.valid_from <= $2 AND (s.valid_to IS NULL OR s.valid_to > $2) \
         AND s.status IN ('active', 'lost_contact') ORDER BY h.member_id",
    )
    .bind(branch_id)
    .bind(day)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| r.int("member_id")).collect()
}

/// Every stored ID-number digest and 警号, to find duplicates of a whole sheet at once.
pub async fn identity_keys(
    conn: &mut Conn,
) -> StoreResult<(
    std::collections::HashSet<String>,
    std::collections::HashSet<String>,
)> {
    let rows = sqlx::query("SELECT id_number_idx, police_number FROM members")
        .fetch_all(conn)
        .await?;
    let mut ids = std::collections::HashSet::with_capacity(rows.len());
    let mut numbers = std::collections::HashSet::with_capacity(rows.len());
    for row in &rows {
        ids.insert(row.text("id_number_idx")?);
        numbers.extend(police_number(row)?);
    }
    Ok((ids, numbers))
}

/// Up to `limit` members after `after_id` with their sealed fields (key rotation).
pub async fn sealed_after(
    conn: &mut Conn,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<(i64, String, Option<String>)>> {
    let rows = sqlx::query(
        "SELECT id, id_number_ct, phone_ct FROM members WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.int("id")?,
                r.text("id_number_ct")?,
                r.opt_text("phone_ct")?,
            ))
        })
        .collect()
}

/// An active member whose day of joining falls in a range of days of the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anniversary {
    pub member_id: i64,
    pub name: String,
    pub branch_name: String,
    pub joined_on: NaiveDate,
}

/// Active members in scope whose day of joining (`MM-DD`) lies from `from` through `to`,
/// inclusive; when the range passes the new year `from` is later than `to`. What the 政治生日
/// reminders of the coming days read.
pub async fn joined_between(
    conn: &mut Conn,
    scope: &Scope,
    from: &str,
    to: &str,
) -> StoreResult<Vec<Anniversary>> {
    let mut q = Sql::new(
        "SELECT m.id, m.name, b.name AS branch_name, m.joined_on FROM members m \
         JOIN orgs b ON b.id = m.branch_id WHERE m.status = 'active'",
    );
    push_org_scope(&mut q, scope, "b.path");
    if from <= to {
        q.push(" AND substr(m.joined_on, 6, 5) >= ")
            .bind(from.to_owned())
            .push(" AND substr(m.joined_on, 6, 5) <= ")
            .bind(to.to_owned());
    } else {
        q.push(" AND (substr(m.joined_on, 6, 5) >= ")
            .bind(from.to_owned())
            .push(" OR substr(m.joined_on, 6, 5) <= ")
            .bind(to.to_owned())
            .push(")");
    }
    q.push(" ORDER BY b.path, m.id LIMIT 2000");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| {
            Ok(Anniversary {
                member_id: row.int("id")?,
                name: row.text("name")?,
                branch_name: row.text("branch_name")?,
                joined_on: row.date("joined_on")?,
            })
        })
        .collect()
}

/// Active full members in scope who became full members from `after` (exclusive) through
/// `through` (inclusive), oldest first: the 光荣在党50年 list of a year reads the window of
/// full-membership days that reach fifty years by its cutoff and not by the year before's.
pub async fn full_between(
    conn: &mut Conn,
    scope: &Scope,
    after: NaiveDate,
    through: NaiveDate,
) -> StoreResult<Vec<Anniversary>> {
    let mut q = Sql::new(
        "SELECT m.id, m.name, b.name AS branch_name, m.full_membership_on AS joined_on FROM members m \
         JOIN orgs b ON b.id = m.branch_id WHERE m.status = 'active' AND m.full_membership_on > ",
    );
    q.bind(date_text(after))
        .push(" AND m.full_membership_on <= ")
        .bind(date_text(through));
    push_org_scope(&mut q, scope, "b.path");
    q.push(" ORDER BY m.full_membership_on, m.id LIMIT 5000");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| {
            Ok(Anniversary {
                member_id: row.int("id")?,
                name: row.text("name")?,
                branch_name: row.text("branch_name")?,
                joined_on: row.date("joined_on")?,
            })
        })
        .collect()
}
