//! Importing members from a spreadsheet. The sheet is read and every row checked before
//! anything is written: a preview lists each problem at its row and column in Chinese, and
//! only a batch without problems can be committed, all at once. The previewed batch waits
//! sealed in the database (it holds ID numbers), so any server node can commit it. The latest
//! committed batch can be rolled back while none of its members has changed since.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use chrono::{NaiveDate, TimeDelta};
use dangjian_core::id_number::IdNumber;
use dangjian_core::import::{self, COLUMNS, Header, Note};
use dangjian_core::lifecycle::probation_due;
use dangjian_core::member::{Category, MemberFields, MemberForm, PhoneChange};
use dangjian_core::org::{Code, OrgKind};
use dangjian_core::role::Permission;
use dangjian_store::bulk::{self, BulkMember};
use dangjian_store::orgs::OrgBrief;
use dangjian_store::{Conn, imports, members, orgs, units};
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::excel::{self, Cell, Sheet};

pub use dangjian_store::imports::BatchRow as Batch;

/// The largest sheet accepted: a province's 100,000 members fit well within it.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// What the workbook may expand to in all: a province's 100,000 members come to about 80 MB
/// of XML; more is a zip bomb, not a roster.
const MAX_UNPACKED_BYTES: u64 = 160 * 1024 * 1024;
/// What the shared strings may expand to: they are held in memory whole while the sheet is
/// read (a province's names, numbers and dates take about 15 MB). A 10 MB upload whose
/// strings expanded to 272 MB took the server from 60 to 400 MB.
const MAX_SHARED_STRINGS_BYTES: u64 = 64 * 1024 * 1024;
const MAX_ROWS: usize = 200_000;
/// Columns read per row: the template has 17; a cell far to the right is not one of them.
const MAX_COLUMNS: usize = 100;
/// How many problems a preview lists; the count says how many there are in all.
pub const MAX_NOTES: usize = 500;

/// What a preview found.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// The batch to commit, when the sheet has no problems.
    pub batch: Option<i64>,
    pub rows: usize,
    pub problems: Vec<Note>,
    pub problem_count: usize,
    pub warnings: Vec<Note>,
    pub warning_count: usize,
}

/// A checked row, ready to load.
struct Valid {
    fields: MemberFields,
    id_number: String,
    phone: Option<String>,
    branch: i64,
    unit_id: Option<i64>,
}

/// A cell as read, before the header says whether its column holds dates: a number may be
/// an Excel date serial, everything else is text already.
enum RawCell {
    Text(String),
    Number(f64),
}

impl RawCell {
    fn read(cell: &DataRef<'_>) -> Self {
        match cell {
            DataRef::Empty | DataRef::Error(_) => RawCell::Text(String::new()),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                RawCell::Text(s.clone())
            }
            DataRef::SharedString(s) => RawCell::Text((*s).to_owned()),
            DataRef::Bool(b) => RawCell::Text(b.to_string()),
            DataRef::Int(i) => RawCell::Text(i.to_string()),
            DataRef::Float(f) => RawCell::Number(*f),
            DataRef::DateTime(dt) => RawCell::Text(
                dt.as_datetime()
                    .map(|d| d.date().format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|| serial_date(dt.as_f64())),
            ),
        }
    }

    /// The cell as text: dates as `YYYY-MM-DD` (from date-formatted serial numbers in a date
    /// column), whole numbers without a decimal point, a number within a millionth of a fen
    /// as that many fen (a formula's 12.350000000000001 is 12.35).
    fn text(&self, date_column: bool) -> String {
        match self {
            RawCell::Text(s) => s.clone(),
            RawCell::Number(f) if date_column && (1.0..100_000.0).contains(f) => serial_date(*f),
            RawCell::Number(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            RawCell::Number(f)
                if f.abs() < 1e13 && ((f * 100.0).round() - f * 100.0).abs() < 1e-6 =>
            {
                format!("{f:.2}")
                    .trim_end_matches('0')
                    .trim_end_matches('.')
                    .to_owned()
            }
            RawCell::Number(f) => f.to_string(),
        }
    }

    fn into_text(self, date_column: bool) -> String {
        match self {
            RawCell::Text(s) => s,
            number => number.text(date_column),
        }
    }
}

