//! The HTML pages, one module per area.

mod accounts;
mod assess;
mod audit;
mod auth;
mod care;
mod conduct;
mod coverage;
mod dashboard;
mod dues;
mod dues_import;
mod duty;
mod funds;
mod groups;
mod import;
mod lifecycle;
mod members;
mod orglife;
mod orgs;
mod recruitment;
mod rectification;
mod second_factor;
mod security;
mod stats;

pub(crate) use stats::xlsx;
pub(crate) mod study;
mod terms;
mod units;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use crate::AppState;
use crate::error::{PageError, error_page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::show))
        .route("/healthz", get(health))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/login/otp", get(auth::otp_page).post(auth::otp_submit))
        .route("/logout", post(auth::logout))
        .route("/reauth", get(auth::reauth_page).post(auth::reauth_submit))
        .route("/2fa", get(second_factor::show))
        .route("/2fa/start", post(second_factor::start))
        .route("/2fa/confirm", post(second_factor::confirm))
        .route("/2fa/qr.svg", get(second_factor::qr))
        .route(
            "/password",
            get(auth::password_page).post(auth::change_password),
        )
        .route("/coverage", get(coverage::show))
        .route("/terms", get(terms::list))
        .route("/stats", get(stats::show))
        .route("/stats.xlsx", get(stats::export))
        .route("/members/export", get(members::export))
        .route("/members/import", get(import::show))
        .route("/members/import/template.xlsx", get(import::template))
        .route("/members/import/{batch}/commit", post(import::commit))
        .route("/members/import/{batch}/rollback", post(import::rollback))
        .route("/orgs", get(orgs::tree).post(orgs::create))
        .route("/orgs/new", get(orgs::new_form))
        .route("/orgs/{id}", get(orgs::detail))
        .route("/orgs/{id}/edit", get(orgs::edit_form).post(orgs::update))
        .route("/orgs/{id}/move", post(orgs::move_org))
        .route("/orgs/{id}/dissolve", post(orgs::dissolve))
        .route("/orgs/{id}/secretary", post(orgs::secretary))
        .route("/orgs/{id}/posts", post(orgs::appoint))
        .route("/orgs/{id}/elections", post(orgs::election))
        .route("/orgs/{id}/terms/extend", post(orgs::extend))
        .route("/orgs/{id}/secretary-assessments", post(orgs::assess))
        .route("/orgs/{id}/posts/end", post(orgs::relieve))
        .route("/orgs/{id}/group-members", post(groups::place))
        .route("/orgs/{id}/group-members/end", post(groups::unplace))
        .route("/orglife", get(orglife::home))
        .route("/orglife/overview", get(orglife::overview))
        .route("/orgs/{id}/orglife", get(orglife::calendar))
        .route("/orgs/{id}/orglife/ledger", get(orglife::ledger))
        .route(
            "/orgs/{id}/orglife/plan",
            get(orglife::plan).post(orglife::generate_plan),
        )
        .route(
            "/orgs/{id}/orglife/plan/items",
            post(orglife::add_plan_item),
        )
        .route("/orgs/{id}/orglife/plan/clear", post(orglife::clear_plan))
        .route("/plan-items/{id}", post(orglife::change_plan_item))
        .route("/orgs/{id}/orglife/ledger.xlsx", get(orglife::ledger_xlsx))
        .route("/orgs/{id}/orglife/ledger.docx", get(orglife::ledger_docx))
        .route("/orgs/{id}/meetings/new", get(orglife::new_form))
        .route("/orgs/{id}/meetings", post(orglife::create))
        .route("/meetings", get(orglife::list))
        .route("/meetings/{id}", get(orglife::detail))
        .route(
            "/meetings/{id}/edit",
            get(orglife::edit_form).post(orglife::update),
        )
        .route("/meetings/{id}/submit", post(orglife::submit))
        .route(
            "/meetings/{id}/attachments/{attachment}",
            get(orglife::download_attachment),
        )
        .route(
            "/meetings/{id}/attachments/{attachment}/delete",
            post(orglife::delete_attachment),
        )
        .route("/meetings/{id}/review", post(orglife::review))
        .route("/meetings/{id}/makeup", post(orglife::makeup))
        .route("/meetings/{id}/report", post(orglife::report))
        .route("/meetings/{id}/rectify", post(orglife::rectify))
        .route("/meetings/{id}/revisions/{version}", get(orglife::revision))
        .route(
            "/meetings/{id}/study",
            get(study::meeting_form).post(study::link_meeting),
        )
        .route("/study", get(study::home))
        .route("/study/export.xlsx", get(study::export))
        .route("/study/me", get(study::me))
        .route("/study/members/{id}", get(study::member))
        .route("/study/sessions", get(study::sessions))
        .route("/study/sessions/{id}", get(study::session))
        .route("/study/sessions/{id}/makeups", post(study::makeup))
        .route("/study/orgs/{id}/sessions/new", get(study::new_session))
        .route("/study/orgs/{id}/sessions", post(study::create_session))
        .route(
            "/study/classes",
            get(study::classes).post(study::create_class),
        )
        .route("/study/classes/{id}", get(study::class))
        .route(
            "/study/classes/{id}/sessions",
            post(study::add_class_session),
        )
        .route("/study/classes/{id}/enrolments", post(study::enrol))
        .route(
            "/study/classes/{id}/sessions/{session}/attendance",
            post(study::attendance),
        )
        .route("/study/classes/{id}/close", post(study::close))
        .route("/study/ledger", get(study::ledger))
        .route("/study/search", get(study::search))
        .route("/orgs/{id}/study-plan", get(study::plan))
        .route("/orgs/{id}/study-plan/items", post(study::add_plan_topic))
        .route(
            "/orgs/{id}/study-plan/items/{item}/delete",
            post(study::remove_plan_topic),
        )
        .route("/orgs/{id}/study-plan/issue", post(study::issue_plan))
        .route("/orgs/{id}/study-plan/adopt", post(study::adopt_plan))
        .route(
            "/study/courses",
            get(study::courses).post(study::create_course),
        )
        .route("/study/courses/{id}", get(study::course))
        .route("/study/courses/{id}/publish", post(study::publish_course))
        .route("/study/chapters/{id}/file", get(study::chapter_file))
        .route("/study/exams", get(study::exams).post(study::create_exam))
        .route("/study/exams/{id}", get(study::exam))
        .route("/study/exams/{id}/parts", post(study::add_exam_part))
        .route("/study/exams/{id}/publish", post(study::publish_exam))
        .route("/study/exams/{id}/sittings", post(study::start_sitting))
        .route("/study/sittings/{id}", get(study::sitting))
        .route("/study/sittings/{id}/answers", post(study::answer))
        .route(
            "/study/questions",
            get(study::questions).post(study::add_question),
        )
        .route(
            "/study/questions/template.xlsx",
            get(study::question_template),
        )
        .route(
            "/study/chapters/{id}/complete",
            post(study::complete_chapter),
        )
        .route("/study/chapters/{id}/answers", post(study::answer_quiz))
        .route(
            "/study/chapters/{id}/questions",
            post(study::add_quiz_question),
        )
        .route(
            "/study/chapters/{id}/questions/{question}/delete",
            post(study::remove_quiz_question),
        )
        .route("/dues", get(dues::home))
        .route("/dues/run", post(dues::run))
        .route("/dues/ledger.xlsx", get(dues::ledger_xlsx))
        .route("/dues/import", get(dues_import::show))
        .route(
            "/dues/import/{kind}/template.xlsx",
            get(dues_import::template),
        )
        .route(
            "/dues/import/batches/{batch}/commit",
            post(dues_import::commit),
        )
        .route("/dues/orgs/{id}", get(dues::sheet))
        .route("/dues/orgs/{id}/payments", post(dues::pay_batch))
        .route("/dues/orgs/{id}/sheet.xlsx", get(dues::sheet_xlsx))
        .route("/dues/orgs/{id}/disclosure", get(dues::disclosure))
        .route(
            "/dues/orgs/{id}/disclosure.xlsx",
            get(dues::disclosure_xlsx),
        )
        .route("/dues/members/{id}", get(dues::member))
        .route("/dues/members/{id}/assessment", post(dues::assess))
        .route("/dues/members/{id}/payments", post(dues::pay))
        .route("/dues/members/{id}/reductions", post(dues::reduce))
        .route("/dues/payments/{id}", get(dues::receipt))
        .route("/dues/reductions", get(dues::reductions))
        .route("/dues/reductions/{id}/decision", post(dues::decide))
        .route(
            "/recruitment",
            get(recruitment::home).post(recruitment::add),
        )
        .route("/recruitment/{id}", get(recruitment::person))
        .route("/recruitment/{id}/steps", post(recruitment::step))
        .route("/recruitment/{id}/reviews", post(recruitment::review))
        .route("/recruitment/{id}/publicity", post(recruitment::publicity))
        .route("/recruitment/{id}/extension", post(recruitment::extension))
        .route("/recruitment/{id}/end", post(recruitment::end))
        .route("/recruitment/{id}/redo", post(recruitment::redo))
        .route("/recruitment/{id}/files/{file}", get(recruitment::file))
        .route("/recruitment/statistics", get(recruitment::statistics))
        .route("/funds", get(funds::home))
        .route("/funds/orgs/{id}", get(funds::budget))
        .route("/funds/orgs/{id}/lines", post(funds::set_line))
        .route("/funds/orgs/{id}/expenses", post(funds::propose))
        .route("/funds/orgs/{id}/transfers", post(funds::transfer))
        .route("/funds/orgs/{id}/report.xlsx", get(funds::report_xlsx))
        .route(
            "/funds/orgs/{id}/transfers/{transfer}/decision",
            post(funds::decide_transfer),
        )
        .route(
            "/funds/orgs/{id}/expenses/{expense}/vouchers/{voucher}",
            get(funds::voucher),
        )
        .route(
            "/funds/orgs/{id}/expenses/{expense}/decision",
            post(funds::decide),
        )
        .route("/assess", get(assess::home))
        .route("/assess/reviews", post(assess::open))
        .route("/assess/reviews/{id}", get(assess::review))
        .route("/assess/reviews/{id}/self", post(assess::submit_self))
        .route("/assess/reviews/{id}/peer", post(assess::peer))
        .route("/assess/reviews/{id}/advance", post(assess::advance))
        .route("/assess/reviews/{id}/ballot", post(assess::ballot))
        .route("/assess/reviews/{id}/proposals", post(assess::propose))
        .route("/assess/reviews/{id}/decision", post(assess::decide))
        .route("/assess/reviews/{id}/approval", post(assess::approve))
        .route("/assess/standing", get(assess::standing))
        .route(
            "/assess/practices",
            get(assess::practices).post(assess::submit_practice),
        )
        .route("/assess/practices/{id}", get(assess::practice))
        .route(
            "/assess/practices/{id}/decision",
            post(assess::decide_practice),
        )
        .route(
            "/assess/practices/{id}/adoptions",
            post(assess::adopt_practice),
        )
        .route(
            "/assess/duty-reviews",
            get(assess::duty_reviews).post(assess::record_duty_review),
        )
        .route("/assess/duty-reviews/{id}", get(assess::duty_review))
        .route(
            "/assess/duty-reviews/{id}/comments",
            post(assess::comment_duty_review),
        )
        .route(
            "/assess/duty-reviews/{id}/grade",
            post(assess::grade_duty_review),
        )
        .route(
            "/assess/indicators",
            get(assess::rating::sets).post(assess::rating::create_set),
        )
        .route("/assess/indicators/{id}", get(assess::rating::set))
        .route(
            "/assess/indicators/{id}/indicators",
            post(assess::rating::add_indicator),
        )
        .route(
            "/assess/indicators/{id}/indicators/{indicator}/delete",
            post(assess::rating::remove_indicator),
        )
        .route(
            "/assess/indicators/{id}/publish",
            post(assess::rating::publish_set),
        )
        .route(
            "/assess/indicators/{id}/revise",
            post(assess::rating::revise_set),
        )
        .route(
            "/assess/rounds",
            get(assess::rating::rounds).post(assess::rating::open_round),
        )
        .route("/assess/rounds/{id}", get(assess::rating::round))
        .route(
            "/assess/rounds/{id}/advance",
            post(assess::rating::advance_round),
        )
        .route(
            "/assess/rounds/{id}/objections/{objection}/answer",
            post(assess::rating::answer_objection),
        )
        .route(
            "/assess/rounds/{id}/performance.xlsx",
            get(assess::rating::performance_xlsx),
        )
        .route(
            "/assess/rounds/{id}/orgs/{org}",
            get(assess::rating::round_org),
        )
        .route(
            "/assess/rounds/{id}/orgs/{org}/self-scores",
            post(assess::rating::self_score),
        )
        .route(
            "/assess/rounds/{id}/orgs/{org}/self-submit",
            post(assess::rating::submit_self),
        )
        .route(
            "/assess/rounds/{id}/orgs/{org}/scores",
            post(assess::rating::upper_score),
        )
        .route(
            "/assess/rounds/{id}/orgs/{org}/objections",
            post(assess::rating::object),
        )
        .route("/assess/dispositions/{id}", get(assess::disposition))
        .route("/assess/dispositions/{id}/steps", post(assess::record_step))
        .route("/care", get(care::home))
        .route(
            "/care/commendations",
            get(care::commendations).post(care::propose),
        )
        .route("/care/commendations/{id}", get(care::commendation))
        .route("/care/commendations/{id}/decision", post(care::decide))
        .route("/care/visits", get(care::visits).post(care::record_visit))
        .route(
            "/care/hardship",
            get(care::hardship).post(care::register_hardship),
        )
        .route("/care/hardship/{id}", get(care::hardship_case))
        .route("/care/hardship/{id}/follow-ups", post(care::follow_up))
        .route("/care/hardship/{id}/close", post(care::close))
        .route("/conduct", get(conduct::home))
        .route("/conduct/findings/new", get(conduct::new_finding))
        .route("/conduct/findings", post(conduct::create_finding))
        .route("/conduct/findings/{id}", get(conduct::finding))
        .route("/conduct/findings/{id}/handle", post(conduct::handle))
        .route("/conduct/findings/{id}/rectify", post(conduct::rectify))
        .route(
            "/conduct/findings/{id}/files/{file}",
            get(conduct::evidence_file),
        )
        .route(
            "/conduct/sanctions",
            get(conduct::sanctions).post(conduct::create_sanction),
        )
        .route("/conduct/sanctions/{id}", get(conduct::sanction))
        .route("/conduct/sanctions/{id}/progress", post(conduct::progress))
        .route("/duty", get(duty::home))
        .route("/orgs/{id}/duty", get(duty::board))
        .route("/orgs/{id}/duties", post(duty::add_duty))
        .route("/orgs/{id}/work-plans", post(duty::add_plan))
        .route("/orgs/{id}/duty-report", get(duty::duty_report))
        .route("/orgs/{id}/duty-report.docx", get(duty::duty_report_docx))
        .route("/work-plans/{id}/tasks", post(duty::add_task))
        .route("/tasks/{id}", get(duty::task))
        .route("/tasks/{id}/tasks", post(duty::add_sub_task))
        .route("/tasks/{id}/reports", post(duty::report))
        .route("/tasks/{id}/duties", post(duty::link_duty))
        .route("/rectification", get(rectification::home))
        .route("/rectification/overview", get(rectification::overview))
        .route(
            "/inspections",
            get(rectification::list).post(rectification::create),
        )
        .route("/inspections/new", get(rectification::new_form))
        .route("/inspections/{id}", get(rectification::detail))
        .route("/inspections/{id}/ledger", get(rectification::ledger))
        .route(
            "/inspections/{id}/ledger.xlsx",
            get(rectification::ledger_xlsx),
        )
        .route(
            "/inspections/{id}/ledger.docx",
            get(rectification::ledger_docx),
        )
        .route(
            "/inspections/{id}/findings",
            post(rectification::add_finding),
        )
        .route("/rectifications/{id}", get(rectification::item))
        .route(
            "/rectifications/{id}/cause",
            post(rectification::save_cause),
        )
        .route(
            "/rectifications/{id}/measures",
            post(rectification::add_measure),
        )
        .route(
            "/rectifications/{id}/measures/{measure}",
            post(rectification::update_measure),
        )
        .route(
            "/rectifications/{id}/measures/{measure}/delete",
            post(rectification::delete_measure),
        )
        .route("/rectifications/{id}/claim", post(rectification::claim))
        .route("/rectifications/{id}/decision", post(rectification::decide))
        .route("/rectifications/{id}/reopen", post(rectification::reopen))
        .route(
            "/rectifications/{id}/files/{file}",
            get(rectification::file),
        )
        .route("/members", get(members::list).post(members::create))
        .route("/members/find", post(members::find))
        .route("/members/new", get(members::new_form))
        .route("/members/{id}", get(members::detail))
        .route(
            "/members/{id}/edit",
            get(members::edit_form).post(members::update),
        )
        .route("/members/{id}/reveal", post(members::reveal))
        .route("/members/{id}/transitions", post(members::transition))
        .route("/transfers", get(lifecycle::transfers))
        .route("/transfers/{id}/receive", post(lifecycle::receive))
        .route("/transfers/{id}/return", post(lifecycle::give_back))
        .route("/probation", get(lifecycle::probation))
        .route("/mobile", get(lifecycle::mobile))
        .route("/mobile/inflow", post(lifecycle::register_inflow))
        .route("/mobile/inflow/{id}/end", post(lifecycle::end_inflow))
        .route("/orgs/{id}/units", post(orgs::covers))
        .route("/units", get(units::list).post(units::create))
        .route("/units/new", get(units::new_form))
        .route(
            "/units/{id}/edit",
            get(units::edit_form).post(units::update),
        )
        .route("/accounts", get(accounts::list).post(accounts::create))
        .route("/accounts/{id}", get(accounts::detail))
        .route(
            "/accounts/grants/{id}/approve",
            post(accounts::approve_grant),
        )
        .route("/accounts/grants/{id}/reject", post(accounts::reject_grant))
        .route("/accounts/{id}/grant", post(accounts::grant))
        .route("/accounts/{id}/disable", post(accounts::disable))
        .route("/accounts/{id}/enable", post(accounts::enable))
        .route("/accounts/{id}/unlock", post(accounts::unlock))
        .route(
            "/accounts/{id}/reset-2fa",
            post(accounts::reset_second_factor),
        )
        .route("/security", get(security::form).post(security::save))
        .route(
            "/accounts/{id}/reset-password",
            post(accounts::reset_password),
        )
        .route("/audit", get(audit::list))
        .route("/audit/export.jsonl", get(audit::export))
        .route("/audit/verify", get(audit::verify))
}

