//! The demo's 学习教育: the year's 主题党日 each hold a study (credited from the record's roll,
//! made-up absentees included), the demo branch holds a study of its own with an absentee who
//! made it up and a two-day class for all its members, the committee's 理论学习中心组 studies,
//! and the bureau's secretaries' rotation class, which some missed half of — so the year has
//! members short of their hours and secretaries without their concentrated training.

use chrono::{Datelike, Days, NaiveDate};
use dangjian_core::orglife::{AbsenceReason, MeetingKind, ReviewState};
use dangjian_core::study::{Hours, StudyKind, group_study_credit};
use dangjian_store::Conn;
use dangjian_store::orglife::BulkMeeting;
use dangjian_store::study::{self as store, NewClass, NewSession};

use crate::Services;
use crate::error::ServiceResult;
use crate::study::{record_attendance, settle_class};

const AUTHOR: &str = "(演示数据)";

const TOPICS: &[(&str, &str)] = &[
    (
        "学习《中国共产党纪律处分条例》",
        "书记领学第一章至第三章，结合执法执勤岗位逐条讨论，每人谈一条体会。",
    ),
    (
        "学习全国公安工作会议精神",
        "原文学习会议讲话，对照本所工作找差距，形成三条改进措施。",
    ),
    (
        "学习《中国共产党党员教育管理工作条例》",
        "学习党员教育管理的基本任务和要求，讨论支部学习计划。",
    ),
    (
        "学习新修订的《公安机关人民警察纪律条令》",
        "逐章学习条令，观看警示教育片，交流心得。",
    ),
];

impl Services {
    /// The demo's study: returns how many studies were recorded.
    pub(super) async fn demo_study(
        &self,
        tx: &mut Conn,
        meetings: &[BulkMeeting],
        studied: &[i64],
        committee: Option<i64>,
        demo_branch: Option<i64>,
    ) -> ServiceResult<usize> {
        let today = self.clock().today();
        let now = self.clock().now();
        let credit = self.rules().training.credit.clone();
        let mut count = 0;
        // The year's 主题党日 of the branches chosen, each with its study.
        for (n, m) in meetings
            .iter()
            .filter(|m| m.kind == MeetingKind::ThemePartyDay && m.state != ReviewState::Draft)
            .filter(|m| m.held_on.year() == today.year() && studied.contains(&m.org_id))
            .enumerate()
        {
            let (topic, materials) = TOPICS[n % TOPICS.len()];
            let minutes = if n % 3 == 0 { 90 } else { 120 };
            store::insert_session(
                tx,
                &NewSession {
                    org_id: m.org_id,
                    kind: StudyKind::BranchStudy,
                    meeting_id: Some(m.id),
                    held_on: m.held_on,
                    minutes,
                    topic,
                    materials,
                    hours: group_study_credit(minutes, &credit),
                    recorded_by: AUTHOR,
                },
                now,
            )
            .await?;
            self.refresh_meeting_study(tx, m.id).await?;
            count += 1;
        }
        let back = |days: u64| today.checked_sub_days(Days::new(days)).unwrap_or(today);
        if let Some(branch) = demo_branch {
            count += self
                .demo_own_study(tx, branch, false, back(40), &credit)
                .await?;
            let members: Vec<i64> = self
                .demo_roll(tx, branch, back(60))
                .await?
                .into_iter()
                .collect();
            self.demo_class(
                tx,
                branch,
                "全员政治轮训班",
                "市局党委",
                false,
                back(61),
                &members,
                &[],
            )
            .await?;
        }
        if let Some(root) = committee {
            count += self
                .demo_own_study(tx, root, true, back(20), &credit)
                .await?;
            // The secretaries' rotation: every fourth missed its second day.
            let root_path = dangjian_store::orgs::get(tx, root).await?.map(|o| o.path);
            if let Some(path) = root_path {
                // A member may be the secretary of more than one org: enrolled once.
                let mut seen = std::collections::HashSet::new();
                let secretaries: Vec<i64> = store::leaders_under(tx, &path)
                    .await?
                    .into_iter()
                    .filter(|l| l.post == "secretary" && seen.insert(l.member_id))
                    .map(|l| l.member_id)
                    .collect();
                let missed: Vec<i64> = secretaries.iter().step_by(4).copied().collect();
                self.demo_class(
                    tx,
                    root,
                    &format!("{}年基层党组织书记轮训班", today.year()),
                    "市委党校",
                    true,
                    back(90),
                    &secretaries,
                    &missed,
                )
                .await?;
            }
        }
        Ok(count)
    }