/// An Excel serial day (1900 system, as Excel counts it) as a date.
fn serial_date(serial: f64) -> String {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
    (epoch + TimeDelta::days(serial.trunc() as i64))
        .format("%Y-%m-%d")
        .to_string()
}

/// Refuses a workbook that expands beyond reason before any XML is parsed.
fn check_archive(bytes: &[u8]) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| "文件不是有效的 .xlsx 工作簿".to_owned())?;
    if archive.len() > 1000 {
        return Err("工作簿结构异常（文件过多）".to_owned());
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|_| "文件不是有效的 .xlsx 工作簿".to_owned())?;
        total = total.saturating_add(entry.size());
        if entry.compressed_size() > 0 && entry.size() / entry.compressed_size() > 200 {
            return Err("工作簿压缩比异常，已拒绝".to_owned());
        }
        if entry
            .name()
            .is_ok_and(|name| name.eq_ignore_ascii_case("xl/sharedStrings.xml"))
            && entry.size() > MAX_SHARED_STRINGS_BYTES
        {
            return Err("工作簿中的文字内容解压后过大，已拒绝".to_owned());
        }
    }
    if total > MAX_UNPACKED_BYTES {
        return Err("工作簿解压后过大，已拒绝".to_owned());
    }
    Ok(())
}

/// The first sheet's rows as text, read cell by cell (the sheet is never held whole beside
/// its text): dates as `YYYY-MM-DD` in the columns whose heading ends in 日期. Row `i` of the
/// result is row `i + 1` of the sheet.
pub(crate) fn read_sheet(
    bytes: &[u8],
    header_row: fn(&[Vec<String>]) -> Option<usize>,
) -> Result<Vec<Vec<String>>, String> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!(
            "文件过大（上限 {} MB）",
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    check_archive(bytes)?;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_| "文件不是有效的 .xlsx 工作簿".to_owned())?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| "工作簿没有工作表".to_owned())?;
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|_| "无法读取第一个工作表".to_owned())?;
    let mut raw: Vec<Vec<RawCell>> = Vec::new();
    while let Some(cell) = cells
        .next_cell()
        .map_err(|_| "无法读取第一个工作表".to_owned())?
    {
        let (row, column) = cell.get_position();
        let (row, column) = (row as usize, column as usize);
        if row >= MAX_ROWS + 20 {
            return Err(format!("行数过多（上限 {MAX_ROWS} 行）"));
        }
        if column >= MAX_COLUMNS {
            continue;
        }
        if raw.len() <= row {
            raw.resize_with(row + 1, Vec::new);
        }
        let cells_of_row = &mut raw[row];
        if cells_of_row.len() <= column {
            cells_of_row.resize_with(column + 1, || RawCell::Text(String::new()));
        }
        cells_of_row[column] = RawCell::read(cell.get_value());
    }
    // Date columns are known only once the header is found, among the first rows.
    let top: Vec<Vec<String>> = raw
        .iter()
        .take(10)
        .map(|r| r.iter().map(|c| c.text(false)).collect())
        .collect();
    let dates: HashSet<usize> = match header_row(&top) {
        Some(row) => top[row]
            .iter()
            .enumerate()
            .filter(|(_, name)| name.trim().ends_with("日期"))
            .map(|(i, _)| i)
            .collect(),
        None => HashSet::new(),
    };
    Ok(raw
        .into_iter()
        .map(|r| {
            r.into_iter()
                .enumerate()
                .map(|(i, c)| c.into_text(dates.contains(&i)))
                .collect()
        })
        .collect())
}

/// The index of the member sheet's header row among its first rows.
fn member_header(top: &[Vec<String>]) -> Option<usize> {
    Header::find(top).ok().map(|h| h.row as usize - 1)
}

