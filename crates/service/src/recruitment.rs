//! 发展党员 (issue 18, the path and the pipeline): a branch records an application, then each
//! of the twenty-five steps on its day, checked by the rules of the version the person started
//! under (in order, not before what it follows, at its time) and kept with how late it was;
//! the half-yearly reviews of an activist and the 公示 before 确定发展对象; the pipeline of the
//! orgs in scope lists everyone on the path with the next step due, the overdue first.

use chrono::NaiveDate;
use dangjian_core::field::FieldErrors;
use dangjian_core::member::{Gender, PoliceNumber, parse_date};
use dangjian_core::recruitment::{
    Due, Path, RecruitmentRules, RuleVersion, Stage, Step, check_step, days_late, deadlines,
    next_review,
};
use dangjian_core::role::Permission;
use dangjian_store::recruitment::{self as store, NewRecruit, RecruitRow, StepRow};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::care::day_or_today;
use crate::error::{ServiceError, ServiceResult};
use crate::orglife::{optional, required};
use crate::rectification::invalid;
use crate::scope::org_by_code;

const NAME: usize = 50;
const LONG: usize = 1000;
const STALE: &str = "该记录已被他人修改，请刷新后重试";

/// An application as the branch records it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApplicantForm {
    /// The code of the org that received the application.
    pub org: String,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub police_number: String,
    /// The day of the application; today when empty.
    pub applied_on: String,
}

/// A step done.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StepForm {
    pub version: i64,
    pub step: String,
    /// Today when empty.
    pub on: String,
    pub note: String,
}

/// A half-yearly review of an activist, or the start of the 公示.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatedNoteForm {
    pub on: String,
    pub note: String,
}

/// A person's path as their page shows it.
#[derive(Debug, Clone)]
pub struct RecruitPath {
    pub recruit: RecruitRow,
    pub rules: RecruitmentRules,
    pub path: Path,
    pub steps: Vec<StepRow>,
    /// What is due now, the earliest first.
    pub deadlines: Vec<Due>,
    /// The activist's next half-yearly review.
    pub next_review: Option<NaiveDate>,
    /// The steps that may be recorded next (all they follow are done).
    pub next: Vec<Step>,
}

/// What is due next on a path: a step, or the activist's review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextDue {
    /// A step's code, or `activist_review`.
    pub what: String,
    pub label: String,
    pub by: NaiveDate,
}

/// A line of the pipeline.
#[derive(Debug, Clone)]
pub struct PipelineLine {
    pub recruit: RecruitRow,
    pub stage: Stage,
    /// The steps that may be recorded now.
    pub next: Vec<Step>,
    /// The earliest deadline, if any.
    pub due: Option<NextDue>,
    pub overdue: bool,
    /// The approval passed its longest limit: admission must be done again.
    pub lapsed: bool,
}

/// The earliest of a path's deadlines and its next review.
fn earliest(path: &Path, rules: &RecruitmentRules) -> Option<NextDue> {
    deadlines(path, rules)
        .into_iter()
        .map(|d| NextDue {
            what: d.step.code().to_owned(),
            label: rules.step_label(d.step).to_owned(),
            by: d.by,
        })
        .chain(next_review(path, rules).map(|by| NextDue {
            what: "activist_review".to_owned(),
            label: "入党积极分子考察".to_owned(),
            by,
        }))
        .min_by_key(|d| d.by)
}

fn path_of(recruit: &RecruitRow, steps: &[StepRow], reviews: Vec<NaiveDate>) -> Path {
    Path {
        birth_date: Some(recruit.birth_date),
        done: steps.iter().map(|s| (s.step, s.done_on)).collect(),
        publicity_from: recruit.publicity_from,
        reviews,
        extension_months: recruit.extension_months,
    }
}

impl Services {
    /// The rules a person's path is checked by: the version they started under, with the
    /// numbers of the rules file in force.
    fn recruitment_rules(&self, version: RuleVersion) -> RecruitmentRules {
        RecruitmentRules::version(self.rules(), version)
    }

