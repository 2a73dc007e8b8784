//! Money: whole fen (分) in an integer, never a float, so that every figure — a member's dues,
//! a branch's month, a committee's year — adds up to the fen at every level. Rates from the
//! rules file are turned once into parts per million, and a product is rounded by the rule
//! the rules file names (R3.14: no national rule; the default is half up to the fen).

use serde::Deserialize;

/// An amount of money in fen (分).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fen(pub i64);

impl Fen {
    /// The most a single amount typed in may be (a typo guard: 10 million yuan).
    pub const MAX: Fen = Fen(1_000_000_000);
    pub const ZERO: Fen = Fen(0);

    /// Parses yuan as typed: `300`, `300.5`, `300.50`, `1,200.00`; no sign, at most two
    /// decimals, at most [`Fen::MAX`].
    pub fn parse_yuan(raw: &str) -> Result<Fen, &'static str> {
        let text: String = raw.trim().chars().filter(|c| *c != ',').collect();
        let text = text.strip_suffix('元').unwrap_or(&text);
        if text.is_empty() {
            return Err("请填写金额");
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err("金额须为数字，如 300 或 300.50");
        }
        if fraction.len() > 2 {
            return Err("金额最多到分（两位小数）");
        }
        if whole.len() > 10 {
            return Err("金额过大");
        }
        let yuan: i64 = whole.parse().map_err(|_| "金额过大")?;
        let cents: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
        let fen = Fen(yuan * 100 + cents);
        if fen > Fen::MAX {
            return Err("金额过大");
        }
        Ok(fen)
    }

    /// Yuan from the rules file (a decimal there, as the regulation writes it), to the fen.
    pub fn from_rule_yuan(yuan: f64) -> Fen {
        Fen((yuan * 100.0).round() as i64)
    }

    /// The amount without the unit, as a finance office writes it: `1234.50`.
    pub fn yuan_text(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

const DIGITS: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];

impl Fen {
    /// The amount in capitals as receipts write it (会计基础工作规范 第五十二条): 零 once for
    /// a run of zeros inside the number, 整 after 元 or 角, none after 分. `None` for a
    /// negative amount.
    pub fn in_capitals(self) -> Option<String> {
        let fen = u64::try_from(self.0).ok()?;
        let (yuan, jiao, fen) = (fen / 100, (fen / 10) % 10, fen % 10);
        if yuan == 0 && jiao == 0 && fen == 0 {
            return Some("零元整".to_owned());
        }
        let mut out = String::new();
        if yuan > 0 {
            let len = yuan.to_string().len();
            let mut zero = false;
            for pos in (0..len).rev() {
                let digit = (yuan / 10u64.pow(pos as u32) % 10) as usize;
                let group_end = pos.is_multiple_of(4) && pos > 0;
                if digit == 0 {
                    zero = true;
                    if group_end && !(yuan / 10u64.pow(pos as u32)).is_multiple_of(10_000) {
                        out.push_str(["", "万", "亿"][pos / 4]);
                    }
                    continue;
                }
                if zero {
                    out.push('零');
                    zero = false;
                }
                out.push_str(DIGITS[digit]);
                out.push_str(["", "拾", "佰", "仟"][pos % 4]);
                if group_end {
                    out.push_str(["", "万", "亿"][pos / 4]);
                }
            }
            out.push('元');
        }
        match (jiao, fen) {
            (0, 0) => out.push('整'),
            (0, f) => {
                if yuan > 0 {
                    out.push('零');
                }
                out.push_str(DIGITS[f as usize]);
                out.push('分');
            }
            (j, 0) => {
                out.push_str(DIGITS[j as usize]);
                out.push_str("角整");
            }
            (j, f) => {
                out.push_str(DIGITS[j as usize]);
                out.push('角');
                out.push_str(DIGITS[f as usize]);
                out.push('分');
            }
        }
        Some(out)
    }
}

impl std::fmt::Display for Fen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}元", self.yuan_text())
    }
}

impl std::ops::Add for Fen {
    type Output = Fen;
    fn add(self, other: Fen) -> Fen {
        Fen(self.0 + other.0)
    }
}

impl std::ops::AddAssign for Fen {
    fn add_assign(&mut self, other: Fen) {
        self.0 += other.0;
    }
}

