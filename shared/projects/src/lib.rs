//! The project domain, shared by every function and worker that reads or changes a project:
//! the model and its lifecycle, floor plans, budget scenarios and quotes, versions, who may do
//! what ([`access`]) and the store.
//!
//! Every read returns the project's version; every write is conditional on it, so two editors
//! never silently overwrite each other.

pub mod access;
pub mod change;
pub mod floorplan;
pub mod model;
pub mod scenarios;
pub mod shares;
pub mod store;
pub mod versions;
