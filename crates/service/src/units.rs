//! Police units (单位) in their tree (市局 → 分局/支队 → 派出所/大队/科室), each with the days it
//! exists. Not scoped: every business role may see the bureau's units; only the party
//! committee office maintains them, one by one or from a spreadsheet. A joint org (联合党支部)
//! names the units it covers besides its own, so that coverage counts them.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use dangjian_core::field::FieldErrors;
use dangjian_core::member::parse_date;
use dangjian_core::org::{Code, UnitKind};
use dangjian_core::role::Permission;
use dangjian_core::text;
use dangjian_store::Conn;
use dangjian_store::units::{self, NewUnit, UnitRow};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult, duplicate_to_field};
use crate::scope::visible_org;

pub use dangjian_store::units::UnitRow as Unit;

/// A unit as typed: the parent is its code (empty for a top unit), the days `YYYY-MM-DD` or
/// empty when not known (set up) or not abolished.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UnitForm {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent: String,
    pub valid_from: String,
    pub valid_to: String,
}

/// A unit's fields parsed, its parent still a code.
struct UnitFields {
    code: Code,
    name: String,
    kind: UnitKind,
    parent: Option<Code>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
}

fn optional_date(
    raw: &str,
    field: &'static str,
    errors: &mut FieldErrors,
) -> Option<Option<NaiveDate>> {
    match raw.trim() {
        "" => Some(None),
        raw => errors.check(field, parse_date(raw)).map(Some),
    }
}

/// The form's fields, or None with each problem added at its field.
fn parse(form: &UnitForm, errors: &mut FieldErrors) -> Option<UnitFields> {
    let code = errors.check("code", Code::parse(&form.code));
    let name = errors.check("name", text::required(&form.name, "单位名称", 60));
    let kind = errors.check(
        "kind",
        UnitKind::from_code(form.kind.trim())
            .or_else(|| {
                UnitKind::ALL
                    .iter()
                    .copied()
                    .find(|k| k.label() == form.kind.trim())
            })
            .ok_or("请选择单位类别"),
    );
    let parent = match form.parent.trim() {
        "" => Some(None),
        raw => errors.check("parent", Code::parse(raw)).map(Some),
    };
    let valid_from = optional_date(&form.valid_from, "valid_from", errors);
    let valid_to = optional_date(&form.valid_to, "valid_to", errors);
    if let (Some(Some(from)), Some(Some(to))) = (valid_from, valid_to)
        && to <= from
    {
        errors.add("valid_to", "撤销日期应晚于成立日期");
    }
    if let (Some(code), Some(Some(parent))) = (&code, &parent)
        && code == parent
    {
        errors.add("parent", "上级单位不能是本单位");
    }
    match (code, name, kind, parent, valid_from, valid_to) {
        (Some(code), Some(name), Some(kind), Some(parent), Some(valid_from), Some(valid_to))
            if errors.is_empty() =>
        {
            Some(UnitFields {
                code,
                name,
                kind,
                parent,
                valid_from,
                valid_to,
            })
        }
        _ => None,
    }
}

const DUPLICATE_CODE: &[(&str, &str, &str)] = &[("units.code", "code", "该单位编码已被使用")];

/// A unit in the tree, for a list: how deep it stands and its parent's code.
#[derive(Debug, Clone)]
pub struct TreeUnit {
    pub depth: usize,
    pub parent_code: Option<String>,
    pub unit: UnitRow,
}

