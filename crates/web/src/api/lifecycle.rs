//! A member's lifecycle over the API: its history, the transitions (转正, 转接, 流动, 失联 …),
//! transfer letters waiting on either side, the probation and mobile lists, and 流入党员.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use dangjian_core::lifecycle::{stop_allowed_from, transfer_due_from};
use dangjian_service::inflow::{Inflow, InflowEndForm, InflowForm};
use dangjian_service::lifecycle::{MemberEvent, SettleForm, Transfer, TransitionForm};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ApiPath, CreatedJson};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;
use crate::view;

/// One recorded transition.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberEventJson {
    pub id: i64,
    /// `created`, `converted`, `probation_extended`, `probation_cancelled`,
    /// `transfer_issued`, `transfer_received`, `transfer_returned`, `transferred_out`,
    /// `transferred_in`, `flow_out`, `flow_returned`, `lost_contact`, `contact_restored`,
    /// `stopped`, `left` or `died`.
    pub kind: &'static str,
    pub kind_label: &'static str,
    #[schema(format = Date)]
    pub on: String,
    pub reason: Option<String>,
    /// The account that recorded it.
    pub recorded_by: String,
}

impl From<&MemberEvent> for MemberEventJson {
    fn from(e: &MemberEvent) -> Self {
        Self {
            id: e.id,
            kind: e.kind.code(),
            kind_label: e.kind.label(),
            on: view::date(e.occurred_on),
            reason: e.reason.clone(),
            recorded_by: e.actor_login.clone(),
        }
    }
}

/// A transfer letter (组织关系介绍信).
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferJson {
    pub id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub letter_no: String,
    /// The sending branch inside the bureau (null when the member came from outside).
    pub from_branch_id: Option<i64>,
    pub from_branch: Option<String>,
    /// The receiving branch inside the bureau (null when the member left the bureau).
    pub to_branch_id: Option<i64>,
    pub to_branch: Option<String>,
    /// The organisation outside the bureau, when one side is outside.
    pub external_org: Option<String>,
    #[schema(format = Date)]
    pub issued_on: String,
    #[schema(format = Date)]
    pub received_on: Option<String>,
    /// `pending`, `received` or `returned`.
    pub status: &'static str,
    pub note: Option<String>,
}

impl From<&Transfer> for TransferJson {
    fn from(t: &Transfer) -> Self {
        Self {
            id: t.id,
            member_id: t.member_id,
            member_name: t.member_name.clone(),
            letter_no: t.letter_no.clone(),
            from_branch_id: t.from_branch_id,
            from_branch: t.from_branch.clone(),
            to_branch_id: t.to_branch_id,
            to_branch: t.to_branch.clone(),
            external_org: t.external_org.clone(),
            issued_on: view::date(t.issued_on),
            received_on: t.received_on.map(view::date),
            status: t.status.code(),
            note: t.note.clone(),
        }
    }
}

/// A member's lifecycle: what happened, and what may be done now.
#[derive(Debug, Serialize, ToSchema)]
pub struct LifecycleJson {
    pub events: Vec<MemberEventJson>,
    pub transfers: Vec<TransferJson>,
    /// Where the member is while away (流动), and since when.
    pub away_at: Option<String>,
    pub away_since: Option<String>,
    /// The transitions the caller may record now, by code.
    pub available: Vec<&'static str>,
    /// The end of probation, for a probationary member.
    #[schema(format = Date)]
    pub probation_due_on: Option<String>,
    /// What the rules ask of the branch now: stop the membership of a member out of contact
    /// past the period (R5.5), move the relationship of one away past it (R5.6), send back
    /// and reissue an expired letter (R5.12).
    pub prompts: Vec<String>,
}

/// A member's lifecycle history and the transitions open to the caller.
#[utoipa::path(get, path = "/members/{id}/lifecycle", tag = "lifecycle", params(("id" = i64, Path)),
    responses((status = 200, body = LifecycleJson), (status = 404, body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<LifecycleJson>, ApiError> {
    let life = state.services.member_lifecycle(&actor, id).await?;
    Ok(Json(LifecycleJson {
        events: life.events.iter().map(MemberEventJson::from).collect(),
        transfers: life.transfers.iter().map(TransferJson::from).collect(),
        away_at: life.flow.as_ref().map(|(place, _, _)| place.clone()),
        away_since: life.flow.as_ref().map(|(_, _, since)| view::date(*since)),
        available: life.available.iter().map(|k| k.code()).collect(),
        probation_due_on: life.probation_due_on.map(view::date),
        prompts: life.prompts.iter().map(ToString::to_string).collect(),
    }))
}

/// A transition to record. Which fields matter depends on `kind`: `months` for
/// `probation_extended`; `letter_no` and `to_branch` (a branch code inside the bureau) for
/// `transfer_issued`; `letter_no` and `external_org` for `transferred_out`; `place` (and
/// `contact`) for `flow_out`.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    /// The transition's code, as listed in `available`.
    #[schema(
        pattern = r"^(created|converted|probation_extended|probation_cancelled|transfer_issued|transfer_received|transfer_returned|transferred_out|transferred_in|flow_out|flow_returned|lost_contact|contact_restored|stopped|left|died)$"
    )]
    pub kind: String,
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub months: String,
    #[serde(default)]
    pub letter_no: String,
    #[serde(default)]
    pub to_branch: String,
    #[serde(default)]
    pub external_org: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub contact: String,
}

