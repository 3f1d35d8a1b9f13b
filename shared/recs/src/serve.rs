//! Recommending from a loaded model: personalised lists with a reason for every item,
//! falling back to the user's project selections (behaviour and content neighbours) and to
//! popularity when the user or the item is new; and "also chosen" lists for one item.

use std::collections::HashMap;

use serde::Serialize;

use crate::{
    catalog::CategoryFilter,
    matrix::{dot, top_k},
    model::Model,
};

/// Explanations consider at most this many of a user's past items.
const EXPLAIN_HISTORY: usize = 200;
/// Content neighbours count a little less than behaviour neighbours.
const CONTENT_WEIGHT: f32 = 0.8;

/// Why an item is suggested; items are model item indices.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// Chosen by people who chose an item the project holds.
    BecauseYouSelected { item: u32 },
    /// Close to an item the user viewed or chose before.
    BecauseOfYourInterestIn { item: u32 },
    /// Chosen by the same people as this item.
    ChosenWith { item: u32 },
    /// Close to this item in its description, materials and style words.
    SimilarInStyleTo { item: u32 },
    /// Among the most chosen, in the category when one is given.
    PopularIn { category: Option<String> },
}

impl Reason {
    /// The reason in words, naming real items.
    pub fn text(&self, model: &Model) -> String {
        let name = |i: &u32| model.items[*i as usize].name.as_str();
        match self {
            Reason::BecauseYouSelected { item } => format!("Because you selected {}", name(item)),
            Reason::BecauseOfYourInterestIn { item } => {
                format!("Because of your interest in {}", name(item))
            }
            Reason::ChosenWith { item } => format!("Often chosen with {}", name(item)),
            Reason::SimilarInStyleTo { item } => format!("Similar in style to {}", name(item)),
            Reason::PopularIn { category: Some(c) } => format!("Popular in {c}"),
            Reason::PopularIn { category: None } => "Popular with designers".to_string(),
        }
    }

    /// The item the reason refers to, if any.
    pub fn item(&self) -> Option<u32> {
        match self {
            Reason::BecauseYouSelected { item }
            | Reason::BecauseOfYourInterestIn { item }
            | Reason::ChosenWith { item }
            | Reason::SimilarInStyleTo { item } => Some(*item),
            Reason::PopularIn { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub item: u32,
    pub score: f32,
    pub reason: Reason,
}

/// What to recommend for.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub user: Option<&'a str>,
    /// Product ids the project holds: never suggested, and a basis for suggestions.
    pub selected: &'a [String],
    /// A catalog category level (`Seating` or `Seating/Task chairs`).
    pub category: Option<&'a str>,
    /// How many candidates to return (callers filter further, so ask for more than shown).
    pub count: usize,
}

/// Which neighbours [`Model::neighbour_list`] draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sources {
    /// Behaviour and content neighbours of a project's selections.
    Selections,
    /// Items chosen by the same people ("also chosen").
    Behaviour,
    /// Items alike in their description.
    Content,
}

/// How a list was made, for clients and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The user's learnt taste.
    Personalised,
    /// The project's selections (the user is new to the model).
    Selections,
    /// Nothing known about the user: popularity.
    Popularity,
}

impl Model {
    pub fn item_index(&self, id: &str) -> Option<u32> {
        self.lookup.item.get(id).copied()
    }

    fn category_label(&self, category: Option<&str>, item: u32) -> Option<String> {
        match category {
            Some(c) => Some(c.rsplit('/').next().unwrap_or(c).to_string()),
            None => self.items[item as usize].category.last().cloned(),
        }
    }

    /// Up to `request.count` candidates that `keep` allows, best first, each with a reason.
    pub fn recommend(
        &self,
        request: &Request<'_>,
        keep: impl Fn(u32) -> bool,
    ) -> (Basis, Vec<Suggestion>) {
        let selected: Vec<u32> = request
            .selected
            .iter()
            .filter_map(|id| self.item_index(id))
            .collect();
        let user = request
            .user
            .and_then(|u| self.lookup.user.get(u).copied())
            .filter(|&u| self.user_factors.row(u as usize).iter().any(|&v| v != 0.0));
        let history: &[u32] = user.map_or(&[], |u| self.history.row(u as usize).0);
        let filter = request.category.map(CategoryFilter::new);
        let allowed = |i: u32| {
            !selected.contains(&i)
                && history.binary_search(&i).is_err()
                && filter
                    .as_ref()
                    .is_none_or(|f| f.holds(&self.items[i as usize].category))
                && keep(i)
        };
        let (basis, mut list) = if let Some(u) = user {
            let mut scores = vec![0f32; self.items.len()];
            self.item_factors
                .times_vector(self.user_factors.row(u as usize), &mut scores);
            let list = top_k(&scores, request.count, |i| allowed(i as u32))
                .into_iter()
                .map(|(item, score)| Suggestion {
                    item,
                    score,
                    reason: self.explain(item, &selected, history),
                })
                .collect();
            (Basis::Personalised, list)
        } else if !selected.is_empty() {
            (
                Basis::Selections,
                self.neighbour_list(&selected, request.count, &allowed, Sources::Selections),
            )
        } else {
            (Basis::Popularity, Vec::new())
        };
        if list.len() < request.count {
            let taken: Vec<u32> = list.iter().map(|s| s.item).collect();
            let more = self.popular_in(request.category, request.count - list.len(), |i| {
                !taken.contains(&i) && allowed(i)
            });
            list.extend(more);
        }
        (basis, list)
    }

