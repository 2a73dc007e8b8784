//! The member roster: list, view, create and edit within scope. A change of branch, category
//! or status is a dated interval; the full 身份证号 and phone never leave this layer: members
//! are shown with both masked.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::id_number::{IdNumber, mask_id_number};
use dangjian_core::interval::Span;
use dangjian_core::lifecycle::{EventKind, probation_due};
use dangjian_core::member::{
    Category, Education, Ethnicity, Gender, MemberFields, MemberForm, MemberStatus, PhoneChange,
    PoliceRank, mask_phone, party_age,
};
use dangjian_core::role::Permission;
use dangjian_core::role::Scope;
use dangjian_core::text;
use dangjian_store::history::{self, posts};
use dangjian_store::lifecycle::NewEvent;
pub use dangjian_store::members::Anchor;
use dangjian_store::members::{self, MemberFilter, MemberRow, MemberValues};
use dangjian_store::{Conn, Page, orgs, units};
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event, Outcome};
use crate::auth::Actor;
use crate::crypto::{CryptoError, CryptoProvider};
use crate::error::{ServiceError, ServiceResult, duplicate_to_field};
use crate::excel::{self, Cell, Sheet};
use crate::scope::{OUTSIDE_SCOPE, org_by_code, org_label, visible_member};

pub use dangjian_store::members::MemberFilter as Filter;

/// A member as pages and the API show them: personal numbers masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberView {
    pub id: i64,
    pub name: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub ethnicity: String,
    pub education: Option<Education>,
    pub id_number_masked: String,
    pub phone_masked: Option<String>,
    /// None for members without a 警号 (文职人员, 工勤人员, retired members).
    pub police_number: Option<String>,
    pub police_rank: Option<PoliceRank>,
    pub position: Option<String>,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub branch_id: i64,
    pub branch_code: String,
    pub branch_name: String,
    pub category: Category,
    pub status: MemberStatus,
    pub joined_on: NaiveDate,
    pub full_membership_on: Option<NaiveDate>,
    /// 党龄 today, counted from full membership; `None` while probationary.
    pub party_age: Option<i32>,
}

/// The sealing context of a member's protected field: the ciphertext opens only in its own
/// row and column.
pub(crate) fn context(member: i64, field: &str) -> String {
    format!("member:{member}:{field}")
}

/// Shown instead of a value whose ciphertext fails its integrity check.
const INTEGRITY_FAILED: &str = "（校验失败）";

/// Opens a member's sealed ID number and phone.
fn open_protected(
    crypto: &dyn CryptoProvider,
    row: &MemberRow,
) -> (
    Result<String, CryptoError>,
    Option<Result<String, CryptoError>>,
) {
    let id_number = crypto.open(&row.id_number_ct, &context(row.id, "id_number"));
    let phone = row
        .phone_ct
        .as_deref()
        .map(|ct| crypto.open(ct, &context(row.id, "phone")));
    (id_number, phone)
}

impl MemberView {
    fn new(row: MemberRow, today: NaiveDate, crypto: &dyn CryptoProvider) -> Self {
        let (id_number, phone) = open_protected(crypto, &row);
        let ethnicity = Ethnicity::parse(&row.ethnicity)
            .map_or(row.ethnicity.clone(), |e| e.label().to_owned());
        Self {
            id: row.id,
            name: row.name,
            gender: row.gender,
            birth_date: row.birth_date,
            ethnicity,
            education: row.education,
            id_number_masked: id_number
                .map_or_else(|_| INTEGRITY_FAILED.to_owned(), |n| mask_id_number(&n)),
            phone_masked: phone
                .map(|p| p.map_or_else(|_| INTEGRITY_FAILED.to_owned(), |p| mask_phone(&p))),
            police_number: row.police_number,
            police_rank: row.police_rank,
            position: row.position,
            unit_id: row.unit_id,
            unit_name: row.unit_name,
            branch_id: row.branch_id,
            branch_code: row.branch_code,
            branch_name: row.branch_name,
            category: row.category,
            status: row.status,
            joined_on: row.joined_on,
            full_membership_on: row.full_membership_on,
            party_age: party_age(row.full_membership_on, today),
        }
    }
}

