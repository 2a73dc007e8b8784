//! Members (党员): identity, police and party fields, their enumerations, and the checks that
//! tie them together (the ID number's birth date and gender, an age of 18 at admission, a
//! full member's date of full membership).

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::field::FieldErrors;
use crate::id_number::IdNumber;
use crate::text::{self, PersonName};

labelled_enum! {
    /// 性别.
    pub enum Gender {
        Male = ("male", "男"),
        Female = ("female", "女"),
    }
}

labelled_enum! {
    /// 学历, in the categories of the party's statistics.
    pub enum Education {
        Doctorate = ("doctorate", "博士研究生"),
        Master = ("master", "硕士研究生"),
        Bachelor = ("bachelor", "大学本科"),
        Associate = ("associate", "大学专科"),
        SecondaryVocational = ("secondary_vocational", "中等专科"),
        HighSchool = ("high_school", "高中"),
        JuniorOrBelow = ("junior_or_below", "初中及以下"),
    }
}

labelled_enum! {
    /// 警衔 (police rank), highest first.
    pub enum PoliceRank {
        CommissionerGeneral = ("commissioner_general", "总警监"),
        DeputyCommissionerGeneral = ("deputy_commissioner_general", "副总警监"),
        Commissioner1 = ("commissioner_1", "一级警监"),
        Commissioner2 = ("commissioner_2", "二级警监"),
        Commissioner3 = ("commissioner_3", "三级警监"),
        Supervisor1 = ("supervisor_1", "一级警督"),
        Supervisor2 = ("supervisor_2", "二级警督"),
        Supervisor3 = ("supervisor_3", "三级警督"),
        Superintendent1 = ("superintendent_1", "一级警司"),
        Superintendent2 = ("superintendent_2", "二级警司"),
        Superintendent3 = ("superintendent_3", "三级警司"),
        Constable1 = ("constable_1", "一级警员"),
        Constable2 = ("constable_2", "二级警员"),
    }
}

labelled_enum! {
    /// 党员类别: probationary (预备) or full (正式).
    pub enum Category {
        Probationary = ("probationary", "预备党员"),
        Full = ("full", "正式党员"),
    }
}

labelled_enum! {
    /// A member's standing in the party. Only `Active` and `LostContact` still count as members
    /// of their branch; the others end membership and are kept for history.
    pub enum MemberStatus {
        Active = ("active", "正常"),
        LostContact = ("lost_contact", "失联"),
        Stopped = ("stopped", "停止党籍"),
        Left = ("left", "出党"),
        Deceased = ("deceased", "去世"),
        TransferredOut = ("transferred_out", "已转出"),
    }
}

impl MemberStatus {
    /// Whether a member in this status is still on the branch's roll.
    pub fn is_on_roll(self) -> bool {
        matches!(self, MemberStatus::Active | MemberStatus::LostContact)
    }
}

/// The 56 ethnic groups in the order and with the codes of GB/T 3304.
const ETHNIC_GROUPS: [&str; 56] = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
];

/// 民族, by its GB/T 3304 code ("01" 汉族 … "56" 基诺族).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ethnicity(u8);

impl Ethnicity {
    pub const HAN: Ethnicity = Ethnicity(1);

    /// Accepts the two-digit code or the Chinese name.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if let Ok(n) = raw.parse::<u8>() {
            return (1..=56).contains(&n).then_some(Self(n));
        }
        ETHNIC_GROUPS
            .iter()
            .position(|name| *name == raw)
            .and_then(|i| u8::try_from(i + 1).ok())
            .map(Self)
    }

    pub fn all() -> impl Iterator<Item = Ethnicity> {
        (1..=56).map(Ethnicity)
    }

    pub fn code(self) -> String {
        format!("{:02}", self.0)
    }

    pub fn label(self) -> &'static str {
        ETHNIC_GROUPS[usize::from(self.0 - 1)]
    }
}

impl fmt::Display for Ethnicity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// 警号: the police number, 6 to 8 digits depending on the province's scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PoliceNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PoliceNumberError {
    #[error("请填写警号")]
    Missing,
    #[error("警号应为6至8位数字")]
    Format,
}

