//! 作风纪律 (issue 16): the findings register, handling and the four forms, sanctions with
//! their periods, and eligibility. Findings and sanctions are confidential: only the
//! discipline roles read them, within their scope, and every read is audited. Every other
//! area and role asks for derived effects only — [`Services::member_effects`] for a page,
//! [`eligibility_in`] and [`suspend_votes`] inside another area's transaction — which say
//! what a member may not do and until when, never why.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use dangjian_core::conduct::{
    self as rules, CategoryGroup, Effects, Eligibility, Handling, Sanction, Source, Track, Until,
    check_sanction, effects, eligibility, kind_rule,
};
use dangjian_core::field::FieldErrors;
use dangjian_core::member::{MemberRef, parse_date};
use dangjian_core::org::Code;
use dangjian_core::role::Permission;
use dangjian_core::rules::RuleBook;
use dangjian_store::conduct::{
    self as store, HandlingChange, NewEvidence, NewFinding, NewSanction, SanctionProgress,
};
use dangjian_store::orglife::RollMember;
use dangjian_store::{Conn, Page, orgs};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::orglife::{optional, required};
use crate::rectification::invalid;
use crate::scope::{NO_SUCH_MEMBER, UNKNOWN_ORG, member_by_ref};

pub use dangjian_store::conduct::{EvidenceRow, FindingFilter, FindingRow, SanctionRow};

const SHORT: usize = 100;
const LONG: usize = 2000;
const STALE: &str = "该记录已被他人修改，请刷新后重试";
/// At most this many evidence files at a time.
const MAX_FILES: usize = 5;

/// A finding as its recorder writes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FindingForm {
    pub source: String,
    /// The member it is about, by 警号 or member number; empty when it is about an org.
    pub member: String,
    /// The org it is about, by code (when not a member).
    pub org: String,
    pub category_group: String,
    pub category: String,
    pub facts: String,
    pub found_on: String,
}

/// How a finding was handled; for a sanction, the decision too.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HandlingForm {
    pub version: i64,
    pub handling: String,
    pub handled_on: String,
    pub outcome: String,
    /// The sanction's kind, when the handling is a sanction.
    pub kind: String,
    pub probation_months: String,
    pub deciding_body: String,
    pub document_ref: String,
}

/// A sanction recorded on its own (one decided before the platform, or without a finding).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SanctionForm {
    pub member: String,
    pub track: String,
    pub kind: String,
    pub decided_on: String,
    pub probation_months: String,
    pub deciding_body: String,
    pub document_ref: String,
    pub note: String,
}

/// What happened to a sanction since: a 留党察看 extended or its rights restored, a decision
/// revoked. Empty fields are none.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProgressForm {
    pub version: i64,
    pub extended_on: String,
    pub restored_on: String,
    pub revoked_on: String,
}

/// A sanction with what it does.
#[derive(Debug, Clone)]
pub struct SanctionView {
    pub row: SanctionRow,
    pub effects: Effects,
    /// Where it stands today, in words.
    pub status: String,
    /// Whether its influence still runs today.
    pub in_effect: bool,
}

/// A finding with its sanction, and what the actor may do with it.
#[derive(Debug, Clone)]
pub struct FindingDetail {
    pub finding: FindingRow,
    pub sanction: Option<SanctionView>,
    pub evidence: Vec<EvidenceRow>,
    pub can_handle: bool,
    pub can_decide_sanctions: bool,
    /// A finding about an org may open a rectification (once).
    pub can_open_rectification: bool,
}

/// What a member may not do, as any reader of the member sees it; the causes only for the
/// discipline roles.
#[derive(Debug, Clone, Default)]
pub struct MemberEffects {
    pub eligibility: Eligibility,
    pub derived: Vec<String>,
    pub causes: Option<Vec<String>>,
}

/// A date no later than `today`, or an error at the field.
fn past_date(
    raw: &str,
    today: NaiveDate,
    field: &'static str,
    e: &mut FieldErrors,
) -> Option<NaiveDate> {
    if raw.trim().is_empty() {
        e.add(field, "请填写日期");
        return None;
    }
    let day = e.check(field, parse_date(raw.trim()))?;
    if day > today {
        e.add(field, "日期不能晚于今天");
        return None;
    }
    Some(day)
}

