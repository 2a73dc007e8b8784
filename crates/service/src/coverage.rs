//! The coverage report (纵向到底、横向到边) for the actor's scope or an org within it.

use std::sync::Arc;

use dangjian_core::coverage::{self, Finding, UnitView};
use dangjian_core::org::Code;
use dangjian_core::role::{Permission, Scope};
use dangjian_store::orgs;

use crate::Services;
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};

pub use dangjian_core::coverage::{Finding as CoverageFinding, FindingKind, Subject};

#[derive(Debug, Clone)]
pub struct CoverageReport {
    /// The org the report covers (with its subtree); `None` for the whole bureau.
    pub org: Option<(i64, String)>,
    pub findings: Vec<Finding>,
}

impl CoverageReport {
    pub fn problems(&self) -> usize {
        self.findings.iter().filter(|f| !f.kind.is_advice()).count()
    }

    pub fn advice(&self) -> usize {
        self.findings.len() - self.problems()
    }
}

impl Services {
    /// The coverage report for `org` (its code) and everything below it, or for the whole of
    /// the actor's scope.
    pub async fn coverage(
        &self,
        actor: &Actor,
        org: Option<&str>,
    ) -> ServiceResult<Arc<CoverageReport>> {
        self.require(actor, Permission::ReadOrgs, "coverage.view")
            .await?;
        if let Some(code) = org {
            self.check_org_code(actor, code, "org", "coverage.view")
                .await?;
        }
        let key = (
            actor.scope.clone(),
            self.clock().today(),
            org.map(str::to_owned),
        );
        self.reports
            .coverage
            .get_or_compute(
                key,
                || self.db().generation(),
                async || self.compute_coverage(actor, org).await,
            )
            .await
    }

    async fn compute_coverage(
        &self,
        actor: &Actor,
        org: Option<&str>,
    ) -> ServiceResult<CoverageReport> {
        let mut tx = self.db().read().await?;
        let root = match (org, &actor.scope) {
            (Some(code), _) => {
                let code =
                    Code::parse(code).map_err(|e| ServiceError::invalid("org", e.to_string()))?;
                let found = orgs::by_code(&mut tx, code.as_str())
                    .await?
                    .filter(|o| actor.scope.covers_org(&o.path))
                    .ok_or_else(|| ServiceError::invalid("org", crate::scope::UNKNOWN_ORG))?;
                Some(found)
            }
            (None, Scope::Subtree { org_id, .. }) => orgs::get(&mut tx, *org_id).await?,
            (None, Scope::Everything) => None,
            (None, _) => return Err(ServiceError::Forbidden),
        };
        let mut facts =
            dangjian_store::coverage::facts(&mut tx, root.as_ref().map(|o| &o.path)).await?;
        tx.commit().await?;
        // A subtree answers for the units at and below the one its top org is set up in.
        facts.unit_view = match &root {
            None => UnitView::Everything,
            Some(org) => org.unit_id.map_or(UnitView::Nothing, UnitView::Below),
        };
        let findings = coverage::check(&facts, self.rules(), self.clock().today());
        Ok(CoverageReport {
            org: root.map(|o| (o.id, o.name)),
            findings,
        })
    }
}
