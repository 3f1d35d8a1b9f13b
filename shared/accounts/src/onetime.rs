//! Single-use tokens sent by email: verifying an address (24 hours) and resetting a password
//! (one hour). Only the token's SHA-256 is stored; using it deletes it, so it works once.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | verification | `ONETIME#<sha-256 of the token>` | `VERIFY` |
//! | password reset | `ONETIME#<sha-256 of the token>` | `RESET` |

use aws_lc_rs::digest;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use roomwright_core::{
    ApiError,
    dynamo::{Keys, Table, is_condition_failure, service_error},
    time,
};
use serde::{Deserialize, Serialize};

/// What a token is for, and how long it works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn sk(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "VERIFY",
            Purpose::ResetPassword => "RESET",
        }
    }

    pub fn ttl(self) -> ::time::Duration {
        match self {
            Purpose::VerifyEmail => ::time::Duration::hours(24),
            Purpose::ResetPassword => ::time::Duration::hours(1),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTime {
    pub user_id: String,
    /// The address it was sent to: a token for an address the account no longer has is void.
    pub email: String,
    pub expires_at_text: String,
}

impl OneTime {
    /// Not expired (TTL deletes expired items only some time after).
    fn is_live(&self) -> bool {
        time::parse_rfc3339(&self.expires_at_text).is_some_and(|t| t > time::now())
    }
}

/// Tokens are random and at most this long; anything longer makes no key.
const MAX_TOKEN: usize = 256;

fn pk(token: &str) -> String {
    let digest = digest::digest(&digest::SHA256, token.as_bytes());
    format!("ONETIME#{}", hex::encode(digest.as_ref()))
}

/// Stores a new token for `purpose`; returns it (it goes in the email, nowhere else).
pub async fn issue(
    table: &Table,
    purpose: Purpose,
    user_id: &str,
    email: &str,
) -> Result<String, ApiError> {
    let token = roomwright_core::random::token();
    let expires = time::now() + purpose.ttl();
    let value = OneTime {
        user_id: user_id.to_string(),
        email: email.to_string(),
        expires_at_text: time::rfc3339(expires),
    };
    table
        .create(
            &Keys::new(pk(&token), purpose.sk()).expires_at(expires.unix_timestamp()),
            &value,
        )
        .await?;
    Ok(token)
}

/// Reads a token without using it: `None` when it is unknown, used or expired.
pub async fn peek(
    table: &Table,
    purpose: Purpose,
    token: &str,
) -> Result<Option<OneTime>, ApiError> {
    if token.is_empty() || token.len() > MAX_TOKEN {
        return Ok(None);
    }
    let found = table.get::<OneTime>(&pk(token), purpose.sk()).await?;
    Ok(found
        .map(|v| v.value)
        .filter(|v| time::parse_rfc3339(&v.expires_at_text).is_some_and(|t| t > time::now())))
}

/// Uses a token: `None` when it is unknown, used or expired. Bounded before any key is made.
pub async fn redeem(
    table: &Table,
    purpose: Purpose,
    token: &str,
) -> Result<Option<OneTime>, ApiError> {
    if token.is_empty() || token.len() > MAX_TOKEN {
        return Ok(None);
    }
    let result = table
        .client()
        .await
        .delete_item()
        .table_name(table.name())
        .key("pk", AttributeValue::S(pk(token)))
        .key("sk", AttributeValue::S(purpose.sk().into()))
        .condition_expression("attribute_exists(pk)")
        .return_values(ReturnValue::AllOld)
        .send()
        .await;
    let old = match result {
        Ok(output) => output.attributes.unwrap_or_default(),
        Err(e) if is_condition_failure(&e) => return Ok(None),
        Err(e) => return Err(service_error(e).into()),
    };
    let value: OneTime = roomwright_core::dynamo::decode(old)?.value;
    Ok(Some(value).filter(OneTime::is_live))
}
