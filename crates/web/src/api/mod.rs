//! The JSON API under `/api/v1`: orgs and members, authenticated by bearer tokens (created with
//! `dangjian token create`) and bound by the same permissions and data scope as the account
//! behind the token. The OpenAPI document is generated from these handlers, so it cannot
//! drift from them.

mod assess;
mod care;
mod committees;
mod conduct;
mod dues;
mod dues_import;
mod duty;
mod funds;
mod groups;
mod imports;
mod lifecycle;
mod members;
mod orglife;
mod orgs;
mod recruitment;
mod rectification;
mod reports;
mod study;
mod units;

use axum::extract::{FromRequest, Request};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiErrorBody, ApiFieldError};

#[derive(OpenApi)]
#[openapi(
    info(title = "党建工作平台 API", version = "1", description = "组织与党员：单位（隶属树、存续期间、表格导入）、组织、联合党支部覆盖的单位、委员与换届、党员及其组织关系变动、覆盖检查、党内统计、表格导入导出；组织生活：会议记录、审核、补学、落实情况；整改：检查反馈、问题、整改措施、进展与佐证、验收销号、回头看、提醒与总览；责任：责任清单、工作计划与任务、述职材料；作风纪律：问题线索、处置与四种形态、处分及其影响期（仅纪检人员）、党员可否评先评优与晋职；关爱表彰：表彰奖励的提名与审批、走访慰问、困难党员帮扶、政治生日与“光荣在党50年”名单；党费：按工资基数与档次核定（工资仅党费收缴员与本人可见）、月度应交、交纳与补交、困难减免与审批、欠缴与连续6个月未交预警、逐级对账；党建工作经费：按经费来源与科目编制年度预算、支出申请与审批（负面清单、开支标准、预算余额核对，专款专用）、预算执行情况（金额均以分为单位）。所有请求须携带 `Authorization: Bearer <令牌>`，令牌由 `dangjian token create` 生成，权限与数据范围同其账号。"),
    servers((url = "/api/v1")),
    components(schemas(ApiErrorBody, ApiFieldError)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(orgs::list, orgs::create))
        .routes(routes!(orgs::get, orgs::update))
        .routes(routes!(orgs::relocate))
        .routes(routes!(orgs::dissolve))
        .routes(routes!(reports::dashboard))
        .routes(routes!(units::list, units::create))
        .routes(routes!(units::get, units::update))
        .routes(routes!(units::covered, units::set_covered))
        .routes(routes!(groups::roster, groups::place))
        .routes(routes!(groups::unplace))
        .routes(routes!(committees::posts, committees::appoint))
        .routes(routes!(committees::relieve))
        .routes(routes!(committees::terms))
        .routes(routes!(committees::elect))
        .routes(routes!(committees::extend))
        .routes(routes!(committees::assess))
        .routes(routes!(members::list, members::create))
        .routes(routes!(members::export))
        .routes(routes!(members::get, members::update))
        .routes(routes!(lifecycle::get))
        .routes(routes!(lifecycle::transition))
        .routes(routes!(lifecycle::transfers))
        .routes(routes!(lifecycle::receive))
        .routes(routes!(lifecycle::send_back))
        .routes(routes!(lifecycle::probation))
        .routes(routes!(lifecycle::mobile))
        .routes(routes!(lifecycle::lost_contact))
        .routes(routes!(lifecycle::inflow, lifecycle::register_inflow))
        .routes(routes!(lifecycle::end_inflow))
        .routes(routes!(imports::commit))
        .routes(routes!(imports::rollback))
        .routes(routes!(reports::coverage))
        .routes(routes!(reports::statistics))
        .routes(routes!(reports::reelections))
        .routes(routes!(orglife::create))
        .routes(routes!(orglife::get, orglife::update))
        .routes(routes!(orglife::submit))
        .routes(routes!(orglife::review))
        .routes(routes!(orglife::makeup))
        .routes(routes!(orglife::report))
        .routes(routes!(orglife::rectify))
        .routes(routes!(orglife::list))
        .routes(routes!(orglife::compliance))
        .routes(routes!(orglife::analyses))
        .routes(routes!(orglife::overview))
        .routes(routes!(orglife::todo))
        .routes(routes!(orglife::mine))
        .routes(routes!(orglife::plan, orglife::generate_plan))
        .routes(routes!(orglife::add_plan_item))
        .routes(routes!(
            orglife::update_plan_item,
            orglife::delete_plan_item
        ))
        .routes(routes!(orglife::ledger))
        .routes(routes!(orglife::ledger_xlsx))
        .routes(routes!(orglife::ledger_docx))
        .routes(routes!(orglife::attachment, orglife::detach))
        .routes(routes!(rectification::list, rectification::create))
        .routes(routes!(rectification::get))
        .routes(routes!(rectification::add_finding))
        .routes(routes!(rectification::ledger))
        .routes(routes!(rectification::ledger_xlsx))
        .routes(routes!(rectification::ledger_docx))
        .routes(routes!(rectification::item))
        .routes(routes!(rectification::cause))
        .routes(routes!(rectification::add_measure))
        .routes(routes!(
            rectification::update_measure,
            rectification::delete_measure
        ))
        .routes(routes!(rectification::report))
        .routes(routes!(rectification::claim))
        .routes(routes!(rectification::decide))
        .routes(routes!(rectification::reopen))
        .routes(routes!(rectification::file))
        .routes(routes!(rectification::todo))
        .routes(routes!(rectification::overview))
        .routes(routes!(assess::reviews, assess::open))
        .routes(routes!(assess::review))
        .routes(routes!(assess::submit_self))
        .routes(routes!(assess::peer))
        .routes(routes!(assess::advance))
        .routes(routes!(assess::ballot))
        .routes(routes!(assess::propose))
        .routes(routes!(assess::decide))
        .routes(routes!(assess::approve))
        .routes(routes!(assess::standing))
        .routes(routes!(assess::practices, assess::submit_practice))
        .routes(routes!(assess::practice))
        .routes(routes!(assess::decide_practice))
        .routes(routes!(assess::adopt_practice))
        .routes(routes!(assess::duty_reviews, assess::record_duty_review))
        .routes(routes!(assess::duty_review))
        .routes(routes!(assess::comment_duty_review))
        .routes(routes!(assess::grade_duty_review))
        .routes(routes!(assess::dispositions))
        .routes(routes!(assess::disposition))
        .routes(routes!(assess::record_step))
        .routes(routes!(assess::rating::sets, assess::rating::create_set))
        .routes(routes!(assess::rating::set))
        .routes(routes!(assess::rating::add_indicator))
        .routes(routes!(assess::rating::remove_indicator))
        .routes(routes!(assess::rating::publish_set))
        .routes(routes!(assess::rating::revise_set))
        .routes(routes!(assess::rating::rounds, assess::rating::open_round))
        .routes(routes!(assess::rating::round))
        .routes(routes!(assess::rating::advance_round))
        .routes(routes!(assess::rating::answer_objection))
        .routes(routes!(assess::rating::round_org))
        .routes(routes!(assess::rating::self_score))
        .routes(routes!(assess::rating::submit_self_assessment))
        .routes(routes!(assess::rating::upper_score))
        .routes(routes!(assess::rating::object))
        .routes(routes!(care::commendations, care::propose))
        .routes(routes!(care::commendation))
        .routes(routes!(care::decide))
        .routes(routes!(care::honours))
        .routes(routes!(care::visits, care::record_visit))
        .routes(routes!(care::hardship_cases, care::register_hardship))
        .routes(routes!(care::hardship_case))
        .routes(routes!(care::follow_up))
        .routes(routes!(care::close))
        .routes(routes!(care::todo))
        .routes(routes!(care::glorious_fifty))
        .routes(routes!(dues::member_dues))
        .routes(routes!(dues_import::commit))
        .routes(routes!(dues::assess))
        .routes(routes!(dues::pay))
        .routes(routes!(dues::pay_batch))
        .routes(routes!(dues::payment))
        .routes(routes!(dues::run))
        .routes(routes!(dues::propose_reduction))
        .routes(routes!(dues::reductions))
        .routes(routes!(dues::decide_reduction))
        .routes(routes!(dues::sheet))
        .routes(routes!(dues::arrears))
        .routes(routes!(dues::ledger))
        .routes(routes!(dues::disclosure))
        .routes(routes!(recruitment::pipeline, recruitment::add))
        .routes(routes!(recruitment::person))
        .routes(routes!(recruitment::step))
        .routes(routes!(recruitment::review))
        .routes(routes!(recruitment::publicity))
        .routes(routes!(recruitment::extension))
        .routes(routes!(recruitment::end))
        .routes(routes!(recruitment::redo))
        .routes(routes!(recruitment::statistics))
        .routes(routes!(recruitment::file))
        .routes(routes!(funds::budget))
        .routes(routes!(funds::set_line))
        .routes(routes!(funds::propose))
        .routes(routes!(funds::decide))
        .routes(routes!(funds::propose_transfer))
        .routes(routes!(funds::decide_transfer))
        .routes(routes!(funds::voucher))
        .routes(routes!(conduct::findings, conduct::record))
        .routes(routes!(conduct::finding))
        .routes(routes!(conduct::handle))
        .routes(routes!(conduct::rectify))
        .routes(routes!(conduct::evidence_file))
        .routes(routes!(conduct::sanctions, conduct::record_sanction))
        .routes(routes!(conduct::sanction))
        .routes(routes!(conduct::progress))
        .routes(routes!(conduct::categories))
        .routes(routes!(conduct::eligibility))
        .routes(routes!(duty::board, duty::add_duty))
        .routes(routes!(duty::add_plan))
        .routes(routes!(duty::add_task))
        .routes(routes!(duty::task))
        .routes(routes!(duty::add_sub_task))
        .routes(routes!(duty::report))
        .routes(routes!(duty::link))
        .routes(routes!(duty::duty_report))
        .routes(routes!(study::search))
        .routes(routes!(study::studies, study::record))
        .routes(routes!(study::study))
        .routes(routes!(study::makeup))
        .routes(routes!(study::link))
        .routes(routes!(study::member_year))
        .routes(routes!(study::org_year))
        .routes(routes!(study::ledger))
        .routes(routes!(study::classes, study::create_class))
        .routes(routes!(study::class))
        .routes(routes!(study::add_session))
        .routes(routes!(study::enrol))
        .routes(routes!(study::attendance))
        .routes(routes!(study::close))
        .routes(routes!(study::courses, study::create_course))
        .routes(routes!(study::course))
        .routes(routes!(study::publish))
        .routes(routes!(study::complete))
        .routes(routes!(study::answer_quiz))
        .routes(routes!(study::add_quiz_question))
        .routes(routes!(study::remove_quiz_question))
        .routes(routes!(study::chapter_file))
        .routes(routes!(study::questions, study::add_question))
        .routes(routes!(study::exams, study::create_exam))
        .routes(routes!(study::exam))
        .routes(routes!(study::add_part))
        .routes(routes!(study::publish_exam))
        .routes(routes!(study::start))
        .routes(routes!(study::sitting))
        .routes(routes!(study::answer))
        .routes(routes!(study::study_plan))
        .routes(routes!(study::add_plan_topic))
        .routes(routes!(study::remove_plan_topic))
        .routes(routes!(study::issue_plan))
        .routes(routes!(study::adopt_plan))
}

