//! Organisational life over the API: records and their review, make-ups, an org's compliance
//! for a year, the overview of the scope, the to-do list and a member's own record.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use chrono::Datelike;
use dangjian_core::orglife::{MeetingKind, ReviewState};
use dangjian_service::Page;
use dangjian_service::orglife::{
    ActionForm, AttendeeForm, Brief, Count, DueItem, ExclusionForm, Filter, MakeupForm, Meeting,
    MeetingForm, PairForm, ReportForm, ResolutionForm, ReviewForm, period_label, year_range,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, CreatedJson, api_query};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;
use crate::view;

/// One expected attendee.
#[derive(Debug, Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AttendeeInput {
    pub member_id: i64,
    pub present: bool,
    /// `business_trip`, `on_duty`, `watch`, `sick_leave`, `personal_leave` or `other`;
    /// required for an absentee before submission.
    #[schema(pattern = r"^(business_trip|on_duty|watch|sick_leave|personal_leave|other)?$")]
    pub absence_reason: String,
    pub absence_note: String,
    /// 组织生活会 and 民主生活会: the criticism received and the self-criticism given.
    pub criticism: String,
    pub self_criticism: String,
    /// 组织生活会 and 民主评议: the member's 党性分析 (required of those present before
    /// submission) and the branch's feedback.
    pub party_analysis: String,
    pub analysis_feedback: String,
    /// 民主生活会: the member's 对照检查材料 (required of those present before submission).
    pub review_material: String,
}

/// Two members who talked (谈心谈话).
#[derive(Debug, Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PairInput {
    pub a: i64,
    pub b: i64,
}

/// A voting member of a 支部党员大会's roll left out of its voting base (M4.11).
#[derive(Debug, Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ExclusionInput {
    pub member_id: i64,
    /// `illness`, `abroad_self_funded`, `serving_sentence`, `bedridden` or
    /// `away_untransferred`.
    pub category: String,
    /// The upper committee's approval: its document number or date.
    pub approval: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ResolutionInput {
    pub text: String,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ActionInput {
    pub text: String,
    pub owner: String,
    /// `YYYY-MM-DD`, optional.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub due_on: String,
}

/// A record as written. On update, `version` is the version that was read.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MeetingInput {
    /// `branch_general_meeting`, `branch_committee`, `party_group`, `party_lecture`,
    /// `theme_party_day`, `organizational_life_meeting`, `democratic_life_meeting`,
    /// `democratic_review` or `heart_to_heart_talk`.
    #[schema(
        pattern = r"^(branch_general_meeting|branch_committee|party_group|party_lecture|theme_party_day|organizational_life_meeting|democratic_life_meeting|democratic_review|heart_to_heart_talk)$"
    )]
    pub kind: String,
    /// `YYYY-MM-DD`, not in the future.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub held_on: String,
    /// `HH:MM`.
    #[schema(pattern = "^(([01][0-9]|2[0-3]):[0-5][0-9])?$")]
    #[serde(default)]
    pub starts_at: String,
    /// `HH:MM` as the clock showed it; after `starts_at` unless `ends_next_day`.
    #[schema(pattern = "^(([01][0-9]|2[0-3]):[0-5][0-9])?$")]
    #[serde(default)]
    pub ends_at: String,
    /// The meeting ran past midnight and ended on the next day (within 24 hours).
    #[serde(default)]
    pub ends_next_day: bool,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub recorder: String,
    #[serde(default)]
    pub lecturer: String,
    #[serde(default)]
    pub topics: String,
    #[serde(default)]
    pub agenda: String,
    #[serde(default)]
    pub minutes: String,
    /// A make-up (补开): a day in the earlier period it counts for.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    #[serde(default)]
    pub counts_for: String,
    /// A 组织生活会 that also held the year's 民主评议党员.
    #[serde(default)]
    pub combined_review: bool,
    /// Why the attendees differ from the org's roll on the day (required when they do).
    #[serde(default)]
    pub expected_reason: String,
    /// 警号 of members who took part though not on the roll, comma-separated.
    #[serde(default)]
    pub extra_police_numbers: String,
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub attendees: Vec<AttendeeInput>,
    /// 支部党员大会: voting members of the day's roll left out of the base under M4.11.
    #[serde(default)]
    pub quorum_exclusions: Vec<ExclusionInput>,
    /// 谈心谈话: who talked with whom, as member ids of the day's roll; the record's
    /// attendees are the members of its pairs (`attendees` is not read for this kind).
    #[serde(default)]
    pub pairs: Vec<PairInput>,
    /// 民主生活会: the opinions gathered beforehand (required before submission).
    #[serde(default)]
    pub preparation: String,
    #[serde(default)]
    pub resolutions: Vec<ResolutionInput>,
    #[serde(default)]
    pub actions: Vec<ActionInput>,
}

