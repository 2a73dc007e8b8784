//! 流入党员: party members whose relationship stays with an organisation outside the bureau
//! while they work here for a while (seconded, on a course, posted from another bureau). The
//! branch they stay with registers them so that they are invited to its organisational life,
//! and ends the stay when they leave. They are not on the bureau's roll.

use chrono::NaiveDate;
use dangjian_core::field::FieldErrors;
use dangjian_core::member::{PoliceNumber, parse_date};
use dangjian_core::org::OrgKind;
use dangjian_core::role::Permission;
use dangjian_core::text::{self, PersonName};
use dangjian_store::inflow::{self, NewInflow};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::scope::org_by_code;

pub use dangjian_store::inflow::InflowRow as Inflow;

/// The registration form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InflowForm {
    /// The code of the branch they stay with.
    pub branch: String,
    pub name: String,
    /// The party organisation that keeps their relationship.
    pub origin_org: String,
    pub police_number: String,
    /// The first day of the stay; today when empty.
    pub since: String,
    pub note: String,
}

/// The end of a stay: the day they leave; today when empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InflowEndForm {
    pub on: String,
}

fn day(raw: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let on = match raw.trim() {
        "" => today,
        raw => parse_date(raw).map_err(|e| e.to_string())?,
    };
    if on > today {
        return Err("日期不能晚于今天".to_owned());
    }
    Ok(on)
}

impl Services {
    /// The stays with branches in scope: current ones, and the latest ended ones.
    pub async fn inflow_members(&self, actor: &Actor) -> ServiceResult<(Vec<Inflow>, Vec<Inflow>)> {
        self.require(actor, Permission::WriteMembers, "member.list")
            .await?;
        let mut tx = self.db().read().await?;
        let current = inflow::list(&mut tx, &actor.scope, false).await?;
        let ended = inflow::list(&mut tx, &actor.scope, true).await?;
        tx.commit().await?;
        Ok((current, ended))
    }

    /// Registers a stay with a branch in scope.
    pub async fn register_inflow(&self, actor: &Actor, form: &InflowForm) -> ServiceResult<i64> {
        self.require(actor, Permission::WriteMembers, "member.inflow")
            .await?;
        self.check_org_code(actor, &form.branch, "branch", "member.inflow")
            .await?;
        let today = self.clock().today();
        let mut errors = FieldErrors::new();
        let name = errors.check("name", PersonName::parse(&form.name));
        let origin = errors.check(
            "origin_org",
            text::required(&form.origin_org, "原组织关系所在党组织", 100),
        );
        let police_number = match form.police_number.trim() {
            "" => Some(None),
            raw => errors
                .check("police_number", PoliceNumber::parse(raw))
                .map(Some),
        };
        let since = errors.check("since", day(&form.since, today));
        let note = errors.check("note", text::optional(&form.note, "备注", 200));
        if form.branch.trim().is_empty() {
            errors.add("branch", "请填写所在党支部的组织编码");
        }
        let (Some(name), Some(origin), Some(police_number), Some(since), Some(note)) =
            (name, origin, police_number, since, note)
        else {
            return Err(ServiceError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let branch = org_by_code(&mut tx, actor, &form.branch, "branch").await?;
        if branch.kind != OrgKind::Branch {
            return Err(ServiceError::invalid(
                "branch",
                format!("{}不是党支部，流入党员应编入党支部", branch.name),
            ));
        }
        if since < branch.founded_on {
            return Err(ServiceError::invalid(
                "since",
                format!("{}成立于{}，日期不能更早", branch.name, branch.founded_on),
            ));
        }
        let police_number = police_number.as_ref().map(|p| p.as_str());
        if inflow::open_duplicate(&mut tx, branch.id, name.as_str(), police_number).await? {
            return Err(ServiceError::conflict(
                "name",
                format!("{}已登记在{}，尚未结束", name.as_str(), branch.name),
            ));
        }
        let id = inflow::insert(
            &mut tx,
            &NewInflow {
                branch: branch.id,
                name: name.as_str(),
                origin_org: &origin,
                police_number,
                since,
                note: note.as_deref(),
            },
            now,
        )
        .await?;
        let event = Event::new("member.inflow")
            .object("inflow", id)
            .detail(json!({ "branch": branch.id, "since": since.to_string() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Ends a stay with a branch in scope.
    pub async fn end_inflow(
        &self,
        actor: &Actor,
        id: i64,
        form: &InflowEndForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::WriteMembers, "member.inflow_end")
            .await?;
        let today = self.clock().today();
        let on = day(&form.on, today).map_err(|m| ServiceError::invalid("on", m))?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let stay = inflow::get(&mut tx, id).await?;
        let stay = match stay {
            Some(stay) if actor.scope.covers_org(&stay.branch_path) => stay,
            Some(_) => {
                drop(tx);
                return Err(self
                    .out_of_scope(actor, "member.inflow_end", "inflow", id)
                    .await);
            }
            None => return Err(ServiceError::NotFound),
        };
        if stay.until.is_some() {
            return Err(ServiceError::invalid("on", "该流入党员已离开"));
        }
        if on <= stay.since {
            return Err(ServiceError::invalid(
                "on",
                format!("离开日期应晚于流入日期{}", stay.since),
            ));
        }
        inflow::end(&mut tx, id, on).await?;
        let event = Event::new("member.inflow_end")
            .object("inflow", id)
            .detail(json!({ "on": on.to_string() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }
}
