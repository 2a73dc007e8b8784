//! 发展党员 (issue 18, the path and the pipeline): a branch records an application, then each
//! of the twenty-five steps on its day, checked by the rules of the version the person started
//! under (in order, not before what it follows, at its time) and kept with how late it was;
//! the half-yearly reviews of an activist and the 公示 before 确定发展对象; the pipeline of the
//! orgs in scope lists everyone on the path with the next step due, the overdue first.

use chrono::NaiveDate;
use dangjian_core::field::FieldErrors;
use dangjian_core::id_number::IdNumber;
use dangjian_core::lifecycle::EventKind;
use dangjian_core::member::{Gender, MemberForm, parse_date};
use dangjian_core::recruitment::{
    Ballot, Counted, Due, Flows, Material, Path, RecruitmentRules, RuleVersion, Stage, Step,
    check_archive, check_contacts, check_extension, check_sponsors, check_step, check_training,
    check_vote, days_late, deadlines, flows, lapsed_on, missing_materials, next_review,
};
use dangjian_core::role::Permission;
use dangjian_store::orglife::{MeetingBrief, RollMember};
use dangjian_store::recruitment::{self as store, Held, NewFile, NewRecruit, NewStep};
pub use dangjian_store::recruitment::{
    FileRow, LapsedStep, PersonRow, RecruitBrief, RecruitRow, StepRow,
};
use dangjian_store::{Tx, members, orgs};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::care::day_or_today;
use crate::error::{ServiceError, ServiceResult, duplicate_to_field};
use crate::lifecycle::TransitionForm;
use crate::orglife::optional;
use crate::rectification::invalid;
use crate::scope::org_by_code;

const LONG: usize = 1000;
/// Files at one upload.
const MAX_FILES: usize = 5;
const REASON: usize = 200;
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
    /// The person's identity as the member record will need it at admission, checked as the
    /// roster checks it.
    pub ethnicity: String,
    pub education: String,
    pub id_number: String,
    pub police_number: String,
    /// The day of the application; today when empty.
    pub applied_on: String,
}

/// A step done, with what the step holds besides its day.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StepForm {
    pub version: i64,
    pub step: String,
    /// Today when empty (a vote: the meeting's day).
    pub on: String,
    pub note: String,
    /// Steps 5 and 9: the ids of the 培养联系人 (one or two) or the two 入党介绍人.
    pub first: String,
    pub second: String,
    /// Step 11: the days and class hours of the concentrated training.
    pub training_days: String,
    pub training_hours: String,
    /// Steps 15 and 23: the id of the 支部党员大会 record that voted, the ayes of those
    /// present, and the written opinions of absent voting members (all, and in favour).
    pub meeting: String,
    pub ayes_present: String,
    pub written_total: String,
    pub written_ayes: String,
}

/// A probation extended by the branch meeting (R4.19).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExtensionForm {
    pub version: i64,
    pub on: String,
    pub months: String,
    pub reason: String,
}

/// A path ended before its last step: withdrawn or no longer cultivated, or, once admitted,
/// 取消预备党员资格 (R4.19).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EndForm {
    pub version: i64,
    pub on: String,
    pub reason: String,
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
    /// The 培养联系人 and 入党介绍人 recorded.
    pub people: Vec<PersonRow>,
    /// Who may be chosen today as contact person or sponsor (when one of those steps is next).
    pub eligible: Vec<RollMember>,
    /// The branch's 支部党员大会 records a vote may be taken at (when a vote is next).
    pub meetings: Vec<MeetingBrief>,
    /// The day the admission lapsed, when it has and is not yet begun again.
    pub lapsed: Option<NaiveDate>,
    /// The steps of lapsed admission rounds.
    pub lapsed_steps: Vec<LapsedStep>,
    /// The files of the person's materials, and the materials due and not on file.
    pub files: Vec<FileRow>,
    pub missing: Vec<Material>,
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
    pub recruit: RecruitBrief,
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

/// The fields of the applicant's form that are the person's own, checked as the roster
/// checks them.
const PERSON_FIELDS: [&str; 7] = [
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "education",
    "id_number",
    "police_number",
];

