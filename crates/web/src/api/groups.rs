//! `/api/v1/orgs/{id}/group-members`: a party group's members (issue 14, 3).

use axum::Json;
use axum::extract::State;
use dangjian_service::groups::{GroupRoster, PlaceForm, UnplaceForm};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::{ApiError, ApiErrorBody};
use crate::session::ApiActor;
use crate::view;

/// A member of a party group today.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupMemberJson {
    pub member_id: i64,
    pub name: String,
    /// A full member (正式党员), who votes.
    pub voting: bool,
    /// The day they joined the group.
    #[schema(format = Date)]
    pub since: String,
    /// The group leader (党小组长).
    pub leader: bool,
}

/// A member of the branch outside this group, who could be placed in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupCandidateJson {
    pub member_id: i64,
    pub name: String,
    /// The group they are in now, if any.
    pub group: Option<String>,
}

/// A member's past time in the group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupPlacementJson {
    pub member_id: i64,
    pub name: String,
    #[schema(format = Date)]
    pub from: String,
    #[schema(format = Date)]
    pub to: String,
}

/// A party group's roster: what a 党小组会 expects today.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupRosterJson {
    pub group_id: i64,
    pub branch_id: i64,
    pub members: Vec<GroupMemberJson>,
    pub candidates: Vec<GroupCandidateJson>,
    pub past: Vec<GroupPlacementJson>,
}

impl From<GroupRoster> for GroupRosterJson {
    fn from(r: GroupRoster) -> Self {
        GroupRosterJson {
            group_id: r.group.id,
            branch_id: r.branch_id,
            members: r
                .members
                .into_iter()
                .map(|m| GroupMemberJson {
                    member_id: m.member_id,
                    name: m.name,
                    voting: m.voting,
                    since: view::date(m.since),
                    leader: m.leader,
                })
                .collect(),
            candidates: r
                .candidates
                .into_iter()
                .map(|c| GroupCandidateJson {
                    member_id: c.member_id,
                    name: c.name,
                    group: c.group,
                })
                .collect(),
            past: r
                .past
                .into_iter()
                .map(|p| GroupPlacementJson {
                    member_id: p.member_id,
                    name: p.name,
                    from: view::date(p.span.from),
                    to: p.span.to.map(view::date).unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// Members of the branch to place in the group.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PlaceInput {
    /// Member ids on the branch's roll that day; one in another group moves that day.
    pub members: Vec<i64>,
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub on: String,
}

/// A member to take out of the group.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct UnplaceInput {
    pub member_id: i64,
    /// `YYYY-MM-DD`, after the day they joined; today when empty.
    #[schema(pattern = r"^(\d{4}-\d{2}-\d{2})?$")]
    pub on: String,
}

/// A party group's members today, the branch's other members, and who has left.
#[utoipa::path(get, path = "/orgs/{id}/group-members", tag = "orgs", params(("id" = i64, Path)),
    responses((status = 200, body = GroupRosterJson), (status = 404, body = ApiErrorBody)))]
pub async fn roster(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<GroupRosterJson>, ApiError> {
    Ok(Json(state.services.group_roster(&actor, id).await?.into()))
}

/// Places members of the branch in the group from a day.
#[utoipa::path(post, path = "/orgs/{id}/group-members", tag = "orgs", params(("id" = i64, Path)),
    request_body = PlaceInput,
    responses((status = 200, body = GroupRosterJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn place(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<PlaceInput>,
) -> Result<Json<GroupRosterJson>, ApiError> {
    let form = PlaceForm {
        members: input.members,
        on: input.on,
    };
    state.services.place_in_group(&actor, id, &form).await?;
    Ok(Json(state.services.group_roster(&actor, id).await?.into()))
}

/// Takes a member out of the group from a day; a group leader's post ends that day too.
#[utoipa::path(post, path = "/orgs/{id}/group-members/end", tag = "orgs", params(("id" = i64, Path)),
    request_body = UnplaceInput,
    responses((status = 200, body = GroupRosterJson), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn unplace(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<UnplaceInput>,
) -> Result<Json<GroupRosterJson>, ApiError> {
    let form = UnplaceForm {
        member: input.member_id,
        on: input.on,
    };
    state.services.remove_from_group(&actor, id, &form).await?;
    Ok(Json(state.services.group_roster(&actor, id).await?.into()))
}
