//! 党费 (issue 17, 1–3): the dues keeper assesses each member's monthly dues from their pay
//! (sealed: only the keeper and the member read it back), writes each month's charges, and
//! records payments — in person, by proxy, by quarter, back-paid within the limit or with a
//! reason, voluntary ones flagged for the centre; the branch proposes hardship reductions and
//! the committee office approves them; arrears and the six-month rule are listed for whoever
//! reads the dues of the member's branch; every level's figures add up to the fen. Sheets of
//! pay and of bank records are imported in [`import`].

mod import;

pub(crate) use import::import_context;
pub use import::{DuesImportReport, ImportLine};

use dangjian_core::dues::{
    Assessed, DuesCategory, Lapse, Month, MonthState, Pay, PaymentKind, Totals, arrears, assess,
    check_period, check_reduction, lapse, roll_up, unpaid_streak,
};
use dangjian_core::field::FieldErrors;
use dangjian_core::money::{Fen, Rate, split};
use dangjian_core::role::{Permission, Scope};
use dangjian_store::dues::{
    self as store, NewAssessment, NewCharge, NewPayment, NewReduction, Owing,
};
use dangjian_store::members::MemberRow;
use dangjian_store::{Conn, members};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::care::day_or_today;
use crate::error::{ServiceError, ServiceResult};
use crate::orglife::{optional, required};
use crate::orgs::Org;
use crate::rectification::invalid;

pub use dangjian_store::dues::{PaymentRow, ReductionRow, SheetRow};

const SHORT: usize = 100;
const LONG: usize = 1000;
const STALE: &str = "该记录已被他人修改，请刷新后重试";
/// The most members one batch of payments may name (a branch's roll fits many times over).
const BATCH_MAX: usize = 500;

/// The pay a base is reckoned from, as sealed: fen, and the base they gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedPay {
    pub income: i64,
    pub income_tax: i64,
    pub insurance: i64,
    pub base: i64,
}

/// The context a member's pay of a month is sealed for: it opens for that record only.
pub(crate) fn pay_context(member: i64, from: Month) -> String {
    crate::members::context(member, &format!("dues_pay:{from}"))
}

/// An assessment: category and pay (yuan as typed), or a farmer's chosen amount.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssessmentForm {
    pub category: String,
    /// `YYYY-MM`; this month when empty.
    pub from_month: String,
    pub income: String,
    pub income_tax: String,
    pub insurance: String,
    /// A farmer's monthly amount.
    pub amount: String,
    /// `annual`, `pay_change` or `correction`.
    pub reason: String,
}

/// Why an assessment was made.
pub const ASSESSMENT_REASONS: &[(&str, &str)] = &[
    ("annual", "年初核定"),
    ("pay_change", "工资变动（自首次领取新工资之月起）"),
    ("correction", "更正"),
];

/// Payments for a member: the months `from_month`..=`to_month`, each paying what remains due;
/// or a voluntary payment of `amount`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentForm {
    pub kind: String,
    pub from_month: String,
    /// The same as `from_month` when empty.
    pub to_month: String,
    /// Today when empty.
    pub paid_on: String,
    pub proxy: String,
    pub reason: String,
    /// Voluntary payments only.
    pub amount: String,
}

/// A hardship reduction as the branch decided it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReductionForm {
    pub from_month: String,
    pub to_month: String,
    /// The reduced monthly amount (yuan); 0 for 免交.
    pub amount: String,
    pub reason: String,
    pub branch_decided_on: String,
}

/// The committee's decision on a reduction: `approve` or `refuse`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReductionDecisionForm {
    pub version: i64,
    pub decision: String,
    pub decided_on: String,
    pub note: String,
}

/// An assessment as a reader may see it: the pay only for who may read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentView {
    pub from_month: Month,
    pub category: DuesCategory,
    pub monthly: Fen,
    pub reason: String,
    pub recorded_by: String,
    /// None when the reader may not see pay, or the category has none.
    pub pay: Option<SealedPay>,
}

/// A member's dues as their page shows them.
#[derive(Debug, Clone)]
pub struct MemberDues {
    pub member: MemberRow,
    pub assessments: Vec<AssessmentView>,
    /// The months of the year shown, in order.
    pub months: Vec<MonthState>,
    pub payments: Vec<PaymentRow>,
    pub reductions: Vec<ReductionRow>,
    pub arrears: Fen,
    pub lapse: Option<Lapse>,
    pub may_see_pay: bool,
}

/// A member owing dues, as the lists show them.
#[derive(Debug, Clone)]
pub struct Arrear {
    pub member_id: i64,
    pub name: String,
    pub branch_name: String,
    pub owed: Fen,
    pub months_owed: usize,
    pub lapse: Option<Lapse>,
}

/// One org's line of the reconciliation.
#[derive(Debug, Clone)]
pub struct LedgerLine {
    pub org: Org,
    pub totals: Totals,
}

/// The figures of an org's subtree for a period, each org the sum of what lies below it.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub from: Month,
    pub to: Month,
    /// The org asked for (none: the top of the scope).
    pub org: Option<Org>,
    pub total: Totals,
    /// The orgs directly below the one asked for (or the top orgs of the scope), with totals.
    pub lines: Vec<LedgerLine>,
}

/// The annual disclosure of a branch's dues to its members (M1.12): each member's year, the
/// totals, voluntary payments, what is kept and remitted (M1.9–M1.10), and the uses paid
/// from dues.
#[derive(Debug, Clone)]
pub struct Disclosure {
    pub org: Org,
    pub year: i32,
    pub lines: Vec<store::YearLine>,
    pub due: Fen,
    pub paid: Fen,
    pub voluntary: Fen,
    /// Voluntary payments of the threshold or more: remitted whole to the centre.
    pub to_centre: Fen,
    /// Of the rest, what the org keeps by the rules' ratio and what it remits upward.
    pub kept: Fen,
    pub remitted: Fen,
    pub retention: Rate,
    pub uses: Vec<crate::funds::ExpenseRow>,
}

/// What a month's run wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunReport {
    pub charged: usize,
    /// Members on the roll with no assessment for the month: not charged, shown as 未核定.
    pub unassessed: usize,
}

