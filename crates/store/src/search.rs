//! The study materials as documents of the search index (issue 15, 7): courses, their
//! chapters (the text of a text chapter, the text taken from a PDF), the topics of study
//! plans and group studies. The index is rebuilt from these; the database stays the truth.

use std::collections::HashMap;

use dangjian_core::org::OrgPath;
use dangjian_core::study::StudyKind;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{self, RowExt, Sql};

/// What a document is, and so where its hit leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Course,
    /// A chapter of the course `parent`.
    Chapter,
    /// A topic of a study plan of the year `parent`.
    PlanTopic,
    /// A group study; `parent` is the org-life record it was a part of, or 0.
    Study,
}

impl DocKind {
    pub fn code(self) -> &'static str {
        match self {
            DocKind::Course => "course",
            DocKind::Chapter => "chapter",
            DocKind::PlanTopic => "plan",
            DocKind::Study => "study",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            DocKind::Course,
            DocKind::Chapter,
            DocKind::PlanTopic,
            DocKind::Study,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// The documents refreshed together: a course with its chapters, a plan with its topics, a
/// study. A group's documents are replaced as one, so a removed topic leaves the index too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Course(i64),
    Plan(i64),
    Study(i64),
}

impl Group {
    /// The term that marks every document of the group.
    pub fn key(self) -> String {
        match self {
            Group::Course(id) => format!("course:{id}"),
            Group::Plan(id) => format!("plan:{id}"),
            Group::Study(id) => format!("study:{id}"),
        }
    }
}

/// One document: what it says, whose it is and who may find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    pub group: Group,
    pub kind: DocKind,
    pub id: i64,
    pub parent: i64,
    pub org_id: i64,
    pub org_path: OrgPath,
    /// A course or chapter is for the members below its org once published; the rest is
    /// for those whose scope holds the org.
    pub published: bool,
    pub title: String,
    pub body: String,
    /// The kind of a study, the month of a plan topic, the course of a chapter.
    pub context: String,
}

fn course(row: &AnyRow) -> StoreResult<SearchDoc> {
    let id = row.int("id")?;
    Ok(SearchDoc {
        group: Group::Course(id),
        kind: DocKind::Course,
        id,
        parent: 0,
        org_id: row.int("org_id")?,
        org_path: row.org_path("path")?,
        published: row.opt_text("published_on")?.is_some(),
        title: row.text("title")?,
        body: row.text("description")?,
        context: String::new(),
    })
}

fn chapter(row: &AnyRow) -> StoreResult<SearchDoc> {
    let course = row.int("course_id")?;
    Ok(SearchDoc {
        group: Group::Course(course),
        kind: DocKind::Chapter,
        id: row.int("id")?,
        parent: course,
        org_id: row.int("org_id")?,
        org_path: row.org_path("path")?,
        published: row.opt_text("published_on")?.is_some(),
        title: row.text("title")?,
        body: row.opt_text("body")?.unwrap_or_default(),
        context: row.text("course_title")?,
    })
}

fn plan_topic(row: &AnyRow) -> StoreResult<SearchDoc> {
    let year = row.int("year")?;
    Ok(SearchDoc {
        group: Group::Plan(row.int("plan_id")?),
        kind: DocKind::PlanTopic,
        id: row.int("id")?,
        parent: year,
        org_id: row.int("org_id")?,
        org_path: row.org_path("path")?,
        published: false,
        title: row.text("topic")?,
        body: row.text("materials")?,
        context: format!("{year}年{}月", row.int("month")?),
    })
}

fn study(row: &AnyRow) -> StoreResult<SearchDoc> {
    let id = row.int("id")?;
    Ok(SearchDoc {
        group: Group::Study(id),
        kind: DocKind::Study,
        id,
        parent: row.opt_int("meeting_id")?.unwrap_or(0),
        org_id: row.int("org_id")?,
        org_path: row.org_path("path")?,
        published: false,
        title: row.text("topic")?,
        body: row.text("materials")?,
        context: StudyKind::from_code(&row.text("kind")?)
            .map(|k| k.label().to_owned())
            .unwrap_or_default(),
    })
}

/// The documents of `group`, or of everything; none when the group is gone.
pub async fn documents(conn: &mut Conn, group: Option<Group>) -> StoreResult<Vec<SearchDoc>> {
    let mut docs = Vec::new();
    if matches!(group, None | Some(Group::Course(_))) {
        let mut q = Sql::new(
            "SELECT c.id, c.org_id, o.path, c.published_on, c.title, \
             c.description FROM courses c JOIN orgs o ON o.id = c.org_id",
        );
        if let Some(Group::Course(id)) = group {
            q.push(" WHERE c.id = ").bind(id);
        }
        for row in sql::fetch_all(conn, q).await? {
            docs.push(course(&row)?);
        }
        let mut q = Sql::new(
            "SELECT ch.id, ch.course_id, c.org_id, o.path, c.published_on, \
             ch.title, COALESCE(ch.body, ch.file_text) AS body, c.title AS course_title \
             FROM course_chapters ch JOIN courses c ON c.id = ch.course_id \
             JOIN orgs o ON o.id = c.org_id",
        );
        if let Some(Group::Course(id)) = group {
            q.push(" WHERE ch.course_id = ").bind(id);
        }
        for row in sql::fetch_all(conn, q).await? {
            docs.push(chapter(&row)?);
        }
    }
    if matches!(group, None | Some(Group::Plan(_))) {
        let mut q = Sql::new(
            "SELECT i.id, i.plan_id, i.month, i.topic, i.materials, p.year, p.org_id, o.path \
             FROM study_plan_items i JOIN study_plans p ON p.id = i.plan_id \
             JOIN orgs o ON o.id = p.org_id",
        );
        if let Some(Group::Plan(id)) = group {
            q.push(" WHERE i.plan_id = ").bind(id);
        }
        for row in sql::fetch_all(conn, q).await? {
            docs.push(plan_topic(&row)?);
        }
    }
    if matches!(group, None | Some(Group::Study(_))) {
        let mut q = Sql::new(
            "SELECT s.id, s.org_id, s.meeting_id, s.kind, s.topic, s.materials, o.path \
             FROM study_sessions s JOIN orgs o ON o.id = s.org_id",
        );
        if let Some(Group::Study(id)) = group {
            q.push(" WHERE s.id = ").bind(id);
        }
        for row in sql::fetch_all(conn, q).await? {
            docs.push(study(&row)?);
        }
    }
    Ok(docs)
}

/// The names of orgs by id (shown with hits: a renamed org shows its new name).
pub async fn org_names(conn: &mut Conn, ids: &[i64]) -> StoreResult<HashMap<i64, String>> {
    let mut names = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut q = Sql::new("SELECT id, name FROM orgs WHERE id IN (");
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(")");
        for row in sql::fetch_all(conn, q).await? {
            names.insert(row.int("id")?, row.text("name")?);
        }
    }
    Ok(names)
}

/// How many documents there are: an index holding another number missed a change.
pub async fn count(conn: &mut Conn) -> StoreResult<i64> {
    let q = Sql::new(
        "SELECT (SELECT COUNT(*) FROM courses) + (SELECT COUNT(*) FROM course_chapters) \
         + (SELECT COUNT(*) FROM study_plan_items) + (SELECT COUNT(*) FROM study_sessions) AS n",
    );
    match sql::fetch_all(conn, q).await?.first() {
        Some(row) => row.int("n"),
        None => Ok(0),
    }
}
