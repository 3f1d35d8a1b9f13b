//! The DynamoDB access layer against the local AWS server: what is stored, what is refused.

use roomwright_core::dynamo::{Keys, PageParams, SortKey, StoreError, index};
use roomwright_devstack::TestStack;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Note {
    title: String,
    words: u32,
}

fn note(title: &str, words: u32) -> Note {
    Note {
        title: title.into(),
        words,
    }
}

#[tokio::test]
async fn create_refuses_a_second_item_at_the_same_key() {
    let stack = TestStack::new().await;
    let table = stack.state.table();
    let keys = Keys::new("NOTE#1", "META");
    assert_eq!(table.create(&keys, &note("first", 1)).await.unwrap(), 1);
    let again = table.create(&keys, &note("second", 2)).await;
    assert!(
        matches!(again, Err(StoreError::ConditionFailed)),
        "{again:?}"
    );
    let stored = table.get::<Note>("NOTE#1", "META").await.unwrap().unwrap();
    assert_eq!(stored.value, note("first", 1));
    assert_eq!(stored.version, 1);
}

#[tokio::test]
async fn replace_with_a_stale_version_changes_nothing() {
    let stack = TestStack::new().await;
    let table = stack.state.table();
    let keys = Keys::new("NOTE#2", "META");
    table.create(&keys, &note("v1", 1)).await.unwrap();
    assert_eq!(table.replace(&keys, &note("v2", 2), 1).await.unwrap(), 2);
    // A second writer that read version 1 must not overwrite version 2.
    let stale = table.replace(&keys, &note("lost update", 3), 1).await;
    assert!(matches!(stale, Err(StoreError::ConditionFailed)));
    let stored = table.get::<Note>("NOTE#2", "META").await.unwrap().unwrap();
    assert_eq!((stored.value, stored.version), (note("v2", 2), 2));

    assert!(matches!(
        table.delete("NOTE#2", "META", Some(1)).await,
        Err(StoreError::ConditionFailed)
    ));
    table.delete("NOTE#2", "META", Some(2)).await.unwrap();
    assert!(table.get::<Note>("NOTE#2", "META").await.unwrap().is_none());
}

#[tokio::test]
async fn pages_through_a_partition_with_opaque_cursors() {
    let stack = TestStack::new().await;
    let table = stack.state.table();
    for i in 0..7 {
        let keys =
            Keys::new("LIST#a", format!("ITEM#{i:02}")).gsi1("BYWORDS", format!("{:04}", 100 - i));
        table
            .create(&keys, &note(&format!("n{i}"), i))
            .await
            .unwrap();
    }
    table
        .create(&Keys::new("LIST#b", "ITEM#00"), &note("other", 0))
        .await
        .unwrap();

    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = PageParams {
            limit: Some(3),
            cursor: cursor.clone(),
        }
        .parse()
        .unwrap();
        let result = table
            .query::<Note>(None, "LIST#a", SortKey::Prefix("ITEM#"), &page, false)
            .await
            .unwrap();
        assert!(result.items.len() <= 3);
        seen.extend(result.items.into_iter().map(|v| v.value.words));
        match result.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, (0..7).collect::<Vec<_>>());

    // Newest-first on the index, and a cursor of one list is refused on another.
    let page = PageParams {
        limit: Some(2),
        cursor: None,
    }
    .parse()
    .unwrap();
    let first = table
        .query::<Note>(Some(index::GSI1), "BYWORDS", SortKey::Any, &page, true)
        .await
        .unwrap();
    assert_eq!(
        first
            .items
            .iter()
            .map(|v| v.value.words)
            .collect::<Vec<_>>(),
        vec![0, 1]
    );
    let foreign = PageParams {
        limit: Some(2),
        cursor: first.next_cursor,
    }
    .parse()
    .unwrap();
    let err = table
        .query::<Note>(None, "LIST#b", SortKey::Any, &foreign, false)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ForeignCursor), "{err:?}");
    let problem = roomwright_core::ApiError::from(err);
    assert_eq!(problem.errors[0].code, "invalid_cursor");
    assert_eq!(problem.errors[0].path, "cursor");
}

#[tokio::test]
async fn stores_the_ttl_attribute_dynamodb_expires_items_by() {
    let stack = TestStack::new().await;
    let table = stack.state.table();
    let keys = Keys::new("SESSION#1", "META").expires_at(1_900_000_000);
    table.create(&keys, &note("short-lived", 1)).await.unwrap();
    let client = stack.state.aws.dynamodb().await;
    let item = client
        .get_item()
        .table_name(table.name())
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S("SESSION#1".into()),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("META".into()),
        )
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item["expires_at"].as_n().unwrap(), "1900000000");
    let ttl = client
        .describe_time_to_live()
        .table_name(table.name())
        .send()
        .await
        .unwrap();
    let description = ttl.time_to_live_description.unwrap();
    assert_eq!(description.attribute_name.as_deref(), Some("expires_at"));
}
