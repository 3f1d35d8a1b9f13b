//! Whether an access token's session and user are still live: logout, a password change,
//! disabling, erasure and role changes take effect within [`LIVE_TTL`] instead of at the
//! token's expiry. One BatchGetItem (session + profile) per session per sandbox per TTL.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use serde::Deserialize;

use super::Role;
use crate::{
    dynamo::{Table, attr, decode},
    users::{PROFILE_SK, user_pk},
};

/// How long one sandbox trusts what it read of a session.
pub const LIVE_TTL: Duration = Duration::from_secs(5);
/// Entries kept at most; the map is cleared past it (a sandbox serves few users at once).
const MAX_ENTRIES: usize = 10_000;

/// A session's key items (the auth function owns them; the formats are shared here).
pub fn session_key(user_id: &str, session_id: &str) -> (String, String) {
    (user_pk(user_id), format!("SESSION#{session_id}"))
}

/// What a token may act as now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Liveness {
    /// The session is open and the user active: act with the user's current role and email.
    Live { role: Role, email: String },
    /// Logged out, revoked, or the account disabled, erased or gone.
    Ended,
}

#[derive(Deserialize)]
struct SessionItem {
    #[serde(default)]
    revoked_at: Option<String>,
}

#[derive(Deserialize)]
struct ProfileItem {
    role: Role,
    email: String,
    status: String,
}

/// Reads sessions through a short cache.
#[derive(Default)]
pub struct LiveSessions {
    cache: Mutex<HashMap<(String, String), (Instant, Liveness)>>,
}

impl LiveSessions {
    pub fn new() -> Self {
        Self::default()
    }

    /// Drops what this sandbox knows of a user's sessions (after the auth function changed them).
    pub fn forget(&self, user_id: &str) {
        self.cache
            .lock()
            .expect("not poisoned")
            .retain(|(user, _), _| user != user_id);
    }

    /// The session's state, from the cache when read less than [`LIVE_TTL`] ago.
    pub async fn check(
        &self,
        table: &Table,
        user_id: &str,
        session_id: &str,
    ) -> Result<Liveness, crate::ApiError> {
        let key = (user_id.to_string(), session_id.to_string());
        if let Some((at, state)) = self.cache.lock().expect("not poisoned").get(&key)
            && at.elapsed() < LIVE_TTL
        {
            return Ok(state.clone());
        }
        let state = read(table, user_id, session_id).await?;
        self.remember(user_id, session_id, state.clone());
        Ok(state)
    }

    /// Keeps what was read of a session for [`LIVE_TTL`] (the check's own path; benchmarks
    /// prime the cache with it).
    pub fn remember(&self, user_id: &str, session_id: &str, state: Liveness) {
        let mut cache = self.cache.lock().expect("not poisoned");
        if cache.len() >= MAX_ENTRIES {
            cache.clear();
        }
        cache.insert(
            (user_id.to_string(), session_id.to_string()),
            (Instant::now(), state),
        );
    }
}

async fn read(table: &Table, user_id: &str, session_id: &str) -> Result<Liveness, crate::ApiError> {
    let session = session_key(user_id, session_id);
    let profile = (user_pk(user_id), PROFILE_SK.to_string());
    let items = table
        .batch_get(vec![session.clone(), profile.clone()])
        .await?;
    let (mut open, mut user) = (false, None);
    for item in items {
        let sk = item
            .get(attr::SK)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default();
        if sk == session.1 {
            open = decode::<SessionItem>(item)
                .map(|s| s.value.revoked_at.is_none())
                .unwrap_or(false);
        } else if sk == profile.1 {
            user = decode::<ProfileItem>(item).ok().map(|p| p.value);
        }
    }
    Ok(match user {
        Some(p) if open && p.status == "active" => Liveness::Live {
            role: p.role,
            email: p.email,
        },
        _ => Liveness::Ended,
    })
}
