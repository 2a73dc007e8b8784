//! The facts the coverage report is computed from, for a subtree or the whole tree: orgs,
//! members on the roll, current posts, and (for the whole tree) the police units.

use dangjian_core::coverage::{Facts, MemberFacts, OrgFacts, PostFacts, UnitFacts};
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
    let orgs = sql::fetch_all(conn, sql)
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
                dissolved: row.opt_text("dissolved_on")?.is_some(),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;

    let mut sql = Sql::new(
        "SELECT m.id, m.name, m.branch_id, m.unit_id, m.category, m.status, m.full_membership_on \
         FROM members m JOIN orgs b ON b.id = m.branch_id WHERE m.status IN ('active', 'lost_contact')",
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
                unit_id: row.opt_int("unit_id")?,
                category: row.code("category", Category::from_code)?,
                status: row.code("status", MemberStatus::from_code)?,
                full_membership_on: row.opt_date("full_membership_on")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;

    let mut sql = Sql::new(
        "SELECT p.org_id, p.member_id, p.post FROM org_posts p JOIN orgs o ON o.id = p.org_id WHERE p.valid_to IS NULL",
    );
    push_subtree(&mut sql, path, "o.path");
    let posts = sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            Ok(PostFacts {
                org_id: row.int("org_id")?,
                member_id: row.int("member_id")?,
                post: row.code("post", Post::from_code)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;

    let units = if path.is_none() {
        sql::fetch_all(conn, Sql::new("SELECT id, name FROM units"))
            .await?
            .iter()
            .map(|row| {
                Ok(UnitFacts {
                    id: row.int("id")?,
                    name: row.text("name")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?
    } else {
        Vec::new()
    };
    Ok(Facts {
        orgs,
        members,
        posts,
        units,
    })
}
