//! 考核评价 (issue 19): 民主评议党员 and the 组织处置 of a member found 不合格. A branch
//! secretary opens the year's review (the roster is the branch's roll that day), keeps each
//! member's 自评 and the 互评 summary, opens and closes the secret ballot, proposes each grade,
//! and records the general meeting's decision; more 优秀 than the share go to the committee
//! office for approval. Each 不合格 opens a disposition whose steps are recorded in order.
//! A member writes their own 自评, casts one ballot, and sees only their own grade.
//! The other parts of the area are modules of their own: the secretaries' 述职评议
//! (`duty`), 评先评优 standing (`standing`) and 典型经验 (`practice`).

use chrono::{Datelike, NaiveDate};
use dangjian_core::assess::{
    DispositionKind, DispositionStep, Grade, GradeCount, NewStep, Proposal, ReviewStage, StepDone,
    check_ballot, check_decision, check_proposal, check_step, count_grades, follow_up_due,
    is_graded, next_step, outcome, status,
};
use dangjian_core::field::FieldErrors;
use dangjian_core::member::{Category, MemberRef};
use dangjian_core::recruitment::Ballot;
use dangjian_core::role::{Permission, Scope};
use dangjian_store::assess::{self as store, DecisionRow, NewStepRow, ProposalRow};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::care::day_or_today;
use crate::error::{ServiceError, ServiceResult};
use crate::orglife::{optional_long, required, required_long};
use crate::rectification::invalid;
use crate::scope::{UNKNOWN_ORG, member_by_ref, org_by_code_in_scope};

const SHORT: usize = 100;
const LONG: usize = 5000;
const STALE: &str = "该评议已被他人修改，请刷新后重试";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpenReviewForm {
    /// The branch's code.
    pub org: String,
    pub year: String,
}

/// A 自评: a member's own, or kept by the secretary for a member (by id) who wrote on paper.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SelfForm {
    /// Empty for the member's own; the participant's id when the secretary keeps it.
    pub member: Option<i64>,
    pub evaluation: String,
    pub analysis: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PeerForm {
    pub member: i64,
    pub summary: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StageForm {
    pub version: i64,
}

/// The committee's proposal for one participant.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProposalForm {
    pub member: i64,
    /// A grade's code; empty for a participant not graded.
    pub grade: String,
    pub reason: String,
    pub plan: String,
    pub disposition: String,
    pub months: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DecisionForm {
    pub version: i64,
    pub decided_on: String,
    pub expected: String,
    pub present: String,
    pub excess_reason: String,
}

/// The committee office on a review over the share: `approve` or `return`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApprovalForm {
    pub version: i64,
    pub decision: String,
    pub approved_on: String,
    pub approver: String,
}

/// One step of a disposition; the fields a step does not use are left empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StepForm {
    pub version: i64,
    pub step: String,
    pub on: String,
    /// 组织谈话: the two members who talked, by 警号 or member number.
    pub talker_a: String,
    pub talker_b: String,
    /// 上级预审, 党委审批: the body.
    pub authority: String,
    /// 上级预审, 党委审批: `yes` or `no`; 期满考察: `yes` when the member has corrected.
    pub agreed: String,
    pub expected: String,
    pub present: String,
    pub ayes: String,
    pub written_ayes: String,
    pub written_total: String,
    pub note: String,
}

/// A review as its reader may see it.
#[derive(Debug, Clone)]
pub struct ReviewView {
    pub review: ReviewRow,
    /// Everyone for the branch; only the member's own entry for a member (without totals).
    pub entries: Vec<EntryRow>,
    /// Whether the totals of the ballot are shown (the ballot is closed, and a branch reads).
    pub tallies_shown: bool,
    /// A member: whether they have cast their ballot.
    pub voted: bool,
    /// Whom the ballot rates (a member's ballot lists the others of these).
    pub graded: Vec<(i64, String)>,
    pub dispositions: Vec<DispositionRow>,
    /// The count of the proposed grades, when every graded member has one.
    pub count: Option<GradeCount>,
}

/// A disposition with its steps and what comes next.
#[derive(Debug, Clone)]
pub struct DispositionView {
    pub disposition: DispositionRow,
    pub steps: Vec<StepRow>,
    pub next: Option<DispositionStep>,
    pub follow_up_due: Option<NaiveDate>,
    pub outcome: Option<String>,
    /// Who pre-reviews this kind (rules file).
    pub pre_reviewer: String,
}

