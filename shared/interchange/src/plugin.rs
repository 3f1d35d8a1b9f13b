//! What a Revit or SketchUp plugin posts: the furniture instances of a model with their
//! family and type (Revit) or component name (SketchUp), instance parameters, location,
//! rotation and level. The schema is [`PluginModel`], published in the OpenAPI document.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::{OptionCode, Parsed, Problem, SourceLine, SourcePlacement, Unreadable, bounded};

/// A model's furniture as a plugin exports it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginModel {
    /// `revit` or `sketchup`, and the plugin's version, for the record.
    #[serde(default)]
    pub source: Option<String>,
    /// The model's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Unit of `location`, `width`, `depth` and `height`: `mm` (default), `cm`, `m`, `in`
    /// or `ft` (Revit's internal unit).
    #[serde(default = "default_units")]
    pub units: String,
    /// At most 10,000.
    pub instances: Vec<PluginInstance>,
}

fn default_units() -> String {
    "mm".into()
}

/// One placed piece of furniture.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginInstance {
    /// Revit family name (`Desk - Rectangular`).
    #[serde(default)]
    pub family: Option<String>,
    /// Revit type name (`1600 x 800mm`).
    #[serde(default, rename = "type")]
    pub type_name: Option<String>,
    /// SketchUp component definition name.
    #[serde(default)]
    pub component: Option<String>,
    /// A part number the model carries (a shared parameter, a component attribute).
    #[serde(default)]
    pub part_number: Option<String>,
    #[serde(default)]
    pub manufacturer: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub parameters: PluginParameters,
    /// `[x, y]` or `[x, y, z]` of the instance's centre, in `units`.
    pub location: Vec<f64>,
    /// Counter-clockwise, degrees.
    #[serde(default)]
    pub rotation_deg: f64,
    /// Revit level or SketchUp tag the instance is on.
    #[serde(default)]
    pub level: Option<String>,
}

/// Instance parameters, in the model's units.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginParameters {
    #[serde(default)]
    pub width: Option<f64>,
    #[serde(default)]
    pub depth: Option<f64>,
    #[serde(default)]
    pub height: Option<f64>,
    #[serde(default)]
    pub finish: Option<String>,
}

fn metres_per(units: &str) -> Option<f64> {
    Some(match units {
        "mm" => 0.001,
        "cm" => 0.01,
        "m" => 1.0,
        "in" => 0.0254,
        "ft" => 0.3048,
        _ => return None,
    })
}

