//! The chat function's HTTP routes.

mod analyses;
mod conversations;
mod images;
mod messages;
mod uploads;
mod usage;

use roomwright_core::AppState;
use roomwright_core::routes;
use utoipa_axum::router::OpenApiRouter;

pub fn all() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            conversations::create_conversation,
            conversations::list_conversations
        ))
        .routes(routes!(
            conversations::get_conversation,
            conversations::delete_conversation
        ))
        .routes(routes!(messages::post_message))
        .routes(routes!(uploads::create_chat_upload))
        .routes(routes!(images::generate_image))
        .routes(routes!(images::edit_image))
        .routes(routes!(usage::get_usage))
        .routes(routes!(analyses::analyse_style))
}
