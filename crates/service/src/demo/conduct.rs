//! The demo's 作风纪律: findings in every handling and every category list — some still being
//! looked into — and sanctions of each kind inside and past their periods: a 留党察看 under
//! way in the demo branch (its 支部党员大会 counts one vote fewer), one restored, warnings
//! whose influence has run out. Written as the service writes them, one finding and its
//! sanction at a time.

use chrono::{Days, NaiveDate};
use dangjian_core::conduct::{CategoryGroup, Handling, Source, Track, kind_rule};
use dangjian_store::conduct::{
    self as store, HandlingChange, NewFinding, NewSanction, SanctionProgress,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::Plan;
use crate::Services;
use crate::error::ServiceResult;

const AUTHOR: &str = "(演示数据)";

/// A showcase finding: its subject (a member of the demo branch, another member, or an org),
/// category, facts, days ago, and handling with its sanction.
struct Case {
    subject: Subject,
    group: CategoryGroup,
    category: &'static str,
    facts: &'static str,
    days_ago: u64,
    handling: Option<(Handling, &'static str)>,
    /// (track, kind, probation months, restored days after the decision)
    sanction: Option<(Track, &'static str, Option<u32>, Option<u64>)>,
}

#[derive(Clone, Copy)]
enum Subject {
    /// The n-th member of the demo branch (the first is the demo member account: not used).
    DemoBranch(usize),
    /// A member picked from the whole plan.
    Anyone,
    /// A branch picked from the plan.
    Org,
}

const CASES: &[Case] = &[
    Case {
        subject: Subject::DemoBranch(1),
        group: CategoryGroup::EightRules,
        category: "违规吃喝",
        facts: "春节期间在辖区酒店接受管理服务对象宴请，并饮酒",
        days_ago: 140,
        handling: Some((
            Handling::PartySanction,
            "经市公安局纪委审议，给予留党察看一年处分",
        )),
        sanction: Some((Track::Party, "留党察看", Some(12), None)),
    },
    Case {
        subject: Subject::DemoBranch(2),
        group: CategoryGroup::PoliceConduct,
        category: "值班备勤与到岗到位",
        facts: "督察暗访发现值班时间脱岗两小时，未按规定报告",
        days_ago: 40,
        handling: Some((
            Handling::ReminderTalk,
            "所长对其进行提醒谈话，本人作出书面说明",
        )),
        sanction: None,
    },
    Case {
        subject: Subject::DemoBranch(3),
        group: CategoryGroup::PoliceConduct,
        category: "饮酒与宴请",
        facts: "信访反映工作日午间饮酒，正在核查",
        days_ago: 12,
        handling: None,
        sanction: None,
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::EightRules,
        category: "违规收送名贵特产和礼品礼金",
        facts: "中秋期间收受辖区企业购物卡两张",
        days_ago: 230,
        handling: Some((Handling::PartySanction, "给予党内警告处分，收受购物卡上交")),
        sanction: Some((Track::Party, "警告", None, None)),
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::EightRules,
        category: "违规配备使用公车",
        facts: "周末驾驶警用车辆办理私事",
        days_ago: 860,
        handling: Some((Handling::PartySanction, "给予党内严重警告处分")),
        sanction: Some((Track::Party, "严重警告", None, None)),
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::Formalism,
        category: "在履职尽责、服务经济社会发展和生态环境保护方面不担当、不作为、乱作为、假作为, 严重影响高质量发展",
        facts: "对群众多次报警的噪声扰民问题推诿不处置，造成群体投诉",
        days_ago: 330,
        handling: Some((Handling::PartySanction, "撤销其党支部委员职务")),
        sanction: Some((Track::Party, "撤销党内职务", None, None)),
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::EightRules,
        category: "违规出入私人会所",
        facts: "多次出入私人会所参加“一桌餐”",
        days_ago: 950,
        handling: Some((
            Handling::PartySanction,
            "给予留党察看一年处分，期满恢复党员权利",
        )),
        sanction: Some((Track::Party, "留党察看", Some(12), Some(366))),
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::PoliceConduct,
        category: "执法规范(接处警、执法记录、案件办理、当场处罚)",
        facts: "处警时未按规定开启执法记录仪，当场处罚程序不规范",
        days_ago: 120,
        handling: Some((Handling::GovernmentSanction, "给予记过处分")),
        sanction: Some((Track::Government, "记过", None, None)),
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::PoliceConduct,
        category: "枪支弹药与警械装备",
        facts: "枪支保管不符合规定，未按时交还枪弹库",
        days_ago: 420,
        handling: Some((Handling::GovernmentSanction, "给予政务警告处分")),
        sanction: Some((Track::Government, "警告", None, None)),
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::PoliceConduct,
        category: "饮酒与宴请",
        facts: "酒后驾驶机动车",
        days_ago: 520,
        handling: Some((Handling::GovernmentSanction, "给予记大过处分，调离执法岗位")),
        sanction: Some((Track::Government, "记大过", None, None)),
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::PoliceConduct,
        category: "警容风纪与着装",
        facts: "着装不规范，便服与警服混穿",
        days_ago: 75,
        handling: Some((Handling::Criticism, "支部书记当面批评教育，当场纠正")),
        sanction: None,
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::PoliceConduct,
        category: "接待群众与服务态度",
        facts: "窗口接待群众态度生硬，被群众投诉",
        days_ago: 95,
        handling: Some((Handling::Admonition, "对其进行诫勉")),
        sanction: None,
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::EightRules,
        category: "提供或接受超标准接待",
        facts: "群众来信反映接受超标准接待",
        days_ago: 60,
        handling: Some((
            Handling::WrittenInquiry,
            "发函询问，本人如实说明情况，予以采信",
        )),
        sanction: None,
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::Formalism,
        category: "在联系服务群众中消极应付、冷硬横推、效率低下, 损害群众利益, 群众反映强烈",
        facts: "对群众求助敷衍应付，多次被12345热线转办投诉",
        days_ago: 180,
        handling: Some((Handling::OrgAdjustment, "调整工作岗位")),
        sanction: None,
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::Formalism,
        category: "贯彻党中央重大决策部署有令不行、有禁不止, 或表态多调门高、行动少落实差, 脱离实际、脱离群众, 造成严重后果",
        facts: "对上级部署的专项整治工作只发文不落实，造成严重后果",
        days_ago: 260,
        handling: Some((Handling::MajorPostChange, "免去所长职务")),
        sanction: None,
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::PoliceConduct,
        category: "赌博",
        facts: "参与网络赌博，涉嫌违法犯罪",
        days_ago: 300,
        handling: Some((Handling::Prosecution, "移送司法机关依法处理")),
        sanction: None,
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::EightRules,
        category: "违规操办婚丧喜庆",
        facts: "匿名举报为子女升学大操大办，经核查不属实",
        days_ago: 150,
        handling: Some((
            Handling::Cleared,
            "经核查，问题不属实，予以了结并向本人反馈",
        )),
        sanction: None,
    },
    Case {
        subject: Subject::Anyone,
        group: CategoryGroup::EightRules,
        category: "违规吃喝",
        facts: "审计发现以会议费名义报销餐费，正在调查",
        days_ago: 20,
        handling: None,
        sanction: None,
    },
    Case {
        subject: Subject::Org,
        group: CategoryGroup::Formalism,
        category: "文山会海突出, 督查检查考核过多过频、过度留痕, 给基层造成严重负担",
        facts: "一个季度内要求各警务室重复报送台账材料六次，基层负担重",
        days_ago: 45,
        handling: Some((Handling::OrderedReview, "责令支部作出书面检查，清理报表")),
        sanction: None,
    },
    Case {
        subject: Subject::Org,
        group: CategoryGroup::PoliceConduct,
        category: "内务秩序与安全防卫",
        facts: "督察检查发现值班室内务混乱，安全防卫设施缺失",
        days_ago: 8,
        handling: None,
        sanction: None,
    },
];

/// The source a finding of this list most often comes from.
fn source(group: CategoryGroup) -> Source {
    match group {
        CategoryGroup::EightRules => Source::DisciplineInspection,
        CategoryGroup::Formalism => Source::Tour,
        CategoryGroup::PoliceConduct => Source::PoliceInspection,
    }
}

/// The first-form handlings a routine finding gets.
const ROUTINE: &[(Handling, &str)] = &[
    (Handling::ReminderTalk, "进行提醒谈话"),
    (Handling::Criticism, "批评教育，当场纠正"),
    (Handling::OrderedReview, "责令作出书面检查"),
];

impl Services {
    /// The demo's findings and sanctions; returns how many findings.
    pub(super) async fn demo_conduct(
        &self,
        tx: &mut dangjian_store::Conn,
        plan: &Plan,
        org_ids: &[i64],
        demo_branch: Option<usize>,
        seed: u64,
    ) -> ServiceResult<usize> {
        let today = self.clock().today();
        let now = self.clock().now();
        let book = self.rule_book();
        let mut rng = StdRng::seed_from_u64(seed ^ 0x6a77);
        let active: Vec<usize> = plan
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.row.status == dangjian_core::member::MemberStatus::Active)
            .map(|(i, _)| i)
            .collect();
        if active.is_empty() {
            return Ok(0);
        }
        let in_demo_branch: Vec<usize> = active
            .iter()
            .copied()
            .filter(|i| Some(plan.members[*i].branch) == demo_branch)
            .collect();
        let branches: Vec<usize> = plan
            .orgs
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                o.kind == dangjian_core::org::OrgKind::Branch && o.dissolved_on.is_none()
            })
            .map(|(i, _)| i)
            .collect();
        let mut used = std::collections::HashSet::new();
        let mut pick_member = |rng: &mut StdRng, subject: Subject| -> Option<usize> {
            match subject {
                Subject::DemoBranch(n) => in_demo_branch.get(n).copied(),
                _ => (0..50)
                    .map(|_| active[rng.random_range(0..active.len())])
                    .find(|i| Some(plan.members[*i].branch) != demo_branch && used.insert(*i)),
            }
        };
        let mut count = 0;
        for case in CASES {
            let found_on = today - Days::new(case.days_ago);
            let (member, org_id) = match case.subject {
                Subject::Org => {
                    let Some(b) = demo_branch.or_else(|| branches.first().copied()) else {
                        continue;
                    };
                    (None, org_ids[b])
                }
                subject => {
                    let Some(i) = pick_member(&mut rng, subject) else {
                        continue;
                    };
                    let m = &plan.members[i];
                    (Some(m.row.id), org_ids[m.branch])
                }
            };
            let handled_on = found_on + Days::new(10.min(case.days_ago));
            self.demo_finding(
                tx,
                member,
                org_id,
                case.group,
                case.category,
                case.facts,
                found_on,
                case.handling.map(|(h, outcome)| (h, handled_on, outcome)),
                case.sanction,
                &book,
                now,
            )
            .await?;
            count += 1;
        }
        // Routine findings across the plan: one per 200 members, a fifth still open.
        let routine = plan.members.len() / 200;
        for _ in 0..routine {
            let Some(i) = pick_member(&mut rng, Subject::Anyone) else {
                break;
            };
            let m = &plan.members[i];
            let group = CategoryGroup::ALL[rng.random_range(0..CategoryGroup::ALL.len())];
            let categories = group.categories(self.rules());
            let category = categories[rng.random_range(0..categories.len())].clone();
            let found_on = today - Days::new(rng.random_range(5..365));
            let handling = (rng.random_range(0..5) > 0).then(|| {
                let (h, outcome) = ROUTINE[rng.random_range(0..ROUTINE.len())];
                (h, found_on + Days::new(rng.random_range(1..5)), outcome)
            });
            let facts = format!("{}发现：{category}", source(group).label());
            self.demo_finding(
                tx,
                Some(m.row.id),
                org_ids[m.branch],
                group,
                &category,
                &facts,
                found_on,
                handling.filter(|(_, on, _)| *on <= today),
                None,
                &book,
                now,
            )
            .await?;
            count += 1;
        }
        Ok(count)
    }

    /// One finding, its handling, and its sanction, as the service records them.
    #[allow(clippy::too_many_arguments)]
    async fn demo_finding(
        &self,
        tx: &mut dangjian_store::Conn,
        member: Option<i64>,
        org_id: i64,
        group: CategoryGroup,
        category: &str,
        facts: &str,
        found_on: NaiveDate,
        handling: Option<(Handling, NaiveDate, &str)>,
        sanction: Option<(Track, &'static str, Option<u32>, Option<u64>)>,
        book: &dangjian_core::rules::RuleBook,
        now: chrono::DateTime<chrono::Utc>,
    ) -> ServiceResult<()> {
        let id = store::insert_finding(
            tx,
            &NewFinding {
                source: source(group),
                member_id: member,
                org_id,
                category_group: group,
                category,
                facts,
                found_on,
                created_by: AUTHOR,
            },
            now,
        )
        .await?;
        let Some((handling, handled_on, outcome)) = handling else {
            return Ok(());
        };
        let severity = sanction.and_then(|(track, kind, _, _)| {
            kind_rule(book.on(handled_on), track, kind).map(|k| k.severity())
        });
        store::handle_finding(
            tx,
            id,
            1,
            &HandlingChange {
                handling,
                handled_on,
                outcome,
                four_form: handling.form(severity),
            },
        )
        .await?;
        let (Some((track, kind, probation_months, restored_after)), Some(member_id)) =
            (sanction, member)
        else {
            return Ok(());
        };
        let sanction_id = store::insert_sanction(
            tx,
            &NewSanction {
                member_id,
                finding_id: Some(id),
                track,
                kind,
                decided_on: handled_on,
                deciding_body: match track {
                    Track::Party => "市公安局纪委",
                    Track::Government => "市公安局",
                },
                document_ref: &format!("公纪〔{}〕{}号", handled_on.format("%Y"), id),
                probation_months,
                note: "",
                created_by: AUTHOR,
            },
            now,
        )
        .await?;
        if let Some(after) = restored_after {
            store::update_progress(
                tx,
                sanction_id,
                1,
                SanctionProgress {
                    extended_on: None,
                    restored_on: Some(handled_on + Days::new(after)),
                    revoked_on: None,
                },
            )
            .await?;
        }
        Ok(())
    }
}