impl PoliceNumber {
    pub fn parse(raw: &str) -> Result<Self, PoliceNumberError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(PoliceNumberError::Missing);
        }
        if !(6..=8).contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PoliceNumberError::Format);
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How a form names a member: by 警号, or — for members who have none — by the member
/// number shown on their record (`DY` and the record's number, e.g. `DY1024`). An ID number
/// is never taken here: a form that answered whether an ID number belongs to someone would
/// be an unaudited, unlimited exact search.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MemberRef {
    PoliceNumber(PoliceNumber),
    Record(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MemberRefError {
    #[error("请填写警号（没有警号的，填党员详情页上的党员编号，如 DY1024）")]
    Missing,
    #[error("应为6至8位数字的警号，或党员编号（如 DY1024）")]
    Format,
}

/// The prefix of a member number (党员编号).
pub const RECORD_PREFIX: &str = "DY";

impl MemberRef {
    pub fn parse(raw: &str) -> Result<Self, MemberRefError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(MemberRefError::Missing);
        }
        let upper = value.to_ascii_uppercase();
        if let Some(digits) = upper.strip_prefix(RECORD_PREFIX) {
            return digits
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0 && digits.bytes().all(|b| b.is_ascii_digit()))
                .map(MemberRef::Record)
                .ok_or(MemberRefError::Format);
        }
        PoliceNumber::parse(value)
            .map(MemberRef::PoliceNumber)
            .map_err(|_| MemberRefError::Format)
    }
}

/// The member number a record shows, for naming a member without a 警号 in a form.
pub fn record_number(member_id: i64) -> String {
    format!("{RECORD_PREFIX}{member_id}")
}

impl fmt::Display for PoliceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A telephone number: a mainland mobile number (11 digits starting 13–19) or a landline with
/// its area code (`0571-87654321`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("电话应为11位手机号，或带区号的固定电话（如0571-87654321）")]
pub struct PhoneError;

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let value: String = raw.trim().chars().filter(|c| *c != ' ').collect();
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let mobile = value.len() == 11
            && digits(&value)
            && value.starts_with('1')
            && (b'3'..=b'9').contains(&value.as_bytes()[1]);
        let landline = match value.split_once('-') {
            Some((area, local)) => {
                digits(area)
                    && area.starts_with('0')
                    && (3..=4).contains(&area.len())
                    && digits(local)
                    && (7..=8).contains(&local.len())
            }
            None => false,
        };
        if mobile || landline {
            Ok(Self(value))
        } else {
            Err(PhoneError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The display form for anyone who may not see the whole number: `138****5678`.
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

/// Masks a phone number, keeping the first three and last four characters.
pub fn mask_phone(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

/// Parses a calendar date as `2026-03-28`, also accepting `/` or `.` between the parts, as
/// spreadsheets write them.
pub fn parse_date(raw: &str) -> Result<NaiveDate, DateError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(DateError::Missing);
    }
    let normalised = value.replace(['/', '.'], "-");
    NaiveDate::parse_from_str(&normalised, "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=2999).contains(&d.year()))
        .ok_or(DateError::Format)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("请填写日期")]
    Missing,
    #[error("日期格式应为 2026-03-28，且须为真实日期")]
    Format,
}

/// Years completed between `from` and `on` (a birthday on 29 February counts on 1 March).
pub fn years_between(from: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - from.year();
    if (on.month(), on.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years
}

/// The minimum age at admission to the party (党章 第一条: 年满十八岁).
pub const MIN_ADMISSION_AGE: i32 = 18;

/// The member form as submitted: every field a string, exactly as typed. Unknown fields are
/// refused so that no form can set what it does not show (mass assignment).
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MemberForm {
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub ethnicity: String,
    pub education: String,
    pub id_number: String,
    pub phone: String,
    pub police_number: String,
    pub police_rank: String,
    pub position: String,
    pub unit: String,
    pub branch: String,
    pub category: String,
    pub joined_on: String,
    pub full_membership_on: String,
    pub status: String,
    /// The date from which a change of branch, category or status takes effect (edit only).
    pub effective_on: String,
    /// On edit, an empty phone field keeps the stored number; this box removes it.
    pub clear_phone: String,
    /// On create, for a member transferred in from outside the bureau: the letter's number
    /// and the sending organisation.
    pub transfer_letter: String,
    pub transfer_from: String,
}

/// A member's own fields, checked against each other. The branch and unit are references the
/// service resolves; here they are only the codes as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFields {
    pub name: PersonName,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub ethnicity: Ethnicity,
    pub education: Option<Education>,
    /// `None` on edit when the field was left empty: the stored number stays.
    pub id_number: Option<IdNumber>,
    /// What to do with the phone: `Keep` only on edit, when the field was left empty.
    pub phone: PhoneChange,
    /// None for members who have no 警号: 文职人员, 工勤人员, retired members and others
    /// (issue 14, 1). The ID number is the identity.
    pub police_number: Option<PoliceNumber>,
    pub police_rank: Option<PoliceRank>,
    pub position: Option<String>,
    pub unit_code: Option<String>,
    pub branch_code: String,
    pub category: Category,
    pub joined_on: NaiveDate,
    pub full_membership_on: Option<NaiveDate>,
    pub status: MemberStatus,
    pub effective_on: NaiveDate,
    /// A transfer in from outside the bureau: (letter number, sending organisation).
    pub transfer_in: Option<(String, String)>,
}

pub const POSITION_MAX_CHARS: usize = 50;

/// The phone field's effect. The full number is never sent back to a form, so on edit an
/// empty field means "unchanged" and clearing it is an explicit choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneChange {
    Keep,
    Clear,
    Set(Phone),
}

