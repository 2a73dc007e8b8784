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
    #[error("密码过于常见，容易被猜中（如 Password@123、Woaini1314!、1qaz@WSX），请另选一个")]
    Common,
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
    if is_common(password) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

/// Words weak passwords are built from: English, pinyin (我爱你, 密码, 测试, 公安, 警察, 党建 …),
/// names of the placeholder kind, and what people type when asked for "something": a
/// guesser tries these first, whatever digits and symbols surround them.
const WEAK_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "admin",
    "administrator",
    "root",
    "system",
    "sys",
    "manager",
    "master",
    "super",
    "superman",
    "welcome",
    "hello",
    "letmein",
    "login",
    "guest",
    "test",
    "user",
    "default",
    "secret",
    "iloveyou",
    "love",
    "lover",
    "monkey",
    "dragon",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "shadow",
    "michael",
    "jordan",
    "china",
    "beijing",
    "shanghai",
    "woaini",
    "aini",
    "woaiwojia",
    "mima",
    "wodemima",
    "ceshi",
    "nihao",
    "zhongguo",
    "gongan",
    "jingcha",
    "police",
    "dangjian",
    "dangyuan",
    "dangwei",
    "zhibu",
    "gonganju",
    "paichusuo",
    "jingwu",
    "baobei",
    "laopo",
    "laogong",
    "tiantian",
    "kuaile",
    "xingfu",
    "pingan",
    "jiayou",
    "huawei",
    "xiaomi",
    "zhangsan",
    "lisi",
    "wangwu",
    "wang",
    "zhang",
    "li",
    "liu",
    "chen",
    "yang",
    "huang",
    "zhao",
    "zhou",
    "wu",
    "xu",
    "sun",
    "ma",
    "qwerty",
    "qwertyuiop",
    "asdfgh",
    "asdfghjkl",
    "zxcvbn",
    "zxcvbnm",
    "qazwsx",
    "qweasd",
    "qweasdzxc",
    "abcdef",
    "abcdefg",
    "abcdefgh",
];

/// Keyboard walks that pass the class rule once a digit row and shift are mixed in, written
/// with the shifted symbols as their digits (`1qaz@WSX` is `1qaz2wsx`).
const KEYBOARD_WALKS: &[&str] = &[
    "1qaz2wsx",
    "1qaz2wsx3edc",
    "qaz2wsx",
    "zaq12wsx",
    "2wsx3edc",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "q1w2e3r4",
    "q1w2e3r4t5",
    "1q2w3e",
    "qwe123",
    "qwer1234",
    "asdf1234",
    "zxcv1234",
    "1234qwer",
    "1234asdf",
    "1234abcd",
    "abcd1234",
    "abc123",
    "123abc",
    "a1b2c3d4",
    "a1b2c3",
    "1qazxsw2",
    "3edc4rfv",
    "qwert12345",
    "qazwsx123",
    "123qwe",
    "123qweasd",
];

/// Whether a password is a guesser's early try: a keyboard walk, or a weak word (or a very
/// short or patterned run of letters) dressed only in weak digits and symbols, such as
/// `Password@123`, `Woaini1314!`, `Aa123456!` or `Dangjian@2026`. Letters are compared in
/// lower case with the usual substitutions undone (`P@ssw0rd`).
pub fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let unshifted: String = lower.chars().map(unshift).collect();
    if KEYBOARD_WALKS.iter().any(|walk| unshifted.contains(walk)) {
        return true;
    }
    // `@` may be an `a` (`P@ssw0rd`) or a separator (`Abc@123`): try both readings.
    dressed_weak_word(&lower, true) || dressed_weak_word(&lower, false)
}

