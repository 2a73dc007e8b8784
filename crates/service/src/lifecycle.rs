//! A member's lifecycle as explicit transitions, each with its date, reason and actor, kept in
//! `member_events` beside the dated status and branch history: 转正 and 延长预备期, 组织关系
//! 转接 inside and out of the bureau, 流动党员, 失联 and its end, 停止党籍, 出党, 去世.

use chrono::NaiveDate;
use dangjian_core::interval::plan_change;
use dangjian_core::lifecycle::{
    self, EventKind, MemberState, TransferStatus, extended_due, probation_due,
};
use dangjian_core::member::{MemberStatus, parse_date};
use dangjian_core::org::{Code, OrgKind, OrgPath};
use dangjian_core::role::Permission;
use dangjian_core::text;
use dangjian_store::history::{self, posts};
use dangjian_store::lifecycle::{self as records, EventRow, NewEvent, NewTransfer, TransferRow};
use dangjian_store::members::{self, MemberRow};
use dangjian_store::{Conn, orgs};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::scope::visible_member;

pub use dangjian_store::lifecycle::{EventRow as MemberEvent, TransferRow as Transfer};

/// A transition's form: its date, its reason, and what the kind needs besides.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TransitionForm {
    /// The transition, by event code (`converted`, `lost_contact` …).
    pub kind: String,
    pub on: String,
    pub reason: String,
    /// 延长预备期: months.
    pub months: String,
    /// 组织关系转接: the letter's number, and the receiving branch's code (inside the
    /// bureau) or the organisation's name (outside).
    pub letter_no: String,
    pub to_branch: String,
    pub external_org: String,
    /// 流动: where to, and how to reach the member.
    pub place: String,
    pub contact: String,
}

/// The date a transfer letter is received or returned, and why (when returned).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SettleForm {
    pub on: String,
    pub reason: String,
}

/// What a member's page offers and shows of the lifecycle.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    pub events: Vec<EventRow>,
    pub transfers: Vec<TransferRow>,
    pub flow: Option<(String, Option<String>, NaiveDate)>,
    /// The transitions the actor may make now, in a sensible order.
    pub available: Vec<EventKind>,
    pub probation_due_on: Option<NaiveDate>,
    /// What the rules ask of the branch now (stop, move the relationship, reissue a letter).
    pub prompts: Vec<lifecycle::Prompt>,
}

/// The transitions offered on a member's page (receiving a transfer is done from the
/// receiving side's list, and creating from the roster).
const OFFERED: [EventKind; 12] = [
    EventKind::Converted,
    EventKind::ProbationExtended,
    EventKind::ProbationCancelled,
    EventKind::TransferIssued,
    EventKind::TransferredOut,
    EventKind::FlowOut,
    EventKind::FlowReturned,
    EventKind::LostContact,
    EventKind::ContactRestored,
    EventKind::Stopped,
    EventKind::Left,
    EventKind::Died,
];

fn date(raw: &str, today: NaiveDate) -> ServiceResult<NaiveDate> {
    match raw.trim() {
        "" => Ok(today),
        raw => parse_date(raw).map_err(|e| ServiceError::invalid("on", e.to_string())),
    }
}

fn required(
    raw: &str,
    label: &'static str,
    max: usize,
    field: &'static str,
) -> ServiceResult<String> {
    text::required(raw, label, max).map_err(|e| ServiceError::invalid(field, e.to_string()))
}

fn optional(
    raw: &str,
    label: &'static str,
    max: usize,
    field: &'static str,
) -> ServiceResult<Option<String>> {
    text::optional(raw, label, max).map_err(|e| ServiceError::invalid(field, e.to_string()))
}

