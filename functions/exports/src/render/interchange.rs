//! A scenario in the dealers' formats: SIF (each selection a line with its part number,
//! description, manufacturer code, quantity, list and sell prices and finish) and DXF (the
//! project's floor plan and the selections as blocks with attributes, in millimetres).

use std::collections::HashMap;

use roomwright_core::catalog::Product;
use roomwright_interchange::{
    cad::{self, DrawnItem},
    sif::{self, ExportLine},
};
use roomwright_projects::{
    model::Project,
    scenarios::{Quote, Scenario},
};

/// The part numbers a SIF carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartNumbers {
    /// Our SKUs.
    #[default]
    Sku,
    /// The manufacturer's part number where a part-number alias of the product's brand
    /// records one, else our SKU.
    Manufacturer,
}

/// The SIF of one priced scenario; `manufacturer_numbers` maps product ids to the
/// manufacturer's part number to write instead of the SKU.
pub fn sif(
    project: &Project,
    quote: &Quote,
    products: &HashMap<String, Product>,
    manufacturer_numbers: &HashMap<String, String>,
) -> Vec<u8> {
    let lines: Vec<ExportLine> = quote
        .lines
        .iter()
        .map(|line| {
            let product = products.get(&line.product_id);
            ExportLine {
                part_number: manufacturer_numbers
                    .get(&line.product_id)
                    .cloned()
                    .unwrap_or_else(|| line.sku.clone()),
                description: line.name.clone(),
                manufacturer_code: product.map(|p| p.brand.clone()).unwrap_or_default(),
                quantity: line.quantity,
                list_minor: line.unit_list_minor,
                sell_minor: line.unit_net_minor,
                purchase_minor: None,
                finish: line.finish.clone(),
                tag: Some(line.selection_id.clone()),
                category: product.and_then(|p| p.category.first().cloned()),
            }
        })
        .collect();
    let title = format!("{} — {}", project.name, quote.name);
    sif::write(&format!("{}.sif", file_stem(&project.name)), &title, &lines).into_bytes()
}

/// The DXF of one scenario over the project's floor plan.
pub fn dxf(
    project: &Project,
    scenario: &Scenario,
    quote: &Quote,
    products: &HashMap<String, Product>,
) -> Result<Vec<u8>, String> {
    let prices: HashMap<&str, i64> = quote
        .lines
        .iter()
        .map(|l| (l.selection_id.as_str(), l.unit_net_minor))
        .collect();
    let items: Vec<DrawnItem> = scenario
        .selections
        .iter()
        .filter_map(|s| {
            let p = products.get(&s.product_id)?;
            Some(DrawnItem {
                sku: p.sku.clone(),
                name: p.name.clone(),
                brand: p.brand.clone(),
                finish: s.finish.clone(),
                quantity: s.quantity,
                price: format!(
                    "{} {}",
                    super::amount(prices.get(s.id.as_str()).copied().unwrap_or_default()),
                    quote.currency
                ),
                width_mm: f64::from(p.dimensions.width_mm),
                depth_mm: f64::from(p.dimensions.depth_mm),
                at: s
                    .placement
                    .as_ref()
                    .map(|at| ([at.x_m, at.y_m], at.rotation_deg)),
            })
        })
        .collect();
    let title = format!("{} — {}", project.name, scenario.name);
    cad::write(&title, project.floor_plan.as_ref(), &items)
}

/// A file name's stem from a project name: letters, digits and dashes.
pub fn file_stem(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
        .collect::<String>()
        .trim()
        .replace(' ', "-")
}
