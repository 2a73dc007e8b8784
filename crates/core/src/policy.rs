//! The authentication policy, owned by the security administrator (等保 level 3, 身份鉴别 and
//! 访问控制). Each setting has a floor no one can go below: a bureau may be stricter than the
//! assessors expect, never laxer. The floors are the checklist's numbers (AUTH-02 to AUTH-05):
//! passwords of at least 8 characters, the last 5 not reused, changed every 90 days; 5 failed
//! attempts lock the account for 30 minutes; 30 minutes idle; 12 hours at most per session.
//! API tokens live 90 days at most; an account may look people up by their whole ID number
//! a limited number of times a day.
//!
//! Two settings are choices rather than numbers: whether org secretaries and whether members
//! must log in with a second factor. The administrators and the committee office always must.
//! Secretaries read other people's personal data, so they must by default; a bureau whose
//! secretaries have no phone for an authenticator app may make it voluntary (audited).

use chrono::TimeDelta;

use crate::field::FieldErrors;
use crate::role::Role;

/// One adjustable number: its stored name, its Chinese label and unit, and its bounds. `min`
/// and `max` together hold the floor: for a length or a lock time the floor is `min`, for an
/// attempt count or a timeout it is `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    pub name: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub min: u32,
    pub max: u32,
    pub default: u32,
    /// For a choice: each value with its label (the form shows a list, not a number).
    pub choices: &'static [(u32, &'static str)],
}

/// The two answers of a yes-or-no setting.
const REQUIRED_OR_VOLUNTARY: &[(u32, &str)] = &[(1, "须使用"), (0, "自愿使用")];

/// Every setting, in the order the form shows them.
pub const SETTINGS: [Setting; 12] = [
    Setting {
        name: "password_min_length",
        label: "密码最短长度",
        unit: "位",
        min: 8,
        max: 32,
        default: 8,
        choices: &[],
    },
    Setting {
        name: "password_history",
        label: "不得重复使用最近几次的密码",
        unit: "次",
        min: 5,
        max: 24,
        default: 5,
        choices: &[],
    },
    Setting {
        name: "password_max_age_days",
        label: "密码有效期",
        unit: "天",
        min: 7,
        max: 90,
        default: 90,
        choices: &[],
    },
    Setting {
        name: "lockout_threshold",
        label: "连续登录失败几次锁定账号",
        unit: "次",
        min: 3,
        max: 5,
        default: 5,
        choices: &[],
    },
    Setting {
        name: "lockout_minutes",
        label: "锁定时长",
        unit: "分钟",
        min: 30,
        max: 1440,
        default: 30,
        choices: &[],
    },
    Setting {
        name: "address_max_failures",
        label: "同一地址 10 分钟内最多失败次数",
        unit: "次",
        min: 5,
        max: 100,
        default: 20,
        choices: &[],
    },
    Setting {
        name: "idle_timeout_minutes",
        label: "空闲超时",
        unit: "分钟",
        min: 5,
        max: 30,
        default: 30,
        choices: &[],
    },
    Setting {
        name: "session_max_hours",
        label: "会话最长有效期",
        unit: "小时",
        min: 1,
        max: 12,
        default: 12,
        choices: &[],
    },
    Setting {
        name: "token_max_age_days",
        label: "接口令牌有效期",
        unit: "天",
        min: 1,
        max: 90,
        default: 90,
        choices: &[],
    },
    Setting {
        name: "id_searches_per_day",
        label: "每个账号每天按完整身份证号查找的次数",
        unit: "次",
        min: 1,
        max: 50,
        default: 20,
        choices: &[],
    },
    Setting {
        name: "second_factor_secretaries",
        label: "组织书记/委员登录时",
        unit: "",
        min: 0,
        max: 1,
        default: 1,
        choices: REQUIRED_OR_VOLUNTARY,
    },
    Setting {
        name: "second_factor_members",
        label: "党员登录时",
        unit: "",
        min: 0,
        max: 1,
        default: 0,
        choices: REQUIRED_OR_VOLUNTARY,
    },
];

/// The window in which failed logins from one address are counted.
pub const ADDRESS_WINDOW: TimeDelta = TimeDelta::minutes(10);

