//! Rectification (整改) of the problems inspections fed back: recording an inspection and its
//! findings with the orgs each is assigned to; each org's cause analysis, measures (leader,
//! org, person, deadline, milestones), progress reports with evidence, completion claim;
//! acceptance and sign-off by the org above (never by the claimant); reopening after a
//! follow-up review; the three-colour escalation in each person's to-do list; and the
//! committee's overview. Every read is kept to the actor's scope, every change audited.

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate};
use dangjian_core::field::FieldErrors;
use dangjian_core::member::parse_date;
use dangjian_core::org::Code;
use dangjian_core::rectification::{
    Action, Actor as Who, Colour, FindingCategory, Readiness, Recipient, Stage, State, claim_gaps,
};
use dangjian_core::role::{Permission, Scope};
use dangjian_core::text;
use dangjian_store::rectification::{
    self as store, ItemChange, ItemFilter, MeasureContent, NewEvent, NewFile, NewInspection,
    TallyBy,
};
use dangjian_store::{Conn, Page, orgs};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sm3::{Digest, Sm3};

use crate::Services;
use crate::attachments::{Upload, check as check_upload};
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::scope::{UNKNOWN_ORG, above_path, org_by_code_in_scope};

pub use dangjian_store::rectification::{
    EventRow, FileRow, FindingRow, InspectionRow, ItemRow, MeasureRow, Milestone,
};

const SHORT: usize = 100;
const LONG: usize = 2000;
/// At most this many orgs per finding, measures per item, milestones per measure, files per
/// report.
const MAX_ORGS: usize = 500;
const MAX_MEASURES: usize = 30;
const MAX_MILESTONES: usize = 12;
const MAX_FILES: usize = 5;
const STALE: &str = "整改事项已被他人修改，请刷新后重试";

/// An inspection as its recorder writes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InspectionForm {
    /// The code of the org whose work was inspected.
    pub org: String,
    pub title: String,
    pub inspector: String,
    pub inspected_from: String,
    pub inspected_to: String,
    pub scope_note: String,
    pub feedback_ref: String,
    pub feedback_on: String,
}

/// A finding and the orgs it is assigned to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FindingForm {
    pub problem: String,
    pub category: String,
    /// Org codes separated by commas, 、 or spaces.
    pub orgs: String,
    /// 整改时限.
    pub deadline: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CauseForm {
    pub version: i64,
    pub cause: String,
}

/// A measure as written. People are named by 警号; the org by code (empty: the item's org).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MeasureForm {
    pub version: i64,
    pub content: String,
    pub leader: String,
    pub org: String,
    pub person: String,
    pub deadline: String,
    /// One milestone a line: `2027-01-15 内容`.
    pub milestones: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportForm {
    pub version: i64,
    pub progress: String,
    /// Where the evidence is (a document number, a record), when not (only) a file.
    pub evidence: String,
    /// A measure this report finishes.
    pub finishes: Option<i64>,
}

/// A claim, an acceptance decision or a reopening: what was said, and for a reopening the
/// new deadline.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DecisionForm {
    pub version: i64,
    /// `accept` or `return` (acceptance only).
    pub decision: String,
    pub note: String,
    /// New 整改时限 (reopening only).
    pub deadline: String,
}

/// An inspection with the items the actor may see, finding by finding.
#[derive(Debug, Clone)]
pub struct InspectionDetail {
    pub inspection: InspectionRow,
    /// Each finding with its items in scope counted by state (a finding without any is
    /// listed only for those who see the inspected org).
    pub findings: Vec<(FindingRow, Counts)>,
    /// One page of the items in scope, by finding then org.
    pub items: Vec<ItemView>,
    /// How many items the filter matches, for paging.
    pub matching: i64,
    /// The actor may add findings (their scope covers the inspected org).
    pub can_add_findings: bool,
}

/// An item with its state on the clock.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub id: i64,
    pub inspection_id: i64,
    pub inspection_title: String,
    pub finding_position: i64,
    pub problem: String,
    pub category: FindingCategory,
    pub org_id: i64,
    pub org_name: String,
    pub stage: Stage,
    pub state: State,
    pub deadline: NaiveDate,
    pub due_on: NaiveDate,
    pub colour: Option<Colour>,
    pub closed_on: Option<NaiveDate>,
    pub version: i64,
}

/// An item's page: the item, its measures with their colours, its history and files, and
/// what the actor may do.
#[derive(Debug, Clone)]
pub struct ItemDetail {
    pub item: ItemView,
    pub cause: Option<String>,
    pub measures: Vec<(MeasureRow, Option<Colour>)>,
    pub events: Vec<EventRow>,
    pub files: Vec<FileRow>,
    pub claim_gaps: Vec<(&'static str, &'static str)>,
    pub can_work: bool,
    pub can_accept: bool,
    pub can_reopen: bool,
}

/// A line of a person's to-do list: a measure they carry and why it is shown to them.
#[derive(Debug, Clone, Serialize)]
pub struct MeasureDue {
    pub measure_id: i64,
    pub item_id: i64,
    pub content: String,
    pub deadline: NaiveDate,
    pub colour: Colour,
    pub as_: Recipient,
}

/// A work-plan task the account's member is responsible for, at a colour.
#[derive(Debug, Clone, Serialize)]
pub struct TaskDue {
    pub task_id: i64,
    pub title: String,
    pub deadline: NaiveDate,
    pub colour: Colour,
}

/// The to-do list of an account: rectification and work-plan tasks by colour.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Todo {
    /// Measures the account's member carries, at a colour that reaches them.
    pub measures: Vec<MeasureDue>,
    /// Unfinished tasks the account's member is responsible for, from the first colour on.
    pub tasks: Vec<TaskDue>,
    /// Overdue items of the orgs whose secretary the member is (red).
    pub as_secretary: Vec<ItemView>,
    /// Claims waiting for the actor's acceptance (from orgs below the actor).
    pub to_accept: Vec<ItemView>,
    /// Open items in scope that are due soon or overdue.
    pub due: Vec<ItemView>,
}

/// Counts of items per state.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts(pub BTreeMap<&'static str, i64>);

impl Counts {
    pub(crate) fn add(&mut self, state: State, n: i64) {
        *self.0.entry(state.code()).or_default() += n;
    }
    pub fn get(&self, state: State) -> i64 {
        self.0.get(state.code()).copied().unwrap_or(0)
    }
    pub fn total(&self) -> i64 {
        self.0.values().sum()
    }
}

/// The committee's overview of an org's subtree.
#[derive(Debug, Clone)]
pub struct Overview {
    /// The org the counts are rolled up under.
    pub root: crate::orgs::Org,
    /// The root is the top of the actor's own scope (no way further up).
    pub at_top: bool,
    pub by_state: Counts,
    /// The root's own items ("本级"), then each org directly below it with its subtree's.
    pub by_org: Vec<(i64, String, Counts)>,
    pub by_category: Vec<(FindingCategory, Counts)>,
    /// The most overdue open items first (at most 200).
    pub overdue: Vec<ItemView>,
}

