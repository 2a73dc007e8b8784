//! The demo's 民主评议党员: the demo branch's review of last year, decided in December — each
//! member's 自评 and 党性分析, the 互评 summaries, the secret ballot's totals, about a quarter
//! 优秀 (within the third), one 基本合格 with an improvement plan, one 不合格 whose 限期改正
//! is under way (talked to and pre-reviewed; the branch meeting is next) — and the same
//! branch secretary's 述职评议 of that year, graded 较好 by the committee; and 典型经验: the
//! demo branch's, published and adopted by another branch, and one waiting for review.

use chrono::{Datelike, NaiveDate};
use dangjian_core::assess::{
    DispositionKind, DispositionStep, DutyGrade, DutyRatings, Grade, PracticeStatus, ReviewStage,
    StepDone,
};
use dangjian_core::org::Post;
use dangjian_store::Conn;
use dangjian_store::assess::{
    self as store, DecisionRow, DutyCommentRow, NewDutyReview, NewPractice, NewStepRow, ProposalRow,
};

use crate::Services;
use crate::error::ServiceResult;

const AUTHOR: &str = "(演示数据)";

const SELF: &[&str] = &[
    "一年来认真学习党的创新理论，按时参加组织生活、交纳党费，在执法办案中坚持依法规范，完成了分配的任务。",
    "坚持把政治建设摆在首位，社区警务工作扎实，主动化解矛盾纠纷；不足是理论学习系统性不够。",
    "在专项行动中冲锋在前，带领同事连续奋战；对照入党誓词，群众工作方法还需改进。",
];

const ANALYSIS: &str = "对照合格党员标准、对照入党誓词，联系个人实际检视：理想信念坚定，能够严守纪律规矩；理论学习有时满足于读原文、记笔记，联系实际不够；今后将坚持每周集中学习，主动讲好微党课。";

const PEERS: &[&str] = &[
    "同志们认为其工作积极主动，业务能力强，希望在理论学习上更加深入。",
    "大家肯定其服务群众热情，建议在执法规范化上带好头。",
    "同志们评价其吃苦耐劳、团结同志，提出要加强对年轻民警的传帮带。",
];

