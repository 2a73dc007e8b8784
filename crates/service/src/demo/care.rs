//! The demo's 关爱表彰: last 七一's commendations and this year's police awards (approved,
//! one refused, two awaiting approval), the demo branch named a 先进基层党组织, visits over
//! the year with and without support, and hardship cases — one followed up lately, one gone
//! quiet (it shows in the care to-do list), one closed. Nominees are checked against the
//! eligibility rule as the service checks them.

use chrono::{Datelike, Days, NaiveDate};
use dangjian_core::care::{CommendationStatus, HardshipKind, HonourLevel, HonourSystem, Occasion};
use dangjian_core::member::{Category, MemberStatus};
use dangjian_core::money::Fen;
use dangjian_store::care::{self as store, Decision, NewCommendation, NewHardship, NewVisit};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::Plan;
use crate::Services;
use crate::conduct::eligibility_in;
use crate::error::ServiceResult;

const AUTHOR: &str = "(演示数据)";

const CITATIONS: &[&str] = &[
    "在电信网络诈骗打击治理中主动作为，带领民警破获案件多起，为群众挽回损失",
    "扎根社区警务室，走访群众、化解矛盾纠纷，辖区发案率明显下降",
    "在重大安保任务中连续奋战，圆满完成警卫任务",
    "坚持学习、带头讲党课，支部组织生活规范，群众评价好",
];

/// A demo hardship case: kind, description, days ago registered, follow-ups (days ago, note,
/// fen), and the closing note of a closed one.
type HardshipCase = (
    HardshipKind,
    &'static str,
    u64,
    &'static [(u64, &'static str, Option<i64>)],
    Option<&'static str>,
);

const VISIT_NOTES: &[(Occasion, &str, Option<i64>)] = &[
    (
        Occasion::Festival,
        "春节前走访，送去慰问品，了解家庭近况",
        Some(50_000),
    ),
    (
        Occasion::Illness,
        "住院探望，了解治疗和康复情况，协调值班替岗",
        Some(100_000),
    ),
    (
        Occasion::Elderly,
        "看望离退休老党员，送学上门，通报支部工作",
        None,
    ),
    (
        Occasion::PoliticalBirthday,
        "政治生日当天送上支部书记的一封信，重温入党誓词",
        None,
    ),
    (
        Occasion::Injury,
        "看望因公负伤民警，落实医疗和休养安排",
        Some(200_000),
    ),
];

impl Services {
    /// The demo's commendations, visits and hardship cases; returns how many honours.
    pub(super) async fn demo_care(
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
        let mut rng = StdRng::seed_from_u64(seed ^ 0xca7e);
        let active: Vec<usize> = plan
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.row.status == MemberStatus::Active)
            .map(|(i, _)| i)
            .collect();
        if active.is_empty() {
            return Ok(0);
        }
        // Last 七一 (this year's when it has passed).
        let july = NaiveDate::from_ymd_opt(today.year(), 7, 1)
            .filter(|d| *d <= today)
            .or_else(|| NaiveDate::from_ymd_opt(today.year() - 1, 7, 1))
            .unwrap_or(today);
        let honours = (plan.members.len() / 300).clamp(6, 400);
        let mut count = 0;
        let mut tried = 0;
        let mut honoured = std::collections::HashSet::new();
        while count < honours && tried < honours * 4 {
            tried += 1;
            let m = &plan.members[active[rng.random_range(0..active.len())]];
            if !honoured.insert(m.row.id) {
                continue;
            }
            let police = count % 3 != 0;
            let (system, kind, decided_on) = if police {
                let kind = if count % 7 == 1 {
                    "记三等功"
                } else {
                    "嘉奖"
                };
                let on = today - Days::new(rng.random_range(20..300));
                (HonourSystem::Police, kind, on)
            } else {
                (HonourSystem::Party, "优秀共产党员", july)
            };
            if system == HonourSystem::Party && m.row.category != Category::Full {
                continue;
            }
            let proposed_on = decided_on - Days::new(20);
            let barred = eligibility_in(tx, &book, &[m.row.id], proposed_on)
                .await?
                .contains_key(&m.row.id);
            if barred {
                continue;
            }
            // The last two wait for approval; one before them was refused.
            let status = match honours - count {
                1 | 2 => CommendationStatus::Proposed,
                3 => CommendationStatus::Rejected,
                _ => CommendationStatus::Approved,
            };
            self.demo_commendation(
                tx,
                system,
                kind,
                Some(m.row.id),
                org_ids[m.branch],
                CITATIONS[count % CITATIONS.len()],
                proposed_on,
                (status != CommendationStatus::Proposed).then_some((status, decided_on)),
                now,
            )
            .await?;
            count += 1;
        }
        if let Some(branch) = demo_branch {
            self.demo_commendation(
                tx,
                HonourSystem::Party,
                "先进基层党组织",
                None,
                org_ids[branch],
                "支部标准化规范化建设扎实，“三会一课”坚持经常，党员作用发挥明显",
                july - Days::new(20),
                Some((CommendationStatus::Approved, july)),
                now,
            )
            .await?;
            count += 1;
        }

