//! Reading a member sheet: the columns of the template, the normalisation of what people
//! type (full-width digits, stray spaces, labels instead of codes), and the problems found,
//! each at its row and column, in Chinese. The service adds what needs the database (the org
//! and unit a name refers to, numbers already stored) and the checks across rows.

use serde::Serialize;

use crate::member::{Category, Education, Ethnicity, Gender, MemberForm, MemberStatus, PoliceRank};

/// The template's columns, in order, and whether each must be filled.
pub const COLUMNS: [(&str, bool); 16] = [
    ("姓名", true),
    ("性别", true),
    ("民族", true),
    ("出生日期", true),
    ("身份证号", true),
    ("学历", false),
    ("警号", false),
    ("警衔", false),
    ("职务", false),
    ("单位", false),
    ("所在党组织", true),
    ("党员类别", true),
    ("入党日期", true),
    ("转正日期", false),
    ("手机号", false),
    ("党籍状态", false),
];

/// A problem or a warning at a row (1-based, as the spreadsheet numbers it) and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub row: u32,
    pub column: String,
    pub message: String,
}

/// Where each template column is in the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The sheet row of the header (1-based).
    pub row: u32,
    positions: Vec<Option<usize>>,
}

impl Header {
    /// Finds the header among the first rows: the first with both 姓名 and 身份证号.
    pub fn find(rows: &[Vec<String>]) -> Result<Header, String> {
        for (i, row) in rows.iter().enumerate().take(10) {
            let cells: Vec<String> = row.iter().map(|c| c.trim().to_owned()).collect();
            if cells.iter().any(|c| c == "姓名") && cells.iter().any(|c| c == "身份证号") {
                let positions = COLUMNS
                    .iter()
                    .map(|(name, _)| cells.iter().position(|c| c == name))
                    .collect::<Vec<_>>();
                let missing: Vec<&str> = COLUMNS
                    .iter()
                    .zip(&positions)
                    .filter(|((_, required), at)| *required && at.is_none())
                    .map(|((name, _), _)| *name)
                    .collect();
                if !missing.is_empty() {
                    return Err(format!("表头缺少必填列：{}", missing.join("、")));
                }
                return Ok(Header {
                    row: i as u32 + 1,
                    positions,
                });
            }
        }
        Err("前10行中找不到表头（须有“姓名”和“身份证号”列），请使用导入模板".to_owned())
    }

    fn cell<'a>(&self, row: &'a [String], column: usize) -> &'a str {
        self.positions[column]
            .and_then(|at| row.get(at))
            .map_or("", String::as_str)
    }
}

/// Full-width ASCII (digits, letters, the ideographic space) turned half-width.
pub fn half_width(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            other => other,
        })
        .collect()
}

/// A label or a code to a code: 男 → male, 大学本科 → bachelor, 正式党员 → full …
fn code_of<T: Copy>(
    value: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Option<&'static str> {
    all.iter()
        .find(|v| label(**v) == value || code(**v) == value)
        .map(|v| code(*v))
}

/// One data row read into a member form, with the warnings its normalisation raised. The
/// branch and unit are kept as typed (a code or a full name) for the service to resolve.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub row: u32,
    pub form: MemberForm,
    pub warnings: Vec<Note>,
    /// Label problems found while reading (an unknown 性别 …), reported at their column.
    pub problems: Vec<Note>,
}

