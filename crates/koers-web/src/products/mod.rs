//! Information products (M3) over HTTP: the pages ([`pages`]) and the JSON API ([`api`]) of
//! indicators, monitors and snapshots. What they do, and who may, lives in
//! [`koers_app::products`]; here the request is read and the answer drawn.

pub mod api;
pub mod pages;
