//! 换届提醒: every org in scope that elects a committee, overdue first.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use dangjian_core::org::OrgKind;
use dangjian_core::term::TermStatus;
use serde::Deserialize;

use super::orgs::term_class;
use super::{query, render};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::Session;
use crate::view;

struct Row {
    id: i64,
    name: String,
    code: String,
    kind: &'static str,
    elected_on: String,
    ends_on: String,
    status: &'static str,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "terms.html")]
struct TermsPage {
    layout: Layout,
    years: (u32, u32),
    reminder: u32,
    summary: Vec<(&'static str, &'static str, usize)>,
    rows: Vec<Row>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct TermsQuery {
    status: String,
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: TermsQuery = query(raw.as_deref())?;
    let wanted = TermStatus::from_code(q.status.trim());
    let all = state.services.reelections(actor).await?;
    let summary = TermStatus::ALL
        .iter()
        .map(|s| {
            (
                s.code(),
                s.label(),
                all.iter().filter(|t| t.status == *s).count(),
            )
        })
        .collect();
    let rows = all
        .into_iter()
        .filter(|t| wanted.is_none_or(|w| t.status == w))
        .map(|t| Row {
            id: t.org_id,
            name: t.name,
            code: t.code,
            kind: t.kind.label(),
            elected_on: view::opt_date(t.elected_on),
            ends_on: view::opt_date(t.ends_on),
            status: t.status.label(),
            class: term_class(t.status),
        })
        .collect();
    let rules = state.services.rules();
    render(&TermsPage {
        layout: Layout::new(actor, "/terms", "换届提醒").crumb("换届提醒", None),
        years: (
            rules.term_years(OrgKind::Committee),
            rules.term_years(OrgKind::Branch),
        ),
        reminder: rules.terms.reminder_before_expiry_months,
        summary,
        rows,
    })
}
