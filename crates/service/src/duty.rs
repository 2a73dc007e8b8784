//! The responsibility system (党建工作责任制) as data: each org's responsibility list, its
//! annual work plans broken into tasks and sub-tasks with owner, timetable and roadmap, tasks
//! issued to many sub-orgs at once (each keeping its own progress), progress reports, the
//! same escalation colours as rectification, and the secretary's annual duty-report pack
//! (抓党建述职) assembled from the records.

use std::collections::BTreeMap;

use dangjian_core::duty::{DutyKind, TaskFacts, TaskState, check_timetable};
use dangjian_core::field::FieldErrors;
use dangjian_core::member::{MemberRef, parse_date};
use dangjian_core::org::{Code, OrgPath};
use dangjian_core::rectification::{Colour, State};
use dangjian_core::role::{Permission, Scope};
use dangjian_core::text;
use dangjian_store::duty::{self as store, NewTask};
use dangjian_store::rectification::{self as rect_store, ItemFilter, Milestone};
use dangjian_store::{Conn, orgs};
use serde::Deserialize;
use serde_json::json;

pub use dangjian_store::duty::{DutyRow, PlanRow, ReportRow, TaskRow};

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::orgs::Org;
use crate::rectification::{Counts, parse_milestones};

const SHORT: usize = 100;
const LONG: usize = 2000;
/// At most this many orgs a task is issued to at once.
const MAX_ISSUE: usize = 500;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DutyForm {
    /// `primary_responsibility`, `first_responsible` or `dual_duty`.
    pub kind: String,
    /// 警号 of the secretary or leader (not for primary responsibility).
    pub police_number: String,
    pub content: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlanForm {
    pub year: String,
    pub title: String,
}

/// A task as written. Without `orgs` it is the owner org's own; with codes, it is issued: the
/// owner's task plus one sub-task per named org, each keeping its own progress.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TaskForm {
    pub title: String,
    /// 警号 of the person responsible (optional).
    pub person: String,
    pub starts_on: String,
    pub deadline: String,
    /// One milestone a line: `2027-01-15 内容`.
    pub milestones: String,
    pub orgs: String,
    /// An item of the owner org's responsibility list the task carries out.
    pub duty: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TaskReportForm {
    pub note: String,
    /// The task is finished with this report.
    pub finished: bool,
}

/// A task with its state on the clock.
#[derive(Debug, Clone)]
pub struct TaskView {
    pub task: TaskRow,
    pub state: TaskState,
    pub colour: Option<Colour>,
}

/// An org's responsibility board for a year.
#[derive(Debug, Clone)]
pub struct Board {
    pub org: Org,
    pub year: i32,
    pub duties: Vec<DutyRow>,
    /// The org's plans, each with its tasks in tree order (parents before children).
    pub plans: Vec<(PlanRow, Vec<TaskView>)>,
    /// Tasks the org owns in plans of orgs above it.
    pub received: Vec<TaskView>,
    pub can_edit: bool,
}

#[derive(Debug, Clone)]
pub struct TaskDetail {
    pub view: TaskView,
    pub milestones: Vec<Milestone>,
    pub children: Vec<TaskView>,
    pub reports: Vec<ReportRow>,
    /// The items of the responsibility lists (of its org and of the plan's) it carries out,
    /// and those it could still be linked to.
    pub duties: Vec<DutyRow>,
    pub other_duties: Vec<DutyRow>,
    /// The actor may report on it (its org, above it, or its person).
    pub can_report: bool,
    /// The actor may break it down or issue it further (its org or above).
    pub can_break_down: bool,
}

/// The secretary's annual duty-report pack of an org (抓党建述职).
#[derive(Debug, Clone)]
pub struct DutyReport {
    pub org: Org,
    pub year: i32,
    pub secretary: Option<String>,
    pub duties: Vec<DutyRow>,
    pub tasks: Vec<TaskView>,
    pub task_counts: BTreeMap<TaskState, usize>,
    /// Rectification items of the org and the orgs below it.
    pub rectification: Counts,
    pub open_items: Vec<crate::rectification::ItemView>,
    /// Organisational life of the org itself, where the rules require it of the org.
    pub org_life: Option<dangjian_core::compliance::Tally>,
}

impl Services {
    fn task_view(&self, task: TaskRow) -> TaskView {
        let facts = TaskFacts {
            starts_on: task.starts_on,
            deadline: task.deadline,
            done_on: task.done_on,
            reports: usize::try_from(task.reports).unwrap_or(0),
        };
        let today = self.clock().today();
        let escalation = &self.rules().escalation;
        TaskView {
            state: facts.state(today, escalation),
            colour: facts.colour(today, escalation),
            task,
        }
    }

    /// The org whose board a plain `/duty` opens: the account's own, or the top of the tree.
    pub async fn home_org(&self, actor: &Actor) -> ServiceResult<Option<i64>> {
        self.require(actor, Permission::Rectify, "duty.view")
            .await?;
        match &actor.scope {
            Scope::Subtree { org_id, .. } => Ok(Some(*org_id)),
            Scope::Everything => {
                let mut tx = self.db().read().await?;
                let root = store::first_root(&mut tx).await?;
                tx.commit().await?;
                Ok(root)
            }
            Scope::OwnRecord { .. } | Scope::Nothing => Ok(None),
        }
    }

    /// An org's responsibility list and work plans for a year.
    pub async fn duty_board(&self, actor: &Actor, org_id: i64, year: i32) -> ServiceResult<Board> {
        self.require(actor, Permission::Rectify, "duty.view")
            .await?;
        let org = self.load_org(actor, org_id, "duty.view").await?;
        crate::orglife::year_range(year)?;
        let mut tx = self.db().read().await?;
        let duties = store::duties(&mut tx, org.id).await?;
        let mut plans = Vec::new();
        for plan in store::plans(&mut tx, org.id, year).await? {
            let tasks = store::plan_tasks(&mut tx, plan.id).await?;
            plans.push((plan, tree_order(tasks)));
        }
        let received = store::tasks_of_org(&mut tx, org.id, year)
            .await?
            .into_iter()
            .filter(|t| t.plan_org_id != org.id)
            .collect::<Vec<_>>();
        tx.commit().await?;
        Ok(Board {
            duties,
            plans: plans
                .into_iter()
                .map(|(p, tasks)| {
                    let views = tasks.into_iter().map(|t| self.task_view(t)).collect();
                    (p, views)
                })
                .collect(),
            received: received.into_iter().map(|t| self.task_view(t)).collect(),
            can_edit: actor.permits(Permission::Rectify),
            year,
            org,
        })
    }

    /// Adds an item to an org's responsibility list. The first-responsible items name the
    /// org's current secretary; dual-duty items a current member of its committee.
    pub async fn add_duty(
        &self,
        actor: &Actor,
        org_id: i64,
        form: &DutyForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::Rectify, "duty.create")
            .await?;
        let org = self.load_org(actor, org_id, "duty.create").await?;
        let mut e = FieldErrors::new();
        let kind = DutyKind::from_code(form.kind.trim());
        if kind.is_none() {
            e.add("kind", "请选择责任类型");
        }
        let content = e
            .check("content", text::required(&form.content, "责任内容", LONG))
            .unwrap_or_default();
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let mut member_id = None;
        if let Some(kind) = kind.filter(|k| k.names_a_person()) {
            match scoped_member(&mut tx, actor, &form.police_number).await? {
                None => e.add(
                    "police_number",
                    "请填写承担责任的书记或班子成员的警号（须在您的管理范围内）",
                ),
                Some(id) => {
                    let posts = store::current_posts(&mut tx, org.id, id).await?;
                    let fits = match kind {
                        DutyKind::FirstResponsible => posts.iter().any(|p| p == "secretary"),
                        _ => !posts.is_empty(),
                    };
                    if fits {
                        member_id = Some(id);
                    } else if kind == DutyKind::FirstResponsible {
                        e.add("police_number", "第一责任人须是本组织现任书记");
                    } else {
                        e.add("police_number", "一岗双责须由本组织现任班子成员承担");
                    }
                }
            }
        }
        if !e.is_empty() {
            return Err(ServiceError::Invalid(e));
        }
        let Some(kind) = kind else {
            return Err(ServiceError::invalid("kind", "请选择责任类型"));
        };
        let id = store::insert_duty(
            &mut tx,
            org.id,
            kind,
            member_id,
            &content,
            &actor.login,
            now,
        )
        .await?;
        let event = Event::new("duty.create")
            .object("org", org.id)
            .detail(json!({ "duty": id, "kind": kind.code(), "member": member_id }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Starts an org's annual work plan.
    pub async fn create_work_plan(
        &self,
        actor: &Actor,
        org_id: i64,
        form: &PlanForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::Rectify, "plan.create")
            .await?;
        let org = self.load_org(actor, org_id, "plan.create").await?;
        let mut e = FieldErrors::new();
        let year = form
            .year
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y));
        if year.is_none() {
            e.add("year", "年度应为2000到2100之间的年份");
        }
        let title = e
            .check("title", text::required(&form.title, "计划名称", SHORT))
            .unwrap_or_default();
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        if let Some(year) = year
            && !title.is_empty()
            && store::plan_title_taken(&mut tx, org.id, year, &title).await?
        {
            e.add("title", "本年度已有同名的工作计划");
        }
        let Some(year) = year.filter(|_| e.is_empty()) else {
            return Err(ServiceError::Invalid(e));
        };
        let id = store::insert_plan(&mut tx, org.id, year, &title, &actor.login, now).await?;
        let event = Event::new("work_plan.create")
            .object("org", org.id)
            .detail(json!({ "plan": id, "year": year }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The org and year of a work plan in the actor's scope.
    pub async fn work_plan_org(&self, actor: &Actor, plan_id: i64) -> ServiceResult<(i64, i32)> {
        self.require(actor, Permission::Rectify, "task.create")
            .await?;
        let mut tx = self.db().read().await?;
        let plan = store::plan(&mut tx, plan_id).await?;
        tx.commit().await?;
        let plan = plan.ok_or(ServiceError::NotFound)?;
        self.load_org(actor, plan.org_id, "task.create").await?;
        Ok((plan.org_id, plan.year))
    }

    /// Adds a task to a plan (`parent` None) or below a task, and issues it to the named
    /// orgs (each at or below the owner), one task each. Returns the owner's task.
    pub async fn add_task(
        &self,
        actor: &Actor,
        plan_id: i64,
        parent: Option<i64>,
        form: &TaskForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::Rectify, "task.create")
            .await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let plan = store::plan(&mut tx, plan_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let plan_org = orgs::get(&mut tx, plan.org_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let parent = match parent {
            Some(id) => Some(
                store::task(&mut tx, id)
                    .await?
                    .filter(|t| t.plan_id == plan.id)
                    .ok_or(ServiceError::NotFound)?,
            ),
            None => None,
        };
        // Who owns the new task: the parent's org, or the plan's.
        let (owner_id, owner_path): (i64, OrgPath) = match &parent {
            Some(t) => (t.org_id, t.org_path.clone()),
            None => (plan_org.id, plan_org.path.clone()),
        };
        if !actor.scope.covers_org(&owner_path) {
            return Err(ServiceError::NotFound);
        }
        let mut e = FieldErrors::new();
        let title = e
            .check("title", text::required(&form.title, "任务名称", LONG))
            .unwrap_or_default();
        let starts_on = e.check("starts_on", parse_date(&form.starts_on));
        let deadline = e.check("deadline", parse_date(&form.deadline));
        if let (Some(from), Some(to)) = (starts_on, deadline)
            && let Err(m) =
                check_timetable(from, to, parent.as_ref().map(|p| (p.starts_on, p.deadline)))
        {
            e.add("deadline", m);
        }
        let milestones = parse_milestones(&form.milestones, deadline, &mut e);
        let person = if form.person.trim().is_empty() {
            None
        } else {
            let found = scoped_member(&mut tx, actor, &form.person).await?;
            if found.is_none() {
                e.add("person", crate::scope::NO_SUCH_MEMBER);
            }
            found
        };
        let mut issued: Vec<i64> = Vec::new();
        let codes: Vec<&str> = form
            .orgs
            .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .collect();
        if codes.len() > MAX_ISSUE {
            e.add("orgs", format!("一次最多下发给{MAX_ISSUE}个组织"));
        }
        for raw in codes.iter().take(MAX_ISSUE) {
            let org = match Code::parse(raw) {
                Ok(code) => orgs::by_code(&mut tx, code.as_str()).await?,
                Err(_) => None,
            };
            match org {
                Some(o)
                    if o.id != owner_id
                        && o.path.is_within(&owner_path)
                        && o.dissolved_on.is_none() =>
                {
                    if !issued.contains(&o.id) {
                        issued.push(o.id);
                    }
                }
                _ => e.add(
                    "orgs",
                    format!("组织编码{raw}不存在、已撤销，或不是承担组织的下级组织"),
                ),
            }
        }
        let duty = match form.duty {
            Some(d) => match store::duty(&mut tx, d).await? {
                Some((org_id, _)) if org_id == owner_id || org_id == plan_org.id => Some(d),
                _ => {
                    e.add("duty", "只能关联本组织责任清单中的事项");
                    None
                }
            },
            None => None,
        };
        if !e.is_empty() {
            return Err(ServiceError::Invalid(e));
        }
        let (Some(starts_on), Some(deadline)) = (starts_on, deadline) else {
            return Err(ServiceError::invalid("deadline", "请填写任务时间"));
        };
        let mut task = NewTask {
            plan_id: plan.id,
            parent_id: parent.as_ref().map(|p| p.id),
            org_id: owner_id,
            person_member_id: person,
            title: &title,
            starts_on,
            deadline,
            milestones: &milestones,
            created_by: &actor.login,
        };
        let id = store::insert_task(&mut tx, &task, now).await?;
        for org_id in &issued {
            task.parent_id = Some(id);
            task.org_id = *org_id;
            task.person_member_id = None;
            store::insert_task(&mut tx, &task, now).await?;
        }
        if let Some(d) = duty {
            store::link(&mut tx, d, id).await?;
        }
        let event = Event::new("task.create").object("task", id).detail(json!({
            "plan": plan.id, "parent": parent.as_ref().map(|p| p.id), "issued_to": issued, "duty": duty,
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Whether the actor's member is the person responsible for a task.
    async fn is_task_person(&self, actor: &Actor, task: &TaskRow) -> ServiceResult<bool> {
        let Some(person) = task.person_member_id else {
            return Ok(false);
        };
        Ok(self.actor_member(actor).await? == Some(person))
    }

    /// Whether the actor may see a task: its org is in scope, or they are its person.
    async fn may_see(&self, actor: &Actor, task: &TaskRow) -> ServiceResult<bool> {
        Ok(actor.scope.covers_org(&task.org_path) || self.is_task_person(actor, task).await?)
    }

    /// Whether the actor may report on a task: its org or one above it with the permission
    /// to do the work, or the person responsible for it (a member's own task).
    async fn may_report(&self, actor: &Actor, task: &TaskRow) -> ServiceResult<bool> {
        Ok(task.done_on.is_none()
            && ((actor.permits(Permission::Rectify) && actor.scope.covers_org(&task.org_path))
                || self.is_task_person(actor, task).await?))
    }

    /// A task the actor may see, or not found (audited when it exists).
    async fn load_task(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<TaskRow> {
        let mut tx = self.db().read().await?;
        let task = store::task(&mut tx, id).await?;
        tx.commit().await?;
        match task {
            Some(t) if self.may_see(actor, &t).await? => Ok(t),
            Some(_) => Err(self.out_of_scope(actor, event, "task", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// A task's page: its roadmap, the tasks below it with their own progress, reports and
    /// the duties it carries out.
    pub async fn task(&self, actor: &Actor, id: i64) -> ServiceResult<TaskDetail> {
        self.require(actor, Permission::ReadRectification, "task.view")
            .await?;
        let task = self.load_task(actor, id, "task.view").await?;
        let mut tx = self.db().read().await?;
        let milestones = store::milestones(&mut tx, id).await?;
        let children = store::children(&mut tx, id).await?;
        let reports = store::reports(&mut tx, id).await?;
        let mut all = store::duties(&mut tx, task.org_id).await?;
        // A task issued from above sits in the plan of an org the actor may not see: its
        // responsibility list is shown only to those whose scope covers that org.
        if task.plan_org_id != task.org_id {
            let plan_org = dangjian_store::orgs::get(&mut tx, task.plan_org_id).await?;
            if plan_org.is_some_and(|org| actor.scope.covers_org(&org.path)) {
                all.extend(store::duties(&mut tx, task.plan_org_id).await?);
            }
        }
        tx.commit().await?;
        let (duties, other_duties) = all.into_iter().partition(|d| d.task_ids.contains(&id));
        let writer = actor.permits(Permission::Rectify);
        Ok(TaskDetail {
            can_report: self.may_report(actor, &task).await?,
            can_break_down: writer && actor.scope.covers_org(&task.org_path),
            milestones,
            children: children
                .into_iter()
                .filter(|c| actor.scope.covers_org(&c.org_path))
                .map(|t| self.task_view(t))
                .collect(),
            reports,
            duties,
            other_duties,
            view: self.task_view(task),
        })
    }

    /// Reports progress on a task, finishing it if said so.
    pub async fn report_task(
        &self,
        actor: &Actor,
        id: i64,
        form: &TaskReportForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ReadRectification, "task.report")
            .await?;
        let task = self.load_task(actor, id, "task.report").await?;
        if !self.may_report(actor, &task).await? {
            return Err(ServiceError::invalid(
                "note",
                "任务已完成，或您不是该任务的承担组织或责任人",
            ));
        }
        let note = text::required(&form.note, "进展情况", LONG)
            .map_err(|e| ServiceError::invalid("note", e.to_string()))?;
        let now = self.clock().now();
        let today = self.clock().today();
        let mut tx = self.db().write().await?;
        let finish = form.finished.then_some(today);
        if !store::insert_report(&mut tx, id, &note, finish, &actor.login, now).await? {
            return Err(ServiceError::invalid("note", "任务已完成"));
        }
        let event = Event::new("task.report")
            .object("task", id)
            .detail(json!({ "finished": form.finished }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Links an item of a responsibility list to a task that carries it out.
    pub async fn link_duty(&self, actor: &Actor, duty_id: i64, task_id: i64) -> ServiceResult<()> {
        self.require(actor, Permission::Rectify, "duty.link")
            .await?;
        let task = self.load_task(actor, task_id, "duty.link").await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        match store::duty(&mut tx, duty_id).await? {
            Some((org_id, path))
                if actor.scope.covers_org(&path)
                    && (org_id == task.org_id || org_id == task.plan_org_id) => {}
            _ => {
                return Err(ServiceError::invalid(
                    "duty",
                    "只能关联任务所属组织责任清单中的事项",
                ));
            }
        }
        store::link(&mut tx, duty_id, task_id).await?;
        let event = Event::new("duty.link")
            .object("task", task_id)
            .detail(json!({ "duty": duty_id }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The duty-report pack of an org's secretary for a year, assembled from the records:
    /// the responsibility list, the year's tasks and their state, rectification of the org
    /// and the orgs below, and the org's own organisational life where it owes any.
    pub async fn duty_report(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
    ) -> ServiceResult<DutyReport> {
        self.require(actor, Permission::Rectify, "duty.report")
            .await?;
        let org = self.load_org(actor, org_id, "duty.report").await?;
        crate::orglife::year_range(year)?;
        let subtree = Scope::Subtree {
            org_id: org.id,
            path: org.path.clone(),
        };
        let mut tx = self.db().read().await?;
        let duties = store::duties(&mut tx, org.id).await?;
        let tasks = store::tasks_of_org(&mut tx, org.id, year).await?;
        let items = rect_store::items(&mut tx, &subtree, &ItemFilter::default()).await?;
        tx.commit().await?;
        let tasks: Vec<TaskView> = tasks.into_iter().map(|t| self.task_view(t)).collect();
        let mut task_counts = BTreeMap::new();
        for t in &tasks {
            *task_counts.entry(t.state).or_insert(0) += 1;
        }
        let mut rectification = Counts::default();
        let mut open_items = Vec::new();
        for item in &items {
            let view = self.rectification_item_view(item);
            rectification.add(view.state, 1);
            if item.stage.is_open() {
                open_items.push(view);
            }
        }
        let org_life = self
            .org_compliance(actor, org.id, year)
            .await
            .ok()
            .map(|c| c.tally)
            .filter(|t| !t.is_empty());
        let event = Event::new("duty.report")
            .object("org", org.id)
            .detail(json!({ "year": year }));
        self.record(actor, event).await?;
        Ok(DutyReport {
            secretary: org.secretary_name.clone(),
            org,
            year,
            duties,
            tasks,
            task_counts,
            rectification,
            open_items,
            org_life,
        })
    }

    /// The pack as a Word document.
    pub async fn duty_report_docx(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
    ) -> ServiceResult<Vec<u8>> {
        let _permit = self.heavy(crate::limits::Heavy::Export, actor)?;
        use crate::docx::Block;
        let r = self.duty_report(actor, org_id, year).await?;
        let mut blocks = vec![Block::Paragraph(format!(
            "{}书记：{}。本材料由平台记录自动汇集，供述职评议参考。",
            r.org.name,
            r.secretary.as_deref().unwrap_or("（空缺）")
        ))];
        blocks.push(Block::Heading("一、责任清单".to_owned()));
        blocks.push(Block::Table {
            headings: vec![
                "责任类型".into(),
                "承担人".into(),
                "内容".into(),
                "关联任务".into(),
            ],
            rows: r
                .duties
                .iter()
                .map(|d| {
                    vec![
                        d.kind.label().to_owned(),
                        d.member_name.clone().unwrap_or_else(|| "党组织".to_owned()),
                        d.content.clone(),
                        d.task_ids.len().to_string(),
                    ]
                })
                .collect(),
        });
        blocks.push(Block::Heading(format!("二、{}年工作任务", r.year)));
        blocks.push(Block::Paragraph(
            TaskState::ALL
                .iter()
                .map(|s| {
                    format!(
                        "{} {}",
                        s.label(),
                        r.task_counts.get(s).copied().unwrap_or(0)
                    )
                })
                .collect::<Vec<_>>()
                .join("，"),
        ));
        blocks.push(Block::Table {
            headings: vec![
                "任务".into(),
                "计划".into(),
                "时间".into(),
                "责任人".into(),
                "状态".into(),
            ],
            rows: r
                .tasks
                .iter()
                .map(|t| {
                    vec![
                        t.task.title.clone(),
                        t.task.plan_title.clone(),
                        format!("{} 至 {}", t.task.starts_on, t.task.deadline),
                        t.task.person_name.clone().unwrap_or_default(),
                        t.state.label().to_owned(),
                    ]
                })
                .collect(),
        });
        blocks.push(Block::Heading("三、问题整改".to_owned()));
        blocks.push(Block::Paragraph(
            State::ALL
                .iter()
                .map(|s| format!("{} {}", s.label(), r.rectification.get(*s)))
                .collect::<Vec<_>>()
                .join("，"),
        ));
        blocks.push(Block::Table {
            headings: vec!["问题".into(), "组织".into(), "状态".into(), "应完成".into()],
            rows: r
                .open_items
                .iter()
                .map(|i| {
                    vec![
                        i.problem.clone(),
                        i.org_name.clone(),
                        i.state.label().to_owned(),
                        i.due_on.to_string(),
                    ]
                })
                .collect(),
        });
        blocks.push(Block::Heading("四、组织生活".to_owned()));
        blocks.push(Block::Paragraph(match r.org_life {
            Some(t) => t.to_string(),
            None => "本组织不直接承担组织生活要求（见所属党支部台账）。".to_owned(),
        }));
        let title = format!("{} {}年抓党建工作述职材料", r.org.name, r.year);
        let (login, now) = (actor.login.clone(), self.clock().now());
        crate::off_workers(move || crate::docx::document(&title, &blocks, &login, now)).await
    }
}

/// Tasks with each parent before its children (ids grow, so a parent comes first by id;
/// this keeps children right under their parent).
fn tree_order(tasks: Vec<TaskRow>) -> Vec<TaskRow> {
    let mut out = Vec::with_capacity(tasks.len());
    let mut by_parent: BTreeMap<Option<i64>, Vec<TaskRow>> = BTreeMap::new();
    for t in tasks {
        by_parent.entry(t.parent_id).or_default().push(t);
    }
    fn walk(
        parent: Option<i64>,
        by: &mut BTreeMap<Option<i64>, Vec<TaskRow>>,
        out: &mut Vec<TaskRow>,
    ) {
        for t in by.remove(&parent).unwrap_or_default() {
            let id = t.id;
            out.push(t);
            walk(Some(id), by, out);
        }
    }
    walk(None, &mut by_parent, &mut out);
    out
}

/// A member named by 警号 within the actor's scope.
pub(crate) async fn scoped_member(
    conn: &mut Conn,
    actor: &Actor,
    raw: &str,
) -> ServiceResult<Option<i64>> {
    let Ok(reference) = MemberRef::parse(raw) else {
        return Ok(None);
    };
    Ok(crate::scope::member_by_ref(conn, &reference)
        .await?
        .filter(|m| actor.scope.covers_member(m.id, &m.branch_path))
        .map(|m| m.id))
}
