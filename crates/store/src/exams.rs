//! Exams (migration 0033): the question bank, exams and their parts (fixed questions or
//! drawing rules), sittings with their own paper and answers, and the results by person and
//! by question. An exam or question keeps to a scope by its org.

use chrono::{DateTime, NaiveDate, Utc};
use dangjian_core::exam::QuestionKind;
use dangjian_core::org::OrgPath;
use dangjian_core::role::Scope;
use sqlx::any::AnyRow;

use crate::db::Conn;
use crate::error::StoreResult;
use crate::sql::{
    self, Page, RowExt, Sql, date_text, push_offered, push_org_scope, timestamp_text,
};

/// A question of the bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionRow {
    pub id: i64,
    pub org_id: i64,
    pub org_path: OrgPath,
    pub kind: QuestionKind,
    pub stem: String,
    pub options: Vec<String>,
    pub key: String,
}

#[derive(Debug, Clone)]
pub struct NewQuestion<'a> {
    pub org_id: i64,
    pub kind: QuestionKind,
    pub stem: &'a str,
    pub options: &'a [String],
    pub key: &'a str,
    pub created_by: &'a str,
}

const QUESTION_COLUMNS: &str = "SELECT q.id, q.org_id, o.path AS org_path, q.kind, q.stem, q.options, \
     q.answer_key FROM exam_questions q JOIN orgs o ON o.id = q.org_id WHERE 1 = 1";

fn question(row: &AnyRow) -> StoreResult<QuestionRow> {
    let options = row.text("options")?;
    Ok(QuestionRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        org_path: row.org_path("org_path")?,
        kind: row.code("kind", QuestionKind::from_code)?,
        stem: row.text("stem")?,
        options: options
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        key: row.text("answer_key")?,
    })
}