/// The rows of an uploaded member sheet, each read against the header: everything about an
/// import that needs no database. Any bytes at all give rows or a Chinese message, never a
/// panic (fuzzed: `fuzz/fuzz_targets/import_xlsx.rs`).
pub fn parse_sheet(bytes: &[u8]) -> Result<Vec<import::ImportRow>, String> {
    let sheet = read_sheet(bytes, member_header)?;
    let header = Header::find(&sheet)?;
    let rows: Vec<import::ImportRow> = sheet
        .iter()
        .enumerate()
        .skip(header.row as usize)
        .filter(|(_, cells)| !import::is_blank(cells))
        .map(|(i, cells)| import::read_row(&header, i as u32 + 1, cells))
        .collect();
    if rows.is_empty() {
        return Err("表头下没有数据行".to_owned());
    }
    Ok(rows)
}

fn note(row: u32, column: &str, message: impl Into<String>) -> Note {
    Note {
        row,
        column: column.to_owned(),
        message: message.into(),
    }
}

/// Everything the checks look up, loaded once for the whole sheet.
struct Lookups {
    branches_by_code: HashMap<String, OrgBrief>,
    branches_by_name: HashMap<String, Vec<OrgBrief>>,
    all_codes: HashSet<String>,
    units: HashMap<String, i64>,
    stored_ids: HashSet<String>,
    stored_numbers: HashSet<String>,
}

impl Services {
    async fn lookups(&self, conn: &mut Conn, actor: &Actor) -> ServiceResult<Lookups> {
        let in_scope = orgs::briefs(conn, &actor.scope).await?;
        let everything = orgs::briefs(conn, &dangjian_core::role::Scope::Everything).await?;
        let mut branches_by_code = HashMap::new();
        let mut branches_by_name: HashMap<String, Vec<OrgBrief>> = HashMap::new();
        for org in in_scope {
            branches_by_name
                .entry(org.name.clone())
                .or_default()
                .push(org.clone());
            branches_by_code.insert(org.code.clone(), org);
        }
        let mut units = HashMap::new();
        for unit in units::list(conn).await? {
            units.insert(unit.name.clone(), unit.id);
            units.insert(unit.code.clone(), unit.id);
        }
        let (stored_ids, stored_numbers) = members::identity_keys(conn).await?;
        Ok(Lookups {
            branches_by_code,
            branches_by_name,
            all_codes: everything.into_iter().map(|o| o.code).collect(),
            units,
            stored_ids,
            stored_numbers,
        })
    }

