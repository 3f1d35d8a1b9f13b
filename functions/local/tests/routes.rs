//! Every documented operation reaches, in AWS, the function that serves it: each OpenAPI
//! operation (method and path, parameters filled in) is resolved through the HTTP API routes
//! `template.yaml` declares, with API Gateway's HTTP API rules: a full match before path
//! variables before a greedy `{proxy+}` (the longest greedy prefix first), a route's own
//! method before `ANY`. The winning route must belong to the function whose router documents
//! the operation. And the document `/v1/openapi.json` serves is the one the routes make.

use roomwright_devstack::{repo_root, template::Template};
use serde_json::Value;

/// One `HttpApi` event of a function.
#[derive(Debug, Clone)]
struct Route {
    binary: String,
    method: String,
    segments: Vec<String>,
}

impl Route {
    fn path(&self) -> String {
        format!("/{}", self.segments.join("/"))
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(str::to_string)
        .collect()
}

/// The template's HTTP API routes with the binary of the function each one invokes.
fn template_routes() -> Vec<Route> {
    let template = Template::load(&repo_root().join("template.yaml")).unwrap();
    let mut routes = Vec::new();
    for function in template.resources_of("AWS::Serverless::Function") {
        let binary = function
            .metadata
            .pointer("/BuildProperties/Binary")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{} names no binary", function.logical_id));
        let Some(events) = function.properties.get("Events").and_then(Value::as_object) else {
            continue;
        };
        for event in events.values() {
            if event["Type"] != "HttpApi" {
                continue;
            }
            routes.push(Route {
                binary: binary.to_string(),
                method: event["Properties"]["Method"]
                    .as_str()
                    .unwrap()
                    .to_uppercase(),
                segments: segments(event["Properties"]["Path"].as_str().unwrap()),
            });
        }
    }
    routes
}

/// How specific a route's match of `request` is (lower wins), or `None` when it does not
/// match: full match 0, path variables 1 (fewer first), greedy 2 (longer prefix first); then
/// the route's own method before `ANY`.
fn rank(route: &Route, method: &str, request: &[String]) -> Option<(u8, usize, u8)> {
    let method_rank = match route.method.as_str() {
        m if m == method => 0,
        "ANY" => 1,
        _ => return None,
    };
    let is_var = |s: &str| s.starts_with('{') && s.ends_with('}');
    if let Some(last) = route.segments.last()
        && last.ends_with("+}")
    {
        let prefix = &route.segments[..route.segments.len() - 1];
        let matches = request.len() > prefix.len()
            && prefix.iter().zip(request).all(|(r, q)| is_var(r) || r == q);
        return matches.then_some((2, usize::MAX - prefix.len(), method_rank));
    }
    if route.segments.len() != request.len() {
        return None;
    }
    let mut variables = 0;
    for (r, q) in route.segments.iter().zip(request) {
        if is_var(r) {
            variables += 1;
        } else if r != q {
            return None;
        }
    }
    Some((u8::from(variables > 0), variables, method_rank))
}

/// The route API Gateway picks for `method path`, if any.
fn resolve<'a>(routes: &'a [Route], method: &str, path: &str) -> Option<&'a Route> {
    let request = segments(path);
    routes
        .iter()
        .filter_map(|r| rank(r, method, &request).map(|k| (k, r)))
        .min_by_key(|(k, _)| *k)
        .map(|(_, r)| r)
}

