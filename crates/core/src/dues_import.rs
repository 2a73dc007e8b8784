//! Reading the two spreadsheets a dues keeper imports (issue 17, item 6): members' pay and
//! categories from the finance office, and the bank's collection records. Everything here
//! needs no database: the header is found, each row read into typed values or into problems
//! at its row and column. The service then finds each member within scope and checks each
//! row against the ledger, and commits a sheet only whole.

use chrono::NaiveDate;

use crate::dues::{DuesCategory, Month, Pay};
use crate::import::{Note, half_width, is_blank};
use crate::member::{MemberRef, parse_date};
use crate::money::Fen;

labelled_enum! {
    /// Which sheet: the pay bases, or the bank's records of dues collected.
    pub enum SheetKind {
        Bases = ("bases", "党费基数"),
        Bank = ("bank", "银行代收记录"),
    }
}

labelled_enum! {
    /// Why an assessment was made, as the base sheet names it (the codes the service stores).
    pub enum BaseReason {
        Annual = ("annual", "年初核定"),
        PayChange = ("pay_change", "工资变动"),
        Correction = ("correction", "更正"),
    }
}

/// The base sheet's columns in template order: (heading, required).
pub const BASE_COLUMNS: &[(&str, bool)] = &[
    ("姓名", true),
    ("警号或党员编号", true),
    ("党费类别", true),
    ("起始月份", true),
    ("核定原因", true),
    ("工资收入（元）", false),
    ("个人所得税（元）", false),
    ("个人缴纳社保公积金（元）", false),
    ("每月金额（元）", false),
];

/// The bank sheet's columns in template order: (heading, required).
pub const BANK_COLUMNS: &[(&str, bool)] = &[
    ("姓名", true),
    ("警号或党员编号", true),
    ("所属月份", true),
    ("金额（元）", true),
    ("扣款日期", true),
    ("银行流水号", true),
    ("补交理由", false),
];

/// The longest name, reference and reason a row may hold.
const NAME_MAX: usize = 50;
const REFERENCE_MAX: usize = 64;
const REASON_MAX: usize = 1000;

impl SheetKind {
    pub fn columns(self) -> &'static [(&'static str, bool)] {
        match self {
            SheetKind::Bases => BASE_COLUMNS,
            SheetKind::Bank => BANK_COLUMNS,
        }
    }
}

/// Where each of a sheet's columns is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetHeader {
    /// The sheet row of the header (1-based).
    pub row: u32,
    positions: Vec<Option<usize>>,
}

impl SheetHeader {
    /// The column of `heading` in the template, as the sheet's cells hold it.
    fn cell<'a>(&self, kind: SheetKind, cells: &'a [String], heading: &str) -> &'a str {
        kind.columns()
            .iter()
            .position(|(name, _)| *name == heading)
            .and_then(|column| self.positions[column])
            .and_then(|at| cells.get(at))
            .map_or("", String::as_str)
    }

    /// A data row's cells in template order (what a previewed batch keeps).
    pub fn in_template_order(&self, cells: &[String]) -> Vec<String> {
        self.positions
            .iter()
            .map(|at| at.and_then(|i| cells.get(i)).cloned().unwrap_or_default())
            .collect()
    }

    /// The header of cells already in template order.
    pub fn template(kind: SheetKind) -> SheetHeader {
        SheetHeader {
            row: 1,
            positions: (0..kind.columns().len()).map(Some).collect(),
        }
    }
}

