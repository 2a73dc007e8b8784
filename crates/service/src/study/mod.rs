//! Study and training (学习教育, issue 15): group study recorded once — on its own roll, or as
//! a part of an organisational-life record whose roll it reads (never a second form) —, make-up
//! study, training classes (专题培训班) with sessions, enrolment from the roster, attendance,
//! completion and certificates, and each member's 学时 for the year against the rules' target,
//! every hour traceable to the record that earned it; the org's attainment and the secretaries'
//! and committee members' training ledger.
//!
//! Hours are written to a credit ledger whenever a record's roll changes — a study recorded,
//! an org-life record holding one submitted, edited or made up, a class's attendance taken — so
//! the year's figures are one sum and always equal the records. Nothing is credited for time
//! spent online; nothing is ranked (M3.8).

mod classes;
mod courses;
mod exams;
mod plans;
mod search;

pub use search::{Hit, SearchIndex};

pub use courses::{
    ChapterForm, ChapterRow, CourseDetail, CourseForm, CourseRow, PublishForm, QuizForm,
    QuizQuestion,
};
pub use dangjian_store::search::DocKind;
pub use dangjian_store::study::{PlanItemRow, PlanRow};
pub use exams::{
    AnswersForm, ExamDetail, ExamForm, ExamRow, PaperRow, Part, PartForm, QuestionForm,
    QuestionRow, SittingDetail, SittingRow,
};
pub use plans::{PlanItemForm, PlanView};

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use dangjian_core::field::FieldErrors;
use dangjian_core::member::parse_date;
use dangjian_core::org::{OrgKind, Post};
use dangjian_core::orglife::{AbsenceReason, MeetingKind, MeetingTime, ReviewState};
use dangjian_core::role::{Permission, Scope};
use dangjian_core::study::{
    Attainment, Holder, HourSource, Hours, StudyKind, Target, certificate_number, completes,
    group_study_credit, target,
};
use dangjian_store::search::Group;
use dangjian_store::study::{self as store, Credit, NewSession};
use dangjian_store::{Conn, Page, orgs};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::care::day_or_today;
use crate::error::{ServiceError, ServiceResult, duplicate_to_field};
use crate::orglife::{required, required_long, year_range};
use crate::orgs::Org;
use crate::rectification::invalid;

pub use dangjian_store::study::{
    AttendeeRow, ClassRow, ClassSessionRow, CreditRow, EnrolmentRow, HistoryRow, SessionRow,
};

const SHORT: usize = 100;
const LONG: usize = 4000;
const STALE: &str = "该记录已被他人修改，请刷新后重试";
const LINKED: &str = "这次组织生活已登记过学习内容";
/// The longest group study recorded in one sitting (a day and a night is a typo).
const MAX_STUDY_MINUTES: i64 = 12 * 60;
/// The most members enrolled in one request.
const MAX_ENROL: usize = 5000;

/// A group study held on its own: who was absent, and why (everyone else on the day's roll
/// attended).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StudyForm {
    pub kind: String,
    pub held_on: String,
    /// Minutes, as typed.
    pub minutes: String,
    pub topic: String,
    pub materials: String,
    pub absences: Vec<AbsenceForm>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AbsenceForm {
    pub member_id: i64,
    pub reason: String,
}

