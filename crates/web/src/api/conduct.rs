//! `/api/v1/conduct/…`: findings, their handling and hand-over to rectification, sanctions
//! (issue 16) — for the discipline roles only, every read audited — and
//! `/api/v1/members/{id}/eligibility`, the derived effects anyone who reads the member sees.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use dangjian_core::conduct::{CategoryGroup, Eligibility, Track, Until, kinds};
use dangjian_core::role::Permission;
use dangjian_service::Page;
use dangjian_service::conduct::{
    FindingDetail, FindingFilter, FindingForm, FindingRow, HandlingForm, ProgressForm,
    SanctionForm, SanctionView,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, api_query};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

const PAGE_SIZE: u32 = 100;

/// A finding as recorded: about a member (by 警号 or member number) or an org (by code).
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ConductFindingInput {
    #[schema(
        pattern = r"^(police_inspection|discipline_inspection|tour_inspection|audit|petition|self_inspection)$"
    )]
    pub source: String,
    /// The member it is about; empty when it is about an org.
    #[serde(default)]
    pub member: String,
    /// The org it is about (when not a member).
    #[serde(default)]
    pub org: String,
    #[schema(pattern = r"^(eight_rules|formalism|police_conduct)$")]
    pub category_group: String,
    /// One of the group's categories as `GET /conduct/categories` lists them.
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub facts: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub found_on: String,
}

/// How a finding was handled; for `party_sanction` and `government_sanction` the decision too.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct HandlingInput {
    /// The finding's version as read (a change in between is refused with 409).
    #[serde(default)]
    pub version: i64,
    #[schema(
        pattern = r"^(reminder_talk|criticism|ordered_review|admonition|written_inquiry|org_adjustment|major_post_change|party_sanction|government_sanction|prosecution|cleared)$"
    )]
    pub handling: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub handled_on: String,
    #[serde(default)]
    pub outcome: String,
    /// The sanction's kind (a sanction only), as `GET /conduct/categories` lists them.
    #[serde(default)]
    pub kind: String,
    /// 留党察看 only.
    #[serde(default)]
    pub probation_months: Option<u32>,
    #[serde(default)]
    pub deciding_body: String,
    #[serde(default)]
    pub document_ref: String,
}

/// A sanction decided without a finding in the register.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SanctionInput {
    #[serde(default)]
    pub member: String,
    #[schema(pattern = r"^(party|government)$")]
    pub track: String,
    #[serde(default)]
    pub kind: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub decided_on: String,
    #[serde(default)]
    pub probation_months: Option<u32>,
    #[serde(default)]
    pub deciding_body: String,
    #[serde(default)]
    pub document_ref: String,
    #[serde(default)]
    pub note: String,
}

/// What happened to a sanction since; empty dates are none.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ProgressInput {
    pub version: i64,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub extended_on: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub restored_on: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub revoked_on: String,
}

/// The deadline of the rectification a finding about an org opens.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RectifyFindingInput {
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub deadline: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConductFindingJson {
    pub id: i64,
    pub source: String,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    pub org_id: i64,
    pub org_name: String,
    pub category_group: String,
    pub category: String,
    pub facts: String,
    #[schema(format = Date)]
    pub found_on: String,
    /// None while it is being looked into.
    pub handling: Option<String>,
    pub handled_on: Option<String>,
    pub outcome: Option<String>,
    /// `first` … `fourth` (四种形态), none for a cleared finding.
    pub four_form: Option<String>,
    /// The rectification opened from it (its feedback ref).
    pub rectification_ref: Option<String>,
    pub version: i64,
}