/// One dated value of a member's branch, category or status, for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dated {
    pub span: Span,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct MemberDetail {
    pub member: MemberView,
    /// The member's ethnicity code, for the edit form.
    pub ethnicity_code: String,
    pub unit_code: Option<String>,
    pub branches: Vec<Dated>,
    pub categories: Vec<Dated>,
    pub statuses: Vec<Dated>,
    /// Posts held (in any org), current and past.
    pub posts: Vec<(String, String, Span)>,
    pub can_edit: bool,
}

/// What the roster may be searched by, as typed: the service turns an ID number into its
/// keyed digest and a unit code into its id, so neither is ever compared in clear.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub name: Option<String>,
    pub police_number: Option<String>,
    pub id_number: Option<String>,
    /// Why the whole ID number is looked up: required with `id_number`, and recorded.
    pub reason: Option<String>,
    pub org: Option<String>,
    pub unit: Option<String>,
    pub category: Option<Category>,
    pub status: Option<MemberStatus>,
    /// Where the page starts: by its number, or next to a member of the page beside it.
    pub anchor: Anchor,
}

/// One page of members.
#[derive(Debug, Clone)]
pub struct MemberPage {
    pub members: Vec<MemberView>,
    pub total: i64,
    pub page: Page,
}

/// The most rows one export holds (a province has about 100,000 members).
const EXPORT_LIMIT: u32 = 200_000;

/// The roster's columns, the same as the import template's.
pub const EXPORT_COLUMNS: [&str; 17] = [
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "身份证号",
    "学历",
    "警号",
    "警衔",
    "职务",
    "单位",
    "所在党组织",
    "党组织名称",
    "党员类别",
    "入党日期",
    "转正日期",
    "手机号",
    "党籍状态",
];

const DUPLICATES: &[(&str, &str, &str)] = &[
    (
        "members.id_number_idx",
        "id_number",
        "该身份证号已登记在其他党员名下",
    ),
    (
        "members.police_number",
        "police_number",
        "该警号已登记在其他党员名下",
    ),
];

impl Services {
    /// Searches the roster in scope. An unknown or out-of-scope org, an unknown unit or an
    /// invalid ID number is a field error, not an empty page that would look like "no such
    /// member".
    pub async fn search_members(
        &self,
        actor: &Actor,
        search: &Search,
        page: Page,
    ) -> ServiceResult<MemberPage> {
        let mut filter = MemberFilter {
            name: search.name.clone(),
            police_number: search.police_number.clone(),
            category: search.category,
            status: search.status,
            ..MemberFilter::default()
        };
        let id_search = match &search.id_number {
            Some(raw) => {
                let id = IdNumber::parse(raw)
                    .map_err(|e| ServiceError::invalid("id_number", e.to_string()))?;
                filter.id_number_idx = Some(self.crypto().blind_index("id_number", id.as_str()));
                Some(
                    self.admit_id_search(actor, search.reason.as_deref())
                        .await?,
                )
            }
            None => None,
        };
        if let Some(code) = &search.org {
            filter.org = Some(self.org_path_by_code(actor, code).await?.ok_or_else(|| {
                ServiceError::invalid(
                    "org",
                    format!("没有编码为“{code}”的组织，或不在您的管理范围内"),
                )
            })?);
        }
        if let Some(code) = &search.unit {
            let mut tx = self.db().read().await?;
            let unit = units::by_code(&mut tx, &code.trim().to_ascii_uppercase()).await?;
            tx.commit().await?;
            filter.unit_id = Some(
                unit.ok_or_else(|| {
                    ServiceError::invalid("unit", format!("没有编码为“{code}”的单位"))
                })?
                .id,
            );
        }
        let found = self
            .roster_page(actor, &filter, page, search.anchor)
            .await?;
        if let Some(reason) = id_search {
            let event = Event::new("member.id_search")
                .detail(json!({ "reason": reason, "found": found.total }));
            self.record(actor, event).await?;
        }
        Ok(found)
    }

