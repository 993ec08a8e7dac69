//! Meldingen over HTTP: the page (`/meldingen`) and the API (`/notifications`) on top of
//! [`koers_app::notifications`], and the sentence for each kind of notification in the
//! reader's language ([`views::text`]). Everyone reads only their own notifications.

pub mod api;
pub mod pages;
pub mod views;