impl From<&FindingRow> for ConductFindingJson {
    fn from(f: &FindingRow) -> Self {
        ConductFindingJson {
            id: f.id,
            source: f.source.code().to_owned(),
            member_id: f.member_id,
            member_name: f.member_name.clone(),
            org_id: f.org_id,
            org_name: f.org_name.clone(),
            category_group: f.category_group.code().to_owned(),
            category: f.category.clone(),
            facts: f.facts.clone(),
            found_on: f.found_on.to_string(),
            handling: f.handling.map(|h| h.code().to_owned()),
            handled_on: f.handled_on.map(|d| d.to_string()),
            outcome: f.outcome.clone(),
            four_form: f.four_form.map(|x| x.code().to_owned()),
            rectification_ref: f.rectification_ref.clone(),
            version: f.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SanctionJson {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub finding_id: Option<i64>,
    /// `party` or `government`.
    pub track: String,
    pub kind: String,
    #[schema(format = Date)]
    pub decided_on: String,
    pub deciding_body: String,
    pub document_ref: String,
    pub probation_months: Option<u32>,
    pub extended_on: Option<String>,
    pub restored_on: Option<String>,
    pub revoked_on: Option<String>,
    /// The last day of the period of influence; none when it has no end (开除).
    pub influence_until: Option<String>,
    /// 留党察看: the last day of the probation.
    pub probation_last_day: Option<String>,
    /// Its influence runs today.
    pub in_effect: bool,
    pub status: String,
    pub version: i64,
}

impl From<&SanctionView> for SanctionJson {
    fn from(s: &SanctionView) -> Self {
        let r = &s.row;
        SanctionJson {
            id: r.id,
            member_id: r.member_id,
            member_name: r.member_name.clone(),
            finding_id: r.finding_id,
            track: r.track.code().to_owned(),
            kind: r.kind.clone(),
            decided_on: r.decided_on.to_string(),
            deciding_body: r.deciding_body.clone(),
            document_ref: r.document_ref.clone(),
            probation_months: r.probation_months,
            extended_on: r.extended_on.map(|d| d.to_string()),
            restored_on: r.restored_on.map(|d| d.to_string()),
            revoked_on: r.revoked_on.map(|d| d.to_string()),
            influence_until: s
                .effects
                .influence
                .and_then(|i| i.until.day())
                .map(|d| d.to_string()),
            probation_last_day: s.effects.probation_last_day.map(|d| d.to_string()),
            in_effect: s.in_effect,
            status: s.status.clone(),
            version: r.version,
        }
    }
}

/// A finding with its sanction.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConductFindingDetailJson {
    pub finding: ConductFindingJson,
    pub sanction: Option<SanctionJson>,
    /// The evidence files, each readable at `/conduct/findings/{id}/files/{file}`.
    pub evidence: Vec<EvidenceJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceJson {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// SM3 of the bytes, hex.
    pub digest: String,
}

impl From<FindingDetail> for ConductFindingDetailJson {
    fn from(d: FindingDetail) -> Self {
        ConductFindingDetailJson {
            finding: ConductFindingJson::from(&d.finding),
            sanction: d.sanction.as_ref().map(SanctionJson::from),
            evidence: d
                .evidence
                .iter()
                .map(|f| EvidenceJson {
                    id: f.id,
                    file_name: f.file_name.clone(),
                    content_type: f.content_type.clone(),
                    size: f.size,
                    digest: f.digest.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConductFindingPageJson {
    pub findings: Vec<ConductFindingJson>,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SanctionPageJson {
    pub sanctions: Vec<SanctionJson>,
    pub total: i64,
}

/// `?state=open|handled&group=…&member=…&page=…`
#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct ConductFindingQuery {
    /// `open` (being looked into) or `handled`; all when empty.
    pub state: Option<String>,
    /// `eight_rules`, `formalism` or `police_conduct`.
    pub group: Option<String>,
    /// Only the findings about this member.
    pub member: Option<i64>,
    /// 1-based; 100 a page.
    pub page: Option<u32>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct SanctionQuery {
    /// 1-based; 100 a page.
    pub page: Option<u32>,
}

fn page(number: Option<u32>) -> Page {
    Page {
        number: number.unwrap_or(1).max(1),
        size: PAGE_SIZE,
    }
}

/// The findings in scope, newest first.
#[utoipa::path(get, path = "/conduct/findings", tag = "conduct", params(ConductFindingQuery),
    responses((status = 200, body = ConductFindingPageJson), (status = 403, body = ApiErrorBody)))]
pub async fn findings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<ConductFindingPageJson>, ApiError> {
    let q: ConductFindingQuery = api_query(raw.as_deref())?;
    let open = match q.state.as_deref() {
        None | Some("") => None,
        Some("open") => Some(true),
        Some("handled") => Some(false),
        Some(_) => {
            return Err(ApiError::BadRequest(
                "state 只能是 open 或 handled".to_owned(),
            ));
        }
    };
    let group = match q.group.as_deref() {
        None | Some("") => None,
        Some(code) => Some(
            CategoryGroup::from_code(code)
                .ok_or_else(|| ApiError::BadRequest("group 无效".to_owned()))?,
        ),
    };
    let filter = FindingFilter {
        open,
        group,
        member_id: q.member,
    };
    let (rows, total) = state
        .services
        .findings(&actor, filter, page(q.page))
        .await?;
    Ok(Json(ConductFindingPageJson {
        findings: rows.iter().map(ConductFindingJson::from).collect(),
        total,
    }))
}

/// Records a finding about a member or an org in scope.
#[utoipa::path(post, path = "/conduct/findings", tag = "conduct", request_body = ConductFindingInput,
    responses((status = 201, body = ConductFindingDetailJson), (status = 422, body = ApiErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<ConductFindingInput>,
) -> Result<(StatusCode, Json<ConductFindingDetailJson>), ApiError> {
    let form = FindingForm {
        source: i.source,
        member: i.member,
        org: i.org,
        category_group: i.category_group,
        category: i.category,
        facts: i.facts,
        found_on: i.found_on,
    };
    let id = state.services.record_finding(&actor, &form).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.services.finding(&actor, id).await?.into()),
    ))
}

/// A finding in scope with its sanction.
#[utoipa::path(get, path = "/conduct/findings/{id}", tag = "conduct", params(("id" = i64, Path)),
    responses((status = 200, body = ConductFindingDetailJson), (status = 404, body = ApiErrorBody)))]
pub async fn finding(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ConductFindingDetailJson>, ApiError> {
    Ok(Json(state.services.finding(&actor, id).await?.into()))
}

/// Records how a finding was handled (once); a sanction's decision with it.
#[utoipa::path(post, path = "/conduct/findings/{id}/handling", tag = "conduct", params(("id" = i64, Path)),
    request_body = HandlingInput,
    responses((status = 200, body = ConductFindingDetailJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn handle(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<HandlingInput>,
) -> Result<Json<ConductFindingDetailJson>, ApiError> {
    let form = HandlingForm {
        version: i.version,
        handling: i.handling,
        handled_on: i.handled_on,
        outcome: i.outcome,
        kind: i.kind,
        probation_months: i
            .probation_months
            .map(|m| m.to_string())
            .unwrap_or_default(),
        deciding_body: i.deciding_body,
        document_ref: i.document_ref,
    };
    state.services.handle_finding(&actor, id, &form).await?;
    Ok(Json(state.services.finding(&actor, id).await?.into()))
}

/// Hands a finding about an org over to rectification (once); returns the finding with the
/// link.
#[utoipa::path(post, path = "/conduct/findings/{id}/rectification", tag = "conduct", params(("id" = i64, Path)),
    request_body = RectifyFindingInput,
    responses((status = 201, body = ConductFindingDetailJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn rectify(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<RectifyFindingInput>,
) -> Result<(StatusCode, Json<ConductFindingDetailJson>), ApiError> {
    state
        .services
        .rectify_finding(&actor, id, &i.deadline)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.services.finding(&actor, id).await?.into()),
    ))
}

/// The sanctions in scope, newest first.
#[utoipa::path(get, path = "/conduct/sanctions", tag = "conduct", params(SanctionQuery),
    responses((status = 200, body = SanctionPageJson), (status = 403, body = ApiErrorBody)))]
pub async fn sanctions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<SanctionPageJson>, ApiError> {
    let q: SanctionQuery = api_query(raw.as_deref())?;
    let (rows, total) = state.services.sanctions(&actor, page(q.page)).await?;
    Ok(Json(SanctionPageJson {
        sanctions: rows.iter().map(SanctionJson::from).collect(),
        total,
    }))
}

/// Records a sanction decided on a member in scope.
#[utoipa::path(post, path = "/conduct/sanctions", tag = "conduct", request_body = SanctionInput,
    responses((status = 201, body = SanctionJson), (status = 422, body = ApiErrorBody)))]
pub async fn record_sanction(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<SanctionInput>,
) -> Result<(StatusCode, Json<SanctionJson>), ApiError> {
    let form = SanctionForm {
        member: i.member,
        track: i.track,
        kind: i.kind,
        decided_on: i.decided_on,
        probation_months: i
            .probation_months
            .map(|m| m.to_string())
            .unwrap_or_default(),
        deciding_body: i.deciding_body,
        document_ref: i.document_ref,
        note: i.note,
    };
    let id = state.services.record_sanction(&actor, &form).await?;
    let view = state.services.sanction(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(SanctionJson::from(&view))))
}