/// Whether `lower` is a weak run of letters, in at most two pieces, with nothing but weak
/// runs of digits (and symbols) around it. With `substitute`, symbols and digits inside or
/// after letters are read as the letters they stand for (`passw0rd`).
fn dressed_weak_word(lower: &str, substitute: bool) -> bool {
    let mut letters = String::new();
    let mut letter_runs = 0;
    let mut digit_runs: Vec<String> = Vec::new();
    let mut digits = String::new();
    let mut after_letter = false;
    for c in lower.chars() {
        let letter = if c.is_alphabetic() {
            Some(c)
        } else if substitute {
            deleet(c, after_letter)
        } else {
            None
        };
        if let Some(letter) = letter {
            if !after_letter {
                letter_runs += 1;
            }
            letters.push(letter);
        }
        if letter.is_none() && c.is_ascii_digit() {
            digits.push(c);
        } else if !digits.is_empty() {
            digit_runs.push(std::mem::take(&mut digits));
        }
        after_letter = letter.is_some();
    }
    if !digits.is_empty() {
        digit_runs.push(digits);
    }
    letter_runs <= 2 && weak_letters(&letters) && digit_runs.iter().all(|d| weak_digits(d))
}

/// The letter a substituted symbol stands for, inside or right after letters (`p@ss`,
/// `passw0rd`): a digit after a digit stays a digit.
fn deleet(c: char, after_letter: bool) -> Option<char> {
    match c {
        '@' => Some('a'),
        '$' => Some('s'),
        '0' if after_letter => Some('o'),
        '1' if after_letter => Some('i'),
        '3' if after_letter => Some('e'),
        _ => None,
    }
}

/// The digit under a shifted symbol on a US keyboard.
fn unshift(c: char) -> char {
    match c {
        '!' => '1',
        '@' => '2',
        '#' => '3',
        '$' => '4',
        '%' => '5',
        '^' => '6',
        '&' => '7',
        '*' => '8',
        '(' => '9',
        ')' => '0',
        other => other,
    }
}

fn weak_letters(letters: &str) -> bool {
    let chars: Vec<char> = letters.chars().collect();
    if chars.len() <= 3 {
        return true;
    }
    if chars.iter().all(|c| *c == chars[0]) {
        return true;
    }
    let ascending = chars
        .windows(2)
        .all(|w| u32::from(w[1]) == u32::from(w[0]) + 1);
    if ascending {
        return true;
    }
    // A weak word, possibly doubled or with a short tail (`adminadmin`, `admins`).
    WEAK_WORDS.iter().any(|word| {
        letters == *word
            || letters.strip_prefix(word).is_some_and(|rest| {
                rest.chars().count() <= 2 || rest == *word || WEAK_WORDS.contains(&rest)
            })
    })
}

