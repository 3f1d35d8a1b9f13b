//! Password policy and Argon2id hashing.
//!
//! Parameters follow OWASP's Password Storage Cheat Sheet (Argon2id, 19 MiB, 2 iterations, 1
//! lane) and are stored in each PHC string, so they can be raised later: a login with an older
//! hash re-hashes with the current parameters.

use std::{collections::HashSet, sync::LazyLock};

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::SaltString,
};
use roomwright_core::{ApiError, problem::FieldErrors};

pub const MIN_LENGTH: usize = 12;
/// Hashing cost does not grow with length, but parsing and logging should stay bounded.
pub const MAX_LENGTH: usize = 256;
/// What a password check accepts at most (256 characters of up to 4 bytes each).
pub const MAX_PASSWORD_BYTES: usize = 4 * MAX_LENGTH;

const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .filter(|l| !l.starts_with("# ") && !l.is_empty())
        .collect()
});

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks a new password against the policy, naming `field` in the errors.
pub fn check_policy(errors: &mut FieldErrors, field: &str, password: &str, email: &str) {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        errors.add(
            field,
            "too_short",
            format!("Use at least {MIN_LENGTH} characters."),
        );
    } else if length > MAX_LENGTH {
        errors.add(
            field,
            "too_long",
            format!("Use at most {MAX_LENGTH} characters."),
        );
    } else if COMMON.contains(password.to_lowercase().as_str()) {
        errors.add(
            field,
            "too_common",
            "This password is among the most common ones; choose another.",
        );
    } else if !email.is_empty() && password.eq_ignore_ascii_case(email) {
        errors.add(
            field,
            "same_as_email",
            "The password must not be your email address.",
        );
    }
}

/// Hashes on the blocking pool: Argon2id takes tens of milliseconds of CPU by design.
pub async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)?
}

/// The outcome of checking a password.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Wrong,
    Right { needs_rehash: bool },
}

/// Verifies against `stored`, or against a fixed dummy hash when there is no account, so an
/// unknown email costs the same time as a wrong password.
/// Argon2 verifications this process has made (the throttle's figures count them).
pub static VERIFICATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub async fn verify(password: String, stored: Option<String>) -> Result<Verdict, ApiError> {
    VERIFICATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed = PasswordHash::new(&stored).map_err(ApiError::internal)?;
        let right = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(match (known && right, current_params(&parsed)) {
            (false, _) => Verdict::Wrong,
            (true, current) => Verdict::Right {
                needs_rehash: !current,
            },
        })
    })
    .await
    .map_err(ApiError::internal)?
}

fn current_params(hash: &PasswordHash<'_>) -> bool {
    let Ok(params) = Params::try_from(hash) else {
        return false;
    };
    hash.algorithm.as_str() == "argon2id"
        && params.m_cost() >= MEMORY_KIB
        && params.t_cost() >= ITERATIONS
        && params.p_cost() >= LANES
}

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::encode_b64(b"roomwright-dummy").expect("valid salt");
    argon2()
        .hash_password(b"no account has this password", &salt)
        .expect("dummy hash")
        .to_string()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_names_the_rule_broken() {
        let code = |password: &str| {
            let mut errors = FieldErrors::new();
            check_policy(&mut errors, "password", password, "ann@example.com");
            errors.finish().err().map(|e| e.errors[0].code.clone())
        };
        assert_eq!(code("short").as_deref(), Some("too_short"));
        assert_eq!(code("QWERTY123456").as_deref(), Some("too_common"));
        assert_eq!(code("ANN@example.com").as_deref(), Some("same_as_email"));
        assert_eq!(code(&"x".repeat(300)).as_deref(), Some("too_long"));
        assert_eq!(code("correct horse battery staple"), None);
        assert_eq!(COMMON.len(), 10_000);
    }

    #[tokio::test]
    async fn hashes_verify_and_report_outdated_parameters() {
        let stored = hash("correct horse battery staple".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let ok = verify("correct horse battery staple".into(), Some(stored.clone()))
            .await
            .unwrap();
        assert_eq!(
            ok,
            Verdict::Right {
                needs_rehash: false
            }
        );
        let wrong = verify("wrong horse battery staple".into(), Some(stored))
            .await
            .unwrap();
        assert_eq!(wrong, Verdict::Wrong);
        // No account: the dummy hash is checked and the answer is always wrong.
        let none = verify("no account has this password".into(), None)
            .await
            .unwrap();
        assert_eq!(none, Verdict::Wrong);

        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 1, 1, None).unwrap(),
        )
        .hash_password(
            b"correct horse battery staple",
            &SaltString::encode_b64(b"salt-salt-salt").unwrap(),
        )
        .unwrap()
        .to_string();
        let old = verify("correct horse battery staple".into(), Some(weak))
            .await
            .unwrap();
        assert_eq!(old, Verdict::Right { needs_rehash: true });
    }
}
