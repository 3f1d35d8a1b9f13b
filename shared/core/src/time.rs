//! Times as the platform stores and shows them: UTC, RFC 3339.

use time::{OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description};

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// RFC 3339 with a fixed six-digit fraction, so that lexical order is time order in sort keys.
pub fn sortable(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

pub fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// A calendar date such as `2026-12-01`.
pub fn is_date(text: &str) -> bool {
    time::Date::parse(text, format_description!("[year]-[month]-[day]")).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sortable_times_sort_like_the_times() {
        let a = parse_rfc3339("2026-11-22T09:00:00.5Z").unwrap();
        let b = parse_rfc3339("2026-11-22T10:00:00+01:00").unwrap() + time::Duration::seconds(1);
        assert_eq!(sortable(a), "2026-11-22T09:00:00.500000Z");
        assert_eq!(sortable(b), "2026-11-22T09:00:01.000000Z");
        assert!(sortable(a) < sortable(b));
    }
}
