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
    count: i64,
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
        // Kinds that cannot occur in the scope (a branch has no committees) are left out.
        orgs: o
            .orgs_by_kind
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(kind, n)| Figure {
                label: kind.label(),
                count: *n,
                href: format!("/orgs?kind={}", kind.code()),
            })
            .collect(),
        // Members are shown by category, zero included, once there are any; with none at all
        // the page says there is no record rather than showing zeros.
        members: if o.members_by_category.iter().all(|(_, n)| *n == 0) {
            Vec::new()
        } else {
            o.members_by_category
                .iter()
                .map(|(category, n)| Figure {
                    label: category.label(),
                    count: *n,
                    href: format!("/members?category={}", category.code()),
                })
                .collect()
        },
        gap_total: o.branches_without_secretary_total as usize,
        gaps: o
            .branches_without_secretary
            .iter()
            .map(|g| Gap {
                id: g.id,
                name: g.name.clone(),
                code: g.code.clone(),
                unit: g.unit_name.clone().unwrap_or_default(),
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
