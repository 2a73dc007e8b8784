//! Small helpers shared by the repositories: a query builder that numbers `$n` parameters for
//! both engines, and the text forms of dates and instants.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Arguments, Encode, Row, Type};

use crate::error::{StoreError, StoreResult};

/// A statement assembled from static SQL fragments and bound values. Only `&'static str`
/// fragments are accepted, so user input can reach the database only as a bound parameter.
pub(crate) struct Sql {
    text: String,
    args: AnyArguments<'static>,
    count: usize,
}

impl Sql {
    pub fn new(text: &'static str) -> Self {
        Self {
            text: text.to_owned(),
            args: AnyArguments::default(),
            count: 0,
        }
    }

    pub fn push(&mut self, text: &'static str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends the next `$n` placeholder and binds `value` to it.
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: Encode<'static, Any> + Type<Any> + Send + 'static,
    {
        self.count += 1;
        self.text.push('$');
        self.text.push_str(&self.count.to_string());
        // Encoding into the Any buffer only fails for types Any does not support, which the
        // trait bounds already exclude.
        let _ = self.args.add(value);
        self
    }

    pub fn parts(self) -> (String, AnyArguments<'static>) {
        (self.text, self.args)
    }
}

/// Runs an assembled statement and returns all rows.
pub(crate) async fn fetch_all(
    conn: &mut sqlx::AnyConnection,
    sql: Sql,
) -> StoreResult<Vec<AnyRow>> {
    let (text, args) = sql.parts();
    Ok(sqlx::query_with(&text, args).fetch_all(conn).await?)
}

/// Runs an assembled statement that returns one row.
pub(crate) async fn fetch_one(conn: &mut sqlx::AnyConnection, sql: Sql) -> StoreResult<AnyRow> {
    let (text, args) = sql.parts();
    Ok(sqlx::query_with(&text, args).fetch_one(conn).await?)
}

/// The stored form of a calendar date: `2026-03-28`.
pub fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The stored form of an instant: fixed-width UTC with milliseconds, so text order is time order.
pub fn timestamp_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn parse_date(column: &'static str, value: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| StoreError::Corrupt {
        column,
        value: value.to_owned(),
    })
}

pub fn parse_timestamp(column: &'static str, value: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Corrupt {
            column,
            value: value.to_owned(),
        })
}

