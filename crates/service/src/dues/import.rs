//! Importing the two sheets a dues keeper receives (issue 17, item 6): members' pay and
//! categories from the finance office, and the bank's records of dues it collected. As with
//! the member import, a sheet is read and every row checked before anything is written; the
//! preview lists each problem at its row and column and what a commit would write; only a
//! sheet without problems is kept (sealed: pay is sensitive) and committed, all rows or none,
//! after every row is checked again against the ledger as it is then.

use std::collections::{HashMap, HashSet};

use dangjian_core::dues::{Assessed, Month, PaymentKind, assess, check_period};
use dangjian_core::dues_import::{
    BankRow, BaseRow, SheetHeader, SheetKind, Who, column_of, data_rows, find_header, read_bank,
    read_base,
};
use dangjian_core::import::Note;
use dangjian_core::money::Fen;
use dangjian_core::role::Permission;
use dangjian_store::Conn;
use dangjian_store::dues::{self as store, NewAssessment, NewPayment};
use dangjian_store::dues_imports;
use dangjian_store::members::MemberRow;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::excel::{self, Cell, Sheet};
use crate::import::{MAX_NOTES, read_sheet};
use crate::scope::member_by_ref;

/// What a row naming a member not found, or not in the importer's scope, is told.
const NOT_FOUND: &str = "找不到该党员，或其不在本人管理的范围内";

/// The most rows one dues sheet may hold: a large committee's members many times over, and
/// a commit short enough to hold the ledger's lock for.
const MAX_ROWS: usize = 20_000;

/// What a sheet holds: its data rows, numbered as the sheet numbers them, cells in template
/// order. This is what a previewed sheet keeps, sealed, for its commit.
type Rows = Vec<(u32, Vec<String>)>;

/// One row as a commit would write it, for the keeper to check before committing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportLine {
    pub row: u32,
    pub member_id: i64,
    pub name: String,
    /// The month paid for, or the month an assessment is in force from.
    pub month: Month,
    /// The amount collected, or the monthly dues assessed.
    pub amount: Fen,
}

/// What a preview found.
#[derive(Debug, Clone)]
pub struct DuesImportReport {
    pub kind: SheetKind,
    /// The sheet to commit, when it has no problems.
    pub batch: Option<i64>,
    pub rows: usize,
    pub problems: Vec<Note>,
    pub problem_count: usize,
    /// What a commit would write (the first rows of it).
    pub lines: Vec<ImportLine>,
    /// The sum of the amounts of every row that passed.
    pub total: Fen,
}

/// What the check of a sheet found.
#[derive(Default)]
struct Checked {
    ready: Vec<Ready>,
    problems: Vec<Note>,
    /// Members the sheet named who are outside the importer's scope (answered as not
    /// found, and recorded).
    outside: Vec<i64>,
}

/// A checked row, ready to write.
enum Ready {
    Base {
        member: MemberRow,
        row: BaseRow,
        assessed: Assessed,
    },
    Bank {
        member: MemberRow,
        row: BankRow,
    },
}

impl Ready {
    fn line(&self) -> ImportLine {
        let (row, member, month, amount) = match self {
            Ready::Base {
                member,
                row,
                assessed,
            } => (row.row, member, row.from, assessed.monthly),
            Ready::Bank { member, row } => (row.row, member, row.month, row.amount),
        };
        ImportLine {
            row,
            member_id: member.id,
            name: member.name.clone(),
            month,
            amount,
        }
    }
}

fn note(row: u32, column: &str, message: impl Into<String>) -> Note {
    Note {
        row,
        column: column.to_owned(),
        message: message.into(),
    }
}

fn base_header(top: &[Vec<String>]) -> Option<usize> {
    find_header(SheetKind::Bases, top)
        .ok()
        .map(|h| h.row as usize - 1)
}

fn bank_header(top: &[Vec<String>]) -> Option<usize> {
    find_header(SheetKind::Bank, top)
        .ok()
        .map(|h| h.row as usize - 1)
}

/// The data rows of an uploaded sheet, in template order: everything that needs no
/// database. Any bytes give rows or a Chinese message.
fn parse(kind: SheetKind, bytes: &[u8]) -> Result<Rows, String> {
    let header_row = match kind {
        SheetKind::Bases => base_header,
        SheetKind::Bank => bank_header,
    };
    let sheet = read_sheet(bytes, header_row)?;
    let header = find_header(kind, &sheet)?;
    let rows: Rows = data_rows(&header, sheet)
        .into_iter()
        .map(|(n, cells)| (n, header.in_template_order(&cells)))
        .collect();
    if rows.is_empty() {
        return Err("表头下没有数据行".to_owned());
    }
    if rows.len() > MAX_ROWS {
        return Err(format!("一次最多导入{MAX_ROWS}行，请分成几份表格"));
    }
    Ok(rows)
}

