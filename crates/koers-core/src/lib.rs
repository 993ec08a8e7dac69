//! Domain types and rules of koers.
//!
//! This crate knows nothing of HTTP, SQL or files. It holds the vocabulary of the product
//! (organisations, users, roles) and the rules that decide what is valid and who may do what,
//! so that the web layer, the command line and the store all apply the same rules.

pub mod access;
pub mod analysis;
pub mod attachments;
pub mod audit;
pub mod catalog;
pub mod csv;
pub mod dashboards;
pub mod dates;
pub mod error;
pub mod guests;
pub mod indicators;
pub mod json;
pub mod learning;
pub mod maturity;
pub mod oidc;
pub mod organisation;
pub mod paging;
pub mod questions;
pub mod regions;
pub mod register;
pub mod secret;
pub mod snapshot;
pub mod tasks;
pub mod tokens;
pub mod user;

pub use access::{Permission, Role};
pub use error::{FieldError, Invalid};
pub use organisation::{CbsCode, OrgKind, OrganisationDraft, TooiCode, table_prefix};
pub use user::{Email, NewPassword, UserDraft};
