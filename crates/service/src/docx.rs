//! Word documents (.docx) for ledgers that are printed and filed: headings, paragraphs and
//! bordered tables in WordprocessingML, zipped. Like the spreadsheets, every document carries
//! the exporter's watermark line, and text is escaped, never interpreted.

use std::io::Write;

use chrono::{DateTime, Utc};

use crate::error::{ServiceError, ServiceResult};
use crate::excel::watermark;

/// A part of a document, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    Table {
        headings: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// Text as XML character data: markup characters escaped, characters XML cannot hold dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A run of text; line breaks become `<w:br/>`.
fn runs(text: &str, props: &str) -> String {
    text.split('\n')
        .enumerate()
        .map(|(i, line)| {
            let br = if i > 0 { "<w:br/>" } else { "" };
            format!(
                "<w:r>{props}{br}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
                escape(line)
            )
        })
        .collect()
}

fn paragraph(text: &str, props: &str) -> String {
    format!("<w:p>{}</w:p>", runs(text, props))
}

const FONT: &str = "<w:rFonts w:ascii=\"SimSun\" w:hAnsi=\"SimSun\" w:eastAsia=\"SimSun\"/>";

fn table(headings: &[String], rows: &[Vec<String>]) -> String {
    let border = "w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"";
    let mut xml = format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:tblBorders>\
         <w:top {border}/><w:left {border}/><w:bottom {border}/><w:right {border}/>\
         <w:insideH {border}/><w:insideV {border}/></w:tblBorders></w:tblPr>"
    );
    let cell = |text: &str, bold: bool| {
        let props = if bold {
            format!("<w:rPr>{FONT}<w:b/><w:sz w:val=\"20\"/></w:rPr>")
        } else {
            format!("<w:rPr>{FONT}<w:sz w:val=\"20\"/></w:rPr>")
        };
        format!("<w:tc>{}</w:tc>", paragraph(text, &props))
    };
    xml.push_str("<w:tr><w:trPr><w:tblHeader/></w:trPr>");
    for h in headings {
        xml.push_str(&cell(h, true));
    }
    xml.push_str("</w:tr>");
    for row in rows {
        xml.push_str("<w:tr>");
        for c in row {
            xml.push_str(&cell(c, false));
        }
        xml.push_str("</w:tr>");
    }
    xml.push_str("</w:tbl><w:p/>");
    xml
}

fn body(title: &str, blocks: &[Block], mark: &str) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>",
    );
    xml.push_str(&format!(
        "<w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr>{}</w:p>",
        runs(
            title,
            &format!("<w:rPr>{FONT}<w:b/><w:sz w:val=\"36\"/></w:rPr>")
        )
    ));
    xml.push_str(&paragraph(
        mark,
        &format!("<w:rPr>{FONT}<w:color w:val=\"808080\"/><w:sz w:val=\"18\"/></w:rPr>"),
    ));
    for block in blocks {
        match block {
            Block::Heading(text) => xml.push_str(&paragraph(
                text,
                &format!("<w:rPr>{FONT}<w:b/><w:sz w:val=\"28\"/></w:rPr>"),
            )),
            Block::Paragraph(text) => {
                xml.push_str(&paragraph(text, &format!("<w:rPr>{FONT}</w:rPr>")))
            }
            Block::Table { headings, rows } => xml.push_str(&table(headings, rows)),
        }
    }
    // A4 landscape: ledgers are wide tables.
    xml.push_str(
        "<w:sectPr><w:pgSz w:w=\"16838\" w:h=\"11906\" w:orient=\"landscape\"/>\
         <w:pgMar w:top=\"1134\" w:right=\"1134\" w:bottom=\"1134\" w:left=\"1134\" w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/>\
         </w:sectPr></w:body></w:document>",
    );
    xml
}

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
</Types>";

const RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
</Relationships>";

/// Writes a document titled `title` with the watermark of `login` at `at`.
pub fn document(
    title: &str,
    blocks: &[Block],
    login: &str,
    at: DateTime<Utc>,
) -> ServiceResult<Vec<u8>> {
    let error = |e: &dyn std::fmt::Display| ServiceError::Internal(format!("docx: {e}"));
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let document = body(title, blocks, &watermark(login, at));
        for (name, content) in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("word/document.xml", document.as_str()),
        ] {
            zip.start_file(name, options).map_err(|e| error(&e))?;
            zip.write_all(content.as_bytes()).map_err(|e| error(&e))?;
        }
        zip.finish().map_err(|e| error(&e))?;
    }
    Ok(buffer.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn markup_in_the_text_stays_text() {
        let xml = body(
            "台账",
            &[Block::Paragraph("<w:p>&\u{1}\"第一行\n第二行".to_owned())],
            "mark",
        );
        assert!(xml.contains("&lt;w:p&gt;&amp;&quot;第一行"));
        assert!(xml.contains("<w:br/>"));
        assert!(!xml.contains('\u{1}'));
    }

    #[test]
    fn the_document_is_a_zip_with_the_three_parts_and_the_table() {
        let bytes = document(
            "2026年组织生活台账",
            &[
                Block::Heading("主题党日".to_owned()),
                Block::Table {
                    headings: vec!["日期".to_owned(), "议题".to_owned()],
                    rows: vec![vec!["2026-03-20".to_owned(), "学习党章".to_owned()]],
                },
            ],
            "sec_a1",
            chrono::Utc::now(),
        )
        .unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut names: Vec<String> = archive
            .file_names()
            .map(|n| n.unwrap().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["[Content_Types].xml", "_rels/.rels", "word/document.xml"]
        );
        let mut xml = String::new();
        archive
            .by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(xml.contains("学习党章") && xml.contains("导出人：sec_a1"));
        assert!(xml.contains("<w:tbl>"));
    }
}
