//! What a layout is furnished for: the project's requirements, overridden per request.

use std::collections::HashMap;

use roomwright_core::problem::FieldErrors;
use roomwright_projects::model::Requirements;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Upper bounds that keep a request's work bounded (a floor of a few hundred people is the
/// largest a route designs; more is a job).
pub const MAX_HEADCOUNT: u32 = 2_000;
pub const MAX_MEETING_SEATS: u32 = 1_000;
pub const MAX_ROOMS_ASKED: u32 = 200;

/// The brief a layout is designed to, every figure settled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Brief {
    pub headcount: u32,
    /// Desks per person: 1 for assigned desks, below 1 when people share (hot-desking).
    pub desk_ratio: f64,
    pub meeting_seats: u32,
    pub focus_rooms: u32,
    /// Lounge corners for informal work.
    pub collaboration_areas: u32,
    /// Storage units (lockers or cabinets) per person.
    pub storage_per_person: f64,
    pub styles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_minor: Option<i64>,
    /// Products not in stock are used only if they arrive within this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_lead_time_days: Option<u32>,
    /// Where the learnt taste comes from when the served recommendation model knows the
    /// designer or the project's selections (`recommendation model <version>, personalised`);
    /// absent when it does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learned_taste: Option<String>,
    /// The learnt taste: 0 to 1 per product id, how likely the designer is to choose it.
    /// Among products of the same kind it weighs half as much as a matched style word.
    #[serde(skip)]
    pub affinity: HashMap<String, f32>,
}

/// Per-request changes to the brief the requirements give (`brief` in a layout request).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BriefOverrides {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headcount: Option<u32>,
    /// Share of people with a desk of their own, 0.1 to 1 (hot-desking below 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desk_ratio: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_seats: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus_rooms: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaboration_areas: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_per_person: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub styles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_lead_time_days: Option<u32>,
}

impl BriefOverrides {
    /// Every out-of-range figure, at `brief.<field>`.
    pub fn validate(&self, errors: &mut FieldErrors) {
        let mut range = |field: &str, ok: bool, message: &str| {
            if !ok {
                errors.add(format!("brief.{field}"), "out_of_range", message);
            }
        };
        if let Some(h) = self.headcount {
            range(
                "headcount",
                (1..=MAX_HEADCOUNT).contains(&h),
                "A brief is for 1 to 2,000 people.",
            );
        }
        if let Some(r) = self.desk_ratio {
            range(
                "desk_ratio",
                r.is_finite() && (0.1..=1.0).contains(&r),
                "Desks per person is 0.1 to 1.",
            );
        }
        if let Some(s) = self.meeting_seats {
            range(
                "meeting_seats",
                s <= MAX_MEETING_SEATS,
                "At most 1,000 meeting seats.",
            );
        }
        if let Some(f) = self.focus_rooms {
            range(
                "focus_rooms",
                f <= MAX_ROOMS_ASKED,
                "At most 200 focus rooms.",
            );
        }
        if let Some(c) = self.collaboration_areas {
            range(
                "collaboration_areas",
                c <= MAX_ROOMS_ASKED,
                "At most 200 collaboration areas.",
            );
        }
        if let Some(s) = self.storage_per_person {
            range(
                "storage_per_person",
                s.is_finite() && (0.0..=4.0).contains(&s),
                "Storage per person is 0 to 4 units.",
            );
        }
        if let Some(styles) = &self.styles {
            range(
                "styles",
                styles.len() <= 10 && styles.iter().all(|s| s.chars().count() <= 40),
                "At most 10 styles of up to 40 characters.",
            );
        }
        if let Some(b) = self.budget_minor {
            range(
                "budget_minor",
                (1..=1_000_000_000_000).contains(&b),
                "A budget is a positive amount in minor units.",
            );
        }
        if let Some(d) = self.max_lead_time_days {
            range(
                "max_lead_time_days",
                d <= 730,
                "Lead times are at most 730 days.",
            );
        }
    }
}