    /// Checks a lookup by whole ID number before it runs: it needs a reason, and an account
    /// may make only the policy's number of them a day (counted from the audit log, so every
    /// server process sees the same count). A masked number and a birth date leave thousands
    /// of candidates; an unlimited, unexplained exact search would confirm one in minutes.
    /// Returns the reason to record.
    async fn admit_id_search(&self, actor: &Actor, reason: Option<&str>) -> ServiceResult<String> {
        let reason = text::required(reason.unwrap_or_default(), "查询事由", 100).map_err(|e| {
            ServiceError::invalid(
                "reason",
                match e {
                    text::TextError::Missing(_) => "按完整身份证号查找须填写查询事由".to_owned(),
                    other => other.to_string(),
                },
            )
        })?;
        let Some(account_id) = actor.account_id else {
            return Ok(reason);
        };
        let limit = self.policy().id_searches_per_day;
        let since = self.clock().now() - chrono::TimeDelta::days(1);
        let mut tx = self.db().read().await?;
        let made =
            dangjian_store::audit::count_events(&mut tx, account_id, "member.id_search", since)
                .await?;
        tx.commit().await?;
        if made >= i64::from(limit) {
            return Err(ServiceError::invalid(
                "id_number",
                format!("24 小时内按身份证号查找已达 {limit} 次的上限，请稍后再试"),
            ));
        }
        Ok(reason)
    }

