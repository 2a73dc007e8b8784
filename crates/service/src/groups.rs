//! 党小组 (issue 14, 3): a branch places its members in its party groups, dated. A group's
//! roll on a day — what a 党小组会 expects — is its placed members on the branch's roll that
//! day; the group leader (党小组长) is one of them. A member is in one group at a time: placing
//! them in another ends the first placement that day.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use dangjian_core::org::{OrgKind, Post};
use dangjian_core::role::Permission;
use dangjian_store::groups::{self, Placement};
use dangjian_store::history::{self, posts};
use dangjian_store::orglife::{self, RollMember};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::orgs::{Org, date_not_after};
use crate::scope::visible_org;

/// A group's members today, who else in the branch could join it, and who has left.
#[derive(Debug, Clone)]
pub struct GroupRoster {
    pub group: Org,
    pub branch_id: i64,
    pub branch_name: String,
    pub members: Vec<GroupMember>,
    /// Members of the branch's roll today not in this group, with the group they are in.
    pub candidates: Vec<Candidate>,
    /// Placements that ended.
    pub past: Vec<Placement>,
    pub can_edit: bool,
}

/// A member of the group today.
#[derive(Debug, Clone)]
pub struct GroupMember {
    pub member_id: i64,
    pub name: String,
    pub voting: bool,
    pub since: NaiveDate,
    pub leader: bool,
}

/// A member of the branch who could be placed in the group.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub member_id: i64,
    pub name: String,
    /// The group they are in now, if any.
    pub group: Option<String>,
}

/// Members to place in a group and the day they join it (today when empty).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlaceForm {
    pub members: Vec<i64>,
    pub on: String,
}

/// A member to take out of a group and the day they leave it (today when empty).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UnplaceForm {
    pub member: i64,
    pub on: String,
}

/// The group and its branch, or why the org cannot have members placed in it.
fn group_and_branch(org: &Org, field: &'static str) -> ServiceResult<i64> {
    if org.kind != OrgKind::Group {
        return Err(ServiceError::invalid(field, "只有党小组可以编入党员"));
    }
    if org.dissolved_on.is_some() {
        return Err(ServiceError::invalid(field, "该党小组已撤销"));
    }
    org.parent_id
        .ok_or_else(|| ServiceError::invalid(field, "党小组须隶属于党支部"))
}

impl Services {
    /// A party group's roster: its members today (with the leader), the branch's other
    /// members as candidates, and past placements.
    pub async fn group_roster(&self, actor: &Actor, id: i64) -> ServiceResult<GroupRoster> {
        self.require(actor, Permission::ReadMembers, "group.view")
            .await?;
        let group = self.load_org(actor, id, "group.view").await?;
        if group.kind != OrgKind::Group {
            return Err(ServiceError::NotFound);
        }
        let branch_id = group.parent_id.ok_or(ServiceError::NotFound)?;
        let today = self.clock().today();
        let mut tx = self.db().read().await?;
        let branch_name = dangjian_store::orgs::get(&mut tx, branch_id)
            .await?
            .map(|b| b.name)
            .unwrap_or_default();
        let on_roll = orglife::roll_on(&mut tx, branch_id, today).await?;
        let in_group = orglife::group_roll_on(&mut tx, branch_id, group.id, today).await?;
        let placements = groups::placements(&mut tx, group.id).await?;
        let current = groups::current_in_branch(&mut tx, branch_id).await?;
        let leader = posts::current(&mut tx, group.id, Post::GroupLeader.code()).await?;
        tx.commit().await?;
        let since: HashMap<i64, NaiveDate> = placements
            .iter()
            .filter(|p| p.span.to.is_none())
            .map(|p| (p.member_id, p.span.from))
            .collect();
        let members: Vec<GroupMember> = in_group
            .into_iter()
            .map(|m: RollMember| GroupMember {
                since: since.get(&m.member_id).copied().unwrap_or(today),
                leader: leader.is_some_and(|(l, _)| l == m.member_id),
                member_id: m.member_id,
                name: m.name,
                voting: m.voting,
            })
            .collect();
        let placed: HashSet<i64> = members.iter().map(|m| m.member_id).collect();
        let group_of: HashMap<i64, String> = current
            .into_iter()
            .map(|(member, _, name)| (member, name))
            .collect();
        let candidates = on_roll
            .into_iter()
            .filter(|m| !placed.contains(&m.member_id))
            .map(|m| Candidate {
                group: group_of.get(&m.member_id).cloned(),
                member_id: m.member_id,
                name: m.name,
            })
            .collect();
        let past = placements
            .into_iter()
            .filter(|p| p.span.to.is_some())
            .collect();
        Ok(GroupRoster {
            can_edit: actor.permits(Permission::WriteOrgs) && group.dissolved_on.is_none(),
            group,
            branch_id,
            branch_name,
            members,
            candidates,
            past,
        })
    }