/// The units in tree order (each under its parent, by code), with their depth. A unit whose
/// parent is missing stands at the top.
fn tree_order(rows: Vec<UnitRow>) -> Vec<TreeUnit> {
    let codes: HashMap<i64, String> = rows.iter().map(|u| (u.id, u.code.clone())).collect();
    let mut children: HashMap<Option<i64>, Vec<UnitRow>> = HashMap::new();
    for row in rows {
        let parent = row.parent_id.filter(|p| codes.contains_key(p));
        children.entry(parent).or_default().push(row);
    }
    let mut ordered = Vec::with_capacity(codes.len());
    let mut stack: Vec<(usize, UnitRow)> = children
        .remove(&None)
        .unwrap_or_default()
        .into_iter()
        .rev()
        .map(|u| (0, u))
        .collect();
    while let Some((depth, unit)) = stack.pop() {
        if let Some(below) = children.remove(&Some(unit.id)) {
            stack.extend(below.into_iter().rev().map(|u| (depth + 1, u)));
        }
        ordered.push(TreeUnit {
            depth,
            parent_code: unit.parent_id.and_then(|p| codes.get(&p).cloned()),
            unit,
        });
    }
    ordered
}

/// The outcome of a unit import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitImport {
    pub created: usize,
    pub updated: usize,
}

/// The headings of the unit sheet, in the template's order.
pub const UNIT_COLUMNS: [&str; 6] = [
    "单位编码",
    "单位名称",
    "单位类别",
    "上级单位编码",
    "成立日期",
    "撤销日期",
];

/// At most this many problems are named when a sheet is refused.
const MAX_NOTES: usize = 20;

/// The field of a unit form a sheet column fills.
fn column_of(field: &str) -> &'static str {
    match field {
        "code" => UNIT_COLUMNS[0],
        "name" => UNIT_COLUMNS[1],
        "kind" => UNIT_COLUMNS[2],
        "parent" => UNIT_COLUMNS[3],
        "valid_from" => UNIT_COLUMNS[4],
        _ => UNIT_COLUMNS[5],
    }
}

impl Services {
    /// Every unit in tree order.
    pub async fn units(&self, actor: &Actor) -> ServiceResult<Vec<TreeUnit>> {
        self.require(actor, Permission::ReadUnits, "unit.list")
            .await?;
        let mut tx = self.db().read().await?;
        let rows = units::list(&mut tx).await?;
        tx.commit().await?;
        Ok(tree_order(rows))
    }

