//! Elections and terms (换届), and the secretary's qualification record: party age, training,
//! appraisal, and the upper committee's assessment of political quality, professional
//! ability and standing among colleagues.

use chrono::NaiveDate;
use dangjian_core::member::{parse_date, party_age};
use dangjian_core::org::{OrgKind, Post};
use dangjian_core::role::{Permission, Scope};
use dangjian_core::term::{
    Rating, TermStatus, Timing, check_extension, election_timing, term_end, term_status,
};
use dangjian_core::text;
use dangjian_store::history::posts;
use dangjian_store::members;
use dangjian_store::terms::{self, AssessmentRow, NewAssessment, NewTerm, TermRow};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::scope::visible_org;

pub use dangjian_store::terms::{AssessmentRow as Assessment, TermRow as Term};

/// The election form: the date of the election and a note (the approval document, say).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ElectionForm {
    pub elected_on: String,
    pub note: String,
}

/// The extension form (延期换届): the new end and the upper committee's approval.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExtensionForm {
    pub until: String,
    pub approval: String,
}

/// The assessment form of the upper committee.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssessmentForm {
    pub assessed_on: String,
    pub political_quality: String,
    pub professional_ability: String,
    pub standing: String,
    pub remark: String,
}

/// An org's place in the election calendar.
#[derive(Debug, Clone)]
pub struct TermOverview {
    pub org_id: i64,
    pub name: String,
    pub code: String,
    pub kind: OrgKind,
    pub elected_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub status: TermStatus,
}

/// The secretary's qualification record. Training and appraisal come from the study and
/// assessment records; until those exist the page says so rather than showing zero.
#[derive(Debug, Clone)]
pub struct Qualification {
    pub member_id: i64,
    pub name: String,
    pub party_age: Option<i32>,
    pub assessment: Option<AssessmentRow>,
}

/// An org's terms, current status and secretary qualification, for its detail page.
#[derive(Debug, Clone)]
pub struct OrgTerms {
    pub terms: Vec<TermRow>,
    pub status: TermStatus,
    pub term_years: u32,
    pub qualification: Option<Qualification>,
    /// Whether the actor may record an election (the org's own officers or those above).
    pub can_record: bool,
    /// Whether the actor may assess the secretary: only from above the org.
    pub can_assess: bool,
}

fn date_field(raw: &str, today: NaiveDate, field: &'static str) -> ServiceResult<NaiveDate> {
    let on = match raw.trim() {
        "" => today,
        raw => parse_date(raw).map_err(|e| ServiceError::invalid(field, e.to_string()))?,
    };
    if on > today {
        return Err(ServiceError::invalid(field, "日期不能晚于今天"));
    }
    Ok(on)
}

/// Whether the actor's scope lies above the org (so that no one assesses their own org).
fn above(scope: &Scope, org_id: i64, parent: Option<i64>) -> bool {
    match scope {
        Scope::Everything => true,
        Scope::Subtree { org_id: top, .. } => *top != org_id && parent.is_some(),
        _ => false,
    }
}

impl Services {
    /// The election record of an org, for its detail page.
    pub async fn org_terms(&self, actor: &Actor, id: i64) -> ServiceResult<OrgTerms> {
        self.require(actor, Permission::ReadOrgs, "org.view")
            .await?;
        let org = self.load_org(actor, id, "org.view").await?;
        let today = self.clock().today();
        let mut tx = self.db().read().await?;
        let list = terms::terms_of(&mut tx, org.id).await?;
        let qualification = match posts::current(&mut tx, org.id, Post::Secretary.code()).await? {
            Some((member_id, _)) => {
                let member = members::get(&mut tx, member_id).await?;
                let assessment = terms::latest_assessment(&mut tx, org.id, member_id).await?;
                member.map(|m| Qualification {
                    member_id,
                    name: m.name,
                    party_age: party_age(m.full_membership_on, today),
                    assessment,
                })
            }
            None => None,
        };
        tx.commit().await?;
        let rules = self.rules();
        let writable = actor.permits(Permission::WriteOrgs) && org.dissolved_on.is_none();
        Ok(OrgTerms {
            status: term_status(
                list.first().map(TermRow::end),
                today,
                rules.terms.reminder_before_expiry_months,
            ),
            term_years: rules.term_years(org.kind),
            terms: list,
            can_record: writable && org.kind != OrgKind::Group,
            can_assess: writable
                && qualification.is_some()
                && above(&actor.scope, org.id, org.parent_id),
            qualification,
        })
    }