fn weak_digits(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    if bytes.len() <= 4 {
        return true;
    }
    let steps: Vec<i16> = bytes
        .windows(2)
        .map(|w| i16::from(w[1]) - i16::from(w[0]))
        .collect();
    let sequence = steps.iter().all(|s| *s == 1 || *s == -9)
        || steps.iter().all(|s| *s == -1 || *s == 9)
        || steps.iter().all(|s| *s == 0);
    let year = |d: &str| d.len() == 4 && d.parse::<u32>().is_ok_and(|y| (1940..=2040).contains(&y));
    // 520 = 我爱你, 1314 = 一生一世; a birthday as YYYYMMDD, a year doubled.
    let lucky = ["5201314", "1314520", "520520", "13141314", "88888", "66666"];
    sequence
        || lucky.iter().any(|l| digits.contains(l))
        || (bytes.len() == 8 && year(&digits[..4]))
        || (bytes.len() == 6 && digits.as_bytes()[..2] == digits.as_bytes()[2..4])
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
            ("Abcdefg1", "u", Err(PasswordError::Common)),
            ("Kbvdmfq1", "u", Ok(())),
            ("kbvdmf1!", "u", Ok(())),
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
            ("党建Abc12345", "u", Err(PasswordError::Common)),
            ("党建Kvq73915", "u", Ok(())),
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
    fn common_passwords_are_refused_even_when_they_pass_the_class_rule() {
        let common = [
            "Password@123",
            "P@ssw0rd",
            "Passw0rd!",
            "Admin@123",
            "Admin123!",
            "Woaini1314!",
            "woaini@520",
            "1qaz@WSX",
            "!QAZ2wsx",
            "1q2w3e4r!",
            "Qwer1234!",
            "Abcd1234!",
            "Aa123456!",
            "Aa123456",
            "Dangjian@2026",
            "Gongan@110",
            "Jingcha#888",
            "Zhangsan@123",
            "Ceshi-2026!",
            "Abc@12345",
            "Mima@19850101",
            "Adminadmin1!",
        ];
        for password in common {
            assert_eq!(
                check(password, "kz", 8),
                Err(PasswordError::Common),
                "{password}"
            );
        }
        let fine = [
            "Hq7-Lantern-42",
            "X7#k9$Lm2!",
            "党建Kvq73915x",
            "Gz!82736491",
            "Tr4ff1c-Light-Blue",
            "Woaini-83920417-x",
        ];
        for password in fine {
            assert_eq!(check(password, "kz", 8), Ok(()), "{password}");
        }
    }

    #[test]
    fn a_raised_minimum_applies_and_a_lowered_one_does_not() {
        assert_eq!(check("Kbvdmfq1", "u", 12), Err(PasswordError::TooShort(12)));
        assert_eq!(check("Kbvdmfq1x!12", "u", 12), Ok(()));
        assert_eq!(check("Abcdef1", "u", 4), Err(PasswordError::TooShort(8)));
    }

    /// Mutation testing (issue 14, 16): each rule of the weak-word check has a case that
    /// depends on it alone.
    #[test]
    fn each_part_of_the_weak_word_check_decides_a_case() {
        // The length bounds are inclusive.
        let long: String = "Xk9#mQ2$vT7&".chars().cycle().take(MAX_LENGTH).collect();
        assert_eq!(check(&long, "zhangsan", 8), Ok(()));
        let longer = format!("{long}a");
        assert_eq!(
            check(&longer, "zhangsan", 8),
            Err(PasswordError::TooLong(MAX_LENGTH))
        );
        // Three runs of letters are not a dressed word, however weak the letters.
        assert!(!is_common("Ab5cd7ef9!"));
        // Digit runs are judged one by one: two short ones around letters are weak.
        assert!(is_common("Pass5831word2947!"));
        // The substitutions: `$` for s, `1` for i and `3` for e after a letter …
        assert!(is_common("Pa$$w0rd!"));
        assert!(is_common("Adm1n@2024"));
        assert!(is_common("W3lcome!2024"));
        // … but a `0` or `1` after a digit stays a digit, so a strong run is not split.
        assert!(!is_common("Zhang!570831"));
        assert!(!is_common("Zhang!571832"));
        // Letters: all the same, or ascending, are weak.
        assert!(is_common("Zzzzzz!9"));
        assert!(is_common("Bcdefg!9"));
        // A weak word with a short tail, doubled, or followed by another weak word; not with
        // a longer tail of its own.
        assert!(is_common("Admins!2024"));
        assert!(is_common("Adminadmin!1"));
        assert!(is_common("Adminroot!1"));
        assert!(!is_common("Adminxyz!1"));
        // Digits: sequences up, down (both wrapping) and repeated are weak; a descending run
        // that is not a sequence, a turn, and a six-digit run whose halves differ are not.
        assert!(is_common("Zhang!7890123"));
        assert!(is_common("Zhang!3210987"));
        assert!(is_common("Zhang!77777"));
        assert!(!is_common("Zhang!97531"));
        assert!(!is_common("Zhang!12321"));
        assert!(is_common("Zhang!121234"));
        assert!(!is_common("Zhang!574392"));
        assert!(!is_common("Zhang!5757123"));
    }
}
