//! Leertrajecten (learning tracks) over HTTP: the pages under `/leertrajecten` and the API
//! under `/learning`. What may be done, and by whom, is decided by the use cases in
//! [`koers_app::learning`]; this module only reads requests and draws answers.

pub mod api;
pub mod pages;
pub mod views;