        // Visits over the year: one per 100 members.
        for _ in 0..(plan.members.len() / 100).max(5) {
            let m = &plan.members[active[rng.random_range(0..active.len())]];
            let (occasion, notes, amount) = VISIT_NOTES[rng.random_range(0..VISIT_NOTES.len())];
            store::insert_visit(
                tx,
                &NewVisit {
                    member_id: m.row.id,
                    occasion: occasion.code(),
                    visited_on: today - Days::new(rng.random_range(1..360)),
                    visitors: "支部书记、支部委员",
                    notes,
                    amount: amount.map(Fen),
                    created_by: AUTHOR,
                },
                now,
            )
            .await?;
        }

        // Hardship: in the demo branch when there is one.
        let pool: Vec<usize> = match demo_branch {
            Some(b) => active
                .iter()
                .copied()
                .filter(|i| plan.members[*i].branch == b)
                .skip(4)
                .take(3)
                .collect(),
            None => Vec::new(),
        };
        let cases: [HardshipCase; 3] = [
            (
                HardshipKind::Illness,
                "配偶患重病长期治疗，家庭医疗支出大",
                200,
                &[
                    (150, "送去党内关怀帮扶金", Some(300_000)),
                    (20, "协调医保报销，了解治疗进展", None),
                ],
                None,
            ),
            (
                HardshipKind::Disaster,
                "汛期住房受损，需修缮",
                240,
                &[(220, "组织支部党员帮助清理，送去慰问金", Some(200_000))],
                None,
            ),
            (
                HardshipKind::Family,
                "子女上学与老人赡养负担重",
                400,
                &[(380, "送去帮扶金", Some(100_000))],
                Some("家庭收入改善，困难已解决"),
            ),
        ];
        for (i, (kind, description, days_ago, follow_ups, closed)) in cases.iter().enumerate() {
            let Some(member) = pool.get(i) else { break };
            let registered_on = today - Days::new(*days_ago);
            let id = store::insert_hardship(
                tx,
                &NewHardship {
                    member_id: plan.members[*member].row.id,
                    kind: kind.code(),
                    description,
                    registered_on,
                    created_by: AUTHOR,
                },
                now,
            )
            .await?;
            for (ago, note, amount) in *follow_ups {
                store::insert_follow_up(
                    tx,
                    id,
                    today - Days::new(*ago),
                    note,
                    amount.map(Fen),
                    AUTHOR,
                    now,
                )
                .await?;
            }
            if let Some(note) = closed {
                store::close_hardship(tx, id, 1, today - Days::new(300), note).await?;
            }
        }
        Ok(count)
    }

    /// One commendation, decided when `decision` says so.
    #[allow(clippy::too_many_arguments)]
    async fn demo_commendation(
        &self,
        tx: &mut dangjian_store::Conn,
        system: HonourSystem,
        kind: &str,
        member_id: Option<i64>,
        org_id: i64,
        citation: &str,
        proposed_on: NaiveDate,
        decision: Option<(CommendationStatus, NaiveDate)>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> ServiceResult<()> {
        let id = store::insert_commendation(
            tx,
            &NewCommendation {
                system,
                kind,
                level: HonourLevel::Municipal,
                member_id,
                org_id,
                citation,
                proposed_on,
                proposed_by: AUTHOR,
            },
            now,
        )
        .await?;
        if let Some((status, decided_on)) = decision {
            let approver = match system {
                HonourSystem::Party => "市公安局党委",
                HonourSystem::Police => "市公安局",
            };
            let note = if status == CommendationStatus::Rejected {
                "事迹材料不够具体，请补充后再报"
            } else {
                ""
            };
            store::decide(
                tx,
                id,
                1,
                &Decision {
                    status,
                    decided_on,
                    approver,
                    note,
                },
            )
            .await?;
        }
        Ok(())
    }
}
