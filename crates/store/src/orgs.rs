//! The org tree. The current tree is `orgs` with its materialised `path`; how it came to be
//! is in `org_parent_history` and `org_kind_history` (dated intervals) and in `founded_on` /
//! `dissolved_on`, the org's existence.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::org::{OrgKind, OrgPath};
use dangjian_core::role::Scope;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::{StoreError, StoreResult};
use crate::history;
use crate::sql::{self, RowExt, Sql, date_text, push_org_scope, timestamp_text};

/// An org as the pages and the API show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_id: Option<i64>,
    pub path: OrgPath,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub is_joint: bool,
    pub founded_on: NaiveDate,
    pub dissolved_on: Option<NaiveDate>,
    pub secretary_id: Option<i64>,
    pub secretary_name: Option<String>,
    /// Orgs directly below that are not dissolved.
    pub child_count: i64,
    /// Members on the roll (正常 or 失联) of every branch in the subtree.
    pub member_count: i64,
}

/// The org query with a static tail; the counts are correlated subqueries on indexed columns.
macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT o.id, o.code, o.name, o.kind, o.parent_id, o.path, o.unit_id, u.name AS unit_name, ",
            "o.is_joint, o.founded_on, o.dissolved_on, p.member_id AS secretary_id, sm.name AS secretary_name, ",
            "(SELECT COUNT(*) FROM orgs c WHERE c.parent_id = o.id AND c.dissolved_on IS NULL) AS child_count, ",
            "(SELECT COUNT(*) FROM members m JOIN orgs b ON b.id = m.branch_id ",
            "  WHERE b.path >= o.path AND b.path < substr(o.path, 1, length(o.path) - 1) || '0' ",
            "  AND m.status IN ('active', 'lost_contact')) AS member_count ",
            "FROM orgs o LEFT JOIN units u ON u.id = o.unit_id ",
            "LEFT JOIN org_posts p ON p.org_id = o.id AND p.post = 'secretary' AND p.valid_to IS NULL ",
            "LEFT JOIN members sm ON sm.id = p.member_id ",
            $tail
        )
    };
}

fn from_row(row: &AnyRow) -> StoreResult<OrgRow> {
    let path = row.text("path")?;
    Ok(OrgRow {
        id: row.int("id")?,
        code: row.text("code")?,
        name: row.text("name")?,
        kind: row.code("kind", OrgKind::from_code)?,
        parent_id: row.opt_int("parent_id")?,
        path: OrgPath::parse(&path).ok_or(StoreError::Corrupt {
            column: "orgs.path",
            value: path,
        })?,
        unit_id: row.opt_int("unit_id")?,
        unit_name: row.opt_text("unit_name")?,
        is_joint: row.flag("is_joint")?,
        founded_on: row.date("founded_on")?,
        dissolved_on: row.opt_date("dissolved_on")?,
        secretary_id: row.opt_int("secretary_id")?,
        secretary_name: row.opt_text("secretary_name")?,
        child_count: row.int("child_count")?,
        member_count: row.int("member_count")?,
    })
}

fn rows(rows: Vec<AnyRow>) -> StoreResult<Vec<OrgRow>> {
    rows.iter().map(from_row).collect()
}

