//! Toepassingen over HTTP: the pages (`/toepassingen`) and the API (`/applications`,
//! `/choice-framework`, `/board-agenda`, `/decision-history`) on top of
//! [`koers_app::register`], which holds the rules and who may do what.

pub mod api;
pub mod pages;
pub mod views;
