//! Bounded, clean text. Every free-text field has a length limit and refuses control
//! characters (a line break is allowed only in long text), so nothing odd reaches the
//! database, the logs or an exported spreadsheet.

use std::fmt;

/// Why a text value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("请填写{0}")]
    Missing(&'static str),
    #[error("{label}不能超过{max}个字")]
    TooLong { label: &'static str, max: usize },
    #[error("{0}含有不允许的控制字符")]
    ControlCharacter(&'static str),
    #[error("{0}含有不可见的格式字符（如改变文字方向的字符），请删除后重新输入")]
    FormatCharacter(&'static str),
    #[error("姓名只能包含文字、间隔号“·”和空格")]
    NameCharacters,
}

/// Trims `raw` and checks it: not empty, at most `max` characters, no control characters.
/// `label` is the Chinese field name used in the message.
pub fn required(raw: &str, label: &'static str, max: usize) -> Result<String, TextError> {
    optional(raw, label, max)?.ok_or(TextError::Missing(label))
}

/// Like [`required`], but an empty value is `None`.
pub fn optional(raw: &str, label: &'static str, max: usize) -> Result<Option<String>, TextError> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > max {
        return Err(TextError::TooLong { label, max });
    }
    if value.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter(label));
    }
    if value.chars().any(is_format) {
        return Err(TextError::FormatCharacter(label));
    }
    Ok(Some(value.to_owned()))
}

/// Like [`optional`] for text that may run over several lines (materials, a chapter's text):
/// line breaks and tabs are kept, a Windows line break becomes `\n`; other control
/// characters and format characters are refused.
pub fn optional_long(
    raw: &str,
    label: &'static str,
    max: usize,
) -> Result<Option<String>, TextError> {
    let value = raw.trim().replace("\r\n", "\n");
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > max {
        return Err(TextError::TooLong { label, max });
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(TextError::ControlCharacter(label));
    }
    if value.chars().any(is_format) {
        return Err(TextError::FormatCharacter(label));
    }
    Ok(Some(value))
}

/// Like [`optional_long`], but an empty value is refused.
pub fn required_long(raw: &str, label: &'static str, max: usize) -> Result<String, TextError> {
    optional_long(raw, label, max)?.ok_or(TextError::Missing(label))
}

/// Unicode's format characters (general category Cf, Unicode 15.1): invisible, and some of
/// them reorder what follows (U+202E turns `cod.exe` into what reads as `exe.doc`). One-line
/// values — names, titles, places, file names — never need them.
pub fn is_format(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

/// The format characters that change the direction of text (embeddings, overrides,
/// isolates and marks). Refused even in long text, where pasted minutes may carry harmless
/// zero-width characters but never a reason to display text in another order than stored.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        u32::from(c),
        0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069
    )
}

/// A person's name as written on their ID card: 1 to 30 characters, letters (including
/// Chinese), the middle dot used in minority and foreign names, and spaces between Latin words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 30;

    pub fn parse(raw: &str) -> Result<Self, TextError> {
        let value = required(raw, "姓名", Self::MAX_CHARS)?;
        let allowed = |c: char| c.is_alphabetic() || c == '·' || c == '•' || c == ' ';
        if !value.chars().all(allowed) {
            return Err(TextError::NameCharacters);
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_keeps_its_lines_and_refuses_the_rest() {
        assert_eq!(
            required_long(" 第一段\r\n\n第二段\t完 ", "正文", 20),
            Ok("第一段\n\n第二段\t完".to_owned())
        );
        assert_eq!(optional_long("  ", "正文", 20), Ok(None));
        assert_eq!(
            required_long("", "正文", 20),
            Err(TextError::Missing("正文"))
        );
        assert_eq!(
            required_long("a\u{7}b", "正文", 20),
            Err(TextError::ControlCharacter("正文"))
        );
        assert_eq!(
            required_long("a\u{202e}b", "正文", 20),
            Err(TextError::FormatCharacter("正文"))
        );
        assert_eq!(
            required_long("一二三", "正文", 2),
            Err(TextError::TooLong {
                label: "正文",
                max: 2
            })
        );
        // One-line text still refuses a line break.
        assert!(required("a\nb", "标题", 20).is_err());
    }

    #[test]
    fn an_empty_required_value_names_its_field() {
        assert_eq!(
            required("  ", "姓名", 10).unwrap_err().to_string(),
            "请填写姓名"
        );
    }

    #[test]
    fn a_value_over_the_limit_is_refused() {
        let long = "长".repeat(11);
        assert!(matches!(
            required(&long, "职务", 10),
            Err(TextError::TooLong { .. })
        ));
        assert!(required(&"长".repeat(10), "职务", 10).is_ok());
    }

    #[test]
    fn control_characters_are_refused() {
        assert!(required("a\u{0}b", "职务", 10).is_err());
        assert!(required("a\nb", "职务", 10).is_err());
    }

    #[test]
    fn format_characters_are_refused_in_one_line_values() {
        for c in [
            '\u{202E}',
            '\u{200B}',
            '\u{2066}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{E0041}',
        ] {
            let value = format!("支部{c}会议");
            assert_eq!(
                required(&value, "名称", 30),
                Err(TextError::FormatCharacter("名称")),
                "U+{:04X}",
                u32::from(c)
            );
        }
        assert!(PersonName::parse("张\u{202E}伟").is_err());
        assert!(required("支部·会议（一）", "名称", 30).is_ok());
    }

    #[test]
    fn the_format_table_holds_its_edges_and_no_visible_character() {
        for c in [
            '\u{0600}',
            '\u{0605}',
            '\u{200B}',
            '\u{200F}',
            '\u{2060}',
            '\u{2064}',
            '\u{206F}',
            '\u{FFF9}',
            '\u{FFFB}',
            '\u{13430}',
            '\u{1343F}',
            '\u{E007F}',
        ] {
            assert!(is_format(c), "U+{:04X}", u32::from(c));
        }
        for c in [
            '\u{0606}',
            '\u{2065}',
            '\u{2010}',
            '\u{FFFC}',
            '\u{E0080}',
            'a',
            '党',
            '·',
            ' ',
        ] {
            assert!(!is_format(c), "U+{:04X}", u32::from(c));
        }
        for c in ['\u{202E}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{061C}'] {
            assert!(is_bidi_control(c) && is_format(c));
        }
        assert!(!is_bidi_control('\u{200D}') && !is_bidi_control('\u{2065}'));
    }

    #[test]
    fn names_take_chinese_and_the_middle_dot() {
        assert!(PersonName::parse("张伟").is_ok());
        assert!(PersonName::parse("阿依古丽·买买提").is_ok());
        assert!(PersonName::parse("<script>").is_err());
        assert!(PersonName::parse("张3").is_err());
    }

    /// Mutation testing (issue 14, 16): spaces between Latin words, and the name as shown.
    #[test]
    fn a_latin_name_keeps_its_spaces_and_shows_as_written() {
        let name = PersonName::parse("John Smith").unwrap();
        assert_eq!(name.to_string(), "John Smith");
        assert_eq!(
            PersonName::parse("阿依古丽·买买提").unwrap().to_string(),
            "阿依古丽·买买提"
        );
        assert!(PersonName::parse("张三1").is_err());
    }
}