/// A single-file upload form (multipart: the CSRF token, then the file in the field named
/// `file_field`), checked against the session's token for `path`; the file's bytes, or None
/// when none was chosen. Any other field is refused.
async fn single_upload(
    state: &AppState,
    actor: &dangjian_service::Actor,
    mut multipart: axum::extract::Multipart,
    file_field: &str,
    path: &str,
) -> Result<Option<axum::body::Bytes>, PageError> {
    let mut csrf = None;
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| PageError::BadRequest("上传内容无效或过大".to_owned()))?
    {
        let invalid = |_| PageError::BadRequest("上传内容无效或上传中断".to_owned());
        match field.name() {
            Some("csrf") => csrf = Some(field.text().await.map_err(invalid)?),
            Some(name) if name == file_field => {
                file = Some(field.bytes().await.map_err(invalid)?);
            }
            _ => return Err(PageError::BadRequest("表单含有不允许的字段".to_owned())),
        }
    }
    crate::session::check_csrf(state, actor, csrf.as_deref(), path).await?;
    Ok(file.filter(|f| !f.is_empty()))
}

/// A page's path parameters. A path that does not parse (`/members/abc`) is a page that does
/// not exist: the Chinese 404, never axum's English rejection text.
pub struct Path<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Path<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(_) => Err(not_found().await),
        }
    }
}

