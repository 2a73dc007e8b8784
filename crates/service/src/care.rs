//! 关爱与表彰 (issue 16, 6–7): commendations and awards proposed by an org and approved by the
//! committee office, each checked against the eligibility rule of the conduct area on its day
//! (the refusal names the effect, never the facts); each member's honours on their record;
//! the 光荣在党50年 list of a year; care visits, the hardship register with its follow-ups and
//! support in whole fen, and the care to-do list (政治生日 of the coming days, hardship cases
//! gone quiet) — no visit is ever counted against a quota.

use chrono::{Datelike, Days, NaiveDate};
use dangjian_core::care::{
    CommendationStatus, HardshipKind, HonourLevel, HonourSystem, Nominee, Occasion, check_proposal,
    follow_up_due, glorious_fifty, glorious_fifty_window, political_birthday,
};
use dangjian_core::field::FieldErrors;
use dangjian_core::member::{Category, MemberRef, parse_date};
use dangjian_core::money::Fen;
use dangjian_core::role::{Permission, Scope};
use dangjian_store::care::{self as store, Decision, NewCommendation, NewHardship, NewVisit};
use dangjian_store::members::{self, Anniversary, MemberRow};
use dangjian_store::{Conn, Page};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::conduct::eligibility_in;
use crate::error::{ServiceError, ServiceResult};
use crate::orglife::{optional, required};
use crate::rectification::invalid;
use crate::scope::{NO_SUCH_MEMBER, UNKNOWN_ORG, member_by_ref, org_by_code_in_scope};

pub use dangjian_store::care::{CommendationRow, FollowUpRow, HardshipRow, VisitRow};

const SHORT: usize = 100;
const LONG: usize = 2000;
const STALE: &str = "该记录已被他人修改，请刷新后重试";

/// A proposal: a member (by 警号 or member number) or an org (by code).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProposalForm {
    pub system: String,
    pub kind: String,
    pub level: String,
    pub member: String,
    pub org: String,
    pub citation: String,
    /// Today when empty.
    pub proposed_on: String,
}

