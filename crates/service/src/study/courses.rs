//! Micro-lectures and online courses (微党课、云课堂, issue 15, 3): an org in scope offers a
//! course of chapters — text, PDF, audio or video, uploaded to the platform and kept in the
//! database (there is no outside hosting on the police intranet) — to the members at or below
//! it once published. A member marks a chapter finished when they have read it to the end or
//! the player reached its end; the chapter's 学时, fixed by its length and the rules when it
//! was added, is credited then — never for the time a page stayed open.

use std::collections::HashMap;

use chrono::NaiveDate;
use dangjian_core::field::FieldErrors;
use dangjian_core::org::OrgPath;
use dangjian_core::role::{Permission, Scope};
use dangjian_core::study::{HourSource, MediaKind, course_credit};
use dangjian_store::blobs::BlobRow;
use dangjian_store::search::Group;
use dangjian_store::study::{self as store, Credit, NewChapter, NewCourse};
use dangjian_store::{Page, members};
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

/// A course with its chapters, and what the actor has done of it.
#[derive(Debug, Clone)]
pub struct CourseDetail {
    pub course: CourseRow,
    pub chapters: Vec<ChapterRow>,
    /// The chapters the member finished, with the day (a member's account only).
    pub done: Vec<(i64, NaiveDate)>,
    /// How many members finished each chapter (for those who keep the course).
    pub counts: HashMap<i64, i64>,
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
                if actor.scope.covers_org(&c.org_path)
                    || (c.published_on.is_some()
                        && home.as_ref().is_some_and(|h| h.is_within(&c.org_path))) =>
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
        tx.commit().await?;
        Ok(CourseDetail {
            can_change: keeps && course.published_on.is_none(),
            can_complete: matches!(actor.scope, Scope::OwnRecord { .. })
                && course.published_on.is_some(),
            course,
            chapters,
            done,
            counts,
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
    /// once. Returns whether it was newly finished.
    pub async fn complete_chapter(&self, actor: &Actor, chapter: i64) -> ServiceResult<bool> {
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
        let today = self.clock().today();
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let new = store::complete_chapter(&mut tx, chapter, member_id, today).await?;
        if new {
            let credit = Credit {
                member_id,
                credited_on: today,
                hours: row.hours,
            };
            if credit.hours.0 > 0 {
                store::insert_credit(&mut tx, HourSource::Course, course.id, chapter, &credit)
                    .await?;
            }
            let event = Event::new("course.complete")
                .object("course", course.id)
                .detail(json!({ "chapter": chapter, "hours": row.hours.to_string() }));
            audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        }
        tx.commit().await?;
        Ok(new)
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
