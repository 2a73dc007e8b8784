//! 党建工作经费 (issue 17, 5): the committee office sets each org's budget for a year in lines
//! (funding source × category, both from the rules file); an org proposes expenditures
//! against its lines with the collective decision behind them; the office approves or refuses
//! each, never one it proposed itself. Every proposal and every approval passes the same
//! check — the negative list, the caps, what remains of the line — in the transaction that
//! writes it, so two proposals cannot together overrun a line.

use dangjian_core::field::FieldErrors;
use dangjian_core::funds::{
    LineOf, LineState, Quantities, check_budget, check_expense, check_transfer,
};
use dangjian_core::money::Fen;
use dangjian_core::role::Permission;
use dangjian_store::funds::{
    self as store, LineKey, LineRow, NewExpense, NewTransfer, NewVoucher, TransferRow,
};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::care::day_or_today;
use crate::dues::decision;
use crate::error::{ServiceError, ServiceResult};
use crate::orglife::required;
use crate::orgs::Org;
use crate::rectification::invalid;

pub use dangjian_store::funds::{ExpenseRow, TransferRow as Transfer, VoucherRow as Voucher};

const SHORT: usize = 200;
const LONG: usize = 2000;
const STALE: &str = "该记录已被他人修改，请刷新后重试";
/// At most this many vouchers in one upload.
const MAX_VOUCHERS: usize = 10;

/// A budget line as the office sets it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LineForm {
    pub year: String,
    pub source: String,
    pub category: String,
    /// Yuan as typed.
    pub amount: String,
}

/// An expenditure against a line.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExpenseForm {
    pub line: String,
    pub item: String,
    pub amount: String,
    pub spent_on: String,
    pub description: String,
    pub decision: String,
    pub persons: String,
    pub days: String,
    pub half_days: String,
    pub vehicles: String,
}

/// A transfer (调剂) from one line of an org's year to another, as the org proposes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TransferForm {
    pub from_line: String,
    pub to_line: String,
    /// Yuan as typed.
    pub amount: String,
    pub reason: String,
}

/// The office's decision on an expenditure or a transfer: `approve` or `refuse`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExpenseDecisionForm {
    pub version: i64,
    pub decision: String,
    pub decided_on: String,
    pub note: String,
}

/// A line as the budget page shows it: budget against actual.
#[derive(Debug, Clone)]
pub struct LineView {
    pub id: i64,
    pub source: String,
    pub category: String,
    pub category_name: String,
    pub state: LineState,
}

/// An org's budget for a year.
#[derive(Debug, Clone)]
pub struct Budget {
    pub org: Org,
    pub year: i32,
    pub lines: Vec<LineView>,
    pub total: LineState,
    pub expenses: Vec<ExpenseRow>,
    pub transfers: Vec<TransferRow>,
    /// The vouchers of the expenditures, in the order they were kept.
    pub vouchers: Vec<Voucher>,
    /// The orgs directly below, to open their budgets.
    pub children: Vec<Org>,
}

/// An expenditure's or a transfer's status as shown.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "proposed" => "待审批",
        "approved" => "已批准",
        _ => "不予批准",
    }
}

fn count(raw: &str, field: &'static str, e: &mut FieldErrors) -> Option<u32> {
    match raw.trim() {
        "" => None,
        text => match text.parse::<u32>() {
            Ok(n) if n <= 100_000 => Some(n),
            _ => {
                e.add(field, "请填写整数");
                None
            }
        },
    }
}

fn year_of(raw: &str, e: &mut FieldErrors) -> Option<i32> {
    match raw.trim().parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => Some(y),
        _ => {
            e.add("year", "年度须为四位年份，如 2026");
            None
        }
    }
}

/// The approved expenditures of an org's year paid from dues (the uses the annual disclosure
/// of dues shows), read inside `conn`.
pub(crate) async fn dues_uses(
    conn: &mut dangjian_store::Conn,
    org: i64,
    year: i32,
    dues_sources: &[String],
) -> ServiceResult<Vec<ExpenseRow>> {
    let lines: Vec<i64> = store::lines(conn, org, year)
        .await?
        .into_iter()
        .filter(|l| dues_sources.contains(&l.source))
        .map(|l| l.id)
        .collect();
    Ok(store::expenses(conn, org, year)
        .await?
        .into_iter()
        .filter(|e| e.status == "approved" && lines.contains(&e.line_id))
        .collect())
}

