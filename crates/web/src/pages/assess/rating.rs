//! 党组织考核评价 pages (issue 19, 1–2): the indicator sets (written and published by the
//! committee office), the rounds, a round's orgs and objections, and one org's scorecard with
//! the form its stage asks for.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_core::assess::rating::{Method, RoundStage, points_text};
use dangjian_core::org::OrgKind;
use dangjian_core::role::Scope;
use dangjian_service::assess::{
    AnswerForm, IndicatorForm, IndicatorRow, ObjectionForm, ObjectionRow, ResultRow, RoundForm,
    RoundOrgRow, RoundOrgView, RoundRow, RoundView, ScoreForm, SelfSubmitForm, SetForm, SetRow,
    SetView, VersionForm,
};
use dangjian_service::{Actor, ServiceError};

use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::pages::{Kept, Path, after_action, render, render_invalid};
use crate::session::{Session, SessionForm};

/// The frame of a page under 考核评价; `list` links the title back when a crumb follows.
fn layout(actor: &Actor, title: &str, list: Option<&str>) -> Layout {
    Layout::new(actor, super::AREA, title.to_owned())
        .crumb("考核评价", Some(super::AREA.to_owned()))
        .crumb(title.to_owned(), list.map(str::to_owned))
}

fn saved(raw: Option<&str>) -> bool {
    raw.is_some_and(|q| q.contains("saved"))
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    [OrgKind::Committee, OrgKind::GeneralBranch, OrgKind::Branch]
        .iter()
        .map(|k| (k.code(), k.label()))
        .collect()
}

fn stage_tag(stage: RoundStage) -> &'static str {
    match stage {
        RoundStage::Published => "ok",
        _ => "warn",
    }
}

/// Tenths as a person reads them, or the words for none.
fn shown(points: Option<i64>, none: &str) -> String {
    points
        .and_then(|p| u32::try_from(p).ok())
        .map_or_else(|| none.to_owned(), points_text)
}

/// A result's total and grade as a line shows them ("—" when not computed or not shown yet).
fn result_text(result: Option<&ResultRow>) -> (String, String) {
    match result {
        Some(r) => (
            shown(r.total, "—"),
            r.grade.clone().unwrap_or_else(|| "数据不足".to_owned()),
        ),
        None => ("—".to_owned(), "—".to_owned()),
    }
}

#[derive(Template)]
#[template(path = "assess_sets.html")]
struct SetsPage {
    layout: Layout,
    sets: Vec<SetRow>,
    may_write: bool,
    kinds: Vec<(&'static str, &'static str)>,
    kept: Kept,
}

async fn sets_page(state: &AppState, actor: &Actor, kept: Kept) -> Result<SetsPage, PageError> {
    Ok(SetsPage {
        layout: layout(actor, "考核指标体系", None),
        sets: state.services.indicator_sets(actor).await?,
        may_write: actor.scope == Scope::Everything,
        kinds: kinds(),
        kept,
    })
}

pub async fn sets(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    render(&sets_page(&state, &session.actor, Kept::default()).await?)
}

pub async fn create_set(
    State(state): State<AppState>,
    form: SessionForm<SetForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    match state.services.create_indicator_set(actor, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/assess/indicators/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "set",
                values: vec![
                    ("name".to_owned(), form.name),
                    ("org_kind".to_owned(), form.org_kind),
                ],
                errors,
            };
            render_invalid(&sets_page(&state, actor, kept).await?)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "assess_set.html")]
struct SetPage {
    layout: Layout,
    v: SetView,
    sum: i64,
    may_revise: bool,
    methods: Vec<(&'static str, &'static str)>,
    kept: Kept,
    saved: bool,
}

async fn set_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    kept: Kept,
    saved: bool,
) -> Result<SetPage, PageError> {
    let v = state.services.indicator_set(actor, id).await?;
    Ok(SetPage {
        layout: layout(actor, "考核指标体系", Some("/assess/indicators"))
            .crumb(format!("{}（第{}版）", v.set.name, v.set.version), None),
        sum: v.indicators.iter().map(|i| i.weight).sum(),
        may_revise: v.set.published_on.is_some() && actor.scope == Scope::Everything,
        methods: Method::ALL.iter().map(|m| (m.code(), m.label())).collect(),
        v,
        kept,
        saved,
    })
}

pub async fn set(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let page = set_page(
        &state,
        &session.actor,
        id,
        Kept::default(),
        saved(raw.as_deref()),
    )
    .await?;
    render(&page)
}

