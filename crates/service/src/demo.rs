//! A deterministic synthetic bureau for trying the platform and for benchmarks: units, the
//! org tree, members with consistent dates, secretaries, and a few planted gaps (a branch
//! without a secretary, a unit without a party org, a branch too small, one too large, a
//! member lost contact, a probationary member overdue) so that every check has something to
//! find. Every person is fictional: ID numbers carry regions 8301xx–8320xx (of the 83 codes only
//! 830000 is issued, to Taiwan residents' residence permits), so no
//! generated number can belong to a real person, yet every checksum is valid.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate, TimeDelta};
use dangjian_core::id_number::check_char;
use dangjian_core::lifecycle::probation_due;
use dangjian_core::member::{Category, Education, Ethnicity, Gender, MemberStatus, PoliceRank};
use dangjian_core::org::{OrgKind, OrgPath, Post, UnitKind};
use dangjian_core::role::Role;
use dangjian_core::rules::RuleBook;
use dangjian_core::term::term_end;
use dangjian_store::accounts::{self, NewAccount};
use dangjian_store::bulk::{self, BulkMember};
use dangjian_store::orgs;
use dangjian_store::units;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::{Services, secret};

mod care;
mod conduct;
mod courses;
mod dues;
mod funds;
mod life;
mod rating;
mod recruitment;
mod rectify;
mod review;
mod study;

/// How big a bureau to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoScale {
    /// One city bureau: about 3,000 members in about 250 branches.
    City,
    /// A province: 32 city bureaus under one department, about 100,000 members.
    Province,
}

/// A demo account and its password, printed once.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub login: String,
    pub role: Role,
    pub password: String,
    /// What the account sees, in words.
    pub scope: String,
}

#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub units: usize,
    pub orgs: usize,
    pub branches: usize,
    pub members: usize,
    /// Records of organisational life.
    pub meetings: usize,
    /// Rectification items of the demo inspection, and their measures.
    pub rectifications: usize,
    pub measures: usize,
    pub accounts: Vec<DemoAccount>,
}

/// The planned bureau, built in memory before anything is written.
#[derive(Default)]
struct Plan {
    units: Vec<PlannedUnit>,
    orgs: Vec<PlannedOrg>,
    members: Vec<PlannedMember>,
}

struct PlannedUnit {
    code: String,
    name: String,
    kind: UnitKind,
    parent: Option<usize>,
}

struct PlannedOrg {
    code: String,
    name: String,
    kind: OrgKind,
    parent: Option<usize>,
    unit: Option<usize>,
    founded_on: NaiveDate,
    /// Index into `members` of the secretary, once chosen.
    secretary: Option<usize>,
    /// The other committee seats: 组织委员, 宣传委员, 纪检委员.
    committee: Vec<(Post, usize)>,
    /// A party group's members (its leader, in `secretary`, among them).
    members: Vec<usize>,
    dissolved_on: Option<NaiveDate>,
    /// A joint org (联合党支部) and the units it names besides its own.
    joint: bool,
    covers: Vec<usize>,
}

struct PlannedMember {
    row: BulkMember,
    /// In clear only in memory: sealed when written.
    id_number: String,
    phone: Option<String>,
    branch: usize,
    unit: Option<usize>,
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁",
    "任", "沈", "姚", "卢", "钟", "姜", "崔", "谭", "陆", "范", "汪", "廖", "石", "金", "韦", "贾",
    "夏", "付", "方", "邹", "熊", "白", "孟", "秦",
];
const GIVEN_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "阳", "峰", "建",
    "国", "志", "海", "东", "文", "博", "晨", "诚", "振", "毅", "亮", "新", "忠", "卫", "荣", "晓",
    "锋", "成",
];
const GIVEN_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧", "颖", "琳", "倩",
    "洁", "萍", "红", "梅", "莉", "兰", "晶", "璐", "欣", "悦", "佳", "蕾", "薇", "宁",
];
const CITY_NAMES: &[&str] = &[
    "江城", "海州", "云川", "临江", "青州", "明州", "南陵", "北原", "东湖", "西岭", "安平", "长宁",
    "兴华", "永安", "清河", "丰城", "宁远", "华阳", "新安", "广川", "平阳", "金川", "玉山", "龙泉",
    "凤阳", "石城", "白沙", "桐乡", "嘉陵", "岳川", "泰和", "云山",
];
const STATION_NAMES: &[&str] = &[
    "新华",
    "人民路",
    "解放",
    "和平",
    "建设",
    "胜利",
    "光明",
    "朝阳",
    "滨江",
    "湖滨",
    "南门",
    "北关",
    "东关",
    "西关",
    "城关",
    "长安",
    "文化",
    "花园",
    "兴隆",
    "太平",
];
const CN_NUMBERS: &[&str] = &[
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
];

/// 一, 二, 三 … for the n-th (0-based) branch or group.
/// The follow-up actions of the root committee's latest 民主生活会: what, who, and due how many
/// months after the meeting.
const LIFE_ACTIONS: &[(&str, &str, u32)] = &[
    (
        "班子成员每人建立一个基层联系点，每季度至少蹲点调研一次",
        "党委书记",
        3,
    ),
    (
        "针对执法规范化问题开展专项整治，完善执法监督机制",
        "分管执法副局长",
        6,
    ),
    ("健全党建工作与业务工作同部署同考核机制", "政治部主任", 6),
    (
        "严格落实谈心谈话制度，班子成员与分管部门负责人每半年至少谈心一次",
        "党委书记",
        12,
    ),
];

fn ordinal(n: usize) -> &'static str {
    CN_NUMBERS.get(n).copied().unwrap_or("十三")
}

