//! Dated intervals: one table per dated attribute, each with the same four operations. An
//! attribute's timeline is contiguous and only its last interval is open; the service plans
//! every change with `dangjian_core::interval::plan_change` and applies it here.

use chrono::NaiveDate;
use dangjian_core::interval::{Change, Span};
use sqlx::any::AnyRow;

use crate::error::StoreResult;
use crate::sql::{RowExt, date_text};

/// One stored interval of an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval<V> {
    pub span: Span,
    pub value: V,
}

fn span(row: &AnyRow) -> StoreResult<Span> {
    Ok(Span {
        from: row.date("valid_from")?,
        to: row.opt_date("valid_to")?,
    })
}

/// Declares the module of one history table. `$value_ty` is how the value is bound and read
/// (`i64` for a reference, `&str`/`String` for a code).
macro_rules! history_table {
    ($module:ident, $table:literal, $owner:literal, $value:literal, $bind:ty, $read:ty, $get:ident) => {
        pub mod $module {
            use super::*;
            use crate::db::Conn;

            /// Opens the first interval (or a new one after closing the last).
            pub async fn open(
                conn: &mut Conn,
                owner: i64,
                value: $bind,
                from: NaiveDate,
            ) -> StoreResult<()> {
                sqlx::query(concat!(
                    "INSERT INTO ",
                    $table,
                    " (",
                    $owner,
                    ", ",
                    $value,
                    ", valid_from) VALUES ($1, $2, $3)"
                ))
                .bind(owner)
                .bind(value)
                .bind(date_text(from))
                .execute(conn)
                .await?;
                Ok(())
            }

            /// Closes the open interval on `on` (exclusive end).
            pub async fn close(conn: &mut Conn, owner: i64, on: NaiveDate) -> StoreResult<()> {
                sqlx::query(concat!(
                    "UPDATE ",
                    $table,
                    " SET valid_to = $1 WHERE ",
                    $owner,
                    " = $2 AND valid_to IS NULL"
                ))
                .bind(date_text(on))
                .bind(owner)
                .execute(conn)
                .await?;
                Ok(())
            }

            /// Replaces the value of the open interval (a correction on its first day).
            pub async fn replace_open(
                conn: &mut Conn,
                owner: i64,
                value: $bind,
            ) -> StoreResult<()> {
                sqlx::query(concat!(
                    "UPDATE ",
                    $table,
                    " SET ",
                    $value,
                    " = $1 WHERE ",
                    $owner,
                    " = $2 AND valid_to IS NULL"
                ))
                .bind(value)
                .bind(owner)
                .execute(conn)
                .await?;
                Ok(())
            }

            /// Applies a change planned by `dangjian_core::interval::plan_change`.
            pub async fn apply(
                conn: &mut Conn,
                owner: i64,
                change: Change,
                value: $bind,
            ) -> StoreResult<()> {
                match change {
                    Change::Unchanged => Ok(()),
                    Change::ReplaceOpen => replace_open(conn, owner, value).await,
                    Change::CloseAndOpen { on } => {
                        close(&mut *conn, owner, on).await?;
                        open(conn, owner, value, on).await
                    }
                }
            }

            /// The open interval's start, if there is one.
            pub async fn open_since(conn: &mut Conn, owner: i64) -> StoreResult<Option<NaiveDate>> {
                sqlx::query(concat!(
                    "SELECT valid_from FROM ",
                    $table,
                    " WHERE ",
                    $owner,
                    " = $1 AND valid_to IS NULL"
                ))
                .bind(owner)
                .fetch_optional(conn)
                .await?
                .map(|row| row.date("valid_from"))
                .transpose()
            }

            /// The whole timeline, oldest first.
            pub async fn list(conn: &mut Conn, owner: i64) -> StoreResult<Vec<Interval<$read>>> {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    $value,
                    " AS value, valid_from, valid_to FROM ",
                    $table,
                    " WHERE ",
                    $owner,
                    " = $1 ORDER BY valid_from, id"
                ))
                .bind(owner)
                .fetch_all(conn)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(Interval {
                            span: span(row)?,
                            value: row.$get("value")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

history_table!(
    member_branch,
    "member_branch_history",
    "member_id",
    "org_id",
    i64,
    i64,
    int
);
history_table!(
    member_category,
    "member_category_history",
    "member_id",
    "category",
    &str,
    String,
    text
);
/// The category timeline is derived from the member's own dates (probationary from admission,
/// full from full membership), so a correction of either date rewrites it whole.
pub async fn rewrite_category_timeline(
    conn: &mut crate::db::Conn,
    member: i64,
    joined_on: NaiveDate,
    full_membership_on: Option<NaiveDate>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM member_category_history WHERE member_id = $1")
        .bind(member)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO member_category_history (member_id, category, valid_from, valid_to) \
         VALUES ($1, 'probationary', $2, $3)",
    )
    .bind(member)
    .bind(date_text(joined_on))
    .bind(full_membership_on.map(date_text))
    .execute(&mut *conn)
    .await?;
    if let Some(full) = full_membership_on {
        member_category::open(conn, member, "full", full).await?;
    }
    Ok(())
}

// 党小组: the group a member is placed in (a gap when in none).
history_table!(
    member_group,
    "member_group_history",
    "member_id",
    "group_id",
    i64,
    i64,
    int
);
history_table!(
    member_status,
    "member_status_history",
    "member_id",
    "status",
    &str,
    String,
    text
);
history_table!(
    org_parent,
    "org_parent_history",
    "org_id",
    "parent_id",
    Option<i64>,
    Option<i64>,
    opt_int
);
history_table!(
    org_kind,
    "org_kind_history",
    "org_id",
    "kind",
    &str,
    String,
    text
);

/// Post holders are intervals too, but an org has several posts, each with its own timeline.
pub mod posts {
    use super::*;
    use crate::db::Conn;

    /// A post holder, with the member's name for display.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct PostHolder {
        pub member_id: i64,
        pub member_name: String,
        pub post: String,
        pub span: Span,
    }

    pub async fn open(
        conn: &mut Conn,
        org: i64,
        post: &str,
        member: i64,
        from: NaiveDate,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO org_posts (org_id, member_id, post, valid_from) VALUES ($1, $2, $3, $4)",
        )
        .bind(org)
        .bind(member)
        .bind(post)
        .bind(date_text(from))
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Ends the current holder's interval of `post` on `on`.
    pub async fn close(conn: &mut Conn, org: i64, post: &str, on: NaiveDate) -> StoreResult<()> {
        sqlx::query("UPDATE org_posts SET valid_to = $1 WHERE org_id = $2 AND post = $3 AND valid_to IS NULL")
            .bind(date_text(on))
            .bind(org)
            .bind(post)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Ends every open post of an org (when it is dissolved).
    pub async fn close_all(conn: &mut Conn, org: i64, on: NaiveDate) -> StoreResult<()> {
        sqlx::query("UPDATE org_posts SET valid_to = $1 WHERE org_id = $2 AND valid_to IS NULL")
            .bind(date_text(on))
            .bind(org)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Ends every open post a member holds anywhere (when they leave the roll).
    pub async fn close_for_member(conn: &mut Conn, member: i64, on: NaiveDate) -> StoreResult<()> {
        sqlx::query("UPDATE org_posts SET valid_to = $1 WHERE member_id = $2 AND valid_to IS NULL")
            .bind(date_text(on))
            .bind(member)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Replaces the holder of the open interval (a correction on its first day).
    pub async fn replace_open(
        conn: &mut Conn,
        org: i64,
        post: &str,
        member: i64,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE org_posts SET member_id = $1 WHERE org_id = $2 AND post = $3 AND valid_to IS NULL")
            .bind(member)
            .bind(org)
            .bind(post)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Every holder of every post of an org, newest first.
    pub async fn list(conn: &mut Conn, org: i64) -> StoreResult<Vec<PostHolder>> {
        let rows = sqlx::query(
            "SELECT p.member_id, m.name AS member_name, p.post, p.valid_from, p.valid_to \
             FROM org_posts p JOIN members m ON m.id = p.member_id \
             WHERE p.org_id = $1 \
             ORDER BY p.valid_from DESC, p.id DESC",
        )
        .bind(org)
        .fetch_all(conn)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PostHolder {
                    member_id: row.int("member_id")?,
                    member_name: row.text("member_name")?,
                    post: row.text("post")?,
                    span: span(row)?,
                })
            })
            .collect()
    }

    /// The open interval of `post`: holder and start.
    pub async fn current(
        conn: &mut Conn,
        org: i64,
        post: &str,
    ) -> StoreResult<Option<(i64, NaiveDate)>> {
        sqlx::query("SELECT member_id, valid_from FROM org_posts WHERE org_id = $1 AND post = $2 AND valid_to IS NULL")
            .bind(org)
            .bind(post)
            .fetch_optional(conn)
            .await?
            .map(|row| Ok((row.int("member_id")?, row.date("valid_from")?)))
            .transpose()
    }

    /// The end of the last closed interval of `post` (a successor may not start before it).
    pub async fn last_end(conn: &mut Conn, org: i64, post: &str) -> StoreResult<Option<NaiveDate>> {
        sqlx::query("SELECT MAX(valid_to) AS last FROM org_posts WHERE org_id = $1 AND post = $2 AND valid_to IS NOT NULL")
            .bind(org)
            .bind(post)
            .fetch_one(conn)
            .await?
            .opt_date("last")
    }

    /// The latest start among the open posts of an org (a closing date must come after it).
    pub async fn latest_open_start(conn: &mut Conn, org: i64) -> StoreResult<Option<NaiveDate>> {
        sqlx::query("SELECT MAX(valid_from) AS latest FROM org_posts WHERE org_id = $1 AND valid_to IS NULL")
            .bind(org)
            .fetch_one(conn)
            .await?
            .opt_date("latest")
    }

    /// Ends one holder's interval of `post` on `on`.
    pub async fn close_holder(
        conn: &mut Conn,
        org: i64,
        post: &str,
        member: i64,
        on: NaiveDate,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE org_posts SET valid_to = $1 WHERE org_id = $2 AND post = $3 AND member_id = $4 AND valid_to IS NULL")
            .bind(date_text(on))
            .bind(org)
            .bind(post)
            .bind(member)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// The start of a holder's open interval of `post`, if they hold it.
    pub async fn holding_since(
        conn: &mut Conn,
        org: i64,
        post: &str,
        member: i64,
    ) -> StoreResult<Option<NaiveDate>> {
        sqlx::query("SELECT valid_from FROM org_posts WHERE org_id = $1 AND post = $2 AND member_id = $3 AND valid_to IS NULL")
            .bind(org)
            .bind(post)
            .bind(member)
            .fetch_optional(conn)
            .await?
            .map(|row| row.date("valid_from"))
            .transpose()
    }

    /// Closes one post of an org on `on`.
    pub async fn close_one(
        conn: &mut Conn,
        org: i64,
        post: &str,
        on: NaiveDate,
    ) -> StoreResult<()> {
        close(conn, org, post, on).await
    }

    /// Every post a member holds or held, as (org id, post, span), newest first.
    pub async fn of_member(conn: &mut Conn, member: i64) -> StoreResult<Vec<(i64, String, Span)>> {
        let rows = sqlx::query(
            "SELECT org_id, post, valid_from, valid_to FROM org_posts WHERE member_id = $1 ORDER BY valid_from DESC, id DESC",
        )
        .bind(member)
        .fetch_all(conn)
        .await?;
        rows.iter()
            .map(|row| Ok((row.int("org_id")?, row.text("post")?, span(row)?)))
            .collect()
    }
}
