//! The demo's 党费: a year of dues for every member on the roll — assessed in January (or
//! the month the window starts) from a sealed pay, a pay rise for some from the middle of the
//! year, retirees on their own brackets — charged month by month and mostly paid on the
//! branch's collection day; some by proxy, a few owing a month or two, a few far behind (the
//! six-month rule shows), two hardship reductions (one approved, one waiting), and voluntary
//! payments of which one goes whole to the centre.

use chrono::{Datelike, NaiveDate};
use dangjian_core::dues::{DuesCategory, Month, Pay, PaymentKind, assess};
use dangjian_core::member::MemberStatus;
use dangjian_core::money::Fen;
use dangjian_store::dues::{self as store, BulkAssessment, BulkPayment, NewCharge, NewReduction};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::Plan;
use crate::Services;
use crate::dues::{SealedPay, pay_context};
use crate::error::{ServiceError, ServiceResult};

const AUTHOR: &str = "(演示数据)";
/// The branch's fixed collection day of the month.
const COLLECTION_DAY: u32 = 10;

/// How a demo member pays.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Habit {
    OnTime,
    /// Leaves the last months unpaid.
    Behind(i32),
}

impl Services {
    /// The demo's dues for the twelve months up to this one; returns the payments written.
    pub(super) async fn demo_dues(
        &self,
        tx: &mut dangjian_store::Conn,
        plan: &Plan,
        org_ids: &[i64],
        demo_branch: Option<usize>,
        seed: u64,
    ) -> ServiceResult<usize> {
        let today = self.clock().today();
        let now = self.clock().now();
        let this = Month::of(today);
        let first = this.plus(-11);
        let raise = this.plus(-5);
        let rules = self.rule_book().on(first.first_day()).dues.clone();
        let mut rng = StdRng::seed_from_u64(seed ^ 0xd0e5);
        let mut assessments = Vec::new();
        // member, branch org, joined month, monthly dues by month (before and after a raise)
        let mut liable: Vec<(i64, i64, Month, Fen, Option<Fen>, Habit)> = Vec::new();
        let mut behind_in_demo = 0;
        for m in &plan.members {
            if m.row.status != MemberStatus::Active {
                continue;
            }
            let retired = today.year() - m.row.birth_date.year() >= 60;
            let category = if retired {
                DuesCategory::Retired
            } else {
                DuesCategory::Employed
            };
            let income = if retired {
                rng.random_range(380_000..720_000)
            } else {
                rng.random_range(520_000..1_600_000)
            };
            let pay = Pay {
                income: Fen(income),
                income_tax: Fen(if retired { 0 } else { income * 3 / 100 }),
                insurance: Fen(if retired { 0 } else { income / 10 }),
            };
            let joined = Month::of(m.row.joined_on).max(first);
            let sealed = |pay: Pay, from: Month, base: Fen| -> ServiceResult<String> {
                let text = serde_json::to_string(&SealedPay {
                    income: pay.income.0,
                    income_tax: pay.income_tax.0,
                    insurance: pay.insurance.0,
                    base: base.0,
                })
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
                Ok(self.crypto().seal(&text, &pay_context(m.row.id, from)))
            };
            let before = assess(category, Some(pay), None, &rules)
                .map_err(|(_, e)| ServiceError::Internal(e))?;
            let base = before.base.unwrap_or_default();
            assessments.push(BulkAssessment {
                member_id: m.row.id,
                from_month: joined,
                category,
                pay_sealed: Some(sealed(pay, joined, base)?),
                monthly: before.monthly,
                reason: "annual",
            });
            // One in twenty-five gets a raise from the month new pay is first received.
            let after = if !retired && joined < raise && rng.random_ratio(1, 25) {
                let raised = Pay {
                    income: Fen(income + income / 12),
                    ..pay
                };
                let a = assess(category, Some(raised), None, &rules)
                    .map_err(|(_, e)| ServiceError::Internal(e))?;
                assessments.push(BulkAssessment {
                    member_id: m.row.id,
                    from_month: raise,
                    category,
                    pay_sealed: Some(sealed(raised, raise, a.base.unwrap_or_default())?),
                    monthly: a.monthly,
                    reason: "pay_change",
                });
                Some(a.monthly)
            } else {
                None
            };
            let in_demo = Some(m.branch) == demo_branch;
            let habit = if in_demo && behind_in_demo < 2 && liable.len().is_multiple_of(3) {
                behind_in_demo += 1;
                // One nearing the six-month rule, one past it.
                Habit::Behind(if behind_in_demo == 1 { 4 } else { 7 })
            } else if rng.random_ratio(1, 400) {
                Habit::Behind(rng.random_range(4..8))
            } else if rng.random_ratio(1, 30) {
                Habit::Behind(rng.random_range(1..3))
            } else {
                Habit::OnTime
            };
            liable.push((
                m.row.id,
                org_ids[m.branch],
                joined,
                before.monthly,
                after,
                habit,
            ));
        }
        store::insert_assessments_bulk(tx, &assessments, AUTHOR, now).await?;

        // Two hardship cases in the demo branch (or the first members): one approved from
        // four months back, one waiting for the committee.
        let hardship: Vec<usize> = liable
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                demo_branch.is_none_or(|b| org_ids[b] == l.1)
                    && l.5 == Habit::OnTime
                    && l.4.is_none()
            })
            .map(|(i, _)| i)
            .take(2)
            .collect();
        let reduced_from = this.plus(-3);
        let mut reduced: Option<(i64, Fen)> = None;
        for (n, i) in hardship.iter().enumerate() {
            let l = &liable[*i];
            let amount = Fen(l.3.0 / 2);
            let id = store::insert_reduction(
                tx,
                &NewReduction {
                    member_id: l.0,
                    from_month: reduced_from,
                    to_month: reduced_from.plus(11),
                    monthly: amount,
                    reason: if n == 0 {
                        "配偶重病住院，家庭医疗支出大，经济困难"
                    } else {
                        "家中房屋受灾，正在修缮，生活暂时困难"
                    },
                    branch_decided_on: reduced_from.first_day(),
                    created_by: AUTHOR,
                },
                now,
            )
            .await?;
            if n == 0 {
                let decided = reduced_from.first_day() + chrono::Days::new(6);
                store::decide_reduction(
                    tx,
                    id,
                    1,
                    "approved",
                    decided.min(today),
                    AUTHOR,
                    "同意减半交纳",
                )
                .await?;
                reduced = Some((l.0, amount));
            }
        }

        let mut payments = Vec::new();
        let mut at = first;
        while at <= this {
            let mut charges = Vec::new();
            for (member, org, joined, before, after, habit) in &liable {
                if at < *joined {
                    continue;
                }
                let assessed = match after {
                    Some(a) if at >= raise => *a,
                    _ => *before,
                };
                let due = match reduced {
                    Some((who, amount)) if who == *member && at >= reduced_from => {
                        amount.min(assessed)
                    }
                    _ => assessed,
                };
                let skipped = match habit {
                    Habit::Behind(n) => this.since(at) < *n,
                    Habit::OnTime => at == this && today.day() < COLLECTION_DAY,
                } || due.0 == 0;
                charges.push(NewCharge {
                    member_id: *member,
                    org_id: *org,
                    assessed,
                    due,
                    paid: if skipped { Fen::ZERO } else { due },
                });
                if skipped {
                    continue;
                }
                let day = NaiveDate::from_ymd_opt(at.year(), at.month(), COLLECTION_DAY)
                    .unwrap_or(at.first_day())
                    .min(today);
                let proxy = rng.random_ratio(1, 40);
                payments.push(BulkPayment {
                    member_id: *member,
                    org_id: *org,
                    month: at,
                    kind: if proxy {
                        PaymentKind::Proxy
                    } else {
                        PaymentKind::InPerson
                    },
                    amount: due,
                    paid_on: day,
                    proxy: proxy.then_some("同支部党员代交"),
                    to_centre: false,
                });
            }
            store::insert_charges(tx, at, &charges).await?;
            at = at.plus(1);
        }
        // Voluntary payments: one of 1,000 yuan (whole to the centre), one smaller.
        for (n, l) in liable
            .iter()
            .filter(|l| l.5 == Habit::OnTime)
            .take(2)
            .enumerate()
        {
            let amount = if n == 0 { Fen(100_000) } else { Fen(20_000) };
            let month = this.plus(-2);
            payments.push(BulkPayment {
                member_id: l.0,
                org_id: l.1,
                month,
                kind: PaymentKind::Voluntary,
                amount,
                paid_on: month.first_day() + chrono::Days::new(14),
                proxy: None,
                to_centre: rules.goes_to_centre(amount),
            });
        }
        store::insert_payments_bulk(tx, &payments, AUTHOR, now).await?;
        Ok(payments.len())
    }
}
