//! The police units (单位) the orgs are set up in.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_core::field::FieldErrors;
use dangjian_core::org::UnitKind;
use dangjian_core::role::Permission;
use dangjian_service::units::UnitForm;
use dangjian_service::{Actor, ServiceError};

use super::{Path, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};
use crate::view;

struct UnitItem {
    id: i64,
    code: String,
    name: String,
    kind: &'static str,
    /// Indentation in the tree, in em.
    indent: usize,
    parent: String,
    /// "2019-05-01 至今", "至 2024-12-31", or empty when not known.
    valid: String,
    ended: bool,
    orgs: i64,
    covered_by: i64,
}

#[derive(Template)]
#[template(path = "unit_list.html")]
struct ListPage {
    layout: Layout,
    can_edit: bool,
    units: Vec<UnitItem>,
    /// Why an import was refused.
    import_error: Option<String>,
}

async fn list_page(
    state: &AppState,
    actor: &Actor,
    notice: Option<String>,
    import_error: Option<String>,
) -> Result<ListPage, PageError> {
    let today = state.services.clock().today();
    let units = state
        .services
        .units(actor)
        .await?
        .into_iter()
        .map(|t| {
            let u = t.unit;
            let valid = match (u.valid_from, u.valid_to) {
                (None, None) => String::new(),
                (from, to) => format!(
                    "{} 至 {}",
                    from.map(view::date).unwrap_or_default(),
                    to.map_or_else(|| "今".to_owned(), view::date)
                ),
            };
            UnitItem {
                id: u.id,
                code: u.code,
                name: u.name,
                kind: u.kind.label(),
                indent: t.depth.min(8),
                parent: t.parent_code.unwrap_or_default(),
                valid,
                ended: u.valid_to.is_some_and(|to| to <= today),
                orgs: u.org_count,
                covered_by: u.covered_by,
            }
        })
        .collect();
    Ok(ListPage {
        layout: Layout::new(actor, "/units", "单位")
            .crumb("单位", None)
            .notice(notice.as_deref()),
        can_edit: actor.permits(Permission::WriteUnits),
        units,
        import_error,
    })
}

pub async fn list(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    render(&list_page(&state, &session.actor, None, None).await?)
}

/// Takes a unit sheet (multipart: the CSRF token, then the file) and imports it whole.
pub async fn import(
    State(state): State<AppState>,
    session: Session,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let Some(bytes) = super::single_upload(&state, actor, multipart, "file", "/units").await?
    else {
        let page = list_page(&state, actor, None, Some("请选择单位表格文件".to_owned())).await?;
        return render_invalid(&page);
    };
    match state.services.import_units(actor, &bytes).await {
        Ok(done) => {
            let notice = format!(
                "已导入：新增{}个单位，更新{}个单位",
                done.created, done.updated
            );
            render(&list_page(&state, actor, Some(notice), None).await?)
        }
        Err(ServiceError::Invalid(errors)) => {
            let message = errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("；");
            render_invalid(&list_page(&state, actor, None, Some(message)).await?)
        }
        Err(other) => Err(other.into()),
    }
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
    let t = state.services.unit(&session.actor, id).await?;
    let form = UnitForm {
        code: t.unit.code,
        name: t.unit.name,
        kind: t.unit.kind.code().to_owned(),
        parent: t.parent_code.unwrap_or_default(),
        valid_from: t.unit.valid_from.map(view::date).unwrap_or_default(),
        valid_to: t.unit.valid_to.map(view::date).unwrap_or_default(),
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
