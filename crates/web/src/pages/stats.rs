//! 党内统计: the tables of the scope, on screen and as a workbook.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use dangjian_service::ServiceError;
use serde::Deserialize;

use super::{query, render};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::Session;
use crate::view;

struct TableView {
    title: &'static str,
    /// (label, count, share)
    rows: Vec<(String, u64, String)>,
    total: u64,
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    layout: Layout,
    org: String,
    error: Option<String>,
    scope: String,
    today: String,
    tables: Vec<TableView>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StatsQuery {
    org: String,
}

/// A share to one decimal, or "—" when there is nothing to share (never "0%" for no data).
fn share(n: u64, total: u64) -> String {
    if total == 0 {
        "—".to_owned()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / total as f64)
    }
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: StatsQuery = query(raw.as_deref())?;
    let code = view::nonempty(&q.org);
    let (stats, error) = match state.services.statistics(actor, code.as_deref()).await {
        Ok(stats) => (Some(stats), None),
        Err(ServiceError::Invalid(errors)) => {
            (None, errors.iter().next().map(|e| e.message.clone()))
        }
        Err(other) => return Err(other.into()),
    };
    let tables = stats
        .as_ref()
        .map(|s| {
            s.tables
                .iter()
                .map(|t| TableView {
                    title: t.title,
                    rows: t
                        .rows
                        .iter()
                        .map(|(label, n)| (label.clone(), *n, share(*n, t.total)))
                        .collect(),
                    total: t.total,
                })
                .collect()
        })
        .unwrap_or_default();
    render(&StatsPage {
        layout: Layout::new(actor, "/stats", "党内统计").crumb("党内统计", None),
        org: q.org,
        error,
        scope: stats.map(|s| s.scope).unwrap_or_default(),
        today: view::date(state.services.clock().today()),
        tables,
    })
}

/// A workbook download, named and typed for a browser to save it.
pub fn xlsx(bytes: Vec<u8>, name: &str) -> Response {
    let disposition = format!(
        "attachment; filename=\"export.xlsx\"; filename*=UTF-8''{}",
        crate::session::encode(name)
    );
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

pub async fn export(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: StatsQuery = query(raw.as_deref())?;
    let code = view::nonempty(&q.org);
    let bytes = state
        .services
        .statistics_workbook(&session.actor, code.as_deref())
        .await?;
    Ok(xlsx(bytes, "党内统计.xlsx"))
}
