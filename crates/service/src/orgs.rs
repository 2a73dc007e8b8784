//! The org tree: browse, create, edit, move, dissolve, and appoint the secretary. Every change
//! keeps the tree's shape (kinds only where they may stand, no cycles), stays inside the
//! actor's scope, and is written as history: moves, kind changes and posts are dated intervals,
//! dissolution sets an end date and deletes nothing.

use chrono::NaiveDate;
use dangjian_core::interval::{Change, Span, plan_change};
use dangjian_core::member::{MemberRef, parse_date};
use dangjian_core::org::{Code, OrgForm, OrgKind, OrgPath, Post, check_placement};
use dangjian_core::role::{Permission, Scope};
use dangjian_store::history::{self, posts};
use dangjian_store::orgs::{self, NewOrg, OrgFilter};
use dangjian_store::{Conn, units};
use serde::Deserialize;
use serde_json::json;

use crate::Services;
use crate::audit::{self, Event};
use crate::auth::Actor;
use crate::error::{ServiceError, ServiceResult, duplicate_to_field};
use crate::scope::{org_by_code, org_label, visible_org};

pub use dangjian_store::history::posts::PostHolder;
pub use dangjian_store::orgs::{OrgFilter as Filter, OrgRow as Org};

/// The post of branch secretary (书记), as stored in `org_posts.post`.
pub const SECRETARY: &str = "secretary";

/// The Chinese name of a post code.
pub fn post_label(code: &str) -> &str {
    Post::from_code(code).map_or(code, |p| p.label())
}

/// What the tree page shows around one org: its ancestors within scope, the org, and the orgs
/// directly below it. With no focus, the top of the actor's scope.
#[derive(Debug, Clone)]
pub struct TreeView {
    pub ancestors: Vec<Org>,
    pub focus: Option<Org>,
    pub children: Vec<Org>,
}

/// One dated value of an org's parent or kind, with what to display for it.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub span: Span,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct OrgDetail {
    pub org: Org,
    pub ancestors: Vec<Org>,
    pub children: Vec<Org>,
    pub posts: Vec<PostHolder>,
    pub parents: Vec<HistoryEntry>,
    pub kinds: Vec<HistoryEntry>,
    /// Whether the actor may change this org (edit, appoint), and move or dissolve it.
    pub can_edit: bool,
    pub can_restructure: bool,
}

/// The move form: the new parent's code and the date the move takes effect.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MoveForm {
    pub parent: String,
    pub on: String,
}

/// The dissolve form: the date.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DissolveForm {
    pub on: String,
}

/// The appointment form: the post, the member's 警号 (empty leaves a single-holder post
/// vacant) and the date.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppointForm {
    pub post: String,
    pub police_number: String,
    pub on: String,
}

/// The form that ends one holder's term: the post, the member (id) and the date.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelieveForm {
    pub post: String,
    pub member: String,
    pub on: String,
}

/// The secretary form: the member's 警号 (empty to leave the post vacant) and the date.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecretaryForm {
    pub police_number: String,
    pub on: String,
}

const DUPLICATE_CODE: &[(&str, &str, &str)] = &[("orgs.code", "code", "该组织编码已被使用")];

/// A date field that defaults to today and may not lie in the future.
pub(crate) fn date_not_after(
    raw: &str,
    today: NaiveDate,
    field: &'static str,
) -> ServiceResult<NaiveDate> {
    let on = match raw.trim() {
        "" => today,
        raw => parse_date(raw).map_err(|e| ServiceError::invalid(field, e.to_string()))?,
    };
    if on > today {
        return Err(ServiceError::invalid(field, "日期不能晚于今天"));
    }
    Ok(on)
}

/// Whether the actor may restructure (move, dissolve) this org: it must lie strictly below
/// the top of the actor's scope, so that no one can move their own org out of their reach.
fn may_restructure(scope: &Scope, org: &Org) -> bool {
    match scope {
        Scope::Everything => org.parent_id.is_some(),
        Scope::Subtree { org_id, .. } => *org_id != org.id && scope.covers_org(&org.path),
        _ => false,
    }
}

