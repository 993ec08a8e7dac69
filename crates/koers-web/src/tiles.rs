//! The one way the API reads a tile's address and answers with a vector tile (a dataset's or
//! an analysis' points).

use crate::error::AppError;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Which columns hold a tile's points.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TileColumns {
    /// The longitude column (WGS 84); with `lat`. Without both, the one pair whose names
    /// say so (`lon`/`lat`, `origin_lon`/`origin_lat`, …).
    pub lon: Option<String>,
    /// The latitude column (WGS 84).
    pub lat: Option<String>,
}

/// `z`, `x` and `y` of a tile's path as whole numbers; what is not one is refused by name.
pub fn address((z, x, y): (&str, &str, &str)) -> Result<(u32, u32, u32), AppError> {
    let whole = |name: &str, v: &str| {
        v.parse::<u32>().map_err(|_| {
            AppError::from(koers_app::Error::Invalid(koers_core::Invalid::one(
                name,
                "type",
                &format!("{v:?} is geen geheel getal van 0 of meer"),
            )))
        })
    };
    Ok((whole("z", z)?, whole("x", x)?, whole("y", y)?))
}

/// A Mapbox Vector Tile, kept a minute by the browser that asked for it.
pub fn answer(tile: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/vnd.mapbox-vector-tile"),
            (header::CACHE_CONTROL, "private, max-age=60"),
        ],
        tile,
    )
        .into_response()
}
