//! 工作台: the landing page, with the figures of the account's scope.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use dangjian_core::role::Permission;

use super::render;
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::Session;

struct Figure {
    label: &'static str,
    /// `None`: no record (shown as such, never as 0).
    count: Option<i64>,
    href: String,
}

struct Gap {
    id: i64,
    name: String,
    code: String,
    unit: String,
    members: i64,
}

struct OverviewView {
    orgs: Vec<Figure>,
    members: Vec<Figure>,
    gaps: Vec<Gap>,
    gap_total: usize,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    overview: Option<OverviewView>,
    links: Vec<(&'static str, &'static str)>,
}

pub async fn show(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let actor = &session.actor;
    let overview = state.services.overview(actor).await?.map(|o| OverviewView {
        orgs: o
            .orgs_by_kind
            .iter()
            .map(|(kind, n)| Figure {
                label: kind.label(),
                count: (*n > 0).then_some(*n),
                href: format!("/orgs?kind={}", kind.code()),
            })
            .collect(),
        members: o
            .members_by_category
            .iter()
            .map(|(category, n)| Figure {
                label: category.label(),
                count: (*n > 0).then_some(*n),
                href: format!("/members?category={}", category.code()),
            })
            .collect(),
        gap_total: o.branches_without_secretary_total as usize,
        gaps: o
            .branches_without_secretary
            .into_iter()
            .map(|g| Gap {
                id: g.id,
                name: g.name,
                code: g.code,
                unit: g.unit_name.unwrap_or_default(),
                members: g.member_count,
            })
            .collect(),
    });
    let mut links = Vec::new();
    if actor.permits(Permission::ReadMembers) && overview.is_none() {
        links.push(("/members", "查看我的档案"));
    }
    if actor.permits(Permission::ManageAccounts) || actor.permits(Permission::GrantRoles) {
        links.push(("/accounts", "账号管理"));
    }
    if actor.permits(Permission::ReadAudit) {
        links.push(("/audit", "审计日志"));
    }
    render(&DashboardPage {
        layout: Layout::new(actor, "/", "工作台"),
        overview,
        links,
    })
}
