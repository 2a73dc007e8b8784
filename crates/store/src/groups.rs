//! 党小组: who is placed in which group of a branch, over time. The placement itself is a
//! dated interval (`history::member_group`); these are the group's and the branch's views of it.

use dangjian_core::interval::Span;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::RowExt;

/// One member's time in a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub member_id: i64,
    pub name: String,
    pub span: Span,
}

/// Every placement in a group, current ones first, then the newest.
pub async fn placements(conn: &mut Conn, group: i64) -> StoreResult<Vec<Placement>> {
    let rows = sqlx::query(
        "SELECT g.member_id, m.name, g.valid_from, g.valid_to FROM member_group_history g \
         JOIN members m ON m.id = g.member_id WHERE g.group_id = $1 \
         ORDER BY CASE WHEN g.valid_to IS NULL THEN 0 ELSE 1 END, g.valid_from DESC, m.name, g.id",
    )
    .bind(group)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Placement {
                member_id: row.int("member_id")?,
                name: row.text("name")?,
                span: Span {
                    from: row.date("valid_from")?,
                    to: row.opt_date("valid_to")?,
                },
            })
        })
        .collect()
}

/// The group each member of a branch is placed in now: member, group id, group name.
pub async fn current_in_branch(
    conn: &mut Conn,
    branch: i64,
) -> StoreResult<Vec<(i64, i64, String)>> {
    let rows = sqlx::query(
        "SELECT g.member_id, g.group_id, o.name FROM member_group_history g \
         JOIN orgs o ON o.id = g.group_id WHERE o.parent_id = $1 AND g.valid_to IS NULL",
    )
    .bind(branch)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.int("member_id")?,
                row.int("group_id")?,
                row.text("name")?,
            ))
        })
        .collect()
}

/// The group a member is placed in now, with its name and the placement's start.
pub async fn current_of_member(
    conn: &mut Conn,
    member: i64,
) -> StoreResult<Option<(i64, String, chrono::NaiveDate)>> {
    sqlx::query(
        "SELECT g.group_id, o.name, g.valid_from FROM member_group_history g \
         JOIN orgs o ON o.id = g.group_id WHERE g.member_id = $1 AND g.valid_to IS NULL",
    )
    .bind(member)
    .fetch_optional(conn)
    .await?
    .map(|row| {
        Ok((
            row.int("group_id")?,
            row.text("name")?,
            row.date("valid_from")?,
        ))
    })
    .transpose()
}

/// The latest start of a placement still open in a group (its dissolution must come later).
pub async fn latest_open_start(
    conn: &mut Conn,
    group: i64,
) -> StoreResult<Option<chrono::NaiveDate>> {
    sqlx::query(
        "SELECT MAX(valid_from) AS latest FROM member_group_history \
         WHERE group_id = $1 AND valid_to IS NULL",
    )
    .bind(group)
    .fetch_one(conn)
    .await?
    .opt_date("latest")
}

/// Ends every open placement in a group on `on` (when it is dissolved).
pub async fn close_all(conn: &mut Conn, group: i64, on: chrono::NaiveDate) -> StoreResult<()> {
    sqlx::query(
        "UPDATE member_group_history SET valid_to = $1 WHERE group_id = $2 AND valid_to IS NULL",
    )
    .bind(crate::sql::date_text(on))
    .bind(group)
    .execute(conn)
    .await?;
    Ok(())
}
