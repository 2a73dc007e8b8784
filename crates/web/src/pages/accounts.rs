//! Account administration pages, split as 三员 requires: the system administrator creates,
//! disables and resets; the security administrator grants roles and scopes.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_core::field::FieldErrors;
use dangjian_core::role::{Permission, Role};
use dangjian_service::accounts::{AccountView, GrantForm, NewAccountForm, PasswordGrantView};
use dangjian_service::{Actor, ServiceError};
use serde::Deserialize;

use super::{Path, render, render_invalid};
use crate::AppState;
use crate::error::PageError;
use crate::layout::Layout;
use crate::session::{Session, SessionForm};
use crate::view;

struct AccountItem {
    id: i64,
    login: String,
    name: String,
    role: String,
    org: String,
    disabled: bool,
    must_change: bool,
    last_login: String,
    /// "已锁定至 …" while locked after failed logins.
    locked: Option<String>,
    second_factor: bool,
    /// "重置密码，申请于 …" while a password setting awaits the security administrator.
    pending: Option<String>,
}

impl From<&AccountView> for AccountItem {
    fn from(a: &AccountView) -> Self {
        Self {
            id: a.id,
            login: a.login.clone(),
            name: a.display_name.clone(),
            role: a.role.map_or("未授权", |r| r.label()).to_owned(),
            org: a.org_name.clone().unwrap_or_else(|| "—".to_owned()),
            disabled: a.disabled,
            must_change: a.must_change_password,
            last_login: a
                .last_login_at
                .map_or_else(|| "从未".to_owned(), view::instant),
            locked: a.locked_until.map(view::instant),
            second_factor: a.second_factor,
            pending: a
                .pending_password
                .map(|(kind, at)| format!("{}，申请于 {}", kind.label(), view::instant(at))),
        }
    }
}

/// A password setting awaiting approval, as listed.
struct GrantItem {
    id: i64,
    account_id: i64,
    login: String,
    name: String,
    kind: &'static str,
    requested_by: String,
    requested_at: String,
    expired: bool,
}

impl From<&PasswordGrantView> for GrantItem {
    fn from(g: &PasswordGrantView) -> Self {
        Self {
            id: g.id,
            account_id: g.account_id,
            login: g.login.clone(),
            name: g.display_name.clone(),
            kind: g.kind.label(),
            requested_by: g.requested_by.clone(),
            requested_at: view::instant(g.requested_at),
            expired: g.expired,
        }
    }
}

#[derive(Template)]
#[template(path = "account_list.html")]
struct ListPage {
    layout: Layout,
    can_manage: bool,
    can_decide: bool,
    /// A new account's login and the first half of its password, shown once.
    created: Option<(String, String)>,
    /// An approved account's login and the second half, shown once.
    approved: Option<(String, String)>,
    error: Option<String>,
    form: (String, String),
    errors: FieldErrors,
    grants: Vec<GrantItem>,
    accounts: Vec<AccountItem>,
}

async fn list_page(
    state: &AppState,
    actor: &Actor,
    form: (String, String),
    errors: FieldErrors,
) -> Result<ListPage, PageError> {
    let accounts = state.services.accounts(actor).await?;
    let grants = state.services.password_grants(actor).await?;
    Ok(ListPage {
        layout: Layout::new(actor, "/accounts", "账号").crumb("账号", None),
        can_manage: actor.permits(Permission::ManageAccounts),
        can_decide: actor.permits(Permission::ManageSecurity),
        created: None,
        approved: None,
        error: None,
        form,
        errors,
        grants: grants.iter().map(GrantItem::from).collect(),
        accounts: accounts.iter().map(AccountItem::from).collect(),
    })
}

pub async fn list(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    render(
        &list_page(
            &state,
            &session.actor,
            Default::default(),
            FieldErrors::new(),
        )
        .await?,
    )
}

/// Creates an account and shows the first half of its one-time password on the page that
/// answers the post, once: it is not stored anywhere in clear and is not in any redirect.
pub async fn create(
    State(state): State<AppState>,
    form: SessionForm<NewAccountForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.create_account(&session.actor, &form).await {
        Ok((_, first_half)) => {
            let login = dangjian_service::auth::normalise_login(&form.login);
            let mut page = list_page(
                &state,
                &session.actor,
                Default::default(),
                FieldErrors::new(),
            )
            .await?;
            page.created = Some((login, first_half));
            render(&page)
        }
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => render_invalid(
            &list_page(
                &state,
                &session.actor,
                (form.login, form.display_name),
                errors,
            )
            .await?,
        ),
        Err(other) => Err(other.into()),
    }
}