fn month_field(
    raw: &str,
    default: Month,
    field: &'static str,
    e: &mut FieldErrors,
) -> Option<Month> {
    match raw.trim() {
        "" => Some(default),
        text => match Month::parse(text) {
            Some(m) => Some(m),
            None => {
                e.add(field, "月份格式为 2026-03");
                None
            }
        },
    }
}

fn money(raw: &str, field: &'static str, e: &mut FieldErrors) -> Option<Fen> {
    match Fen::parse_yuan(raw) {
        Ok(f) => Some(f),
        Err(message) => {
            e.add(field, message);
            None
        }
    }
}

fn optional_money(raw: &str, field: &'static str, e: &mut FieldErrors) -> Fen {
    if raw.trim().is_empty() {
        return Fen::ZERO;
    }
    money(raw, field, e).unwrap_or_default()
}

/// An `approve` or `refuse` as the status it leads to (`approved`, `refused`): the decision
/// from above on a reduction or an expenditure.
pub(crate) fn decision(raw: &str, e: &mut FieldErrors) -> Option<&'static str> {
    match raw.trim() {
        "approve" => Some("approved"),
        "refuse" => Some("refused"),
        _ => {
            e.add("decision", "请选择批准或不予批准");
            None
        }
    }
}

/// What is due in a month: the assessment, or the approved reduction if lower.
fn due(assessed: Fen, reduction: Option<Fen>) -> Fen {
    reduction.map_or(assessed, |r| r.min(assessed))
}

/// The member of a change, loaded again inside its transaction in case they left the scope
/// after the audited check (silently: the check before it answered for the refusal).
async fn reload(conn: &mut Conn, actor: &Actor, member: i64) -> ServiceResult<()> {
    match members::get(conn, member).await? {
        Some(m) if actor.scope.covers_member(m.id, &m.branch_path) => Ok(()),
        _ => Err(ServiceError::NotFound),
    }
}

/// Reckons again a member's charges from `from` on, after their assessment or a reduction
/// changed. The org of each charge stays.
async fn recompute(conn: &mut Conn, member: i64, from: Month) -> ServiceResult<()> {
    for at in store::charge_months_from(conn, member, from).await? {
        let assessed = store::assessed_in(conn, member, at)
            .await?
            .unwrap_or_default();
        let reduction = store::reductions_in_force(conn, at, Some(member))
            .await?
            .remove(&member);
        store::update_charge(conn, member, at, assessed, due(assessed, reduction)).await?;
    }
    Ok(())
}

