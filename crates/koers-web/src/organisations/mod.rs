//! Organisations over HTTP: the organisation page (members, roles, the audit log), the
//! deployment administrator's list of organisations, and `/api/v1/organisations`. The
//! rules are the use cases' ([`koers_app::organisations`]); this module only reads
//! requests and renders answers.

pub mod api;
pub mod pages;
pub mod views;
