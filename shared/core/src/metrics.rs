//! Metrics as CloudWatch Embedded Metric Format: JSON documents in the function's log that
//! CloudWatch turns into metrics (namespace `Roomwright`, dimension `Stage` on every one), no
//! API call on the request path. Recorded through the `metrics` crate; in Lambda the
//! `metrics_cloudwatch_embedded` collector flushes them after each invocation, elsewhere
//! (tests, `make dev`) no recorder is installed and recording costs nothing.
//!
//! What is recorded: `Requests` and `LatencyMs` per `Function` (every HTTP request),
//! `ModelCalls` and `Jobs` per `Kind`, and `SpendUsd` per `Kind` with `SpendUsdTotal` (what the
//! usage ledger charges, for the budget alarm).

use std::sync::OnceLock;

use metrics::Unit;
use metrics_cloudwatch_embedded::Collector;

pub const NAMESPACE: &str = "Roomwright";

/// The collector, installed once when running in Lambda (`AWS_LAMBDA_FUNCTION_NAME` set).
pub fn collector() -> Option<&'static Collector> {
    static COLLECTOR: OnceLock<Option<&'static Collector>> = OnceLock::new();
    *COLLECTOR.get_or_init(|| {
        std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok()?;
        let stage = std::env::var("STAGE").unwrap_or_else(|_| "dev".into());
        let collector = metrics_cloudwatch_embedded::Builder::new()
            .cloudwatch_namespace(NAMESPACE)
            .with_dimension("Stage", stage)
            .with_lambda_request_id("RequestId")
            .with_lambda_xray_trace_id("TraceId")
            .init()
            .map_err(|e| tracing::warn!(error = %e, "metrics collector not installed"))
            .ok()?;
        metrics::describe_histogram!("LatencyMs", Unit::Milliseconds, "Request latency");
        Some(collector)
    })
}

/// The function's name in metrics: its Lambda name, else `local`.
fn function() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "local".into())
    })
}

/// One HTTP request served.
pub fn request(status: u16, latency: std::time::Duration) {
    let class = match status {
        500.. => "5xx",
        400..=499 => "4xx",
        _ => "ok",
    };
    metrics::counter!("Requests", "Function" => function(), "Class" => class).increment(1);
    metrics::histogram!("LatencyMs", "Function" => function())
        .record(latency.as_secs_f64() * 1000.0);
}

/// What the usage ledger charged: a model call or a job stage of `kind`.
pub fn spend(kind: &str, micro_usd: i64, model_call: bool, jobs: u64) {
    let usd = micro_usd as f64 / 1_000_000.0;
    metrics::histogram!("SpendUsd", "Kind" => kind.to_string()).record(usd);
    metrics::histogram!("SpendUsdTotal").record(usd);
    if model_call {
        metrics::counter!("ModelCalls", "Kind" => kind.to_string()).increment(1);
    }
    if jobs > 0 {
        metrics::counter!("Jobs", "Kind" => kind.to_string()).increment(jobs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_lambda_nothing_is_installed_and_recording_is_free() {
        // The test process is not a Lambda sandbox.
        assert!(std::env::var("AWS_LAMBDA_FUNCTION_NAME").is_err());
        assert!(collector().is_none());
        request(200, std::time::Duration::from_millis(3));
        spend("converse", 1200, true, 0);
    }

    #[test]
    fn the_collector_writes_embedded_metric_documents() {
        let collector = metrics_cloudwatch_embedded::Builder::new()
            .cloudwatch_namespace(NAMESPACE)
            .with_dimension("Stage", "test")
            .init()
            .unwrap();
        // The builder installed the collector as the global recorder (once per process: only
        // this test builds one); flushing writes one EMF document per dimension set.
        request(503, std::time::Duration::from_millis(12));
        spend("render", 2_500_000, false, 1);
        let mut out = Vec::new();
        collector.flush(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let documents: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        // (Tests running beside this one may record into the same global recorder.)
        let find = |metric: &str, label: &str, value: &str| {
            documents
                .iter()
                .find(|d| d.get(metric).is_some() && d[label] == value)
                .unwrap_or_else(|| panic!("{metric} with {label} {value} in {text}"))
        };
        let requests = find("Requests", "Class", "5xx");
        assert_eq!(
            requests["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            NAMESPACE
        );
        assert_eq!(requests["Stage"], "test");
        assert_eq!(requests["Requests"], 1);
        let spend = find("SpendUsd", "Kind", "render");
        assert!(spend.to_string().contains("2.5"), "{spend}");
        assert_eq!(find("Jobs", "Kind", "render")["Jobs"], 1);
    }
}