async fn unit_id_by_code(
    conn: &mut Conn,
    code: Option<&Code>,
    field: &'static str,
) -> ServiceResult<Option<i64>> {
    match code {
        None => Ok(None),
        Some(code) => units::by_code(conn, code.as_str())
            .await?
            .map(|u| Some(u.id))
            .ok_or_else(|| ServiceError::invalid(field, "没有这个单位编码")),
    }
}

impl Services {
    /// An org's name, for the file name of one of its exports (within scope, as the export).
    pub async fn org_name(&self, actor: &Actor, id: i64) -> ServiceResult<String> {
        Ok(self.load_org(actor, id, "org.view").await?.name)
    }

    /// The tree around `focus`, or the top of the actor's scope: their org for a secretary,
    /// the root for the bureau-wide role, nothing for anyone else.
    pub async fn org_tree(
        &self,
        actor: &Actor,
        focus: Option<i64>,
        include_dissolved: bool,
    ) -> ServiceResult<TreeView> {
        self.require(actor, Permission::ReadOrgs, "org.view")
            .await?;
        let focus = match focus {
            Some(id) => Some(self.load_org(actor, id, "org.view").await?),
            None => None,
        };
        let mut tx = self.db().read().await?;
        let focus = match (focus, &actor.scope) {
            (Some(org), _) => Some(org),
            (None, Scope::Subtree { org_id, .. }) => orgs::get(&mut tx, *org_id).await?,
            // A bureau has one root: open the tree at it rather than at a list of one.
            (None, Scope::Everything) => {
                let roots = orgs::children(&mut tx, None, include_dissolved).await?;
                match <[Org; 1]>::try_from(roots) {
                    Ok([root]) => Some(root),
                    Err(roots) => {
                        tx.commit().await?;
                        return Ok(TreeView {
                            ancestors: Vec::new(),
                            focus: None,
                            children: roots,
                        });
                    }
                }
            }
            (None, Scope::OwnRecord { .. } | Scope::Nothing) => {
                tx.commit().await?;
                return Ok(TreeView {
                    ancestors: Vec::new(),
                    focus: None,
                    children: Vec::new(),
                });
            }
        };
        let Some(focus) = focus.filter(|f| actor.scope.covers_org(&f.path)) else {
            tx.commit().await?;
            return Ok(TreeView {
                ancestors: Vec::new(),
                focus: None,
                children: Vec::new(),
            });
        };
        let mut ancestors = orgs::on_path(&mut tx, &focus.path).await?;
        ancestors.retain(|a| a.id != focus.id && actor.scope.covers_org(&a.path));
        let children = orgs::children(&mut tx, Some(focus.id), include_dissolved).await?;
        tx.commit().await?;
        Ok(TreeView {
            ancestors,
            focus: Some(focus),
            children,
        })
    }

