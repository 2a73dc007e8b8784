//! 考核评价 pages (issue 19): the reviews of 民主评议党员 in scope (or a member's own), a
//! review with the form its stage asks for, a disposition with its next step; 评先评优
//! standing; the secretaries' 述职评议; 典型经验.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use dangjian_core::assess::{
    DispositionKind, DispositionStep, DutyGrade, Grade, ReviewStage, follow_up_overdue,
};
use dangjian_core::field::FieldErrors;
use dangjian_core::role::{Permission, Scope};
use dangjian_service::assess::{
    AdoptionForm, ApprovalForm, CommentForm, DecisionForm, DispositionView, DutyGradeForm,
    DutyReviewForm, DutyReviewRow, DutyReviewView, EntryRow, OpenReviewForm, PeerForm,
    PracticeDecisionForm, PracticeForm, PracticeRow, PracticeView, ProposalForm, ReviewView,
    SelfForm, StageForm, StandingQuery, StepForm,
};
use dangjian_service::{Actor, ServiceError};

use super::{Kept, Path, after_action, query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};

pub(super) mod rating;

const AREA: &str = "/assess";

fn layout(actor: &Actor, title: &str) -> Layout {
    let layout = Layout::new(actor, AREA, title.to_owned());
    if title == "民主评议党员" {
        layout.crumb("民主评议党员", None)
    } else {
        layout
            .crumb("民主评议党员", Some(AREA.to_owned()))
            .crumb(title.to_owned(), None)
    }
}

fn grade_options() -> Vec<(&'static str, &'static str)> {
    Grade::ALL.iter().map(|g| (g.code(), g.label())).collect()
}

/// A review's line in a list.
pub struct ReviewLine {
    pub id: i64,
    pub org: String,
    pub year: i32,
    pub stage: &'static str,
    pub decided: bool,
    pub participants: i64,
    pub voters: i64,
}

/// A disposition's line in a list.
pub struct DispositionLine {
    pub id: i64,
    pub member: String,
    pub org: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub open: bool,
    pub next: String,
    pub overdue: bool,
}

impl DispositionLine {
    fn of(v: &DispositionView, today: chrono::NaiveDate) -> Self {
        let d = &v.disposition;
        DispositionLine {
            id: d.id,
            member: d.member_name.clone(),
            org: d.org_name.clone(),
            kind: d.kind.label(),
            status: d.status.label(),
            open: v.next.is_some(),
            next: match (v.next, v.follow_up_due) {
                (Some(DispositionStep::FollowUp), Some(due)) => format!("期满考察（{due}期满）"),
                (Some(step), _) => step.label().to_owned(),
                (None, _) => v.outcome.clone().unwrap_or_default(),
            },
            overdue: follow_up_overdue(v.next, v.follow_up_due, today),
        }
    }
}

#[derive(Template)]
#[template(path = "assess_home.html")]
struct HomePage {
    layout: Layout,
    reviews: Vec<ReviewLine>,
    dispositions: Vec<DispositionLine>,
    can_open: bool,
    year_hint: String,
    form: OpenReviewForm,
    errors: FieldErrors,
}

async fn home_page(
    state: &AppState,
    actor: &Actor,
    form: OpenReviewForm,
    errors: FieldErrors,
) -> Result<HomePage, PageError> {
    let reviews = state.services.reviews(actor, None).await?;
    let member = matches!(actor.scope, Scope::OwnRecord { .. });
    let dispositions = if member {
        Vec::new()
    } else {
        state.services.dispositions(actor).await?
    };
    let today = state.services.clock().today();
    Ok(HomePage {
        layout: layout(actor, "民主评议党员"),
        reviews: reviews
            .iter()
            .map(|r| ReviewLine {
                id: r.id,
                org: r.org_name.clone(),
                year: r.year,
                stage: r.stage.label(),
                decided: r.stage == ReviewStage::Decided,
                participants: r.participants,
                voters: r.voters,
            })
            .collect(),
        dispositions: dispositions
            .iter()
            .map(|d| DispositionLine::of(d, today))
            .collect(),
        can_open: actor.permits(Permission::ReviewMembers),
        year_hint: format!("如 {}", today.year()),
        form,
        errors,
    })
}

