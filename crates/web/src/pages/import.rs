//! Importing members from a spreadsheet: template, upload and preview, commit, roll back.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_core::role::Permission;
use dangjian_service::import::ImportReport;
use dangjian_service::{Actor, ServiceError};
use serde::Deserialize;

use super::{Path, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};
use crate::view;

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    layout: Layout,
    report: Option<ImportReport>,
    error: Option<String>,
    committed: Option<usize>,
    /// (batch, rows, by, at, may roll back)
    latest: Option<(i64, i64, String, String, bool)>,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    report: Option<ImportReport>,
    error: Option<String>,
    committed: Option<usize>,
) -> Result<ImportPage, PageError> {
    let latest = state.services.latest_import(actor).await?.map(|b| {
        (
            b.id,
            b.row_count,
            b.created_by.clone(),
            view::instant(b.created_at),
            b.created_by == actor.login,
        )
    });
    Ok(ImportPage {
        layout: Layout::new(actor, "/members", "导入党员")
            .crumb("党员", Some("/members".to_owned()))
            .crumb("导入党员", None),
        report,
        error,
        committed,
        latest,
    })
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DoneQuery {
    done: String,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, PageError> {
    state
        .services
        .require(&session.actor, Permission::WriteMembers, "member.import")
        .await?;
    let q: DoneQuery = super::query(raw.as_deref())?;
    render(
        &page(
            &state,
            &session.actor,
            None,
            None,
            q.done.trim().parse().ok(),
        )
        .await?,
    )
}

pub async fn template(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    state
        .services
        .require(&session.actor, Permission::WriteMembers, "member.import")
        .await?;
    let bytes = state.services.import_template(&session.actor)?;
    Ok(super::stats::xlsx(bytes, "党员导入模板.xlsx"))
}

/// Takes the uploaded sheet (multipart: the CSRF token, then the file) and shows the preview.
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let bytes = super::single_upload(&state, actor, multipart, "file", "/members/import")
        .await?
        .ok_or_else(|| PageError::BadRequest("请选择要上传的表格文件".to_owned()))?;
    match state.services.preview_import(actor, Vec::from(bytes)).await {
        Ok(report) if report.batch.is_some() => {
            render(&page(&state, actor, Some(report), None, None).await?)
        }
        Ok(report) => render_invalid(&page(&state, actor, Some(report), None, None).await?),
        Err(ServiceError::Invalid(errors)) => render_invalid(
            &page(
                &state,
                actor,
                None,
                errors.iter().next().map(|e| e.message.clone()),
                None,
            )
            .await?,
        ),
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

pub async fn commit(
    State(state): State<AppState>,
    Path(batch): Path<i64>,
    form: SessionForm<Empty>,
) -> Result<Response, PageError> {
    let actor = &form.session.actor;
    match state.services.commit_import(actor, batch).await {
        Ok(count) => Ok(Redirect::to(&format!("/members/import?done={count}")).into_response()),
        Err(ServiceError::Invalid(errors)) => render_invalid(
            &page(
                &state,
                actor,
                None,
                errors.iter().next().map(|e| e.message.clone()),
                None,
            )
            .await?,
        ),
        Err(other) => Err(other.into()),
    }
}

pub async fn rollback(
    State(state): State<AppState>,
    Path(batch): Path<i64>,
    form: SessionForm<Empty>,
) -> Result<Response, PageError> {
    let actor = &form.session.actor;
    match state.services.rollback_import(actor, batch).await {
        Ok(_) => Ok(Redirect::to("/members?saved=1").into_response()),
        Err(ServiceError::Invalid(errors)) => render_invalid(
            &page(
                &state,
                actor,
                None,
                errors.iter().next().map(|e| e.message.clone()),
                None,
            )
            .await?,
        ),
        Err(other) => Err(other.into()),
    }
}
