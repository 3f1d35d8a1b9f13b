//! The OpenAPI 3.1 document, generated from the handlers' annotations and merged across functions.

use utoipa::openapi::{
    InfoBuilder, OpenApi, OpenApiBuilder, ServerBuilder,
    security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::build_info;

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
    api
}

/// `base()` with every given function document merged in.
pub fn merged(parts: impl IntoIterator<Item = OpenApi>) -> OpenApi {
    let mut api = base();
    for part in parts {
        api.merge(part);
    }
    api
}
