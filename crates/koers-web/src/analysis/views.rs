//! What the analysis pages and the API answer alike: a result as a downloadable file; and how
//! the forms built on analyses offer their columns.

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

/// How the analyses' result columns read in the lists to choose them from (indicator form,
/// dashboard editor): per analysis, the columns its labels name (as
/// [`Labels::choice`](koers_core::catalog::labels::Labels::choice) has it); the others read
/// as their names. Also as JSON, for the script that fills the lists.
pub type ColumnChoices =
    std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>;

pub fn column_choices(
    analyses: &[koers_app::analysis::Analysis],
    labels: &koers_app::catalog::OrgLabels,
) -> (ColumnChoices, String) {
    let shown: ColumnChoices = analyses
        .iter()
        .map(|a| {
            let own = labels.of([a.id.as_str()]);
            let named = a
                .columns
                .iter()
                .map(|c| (c.clone(), own.choice(c)))
                .filter(|(c, s)| c != s)
                .collect();
            (a.id.clone(), named)
        })
        .collect();
    let json = serde_json::to_string(&shown).unwrap_or_else(|_| "{}".into());
    (shown, json)
}
