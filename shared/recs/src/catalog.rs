//! What the models know about an item besides its interactions: its name, its category path
//! (`["Seating", "Task chairs"]`) and the text the content model reads.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemInfo {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub category: Vec<String>,
}

/// An item as the trainer reads it from the catalog.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogItem {
    pub info: ItemInfo,
    /// Name, category, brand, materials, finishes and description, for the content model.
    pub text: String,
}

/// Every level of a category path, as the catalog's search filters name them:
/// `Seating`, `Seating/Task chairs`.
pub fn category_levels(path: &[String]) -> Vec<String> {
    (1..=path.len()).map(|n| path[..n].join("/")).collect()
}

/// Whether an item's path lies in `category` (a level, compared without case).
pub fn in_category(path: &[String], category: &str) -> bool {
    CategoryFilter::new(category).holds(path)
}

/// A category level split once, to test many items without allocating.
#[derive(Debug, Clone)]
pub struct CategoryFilter<'a> {
    parts: Vec<&'a str>,
}

impl<'a> CategoryFilter<'a> {
    pub fn new(category: &'a str) -> Self {
        Self {
            parts: category.split('/').collect(),
        }
    }

    pub fn holds(&self, path: &[String]) -> bool {
        self.parts.len() <= path.len()
            && self
                .parts
                .iter()
                .zip(path)
                .all(|(want, have)| want.eq_ignore_ascii_case(have))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_match_the_catalog_filters() {
        let path = vec!["Seating".to_string(), "Task chairs".to_string()];
        assert_eq!(category_levels(&path), ["Seating", "Seating/Task chairs"]);
        assert!(in_category(&path, "seating/task chairs") && in_category(&path, "Seating"));
        assert!(!in_category(&path, "Task chairs") && !in_category(&path, "Tables"));
    }
}
