//! The facts the coverage report is computed from, for a subtree or the whole tree: orgs,
//! the roll counted by branch, unit and category, the members the report may name, current
//! posts, the whole unit tree, and the units each joint org names.

use dangjian_core::coverage::{
    Facts, MemberFacts, OrgFacts, PostFacts, RollCount, UnitFacts, UnitView,
};
use dangjian_core::member::{Category, MemberStatus};
use dangjian_core::org::{OrgKind, OrgPath, Post};

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, RowExt, Sql};

fn push_subtree(sql: &mut Sql, path: Option<&OrgPath>, column: &'static str) {
    if let Some(path) = path {
        sql.push(" AND ")
            .push(column)
            .push(" >= ")
            .bind(path.as_str().to_owned())
            .push(" AND ")
            .push(column)
            .push(" < ")
            .bind(path.upper_bound());
    }
}

/// Loads the facts for the subtree at `path` (the whole tree when `None`).
pub async fn facts(conn: &mut Conn, path: Option<&OrgPath>) -> StoreResult<Facts> {
    let mut sql = Sql::new(
        "SELECT o.id, o.name, o.kind, o.parent_id, o.unit_id, o.is_joint, o.dissolved_on FROM orgs o WHERE 1 = 1",
    );
    push_subtree(&mut sql, path, "o.path");
    let mut orgs = sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            Ok(OrgFacts {
                id: row.int("id")?,
                name: row.text("name")?,
                kind: row.code("kind", OrgKind::from_code)?,
                parent: row.opt_int("parent_id")?,
                unit_id: row.opt_int("unit_id")?,
                is_joint: row.flag("is_joint")?,
                covers: Vec::new(),
                dissolved: row.opt_text("dissolved_on")?.is_some(),
            })
        })
        .collect::<StoreResult<Vec<OrgFacts>>>()?;
    let mut sql = Sql::new("SELECT c.org_id, c.unit_id FROM org_units c");
    if path.is_some() {
        sql.push(" JOIN orgs o ON o.id = c.org_id WHERE 1 = 1");
        push_subtree(&mut sql, path, "o.path");
    }
    let mut covers: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for row in sql::fetch_all(conn, sql).await? {
        covers
            .entry(row.int("org_id")?)
            .or_default()
            .push(row.int("unit_id")?);
    }
    for org in &mut orgs {
        org.covers = covers.remove(&org.id).unwrap_or_default();
    }

    // The joins to orgs only narrow to a subtree; for the whole tree they would cost a lookup
    // per member or post.
    let mut sql =
        Sql::new("SELECT m.branch_id, m.unit_id, m.category, COUNT(*) AS n FROM members m");
    if path.is_some() {
        sql.push(" JOIN orgs b ON b.id = m.branch_id");
    }
    sql.push(" WHERE m.status IN ('active', 'lost_contact')");
    push_subtree(&mut sql, path, "b.path");
    sql.push(" GROUP BY m.branch_id, m.unit_id, m.category");
    let roll = sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            Ok(RollCount {
                branch_id: row.int("branch_id")?,
                unit_id: row.opt_int("unit_id")?,
                category: row.code("category", Category::from_code)?,
                members: u32::try_from(row.int("n")?).unwrap_or(u32::MAX),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;

    // Only the members the report names: lost contact, or not in an active branch. Two
    // selective queries (the first on the partial index of members off the active roll)
    // instead of one that would read every member.
    let mut sql = Sql::new(
        "SELECT m.id, m.name, m.branch_id, m.status FROM members m JOIN orgs b ON b.id = m.branch_id \
         WHERE m.status = 'lost_contact' AND m.status <> 'active'",
    );
    push_subtree(&mut sql, path, "b.path");
    sql.push(
        " UNION SELECT m.id, m.name, m.branch_id, m.status FROM members m JOIN orgs b ON b.id = m.branch_id \
         WHERE m.status IN ('active', 'lost_contact') \
         AND m.branch_id IN (SELECT id FROM orgs WHERE kind <> 'branch' OR dissolved_on IS NOT NULL)",
    );
    push_subtree(&mut sql, path, "b.path");
    let members = sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            Ok(MemberFacts {
                id: row.int("id")?,
                name: row.text("name")?,
                branch_id: row.int("branch_id")?,
                status: row.code("status", MemberStatus::from_code)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;

    let mut sql = Sql::new(
        "SELECT p.org_id, p.member_id, p.post, m.full_membership_on FROM org_posts p \
         JOIN members m ON m.id = p.member_id",
    );
    if path.is_some() {
        sql.push(" JOIN orgs o ON o.id = p.org_id");
    }
    sql.push(" WHERE p.valid_to IS NULL");
    push_subtree(&mut sql, path, "o.path");
    let posts = sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            Ok(PostFacts {
                org_id: row.int("org_id")?,
                member_id: row.int("member_id")?,
                post: row.code("post", Post::from_code)?,
                full_membership_on: row.opt_date("full_membership_on")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;

    // The whole unit tree (a province has a few thousand units): which part of it the
    // report answers for is the caller's to say.
    let units = sql::fetch_all(
        conn,
        Sql::new("SELECT id, name, parent_id, valid_from, valid_to FROM units"),
    )
    .await?
    .iter()
    .map(|row| {
        Ok(UnitFacts {
            id: row.int("id")?,
            name: row.text("name")?,
            parent: row.opt_int("parent_id")?,
            valid_from: row.opt_date("valid_from")?,
            valid_to: row.opt_date("valid_to")?,
        })
    })
    .collect::<StoreResult<Vec<_>>>()?;
    Ok(Facts {
        orgs,
        roll,
        members,
        posts,
        units,
        unit_view: UnitView::Everything,
    })
}
