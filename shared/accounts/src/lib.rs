//! The account domain, shared by the auth function, its operator commands and the test kit:
//! users, passwords (Argon2), sessions with rotating refresh tokens, the RS256 signing keys,
//! password-guessing throttles, invitations and the audit log.
//!
//! Access tokens are RS256 JWTs (15 minutes) verified by every function through
//! `roomwright_core::auth`; refresh tokens are opaque, stored hashed, rotated on every use.

pub mod audit;
pub mod invites;
pub mod keys;
pub mod onetime;
pub mod passwords;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;
