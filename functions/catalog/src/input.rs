//! What clients send to create or replace a product, and the checks that turn it into a stored
//! [`Product`]. The API, CSV rows and JSON Lines rows all end here, so one set of rules applies.

use roomwright_core::{
    FieldErrors,
    catalog::{Dimensions, PriceBreak, Product, Stock, Sustainability},
    money::{Money, is_currency_code},
    time,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Largest accepted dimension, mm: a 20 m run of furniture is a typo.
const MAX_DIMENSION_MM: u32 = 20_000;
const MAX_TEXT: usize = 4_000;
const MAX_LIST: usize = 50;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// Chosen by the server when absent.
    #[serde(default)]
    pub id: Option<String>,
    pub sku: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub brand: String,
    /// Category path, broadest first.
    #[serde(default)]
    pub category: Vec<String>,
    pub dimensions: Dimensions,
    pub list_price: Money,
    pub dealer_price_minor: i64,
    #[serde(default)]
    pub price_breaks: Vec<PriceBreak>,
    #[serde(default)]
    pub finishes: Vec<String>,
    #[serde(default)]
    pub materials: Vec<String>,
    #[serde(default)]
    pub certifications: Vec<String>,
    /// S3 keys under `products/<id>/`, as returned by an upload.
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default)]
    pub model_key: Option<String>,
    pub sustainability: Sustainability,
    pub stock: Stock,
}

fn check_text(errors: &mut FieldErrors, path: &str, value: &str, required: bool, max: usize) {
    if required && value.trim().is_empty() {
        errors.add(path, "required", "Must not be empty.");
    } else if value.chars().count() > max {
        errors.add(path, "too_long", format!("At most {max} characters."));
    }
}

fn check_list(errors: &mut FieldErrors, path: &str, values: &[String]) {
    if values.len() > MAX_LIST {
        errors.add(path, "too_many", format!("At most {MAX_LIST} entries."));
    }
    for (i, v) in values.iter().enumerate() {
        check_text(errors, &format!("{path}[{i}]"), v, true, 120);
    }
}

