//! Bulk import of products from CSV or JSON Lines: every row is checked on its own, good rows
//! are written (created, or updated by SKU), bad rows come back in a report with their reasons.
//! Rows are written in all-or-nothing transactions, so a rejected row never leaves half of
//! itself behind.
//!
//! CSV columns (header row required; lists separated by `|`):
//! `id, sku, name, description, brand, category` (`Seating > Task chairs`)`, width_mm, depth_mm,
//! height_mm, weight_kg, currency, list_price_minor, dealer_price_minor, price_breaks`
//! (`10:95000|50:90000`)`, finishes, materials, certifications, images, model_key,
//! embodied_carbon_kg, recycled_content_pct, on_hand, available, lead_time_days, next_available`.

use std::collections::HashSet;

use roomwright_core::{
    ApiError, FieldError,
    catalog::{Dimensions, PriceBreak, Product, Stock, Sustainability},
    dynamo::Table,
    money::Money,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::input::{ProductInput, is_valid_id};
use roomwright_catalog::store::{self, Write, WriteRefused};

/// Rows in one transaction: each product is three items at most (product, claim, release).
const CHUNK: usize = 25;
pub const MAX_ROWS: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedRow {
    /// 1-based data row (CSV: not counting the header; JSON Lines: the line number).
    pub row: usize,
    pub sku: Option<String>,
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub rejected: Vec<RejectedRow>,
}

#[derive(Debug, Serialize, Deserialize)]
struct CsvRow {
    #[serde(default)]
    id: String,
    sku: String,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    brand: String,
    category: String,
    width_mm: u32,
    depth_mm: u32,
    height_mm: u32,
    weight_kg: f64,
    currency: String,
    list_price_minor: i64,
    dealer_price_minor: i64,
    #[serde(default)]
    price_breaks: String,
    #[serde(default)]
    finishes: String,
    #[serde(default)]
    materials: String,
    #[serde(default)]
    certifications: String,
    #[serde(default)]
    images: String,
    #[serde(default)]
    model_key: String,
    embodied_carbon_kg: f64,
    recycled_content_pct: f64,
    on_hand: u32,
    available: u32,
    lead_time_days: u32,
    #[serde(default)]
    next_available: String,
}

fn list(text: &str) -> Vec<String> {
    text.split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn optional(text: String) -> Option<String> {
    Some(text).filter(|t| !t.trim().is_empty())
}

impl CsvRow {
    fn into_input(self) -> Result<ProductInput, FieldError> {
        let mut breaks = Vec::new();
        for part in list(&self.price_breaks) {
            let parsed = part.split_once(':').and_then(|(q, p)| {
                Some(PriceBreak {
                    min_quantity: q.trim().parse().ok()?,
                    dealer_price_minor: p.trim().parse().ok()?,
                })
            });
            match parsed {
                Some(b) => breaks.push(b),
                None => {
                    return Err(FieldError::new(
                        "price_breaks",
                        "invalid",
                        "Breaks look like 10:95000|50:90000.",
                    ));
                }
            }
        }
        Ok(ProductInput {
            id: optional(self.id),
            sku: self.sku,
            name: self.name,
            description: self.description,
            brand: self.brand,
            category: self
                .category
                .split('>')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            dimensions: Dimensions {
                width_mm: self.width_mm,
                depth_mm: self.depth_mm,
                height_mm: self.height_mm,
                weight_kg: self.weight_kg,
            },
            list_price: Money::new(self.list_price_minor, self.currency),
            dealer_price_minor: self.dealer_price_minor,
            price_breaks: breaks,
            finishes: list(&self.finishes),
            materials: list(&self.materials),
            certifications: list(&self.certifications),
            images: list(&self.images),
            model_key: optional(self.model_key),
            sustainability: Sustainability {
                embodied_carbon_kg: self.embodied_carbon_kg,
                recycled_content_pct: self.recycled_content_pct,
            },
            stock: Stock {
                on_hand: self.on_hand,
                available: self.available,
                lead_time_days: self.lead_time_days,
                next_available: optional(self.next_available),
            },
        })
    }
}

impl From<&Product> for CsvRow {
    fn from(p: &Product) -> Self {
        let join = |values: &[String]| values.join("|");
        Self {
            id: p.id.clone(),
            sku: p.sku.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            brand: p.brand.clone(),
            category: p.category.join(" > "),
            width_mm: p.dimensions.width_mm,
            depth_mm: p.dimensions.depth_mm,
            height_mm: p.dimensions.height_mm,
            weight_kg: p.dimensions.weight_kg,
            currency: p.list_price.currency.clone(),
            list_price_minor: p.list_price.amount_minor,
            dealer_price_minor: p.dealer_price_minor,
            price_breaks: p
                .price_breaks
                .iter()
                .map(|b| format!("{}:{}", b.min_quantity, b.dealer_price_minor))
                .collect::<Vec<_>>()
                .join("|"),
            finishes: join(&p.finishes),
            materials: join(&p.materials),
            certifications: join(&p.certifications),
            images: join(&p.images),
            model_key: p.model_key.clone().unwrap_or_default(),
            embodied_carbon_kg: p.sustainability.embodied_carbon_kg,
            recycled_content_pct: p.sustainability.recycled_content_pct,
            on_hand: p.stock.on_hand,
            available: p.stock.available,
            lead_time_days: p.stock.lead_time_days,
            next_available: p.stock.next_available.clone().unwrap_or_default(),
        }
    }
}

/// Products in the CSV import format, header included.
pub fn to_csv(products: &[Product]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for p in products {
        writer.serialize(CsvRow::from(p))?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 strings"))
}

/// The columns a CSV import must have (the others may be left out).
const REQUIRED_COLUMNS: [&str; 15] = [
    "sku",
    "name",
    "category",
    "width_mm",
    "depth_mm",
    "height_mm",
    "weight_kg",
    "currency",
    "list_price_minor",
    "dealer_price_minor",
    "embodied_carbon_kg",
    "recycled_content_pct",
    "on_hand",
    "available",
    "lead_time_days",
];

/// The rows of a file: each either a product input or why it could not be read.
pub fn parse(
    format: Format,
    body: &[u8],
) -> Result<Vec<Result<ProductInput, FieldError>>, ApiError> {
    let rows: Vec<Result<ProductInput, FieldError>> = match format {
        Format::JsonLines => {
            let text = std::str::from_utf8(body)
                .map_err(|_| ApiError::bad_request("not_utf8", "The file is not UTF-8 text."))?;
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|line| {
                    serde_json::from_str::<ProductInput>(line)
                        .map_err(|e| FieldError::new("", "unreadable_row", e.to_string()))
                })
                .collect()
        }
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .from_reader(body);
            let headers = reader
                .headers()
                .map_err(|e| {
                    ApiError::bad_request("unreadable_csv", format!("No header row: {e}"))
                })?
                .clone();
            let missing: Vec<&str> = REQUIRED_COLUMNS
                .into_iter()
                .filter(|column| !headers.iter().any(|h| h == *column))
                .collect();
            if !missing.is_empty() {
                return Err(ApiError::validation(vec![FieldError::new(
                    "file",
                    "missing_columns",
                    format!(
                        "The header row lacks {}; the first row names the columns (the \
                         catalog's CSV export has all of them).",
                        missing.join(", ")
                    ),
                )]));
            }
            reader
                .deserialize::<CsvRow>()
                .map(|record| match record {
                    Ok(row) => row.into_input(),
                    Err(e) => {
                        // Name the column, not its position.
                        let column = match e.kind() {
                            csv::ErrorKind::Deserialize { err, .. } => err
                                .field()
                                .and_then(|i| headers.get(i as usize))
                                .unwrap_or_default()
                                .to_string(),
                            _ => String::new(),
                        };
                        Err(FieldError::new(column, "unreadable_row", e.to_string()))
                    }
                })
                .collect()
        }
    };
    if rows.len() > MAX_ROWS {
        return Err(ApiError::validation(vec![FieldError::new(
            "file",
            "too_many_rows",
            format!("At most {MAX_ROWS} rows per import."),
        )]));
    }
    Ok(rows)
}

struct Planned {
    row: usize,
    product: Product,
    expected: Option<u64>,
    old_sku: Option<String>,
}

/// Checks every row and writes the good ones.
pub async fn run(
    table: &Table,
    rows: Vec<Result<ProductInput, FieldError>>,
) -> Result<ImportReport, ApiError> {
    let mut report = ImportReport {
        rows: rows.len(),
        ..ImportReport::default()
    };
    let reject =
        |report: &mut ImportReport, row: usize, sku: Option<String>, errors: Vec<FieldError>| {
            report.rejected.push(RejectedRow { row, sku, errors });
        };
    // First pass: each row on its own, and SKUs unique within the file.
    let mut seen = HashSet::new();
    let mut valid = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        let number = i + 1;
        let input = match row {
            Ok(input) => input,
            Err(error) => {
                reject(&mut report, number, None, vec![error]);
                continue;
            }
        };
        let sku = input.sku.clone();
        if !seen.insert(sku.to_ascii_uppercase()) {
            reject(
                &mut report,
                number,
                Some(sku),
                vec![FieldError::new(
                    "sku",
                    "duplicate_in_file",
                    "This SKU appears earlier in the file.",
                )],
            );
            continue;
        }
        if let Some(id) = &input.id
            && !is_valid_id(id)
        {
            reject(
                &mut report,
                number,
                Some(sku),
                vec![FieldError::new(
                    "id",
                    "invalid_id",
                    "1 to 64 letters, digits, '-' or '_'.",
                )],
            );
            continue;
        }
        valid.push((number, input));
    }
    // Second pass: match SKUs to existing products, then validate with the final id.
    let skus: Vec<String> = valid.iter().map(|(_, input)| input.sku.clone()).collect();
    let by_sku = store::ids_by_sku(table, &skus).await?;
    let existing_ids: Vec<String> = valid
        .iter()
        .filter_map(|(_, input)| {
            input
                .id
                .clone()
                .or_else(|| by_sku.get(&input.sku.to_ascii_uppercase()).cloned())
        })
        .collect();
    let existing = store::get_many(table, &existing_ids).await?;
    let mut planned = Vec::new();
    for (number, input) in valid {
        let sku = input.sku.clone();
        let claimed_by = by_sku.get(&sku.to_ascii_uppercase()).cloned();
        let id = match (&input.id, &claimed_by) {
            (Some(given), Some(owner)) if given != owner => {
                reject(
                    &mut report,
                    number,
                    Some(sku),
                    vec![FieldError::new(
                        "sku",
                        "sku_taken",
                        format!("SKU belongs to product {owner}."),
                    )],
                );
                continue;
            }
            (Some(given), _) => given.clone(),
            (None, Some(owner)) => owner.clone(),
            (None, None) => format!("p-{}", uuid::Uuid::now_v7().simple()),
        };
        let mut product = match input.validate(id.clone(), "") {
            Ok(p) => p,
            Err(errors) => {
                let errors = errors.finish().unwrap_err().errors.clone();
                reject(&mut report, number, Some(sku), errors);
                continue;
            }
        };
        let current = existing.get(&id);
        if let Some(current) = current {
            // The ERP owns stock and prices once it has reported them.
            if current.value.stock_as_of.is_some() {
                product.stock = current.value.stock.clone();
                product.stock_as_of = current.value.stock_as_of.clone();
            }
            if current.value.price_as_of.is_some() {
                product.list_price = current.value.list_price.clone();
                product.dealer_price_minor = current.value.dealer_price_minor;
                product.price_breaks = current.value.price_breaks.clone();
                product.price_as_of = current.value.price_as_of.clone();
            }
        }
        planned.push(Planned {
            row: number,
            product,
            expected: current.map(|c| c.version),
            old_sku: current.map(|c| c.value.sku.clone()),
        });
    }
    for chunk in planned.chunks(CHUNK) {
        write_chunk(table, chunk, &mut report).await?;
    }
    if report.created + report.updated > 0 {
        store::bump_revision(table).await;
    }
    report.rejected.sort_by_key(|r| r.row);
    Ok(report)
}