    /// The selected (else past) item closest to `item` in taste space.
    fn explain(&self, item: u32, selected: &[u32], history: &[u32]) -> Reason {
        let unit = &self.lookup.unit_items;
        let target = unit.row(item as usize);
        let closest = |pool: &[u32]| {
            pool.iter()
                .map(|&j| (j, dot(target, unit.row(j as usize))))
                .filter(|&(_, s)| s > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1))
        };
        let from_selected = closest(selected);
        let from_history = closest(&history[..history.len().min(EXPLAIN_HISTORY)]);
        match (from_selected, from_history) {
            (Some((j, _)), _) => Reason::BecauseYouSelected { item: j },
            (None, Some((j, _))) => Reason::BecauseOfYourInterestIn { item: j },
            (None, None) => Reason::PopularIn {
                category: self.category_label(None, item),
            },
        }
    }

    /// Candidates from the behaviour and content neighbours of `seeds`; the strongest tie
    /// explains each.
    fn neighbour_list(
        &self,
        seeds: &[u32],
        count: usize,
        allowed: &dyn Fn(u32) -> bool,
        sources: Sources,
    ) -> Vec<Suggestion> {
        let mut best: HashMap<u32, (f32, Reason)> = HashMap::new();
        let mut offer = |item: u32, score: f32, reason: Reason| {
            if !allowed(item) {
                return;
            }
            let entry = best.entry(item).or_insert((f32::MIN, reason.clone()));
            if score > entry.0 {
                *entry = (score, reason);
            }
        };
        for &seed in seeds {
            if sources != Sources::Content {
                for &(item, s) in &self.also_chosen[seed as usize] {
                    let reason = if sources == Sources::Selections {
                        Reason::BecauseYouSelected { item: seed }
                    } else {
                        Reason::ChosenWith { item: seed }
                    };
                    offer(item, s, reason);
                }
            }
            if sources != Sources::Behaviour {
                for &(item, s) in &self.similar_content[seed as usize] {
                    offer(
                        item,
                        s * CONTENT_WEIGHT,
                        Reason::SimilarInStyleTo { item: seed },
                    );
                }
            }
        }
        let mut list: Vec<Suggestion> = best
            .into_iter()
            .map(|(item, (score, reason))| Suggestion {
                item,
                score,
                reason,
            })
            .collect();
        list.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
        list.truncate(count);
        list
    }

    /// The most chosen items, in a category level when given.
    pub fn popular_in(
        &self,
        category: Option<&str>,
        count: usize,
        keep: impl Fn(u32) -> bool,
    ) -> Vec<Suggestion> {
        let key = category.unwrap_or_default().to_lowercase();
        let Some(list) = self.popular.get(&key) else {
            return Vec::new();
        };
        let most = list
            .first()
            .map_or(1, |&i| self.item_users[i as usize])
            .max(1) as f32;
        list.iter()
            .copied()
            .filter(|&i| keep(i))
            .take(count)
            .map(|item| Suggestion {
                item,
                score: self.item_users[item as usize] as f32 / most,
                reason: Reason::PopularIn {
                    category: self.category_label(category, item),
                },
            })
            .collect()
    }

    /// Items chosen with `item` (behaviour), else alike in content; `None` when the model
    /// does not know the item.
    pub fn also_chosen(
        &self,
        item: &str,
        count: usize,
        keep: impl Fn(u32) -> bool,
    ) -> Option<Vec<Suggestion>> {
        let seed = self.item_index(item)?;
        let allowed = |i: u32| i != seed && keep(i);
        // Behaviour first; content fills in for an item with little history.
        let mut list = self.neighbour_list(&[seed], count, &allowed, Sources::Behaviour);
        if list.len() < count {
            let taken: Vec<u32> = list.iter().map(|s| s.item).collect();
            let more = self.neighbour_list(
                &[seed],
                count - list.len(),
                &|i| !taken.contains(&i) && allowed(i),
                Sources::Content,
            );
            list.extend(more);
        }
        if list.len() < count {
            let category = self.items[seed as usize].category.join("/");
            let category = (!category.is_empty()).then_some(category);
            let taken: Vec<u32> = list.iter().map(|s| s.item).collect();
            list.extend(
                self.popular_in(category.as_deref(), count - list.len(), |i| {
                    !taken.contains(&i) && allowed(i)
                }),
            );
        }
        Some(list)
    }
}

