//! Datasets read from a remote service over HTTP: the pages that choose a service and what
//! to read from it, a dataset's source and "Nu verversen" (drawn on the dataset's page of
//! [`crate::catalog`]), and the API's `/service-offers`, `/source-imports` and
//! `/datasets/{id}/source`. Who may do what is decided by [`koers_app::sources`].

pub mod api;
pub mod pages;
