//! The catalog and query commands: what they print and how they show progress.

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use koers_app::Workspace;
use koers_app::catalog::{ImportRequest, ImportSource};
use koers_app::results::{Results, display};
use koers_demo::console::{Bar, bar};
use koers_store::{Actor, Organisation, Store, StoreError};
use std::sync::Arc;

/// The organisation a command acts in: the one with this CBS code, or the data folder's
/// first organisation.
pub async fn organisation(store: &Store, code: Option<&str>) -> Result<Organisation> {
    match code {
        Some(code) => store
            .organisations()
            .organisation_by_cbs(code)
            .await
            .with_context(|| format!("geen organisatie met CBS-code {code}")),
        None => match store.organisations().default_organisation().await {
            Ok(o) => Ok(o),
            Err(StoreError::NotFound) => bail!(
                "deze datamap heeft nog geen organisatie; maak er eerst een met `koers org add --name … --kind … --cbs …` of vul hem met `koers demo`"
            ),
            Err(e) => Err(e.into()),
        },
    }
}

/// How `koers dataset import` reads a file.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The dataset's SQL name [default: from the file name].
    #[arg(long)]
    name: Option<String>,
    /// The coordinate reference system of the file's geometry: EPSG:28992 or EPSG:4326.
    #[arg(long)]
    crs: Option<String>,
    /// The format when the file name does not tell: csv, geojson, parquet, xlsx, shp (a
    /// .shp with its .dbf beside it, or a .zip holding one shapefile), gpkg, cityjson
    /// (a .city.json or .city.jsonl; a .json of type CityJSON is recognised) or ndjson (JSON
    /// records, one object per line; a .json holding a list of objects is recognised).
    #[arg(long)]
    format: Option<String>,
    /// The layer (feature table) to import from a GeoPackage that holds several.
    #[arg(long)]
    layer: Option<String>,
    /// The file holds only rows to append to the dataset's latest version (same columns);
    /// analyses over it are then refreshed from those rows alone.
    #[arg(long)]
    append: bool,
}

/// `koers dataset import`.
pub async fn import(
    ws: &Workspace,
    org: &Organisation,
    source: &str,
    how: ImportArgs,
) -> Result<()> {
    let src = if source.starts_with("http://") || source.starts_with("https://") {
        ImportSource::Url(source.to_string())
    } else if source.contains("://") {
        bail!("alleen lokale bestanden en http(s)-URL's kunnen worden geïmporteerd, niet {source}");
    } else {
        let p = std::path::PathBuf::from(source);
        if !p.is_file() {
            bail!("{source} is geen bestand");
        }
        ImportSource::Path(p)
    };
    let pb = bar();
    pb.set_message("importeren");
    let progress = Arc::new(Bar(pb.clone()));
    let req = ImportRequest {
        source: src,
        name: how.name,
        crs: how.crs,
        format: how.format,
        layer: how.layer,
        meta: None,
        generated: false,
        column_types: Default::default(),
        append: how.append,
    };
    let result = ws.import(org, &Actor::cli(), req, progress).await;
    pb.finish_and_clear();
    let (ds, v) = result.map_err(|e| anyhow::anyhow!("import mislukt: {e}"))?;
    report(org, &ds, &v);
    Ok(())
}

/// A progress bar in features or rows, for reading a service page by page (the import after
/// it counts bytes).
fn page_bar() -> ProgressBar {
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb
}

/// Prints what a version holds.
fn report(org: &Organisation, ds: &koers_store::Dataset, v: &koers_store::DatasetVersion) {
    println!(
        "{} versie {} geïmporteerd in {}: {} rijen, {} kolommen{}",
        ds.name,
        v.version,
        org.name,
        v.row_count,
        v.columns.as_array().map(Vec::len).unwrap_or(0),
        v.geometry
            .as_ref()
            .and_then(|g| g.get("crs"))
            .and_then(|c| c.as_str())
            .map(|c| format!(", geometrie in {c}"))
            .unwrap_or_default()
    );
    if let Some(a) = &v.appended {
        println!(
            "  waarvan {} rijen toegevoegd aan versie {}: analyses hierover worden bijgewerkt uit alleen die rijen",
            a.rows,
            v.version - 1
        );
    }
}

/// `koers dataset import-source`.
pub async fn import_source(
    ws: &Workspace,
    org: &Organisation,
    def: &koers_app::sources::SourceDef,
    name: Option<String>,
    every: Option<koers_core::indicators::Every>,
) -> Result<()> {
    let pb = page_bar();
    pb.set_message(format!("lezen uit {}", def.url));
    let progress = Arc::new(Bar(pb.clone()));
    let result = ws
        .import_source(org, &Actor::cli(), name, def, every, progress)
        .await;
    pb.finish_and_clear();
    let (ds, v) = result.map_err(|e| anyhow::anyhow!("import mislukt: {e}"))?;
    report(org, &ds, &v);
    if let Some(e) = every {
        println!("{} wordt ververst: {}", ds.name, e.as_str());
    }
    Ok(())
}

