//! `/api/v1/assess/…` (issue 19): 民主评议党员 — reviews, 自评, 互评, the secret ballot, the
//! committee's proposals, the decision and its approval — and the 组织处置 that follow a
//! 不合格; 评先评优 standing and the 两优一先 list; 书记抓党建述职评议; 典型经验. What a member reads is
//! their own entry; a ballot's choices are never returned.

pub(super) mod rating;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use dangjian_service::ServiceError;
use dangjian_service::assess::{
    AdoptionForm, ApprovalForm, CommentForm, DecisionForm, DispositionView, DutyCommentRow,
    DutyGradeForm, DutyReviewForm, DutyReviewRow, OpenReviewForm, PeerForm, PracticeDecisionForm,
    PracticeForm, PracticeRow, ProposalForm, ReviewRow, ReviewView, SelfForm, StageForm,
    StandingQuery, StepForm,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, api_query};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenReviewInput {
    /// The branch's code.
    pub org: String,
    pub year: i32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfInput {
    /// Absent for a member's own; a participant's id when the branch keeps it for them.
    #[serde(default)]
    pub member: Option<i64>,
    pub evaluation: String,
    pub analysis: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeerInput {
    pub member: i64,
    pub summary: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    pub version: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BallotChoice {
    pub member: i64,
    #[schema(pattern = r"^(excellent|qualified|basic|unqualified)$")]
    pub grade: String,
}

/// A member's ballot: a grade for each member rated; those left out are abstentions.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BallotInput {
    pub choices: Vec<BallotChoice>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    pub member: i64,
    /// Empty for a participant not graded.
    #[schema(pattern = r"^(excellent|qualified|basic|unqualified)?$")]
    #[serde(default)]
    pub grade: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub plan: String,
    #[schema(pattern = r"^(rectify|persuade|remove)?$")]
    #[serde(default)]
    pub disposition: String,
    /// 限期改正's months; the rules' default when absent.
    #[serde(default)]
    pub months: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub version: i64,
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub decided_on: String,
    pub expected: u32,
    pub present: u32,
    #[serde(default)]
    pub excess_reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalInput {
    pub version: i64,
    #[schema(pattern = r"^(approve|return)$")]
    pub decision: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub approved_on: String,
    pub approver: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    pub version: i64,
    #[schema(pattern = r"^(talk|pre_review|meeting|approval|announce|follow_up)$")]
    pub step: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub on: String,
    /// 组织谈话: the two members, by 警号 or member number.
    #[serde(default)]
    pub talkers: Vec<String>,
    /// 上级预审, 党委审批: the body.
    #[serde(default)]
    pub authority: String,
    /// 上级预审, 党委审批: agreed; 期满考察: corrected.
    #[serde(default)]
    pub agreed: Option<bool>,
    /// 支部大会表决.
    #[serde(default)]
    pub expected: Option<u32>,
    #[serde(default)]
    pub present: Option<u32>,
    #[serde(default)]
    pub ayes: Option<u32>,
    #[serde(default)]
    pub written_ayes: Option<u32>,
    #[serde(default)]
    pub written_total: Option<u32>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewJson {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub year: i32,
    /// `evaluating`, `balloting`, `proposing`, `awaiting_approval` or `decided`.
    pub stage: String,
    #[schema(format = Date)]
    pub opened_on: String,
    pub decided_on: Option<String>,
    pub expected: Option<i64>,
    pub present: Option<i64>,
    pub excess_reason: Option<String>,
    pub approved_on: Option<String>,
    pub approved_by: Option<String>,
    pub participants: i64,
    /// Ballots cast (who cast them is not said).
    pub voters: i64,
    pub version: i64,
}

impl From<&ReviewRow> for ReviewJson {
    fn from(r: &ReviewRow) -> Self {
        ReviewJson {
            id: r.id,
            org_id: r.org_id,
            org_name: r.org_name.clone(),
            year: r.year,
            stage: r.stage.code().to_owned(),
            opened_on: r.opened_on.to_string(),
            decided_on: r.decided_on.map(|d| d.to_string()),
            expected: r.expected,
            present: r.present,
            excess_reason: r.excess_reason.clone(),
            approved_on: r.approved_on.map(|d| d.to_string()),
            approved_by: r.approved_by.clone(),
            participants: r.participants,
            voters: r.voters,
            version: r.version,
        }
    }
}

/// The totals of the 民主测评 for one member.
#[derive(Debug, Serialize, ToSchema)]
pub struct TallyJson {
    pub excellent: u32,
    pub qualified: u32,
    pub basic: u32,
    pub unqualified: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryJson {
    pub member_id: i64,
    pub name: String,
    pub probationary: bool,
    pub self_evaluation: Option<String>,
    pub party_analysis: Option<String>,
    pub self_on: Option<String>,
    pub peer_summary: Option<String>,
    /// Only once the ballot is closed, and only to the branch.
    pub tally: Option<TallyJson>,
    /// The committee's proposal.
    pub grade: Option<String>,
    pub reason: Option<String>,
    pub plan: Option<String>,
    pub disposition: Option<String>,
    pub months: Option<u32>,
    /// The grade as decided.
    pub final_grade: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DispositionBriefJson {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    /// `rectify`, `persuade` or `remove`.
    pub kind: String,
    /// `open`, `done` or `stopped`.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewDetailJson {
    pub review: ReviewJson,
    pub entries: Vec<EntryJson>,
    /// A member: whether they have cast their ballot.
    pub voted: bool,
    pub dispositions: Vec<DispositionBriefJson>,
}

impl From<&ReviewView> for ReviewDetailJson {
    fn from(v: &ReviewView) -> Self {
        ReviewDetailJson {
            review: ReviewJson::from(&v.review),
            entries: v
                .entries
                .iter()
                .map(|e| EntryJson {
                    member_id: e.member_id,
                    name: e.name.clone(),
                    probationary: e.probationary,
                    self_evaluation: e.self_evaluation.clone(),
                    party_analysis: e.party_analysis.clone(),
                    self_on: e.self_on.map(|d| d.to_string()),
                    peer_summary: e.peer_summary.clone(),
                    tally: v.tallies_shown.then_some(TallyJson {
                        excellent: e.tally.excellent,
                        qualified: e.tally.qualified,
                        basic: e.tally.basic,
                        unqualified: e.tally.unqualified,
                    }),
                    grade: e.grade.map(|g| g.code().to_owned()),
                    reason: e.reason.clone(),
                    plan: e.plan.clone(),
                    disposition: e.disposition.map(|d| d.code().to_owned()),
                    months: e.months,
                    final_grade: e.final_grade.map(|g| g.code().to_owned()),
                })
                .collect(),
            voted: v.voted,
            dispositions: v
                .dispositions
                .iter()
                .map(|d| DispositionBriefJson {
                    id: d.id,
                    member_id: d.member_id,
                    member_name: d.member_name.clone(),
                    kind: d.kind.code().to_owned(),
                    status: d.status.code().to_owned(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepJson {
    pub step: String,
    #[schema(format = Date)]
    pub on: String,
    pub passed: bool,
    pub people: String,
    pub note: String,
    pub expected: Option<i64>,
    pub present: Option<i64>,
    pub ayes: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DispositionJson {
    pub id: i64,
    pub review_id: i64,
    pub year: i32,
    pub member_id: i64,
    pub member_name: String,
    pub org_name: String,
    pub kind: String,
    pub months: Option<u32>,
    pub reason: String,
    pub status: String,
    #[schema(format = Date)]
    pub opened_on: String,
    pub steps: Vec<StepJson>,
    /// The step to record next.
    pub next: Option<String>,
    /// 限期改正: the day its period ends.
    pub follow_up_due: Option<String>,
    pub outcome: Option<String>,
    pub version: i64,
}

impl From<&DispositionView> for DispositionJson {
    fn from(v: &DispositionView) -> Self {
        let d = &v.disposition;
        DispositionJson {
            id: d.id,
            review_id: d.review_id,
            year: d.year,
            member_id: d.member_id,
            member_name: d.member_name.clone(),
            org_name: d.org_name.clone(),
            kind: d.kind.code().to_owned(),
            months: d.months,
            reason: d.reason.clone(),
            status: d.status.code().to_owned(),
            opened_on: d.opened_on.to_string(),
            steps: v
                .steps
                .iter()
                .map(|s| StepJson {
                    step: s.done.step.code().to_owned(),
                    on: s.done.on.to_string(),
                    passed: s.done.passed,
                    people: s.people.clone(),
                    note: s.note.clone(),
                    expected: s.expected,
                    present: s.present,
                    ayes: s.ayes,
                })
                .collect(),
            next: v.next.map(|s| s.code().to_owned()),
            follow_up_due: v.follow_up_due.map(|d| d.to_string()),
            outcome: v.outcome.clone(),
            version: d.version,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewYearQuery {
    /// Every year when absent.
    pub year: Option<i32>,
}

async fn detail(
    state: &AppState,
    actor: &dangjian_service::Actor,
    id: i64,
) -> Result<Json<ReviewDetailJson>, ApiError> {
    let v = state.services.review(actor, id).await?;
    Ok(Json(ReviewDetailJson::from(&v)))
}

/// The reviews in scope (a member: those they take part in), newest year first.
#[utoipa::path(get, path = "/assess/reviews", tag = "assess", params(ReviewYearQuery),
    responses((status = 200, body = Vec<ReviewJson>), (status = 403, body = ApiErrorBody)))]
pub async fn reviews(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<ReviewJson>>, ApiError> {
    let q: ReviewYearQuery = api_query(raw.as_deref())?;
    let rows = state.services.reviews(&actor, q.year).await?;
    Ok(Json(rows.iter().map(ReviewJson::from).collect()))
}

/// Opens a branch's review of a year with the members on its roll today.
#[utoipa::path(post, path = "/assess/reviews", tag = "assess", request_body = OpenReviewInput,
    responses((status = 201, body = ReviewDetailJson), (status = 422, body = ApiErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<OpenReviewInput>,
) -> Result<(StatusCode, Json<ReviewDetailJson>), ApiError> {
    let form = OpenReviewForm {
        org: i.org,
        year: i.year.to_string(),
    };
    let id = state.services.open_review(&actor, &form).await?;
    Ok((StatusCode::CREATED, detail(&state, &actor, id).await?))
}

/// A review as the caller may read it.
#[utoipa::path(get, path = "/assess/reviews/{id}", tag = "assess", params(("id" = i64, Path)),
    responses((status = 200, body = ReviewDetailJson), (status = 404, body = ApiErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ReviewDetailJson>, ApiError> {
    detail(&state, &actor, id).await
}

/// Keeps a 自评 with its 党性分析.
#[utoipa::path(post, path = "/assess/reviews/{id}/self", tag = "assess", params(("id" = i64, Path)),
    request_body = SelfInput,
    responses((status = 200, body = ReviewDetailJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn submit_self(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<SelfInput>,
) -> Result<Json<ReviewDetailJson>, ApiError> {
    let form = SelfForm {
        member: i.member,
        evaluation: i.evaluation,
        analysis: i.analysis,
    };
    state
        .services
        .submit_self_evaluation(&actor, id, &form)
        .await?;
    detail(&state, &actor, id).await
}

/// Keeps the summary of a participant's 互评.
#[utoipa::path(post, path = "/assess/reviews/{id}/peer", tag = "assess", params(("id" = i64, Path)),
    request_body = PeerInput,
    responses((status = 200, body = ReviewDetailJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn peer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<PeerInput>,
) -> Result<Json<ReviewDetailJson>, ApiError> {
    let form = PeerForm {
        member: i.member,
        summary: i.summary,
    };
    state.services.record_peer_review(&actor, id, &form).await?;
    detail(&state, &actor, id).await
}

/// Opens the secret ballot, or closes it for the committee's proposals.
#[utoipa::path(post, path = "/assess/reviews/{id}/advance", tag = "assess", params(("id" = i64, Path)),
    request_body = VersionInput,
    responses((status = 200, body = ReviewDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn advance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<VersionInput>,
) -> Result<Json<ReviewDetailJson>, ApiError> {
    let form = StageForm { version: i.version };
    state.services.advance_review(&actor, id, &form).await?;
    detail(&state, &actor, id).await
}

/// Casts the member's secret ballot, once.
#[utoipa::path(post, path = "/assess/reviews/{id}/ballot", tag = "assess", params(("id" = i64, Path)),
    request_body = BallotInput,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn ballot(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<BallotInput>,
) -> Result<StatusCode, ApiError> {
    let choices: Vec<(i64, String)> = i.choices.into_iter().map(|c| (c.member, c.grade)).collect();
    state
        .services
        .cast_review_ballot(&actor, id, &choices)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records the committee's proposal for one participant.
#[utoipa::path(post, path = "/assess/reviews/{id}/proposals", tag = "assess", params(("id" = i64, Path)),
    request_body = ProposalInput,
    responses((status = 200, body = ReviewDetailJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn propose(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<ProposalInput>,
) -> Result<Json<ReviewDetailJson>, ApiError> {
    let form = ProposalForm {
        member: i.member,
        grade: i.grade,
        reason: i.reason,
        plan: i.plan,
        disposition: i.disposition,
        months: i.months.map(|m| m.to_string()).unwrap_or_default(),
    };
    state.services.propose_grade(&actor, id, &form).await?;
    detail(&state, &actor, id).await
}

/// Records the general meeting's decision.
#[utoipa::path(post, path = "/assess/reviews/{id}/decision", tag = "assess", params(("id" = i64, Path)),
    request_body = DecisionInput,
    responses((status = 200, body = ReviewDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<DecisionInput>,
) -> Result<Json<ReviewDetailJson>, ApiError> {
    let form = DecisionForm {
        version: i.version,
        decided_on: i.decided_on,
        expected: i.expected.to_string(),
        present: i.present.to_string(),
        excess_reason: i.excess_reason,
    };
    state.services.decide_review(&actor, id, &form).await?;
    detail(&state, &actor, id).await
}

/// The committee office approves more 优秀 than the share, or returns the review.
#[utoipa::path(post, path = "/assess/reviews/{id}/approval", tag = "assess", params(("id" = i64, Path)),
    request_body = ApprovalInput,
    responses((status = 200, body = ReviewDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<ApprovalInput>,
) -> Result<Json<ReviewDetailJson>, ApiError> {
    let form = ApprovalForm {
        version: i.version,
        decision: i.decision,
        approved_on: i.approved_on,
        approver: i.approver,
    };
    state.services.approve_review(&actor, id, &form).await?;
    detail(&state, &actor, id).await
}

/// The dispositions in scope, open first.
#[utoipa::path(get, path = "/assess/dispositions", tag = "assess",
    responses((status = 200, body = Vec<DispositionJson>), (status = 403, body = ApiErrorBody)))]
pub async fn dispositions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<DispositionJson>>, ApiError> {
    let views = state.services.dispositions(&actor).await?;
    Ok(Json(views.iter().map(DispositionJson::from).collect()))
}

/// A disposition with its steps and the next one.
#[utoipa::path(get, path = "/assess/dispositions/{id}", tag = "assess", params(("id" = i64, Path)),
    responses((status = 200, body = DispositionJson), (status = 404, body = ApiErrorBody)))]
pub async fn disposition(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DispositionJson>, ApiError> {
    let v = state.services.disposition(&actor, id).await?;
    Ok(Json(DispositionJson::from(&v)))
}

/// Records the next step of a disposition.
#[utoipa::path(post, path = "/assess/dispositions/{id}/steps", tag = "assess", params(("id" = i64, Path)),
    request_body = StepInput,
    responses((status = 200, body = DispositionJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn record_step(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<StepInput>,
) -> Result<Json<DispositionJson>, ApiError> {
    if i.talkers.len() > 2 {
        return Err(ServiceError::invalid("talkers", "组织谈话由两名正式党员进行").into());
    }
    let count = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    let mut talkers = i.talkers.into_iter();
    let form = StepForm {
        version: i.version,
        step: i.step,
        on: i.on,
        talker_a: talkers.next().unwrap_or_default(),
        talker_b: talkers.next().unwrap_or_default(),
        authority: i.authority,
        agreed: match i.agreed {
            Some(true) => "yes".to_owned(),
            Some(false) => "no".to_owned(),
            None => String::new(),
        },
        expected: count(i.expected),
        present: count(i.present),
        ayes: count(i.ayes),
        written_ayes: count(i.written_ayes),
        written_total: count(i.written_total),
        note: i.note,
    };
    state
        .services
        .record_disposition_step(&actor, id, &form)
        .await?;
    let v = state.services.disposition(&actor, id).await?;
    Ok(Json(DispositionJson::from(&v)))
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct StandingParams {
    /// An org's code; the whole scope when absent.
    pub org: Option<String>,
    /// Only the full members who may be nominated (the 两优一先 list).
    pub eligible: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StandingJson {
    pub member_id: i64,
    pub name: String,
    pub police_number: Option<String>,
    pub branch_name: String,
    /// `full` or `probationary`.
    pub category: String,
    /// Empty when the member may be commended; otherwise what bars it (a sanction only as
    /// its effect and end).
    pub commend_bars: Vec<String>,
    pub promote_bars: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StandingListJson {
    pub members: Vec<StandingJson>,
    /// Members on the roll there; more than listed when the list is cut at `limit`.
    pub total: i64,
    pub limit: u32,
}

/// Who may be nominated for 评先评优 and promoted today, with what bars the others.
#[utoipa::path(get, path = "/assess/standing", tag = "assess", params(StandingParams),
    responses((status = 200, body = StandingListJson), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn standing(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<StandingListJson>, ApiError> {
    let p: StandingParams = api_query(raw.as_deref())?;
    let q = StandingQuery {
        org: p.org.unwrap_or_default(),
        eligible: p.eligible.unwrap_or(false),
    };
    let list = state.services.standings(&actor, &q).await?;
    Ok(Json(StandingListJson {
        members: list
            .rows
            .into_iter()
            .map(|(m, s)| StandingJson {
                member_id: m.id,
                name: m.name,
                police_number: m.police_number,
                branch_name: m.branch_name,
                category: m.category.code().to_owned(),
                commend_bars: s.commend,
                promote_bars: s.promote,
            })
            .collect(),
        total: list.total,
        limit: list.limit,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DutyReviewInput {
    /// The code of the org whose secretary reported.
    pub org: String,
    pub year: i32,
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub held_on: String,
    pub chaired_by: String,
    pub leader_comment: String,
    pub attendees: u32,
    #[serde(default)]
    pub good: u32,
    #[serde(default)]
    pub fairly_good: u32,
    #[serde(default)]
    pub average: u32,
    #[serde(default)]
    pub poor: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DutyCommentInput {
    pub reviewer: String,
    #[schema(pattern = r"^(good|fairly_good|average|poor)$")]
    pub grade: String,
    pub comment: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DutyGradeInput {
    pub version: i64,
    #[schema(pattern = r"^(good|fairly_good|average|poor)$")]
    pub grade: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub graded_on: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DutyCommentJson {
    pub reviewer: String,
    pub grade: String,
    pub comment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DutyReviewJson {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub year: i32,
    pub secretary_id: Option<i64>,
    pub secretary_name: Option<String>,
    #[schema(format = Date)]
    pub held_on: String,
    pub chaired_by: String,
    pub leader_comment: String,
    pub attendees: u32,
    pub good: u32,
    pub fairly_good: u32,
    pub average: u32,
    pub poor: u32,
    /// `good`, `fairly_good`, `average` or `poor`; none until graded.
    pub grade: Option<String>,
    pub graded_on: Option<String>,
    pub grade_note: Option<String>,
    pub comments: Vec<DutyCommentJson>,
    pub version: i64,
}

fn duty_json(r: &DutyReviewRow, comments: &[DutyCommentRow]) -> DutyReviewJson {
    DutyReviewJson {
        id: r.id,
        org_id: r.org_id,
        org_name: r.org_name.clone(),
        year: r.year,
        secretary_id: r.secretary_id,
        secretary_name: r.secretary_name.clone(),
        held_on: r.held_on.to_string(),
        chaired_by: r.chaired_by.clone(),
        leader_comment: r.leader_comment.clone(),
        attendees: r.ratings.attendees,
        good: r.ratings.good,
        fairly_good: r.ratings.fairly_good,
        average: r.ratings.average,
        poor: r.ratings.poor,
        grade: r.grade.map(|g| g.code().to_owned()),
        graded_on: r.graded_on.map(|d| d.to_string()),
        grade_note: r.grade_note.clone(),
        comments: comments
            .iter()
            .map(|c| DutyCommentJson {
                reviewer: c.reviewer.clone(),
                grade: c.grade.code().to_owned(),
                comment: c.comment.clone(),
            })
            .collect(),
        version: r.version,
    }
}

async fn duty_detail(
    state: &AppState,
    actor: &dangjian_service::Actor,
    id: i64,
) -> Result<Json<DutyReviewJson>, ApiError> {
    let v = state.services.duty_review(actor, id).await?;
    Ok(Json(duty_json(&v.review, &v.comments)))
}

/// The 述职评议 of the orgs in scope, newest year first (comments on each review's own page).
#[utoipa::path(get, path = "/assess/duty-reviews", tag = "assess", params(ReviewYearQuery),
    responses((status = 200, body = Vec<DutyReviewJson>), (status = 403, body = ApiErrorBody)))]
pub async fn duty_reviews(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<DutyReviewJson>>, ApiError> {
    let q: ReviewYearQuery = api_query(raw.as_deref())?;
    let rows = state.services.duty_reviews(&actor, q.year).await?;
    Ok(Json(rows.iter().map(|r| duty_json(r, &[])).collect()))
}

/// Records the review session of a lower org's secretary.
#[utoipa::path(post, path = "/assess/duty-reviews", tag = "assess", request_body = DutyReviewInput,
    responses((status = 201, body = DutyReviewJson), (status = 422, body = ApiErrorBody)))]
pub async fn record_duty_review(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<DutyReviewInput>,
) -> Result<(StatusCode, Json<DutyReviewJson>), ApiError> {
    let form = DutyReviewForm {
        org: i.org,
        year: i.year.to_string(),
        held_on: i.held_on,
        chaired_by: i.chaired_by,
        leader_comment: i.leader_comment,
        attendees: i.attendees.to_string(),
        good: i.good.to_string(),
        fairly_good: i.fairly_good.to_string(),
        average: i.average.to_string(),
        poor: i.poor.to_string(),
    };
    let id = state.services.record_duty_review(&actor, &form).await?;
    Ok((StatusCode::CREATED, duty_detail(&state, &actor, id).await?))
}

#[utoipa::path(get, path = "/assess/duty-reviews/{id}", tag = "assess", params(("id" = i64, Path)),
    responses((status = 200, body = DutyReviewJson), (status = 404, body = ApiErrorBody)))]
pub async fn duty_review(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DutyReviewJson>, ApiError> {
    duty_detail(&state, &actor, id).await
}

/// Adds a reviewer's grade and comment.
#[utoipa::path(post, path = "/assess/duty-reviews/{id}/comments", tag = "assess", params(("id" = i64, Path)),
    request_body = DutyCommentInput,
    responses((status = 200, body = DutyReviewJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn comment_duty_review(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<DutyCommentInput>,
) -> Result<Json<DutyReviewJson>, ApiError> {
    let form = CommentForm {
        reviewer: i.reviewer,
        grade: i.grade,
        comment: i.comment,
    };
    state
        .services
        .comment_duty_review(&actor, id, &form)
        .await?;
    duty_detail(&state, &actor, id).await
}

/// Sets the overall grade, once.
#[utoipa::path(post, path = "/assess/duty-reviews/{id}/grade", tag = "assess", params(("id" = i64, Path)),
    request_body = DutyGradeInput,
    responses((status = 200, body = DutyReviewJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn grade_duty_review(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<DutyGradeInput>,
) -> Result<Json<DutyReviewJson>, ApiError> {
    let form = DutyGradeForm {
        version: i.version,
        grade: i.grade,
        graded_on: i.graded_on,
        note: i.note,
    };
    state.services.grade_duty_review(&actor, id, &form).await?;
    duty_detail(&state, &actor, id).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeInput {
    /// The submitting org's code.
    pub org: String,
    pub title: String,
    pub problem: String,
    pub practice: String,
    /// The effect and its evidence.
    pub effect: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeDecisionInput {
    pub version: i64,
    #[schema(pattern = r"^(publish|return)$")]
    pub decision: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub decided_on: String,
    /// Required when returned.
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptionInput {
    /// The adopting org's code.
    pub org: String,
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub adopted_on: String,
    pub result: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdoptionJson {
    pub org_id: i64,
    pub org_name: String,
    #[schema(format = Date)]
    pub adopted_on: String,
    pub result: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PracticeJson {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    pub problem: String,
    pub practice: String,
    pub effect: String,
    /// `submitted`, `published` or `returned`.
    pub status: String,
    #[schema(format = Date)]
    pub submitted_on: String,
    pub decided_on: Option<String>,
    pub decision_note: Option<String>,
    /// How many orgs adopted it.
    pub adopted_by: i64,
    pub version: i64,
}

impl From<&PracticeRow> for PracticeJson {
    fn from(p: &PracticeRow) -> Self {
        PracticeJson {
            id: p.id,
            org_id: p.org_id,
            org_name: p.org_name.clone(),
            title: p.title.clone(),
            problem: p.problem.clone(),
            practice: p.practice.clone(),
            effect: p.effect.clone(),
            status: p.status.code().to_owned(),
            submitted_on: p.submitted_on.to_string(),
            decided_on: p.decided_on.map(|d| d.to_string()),
            decision_note: p.decision_note.clone(),
            adopted_by: p.adoptions,
            version: p.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PracticeDetailJson {
    pub practice: PracticeJson,
    pub adoptions: Vec<AdoptionJson>,
}

async fn practice_detail(
    state: &AppState,
    actor: &dangjian_service::Actor,
    id: i64,
) -> Result<Json<PracticeDetailJson>, ApiError> {
    let v = state.services.practice(actor, id).await?;
    Ok(Json(PracticeDetailJson {
        practice: PracticeJson::from(&v.practice),
        adoptions: v
            .adoptions
            .iter()
            .map(|a| AdoptionJson {
                org_id: a.org_id,
                org_name: a.org_name.clone(),
                adopted_on: a.adopted_on.to_string(),
                result: a.result.clone(),
            })
            .collect(),
    }))
}

/// Every published practice, and the others of the orgs in scope.
#[utoipa::path(get, path = "/assess/practices", tag = "assess",
    responses((status = 200, body = Vec<PracticeJson>), (status = 403, body = ApiErrorBody)))]
pub async fn practices(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<PracticeJson>>, ApiError> {
    let rows = state.services.practices(&actor).await?;
    Ok(Json(rows.iter().map(PracticeJson::from).collect()))
}

/// Submits a practice of an org in scope.
#[utoipa::path(post, path = "/assess/practices", tag = "assess", request_body = PracticeInput,
    responses((status = 201, body = PracticeDetailJson), (status = 422, body = ApiErrorBody)))]
pub async fn submit_practice(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(i): ApiJson<PracticeInput>,
) -> Result<(StatusCode, Json<PracticeDetailJson>), ApiError> {
    let form = PracticeForm {
        org: i.org,
        title: i.title,
        problem: i.problem,
        practice: i.practice,
        effect: i.effect,
    };
    let id = state.services.submit_practice(&actor, &form).await?;
    Ok((
        StatusCode::CREATED,
        practice_detail(&state, &actor, id).await?,
    ))
}

#[utoipa::path(get, path = "/assess/practices/{id}", tag = "assess", params(("id" = i64, Path)),
    responses((status = 200, body = PracticeDetailJson), (status = 404, body = ApiErrorBody)))]
pub async fn practice(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PracticeDetailJson>, ApiError> {
    practice_detail(&state, &actor, id).await
}

/// The committee office publishes a practice or returns it with the reason.
#[utoipa::path(post, path = "/assess/practices/{id}/decision", tag = "assess", params(("id" = i64, Path)),
    request_body = PracticeDecisionInput,
    responses((status = 200, body = PracticeDetailJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn decide_practice(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<PracticeDecisionInput>,
) -> Result<Json<PracticeDetailJson>, ApiError> {
    let form = PracticeDecisionForm {
        version: i.version,
        decision: i.decision,
        decided_on: i.decided_on,
        note: i.note,
    };
    state.services.decide_practice(&actor, id, &form).await?;
    practice_detail(&state, &actor, id).await
}

/// An org in scope records that it adopted a published practice, with the result.
#[utoipa::path(post, path = "/assess/practices/{id}/adoptions", tag = "assess", params(("id" = i64, Path)),
    request_body = AdoptionInput,
    responses((status = 200, body = PracticeDetailJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn adopt_practice(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(i): ApiJson<AdoptionInput>,
) -> Result<Json<PracticeDetailJson>, ApiError> {
    let form = AdoptionForm {
        org: i.org,
        adopted_on: i.adopted_on,
        result: i.result,
    };
    state.services.adopt_practice(&actor, id, &form).await?;
    practice_detail(&state, &actor, id).await
}
