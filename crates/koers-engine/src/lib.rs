//! The data plane of koers (being built; see issue 3).
