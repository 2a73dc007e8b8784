//! Exams (考试, issue 15, 5): an org's question bank (single and multiple choice, true or
//! false, fill in the blank; typed one by one or imported from the spreadsheet template, all
//! rows or none), exams with a fixed paper or one drawn by rule from the bank of the org and
//! the orgs above it, timed sittings on the server's clock (answers saved as they go, so a
//! dropped connection resumes where it was; the time up, the saved answers are graded), each
//! sitting's own order of questions and options, automatic grading, results by person and by
//! question, and the retake rule. Passing credits the rules' 学时 once; nothing is ranked.

use std::collections::HashMap;

use chrono::TimeDelta;
use dangjian_core::exam::{
    Question, QuestionKind, SittingClock, may_retake, passes, shuffle, sitting_clock,
};
use dangjian_core::field::FieldErrors;
use dangjian_core::member::parse_date;
use dangjian_core::role::{Permission, Scope};
use dangjian_core::study::{HourSource, Hours, may_open};
use dangjian_store::Page;
use dangjian_store::exams::{self as store, NewExam, NewQuestion};
use dangjian_store::study::Credit;
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult, duplicate_to_field};
use crate::excel::{Cell, Sheet};
use crate::orglife::required;
use crate::rectification::invalid;

pub use dangjian_store::exams::{ExamRow, PaperRow, Part, QuestionRow, SittingRow};

const STALE: &str = "该考试已被他人修改，请刷新后重试";
const STARTED: &str = "考试已经开始，请刷新后继续作答";
/// The template's columns: kind, stem, six options, key.
const TEMPLATE: [&str; 9] = [
    "题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案",
];
/// The most questions imported at once.
const MAX_IMPORT: usize = 2000;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuestionForm {
    pub kind: String,
    pub stem: String,
    /// The options of a choice question, one per line.
    pub options: String,
    pub key: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExamForm {
    pub title: String,
    /// The time allowed, in minutes.
    pub minutes: String,
    pub pass_percent: String,
    pub max_attempts: String,
    pub opens_on: String,
    pub closes_on: String,
}

/// A part of the paper: a question of the bank (its id), or a rule drawing `count`
/// questions of `kind`; each worth `points`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PartForm {
    pub version: i64,
    pub question: String,
    pub kind: String,
    pub count: String,
    pub points: String,
}

/// The answers of a sitting by position; `submit` hands it in.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnswersForm {
    pub answers: Vec<(i64, String)>,
    pub submit: bool,
}

/// An exam with its paper's parts and what the actor may do.
#[derive(Debug, Clone)]
pub struct ExamDetail {
    pub exam: ExamRow,
    pub parts: Vec<Part>,
    pub total: i64,
    /// The member's own sittings.
    pub mine: Vec<SittingRow>,
    /// Why the member may not start a sitting now, if they may not.
    pub start_refused: Option<String>,
    pub is_member: bool,
    pub can_change: bool,
    /// For those who keep the exam: every sitting, and each question's results.
    pub sittings: Vec<SittingRow>,
    pub by_question: Vec<(i64, String, i64, i64)>,
}

/// A sitting's paper as the member sees it (no key while it runs).
#[derive(Debug, Clone)]
pub struct SittingDetail {
    pub sitting: SittingRow,
    pub exam: ExamRow,
    pub questions: Vec<(PaperRow, QuestionRow)>,
    pub clock: SittingClock,
}

fn number(
    raw: &str,
    field: &'static str,
    range: std::ops::RangeInclusive<i64>,
    label: &str,
    e: &mut FieldErrors,
) -> i64 {
    match raw.trim().parse::<i64>() {
        Ok(n) if range.contains(&n) => n,
        _ => {
            e.add(
                field,
                format!("{label}须为{}到{}之间的整数", range.start(), range.end()),
            );
            0
        }
    }
}

