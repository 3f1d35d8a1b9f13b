//! The chat's side of the usage ledger (`roomwright_core::usage`): what a model call costs by
//! the price table, and the budget check before every model call.

pub use roomwright_core::usage::{Entry, Scope, Totals, month_of, record, totals};
use roomwright_core::{ApiError, dynamo::Table};
use time::OffsetDateTime;

use crate::settings::{ChatSettings, Price};

pub fn cost(price: &Price, input_tokens: u64, output_tokens: u64, images: u64) -> i64 {
    // Rounded up per call: the ledger never under-reports spend.
    ((input_tokens * price.input_per_1k + output_tokens * price.output_per_1k).div_ceil(1000)
        + images * price.per_image) as i64
}

/// Refuses a new model call once the organisation or the project has spent its monthly budget.
pub async fn check_budget(
    table: &Table,
    settings: &ChatSettings,
    project_id: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    settings.budgets.check(table, project_id, 0, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_rounds_up_per_call() {
        let price = Price {
            input_per_1k: 800,
            output_per_1k: 4_000,
            per_image: 40_000,
        };
        assert_eq!(cost(&price, 1000, 0, 0), 800);
        assert_eq!(cost(&price, 1, 1, 0), 5, "4.8 micro-USD rounds up");
        assert_eq!(cost(&price, 0, 0, 2), 80_000);
    }
}
