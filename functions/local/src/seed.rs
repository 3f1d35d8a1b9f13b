//! Demo data for `make dev`: written when the stack has none.

use roomwright_accounts::users;
use roomwright_catalog::makers::maker_keys;
use roomwright_catalog_api::input::ProductInput;
use roomwright_core::{
    ApiError, AppState,
    auth::Role,
    catalog::{Dimensions, PriceBreak, Product, Stock, Sustainability},
    money::Money,
    time,
};
use roomwright_projects::{
    floorplan::{FloorPlan, Opening, OpeningKind, Room, Wall},
    model::{Member, MemberRole, Project, Requirements, Status},
    scenarios::{Placement, Scenario, Selection, Terms},
    store,
};

pub const DEMO_ADMIN: &str = "admin@example.com";
pub const DEMO_DESIGNER: &str = "designer@example.com";

/// What was seeded, for the start-up banner.
pub struct Seeded {
    pub password: String,
    pub password_generated: bool,
    pub created: Vec<&'static str>,
    pub demo_project: Option<String>,
    /// Products written to the catalog (0 when it was seeded before).
    pub products: usize,
}

/// Creates the demo admin and designer with `$DEMO_PASSWORD`, or a generated password kept in
/// `data_dir` (so it goes on working across restarts, as the users do).
pub async fn demo(state: &AppState, data_dir: &std::path::Path) -> Result<Seeded, ApiError> {
    let (password, password_generated) = match std::env::var("DEMO_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (generated_password(data_dir)?, true),
    };
    let table = state.table();
    let mut created = Vec::new();
    let mut designer = None;
    for (email, name, role) in [
        (DEMO_ADMIN, "Ada Admin", Role::Admin),
        (DEMO_DESIGNER, "Dana Designer", Role::Designer),
    ] {
        if let Some(user) = users::provision(&table, email, name, role, &password).await? {
            created.push(email);
            if role == Role::Designer {
                designer = Some(user);
            }
        }
    }
    let mut demo_project = None;
    let mut products = 0;
    if let Some(designer) = designer {
        // Through the catalog's own import: SKU claims, the products index and the revision
        // that starts the search index build.
        let rows = demo_products()
            .iter()
            .chain(roomwright_devstack::demo::demo_catalog().iter())
            .map(|p| Ok(ProductInput::from(p)))
            .collect();
        let report = roomwright_catalog_api::import::run(&table, rows).await?;
        if let Some(rejected) = report.rejected.first() {
            return Err(ApiError::internal(format!(
                "demo product refused: {rejected:?}"
            )));
        }
        products = report.created;
        for maker in roomwright_devstack::demo::demo_makers() {
            table.create(&maker_keys(&maker), &maker).await?;
        }
        let project = demo_project_for(&designer.id, &designer.email);
        store::write(&table, &project, None, &[]).await?;
        demo_project = Some(project.id);
    }
    Ok(Seeded {
        password,
        password_generated,
        created,
        demo_project,
        products,
    })
}

/// The generated demo password: the one kept in `data_dir`, else a new one written there.
fn generated_password(data_dir: &std::path::Path) -> Result<String, ApiError> {
    let path = data_dir.join("demo-password");
    if let Ok(kept) = std::fs::read_to_string(&path)
        && !kept.trim().is_empty()
    {
        return Ok(kept.trim().to_string());
    }
    let password = format!("rw-{}", uuid::Uuid::new_v4().simple());
    std::fs::create_dir_all(data_dir)
        .and_then(|()| std::fs::write(&path, &password))
        .map_err(|e| ApiError::internal(format!("keeping the demo password: {e}")))?;
    Ok(password)
}