/// The context a previewed sheet is sealed for: it opens for that sheet only.
pub(crate) fn import_context(batch: i64) -> String {
    format!("dues_import:{batch}")
}

impl Services {
    /// The member a row names, in the actor's scope, whose name is the one the sheet gives.
    async fn row_member(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        row: u32,
        who: &Who,
        checked: &mut Checked,
    ) -> ServiceResult<Option<MemberRow>> {
        let found = member_by_ref(conn, &who.member).await?;
        Ok(match found {
            Some(m) if !actor.scope.covers_member(m.id, &m.branch_path) => {
                checked.outside.push(m.id);
                checked
                    .problems
                    .push(note(row, "警号或党员编号", NOT_FOUND));
                None
            }
            None => {
                checked
                    .problems
                    .push(note(row, "警号或党员编号", NOT_FOUND));
                None
            }
            Some(m) if m.name != who.name => {
                checked.problems.push(note(
                    row,
                    "姓名",
                    format!("与该编号的党员（{}）姓名不符", m.name),
                ));
                None
            }
            Some(m) => Some(m),
        })
    }

    /// Checks every row against the records as they are now.
    async fn check_dues_rows(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        kind: SheetKind,
        rows: &Rows,
    ) -> ServiceResult<Checked> {
        let header = SheetHeader::template(kind);
        let today = self.clock().today();
        let this = Month::of(today);
        let book = self.rule_book();
        let mut checked = Checked::default();
        // Where each member's month and each org's bank reference first appeared.
        let mut months: HashMap<(i64, Month), u32> = HashMap::new();
        let mut references: HashMap<(i64, String), u32> = HashMap::new();
        let taken = match kind {
            SheetKind::Bank => {
                let named: Vec<String> = rows
                    .iter()
                    .filter_map(|(n, cells)| read_bank(&header, *n, cells).ok())
                    .map(|row| row.reference)
                    .collect();
                dues_imports::taken_refs(conn, &named).await?
            }
            SheetKind::Bases => Default::default(),
        };
        for (n, cells) in rows {
            let n = *n;
            match kind {
                SheetKind::Bases => {
                    let row = match read_base(&header, n, cells) {
                        Ok(row) => row,
                        Err(notes) => {
                            checked.problems.extend(notes);
                            continue;
                        }
                    };
                    let Some(member) = self
                        .row_member(conn, actor, n, &row.who, &mut checked)
                        .await?
                    else {
                        continue;
                    };
                    let refusal = if let Some(first) = months.insert((member.id, row.from), n) {
                        Some(format!("与第{first}行重复：同一党员同一起始月份只能有一条"))
                    } else if row.from > this.plus(12) {
                        Some("起始月份不能晚于一年以后".to_owned())
                    } else if row.from < Month::of(member.joined_on) {
                        Some(format!("起始月份早于入党日期（{}）", member.joined_on))
                    } else {
                        None
                    };
                    if let Some(message) = refusal {
                        checked.problems.push(note(n, "起始月份", message));
                        continue;
                    }
                    let rules = &book.on(row.from.first_day()).dues;
                    match assess(row.category, row.pay, row.amount, rules) {
                        Ok(assessed) => checked.ready.push(Ready::Base {
                            member,
                            row,
                            assessed,
                        }),
                        Err((field, message)) => {
                            checked
                                .problems
                                .push(note(n, column_of(kind, field), message));
                        }
                    }
                }
                SheetKind::Bank => {
                    let row = match read_bank(&header, n, cells) {
                        Ok(row) => row,
                        Err(notes) => {
                            checked.problems.extend(notes);
                            continue;
                        }
                    };
                    let Some(member) = self
                        .row_member(conn, actor, n, &row.who, &mut checked)
                        .await?
                    else {
                        continue;
                    };
                    match self
                        .check_bank_row(conn, &member, &row, &taken, &mut months, &mut references)
                        .await?
                    {
                        Ok(()) => checked.ready.push(Ready::Bank { member, row }),
                        Err((column, message)) => checked.problems.push(note(n, column, message)),
                    }
                }
            }
        }
        Ok(checked)
    }

