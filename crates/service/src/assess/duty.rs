//! 书记抓党建述职评议 (issue 19, 3): the org above records the review session of an org's
//! secretary for a year — who chaired it and what they said, the 民主测评 counted from the
//! forms — then each reviewer's grade and comment, and the overall grade (好/较好/一般/差)
//! that the org page then shows. The report itself is the duty-report pack built from the
//! records (`/orgs/{id}/duty-report`).

use chrono::{Datelike, NaiveDate};
use dangjian_core::assess::{DutyGrade, DutyRatings, check_duty_grade, check_duty_ratings};
use dangjian_core::field::FieldErrors;
use dangjian_core::org::{Code, Post};
use dangjian_core::role::Permission;
use dangjian_store::assess::{self as store, DutyCommentRow, DutyReviewRow, NewDutyReview};
use dangjian_store::history::posts;
use dangjian_store::orgs;
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::care::day_or_today;
use crate::error::{ServiceError, ServiceResult};
use crate::orglife::{optional_long, required, required_long};
use crate::rectification::invalid;
use crate::scope::{UNKNOWN_ORG, above_path};

const SHORT: usize = 100;
const LONG: usize = 5000;
const STALE: &str = "该述职评议已被他人修改，请刷新后重试";

/// A review session as typed; counts as text, checked here.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DutyReviewForm {
    /// The code of the org whose secretary reported.
    pub org: String,
    pub year: String,
    pub held_on: String,
    /// The leader who chaired it for the org above, and their comment (点评).
    pub chaired_by: String,
    pub leader_comment: String,
    pub attendees: String,
    pub good: String,
    pub fairly_good: String,
    pub average: String,
    pub poor: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommentForm {
    pub reviewer: String,
    pub grade: String,
    pub comment: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DutyGradeForm {
    pub version: i64,
    pub grade: String,
    pub graded_on: String,
    pub note: String,
}

/// A review with its reviewers' comments.
#[derive(Debug, Clone)]
pub struct DutyReviewView {
    pub review: DutyReviewRow,
    pub comments: Vec<DutyCommentRow>,
    /// The actor is above the org: may add comments and the grade.
    pub may_review: bool,
}

/// Votes as counted from the forms; a blank is none.
fn count(raw: &str, field: &'static str, e: &mut FieldErrors) -> u32 {
    if raw.trim().is_empty() {
        return 0;
    }
    super::parse_count(raw, field, "票数", e)
}

fn grade(raw: &str, e: &mut FieldErrors) -> Option<DutyGrade> {
    let g = DutyGrade::from_code(raw.trim());
    if g.is_none() {
        e.add("grade", "请选择好、较好、一般或差");
    }
    g
}

impl Services {
    /// Records the review session of an org's secretary by the org above; returns its id.
    pub async fn record_duty_review(
        &self,
        actor: &Actor,
        form: &DutyReviewForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::ReviewMembers, "duty_review.record")
            .await?;
        self.check_org_code(actor, form.org.trim(), "org", "duty_review.record")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let year = match form.year.trim().parse::<i32>() {
            Ok(y) if y == today.year() || y == today.year() - 1 => y,
            Ok(_) => {
                e.add(
                    "year",
                    format!(
                        "只能登记{}年或{}年的述职评议",
                        today.year() - 1,
                        today.year()
                    ),
                );
                today.year()
            }
            Err(_) => {
                e.add("year", "请填写年度，如 2026");
                today.year()
            }
        };
        let held_on = day_or_today(&form.held_on, today, "held_on", &mut e);
        if held_on.year() < year {
            e.add("held_on", format!("述职评议不能早于{year}年"));
        }
        let chaired_by = required(
            &form.chaired_by,
            "主持点评的领导",
            SHORT,
            "chaired_by",
            &mut e,
        );
        let leader_comment = required_long(
            &form.leader_comment,
            "上级领导点评",
            LONG,
            "leader_comment",
            &mut e,
        );
        let ratings = DutyRatings {
            attendees: count(&form.attendees, "attendees", &mut e),
            good: count(&form.good, "good", &mut e),
            fairly_good: count(&form.fairly_good, "fairly_good", &mut e),
            average: count(&form.average, "average", &mut e),
            poor: count(&form.poor, "poor", &mut e),
        };
        if e.is_empty()
            && let Err((field, message)) = check_duty_ratings(&ratings)
        {
            e.add(field, message);
        }
        let mut tx = self.db().write().await?;
        let org = match Code::parse(form.org.trim()) {
            Ok(code) => orgs::by_code(&mut tx, code.as_str())
                .await?
                .filter(|o| actor.scope.covers_org(&o.path)),
            Err(_) => None,
        };
        match &org {
            None => e.add("org", UNKNOWN_ORG),
            Some(o) if !above_path(&actor.scope, o.id, &o.path) => {
                e.add("org", "书记抓党建述职由上级党组织评议");
            }
            Some(_) => {}
        }
        invalid(e)?;
        let Some(org) = org else {
            return Err(ServiceError::invalid("org", UNKNOWN_ORG));
        };
        let secretary = posts::current(&mut tx, org.id, Post::Secretary.code())
            .await?
            .map(|(member, _)| member);
        let new = NewDutyReview {
            org_id: org.id,
            year,
            secretary_id: secretary,
            held_on,
            chaired_by: &chaired_by,
            leader_comment: &leader_comment,
            ratings,
            by: &actor.login,
        };
        let Some(id) = store::insert_duty_review(&mut tx, &new, now).await? else {
            return Err(ServiceError::invalid(
                "year",
                format!("{}已登记{year}年度的述职评议", org.name),
            ));
        };
        let event = Event::new("duty_review.record")
            .object("duty_review", id)
            .detail(json!({ "org": org.id, "year": year, "secretary": secretary }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The reviews of the orgs in scope (of one year, or all).
    pub async fn duty_reviews(
        &self,
        actor: &Actor,
        year: Option<i32>,
    ) -> ServiceResult<Vec<DutyReviewRow>> {
        self.require(actor, Permission::ReviewMembers, "duty_review.list")
            .await?;
        let mut tx = self.db().read().await?;
        let found = store::duty_reviews(&mut tx, &actor.scope, year).await?;
        tx.commit().await?;
        Ok(found)
    }

    async fn duty_review_for(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<DutyReviewRow> {
        let mut tx = self.db().read().await?;
        let row = store::duty_review_by_id(&mut tx, id).await?;
        tx.commit().await?;
        match row {
            Some(r) if actor.scope.covers_org(&r.org_path) => Ok(r),
            Some(_) => Err(self.out_of_scope(actor, event, "duty_review", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// A review in scope with its comments.
    pub async fn duty_review(&self, actor: &Actor, id: i64) -> ServiceResult<DutyReviewView> {
        self.require(actor, Permission::ReviewMembers, "duty_review.view")
            .await?;
        let review = self.duty_review_for(actor, id, "duty_review.view").await?;
        let mut tx = self.db().read().await?;
        let comments = store::duty_comments(&mut tx, id).await?;
        tx.commit().await?;
        Ok(DutyReviewView {
            may_review: above_path(&actor.scope, review.org_id, &review.org_path),
            review,
            comments,
        })
    }

    /// The review of `id` when the actor is above its org (else refused at `field`).
    async fn duty_review_from_above(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
        field: &'static str,
    ) -> ServiceResult<DutyReviewRow> {
        self.require(actor, Permission::ReviewMembers, event)
            .await?;
        let review = self.duty_review_for(actor, id, event).await?;
        if !above_path(&actor.scope, review.org_id, &review.org_path) {
            return Err(ServiceError::invalid(
                field,
                "书记抓党建述职由上级党组织评议",
            ));
        }
        Ok(review)
    }

    /// Adds a reviewer's grade and comment to a review not yet graded.
    pub async fn comment_duty_review(
        &self,
        actor: &Actor,
        id: i64,
        form: &CommentForm,
    ) -> ServiceResult<()> {
        let review = self
            .duty_review_from_above(actor, id, "duty_review.comment", "reviewer")
            .await?;
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        if review.grade.is_some() {
            e.add("reviewer", "已作出综合评价，不能再添加评议意见");
        }
        let reviewer = required(&form.reviewer, "评议人", SHORT, "reviewer", &mut e);
        let g = grade(&form.grade, &mut e);
        let comment = required_long(&form.comment, "评议意见", LONG, "comment", &mut e);
        invalid(e)?;
        let Some(g) = g else {
            return Err(ServiceError::invalid("grade", "请选择好、较好、一般或差"));
        };
        let mut tx = self.db().write().await?;
        let row = DutyCommentRow {
            reviewer,
            grade: g,
            comment,
        };
        store::insert_duty_comment(&mut tx, id, &row, &actor.login, now).await?;
        let event = Event::new("duty_review.comment")
            .object("duty_review", id)
            .detail(json!({ "grade": g.code() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the overall grade (综合评价) of a review, once.
    pub async fn grade_duty_review(
        &self,
        actor: &Actor,
        id: i64,
        form: &DutyGradeForm,
    ) -> ServiceResult<()> {
        let review = self
            .duty_review_from_above(actor, id, "duty_review.grade", "grade")
            .await?;
        if review.grade.is_some() || review.version != form.version {
            return Err(ServiceError::conflict("version", STALE));
        }
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let g = grade(&form.grade, &mut e);
        let on = day_or_today(&form.graded_on, today, "graded_on", &mut e);
        if on < review.held_on {
            e.add(
                "graded_on",
                format!("不能早于述职评议日期（{}）", review.held_on),
            );
        }
        let note = optional_long(&form.note, "主要问题和整改要求", LONG, "note", &mut e)
            .unwrap_or_default();
        if let Some(g) = g
            && let Err((field, message)) = check_duty_grade(g, &note)
        {
            e.add(field, message);
        }
        invalid(e)?;
        let Some(g) = g else {
            return Err(ServiceError::invalid("grade", "请选择好、较好、一般或差"));
        };
        let mut tx = self.db().write().await?;
        if !store::grade_duty_review(&mut tx, id, form.version, g, on, &note).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        let event = Event::new("duty_review.grade")
            .object("duty_review", id)
            .detail(json!({ "grade": g.code(), "on": on.to_string() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest overall grade of an org's secretary (the org page's 最近考核等次), for
    /// anyone who may read the org.
    pub async fn latest_duty_grade(
        &self,
        actor: &Actor,
        org_id: i64,
    ) -> ServiceResult<Option<(i32, DutyGrade, NaiveDate)>> {
        self.require(actor, Permission::ReadOrgs, "org.view")
            .await?;
        self.load_org(actor, org_id, "org.view").await?;
        let mut tx = self.db().read().await?;
        let latest = store::latest_duty_grade(&mut tx, org_id).await?;
        tx.commit().await?;
        Ok(latest.and_then(|r| Some((r.year, r.grade?, r.graded_on?))))
    }
}