/// Builds the state the transitions are checked against.
async fn state_of(conn: &mut Conn, row: &MemberRow) -> ServiceResult<MemberState> {
    Ok(MemberState {
        category: row.category,
        status: row.status,
        joined_on: row.joined_on,
        probation_due_on: row.probation_due_on,
        extensions: records::count_events(conn, row.id, EventKind::ProbationExtended).await? as u32,
        away_since: records::current_flow(conn, row.id)
            .await?
            .map(|(_, _, since)| since),
        letter_issued_on: records::pending_transfer_of(conn, row.id)
            .await?
            .map(|t| t.issued_on),
        lost_contact_since: match row.status {
            MemberStatus::LostContact => history::member_status::open_since(conn, row.id).await?,
            _ => None,
        },
    })
}

/// Ends the posts a member can no longer hold on `on`: those outside the subtree of their
/// (new) branch, or all when they leave the roll.
pub(crate) async fn end_posts(
    conn: &mut Conn,
    member: i64,
    branch: Option<&OrgPath>,
    on: NaiveDate,
) -> ServiceResult<()> {
    for (org_id, post, span) in posts::of_member(conn, member).await? {
        if !span.is_open() {
            continue;
        }
        let Some(org) = orgs::get(conn, org_id).await? else {
            continue;
        };
        if branch.is_some_and(|b| b.is_within(&org.path)) {
            continue;
        }
        if on <= span.from {
            return Err(ServiceError::invalid(
                "on",
                format!(
                    "该党员自{}起任{}{}，日期应晚于任职日期",
                    span.from,
                    org.name,
                    crate::orgs::post_label(&post)
                ),
            ));
        }
        posts::close_one(conn, org_id, &post, on).await?;
    }
    Ok(())
}

/// Changes the member's status (dated) and keeps the current column in step.
async fn set_status(
    conn: &mut Conn,
    row: &MemberRow,
    status: MemberStatus,
    on: NaiveDate,
) -> ServiceResult<()> {
    let since = history::member_status::open_since(conn, row.id)
        .await?
        .unwrap_or(on);
    let change = plan_change(&row.status, since, &status, on)
        .map_err(|e| ServiceError::invalid("on", e.to_string()))?;
    history::member_status::apply(conn, row.id, change, status.code()).await?;
    members::set_current(conn, row.id, row.branch_id, row.category, status).await?;
    if !status.is_on_roll() {
        end_posts(conn, row.id, None, on).await?;
    }
    Ok(())
}

/// Moves the member to another branch (dated) and ends posts they leave behind.
async fn set_branch(
    conn: &mut Conn,
    row: &MemberRow,
    branch: &orgs::OrgRow,
    on: NaiveDate,
) -> ServiceResult<()> {
    if on < branch.founded_on {
        return Err(ServiceError::invalid(
            "on",
            format!(
                "{}成立于{}，转入日期不能更早",
                branch.name, branch.founded_on
            ),
        ));
    }
    let since = history::member_branch::open_since(conn, row.id)
        .await?
        .unwrap_or(on);
    let change = plan_change(&row.branch_id, since, &branch.id, on)
        .map_err(|e| ServiceError::invalid("on", e.to_string()))?;
    history::member_branch::apply(conn, row.id, change, branch.id).await?;
    members::set_current(conn, row.id, branch.id, row.category, row.status).await?;
    end_posts(conn, row.id, Some(&branch.path), on).await
}

impl Services {
    /// The lifecycle part of a member's page.
    pub async fn member_lifecycle(&self, actor: &Actor, id: i64) -> ServiceResult<Lifecycle> {
        self.require(actor, Permission::ReadMembers, "member.view")
            .await?;
        let row = self.load_member(actor, id, "member.view").await?;
        let today = self.clock().today();
        let mut tx = self.db().read().await?;
        let state = state_of(&mut tx, &row).await?;
        let events = records::events_of(&mut tx, id).await?;
        let transfers = records::transfers_of(&mut tx, id).await?;
        let flow = records::current_flow(&mut tx, id).await?;
        tx.commit().await?;
        let writable =
            actor.permits(Permission::WriteMembers) && actor.scope.covers_org(&row.branch_path);
        let book = self.rule_book();
        let available = if writable {
            OFFERED
                .into_iter()
                .filter(|k| lifecycle::check(*k, &state, today, today, &book).is_ok())
                .collect()
        } else {
            Vec::new()
        };
        Ok(Lifecycle {
            events,
            transfers,
            flow,
            available,
            probation_due_on: row.probation_due_on,
            prompts: lifecycle::prompts(&state, today, &book),
        })
    }

