//! The OpenAPI 3.1 document, generated from the handlers' annotations and merged across functions.

use utoipa::openapi::{
    InfoBuilder, OpenApi, OpenApiBuilder, ServerBuilder,
    security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        ContentBuilder, ObjectBuilder, Ref, RefOr, Required, ResponseBuilder, Schema, Type,
        path::{Parameter, ParameterIn},
    },
};

use crate::{
    build_info,
    problem::{ApiError, FieldError, Problem},
};

/// The document every function's paths are merged into.
pub fn base() -> OpenApi {
    let mut api = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Roomwright API")
                .version(build_info::VERSION)
                .description(Some(
                    "AI design platform for interiors and office furniture. Errors are \
                     application/problem+json with a stable `code`.",
                ))
                .build(),
        )
        .servers(Some([ServerBuilder::new().url("/").build()]))
        .build();
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    for (name, schema) in [
        (Problem::name(), Problem::schema()),
        (FieldError::name(), FieldError::schema()),
    ] {
        components.schemas.insert(name.into_owned(), schema);
    }
    api
}

/// `base()` with every given function document merged in (webhooks too, which utoipa's
/// merge leaves out).
pub fn merged(parts: impl IntoIterator<Item = OpenApi>) -> OpenApi {
    let mut api = base();
    for mut part in parts {
        if let Some(webhooks) = part.webhooks.take() {
            api.webhooks
                .get_or_insert_with(Default::default)
                .merge(webhooks);
        }
        api.merge(part);
    }
    with_problems(api)
}

/// One entry of the document's `webhooks`: a POST whose body is the component `body` (given
/// with its schema), signed with the `headers`; `answer` says what the receiver replies.
pub struct Webhook<'a> {
    pub name: &'a str,
    pub operation_id: &'a str,
    pub summary: &'a str,
    pub description: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: (String, RefOr<utoipa::openapi::schema::Schema>),
    pub example: serde_json::Value,
    pub answer: &'a str,
}

impl Webhook<'_> {
    /// A document holding only this webhook (and its body's schema), to merge.
    pub fn document(self) -> OpenApi {
        use utoipa::openapi::{
            ComponentsBuilder, HttpMethod, PathItem, PathsBuilder, path::OperationBuilder,
            path::ParameterBuilder, request_body::RequestBodyBuilder,
        };
        let (name, schema) = self.body;
        let mut operation = OperationBuilder::new()
            .operation_id(Some(self.operation_id))
            .summary(Some(self.summary))
            .description(Some(self.description))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name(&name)))
                            .example(Some(self.example))
                            .build(),
                    )
                    .required(Some(Required::True))
                    .build(),
            ))
            .response(
                "200",
                ResponseBuilder::new().description(self.answer).build(),
            );
        for (header, description) in self.headers {
            operation = operation.parameter(
                ParameterBuilder::new()
                    .name(*header)
                    .parameter_in(ParameterIn::Header)
                    .required(Required::True)
                    .description(Some(*description))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        OpenApiBuilder::new()
            .webhooks(Some(
                PathsBuilder::new().path(self.name, PathItem::new(HttpMethod::Post, operation)),
            ))
            .components(Some(ComponentsBuilder::new().schema(name, schema).build()))
            .build()
    }
}

