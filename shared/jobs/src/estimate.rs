//! What a job is expected to take, fixed when it is submitted: the ledger's estimate, the
//! budget check and the Batch attempt timeout all come from it, so no job runs past what was
//! allowed for it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::JobKind;
use roomwright_core::usage::SpendLimits;

/// The kind of worker a job runs on (and is priced by).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Machine {
    Gpu,
    Cpu,
}

/// Seconds a job's container takes to start and load before it works.
pub const STARTUP_SECONDS: u64 = 60;
/// What a GPU path-traces on our scenes, in millions of samples a second.
pub const GPU_MEGASAMPLES_PER_SECOND: u64 = 5;
/// The longest attempt Batch is ever asked to allow.
pub const MAX_TIMEOUT_SECONDS: u64 = 4 * 3600;
/// Timeouts are this many times the estimate (plus a start-up margin): room for a slow host.
pub const TIMEOUT_FACTOR: u64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Estimate {
    /// Expected seconds of one attempt.
    pub seconds: u64,
    /// Expected cost, micro-USD.
    pub cost_micro_usd: u64,
    pub machine: Machine,
}

impl Estimate {
    /// A render of `megasamples` (width x height x samples x cameras / 10^6).
    pub fn render(megasamples: u64, limits: &SpendLimits) -> Self {
        Self::priced(
            STARTUP_SECONDS + megasamples.div_ceil(GPU_MEGASAMPLES_PER_SECOND),
            Machine::Gpu,
            limits,
        )
    }

    /// A job of another kind: vision reads a page in about a second, training fits the
    /// recommender in minutes.
    pub fn of_kind(kind: JobKind, limits: &SpendLimits) -> Self {
        match kind {
            JobKind::Render => Self::render(1280 * 720 * 64 / 1_000_000, limits),
            JobKind::Vision => Self::priced(STARTUP_SECONDS + 30, Machine::Cpu, limits),
            JobKind::Training => Self::priced(STARTUP_SECONDS + 900, Machine::Cpu, limits),
        }
    }

    fn priced(seconds: u64, machine: Machine, limits: &SpendLimits) -> Self {
        Self {
            seconds,
            cost_micro_usd: cost(seconds as i64, machine, limits).max(0) as u64,
            machine,
        }
    }

    /// Whether the job can finish within the longest attempt Batch is asked to allow.
    pub fn fits(&self) -> bool {
        TIMEOUT_FACTOR * self.seconds + 300 <= MAX_TIMEOUT_SECONDS
    }

    /// How long Batch lets one attempt run.
    pub fn timeout_seconds(&self) -> u64 {
        (TIMEOUT_FACTOR * self.seconds + 300).min(MAX_TIMEOUT_SECONDS)
    }

    /// The most one attempt can cost (it is stopped at its timeout): what a budget must allow.
    pub fn max_cost_micro_usd(&self, limits: &SpendLimits) -> u64 {
        cost(self.timeout_seconds() as i64, self.machine, limits).max(0) as u64
    }
}

/// What `seconds` of a machine cost, micro-USD (rounded up, so the ledger never under-reports).
pub fn cost(seconds: i64, machine: Machine, limits: &SpendLimits) -> i64 {
    let per_hour = match machine {
        Machine::Gpu => limits.gpu_micro_usd_per_hour,
        Machine::Cpu => limits.cpu_micro_usd_per_hour,
    } as i64;
    let micro = i128::from(seconds) * i128::from(per_hour);
    let rounded = if micro >= 0 {
        (micro + 3599) / 3600
    } else {
        micro / 3600
    };
    rounded as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_grow_with_the_work_and_bound_the_timeout() {
        let limits = SpendLimits::default();
        let small = Estimate::render(59, &limits); // 1280x720, 64 samples, 1 camera
        assert_eq!(small.seconds, 60 + 12);
        // $1.006 an hour: 72 s cost 20,120 micro-USD.
        assert_eq!(small.cost_micro_usd, 20_120);
        assert_eq!(small.timeout_seconds(), 3 * 72 + 300);
        assert!(small.fits());
        // 4K at 4096 samples from 8 cameras would take 15 hours: it cannot be allowed.
        let largest = Estimate::render(271_791, &limits);
        assert!(!largest.fits());
        assert_eq!(largest.timeout_seconds(), MAX_TIMEOUT_SECONDS);
        let big = Estimate::render(20_000, &limits);
        assert!(big.fits());
        assert!(big.max_cost_micro_usd(&limits) >= big.cost_micro_usd);
        assert_eq!(cost(-3600, Machine::Gpu, &limits), -1_006_000);
    }
}