/// Records a transition; an illegal one (say, converting a full member) is refused with a
/// field error and changes nothing.
#[utoipa::path(post, path = "/members/{id}/transitions", tag = "lifecycle", params(("id" = i64, Path)),
    request_body = TransitionInput,
    responses((status = 201, body = LifecycleJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn transition(
    State(state): State<AppState>,
    actor: ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<TransitionInput>,
) -> Result<(StatusCode, Json<LifecycleJson>), ApiError> {
    let form = TransitionForm {
        kind: input.kind,
        on: input.on,
        reason: input.reason,
        months: input.months,
        letter_no: input.letter_no,
        to_branch: input.to_branch,
        external_org: input.external_org,
        place: input.place,
        contact: input.contact,
    };
    state.services.transition(&actor.0, id, &form).await?;
    let Json(life) = get(State(state), actor, ApiPath(id)).await?;
    Ok((StatusCode::CREATED, Json(life)))
}

/// Transfer letters waiting on the caller's side.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingTransfersJson {
    /// To branches in scope: to receive or return.
    pub incoming: Vec<TransferJson>,
    /// From branches in scope, not yet received.
    pub outgoing: Vec<TransferJson>,
}

/// Pending transfer letters, both ways.
#[utoipa::path(get, path = "/transfers", tag = "lifecycle",
    responses((status = 200, body = PendingTransfersJson)))]
pub async fn transfers(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<PendingTransfersJson>, ApiError> {
    let (incoming, outgoing) = state.services.pending_transfers(&actor).await?;
    Ok(Json(PendingTransfersJson {
        incoming: incoming.iter().map(TransferJson::from).collect(),
        outgoing: outgoing.iter().map(TransferJson::from).collect(),
    }))
}

/// The date a letter is received or returned, and why (required when returned).
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SettleInput {
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub on: String,
    pub reason: String,
}

async fn settle(
    state: AppState,
    actor: ApiActor,
    id: i64,
    receive: bool,
    input: SettleInput,
) -> Result<StatusCode, ApiError> {
    let form = SettleForm {
        on: input.on,
        reason: input.reason,
    };
    state
        .services
        .settle_transfer(&actor.0, id, receive, &form)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The receiving branch takes the member in.
#[utoipa::path(post, path = "/transfers/{id}/receive", tag = "lifecycle", params(("id" = i64, Path)),
    request_body = SettleInput,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    actor: ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<SettleInput>,
) -> Result<StatusCode, ApiError> {
    settle(state, actor, id, true, input).await
}

/// The receiving branch sends the letter back; the member stays where they were.
#[utoipa::path(post, path = "/transfers/{id}/return", tag = "lifecycle", params(("id" = i64, Path)),
    request_body = SettleInput,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn send_back(
    State(state): State<AppState>,
    actor: ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<SettleInput>,
) -> Result<StatusCode, ApiError> {
    settle(state, actor, id, false, input).await
}

/// A probationary member and the end of their probation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProbationJson {
    pub member_id: i64,
    pub name: String,
    pub branch: String,
    #[schema(format = Date)]
    pub joined_on: String,
    #[schema(format = Date)]
    pub due_on: String,
    /// Probation has ended without a decision.
    pub overdue: bool,
}

/// Probationary members in scope, with the overdue ones marked.
#[utoipa::path(get, path = "/probation", tag = "lifecycle",
    responses((status = 200, body = Vec<ProbationJson>)))]
pub async fn probation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<ProbationJson>>, ApiError> {
    let today = state.services.clock().today();
    let rows = state.services.probation_list(&actor).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(member_id, name, branch, joined, due)| ProbationJson {
                member_id,
                name,
                branch,
                joined_on: view::date(joined),
                due_on: view::date(due),
                overdue: due < today,
            })
            .collect(),
    ))
}

/// A member away from their branch (流出党员).
#[derive(Debug, Serialize, ToSchema)]
pub struct AwayJson {
    pub member_id: i64,
    pub name: String,
    pub branch: String,
    pub place: String,
    #[schema(format = Date)]
    pub since: String,
    /// Away as long as the rules' `flow_member_threshold_months`: the relationship should
    /// move (R5.6, R5.9).
    pub transfer_due: bool,
}

