//! Where jobs go in AWS Batch, from the environment `template.yaml` sets.

use roomwright_jobs::JobKind;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchSettings {
    /// The GPU job queue (name or ARN).
    pub job_queue: Option<String>,
    pub render_definition: Option<String>,
    pub vision_definition: Option<String>,
    pub training_definition: Option<String>,
}

impl BatchSettings {
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        Self {
            job_queue: get("BATCH_JOB_QUEUE"),
            render_definition: get("RENDER_JOB_DEFINITION"),
            vision_definition: get("VISION_JOB_DEFINITION"),
            training_definition: get("TRAINING_JOB_DEFINITION"),
        }
    }

    /// The job definition of a kind's worker, when the stack has one.
    pub fn definition(&self, kind: JobKind) -> Option<&str> {
        match kind {
            JobKind::Render => self.render_definition.as_deref(),
            JobKind::Vision => self.vision_definition.as_deref(),
            JobKind::Training => self.training_definition.as_deref(),
        }
    }
}