impl Services {
    async fn funds_org(
        &self,
        actor: &Actor,
        org: i64,
        permission: Permission,
        event: &'static str,
    ) -> ServiceResult<Org> {
        self.require(actor, permission, event).await?;
        self.load_org(actor, org, event).await
    }

    /// An org's budget for a year: each line's budget, approved, waiting and remaining, and
    /// the expenditures.
    pub async fn fund_budget(&self, actor: &Actor, org: i64, year: i32) -> ServiceResult<Budget> {
        let org = self
            .funds_org(actor, org, Permission::ReadFunds, "funds.view")
            .await?;
        let rules = self.rules();
        let mut tx = self.db().read().await?;
        let lines = store::lines(&mut tx, org.id, year).await?;
        let expenses = store::expenses(&mut tx, org.id, year).await?;
        let transfers = store::transfers(&mut tx, org.id, year).await?;
        let vouchers = store::vouchers(&mut tx, org.id, year).await?;
        let children = dangjian_store::orgs::children(&mut tx, Some(org.id), false).await?;
        tx.commit().await?;
        let mut total = LineState::default();
        let lines = lines
            .into_iter()
            .map(|l| {
                total.budget += l.state.budget;
                total.approved += l.state.approved;
                total.pending += l.state.pending;
                LineView {
                    id: l.id,
                    category_name: rules
                        .funds
                        .category(&l.category)
                        .map_or_else(|| l.category.clone(), |c| c.name.clone()),
                    source: l.source,
                    category: l.category,
                    state: l.state,
                }
            })
            .collect();
        Ok(Budget {
            org,
            year,
            lines,
            total,
            expenses,
            transfers,
            vouchers,
            children,
        })
    }

    /// The org whose budget the funds page opens with: the top of the actor's scope.
    pub async fn funds_home(&self, actor: &Actor) -> ServiceResult<Option<i64>> {
        self.require(actor, Permission::ReadFunds, "funds.view")
            .await?;
        Ok(match &actor.scope {
            dangjian_core::role::Scope::Subtree { org_id, .. } => Some(*org_id),
            dangjian_core::role::Scope::Everything => {
                let mut tx = self.db().read().await?;
                let roots = dangjian_store::orgs::children(&mut tx, None, false).await?;
                tx.commit().await?;
                roots.first().map(|o| o.id)
            }
            _ => None,
        })
    }

