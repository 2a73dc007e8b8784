//! Micro-lectures and online courses (微党课、云课堂, issue 15, 3): an org in scope offers a
//! course of chapters — text, PDF, audio or video, uploaded to the platform and kept in the
//! database (there is no outside hosting on the police intranet) — to the members at or below
//! it once published. A member marks a chapter finished when they have read it to the end or
//! the player reached its end; the chapter's 学时, fixed by its length and the rules when it
//! was added, is credited then — never for the time a page stayed open.

use std::collections::HashMap;

use chrono::NaiveDate;
use dangjian_core::exam::{MAX_QUIZ, Question, QuestionKind, QuizMiss, mark_quiz, quiz_field};
use dangjian_core::field::FieldErrors;
use dangjian_core::org::OrgPath;
use dangjian_core::role::{Permission, Scope};
use dangjian_core::study::{HourSource, MediaKind, course_credit, may_open};
use dangjian_store::blobs::BlobRow;
use dangjian_store::search::Group;
use dangjian_store::study::{self as store, Credit, NewChapter, NewCourse};
use dangjian_store::{Page, exams, members};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::blobs::Spool;
use crate::error::{ServiceError, ServiceResult};
use crate::orglife::{optional_long, required, required_long};
use crate::rectification::invalid;

pub use dangjian_store::study::{ChapterRow, CourseRow};

const STALE: &str = "该课程已被他人修改，请刷新后重试";
/// The longest chapter (a day's lecture).
const MAX_CHAPTER_MINUTES: i64 = 8 * 60;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CourseForm {
    pub title: String,
    pub description: String,
    /// A micro-lecture (微党课).
    pub micro: bool,
}

/// A chapter: its text (a text chapter), or a file received into a spool.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChapterForm {
    pub version: i64,
    pub title: String,
    pub media: String,
    /// Its length in minutes, as typed: the 学时 follow from it.
    pub minutes: String,
    pub body: String,
    /// The uploaded file's name.
    pub file_name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublishForm {
    pub version: i64,
}

/// A question of the bank added to a chapter's quiz, by its number.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuizForm {
    pub version: i64,
    pub question: String,
}

/// A question of a chapter's quiz as shown: its key only to those who keep the course.
#[derive(Debug, Clone)]
pub struct QuizQuestion {
    pub id: i64,
    pub kind: QuestionKind,
    pub stem: String,
    pub options: Vec<String>,
    pub key: Option<String>,
}

/// A course with its chapters, and what the actor has done of it.
#[derive(Debug, Clone)]
pub struct CourseDetail {
    pub course: CourseRow,
    pub chapters: Vec<ChapterRow>,
    /// The chapters the member finished, with the day (a member's account only).
    pub done: Vec<(i64, NaiveDate)>,
    /// How many members finished each chapter (for those who keep the course).
    pub counts: HashMap<i64, i64>,
    /// The quizzes of the chapters that have one: answered right, they finish the chapter.
    pub quizzes: HashMap<i64, Vec<QuizQuestion>>,
    pub can_change: bool,
    pub can_complete: bool,
}

impl CourseDetail {
    pub fn finished(&self, chapter: &i64) -> Option<NaiveDate> {
        self.done
            .iter()
            .find(|(c, _)| c == chapter)
            .map(|(_, d)| *d)
    }

