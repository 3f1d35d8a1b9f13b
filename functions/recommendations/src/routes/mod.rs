pub mod admin;
pub mod events;
pub mod recommend;