/// Typed access to a row's columns, turning stored text back into domain values.
pub(crate) trait RowExt {
    fn text(&self, column: &'static str) -> StoreResult<String>;
    fn opt_text(&self, column: &'static str) -> StoreResult<Option<String>>;
    fn int(&self, column: &'static str) -> StoreResult<i64>;
    fn opt_int(&self, column: &'static str) -> StoreResult<Option<i64>>;
    fn flag(&self, column: &'static str) -> StoreResult<bool> {
        Ok(self.int(column)? != 0)
    }
    fn date(&self, column: &'static str) -> StoreResult<NaiveDate> {
        parse_date(column, &self.text(column)?)
    }
    fn opt_date(&self, column: &'static str) -> StoreResult<Option<NaiveDate>> {
        self.opt_text(column)?
            .map(|v| parse_date(column, &v))
            .transpose()
    }
    fn timestamp(&self, column: &'static str) -> StoreResult<DateTime<Utc>> {
        parse_timestamp(column, &self.text(column)?)
    }
    fn opt_timestamp(&self, column: &'static str) -> StoreResult<Option<DateTime<Utc>>> {
        self.opt_text(column)?
            .map(|v| parse_timestamp(column, &v))
            .transpose()
    }
    /// A stored org path.
    fn org_path(&self, column: &'static str) -> StoreResult<dangjian_core::org::OrgPath> {
        let value = self.text(column)?;
        dangjian_core::org::OrgPath::parse(&value).ok_or(StoreError::Corrupt { column, value })
    }
    /// A stored code read back through `parse` (an enum's `from_code`).
    fn code<T>(&self, column: &'static str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
        let value = self.text(column)?;
        parse(&value).ok_or(StoreError::Corrupt { column, value })
    }
    fn opt_code<T>(
        &self,
        column: &'static str,
        parse: fn(&str) -> Option<T>,
    ) -> StoreResult<Option<T>> {
        match self.opt_text(column)? {
            None => Ok(None),
            Some(value) => parse(&value)
                .map(Some)
                .ok_or(StoreError::Corrupt { column, value }),
        }
    }
}

impl RowExt for AnyRow {
    fn text(&self, column: &'static str) -> StoreResult<String> {
        Ok(self.try_get(column)?)
    }
    fn opt_text(&self, column: &'static str) -> StoreResult<Option<String>> {
        Ok(self.try_get(column)?)
    }
    fn int(&self, column: &'static str) -> StoreResult<i64> {
        Ok(self.try_get(column)?)
    }
    fn opt_int(&self, column: &'static str) -> StoreResult<Option<i64>> {
        Ok(self.try_get(column)?)
    }
}

/// Appends the data-scope condition for rows whose org path is in `path_column`: nothing for
/// the whole tree, a path range for a subtree, and a false condition for scopes that see no
/// org. Every list, count and search of scoped rows goes through here.
pub(crate) fn push_org_scope(
    sql: &mut Sql,
    scope: &dangjian_core::role::Scope,
    path_column: &'static str,
) {
    use dangjian_core::role::Scope;
    match scope {
        Scope::Everything => {}
        Scope::Subtree { path, .. } => push_within(sql, path, path_column),
        Scope::OwnRecord { .. } | Scope::Nothing => {
            sql.push(" AND 1 = 0");
        }
    }
}

/// Appends the condition that the org path in `path_column` is `path` or below it.
pub(crate) fn push_within(
    sql: &mut Sql,
    path: &dangjian_core::org::OrgPath,
    path_column: &'static str,
) {
    sql.push(" AND ")
        .push(path_column)
        .push(" >= ")
        .bind(path.as_str().to_owned())
        .push(" AND ")
        .push(path_column)
        .push(" < ")
        .bind(path.upper_bound());
}

/// Appends the condition of what is offered to an account (courses, exams): published by an
/// org at or above `home` (its column `published` not null), or held by an org in `scope`
/// (drafts too). The org's path is `o.path`. `core::study::may_open` is the same rule for
/// one row.
pub(crate) fn push_offered(
    sql: &mut Sql,
    published: &'static str,
    home: Option<&dangjian_core::org::OrgPath>,
    scope: &dangjian_core::role::Scope,
) {
    use dangjian_core::role::Scope;
    sql.push(" AND (1 = 0");
    if let Some(path) = home {
        sql.push(" OR (")
            .push(published)
            .push(" IS NOT NULL AND substr(")
            .bind(path.as_str().to_owned())
            .push(", 1, length(o.path)) = o.path)");
    }
    match scope {
        Scope::Everything => {
            sql.push(" OR 1 = 1");
        }
        Scope::Subtree { path, .. } => {
            sql.push(" OR (o.path >= ")
                .bind(path.as_str().to_owned())
                .push(" AND o.path < ")
                .bind(path.upper_bound())
                .push(")");
        }
        Scope::OwnRecord { .. } | Scope::Nothing => {}
    }
    sql.push(")");
}

/// `needle` with the `LIKE` wildcards in it escaped (by `\\`, declared with `ESCAPE`).
fn like_escaped(needle: &str) -> String {
    let mut escaped = String::with_capacity(needle.len());
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// A `LIKE` pattern matching `needle` anywhere.
pub(crate) fn contains_pattern(needle: &str) -> String {
    format!("%{}%", like_escaped(needle))
}

/// A `LIKE` pattern matching values that start with `needle`.
pub(crate) fn prefix_pattern(needle: &str) -> String {
    format!("{}%", like_escaped(needle))
}

/// One page of a list: 1-based page number and page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: u32,
    pub size: u32,
}

impl Page {
    pub fn offset(self) -> i64 {
        i64::from(self.number.saturating_sub(1)) * i64::from(self.size)
    }
    pub fn limit(self) -> i64 {
        i64::from(self.size)
    }
}
