//! The landing page's figures (工作台), for the actor's scope: orgs by kind, members by
//! category, and the branches that have no secretary. Missing is not zero: a kind with no orgs
//! is reported as absent, and the page says "no record" rather than 0%.

use std::sync::Arc;

use dangjian_core::member::Category;
use dangjian_core::org::OrgKind;
use dangjian_core::role::Permission;
use dangjian_store::orgs::{self, OrgFilter};
use dangjian_store::stats;

use crate::Services;
use crate::auth::Actor;
use crate::error::ServiceResult;
use crate::orgs::Org;

#[derive(Debug, Clone)]
pub struct Overview {
    pub orgs_by_kind: Vec<(OrgKind, i64)>,
    pub members_by_category: Vec<(Category, i64)>,
    /// Branches without a current secretary (the first few) and how many there are.
    pub branches_without_secretary: Vec<Org>,
    pub branches_without_secretary_total: i64,
}

/// How many branches without a secretary the landing page lists by name.
const LISTED: i64 = 10;
/// An upper bound for counting them; a province has about 8,000 branches.
const COUNTED: i64 = 100_000;

impl Services {
    /// The figures of the landing page; `None` for roles that see no org data. Every
    /// signed-in visit starts here, so the figures are cached until the data changes.
    pub async fn overview(&self, actor: &Actor) -> ServiceResult<Option<Arc<Overview>>> {
        if !actor.permits(Permission::ReadOrgs) {
            return Ok(None);
        }
        let key = (actor.scope.clone(), self.clock().today());
        let overview = self
            .reports
            .overview
            .get_or_compute(
                key,
                || self.db().generation(),
                async || self.compute_overview(actor).await,
            )
            .await?;
        Ok(Some(overview))
    }

    async fn compute_overview(&self, actor: &Actor) -> ServiceResult<Overview> {
        let mut tx = self.db().read().await?;
        let by_kind = stats::orgs_by_kind(&mut tx, &actor.scope).await?;
        let by_category = stats::members_by_category(&mut tx, &actor.scope).await?;
        let filter = OrgFilter {
            kind: Some(OrgKind::Branch),
            without_secretary: true,
            ..OrgFilter::default()
        };
        let gaps = orgs::search(&mut tx, &actor.scope, &filter, COUNTED).await?;
        tx.commit().await?;
        Ok(Overview {
            orgs_by_kind: OrgKind::ALL
                .iter()
                .map(|k| (*k, by_kind.get(k.code()).copied().unwrap_or(0)))
                .collect(),
            members_by_category: Category::ALL
                .iter()
                .map(|c| (*c, by_category.get(c.code()).copied().unwrap_or(0)))
                .collect(),
            branches_without_secretary_total: gaps.len() as i64,
            branches_without_secretary: gaps.into_iter().take(LISTED as usize).collect(),
        })
    }
}