/// The overdue list on the overview shows at most this many items.
const OVERDUE_SHOWN: i64 = 200;

/// Tallies per key as counts by state.
fn counts_by_key(tallies: &[store::KeyTally]) -> HashMap<i64, Counts> {
    let mut out: HashMap<i64, Counts> = HashMap::new();
    for t in tallies {
        let counts = out.entry(t.key).or_default();
        for (state, n) in clock_split(t.stage, t.overdue, t.due_soon, t.total) {
            if n > 0 {
                counts.add(state, n);
            }
        }
    }
    out
}

/// A stage's count split by the clock: open items overdue or due soon are counted as such,
/// the rest under the stage's own state.
fn clock_split(stage: Stage, overdue: i64, due_soon: i64, total: i64) -> [(State, i64); 3] {
    let plain = match stage {
        Stage::NotStarted => State::NotStarted,
        Stage::InProgress => State::InProgress,
        Stage::AwaitingAcceptance => State::AwaitingAcceptance,
        Stage::Closed => State::Closed,
        Stage::Reopened => State::Reopened,
    };
    [
        (State::Overdue, overdue),
        (State::DueSoon, due_soon),
        (plain, total - overdue - due_soon),
    ]
}

/// Splits a list typed with commas, 、 or spaces.
fn tokens(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .filter(|s| !s.is_empty())
}

fn date_field(raw: &str, field: &'static str, e: &mut FieldErrors) -> Option<NaiveDate> {
    e.check(field, parse_date(raw))
}

fn text_field(
    raw: &str,
    label: &'static str,
    max: usize,
    field: &'static str,
    e: &mut FieldErrors,
) -> String {
    e.check(field, text::required(raw, label, max))
        .unwrap_or_default()
}

/// The errors gathered, as the refusal of a change (none: go on).
pub(crate) fn invalid(e: FieldErrors) -> ServiceResult<()> {
    if e.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(e))
    }
}

/// A roadmap typed one milestone a line (`2027-01-15 内容`), dated no later than `deadline`,
/// in date order; problems are recorded under `milestones`.
pub(crate) fn parse_milestones(
    raw: &str,
    deadline: Option<NaiveDate>,
    e: &mut FieldErrors,
) -> Vec<Milestone> {
    let mut milestones = Vec::new();
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if milestones.len() == MAX_MILESTONES {
            e.add("milestones", format!("最多{MAX_MILESTONES}个节点"));
            break;
        }
        let (day, what) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let what = what.trim();
        match parse_date(day) {
            Ok(on) if what.is_empty() => {
                e.add("milestones", format!("节点“{on}”缺少内容"));
            }
            Ok(on) if deadline.is_some_and(|d| on > d) => {
                e.add("milestones", format!("节点日期{on}晚于完成时限"));
            }
            Ok(on) if what.chars().count() > SHORT * 2 => {
                e.add("milestones", format!("节点“{on}”的内容不能超过200个字"));
            }
            Ok(on) => milestones.push(Milestone {
                due_on: on,
                content: what.to_owned(),
            }),
            Err(_) => e.add(
                "milestones",
                format!("“{line}”应写成“日期 内容”，如 2027-01-15 完成专题学习"),
            ),
        }
    }
    milestones.sort_by_key(|m| m.due_on);
    milestones
}

/// The action's audit name.
fn action_name(action: Action) -> &'static str {
    match action {
        Action::Plan => "plan",
        Action::Report => "report",
        Action::Claim => "claim",
        Action::Accept => "accept",
        Action::Return => "return",
        Action::Reopen => "reopen",
    }
}

impl Services {
    pub(crate) fn rectification_item_view(&self, item: &ItemRow) -> ItemView {
        let today = self.clock().today();
        let escalation = &self.rules().escalation;
        ItemView {
            id: item.id,
            inspection_id: item.inspection_id,
            inspection_title: item.inspection_title.clone(),
            finding_position: item.finding_position,
            problem: item.problem.clone(),
            category: item.category,
            org_id: item.org_id,
            org_name: item.org_name.clone(),
            stage: item.stage,
            state: item.stage.state(item.due_on, today, escalation),
            deadline: item.deadline,
            due_on: item.due_on,
            colour: item
                .stage
                .is_open()
                .then(|| escalation.colour(item.due_on, today))
                .flatten(),
            closed_on: item.closed_on,
            version: item.version,
        }
    }

    /// Records an inspection of an org in the actor's scope.
    pub async fn create_inspection(
        &self,
        actor: &Actor,
        form: &InspectionForm,
    ) -> ServiceResult<i64> {
        self.create_inspection_with_findings(actor, form, &[]).await
    }

    /// Records an inspection with its findings in one transaction: all of them or none, each
    /// refused at its field as when added one by one. A 民主生活会's 整改清单 arrives this way
    /// (its `feedback_ref` names the record, so it is made once).
    pub async fn create_inspection_with_findings(
        &self,
        actor: &Actor,
        form: &InspectionForm,
        findings: &[FindingForm],
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::Rectify, "inspection.create")
            .await?;
        self.check_org_code(actor, &form.org, "org", "inspection.create")
            .await?;
        let mut tx = self.db().write().await?;
        let id = self
            .open_inspection_in(&mut tx, actor, form, findings)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Inserts an inspection with its findings inside the caller's transaction, audited, with
    /// no permission check of its own: for another area that hands a problem over to
    /// rectification under its own permission (a finding of the discipline office). The org
    /// must be in the actor's scope.
    pub(crate) async fn open_inspection_in(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        form: &InspectionForm,
        findings: &[FindingForm],
    ) -> ServiceResult<i64> {
        let now = self.clock().now();
        let inspection = self.insert_inspection(tx, actor, form).await?;
        let id = inspection.id;
        let event = Event::new("inspection.create")
            .object("inspection", id)
            .detail(json!({ "org": inspection.org_id, "feedback_ref": inspection.feedback_ref }));
        audit::write(tx, self.crypto(), actor.into(), now, event).await?;
        for finding in findings {
            self.insert_finding(tx, actor, &inspection, finding).await?;
        }
        Ok(id)
    }