/// A heading as compared: half-width, without spaces (（元） and (元) are one heading).
fn heading(raw: &str) -> String {
    half_width(raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Finds the header among the first ten rows: the row that has 姓名 and 警号或党员编号.
pub fn find_header(kind: SheetKind, rows: &[Vec<String>]) -> Result<SheetHeader, String> {
    for (i, row) in rows.iter().enumerate().take(10) {
        let cells: Vec<String> = row.iter().map(|c| heading(c)).collect();
        let at = |name: &str| cells.iter().position(|c| *c == heading(name));
        if at("姓名").is_none() || at("警号或党员编号").is_none() {
            continue;
        }
        let positions: Vec<Option<usize>> =
            kind.columns().iter().map(|(name, _)| at(name)).collect();
        let missing: Vec<&str> = kind
            .columns()
            .iter()
            .zip(&positions)
            .filter(|((_, required), found)| *required && found.is_none())
            .map(|((name, _), _)| *name)
            .collect();
        if !missing.is_empty() {
            return Err(format!("表头缺少必填列：{}", missing.join("、")));
        }
        return Ok(SheetHeader {
            row: i as u32 + 1,
            positions,
        });
    }
    Err(format!(
        "前10行中找不到表头（须有“姓名”和“警号或党员编号”列），请使用{}导入模板",
        kind.label()
    ))
}

/// The data rows under the header, with their sheet row numbers; blank rows skipped.
pub fn data_rows(header: &SheetHeader, rows: Vec<Vec<String>>) -> Vec<(u32, Vec<String>)> {
    rows.into_iter()
        .enumerate()
        .skip(header.row as usize)
        .filter(|(_, cells)| !is_blank(cells))
        .map(|(i, cells)| (i as u32 + 1, cells))
        .collect()
}

/// A month as sheets write it: `2026-03`, `2026-3`, `2026/03`, `2026.03`, `2026年3月`,
/// `202603`, or a day of it (`2026-03-01`).
pub fn parse_month(raw: &str) -> Option<Month> {
    let text: String = half_width(raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
        return Month::new(text[..4].parse().ok()?, text[4..].parse().ok()?);
    }
    if let Ok(day) = parse_date(&text) {
        return Some(Month::of(day));
    }
    let text = text
        .replace(['/', '.', '年'], "-")
        .trim_end_matches('月')
        .to_owned();
    Month::parse(&text)
}

/// Who a row is about: the member by 警号 or 党员编号, and the name the sheet gives, which
/// must be that member's (a wrong number is caught, not paid to someone else).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub name: String,
    pub member: MemberRef,
}

/// A row of the base sheet, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseRow {
    pub row: u32,
    pub who: Who,
    pub category: DuesCategory,
    pub from: Month,
    pub reason: BaseReason,
    /// For the categories with a base.
    pub pay: Option<Pay>,
    /// A farmer's chosen monthly amount.
    pub amount: Option<Fen>,
}

/// A row of the bank sheet, read: one member's dues of one month, collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankRow {
    pub row: u32,
    pub who: Who,
    pub month: Month,
    pub amount: Fen,
    pub paid_on: NaiveDate,
    pub reference: String,
    pub reason: Option<String>,
}

/// Collects the problems of one row.
struct Reader<'a> {
    kind: SheetKind,
    header: &'a SheetHeader,
    row: u32,
    cells: &'a [String],
    problems: Vec<Note>,
}

impl Reader<'_> {
    fn text(&self, column: &str) -> String {
        half_width(self.header.cell(self.kind, self.cells, column))
            .trim()
            .to_owned()
    }

    fn problem(&mut self, column: &str, message: impl Into<String>) {
        self.problems.push(Note {
            row: self.row,
            column: column.to_owned(),
            message: message.into(),
        });
    }

    fn required(&mut self, column: &str) -> Option<String> {
        let value = self.text(column);
        if value.is_empty() {
            self.problem(column, format!("请填写{}", column_name(column)));
            return None;
        }
        Some(value)
    }

    fn who(&mut self) -> Option<Who> {
        let name = self.required("姓名");
        if name.as_ref().is_some_and(|n| n.chars().count() > NAME_MAX) {
            self.problem("姓名", format!("姓名不能超过{NAME_MAX}字"));
        }
        let number: String = self
            .text("警号或党员编号")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let member = match MemberRef::parse(&number) {
            Ok(member) => Some(member),
            Err(e) => {
                self.problem("警号或党员编号", e.to_string());
                None
            }
        };
        Some(Who {
            name: name?,
            member: member?,
        })
    }

    fn month(&mut self, column: &str) -> Option<Month> {
        let raw = self.required(column)?;
        let month = parse_month(&raw);
        if month.is_none() {
            self.problem(column, "月份格式为 2026-03");
        }
        month
    }

    fn money(&mut self, column: &str, required: bool) -> Option<Fen> {
        let raw = self.text(column);
        if raw.is_empty() && !required {
            return None;
        }
        match Fen::parse_yuan(&raw) {
            Ok(fen) => Some(fen),
            Err(message) => {
                self.problem(column, message);
                None
            }
        }
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, Vec<Note>> {
        match value {
            Some(value) if self.problems.is_empty() => Ok(value),
            _ => Err(self.problems),
        }
    }
}

