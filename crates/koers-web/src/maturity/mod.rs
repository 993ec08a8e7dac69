//! Volwassenheid (the maturity monitor) over HTTP: the pages under `/volwassenheid`, the
//! public survey at `/enquete/{token}` and the API under `/maturity`. What may be done, and
//! by whom, is decided by the use cases in [`koers_app::maturity`]; this module only reads
//! requests and draws answers.

pub mod api;
pub mod pages;
pub mod trend;
pub mod views;
