//! The computed indicators of a round (issue 19, 1): each area's records of the round's
//! period read for every org of the round at once — organisational life, rectification,
//! study, the committee and its term, dues, sanctions — each score with what the records
//! held and, where the reader may follow it, a link to them. An area that kept no records
//! for an org gives 无数据.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, TimeDelta};
use dangjian_core::assess::rating::{Fact, Method, computed_points, points_text};
use dangjian_core::dues::Month;
use dangjian_core::org::OrgPath;
use dangjian_core::role::Scope;
use dangjian_store::Page;
use dangjian_store::assess::rating::{
    self as store, ComputedScore, IndicatorRow, RoundOrgRow, RoundRow,
};
use dangjian_store::conduct::{self as conduct_store, FindingFilter};
use dangjian_store::rectification::{self as rect_store, ItemFilter};
use dangjian_store::terms as terms_store;

use super::rating::{tenths, weight};
use crate::Services;
use crate::error::{ServiceError, ServiceResult};

/// The organiser's subtree as a scope (what the computed indicators read). The top of the
/// tree reads as the whole tree: the same records, without narrowing every row by its path.
fn organiser_scope(round: &RoundRow) -> Scope {
    if round.organiser_path.depth() == 0 {
        return Scope::Everything;
    }
    Scope::Subtree {
        org_id: round.organiser_id,
        path: round.organiser_path.clone(),
    }
}

/// The round orgs a record at `path` counts for: the org it lies in and any above it.
fn owners<'a>(path: &OrgPath, index: &'a HashMap<String, i64>) -> impl Iterator<Item = i64> + 'a {
    path.lineage()
        .into_iter()
        .filter_map(move |p| index.get(p.as_str()).copied())
}

/// A computed indicator's fact for each org of a round, with what it read and where.
struct Reading {
    facts: HashMap<i64, (Fact, String)>,
    /// The page of the records, where the reader may open them (the conduct area's records
    /// are the discipline roles' alone: their count is given, not a link).
    link: Option<fn(&RoundOrgRow, i32) -> String>,
}

impl Services {
    /// Reads every computed indicator of a round from the records of its period.
    pub(super) async fn read_records(
        &self,
        round: &RoundRow,
        indicators: &[IndicatorRow],
        orgs: &[RoundOrgRow],
    ) -> ServiceResult<Vec<ComputedScore>> {
        let index: HashMap<String, i64> = orgs
            .iter()
            .map(|o| (o.org_path.as_str().to_owned(), o.org_id))
            .collect();
        let methods: HashSet<Method> = indicators
            .iter()
            .map(|i| i.method)
            .filter(|m| m.is_computed())
            .collect();
        // Each area is read on a task of its own: they are independent, and at a province's
        // size they overlap on the second core.
        let shared = std::sync::Arc::new((round.clone(), orgs.to_vec(), index));
        let mut tasks = Vec::new();
        for method in methods {
            let this = self.clone();
            let shared = std::sync::Arc::clone(&shared);
            tasks.push((
                method,
                tokio::spawn(async move {
                    let (round, orgs, index) = &*shared;
                    this.reading(method, round, orgs, index).await
                }),
            ));
        }
        let mut readings = HashMap::new();
        for (method, task) in tasks {
            let reading = task
                .await
                .map_err(|e| ServiceError::Internal(format!("读取考核记录的任务中断：{e}")))??;
            readings.insert(method, reading);
        }
        let mut out = Vec::new();
        for i in indicators.iter().filter(|i| i.method.is_computed()) {
            let Some(reading) = readings.get(&i.method) else {
                continue;
            };
            for o in orgs {
                let (fact, basis) = reading
                    .facts
                    .get(&o.org_id)
                    .cloned()
                    .unwrap_or((Fact::NoData, "期内无相关记录".to_owned()));
                let per_item = u32::try_from(i.per_item).unwrap_or(0);
                let points = computed_points(fact, weight(i), per_item);
                let basis = match (i.method, fact) {
                    (Method::Sanctions, Fact::Deductions { .. }) => {
                        format!("{basis}（每起扣{}分）", points_text(per_item))
                    }
                    _ => basis,
                };
                out.push(ComputedScore {
                    org_id: o.org_id,
                    indicator_id: i.id,
                    points: points.map(tenths),
                    basis,
                    link: reading.link.map(|link| link(o, round.year)),
                });
            }
        }
        Ok(out)
    }

