//! 学习资料检索 (issue 15, 7): one box over the courses, chapters (their text and the text of
//! their PDFs), study-plan topics and group studies the account may open, the words found
//! marked in an extract of each.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use dangjian_core::field::FieldErrors;
use dangjian_service::study::{DocKind, Hit};
use dangjian_service::{Page, ServiceError};
use serde::Deserialize;

use super::{PAGE_SIZE, layout};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::pages::{query, render, render_invalid};
use crate::session::{Session, encode};

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchQuery {
    pub q: String,
    pub page: Option<u32>,
}

/// A hit as shown: where it leads, what it is, and its extract cut into plain and marked
/// pieces (the template escapes each).
pub struct Found {
    pub href: String,
    pub kind: &'static str,
    pub title: String,
    pub place: String,
    pub pieces: Vec<(String, bool)>,
}

/// Where a hit leads.
pub fn href(hit: &Hit) -> String {
    match hit.kind {
        DocKind::Course => format!("/study/courses/{}", hit.id),
        DocKind::Chapter => format!("/study/courses/{}#chapter-{}", hit.parent, hit.id),
        DocKind::PlanTopic => format!("/orgs/{}/study-plan?year={}", hit.org_id, hit.parent),
        DocKind::Study => format!("/study/sessions/{}", hit.id),
    }
}

pub fn kind_label(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Course => "课程",
        DocKind::Chapter => "课程章节",
        DocKind::PlanTopic => "学习计划专题",
        DocKind::Study => "集中学习",
    }
}

fn pieces(hit: &Hit) -> Vec<(String, bool)> {
    let text = &hit.fragment;
    let mut out = Vec::new();
    let mut at = 0;
    for mark in &hit.marks {
        let (Some(before), Some(marked)) = (text.get(at..mark.start), text.get(mark.clone()))
        else {
            continue;
        };
        if !before.is_empty() {
            out.push((before.to_owned(), false));
        }
        out.push((marked.to_owned(), true));
        at = mark.end;
    }
    if let Some(rest) = text.get(at..).filter(|r| !r.is_empty()) {
        out.push((rest.to_owned(), false));
    }
    out
}

#[derive(Template)]
#[template(path = "study_search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    found: Vec<Found>,
    total: i64,
    page: u32,
    prev: Option<String>,
    next: Option<String>,
    errors: FieldErrors,
}

pub async fn search(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let params: SearchQuery = query(raw.as_deref())?;
    let page = Page {
        number: params.page.unwrap_or(1).max(1),
        size: PAGE_SIZE,
    };
    let mut view = SearchPage {
        layout: layout(&session.actor, "学习资料检索"),
        q: params.q.clone(),
        found: Vec::new(),
        total: 0,
        page: page.number,
        prev: None,
        next: None,
        errors: FieldErrors::new(),
    };
    if params.q.trim().is_empty() {
        state.services.may_search_study(&session.actor).await?;
        return render(&view);
    }
    match state
        .services
        .search_study(&session.actor, &params.q, page)
        .await
    {
        Ok((hits, total)) => {
            view.found = hits
                .iter()
                .map(|h| Found {
                    href: href(h),
                    kind: kind_label(h.kind),
                    title: h.title.clone(),
                    place: if h.context.is_empty() {
                        h.org_name.clone()
                    } else {
                        format!("{} · {}", h.org_name, h.context)
                    },
                    pieces: pieces(h),
                })
                .collect();
            view.total = total;
            let to = |n: u32| format!("/study/search?q={}&page={n}", encode(&params.q));
            view.prev = (page.number > 1).then(|| to(page.number - 1));
            view.next = (i64::from(page.number) * i64::from(PAGE_SIZE) < total)
                .then(|| to(page.number + 1));
            render(&view)
        }
        Err(ServiceError::Invalid(errors)) => {
            view.errors = errors;
            render_invalid(&view)
        }
        Err(other) => Err(other.into()),
    }
}