    /// Orgs in scope matching a filter (search box, lists of gaps), at most `limit`.
    pub async fn search_orgs(
        &self,
        actor: &Actor,
        filter: &OrgFilter,
        limit: i64,
    ) -> ServiceResult<Vec<Org>> {
        self.require(actor, Permission::ReadOrgs, "org.search")
            .await?;
        let mut tx = self.db().read().await?;
        let found = orgs::search(&mut tx, &actor.scope, filter, limit).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// An org with its place in the tree and its history. Ancestors and past parents outside
    /// the actor's scope are not named.
    pub async fn org_detail(&self, actor: &Actor, id: i64) -> ServiceResult<OrgDetail> {
        self.require(actor, Permission::ReadOrgs, "org.view")
            .await?;
        let org = self.load_org(actor, id, "org.view").await?;
        let mut tx = self.db().read().await?;
        let mut ancestors = orgs::on_path(&mut tx, &org.path).await?;
        ancestors.retain(|a| a.id != org.id && actor.scope.covers_org(&a.path));
        let children = orgs::children(&mut tx, Some(org.id), true).await?;
        let posts = posts::list(&mut tx, org.id).await?;
        let mut parents = Vec::new();
        for interval in history::org_parent::list(&mut tx, org.id).await? {
            let label = match interval.value {
                None => "（最上级）".to_owned(),
                Some(pid) => org_label(&mut tx, actor, pid).await?,
            };
            parents.push(HistoryEntry {
                span: interval.span,
                label,
            });
        }
        let kinds = history::org_kind::list(&mut tx, org.id)
            .await?
            .into_iter()
            .map(|i| HistoryEntry {
                span: i.span,
                label: OrgKind::from_code(&i.value)
                    .map_or(i.value.clone(), |k| k.label().to_owned()),
            })
            .collect();
        tx.commit().await?;
        let writable = actor.permits(Permission::WriteOrgs) && org.dissolved_on.is_none();
        let mut org = org;
        // The id of a parent outside the scope is not the actor's to know.
        if ancestors.last().map(|p| p.id) != org.parent_id {
            org.parent_id = None;
        }
        Ok(OrgDetail {
            can_edit: writable,
            can_restructure: writable && may_restructure(&actor.scope, &org),
            org,
            ancestors,
            children,
            posts,
            parents,
            kinds,
        })
    }

    /// Creates an org under a parent in scope (or the root, for the bureau-wide role when
    /// none exists).
    pub async fn create_org(&self, actor: &Actor, form: &OrgForm) -> ServiceResult<i64> {
        self.require(actor, Permission::WriteOrgs, "org.create")
            .await?;
        let today = self.clock().today();
        let fields = form.parse(today).map_err(ServiceError::Invalid)?;
        if let Some(code) = &fields.parent_code {
            self.check_org_code(actor, code.as_str(), "parent", "org.create")
                .await?;
        }
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        tx.lock_structure().await?;
        let parent = match &fields.parent_code {
            Some(code) => Some(org_by_code(&mut tx, actor, code.as_str(), "parent").await?),
            None => {
                if actor.scope != Scope::Everything {
                    return Err(ServiceError::invalid("parent", "请填写上级组织编码"));
                }
                if orgs::active_root_exists(&mut tx).await? {
                    return Err(ServiceError::invalid(
                        "parent",
                        "已有最上级党委，请填写上级组织编码",
                    ));
                }
                None
            }
        };
        check_placement(
            fields.kind,
            parent.as_ref().map(|p| (p.kind, &p.path)),
            None,
        )
        .map_err(|e| ServiceError::invalid("kind", e.to_string()))?;
        if let Some(p) = &parent
            && fields.founded_on < p.founded_on
        {
            return Err(ServiceError::invalid(
                "founded_on",
                "成立日期不能早于上级组织的成立日期",
            ));
        }
        let unit_id = unit_id_by_code(&mut tx, fields.unit_code.as_ref(), "unit").await?;
        let new = NewOrg {
            code: fields.code.as_str(),
            name: &fields.name,
            kind: fields.kind,
            parent: parent.as_ref().map(|p| (p.id, &p.path)),
            unit_id,
            is_joint: fields.is_joint,
            founded_on: fields.founded_on,
        };
        let id = orgs::insert(&mut tx, &new, now)
            .await
            .map_err(|e| duplicate_to_field(e, DUPLICATE_CODE))?;
        let event = Event::new("org.create").object("org", id).detail(json!({
            "code": fields.code.as_str(), "name": fields.name, "kind": fields.kind.code(),
            "parent": parent.as_ref().map(|p| p.code.clone()),
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Edits an org's code, name, kind, unit and joint flag. A change of kind is dated today
    /// and must suit both the parent and the children (and members, for a branch).
    pub async fn update_org(&self, actor: &Actor, id: i64, form: &OrgForm) -> ServiceResult<()> {
        self.require(actor, Permission::WriteOrgs, "org.update")
            .await?;
        self.load_org(actor, id, "org.update").await?;
        let today = self.clock().today();
        let now = self.clock().now();
        // The edit form has no parent or founding date: those change by move, and are history.
        let form = OrgForm {
            parent: String::new(),
            founded_on: String::new(),
            ..form.clone()
        };
        let fields = form.parse(today).map_err(ServiceError::Invalid)?;
        let mut tx = self.db().write().await?;
        tx.lock_structure().await?;
        let org = visible_org(&mut tx, actor, id).await?;
        if org.dissolved_on.is_some() {
            return Err(ServiceError::invalid("name", "已撤销的组织不能修改"));
        }
        let mut changed = Vec::new();
        if fields.kind != org.kind {
            let parent = match org.parent_id {
                Some(pid) => orgs::get(&mut tx, pid).await?,
                None => None,
            };
            check_placement(
                fields.kind,
                parent.as_ref().map(|p| (p.kind, &p.path)),
                None,
            )
            .map_err(|e| ServiceError::invalid("kind", e.to_string()))?;
            for child in orgs::children(&mut tx, Some(org.id), false).await? {
                if !child.kind.may_stand_under(Some(fields.kind)) {
                    return Err(ServiceError::invalid(
                        "kind",
                        format!(
                            "下级组织“{}”（{}）不能设在{}之下",
                            child.name,
                            child.kind.label(),
                            fields.kind.label()
                        ),
                    ));
                }
            }
            if org.kind.holds_members() && orgs::direct_member_count(&mut tx, org.id).await? > 0 {
                return Err(ServiceError::invalid(
                    "kind",
                    "该党支部仍有党员，请先转移党员再改变组织类别",
                ));
            }
            let since = history::org_kind::open_since(&mut tx, org.id)
                .await?
                .unwrap_or(org.founded_on);
            let change = plan_change(&org.kind, since, &fields.kind, today)
                .map_err(|e| ServiceError::invalid("kind", e.to_string()))?;
            history::org_kind::apply(&mut tx, org.id, change, fields.kind.code()).await?;
            orgs::set_kind(&mut tx, org.id, fields.kind, now).await?;
            changed.push("kind");
        }
        let unit_id = unit_id_by_code(&mut tx, fields.unit_code.as_ref(), "unit").await?;
        for (name, differs) in [
            ("code", fields.code.as_str() != org.code),
            ("name", fields.name != org.name),
            ("unit", unit_id != org.unit_id),
            ("is_joint", fields.is_joint != org.is_joint),
        ] {
            if differs {
                changed.push(name);
            }
        }
        orgs::update_fields(
            &mut tx,
            org.id,
            fields.code.as_str(),
            &fields.name,
            unit_id,
            fields.is_joint,
            now,
        )
        .await
        .map_err(|e| duplicate_to_field(e, DUPLICATE_CODE))?;
        let event = Event::new("org.update")
            .object("org", org.id)
            .detail(json!({ "changed": changed }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves an org (with its subtree) under a new parent from a date.
    pub async fn move_org(&self, actor: &Actor, id: i64, form: &MoveForm) -> ServiceResult<()> {
        self.require(actor, Permission::WriteOrgs, "org.move")
            .await?;
        self.load_org(actor, id, "org.move").await?;
        self.check_org_code(actor, &form.parent, "parent", "org.move")
            .await?;
        let today = self.clock().today();
        let on = date_not_after(&form.on, today, "on")?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        tx.lock_structure().await?;
        let org = visible_org(&mut tx, actor, id).await?;
        if org.dissolved_on.is_some() || !may_restructure(&actor.scope, &org) {
            return Err(ServiceError::invalid("parent", "您不能移动这个组织"));
        }
        let parent = org_by_code(&mut tx, actor, &form.parent, "parent").await?;
        check_placement(org.kind, Some((parent.kind, &parent.path)), Some(&org.path))
            .map_err(|e| ServiceError::invalid("parent", e.to_string()))?;
        if on < parent.founded_on {
            return Err(ServiceError::invalid(
                "on",
                "调整日期不能早于新上级组织的成立日期",
            ));
        }
        let since = history::org_parent::open_since(&mut tx, org.id)
            .await?
            .unwrap_or(org.founded_on);
        let change = plan_change(&org.parent_id, since, &Some(parent.id), on)
            .map_err(|e| ServiceError::invalid("on", e.to_string()))?;
        if change == Change::Unchanged {
            return Err(ServiceError::invalid(
                "parent",
                "该组织已在这个上级组织之下",
            ));
        }
        history::org_parent::apply(&mut tx, org.id, change, Some(parent.id)).await?;
        orgs::move_subtree(&mut tx, &org, (parent.id, &parent.path), now).await?;
        let from = match org.parent_id {
            Some(pid) => orgs::get(&mut tx, pid).await?.map(|p| p.code),
            None => None,
        };
        let event = Event::new("org.move").object("org", org.id).detail(json!({
            "from": from, "to": parent.code, "on": on.to_string(),
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        // The study materials are found by the paths of their orgs, which have changed: the
        // index is rebuilt apart, not in this request.
        let services = self.clone();
        tokio::spawn(async move {
            if let Err(e) = services.refresh_search_index(true).await {
                tracing::error!(error = %e, "检索索引重建失败");
            }
        });
        Ok(())
    }

    /// Dissolves an org from a date. It must have no active sub-orgs and no members on its
    /// roll; its posts end that day, and the date must follow the start of everything it ends.
    /// The org stays in history.
    pub async fn dissolve_org(
        &self,
        actor: &Actor,
        id: i64,
        form: &DissolveForm,
    ) -> ServiceResult<()> {
        self.require(actor, Permission::WriteOrgs, "org.dissolve")
            .await?;
        self.load_org(actor, id, "org.dissolve").await?;
        let today = self.clock().today();
        let on = date_not_after(&form.on, today, "on")?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        tx.lock_structure().await?;
        let org = visible_org(&mut tx, actor, id).await?;
        if org.dissolved_on.is_some() {
            return Err(ServiceError::invalid("on", "该组织已撤销"));
        }
        if !may_restructure(&actor.scope, &org) {
            return Err(ServiceError::invalid("on", "您不能撤销这个组织"));
        }
        if org.child_count > 0 {
            return Err(ServiceError::invalid("on", "请先撤销或移走下级组织"));
        }
        if orgs::direct_member_count(&mut tx, org.id).await? > 0 {
            return Err(ServiceError::invalid("on", "该组织仍有党员，请先转移党员"));
        }
        let starts = [
            history::org_parent::open_since(&mut tx, org.id).await?,
            history::org_kind::open_since(&mut tx, org.id).await?,
            posts::latest_open_start(&mut tx, org.id).await?,
            dangjian_store::groups::latest_open_start(&mut tx, org.id).await?,
            Some(org.founded_on),
        ];
        if let Some(latest) = starts.into_iter().flatten().max()
            && on <= latest
        {
            return Err(ServiceError::invalid(
                "on",
                format!("撤销日期应晚于{latest}（隶属、类别或任职的起始日期）"),
            ));
        }
        orgs::dissolve(&mut tx, org.id, on, now).await?;
        history::org_parent::close(&mut tx, org.id, on).await?;
        history::org_kind::close(&mut tx, org.id, on).await?;
        posts::close_all(&mut tx, org.id, on).await?;
        dangjian_store::groups::close_all(&mut tx, org.id, on).await?;
        let event = Event::new("org.dissolve")
            .object("org", org.id)
            .detail(json!({ "on": on.to_string() }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Appoints the secretary from a date (or leaves the post vacant from that date).
    pub async fn set_secretary(
        &self,
        actor: &Actor,
        id: i64,
        form: &SecretaryForm,
    ) -> ServiceResult<()> {
        let form = AppointForm {
            post: Post::Secretary.code().to_owned(),
            police_number: form.police_number.clone(),
            on: form.on.clone(),
        };
        self.appoint(actor, id, &form).await
    }

    /// Appoints a post holder from a date. The holder must be a member on the roll within the
    /// org's subtree. A post with one holder passes from the current holder (whose term ends
    /// that day); an empty 警号 leaves such a post vacant from that day. A new term never
    /// begins before the previous one ended.
    pub async fn appoint(&self, actor: &Actor, id: i64, form: &AppointForm) -> ServiceResult<()> {
        self.require(actor, Permission::WriteOrgs, "org.post")
            .await?;
        self.load_org(actor, id, "org.post").await?;
        self.check_police_number(actor, &form.police_number, "police_number", "org.post")
            .await?;
        let today = self.clock().today();
        let on = date_not_after(&form.on, today, "on")?;
        let now = self.clock().now();
        let mut tx = self.db().write().await?;
        tx.lock_structure().await?;
        let org = visible_org(&mut tx, actor, id).await?;
        if org.dissolved_on.is_some() {
            return Err(ServiceError::invalid(
                "police_number",
                "已撤销的组织不能任免",
            ));
        }
        let post = Post::from_code(form.post.trim())
            .filter(|p| Post::for_kind(org.kind).contains(p))
            .ok_or_else(|| {
                ServiceError::invalid("post", format!("{}没有这个职务", org.kind.label()))
            })?;
        let member = match form.police_number.trim() {
            "" => None,
            raw => {
                let reference = MemberRef::parse(raw)
                    .map_err(|e| ServiceError::invalid("police_number", e.to_string()))?;
                let member = crate::scope::member_by_ref(&mut tx, &reference)
                    .await?
                    .filter(|m| actor.scope.covers_member(m.id, &m.branch_path));
                // A group's leader is one of its members; any other post is held by a member
                // of the org or an org below it.
                let member = match (member, org.kind) {
                    (Some(m), OrgKind::Group) => {
                        let placed = dangjian_store::groups::current_of_member(&mut tx, m.id)
                            .await?
                            .is_some_and(|(group, _, _)| group == org.id);
                        placed.then_some(m).ok_or_else(|| {
                            ServiceError::invalid("police_number", "该党员不是本党小组的成员")
                        })?
                    }
                    (Some(m), _) if m.branch_path.is_within(&org.path) => m,
                    _ => {
                        return Err(ServiceError::invalid(
                            "police_number",
                            "该警号或党员编号不是本组织（含下级）的党员",
                        ));
                    }
                };
                if !member.status.is_on_roll() {
                    return Err(ServiceError::invalid(
                        "police_number",
                        format!("{}的党籍状态为{}", member.name, member.status.label()),
                    ));
                }
                if on < member.joined_on {
                    return Err(ServiceError::invalid("on", "任职日期不能早于入党日期"));
                }
                Some(member)
            }
        };
        let new_holder = member.as_ref().map(|m| m.id);
        let current_holder = if post.is_single() {
            self.pass_single_post(&mut tx, org.id, post, new_holder, on)
                .await?
        } else {
            let holder = new_holder
                .ok_or_else(|| ServiceError::invalid("police_number", "请填写委员的警号"))?;
            if posts::holding_since(&mut tx, org.id, post.code(), holder)
                .await?
                .is_some()
            {
                return Err(ServiceError::invalid("police_number", "该党员已是委员"));
            }
            posts::open(&mut tx, org.id, post.code(), holder, on).await?;
            None
        };
        let event = Event::new("org.post").object("org", org.id).detail(json!({
            "post": post.code(), "from_member": current_holder, "to_member": new_holder, "on": on.to_string(),
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Passes a single-holder post to `new_holder` (or leaves it vacant) on `on`; returns the
    /// holder it passed from.
    async fn pass_single_post(
        &self,
        tx: &mut Conn,
        org: i64,
        post: Post,
        new_holder: Option<i64>,
        on: NaiveDate,
    ) -> ServiceResult<Option<i64>> {
        let (current_holder, since) = match posts::current(tx, org, post.code()).await? {
            Some((holder, since)) => (Some(holder), since),
            None => {
                // A vacant post: the next term may not overlap the last one.
                if let Some(last_end) = posts::last_end(tx, org, post.code()).await?
                    && on < last_end
                {
                    return Err(ServiceError::invalid(
                        "on",
                        format!("上一任{}任职至{last_end}，任职日期不能更早", post.label()),
                    ));
                }
                (None, on)
            }
        };
        let change = plan_change(&current_holder, since, &new_holder, on)
            .map_err(|e| ServiceError::invalid("on", e.to_string()))?;
        match (change, new_holder) {
            (Change::Unchanged, _) => {
                return Err(ServiceError::invalid(
                    "police_number",
                    format!("{}没有变化", post.label()),
                ));
            }
            (Change::ReplaceOpen, Some(holder)) if current_holder.is_some() => {
                posts::replace_open(tx, org, post.code(), holder).await?;
            }
            (Change::ReplaceOpen, None) => {
                return Err(ServiceError::invalid("on", "卸任日期应晚于任职日期"));
            }
            (_, holder) => {
                if current_holder.is_some() {
                    posts::close(tx, org, post.code(), on).await?;
                }
                if let Some(holder) = holder {
                    posts::open(tx, org, post.code(), holder, on).await?;
                }
            }
        }
        Ok(current_holder)
    }

    /// Ends one holder's term of a post on a date (免职).
    pub async fn relieve(&self, actor: &Actor, id: i64, form: &RelieveForm) -> ServiceResult<()> {
        self.require(actor, Permission::WriteOrgs, "org.post")
            .await?;
        self.load_org(actor, id, "org.post").await?;
        let today = self.clock().today();
        let on = date_not_after(&form.on, today, "on")?;
        let now = self.clock().now();
        let post = Post::from_code(form.post.trim())
            .ok_or_else(|| ServiceError::invalid("post", "职务无效"))?;
        let member: i64 = form
            .member
            .trim()
            .parse()
            .map_err(|_| ServiceError::invalid("member", "党员无效"))?;
        let mut tx = self.db().write().await?;
        tx.lock_structure().await?;
        let org = visible_org(&mut tx, actor, id).await?;
        let since = posts::holding_since(&mut tx, org.id, post.code(), member)
            .await?
            .ok_or_else(|| ServiceError::invalid("member", "该党员现在不任此职务"))?;
        if on <= since {
            return Err(ServiceError::invalid(
                "on",
                format!("免职日期应晚于任职日期（{since}）"),
            ));
        }
        posts::close_holder(&mut tx, org.id, post.code(), member, on).await?;
        let event = Event::new("org.post").object("org", org.id).detail(json!({
            "post": post.code(), "from_member": member, "to_member": null, "on": on.to_string(),
        }));
        audit::write(&mut tx, self.crypto(), actor.into(), now, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The path of the org with this code, if it exists and is in scope (for filtering a
    /// list by org). An unknown code and one out of scope both give `None`.
    pub async fn org_path_by_code(
        &self,
        actor: &Actor,
        code: &str,
    ) -> ServiceResult<Option<OrgPath>> {
        self.require(actor, Permission::ReadMembers, "member.list")
            .await?;
        let Ok(code) = Code::parse(code) else {
            return Ok(None);
        };
        let mut tx = self.db().read().await?;
        let org = orgs::by_code(&mut tx, code.as_str()).await?;
        tx.commit().await?;
        Ok(org.map(|o| o.path).filter(|p| actor.scope.covers_org(p)))
    }

    /// Branches in scope for a picker (member forms), at most `limit`.
    pub async fn branch_options(&self, actor: &Actor, limit: i64) -> ServiceResult<Vec<Org>> {
        let filter = OrgFilter {
            kind: Some(OrgKind::Branch),
            ..OrgFilter::default()
        };
        self.search_orgs(actor, &filter, limit).await
    }

    /// Orgs in scope that may be a parent (for the create form's picker).
    pub async fn parent_options(&self, actor: &Actor, limit: i64) -> ServiceResult<Vec<Org>> {
        let mut all = self
            .search_orgs(actor, &OrgFilter::default(), limit)
            .await?;
        all.retain(|o| o.kind != OrgKind::Group);
        Ok(all)
    }
}

/// Ends every post a member holds on `on` (a 留党察看's 党内职务自然撤销, R6.4); returns the
/// (org, post) ended. A post taken up on or after that day is left for the org to correct.
pub(crate) async fn end_posts_of_member(
    conn: &mut Conn,
    member: i64,
    on: NaiveDate,
) -> ServiceResult<Vec<(i64, String)>> {
    let mut ended = Vec::new();
    for (org, post, span) in dangjian_store::history::posts::of_member(conn, member).await? {
        if span.to.is_none() && span.from < on {
            dangjian_store::history::posts::close_holder(conn, org, &post, member, on).await?;
            ended.push((org, post));
        }
    }
    Ok(ended)
}
