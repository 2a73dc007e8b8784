//! 评先评优 and 晋职 standing (issue 19, 5): what bars each member, read from every area's
//! records through its service — conduct's bar only as its effect — and the 两优一先 list of
//! the full members free of all.

use chrono::NaiveDate;
use dangjian_core::member::Category;
use dangjian_core::org::Code;
use dangjian_core::role::{Permission, Scope};
use dangjian_store::assess as store;
use dangjian_store::orgs;
use serde::Deserialize;

use crate::Services;
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::scope::UNKNOWN_ORG;

/// What bars a member from 评先评优 and from 晋职 on a day, in words any reader of the list
/// may see: a sanction or an investigation only as its effect and end (the conduct area's
/// rule), the review grade, an open disposition and lapsed dues with their facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standing {
    pub commend: Vec<String>,
    pub promote: Vec<String>,
}

impl Standing {
    pub fn may_commend(&self) -> bool {
        self.commend.is_empty()
    }
}

/// The members of an org (or of the whole scope) with their standing.
#[derive(Debug, Clone)]
pub struct StandingList {
    pub org: Option<dangjian_store::orgs::OrgRow>,
    pub rows: Vec<(dangjian_store::members::MemberRow, Standing)>,
    /// Members on the roll there; more than are listed when the list is cut at its limit.
    pub total: i64,
    pub limit: u32,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StandingQuery {
    /// An org's code; the whole scope when empty.
    pub org: String,
    /// Only those who may be nominated (full members free of bars): the 两优一先 list.
    pub eligible: bool,
}

/// The most members a standing list reads at once.
const STANDING_LIMIT: u32 = 1000;

impl Services {
    /// The standing of `members` on `day`, read inside `conn`. `with_conduct` adds the
    /// conduct area's bars (the commendation check reads them itself); dues are read for
    /// the members of `dues_scope`.
    pub(crate) async fn standings_in(
        &self,
        conn: &mut dangjian_store::Conn,
        members: &[i64],
        dues_scope: &Scope,
        day: NaiveDate,
        with_conduct: bool,
    ) -> ServiceResult<std::collections::HashMap<i64, Standing>> {
        let book = self.rule_book();
        let rules = book.on(day);
        let blocks = &rules.awards.nomination_blocks;
        let mut found: std::collections::HashMap<i64, Standing> = std::collections::HashMap::new();
        if with_conduct {
            for (member, e) in crate::conduct::eligibility_in(conn, &book, members, day).await? {
                let s = found.entry(member).or_default();
                if let Some(until) = e.commend_until() {
                    s.commend.push(format!("处分影响期或接受调查（{until}）"));
                }
                if let Some(until) = e.promote_until() {
                    s.promote.push(format!("处分影响期或接受调查（{until}）"));
                }
            }
        }
        for (member, latest) in store::latest_grades(conn, members).await? {
            if let Some((year, grade)) = dangjian_core::assess::review_bar(
                Some(latest),
                day,
                &blocks.min_democratic_review_grade,
            ) {
                found
                    .entry(member)
                    .or_default()
                    .commend
                    .push(format!("{year}年度民主评议为{}", grade.label()));
            }
        }
        for (member, kind) in store::open_disposition_kinds(conn, members).await? {
            let s = found.entry(member).or_default();
            let reason = format!("正在进行组织处置（{}）", kind.label());
            s.commend.push(reason.clone());
            s.promote.push(reason);
        }
        if blocks.block_during_dues_lapse {
            let month = dangjian_core::dues::Month::of(day);
            let wanted: std::collections::HashSet<i64> = members.iter().copied().collect();
            for (member, months) in
                crate::dues::lapsed_in(conn, dues_scope, month, &rules.dues).await?
            {
                if wanted.contains(&member) {
                    found
                        .entry(member)
                        .or_default()
                        .commend
                        .push(format!("连续{months}个月未交纳党费"));
                }
            }
        }
        found.retain(|_, s| *s != Standing::default());
        Ok(found)
    }

    /// The members on the roll of an org in scope (or of the whole scope) with what bars
    /// them from 评先评优 and 晋职 today; with `eligible`, only the full members who may be
    /// nominated (the 两优一先 list).
    pub async fn standings(&self, actor: &Actor, q: &StandingQuery) -> ServiceResult<StandingList> {
        self.require(actor, Permission::ReviewMembers, "assess.standing")
            .await?;
        self.check_org_code(actor, q.org.trim(), "org", "assess.standing")
            .await?;
        let today = self.clock().today();
        let mut tx = self.db().read().await?;
        let org = match q.org.trim() {
            "" => None,
            raw => {
                let found = match Code::parse(raw) {
                    Ok(code) => orgs::by_code(&mut tx, code.as_str())
                        .await?
                        .filter(|o| actor.scope.covers_org(&o.path)),
                    Err(_) => None,
                };
                let Some(org) = found else {
                    return Err(ServiceError::invalid("org", UNKNOWN_ORG));
                };
                Some(org)
            }
        };
        let filter = dangjian_store::members::MemberFilter {
            org: org.as_ref().map(|o| o.path.clone()),
            status: Some(dangjian_core::member::MemberStatus::Active),
            category: q.eligible.then_some(Category::Full),
            ..Default::default()
        };
        let page = dangjian_store::Page {
            number: 1,
            size: STANDING_LIMIT,
        };
        let (members, total) =
            dangjian_store::members::list(&mut tx, &actor.scope, &filter, page).await?;
        let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
        let dues_scope = match &org {
            Some(o) => Scope::Subtree {
                org_id: o.id,
                path: o.path.clone(),
            },
            None => actor.scope.clone(),
        };
        let mut standing = self
            .standings_in(&mut tx, &ids, &dues_scope, today, true)
            .await?;
        tx.commit().await?;
        let rows = members
            .into_iter()
            .map(|m| {
                let s = standing.remove(&m.id).unwrap_or_default();
                (m, s)
            })
            .filter(|(_, s)| !q.eligible || s.may_commend())
            .collect();
        Ok(StandingList {
            org,
            rows,
            total,
            limit: STANDING_LIMIT,
        })
    }
}
