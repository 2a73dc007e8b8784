//! The demo's 党组织考核: the committee office's published indicator set for branches (the
//! computed indicators of every area and one the assessor scores on evidence), and last
//! year's round of the branches under the demo branch's committee, finished: every branch
//! assessed itself, the committee scored it, the demo branch objected to one score and the
//! objection was upheld, and the grades were published.

use chrono::Datelike;
use dangjian_core::role::{Role, Scope};
use dangjian_store::orgs;

use crate::Services;
use crate::assess::{
    AnswerForm, IndicatorForm, ObjectionForm, RoundForm, ScoreForm, SelfSubmitForm, SetForm,
    VersionForm,
};
use crate::auth::Actor;
use crate::error::ServiceResult;

/// (name, method, weight, deduction per record, guide).
const INDICATORS: &[(&str, &str, u32, &str, &str)] = &[
    (
        "组织生活按期落实",
        "org_life",
        25,
        "",
        "三会一课、主题党日等按规定期次开展，按期开展的比例计分。",
    ),
    (
        "整改事项按期销号",
        "rectification",
        15,
        "",
        "考核期内到期的巡察、督察反馈问题整改，按期销号的比例计分。",
    ),
    (
        "党员学时达标",
        "study",
        15,
        "",
        "全年学时达到规定的党员比例计分。",
    ),
    (
        "班子配备与按期换届",
        "committee",
        10,
        "",
        "书记在任、任期未超期各占一半。",
    ),
    (
        "党费按月交纳",
        "dues",
        10,
        "",
        "期内已到期的各月应交党费中已交清的人次比例计分（当月不计）。",
    ),
    (
        "违纪处分扣分",
        "sanctions",
        5,
        "2.5",
        "期内党员受党纪政务处分的，每起扣2.5分，扣完为止。",
    ),
    (
        "支部特色工作与作用发挥",
        "assessor",
        20,
        "",
        "对照“一支部一品牌”和服务公安中心工作的实效评分；佐证：活动记录、群众评价、上级通报表扬。",
    ),
];

const SELF_NOTE: &str =
    "“党小组建在警组上”做法被分局推广；全年开展便民服务活动12次，有活动记录和群众回访表。";

impl Services {
    /// The published set and last year's finished round; nothing without a demo branch.
    pub(super) async fn demo_rating(&self, branch: i64) -> ServiceResult<()> {
        let office = Actor {
            role: Some(Role::CommitteeStaff),
            scope: Scope::Everything,
            ..Actor::cli()
        };
        let set = self
            .create_indicator_set(
                &office,
                &SetForm {
                    name: "党支部党建工作考核指标".to_owned(),
                    org_kind: "branch".to_owned(),
                },
            )
            .await?;
        for (n, (name, method, weight, per_item, guide)) in INDICATORS.iter().enumerate() {
            let form = IndicatorForm {
                version: n as i64 + 1,
                name: (*name).to_owned(),
                method: (*method).to_owned(),
                weight: weight.to_string(),
                per_item: (*per_item).to_owned(),
                guide: (*guide).to_owned(),
            };
            self.add_indicator(&office, set, &form).await?;
        }
        let version = INDICATORS.len() as i64 + 1;
        self.publish_indicator_set(&office, set, &VersionForm { version })
            .await?;

        let mut conn = self.db().read().await?;
        let branch_row = orgs::get(&mut conn, branch).await?;
        let organiser = match branch_row.as_ref().and_then(|b| b.parent_id) {
            Some(id) => orgs::get(&mut conn, id).await?,
            None => None,
        };
        conn.commit().await?;
        let (Some(branch_row), Some(organiser)) = (branch_row, organiser) else {
            return Ok(());
        };
        let year = self.clock().today().year() - 1;
        let round = self
            .open_round(
                &office,
                &RoundForm {
                    set: set.to_string(),
                    organiser: organiser.code.clone(),
                    year: year.to_string(),
                    quarter: String::new(),
                },
            )
            .await?;
        let view = self.assessment_round(&office, round).await?;
        let Some(assessor) = view
            .indicators
            .iter()
            .find(|i| i.method == dangjian_core::assess::rating::Method::Assessor)
            .map(|i| i.id)
        else {
            return Ok(());
        };
        let orgs: Vec<i64> = view.orgs.iter().map(|o| o.org_id).collect();
        for (n, org) in orgs.iter().enumerate() {
            let points = if *org == branch {
                "19"
            } else {
                ["18", "17", "16.5", "15"][n % 4]
            };
            let form = ScoreForm {
                indicator: assessor.to_string(),
                points: points.to_owned(),
                note: SELF_NOTE.to_owned(),
            };
            self.self_score(&office, round, *org, &form).await?;
            let summary = SelfSubmitForm {
                summary: "对照考核指标逐项自查：组织生活按期开展，整改事项按期推进，特色工作有成效；不足是学时达标率有待提高。".to_owned(),
            };
            self.submit_self_assessment(&office, round, *org, &summary)
                .await?;
        }
        let mut version = self.assessment_round(&office, round).await?.round.version;
        self.advance_round(&office, round, &VersionForm { version })
            .await?;
        for (n, org) in orgs.iter().enumerate() {
            let (points, note) = if *org == branch {
                (
                    "15",
                    "特色工作有成效，但佐证中的群众回访表未见签字，扣5分。",
                )
            } else {
                [
                    ("18", "佐证齐全，成效明显，扣2分。"),
                    ("16", "活动记录不全，扣4分。"),
                    ("20", ""),
                ][n % 3]
            };
            let form = ScoreForm {
                indicator: assessor.to_string(),
                points: points.to_owned(),
                note: note.to_owned(),
            };
            self.upper_score(&office, round, *org, &form).await?;
        }
        version = self.assessment_round(&office, round).await?.round.version;
        self.advance_round(&office, round, &VersionForm { version })
            .await?;
        let secretary = Actor {
            role: Some(Role::OrgSecretary),
            scope: Scope::Subtree {
                org_id: branch,
                path: branch_row.path.clone(),
            },
            ..Actor::cli()
        };
        let objection = self
            .object_to_score(
                &secretary,
                round,
                branch,
                &ObjectionForm {
                    indicator: assessor.to_string(),
                    reason: "群众回访表已由回访对象签字，原件存支部台账（第3册第12页），现补交扫描件，请复核。".to_owned(),
                },
            )
            .await?;
        self.answer_objection(
            &office,
            round,
            objection,
            &AnswerForm {
                decision: "upheld".to_owned(),
                points: "18".to_owned(),
                answer: "经核对台账原件，回访表签字齐全，异议成立，更正为18分。".to_owned(),
            },
        )
        .await?;
        version = self.assessment_round(&office, round).await?.round.version;
        self.advance_round(&office, round, &VersionForm { version })
            .await?;
        Ok(())
    }
}
