//! Counts for the landing page (工作台), always within the account's scope.

use std::collections::BTreeMap;

use dangjian_core::role::Scope;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, RowExt, Sql, push_org_scope};

/// Active orgs in scope, by kind code.
pub async fn orgs_by_kind(conn: &mut Conn, scope: &Scope) -> StoreResult<BTreeMap<String, i64>> {
    let mut sql =
        Sql::new("SELECT o.kind AS k, COUNT(*) AS n FROM orgs o WHERE o.dissolved_on IS NULL");
    push_org_scope(&mut sql, scope, "o.path");
    sql.push(" GROUP BY o.kind");
    counts(conn, sql).await
}

/// Members on the roll in scope, by category code.
pub async fn members_by_category(
    conn: &mut Conn,
    scope: &Scope,
) -> StoreResult<BTreeMap<String, i64>> {
    let mut sql = Sql::new(
        "SELECT m.category AS k, COUNT(*) AS n FROM members m JOIN orgs b ON b.id = m.branch_id \
         WHERE m.status IN ('active', 'lost_contact')",
    );
    push_org_scope(&mut sql, scope, "b.path");
    sql.push(" GROUP BY m.category");
    counts(conn, sql).await
}

async fn counts(conn: &mut Conn, sql: Sql) -> StoreResult<BTreeMap<String, i64>> {
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| Ok((row.text("k")?, row.int("n")?)))
        .collect()
}

/// What the statistics tables count of each member on the roll in scope.
pub async fn member_counts(
    conn: &mut Conn,
    scope: &Scope,
) -> StoreResult<Vec<dangjian_core::stats::MemberCounts>> {
    use dangjian_core::member::{Category, Education, Ethnicity, Gender};
    let mut sql = Sql::new(
        "SELECT m.gender, m.birth_date, m.education, m.ethnicity, m.category, m.full_membership_on \
         FROM members m JOIN orgs b ON b.id = m.branch_id WHERE m.status IN ('active', 'lost_contact')",
    );
    push_org_scope(&mut sql, scope, "b.path");
    sql::fetch_all(conn, sql)
        .await?
        .iter()
        .map(|row| {
            Ok(dangjian_core::stats::MemberCounts {
                gender: row.code("gender", Gender::from_code)?,
                birth_date: row.date("birth_date")?,
                education: row.opt_code("education", Education::from_code)?,
                ethnicity: Ethnicity::parse(&row.text("ethnicity")?),
                category: row.code("category", Category::from_code)?,
                full_membership_on: row.opt_date("full_membership_on")?,
            })
        })
        .collect()
}