impl Brief {
    /// The brief from the requirements, with the overrides applied. What neither says is
    /// derived from the headcount: a meeting seat per four people, a focus room per ten,
    /// a collaboration area per twenty, one storage unit per person; hot-desking (a work
    /// style) shares desks at 0.7 per person.
    pub fn new(requirements: &Requirements, overrides: &BriefOverrides) -> Brief {
        let styles_say = |s: &str| requirements.work_styles.iter().any(|w| w == s);
        let headcount = overrides
            .headcount
            .or(requirements.headcount)
            .unwrap_or(8)
            .clamp(1, MAX_HEADCOUNT);
        let desk_ratio = overrides
            .desk_ratio
            .unwrap_or(if styles_say("hot_desking") { 0.7 } else { 1.0 });
        let rooms_of = |kind: &str| {
            requirements
                .rooms_needed
                .iter()
                .filter(|r| r.kind == kind)
                .map(|r| r.count)
                .sum::<u32>()
        };
        let focus_default = if styles_say("focus") {
            headcount.div_ceil(6)
        } else {
            headcount / 10
        };
        let collaboration_default = if styles_say("collaboration") {
            headcount.div_ceil(10)
        } else {
            headcount / 20
        };
        let meetings_asked = rooms_of("meeting");
        Brief {
            headcount,
            desk_ratio,
            meeting_seats: overrides.meeting_seats.unwrap_or(if meetings_asked > 0 {
                (meetings_asked * 6).max(headcount.div_ceil(4))
            } else {
                headcount.div_ceil(4)
            }),
            focus_rooms: overrides.focus_rooms.unwrap_or_else(|| {
                let asked = rooms_of("focus");
                if asked > 0 { asked } else { focus_default }
            }),
            collaboration_areas: overrides
                .collaboration_areas
                .unwrap_or(collaboration_default),
            storage_per_person: overrides.storage_per_person.unwrap_or(1.0),
            styles: overrides.styles.clone().unwrap_or_else(|| {
                let mut styles = requirements.style_preferences.clone();
                if let Some(style) = requirements
                    .style_analysis
                    .as_ref()
                    .and_then(|a| a.style.clone())
                {
                    styles.push(style);
                }
                styles
            }),
            budget_minor: overrides.budget_minor.or(requirements.budget_ceiling_minor),
            max_lead_time_days: overrides.max_lead_time_days,
            learned_taste: None,
            affinity: HashMap::new(),
        }
    }

    pub fn desks(&self) -> u32 {
        (self.headcount as f64 * self.desk_ratio).ceil() as u32
    }

    pub fn storage_units(&self) -> u32 {
        (self.headcount as f64 * self.storage_per_person).ceil() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_then_overrides() {
        let mut requirements = Requirements {
            headcount: Some(40),
            work_styles: vec!["hot_desking".into()],
            budget_ceiling_minor: Some(5_000_000),
            style_preferences: vec!["scandinavian".into()],
            ..Requirements::default()
        };
        let brief = Brief::new(&requirements, &BriefOverrides::default());
        assert_eq!(brief.desks(), 28, "hot-desking shares desks at 0.7");
        assert_eq!(
            (
                brief.meeting_seats,
                brief.focus_rooms,
                brief.collaboration_areas
            ),
            (10, 4, 2)
        );
        assert_eq!(brief.budget_minor, Some(5_000_000));
        assert_eq!(brief.styles, ["scandinavian"]);
        requirements.work_styles.clear();
        let brief = Brief::new(
            &requirements,
            &BriefOverrides {
                headcount: Some(24),
                budget_minor: Some(6_000_000),
                ..BriefOverrides::default()
            },
        );
        assert_eq!((brief.desks(), brief.storage_units()), (24, 24));
        assert_eq!(brief.budget_minor, Some(6_000_000));
    }

    #[test]
    fn out_of_range_overrides_are_named() {
        let mut errors = FieldErrors::new();
        BriefOverrides {
            headcount: Some(200_000),
            desk_ratio: Some(f64::NAN),
            budget_minor: Some(-1),
            ..BriefOverrides::default()
        }
        .validate(&mut errors);
        assert_eq!(
            errors.paths(),
            ["brief.headcount", "brief.desk_ratio", "brief.budget_minor"]
        );
    }
}
