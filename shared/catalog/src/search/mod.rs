//! Catalog search: the index (tantivy + embeddings), how it is queried, and the service that
//! keeps the current index loaded from S3.

pub mod collect;
pub mod embed;
pub mod index;
pub mod query;
pub mod service;
pub mod vectors;

pub use collect::{Filters, Order, Ranking};
pub use index::CatalogIndex;
pub use query::{Mode, Results, Search};