/// The products the demo project places, beside the generated demo catalog.
pub fn demo_products() -> Vec<Product> {
    let product = |id: &str,
                   name: &str,
                   category: &str,
                   size: (u32, u32, u32, f64),
                   price: (i64, i64),
                   sustainability: (f64, f64),
                   available: u32| Product {
        id: id.into(),
        sku: format!("RW-{}", id.to_uppercase()),
        name: name.into(),
        description: format!("{name}: a featured product of the demo studio project."),
        brand: "Nordform".into(),
        category: category.split('/').map(str::to_owned).collect(),
        dimensions: Dimensions {
            width_mm: size.0,
            depth_mm: size.1,
            height_mm: size.2,
            weight_kg: size.3,
        },
        list_price: Money::new(price.0, "EUR"),
        dealer_price_minor: price.1,
        price_breaks: vec![PriceBreak {
            min_quantity: 10,
            dealer_price_minor: price.1 * 92 / 100,
        }],
        finishes: vec!["oak".into(), "white".into(), "graphite".into()],
        images: vec![],
        sustainability: Sustainability {
            embodied_carbon_kg: sustainability.0,
            recycled_content_pct: sustainability.1,
        },
        stock: Stock {
            on_hand: available + 4,
            available,
            lead_time_days: 21,
            next_available: None,
        },
        status: "active".into(),
        model_key: None,
        materials: vec![],
        certifications: vec![],
        stock_as_of: None,
        price_as_of: None,
        updated_at: None,
    };
    vec![
        product(
            "desk-160",
            "Linea desk 160x80",
            "Desks/Fixed desks",
            (1600, 800, 740, 32.0),
            (89_000, 62_300),
            (96.0, 38.0),
            24,
        ),
        product(
            "desk-hs-140",
            "Lift height-adjustable desk 140x70",
            "Desks/Height-adjustable desks",
            (1400, 700, 1250, 41.0),
            (129_000, 90_300),
            (141.0, 30.0),
            6,
        ),
        product(
            "chair-task",
            "Arca task chair",
            "Seating/Task chairs",
            (680, 680, 1100, 17.5),
            (54_900, 38_400),
            (72.0, 45.0),
            40,
        ),
        product(
            "table-meet-8",
            "Tavola meeting table, 8 seats",
            "Tables/Meeting tables",
            (2400, 1100, 740, 78.0),
            (214_000, 149_800),
            (210.0, 22.0),
            3,
        ),
        product(
            "storage-tall",
            "Pillar tall storage",
            "Storage/Cabinets",
            (800, 450, 1950, 58.0),
            (76_500, 53_500),
            (118.0, 55.0),
            12,
        ),
        product(
            "sofa-2",
            "Nook two-seat sofa",
            "Seating/Sofas",
            (1550, 820, 780, 46.0),
            (182_000, 127_400),
            (160.0, 18.0),
            0,
        ),
    ]
}