    /// What one area's records say about each org of a round.
    async fn reading(
        &self,
        method: Method,
        round: &RoundRow,
        orgs: &[RoundOrgRow],
        index: &HashMap<String, i64>,
    ) -> ServiceResult<Reading> {
        let scope = organiser_scope(round);
        let (from, to) = round.period().range();
        let today = self.clock().today();
        let cutoff = (to - TimeDelta::days(1)).min(today);
        let mut shares: HashMap<i64, (u32, u32)> = HashMap::new();
        let share_facts =
            |shares: HashMap<i64, (u32, u32)>, none: &str, what: &dyn Fn(u32, u32) -> String| {
                orgs.iter()
                    .map(|o| {
                        let fact = match shares.get(&o.org_id) {
                            Some(&(met, of)) if of > 0 => (Fact::Share { met, of }, what(met, of)),
                            _ => (Fact::NoData, none.to_owned()),
                        };
                        (o.org_id, fact)
                    })
                    .collect::<HashMap<_, _>>()
            };
        Ok(match method {
            Method::OrgLife => {
                let tallies = self.org_life_tallies(&scope, from, to).await?;
                let facts = orgs
                    .iter()
                    .map(|o| {
                        let fact = match tallies.get(&o.org_id).map(|t| t.national) {
                            Some(n) if n.met + n.late + n.missing > 0 => {
                                let of = n.met + n.late + n.missing;
                                (
                                    Fact::Share { met: n.met, of },
                                    format!(
                                        "期内应按期开展{of}次：按期{}次，逾期{}次，未开展{}次",
                                        n.met, n.late, n.missing
                                    ),
                                )
                            }
                            _ => (Fact::NoData, "期内无到期的组织生活要求".to_owned()),
                        };
                        (o.org_id, fact)
                    })
                    .collect();
                Reading {
                    facts,
                    link: Some(|o, year| format!("/orgs/{}/orglife?year={year}", o.org_id)),
                }
            }
            Method::Rectification => {
                let mut tx = self.db().read().await?;
                let items = rect_store::items(&mut tx, &scope, &ItemFilter::default()).await?;
                tx.commit().await?;
                for item in items
                    .iter()
                    .filter(|i| i.deadline >= from && i.deadline < to && i.deadline <= cutoff)
                {
                    let on_time = item.closed_on.is_some_and(|c| c <= item.deadline);
                    for org in owners(&item.org_path, index) {
                        let e = shares.entry(org).or_default();
                        e.0 += u32::from(on_time);
                        e.1 += 1;
                    }
                }
                Reading {
                    facts: share_facts(shares, "期内无到期的整改事项", &|met, of| {
                        format!("期内到期整改事项{of}项，按期销号{met}项")
                    }),
                    link: Some(|o, _| format!("/rectification/overview?org={}", o.code)),
                }
            }
            Method::Study => {
                let roll = self
                    .attainment_under(&round.organiser_path, round.year)
                    .await?;
                let mut tx = self.db().read().await?;
                let paths = store::paths_under(&mut tx, &round.organiser_path).await?;
                tx.commit().await?;
                let mut credited: HashSet<i64> = HashSet::new();
                for (_, branch, met, any) in roll {
                    let Some(path) = paths.get(&branch) else {
                        continue;
                    };
                    for org in owners(path, index) {
                        let e = shares.entry(org).or_default();
                        e.0 += u32::from(met);
                        e.1 += 1;
                        if any {
                            credited.insert(org);
                        }
                    }
                }
                shares.retain(|org, _| credited.contains(org));
                Reading {
                    facts: share_facts(shares, "本年度无学时记录", &|met, of| {
                        format!("在册党员{of}名，全年学时达标{met}名")
                    }),
                    link: Some(|o, year| format!("/study?org={}&year={year}", o.org_id)),
                }
            }
            Method::Committee => {
                let mut tx = self.db().read().await?;
                let terms = terms_store::latest_terms(&mut tx, &scope).await?;
                tx.commit().await?;
                let ends: HashMap<i64, Option<NaiveDate>> =
                    terms.into_iter().map(|t| (t.0, t.6)).collect();
                let facts = orgs
                    .iter()
                    .map(|o| {
                        let secretary = o.secretary.is_some();
                        let term = ends.get(&o.org_id).copied().flatten();
                        let met =
                            u32::from(secretary) + u32::from(term.is_some_and(|end| end >= cutoff));
                        let of = 1 + u32::from(term.is_some());
                        let term_text = match term {
                            Some(end) if end >= cutoff => format!("任期至{end}，未超期"),
                            Some(end) => format!("任期{end}届满，已超期"),
                            None => "无换届记录（不计）".to_owned(),
                        };
                        let basis = format!(
                            "书记：{}；{term_text}",
                            o.secretary.as_deref().unwrap_or("空缺")
                        );
                        (o.org_id, (Fact::Share { met, of }, basis))
                    })
                    .collect();
                Reading {
                    facts,
                    link: Some(|o, _| format!("/orgs/{}", o.org_id)),
                }
            }
            Method::Dues => {
                let months = self
                    .dues_months_under(&round.organiser_path, Month::of(from), Month::of(to))
                    .await?;
                let mut tx = self.db().read().await?;
                let paths = store::paths_under(&mut tx, &round.organiser_path).await?;
                tx.commit().await?;
                for (org, due, paid) in months {
                    let Some(path) = paths.get(&org) else {
                        continue;
                    };
                    for owner in owners(path, index) {
                        let e = shares.entry(owner).or_default();
                        e.0 += paid;
                        e.1 += due;
                    }
                }
                Reading {
                    facts: share_facts(shares, "期内无党费收缴记录", &|met, of| {
                        format!("期内应按月交纳党费{of}人次，按月交清{met}人次")
                    }),
                    link: Some(|o, _| format!("/dues/orgs/{}", o.org_id)),
                }
            }
            Method::Sanctions => {
                let mut tx = self.db().read().await?;
                let (sanctions, _) = conduct_store::scope_records(&mut tx, &scope).await?;
                let (_, findings) = conduct_store::findings(
                    &mut tx,
                    &scope,
                    FindingFilter::default(),
                    Page { number: 1, size: 1 },
                )
                .await?;
                tx.commit().await?;
                let kept = findings > 0 || !sanctions.is_empty();
                let mut counts: HashMap<i64, u32> = HashMap::new();
                for s in sanctions
                    .iter()
                    .filter(|s| s.decided_on >= from && s.decided_on < to && s.revoked_on.is_none())
                {
                    for org in owners(&s.scope_path, index) {
                        *counts.entry(org).or_default() += 1;
                    }
                }
                let facts = orgs
                    .iter()
                    .map(|o| {
                        let fact = if kept {
                            let count = counts.get(&o.org_id).copied().unwrap_or(0);
                            (Fact::Deductions { count }, format!("期内受处分{count}起"))
                        } else {
                            (Fact::NoData, "作风纪律记录中无本单位数据".to_owned())
                        };
                        (o.org_id, fact)
                    })
                    .collect();
                Reading { facts, link: None }
            }
            Method::Assessor => Reading {
                facts: HashMap::new(),
                link: None,
            },
        })
    }
}
