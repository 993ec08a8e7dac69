//! The pages people use, server-rendered in Dutch (or English), one module per area.

pub mod account;
pub mod admin;
pub mod home;
pub mod oidc;
pub mod organisation;
pub mod session;