/// The files of a multipart upload (the CSRF token, then one or more `file` fields), with
/// their names as the browser gave them; an empty file input sends none.
async fn file_uploads(
    state: &AppState,
    actor: &dangjian_service::Actor,
    mut multipart: axum::extract::Multipart,
    path: &str,
) -> Result<Vec<(String, axum::body::Bytes)>, PageError> {
    let bad = |m: &str| PageError::BadRequest(m.to_owned());
    let mut csrf = None;
    let mut files = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| bad("上传内容无效或过大"))?
    {
        match field.name() {
            Some("csrf") => csrf = Some(field.text().await.map_err(|_| bad("上传内容无效"))?),
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(|_| bad("文件过大或上传中断"))?;
                if !(name.is_empty() && bytes.is_empty()) {
                    files.push((name, bytes));
                }
            }
            _ => return Err(bad("表单含有不允许的字段")),
        }
    }
    crate::session::check_csrf(state, actor, csrf.as_deref(), path).await?;
    Ok(files)
}

/// The routes that take uploads, with their own (larger) body limit.
/// The routes that take a course's media: no body limit here — the service stops an
/// upload at the deployment's media limit as it arrives.
pub fn media_router() -> Router<AppState> {
    Router::new().route("/study/courses/{id}/chapters", post(study::add_chapter))
}