/// A small studio with a floor plan and a scenario that the demo designer owns.
/// The demo project as the seed writes it for a designer.
pub fn demo_project_for(user_id: &str, email: &str) -> Project {
    let now = time::sortable(time::now());
    let wall = |id: &str, start, end| Wall {
        id: id.into(),
        start,
        end,
        thickness_m: 0.15,
        height_m: 2.8,
    };
    let door = |id: &str, wall_id: &str, offset_m, width_m| Opening {
        id: id.into(),
        wall_id: wall_id.into(),
        kind: OpeningKind::Door,
        offset_m,
        width_m,
        height_m: 2.1,
        sill_m: 0.0,
    };
    let placed = |id: &str, product: &str, room: &str, x_m, y_m, rotation_deg| Selection {
        id: id.into(),
        product_id: product.into(),
        quantity: 1,
        finish: Some("oak".into()),
        placement: Some(Placement {
            room_id: room.into(),
            x_m,
            y_m,
            rotation_deg,
        }),
    };
    Project {
        id: format!("prj_{}", uuid::Uuid::now_v7().simple()),
        name: "Demo studio".into(),
        description: "A 10 x 6 m design studio with a meeting room for a team of six.".into(),
        client: "Harbour Design Co.".into(),
        site_address: "12 Quay Street, Rotterdam".into(),
        status: Status::Draft,
        requirements: Requirements {
            headcount: Some(6),
            work_styles: vec!["focus".into(), "collaboration".into()],
            budget_ceiling_minor: Some(2_500_000),
            style_preferences: vec!["scandinavian".into(), "warm wood".into()],
            ..Requirements::default()
        },
        tags: vec!["demo".into()],
        floor_plan: Some(FloorPlan {
            units: "m".into(),
            rooms: vec![
                Room {
                    id: "studio".into(),
                    name: "Studio".into(),
                    kind: "open_plan".into(),
                    polygon: vec![[0.0, 0.0], [7.0, 0.0], [7.0, 6.0], [0.0, 6.0]],
                },
                Room {
                    id: "meeting".into(),
                    name: "Meeting room".into(),
                    kind: "meeting".into(),
                    polygon: vec![[7.0, 0.0], [10.0, 0.0], [10.0, 6.0], [7.0, 6.0]],
                },
            ],
            walls: vec![
                wall("s", [0.0, 0.0], [10.0, 0.0]),
                wall("e", [10.0, 0.0], [10.0, 6.0]),
                wall("n", [10.0, 6.0], [0.0, 6.0]),
                wall("w", [0.0, 6.0], [0.0, 0.0]),
                wall("partition", [7.0, 0.0], [7.0, 6.0]),
            ],
            openings: vec![
                door("entry", "s", 1.0, 1.0),
                door("meeting-door", "partition", 4.5, 0.9),
                Opening {
                    id: "window".into(),
                    wall_id: "n".into(),
                    kind: OpeningKind::Window,
                    offset_m: 1.0,
                    width_m: 6.0,
                    height_m: 1.6,
                    sill_m: 0.8,
                },
            ],
        }),
        scenarios: vec![Scenario {
            id: "better".into(),
            name: "Better".into(),
            selections: vec![
                placed("desk-1", "desk-160", "studio", 2.0, 4.0, 0.0),
                placed("desk-2", "desk-160", "studio", 4.0, 4.0, 0.0),
                placed("chair-1", "chair-task", "studio", 2.0, 3.2, 0.0),
                placed("chair-2", "chair-task", "studio", 4.0, 3.2, 0.0),
                placed("table", "table-meet-8", "meeting", 8.5, 3.0, 90.0),
                placed("storage", "storage-tall", "studio", 6.3, 1.0, 90.0),
            ],
            terms: Terms {
                freight_bp: 300,
                installation_bp: 600,
                project_management_bp: 400,
                contingency_bp: 500,
                tax_rate_bp: 2100,
            },
        }],
        owner_id: user_id.into(),
        members: vec![Member {
            user_id: user_id.into(),
            email: email.into(),
            role: MemberRole::Owner,
        }],
        created_at: now.clone(),
        updated_at: now,
        deleted_at: None,
        latest_version: 0,
        updated_by: Some(user_id.into()),
        updated_via: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use roomwright_core::problem::FieldErrors;

    use super::*;

    /// The demo data must itself pass the rules users are held to.
    #[test]
    fn the_demo_project_is_valid_and_its_placements_raise_no_warnings() {
        let project = demo_project_for("usr_demo", "designer@example.com");
        let mut errors = FieldErrors::new();
        roomwright_projects::floorplan::validate(project.floor_plan.as_ref().unwrap(), &mut errors);
        roomwright_projects::scenarios::validate(&project.scenarios[0], &mut errors);
        let products: HashMap<String, Product> = demo_products()
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        roomwright_projects::scenarios::check_products(
            &project.scenarios[0],
            &products,
            &mut errors,
        );
        assert!(
            errors.is_empty(),
            "{:?}",
            errors.finish().unwrap_err().errors
        );
        let warnings = roomwright_projects::scenarios::placement_warnings(
            &project.scenarios[0],
            project.floor_plan.as_ref(),
            &products,
        );
        assert_eq!(warnings, vec![]);
        let quote = roomwright_projects::scenarios::quote(
            &project.scenarios[0],
            &products,
            "EUR",
            Some(2_500_000),
        )
        .unwrap();
        assert_eq!(quote.within_budget, Some(true));
    }
}
