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
    Ok(Some(value.to_owned()))
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
    fn names_take_chinese_and_the_middle_dot() {
        assert!(PersonName::parse("张伟").is_ok());
        assert!(PersonName::parse("阿依古丽·买买提").is_ok());
        assert!(PersonName::parse("<script>").is_err());
        assert!(PersonName::parse("张3").is_err());
    }
}