/// How much a user is likely to choose each of some products, from the served model.
#[derive(Debug, Clone, PartialEq)]
pub struct Affinity {
    pub model_version: String,
    pub basis: Basis,
    /// 0 to 1 per product id the model knows (1 for the likeliest asked); products it does not
    /// know are absent.
    pub scores: HashMap<String, f32>,
}

impl Model {
    /// The user's learnt taste over `candidates` (product ids), else closeness to the
    /// project's `selected` products (a selected product itself scores highest); `None` when
    /// the model knows neither the user nor any selection, or none of the candidates.
    /// Unlike [`Model::recommend`], products the user or the project already chose count:
    /// designing a layout, they are the safest picks.
    pub fn affinity(
        &self,
        user: Option<&str>,
        selected: &[String],
        candidates: &[&str],
    ) -> Option<Affinity> {
        let known: Vec<(&str, u32)> = candidates
            .iter()
            .filter_map(|id| Some((*id, self.item_index(id)?)))
            .collect();
        if known.is_empty() {
            return None;
        }
        let user = user
            .and_then(|u| self.lookup.user.get(u).copied())
            .filter(|&u| self.user_factors.row(u as usize).iter().any(|&v| v != 0.0));
        let (basis, raw): (Basis, Vec<f32>) = if let Some(u) = user {
            let taste = self.user_factors.row(u as usize);
            let raw = known
                .iter()
                .map(|&(_, i)| dot(taste, self.item_factors.row(i as usize)))
                .collect();
            (Basis::Personalised, raw)
        } else {
            let seeds: Vec<u32> = selected
                .iter()
                .filter_map(|id| self.item_index(id))
                .collect();
            if seeds.is_empty() {
                return None;
            }
            let unit = &self.lookup.unit_items;
            let raw = known
                .iter()
                .map(|&(_, i)| {
                    seeds
                        .iter()
                        .map(|&s| {
                            if s == i {
                                1.0
                            } else {
                                dot(unit.row(s as usize), unit.row(i as usize))
                            }
                        })
                        .fold(0f32, f32::max)
                })
                .collect();
            (Basis::Selections, raw)
        };
        let top = raw.iter().copied().fold(0f32, f32::max);
        if top <= 0.0 {
            return None;
        }
        Some(Affinity {
            model_version: self.version.clone(),
            basis,
            scores: known
                .iter()
                .zip(raw)
                .map(|(&(id, _), r)| (id.to_string(), (r / top).max(0.0)))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        als::AlsParams,
        interactions::Builder,
        model::{TrainConfig, train},
    };

    /// Six designers in two camps: three choose the oak family, three the steel family.
    fn two_camps() -> Model {
        let mut b = Builder::default();
        for u in 0..6 {
            let family = if u < 3 { "oak" } else { "steel" };
            for i in 0..4 {
                b.add(&format!("u{u}"), &format!("{family}-{i}"), 1.0);
            }
        }
        let config = TrainConfig {
            als: AlsParams {
                factors: 4,
                ..Default::default()
            },
            holdout: 0.0,
            neighbours: 5,
            segments: 2,
        };
        train(b.build(), &[], &config, "v1", "2026-12-03T00:00:00Z")
    }

    fn mean(a: &Affinity, family: &str) -> f32 {
        (0..4)
            .map(|i| a.scores[&format!("{family}-{i}")])
            .sum::<f32>()
            / 4.0
    }

    #[test]
    fn a_known_designer_leans_to_their_camp_and_a_new_one_to_the_projects_picks() {
        let model = two_camps();
        let candidates: Vec<String> = ["oak", "steel"]
            .iter()
            .flat_map(|f| (0..4).map(move |i| format!("{f}-{i}")))
            .chain(["unknown".to_string()])
            .collect();
        let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();

        let oak = model.affinity(Some("u0"), &[], &candidates).unwrap();
        assert_eq!(
            (oak.basis, oak.model_version.as_str()),
            (Basis::Personalised, "v1")
        );
        assert!(mean(&oak, "oak") > mean(&oak, "steel") + 0.3, "{oak:?}");
        assert!(!oak.scores.contains_key("unknown"));
        assert!(oak.scores.values().all(|s| (0.0..=1.0).contains(s)));

        let steel = model
            .affinity(Some("newcomer"), &["steel-0".to_string()], &candidates)
            .unwrap();
        assert_eq!(steel.basis, Basis::Selections);
        assert_eq!(steel.scores["steel-0"], 1.0);
        assert!(mean(&steel, "steel") > mean(&steel, "oak"), "{steel:?}");

        // Nothing to go on: no taste, rather than popularity posing as one.
        assert_eq!(model.affinity(Some("newcomer"), &[], &candidates), None);
        assert_eq!(model.affinity(Some("u0"), &[], &["unknown"]), None);
    }
}
