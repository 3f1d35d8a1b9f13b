//! The catalog domain, shared by the catalog function (its routes, indexer and ERP consumer)
//! and the assistant, which searches the same index in process:
//! - [`store`]: products and the catalog revision in the table;
//! - [`search`]: the index (typo-tolerant faceted text, semantic vectors, image vectors), its
//!   build, its bundle in S3 and the reader every function loads;
//! - [`makers`]: makers who build what the catalog lacks.

pub mod makers;
pub mod search;
pub mod store;

pub use search::service::SearchService;