pub async fn insert_question(
    conn: &mut Conn,
    q: &NewQuestion<'_>,
    now: DateTime<Utc>,
) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO exam_questions (org_id, kind, stem, options, answer_key, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(q.org_id)
    .bind(q.kind.code())
    .bind(q.stem)
    .bind(q.options.join("\n"))
    .bind(q.key)
    .bind(q.created_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

/// One page of the bank in scope (of one kind, or all), newest first, and how many.
pub async fn questions(
    conn: &mut Conn,
    scope: &Scope,
    kind: Option<QuestionKind>,
    page: Page,
) -> StoreResult<(Vec<QuestionRow>, i64)> {
    let conditions = |q: &mut Sql| {
        push_org_scope(q, scope, "o.path");
        if let Some(kind) = kind {
            q.push(" AND q.kind = ").bind(kind.code());
        }
    };
    let mut count = Sql::new(
        "SELECT COUNT(*) AS n FROM exam_questions q JOIN orgs o ON o.id = q.org_id WHERE 1 = 1",
    );
    conditions(&mut count);
    let total = sql::fetch_one(conn, count).await?.int("n")?;
    let mut q = Sql::new(QUESTION_COLUMNS);
    conditions(&mut q);
    q.push(" ORDER BY q.id DESC LIMIT ")
        .bind(page.limit())
        .push(" OFFSET ")
        .bind(page.offset());
    let rows = sql::fetch_all(conn, q).await?;
    Ok((
        rows.iter().map(question).collect::<StoreResult<_>>()?,
        total,
    ))
}

pub async fn question_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<QuestionRow>> {
    let mut q = Sql::new(QUESTION_COLUMNS);
    q.push(" AND q.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(question)
        .transpose()
}

/// The quizzes of a course's chapters: each chapter's questions in their order.
pub async fn chapter_quizzes(conn: &mut Conn, course: i64) -> StoreResult<Vec<(i64, QuestionRow)>> {
    let mut q = Sql::new(
        "SELECT cq.chapter_id, q.id, q.org_id, o.path AS org_path, q.kind, q.stem, q.options, \
         q.answer_key FROM chapter_questions cq JOIN exam_questions q ON q.id = cq.question_id \
         JOIN orgs o ON o.id = q.org_id JOIN course_chapters ch ON ch.id = cq.chapter_id \
         WHERE ch.course_id = ",
    );
    q.bind(course).push(" ORDER BY cq.chapter_id, cq.position");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| Ok((row.int("chapter_id")?, question(row)?)))
        .collect()
}

/// The questions of one chapter's quiz in their order.
pub async fn chapter_quiz(conn: &mut Conn, chapter: i64) -> StoreResult<Vec<QuestionRow>> {
    let mut q = Sql::new(QUESTION_COLUMNS);
    q.push(" AND q.id IN (SELECT question_id FROM chapter_questions WHERE chapter_id = ")
        .bind(chapter)
        .push(") ORDER BY (SELECT position FROM chapter_questions WHERE chapter_id = ")
        .bind(chapter)
        .push(" AND question_id = q.id)");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(question)
        .collect()
}

/// Adds a question to the end of a chapter's quiz; false when it is there already.
pub async fn add_chapter_question(
    conn: &mut Conn,
    chapter: i64,
    question: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO chapter_questions (chapter_id, question_id, position) VALUES ($1, $2, \
         (SELECT COALESCE(MAX(position), 0) + 1 FROM chapter_questions WHERE chapter_id = $1)) \
         ON CONFLICT (chapter_id, question_id) DO NOTHING",
    )
    .bind(chapter)
    .bind(question)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes a question out of a chapter's quiz; false when it was not in it.
pub async fn remove_chapter_question(
    conn: &mut Conn,
    chapter: i64,
    question: i64,
) -> StoreResult<bool> {
    let done =
        sqlx::query("DELETE FROM chapter_questions WHERE chapter_id = $1 AND question_id = $2")
            .bind(chapter)
            .bind(question)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// The ids of the questions of `kind` an exam at `path` may draw: those of its org and the
/// orgs above it.
pub async fn drawable(
    conn: &mut Conn,
    path: &OrgPath,
    kind: QuestionKind,
) -> StoreResult<Vec<i64>> {
    let mut q = Sql::new(
        "SELECT q.id FROM exam_questions q JOIN orgs o ON o.id = q.org_id WHERE q.kind = ",
    );
    q.bind(kind.code())
        .push(" AND substr(")
        .bind(path.as_str().to_owned())
        .push(", 1, length(o.path)) = o.path ORDER BY q.id");
    sql::fetch_all(conn, q)
        .await?
        .iter()
        .map(|row| row.int("id"))
        .collect()
}

/// An exam, with the org that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub org_path: OrgPath,
    pub title: String,
    pub minutes: i64,
    pub pass_percent: i64,
    pub max_attempts: i64,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub published_on: Option<NaiveDate>,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewExam<'a> {
    pub org_id: i64,
    pub title: &'a str,
    pub minutes: i64,
    pub pass_percent: i64,
    pub max_attempts: i64,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub created_by: &'a str,
}

const EXAM_COLUMNS: &str = "SELECT e.id, e.org_id, o.name AS org_name, o.path AS org_path, e.title, \
     e.minutes, e.pass_percent, e.max_attempts, e.opens_on, e.closes_on, e.published_on, e.version \
     FROM exams e JOIN orgs o ON o.id = e.org_id WHERE 1 = 1";

fn exam(row: &AnyRow) -> StoreResult<ExamRow> {
    Ok(ExamRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        org_name: row.text("org_name")?,
        org_path: row.org_path("org_path")?,
        title: row.text("title")?,
        minutes: row.int("minutes")?,
        pass_percent: row.int("pass_percent")?,
        max_attempts: row.int("max_attempts")?,
        opens_on: row.date("opens_on")?,
        closes_on: row.date("closes_on")?,
        published_on: row.opt_date("published_on")?,
        version: row.int("version")?,
    })
}

pub async fn insert_exam(conn: &mut Conn, e: &NewExam<'_>, now: DateTime<Utc>) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO exams (org_id, title, minutes, pass_percent, max_attempts, opens_on, closes_on, \
         version, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9) RETURNING id",
    )
    .bind(e.org_id)
    .bind(e.title)
    .bind(e.minutes)
    .bind(e.pass_percent)
    .bind(e.max_attempts)
    .bind(date_text(e.opens_on))
    .bind(date_text(e.closes_on))
    .bind(e.created_by)
    .bind(timestamp_text(now))
    .fetch_one(conn)
    .await?
    .int("id")
}

pub async fn exam_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<ExamRow>> {
    let mut q = Sql::new(EXAM_COLUMNS);
    q.push(" AND e.id = ").bind(id);
    sql::fetch_all(conn, q).await?.first().map(exam).transpose()
}

/// The exams an account may see: published at or above `home`, and every exam in `scope`
/// (drafts included); newest first.
pub async fn exams(
    conn: &mut Conn,
    home: Option<&OrgPath>,
    scope: &Scope,
    page: Page,
) -> StoreResult<(Vec<ExamRow>, i64)> {
    let conditions = |q: &mut Sql| push_offered(q, "e.published_on", home, scope);
    let mut count =
        Sql::new("SELECT COUNT(*) AS n FROM exams e JOIN orgs o ON o.id = e.org_id WHERE 1 = 1");
    conditions(&mut count);
    let total = sql::fetch_one(conn, count).await?.int("n")?;
    let mut q = Sql::new(EXAM_COLUMNS);
    conditions(&mut q);
    q.push(" ORDER BY e.opens_on DESC, e.id DESC LIMIT ")
        .bind(page.limit())
        .push(" OFFSET ")
        .bind(page.offset());
    let rows = sql::fetch_all(conn, q).await?;
    Ok((rows.iter().map(exam).collect::<StoreResult<_>>()?, total))
}

