//! The demo's 发展党员, at the demo branch: an applicant whose talk is overdue, an activist
//! under review, a 发展对象 through training, one accepted by the branch meeting and waiting
//! for the committee's approval, a probationary member whose approval came late, and one whose
//! probation the branch extended — each step on a day relative to today, with its lateness as
//! recorded; the admitted two are on the roster, made by the admission itself.

use chrono::{Days, NaiveDate};
use dangjian_core::id_number::check_char;
use dangjian_core::lifecycle::EventKind;
use dangjian_core::member::Gender;
use dangjian_core::recruitment::{Path, RecruitmentRules, Step, days_late};
use dangjian_core::role::Scope;
use dangjian_store::Tx;
use dangjian_store::recruitment::{self as store, Held, NewRecruit, NewStep};

use crate::Services;
use crate::auth::Actor;
use crate::error::ServiceResult;
use crate::lifecycle::TransitionForm;
use crate::recruitment::id_number_context;

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
    (
        "周一鸣",
        Gender::Male,
        (1993, 4, 16),
        &[
            (Step::Application, 1300),
            (Step::Talk, 1290),
            (Step::ActivistChosen, 1250),
            (Step::ActivistFiled, 1240),
            (Step::ContactsAssigned, 1240),
            (Step::Cultivation, 1240),
            (Step::CandidateChosen, 860),
            (Step::CandidateFiled, 850),
            (Step::Sponsors, 850),
            (Step::PoliticalReview, 840),
            (Step::Training, 830),
            (Step::CommitteeReview, 820),
            (Step::PreReview, 810),
            (Step::VolunteerForm, 805),
            (Step::BranchMeeting, 430),
            (Step::ApprovalTalk, 420),
            (Step::Approval, 400),
            (Step::Filing, 390),
            (Step::Placement, 390),
            (Step::Oath, 385),
            (Step::ProbationEducation, 385),
            (Step::ConversionApplication, 70),
        ],
    ),
];

/// The person whose probation the branch meeting extended, by six months, this many days ago
/// (past the year from their branch meeting).
const EXTENDED: (&str, u32, u64) = ("周一鸣", 6, 60);

/// At the demo branch only (the province's branches have the five above): a candidate the
/// branch meeting accepted, the committee's approval due.
const AWAITING_APPROVAL: Planned = (
    "孙立伟",
    Gender::Male,
    (1996, 9, 3),
    &[
        (Step::Application, 900),
        (Step::Talk, 890),
        (Step::ActivistChosen, 850),
        (Step::ActivistFiled, 840),
        (Step::ContactsAssigned, 840),
        (Step::Cultivation, 840),
        (Step::CandidateChosen, 120),
        (Step::CandidateFiled, 110),
        (Step::Sponsors, 110),
        (Step::PoliticalReview, 100),
        (Step::Training, 90),
        (Step::CommitteeReview, 60),
        (Step::PreReview, 50),
        (Step::VolunteerForm, 40),
        (Step::BranchMeeting, 20),
        (Step::ApprovalTalk, 10),
    ],
);

impl Services {
    /// The demo's people on the path, the same five at each of `branches`; returns how many.
    pub(super) async fn demo_recruitment(
        &self,
        tx: &mut Tx,
        branches: &[i64],
    ) -> ServiceResult<usize> {
        let today = self.clock().today();
        let now = self.clock().now();
        let rules = RecruitmentRules::of(self.rules());
        // The demo is generated from the shell, over the whole tree.
        let actor = Actor {
            scope: Scope::Everything,
            ..Actor::cli()
        };
        let people = branches.iter().enumerate().flat_map(|(i, branch)| {
            let extra = (i == 0).then_some(&AWAITING_APPROVAL);
            PEOPLE
                .iter()
                .chain(extra)
                .map(move |person| (*branch, person))
        });
        for (n, (branch, (name, gender, (y, m, d), steps))) in (0u32..).zip(people) {
            let birth = NaiveDate::from_ymd_opt(*y, *m, *d).unwrap_or(today);
            // A fictional ID number of the 84 regions (the demo roster's are 83), unique and
            // checksum-valid.
            let region = 840_000 + n / 500;
            let sequence = n % 500 * 2 + u32::from(*gender == Gender::Male);
            let body = format!("{region}{}{sequence:03}", birth.format("%Y%m%d"));
            let id_number = format!("{body}{}", check_char(body.as_bytes()) as char);
            let idx = self.crypto().blind_index("id_number", &id_number);
            let id = store::insert(
                tx,
                &NewRecruit {
                    branch_id: branch,
                    name,
                    gender: *gender,
                    birth_date: birth,
                    police_number: None,
                    ethnicity: "01",
                    education: None,
                    id_number_idx: &idx,
                    rule_version: rules.version,
                    created_by: AUTHOR,
                },
                now,
            )
            .await?;
            let sealed = self.crypto().seal(&id_number, &id_number_context(id));
            store::set_sealed_id_number(tx, id, &sealed).await?;
            let mut path = Path {
                birth_date: Some(birth),
                ..Path::default()
            };
            for (version, (step, ago)) in (1..).zip(steps.iter()) {
                let on = today - Days::new(*ago);
                let step_row = NewStep {
                    step: *step,
                    done_on: on,
                    note: "",
                    days_late: days_late(*step, on, &path, &rules),
                    held: Held::default(),
                    recorded_by: AUTHOR,
                };
                store::insert_step(tx, id, version, &step_row, now).await?;
                path.done.insert(*step, on);
            }
            let (Some(joined), Some(approved)) = (path.joined_on(), path.on(Step::Approval)) else {
                continue;
            };
            let row = store::get(tx, id)
                .await?
                .ok_or(crate::ServiceError::NotFound)?;
            let member = self.admit(tx, &actor, &row, joined, approved).await?;
            store::set_member(tx, id, member).await?;
            if *name == EXTENDED.0 {
                let (_, months, ago) = EXTENDED;
                let on = today - Days::new(ago);
                store::set_extension(tx, id, row.version, months, on).await?;
                let extend = TransitionForm {
                    kind: EventKind::ProbationExtended.code().to_owned(),
                    on: on.to_string(),
                    months: months.to_string(),
                    reason: "支部大会讨论认为需继续教育考察".to_owned(),
                    ..TransitionForm::default()
                };
                self.transition_in(tx, &actor, member, &extend).await?;
            }
        }
        Ok(PEOPLE.len() * branches.len() + usize::from(!branches.is_empty()))
    }
}
