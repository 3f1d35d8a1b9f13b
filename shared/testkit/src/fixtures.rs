//! Catalog products as the catalog stores them.

use roomwright_core::{
    catalog::{Dimensions, PriceBreak, Product, Stock, Sustainability},
    money::Money,
};

/// A product priced in EUR with the given list and dealer prices (minor units).
pub fn product(id: &str, list: i64, dealer: i64, size_mm: (u32, u32)) -> Product {
    Product {
        id: id.into(),
        sku: format!("SKU-{id}"),
        name: format!("Product {id}"),
        description: String::new(),
        brand: "Nordform".into(),
        category: vec!["Desks".into()],
        dimensions: Dimensions {
            width_mm: size_mm.0,
            depth_mm: size_mm.1,
            height_mm: 740,
            weight_kg: 20.0,
        },
        list_price: Money::new(list, "EUR"),
        dealer_price_minor: dealer,
        price_breaks: vec![],
        finishes: vec!["oak".into(), "white".into()],
        images: vec![format!("products/{id}/main.jpg")],
        sustainability: Sustainability {
            embodied_carbon_kg: 50.0,
            recycled_content_pct: 40.0,
        },
        stock: Stock {
            on_hand: 10,
            available: 8,
            lead_time_days: 14,
            next_available: None,
        },
        status: "active".into(),
        model_key: None,
        materials: vec![],
        certifications: vec![],
        stock_as_of: None,
        price_as_of: None,
        updated_at: None,
    }
}

pub fn with_breaks(mut p: Product, breaks: &[(u32, i64)]) -> Product {
    p.price_breaks = breaks
        .iter()
        .map(|&(min_quantity, dealer_price_minor)| PriceBreak {
            min_quantity,
            dealer_price_minor,
        })
        .collect();
    p
}
