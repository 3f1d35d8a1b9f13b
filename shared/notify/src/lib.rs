//! Reaching people: email through Amazon SES (templates, per-user preferences, a suppression
//! list fed by bounces and complaints, every message metered), the in-app inbox, and live
//! updates over WebSocket connections fed by the table's stream.

pub mod inbox;
pub mod live;
pub mod mail;
pub mod prefs;
pub mod suppression;
pub mod templates;

pub use live::{Change, Links, Live, Poster};
pub use mail::Mailer;
pub use templates::{Letter, Mail};
