//! Datasets read from a remote service — OGC API – Features and WFS (PDOK), CBS OData
//! (StatLine), CKAN (data.overheid.nl) — shared by the pages and the API: listing what a
//! service offers, importing from it in the background, its source and schedule, refreshing
//! now, and the scheduled refreshes.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::Input;
use crate::state::AppState;
use koers_app::sources::{Offer, SourceDef};
use koers_app::{Job, JobStatus};
use koers_core::indicators::Every;
use koers_core::{Invalid, Permission};
use koers_store::Dataset;
use koers_store::schedules::Scheduled;
use koers_store::sources::DatasetSource;
use std::sync::Arc;

/// A source definition and schedule as a form or JSON body gives them.
pub struct SourceInput {
    pub def: SourceDef,
    pub every: Option<Every>,
    /// The SQL name of a new dataset (suggested when empty).
    pub name: String,
}

/// Reads `kind`, `url`, `item`, `resource`, `crs`, `bbox`, `every` and `name`, listing every
/// problem.
pub fn read_source(mut input: Input) -> Result<SourceInput, AppError> {
    let f: Vec<String> = [
        "kind", "url", "item", "resource", "crs", "bbox", "every", "name",
    ]
    .iter()
    .map(|k| input.text(k))
    .collect();
    let def = SourceDef::parse(&f[0], &f[1], &f[2], &f[3], &f[4], &f[5]);
    let every = Every::parse(&f[6]);
    let name = f[7].trim().to_string();
    let named = if name.is_empty() {
        Ok(())
    } else {
        koers_core::catalog::parse_dataset_name(&name).map(|_| ())
    };
    let mut c = koers_core::error::Collector::default();
    let def = c.take(def);
    let every = c.take(every);
    c.take(named);
    let parsed = c.finish().and_then(|()| match (def, every) {
        (Some(def), Some(every)) => Ok(SourceInput { def, every, name }),
        _ => Err(Invalid::one("kind", "required", "kies het soort dienst")),
    });
    Ok(input.finish(parsed)?)
}

/// What a service (`kind`, `url` and, for CKAN, the package `item`) offers to read.
pub async fn offers(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
    url: &str,
    item: &str,
) -> Result<Vec<Offer>, AppError> {
    ctx.require(Permission::ManageData)?;
    // The listing needs no item except a CKAN package (which a package_show URL may
    // name); for the other kinds a placeholder stands in.
    let def = match SourceDef::parse(kind, url, item, "", "", "") {
        Err(e) if kind.trim() != "ckan" && e.0.iter().all(|f| f.name == "item") => {
            SourceDef::parse(kind, url, "-", "", "", "")
        }
        parsed => parsed,
    }?;
    Ok(state.ws.service_offers(&def).await?)
}

/// Starts reading a new dataset from a service in the background; the job reports progress
/// and, when done, the dataset id.
pub fn start_import(state: &AppState, ctx: &Ctx, src: SourceInput) -> Result<Arc<Job>, AppError> {
    ctx.require(Permission::ManageData)?;
    let job = state.ws.jobs.start(&ctx.org.id, &src.def.label());
    let (ws, org, actor, j) = (state.ws.clone(), ctx.org.clone(), ctx.actor(), job.clone());
    tokio::spawn(async move {
        let progress: Arc<dyn koers_engine::Progress + Send + Sync> = j.clone();
        let name = (!src.name.is_empty()).then_some(src.name);
        let outcome = ws
            .import_source(&org, &actor, name, &src.def, src.every, progress)
            .await;
        j.finish(match outcome {
            Ok((ds, _)) => JobStatus::Done { result: ds.id },
            Err(e) => failed(e),
        });
    });
    Ok(job)
}

fn failed(e: koers_app::Error) -> JobStatus {
    tracing::info!(error = %e, "reading from a service failed");
    JobStatus::Failed {
        error: AppError::from(e).detail(),
    }
}

/// A dataset of the user's own organisation; another organisation's (also a public one)
/// is not found.
async fn own(state: &AppState, ctx: &Ctx, id: &str) -> Result<Dataset, AppError> {
    let ds = state.store.dataset(&ctx.org.id, id).await?;
    if ds.org_id != ctx.org.id {
        return Err(AppError::NotFound);
    }
    Ok(ds)
}

/// A dataset's source as shown: the definition, how the last check went, the schedule.
pub struct SourceView {
    pub def: SourceDef,
    pub stored: DatasetSource,
    pub schedule: Option<(Every, String)>,
}

/// The source of one of the organisation's datasets (not found when it has none).
pub async fn source(state: &AppState, ctx: &Ctx, id: &str) -> Result<SourceView, AppError> {
    ctx.require(Permission::Read)?;
    let ds = own(state, ctx, id).await?;
    let (def, stored) = state.ws.source_of(&ds).await?;
    let schedule = state.store.schedule(Scheduled::Dataset, &ds.id).await?;
    Ok(SourceView {
        def,
        stored,
        schedule,
    })
}

/// Replaces a dataset's source and schedule (data stewards); the next refresh reads it
/// anew.
pub async fn replace(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    input: Input,
) -> Result<SourceView, AppError> {
    ctx.require(Permission::Read)?;
    let ds = own(state, ctx, id).await?;
    ctx.require(Permission::ManageData)?;
    let src = read_source(input)?;
    let unchanged = state
        .ws
        .source_of(&ds)
        .await
        .ok()
        .filter(|(def, _)| *def == src.def)
        .and_then(|(_, stored)| stored.content_hash);
    state
        .ws
        .keep_source(
            &ctx.org,
            &ctx.actor(),
            &ds,
            &src.def,
            unchanged.as_deref(),
            src.every,
        )
        .await?;
    source(state, ctx, id).await
}

/// Starts reading a dataset from its source again (data stewards): a new version when the
/// data changed.
pub async fn start_refresh(state: &AppState, ctx: &Ctx, id: &str) -> Result<Arc<Job>, AppError> {
    ctx.require(Permission::Read)?;
    let ds = own(state, ctx, id).await?;
    ctx.require(Permission::ManageData)?;
    let (def, _) = state.ws.source_of(&ds).await?;
    let job = state.ws.jobs.start(&ctx.org.id, &def.label());
    let (ws, org, actor, j) = (state.ws.clone(), ctx.org.clone(), ctx.actor(), job.clone());
    tokio::spawn(async move {
        let progress: Arc<dyn koers_engine::Progress + Send + Sync> = j.clone();
        j.finish(match ws.refresh_source(&org, &actor, &ds, progress).await {
            Ok(r) => JobStatus::Done {
                result: r.dataset.id,
            },
            Err(e) => failed(e),
        });
    });
    Ok(job)
}
