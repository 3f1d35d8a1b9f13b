//! A deterministic generator of realistic office and home furniture: the demo catalog of
//! `make dev`, the data the search tests assert on, and the 10k/100k sets of the benchmark.
//! The same `(count, seed)` always gives the same products.

use rand::{Rng, SeedableRng, seq::IndexedRandom};
use rand_chacha::ChaCha8Rng;
use roomwright_core::{
    catalog::{Dimensions, PriceBreak, Product, Stock, Sustainability},
    money::Money,
};

/// The seed of the demo catalog.
pub const DEMO_SEED: u64 = 20_261_122;
/// Size of the demo catalog.
pub const DEMO_COUNT: usize = 600;

/// One kind of product: where it sits in the catalog and the ranges it is made in.
struct Kind {
    category: [&'static str; 2],
    noun: &'static str,
    code: &'static str,
    /// Width, depth and height ranges in mm.
    size: [(u32, u32); 3],
    /// List price range in euro.
    price: (u32, u32),
    /// Weight range in kg.
    weight: (f64, f64),
    materials: &'static [&'static str],
    uses: &'static [&'static str],
}

const KINDS: &[Kind] = &[
    Kind {
        category: ["Seating", "Task chairs"],
        noun: "task chair",
        code: "TC",
        size: [(620, 720), (580, 680), (950, 1250)],
        price: (290, 1490),
        weight: (12.0, 22.0),
        materials: &[
            "recycled PET mesh",
            "wool fabric",
            "aluminium",
            "steel",
            "leather",
        ],
        uses: &[
            "long working days",
            "open-plan offices",
            "home offices",
            "hot desks",
        ],
    },
    Kind {
        category: ["Seating", "Lounge chairs"],
        noun: "lounge chair",
        code: "LC",
        size: [(700, 950), (720, 900), (700, 1050)],
        price: (540, 3200),
        weight: (14.0, 32.0),
        materials: &[
            "walnut",
            "oak",
            "velvet",
            "leather",
            "wool fabric",
            "boucle",
        ],
        uses: &[
            "reception areas",
            "living rooms",
            "reading corners",
            "breakout spaces",
        ],
    },
    Kind {
        category: ["Seating", "Sofas"],
        noun: "sofa",
        code: "SF",
        size: [(1600, 2600), (820, 1000), (700, 900)],
        price: (1200, 5400),
        weight: (35.0, 90.0),
        materials: &["linen", "velvet", "wool fabric", "leather", "oak", "boucle"],
        uses: &[
            "living rooms",
            "lounges",
            "reception areas",
            "breakout spaces",
        ],
    },
    Kind {
        category: ["Seating", "Stools"],
        noun: "stool",
        code: "ST",
        size: [(350, 480), (350, 480), (450, 780)],
        price: (90, 480),
        weight: (3.0, 8.0),
        materials: &["oak", "ash", "steel", "cork", "recycled plastic"],
        uses: &["kitchen islands", "touchdown areas", "cafes", "workshops"],
    },
    Kind {
        category: ["Seating", "Conference chairs"],
        noun: "conference chair",
        code: "CC",
        size: [(560, 640), (540, 620), (800, 950)],
        price: (220, 980),
        weight: (6.0, 14.0),
        materials: &["oak", "steel", "wool fabric", "leather", "recycled plastic"],
        uses: &["meeting rooms", "boardrooms", "training rooms"],
    },
    Kind {
        category: ["Seating", "Dining chairs"],
        noun: "dining chair",
        code: "DC",
        size: [(440, 560), (480, 560), (760, 860)],
        price: (120, 690),
        weight: (4.0, 9.0),
        materials: &["oak", "walnut", "beech", "rattan", "linen", "steel"],
        uses: &["dining rooms", "kitchens", "cafes", "canteens"],
    },
    Kind {
        category: ["Desks", "Height-adjustable desks"],
        noun: "height-adjustable desk",
        code: "HD",
        size: [(1200, 1800), (700, 900), (650, 1300)],
        price: (590, 2100),
        weight: (35.0, 60.0),
        materials: &[
            "oak veneer",
            "white laminate",
            "linoleum",
            "steel",
            "bamboo",
        ],
        uses: &[
            "sit-stand working",
            "open-plan offices",
            "home offices",
            "focus rooms",
        ],
    },
    Kind {
        category: ["Desks", "Fixed desks"],
        noun: "desk",
        code: "FD",
        size: [(1200, 1800), (700, 900), (720, 750)],
        price: (290, 1400),
        weight: (22.0, 45.0),
        materials: &["oak veneer", "white laminate", "ash", "steel", "linoleum"],
        uses: &["open-plan offices", "private offices", "team benches"],
    },
    Kind {
        category: ["Desks", "Home office desks"],
        noun: "writing desk",
        code: "WD",
        size: [(900, 1300), (500, 700), (720, 760)],
        price: (240, 1350),
        weight: (14.0, 30.0),
        materials: &["solid oak", "walnut", "ash", "birch plywood", "steel"],
        uses: &[
            "small home offices",
            "bedrooms",
            "studio flats",
            "study nooks",
        ],
    },
    Kind {
        category: ["Tables", "Meeting tables"],
        noun: "meeting table",
        code: "MT",
        size: [(1600, 4000), (900, 1400), (720, 750)],
        price: (900, 6800),
        weight: (40.0, 160.0),
        materials: &[
            "oak veneer",
            "walnut veneer",
            "linoleum",
            "steel",
            "white laminate",
        ],
        uses: &["meeting rooms", "boardrooms", "project rooms"],
    },
    Kind {
        category: ["Tables", "Dining tables"],
        noun: "dining table",
        code: "DT",
        size: [(1400, 2400), (800, 1000), (730, 760)],
        price: (700, 4200),
        weight: (30.0, 90.0),
        materials: &["solid oak", "walnut", "ash", "marble", "steel"],
        uses: &["dining rooms", "kitchens", "canteens"],
    },
    Kind {
        category: ["Tables", "Coffee tables"],
        noun: "coffee table",
        code: "CT",
        size: [(700, 1300), (500, 800), (300, 450)],
        price: (220, 1600),
        weight: (10.0, 40.0),
        materials: &["oak", "walnut", "marble", "travertine", "glass", "steel"],
        uses: &["living rooms", "lounges", "reception areas"],
    },
    Kind {
        category: ["Tables", "Side tables"],
        noun: "side table",
        code: "SB",
        size: [(350, 550), (350, 550), (450, 600)],
        price: (120, 680),
        weight: (4.0, 14.0),
        materials: &["oak", "walnut", "marble", "steel", "rattan"],
        uses: &["living rooms", "bedsides", "lounges"],
    },
    Kind {
        category: ["Storage", "Pedestals"],
        noun: "pedestal",
        code: "PD",
        size: [(400, 430), (550, 600), (550, 620)],
        price: (180, 560),
        weight: (15.0, 28.0),
        materials: &["steel", "white laminate", "oak veneer"],
        uses: &["desks", "open-plan offices", "hot desks"],
    },
    Kind {
        category: ["Storage", "Cabinets"],
        noun: "cabinet",
        code: "CB",
        size: [(800, 1600), (400, 500), (740, 1500)],
        price: (350, 1900),
        weight: (30.0, 80.0),
        materials: &["oak veneer", "steel", "white laminate", "walnut veneer"],
        uses: &["archives", "team areas", "private offices"],
    },
    Kind {
        category: ["Storage", "Bookcases"],
        noun: "bookcase",
        code: "BC",
        size: [(600, 1800), (300, 400), (800, 2200)],
        price: (190, 1700),
        weight: (18.0, 70.0),
        materials: &["solid oak", "ash", "birch plywood", "walnut", "steel"],
        uses: &["living rooms", "libraries", "home offices", "room dividers"],
    },
    Kind {
        category: ["Storage", "Lockers"],
        noun: "locker unit",
        code: "LK",
        size: [(800, 1200), (450, 500), (1100, 1950)],
        price: (700, 2600),
        weight: (50.0, 120.0),
        materials: &["steel", "oak veneer", "recycled PET felt"],
        uses: &["hot-desking offices", "changing rooms", "schools"],
    },
    Kind {
        category: ["Storage", "Sideboards"],
        noun: "sideboard",
        code: "SD",
        size: [(1400, 2200), (400, 500), (650, 800)],
        price: (650, 3400),
        weight: (35.0, 80.0),
        materials: &["walnut", "solid oak", "ash", "rattan", "lacquered MDF"],
        uses: &["dining rooms", "living rooms", "boardrooms"],
    },
    Kind {
        category: ["Lighting", "Desk lamps"],
        noun: "desk lamp",
        code: "DL",
        size: [(150, 450), (150, 250), (350, 700)],
        price: (80, 520),
        weight: (1.0, 4.0),
        materials: &["aluminium", "brass", "steel", "opal glass"],
        uses: &["desks", "home offices", "bedsides"],
    },
    Kind {
        category: ["Lighting", "Floor lamps"],
        noun: "floor lamp",
        code: "FL",
        size: [(300, 600), (300, 600), (1400, 1900)],
        price: (160, 1400),
        weight: (4.0, 14.0),
        materials: &["brass", "linen", "steel", "oak", "paper"],
        uses: &["living rooms", "reading corners", "lounges"],
    },
    Kind {
        category: ["Lighting", "Pendant lights"],
        noun: "pendant light",
        code: "PL",
        size: [(250, 900), (250, 900), (200, 600)],
        price: (120, 1800),
        weight: (1.0, 9.0),
        materials: &[
            "opal glass",
            "aluminium",
            "recycled PET felt",
            "paper",
            "brass",
        ],
        uses: &["dining rooms", "meeting rooms", "kitchens", "receptions"],
    },
    Kind {
        category: ["Acoustics", "Acoustic panels"],
        noun: "acoustic panel",
        code: "AP",
        size: [(600, 1200), (30, 60), (600, 1200)],
        price: (90, 460),
        weight: (2.0, 7.0),
        materials: &["recycled PET felt", "wool felt", "wood wool", "cork"],
        uses: &[
            "open-plan offices",
            "meeting rooms",
            "restaurants",
            "home studios",
        ],
    },
    Kind {
        category: ["Acoustics", "Phone booths"],
        noun: "phone booth",
        code: "PB",
        size: [(1000, 2200), (1000, 1500), (2200, 2300)],
        price: (4900, 16_000),
        weight: (250.0, 600.0),
        materials: &["recycled PET felt", "tempered glass", "oak veneer", "steel"],
        uses: &["open-plan offices", "video calls", "focus work"],
    },
    Kind {
        category: ["Acoustics", "Desk screens"],
        noun: "desk screen",
        code: "DS",
        size: [(800, 1800), (25, 40), (400, 700)],
        price: (110, 420),
        weight: (2.0, 6.0),
        materials: &["recycled PET felt", "wool fabric", "acrylic"],
        uses: &["team benches", "open-plan offices", "call centres"],
    },
    Kind {
        category: ["Bedroom", "Beds"],
        noun: "bed",
        code: "BD",
        size: [(1000, 2000), (2000, 2200), (800, 1100)],
        price: (600, 3800),
        weight: (40.0, 110.0),
        materials: &["solid oak", "walnut", "linen", "velvet", "ash"],
        uses: &["bedrooms", "guest rooms", "hotel rooms"],
    },
    Kind {
        category: ["Bedroom", "Wardrobes"],
        noun: "wardrobe",
        code: "WR",
        size: [(1000, 2400), (550, 650), (2000, 2400)],
        price: (800, 4200),
        weight: (70.0, 180.0),
        materials: &[
            "oak veneer",
            "white laminate",
            "walnut veneer",
            "mirror glass",
        ],
        uses: &["bedrooms", "hotel rooms", "dressing rooms"],
    },
];