    /// Checks a bank record of a member in scope: its reference new to the org receiving it
    /// and to the sheet, one record per member and month, collected by today within the
    /// back-pay limit, and exactly what the month still owes.
    async fn check_bank_row(
        &self,
        conn: &mut Conn,
        member: &MemberRow,
        row: &BankRow,
        taken: &HashSet<(i64, String)>,
        months: &mut HashMap<(i64, Month), u32>,
        references: &mut HashMap<(i64, String), u32>,
    ) -> ServiceResult<Result<(), (&'static str, String)>> {
        let key = (member.branch_id, row.reference.clone());
        if let Some(first) = references.insert(key.clone(), row.row) {
            return Ok(Err(("银行流水号", format!("与第{first}行的流水号重复"))));
        }
        if taken.contains(&key) {
            return Ok(Err((
                "银行流水号",
                "该流水号已经登记过，不能重复导入".to_owned(),
            )));
        }
        if let Some(first) = months.insert((member.id, row.month), row.row) {
            return Ok(Err((
                "所属月份",
                format!("与第{first}行重复：同一党员同一月份只能有一条"),
            )));
        }
        if row.paid_on > self.clock().today() {
            return Ok(Err(("扣款日期", "扣款日期不能晚于今天".to_owned())));
        }
        let book = self.rule_book();
        if let Err((field, message)) = check_period(
            PaymentKind::Bank,
            row.month,
            row.paid_on,
            row.reason.is_some(),
            &book.on(row.paid_on).dues,
        ) {
            return Ok(Err((column_of(SheetKind::Bank, field), message)));
        }
        let Some(state) = store::month_of(conn, member.id, row.month).await? else {
            return Ok(Err((
                "所属月份",
                format!(
                    "{}还没有应交记录（未核定或未生成当月应交）",
                    row.month.label()
                ),
            )));
        };
        let remaining = state.due - state.paid;
        Ok(if remaining.0 <= 0 {
            Err(("所属月份", format!("{}已交清", row.month.label())))
        } else if row.amount != remaining {
            Err(("金额（元）", format!("与应交不符：该月尚欠{remaining}")))
        } else {
            Ok(())
        })
    }

