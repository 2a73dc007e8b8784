//! Data scope against a reference, on random trees: this is where systems like ours leak, so
//! it is tested hardest. Each trial grows a random org tree (committees, general branches,
//! branches, groups) with members, moves some orgs about, binds secretaries to random orgs,
//! and then asks the services, for every account and every kind of scoped object, what it
//! sees. The answer must be exactly what a plain walk up the test's own parent map says: the
//! account's org and everything below it, as the tree stands now.

use std::collections::{BTreeSet, HashMap};

use dangjian_core::coverage::Subject;
use dangjian_core::role::Role;
use dangjian_service::accounts::GrantForm;
use dangjian_service::conduct::{FindingFilter, FindingForm, SanctionForm};
use dangjian_service::duty::{DutyForm, PlanForm, TaskForm};
use dangjian_service::orgs::MoveForm;
use dangjian_service::{Actor, LoginOutcome, Origin, Page, ServiceError};
use dangjian_store::members::MemberFilter;

use crate::harness::{PASSWORD, TestApp, member_form, office, org_form};

/// A small deterministic generator (xorshift64*), so a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The test's own picture of the tree: parent by org id, kind by org id.
#[derive(Default)]
struct Reference {
    parent: HashMap<i64, Option<i64>>,
    kind: HashMap<i64, &'static str>,
    code: HashMap<i64, String>,
    branch_of: HashMap<i64, i64>,
}

impl Reference {
    /// Whether `org` is `root` or below it, by walking up the parents.
    fn within(&self, org: i64, root: i64) -> bool {
        let mut at = Some(org);
        while let Some(id) = at {
            if id == root {
                return true;
            }
            at = self.parent.get(&id).copied().flatten();
        }
        false
    }

    fn orgs_under(&self, root: i64) -> BTreeSet<i64> {
        self.parent
            .keys()
            .copied()
            .filter(|o| self.within(*o, root))
            .collect()
    }

    fn members_under(&self, root: i64) -> BTreeSet<i64> {
        self.branch_of
            .iter()
            .filter(|(_, b)| self.within(**b, root))
            .map(|(m, _)| *m)
            .collect()
    }
}

fn child_kind(parent: &str, rng: &mut Rng) -> Option<&'static str> {
    match parent {
        "committee" => Some(["general_branch", "branch", "branch"][rng.below(3)]),
        "general_branch" => Some("branch"),
        "branch" => Some("group"),
        _ => None,
    }
}

async fn actor_of(app: &TestApp, login: &str) -> Actor {
    match app
        .services
        .login(login, PASSWORD, Origin::default())
        .await
        .unwrap()
    {
        // The scope is what this test is about; binding the second factor a secretary must
        // use has tests of its own.
        LoginOutcome::Complete(session) => Actor {
            must_enrol_second_factor: false,
            ..session.actor
        },
        LoginOutcome::SecondFactor { .. } => panic!("a new account has no second factor yet"),
    }
}

