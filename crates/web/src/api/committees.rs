//! An org's committee over the API: post holders with their history, appointments and their
//! end, elections and terms, and the upper committee's assessment of the secretary.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dangjian_service::orgs::{AppointForm, RelieveForm, post_label};
use dangjian_service::terms::{AssessmentForm, ElectionForm, ExtensionForm};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;
use crate::view;

/// A holder of a post, current (`to` null) or past.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostJson {
    /// `secretary`, `deputy_secretary`, `organization_commissioner`,
    /// `publicity_commissioner`, `discipline_commissioner`, `committee_member` or
    /// `group_leader`.
    pub post: String,
    pub post_label: String,
    pub member_id: i64,
    pub member_name: String,
    pub from: String,
    /// The last day in the post; null while held.
    pub to: Option<String>,
}

/// Every holder of every post of the org, current and past.
#[utoipa::path(get, path = "/orgs/{id}/posts", tag = "committees", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<PostJson>), (status = 404, body = ApiErrorBody)))]
pub async fn posts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<PostJson>>, ApiError> {
    let detail = state.services.org_detail(&actor, id).await?;
    Ok(Json(
        detail
            .posts
            .iter()
            .map(|p| PostJson {
                post: p.post.clone(),
                post_label: post_label(&p.post).to_owned(),
                member_id: p.member_id,
                member_name: p.member_name.clone(),
                from: view::date(p.span.from),
                to: p.span.to.map(view::date),
            })
            .collect(),
    ))
}

/// An appointment: the post, the member by 警号, and the first day in the post.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AppointInput {
    #[schema(
        pattern = r"^(secretary|deputy_secretary|organization_commissioner|publicity_commissioner|discipline_commissioner|committee_member|group_leader|leadership_member)$"
    )]
    pub post: String,
    #[serde(default)]
    pub police_number: String,
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub on: String,
}

/// Appoints a member to a post; a single-holder post passes from its current holder.
#[utoipa::path(post, path = "/orgs/{id}/posts", tag = "committees", params(("id" = i64, Path)),
    request_body = AppointInput,
    responses((status = 201, body = Vec<PostJson>), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn appoint(
    State(state): State<AppState>,
    actor: ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<AppointInput>,
) -> Result<(StatusCode, Json<Vec<PostJson>>), ApiError> {
    let form = AppointForm {
        post: input.post,
        police_number: input.police_number,
        on: input.on,
    };
    state.services.appoint(&actor.0, id, &form).await?;
    let list = posts(State(state), actor, ApiPath(id)).await?;
    Ok((StatusCode::CREATED, list))
}

/// The end of one holder's term in a post.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RelieveInput {
    #[schema(
        pattern = r"^(secretary|deputy_secretary|organization_commissioner|publicity_commissioner|discipline_commissioner|committee_member|group_leader|leadership_member)$"
    )]
    pub post: String,
    pub member_id: i64,
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub on: String,
}

