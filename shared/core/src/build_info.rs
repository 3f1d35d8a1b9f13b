//! Which build is running: reported by `/v1/health` so a deploy can be checked.

/// The crate version of this build.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit this build came from (`GIT_COMMIT` at build time, else `unknown`).
pub const COMMIT: &str = match option_env!("ROOMWRIGHT_COMMIT") {
    Some(commit) => commit,
    None => "unknown",
};
