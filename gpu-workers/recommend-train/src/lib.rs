//! The recommendation trainer: from a CSV file on the command line, or as a job (interaction
//! events from S3, the catalog from the table; the model to S3 and the registry).

pub mod cli;
pub mod job;
pub mod synthetic;