/// An optional date no later than `today`.
fn optional_date(
    raw: &str,
    today: NaiveDate,
    field: &'static str,
    e: &mut FieldErrors,
) -> Option<NaiveDate> {
    if raw.trim().is_empty() {
        None
    } else {
        past_date(raw, today, field, e)
    }
}

fn months(raw: &str, e: &mut FieldErrors) -> Option<u32> {
    match raw.trim() {
        "" => None,
        raw => match raw.parse::<u32>() {
            Ok(m) => Some(m),
            Err(_) => {
                e.add("probation_months", "察看期限须为月数，如 12");
                None
            }
        },
    }
}

/// A sanction decision as a form gives it, checked against the rules of its day: the
/// sanction, its deciding body and document reference; problems go to their fields.
struct Decision<'a> {
    track: Track,
    kind: &'a str,
    decided_on: Option<NaiveDate>,
    probation_months: &'a str,
    deciding_body: &'a str,
    document_ref: &'a str,
}

impl Decision<'_> {
    fn parse(self, book: &RuleBook, e: &mut FieldErrors) -> Option<(Sanction, String, String)> {
        let probation_months = months(self.probation_months, e);
        let body = required(self.deciding_body, "决定机关", SHORT, "deciding_body", e);
        let document = required(self.document_ref, "处分决定文号", SHORT, "document_ref", e);
        let s = Sanction {
            track: self.track,
            kind: self.kind.trim().to_owned(),
            decided_on: self.decided_on?,
            probation_months,
            extended_on: None,
            restored_on: None,
            revoked_on: None,
        };
        match check_sanction(&s, book.on(s.decided_on)) {
            Ok(()) => Some((s, body, document)),
            Err((field, message)) => {
                e.add(field, message);
                None
            }
        }
    }
}

/// Whether the sanction ends the member's party posts (留党察看: R6.4), by the rules of its day.
fn removes_posts(book: &RuleBook, s: &Sanction) -> bool {
    matches!(
        kind_rule(book.on(s.decided_on), s.track, &s.kind),
        Some(rules::KindRule::Party(r)) if r.removes_party_posts
    )
}

/// The core's view of a stored sanction.
pub(crate) fn as_sanction(row: &SanctionRow) -> Sanction {
    Sanction {
        track: row.track,
        kind: row.kind.clone(),
        decided_on: row.decided_on,
        probation_months: row.probation_months,
        extended_on: row.extended_on,
        restored_on: row.restored_on,
        revoked_on: row.revoked_on,
    }
}

/// A sanction's standing on `today`, in words.
fn status(row: &SanctionRow, e: &Effects, today: NaiveDate) -> (String, bool) {
    if let Some(revoked) = row.revoked_on.filter(|d| *d <= today) {
        return (format!("已于 {revoked} 撤销"), false);
    }
    let running = e.influence.is_some_and(|i| i.covers(today));
    let text = match (e.probation_last_day, row.restored_on) {
        (Some(_), Some(restored)) if restored <= today => match e.influence.map(|i| i.until) {
            Some(until) if running => format!("已于 {restored} 恢复党员权利，影响期{until}"),
            _ => format!("已于 {restored} 恢复党员权利，影响期已满"),
        },
        (Some(last), _) if today <= last => format!("察看期内（至 {last}）"),
        (Some(last), _) => format!("察看期已于 {last} 届满，待作出恢复党员权利或开除党籍的决定"),
        _ if e.rejoin_ban_through.is_some() => match e.rejoin_ban_through {
            Some(d) if today <= d => format!("已开除（{d} 前不得重新入党）"),
            _ => "已开除".to_owned(),
        },
        _ => match e.influence.map(|i| i.until) {
            Some(Until::Day(d)) if running => format!("影响期内（至 {d}）"),
            Some(Until::Indefinite) => "长期有效".to_owned(),
            Some(Until::Day(d)) => format!("影响期已于 {d} 届满"),
            None => "—".to_owned(),
        },
    };
    (text, running)
}

