//! The audit browser: the audit administrator's only page. Read-only; every query is itself
//! recorded by the service.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse as _, Response};
use chrono::{NaiveTime, TimeDelta};
use dangjian_core::member::parse_date;
use dangjian_service::audit::ChainReport;
use dangjian_service::{AuditFilter, AuditRow, Page};
use serde::Deserialize;

use super::{query, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, encode};
use crate::view;

const PAGE_SIZE: u32 = 50;

#[derive(Deserialize, Default, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct AuditQuery {
    login: String,
    event: String,
    outcome: String,
    object_type: String,
    object_id: String,
    from: String,
    to: String,
    page: String,
}

impl AuditQuery {
    /// The download of the same filter as JSON lines.
    fn export_href(&self) -> String {
        let page = self.with_page(1);
        let query = page
            .trim_start_matches("/audit?")
            .trim_end_matches("page=1")
            .trim_end_matches('&');
        format!("/audit/export.jsonl?{query}")
    }

    /// The store filter, or the message for a bad date.
    fn filter(&self) -> Result<AuditFilter, String> {
        let from = day_start(&self.from)?;
        let to = day_start(&self.to)?.map(|t| t + TimeDelta::days(1));
        Ok(AuditFilter {
            login: view::nonempty(&self.login).map(|l| l.to_lowercase()),
            event: view::nonempty(&self.event),
            outcome: view::nonempty(&self.outcome),
            object_type: view::nonempty(&self.object_type),
            object_id: view::nonempty(&self.object_id),
            from,
            to,
        })
    }

    fn with_page(&self, page: i64) -> String {
        let pairs = [
            ("login", &self.login),
            ("event", &self.event),
            ("outcome", &self.outcome),
            ("object_type", &self.object_type),
            ("object_id", &self.object_id),
            ("from", &self.from),
            ("to", &self.to),
        ];
        let mut out: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        out.push(format!("page={page}"));
        format!("/audit?{}", out.join("&"))
    }
}

struct AuditItem {
    ts: String,
    login: String,
    role: String,
    ip: String,
    event: String,
    object: String,
    outcome: &'static str,
    outcome_class: &'static str,
    detail: String,
}