/// The study part of an organisational-life record: its roll and day are the record's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MeetingStudyForm {
    pub minutes: String,
    pub topic: String,
    pub materials: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StudyMakeupForm {
    pub member_id: i64,
    pub on: String,
    pub note: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassForm {
    pub title: String,
    pub organiser: String,
    pub place: String,
    pub starts_on: String,
    pub ends_on: String,
    /// A concentrated training (集中培训): counts toward the leaders' annual one.
    pub concentrated: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassSessionForm {
    pub version: i64,
    pub held_on: String,
    pub topic: String,
    pub lecturer: String,
    pub hours: String,
}

/// Whom to enrol: members named one by one (警号 or member number, separated by spaces,
/// commas or lines), or the roster of an org (by code) — everyone, or its secretaries and
/// committee members and those of the orgs below.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnrolForm {
    pub version: i64,
    pub members: String,
    pub org: String,
    /// `all` or `leaders`, with `org`.
    pub whom: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttendanceForm {
    pub version: i64,
    /// The enrolled members who attended.
    pub present: Vec<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CloseClassForm {
    pub version: i64,
    pub closed_on: String,
}

/// A group study with its roll: its own, or the record's it was a part of.
#[derive(Debug, Clone)]
pub struct StudyDetail {
    pub session: SessionRow,
    pub attendees: Vec<AttendeeRow>,
    /// The record it was a part of: kind and review state.
    pub meeting: Option<(MeetingKind, ReviewState)>,
    pub can_record_makeup: bool,
}

/// A class with its sessions and enrolment.
#[derive(Debug, Clone)]
pub struct ClassDetail {
    pub class: ClassRow,
    pub sessions: Vec<ClassSessionRow>,
    pub enrolments: Vec<EnrolmentRow>,
    pub total: Hours,
    pub can_change: bool,
}

/// A member's year: the target, what was credited by source, each credit, and their classes.
#[derive(Debug, Clone, Serialize)]
pub struct MemberYear {
    pub member_id: i64,
    pub name: String,
    pub branch_name: String,
    pub year: i32,
    pub leader: bool,
    pub attainment: Attainment,
    pub by_source: Vec<(HourSource, Hours)>,
    #[serde(skip)]
    pub credits: Vec<CreditRow>,
    #[serde(skip)]
    pub classes: Vec<HistoryRow>,
}

/// One member's line in an org's year.
#[derive(Debug, Clone, Serialize)]
pub struct MemberLine {
    pub member_id: i64,
    pub name: String,
    pub branch_id: i64,
    pub branch_name: String,
    pub leader: bool,
    pub attainment: Attainment,
    pub by_source: Vec<(HourSource, Hours)>,
}

/// A branch's attainment: how many on its roll met their target.
#[derive(Debug, Clone, Serialize)]
pub struct BranchLine {
    pub branch_id: i64,
    pub branch_name: String,
    pub members: usize,
    pub met: usize,
    pub hours: Hours,
}

/// An org's year of study.
#[derive(Debug, Clone)]
pub struct OrgYear {
    pub org: Org,
    pub year: i32,
    /// Whether anything at all was credited under the org that year: without it the figures
    /// are "no data", not a year of failures.
    pub any_data: bool,
    pub members: Vec<MemberLine>,
    pub branches: Vec<BranchLine>,
}

impl OrgYear {
    pub fn met(&self) -> usize {
        self.members.iter().filter(|m| m.attainment.met()).count()
    }
}

/// A line of the secretaries' and committee members' training ledger.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerLine {
    pub member_id: i64,
    pub name: String,
    pub org_id: i64,
    pub org_name: String,
    pub post: String,
    pub attainment: Attainment,
    /// The year's classes: title, concentrated, completed.
    pub classes: Vec<(i64, String, bool, Option<bool>)>,
}

impl LedgerLine {
    /// Lacks the year's concentrated training (the flag of the ledger).
    pub fn lacks_training(&self) -> bool {
        self.attainment.trainings_short() > 0
    }
}

/// A secretary's training of a year, for the org page's card.
#[derive(Debug, Clone)]
pub struct SecretaryTraining {
    pub year: i32,
    pub completed: Vec<String>,
    pub hours: Hours,
    pub trainings_required: u32,
}

/// Minutes as typed: a whole number, more than zero, at most a long day.
fn minutes(raw: &str, e: &mut FieldErrors) -> i64 {
    match raw.trim().trim_end_matches("分钟").trim().parse::<i64>() {
        Ok(m) if m > 0 && m <= MAX_STUDY_MINUTES => m,
        Ok(m) if m > MAX_STUDY_MINUTES => {
            e.add("minutes", "学习时长不能超过12小时（720分钟）");
            0
        }
        _ if raw.trim().is_empty() => {
            e.add("minutes", "请填写学习时长（分钟）");
            0
        }
        _ => {
            e.add("minutes", "学习时长须为大于0的整数分钟");
            0
        }
    }
}

/// A date as typed, required, not after today.
fn past_day(raw: &str, today: NaiveDate, field: &'static str, e: &mut FieldErrors) -> NaiveDate {
    if raw.trim().is_empty() {
        e.add(field, "请填写日期");
        return today;
    }
    day_or_today(raw, today, field, e)
}

/// A date as typed, required (the future allowed: a class is planned ahead).
fn any_day(raw: &str, field: &'static str, e: &mut FieldErrors) -> Option<NaiveDate> {
    if raw.trim().is_empty() {
        e.add(field, "请填写日期");
        return None;
    }
    match parse_date(raw.trim()) {
        Ok(d) => Some(d),
        Err(err) => {
            e.add(field, err.to_string());
            None
        }
    }
}

/// The kinds of record a study may be a part of: any meeting, not a talk between two.
pub fn holds_study(kind: MeetingKind) -> bool {
    !matches!(
        kind,
        MeetingKind::HeartToHeartTalk | MeetingKind::DemocraticReview
    )
}

/// What a group study held on `held_on` credits its roll — (member, present, made up on):
/// those present on its day, those who made it up on the day of their make-up.
fn credits(
    roll: impl Iterator<Item = (i64, bool, Option<NaiveDate>)>,
    held_on: NaiveDate,
    hours: Hours,
) -> Vec<Credit> {
    roll.filter_map(|(member_id, present, makeup_on)| {
        let credited_on = if present { Some(held_on) } else { makeup_on }?;
        Some(Credit {
            member_id,
            credited_on,
            hours,
        })
    })
    .collect()
}

/// Takes a session's attendance — `present` among the `enrolled` — and credits its hours to
/// those present, replacing what it credited before; returns how many attended.
pub(crate) async fn record_attendance(
    conn: &mut Conn,
    class: i64,
    session: &ClassSessionRow,
    enrolled: &[i64],
    present: &[i64],
) -> ServiceResult<usize> {
    store::set_attendance(conn, session.id, enrolled, present).await?;
    let credits: Vec<Credit> = present
        .iter()
        .collect::<HashSet<_>>()
        .into_iter()
        .map(|m| Credit {
            member_id: *m,
            credited_on: session.held_on,
            hours: session.hours,
        })
        .collect();
    store::replace_credits(conn, HourSource::Class, class, session.id, &credits).await?;
    Ok(credits.len())
}

/// Closes a class on `closed_on`: each enrolee completes it when they attended the rules'
/// share of its hours, numbered certificates in roll order; returns how many completed.
pub(crate) async fn settle_class(
    conn: &mut Conn,
    class: &ClassRow,
    closed_on: NaiveDate,
    credit: &dangjian_core::study::Credit,
) -> ServiceResult<usize> {
    let total: Hours = store::class_sessions(conn, class.id)
        .await?
        .iter()
        .map(|s| s.hours)
        .sum();
    let mut completed = 0;
    for enrolee in store::enrolments(conn, class.id).await? {
        let done = completes(enrolee.attended, total, credit);
        let certificate = done.then(|| {
            completed += 1;
            certificate_number(class.ends_on.year(), class.id, completed)
        });
        store::set_completion(
            conn,
            class.id,
            enrolee.member_id,
            done,
            certificate.as_deref(),
        )
        .await?;
    }
    store::close_class(conn, class.id, closed_on).await?;
    Ok(completed)
}

fn is_leader_post(post: &str) -> bool {
    Post::from_code(post).is_some_and(|p| !matches!(p, Post::GroupLeader | Post::LeadershipMember))
}

impl Services {
    /// The training rules in force at the end of `year` (its targets).
    fn training_rules(&self, year: i32) -> dangjian_core::rules_second::Training {
        let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
        self.rule_book().on(last).training.clone()
    }

    /// The org a plain `/study` opens: the account's own, or the top of the tree.
    pub async fn study_home(&self, actor: &Actor) -> ServiceResult<Option<i64>> {
        self.require(actor, Permission::ReadStudy, "study.view")
            .await?;
        match &actor.scope {
            Scope::Subtree { org_id, .. } => Ok(Some(*org_id)),
            Scope::Everything => {
                let mut tx = self.db().read().await?;
                let root = dangjian_store::duty::first_root(&mut tx).await?;
                tx.commit().await?;
                Ok(root)
            }
            Scope::OwnRecord { .. } | Scope::Nothing => Ok(None),
        }
    }

    /// An org whose study the actor may record (for the forms).
    pub async fn study_org(&self, actor: &Actor, id: i64) -> ServiceResult<Org> {
        self.require(actor, Permission::ReadStudy, "study.view")
            .await?;
        self.load_org(actor, id, "study.view").await
    }

    /// Who a group study of `kind` at `org` on `on` expects: a branch's roll; the committee
    /// for a 理论学习中心组 and at a committee or general branch.
    pub async fn study_roll(
        &self,
        actor: &Actor,
        org_id: i64,
        kind: StudyKind,
        on: NaiveDate,
    ) -> ServiceResult<Vec<dangjian_store::orglife::RollMember>> {
        self.require(actor, Permission::RecordStudy, "study.create")
            .await?;
        let org = self.load_org(actor, org_id, "study.create").await?;
        let mut tx = self.db().read().await?;
        let roll = self.study_roll_in(&mut tx, &org, kind, on).await?;
        tx.commit().await?;
        Ok(roll)
    }

    async fn study_roll_in(
        &self,
        conn: &mut Conn,
        org: &Org,
        kind: StudyKind,
        on: NaiveDate,
    ) -> ServiceResult<Vec<dangjian_store::orglife::RollMember>> {
        let committee = kind == StudyKind::CentralGroup || org.kind != OrgKind::Branch;
        self.roll_for_study(conn, org, committee, on).await
    }

    /// Records a group study held on its own, with its roll; credits those who attended.
    pub async fn record_study(
        &self,
        actor: &Actor,
        org_id: i64,
        form: &StudyForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordStudy, "study.create")
            .await?;
        self.load_org(actor, org_id, "study.create").await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let kind = StudyKind::from_code(form.kind.trim());
        if kind.is_none() {
            e.add("kind", "请选择学习形式");
        }
        let held_on = past_day(&form.held_on, today, "held_on", &mut e);
        let length = minutes(&form.minutes, &mut e);
        let topic = required(&form.topic, "学习主题", SHORT * 2, "topic", &mut e);
        let materials = required_long(&form.materials, "学习内容与材料", LONG, "materials", &mut e);
        let mut tx = self.db().write().await?;
        let org = orgs::get(&mut tx, org_id)
            .await?
            .filter(|o| actor.scope.covers_org(&o.path))
            .ok_or(ServiceError::NotFound)?;
        if org.dissolved_on.is_some_and(|d| d <= held_on) {
            e.add("held_on", "该组织在这一天已撤销");
        }
        let roll = match kind {
            Some(kind) => self.study_roll_in(&mut tx, &org, kind, held_on).await?,
            None => Vec::new(),
        };
        if kind.is_some() && roll.is_empty() && e.get("held_on").is_none() {
            e.add("held_on", "这一天该组织没有应参加学习的党员");
        }
        let on_roll: HashSet<i64> = roll.iter().map(|m| m.member_id).collect();
        let mut absent: HashMap<i64, AbsenceReason> = HashMap::new();
        for a in &form.absences {
            if !on_roll.contains(&a.member_id) {
                e.add("absences", "缺席人员须是当天应参加学习的党员");
                break;
            }
            let Some(reason) = AbsenceReason::from_code(a.reason.trim()) else {
                e.add("absences", "请为每名缺席人员选择缺席原因");
                break;
            };
            if absent.insert(a.member_id, reason).is_some() {
                e.add("absences", "同一名党员不能重复登记缺席");
                break;
            }
        }
        if !roll.is_empty() && absent.len() == roll.len() {
            e.add("absences", "全员缺席的学习不能登记为已开展");
        }
        invalid(e)?;
        let Some(kind) = kind else {
            return Err(ServiceError::invalid("kind", "请选择学习形式"));
        };
        let hours = group_study_credit(length, &self.rule_book().on(held_on).training.credit);
        let id = store::insert_session(
            &mut tx,
            &NewSession {
                org_id: org.id,
                kind,
                meeting_id: None,
                held_on,
                minutes: length,
                topic: &topic,
                materials: &materials,
                hours,
                recorded_by: &actor.login,
            },
            now,
        )
        .await?;
        let rows: Vec<_> = roll
            .iter()
            .map(|m| {
                let reason = absent.get(&m.member_id).copied();
                (m.member_id, reason.is_none(), reason)
            })
            .collect();
        store::insert_attendees(&mut tx, id, &rows).await?;
        self.credit_study(&mut tx, id).await?;
        let event = Event::new("study.create")
            .object("study", id)
            .detail(json!({
                "org": org.id, "kind": kind.code(), "held_on": held_on.to_string(),
                "minutes": length, "absent": absent.len(),
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        self.reindex(Group::Study(id)).await;
        Ok(id)
    }

    /// Whether the actor may record the study part of this record (asked by its form).
    pub async fn may_link_study(&self, actor: &Actor, meeting_id: i64) -> ServiceResult<()> {
        self.require(actor, Permission::RecordStudy, "study.link")
            .await?;
        self.meeting_for_study(actor, meeting_id, "study.link")
            .await
            .map(|_| ())
    }

    /// Records the study that was a part of an organisational-life record: its day and roll
    /// are the record's, so nothing is typed twice. A record holds one study.
    pub async fn record_meeting_study(
        &self,
        actor: &Actor,
        meeting_id: i64,
        form: &MeetingStudyForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordStudy, "study.link")
            .await?;
        let meeting = self
            .meeting_for_study(actor, meeting_id, "study.link")
            .await?;
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let length = minutes(&form.minutes, &mut e);
        let topic = required(&form.topic, "学习主题", SHORT * 2, "topic", &mut e);
        let materials = required_long(&form.materials, "学习内容与材料", LONG, "materials", &mut e);
        let c = &meeting.content;
        if !holds_study(c.kind) {
            e.add("topic", format!("{}不登记集中学习", c.kind.label()));
        }
        if let Some(time) = MeetingTime::from_stored(&c.starts_at, &c.ends_at)
            && length > time.minutes()
        {
            e.add(
                "minutes",
                format!("学习时长不能超过会议时长（{}分钟）", time.minutes()),
            );
        }
        let mut tx = self.db().write().await?;
        if store::session_of_meeting(&mut tx, meeting_id)
            .await?
            .is_some()
        {
            e.add("topic", LINKED);
        }
        invalid(e)?;
        let hours = group_study_credit(length, &self.rule_book().on(c.held_on).training.credit);
        let id = store::insert_session(
            &mut tx,
            &NewSession {
                org_id: meeting.org_id,
                kind: StudyKind::BranchStudy,
                meeting_id: Some(meeting_id),
                held_on: c.held_on,
                minutes: length,
                topic: &topic,
                materials: &materials,
                hours,
                recorded_by: &actor.login,
            },
            now,
        )
        .await
        .map_err(|e| {
            duplicate_to_field(
                e,
                &[
                    ("study_sessions.meeting_id", "topic", LINKED),
                    ("study_sessions.meeting", "topic", LINKED),
                ],
            )
        })?;
        self.refresh_meeting_study(&mut tx, meeting_id).await?;
        let event = Event::new("study.link").object("study", id).detail(json!({
            "meeting": meeting_id, "minutes": length,
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        self.reindex(Group::Study(id)).await;
        Ok(id)
    }

    /// Rewrites the hours a record's study credits from the record's roll as it stands: those
    /// present on its day and those who made it up on the day of their make-up, once the
    /// record is on file (a draft credits nothing). Called in the same transaction as every
    /// change to a record's roll or state.
    pub(crate) async fn refresh_meeting_study(
        &self,
        conn: &mut Conn,
        meeting_id: i64,
    ) -> ServiceResult<()> {
        let Some(session) = store::session_of_meeting(conn, meeting_id).await? else {
            return Ok(());
        };
        let Some(meeting) = self.meeting_row(conn, meeting_id).await? else {
            return Ok(());
        };
        // A returned record may have been moved to another day: the study moves with it.
        let held_on = meeting.content.held_on;
        let credits: Vec<Credit> = if meeting.state == ReviewState::Draft {
            Vec::new()
        } else {
            let roll = meeting.content.attendees.iter();
            credits(
                roll.map(|a| (a.member_id, a.present, a.makeup_on)),
                held_on,
                session.hours,
            )
        };
        if session.held_on != held_on {
            store::set_session_day(conn, session.id, held_on).await?;
        }
        store::replace_credits(conn, HourSource::GroupStudy, session.id, 0, &credits).await?;
        Ok(())
    }

    /// Credits a study held on its own from its roll.
    pub(crate) async fn credit_study(&self, conn: &mut Conn, id: i64) -> ServiceResult<()> {
        let Some(session) = store::session_by_id(conn, id).await? else {
            return Ok(());
        };
        let roll = store::attendees(conn, id).await?;
        let credits = credits(
            roll.iter().map(|a| (a.member_id, a.present, a.makeup_on)),
            session.held_on,
            session.hours,
        );
        store::replace_credits(conn, HourSource::GroupStudy, id, 0, &credits).await?;
        Ok(())
    }

    async fn study_in_scope(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<SessionRow> {
        let mut tx = self.db().read().await?;
        let row = store::session_by_id(&mut tx, id).await?;
        tx.commit().await?;
        match row {
            Some(s) if actor.scope.covers_org(&s.org_path) => Ok(s),
            Some(_) => Err(self.out_of_scope(actor, event, "study", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// Records an absentee's make-up of a study held on its own; credited on its day. The
    /// make-up of a study inside a record is the record's (补学 on its page).
    pub async fn record_study_makeup(
        &self,
        actor: &Actor,
        id: i64,
        form: &StudyMakeupForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordStudy, "study.makeup")
            .await?;
        let session = self.study_in_scope(actor, id, "study.makeup").await?;
        if session.meeting_id.is_some() {
            return Err(ServiceError::invalid(
                "on",
                "这次学习是组织生活的一部分，请在该组织生活记录中登记补学",
            ));
        }
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let on = past_day(&form.on, today, "on", &mut e);
        if on < session.held_on {
            e.add("on", "补学日期不能早于学习日期");
        }
        let note = required_long(&form.note, "补学方式与内容", LONG, "note", &mut e);
        invalid(e)?;
        let mut tx = self.db().write().await?;
        if !store::set_makeup(&mut tx, id, form.member_id, on, &note).await? {
            return Err(ServiceError::invalid(
                "member_id",
                "该党员不是这次学习的缺席人员，或已登记过补学",
            ));
        }
        self.credit_study(&mut tx, id).await?;
        let event = Event::new("study.makeup")
            .object("study", id)
            .detail(json!({ "member": form.member_id, "on": on.to_string() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A group study in scope with its roll.
    pub async fn study(&self, actor: &Actor, id: i64) -> ServiceResult<StudyDetail> {
        self.require(actor, Permission::ReadStudy, "study.view")
            .await?;
        let session = self.study_in_scope(actor, id, "study.view").await?;
        let mut tx = self.db().read().await?;
        let (attendees, meeting) = match session.meeting_id {
            Some(m) => match self.meeting_row(&mut tx, m).await? {
                Some(row) => (
                    row.content
                        .attendees
                        .iter()
                        .map(|a| AttendeeRow {
                            member_id: a.member_id,
                            name: a.name.clone(),
                            present: a.present,
                            absence_reason: a.absence_reason,
                            makeup_on: a.makeup_on,
                            makeup_note: a.makeup_note.clone(),
                        })
                        .collect(),
                    Some((row.content.kind, row.state)),
                ),
                None => (Vec::new(), None),
            },
            None => (store::attendees(&mut tx, id).await?, None),
        };
        tx.commit().await?;
        let can_record_makeup = session.meeting_id.is_none()
            && actor.permits(Permission::RecordStudy)
            && attendees
                .iter()
                .any(|a| !a.present && a.makeup_on.is_none());
        Ok(StudyDetail {
            session,
            attendees,
            meeting,
            can_record_makeup,
        })
    }

    /// The study recorded as a part of an organisational-life record, for its page.
    pub async fn meeting_study(
        &self,
        actor: &Actor,
        meeting_id: i64,
    ) -> ServiceResult<Option<SessionRow>> {
        if !actor.permits(Permission::ReadStudy) {
            return Ok(None);
        }
        let mut tx = self.db().read().await?;
        let row = store::session_of_meeting(&mut tx, meeting_id).await?;
        tx.commit().await?;
        Ok(row.filter(|s| actor.scope.covers_org(&s.org_path)))
    }

    /// One page of the group studies in scope in a year (under one org, or all).
    pub async fn studies(
        &self,
        actor: &Actor,
        org: Option<i64>,
        year: i32,
        page: Page,
    ) -> ServiceResult<(Vec<SessionRow>, i64)> {
        self.require(actor, Permission::ReadStudy, "study.list")
            .await?;
        let (from, to) = year_range(year)?;
        let root = match org {
            Some(id) => Some(self.load_org(actor, id, "study.list").await?.path),
            None => None,
        };
        let mut tx = self.db().read().await?;
        let found = store::sessions(&mut tx, &actor.scope, root.as_ref(), from, to, page).await?;
        tx.commit().await?;
        Ok(found)
    }

    // -----------------------------------------------------------------------------------
    // Hours
    // -----------------------------------------------------------------------------------

    /// A member's year of study (the member themself, or anyone who may read them).
    pub async fn member_study_year(
        &self,
        actor: &Actor,
        member_id: i64,
        year: i32,
    ) -> ServiceResult<MemberYear> {
        self.require(actor, Permission::ReadStudy, "study.member")
            .await?;
        let member = self.load_member(actor, member_id, "study.member").await?;
        let (from, to) = year_range(year)?;
        let rules = self.training_rules(year);
        let mut tx = self.db().read().await?;
        let roll = store::roll_under(&mut tx, &member.branch_path, Some(member_id)).await?;
        let credits = store::credits_of(&mut tx, member_id, from, to).await?;
        let trainings = store::trainings_under(&mut tx, &member.branch_path, from, to)
            .await?
            .remove(&member_id)
            .unwrap_or(0);
        let classes = store::histories(&mut tx, &[member_id])
            .await?
            .remove(&member_id)
            .unwrap_or_default();
        tx.commit().await?;
        let leader = roll.first().is_some_and(|r| r.leader);
        let holder = Holder::of(leader);
        let on_roll = roll.first().map(|r| r.joined_on);
        let target = match on_roll {
            Some(joined) => target(holder, joined, year, &rules),
            // Off the roll today (moved away, passed on): nothing is asked of them here.
            None => Target {
                hours: Hours::ZERO,
                trainings: 0,
            },
        };
        let mut by_source: Vec<(HourSource, Hours)> = HourSource::ALL
            .iter()
            .map(|s| {
                (
                    *s,
                    credits
                        .iter()
                        .filter(|c| c.source == *s)
                        .map(|c| c.hours)
                        .sum(),
                )
            })
            .collect();
        by_source.retain(|(_, h)| *h > Hours::ZERO);
        Ok(MemberYear {
            member_id,
            name: member.name.clone(),
            branch_name: member.branch_name.clone(),
            year,
            leader,
            attainment: Attainment {
                target,
                credited: credits.iter().map(|c| c.hours).sum(),
                trainings,
            },
            by_source,
            credits,
            classes,
        })
    }

    /// An org's year of study: each member on its roll (and below) against their target, by
    /// branch.
    pub async fn org_study_year(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
    ) -> ServiceResult<OrgYear> {
        self.require(actor, Permission::ReadStudy, "study.org")
            .await?;
        let org = self.load_org(actor, org_id, "study.org").await?;
        let _permit = self.heavy(crate::limits::Heavy::Report, actor)?;
        let (from, to) = year_range(year)?;
        let rules = self.training_rules(year);
        let mut tx = self.db().read().await?;
        let roll = store::roll_under(&mut tx, &org.path, None).await?;
        let mut hours = store::hours_under(&mut tx, &org.path, year).await?;
        let trainings = store::trainings_under(&mut tx, &org.path, from, to).await?;
        let any_data = store::any_credit_under(&mut tx, &org.path, year).await?;
        tx.commit().await?;
        let mut members = Vec::with_capacity(roll.len());
        let mut branches: Vec<BranchLine> = Vec::new();
        for r in roll {
            let by_source = hours.remove(&r.member_id).unwrap_or_default();
            let holder = Holder::of(r.leader);
            let attainment = Attainment {
                target: target(holder, r.joined_on, year, &rules),
                credited: by_source.iter().map(|(_, h)| *h).sum(),
                trainings: trainings.get(&r.member_id).copied().unwrap_or(0),
            };
            match branches.last_mut() {
                Some(b) if b.branch_id == r.branch_id => {}
                _ => branches.push(BranchLine {
                    branch_id: r.branch_id,
                    branch_name: r.branch_name.clone(),
                    members: 0,
                    met: 0,
                    hours: Hours::ZERO,
                }),
            }
            if let Some(b) = branches.last_mut() {
                b.members += 1;
                b.met += usize::from(attainment.met());
                b.hours = b.hours + attainment.credited;
            }
            members.push(MemberLine {
                member_id: r.member_id,
                name: r.name,
                branch_id: r.branch_id,
                branch_name: r.branch_name,
                leader: r.leader,
                attainment,
                by_source,
            });
        }
        Ok(OrgYear {
            org,
            year,
            any_data,
            members,
            branches,
        })
    }

    /// Every member on the roll at or below `root` in `year`: (member, branch, reached the
    /// year's hours, anything credited at all) — what the assessment's study indicator reads.
    pub(crate) async fn attainment_under(
        &self,
        root: &dangjian_core::org::OrgPath,
        year: i32,
    ) -> ServiceResult<Vec<(i64, i64, bool, bool)>> {
        let (from, to) = year_range(year)?;
        let rules = self.training_rules(year);
        let mut tx = self.db().read().await?;
        let roll = store::roll_under(&mut tx, root, None).await?;
        let hours = store::hours_under(&mut tx, root, year).await?;
        let trainings = store::trainings_under(&mut tx, root, from, to).await?;
        tx.commit().await?;
        Ok(roll
            .into_iter()
            .map(|r| {
                let by_source = hours.get(&r.member_id);
                let attainment = Attainment {
                    target: target(Holder::of(r.leader), r.joined_on, year, &rules),
                    credited: by_source
                        .map(|s| s.iter().map(|(_, h)| *h).sum())
                        .unwrap_or(Hours::ZERO),
                    trainings: trainings.get(&r.member_id).copied().unwrap_or(0),
                };
                (
                    r.member_id,
                    r.branch_id,
                    attainment.met(),
                    by_source.is_some_and(|s| !s.is_empty()),
                )
            })
            .collect())
    }

    /// The secretaries' and committee members' training ledger of a year: every committee
    /// post held today at or below the org, with the year's hours and classes; those short of
    /// the concentrated training are flagged.
    pub async fn training_ledger(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
    ) -> ServiceResult<(Org, Vec<LedgerLine>)> {
        self.require(actor, Permission::ReadStudy, "training.ledger")
            .await?;
        let org = self.load_org(actor, org_id, "training.ledger").await?;
        let (from, to) = year_range(year)?;
        let rules = self.training_rules(year);
        let mut tx = self.db().read().await?;
        let leaders = store::leaders_under(&mut tx, &org.path).await?;
        let hours = store::hours_under(&mut tx, &org.path, year).await?;
        let trainings = store::trainings_under(&mut tx, &org.path, from, to).await?;
        let ids: Vec<i64> = leaders.iter().map(|l| l.member_id).collect();
        let histories = store::histories(&mut tx, &ids).await?;
        tx.commit().await?;
        let lines = leaders
            .into_iter()
            .filter(|l| is_leader_post(&l.post))
            .map(|l| {
                let credited = hours
                    .get(&l.member_id)
                    .map(|v| v.iter().map(|(_, h)| *h).sum())
                    .unwrap_or_default();
                let classes = histories
                    .get(&l.member_id)
                    .map(|v| {
                        v.iter()
                            .filter(|h| h.ends_on >= from && h.ends_on < to)
                            .map(|h| (h.class_id, h.title.clone(), h.concentrated, h.completed))
                            .collect()
                    })
                    .unwrap_or_default();
                LedgerLine {
                    attainment: Attainment {
                        target: target(Holder::Leader, l.joined_on, year, &rules),
                        credited,
                        trainings: trainings.get(&l.member_id).copied().unwrap_or(0),
                    },
                    member_id: l.member_id,
                    name: l.name,
                    org_id: l.org_id,
                    org_name: l.org_name,
                    post: Post::from_code(&l.post)
                        .map(|p| p.label().to_owned())
                        .unwrap_or(l.post),
                    classes,
                }
            })
            .collect();
        Ok((org, lines))
    }

    /// The training of an org's secretary in `year`, for the org page's card.
    pub async fn secretary_training(
        &self,
        actor: &Actor,
        member_id: i64,
        year: i32,
    ) -> ServiceResult<Option<SecretaryTraining>> {
        if !actor.permits(Permission::ReadStudy) {
            return Ok(None);
        }
        let member = self.load_member(actor, member_id, "study.member").await?;
        let (from, to) = year_range(year)?;
        let rules = self.training_rules(year);
        let mut tx = self.db().read().await?;
        let credits = store::credits_of(&mut tx, member.id, from, to).await?;
        let classes = store::histories(&mut tx, &[member.id])
            .await?
            .remove(&member.id)
            .unwrap_or_default();
        tx.commit().await?;
        Ok(Some(SecretaryTraining {
            year,
            completed: classes
                .into_iter()
                .filter(|c| c.ends_on >= from && c.ends_on < to)
                .filter(|c| c.concentrated && c.completed == Some(true))
                .map(|c| c.title)
                .collect(),
            hours: credits.iter().map(|c| c.hours).sum(),
            trainings_required: rules.secretary_and_committee_min_centralised_trainings_per_year,
        }))
    }

    /// The org's year as a workbook: by branch, and each member by source; audited.
    pub async fn study_xlsx(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
    ) -> ServiceResult<Vec<u8>> {
        use crate::excel::{Cell, Sheet};
        let _permit = self.heavy(crate::limits::Heavy::Export, actor)?;
        let y = self.org_study_year(actor, org_id, year).await?;
        let (_, ledger) = self.training_ledger(actor, org_id, year).await?;
        let now = self.clock().now();
        let hours = |h: Hours| Cell::Number(h.0 as f64 / 100.0);
        let of = |line: &MemberLine, s: HourSource| {
            line.by_source
                .iter()
                .filter(|(src, _)| *src == s)
                .map(|(_, h)| *h)
                .sum::<Hours>()
        };
        let title = format!("{} {}年党员学习教育学时台账", y.org.name, year);
        let mut headings = vec!["支部".to_owned(), "姓名".to_owned(), "身份".to_owned()];
        headings.extend(
            HourSource::ALL
                .iter()
                .map(|s| format!("{}（学时）", s.label())),
        );
        headings.extend(
            [
                "合计（学时）",
                "年度要求（学时）",
                "尚差（学时）",
                "集中培训（次）",
                "是否达标",
            ]
            .map(str::to_owned),
        );
        let sheets = vec![
            Sheet {
                name: "支部汇总".to_owned(),
                title: title.clone(),
                headings: ["支部", "党员数", "达标人数", "未达标人数", "合计学时"]
                    .map(str::to_owned)
                    .to_vec(),
                rows: y
                    .branches
                    .iter()
                    .map(|b| {
                        vec![
                            Cell::Text(b.branch_name.clone()),
                            Cell::from(b.members as u64),
                            Cell::from(b.met as u64),
                            Cell::from((b.members - b.met) as u64),
                            hours(b.hours),
                        ]
                    })
                    .collect(),
            },
            Sheet {
                name: "党员学时".to_owned(),
                title: title.clone(),
                headings,
                rows: y
                    .members
                    .iter()
                    .map(|m| {
                        let mut row = vec![
                            Cell::Text(m.branch_name.clone()),
                            Cell::Text(m.name.clone()),
                            Cell::from(if m.leader { "书记/委员" } else { "党员" }),
                        ];
                        row.extend(HourSource::ALL.iter().map(|s| hours(of(m, *s))));
                        row.extend([
                            hours(m.attainment.credited),
                            hours(m.attainment.target.hours),
                            hours(m.attainment.hours_short()),
                            Cell::from(u64::from(m.attainment.trainings)),
                            Cell::from(if m.attainment.met() {
                                "达标"
                            } else {
                                "未达标"
                            }),
                        ]);
                        row
                    })
                    .collect(),
            },
            Sheet {
                name: "书记委员培训".to_owned(),
                title: format!("{} {}年书记和委员培训台账", y.org.name, year),
                headings: [
                    "组织",
                    "职务",
                    "姓名",
                    "本年培训班",
                    "结业集中培训（次）",
                    "学时",
                    "是否缺集中培训",
                ]
                .map(str::to_owned)
                .to_vec(),
                rows: ledger
                    .iter()
                    .map(|l| {
                        vec![
                            Cell::Text(l.org_name.clone()),
                            Cell::Text(l.post.clone()),
                            Cell::Text(l.name.clone()),
                            Cell::Text(
                                l.classes
                                    .iter()
                                    .map(|(_, t, _, done)| match done {
                                        Some(true) => format!("{t}（结业）"),
                                        Some(false) => format!("{t}（未结业）"),
                                        None => format!("{t}（在训）"),
                                    })
                                    .collect::<Vec<_>>()
                                    .join("；"),
                            ),
                            Cell::from(u64::from(l.attainment.trainings)),
                            hours(l.attainment.credited),
                            Cell::from(if l.lacks_training() { "缺" } else { "" }),
                        ]
                    })
                    .collect(),
            },
        ];
        let login = actor.login.clone();
        let bytes =
            crate::off_workers(move || crate::excel::workbook(&sheets, &login, now)).await?;
        let event = Event::new("study.export")
            .object("org", y.org.id)
            .detail(json!({ "year": year, "members": y.members.len() }));
        self.record(actor, event).await?;
        Ok(bytes)
    }
}