impl Services {
    /// Adds a question to the bank of an org in scope.
    pub async fn add_question(
        &self,
        actor: &Actor,
        org_id: i64,
        form: &QuestionForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordStudy, "exam.question")
            .await?;
        let org = self.load_org(actor, org_id, "exam.question").await?;
        let kind = QuestionKind::from_code(form.kind.trim())
            .ok_or_else(|| ServiceError::invalid("kind", "请选择题型"))?;
        let options: Vec<String> = form.options.lines().map(str::to_owned).collect();
        let question = Question::parse(kind, &form.stem, &options, &form.key)
            .map_err(ServiceError::Invalid)?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let id = store::insert_question(
            &mut tx,
            &NewQuestion {
                org_id: org.id,
                kind,
                stem: &question.stem,
                options: &question.options,
                key: &question.key,
                created_by: &actor.login,
            },
            now,
        )
        .await?;
        let event = Event::new("exam.question")
            .object("question", id)
            .detail(json!({ "org": org.id, "kind": kind.code() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The import template of the question bank.
    pub async fn question_template(&self, actor: &Actor) -> ServiceResult<Vec<u8>> {
        self.require(actor, Permission::RecordStudy, "exam.template")
            .await?;
        let sheet = Sheet {
            name: "题库".to_owned(),
            title: "题库导入模板（题型：单选题、多选题、判断题、填空题；答案：选项字母如 B 或 ACD，判断题填“对”或“错”，填空题几种说法都对的用 | 分隔）".to_owned(),
            headings: TEMPLATE.iter().map(|h| (*h).to_owned()).collect(),
            rows: vec![
                ["单选题", "党的根本宗旨是", "全心全意为人民服务", "实现共产主义", "发展生产力", "", "", "", "A"].map(Cell::from).to_vec(),
                ["判断题", "党员每年集中学习培训时间一般不少于32学时。", "", "", "", "", "", "", "对"].map(Cell::from).to_vec(),
            ],
        };
        crate::excel::workbook(&[sheet], &actor.login, self.clock().now())
    }

    /// Imports the bank's template into an org in scope: every row checked, each refusal
    /// naming its row and column; all rows or none are added. Returns how many.
    pub async fn import_questions(
        &self,
        actor: &Actor,
        org_id: i64,
        bytes: &[u8],
    ) -> ServiceResult<usize> {
        self.require(actor, Permission::RecordStudy, "exam.import")
            .await?;
        let org = self.load_org(actor, org_id, "exam.import").await?;
        let _permit = self.heavy(crate::limits::Heavy::Import, actor)?;
        let owned = bytes.to_vec();
        let rows = crate::off_workers(move || {
            Ok(crate::import::read_sheet(&owned, |top| {
                top.iter()
                    .position(|r| r.first().map(|c| c.trim()) == Some("题型"))
            }))
        })
        .await?
        .map_err(|message| ServiceError::invalid("file", message))?;
        let Some(header) = rows
            .iter()
            .position(|r| r.first().map(|c| c.trim()) == Some("题型"))
        else {
            return Err(ServiceError::invalid(
                "file",
                "找不到表头（第一列应为“题型”），请使用导入模板",
            ));
        };
        let mut problems = Vec::new();
        let mut questions = Vec::new();
        for (i, row) in rows.iter().enumerate().skip(header + 1) {
            let cell = |c: usize| row.get(c).map(|s| s.trim()).unwrap_or("");
            if (0..TEMPLATE.len()).all(|c| cell(c).is_empty()) {
                continue;
            }
            let line = i + 1;
            let Some(kind) = QuestionKind::ALL
                .iter()
                .find(|k| k.label() == cell(0))
                .copied()
            else {
                problems.push(format!(
                    "第{line}行“题型”：应为单选题、多选题、判断题或填空题"
                ));
                continue;
            };
            let options: Vec<String> = (2..8).map(|c| cell(c).to_owned()).collect();
            match Question::parse(kind, cell(1), &options, cell(8)) {
                Ok(q) => questions.push(q),
                Err(errors) => {
                    for e in errors.iter() {
                        let column = match e.field {
                            "stem" => "题干",
                            "options" => "选项",
                            _ => "答案",
                        };
                        problems.push(format!("第{line}行“{column}”：{}", e.message));
                    }
                }
            }
        }
        if questions.is_empty() && problems.is_empty() {
            problems.push("表中没有试题".to_owned());
        }
        if questions.len() > MAX_IMPORT {
            problems.push(format!("一次最多导入{MAX_IMPORT}道题"));
        }
        if !problems.is_empty() {
            problems.truncate(20);
            return Err(ServiceError::invalid("file", problems.join("；")));
        }
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        for q in &questions {
            store::insert_question(
                &mut tx,
                &NewQuestion {
                    org_id: org.id,
                    kind: q.kind,
                    stem: &q.stem,
                    options: &q.options,
                    key: &q.key,
                    created_by: &actor.login,
                },
                now,
            )
            .await?;
        }
        let event = Event::new("exam.import")
            .object("org", org.id)
            .detail(json!({ "questions": questions.len() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(questions.len())
    }

    /// One page of the bank in scope.
    pub async fn questions(
        &self,
        actor: &Actor,
        kind: Option<QuestionKind>,
        page: Page,
    ) -> ServiceResult<(Vec<QuestionRow>, i64)> {
        self.require(actor, Permission::RecordStudy, "exam.question.list")
            .await?;
        let mut tx = self.db().read().await?;
        let found = store::questions(&mut tx, &actor.scope, kind, page).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Opens an exam (a draft) held by an org in scope.
    pub async fn create_exam(
        &self,
        actor: &Actor,
        org_id: i64,
        form: &ExamForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordStudy, "exam.create")
            .await?;
        let org = self.load_org(actor, org_id, "exam.create").await?;
        let mut e = FieldErrors::new();
        let title = required(&form.title, "考试名称", 100, "title", &mut e);
        let minutes = number(
            &form.minutes,
            "minutes",
            1..=300,
            "考试时长（分钟）",
            &mut e,
        );
        let pass_percent = number(
            &form.pass_percent,
            "pass_percent",
            1..=100,
            "及格线（%）",
            &mut e,
        );
        let max_attempts = number(
            &form.max_attempts,
            "max_attempts",
            1..=10,
            "可考次数",
            &mut e,
        );
        let day = |raw: &str, field: &'static str, e: &mut FieldErrors| match parse_date(raw.trim())
        {
            Ok(d) => Some(d),
            Err(err) => {
                e.add(field, err.to_string());
                None
            }
        };
        let opens = day(&form.opens_on, "opens_on", &mut e);
        let closes = day(&form.closes_on, "closes_on", &mut e);
        if let (Some(a), Some(b)) = (opens, closes)
            && b < a
        {
            e.add("closes_on", "截止日期不能早于开始日期");
        }
        invalid(e)?;
        let (Some(opens_on), Some(closes_on)) = (opens, closes) else {
            return Err(ServiceError::invalid("opens_on", "请填写日期"));
        };
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let id = store::insert_exam(
            &mut tx,
            &NewExam {
                org_id: org.id,
                title: &title,
                minutes,
                pass_percent,
                max_attempts,
                opens_on,
                closes_on,
                created_by: &actor.login,
            },
            now,
        )
        .await?;
        let event = Event::new("exam.create")
            .object("exam", id)
            .detail(json!({ "org": org.id, "title": title }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An exam the actor may open: in their scope, or published at or above their home.
    async fn exam_for(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<ExamRow> {
        let home = self.course_home(actor).await?;
        let mut tx = self.db().read().await?;
        let row = store::exam_by_id(&mut tx, id).await?;
        tx.commit().await?;
        match row {
            Some(x)
                if may_open(
                    &actor.scope,
                    home.as_ref(),
                    &x.org_path,
                    x.published_on.is_some(),
                ) =>
            {
                Ok(x)
            }
            Some(_) => Err(self.out_of_scope(actor, event, "exam", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// An exam in scope the actor keeps (to change).
    async fn exam_kept(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<ExamRow> {
        self.require(actor, Permission::RecordStudy, event).await?;
        let exam = self.exam_for(actor, id, event).await?;
        if !actor.scope.covers_org(&exam.org_path) {
            return Err(self.out_of_scope(actor, event, "exam", id).await);
        }
        Ok(exam)
    }

    /// Adds a part to a draft exam's paper: a question of the bank the exam may use, or a
    /// rule drawing some of a kind.
    pub async fn add_exam_part(
        &self,
        actor: &Actor,
        id: i64,
        form: &PartForm,
    ) -> ServiceResult<()> {
        let exam = self.exam_kept(actor, id, "exam.part").await?;
        let mut e = FieldErrors::new();
        let points = number(&form.points, "points", 1..=100, "分值", &mut e);
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let part = if form.question.trim().is_empty() {
            let kind = QuestionKind::from_code(form.kind.trim());
            if kind.is_none() {
                e.add("kind", "请填写题目编号，或选择随机抽取的题型");
            }
            let count = number(&form.count, "count", 1..=200, "抽取题数", &mut e);
            if let Some(kind) = kind {
                let available = store::drawable(&mut tx, &exam.org_path, kind).await?.len() as i64;
                if count > available {
                    e.add(
                        "count",
                        format!("题库中可用的{}只有{available}道", kind.label()),
                    );
                }
            }
            kind.map(|kind| Part::Draw {
                kind,
                count,
                points,
            })
        } else {
            let question = match form.question.trim().parse::<i64>() {
                Ok(q) => store::question_by_id(&mut tx, q).await?,
                Err(_) => None,
            };
            match question {
                Some(q) if exam.org_path.is_within(&q.org_path) => Some(Part::Fixed {
                    question_id: q.id,
                    points,
                }),
                _ => {
                    e.add("question", "题库中没有这道题，或不是本组织及上级的题");
                    None
                }
            }
        };
        invalid(e)?;
        let Some(part) = part else {
            return Err(ServiceError::invalid("question", "请填写题目"));
        };
        if !store::touch_exam(&mut tx, id, form.version).await? {
            return Err(ServiceError::conflict(
                "version",
                if exam.published_on.is_some() {
                    "考试已发布，不能再修改试卷"
                } else {
                    STALE
                },
            ));
        }
        store::insert_part(&mut tx, id, &part).await?;
        let event = Event::new("exam.part").object("exam", id);
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes a draft exam with a paper: from then on the members at or below its org may
    /// sit it between its dates.
    pub async fn publish_exam(&self, actor: &Actor, id: i64, version: i64) -> ServiceResult<()> {
        let exam = self.exam_kept(actor, id, "exam.publish").await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        if store::parts(&mut tx, id).await?.is_empty() {
            return Err(ServiceError::invalid("version", "试卷还没有题目，不能发布"));
        }
        if !store::touch_exam(&mut tx, id, version).await? {
            return Err(ServiceError::conflict(
                "version",
                if exam.published_on.is_some() {
                    "考试已发布"
                } else {
                    STALE
                },
            ));
        }
        store::publish_exam(&mut tx, id, today).await?;
        let event = Event::new("exam.publish").object("exam", id);
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An exam the actor may open, with what they may do and — for its keepers — the results.
    pub async fn exam(&self, actor: &Actor, id: i64) -> ServiceResult<ExamDetail> {
        self.require(actor, Permission::ReadStudy, "exam.view")
            .await?;
        let exam = self.exam_for(actor, id, "exam.view").await?;
        let keeps =
            actor.permits(Permission::RecordStudy) && actor.scope.covers_org(&exam.org_path);
        let today = self.clock().today();
        let mut tx = self.db().read().await?;
        let parts = store::parts(&mut tx, id).await?;
        let mine = match actor.scope {
            Scope::OwnRecord { member_id } => store::sittings_of(&mut tx, id, member_id).await?,
            _ => Vec::new(),
        };
        let (sittings, by_question) = if keeps {
            (
                store::sittings(&mut tx, id).await?,
                store::question_results(&mut tx, id).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        tx.commit().await?;
        let is_member = matches!(actor.scope, Scope::OwnRecord { .. });
        let start_refused = if !is_member {
            None
        } else if exam.published_on.is_none() {
            Some("考试尚未发布".to_owned())
        } else if today < exam.opens_on {
            Some(format!("考试自{}开始", exam.opens_on))
        } else if today > exam.closes_on {
            Some(format!("考试已于{}截止", exam.closes_on))
        } else if mine.iter().any(|s| s.submitted_at.is_none()) {
            Some("有一场考试正在进行，请继续作答".to_owned())
        } else {
            let passed = mine.iter().any(|s| s.passed == Some(true));
            may_retake(mine.len() as u32, passed, exam.max_attempts as u32)
                .err()
                .map(|r| r.to_string())
        };
        Ok(ExamDetail {
            total: parts
                .iter()
                .map(|p| match p {
                    Part::Fixed { points, .. } => *points,
                    Part::Draw { count, points, .. } => count * points,
                })
                .sum(),
            can_change: keeps && exam.published_on.is_none(),
            exam,
            parts,
            mine,
            start_refused,
            is_member,
            sittings,
            by_question,
        })
    }

    /// One page of the exams the actor may open.
    pub async fn exams(&self, actor: &Actor, page: Page) -> ServiceResult<(Vec<ExamRow>, i64)> {
        self.require(actor, Permission::ReadStudy, "exam.list")
            .await?;
        let home = self.course_home(actor).await?;
        let scope = if actor.permits(Permission::RecordStudy) {
            actor.scope.clone()
        } else {
            Scope::Nothing
        };
        let mut tx = self.db().read().await?;
        let found = store::exams(&mut tx, home.as_ref(), &scope, page).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// A member starts a sitting: the paper is drawn (fixed questions, then each rule's
    /// draw), its order and each question's options shuffled for this sitting, the deadline
    /// set on the server's clock. Returns the sitting's id.
    pub async fn start_sitting(&self, actor: &Actor, id: i64) -> ServiceResult<i64> {
        self.require(actor, Permission::ReadStudy, "exam.start")
            .await?;
        let Scope::OwnRecord { member_id } = actor.scope else {
            return Err(ServiceError::invalid(
                "exam",
                "只有党员本人的账号可以参加考试",
            ));
        };
        let detail = self.exam(actor, id).await?;
        if let Some(reason) = detail.start_refused {
            return Err(ServiceError::invalid("exam", reason));
        }
        let exam = detail.exam;
        let now = self.clock().now();
        let seed: u64 = rand::random();
        let mut tx = self.db().write().await?;
        let mut chosen: Vec<(i64, i64)> = Vec::new();
        for part in store::parts(&mut tx, id).await? {
            match part {
                Part::Fixed {
                    question_id,
                    points,
                } => chosen.push((question_id, points)),
                Part::Draw {
                    kind,
                    count,
                    points,
                } => {
                    let pool: Vec<i64> = store::drawable(&mut tx, &exam.org_path, kind)
                        .await?
                        .into_iter()
                        .filter(|q| !chosen.iter().any(|(c, _)| c == q))
                        .collect();
                    let order = shuffle(pool.len(), seed ^ pool.len() as u64 ^ count as u64);
                    chosen.extend(
                        order
                            .into_iter()
                            .take(count as usize)
                            .map(|i| (pool[i], points)),
                    );
                }
            }
        }
        let order = shuffle(chosen.len(), seed);
        let mut paper = Vec::with_capacity(chosen.len());
        for (n, i) in order.into_iter().enumerate() {
            let (question, points) = chosen[i];
            let options = store::question_by_id(&mut tx, question)
                .await?
                .map(|q| q.options.len())
                .unwrap_or(0);
            paper.push((
                question,
                points,
                shuffle(options, seed.rotate_left(n as u32 + 1)),
            ));
        }
        let attempt = store::sittings_of(&mut tx, id, member_id).await?.len() as i64 + 1;
        let deadline = now + TimeDelta::minutes(exam.minutes);
        let sitting = store::insert_sitting(&mut tx, id, member_id, attempt, now, deadline, &paper)
            .await
            .map_err(|e| {
                duplicate_to_field(
                    e,
                    &[
                        ("exam_sittings.exam_id", "exam", STARTED),
                        ("exam_sittings.attempt", "exam", STARTED),
                    ],
                )
            })?;
        let event = Event::new("exam.start")
            .object("exam", id)
            .detail(json!({ "sitting": sitting, "attempt": attempt }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(sitting)
    }

    /// A sitting the actor may see: the member's own, or any of an exam they keep. A sitting
    /// whose time is up is graded first, on the answers saved.
    pub async fn sitting(&self, actor: &Actor, id: i64) -> ServiceResult<SittingDetail> {
        self.require(actor, Permission::ReadStudy, "exam.sitting")
            .await?;
        let row = {
            let mut tx = self.db().read().await?;
            let row = store::sitting_by_id(&mut tx, id).await?;
            tx.commit().await?;
            row.ok_or(ServiceError::NotFound)?
        };
        let exam = self.exam_for(actor, row.exam_id, "exam.sitting").await?;
        let own = actor.scope
            == Scope::OwnRecord {
                member_id: row.member_id,
            };
        let keeps =
            actor.permits(Permission::RecordStudy) && actor.scope.covers_org(&exam.org_path);
        if !own && !keeps {
            return Err(self
                .out_of_scope(actor, "exam.sitting", "sitting", id)
                .await);
        }
        let now = self.clock().now();
        if row.submitted_at.is_none() && sitting_clock(row.deadline_at, now) == SittingClock::Over {
            self.hand_in(actor, &exam, &row).await?;
        }
        let mut tx = self.db().read().await?;
        let sitting = store::sitting_by_id(&mut tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut questions = Vec::new();
        for p in store::paper(&mut tx, id).await? {
            if let Some(q) = store::question_by_id(&mut tx, p.question_id).await? {
                questions.push((p, q));
            }
        }
        tx.commit().await?;
        Ok(SittingDetail {
            clock: if sitting.submitted_at.is_some() {
                SittingClock::Over
            } else {
                sitting_clock(sitting.deadline_at, now)
            },
            sitting,
            exam,
            questions,
        })
    }

    /// Saves a member's answers while the sitting runs, and hands it in when asked or when
    /// the time is up (then only what was saved by the deadline counts).
    pub async fn answer_sitting(
        &self,
        actor: &Actor,
        id: i64,
        form: &AnswersForm,
    ) -> ServiceResult<()> {
        let detail = self.sitting(actor, id).await?;
        if actor.scope
            != (Scope::OwnRecord {
                member_id: detail.sitting.member_id,
            })
        {
            return Err(ServiceError::NotFound);
        }
        if let Some(at) = detail.sitting.submitted_at {
            // Handed in at its deadline: the time ran out (just now, or before).
            let message = if at == detail.sitting.deadline_at {
                "考试时间已到，已按保存的答案交卷"
            } else {
                "已交卷，不能再修改答案"
            };
            return Err(ServiceError::invalid("answers", message));
        }
        let SittingClock::Running { .. } =
            sitting_clock(detail.sitting.deadline_at, self.clock().now())
        else {
            return Err(ServiceError::invalid(
                "answers",
                "考试时间已到，已按保存的答案交卷",
            ));
        };
        let positions: HashMap<i64, usize> = detail
            .questions
            .iter()
            .map(|(p, q)| (p.position, q.options.len()))
            .collect();
        let mut tx = self.db().write().await?;
        for (position, given) in &form.answers {
            if !positions.contains_key(position) {
                return Err(ServiceError::invalid(
                    "answers",
                    format!("试卷没有第{position}题"),
                ));
            }
            let given: String = given.trim().chars().take(200).collect();
            store::save_answer(&mut tx, id, *position, &given).await?;
        }
        tx.commit().await?;
        if form.submit {
            self.hand_in(actor, &detail.exam, &detail.sitting).await?;
        }
        Ok(())
    }

    /// Grades a sitting on its saved answers; a first pass credits the rules' 学时.
    async fn hand_in(
        &self,
        actor: &Actor,
        exam: &ExamRow,
        sitting: &SittingRow,
    ) -> ServiceResult<()> {
        let now = self.clock().now();
        let at = now.min(sitting.deadline_at);
        let mut tx = self.db().write().await?;
        let mut marks = Vec::new();
        let mut score = 0;
        for p in store::paper(&mut tx, sitting.id).await? {
            let right = match store::question_by_id(&mut tx, p.question_id).await? {
                Some(q) => Question {
                    kind: q.kind,
                    stem: q.stem,
                    options: q.options,
                    key: q.key,
                }
                .is_right(p.given.as_deref().unwrap_or(""), &p.shown),
                None => false,
            };
            if right {
                score += p.points;
            }
            marks.push((p.position, right));
        }
        let passed = passes(score as u32, sitting.total as u32, exam.pass_percent as u32);
        if !store::grade(&mut tx, sitting.id, &marks, score, passed, at).await? {
            return Ok(());
        }
        let passed_before = store::sittings_of(&mut tx, exam.id, sitting.member_id)
            .await?
            .iter()
            .any(|s| s.id != sitting.id && s.passed == Some(true));
        let hours = Hours::from_rule(self.rules().training.credit.exam_passed);
        if passed && !passed_before && hours > Hours::ZERO {
            let credit = Credit {
                member_id: sitting.member_id,
                credited_on: dangjian_core::clock::local_date(at),
                hours,
            };
            dangjian_store::study::insert_credit(
                &mut tx,
                HourSource::Exam,
                exam.id,
                sitting.id,
                &credit,
            )
            .await?;
        }
        let event = Event::new("exam.submit")
            .object("exam", exam.id)
            .detail(json!({
                "sitting": sitting.id, "score": score, "total": sitting.total, "passed": passed,
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }
}