/// Reads one data row. `row` is its sheet row number; dates arrive already as text.
pub fn read_row(header: &Header, row: u32, cells: &[String]) -> ImportRow {
    let mut warnings = Vec::new();
    let mut problems = Vec::new();
    let mut value = |column: usize| -> String {
        let raw = header.cell(cells, column);
        let half = half_width(raw);
        let (name, _) = COLUMNS[column];
        let compact = matches!(
            name,
            "身份证号" | "警号" | "手机号" | "出生日期" | "入党日期" | "转正日期"
        );
        let clean: String = if compact {
            half.chars().filter(|c| !c.is_whitespace()).collect()
        } else {
            half.trim().to_owned()
        };
        if clean != raw.trim() {
            warnings.push(Note {
                row,
                column: name.to_owned(),
                message: format!("已将“{}”规范为“{clean}”（全角字符或多余空格）", raw.trim()),
            });
        }
        clean
    };
    let texts: Vec<String> = (0..COLUMNS.len()).map(&mut value).collect();
    let mut coded = |column: usize, found: Option<&'static str>, what: &str| -> String {
        let text = &texts[column];
        if text.is_empty() {
            return String::new();
        }
        match found {
            Some(code) => code.to_owned(),
            None => {
                problems.push(Note {
                    row,
                    column: COLUMNS[column].0.to_owned(),
                    message: format!("无法识别的{what}“{text}”"),
                });
                String::new()
            }
        }
    };
    let gender = coded(
        1,
        code_of(&texts[1], Gender::ALL, Gender::code, Gender::label),
        "性别",
    );
    let ethnicity = match Ethnicity::parse(&texts[2]) {
        Some(e) => e.code(),
        None => coded(2, None, "民族"),
    };
    let education = coded(
        5,
        code_of(&texts[5], Education::ALL, Education::code, Education::label),
        "学历",
    );
    let police_rank = coded(
        7,
        code_of(
            &texts[7],
            PoliceRank::ALL,
            PoliceRank::code,
            PoliceRank::label,
        ),
        "警衔",
    );
    let category_text = texts[11].trim_end_matches("党员");
    let category = coded(
        11,
        Category::ALL
            .iter()
            .find(|c| {
                c.label() == texts[11]
                    || c.label().trim_end_matches("党员") == category_text
                    || c.code() == texts[11]
            })
            .map(|c| c.code()),
        "党员类别",
    );
    let status = coded(
        15,
        code_of(
            &texts[15],
            MemberStatus::ALL,
            MemberStatus::code,
            MemberStatus::label,
        ),
        "党籍状态",
    );
    let form = MemberForm {
        name: texts[0].clone(),
        gender,
        birth_date: texts[3].clone(),
        ethnicity,
        education,
        id_number: texts[4].clone(),
        phone: texts[14].clone(),
        police_number: texts[6].clone(),
        police_rank,
        position: texts[8].clone(),
        unit: texts[9].clone(),
        branch: texts[10].clone(),
        category,
        joined_on: texts[12].clone(),
        full_membership_on: texts[13].clone(),
        status,
        ..MemberForm::default()
    };
    ImportRow {
        row,
        form,
        warnings,
        problems,
    }
}

/// The column of a form field, for reporting its error where the sheet has it.
pub fn column_of(field: &str) -> &'static str {
    match field {
        "name" => "姓名",
        "gender" => "性别",
        "ethnicity" => "民族",
        "birth_date" => "出生日期",
        "id_number" => "身份证号",
        "education" => "学历",
        "police_number" => "警号",
        "police_rank" => "警衔",
        "position" => "职务",
        "unit" => "单位",
        "branch" => "所在党组织",
        "category" => "党员类别",
        "joined_on" => "入党日期",
        "full_membership_on" => "转正日期",
        "phone" => "手机号",
        "status" => "党籍状态",
        _ => "（整行）",
    }
}

