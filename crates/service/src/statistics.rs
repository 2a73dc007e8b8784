//! 党内统计 tables for the actor's scope or an org within it, on screen and as a workbook.

use dangjian_core::org::{Code, OrgKind};
use dangjian_core::role::{Permission, Scope};
use dangjian_core::stats::{self, Table};
use dangjian_store::orgs;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::excel::{self, Cell, Sheet};

pub use dangjian_core::stats::Table as StatTable;

/// The tables and what they cover.
#[derive(Debug, Clone)]
pub struct Statistics {
    pub scope: String,
    pub tables: Vec<Table>,
}

impl Services {
    /// The statistics of `org` (by code, with its subtree) or of the actor's whole scope.
    pub async fn statistics(&self, actor: &Actor, org: Option<&str>) -> ServiceResult<Statistics> {
        self.require(actor, Permission::ReadMembers, "stats.view")
            .await?;
        if let Some(code) = org {
            self.check_org_code(actor, code, "org", "stats.view")
                .await?;
        }
        let mut tx = self.db().read().await?;
        let (scope, label) = match org {
            Some(code) => {
                let code =
                    Code::parse(code).map_err(|e| ServiceError::invalid("org", e.to_string()))?;
                let found = orgs::by_code(&mut tx, code.as_str())
                    .await?
                    .filter(|o| actor.scope.covers_org(&o.path))
                    .ok_or_else(|| ServiceError::invalid("org", crate::scope::UNKNOWN_ORG))?;
                (
                    Scope::Subtree {
                        org_id: found.id,
                        path: found.path.clone(),
                    },
                    format!("{}（含下级）", found.name),
                )
            }
            None => {
                let label = match &actor.scope {
                    Scope::Subtree { org_id, .. } => orgs::get(&mut tx, *org_id)
                        .await?
                        .map_or_else(String::new, |o| format!("{}（含下级）", o.name)),
                    Scope::Everything => "全部组织".to_owned(),
                    _ => return Err(ServiceError::Forbidden),
                };
                (actor.scope.clone(), label)
            }
        };
        let members = dangjian_store::stats::member_counts(&mut tx, &scope).await?;
        let by_kind = dangjian_store::stats::orgs_by_kind(&mut tx, &scope).await?;
        tx.commit().await?;
        let kinds: Vec<(OrgKind, u64)> = OrgKind::ALL
            .iter()
            .map(|k| (*k, by_kind.get(k.code()).copied().unwrap_or(0) as u64))
            .collect();
        Ok(Statistics {
            scope: label,
            tables: stats::tables(&members, &kinds, self.clock().today()),
        })
    }

    /// The statistics as a workbook, one sheet; the export is audited.
    pub async fn statistics_workbook(
        &self,
        actor: &Actor,
        org: Option<&str>,
    ) -> ServiceResult<Vec<u8>> {
        let _permit = self.heavy(crate::limits::Heavy::Export, actor)?;
        let stats = self.statistics(actor, org).await?;
        let now = self.clock().now();
        let mut rows = Vec::new();
        for table in &stats.tables {
            for (label, n) in &table.rows {
                rows.push(vec![
                    Cell::from(table.title),
                    Cell::from(label.clone()),
                    Cell::from(*n),
                ]);
            }
            rows.push(vec![
                Cell::from(table.title),
                Cell::from("合计"),
                Cell::from(table.total),
            ]);
        }
        let sheet = Sheet {
            name: "党内统计".to_owned(),
            title: format!(
                "党内统计表：{}（截至{}）",
                stats.scope,
                self.clock().today()
            ),
            headings: vec!["表".to_owned(), "项目".to_owned(), "人数/个数".to_owned()],
            rows,
        };
        let login = actor.login.clone();
        let bytes = crate::off_workers(move || excel::workbook(&[sheet], &login, now)).await?;
        let mut tx = self.db().write().await?;
        audit::write(
            &mut tx,
            self.crypto(),
            actor.into(),
            now,
            Event::new("stats.export").detail(json!({ "scope": stats.scope })),
        )
        .await?;
        tx.commit().await?;
        Ok(bytes)
    }
}
