//! The `auth` function: accounts, tokens, roles, admin user management and the audit log.
//!
//! Access tokens are RS256 JWTs (15 minutes) verified by every function through
//! `roomwright_core::auth`; refresh tokens are opaque, stored hashed, rotated on every use.

//! The account domain (users, passwords, sessions, signing keys, throttling, audit) is
//! `roomwright-accounts` in `shared/accounts`; this crate is the routes.

mod routes;

use std::sync::{Arc, OnceLock};

use axum::{Extension, Router};
use roomwright_core::{AppState, auth::Role, http::finish};
use utoipa_axum::router::OpenApiRouter;

pub use roomwright_accounts::keys::{KeySet, KeySource, Signer};

/// What the auth routes need beyond [`AppState`].
#[derive(Clone)]
pub struct AuthContext {
    pub signer: Arc<Signer>,
    /// Role of users who sign up without an invitation.
    pub signup_role: Role,
    /// Verification, reset and invitation emails (`EMAIL_FROM`), made on first use.
    mailer: Arc<OnceLock<Arc<roomwright_notify::Mailer>>>,
}

impl AuthContext {
    /// Keys from `JWT_KEYS_SECRET_ID` or the local data directory; the self-signup role from
    /// `SIGNUP_ROLE` (default `designer`; `admin` is never granted by signup).
    pub fn from_env() -> Self {
        let signup_role = std::env::var("SIGNUP_ROLE")
            .ok()
            .and_then(|r| Role::parse(&r))
            .filter(|r| *r != Role::Admin)
            .unwrap_or(Role::Designer);
        Self::new(KeySource::from_env(), signup_role)
    }

    pub fn new(source: KeySource, signup_role: Role) -> Self {
        Self {
            signer: Arc::new(Signer::new(source)),
            signup_role,
            mailer: Arc::default(),
        }
    }

    /// The mailer, sharing the functions' SDK configuration.
    pub fn mailer(&self, state: &AppState) -> Arc<roomwright_notify::Mailer> {
        self.mailer
            .get_or_init(|| Arc::new(roomwright_notify::Mailer::from_env(state.aws.clone())))
            .clone()
    }
}

/// This function's documented routes.
pub fn routes(context: AuthContext) -> OpenApiRouter<AppState> {
    routes::all().layer(Extension(context))
}

/// The complete router this function serves in Lambda.
pub fn app(state: AppState, context: AuthContext) -> Router {
    // Lambda serves the routes, not their description (health serves the committed document).
    let (router, _) = roomwright_core::routing::undocumented(|| routes(context)).split_for_parts();
    finish(router.with_state(state))
}
