//! Secrets and tokens from the operating system's randomness (aws-lc-rs, the TLS stack's own
//! library): refresh tokens, invitations, share links, webhook secrets.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};

/// `N` random bytes. Panics only when the OS has no randomness to give, when nothing secure
/// can be done anyway.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    aws_lc_rs::rand::fill(&mut bytes).expect("the operating system's randomness");
    bytes
}

/// An opaque 256-bit token, base64url without padding (43 characters).
pub fn token() -> String {
    URL_SAFE_NO_PAD.encode(bytes::<32>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_43_url_safe_characters_and_differ() {
        let (a, b) = (super::token(), super::token());
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a, b);
    }
}