/// Ends a holder's term; the post stays vacant until the next appointment.
#[utoipa::path(post, path = "/orgs/{id}/posts/end", tag = "committees", params(("id" = i64, Path)),
    request_body = RelieveInput,
    responses((status = 200, body = Vec<PostJson>), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn relieve(
    State(state): State<AppState>,
    actor: ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<RelieveInput>,
) -> Result<Json<Vec<PostJson>>, ApiError> {
    let form = RelieveForm {
        post: input.post,
        member: input.member_id.to_string(),
        on: input.on,
    };
    state.services.relieve(&actor.0, id, &form).await?;
    posts(State(state), actor, ApiPath(id)).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TermJson {
    #[schema(format = Date)]
    pub elected_on: String,
    pub term_years: i64,
    #[schema(format = Date)]
    pub ends_on: String,
    pub note: Option<String>,
    pub recorded_by: String,
    /// 延期换届: the end as extended, and the upper committee's approval.
    #[schema(format = Date)]
    pub extended_to: Option<String>,
    pub extension_approval: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentJson {
    #[schema(format = Date)]
    pub assessed_on: String,
    /// `excellent`, `good`, `fair` or `poor` (好、较好、一般、较差).
    pub political_quality: &'static str,
    pub professional_ability: &'static str,
    pub standing: &'static str,
    pub remark: Option<String>,
    pub recorded_by: String,
}

/// The current secretary's qualification record. Training received and the annual
/// appraisal grade come from the study and assessment records, which are not kept yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct QualificationJson {
    pub member_id: i64,
    pub name: String,
    /// 党龄 in whole years; null while probationary.
    pub party_age: Option<i32>,
    /// The upper committee's latest assessment.
    pub assessment: Option<AssessmentJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TermsJson {
    /// `overdue`, `due_soon`, `current` or `no_record`.
    pub status: &'static str,
    /// The term length the rules give this kind of org.
    pub term_years: u32,
    /// Every election, latest first.
    pub terms: Vec<TermJson>,
    pub qualification: Option<QualificationJson>,
}

/// An org's elections, term status and secretary qualification.
#[utoipa::path(get, path = "/orgs/{id}/terms", tag = "committees", params(("id" = i64, Path)),
    responses((status = 200, body = TermsJson), (status = 404, body = ApiErrorBody)))]
pub async fn terms(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TermsJson>, ApiError> {
    let t = state.services.org_terms(&actor, id).await?;
    Ok(Json(TermsJson {
        status: t.status.code(),
        term_years: t.term_years,
        terms: t
            .terms
            .iter()
            .map(|r| TermJson {
                elected_on: view::date(r.elected_on),
                term_years: r.term_years,
                ends_on: view::date(r.ends_on),
                note: r.note.clone(),
                recorded_by: r.recorded_by.clone(),
                extended_to: r.extended_to.map(view::date),
                extension_approval: r.extension_approval.clone(),
            })
            .collect(),
        qualification: t.qualification.map(|q| QualificationJson {
            member_id: q.member_id,
            name: q.name,
            party_age: q.party_age,
            assessment: q.assessment.map(|a| AssessmentJson {
                assessed_on: view::date(a.assessed_on),
                political_quality: a.political_quality.code(),
                professional_ability: a.professional_ability.code(),
                standing: a.standing.code(),
                remark: a.remark,
                recorded_by: a.recorded_by,
            }),
        }),
    }))
}

/// An election: its date and a note (the approval document, say).
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ElectionInput {
    /// `YYYY-MM-DD`; today when empty; never in the future.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub elected_on: String,
    pub note: String,
}

/// Records an election: a new term from that day, of the length the rules give the kind.
#[utoipa::path(post, path = "/orgs/{id}/elections", tag = "committees", params(("id" = i64, Path)),
    request_body = ElectionInput,
    responses((status = 201, body = TermsJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn elect(
    State(state): State<AppState>,
    actor: ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ElectionInput>,
) -> Result<(StatusCode, Json<TermsJson>), ApiError> {
    let form = ElectionForm {
        elected_on: input.elected_on,
        note: input.note,
    };
    state.services.record_election(&actor.0, id, &form).await?;
    let record = terms(State(state), actor, ApiPath(id)).await?;
    Ok((StatusCode::CREATED, record))
}

/// 延期换届: the current term's new end and the upper committee's approval.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ExtensionInput {
    /// `YYYY-MM-DD`: after the end as elected, by at most the rules' years (one by default).
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub until: String,
    pub approval: String,
}

/// Extends the current term with the upper committee's approval (R8.2).
#[utoipa::path(post, path = "/orgs/{id}/terms/extend", tag = "committees", params(("id" = i64, Path)),
    request_body = ExtensionInput,
    responses((status = 200, body = TermsJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn extend(
    State(state): State<AppState>,
    actor: ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ExtensionInput>,
) -> Result<Json<TermsJson>, ApiError> {
    let form = ExtensionForm {
        until: input.until,
        approval: input.approval,
    };
    state.services.extend_term(&actor.0, id, &form).await?;
    terms(State(state), actor, ApiPath(id)).await
}

/// The upper committee's assessment of the current secretary, one rating per count.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AssessmentInput {
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub assessed_on: String,
    /// `excellent`, `good`, `fair` or `poor`.
    #[schema(pattern = r"^(excellent|good|fair|poor)$")]
    pub political_quality: String,
    #[schema(pattern = r"^(excellent|good|fair|poor)$")]
    pub professional_ability: String,
    #[schema(pattern = r"^(excellent|good|fair|poor)$")]
    pub standing: String,
    #[serde(default)]
    pub remark: String,
}

/// Records the assessment; only from above the org, never by the org itself.
#[utoipa::path(post, path = "/orgs/{id}/secretary-assessments", tag = "committees", params(("id" = i64, Path)),
    request_body = AssessmentInput,
    responses((status = 201, body = TermsJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn assess(
    State(state): State<AppState>,
    actor: ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<AssessmentInput>,
) -> Result<(StatusCode, Json<TermsJson>), ApiError> {
    let form = AssessmentForm {
        assessed_on: input.assessed_on,
        political_quality: input.political_quality,
        professional_ability: input.professional_ability,
        standing: input.standing,
        remark: input.remark,
    };
    state.services.assess_secretary(&actor.0, id, &form).await?;
    let record = terms(State(state), actor, ApiPath(id)).await?;
    Ok((StatusCode::CREATED, record))
}