    /// Checks every row; returns the valid rows, the problems and the warnings.
    fn check_rows(
        &self,
        rows: Vec<import::ImportRow>,
        look: &Lookups,
    ) -> (Vec<Valid>, Vec<Note>, Vec<Note>) {
        let today = self.clock().today();
        let mut valid = Vec::new();
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        let mut seen_ids: HashMap<String, u32> = HashMap::new();
        let mut seen_numbers: HashMap<String, u32> = HashMap::new();
        for row in rows {
            let r = row.row;
            warnings.extend(row.warnings);
            let mut row_problems = row.problems;
            // The branch: its code, or its full name when that name is unique in scope.
            let typed = row.form.branch.trim().to_owned();
            let branch = match Code::parse(&typed)
                .ok()
                .and_then(|c| look.branches_by_code.get(c.as_str()))
            {
                Some(org) => Some(org),
                None => match look.branches_by_name.get(&typed).map(Vec::as_slice) {
                    Some([org]) => Some(org),
                    Some([_, _, ..]) => {
                        row_problems.push(note(
                            r,
                            "所在党组织",
                            format!("名称“{typed}”对应多个组织，请填写组织编码"),
                        ));
                        None
                    }
                    _ if typed.is_empty() => None,
                    _ => {
                        let outside =
                            Code::parse(&typed).is_ok_and(|c| look.all_codes.contains(c.as_str()));
                        let message = if outside {
                            "该组织不在您的管理范围内"
                        } else {
                            "没有这个组织（请填写组织编码或全称）"
                        };
                        row_problems.push(note(r, "所在党组织", message));
                        None
                    }
                },
            };
            if let Some(org) = branch {
                if org.kind != OrgKind::Branch {
                    row_problems.push(note(
                        r,
                        "所在党组织",
                        format!("{}是{}，党员只能编入党支部", org.name, org.kind.label()),
                    ));
                } else if org.dissolved {
                    row_problems.push(note(r, "所在党组织", format!("{}已撤销", org.name)));
                }
            }
            let unit = match row.form.unit.trim() {
                "" => None,
                typed => match look
                    .units
                    .get(typed)
                    .or_else(|| look.units.get(&typed.to_ascii_uppercase()))
                {
                    Some(id) => Some(*id),
                    None => {
                        row_problems.push(note(r, "单位", format!("没有这个单位“{typed}”")));
                        None
                    }
                },
            };
            // The member's own fields, with the branch's code so the form parses.
            let form = MemberForm {
                branch: branch.map_or_else(|| "-".to_owned(), |o| o.code.clone()),
                unit: String::new(),
                status: if row.form.status.is_empty() {
                    "active".to_owned()
                } else {
                    row.form.status.clone()
                },
                ..row.form
            };
            let parsed = form.parse(today, None);
            if let Err(errors) = &parsed {
                for e in errors.iter().filter(|e| e.field != "branch") {
                    row_problems.push(note(r, import::column_of(e.field), e.message.clone()));
                }
            }
            let id_number = IdNumber::parse(&form.id_number)
                .ok()
                .map(|id| id.as_str().to_owned());
            if let Some(id) = &id_number {
                let idx = self.crypto().blind_index("id_number", id);
                if let Some(first) = seen_ids.insert(idx.clone(), r) {
                    row_problems.push(note(r, "身份证号", format!("与第{first}行重复")));
                } else if look.stored_ids.contains(&idx) {
                    row_problems.push(note(r, "身份证号", "该身份证号已登记在其他党员名下"));
                }
            }
            let number = form.police_number.trim().to_owned();
            if !number.is_empty() {
                if let Some(first) = seen_numbers.insert(number.clone(), r) {
                    row_problems.push(note(r, "警号", format!("与第{first}行重复")));
                } else if look.stored_numbers.contains(&number) {
                    row_problems.push(note(r, "警号", "该警号已登记在其他党员名下"));
                }
            }
            match (parsed, branch, id_number) {
                (Ok(fields), Some(org), Some(id_number)) if row_problems.is_empty() => {
                    let phone = match &fields.phone {
                        PhoneChange::Set(p) => Some(p.as_str().to_owned()),
                        _ => None,
                    };
                    valid.push(Valid {
                        fields,
                        id_number,
                        phone,
                        branch: org.id,
                        unit_id: unit.or(org.unit_id),
                    });
                }
                _ => problems.extend(row_problems),
            }
        }
        (valid, problems, warnings)
    }

