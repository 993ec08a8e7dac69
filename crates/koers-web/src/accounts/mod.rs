//! Accounts over HTTP: the sign-in page and signing out, the language switch, switching
//! organisation, the account page (password, personal API tokens), signing in through
//! OpenID Connect providers ([`oidc`] talks to them; [`oidc_pages`] are its pages), and
//! `/api/v1/sessions`, `/tokens` and `/auth-providers`. The rules are the use cases'
//! ([`koers_app::accounts`]); cookies, CSRF and redirects are this module's part.

pub mod api;
pub mod oidc;
pub mod oidc_pages;
pub mod pages;
