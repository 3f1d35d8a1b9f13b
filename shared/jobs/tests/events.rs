//! The sample events in `events/` are real event shapes: they parse with the Lambda event types.

use aws_lambda_events::{
    apigw::ApiGatewayV2httpRequest, cloudwatch_events::CloudWatchEvent, sqs::SqsEvent,
};

fn load(name: &str) -> String {
    let path = format!("{}/../../events/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn http_api_events_parse_with_and_without_a_jwt_authorizer() {
    let plain: ApiGatewayV2httpRequest =
        serde_json::from_str(&load("apigw-http-get-health.json")).unwrap();
    assert_eq!(plain.raw_path.as_deref(), Some("/v1/health"));
    assert!(plain.request_context.authorizer.is_none());

    let jwt: ApiGatewayV2httpRequest =
        serde_json::from_str(&load("apigw-http-jwt-get-health.json")).unwrap();
    let claims = &jwt.request_context.authorizer.unwrap().jwt.unwrap().claims;
    assert_eq!(claims["role"], "designer");
}

#[test]
fn sqs_batch_event_parses() {
    let event: SqsEvent = serde_json::from_str(&load("sqs-jobs-batch.json")).unwrap();
    assert_eq!(event.records.len(), 2);
    // The messages are what the jobs API sends and the dispatcher reads.
    let messages: Vec<roomwright_jobs::JobMessage> = event
        .records
        .iter()
        .map(|r| serde_json::from_str(r.body.as_deref().unwrap()).unwrap())
        .collect();
    assert_eq!(messages[0].kind, roomwright_jobs::JobKind::Render);
    assert_eq!(messages[1].input_key, "jobs/job_01JD2YC4T2/input.json");
}

#[test]
fn batch_job_state_change_event_parses() {
    let event: CloudWatchEvent<serde_json::Value> =
        serde_json::from_str(&load("eventbridge-batch-job-state-change.json")).unwrap();
    assert_eq!(event.detail_type.as_deref(), Some("Batch Job State Change"));
    assert_eq!(event.detail.unwrap()["status"], "RUNNING");
}
