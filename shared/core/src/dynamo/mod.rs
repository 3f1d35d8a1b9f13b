//! The DynamoDB access layer: one table, typed items, cursor pagination, optimistic versions.
//!
//! The table design and every access pattern are written down in `shared/README.md`.

pub mod counter;
mod cursor;
mod table;

pub use cursor::{Cursor, Page, PageParams, PageRequest};
pub use table::{
    Item, Keys, SortKey, StoreError, Table, TransactError, Versioned, decode, is_condition_failure,
    service_error,
};

/// Attribute names of the table's keys and housekeeping fields.
pub mod attr {
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
    pub const GSI1PK: &str = "gsi1pk";
    pub const GSI1SK: &str = "gsi1sk";
    pub const GSI2PK: &str = "gsi2pk";
    pub const GSI2SK: &str = "gsi2sk";
    /// Optimistic-concurrency counter, starting at 1.
    pub const VERSION: &str = "version";
    /// Epoch seconds after which DynamoDB's TTL removes the item.
    pub const EXPIRES_AT: &str = "expires_at";
    /// Every key attribute, in the order a cursor lists them.
    pub const KEYS: [&str; 6] = [PK, SK, GSI1PK, GSI1SK, GSI2PK, GSI2SK];
}

/// Names of the table's global secondary indexes (as declared in `template.yaml`).
pub mod index {
    pub const GSI1: &str = "gsi1";
    pub const GSI2: &str = "gsi2";
}
