//! Which products furnish a layout: per role, active catalog items of its categories that are
//! in stock or arrive within the brief's lead time, ranked by how well they match the
//! project's style (its style words, and the designer's taste the recommendation model learnt)
//! and then by price. One product per role for the whole floor keeps rooms
//! consistent (one desk family, one chair).

use std::collections::BTreeMap;

use roomwright_core::catalog::Product;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Brief, Role};

/// The catalog categories (`[top, leaf]`) a role takes its products from, best first.
pub fn categories(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Desk => &[
            ("Desks", "Height-adjustable desks"),
            ("Desks", "Fixed desks"),
            ("Desks", "Home office desks"),
        ],
        Role::TaskChair => &[("Seating", "Task chairs")],
        Role::MeetingTable => &[("Tables", "Meeting tables")],
        Role::MeetingChair => &[("Seating", "Conference chairs"), ("Seating", "Task chairs")],
        Role::Storage => &[
            ("Storage", "Lockers"),
            ("Storage", "Cabinets"),
            ("Storage", "Bookcases"),
            ("Storage", "Sideboards"),
        ],
        Role::Sofa => &[("Seating", "Sofas"), ("Seating", "Lounge chairs")],
        Role::CoffeeTable => &[("Tables", "Coffee tables"), ("Tables", "Side tables")],
        Role::DiningTable => &[("Tables", "Dining tables"), ("Tables", "Meeting tables")],
        Role::DiningChair => &[
            ("Seating", "Dining chairs"),
            ("Seating", "Conference chairs"),
        ],
        Role::Bed => &[("Bedroom", "Beds")],
        Role::Wardrobe => &[("Bedroom", "Wardrobes"), ("Storage", "Cabinets")],
        Role::Other => &[],
    }
}

/// What a product is for, from its category (the first role listing it), for drawing and
/// checking scenarios made by hand.
pub fn role_of(product: &Product) -> Role {
    Role::ALL
        .into_iter()
        .find(|r| category_rank(product, *r).is_some())
        .unwrap_or(Role::Other)
}

/// How an alternative picks among suitable products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Taste {
    /// The closest style, then the lower price.
    Style,
    /// The lowest price among the suitable.
    Value,
}

/// The products a layout may use, per role, best first.
#[derive(Debug, Clone, Default)]
pub struct Palette {
    pub by_role: BTreeMap<Role, Vec<Product>>,
}

/// Words of the brief's styles found in a product's name, description, materials and finishes,
/// as a share of the styles (0 when the brief has none).
pub fn style_match(product: &Product, styles: &[String]) -> f64 {
    if styles.is_empty() {
        return 0.0;
    }
    let text = format!(
        "{} {} {} {} {}",
        product.name,
        product.description,
        product.brand,
        product.materials.join(" "),
        product.finishes.join(" ")
    )
    .to_lowercase();
    let hits = styles
        .iter()
        .filter(|style| {
            style
                .to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() > 2)
                .any(|w| text.contains(w))
        })
        .count();
    hits as f64 / styles.len() as f64
}

/// What a learnt affinity of 1 is worth against a style word of the brief matched in full.
pub const AFFINITY_WEIGHT: f64 = 0.5;

/// How well a product suits the brief's look: its style match plus the designer's learnt
/// taste for it ([`AFFINITY_WEIGHT`]).
pub fn look_match(product: &Product, brief: &Brief) -> f64 {
    style_match(product, &brief.styles)
        + AFFINITY_WEIGHT * brief.affinity.get(&product.id).copied().unwrap_or(0.0) as f64
}

/// Whether a product can be had in time: in stock, or arriving within the brief's lead time.
pub fn obtainable(product: &Product, brief: &Brief) -> bool {
    product.status == "active"
        && (product.stock.available > 0
            || brief
                .max_lead_time_days
                .is_none_or(|days| product.stock.lead_time_days <= days))
}

fn category_rank(product: &Product, role: Role) -> Option<usize> {
    let (top, leaf) = (product.category.first()?, product.category.get(1)?);
    categories(role)
        .iter()
        .position(|(t, l)| t == top && l == leaf)
}

impl Palette {
    /// Ranks the catalog's products for every role.
    pub fn new(products: &[Product], brief: &Brief, taste: Taste) -> Palette {
        let mut by_role = BTreeMap::new();
        for role in Role::ALL {
            let mut fitting: Vec<(usize, f64, &Product)> = products
                .iter()
                .filter(|p| obtainable(p, brief) && p.dimensions.width_mm > 0)
                .filter_map(|p| category_rank(p, role).map(|rank| (rank, look_match(p, brief), p)))
                .collect();
            fitting.sort_by(|a, b| {
                let price =
                    a.2.list_price
                        .amount_minor
                        .cmp(&b.2.list_price.amount_minor);
                let rank = a.0.cmp(&b.0);
                let style = b.1.total_cmp(&a.1);
                match taste {
                    Taste::Style => rank.then(style).then(price),
                    Taste::Value => price.then(rank).then(style),
                }
                .then(a.2.id.cmp(&b.2.id))
            });
            by_role.insert(role, fitting.into_iter().map(|f| f.2.clone()).collect());
        }
        Palette { by_role }
    }

    /// The first choice for a role.
    pub fn first(&self, role: Role) -> Option<&Product> {
        self.by_role.get(&role).and_then(|v| v.first())
    }

    /// Every choice for a role, best first.
    pub fn all(&self, role: Role) -> &[Product] {
        self.by_role.get(&role).map(Vec::as_slice).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{catalog, product};

    fn first(palette: &Palette, role: Role) -> &str {
        palette.first(role).map(|p| p.id.as_str()).unwrap()
    }

    #[test]
    fn the_learnt_taste_picks_among_equals_and_style_words_weigh_more() {
        let mut products = catalog();
        let mut oak = product(
            "chair-oak",
            ["Seating", "Task chairs"],
            [640, 600, 1000],
            42_000,
        );
        oak.materials = vec!["Oak veneer".into()];
        products.push(oak);
        let mut brief = Brief::new(&Default::default(), &Default::default());
        // No taste: the cheapest suitable chair.
        assert_eq!(
            first(
                &Palette::new(&products, &brief, Taste::Style),
                Role::TaskChair
            ),
            "chair-b"
        );
        // The designer's taste turns it to a dearer chair of the same kind...
        brief.affinity = [("chair-a".to_string(), 1.0), ("chair-b".to_string(), 0.2)].into();
        assert_eq!(
            first(
                &Palette::new(&products, &brief, Taste::Style),
                Role::TaskChair
            ),
            "chair-a"
        );
        // ... but not past a style word the brief names, nor past the value strategy's price.
        brief.styles = vec!["oak".into()];
        assert_eq!(
            first(
                &Palette::new(&products, &brief, Taste::Style),
                Role::TaskChair
            ),
            "chair-oak"
        );
        assert_eq!(
            first(
                &Palette::new(&products, &brief, Taste::Value),
                Role::TaskChair
            ),
            "chair-b"
        );
    }
}
