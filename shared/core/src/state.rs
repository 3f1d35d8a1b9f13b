//! The state every router is built over: configuration, AWS clients and the token verifier,
//! built once per cold start.

use std::sync::Arc;

use crate::{
    auth::{AUDIENCE, LiveSessions, Verifier, verifier::KeySource},
    aws::Aws,
    config::Config,
    dynamo::Table,
};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub aws: Arc<Aws>,
    pub verifier: Arc<Verifier>,
    /// Sessions read per request (through a short cache), so revocation takes effect in seconds.
    pub sessions: Arc<LiveSessions>,
}

impl AppState {
    /// Verifies tokens against the key set published in the table.
    pub fn new(config: Config, aws: Aws) -> Self {
        let aws = Arc::new(aws);
        let table = Table::new(aws.clone(), config.table_name.clone());
        let verifier = Verifier::new(config.jwt_issuer.clone(), AUDIENCE, KeySource::Table(table));
        Self {
            config: Arc::new(config),
            aws,
            verifier: Arc::new(verifier),
            sessions: Arc::new(LiveSessions::new()),
        }
    }

    /// The platform's single table.
    pub fn table(&self) -> Table {
        Table::new(self.aws.clone(), self.config.table_name.clone())
    }
}
