//! The demo's study plan, online classroom and exam, made through the use cases themselves
//! once the rest of the demo is committed: the committee's plan of the year, issued and
//! adopted by the demo branch; a course of the committee with a video, a PDF and a text chapter
//! (the first chapters finished by some of the demo branch), a question bank of every kind,
//! and a published exam that some of the demo branch sat — one passed, one failed and may
//! try again, the rest have not sat it.

use dangjian_core::role::{Role, Scope};

use crate::Services;
use crate::auth::Actor;
use crate::error::ServiceResult;
use crate::study::{
    AnswersForm, ChapterForm, CourseForm, ExamForm, PartForm, PlanItemForm, PublishForm,
    QuestionForm, QuizForm,
};

const VIDEO: &[u8] = include_bytes!("media/lecture.mp4");

/// A demo chapter: title, media, minutes, its file (name and bytes) or its text.
type DemoChapter = (
    &'static str,
    &'static str,
    &'static str,
    Option<(&'static str, &'static [u8])>,
    &'static str,
);
const PDF: &[u8] = include_bytes!("media/reading.pdf");

/// The committee's plan: (month, topic, materials).
const PLAN: &[(u32, &str, &str)] = &[
    (3, "学习《中国共产党纪律处分条例》", "条例原文；警示教育片"),
    (5, "学习全国公安工作会议精神", "会议讲话全文"),
    (7, "党的创新理论专题学习", "指定学习篇目"),
    (10, "学习《中国共产党党员教育管理工作条例》", "条例原文"),
];

/// (kind, stem, options one per line, key)
const QUESTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "single",
        "党的根本宗旨是",
        "全心全意为人民服务\n实现共产主义\n发展社会生产力",
        "A",
    ),
    (
        "single",
        "党支部党员大会一般每季度召开",
        "1次\n2次\n3次",
        "A",
    ),
    ("single", "主题党日一般每月开展", "1次\n2次\n4次", "A"),
    (
        "multiple",
        "“三会一课”中的“三会”是",
        "支部党员大会\n支部委员会\n党小组会\n民主生活会",
        "ABC",
    ),
    (
        "multiple",
        "民主评议党员的等次包括",
        "优秀\n合格\n基本合格\n不合格",
        "ABCD",
    ),
    (
        "judge",
        "党员每年集中学习培训时间一般不少于32学时。",
        "",
        "对",
    ),
    ("judge", "预备党员有表决权。", "", "错"),
    ("judge", "组织生活会一般每年召开1次。", "", "对"),
    ("blank", "全面从严管党____", "", "治警"),
];

