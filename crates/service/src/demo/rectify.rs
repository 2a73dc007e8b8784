//! The demo's rectification: the special inspection the conference answered, fed back two
//! months ago with the five problems it named and one more, each assigned to about a third of
//! the branches, whose items stand in every state — not started, in progress, due soon,
//! overdue, awaiting acceptance, closed, reopened after a follow-up review — with measures,
//! progress reports with evidence, claims, returns and acceptances as history.

use chrono::{NaiveDate, TimeDelta};
use dangjian_core::org::OrgKind;
use dangjian_core::rectification::{FindingCategory, Stage};
use dangjian_store::rectification::{BulkEvent, BulkItem, BulkMeasure};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{DemoScale, Plan};

const AUTHOR: &str = "(演示数据)";

/// Each finding: its category, the problem as fed back, the cause an org writes, and the
/// measures to pick from.
pub(super) const FINDINGS: &[(FindingCategory, &str, &str, &[&str])] = &[
    (
        FindingCategory::BusinessOverParty,
        "部分基层党组织重业务轻党建，党建工作与业务工作脱节，未能形成合力",
        "班子成员对“一岗双责”认识不到位，党建工作考核未与业务考核挂钩",
        &[
            "党建工作与业务工作同部署、同推进、同考核，建立季度对账制度",
            "所队长兼任支部书记的，每季度向上级党组织专题报告抓党建情况",
            "将党建考核结果纳入民警年度绩效考核",
        ],
    ),
    (
        FindingCategory::ShallowStudy,
        "少数党员干部理论学习不深入，政治站位不高，学用脱节",
        "学习计划针对性不强，集中学习以读文件为主，缺少研讨和检验",
        &[
            "制定年度理论学习计划，每月开展一次专题研讨",
            "开展党员应知应会知识测试，成绩通报",
            "书记讲专题党课，结合执法执勤实际讲深讲透",
        ],
    ),
    (
        FindingCategory::IrregularOrgLife,
        "部分基层党组织组织生活不规范，组织生活会质量不高，批评与自我批评流于形式",
        "支部书记对组织生活制度掌握不够，会前谈心谈话和征求意见不充分",
        &[
            "对照“三会一课”要求制定年度计划并逐月落实",
            "召开专题组织生活会，逐一开展批评与自我批评",
            "上级党组织派员列席指导支部组织生活会",
        ],
    ),
    (
        FindingCategory::LaxDiscipline,
        "个别民警纪律观念淡薄，执行纪律不严格",
        "日常教育管理监督不到位，警示教育针对性不强",
        &[
            "开展警示教育月活动，组织观看警示教育片",
            "对苗头性倾向性问题及时提醒谈话",
            "逐人签订廉洁从警承诺书",
        ],
    ),
    (
        FindingCategory::LittleInnovation,
        "党建工作创新意识不强，方法手段单一，缺乏针对性和实效性",
        "对新时代公安党建特点研究不够，缺少结合警种特点的载体",
        &[
            "打造“一支部一品牌”，提炼支部工作法",
            "运用党建平台开展线上学习和积分管理",
        ],
    ),
    (
        FindingCategory::Other,
        "部分党支部党员发展和党费收缴手续不够规范",
        "支部委员对相关规定学习不够，材料审核把关不严",
        &["逐一核查近三年发展党员材料", "规范党费收缴台账，按月公示"],
    ),
];