/// Reads a plugin's JSON; an instance that cannot be placed is a [`Problem`] naming it.
pub fn parse(bytes: &[u8]) -> Result<Parsed, Unreadable> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let model: PluginModel = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        Unreadable(format!(
            "The model does not follow the plugin schema at {}: {}",
            e.path(),
            e.inner()
        ))
    })?;
    let Some(scale) = metres_per(&model.units) else {
        return Err(Unreadable(format!(
            "units is {}; use mm, cm, m, in or ft.",
            bounded(&model.units)
        )));
    };
    if model.instances.len() > crate::MAX_LINES {
        return Err(Unreadable(format!(
            "The model has {} instances; at most {} are read.",
            model.instances.len(),
            crate::MAX_LINES
        )));
    }
    let mut parsed = Parsed {
        title: model.name.as_deref().map(bounded),
        units: Some(model.units.clone()),
        ..Default::default()
    };
    for (i, instance) in model.instances.into_iter().enumerate() {
        let at = format!("instances[{i}]");
        let block = match (&instance.family, &instance.type_name, &instance.component) {
            (Some(family), Some(kind), _) => Some(format!("{}: {}", family.trim(), kind.trim())),
            (Some(family), None, _) => Some(family.trim().to_string()),
            (None, _, Some(component)) => Some(component.trim().to_string()),
            (None, Some(kind), None) => Some(kind.trim().to_string()),
            (None, None, None) => None,
        }
        .map(|b| bounded(&b))
        .filter(|b| !b.is_empty());
        if block.is_none() && instance.part_number.is_none() && instance.description.is_none() {
            parsed.problems.push(Problem::new(
                at,
                "missing_field",
                "An instance needs a family, a component, a part number or a description.",
            ));
            continue;
        }
        let location = &instance.location;
        if !(2..=3).contains(&location.len())
            || location
                .iter()
                .any(|v| !v.is_finite() || v.abs() * scale > 10_000.0)
            || !instance.rotation_deg.is_finite()
        {
            parsed.problems.push(Problem::new(
                format!("{at}.location"),
                "bad_coordinates",
                "location is [x, y] or [x, y, z] of finite numbers within 10 km; rotation_deg a finite number.",
            ));
            continue;
        }
        let p = &instance.parameters;
        let size = match (p.width, p.depth) {
            (Some(w), Some(d)) if w.is_finite() && d.is_finite() && w > 0.0 && d > 0.0 => Some([
                (w * scale * 1000.0).round(),
                (d * scale * 1000.0).round(),
                p.height
                    .filter(|h| h.is_finite() && *h > 0.0)
                    .map_or(0.0, |h| (h * scale * 1000.0).round()),
            ]),
            _ => None,
        };
        let description = instance
            .description
            .as_deref()
            .map(bounded)
            .or_else(|| block.as_ref().map(|b| b.replace([':', '_', '-'], " ")))
            .unwrap_or_default();
        parsed.lines.push(SourceLine {
            line: parsed.lines.len() + 1,
            origin: at,
            part_number: instance.part_number.as_deref().map(bounded),
            manufacturer: instance.manufacturer.as_deref().map(bounded),
            description,
            quantity: 1,
            options: p
                .finish
                .as_deref()
                .map(|f| {
                    vec![OptionCode {
                        code: "FINISH".into(),
                        description: bounded(f),
                    }]
                })
                .unwrap_or_default(),
            block,
            placement: Some(SourcePlacement {
                x_m: (location[0] * scale * 1e4).round() / 1e4,
                y_m: (location[1] * scale * 1e4).round() / 1e4,
                rotation_deg: instance.rotation_deg.rem_euclid(360.0),
                level: instance.level.as_deref().map(bounded),
            }),
            size_mm: size,
            ..Default::default()
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revit_instances_are_lines_in_metres_and_bad_ones_are_named() {
        let json = br#"{"source": "revit 2025", "name": "L3", "units": "ft", "instances": [
            {"family": "Desk", "type": "1600x800", "parameters": {"width": 5.249, "depth": 2.625, "finish": "Oak"},
             "location": [10, 20, 0], "rotation_deg": -90, "level": "Level 3"},
            {"component": "Chair#1", "location": [1]},
            {"location": [0, 0]}
        ]}"#;
        let parsed = parse(json).unwrap();
        assert_eq!(parsed.lines.len(), 1);
        let desk = &parsed.lines[0];
        assert_eq!(desk.block.as_deref(), Some("Desk: 1600x800"));
        assert_eq!(desk.description, "Desk  1600x800");
        let at = desk.placement.as_ref().unwrap();
        assert_eq!((at.x_m, at.y_m, at.rotation_deg), (3.048, 6.096, 270.0));
        assert_eq!(at.level.as_deref(), Some("Level 3"));
        assert_eq!(desk.size_mm, Some([1600.0, 800.0, 0.0]));
        assert_eq!(desk.options[0].description, "Oak");
        let problems: Vec<(&str, &str)> = parsed
            .problems
            .iter()
            .map(|p| (p.at.as_str(), p.code.as_str()))
            .collect();
        assert_eq!(
            problems,
            [
                ("instances[1].location", "bad_coordinates"),
                ("instances[2]", "missing_field")
            ]
        );
        let wrong = parse(br#"{"instances": [{"location": "here"}]}"#).unwrap_err();
        assert!(wrong.0.contains("instances[0].location"), "{wrong}");
        assert!(parse(br#"{"units": "yd", "instances": []}"#).is_err());
    }
}