/// Members in scope who are away.
#[utoipa::path(get, path = "/mobile", tag = "lifecycle",
    responses((status = 200, body = Vec<AwayJson>)))]
pub async fn mobile(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<AwayJson>>, ApiError> {
    let rows = state.services.mobile_members(&actor).await?;
    let (book, today) = (state.services.rule_book(), state.services.clock().today());
    Ok(Json(
        rows.into_iter()
            .map(|(member_id, name, branch, place, since)| AwayJson {
                member_id,
                name,
                branch,
                place,
                since: view::date(since),
                transfer_due: today >= transfer_due_from(since, &book),
            })
            .collect(),
    ))
}

/// A member out of contact with their branch (失联党员).
#[derive(Debug, Serialize, ToSchema)]
pub struct LostContactJson {
    pub member_id: i64,
    pub name: String,
    pub branch: String,
    #[schema(format = Date)]
    pub since: String,
    /// The first day membership may be stopped (R5.5, `lost_contact_suspend_after_months`).
    #[schema(format = Date)]
    pub stop_allowed_from: String,
    /// That day has come: if they are still not found, membership should be stopped.
    pub stop_due: bool,
}

/// Members in scope out of contact, the longest first.
#[utoipa::path(get, path = "/lost-contact", tag = "lifecycle",
    responses((status = 200, body = Vec<LostContactJson>)))]
pub async fn lost_contact(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<LostContactJson>>, ApiError> {
    let rows = state.services.lost_contact_members(&actor).await?;
    let (book, today) = (state.services.rule_book(), state.services.clock().today());
    Ok(Json(
        rows.into_iter()
            .map(|(member_id, name, branch, since)| {
                let from = stop_allowed_from(since, &book);
                LostContactJson {
                    member_id,
                    name,
                    branch,
                    since: view::date(since),
                    stop_allowed_from: view::date(from),
                    stop_due: today >= from,
                }
            })
            .collect(),
    ))
}

/// A 流入党员's stay with a branch.
#[derive(Debug, Serialize, ToSchema)]
pub struct InflowJson {
    pub id: i64,
    pub branch_id: i64,
    pub branch_name: String,
    pub name: String,
    /// The party organisation that keeps their relationship.
    pub origin_org: String,
    pub police_number: Option<String>,
    pub since: String,
    /// The day they left; null while staying.
    pub until: Option<String>,
    pub note: Option<String>,
}

impl From<&Inflow> for InflowJson {
    fn from(s: &Inflow) -> Self {
        Self {
            id: s.id,
            branch_id: s.branch_id,
            branch_name: s.branch_name.clone(),
            name: s.name.clone(),
            origin_org: s.origin_org.clone(),
            police_number: s.police_number.clone(),
            since: view::date(s.since),
            until: s.until.map(view::date),
            note: s.note.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InflowListJson {
    pub current: Vec<InflowJson>,
    /// The latest stays that ended.
    pub ended: Vec<InflowJson>,
}

/// 流入党员 staying with branches in scope.
#[utoipa::path(get, path = "/inflow", tag = "lifecycle",
    responses((status = 200, body = InflowListJson)))]
pub async fn inflow(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<InflowListJson>, ApiError> {
    let (current, ended) = state.services.inflow_members(&actor).await?;
    Ok(Json(InflowListJson {
        current: current.iter().map(InflowJson::from).collect(),
        ended: ended.iter().map(InflowJson::from).collect(),
    }))
}

/// A stay to register.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct InflowInput {
    /// The code of the branch (党支部) they stay with.
    pub branch: String,
    pub name: String,
    pub origin_org: String,
    pub police_number: String,
    /// `YYYY-MM-DD`; today when empty.
    pub since: String,
    pub note: String,
}

/// Registers a 流入党员 with a branch in scope.
#[utoipa::path(post, path = "/inflow", tag = "lifecycle", request_body = InflowInput,
    responses((status = 201, body = CreatedJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn register_inflow(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<InflowInput>,
) -> Result<(StatusCode, Json<CreatedJson>), ApiError> {
    let form = InflowForm {
        branch: input.branch,
        name: input.name,
        origin_org: input.origin_org,
        police_number: input.police_number,
        since: input.since,
        note: input.note,
    };
    let id = state.services.register_inflow(&actor, &form).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id })))
}

/// The day a 流入党员 leaves.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct InflowEndInput {
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub on: String,
}

/// Ends a stay.
#[utoipa::path(post, path = "/inflow/{id}/end", tag = "lifecycle", params(("id" = i64, Path)),
    request_body = InflowEndInput,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn end_inflow(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<InflowEndInput>,
) -> Result<StatusCode, ApiError> {
    let form = InflowEndForm { on: input.on };
    state.services.end_inflow(&actor, id, &form).await?;
    Ok(StatusCode::NO_CONTENT)
}
