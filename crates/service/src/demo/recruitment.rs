//! The demo's 发展党员, at the demo branch: an applicant whose talk is overdue, an activist
//! under review, a 发展对象 through training, and a probationary member whose approval came
//! late — each step on a day relative to today, with its lateness as recorded.

use chrono::{Days, NaiveDate};
use dangjian_core::member::Gender;
use dangjian_core::recruitment::{Path, RecruitmentRules, Step, days_late};
use dangjian_store::recruitment::{self as store, NewRecruit};

use crate::Services;
use crate::error::ServiceResult;

const AUTHOR: &str = "(演示数据)";

/// A person: name, gender, birth date, and each step with the days before today it was done.
type Planned = (
    &'static str,
    Gender,
    (i32, u32, u32),
    &'static [(Step, u64)],
);

const PEOPLE: &[Planned] = &[
    (
        "王晓明",
        Gender::Male,
        (1999, 6, 12),
        &[(Step::Application, 40)],
    ),
    (
        "李思远",
        Gender::Male,
        (1997, 3, 2),
        &[
            (Step::Application, 220),
            (Step::Talk, 205),
            (Step::ActivistChosen, 160),
            (Step::ActivistFiled, 150),
            (Step::ContactsAssigned, 150),
            (Step::Cultivation, 150),
        ],
    ),
    (
        "赵静怡",
        Gender::Female,
        (1995, 11, 20),
        &[
            (Step::Application, 760),
            (Step::Talk, 745),
            (Step::ActivistChosen, 700),
            (Step::ActivistFiled, 690),
            (Step::ContactsAssigned, 690),
            (Step::Cultivation, 690),
            (Step::CandidateChosen, 60),
            (Step::CandidateFiled, 50),
            (Step::Sponsors, 45),
            (Step::PoliticalReview, 30),
            (Step::Training, 20),
        ],
    ),
    (
        "陈浩然",
        Gender::Male,
        (1994, 8, 8),
        &[
            (Step::Application, 1000),
            (Step::Talk, 990),
            (Step::ActivistChosen, 950),
            (Step::ActivistFiled, 940),
            (Step::ContactsAssigned, 940),
            (Step::Cultivation, 940),
            (Step::CandidateChosen, 560),
            (Step::CandidateFiled, 550),
            (Step::Sponsors, 550),
            (Step::PoliticalReview, 540),
            (Step::Training, 530),
            (Step::CommitteeReview, 520),
            (Step::PreReview, 510),
            (Step::VolunteerForm, 505),
            (Step::BranchMeeting, 250),
            (Step::ApprovalTalk, 200),
            // Four months after the branch meeting: a month past the limit.
            (Step::Approval, 130),
            (Step::Filing, 120),
            (Step::Placement, 120),
            (Step::Oath, 110),
            (Step::ProbationEducation, 110),
        ],
    ),
];

impl Services {
    /// The demo's people on the path at `branch`; returns how many.
    pub(super) async fn demo_recruitment(
        &self,
        tx: &mut dangjian_store::Conn,
        branch: Option<i64>,
    ) -> ServiceResult<usize> {
        let Some(branch) = branch else {
            return Ok(0);
        };
        let today = self.clock().today();
        let now = self.clock().now();
        let rules = RecruitmentRules::of(self.rules());
        for (name, gender, (y, m, d), steps) in PEOPLE {
            let birth = NaiveDate::from_ymd_opt(*y, *m, *d).unwrap_or(today);
            let id = store::insert(
                tx,
                &NewRecruit {
                    branch_id: branch,
                    name,
                    gender: *gender,
                    birth_date: birth,
                    police_number: None,
                    rule_version: rules.version,
                    created_by: AUTHOR,
                },
                now,
            )
            .await?;
            let mut path = Path {
                birth_date: Some(birth),
                ..Path::default()
            };
            for (version, (step, ago)) in (1..).zip(steps.iter()) {
                let on = today - Days::new(*ago);
                let late = days_late(*step, on, &path, &rules);
                store::insert_step(tx, id, version, *step, on, "", late, AUTHOR, now).await?;
                path.done.insert(*step, on);
            }
        }
        Ok(PEOPLE.len())
    }
}
