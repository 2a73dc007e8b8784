//! `/api/v1/dues/imports/…` (issue 17, item 6): a sheet of pay bases or of the bank's
//! collection records, in the same two steps as the page — upload for a preview (nothing
//! written; a sheet without problems is kept sealed), then commit it whole.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use dangjian_core::dues_import::SheetKind;
use dangjian_service::ServiceError;
use dangjian_service::dues::DuesImportReport;
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiPath;
use super::imports::NoteJson;
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;

/// A row a commit would write.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuesImportLineJson {
    pub row: u32,
    pub member_id: i64,
    pub name: String,
    /// The month paid for (bank), or the month the assessment is in force from (bases).
    #[schema(pattern = r"^\d{4}-\d{2}$")]
    pub month: String,
    /// The amount collected (bank), or the monthly dues assessed (bases).
    pub amount_fen: i64,
}

/// The preview of a dues sheet.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuesImportReportJson {
    /// `bases` or `bank`.
    pub kind: String,
    /// The batch to commit; null when the sheet has problems (then nothing is kept).
    pub batch: Option<i64>,
    pub rows: usize,
    pub problem_count: usize,
    /// The first problems, in sheet order, at their row and column.
    pub problems: Vec<NoteJson>,
    /// The first rows that passed, as a commit would write them.
    pub lines: Vec<DuesImportLineJson>,
    /// The sum of the amounts of every row that passed.
    pub total_fen: i64,
}

impl From<&DuesImportReport> for DuesImportReportJson {
    fn from(r: &DuesImportReport) -> Self {
        Self {
            kind: r.kind.code().to_owned(),
            batch: r.batch,
            rows: r.rows,
            problem_count: r.problem_count,
            problems: r.problems.iter().map(NoteJson::from).collect(),
            lines: r
                .lines
                .iter()
                .map(|l| DuesImportLineJson {
                    row: l.row,
                    member_id: l.member_id,
                    name: l.name.clone(),
                    month: l.month.to_string(),
                    amount_fen: l.amount.0,
                })
                .collect(),
            total_fen: r.total.0,
        }
    }
}

/// What a commit wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuesImportCommitJson {
    pub batch: i64,
    /// `bases` or `bank`.
    pub kind: String,
    pub rows: usize,
}

/// Checks a sheet (`bases`: pay and categories; `bank`: collection records) sent as the
/// request body (.xlsx, at most 20 MB) and reports every problem by row and column. Writes
/// nothing but the sealed sheet, for its commit.
#[utoipa::path(post, path = "/dues/imports/{kind}", tag = "dues",
    params(("kind" = String, Path, description = "`bases` or `bank`")),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses((status = 200, body = DuesImportReportJson), (status = 400, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(kind): ApiPath<String>,
    body: Bytes,
) -> Result<Json<DuesImportReportJson>, ApiError> {
    let kind = SheetKind::from_code(&kind).ok_or(ServiceError::NotFound)?;
    if body.is_empty() {
        return Err(ApiError::BadRequest("请求体应为 .xlsx 表格文件".to_owned()));
    }
    let report = state
        .services
        .preview_dues_import(&actor, kind, Vec::from(body))
        .await?;
    Ok(Json(DuesImportReportJson::from(&report)))
}

/// Commits a previewed sheet, every row or none (checked again first). Only its importer
/// may commit it.
#[utoipa::path(post, path = "/dues/import-batches/{id}/commit", tag = "dues", params(("id" = i64, Path)),
    responses((status = 200, body = DuesImportCommitJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn commit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(batch): ApiPath<i64>,
) -> Result<Json<DuesImportCommitJson>, ApiError> {
    let (kind, rows) = state.services.commit_dues_import(&actor, batch).await?;
    Ok(Json(DuesImportCommitJson {
        batch,
        kind: kind.code().to_owned(),
        rows,
    }))
}
