//! Analyses over HTTP: the SQL editor pages with the schema browser, result tables, maps
//! and exports, and the API's `/queries` and `/analyses`. Who may run, save and delete what
//! is decided by the use cases in [`koers_app::analysis`].

pub mod api;
pub mod builder;
pub mod pages;
pub mod views;