/// The routes that take a spreadsheet as their body: served outside the small body limit
/// of the rest of the API.
fn upload_api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(imports::preview))
        .routes(routes!(units::import))
        .routes(routes!(orglife::attach))
        .routes(routes!(rectification::report_file))
        .routes(routes!(conduct::add_evidence))
        .routes(routes!(recruitment::add_file))
        .routes(routes!(dues_import::preview))
        .routes(routes!(funds::add_voucher))
        .routes(routes!(study::import_questions))
}

/// The route that takes a course's media, without the upload limit: the service stops an
/// upload at the deployment's media limit as it arrives.
fn media_api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(study::add_chapter))
}

pub fn media_router() -> Router<AppState> {
    Router::new().nest("/api/v1", media_api_router().split_for_parts().0)
}

/// The OpenAPI document of the API.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut document = api_router().split_for_parts().1;
    document.merge(upload_api_router().split_for_parts().1);
    document.merge(media_api_router().split_for_parts().1);
    complete_operations(&mut document);
    document
}

/// What every operation shares, said once here rather than on each handler:
///
/// - its id is `{tag}_{handler}` (`members_list`, `orglife_list`): handlers of different areas
///   share names, and a generated client needs every id once;
/// - the answers any request can get: 401 without a valid token, 403 for a role without the
///   function, 429 when the address is throttled or the account already runs two heavy
///   requests, 503 when the database is away; for an operation that takes input, 400 for a
///   path id that is not a number or a query or body that does not parse, 404 for an object
///   it names that does not exist or is out of scope, 422 for values refused field by field;
///   for one with a body, 409 for a duplicate or a lost update; each with the JSON error body.
fn complete_operations(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ApiErrorBody")))
                    .build(),
            )
            .build()
    };
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let tag = operation
                .tags
                .as_ref()
                .and_then(|tags| tags.first())
                .cloned()
                .unwrap_or_default();
            if let Some(id) = &mut operation.operation_id {
                *id = format!("{tag}_{id}");
            }
            let takes_input = operation.request_body.is_some()
                || operation.parameters.as_ref().is_some_and(|parameters| {
                    parameters
                        .iter()
                        .any(|p| matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query))
                });
            let mut common = vec![
                ("401", "缺少或无效的访问令牌"),
                ("403", "账号的角色没有这项功能"),
                ("429", "尝试过于频繁，或本账号已有两项导出或统计在进行"),
                ("503", "数据库暂时不可用"),
            ];
            if takes_input {
                common.push(("400", "路径中的编号不是整数，或请求格式无效"));
                common.push(("404", "所指的对象不存在或不在管理范围内"));
                common.push(("422", "输入有误，fields 逐项说明"));
            }
            if operation.request_body.is_some() {
                common.push(("409", "与已有数据冲突（如重复的编码），或已被他人修改"));
            }
            for (status, description) in common {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error(description).into());
            }
        }
    }
}