/// Sets `voting` off for the members of a roll whose vote a 留党察看 (or an expulsion) takes
/// on `on` (R6.4, R8.4): what the org-life quorum and every vote count.
pub(crate) async fn suspend_votes(
    conn: &mut Conn,
    book: &RuleBook,
    roll: &mut [RollMember],
    on: NaiveDate,
) -> ServiceResult<()> {
    let voting: Vec<i64> = roll
        .iter()
        .filter(|m| m.voting)
        .map(|m| m.member_id)
        .collect();
    if voting.is_empty() {
        return Ok(());
    }
    let mut by_member: HashMap<i64, Vec<Sanction>> = HashMap::new();
    for row in store::sanctions_of(conn, &voting).await? {
        by_member
            .entry(row.member_id)
            .or_default()
            .push(as_sanction(&row));
    }
    for m in roll.iter_mut() {
        if let Some(s) = by_member.get(&m.member_id)
            && rules::vote_suspended(on, s, |d| book.on(d))
        {
            m.voting = false;
        }
    }
    Ok(())
}

/// The eligibility on `day` of each member listed (those with nothing against them are
/// absent: they may be commended and promoted).
pub(crate) async fn eligibility_in(
    conn: &mut Conn,
    book: &RuleBook,
    members: &[i64],
    day: NaiveDate,
) -> ServiceResult<HashMap<i64, Eligibility>> {
    let sanctions = store::sanctions_of(conn, members).await?;
    let open: HashSet<i64> = store::under_investigation(conn, members)
        .await?
        .into_iter()
        .collect();
    Ok(judge(book, sanctions, open, day))
}

/// Eligibility from the records: a member per entry, only those with a bar or a suspended vote.
fn judge(
    book: &RuleBook,
    sanctions: Vec<SanctionRow>,
    open: HashSet<i64>,
    day: NaiveDate,
) -> HashMap<i64, Eligibility> {
    let mut by_member: HashMap<i64, Vec<Sanction>> = HashMap::new();
    for row in &sanctions {
        by_member
            .entry(row.member_id)
            .or_default()
            .push(as_sanction(row));
    }
    for member in &open {
        by_member.entry(*member).or_default();
    }
    let today_rules = book.on(day);
    by_member
        .into_iter()
        .filter_map(|(member, s)| {
            let e = eligibility(day, &s, open.contains(&member), today_rules, |d| book.on(d));
            (e != Eligibility::default()).then_some((member, e))
        })
        .collect()
}

impl Services {
    /// One page of the findings in scope, newest first; the read is audited.
    pub async fn findings(
        &self,
        actor: &Actor,
        filter: FindingFilter,
        page: Page,
    ) -> ServiceResult<(Vec<FindingRow>, i64)> {
        self.require(actor, Permission::ReadConduct, "conduct.finding.list")
            .await?;
        let mut tx = self.db().read().await?;
        let found = store::findings(&mut tx, &actor.scope, filter, page).await?;
        tx.commit().await?;
        let event = Event::new("conduct.finding.list").detail(json!({
            "open": filter.open, "group": filter.group.map(|g| g.code()),
            "member": filter.member_id, "page": page.number, "shown": found.0.len(),
        }));
        self.record(actor, event).await?;
        Ok(found)
    }

    /// A finding in scope with its sanction; the read is audited.
    pub async fn finding(&self, actor: &Actor, id: i64) -> ServiceResult<FindingDetail> {
        self.require(actor, Permission::ReadConduct, "conduct.finding.view")
            .await?;
        let mut tx = self.db().read().await?;
        let finding = store::finding_by_id(&mut tx, id).await?;
        let sanction = match &finding {
            Some(f) if f.member_id.is_some() => {
                let all = store::sanctions_of(&mut tx, &[f.member_id.unwrap_or(0)]).await?;
                all.into_iter().find(|s| s.finding_id == Some(id))
            }
            _ => None,
        };
        let evidence = store::evidence(&mut tx, id).await?;
        tx.commit().await?;
        let finding = match finding {
            Some(f) if actor.scope.covers_org(&f.scope_path) => f,
            Some(_) => {
                return Err(self
                    .out_of_scope(actor, "conduct.finding.view", "finding", id)
                    .await);
            }
            None => return Err(ServiceError::NotFound),
        };
        self.record(
            actor,
            Event::new("conduct.finding.view").object("finding", id),
        )
        .await?;
        let today = self.clock().today();
        let book = self.rule_book();
        Ok(FindingDetail {
            can_handle: actor.permits(Permission::RecordConduct) && finding.handling.is_none(),
            can_decide_sanctions: actor.permits(Permission::DecideSanctions),
            can_open_rectification: actor.permits(Permission::RecordConduct)
                && finding.member_id.is_none()
                && finding.rectification_ref.is_none(),
            sanction: sanction.map(|row| self.sanction_view(row, &book, today)),
            evidence,
            finding,
        })
    }