impl MemberForm {
    /// Parses and cross-checks the form. `today` bounds the dates; `stored_id` is the member's
    /// current ID number on edit, where an empty field keeps it.
    pub fn parse(
        &self,
        today: NaiveDate,
        stored_id: Option<&IdNumber>,
    ) -> Result<MemberFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", PersonName::parse(&self.name));
        let gender = errors.check(
            "gender",
            Gender::from_code(self.gender.trim()).ok_or("请选择性别"),
        );
        let birth_date = errors.check("birth_date", parse_date(&self.birth_date));
        let ethnicity = errors.check(
            "ethnicity",
            Ethnicity::parse(&self.ethnicity).ok_or("请选择民族"),
        );
        let education = errors.check(
            "education",
            optional_code(&self.education, Education::from_code, "学历"),
        );
        let id_number = if self.id_number.trim().is_empty() && stored_id.is_some() {
            Some(None)
        } else {
            errors
                .check("id_number", IdNumber::parse(&self.id_number))
                .map(Some)
        };
        let clear_phone = matches!(self.clear_phone.trim(), "on" | "true" | "1");
        let phone = errors.check(
            "phone",
            match self.phone.trim() {
                _ if clear_phone => Ok(PhoneChange::Clear),
                "" if stored_id.is_some() => Ok(PhoneChange::Keep),
                "" => Ok(PhoneChange::Clear),
                raw => Phone::parse(raw).map(PhoneChange::Set),
            },
        );
        let police_number = errors.check(
            "police_number",
            match self.police_number.trim() {
                "" => Ok(None),
                raw => PoliceNumber::parse(raw).map(Some),
            },
        );
        let police_rank = errors.check(
            "police_rank",
            optional_code(&self.police_rank, PoliceRank::from_code, "警衔"),
        );
        let position = errors.check(
            "position",
            text::optional(&self.position, "职务", POSITION_MAX_CHARS),
        );
        let unit_code = errors.check("unit", text::optional(&self.unit, "单位编码", 32));
        let branch_code = errors.check(
            "branch",
            text::optional(&self.branch, "党支部", 32)
                .and_then(|code| code.ok_or(text::TextError::Missing("所在党支部"))),
        );
        let category = errors.check(
            "category",
            Category::from_code(self.category.trim()).ok_or("请选择党员类别"),
        );
        let joined_on = errors.check("joined_on", parse_date(&self.joined_on));
        let full_membership_on = errors.check(
            "full_membership_on",
            match self.full_membership_on.trim() {
                "" => Ok(None),
                raw => parse_date(raw).map(Some),
            },
        );
        let status = errors.check(
            "status",
            match self.status.trim() {
                "" => Ok(MemberStatus::Active),
                code => MemberStatus::from_code(code).ok_or("请选择党籍状态"),
            },
        );
        let letter = errors.check(
            "transfer_letter",
            text::optional(&self.transfer_letter, "介绍信编号", 40),
        );
        let from = errors.check(
            "transfer_from",
            text::optional(&self.transfer_from, "转出党组织", 100),
        );
        let transfer_in = match (letter, from) {
            (Some(Some(letter)), Some(Some(from))) => Some(Some((letter, from))),
            (Some(None), Some(None)) => Some(None),
            (Some(Some(_)), Some(None)) => {
                errors.add("transfer_from", "请填写转出党组织");
                None
            }
            (Some(None), Some(Some(_))) => {
                errors.add("transfer_letter", "请填写介绍信编号");
                None
            }
            _ => None,
        };
        let effective_on = errors.check(
            "effective_on",
            match self.effective_on.trim() {
                "" => Ok(today),
                raw => parse_date(raw),
            },
        );