/// A count typed into a form (people, votes), at most 100,000; refused at `field`.
pub(super) fn parse_count(raw: &str, field: &'static str, label: &str, e: &mut FieldErrors) -> u32 {
    match raw.trim().parse::<u32>() {
        Ok(n) if n <= 100_000 => n,
        _ => {
            e.add(field, format!("请填写{label}（整数）"));
            0
        }
    }
}

impl Services {
    /// Opens a branch's review of a year; returns its id.
    pub async fn open_review(&self, actor: &Actor, form: &OpenReviewForm) -> ServiceResult<i64> {
        self.require(actor, Permission::ReviewMembers, "review.open")
            .await?;
        self.check_org_code(actor, form.org.trim(), "org", "review.open")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let year = match form.year.trim().parse::<i32>() {
            Ok(y) if y == today.year() || y == today.year() - 1 => Some(y),
            Ok(_) => {
                e.add(
                    "year",
                    format!("只能开展{}年或{}年的评议", today.year() - 1, today.year()),
                );
                None
            }
            Err(_) => {
                e.add("year", "请填写年度，如 2026");
                None
            }
        };
        let mut tx = self.db().write().await?;
        let org = org_by_code_in_scope(&mut tx, actor, &form.org).await?;
        if org.is_none() {
            e.add("org", UNKNOWN_ORG);
        }
        invalid(e)?;
        let (Some(org), Some(year)) = (org, year) else {
            return Err(ServiceError::invalid("org", UNKNOWN_ORG));
        };
        let Some((id, participants)) =
            store::open_review(&mut tx, org.id, year, today, &actor.login, now).await?
        else {
            return Err(ServiceError::invalid(
                "year",
                format!("{}已开展{year}年度民主评议", org.name),
            ));
        };
        if participants == 0 {
            // Dropping the transaction undoes the review.
            return Err(ServiceError::invalid(
                "org",
                "民主评议党员在党支部进行：该组织没有直属的在册党员",
            ));
        }
        let event = Event::new("review.open")
            .object("review", id)
            .detail(json!({ "org": org.id, "year": year }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The reviews in scope (a branch's reader), or the member's own.
    pub async fn reviews(&self, actor: &Actor, year: Option<i32>) -> ServiceResult<Vec<ReviewRow>> {
        let mut tx = self.db().read().await?;
        let found = match actor.scope {
            Scope::OwnRecord { member_id } => {
                self.require(actor, Permission::TakePartInReview, "review.list")
                    .await?;
                store::reviews_of_member(&mut tx, member_id).await?
            }
            _ => {
                self.require(actor, Permission::ReviewMembers, "review.list")
                    .await?;
                store::reviews(&mut tx, &actor.scope, year).await?
            }
        };
        tx.commit().await?;
        Ok(found)
    }

    /// A review in scope, or one the member takes part in.
    async fn review_for(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<(ReviewRow, Vec<EntryRow>)> {
        let mut tx = self.db().read().await?;
        let review = store::review_by_id(&mut tx, id).await?;
        let Some(review) = review else {
            return Err(ServiceError::NotFound);
        };
        let entries = store::entries(&mut tx, id).await?;
        tx.commit().await?;
        let visible = match actor.scope {
            Scope::OwnRecord { member_id } => entries.iter().any(|e| e.member_id == member_id),
            _ => actor.scope.covers_org(&review.org_path),
        };
        if !visible {
            return Err(self.out_of_scope(actor, event, "review", id).await);
        }
        Ok((review, entries))
    }

    /// A review as `actor` may read it: the branch sees every entry, and the totals once the
    /// ballot is closed; a member sees their own entry, without totals, and their grade once
    /// decided.
    pub async fn review(&self, actor: &Actor, id: i64) -> ServiceResult<ReviewView> {
        let member = match actor.scope {
            Scope::OwnRecord { member_id } => {
                self.require(actor, Permission::TakePartInReview, "review.view")
                    .await?;
                Some(member_id)
            }
            _ => {
                self.require(actor, Permission::ReviewMembers, "review.view")
                    .await?;
                None
            }
        };
        let (review, mut entries) = self.review_for(actor, id, "review.view").await?;
        let rules = self.rule_book();
        let rules = rules.on(review.opened_on);
        let graded: Vec<(i64, String)> = entries
            .iter()
            .filter(|e| is_graded(e.probationary, &rules.democratic_review))
            .map(|e| (e.member_id, e.name.clone()))
            .collect();
        let mut tx = self.db().read().await?;
        let voted = match member {
            Some(m) => store::has_voted(&mut tx, id, m).await?,
            None => false,
        };
        let dispositions = match member {
            Some(_) => Vec::new(),
            None => store::dispositions_of_review(&mut tx, id).await?,
        };
        tx.commit().await?;
        let count = count_grades(
            &entries
                .iter()
                .filter(|e| is_graded(e.probationary, &rules.democratic_review))
                .map(|e| e.grade)
                .collect::<Vec<_>>(),
            rules.democratic_review.excellent_max_ratio,
        )
        .ok();
        let tallies_shown = member.is_none()
            && !matches!(
                review.stage,
                ReviewStage::Evaluating | ReviewStage::Balloting
            );
        if let Some(m) = member {
            entries.retain(|e| e.member_id == m);
            for e in &mut entries {
                e.tally = Default::default();
                // The proposal is the committee's working paper: a member learns the grade
                // when it is decided.
                if review.stage != ReviewStage::Decided {
                    e.grade = None;
                    e.reason = None;
                    e.plan = None;
                    e.disposition = None;
                    e.months = None;
                }
            }
        } else if !tallies_shown {
            for e in &mut entries {
                e.tally = Default::default();
            }
        }
        Ok(ReviewView {
            review,
            entries,
            tallies_shown,
            voted,
            graded,
            dispositions,
            count,
        })
    }

    /// Keeps a 自评 with its 党性分析: the member's own, or one the secretary keeps for them.
    pub async fn submit_self_evaluation(
        &self,
        actor: &Actor,
        id: i64,
        form: &SelfForm,
    ) -> ServiceResult<()> {
        let member = match (actor.scope.clone(), form.member) {
            (Scope::OwnRecord { member_id }, _) => {
                self.require(actor, Permission::TakePartInReview, "review.self")
                    .await?;
                member_id
            }
            (_, Some(m)) => {
                self.require(actor, Permission::ReviewMembers, "review.self")
                    .await?;
                m
            }
            (_, None) => return Err(ServiceError::invalid("member", "请选择党员")),
        };
        let (review, entries) = self.review_for(actor, id, "review.self").await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        if review.stage != ReviewStage::Evaluating {
            e.add("evaluation", "个人自评阶段已结束");
        }
        if !entries.iter().any(|x| x.member_id == member) {
            e.add("member", "该党员不在本次评议名单中");
        }
        let evaluation = required_long(&form.evaluation, "个人自评", LONG, "evaluation", &mut e);
        let analysis = required_long(&form.analysis, "党性分析", LONG, "analysis", &mut e);
        invalid(e)?;
        let mut tx = self.db().write().await?;
        store::set_self(&mut tx, id, member, &evaluation, &analysis, today).await?;
        let event = Event::new("review.self")
            .object("review", id)
            .detail(json!({ "member": member }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps the summary of the 互评 of one participant.
    pub async fn record_peer_review(
        &self,
        actor: &Actor,
        id: i64,
        form: &PeerForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ReviewMembers, "review.peer")
            .await?;
        let (review, entries) = self.review_for(actor, id, "review.peer").await?;
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        if !matches!(
            review.stage,
            ReviewStage::Evaluating | ReviewStage::Balloting
        ) {
            e.add("summary", "党员互评阶段已结束");
        }
        if !entries.iter().any(|x| x.member_id == form.member) {
            e.add("member", "该党员不在本次评议名单中");
        }
        let summary = required_long(&form.summary, "互评意见", LONG, "summary", &mut e);
        invalid(e)?;
        let mut tx = self.db().write().await?;
        store::set_peer(&mut tx, id, form.member, &summary).await?;
        let event = Event::new("review.peer")
            .object("review", id)
            .detail(json!({ "member": form.member }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens the ballot (from 自评互评) or closes it (to 组织评定).
    pub async fn advance_review(
        &self,
        actor: &Actor,
        id: i64,
        form: &StageForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ReviewMembers, "review.advance")
            .await?;
        let (review, _) = self.review_for(actor, id, "review.advance").await?;
        let now = self.clock().now();
        let Some(to) = review.stage.advance() else {
            return Err(ServiceError::conflict(
                "version",
                "该评议当前阶段不能由此推进",
            ));
        };
        let mut tx = self.db().write().await?;
        if !store::set_stage(&mut tx, id, form.version, review.stage, to).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        let event = Event::new("review.advance")
            .object("review", id)
            .detail(json!({ "to": to.code() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Casts the member's secret ballot: `choices` are (member, grade code), a missing member
    /// an abstention. The audit says that the member voted, never how.
    pub async fn cast_review_ballot(
        &self,
        actor: &Actor,
        id: i64,
        choices: &[(i64, String)],
    ) -> ServiceResult<()> {
        self.require(actor, Permission::TakePartInReview, "review.ballot")
            .await?;
        let Scope::OwnRecord { member_id: voter } = actor.scope else {
            return Err(ServiceError::Forbidden);
        };
        let (review, entries) = self.review_for(actor, id, "review.ballot").await?;
        let now = self.clock().now();
        if review.stage != ReviewStage::Balloting {
            return Err(ServiceError::invalid("ballot", "民主测评未开始或已结束"));
        }
        let rules = self.rule_book();
        let rules = rules.on(review.opened_on);
        let graded: Vec<i64> = entries
            .iter()
            .filter(|e| is_graded(e.probationary, &rules.democratic_review))
            .map(|e| e.member_id)
            .collect();
        let mut parsed = Vec::with_capacity(choices.len());
        for (member, code) in choices {
            match code.trim() {
                "" => {}
                code => match Grade::from_code(code) {
                    Some(g) => parsed.push((*member, g)),
                    None => return Err(ServiceError::invalid("ballot", "请从四个等次中选择")),
                },
            }
        }
        check_ballot(&parsed, &graded, voter)
            .map_err(|(field, message)| ServiceError::invalid(field, message))?;
        let mut tx = self.db().write().await?;
        // The ballot may have closed since it was read.
        let still_open = store::review_by_id(&mut tx, id)
            .await?
            .is_some_and(|r| r.stage == ReviewStage::Balloting);
        if !still_open {
            return Err(ServiceError::invalid("ballot", "民主测评未开始或已结束"));
        }
        if !store::cast_ballot(&mut tx, id, voter, &parsed).await? {
            return Err(ServiceError::conflict(
                "ballot",
                "您已提交测评票，不能重复投票",
            ));
        }
        let event = Event::new("review.ballot").object("review", id);
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the committee's proposal for one participant.
    pub async fn propose_grade(
        &self,
        actor: &Actor,
        id: i64,
        form: &ProposalForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ReviewMembers, "review.propose")
            .await?;
        let (review, entries) = self.review_for(actor, id, "review.propose").await?;
        let now = self.clock().now();
        let rules = self.rule_book();
        let rules = rules.on(review.opened_on);
        let mut e = FieldErrors::new();
        if review.stage != ReviewStage::Proposing {
            e.add("grade", "民主测评结束后、作出评定前方可提出评定意见");
        }
        let Some(entry) = entries.iter().find(|x| x.member_id == form.member) else {
            return Err(ServiceError::invalid("member", "该党员不在本次评议名单中"));
        };
        let grade = match form.grade.trim() {
            "" => None,
            code => {
                let g = Grade::from_code(code);
                if g.is_none() {
                    e.add("grade", "请从四个等次中选择");
                }
                g
            }
        };
        let reason =
            optional_long(&form.reason, "理由", LONG, "reason", &mut e).unwrap_or_default();
        let plan = optional_long(&form.plan, "改进措施", LONG, "plan", &mut e).unwrap_or_default();
        let disposition = match form.disposition.trim() {
            "" => None,
            code => {
                let d = DispositionKind::from_code(code);
                if d.is_none() {
                    e.add("disposition", "请选择组织处置方式");
                }
                d
            }
        };
        let months = match form.months.trim() {
            "" => None,
            raw => match raw.parse::<u32>() {
                Ok(m) => Some(m),
                Err(_) => {
                    e.add("months", "期限请填写月数（整数）");
                    None
                }
            },
        };
        // Only an unqualified member's disposition, and only a 限期改正's months, are kept.
        let disposition = disposition.filter(|_| grade == Some(Grade::Unqualified));
        let months = months
            .or(Some(rules.disposition.rectification_default_months))
            .filter(|_| disposition == Some(DispositionKind::Rectify));
        let proposal = Proposal {
            grade,
            reason: &reason,
            plan: &plan,
            disposition,
            months,
        };
        if e.is_empty()
            && let Err((field, message)) = check_proposal(
                entry.probationary,
                &proposal,
                &rules.democratic_review,
                &rules.disposition,
            )
        {
            e.add(field, message);
        }
        invalid(e)?;
        let mut tx = self.db().write().await?;
        store::set_proposal(
            &mut tx,
            id,
            form.member,
            &ProposalRow {
                grade,
                reason: &reason,
                plan: if grade == Some(Grade::Basic) {
                    &plan
                } else {
                    ""
                },
                disposition,
                months,
            },
        )
        .await?;
        let event = Event::new("review.propose").object("review", id).detail(
            json!({ "member": form.member, "grade": grade.map(Grade::code), "disposition": disposition.map(DispositionKind::code) }),
        );
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the general meeting's decision: every graded member has a grade, a quorum met,
    /// and a reason when more than the share are 优秀 (the review then waits for the committee
    /// office). A decided review's 不合格 members each get a disposition.
    pub async fn decide_review(
        &self,
        actor: &Actor,
        id: i64,
        form: &DecisionForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ReviewMembers, "review.decide")
            .await?;
        let (review, entries) = self.review_for(actor, id, "review.decide").await?;
        if review.stage != ReviewStage::Proposing || review.version != form.version {
            return Err(ServiceError::conflict("version", STALE));
        }
        let today = self.clock().today();
        let now = self.clock().now();
        let rules = self.rule_book();
        let rules = rules.on(review.opened_on);
        let mut e = FieldErrors::new();
        let on = day_or_today(&form.decided_on, today, "decided_on", &mut e);
        if on < review.opened_on {
            e.add(
                "decided_on",
                format!("不能早于评议开始日期（{}）", review.opened_on),
            );
        }
        let expected = parse_count(&form.expected, "expected", "应到会党员人数", &mut e);
        let present = parse_count(&form.present, "present", "实到会党员人数", &mut e);
        let excess = optional_long(
            &form.excess_reason,
            "超比例理由",
            LONG,
            "excess_reason",
            &mut e,
        );
        let grades: Vec<Option<Grade>> = entries
            .iter()
            .filter(|x| is_graded(x.probationary, &rules.democratic_review))
            .map(|x| x.grade)
            .collect();
        let count = match count_grades(&grades, rules.democratic_review.excellent_max_ratio) {
            Ok(c) => Some(c),
            Err((field, message)) => {
                e.add(field, message);
                None
            }
        };
        if let Some(c) = &count
            && e.is_empty()
            && let Err((field, message)) =
                check_decision(c, expected, present, excess.as_deref().unwrap_or(""))
        {
            e.add(field, message);
        }
        invalid(e)?;
        let Some(count) = count else {
            return Err(ServiceError::invalid("grade", "还有党员未提出评定意见"));
        };
        let stage = if count.over_cap() {
            ReviewStage::AwaitingApproval
        } else {
            ReviewStage::Decided
        };
        let mut tx = self.db().write().await?;
        let decision = DecisionRow {
            on,
            expected,
            present,
            excess_reason: excess.as_deref().filter(|_| count.over_cap()),
            stage,
        };
        if !store::decide(&mut tx, id, form.version, &decision).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        let opened = if stage == ReviewStage::Decided {
            store::open_dispositions(&mut tx, id, on, now).await?
        } else {
            Vec::new()
        };
        let event = Event::new("review.decide")
            .object("review", id)
            .detail(json!({
                "stage": stage.code(), "excellent": count.excellent, "graded": count.graded,
                "unqualified": count.unqualified, "dispositions": opened,
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The committee office approves a review with more 优秀 than the share, or returns it to
    /// the branch committee to propose again.
    pub async fn approve_review(
        &self,
        actor: &Actor,
        id: i64,
        form: &ApprovalForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ApproveReviews, "review.approve")
            .await?;
        let (review, _) = self.review_for(actor, id, "review.approve").await?;
        if review.stage != ReviewStage::AwaitingApproval || review.version != form.version {
            return Err(ServiceError::conflict("version", STALE));
        }
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let approve = match form.decision.trim() {
            "approve" => true,
            "return" => false,
            _ => {
                e.add("decision", "请选择同意或退回重新评定");
                false
            }
        };
        let on = day_or_today(&form.approved_on, today, "approved_on", &mut e);
        if review.decided_on.is_some_and(|d| on < d) {
            e.add("approved_on", "审批日期不能早于评定日期");
        }
        let approver = required(&form.approver, "审批机关", SHORT, "approver", &mut e);
        invalid(e)?;
        let mut tx = self.db().write().await?;
        let done = if approve {
            store::approve(&mut tx, id, form.version, on, &approver).await?
        } else {
            store::send_back(&mut tx, id, form.version).await?
        };
        if !done {
            return Err(ServiceError::conflict("version", STALE));
        }
        let opened = if approve {
            store::open_dispositions(&mut tx, id, on, now).await?
        } else {
            Vec::new()
        };
        let event = Event::new("review.approve")
            .object("review", id)
            .detail(json!({ "approved": approve, "dispositions": opened }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The dispositions in scope, open first.
    pub async fn dispositions(&self, actor: &Actor) -> ServiceResult<Vec<DispositionView>> {
        self.require(actor, Permission::ReviewMembers, "disposition.list")
            .await?;
        let mut tx = self.db().read().await?;
        let rows = store::dispositions(&mut tx, &actor.scope).await?;
        let ids: Vec<i64> = rows.iter().map(|d| d.id).collect();
        let mut steps = store::steps_of(&mut tx, &ids).await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|d| {
                let steps = steps.remove(&d.id).unwrap_or_default();
                self.disposition_view(d, steps)
            })
            .collect())
    }

    fn disposition_view(&self, d: DispositionRow, steps: Vec<StepRow>) -> DispositionView {
        let done: Vec<StepDone> = steps.iter().map(|s| s.done).collect();
        let rules = self.rule_book();
        let rules = rules.on(d.opened_on);
        DispositionView {
            next: next_step(d.kind, &done),
            follow_up_due: follow_up_due(d.kind, &done, d.months.unwrap_or_default()),
            outcome: outcome(d.kind, &done),
            pre_reviewer: d.kind.pre_reviewer(&rules.disposition).to_owned(),
            disposition: d,
            steps,
        }
    }

    async fn disposition_for(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<(DispositionRow, Vec<StepRow>)> {
        let mut tx = self.db().read().await?;
        let row = store::disposition_by_id(&mut tx, id).await?;
        let steps = match &row {
            Some(_) => store::steps(&mut tx, id).await?,
            None => Vec::new(),
        };
        tx.commit().await?;
        match row {
            Some(d) if actor.scope.covers_org(&d.org_path) => Ok((d, steps)),
            Some(_) => Err(self.out_of_scope(actor, event, "disposition", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// A disposition in scope with its steps.
    pub async fn disposition(&self, actor: &Actor, id: i64) -> ServiceResult<DispositionView> {
        self.require(actor, Permission::ReviewMembers, "disposition.view")
            .await?;
        let (d, steps) = self.disposition_for(actor, id, "disposition.view").await?;
        Ok(self.disposition_view(d, steps))
    }

    /// Records the next step of a disposition. The upper committee's steps (预审, 审批) are
    /// the committee office's to record; the branch records the others.
    pub async fn record_disposition_step(
        &self,
        actor: &Actor,
        id: i64,
        form: &StepForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ReviewMembers, "disposition.step")
            .await?;
        let (d, steps) = self.disposition_for(actor, id, "disposition.step").await?;
        if d.version != form.version {
            return Err(ServiceError::conflict("version", STALE));
        }
        let Some(step) = DispositionStep::from_code(form.step.trim()) else {
            return Err(ServiceError::invalid("step", "请选择办理步骤"));
        };
        if matches!(step, DispositionStep::PreReview | DispositionStep::Approval) {
            self.require(actor, Permission::ApproveReviews, "disposition.step")
                .await?;
        }
        let today = self.clock().today();
        let now = self.clock().now();
        let rules = self.rule_book();
        let rules = rules.on(d.opened_on);
        let mut e = FieldErrors::new();
        let on = day_or_today(&form.on, today, "on", &mut e);
        let note = optional_long(&form.note, "情况说明", LONG, "note", &mut e).unwrap_or_default();
        let mut tx = self.db().write().await?;
        let mut new = NewStep {
            step,
            on,
            talkers: 0,
            talkers_full: true,
            ballot: None,
        };
        let mut people = String::new();
        let mut passed = true;
        let mut vote = None;
        match step {
            DispositionStep::Talk => {
                let mut names = Vec::new();
                let mut ids = Vec::new();
                for (field, raw) in [("talker_a", &form.talker_a), ("talker_b", &form.talker_b)] {
                    let found = match MemberRef::parse(raw.trim()) {
                        Ok(r) => member_by_ref(&mut tx, &r).await?,
                        Err(_) => None,
                    };
                    match found {
                        Some(m) if actor.scope.covers_member(m.id, &m.branch_path) => {
                            if m.category != Category::Full || m.id == d.member_id {
                                new.talkers_full = false;
                            }
                            if !ids.contains(&m.id) {
                                ids.push(m.id);
                                names.push(m.name);
                            }
                        }
                        _ => e.add(field, "请填写谈话党员的警号或党员编号"),
                    }
                }
                new.talkers = ids.len();
                people = names.join("、");
            }
            DispositionStep::PreReview | DispositionStep::Approval => {
                people = required(&form.authority, "机关", SHORT, "authority", &mut e);
                passed = match form.agreed.trim() {
                    "yes" => true,
                    "no" => false,
                    _ => {
                        e.add("agreed", "请选择是否同意");
                        true
                    }
                };
            }
            DispositionStep::Meeting => {
                let ballot = Ballot {
                    expected: parse_count(
                        &form.expected,
                        "expected",
                        "应到会有表决权党员人数",
                        &mut e,
                    ),
                    present: parse_count(
                        &form.present,
                        "present",
                        "实到会有表决权党员人数",
                        &mut e,
                    ),
                    ayes_present: parse_count(&form.ayes, "ayes", "赞成票数", &mut e),
                    written_ayes: match form.written_ayes.trim() {
                        "" => 0,
                        raw => parse_count(raw, "written_ayes", "书面赞成数", &mut e),
                    },
                    written_total: match form.written_total.trim() {
                        "" => 0,
                        raw => parse_count(raw, "written_total", "书面意见数", &mut e),
                    },
                };
                new.ballot = Some(ballot);
                vote = Some((
                    ballot.expected,
                    ballot.present,
                    ballot.ayes_present + ballot.written_ayes,
                ));
            }
            DispositionStep::FollowUp => {
                passed = match form.agreed.trim() {
                    "yes" => true,
                    "no" => false,
                    _ => {
                        e.add("agreed", "请选择考察结论");
                        true
                    }
                };
            }
            DispositionStep::Announce => {}
        }
        if e.is_empty() {
            let done: Vec<StepDone> = steps.iter().map(|s| s.done).collect();
            match check_step(
                d.kind,
                &done,
                d.months.unwrap_or_default(),
                &new,
                today,
                &rules.disposition,
            ) {
                Ok(Some(vote_passed)) => passed = vote_passed,
                Ok(None) => {}
                Err((field, message)) => e.add(field, message),
            }
        }
        invalid(e)?;
        let done_step = StepDone { step, on, passed };
        let mut all: Vec<StepDone> = steps.iter().map(|s| s.done).collect();
        all.push(done_step);
        let new_status = status(d.kind, &all);
        let row = NewStepRow {
            done: done_step,
            people: &people,
            note: &note,
            vote,
            by: &actor.login,
        };
        if !store::record_step(&mut tx, id, form.version, &row, new_status, now).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        let event = Event::new("disposition.step").object("disposition", id).detail(json!({
            "step": step.code(), "on": on.to_string(), "passed": passed, "status": new_status.code(),
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }
}

pub use dangjian_store::assess::rating::{
    IndicatorRow, ObjectionRow, ResultRow, RoundOrgRow, RoundRow, ScoreRow, SetRow,
};
pub use dangjian_store::assess::{AdoptionRow, PracticeRow};
pub use dangjian_store::assess::{
    DispositionRow, DutyCommentRow, DutyReviewRow, EntryRow, ReviewRow, StepRow,
};
pub use duty::{CommentForm, DutyGradeForm, DutyReviewForm, DutyReviewView};
pub use practice::{AdoptionForm, PracticeDecisionForm, PracticeForm, PracticeView};
pub use rating::{
    AnswerForm, IndicatorForm, ObjectionForm, RoundForm, RoundOrgView, RoundView, ScoreForm,
    SelfSubmitForm, SetForm, SetView, VersionForm,
};
pub use standing::{Standing, StandingList, StandingQuery};

mod duty;
mod practice;
mod rating;
mod readings;
mod standing;
