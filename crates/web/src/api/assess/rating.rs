//! `/api/v1/assess/indicator-sets/…` and `/api/v1/assess/rounds/…` (issue 19, 1–2): the
//! indicator sets, the rounds, one org's scorecard, self-assessment, upper scores, objections
//! and their answers. Points are given in tenths (`85` is 8.5) and typed as text with at most
//! one decimal; an org sees the upper scores and its result only once the round is fed back.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use dangjian_service::Actor;
use dangjian_service::assess::{
    AnswerForm, IndicatorForm, IndicatorRow, ObjectionForm, ObjectionRow, RoundForm, RoundOrgRow,
    RoundRow, ScoreForm, SelfSubmitForm, SetForm, SetRow, VersionForm,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::{ApiJson, ApiPath, api_query};
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

#[derive(Debug, Serialize, ToSchema)]
pub struct SetJson {
    pub id: i64,
    pub name: String,
    /// `committee`, `general_branch` or `branch`.
    pub org_kind: String,
    pub version: i64,
    pub previous_id: Option<i64>,
    /// Absent while a draft; a published set never changes.
    pub published_on: Option<String>,
    pub row_version: i64,
}

impl From<&SetRow> for SetJson {
    fn from(s: &SetRow) -> Self {
        SetJson {
            id: s.id,
            name: s.name.clone(),
            org_kind: s.org_kind.code().to_owned(),
            version: s.version,
            previous_id: s.previous_id,
            published_on: s.published_on.map(|d| d.to_string()),
            row_version: s.row_version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorJson {
    pub id: i64,
    pub name: String,
    /// `org_life`, `rectification`, `study`, `committee`, `dues`, `sanctions` or `assessor`.
    pub method: String,
    pub weight: i64,
    /// Tenths taken off per record (deductions only).
    pub per_item: i64,
    pub guide: String,
}

impl From<&IndicatorRow> for IndicatorJson {
    fn from(i: &IndicatorRow) -> Self {
        IndicatorJson {
            id: i.id,
            name: i.name.clone(),
            method: i.method.code().to_owned(),
            weight: i.weight,
            per_item: i.per_item,
            guide: i.guide.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SetDetailJson {
    pub set: SetJson,
    pub indicators: Vec<IndicatorJson>,
    /// The full score the weights must make to publish.
    pub total_points: u32,
}

async fn set_detail(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<Json<SetDetailJson>, ApiError> {
    let v = state.services.indicator_set(actor, id).await?;
    Ok(Json(SetDetailJson {
        set: SetJson::from(&v.set),
        indicators: v.indicators.iter().map(IndicatorJson::from).collect(),
        total_points: v.total_points,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetInput {
    pub name: String,
    #[schema(pattern = r"^(committee|general_branch|branch)$")]
    pub org_kind: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorInput {
    pub version: i64,
    pub name: String,
    pub method: String,
    pub weight: i64,
    /// Points off per record for `sanctions` ("2", "0.5").
    #[serde(default)]
    pub per_item: String,
    #[serde(default)]
    pub guide: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    pub version: i64,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct SetVersionQuery {
    pub version: i64,
}

/// Every indicator set, newest version first within a name.
#[utoipa::path(get, path = "/assess/indicator-sets", tag = "assess",
    responses((status = 200, body = Vec<SetJson>), (status = 403, body = ApiErrorBody)))]
pub async fn sets(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<SetJson>>, ApiError> {
    let rows = state.services.indicator_sets(&actor).await?;
    Ok(Json(rows.iter().map(SetJson::from).collect()))
}

/// Starts a draft set (the committee office).
#[utoipa::path(post, path = "/assess/indicator-sets", tag = "assess", request_body = SetInput,
    responses((status = 201, body = SetDetailJson), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create_set(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<SetInput>,
) -> Result<(StatusCode, Json<SetDetailJson>), ApiError> {
    let form = SetForm {
        name: i.name,
        org_kind: i.org_kind,
    };
    let id = state.services.create_indicator_set(&actor, &form).await?;
    Ok((StatusCode::CREATED, set_detail(&state, &actor, id).await?))
}

#[utoipa::path(get, path = "/assess/indicator-sets/{id}", tag = "assess", params(("id" = i64, Path)),
    responses((status = 200, body = SetDetailJson), (status = 404, body = ApiErrorBody)))]
pub async fn set(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SetDetailJson>, ApiError> {
    set_detail(&state, &actor, id).await
}

/// Adds an indicator to a draft.
#[utoipa::path(post, path = "/assess/indicator-sets/{id}/indicators", tag = "assess", params(("id" = i64, Path)),
    request_body = IndicatorInput,
    responses((status = 200, body = SetDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn add_indicator(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<IndicatorInput>,
) -> Result<Json<SetDetailJson>, ApiError> {
    let form = IndicatorForm {
        version: i.version,
        name: i.name,
        method: i.method,
        weight: i.weight.to_string(),
        per_item: i.per_item,
        guide: i.guide,
    };
    state.services.add_indicator(&actor, id, &form).await?;
    set_detail(&state, &actor, id).await
}

/// Removes an indicator from a draft.
#[utoipa::path(delete, path = "/assess/indicator-sets/{id}/indicators/{indicator}", tag = "assess",
    params(("id" = i64, Path), ("indicator" = i64, Path), SetVersionQuery),
    responses((status = 200, body = SetDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn remove_indicator(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, indicator)): ApiPath<(i64, i64)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SetDetailJson>, ApiError> {
    let q: SetVersionQuery = api_query(raw.as_deref())?;
    let form = VersionForm { version: q.version };
    state
        .services
        .remove_indicator(&actor, id, indicator, &form)
        .await?;
    set_detail(&state, &actor, id).await
}

/// Publishes a draft whose weights make the full score; read only from then on.
#[utoipa::path(post, path = "/assess/indicator-sets/{id}/publish", tag = "assess", params(("id" = i64, Path)),
    request_body = VersionInput,
    responses((status = 200, body = SetDetailJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn publish_set(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<VersionInput>,
) -> Result<Json<SetDetailJson>, ApiError> {
    let form = VersionForm { version: i.version };
    state
        .services
        .publish_indicator_set(&actor, id, &form)
        .await?;
    set_detail(&state, &actor, id).await
}

/// Starts the next version of a published set as a draft copy.
#[utoipa::path(post, path = "/assess/indicator-sets/{id}/revise", tag = "assess", params(("id" = i64, Path)),
    responses((status = 201, body = SetDetailJson), (status = 409, body = ApiErrorBody)))]
pub async fn revise_set(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<SetDetailJson>), ApiError> {
    let new = state.services.revise_indicator_set(&actor, id).await?;
    Ok((StatusCode::CREATED, set_detail(&state, &actor, new).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundJson {
    pub id: i64,
    pub set_id: i64,
    pub set_name: String,
    pub organiser_id: i64,
    pub organiser_name: String,
    pub year: i32,
    /// 0 for the whole year.
    pub quarter: u32,
    pub period: String,
    /// `self_assessment`, `upper`, `feedback` or `published`.
    pub stage: String,
    pub published_on: Option<String>,
    pub orgs: i64,
    pub self_submitted: i64,
    pub open_objections: i64,
    pub version: i64,
}

impl From<&RoundRow> for RoundJson {
    fn from(r: &RoundRow) -> Self {
        RoundJson {
            id: r.id,
            set_id: r.set_id,
            set_name: r.set_name.clone(),
            organiser_id: r.organiser_id,
            organiser_name: r.organiser_name.clone(),
            year: r.year,
            quarter: r.quarter,
            period: r.period().label(),
            stage: r.stage.code().to_owned(),
            published_on: r.published_on.map(|d| d.to_string()),
            orgs: r.orgs,
            self_submitted: r.self_submitted,
            open_objections: r.open_objections,
            version: r.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundOrgJson {
    pub org_id: i64,
    pub code: String,
    pub name: String,
    pub secretary: Option<String>,
    pub self_submitted_on: Option<String>,
    /// Scaled total in tenths; absent before feedback (for the org), or with too little data.
    pub total: Option<i64>,
    /// The grade, `数据不足`, or absent before feedback.
    pub grade: Option<String>,
    pub open_objections: i64,
}

fn round_org_json(o: &RoundOrgRow) -> RoundOrgJson {
    let result = o.result.as_ref();
    RoundOrgJson {
        org_id: o.org_id,
        code: o.code.clone(),
        name: o.name.clone(),
        secretary: o.secretary.clone(),
        self_submitted_on: o.self_submitted_on.map(|d| d.to_string()),
        total: result.and_then(|r| r.total),
        grade: result.map(|r| r.grade.clone().unwrap_or_else(|| "数据不足".to_owned())),
        open_objections: o.open_objections,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectionJson {
    pub id: i64,
    pub org_id: i64,
    pub indicator_id: i64,
    pub indicator_name: String,
    pub reason: String,
    /// Absent while open.
    pub upheld: Option<bool>,
    pub answer: Option<String>,
    pub points_before: Option<i64>,
    pub points_after: Option<i64>,
}

impl From<&ObjectionRow> for ObjectionJson {
    fn from(o: &ObjectionRow) -> Self {
        ObjectionJson {
            id: o.id,
            org_id: o.org_id,
            indicator_id: o.indicator_id,
            indicator_name: o.indicator_name.clone(),
            reason: o.reason.clone(),
            upheld: o.upheld,
            answer: o.answer.clone(),
            points_before: o.points_before,
            points_after: o.points_after,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundDetailJson {
    pub round: RoundJson,
    pub indicators: Vec<IndicatorJson>,
    /// The orgs of the round within the caller's scope.
    pub orgs: Vec<RoundOrgJson>,
    pub objections: Vec<ObjectionJson>,
    /// The caller stands for the organiser.
    pub organiser_side: bool,
    /// Upper scores still to give, at the upper stage.
    pub unscored: usize,
}

async fn round_detail(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<Json<RoundDetailJson>, ApiError> {
    let v = state.services.assessment_round(actor, id).await?;
    Ok(Json(RoundDetailJson {
        round: RoundJson::from(&v.round),
        indicators: v.indicators.iter().map(IndicatorJson::from).collect(),
        orgs: v.orgs.iter().map(round_org_json).collect(),
        objections: v.objections.iter().map(ObjectionJson::from).collect(),
        organiser_side: v.organiser_side,
        unscored: v.unscored,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundInput {
    /// A published set's id.
    pub set: i64,
    /// The organiser's code; absent: the caller's own org (the top for the office).
    #[serde(default)]
    pub organiser: String,
    pub year: i32,
    /// 1–4; absent for the whole year.
    #[serde(default)]
    pub quarter: Option<u32>,
}

/// The rounds the caller organises or whose orgs are in their scope.
#[utoipa::path(get, path = "/assess/rounds", tag = "assess",
    responses((status = 200, body = Vec<RoundJson>), (status = 403, body = ApiErrorBody)))]
pub async fn rounds(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<RoundJson>>, ApiError> {
    let rows = state.services.assessment_rounds(&actor).await?;
    Ok(Json(rows.iter().map(RoundJson::from).collect()))
}

/// Opens a round of a published set for the orgs of its kind below the organiser.
#[utoipa::path(post, path = "/assess/rounds", tag = "assess", request_body = RoundInput,
    responses((status = 201, body = RoundDetailJson), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn open_round(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<RoundInput>,
) -> Result<(StatusCode, Json<RoundDetailJson>), ApiError> {
    let form = RoundForm {
        set: i.set.to_string(),
        organiser: i.organiser,
        year: i.year.to_string(),
        quarter: i.quarter.map(|q| q.to_string()).unwrap_or_default(),
    };
    let id = state.services.open_round(&actor, &form).await?;
    Ok((StatusCode::CREATED, round_detail(&state, &actor, id).await?))
}

#[utoipa::path(get, path = "/assess/rounds/{id}", tag = "assess", params(("id" = i64, Path)),
    responses((status = 200, body = RoundDetailJson), (status = 404, body = ApiErrorBody)))]
pub async fn round(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RoundDetailJson>, ApiError> {
    round_detail(&state, &actor, id).await
}

/// Moves a round to its next stage (the organiser).
#[utoipa::path(post, path = "/assess/rounds/{id}/advance", tag = "assess", params(("id" = i64, Path)),
    request_body = VersionInput,
    responses((status = 200, body = RoundDetailJson), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn advance_round(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<VersionInput>,
) -> Result<Json<RoundDetailJson>, ApiError> {
    let form = VersionForm { version: i.version };
    state.services.advance_round(&actor, id, &form).await?;
    round_detail(&state, &actor, id).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    #[schema(pattern = r"^(upheld|rejected)$")]
    pub decision: String,
    /// The corrected points, when upheld ("8.5").
    #[serde(default)]
    pub points: String,
    pub answer: String,
}

/// The organiser answers an objection; an upheld one corrects the score and the result.
#[utoipa::path(post, path = "/assess/rounds/{id}/objections/{objection}/answer", tag = "assess",
    params(("id" = i64, Path), ("objection" = i64, Path)), request_body = AnswerInput,
    responses((status = 200, body = RoundDetailJson), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn answer_objection(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, objection)): ApiPath<(i64, i64)>,
    ApiJson(i): ApiJson<AnswerInput>,
) -> Result<Json<RoundDetailJson>, ApiError> {
    let form = AnswerForm {
        decision: i.decision,
        points: i.points,
        answer: i.answer,
    };
    state
        .services
        .answer_objection(&actor, id, objection, &form)
        .await?;
    round_detail(&state, &actor, id).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreJson {
    pub indicator_id: i64,
    pub self_points: Option<i64>,
    pub self_note: Option<String>,
    /// The points that count, in tenths; absent for 无数据 or not yet scored (or, for the
    /// org, an upper score before feedback).
    pub points: Option<i64>,
    /// What the records held, for a computed indicator.
    pub basis: Option<String>,
    /// The page of those records.
    pub link: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScorecardJson {
    pub round: RoundJson,
    pub org: RoundOrgJson,
    pub self_summary: Option<String>,
    pub indicators: Vec<IndicatorJson>,
    pub scores: Vec<ScoreJson>,
    pub objections: Vec<ObjectionJson>,
}

async fn scorecard(
    state: &AppState,
    actor: &Actor,
    id: i64,
    org: i64,
) -> Result<Json<ScorecardJson>, ApiError> {
    let v = state.services.round_org(actor, id, org).await?;
    let scores = v
        .indicators
        .iter()
        .filter_map(|i| {
            let s = v.scores.get(&i.id)?;
            Some(ScoreJson {
                indicator_id: i.id,
                self_points: s.self_points,
                self_note: s.self_note.clone(),
                points: s.points,
                basis: s.basis.clone(),
                link: s.link.clone(),
                note: s.note.clone(),
            })
        })
        .collect();
    Ok(Json(ScorecardJson {
        round: RoundJson::from(&v.round),
        org: round_org_json(&v.org),
        self_summary: v.org.self_summary.clone(),
        indicators: v.indicators.iter().map(IndicatorJson::from).collect(),
        scores,
        objections: v.objections.iter().map(ObjectionJson::from).collect(),
    }))
}

#[utoipa::path(get, path = "/assess/rounds/{id}/orgs/{org}", tag = "assess",
    params(("id" = i64, Path), ("org" = i64, Path)),
    responses((status = 200, body = ScorecardJson), (status = 404, body = ApiErrorBody)))]
pub async fn round_org(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, org)): ApiPath<(i64, i64)>,
) -> Result<Json<ScorecardJson>, ApiError> {
    scorecard(&state, &actor, id, org).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreInput {
    pub indicator: i64,
    /// At most one decimal ("8.5").
    pub points: String,
    /// The evidence (self) or the reason below full marks (upper).
    #[serde(default)]
    pub note: String,
}

impl From<ScoreInput> for ScoreForm {
    fn from(i: ScoreInput) -> Self {
        ScoreForm {
            indicator: i.indicator.to_string(),
            points: i.points,
            note: i.note,
        }
    }
}

/// An org's own score on an assessor indicator, with its evidence.
#[utoipa::path(post, path = "/assess/rounds/{id}/orgs/{org}/self-scores", tag = "assess",
    params(("id" = i64, Path), ("org" = i64, Path)), request_body = ScoreInput,
    responses((status = 200, body = ScorecardJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn self_score(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, org)): ApiPath<(i64, i64)>,
    ApiJson(i): ApiJson<ScoreInput>,
) -> Result<Json<ScorecardJson>, ApiError> {
    state
        .services
        .self_score(&actor, id, org, &ScoreForm::from(i))
        .await?;
    scorecard(&state, &actor, id, org).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfSubmitInput {
    pub summary: String,
}

/// Submits an org's self-assessment (every assessor indicator self-scored).
#[utoipa::path(post, path = "/assess/rounds/{id}/orgs/{org}/self-submit", tag = "assess",
    params(("id" = i64, Path), ("org" = i64, Path)), request_body = SelfSubmitInput,
    responses((status = 200, body = ScorecardJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn submit_self_assessment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, org)): ApiPath<(i64, i64)>,
    ApiJson(i): ApiJson<SelfSubmitInput>,
) -> Result<Json<ScorecardJson>, ApiError> {
    let form = SelfSubmitForm { summary: i.summary };
    state
        .services
        .submit_self_assessment(&actor, id, org, &form)
        .await?;
    scorecard(&state, &actor, id, org).await
}

/// The organiser's score on an assessor indicator.
#[utoipa::path(post, path = "/assess/rounds/{id}/orgs/{org}/scores", tag = "assess",
    params(("id" = i64, Path), ("org" = i64, Path)), request_body = ScoreInput,
    responses((status = 200, body = ScorecardJson), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn upper_score(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, org)): ApiPath<(i64, i64)>,
    ApiJson(i): ApiJson<ScoreInput>,
) -> Result<Json<ScorecardJson>, ApiError> {
    state
        .services
        .upper_score(&actor, id, org, &ScoreForm::from(i))
        .await?;
    scorecard(&state, &actor, id, org).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionInput {
    pub indicator: i64,
    pub reason: String,
}

/// An org objects to one indicator's score while the result is fed back.
#[utoipa::path(post, path = "/assess/rounds/{id}/orgs/{org}/objections", tag = "assess",
    params(("id" = i64, Path), ("org" = i64, Path)), request_body = ObjectionInput,
    responses((status = 201, body = ScorecardJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn object(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, org)): ApiPath<(i64, i64)>,
    ApiJson(i): ApiJson<ObjectionInput>,
) -> Result<(StatusCode, Json<ScorecardJson>), ApiError> {
    let form = ObjectionForm {
        indicator: i.indicator.to_string(),
        reason: i.reason,
    };
    state
        .services
        .object_to_score(&actor, id, org, &form)
        .await?;
    Ok((
        StatusCode::CREATED,
        scorecard(&state, &actor, id, org).await?,
    ))
}