/// The generator: a seeded random source, today's date, and counters that keep numbers unique.
struct Generator {
    rng: StdRng,
    rules: RuleBook,
    today: NaiveDate,
    plan: Plan,
    id_numbers: HashSet<String>,
    next_police_number: u32,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Who a planned member is: a serving officer, or one of those without a 警号.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Staff {
    Police,
    /// 文职人员 or 工勤人员.
    Civilian,
    Retired,
}

impl Generator {
    fn new(seed: u64, today: NaiveDate, rules: RuleBook) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            rules,
            today,
            plan: Plan::default(),
            id_numbers: HashSet::new(),
            next_police_number: 100_001,
        }
    }

    fn pick<'a>(&mut self, from: &'a [&'a str]) -> &'a str {
        from[self.rng.random_range(0..from.len())]
    }

    fn days_before(&mut self, date: NaiveDate, min: i64, max: i64) -> NaiveDate {
        date - TimeDelta::days(self.rng.random_range(min..=max))
    }

    fn unit(&mut self, code: String, name: String, kind: UnitKind, parent: Option<usize>) -> usize {
        self.plan.units.push(PlannedUnit {
            code,
            name,
            kind,
            parent,
        });
        self.plan.units.len() - 1
    }

    fn org(
        &mut self,
        code: String,
        name: String,
        kind: OrgKind,
        parent: Option<usize>,
        unit: Option<usize>,
    ) -> usize {
        let earliest = parent.map_or(date(1983, 1, 1), |p| self.plan.orgs[p].founded_on);
        let span = (date(2016, 1, 1) - earliest).num_days().max(1);
        let founded_on = earliest + TimeDelta::days(self.rng.random_range(0..span / 3 + 1));
        self.plan.orgs.push(PlannedOrg {
            code,
            name,
            kind,
            parent,
            unit,
            founded_on,
            secretary: None,
            committee: Vec::new(),
            members: Vec::new(),
            dissolved_on: None,
            joint: false,
            covers: Vec::new(),
        });
        self.plan.orgs.len() - 1
    }

    /// A fictional, checksum-valid ID number for a birth date and gender, unique in the plan.
    fn id_number(&mut self, birth: NaiveDate, gender: Gender) -> String {
        loop {
            let region = format!(
                "83{:02}{:02}",
                self.rng.random_range(1..=20),
                self.rng.random_range(1..=30)
            );
            let mut seq: u32 = self.rng.random_range(0..500) * 2;
            if gender == Gender::Male {
                seq += 1;
            }
            let body = format!("{region}{}{seq:03}", birth.format("%Y%m%d"));
            let id = format!("{body}{}", check_char(body.as_bytes()) as char);
            if self.id_numbers.insert(id.clone()) {
                return id;
            }
        }
    }

    /// A member of `branch` working in `unit`, with dates that agree with each other. Only
    /// serving police officers have a 警号 and a rank.
    fn member(
        &mut self,
        branch: usize,
        unit: Option<usize>,
        position: &str,
        probationary: bool,
        staff: Staff,
    ) -> usize {
        let gender = if self.rng.random_bool(0.82) {
            Gender::Male
        } else {
            Gender::Female
        };
        let age = match staff {
            Staff::Retired => self.rng.random_range(61..=82),
            Staff::Police | Staff::Civilian => self.rng.random_range(24..=58),
        };
        let birth = date(
            self.today.year() - age,
            self.rng.random_range(1..=12),
            self.rng.random_range(1..=28),
        );
        let surname = self.pick(SURNAMES);
        let given: String = (0..self.rng.random_range(1..=2))
            .map(|_| {
                if gender == Gender::Male {
                    self.pick(GIVEN_MALE)
                } else {
                    self.pick(GIVEN_FEMALE)
                }
            })
            .collect();
        let name = format!("{surname}{given}");
        let (joined_on, full_on, category) = if probationary {
            (
                self.days_before(self.today, 20, 330),
                None,
                Category::Probationary,
            )
        } else {
            let latest_age = (age - 2).min(40);
            let joined_age = self.rng.random_range(20.min(latest_age)..=latest_age);
            let joined = date(
                birth.year() + joined_age,
                self.rng.random_range(1..=12),
                self.rng.random_range(1..=28),
            )
            .min(self.today - TimeDelta::days(400));
            // Most probationary periods last one year; a few were extended by six months.
            let months = if self.rng.random_bool(0.05) { 18 } else { 12 };
            let full = joined
                .checked_add_months(chrono::Months::new(months))
                .unwrap_or(joined);
            (
                joined,
                Some(full.min(self.today - TimeDelta::days(1))),
                Category::Full,
            )
        };
        let service_years = (age - 22).max(0);
        let rank = match service_years {
            0..=1 => PoliceRank::Constable1,
            2..=4 => PoliceRank::Superintendent3,
            5..=8 => PoliceRank::Superintendent2,
            9..=13 => PoliceRank::Superintendent1,
            14..=19 => PoliceRank::Supervisor3,
            20..=26 => PoliceRank::Supervisor2,
            _ => PoliceRank::Supervisor1,
        };
        let education = match self.rng.random_range(0..100) {
            0..=14 => Education::Master,
            15..=74 => Education::Bachelor,
            75..=94 => Education::Associate,
            _ => Education::SecondaryVocational,
        };
        let ethnicity = if self.rng.random_bool(0.94) {
            Ethnicity::HAN
        } else {
            Ethnicity::parse(self.pick(&["03", "08", "11", "05", "06", "15"]))
                .unwrap_or(Ethnicity::HAN)
        };
        let phone = self.rng.random_bool(0.9).then(|| {
            format!(
                "1{}{:09}",
                self.pick(&["3", "5", "8", "9"]),
                self.rng.random_range(0..1_000_000_000u32)
            )
        });
        let (police_number, rank) = match staff {
            Staff::Police => {
                let number = format!("{:06}", self.next_police_number);
                self.next_police_number += 1;
                (Some(number), Some(rank))
            }
            Staff::Civilian | Staff::Retired => (None, None),
        };
        let id_number = self.id_number(birth, gender);
        self.plan.members.push(PlannedMember {
            row: BulkMember {
                id: 0,
                id_number_ct: String::new(),
                phone_ct: None,
                name,
                gender,
                birth_date: birth,
                ethnicity: ethnicity.code(),
                education: Some(education),
                id_number_idx: String::new(),
                police_number,
                police_rank: rank,
                position: Some(position.to_owned()),
                unit_id: None,
                branch_id: 0,
                category,
                status: MemberStatus::Active,
                joined_on,
                full_membership_on: full_on,
                probation_due_on: full_on
                    .is_none()
                    .then(|| probation_due(joined_on, &self.rules)),
                import_batch_id: None,
            },
            id_number,
            phone,
            branch,
            unit,
        });
        self.plan.members.len() - 1
    }

    /// A branch with `size` members, its secretary the most senior full member.
    fn branch(
        &mut self,
        code: String,
        name: String,
        parent: usize,
        unit: usize,
        size: usize,
        positions: &[&str],
    ) -> usize {
        let branch = self.org(code, name, OrgKind::Branch, Some(parent), Some(unit));
        let mut full = Vec::new();
        let mut everyone = Vec::new();
        for i in 0..size {
            let probationary = self.rng.random_bool(0.04);
            let position = if i == 0 {
                positions[0]
            } else {
                positions[1 + self.rng.random_range(0..positions.len() - 1)]
            };
            // A few of the unit's people are 文职人员 or 工勤人员, who have no 警号.
            let (position, staff) = if i > 0 && self.rng.random_bool(0.05) {
                (self.pick(&["文职人员", "工勤人员"]), Staff::Civilian)
            } else {
                (position, Staff::Police)
            };
            let m = self.member(branch, Some(unit), position, probationary && i > 0, staff);
            everyone.push(m);
            if self.plan.members[m].row.category == Category::Full {
                full.push(m);
            }
        }
        // The most senior full member is secretary; from seven full members on, the next
        // three complete the committee (支部条例 第二十条).
        full.sort_by_key(|&m| self.plan.members[m].row.full_membership_on);
        self.plan.orgs[branch].secretary = full.first().copied();
        if full.len() >= 7 {
            let seats = [
                Post::OrganizationCommissioner,
                Post::PublicityCommissioner,
                Post::DisciplineCommissioner,
            ];
            self.plan.orgs[branch].committee = seats
                .iter()
                .zip(&full[1..4])
                .map(|(post, m)| (*post, *m))
                .collect();
        }
        // Larger branches organise their members in two party groups, each led by its most
        // senior full member other than the branch secretary.
        if size >= 14 {
            let half = everyone.len().div_ceil(2);
            for (g, members) in everyone.chunks(half).enumerate() {
                let code = format!("{}-G{}", self.plan.orgs[branch].code, g + 1);
                let name = format!("第{}党小组", ordinal(g));
                let group = self.org(code, name, OrgKind::Group, Some(branch), Some(unit));
                let secretary = self.plan.orgs[branch].secretary;
                let leader = full
                    .iter()
                    .copied()
                    .find(|m| members.contains(m) && Some(*m) != secretary);
                self.plan.orgs[group].members = members.to_vec();
                self.plan.orgs[group].secretary = leader;
            }
        }
        branch
    }

    /// The retired officers' branch of the bureau's organs: members in their sixties to
    /// eighties, none with a 警号 any more.
    fn retired_branch(&mut self, code: String, name: String, parent: usize, unit: usize) {
        let branch = self.org(code, name, OrgKind::Branch, Some(parent), Some(unit));
        let size = self.rng.random_range(9..=16);
        let members: Vec<usize> = (0..size)
            .map(|_| self.member(branch, Some(unit), "退休民警", false, Staff::Retired))
            .collect();
        let mut full = members;
        full.sort_by_key(|&m| self.plan.members[m].row.full_membership_on);
        self.plan.orgs[branch].secretary = full.first().copied();
    }

    fn size(&mut self) -> usize {
        self.rng.random_range(8..=18)
    }

    /// One city bureau under `parent` (the province) or as the root.
    fn city(&mut self, prefix: &str, city: &str, parent: Option<usize>) -> usize {
        let p = |code: &str| format!("{prefix}{code}");
        let bureau_unit = self.unit(
            p("U000"),
            format!("{city}市公安局机关"),
            UnitKind::Bureau,
            None,
        );
        let root = self.org(
            p("DW"),
            format!("{city}市公安局党委"),
            OrgKind::Committee,
            parent,
            Some(bureau_unit),
        );
        let organ = self.org(
            p("JGDW"),
            format!("{city}市公安局机关党委"),
            OrgKind::Committee,
            Some(root),
            Some(bureau_unit),
        );
        let departments = [
            "办公室",
            "政治部",
            "警务督察支队",
            "指挥中心",
            "法制支队",
            "警务保障处",
            "科技信息化处",
        ];
        for (i, department) in departments.iter().enumerate() {
            let unit = self.unit(
                p(&format!("U1{i:02}")),
                format!("{city}市公安局{department}"),
                UnitKind::Department,
                Some(bureau_unit),
            );
            for b in 0..self.rng.random_range(2..=4) {
                let size = self.size();
                let name = format!("{department}第{}党支部", ordinal(b));
                self.branch(
                    p(&format!("JG{i:02}{b}")),
                    name,
                    organ,
                    unit,
                    size,
                    &["主任", "科员", "副主任", "民警"],
                );
            }
        }
        self.retired_branch(
            p("LTX"),
            format!("{city}市公安局离退休干部党支部"),
            organ,
            bureau_unit,
        );
        let detachments = [
            "刑事侦查支队",
            "治安管理支队",
            "交通警察支队",
            "特警支队",
            "经济犯罪侦查支队",
            "网络安全保卫支队",
            "禁毒支队",
        ];
        for (i, detachment) in detachments.iter().enumerate() {
            let unit = self.unit(
                p(&format!("U2{i:02}")),
                format!("{city}市公安局{detachment}"),
                UnitKind::Detachment,
                Some(bureau_unit),
            );
            let general = self.org(
                p(&format!("ZD{i:02}")),
                format!("{detachment}党总支"),
                OrgKind::GeneralBranch,
                Some(root),
                Some(unit),
            );
            for b in 0..self.rng.random_range(7..=11) {
                let size = self.size();
                let name = format!("{}{}大队党支部", detachment, ordinal(b));
                self.branch(
                    p(&format!("ZD{i:02}{b}")),
                    name,
                    general,
                    unit,
                    size,
                    &["大队长", "民警", "副大队长", "中队长", "民警"],
                );
            }
        }
        let jail = self.unit(
            p("U300"),
            format!("{city}市看守所"),
            UnitKind::DetentionCenter,
            Some(bureau_unit),
        );
        let jail_general = self.org(
            p("KSS"),
            format!("{city}市看守所党总支"),
            OrgKind::GeneralBranch,
            Some(root),
            Some(jail),
        );
        for b in 0..4 {
            let size = self.size();
            self.branch(
                p(&format!("KSS{b}")),
                format!("看守所第{}党支部", ordinal(b)),
                jail_general,
                jail,
                size,
                &["所长", "管教民警", "民警"],
            );
        }
        let lockup = self.unit(
            p("U301"),
            format!("{city}市拘留所"),
            UnitKind::DetentionCenter,
            Some(bureau_unit),
        );
        let size = self.size();
        self.branch(
            p("JLS0"),
            "拘留所党支部".to_owned(),
            root,
            lockup,
            size,
            &["所长", "民警"],
        );

        let districts = ["城东", "城西", "城南", "城北"];
        let mut station = 0;
        for (d, district) in districts.iter().enumerate() {
            let sub_unit = self.unit(
                p(&format!("U4{d}0")),
                format!("{city}市公安局{district}分局"),
                UnitKind::SubBureau,
                Some(bureau_unit),
            );
            let sub = self.org(
                p(&format!("FJ{d}")),
                format!("{district}分局党委"),
                OrgKind::Committee,
                Some(root),
                Some(sub_unit),
            );
            for b in 0..self.rng.random_range(3..=4) {
                let size = self.size();
                self.branch(
                    p(&format!("FJ{d}JG{b}")),
                    format!("{district}分局机关第{}党支部", ordinal(b)),
                    sub,
                    sub_unit,
                    size,
                    &["科长", "科员", "民警"],
                );
            }
            for s in 0..5 {
                let name = STATION_NAMES[station % STATION_NAMES.len()];
                station += 1;
                let unit = self.unit(
                    p(&format!("U4{d}{}", s + 1)),
                    format!("{district}分局{name}派出所"),
                    UnitKind::PoliceStation,
                    Some(sub_unit),
                );
                let branches = self.rng.random_range(3..=7);
                let holder = if branches >= 4 {
                    self.org(
                        p(&format!("FJ{d}P{s}")),
                        format!("{name}派出所党总支"),
                        OrgKind::GeneralBranch,
                        Some(sub),
                        Some(unit),
                    )
                } else {
                    sub
                };
                for b in 0..branches {
                    let size = self.size();
                    self.branch(
                        p(&format!("FJ{d}P{s}{b}")),
                        format!("{name}派出所第{}党支部", ordinal(b)),
                        holder,
                        unit,
                        size,
                        &["所长", "社区民警", "民警", "副所长", "案件民警"],
                    );
                }
            }
            if d == 0 {
                // Two 社区警务室 too small for a branch each: one joint branch covers both.
                let rooms: Vec<usize> = ["东湖", "新港"]
                    .iter()
                    .enumerate()
                    .map(|(k, name)| {
                        self.unit(
                            p(&format!("U4{d}{}", 8 + k)),
                            format!("{district}分局{name}社区警务室"),
                            UnitKind::Other,
                            Some(sub_unit),
                        )
                    })
                    .collect();
                let size = self.size();
                let joint = self.branch(
                    p(&format!("FJ{d}JW")),
                    format!("{district}分局社区警务室联合党支部"),
                    sub,
                    rooms[0],
                    size,
                    &["警务室主任", "社区民警"],
                );
                self.plan.orgs[joint].joint = true;
                self.plan.orgs[joint].covers = rooms[1..].to_vec();
            }
            for (k, (brigade, count)) in [("刑侦大队", 3), ("交警大队", 3)].iter().enumerate()
            {
                let unit = self.unit(
                    p(&format!("U4{d}{}", 6 + k)),
                    format!("{district}分局{brigade}"),
                    UnitKind::Brigade,
                    Some(sub_unit),
                );
                for b in 0..*count {
                    let size = self.size();
                    self.branch(
                        p(&format!("FJ{d}D{k}{b}")),
                        format!("{district}分局{brigade}第{}中队党支部", ordinal(b)),
                        sub,
                        unit,
                        size,
                        &["中队长", "民警"],
                    );
                }
            }
        }
        self.plant_gaps(prefix, city, root);
        self.appoint_leaders(root);
        root
    }

    /// Gaps for the checks to find, in the city just generated.
    fn plant_gaps(&mut self, prefix: &str, city: &str, root: usize) {
        let p = |code: &str| format!("{prefix}{code}");
        // Units set up without any party org, in their place in the unit tree.
        let unit_at = |plan: &Plan, code: String| plan.units.iter().position(|u| u.code == code);
        let bureau = unit_at(&self.plan, p("U000"));
        let east = unit_at(&self.plan, p("U400"));
        self.unit(
            p("U900"),
            format!("{city}市公安局反恐怖支队"),
            UnitKind::Detachment,
            bureau,
        );
        self.unit(
            p("U901"),
            format!("{city}市公安局城东分局巡特警大队"),
            UnitKind::Brigade,
            east,
        );
        let branches: Vec<usize> = (0..self.plan.orgs.len())
            .filter(|&i| self.plan.orgs[i].kind == OrgKind::Branch && self.in_subtree(i, root))
            .collect();
        // Three branches whose secretary left and was not replaced.
        for k in 0..3 {
            let b = branches[(k * 37 + 11) % branches.len()];
            self.plan.orgs[b].secretary = None;
        }
        // A committee whose 纪检委员 left, and a secretary admitted to full membership only
        // months ago.
        let b = branches[(41 + 13) % branches.len()];
        self.plan.orgs[b]
            .committee
            .retain(|(post, _)| *post != Post::DisciplineCommissioner);
        let b = branches[(67 + 5) % branches.len()];
        if let Some(m) = self.plan.orgs[b].secretary {
            let full = self.today - TimeDelta::days(100);
            let row = &mut self.plan.members[m].row;
            row.full_membership_on = Some(full);
            row.joined_on = full
                .checked_sub_months(chrono::Months::new(12))
                .unwrap_or(full);
        }
        // A branch too small to stand alone (two full members).
        let unit = self.plan.orgs[branches[5]].unit.unwrap_or(0);
        let parent = self.plan.orgs[branches[5]].parent.unwrap_or(root);
        self.branch(
            p("SMALL0"),
            "警犬技术队党支部".to_owned(),
            parent,
            unit,
            2,
            &["队长", "民警"],
        );
        // A branch far over 50 members.
        let unit = self.plan.orgs[branches[9]].unit.unwrap_or(0);
        let parent = self.plan.orgs[branches[9]].parent.unwrap_or(root);
        let large = self.branch(
            p("LARGE0"),
            "巡逻防控大队联合党支部".to_owned(),
            parent,
            unit,
            56,
            &["大队长", "民警", "巡逻民警"],
        );
        self.plan.orgs[large].joint = true;
        // A member lost contact, and a probationary member a year and a half after admission.
        let count = self.plan.members.len();
        let lost = count - 7;
        self.plan.members[lost].row.status = MemberStatus::LostContact;
        let overdue = count - 3;
        let joined = self.today - TimeDelta::days(540);
        let row = &mut self.plan.members[overdue].row;
        row.category = Category::Probationary;
        row.joined_on = joined;
        row.full_membership_on = None;
        row.probation_due_on = Some(probation_due(joined, &self.rules));
        // A branch dissolved years ago, kept in history.
        let unit = self.plan.orgs[branches[3]].unit;
        let old = self.org(
            p("OLD0"),
            "原警务技术党支部".to_owned(),
            OrgKind::Branch,
            Some(parent),
            unit,
        );
        self.plan.orgs[old].dissolved_on =
            Some(date(2019, 6, 30).max(self.plan.orgs[old].founded_on + TimeDelta::days(30)));
    }

    fn in_subtree(&self, mut org: usize, root: usize) -> bool {
        loop {
            if org == root {
                return true;
            }
            match self.plan.orgs[org].parent {
                Some(parent) => org = parent,
                None => return false,
            }
        }
    }

    /// Committees and general branches get as secretary the secretary of their first branch.
    fn appoint_leaders(&mut self, root: usize) {
        for i in (0..self.plan.orgs.len()).rev() {
            let kind = self.plan.orgs[i].kind;
            if !matches!(kind, OrgKind::Committee | OrgKind::GeneralBranch)
                || !self.in_subtree(i, root)
            {
                continue;
            }
            let from_child = (0..self.plan.orgs.len())
                .filter(|&c| self.plan.orgs[c].parent == Some(i))
                .find_map(|c| self.plan.orgs[c].secretary);
            self.plan.orgs[i].secretary = from_child;
        }
    }
}