/// Raises a draft exam's version if it is still `version`; false otherwise.
pub async fn touch_exam(conn: &mut Conn, id: i64, version: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE exams SET version = version + 1 WHERE id = $1 AND version = $2 AND published_on IS NULL",
    )
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn publish_exam(conn: &mut Conn, id: i64, on: NaiveDate) -> StoreResult<()> {
    sqlx::query("UPDATE exams SET published_on = $1 WHERE id = $2")
        .bind(date_text(on))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A part of an exam's paper: one fixed question, or a rule drawing some of a kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Fixed {
        question_id: i64,
        points: i64,
    },
    Draw {
        kind: QuestionKind,
        count: i64,
        points: i64,
    },
}

pub async fn insert_part(conn: &mut Conn, exam: i64, part: &Part) -> StoreResult<()> {
    let (question, kind, draw, points) = match part {
        Part::Fixed {
            question_id,
            points,
        } => (Some(*question_id), None, None, *points),
        Part::Draw {
            kind,
            count,
            points,
        } => (None, Some(kind.code()), Some(*count), *points),
    };
    sqlx::query(
        "INSERT INTO exam_parts (exam_id, question_id, kind, draw, points) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(exam)
    .bind(question)
    .bind(kind)
    .bind(draw)
    .bind(points)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn parts(conn: &mut Conn, exam: i64) -> StoreResult<Vec<Part>> {
    sqlx::query(
        "SELECT question_id, kind, draw, points FROM exam_parts WHERE exam_id = $1 ORDER BY id",
    )
    .bind(exam)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        let points = row.int("points")?;
        Ok(match row.opt_int("question_id")? {
            Some(question_id) => Part::Fixed {
                question_id,
                points,
            },
            None => Part::Draw {
                kind: row.code("kind", QuestionKind::from_code)?,
                count: row.opt_int("draw")?.unwrap_or(0),
                points,
            },
        })
    })
    .collect()
}

/// A sitting of an exam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SittingRow {
    pub id: i64,
    pub exam_id: i64,
    pub member_id: i64,
    pub member_name: String,
    pub attempt: i64,
    pub started_at: DateTime<Utc>,
    pub deadline_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub score: Option<i64>,
    pub total: i64,
    pub passed: Option<bool>,
}

const SITTING_COLUMNS: &str = "SELECT s.id, s.exam_id, s.member_id, m.name AS member_name, s.attempt, \
     s.started_at, s.deadline_at, s.submitted_at, s.score, s.total, s.passed \
     FROM exam_sittings s JOIN members m ON m.id = s.member_id WHERE 1 = 1";

fn sitting(row: &AnyRow) -> StoreResult<SittingRow> {
    Ok(SittingRow {
        id: row.int("id")?,
        exam_id: row.int("exam_id")?,
        member_id: row.int("member_id")?,
        member_name: row.text("member_name")?,
        attempt: row.int("attempt")?,
        started_at: row.timestamp("started_at")?,
        deadline_at: row.timestamp("deadline_at")?,
        submitted_at: row.opt_timestamp("submitted_at")?,
        score: row.opt_int("score")?,
        total: row.int("total")?,
        passed: row.opt_int("passed")?.map(|p| p == 1),
    })
}

/// A question of a sitting's paper as shown, with the answer saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaperRow {
    pub position: i64,
    pub question_id: i64,
    pub points: i64,
    /// The original positions of the options, in the order shown.
    pub shown: Vec<usize>,
    pub given: Option<String>,
    pub correct: Option<bool>,
}