/// Records an assessment and reckons again the charges already written from its month.
async fn put_assessment(
    conn: &mut Conn,
    assessment: &NewAssessment<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<()> {
    store::put_assessment(conn, assessment, now).await?;
    recompute(conn, assessment.member_id, assessment.from_month).await
}

/// The members owing in scope before `before`, with the six-month standing of each.
async fn arrears_in(
    conn: &mut Conn,
    scope: &Scope,
    before: Month,
    rules: &dangjian_core::dues::DuesRules,
) -> ServiceResult<Vec<Arrear>> {
    let owing: Vec<Owing> = store::owing(conn, scope, before).await?;
    Ok(owing
        .into_iter()
        .map(|o| {
            let owed = arrears(&o.months, before);
            let months_owed = o.months.iter().filter(|s| s.paid < s.due).count();
            Arrear {
                member_id: o.member_id,
                name: o.name,
                branch_name: o.branch_name,
                owed,
                months_owed,
                lapse: lapse(unpaid_streak(&o.months, before.plus(-1)), rules),
            }
        })
        .collect())
}

/// The members in `scope` whose dues went unpaid for the rules' lapse months before `before`,
/// with how many months (issue 19: a bar to nominations while it stands).
pub(crate) async fn lapsed_in(
    conn: &mut Conn,
    scope: &Scope,
    before: Month,
    rules: &dangjian_core::dues::DuesRules,
) -> ServiceResult<std::collections::HashMap<i64, u32>> {
    let owing: Vec<Owing> = store::owing(conn, scope, before).await?;
    Ok(owing
        .into_iter()
        .filter_map(
            |o| match lapse(unpaid_streak(&o.months, before.plus(-1)), rules) {
                Some(Lapse::Reached(months)) => Some((o.member_id, months)),
                _ => None,
            },
        )
        .collect())
}

impl Services {
    /// For each org at or below `root` that charged dues in `[from, to)`: (org, monthly
    /// charges, those paid in full). The current month is not counted: it is not late until
    /// it ends.
    pub(crate) async fn dues_months_under(
        &self,
        root: &dangjian_core::org::OrgPath,
        from: Month,
        to: Month,
    ) -> ServiceResult<Vec<(i64, u32, u32)>> {
        let to = to.min(self.this_month());
        let mut tx = self.db().read().await?;
        let rows = store::months_paid_under(&mut tx, root, from, to).await?;
        tx.commit().await?;
        let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(rows
            .into_iter()
            .map(|(org, due, paid)| (org, count(due), count(paid)))
            .collect())
    }

    fn this_month(&self) -> Month {
        Month::of(self.clock().today())
    }

    /// The pay an assessment was reckoned from, sealed for its member and month (none for
    /// the fixed amounts).
    fn seal_pay(
        &self,
        member: i64,
        from: Month,
        pay: Option<Pay>,
        base: Option<Fen>,
    ) -> ServiceResult<Option<String>> {
        let (Some(pay), Some(base)) = (pay, base) else {
            return Ok(None);
        };
        let text = serde_json::to_string(&SealedPay {
            income: pay.income.0,
            income_tax: pay.income_tax.0,
            insurance: pay.insurance.0,
            base: base.0,
        })
        .map_err(|err| ServiceError::Internal(err.to_string()))?;
        Ok(Some(self.crypto().seal(&text, &pay_context(member, from))))
    }

    /// A member in scope for a dues use case, loaded and checked (audited when out of scope).
    async fn dues_member(
        &self,
        actor: &Actor,
        member: i64,
        permission: Permission,
        event: &'static str,
    ) -> ServiceResult<MemberRow> {
        self.require(actor, permission, event).await?;
        self.load_member(actor, member, event).await
    }

    /// Assesses a member's monthly dues from a month on (R3.1–R3.6, R3.10): the pay is sealed,
    /// the charges already written from that month are reckoned again.
    pub async fn assess_dues(
        &self,
        actor: &Actor,
        member_id: i64,
        form: &AssessmentForm,
    ) -> ServiceResult<Fen> {
        let member = self
            .dues_member(actor, member_id, Permission::RecordDues, "dues.assess")
            .await?;
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let category = DuesCategory::from_code(form.category.trim());
        if category.is_none() {
            e.add("category", "请选择党费类别");
        }
        let from = month_field(&form.from_month, self.this_month(), "from_month", &mut e);
        if from.is_some_and(|m| m > self.this_month().plus(12)) {
            e.add("from_month", "起始月份不能晚于一年以后");
        }
        if from.is_some_and(|m| m < Month::of(member.joined_on)) {
            e.add(
                "from_month",
                format!("起始月份早于入党日期（{}）", member.joined_on),
            );
        }
        if !ASSESSMENT_REASONS
            .iter()
            .any(|(code, _)| *code == form.reason.trim())
        {
            e.add("reason", "请选择核定原因");
        }
        let pay = category.filter(|c| c.has_base()).map(|_| Pay {
            income: money(&form.income, "income", &mut e).unwrap_or_default(),
            income_tax: optional_money(&form.income_tax, "income_tax", &mut e),
            insurance: optional_money(&form.insurance, "insurance", &mut e),
        });
        let chosen = if category == Some(DuesCategory::Farmer) {
            money(&form.amount, "amount", &mut e)
        } else {
            None
        };
        invalid(e)?;
        let (Some(category), Some(from)) = (category, from) else {
            return Err(ServiceError::invalid("category", "请选择党费类别"));
        };
        let book = self.rule_book();
        let rules = &book.on(from.first_day()).dues;
        let Assessed { base, monthly, .. } =
            assess(category, pay, chosen, rules).map_err(|(f, m)| ServiceError::invalid(f, m))?;
        let sealed = self.seal_pay(member.id, from, pay, base)?;
        let mut tx = self.db().write().await?;
        tx.lock_ledger().await?;
        reload(&mut tx, actor, member.id).await?;
        put_assessment(
            &mut tx,
            &NewAssessment {
                member_id: member.id,
                from_month: from,
                category,
                pay_sealed: sealed.as_deref(),
                monthly,
                reason: form.reason.trim(),
                recorded_by: &actor.login,
            },
            now,
        )
        .await?;
        // The pay and base never enter the audit trail: the amount due tells enough.
        let event = Event::new("dues.assess")
            .object("member", member.id)
            .detail(json!({
                "from": from.to_string(), "category": category.code(), "monthly_fen": monthly.0,
                "reason": form.reason.trim(),
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(monthly)
    }

    /// Writes the charges of `month` for the members in scope on the roll that have none yet
    /// (idempotent): the keeper's monthly run, or the office's for the whole bureau. Members
    /// with no assessment are counted and left uncharged: missing, not zero.
    pub async fn run_dues_month(&self, actor: &Actor, raw: &str) -> ServiceResult<RunReport> {
        if !actor.permits(Permission::ApproveDues) {
            self.require(actor, Permission::RecordDues, "dues.run")
                .await?;
        }
        let month = Month::parse(raw)
            .ok_or_else(|| ServiceError::invalid("month", "月份格式为 2026-03"))?;
        if month > self.this_month() {
            return Err(ServiceError::invalid("month", "不能生成以后月份的应交党费"));
        }
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        tx.lock_ledger().await?;
        let liable = store::liable_without_charge(&mut tx, &actor.scope, month).await?;
        let reductions = store::reductions_in_force(&mut tx, month, None).await?;
        let mut report = RunReport::default();
        let charges: Vec<NewCharge> = liable
            .iter()
            .filter_map(|l| {
                let Some(assessed) = l.assessed else {
                    report.unassessed += 1;
                    return None;
                };
                Some(NewCharge {
                    member_id: l.member_id,
                    org_id: l.branch_id,
                    assessed,
                    due: due(assessed, reductions.get(&l.member_id).copied()),
                    paid: Fen::ZERO,
                })
            })
            .collect();
        report.charged = charges.len();
        store::insert_charges(&mut tx, month, &charges).await?;
        let event = Event::new("dues.run").detail(json!({
            "month": month.to_string(), "charged": report.charged, "unassessed": report.unassessed,
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Records a member's payments: each month of the form pays what remains due for it
    /// (R3.12), or one voluntary payment (R3.11). All or nothing; returns the payments' ids.
    pub async fn pay_dues(
        &self,
        actor: &Actor,
        member_id: i64,
        form: &PaymentForm,
    ) -> ServiceResult<Vec<i64>> {
        let member = self
            .dues_member(actor, member_id, Permission::RecordDues, "dues.pay")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let kind = PaymentKind::from_code(form.kind.trim());
        if kind.is_none() {
            e.add("kind", "请选择交纳方式");
        }
        let paid_on = day_or_today(&form.paid_on, today, "paid_on", &mut e);
        let from = month_field(&form.from_month, Month::of(paid_on), "from_month", &mut e);
        let to = match form.to_month.trim() {
            "" => from,
            _ => month_field(&form.to_month, Month::of(paid_on), "to_month", &mut e),
        };
        if let (Some(f), Some(t)) = (from, to)
            && (t < f || t.since(f) >= 12)
        {
            e.add("to_month", "截止月份须在起始月份之后，一次最多12个月");
        }
        let proxy = optional(&form.proxy, "代交人", SHORT, "proxy", &mut e);
        if kind == Some(PaymentKind::Proxy) && proxy.is_none() {
            e.add("proxy", "委托代交须写明代交人");
        }
        let reason = optional(&form.reason, "补交理由", LONG, "reason", &mut e);
        let voluntary = if kind == Some(PaymentKind::Voluntary) {
            match money(&form.amount, "amount", &mut e) {
                Some(Fen(0)) => {
                    e.add("amount", "金额须大于0");
                    None
                }
                other => other,
            }
        } else {
            None
        };
        invalid(e)?;
        let (Some(kind), Some(from), Some(to)) = (kind, from, to) else {
            return Err(ServiceError::invalid("kind", "请选择交纳方式"));
        };
        let rules = self.rule_book().on(paid_on).dues.clone();
        let mut tx = self.db().write().await?;
        tx.lock_ledger().await?;
        reload(&mut tx, actor, member.id).await?;
        let mut ids = Vec::new();
        let mut detail = Vec::new();
        if let Some(amount) = voluntary {
            let to_centre = rules.goes_to_centre(amount);
            let id = store::insert_payment(
                &mut tx,
                &NewPayment {
                    member_id: member.id,
                    org_id: member.branch_id,
                    month: Month::of(paid_on),
                    kind,
                    amount,
                    paid_on,
                    proxy: proxy.as_deref(),
                    reason: None,
                    to_centre,
                    recorded_by: &actor.login,
                    bank_ref: None,
                    import_id: None,
                },
                now,
            )
            .await?;
            ids.push(id);
            detail.push(json!({ "month": Month::of(paid_on).to_string(), "fen": amount.0, "to_centre": to_centre }));
        } else {
            let mut e = FieldErrors::new();
            let mut at = from;
            while at <= to {
                if let Err((field, message)) =
                    check_period(kind, at, paid_on, reason.is_some(), &rules)
                {
                    e.add(field, message);
                    break;
                }
                let mut state = store::month_of(&mut tx, member.id, at).await?;
                // A quarter paid ahead writes its months' charges now (the run would refuse a
                // month not yet begun), from the assessment and reduction in force then.
                if state.is_none()
                    && kind == PaymentKind::Quarterly
                    && at > Month::of(paid_on)
                    && let Some(assessed) = store::assessed_in(&mut tx, member.id, at).await?
                {
                    let reduction = store::reductions_in_force(&mut tx, at, Some(member.id))
                        .await?
                        .remove(&member.id);
                    let charge = NewCharge {
                        member_id: member.id,
                        org_id: member.branch_id,
                        assessed,
                        due: due(assessed, reduction),
                        paid: Fen::ZERO,
                    };
                    store::insert_charges(&mut tx, at, &[charge]).await?;
                    state = store::month_of(&mut tx, member.id, at).await?;
                }
                let Some(state) = state else {
                    e.add(
                        "from_month",
                        format!("{}还没有应交记录（未核定或未生成当月应交）", at.label()),
                    );
                    break;
                };
                let remaining = state.due - state.paid;
                if remaining.0 <= 0 {
                    e.add("from_month", format!("{}已交清", at.label()));
                    break;
                }
                let id = store::insert_payment(
                    &mut tx,
                    &NewPayment {
                        member_id: member.id,
                        org_id: member.branch_id,
                        month: at,
                        kind,
                        amount: remaining,
                        paid_on,
                        proxy: proxy.as_deref(),
                        reason: reason.as_deref(),
                        to_centre: false,
                        recorded_by: &actor.login,
                        bank_ref: None,
                        import_id: None,
                    },
                    now,
                )
                .await?;
                ids.push(id);
                detail.push(json!({ "month": at.to_string(), "fen": remaining.0 }));
                at = at.plus(1);
            }
            invalid(e)?;
        }
        let event = Event::new("dues.pay")
            .object("member", member.id)
            .detail(json!({
                "kind": kind.code(), "paid_on": paid_on.to_string(), "payments": detail,
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Marks the members named as having paid `month` in full on `paid_on` (the monthly
    /// collection day, from the branch's sheet). All or nothing.
    pub async fn pay_dues_batch(
        &self,
        actor: &Actor,
        members: &[i64],
        month: &str,
        paid_on: &str,
    ) -> ServiceResult<usize> {
        self.require(actor, Permission::RecordDues, "dues.pay")
            .await?;
        if members.is_empty() {
            return Err(ServiceError::invalid("member", "请勾选已交纳的党员"));
        }
        if members.len() > BATCH_MAX {
            return Err(ServiceError::invalid(
                "member",
                format!("一次最多登记{BATCH_MAX}人"),
            ));
        }
        for id in members {
            self.load_member(actor, *id, "dues.pay").await?;
        }
        let today = self.clock().today();
        let mut e = FieldErrors::new();
        let paid_on = day_or_today(paid_on, today, "paid_on", &mut e);
        let at = month_field(month, Month::of(paid_on), "month", &mut e);
        invalid(e)?;
        let Some(at) = at else {
            return Err(ServiceError::invalid("month", "月份格式为 2026-03"));
        };
        let rules = self.rule_book().on(paid_on).dues.clone();
        check_period(PaymentKind::InPerson, at, paid_on, false, &rules)
            .map_err(|(_, m)| ServiceError::invalid("month", m))?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        tx.lock_ledger().await?;
        let mut paid = Vec::new();
        for id in members {
            // Loaded again inside the transaction, in case one left the scope meanwhile.
            let Some(member) = members::get(&mut tx, *id)
                .await?
                .filter(|m| actor.scope.covers_member(m.id, &m.branch_path))
            else {
                return Err(ServiceError::NotFound);
            };
            let state = store::month_of(&mut tx, member.id, at).await?;
            let Some(remaining) = state.map(|s| s.due - s.paid).filter(|r| r.0 > 0) else {
                continue;
            };
            let pid = store::insert_payment(
                &mut tx,
                &NewPayment {
                    member_id: member.id,
                    org_id: member.branch_id,
                    month: at,
                    kind: PaymentKind::InPerson,
                    amount: remaining,
                    paid_on,
                    proxy: None,
                    reason: None,
                    to_centre: false,
                    recorded_by: &actor.login,
                    bank_ref: None,
                    import_id: None,
                },
                now,
            )
            .await?;
            paid.push(json!({ "member": member.id, "payment": pid, "fen": remaining.0 }));
        }
        let count = paid.len();
        let event = Event::new("dues.pay").detail(json!({
            "kind": PaymentKind::InPerson.code(), "month": at.to_string(), "paid_on": paid_on.to_string(), "payments": paid,
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(count)
    }

    /// Records the branch's decision on a hardship case (第七条); the committee approves it.
    pub async fn propose_dues_reduction(
        &self,
        actor: &Actor,
        member_id: i64,
        form: &ReductionForm,
    ) -> ServiceResult<i64> {
        let member = self
            .dues_member(actor, member_id, Permission::RecordDues, "dues.reduce")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let this = self.this_month();
        let from = month_field(&form.from_month, this, "from_month", &mut e);
        let to = month_field(&form.to_month, this.plus(11), "to_month", &mut e);
        if let (Some(f), Some(t)) = (from, to)
            && (t < f || t.since(f) >= 24)
        {
            e.add("to_month", "截止月份须在起始月份之后，一次最长两年");
        }
        let amount = money(&form.amount, "amount", &mut e);
        let reason = required(&form.reason, "困难情况", LONG, "reason", &mut e);
        let decided = match form.branch_decided_on.trim() {
            "" => {
                e.add("branch_decided_on", "请填写支部研究的日期");
                None
            }
            _ => Some(day_or_today(
                &form.branch_decided_on,
                today,
                "branch_decided_on",
                &mut e,
            )),
        };
        let mut tx = self.db().write().await?;
        tx.lock_ledger().await?;
        reload(&mut tx, actor, member.id).await?;
        if let (Some(f), Some(amount)) = (from, amount) {
            match store::assessed_in(&mut tx, member.id, f).await? {
                None => e.add("from_month", "该党员在起始月份还没有核定党费"),
                Some(assessed) => {
                    if let Err((field, message)) = check_reduction(assessed, amount) {
                        e.add(field, message);
                    }
                }
            }
        }
        invalid(e)?;
        let (Some(from), Some(to), Some(amount), Some(decided)) = (from, to, amount, decided)
        else {
            return Err(ServiceError::invalid("from_month", "减免信息不完整"));
        };
        let id = store::insert_reduction(
            &mut tx,
            &NewReduction {
                member_id: member.id,
                from_month: from,
                to_month: to,
                monthly: amount,
                reason: &reason,
                branch_decided_on: decided,
                created_by: &actor.login,
            },
            now,
        )
        .await?;
        let event = Event::new("dues.reduce").object("dues_reduction", id).detail(json!({
            "member": member.id, "from": from.to_string(), "to": to.to_string(), "monthly_fen": amount.0,
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The committee office approves or refuses a reduction; an approval reckons the
    /// member's charges of its months again.
    pub async fn decide_dues_reduction(
        &self,
        actor: &Actor,
        id: i64,
        form: &ReductionDecisionForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ApproveDues, "dues.reduction.decide")
            .await?;
        let row = self
            .reduction_in_scope(actor, id, "dues.reduction.decide")
            .await?;
        if row.status != "proposed" || row.version != form.version {
            return Err(ServiceError::conflict("version", STALE));
        }
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let status = decision(&form.decision, &mut e);
        let decided_on = day_or_today(&form.decided_on, today, "decided_on", &mut e);
        if decided_on < row.branch_decided_on {
            e.add(
                "decided_on",
                format!("审批日期不能早于支部研究日期（{}）", row.branch_decided_on),
            );
        }
        let note = optional(&form.note, "审批意见", LONG, "note", &mut e).unwrap_or_default();
        invalid(e)?;
        let Some(status) = status else {
            return Err(ServiceError::invalid("decision", "请选择批准或不予批准"));
        };
        let mut tx = self.db().write().await?;
        tx.lock_ledger().await?;
        if !store::decide_reduction(
            &mut tx,
            id,
            form.version,
            status,
            decided_on,
            &actor.login,
            &note,
        )
        .await?
        {
            return Err(ServiceError::conflict("version", STALE));
        }
        if status == "approved" {
            recompute(&mut tx, row.member_id, row.from_month).await?;
        }
        let event = Event::new("dues.reduction.decide")
            .object("dues_reduction", id)
            .detail(json!({ "status": status, "on": decided_on.to_string() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn reduction_in_scope(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<ReductionRow> {
        let mut tx = self.db().read().await?;
        let row = store::reduction_by_id(&mut tx, id).await?;
        tx.commit().await?;
        match row {
            Some(r) if actor.scope.covers_member(r.member_id, &r.branch_path) => Ok(r),
            Some(_) => Err(self.out_of_scope(actor, event, "dues_reduction", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// The reductions in scope (proposed ones first for the office to decide).
    pub async fn dues_reductions(
        &self,
        actor: &Actor,
        status: Option<&str>,
    ) -> ServiceResult<Vec<ReductionRow>> {
        self.require(actor, Permission::ReadDues, "dues.reductions")
            .await?;
        let status = status.filter(|s| ["proposed", "approved", "refused"].contains(s));
        let mut tx = self.db().read().await?;
        let rows = store::reductions(&mut tx, &actor.scope, status).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// A member's dues for a year: assessments (the pay for who may see it), the months,
    /// payments, reductions, what is owed and the six-month standing.
    pub async fn member_dues(
        &self,
        actor: &Actor,
        member_id: i64,
        year: i32,
    ) -> ServiceResult<MemberDues> {
        let member = self
            .dues_member(actor, member_id, Permission::ReadDues, "dues.member")
            .await?;
        let this = self.this_month();
        let first = Month::new(year, 1).ok_or_else(|| ServiceError::invalid("year", "年份无效"))?;
        let may_see_pay = actor.permits(Permission::ViewDuesBase);
        let rules = self.rule_book().on(self.clock().today()).dues.clone();
        let mut tx = self.db().read().await?;
        let rows = store::assessments_of(&mut tx, member.id).await?;
        let months = store::member_months(&mut tx, member.id, first, first.plus(11)).await?;
        // Every month before this one: a debt however old is still owed.
        let earlier = Month::new(1900, 1).unwrap_or(this);
        let recent = store::member_months(&mut tx, member.id, earlier, this.plus(-1)).await?;
        let payments = store::payments_of(&mut tx, member.id).await?;
        let reductions = store::reductions(
            &mut tx,
            &Scope::OwnRecord {
                member_id: member.id,
            },
            None,
        )
        .await?;
        tx.commit().await?;
        let mut assessments = Vec::with_capacity(rows.len());
        for row in rows {
            let pay = match (&row.pay_sealed, may_see_pay) {
                (Some(sealed), true) => {
                    let text = self
                        .crypto()
                        .open(sealed, &pay_context(row.member_id, row.from_month))
                        .map_err(|err| {
                            ServiceError::Internal(format!("dues pay {}: {err}", row.id))
                        })?;
                    serde_json::from_str(&text).ok()
                }
                _ => None,
            };
            assessments.push(AssessmentView {
                from_month: row.from_month,
                category: row.category,
                monthly: row.monthly,
                reason: row.reason,
                recorded_by: row.recorded_by,
                pay,
            });
        }
        if may_see_pay && assessments.iter().any(|a| a.pay.is_some()) {
            self.record(
                actor,
                Event::new("dues.pay.view").object("member", member.id),
            )
            .await?;
        }
        Ok(MemberDues {
            member,
            assessments,
            arrears: arrears(&recent, this),
            lapse: lapse(unpaid_streak(&recent, this.plus(-1)), &rules),
            months,
            payments,
            reductions,
            may_see_pay,
        })
    }

    /// The sheet of an org's members for a month: due and paid, and who is not yet charged.
    pub async fn dues_sheet(
        &self,
        actor: &Actor,
        org_id: i64,
        raw: &str,
    ) -> ServiceResult<(Org, Month, Vec<SheetRow>)> {
        self.require(actor, Permission::ReadDues, "dues.sheet")
            .await?;
        let org = self.load_org(actor, org_id, "dues.sheet").await?;
        let at = match raw.trim() {
            "" => self.this_month(),
            text => Month::parse(text)
                .ok_or_else(|| ServiceError::invalid("month", "月份格式为 2026-03"))?,
        };
        let mut tx = self.db().read().await?;
        let rows = store::sheet(&mut tx, &org.path, at).await?;
        tx.commit().await?;
        Ok((org, at, rows))
    }

    /// Who owes dues in scope, with the six-month standing (the branch's and the office's
    /// lists; a member sees their own).
    pub async fn dues_arrears(&self, actor: &Actor) -> ServiceResult<Vec<Arrear>> {
        self.require(actor, Permission::ReadDues, "dues.arrears")
            .await?;
        let rules = self.rule_book().on(self.clock().today()).dues.clone();
        let mut tx = self.db().read().await?;
        let found = arrears_in(&mut tx, &actor.scope, self.this_month(), &rules).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// The reconciliation of an org (or the top of the scope) for the months `from..=to`:
    /// every line the sum of what lies below it, to the fen.
    pub async fn dues_ledger(
        &self,
        actor: &Actor,
        org: Option<i64>,
        from: Month,
        to: Month,
    ) -> ServiceResult<Ledger> {
        self.require(actor, Permission::ReadDues, "dues.ledger")
            .await?;
        if !matches!(actor.scope, Scope::Everything | Scope::Subtree { .. }) {
            return Err(ServiceError::Forbidden);
        }
        if to < from || to.since(from) >= 12 {
            return Err(ServiceError::invalid(
                "to",
                "截止月份须在起始月份之后，最多12个月",
            ));
        }
        let top = match org {
            Some(id) => Some(self.load_org(actor, id, "dues.ledger").await?),
            None => None,
        };
        let mut tx = self.db().read().await?;
        let scope = match &top {
            Some(o) => Scope::Subtree {
                org_id: o.id,
                path: o.path.clone(),
            },
            None => actor.scope.clone(),
        };
        let branches = store::branch_totals(&mut tx, &scope, from, to).await?;
        let by_org = roll_up(branches.iter().map(|(p, t)| (p, *t)));
        let children = match (&top, &actor.scope) {
            (Some(o), _) => dangjian_store::orgs::children(&mut tx, Some(o.id), true).await?,
            (None, Scope::Subtree { org_id, .. }) => dangjian_store::orgs::get(&mut tx, *org_id)
                .await?
                .into_iter()
                .collect(),
            (None, _) => dangjian_store::orgs::children(&mut tx, None, true).await?,
        };
        tx.commit().await?;
        // A dissolved org stays on the ledger while it holds figures of the period.
        let lines: Vec<LedgerLine> = children
            .into_iter()
            .map(|org| LedgerLine {
                totals: by_org.get(&org.id).copied().unwrap_or_default(),
                org,
            })
            .filter(|line| line.org.dissolved_on.is_none() || line.totals != Totals::default())
            .collect();
        let top_totals = match &top {
            Some(o) => by_org.get(&o.id).copied().unwrap_or_default(),
            None => {
                let mut t = Totals::default();
                for line in &lines {
                    t += line.totals;
                }
                t
            }
        };
        Ok(Ledger {
            from,
            to,
            org: top,
            total: top_totals,
            lines,
        })
    }

    /// The count of members in an org's subtree with no assessment for `month`.
    pub async fn dues_unassessed(&self, actor: &Actor, org: &Org, at: Month) -> ServiceResult<i64> {
        self.require(actor, Permission::ReadDues, "dues.sheet")
            .await?;
        let mut tx = self.db().read().await?;
        let n = store::unassessed(&mut tx, &org.path, at).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The annual disclosure of an org's dues. Members see their own branch's (it is
    /// published to them); the others any org in scope. Audited, as an export.
    pub async fn dues_disclosure(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
    ) -> ServiceResult<Disclosure> {
        self.require(actor, Permission::ReadDues, "dues.disclosure")
            .await?;
        if Month::new(year, 1).is_none() {
            return Err(ServiceError::invalid("year", "年份无效"));
        }
        let org = match actor.scope {
            Scope::OwnRecord { member_id } => {
                let member = self
                    .load_member(actor, member_id, "dues.disclosure")
                    .await?;
                if member.branch_id != org_id {
                    return Err(self
                        .out_of_scope(actor, "dues.disclosure", "org", org_id)
                        .await);
                }
                let mut tx = self.db().read().await?;
                let org = dangjian_store::orgs::get(&mut tx, org_id).await?;
                tx.commit().await?;
                org.ok_or(ServiceError::NotFound)?
            }
            _ => self.load_org(actor, org_id, "dues.disclosure").await?,
        };
        let rules = self.rule_book().on(self.clock().today()).clone();
        let mut tx = self.db().read().await?;
        let lines = store::year_lines(&mut tx, &org.path, year).await?;
        let (voluntary, to_centre) = store::voluntary(&mut tx, &org.path, year).await?;
        let uses =
            crate::funds::dues_uses(&mut tx, org.id, year, &rules.funds.dues_sources).await?;
        tx.commit().await?;
        let due: Fen = lines.iter().map(|l| l.due).sum();
        let paid: Fen = lines.iter().map(|l| l.paid).sum();
        let retention = Rate::from_decimal(
            rules
                .dues_management
                .remittance
                .branch_retention_ratio_default,
        )
        .unwrap_or(Rate(0));
        let (kept, remitted) = split(paid + voluntary - to_centre, retention);
        self.record(
            actor,
            Event::new("dues.disclosure")
                .object("org", org.id)
                .detail(json!({ "year": year })),
        )
        .await?;
        Ok(Disclosure {
            org,
            year,
            lines,
            due,
            paid,
            voluntary,
            to_centre,
            kept,
            remitted,
            retention,
            uses,
        })
    }

    /// The disclosure as a workbook, in the layout of a printed 党费收缴使用情况公示.
    pub async fn dues_disclosure_xlsx(
        &self,
        actor: &Actor,
        org_id: i64,
        year: i32,
    ) -> ServiceResult<Vec<u8>> {
        use crate::excel::{Cell, Sheet};
        let _permit = self.heavy(crate::limits::Heavy::Export, actor)?;
        let d = self.dues_disclosure(actor, org_id, year).await?;
        let now = self.clock().now();
        let title = format!("{} {}年党费收缴使用情况", d.org.name, d.year);
        let money = Cell::Money;
        let mut members: Vec<Vec<Cell>> = d
            .lines
            .iter()
            .map(|l| {
                vec![
                    Cell::Text(l.name.clone()),
                    Cell::Text(l.police_number.clone().unwrap_or_default()),
                    Cell::Number(l.months as f64),
                    money(l.due),
                    money(l.paid),
                    money(l.due - l.paid),
                ]
            })
            .collect();
        members.push(vec![
            Cell::Text("合计".to_owned()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            money(d.due),
            money(d.paid),
            money(d.due - d.paid),
        ]);
        let summary = vec![
            vec![Cell::Text("应交党费".to_owned()), money(d.due)],
            vec![Cell::Text("实交党费".to_owned()), money(d.paid)],
            vec![Cell::Text("自愿多交".to_owned()), money(d.voluntary)],
            vec![
                Cell::Text("其中一次满规定数额、全额上缴中央".to_owned()),
                money(d.to_centre),
            ],
            vec![
                Cell::Text(format!("留存（{}）", d.retention.percent_text())),
                money(d.kept),
            ],
            vec![Cell::Text("上缴上级党组织".to_owned()), money(d.remitted)],
        ];
        let uses = d
            .uses
            .iter()
            .map(|e| {
                vec![
                    Cell::Text(e.spent_on.to_string()),
                    Cell::Text(e.item.clone()),
                    Cell::Text(e.description.clone()),
                    money(e.amount),
                    Cell::Text(e.decision.clone()),
                ]
            })
            .collect();
        let text = |v: &[&str]| v.iter().map(|h| (*h).to_owned()).collect();
        let sheets = [
            Sheet {
                name: "收缴情况".to_owned(),
                title: title.clone(),
                headings: text(&[
                    "姓名",
                    "警号",
                    "应交月数",
                    "应交（元）",
                    "实交（元）",
                    "欠交（元）",
                ]),
                rows: members,
            },
            Sheet {
                name: "汇总与上缴".to_owned(),
                title: title.clone(),
                headings: text(&["项目", "金额（元）"]),
                rows: summary,
            },
            Sheet {
                name: "使用情况".to_owned(),
                title,
                headings: text(&["日期", "事项", "内容", "金额（元）", "集体研究决定"]),
                rows: uses,
            },
        ];
        let login = actor.login.clone();
        crate::off_workers(move || crate::excel::workbook(&sheets, &login, now)).await
    }

    /// The reconciliation of a period (at most twelve months) as a workbook, in the layout a
    /// finance office files: each org below with its members, due, paid and unpaid, the
    /// total, and the same totals month by month.
    pub async fn dues_ledger_xlsx(
        &self,
        actor: &Actor,
        org: Option<i64>,
        from: Month,
        to: Month,
    ) -> ServiceResult<Vec<u8>> {
        use crate::excel::{Cell, Sheet};
        let _permit = self.heavy(crate::limits::Heavy::Export, actor)?;
        let ledger = self.dues_ledger(actor, org, from, to).await?;
        let mut months = Vec::new();
        let mut at = from;
        while at <= to {
            months.push((at, self.dues_ledger(actor, org, at, at).await?.total));
            at = at.plus(1);
        }
        let money = Cell::Money;
        let rate = |t: &Totals| {
            Cell::Text(if t.due.0 > 0 {
                format!("{:.1}%", t.paid.0 as f64 * 100.0 / t.due.0 as f64)
            } else {
                "—".to_owned()
            })
        };
        let line = |name: String, t: &Totals| {
            vec![
                Cell::Text(name),
                Cell::Number(t.members as f64),
                money(t.due),
                money(t.paid),
                money(t.owed),
                rate(t),
            ]
        };
        let name = ledger
            .org
            .as_ref()
            .map_or_else(|| "全部组织".to_owned(), |o| o.name.clone());
        let mut by_org: Vec<Vec<Cell>> = ledger
            .lines
            .iter()
            .map(|l| line(l.org.name.clone(), &l.totals))
            .collect();
        by_org.push(line("合计".to_owned(), &ledger.total));
        let mut by_month: Vec<Vec<Cell>> = months.iter().map(|(m, t)| line(m.label(), t)).collect();
        by_month.push(line("合计".to_owned(), &ledger.total));
        let period = if from == to {
            from.label()
        } else {
            format!("{}至{}", from.label(), to.label())
        };
        let text = |v: &[&str]| v.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>();
        let headings = |first: &str| {
            text(&[
                first,
                "应交人数",
                "应交（元）",
                "已交（元）",
                "未交（元）",
                "收缴率",
            ])
        };
        let sheets = [
            Sheet {
                name: "逐级对账".to_owned(),
                title: format!("{name} {period}党费收缴对账表（应交人数为期末月份）"),
                headings: headings("组织"),
                rows: by_org,
            },
            Sheet {
                name: "逐月汇总".to_owned(),
                title: format!("{name} {period}党费收缴逐月汇总"),
                headings: headings("月份"),
                rows: by_month,
            },
        ];
        let now = self.clock().now();
        let login = actor.login.clone();
        let bytes =
            crate::off_workers(move || crate::excel::workbook(&sheets, &login, now)).await?;
        self.record(
            actor,
            Event::new("dues.export").detail(json!({
                "org": ledger.org.as_ref().map(|o| o.id),
                "from": from.to_string(), "to": to.to_string(),
            })),
        )
        .await?;
        Ok(bytes)
    }

    /// A month of an org as a workbook in the layout finance offices print: the 收缴明细 of
    /// each member of the subtree, and the 对账 of the orgs directly below. Audited.
    pub async fn dues_month_xlsx(
        &self,
        actor: &Actor,
        org_id: i64,
        raw: &str,
    ) -> ServiceResult<Vec<u8>> {
        use crate::excel::{Cell, Sheet};
        let _permit = self.heavy(crate::limits::Heavy::Export, actor)?;
        let (org, at, rows) = self.dues_sheet(actor, org_id, raw).await?;
        let ledger = self.dues_ledger(actor, Some(org.id), at, at).await?;
        let now = self.clock().now();
        let money = Cell::Money;
        let status = |r: &SheetRow| match r.due {
            None => "未生成或未核定",
            Some(due) if r.paid >= due => "已交清",
            Some(_) if r.paid.0 > 0 => "部分交纳",
            Some(_) => "未交",
        };
        let mut detail: Vec<Vec<Cell>> = rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.name.clone()),
                    Cell::Text(r.police_number.clone().unwrap_or_default()),
                    r.due.map_or(Cell::Text("—".to_owned()), Cell::Money),
                    money(r.paid),
                    Cell::Text(status(r).to_owned()),
                ]
            })
            .collect();
        detail.push(vec![
            Cell::Text("合计".to_owned()),
            Cell::Text(String::new()),
            money(rows.iter().filter_map(|r| r.due).sum()),
            money(rows.iter().map(|r| r.paid).sum()),
            Cell::Text(String::new()),
        ]);
        // A branch has no orgs below: its own line is the reconciliation.
        let below: Vec<(String, Totals)> = if ledger.lines.is_empty() {
            vec![(org.name.clone(), ledger.total)]
        } else {
            ledger
                .lines
                .iter()
                .map(|l| (l.org.name.clone(), l.totals))
                .collect()
        };
        let mut reconciliation: Vec<Vec<Cell>> = below
            .into_iter()
            .map(|(name, t)| {
                vec![
                    Cell::Text(name),
                    Cell::Number(t.members as f64),
                    money(t.due),
                    money(t.paid),
                    money(t.owed),
                ]
            })
            .collect();
        reconciliation.push(vec![
            Cell::Text("合计".to_owned()),
            Cell::Number(ledger.total.members as f64),
            money(ledger.total.due),
            money(ledger.total.paid),
            money(ledger.total.owed),
        ]);
        let title = format!("{} {}党费收缴", org.name, at.label());
        let text = |v: &[&str]| v.iter().map(|h| (*h).to_owned()).collect();
        let sheets = [
            Sheet {
                name: "收缴明细".to_owned(),
                title: title.clone(),
                headings: text(&["姓名", "警号", "应交（元）", "已交（元）", "状态"]),
                rows: detail,
            },
            Sheet {
                name: "逐级对账".to_owned(),
                title,
                headings: text(&["组织", "应交人数", "应交（元）", "已交（元）", "未交（元）"]),
                rows: reconciliation,
            },
        ];
        let login = actor.login.clone();
        let bytes =
            crate::off_workers(move || crate::excel::workbook(&sheets, &login, now)).await?;
        self.record(
            actor,
            Event::new("dues.export")
                .object("org", org.id)
                .detail(json!({ "month": at.to_string() })),
        )
        .await?;
        Ok(bytes)
    }

    /// A payment in scope (its receipt).
    pub async fn dues_payment(&self, actor: &Actor, id: i64) -> ServiceResult<PaymentRow> {
        self.require(actor, Permission::ReadDues, "dues.receipt")
            .await?;
        let mut tx = self.db().read().await?;
        let row = store::payment_by_id(&mut tx, id).await?;
        tx.commit().await?;
        let Some(row) = row else {
            return Err(ServiceError::NotFound);
        };
        self.load_member(actor, row.member_id, "dues.receipt")
            .await?;
        Ok(row)
    }

    /// The voluntary payments of a year that go whole to the centre (R3.11).
    pub async fn dues_to_centre(&self, actor: &Actor, year: i32) -> ServiceResult<Vec<PaymentRow>> {
        self.require(actor, Permission::ReadDues, "dues.ledger")
            .await?;
        let mut tx = self.db().read().await?;
        let rows = store::to_centre(&mut tx, &actor.scope, year).await?;
        tx.commit().await?;
        Ok(rows)
    }
}

/// The receipt number of a payment, as printed.
pub fn receipt_number(payment: &PaymentRow) -> String {
    format!("DF{}{:06}", payment.paid_on.format("%Y%m%d"), payment.id)
}