const BRANDS: &[&str] = &[
    "Nordform",
    "Atelier Vale",
    "Kaspar & Lind",
    "Oakline",
    "Urbanist",
    "Fennwick",
    "Milo Works",
    "Brightfield",
    "Haldor",
    "Sora Living",
];

const SERIES: &[&str] = &[
    "Linea", "Arbor", "Halden", "Moda", "Tilde", "Kobe", "Fjord", "Mesa", "Orbit", "Sable", "Vigo",
    "Cove", "Ridge", "Nimbus", "Brio", "Alto", "Lumen", "Ferro", "Juniper", "Pebble", "Quill",
    "Rune", "Sienna", "Terra", "Umber", "Wren", "Yara", "Zinc", "Atlas", "Bruno",
];

const STYLES: &[&str] = &[
    "Scandinavian",
    "mid-century",
    "industrial",
    "minimalist",
    "warm modern",
    "classic",
    "Japandi",
    "coastal",
];

const FINISHES: &[&str] = &[
    "natural oak",
    "smoked oak",
    "walnut",
    "white",
    "graphite",
    "black",
    "sage green",
    "terracotta",
    "sand",
    "navy",
];

const CERTIFICATIONS: &[&str] = &[
    "FSC",
    "PEFC",
    "GREENGUARD Gold",
    "BIFMA LEVEL 3",
    "EU Ecolabel",
    "Cradle to Cradle Silver",
];