async fn trial(seed: u64) {
    let app = TestApp::spawn().await;
    let office = office();
    let f = &app.fixture;
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut r = Reference::default();
    // The fixture: 党委 DW → {总支 ZZA → {A1, A2}, 支部 B}, with five members.
    let root = app
        .services
        .org_detail(&office, f.general_a)
        .await
        .unwrap()
        .org
        .parent_id
        .unwrap();
    assert_eq!(
        app.services
            .org_detail(&office, root)
            .await
            .unwrap()
            .org
            .code,
        "DW"
    );
    for (id, parent, kind, code) in [
        (root, None, "committee", "DW"),
        (f.general_a, Some(root), "general_branch", "ZZA"),
        (f.a1, Some(f.general_a), "branch", "A1"),
        (f.a2, Some(f.general_a), "branch", "A2"),
        (f.b, Some(root), "branch", "B"),
    ] {
        r.parent.insert(id, parent);
        r.kind.insert(id, kind);
        r.code.insert(id, code.to_owned());
    }
    // Where the fixture's members are, as the office sees them (every one of them is in a
    // fixture branch, whose place the reference knows independently).
    let everyone = app
        .services
        .list_members(
            &office,
            &MemberFilter::default(),
            Page {
                number: 1,
                size: 1000,
            },
        )
        .await
        .unwrap();
    for m in &everyone.members {
        assert!(r.parent.contains_key(&m.branch_id));
        r.branch_of.insert(m.id, m.branch_id);
    }
    assert_eq!(r.branch_of.len(), 5);
    assert_eq!(r.branch_of[&f.member_b], f.b);
    // Grow the tree.
    for i in 0..24 {
        let ids: Vec<i64> = r.parent.keys().copied().collect();
        let parent = ids[rng.below(ids.len())];
        let Some(kind) = child_kind(r.kind[&parent], &mut rng) else {
            continue;
        };
        let code = format!("R{seed}X{i}");
        let id = app
            .services
            .create_org(
                &office,
                &org_form(&code, &format!("组织{i}"), kind, &r.code[&parent]),
            )
            .await
            .unwrap();
        r.parent.insert(id, Some(parent));
        r.kind.insert(id, kind);
        r.code.insert(id, code);
    }
    // Members in random branches.
    let branches: Vec<i64> = r
        .kind
        .iter()
        .filter(|(_, k)| **k == "branch")
        .map(|(id, _)| *id)
        .collect();
    let mut police_number: HashMap<i64, String> = HashMap::new();
    for n in 10..40 {
        let branch = branches[rng.below(branches.len())];
        let form = member_form(n, &r.code[&branch]);
        let id = app.services.create_member(&office, &form).await.unwrap();
        r.branch_of.insert(id, branch);
        police_number.insert(id, form.police_number);
    }
    // Move a few branches and general branches under another committee or general branch.
    for _ in 0..4 {
        let movable: Vec<i64> = r
            .kind
            .iter()
            .filter(|(_, k)| matches!(**k, "branch" | "general_branch"))
            .map(|(id, _)| *id)
            .collect();
        let org = movable[rng.below(movable.len())];
        let targets: Vec<i64> = r
            .kind
            .iter()
            .filter(|(id, k)| {
                let fits = match r.kind[&org] {
                    "branch" => matches!(**k, "committee" | "general_branch"),
                    _ => **k == "committee",
                };
                fits && !r.within(**id, org) && r.parent[&org] != Some(**id)
            })
            .map(|(id, _)| *id)
            .collect();
        if targets.is_empty() {
            continue;
        }
        let target = targets[rng.below(targets.len())];
        let form = MoveForm {
            parent: r.code[&target].clone(),
            on: app.services.clock().today().to_string(),
        };
        app.services.move_org(&office, org, &form).await.unwrap();
        r.parent.insert(org, Some(target));
    }

    // The top committee's responsibility list and a task of its plan issued to every org
    // below it: each org's copy is its own, the list is the committee's (issue 13, 11).
    let duty = app
        .services
        .add_duty(
            &office,
            root,
            &DutyForm {
                kind: "primary_responsibility".to_owned(),
                content: "党委主体责任：把党建与业务同部署".to_owned(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let plan = app
        .services
        .create_work_plan(
            &office,
            root,
            &PlanForm {
                year: "2026".to_owned(),
                title: "2026年党建工作要点".to_owned(),
            },
        )
        .await
        .unwrap();
    let below: Vec<String> = r
        .parent
        .keys()
        .filter(|id| **id != root)
        .map(|id| r.code[id].clone())
        .collect();
    let owner_task = app
        .services
        .add_task(
            &office,
            plan,
            None,
            &TaskForm {
                title: "每季度听取支部书记抓党建汇报".to_owned(),
                starts_on: "2026-04-01".to_owned(),
                deadline: "2026-12-31".to_owned(),
                orgs: below.join(" "),
                duty: Some(duty),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let copies: Vec<(i64, i64)> = app
        .services
        .task(&office, owner_task)
        .await
        .unwrap()
        .children
        .iter()
        .map(|c| (c.task.id, c.task.org_id))
        .collect();
    assert_eq!(copies.len(), below.len());

    // Findings about random members and orgs, sanctions of random members (issue 16): the
    // discipline office records them with the whole tree in view.
    let jiwei = Actor {
        role: Some(Role::DisciplineOffice),
        login: "fixture-jiwei".to_owned(),
        ..office.clone()
    };
    let recorded: Vec<i64> = police_number.keys().copied().collect();
    let mut findings: Vec<(i64, Option<i64>, i64)> = Vec::new();
    for k in 0..10 {
        let (member, org) = if k % 3 == 2 {
            let orgs: Vec<i64> = r.parent.keys().copied().collect();
            (None, orgs[rng.below(orgs.len())])
        } else {
            let m = recorded[rng.below(recorded.len())];
            (Some(m), r.branch_of[&m])
        };
        let form = FindingForm {
            source: "police_inspection".to_owned(),
            member: member
                .map(|m| police_number[&m].clone())
                .unwrap_or_default(),
            org: if member.is_none() {
                r.code[&org].clone()
            } else {
                String::new()
            },
            category_group: "police_conduct".to_owned(),
            category: "警容风纪与着装".to_owned(),
            facts: format!("问题{k}"),
            found_on: "2026-03-01".to_owned(),
        };
        let id = app.services.record_finding(&jiwei, &form).await.unwrap();
        findings.push((id, member, org));
    }
    let mut sanctions: Vec<(i64, i64)> = Vec::new();
    for k in 0..4 {
        let m = recorded[rng.below(recorded.len())];
        let form = SanctionForm {
            member: police_number[&m].clone(),
            track: "party".to_owned(),
            kind: "警告".to_owned(),
            decided_on: "2026-02-01".to_owned(),
            deciding_body: "纪委".to_owned(),
            document_ref: format!("{k}号"),
            ..Default::default()
        };
        sanctions.push((
            app.services.record_sanction(&jiwei, &form).await.unwrap(),
            m,
        ));
    }

    // 纪检委员 bound to random orgs see exactly the findings and sanctions of their subtree
    // (a member's by the member's branch now, after the moves).
    let ids: Vec<i64> = r.parent.keys().copied().collect();
    for d in 0..4 {
        let bound = ids[rng.below(ids.len())];
        let login = format!("jijian{d}");
        let grant = GrantForm {
            role: Role::DisciplineMember.code().to_owned(),
            org: r.code[&bound].clone(),
            ..Default::default()
        };
        app.services
            .cli_add_user(&login, "", &grant, PASSWORD)
            .await
            .unwrap();
        let actor = actor_of(&app, &login).await;
        let orgs = r.orgs_under(bound);
        let members = r.members_under(bound);
        let case = format!("seed {seed}, {login} bound to {}", r.code[&bound]);
        let expected: BTreeSet<i64> = findings
            .iter()
            .filter(|(_, member, org)| match member {
                Some(m) => members.contains(m),
                None => orgs.contains(org),
            })
            .map(|(id, ..)| *id)
            .collect();
        let page = Page {
            number: 1,
            size: 1000,
        };
        let (listed, total) = app
            .services
            .findings(&actor, FindingFilter::default(), page)
            .await
            .unwrap();
        let seen: BTreeSet<i64> = listed.iter().map(|f| f.id).collect();
        assert_eq!(seen, expected, "findings: {case}");
        assert_eq!(total, expected.len() as i64, "findings total: {case}");
        for (id, ..) in &findings {
            let detail = app.services.finding(&actor, *id).await;
            assert_eq!(
                detail.is_ok(),
                expected.contains(id),
                "finding {id}: {case}"
            );
        }
        let expected: BTreeSet<i64> = sanctions
            .iter()
            .filter(|(_, m)| members.contains(m))
            .map(|(id, _)| *id)
            .collect();
        let (listed, _) = app.services.sanctions(&actor, page).await.unwrap();
        let seen: BTreeSet<i64> = listed.iter().map(|s| s.row.id).collect();
        assert_eq!(seen, expected, "sanctions: {case}");
        for (id, _) in &sanctions {
            let detail = app.services.sanction(&actor, *id).await;
            assert_eq!(
                detail.is_ok(),
                expected.contains(id),
                "sanction {id}: {case}"
            );
        }
    }

    // Secretaries bound to random orgs, and a member's own account.
    let ids: Vec<i64> = r.parent.keys().copied().collect();
    let all_members: Vec<i64> = r.branch_of.keys().copied().collect();
    let all_orgs: Vec<i64> = ids.clone();
    for s in 0..6 {
        let bound = ids[rng.below(ids.len())];
        let login = format!("sec{s}");
        let grant = GrantForm {
            role: Role::OrgSecretary.code().to_owned(),
            org: r.code[&bound].clone(),
            ..Default::default()
        };
        app.services
            .cli_add_user(&login, "", &grant, PASSWORD)
            .await
            .unwrap();
        let actor = actor_of(&app, &login).await;
        let orgs = r.orgs_under(bound);
        let members = r.members_under(bound);
        let case = format!("seed {seed}, {login} bound to {}", r.code[&bound]);

        // Findings and sanctions are not theirs to read at all; the effects are, in scope.
        assert!(matches!(
            app.services
                .findings(
                    &actor,
                    FindingFilter::default(),
                    Page {
                        number: 1,
                        size: 10
                    }
                )
                .await,
            Err(ServiceError::Forbidden)
        ));
        for (_, m) in &sanctions {
            let effects = app.services.member_effects(&actor, *m).await;
            if members.contains(m) {
                let effects = effects.unwrap();
                assert!(
                    effects.causes.is_none() && !effects.derived.is_empty(),
                    "{case}"
                );
            } else {
                assert!(
                    matches!(effects, Err(ServiceError::NotFound)),
                    "effects {m}: {case}"
                );
            }
        }

        // The roster, the member detail and history, for every member there is.
        let listed = app
            .services
            .list_members(
                &actor,
                &MemberFilter::default(),
                Page {
                    number: 1,
                    size: 1000,
                },
            )
            .await
            .unwrap();
        let seen: BTreeSet<i64> = listed.members.iter().map(|m| m.id).collect();
        assert_eq!(seen, members, "roster: {case}");
        assert_eq!(listed.total, members.len() as i64, "roster total: {case}");
        for member in &all_members {
            let detail = app.services.member_detail(&actor, *member).await;
            let lifecycle = app.services.member_lifecycle(&actor, *member).await;
            if members.contains(member) {
                assert!(
                    detail.is_ok() && lifecycle.is_ok(),
                    "member {member}: {case}"
                );
            } else {
                assert!(
                    matches!(detail, Err(ServiceError::NotFound))
                        && matches!(lifecycle, Err(ServiceError::NotFound)),
                    "member {member} leaked: {case}"
                );
            }
        }
        // Orgs: detail and terms for every org; the tree shows nothing outside.
        for org in &all_orgs {
            let detail = app.services.org_detail(&actor, *org).await;
            let terms = app.services.org_terms(&actor, *org).await;
            if orgs.contains(org) {
                let detail = detail.unwrap();
                assert!(terms.is_ok(), "terms of {org}: {case}");
                for shown in detail.children.iter().chain(&detail.ancestors) {
                    assert!(
                        orgs.contains(&shown.id),
                        "org {} via {org}: {case}",
                        shown.id
                    );
                }
            } else {
                assert!(
                    matches!(detail, Err(ServiceError::NotFound))
                        && matches!(terms, Err(ServiceError::NotFound)),
                    "org {org} leaked: {case}"
                );
            }
        }
        let tree = app.services.org_tree(&actor, None, false).await.unwrap();
        for shown in tree
            .children
            .iter()
            .chain(&tree.ancestors)
            .chain(&tree.focus)
        {
            assert!(orgs.contains(&shown.id), "tree shows {}: {case}", shown.id);
        }
        // Reports: coverage findings and re-election lists name only what is in scope.
        let coverage = app.services.coverage(&actor, None).await.unwrap();
        for finding in &coverage.findings {
            match finding.subject {
                Subject::Org(id) => assert!(orgs.contains(&id), "coverage org {id}: {case}"),
                Subject::Member(id) => {
                    assert!(members.contains(&id), "coverage member {id}: {case}")
                }
                Subject::Unit(_) => {}
            }
        }
        for term in app.services.reelections(&actor).await.unwrap() {
            assert!(
                orgs.contains(&term.org_id),
                "re-election {}: {case}",
                term.org_id
            );
        }
        for (id, ..) in app.services.probation_list(&actor).await.unwrap() {
            assert!(members.contains(&id), "probation {id}: {case}");
        }
        for (id, ..) in app.services.mobile_members(&actor).await.unwrap() {
            assert!(members.contains(&id), "mobile {id}: {case}");
        }
        // Tasks: each copy opens only within the scope, and what it shows of responsibility
        // lists belongs to orgs in the scope too.
        for (task, org) in copies.iter().chain([(owner_task, root)].iter()) {
            let detail = app.services.task(&actor, *task).await;
            if orgs.contains(org) {
                let detail = detail.unwrap_or_else(|e| panic!("task {task}: {e:?}: {case}"));
                for d in detail.duties.iter().chain(&detail.other_duties) {
                    assert!(
                        orgs.contains(&d.org_id),
                        "task {task} shows the list of org {}: {case}",
                        d.org_id
                    );
                }
            } else {
                assert!(
                    matches!(detail, Err(ServiceError::NotFound)),
                    "task {task}: {case}"
                );
            }
        }
        // A filter naming an org outside the scope finds nothing, not that org's members.
        let outside = all_orgs.iter().find(|o| !orgs.contains(o));
        if let Some(outside) = outside {
            let stats = app
                .services
                .statistics(&actor, Some(&r.code[outside]))
                .await;
            assert!(stats.is_err(), "statistics of {outside}: {case}");
        }
    }
}

#[tokio::test]
async fn every_kind_of_scoped_object_matches_the_reference_on_random_trees() {
    let trials: u64 = if std::env::var("DANGJIAN_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()) {
        3
    } else {
        6
    };
    for seed in 1..=trials {
        trial(seed).await;
    }
}
