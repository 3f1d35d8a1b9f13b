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

/// The replaying HTTP client of [`recorded`], which checks when dropped that every request
/// sent was the one its answer was recorded for: `POST /model/{model id}/{operation}` with the
/// fixture's model and operation, and a body in the model's documented request format
/// (Converse: `messages` of `user`/`assistant` turns with content blocks, tools with a name and
/// a JSON schema; Titan Multimodal Embeddings: `inputImage` and/or `inputText`, an
/// `outputEmbeddingLength` of 256, 384 or 1024, and the photo of the colour the recorded vector
/// stands for; Nova Canvas: a `TEXT_IMAGE` task with its text). A fixture without a `request`
/// (an error answer) accepts any Bedrock Runtime call.
pub struct Replay {
    http: StaticReplayClient,
    names: Vec<String>,
}

impl std::ops::Deref for Replay {
    type Target = StaticReplayClient;
    fn deref(&self) -> &StaticReplayClient {
        &self.http
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        if !std::thread::panicking()
            && let Err(problem) = self.check()
        {
            panic!("a Bedrock request did not match its recording: {problem}");
        }
    }
}

impl Replay {
    /// Every request sent so far against the fixture that answered it.
    pub fn check(&self) -> Result<(), String> {
        for (i, request) in self.http.actual_requests().enumerate() {
            let name = &self.names[i];
            let expected = fixture(name)["request"].clone();
            let path = request
                .uri()
                .split("://")
                .nth(1)
                .and_then(|rest| rest.find('/').map(|at| &rest[at..]))
                .unwrap_or(request.uri())
                .to_string();
            let body: Value = request
                .body()
                .bytes()
                .and_then(|b| serde_json::from_slice(b).ok())
                .ok_or_else(|| format!("request {i} ({name}): the body is not JSON"))?;
            if request.method() != "POST" {
                return Err(format!("request {i} ({name}): {} {path}", request.method()));
            }
            let Some(operation) = expected["operation"].as_str() else {
                continue;
            };
            let model = expected["model"].as_str().unwrap_or_default();
            let want = format!("/model/{}/{operation}", encode_model(model));
            if path != want {
                return Err(format!(
                    "request {i} ({name}): sent to {path}, recorded for {want}"
                ));
            }
            match operation {
                "converse" | "converse-stream" => converse_body(&body),
                _ if model.starts_with("amazon.titan-embed-image") => {
                    titan_body(&body, &expected["image_colour"])
                }
                _ if model.starts_with("amazon.nova-canvas") => nova_body(&body),
                other => Err(format!("no request format known for {other} of {model}")),
            }
            .map_err(|e| format!("request {i} ({name}): {e}"))?;
        }
        Ok(())
    }
}

/// A model id as the SDK puts it in the path (`:` percent-encoded).
fn encode_model(model: &str) -> String {
    model.replace(':', "%3A")
}

fn converse_body(body: &Value) -> Result<(), String> {
    let messages = body["messages"]
        .as_array()
        .filter(|m| !m.is_empty())
        .ok_or("no messages")?;
    for message in messages {
        if !matches!(message["role"].as_str(), Some("user" | "assistant")) {
            return Err(format!("a message's role is {}", message["role"]));
        }
        if message["content"].as_array().is_none_or(Vec::is_empty) {
            return Err("a message without content blocks".into());
        }
    }
    if let Some(tools) = body.pointer("/toolConfig/tools") {
        for tool in tools.as_array().ok_or("toolConfig.tools is not a list")? {
            if tool
                .pointer("/toolSpec/name")
                .and_then(Value::as_str)
                .is_none()
                || !tool
                    .pointer("/toolSpec/inputSchema/json")
                    .is_some_and(Value::is_object)
            {
                return Err(format!("a tool without a name and JSON schema: {tool}"));
            }
        }
    }
    Ok(())
}

fn titan_body(body: &Value, colour: &Value) -> Result<(), String> {
    if let Some(length) = body.pointer("/embeddingConfig/outputEmbeddingLength")
        && ![256, 384, 1024].contains(&length.as_u64().unwrap_or(0))
    {
        return Err(format!("outputEmbeddingLength {length}"));
    }
    let image = body["inputImage"].as_str();
    if image.is_none() && body["inputText"].as_str().is_none() {
        return Err("neither inputImage nor inputText".into());
    }
    if let (Some(image), Some(colour)) = (image, colour.as_array()) {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(image)
            .map_err(|e| format!("inputImage is not base64: {e}"))?;
        let photo = image::load_from_memory(&bytes)
            .map_err(|e| format!("inputImage is not an image: {e}"))?
            .to_rgb8();
        let n = (photo.width() * photo.height()) as f64;
        let mut mean = [0f64; 3];
        for pixel in photo.pixels() {
            for c in 0..3 {
                mean[c] += f64::from(pixel[c]) / n;
            }
        }
        for c in 0..3 {
            let want = colour[c].as_f64().unwrap_or_default();
            if (mean[c] - want).abs() > 30.0 {
                return Err(format!(
                    "the photo's mean colour is {mean:?}, the recording is of {colour:?}"
                ));
            }
        }
    }
    Ok(())
}

fn nova_body(body: &Value) -> Result<(), String> {
    if body["taskType"] != "TEXT_IMAGE" {
        return Err(format!("taskType {}", body["taskType"]));
    }
    if body
        .pointer("/textToImageParams/text")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err("no textToImageParams.text".into());
    }
    Ok(())
}

/// A Bedrock client that answers with the recorded responses `names`, in order; the returned
/// [`Replay`] checks the requests against the recordings.
pub fn recorded(names: &[&str]) -> (Replay, Arc<BedrockClient>) {
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
    let replay = Replay {
        http,
        names: names.iter().map(|n| n.to_string()).collect(),
    };
    (replay, Arc::new(BedrockClient::given(client)))
}