/// A sanction in scope with its periods.
#[utoipa::path(get, path = "/conduct/sanctions/{id}", tag = "conduct", params(("id" = i64, Path)),
    responses((status = 200, body = SanctionJson), (status = 404, body = ApiErrorBody)))]
pub async fn sanction(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SanctionJson>, ApiError> {
    Ok(Json(SanctionJson::from(
        &state.services.sanction(&actor, id).await?,
    )))
}

/// Records a 留党察看's extension or restoration, or a revocation.
#[utoipa::path(post, path = "/conduct/sanctions/{id}/progress", tag = "conduct", params(("id" = i64, Path)),
    request_body = ProgressInput,
    responses((status = 200, body = SanctionJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn progress(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<ProgressInput>,
) -> Result<Json<SanctionJson>, ApiError> {
    let form = ProgressForm {
        version: i.version,
        extended_on: i.extended_on,
        restored_on: i.restored_on,
        revoked_on: i.revoked_on,
    };
    state.services.sanction_progress(&actor, id, &form).await?;
    Ok(Json(SanctionJson::from(
        &state.services.sanction(&actor, id).await?,
    )))
}

/// The categories, handlings and sanction kinds in force today.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConductCategoriesJson {
    /// By group code: the categories a finding may take.
    pub categories: Vec<CategoryListJson>,
    pub party_sanctions: Vec<String>,
    pub government_sanctions: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryListJson {
    pub group: String,
    pub label: String,
    pub categories: Vec<String>,
}

/// The lists a finding and a sanction are checked against (from the rules file).
#[utoipa::path(get, path = "/conduct/categories", tag = "conduct",
    responses((status = 200, body = ConductCategoriesJson), (status = 403, body = ApiErrorBody)))]
pub async fn categories(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<ConductCategoriesJson>, ApiError> {
    state
        .services
        .require(&actor, Permission::ReadConduct, "conduct.categories")
        .await?;
    let rules = state.services.rules();
    Ok(Json(ConductCategoriesJson {
        categories: CategoryGroup::ALL
            .iter()
            .map(|g| CategoryListJson {
                group: g.code().to_owned(),
                label: g.label().to_owned(),
                categories: g.categories(rules).to_vec(),
            })
            .collect(),
        party_sanctions: kinds(rules, Track::Party)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        government_sanctions: kinds(rules, Track::Government)
            .into_iter()
            .map(str::to_owned)
            .collect(),
    }))
}

/// What a member may be today: the effects without their facts.
#[derive(Debug, Serialize, ToSchema)]
pub struct EligibilityJson {
    pub member_id: i64,
    /// May be commended, named 评先评优 or proposed for an award.
    pub may_commend: bool,
    /// The last day of the bar, when it has one (none while barred: no end in sight).
    pub commend_until: Option<String>,
    /// May be promoted or further used.
    pub may_promote: bool,
    pub promote_until: Option<String>,
    /// The vote is suspended (留党察看).
    pub vote_suspended: bool,
    /// The effects in words, as the member page shows them.
    pub effects: Vec<String>,
    /// The causes, for the discipline roles only.
    pub causes: Option<Vec<String>>,
}

fn until_day(until: Option<Until>) -> Option<String> {
    until.and_then(Until::day).map(|d| d.to_string())
}

fn eligibility_json(
    member_id: i64,
    e: &Eligibility,
    effects: Vec<String>,
    causes: Option<Vec<String>>,
) -> EligibilityJson {
    EligibilityJson {
        member_id,
        may_commend: e.may_commend(),
        commend_until: until_day(e.commend_until()),
        may_promote: e.may_promote(),
        promote_until: until_day(e.promote_until()),
        vote_suspended: e.vote_suspended.is_some(),
        effects,
        causes,
    }
}

/// Whether a member in scope may be commended or promoted today, and until when not.
#[utoipa::path(get, path = "/members/{id}/eligibility", tag = "members", params(("id" = i64, Path)),
    responses((status = 200, body = EligibilityJson), (status = 404, body = ApiErrorBody)))]
