//! Importing the dues keeper's two sheets (issue 17, item 6): pay bases from the finance
//! office and the bank's collection records. Template, upload and preview, commit.

use askama::Template;
use axum::extract::{Multipart, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_core::dues_import::SheetKind;
use dangjian_core::role::Permission;
use dangjian_service::dues::DuesImportReport;
use dangjian_service::{Actor, ServiceError};
use serde::Deserialize;

use super::{Path, query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};

/// An upload form of one sheet, with the refusal of its last upload.
struct UploadForm {
    kind: SheetKind,
    hint: &'static str,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "dues_import.html")]
struct ImportPage {
    layout: Layout,
    report: Option<DuesImportReport>,
    forms: Vec<UploadForm>,
    /// A refusal of a commit.
    failure: Option<String>,
    /// What the last commit wrote: the sheet and its rows.
    done: Option<(SheetKind, usize)>,
}

fn page(
    actor: &Actor,
    report: Option<DuesImportReport>,
    error: Option<(SheetKind, String)>,
    done: Option<(SheetKind, usize)>,
) -> ImportPage {
    let forms = SheetKind::ALL
        .iter()
        .map(|kind| UploadForm {
            kind: *kind,
            hint: match kind {
                SheetKind::Bases => {
                    "财务部门提供的工资表：每行一名党员的党费类别、起始月份和工资收入（或定额）。\
                     导入后按规则计算每月应交党费，并重算该月起已生成的应交记录。"
                }
                SheetKind::Bank => {
                    "银行代扣党费的流水：每行一名党员一个月份。金额须与该月尚欠一致，\
                     同一流水号只能导入一次；补交超过规定月数的须写明理由。"
                }
            },
            error: error
                .as_ref()
                .filter(|(k, _)| k == kind)
                .map(|(_, message)| message.clone()),
        })
        .collect();
    ImportPage {
        layout: Layout::new(actor, "/dues", "导入党费表格")
            .crumb("党费", Some("/dues".to_owned()))
            .crumb("导入党费表格", None),
        report,
        forms,
        failure: None,
        done,
    }
}

/// The sheet a path names, or not found.
fn kind(raw: &str) -> Result<SheetKind, PageError> {
    SheetKind::from_code(raw).ok_or(PageError::Service(ServiceError::NotFound))
}

/// The first refusal as one message for the page (a sheet's refusals are about the file).
fn message(error: ServiceError) -> Result<String, PageError> {
    match error {
        ServiceError::Invalid(errors) => Ok(errors
            .iter()
            .next()
            .map(|e| e.message.clone())
            .unwrap_or_default()),
        other => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DoneQuery {
    kind: String,
    done: Option<usize>,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    state
        .services
        .require(actor, Permission::RecordDues, "dues.import")
        .await?;
    let q: DoneQuery = query(raw.as_deref())?;
    let done = SheetKind::from_code(&q.kind).zip(q.done);
    render(&page(actor, None, None, done))
}

pub async fn template(
    State(state): State<AppState>,
    session: Session,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let kind = kind(&raw)?;
    let bytes = state
        .services
        .dues_import_template(&session.actor, kind)
        .await?;
    Ok(super::stats::xlsx(
        bytes,
        &format!("{}导入模板.xlsx", kind.label()),
    ))
}

/// Takes an uploaded sheet (multipart: the CSRF token, then the file) and shows its preview.
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    Path(raw): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let kind = kind(&raw)?;
    let path = format!("/dues/import/{}", kind.code());
    let Some(bytes) = super::single_upload(&state, actor, multipart, "file", &path).await? else {
        let refusal = (kind, "请选择要上传的表格文件".to_owned());
        return render_invalid(&page(actor, None, Some(refusal), None));
    };
    match state
        .services
        .preview_dues_import(actor, kind, Vec::from(bytes))
        .await
    {
        Ok(report) if report.batch.is_some() => render(&page(actor, Some(report), None, None)),
        Ok(report) => render_invalid(&page(actor, Some(report), None, None)),
        Err(error) => render_invalid(&page(actor, None, Some((kind, message(error)?)), None)),
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
    match state.services.commit_dues_import(actor, batch).await {
        Ok((kind, rows)) => Ok(Redirect::to(&format!(
            "/dues/import?kind={}&done={rows}",
            kind.code()
        ))
        .into_response()),
        // The sheet changed under its preview: say so at the top; upload again.
        Err(error) => {
            let mut shown = page(actor, None, None, None);
            shown.failure = Some(message(error)?);
            render_invalid(&shown)
        }
    }
}