/// Builds the plan for a scale.
fn plan(scale: DemoScale, seed: u64, today: NaiveDate, rules: &RuleBook) -> Plan {
    let mut generator = Generator::new(seed, today, rules.clone());
    match scale {
        DemoScale::City => {
            generator.city("", "江城", None);
        }
        DemoScale::Province => {
            let unit = generator.unit(
                "P-U000".to_owned(),
                "省公安厅机关".to_owned(),
                UnitKind::Bureau,
                None,
            );
            let root = generator.org(
                "P-DW".to_owned(),
                "省公安厅党委".to_owned(),
                OrgKind::Committee,
                None,
                Some(unit),
            );
            for (i, city) in CITY_NAMES.iter().enumerate() {
                generator.city(&format!("C{:02}-", i + 1), city, Some(root));
            }
            generator.appoint_leaders(root);
        }
    }
    generator.plan
}

impl Services {
    /// Fills an empty database with a synthetic bureau, in one transaction: it is written
    /// whole or not at all. `progress` hears (stage, done, total).
    pub async fn generate_demo(
        &self,
        scale: DemoScale,
        seed: u64,
        progress: &(dyn Fn(&str, u64, u64) + Sync),
    ) -> ServiceResult<DemoSummary> {
        let today = self.clock().today();
        let now = self.clock().now();
        let mut plan = plan(scale, seed, today, &self.rule_book());
        let mut tx = self.db().write().await?;
        if !bulk::is_empty(&mut tx).await? {
            return Err(ServiceError::invalid(
                "data_dir",
                "数据库中已有组织或党员，演示数据只能写入空库（可用 --data-dir 指定新的目录）",
            ));
        }

        let total_units = plan.units.len() as u64;
        let mut unit_ids = Vec::with_capacity(plan.units.len());
        for (i, unit) in plan.units.iter().enumerate() {
            // Parents come before their units in the plan.
            let row = units::NewUnit {
                code: &unit.code,
                name: &unit.name,
                kind: unit.kind,
                parent_id: unit.parent.map(|p| unit_ids[p]),
                valid_from: None,
                valid_to: None,
            };
            unit_ids.push(units::insert(&mut tx, &row, now).await?);
            progress("单位", i as u64 + 1, total_units);
        }

        let total_orgs = plan.orgs.len() as u64;
        let first_org = bulk::next_org_id(&mut tx).await?;
        let mut org_ids: Vec<(i64, OrgPath)> = Vec::with_capacity(plan.orgs.len());
        for (i, org) in plan.orgs.iter().enumerate() {
            let id = first_org + i as i64;
            let path = match org.parent {
                Some(p) => org_ids[p].1.child(id),
                None => OrgPath::root(id),
            };
            org_ids.push((id, path));
        }
        let rows: Vec<bulk::BulkOrg> = plan
            .orgs
            .iter()
            .zip(&org_ids)
            .map(|(org, (id, path))| bulk::BulkOrg {
                id: *id,
                code: &org.code,
                name: &org.name,
                kind: org.kind,
                parent_id: org.parent.map(|p| org_ids[p].0),
                path: path.clone(),
                unit_id: org.unit.map(|u| unit_ids[u]),
                is_joint: org.joint,
                founded_on: org.founded_on,
            })
            .collect();
        bulk::insert_orgs(&mut tx, &rows, now).await?;
        for (org, (id, _)) in plan.orgs.iter().zip(&org_ids) {
            if !org.covers.is_empty() {
                let covers: Vec<i64> = org.covers.iter().map(|u| unit_ids[*u]).collect();
                units::set_covered_by_org(&mut tx, *id, &covers).await?;
            }
        }
        progress("党组织", total_orgs, total_orgs);

        let ids = bulk::reserve_member_ids(&mut tx, plan.members.len()).await?;
        for (m, id) in plan.members.iter_mut().zip(ids) {
            m.row.id = id;
            m.row.branch_id = org_ids[m.branch].0;
            m.row.unit_id = m.unit.map(|u| unit_ids[u]);
            m.row.id_number_idx = self.crypto().blind_index("id_number", &m.id_number);
            m.row.id_number_ct = self
                .crypto()
                .seal(&m.id_number, &crate::members::context(id, "id_number"));
            m.row.phone_ct = m
                .phone
                .as_deref()
                .map(|p| self.crypto().seal(p, &crate::members::context(id, "phone")));
        }
        let rows: Vec<BulkMember> = plan.members.iter().map(|m| m.row.clone()).collect();
        let total_members = rows.len() as u64;
        let keys = bulk::drop_foreign_keys(
            &mut tx,
            &[
                "members",
                "member_branch_history",
                "member_status_history",
                "member_category_history",
            ],
        )
        .await?;
        for (i, chunk) in rows.chunks(2_000).enumerate() {
            bulk::insert_members(&mut tx, chunk, now).await?;
            progress(
                "党员",
                ((i + 1) * 2_000).min(rows.len()) as u64,
                total_members,
            );
        }
        bulk::derive_member_history(&mut tx).await?;
        bulk::rebuild(&mut tx, &keys).await?;

        let mut rng = StdRng::seed_from_u64(seed ^ 0x5ec7_e7a7);
        let (mut held, mut elections, mut placed) = (Vec::new(), Vec::new(), Vec::new());
        for (i, org) in plan.orgs.iter().enumerate() {
            let (org_id, _) = org_ids[i];
            if let Some(dissolved_on) = org.dissolved_on {
                orgs::dissolve(&mut tx, org_id, dissolved_on, now).await?;
                dangjian_store::history::org_parent::close(&mut tx, org_id, dissolved_on).await?;
                dangjian_store::history::org_kind::close(&mut tx, org_id, dissolved_on).await?;
                continue;
            }
            for &m in &org.members {
                let member = &plan.members[m].row;
                placed.push(bulk::BulkPlacement {
                    member_id: member.id,
                    group_id: org_id,
                    from: member
                        .joined_on
                        .max(plan.orgs[plan.members[m].branch].founded_on)
                        .max(org.founded_on),
                });
            }
            let head = match org.kind {
                OrgKind::Group => Post::GroupLeader,
                _ => Post::Secretary,
            };
            let seats = org
                .secretary
                .map(|m| (head, m))
                .into_iter()
                .chain(org.committee.iter().copied());
            for (post, m) in seats {
                let member = &plan.members[m].row;
                let member_id = member.id;
                let since = member
                    .joined_on
                    .max(plan.orgs[plan.members[m].branch].founded_on)
                    .max(org.founded_on);
                let from = (today - TimeDelta::days(rng.random_range(30..1500))).max(since);
                held.push(bulk::BulkPost {
                    org_id,
                    member_id,
                    post: post.code(),
                    from,
                });
            }
            // Most orgs have held their last election within the term; some are due or
            // overdue, and a few never recorded one.
            if org.kind != OrgKind::Group && rng.random_bool(0.9) {
                let years = self.rules().term_years(org.kind);
                let span = i64::from(years) * 365 + 120;
                let elected_on = (today - TimeDelta::days(rng.random_range(20..span)))
                    .max(org.founded_on + TimeDelta::days(1));
                elections.push(bulk::BulkTerm {
                    org_id,
                    elected_on,
                    years,
                    ends_on: term_end(elected_on, years),
                    recorded_by: "(演示数据)",
                });
            }
        }
        bulk::insert_posts(&mut tx, &held).await?;
        bulk::insert_placements(&mut tx, &placed).await?;
        bulk::insert_terms(&mut tx, &elections, now).await?;
        progress("书记任职", total_orgs, total_orgs);

        let first = dangjian_store::orglife::next_id(&mut tx).await?;
        let ids: Vec<i64> = org_ids.iter().map(|(id, _)| *id).collect();
        let life::Life {
            meetings,
            attendees,
            pairs,
        } = life::org_life(&plan, &ids, today, scale, seed, first);
        progress("组织生活", 0, meetings.len() as u64);
        // Into empty tables: the rows first, then their indexes and keys in one pass each.
        let tables = ["meetings", "meeting_attendees"];
        let mut rebuild = bulk::drop_foreign_keys(&mut tx, &tables).await?;
        rebuild.extend(bulk::drop_indexes(&mut tx, &tables).await?);
        dangjian_store::orglife::insert_bulk(&mut tx, &meetings, &attendees, now).await?;
        dangjian_store::orglife::insert_bulk_pairs(&mut tx, &pairs).await?;
        bulk::rebuild(&mut tx, &rebuild).await?;
        progress("组织生活", meetings.len() as u64, meetings.len() as u64);

        let (rectifications, measures) = self
            .demo_rectification(&mut tx, &plan, &ids, seed, scale)
            .await?;
        self.demo_life_rectification(&mut tx, &plan, &ids, &meetings)
            .await?;
        progress("整改", rectifications as u64, rectifications as u64);
        self.demo_duty(&mut tx, &plan, &ids).await?;
        // The demo branch of the secretary and 纪检委员 accounts holds a 留党察看 under way.
        let demo_branch = plan.orgs.iter().position(|o| {
            o.code
                == match scale {
                    DemoScale::City => "FJ0JG0",
                    DemoScale::Province => "C01-FJ0JG0",
                }
        });
        let findings = self
            .demo_conduct(&mut tx, &plan, &ids, demo_branch, seed)
            .await?;
        let honours = self
            .demo_care(&mut tx, &plan, &ids, demo_branch, seed)
            .await?;
        progress("党费", 0, 1);
        let dues_payments = self
            .demo_dues(&mut tx, &plan, &ids, demo_branch, seed)
            .await?;
        let budgeted: Vec<i64> = std::iter::once(0)
            .chain(demo_branch)
            .filter_map(|i| ids.get(i).copied())
            .collect();
        let expenses = self.demo_funds(&mut tx, &budgeted).await?;
        progress("党费", 1, 1);
        progress("发展党员", 0, 1);
        // The demo branch's people on the path; a province's spread over a third of its
        // branches, as many as a province has on the path in a year or two.
        let recruiting: Vec<i64> = demo_branch
            .into_iter()
            .chain(match scale {
                DemoScale::City => Vec::new(),
                DemoScale::Province => plan
                    .orgs
                    .iter()
                    .enumerate()
                    .filter(|(i, o)| {
                        o.kind == OrgKind::Branch
                            && o.dissolved_on.is_none()
                            && i % 3 == 0
                            && Some(*i) != demo_branch
                    })
                    .map(|(i, _)| i)
                    .collect(),
            })
            .filter_map(|i| ids.get(i).copied())
            .collect();
        let recruits = self.demo_recruitment(&mut tx, &recruiting).await?;
        progress("发展党员", 1, 1);
        progress("学习教育", 0, 1);
        // Every branch's 主题党日 of the year hold a study in a city; in a province, the demo
        // branch's and every tenth branch's.
        let studied: Vec<i64> = plan
            .orgs
            .iter()
            .enumerate()
            .filter(|(_, o)| o.kind == OrgKind::Branch)
            .filter(|(i, _)| scale == DemoScale::City || Some(*i) == demo_branch || i % 10 == 0)
            .filter_map(|(i, _)| ids.get(i).copied())
            .collect();
        let studies = self
            .demo_study(
                &mut tx,
                &meetings,
                &studied,
                ids.first().copied(),
                demo_branch.and_then(|i| ids.get(i).copied()),
            )
            .await?;
        progress("学习教育", 1, 1);
        let reviews = self
            .demo_review(&mut tx, demo_branch.and_then(|i| ids.get(i).copied()))
            .await?;
        // Another open branch adopts the demo branch's practice.
        let other_branch = plan
            .orgs
            .iter()
            .enumerate()
            .find(|(i, o)| {
                o.kind == OrgKind::Branch && o.dissolved_on.is_none() && Some(*i) != demo_branch
            })
            .and_then(|(i, _)| ids.get(i).copied());
        self.demo_practices(
            &mut tx,
            demo_branch.and_then(|i| ids.get(i).copied()),
            other_branch,
        )
        .await?;

        let accounts = self.demo_accounts(&mut tx, &plan, &org_ids, scale).await?;
        let event = Event::new("demo.generate").detail(json!({
            "scale": match scale { DemoScale::City => "city", DemoScale::Province => "province" },
            "seed": seed, "units": plan.units.len(), "orgs": plan.orgs.len(), "members": plan.members.len(),
            "meetings": meetings.len(), "rectifications": rectifications, "findings": findings, "honours": honours, "dues_payments": dues_payments, "fund_expenses": expenses, "recruits": recruits, "studies": studies, "reviews": reviews,
        }));
        audit::write(&mut tx, self.crypto(), (&Actor::cli()).into(), now, event).await?;
        tx.commit().await?;
        // The online classroom and the exam go through the use cases, after the rest.
        if let (Some(committee), Some(branch)) = (
            ids.first().copied(),
            demo_branch.and_then(|i| ids.get(i).copied()),
        ) {
            let mut conn = self.db().read().await?;
            let members = self.demo_roll(&mut conn, branch, today).await?;
            conn.commit().await?;
            self.demo_courses(committee, branch, &members).await?;
            self.demo_rating(branch).await?;
        }
        progress("整理数据库", 0, 1);
        self.db().analyze().await?;
        progress("整理数据库", 1, 1);
        Ok(DemoSummary {
            units: plan.units.len(),
            orgs: plan.orgs.len(),
            branches: plan
                .orgs
                .iter()
                .filter(|o| o.kind == OrgKind::Branch && o.dissolved_on.is_none())
                .count(),
            members: plan.members.len(),
            meetings: meetings.len(),
            rectifications,
            measures,
            accounts,
        })
    }

