//! 公民身份号码 (resident identity number, GB 11643-1999): 6-digit region code, 8-digit birth
//! date, 3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check
//! character. Parsed once at the edge; everywhere else an [`IdNumber`] is known to be valid.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::member::Gender;

/// Weights of the 17 leading digits (2^(18-i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder mod 11.
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// Why an identity number was refused. The messages are shown at the form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("请填写身份证号")]
    Missing,
    #[error("身份证号应为18位")]
    Length,
    #[error("身份证号前17位应为数字，最后一位为数字或X")]
    Characters,
    #[error("身份证号的地区码无效")]
    Region,
    #[error("身份证号中的出生日期无效")]
    BirthDate,
    #[error("身份证号校验位不正确，请核对")]
    CheckDigit,
}

/// A valid 18-character identity number, upper-case `X` in the check position.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

impl IdNumber {
    /// Parses an identity number, accepting surrounding spaces and a lower-case `x`.
    pub fn parse(raw: &str) -> Result<Self, IdNumberError> {
        let value = raw.trim().to_ascii_uppercase();
        if value.is_empty() {
            return Err(IdNumberError::Missing);
        }
        let bytes = value.as_bytes();
        if value.chars().count() != 18 || bytes.len() != 18 {
            return Err(IdNumberError::Length);
        }
        let (body, check) = bytes.split_at(17);
        if !body.iter().all(u8::is_ascii_digit) || !(check[0].is_ascii_digit() || check[0] == b'X')
        {
            return Err(IdNumberError::Characters);
        }
        // Province codes run from 11 (北京) to 82 (澳门): 0 and 9 never lead.
        if !(b'1'..=b'8').contains(&body[0]) {
            return Err(IdNumberError::Region);
        }
        std::str::from_utf8(&body[6..14])
            .ok()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y%m%d").ok())
            .filter(|d| d.year() >= 1900)
            .ok_or(IdNumberError::BirthDate)?;
        if check_char(body) != check[0] {
            return Err(IdNumberError::CheckDigit);
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date encoded in positions 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        // Checked in `parse`; the fallback is unreachable for a parsed value.
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").unwrap_or_default()
    }

    /// The gender encoded by the parity of the sequence number.
    pub fn gender(&self) -> Gender {
        let digit = self.0.as_bytes()[16] - b'0';
        if digit % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// The display form for anyone who may not see the whole number: `3****************4`.
    pub fn masked(&self) -> String {
        mask_id_number(&self.0)
    }
}

/// Masks an identity number for display, keeping only its first and last characters.
///
/// Pages and exports show the birth date beside the number, so any mask that keeps the
/// region (the first six digits) and the sequence leaves a handful of candidates that one
/// exact search confirms: `8320**********6194` and 1971-08-06 left nine. With the first and
/// last characters only, about 90,000 numbers fit the mask and the birth date (a thousand
/// regions under the first digit times a thousand sequences, a check digit in eleven), and
/// the exact search is audited with its reason and limited per account.
pub fn mask_id_number(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 2 {
        return "*".repeat(chars.len());
    }
    format!(
        "{}{}{}",
        chars[0],
        "*".repeat(chars.len() - 2),
        chars[chars.len() - 1]
    )
}

/// The check character for 17 leading digits.
pub fn check_char(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(&digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Debug output never shows the whole number, so it cannot leak into logs by accident.
impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Builds a valid number from a region, a birth date and a sequence number.
    fn make(region: &str, birth: &str, seq: u32) -> String {
        let body = format!("{region}{birth}{seq:03}");
        let check = check_char(body.as_bytes()) as char;
        format!("{body}{check}")
    }

    /// Shown whole only where the caller chose to show it; Debug (logs) is always masked.
    #[test]
    fn display_is_whole_and_debug_is_masked() {
        let raw = make("110105", "19491231", 2);
        let id = IdNumber::parse(&raw).unwrap();
        assert_eq!(id.to_string(), raw);
        assert_eq!(
            format!("{id:?}"),
            format!("IdNumber({})", mask_id_number(&raw))
        );
        assert!(!format!("{id:?}").contains("19491231"));
    }

    #[test]
    fn the_standard_example_number_is_valid() {
        // The worked example of GB 11643-1999: 11010519491231002X.
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.gender(), Gender::Female);
    }

    #[test]
    fn an_id_number_with_a_wrong_check_digit_is_rejected() {
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err(IdNumberError::CheckDigit)
        );
    }

    #[test]
    fn an_id_number_of_the_wrong_length_is_rejected() {
        assert_eq!(
            IdNumber::parse("1101051949123100"),
            Err(IdNumberError::Length)
        );
        assert_eq!(IdNumber::parse(""), Err(IdNumberError::Missing));
        assert_eq!(
            IdNumber::parse("１１０１０５１９４９１２３１００２Ｘ"),
            Err(IdNumberError::Length)
        );
    }

    #[test]
    fn letters_outside_the_check_position_are_rejected() {
        assert_eq!(
            IdNumber::parse("1101051949123100X2"),
            Err(IdNumberError::Characters)
        );
    }

    #[test]
    fn an_impossible_birth_date_is_rejected() {
        assert_eq!(
            IdNumber::parse(&make("110105", "19490230", 2)),
            Err(IdNumberError::BirthDate)
        );
        assert_eq!(
            IdNumber::parse(&make("110105", "18991231", 2)),
            Err(IdNumberError::BirthDate)
        );
    }

    #[test]
    fn a_region_starting_with_nine_is_rejected() {
        assert_eq!(
            IdNumber::parse(&make("910105", "19800101", 1)),
            Err(IdNumberError::Region)
        );
    }

    #[test]
    fn masking_keeps_the_first_and_last_characters_only() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "1****************X");
        assert!(!format!("{id:?}").contains("19491231"));
        assert_eq!(mask_id_number("12"), "**");
    }

    /// The probe's reproduction: with the region and sequence digits shown, the birth date
    /// left nine numbers to try. The mask must leave the region and sequence unknown.
    #[test]
    fn a_mask_and_the_birth_date_leave_no_short_list_of_candidates() {
        let id = IdNumber::parse(&make("832001", "19710806", 619)).unwrap();
        let masked = id.masked();
        let shown: Vec<usize> = masked
            .char_indices()
            .filter(|(_, c)| *c != '*')
            .map(|(i, _)| i)
            .collect();
        assert_eq!(shown, vec![0, 17]);
        // Candidates with the shown characters, the birth date and a valid check digit: the
        // five hidden region digits and three sequence digits, one in eleven checking.
        let mut candidates = 0u32;
        for region in 0..100_000u32 {
            if region % 97 != 0 {
                continue; // a sample of one region in 97: enough to count the order of size
            }
            for sequence in 0..1000u32 {
                let body = format!("8{region:05}19710806{sequence:03}");
                if check_char(body.as_bytes()) as char == masked.chars().last().unwrap() {
                    candidates += 1;
                }
            }
        }
        assert!(candidates * 97 > 50_000, "{candidates}");
    }

    proptest! {
        /// Whatever is typed or imported, parsing answers; what it accepts is 18 characters
        /// whose check character is right (fuzzed too: `fuzz/fuzz_targets/id_number.rs`).
        #[test]
        fn any_text_parses_or_is_refused_without_panic(raw in "\\PC{0,40}") {
            if let Ok(id) = IdNumber::parse(&raw) {
                prop_assert_eq!(id.as_str().len(), 18);
                let bytes = id.as_str().as_bytes();
                prop_assert_eq!(check_char(&bytes[..17]), bytes[17]);
            }
        }

        #[test]
        fn every_generated_number_round_trips(
            region in 110000u32..830000,
            days in 0i64..40000,
            seq in 0u32..1000,
        ) {
            let birth = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap() + chrono::TimeDelta::days(days);
            let raw = make(&region.to_string(), &birth.format("%Y%m%d").to_string(), seq);
            let id = IdNumber::parse(&raw).unwrap();
            prop_assert_eq!(id.as_str(), raw.as_str());
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.gender() == Gender::Male, seq % 2 == 1);
        }

        #[test]
        fn a_single_digit_change_is_caught_by_the_check_digit(
            days in 0i64..30000,
            seq in 0u32..1000,
            position in 0usize..17,
            delta in 1u8..10,
        ) {
            let birth = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap() + chrono::TimeDelta::days(days);
            let raw = make("330106", &birth.format("%Y%m%d").to_string(), seq);
            let mut bytes = raw.into_bytes();
            bytes[position] = b'0' + (bytes[position] - b'0' + delta) % 10;
            let mutated = String::from_utf8(bytes).unwrap();
            // MOD 11-2 detects every single-digit substitution.
            prop_assert!(IdNumber::parse(&mutated).is_err());
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(raw in ".{0,40}") {
            let _ = IdNumber::parse(&raw);
        }
    }
}
