//! Budget fit: swaps a scenario's products for similar cheaper ones until its quote fits,
//! keeping the most of the design per unit of money saved; under budget, suggests upgrades.
//!
//! A product is only ever swapped for one of the same role whose footprint fits inside the
//! original's (width and depth no larger), so every placement stays where it was and no rule
//! it met can break: the new footprint and clearance lie within the old ones.

use std::collections::{BTreeMap, HashMap};

use roomwright_core::catalog::Product;
use roomwright_projects::scenarios::{Quote, Scenario, Selection, quote};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::choose::{role_of, style_match};

/// One product replaced by another: everywhere in the scenario, or in some rooms only (see
/// `quantity` and `reason`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Swap {
    pub from_product_id: String,
    pub to_product_id: String,
    pub quantity: u32,
    /// What the swap saves on the quote's total (negative for an upgrade).
    pub saving_minor: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Fit {
    pub budget_minor: i64,
    pub fits: bool,
    pub scenario: Scenario,
    pub swaps: Vec<Swap>,
    /// Under budget: swaps to better-matching products the headroom pays for (not applied).
    pub upgrades: Vec<Swap>,
    pub before: Quote,
    pub after: Quote,
}

/// Why a budget cannot be met.
#[derive(Debug, Clone, PartialEq)]
pub enum FitError {
    /// Even the cheapest fitting products cost more: the lowest reachable total.
    Unreachable { lowest_minor: i64 },
    /// The scenario cannot be priced (unknown products, other currencies): the quote's errors.
    Unpriced(Vec<String>),
}

fn fits_in(candidate: &Product, original: &Product) -> bool {
    candidate.dimensions.width_mm <= original.dimensions.width_mm
        && candidate.dimensions.depth_mm <= original.dimensions.depth_mm
}

fn total(
    scenario: &Scenario,
    products: &HashMap<String, Product>,
    currency: &str,
) -> Result<Quote, FitError> {
    quote(scenario, products, currency, None)
        .map_err(|e| FitError::Unpriced(e.paths().into_iter().map(str::to_string).collect()))
}

fn replace(scenario: &Scenario, from: &str, to: &str) -> Scenario {
    let mut s = scenario.clone();
    for selection in &mut s.selections {
        if selection.product_id == from {
            selection.product_id = to.to_string();
            // A finish of the old product means nothing on the new one.
            selection.finish = None;
        }
    }
    s
}

