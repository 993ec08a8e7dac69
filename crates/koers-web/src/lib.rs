//! The web application and JSON API of koers.
//!
//! One axum application serves the Dutch (and English) pages, the JSON API under `/api/v1`
//! with its OpenAPI document, and the operational endpoints `/health` and `/metrics`. Pages
//! and API share the same rules: every route resolves the session once, checks CSRF on
//! unsafe methods, and asks [`auth::Ctx`] for the permission it needs; objects of another
//! organisation are reported as not found.

/// A module's router as a table, one route a line: `"/path" => get(list).post(create),`.
macro_rules! routes {
    ($($path:literal => $methods:expr),* $(,)?) => {
        axum::Router::new()$(.route($path, $methods))*
    };
}

pub mod accounts;
pub mod analysis;
pub mod api;
pub mod app;
pub mod assets;
pub mod auth;
pub mod catalog;
pub mod client;
pub mod config;
pub mod cookies;
pub mod dashboards;
pub mod download;
pub mod error;
pub mod error_page;
pub mod guests;
pub mod health;
pub mod i18n;
pub mod input;
pub mod learning;
pub mod markdown;
pub mod maturity;
pub mod metrics;
pub mod notice;
pub mod notifications;
pub mod ogc;
pub mod organisations;
pub mod overview;
pub mod products;
pub mod questions;
pub mod register;
pub mod schedules;
pub mod schema;
pub mod security;
pub mod shell;
pub mod snapshots;
pub mod sources;
pub mod state;
pub mod templates;
pub mod tiles;
pub mod upload;

pub use app::{build_app, serve};
pub use config::WebConfig;
pub use state::AppState;