impl Services {
    /// The demo's course and exam at `committee`, taken by some members of `branch`.
    pub(super) async fn demo_courses(
        &self,
        committee: i64,
        branch: i64,
        branch_members: &[i64],
    ) -> ServiceResult<()> {
        let office = Actor {
            role: Some(Role::CommitteeStaff),
            scope: Scope::Everything,
            ..Actor::cli()
        };
        let member = |id: i64| Actor {
            role: Some(Role::Member),
            scope: Scope::OwnRecord { member_id: id },
            ..Actor::cli()
        };
        let today = self.clock().today();
        let year = chrono::Datelike::year(&today);

        // The committee's study plan of the year, issued and adopted by the demo branch.
        for (version, (month, topic, materials)) in PLAN.iter().enumerate() {
            let form = PlanItemForm {
                year,
                version: version as i64,
                month: month.to_string(),
                topic: (*topic).to_owned(),
                materials: (*materials).to_owned(),
            };
            self.add_plan_topic(&office, committee, &form).await?;
        }
        self.issue_study_plan(&office, committee, year, PLAN.len() as i64)
            .await?;
        let issued = self.study_plan(&office, committee, year).await?;
        if let Some(plan) = issued.plan {
            self.adopt_study_plan(&office, branch, plan.id, 0).await?;
        }

        let mut questions = Vec::new();
        for (kind, stem, options, key) in QUESTIONS {
            let form = QuestionForm {
                kind: (*kind).to_owned(),
                stem: (*stem).to_owned(),
                options: (*options).to_owned(),
                key: (*key).to_owned(),
            };
            questions.push(self.add_question(&office, committee, &form).await?);
        }
        let course = self
            .create_course(
                &office,
                committee,
                &CourseForm {
                    title: "全面从严管党治警专题微党课".to_owned(),
                    description: "一讲视频、一份学习材料、一段原文，供各支部党员自学。".to_owned(),
                    micro: false,
                },
            )
            .await?;
        let chapters: [DemoChapter; 3] = [
            (
                "第一讲 严管就是厚爱",
                "video",
                "15",
                Some(("严管就是厚爱.mp4", VIDEO)),
                "",
            ),
            (
                "学习材料",
                "pdf",
                "20",
                Some(("全面从严管党治警学习材料.pdf", PDF)),
                "",
            ),
            (
                "原文选读",
                "text",
                "10",
                None,
                "坚持全面从严管党治警，把严的要求贯穿队伍建设全过程。\n\n思考：如何在执法执勤中落实从严要求？",
            ),
        ];
        for (n, (title, media, minutes, file, body)) in chapters.into_iter().enumerate() {
            let spool = match file {
                Some((_, bytes)) => {
                    let mut spool = self.spool()?;
                    spool.write(bytes)?;
                    Some(spool)
                }
                None => None,
            };
            let form = ChapterForm {
                version: n as i64 + 1,
                title: title.to_owned(),
                media: media.to_owned(),
                minutes: minutes.to_owned(),
                body: body.to_owned(),
                file_name: file.map(|(name, _)| name.to_owned()).unwrap_or_default(),
            };
            self.add_chapter(&office, course, &form, spool).await?;
        }
        // The text chapter is finished by answering its quiz: the blank and a judgement.
        let detail = self.course(&office, course).await?;
        let quizzed = detail.chapters.get(2).map(|c| c.id).unwrap_or_default();
        for (n, q) in [questions[8], questions[5]].into_iter().enumerate() {
            let form = QuizForm {
                version: 4 + n as i64,
                question: q.to_string(),
            };
            self.add_chapter_question(&office, quizzed, &form).await?;
        }
        self.publish_course(&office, course, &PublishForm { version: 6 })
            .await?;
        for (i, id) in branch_members.iter().take(6).enumerate() {
            for chapter in detail.chapters.iter().take(3 - i % 3) {
                if chapter.id == quizzed {
                    let answers = [(1, "治警".to_owned()), (2, "对".to_owned())];
                    self.answer_chapter_quiz(&member(*id), chapter.id, &answers)
                        .await?;
                } else {
                    self.complete_chapter(&member(*id), chapter.id).await?;
                }
            }
        }

        let exam = self
            .create_exam(
                &office,
                committee,
                &ExamForm {
                    title: "党内法规知识测试".to_owned(),
                    minutes: "20".to_owned(),
                    pass_percent: "60".to_owned(),
                    max_attempts: "2".to_owned(),
                    opens_on: today.to_string(),
                    closes_on: today
                        .checked_add_days(chrono::Days::new(30))
                        .unwrap_or(today)
                        .to_string(),
                },
            )
            .await?;
        let parts = [
            (Some(questions[0]), "", "", "20"),
            (Some(questions[3]), "", "", "20"),
            (None, "judge", "2", "20"),
            (Some(questions[8]), "", "", "20"),
        ];
        for (n, (question, kind, count, points)) in parts.into_iter().enumerate() {
            let form = PartForm {
                version: n as i64 + 1,
                question: question.map(|q| q.to_string()).unwrap_or_default(),
                kind: kind.to_owned(),
                count: count.to_owned(),
                points: points.to_owned(),
            };
            self.add_exam_part(&office, exam, &form).await?;
        }
        self.publish_exam(&office, exam, 5).await?;
        // One answers what they know (and passes), one hands in a blank paper.
        for (i, id) in branch_members.iter().take(2).enumerate() {
            let actor = member(*id);
            let sitting = self.start_sitting(&actor, exam).await?;
            let paper = self.sitting(&actor, sitting).await?;
            let answers = if i == 0 {
                paper
                    .questions
                    .iter()
                    .map(|(p, q)| {
                        let given = match q.kind {
                            dangjian_core::exam::QuestionKind::Single
                            | dangjian_core::exam::QuestionKind::Multiple => p
                                .shown
                                .iter()
                                .enumerate()
                                .filter(|(_, o)| q.key.contains(dangjian_core::exam::letter(**o)))
                                .map(|(n, _)| dangjian_core::exam::letter(n))
                                .collect(),
                            _ => q.key.split('|').next().unwrap_or_default().to_owned(),
                        };
                        (p.position, given)
                    })
                    .collect()
            } else {
                Vec::new()
            };
            self.answer_sitting(
                &actor,
                sitting,
                &AnswersForm {
                    answers,
                    submit: true,
                },
            )
            .await?;
        }
        Ok(())
    }
}