    /// Reads and checks a sheet of pay bases or bank records. Without problems, the sheet is
    /// kept (sealed) for its importer to commit.
    pub async fn preview_dues_import(
        &self,
        actor: &Actor,
        kind: SheetKind,
        bytes: Vec<u8>,
    ) -> ServiceResult<DuesImportReport> {
        self.require(actor, Permission::RecordDues, "dues.import")
            .await?;
        let _permit = self.heavy(crate::limits::Heavy::Import, actor)?;
        let rows = crate::off_workers(move || {
            parse(kind, &bytes).map_err(|m| ServiceError::invalid("file", m))
        })
        .await?;
        let mut tx = self.db().read().await?;
        let Checked {
            ready,
            problems,
            outside,
        } = self.check_dues_rows(&mut tx, actor, kind, &rows).await?;
        tx.commit().await?;
        if !outside.is_empty() {
            let event = Event::new("dues.import_preview")
                .detail(json!({ "reason": "scope", "members": outside }));
            self.record_denial(actor, event).await?;
        }
        let mut report = DuesImportReport {
            kind,
            batch: None,
            rows: rows.len(),
            problem_count: problems.len(),
            problems: problems.into_iter().take(MAX_NOTES).collect(),
            lines: ready.iter().take(MAX_NOTES).map(Ready::line).collect(),
            total: ready.iter().map(|r| r.line().amount).sum(),
        };
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        dues_imports::supersede(&mut tx, kind, &actor.login).await?;
        if report.problem_count == 0 && ready.len() == rows.len() {
            let payload =
                serde_json::to_string(&rows).map_err(|e| ServiceError::Internal(e.to_string()))?;
            let crypto = self.crypto();
            let batch =
                dues_imports::insert(&mut tx, kind, &actor.login, rows.len() as i64, now, |id| {
                    crypto.seal(&payload, &import_context(id))
                })
                .await?;
            report.batch = Some(batch);
        }
        let event = Event::new("dues.import_preview").detail(json!({
            "kind": kind.code(), "rows": report.rows, "problems": report.problem_count,
            "batch": report.batch,
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Commits a previewed sheet, every row or none: the rows are checked again (payments
    /// or assessments may have been recorded since the preview) under the ledger's lock.
    /// Returns the kind of sheet and how many rows were written.
    pub async fn commit_dues_import(
        &self,
        actor: &Actor,
        batch: i64,
    ) -> ServiceResult<(SheetKind, usize)> {
        self.require(actor, Permission::RecordDues, "dues.import")
            .await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        tx.lock_ledger().await?;
        let found = dues_imports::get(&mut tx, batch)
            .await?
            .ok_or(ServiceError::NotFound)?;
        // A sheet is committed by whoever previewed it; anyone else's answers as a missing
        // one does, and the attempt is recorded.
        if found.created_by != actor.login {
            drop(tx);
            return Err(self
                .out_of_scope(actor, "dues.import", "dues_import", batch)
                .await);
        }
        match found.status.as_str() {
            "previewed" => {}
            "committed" => {
                return Err(ServiceError::invalid(
                    "file",
                    "这份表格已经导入，不能重复导入",
                ));
            }
            _ => {
                return Err(ServiceError::invalid(
                    "file",
                    "这份表格之后又上传过新的表格，只能确认最近一次检查的表格",
                ));
            }
        }
        let sealed = found.payload_ct.ok_or(ServiceError::NotFound)?;
        let payload = self
            .crypto()
            .open(&sealed, &import_context(batch))
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let rows: Rows =
            serde_json::from_str(&payload).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let Checked {
            ready, problems, ..
        } = self
            .check_dues_rows(&mut tx, actor, found.kind, &rows)
            .await?;
        if !problems.is_empty() || ready.len() != rows.len() {
            return Err(ServiceError::invalid(
                "file",
                format!(
                    "预览后数据已有变化，{}处问题，请重新上传预览",
                    problems.len()
                ),
            ));
        }
        for item in &ready {
            match item {
                Ready::Base {
                    member,
                    row,
                    assessed,
                } => {
                    let sealed = self.seal_pay(member.id, row.from, row.pay, assessed.base)?;
                    super::put_assessment(
                        &mut tx,
                        &NewAssessment {
                            member_id: member.id,
                            from_month: row.from,
                            category: row.category,
                            pay_sealed: sealed.as_deref(),
                            monthly: assessed.monthly,
                            reason: row.reason.code(),
                            recorded_by: &actor.login,
                        },
                        now,
                    )
                    .await?;
                }
                Ready::Bank { member, row } => {
                    store::insert_payment(
                        &mut tx,
                        &NewPayment {
                            member_id: member.id,
                            org_id: member.branch_id,
                            month: row.month,
                            kind: PaymentKind::Bank,
                            amount: row.amount,
                            paid_on: row.paid_on,
                            proxy: None,
                            reason: row.reason.as_deref(),
                            to_centre: false,
                            recorded_by: &actor.login,
                            bank_ref: Some(&row.reference),
                            import_id: Some(batch),
                        },
                        now,
                    )
                    .await?;
                }
            }
        }
        if !dues_imports::committed(&mut tx, batch, now).await? {
            return Err(ServiceError::conflict(
                "file",
                "这份表格已经导入，不能重复导入",
            ));
        }
        // The rows are on the records, each with its recorder (and a payment with this
        // batch): the trail keeps the count and the sum, never the pay.
        let total: Fen = ready.iter().map(|r| r.line().amount).sum();
        let event = Event::new("dues.import")
            .object("dues_import", batch)
            .detail(json!({
                "kind": found.kind.code(), "rows": ready.len(), "total_fen": total.0,
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok((found.kind, ready.len()))
    }

    /// The template of a sheet: its columns in order, and how to fill them on a second sheet.
    pub async fn dues_import_template(
        &self,
        actor: &Actor,
        kind: SheetKind,
    ) -> ServiceResult<Vec<u8>> {
        self.require(actor, Permission::RecordDues, "dues.import")
            .await?;
        let columns = Sheet {
            name: kind.label().to_owned(),
            title: format!("{}导入模板（必填列见“填写说明”；每行一条）", kind.label()),
            headings: kind
                .columns()
                .iter()
                .map(|(name, _)| (*name).to_owned())
                .collect(),
            rows: Vec::new(),
        };
        let categories: Vec<&str> = dangjian_core::dues::DuesCategory::ALL
            .iter()
            .map(|c| c.label())
            .collect();
        let help = Sheet {
            name: "填写说明".to_owned(),
            title: "填写说明".to_owned(),
            headings: vec!["列".to_owned(), "必填".to_owned(), "说明".to_owned()],
            rows: kind
                .columns()
                .iter()
                .map(|(name, required)| {
                    let hint = match *name {
                        "姓名" => "须与系统中该党员的姓名一致".to_owned(),
                        "警号或党员编号" => {
                            "警号；没有警号的填党员详情页上的党员编号，如 DY1024".to_owned()
                        }
                        "党费类别" => categories.join("、"),
                        "起始月份" => {
                            "如 2026-01；工资变动的，填首次领取新工资的月份".to_owned()
                        }
                        "核定原因" => "年初核定、工资变动、更正".to_owned(),
                        "工资收入（元）" => {
                            "按月领取工资、年薪制、离退休的必填：工资或离退休费中固定、常规的项目"
                                .to_owned()
                        }
                        "个人所得税（元）" | "个人缴纳社保公积金（元）" => {
                            "从工资收入中扣除；无则留空".to_owned()
                        }
                        "每月金额（元）" => "农民党员必填".to_owned(),
                        "所属月份" => "所交党费的月份，如 2026-03".to_owned(),
                        "金额（元）" => "须与该月尚欠的金额一致".to_owned(),
                        "扣款日期" => "如 2026-03-05".to_owned(),
                        "银行流水号" => "银行的交易流水号；同一流水号只能导入一次".to_owned(),
                        "补交理由" => "补交超过规定月数的党费时必填".to_owned(),
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
