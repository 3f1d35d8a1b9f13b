//! Shared by the projects tests: the projects routes over a fresh stack (the test kit's
//! [`App`]), users signed in, catalog products stored as the catalog stores them.

#![allow(dead_code)]

#[allow(unused_imports)]
pub use roomwright_testkit::{
    App, PASSWORD, Reply,
    fixtures::{product, with_breaks},
};

pub async fn app() -> App {
    App::new(roomwright_projects_api::routes()).await
}
