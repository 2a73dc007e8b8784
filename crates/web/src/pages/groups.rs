//! The party group card of an org page: the group's members today, the branch's members to
//! place in it, and who has left (issue 14, 3).

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_core::field::FieldErrors;
use dangjian_service::groups::{GroupRoster, PlaceForm, UnplaceForm};
use dangjian_service::{Actor, ServiceError};

use super::orgs::{DetailPage, full_detail};
use super::{Path, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::session::SessionForm;
use crate::view;

/// The group card: members, candidates, past placements and the forms' state.
pub struct GroupCard {
    pub branch_id: i64,
    pub branch_name: String,
    /// (member id, name, 正式/预备党员, since, leader)
    pub members: Vec<(i64, String, &'static str, String, bool)>,
    /// (member id, name, group now or empty, ticked)
    pub candidates: Vec<(i64, String, String, bool)>,
    /// (name, from, to)
    pub past: Vec<(String, String, String)>,
    pub can_edit: bool,
    pub on: String,
    pub errors: FieldErrors,
    /// Why taking a member out was refused (its row form has no room for a message).
    pub unplace_error: String,
}

impl GroupCard {
    pub fn new(r: GroupRoster) -> GroupCard {
        GroupCard {
            branch_id: r.branch_id,
            branch_name: r.branch_name,
            members: r
                .members
                .into_iter()
                .map(|m| {
                    let category = if m.voting {
                        "正式党员"
                    } else {
                        "预备党员"
                    };
                    (m.member_id, m.name, category, view::date(m.since), m.leader)
                })
                .collect(),
            candidates: r
                .candidates
                .into_iter()
                .map(|c| (c.member_id, c.name, c.group.unwrap_or_default(), false))
                .collect(),
            past: r
                .past
                .into_iter()
                .map(|p| {
                    let (from, to) = view::span(&p.span);
                    (p.name, from, to)
                })
                .collect(),
            can_edit: r.can_edit,
            on: String::new(),
            errors: FieldErrors::new(),
            unplace_error: String::new(),
        }
    }
}

impl GroupCard {
    /// The group leader among the members: id and name.
    pub fn leader(&self) -> Option<(i64, &str)> {
        self.members
            .iter()
            .find(|m| m.4)
            .map(|m| (m.0, m.1.as_str()))
    }
}

/// The place form from its pairs: a ticked `m{id}` per member, and `on`.
fn place_form(pairs: Vec<(String, String)>) -> Result<PlaceForm, PageError> {
    let mut form = PlaceForm::default();
    for (name, value) in pairs {
        if name == "on" {
            form.on = value;
        } else if let Some(id) = name.strip_prefix('m').and_then(|id| id.parse().ok()) {
            form.members.push(id);
        } else {
            return Err(PageError::BadRequest(
                "表单含有无效或不允许的字段".to_owned(),
            ));
        }
    }
    Ok(form)
}

/// Re-renders the org page with the group card's errors and what was entered.
async fn refused(
    state: &AppState,
    actor: &Actor,
    id: i64,
    errors: FieldErrors,
    fill: impl FnOnce(&mut GroupCard, FieldErrors),
) -> Result<Response, PageError> {
    let mut page: DetailPage = full_detail(state, actor, id, None).await?;
    if let Some(card) = page.group.as_mut() {
        fill(card, errors);
    }
    render_invalid(&page)
}

pub async fn place(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    let form = place_form(form)?;
    match state
        .services
        .place_in_group(&session.actor, id, &form)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?saved=1#group")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            refused(&state, &session.actor, id, errors, |card, errors| {
                card.errors = errors;
                card.on = form.on.clone();
                for c in &mut card.candidates {
                    c.3 = form.members.contains(&c.0);
                }
            })
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn unplace(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<UnplaceForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state
        .services
        .remove_from_group(&session.actor, id, &form)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}?saved=1#group")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            refused(&state, &session.actor, id, errors, |card, errors| {
                card.unplace_error = errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("；");
            })
            .await
        }
        Err(other) => Err(other.into()),
    }
}
