//! The pages people use, server-rendered in Dutch (or English), one module per area.

pub mod account;
pub mod admin;
pub mod analysis;
pub mod catalog;
pub mod dashboards;
pub mod home;
pub mod notifications;
pub mod oidc;
pub mod organisation;
pub mod products;
pub mod questions;
pub mod register;
pub mod session;
pub mod sources;