    /// Checks an inspection's form and inserts it; returns it as stored.
    async fn insert_inspection(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        form: &InspectionForm,
    ) -> ServiceResult<InspectionRow> {
        let mut e = FieldErrors::new();
        let title = text_field(&form.title, "检查名称", SHORT, "title", &mut e);
        let inspector = text_field(&form.inspector, "检查组", SHORT, "inspector", &mut e);
        let scope_note = text_field(&form.scope_note, "检查范围", LONG, "scope_note", &mut e);
        let feedback_ref = text_field(
            &form.feedback_ref,
            "反馈文件文号",
            SHORT,
            "feedback_ref",
            &mut e,
        );
        let from = date_field(&form.inspected_from, "inspected_from", &mut e);
        let to = date_field(&form.inspected_to, "inspected_to", &mut e);
        let feedback_on = date_field(&form.feedback_on, "feedback_on", &mut e);
        let today = self.clock().today();
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            e.add("inspected_to", "检查结束日期不能早于开始日期");
        }
        if let (Some(to), Some(on)) = (to, feedback_on)
            && on < to
        {
            e.add("feedback_on", "反馈日期不能早于检查结束日期");
        }
        if feedback_on.is_some_and(|on| on > today) {
            e.add("feedback_on", "反馈日期不能晚于今天");
        }
        let now = self.clock().now();
        let org = org_by_code_in_scope(&mut *tx, actor, &form.org).await?;
        if org.is_none() {
            e.add("org", UNKNOWN_ORG);
        }
        if !feedback_ref.is_empty() && store::feedback_ref_taken(&mut *tx, &feedback_ref).await? {
            e.add("feedback_ref", "该反馈文件已登记过，请勿重复登记");
        }
        invalid(e)?;
        let (Some(org), Some(from), Some(to), Some(feedback_on)) = (org, from, to, feedback_on)
        else {
            return Err(ServiceError::invalid("title", "检查信息不完整"));
        };
        let id = store::insert_inspection(
            &mut *tx,
            &NewInspection {
                org_id: org.id,
                title: &title,
                inspector: &inspector,
                inspected_from: from,
                inspected_to: to,
                scope_note: &scope_note,
                feedback_ref: &feedback_ref,
                feedback_on,
                created_by: &actor.login,
            },
            now,
        )
        .await?;
        store::inspection(&mut *tx, id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// An inspection the actor may see: of an org in scope, or one that assigned an item in
    /// scope. Not found otherwise (audited).
    async fn load_inspection(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<Option<InspectionRow>> {
        let Some(inspection) = store::inspection(conn, id).await? else {
            return Ok(None);
        };
        if actor.scope.covers_org(&inspection.org_path) {
            return Ok(Some(inspection));
        }
        let filter = ItemFilter {
            inspection_id: Some(id),
            limit: Some(1),
            ..ItemFilter::default()
        };
        let assigned = !store::items(conn, &actor.scope, &filter).await?.is_empty();
        Ok(assigned.then_some(inspection))
    }

    /// Adds a finding to an inspection of an org in scope and assigns it to orgs at or below
    /// that org, each due by the deadline.
    pub async fn add_finding(
        &self,
        actor: &Actor,
        inspection_id: i64,
        form: &FindingForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::Rectify, "finding.create")
            .await?;
        let mut tx = self.db().write().await?;
        let inspection = store::inspection(&mut tx, inspection_id)
            .await?
            .filter(|i| actor.scope.covers_org(&i.org_path))
            .ok_or(ServiceError::NotFound)?;
        let id = self
            .insert_finding(&mut tx, actor, &inspection, form)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Checks a finding's form, inserts it with an item for each org it is assigned to, and
    /// audits it; returns its id.
    async fn insert_finding(
        &self,
        tx: &mut Conn,
        actor: &Actor,
        inspection: &InspectionRow,
        form: &FindingForm,
    ) -> ServiceResult<i64> {
        let mut e = FieldErrors::new();
        let problem = text_field(&form.problem, "问题表述", LONG, "problem", &mut e);
        let category = FindingCategory::from_code(form.category.trim());
        if category.is_none() {
            e.add("category", "请选择问题类别");
        }
        let deadline = date_field(&form.deadline, "deadline", &mut e);
        let now = self.clock().now();
        if deadline.is_some_and(|d| d < inspection.feedback_on) {
            e.add("deadline", "整改时限不能早于反馈日期");
        }
        let mut assigned: Vec<i64> = Vec::new();
        let codes: Vec<&str> = tokens(&form.orgs).collect();
        if codes.is_empty() {
            e.add("orgs", "请填写承担整改的组织编码");
        } else if codes.len() > MAX_ORGS {
            e.add("orgs", format!("一个问题最多交给{MAX_ORGS}个组织"));
        }
        for raw in codes.iter().take(MAX_ORGS) {
            let org = match Code::parse(raw) {
                Ok(code) => orgs::by_code(&mut *tx, code.as_str()).await?,
                Err(_) => None,
            };
            match org {
                Some(o)
                    if actor.scope.covers_org(&o.path)
                        && o.path.is_within(&inspection.org_path)
                        && o.dissolved_on.is_none() =>
                {
                    if !assigned.contains(&o.id) {
                        assigned.push(o.id);
                    }
                }
                _ => e.add(
                    "orgs",
                    format!("组织编码{raw}不存在、已撤销，或不在被检查组织及其下级范围内"),
                ),
            }
        }
        invalid(e)?;
        let (Some(category), Some(deadline)) = (category, deadline) else {
            return Err(ServiceError::invalid("problem", "问题信息不完整"));
        };
        let inspection_id = inspection.id;
        let position = store::findings(&mut *tx, inspection_id).await?.len() as i64 + 1;
        let id =
            store::insert_finding(&mut *tx, inspection_id, position, &problem, category).await?;
        for org_id in &assigned {
            store::insert_item(&mut *tx, id, *org_id, deadline, now).await?;
        }
        let event = Event::new("finding.create")
            .object("inspection", inspection_id)
            .detail(json!({
                "finding": id, "category": category.code(), "orgs": assigned,
                "deadline": deadline.to_string(),
            }));
        audit::write(&mut *tx, self.crypto(), actor.into(), now, event).await?;
        Ok(id)
    }

    /// The inspection recorded under a feedback reference, if the actor may see it (a 民主生活会
    /// finds its 整改清单 so).
    pub async fn inspection_by_ref(
        &self,
        actor: &Actor,
        feedback_ref: &str,
    ) -> ServiceResult<Option<InspectionRow>> {
        self.require(actor, Permission::ReadRectification, "inspection.view")
            .await?;
        let mut tx = self.db().read().await?;
        let found = match store::inspection_by_ref(&mut tx, feedback_ref).await? {
            Some(i) => self.load_inspection(&mut tx, actor, i.id).await?,
            None => None,
        };
        tx.commit().await?;
        Ok(found)
    }

    /// An inspection the actor may see, or not found (audited when it exists).
    async fn visible_inspection(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<InspectionRow> {
        let mut tx = self.db().read().await?;
        let found = self.load_inspection(&mut tx, actor, id).await?;
        let exists = found.is_some() || store::inspection(&mut tx, id).await?.is_some();
        tx.commit().await?;
        match found {
            Some(inspection) => Ok(inspection),
            None if exists => Err(self.out_of_scope(actor, event, "inspection", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// The last day that is still "due soon", for counting by the clock.
    fn due_soon_by(&self) -> NaiveDate {
        let days = self.rules().escalation.green_days_before;
        self.clock().today() + Days::new(u64::from(days))
    }

    /// The inspections the actor sees, each with the count of its items in scope by state.
    pub async fn inspections(&self, actor: &Actor) -> ServiceResult<Vec<(InspectionRow, Counts)>> {
        self.require(actor, Permission::ReadRectification, "inspection.list")
            .await?;
        let today = self.clock().today();
        let mut tx = self.db().read().await?;
        let list = store::inspections(&mut tx, &actor.scope).await?;
        let tallies = store::tallies_by(
            &mut tx,
            &actor.scope,
            TallyBy::Inspection,
            None,
            today,
            self.due_soon_by(),
        )
        .await?;
        tx.commit().await?;
        let mut counts = counts_by_key(&tallies);
        Ok(list
            .into_iter()
            .map(|i| {
                let c = counts.remove(&i.id).unwrap_or_default();
                (i, c)
            })
            .collect())
    }

    /// An inspection with its findings counted by state and one page of the items in scope
    /// (of one finding, when `finding` is given).
    pub async fn inspection(
        &self,
        actor: &Actor,
        id: i64,
        finding: Option<i64>,
        page: Page,
    ) -> ServiceResult<InspectionDetail> {
        self.require(actor, Permission::ReadRectification, "inspection.view")
            .await?;
        let today = self.clock().today();
        let inspection = self
            .visible_inspection(actor, id, "inspection.view")
            .await?;
        let mut tx = self.db().read().await?;
        let findings = store::findings(&mut tx, id).await?;
        let tallies = store::tallies_by(
            &mut tx,
            &actor.scope,
            TallyBy::Finding,
            Some(id),
            today,
            self.due_soon_by(),
        )
        .await?;
        let filter = ItemFilter {
            inspection_id: Some(id),
            finding_id: finding,
            limit: Some(page.limit()),
            offset: Some(page.offset()),
            ..ItemFilter::default()
        };
        let items = store::items(&mut tx, &actor.scope, &filter).await?;
        let matching = store::count_items(&mut tx, &actor.scope, &filter).await?;
        tx.commit().await?;
        let sees_all = actor.scope.covers_org(&inspection.org_path);
        let mut counts = counts_by_key(&tallies);
        let findings = findings
            .into_iter()
            .map(|f| {
                let c = counts.remove(&f.id).unwrap_or_default();
                (f, c)
            })
            .filter(|(_, c)| sees_all || c.total() > 0)
            .collect();
        Ok(InspectionDetail {
            can_add_findings: sees_all && actor.permits(Permission::Rectify),
            inspection,
            findings,
            items: items
                .iter()
                .map(|i| self.rectification_item_view(i))
                .collect(),
            matching,
        })
    }

    /// The member an account stands for: a member's own record, or the member an official's
    /// account is linked to.
    pub(crate) async fn actor_member(&self, actor: &Actor) -> ServiceResult<Option<i64>> {
        match (&actor.scope, actor.account_id) {
            (Scope::OwnRecord { member_id }, _) => Ok(Some(*member_id)),
            (_, Some(account)) => {
                let mut tx = self.db().read().await?;
                let m = store::account_member(&mut tx, account).await?;
                tx.commit().await?;
                Ok(m)
            }
            _ => Ok(None),
        }
    }

    /// An item the actor may see — in scope, or one whose measure their member carries (to
    /// read it from their to-do list) — or not found (audited when it exists).
    async fn load_item(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<ItemRow> {
        let mut tx = self.db().read().await?;
        let item = store::item(&mut tx, id).await?;
        tx.commit().await?;
        let Some(item) = item else {
            return Err(ServiceError::NotFound);
        };
        if actor.scope.covers_org(&item.org_path) {
            return Ok(item);
        }
        if event == "rectification.view"
            && let Some(member) = self.actor_member(actor).await?
        {
            let mut tx = self.db().read().await?;
            let carries = store::carries_measure(&mut tx, id, member).await?;
            tx.commit().await?;
            if carries {
                return Ok(item);
            }
        }
        Err(self.out_of_scope(actor, event, "rectification", id).await)
    }

    fn who(&self, actor: &Actor, item: &ItemRow) -> Who {
        Who {
            covers: actor.scope.covers_org(&item.org_path),
            is_above: above_path(&actor.scope, item.org_id, &item.org_path),
            is_claimant: item.claimed_by.is_some() && item.claimed_by == actor.account_id,
        }
    }

    /// An item's page.
    pub async fn rectification(&self, actor: &Actor, id: i64) -> ServiceResult<ItemDetail> {
        self.require(actor, Permission::ReadRectification, "rectification.view")
            .await?;
        let item = self.load_item(actor, id, "rectification.view").await?;
        let mut tx = self.db().read().await?;
        let measures = store::measures(&mut tx, id).await?;
        let events = store::events(&mut tx, id).await?;
        let files = store::files(&mut tx, id).await?;
        tx.commit().await?;
        let today = self.clock().today();
        let escalation = self.rules().escalation;
        let who = self.who(actor, &item);
        let may =
            |action| actor.permits(Permission::Rectify) && item.stage.apply(action, who).is_ok();
        Ok(ItemDetail {
            claim_gaps: claim_gaps(readiness(&item, &measures, &events, &files)),
            can_work: may(Action::Report),
            can_accept: may(Action::Accept),
            can_reopen: may(Action::Reopen),
            cause: item.cause.clone(),
            measures: measures
                .into_iter()
                .map(|m| {
                    let colour = (m.done_on.is_none() && item.stage.is_open())
                        .then(|| escalation.colour(m.content.deadline, today))
                        .flatten();
                    (m, colour)
                })
                .collect(),
            item: self.rectification_item_view(&item),
            events,
            files,
        })
    }

    /// Loads an item inside a change, checks the version the actor saw and applies the
    /// action's rule.
    async fn item_for_change(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: i64,
        version: i64,
        action: Action,
    ) -> ServiceResult<(ItemRow, Stage)> {
        let item = store::item(conn, id)
            .await?
            .filter(|i| actor.scope.covers_org(&i.org_path))
            .ok_or(ServiceError::NotFound)?;
        if item.version != version {
            return Err(ServiceError::conflict("version", STALE));
        }
        let next = item
            .stage
            .apply(action, self.who(actor, &item))
            .map_err(|e| ServiceError::invalid("stage", e.to_string()))?;
        Ok((item, next))
    }

    /// Writes an item's new stage and the event of the step, audited.
    #[allow(clippy::too_many_arguments)]
    async fn record_step(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        item: &ItemRow,
        action: Action,
        change: ItemChange<'_>,
        note: Option<&str>,
        evidence: Option<&str>,
        measure_id: Option<i64>,
    ) -> ServiceResult<i64> {
        let now = self.clock().now();
        if !store::change_item(conn, item.id, item.version, &change, now).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        let event_id = store::insert_event(
            conn,
            &NewEvent {
                rectification_id: item.id,
                action: action_name(action),
                stage_after: change.stage,
                note,
                evidence,
                measure_id,
                account_id: actor.account_id,
                login: &actor.login,
            },
            now,
        )
        .await?;
        let event = Event::new(match action {
            Action::Plan => "rectification.plan",
            Action::Report => "rectification.report",
            Action::Claim => "rectification.claim",
            Action::Accept => "rectification.accept",
            Action::Return => "rectification.return",
            Action::Reopen => "rectification.reopen",
        })
        .object("rectification", item.id)
        .detail(json!({
            "stage": change.stage.code(), "version": item.version + 1, "measure": measure_id,
        }));
        audit::write(conn, self.crypto(), actor.into(), now, event).await?;
        Ok(event_id)
    }

    /// The change that keeps everything of an item but its stage.
    fn keep<'a>(item: &'a ItemRow, stage: Stage) -> ItemChange<'a> {
        ItemChange {
            stage,
            cause: item.cause.as_deref(),
            claimed_by: item.claimed_by,
            closed_on: item.closed_on,
            deadline: item.deadline,
        }
    }

    /// Writes the cause analysis.
    pub async fn save_cause(&self, actor: &Actor, id: i64, form: &CauseForm) -> ServiceResult<()> {
        self.require(actor, Permission::Rectify, "rectification.plan")
            .await?;
        self.load_item(actor, id, "rectification.plan").await?;
        let cause = text::required(&form.cause, "原因分析", LONG * 5)
            .map_err(|e| ServiceError::invalid("cause", e.to_string()))?;
        let mut tx = self.db().write().await?;
        let (item, next) = self
            .item_for_change(&mut tx, actor, id, form.version, Action::Plan)
            .await?;
        let change = ItemChange {
            cause: Some(&cause),
            ..Self::keep(&item, next)
        };
        self.record_step(
            &mut tx,
            actor,
            &item,
            Action::Plan,
            change,
            None,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Parses a measure: people by 警号 in scope, org by code at or below the item's org (or
    /// the item's org), deadline no later than the item's, milestones dated up to it.
    async fn parse_measure(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        item: &ItemRow,
        form: &MeasureForm,
    ) -> ServiceResult<MeasureContent> {
        let mut e = FieldErrors::new();
        let content = text_field(&form.content, "整改措施", LONG, "content", &mut e);
        let wanted = [
            (form.leader.trim(), "leader", "责任领导"),
            (form.person.trim(), "person", "责任人"),
        ];
        let mut ids = [0i64; 2];
        for (slot, (raw, field, label)) in ids.iter_mut().zip(wanted) {
            if raw.is_empty() {
                e.add(field, format!("请填写{label}的警号或党员编号"));
                continue;
            }
            match crate::duty::scoped_member(conn, actor, raw).await? {
                Some(id) => *slot = id,
                None => e.add(
                    field,
                    format!("没有警号或党员编号为{raw}的党员，或不在您的管理范围内"),
                ),
            }
        }
        let org_id = if form.org.trim().is_empty() {
            Some(item.org_id)
        } else {
            let org = match Code::parse(&form.org) {
                Ok(code) => orgs::by_code(conn, code.as_str()).await?,
                Err(_) => None,
            };
            match org {
                Some(o) if o.path.is_within(&item.org_path) && o.dissolved_on.is_none() => {
                    Some(o.id)
                }
                _ => {
                    e.add("org", "责任单位须是承担整改的组织或其下级组织");
                    None
                }
            }
        };
        let deadline = date_field(&form.deadline, "deadline", &mut e);
        if deadline.is_some_and(|d| d > item.deadline) {
            e.add(
                "deadline",
                format!("措施完成时限不能晚于整改时限{}", item.deadline),
            );
        }
        let milestones = parse_milestones(&form.milestones, deadline, &mut e);
        invalid(e)?;
        let (Some(org_id), Some(deadline)) = (org_id, deadline) else {
            return Err(ServiceError::invalid("content", "措施信息不完整"));
        };
        Ok(MeasureContent {
            content,
            leader_member_id: ids[0],
            org_id,
            person_member_id: ids[1],
            deadline,
            milestones,
        })
    }

    /// Adds a measure (`measure_id` None) or rewrites an unfinished one.
    pub async fn save_measure(
        &self,
        actor: &Actor,
        id: i64,
        measure_id: Option<i64>,
        form: &MeasureForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::Rectify, "rectification.plan")
            .await?;
        self.load_item(actor, id, "rectification.plan").await?;
        let mut tx = self.db().write().await?;
        let (item, next) = self
            .item_for_change(&mut tx, actor, id, form.version, Action::Plan)
            .await?;
        let measure = self.parse_measure(&mut tx, actor, &item, form).await?;
        let measure_id = match measure_id {
            None => {
                if store::measures(&mut tx, id).await?.len() >= MAX_MEASURES {
                    return Err(ServiceError::invalid(
                        "content",
                        format!("每个整改事项最多{MAX_MEASURES}项措施"),
                    ));
                }
                store::insert_measure(&mut tx, id, &measure).await?
            }
            Some(m) => {
                if !store::update_measure(&mut tx, id, m, &measure).await? {
                    return Err(ServiceError::invalid(
                        "content",
                        "该措施已完成或不属于本整改事项，不能修改",
                    ));
                }
                m
            }
        };
        let item = store::item(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let change = Self::keep(&item, next);
        self.record_step(
            &mut tx,
            actor,
            &item,
            Action::Plan,
            change,
            Some(&measure.content),
            None,
            Some(measure_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes an unfinished measure that no report refers to.
    pub async fn delete_measure(
        &self,
        actor: &Actor,
        id: i64,
        measure_id: i64,
        version: i64,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::Rectify, "rectification.plan")
            .await?;
        self.load_item(actor, id, "rectification.plan").await?;
        let mut tx = self.db().write().await?;
        let (item, next) = self
            .item_for_change(&mut tx, actor, id, version, Action::Plan)
            .await?;
        if !store::delete_measure(&mut tx, id, measure_id).await? {
            return Err(ServiceError::invalid(
                "content",
                "已完成或已有进展记录的措施不能删除",
            ));
        }
        let change = Self::keep(&item, next);
        self.record_step(
            &mut tx,
            actor,
            &item,
            Action::Plan,
            change,
            Some("删除措施"),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reports progress with evidence (a reference, files, or both), finishing a measure if
    /// named. Files are checked by type and kept with their SM3 digest.
    pub async fn report_progress(
        &self,
        actor: &Actor,
        id: i64,
        form: &ReportForm,
        uploads: &[Upload<'_>],
    ) -> ServiceResult<()> {
        self.require(actor, Permission::Rectify, "rectification.report")
            .await?;
        self.load_item(actor, id, "rectification.report").await?;
        let mut e = FieldErrors::new();
        let progress = text_field(&form.progress, "整改进展", LONG, "progress", &mut e);
        let evidence = e
            .check(
                "evidence",
                text::optional(&form.evidence, "佐证材料说明", SHORT * 5),
            )
            .flatten();
        if uploads.len() > MAX_FILES {
            e.add("file", format!("每次最多上传{MAX_FILES}个文件"));
        }
        let mut checked = Vec::new();
        for upload in uploads {
            match check_upload(upload) {
                Ok((name, mime)) => checked.push((name, mime, upload.bytes)),
                Err(m) => e.add("file", m),
            }
        }
        if form.finishes.is_some() && evidence.is_none() && checked.is_empty() {
            e.add("evidence", "完成措施须附佐证材料（文件或材料说明）");
        }
        invalid(e)?;
        let root = if checked.is_empty() {
            None
        } else {
            Some(self.attachment_root()?.clone())
        };
        let today = self.clock().today();
        let mut tx = self.db().write().await?;
        let (item, next) = self
            .item_for_change(&mut tx, actor, id, form.version, Action::Report)
            .await?;
        if let Some(m) = form.finishes
            && !store::finish_measure(&mut tx, id, m, today).await?
        {
            return Err(ServiceError::invalid(
                "finishes",
                "该措施已完成或不属于本整改事项",
            ));
        }
        let change = Self::keep(&item, next);
        let event_id = self
            .record_step(
                &mut tx,
                actor,
                &item,
                Action::Report,
                change,
                Some(&progress),
                evidence.as_deref(),
                form.finishes,
            )
            .await?;
        let mut written = Vec::new();
        let result = async {
            if let Some(root) = &root {
                for (name, mime, bytes) in &checked {
                    let stored_name = format!("r{}-{}", id, crate::secret::random_token());
                    let path = root.join(&stored_name);
                    crate::attachments::write_private(root, &path, bytes)?;
                    written.push(path);
                    let digest = hex::encode(Sm3::digest(bytes));
                    store::insert_file(
                        &mut tx,
                        &NewFile {
                            event_id,
                            rectification_id: id,
                            file_name: name,
                            content_type: mime,
                            size: bytes.len() as i64,
                            digest: &digest,
                            stored_name: &stored_name,
                        },
                    )
                    .await?;
                }
            }
            tx.commit().await?;
            Ok::<(), ServiceError>(())
        }
        .await;
        if result.is_err() {
            // Nothing half-written: the files go with the report that failed.
            for path in written {
                let _ = std::fs::remove_file(path);
            }
        }
        result
    }

    /// Claims the item rectified, when cause, measures and evidence are all there.
    pub async fn claim_rectified(
        &self,
        actor: &Actor,
        id: i64,
        form: &DecisionForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::Rectify, "rectification.claim")
            .await?;
        self.load_item(actor, id, "rectification.claim").await?;
        let note = text::required(&form.note, "整改完成情况", LONG)
            .map_err(|e| ServiceError::invalid("note", e.to_string()))?;
        let mut tx = self.db().write().await?;
        let (item, next) = self
            .item_for_change(&mut tx, actor, id, form.version, Action::Claim)
            .await?;
        let measures = store::measures(&mut tx, id).await?;
        let events = store::events(&mut tx, id).await?;
        let files = store::files(&mut tx, id).await?;
        let gaps = claim_gaps(readiness(&item, &measures, &events, &files));
        if !gaps.is_empty() {
            let mut e = FieldErrors::new();
            for (field, message) in gaps {
                e.add(field, message);
            }
            return Err(ServiceError::Invalid(e));
        }
        let change = ItemChange {
            claimed_by: actor.account_id,
            ..Self::keep(&item, next)
        };
        self.record_step(
            &mut tx,
            actor,
            &item,
            Action::Claim,
            change,
            Some(&note),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Accepts and signs off a claim (验收销号), or returns it with a reason: only from above
    /// the org, never by the claimant.
    pub async fn decide_claim(
        &self,
        actor: &Actor,
        id: i64,
        form: &DecisionForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::Rectify, "rectification.accept")
            .await?;
        self.load_item(actor, id, "rectification.accept").await?;
        let action = match form.decision.trim() {
            "accept" => Action::Accept,
            "return" => Action::Return,
            _ => return Err(ServiceError::invalid("decision", "请选择验收通过或退回")),
        };
        let label = if action == Action::Accept {
            "验收意见"
        } else {
            "退回原因"
        };
        let note = text::required(&form.note, label, LONG)
            .map_err(|e| ServiceError::invalid("note", e.to_string()))?;
        let today = self.clock().today();
        let mut tx = self.db().write().await?;
        let (item, next) = self
            .item_for_change(&mut tx, actor, id, form.version, action)
            .await?;
        let change = ItemChange {
            closed_on: (action == Action::Accept).then_some(today),
            claimed_by: if action == Action::Accept {
                item.claimed_by
            } else {
                None
            },
            ..Self::keep(&item, next)
        };
        self.record_step(
            &mut tx,
            actor,
            &item,
            action,
            change,
            Some(&note),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reopens a closed item after a follow-up review (回头看) found the problem back: its
    /// measures are open again, with a new deadline; the history stays.
    pub async fn reopen_rectification(
        &self,
        actor: &Actor,
        id: i64,
        form: &DecisionForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::Rectify, "rectification.reopen")
            .await?;
        self.load_item(actor, id, "rectification.reopen").await?;
        let mut e = FieldErrors::new();
        let note = text_field(&form.note, "回头看发现的问题", LONG, "note", &mut e);
        let deadline = date_field(&form.deadline, "deadline", &mut e);
        let today = self.clock().today();
        if deadline.is_some_and(|d| d <= today) {
            e.add("deadline", "新的整改时限须晚于今天");
        }
        invalid(e)?;
        let Some(deadline) = deadline else {
            return Err(ServiceError::invalid("deadline", "请填写新的整改时限"));
        };
        let mut tx = self.db().write().await?;
        let (item, next) = self
            .item_for_change(&mut tx, actor, id, form.version, Action::Reopen)
            .await?;
        store::unfinish_measures(&mut tx, id).await?;
        let change = ItemChange {
            claimed_by: None,
            closed_on: None,
            deadline,
            ..Self::keep(&item, next)
        };
        self.record_step(
            &mut tx,
            actor,
            &item,
            Action::Reopen,
            change,
            Some(&note),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An evidence file of an item the actor may see, with its bytes (checked against the
    /// digest recorded at upload).
    pub async fn evidence_file(
        &self,
        actor: &Actor,
        id: i64,
        file_id: i64,
    ) -> ServiceResult<(FileRow, Vec<u8>)> {
        self.require(actor, Permission::ReadRectification, "rectification.view")
            .await?;
        self.load_item(actor, id, "rectification.view").await?;
        let mut tx = self.db().read().await?;
        let row = store::files(&mut tx, id)
            .await?
            .into_iter()
            .find(|f| f.id == file_id)
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        let bytes = self.read_kept_file(&row.stored_name, &row.digest)?;
        Ok((row, bytes))
    }

    /// The actor's rectification to-do list: measures their member carries at a colour that
    /// reaches them (green the person, yellow also the leader, red also the org's secretary),
    /// claims waiting for their acceptance, and the open items of their scope that are due.
    pub async fn rectification_todo(&self, actor: &Actor) -> ServiceResult<Todo> {
        self.require(actor, Permission::ReadRectification, "rectification.todo")
            .await?;
        let today = self.clock().today();
        let escalation = self.rules().escalation;
        let member_id = self.actor_member(actor).await?;
        let mut todo = Todo::default();
        let mut tx = self.db().read().await?;
        if let Some(member_id) = member_id {
            for m in store::measures_of_member(&mut tx, member_id).await? {
                let Some(colour) = escalation.colour(m.content.deadline, today) else {
                    continue;
                };
                let as_ = if m.content.person_member_id == member_id {
                    Recipient::ResponsiblePerson
                } else {
                    Recipient::LeaderInCharge
                };
                if colour.recipients().contains(&as_) {
                    todo.measures.push(MeasureDue {
                        measure_id: m.id,
                        item_id: m.rectification_id,
                        content: m.content.content.clone(),
                        deadline: m.content.deadline,
                        colour,
                        as_,
                    });
                }
            }
            for t in dangjian_store::duty::open_tasks_of_member(&mut tx, member_id).await? {
                if let Some(colour) = escalation.colour(t.deadline, today) {
                    todo.tasks.push(TaskDue {
                        task_id: t.id,
                        title: t.title,
                        deadline: t.deadline,
                        colour,
                    });
                }
            }
            let orgs = store::secretary_of(&mut tx, member_id).await?;
            todo.as_secretary = store::overdue_of_orgs(&mut tx, &orgs, today)
                .await?
                .iter()
                .map(|i| self.rectification_item_view(i))
                .collect();
        }
        if actor.permits(Permission::Rectify) {
            // The items of the actor's own org are not theirs to accept: read more than are
            // shown, then keep those from below.
            let filter = ItemFilter {
                stage: Some(Stage::AwaitingAcceptance),
                limit: Some(OVERDUE_SHOWN * 2),
                ..ItemFilter::default()
            };
            todo.to_accept = store::items(&mut tx, &actor.scope, &filter)
                .await?
                .iter()
                .filter(|i| self.who(actor, i).is_above && i.claimed_by != actor.account_id)
                .take(OVERDUE_SHOWN as usize)
                .map(|i| self.rectification_item_view(i))
                .collect();
            let filter = ItemFilter {
                open_due_by: Some(today + Days::new(u64::from(escalation.green_days_before))),
                limit: Some(OVERDUE_SHOWN),
                ..ItemFilter::default()
            };
            todo.due = store::items(&mut tx, &actor.scope, &filter)
                .await?
                .iter()
                .map(|i| self.rectification_item_view(i))
                .collect();
        }
        tx.commit().await?;
        Ok(todo)
    }

    /// The overview of an org's subtree (by default the top of the actor's scope): items by
    /// state and by category; by org as the root's own and each org directly below it with
    /// its whole subtree (to drill down); and the most overdue items.
    pub async fn rectification_overview(
        &self,
        actor: &Actor,
        under: Option<i64>,
    ) -> ServiceResult<Overview> {
        let _permit = self.heavy(crate::limits::Heavy::Report, actor)?;
        self.require(actor, Permission::Rectify, "rectification.overview")
            .await?;
        let top = match &actor.scope {
            Scope::Subtree { org_id, .. } => Some(*org_id),
            _ => {
                let mut tx = self.db().read().await?;
                let root = dangjian_store::duty::first_root(&mut tx).await?;
                tx.commit().await?;
                root
            }
        };
        let root_id = under.or(top).ok_or(ServiceError::NotFound)?;
        let root = self
            .load_org(actor, root_id, "rectification.overview")
            .await?;
        let subtree = Scope::Subtree {
            org_id: root.id,
            path: root.path.clone(),
        };
        let today = self.clock().today();
        let escalation = self.rules().escalation;
        let mut tx = self.db().read().await?;
        // A root org's subtree is read as the whole tree (no join), then kept to the
        // subtree's orgs below, in case there are other roots.
        let read_scope = if root.parent_id.is_none() {
            Scope::Everything
        } else {
            subtree.clone()
        };
        let facts = store::item_facts(&mut tx, &read_scope).await?;
        let categories: HashMap<i64, FindingCategory> = store::finding_categories(&mut tx)
            .await?
            .into_iter()
            .collect();
        let depth = root.path.depth();
        // Each org of the subtree counts toward the org directly below the root on its path,
        // or toward the root's own line.
        let line_of: HashMap<i64, i64> = store::subtree_paths(&mut tx, &root.path)
            .await?
            .into_iter()
            .map(|(id, path)| (id, path.ids().get(depth + 1).copied().unwrap_or(root.id)))
            .collect();
        let children = orgs::child_names(&mut tx, root.id).await?;
        let filter = ItemFilter {
            open_due_by: today.pred_opt(),
            limit: Some(OVERDUE_SHOWN),
            ..ItemFilter::default()
        };
        let overdue = store::items(&mut tx, &subtree, &filter).await?;
        tx.commit().await?;
        let mut by_state = Counts::default();
        let mut by_category: BTreeMap<FindingCategory, Counts> = BTreeMap::new();
        let mut rolled: HashMap<i64, Counts> = HashMap::new();
        for fact in &facts {
            let Some(line) = line_of.get(&fact.org_id) else {
                continue;
            };
            let state = fact.stage.state(fact.due_on, today, &escalation);
            by_state.add(state, 1);
            rolled.entry(*line).or_default().add(state, 1);
            if let Some(category) = categories.get(&fact.finding_id) {
                by_category.entry(*category).or_default().add(state, 1);
            }
        }
        let mut by_org = Vec::new();
        if let Some(own) = rolled.remove(&root.id) {
            by_org.push((root.id, format!("{}（本级）", root.name), own));
        }
        for (id, name) in children {
            if let Some(c) = rolled.remove(&id) {
                by_org.push((id, name, c));
            }
        }
        Ok(Overview {
            at_top: Some(root.id) == top,
            root,
            by_state,
            by_org,
            by_category: by_category.into_iter().collect(),
            overdue: overdue
                .iter()
                .map(|i| self.rectification_item_view(i))
                .collect(),
        })
    }
}

/// What a claim on this item has behind it: evidence counts reports since the item was last
/// reopened that carry a reference or a file.
fn readiness(
    item: &ItemRow,
    measures: &[MeasureRow],
    events: &[EventRow],
    files: &[FileRow],
) -> Readiness {
    let since = events
        .iter()
        .rev()
        .find(|e| e.action == "reopen")
        .map_or(0, |e| e.id);
    let evidence = events
        .iter()
        .filter(|e| e.id > since && e.action == "report")
        .filter(|e| e.evidence.is_some() || files.iter().any(|f| f.event_id == e.id))
        .count();
    Readiness {
        has_cause_analysis: item.cause.as_deref().is_some_and(|c| !c.trim().is_empty()),
        measures: measures.len(),
        unfinished_measures: measures.iter().filter(|m| m.done_on.is_none()).count(),
        evidence,
    }
}

/// The columns of the rectification ledger (整改台账).
pub const LEDGER_HEADINGS: [&str; 14] = [
    "问题序号",
    "反馈问题",
    "问题类别",
    "整改单位",
    "原因分析",
    "整改措施",
    "责任领导",
    "责任单位",
    "责任人",
    "完成时限",
    "措施完成",
    "整改状态",
    "佐证材料",
    "销号日期",
];

/// The rectification ledger of an inspection: one row per measure (or per item without
/// measures), generated from the records the actor may see.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub inspection: InspectionRow,
    pub rows: Vec<[String; 14]>,
    pub items: usize,
}

/// A report's evidence as the ledger cites it: the reference and the files' names.
fn evidence_of(report: &EventRow, files: &[FileRow]) -> Vec<String> {
    let mut out: Vec<String> = report.evidence.iter().cloned().collect();
    out.extend(
        files
            .iter()
            .filter(|f| f.event_id == report.id)
            .map(|f| f.file_name.clone()),
    );
    out
}

impl Services {
    /// The ledger of an inspection, as the actor's scope sees it: read in a handful of
    /// queries whatever the number of items.
    pub async fn rectification_ledger(
        &self,
        actor: &Actor,
        inspection_id: i64,
    ) -> ServiceResult<Ledger> {
        self.require(actor, Permission::ReadRectification, "inspection.view")
            .await?;
        let inspection = self
            .visible_inspection(actor, inspection_id, "inspection.view")
            .await?;
        let scope = &actor.scope;
        let filter = ItemFilter {
            inspection_id: Some(inspection_id),
            ..ItemFilter::default()
        };
        let mut tx = self.db().read().await?;
        let items = store::items(&mut tx, scope, &filter).await?;
        let measures = store::measures_of_inspection(&mut tx, scope, inspection_id).await?;
        let reports = store::reports_of_inspection(&mut tx, scope, inspection_id).await?;
        let files = store::files_of_inspection(&mut tx, scope, inspection_id).await?;
        tx.commit().await?;
        let mut measures_of: HashMap<i64, Vec<&MeasureRow>> = HashMap::new();
        for m in &measures {
            measures_of.entry(m.rectification_id).or_default().push(m);
        }
        let mut reports_of: HashMap<i64, Vec<&EventRow>> = HashMap::new();
        for r in &reports {
            reports_of.entry(r.rectification_id).or_default().push(r);
        }
        let mut rows = Vec::new();
        for item in &items {
            let view = self.rectification_item_view(item);
            let reports = reports_of.remove(&item.id).unwrap_or_default();
            // Evidence not tied to a measure is cited on the item's first row.
            let mut general: Vec<String> = reports
                .iter()
                .filter(|e| e.measure_id.is_none())
                .flat_map(|e| evidence_of(e, &files))
                .collect();
            let row = |m: Option<&MeasureRow>, evidence: Vec<String>| -> [String; 14] {
                let text = |f: fn(&MeasureRow) -> String| m.map(f).unwrap_or_default();
                [
                    format!("问题{}", item.finding_position),
                    item.problem.clone(),
                    item.category.label().to_owned(),
                    item.org_name.clone(),
                    item.cause.clone().unwrap_or_default(),
                    text(|m| format!("{}. {}", m.position, m.content.content)),
                    text(|m| m.leader_name.clone()),
                    text(|m| m.org_name.clone()),
                    text(|m| m.person_name.clone()),
                    text(|m| m.content.deadline.to_string()),
                    text(|m| match m.done_on {
                        Some(on) => format!("{on}完成"),
                        None => "未完成".to_owned(),
                    }),
                    view.state.label().to_owned(),
                    evidence.join("；"),
                    item.closed_on.map(|d| d.to_string()).unwrap_or_default(),
                ]
            };
            let mine = measures_of.remove(&item.id).unwrap_or_default();
            if mine.is_empty() {
                rows.push(row(None, general));
                continue;
            }
            for m in mine {
                let mut evidence = std::mem::take(&mut general);
                evidence.extend(
                    reports
                        .iter()
                        .filter(|e| e.measure_id == Some(m.id))
                        .flat_map(|e| evidence_of(e, &files)),
                );
                rows.push(row(Some(m), evidence));
            }
        }
        Ok(Ledger {
            inspection,
            rows,
            items: items.len(),
        })
    }

    /// The ledger as a spreadsheet, audited.
    pub async fn rectification_ledger_xlsx(
        &self,
        actor: &Actor,
        inspection_id: i64,
    ) -> ServiceResult<Vec<u8>> {
        let _permit = self.heavy(crate::limits::Heavy::Export, actor)?;
        let ledger = self.rectification_ledger(actor, inspection_id).await?;
        let sheet = crate::excel::Sheet {
            name: "整改台账".to_owned(),
            title: format!("{} 整改台账", ledger.inspection.title),
            headings: LEDGER_HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
            rows: ledger
                .rows
                .iter()
                .map(|r| r.iter().cloned().map(crate::excel::Cell::Text).collect())
                .collect(),
        };
        let (login, now) = (actor.login.clone(), self.clock().now());
        let bytes =
            crate::off_workers(move || crate::excel::workbook(&[sheet], &login, now)).await?;
        self.record_rectification_ledger_export(actor, &ledger, "xlsx")
            .await?;
        Ok(bytes)
    }

    /// The ledger as a Word document, audited.
    pub async fn rectification_ledger_docx(
        &self,
        actor: &Actor,
        inspection_id: i64,
    ) -> ServiceResult<Vec<u8>> {
        let _permit = self.heavy(crate::limits::Heavy::Export, actor)?;
        use crate::docx::Block;
        let ledger = self.rectification_ledger(actor, inspection_id).await?;
        let i = &ledger.inspection;
        let blocks = [
            Block::Paragraph(format!(
                "检查组：{}；检查时间：{} 至 {}；反馈文件：{}（{}）。",
                i.inspector, i.inspected_from, i.inspected_to, i.feedback_ref, i.feedback_on
            )),
            Block::Table {
                headings: LEDGER_HEADINGS.iter().map(|h| (*h).to_owned()).collect(),
                rows: ledger.rows.iter().map(|r| r.to_vec()).collect(),
            },
        ];
        let title = format!("{} 整改台账", i.title);
        let (login, now) = (actor.login.clone(), self.clock().now());
        let bytes =
            crate::off_workers(move || crate::docx::document(&title, &blocks, &login, now)).await?;
        self.record_rectification_ledger_export(actor, &ledger, "docx")
            .await?;
        Ok(bytes)
    }

    async fn record_rectification_ledger_export(
        &self,
        actor: &Actor,
        ledger: &Ledger,
        format: &str,
    ) -> ServiceResult<()> {
        let event = Event::new("rectification.ledger_export")
            .object("inspection", ledger.inspection.id)
            .detail(json!({ "format": format, "items": ledger.items, "rows": ledger.rows.len() }));
        self.record(actor, event).await
    }
}