        // Cross-field checks run only on fields that parsed, so each message names a real
        // inconsistency rather than an echo of an earlier error.
        let checked_id = match &id_number {
            Some(Some(id)) => Some(id),
            Some(None) => stored_id,
            None => None,
        };
        if let (Some(id), Some(birth)) = (checked_id, birth_date)
            && id.birth_date() != birth
        {
            errors.add("birth_date", "出生日期与身份证号不一致");
        }
        if let (Some(id), Some(gender)) = (checked_id, gender)
            && id.gender() != gender
        {
            errors.add("gender", "性别与身份证号不一致");
        }
        if let Some(birth) = birth_date
            && birth > today
        {
            errors.add("birth_date", "出生日期不能晚于今天");
        }
        if let Some(joined) = joined_on {
            if joined > today {
                errors.add("joined_on", "入党日期不能晚于今天");
            }
            if let Some(birth) = birth_date
                && years_between(birth, joined) < MIN_ADMISSION_AGE
            {
                errors.add("joined_on", "入党时应年满18周岁");
            }
        }
        if let (Some(category), Some(full_on)) = (category, full_membership_on) {
            match (category, full_on) {
                (Category::Full, None) => {
                    errors.add("full_membership_on", "正式党员须填写转正日期")
                }
                (Category::Probationary, Some(_)) => {
                    errors.add("full_membership_on", "预备党员不应填写转正日期")
                }
                (Category::Full, Some(full)) => {
                    if full > today {
                        errors.add("full_membership_on", "转正日期不能晚于今天");
                    }
                    if joined_on.is_some_and(|joined| full <= joined) {
                        errors.add("full_membership_on", "转正日期应晚于入党日期");
                    }
                }
                (Category::Probationary, None) => {}
            }
        }
        if let Some(on) = effective_on
            && on > today
        {
            errors.add("effective_on", "生效日期不能晚于今天");
        }

        let (
            Some(name),
            Some(gender),
            Some(birth_date),
            Some(ethnicity),
            Some(education),
            Some(id_number),
            Some(phone),
            Some(police_number),
            Some(police_rank),
            Some(position),
            Some(unit_code),
            Some(branch_code),
            Some(category),
            Some(joined_on),
            Some(full_membership_on),
            Some(status),
            Some(effective_on),
            Some(transfer_in),
        ) = (
            name,
            gender,
            birth_date,
            ethnicity,
            education,
            id_number,
            phone,
            police_number,
            police_rank,
            position,
            unit_code,
            branch_code,
            category,
            joined_on,
            full_membership_on,
            status,
            effective_on,
            transfer_in,
        )
        else {
            return Err(errors);
        };
        errors.into_result(MemberFields {
            name,
            gender,
            birth_date,
            ethnicity,
            education,
            id_number,
            phone,
            police_number,
            police_rank,
            position,
            unit_code,
            branch_code,
            category,
            joined_on,
            full_membership_on,
            status,
            effective_on,
            transfer_in,
        })
    }
}

/// An optional select: empty is `None`, anything else must be a known code.
fn optional_code<T>(
    raw: &str,
    from_code: fn(&str) -> Option<T>,
    label: &'static str,
) -> Result<Option<T>, String> {
    match raw.trim() {
        "" => Ok(None),
        code => from_code(code)
            .map(Some)
            .ok_or_else(|| format!("请选择有效的{label}")),
    }
}