impl Services {
    /// The demo branch's review of last year; returns how many reviews.
    pub(super) async fn demo_review(
        &self,
        tx: &mut Conn,
        branch: Option<i64>,
    ) -> ServiceResult<usize> {
        let Some(branch) = branch else {
            return Ok(0);
        };
        let today = self.clock().today();
        let now = self.clock().now();
        let year = today.year() - 1;
        let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d).unwrap_or(today);
        self.demo_duty_review(tx, branch, year, day(12, 20)).await?;
        let Some((id, _)) = store::open_review(tx, branch, year, day(12, 1), AUTHOR, now).await?
        else {
            return Ok(0);
        };
        let entries = store::entries(tx, id).await?;
        let rules = self.rule_book();
        let rules = rules.on(day(12, 1));
        let graded: Vec<usize> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                dangjian_core::assess::is_graded(e.probationary, &rules.democratic_review)
            })
            .map(|(i, _)| i)
            .collect();
        if graded.len() < 4 {
            return Ok(1);
        }
        // What the branch came to: a quarter 优秀 (never more than the share), the last two
        // 不合格 and 基本合格, the others 合格.
        let cap = dangjian_core::assess::excellent_cap(
            u32::try_from(graded.len()).unwrap_or(u32::MAX),
            rules.democratic_review.excellent_max_ratio,
        ) as usize;
        let excellent = (graded.len() / 4).clamp(1, cap.max(1));
        let grade_of = |i: usize| -> Option<Grade> {
            let at = graded.iter().position(|g| *g == i)?;
            Some(if at < excellent {
                Grade::Excellent
            } else if at == graded.len() - 1 {
                Grade::Unqualified
            } else if at == graded.len() - 2 {
                Grade::Basic
            } else {
                Grade::Qualified
            })
        };
        for (i, e) in entries.iter().enumerate() {
            if grade_of(i) != Some(Grade::Unqualified) {
                store::set_self(
                    tx,
                    id,
                    e.member_id,
                    SELF[i % SELF.len()],
                    ANALYSIS,
                    day(12, 3),
                )
                .await?;
            }
            store::set_peer(tx, id, e.member_id, PEERS[i % PEERS.len()]).await?;
        }
        store::set_stage(tx, id, 1, ReviewStage::Evaluating, ReviewStage::Balloting).await?;
        // Every participant but one casts a ballot; most agree with what the branch came to.
        for (v, voter) in entries.iter().enumerate().skip(1) {
            let choices: Vec<(i64, Grade)> = graded
                .iter()
                .filter(|g| entries[**g].member_id != voter.member_id)
                .filter_map(|g| {
                    let grade = grade_of(*g)?;
                    let varied = (v + g) % 5 == 0;
                    Some((
                        entries[*g].member_id,
                        match (grade, varied) {
                            (Grade::Excellent, true) => Grade::Qualified,
                            (Grade::Qualified, true) => Grade::Excellent,
                            (Grade::Unqualified, true) => Grade::Basic,
                            (g, _) => g,
                        },
                    ))
                })
                .collect();
            store::cast_ballot(tx, id, voter.member_id, &choices).await?;
        }
        store::set_stage(tx, id, 2, ReviewStage::Balloting, ReviewStage::Proposing).await?;
        let months = rules.disposition.rectification_default_months;
        for (i, e) in entries.iter().enumerate() {
            let grade = grade_of(i);
            let (reason, plan, disposition) = match grade {
                Some(Grade::Basic) => (
                    "理论学习不够深入，参加集中学习有缺课",
                    "每月撰写一篇学习体会，由支部委员结对帮带",
                    None,
                ),
                Some(Grade::Unqualified) => (
                    "无正当理由五个月不参加组织生活、不交纳党费，经支部两次谈话仍无改进",
                    "",
                    Some(DispositionKind::Rectify),
                ),
                _ => ("", "", None),
            };
            let proposal = ProposalRow {
                grade,
                reason,
                plan,
                disposition,
                months: disposition.map(|_| months),
            };
            store::set_proposal(tx, id, e.member_id, &proposal).await?;
        }
        let expected = u32::try_from(entries.len()).unwrap_or(u32::MAX);
        let decided = day(12, 15);
        let decision = DecisionRow {
            on: decided,
            expected,
            present: expected - 1,
            excess_reason: None,
            stage: ReviewStage::Decided,
        };
        // Each proposal moved the version on.
        let version = store::review_by_id(tx, id).await?.map_or(0, |r| r.version);
        store::decide(tx, id, version, &decision).await?;
        let talkers: Vec<&str> = graded
            .iter()
            .filter(|g| grade_of(**g) == Some(Grade::Excellent) && !entries[**g].probationary)
            .chain(
                graded
                    .iter()
                    .filter(|g| grade_of(**g) == Some(Grade::Qualified)),
            )
            .take(2)
            .map(|g| entries[*g].name.as_str())
            .collect();
        let pre_review_on = NaiveDate::from_ymd_opt(today.year(), 1, 10)
            .unwrap_or(today)
            .min(today)
            .max(day(12, 28));
        for disposition in store::open_dispositions(tx, id, decided, now).await? {
            let steps = [
                (
                    DispositionStep::Talk,
                    day(12, 28),
                    talkers.join("、"),
                    "告知评议结果和支部初步意见；本人表示愿意接受教育、限期改正",
                ),
                (
                    DispositionStep::PreReview,
                    pre_review_on,
                    rules.disposition.pre_review_rectification.clone(),
                    "书面反馈：同意支部意见，限期改正期间明确帮教责任人",
                ),
            ];
            for (n, (step, on, people, note)) in steps.into_iter().enumerate() {
                let row = NewStepRow {
                    done: StepDone {
                        step,
                        on,
                        passed: true,
                    },
                    people: &people,
                    note,
                    vote: None,
                    by: AUTHOR,
                };
                let status = dangjian_core::assess::DispositionStatus::Open;
                store::record_step(tx, disposition, n as i64 + 1, &row, status, now).await?;
            }
        }
        Ok(1)
    }

    /// The demo branch's 典型经验 published and adopted by `other`, and `other`'s waiting.
    pub(super) async fn demo_practices(
        &self,
        tx: &mut Conn,
        branch: Option<i64>,
        other: Option<i64>,
    ) -> ServiceResult<()> {
        let (Some(branch), Some(other)) = (branch, other) else {
            return Ok(());
        };
        let today = self.clock().today();
        let now = self.clock().now();
        let back = |days: u64| {
            today
                .checked_sub_days(chrono::Days::new(days))
                .unwrap_or(today)
        };
        let published = store::insert_practice(
            tx,
            &NewPractice {
                org_id: branch,
                title: "“党小组建在警组上”，组织生活与勤务安排同步",
                problem: "民警轮班值守、警力分散，党员难以按时集中参加组织生活。",
                practice: "按勤务警组设党小组，党小组会与班前会结合；每月主题党日提前纳入排班；轮休党员按规定补学并记录。",
                effect: "全年三会一课按期召开，党员到会率由七成提高到九成以上，补学全部有记录（见支部组织生活台账）。",
                submitted_on: back(90),
                by: AUTHOR,
            },
            now,
        )
        .await?;
        store::decide_practice(
            tx,
            published,
            1,
            PracticeStatus::Published,
            back(80),
            AUTHOR,
            "经党委办公室审核，全局推广",
        )
        .await?;
        store::insert_adoption(
            tx,
            published,
            other,
            back(60),
            "参照设置三个警组党小组，两个月来组织生活无一缺课。",
            AUTHOR,
            now,
        )
        .await?;
        store::insert_practice(
            tx,
            &NewPractice {
                org_id: other,
                title: "“民警夜校”：把学习教育放进值班间隙",
                problem: "夜班民警难以参加白天的集中学习。",
                practice: "每周两次夜间微党课，每次二十分钟，由支部委员轮流讲授。",
                effect: "夜班民警学时全部达标，见学习教育学时台账。",
                submitted_on: back(5),
                by: AUTHOR,
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// The branch secretary's 述职评议 of `year`, held and graded by the committee.
    async fn demo_duty_review(
        &self,
        tx: &mut Conn,
        branch: i64,
        year: i32,
        held_on: NaiveDate,
    ) -> ServiceResult<()> {
        let now = self.clock().now();
        let secretary = dangjian_store::history::posts::current(tx, branch, Post::Secretary.code())
            .await?
            .map(|(member, _)| member);
        let review = NewDutyReview {
            org_id: branch,
            year,
            secretary_id: secretary,
            held_on,
            chaired_by: "市公安局党委副书记",
            leader_comment: "支部书记履行第一责任人职责到位，三会一课规范，整改任务按期完成；学习教育的针对性和群众工作方法还需加强。",
            ratings: DutyRatings {
                attendees: 15,
                good: 9,
                fairly_good: 5,
                average: 1,
                poor: 0,
            },
            by: AUTHOR,
        };
        let Some(id) = store::insert_duty_review(tx, &review, now).await? else {
            return Ok(());
        };
        for (reviewer, grade, comment) in [
            (
                "党委委员、政治处主任",
                DutyGrade::Good,
                "责任清单和任务台账清楚，述职用数据和事例说话。",
            ),
            (
                "党员代表",
                DutyGrade::FairlyGood,
                "支部活动贴近警务实战，希望多开展结对帮带。",
            ),
        ] {
            let row = DutyCommentRow {
                reviewer: reviewer.to_owned(),
                grade,
                comment: comment.to_owned(),
            };
            store::insert_duty_comment(tx, id, &row, AUTHOR, now).await?;
        }
        store::grade_duty_review(tx, id, 1, DutyGrade::FairlyGood, held_on, "").await?;
        Ok(())
    }
}
