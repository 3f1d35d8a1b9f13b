//! The auth function's HTTP routes.

mod account;
mod admin;
pub mod email;
mod me;
mod notifications;
mod wellknown;

use roomwright_core::routes;
use roomwright_core::{AppState, problem::FieldErrors};
use utoipa_axum::router::OpenApiRouter;

pub fn all() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(account::signup))
        .routes(routes!(account::login))
        .routes(routes!(account::refresh))
        .routes(routes!(account::logout))
        .routes(routes!(email::verify))
        .routes(routes!(email::resend_verification))
        .routes(routes!(email::request_reset))
        .routes(routes!(email::confirm_reset))
        .routes(routes!(notifications::list_notifications))
        .routes(routes!(notifications::mark_read))
        .routes(routes!(notifications::mark_all_read))
        .routes(routes!(
            notifications::get_preferences,
            notifications::put_preferences
        ))
        .routes(routes!(me::get_me, me::update_me, me::erase_me))
        .routes(routes!(me::change_password))
        .routes(routes!(me::export_me))
        .routes(routes!(admin::list_users))
        .routes(routes!(admin::set_role))
        .routes(routes!(admin::disable_user))
        .routes(routes!(admin::enable_user))
        .routes(routes!(admin::invite_user))
        .routes(routes!(admin::query_audit))
        .routes(routes!(wellknown::openid_configuration))
        .routes(routes!(wellknown::jwks))
}

/// Emails are compared trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Checks an email address, naming `field` in the errors.
pub fn check_email(errors: &mut FieldErrors, field: &str, email: &str) {
    if email.len() > 254 || !email_address::EmailAddress::is_valid(email) {
        errors.add(field, "invalid_email", "Enter a valid email address.");
    }
}

/// Checks a person's or company's name: trimmed, at most `max` characters, required or not.
pub fn check_text(errors: &mut FieldErrors, field: &str, text: &str, required: bool, max: usize) {
    let length = text.trim().chars().count();
    if required && length == 0 {
        errors.add(field, "required", "This field is required.");
    } else if length > max {
        errors.add(field, "too_long", format!("Use at most {max} characters."));
    }
}