    fn sanction_view(&self, row: SanctionRow, book: &RuleBook, today: NaiveDate) -> SanctionView {
        let effects = effects(&as_sanction(&row), book.on(row.decided_on));
        let (status, in_effect) = status(&row, &effects, today);
        SanctionView {
            row,
            effects,
            status,
            in_effect,
        }
    }

    /// Records a finding about a member or an org in scope; returns its id. A finding about a
    /// member is open (an investigation) until handled.
    pub async fn record_finding(&self, actor: &Actor, form: &FindingForm) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordConduct, "conduct.finding.create")
            .await?;
        if !form.member.trim().is_empty() {
            self.check_police_number(
                actor,
                form.member.trim(),
                "member",
                "conduct.finding.create",
            )
            .await?;
        } else {
            self.check_org_code(actor, form.org.trim(), "org", "conduct.finding.create")
                .await?;
        }
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let source = match Source::from_code(form.source.trim()) {
            Some(s) => Some(s),
            None => {
                e.add("source", "请选择问题来源");
                None
            }
        };
        let found_on = past_date(&form.found_on, today, "found_on", &mut e);
        let book = self.rule_book();
        let rules_of_day = book.on(found_on.unwrap_or(today));
        let group = CategoryGroup::from_code(form.category_group.trim());
        if group.is_none() {
            e.add("category_group", "请选择问题类别");
        }
        let category = form.category.trim();
        if let Some(group) = group
            && !group.has(rules_of_day, category)
        {
            e.add("category", format!("请从“{}”的类别中选择", group.label()));
        }
        let facts = required(&form.facts, "问题事实", LONG, "facts", &mut e);
        let mut tx = self.db().write().await?;
        let (member_id, org_id, subject) = if !form.member.trim().is_empty() {
            let member = match MemberRef::parse(form.member.trim()) {
                Ok(r) => member_by_ref(&mut tx, &r)
                    .await?
                    .filter(|m| actor.scope.covers_member(m.id, &m.branch_path)),
                Err(err) => {
                    e.add("member", err.to_string());
                    None
                }
            };
            match member {
                Some(m) => (Some(m.id), m.branch_id, json!({ "member": m.id })),
                None => {
                    if e.get("member").is_none() {
                        e.add("member", NO_SUCH_MEMBER);
                    }
                    (None, 0, json!(null))
                }
            }
        } else if form.org.trim().is_empty() {
            e.add("member", "请填写问题涉及的党员（警号）或组织（组织编码）");
            (None, 0, json!(null))
        } else {
            let org = match Code::parse(form.org.trim()) {
                Ok(code) => orgs::by_code(&mut tx, code.as_str())
                    .await?
                    .filter(|o| actor.scope.covers_org(&o.path)),
                Err(_) => None,
            };
            match org {
                Some(o) => (None, o.id, json!({ "org": o.id })),
                None => {
                    e.add("org", UNKNOWN_ORG);
                    (None, 0, json!(null))
                }
            }
        };
        invalid(e)?;
        let (Some(source), Some(group), Some(found_on)) = (source, group, found_on) else {
            return Err(ServiceError::invalid("source", "问题信息不完整"));
        };
        let id = store::insert_finding(
            &mut tx,
            &NewFinding {
                source,
                member_id,
                org_id,
                category_group: group,
                category,
                facts: &facts,
                found_on,
                created_by: &actor.login,
            },
            now,
        )
        .await?;
        let event = Event::new("conduct.finding.create")
            .object("finding", id)
            .detail(json!({ "subject": subject, "source": source.code(), "group": group.code() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records how a finding was handled, and for a sanction the decision in the same
    /// transaction; the form (四种形态) follows from both.
    pub async fn handle_finding(
        &self,
        actor: &Actor,
        id: i64,
        form: &HandlingForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordConduct, "conduct.finding.handle")
            .await?;
        let detail = self
            .finding_in_scope(actor, id, "conduct.finding.handle")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let handling = Handling::from_code(form.handling.trim());
        let Some(handling) = handling else {
            return Err(ServiceError::invalid("handling", "请选择处置方式"));
        };
        if detail.member_id.is_none() && handling.needs_member() {
            e.add(
                "handling",
                "对组织的问题可以提醒谈话、批评教育、责令检查或了结；处分、诫勉等只能针对党员",
            );
        }
        let handled_on = past_date(&form.handled_on, today, "handled_on", &mut e);
        if handled_on.is_some_and(|d| d < detail.found_on) {
            e.add(
                "handled_on",
                format!("处置日期不能早于发现日期（{}）", detail.found_on),
            );
        }
        let outcome = required(&form.outcome, "处置情况", LONG, "outcome", &mut e);
        let book = self.rule_book();
        let mut sanction = None;
        if let Some(track) = handling.track() {
            if !actor.permits(Permission::DecideSanctions) {
                e.add("handling", "处分决定须由纪委/督察登记");
            }
            sanction = Decision {
                track,
                kind: &form.kind,
                decided_on: handled_on,
                probation_months: &form.probation_months,
                deciding_body: &form.deciding_body,
                document_ref: &form.document_ref,
            }
            .parse(&book, &mut e);
        }
        let severity = sanction.as_ref().and_then(|(s, _, _)| {
            kind_rule(book.on(s.decided_on), s.track, &s.kind).map(|k| k.severity())
        });
        invalid(e)?;
        let Some(handled_on) = handled_on else {
            return Err(ServiceError::invalid("handled_on", "请填写日期"));
        };
        let four_form = handling.form(severity);
        // 留党察看: the member's party posts end with the decision (R6.4).
        let sanction_rule_removes_posts = sanction
            .as_ref()
            .filter(|(s, _, _)| removes_posts(&book, s))
            .map(|(s, _, _)| s.decided_on);
        let mut tx = self.db().write().await?;
        let change = HandlingChange {
            handling,
            handled_on,
            outcome: &outcome,
            four_form,
        };
        if !store::handle_finding(&mut tx, id, form.version, &change).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        let mut sanction_id = None;
        if let (Some((s, body, document)), Some(member_id)) = (sanction, detail.member_id) {
            sanction_id = Some(
                store::insert_sanction(
                    &mut tx,
                    &NewSanction {
                        member_id,
                        finding_id: Some(id),
                        track: s.track,
                        kind: &s.kind,
                        decided_on: s.decided_on,
                        deciding_body: &body,
                        document_ref: &document,
                        probation_months: s.probation_months,
                        note: "",
                        created_by: &actor.login,
                    },
                    now,
                )
                .await?,
            );
        }
        let posts_ended = match (&sanction_rule_removes_posts, detail.member_id) {
            (Some(on), Some(member)) => {
                crate::orgs::end_posts_of_member(&mut tx, member, *on).await?
            }
            _ => Vec::new(),
        };
        let event = Event::new("conduct.finding.handle").object("finding", id).detail(json!({
            "handling": handling.code(), "form": four_form.map(|f| f.code()), "sanction": sanction_id,
            "posts_ended": posts_ended,
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A finding in scope, for a change (its refusal audited).
    async fn finding_in_scope(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<FindingRow> {
        let mut tx = self.db().read().await?;
        let finding = store::finding_by_id(&mut tx, id).await?;
        tx.commit().await?;
        match finding {
            Some(f) if actor.scope.covers_org(&f.scope_path) => Ok(f),
            Some(_) => Err(self.out_of_scope(actor, event, "finding", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// Hands a finding about an org over to rectification: an inspection of the org keyed by
    /// the finding, with the problem as its one finding due by `deadline` — linked, not
    /// retyped. Made once; returns the inspection's id.
    pub async fn rectify_finding(
        &self,
        actor: &Actor,
        id: i64,
        deadline: &str,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordConduct, "conduct.finding.rectify")
            .await?;
        let finding = self
            .finding_in_scope(actor, id, "conduct.finding.rectify")
            .await?;
        if finding.member_id.is_some() {
            return Err(ServiceError::invalid(
                "deadline",
                "只有涉及组织的问题可以转为整改事项",
            ));
        }
        if finding.rectification_ref.is_some() {
            return Err(ServiceError::invalid("deadline", "该问题已转为整改事项"));
        }
        let mut tx = self.db().read().await?;
        let org = orgs::get(&mut tx, finding.org_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        let feedback_ref = format!("执纪问题{id}");
        let today = self.clock().today().to_string();
        let category = match finding.category_group {
            CategoryGroup::Formalism => dangjian_core::rectification::FindingCategory::Other,
            _ => dangjian_core::rectification::FindingCategory::LaxDiscipline,
        };
        let inspection = crate::rectification::InspectionForm {
            org: org.code.clone(),
            title: format!("{}：{}", finding.category_group.label(), finding.category),
            inspector: finding.source.label().to_owned(),
            inspected_from: finding.found_on.to_string(),
            inspected_to: finding.found_on.to_string(),
            scope_note: finding.category.clone(),
            feedback_ref: feedback_ref.clone(),
            feedback_on: today,
        };
        let problem = crate::rectification::FindingForm {
            problem: finding.facts.clone(),
            category: category.code().to_owned(),
            orgs: org.code.clone(),
            deadline: deadline.trim().to_owned(),
        };
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let inspection_id = self
            .open_inspection_in(&mut tx, actor, &inspection, &[problem])
            .await
            .map_err(|err| match err {
                ServiceError::Invalid(errors) => {
                    let message = errors
                        .iter()
                        .map(|e| e.message.clone())
                        .collect::<Vec<_>>()
                        .join("；");
                    ServiceError::invalid("deadline", message)
                }
                other => other,
            })?;
        if !store::link_rectification(&mut tx, id, &feedback_ref).await? {
            return Err(ServiceError::invalid("deadline", "该问题已转为整改事项"));
        }
        let event = Event::new("conduct.finding.rectify")
            .object("finding", id)
            .detail(json!({ "inspection": inspection_id }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(inspection_id)
    }

    /// One page of the sanctions in scope, newest first; the read is audited.
    pub async fn sanctions(
        &self,
        actor: &Actor,
        page: Page,
    ) -> ServiceResult<(Vec<SanctionView>, i64)> {
        self.require(actor, Permission::ReadConduct, "conduct.sanction.list")
            .await?;
        let mut tx = self.db().read().await?;
        let (rows, total) = store::sanctions(&mut tx, &actor.scope, page).await?;
        tx.commit().await?;
        self.record(
            actor,
            Event::new("conduct.sanction.list")
                .detail(json!({ "page": page.number, "shown": rows.len() })),
        )
        .await?;
        let today = self.clock().today();
        let book = self.rule_book();
        Ok((
            rows.into_iter()
                .map(|row| self.sanction_view(row, &book, today))
                .collect(),
            total,
        ))
    }

    /// A sanction in scope; the read is audited.
    pub async fn sanction(&self, actor: &Actor, id: i64) -> ServiceResult<SanctionView> {
        self.require(actor, Permission::ReadConduct, "conduct.sanction.view")
            .await?;
        let row = self
            .sanction_in_scope(actor, id, "conduct.sanction.view")
            .await?;
        self.record(
            actor,
            Event::new("conduct.sanction.view").object("sanction", id),
        )
        .await?;
        Ok(self.sanction_view(row, &self.rule_book(), self.clock().today()))
    }

    async fn sanction_in_scope(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<SanctionRow> {
        let mut tx = self.db().read().await?;
        let row = store::sanction_by_id(&mut tx, id).await?;
        tx.commit().await?;
        match row {
            Some(s) if actor.scope.covers_org(&s.scope_path) => Ok(s),
            Some(_) => Err(self.out_of_scope(actor, event, "sanction", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// Records a sanction decided on a member in scope; returns its id.
    pub async fn record_sanction(&self, actor: &Actor, form: &SanctionForm) -> ServiceResult<i64> {
        self.require(
            actor,
            Permission::DecideSanctions,
            "conduct.sanction.create",
        )
        .await?;
        self.check_police_number(
            actor,
            form.member.trim(),
            "member",
            "conduct.sanction.create",
        )
        .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let track = Track::from_code(form.track.trim());
        if track.is_none() {
            e.add("track", "请选择党纪处分或政务处分");
        }
        let decided_on = past_date(&form.decided_on, today, "decided_on", &mut e);
        let note = optional(&form.note, "备注", LONG, "note", &mut e).unwrap_or_default();
        let book = self.rule_book();
        let sanction = match track {
            Some(track) => Decision {
                track,
                kind: &form.kind,
                decided_on,
                probation_months: &form.probation_months,
                deciding_body: &form.deciding_body,
                document_ref: &form.document_ref,
            }
            .parse(&book, &mut e),
            None => None,
        };
        let mut tx = self.db().write().await?;
        let member = match MemberRef::parse(form.member.trim()) {
            Ok(r) => member_by_ref(&mut tx, &r)
                .await?
                .filter(|m| actor.scope.covers_member(m.id, &m.branch_path)),
            Err(_) => None,
        };
        if member.is_none() {
            e.add("member", NO_SUCH_MEMBER);
        }
        invalid(e)?;
        let (Some(member), Some((s, deciding_body, document_ref))) = (member, sanction) else {
            return Err(ServiceError::invalid("member", NO_SUCH_MEMBER));
        };
        let id = store::insert_sanction(
            &mut tx,
            &NewSanction {
                member_id: member.id,
                finding_id: None,
                track: s.track,
                kind: &s.kind,
                decided_on: s.decided_on,
                deciding_body: &deciding_body,
                document_ref: &document_ref,
                probation_months: s.probation_months,
                note: &note,
                created_by: &actor.login,
            },
            now,
        )
        .await?;
        let posts_ended = if removes_posts(&book, &s) {
            crate::orgs::end_posts_of_member(&mut tx, member.id, s.decided_on).await?
        } else {
            Vec::new()
        };
        let event = Event::new("conduct.sanction.create")
            .object("sanction", id)
            .detail(
                json!({ "member": member.id, "track": s.track.code(), "kind": s.kind,
                "posts_ended": posts_ended }),
            );
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records what happened to a sanction: a 留党察看 extended or restored, a revocation.
    pub async fn sanction_progress(
        &self,
        actor: &Actor,
        id: i64,
        form: &ProgressForm,
    ) -> ServiceResult<()> {
        self.require(
            actor,
            Permission::DecideSanctions,
            "conduct.sanction.progress",
        )
        .await?;
        let row = self
            .sanction_in_scope(actor, id, "conduct.sanction.progress")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let progress = SanctionProgress {
            extended_on: optional_date(&form.extended_on, today, "extended_on", &mut e),
            restored_on: optional_date(&form.restored_on, today, "restored_on", &mut e),
            revoked_on: optional_date(&form.revoked_on, today, "revoked_on", &mut e),
        };
        invalid(e)?;
        let s = Sanction {
            extended_on: progress.extended_on,
            restored_on: progress.restored_on,
            revoked_on: progress.revoked_on,
            ..as_sanction(&row)
        };
        if let Err((field, message)) = check_sanction(&s, self.rule_book().on(row.decided_on)) {
            return Err(ServiceError::invalid(field, message));
        }
        let mut tx = self.db().write().await?;
        if !store::update_progress(&mut tx, id, form.version, progress).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        let event = Event::new("conduct.sanction.progress")
            .object("sanction", id)
            .detail(json!({
                "extended_on": progress.extended_on.map(|d| d.to_string()),
                "restored_on": progress.restored_on.map(|d| d.to_string()),
                "revoked_on": progress.revoked_on.map(|d| d.to_string()),
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What a member in scope may not do today, for anyone who may read the member: the
    /// effects alone; the discipline roles also see the causes.
    pub async fn member_effects(
        &self,
        actor: &Actor,
        member_id: i64,
    ) -> ServiceResult<MemberEffects> {
        self.require(actor, Permission::ReadMembers, "member.view")
            .await?;
        self.load_member(actor, member_id, "member.view").await?;
        let today = self.clock().today();
        let book = self.rule_book();
        let mut tx = self.db().read().await?;
        let found = eligibility_in(&mut tx, &book, &[member_id], today).await?;
        tx.commit().await?;
        let Some(e) = found.get(&member_id) else {
            return Ok(MemberEffects::default());
        };
        let causes = actor.permits(Permission::ReadConduct).then(|| {
            e.commend
                .iter()
                .chain(&e.promote)
                .map(|b| b.cause.label().to_owned())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect()
        });
        Ok(MemberEffects {
            derived: e.derived(),
            eligibility: e.clone(),
            causes,
        })
    }

    /// The members in scope who may not be commended or promoted on `day`, with the
    /// effects (no causes): what an office checks before nominating, and the benchmark of
    /// eligibility at province scale.
    pub async fn barred_members(
        &self,
        actor: &Actor,
        day: NaiveDate,
    ) -> ServiceResult<Vec<(i64, Eligibility)>> {
        self.require(actor, Permission::ReadMembers, "member.list")
            .await?;
        let book = self.rule_book();
        let mut tx = self.db().read().await?;
        let (sanctions, open) = store::scope_records(&mut tx, &actor.scope).await?;
        tx.commit().await?;
        let mut out: Vec<(i64, Eligibility)> =
            judge(&book, sanctions, open.into_iter().collect(), day)
                .into_iter()
                .collect();
        out.sort_by_key(|(id, _)| *id);
        Ok(out)
    }
    /// Adds evidence files to a finding in scope: each checked by its bytes against its name,
    /// kept under a random name with its SM3 digest; all of them or none.
    pub async fn attach_evidence(
        &self,
        actor: &Actor,
        id: i64,
        uploads: &[crate::Upload<'_>],
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordConduct, "conduct.finding.evidence")
            .await?;
        self.finding_in_scope(actor, id, "conduct.finding.evidence")
            .await?;
        let checked = crate::attachments::check_uploads(uploads, MAX_FILES)?;
        let mut files = crate::attachments::NewFiles::new(self.attachment_root()?.clone());
        let now = self.clock().now();
        let outcome = async {
            let mut tx = self.db().write().await?;
            let mut names = Vec::new();
            for (name, mime, bytes) in &checked {
                let (stored_name, digest) = files.write(&format!("c{id}"), bytes)?;
                store::insert_evidence(
                    &mut tx,
                    &NewEvidence {
                        finding_id: id,
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
            let event = Event::new("conduct.finding.evidence")
                .object("finding", id)
                .detail(json!({ "files": names }));
            audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        files.settle(outcome)
    }

    /// An evidence file of a finding in scope, with its bytes (checked against the digest
    /// recorded at upload); the read is audited.
    pub async fn evidence_of_finding(
        &self,
        actor: &Actor,
        id: i64,
        file_id: i64,
    ) -> ServiceResult<(EvidenceRow, Vec<u8>)> {
        self.require(actor, Permission::ReadConduct, "conduct.finding.file")
            .await?;
        self.finding_in_scope(actor, id, "conduct.finding.file")
            .await?;
        let mut tx = self.db().read().await?;
        let row = store::evidence(&mut tx, id)
            .await?
            .into_iter()
            .find(|f| f.id == file_id)
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        let bytes = self.read_kept_file(&row.stored_name, &row.digest)?;
        self.record(
            actor,
            Event::new("conduct.finding.file")
                .object("finding", id)
                .detail(json!({ "file": file_id })),
        )
        .await?;
        Ok((row, bytes))
    }
}