    /// Records an election: a new term from that day, of the length the rules give the kind.
    pub async fn record_election(
        &self,
        actor: &Actor,
        id: i64,
        form: &ElectionForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::WriteOrgs, "org.election")
            .await?;
        self.load_org(actor, id, "org.election").await?;
        let today = self.clock().today();
        let elected_on = date_field(&form.elected_on, today, "elected_on")?;
        let note = text::optional(&form.note, "备注", 200)
            .map_err(|e| ServiceError::invalid("note", e.to_string()))?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let org = visible_org(&mut tx, actor, id).await?;
        if org.dissolved_on.is_some() || org.kind == OrgKind::Group {
            return Err(ServiceError::invalid("elected_on", "该组织不办理换届"));
        }
        if elected_on < org.founded_on {
            return Err(ServiceError::invalid(
                "elected_on",
                "选举日期不能早于组织成立日期",
            ));
        }
        if let Some(last) = terms::terms_of(&mut tx, org.id).await?.first() {
            if elected_on <= last.elected_on {
                return Err(ServiceError::invalid(
                    "elected_on",
                    format!("上次换届在{}，选举日期应更晚", last.elected_on),
                ));
            }
            // R8.2: an election well before the end is held early, with approval, by at most
            // the rules' years, as they stood on the day of the election.
            let book = self.rule_book();
            let t = &book.on(elected_on).terms;
            let max = t.max_extension_or_advance_years;
            match election_timing(last.end(), elected_on, t.reminder_before_expiry_months, max) {
                Timing::Due => {}
                Timing::Early if note.is_some() => {}
                Timing::Early => {
                    return Err(ServiceError::invalid(
                        "note",
                        format!(
                            "任期至{}，提前换届须经上级党组织批准，请填写批准文号",
                            last.end()
                        ),
                    ));
                }
                Timing::TooEarly => {
                    return Err(ServiceError::invalid(
                        "elected_on",
                        format!("任期至{}，提前换届一般不超过{max}年", last.end()),
                    ));
                }
            }
        }
        // The term the rules of the election day give.
        let years = self.rule_book().on(elected_on).term_years(org.kind);
        let ends_on = term_end(elected_on, years);
        let term = NewTerm {
            org: org.id,
            elected_on,
            years,
            ends_on,
            note: note.as_deref(),
            recorded_by: &actor.login,
        };
        let term_id = terms::insert_term(&mut tx, &term, now).await?;
        let event = Event::new("org.election").object("org", org.id).detail(json!({
            "term": term_id, "elected_on": elected_on.to_string(), "ends_on": ends_on.to_string(),
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Extends the current term (延期换届) with the upper committee's approval, by at most
    /// the rules' years past its end as elected (R8.2).
    pub async fn extend_term(
        &self,
        actor: &Actor,
        id: i64,
        form: &ExtensionForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::WriteOrgs, "org.term_extend")
            .await?;
        self.load_org(actor, id, "org.term_extend").await?;
        let until = parse_date(form.until.trim())
            .map_err(|e| ServiceError::invalid("until", e.to_string()))?;
        let approval = text::required(&form.approval, "上级党组织批准文号", 200)
            .map_err(|e| ServiceError::invalid("approval", e.to_string()))?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let org = visible_org(&mut tx, actor, id).await?;
        if org.dissolved_on.is_some() || org.kind == OrgKind::Group {
            return Err(ServiceError::invalid("until", "该组织不办理换届"));
        }
        let term = terms::terms_of(&mut tx, org.id)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::invalid("until", "没有换届记录，无法延期"))?;
        check_extension(
            term.ends_on,
            until,
            self.rule_book()
                .on(term.ends_on)
                .terms
                .max_extension_or_advance_years,
        )
        .map_err(|m| ServiceError::invalid("until", m))?;
        terms::extend(&mut tx, term.id, until, &approval).await?;
        let event = Event::new("org.term_extend")
            .object("org", org.id)
            .detail(json!({
                "term": term.id, "ends_on": term.ends_on.to_string(), "until": until.to_string(),
                "approval": approval,
            }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every org in scope that elects a committee, with its term status, overdue first.
    pub async fn reelections(&self, actor: &Actor) -> ServiceResult<Vec<TermOverview>> {
        self.require(actor, Permission::ReadOrgs, "org.view")
            .await?;
        let today = self.clock().today();
        let mut tx = self.db().read().await?;
        let rows = terms::latest_terms(&mut tx, &actor.scope).await?;
        tx.commit().await?;
        let reminder = self.rules().terms.reminder_before_expiry_months;
        let mut overview: Vec<TermOverview> = rows
            .into_iter()
            .filter_map(|(org_id, name, code, kind, _, elected_on, ends_on)| {
                Some(TermOverview {
                    org_id,
                    name,
                    code,
                    kind: OrgKind::from_code(&kind)?,
                    elected_on,
                    ends_on,
                    status: term_status(ends_on, today, reminder),
                })
            })
            .collect();
        overview.sort_by_key(|t| (t.status, t.ends_on));
        Ok(overview)
    }

    /// Records the upper committee's assessment of an org's current secretary.
    pub async fn assess_secretary(
        &self,
        actor: &Actor,
        id: i64,
        form: &AssessmentForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::WriteOrgs, "org.assess_secretary")
            .await?;
        self.load_org(actor, id, "org.assess_secretary").await?;
        let today = self.clock().today();
        let mut errors = dangjian_core::field::FieldErrors::new();
        let assessed_on = errors.check(
            "assessed_on",
            date_field(&form.assessed_on, today, "assessed_on").map_err(|e| match e {
                ServiceError::Invalid(f) => f
                    .iter()
                    .next()
                    .map_or_else(String::new, |f| f.message.clone()),
                other => other.to_string(),
            }),
        );
        let rating = |raw: &str| Rating::from_code(raw.trim()).ok_or("请选择评价等次");
        let political_quality = errors.check("political_quality", rating(&form.political_quality));
        let professional_ability =
            errors.check("professional_ability", rating(&form.professional_ability));
        let standing = errors.check("standing", rating(&form.standing));
        let remark = errors.check("remark", text::optional(&form.remark, "评价意见", 500));
        let (
            Some(assessed_on),
            Some(political_quality),
            Some(professional_ability),
            Some(standing),
            Some(remark),
        ) = (
            assessed_on,
            political_quality,
            professional_ability,
            standing,
            remark,
        )
        else {
            return Err(ServiceError::Invalid(errors));
        };
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        let org = visible_org(&mut tx, actor, id).await?;
        if !above(&actor.scope, org.id, org.parent_id) {
            return Err(ServiceError::invalid(
                "political_quality",
                "书记的任职评价由上级党组织作出",
            ));
        }
        let (member, _) = posts::current(&mut tx, org.id, Post::Secretary.code())
            .await?
            .ok_or_else(|| ServiceError::invalid("political_quality", "该组织没有现任书记"))?;
        let assessment = NewAssessment {
            org: org.id,
            member,
            assessed_on,
            political_quality,
            professional_ability,
            standing,
            remark: remark.as_deref(),
            recorded_by: &actor.login,
        };
        let assessment_id = terms::insert_assessment(&mut tx, &assessment, now).await?;
        let event = Event::new("org.assess_secretary")
            .object("org", org.id)
            .detail(json!({ "assessment": assessment_id, "member": member }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }
}
