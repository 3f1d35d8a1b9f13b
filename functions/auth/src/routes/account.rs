//! Signup, login, refresh and logout.

use axum::{Extension, Json, extract::State, http::StatusCode};
use roomwright_core::{
    ApiError, AppState, auth::ClientInfo, http::ApiJson, problem::FieldErrors, time,
};
use roomwright_notify::{Links, Mail};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{check_email, check_text, normalize_email};
use crate::AuthContext;
use roomwright_accounts::{
    audit, invites,
    onetime::{self, Purpose},
    passwords, sessions,
    sessions::Rotation,
    throttle,
    tokens::{self, TokenResponse},
    users::{self, Status, User},
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    pub email: String,
    /// At least 12 characters, not among the 10,000 most common passwords.
    pub password: String,
    pub name: String,
    #[serde(default)]
    pub company: String,
    /// From an admin's invitation: grants the invited role to the invited email.
    #[serde(default)]
    pub invite_token: Option<String>,
}

/// What signup answers, whether or not the address had an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignupAccepted {
    /// `check_your_email`.
    pub status: &'static str,
    pub message: &'static str,
}

/// Creates an account and emails a link to confirm the address. The answer is the same
/// whether or not the address has an account (its owner is emailed instead), so signup does
/// not tell which addresses exist; sign in afterwards with `POST /v1/auth/login`.
#[utoipa::path(
    post, path = "/v1/auth/signup", tag = "auth", request_body = SignupRequest,
    responses(
        (status = 202, body = SignupAccepted, description = "The same for a new and a taken address"),
        (status = 422, description = "`validation_failed` with field errors (`invalid_invite` for a bad invitation)"),
    )
)]
pub async fn signup(
    State(state): State<AppState>,
    Extension(context): Extension<AuthContext>,
    client: ClientInfo,
    ApiJson(request): ApiJson<SignupRequest>,
) -> Result<(StatusCode, Json<SignupAccepted>), ApiError> {
    let email = normalize_email(&request.email);
    let mut errors = FieldErrors::new();
    check_email(&mut errors, "email", &email);
    check_text(&mut errors, "name", &request.name, true, 100);
    check_text(&mut errors, "company", &request.company, false, 100);
    passwords::check_policy(&mut errors, "password", &request.password, &email);
    errors.finish()?;

    let table = state.table();
    let (role, invited) = match &request.invite_token {
        None => (context.signup_role, false),
        Some(token) => match invites::redeem(&table, token, &email).await? {
            Some(invite) => (invite.role, true),
            None => {
                return Err(ApiError::validation(vec![
                    roomwright_core::FieldError::new(
                        "invite_token",
                        "invalid_invite",
                        "The invitation is unknown, used, expired, or for another email.",
                    ),
                ]));
            }
        },
    };
    let now = time::rfc3339(time::now());
    // Hashed on both paths, so a taken address answers no sooner than a new one.
    let user = User {
        id: users::new_id(),
        email: email.clone(),
        name: request.name.trim().to_string(),
        company: request.company.trim().to_string(),
        role,
        status: Status::Active,
        password_hash: passwords::hash(request.password).await?,
        // The invitation was sent to this address: using it proves the address.
        email_verified: invited,
        created_at: now.clone(),
        updated_at: now,
    };
    let created = users::create(&table, &user).await?;
    audit::record(
        &table,
        audit::Event {
            action: if created {
                "signup"
            } else {
                "signup_existing_email"
            },
            actor: if created { &user.id } else { "anonymous" },
            target: (!created).then_some(email.as_str()),
            client: &client,
            details: json!({"role": role, "invited": invited}),
        },
    )
    .await?;
    let links = Links::of(&state);
    let letter = if !created {
        Some(
            Mail::AccountExists {
                reset_link: &links.account("forgot", ""),
            }
            .to(&email),
        )
    } else if !invited {
        let token = onetime::issue(&table, Purpose::VerifyEmail, &user.id, &email).await?;
        Some(
            Mail::VerifyEmail {
                name: &user.name,
                link: &links.account("verify", &token),
            }
            .to(&email),
        )
    } else {
        None
    };
    if let Some(letter) = letter {
        // A failure to email is logged, not answered: the answer must not differ.
        if let Err(e) = super::email::send(&state, &context, &letter, &user.id).await {
            tracing::error!(error = %e, "signup email not sent");
        }
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(SignupAccepted {
            status: "check_your_email",
            message: "If this address can be used, an email is on its way to it. Follow its \
                      link to confirm the address, then sign in.",
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Signs in with email and password.
#[utoipa::path(
    post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "`invalid_credentials`: the same for an unknown email and a wrong password"),
        (status = 403, description = "`account_disabled`"),
        (status = 429, description = "`too_many_attempts`, with Retry-After"),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    Extension(context): Extension<AuthContext>,
    client: ClientInfo,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let email = normalize_email(&request.email);
    // Bounded before any key is made of them or any hashing is done.
    let mut errors = FieldErrors::new();
    if email.is_empty() || email.len() > 254 {
        errors.add("email", "invalid_email", "Enter a valid email address.");
    }
    if request.password.len() > passwords::MAX_PASSWORD_BYTES {
        errors.add(
            "password",
            "too_long",
            format!(
                "Passwords are at most {} bytes.",
                passwords::MAX_PASSWORD_BYTES
            ),
        );
    }
    errors.finish()?;
    let table = state.table();
    // The attempt is reserved before any Argon2 work, so a parallel burst cannot outrun it.
    let reservation =
        match throttle::reserve(&table, throttle::login_subjects(&email, &client.source_ip)).await?
        {
            Ok(reservation) => reservation,
            Err(wait) => {
                audit::record(
                    &table,
                    audit::Event {
                        action: "login_throttled",
                        actor: "anonymous",
                        target: Some(&email),
                        client: &client,
                        details: json!({"retry_after_s": wait}),
                    },
                )
                .await?;
                return Err(throttle::too_many(wait));
            }
        };
    let found = users::find_by_email(&table, &email).await?;
    let stored = found
        .as_ref()
        .filter(|u| u.value.status != Status::Erased)
        .map(|u| u.value.password_hash.clone());
    let verdict = passwords::verify(request.password.clone(), stored).await?;
    let (Some(found), passwords::Verdict::Right { needs_rehash }) = (found, verdict) else {
        audit::record(
            &table,
            audit::Event {
                action: "login_failed",
                actor: "anonymous",
                target: Some(&email),
                client: &client,
                details: json!({}),
            },
        )
        .await?;
        return Err(ApiError::unauthorized(
            "invalid_credentials",
            "The email or password is wrong.",
        ));
    };
    let mut user = found.value;
    if user.status == Status::Disabled {
        audit::record(
            &table,
            audit::Event {
                action: "login_failed",
                actor: &user.id,
                target: None,
                client: &client,
                details: json!({"reason": "disabled"}),
            },
        )
        .await?;
        return Err(ApiError::forbidden(
            "account_disabled",
            "This account is disabled; ask an administrator.",
        ));
    }
    if needs_rehash {
        // Raise an old hash to the current parameters; losing a race here only defers it.
        user.password_hash = passwords::hash(request.password).await?;
        let _ = users::save(&table, &user, found.version).await;
    }
    reservation.succeeded(&table).await?;
    let (session, refresh) = sessions::start(&table, &user.id, &client).await?;
    audit::record(
        &table,
        audit::Event {
            action: "login_succeeded",
            actor: &user.id,
            target: None,
            client: &client,
            details: json!({"session": session.id}),
        },
    )
    .await?;
    Ok(Json(
        tokens::respond(&state, &context.signer, &user, &session.id, refresh).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Exchanges a refresh token for a new token pair; the old refresh token stops working.
#[utoipa::path(
    post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "`invalid_refresh_token`, `refresh_token_reused` (the session is revoked), `session_revoked` or `account_disabled`"),
    )
)]
pub async fn refresh(
    State(state): State<AppState>,
    Extension(context): Extension<AuthContext>,
    client: ClientInfo,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let table = state.table();
    let (user_id, session_id) = match sessions::rotate(&table, &request.refresh_token).await? {
        Rotation::Rotated {
            user_id,
            session_id,
        } => (user_id, session_id),
        Rotation::Invalid => {
            return Err(ApiError::unauthorized(
                "invalid_refresh_token",
                "The refresh token is unknown or expired.",
            ));
        }
        Rotation::Revoked { .. } => {
            return Err(ApiError::unauthorized(
                "session_revoked",
                "This session has ended; sign in again.",
            ));
        }
        Rotation::Reused {
            user_id,
            session_id,
        } => {
            audit::record(
                &table,
                audit::Event {
                    action: "token_reuse_detected",
                    actor: &user_id,
                    target: None,
                    client: &client,
                    details: json!({"session": session_id}),
                },
            )
            .await?;
            return Err(ApiError::unauthorized(
                "refresh_token_reused",
                "This refresh token was used before; the session has been ended. Sign in again.",
            ));
        }
    };
    let user = users::get(&table, &user_id).await?.map(|u| u.value);
    let Some(user) = user.filter(|u| u.status == Status::Active) else {
        sessions::revoke(&table, &user_id, &session_id).await?;
        return Err(ApiError::unauthorized(
            "account_disabled",
            "This account is disabled.",
        ));
    };
    let next = sessions::issue(&table, &user.id, &session_id).await?;
    Ok(Json(
        tokens::respond(&state, &context.signer, &user, &session_id, next).await?,
    ))
}

/// Ends the session of a refresh token (all its tokens). Unknown tokens are accepted too, so
/// a retried logout succeeds.
#[utoipa::path(
    post, path = "/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "The session is ended"))
)]
pub async fn logout(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    let table = state.table();
    if let Some((user_id, session_id)) =
        sessions::session_of(&table, &request.refresh_token).await?
    {
        sessions::revoke(&table, &user_id, &session_id).await?;
        state.sessions.forget(&user_id);
        audit::record(
            &table,
            audit::Event {
                action: "logout",
                actor: &user_id,
                target: None,
                client: &client,
                details: json!({"session": session_id}),
            },
        )
        .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