/// Starts a sitting with its paper (each question with its points and the options' order).
pub async fn insert_sitting(
    conn: &mut Conn,
    exam: i64,
    member: i64,
    attempt: i64,
    started_at: DateTime<Utc>,
    deadline_at: DateTime<Utc>,
    paper: &[(i64, i64, Vec<usize>)],
) -> StoreResult<i64> {
    let total: i64 = paper.iter().map(|(_, points, _)| points).sum();
    let id = sqlx::query(
        "INSERT INTO exam_sittings (exam_id, member_id, attempt, started_at, deadline_at, total) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(exam)
    .bind(member)
    .bind(attempt)
    .bind(timestamp_text(started_at))
    .bind(timestamp_text(deadline_at))
    .bind(total)
    .fetch_one(&mut *conn)
    .await?
    .int("id")?;
    for (position, (question, points, shown)) in paper.iter().enumerate() {
        let shown: Vec<String> = shown.iter().map(ToString::to_string).collect();
        sqlx::query(
            "INSERT INTO exam_answers (sitting_id, position, question_id, points, shown) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(position as i64 + 1)
        .bind(*question)
        .bind(*points)
        .bind(shown.join(","))
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

pub async fn sitting_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<SittingRow>> {
    let mut q = Sql::new(SITTING_COLUMNS);
    q.push(" AND s.id = ").bind(id);
    sql::fetch_all(conn, q)
        .await?
        .first()
        .map(sitting)
        .transpose()
}

/// A member's sittings of an exam, first first.
pub async fn sittings_of(conn: &mut Conn, exam: i64, member: i64) -> StoreResult<Vec<SittingRow>> {
    let mut q = Sql::new(SITTING_COLUMNS);
    q.push(" AND s.exam_id = ")
        .bind(exam)
        .push(" AND s.member_id = ")
        .bind(member)
        .push(" ORDER BY s.attempt");
    sql::fetch_all(conn, q).await?.iter().map(sitting).collect()
}

/// Every sitting of an exam, by member and attempt.
pub async fn sittings(conn: &mut Conn, exam: i64) -> StoreResult<Vec<SittingRow>> {
    let mut q = Sql::new(SITTING_COLUMNS);
    q.push(" AND s.exam_id = ")
        .bind(exam)
        .push(" ORDER BY m.name, s.member_id, s.attempt");
    sql::fetch_all(conn, q).await?.iter().map(sitting).collect()
}

pub async fn paper(conn: &mut Conn, sitting: i64) -> StoreResult<Vec<PaperRow>> {
    sqlx::query(
        "SELECT position, question_id, points, shown, given, correct FROM exam_answers \
         WHERE sitting_id = $1 ORDER BY position",
    )
    .bind(sitting)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok(PaperRow {
            position: row.int("position")?,
            question_id: row.int("question_id")?,
            points: row.int("points")?,
            shown: row
                .text("shown")?
                .split(',')
                .filter_map(|s| s.parse().ok())
                .collect(),
            given: row.opt_text("given")?,
            correct: row.opt_int("correct")?.map(|c| c == 1),
        })
    })
    .collect()
}

/// Saves the answer at `position` of an open sitting.
pub async fn save_answer(
    conn: &mut Conn,
    sitting: i64,
    position: i64,
    given: &str,
) -> StoreResult<()> {
    sqlx::query("UPDATE exam_answers SET given = $1 WHERE sitting_id = $2 AND position = $3")
        .bind(given)
        .bind(sitting)
        .bind(position)
        .execute(conn)
        .await?;
    Ok(())
}

/// Grades a sitting: each answer right or not, the score, whether it passed, when handed in.
/// False when it had been graded already.
pub async fn grade(
    conn: &mut Conn,
    sitting: i64,
    marks: &[(i64, bool)],
    score: i64,
    passed: bool,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE exam_sittings SET submitted_at = $1, score = $2, passed = $3 WHERE id = $4 AND submitted_at IS NULL",
    )
    .bind(timestamp_text(at))
    .bind(score)
    .bind(i64::from(passed))
    .bind(sitting)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    for (position, right) in marks {
        sqlx::query("UPDATE exam_answers SET correct = $1 WHERE sitting_id = $2 AND position = $3")
            .bind(i64::from(*right))
            .bind(sitting)
            .bind(*position)
            .execute(&mut *conn)
            .await?;
    }
    Ok(true)
}

/// Per question of an exam: how many graded answers, how many right.
pub async fn question_results(
    conn: &mut Conn,
    exam: i64,
) -> StoreResult<Vec<(i64, String, i64, i64)>> {
    sqlx::query(
        "SELECT a.question_id, q.stem, COUNT(*) AS answered, \
         CAST(SUM(CASE WHEN a.correct = 1 THEN 1 ELSE 0 END) AS BIGINT) AS right_ones \
         FROM exam_answers a JOIN exam_sittings s ON s.id = a.sitting_id \
         JOIN exam_questions q ON q.id = a.question_id \
         WHERE s.exam_id = $1 AND s.submitted_at IS NOT NULL \
         GROUP BY a.question_id, q.stem ORDER BY a.question_id",
    )
    .bind(exam)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok((
            row.int("question_id")?,
            row.text("stem")?,
            row.int("answered")?,
            row.int("right_ones")?,
        ))
    })
    .collect()
}