/// The policy in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityPolicy {
    pub password_min_length: u32,
    pub password_history: u32,
    pub password_max_age_days: u32,
    pub lockout_threshold: u32,
    pub lockout_minutes: u32,
    pub address_max_failures: u32,
    pub idle_timeout_minutes: u32,
    pub session_max_hours: u32,
    pub token_max_age_days: u32,
    pub id_searches_per_day: u32,
    /// 1: org secretaries must use a second factor; 0: they may.
    pub second_factor_secretaries: u32,
    /// 1: members must use a second factor; 0: they may.
    pub second_factor_members: u32,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        let mut policy = SecurityPolicy {
            password_min_length: 0,
            password_history: 0,
            password_max_age_days: 0,
            lockout_threshold: 0,
            lockout_minutes: 0,
            address_max_failures: 0,
            idle_timeout_minutes: 0,
            session_max_hours: 0,
            token_max_age_days: 0,
            id_searches_per_day: 0,
            second_factor_secretaries: 0,
            second_factor_members: 0,
        };
        for setting in SETTINGS {
            *policy.slot(setting.name) = setting.default;
        }
        policy
    }
}

impl SecurityPolicy {
    fn slot(&mut self, name: &str) -> &mut u32 {
        match name {
            "password_min_length" => &mut self.password_min_length,
            "password_history" => &mut self.password_history,
            "password_max_age_days" => &mut self.password_max_age_days,
            "lockout_threshold" => &mut self.lockout_threshold,
            "lockout_minutes" => &mut self.lockout_minutes,
            "address_max_failures" => &mut self.address_max_failures,
            "idle_timeout_minutes" => &mut self.idle_timeout_minutes,
            "token_max_age_days" => &mut self.token_max_age_days,
            "id_searches_per_day" => &mut self.id_searches_per_day,
            "second_factor_secretaries" => &mut self.second_factor_secretaries,
            "second_factor_members" => &mut self.second_factor_members,
            _ => &mut self.session_max_hours,
        }
    }

    /// The value of a setting by name.
    pub fn get(&self, name: &str) -> u32 {
        let mut copy = *self;
        *copy.slot(name)
    }

