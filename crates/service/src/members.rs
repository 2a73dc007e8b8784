//! The member roster: list, view, create and edit within scope. A change of branch, category
//! or status is a dated interval; the full 身份证号 and phone never leave this layer: members
//! are shown with both masked.

use chrono::NaiveDate;
use dangjian_core::id_number::{IdNumber, mask_id_number};
use dangjian_core::interval::{Span, plan_change};
use dangjian_core::member::{
    Category, Education, Ethnicity, Gender, MemberFields, MemberForm, MemberStatus, PhoneChange,
    PoliceRank, mask_phone, party_age,
};
use dangjian_core::role::Permission;
use dangjian_store::history::{self, posts};
use dangjian_store::members::{self, MemberFilter, MemberRow, MemberValues};
use dangjian_store::{Conn, Page, orgs, units};
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult, duplicate_to_field};

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
    pub police_number: String,
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

impl MemberView {
    fn new(row: MemberRow, today: NaiveDate) -> Self {
        let ethnicity = Ethnicity::parse(&row.ethnicity)
            .map_or(row.ethnicity.clone(), |e| e.label().to_owned());
        Self {
            id: row.id,
            name: row.name,
            gender: row.gender,
            birth_date: row.birth_date,
            ethnicity,
            education: row.education,
            id_number_masked: mask_id_number(&row.id_number),
            phone_masked: row.phone.as_deref().map(mask_phone),
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

/// One page of members.
#[derive(Debug, Clone)]
pub struct MemberPage {
    pub members: Vec<MemberView>,
    pub total: i64,
    pub page: Page,
}

const DUPLICATES: &[(&str, &str, &str)] = &[
    (
        "members.id_number",
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
    /// Loads a member the actor may see, or answers not-found (auditing an out-of-scope id).
    async fn member_in_scope(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<MemberRow> {
        let row = members::get(conn, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if actor.scope.covers_member(row.id, &row.branch_path) {
            Ok(row)
        } else {
            Err(self.out_of_scope(actor, event, "member", id).await)
        }
    }

    pub async fn list_members(
        &self,
        actor: &Actor,
        filter: &MemberFilter,
        page: Page,
    ) -> ServiceResult<MemberPage> {
        self.require(actor, Permission::ReadMembers, "member.list")
            .await?;
        let today = self.clock().today();
        let mut tx = self.db().read().await?;
        let (rows, total) = members::list(&mut tx, &actor.scope, filter, page).await?;
        tx.commit().await?;
        Ok(MemberPage {
            members: rows
                .into_iter()
                .map(|r| MemberView::new(r, today))
                .collect(),
            total,
            page,
        })
    }

    pub async fn member_detail(&self, actor: &Actor, id: i64) -> ServiceResult<MemberDetail> {
        self.require(actor, Permission::ReadMembers, "member.view")
            .await?;
        let today = self.clock().today();
        let mut tx = self.db().read().await?;
        let row = self
            .member_in_scope(&mut tx, actor, id, "member.view")
            .await?;
        let mut branches = Vec::new();
        for interval in history::member_branch::list(&mut tx, id).await? {
            let label = orgs::get(&mut tx, interval.value).await?.map_or_else(
                || interval.value.to_string(),
                |o| format!("{}（{}）", o.name, o.code),
            );
            branches.push(Dated {
                span: interval.span,
                label,
            });
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
        let mut held = Vec::new();
        for (org_id, post, span) in posts::of_member(&mut tx, id).await? {
            if let Some(org) = orgs::get(&mut tx, org_id).await? {
                held.push((org.name, post, span));
            }
        }
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
            member: MemberView::new(row, today),
            branches,
            categories,
            statuses,
            posts: held,
            can_edit,
        })
    }

    /// Resolves the branch and unit codes of a member form against the actor's scope.
    async fn resolve_placement(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        fields: &MemberFields,
    ) -> ServiceResult<(orgs::OrgRow, Option<i64>)> {
        let branch = match orgs::by_code(conn, &fields.branch_code.to_ascii_uppercase()).await? {
            Some(org) if actor.scope.covers_org(&org.path) => org,
            _ => {
                return Err(ServiceError::invalid(
                    "branch",
                    "没有这个组织编码，或不在您的管理范围内",
                ));
            }
        };
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
        if branch.dissolved_on.is_some() {
            return Err(ServiceError::invalid(
                "branch",
                format!("{}已撤销", branch.name),
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

    pub async fn create_member(&self, actor: &Actor, form: &MemberForm) -> ServiceResult<i64> {
        self.require(actor, Permission::WriteMembers, "member.create")
            .await?;
        let today = self.clock().today();
        let fields = form.parse(today, None).map_err(ServiceError::Invalid)?;
        let id_number = fields
            .id_number
            .clone()
            .ok_or_else(|| ServiceError::invalid("id_number", "请填写身份证号"))?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let (branch, unit_id) = self.resolve_placement(&mut tx, actor, &fields).await?;
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
        let values = values_of(
            &fields,
            &ethnicity,
            id_number.as_str(),
            phone.as_deref(),
            unit_id,
        );
        let id = members::insert(
            &mut tx,
            &values,
            branch.id,
            fields.category,
            fields.status,
            now,
        )
        .await
        .map_err(|e| duplicate_to_field(e, DUPLICATES))?;
        history::member_branch::open(&mut tx, id, branch.id, fields.effective_on).await?;
        history::member_status::open(&mut tx, id, fields.status.code(), fields.effective_on)
            .await?;
        // Category is dated by the member's own dates: probationary from admission, full from
        // full membership.
        history::member_category::open(
            &mut tx,
            id,
            Category::Probationary.code(),
            fields.joined_on,
        )
        .await?;
        if let (Category::Full, Some(full_on)) = (fields.category, fields.full_membership_on) {
            history::member_category::close(&mut tx, id, full_on).await?;
            history::member_category::open(&mut tx, id, Category::Full.code(), full_on).await?;
        }
        let event = Event::new("member.create")
            .object("member", id)
            .detail(json!({ "branch": branch.code }));
        audit::write(&mut tx, actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Edits a member. Fields that are not dated are overwritten (and named in the audit
    /// record); branch, category and status changes are dated intervals from the form's
    /// effective date (a change to full membership from its own date).
    pub async fn update_member(
        &self,
        actor: &Actor,
        id: i64,
        form: &MemberForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::WriteMembers, "member.update")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        // The scope check is audited before the write lock is taken (see `check_org`).
        let mut tx = self.db().read().await?;
        self.member_in_scope(&mut tx, actor, id, "member.update")
            .await?;
        tx.commit().await?;
        let mut tx = self.db().write().await?;
        let row = members::get(&mut tx, id)
            .await?
            .filter(|row| actor.scope.covers_org(&row.branch_path))
            .ok_or(ServiceError::NotFound)?;
        let stored_id = IdNumber::parse(&row.id_number).map_err(|_| {
            ServiceError::Internal(format!("stored id number of member {id} does not parse"))
        })?;
        let fields = form
            .parse(today, Some(&stored_id))
            .map_err(ServiceError::Invalid)?;
        let (branch, unit_id) = self.resolve_placement(&mut tx, actor, &fields).await?;
        let id_number = fields.id_number.clone().unwrap_or(stored_id);
        let phone = match &fields.phone {
            PhoneChange::Keep => row.phone.clone(),
            PhoneChange::Clear => None,
            PhoneChange::Set(p) => Some(p.as_str().to_owned()),
        };
        let ethnicity = fields.ethnicity.code();
        let values = values_of(
            &fields,
            &ethnicity,
            id_number.as_str(),
            phone.as_deref(),
            unit_id,
        );

        let mut changed: Vec<&str> = Vec::new();
        for (name, differs) in [
            ("name", values.name != row.name),
            ("gender", values.gender != row.gender),
            ("birth_date", values.birth_date != row.birth_date),
            ("ethnicity", values.ethnicity != row.ethnicity),
            ("education", values.education != row.education),
            ("id_number", values.id_number != row.id_number),
            ("phone", values.phone != row.phone.as_deref()),
            ("police_number", values.police_number != row.police_number),
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

        let on = fields.effective_on;
        if branch.id != row.branch_id {
            if on < branch.founded_on {
                return Err(ServiceError::invalid(
                    "effective_on",
                    format!(
                        "{}成立于{}，转入日期不能更早",
                        branch.name, branch.founded_on
                    ),
                ));
            }
            let since = history::member_branch::open_since(&mut tx, id)
                .await?
                .unwrap_or(on);
            let change = plan_change(&row.branch_id, since, &branch.id, on)
                .map_err(|e| ServiceError::invalid("effective_on", e.to_string()))?;
            history::member_branch::apply(&mut tx, id, change, branch.id).await?;
            changed.push("branch");
        }
        if fields.category != row.category {
            // Full membership is dated by its own date; any other change by the effective date.
            let (on, field) = match (fields.category, fields.full_membership_on) {
                (Category::Full, Some(full_on)) => (full_on, "full_membership_on"),
                _ => (on, "effective_on"),
            };
            let since = history::member_category::open_since(&mut tx, id)
                .await?
                .unwrap_or(on);
            let change = plan_change(&row.category, since, &fields.category, on)
                .map_err(|e| ServiceError::invalid(field, e.to_string()))?;
            history::member_category::apply(&mut tx, id, change, fields.category.code()).await?;
            changed.push("category");
        }
        if fields.status != row.status {
            let since = history::member_status::open_since(&mut tx, id)
                .await?
                .unwrap_or(on);
            let change = plan_change(&row.status, since, &fields.status, on)
                .map_err(|e| ServiceError::invalid("effective_on", e.to_string()))?;
            history::member_status::apply(&mut tx, id, change, fields.status.code()).await?;
            if !fields.status.is_on_roll() {
                // Someone off the roll holds no post.
                posts::close_for_member(&mut tx, id, on).await?;
            }
            changed.push("status");
        }
        members::update_values(&mut tx, id, &values, now)
            .await
            .map_err(|e| duplicate_to_field(e, DUPLICATES))?;
        members::set_current(&mut tx, id, branch.id, fields.category, fields.status).await?;
        let event = Event::new("member.update")
            .object("member", id)
            .detail(json!({ "changed": changed }));
        audit::write(&mut tx, actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn values_of<'a>(
    fields: &'a MemberFields,
    ethnicity: &'a str,
    id_number: &'a str,
    phone: Option<&'a str>,
    unit_id: Option<i64>,
) -> MemberValues<'a> {
    MemberValues {
        name: fields.name.as_str(),
        gender: fields.gender,
        birth_date: fields.birth_date,
        ethnicity,
        education: fields.education,
        id_number,
        phone,
        police_number: fields.police_number.as_str(),
        police_rank: fields.police_rank,
        position: fields.position.as_deref(),
        unit_id,
        joined_on: fields.joined_on,
        full_membership_on: fields.full_membership_on,
    }
}