/// The states the demo's items end in, and how often (out of 100).
const MIX: &[(u32, Planned)] = &[
    (10, Planned::NotStarted),
    (35, Planned::InProgress),
    (5, Planned::Returned),
    (15, Planned::Awaiting),
    (30, Planned::Closed),
    (5, Planned::Reopened),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Planned {
    NotStarted,
    InProgress,
    Returned,
    Awaiting,
    Closed,
    Reopened,
}

/// What the demo writes.
#[derive(Default)]
pub(super) struct Loaded {
    pub items: Vec<BulkItem>,
    pub measures: Vec<BulkMeasure>,
    pub events: Vec<BulkEvent>,
}

/// Items for the findings (ids in `FINDINGS` order), fed back on `feedback_on`. Each finding
/// goes to a share of the branches: a third in a city; nearly three quarters in the province, whose
/// provincial inspection reached further (and whose 50,000 measures the benchmark needs).
#[allow(clippy::too_many_arguments)]
pub(super) fn items(
    plan: &Plan,
    org_ids: &[i64],
    findings: &[i64],
    feedback_on: NaiveDate,
    today: NaiveDate,
    seed: u64,
    scale: DemoScale,
    (first_item, first_measure): (i64, i64),
) -> Loaded {
    let share = match scale {
        DemoScale::City => 0.33,
        DemoScale::Province => 0.72,
    };
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0e_c71f);
    let mut members_of: Vec<Vec<i64>> = vec![Vec::new(); plan.orgs.len()];
    for m in &plan.members {
        members_of[m.branch].push(m.row.id);
    }
    let branches: Vec<usize> = (0..plan.orgs.len())
        .filter(|&i| {
            plan.orgs[i].kind == OrgKind::Branch
                && plan.orgs[i].dissolved_on.is_none()
                && members_of[i].len() >= 2
        })
        .collect();
    let mut out = Loaded::default();
    let at = |day: NaiveDate| day.and_hms_opt(9, 30, 0).unwrap_or_default().and_utc();
    let mut forced = 0usize;
    for (f, &finding_id) in findings.iter().enumerate() {
        let (_, _, cause, pool) = FINDINGS[f % FINDINGS.len()];
        for &b in &branches {
            if !rng.random_bool(share) {
                continue;
            }
            // The first items cover every state, with a due-soon and an overdue one; the rest
            // follow the mix.
            let (planned, offset) = match forced {
                0 => (Planned::NotStarted, 60),
                1 => (Planned::InProgress, 5),
                2 => (Planned::InProgress, -12),
                3 => (Planned::Awaiting, 30),
                4 => (Planned::Closed, 30),
                5 => (Planned::Reopened, 45),
                6 => (Planned::Returned, 40),
                _ => {
                    let mut roll = rng.random_range(0..100);
                    let planned = MIX
                        .iter()
                        .find(|(share, _)| {
                            let hit = roll < *share;
                            roll = roll.saturating_sub(*share);
                            hit
                        })
                        .map_or(Planned::InProgress, |(_, p)| *p);
                    (planned, rng.random_range(-30..100))
                }
            };
            forced += 1;
            let id = first_item + out.items.len() as i64;
            let deadline = (today + TimeDelta::days(offset)).max(feedback_on + TimeDelta::days(30));
            let people = &members_of[b];
            let leader = plan.orgs[b]
                .secretary
                .map(|m| plan.members[m].row.id)
                .unwrap_or(people[0]);
            let started = feedback_on + TimeDelta::days(rng.random_range(3..15));
            let mut events = Vec::new();
            let mut event = |action, stage, note: Option<String>, evidence, measure, day| {
                events.push(BulkEvent {
                    rectification_id: id,
                    action,
                    stage_after: stage,
                    note,
                    evidence,
                    measure_id: measure,
                    login: AUTHOR,
                    at: at(day),
                });
            };
            let mut measures = Vec::new();
            if planned != Planned::NotStarted {
                event("plan", Stage::InProgress, None, None, None, started);
                let n = rng.random_range(1..=pool.len().min(3));
                for (k, content) in pool.iter().take(n).enumerate() {
                    let m_id = first_measure + (out.measures.len() + measures.len()) as i64;
                    let due = (deadline - TimeDelta::days(rng.random_range(0..20))).max(started);
                    let finished = match planned {
                        Planned::InProgress | Planned::Returned => {
                            k + 1 < n && rng.random_bool(0.5)
                        }
                        _ => true,
                    };
                    let done_on = finished
                        .then(|| (started + TimeDelta::days(rng.random_range(5..40))).min(today));
                    event(
                        "plan",
                        Stage::InProgress,
                        Some((*content).to_owned()),
                        None,
                        Some(m_id),
                        started,
                    );
                    if let Some(on) = done_on {
                        event(
                            "report",
                            Stage::InProgress,
                            Some(format!("已完成：{content}")),
                            Some(format!("会议记录及照片（第{}号）", rng.random_range(1..60))),
                            Some(m_id),
                            on,
                        );
                    }
                    measures.push(BulkMeasure {
                        id: m_id,
                        rectification_id: id,
                        position: k as i64 + 1,
                        content,
                        leader_member_id: leader,
                        org_id: org_ids[b],
                        person_member_id: people[1 + k % (people.len() - 1)],
                        deadline: due,
                        done_on,
                    });
                }
            }
            let claimed = today - TimeDelta::days(rng.random_range(1..10));
            let (stage, closed_on) = match planned {
                Planned::NotStarted => (Stage::NotStarted, None),
                Planned::InProgress => (Stage::InProgress, None),
                Planned::Returned => {
                    let claim = Some("整改措施已落实".to_owned());
                    event(
                        "claim",
                        Stage::AwaitingAcceptance,
                        claim,
                        None,
                        None,
                        claimed,
                    );
                    let why = Some("佐证材料不全，请补充会议记录".to_owned());
                    event("return", Stage::InProgress, why, None, None, today);
                    // Sent back to work: the last measure is open again.
                    if let Some(last) = measures.last_mut() {
                        last.done_on = None;
                    }
                    (Stage::InProgress, None)
                }
                Planned::Awaiting => {
                    let claim = Some("各项措施已完成，申请验收销号".to_owned());
                    event(
                        "claim",
                        Stage::AwaitingAcceptance,
                        claim,
                        None,
                        None,
                        claimed,
                    );
                    (Stage::AwaitingAcceptance, None)
                }
                Planned::Closed | Planned::Reopened => {
                    let claim = Some("各项措施已完成，申请验收销号".to_owned());
                    event(
                        "claim",
                        Stage::AwaitingAcceptance,
                        claim,
                        None,
                        None,
                        claimed,
                    );
                    let ok = Some("经查阅台账和现场检查，整改到位，同意销号".to_owned());
                    event("accept", Stage::Closed, ok, None, None, claimed);
                    if planned == Planned::Closed {
                        (Stage::Closed, Some(claimed))
                    } else {
                        let why = Some("回头看发现问题有反弹，重新整改".to_owned());
                        event("reopen", Stage::Reopened, why, None, None, today);
                        for m in &mut measures {
                            m.done_on = None;
                        }
                        (Stage::Reopened, None)
                    }
                }
            };
            let due_on = measures
                .iter()
                .filter(|m| m.done_on.is_none())
                .map(|m| m.deadline)
                .min()
                .map_or(deadline, |d| d.min(deadline));
            out.items.push(BulkItem {
                id,
                finding_id,
                org_id: org_ids[b],
                stage,
                deadline,
                due_on,
                cause: (stage != Stage::NotStarted).then(|| cause.to_owned()),
                closed_on,
                version: events.len() as i64 + 1,
            });
            out.measures.extend(measures);
            out.events.extend(events);
        }
    }
    out
}