const FEATURES: &[&str] = &[
    "rounded edges",
    "cable management",
    "tool-free assembly",
    "replaceable parts",
    "a 10-year warranty",
    "stackable frames",
    "soft-close doors",
    "felt glides",
    "a compact footprint",
    "generous storage",
];

fn between(rng: &mut ChaCha8Rng, (low, high): (u32, u32)) -> u32 {
    rng.random_range(low..=high)
}

/// `count` products from `seed`, ids `p-00001`, `p-00002`, ...
pub fn generate(count: usize, seed: u64) -> Vec<Product> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (1..=count).map(|n| product(&mut rng, n)).collect()
}

/// The demo catalog of `make dev` and the search tests.
pub fn demo_catalog() -> Vec<Product> {
    generate(DEMO_COUNT, DEMO_SEED)
}

fn product(rng: &mut ChaCha8Rng, n: usize) -> Product {
    let kind = &KINDS[rng.random_range(0..KINDS.len())];
    let brand = *BRANDS.choose(rng).expect("brands");
    let series = *SERIES.choose(rng).expect("series");
    let style = *STYLES.choose(rng).expect("styles");
    let material = *kind.materials.choose(rng).expect("materials");
    let second = *kind.materials.choose(rng).expect("materials");
    let usage = *kind.uses.choose(rng).expect("uses");
    let feature = *FEATURES.choose(rng).expect("features");
    let width = between(rng, kind.size[0]) / 10 * 10;
    let depth = between(rng, kind.size[1]) / 10 * 10;
    let height = between(rng, kind.size[2]) / 10 * 10;
    let weight = (rng.random_range(kind.weight.0..=kind.weight.1) * 10.0).round() / 10.0;
    let list_euro = between(rng, kind.price) / 10 * 10 - 1;
    let list_minor = i64::from(list_euro) * 100;
    let dealer_minor = list_minor * rng.random_range(55..=72) / 100;
    let mut materials = vec![material.to_string()];
    if second != material {
        materials.push(second.to_string());
    }
    let finish_count = rng.random_range(1..=4);
    let finishes: Vec<String> = FINISHES
        .choose_multiple(rng, finish_count)
        .map(|f| f.to_string())
        .collect();
    let wooden = materials.iter().any(|m| {
        ["oak", "walnut", "ash", "beech", "birch", "bamboo"]
            .iter()
            .any(|w| m.contains(w))
    });
    let certification_count = rng.random_range(0..=2);
    let mut certifications: Vec<String> = CERTIFICATIONS
        .choose_multiple(rng, certification_count)
        .filter(|c| wooden || !matches!(**c, "FSC" | "PEFC"))
        .map(|c| c.to_string())
        .collect();
    if wooden && rng.random_bool(0.5) && !certifications.iter().any(|c| c == "FSC") {
        certifications.push("FSC".into());
    }
    let recycled = f64::from(rng.random_range(0..=85u32));
    let carbon =
        (weight * rng.random_range(1.2..3.4) * (1.0 - recycled / 200.0) * 10.0).round() / 10.0;
    let available = if rng.random_bool(0.18) {
        0
    } else {
        rng.random_range(1..=240)
    };
    let lead_time = if available == 0 {
        rng.random_range(28..=84)
    } else {
        rng.random_range(3..=35)
    };
    let size_label = match kind.category[0] {
        "Desks" | "Tables" => format!(" {}x{}", width / 10, depth / 10),
        _ => String::new(),
    };
    let name = format!("{series} {}{size_label}", kind.noun);
    let description = format!(
        "A {style} {noun} in {material}{with}, made for {usage}, with {feature}. {w} x {d} x {h} mm.",
        noun = kind.noun,
        with = if second != material {
            format!(" and {second}")
        } else {
            String::new()
        },
        w = width,
        d = depth,
        h = height,
    );
    Product {
        id: format!("p-{n:05}"),
        sku: format!("{}-{}-{n:05}", &brand[..3].to_uppercase(), kind.code),
        name,
        description,
        brand: brand.into(),
        category: kind.category.iter().map(|c| c.to_string()).collect(),
        dimensions: Dimensions {
            width_mm: width,
            depth_mm: depth,
            height_mm: height,
            weight_kg: weight,
        },
        list_price: Money::new(list_minor, "EUR"),
        dealer_price_minor: dealer_minor,
        price_breaks: vec![
            PriceBreak {
                min_quantity: 10,
                dealer_price_minor: dealer_minor * 95 / 100,
            },
            PriceBreak {
                min_quantity: 50,
                dealer_price_minor: dealer_minor * 90 / 100,
            },
        ],
        finishes,
        images: vec![],
        model_key: None,
        materials,
        certifications,
        sustainability: Sustainability {
            embodied_carbon_kg: carbon,
            recycled_content_pct: recycled,
        },
        stock: Stock {
            on_hand: available + rng.random_range(0..=12),
            available,
            lead_time_days: lead_time,
            next_available: None,
        },
        status: "active".into(),
        stock_as_of: None,
        price_as_of: None,
        updated_at: None,
    }
}