    /// Sets a line of an org's budget (the committee office); never below what is already
    /// approved and waiting against it.
    pub async fn set_fund_line(
        &self,
        actor: &Actor,
        org: i64,
        form: &LineForm,
    ) -> ServiceResult<i64> {
        let org = self
            .funds_org(actor, org, Permission::ApproveFunds, "funds.budget")
            .await?;
        let now = self.clock().now();
        let rules = self.rules();
        let mut e = FieldErrors::new();
        let year = year_of(&form.year, &mut e);
        let source = form.source.trim();
        if !rules
            .party_building_funds
            .funding_sources
            .iter()
            .any(|s| s == source)
        {
            e.add("source", "请选择经费来源");
        }
        let category = form.category.trim();
        if rules.funds.category(category).is_none() {
            e.add("category", "请选择预算科目");
        }
        let amount = match Fen::parse_yuan(&form.amount) {
            Ok(a) => Some(a),
            Err(m) => {
                e.add("amount", m);
                None
            }
        };
        invalid(e)?;
        let (Some(year), Some(amount)) = (year, amount) else {
            return Err(ServiceError::invalid("amount", "请填写金额"));
        };
        let key = LineKey {
            org: org.id,
            year,
            source,
            category,
        };
        let mut tx = self.db().write().await?;
        tx.lock_ledger().await?;
        let state = store::line_of(&mut tx, key)
            .await?
            .map(|l| l.state)
            .unwrap_or_default();
        check_budget(amount, state).map_err(|(f, m)| ServiceError::invalid(f, m))?;
        let id = store::put_line(&mut tx, key, amount, &actor.login, now).await?;
        let event = Event::new("funds.budget")
            .object("fund_line", id)
            .detail(json!({
                "org": org.id, "year": year, "source": source, "category": category,
                "from_fen": state.budget.0, "to_fen": amount.0,
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn line_in_scope(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<LineRow> {
        let mut tx = self.db().read().await?;
        let line = store::line_by_id(&mut tx, id).await?;
        tx.commit().await?;
        match line {
            Some(l) if actor.scope.covers_org(&l.org_path) => Ok(l),
            Some(_) => Err(self.out_of_scope(actor, event, "fund_line", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// Proposes an expenditure against a line of an org in scope, checked against the
    /// negative list, the caps and what remains of the line.
    pub async fn propose_expense(&self, actor: &Actor, form: &ExpenseForm) -> ServiceResult<i64> {
        self.require(actor, Permission::SpendFunds, "funds.expense")
            .await?;
        let Ok(line_id) = form.line.trim().parse::<i64>() else {
            return Err(ServiceError::invalid("line", "请选择预算科目"));
        };
        let line = self.line_in_scope(actor, line_id, "funds.expense").await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let rules = self.rules();
        let mut e = FieldErrors::new();
        let item = form.item.trim();
        if item.is_empty() {
            e.add("item", "请选择支出事项");
        }
        let amount = match Fen::parse_yuan(&form.amount) {
            Ok(a) => Some(a),
            Err(m) => {
                e.add("amount", m);
                None
            }
        };
        let spent_on = day_or_today(&form.spent_on, today, "spent_on", &mut e);
        if chrono::Datelike::year(&spent_on) != line.year {
            e.add("spent_on", format!("支出日期须在{}年度内", line.year));
        }
        let description = required(&form.description, "支出内容", LONG, "description", &mut e);
        let decision = required(&form.decision, "集体研究决定", SHORT, "decision", &mut e);
        let quantities = Quantities {
            persons: count(&form.persons, "persons", &mut e),
            days: count(&form.days, "days", &mut e),
            half_days: count(&form.half_days, "half_days", &mut e),
            vehicles: count(&form.vehicles, "vehicles", &mut e),
        };
        let mut tx = self.db().write().await?;
        tx.lock_ledger().await?;
        // Loaded again inside the transaction: its state now, and still in scope.
        let state = store::line_by_id(&mut tx, line.id)
            .await?
            .filter(|l| actor.scope.covers_org(&l.org_path))
            .ok_or(ServiceError::NotFound)?
            .state;
        if let Some(amount) = amount
            && !item.is_empty()
            && let Err((field, message)) = check_expense(
                item,
                amount,
                quantities,
                state,
                &rules.funds,
                &rules.party_building_funds.activity_rules,
            )
        {
            e.add(field, message);
        }
        invalid(e)?;
        let Some(amount) = amount else {
            return Err(ServiceError::invalid("amount", "请填写金额"));
        };
        let id = store::insert_expense(
            &mut tx,
            &NewExpense {
                line_id: line.id,
                item,
                amount,
                spent_on,
                description: &description,
                decision: &decision,
                persons: quantities.persons,
                days: quantities.days,
                half_days: quantities.half_days,
                vehicles: quantities.vehicles,
                proposed_by: &actor.login,
            },
            now,
        )
        .await?;
        let event = Event::new("funds.expense")
            .object("fund_expense", id)
            .detail(json!({
                "line": line.id, "item": item, "fen": amount.0,
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Approves or refuses an expenditure (the committee office; not one it proposed). An
    /// approval checks the line again.
    pub async fn decide_expense(
        &self,
        actor: &Actor,
        id: i64,
        form: &ExpenseDecisionForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ApproveFunds, "funds.expense.decide")
            .await?;
        let mut tx = self.db().read().await?;
        let row = store::expense_by_id(&mut tx, id).await?;
        tx.commit().await?;
        let row = row.ok_or(ServiceError::NotFound)?;
        let line = self
            .line_in_scope(actor, row.line_id, "funds.expense.decide")
            .await?;
        if row.status != "proposed" || row.version != form.version {
            return Err(ServiceError::conflict("version", STALE));
        }
        let today = self.clock().today();
        let now = self.clock().now();
        let rules = self.rules();
        let mut e = FieldErrors::new();
        if row.proposed_by == actor.login {
            e.add("decision", "不能审批本人申请的支出");
        }
        let status = decision(&form.decision, &mut e);
        let decided_on = day_or_today(&form.decided_on, today, "decided_on", &mut e);
        let note = crate::orglife::optional(&form.note, "审批意见", LONG, "note", &mut e)
            .unwrap_or_default();
        if status == Some("refused") && note.is_empty() {
            e.add("note", "不予批准须写明理由");
        }
        let mut tx = self.db().write().await?;
        tx.lock_ledger().await?;
        if status == Some("approved") {
            let state = store::line_by_id(&mut tx, line.id)
                .await?
                .map(|l| l.state)
                .unwrap_or_default();
            // The expenditure is among what waits: check it against the line without itself.
            let without = LineState {
                pending: state.pending - row.amount,
                ..state
            };
            let quantities = Quantities {
                persons: row.persons,
                days: row.days,
                half_days: row.half_days,
                vehicles: row.vehicles,
            };
            if let Err((_, message)) = check_expense(
                &row.item,
                row.amount,
                quantities,
                without,
                &rules.funds,
                &rules.party_building_funds.activity_rules,
            ) {
                e.add("decision", message);
            }
        }
        invalid(e)?;
        let Some(status) = status else {
            return Err(ServiceError::invalid("decision", "请选择批准或不予批准"));
        };
        if !store::decide_expense(
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
        let event = Event::new("funds.expense.decide")
            .object("fund_expense", id)
            .detail(json!({ "status": status, "fen": row.amount.0 }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Proposes a transfer between two lines of an org's year in scope (调剂): within one
    /// source, and no more than the line it leaves has neither spent nor waiting.
    pub async fn propose_fund_transfer(
        &self,
        actor: &Actor,
        form: &TransferForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::SpendFunds, "funds.transfer")
            .await?;
        let mut e = FieldErrors::new();
        let from = form.from_line.trim().parse::<i64>().ok();
        if from.is_none() {
            e.add("from_line", "请选择调出科目");
        }
        let to = form.to_line.trim().parse::<i64>().ok();
        if to.is_none() {
            e.add("to_line", "请选择调入科目");
        }
        let amount = match Fen::parse_yuan(&form.amount) {
            Ok(a) => Some(a),
            Err(m) => {
                e.add("amount", m);
                None
            }
        };
        let reason = required(&form.reason, "调剂理由", LONG, "reason", &mut e);
        invalid(e)?;
        let (Some(from), Some(to), Some(amount)) = (from, to, amount) else {
            return Err(ServiceError::invalid("from_line", "请选择调出科目"));
        };
        let from = self.line_in_scope(actor, from, "funds.transfer").await?;
        let to = self.line_in_scope(actor, to, "funds.transfer").await?;
        if (to.org_id, to.year) != (from.org_id, from.year) {
            return Err(ServiceError::invalid(
                "to_line",
                "只能在同一组织同一年度的科目之间调剂",
            ));
        }
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        tx.lock_ledger().await?;
        let state = store::line_by_id(&mut tx, from.id)
            .await?
            .ok_or(ServiceError::NotFound)?
            .state;
        check_transfer(
            LineOf {
                source: &from.source,
                category: &from.category,
                state,
            },
            LineOf {
                source: &to.source,
                category: &to.category,
                state: to.state,
            },
            amount,
        )
        .map_err(|(f, m)| ServiceError::invalid(f, m))?;
        let id = store::insert_transfer(
            &mut tx,
            &NewTransfer {
                org_id: from.org_id,
                year: from.year,
                from_line: from.id,
                to_line: to.id,
                amount,
                reason: &reason,
                proposed_by: &actor.login,
            },
            now,
        )
        .await?;
        let event = Event::new("funds.transfer")
            .object("fund_transfer", id)
            .detail(json!({ "from": from.id, "to": to.id, "fen": amount.0 }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Approves or refuses a transfer (the committee office; not one it proposed). An
    /// approval checks the line it leaves again, then moves the budgets.
    pub async fn decide_fund_transfer(
        &self,
        actor: &Actor,
        id: i64,
        form: &ExpenseDecisionForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::ApproveFunds, "funds.transfer.decide")
            .await?;
        let mut tx = self.db().read().await?;
        let row = store::transfer_by_id(&mut tx, id).await?;
        tx.commit().await?;
        let row = row.ok_or(ServiceError::NotFound)?;
        let from = self
            .line_in_scope(actor, row.from_line, "funds.transfer.decide")
            .await?;
        if row.status != "proposed" || row.version != form.version {
            return Err(ServiceError::conflict("version", STALE));
        }
        let mut e = FieldErrors::new();
        if row.proposed_by == actor.login {
            e.add("decision", "不能审批本人申请的调剂");
        }
        let status = decision(&form.decision, &mut e);
        let decided_on = day_or_today(&form.decided_on, self.clock().today(), "decided_on", &mut e);
        let note = crate::orglife::optional(&form.note, "审批意见", LONG, "note", &mut e)
            .unwrap_or_default();
        if status == Some("refused") && note.is_empty() {
            e.add("note", "不予批准须写明理由");
        }
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        tx.lock_ledger().await?;
        if status == Some("approved") {
            let lines = (
                store::line_by_id(&mut tx, row.from_line).await?,
                store::line_by_id(&mut tx, row.to_line).await?,
            );
            // The transfer is among what waits on its line: check it without itself.
            if let (Some(from), Some(to)) = lines
                && let Err((_, message)) = check_transfer(
                    LineOf {
                        source: &from.source,
                        category: &from.category,
                        state: LineState {
                            pending: from.state.pending - row.amount,
                            ..from.state
                        },
                    },
                    LineOf {
                        source: &to.source,
                        category: &to.category,
                        state: to.state,
                    },
                    row.amount,
                )
            {
                e.add("decision", message);
            }
        }
        invalid(e)?;
        let Some(status) = status else {
            return Err(ServiceError::invalid("decision", "请选择批准或不予批准"));
        };
        if !store::decide_transfer(&mut tx, &row, status, decided_on, &actor.login, &note).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        let event = Event::new("funds.transfer.decide")
            .object("fund_transfer", id)
            .detail(json!({ "status": status, "org": from.org_id, "fen": row.amount.0 }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An expenditure of an org in scope, with its line (audited when out of scope).
    async fn expense_in_scope(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<(ExpenseRow, LineRow)> {
        let mut tx = self.db().read().await?;
        let row = store::expense_by_id(&mut tx, id).await?;
        tx.commit().await?;
        let row = row.ok_or(ServiceError::NotFound)?;
        let line = self.line_in_scope(actor, row.line_id, event).await?;
        Ok((row, line))
    }

    /// Adds vouchers (invoices, receipts) to an expenditure not refused: each file checked
    /// by its bytes against its name, kept with its SM3 digest; all of them or none. Gives
    /// the year of the expenditure's budget and the vouchers' ids.
    pub async fn attach_vouchers(
        &self,
        actor: &Actor,
        expense: i64,
        uploads: &[crate::Upload<'_>],
    ) -> ServiceResult<(i32, Vec<i64>)> {
        self.require(actor, Permission::SpendFunds, "funds.voucher")
            .await?;
        let (row, line) = self
            .expense_in_scope(actor, expense, "funds.voucher")
            .await?;
        if row.status == "refused" {
            return Err(ServiceError::invalid(
                "file",
                "不予批准的支出不能再上传凭证",
            ));
        }
        let checked = crate::attachments::check_uploads(uploads, MAX_VOUCHERS)?;
        let mut files = crate::attachments::NewFiles::new(self.attachment_root()?.clone());
        let now = self.clock().now();
        let outcome = async {
            let mut tx = self.db().write().await?;
            let mut ids = Vec::new();
            let mut names = Vec::new();
            for (name, mime, bytes) in &checked {
                let (stored_name, digest) = files.write(&format!("v{expense}"), bytes)?;
                let id = store::insert_voucher(
                    &mut tx,
                    &NewVoucher {
                        expense_id: expense,
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
                ids.push(id);
                names.push(name.clone());
            }
            let event = Event::new("funds.voucher")
                .object("fund_expense", expense)
                .detail(json!({ "files": names, "vouchers": ids }));
            audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
            tx.commit().await?;
            Ok(ids)
        }
        .await;
        let ids = files.settle(outcome)?;
        Ok((line.year, ids))
    }

    /// A voucher of an expenditure in scope, with its bytes (checked against the digest kept
    /// at upload); the read is audited.
    pub async fn fund_voucher(
        &self,
        actor: &Actor,
        expense: i64,
        voucher: i64,
    ) -> ServiceResult<(Voucher, Vec<u8>)> {
        self.require(actor, Permission::ReadFunds, "funds.voucher.read")
            .await?;
        let (_, line) = self
            .expense_in_scope(actor, expense, "funds.voucher.read")
            .await?;
        let mut tx = self.db().read().await?;
        let found = store::vouchers(&mut tx, line.org_id, line.year)
            .await?
            .into_iter()
            .find(|v| v.id == voucher && v.expense_id == expense)
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        let bytes = self.read_kept_file(&found.stored_name, &found.digest)?;
        self.record(
            actor,
            Event::new("funds.voucher.read")
                .object("fund_expense", expense)
                .detail(json!({ "voucher": voucher })),
        )
        .await?;
        Ok((found, bytes))
    }

    /// An org's funds of a year as a workbook for the finance office and for disclosure:
    /// budget against actual by line, every expenditure with its decision and vouchers, and
    /// the transfers between lines.
    pub async fn funds_xlsx(&self, actor: &Actor, org: i64, year: i32) -> ServiceResult<Vec<u8>> {
        use crate::excel::{Cell, Sheet};
        let _permit = self.heavy(crate::limits::Heavy::Export, actor)?;
        let budget = self.fund_budget(actor, org, year).await?;
        let money = Cell::Money;
        let status = |s: &str| status_label(s).to_owned();
        let line_name = |id: i64| {
            budget
                .lines
                .iter()
                .find(|l| l.id == id)
                .map(|l| format!("{} · {}", l.source, l.category_name))
                .unwrap_or_default()
        };
        let mut lines: Vec<Vec<Cell>> = budget
            .lines
            .iter()
            .map(|l| {
                vec![
                    Cell::Text(l.source.clone()),
                    Cell::Text(l.category_name.clone()),
                    money(l.state.budget),
                    money(l.state.approved),
                    money(l.state.pending),
                    money(l.state.remaining()),
                ]
            })
            .collect();
        let t = budget.total;
        lines.push(vec![
            Cell::Text("合计".to_owned()),
            Cell::Text(String::new()),
            money(t.budget),
            money(t.approved),
            money(t.pending),
            money(t.remaining()),
        ]);
        let expenses = budget
            .expenses
            .iter()
            .rev()
            .map(|e| {
                let vouchers = budget
                    .vouchers
                    .iter()
                    .filter(|v| v.expense_id == e.id)
                    .count();
                vec![
                    Cell::Text(e.spent_on.to_string()),
                    Cell::Text(line_name(e.line_id)),
                    Cell::Text(e.item.clone()),
                    money(e.amount),
                    Cell::Text(e.description.clone()),
                    Cell::Text(e.decision.clone()),
                    Cell::Text(status(&e.status)),
                    Cell::Text(
                        e.decided_by
                            .as_ref()
                            .map(|by| {
                                format!(
                                    "{by} {}",
                                    e.decided_on.map(|d| d.to_string()).unwrap_or_default()
                                )
                            })
                            .unwrap_or_default(),
                    ),
                    Cell::Number(vouchers as f64),
                ]
            })
            .collect();
        let transfers = budget
            .transfers
            .iter()
            .rev()
            .map(|t| {
                vec![
                    Cell::Text(line_name(t.from_line)),
                    Cell::Text(line_name(t.to_line)),
                    money(t.amount),
                    Cell::Text(t.reason.clone()),
                    Cell::Text(status(&t.status)),
                ]
            })
            .collect();
        let title = |what: &str| format!("{} {}年党建工作经费{what}", budget.org.name, year);
        let text = |v: &[&str]| v.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>();
        let sheets = [
            Sheet {
                name: "预算执行".to_owned(),
                title: title("预算执行情况"),
                headings: text(&[
                    "经费来源",
                    "预算科目",
                    "预算（元）",
                    "已批准支出（元）",
                    "待审批（元）",
                    "余额（元）",
                ]),
                rows: lines,
            },
            Sheet {
                name: "支出明细".to_owned(),
                title: title("支出明细"),
                headings: text(&[
                    "日期",
                    "科目",
                    "事项",
                    "金额（元）",
                    "支出内容",
                    "集体研究决定",
                    "状态",
                    "审批",
                    "凭证（份）",
                ]),
                rows: expenses,
            },
            Sheet {
                name: "科目调剂".to_owned(),
                title: title("科目调剂"),
                headings: text(&["调出科目", "调入科目", "金额（元）", "理由", "状态"]),
                rows: transfers,
            },
        ];
        let now = self.clock().now();
        let login = actor.login.clone();
        let bytes =
            crate::off_workers(move || crate::excel::workbook(&sheets, &login, now)).await?;
        self.record(
            actor,
            Event::new("funds.export")
                .object("org", budget.org.id)
                .detail(json!({ "year": year })),
        )
        .await?;
        Ok(bytes)
    }
}
