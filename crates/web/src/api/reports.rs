//! `/api/v1/coverage`, `/api/v1/statistics`, `/api/v1/reelections` and `/api/v1/dashboard`:
//! the reports of the organisation work, for the caller's scope or an org within it.

use axum::Json;
use axum::extract::{RawQuery, State};
use dangjian_service::coverage::Subject;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::api_query;
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;
use crate::view;

#[derive(Debug, Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default, deny_unknown_fields)]
pub struct ScopeQuery {
    /// An org's code: the report covers it and everything below it. The caller's whole
    /// scope when absent.
    pub org: Option<String>,
}

/// One gap the coverage report found.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageFindingJson {
    /// Stable code: `unit_without_org`, `member_without_branch`, `lost_contact`,
    /// `branch_too_small`, `joint_branch_too_many_units`, `branch_too_large`,
    /// `committee_missing`, `committee_size`, `secretary_vacant`, `committee_post_vacant`,
    /// `secretary_party_age`, `general_branch_threshold`, `committee_threshold`.
    pub kind: &'static str,
    pub kind_label: &'static str,
    /// Advice (a threshold the rules word as "一般" or "可") rather than a problem.
    pub advice: bool,
    /// `org`, `member` or `unit`.
    pub subject_type: &'static str,
    pub subject_id: i64,
    pub name: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageJson {
    /// The org the report covers, or null for the caller's whole scope.
    pub org_id: Option<i64>,
    pub problems: usize,
    pub advice: usize,
    pub findings: Vec<CoverageFindingJson>,
}

/// The coverage report (纵向到底、横向到边): every gap, each naming the object to fix.
#[utoipa::path(get, path = "/coverage", tag = "reports", params(ScopeQuery),
    responses((status = 200, body = CoverageJson), (status = 422, body = ApiErrorBody)))]
pub async fn coverage(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<CoverageJson>, ApiError> {
    let q: ScopeQuery = api_query(raw.as_deref())?;
    let org = q.org.as_deref().and_then(view::nonempty);
    let report = state.services.coverage(&actor, org.as_deref()).await?;
    Ok(Json(CoverageJson {
        org_id: report.org.as_ref().map(|(id, _)| *id),
        problems: report.problems(),
        advice: report.advice(),
        findings: report
            .findings
            .iter()
            .map(|f| {
                let (subject_type, subject_id) = match f.subject {
                    Subject::Org(id) => ("org", id),
                    Subject::Member(id) => ("member", id),
                    Subject::Unit(id) => ("unit", id),
                };
                CoverageFindingJson {
                    kind: f.kind.code(),
                    kind_label: f.kind.label(),
                    advice: f.kind.is_advice(),
                    subject_type,
                    subject_id,
                    name: f.name.clone(),
                    message: f.message.clone(),
                }
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TableRowJson {
    pub label: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TableJson {
    pub title: &'static str,
    pub rows: Vec<TableRowJson>,
    pub total: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatisticsJson {
    /// What the tables count, in words.
    pub scope: String,
    pub tables: Vec<TableJson>,
}

/// 党内统计-style tables: members by category, gender, age, education, party age and
/// ethnicity, and orgs by kind.
#[utoipa::path(get, path = "/statistics", tag = "reports", params(ScopeQuery),
    responses((status = 200, body = StatisticsJson), (status = 422, body = ApiErrorBody)))]
pub async fn statistics(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<StatisticsJson>, ApiError> {
    let q: ScopeQuery = api_query(raw.as_deref())?;
    let org = q.org.as_deref().and_then(view::nonempty);
    let stats = state.services.statistics(&actor, org.as_deref()).await?;
    Ok(Json(StatisticsJson {
        scope: stats.scope,
        tables: stats
            .tables
            .into_iter()
            .map(|t| TableJson {
                title: t.title,
                rows: t
                    .rows
                    .into_iter()
                    .map(|(label, count)| TableRowJson { label, count })
                    .collect(),
                total: t.total,
            })
            .collect(),
    }))
}

/// An org's place in the election calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReelectionJson {
    pub org_id: i64,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    #[schema(format = Date)]
    pub elected_on: Option<String>,
    #[schema(format = Date)]
    pub ends_on: Option<String>,
    /// `overdue`, `due_soon` (within the reminder window of the rules), `current` or
    /// `no_record`.
    pub status: &'static str,
}

/// Every org in scope that elects a committee, with its term status: overdue first, then
/// due soon, current, and those with no election on record.
#[utoipa::path(get, path = "/reelections", tag = "reports",
    responses((status = 200, body = Vec<ReelectionJson>)))]
pub async fn reelections(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<ReelectionJson>>, ApiError> {
    let rows = state.services.reelections(&actor).await?;
    Ok(Json(
        rows.into_iter()
            .map(|t| ReelectionJson {
                org_id: t.org_id,
                code: t.code,
                name: t.name,
                kind: t.kind.code(),
                elected_on: t.elected_on.map(view::date),
                ends_on: t.ends_on.map(view::date),
                status: t.status.code(),
            })
            .collect(),
    ))
}

/// A count of one kind or category.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardCountJson {
    pub code: &'static str,
    pub label: &'static str,
    pub count: i64,
}

/// A branch without a secretary.
#[derive(Debug, Serialize, ToSchema)]
pub struct VacantBranchJson {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// The landing page's figures for the caller's scope. A kind with no orgs is absent, not 0.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardJson {
    pub orgs_by_kind: Vec<DashboardCountJson>,
    pub members_by_category: Vec<DashboardCountJson>,
    /// The first branches without a current secretary, and how many there are in all.
    pub branches_without_secretary: Vec<VacantBranchJson>,
    pub branches_without_secretary_total: i64,
}

/// The figures of the landing page (工作台) for the caller's scope: orgs by kind, members by
/// category, branches without a secretary.
#[utoipa::path(get, path = "/dashboard", tag = "reports",
    responses((status = 200, body = DashboardJson), (status = 403, body = ApiErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<DashboardJson>, ApiError> {
    // A refusal is audited like any other; the figures are for roles that read orgs.
    state
        .services
        .require(
            &actor,
            dangjian_core::role::Permission::ReadOrgs,
            "dashboard.view",
        )
        .await?;
    let Some(o) = state.services.overview(&actor).await? else {
        return Err(ApiError::Service(dangjian_service::ServiceError::Forbidden));
    };
    Ok(Json(DashboardJson {
        orgs_by_kind: o
            .orgs_by_kind
            .iter()
            .map(|(k, n)| DashboardCountJson {
                code: k.code(),
                label: k.label(),
                count: *n,
            })
            .collect(),
        members_by_category: o
            .members_by_category
            .iter()
            .map(|(c, n)| DashboardCountJson {
                code: c.code(),
                label: c.label(),
                count: *n,
            })
            .collect(),
        branches_without_secretary: o
            .branches_without_secretary
            .iter()
            .map(|b| VacantBranchJson {
                id: b.id,
                code: b.code.clone(),
                name: b.name.clone(),
            })
            .collect(),
        branches_without_secretary_total: o.branches_without_secretary_total,
    }))
}