pub async fn home(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let page = home_page(
        &state,
        &session.actor,
        OpenReviewForm::default(),
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

pub async fn open(
    State(state): State<AppState>,
    form: SessionForm<OpenReviewForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.open_review(&session.actor, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/assess/reviews/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&home_page(&state, &session.actor, form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

/// One participant as the review page shows them.
pub struct EntryLine {
    pub e: EntryRow,
    pub category: &'static str,
    pub grade: &'static str,
    pub final_grade: &'static str,
    pub disposition: String,
}

impl EntryLine {
    fn of(e: EntryRow) -> Self {
        EntryLine {
            category: if e.probationary {
                "预备党员"
            } else {
                "正式党员"
            },
            grade: e.grade.map_or("", Grade::label),
            final_grade: e.final_grade.map_or("", Grade::label),
            disposition: match (e.disposition, e.months) {
                (Some(DispositionKind::Rectify), Some(m)) => format!("限期改正{m}个月"),
                (Some(d), _) => d.label().to_owned(),
                (None, _) => String::new(),
            },
            e,
        }
    }
}

#[derive(Template)]
#[template(path = "assess_review.html")]
struct ReviewPage {
    layout: Layout,
    v: ReviewView,
    lines: Vec<EntryLine>,
    stages: Vec<(&'static str, bool)>,
    stage: &'static str,
    member: Option<i64>,
    branch: bool,
    can_approve: bool,
    /// The others a member's ballot rates.
    ballot: Vec<(i64, String)>,
    grades: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    default_months: u32,
    max_months: u32,
    approval_options: [(&'static str, &'static str); 2],
    kept: Kept,
    /// The participant whose form was refused.
    kept_member: i64,
    saved: bool,
}

impl ReviewPage {
    fn is(&self, stage: &str) -> bool {
        self.v.review.stage.code() == stage
    }

    /// What was typed into a participant's form `form` that was refused.
    fn mv(&self, form: &str, member: &i64, name: &str) -> &str {
        if self.kept_member == *member {
            self.kept.v(form, name)
        } else {
            ""
        }
    }

    fn me(&self, form: &str, member: &i64, field: &str) -> Option<&str> {
        if self.kept_member == *member {
            self.kept.err(form, field)
        } else {
            None
        }
    }

    /// The value a participant's proposal form shows: what was refused, or what is kept.
    fn proposal(&self, line: &EntryLine, name: &str) -> String {
        if self.kept_member == line.e.member_id && self.kept.active == "propose" {
            return self.kept.v("propose", name).to_owned();
        }
        let e = &line.e;
        match name {
            "grade" => e.grade.map_or("", Grade::code).to_owned(),
            "reason" => e.reason.clone().unwrap_or_default(),
            "plan" => e.plan.clone().unwrap_or_default(),
            "disposition" => e.disposition.map_or("", DispositionKind::code).to_owned(),
            "months" => e.months.map(|m| m.to_string()).unwrap_or_default(),
            _ => String::new(),
        }
    }
}

async fn review_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    kept: Kept,
    kept_member: i64,
    saved: bool,
) -> Result<ReviewPage, PageError> {
    let v = state.services.review(actor, id).await?;
    let member = match actor.scope {
        Scope::OwnRecord { member_id } => Some(member_id),
        _ => None,
    };
    let rules = state.services.rule_book();
    let rules = rules.on(v.review.opened_on);
    let current = v.review.stage;
    let order = [
        ReviewStage::Evaluating,
        ReviewStage::Balloting,
        ReviewStage::Proposing,
        ReviewStage::Decided,
    ];
    let reached = |s: ReviewStage| {
        let at = |x: ReviewStage| {
            order
                .iter()
                .position(|o| *o == x)
                .unwrap_or(order.len() - 1)
        };
        at(s)
            <= at(if current == ReviewStage::AwaitingApproval {
                ReviewStage::Proposing
            } else {
                current
            })
    };
    Ok(ReviewPage {
        layout: layout(
            actor,
            &format!("{}年度 · {}", v.review.year, v.review.org_name),
        ),
        stages: order.iter().map(|s| (s.label(), reached(*s))).collect(),
        stage: current.label(),
        lines: v.entries.iter().cloned().map(EntryLine::of).collect(),
        ballot: v
            .graded
            .iter()
            .filter(|(m, _)| Some(*m) != member)
            .cloned()
            .collect(),
        branch: actor.permits(Permission::ReviewMembers),
        can_approve: actor.permits(Permission::ApproveReviews),
        member,
        grades: grade_options(),
        kinds: DispositionKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        default_months: rules.disposition.rectification_default_months,
        max_months: rules.disposition.rectification_max_months,
        approval_options: [("approve", "同意"), ("return", "退回支部重新评定")],
        v,
        kept,
        kept_member,
        saved,
    })
}

pub async fn review(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let saved = raw.as_deref().is_some_and(|q| q.contains("saved"));
    render(&review_page(&state, &session.actor, id, Kept::default(), 0, saved).await?)
}

/// After a post on a review: back to it, or the page again with the refusal at the form
/// `active` (of the participant `member`, or 0).
async fn after(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: Result<(), ServiceError>,
    active: &'static str,
    member: i64,
    values: Vec<(&str, String)>,
) -> Result<Response, PageError> {
    let values = values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    after_action(
        result,
        format!("/assess/reviews/{id}?saved=1"),
        (active, values),
        |kept| review_page(state, actor, id, kept, member, false),
    )
    .await
}

pub async fn submit_self(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<SelfForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .submit_self_evaluation(&session.actor, id, &form)
        .await;
    let member = form.member.unwrap_or_default();
    let values = vec![("evaluation", form.evaluation), ("analysis", form.analysis)];
    after(&state, &session.actor, id, result, "self", member, values).await
}

pub async fn peer(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<PeerForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .record_peer_review(&session.actor, id, &form)
        .await;
    let values = vec![("summary", form.summary)];
    after(
        &state,
        &session.actor,
        id,
        result,
        "peer",
        form.member,
        values,
    )
    .await
}

pub async fn advance(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<StageForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .advance_review(&session.actor, id, &form)
        .await;
    after(&state, &session.actor, id, result, "stage", 0, Vec::new()).await
}

/// The ballot: `g<member id>` = a grade's code, or empty to abstain.
pub async fn ballot(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let mut choices = Vec::new();
    for (key, value) in &form {
        let member = key
            .strip_prefix('g')
            .and_then(|m| m.parse::<i64>().ok())
            .ok_or_else(|| PageError::BadRequest("表单含有无效或不允许的字段".to_owned()))?;
        choices.push((member, value.clone()));
    }
    let result = state
        .services
        .cast_review_ballot(&session.actor, id, &choices)
        .await;
    after(&state, &session.actor, id, result, "ballot", 0, Vec::new()).await
}

pub async fn propose(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<ProposalForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .propose_grade(&session.actor, id, &form)
        .await;
    let values = vec![
        ("grade", form.grade),
        ("reason", form.reason),
        ("plan", form.plan),
        ("disposition", form.disposition),
        ("months", form.months),
    ];
    after(
        &state,
        &session.actor,
        id,
        result,
        "propose",
        form.member,
        values,
    )
    .await
}

pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<DecisionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .decide_review(&session.actor, id, &form)
        .await;
    let values = vec![
        ("decided_on", form.decided_on),
        ("expected", form.expected),
        ("present", form.present),
        ("excess_reason", form.excess_reason),
    ];
    after(&state, &session.actor, id, result, "decide", 0, values).await
}

pub async fn approve(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<ApprovalForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .approve_review(&session.actor, id, &form)
        .await;
    let values = vec![
        ("decision", form.decision),
        ("approved_on", form.approved_on),
        ("approver", form.approver),
    ];
    after(&state, &session.actor, id, result, "approve", 0, values).await
}

#[derive(Template)]
#[template(path = "assess_disposition.html")]
struct DispositionPage {
    layout: Layout,
    v: DispositionView,
    next: &'static str,
    next_code: &'static str,
    can_record: bool,
    /// Who the rules say pre-reviews this kind.
    authority_hint: String,
    agree_options: [(&'static str, &'static str); 2],
    follow_options: [(&'static str, &'static str); 2],
    kept: Kept,
    saved: bool,
}

async fn disposition_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    kept: Kept,
    saved: bool,
) -> Result<DispositionPage, PageError> {
    let v = state.services.disposition(actor, id).await?;
    let upper = matches!(
        v.next,
        Some(DispositionStep::PreReview | DispositionStep::Approval)
    );
    Ok(DispositionPage {
        layout: layout(actor, "组织处置").crumb(v.disposition.member_name.clone(), None),
        next: v.next.map_or("", DispositionStep::label),
        next_code: v.next.map_or("", DispositionStep::code),
        can_record: v.next.is_some() && (!upper || actor.permits(Permission::ApproveReviews)),
        authority_hint: match v.next {
            Some(DispositionStep::PreReview) => format!("预审机关：{}", v.pre_reviewer),
            _ => "如：市公安局党委".to_owned(),
        },
        agree_options: [("yes", "同意"), ("no", "不同意")],
        follow_options: [("yes", "已改正"), ("no", "仍无转变")],
        v,
        kept,
        saved,
    })
}

pub async fn disposition(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let saved = raw.as_deref().is_some_and(|q| q.contains("saved"));
    render(&disposition_page(&state, &session.actor, id, Kept::default(), saved).await?)
}

pub async fn record_step(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<StepForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .record_disposition_step(&session.actor, id, &form)
        .await;
    let values = [
        ("on", form.on),
        ("talker_a", form.talker_a),
        ("talker_b", form.talker_b),
        ("authority", form.authority),
        ("agreed", form.agreed),
        ("expected", form.expected),
        ("present", form.present),
        ("ayes", form.ayes),
        ("written_ayes", form.written_ayes),
        ("written_total", form.written_total),
        ("note", form.note),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let actor = &session.actor;
    after_action(
        result,
        format!("/assess/dispositions/{id}?saved=1"),
        ("step", values),
        |kept| disposition_page(&state, actor, id, kept, false),
    )
    .await
}

/// A member's line of the standing list.
pub struct StandingLine {
    pub member_id: i64,
    pub name: String,
    pub police_number: String,
    pub branch: String,
    pub category: &'static str,
    pub commend: Vec<String>,
    pub promote: Vec<String>,
}

#[derive(Template)]
#[template(path = "assess_standing.html")]
struct StandingPage {
    layout: Layout,
    lines: Vec<StandingLine>,
    org: String,
    org_name: String,
    eligible: bool,
    total: i64,
    cut: bool,
    limit: u32,
    error: Option<String>,
}

/// The query as the page reads it: a ticked box sends `eligible=1`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct StandingParams {
    org: String,
    eligible: String,
}

pub async fn standing(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let p: StandingParams = query(raw.as_deref())?;
    let q = StandingQuery {
        org: p.org.clone(),
        eligible: !p.eligible.is_empty(),
    };
    let title = if q.eligible {
        "两优一先推荐名单"
    } else {
        "评先评优资格"
    };
    let mut page = StandingPage {
        layout: layout(actor, title),
        lines: Vec::new(),
        org: p.org,
        org_name: String::new(),
        eligible: q.eligible,
        total: 0,
        cut: false,
        limit: 0,
        error: None,
    };
    match state.services.standings(actor, &q).await {
        Ok(list) => {
            page.org_name = list.org.map(|o| o.name).unwrap_or_default();
            page.total = list.total;
            page.limit = list.limit;
            page.cut = list.total > i64::from(list.limit);
            page.lines = list
                .rows
                .into_iter()
                .map(|(m, s)| StandingLine {
                    member_id: m.id,
                    name: m.name,
                    police_number: m.police_number.unwrap_or_default(),
                    branch: m.branch_name,
                    category: m.category.label(),
                    commend: s.commend,
                    promote: s.promote,
                })
                .collect();
            render(&page)
        }
        Err(ServiceError::Invalid(errors)) => {
            page.error = errors.get("org").map(str::to_owned);
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}

fn duty_grades() -> Vec<(&'static str, &'static str)> {
    DutyGrade::ALL
        .iter()
        .map(|g| (g.code(), g.label()))
        .collect()
}

#[derive(Template)]
#[template(path = "assess_duty_reviews.html")]
struct DutyReviewsPage {
    layout: Layout,
    reviews: Vec<DutyReviewRow>,
    window: String,
    year_hint: String,
    form: DutyReviewForm,
    errors: FieldErrors,
}

async fn duty_reviews_page(
    state: &AppState,
    actor: &Actor,
    form: DutyReviewForm,
    errors: FieldErrors,
) -> Result<DutyReviewsPage, PageError> {
    let today = state.services.clock().today();
    let rules = state.services.rules();
    let report = &rules.assessment.secretary_report;
    Ok(DutyReviewsPage {
        layout: layout(actor, "书记抓党建述职评议"),
        reviews: state.services.duty_reviews(actor, None).await?,
        window: format!(
            "一般在每年{}月至{}月进行",
            report.window_start_month, report.window_end_month
        ),
        year_hint: format!("如 {}", today.year()),
        form,
        errors,
    })
}

pub async fn duty_reviews(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let page = duty_reviews_page(
        &state,
        &session.actor,
        DutyReviewForm::default(),
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

pub async fn record_duty_review(
    State(state): State<AppState>,
    form: SessionForm<DutyReviewForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .record_duty_review(&session.actor, &form)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/assess/duty-reviews/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&duty_reviews_page(&state, &session.actor, form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "assess_duty_review.html")]
struct DutyReviewPage {
    layout: Layout,
    v: DutyReviewView,
    grades: Vec<(&'static str, &'static str)>,
    kept: Kept,
    saved: bool,
}

async fn duty_review_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    kept: Kept,
    saved: bool,
) -> Result<DutyReviewPage, PageError> {
    let v = state.services.duty_review(actor, id).await?;
    Ok(DutyReviewPage {
        layout: Layout::new(
            actor,
            AREA,
            format!("{}年度 · {}", v.review.year, v.review.org_name),
        )
        .crumb("民主评议党员", Some(AREA.to_owned()))
        .crumb(
            "书记抓党建述职评议",
            Some("/assess/duty-reviews".to_owned()),
        )
        .crumb(v.review.org_name.clone(), None),
        grades: duty_grades(),
        v,
        kept,
        saved,
    })
}

pub async fn duty_review(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let saved = raw.as_deref().is_some_and(|q| q.contains("saved"));
    render(&duty_review_page(&state, &session.actor, id, Kept::default(), saved).await?)
}

async fn after_duty(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: Result<(), ServiceError>,
    active: &'static str,
    values: Vec<(&str, String)>,
) -> Result<Response, PageError> {
    let values = values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    after_action(
        result,
        format!("/assess/duty-reviews/{id}?saved=1"),
        (active, values),
        |kept| duty_review_page(state, actor, id, kept, false),
    )
    .await
}

pub async fn comment_duty_review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<CommentForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .comment_duty_review(&session.actor, id, &form)
        .await;
    let values = vec![
        ("reviewer", form.reviewer),
        ("grade", form.grade),
        ("comment", form.comment),
    ];
    after_duty(&state, &session.actor, id, result, "comment", values).await
}

pub async fn grade_duty_review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<DutyGradeForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let result = state
        .services
        .grade_duty_review(&session.actor, id, &form)
        .await;
    let values = vec![
        ("grade", form.grade),
        ("graded_on", form.graded_on),
        ("note", form.note),
    ];
    after_duty(&state, &session.actor, id, result, "grade", values).await
}

#[derive(Template)]
#[template(path = "assess_practices.html")]
struct PracticesPage {
    layout: Layout,
    practices: Vec<PracticeRow>,
    form: PracticeForm,
    errors: FieldErrors,
}

async fn practices_page(
    state: &AppState,
    actor: &Actor,
    form: PracticeForm,
    errors: FieldErrors,
) -> Result<PracticesPage, PageError> {
    Ok(PracticesPage {
        layout: layout(actor, "典型经验"),
        practices: state.services.practices(actor).await?,
        form,
        errors,
    })
}

pub async fn practices(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let page = practices_page(
        &state,
        &session.actor,
        PracticeForm::default(),
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

pub async fn submit_practice(
    State(state): State<AppState>,
    form: SessionForm<PracticeForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.submit_practice(&session.actor, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/assess/practices/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&practices_page(&state, &session.actor, form, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "assess_practice.html")]
struct PracticePage {
    layout: Layout,
    v: PracticeView,
    can_decide: bool,
    decisions: [(&'static str, &'static str); 2],
    kept: Kept,
    saved: bool,
}

impl PracticePage {
    fn is(&self, status: &str) -> bool {
        self.v.practice.status.code() == status
    }
}

async fn practice_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    kept: Kept,
    saved: bool,
) -> Result<PracticePage, PageError> {
    let v = state.services.practice(actor, id).await?;
    Ok(PracticePage {
        layout: layout(actor, "典型经验").crumb(v.practice.title.clone(), None),
        can_decide: actor.permits(Permission::ApproveReviews),
        decisions: [("publish", "发布"), ("return", "不予发布")],
        v,
        kept,
        saved,
    })
}

pub async fn practice(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let saved = raw.as_deref().is_some_and(|q| q.contains("saved"));
    render(&practice_page(&state, &session.actor, id, Kept::default(), saved).await?)
}

pub async fn decide_practice(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<PracticeDecisionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let result = state.services.decide_practice(actor, id, &form).await;
    let values = vec![
        ("decision".to_owned(), form.decision),
        ("decided_on".to_owned(), form.decided_on),
        ("note".to_owned(), form.note),
    ];
    after_action(
        result,
        format!("/assess/practices/{id}?saved=1"),
        ("decide", values),
        |kept| practice_page(&state, actor, id, kept, false),
    )
    .await
}

pub async fn adopt_practice(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<AdoptionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let result = state.services.adopt_practice(actor, id, &form).await;
    let values = vec![
        ("org".to_owned(), form.org),
        ("adopted_on".to_owned(), form.adopted_on),
        ("result".to_owned(), form.result),
    ];
    after_action(
        result,
        format!("/assess/practices/{id}?saved=1"),
        ("adopt", values),
        |kept| practice_page(&state, actor, id, kept, false),
    )
    .await
}