pub fn upload_router() -> Router<AppState> {
    Router::new()
        .route("/members/import", post(import::upload))
        .route(
            "/meetings/{id}/attachments",
            post(orglife::upload_attachment),
        )
        .route("/rectifications/{id}/reports", post(rectification::report))
        .route("/conduct/findings/{id}/files", post(conduct::add_evidence))
        .route(
            "/recruitment/{id}/materials/{material}",
            post(recruitment::add_files),
        )
        .route("/audit/verify", post(audit::verify_with_seals))
        .route("/units/import", post(units::import))
        .route("/study/questions/import", post(study::import_questions))
        .route("/dues/import/{kind}", post(dues_import::upload))
        .route(
            "/funds/orgs/{id}/expenses/{expense}/vouchers",
            post(funds::add_vouchers),
        )
}

/// Liveness for load balancers and benchmarks: no session, no database.
async fn health() -> &'static str {
    "ok"
}

pub async fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, "未找到", "您要找的页面不存在。")
}

/// Back to `back` on success, or the page `again` makes with the refusal at the form's
/// fields (the form named by `kept.0`, what was typed in `kept.1`).
pub(crate) async fn after_action<T, F, Fut>(
    result: Result<(), dangjian_service::ServiceError>,
    back: String,
    kept: (&'static str, Vec<(String, String)>),
    again: F,
) -> Result<Response, PageError>
where
    T: Template,
    F: FnOnce(Kept) -> Fut,
    Fut: std::future::Future<Output = Result<T, PageError>>,
{
    match result {
        Ok(()) => Ok(axum::response::Redirect::to(&back).into_response()),
        Err(
            dangjian_service::ServiceError::Invalid(errors)
            | dangjian_service::ServiceError::Conflict(errors),
        ) => {
            let kept = Kept {
                active: kept.0,
                values: kept.1,
                errors,
            };
            render_invalid(&again(kept).await?)
        }
        Err(other) => Err(other.into()),
    }
}

/// What a refused form keeps on a page that has several: which form it was, what was typed,
/// and the refusal at its fields (shown at that form only).
#[derive(Default)]
pub struct Kept {
    pub active: &'static str,
    pub values: Vec<(String, String)>,
    pub errors: dangjian_core::field::FieldErrors,
}

impl Kept {
    /// What was typed into `name` of `form`, when `form` was the one refused (empty
    /// otherwise: a page's forms share field names, and a refused transfer's amount must not
    /// appear in the expenditure form beside it).
    pub fn v(&self, form: &str, name: &str) -> &str {
        if self.active != form {
            return "";
        }
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The refusal at `field`, when `form` was the one refused.
    pub fn err(&self, form: &str, field: &str) -> Option<&str> {
        if self.active == form {
            self.errors.get(field)
        } else {
            None
        }
    }
}

/// The content type of a Word document.
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A stored file as a download under its own (UTF-8) name; `fallback` is the plain-ASCII
/// name for clients that ignore `filename*`.
pub fn download(file_name: &str, fallback: &str, content_type: String, bytes: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        crate::session::encode(file_name)
    );
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// Renders a template as a full page.
pub fn render(template: &impl Template) -> Result<Response, PageError> {
    Ok(Html(template.render()?).into_response())
}

/// Renders a form page that came back with errors: 422, values kept, messages at the fields.
pub fn render_invalid(template: &impl Template) -> Result<Response, PageError> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(template.render()?)).into_response())
}

/// A query string that must parse; a malformed one is a bad request, not a crash.
pub fn query<T: serde::de::DeserializeOwned>(raw: Option<&str>) -> Result<T, PageError> {
    let pairs = crate::session::form_pairs(raw.unwrap_or("").as_bytes())?;
    crate::session::from_pairs(pairs)
}