pub async fn add_indicator(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<IndicatorForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let result = state.services.add_indicator(actor, id, &form).await;
    let values = vec![
        ("name".to_owned(), form.name),
        ("method".to_owned(), form.method),
        ("weight".to_owned(), form.weight),
        ("per_item".to_owned(), form.per_item),
        ("guide".to_owned(), form.guide),
    ];
    after_action(
        result,
        format!("/assess/indicators/{id}?saved=1"),
        ("add", values),
        |kept| set_page(&state, actor, id, kept, false),
    )
    .await
}

pub async fn remove_indicator(
    State(state): State<AppState>,
    Path((id, indicator)): Path<(i64, i64)>,
    form: SessionForm<VersionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let result = state
        .services
        .remove_indicator(actor, id, indicator, &form)
        .await;
    after_action(
        result,
        format!("/assess/indicators/{id}?saved=1"),
        ("add", Vec::new()),
        |kept| set_page(&state, actor, id, kept, false),
    )
    .await
}

pub async fn publish_set(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<VersionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let result = state.services.publish_indicator_set(actor, id, &form).await;
    after_action(
        result,
        format!("/assess/indicators/{id}?saved=1"),
        ("publish", Vec::new()),
        |kept| set_page(&state, actor, id, kept, false),
    )
    .await
}

pub async fn revise_set(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<VersionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, .. } = form;
    let actor = &session.actor;
    match state.services.revise_indicator_set(actor, id).await {
        Ok(new) => Ok(Redirect::to(&format!("/assess/indicators/{new}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "publish",
                values: Vec::new(),
                errors,
            };
            render_invalid(&set_page(&state, actor, id, kept, false).await?)
        }
        Err(other) => Err(other.into()),
    }
}

impl SetPage {
    fn deduction(&self, i: &IndicatorRow) -> String {
        shown(Some(i.per_item), "")
    }
}

#[derive(Template)]
#[template(path = "assess_rounds.html")]
struct RoundsPage {
    layout: Layout,
    rounds: Vec<RoundRow>,
    published: Vec<(String, String)>,
    quarters: Vec<(&'static str, &'static str)>,
    kept: Kept,
}

impl RoundsPage {
    fn tag(&self, r: &RoundRow) -> &'static str {
        stage_tag(r.stage)
    }
}

async fn rounds_page(state: &AppState, actor: &Actor, kept: Kept) -> Result<RoundsPage, PageError> {
    let published = state
        .services
        .indicator_sets(actor)
        .await?
        .into_iter()
        .filter(|s| s.published_on.is_some())
        .map(|s| {
            (
                s.id.to_string(),
                format!("{}（第{}版，{}）", s.name, s.version, s.org_kind.label()),
            )
        })
        .collect();
    Ok(RoundsPage {
        layout: layout(actor, "党组织考核", None),
        rounds: state.services.assessment_rounds(actor).await?,
        published,
        quarters: vec![
            ("", "全年"),
            ("1", "第一季度"),
            ("2", "第二季度"),
            ("3", "第三季度"),
            ("4", "第四季度"),
        ],
        kept,
    })
}

pub async fn rounds(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    render(&rounds_page(&state, &session.actor, Kept::default()).await?)
}

pub async fn open_round(
    State(state): State<AppState>,
    form: SessionForm<RoundForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    match state.services.open_round(actor, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/assess/rounds/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let kept = Kept {
                active: "round",
                values: vec![
                    ("set".to_owned(), form.set),
                    ("organiser".to_owned(), form.organiser),
                    ("year".to_owned(), form.year),
                    ("quarter".to_owned(), form.quarter),
                ],
                errors,
            };
            render_invalid(&rounds_page(&state, actor, kept).await?)
        }
        Err(other) => Err(other.into()),
    }
}

/// An org's line on the round page.
pub struct OrgLine {
    pub o: RoundOrgRow,
    pub total: String,
    pub grade: String,
}

#[derive(Template)]
#[template(path = "assess_round.html")]
struct RoundPage {
    layout: Layout,
    r: RoundRow,
    period: String,
    organiser_side: bool,
    unscored: usize,
    next: Option<&'static str>,
    orgs: Vec<OrgLine>,
    objections: Vec<ObjectionRow>,
    decisions: Vec<(&'static str, &'static str)>,
    kept: Kept,
    saved: bool,
}