    /// The root committee's responsibility list (its primary responsibility, the secretary's
    /// and each committee member's duties) and this year's work plan, whose tasks went to every
    /// org directly below it: those past their deadline mostly done, the rest under way.
    async fn demo_duty(
        &self,
        tx: &mut dangjian_store::Conn,
        plan: &Plan,
        org_ids: &[i64],
    ) -> ServiceResult<()> {
        use dangjian_core::duty::DutyKind;
        use dangjian_store::duty::{self as store, NewTask};
        let today = self.clock().today();
        let now = self.clock().now();
        let root = &plan.orgs[0];
        let root_id = org_ids[0];
        let member = |m: usize| Some(plan.members[m].row.id);
        let mut duties = Vec::new();
        for content in [
            "把党建工作与公安业务工作同部署、同推进、同考核",
            "每季度专题研究一次党建工作，每年听取下级党组织书记抓党建述职",
        ] {
            duties.push(
                store::insert_duty(
                    tx,
                    root_id,
                    DutyKind::PrimaryResponsibility,
                    None,
                    content,
                    "(演示数据)",
                    now,
                )
                .await?,
            );
        }
        if let Some(secretary) = root.secretary.and_then(member) {
            duties.push(
                store::insert_duty(
                    tx,
                    root_id,
                    DutyKind::FirstResponsible,
                    Some(secretary),
                    "亲自部署重要工作、亲自过问重大问题、亲自协调重点环节、亲自督办重要案件",
                    "(演示数据)",
                    now,
                )
                .await?,
            );
        }
        for (_, m) in &root.committee {
            if let Some(id) = member(*m) {
                store::insert_duty(
                    tx,
                    root_id,
                    DutyKind::DualDuty,
                    Some(id),
                    "抓好分管部门的党建工作和党风廉政建设，做到业务与党建两手抓",
                    "(演示数据)",
                    now,
                )
                .await?;
            }
        }
        let year = today.year();
        let plan_id = store::insert_plan(
            tx,
            root_id,
            year,
            &format!("{year}年党建工作要点"),
            "(演示数据)",
            now,
        )
        .await?;
        let children: Vec<i64> = plan
            .orgs
            .iter()
            .zip(org_ids)
            .filter(|(o, _)| o.parent == Some(0) && o.dissolved_on.is_none())
            .map(|(_, id)| *id)
            .collect();
        let day = |m: u32, d: u32| date(year, m, d);
        let tasks = [
            ("开展支部书记抓党建述职评议", day(1, 10), day(3, 31)),
            (
                "落实“三会一课”制度，开展组织生活专项检查",
                day(2, 1),
                day(6, 30),
            ),
            (
                "完成基层党建工作专项检查反馈问题整改",
                day(3, 1),
                day(9, 30),
            ),
            ("开展“一支部一品牌”创建", day(4, 1), day(12, 20)),
        ];
        for (i, (title, starts_on, deadline)) in tasks.into_iter().enumerate() {
            let mut task = NewTask {
                plan_id,
                parent_id: None,
                org_id: root_id,
                person_member_id: root.secretary.and_then(member),
                title,
                starts_on,
                deadline,
                milestones: &[],
                created_by: "(演示数据)",
            };
            let parent = store::insert_task(tx, &task, now).await?;
            if let Some(duty) = duties.get(i % duties.len().max(1)) {
                store::link(tx, *duty, parent).await?;
            }
            for (k, child) in children.iter().enumerate() {
                task.parent_id = Some(parent);
                task.org_id = *child;
                task.person_member_id = None;
                let id = store::insert_task(tx, &task, now).await?;
                // Past its deadline, all but every seventh org has finished; before it, some
                // have reported.
                if deadline < today && k % 7 != 3 {
                    store::insert_report(tx, id, "已按要求完成", Some(deadline), "(演示数据)", now)
                        .await?;
                } else if starts_on < today && k % 2 == 0 {
                    store::insert_report(tx, id, "正在推进，已完成过半", None, "(演示数据)", now)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// The demo inspection of the root org, fed back two months ago, with its findings and
    /// their items in every state. Returns the number of items and of measures.
    async fn demo_rectification(
        &self,
        tx: &mut dangjian_store::Conn,
        plan: &Plan,
        org_ids: &[i64],
        seed: u64,
        scale: DemoScale,
    ) -> ServiceResult<(usize, usize)> {
        use dangjian_store::rectification as store;
        let today = self.clock().today();
        let now = self.clock().now();
        let feedback_on = today - TimeDelta::days(60);
        let root = &plan.orgs[0];
        let title = format!("{}年基层党建工作专项检查", feedback_on.year());
        let feedback_ref = format!("党建检反馈〔{}〕{}号", feedback_on.year(), seed % 40 + 1);
        let scope_note = format!("{}及所属基层党组织", root.name);
        let inspection = store::insert_inspection(
            tx,
            &store::NewInspection {
                org_id: org_ids[0],
                title: &title,
                inspector: "省委、市委基层党建工作专项检查组",
                inspected_from: feedback_on - TimeDelta::days(45),
                inspected_to: feedback_on - TimeDelta::days(30),
                scope_note: &scope_note,
                feedback_ref: &feedback_ref,
                feedback_on,
                created_by: "(演示数据)",
            },
            now,
        )
        .await?;
        let mut findings = Vec::new();
        for (i, (category, problem, _, _)) in rectify::FINDINGS.iter().enumerate() {
            findings.push(
                store::insert_finding(tx, inspection, i as i64 + 1, problem, *category).await?,
            );
        }
        let first = store::next_ids(tx).await?;
        let loaded = rectify::items(
            plan,
            org_ids,
            &findings,
            feedback_on,
            today,
            seed,
            scale,
            first,
        );
        store::insert_bulk(tx, &loaded.items, &loaded.measures, &loaded.events, now).await?;
        Ok((loaded.items.len(), loaded.measures.len()))
    }

    /// The 整改清单 of the root committee's latest 民主生活会 on record: its follow-up actions,
    /// and the inspection they became, one finding each assigned to the committee, as
    /// [`Services::rectify_life_meeting`] makes it.
    async fn demo_life_rectification(
        &self,
        tx: &mut dangjian_store::Conn,
        plan: &Plan,
        org_ids: &[i64],
        meetings: &[dangjian_store::orglife::BulkMeeting],
    ) -> ServiceResult<()> {
        use dangjian_store::orglife::Action;
        use dangjian_store::rectification as store;
        let Some(meeting) = meetings
            .iter()
            .filter(|m| {
                m.org_id == org_ids[0]
                    && m.kind == dangjian_core::orglife::MeetingKind::DemocraticLifeMeeting
                    && m.state != dangjian_core::orglife::ReviewState::Draft
            })
            .max_by_key(|m| m.held_on)
        else {
            return Ok(());
        };
        let held = meeting.held_on;
        let actions: Vec<Action> = LIFE_ACTIONS
            .iter()
            .map(|(text, owner, months)| Action {
                text: (*text).to_owned(),
                owner: (*owner).to_owned(),
                due_on: held.checked_add_months(chrono::Months::new(*months)),
            })
            .collect();
        dangjian_store::orglife::insert_actions(tx, meeting.id, &actions).await?;
        let now = self.clock().now();
        let inspection = store::insert_inspection(
            tx,
            &store::NewInspection {
                org_id: meeting.org_id,
                title: &format!("{}年度民主生活会整改清单", held.year()),
                inspector: &format!("{}民主生活会", plan.orgs[0].name),
                inspected_from: held,
                inspected_to: held,
                scope_note: "民主生活会查摆的问题和整改措施",
                feedback_ref: &crate::orglife::life_meeting_ref(meeting.id),
                feedback_on: held,
                created_by: "(演示数据)",
            },
            now,
        )
        .await?;
        for (i, a) in actions.iter().enumerate() {
            let problem = format!("{}（责任人：{}）", a.text, a.owner);
            let finding = store::insert_finding(
                tx,
                inspection,
                i as i64 + 1,
                &problem,
                dangjian_core::rectification::FindingCategory::Other,
            )
            .await?;
            if let Some(due) = a.due_on {
                store::insert_item(tx, finding, meeting.org_id, due, now).await?;
            }
        }
        Ok(())
    }

    /// The demo's accounts: the committee office, a sub-bureau committee, two branches in
    /// different sub-bureaus (to see scope at work) and one member.
    async fn demo_accounts(
        &self,
        tx: &mut dangjian_store::Tx,
        plan: &Plan,
        org_ids: &[(i64, OrgPath)],
        scale: DemoScale,
    ) -> ServiceResult<Vec<DemoAccount>> {
        let prefix = match scale {
            DemoScale::City => "",
            DemoScale::Province => "C01-",
        };
        let find = |code: String| plan.orgs.iter().position(|o| o.code == code);
        let sub_bureau = find(format!("{prefix}FJ0"));
        let branch_a = find(format!("{prefix}FJ0JG0"));
        let branch_b = find(format!("{prefix}FJ1JG0"));
        let mut wanted: Vec<(String, Role, Option<usize>, Option<&PlannedMember>)> = vec![(
            if scale == DemoScale::City {
                "dangwei"
            } else {
                "shengting"
            }
            .to_owned(),
            Role::CommitteeStaff,
            Some(0),
            None,
        )];
        wanted.push(("fenju1".to_owned(), Role::OrgSecretary, sub_bureau, None));
        wanted.push(("zhibu1".to_owned(), Role::OrgSecretary, branch_a, None));
        wanted.push(("zhibu2".to_owned(), Role::OrgSecretary, branch_b, None));
        wanted.push(("jiwei".to_owned(), Role::DisciplineOffice, Some(0), None));
        wanted.push(("jijian1".to_owned(), Role::DisciplineMember, branch_a, None));
        wanted.push(("shoujiao1".to_owned(), Role::DuesKeeper, branch_a, None));
        let member = plan.members.iter().find(|m| Some(m.branch) == branch_a);
        wanted.push(("dangyuan1".to_owned(), Role::Member, branch_a, member));

        let now = self.clock().now();
        let mut created = Vec::new();
        for (login, role, org, member) in wanted {
            let Some(org) = org else { continue };
            let password = secret::one_time_password();
            let hash = self.hash_password(password.clone()).await?;
            let member_id = member.map(|m| m.row.id);
            let display_name = match member {
                Some(m) => m.row.name.clone(),
                None => format!("{}（演示）", role.label()),
            };
            let account = NewAccount {
                login: &login,
                display_name: &display_name,
                role: Some(role),
                org_id: Some(org_ids[org].0),
                member_id,
                password_hash: &hash,
                must_change_password: false,
            };
            let id = accounts::insert(tx, &account, now).await?;
            let event = Event::new("account.create")
                .object("account", id)
                .detail(json!({ "login": login, "role": role.code(), "demo": true }));
            audit::write(tx, self.crypto(), (&Actor::cli()).into(), now, event).await?;
            let scope = match role {
                Role::Member => format!("本人档案（{}）", display_name),
                Role::CommitteeStaff => "全部组织".to_owned(),
                _ => plan.orgs[org].name.clone(),
            };
            created.push(DemoAccount {
                login,
                role,
                password,
                scope,
            });
        }
        Ok(created)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dangjian_core::id_number::IdNumber;
    use dangjian_core::rules::Rules;

    fn today() -> NaiveDate {
        date(2026, 11, 29)
    }

    #[test]
    fn the_city_has_the_size_of_a_city_bureau() {
        let plan = plan(
            DemoScale::City,
            1,
            today(),
            &RuleBook::single(Rules::load(None).unwrap()),
        );
        let branches = plan
            .orgs
            .iter()
            .filter(|o| o.kind == OrgKind::Branch)
            .count();
        assert!((200..=320).contains(&branches), "{branches} branches");
        assert!(
            (2_400..=3_800).contains(&plan.members.len()),
            "{} members",
            plan.members.len()
        );
        assert!(
            (40..=60).contains(&plan.units.len()),
            "{} units",
            plan.units.len()
        );
    }

    /// Issue 14, 3: the larger branches' members are placed in party groups, each led by a
    /// full member of the group.
    #[test]
    fn party_groups_have_members_and_a_leader() {
        let plan = plan(
            DemoScale::City,
            1,
            today(),
            &RuleBook::single(Rules::load(None).unwrap()),
        );
        let groups: Vec<&PlannedOrg> = plan
            .orgs
            .iter()
            .filter(|o| o.kind == OrgKind::Group)
            .collect();
        assert!(groups.len() >= 20, "{} groups", groups.len());
        for g in groups {
            let branch = g.parent.unwrap();
            assert!(g.members.len() >= 7);
            assert!(g.members.iter().all(|m| plan.members[*m].branch == branch));
            let leader = g.secretary.unwrap();
            assert!(g.members.contains(&leader));
            assert_eq!(plan.members[leader].row.category, Category::Full);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_bureau() {
        let a = plan(
            DemoScale::City,
            7,
            today(),
            &RuleBook::single(Rules::load(None).unwrap()),
        );
        let b = plan(
            DemoScale::City,
            7,
            today(),
            &RuleBook::single(Rules::load(None).unwrap()),
        );
        let names = |p: &Plan| {
            p.members
                .iter()
                .map(|m| m.row.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
        assert_ne!(
            names(&a),
            names(&plan(
                DemoScale::City,
                8,
                today(),
                &RuleBook::single(Rules::load(None).unwrap())
            ))
        );
    }

    #[test]
    fn every_generated_person_is_valid_and_fictional() {
        let plan = plan(
            DemoScale::City,
            3,
            today(),
            &RuleBook::single(Rules::load(None).unwrap()),
        );
        let mut police = HashSet::new();
        for m in &plan.members {
            let id = IdNumber::parse(&m.id_number).unwrap();
            assert!(m.id_number.starts_with("83"), "{}", m.id_number);
            assert_eq!(id.birth_date(), m.row.birth_date);
            assert_eq!(id.gender(), m.row.gender);
            assert!(dangjian_core::member::years_between(m.row.birth_date, m.row.joined_on) >= 18);
            if let Some(full) = m.row.full_membership_on {
                assert!(full > m.row.joined_on && full <= today());
            }
            // 警号 are unique where they exist; only serving officers have one and a rank.
            if let Some(number) = &m.row.police_number {
                assert!(police.insert(number.clone()));
            }
            assert_eq!(m.row.police_number.is_some(), m.row.police_rank.is_some());
        }
        // Issue 14, 1: civilian staff and retired members, without 警号.
        let without = |position: &str| {
            plan.members
                .iter()
                .filter(|m| m.row.position.as_deref() == Some(position))
                .filter(|m| m.row.police_number.is_none())
                .count()
        };
        assert!(without("退休民警") >= 9);
        assert!(without("文职人员") + without("工勤人员") >= 20);
        assert!(
            plan.orgs
                .iter()
                .any(|o| o.name.ends_with("离退休干部党支部"))
        );
    }

    #[test]
    fn the_planted_gaps_are_there() {
        let plan = plan(
            DemoScale::City,
            1,
            today(),
            &RuleBook::single(Rules::load(None).unwrap()),
        );
        let branches: Vec<&PlannedOrg> = plan
            .orgs
            .iter()
            .filter(|o| o.kind == OrgKind::Branch && o.dissolved_on.is_none())
            .collect();
        assert!(branches.iter().filter(|b| b.secretary.is_none()).count() >= 3);
        assert!(
            plan.members
                .iter()
                .any(|m| m.row.status == MemberStatus::LostContact)
        );
        assert!(plan.orgs.iter().any(|o| o.dissolved_on.is_some()));
        let with_orgs: HashSet<usize> = plan.orgs.iter().filter_map(|o| o.unit).collect();
        assert!(plan.units.len() - with_orgs.len() >= 2);
    }
}