/// Workshops of the demo: a spread of trades and places, so matching has real choices.
pub fn demo_makers() -> Vec<roomwright_catalog::makers::Maker> {
    use roomwright_catalog::makers::{Location, Maker};
    let maker = |id: &str,
                 name: &str,
                 caps: &[&str],
                 materials: &[&str],
                 place: (&str, &str, f64, f64),
                 lead: u32,
                 min_eur: i64| Maker {
        id: id.into(),
        name: name.into(),
        capabilities: caps.iter().map(|c| c.to_string()).collect(),
        materials: materials.iter().map(|m| m.to_string()).collect(),
        location: Location {
            city: place.0.into(),
            country: place.1.into(),
            lat: place.2,
            lon: place.3,
        },
        lead_time_days: lead,
        min_order_minor: min_eur * 100,
        currency: "EUR".into(),
        contact_email: format!("studio@{id}.example"),
    };
    vec![
        maker(
            "m-holz",
            "Holzwerk Berlin",
            &["joinery", "finishing"],
            &["oak", "walnut", "ash"],
            ("Berlin", "DE", 52.52, 13.405),
            35,
            2_000,
        ),
        maker(
            "m-polster",
            "Polsterei Hansen",
            &["upholstery", "textiles"],
            &["wool", "leather", "linen", "velvet"],
            ("Hamburg", "DE", 53.55, 9.993),
            28,
            800,
        ),
        maker(
            "m-staal",
            "Staalwerk Rotterdam",
            &["metalwork", "finishing"],
            &["steel", "aluminium", "brass"],
            ("Rotterdam", "NL", 51.924, 4.478),
            21,
            1_500,
        ),
        maker(
            "m-lumen",
            "Lumen Atelier",
            &["lighting", "glass", "metalwork"],
            &["brass", "opal glass", "aluminium"],
            ("Copenhagen", "DK", 55.676, 12.568),
            42,
            1_200,
        ),
        maker(
            "m-pierre",
            "Atelier Pierre",
            &["stone", "joinery"],
            &["marble", "travertine", "oak"],
            ("Lyon", "FR", 45.764, 4.835),
            56,
            3_500,
        ),
        maker(
            "m-felt",
            "Feltworks",
            &["acoustics", "textiles", "upholstery"],
            &["recycled pet felt", "wool felt", "wool"],
            ("Vienna", "AT", 48.208, 16.373),
            18,
            600,
        ),
        maker(
            "m-mobler",
            "Möbler Nord",
            &["joinery", "upholstery", "finishing"],
            &["birch", "oak", "wool"],
            ("Stockholm", "SE", 59.329, 18.069),
            49,
            2_500,
        ),
        maker(
            "m-ferro",
            "Ferro e Legno",
            &["metalwork", "joinery"],
            &["steel", "walnut", "oak"],
            ("Milan", "IT", 45.464, 9.19),
            30,
            1_800,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_catalog_and_skus_are_unique() {
        let a = generate(700, 7);
        assert_eq!(a, generate(700, 7));
        assert_ne!(a, generate(700, 8));
        let skus: std::collections::HashSet<_> = a.iter().map(|p| p.sku.clone()).collect();
        assert_eq!(skus.len(), 700);
        assert!(
            a.iter()
                .all(|p| p.dealer_price_minor < p.list_price.amount_minor)
        );
        let kinds: std::collections::HashSet<_> = a.iter().map(|p| p.category[1].clone()).collect();
        assert_eq!(kinds.len(), KINDS.len(), "every kind of product appears");
    }
}