impl std::ops::Sub for Fen {
    type Output = Fen;
    fn sub(self, other: Fen) -> Fen {
        Fen(self.0 - other.0)
    }
}

impl std::iter::Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        Fen(iter.map(|f| f.0).sum())
    }
}

/// A rate as parts per million: 0.5 % is 5,000. Exact for every rate the regulations name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rate(pub i64);

impl Rate {
    pub const WHOLE: Rate = Rate(1_000_000);

    /// A rate from the rules file's decimal (0.015); None outside 0..=1.
    pub fn from_decimal(rate: f64) -> Option<Rate> {
        (0.0..=1.0)
            .contains(&rate)
            .then(|| Rate((rate * 1_000_000.0).round() as i64))
    }

    /// As a percentage for the pages: `1.5%`.
    pub fn percent_text(self) -> String {
        let hundredths = self.0 / 100;
        let text = format!("{}.{:02}", hundredths / 100, hundredths % 100);
        format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// How a computed amount is rounded (R3.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// To the fen, half up (the default; the practice of most dues calculators).
    CentHalfUp,
    /// Up to the fen.
    CentUp,
    /// Up to the whole yuan (“只能入不能舍取整数”).
    YuanUp,
}

impl Rounding {
    /// `amount × rate`, rounded by this rule. Amounts are never negative here.
    pub fn apply(self, amount: Fen, rate: Rate) -> Fen {
        let product = i128::from(amount.0) * i128::from(rate.0);
        let million = i128::from(Rate::WHOLE.0);
        let fen = match self {
            Rounding::CentHalfUp => (product + million / 2) / million,
            Rounding::CentUp => (product + million - 1) / million,
            Rounding::YuanUp => (product + million * 100 - 1) / (million * 100) * 100,
        };
        Fen(fen as i64)
    }
}

/// Splits `total` into the share of `rate` and the rest so that the two add up to `total`
/// exactly (the share rounded half up): what a level keeps and what it remits.
pub fn split(total: Fen, rate: Rate) -> (Fen, Fen) {
    let share = Rounding::CentHalfUp.apply(total, rate);
    (share, total - share)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn money_is_whole_fen_parsed_from_yuan() {
        assert_eq!(Fen::parse_yuan("300"), Ok(Fen(30_000)));
        assert_eq!(Fen::parse_yuan(" 300.5 "), Ok(Fen(30_050)));
        assert_eq!(Fen::parse_yuan("1,200.05元"), Ok(Fen(120_005)));
        assert_eq!(Fen::parse_yuan("0.01"), Ok(Fen(1)));
        assert_eq!(Fen::parse_yuan("10000000"), Ok(Fen::MAX));
        for bad in [
            "",
            "-5",
            "3.001",
            "abc",
            ".5",
            "1e3",
            "10000000.01",
            "99999999999",
        ] {
            assert!(Fen::parse_yuan(bad).is_err(), "{bad}");
        }
        // Leading zeros are digits like any other; a run too long to multiply is refused
        // before it could overflow.
        assert_eq!(Fen::parse_yuan("0000000001"), Ok(Fen(100)));
        assert_eq!(Fen::parse_yuan("99999999999999999"), Err("金额过大"));
        assert_eq!(Fen(30_050).to_string(), "300.50元");
        assert_eq!(Fen(7).to_string(), "0.07元");
        assert_eq!(Fen(-1_205).to_string(), "-12.05元");
        assert_eq!(Fen(1_205).yuan_text(), "12.05");
        assert_eq!(Fen(0).yuan_text(), "0.00");
    }

    #[test]
    fn amounts_in_capitals_as_receipts_write_them() {
        let capital = |fen: i64| Fen(fen).in_capitals().unwrap();
        assert_eq!(capital(0), "零元整");
        assert_eq!(capital(1), "壹分");
        assert_eq!(capital(50), "伍角整");
        assert_eq!(capital(8_850), "捌拾捌元伍角整");
        assert_eq!(capital(8_851), "捌拾捌元伍角壹分");
        assert_eq!(capital(100_000), "壹仟元整");
        assert_eq!(capital(100_005), "壹仟元零伍分");
        assert_eq!(capital(168_032), "壹仟陆佰捌拾元叁角贰分");
        assert_eq!(capital(1_005_000), "壹万零伍拾元整");
        assert_eq!(capital(10_001_000), "壹拾万零壹拾元整");
        assert_eq!(capital(12_000_000), "壹拾贰万元整");
        assert_eq!(capital(101_000_000), "壹佰零壹万元整");
        assert_eq!(capital(1_000_000_000), "壹仟万元整");
        assert_eq!(capital(10_000_000_000), "壹亿元整");
        assert_eq!(capital(10_000_100_000), "壹亿零壹仟元整");
        assert_eq!(capital(2_003_040_506), "贰仟零叁万零肆佰零伍元零陆分");
        assert_eq!(Fen(-1).in_capitals(), None);
    }

    #[test]
    fn rates_are_exact_parts_per_million() {
        assert_eq!(Rate::from_decimal(0.005), Some(Rate(5_000)));
        assert_eq!(Rate::from_decimal(0.015), Some(Rate(15_000)));
        assert_eq!(Rate::from_decimal(1.0), Some(Rate::WHOLE));
        assert_eq!(Rate::from_decimal(0.0), Some(Rate(0)));
        assert_eq!(Rate::from_decimal(-0.01), None);
        assert_eq!(Rate::from_decimal(1.5), None);
        assert_eq!(Rate(5_000).percent_text(), "0.5%");
        assert_eq!(Rate(15_000).percent_text(), "1.5%");
        assert_eq!(Rate(20_000).percent_text(), "2%");
        assert_eq!(Rate(1_250).percent_text(), "0.12%");
        assert_eq!(Fen::from_rule_yuan(3000.0), Fen(300_000));
        assert_eq!(Fen::from_rule_yuan(0.2), Fen(20));
    }

    #[test]
    fn rounding_rules_at_their_edges() {
        let one_percent = Rate(10_000);
        // 123.45 元 × 1 % = 1.2345 元.
        assert_eq!(
            Rounding::CentHalfUp.apply(Fen(12_345), one_percent),
            Fen(123)
        );
        assert_eq!(Rounding::CentUp.apply(Fen(12_345), one_percent), Fen(124));
        assert_eq!(Rounding::YuanUp.apply(Fen(12_345), one_percent), Fen(200));
        // Exactly half a fen goes up; just under stays.
        assert_eq!(Rounding::CentHalfUp.apply(Fen(50), one_percent), Fen(1));
        assert_eq!(Rounding::CentHalfUp.apply(Fen(49), one_percent), Fen(0));
        // Exact products are not moved by any rule.
        for rule in [Rounding::CentHalfUp, Rounding::CentUp] {
            assert_eq!(rule.apply(Fen(300_000), Rate(5_000)), Fen(1_500));
        }
        assert_eq!(
            Rounding::YuanUp.apply(Fen(300_000), Rate(5_000)),
            Fen(1_500)
        );
        assert_eq!(Rounding::YuanUp.apply(Fen(0), Rate(5_000)), Fen(0));
        assert_eq!(Rounding::CentUp.apply(Fen(1), Rate(1)), Fen(1));
    }

    proptest! {
        /// What is kept and what is remitted always add up to the total, to the fen.
        #[test]
        fn a_split_adds_up(total in 0i64..10_000_000_000, ppm in 0i64..=1_000_000) {
            let (share, rest) = split(Fen(total), Rate(ppm));
            prop_assert_eq!(share + rest, Fen(total));
            prop_assert!(share.0 >= 0 && rest.0 >= 0);
        }

        /// Half-up is within half a fen of the exact product, and the other rules never
        /// fall below it.
        #[test]
        fn rounding_stays_near_the_product(fen in 0i64..1_000_000_000, ppm in 0i64..=1_000_000) {
            let exact = i128::from(fen) * i128::from(ppm);
            let million = 1_000_000i128;
            let half = i128::from(Rounding::CentHalfUp.apply(Fen(fen), Rate(ppm)).0) * million;
            prop_assert!((half - exact).abs() * 2 <= million);
            let up = i128::from(Rounding::CentUp.apply(Fen(fen), Rate(ppm)).0) * million;
            prop_assert!(up >= exact && up - exact < million);
            let yuan = i128::from(Rounding::YuanUp.apply(Fen(fen), Rate(ppm)).0) * million;
            prop_assert!(yuan >= exact && yuan - exact < million * 100);
        }
    }
}
