//! `/api/v1/study/search` (issue 15, 7): the same search as the page, as JSON.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page;
use crate::AppState;
use crate::api::api_query;
use crate::error::{ApiError, ApiErrorBody};
use crate::pages::study::{hit_href, kind_label};
use crate::session::ApiActor;

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, default)]
pub struct SearchQuery {
    /// What to find: up to 50 characters; every character of it must be in a document, and
    /// those holding its words rank first.
    pub q: String,
    /// 1-based; 100 a page.
    pub page: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HitJson {
    /// `course`, `chapter`, `plan` (a topic of a study plan) or `study` (a group study).
    pub kind: String,
    pub kind_label: String,
    pub id: i64,
    pub title: String,
    /// The page it is on.
    pub href: String,
    pub org_id: i64,
    pub org_name: String,
    /// The course of a chapter, the month of a plan topic, the form of a study.
    pub context: String,
    /// An extract of its text around what was found.
    pub fragment: String,
    /// The byte ranges `[start, end)` of the extract that matched.
    pub marks: Vec<[usize; 2]>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchJson {
    pub hits: Vec<HitJson>,
    pub total: i64,
}

/// Searches the study materials the account may open: courses and chapters (their text and
/// the text of their PDFs), study-plan topics and group studies, best first.
#[utoipa::path(get, path = "/study/search", tag = "study", params(SearchQuery),
    responses((status = 200, body = SearchJson), (status = 422, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchJson>, ApiError> {
    let q: SearchQuery = api_query(raw.as_deref())?;
    let (hits, total) = state
        .services
        .search_study(&actor, &q.q, page(q.page))
        .await?;
    Ok(Json(SearchJson {
        hits: hits
            .iter()
            .map(|h| HitJson {
                kind: h.kind.code().to_owned(),
                kind_label: kind_label(h.kind).to_owned(),
                id: h.id,
                title: h.title.clone(),
                href: hit_href(h),
                org_id: h.org_id,
                org_name: h.org_name.clone(),
                context: h.context.clone(),
                fragment: h.fragment.clone(),
                marks: h.marks.iter().map(|m| [m.start, m.end]).collect(),
            })
            .collect(),
        total,
    }))
}
