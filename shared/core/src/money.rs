//! Money as integer minor units with an ISO 4217 currency; never floats.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Money {
    /// Minor units (cents): 12345 EUR is 123.45 EUR.
    pub amount_minor: i64,
    /// ISO 4217 code, upper case.
    pub currency: String,
}

impl Money {
    pub fn new(amount_minor: i64, currency: impl Into<String>) -> Self {
        Self {
            amount_minor,
            currency: currency.into(),
        }
    }
}

/// `amount * basis_points / 10000`, rounded half away from zero: the one rounding rule for
/// percentages of money (discounts, freight, tax).
pub fn percent_of(amount_minor: i64, basis_points: i64) -> i64 {
    let product = amount_minor as i128 * basis_points as i128;
    let rounded = if product >= 0 {
        (product + 5_000) / 10_000
    } else {
        (product - 5_000) / 10_000
    };
    rounded as i64
}

/// `true` for a three-letter upper-case currency code.
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_half_away_from_zero() {
        assert_eq!(percent_of(10_000, 825), 825); // 8.25% of 100.00
        assert_eq!(percent_of(1_999, 500), 100); // 99.95 -> 100
        assert_eq!(percent_of(1_990, 500), 100); // 99.50 -> 100 (half up)
        assert_eq!(percent_of(1_989, 500), 99);
        assert_eq!(percent_of(-1_990, 500), -100);
        assert_eq!(
            percent_of(i64::MAX / 2, 10_000),
            i64::MAX / 2,
            "no overflow"
        );
        assert!(is_currency_code("EUR") && !is_currency_code("eur") && !is_currency_code("EURO"));
    }
}