/// The context a person's ID number is sealed under (a member's is `member:{id}:…`).
pub(crate) fn id_number_context(recruit: i64) -> String {
    format!("recruit:{recruit}:id_number")
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

fn path_of_brief(recruit: &RecruitBrief, reviews: Vec<NaiveDate>) -> Path {
    Path {
        birth_date: Some(recruit.birth_date),
        done: recruit.days.iter().copied().collect(),
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
    /// the day (R4.2), their identity checked as the roster will check it at admission, not a
    /// member already and not on the path already. The path follows the rules version in
    /// force that day.
    pub async fn add_applicant(&self, actor: &Actor, form: &ApplicantForm) -> ServiceResult<i64> {
        self.require(actor, Permission::WriteMembers, "recruit.add")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let applied_on = day_or_today(&form.applied_on, today, "applied_on", &mut e);
        // The roster's own checks of the person (ID number against birth date and gender …);
        // the membership fields are the admission's, not checked here.
        let person = MemberForm {
            name: form.name.clone(),
            gender: form.gender.clone(),
            birth_date: form.birth_date.clone(),
            ethnicity: form.ethnicity.clone(),
            education: form.education.clone(),
            id_number: form.id_number.clone(),
            police_number: form.police_number.clone(),
            branch: form.org.clone(),
            category: "probationary".to_owned(),
            status: "active".to_owned(),
            // The application's day stands in for the admission's: its own checks (eighteen,
            // not in the future) are the application's, made below at its field.
            joined_on: applied_on.to_string(),
            ..MemberForm::default()
        };
        let fields = match person.parse(today, None) {
            Ok(fields) => Some(fields),
            Err(errors) => {
                for error in errors.iter().filter(|x| PERSON_FIELDS.contains(&x.field)) {
                    e.add(error.field, error.message.clone());
                }
                None
            }
        };
        let book = self.rule_book();
        let version = RecruitmentRules::of(book.on(applied_on)).version;
        let rules = self.recruitment_rules(version);
        if let Ok(birth) = parse_date(&form.birth_date) {
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
        let (Some(org), Some(fields)) = (org, fields) else {
            return Err(ServiceError::Internal(
                "an applicant refused at no field of the form".to_owned(),
            ));
        };
        let Some(id_number) = &fields.id_number else {
            return Err(ServiceError::invalid("id_number", "请填写身份证号"));
        };
        let idx = self.crypto().blind_index("id_number", id_number.as_str());
        if members::by_id_number_idx(&mut tx, &idx).await?.is_some() {
            return Err(ServiceError::invalid(
                "id_number",
                "该身份证号的人员已在党员名册中",
            ));
        }
        // A second click of the same form, or the same person twice.
        if store::on_path(&mut tx, &idx).await? {
            return Err(ServiceError::invalid(
                "id_number",
                "该身份证号的人员已在发展名单中",
            ));
        }
        let ethnicity = fields.ethnicity.code();
        let id = store::insert(
            &mut tx,
            &NewRecruit {
                branch_id: org.id,
                name: fields.name.as_str(),
                gender: fields.gender,
                birth_date: fields.birth_date,
                police_number: fields.police_number.as_ref().map(|n| n.as_str()),
                ethnicity: &ethnicity,
                education: fields.education.map(|x| x.code()),
                id_number_idx: &idx,
                rule_version: version,
                created_by: &actor.login,
            },
            now,
        )
        .await
        .map_err(|e| {
            duplicate_to_field(
                e,
                &[(
                    "recruits.id_number_idx",
                    "id_number",
                    "该身份证号的人员已在发展名单中",
                )],
            )
        })?;
        let sealed = self
            .crypto()
            .seal(id_number.as_str(), &id_number_context(id));
        store::set_sealed_id_number(&mut tx, id, &sealed).await?;
        let first = NewStep {
            step: Step::Application,
            done_on: applied_on,
            note: "",
            days_late: None,
            held: Held::default(),
            recorded_by: &actor.login,
        };
        if !store::insert_step(&mut tx, id, 1, &first, now).await? {
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

    /// A person's path: the steps recorded, what is due, and what may come next — with the
    /// members who may be chosen and the meetings a vote may be taken at, when those are next.
    pub async fn recruit_path(&self, actor: &Actor, id: i64) -> ServiceResult<RecruitPath> {
        let recruit = self.recruit_in_scope(actor, id, "recruit.view").await?;
        let today = self.clock().today();
        let mut tx = self.db().read().await?;
        let steps = store::steps(&mut tx, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let reviews = store::reviews(&mut tx, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let people = store::people(&mut tx, id).await?;
        let lapsed_steps = store::lapsed_steps(&mut tx, id).await?;
        let files = store::files(&mut tx, id).await?;
        let path = path_of(&recruit, &steps, reviews);
        let next = path.next_steps();
        let eligible = if next
            .iter()
            .any(|s| matches!(s, Step::ContactsAssigned | Step::Sponsors))
        {
            let branch = orgs::get(&mut tx, recruit.branch_id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            self.voting_members(&mut tx, &branch, today).await?
        } else {
            Vec::new()
        };
        let meetings = if next
            .iter()
            .any(|s| matches!(s, Step::BranchMeeting | Step::ConversionMeeting))
        {
            self.general_meetings(&mut tx, &actor.scope, recruit.branch_id)
                .await?
        } else {
            Vec::new()
        };
        tx.commit().await?;
        let rules = self.recruitment_rules(recruit.rule_version);
        Ok(RecruitPath {
            lapsed: lapsed_on(&path, &rules, today).filter(|_| recruit.status == "active"),
            lapsed_steps,
            missing: missing_materials(&path, &on_file(&files)),
            files,
            next,
            next_review: next_review(&path, &rules),
            deadlines: deadlines(&path, &rules),
            recruit,
            rules,
            path,
            steps,
            people,
            eligible,
            meetings,
        })
    }

    /// Records a step of a person in scope on its day, checked by their rules, with how late
    /// it came and what it holds: the contact persons and sponsors (full members of the
    /// branch with a vote that day), the training's length, the vote of a 支部党员大会 record.
    /// The approval makes the person a probationary member of the branch, joined on the day
    /// of the branch meeting; the approval of 转正 makes them a full member from the end of
    /// the probation — in the same transaction as the step.
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
        // A vote is dated by its meeting unless a day is given.
        let on = (!form.on.trim().is_empty()).then(|| day_or_today(&form.on, today, "on", &mut e));
        let note = optional(&form.note, "说明", LONG, "note", &mut e).unwrap_or_default();
        invalid(e)?;
        let Some(step) = step else {
            return Err(ServiceError::invalid("step", "请选择步骤"));
        };
        let mut tx = self.db().write().await?;
        // Read again in the transaction that writes: what was checked is what is written to.
        let (recruit, steps) = active_in(&mut tx, id, Some(form.version), "step").await?;
        let rules = self.recruitment_rules(recruit.rule_version);
        let reviews = store::reviews(&mut tx, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let path = path_of(&recruit, &steps, reviews);
        // Order first: a step out of order is refused before what it holds is read.
        if path.on(step).is_some() || step.requires().iter().any(|r| path.on(*r).is_none()) {
            check_step(step, today, today, &path, &rules)
                .map_err(|(f, m)| ServiceError::invalid(f, m))?;
        }
        let (on, held, people) = self
            .step_holds(&mut tx, &recruit, step, on.unwrap_or(today), form, &rules)
            .await?;
        check_step(step, on, today, &path, &rules).map_err(|(f, m)| ServiceError::invalid(f, m))?;
        if step == Step::Archive {
            let files = store::files(&mut tx, id).await?;
            check_archive(&path, &on_file(&files)).map_err(|(f, m)| ServiceError::invalid(f, m))?;
        }
        let late = days_late(step, on, &path, &rules);
        let new = NewStep {
            step,
            done_on: on,
            note: &note,
            days_late: late,
            held,
            recorded_by: &actor.login,
        };
        if !store::insert_step(&mut tx, id, form.version, &new, now).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        for (role, member) in &people {
            store::insert_person(&mut tx, id, role, *member).await?;
        }
        let mut detail = json!({ "step": step.code(), "on": on.to_string(), "days_late": late });
        match step {
            Step::Approval => {
                let joined = path.joined_on().ok_or_else(|| {
                    ServiceError::Internal("an approval without its branch meeting".to_owned())
                })?;
                let member = self.admit(&mut tx, actor, &recruit, joined, on).await?;
                store::set_member(&mut tx, id, member).await?;
                detail["member"] = json!(member);
            }
            Step::ConversionApproval => {
                let member = admitted(&recruit)?;
                let convert = TransitionForm {
                    kind: EventKind::Converted.code().to_owned(),
                    on: on.to_string(),
                    ..TransitionForm::default()
                };
                self.transition_in(&mut tx, actor, member, &convert)
                    .await
                    .map_err(on_step)?;
            }
            // The last step ends the path: the person is a full member, off the pipeline.
            Step::Archive => store::set_status(&mut tx, id, "full").await?,
            _ => {}
        }
        let event = Event::new("recruit.step")
            .object("recruit", id)
            .detail(detail);
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What a step holds besides its day, checked: its day (a vote's is its meeting's), the
    /// vote's count, the training's length, and the people it names by role.
    async fn step_holds(
        &self,
        tx: &mut Tx,
        recruit: &RecruitRow,
        step: Step,
        on: NaiveDate,
        form: &StepForm,
        rules: &RecruitmentRules,
    ) -> ServiceResult<(NaiveDate, Held, Vec<(&'static str, i64)>)> {
        let mut e = FieldErrors::new();
        let mut held = Held::default();
        let mut people = Vec::new();
        let mut on = on;
        match step {
            Step::ContactsAssigned | Step::Sponsors => {
                let role = if step == Step::Sponsors {
                    "sponsor"
                } else {
                    "contact"
                };
                let chosen: Vec<i64> = [("first", &form.first), ("second", &form.second)]
                    .into_iter()
                    .filter_map(|(field, raw)| match raw.trim() {
                        "" => None,
                        text => text.parse::<i64>().ok().or_else(|| {
                            e.add(field, "请从名单中选择");
                            None
                        }),
                    })
                    .collect();
                invalid(std::mem::take(&mut e))?;
                if chosen.len() == 2 && chosen[0] == chosen[1] {
                    return Err(ServiceError::invalid("second", "两人不能是同一名党员"));
                }
                let count = chosen.len() as u32;
                let counted = if step == Step::Sponsors {
                    check_sponsors(count, rules)
                } else {
                    check_contacts(count, rules)
                };
                counted.map_err(|(_, m)| ServiceError::invalid("first", m))?;
                let branch = orgs::get(tx, recruit.branch_id)
                    .await?
                    .ok_or(ServiceError::NotFound)?;
                let voting = self.voting_members(tx, &branch, on).await?;
                for (field, member) in ["first", "second"].into_iter().zip(&chosen) {
                    if !voting.iter().any(|m| m.member_id == *member) {
                        e.add(
                            field,
                            format!(
                                "须为{}{on}在册、有表决权的正式党员（未受留党察看处分）",
                                branch.name
                            ),
                        );
                    }
                    people.push((role, *member));
                }
            }
            Step::Training => {
                let days = count(&form.training_days, "training_days", &mut e);
                let hours = count(&form.training_hours, "training_hours", &mut e);
                invalid(std::mem::take(&mut e))?;
                check_training(days.unwrap_or(0), hours.unwrap_or(0), rules)
                    .map_err(|(_, m)| ServiceError::invalid("training_days", m))?;
                held.training_days = days.map(i64::from);
                held.training_hours = hours.map(i64::from);
            }
            Step::BranchMeeting | Step::ConversionMeeting => {
                let meeting = match form.meeting.trim().parse::<i64>() {
                    Ok(id) => self.general_meeting(tx, id).await?,
                    Err(_) => None,
                };
                let Some(meeting) = meeting.filter(|m| m.org_id == recruit.branch_id) else {
                    return Err(ServiceError::invalid(
                        "meeting",
                        format!("请选择{}的支部党员大会记录", recruit.branch_name),
                    ));
                };
                if form.on.trim().is_empty() {
                    on = meeting.held_on;
                } else if on != meeting.held_on {
                    return Err(ServiceError::invalid(
                        "on",
                        format!("日期须为所选支部党员大会的日期（{}）", meeting.held_on),
                    ));
                }
                let ayes_present = count(&form.ayes_present, "ayes_present", &mut e);
                let written_total = count(&form.written_total, "written_total", &mut e);
                let written_ayes = count(&form.written_ayes, "written_ayes", &mut e);
                if ayes_present.is_none() && e.is_empty() {
                    e.add("ayes_present", "请填写到会赞成票数");
                }
                invalid(std::mem::take(&mut e))?;
                let ballot = Ballot {
                    expected: meeting.voters,
                    present: meeting.present,
                    ayes_present: ayes_present.unwrap_or(0),
                    written_ayes: written_ayes.unwrap_or(0),
                    written_total: written_total.unwrap_or(0),
                };
                let outcome = check_vote(ballot).map_err(|(f, m)| ServiceError::invalid(f, m))?;
                held.meeting_id = Some(meeting.id);
                held.voters = Some(i64::from(ballot.expected));
                held.present = Some(i64::from(ballot.present));
                held.ayes = Some(i64::from(outcome.ayes));
                held.written = Some(i64::from(ballot.written_total));
            }
            _ => {}
        }
        invalid(e)?;
        Ok((on, held, people))
    }

    /// The probationary member made of a person whose admission the committee above approved
    /// on `on`: their identity as recorded at application, joined on the day of the branch
    /// meeting (R4.21), on the branch's roll from the approval.
    pub(crate) async fn admit(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        recruit: &RecruitRow,
        joined: NaiveDate,
        on: NaiveDate,
    ) -> ServiceResult<i64> {
        let sealed = recruit.id_number_ct.as_deref().ok_or_else(|| {
            ServiceError::invalid("step", "申请时未登记身份证号，无法接收为预备党员")
        })?;
        let id_number = self
            .crypto()
            .open(sealed, &id_number_context(recruit.id))
            .ok()
            .and_then(|n| IdNumber::parse(&n).ok())
            .ok_or_else(|| {
                ServiceError::Internal(format!(
                    "the sealed id number of recruit {} does not open",
                    recruit.id
                ))
            })?;
        let branch = orgs::get(tx, recruit.branch_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let form = MemberForm {
            name: recruit.name.clone(),
            gender: recruit.gender.code().to_owned(),
            birth_date: recruit.birth_date.to_string(),
            ethnicity: recruit.ethnicity.clone().unwrap_or_default(),
            education: recruit.education.clone().unwrap_or_default(),
            id_number: id_number.as_str().to_owned(),
            police_number: recruit.police_number.clone().unwrap_or_default(),
            branch: branch.code.to_string(),
            category: "probationary".to_owned(),
            status: "active".to_owned(),
            joined_on: joined.to_string(),
            effective_on: on.to_string(),
            ..MemberForm::default()
        };
        let today = self.clock().today();
        let fields = form.parse(today, None).map_err(|errors| {
            let messages: Vec<String> = errors.iter().map(|x| x.message.clone()).collect();
            ServiceError::invalid("step", format!("接收为预备党员时：{}", messages.join("；")))
        })?;
        let now = self.clock().now();
        self.insert_member(tx, actor, &fields, &id_number, now)
            .await
            .map_err(on_step)
    }

    /// Extends the probation of a person admitted (R4.19): once, by six to twelve months, as
    /// the branch meeting decided; the member's probation moves with it.
    pub async fn extend_recruit_probation(
        &self,
        actor: &Actor,
        id: i64,
        form: &ExtensionForm,
    ) -> ServiceResult<()> {
        self.recruit_in_scope(actor, id, "recruit.extend").await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let on = day_or_today(&form.on, today, "on", &mut e);
        let months = count(&form.months, "months", &mut e);
        if months.is_none() && e.is_empty() {
            e.add("months", "请填写延长的月数");
        }
        let reason = optional(&form.reason, "事由", REASON, "reason", &mut e);
        invalid(e)?;
        let months = months.unwrap_or(0);
        let mut tx = self.db().write().await?;
        let (recruit, steps) = active_in(&mut tx, id, Some(form.version), "months").await?;
        let path = path_of(&recruit, &steps, Vec::new());
        let rules = self.recruitment_rules(recruit.rule_version);
        check_extension(months, &path, &rules).map_err(|(f, m)| ServiceError::invalid(f, m))?;
        if path.on(Step::ConversionMeeting).is_some() {
            return Err(ServiceError::invalid(
                "months",
                "支部大会已讨论转正，不能再延长预备期",
            ));
        }
        let member = admitted(&recruit)?;
        if !store::set_extension(&mut tx, id, form.version, months, on).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        let extend = TransitionForm {
            kind: EventKind::ProbationExtended.code().to_owned(),
            on: on.to_string(),
            months: months.to_string(),
            reason: reason.unwrap_or_default(),
            ..TransitionForm::default()
        };
        self.transition_in(&mut tx, actor, member, &extend)
            .await
            .map_err(|e| at_field(e, "months"))?;
        let event = Event::new("recruit.extend")
            .object("recruit", id)
            .detail(json!({ "on": on.to_string(), "months": months }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends a person's path before its last step, with the reason: withdrawn or no longer
    /// cultivated; or, once admitted, 取消预备党员资格 — the member's own record says so too.
    pub async fn end_recruit(&self, actor: &Actor, id: i64, form: &EndForm) -> ServiceResult<()> {
        self.recruit_in_scope(actor, id, "recruit.end").await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let on = day_or_today(&form.on, today, "on", &mut e);
        let reason = optional(&form.reason, "事由", REASON, "reason", &mut e);
        if reason.is_none() && e.is_empty() {
            e.add("reason", "请填写事由");
        }
        invalid(e)?;
        let reason = reason.unwrap_or_default();
        let mut tx = self.db().write().await?;
        let (recruit, _) = active_in(&mut tx, id, Some(form.version), "reason").await?;
        let status = match recruit.member_id {
            Some(member) => {
                let cancel = TransitionForm {
                    kind: EventKind::ProbationCancelled.code().to_owned(),
                    on: on.to_string(),
                    reason: reason.clone(),
                    ..TransitionForm::default()
                };
                self.transition_in(&mut tx, actor, member, &cancel)
                    .await
                    .map_err(|e| at_field(e, "on"))?;
                "cancelled"
            }
            None => "withdrawn",
        };
        store::end(&mut tx, id, status, on, &reason).await?;
        let event = Event::new("recruit.end")
            .object("recruit", id)
            .detail(json!({ "on": on.to_string(), "status": status, "reason": reason }));
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
        let (recruit, steps) = active_in(&mut tx, id, None, "on").await?;
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
    /// first, then by the day due. `waiting` keeps those with a step the branch (or the
    /// committee above) may record now: each side's to-do list.
    pub async fn recruitment_pipeline(
        &self,
        actor: &Actor,
        waiting: Option<Waiting>,
    ) -> ServiceResult<Vec<PipelineLine>> {
        self.require(actor, Permission::WriteMembers, "recruit.view")
            .await?;
        let today = self.clock().today();
        let mut tx = self.db().read().await?;
        let recruits = store::briefs_in_scope(&mut tx, &actor.scope, true).await?;
        // Reviews matter only to activists: read theirs.
        let activists: Vec<i64> = recruits
            .iter()
            .filter(|r| {
                let on = |step| r.days.iter().any(|(s, _)| *s == step);
                on(Step::ActivistChosen) && !on(Step::CandidateChosen)
            })
            .map(|r| r.id)
            .collect();
        let mut reviews = store::reviews(&mut tx, &activists).await?;
        tx.commit().await?;
        let rules_of = |version| self.recruitment_rules(version);
        let by_version = [RuleVersion::V2014, RuleVersion::V2026].map(rules_of);
        let mut lines: Vec<PipelineLine> = recruits
            .into_iter()
            .map(|recruit| {
                let rules = by_version
                    .iter()
                    .find(|r| r.version == recruit.rule_version)
                    .cloned()
                    .unwrap_or_else(|| rules_of(recruit.rule_version));
                let path = path_of_brief(&recruit, reviews.remove(&recruit.id).unwrap_or_default());
                let due = earliest(&path, &rules);
                PipelineLine {
                    stage: path.stage(),
                    next: path.next_steps(),
                    overdue: due.as_ref().is_some_and(|d| d.by < today),
                    lapsed: lapsed_on(&path, &rules, today).is_some(),
                    due,
                    recruit,
                }
            })
            .filter(|l| match waiting {
                None => true,
                // A lapsed admission is the branch's to begin again.
                Some(Waiting::Branch) => l.lapsed || l.next.iter().any(|s| !s.by_committee_above()),
                Some(Waiting::Above) => !l.lapsed && l.next.iter().any(|s| s.by_committee_above()),
            })
            .collect();
        lines.sort_by_key(|l| (!l.overdue, l.due.is_none(), l.due.as_ref().map(|d| d.by)));
        Ok(lines)
    }

    /// Begins a lapsed admission again (R4.16): the round from the branch committee's review
    /// to the committee's talk is kept as lapsed and recorded anew.
    pub async fn redo_admission(&self, actor: &Actor, id: i64, version: i64) -> ServiceResult<()> {
        self.recruit_in_scope(actor, id, "recruit.redo").await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let (recruit, steps) = active_in(&mut tx, id, Some(version), "step").await?;
        let rules = self.recruitment_rules(recruit.rule_version);
        let path = path_of(&recruit, &steps, Vec::new());
        let Some(lapsed) = lapsed_on(&path, &rules, today) else {
            return Err(ServiceError::invalid(
                "step",
                "接收预备党员未超过审批期限，无需重新履行接收手续",
            ));
        };
        if !store::lapse_round(&mut tx, id, version, &Step::ADMISSION_ROUND, lapsed).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        let event = Event::new("recruit.redo")
            .object("recruit", id)
            .detail(json!({ "lapsed_on": lapsed.to_string() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The year's 发展党员 figures of the orgs in scope (党内统计): each branch's, then the
    /// total.
    pub async fn recruitment_statistics(
        &self,
        actor: &Actor,
        year: i32,
    ) -> ServiceResult<Vec<BranchFlows>> {
        self.require(actor, Permission::WriteMembers, "recruit.view")
            .await?;
        let mut tx = self.db().read().await?;
        let recruits = store::briefs_in_scope(&mut tx, &actor.scope, false).await?;
        tx.commit().await?;
        let mut by_branch: Vec<(i64, String, Vec<Counted>)> = Vec::new();
        for r in recruits {
            let counted = Counted {
                path: path_of_brief(&r, Vec::new()),
                female: r.gender == Gender::Female,
                extended_on: r.extended_on,
                ended: r.ended_on.map(|d| (d, r.status == "cancelled")),
            };
            match by_branch.last_mut() {
                Some((id, _, list)) if *id == r.branch_id => list.push(counted),
                _ => by_branch.push((r.branch_id, r.branch_name, vec![counted])),
            }
        }
        let mut all = Vec::new();
        let mut rows: Vec<BranchFlows> = by_branch
            .into_iter()
            .map(|(id, name, people)| {
                let f = flows(year, &people);
                all.extend(people);
                BranchFlows {
                    org_id: Some(id),
                    org_name: name,
                    flows: f,
                }
            })
            .collect();
        rows.push(BranchFlows {
            org_id: None,
            org_name: "合计".to_owned(),
            flows: flows(year, &all),
        });
        Ok(rows)
    }

    /// Adds files to one of the materials of a person in scope: each checked by its bytes
    /// against its name, kept under a random name with its SM3 digest; all of them or none.
    pub async fn attach_recruit_files(
        &self,
        actor: &Actor,
        id: i64,
        material: &str,
        uploads: &[crate::Upload<'_>],
    ) -> ServiceResult<()> {
        self.recruit_in_scope(actor, id, "recruit.file.add").await?;
        let material = Material::from_code(material.trim())
            .ok_or_else(|| ServiceError::invalid("material", "请选择材料名称"))?;
        let checked = crate::attachments::check_uploads(uploads, MAX_FILES)?;
        let mut files = crate::attachments::NewFiles::new(self.attachment_root()?.clone());
        let now = self.clock().now();
        let outcome = async {
            let mut tx = self.db().write().await?;
            // A path ended keeps its file as it was handed over.
            active_in(&mut tx, id, None, "file").await?;
            let mut names = Vec::new();
            for (name, mime, bytes) in &checked {
                let (stored_name, digest) = files.write(&format!("r{id}"), bytes)?;
                store::insert_file(
                    &mut tx,
                    &NewFile {
                        recruit_id: id,
                        material,
                        file_name: name,
                        content_type: mime,
                        size: bytes.len() as i64,
                        digest: &digest,
                        stored_name: &stored_name,
                        created_by: &actor.login,
                    },
                    now,
                )
                .await?;
                names.push(name.clone());
            }
            let event = Event::new("recruit.file.add")
                .object("recruit", id)
                .detail(json!({ "material": material.code(), "files": names }));
            audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        files.settle(outcome)
    }

    /// A file of a person in scope, with its bytes (checked against the digest recorded at
    /// upload); the read is audited.
    pub async fn recruit_file(
        &self,
        actor: &Actor,
        id: i64,
        file_id: i64,
    ) -> ServiceResult<(FileRow, Vec<u8>)> {
        self.recruit_in_scope(actor, id, "recruit.file.read")
            .await?;
        let mut tx = self.db().read().await?;
        let row = store::files(&mut tx, id)
            .await?
            .into_iter()
            .find(|f| f.id == file_id)
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        let bytes = self.read_kept_file(&row.stored_name, &row.digest)?;
        self.record(
            actor,
            Event::new("recruit.file.read")
                .object("recruit", id)
                .detail(json!({ "file": file_id })),
        )
        .await?;
        Ok((row, bytes))
    }
}

/// Whose to-do list a pipeline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// Steps the branch records.
    Branch,
    /// Filings, reviews, talks and approvals of the committee above.
    Above,
}

/// A line of the year's figures: a branch's (`org_id`), or the total.
#[derive(Debug, Clone)]
pub struct BranchFlows {
    pub org_id: Option<i64>,
    pub org_name: String,
    pub flows: Flows,
}

/// How a 支部党员大会 record is named where a vote is taken at it.
pub fn meeting_label(m: &MeetingBrief) -> String {
    let topics: String = m.topics.chars().take(30).collect();
    format!(
        "{} {}（实到{}/应到{}人）",
        m.held_on, topics, m.present, m.expected
    )
}

/// The materials with at least one file.
fn on_file(files: &[FileRow]) -> Vec<Material> {
    files.iter().map(|f| f.material).collect()
}

/// A person still on the path, read again in the transaction that changes them — at the
/// version the form was read at, when it carries one — with their steps; refused at `field`
/// when the path has ended.
async fn active_in(
    tx: &mut Tx,
    id: i64,
    version: Option<i64>,
    field: &'static str,
) -> ServiceResult<(RecruitRow, Vec<StepRow>)> {
    let recruit = store::get(tx, id).await?.ok_or(ServiceError::NotFound)?;
    if version.is_some_and(|v| v != recruit.version) {
        return Err(ServiceError::conflict("version", STALE));
    }
    if recruit.status != "active" {
        return Err(ServiceError::invalid(field, "已不在发展过程中"));
    }
    let steps = store::steps(tx, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok((recruit, steps))
}

/// The member made of a person at admission, or why there is none.
fn admitted(recruit: &RecruitRow) -> ServiceResult<i64> {
    recruit
        .member_id
        .ok_or_else(|| ServiceError::invalid("step", "尚未接收为预备党员"))
}

/// A count typed in a form: empty is none, anything but a whole number is refused.
fn count(raw: &str, field: &'static str, e: &mut FieldErrors) -> Option<u32> {
    match raw.trim() {
        "" => None,
        text => text.parse::<u32>().ok().or_else(|| {
            e.add(field, "请填写整数");
            None
        }),
    }
}

/// A refusal of the member's side of a step, shown at the step.
fn on_step(error: ServiceError) -> ServiceError {
    at_field(error, "step")
}

/// A refusal from another use case, moved to the field of this form that caused it.
fn at_field(error: ServiceError, field: &'static str) -> ServiceError {
    match error {
        ServiceError::Invalid(errors) | ServiceError::Conflict(errors) => {
            let messages: Vec<String> = errors.iter().map(|x| x.message.clone()).collect();
            ServiceError::invalid(field, messages.join("；"))
        }
        other => other,
    }
}
