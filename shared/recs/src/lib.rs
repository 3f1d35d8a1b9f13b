//! Recommendations shared by the trainer (`gpu-workers/recommend-train`) and the serving
//! function (`functions/recommendations`): the models, their evaluation, the model file and
//! how lists are made and explained from it.

pub mod als;
pub mod cache;
pub mod catalog;
pub mod content;
pub mod eval;
pub mod events;
pub mod interactions;
pub mod matrix;
pub mod model;
pub mod registry;
pub mod segments;
pub mod serve;
