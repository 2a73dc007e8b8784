//! Spreadsheets: exports written with rust_xlsxwriter. Every exported sheet carries a
//! watermark line (who exported it and when), text cells are written as text (never
//! formulas), and each export is audited by the use case that makes it.

use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet};

use crate::error::{ServiceError, ServiceResult};

fn error(e: rust_xlsxwriter::XlsxError) -> ServiceError {
    ServiceError::Internal(format!("xlsx: {e}"))
}

/// One sheet to write: a title, the column headings and the rows.
pub struct Sheet {
    pub name: String,
    pub title: String,
    pub headings: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A cell: text, a number, or money (whole fen, shown as yuan with two decimals and summed
/// as a number by whoever opens the sheet).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Money(dangjian_core::money::Fen),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        Cell::Number(n as f64)
    }
}

/// The watermark line: who exported, when (Beijing time).
pub fn watermark(login: &str, at: DateTime<Utc>) -> String {
    let local = dangjian_core::clock::local_time(at).format("%Y-%m-%d %H:%M");
    format!("导出人：{login}　导出时间：{local}　内部资料，注意保密")
}

fn write_sheet(
    sheet: &mut Worksheet,
    s: &Sheet,
    mark: &str,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    // 宋体 as offices print; the table ruled, long text wrapped within its column.
    let font = || Format::new().set_font_name("宋体");
    let ruled = || font().set_border(FormatBorder::Thin);
    let bold = ruled().set_bold().set_text_wrap();
    let title = font().set_bold().set_font_size(14);
    let grey = font().set_font_color(rust_xlsxwriter::Color::Gray);
    let text = ruled().set_text_wrap();
    let number = ruled();
    let money = ruled().set_num_format("#,##0.00");
    sheet.set_name(&s.name)?;
    sheet.write_string_with_format(0, 0, &s.title, &title)?;
    sheet.write_string_with_format(1, 0, mark, &grey)?;
    sheet.set_header(format!("&L{}&R&P / &N", mark.replace('&', "&&")));
    // Printed as an office files it: A4, every column on one page's width (landscape when
    // the columns are many), the headings again at the top of each page.
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(3, 3)?;
    // The headings stay in sight while the rows scroll.
    sheet.set_freeze_panes(4, 0)?;
    let mut total_width = 0.0;
    for (col, heading) in s.headings.iter().enumerate() {
        // As wide as the longest heading or text in the column (a CJK character is about
        // two widths), so that a printed sheet cuts nothing off.
        let longest = s
            .rows
            .iter()
            .filter_map(|row| match row.get(col) {
                Some(Cell::Text(value)) => Some(value.chars().count()),
                _ => None,
            })
            .chain(std::iter::once(heading.chars().count()))
            .max()
            .unwrap_or(0);
        let col = col as u16;
        sheet.write_string_with_format(3, col, heading, &bold)?;
        let width = (longest as f64 * 2.2).clamp(10.0, 60.0);
        total_width += width;
        sheet.set_column_width(col, width)?;
    }
    // About 90 characters fit across a portrait A4 page at the default font.
    if total_width > 90.0 {
        sheet.set_landscape();
    }
    for (r, row) in s.rows.iter().enumerate() {
        let r = r as u32 + 4;
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(value) => sheet.write_string_with_format(r, c as u16, value, &text)?,
                Cell::Number(n) => sheet.write_number_with_format(r, c as u16, *n, &number)?,
                // Exact: a fen count below 2^53 divides to the nearest double of its yuan.
                Cell::Money(fen) => {
                    sheet.write_number_with_format(r, c as u16, fen.0 as f64 / 100.0, &money)?
                }
            };
        }
    }
    Ok(())
}

/// Writes a workbook of `sheets` with the watermark of `login` at `at`.
pub fn workbook(sheets: &[Sheet], login: &str, at: DateTime<Utc>) -> ServiceResult<Vec<u8>> {
    let mark = watermark(login, at);
    let mut book = Workbook::new();
    for s in sheets {
        let sheet = book.add_worksheet();
        write_sheet(sheet, s, &mark).map_err(error)?;
    }
    book.save_to_buffer().map_err(error)
}