    /// Places members of the branch in the group from a day. A member in another group moves
    /// that day; one already in this group is left as they are.
    pub async fn place_in_group(
        &self,
        actor: &Actor,
        id: i64,
        form: &PlaceForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::WriteOrgs, "group.place")
            .await?;
        self.load_org(actor, id, "group.place").await?;
        let on = date_not_after(&form.on, self.clock().today(), "on")?;
        let now = self.clock().now();
        let mut chosen: Vec<i64> = form.members.clone();
        chosen.sort_unstable();
        chosen.dedup();
        if chosen.is_empty() {
            return Err(ServiceError::invalid("members", "请选择要编入的党员"));
        }
        let mut tx = self.db().write().await?;
        tx.lock_structure().await?;
        let group = visible_org(&mut tx, actor, id).await?;
        let branch = group_and_branch(&group, "members")?;
        if on < group.founded_on {
            return Err(ServiceError::invalid(
                "on",
                format!("编入日期不能早于党小组成立日期（{}）", group.founded_on),
            ));
        }
        let roll: HashMap<i64, String> = orglife::roll_on(&mut tx, branch, on)
            .await?
            .into_iter()
            .map(|m| (m.member_id, m.name))
            .collect();
        let mut placed = Vec::new();
        for member in chosen {
            let Some(name) = roll.get(&member) else {
                return Err(ServiceError::invalid(
                    "members",
                    "所选党员中有人在编入日期不在本支部名册中",
                ));
            };
            match groups::current_of_member(&mut tx, member).await? {
                Some((current, _, _)) if current == group.id => continue,
                Some((_, current_name, since)) if on < since => {
                    return Err(ServiceError::invalid(
                        "on",
                        format!("{name}自{since}起在{current_name}，编入日期不能更早"),
                    ));
                }
                Some((current, current_name, since)) => {
                    // Leaving a group one leads ends the post that day.
                    let leader = Post::GroupLeader.code();
                    if let Some(led) =
                        posts::holding_since(&mut tx, current, leader, member).await?
                    {
                        if on <= led {
                            return Err(ServiceError::invalid(
                                "on",
                                format!("{name}自{led}起任{current_name}党小组长，调入日期应更晚"),
                            ));
                        }
                        posts::close_holder(&mut tx, current, leader, member, on).await?;
                    }
                    if on == since {
                        history::member_group::replace_open(&mut tx, member, group.id).await?;
                    } else {
                        history::member_group::close(&mut tx, member, on).await?;
                        history::member_group::open(&mut tx, member, group.id, on).await?;
                    }
                }
                None => history::member_group::open(&mut tx, member, group.id, on).await?,
            }
            placed.push(member);
        }
        if placed.is_empty() {
            return Err(ServiceError::invalid("members", "所选党员已在本党小组"));
        }
        let event = Event::new("group.place")
            .object("org", group.id)
            .detail(json!({ "members": placed, "on": on.to_string() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a member out of the group from a day; if they led it, their post ends that day.
    pub async fn remove_from_group(
        &self,
        actor: &Actor,
        id: i64,
        form: &UnplaceForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::WriteOrgs, "group.unplace")
            .await?;
        self.load_org(actor, id, "group.unplace").await?;
        let on = date_not_after(&form.on, self.clock().today(), "on")?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        tx.lock_structure().await?;
        let group = visible_org(&mut tx, actor, id).await?;
        group_and_branch(&group, "member")?;
        let since = match groups::current_of_member(&mut tx, form.member).await? {
            Some((current, _, since)) if current == group.id => since,
            _ => return Err(ServiceError::invalid("member", "该党员现在不在本党小组")),
        };
        if on <= since {
            return Err(ServiceError::invalid(
                "on",
                format!("移出日期应晚于编入日期（{since}）"),
            ));
        }
        let led =
            posts::holding_since(&mut tx, group.id, Post::GroupLeader.code(), form.member).await?;
        if let Some(led_since) = led
            && on <= led_since
        {
            return Err(ServiceError::invalid(
                "on",
                format!("移出日期应晚于任党小组长日期（{led_since}）"),
            ));
        }
        history::member_group::close(&mut tx, form.member, on).await?;
        let led = led.is_some();
        if led {
            posts::close_holder(&mut tx, group.id, Post::GroupLeader.code(), form.member, on)
                .await?;
        }
        let event = Event::new("group.unplace")
            .object("org", group.id)
            .detail(json!({ "member": form.member, "on": on.to_string(), "leader_relieved": led }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }
}