/// The forms of the request headers our layers check, so clients (and generated tests) send
/// what is accepted: `If-Match` one ETag this API returned (required where documented),
/// `Idempotency-Key` 1 to 128 visible ASCII characters. True when `If-Match` is among them.
fn header_rules<'a>(parameters: impl Iterator<Item = &'a mut RefOr<Parameter>>) -> bool {
    let mut preconditioned = false;
    for parameter in parameters {
        let RefOr::T(parameter) = parameter else {
            continue;
        };
        // Ids in paths are refused above this length (`http::Path`), before any lookup.
        if parameter.parameter_in == ParameterIn::Path
            && let Some(RefOr::T(Schema::Object(schema))) = &mut parameter.schema
            && schema.schema_type == Type::String.into()
            && schema.max_length.is_none()
        {
            schema.max_length = Some(crate::http::MAX_PATH_PARAMETER);
        }
        if parameter.parameter_in != ParameterIn::Header {
            continue;
        }
        let string = || ObjectBuilder::new().schema_type(Type::String);
        let schema = match parameter.name.to_ascii_lowercase().as_str() {
            "if-match" => {
                preconditioned = true;
                parameter.required = Required::True;
                string()
                    .pattern(Some(r#"^(W/)?"[0-9]{1,19}"$"#))
                    .description(Some(
                        "The `ETag` of the version the change is based on, e.g. `\"3\"`.",
                    ))
            }
            "idempotency-key" => string()
                .min_length(Some(1))
                .max_length(Some(crate::http::MAX_IDEMPOTENCY_KEY))
                .pattern(Some("^[ -~]*[!-~][ -~]*$"))
                .description(Some(
                    "Any unique string (a UUID): a retry with the same key returns the first \
                     answer instead of doing the work again.",
                )),
            _ => continue,
        };
        parameter.schema = Some(RefOr::T(Schema::Object(schema.build())));
    }
    preconditioned
}

/// A problem as our layers answer with that status, for the document's examples.
fn example_problem(status: &str) -> Option<serde_json::Value> {
    use http::StatusCode;
    let error = match status {
        "400" => ApiError::bad_request(
            "malformed_json",
            "The body is not valid JSON: expected a value at line 1 column 2.",
        ),
        "401" => {
            ApiError::unauthorized("token_expired", "The access token has expired; refresh it.")
        }
        "403" => ApiError::forbidden(
            "missing_permission",
            "This needs the projects:write permission.",
        ),
        "404" => ApiError::not_found("project_not_found", "No project prj_01a240545de7."),
        "409" => ApiError::conflict(
            "invalid_transition",
            "An archived project cannot move to in_review.",
        ),
        "412" => ApiError::version_mismatch(
            "Read it again, reapply your change, and send the new ETag in If-Match.",
        ),
        "413" => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Request body too large",
        ),
        "415" => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
        )
        .with_detail("Send the body as application/json."),
        "422" => ApiError::validation(vec![FieldError::new(
            "name",
            "too_long",
            "At most 200 characters.",
        )]),
        "428" => ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "If-Match is required",
        )
        .with_detail("Send the ETag of the version you read as If-Match."),
        "429" => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests",
        )
        .with_detail("Try again in 30 seconds."),
        "500" => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Something went wrong on our side",
        )
        .with_detail("The error was logged; retrying later may help."),
        _ => return None,
    };
    serde_json::to_value(error.to_problem()).ok()
}

