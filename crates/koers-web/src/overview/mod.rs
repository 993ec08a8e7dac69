//! The overview over HTTP: the start page (`/`) and the API (`/tasks`) on top of
//! [`koers_app::overview`]: what the signed-in member has to do now, most urgent first, with
//! their unread notifications beside it.

pub mod api;
pub mod pages;
pub mod views;