    /// The roster matching `search`, as a workbook with the import template's columns. ID
    /// numbers and phones are masked; the export is audited with its row count. Exporting is
    /// for those who keep the roster, not for a member looking at their own record.
    pub async fn export_members(
        &self,
        actor: &Actor,
        search: &Search,
    ) -> ServiceResult<(Vec<u8>, usize)> {
        let _permit = self.heavy(crate::limits::Heavy::Export, actor)?;
        self.require(actor, Permission::WriteMembers, "member.export")
            .await?;
        actor.require_recent_auth(self.clock().now())?;
        let page = self
            .search_members(
                actor,
                search,
                Page {
                    number: 1,
                    size: EXPORT_LIMIT,
                },
            )
            .await?;
        let now = self.clock().now();
        let rows: Vec<Vec<Cell>> = page
            .members
            .iter()
            .map(|m| {
                vec![
                    Cell::from(m.name.clone()),
                    Cell::from(m.gender.label()),
                    Cell::from(m.ethnicity.clone()),
                    Cell::from(m.birth_date.to_string()),
                    Cell::from(m.id_number_masked.clone()),
                    Cell::from(m.education.map_or("", |e| e.label())),
                    Cell::from(m.police_number.clone().unwrap_or_default()),
                    Cell::from(m.police_rank.map_or("", |r| r.label())),
                    Cell::from(m.position.clone().unwrap_or_default()),
                    Cell::from(m.unit_name.clone().unwrap_or_default()),
                    Cell::from(m.branch_code.clone()),
                    Cell::from(m.branch_name.clone()),
                    Cell::from(m.category.label()),
                    Cell::from(m.joined_on.to_string()),
                    Cell::from(
                        m.full_membership_on
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                    ),
                    Cell::from(m.phone_masked.clone().unwrap_or_default()),
                    Cell::from(m.status.label()),
                ]
            })
            .collect();
        let count = rows.len();
        let sheet = Sheet {
            name: "党员名册".to_owned(),
            title: format!("党员名册（{count}名）"),
            headings: EXPORT_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
            rows,
        };
        let login = actor.login.clone();
        let bytes = crate::off_workers(move || excel::workbook(&[sheet], &login, now)).await?;
        let mut tx = self.db().write().await?;
        let event = Event::new("member.export").detail(json!({ "rows": count, "masked": true }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok((bytes, count))
    }

    pub async fn list_members(
        &self,
        actor: &Actor,
        filter: &MemberFilter,
        page: Page,
    ) -> ServiceResult<MemberPage> {
        self.roster_page(actor, filter, page, Anchor::Number).await
    }

    /// A page of the roster, by number or next to an anchor.
    async fn roster_page(
        &self,
        actor: &Actor,
        filter: &MemberFilter,
        page: Page,
        anchor: Anchor,
    ) -> ServiceResult<MemberPage> {
        self.require(actor, Permission::ReadMembers, "member.list")
            .await?;
        let today = self.clock().today();
        let (rows, total) = if filter.name.is_some() {
            // A name search is read in one pass with its count, and rarely repeated.
            let mut tx = self.db().read().await?;
            let found = members::list(&mut tx, &actor.scope, filter, page).await?;
            tx.commit().await?;
            found
        } else {
            // The count reads every match; the page only as far as its end. Paging through
            // a roster asks for the same count again and again, so it is kept until the data
            // changes.
            let key = (actor.scope.clone(), filter.clone());
            let total = self
                .reports
                .roster_counts
                .get_or_compute(
                    key,
                    || self.db().generation(),
                    async || {
                        let mut conn = self.db().connection().await?;
                        Ok::<_, ServiceError>(
                            members::count(&mut conn, &actor.scope, filter).await?,
                        )
                    },
                )
                .await?;
            let mut conn = self.db().connection().await?;
            let rows = members::rows(&mut conn, &actor.scope, filter, page, anchor).await?;
            (rows, *total)
        };
        Ok(MemberPage {
            members: rows
                .into_iter()
                .map(|r| MemberView::new(r, today, self.crypto()))
                .collect(),
            total,
            page,
        })
    }

    /// A member with their history. Orgs outside the actor's scope in that history are not
    /// named, except to the member reading their own record.
    pub async fn member_detail(&self, actor: &Actor, id: i64) -> ServiceResult<MemberDetail> {
        self.require(actor, Permission::ReadMembers, "member.view")
            .await?;
        let row = self.load_member(actor, id, "member.view").await?;
        let today = self.clock().today();
        let own_record = actor.scope == Scope::OwnRecord { member_id: id };
        let mut tx = self.db().read().await?;
        let label = async |tx: &mut dangjian_store::Tx, org_id: i64| -> ServiceResult<String> {
            if own_record {
                Ok(orgs::get(tx, org_id).await?.map_or_else(
                    || OUTSIDE_SCOPE.to_owned(),
                    |o| format!("{}（{}）", o.name, o.code),
                ))
            } else {
                org_label(tx, actor, org_id).await
            }
        };
        let mut branches = Vec::new();
        for interval in history::member_branch::list(&mut tx, id).await? {
            branches.push(Dated {
                span: interval.span,
                label: label(&mut tx, interval.value).await?,
            });
        }
        let mut held = Vec::new();
        for (org_id, post, span) in posts::of_member(&mut tx, id).await? {
            held.push((label(&mut tx, org_id).await?, post, span));
        }
        let categories = history::member_category::list(&mut tx, id)
            .await?
            .into_iter()
            .map(|i| Dated {
                span: i.span,
                label: Category::from_code(&i.value)
                    .map_or(i.value.clone(), |c| c.label().to_owned()),
            })
            .collect();
        let statuses = history::member_status::list(&mut tx, id)
            .await?
            .into_iter()
            .map(|i| Dated {
                span: i.span,
                label: MemberStatus::from_code(&i.value)
                    .map_or(i.value.clone(), |s| s.label().to_owned()),
            })
            .collect();
        let unit_code = match row.unit_id {
            Some(unit) => units::get(&mut tx, unit).await?.map(|u| u.code),
            None => None,
        };
        tx.commit().await?;
        let can_edit =
            actor.permits(Permission::WriteMembers) && actor.scope.covers_org(&row.branch_path);
        Ok(MemberDetail {
            ethnicity_code: row.ethnicity.clone(),
            unit_code,
            member: MemberView::new(row, today, self.crypto()),
            branches,
            categories,
            statuses,
            posts: held,
            can_edit,
        })
    }

    /// The full ID number and phone of a member, for someone whose work needs them. Every view
    /// is audited with the reason given (查询事由); the masked values are what everyone else,
    /// and every list, sees.
    pub async fn reveal_personal_data(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
    ) -> ServiceResult<(String, Option<String>)> {
        self.require(actor, Permission::ViewPersonalData, "member.pii_view")
            .await?;
        let reason = dangjian_core::text::required(reason, "查询事由", 100)
            .map_err(|e| ServiceError::invalid("reason", e.to_string()))?;
        let row = self.load_member(actor, id, "member.pii_view").await?;
        let (id_number, phone) = open_protected(self.crypto(), &row);
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let (id_number, phone) = match (id_number, phone.transpose()) {
            (Ok(id_number), Ok(phone)) => (id_number, phone),
            _ => {
                let event = Event::new("security.integrity_failure")
                    .object("member", id)
                    .outcome(Outcome::Failure);
                audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
                tx.commit().await?;
                return Err(ServiceError::Internal(format!(
                    "protected fields of member {id} fail their integrity check"
                )));
            }
        };
        let event = Event::new("member.pii_view")
            .object("member", id)
            .detail(json!({ "reason": reason, "fields": ["id_number", "phone"] }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok((id_number, phone))
    }

    /// Resolves the branch and unit codes of a member form inside a change's transaction.
    async fn resolve_placement(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        fields: &MemberFields,
    ) -> ServiceResult<(orgs::OrgRow, Option<i64>)> {
        let branch = org_by_code(conn, actor, &fields.branch_code, "branch").await?;
        if !branch.kind.holds_members() {
            return Err(ServiceError::invalid(
                "branch",
                format!(
                    "{}是{}，党员只能编入党支部",
                    branch.name,
                    branch.kind.label()
                ),
            ));
        }
        let unit_id = match &fields.unit_code {
            Some(code) => Some(
                units::by_code(conn, &code.to_ascii_uppercase())
                    .await?
                    .ok_or_else(|| ServiceError::invalid("unit", "没有这个单位编码"))?
                    .id,
            ),
            None => branch.unit_id,
        };
        Ok((branch, unit_id))
    }

    /// Records a refused duplicate (after the refused change's transaction has ended), so
    /// that probing for someone else's ID number or 警号 leaves a trace.
    async fn record_duplicate(
        &self,
        actor: &Actor,
        event: &'static str,
        error: ServiceError,
    ) -> ServiceError {
        if let ServiceError::Conflict(fields) = &error {
            let names: Vec<&str> = fields.iter().map(|f| f.field).collect();
            let event = Event::new(event)
                .outcome(Outcome::Failure)
                .detail(json!({ "reason": "duplicate", "fields": names }));
            let now = self.clock().now();
            let written = async {
                let mut tx = self.db().write().await?;
                audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
                tx.commit().await?;
                ServiceResult::Ok(())
            };
            if let Err(e) = written.await {
                return e;
            }
        }
        error
    }

    pub async fn create_member(&self, actor: &Actor, form: &MemberForm) -> ServiceResult<i64> {
        self.require(actor, Permission::WriteMembers, "member.create")
            .await?;
        let today = self.clock().today();
        let fields = form.parse(today, None).map_err(ServiceError::Invalid)?;
        let id_number = fields
            .id_number
            .clone()
            .ok_or_else(|| ServiceError::invalid("id_number", "请填写身份证号"))?;
        self.check_org_code(actor, &fields.branch_code, "branch", "member.create")
            .await?;
        let now = self.clock().now();
        let result = async {
            let mut tx = self.db().write().await?;
            let id = self
                .insert_member(&mut tx, actor, &fields, &id_number, now)
                .await?;
            tx.commit().await?;
            Ok(id)
        }
        .await;
        match result {
            Err(error @ ServiceError::Conflict(_)) => {
                Err(self.record_duplicate(actor, "member.create", error).await)
            }
            other => other,
        }
    }

    /// Inserts the member of `fields` in the caller's transaction, at a branch in the actor's
    /// scope: sealed fields, probation, the record's first event, the history intervals and
    /// the audit. A new member here, and the probationary member made at admission (发展党员).
    pub(crate) async fn insert_member(
        &self,
        tx: &mut dangjian_store::Tx,
        actor: &Actor,
        fields: &MemberFields,
        id_number: &IdNumber,
        now: DateTime<Utc>,
    ) -> ServiceResult<i64> {
        tx.lock_structure().await?;
        let (branch, unit_id) = self.resolve_placement(tx, actor, fields).await?;
        if fields.effective_on < branch.founded_on {
            return Err(ServiceError::invalid(
                "effective_on",
                format!(
                    "{}成立于{}，编入日期不能更早",
                    branch.name, branch.founded_on
                ),
            ));
        }
        let phone = match &fields.phone {
            PhoneChange::Set(p) => Some(p.as_str().to_owned()),
            PhoneChange::Keep | PhoneChange::Clear => None,
        };
        let ethnicity = fields.ethnicity.code();
        let idx = self.crypto().blind_index("id_number", id_number.as_str());
        let values = values_of(fields, &ethnicity, &idx, unit_id);
        let id = members::insert(
            &mut *tx,
            &values,
            branch.id,
            fields.category,
            fields.status,
            now,
        )
        .await
        .map_err(|e| duplicate_to_field(e, DUPLICATES))?;
        let id_ct = self
            .crypto()
            .seal(id_number.as_str(), &context(id, "id_number"));
        let phone_ct = phone
            .as_deref()
            .map(|p| self.crypto().seal(p, &context(id, "phone")));
        members::set_protected(&mut *tx, id, &id_ct, phone_ct.as_deref()).await?;
        if fields.category == Category::Probationary {
            members::set_probation_due(
                &mut *tx,
                id,
                Some(probation_due(fields.joined_on, &self.rule_book())),
            )
            .await?;
        }
        // The record's first event: an ordinary entry, or a member transferred in from
        // outside the bureau with their letter.
        let (kind, details) = match &fields.transfer_in {
            Some((letter, from)) => (
                EventKind::TransferredIn,
                Some(json!({ "letter_no": letter, "from": from }).to_string()),
            ),
            None => (EventKind::Created, None),
        };
        let record = NewEvent {
            member: id,
            kind,
            on: fields.effective_on,
            reason: None,
            details,
            actor_account_id: actor.account_id,
            actor_login: &actor.login,
        };
        dangjian_store::lifecycle::insert_event(&mut *tx, &record, now).await?;
        history::member_branch::open(&mut *tx, id, branch.id, fields.effective_on).await?;
        history::member_status::open(&mut *tx, id, fields.status.code(), fields.effective_on)
            .await?;
        history::rewrite_category_timeline(
            &mut *tx,
            id,
            fields.joined_on,
            fields.full_membership_on,
        )
        .await?;
        let event = Event::new("member.create")
            .object("member", id)
            .detail(json!({ "branch": branch.code }));
        audit::write(tx, self.crypto(), actor.into(), now, event).await?;
        Ok(id)
    }

    /// Edits a member's own fields (identity, police fields, the dates of admission and full
    /// membership as corrections). Branch, category and status are not edited here: they
    /// change by transitions (转正, 组织关系转接, 失联 …), each dated and recorded.
    pub async fn update_member(
        &self,
        actor: &Actor,
        id: i64,
        form: &MemberForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::WriteMembers, "member.update")
            .await?;
        let stored = self.load_member(actor, id, "member.update").await?;
        if !actor.scope.covers_org(&stored.branch_path) {
            return Err(ServiceError::Forbidden);
        }
        let (stored_id, stored_phone) = open_protected(self.crypto(), &stored);
        let stored_id = stored_id
            .ok()
            .and_then(|n| IdNumber::parse(&n).ok())
            .ok_or_else(|| {
                ServiceError::Internal(format!("the sealed id number of member {id} does not open"))
            })?;
        let stored_phone = stored_phone
            .transpose()
            .map_err(|e| ServiceError::Internal(format!("member {id}: {e}")))?;
        let form = MemberForm {
            branch: stored.branch_code.clone(),
            category: stored.category.code().to_owned(),
            status: stored.status.code().to_owned(),
            effective_on: String::new(),
            transfer_letter: String::new(),
            transfer_from: String::new(),
            ..form.clone()
        };
        let today = self.clock().today();
        let fields = form
            .parse(today, Some(&stored_id))
            .map_err(ServiceError::Invalid)?;
        let now = self.clock().now();
        let result = async {
            let mut tx = self.db().write().await?;
            tx.lock_structure().await?;
            let row = visible_member(&mut tx, actor, id).await?;
            let unit_id = match &fields.unit_code {
                Some(code) => Some(
                    units::by_code(&mut tx, &code.to_ascii_uppercase())
                        .await?
                        .ok_or_else(|| ServiceError::invalid("unit", "没有这个单位编码"))?
                        .id,
                ),
                None => row.unit_id,
            };
            let id_number = fields
                .id_number
                .clone()
                .unwrap_or_else(|| stored_id.clone());
            let phone = match &fields.phone {
                PhoneChange::Keep => stored_phone.clone(),
                PhoneChange::Clear => None,
                PhoneChange::Set(p) => Some(p.as_str().to_owned()),
            };
            let ethnicity = fields.ethnicity.code();
            let idx = self.crypto().blind_index("id_number", id_number.as_str());
            let values = values_of(&fields, &ethnicity, &idx, unit_id);
            let mut changed: Vec<&str> = Vec::new();
            for (name, differs) in [
                ("name", values.name != row.name),
                ("gender", values.gender != row.gender),
                ("birth_date", values.birth_date != row.birth_date),
                ("ethnicity", values.ethnicity != row.ethnicity),
                ("education", values.education != row.education),
                ("id_number", id_number != stored_id),
                ("phone", phone != stored_phone),
                (
                    "police_number",
                    values.police_number != row.police_number.as_deref(),
                ),
                ("police_rank", values.police_rank != row.police_rank),
                ("position", values.position != row.position.as_deref()),
                ("unit", values.unit_id != row.unit_id),
                ("joined_on", values.joined_on != row.joined_on),
                (
                    "full_membership_on",
                    values.full_membership_on != row.full_membership_on,
                ),
            ] {
                if differs {
                    changed.push(name);
                }
            }
            if changed
                .iter()
                .any(|c| matches!(*c, "joined_on" | "full_membership_on"))
            {
                history::rewrite_category_timeline(
                    &mut tx,
                    id,
                    fields.joined_on,
                    fields.full_membership_on,
                )
                .await?;
                // A corrected admission date moves an unextended probation's end with it.
                let extended = dangjian_store::lifecycle::count_events(
                    &mut tx,
                    id,
                    EventKind::ProbationExtended,
                )
                .await?
                    > 0;
                if row.category == Category::Probationary && !extended {
                    members::set_probation_due(
                        &mut tx,
                        id,
                        Some(probation_due(fields.joined_on, &self.rule_book())),
                    )
                    .await?;
                }
            }
            members::update_values(&mut tx, id, &values, now)
                .await
                .map_err(|e| duplicate_to_field(e, DUPLICATES))?;
            // Sealed again whenever the value or the key changed; otherwise left as it is.
            if changed.iter().any(|c| matches!(*c, "id_number" | "phone"))
                || self.crypto().needs_rekey(&row.id_number_ct)
            {
                let id_ct = self
                    .crypto()
                    .seal(id_number.as_str(), &context(id, "id_number"));
                let phone_ct = phone
                    .as_deref()
                    .map(|p| self.crypto().seal(p, &context(id, "phone")));
                members::set_protected(&mut tx, id, &id_ct, phone_ct.as_deref()).await?;
            }
            let event = Event::new("member.update")
                .object("member", id)
                .detail(json!({ "changed": changed }));
            audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        match result {
            Err(error @ ServiceError::Conflict(_)) => {
                Err(self.record_duplicate(actor, "member.update", error).await)
            }
            other => other,
        }
    }
}

fn values_of<'a>(
    fields: &'a MemberFields,
    ethnicity: &'a str,
    id_number_idx: &'a str,
    unit_id: Option<i64>,
) -> MemberValues<'a> {
    MemberValues {
        name: fields.name.as_str(),
        gender: fields.gender,
        birth_date: fields.birth_date,
        ethnicity,
        education: fields.education,
        id_number_idx,
        police_number: fields.police_number.as_ref().map(|n| n.as_str()),
        police_rank: fields.police_rank,
        position: fields.position.as_deref(),
        unit_id,
        joined_on: fields.joined_on,
        full_membership_on: fields.full_membership_on,
    }
}