impl From<MeetingInput> for MeetingForm {
    fn from(i: MeetingInput) -> Self {
        MeetingForm {
            kind: i.kind,
            held_on: i.held_on,
            starts_at: i.starts_at,
            ends_at: i.ends_at,
            ends_next_day: i.ends_next_day,
            place: i.place,
            host: i.host,
            recorder: i.recorder,
            lecturer: i.lecturer,
            topics: i.topics,
            agenda: i.agenda,
            minutes: i.minutes,
            counts_for: i.counts_for,
            combined_review: i.combined_review,
            expected_reason: i.expected_reason,
            extra_police_numbers: i.extra_police_numbers,
            version: i.version,
            attendees: i
                .attendees
                .into_iter()
                .map(|a| AttendeeForm {
                    member_id: a.member_id,
                    present: a.present,
                    absence_reason: a.absence_reason,
                    absence_note: a.absence_note,
                    criticism: a.criticism,
                    self_criticism: a.self_criticism,
                    party_analysis: a.party_analysis,
                    analysis_feedback: a.analysis_feedback,
                    review_material: a.review_material,
                })
                .collect(),
            preparation: i.preparation,
            pairs: i
                .pairs
                .iter()
                .map(|p| PairForm { a: p.a, b: p.b })
                .collect(),
            quorum_exclusions: i
                .quorum_exclusions
                .into_iter()
                .map(|x| ExclusionForm {
                    member_id: x.member_id,
                    category: x.category,
                    approval: x.approval,
                })
                .collect(),
            resolutions: i
                .resolutions
                .into_iter()
                .map(|r| ResolutionForm {
                    text: r.text,
                    yes: Count::Number(r.yes),
                    no: Count::Number(r.no),
                    abstain: Count::Number(r.abstain),
                })
                .collect(),
            actions: i
                .actions
                .into_iter()
                .map(|a| ActionForm {
                    text: a.text,
                    owner: a.owner,
                    due_on: a.due_on,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttendeeJson {
    pub member_id: i64,
    pub name: String,
    /// A full member on the day (预备党员 have no vote).
    pub voting: bool,
    pub present: bool,
    pub absence_reason: Option<String>,
    pub absence_note: Option<String>,
    #[schema(format = Date)]
    pub makeup_on: Option<String>,
    pub makeup_note: Option<String>,
    pub criticism: Option<String>,
    pub self_criticism: Option<String>,
    pub party_analysis: Option<String>,
    pub analysis_feedback: Option<String>,
    pub review_material: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResolutionJson {
    pub text: String,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    /// By the kind's pass rule (支部党员大会: yes votes more than half of all voting members).
    pub passed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewJson {
    pub version: i64,
    pub accepted: bool,
    pub reason: Option<String>,
    pub reviewer: String,
    pub reviewed_at: String,
}

/// A record with its attendance, decisions, review and what the submission check still finds.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingJson {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub kind: String,
    #[schema(format = Date)]
    pub held_on: String,
    pub starts_at: String,
    /// As the clock showed it; on the next day when `ends_next_day`.
    pub ends_at: String,
    pub ends_next_day: bool,
    pub place: String,
    pub host: String,
    pub recorder: String,
    pub lecturer: Option<String>,
    pub topics: String,
    pub agenda: Option<String>,
    pub minutes: String,
    #[schema(format = Date)]
    pub counts_for: Option<String>,
    pub combined_review: bool,
    pub expected_reason: Option<String>,
    /// 支部党员大会: the voting members of the day's roll, which its quorum and votes are
    /// counted against less `quorum_exclusions`.
    pub voting_roll: Option<u32>,
    pub quorum_exclusions: Vec<ExclusionInput>,
    /// 谈心谈话: who talked with whom.
    pub pairs: Vec<PairInput>,
    /// 民主生活会: the opinions gathered beforehand; the day it was reported to the level
    /// above and that report's status in words (late ones say so).
    pub preparation: Option<String>,
    #[schema(format = Date)]
    pub reported_on: Option<String>,
    pub report_status: Option<String>,
    pub report_late: bool,
    /// 民主生活会: the rectification inspection made from its 整改清单, once made.
    pub rectification_id: Option<i64>,
    /// `draft`, `submitted`, `returned` or `accepted`.
    pub state: String,
    /// Name this in the next update, submission or review.
    pub version: i64,
    pub author: String,
    pub attendees: Vec<AttendeeJson>,
    pub resolutions: Vec<ResolutionJson>,
    pub actions: Vec<ActionInput>,
    /// The submitted versions, by number.
    pub revisions: Vec<i64>,
    pub reviews: Vec<ReviewJson>,
    /// What would stop a submission now, in Chinese, by field.
    pub gaps: Vec<GapJson>,
    pub attachments: Vec<AttachmentJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentJson {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// SM3 of the bytes, hex.
    pub sm3: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GapJson {
    pub field: String,
    pub message: String,
}

async fn meeting_json(
    state: &AppState,
    actor: &dangjian_service::Actor,
    id: i64,
) -> Result<MeetingJson, ApiError> {
    let d = state.services.meeting(actor, id).await?;
    let Meeting {
        id,
        org_id,
        org_name,
        state: review_state,
        version,
        author_login,
        content: c,
        reported_on,
        ..
    } = d.meeting;
    let time = dangjian_core::orglife::MeetingTime::from_stored(&c.starts_at, &c.ends_at);
    Ok(MeetingJson {
        id,
        org_id,
        org_name,
        kind: c.kind.code().to_owned(),
        held_on: view::date(c.held_on),
        starts_at: time.map_or_else(|| c.starts_at.clone(), |t| t.starts()),
        ends_at: time.map_or_else(|| c.ends_at.clone(), |t| t.ends()),
        ends_next_day: time.is_some_and(|t| t.ends_next_day()),
        place: c.place,
        host: c.host,
        recorder: c.recorder,
        lecturer: c.lecturer,
        topics: c.topics,
        agenda: c.agenda,
        minutes: c.minutes,
        counts_for: c.counts_for.map(view::date),
        combined_review: c.combined_review,
        expected_reason: c.expected_reason,
        pairs: c
            .pairs
            .iter()
            .map(|p| PairInput { a: p.a, b: p.b })
            .collect(),
        preparation: c.preparation,
        reported_on: reported_on.map(view::date),
        report_status: d.report.map(|r| r.to_string()),
        report_late: d.report.is_some_and(|r| r.is_late()),
        rectification_id: d.rectification.as_ref().map(|i| i.id),
        voting_roll: c.voting_roll,
        quorum_exclusions: c
            .exclusions
            .into_iter()
            .map(|x| ExclusionInput {
                member_id: x.member_id,
                category: x.category.code().to_owned(),
                approval: x.approval,
            })
            .collect(),
        state: review_state.code().to_owned(),
        version,
        author: author_login,
        attendees: c
            .attendees
            .into_iter()
            .map(|a| AttendeeJson {
                member_id: a.member_id,
                name: a.name,
                voting: a.voting,
                present: a.present,
                absence_reason: a.absence_reason.map(|r| r.code().to_owned()),
                absence_note: a.absence_note,
                makeup_on: a.makeup_on.map(view::date),
                makeup_note: a.makeup_note,
                criticism: a.criticism,
                self_criticism: a.self_criticism,
                party_analysis: a.party_analysis,
                analysis_feedback: a.analysis_feedback,
                review_material: a.review_material,
            })
            .collect(),
        resolutions: c
            .resolutions
            .into_iter()
            .map(|r| ResolutionJson {
                text: r.text,
                yes: r.yes,
                no: r.no,
                abstain: r.abstain,
                passed: r.passed,
            })
            .collect(),
        actions: c
            .actions
            .into_iter()
            .map(|a| ActionInput {
                text: a.text,
                owner: a.owner,
                due_on: a.due_on.map(view::date).unwrap_or_default(),
            })
            .collect(),
        revisions: d.revisions.iter().map(|r| r.version).collect(),
        reviews: d
            .reviews
            .into_iter()
            .map(|r| ReviewJson {
                version: r.version,
                accepted: r.accepted,
                reason: r.reason,
                reviewer: r.reviewer_login,
                reviewed_at: view::instant(r.reviewed_at),
            })
            .collect(),
        attachments: d
            .attachments
            .into_iter()
            .map(|a| AttachmentJson {
                id: a.id,
                name: a.file_name,
                content_type: a.content_type,
                size: a.size,
                sm3: a.digest,
            })
            .collect(),
        gaps: d
            .gaps
            .iter()
            .map(|g| GapJson {
                field: g.field.to_owned(),
                message: g.message.clone(),
            })
            .collect(),
    })
}

/// Records a meeting of the org as a draft.
#[utoipa::path(post, path = "/orgs/{id}/meetings", tag = "orglife", params(("id" = i64, Path)),
    request_body = MeetingInput,
    responses((status = 201, body = MeetingJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<MeetingInput>,
) -> Result<(StatusCode, Json<MeetingJson>), ApiError> {
    let meeting = state
        .services
        .create_meeting(&actor, id, &input.into())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(meeting_json(&state, &actor, meeting).await?),
    ))
}

/// A record.
#[utoipa::path(get, path = "/meetings/{id}", tag = "orglife", params(("id" = i64, Path)),
    responses((status = 200, body = MeetingJson), (status = 404, body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MeetingJson>, ApiError> {
    Ok(Json(meeting_json(&state, &actor, id).await?))
}

/// Saves a draft or a returned record (`version` required).
#[utoipa::path(put, path = "/meetings/{id}", tag = "orglife", params(("id" = i64, Path)),
    request_body = MeetingInput,
    responses((status = 200, body = MeetingJson), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<MeetingInput>,
) -> Result<Json<MeetingJson>, ApiError> {
    state
        .services
        .update_meeting(&actor, id, &input.into())
        .await?;
    Ok(Json(meeting_json(&state, &actor, id).await?))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct VersionInput {
    pub version: i64,
}

/// Submits a record for review; refused with the gaps by field while it lacks substance.
#[utoipa::path(post, path = "/meetings/{id}/submit", tag = "orglife", params(("id" = i64, Path)),
    request_body = VersionInput,
    responses((status = 200, body = MeetingJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<VersionInput>,
) -> Result<Json<MeetingJson>, ApiError> {
    state
        .services
        .submit_meeting(&actor, id, input.version)
        .await?;
    Ok(Json(meeting_json(&state, &actor, id).await?))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewInput {
    pub version: i64,
    /// `accept` or `return`.
    pub decision: String,
    /// Required to return.
    pub reason: String,
}

/// Accepts or returns a submitted record: from above its org, never by its author.
#[utoipa::path(post, path = "/meetings/{id}/review", tag = "orglife", params(("id" = i64, Path)),
    request_body = ReviewInput,
    responses((status = 200, body = MeetingJson), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> Result<Json<MeetingJson>, ApiError> {
    let form = ReviewForm {
        version: input.version,
        decision: input.decision,
        reason: input.reason,
    };
    state.services.review_meeting(&actor, id, &form).await?;
    Ok(Json(meeting_json(&state, &actor, id).await?))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MakeupInput {
    pub member_id: i64,
    /// `YYYY-MM-DD`, from the meeting day to today.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub on: String,
    pub note: String,
}

/// Records an absentee's make-up (补学) on a record that is on file.
#[utoipa::path(post, path = "/meetings/{id}/makeup", tag = "orglife", params(("id" = i64, Path)),
    request_body = MakeupInput,
    responses((status = 200, body = MeetingJson), (status = 422, body = ApiErrorBody)))]
pub async fn makeup(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<MakeupInput>,
) -> Result<Json<MeetingJson>, ApiError> {
    let form = MakeupForm {
        member_id: input.member_id,
        on: input.on,
        note: input.note,
    };
    state.services.record_makeup(&actor, id, &form).await?;
    Ok(Json(meeting_json(&state, &actor, id).await?))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ReportInput {
    /// `YYYY-MM-DD`, from the meeting day to today; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub reported_on: String,
}

/// Records the day a 民主生活会 on record was reported to the level above (R2.9).
#[utoipa::path(post, path = "/meetings/{id}/report", tag = "orglife", params(("id" = i64, Path)),
    request_body = ReportInput,
    responses((status = 200, body = MeetingJson), (status = 422, body = ApiErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReportInput>,
) -> Result<Json<MeetingJson>, ApiError> {
    let form = ReportForm {
        reported_on: input.reported_on,
    };
    state.services.report_meeting(&actor, id, &form).await?;
    Ok(Json(meeting_json(&state, &actor, id).await?))
}

/// Makes the rectification inspection of a 民主生活会's 整改清单: one finding per follow-up
/// action, assigned to the record's org and due on the action's day. Made once.
#[utoipa::path(post, path = "/meetings/{id}/rectification", tag = "orglife", params(("id" = i64, Path)),
    responses((status = 201, body = CreatedJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn rectify(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<CreatedJson>), ApiError> {
    let inspection = state.services.rectify_life_meeting(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(CreatedJson { id: inspection })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BriefJson {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub kind: String,
    #[schema(format = Date)]
    pub held_on: String,
    pub topics: String,
    pub state: String,
    pub expected: i64,
    pub present: i64,
}

fn brief_json(b: Brief) -> BriefJson {
    BriefJson {
        id: b.id,
        org_id: b.org_id,
        org_name: b.org_name,
        kind: b.kind.code().to_owned(),
        held_on: view::date(b.held_on),
        topics: b.topics,
        state: b.state.code().to_owned(),
        expected: b.expected,
        present: b.present,
    }
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct MeetingQuery {
    /// Only this org's records.
    pub org: Option<i64>,
    pub kind: String,
    pub state: String,
    pub year: Option<i32>,
    /// 1-based; 100 a page.
    pub page: Option<u32>,
}

/// Records in scope, newest first.
#[utoipa::path(get, path = "/meetings", tag = "orglife", params(MeetingQuery),
    responses((status = 200, body = Vec<BriefJson>), (status = 400, body = ApiErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<BriefJson>>, ApiError> {
    let q: MeetingQuery = api_query(raw.as_deref())?;
    let (from, to) = match q.year {
        Some(y) => {
            let (from, to) = year_range(y)?;
            (Some(from), Some(to))
        }
        None => (None, None),
    };
    let filter = Filter {
        org_id: q.org,
        kind: MeetingKind::from_code(q.kind.trim()),
        state: ReviewState::from_code(q.state.trim()),
        from,
        to,
        not_org: None,
    };
    let page = Page {
        number: q.page.unwrap_or(1).clamp(1, 100_000),
        size: 100,
    };
    let rows = state.services.meetings(&actor, &filter, page).await?;
    Ok(Json(rows.into_iter().map(brief_json).collect()))
}

/// Counts of periods by status.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodCountsJson {
    pub met: u32,
    pub late: u32,
    pub missing: u32,
    pub upcoming: u32,
}

impl From<dangjian_core::compliance::Counts> for PeriodCountsJson {
    fn from(c: dangjian_core::compliance::Counts) -> Self {
        PeriodCountsJson {
            met: c.met,
            late: c.late,
            missing: c.missing,
            upcoming: c.upcoming,
        }
    }
}

/// A year's periods: `met`…`upcoming` count the national requirements, `local` the bureau's
/// own (confidence `local`, e.g. 党课 quarterly), which are not breaches of a national rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct TallyJson {
    pub met: u32,
    pub late: u32,
    pub missing: u32,
    pub upcoming: u32,
    /// Due periods of national requirements met on time, per cent; null when nothing was due.
    pub on_time_percent: Option<u32>,
    pub local: PeriodCountsJson,
}

pub(super) fn tally_json(t: dangjian_core::compliance::Tally) -> TallyJson {
    let n = t.national;
    TallyJson {
        met: n.met,
        late: n.late,
        missing: n.missing,
        upcoming: n.upcoming,
        on_time_percent: t.on_time_percent(),
        local: t.local.into(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberRefJson {
    pub id: i64,
    pub name: String,
}

/// One requirement for one period.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotJson {
    pub kind: String,
    pub kind_label: String,
    /// "2026年3月", "2026年第一季度", "2026年".
    pub period: String,
    pub from: String,
    /// The last day of the period (its deadline).
    pub until: String,
    pub min_count: u32,
    /// `official`, `secondary`, `local` or `memory`: a `local` requirement is the bureau's
    /// practice, not a national rule.
    pub confidence: String,
    /// `met`, `late`, `missing`, `upcoming` or `not_applicable`.
    pub status: String,
    /// What the period's records are when that matters: `quorum_short` (its only records are
    /// drafts that miss their quorum), `draft`, `awaiting_review` or `returned` (met, but no
    /// record accepted yet).
    pub why: Option<String>,
    /// The same in words: "法定人数不足", "记录未提交", "记录待审核", "记录已退回".
    pub why_label: Option<String>,
    pub records: Vec<i64>,
    pub members_missing: Vec<MemberRefJson>,
    /// 谈心谈话: each member not yet covered and the kinds of talk they lack
    /// (`committee-committee`, `committee-member`, `member-member`).
    pub pairs_missing: Vec<TalkGapJson>,
}

/// A member's missing kinds of 谈心谈话.
#[derive(Debug, Serialize, ToSchema)]
pub struct TalkGapJson {
    pub member_id: i64,
    pub name: String,
    pub lacking: Vec<&'static str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceJson {
    pub org_id: i64,
    pub org_name: String,
    pub year: i32,
    pub tally: TallyJson,
    pub slots: Vec<SlotJson>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct YearQuery {
    /// The calendar year; this year when absent.
    pub year: Option<i32>,
}

/// The `year` of a query, this year when absent.
fn year_param(state: &AppState, raw: Option<&str>) -> Result<i32, ApiError> {
    let q: YearQuery = api_query(raw)?;
    Ok(q.year
        .unwrap_or_else(|| state.services.clock().today().year()))
}

fn slot_json(
    s: &dangjian_core::compliance::Slot,
    names: &std::collections::HashMap<i64, String>,
) -> SlotJson {
    SlotJson {
        kind: s.kind.code().to_owned(),
        kind_label: s.kind.label().to_owned(),
        period: period_label(s),
        from: view::date(s.from),
        until: view::date(s.last_day()),
        min_count: s.min_count,
        confidence: serde_json::to_value(s.confidence)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        status: s.status.code().to_owned(),
        why: s.why.map(|w| w.code().to_owned()),
        why_label: s.why.map(|w| w.label().to_owned()),
        records: s.records.clone(),
        members_missing: s
            .members_missing
            .iter()
            .map(|id| MemberRefJson {
                id: *id,
                name: names.get(id).cloned().unwrap_or_default(),
            })
            .collect(),
        pairs_missing: s
            .pairs_missing
            .iter()
            .map(|(id, kinds)| TalkGapJson {
                member_id: *id,
                name: names.get(id).cloned().unwrap_or_default(),
                lacking: kinds.iter().map(|k| k.code()).collect(),
            })
            .collect(),
    }
}

/// A member's 党性分析 from one 组织生活会 or 民主评议 record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalysisJson {
    pub meeting_id: i64,
    /// `organizational_life_meeting` or `democratic_review`.
    pub kind: &'static str,
    #[schema(format = Date)]
    pub held_on: String,
    pub org_name: String,
    /// The record's review state: `draft`, `submitted`, `returned` or `accepted`.
    pub state: &'static str,
    pub text: String,
    pub feedback: Option<String>,
}

/// A member's 党性分析 with the branch's feedback, newest first.
#[utoipa::path(get, path = "/members/{id}/party-analyses", tag = "orglife", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AnalysisJson>), (status = 404, body = ApiErrorBody)))]
pub async fn analyses(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<AnalysisJson>>, ApiError> {
    let rows = state.services.member_party_analyses(&actor, id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|a| AnalysisJson {
                meeting_id: a.meeting_id,
                kind: a.kind.code(),
                held_on: view::date(a.held_on),
                org_name: a.org_name,
                state: a.state.code(),
                text: a.text,
                feedback: a.feedback,
            })
            .collect(),
    ))
}

/// An org's compliance with the rules of organisational life for a year, period by period.
#[utoipa::path(get, path = "/orgs/{id}/compliance", tag = "orglife", params(("id" = i64, Path), YearQuery),
    responses((status = 200, body = ComplianceJson), (status = 404, body = ApiErrorBody)))]
pub async fn compliance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Json<ComplianceJson>, ApiError> {
    let year = year_param(&state, raw.as_deref())?;
    let c = state.services.org_compliance(&actor, id, year).await?;
    Ok(Json(ComplianceJson {
        org_id: c.org.id,
        org_name: c.org.name.clone(),
        year,
        tally: tally_json(c.tally),
        slots: c.slots.iter().map(|s| slot_json(s, &c.names)).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceRowJson {
    pub org_id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub tally: TallyJson,
    /// The periods of national requirements missed, as "主题党日 2026年3月".
    pub missing: Vec<String>,
    /// The periods of the bureau's own requirements missed.
    pub missing_local: Vec<String>,
}

/// Every org in scope that owes organisational life, with its tally for the year, most
/// national periods missed first (the bureau's own requirements break ties).
#[utoipa::path(get, path = "/compliance", tag = "orglife", params(YearQuery),
    responses((status = 200, body = Vec<ComplianceRowJson>), (status = 403, body = ApiErrorBody)))]
pub async fn overview(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<ComplianceRowJson>>, ApiError> {
    let year = year_param(&state, raw.as_deref())?;
    let rows = state.services.compliance_overview(&actor, year).await?;
    Ok(Json(
        rows.iter()
            .map(|r| ComplianceRowJson {
                org_id: r.org_id,
                code: r.code.clone(),
                name: r.name.clone(),
                kind: r.kind.code().to_owned(),
                tally: tally_json(r.tally),
                missing: r.missing.clone(),
                missing_local: r.missing_local.clone(),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DueJson {
    pub org_id: i64,
    pub org_name: String,
    pub requirement: SlotJson,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgLifeTodoJson {
    pub due_soon: Vec<DueJson>,
    pub overdue: Vec<DueJson>,
    pub awaiting_review: Vec<BriefJson>,
    pub returned: Vec<BriefJson>,
    pub drafts: Vec<BriefJson>,
}

fn due_json(d: DueItem) -> DueJson {
    DueJson {
        org_id: d.org_id,
        org_name: d.org_name,
        requirement: slot_json(&d.slot, &Default::default()),
    }
}

/// The to-do list of organisational life in the caller's scope.
#[utoipa::path(get, path = "/orglife/todo", tag = "orglife",
    responses((status = 200, body = OrgLifeTodoJson), (status = 403, body = ApiErrorBody)))]
pub async fn todo(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<OrgLifeTodoJson>, ApiError> {
    let t = state.services.org_life_todo(&actor).await?;
    Ok(Json(OrgLifeTodoJson {
        due_soon: t.due_soon.into_iter().map(due_json).collect(),
        overdue: t.overdue.into_iter().map(due_json).collect(),
        awaiting_review: t.awaiting_review.into_iter().map(brief_json).collect(),
        returned: t.returned.into_iter().map(brief_json).collect(),
        drafts: t.drafts.into_iter().map(brief_json).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationJson {
    pub meeting_id: i64,
    pub org_name: String,
    pub kind: String,
    #[schema(format = Date)]
    pub held_on: String,
    pub topics: String,
    pub present: bool,
    pub absence_reason: Option<String>,
    /// The make-up date; null while an absence is not made up.
    #[schema(format = Date)]
    pub makeup_on: Option<String>,
}

/// The caller's own organisational life, as a member (empty for accounts not linked to one).
#[utoipa::path(get, path = "/me/orglife", tag = "orglife",
    responses((status = 200, body = Vec<ParticipationJson>)))]
pub async fn mine(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<ParticipationJson>>, ApiError> {
    let list = state.services.my_org_life(&actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|p| ParticipationJson {
                meeting_id: p.meeting_id,
                org_name: p.org_name,
                kind: p.kind.code().to_owned(),
                held_on: view::date(p.held_on),
                topics: p.topics,
                present: p.present,
                absence_reason: p.absence_reason.map(|r| r.code().to_owned()),
                makeup_on: p.makeup_on.map(view::date),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanItemJson {
    pub id: i64,
    pub kind: String,
    #[schema(format = Date)]
    pub planned_on: String,
    pub topic: Option<String>,
    pub note: Option<String>,
}

async fn plan_json(
    state: &AppState,
    actor: &dangjian_service::Actor,
    org: i64,
    year: i32,
) -> Result<Vec<PlanItemJson>, ApiError> {
    let plan = state.services.org_plan(actor, org, year).await?;
    Ok(plan
        .items
        .into_iter()
        .map(|i| PlanItemJson {
            id: i.id,
            kind: i.kind.code().to_owned(),
            planned_on: view::date(i.planned_on),
            topic: i.topic,
            note: i.note,
        })
        .collect())
}

/// An org's plan of organisational life for a year.
#[utoipa::path(get, path = "/orgs/{id}/plan", tag = "orglife", params(("id" = i64, Path), YearQuery),
    responses((status = 200, body = Vec<PlanItemJson>), (status = 404, body = ApiErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<PlanItemJson>>, ApiError> {
    let year = year_param(&state, raw.as_deref())?;
    Ok(Json(plan_json(&state, &actor, id, year).await?))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct GenerateInput {
    pub year: i32,
    /// The org's fixed day of the month for 主题党日; the rules' default when absent.
    pub theme_day: Option<u32>,
}

/// Generates the year's plan from the rules (refused with 409 when the year has one).
#[utoipa::path(post, path = "/orgs/{id}/plan", tag = "orglife", params(("id" = i64, Path)),
    request_body = GenerateInput,
    responses((status = 201, body = Vec<PlanItemJson>), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn generate_plan(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<GenerateInput>,
) -> Result<(StatusCode, Json<Vec<PlanItemJson>>), ApiError> {
    let form = dangjian_service::plans::GenerateForm {
        year: input.year.to_string(),
        theme_day: input.theme_day.map(|d| d.to_string()).unwrap_or_default(),
    };
    state.services.generate_plan(&actor, id, &form).await?;
    Ok((
        StatusCode::CREATED,
        Json(plan_json(&state, &actor, id, input.year).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PlanItemInput {
    pub kind: String,
    /// `YYYY-MM-DD`, inside the plan's year.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub planned_on: String,
    pub topic: String,
    pub note: String,
}

impl From<PlanItemInput> for dangjian_service::plans::PlanForm {
    fn from(i: PlanItemInput) -> Self {
        Self {
            kind: i.kind,
            planned_on: i.planned_on,
            topic: i.topic,
            note: i.note,
        }
    }
}

/// Adds an item to the plan of the year of its date.
#[utoipa::path(post, path = "/orgs/{id}/plan/items", tag = "orglife", params(("id" = i64, Path)),
    request_body = PlanItemInput,
    responses((status = 201, body = Vec<PlanItemJson>), (status = 422, body = ApiErrorBody)))]
pub async fn add_plan_item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<PlanItemInput>,
) -> Result<(StatusCode, Json<Vec<PlanItemJson>>), ApiError> {
    let year = dangjian_core::member::parse_date(input.planned_on.trim())
        .map_err(|e| {
            ApiError::Service(dangjian_service::ServiceError::invalid(
                "planned_on",
                e.to_string(),
            ))
        })?
        .year();
    state
        .services
        .add_plan_item(&actor, id, year, &input.into())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(plan_json(&state, &actor, id, year).await?),
    ))
}

/// Changes a plan item.
#[utoipa::path(put, path = "/plan-items/{id}", tag = "orglife", params(("id" = i64, Path)),
    request_body = PlanItemInput,
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update_plan_item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<PlanItemInput>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .change_plan_item(&actor, id, &input.into(), false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a plan item.
#[utoipa::path(delete, path = "/plan-items/{id}", tag = "orglife", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ApiErrorBody)))]
pub async fn delete_plan_item(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .change_plan_item(&actor, id, &Default::default(), true)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntryJson {
    pub meeting_id: i64,
    pub kind: String,
    #[schema(format = Date)]
    pub held_on: String,
    pub time: String,
    pub place: String,
    pub host: String,
    pub recorder: String,
    pub lecturer: Option<String>,
    pub topics: String,
    pub expected: usize,
    pub present: usize,
    pub absentees: Vec<String>,
    pub resolutions: Vec<String>,
    pub actions: Vec<String>,
    pub state: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgLifeLedgerJson {
    pub org_id: i64,
    pub org_name: String,
    pub year: i32,
    pub tally: TallyJson,
    pub entries: Vec<LedgerEntryJson>,
}

/// The organisational-life ledger (台账) of an org for a year, generated from its records.
#[utoipa::path(get, path = "/orgs/{id}/ledger", tag = "orglife", params(("id" = i64, Path), YearQuery),
    responses((status = 200, body = OrgLifeLedgerJson), (status = 404, body = ApiErrorBody)))]
pub async fn ledger(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Json<OrgLifeLedgerJson>, ApiError> {
    let year = year_param(&state, raw.as_deref())?;
    let l = state.services.org_life_ledger(&actor, id, year).await?;
    Ok(Json(OrgLifeLedgerJson {
        org_id: l.org.id,
        org_name: l.org.name,
        year,
        tally: tally_json(l.tally),
        entries: l
            .entries
            .into_iter()
            .map(|e| LedgerEntryJson {
                meeting_id: e.id,
                kind: e.kind.code().to_owned(),
                held_on: view::date(e.held_on),
                time: e.time,
                place: e.place,
                host: e.host,
                recorder: e.recorder,
                lecturer: e.lecturer,
                topics: e.topics,
                expected: e.expected,
                present: e.present,
                absentees: e.absentees,
                resolutions: e.resolutions,
                actions: e.actions,
                state: e.state.code().to_owned(),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct AttachmentQuery {
    /// The file's name, with its extension (`签到表.pdf`).
    pub name: String,
}

/// Attaches a file (the request body) to a draft or returned record: PDF, PNG, JPG, .docx or
/// .xlsx up to 10 MB, its type read from its bytes.
#[utoipa::path(post, path = "/meetings/{id}/attachments", tag = "orglife",
    params(("id" = i64, Path), AttachmentQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = MeetingJson), (status = 422, body = ApiErrorBody)))]
pub async fn attach(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<MeetingJson>), ApiError> {
    let q: AttachmentQuery = api_query(raw.as_deref())?;
    let upload = dangjian_service::Upload {
        file_name: &q.name,
        bytes: &body,
    };
    state.services.add_attachment(&actor, id, &upload).await?;
    Ok((
        StatusCode::CREATED,
        Json(meeting_json(&state, &actor, id).await?),
    ))
}

/// An attachment's bytes.
#[utoipa::path(get, path = "/meetings/{id}/attachments/{attachment}", tag = "orglife",
    params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ApiErrorBody)))]
pub async fn attachment(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, attachment)): ApiPath<(i64, i64)>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let (row, bytes) = state.services.attachment(&actor, id, attachment).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, row.content_type)],
        bytes,
    )
        .into_response())
}

/// Removes an attachment from a draft or returned record.
#[utoipa::path(delete, path = "/meetings/{id}/attachments/{attachment}", tag = "orglife",
    params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses((status = 204), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn detach(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((id, attachment)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .remove_attachment(&actor, id, attachment)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organisational-life ledger of an org for a year as a workbook (汇总 and 会议记录);
/// the export is audited.
#[utoipa::path(get, path = "/orgs/{id}/ledger.xlsx", tag = "orglife", params(("id" = i64, Path), YearQuery),
    responses((status = 200, description = "组织生活台账.xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, body = ApiErrorBody)))]
pub async fn ledger_xlsx(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<axum::response::Response, ApiError> {
    let year = year_param(&state, raw.as_deref())?;
    let bytes = state.services.ledger_xlsx(&actor, id, year).await?;
    Ok(crate::pages::xlsx(
        bytes,
        &format!("组织生活台账-{year}.xlsx"),
    ))
}

/// The same ledger as a Word document, one section per kind; the export is audited.
#[utoipa::path(get, path = "/orgs/{id}/ledger.docx", tag = "orglife", params(("id" = i64, Path), YearQuery),
    responses((status = 200, description = "组织生活台账.docx", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 404, body = ApiErrorBody)))]
pub async fn ledger_docx(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    RawQuery(raw): RawQuery,
) -> Result<axum::response::Response, ApiError> {
    let year = year_param(&state, raw.as_deref())?;
    let bytes = state.services.ledger_docx(&actor, id, year).await?;
    Ok(crate::pages::download(
        &format!("组织生活台账-{year}.docx"),
        "ledger.docx",
        crate::pages::DOCX.to_owned(),
        bytes,
    ))
}
