//! The demo's organisational life: two full years and this year to date of records for every
//! branch, group and committee, with realistic gaps — most branches keep to the rules, some
//! miss a month here and there, a few are weak; some missed meetings are made up late; the
//! last weeks' records are still in review, a few were returned or are drafts; absentees
//! give reasons and most make up.
//!
//! The province keeps attendance lists only for the last quarter and the annual 组织生活会, so
//! that its generation stays within the budget (issue 7); the city keeps them for every record.

use chrono::{Datelike, NaiveDate, TimeDelta};
use dangjian_core::member::Category;
use dangjian_core::org::OrgKind;
use dangjian_core::orglife::{AbsenceReason, MeetingKind, ReviewState};
use dangjian_store::orglife::{BulkAttendee, BulkMeeting};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{DemoScale, Plan, date};

const AUTHOR: &str = "(演示数据)";

const THEMES: &[&str] = &[
    "重温入党誓词，学习党章",
    "学习贯彻习近平新时代中国特色社会主义思想",
    "学习新修订的《中国共产党纪律处分条例》",
    "开展警示教育，观看警示教育片",
    "走进社区，开展“我为群众办实事”志愿服务",
    "学习公安英模事迹，传承红色基因",
    "结合执法规范化建设开展岗位练兵",
    "学习中央八项规定精神，纠治“四风”",
];
const LECTURES: &[&str] = &[
    "坚持党对公安工作的绝对领导",
    "铸牢对党忠诚的政治品格",
    "以党建引领基层所队建设",
    "严守纪律规矩，锻造过硬队伍",
];
const GENERAL: &[&str] = &[
    "通报支部工作，讨论季度工作计划",
    "讨论发展对象的入党申请",
    "讨论预备党员转正",
    "听取支委会工作报告并开展评议",
];
const COMMITTEE: &[&str] = &[
    "研究本月支部工作安排",
    "研究发展党员工作",
    "研究党费收缴和党员教育管理",
    "研究落实上级党委部署",
];
/// The demo's 党性分析: a strength and a shortcoming to name.
const ANALYSES: &[(&str, &str)] = &[
    ("理想信念坚定，执行上级决策部署坚决", "理论学习不够系统深入"),
    ("坚持执法为民，服务群众热情", "运用新技术开展工作的本领不足"),
    ("严守纪律规矩，廉洁自律", "批评和自我批评辣味不足"),
    ("工作作风扎实，攻坚克难敢于担当", "联系服务群众的主动性不够"),
];

const PLACES: &[&str] = &["党员活动室", "三楼会议室", "所队会议室", "警史教育室"];

/// Whether a branch keeps to the rules well, most of the time, or poorly: the chance it lets
/// a period pass without the meeting.
fn skip_chance(rng: &mut StdRng) -> f64 {
    match rng.random_range(0..100) {
        0..70 => 0.03,
        70..92 => 0.15,
        _ => 0.4,
    }
}

struct Builder<'a> {
    rng: StdRng,
    today: NaiveDate,
    next_id: i64,
    detailed_from: NaiveDate,
    meetings: Vec<BulkMeeting>,
    attendees: Vec<BulkAttendee>,
    /// 谈心谈话: (record id, member id, member id).
    pairs: Vec<(i64, i64, i64)>,
    plan: &'a Plan,
}