pub async fn get(conn: &mut Conn, id: i64) -> StoreResult<Option<OrgRow>> {
    sqlx::query(select!("WHERE o.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn by_code(conn: &mut Conn, code: &str) -> StoreResult<Option<OrgRow>> {
    sqlx::query(select!("WHERE o.code = $1"))
        .bind(code)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The orgs on a path (root first), for breadcrumbs.
pub async fn on_path(conn: &mut Conn, path: &OrgPath) -> StoreResult<Vec<OrgRow>> {
    let mut found = Vec::new();
    for id in path.ids() {
        if let Some(org) = get(conn, id).await? {
            found.push(org);
        }
    }
    Ok(found)
}

/// The orgs directly below `parent` (`None`: the roots), by code.
pub async fn children(
    conn: &mut Conn,
    parent: Option<i64>,
    include_dissolved: bool,
) -> StoreResult<Vec<OrgRow>> {
    let mut sql = Sql::new(select!("WHERE 1 = 1"));
    match parent {
        Some(id) => sql.push(" AND o.parent_id = ").bind(id),
        None => sql.push(" AND o.parent_id IS NULL"),
    };
    if !include_dissolved {
        sql.push(" AND o.dissolved_on IS NULL");
    }
    sql.push(" ORDER BY o.code");
    rows(sql::fetch_all(conn, sql).await?)
}

/// The ids and names of the orgs directly below `parent` (dissolved ones too), by code: the
/// light form of [`children`] for reports that only label their rows.
pub async fn child_names(conn: &mut Conn, parent: i64) -> StoreResult<Vec<(i64, String)>> {
    let rows = sqlx::query("SELECT id, name FROM orgs WHERE parent_id = $1 ORDER BY code")
        .bind(parent)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| Ok((row.int("id")?, row.text("name")?)))
        .collect()
}

/// Filters for searching the tree.
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    /// Part of the name or code.
    pub text: Option<String>,
    pub kind: Option<OrgKind>,
    pub include_dissolved: bool,
    /// Only branches that have no current secretary.
    pub without_secretary: bool,
}

/// Orgs in scope matching the filter, by path (tree order), at most `limit`.
pub async fn search(
    conn: &mut Conn,
    scope: &Scope,
    filter: &OrgFilter,
    limit: i64,
) -> StoreResult<Vec<OrgRow>> {
    let mut sql = Sql::new(select!("WHERE 1 = 1"));
    push_org_scope(&mut sql, scope, "o.path");
    if let Some(text) = &filter.text {
        let pattern = sql::contains_pattern(text);
        sql.push(" AND (o.name LIKE ")
            .bind(pattern.clone())
            .push(" ESCAPE '\\' OR o.code LIKE ")
            .bind(pattern.to_uppercase())
            .push(" ESCAPE '\\')");
    }
    if let Some(kind) = filter.kind {
        sql.push(" AND o.kind = ").bind(kind.code());
    }
    if !filter.include_dissolved {
        sql.push(" AND o.dissolved_on IS NULL");
    }
    if filter.without_secretary {
        sql.push(" AND p.member_id IS NULL");
    }
    sql.push(" ORDER BY o.path LIMIT ").bind(limit);
    rows(sql::fetch_all(conn, sql).await?)
}

/// A new org's own fields.
#[derive(Debug, Clone)]
pub struct NewOrg<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: OrgKind,
    pub parent: Option<(i64, &'a OrgPath)>,
    pub unit_id: Option<i64>,
    pub is_joint: bool,
    pub founded_on: NaiveDate,
}

/// Inserts an org with its first parent and kind intervals, and returns its id.
pub async fn insert(conn: &mut Conn, org: &NewOrg<'_>, now: DateTime<Utc>) -> StoreResult<i64> {
    let now_text = timestamp_text(now);
    // The path needs the id, which the insert makes: insert with a placeholder that cannot
    // collide (codes are unique and paths never start with '!'), then set the real path.
    let placeholder = format!("!{}", org.code);
    let depth = org.parent.map_or(0, |(_, path)| path.depth() as i64 + 1);
    let row = sqlx::query(
        "INSERT INTO orgs (code, name, kind, parent_id, path, depth, unit_id, is_joint, founded_on, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(org.code)
    .bind(org.name)
    .bind(org.kind.code())
    .bind(org.parent.map(|(id, _)| id))
    .bind(placeholder)
    .bind(depth)
    .bind(org.unit_id)
    .bind(i64::from(org.is_joint))
    .bind(date_text(org.founded_on))
    .bind(now_text)
    .fetch_one(&mut *conn)
    .await?;
    let id = row.int("id")?;
    let path = match org.parent {
        Some((_, parent_path)) => parent_path.child(id),
        None => OrgPath::root(id),
    };
    sqlx::query("UPDATE orgs SET path = $1 WHERE id = $2")
        .bind(path.as_str())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    history::org_parent::open(conn, id, org.parent.map(|(p, _)| p), org.founded_on).await?;
    history::org_kind::open(conn, id, org.kind.code(), org.founded_on).await?;
    Ok(id)
}

/// Updates the fields that are not dated: code, name, unit, joint flag.
pub async fn update_fields(
    conn: &mut Conn,
    id: i64,
    code: &str,
    name: &str,
    unit_id: Option<i64>,
    is_joint: bool,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("UPDATE orgs SET code = $1, name = $2, unit_id = $3, is_joint = $4, updated_at = $5 WHERE id = $6")
        .bind(code)
        .bind(name)
        .bind(unit_id)
        .bind(i64::from(is_joint))
        .bind(timestamp_text(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets the current kind column (its history is written by the caller through `history`).
pub async fn set_kind(
    conn: &mut Conn,
    id: i64,
    kind: OrgKind,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("UPDATE orgs SET kind = $1, updated_at = $2 WHERE id = $3")
        .bind(kind.code())
        .bind(timestamp_text(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves the subtree rooted at `org` under `new_parent`: rewrites every path and depth in the
/// subtree in one statement and sets the parent. The caller records the parent interval.
pub async fn move_subtree(
    conn: &mut Conn,
    org: &OrgRow,
    new_parent: (i64, &OrgPath),
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let (parent_id, parent_path) = new_parent;
    let new_path = parent_path.child(org.id);
    let depth_delta = new_path.depth() as i64 - org.path.depth() as i64;
    let old = org.path.as_str();
    sqlx::query(
        "UPDATE orgs SET path = $1 || substr(path, CAST($2 AS INTEGER)), depth = depth + $3 \
         WHERE path >= $4 AND path < $5",
    )
    .bind(new_path.as_str())
    .bind(old.len() as i64 + 1)
    .bind(depth_delta)
    .bind(old)
    .bind(org.path.upper_bound())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE orgs SET parent_id = $1, updated_at = $2 WHERE id = $3")
        .bind(parent_id)
        .bind(timestamp_text(now))
        .bind(org.id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks an org dissolved on `on`. The row stays: history refers to it.
pub async fn dissolve(
    conn: &mut Conn,
    id: i64,
    on: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("UPDATE orgs SET dissolved_on = $1, updated_at = $2 WHERE id = $3")
        .bind(date_text(on))
        .bind(timestamp_text(now))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Members on the roll whose branch is exactly this org.
pub async fn direct_member_count(conn: &mut Conn, id: i64) -> StoreResult<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM members WHERE branch_id = $1 AND status IN ('active', 'lost_contact')",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    row.int("n")
}

/// Whether any org (the root) exists that is not dissolved and has no parent.
pub async fn active_root_exists(conn: &mut Conn) -> StoreResult<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM orgs WHERE parent_id IS NULL AND dissolved_on IS NULL",
    )
    .fetch_one(conn)
    .await?;
    Ok(row.int("n")? > 0)
}

/// An org without the counts, for bulk lookups (imports resolve thousands of rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgBrief {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub path: OrgPath,
    pub unit_id: Option<i64>,
    pub founded_on: NaiveDate,
    pub dissolved: bool,
}

/// Every org in scope, briefly.
pub async fn briefs(conn: &mut Conn, scope: &Scope) -> StoreResult<Vec<OrgBrief>> {
    let mut sql = Sql::new(
        "SELECT o.id, o.code, o.name, o.kind, o.path, o.unit_id, o.founded_on, o.dissolved_on FROM orgs o WHERE 1 = 1",
    );
    push_org_scope(&mut sql, scope, "o.path");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            let path = row.text("path")?;
            Ok(OrgBrief {
                id: row.int("id")?,
                code: row.text("code")?,
                name: row.text("name")?,
                kind: row.code("kind", OrgKind::from_code)?,
                path: OrgPath::parse(&path).ok_or(StoreError::Corrupt {
                    column: "orgs.path",
                    value: path,
                })?,
                unit_id: row.opt_int("unit_id")?,
                founded_on: row.date("founded_on")?,
                dissolved: row.opt_text("dissolved_on")?.is_some(),
            })
        })
        .collect()
}
