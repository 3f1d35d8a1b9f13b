//! Routes declared once, described only where a description is wanted.
//!
//! utoipa-axum's `routes!` builds each operation's OpenAPI description and collects every
//! schema it names while the router is built. In a Lambda that was most of a function's
//! cold start (2.4 ms of the projects function's 7.2 ms init, measured) for a document Lambda
//! never serves: the health function serves the committed one. [`routes!`](crate::routes)
//! registers the same handlers on the same paths and methods, and describes them unless the
//! router is built inside [`undocumented`] (what the Lambda entry points do). The paths and
//! methods stay in the router's document either way, so a test can compare the two.

use std::cell::Cell;

thread_local! {
    static UNDOCUMENTED: Cell<bool> = const { Cell::new(false) };
}

/// Builds a router (or anything) with [`routes!`](crate::routes) registering handlers without
/// their descriptions; only on this thread, and only during `build`.
pub fn undocumented<T>(build: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            UNDOCUMENTED.set(false);
        }
    }
    UNDOCUMENTED.set(true);
    let _reset = Reset;
    build()
}

/// Whether [`routes!`](crate::routes) describes the operations it registers.
pub fn documented() -> bool {
    !UNDOCUMENTED.get()
}

/// `utoipa_axum::routes!`, with the operations' descriptions and schemas built only when
/// [`documented`]: otherwise each handler is registered on its documented path and methods,
/// with an empty operation.
#[macro_export]
macro_rules! routes {
    ( $( $first:ident $( :: $rest:ident )* ),+ $(,)? ) => {{
        if $crate::routing::documented() {
            ::utoipa_axum::routes!( $( $first $( :: $rest )* ),+ )
        } else {
            #[allow(unused_imports)]
            use ::utoipa_axum::PathItemExt as _;
            let mut paths = ::utoipa::openapi::path::Paths::new();
            let mut router = ::axum::routing::MethodRouter::new();
            $(
                let path: String = ::utoipa_axum::routes!( @path [path()] of $first $( :: $rest )* );
                let methods: Vec<::utoipa::openapi::path::HttpMethod> =
                    ::utoipa_axum::routes!( @path [methods()] of $first $( :: $rest )* );
                router = methods
                    .iter()
                    .fold(router, |router, method| router.on(method.to_method_filter(), $first $( :: $rest )*));
                paths.add_path_operation(
                    &path,
                    methods,
                    ::utoipa::openapi::path::Operation::default(),
                );
            )+
            (
                Vec::<(
                    String,
                    ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema>,
                )>::new(),
                paths,
                router,
            )
        }
    }};
}
