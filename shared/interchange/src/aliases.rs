//! Dealer aliases: another catalog's part number or a CAD block name, mapped to our product.
//!
//! | item | pk | sk | gsi1 | gsi2 |
//! | --- | --- | --- | --- | --- |
//! | alias | `ALIAS#<kind>#<SOURCE>` | `ALIAS` | `ALIASES` / `<kind>#<SOURCE>` | `PRODUCT_ALIASES#<product id>` / `<kind>#<SOURCE>` |
//!
//! `SOURCE` is the part number or block name in capitals with its spaces squeezed, so
//! `ch 100` and `CH 100` are one alias. A put replaces (the last mapping given wins); a
//! product's aliases are found through gsi2 (the manufacturer's part numbers a SIF export
//! may write).

use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};
use roomwright_core::dynamo::{Keys, Page, PageRequest, SortKey, StoreError, Table, decode, index};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What an alias names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AliasKind {
    /// Another catalog's (a manufacturer's, a dealer's) part number.
    PartNumber,
    /// A CAD block, Revit family/type or SketchUp component name.
    Block,
}

impl AliasKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AliasKind::PartNumber => "part_number",
            AliasKind::Block => "block",
        }
    }
}

/// One alias as stored and listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Alias {
    pub kind: AliasKind,
    /// The part number or name as first given.
    pub source: String,
    pub product_id: String,
    /// The manufacturer whose number it is (the brand a SIF export writes it for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// `user` (`PUT /v1/catalog/aliases`) or `correction` (an accepted import).
    pub origin: String,
    pub updated_by: String,
    pub updated_at: String,
}

/// The form a source is compared in.
pub fn normalise(source: &str) -> String {
    source
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

fn pk(kind: AliasKind, source: &str) -> String {
    format!("ALIAS#{}#{}", kind.as_str(), normalise(source))
}

fn keys(alias: &Alias) -> Keys {
    let sort = format!("{}#{}", alias.kind.as_str(), normalise(&alias.source));
    Keys::new(pk(alias.kind, &alias.source), "ALIAS")
        .gsi1("ALIASES", sort.clone())
        .gsi2(format!("PRODUCT_ALIASES#{}", alias.product_id), sort)
}

/// Stores `aliases` (each replacing any alias of the same kind and source), 25 per
/// transaction.
pub async fn put_all(table: &Table, aliases: &[Alias]) -> Result<(), StoreError> {
    for chunk in aliases.chunks(25) {
        let mut items = Vec::new();
        for alias in chunk {
            let put = aws_sdk_dynamodb::types::Put::builder()
                .table_name(table.name())
                .set_item(Some(Table::item(&keys(alias), alias, 1)?))
                .build()
                .map_err(|e| StoreError::Service(e.to_string()))?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        table.transact(items).await.map_err(|e| match e {
            roomwright_core::dynamo::TransactError::Service(e) => e,
            other => StoreError::Service(format!("{other:?}")),
        })?;
    }
    Ok(())
}

/// Removes the aliases of these kinds and sources (absent ones are no error).
pub async fn remove_all(table: &Table, which: &[(AliasKind, String)]) -> Result<(), StoreError> {
    for chunk in which.chunks(25) {
        let items = chunk
            .iter()
            .map(|(kind, source)| {
                let delete = Delete::builder()
                    .table_name(table.name())
                    .key(
                        "pk",
                        aws_sdk_dynamodb::types::AttributeValue::S(pk(*kind, source)),
                    )
                    .key(
                        "sk",
                        aws_sdk_dynamodb::types::AttributeValue::S("ALIAS".into()),
                    )
                    .build()
                    .map_err(|e| StoreError::Service(e.to_string()))?;
                Ok(TransactWriteItem::builder().delete(delete).build())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        table.transact(items).await.map_err(|e| match e {
            roomwright_core::dynamo::TransactError::Service(e) => e,
            other => StoreError::Service(format!("{other:?}")),
        })?;
    }
    Ok(())
}

/// One page of every alias, by kind and source.
pub async fn list(
    table: &Table,
    kind: Option<AliasKind>,
    page: &PageRequest,
) -> Result<Page<Alias>, StoreError> {
    let prefix = kind.map(|k| format!("{}#", k.as_str()));
    let sort = match &prefix {
        Some(p) => SortKey::Prefix(p),
        None => SortKey::Any,
    };
    let found = table
        .query::<Alias>(Some(index::GSI1), "ALIASES", sort, page, false)
        .await?;
    Ok(Page {
        items: found.items.into_iter().map(|v| v.value).collect(),
        next_cursor: found.next_cursor,
    })
}

/// The aliases of these kinds and sources that exist, by `(kind, normalised source)`.
pub async fn lookup(
    table: &Table,
    wanted: &[(AliasKind, String)],
) -> Result<std::collections::HashMap<(AliasKind, String), Alias>, StoreError> {
    let keys = wanted
        .iter()
        .map(|(kind, source)| (pk(*kind, source), "ALIAS".to_string()))
        .collect();
    let mut found = std::collections::HashMap::new();
    for item in table.batch_get(keys).await? {
        let alias: Alias = decode(item)?.value;
        found.insert((alias.kind, normalise(&alias.source)), alias);
    }
    Ok(found)
}

/// A product's aliases (at most the first 100).
pub async fn of_product(table: &Table, product_id: &str) -> Result<Vec<Alias>, StoreError> {
    let page = PageRequest {
        limit: 100,
        cursor: None,
    };
    let found = table
        .query::<Alias>(
            Some(index::GSI2),
            &format!("PRODUCT_ALIASES#{product_id}"),
            SortKey::Any,
            &page,
            false,
        )
        .await?;
    Ok(found.items.into_iter().map(|v| v.value).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_compare_in_capitals_with_spaces_squeezed() {
        assert_eq!(normalise("  ch  100-a "), "CH 100-A");
        assert_eq!(pk(AliasKind::Block, "desk 1600"), "ALIAS#block#DESK 1600");
    }
}