impl From<&AuditRow> for AuditItem {
    fn from(r: &AuditRow) -> Self {
        let (outcome, outcome_class) = match r.outcome.as_str() {
            "success" => ("成功", "ok"),
            "failure" => ("失败", "warn"),
            _ => ("拒绝", "bad"),
        };
        Self {
            ts: view::instant(r.ts),
            login: r.login.clone().unwrap_or_default(),
            role: r
                .role
                .as_deref()
                .and_then(dangjian_core::role::Role::from_code)
                .map_or("", |role| role.label())
                .to_owned(),
            ip: r.ip.clone().unwrap_or_default(),
            event: match view::event_label(&r.event) {
                "" => r.event.clone(),
                label => format!("{label}（{}）", r.event),
            },
            object: match (&r.object_type, &r.object_id) {
                (Some(t), Some(id)) => format!("{t} #{id}"),
                _ => String::new(),
            },
            outcome,
            outcome_class,
            detail: r.detail.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "audit_list.html")]
struct ListPage {
    layout: Layout,
    filter: AuditQuery,
    filter_error: Option<String>,
    export: String,
    outcomes: Vec<(&'static str, &'static str)>,
    rows: Vec<AuditItem>,
    total: i64,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
}

/// The start of a Beijing calendar day as a UTC instant.
fn day_start(raw: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
    match raw.trim() {
        "" => Ok(None),
        raw => {
            let date = parse_date(raw).map_err(|e| e.to_string())?;
            let local = date.and_time(NaiveTime::MIN) - TimeDelta::hours(8);
            Ok(Some(local.and_utc()))
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let q: AuditQuery = query(raw.as_deref())?;
    let (filter, filter_error) = match q.filter() {
        Ok(filter) => (filter, None),
        Err(e) => (
            AuditFilter {
                from: None,
                to: None,
                ..q.filter_without_dates()
            },
            Some(e),
        ),
    };
    let number: u32 = q.page.trim().parse().unwrap_or(1).clamp(1, 1_000_000);
    let (rows, total) = state
        .services
        .audit_log(
            actor,
            &filter,
            Page {
                number,
                size: PAGE_SIZE,
            },
        )
        .await?;
    let pages = view::page_count(total, PAGE_SIZE);
    let page = i64::from(number);
    render(&ListPage {
        layout: Layout::new(actor, "/audit", "审计日志").crumb("审计日志", None),
        export: q.export_href(),
        prev: (page > 1).then(|| q.with_page(page - 1)),
        next: (page < pages).then(|| q.with_page(page + 1)),
        filter: q,
        filter_error,
        outcomes: vec![("success", "成功"), ("failure", "失败"), ("denied", "拒绝")],
        rows: rows.iter().map(AuditItem::from).collect(),
        total,
        page,
        pages,
    })
}

impl AuditQuery {
    fn filter_without_dates(&self) -> AuditFilter {
        AuditQuery {
            from: String::new(),
            to: String::new(),
            ..self.clone()
        }
        .filter()
        .unwrap_or_default()
    }
}

/// The filtered log as JSON lines, for the bureau's log platform.
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let q: AuditQuery = query(raw.as_deref())?;
    let filter = q.filter().map_err(PageError::BadRequest)?;
    let mut bytes = Vec::new();
    let here = match raw.as_deref() {
        Some(q) if !q.is_empty() => format!("/audit/export.jsonl?{q}"),
        _ => "/audit/export.jsonl".to_owned(),
    };
    state
        .services
        .export_audit(&session.actor, &filter, &mut bytes)
        .await
        .map_err(PageError::reauth_then(here))?;
    let disposition = format!(
        "attachment; filename=\"audit.jsonl\"; filename*=UTF-8''{}",
        encode("审计日志.jsonl")
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/x-ndjson; charset=utf-8".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "audit_verify.html")]
struct VerifyPage {
    layout: Layout,
    report: ChainReport,
    /// Why an uploaded seal file could not be read.
    seal_error: Option<String>,
}

fn verify_page(actor: &dangjian_service::Actor, report: ChainReport) -> VerifyPage {
    VerifyPage {
        layout: Layout::new(actor, "/audit", "审计链校验")
            .crumb("审计日志", Some("/audit".to_owned()))
            .crumb("审计链校验", None),
        report,
        seal_error: None,
    }
}

/// Checks the whole chain (and the seals of the configured seal file) and says whether it is
/// intact or which record is the first broken.
pub async fn verify(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let report = state.services.verify_audit_chain(actor, &[]).await?;
    render(&verify_page(actor, report))
}

/// Checks the chain against the seals of an uploaded seal file as well (a copy kept by the
/// log platform or on paper): multipart, the CSRF token and the file.
pub async fn verify_with_seals(
    State(state): State<AppState>,
    session: Session,
    multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let file = super::single_upload(&state, actor, multipart, "seals", "/audit/verify").await?;
    let text = file
        .map(|bytes| String::from_utf8(bytes.to_vec()))
        .transpose()
        .map_err(|_| PageError::BadRequest("封存文件应为 UTF-8 文本".to_owned()))?;
    let seals = match text.as_deref().map(dangjian_service::audit::parse_seals) {
        None => Err("请选择封存文件".to_owned()),
        Some(Ok(seals)) if seals.is_empty() => Err("封存文件中没有封存记录".to_owned()),
        Some(parsed) => parsed,
    };
    match seals {
        Ok(seals) => {
            let report = state.services.verify_audit_chain(actor, &seals).await?;
            render(&verify_page(actor, report))
        }
        Err(message) => {
            let report = state.services.verify_audit_chain(actor, &[]).await?;
            let mut page = verify_page(actor, report);
            page.seal_error = Some(message);
            render_invalid(&page)
        }
    }
}
