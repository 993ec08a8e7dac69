//! The one way a page or an API operation answers with a file to save.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The media type of the CSV files koers writes.
pub const CSV: &str = "text/csv; charset=utf-8";

/// `body` as a file to save: its media type and the name a browser saves it under.
pub fn download(content_type: &str, file_name: &str, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// [`download`] that caches may not keep as they like: `Cache-Control: <cache_control>`.
pub fn uncached_download(
    content_type: &str,
    file_name: &str,
    cache_control: &'static str,
    body: impl IntoResponse,
) -> Response {
    let mut response = download(content_type, file_name, body);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    response
}

/// A file name made of letters, digits and dashes (from a title such as a dashboard's or
/// a participant's name).
pub fn stem(name: &str, fallback: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { fallback.into() } else { s }
}
