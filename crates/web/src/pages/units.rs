//! The police units (单位) the orgs are set up in.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_core::field::FieldErrors;
use dangjian_core::org::UnitKind;
use dangjian_core::role::Permission;
use dangjian_service::units::UnitForm;
use dangjian_service::{Actor, ServiceError};

use super::{render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};

struct UnitItem {
    id: i64,
    code: String,
    name: String,
    kind: &'static str,
    orgs: i64,
}

#[derive(Template)]
#[template(path = "unit_list.html")]
struct ListPage {
    layout: Layout,
    can_edit: bool,
    units: Vec<UnitItem>,
}

pub async fn list(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let actor = &session.actor;
    let units = state
        .services
        .units(actor)
        .await?
        .into_iter()
        .map(|u| UnitItem {
            id: u.id,
            code: u.code,
            name: u.name,
            kind: u.kind.label(),
            orgs: u.org_count,
        })
        .collect();
    render(&ListPage {
        layout: Layout::new(actor, "/units", "单位").crumb("单位", None),
        can_edit: actor.permits(Permission::WriteUnits),
        units,
    })
}

#[derive(Template)]
#[template(path = "unit_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    form: UnitForm,
    errors: FieldErrors,
    kinds: Vec<(&'static str, &'static str)>,
}

fn form_page(actor: &Actor, id: Option<i64>, form: UnitForm, errors: FieldErrors) -> FormPage {
    let heading = if id.is_some() {
        "编辑单位"
    } else {
        "新增单位"
    };
    FormPage {
        layout: Layout::new(actor, "/units", heading)
            .crumb("单位", Some("/units".to_owned()))
            .crumb(heading, None),
        heading: heading.to_owned(),
        action: id.map_or_else(|| "/units".to_owned(), |id| format!("/units/{id}/edit")),
        form,
        errors,
        kinds: UnitKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    state
        .services
        .require(&session.actor, Permission::WriteUnits, "unit.create")
        .await?;
    render(&form_page(
        &session.actor,
        None,
        UnitForm::default(),
        FieldErrors::new(),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    form: SessionForm<UnitForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.create_unit(&session.actor, &form).await {
        Ok(_) => Ok(Redirect::to("/units").into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&form_page(&session.actor, None, form, errors))
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    state
        .services
        .require(&session.actor, Permission::WriteUnits, "unit.update")
        .await?;
    let unit = state.services.unit(&session.actor, id).await?;
    let form = UnitForm {
        code: unit.code,
        name: unit.name,
        kind: unit.kind.code().to_owned(),
    };
    render(&form_page(
        &session.actor,
        Some(id),
        form,
        FieldErrors::new(),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<UnitForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.update_unit(&session.actor, id, &form).await {
        Ok(()) => Ok(Redirect::to("/units").into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            render_invalid(&form_page(&session.actor, Some(id), form, errors))
        }
        Err(other) => Err(other.into()),
    }
}