    /// A person on the path in scope (audited when out of scope).
    async fn recruit_in_scope(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<RecruitRow> {
        self.require(actor, Permission::WriteMembers, event).await?;
        let mut tx = self.db().read().await?;
        let found = store::get(&mut tx, id).await?;
        tx.commit().await?;
        match found {
            Some(r) if actor.scope.covers_org(&r.branch_path) => Ok(r),
            Some(_) => Err(self.out_of_scope(actor, event, "recruit", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// Records an application (step 1) at an org in scope: the applicant at least eighteen on
    /// the day (R4.2). The path follows the rules version in force that day.
    pub async fn add_applicant(&self, actor: &Actor, form: &ApplicantForm) -> ServiceResult<i64> {
        self.require(actor, Permission::WriteMembers, "recruit.add")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let name = required(&form.name, "姓名", NAME, "name", &mut e);
        let gender = Gender::from_code(form.gender.trim());
        if gender.is_none() {
            e.add("gender", "请选择性别");
        }
        let birth = match parse_date(&form.birth_date) {
            Ok(day) => Some(day),
            Err(err) => {
                e.add("birth_date", err.to_string());
                None
            }
        };
        let police_number = match form.police_number.trim() {
            "" => None,
            text => match PoliceNumber::parse(text) {
                Ok(n) => Some(n.as_str().to_owned()),
                Err(err) => {
                    e.add("police_number", err.to_string());
                    None
                }
            },
        };
        let applied_on = day_or_today(&form.applied_on, today, "applied_on", &mut e);
        let book = self.rule_book();
        let version = RecruitmentRules::of(book.on(applied_on)).version;
        let rules = self.recruitment_rules(version);
        if let Some(birth) = birth {
            let path = Path {
                birth_date: Some(birth),
                ..Path::default()
            };
            if let Err((_, message)) =
                check_step(Step::Application, applied_on, today, &path, &rules)
            {
                e.add("applied_on", message);
            }
        }
        let mut tx = self.db().write().await?;
        let org = match org_by_code(&mut tx, actor, &form.org, "org").await {
            Ok(org) if !org.kind.holds_members() => {
                e.add("org", "入党申请由党支部（或党总支）接收");
                None
            }
            Ok(org) => Some(org),
            Err(ServiceError::Invalid(errors)) => {
                for error in errors.iter() {
                    e.add("org", error.message.clone());
                }
                None
            }
            Err(other) => return Err(other),
        };
        invalid(e)?;
        let (Some(org), Some(gender), Some(birth)) = (org, gender, birth) else {
            return Err(ServiceError::invalid("name", "请填写姓名"));
        };
        // A second click of the same form, or the same person twice.
        if store::on_path(&mut tx, org.id, &name, birth).await? {
            return Err(ServiceError::invalid(
                "name",
                format!("{name}（{birth}出生）已在{}的发展名单中", org.name),
            ));
        }
        let id = store::insert(
            &mut tx,
            &NewRecruit {
                branch_id: org.id,
                name: &name,
                gender,
                birth_date: birth,
                police_number: police_number.as_deref(),
                rule_version: version,
                created_by: &actor.login,
            },
            now,
        )
        .await?;
        if !store::insert_step(
            &mut tx,
            id,
            1,
            Step::Application,
            applied_on,
            "",
            None,
            &actor.login,
            now,
        )
        .await?
        {
            return Err(ServiceError::Internal(
                "a new person's first version".to_owned(),
            ));
        }
        let event = Event::new("recruit.add").object("recruit", id).detail(
            json!({ "org": org.id, "applied_on": applied_on.to_string(), "rules": version.code() }),
        );
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A person's path: the steps recorded, what is due, and what may come next.
    pub async fn recruit_path(&self, actor: &Actor, id: i64) -> ServiceResult<RecruitPath> {
        let recruit = self.recruit_in_scope(actor, id, "recruit.view").await?;
        let mut tx = self.db().read().await?;
        let steps = store::steps(&mut tx, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let reviews = store::reviews(&mut tx, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        tx.commit().await?;
        let rules = self.recruitment_rules(recruit.rule_version);
        let path = path_of(&recruit, &steps, reviews);
        Ok(RecruitPath {
            next: path.next_steps(),
            next_review: next_review(&path, &rules),
            deadlines: deadlines(&path, &rules),
            recruit,
            rules,
            path,
            steps,
        })
    }

    /// Records a step of a person in scope on its day, checked by their rules, with how late
    /// it came.
    pub async fn record_recruit_step(
        &self,
        actor: &Actor,
        id: i64,
        form: &StepForm,
    ) -> ServiceResult<()> {
        self.recruit_in_scope(actor, id, "recruit.step").await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let step = Step::from_code(form.step.trim());
        if step.is_none() {
            e.add("step", "请选择步骤");
        }
        let on = day_or_today(&form.on, today, "on", &mut e);
        let note = optional(&form.note, "说明", LONG, "note", &mut e).unwrap_or_default();
        invalid(e)?;
        let Some(step) = step else {
            return Err(ServiceError::invalid("step", "请选择步骤"));
        };
        let mut tx = self.db().write().await?;
        // Read again in the transaction that writes: what was checked is what is written to.
        let recruit = store::get(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if recruit.version != form.version {
            return Err(ServiceError::conflict("version", STALE));
        }
        if recruit.status != "active" {
            return Err(ServiceError::invalid("step", "已不在发展过程中"));
        }
        let rules = self.recruitment_rules(recruit.rule_version);
        let steps = store::steps(&mut tx, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let reviews = store::reviews(&mut tx, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let path = path_of(&recruit, &steps, reviews);
        check_step(step, on, today, &path, &rules).map_err(|(f, m)| ServiceError::invalid(f, m))?;
        let late = days_late(step, on, &path, &rules);
        if !store::insert_step(
            &mut tx,
            id,
            form.version,
            step,
            on,
            &note,
            late,
            &actor.login,
            now,
        )
        .await?
        {
            return Err(ServiceError::conflict("version", STALE));
        }
        // The last step ends the path: the person is a full member, off the pipeline.
        if step == Step::Archive {
            store::set_status(&mut tx, id, "full").await?;
        }
        let event = Event::new("recruit.step")
            .object("recruit", id)
            .detail(json!({ "step": step.code(), "on": on.to_string(), "days_late": late }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a half-yearly review of an activist (R4.7), or the first day of the 公示
    /// before 确定发展对象 (`publicity`).
    pub async fn note_recruit(
        &self,
        actor: &Actor,
        id: i64,
        publicity: bool,
        form: &DatedNoteForm,
    ) -> ServiceResult<()> {
        self.recruit_in_scope(actor, id, "recruit.step").await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        // Not after today (the day's own check).
        let on = day_or_today(&form.on, today, "on", &mut e);
        let note = if publicity {
            String::new()
        } else {
            optional(&form.note, "考察意见", LONG, "note", &mut e).unwrap_or_default()
        };
        invalid(e)?;
        let mut tx = self.db().write().await?;
        let recruit = store::get(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if recruit.status != "active" {
            return Err(ServiceError::invalid("on", "已不在发展过程中"));
        }
        let steps = store::steps(&mut tx, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let done = |step: Step| steps.iter().any(|s| s.step == step);
        let started = steps
            .iter()
            .find(|s| s.step == Step::ActivistChosen)
            .map(|s| s.done_on);
        if started.is_none_or(|day| day > on) || done(Step::CandidateChosen) {
            return Err(ServiceError::invalid(
                "on",
                "只有入党积极分子（确定之日以后、列为发展对象之前）才有考察和公示",
            ));
        }
        if publicity {
            store::set_publicity(&mut tx, recruit.id, on).await?;
        } else {
            store::insert_review(&mut tx, recruit.id, on, &note, &actor.login, now).await?;
        }
        let event = Event::new("recruit.step")
            .object("recruit", id)
            .detail(json!({
                "step": if publicity { "publicity" } else { "review" }, "on": on.to_string(),
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Everyone on the path in scope, with their stage and earliest deadline: the overdue
    /// first, then by the day due.
    pub async fn recruitment_pipeline(&self, actor: &Actor) -> ServiceResult<Vec<PipelineLine>> {
        self.require(actor, Permission::WriteMembers, "recruit.view")
            .await?;
        let today = self.clock().today();
        let mut tx = self.db().read().await?;
        let recruits = store::active(&mut tx, &actor.scope).await?;
        let ids: Vec<i64> = recruits.iter().map(|r| r.id).collect();
        let mut steps = store::steps(&mut tx, &ids).await?;
        let mut reviews = store::reviews(&mut tx, &ids).await?;
        tx.commit().await?;
        let mut lines: Vec<PipelineLine> = recruits
            .into_iter()
            .map(|recruit| {
                let rules = self.recruitment_rules(recruit.rule_version);
                let own = steps.remove(&recruit.id).unwrap_or_default();
                let path = path_of(
                    &recruit,
                    &own,
                    reviews.remove(&recruit.id).unwrap_or_default(),
                );
                let due = earliest(&path, &rules);
                PipelineLine {
                    stage: path.stage(),
                    next: path.next_steps(),
                    overdue: due.as_ref().is_some_and(|d| d.by < today),
                    lapsed: deadlines(&path, &rules)
                        .iter()
                        .any(|d| d.lapses.is_some_and(|l| l < today)),
                    due,
                    recruit,
                }
            })
            .collect();
        lines.sort_by_key(|l| (!l.overdue, l.due.is_none(), l.due.as_ref().map(|d| d.by)));
        Ok(lines)
    }
}
