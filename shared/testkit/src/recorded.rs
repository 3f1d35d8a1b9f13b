//! Recorded Bedrock responses (`events/bedrock/*.json`, Bedrock's wire format) served to the
//! real `aws-sdk-bedrockruntime` client by a replaying HTTP client. Shared by the tests and the
//! benchmark.

use std::sync::Arc;

use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region, retry::RetryConfig};
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::{
    body::SdkBody,
    event_stream::{Header, HeaderValue, Message},
};
use roomwright_visual::BedrockClient;
use serde_json::Value;

pub const MODEL: &str = "anthropic.claude-3-5-haiku-20241022-v1:0";

pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../../events/bedrock/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("JSON")
}

/// A recorded response as the HTTP response Bedrock sent: a JSON body, or an event stream
/// whose frames are encoded as Bedrock encodes them.
pub fn response(name: &str) -> http::Response<SdkBody> {
    let recorded = fixture(name);
    let mut builder = http::Response::builder().status(recorded["status"].as_u64().unwrap() as u16);
    for (header, value) in recorded["headers"].as_object().unwrap() {
        builder = builder.header(header, value.as_str().unwrap());
    }
    let body = match recorded.get("events") {
        None => recorded["body"].to_string().into_bytes(),
        Some(events) => {
            let mut frames = Vec::new();
            for event in events.as_array().unwrap() {
                let header = |n: &'static str, v: &str| {
                    Header::new(n, HeaderValue::String(v.to_string().into()))
                };
                let message = Message::new(event["body"].to_string().into_bytes())
                    .add_header(header(":content-type", "application/json"));
                let message = match event.get("event") {
                    Some(kind) => message
                        .add_header(header(":message-type", "event"))
                        .add_header(header(":event-type", kind.as_str().unwrap())),
                    None => message
                        .add_header(header(":message-type", "exception"))
                        .add_header(header(
                            ":exception-type",
                            event["exception"].as_str().unwrap(),
                        )),
                };
                aws_smithy_eventstream::frame::write_message_to(&message, &mut frames).unwrap();
            }
            frames
        }
    };
    builder.body(SdkBody::from(body)).unwrap()
}

/// A Bedrock client that answers with the recorded responses `names`, in order.
pub fn recorded(names: &[&str]) -> (StaticReplayClient, Arc<BedrockClient>) {
    let events = names
        .iter()
        .map(|name| {
            let request = http::Request::builder()
                .uri("https://bedrock-runtime.us-east-1.amazonaws.com/")
                .body(SdkBody::empty())
                .unwrap();
            ReplayEvent::new(request, response(name))
        })
        .collect();
    let http = StaticReplayClient::new(events);
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .http_client(http.clone())
        // One attempt: each recorded response is one answer (deployments keep SDK retries).
        .retry_config(RetryConfig::disabled())
        .build();
    let client = aws_sdk_bedrockruntime::Client::from_conf(config);
    (http, Arc::new(BedrockClient::given(client)))
}
