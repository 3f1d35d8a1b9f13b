//! Every documented route of the catalog function.

mod aliases;
mod erp;
mod imports;
mod makers;
pub mod products;
mod search;
mod visual;

use roomwright_core::AppState;
use roomwright_core::routes;
use utoipa_axum::router::OpenApiRouter;

pub fn all() -> OpenApiRouter<AppState> {
    // The document also says what ERP webhooks we accept.
    OpenApiRouter::with_openapi(crate::erp::events::openapi())
        // The literal `search` segment is matched before `{id}`.
        .routes(routes!(search::search_products))
        .routes(routes!(search::semantic_search))
        .routes(routes!(visual::visual_search))
        .routes(routes!(search::reindex))
        .routes(routes!(products::create_product))
        .routes(routes!(products::get_product, products::replace_product))
        .routes(routes!(products::retire_product))
        .routes(routes!(products::create_product_upload))
        .routes(routes!(search::similar_products))
        .routes(routes!(imports::import_products))
        .routes(routes!(imports::create_import_upload))
        .routes(routes!(aliases::list_aliases, aliases::put_aliases))
        .routes(routes!(makers::create_maker))
        .routes(routes!(makers::list_makers))
        .routes(routes!(makers::match_makers))
        .routes(routes!(erp::erp_webhook))
        .routes(routes!(erp::create_order))
        .routes(routes!(erp::get_order))
        .routes(routes!(erp::live_availability))
}