    /// A chapter's quiz (empty: finished by reaching its end).
    pub fn quiz(&self, chapter: &i64) -> &[QuizQuestion] {
        self.quizzes
            .get(chapter)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

impl Services {
    /// Where the account stands in the tree: the member's branch, or the scope's org; the
    /// published courses of that org and the orgs above it are theirs to take.
    pub(super) async fn course_home(&self, actor: &Actor) -> ServiceResult<Option<OrgPath>> {
        Ok(match &actor.scope {
            Scope::OwnRecord { member_id } => {
                let mut tx = self.db().read().await?;
                let member = members::get(&mut tx, *member_id).await?;
                tx.commit().await?;
                member.map(|m| m.branch_path)
            }
            Scope::Subtree { path, .. } => Some(path.clone()),
            Scope::Everything | Scope::Nothing => None,
        })
    }

    /// A course the actor may open: in their scope, or published at or above their home.
    async fn course_for(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<CourseRow> {
        let home = self.course_home(actor).await?;
        let mut tx = self.db().read().await?;
        let row = store::course_by_id(&mut tx, id).await?;
        tx.commit().await?;
        match row {
            Some(c)
                if may_open(
                    &actor.scope,
                    home.as_ref(),
                    &c.org_path,
                    c.published_on.is_some(),
                ) =>
            {
                Ok(c)
            }
            Some(_) => Err(self.out_of_scope(actor, event, "course", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// Opens a course offered by an org in scope (a draft until published); returns its id.
    pub async fn create_course(
        &self,
        actor: &Actor,
        org_id: i64,
        form: &CourseForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordStudy, "course.create")
            .await?;
        let org = self.load_org(actor, org_id, "course.create").await?;
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let title = required(&form.title, "课程名称", 100, "title", &mut e);
        let description = optional_long(&form.description, "课程简介", 2000, "description", &mut e)
            .unwrap_or_default();
        invalid(e)?;
        let mut tx = self.db().write().await?;
        let id = store::insert_course(
            &mut tx,
            &NewCourse {
                org_id: org.id,
                title: &title,
                description: &description,
                micro: form.micro,
                created_by: &actor.login,
            },
            now,
        )
        .await?;
        let event = Event::new("course.create")
            .object("course", id)
            .detail(json!({ "org": org.id, "title": title, "micro": form.micro }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        self.reindex(Group::Course(id)).await;
        Ok(id)
    }

    /// Whether the actor may add a chapter to course `id` now: asked before an upload is
    /// received, so that only those who keep the course can make the server spool a file.
    pub async fn may_add_chapter(&self, actor: &Actor, id: i64) -> ServiceResult<()> {
        self.require(actor, Permission::RecordStudy, "course.chapter")
            .await?;
        let course = self.course_for(actor, id, "course.chapter").await?;
        if !actor.scope.covers_org(&course.org_path) {
            return Err(self
                .out_of_scope(actor, "course.chapter", "course", id)
                .await);
        }
        if course.published_on.is_some() {
            return Err(ServiceError::conflict(
                "version",
                "课程已发布，不能再添加章节",
            ));
        }
        Ok(())
    }

    /// Adds a chapter to a draft course: its text, or a file (PDF, audio, video) checked by
    /// its first bytes and kept in the database. Its 学时 follow from its length by the rules.
    pub async fn add_chapter(
        &self,
        actor: &Actor,
        id: i64,
        form: &ChapterForm,
        file: Option<Spool>,
    ) -> ServiceResult<i64> {
        self.may_add_chapter(actor, id).await?;
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let title = required(&form.title, "章节名称", 100, "title", &mut e);
        let media = MediaKind::from_code(form.media.trim());
        if media.is_none() {
            e.add("media", "请选择章节形式");
        }
        let minutes = match form.minutes.trim().parse::<i64>() {
            Ok(m) if m > 0 && m <= MAX_CHAPTER_MINUTES => m,
            _ => {
                e.add("minutes", "时长须为1到480之间的整数分钟");
                0
            }
        };
        let body = match media {
            Some(MediaKind::Text) => Some(required_long(
                &form.body,
                "章节正文",
                50_000,
                "body",
                &mut e,
            )),
            _ => None,
        };
        let file_name = match (media, &file) {
            (Some(MediaKind::Text) | None, _) | (_, None) => String::new(),
            (Some(_), Some(_)) => {
                crate::attachments::shown_name(&form.file_name).unwrap_or_else(|message| {
                    e.add("file", message);
                    String::new()
                })
            }
        };
        let mime = match (media, &file) {
            (Some(MediaKind::Text), _) | (None, _) => None,
            (Some(_), None) => {
                e.add("file", "请选择要上传的文件");
                None
            }
            (Some(_), Some(f)) if f.size() == 0 => {
                e.add("file", "文件是空的");
                None
            }
            (Some(kind), Some(f)) => match kind.sniff(f.head()) {
                Some(mime) => Some(mime),
                None => {
                    e.add(
                        "file",
                        format!("文件内容不是{}（按文件内容判断，不看扩展名）", kind.label()),
                    );
                    None
                }
            },
        };
        invalid(e)?;
        let Some(media) = media else {
            return Err(ServiceError::invalid("media", "请选择章节形式"));
        };
        let hours = course_credit(minutes, &self.rules().training.credit);
        let file_text = match (media, &file) {
            (MediaKind::Pdf, Some(spool)) => {
                super::search::pdf_text(spool.path(), spool.size()).await
            }
            _ => None,
        };
        let mut tx = self.db().write().await?;
        // Published (or changed) since the check above: the version tells.
        if !store::touch_course(&mut tx, id, form.version).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        let digest = match (mime, file) {
            (Some(mime), Some(spool)) => Some(self.keep_spooled(&mut tx, spool, mime).await?),
            _ => None,
        };
        let chapter = store::insert_chapter(
            &mut tx,
            &NewChapter {
                course_id: id,
                title: &title,
                media,
                body: body.as_deref(),
                file_digest: digest.as_deref(),
                file_name: digest.as_ref().map(|_| file_name.as_str()),
                file_text: file_text.as_deref(),
                minutes,
                hours,
            },
        )
        .await?;
        let event = Event::new("course.chapter")
            .object("course", id)
            .detail(json!({
                "chapter": chapter, "media": media.code(), "minutes": minutes, "sm3": digest,
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        self.reindex(Group::Course(id)).await;
        Ok(chapter)
    }

    /// Publishes a course with at least one chapter: from then on the members at or below
    /// its org may take it, and it no longer changes.
    pub async fn publish_course(
        &self,
        actor: &Actor,
        id: i64,
        form: &PublishForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordStudy, "course.publish")
            .await?;
        let course = self.course_for(actor, id, "course.publish").await?;
        if !actor.scope.covers_org(&course.org_path) {
            return Err(self
                .out_of_scope(actor, "course.publish", "course", id)
                .await);
        }
        if course.chapters == 0 {
            return Err(ServiceError::invalid("version", "课程还没有章节，不能发布"));
        }
        let today = self.clock().today();
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        if !store::publish_course(&mut tx, id, form.version, today).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        let event = Event::new("course.publish").object("course", id);
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        self.reindex(Group::Course(id)).await;
        Ok(())
    }

    /// A course the actor may open, with its chapters and what they did of it.
    pub async fn course(&self, actor: &Actor, id: i64) -> ServiceResult<CourseDetail> {
        self.require(actor, Permission::ReadStudy, "course.view")
            .await?;
        let course = self.course_for(actor, id, "course.view").await?;
        let keeps =
            actor.permits(Permission::RecordStudy) && actor.scope.covers_org(&course.org_path);
        let mut tx = self.db().read().await?;
        let chapters = store::chapters(&mut tx, id).await?;
        let done = match actor.scope {
            Scope::OwnRecord { member_id } => store::completions(&mut tx, id, member_id).await?,
            _ => Vec::new(),
        };
        let counts = if keeps {
            store::completion_counts(&mut tx, id).await?
        } else {
            HashMap::new()
        };
        let mut quizzes: HashMap<i64, Vec<QuizQuestion>> = HashMap::new();
        for (chapter, q) in exams::chapter_quizzes(&mut tx, id).await? {
            quizzes.entry(chapter).or_default().push(QuizQuestion {
                id: q.id,
                kind: q.kind,
                stem: q.stem,
                options: q.options,
                key: keeps.then_some(q.key),
            });
        }
        tx.commit().await?;
        Ok(CourseDetail {
            can_change: keeps && course.published_on.is_none(),
            can_complete: matches!(actor.scope, Scope::OwnRecord { .. })
                && course.published_on.is_some(),
            course,
            chapters,
            done,
            counts,
            quizzes,
        })
    }

    /// One page of the courses the actor may open: published at or above their home, and
    /// for those who keep courses every course in their scope, drafts first.
    pub async fn courses(&self, actor: &Actor, page: Page) -> ServiceResult<(Vec<CourseRow>, i64)> {
        self.require(actor, Permission::ReadStudy, "course.list")
            .await?;
        let home = self.course_home(actor).await?;
        let scope = if actor.permits(Permission::RecordStudy) {
            actor.scope.clone()
        } else {
            Scope::Nothing
        };
        let mut tx = self.db().read().await?;
        let found = store::courses(&mut tx, home.as_ref(), &scope, page).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// A member finishes a chapter of a published course: its 学时 are credited that day,
    /// once. Returns whether it was newly finished. A chapter with a quiz is finished by
    /// answering it (`answer_chapter_quiz`).
    pub async fn complete_chapter(&self, actor: &Actor, chapter: i64) -> ServiceResult<bool> {
        let (member_id, row, course) = self.chapter_to_finish(actor, chapter).await?;
        let quiz = {
            let mut tx = self.db().read().await?;
            let quiz = exams::chapter_quiz(&mut tx, chapter).await?;
            tx.commit().await?;
            quiz
        };
        if !quiz.is_empty() {
            return Err(ServiceError::invalid(
                "chapter",
                "本章要答对测验题才算学完，请先作答",
            ));
        }
        self.finish_chapter(actor, member_id, &row, course.id, None)
            .await
    }

    /// A member answers a chapter's quiz: all right, the chapter is finished (its 学时
    /// credited once); otherwise each question missed is told at its field — without the
    /// right answer — and nothing is recorded. Returns whether it was newly finished.
    pub async fn answer_chapter_quiz(
        &self,
        actor: &Actor,
        chapter: i64,
        answers: &[(i64, String)],
    ) -> ServiceResult<bool> {
        let (member_id, row, course) = self.chapter_to_finish(actor, chapter).await?;
        let quiz = {
            let mut tx = self.db().read().await?;
            let quiz = exams::chapter_quiz(&mut tx, chapter).await?;
            tx.commit().await?;
            quiz
        };
        if quiz.is_empty() {
            return Err(ServiceError::invalid("chapter", "本章没有测验题"));
        }
        let questions: Vec<Question> = quiz
            .iter()
            .map(|q| Question {
                kind: q.kind,
                stem: q.stem.clone(),
                options: q.options.clone(),
                key: q.key.clone(),
            })
            .collect();
        let given = |position: usize| {
            answers
                .iter()
                .find(|(p, _)| usize::try_from(*p).ok() == Some(position))
                .map(|(_, a)| a.clone())
        };
        let mut e = FieldErrors::new();
        for miss in mark_quiz(&questions, &given) {
            match miss {
                QuizMiss::Unanswered(p) => e.add(quiz_field(p), "请作答"),
                QuizMiss::Wrong(p) => e.add(quiz_field(p), "回答不正确，请再学习本章后重答"),
            }
        }
        invalid(e)?;
        self.finish_chapter(actor, member_id, &row, course.id, Some(quiz.len()))
            .await
    }

    /// The member, chapter and course of a finishing: the member's own account, a chapter
    /// of a published course they may open.
    async fn chapter_to_finish(
        &self,
        actor: &Actor,
        chapter: i64,
    ) -> ServiceResult<(i64, ChapterRow, CourseRow)> {
        self.require(actor, Permission::ReadStudy, "course.complete")
            .await?;
        let Scope::OwnRecord { member_id } = actor.scope else {
            return Err(ServiceError::invalid(
                "chapter",
                "只有党员本人的账号可以记录学完",
            ));
        };
        let row = {
            let mut tx = self.db().read().await?;
            let row = store::chapter_by_id(&mut tx, chapter).await?;
            tx.commit().await?;
            row.ok_or(ServiceError::NotFound)?
        };
        let course = self
            .course_for(actor, row.course_id, "course.complete")
            .await?;
        if course.published_on.is_none() {
            return Err(ServiceError::NotFound);
        }
        Ok((member_id, row, course))
    }

    /// Records a chapter finished today and credits its 学时, once.
    async fn finish_chapter(
        &self,
        actor: &Actor,
        member_id: i64,
        row: &ChapterRow,
        course: i64,
        quiz: Option<usize>,
    ) -> ServiceResult<bool> {
        let today = self.clock().today();
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let new = store::complete_chapter(&mut tx, row.id, member_id, today).await?;
        if new {
            let credit = Credit {
                member_id,
                credited_on: today,
                hours: row.hours,
            };
            if credit.hours.0 > 0 {
                store::insert_credit(&mut tx, HourSource::Course, course, row.id, &credit).await?;
            }
            let event = Event::new("course.complete")
                .object("course", course)
                .detail(json!({
                    "chapter": row.id, "hours": row.hours.to_string(), "quiz": quiz,
                }));
            audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        }
        tx.commit().await?;
        Ok(new)
    }

    /// Adds a question of the bank (of the course's org or above) to a chapter's quiz, while
    /// the course is a draft; returns the course.
    pub async fn add_chapter_question(
        &self,
        actor: &Actor,
        chapter: i64,
        form: &QuizForm,
    ) -> ServiceResult<i64> {
        let (row, course) = self
            .chapter_to_change(actor, chapter, "course.quiz")
            .await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let question = match form.question.trim().parse::<i64>() {
            Ok(id) => exams::question_by_id(&mut tx, id).await?,
            Err(_) => None,
        };
        let question = match question {
            Some(q) if course.org_path.is_within(&q.org_path) => q,
            _ => {
                return Err(ServiceError::invalid(
                    "question",
                    "题库中没有这道题，或不是本组织及上级的题",
                ));
            }
        };
        if exams::chapter_quiz(&mut tx, row.id).await?.len() >= MAX_QUIZ {
            return Err(ServiceError::invalid(
                "question",
                format!("每章测验题不超过{MAX_QUIZ}道"),
            ));
        }
        if !store::touch_course(&mut tx, course.id, form.version).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        if !exams::add_chapter_question(&mut tx, row.id, question.id).await? {
            return Err(ServiceError::invalid("question", "这道题已在本章测验中"));
        }
        let event = Event::new("course.quiz")
            .object("course", course.id)
            .detail(json!({ "chapter": row.id, "added": question.id }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(course.id)
    }

    /// Takes a question out of a chapter's quiz, while the course is a draft; returns the
    /// course.
    pub async fn remove_chapter_question(
        &self,
        actor: &Actor,
        chapter: i64,
        question: i64,
        version: i64,
    ) -> ServiceResult<i64> {
        let (row, course) = self
            .chapter_to_change(actor, chapter, "course.quiz")
            .await?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        if !store::touch_course(&mut tx, course.id, version).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        if !exams::remove_chapter_question(&mut tx, row.id, question).await? {
            return Err(ServiceError::NotFound);
        }
        let event = Event::new("course.quiz")
            .object("course", course.id)
            .detail(json!({ "chapter": row.id, "removed": question }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(course.id)
    }

    /// A chapter of a draft course the actor keeps.
    async fn chapter_to_change(
        &self,
        actor: &Actor,
        chapter: i64,
        event: &'static str,
    ) -> ServiceResult<(ChapterRow, CourseRow)> {
        self.require(actor, Permission::RecordStudy, event).await?;
        let row = {
            let mut tx = self.db().read().await?;
            let row = store::chapter_by_id(&mut tx, chapter).await?;
            tx.commit().await?;
            row.ok_or(ServiceError::NotFound)?
        };
        let course = self.course_for(actor, row.course_id, event).await?;
        if !actor.scope.covers_org(&course.org_path) {
            return Err(self.out_of_scope(actor, event, "course", course.id).await);
        }
        if course.published_on.is_some() {
            return Err(ServiceError::invalid("version", "课程已发布，不能再修改"));
        }
        Ok((row, course))
    }

    /// The file of a chapter the actor may open: its stored facts and its name.
    pub async fn chapter_file(
        &self,
        actor: &Actor,
        chapter: i64,
    ) -> ServiceResult<(BlobRow, String)> {
        self.require(actor, Permission::ReadStudy, "course.file")
            .await?;
        let row = {
            let mut tx = self.db().read().await?;
            let row = store::chapter_by_id(&mut tx, chapter).await?;
            tx.commit().await?;
            row.ok_or(ServiceError::NotFound)?
        };
        self.course_for(actor, row.course_id, "course.file").await?;
        let digest = row.file_digest.ok_or(ServiceError::NotFound)?;
        let blob = self.blob(&digest).await?;
        Ok((blob, row.file_name.unwrap_or_default()))
    }
}
