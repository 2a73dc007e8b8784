//! The password policy (等保 §8.1.4.1 a: 身份鉴别信息具有复杂度要求). Its numbers are the
//! assessors' usual expectations: at least 8 characters from at least 3 of the 4 classes, and
//! not containing the login name.

/// Why a new password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("密码至少{0}位")]
    TooShort(usize),
    #[error("密码不能超过{0}位")]
    TooLong(usize),
    #[error("密码须包含大写字母、小写字母、数字、符号中的至少3类")]
    TooFewClasses,
    #[error("密码不能包含登录名")]
    ContainsLogin,
}

/// The floor of the minimum length; the security administrator may raise it
/// (`policy::SecurityPolicy::password_min_length`).
pub const MIN_LENGTH: usize = 8;
/// Long enough for passphrases, short enough that hashing cannot be used to exhaust the CPU.
pub const MAX_LENGTH: usize = 128;

/// Checks a new password against the policy, with `min_length` characters at least (never
/// below [`MIN_LENGTH`]).
pub fn check(password: &str, login: &str, min_length: usize) -> Result<(), PasswordError> {
    let min_length = min_length.max(MIN_LENGTH);
    let length = password.chars().count();
    if length < min_length {
        return Err(PasswordError::TooShort(min_length));
    }
    if length > MAX_LENGTH {
        return Err(PasswordError::TooLong(MAX_LENGTH));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|c| **c).count() < 3 {
        return Err(PasswordError::TooFewClasses);
    }
    let login = login.trim().to_lowercase();
    if !login.is_empty() && password.to_lowercase().contains(&login) {
        return Err(PasswordError::ContainsLogin);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_table() {
        let cases = [
            ("Ab1!", "u", Err(PasswordError::TooShort(8))),
            ("aaaaaaaaaa", "u", Err(PasswordError::TooFewClasses)),
            ("abcdefg1", "u", Err(PasswordError::TooFewClasses)),
            ("Abcdefg1", "u", Ok(())),
            ("abcdef1!", "u", Ok(())),
            (
                "Zhangsan2024!",
                "zhangsan",
                Err(PasswordError::ContainsLogin),
            ),
            (
                "ZHANGSAN2024!x",
                "zhangsan",
                Err(PasswordError::ContainsLogin),
            ),
            ("党建Abc12345", "u", Ok(())),
        ];
        for (password, login, expected) in cases {
            assert_eq!(check(password, login, 8), expected, "{password}");
        }
        assert_eq!(
            check(&"Aa1!".repeat(40), "u", 8),
            Err(PasswordError::TooLong(128))
        );
    }

    #[test]
    fn a_raised_minimum_applies_and_a_lowered_one_does_not() {
        assert_eq!(check("Abcdefg1", "u", 12), Err(PasswordError::TooShort(12)));
        assert_eq!(check("Abcdefg1x!12", "u", 12), Ok(()));
        assert_eq!(check("Abcdef1", "u", 4), Err(PasswordError::TooShort(8)));
    }
}
