//! Opaque cursors and page sizes for list endpoints.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::attr;
use crate::problem::{ApiError, FieldError};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// The `limit` and `cursor` query parameters of every list endpoint.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A checked page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub cursor: Option<Cursor>,
}

impl PageParams {
    pub fn parse(self) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::validation(vec![FieldError::new(
                "limit",
                "out_of_range",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            )]));
        }
        let cursor = self.cursor.as_deref().map(Cursor::decode).transpose()?;
        Ok(PageRequest { limit, cursor })
    }
}

/// Where a query stopped: DynamoDB's `LastEvaluatedKey`, encoded so callers treat it as opaque.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor(HashMap<String, String>);

impl Cursor {
    pub fn from_last_evaluated_key(key: &HashMap<String, AttributeValue>) -> Option<Self> {
        let pairs: Option<HashMap<_, _>> = key
            .iter()
            .map(|(k, v)| v.as_s().ok().map(|s| (k.clone(), s.clone())))
            .collect();
        pairs.filter(|p| !p.is_empty()).map(Cursor)
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&self.0).unwrap_or_default())
    }

    /// Refuses anything that is not a cursor this service could have produced.
    pub fn decode(text: &str) -> Result<Self, ApiError> {
        let invalid = || {
            ApiError::validation(vec![FieldError::new(
                "cursor",
                "invalid_cursor",
                "cursor is not one this API returned; start again without it",
            )])
        };
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
        let pairs: HashMap<String, String> =
            serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        let known = pairs.keys().all(|k| attr::KEYS.contains(&k.as_str()));
        if pairs.is_empty() || !known || !pairs.contains_key(attr::PK) {
            return Err(invalid());
        }
        Ok(Cursor(pairs))
    }

    /// The value of one key attribute, to check a cursor belongs to the query it is used with.
    pub fn get(&self, attribute: &str) -> Option<&str> {
        self.0.get(attribute).map(String::as_str)
    }

    pub fn to_exclusive_start_key(&self) -> HashMap<String, AttributeValue> {
        self.0
            .iter()
            .map(|(k, v)| (k.clone(), AttributeValue::S(v.clone())))
            .collect()
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_tampering() {
        let key = HashMap::from([
            ("pk".to_string(), AttributeValue::S("PROJECT#1".into())),
            ("sk".to_string(), AttributeValue::S("META".into())),
        ]);
        let cursor = Cursor::from_last_evaluated_key(&key).unwrap();
        let decoded = Cursor::decode(&cursor.encode()).unwrap();
        assert_eq!(decoded.to_exclusive_start_key(), key);

        for bad in [
            "not base64!",
            "e30",
            &URL_SAFE_NO_PAD.encode(r#"{"password":"x"}"#),
        ] {
            let err = Cursor::decode(bad).unwrap_err();
            assert_eq!(err.errors[0].code, "invalid_cursor", "{bad}");
        }
    }

    #[test]
    fn limit_defaults_and_is_bounded() {
        assert_eq!(PageParams::default().parse().unwrap().limit, DEFAULT_LIMIT);
        for limit in [0, MAX_LIMIT + 1] {
            let params = PageParams {
                limit: Some(limit),
                cursor: None,
            };
            assert_eq!(params.parse().unwrap_err().errors[0].path, "limit");
        }
        let params = PageParams {
            limit: Some(MAX_LIMIT),
            cursor: None,
        };
        assert_eq!(params.parse().unwrap().limit, MAX_LIMIT);
    }
}
