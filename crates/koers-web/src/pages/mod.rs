//! The pages people use, server-rendered in Dutch (or English), one module per area.

pub mod analysis;
pub mod catalog;
pub mod dashboards;
pub mod learning;
pub mod maturity;
pub mod notifications;
pub mod products;
pub mod questions;
pub mod register;
pub mod sources;
