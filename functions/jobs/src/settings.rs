//! Where jobs go in AWS Batch, from the environment `template.yaml` sets.

use roomwright_jobs::JobKind;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchSettings {
    /// The GPU job queue (name or ARN): renders.
    pub job_queue: Option<String>,
    /// The CPU job queue: plan reading and training; the GPU queue when there is none.
    pub cpu_job_queue: Option<String>,
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
            cpu_job_queue: get("BATCH_CPU_JOB_QUEUE"),
            render_definition: get("RENDER_JOB_DEFINITION"),
            vision_definition: get("VISION_JOB_DEFINITION"),
            training_definition: get("TRAINING_JOB_DEFINITION"),
        }
    }

    /// The queue a kind's jobs run from: GPU instances for renders only.
    pub fn queue(&self, kind: JobKind) -> Option<&str> {
        match kind {
            JobKind::Render => self.job_queue.as_deref(),
            JobKind::Vision | JobKind::Training => {
                self.cpu_job_queue.as_deref().or(self.job_queue.as_deref())
            }
        }
    }

    /// Every queue jobs may be submitted to, each once.
    pub fn queues(&self) -> Vec<String> {
        let mut queues: Vec<String> = [&self.job_queue, &self.cpu_job_queue]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        queues.dedup();
        queues
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
