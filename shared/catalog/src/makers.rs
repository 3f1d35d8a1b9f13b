//! Makers: workshops that build what the catalog does not have (custom joinery, upholstery,
//! metalwork...), and how they are matched to a brief.
//!
//! | item | pk | sk | gsi1pk | gsi1sk |
//! | --- | --- | --- | --- | --- |
//! | maker | `MAKER#<id>` | `MAKER` | `MAKERS` | `<id>` |
//!
//! A match scores each maker that offers at least one wanted capability:
//! `0.35 capability coverage + 0.20 material coverage + 0.20 distance + 0.15 lead time + 0.10 budget`,
//! each part in 0..=1, and says why.

use geo::{Distance, Haversine, Point};
use roomwright_core::{
    ApiError, FieldErrors,
    dynamo::{Keys, SortKey, Table},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const CAPABILITIES: &[&str] = &[
    "joinery",
    "upholstery",
    "metalwork",
    "glass",
    "stone",
    "lighting",
    "textiles",
    "finishing",
    "acoustics",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Location {
    pub city: String,
    pub country: String,
    pub lat: f64,
    pub lon: f64,
}

/// The longest lead time or need date a maker or a brief may give: two years.
const MAX_DAYS: u32 = 730;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Maker {
    pub id: String,
    pub name: String,
    pub capabilities: Vec<String>,
    pub materials: Vec<String>,
    pub location: Location,
    /// Typical lead time of a commission, days.
    pub lead_time_days: u32,
    /// Smallest commission they take, minor units.
    pub min_order_minor: i64,
    pub currency: String,
    /// Where clients reach them.
    pub contact_email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MakerInput {
    pub name: String,
    pub capabilities: Vec<String>,
    #[serde(default)]
    pub materials: Vec<String>,
    pub location: Location,
    /// Typical lead time of a commission, days (at most two years).
    #[schema(maximum = 730)]
    pub lead_time_days: u32,
    #[serde(default)]
    pub min_order_minor: i64,
    pub currency: String,
    pub contact_email: String,
}

fn check_location(location: &Location, path: &str, errors: &mut FieldErrors) {
    if !(-90.0..=90.0).contains(&location.lat) {
        errors.add(format!("{path}.lat"), "out_of_range", "Between -90 and 90.");
    }
    if !(-180.0..=180.0).contains(&location.lon) {
        errors.add(
            format!("{path}.lon"),
            "out_of_range",
            "Between -180 and 180.",
        );
    }
}

fn check_capabilities(values: &[String], path: &str, errors: &mut FieldErrors) {
    if values.is_empty() {
        errors.add(path, "required", "Give at least one capability.");
    }
    for (i, c) in values.iter().enumerate() {
        if !CAPABILITIES.contains(&c.as_str()) {
            errors.add(
                format!("{path}[{i}]"),
                "unknown_capability",
                CAPABILITIES.join(", "),
            );
        }
    }
}

impl MakerInput {
    pub fn validate(self, id: String) -> Result<Maker, ApiError> {
        let mut errors = FieldErrors::new();
        if self.name.trim().is_empty() || self.name.len() > 200 {
            errors.add("name", "required", "1 to 200 characters.");
        }
        check_capabilities(&self.capabilities, "capabilities", &mut errors);
        check_location(&self.location, "location", &mut errors);
        if self.min_order_minor < 0 {
            errors.add("min_order_minor", "out_of_range", "Zero or more.");
        }
        if self.lead_time_days > MAX_DAYS {
            errors.add("lead_time_days", "out_of_range", "At most 730 days.");
        }
        if !roomwright_core::money::is_currency_code(&self.currency) {
            errors.add("currency", "invalid_currency", "An ISO 4217 code.");
        }
        if !self.contact_email.contains('@') {
            errors.add("contact_email", "invalid_email", "An email address.");
        }
        errors.finish()?;
        Ok(Maker {
            id,
            name: self.name.trim().into(),
            capabilities: self.capabilities,
            materials: self.materials.iter().map(|m| m.to_lowercase()).collect(),
            location: self.location,
            lead_time_days: self.lead_time_days,
            min_order_minor: self.min_order_minor,
            currency: self.currency,
            contact_email: self.contact_email,
        })
    }
}

pub fn maker_keys(maker: &Maker) -> Keys {
    Keys::new(format!("MAKER#{}", maker.id), "MAKER").gsi1("MAKERS", maker.id.clone())
}

pub async fn all(table: &Table) -> Result<Vec<Maker>, ApiError> {
    Ok(table
        .query_all::<Maker>(Some("gsi1"), "MAKERS", SortKey::Any)
        .await?
        .into_iter()
        .map(|v| v.value)
        .collect())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// What has to be made: `joinery`, `upholstery`, `metalwork`, ...
    pub capabilities: Vec<String>,
    #[serde(default)]
    pub materials: Vec<String>,
    /// Where the piece goes.
    pub site: Location,
    /// Makers further away are left out (default 1000 km).
    #[serde(default)]
    pub max_distance_km: Option<f64>,
    /// Days until it is needed (at most two years).
    #[serde(default)]
    #[schema(maximum = 730)]
    pub needed_within_days: Option<u32>,
    /// Budget of the commission, minor units.
    #[serde(default)]
    pub budget_minor: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 50)]
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MakerMatch {
    pub maker: Maker,
    pub score: f64,
    pub distance_km: f64,
    /// Plain-language reasons, strongest first.
    pub reasons: Vec<String>,
}

impl MatchRequest {
    pub fn check(&self) -> Result<(), ApiError> {
        let mut errors = FieldErrors::new();
        check_capabilities(&self.capabilities, "capabilities", &mut errors);
        check_location(&self.site, "site", &mut errors);
        if self.max_distance_km.is_some_and(|d| d.is_nan() || d <= 0.0) {
            errors.add("max_distance_km", "out_of_range", "Greater than 0.");
        }
        if self.needed_within_days.is_some_and(|d| d > MAX_DAYS) {
            errors.add("needed_within_days", "out_of_range", "At most 730 days.");
        }
        if self.limit.is_some_and(|l| !(1..=50).contains(&l)) {
            errors.add("limit", "out_of_range", "Between 1 and 50.");
        }
        errors.finish()
    }
}

fn coverage(wanted: &[String], offered: &[String]) -> (f64, Vec<String>) {
    if wanted.is_empty() {
        return (1.0, Vec::new());
    }
    let hits: Vec<String> = wanted
        .iter()
        .filter(|w| offered.iter().any(|o| o.eq_ignore_ascii_case(w)))
        .cloned()
        .collect();
    (hits.len() as f64 / wanted.len() as f64, hits)
}

/// Ranks `makers` for the brief, best first.
pub fn rank(request: &MatchRequest, makers: Vec<Maker>) -> Vec<MakerMatch> {
    let site = Point::new(request.site.lon, request.site.lat);
    let max_km = request.max_distance_km.unwrap_or(1_000.0);
    let mut matches: Vec<MakerMatch> = makers
        .into_iter()
        .filter_map(|maker| {
            let (capability, caps) = coverage(&request.capabilities, &maker.capabilities);
            if caps.is_empty() {
                return None;
            }
            let distance_km = Haversine
                .distance(site, Point::new(maker.location.lon, maker.location.lat))
                / 1000.0;
            if distance_km > max_km {
                return None;
            }
            let (material, mats) = coverage(&request.materials, &maker.materials);
            // Half the score at 150 km: transport and site visits get dear with distance.
            let nearness = 1.0 / (1.0 + distance_km / 150.0);
            let timing = match request.needed_within_days {
                Some(days) if maker.lead_time_days <= days => 1.0,
                Some(days) => (days as f64 / maker.lead_time_days.max(1) as f64).powi(2),
                None => 1.0,
            };
            let budget = match request.budget_minor {
                Some(b) if b >= maker.min_order_minor => 1.0,
                Some(_) => 0.0,
                None => 1.0,
            };
            let score = 0.35 * capability
                + 0.20 * material
                + 0.20 * nearness
                + 0.15 * timing
                + 0.10 * budget;
            let mut reasons = vec![format!("offers {}", caps.join(", "))];
            if !mats.is_empty() {
                reasons.push(format!("works in {}", mats.join(", ")));
            }
            reasons.push(format!(
                "{distance_km:.0} km from the site ({})",
                maker.location.city
            ));
            match request.needed_within_days {
                Some(days) if maker.lead_time_days <= days => reasons.push(format!(
                    "{} days lead time fits {days}",
                    maker.lead_time_days
                )),
                Some(days) => reasons.push(format!(
                    "{} days lead time exceeds {days}",
                    maker.lead_time_days
                )),
                None => {}
            }
            if budget == 0.0 {
                reasons.push("budget is below their smallest commission".into());
            }
            Some(MakerMatch {
                maker,
                score: (score * 1000.0).round() / 1000.0,
                distance_km: (distance_km * 10.0).round() / 10.0,
                reasons,
            })
        })
        .collect();
    matches.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.maker.id.cmp(&b.maker.id))
    });
    matches.truncate(request.limit.unwrap_or(10));
    matches
}
