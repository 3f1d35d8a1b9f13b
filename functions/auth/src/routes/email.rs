//! Addresses proven by email, and passwords reset by email.

use axum::{Extension, Json, extract::State, http::StatusCode};
use roomwright_core::{
    ApiError, AppState, FieldError,
    auth::{Caller, ClientInfo},
    dynamo::counter,
    http::ApiJson,
    problem::FieldErrors,
    time,
};
use roomwright_notify::{Letter, Links, Mail, mail::Meter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::normalize_email;
use crate::AuthContext;
use roomwright_accounts::{
    audit,
    onetime::{self, Purpose},
    passwords, sessions,
    users::{self, Edit, Status, Updated, UserView},
};

/// Emails one address gets per hour from signup, resends and resets together.
pub const EMAILS_PER_ADDRESS_PER_HOUR: u32 = 5;

/// Sends an account email, at most [`EMAILS_PER_ADDRESS_PER_HOUR`] to one address; `false`
/// when that many were sent this hour already (nothing is sent).
pub async fn send(
    state: &AppState,
    context: &AuthContext,
    letter: &Letter,
    user_id: &str,
) -> Result<bool, ApiError> {
    let now = time::now();
    let hour = now.unix_timestamp() / 3600;
    let taken = counter::take(
        &state.table(),
        &format!("MAILRATE#{}", letter.to),
        &format!("HOUR#{hour}"),
        EMAILS_PER_ADDRESS_PER_HOUR,
        (hour + 2) * 3600,
    )
    .await?;
    if !taken {
        tracing::info!(kind = letter.kind, "account email not sent: hourly limit");
        return Ok(false);
    }
    context
        .mailer(state)
        .send(
            state,
            letter,
            Meter {
                call_id: format!("email-{}", uuid::Uuid::now_v7().simple()),
                user_id,
                project_id: None,
            },
        )
        .await?;
    Ok(true)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// From the emailed link (after `#token=`).
    pub token: String,
}

fn invalid_token() -> ApiError {
    ApiError::validation(vec![FieldError::new(
        "token",
        "invalid_token",
        "The link is unknown, used or expired; ask for a new one.",
    )])
}

/// Confirms an address with the token emailed to it (works once, for 24 hours).
#[utoipa::path(
    post, path = "/v1/auth/verify", tag = "auth", request_body = TokenRequest,
    responses(
        (status = 200, body = UserView),
        (status = 422, description = "`invalid_token`: unknown, used or expired"),
    )
)]
pub async fn verify(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(request): ApiJson<TokenRequest>,
) -> Result<Json<UserView>, ApiError> {
    let table = state.table();
    let Some(token) = onetime::redeem(&table, Purpose::VerifyEmail, &request.token).await? else {
        return Err(invalid_token());
    };
    let updated = users::update(&table, &token.user_id, 3, |user| {
        // The address changed since the link was sent, or the account is gone.
        if user.email != token.email || user.status == Status::Erased {
            return Err(invalid_token());
        }
        if user.email_verified {
            return Ok(Edit::Keep);
        }
        user.email_verified = true;
        Ok(Edit::Save)
    })
    .await?;
    match updated {
        Updated::Kept(user) => return Ok(Json(UserView::from(&user))),
        Updated::Saved(user) => {
            audit::record(
                &table,
                audit::Event {
                    action: "email_verified",
                    actor: &user.id,
                    target: None,
                    client: &client,
                    details: json!({}),
                },
            )
            .await?;
            return Ok(Json(UserView::from(&user)));
        }
        Updated::Missing => return Err(invalid_token()),
        Updated::Busy => {}
    }
    Err(ApiError::conflict(
        "account_busy",
        "The account kept changing; try the link again.",
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmailSent {
    /// `email_sent`, or `check_your_email` where the answer must not tell whether an account exists.
    pub status: &'static str,
}

/// Sends the signed-in user a new confirmation link (at most 5 account emails an hour).
#[utoipa::path(
    post, path = "/v1/auth/verify/resend", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 202, body = EmailSent),
        (status = 400, description = "`unexpected_body`"),
        (status = 409, description = "`already_verified`"),
        (status = 429, description = "`too_many_emails`, with Retry-After"),
    )
)]
pub async fn resend_verification(
    State(state): State<AppState>,
    Extension(context): Extension<AuthContext>,
    caller: Caller,
    _: roomwright_core::http::NoBody,
) -> Result<(StatusCode, Json<EmailSent>), ApiError> {
    let table = state.table();
    let user = users::get(&table, &caller.user_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("session_ended", "The account is gone."))?
        .value;
    if user.email_verified {
        return Err(ApiError::conflict(
            "already_verified",
            "This address is confirmed already.",
        ));
    }
    let token = onetime::issue(&table, Purpose::VerifyEmail, &user.id, &user.email).await?;
    let links = Links::of(&state);
    let letter = Mail::VerifyEmail {
        name: &user.name,
        link: &links.account("verify", &token),
    }
    .to(&user.email);
    if !send(&state, &context, &letter, &user.id).await? {
        let wait = 3600 - time::now().unix_timestamp() % 3600;
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_emails",
            "Too many emails to this address",
        )
        .with_detail("This address got as many emails as it may this hour; try again later.")
        .with_retry_after(wait as u64));
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(EmailSent {
            status: "email_sent",
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

/// Emails a password-reset link (works once, for one hour) if the address has an account.
/// The answer is the same for any address.
#[utoipa::path(
    post, path = "/v1/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses((status = 202, body = EmailSent, description = "The same for every address"))
)]
pub async fn request_reset(
    State(state): State<AppState>,
    Extension(context): Extension<AuthContext>,
    client: ClientInfo,
    ApiJson(request): ApiJson<ResetRequest>,
) -> Result<(StatusCode, Json<EmailSent>), ApiError> {
    let email = normalize_email(&request.email);
    let answer = (
        StatusCode::ACCEPTED,
        Json(EmailSent {
            status: "check_your_email",
        }),
    );
    if email.is_empty() || email.len() > 254 {
        return Ok(answer);
    }
    let table = state.table();
    let Some(found) = users::find_by_email(&table, &email).await? else {
        return Ok(answer);
    };
    let user = found.value;
    if user.status != Status::Active {
        return Ok(answer);
    }
    let token = onetime::issue(&table, Purpose::ResetPassword, &user.id, &user.email).await?;
    let links = Links::of(&state);
    let letter = Mail::PasswordReset {
        name: &user.name,
        link: &links.account("reset", &token),
    }
    .to(&user.email);
    if let Err(e) = send(&state, &context, &letter, &user.id).await {
        tracing::error!(error = %e, "reset email not sent");
    }
    audit::record(
        &table,
        audit::Event {
            action: "password_reset_requested",
            actor: &user.id,
            target: None,
            client: &client,
            details: json!({}),
        },
    )
    .await?;
    Ok(answer)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    /// From the emailed link (after `#token=`).
    pub token: String,
    /// The new password: at least 12 characters, not a common one.
    pub password: String,
}