/// 党龄: whole years since full membership, as the party counts it (预备期不计入党龄).
/// `None` for a probationary member.
pub fn party_age(full_membership_on: Option<NaiveDate>, on: NaiveDate) -> Option<i32> {
    full_membership_on.map(|full| years_between(full, on).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    /// The values a parsed field keeps are the ones typed, and show as such.
    #[test]
    fn parsed_values_keep_and_show_what_was_typed() {
        let number = PoliceNumber::parse(" 010203 ").unwrap();
        assert_eq!(
            (number.as_str(), number.to_string().as_str()),
            ("010203", "010203")
        );
        let phone = Phone::parse("138 1234 5678").unwrap();
        assert_eq!(phone.as_str(), "13812345678");
        // Debug output never shows the whole number.
        assert_eq!(format!("{phone:?}"), "Phone(138****5678)");
        let han = Ethnicity::parse("汉族").unwrap();
        assert_eq!(
            (han.code(), han.label(), han.to_string()),
            ("01".to_owned(), "汉族", "汉族".to_owned())
        );
        let last = Ethnicity::parse("56").unwrap();
        assert_eq!(last.label(), ETHNIC_GROUPS[55]);
        assert_eq!(Ethnicity::parse(last.label()), Some(last));
    }

    /// A phone number is digits where digits belong: letters are refused in a mobile number
    /// and in either part of a landline.
    #[test]
    fn a_phone_number_with_letters_is_refused() {
        for bad in [
            "13a45678901",
            "0a71-87654321",
            "0571-8765432a",
            "-87654321",
            "0571-",
        ] {
            assert_eq!(Phone::parse(bad), Err(PhoneError), "{bad}");
        }
        assert!(Phone::parse("0571-87654321").is_ok());
    }

    fn valid_form() -> MemberForm {
        MemberForm {
            name: "张伟".into(),
            gender: "female".into(),
            birth_date: "1949-12-31".into(),
            ethnicity: "01".into(),
            education: "bachelor".into(),
            id_number: "11010519491231002X".into(),
            phone: "13812345678".into(),
            police_number: "010203".into(),
            police_rank: "supervisor_2".into(),
            position: "副所长".into(),
            unit: String::new(),
            branch: "ZB01".into(),
            category: "full".into(),
            joined_on: "1975-07-01".into(),
            full_membership_on: "1976-07-01".into(),
            status: "active".into(),
            effective_on: String::new(),
            clear_phone: String::new(),
            transfer_letter: String::new(),
            transfer_from: String::new(),
        }
    }

    fn messages(errors: &FieldErrors, field: &str) -> Vec<String> {
        errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.clone())
            .collect()
    }

    /// The phone field on edit: empty keeps the stored number, the clear box clears it even
    /// with a number typed; on create empty means none.
    #[test]
    fn the_phone_field_keeps_clears_or_sets() {
        let stored = IdNumber::parse("11010519491231002X").unwrap();
        let mut form = valid_form();
        form.phone = String::new();
        assert_eq!(
            form.parse(today(), Some(&stored)).unwrap().phone,
            PhoneChange::Keep
        );
        assert_eq!(form.parse(today(), None).unwrap().phone, PhoneChange::Clear);
        form.phone = "13812345678".into();
        form.clear_phone = "on".into();
        assert_eq!(
            form.parse(today(), Some(&stored)).unwrap().phone,
            PhoneChange::Clear
        );
        form.clear_phone = String::new();
        assert_eq!(
            form.parse(today(), None).unwrap().phone,
            PhoneChange::Set(Phone::parse("13812345678").unwrap())
        );
    }

    /// A member transferred in from outside names both the letter and the org it came from.
    #[test]
    fn a_transfer_in_needs_its_letter_and_its_origin() {
        let mut form = valid_form();
        form.transfer_letter = "组转字〔2026〕12号".into();
        form.transfer_from = "某市公安局党委".into();
        assert_eq!(
            form.parse(today(), None).unwrap().transfer_in,
            Some(("组转字〔2026〕12号".to_owned(), "某市公安局党委".to_owned()))
        );
        form.transfer_from = String::new();
        let errors = form.parse(today(), None).unwrap_err();
        assert_eq!(messages(&errors, "transfer_from"), ["请填写转出党组织"]);
        form.transfer_letter = String::new();
        form.transfer_from = "某市公安局党委".into();
        let errors = form.parse(today(), None).unwrap_err();
        assert_eq!(messages(&errors, "transfer_letter"), ["请填写介绍信编号"]);
    }

    /// Dates up to today are taken; tomorrow is refused at its field.
    #[test]
    fn today_is_the_last_day_a_date_may_name() {
        let tomorrow = today().succ_opt().unwrap().to_string();
        // Without an ID number to check the birth date against (that check would speak
        // first at the field).
        let mut form = valid_form();
        form.id_number = String::new();
        form.birth_date = today().to_string();
        let errors = form.parse(today(), None).unwrap_err();
        assert!(!messages(&errors, "birth_date").contains(&"出生日期不能晚于今天".to_owned()));
        form.birth_date = tomorrow.clone();
        let errors = form.parse(today(), None).unwrap_err();
        assert!(messages(&errors, "birth_date").contains(&"出生日期不能晚于今天".to_owned()));
        let mut form = valid_form();
        form.joined_on = today().to_string();
        if let Err(errors) = form.parse(today(), None) {
            assert!(!messages(&errors, "joined_on").contains(&"入党日期不能晚于今天".to_owned()));
        }
        form.joined_on = tomorrow.clone();
        let errors = form.parse(today(), None).unwrap_err();
        assert!(messages(&errors, "joined_on").contains(&"入党日期不能晚于今天".to_owned()));
        let mut form = valid_form();
        form.full_membership_on = today().to_string();
        let fields = form.parse(today(), None).unwrap();
        assert_eq!(fields.full_membership_on, Some(today()));
        // The optional codes are kept, not dropped.
        assert_eq!(fields.education, Some(Education::Bachelor));
        assert_eq!(fields.police_rank, PoliceRank::from_code("supervisor_2"));
        form.full_membership_on = tomorrow;
        let errors = form.parse(today(), None).unwrap_err();
        assert_eq!(
            messages(&errors, "full_membership_on"),
            ["转正日期不能晚于今天"]
        );
    }

    /// Issue 14, 1: not every member has a 警号 (文职, 工勤, retired members); the form takes
    /// none, and forms that name a member take the member number instead.
    #[test]
    fn a_member_may_have_no_police_number_and_is_then_named_by_record() {
        let mut form = valid_form();
        form.police_number = "  ".into();
        form.police_rank = String::new();
        let fields = form.parse(today(), None).unwrap();
        assert_eq!(fields.police_number, None);
        assert_eq!(fields.police_rank, None);
        form.police_number = "12ab".into();
        assert!(form.parse(today(), None).is_err());
        assert_eq!(
            MemberRef::parse(" 010203 "),
            Ok(MemberRef::PoliceNumber(
                PoliceNumber::parse("010203").unwrap()
            ))
        );
        assert_eq!(MemberRef::parse("dy1024"), Ok(MemberRef::Record(1024)));
        assert_eq!(
            MemberRef::parse(&record_number(7)),
            Ok(MemberRef::Record(7))
        );
        for bad in [
            "DY",
            "DY0",
            "DY-3",
            "DY1x",
            "DY 12",
            "11010519491231002X",
            "12345",
        ] {
            assert_eq!(MemberRef::parse(bad), Err(MemberRefError::Format), "{bad}");
        }
        assert_eq!(MemberRef::parse(" "), Err(MemberRefError::Missing));
    }

    #[test]
    fn a_valid_form_parses() {
        let fields = valid_form().parse(today(), None).unwrap();
        assert_eq!(fields.name.as_str(), "张伟");
        assert_eq!(fields.category, Category::Full);
        assert_eq!(fields.effective_on, today());
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let form = MemberForm {
            name: String::new(),
            gender: "x".into(),
            id_number: "110105194912310021".into(),
            phone: "12345".into(),
            police_number: "12ab".into(),
            joined_on: "2026-02-30".into(),
            ..valid_form()
        };
        let errors = form.parse(today(), None).unwrap_err();
        assert_eq!(errors.get("name"), Some("请填写姓名"));
        assert_eq!(errors.get("gender"), Some("请选择性别"));
        assert_eq!(
            errors.get("id_number"),
            Some("身份证号校验位不正确，请核对")
        );
        assert!(errors.get("phone").is_some());
        assert_eq!(errors.get("police_number"), Some("警号应为6至8位数字"));
        assert!(errors.get("joined_on").is_some());
    }

    #[test]
    fn the_birth_date_and_gender_must_match_the_id_number() {
        let form = MemberForm {
            birth_date: "1949-12-30".into(),
            gender: "male".into(),
            ..valid_form()
        };
        let errors = form.parse(today(), None).unwrap_err();
        assert_eq!(errors.get("birth_date"), Some("出生日期与身份证号不一致"));
        assert_eq!(errors.get("gender"), Some("性别与身份证号不一致"));
    }

    #[test]
    fn a_member_must_have_been_eighteen_at_admission() {
        let form = MemberForm {
            joined_on: "1967-12-30".into(),
            full_membership_on: "1968-12-30".into(),
            ..valid_form()
        };
        let errors = form.parse(today(), None).unwrap_err();
        assert_eq!(errors.get("joined_on"), Some("入党时应年满18周岁"));
        let on_birthday = MemberForm {
            joined_on: "1967-12-31".into(),
            ..valid_form()
        };
        assert!(on_birthday.parse(today(), None).is_ok());
    }

    #[test]
    fn the_category_decides_whether_a_full_membership_date_belongs() {
        let full_without = MemberForm {
            full_membership_on: String::new(),
            ..valid_form()
        };
        assert_eq!(
            full_without
                .parse(today(), None)
                .unwrap_err()
                .get("full_membership_on"),
            Some("正式党员须填写转正日期")
        );
        let probationary_with = MemberForm {
            category: "probationary".into(),
            ..valid_form()
        };
        assert_eq!(
            probationary_with
                .parse(today(), None)
                .unwrap_err()
                .get("full_membership_on"),
            Some("预备党员不应填写转正日期")
        );
        let before_joining = MemberForm {
            full_membership_on: "1975-07-01".into(),
            ..valid_form()
        };
        assert_eq!(
            before_joining
                .parse(today(), None)
                .unwrap_err()
                .get("full_membership_on"),
            Some("转正日期应晚于入党日期")
        );
    }

    #[test]
    fn on_edit_an_empty_id_number_keeps_the_stored_one_and_is_still_cross_checked() {
        let stored = IdNumber::parse("11010519491231002X").unwrap();
        let form = MemberForm {
            id_number: String::new(),
            ..valid_form()
        };
        assert_eq!(form.parse(today(), Some(&stored)).unwrap().id_number, None);
        let wrong_birth = MemberForm {
            birth_date: "1950-01-01".into(),
            ..form
        };
        assert!(wrong_birth.parse(today(), Some(&stored)).is_err());
        let missing_on_create = MemberForm {
            id_number: String::new(),
            ..valid_form()
        };
        assert_eq!(
            missing_on_create
                .parse(today(), None)
                .unwrap_err()
                .get("id_number"),
            Some("请填写身份证号")
        );
    }

    #[test]
    fn future_dates_are_refused() {
        let form = MemberForm {
            effective_on: "2026-11-30".into(),
            ..valid_form()
        };
        assert_eq!(
            form.parse(today(), None).unwrap_err().get("effective_on"),
            Some("生效日期不能晚于今天")
        );
    }

    #[test]
    fn phones_are_mobile_or_landline_and_mask_the_middle() {
        assert_eq!(
            Phone::parse("138 1234 5678").unwrap().masked(),
            "138****5678"
        );
        assert!(Phone::parse("0571-87654321").is_ok());
        assert!(Phone::parse("12812345678").is_err());
        assert!(Phone::parse("571-87654321").is_err());
    }

    #[test]
    fn ethnicity_parses_code_or_name() {
        assert_eq!(Ethnicity::parse("01"), Some(Ethnicity::HAN));
        assert_eq!(
            Ethnicity::parse("基诺族").map(Ethnicity::code).as_deref(),
            Some("56")
        );
        assert_eq!(Ethnicity::parse("57"), None);
        assert_eq!(Ethnicity::all().count(), 56);
    }

    #[test]
    fn party_age_counts_from_full_membership() {
        let full = NaiveDate::from_ymd_opt(2020, 7, 1);
        assert_eq!(
            party_age(full, NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()),
            Some(5)
        );
        assert_eq!(
            party_age(full, NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()),
            Some(6)
        );
        assert_eq!(party_age(None, today()), None);
    }
}