    /// Makes a transition from the member's page.
    pub async fn transition(
        &self,
        actor: &Actor,
        id: i64,
        form: &TransitionForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::WriteMembers, "member.transition")
            .await?;
        let stored = self.load_member(actor, id, "member.transition").await?;
        if !actor.scope.covers_org(&stored.branch_path) {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.db().write().await?;
        self.transition_in(&mut tx, actor, id, form).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A transition of a member in the actor's scope, in the caller's transaction: checked
    /// against the member's state, recorded as an event and audited. The member's page, and
    /// 发展党员's 转正, extension and 取消预备党员资格 in the same transaction as their step.
    pub(crate) async fn transition_in(
        &self,
        tx: &mut dangjian_store::Tx,
        actor: &Actor,
        id: i64,
        form: &TransitionForm,
    ) -> ServiceResult<()> {
        let kind = EventKind::from_code(form.kind.trim())
            .filter(|k| OFFERED.contains(k))
            .ok_or_else(|| ServiceError::invalid("kind", "请选择要办理的事项"))?;
        let today = self.clock().today();
        let on = date(&form.on, today)?;
        let reason = optional(&form.reason, "事由", 200, "reason")?;
        let now = self.clock().now();
        tx.lock_structure().await?;
        let row = visible_member(tx, actor, id).await?;
        let state = state_of(&mut *tx, &row).await?;
        lifecycle::check(kind, &state, on, today, &self.rule_book())
            .map_err(|m| ServiceError::invalid("on", m))?;
        let mut details = serde_json::Map::new();
        match kind {
            EventKind::Converted => {
                // 党龄 counts from the end of probation, whatever day the branch met.
                let full_on = row
                    .probation_due_on
                    .unwrap_or_else(|| probation_due(row.joined_on, &self.rule_book()));
                members::set_full_membership(&mut *tx, id, full_on).await?;
                history::rewrite_category_timeline(&mut *tx, id, row.joined_on, Some(full_on))
                    .await?;
                details.insert("full_membership_on".into(), json!(full_on.to_string()));
            }
            EventKind::ProbationExtended => {
                let months: u32 = form
                    .months
                    .trim()
                    .parse()
                    .map_err(|_| ServiceError::invalid("months", "请填写延长的月数"))?;
                let current = row
                    .probation_due_on
                    .unwrap_or_else(|| probation_due(row.joined_on, &self.rule_book()));
                let due = extended_due(current, months, self.rule_book().on(on))
                    .map_err(|m| ServiceError::invalid("months", m))?;
                members::set_probation_due(&mut *tx, id, Some(due)).await?;
                details.insert("months".into(), json!(months));
                details.insert("probation_due_on".into(), json!(due.to_string()));
            }
            EventKind::TransferIssued | EventKind::TransferredOut => {
                let letter_no = required(&form.letter_no, "介绍信编号", 40, "letter_no")?;
                let note = reason.clone();
                if kind == EventKind::TransferIssued {
                    let code = Code::parse(&form.to_branch)
                        .map_err(|e| ServiceError::invalid("to_branch", e.to_string()))?;
                    // A letter may go to any branch of the bureau: the sender need not manage it.
                    let to = orgs::by_code(&mut *tx, code.as_str())
                        .await?
                        .filter(|o| o.kind == OrgKind::Branch && o.dissolved_on.is_none())
                        .ok_or_else(|| ServiceError::invalid("to_branch", "没有这个党支部编码"))?;
                    if to.id == row.branch_id {
                        return Err(ServiceError::invalid(
                            "to_branch",
                            "接收党支部与所在党支部相同",
                        ));
                    }
                    let transfer = NewTransfer {
                        member: id,
                        letter_no: &letter_no,
                        from_branch: Some(row.branch_id),
                        to_branch: Some(to.id),
                        external_org: None,
                        issued_on: on,
                        received_on: None,
                        status: TransferStatus::Pending,
                        note: note.as_deref(),
                        issued_by: &actor.login,
                    };
                    let transfer_id = records::insert_transfer(&mut *tx, &transfer, now).await?;
                    details.insert("transfer".into(), json!(transfer_id));
                    details.insert("to_branch".into(), json!(to.code));
                } else {
                    let external = required(&form.external_org, "接收党组织", 100, "external_org")?;
                    let transfer = NewTransfer {
                        member: id,
                        letter_no: &letter_no,
                        from_branch: Some(row.branch_id),
                        to_branch: None,
                        external_org: Some(&external),
                        issued_on: on,
                        received_on: Some(on),
                        status: TransferStatus::Received,
                        note: note.as_deref(),
                        issued_by: &actor.login,
                    };
                    let transfer_id = records::insert_transfer(&mut *tx, &transfer, now).await?;
                    set_status(&mut *tx, &row, MemberStatus::TransferredOut, on).await?;
                    details.insert("transfer".into(), json!(transfer_id));
                    details.insert("external_org".into(), json!(external));
                }
                details.insert("letter_no".into(), json!(letter_no));
            }
            EventKind::FlowOut => {
                let place = required(&form.place, "外出去向", 100, "place")?;
                let contact = optional(&form.contact, "联系方式", 100, "contact")?;
                records::open_flow(&mut *tx, id, &place, contact.as_deref(), on).await?;
                details.insert("place".into(), json!(place));
            }
            EventKind::FlowReturned => {
                let (_, _, since) = records::current_flow(&mut *tx, id)
                    .await?
                    .ok_or_else(|| ServiceError::invalid("on", "没有外出流动记录"))?;
                if on <= since {
                    return Err(ServiceError::invalid(
                        "on",
                        format!("外出自{since}起，返回日期应更晚"),
                    ));
                }
                records::close_flow(&mut *tx, id, on).await?;
            }
            other => {
                let status = lifecycle::status_after(other).ok_or_else(|| {
                    ServiceError::Internal(format!("{other:?} changes no status"))
                })?;
                if matches!(
                    other,
                    EventKind::Stopped
                        | EventKind::Left
                        | EventKind::Died
                        | EventKind::ProbationCancelled
                ) && reason.is_none()
                {
                    return Err(ServiceError::invalid("reason", "请填写事由"));
                }
                set_status(&mut *tx, &row, status, on).await?;
                if other == EventKind::ProbationCancelled {
                    members::set_probation_due(&mut *tx, id, None).await?;
                }
            }
        }
        let details =
            (!details.is_empty()).then(|| serde_json::Value::Object(details.clone()).to_string());
        let event = NewEvent {
            member: id,
            kind,
            on,
            reason: reason.as_deref(),
            details,
            actor_account_id: actor.account_id,
            actor_login: &actor.login,
        };
        let event_id = records::insert_event(&mut *tx, &event, now).await?;
        let audit_event = Event::new("member.transition")
            .object("member", id)
            .detail(json!({ "kind": kind.code(), "event": event_id, "on": on.to_string() }));
        audit::write(tx, self.crypto(), actor.into(), now, audit_event).await?;
        Ok(())
    }

    /// Transfer letters waiting for the actor's side: those to branches in scope (to receive)
    /// and those from them (sent, not yet received).
    pub async fn pending_transfers(
        &self,
        actor: &Actor,
    ) -> ServiceResult<(Vec<TransferRow>, Vec<TransferRow>)> {
        self.require(actor, Permission::WriteMembers, "member.list")
            .await?;
        let mut tx = self.db().read().await?;
        let incoming = records::pending_transfers(&mut tx, &actor.scope, true).await?;
        let outgoing = records::pending_transfers(&mut tx, &actor.scope, false).await?;
        tx.commit().await?;
        Ok((incoming, outgoing))
    }

    /// The receiving branch takes the member in (`received`) or sends the letter back.
    pub async fn settle_transfer(
        &self,
        actor: &Actor,
        transfer: i64,
        receive: bool,
        form: &SettleForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::WriteMembers, "member.transfer")
            .await?;
        let today = self.clock().today();
        let on = date(&form.on, today)?;
        let reason = optional(&form.reason, "退回原因", 200, "reason")?;
        if !receive && reason.is_none() {
            return Err(ServiceError::invalid("reason", "请填写退回原因"));
        }
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        tx.lock_structure().await?;
        let letter = records::get_transfer(&mut tx, transfer)
            .await?
            .filter(|t| t.status == TransferStatus::Pending);
        let to = match letter.as_ref().and_then(|t| t.to_branch_id) {
            Some(to) => orgs::get(&mut tx, to).await?,
            None => None,
        };
        // Only the receiving side settles a letter; to anyone else it does not exist.
        let (Some(letter), Some(to)) = (letter, to.filter(|o| actor.scope.covers_org(&o.path)))
        else {
            drop(tx);
            return Err(self
                .out_of_scope(actor, "member.transfer", "transfer", transfer)
                .await);
        };
        let row = members::get(&mut tx, letter.member_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let state = state_of(&mut tx, &row).await?;
        let kind = if receive {
            EventKind::TransferReceived
        } else {
            EventKind::TransferReturned
        };
        lifecycle::check(kind, &state, on, today, &self.rule_book())
            .map_err(|m| ServiceError::invalid("on", m))?;
        if on < letter.issued_on {
            return Err(ServiceError::invalid(
                "on",
                format!("介绍信开具于{}，日期不能更早", letter.issued_on),
            ));
        }
        if receive {
            if to.dissolved_on.is_some() {
                return Err(ServiceError::invalid("on", format!("{}已撤销", to.name)));
            }
            set_branch(&mut tx, &row, &to, on).await?;
            records::settle_transfer(&mut tx, transfer, TransferStatus::Received, on).await?;
        } else {
            records::settle_transfer(&mut tx, transfer, TransferStatus::Returned, on).await?;
        }
        let details =
            json!({ "transfer": transfer, "letter_no": letter.letter_no, "to_branch": to.code })
                .to_string();
        let event = NewEvent {
            member: row.id,
            kind,
            on,
            reason: reason.as_deref(),
            details: Some(details),
            actor_account_id: actor.account_id,
            actor_login: &actor.login,
        };
        records::insert_event(&mut tx, &event, now).await?;
        let audit_event = Event::new("member.transfer")
            .object("member", row.id)
            .detail(json!({ "transfer": transfer, "received": receive }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, audit_event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Probationary members in scope, with the end of probation: the overdue list is those
    /// whose end has passed.
    pub async fn probation_list(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<(i64, String, String, NaiveDate, NaiveDate)>> {
        self.require(actor, Permission::WriteMembers, "member.list")
            .await?;
        let mut tx = self.db().read().await?;
        let rows = records::probationary_members(&mut tx, &actor.scope).await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, branch, joined, due)| {
                (
                    id,
                    name,
                    branch,
                    joined,
                    due.unwrap_or_else(|| probation_due(joined, &self.rule_book())),
                )
            })
            .collect())
    }

    /// Members in scope out of contact (失联党员), the longest first.
    pub async fn lost_contact_members(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<(i64, String, String, NaiveDate)>> {
        self.require(actor, Permission::WriteMembers, "member.list")
            .await?;
        let mut tx = self.db().read().await?;
        let rows = records::lost_contact_members(&mut tx, &actor.scope).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Members in scope who are away (流出党员).
    pub async fn mobile_members(
        &self,
        actor: &Actor,
    ) -> ServiceResult<Vec<(i64, String, String, String, NaiveDate)>> {
        self.require(actor, Permission::WriteMembers, "member.list")
            .await?;
        let mut tx = self.db().read().await?;
        let rows = records::away_members(&mut tx, &actor.scope).await?;
        tx.commit().await?;
        Ok(rows)
    }
}
