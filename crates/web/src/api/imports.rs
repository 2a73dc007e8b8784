//! Importing members from a spreadsheet over the API, in the same two steps as the page:
//! upload for a preview (nothing written; a valid sheet becomes a sealed batch), then commit
//! the batch; the latest batch can be rolled back while none of its members has changed.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use dangjian_core::import::Note;
use dangjian_service::import::ImportReport;
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiPath;
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

/// A problem or warning at a row (as the spreadsheet numbers it) and column.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteJson {
    pub row: u32,
    /// The template column's heading, e.g. `身份证号`.
    pub column: String,
    pub message: String,
}

impl From<&Note> for NoteJson {
    fn from(n: &Note) -> Self {
        Self {
            row: n.row,
            column: n.column.clone(),
            message: n.message.clone(),
        }
    }
}

/// The preview of a sheet.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportJson {
    /// The batch to commit; null when the sheet has problems (then nothing is kept).
    pub batch: Option<i64>,
    pub rows: usize,
    pub problem_count: usize,
    /// The first problems (all of them up to a limit), in sheet order.
    pub problems: Vec<NoteJson>,
    pub warning_count: usize,
    /// Values that were normalised (full-width digits, stray spaces).
    pub warnings: Vec<NoteJson>,
}

impl From<&ImportReport> for ImportReportJson {
    fn from(r: &ImportReport) -> Self {
        Self {
            batch: r.batch,
            rows: r.rows,
            problem_count: r.problem_count,
            problems: r.problems.iter().map(NoteJson::from).collect(),
            warning_count: r.warning_count,
            warnings: r.warnings.iter().map(NoteJson::from).collect(),
        }
    }
}

/// How many members a commit or roll-back wrote or removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportCountJson {
    pub batch: i64,
    pub rows: u64,
}

/// Checks a sheet (the template's .xlsx as the request body, at most 20 MB) and reports
/// every problem by row and column. Writes no member.
#[utoipa::path(post, path = "/imports", tag = "imports",
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses((status = 200, body = ImportReportJson), (status = 400, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    body: Bytes,
) -> Result<Json<ImportReportJson>, ApiError> {
    if body.is_empty() {
        return Err(ApiError::BadRequest("请求体应为 .xlsx 表格文件".to_owned()));
    }
    let report = state
        .services
        .preview_import(&actor, Vec::from(body))
        .await?;
    Ok(Json(ImportReportJson::from(&report)))
}

/// Writes a previewed batch, all rows or none (the rows are checked again first).
#[utoipa::path(post, path = "/imports/{batch}/commit", tag = "imports", params(("batch" = i64, Path)),
    responses((status = 200, body = ImportCountJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn commit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(batch): ApiPath<i64>,
) -> Result<Json<ImportCountJson>, ApiError> {
    let rows = state.services.commit_import(&actor, batch).await?;
    Ok(Json(ImportCountJson {
        batch,
        rows: rows as u64,
    }))
}

/// Removes the members of the latest committed batch, if none of them changed since.
#[utoipa::path(post, path = "/imports/{batch}/rollback", tag = "imports", params(("batch" = i64, Path)),
    responses((status = 200, body = ImportCountJson), (status = 422, body = ApiErrorBody)))]
pub async fn rollback(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(batch): ApiPath<i64>,
) -> Result<Json<ImportCountJson>, ApiError> {
    let rows = state.services.rollback_import(&actor, batch).await?;
    Ok(Json(ImportCountJson { batch, rows }))
}