/// The error responses every operation can give, as problem+json: those an operation
/// documents itself get the problem body, and those the shared layers give (a malformed body
/// or parameter, a missing or refused token, an unknown id, a body too large or of the wrong
/// type, a refused value, throttling, an unexpected failure) are added where they apply.
fn with_problems(mut api: OpenApi) -> OpenApi {
    let problem = |status: &str| {
        RefOr::T(
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(Problem::name())))
                .example(example_problem(status))
                .build(),
        )
    };
    for (path, item) in api.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let parameters_in = |place: ParameterIn| {
                operation.parameters.iter().flatten().any(|p| match p {
                    RefOr::T(p) => p.parameter_in == place,
                    RefOr::Ref(_) => false,
                })
            };
            let queried = parameters_in(ParameterIn::Query);
            let preconditioned = header_rules(operation.parameters.iter_mut().flatten());
            let body = operation.request_body.is_some();
            // (An empty requirement in the list makes the token optional.)
            let secured = operation.security.as_ref().is_some_and(|all| {
                !all.is_empty()
                    && all.iter().all(|r| {
                        serde_json::to_value(r)
                            .is_ok_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
                    })
            });
            let identified = path.contains('{');
            let applies = [
                (
                    "400",
                    body || queried || identified,
                    "The request is malformed: a body that is not JSON, or a parameter of the wrong form.",
                ),
                (
                    "401",
                    secured,
                    "No valid access token: missing, expired or revoked.",
                ),
                (
                    "403",
                    secured,
                    "The caller's role or project membership does not allow this.",
                ),
                (
                    "404",
                    identified,
                    "Nothing with that id that the caller may see.",
                ),
                ("413", body, "The body is larger than this operation takes."),
                (
                    "415",
                    body,
                    "The body is not of a type this operation takes.",
                ),
                (
                    "422",
                    body || queried,
                    "A value is refused; `errors` names each offending field.",
                ),
                (
                    "412",
                    preconditioned,
                    "The resource changed since it was read (`If-Match`).",
                ),
                (
                    "428",
                    preconditioned,
                    "`If-Match` is required: read the resource first.",
                ),
                (
                    "429",
                    true,
                    "Too many requests, or a budget is spent; `Retry-After` says when to try again.",
                ),
                (
                    "500",
                    true,
                    "An unexpected failure; the response's request id finds it in the logs.",
                ),
            ];
            let responses = &mut operation.responses.responses;
            for (status, applies, description) in applies {
                if applies && !responses.contains_key(status) {
                    responses.insert(
                        status.into(),
                        RefOr::T(ResponseBuilder::new().description(description).build()),
                    );
                }
            }
            for (status, response) in responses.iter_mut() {
                let error = status.starts_with('4') || status.starts_with('5');
                if let RefOr::T(response) = response
                    && error
                    && response.content.is_empty()
                {
                    response
                        .content
                        .insert("application/problem+json".into(), problem(status));
                    if response.description.is_empty() {
                        response.description = match status.as_str() {
                            "409" => "Conflicts with the resource's current state.",
                            "412" => "The resource changed since it was read (`If-Match`).",
                            "428" => "`If-Match` is required: read the resource first.",
                            "503" => "A dependency is not available; try again later.",
                            _ => "A problem (see `code`).",
                        }
                        .into();
                    }
                }
            }
        }
    }
    api
}

/// Where the document's recorded examples are: `"METHOD /path"` to `{"request": body,
/// "responses": {"status": body}}`, as `shared/devstack/tools/capture_examples.py` keeps them
/// from a walk through a running stack.
pub type Examples = serde_json::Map<String, serde_json::Value>;

/// `api` with each operation's recorded request and response bodies as the examples of
/// their content. Keys that name no operation or status are returned, for the test that
/// keeps the examples current.
pub fn with_examples(mut api: OpenApi, examples: &Examples) -> (OpenApi, Vec<String>) {
    let mut used = Vec::new();
    for (path, item) in api.paths.paths.iter_mut() {
        let operations = [
            ("GET", &mut item.get),
            ("PUT", &mut item.put),
            ("POST", &mut item.post),
            ("DELETE", &mut item.delete),
            ("PATCH", &mut item.patch),
        ];
        for (method, operation) in operations {
            let key = format!("{method} {path}");
            let (Some(operation), Some(entry)) = (operation.as_mut(), examples.get(&key)) else {
                continue;
            };
            if let (Some(RefOr::T(body)), Some(example)) =
                (&mut operation.request_body, entry.get("request"))
                && let Some(RefOr::T(content)) = body.content.values_mut().next()
            {
                content.example = Some(example.clone());
                used.push(format!("{key} request"));
            }
            let recorded = entry.get("responses").and_then(|r| r.as_object());
            for (status, example) in recorded.into_iter().flatten() {
                if let Some(RefOr::T(response)) = operation.responses.responses.get_mut(status)
                    && let Some(RefOr::T(content)) = response.content.values_mut().next()
                {
                    content.example = Some(example.clone());
                    used.push(format!("{key} {status}"));
                }
            }
        }
    }
    let unused = examples
        .iter()
        .flat_map(|(key, entry)| {
            let request = entry.get("request").map(|_| format!("{key} request"));
            let responses = entry
                .get("responses")
                .and_then(|r| r.as_object())
                .into_iter()
                .flat_map(|r| r.keys().map(|status| format!("{key} {status}")));
            request.into_iter().chain(responses).collect::<Vec<_>>()
        })
        .filter(|k| !used.contains(k))
        .collect();
    (api, unused)
}