    /// Builds a policy from `(name, text)` pairs (a form, or the stored rows). A missing
    /// setting keeps its default; a value outside its bounds is refused at its field, so no
    /// path can store a policy below the floor.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, FieldErrors> {
        let mut policy = SecurityPolicy::default();
        let mut errors = FieldErrors::new();
        let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        for setting in SETTINGS {
            let Some((_, raw)) = pairs.iter().find(|(name, _)| *name == setting.name) else {
                continue;
            };
            let raw = crate::import::half_width(raw.trim());
            match raw.parse::<u32>() {
                Ok(value) if (setting.min..=setting.max).contains(&value) => {
                    *policy.slot(setting.name) = value;
                }
                Ok(_) if !setting.choices.is_empty() => {
                    errors.add(setting.name, format!("请选择{}的要求", setting.label));
                }
                Ok(_) => errors.add(
                    setting.name,
                    format!(
                        "{}须在 {} 到 {} {}之间",
                        setting.label, setting.min, setting.max, setting.unit
                    ),
                ),
                Err(_) if raw.is_empty() => {
                    errors.add(setting.name, format!("请填写{}", setting.label));
                }
                Err(_) => errors.add(setting.name, format!("{}须为整数", setting.label)),
            }
        }
        if errors.is_empty() {
            Ok(policy)
        } else {
            Err(errors)
        }
    }

    pub fn idle_timeout(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.idle_timeout_minutes))
    }

    pub fn absolute_timeout(&self) -> TimeDelta {
        TimeDelta::hours(i64::from(self.session_max_hours))
    }

    pub fn password_max_age(&self) -> TimeDelta {
        TimeDelta::days(i64::from(self.password_max_age_days))
    }

    pub fn lockout(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.lockout_minutes))
    }

    pub fn token_max_age(&self) -> TimeDelta {
        TimeDelta::days(i64::from(self.token_max_age_days))
    }

    /// Whether accounts of `role` must log in with a second factor: the administrators, the
    /// committee office and the discipline roles always; secretaries and members as the policy says.
    pub fn requires_second_factor(&self, role: Role) -> bool {
        match role {
            // The keeper sees pay as a secretary sees personal numbers: the same policy.
            Role::OrgSecretary | Role::DuesKeeper => self.second_factor_secretaries == 1,
            Role::Member => self.second_factor_members == 1,
            // Findings and sanctions are the most sensitive records: never without a code.
            Role::DisciplineOffice | Role::DisciplineMember => true,
            other => other.is_administrator() || other.is_bureau_wide(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_defaults_are_the_checklist_numbers() {
        let policy = SecurityPolicy::default();
        assert_eq!(policy.password_min_length, 8);
        assert_eq!(policy.password_history, 5);
        assert_eq!(policy.password_max_age(), TimeDelta::days(90));
        assert_eq!(policy.lockout_threshold, 5);
        assert_eq!(policy.lockout(), TimeDelta::minutes(30));
        assert_eq!(policy.idle_timeout(), TimeDelta::minutes(30));
        assert_eq!(policy.absolute_timeout(), TimeDelta::hours(12));
        assert_eq!(policy.token_max_age(), TimeDelta::days(90));
        assert_eq!(policy.id_searches_per_day, 20);
    }

    /// Issue 13 (1c): a second factor by default for every role that reads other people's
    /// personal data; the committee office and administrators cannot be let off.
    #[test]
    fn second_factors_are_required_where_others_data_is_read() {
        let default = SecurityPolicy::default();
        for role in Role::ALL {
            let expected = !matches!(role, Role::Member);
            assert_eq!(default.requires_second_factor(*role), expected, "{role:?}");
        }
        let relaxed = SecurityPolicy::parse([
            ("second_factor_secretaries", "0"),
            ("second_factor_members", "1"),
        ])
        .unwrap();
        assert!(!relaxed.requires_second_factor(Role::OrgSecretary));
        assert!(relaxed.requires_second_factor(Role::Member));
        assert!(relaxed.requires_second_factor(Role::CommitteeStaff));
        assert!(relaxed.requires_second_factor(Role::DisciplineMember));
        assert!(relaxed.requires_second_factor(Role::SystemAdmin));
        let errors = SecurityPolicy::parse([("second_factor_members", "2")]).unwrap_err();
        assert_eq!(
            errors.get("second_factor_members"),
            Some("请选择党员登录时的要求")
        );
    }

    #[test]
    fn every_default_is_within_its_bounds() {
        for setting in SETTINGS {
            assert!(
                (setting.min..=setting.max).contains(&setting.default),
                "{}",
                setting.name
            );
        }
    }

    #[test]
    fn nothing_laxer_than_the_floor_is_accepted() {
        for (name, value) in [
            ("password_min_length", "7"),
            ("password_history", "4"),
            ("password_max_age_days", "91"),
            ("lockout_threshold", "6"),
            ("lockout_minutes", "29"),
            ("idle_timeout_minutes", "31"),
            ("session_max_hours", "13"),
            ("address_max_failures", "101"),
            ("token_max_age_days", "91"),
            ("id_searches_per_day", "51"),
        ] {
            let errors = SecurityPolicy::parse([(name, value)]).unwrap_err();
            assert!(errors.get(name).unwrap().contains("之间"), "{name}");
        }
    }

    #[test]
    fn stricter_values_and_full_width_digits_are_accepted() {
        let policy = SecurityPolicy::parse([
            ("password_min_length", "１２"),
            ("lockout_threshold", " 3 "),
            ("idle_timeout_minutes", "15"),
        ])
        .unwrap();
        assert_eq!(policy.password_min_length, 12);
        assert_eq!(policy.lockout_threshold, 3);
        assert_eq!(policy.idle_timeout(), TimeDelta::minutes(15));
        assert_eq!(policy.get("lockout_minutes"), 30);
    }

    #[test]
    fn malformed_values_are_reported_at_their_field() {
        let errors =
            SecurityPolicy::parse([("lockout_minutes", "半小时"), ("password_history", "")])
                .unwrap_err();
        assert_eq!(errors.get("lockout_minutes"), Some("锁定时长须为整数"));
        assert_eq!(
            errors.get("password_history"),
            Some("请填写不得重复使用最近几次的密码")
        );
    }

    proptest! {
        #[test]
        fn parse_accepts_exactly_the_bounds(index in 0usize..SETTINGS.len(), value in 0u32..2000) {
            let setting = SETTINGS[index];
            let text = value.to_string();
            let parsed = SecurityPolicy::parse([(setting.name, text.as_str())]);
            prop_assert_eq!(parsed.is_ok(), (setting.min..=setting.max).contains(&value));
            if let Ok(policy) = parsed {
                prop_assert_eq!(policy.get(setting.name), value);
            }
        }
    }

    /// Mutation testing (issue 14, 16): every setting reaches its own field.
    #[test]
    fn each_setting_reaches_its_field() {
        let policy = SecurityPolicy::parse([("address_max_failures", "40")]).unwrap();
        assert_eq!(policy.address_max_failures, 40);
        assert_eq!(
            policy.session_max_hours,
            SecurityPolicy::default().session_max_hours
        );
    }
}
