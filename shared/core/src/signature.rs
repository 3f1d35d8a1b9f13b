//! Webhook signatures, for the webhooks we receive (ERP) and send (job completion):
//! `X-Roomwright-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`
//! with `X-Roomwright-Timestamp: <unix seconds>`. Signing the timestamp with the body stops a
//! captured request from being replayed later; the comparison is constant-time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far a webhook's timestamp may be from our clock.
pub const TOLERANCE_SECONDS: i64 = 300;
pub const SIGNATURE_HEADER: &str = "x-roomwright-signature";
pub const TIMESTAMP_HEADER: &str = "x-roomwright-timestamp";

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    Malformed,
    /// Outside [`TOLERANCE_SECONDS`].
    Stale,
    Mismatch,
}

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value a sender puts on `body` at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = mac(secret, &timestamp.to_string(), body)
        .finalize()
        .into_bytes();
    format!("v1={}", hex::encode(tag))
}

/// Checks a webhook's signature and timestamp against `now` (unix seconds).
pub fn verify(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), Refusal> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(Refusal::Missing);
    };
    let at: i64 = timestamp.trim().parse().map_err(|_| Refusal::Malformed)?;
    if (now - at).abs() > TOLERANCE_SECONDS {
        return Err(Refusal::Stale);
    }
    // Several signatures may be sent while a secret is rotated; any valid one is enough.
    let mut any = false;
    for part in signature.split(',') {
        let Some(hex_tag) = part.trim().strip_prefix("v1=") else {
            continue;
        };
        let Ok(tag) = hex::decode(hex_tag) else {
            continue;
        };
        any = true;
        if mac(secret, timestamp.trim(), body)
            .verify_slice(&tag)
            .is_ok()
        {
            return Ok(());
        }
    }
    Err(if any {
        Refusal::Mismatch
    } else {
        Refusal::Malformed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Digests computed outside this code (Python's `hmac` with SHA-256 over
    /// `"<timestamp>.<body>"`), so signing and verifying are checked against the format
    /// itself, not against each other.
    const KNOWN: [(&str, i64, &[u8], &str); 2] = [
        (
            "whsec-test-1234567890",
            1_767_225_600,
            br#"{"type":"stock.changed","sku":"A-1"}"#,
            "83f5b7561086a5a5397c85734abb4ac5532edf1b856acf469ff3bca4a7f48828",
        ),
        (
            "k",
            0,
            b"",
            "6b4a4b8b3c40f1e8f53a3d36682e5f99f7ad2ac1df1c93dfe336f329167641e7",
        ),
    ];

    #[test]
    fn signs_and_verifies_known_answers() {
        for (secret, at, body, digest) in KNOWN {
            assert_eq!(sign(secret, at, body), format!("v1={digest}"));
            let header = format!("v1={digest}");
            assert_eq!(
                verify(secret, Some(&at.to_string()), Some(&header), body, at + 10),
                Ok(())
            );
            // One bit of the digest off is refused.
            let mut flipped = digest.to_string();
            flipped.replace_range(0..1, if &digest[..1] == "0" { "1" } else { "0" });
            assert_eq!(
                verify(
                    secret,
                    Some(&at.to_string()),
                    Some(&format!("v1={flipped}")),
                    body,
                    at
                ),
                Err(Refusal::Mismatch)
            );
        }
    }

    #[test]
    fn accepts_its_own_signature_and_refuses_tampering_and_replays() {
        let body = br#"{"id":"evt_1"}"#;
        let header = sign("s3cret", 1_000, body);
        assert_eq!(
            verify("s3cret", Some("1000"), Some(&header), body, 1_100),
            Ok(())
        );
        assert_eq!(
            verify(
                "s3cret",
                Some("1000"),
                Some(&header),
                b"{\"id\":\"evt_2\"}",
                1_100
            ),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify("other", Some("1000"), Some(&header), body, 1_100),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify("s3cret", Some("1000"), Some(&header), body, 1_301),
            Err(Refusal::Stale)
        );
        assert_eq!(
            verify("s3cret", Some("1000"), Some(&header), body, 699),
            Err(Refusal::Stale)
        );
        // The timestamp is signed: moving it forward to pass the window breaks the signature.
        assert_eq!(
            verify("s3cret", Some("1200"), Some(&header), body, 1_300),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify("s3cret", None, Some(&header), body, 1_000),
            Err(Refusal::Missing)
        );
        assert_eq!(
            verify("s3cret", Some("x"), Some(&header), body, 1_000),
            Err(Refusal::Malformed)
        );
        let rotated = format!("v1=00ff, {header}");
        assert_eq!(
            verify("s3cret", Some("1000"), Some(&rotated), body, 1_000),
            Ok(())
        );
    }
}