impl Builder<'_> {
    fn state(&mut self, held_on: NaiveDate) -> ReviewState {
        let age = (self.today - held_on).num_days();
        let roll = self.rng.random_range(0..100);
        match age {
            0..=20 => match roll {
                0..15 => ReviewState::Draft,
                15..75 => ReviewState::Submitted,
                _ => ReviewState::Accepted,
            },
            21..=60 => match roll {
                0..5 => ReviewState::Returned,
                5..40 => ReviewState::Submitted,
                _ => ReviewState::Accepted,
            },
            _ => match roll {
                0..2 => ReviewState::Returned,
                _ => ReviewState::Accepted,
            },
        }
    }

    /// Adds a record with the attendance of `people` (member index in the plan), when the
    /// record is recent enough to keep it or `always` is set.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        org: i64,
        kind: MeetingKind,
        held_on: NaiveDate,
        counts_for: Option<NaiveDate>,
        topic: &str,
        host: &str,
        people: &[usize],
        always: bool,
    ) {
        let id = self.next_id;
        self.next_id += 1;
        let place = PLACES[self.rng.random_range(0..PLACES.len())].to_owned();
        let state = self.state(held_on);
        self.meetings.push(BulkMeeting {
            id,
            org_id: org,
            kind,
            held_on,
            counts_for,
            starts_at: "14:30",
            ends_at: "16:30",
            place,
            host: host.to_owned(),
            recorder: "组织委员".to_owned(),
            lecturer: (kind == MeetingKind::PartyLecture).then(|| host.to_owned()),
            topics: topic.to_owned(),
            minutes: format!(
                "{host}主持会议。围绕“{topic}”，与会党员逐一发言，结合岗位实际谈认识、找差距，会议明确了下一步工作措施和责任人。"
            ),
            combined_review: kind == MeetingKind::OrganizationalLifeMeeting
                && self.rng.random_bool(0.7),
            state,
            author_login: AUTHOR,
            // A 民主生活会 gathers opinions first and is reported upward within days — most
            // on time, one in five a few days late.
            preparation: kind.needs_review_material().then(|| {
                format!(
                    "会前通过座谈会、征求意见表和个别访谈，向基层党组织、党员民警和服务对象征求意见{}条，班子成员之间、班子成员与分管部门负责人普遍开展谈心谈话。",
                    self.rng.random_range(18..60)
                )
            }),
            reported_on: (kind.needs_review_material() && state != ReviewState::Draft)
                .then(|| held_on + TimeDelta::days(self.rng.random_range(3..20)))
                .filter(|on| *on <= self.today),
        });
        if !(always || held_on >= self.detailed_from) {
            return;
        }
        for &p in people {
            let member = &self.plan.members[p].row;
            if member.joined_on > held_on {
                continue;
            }
            let member_id = member.id;
            // A talk's attendees are the members of its pairs, who were all there.
            let present = kind == MeetingKind::HeartToHeartTalk || self.rng.random_bool(0.9);
            let makeup = (!present && self.rng.random_bool(0.6))
                .then(|| held_on + TimeDelta::days(self.rng.random_range(3..30)))
                .filter(|d| *d <= self.today);
            // At a 组织生活会 or 民主评议 each member present analyses their party spirit and
            // the branch answers.
            let analysis = (present && kind.needs_party_analysis()).then(|| {
                let (strength, gap) = ANALYSES[self.rng.random_range(0..ANALYSES.len())];
                (
                    format!(
                        "对照党章党规，{strength}；存在的不足是{gap}，下一步将制定措施逐项改进。"
                    ),
                    format!("同意本人的分析，希望在{gap}方面拿出具体措施，支部将跟踪落实。"),
                )
            });
            let (party_analysis, analysis_feedback) = analysis.unzip();
            let review_material = (present && kind.needs_review_material()).then(|| {
                let (strength, gap) = ANALYSES[self.rng.random_range(0..ANALYSES.len())];
                format!(
                    "对照检查：{strength}；在履职尽责方面，{gap}，对分管领域党风廉政建设抓得不够经常。整改措施：一是加强学习，二是深入基层调研，三是落实一岗双责。"
                )
            });
            self.attendees.push(BulkAttendee {
                meeting_id: id,
                member_id,
                voting: member.category == Category::Full,
                present,
                absence_reason: (!present).then(|| {
                    AbsenceReason::ALL[self.rng.random_range(0..AbsenceReason::ALL.len())]
                }),
                makeup_on: makeup,
                party_analysis,
                analysis_feedback,
                review_material,
            });
        }
    }

    /// The pairs of the last record, a 谈心谈话 of `people` (those who had joined by then):
    /// the secretary with each committee member, every member with a committee member in
    /// turn, and members with one another in a ring — every kind of R1.16 for everyone. The
    /// committee's 2nd and later members thus also talk with members.
    fn pairs(&mut self, people: &[usize], committee: &[usize]) {
        let Some(record) = self.meetings.last() else {
            return;
        };
        let (id, held_on) = (record.id, record.held_on);
        let joined = |p: &usize| self.plan.members[*p].row.joined_on <= held_on;
        let on_committee: Vec<i64> = committee
            .iter()
            .filter(|p| people.contains(p) && joined(p))
            .map(|p| self.plan.members[*p].row.id)
            .collect();
        let others: Vec<i64> = people
            .iter()
            .filter(|p| !committee.contains(p) && joined(p))
            .map(|p| self.plan.members[*p].row.id)
            .collect();
        let mut mine: Vec<(i64, i64, i64)> = Vec::new();
        let mut add = |a: i64, b: i64| {
            let pair = (id, a.min(b), a.max(b));
            if a != b && !mine.contains(&pair) {
                mine.push(pair);
            }
        };
        if let Some((first, rest)) = on_committee.split_first() {
            for c in rest {
                add(*first, *c);
            }
        }
        if !on_committee.is_empty() {
            for (i, m) in others.iter().enumerate() {
                add(on_committee[i % on_committee.len()], *m);
            }
        }
        if others.len() > 1 {
            for (i, m) in others.iter().enumerate() {
                add(*m, others[(i + 1) % others.len()]);
            }
        }
        self.pairs.extend(mine);
    }

    /// One requirement over the history: a meeting each period unless the branch lets it pass,
    /// in which case it is sometimes made up in the next period.
    #[allow(clippy::too_many_arguments)]
    fn series(
        &mut self,
        org: i64,
        kind: MeetingKind,
        months: u32,
        from: NaiveDate,
        skip: f64,
        topics: &[&str],
        host: &str,
        people: &[usize],
    ) {
        let mut start = date(from.year(), 1, 1);
        while start <= self.today {
            let end = add_months(start, months);
            let day =
                start + TimeDelta::days(self.rng.random_range(5..(end - start).num_days() - 3));
            let topic = topics[self.rng.random_range(0..topics.len())];
            if start >= from && day <= self.today {
                if !self.rng.random_bool(skip) {
                    self.record(org, kind, day, None, topic, host, people, false);
                } else if self.rng.random_bool(0.3) {
                    let late = end + TimeDelta::days(self.rng.random_range(3..20));
                    if late <= self.today {
                        self.record(org, kind, late, Some(day), topic, host, people, false);
                    }
                }
            }
            start = end;
        }
    }
}