/// `koers dataset refresh`.
pub async fn refresh(ws: &Workspace, org: &Organisation, name: &str) -> Result<()> {
    let ds = ws
        .store
        .catalog()
        .datasets(&org.id)
        .await?
        .into_iter()
        .find(|d| d.name == name)
        .with_context(|| format!("{} heeft geen bron {name}", org.name))?;
    let pb = page_bar();
    pb.set_message(format!("verversen van {name}"));
    let progress = Arc::new(Bar(pb.clone()));
    let result = ws.refresh_source(org, &Actor::cli(), &ds, progress).await;
    pb.finish_and_clear();
    match result {
        Ok(r) => match r.version {
            Some(v) => report(org, &r.dataset, &v),
            None => println!(
                "{}: de gegevens zijn niet veranderd; geen nieuwe versie",
                r.dataset.name
            ),
        },
        Err(koers_app::Error::NotFound) => bail!("{name} is niet uit een dienst gelezen"),
        Err(e) => bail!("verversen mislukt: {e}"),
    }
    Ok(())
}

/// `koers dataset list`.
pub async fn list(ws: &Workspace, org: &Organisation) -> Result<()> {
    let (_, tables) = ws.tables(&org.id).await?;
    for t in tables {
        println!(
            "{}\tversie {}\t{}{}",
            t.name,
            t.version,
            t.title,
            if t.own {
                ""
            } else {
                "\t(openbaar, andere organisatie)"
            }
        );
    }
    Ok(())
}

/// Output formats of `koers query`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum QueryFormat {
    Table,
    Csv,
    Json,
}

/// `koers query`.
pub async fn query(
    ws: &Workspace,
    org: &Organisation,
    sql: &str,
    format: QueryFormat,
) -> Result<()> {
    let spinner = ProgressBar::new_spinner();
    spinner.set_message("query loopt…");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let out = ws
        .query(&org.id, sql, ws.engine.config().row_limit, None)
        .await;
    spinner.finish_and_clear();
    let out = out.map_err(|e| anyhow::anyhow!("{e}"))?;
    match format {
        QueryFormat::Csv => {
            koers_engine::export::to_csv(&out, std::io::stdout().lock(), false)?;
        }
        QueryFormat::Json => {
            let r = Results::from_output(&out)?;
            let rows: Vec<serde_json::Map<String, serde_json::Value>> = r
                .rows
                .iter()
                .map(|row| r.columns.iter().cloned().zip(row.iter().cloned()).collect())
                .collect();
            println!("{}", serde_json::to_string_pretty(&rows)?);
        }
        QueryFormat::Table => {
            let r = Results::from_output(&out)?;
            print_table(&r);
            eprintln!(
                "{} rijen in {} ms{}",
                r.rows.len(),
                r.elapsed_ms,
                if r.truncated { " (afgekapt)" } else { "" }
            );
        }
    }
    Ok(())
}

fn print_table(r: &Results) {
    let cells: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| display(v).chars().take(40).collect())
                .collect()
        })
        .collect();
    let widths: Vec<usize> = r
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|row| row[i].chars().count())
                .chain([c.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |vals: &[String]| {
        vals.iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    println!("{}", line(&r.columns));
    println!(
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-+-")
    );
    for row in &cells {
        println!("{}", line(row));
    }
}

/// `koers storage migrate`: the local dataset versions to object storage, with a progress bar.
pub async fn migrate_storage(
    store: &Store,
    data_dir: &std::path::Path,
    to: &koers_app::storage::ObjectStorage,
) -> Result<()> {
    let pb = bar();
    pb.set_message("naar objectopslag");
    let progress = Bar(pb.clone());
    let result = koers_app::storage::migrate(store, data_dir, to, &Actor::cli(), &progress).await;
    pb.finish_and_clear();
    let r = result.map_err(|e| anyhow::anyhow!("verplaatsen mislukt: {e}"))?;
    println!(
        "{} datasetversie(s) naar {} verplaatst ({} bytes); {} stond(en) er al.",
        r.moved,
        to.describe(),
        r.bytes,
        r.skipped
    );
    Ok(())
}

/// The name of organisation `org_id`, or its id when it cannot be read.
async fn org_name(store: &Store, org_id: &str) -> String {
    store
        .organisations()
        .organisation(org_id)
        .await
        .map(|o| o.name)
        .unwrap_or_else(|_| org_id.to_string())
}

/// `koers audit verify`: every organisation's decision history, checked.
pub async fn verify(store: &Store, org_id: Option<&str>) -> Result<()> {
    let checks = store.register().verify_register_chain(org_id).await?;
    let mut broken = 0;
    for c in &checks {
        let name = org_name(store, &c.org_id).await;
        if c.is_intact() {
            println!("{name}: {} gebeurtenissen, keten intact", c.entries);
        } else {
            broken += 1;
            println!(
                "{name}: {} gebeurtenissen, {} probleem/problemen:",
                c.entries,
                c.problems.len()
            );
            for p in &c.problems {
                println!("  - {p}");
            }
        }
    }
    if checks.is_empty() {
        println!("Nog geen besluitgeschiedenis om te controleren.");
    }
    // Evidence snapshots: the stored bytes of each must still have their hash.
    let mut broken_snapshots = 0;
    for c in store.snapshots().verify_snapshots(org_id).await? {
        let name = org_name(store, &c.org_id).await;
        if c.broken.is_empty() {
            println!("{name}: {} momentopname(n), alle ongewijzigd", c.count);
        } else {
            broken_snapshots += c.broken.len();
            println!(
                "{name}: {} van {} momentopname(n) gewijzigd:",
                c.broken.len(),
                c.count
            );
            for (id, title) in &c.broken {
                println!("  - {title} ({id})");
            }
        }
    }
    if broken > 0 {
        bail!("de besluitgeschiedenis van {broken} organisatie(s) is aangetast");
    }
    if broken_snapshots > 0 {
        bail!("{broken_snapshots} momentopname(n) gewijzigd sinds ze zijn vastgelegd");
    }
    Ok(())
}