/// Sets a new password with an emailed reset token; every session of the account ends.
#[utoipa::path(
    post, path = "/v1/auth/password-reset/confirm", tag = "auth", request_body = ResetConfirm,
    responses(
        (status = 204, description = "The password is changed and every session ended"),
        (status = 422, description = "`invalid_token`, or the password's policy errors (the token stays usable)"),
    )
)]
pub async fn confirm_reset(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(request): ApiJson<ResetConfirm>,
) -> Result<StatusCode, ApiError> {
    let table = state.table();
    // Checked before the token is used, so a refused password leaves it usable.
    let Some(peeked) = onetime::peek(&table, Purpose::ResetPassword, &request.token).await? else {
        return Err(invalid_token());
    };
    let mut errors = FieldErrors::new();
    passwords::check_policy(&mut errors, "password", &request.password, &peeked.email);
    errors.finish()?;
    let Some(token) = onetime::redeem(&table, Purpose::ResetPassword, &request.token).await? else {
        return Err(invalid_token());
    };
    let hash = passwords::hash(request.password).await?;
    let updated = users::update(&table, &token.user_id, 3, |user| {
        if user.email != token.email || user.status != Status::Active {
            return Err(invalid_token());
        }
        user.password_hash = hash.clone();
        // Only the address's owner could open the link.
        user.email_verified = true;
        Ok(Edit::Save)
    })
    .await?;
    match updated {
        Updated::Saved(user) => {
            let ended = sessions::revoke_all(&table, &user.id, None).await?;
            state.sessions.forget(&user.id);
            audit::record(
                &table,
                audit::Event {
                    action: "password_reset",
                    actor: &user.id,
                    target: None,
                    client: &client,
                    details: json!({"sessions_ended": ended}),
                },
            )
            .await?;
            return Ok(StatusCode::NO_CONTENT);
        }
        Updated::Missing | Updated::Kept(_) => return Err(invalid_token()),
        Updated::Busy => {}
    }
    Err(ApiError::conflict(
        "account_busy",
        "The account kept changing; try the link again.",
    ))
}
