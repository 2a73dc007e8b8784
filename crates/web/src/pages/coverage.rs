//! The coverage report page.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use dangjian_service::ServiceError;
use dangjian_service::coverage::{CoverageFinding, FindingKind, Subject};
use serde::Deserialize;

use super::{query, render};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::Session;
use crate::view;

struct Item {
    name: String,
    message: String,
    href: String,
}

struct Group {
    code: &'static str,
    label: &'static str,
    advice: bool,
    findings: Vec<Item>,
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage {
    layout: Layout,
    org_code: String,
    error: Option<String>,
    scope: String,
    problems: usize,
    advice: usize,
    groups: Vec<Group>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CoverageQuery {
    org: String,
}

fn href(subject: Subject) -> String {
    match subject {
        Subject::Org(id) => format!("/orgs/{id}"),
        Subject::Member(id) => format!("/members/{id}"),
        Subject::Unit(id) => format!("/units/{id}/edit"),
    }
}

/// Findings grouped by kind, in the kinds' order.
fn groups(findings: &[CoverageFinding]) -> Vec<Group> {
    FindingKind::ALL
        .iter()
        .filter_map(|kind| {
            let items: Vec<Item> = findings
                .iter()
                .filter(|f| f.kind == *kind)
                .map(|f| Item {
                    name: f.name.clone(),
                    message: f.message.clone(),
                    href: href(f.subject),
                })
                .collect();
            (!items.is_empty()).then_some(Group {
                code: kind.code(),
                label: kind.label(),
                advice: kind.is_advice(),
                findings: items,
            })
        })
        .collect()
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: CoverageQuery = query(raw.as_deref())?;
    let code = view::nonempty(&q.org);
    let layout = Layout::new(actor, "/coverage", "组织覆盖检查").crumb("组织覆盖检查", None);
    let (report, error) = match state.services.coverage(actor, code.as_deref()).await {
        Ok(report) => (Some(report), None),
        Err(ServiceError::Invalid(errors)) => {
            (None, errors.iter().next().map(|e| e.message.clone()))
        }
        Err(other) => return Err(other.into()),
    };
    let scope = match &report {
        Some(r) => r.org.as_ref().map_or_else(
            || "全部组织".to_owned(),
            |(_, name)| format!("{name}（含下级）"),
        ),
        None => String::new(),
    };
    render(&CoveragePage {
        layout,
        org_code: q.org,
        error,
        scope,
        problems: report.as_ref().map_or(0, |r| r.problems()),
        advice: report.as_ref().map_or(0, |r| r.advice()),
        groups: report
            .as_ref()
            .map(|r| groups(&r.findings))
            .unwrap_or_default(),
    })
}