/// Whether a sheet row is empty (trailing blank rows are skipped, not reported).
pub fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn header() -> Header {
        let names: Vec<String> = COLUMNS.iter().map(|(n, _)| (*n).to_owned()).collect();
        Header::find(&[vec!["党员名册".into()], names]).unwrap()
    }

    fn row(values: &[(&str, &str)]) -> Vec<String> {
        COLUMNS
            .iter()
            .map(|(name, _)| {
                values
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or("", |(_, v)| v)
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn the_header_is_found_under_a_title_and_missing_columns_are_named() {
        assert_eq!(header().row, 2);
        let err = Header::find(&[vec!["姓名".into(), "身份证号".into()]]).unwrap_err();
        assert!(err.contains("党员类别") && err.contains("所在党组织"));
        // A sheet of members without 警号 may leave the column out (issue 14, 1).
        assert!(!err.contains("警号"));
        assert!(Header::find(&[vec!["x".into()]]).is_err());
    }

    #[test]
    fn full_width_digits_and_stray_spaces_are_normalised_with_a_warning() {
        let r = read_row(
            &header(),
            3,
            &row(&[
                ("身份证号", "１１０１０５ 19491231002x"),
                ("警号", " 010203 "),
                ("性别", "女"),
            ]),
        );
        assert_eq!(r.form.id_number, "11010519491231002x");
        assert_eq!(r.form.police_number, "010203");
        assert_eq!(r.form.gender, "female");
        assert!(r.warnings.iter().any(|w| w.column == "身份证号"));
        assert!(r.problems.is_empty());
    }

    #[test]
    fn labels_become_codes_and_unknown_ones_are_problems_at_their_column() {
        let r = read_row(
            &header(),
            4,
            &row(&[
                ("学历", "大学本科"),
                ("警衔", "二级警督"),
                ("党员类别", "正式"),
                ("民族", "汉族"),
                ("性别", "未知"),
            ]),
        );
        assert_eq!(r.form.education, "bachelor");
        assert_eq!(r.form.police_rank, "supervisor_2");
        assert_eq!(r.form.category, "full");
        assert_eq!(r.form.ethnicity, "01");
        assert_eq!(
            r.problems,
            vec![Note {
                row: 4,
                column: "性别".into(),
                message: "无法识别的性别“未知”".into()
            }]
        );
    }

    /// The header is the first row with both 姓名 and 身份证号: a row with only one of them
    /// above it (a note, a half-filled title) is not taken for it.
    #[test]
    fn a_row_with_only_one_of_the_key_columns_is_not_the_header() {
        let names: Vec<String> = COLUMNS.iter().map(|(n, _)| (*n).to_owned()).collect();
        for lone in ["姓名", "身份证号"] {
            let found = Header::find(&[vec![lone.into(), "说明".into()], names.clone()]).unwrap();
            assert_eq!(found.row, 2, "{lone}");
        }
    }

    /// A form field's error is reported at the column that holds it.
    #[test]
    fn each_field_is_reported_at_its_column() {
        let fields = [
            ("name", "姓名"),
            ("gender", "性别"),
            ("ethnicity", "民族"),
            ("birth_date", "出生日期"),
            ("id_number", "身份证号"),
            ("education", "学历"),
            ("police_number", "警号"),
            ("police_rank", "警衔"),
            ("position", "职务"),
            ("unit", "单位"),
            ("branch", "所在党组织"),
            ("category", "党员类别"),
            ("joined_on", "入党日期"),
            ("full_membership_on", "转正日期"),
            ("phone", "手机号"),
            ("status", "党籍状态"),
        ];
        for (field, column) in fields {
            assert_eq!(column_of(field), column, "{field}");
            assert!(COLUMNS.iter().any(|(name, _)| *name == column), "{column}");
        }
        assert_eq!(column_of("effective_on"), "（整行）");
        assert!(is_blank(&["".into(), "  ".into()]) && is_blank(&[]));
        assert!(!is_blank(&["".into(), "张三".into()]));
    }

    /// Every column of a row reaches its field of the form, none dropped on the way.
    #[test]
    fn every_column_reaches_its_field() {
        let r = read_row(
            &header(),
            5,
            &row(&[
                ("姓名", "张三"),
                ("性别", "男"),
                ("民族", "汉族"),
                ("出生日期", "1985-03-04"),
                ("身份证号", "110105198503040011"),
                ("学历", "大学本科"),
                ("警号", "012345"),
                ("警衔", "二级警督"),
                ("职务", "所长"),
                ("单位", "U1"),
                ("所在党组织", "A1"),
                ("党员类别", "正式党员"),
                ("入党日期", "2010-07-01"),
                ("转正日期", "2011-07-01"),
                ("手机号", "13900139000"),
                ("党籍状态", "正常"),
            ]),
        );
        let f = &r.form;
        assert_eq!(
            [
                f.name.as_str(),
                &f.gender,
                &f.ethnicity,
                &f.birth_date,
                &f.id_number,
                &f.education,
                &f.police_number,
                &f.police_rank,
                &f.position,
                &f.unit,
                &f.branch,
                &f.category,
                &f.joined_on,
                &f.full_membership_on,
                &f.phone,
                &f.status,
            ],
            [
                "张三",
                "male",
                "01",
                "1985-03-04",
                "110105198503040011",
                "bachelor",
                "012345",
                "supervisor_2",
                "所长",
                "U1",
                "A1",
                "full",
                "2010-07-01",
                "2011-07-01",
                "13900139000",
                "active",
            ]
        );
        assert!(r.problems.is_empty() && r.warnings.is_empty(), "{r:?}");
        assert_eq!(r.row, 5);
    }

    proptest! {
        #[test]
        fn reading_arbitrary_cells_never_panics(cells in proptest::collection::vec(".{0,30}", 0..20)) {
            let _ = read_row(&header(), 5, &cells);
        }

        #[test]
        fn half_width_leaves_ascii_alone(s in "[ -~]{0,40}") {
            prop_assert_eq!(half_width(&s), s);
        }
    }
}