    /// Reads and checks a sheet. Without problems, the batch is kept (sealed) for commit.
    ///
    /// At most two sheets are read at once in the whole process, each on a blocking thread:
    /// a large workbook costs seconds of CPU and a few hundred megabytes, and must not stall
    /// the threads that answer everyone else. A third is told to try again shortly.
    pub async fn preview_import(
        &self,
        actor: &Actor,
        bytes: Vec<u8>,
    ) -> ServiceResult<ImportReport> {
        self.require(actor, Permission::WriteMembers, "member.import")
            .await?;
        let _permit = self.heavy(crate::limits::Heavy::Import, actor)?;
        let rows = crate::off_workers(move || {
            parse_sheet(&bytes).map_err(|m| ServiceError::invalid("file", m))
        })
        .await?;
        let forms: Vec<MemberForm> = rows.iter().map(|r| r.form.clone()).collect();
        let mut tx = self.db().read().await?;
        let look = self.lookups(&mut tx, actor).await?;
        tx.commit().await?;
        let count = rows.len();
        let (valid, problems, warnings) = self.check_rows(rows, &look);
        let mut report = ImportReport {
            rows: count,
            problem_count: problems.len(),
            warning_count: warnings.len(),
            problems: problems.into_iter().take(MAX_NOTES).collect(),
            warnings: warnings.into_iter().take(MAX_NOTES).collect(),
            batch: None,
        };
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        if report.problem_count == 0 && valid.len() == count {
            let batch =
                imports::insert(&mut tx, &actor.login, actor.account_id, count as i64, now).await?;
            let payload =
                serde_json::to_string(&forms).map_err(|e| ServiceError::Internal(e.to_string()))?;
            imports::set_payload(
                &mut tx,
                batch,
                &self.crypto().seal(&payload, &format!("import:{batch}")),
            )
            .await?;
            report.batch = Some(batch);
        }
        let event = Event::new("member.import_preview").detail(
            json!({ "rows": count, "problems": report.problem_count, "batch": report.batch }),
        );
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Commits a previewed batch, all rows or none: the rows are checked again (the roster
    /// may have changed since the preview) and written in one transaction.
    pub async fn commit_import(&self, actor: &Actor, batch: i64) -> ServiceResult<usize> {
        self.require(actor, Permission::WriteMembers, "member.import")
            .await?;
        let now = self.clock().now();
        let today = self.clock().today();
        let mut tx = self.db().write().await?;
        tx.lock_structure().await?;
        let found = imports::get(&mut tx, batch)
            .await?
            .filter(|b| b.status == "previewed")
            .ok_or(ServiceError::NotFound)?;
        // A batch is committed by whoever previewed it; anyone else's answers as a missing
        // one does, and the attempt is recorded.
        if found.created_by != actor.login {
            drop(tx);
            return Err(self
                .out_of_scope(actor, "member.import", "import_batch", batch)
                .await);
        }
        let sealed = found.payload_ct.ok_or(ServiceError::NotFound)?;
        let payload = self
            .crypto()
            .open(&sealed, &format!("import:{batch}"))
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let forms: Vec<MemberForm> =
            serde_json::from_str(&payload).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let rows = forms
            .into_iter()
            .enumerate()
            .map(|(i, form)| import::ImportRow {
                row: i as u32 + 1,
                form,
                warnings: Vec::new(),
                problems: Vec::new(),
            })
            .collect();
        let look = self.lookups(&mut tx, actor).await?;
        let (valid, problems, _) = self.check_rows(rows, &look);
        if !problems.is_empty() {
            return Err(ServiceError::invalid(
                "file",
                format!(
                    "预览后数据已有变化，{}处问题，请重新上传预览",
                    problems.len()
                ),
            ));
        }
        let ids = bulk::reserve_member_ids(&mut tx, valid.len()).await?;
        let loaded: Vec<BulkMember> = valid
            .iter()
            .zip(ids)
            .map(|(v, id)| BulkMember {
                id,
                id_number_ct: self
                    .crypto()
                    .seal(&v.id_number, &crate::members::context(id, "id_number")),
                phone_ct: v
                    .phone
                    .as_deref()
                    .map(|p| self.crypto().seal(p, &crate::members::context(id, "phone"))),
                name: v.fields.name.as_str().to_owned(),
                gender: v.fields.gender,
                birth_date: v.fields.birth_date,
                ethnicity: v.fields.ethnicity.code(),
                education: v.fields.education,
                id_number_idx: self.crypto().blind_index("id_number", &v.id_number),
                police_number: v
                    .fields
                    .police_number
                    .as_ref()
                    .map(|n| n.as_str().to_owned()),
                police_rank: v.fields.police_rank,
                position: v.fields.position.clone(),
                unit_id: v.unit_id,
                branch_id: v.branch,
                category: v.fields.category,
                status: v.fields.status,
                joined_on: v.fields.joined_on,
                full_membership_on: v.fields.full_membership_on,
                probation_due_on: (v.fields.category == Category::Probationary)
                    .then(|| probation_due(v.fields.joined_on, &self.rule_book())),
                import_batch_id: Some(batch),
            })
            .collect();
        bulk::insert_members(&mut tx, &loaded, now).await?;
        bulk::derive_member_history(&mut tx).await?;
        bulk::insert_created_events(&mut tx, batch, &actor.login, actor.account_id, today, now)
            .await?;
        imports::finish(&mut tx, batch, "committed", now).await?;
        let event = Event::new("member.import")
            .object("import_batch", batch)
            .detail(json!({ "rows": loaded.len() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(loaded.len())
    }

    /// Rolls back the latest committed batch, if none of its members changed since.
    pub async fn rollback_import(&self, actor: &Actor, batch: i64) -> ServiceResult<u64> {
        self.require(actor, Permission::WriteMembers, "member.import")
            .await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        tx.lock_structure().await?;
        // Each importer may undo their own latest batch, whatever others imported since (a
        // batch of someone else's answers as a missing one does, and the attempt is recorded).
        match imports::get(&mut tx, batch).await? {
            None => return Err(ServiceError::NotFound),
            Some(found) if found.created_by != actor.login => {
                drop(tx);
                return Err(self
                    .out_of_scope(actor, "member.import_rollback", "import_batch", batch)
                    .await);
            }
            Some(_) => {}
        }
        imports::latest_committed(&mut tx, &actor.login)
            .await?
            .filter(|b| b.id == batch)
            .ok_or_else(|| ServiceError::invalid("batch", "只能撤销本人最近一次导入的批次"))?;
        let changed = imports::changed_since(&mut tx, batch).await?;
        if changed > 0 {
            return Err(ServiceError::invalid(
                "batch",
                format!("该批次中已有{changed}名党员的信息发生变化，不能整批撤销"),
            ));
        }
        let removed = imports::remove_members(&mut tx, batch).await?;
        imports::finish(&mut tx, batch, "rolled_back", now).await?;
        let event = Event::new("member.import_rollback")
            .object("import_batch", batch)
            .detail(json!({ "rows": removed }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(removed)
    }

    /// The actor's latest committed batch (the one they can still roll back), if any.
    pub async fn latest_import(&self, actor: &Actor) -> ServiceResult<Option<Batch>> {
        self.require(actor, Permission::WriteMembers, "member.import")
            .await?;
        let mut tx = self.db().read().await?;
        let latest = imports::latest_committed(&mut tx, &actor.login).await?;
        tx.commit().await?;
        Ok(latest)
    }

    /// The import template: the columns in order, and the allowed values on a second sheet.
    pub fn import_template(&self, actor: &Actor) -> ServiceResult<Vec<u8>> {
        let columns = Sheet {
            name: "党员信息".to_owned(),
            title: "党员信息导入模板（带*为必填；每行一名党员）".to_owned(),
            headings: COLUMNS.iter().map(|(name, _)| (*name).to_owned()).collect(),
            rows: Vec::new(),
        };
        let values = |all: Vec<&str>| all.join("、");
        let help = Sheet {
            name: "填写说明".to_owned(),
            title: "填写说明".to_owned(),
            headings: vec!["列".to_owned(), "必填".to_owned(), "说明".to_owned()],
            rows: COLUMNS
                .iter()
                .map(|(name, required)| {
                    let hint = match *name {
                        "性别" => values(vec!["男", "女"]),
                        "民族" => "如：汉族、回族".to_owned(),
                        "出生日期" | "入党日期" => {
                            "日期格式，如 2026-03-28（Excel 日期亦可）".to_owned()
                        }
                        "身份证号" => "18位，请将单元格设为文本格式".to_owned(),
                        "学历" => values(
                            dangjian_core::member::Education::ALL
                                .iter()
                                .map(|e| e.label())
                                .collect(),
                        ),
                        "警衔" => "如：二级警督；无则留空".to_owned(),
                        "单位" => "单位编码或全称；留空则为所在党支部的单位".to_owned(),
                        "所在党组织" => "党支部的组织编码或全称".to_owned(),
                        "党员类别" => values(vec!["正式党员", "预备党员"]),
                        "转正日期" => "正式党员必填；日期格式同上".to_owned(),
                        "党籍状态" => "留空为正常".to_owned(),
                        _ => String::new(),
                    };
                    vec![
                        Cell::from(*name),
                        Cell::from(if *required { "是" } else { "" }),
                        Cell::from(hint),
                    ]
                })
                .collect(),
        };
        excel::workbook(&[columns, help], &actor.login, self.clock().now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_serial_days_become_dates() {
        assert_eq!(serial_date(45379.0), "2024-03-28");
        assert_eq!(RawCell::Number(45379.0).text(true), "2024-03-28");
        assert_eq!(RawCell::Number(100001.0).text(false), "100001");
        assert_eq!(RawCell::Number(45379.0).text(false), "45379");
        assert_eq!(RawCell::Number(1.5).text(false), "1.5");
        assert_eq!(RawCell::Number(12.350000000000001).text(false), "12.35");
        assert_eq!(RawCell::Number(88.5).text(false), "88.5");
        assert_eq!(RawCell::Number(0.001).text(false), "0.001");
    }

    #[test]
    fn bytes_that_are_not_a_workbook_are_refused_with_a_message() {
        assert_eq!(
            read_sheet(b"not a zip", member_header).unwrap_err(),
            "文件不是有效的 .xlsx 工作簿"
        );
    }

    /// Issue 13, finding 6: a 10.7 MB upload whose shared strings expanded to 272 MB held
    /// 400 MB of the server's memory. Shared strings are held whole while a sheet is read,
    /// so they have a bound of their own (here 65 MB stored uncompressed, well within the
    /// compression-ratio check).
    #[test]
    fn shared_strings_past_their_bound_are_refused_before_they_are_read() {
        let mut buffer = Vec::new();
        {
            let mut writer = zip::ZipWriter::new(std::io::Cursor::new(&mut buffer));
            let stored = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .large_file(false);
            writer.start_file("xl/sharedStrings.xml", stored).unwrap();
            let chunk = "<si><t>0123456789abcdef</t></si>".repeat(1024);
            for _ in 0..(MAX_SHARED_STRINGS_BYTES as usize / chunk.len() + 1) {
                std::io::Write::write_all(&mut writer, chunk.as_bytes()).unwrap();
            }
            writer.finish().unwrap();
        }
        assert_eq!(
            check_archive(&buffer).unwrap_err(),
            "工作簿中的文字内容解压后过大，已拒绝"
        );
    }

    #[test]
    fn a_zip_bomb_is_refused_before_it_is_read() {
        use std::io::Write;
        let mut buffer = Cursor::new(Vec::new());
        {
            let mut writer = zip::ZipWriter::new(&mut buffer);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            writer
                .start_file("xl/worksheets/sheet1.xml", options)
                .unwrap();
            writer.write_all(&vec![b'a'; 50 * 1024 * 1024]).unwrap();
            writer.finish().unwrap();
        }
        let err = read_sheet(&buffer.into_inner(), member_header).unwrap_err();
        assert!(err.contains("压缩比异常") || err.contains("过大"), "{err}");
    }

    /// A real workbook with the template's columns and two rows, to mutate.
    fn sample() -> Vec<u8> {
        use crate::excel::{Cell, Sheet};
        let headings: Vec<String> = import::COLUMNS
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect();
        let row = |name: &str| -> Vec<Cell> {
            headings
                .iter()
                .map(|h| match h.as_str() {
                    "姓名" => Cell::from(name.to_owned()),
                    "出生日期" => Cell::from("1985-01-01".to_owned()),
                    _ => Cell::from("1".to_owned()),
                })
                .collect()
        };
        let rows = vec![row("张三"), row("李四")];
        let sheet = Sheet {
            name: "党员".to_owned(),
            title: "党员".to_owned(),
            headings,
            rows,
        };
        crate::excel::workbook(&[sheet], "fuzz", chrono::Utc::now()).unwrap()
    }

    #[test]
    fn the_sample_workbook_parses() {
        let rows = parse_sheet(&sample()).unwrap();
        assert_eq!(rows.len(), 2);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Whatever a damaged upload holds, the reader answers with rows or a message.
        #[test]
        fn a_damaged_workbook_never_panics(
            flips in proptest::collection::vec((0usize..1_000_000, proptest::prelude::any::<u8>()), 1..40),
            cut in 0usize..1_000_000,
        ) {
            let mut bytes = sample();
            for (at, value) in flips {
                let at = at % bytes.len();
                bytes[at] = value;
            }
            let _ = parse_sheet(&bytes);
            let cut = cut % bytes.len();
            let _ = parse_sheet(&bytes[..cut]);
        }
    }

    #[test]
    fn reading_arbitrary_bytes_never_panics() {
        for len in [0usize, 1, 4, 22, 100] {
            let _ = read_sheet(&vec![0x50; len], member_header);
            let mut zipish = b"PK\x03\x04".to_vec();
            zipish.extend(vec![0u8; len]);
            let _ = read_sheet(&zipish, member_header);
        }
    }
}