/// `工资收入（元）` as a message names it: `工资收入`.
fn column_name(column: &str) -> &str {
    column.split('（').next().unwrap_or(column)
}

/// A label or a code; a label may carry a note in brackets (工资变动（自首次领取新工资之月起）).
fn labelled<T: Copy>(
    value: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Option<T> {
    all.iter().copied().find(|v| {
        let bare = value.split(['(', '（']).next().unwrap_or(value).trim();
        label(*v) == value || label(*v) == bare || code(*v) == value
    })
}

fn category(value: &str) -> Option<DuesCategory> {
    match value {
        "在职" => Some(DuesCategory::Employed),
        "退休" | "离休" => Some(DuesCategory::Retired),
        other => labelled(
            other,
            DuesCategory::ALL,
            DuesCategory::code,
            DuesCategory::label,
        ),
    }
}

/// Reads a row of the base sheet.
pub fn read_base(header: &SheetHeader, row: u32, cells: &[String]) -> Result<BaseRow, Vec<Note>> {
    let mut r = Reader {
        kind: SheetKind::Bases,
        header,
        row,
        cells,
        problems: Vec::new(),
    };
    let who = r.who();
    let category = r.required("党费类别").and_then(|value| {
        let found = category(&value);
        if found.is_none() {
            let all: Vec<&str> = DuesCategory::ALL.iter().map(|c| c.label()).collect();
            r.problem("党费类别", format!("应为：{}", all.join("、")));
        }
        found
    });
    let from = r.month("起始月份");
    let reason = r.required("核定原因").and_then(|value| {
        let found = labelled(&value, BaseReason::ALL, BaseReason::code, BaseReason::label);
        if found.is_none() {
            r.problem("核定原因", "应为：年初核定、工资变动、更正");
        }
        found
    });
    let with_base = category.is_some_and(DuesCategory::has_base);
    let pay = if with_base {
        let income = r.money("工资收入（元）", true);
        let income_tax = r.money("个人所得税（元）", false).unwrap_or_default();
        let insurance = r
            .money("个人缴纳社保公积金（元）", false)
            .unwrap_or_default();
        income.map(|income| Pay {
            income,
            income_tax,
            insurance,
        })
    } else {
        None
    };
    let farmer = category == Some(DuesCategory::Farmer);
    let amount = if farmer {
        r.money("每月金额（元）", true)
    } else {
        None
    };
    let read = (|| {
        Some(BaseRow {
            row,
            who: who?,
            category: category?,
            from: from?,
            reason: reason?,
            pay: if with_base { Some(pay?) } else { None },
            amount: if farmer { Some(amount?) } else { None },
        })
    })();
    r.finish(read)
}

/// Reads a row of the bank sheet.
pub fn read_bank(header: &SheetHeader, row: u32, cells: &[String]) -> Result<BankRow, Vec<Note>> {
    let mut r = Reader {
        kind: SheetKind::Bank,
        header,
        row,
        cells,
        problems: Vec::new(),
    };
    let who = r.who();
    let month = r.month("所属月份");
    let amount = r.money("金额（元）", true);
    if amount == Some(Fen::ZERO) {
        r.problem("金额（元）", "金额须大于0");
    }
    let paid_on = r
        .required("扣款日期")
        .and_then(|raw| match parse_date(&raw) {
            Ok(day) => Some(day),
            Err(e) => {
                r.problem("扣款日期", e.to_string());
                None
            }
        });
    let reference = r.required("银行流水号");
    if reference.as_ref().is_some_and(|text| {
        text.len() > REFERENCE_MAX
            || !text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }) {
        r.problem(
            "银行流水号",
            format!("流水号为{REFERENCE_MAX}位以内的字母、数字或连字符"),
        );
    }
    let reason = Some(r.text("补交理由")).filter(|t| !t.is_empty());
    if reason
        .as_ref()
        .is_some_and(|t| t.chars().count() > REASON_MAX)
    {
        r.problem("补交理由", format!("补交理由不能超过{REASON_MAX}字"));
    }
    let read = (|| {
        Some(BankRow {
            row,
            who: who?,
            month: month?,
            amount: amount?,
            paid_on: paid_on?,
            reference: reference?,
            reason,
        })
    })();
    r.finish(read)
}

/// The heading a field refusal of the ledger's checks belongs under, on each sheet.
pub fn column_of(kind: SheetKind, field: &str) -> &'static str {
    match (kind, field) {
        (_, "category") => "党费类别",
        (SheetKind::Bases, "from_month") => "起始月份",
        (_, "income") => "工资收入（元）",
        (_, "income_tax") => "个人所得税（元）",
        (_, "insurance") => "个人缴纳社保公积金（元）",
        (SheetKind::Bases, "amount") => "每月金额（元）",
        (SheetKind::Bank, "amount") => "金额（元）",
        (SheetKind::Bank, "from_month" | "month") => "所属月份",
        (SheetKind::Bank, "reason") => "补交理由",
        (SheetKind::Bank, "paid_on") => "扣款日期",
        _ => "（整行）",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cells(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    fn headings(kind: SheetKind) -> Vec<String> {
        kind.columns()
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect()
    }

    fn bank(values: &[&str]) -> Result<BankRow, Vec<Note>> {
        read_bank(&SheetHeader::template(SheetKind::Bank), 5, &cells(values))
    }

    fn base(values: &[&str]) -> Result<BaseRow, Vec<Note>> {
        read_base(&SheetHeader::template(SheetKind::Bases), 5, &cells(values))
    }

    fn columns(notes: &[Note]) -> Vec<&str> {
        notes.iter().map(|n| n.column.as_str()).collect()
    }

    #[test]
    fn the_header_is_found_under_a_title_in_any_order_and_width() {
        let mut shuffled = headings(SheetKind::Bank);
        shuffled.reverse();
        shuffled[3] = "金额(元)".to_owned();
        let header = find_header(
            SheetKind::Bank,
            &[cells(&["2026年3月代收党费"]), cells(&[]), shuffled.clone()],
        )
        .unwrap();
        assert_eq!(header.row, 3);
        let row: Vec<String> = cells(&[
            "",
            "B-1",
            "2026-03-05",
            "25.00",
            "2026-03",
            "200001",
            "张三",
        ]);
        assert_eq!(
            header.in_template_order(&row),
            cells(&[
                "张三",
                "200001",
                "2026-03",
                "25.00",
                "2026-03-05",
                "B-1",
                ""
            ])
        );
    }

    #[test]
    fn a_missing_column_or_header_is_named() {
        let mut short = headings(SheetKind::Bases);
        short.retain(|h| h != "起始月份" && h != "核定原因");
        assert_eq!(
            find_header(SheetKind::Bases, &[short]).unwrap_err(),
            "表头缺少必填列：起始月份、核定原因"
        );
        let no_header = find_header(SheetKind::Bank, &[cells(&["姓名", "身份证号"])]).unwrap_err();
        assert!(no_header.contains("银行代收记录导入模板"), "{no_header}");
        // The header is looked for in the first ten rows only.
        let mut late = vec![cells(&["x"]); 10];
        late.push(headings(SheetKind::Bank));
        assert!(find_header(SheetKind::Bank, &late).is_err());
    }

    #[test]
    fn data_rows_keep_their_sheet_numbers_and_skip_blank_ones() {
        let header = SheetHeader {
            row: 2,
            positions: vec![],
        };
        let rows = vec![
            cells(&["title"]),
            cells(&["姓名"]),
            cells(&["a"]),
            cells(&["", " "]),
            cells(&["b"]),
        ];
        let got: Vec<u32> = data_rows(&header, rows)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(got, vec![3, 5]);
    }

    #[test]
    fn months_are_read_as_sheets_write_them() {
        let march = Month::new(2026, 3);
        for raw in [
            "2026-03",
            "2026-3",
            "2026/03",
            "2026.3",
            "2026年3月",
            "202603",
            "2026-03-01",
            " ２０２６-03 ",
        ] {
            assert_eq!(parse_month(raw), march, "{raw}");
        }
        for raw in [
            "",
            "2026",
            "2026-13",
            "202613",
            "26-03",
            "三月",
            "2026-03-32",
        ] {
            assert_eq!(parse_month(raw), None, "{raw}");
        }
    }

    #[test]
    fn a_bank_row_is_read_whole() {
        let row = bank(&[
            "张三",
            "２０００01",
            "2026-03",
            "25.50",
            "2026/03/05",
            "ICBC-0001",
            "",
        ])
        .unwrap();
        assert_eq!(row.row, 5);
        assert_eq!(row.who.name, "张三");
        assert_eq!(row.who.member, MemberRef::parse("200001").unwrap());
        assert_eq!(row.month, Month::new(2026, 3).unwrap());
        assert_eq!(row.amount, Fen(2550));
        assert_eq!(row.paid_on, NaiveDate::from_ymd_opt(2026, 3, 5).unwrap());
        assert_eq!(row.reference, "ICBC-0001");
        assert_eq!(row.reason, None);
        let by_record =
            bank(&["李四", "dy12", "2026-03", "3", "2026-03-05", "X1", "出差"]).unwrap();
        assert_eq!(by_record.who.member, MemberRef::Record(12));
        assert_eq!(by_record.reason.as_deref(), Some("出差"));
    }

    #[test]
    fn every_bad_bank_cell_is_a_problem_at_its_column() {
        let notes = bank(&["", "12", "2026-13", "0", "昨天", "流水 1", ""]).unwrap_err();
        assert_eq!(
            columns(&notes),
            vec![
                "姓名",
                "警号或党员编号",
                "所属月份",
                "金额（元）",
                "扣款日期",
                "银行流水号"
            ]
        );
        assert!(notes.iter().all(|n| n.row == 5));
        let notes =
            bank(&["张三", "200001", "2026-03", "1.234", "2026-03-05", "X", ""]).unwrap_err();
        assert_eq!(notes[0].message, "金额最多到分（两位小数）");
        let long = "1".repeat(65);
        let notes = bank(&["张三", "200001", "2026-03", "1", "2026-03-05", &long, ""]).unwrap_err();
        assert_eq!(columns(&notes), vec!["银行流水号"]);
        let essay = "长".repeat(1001);
        let notes =
            bank(&["张三", "200001", "2026-03", "1", "2026-03-05", "X", &essay]).unwrap_err();
        assert_eq!(columns(&notes), vec!["补交理由"]);
        let notes = bank(&[
            &"名".repeat(51),
            "200001",
            "2026-03",
            "1",
            "2026-03-05",
            "X",
            "",
        ])
        .unwrap_err();
        assert_eq!(notes[0].message, "姓名不能超过50字");
        // At the limits, accepted.
        let longest = bank(&[
            &"名".repeat(50),
            "200001",
            "2026-03",
            "1",
            "2026-03-05",
            &"9".repeat(64),
            &"因".repeat(1000),
        ]);
        assert!(longest.is_ok(), "{longest:?}");
        let notes = bank(&["张三"]).unwrap_err();
        assert_eq!(notes.len(), 5, "{notes:?}");
        assert_eq!(notes[1].message, "请填写所属月份");
    }

    #[test]
    fn a_base_row_reads_pay_for_the_categories_with_a_base_only() {
        let employed = base(&[
            "张三",
            "200001",
            "按月领取工资",
            "2026-01",
            "年初核定",
            "8,000.00",
            "120",
            "",
            "",
        ])
        .unwrap();
        assert_eq!(employed.category, DuesCategory::Employed);
        assert_eq!(employed.reason, BaseReason::Annual);
        assert_eq!(
            employed.pay,
            Some(Pay {
                income: Fen(800_000),
                income_tax: Fen(12_000),
                insurance: Fen::ZERO,
            })
        );
        assert_eq!(employed.amount, None);
        let retired = base(&[
            "李四",
            "200002",
            "退休",
            "2026-07",
            "工资变动",
            "5000",
            "",
            "",
            "",
        ])
        .unwrap();
        assert_eq!(retired.category, DuesCategory::Retired);
        assert_eq!(retired.reason, BaseReason::PayChange);
        let student = base(&[
            "王五",
            "DY3",
            "student",
            "2026-01",
            "correction",
            "9",
            "",
            "",
            "",
        ])
        .unwrap();
        assert_eq!(
            (student.category, student.pay),
            (DuesCategory::Student, None)
        );
        let farmer = base(&[
            "赵六",
            "DY4",
            "农民",
            "2026-01",
            "年初核定",
            "",
            "",
            "",
            "2",
        ])
        .unwrap();
        assert_eq!(farmer.amount, Some(Fen(200)));
        // The full label of a reason is taken too.
        let full = base(&[
            "赵六",
            "DY4",
            "学生",
            "2026-01",
            "工资变动（自首次领取新工资之月起）",
            "",
            "",
            "",
            "",
        ]);
        assert_eq!(full.unwrap().reason, BaseReason::PayChange);
    }

    #[test]
    fn every_bad_base_cell_is_a_problem_at_its_column() {
        let notes =
            base(&["张三", "200001", "公务员", "2026", "调整", "", "", "", ""]).unwrap_err();
        assert_eq!(columns(&notes), vec!["党费类别", "起始月份", "核定原因"]);
        assert!(notes[0].message.starts_with("应为：按月领取工资"));
        let notes = base(&[
            "张三",
            "200001",
            "在职",
            "2026-01",
            "年初核定",
            "",
            "x",
            "",
            "",
        ])
        .unwrap_err();
        assert_eq!(columns(&notes), vec!["工资收入（元）", "个人所得税（元）"]);
        assert_eq!(notes[0].message, "请填写金额");
        let notes = base(&[
            "张三",
            "200001",
            "农民",
            "2026-01",
            "年初核定",
            "",
            "",
            "",
            "",
        ])
        .unwrap_err();
        assert_eq!(columns(&notes), vec!["每月金额（元）"]);
    }

    #[test]
    fn ledger_refusals_land_under_their_column() {
        assert_eq!(column_of(SheetKind::Bank, "reason"), "补交理由");
        assert_eq!(column_of(SheetKind::Bank, "from_month"), "所属月份");
        assert_eq!(column_of(SheetKind::Bases, "from_month"), "起始月份");
        assert_eq!(column_of(SheetKind::Bases, "amount"), "每月金额（元）");
        assert_eq!(column_of(SheetKind::Bank, "amount"), "金额（元）");
        assert_eq!(column_of(SheetKind::Bases, "income"), "工资收入（元）");
        assert_eq!(
            column_of(SheetKind::Bases, "income_tax"),
            "个人所得税（元）"
        );
        assert_eq!(
            column_of(SheetKind::Bases, "insurance"),
            "个人缴纳社保公积金（元）"
        );
        assert_eq!(column_of(SheetKind::Bank, "paid_on"), "扣款日期");
        assert_eq!(column_of(SheetKind::Bases, "category"), "党费类别");
        assert_eq!(column_of(SheetKind::Bases, "anything"), "（整行）");
    }

    proptest! {
        /// Any cells at all read into a row or into problems at the sheet's own columns.
        #[test]
        fn any_cells_read_or_say_where(values in proptest::collection::vec(".{0,12}", 0..10)) {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            for kind in SheetKind::ALL {
                let header = SheetHeader::template(*kind);
                let notes = match kind {
                    SheetKind::Bases => read_base(&header, 2, &cells(&values)).err(),
                    SheetKind::Bank => read_bank(&header, 2, &cells(&values)).err(),
                };
                for note in notes.unwrap_or_default() {
                    prop_assert!(kind.columns().iter().any(|(c, _)| *c == note.column));
                    prop_assert_eq!(note.row, 2);
                    prop_assert!(!note.message.is_empty());
                }
            }
        }
    }
}
