//! The project document and the rules of its lifecycle.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{floorplan::FloorPlan, scenarios::Scenario};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ProjectStatus)]
pub enum Status {
    Draft,
    InReview,
    Approved,
    Ordered,
    Archived,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::InReview,
        Status::Approved,
        Status::Ordered,
        Status::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in_review",
            Status::Approved => "approved",
            Status::Ordered => "ordered",
            Status::Archived => "archived",
        }
    }

    /// The transitions a project may make: review goes back to draft when changes are asked
    /// for, approval can be withdrawn into review, an order is final, and anything not ordered
    /// can be archived and brought back as a draft.
    pub fn can_become(self, next: Status) -> bool {
        use Status::*;
        matches!(
            (self, next),
            (Draft, InReview)
                | (InReview, Draft)
                | (InReview, Approved)
                | (Approved, InReview)
                | (Approved, Ordered)
                | (Draft | InReview | Approved, Archived)
                | (Archived, Draft)
        )
    }
}

/// What the client needs, captured at the start and refined by the assistant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headcount: Option<u32>,
    /// `focus`, `collaboration`, `hybrid`, `hot_desking`, ...
    #[serde(default)]
    pub work_styles: Vec<String>,
    /// Rooms needed, e.g. `{"kind": "meeting", "count": 2}`.
    #[serde(default)]
    pub rooms_needed: Vec<RoomNeed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_ceiling_minor: Option<i64>,
    /// ISO 4217; the currency of every price in the project.
    #[serde(default = "default_currency")]
    pub currency: String,
    #[serde(default)]
    pub style_preferences: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "roomwright_core::http::object::optional"
    )]
    pub sustainability: Option<SustainabilityTargets>,
    /// What a room photo the client likes says about the look (`POST /v1/analyses/style`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style_analysis: Option<StyleAnalysis>,
}

/// The measured look of a room photo, kept with the requirements: the assistant and the
/// recommendations read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StyleAnalysis {
    /// Largest share first.
    pub palette: Vec<PaletteColour>,
    /// 0 (dark) to 1 (bright).
    pub brightness: f32,
    /// -1 (cool) to 1 (warm).
    pub warmth: f32,
    /// The style a model named, when one was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
    pub analysed_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaletteColour {
    /// `#rrggbb`.
    pub hex: String,
    pub name: String,
    /// 0 to 1.
    pub share: f32,
}

impl Default for Requirements {
    fn default() -> Self {
        Self {
            headcount: None,
            work_styles: Vec::new(),
            rooms_needed: Vec::new(),
            budget_ceiling_minor: None,
            currency: default_currency(),
            style_preferences: Vec::new(),
            sustainability: None,
            style_analysis: None,
        }
    }
}

pub fn default_currency() -> String {
    "EUR".to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomNeed {
    pub kind: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SustainabilityTargets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_embodied_carbon_kg: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_recycled_content_pct: Option<f64>,
    #[serde(default)]
    pub certifications: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Owner,
    Editor,
    Viewer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub role: MemberRole,
}

/// The whole project as stored and returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Project {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub client: String,
    #[serde(default)]
    pub site_address: String,
    pub status: Status,
    pub requirements: Requirements,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_plan: Option<FloorPlan>,
    #[serde(default)]
    pub scenarios: Vec<Scenario>,
    pub owner_id: String,
    pub members: Vec<Member>,
    pub created_at: String,
    pub updated_at: String,
    /// Set while the project is in the trash; restorable until 30 days after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    /// Number of the latest saved version, 0 before the first.
    #[serde(default)]
    pub latest_version: u32,
    /// Who made the last change (a user id; none for a client on a share link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// How, when not directly: `assistant` (the design assistant on the user's behalf),
    /// `client` (a client's decision on a proposal), `import` (a floor-plan drawing read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_via: Option<String>,
}

impl Project {
    pub fn member(&self, user_id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.user_id == user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;

    #[test]
    fn only_allowed_transitions() {
        // Every pair, against the README's list.
        let allowed = [
            (Draft, InReview),
            (InReview, Draft),
            (InReview, Approved),
            (Approved, InReview),
            (Approved, Ordered),
            (Draft, Archived),
            (InReview, Archived),
            (Approved, Archived),
            (Archived, Draft),
        ];
        for from in super::Status::ALL {
            for to in super::Status::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
        assert!(Draft.can_become(InReview) && InReview.can_become(Approved));
        assert!(Approved.can_become(Ordered));
        assert!(
            !Ordered.can_become(Archived),
            "an order is final, archiving included"
        );
        assert!(Draft.can_become(Archived) && Approved.can_become(Archived));
        assert!(Archived.can_become(Draft));
        assert!(!Draft.can_become(Approved), "approval needs a review");
        assert!(!Ordered.can_become(Draft), "an order is final");
        assert!(!Archived.can_become(Ordered));
        assert!(!Draft.can_become(Draft));
    }
}