/// An OpenAPI path with its parameters filled in, as a client would send it.
fn concrete(path: &str) -> String {
    segments(path)
        .iter()
        .map(|s| {
            if s.starts_with('{') {
                "x1".to_string()
            } else {
                s.clone()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_operation_reaches_the_function_that_serves_it() {
    let routes = template_routes();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (binary, document) in roomwright_local::documents() {
        let api = serde_json::to_value(&document).unwrap();
        for (path, item) in api["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                let method = method.to_uppercase();
                if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
                    continue;
                }
                checked += 1;
                let request = format!("/{}", concrete(path));
                match resolve(&routes, &method, &request) {
                    Some(route) if route.binary == binary => {}
                    Some(route) => wrong.push(format!(
                        "{method} {path} is served by {binary} but reaches {} through {} {}",
                        route.binary,
                        route.method,
                        route.path()
                    )),
                    None => wrong.push(format!(
                        "{method} {path} is served by {binary} but no HTTP API route reaches it"
                    )),
                }
            }
        }
    }
    assert!(checked > 80, "only {checked} operations documented");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_rules_pick_the_most_specific_route() {
    let route = |binary: &str, method: &str, path: &str| Route {
        binary: binary.into(),
        method: method.into(),
        segments: segments(path),
    };
    let routes = vec![
        route("projects", "ANY", "/v1/projects/{proxy+}"),
        route("exports", "POST", "/v1/projects/{id}/exports"),
        route(
            "jobs",
            "ANY",
            "/v1/projects/{id}/floor-plan-imports/{proxy+}",
        ),
        route("auth", "ANY", "/v1/me"),
        route("auth", "POST", "/v1/me/password"),
    ];
    let at = |method, path| resolve(&routes, method, path).map(|r| r.binary.as_str());
    assert_eq!(at("POST", "/v1/projects/p1/exports"), Some("exports"));
    // Another method on the same path falls to the greedy route.
    assert_eq!(at("GET", "/v1/projects/p1/exports"), Some("projects"));
    assert_eq!(
        at("GET", "/v1/projects/p1/floor-plan-imports/i1"),
        Some("jobs"),
        "the longer greedy prefix wins"
    );
    assert_eq!(at("GET", "/v1/projects/p1"), Some("projects"));
    // A greedy variable needs at least one segment.
    assert_eq!(at("GET", "/v1/projects"), None);
    assert_eq!(at("DELETE", "/v1/me"), Some("auth"));
    assert_eq!(at("GET", "/v1/me/password"), None);
}

#[test]
fn the_served_openapi_document_is_the_one_the_routes_make() {
    let served: Value = serde_json::from_str(roomwright_health::OPENAPI_JSON).unwrap();
    let made = serde_json::to_value(roomwright_local::openapi()).unwrap();
    assert!(
        served == made,
        "functions/health/openapi.json is stale: run `make openapi` and commit it"
    );
}

/// The Lambda entry points build their routers without the operations' descriptions (cold
/// start): the same paths and methods must be routed either way.
#[test]
fn lambda_routers_route_every_documented_operation() {
    let operations = |documents: Vec<(&'static str, utoipa::openapi::OpenApi)>| {
        documents
            .into_iter()
            .map(|(binary, document)| {
                let api = serde_json::to_value(&document).unwrap();
                let mut routed: Vec<String> = api["paths"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .flat_map(|(path, item)| {
                        item.as_object()
                            .unwrap()
                            .keys()
                            .map(move |method| format!("{method} {path}"))
                    })
                    .collect();
                routed.sort();
                (binary, routed)
            })
            .collect::<Vec<_>>()
    };
    let documented = operations(roomwright_local::documents());
    let undocumented = operations(roomwright_core::routing::undocumented(
        roomwright_local::documents,
    ));
    assert!(documented.iter().map(|(_, o)| o.len()).sum::<usize>() > 80);
    assert_eq!(documented, undocumented);
    // And undocumented they are: no operation carries its description.
    let lambda = roomwright_core::routing::undocumented(roomwright_local::documents);
    let api = serde_json::to_value(&lambda[2].1).unwrap();
    assert_eq!(lambda[2].0, "projects");
    assert!(
        api["paths"]["/v1/projects"]["post"]
            .get("requestBody")
            .is_none()
    );
    assert!(
        api.get("components")
            .is_none_or(|c| c["schemas"].as_object().is_none_or(|s| s.is_empty()))
    );
}

/// A schema name means one schema in the whole API: two functions' documents that both define
/// a component of the same name define the same one (merging keeps only the first, so a
/// second, different `Status` would be documented as the first).
#[test]
fn a_component_name_means_the_same_schema_in_every_function() {
    let mut seen: std::collections::BTreeMap<String, (&str, Value)> = Default::default();
    let mut clashes = Vec::new();
    for (function, api) in roomwright_local::documents() {
        let api = serde_json::to_value(&api).unwrap();
        let Some(schemas) = api
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        else {
            continue;
        };
        for (name, schema) in schemas {
            match seen.get(name) {
                Some((first, earlier)) if earlier != schema => {
                    clashes.push(format!("{name}: {first} and {function}"))
                }
                Some(_) => {}
                None => {
                    seen.insert(name.clone(), (function, schema.clone()));
                }
            }
        }
    }
    assert!(clashes.is_empty(), "one name, two schemas: {clashes:?}");
}

/// Every error response the document lists is problem+json, and every operation lists the
/// errors the shared layers give: throttling and failures everywhere, a refused token where a
/// token is needed, an unknown id where the path has one.
#[test]
fn every_error_response_is_documented_as_a_problem() {
    let api = serde_json::to_value(roomwright_local::openapi()).unwrap();
    let mut missing = Vec::new();
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty() && s.iter().all(|r| r != &serde_json::json!({})));
            let mut needed = vec!["429", "500"];
            if secured {
                needed.extend(["401", "403"]);
            }
            if path.contains('{') {
                needed.push("404");
            }
            for status in needed {
                if !responses.contains_key(status) {
                    missing.push(format!("{method} {path}: {status}"));
                }
            }
            for (status, response) in responses {
                // (Health answers 503 with its own report: which dependency is down.)
                let report = path == "/v1/health" && status == "503";
                // (A client's proposal page answers a browser: its refusals are pages too.)
                let page = path.starts_with("/p/{token}")
                    && response["content"].get("text/html").is_some();
                if (status.starts_with('4') || status.starts_with('5')) && !report && !page {
                    let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                    if schema != "#/components/schemas/Problem" {
                        missing.push(format!("{method} {path}: {status} is not a problem"));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
    assert!(api.pointer("/components/schemas/Problem").is_some());
    assert!(api.pointer("/components/schemas/FieldError").is_some());
}

/// Path parameters are the path's own placeholders: a query parameter documented as `in:
/// path` (an `IntoParams` struct without `parameter_in = Query`) sends clients' generated
/// code and schemathesis to the wrong place, so it is refused here.
#[test]
fn every_path_parameter_is_a_placeholder_of_its_path() {
    let document = serde_json::to_value(roomwright_local::openapi()).unwrap();
    let mut misplaced = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                let placeholder = path.contains(&format!("{{{name}}}"));
                if (parameter["in"] == "path") != placeholder {
                    misplaced.push(format!("{method} {path}: {name} in {}", parameter["in"]));
                }
            }
        }
    }
    assert!(misplaced.is_empty(), "{misplaced:#?}");
}

/// The document says what we send (a job's completion webhook) and what we accept (ERP
/// events) as OpenAPI 3.1 `webhooks`, each with its signature headers, a body schema that
/// resolves, and an example that matches it.
#[test]
fn the_document_describes_the_webhooks_we_send_and_accept() {
    let document = serde_json::to_value(roomwright_local::openapi()).unwrap();
    for (name, body, header) in [
        ("jobFinished", "JobFinishedNotice", "webhook-signature"),
        ("erpEvent", "ErpEvent", "x-roomwright-signature"),
    ] {
        let post = &document["webhooks"][name]["post"];
        assert!(post.is_object(), "{name} is documented");
        let content = &post["requestBody"]["content"]["application/json"];
        assert_eq!(
            content["schema"]["$ref"],
            format!("#/components/schemas/{body}")
        );
        assert!(
            document["components"]["schemas"][body].is_object(),
            "{body} resolves"
        );
        assert!(
            post["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == header && p["in"] == "header"),
            "{name} names {header}"
        );
        // The example has every property the schema requires.
        let example = &content["example"];
        for required in document["components"]["schemas"][body]["required"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let field = required.as_str().unwrap();
            assert!(example.get(field).is_some(), "{name} example lacks {field}");
        }
    }
}

/// Content an example can usefully show: JSON and CSV. Not pictures (photos, the PNG and SVG
/// plans: a drawing's example is a drawing, tens of kilobytes) nor the pages and scripts of
/// the API reference itself.
fn example_needed(media_type: &str) -> bool {
    media_type.contains("json") || media_type == "text/csv"
}

/// Every request body and every successful response of every operation has an example, and
/// every recorded example belongs to an operation and status the document has (an example
/// left behind by a renamed route would silently stop showing).
#[test]
fn every_request_and_response_body_has_an_example() {
    let (_, unused) = roomwright_core::openapi::with_examples(
        roomwright_local::openapi_without_examples(),
        &roomwright_local::examples(),
    );
    assert!(
        unused.is_empty(),
        "examples of nothing documented: {unused:?}"
    );
    let api = serde_json::to_value(roomwright_local::openapi()).unwrap();
    let mut missing = Vec::new();
    let mut shown = 0;
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let key = format!("{} {path}", method.to_uppercase());
            // (The document itself: its example would be the document.)
            if key == "GET /v1/openapi.json" {
                continue;
            }
            let mut contents: Vec<(String, &Value)> = operation["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(media, content)| (format!("{key} request {media}"), content))
                .collect();
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('2') {
                    for (media, content) in response["content"].as_object().into_iter().flatten() {
                        contents.push((format!("{key} {status} {media}"), content));
                    }
                }
            }
            for (name, content) in contents {
                let media = name.rsplit(' ').next().unwrap();
                if !example_needed(media) {
                    continue;
                }
                if content.get("example").is_some_and(|e| !e.is_null()) {
                    shown += 1;
                } else {
                    missing.push(name);
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} without an example: {missing:#?}",
        missing.len()
    );
    assert!(shown > 120, "only {shown} examples");
}

/// Every example (the recorded ones, the problems, the webhooks) is valid against the schema
/// it illustrates, so the document never shows a body the API would not send or take.
#[test]
fn every_example_is_valid_against_its_schema() {
    let api = serde_json::to_value(roomwright_local::openapi()).unwrap();
    let components = api["components"].clone();
    let mut invalid = Vec::new();
    let mut checked = 0;
    let mut check = |name: String, content: &Value| {
        let (Some(example), Some(schema)) = (content.get("example"), content.get("schema")) else {
            return;
        };
        let mut schema = schema.clone();
        let object = schema.as_object_mut().expect("a schema object");
        object.insert("components".into(), components.clone());
        object.insert(
            "$schema".into(),
            "https://json-schema.org/draft/2020-12/schema".into(),
        );
        let validator = jsonschema::validator_for(&schema)
            .unwrap_or_else(|e| panic!("{name}: the schema does not compile: {e}"));
        checked += 1;
        let errors: Vec<String> = validator
            .iter_errors(example)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if !errors.is_empty() {
            invalid.push(format!("{name}: {}", errors.join("; ")));
        }
    };
    for (section, paths) in [("paths", &api["paths"]), ("webhooks", &api["webhooks"])] {
        for (path, item) in paths.as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().unwrap() {
                let key = format!("{section} {} {path}", method.to_uppercase());
                for (media, content) in operation["requestBody"]["content"]
                    .as_object()
                    .into_iter()
                    .flatten()
                {
                    check(format!("{key} request {media}"), content);
                }
                for (status, response) in operation["responses"].as_object().unwrap() {
                    for (media, content) in response["content"].as_object().into_iter().flatten() {
                        check(format!("{key} {status} {media}"), content);
                    }
                }
            }
        }
    }
    assert!(
        invalid.is_empty(),
        "{} invalid examples: {invalid:#?}",
        invalid.len()
    );
    assert!(checked > 500, "only {checked} examples checked");
}