/// A SKU is what ERPs key on: letters, digits, `-`, `_`, `.`, `/`, at most 64.
pub fn is_valid_sku(sku: &str) -> bool {
    !sku.is_empty()
        && sku.len() <= 64
        && sku
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

impl ProductInput {
    /// The product this input describes, or every problem with it (paths relative to `prefix`).
    pub fn validate(self, id: String, prefix: &str) -> Result<Product, FieldErrors> {
        let mut errors = FieldErrors::new();
        let at = |field: &str| format!("{prefix}{field}");
        if !is_valid_sku(&self.sku) {
            errors.add(
                at("sku"),
                "invalid_sku",
                "1 to 64 letters, digits, '-', '_', '.' or '/'.",
            );
        }
        check_text(&mut errors, &at("name"), &self.name, true, 200);
        check_text(
            &mut errors,
            &at("description"),
            &self.description,
            false,
            MAX_TEXT,
        );
        check_text(&mut errors, &at("brand"), &self.brand, false, 120);
        if self.category.is_empty() {
            errors.add(at("category"), "required", "Give at least one category.");
        } else if self.category.len() > 5 {
            errors.add(at("category"), "too_deep", "At most 5 levels.");
        }
        for (i, c) in self.category.iter().enumerate() {
            check_text(&mut errors, &at(&format!("category[{i}]")), c, true, 120);
            if c.contains('/') {
                errors.add(
                    at(&format!("category[{i}]")),
                    "invalid",
                    "No '/' in category names.",
                );
            }
        }
        let d = &self.dimensions;
        for (field, value) in [
            ("width_mm", d.width_mm),
            ("depth_mm", d.depth_mm),
            ("height_mm", d.height_mm),
        ] {
            if value == 0 || value > MAX_DIMENSION_MM {
                errors.add(
                    at(&format!("dimensions.{field}")),
                    "out_of_range",
                    format!("Between 1 and {MAX_DIMENSION_MM} mm."),
                );
            }
        }
        if !(d.weight_kg.is_finite() && d.weight_kg > 0.0 && d.weight_kg <= 5_000.0) {
            errors.add(
                at("dimensions.weight_kg"),
                "out_of_range",
                "Between 0 and 5000 kg.",
            );
        }
        if !is_currency_code(&self.list_price.currency) {
            errors.add(
                at("list_price.currency"),
                "invalid_currency",
                "An ISO 4217 code such as EUR.",
            );
        }
        if self.list_price.amount_minor <= 0 {
            errors.add(
                at("list_price.amount_minor"),
                "out_of_range",
                "Must be positive.",
            );
        }
        if self.dealer_price_minor <= 0 || self.dealer_price_minor > self.list_price.amount_minor {
            errors.add(
                at("dealer_price_minor"),
                "out_of_range",
                "Positive and not above the list price.",
            );
        }
        let mut last_quantity = 1;
        for (i, b) in self.price_breaks.iter().enumerate() {
            if b.min_quantity <= last_quantity {
                errors.add(
                    at(&format!("price_breaks[{i}].min_quantity")),
                    "not_ascending",
                    "Breaks start above 1 and rise.",
                );
            }
            if b.dealer_price_minor <= 0 || b.dealer_price_minor > self.dealer_price_minor {
                errors.add(
                    at(&format!("price_breaks[{i}].dealer_price_minor")),
                    "out_of_range",
                    "Positive and not above the dealer price.",
                );
            }
            last_quantity = b.min_quantity;
        }
        check_list(&mut errors, &at("finishes"), &self.finishes);
        check_list(&mut errors, &at("materials"), &self.materials);
        check_list(&mut errors, &at("certifications"), &self.certifications);
        let own_prefix = format!("products/{id}/");
        for (i, key) in self.images.iter().enumerate() {
            if !key.starts_with(&own_prefix) {
                errors.add(
                    at(&format!("images[{i}]")),
                    "foreign_key",
                    format!("Images live under {own_prefix}; upload them first."),
                );
            }
        }
        if let Some(key) = &self.model_key
            && (!key.starts_with(&own_prefix) || !key.ends_with(".glb"))
        {
            errors.add(
                at("model_key"),
                "foreign_key",
                format!("A .glb under {own_prefix}."),
            );
        }
        let s = &self.sustainability;
        if !(s.embodied_carbon_kg.is_finite() && s.embodied_carbon_kg >= 0.0) {
            errors.add(
                at("sustainability.embodied_carbon_kg"),
                "out_of_range",
                "Zero or more kg CO2e.",
            );
        }
        if !(0.0..=100.0).contains(&s.recycled_content_pct) {
            errors.add(
                at("sustainability.recycled_content_pct"),
                "out_of_range",
                "Between 0 and 100.",
            );
        }
        if self.stock.available > self.stock.on_hand {
            errors.add(
                at("stock.available"),
                "exceeds_on_hand",
                "Cannot exceed on_hand.",
            );
        }
        if let Some(date) = &self.stock.next_available
            && time::parse_rfc3339(date).is_none()
            && !time::is_date(date)
        {
            errors.add(
                at("stock.next_available"),
                "invalid_date",
                "A date like 2026-12-01.",
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Product {
            id,
            sku: self.sku,
            name: self.name.trim().into(),
            description: self.description.trim().into(),
            brand: self.brand.trim().into(),
            category: self.category.iter().map(|c| c.trim().to_string()).collect(),
            dimensions: self.dimensions,
            list_price: self.list_price,
            dealer_price_minor: self.dealer_price_minor,
            price_breaks: self.price_breaks,
            finishes: self.finishes,
            images: self.images,
            model_key: self.model_key,
            materials: self.materials,
            certifications: self.certifications,
            sustainability: self.sustainability,
            stock: self.stock,
            status: "active".into(),
            stock_as_of: None,
            price_as_of: None,
            updated_at: Some(time::sortable(time::now())),
        })
    }
}

impl From<&Product> for ProductInput {
    fn from(p: &Product) -> Self {
        Self {
            id: Some(p.id.clone()),
            sku: p.sku.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            brand: p.brand.clone(),
            category: p.category.clone(),
            dimensions: p.dimensions.clone(),
            list_price: p.list_price.clone(),
            dealer_price_minor: p.dealer_price_minor,
            price_breaks: p.price_breaks.clone(),
            finishes: p.finishes.clone(),
            materials: p.materials.clone(),
            certifications: p.certifications.clone(),
            images: p.images.clone(),
            model_key: p.model_key.clone(),
            sustainability: p.sustainability.clone(),
            stock: p.stock.clone(),
        }
    }
}
