//! Datasets read from a remote service — OGC API – Features and WFS (PDOK), CBS OData
//! (StatLine), CKAN (data.overheid.nl): what a service offers, importing from it in the
//! background, a dataset's source and schedule, refreshing now, and the scheduled refreshes.
//! [`rules`] holds what a source definition must be (no I/O), [`fetch`] the requests.
//!
//! Who may do what: data stewards (`ManageData`) list what a service offers, import from it,
//! replace a dataset's source and refresh it; everyone who may read sees the source of the
//! organisation's own datasets. Another organisation's dataset (also a public one) has no
//! source for them: it is not found.

pub mod fetch;
pub mod rules;

pub use koers_store::sources::DatasetSource;
pub use rules::{ODATA_DEFAULT_SET, Offer, SourceDef, SourceKind};

use crate::catalog::{Describe, background};
use crate::{Error, Input, Principal, Result, Workspace};
use koers_core::indicators::Every;
use koers_core::{Invalid, Permission};
use koers_store::Dataset;
use koers_store::schedules::Scheduled;
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
fn read_source(mut input: Input) -> Result<SourceInput> {
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
    input.finish(parsed)
}

/// What a service (`kind`, `url` and, for CKAN, the package `item`) offers to read (data
/// stewards).
pub async fn offers(
    ws: &Workspace,
    who: &Principal,
    kind: &str,
    url: &str,
    item: &str,
) -> Result<Vec<Offer>> {
    who.require(Permission::ManageData)?;
    // The listing needs no item except a CKAN package (which a package_show URL may
    // name); for the other kinds a placeholder stands in.
    let def = match SourceDef::parse(kind, url, item, "", "", "") {
        Err(e) if kind.trim() != "ckan" && e.0.iter().all(|f| f.name == "item") => {
            SourceDef::parse(kind, url, "-", "", "", "")
        }
        parsed => parsed,
    }?;
    ws.service_offers(&def).await
}

/// Starts reading a new dataset from a service in the background (data stewards; the rights
/// are checked before the input, so that a viewer learns nothing from validation messages);
/// the job reports progress and, when done, the dataset id.
pub fn start_import(
    ws: &Workspace,
    who: &Principal,
    input: Input,
    describe: Describe,
) -> Result<Arc<crate::Job>> {
    who.require(Permission::ManageData)?;
    let src = read_source(input)?;
    let (w, org, actor) = (ws.clone(), who.org.clone(), who.actor());
    Ok(background(
        ws,
        &who.org.id,
        &src.def.label(),
        describe,
        move |job| {
            Box::pin(async move {
                let name = (!src.name.is_empty()).then_some(src.name);
                let (ds, _) = w
                    .import_source(&org, &actor, name, &src.def, src.every, job)
                    .await?;
                Ok(ds.id)
            })
        },
    ))
}

/// A dataset of the organisation's own; another organisation's (also a public one) is not
/// found.
async fn own(ws: &Workspace, who: &Principal, id: &str) -> Result<Dataset> {
    who.require(Permission::Read)?;
    let ds = ws.store.catalog().dataset(&who.org.id, id).await?;
    if ds.org_id != who.org.id {
        return Err(Error::NotFound);
    }
    Ok(ds)
}

/// A dataset's source as shown: the definition, how the last check went, the schedule (how
/// often, and when next).
pub struct SourceView {
    pub def: SourceDef,
    pub stored: DatasetSource,
    pub schedule: Option<(Every, String)>,
}

/// The source of one of the organisation's datasets (everyone who may read); not found when
/// it has none.
pub async fn source(ws: &Workspace, who: &Principal, id: &str) -> Result<SourceView> {
    let ds = own(ws, who, id).await?;
    let (def, stored) = ws.source_of(&ds).await?;
    let schedule = ws
        .store
        .schedules()
        .schedule(Scheduled::Dataset, &ds.id)
        .await?;
    Ok(SourceView {
        def,
        stored,
        schedule,
    })
}

/// The source of a dataset, when it is one of the organisation's own with a source (the
/// part of a dataset's page that shows it).
pub async fn source_if_any(
    ws: &Workspace,
    who: &Principal,
    id: &str,
) -> Result<Option<SourceView>> {
    match source(ws, who, id).await {
        Ok(v) => Ok(Some(v)),
        Err(Error::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Replaces a dataset's source and schedule (data stewards); the next refresh reads it
/// anew (unless the definition is the same, when the data last read still counts).
pub async fn replace(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    input: Input,
) -> Result<SourceView> {
    let ds = own(ws, who, id).await?;
    who.require(Permission::ManageData)?;
    let src = read_source(input)?;
    let unchanged = ws
        .source_of(&ds)
        .await
        .ok()
        .filter(|(def, _)| *def == src.def)
        .and_then(|(_, stored)| stored.content_hash);
    ws.keep_source(
        &who.org,
        &who.actor(),
        &ds,
        &src.def,
        unchanged.as_deref(),
        src.every,
    )
    .await?;
    source(ws, who, id).await
}

/// Starts reading a dataset from its source again (data stewards): a new version when the
/// data changed.
pub async fn start_refresh(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    describe: Describe,
) -> Result<Arc<crate::Job>> {
    let ds = own(ws, who, id).await?;
    who.require(Permission::ManageData)?;
    let (def, _) = ws.source_of(&ds).await?;
    let (w, org, actor) = (ws.clone(), who.org.clone(), who.actor());
    Ok(background(
        ws,
        &who.org.id,
        &def.label(),
        describe,
        move |job| {
            Box::pin(async move {
                let r = w.refresh_source(&org, &actor, &ds, job).await?;
                Ok(r.dataset.id)
            })
        },
    ))
}

/// Reads again every dataset whose scheduled refresh is due at `now` (each claimed by one
/// process only); a failure is recorded with the source and tried again at the next turn.
/// Returns how many were read. The scheduler calls this; no person asks.
pub async fn run_due(ws: &Workspace, now: chrono::DateTime<chrono::Utc>) -> usize {
    let due = match ws
        .store
        .schedules()
        .claim_due(Scheduled::Dataset, now)
        .await
    {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("scheduled dataset refresh: {e}");
            return 0;
        }
    };
    let actor = crate::scheduler::actor();
    let mut done = 0;
    for (org_id, id) in due {
        let r = async {
            let org = ws.store.organisations().organisation(&org_id).await?;
            let ds = ws.store.catalog().dataset(&org_id, &id).await?;
            ws.refresh_source(&org, &actor, &ds, Arc::new(koers_engine::NoProgress))
                .await
        };
        match r.await {
            Ok(_) => done += 1,
            Err(e) => tracing::warn!("scheduled refresh of dataset {id}: {e}"),
        }
    }
    done
}
