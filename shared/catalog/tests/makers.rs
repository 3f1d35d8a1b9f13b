//! Maker matching over the demo makers: fit, distance, time and budget.

use roomwright_catalog::makers::*;
use roomwright_devstack::demo::demo_makers;

fn brief(capabilities: &[&str], materials: &[&str]) -> MatchRequest {
    MatchRequest {
        capabilities: capabilities.iter().map(|c| c.to_string()).collect(),
        materials: materials.iter().map(|m| m.to_string()).collect(),
        // Amsterdam.
        site: Location {
            city: "Amsterdam".into(),
            country: "NL".into(),
            lat: 52.37,
            lon: 4.9,
        },
        max_distance_km: None,
        needed_within_days: None,
        budget_minor: None,
        limit: None,
    }
}

#[test]
fn ranks_by_fit_distance_time_and_budget_and_leaves_out_what_cannot_help() {
    let matches = rank(&brief(&["metalwork"], &["steel"]), demo_makers());
    let names: Vec<&str> = matches.iter().map(|m| m.maker.name.as_str()).collect();
    // Rotterdam is 57 km away and works steel; Milan works steel too but is 830 km off;
    // the glass studio in Copenhagen offers metalwork without steel.
    assert_eq!(
        names,
        ["Staalwerk Rotterdam", "Ferro e Legno", "Lumen Atelier"]
    );
    assert!(
        (matches[0].distance_km - 57.0).abs() < 3.0,
        "{}",
        matches[0].distance_km
    );
    assert!(
        matches[0]
            .reasons
            .iter()
            .any(|r| r.contains("works in steel"))
    );

    let mut near = brief(&["metalwork"], &["steel"]);
    near.max_distance_km = Some(100.0);
    assert_eq!(rank(&near, demo_makers()).len(), 1);

    // A tight deadline and a small budget reorder joiners.
    let mut rushed = brief(&["joinery"], &["oak"]);
    rushed.needed_within_days = Some(31);
    rushed.budget_minor = Some(190_000);
    let matches = rank(&rushed, demo_makers());
    assert_eq!(
        matches[0].maker.name,
        "Ferro e Legno",
        "{:?}",
        matches
            .iter()
            .map(|m| (&m.maker.name, m.score))
            .collect::<Vec<_>>()
    );
    let berlin = matches
        .iter()
        .find(|m| m.maker.name == "Holzwerk Berlin")
        .unwrap();
    assert!(berlin.reasons.iter().any(|r| r.contains("exceeds 31")));
    assert!(berlin.reasons.iter().any(|r| r.contains("budget")));

    assert!(
        rank(&brief(&["stone"], &[]), demo_makers())
            .iter()
            .all(|m| m.maker.capabilities.contains(&"stone".to_string()))
    );
    assert!(brief(&["plumbing"], &[]).check().is_err());
}
