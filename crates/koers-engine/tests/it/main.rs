//! Integration tests of koers-engine: one binary, one module per area.

mod bench;
mod cache;
mod eager;
mod export;
mod gis;
mod helpers;
mod hostile;
mod import;
mod params;
mod query;
mod spatial;
mod tiles_postgis;