/// The upload routes, under `/api/v1`, for the router with the upload body limit.
pub fn upload_router() -> Router<AppState> {
    Router::new().nest("/api/v1", upload_api_router().split_for_parts().0)
}

pub fn router() -> Router<AppState> {
    let (router, _) = api_router().split_for_parts();
    let document = std::sync::Arc::new(openapi_document());
    router.route(
        "/openapi.json",
        get(move || {
            let document = document.clone();
            async move { Json(document.as_ref().clone()) }
        }),
    )
}

/// The id of what a request created (answered with 201).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedJson {
    pub id: i64,
}

/// Path parameters. One that does not parse (an id that is not a number) is a 400 with the
/// JSON error body, as every other bad request of the API is.
pub struct ApiPath<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(_) => Err(ApiError::BadRequest("路径中的编号应为正整数".to_owned())),
        }
    }
}

/// A JSON body; a malformed one, or one with fields the endpoint does not take, is a 400 with
/// a JSON error, never a panic or a half-parsed value.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(ApiError::BadRequest(format!(
                "请求体无效：{}",
                rejection.body_text()
            ))),
        }
    }
}

/// A query string, with the same refusals as the pages (unknown or repeated parameters).
pub fn api_query<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, ApiError> {
    crate::pages::query(raw)
        .map_err(|_| ApiError::BadRequest("查询参数无效或含有不支持的参数".to_owned()))
}