/// Swaps products until the scenario's total fits `budget_minor`. `products` must hold every
/// product the scenario names; `catalog` the candidates (same currency). `styles` are the
/// brief's: what a swap costs in design is the style match it loses.
pub fn fit_budget(
    scenario: &Scenario,
    products: &HashMap<String, Product>,
    catalog: &[Product],
    currency: &str,
    budget_minor: i64,
    styles: &[String],
) -> Result<Fit, FitError> {
    let mut known = products.clone();
    for p in catalog {
        known.entry(p.id.clone()).or_insert_with(|| p.clone());
    }
    let before = total(scenario, &known, currency)?;
    let mut current = scenario.clone();
    let mut now = before.clone();
    let mut swaps = Vec::new();
    // Per swap, the selections it changed as they were before it.
    let mut undo: Vec<Vec<(usize, Selection)>> = Vec::new();
    let candidates = |id: &str| -> Vec<&Product> {
        let Some(original) = known.get(id) else {
            return Vec::new();
        };
        let role = role_of(original);
        catalog
            .iter()
            .filter(|c| c.id != original.id && c.status == "active")
            .filter(|c| c.list_price.currency == currency && role_of(c) == role)
            .filter(|c| fits_in(c, original))
            .collect()
    };
    while now.total_minor > budget_minor {
        // Every possible swap of one product for a cheaper fitting one, by saving per unit of
        // style lost (a swap losing nothing is taken first, largest saving first).
        let mut quantities: BTreeMap<&str, u32> = BTreeMap::new();
        for s in &current.selections {
            *quantities.entry(s.product_id.as_str()).or_default() += s.quantity;
        }
        let mut best: Option<(f64, Swap, Scenario, Quote)> = None;
        for (id, quantity) in &quantities {
            let Some(original) = known.get(*id) else {
                continue;
            };
            let style_before = style_match(original, styles);
            for c in candidates(id) {
                if c.list_price.amount_minor >= original.list_price.amount_minor {
                    continue;
                }
                let trial = replace(&current, id, &c.id);
                let priced = total(&trial, &known, currency)?;
                let saving = now.total_minor - priced.total_minor;
                if saving <= 0 {
                    continue;
                }
                let loss = (style_before - style_match(c, styles)).max(0.0);
                let merit = saving as f64 / (0.05 + loss);
                if best.as_ref().is_none_or(|b| merit > b.0) {
                    let reason = format!(
                        "{} for {} ({} x): same kind, {}x{} mm fits the {}x{} mm footprint, style match {:.0}% -> {:.0}%.",
                        c.name,
                        original.name,
                        quantity,
                        c.dimensions.width_mm,
                        c.dimensions.depth_mm,
                        original.dimensions.width_mm,
                        original.dimensions.depth_mm,
                        style_before * 100.0,
                        style_match(c, styles) * 100.0
                    );
                    best = Some((
                        merit,
                        Swap {
                            from_product_id: original.id.clone(),
                            to_product_id: c.id.clone(),
                            quantity: *quantity,
                            saving_minor: saving,
                            reason,
                        },
                        trial,
                        priced,
                    ));
                }
            }
        }
        let Some((_, swap, trial, priced)) = best else {
            return Err(FitError::Unreachable {
                lowest_minor: now.total_minor,
            });
        };
        undo.push(
            current
                .selections
                .iter()
                .enumerate()
                .filter(|(i, was)| trial.selections[*i].product_id != was.product_id)
                .map(|(i, was)| (i, was.clone()))
                .collect(),
        );
        swaps.push(swap);
        current = trial;
        now = priced;
    }
    // Swaps move whole products, so the last ones often overshoot: undo, latest first, what
    // the budget does without, room by room (a room keeps one product per kind), and whole
    // swaps when every room is undone. A swap a later one built on stays.
    let mut k = swaps.len();
    while k > 0 {
        k -= 1;
        if swaps[k + 1..]
            .iter()
            .any(|later| later.from_product_id == swaps[k].to_product_id)
        {
            continue;
        }
        // Swaps change products, never placements: rooms as in the scenario given.
        let room_of = |i: usize| {
            scenario.selections[i]
                .placement
                .as_ref()
                .map(|p| p.room_id.clone())
        };
        let mut rooms: Vec<Option<String>> = undo[k].iter().map(|(i, _)| room_of(*i)).collect();
        rooms.sort();
        rooms.dedup();
        let units = |changes: &[(usize, Selection)]| -> u32 {
            changes.iter().map(|(_, was)| was.quantity).sum()
        };
        let swapped = units(&undo[k]);
        for room in rooms {
            let mut trial = current.clone();
            for (i, was) in undo[k].iter().filter(|(i, _)| room_of(*i) == room) {
                trial.selections[*i] = was.clone();
            }
            let priced = total(&trial, &known, currency)?;
            if priced.total_minor <= budget_minor {
                undo[k].retain(|(i, _)| room_of(*i) != room);
                current = trial;
                now = priced;
            }
        }
        let left = units(&undo[k]);
        if left == 0 {
            swaps.remove(k);
            undo.remove(k);
        } else if left < swapped {
            let swap = &mut swaps[k];
            swap.saving_minor = swap.saving_minor * i64::from(left) / i64::from(swapped);
            swap.quantity = left;
            swap.reason.push_str(&format!(
                " In some rooms only: {left} of {swapped} swapped."
            ));
        }
    }
    // Headroom: the best single upgrade per product that still fits the budget.
    let mut upgrades = Vec::new();
    if swaps.is_empty() {
        let mut seen = std::collections::BTreeSet::new();
        for s in &current.selections {
            if !seen.insert(s.product_id.clone()) {
                continue;
            }
            let Some(original) = known.get(&s.product_id) else {
                continue;
            };
            let style_before = style_match(original, styles);
            let mut options: Vec<(f64, Swap)> = Vec::new();
            for c in candidates(&s.product_id) {
                if c.list_price.amount_minor <= original.list_price.amount_minor
                    || style_match(c, styles) <= style_before
                {
                    continue;
                }
                let trial = replace(&current, &s.product_id, &c.id);
                let priced = total(&trial, &known, currency)?;
                if priced.total_minor <= budget_minor {
                    options.push((
                        style_match(c, styles),
                        Swap {
                            from_product_id: original.id.clone(),
                            to_product_id: c.id.clone(),
                            quantity: trial
                                .selections
                                .iter()
                                .filter(|x| x.product_id == c.id)
                                .map(|x| x.quantity)
                                .sum(),
                            saving_minor: now.total_minor - priced.total_minor,
                            reason: format!(
                                "{} instead of {}: closer to the brief's style ({:.0}% -> {:.0}%), still within budget.",
                                c.name,
                                original.name,
                                style_before * 100.0,
                                style_match(c, styles) * 100.0
                            ),
                        },
                    ));
                }
            }
            options.sort_by(|a, b| b.0.total_cmp(&a.0));
            upgrades.extend(options.into_iter().take(1).map(|o| o.1));
        }
    }
    Ok(Fit {
        budget_minor,
        fits: now.total_minor <= budget_minor,
        scenario: current,
        swaps,
        upgrades,
        before,
        after: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::product;
    use roomwright_projects::scenarios::{Selection, Terms};

    fn scenario(lines: &[(&str, u32)]) -> Scenario {
        Scenario {
            id: "s".into(),
            name: "S".into(),
            selections: lines
                .iter()
                .enumerate()
                .map(|(k, (id, q))| Selection {
                    id: format!("l{k}"),
                    product_id: id.to_string(),
                    quantity: *q,
                    finish: None,
                    placement: None,
                })
                .collect(),
            terms: Terms::default(),
        }
    }

    fn catalog() -> Vec<Product> {
        let mut oak = product(
            "oak-desk",
            ["Desks", "Fixed desks"],
            [1600, 800, 740],
            90_000,
        );
        oak.materials = vec!["oak".into()];
        let mut ash = product(
            "ash-desk",
            ["Desks", "Fixed desks"],
            [1400, 700, 740],
            60_000,
        );
        ash.materials = vec!["oak veneer".into()];
        let plain = product(
            "plain-desk",
            ["Desks", "Fixed desks"],
            [1400, 700, 740],
            40_000,
        );
        let big = product(
            "big-desk",
            ["Desks", "Fixed desks"],
            [1800, 900, 740],
            20_000,
        );
        let chair = product(
            "chair",
            ["Seating", "Task chairs"],
            [600, 600, 1000],
            30_000,
        );
        let cheap_chair = product(
            "cheap-chair",
            ["Seating", "Task chairs"],
            [600, 600, 1000],
            10_000,
        );
        vec![oak, ash, plain, big, chair, cheap_chair]
    }

    fn by_id(products: &[Product]) -> HashMap<String, Product> {
        products.iter().map(|p| (p.id.clone(), p.clone())).collect()
    }

    #[test]
    fn cheaper_fitting_products_until_the_budget_holds_style_kept_first() {
        let catalog = catalog();
        let products = by_id(&catalog);
        let s = scenario(&[("oak-desk", 10), ("chair", 10)]);
        let styles = vec!["oak".to_string()];
        // Quotes are dealer prices (60% of list here): 10 x 540 + 10 x 180 = 7,200.00.
        let fit = fit_budget(&s, &products, &catalog, "EUR", 600_000, &styles).unwrap();
        assert!(fit.fits);
        assert_eq!(fit.before.total_minor, 720_000);
        // The oak-veneer desk keeps the style and saves the most: first, and enough.
        assert_eq!(fit.swaps.len(), 1, "{:?}", fit.swaps);
        assert_eq!(fit.swaps[0].to_product_id, "ash-desk");
        assert_eq!(fit.swaps[0].saving_minor, 180_000);
        assert_eq!(fit.after.total_minor, 540_000);
        let to = |budget| {
            let fit = fit_budget(&s, &products, &catalog, "EUR", budget, &styles).unwrap();
            assert!(fit.after.total_minor <= budget);
            assert!(
                fit.scenario
                    .selections
                    .iter()
                    .all(|s| s.product_id != "big-desk"),
                "never a larger footprint"
            );
            fit.swaps
                .iter()
                .map(|s| s.to_product_id.clone())
                .collect::<Vec<_>>()
        };
        // Then the chair (no style lost); the plain desk, which loses the style, comes last.
        assert_eq!(to(450_000), ["ash-desk", "cheap-chair"]);
        assert_eq!(to(350_000), ["ash-desk", "cheap-chair", "plain-desk"]);
        assert!(fit.swaps.iter().all(|s| !s.reason.is_empty()));
    }

    #[test]
    fn a_swap_the_budget_needs_in_some_rooms_only_is_undone_in_the_others() {
        let catalog = catalog();
        let products = by_id(&catalog);
        // Four rooms of 5 oak desks (540.00 each at dealer prices): 10,800.00.
        let mut s = scenario(&[("oak-desk", 5); 4]);
        for (k, selection) in s.selections.iter_mut().enumerate() {
            selection.placement = Some(roomwright_projects::scenarios::Placement {
                room_id: format!("room-{k}"),
                x_m: 1.0,
                y_m: 1.0,
                rotation_deg: 0.0,
            });
        }
        // Ash saves 180.00 a desk, 900.00 a room: two rooms swapped reach 9,000.00.
        let fit = fit_budget(&s, &products, &catalog, "EUR", 900_000, &["oak".into()]).unwrap();
        assert_eq!(fit.after.total_minor, 900_000);
        assert_eq!(fit.swaps.len(), 1);
        assert_eq!(fit.swaps[0].quantity, 10);
        assert_eq!(fit.swaps[0].saving_minor, 180_000);
        let ash_rooms: Vec<&str> = fit
            .scenario
            .selections
            .iter()
            .filter(|s| s.product_id == "ash-desk")
            .map(|s| s.placement.as_ref().unwrap().room_id.as_str())
            .collect();
        assert_eq!(
            ash_rooms.len(),
            2,
            "every room keeps one desk: {ash_rooms:?}"
        );
    }

    #[test]
    fn an_unreachable_budget_says_the_lowest_total_and_an_easy_one_suggests_upgrades() {
        let catalog = catalog();
        let products = by_id(&catalog);
        let s = scenario(&[("plain-desk", 2), ("cheap-chair", 2)]);
        assert_eq!(
            fit_budget(&s, &products, &catalog, "EUR", 50_000, &[]),
            Err(FitError::Unreachable {
                lowest_minor: 60_000
            })
        );
        let fit = fit_budget(&s, &products, &catalog, "EUR", 1_000_000, &["oak".into()]).unwrap();
        assert!(fit.fits && fit.swaps.is_empty());
        assert_eq!(fit.scenario, s, "nothing applied");
        let upgrade: Vec<&str> = fit
            .upgrades
            .iter()
            .map(|u| u.to_product_id.as_str())
            .collect();
        assert_eq!(
            upgrade,
            ["ash-desk"],
            "the better match that fits the footprint"
        );
    }
}
