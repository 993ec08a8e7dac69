//! Integration tests of the web application: each test starts koers on a random loopback
//! port with its own temporary store (zero2prod's pattern), and talks to it over HTTP.

mod analysis;
mod api;
mod api_fuzz;
mod architecture;
mod browser;
mod browser_dashboards;
mod browser_learning;
mod browser_maturity;
mod browser_oidc;
mod browser_overview;
mod browser_sources;
mod browser_tables;
mod browser_tokens;
mod catalog;
mod dashboards;
mod helpers;
mod input;
mod isolation;
mod learning;
mod limits;
mod maturity;
mod notifications;
mod ogc;
mod oidc;
mod overview;
mod pages;
mod postgres;
mod products;
mod questions;
mod register;
mod s3;
mod security;
mod session;
mod sources;
mod tokens;
