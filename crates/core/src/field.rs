//! Field-level validation errors. Every bad input is reported at the field that caused it, in
//! Chinese, so a form can come back with its values kept and a message beside each bad field.

use serde::Serialize;

/// One rejected field and why, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The fields of one form or request that failed validation, in form order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Errors with a single entry.
    pub fn single(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    /// Records a message for `field`; the first message for a field wins, because it names
    /// the most basic problem (a missing value before a malformed one).
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push(FieldError {
                field,
                message: message.into(),
            });
        }
    }

    /// Takes the value of `result`, or records its error under `field`.
    pub fn check<T, E: ToString>(
        &mut self,
        field: &'static str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(field, error.to_string());
                None
            }
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// Adds the errors of a part of the form checked on its own.
    pub fn extend(&mut self, other: FieldErrors) {
        for error in other.0 {
            self.add(error.field, error.message);
        }
    }

    /// `Ok(value)` when no error was recorded.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_message_for_a_field_is_kept() {
        let mut errors = FieldErrors::new();
        errors.add("name", "请填写姓名");
        errors.add("name", "姓名过长");
        assert_eq!(errors.get("name"), Some("请填写姓名"));
        assert_eq!(errors.iter().count(), 1);
    }

    #[test]
    fn errors_combine_and_read_as_one_line() {
        let mut errors = FieldErrors::single("name", "请填写姓名");
        assert_eq!(errors.get("name"), Some("请填写姓名"));
        let mut part = FieldErrors::new();
        part.add("name", "姓名过长");
        part.add("phone", "电话格式不对");
        errors.extend(part);
        assert_eq!(errors.to_string(), "name: 请填写姓名; phone: 电话格式不对");
        assert!(FieldErrors::new().into_result(1).is_ok());
        assert!(errors.into_result(1).is_err());
    }
}