impl RoundPage {
    fn tag(&self) -> &'static str {
        stage_tag(self.r.stage)
    }

    fn is(&self, stage: &str) -> bool {
        self.r.stage.code() == stage
    }

    /// When the records were read, in Beijing time.
    fn computed_at(&self) -> Option<String> {
        self.r.computed_at.map(|t| {
            (t + chrono::TimeDelta::hours(8))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
    }

    fn before_points(&self, o: &ObjectionRow) -> String {
        shown(o.points_before, "无数据")
    }

    fn after_points(&self, o: &ObjectionRow) -> String {
        shown(o.points_after, "")
    }
}

async fn round_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    kept: Kept,
    saved: bool,
) -> Result<RoundPage, PageError> {
    let RoundView {
        round,
        orgs,
        objections,
        organiser_side,
        unscored,
        ..
    } = state.services.assessment_round(actor, id).await?;
    let period = round.period().label();
    Ok(RoundPage {
        layout: layout(actor, "党组织考核", Some("/assess/rounds"))
            .crumb(format!("{period} {}", round.set_name), None),
        period,
        organiser_side,
        unscored,
        next: round.stage.next().map(|n| n.label()),
        orgs: orgs
            .into_iter()
            .map(|o| {
                let (total, grade) = result_text(o.result.as_ref());
                OrgLine { o, total, grade }
            })
            .collect(),
        objections,
        decisions: vec![("upheld", "异议成立，更正得分"), ("rejected", "异议不成立")],
        r: round,
        kept,
        saved,
    })
}

pub async fn round(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let page = round_page(
        &state,
        &session.actor,
        id,
        Kept::default(),
        saved(raw.as_deref()),
    )
    .await?;
    render(&page)
}

pub async fn advance_round(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<VersionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let result = state
        .services
        .advance_round(actor, id, &form)
        .await
        .map(|_| ());
    after_action(
        result,
        format!("/assess/rounds/{id}?saved=1"),
        ("advance", Vec::new()),
        |kept| round_page(&state, actor, id, kept, false),
    )
    .await
}

pub async fn answer_objection(
    State(state): State<AppState>,
    Path((id, objection)): Path<(i64, i64)>,
    form: SessionForm<AnswerForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let result = state
        .services
        .answer_objection(actor, id, objection, &form)
        .await;
    let values = vec![
        ("objection".to_owned(), objection.to_string()),
        ("decision".to_owned(), form.decision),
        ("points".to_owned(), form.points),
        ("answer".to_owned(), form.answer),
    ];
    after_action(
        result,
        format!("/assess/rounds/{id}?saved=1"),
        ("answer", values),
        |kept| round_page(&state, actor, id, kept, false),
    )
    .await
}

pub async fn performance_xlsx(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (name, bytes) = state.services.performance_xlsx(&session.actor, id).await?;
    Ok(crate::pages::stats::xlsx(bytes, &name))
}

/// One indicator on an org's scorecard.
pub struct ScoreLine {
    pub name: String,
    pub method: &'static str,
    pub assessor: bool,
    pub weight: i64,
    pub guide: String,
    pub self_points: String,
    pub self_note: String,
    /// The points that count, "无数据" or "未评分".
    pub points: String,
    pub no_data: bool,
    pub basis: String,
    pub link: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "assess_round_org.html")]
struct RoundOrgPage {
    layout: Layout,
    r: RoundRow,
    period: String,
    org: RoundOrgRow,
    lines: Vec<ScoreLine>,
    assessor: Vec<(String, String)>,
    all: Vec<(String, String)>,
    objections: Vec<ObjectionRow>,
    organiser_side: bool,
    shows_result: bool,
    total: String,
    grade: String,
    /// How the total was scaled when some indicators had no data.
    scaled: Option<String>,
    kept: Kept,
    saved: bool,
}

impl RoundOrgPage {
    fn is(&self, stage: &str) -> bool {
        self.r.stage.code() == stage
    }

    fn submitted(&self) -> bool {
        self.org.self_submitted_on.is_some()
    }
}