/// Writes a chunk in one transaction; rows refused by a condition are reported and the rest
/// written again without them.
async fn write_chunk(
    table: &Table,
    chunk: &[Planned],
    report: &mut ImportReport,
) -> Result<(), ApiError> {
    let mut pending: Vec<&Planned> = chunk.iter().collect();
    while !pending.is_empty() {
        let writes: Vec<Write<'_>> = pending
            .iter()
            .map(|p| Write {
                product: &p.product,
                expected: p.expected,
                old_sku: p.old_sku.as_deref(),
            })
            .collect();
        match store::write_all(table, &writes).await? {
            Ok(()) => {
                for p in &pending {
                    if p.expected.is_some() {
                        report.updated += 1;
                    } else {
                        report.created += 1;
                    }
                }
                return Ok(());
            }
            Err(refused) => {
                let mut next = Vec::new();
                for (p, why) in pending.into_iter().zip(refused) {
                    match why {
                        None => next.push(p),
                        Some(why) => {
                            let error = match why {
                                WriteRefused::SkuTaken => FieldError::new(
                                    "sku",
                                    "sku_taken",
                                    "Another product has this SKU.",
                                ),
                                WriteRefused::Stale => FieldError::new(
                                    "id",
                                    "changed_meanwhile",
                                    "The product changed while importing; import the row again.",
                                ),
                            };
                            report.rejected.push(RejectedRow {
                                row: p.row,
                                sku: Some(p.product.sku.clone()),
                                errors: vec![error],
                            });
                        }
                    }
                }
                pending = next;
            }
        }
    }
    Ok(())
}