    /// The roll of a branch on a day (member ids).
    pub(super) async fn demo_roll(
        &self,
        tx: &mut Conn,
        org: i64,
        on: NaiveDate,
    ) -> ServiceResult<Vec<i64>> {
        let org = dangjian_store::orgs::get(tx, org)
            .await?
            .ok_or(crate::ServiceError::NotFound)?;
        Ok(self
            .roll_for_study(tx, &org, false, on)
            .await?
            .into_iter()
            .map(|m| m.member_id)
            .collect())
    }

    /// A study held on its own at `org` (the committee's for a 中心组), its first absentee
    /// made up a week later.
    async fn demo_own_study(
        &self,
        tx: &mut Conn,
        org_id: i64,
        central: bool,
        on: NaiveDate,
        credit: &dangjian_core::study::Credit,
    ) -> ServiceResult<usize> {
        let Some(org) = dangjian_store::orgs::get(tx, org_id).await? else {
            return Ok(0);
        };
        let roll = self.roll_for_study(tx, &org, central, on).await?;
        if roll.is_empty() {
            return Ok(0);
        }
        let minutes = 150;
        let (topic, materials) = if central {
            (
                "理论学习中心组专题学习：全面从严管党治警",
                "集体学习有关重要讲话精神，班子成员围绕全面从严管党治警逐一交流发言。",
            )
        } else {
            TOPICS[1]
        };
        let id = store::insert_session(
            tx,
            &NewSession {
                org_id,
                kind: if central {
                    StudyKind::CentralGroup
                } else {
                    StudyKind::BranchStudy
                },
                meeting_id: None,
                held_on: on,
                minutes,
                topic,
                materials,
                hours: group_study_credit(minutes, credit),
                recorded_by: AUTHOR,
            },
            self.clock().now(),
        )
        .await?;
        let rows: Vec<_> = roll
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let away = i == 1 || i == 4;
                (m.member_id, !away, away.then_some(AbsenceReason::OnDuty))
            })
            .collect();
        store::insert_attendees(tx, id, &rows).await?;
        if let Some(m) = roll.get(1) {
            let later = on.checked_add_days(Days::new(7)).unwrap_or(on);
            store::set_makeup(tx, id, m.member_id, later, "观看学习录像，提交心得体会").await?;
        }
        self.credit_study(tx, id).await?;
        Ok(1)
    }

    /// A closed two-day class of eight hours a day: `members` enrolled, those in `missed`
    /// absent on the second day.
    #[allow(clippy::too_many_arguments)]
    async fn demo_class(
        &self,
        tx: &mut Conn,
        org_id: i64,
        title: &str,
        organiser: &str,
        concentrated: bool,
        starts_on: NaiveDate,
        members: &[i64],
        missed: &[i64],
    ) -> ServiceResult<()> {
        if members.is_empty() {
            return Ok(());
        }
        let ends_on = starts_on
            .checked_add_days(Days::new(1))
            .unwrap_or(starts_on);
        let id = store::insert_class(
            tx,
            &NewClass {
                org_id,
                title,
                organiser,
                place: "市委党校",
                starts_on,
                ends_on,
                concentrated,
                created_by: AUTHOR,
            },
            self.clock().now(),
        )
        .await?;
        store::enrol(tx, id, members, AUTHOR).await?;
        for (on, topic) in [
            (starts_on, "习近平新时代中国特色社会主义思想专题辅导"),
            (ends_on, "基层党组织建设实务与案例研讨"),
        ] {
            store::insert_class_session(tx, id, on, topic, "党校教授", Hours(800)).await?;
        }
        for (n, session) in store::class_sessions(tx, id).await?.iter().enumerate() {
            let present: Vec<i64> = members
                .iter()
                .filter(|m| n == 0 || !missed.contains(m))
                .copied()
                .collect();
            record_attendance(tx, id, session, members, &present).await?;
        }
        if let Some(class) = store::class_by_id(tx, id).await? {
            let credit = self.rules().training.credit.clone();
            settle_class(tx, &class, ends_on, &credit).await?;
        }
        Ok(())
    }
}