/// Approves a password setting and shows the second half once (security administrator).
pub async fn approve_grant(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Empty>,
) -> Result<Response, PageError> {
    let actor = &form.session.actor;
    match state.services.approve_password_grant(actor, id).await {
        Ok(approved) => {
            let mut page = list_page(&state, actor, Default::default(), FieldErrors::new()).await?;
            page.approved = Some((approved.login, approved.second_half));
            render(&page)
        }
        Err(ServiceError::ReauthRequired) => Err(PageError::Reauth("/accounts".to_owned())),
        Err(ServiceError::Invalid(errors)) => {
            let mut page = list_page(&state, actor, Default::default(), FieldErrors::new()).await?;
            page.error = errors.iter().next().map(|e| e.message.clone());
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}

/// Refuses a password setting (security administrator).
pub async fn reject_grant(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Empty>,
) -> Result<Response, PageError> {
    let actor = &form.session.actor;
    match state.services.reject_password_grant(actor, id).await {
        Ok(()) => Ok(Redirect::to("/accounts").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let mut page = list_page(&state, actor, Default::default(), FieldErrors::new()).await?;
            page.error = errors.iter().next().map(|e| e.message.clone());
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "account_detail.html")]
struct DetailPage {
    layout: Layout,
    a: AccountItem,
    can_manage: bool,
    can_grant: bool,
    can_unlock: bool,
    password: Option<String>,
    error: Option<String>,
    grant: (String, String, String),
    roles: Vec<(String, String)>,
    errors: FieldErrors,
}

fn detail_page(actor: &Actor, account: &AccountView) -> DetailPage {
    let item = AccountItem::from(account);
    let business = [
        Role::CommitteeStaff,
        Role::OrgSecretary,
        Role::DisciplineOffice,
        Role::DisciplineMember,
        Role::DuesKeeper,
        Role::Member,
    ];
    DetailPage {
        layout: Layout::new(actor, "/accounts", account.login.clone())
            .crumb("账号", Some("/accounts".to_owned()))
            .crumb(account.login.clone(), None),
        can_manage: actor.permits(Permission::ManageAccounts),
        can_grant: actor.permits(Permission::GrantRoles)
            && !account.role.is_some_and(Role::is_administrator),
        can_unlock: actor.permits(Permission::ManageSecurity),
        password: None,
        error: None,
        grant: (
            account.role.map_or("", |r| r.code()).to_owned(),
            String::new(),
            String::new(),
        ),
        roles: business
            .iter()
            .map(|r| (r.code().to_owned(), r.label().to_owned()))
            .collect(),
        errors: FieldErrors::new(),
        a: item,
    }
}

pub async fn detail(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let account = state.services.account(&session.actor, id).await?;
    render(&detail_page(&session.actor, &account))
}

pub async fn grant(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<GrantForm>,
) -> Result<Response, PageError> {
    let SessionForm { session, form } = form;
    match state.services.grant_role(&session.actor, id, &form).await {
        Err(ServiceError::ReauthRequired) => Err(PageError::Reauth(format!("/accounts/{id}"))),
        Ok(()) => Ok(Redirect::to(&format!("/accounts/{id}")).into_response()),
        Err(ServiceError::Invalid(errors) | ServiceError::Conflict(errors)) => {
            let account = state.services.account(&session.actor, id).await?;
            let mut page = detail_page(&session.actor, &account);
            page.grant = (form.role, form.org, form.police_number);
            page.errors = errors;
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

async fn set_disabled(
    state: &AppState,
    actor: &Actor,
    id: i64,
    disabled: bool,
) -> Result<Response, PageError> {
    match state
        .services
        .set_account_disabled(actor, id, disabled)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/accounts/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let account = state.services.account(actor, id).await?;
            let mut page = detail_page(actor, &account);
            page.error = errors.iter().next().map(|e| e.message.clone());
            render_invalid(&page)
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn disable(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Empty>,
) -> Result<Response, PageError> {
    set_disabled(&state, &form.session.actor, id, true).await
}

pub async fn enable(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Empty>,
) -> Result<Response, PageError> {
    set_disabled(&state, &form.session.actor, id, false).await
}

/// Asks for a password reset and shows the first half once (system administrator, after
/// giving their own password again); the security administrator approves it.
pub async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Empty>,
) -> Result<Response, PageError> {
    let actor = &form.session.actor;
    let first_half = state
        .services
        .request_password_reset(actor, id)
        .await
        .map_err(PageError::reauth_then(format!("/accounts/{id}")))?;
    let account = state.services.account(actor, id).await?;
    let mut page = detail_page(actor, &account);
    page.password = Some(first_half);
    render(&page)
}

pub async fn unlock(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Empty>,
) -> Result<Response, PageError> {
    state
        .services
        .unlock_account(&form.session.actor, id)
        .await?;
    Ok(Redirect::to(&format!("/accounts/{id}")).into_response())
}

pub async fn reset_second_factor(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: SessionForm<Empty>,
) -> Result<Response, PageError> {
    let back = format!("/accounts/{id}");
    state
        .services
        .reset_second_factor(&form.session.actor, id)
        .await
        .map_err(PageError::reauth_then(back.clone()))?;
    Ok(Redirect::to(&back).into_response())
}
