//! Police units (单位). Not scoped: every business role may see the bureau's units; only the
//! party committee office maintains them.

use dangjian_core::org::{Code, UnitKind};
use dangjian_core::role::Permission;
use dangjian_core::text;
use dangjian_store::units::{self, UnitRow};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult, duplicate_to_field};

pub use dangjian_store::units::UnitRow as Unit;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UnitForm {
    pub code: String,
    pub name: String,
    pub kind: String,
}

struct UnitFields {
    code: Code,
    name: String,
    kind: UnitKind,
}

fn parse(form: &UnitForm) -> ServiceResult<UnitFields> {
    let mut errors = dangjian_core::field::FieldErrors::new();
    let code = errors.check("code", Code::parse(&form.code));
    let name = errors.check("name", text::required(&form.name, "单位名称", 60));
    let kind = errors.check(
        "kind",
        UnitKind::from_code(form.kind.trim()).ok_or("请选择单位类别"),
    );
    match (code, name, kind) {
        (Some(code), Some(name), Some(kind)) if errors.is_empty() => {
            Ok(UnitFields { code, name, kind })
        }
        _ => Err(ServiceError::Invalid(errors)),
    }
}

const DUPLICATE_CODE: &[(&str, &str, &str)] = &[("units.code", "code", "该单位编码已被使用")];

impl Services {
    pub async fn units(&self, actor: &Actor) -> ServiceResult<Vec<UnitRow>> {
        self.require(actor, Permission::ReadUnits, "unit.list")
            .await?;
        let mut tx = self.db().read().await?;
        let rows = units::list(&mut tx).await?;
        tx.commit().await?;
        Ok(rows)
    }

    pub async fn unit(&self, actor: &Actor, id: i64) -> ServiceResult<UnitRow> {
        self.require(actor, Permission::ReadUnits, "unit.view")
            .await?;
        let mut tx = self.db().read().await?;
        let row = units::get(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn create_unit(&self, actor: &Actor, form: &UnitForm) -> ServiceResult<i64> {
        self.require(actor, Permission::WriteUnits, "unit.create")
            .await?;
        let fields = parse(form)?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let id = units::insert(
            &mut tx,
            fields.code.as_str(),
            &fields.name,
            fields.kind,
            now,
        )
        .await
        .map_err(|e| duplicate_to_field(e, DUPLICATE_CODE))?;
        let event = Event::new("unit.create")
            .object("unit", id)
            .detail(json!({ "code": fields.code.as_str(), "name": fields.name }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn update_unit(&self, actor: &Actor, id: i64, form: &UnitForm) -> ServiceResult<()> {
        self.require(actor, Permission::WriteUnits, "unit.update")
            .await?;
        let fields = parse(form)?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        units::get(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        units::update(&mut tx, id, fields.code.as_str(), &fields.name, fields.kind)
            .await
            .map_err(|e| duplicate_to_field(e, DUPLICATE_CODE))?;
        let event = Event::new("unit.update")
            .object("unit", id)
            .detail(json!({ "code": fields.code.as_str(), "name": fields.name }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }
}