    pub async fn unit(&self, actor: &Actor, id: i64) -> ServiceResult<TreeUnit> {
        self.require(actor, Permission::ReadUnits, "unit.view")
            .await?;
        let mut tx = self.db().read().await?;
        let row = units::get(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let parent_code = match row.parent_id {
            Some(p) => units::get(&mut tx, p).await?.map(|p| p.code),
            None => None,
        };
        tx.commit().await?;
        Ok(TreeUnit {
            depth: 0,
            parent_code,
            unit: row,
        })
    }

    pub async fn create_unit(&self, actor: &Actor, form: &UnitForm) -> ServiceResult<i64> {
        self.require(actor, Permission::WriteUnits, "unit.create")
            .await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let id = self.save_unit(&mut tx, None, form).await?;
        let event = Event::new("unit.create")
            .object("unit", id)
            .detail(json!({ "code": form.code.trim(), "name": form.name.trim() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn update_unit(&self, actor: &Actor, id: i64, form: &UnitForm) -> ServiceResult<()> {
        self.require(actor, Permission::WriteUnits, "unit.update")
            .await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        units::get(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.save_unit(&mut tx, Some(id), form).await?;
        let event = Event::new("unit.update").object("unit", id).detail(json!({
            "code": form.code.trim(), "name": form.name.trim(), "parent": form.parent.trim(),
            "valid_from": form.valid_from.trim(), "valid_to": form.valid_to.trim(),
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks a unit against the stored tree and writes it (a new one when `id` is None);
    /// refused at the field: an unknown parent, a parent below the unit itself (a cycle), a
    /// unit abolished while a unit below it or an org set up in it is still there.
    async fn save_unit(
        &self,
        tx: &mut Conn,
        id: Option<i64>,
        form: &UnitForm,
    ) -> ServiceResult<i64> {
        let mut errors = FieldErrors::new();
        let fields = parse(form, &mut errors);
        let Some(fields) = fields else {
            return Err(ServiceError::Invalid(errors));
        };
        let parent_id = match &fields.parent {
            None => None,
            Some(code) => match units::by_code(&mut *tx, code.as_str()).await? {
                None => {
                    errors.add("parent", "没有这个上级单位编码");
                    None
                }
                Some(parent) => {
                    if let Some(id) = id
                        && self.is_below(&mut *tx, parent.id, id).await?
                    {
                        errors.add("parent", "上级单位不能是本单位的下级单位");
                    }
                    Some(parent.id)
                }
            },
        };
        if let (Some(id), Some(to)) = (id, fields.valid_to) {
            let today = self.clock().today();
            let unit = units::get(&mut *tx, id).await?;
            if to <= today {
                let below = units::list(&mut *tx)
                    .await?
                    .into_iter()
                    .filter(|u| u.parent_id == Some(id) && u.valid_to.is_none_or(|t| t > to))
                    .count();
                if below > 0 {
                    errors.add(
                        "valid_to",
                        format!("还有{below}个下级单位未撤销，请先撤销或调整下级单位"),
                    );
                } else if unit.is_some_and(|u| u.org_count + u.covered_by > 0) {
                    errors.add(
                        "valid_to",
                        "该单位仍有党组织或联合党支部覆盖，请先调整党组织",
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let row = NewUnit {
            code: fields.code.as_str(),
            name: &fields.name,
            kind: fields.kind,
            parent_id,
            valid_from: fields.valid_from,
            valid_to: fields.valid_to,
        };
        let id = match id {
            None => units::insert(&mut *tx, &row, self.clock().now()).await,
            Some(id) => units::update(&mut *tx, id, &row).await.map(|()| id),
        };
        id.map_err(|e| duplicate_to_field(e, DUPLICATE_CODE))
    }

    /// Whether `unit` stands at or below `top` in the stored tree.
    async fn is_below(&self, tx: &mut Conn, unit: i64, top: i64) -> ServiceResult<bool> {
        let mut seen = HashSet::new();
        let mut at = Some(unit);
        while let Some(id) = at {
            if id == top {
                return Ok(true);
            }
            if !seen.insert(id) {
                return Ok(false);
            }
            at = units::get(&mut *tx, id).await?.and_then(|u| u.parent_id);
        }
        Ok(false)
    }

    /// Creates or updates the units of a spreadsheet (columns [`UNIT_COLUMNS`], one unit a
    /// row, matched by code), parents before or after their units in any order: all rows or
    /// none, each problem named by row and column.
    pub async fn import_units(&self, actor: &Actor, bytes: &[u8]) -> ServiceResult<UnitImport> {
        self.require(actor, Permission::WriteUnits, "unit.import")
            .await?;
        let _permit = self.heavy(crate::limits::Heavy::Import, actor)?;
        let sheet = crate::import::read_sheet(bytes, |top| {
            top.iter()
                .position(|r| r.iter().any(|c| c.trim() == UNIT_COLUMNS[0]))
        })
        .map_err(|m| ServiceError::invalid("file", m))?;
        let Some(header) = sheet
            .iter()
            .take(10)
            .position(|r| r.iter().any(|c| c.trim() == UNIT_COLUMNS[0]))
        else {
            return Err(ServiceError::invalid(
                "file",
                "前10行中没有找到表头（须有“单位编码”列），请使用单位导入模板",
            ));
        };
        let at: Vec<Option<usize>> = UNIT_COLUMNS
            .iter()
            .map(|h| sheet[header].iter().position(|c| c.trim() == *h))
            .collect();
        if at[..3].iter().any(Option::is_none) {
            return Err(ServiceError::invalid(
                "file",
                "表头须有“单位编码”“单位名称”“单位类别”列",
            ));
        }
        let cell = |row: &[String], i: usize| {
            at[i]
                .and_then(|c| row.get(c))
                .map_or(String::new(), |v| v.trim().to_owned())
        };
        let mut forms: Vec<(usize, UnitForm)> = Vec::new();
        for (i, row) in sheet.iter().enumerate().skip(header + 1) {
            if row.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            forms.push((
                i + 1,
                UnitForm {
                    code: cell(row, 0),
                    name: cell(row, 1),
                    kind: cell(row, 2),
                    parent: cell(row, 3),
                    valid_from: cell(row, 4),
                    valid_to: cell(row, 5),
                },
            ));
        }
        if forms.is_empty() {
            return Err(ServiceError::invalid("file", "表头下没有数据行"));
        }
        let mut notes: Vec<String> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (row, form) in &forms {
            let mut errors = FieldErrors::new();
            if let Some(fields) = parse(form, &mut errors)
                && let Some(first) = seen.insert(fields.code.as_str().to_owned(), *row)
            {
                notes.push(format!("第{row}行 单位编码：与第{first}行重复"));
            }
            for e in errors.iter() {
                notes.push(format!("第{row}行 {}：{}", column_of(e.field), e.message));
            }
        }
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let stored: HashSet<String> = units::list(&mut tx)
            .await?
            .into_iter()
            .map(|u| u.code)
            .collect();
        // New units are written first without their parent (which may come later in the
        // sheet), then every row with it: all in one transaction, nothing kept on a refusal.
        let (mut created, mut updated) = (Vec::new(), Vec::new());
        // A refusal of the store, named at its row.
        let refused = |row: usize, e: ServiceError, notes: &mut Vec<String>| match e {
            ServiceError::Invalid(errors) | ServiceError::Conflict(errors) => {
                notes.extend(
                    errors
                        .iter()
                        .map(|e| format!("第{row}行 {}：{}", column_of(e.field), e.message)),
                );
                Ok(())
            }
            other => Err(other),
        };
        if notes.is_empty() {
            for (row, form) in &forms {
                let code = form.code.trim().to_uppercase();
                if stored.contains(&code) {
                    updated.push(code);
                    continue;
                }
                let bare = UnitForm {
                    parent: String::new(),
                    valid_to: String::new(),
                    ..form.clone()
                };
                match self.save_unit(&mut tx, None, &bare).await {
                    Ok(_) => created.push(code),
                    Err(e) => refused(*row, e, &mut notes)?,
                }
            }
        }
        if notes.is_empty() {
            for (row, form) in &forms {
                let code = form.code.trim().to_uppercase();
                let Some(unit) = units::by_code(&mut tx, &code).await? else {
                    continue;
                };
                if let Err(e) = self.save_unit(&mut tx, Some(unit.id), form).await {
                    refused(*row, e, &mut notes)?;
                }
            }
        }
        if !notes.is_empty() {
            let more = notes.len().saturating_sub(MAX_NOTES);
            notes.truncate(MAX_NOTES);
            if more > 0 {
                notes.push(format!("另有{more}处问题"));
            }
            return Err(ServiceError::invalid(
                "file",
                format!("未导入任何单位：{}", notes.join("；")),
            ));
        }
        let event = Event::new("unit.import").detail(json!({
            "created": created, "updated": updated,
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(UnitImport {
            created: created.len(),
            updated: updated.len(),
        })
    }

    /// The units a joint org names besides its own.
    pub async fn covered_units(&self, actor: &Actor, org_id: i64) -> ServiceResult<Vec<TreeUnit>> {
        self.require(actor, Permission::ReadOrgs, "org.units")
            .await?;
        let mut tx = self.db().read().await?;
        visible_org(&mut tx, actor, org_id).await?;
        let rows = units::covered_by_org(&mut tx, org_id).await?;
        // Each with its parent's code, as the unit list gives it.
        let mut covered = Vec::with_capacity(rows.len());
        for unit in rows {
            let parent_code = match unit.parent_id {
                Some(parent) => units::get(&mut tx, parent).await?.map(|p| p.code),
                None => None,
            };
            covered.push(TreeUnit {
                depth: 0,
                parent_code,
                unit,
            });
        }
        tx.commit().await?;
        Ok(covered)
    }

    /// Sets the units a joint org (联合党支部) covers besides its own, by code (separated by
    /// spaces, commas or 、); empty names none. Only a joint org names units.
    pub async fn set_covered_units(
        &self,
        actor: &Actor,
        org_id: i64,
        codes: &str,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::WriteOrgs, "org.units")
            .await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let org = visible_org(&mut tx, actor, org_id).await?;
        if org.dissolved_on.is_some() {
            return Err(ServiceError::invalid("units", "该组织已撤销"));
        }
        let mut ids = Vec::new();
        let mut unknown = Vec::new();
        for raw in codes
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
            .filter(|c| !c.is_empty())
        {
            let found = match Code::parse(raw) {
                Ok(code) => units::by_code(&mut tx, code.as_str()).await?,
                Err(_) => None,
            };
            match found {
                Some(u) if Some(u.id) != org.unit_id => {
                    if !ids.contains(&u.id) {
                        ids.push(u.id);
                    }
                }
                Some(_) => {}
                None => unknown.push(raw.to_owned()),
            }
        }
        if !unknown.is_empty() {
            return Err(ServiceError::invalid(
                "units",
                format!("没有这些单位编码：{}", unknown.join("、")),
            ));
        }
        if !ids.is_empty() && !org.is_joint {
            return Err(ServiceError::invalid(
                "units",
                "只有联合党支部可以覆盖其他单位，请先在编辑中勾选“联合党支部”",
            ));
        }
        units::set_covered_by_org(&mut tx, org_id, &ids).await?;
        let event = Event::new("org.units")
            .object("org", org_id)
            .detail(json!({ "units": ids }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(code: &str, parent: &str, from: &str, to: &str) -> UnitForm {
        UnitForm {
            code: code.into(),
            name: "城东派出所".into(),
            kind: "police_station".into(),
            parent: parent.into(),
            valid_from: from.into(),
            valid_to: to.into(),
        }
    }

    #[test]
    fn a_unit_form_is_checked_field_by_field() {
        let mut e = FieldErrors::new();
        assert!(parse(&form("U1", "", "", ""), &mut e).is_some() && e.is_empty());
        let mut e = FieldErrors::new();
        assert!(parse(&form("U1", "U1", "2020-01-01", "2019-12-31"), &mut e).is_none());
        let fields: Vec<&str> = e.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["valid_to", "parent"]);
        // The kind is taken by its label too (a sheet names it so).
        let mut e = FieldErrors::new();
        let by_label = UnitForm {
            kind: "派出所".into(),
            ..form("U2", "", "", "")
        };
        assert_eq!(
            parse(&by_label, &mut e).map(|f| f.kind),
            Some(UnitKind::PoliceStation)
        );
    }

    #[test]
    fn units_are_listed_each_under_its_parent() {
        let unit = |id: i64, code: &str, parent: Option<i64>| UnitRow {
            id,
            code: code.into(),
            name: code.into(),
            kind: UnitKind::Other,
            parent_id: parent,
            valid_from: None,
            valid_to: None,
            org_count: 0,
            covered_by: 0,
        };
        let ordered = tree_order(vec![
            unit(1, "A", None),
            unit(4, "A1", Some(1)),
            unit(5, "A1X", Some(4)),
            unit(2, "A2", Some(1)),
            unit(3, "B", None),
            unit(6, "LOST", Some(99)),
        ]);
        let shape: Vec<(usize, &str)> = ordered
            .iter()
            .map(|t| (t.depth, t.unit.code.as_str()))
            .collect();
        assert_eq!(
            shape,
            [
                (0, "A"),
                (1, "A1"),
                (2, "A1X"),
                (1, "A2"),
                (0, "B"),
                (0, "LOST")
            ]
        );
    }
}
