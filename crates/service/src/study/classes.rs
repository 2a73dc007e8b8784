//! Training classes (专题培训班, issue 15, 4): an org in scope runs a class with sessions,
//! enrols members from its roster, takes attendance per session and closes the class, those
//! who attended enough completing it with a certificate number.

use std::collections::HashSet;

use dangjian_core::field::FieldErrors;
use dangjian_core::member::{MemberRef, MemberStatus};
use dangjian_core::org::Code;
use dangjian_core::role::Permission;
use dangjian_core::study::{Hours, check_class_dates};
use dangjian_store::study::{self as store, NewClass};
use dangjian_store::{Conn, Page, orgs};
use serde_json::json;

use super::{
    AttendanceForm, ClassDetail, ClassForm, ClassRow, ClassSessionForm, CloseClassForm, EnrolForm,
    MAX_ENROL, SHORT, STALE, any_day, past_day, record_attendance, settle_class,
};
use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::orglife::{optional, required, year_range};
use crate::rectification::invalid;
use crate::scope::{NO_SUCH_MEMBER, UNKNOWN_ORG, member_by_ref};

impl Services {
    /// Opens a training class run by an org in scope; returns its id.
    pub async fn create_class(
        &self,
        actor: &Actor,
        org_id: i64,
        form: &ClassForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordStudy, "training.create")
            .await?;
        let org = self.load_org(actor, org_id, "training.create").await?;
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let title = required(&form.title, "培训班名称", SHORT, "title", &mut e);
        let organiser = required(&form.organiser, "主办单位", SHORT, "organiser", &mut e);
        let place = optional(&form.place, "培训地点", SHORT, "place", &mut e).unwrap_or_default();
        let starts = any_day(&form.starts_on, "starts_on", &mut e);
        let ends = any_day(&form.ends_on, "ends_on", &mut e);
        if let (Some(s), Some(t)) = (starts, ends)
            && let Err(message) = check_class_dates(s, t)
        {
            e.add("ends_on", message);
        }
        if org.dissolved_on.is_some() {
            e.add("title", "该组织已撤销");
        }
        invalid(e)?;
        let (Some(starts_on), Some(ends_on)) = (starts, ends) else {
            return Err(ServiceError::invalid("starts_on", "请填写日期"));
        };
        let mut tx = self.db().write().await?;
        let id = store::insert_class(
            &mut tx,
            &NewClass {
                org_id: org.id,
                title: &title,
                organiser: &organiser,
                place: &place,
                starts_on,
                ends_on,
                concentrated: form.concentrated,
                created_by: &actor.login,
            },
            now,
        )
        .await?;
        let event = Event::new("training.create")
            .object("training", id)
            .detail(json!({
                "org": org.id, "title": title, "starts_on": starts_on.to_string(),
                "ends_on": ends_on.to_string(), "concentrated": form.concentrated,
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn class_in_scope(
        &self,
        actor: &Actor,
        id: i64,
        event: &'static str,
    ) -> ServiceResult<ClassRow> {
        let mut tx = self.db().read().await?;
        let row = store::class_by_id(&mut tx, id).await?;
        tx.commit().await?;
        match row {
            Some(c) if actor.scope.covers_org(&c.org_path) => Ok(c),
            Some(_) => Err(self.out_of_scope(actor, event, "training", id).await),
            None => Err(ServiceError::NotFound),
        }
    }

    /// Checks a change to an open class at the version the actor saw, inside `conn`.
    async fn open_class(conn: &mut Conn, class: &ClassRow, version: i64) -> ServiceResult<()> {
        if class.closed_on.is_some() {
            return Err(ServiceError::invalid("version", "培训班已结业，不能再修改"));
        }
        if !store::touch_class(conn, class.id, version).await? {
            return Err(ServiceError::conflict("version", STALE));
        }
        Ok(())
    }

    /// Adds a session (课次) to an open class, on a day of the class.
    pub async fn add_class_session(
        &self,
        actor: &Actor,
        id: i64,
        form: &ClassSessionForm,
    ) -> ServiceResult<i64> {
        self.require(actor, Permission::RecordStudy, "training.session")
            .await?;
        let class = self.class_in_scope(actor, id, "training.session").await?;
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let held_on = any_day(&form.held_on, "held_on", &mut e);
        if let Some(d) = held_on
            && (d < class.starts_on || d > class.ends_on)
        {
            e.add(
                "held_on",
                format!(
                    "课次日期须在培训班期间（{} 至 {}）",
                    class.starts_on, class.ends_on
                ),
            );
        }
        let topic = required(&form.topic, "课程内容", SHORT * 2, "topic", &mut e);
        let lecturer = required(&form.lecturer, "授课人", SHORT, "lecturer", &mut e);
        let max = Hours::from_rule(
            self.rule_book()
                .on(class.starts_on)
                .training
                .credit
                .session_max_hours,
        );
        let hours = match Hours::parse(&form.hours, max) {
            Ok(h) => Some(h),
            Err(message) => {
                e.add("hours", message);
                None
            }
        };
        invalid(e)?;
        let (Some(held_on), Some(hours)) = (held_on, hours) else {
            return Err(ServiceError::invalid("hours", "请填写学时"));
        };
        let mut tx = self.db().write().await?;
        Self::open_class(&mut tx, &class, form.version).await?;
        let session =
            store::insert_class_session(&mut tx, id, held_on, &topic, &lecturer, hours).await?;
        let event = Event::new("training.session")
            .object("training", id)
            .detail(json!({ "session": session, "held_on": held_on.to_string(), "hours": hours.to_string() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// Enrols members from the roster: named one by one, or an org's members or leaders (with
    /// the orgs below). Only members in the actor's scope; those already enrolled stay.
    /// Returns how many were added.
    pub async fn enrol(&self, actor: &Actor, id: i64, form: &EnrolForm) -> ServiceResult<u64> {
        self.require(actor, Permission::RecordStudy, "training.enrol")
            .await?;
        let class = self.class_in_scope(actor, id, "training.enrol").await?;
        let named = form.members.trim();
        let code = form.org.trim();
        if !code.is_empty() {
            self.check_org_code(actor, code, "org", "training.enrol")
                .await?;
        }
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let mut tx = self.db().write().await?;
        let mut chosen: Vec<i64> = Vec::new();
        if named.is_empty() && code.is_empty() {
            e.add("members", "请填写党员警号或党员编号，或选择一个组织");
        }
        for raw in named
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
            .filter(|s| !s.is_empty())
        {
            let found = match MemberRef::parse(raw) {
                Ok(r) => member_by_ref(&mut tx, &r)
                    .await?
                    .filter(|m| actor.scope.covers_member(m.id, &m.branch_path))
                    .filter(|m| m.status == MemberStatus::Active),
                Err(_) => None,
            };
            match found {
                Some(m) => chosen.push(m.id),
                None => {
                    e.add("members", format!("{raw}：{NO_SUCH_MEMBER}"));
                    break;
                }
            }
        }
        if !code.is_empty() {
            let org = match Code::parse(code) {
                Ok(c) => orgs::by_code(&mut tx, c.as_str())
                    .await?
                    .filter(|o| actor.scope.covers_org(&o.path)),
                Err(_) => None,
            };
            let leaders_only = match form.whom.trim() {
                "" | "all" => false,
                "leaders" => true,
                _ => {
                    e.add("whom", "请选择全体党员或书记和委员");
                    false
                }
            };
            match org {
                Some(org) if leaders_only => chosen.extend(
                    store::leaders_under(&mut tx, &org.path)
                        .await?
                        .iter()
                        .map(|l| l.member_id),
                ),
                Some(org) => chosen.extend(
                    store::roll_under(&mut tx, &org.path, None)
                        .await?
                        .iter()
                        .map(|r| r.member_id),
                ),
                None => e.add("org", UNKNOWN_ORG),
            }
        }
        let mut seen = HashSet::new();
        chosen.retain(|m| seen.insert(*m));
        if chosen.len() > MAX_ENROL {
            e.add(
                "org",
                format!("一次最多报名{MAX_ENROL}人，请按组织分批报名"),
            );
        }
        invalid(e)?;
        Self::open_class(&mut tx, &class, form.version).await?;
        let added = store::enrol(&mut tx, id, &chosen, &actor.login).await?;
        let event = Event::new("training.enrol")
            .object("training", id)
            .detail(json!({ "added": added, "org": (!code.is_empty()).then_some(code), "whom": form.whom.trim() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Takes (or corrects) a session's attendance and credits its hours to those present.
    pub async fn take_attendance(
        &self,
        actor: &Actor,
        id: i64,
        session: i64,
        form: &AttendanceForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::RecordStudy, "training.attendance")
            .await?;
        let class = self
            .class_in_scope(actor, id, "training.attendance")
            .await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let sessions = store::class_sessions(&mut tx, id).await?;
        let Some(s) = sessions.iter().find(|s| s.id == session) else {
            return Err(ServiceError::NotFound);
        };
        if s.held_on > today {
            return Err(ServiceError::invalid(
                "present",
                "课次尚未举行，不能登记出勤",
            ));
        }
        let enrolled: Vec<i64> = store::enrolments(&mut tx, id)
            .await?
            .iter()
            .map(|e| e.member_id)
            .collect();
        if let Some(stranger) = form.present.iter().find(|m| !enrolled.contains(m)) {
            return Err(ServiceError::invalid(
                "present",
                format!("党员（编号{stranger}）未报名本培训班"),
            ));
        }
        Self::open_class(&mut tx, &class, form.version).await?;
        let present = record_attendance(&mut tx, id, s, &enrolled, &form.present).await?;
        let event = Event::new("training.attendance")
            .object("training", id)
            .detail(json!({
                "session": session, "present": present, "enrolled": enrolled.len(),
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes a class: each enrolee completes it (结业) when they attended the rules' share of
    /// its hours, and is given a certificate number; the class is then final.
    pub async fn close_class(
        &self,
        actor: &Actor,
        id: i64,
        form: &CloseClassForm,
    ) -> ServiceResult<usize> {
        self.require(actor, Permission::RecordStudy, "training.close")
            .await?;
        let class = self.class_in_scope(actor, id, "training.close").await?;
        let today = self.clock().today();
        let now = self.clock().now();
        let mut e = FieldErrors::new();
        let closed_on = past_day(&form.closed_on, today, "closed_on", &mut e);
        let mut tx = self.db().write().await?;
        let sessions = store::class_sessions(&mut tx, id).await?;
        if sessions.is_empty() {
            e.add("closed_on", "培训班还没有课次，不能结业");
        } else if let Some(s) = sessions.iter().find(|s| !s.attendance_taken) {
            e.add(
                "closed_on",
                format!("{}的课次“{}”尚未登记出勤", s.held_on, s.topic),
            );
        }
        if let Some(last) = sessions.iter().map(|s| s.held_on).max()
            && closed_on < last
        {
            e.add("closed_on", format!("结业日期不能早于最后一次课（{last}）"));
        }
        invalid(e)?;
        Self::open_class(&mut tx, &class, form.version).await?;
        let credit = self.rule_book().on(class.starts_on).training.credit.clone();
        let completed = settle_class(&mut tx, &class, closed_on, &credit).await?;
        let event = Event::new("training.close")
            .object("training", id)
            .detail(json!({ "closed_on": closed_on.to_string(), "completed": completed }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(completed)
    }

    /// A class in scope with its sessions and enrolment.
    pub async fn class(&self, actor: &Actor, id: i64) -> ServiceResult<ClassDetail> {
        self.require(actor, Permission::ReadStudy, "training.view")
            .await?;
        let class = self.class_in_scope(actor, id, "training.view").await?;
        let mut tx = self.db().read().await?;
        let sessions = store::class_sessions(&mut tx, id).await?;
        let enrolments = store::enrolments(&mut tx, id).await?;
        tx.commit().await?;
        Ok(ClassDetail {
            total: sessions.iter().map(|s| s.hours).sum(),
            can_change: class.closed_on.is_none() && actor.permits(Permission::RecordStudy),
            class,
            sessions,
            enrolments,
        })
    }

    /// Who attended each session of a class whose attendance was taken.
    pub async fn class_attendance(
        &self,
        actor: &Actor,
        id: i64,
    ) -> ServiceResult<Vec<(i64, Vec<i64>)>> {
        self.require(actor, Permission::ReadStudy, "training.view")
            .await?;
        self.class_in_scope(actor, id, "training.view").await?;
        let mut tx = self.db().read().await?;
        let mut out = Vec::new();
        for s in store::class_sessions(&mut tx, id).await? {
            if s.attendance_taken {
                out.push((s.id, store::present_at(&mut tx, s.id).await?));
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// One page of the classes in scope running in a year.
    pub async fn classes(
        &self,
        actor: &Actor,
        year: i32,
        page: Page,
    ) -> ServiceResult<(Vec<ClassRow>, i64)> {
        self.require(actor, Permission::ReadStudy, "training.list")
            .await?;
        let (from, to) = year_range(year)?;
        let mut tx = self.db().read().await?;
        let found = store::classes(&mut tx, &actor.scope, from, to, page).await?;
        tx.commit().await?;
        Ok(found)
    }
}
