//! What the analysis pages and the API answer alike: a result as a downloadable file.

use crate::auth::Ctx;
use crate::download::CSV;
use crate::error::Reply;
use koers_app::analysis::{ExportFormat, QueryOutput, export_for};

/// A result as a downloadable file named after `stem` (letters, digits, `_` and `-` only).
pub async fn download(ctx: &Ctx, out: &QueryOutput, format: ExportFormat, stem: &str) -> Reply {
    let buf = export_for(ctx.ws(), &ctx.who, out, format).await?;
    let (mime, ext) = match format {
        ExportFormat::Csv | ExportFormat::CsvRaw | ExportFormat::CsvNl => (CSV, "csv"),
        ExportFormat::GeoJson => ("application/geo+json", "geojson"),
        ExportFormat::Parquet => ("application/vnd.apache.parquet", "parquet"),
    };
    let safe: String = stem
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .take(60)
        .collect();
    let name = if safe.is_empty() {
        "resultaat".to_string()
    } else {
        safe
    };
    Ok(crate::download::download(
        mime,
        &format!("{name}.{ext}"),
        buf,
    ))
}
