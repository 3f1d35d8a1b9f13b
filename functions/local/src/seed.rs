//! Demo data for `make dev`: written when the stack has none.

use roomwright_auth::users;
use roomwright_core::{ApiError, AppState, auth::Role};

pub const DEMO_ADMIN: &str = "admin@example.com";
pub const DEMO_DESIGNER: &str = "designer@example.com";

/// What was seeded, for the start-up banner.
pub struct Seeded {
    pub password: String,
    pub password_generated: bool,
    pub created: Vec<&'static str>,
}

/// Creates the demo admin and designer with `$DEMO_PASSWORD`, or a generated password.
pub async fn demo(state: &AppState) -> Result<Seeded, ApiError> {
    let (password, password_generated) = match std::env::var("DEMO_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (format!("rw-{}", uuid::Uuid::new_v4().simple()), true),
    };
    let table = state.table();
    let mut created = Vec::new();
    for (email, name, role) in [
        (DEMO_ADMIN, "Ada Admin", Role::Admin),
        (DEMO_DESIGNER, "Dana Designer", Role::Designer),
    ] {
        if users::provision(&table, email, name, role, &password)
            .await?
            .is_some()
        {
            created.push(email);
        }
    }
    Ok(Seeded {
        password,
        password_generated,
        created,
    })
}