/// A decision on a proposal: `approve` or `reject`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DecisionForm {
    pub version: i64,
    pub decision: String,
    pub decided_on: String,
    pub approver: String,
    pub note: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VisitForm {
    pub member: String,
    pub occasion: String,
    pub visited_on: String,
    pub visitors: String,
    pub notes: String,
    /// Yuan, as typed; empty when nothing was given.
    pub amount: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HardshipForm {
    pub member: String,
    pub kind: String,
    pub description: String,
    pub registered_on: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FollowUpForm {
    pub followed_on: String,
    pub note: String,
    pub amount: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CloseForm {
    pub version: i64,
    pub closed_on: String,
    pub note: String,
}

/// Whom a visit or follow-up is due for: nothing is counted.
#[derive(Debug, Clone, Default)]
pub struct CareTodo {
    /// (member, name, branch, the day, years in the party)
    pub birthdays: Vec<(i64, String, String, NaiveDate, i32)>,
    /// Open cases with no follow-up for the days of the rules.
    pub follow_ups_due: Vec<HardshipRow>,
}

/// A date no later than `today`; today when empty.
pub(crate) fn day_or_today(
    raw: &str,
    today: NaiveDate,
    field: &'static str,
    e: &mut FieldErrors,
) -> NaiveDate {
    match raw.trim() {
        "" => today,
        raw => match parse_date(raw) {
            Ok(d) if d > today => {
                e.add(field, "日期不能晚于今天");
                today
            }
            Ok(d) => d,
            Err(err) => {
                e.add(field, err.to_string());
                today
            }
        },
    }
}

/// An optional amount in yuan.
fn amount(raw: &str, e: &mut FieldErrors) -> Option<Fen> {
    if raw.trim().is_empty() {
        return None;
    }
    match Fen::parse_yuan(raw) {
        Ok(Fen(0)) => {
            e.add("amount", "金额须大于0；没有发放钱物请留空");
            None
        }
        Ok(f) => Some(f),
        Err(message) => {
            e.add("amount", message);
            None
        }
    }
}

/// The member a form names, inside the actor's scope.
async fn member_in_scope(
    conn: &mut Conn,
    actor: &Actor,
    raw: &str,
    e: &mut FieldErrors,
) -> ServiceResult<Option<MemberRow>> {
    if raw.trim().is_empty() {
        e.add("member", "请填写党员警号或党员编号");
        return Ok(None);
    }
    let found = match MemberRef::parse(raw.trim()) {
        Ok(r) => member_by_ref(conn, &r)
            .await?
            .filter(|m| actor.scope.covers_member(m.id, &m.branch_path)),
        Err(err) => {
            e.add("member", err.to_string());
            return Ok(None);
        }
    };
    if found.is_none() {
        e.add("member", NO_SUCH_MEMBER);
    }
    Ok(found)
}

impl Services {
    /// Whether `nominee` may receive a `kind` of `system` on `day`, read inside `conn`.
    async fn check_nominee(
        &self,
        conn: &mut Conn,
        system: HonourSystem,
        kind: &str,
        member: Option<&MemberRow>,
        day: NaiveDate,
    ) -> ServiceResult<Result<(), (&'static str, String)>> {
        let book = self.rule_book();
        let rules = book.on(day);
        let Some(m) = member else {
            return Ok(check_proposal(system, kind, &Nominee::Org, day, rules));
        };
        let eligibility = eligibility_in(conn, &book, &[m.id], day)
            .await?
            .remove(&m.id)
            .unwrap_or_default();
        let earlier: Vec<(String, NaiveDate)> = store::honours_of(conn, m.id)
            .await?
            .into_iter()
            .filter(|h| h.system == HonourSystem::Police)
            .filter_map(|h| Some((h.kind, h.decided_on?)))
            .collect();
        let nominee = Nominee::Member {
            full_member: m.category == Category::Full,
            eligibility: &eligibility,
            earlier_awards: &earlier,
        };
        if let Err(refusal) = check_proposal(system, kind, &nominee, day, rules) {
            return Ok(Err(refusal));
        }
        // The bars of the member's other records: the review grade, a disposition, dues.
        let own = Scope::OwnRecord { member_id: m.id };
        let standing = self
            .standings_in(conn, &[m.id], &own, day, false)
            .await?
            .remove(&m.id)
            .unwrap_or_default();
        Ok(match standing.commend.first() {
            Some(reason) => Err(("member", format!("该党员{reason}，不能提名"))),
            None => Ok(()),
        })
    }

    /// Proposes a commendation or award for a member or an org in scope; returns its id.
    pub async fn propose_commendation(
        &self,
        actor: &Actor,
        form: &ProposalForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordHonours, "commendation.propose")
            .await?;
        if !form.member.trim().is_empty() {
            self.check_police_number(actor, form.member.trim(), "member", "commendation.propose")
                .await?;
        } else {
            self.check_org_code(actor, form.org.trim(), "org", "commendation.propose")
                .await?;
        }
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let system = HonourSystem::from_code(form.system.trim());
        if system.is_none() {
            e.add("system", "请选择党内表彰或公安奖励");
        }
        let level = HonourLevel::from_code(form.level.trim());
        if level.is_none() {
            e.add("level", "请选择授予层级");
        }
        let citation = required(&form.citation, "主要事迹", LONG, "citation", &mut e);
        let proposed_on = day_or_today(&form.proposed_on, today, "proposed_on", &mut e);
        let mut tx = self.db().write().await?;
        let (member, org_id) = if form.member.trim().is_empty() && !form.org.trim().is_empty() {
            let org = org_by_code_in_scope(&mut tx, actor, &form.org).await?;
            if org.is_none() {
                e.add("org", UNKNOWN_ORG);
            }
            (None, org.map(|o| o.id))
        } else {
            let m = member_in_scope(&mut tx, actor, &form.member, &mut e).await?;
            let branch = m.as_ref().map(|m| m.branch_id);
            (m, branch)
        };
        if let Some(system) = system
            && org_id.is_some()
            && let Err((field, message)) = self
                .check_nominee(
                    &mut tx,
                    system,
                    form.kind.trim(),
                    member.as_ref(),
                    proposed_on,
                )
                .await?
        {
            e.add(field, message);
        }
        invalid(e)?;
        let (Some(system), Some(level), Some(org_id)) = (system, level, org_id) else {
            return Err(ServiceError::invalid("system", "提名信息不完整"));
        };
        let id = store::insert_commendation(
            &mut tx,
            &NewCommendation {
                system,
                kind: form.kind.trim(),
                level,
                member_id: member.as_ref().map(|m| m.id),
                org_id,
                citation: &citation,
                proposed_on,
                proposed_by: &actor.login,
            },
            now,
        )
        .await?;
        let event = Event::new("commendation.propose").object("commendation", id).detail(json!({
            "system": system.code(), "kind": form.kind.trim(), "member": member.as_ref().map(|m| m.id), "org": org_id,
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Approves or refuses a proposal in scope; an approval checks the nominee again on its day.
    pub async fn decide_commendation(
        &self,
        actor: &Actor,
        id: i64,
        form: &DecisionForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ApproveHonours, "commendation.decide")
            .await?;
        let row = self
            .commendation_in_scope(actor, id, "commendation.decide")
            .await?;
        if row.status != CommendationStatus::Proposed || row.version != form.version {
            return Err(ServiceError::conflict("version", STALE));
        }
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let status = match form.decision.trim() {
            "approve" => Some(CommendationStatus::Approved),
            "reject" => Some(CommendationStatus::Rejected),
            _ => {
                e.add("decision", "请选择批准或不予批准");
                None
            }
        };
        let decided_on = day_or_today(&form.decided_on, today, "decided_on", &mut e);
        if decided_on < row.proposed_on {
            e.add(
                "decided_on",
                format!("审批日期不能早于提名日期（{}）", row.proposed_on),
            );
        }
        let approver = required(&form.approver, "批准机关", SHORT, "approver", &mut e);
        let note = optional(&form.note, "审批意见", LONG, "note", &mut e).unwrap_or_default();
        let mut tx = self.db().write().await?;
        if status == Some(CommendationStatus::Approved) {
            let member = match row.member_id {
                Some(m) => members::get(&mut tx, m).await?,
                None => None,
            };
            if let Err((_, message)) = self
                .check_nominee(&mut tx, row.system, &row.kind, member.as_ref(), decided_on)
                .await?
            {
                e.add("decision", message);
            }
        }
        invalid(e)?;
        let Some(status) = status else {
            return Err(ServiceError::invalid("decision", "请选择批准或不予批准"));
        };
        let decision = Decision {
            status,
            decided_on,
            approver: &approver,
            note: &note,
        };
        if !store::decide(&mut tx, id, form.version, &decision).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        let event = Event::new("commendation.decide")
            .object("commendation", id)
            .detail(json!({ "status": status.code(), "on": decided_on.to_string() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn commendation_in_scope(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<CommendationRow> {
        let mut tx = self.db().read().await?;
        let row = store::commendation_by_id(&mut tx, id).await?;
        tx.commit().await?;
        match row {
            Some(c) if actor.scope.covers_org(&c.scope_path) => Ok(c),
            Some(_) => Err(self.out_of_scope(actor, event, "commendation", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// One page of the proposals and honours in scope.
    pub async fn commendations(
        &self,
        actor: &Actor,
        status: Option<CommendationStatus>,
        page: Page,
    ) -> ServiceResult<(Vec<CommendationRow>, i64)> {
        self.require(actor, Permission::RecordHonours, "commendation.list")
            .await?;
        let mut tx = self.db().read().await?;
        let found = store::commendations(&mut tx, &actor.scope, status, page).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// A commendation in scope.
    pub async fn commendation(&self, actor: &Actor, id: i64) -> ServiceResult<CommendationRow> {
        self.require(actor, Permission::RecordHonours, "commendation.view")
            .await?;
        self.commendation_in_scope(actor, id, "commendation.view")
            .await
    }

    /// A member's honours (approved), for anyone who may read the member.
    pub async fn member_honours(
        &self,
        actor: &Actor,
        member_id: i64,
    ) -> ServiceResult<Vec<CommendationRow>> {
        self.require(actor, Permission::ReadMembers, "member.view")
            .await?;
        self.load_member(actor, member_id, "member.view").await?;
        let mut tx = self.db().read().await?;
        let honours = store::honours_of(&mut tx, member_id).await?;
        tx.commit().await?;
        Ok(honours)
    }

    /// The members in scope whose fifty years in the party fall due in `year` (M6.2), with
    /// the day they became full members.
    pub async fn glorious_fifty(
        &self,
        actor: &Actor,
        year: i32,
    ) -> ServiceResult<Vec<Anniversary>> {
        self.require(actor, Permission::RecordHonours, "commendation.list")
            .await?;
        let rules = self.rules();
        let Some((after, through)) = glorious_fifty_window(year, rules) else {
            return Ok(Vec::new());
        };
        let mut tx = self.db().read().await?;
        let found = members::full_between(&mut tx, &actor.scope, after, through).await?;
        tx.commit().await?;
        Ok(found
            .into_iter()
            .filter(|m| {
                glorious_fifty(m.joined_on, year, rules)
                    && !glorious_fifty(m.joined_on, year - 1, rules)
            })
            .collect())
    }

    /// Records a care visit to a member in scope; returns its id.
    pub async fn record_visit(&self, actor: &Actor, form: &VisitForm) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordHonours, "care.visit")
            .await?;
        self.check_police_number(actor, form.member.trim(), "member", "care.visit")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let occasion = Occasion::from_code(form.occasion.trim());
        if occasion.is_none() {
            e.add("occasion", "请选择走访慰问的事由");
        }
        let visited_on = day_or_today(&form.visited_on, today, "visited_on", &mut e);
        let visitors = required(&form.visitors, "走访人员", SHORT, "visitors", &mut e);
        let notes = required(&form.notes, "走访情况", LONG, "notes", &mut e);
        let amount = amount(&form.amount, &mut e);
        let mut tx = self.db().write().await?;
        let member = member_in_scope(&mut tx, actor, &form.member, &mut e).await?;
        invalid(e)?;
        let (Some(member), Some(occasion)) = (member, occasion) else {
            return Err(ServiceError::invalid("member", NO_SUCH_MEMBER));
        };
        let id = store::insert_visit(
            &mut tx,
            &NewVisit {
                member_id: member.id,
                occasion: occasion.code(),
                visited_on,
                visitors: &visitors,
                notes: &notes,
                amount,
                created_by: &actor.login,
            },
            now,
        )
        .await?;
        let event = Event::new("care.visit").object("visit", id).detail(json!({
            "member": member.id, "occasion": occasion.code(), "amount_fen": amount.map(|a| a.0),
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One page of the visits in scope, or of one member.
    pub async fn visits(
        &self,
        actor: &Actor,
        member: Option<i64>,
        page: Page,
    ) -> ServiceResult<(Vec<VisitRow>, i64)> {
        self.require(actor, Permission::RecordHonours, "care.visit.list")
            .await?;
        let mut tx = self.db().read().await?;
        let found = store::visits(&mut tx, &actor.scope, member, page).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Registers a member in scope as in hardship; returns the case's id.
    pub async fn register_hardship(
        &self,
        actor: &Actor,
        form: &HardshipForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordHonours, "care.hardship")
            .await?;
        self.check_police_number(actor, form.member.trim(), "member", "care.hardship")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let kind = HardshipKind::from_code(form.kind.trim());
        if kind.is_none() {
            e.add("kind", "请选择困难类型");
        }
        let description = required(&form.description, "困难情况", LONG, "description", &mut e);
        let registered_on = day_or_today(&form.registered_on, today, "registered_on", &mut e);
        let mut tx = self.db().write().await?;
        let member = member_in_scope(&mut tx, actor, &form.member, &mut e).await?;
        invalid(e)?;
        let (Some(member), Some(kind)) = (member, kind) else {
            return Err(ServiceError::invalid("member", NO_SUCH_MEMBER));
        };
        let id = store::insert_hardship(
            &mut tx,
            &NewHardship {
                member_id: member.id,
                kind: kind.code(),
                description: &description,
                registered_on,
                created_by: &actor.login,
            },
            now,
        )
        .await?;
        let event = Event::new("care.hardship")
            .object("hardship", id)
            .detail(json!({ "member": member.id, "kind": kind.code() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The hardship cases in scope, open first.
    pub async fn hardship_cases(&self, actor: &Actor) -> ServiceResult<Vec<HardshipRow>> {
        self.require(actor, Permission::RecordHonours, "care.hardship.list")
            .await?;
        let mut tx = self.db().read().await?;
        let cases = store::hardship_cases(&mut tx, &actor.scope, false).await?;
        tx.commit().await?;
        Ok(cases)
    }

    /// A hardship case in scope with its follow-ups.
    pub async fn hardship_case(
        &self,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<(HardshipRow, Vec<FollowUpRow>)> {
        self.require(actor, Permission::RecordHonours, "care.hardship.view")
            .await?;
        let case = self
            .hardship_in_scope(actor, id, "care.hardship.view")
            .await?;
        let mut tx = self.db().read().await?;
        let follow_ups = store::follow_ups(&mut tx, id).await?;
        tx.commit().await?;
        Ok((case, follow_ups))
    }

    async fn hardship_in_scope(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<HardshipRow> {
        let mut tx = self.db().read().await?;
        let row = store::hardship_by_id(&mut tx, id).await?;
        tx.commit().await?;
        match row {
            Some(c) if actor.scope.covers_org(&c.scope_path) => Ok(c),
            Some(_) => Err(self.out_of_scope(actor, event, "hardship", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// Records a follow-up of an open case, with any support given.
    pub async fn follow_up_hardship(
        &self,
        actor: &Actor,
        id: i64,
        form: &FollowUpForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordHonours, "care.hardship.follow_up")
            .await?;
        let case = self
            .hardship_in_scope(actor, id, "care.hardship.follow_up")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        if case.closed_on.is_some() {
            e.add("note", "该帮扶事项已结束");
        }
        let on = day_or_today(&form.followed_on, today, "followed_on", &mut e);
        if on < case.registered_on {
            e.add(
                "followed_on",
                format!("跟进日期不能早于登记日期（{}）", case.registered_on),
            );
        }
        let note = required(&form.note, "帮扶情况", LONG, "note", &mut e);
        let amount = amount(&form.amount, &mut e);
        invalid(e)?;
        let mut tx = self.db().write().await?;
        store::insert_follow_up(&mut tx, id, on, &note, amount, &actor.login, now).await?;
        let event = Event::new("care.hardship.follow_up")
            .object("hardship", id)
            .detail(json!({ "on": on.to_string(), "amount_fen": amount.map(|a| a.0) }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes an open case (the hardship is over, or the member left).
    pub async fn close_hardship(
        &self,
        actor: &Actor,
        id: i64,
        form: &CloseForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordHonours, "care.hardship.close")
            .await?;
        let case = self
            .hardship_in_scope(actor, id, "care.hardship.close")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let on = day_or_today(&form.closed_on, today, "closed_on", &mut e);
        if on < case.registered_on {
            e.add(
                "closed_on",
                format!("结束日期不能早于登记日期（{}）", case.registered_on),
            );
        }
        let note = required(&form.note, "结束原因", LONG, "note", &mut e);
        invalid(e)?;
        let mut tx = self.db().write().await?;
        if !store::close_hardship(&mut tx, id, form.version, on, &note).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        let event = Event::new("care.hardship.close")
            .object("hardship", id)
            .detail(json!({ "on": on.to_string() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whom a visit or follow-up is due for in scope: 政治生日 of the coming days (when the
    /// bureau keeps them), and open hardship cases gone quiet.
    pub async fn care_todo(&self, actor: &Actor) -> ServiceResult<CareTodo> {
        self.require(actor, Permission::RecordHonours, "care.todo")
            .await?;
        let today = self.clock().today();
        let rules = self.rules();
        let mut tx = self.db().read().await?;
        let mut todo = CareTodo::default();
        if rules.care.political_birthday_reminder {
            let days = rules.care.political_birthday_notice_days;
            let last = today + Days::new(u64::from(days));
            let md = |d: NaiveDate| format!("{:02}-{:02}", d.month(), d.day());
            // 29 February is kept on the 28th in other years: read from the 28th then.
            let from = md(today);
            let to = if last.month() == 2 && last.day() == 28 {
                "02-29".to_owned()
            } else {
                md(last)
            };
            for a in members::joined_between(&mut tx, &actor.scope, &from, &to).await? {
                if let Some((on, years)) = political_birthday(a.joined_on, today, days) {
                    todo.birthdays
                        .push((a.member_id, a.name, a.branch_name, on, years));
                }
            }
            todo.birthdays.sort_by_key(|b| b.3);
        }
        for case in store::hardship_cases(&mut tx, &actor.scope, true).await? {
            if follow_up_due(
                case.last_follow_up.unwrap_or(case.registered_on),
                today,
                rules,
            ) {
                todo.follow_ups_due.push(case);
            }
        }
        tx.commit().await?;
        Ok(todo)
    }
}