async fn round_org_page(
    state: &AppState,
    actor: &Actor,
    (id, org): (i64, i64),
    kept: Kept,
    saved: bool,
) -> Result<RoundOrgPage, PageError> {
    let RoundOrgView {
        round,
        indicators,
        org,
        scores,
        objections,
        organiser_side,
        shows_result,
    } = state.services.round_org(actor, id, org).await?;
    let computed_read = round.computed_at.is_some();
    let lines = indicators
        .iter()
        .map(|i| {
            let s = scores.get(&i.id);
            let assessor = i.method == Method::Assessor;
            let points = s.and_then(|s| s.points);
            let no_data = !assessor && computed_read && points.is_none();
            ScoreLine {
                name: i.name.clone(),
                method: i.method.label(),
                assessor,
                weight: i.weight,
                guide: i.guide.clone(),
                self_points: shown(s.and_then(|s| s.self_points), "—"),
                self_note: s.and_then(|s| s.self_note.clone()).unwrap_or_default(),
                points: match points {
                    Some(_) => shown(points, ""),
                    None if no_data => "无数据".to_owned(),
                    None if !assessor => "待读取".to_owned(),
                    _ => "未评分".to_owned(),
                },
                no_data,
                basis: s.and_then(|s| s.basis.clone()).unwrap_or_default(),
                link: s.and_then(|s| s.link.clone()).unwrap_or_default(),
                note: s.and_then(|s| s.note.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let option = |i: &IndicatorRow| (i.id.to_string(), i.name.clone());
    let (total, grade) = result_text(org.result.as_ref());
    let weight: i64 = indicators.iter().map(|i| i.weight).sum();
    let scaled = org
        .result
        .as_ref()
        .filter(|r| r.weight_with_data < weight)
        .map(|r| {
            format!(
                "有数据的指标合计{}分（共{weight}分），按比例折算",
                r.weight_with_data
            )
        });
    let period = round.period().label();
    Ok(RoundOrgPage {
        layout: layout(actor, "党组织考核", Some("/assess/rounds"))
            .crumb(
                format!("{period} {}", round.set_name),
                Some(format!("/assess/rounds/{}", round.id)),
            )
            .crumb(org.name.clone(), None),
        period,
        lines,
        assessor: indicators
            .iter()
            .filter(|i| i.method == Method::Assessor)
            .map(option)
            .collect(),
        all: indicators.iter().map(option).collect(),
        objections,
        organiser_side,
        shows_result,
        total,
        grade,
        scaled,
        r: round,
        org,
        kept,
        saved,
    })
}

pub async fn round_org(
    State(state): State<AppState>,
    session: Session,
    Path(ids): Path<(i64, i64)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let page = round_org_page(
        &state,
        &session.actor,
        ids,
        Kept::default(),
        saved(raw.as_deref()),
    )
    .await?;
    render(&page)
}

fn score_values(form: ScoreForm) -> Vec<(String, String)> {
    vec![
        ("indicator".to_owned(), form.indicator),
        ("points".to_owned(), form.points),
        ("note".to_owned(), form.note),
    ]
}

pub async fn self_score(
    State(state): State<AppState>,
    Path((id, org)): Path<(i64, i64)>,
    form: SessionForm<ScoreForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let result = state.services.self_score(actor, id, org, &form).await;
    after_action(
        result,
        format!("/assess/rounds/{id}/orgs/{org}?saved=1"),
        ("self", score_values(form)),
        |kept| round_org_page(&state, actor, (id, org), kept, false),
    )
    .await
}

pub async fn submit_self(
    State(state): State<AppState>,
    Path((id, org)): Path<(i64, i64)>,
    form: SessionForm<SelfSubmitForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let result = state
        .services
        .submit_self_assessment(actor, id, org, &form)
        .await;
    after_action(
        result,
        format!("/assess/rounds/{id}/orgs/{org}?saved=1"),
        ("submit", vec![("summary".to_owned(), form.summary)]),
        |kept| round_org_page(&state, actor, (id, org), kept, false),
    )
    .await
}

pub async fn upper_score(
    State(state): State<AppState>,
    Path((id, org)): Path<(i64, i64)>,
    form: SessionForm<ScoreForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let result = state.services.upper_score(actor, id, org, &form).await;
    after_action(
        result,
        format!("/assess/rounds/{id}/orgs/{org}?saved=1"),
        ("score", score_values(form)),
        |kept| round_org_page(&state, actor, (id, org), kept, false),
    )
    .await
}

pub async fn object(
    State(state): State<AppState>,
    Path((id, org)): Path<(i64, i64)>,
    form: SessionForm<ObjectionForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let actor = &session.actor;
    let result = state
        .services
        .object_to_score(actor, id, org, &form)
        .await
        .map(|_| ());
    let values = vec![
        ("indicator".to_owned(), form.indicator),
        ("reason".to_owned(), form.reason),
    ];
    after_action(
        result,
        format!("/assess/rounds/{id}/orgs/{org}?saved=1"),
        ("object", values),
        |kept| round_org_page(&state, actor, (id, org), kept, false),
    )
    .await
}
