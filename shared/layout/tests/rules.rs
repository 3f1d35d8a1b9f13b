//! Property tests: over generated floors (any turn, a cut corner, 1 to 14 rooms) and briefs
//! (2 to 120 people), no proposal breaks a rule, and what the brief asks is furnished where
//! there is room for it; a fitted budget never exceeds the budget, and the fitted scenario
//! still keeps every rule.

use proptest::prelude::*;
use roomwright_layout::{
    Brief, BriefOverrides, Role, Settings,
    check::check,
    propose,
    sample::{FloorSpec, catalog, floor},
};
use roomwright_projects::{floorplan, model::Requirements};

fn brief(headcount: u32, hot_desking: bool) -> Brief {
    Brief::new(
        &Requirements::default(),
        &BriefOverrides {
            headcount: Some(headcount),
            desk_ratio: Some(if hot_desking { 0.7 } else { 1.0 }),
            ..BriefOverrides::default()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        // Failures are printed with their inputs; no regression files in the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_proposal_breaks_a_rule(
        seed in 0u64..1_000_000,
        rooms in 1usize..14,
        angle in prop_oneof![Just(0.0), Just(90.0), -180.0f64..180.0],
        cut_corner: bool,
        headcount in 2u32..120,
        hot_desking: bool,
    ) {
        let plan = floor(FloorSpec { seed, rooms, angle_deg: angle, cut_corner, min_area_m2: 0.0 });
        let mut errors = roomwright_core::problem::FieldErrors::new();
        floorplan::validate(&plan, &mut errors);
        prop_assert!(errors.is_empty(), "the generator makes valid plans: {:?}", errors.paths());
        let settings = Settings::default();
        let brief = brief(headcount, hot_desking);
        let proposals = propose(&plan, None, &brief, &catalog(), 3, &settings);
        prop_assert_eq!(proposals.len(), 3);
        for p in &proposals {
            // The engine's own report and an independent check of what it returns agree:
            // nothing overlaps, leaves its room, stands in a wall, a door's swing, a
            // clearance or before a window, and every seat and clearance is reachable.
            prop_assert!(p.violations.is_empty(), "{}: {:?}", p.strategy, p.violations);
            let again = check(&plan, &p.items, &settings);
            prop_assert!(again.is_empty(), "{}: {:?}", p.strategy, again);
            prop_assert!(p.desks <= brief.desks() + 1, "no more desks than asked");
            let count = |role: Role| p.items.iter().filter(|i| i.role == role).count();
            prop_assert_eq!(count(Role::TaskChair), count(Role::Desk), "every desk has its chair");
            prop_assert!(p.rooms.iter().all(|r| r.rules.iter().all(|rule| rule.satisfied)));
        }
    }
}

/// The sample catalog with cheaper products of the same kinds: some of the same footprint,
/// some smaller, some larger (which a fit must never take).
fn catalog_with_alternatives() -> Vec<roomwright_core::catalog::Product> {
    let mut all = catalog();
    let originals = all.clone();
    for (k, p) in originals.iter().enumerate() {
        for (suffix, scale, price) in [
            ("lite", 1.0, 0.7),
            ("compact", 0.9, 0.8),
            ("large", 1.1, 0.5),
        ] {
            let mut q = p.clone();
            q.id = format!("{}-{suffix}", p.id);
            q.sku = format!("{}-{k}-{suffix}", p.sku);
            q.dimensions.width_mm = (p.dimensions.width_mm as f64 * scale) as u32;
            q.dimensions.depth_mm = (p.dimensions.depth_mm as f64 * scale) as u32;
            q.list_price.amount_minor = (p.list_price.amount_minor as f64 * price) as i64;
            q.dealer_price_minor = (p.dealer_price_minor as f64 * price) as i64;
            all.push(q);
        }
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_fitted_budget_is_never_exceeded_and_keeps_the_rules(
        seed in 0u64..1_000_000,
        rooms in 1usize..8,
        headcount in 2u32..60,
        share in 0.4f64..1.1,
    ) {
        let plan = floor(FloorSpec { seed, rooms, angle_deg: 0.0, cut_corner: seed % 2 == 0, min_area_m2: 0.0 });
        let settings = Settings::default();
        let all = catalog_with_alternatives();
        // Proposed with the sample catalog, fitted with its alternatives too.
        let proposal = propose(&plan, None, &brief(headcount, false), &catalog(), 1, &settings).remove(0);
        let scenario = roomwright_layout::store::scenario_of(&proposal, "s", "S", &Default::default());
        let products: std::collections::HashMap<String, _> =
            all.iter().map(|p| (p.id.clone(), p.clone())).collect();
        let Ok(before) = roomwright_projects::scenarios::quote(&scenario, &products, "EUR", None) else {
            return Ok(());
        };
        let budget = (before.total_minor as f64 * share) as i64;
        match roomwright_layout::budget::fit_budget(&scenario, &products, &all, "EUR", budget, &[]) {
            Ok(fit) => {
                prop_assert!(fit.after.total_minor <= budget, "{} over {budget}", fit.after.total_minor);
                let again = roomwright_projects::scenarios::quote(&fit.scenario, &products, "EUR", None).unwrap();
                prop_assert_eq!(again.total_minor, fit.after.total_minor);
                let items = roomwright_layout::engine::placed_items(&fit.scenario, &products);
                prop_assert_eq!(items.len(), proposal.items.len());
                let broken = check(&plan, &items, &settings);
                prop_assert!(broken.is_empty(), "{:?}", broken);
            }
            Err(roomwright_layout::budget::FitError::Unreachable { lowest_minor }) => {
                prop_assert!(lowest_minor > budget);
            }
            Err(e) => prop_assert!(false, "{:?}", e),
        }
    }
}

#[test]
fn the_checker_catches_what_the_engine_avoids() {
    let plan = floor(FloorSpec {
        seed: 7,
        rooms: 4,
        angle_deg: 0.0,
        cut_corner: false,
        min_area_m2: 0.0,
    });
    let settings = Settings::default();
    let proposal = propose(&plan, None, &brief(12, false), &catalog(), 1, &settings).remove(0);
    assert!(proposal.violations.is_empty(), "{:?}", proposal.violations);
    assert!(proposal.desks >= 8, "{}", proposal.summary);
    let rules = |items: &[roomwright_layout::engine::PlacedItem]| {
        let mut r: Vec<String> = check(&plan, items, &settings)
            .into_iter()
            .map(|v| v.rule)
            .collect();
        r.sort();
        r.dedup();
        r
    };
    let desk = proposal
        .items
        .iter()
        .position(|i| i.role == Role::Desk)
        .expect("a desk");

    // Moved onto another desk: an overlap (and its clearance is taken).
    let mut items = proposal.items.clone();
    let other = items
        .iter()
        .enumerate()
        .position(|(k, i)| k != desk && i.role == Role::Desk && i.room_id == items[desk].room_id)
        .expect("two desks in a room");
    items[desk].x_m = items[other].x_m + 0.3;
    items[desk].y_m = items[other].y_m;
    assert!(
        rules(&items).contains(&"no_overlap".to_string()),
        "{:?}",
        rules(&items)
    );

    // Moved out of the building.
    let mut items = proposal.items.clone();
    items[desk].x_m += 500.0;
    assert!(rules(&items).contains(&"inside_room".to_string()));

    // Turned so that its chair clearance faces a wall it stands against.
    let mut items = proposal.items.clone();
    let room = plan
        .rooms
        .iter()
        .find(|r| r.id == items[desk].room_id)
        .expect("its room");
    let min_y = room.polygon.iter().map(|p| p[1]).fold(f64::MAX, f64::min);
    items[desk].y_m = min_y + items[desk].depth_m / 2.0 + 0.2;
    items[desk].rotation_deg = 0.0;
    let broken = rules(&items);
    assert!(
        broken.contains(&"clearances".to_string()) || broken.contains(&"walls".to_string()),
        "{broken:?}"
    );

    // A wall of lockers across every door: nothing is reachable.
    let mut items = proposal.items.clone();
    for door in &plan.openings {
        if door.kind != floorplan::OpeningKind::Door {
            continue;
        }
        let wall = plan.walls.iter().find(|w| w.id == door.wall_id).unwrap();
        let t = (door.offset_m + door.width_m / 2.0) / wall.length();
        let (x, y) = (
            wall.start[0] + (wall.end[0] - wall.start[0]) * t,
            wall.start[1] + (wall.end[1] - wall.start[1]) * t,
        );
        let mut blocker = items[desk].clone();
        blocker.role = Role::Storage;
        blocker.x_m = x;
        blocker.y_m = y;
        blocker.width_m = 1.5;
        blocker.depth_m = 1.5;
        items.push(blocker);
    }
    let broken = rules(&items);
    assert!(broken.contains(&"door_swings".to_string()), "{broken:?}");
}

/// A brief asking more desks than the floor holds: the open offices are packed to at least
/// 90% of what their shapes hold in rows with only walls and door swings in the way.
#[test]
fn crowded_floors_are_packed() {
    let settings = Settings::default();
    let (mut placed, mut feasible) = (0, 0);
    for seed in 0..6u64 {
        let plan = floor(FloorSpec {
            seed: seed * 31 + 5,
            rooms: 8,
            angle_deg: if seed % 2 == 0 { 0.0 } else { 23.0 },
            cut_corner: seed % 3 == 1,
            min_area_m2: 300.0,
        });
        let crowd = Brief::new(
            &Requirements::default(),
            &BriefOverrides {
                headcount: Some(400),
                meeting_seats: Some(0),
                focus_rooms: Some(0),
                collaboration_areas: Some(0),
                storage_per_person: Some(0.0),
                ..BriefOverrides::default()
            },
        );
        let p = propose(&plan, None, &crowd, &catalog(), 1, &settings).remove(0);
        assert!(p.violations.is_empty(), "{:?}", p.violations);
        assert!(p.desks_feasible > 0);
        placed += p.desks;
        feasible += p.desks_feasible;
    }
    assert!(
        placed as f64 >= 0.9 * feasible as f64,
        "{placed} desks of {feasible} feasible"
    );
}
