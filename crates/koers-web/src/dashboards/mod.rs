//! Dashboards (M3) over HTTP: the pages ([`pages`]: the dashboard with its filters, the
//! editor, the history, the public page and embed), the JSON API ([`api`]), drawing the
//! widgets ([`render`]) and the exports to CSV, PNG and PDF ([`export`]). What they do, and
//! who may, lives in [`koers_app::dashboards`]; here the request is read and the answer
//! drawn.

pub mod api;
pub mod export;
pub mod pages;
pub mod render;
