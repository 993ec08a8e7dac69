//! Guests over HTTP: inviting someone from outside to a data question and withdrawing the
//! invitation (members), the invitation's link (anyone who holds it), and what is shared with
//! a guest (`/gast`, `/api/v1/shared`), on top of [`koers_app::guests`], which checks every
//! step against the guest's own invitation.

pub mod api;
pub mod pages;