fn add_months(day: NaiveDate, months: u32) -> NaiveDate {
    let total = day.year() * 12 + day.month0() as i32 + months as i32;
    date(total / 12, (total % 12) as u32 + 1, 1)
}

/// The demo's organisational life: records, their attendance, and the 谈心谈话 pairs
/// (record id, member id, member id).
pub(super) struct Life {
    pub meetings: Vec<BulkMeeting>,
    pub attendees: Vec<BulkAttendee>,
    pub pairs: Vec<(i64, i64, i64)>,
}

/// The records and attendance of the demo bureau. `org_ids` are the written orgs' ids in plan
/// order; `first_id` is the first free record id.
pub(super) fn org_life(
    plan: &Plan,
    org_ids: &[i64],
    today: NaiveDate,
    scale: DemoScale,
    seed: u64,
    first_id: i64,
) -> Life {
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); plan.orgs.len()];
    for (i, m) in plan.members.iter().enumerate() {
        members_of[m.branch].push(i);
    }
    let mut b = Builder {
        rng: StdRng::seed_from_u64(seed ^ 0x0c9_11fe),
        today,
        next_id: first_id,
        detailed_from: match scale {
            DemoScale::City => NaiveDate::MIN,
            DemoScale::Province => today - TimeDelta::days(90),
        },
        meetings: Vec::new(),
        attendees: Vec::new(),
        pairs: Vec::new(),
        plan,
    };
    let history_from = date(today.year() - 2, 1, 1);
    for (i, org) in plan.orgs.iter().enumerate() {
        if org.dissolved_on.is_some() {
            continue;
        }
        let id = org_ids[i];
        let from = org.founded_on.max(history_from);
        let host = org.secretary.map_or_else(
            || match org.kind {
                OrgKind::Group => "党小组长".to_owned(),
                _ => "支部书记".to_owned(),
            },
            |s| plan.members[s].row.name.clone(),
        );
        let skip = skip_chance(&mut b.rng);
        match org.kind {
            OrgKind::Branch => {
                let people = &members_of[i];
                b.series(
                    id,
                    MeetingKind::ThemePartyDay,
                    1,
                    from,
                    skip,
                    THEMES,
                    &host,
                    people,
                );
                b.series(
                    id,
                    MeetingKind::BranchGeneralMeeting,
                    3,
                    from,
                    skip,
                    GENERAL,
                    &host,
                    people,
                );
                b.series(
                    id,
                    MeetingKind::PartyLecture,
                    3,
                    from,
                    skip * 1.5,
                    LECTURES,
                    &host,
                    people,
                );
                if !org.committee.is_empty() {
                    let committee: Vec<usize> = org
                        .secretary
                        .into_iter()
                        .chain(org.committee.iter().map(|(_, m)| *m))
                        .collect();
                    b.series(
                        id,
                        MeetingKind::BranchCommittee,
                        1,
                        from,
                        skip,
                        COMMITTEE,
                        &host,
                        &committee,
                    );
                }
                for year in from.year()..=today.year() {
                    let held = date(year, 12, b.rng.random_range(5..25));
                    if held > today || b.rng.random_bool(skip) {
                        continue;
                    }
                    b.record(
                        id,
                        MeetingKind::OrganizationalLifeMeeting,
                        held,
                        None,
                        &format!("{year}年度组织生活会：对照检视，开展批评和自我批评"),
                        &host,
                        people,
                        year == today.year() || scale == DemoScale::City,
                    );
                    let combined = b.meetings.last().is_some_and(|m| m.combined_review);
                    if !combined && held < today {
                        b.record(
                            id,
                            MeetingKind::DemocraticReview,
                            held + TimeDelta::days(1),
                            None,
                            &format!("{year}年度民主评议党员"),
                            &host,
                            people,
                            false,
                        );
                    }
                    let talk = date(year, 11, b.rng.random_range(1..28));
                    if talk <= today {
                        b.record(
                            id,
                            MeetingKind::HeartToHeartTalk,
                            talk,
                            None,
                            "会前谈心谈话",
                            &host,
                            people,
                            false,
                        );
                        if talk >= b.detailed_from {
                            let committee: Vec<usize> = org
                                .secretary
                                .into_iter()
                                .chain(org.committee.iter().map(|(_, m)| *m))
                                .collect();
                            b.pairs(people, &committee);
                        }
                    }
                }
            }
            OrgKind::Group => {
                b.series(
                    id,
                    MeetingKind::PartyGroup,
                    1,
                    from,
                    skip,
                    THEMES,
                    &host,
                    &org.members,
                );
            }
            OrgKind::Committee => {
                for year in from.year()..=today.year() {
                    let held = date(year, 12, b.rng.random_range(10..28));
                    if held <= today && !b.rng.random_bool(skip) {
                        let committee: Vec<usize> = org
                            .secretary
                            .into_iter()
                            .chain(org.committee.iter().map(|(_, m)| *m))
                            .collect();
                        b.record(
                            id,
                            MeetingKind::DemocraticLifeMeeting,
                            held,
                            None,
                            &format!("{year}年度民主生活会"),
                            &host,
                            &committee,
                            true,
                        );
                    }
                }
            }
            OrgKind::GeneralBranch => {}
        }
    }
    Life {
        meetings: b.meetings,
        attendees: b.attendees,
        pairs: b.pairs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_city_has_years_of_records_with_gaps_make_ups_and_every_review_state() {
        let today = date(2026, 11, 29);
        let mut plan = super::super::plan(
            DemoScale::City,
            7,
            today,
            &dangjian_core::rules::RuleBook::load(None).unwrap(),
        );
        let ids: Vec<i64> = (1..=plan.orgs.len() as i64).collect();
        // The ids the database would reserve for the planned members.
        for (i, m) in plan.members.iter_mut().enumerate() {
            m.row.id = i as i64 + 1;
        }
        let Life {
            meetings,
            attendees,
            pairs,
        } = org_life(&plan, &ids, today, DemoScale::City, 7, 1);
        assert!(meetings.iter().all(|m| m.held_on <= today));
        assert!(meetings.iter().any(|m| m.held_on.year() == 2024));
        for kind in MeetingKind::ALL {
            assert!(meetings.iter().any(|m| m.kind == *kind), "{kind:?}");
        }
        for state in ReviewState::ALL {
            assert!(meetings.iter().any(|m| m.state == *state), "{state:?}");
        }
        let late = meetings.iter().filter(|m| m.counts_for.is_some()).count();
        assert!(late > 10, "{late} make-ups");
        assert!(
            meetings
                .iter()
                .filter_map(|m| m.counts_for.map(|c| (c, m.held_on)))
                .all(|(c, h)| c < h)
        );
        // Every absentee has a reason; some made up, none in the future.
        assert!(
            attendees
                .iter()
                .all(|a| a.present || a.absence_reason.is_some())
        );
        assert!(attendees.iter().any(|a| a.makeup_on.is_some()));
        assert!(
            attendees
                .iter()
                .all(|a| a.makeup_on.is_none_or(|d| d <= today))
        );
        // Every 谈心谈话 names its pairs, each of two different members who attended it.
        let talks: Vec<&BulkMeeting> = meetings
            .iter()
            .filter(|m| m.kind == MeetingKind::HeartToHeartTalk)
            .collect();
        assert!(!talks.is_empty());
        for t in talks {
            let mine: Vec<_> = pairs.iter().filter(|p| p.0 == t.id).collect();
            assert!(!mine.is_empty(), "talk {} has no pairs", t.id);
            for (_, a, b) in mine {
                assert!(a < b);
                for m in [a, b] {
                    assert!(
                        attendees
                            .iter()
                            .any(|x| x.meeting_id == t.id && x.member_id == *m && x.present)
                    );
                }
            }
        }
        // Ids are consecutive from the first free one.
        assert!(
            meetings
                .iter()
                .enumerate()
                .all(|(i, m)| m.id == i as i64 + 1)
        );
        // Gaps: fewer theme days than branch-months.
        let branches = plan
            .orgs
            .iter()
            .filter(|o| o.kind == OrgKind::Branch && o.dissolved_on.is_none())
            .count();
        let theme_2025 = meetings
            .iter()
            .filter(|m| m.kind == MeetingKind::ThemePartyDay && m.held_on.year() == 2025)
            .count();
        assert!(
            theme_2025 < branches * 12 && theme_2025 > branches * 9,
            "{theme_2025} of {}",
            branches * 12
        );
    }
}