pub async fn eligibility(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<EligibilityJson>, ApiError> {
    let m = state.services.member_effects(&actor, id).await?;
    Ok(Json(eligibility_json(
        id,
        &m.eligibility,
        m.derived,
        m.causes,
    )))
}

/// `?name=…`: the evidence file's name, whose extension must agree with its bytes.
#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct EvidenceQuery {
    pub name: String,
}

/// Adds an evidence file (the request body): PDF, PNG, JPG, .docx or .xlsx up to 10 MB, its
/// type read from its bytes, kept with its SM3 digest.
#[utoipa::path(post, path = "/conduct/findings/{id}/files", tag = "conduct",
    params(("id" = i64, Path), EvidenceQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = ConductFindingDetailJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_evidence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<ConductFindingDetailJson>), ApiError> {
    let q: EvidenceQuery = api_query(raw.as_deref())?;
    let upload = dangjian_service::Upload {
        file_name: &q.name,
        bytes: &body,
    };
    state
        .services
        .attach_evidence(&actor, id, &[upload])
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.services.finding(&actor, id).await?.into()),
    ))
}

/// An evidence file's bytes (the read audited).
#[utoipa::path(get, path = "/conduct/findings/{id}/files/{file}", tag = "conduct",
    params(("id" = i64, Path), ("file" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ApiErrorBody)))]
pub async fn evidence_file(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, file)): ApiPath<(i64, i64)>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let (row, bytes) = state.services.evidence_of_finding(&actor, id, file).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, row.content_type)],
        bytes,
    )
        .into_response())
}
