//! The state every router is built over: configuration and AWS clients, built once per cold start.

use std::sync::Arc;

use crate::{aws::Aws, config::Config, dynamo::Table};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub aws: Arc<Aws>,
}

impl AppState {
    pub fn new(config: Config, aws: Aws) -> Self {
        Self {
            config: Arc::new(config),
            aws: Arc::new(aws),
        }
    }

    /// The platform's single table.
    pub fn table(&self) -> Table {
        Table::new(self.aws.clone(), self.config.table_name.clone())
    }
}
