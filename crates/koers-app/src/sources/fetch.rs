//! Reading a dataset from a remote service (the rules are in [`super::rules`]): every
//! request goes through the fetch policy (only http(s), no internal addresses unless
//! allow-listed, checked again on every redirect, a size limit over all pages together).
//! Pages are written one by one to a temporary file — GeoJSON features or CSV rows — which is
//! then imported with the file importers, so a large service never sits in memory. A refresh
//! makes a new version only when the fetched data differs from the last.

use super::rules::{
    ColumnKind, FeaturePage, Offer, SourceDef, SourceKind, TableInfo, cbs_table_info,
    choose_resource, ckan_resources, data_property_titles, feature_page, odata_cell, odata_kind,
    odata_page, odata_sets, ogc_collections,
};
use crate::catalog::{ImportRequest, ImportSource, RemoveOnDrop, Workspace};
use crate::fetch::{self, Answer};
use crate::{Error, Result};
use koers_core::catalog::{DatasetMeta, suggest_dataset_name};
use koers_core::indicators::Every;
use koers_engine::{Progress, Unit};
use koers_store::schedules::Scheduled;
use koers_store::sources::Outcome;
use koers_store::{Actor, Dataset, DatasetVersion, Organisation};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};

/// Features (or rows) asked for per page; PDOK answers at most 1,000.
pub const PAGE_SIZE: usize = 1000;

/// The data of a source, fetched into a temporary file (removed when dropped).
pub struct Fetched {
    file: RemoveOnDrop,
    /// The importer that reads it.
    pub format: &'static str,
    /// The CRS of its coordinates, when the importer must be told.
    pub crs: Option<String>,
    /// SHA-256 of the file, hex.
    pub hash: String,
    /// Which service (and resource) it came from.
    pub label: String,
    /// What its columns mean (column name → title), when the service says (CBS).
    pub titles: BTreeMap<String, String>,
    /// What the table is (title, description, frequency), when the service says (CBS).
    pub table: Option<TableInfo>,
}

/// What a refresh did.
pub struct Refreshed {
    pub dataset: Dataset,
    /// The new version when the data changed; none when it is as it was.
    pub version: Option<DatasetVersion>,
}

/// The bytes still allowed to be fetched for one source.
struct Budget(u64);

impl Budget {
    fn spend(&mut self, n: usize) {
        self.0 = self.0.saturating_sub(n as u64);
    }
}

/// A short, tag-free start of an answer that is not what was asked for, for the message.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(2000)]).into_owned();
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    words.join(" ").chars().take(160).collect()
}

/// The answer as JSON, or a clear error (an HTML page, an XML exception report, …).
fn json_of(a: &Answer, url: &str) -> Result<Value> {
    serde_json::from_slice(&a.body).map_err(|_| {
        Error::Fetch(format!(
            "{url} gaf geen JSON maar {}: {}",
            if a.content_type.is_empty() {
                "iets anders"
            } else {
                &a.content_type
            },
            snippet(&a.body)
        ))
    })
}

/// The names and titles of the feature types in a WFS GetCapabilities document.
pub fn wfs_feature_types(xml: &str) -> std::result::Result<Vec<Offer>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let (mut in_type, mut field, mut name, mut title) = (false, "", String::new(), String::new());
    let mut seen_root = false;
    loop {
        match reader.read_event() {
            Err(e) => return Err(format!("GetCapabilities onleesbaar: {e}")),
            Ok(Event::Start(e)) => {
                let local = e.local_name();
                let local = local.as_ref();
                if !seen_root {
                    seen_root = true;
                    if local != "WFS_Capabilities" {
                        return Err(format!("geen WFS GetCapabilities maar <{local}>"));
                    }
                }
                match local {
                    "FeatureType" => {
                        in_type = true;
                        name.clear();
                        title.clear();
                    }
                    "Name" if in_type => field = "name",
                    "Title" if in_type && title.is_empty() => field = "title",
                    _ => field = "",
                }
            }
            Ok(Event::Text(t)) if !field.is_empty() => {
                let text = t.xml10_content();
                if field == "name" {
                    name.push_str(text.trim());
                } else {
                    title.push_str(text.trim());
                }
            }
            Ok(Event::End(e)) => {
                field = "";
                if e.local_name().as_ref() == "FeatureType" {
                    in_type = false;
                    if !name.is_empty() {
                        out.push(Offer {
                            id: name.clone(),
                            title: if title.is_empty() {
                                name.clone()
                            } else {
                                title.clone()
                            },
                        });
                    }
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
        }
    }
    if !seen_root {
        return Err("leeg GetCapabilities-document".into());
    }
    Ok(out)
}

/// The columns (name, EDM type) of an OData entity set, in order, from `$metadata`; `None`
/// when the service has no such entity set.
pub fn metadata_columns(
    xml: &str,
    set: &str,
) -> std::result::Result<Option<Vec<(String, String)>>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut types: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut set_type: Option<String> = None;
    let mut current: Option<usize> = None;
    let attr = |e: &quick_xml::events::BytesStart, key: &str| -> Option<String> {
        e.try_get_attribute(key).ok().flatten().and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
    };
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| format!("$metadata onleesbaar: {e}"))?;
        match &ev {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "EntityType" => {
                    types.push((attr(e, "Name").unwrap_or_default(), Vec::new()));
                    current = matches!(ev, Event::Start(_)).then_some(types.len() - 1);
                }
                "Property" => {
                    if let (Some(i), Some(n)) = (current, attr(e, "Name")) {
                        types[i].1.push((n, attr(e, "Type").unwrap_or_default()));
                    }
                }
                "EntitySet" if attr(e, "Name").as_deref() == Some(set) => {
                    set_type = attr(e, "EntityType");
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "EntityType" => current = None,
            Event::Eof => break,
            _ => {}
        }
    }
    if types.is_empty() {
        return Err("geen OData-$metadata (geen EntityType)".into());
    }
    let Some(t) = set_type else {
        return Ok(None);
    };
    let short = t.rsplit('.').next().unwrap_or(&t);
    Ok(types.into_iter().find(|(n, _)| n == short).map(|(_, p)| p))
}

/// Writes features or rows to a temporary file as they come.
struct Sink {
    out: BufWriter<tokio::fs::File>,
    first: bool,
}

impl Sink {
    async fn create(path: &std::path::Path) -> Result<Sink> {
        Ok(Sink {
            out: BufWriter::new(tokio::fs::File::create(path).await?),
            first: true,
        })
    }

    async fn write(&mut self, s: &[u8]) -> Result<()> {
        Ok(self.out.write_all(s).await?)
    }

    /// Appends GeoJSON features to the collection begun with `{"features":[`.
    async fn features(&mut self, features: &[Value]) -> Result<()> {
        for f in features {
            if !self.first {
                self.write(b",\n").await?;
            }
            self.first = false;
            let bytes = serde_json::to_vec(f).map_err(|e| Error::Fetch(e.to_string()))?;
            self.write(&bytes).await?;
        }
        Ok(())
    }

    async fn finish(mut self) -> Result<()> {
        Ok(self.out.flush().await?)
    }
}

/// SHA-256 of a file, hex.
async fn hash_file(path: &std::path::Path) -> Result<String> {
    let mut f = tokio::fs::File::open(path).await?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The name a dataset from this source gets when none is given.
pub fn suggested_name(def: &SourceDef) -> String {
    let base = match def.kind {
        SourceKind::Odata => def
            .url
            .path_segments()
            .and_then(|mut s| s.next_back())
            .map(|t| format!("cbs_{t}"))
            .unwrap_or_else(|| def.item.clone()),
        _ => def.item.rsplit(':').next().unwrap_or(&def.item).to_string(),
    };
    suggest_dataset_name(&base)
}

impl Workspace {
    /// One answer of the service, within the budget.
    async fn answer(&self, url: &str, accept: &str, budget: &mut Budget) -> Result<Answer> {
        let a = fetch::get(url, self.fetch_policy(), accept, budget.0).await?;
        budget.spend(a.body.len());
        Ok(a)
    }

    async fn json(&self, url: &str, accept: &str, budget: &mut Budget) -> Result<Value> {
        let a = self.answer(url, accept, budget).await?;
        json_of(&a, url)
    }

    fn budget(&self) -> Budget {
        Budget(self.fetch_policy().max_bytes)
    }

    /// What a service offers to read: its collections (ogcapi), feature types (wfs), entity
    /// sets (odata) or the resources of a package (ckan).
    pub async fn service_offers(&self, def: &SourceDef) -> Result<Vec<Offer>> {
        let url = def.offers_url();
        let mut budget = self.budget();
        let found = match def.kind {
            SourceKind::Ogcapi => {
                ogc_collections(&self.json(&url, "application/json", &mut budget).await?)
            }
            SourceKind::Odata => {
                odata_sets(&self.json(&url, "application/json", &mut budget).await?)
            }
            SourceKind::Ckan => {
                ckan_resources(&self.json(&url, "application/json", &mut budget).await?).map(|rs| {
                    rs.into_iter()
                        .map(|r| Offer {
                            title: format!("{} ({})", r.name, r.format),
                            id: r.id,
                        })
                        .collect()
                })
            }
            SourceKind::Wfs => {
                let a = self.answer(&url, "application/xml", &mut budget).await?;
                wfs_feature_types(&String::from_utf8_lossy(&a.body))
            }
        };
        found.map_err(Error::Fetch)
    }

    /// Fetches what a source defines into a temporary file, page by page, reporting features
    /// (or rows) to `progress`. Nothing of it is kept when anything fails.
    pub async fn fetch_source(
        &self,
        def: &SourceDef,
        progress: &(dyn Progress + Send + Sync),
    ) -> Result<Fetched> {
        let mut budget = self.budget();
        let (ext, format) = match def.kind {
            SourceKind::Ogcapi | SourceKind::Wfs => ("geojson", "geojson"),
            SourceKind::Odata => ("csv", "csv"),
            SourceKind::Ckan => ("bin", ""),
        };
        let path: PathBuf = self.temp_path(ext)?;
        let file = RemoveOnDrop(path.clone());
        let mut label = def.label();
        let mut format = format;
        let (mut titles, mut table) = (BTreeMap::new(), None);
        match def.kind {
            SourceKind::Ogcapi | SourceKind::Wfs => {
                self.fetch_features(def, &path, &mut budget, progress)
                    .await?
            }
            SourceKind::Odata => {
                (titles, table) = self.fetch_odata(def, &path, &mut budget, progress).await?
            }
            SourceKind::Ckan => {
                let body = self
                    .json(&def.first_page(0), "application/json", &mut budget)
                    .await?;
                let resources = ckan_resources(&body).map_err(Error::Fetch)?;
                let r = choose_resource(&resources, &def.resource).map_err(Error::Fetch)?;
                format = r.koers_format().unwrap_or("csv");
                label = format!("{label}: {}", r.url);
                let policy = fetch::FetchPolicy {
                    max_bytes: budget.0,
                    ..self.fetch_policy().clone()
                };
                fetch::download(&r.url, &path, &policy, progress).await?;
            }
        }
        let hash = hash_file(&path).await?;
        Ok(Fetched {
            file,
            format,
            crs: (!def.crs.is_empty()).then(|| def.crs.clone()),
            hash,
            label,
            titles,
            table,
        })
    }

    /// GeoJSON pages of an OGC API collection (following `next`) or a WFS feature type (by
    /// `startIndex`), into one FeatureCollection.
    async fn fetch_features(
        &self,
        def: &SourceDef,
        path: &std::path::Path,
        budget: &mut Budget,
        progress: &(dyn Progress + Send + Sync),
    ) -> Result<()> {
        let mut sink = Sink::create(path).await?;
        sink.write(b"{\"type\":\"FeatureCollection\",\"features\":[\n")
            .await?;
        progress.set_total(0, Unit::Features);
        let mut url = def.first_page(PAGE_SIZE);
        let mut seen = HashSet::new();
        let mut start = 0usize;
        loop {
            if !seen.insert(url.clone()) {
                return Err(Error::Fetch(format!(
                    "de dienst verwijst opnieuw naar {url}; het lezen is gestopt"
                )));
            }
            let body = self
                .json(&url, "application/geo+json, application/json", budget)
                .await?;
            let FeaturePage {
                features,
                matched,
                next,
            } = feature_page(&body, &url).map_err(|e| Error::Fetch(format!("{url}: {e}")))?;
            if start == 0
                && let Some(m) = matched
            {
                progress.set_total(m, Unit::Features);
            }
            sink.features(&features).await?;
            progress.advance(features.len() as u64);
            start += features.len();
            let next = match def.kind {
                SourceKind::Wfs => super::rules::wfs_next_start(start, features.len(), matched)
                    .map(|s| def.wfs_page(PAGE_SIZE, s)),
                _ => next.filter(|_| !features.is_empty()),
            };
            match next {
                Some(n) => url = n,
                None => break,
            }
        }
        sink.write(b"\n]}\n").await?;
        sink.finish().await
    }

    /// The rows of an OData entity set (following `odata.nextLink`) as CSV, with the columns
    /// and their types from the table's `$metadata`.
    async fn fetch_odata(
        &self,
        def: &SourceDef,
        path: &std::path::Path,
        budget: &mut Budget,
        progress: &(dyn Progress + Send + Sync),
    ) -> Result<(BTreeMap<String, String>, Option<TableInfo>)> {
        progress.set_total(0, Unit::Rows);
        let meta_url = def.odata_metadata();
        let meta = self.answer(&meta_url, "application/xml", budget).await?;
        let meta = String::from_utf8_lossy(&meta.body);
        // A CBS table says what its columns mean (`DataProperties`) and what it is itself
        // (`TableInfos`), when $metadata declares those sets.
        let titles = match self
            .declared_set(&meta, def, "DataProperties", budget)
            .await?
        {
            Some((url, body)) => data_property_titles(&body, &url)
                .map_err(|e| Error::Fetch(format!("{url}: {e}")))?,
            None => BTreeMap::new(),
        };
        let table = match self.declared_set(&meta, def, "TableInfos", budget).await? {
            Some((url, body)) => {
                cbs_table_info(&body, &url).map_err(|e| Error::Fetch(format!("{url}: {e}")))?
            }
            None => None,
        };
        let columns = metadata_columns(&meta, &def.item)
            .map_err(|e| Error::Fetch(format!("{meta_url}: {e}")))?
            .ok_or_else(|| {
                Error::Fetch(format!(
                    "de tabel heeft geen {:?}; kies een van de verzamelingen die de dienst noemt",
                    def.item
                ))
            })?;
        let columns: Vec<(String, ColumnKind)> = columns
            .into_iter()
            .map(|(n, t)| (n, odata_kind(&t)))
            .collect();
        let mut sink = Sink::create(path).await?;
        let header: Vec<String> = columns
            .iter()
            .map(|(n, _)| koers_core::csv::quote(n))
            .collect();
        sink.write(format!("{}\n", header.join(",")).as_bytes())
            .await?;
        let mut url = def.first_page(0);
        let mut seen = HashSet::new();
        loop {
            if !seen.insert(url.clone()) {
                return Err(Error::Fetch(format!(
                    "de dienst verwijst opnieuw naar {url}; het lezen is gestopt"
                )));
            }
            let body = self.json(&url, "application/json", budget).await?;
            let page = odata_page(&body, &url).map_err(|e| Error::Fetch(format!("{url}: {e}")))?;
            let mut text = String::new();
            for (i, row) in page.rows.iter().enumerate() {
                let cells = columns
                    .iter()
                    .map(|(n, k)| {
                        odata_cell(row.get(n).unwrap_or(&Value::Null), *k).map_err(|e| {
                            Error::Fetch(format!("{url}: rij {}, kolom {n}: {e}", i + 1))
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                text.push_str(&cells.join(","));
                text.push('\n');
            }
            sink.write(text.as_bytes()).await?;
            progress.advance(page.rows.len() as u64);
            match page.next {
                Some(n) if !page.rows.is_empty() => url = n,
                _ => break,
            }
        }
        sink.finish().await?;
        Ok((titles, table))
    }

    /// Entity set `set` of the OData service (its URL and JSON answer), when its `$metadata`
    /// (`meta`) declares it.
    async fn declared_set(
        &self,
        meta: &str,
        def: &SourceDef,
        set: &str,
        budget: &mut Budget,
    ) -> Result<Option<(String, Value)>> {
        if !matches!(metadata_columns(meta, set), Ok(Some(_))) {
            return Ok(None);
        }
        let url = def.odata_set(set);
        let body = self.json(&url, "application/json", budget).await?;
        Ok(Some((url, body)))
    }

    /// Imports fetched data as a new version of dataset `name`.
    async fn import_fetched(
        &self,
        org: &Organisation,
        actor: &Actor,
        name: &str,
        fetched: &Fetched,
        meta: Option<DatasetMeta>,
        progress: Arc<dyn Progress + Send + Sync>,
    ) -> Result<(Dataset, DatasetVersion)> {
        let req = ImportRequest {
            source: ImportSource::Service {
                path: fetched.file.0.clone(),
                label: fetched.label.clone(),
                titles: fetched.titles.clone(),
            },
            name: Some(name.to_string()),
            crs: fetched.crs.clone(),
            format: Some(fetched.format.to_string()),
            layer: None,
            meta,
            generated: false,
            column_types: Default::default(),
            append: false,
        };
        self.import(org, actor, req, progress).await
    }

    /// Reads a dataset from a service: the data becomes a version of dataset `name` (the
    /// suggested name when `None`), and the definition (with `every`, a scheduled refresh)
    /// is kept with the dataset.
    pub async fn import_source(
        &self,
        org: &Organisation,
        actor: &Actor,
        name: Option<String>,
        def: &SourceDef,
        every: Option<Every>,
        progress: Arc<dyn Progress + Send + Sync>,
    ) -> Result<(Dataset, DatasetVersion)> {
        let name = match name {
            Some(n) if !n.trim().is_empty() => n,
            _ => suggested_name(def),
        };
        koers_core::catalog::parse_dataset_name(&name)?;
        let fetched = self.fetch_source(def, progress.as_ref()).await?;
        let meta = fetched
            .table
            .as_ref()
            .and_then(|t| table_meta(t, &org.name));
        let (ds, v) = self
            .import_fetched(org, actor, &name, &fetched, meta, progress)
            .await?;
        self.keep_source(org, actor, &ds, def, Some(&fetched.hash), every)
            .await?;
        Ok((ds, v))
    }

    /// Sets (or replaces) a dataset's source and schedule; `hash` is that of data just
    /// imported from it.
    pub async fn keep_source(
        &self,
        org: &Organisation,
        actor: &Actor,
        ds: &Dataset,
        def: &SourceDef,
        hash: Option<&str>,
        every: Option<Every>,
    ) -> Result<()> {
        let json = serde_json::to_value(def).map_err(|e| Error::Fetch(e.to_string()))?;
        self.store
            .sources()
            .set_dataset_source(&org.id, &ds.id, def.kind.as_str(), &json, hash, actor)
            .await?;
        self.store
            .schedules()
            .set_schedule(Scheduled::Dataset, &org.id, &ds.id, every, actor)
            .await?;
        Ok(())
    }

    /// A dataset's source definition.
    pub async fn source_of(
        &self,
        ds: &Dataset,
    ) -> Result<(SourceDef, koers_store::sources::DatasetSource)> {
        let stored = self.store.sources().dataset_source(&ds.id).await?;
        let def: SourceDef = serde_json::from_value(stored.definition.clone())
            .map_err(|e| Error::Fetch(format!("opgeslagen bron onleesbaar: {e}")))?;
        Ok((def, stored))
    }

    /// Reads a dataset of `org` from its source again: a new version when the data changed,
    /// none when it did not; the outcome (also a failure, when the dataset keeps its version)
    /// is recorded with the source.
    pub async fn refresh_source(
        &self,
        org: &Organisation,
        actor: &Actor,
        ds: &Dataset,
        progress: Arc<dyn Progress + Send + Sync>,
    ) -> Result<Refreshed> {
        let (def, stored) = self.source_of(ds).await?;
        let attempt = async {
            let fetched = self.fetch_source(&def, progress.as_ref()).await?;
            if stored.content_hash.as_deref() == Some(fetched.hash.as_str()) {
                let same = Refreshed {
                    dataset: ds.clone(),
                    version: None,
                };
                return Ok((same, fetched.hash));
            }
            let (d, v) = self
                .import_fetched(org, actor, &ds.name, &fetched, None, progress.clone())
                .await?;
            let new = Refreshed {
                dataset: d,
                version: Some(v),
            };
            Ok::<_, Error>((new, fetched.hash))
        };
        match attempt.await {
            Ok((r, hash)) => {
                let outcome = match r.version {
                    Some(_) => Outcome::Imported,
                    None => Outcome::Unchanged,
                };
                self.store
                    .sources()
                    .record_source_check(&org.id, &ds.id, outcome, Some(&hash), "", actor)
                    .await?;
                Ok(r)
            }
            Err(e) => {
                self.store
                    .sources()
                    .record_source_check(
                        &org.id,
                        &ds.id,
                        Outcome::Failed,
                        None,
                        &e.to_string(),
                        actor,
                    )
                    .await?;
                Err(e)
            }
        }
    }
}

/// The catalog metadata a new dataset from a CBS table starts with: the table's title,
/// description and frequency, the defaults otherwise; `None` when CBS' text does not pass the
/// catalog's rules (too long), so that the defaults apply.
fn table_meta(t: &TableInfo, publisher: &str) -> Option<DatasetMeta> {
    let d = DatasetMeta::for_new(&t.title, publisher);
    DatasetMeta::parse(
        &t.title,
        &t.description,
        &d.publisher,
        &d.contact_name,
        &d.contact_email,
        &d.theme,
        &d.licence,
        d.access_rights.as_str(),
        t.cadence,
        &d.tags,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cbs_table_gives_a_new_dataset_its_catalog_entry_unless_its_text_breaks_the_rules() {
        let t = TableInfo {
            title: "Kerncijfers wijken en buurten 2023".into(),
            description: "Per buurt.".into(),
            cadence: "ANNUAL",
        };
        let m = table_meta(&t, "Provincie Utrecht").expect("valid");
        assert_eq!(
            (m.title.as_str(), m.description.as_str(), m.cadence.as_str()),
            ("Kerncijfers wijken en buurten 2023", "Per buurt.", "ANNUAL")
        );
        assert_eq!(m.publisher, "Provincie Utrecht");
        let long = TableInfo {
            title: "x".repeat(201),
            ..t
        };
        assert!(table_meta(&long, "Provincie Utrecht").is_none());
    }

    #[test]
    fn wfs_capabilities() {
        let xml = r#"<?xml version="1.0"?>
<wfs:WFS_Capabilities xmlns:wfs="http://www.opengis.net/wfs/2.0" version="2.0.0">
  <ows:ServiceIdentification xmlns:ows="http://www.opengis.net/ows/1.1"><ows:Title>Wijken</ows:Title></ows:ServiceIdentification>
  <wfs:FeatureTypeList>
    <wfs:FeatureType><wfs:Name>wijkenbuurten:wijken</wfs:Name><wfs:Title>Wijken</wfs:Title></wfs:FeatureType>
    <wfs:FeatureType><wfs:Name>wijkenbuurten:buurten</wfs:Name></wfs:FeatureType>
  </wfs:FeatureTypeList>
</wfs:WFS_Capabilities>"#;
        let t = wfs_feature_types(xml).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].id, "wijkenbuurten:wijken");
        assert_eq!(t[0].title, "Wijken");
        assert_eq!(t[1].title, "wijkenbuurten:buurten");
        assert!(wfs_feature_types("<html><body>Nee</body></html>").is_err());
        assert!(wfs_feature_types("").is_err());
    }

    #[test]
    fn odata_metadata_columns() {
        let xml = r#"<edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" Version="1.0"><edmx:DataServices>
<Schema Namespace="Cbs.OData" xmlns="http://schemas.microsoft.com/ado/2008/09/edm">
<EntityType Name="TypedDataSet"><Key><PropertyRef Name="ID"/></Key>
<Property Name="ID" Type="Edm.Int32" Nullable="false"/><Property Name="RegioS" Type="Edm.String"/><Property Name="Perioden" Type="Edm.String"/><Property Name="Bevolking_1" Type="Edm.Int64"/></EntityType>
<EntityType Name="Perioden"><Property Name="Key" Type="Edm.String"/></EntityType>
<EntityContainer Name="Cbs"><EntitySet Name="TypedDataSet" EntityType="Cbs.OData.TypedDataSet"/><EntitySet Name="Perioden" EntityType="Cbs.OData.Perioden"/></EntityContainer>
</Schema></edmx:DataServices></edmx:Edmx>"#;
        let c = metadata_columns(xml, "TypedDataSet").unwrap().unwrap();
        let names: Vec<&str> = c.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["ID", "RegioS", "Perioden", "Bevolking_1"]);
        assert_eq!(c[3].1, "Edm.Int64");
        assert_eq!(metadata_columns(xml, "Perioden").unwrap().unwrap().len(), 1);
        assert_eq!(metadata_columns(xml, "Onbekend").unwrap(), None);
        assert!(metadata_columns("<html/>", "TypedDataSet").is_err());
    }

    #[test]
    fn snippets_and_names() {
        assert_eq!(
            snippet(
                b"<html><head><title>Fout</title></head><body><p>Niet   hier</p></body></html>"
            ),
            "Fout Niet hier"
        );
        let d = SourceDef::parse(
            "odata",
            "https://opendata.cbs.nl/ODataApi/odata/85318NED",
            "",
            "",
            "",
            "",
        )
        .unwrap();
        assert_eq!(suggested_name(&d), "cbs_85318ned");
        let w = SourceDef::parse(
            "wfs",
            "https://x.nl/wfs",
            "wijkenbuurten:wijken",
            "",
            "",
            "",
        )
        .unwrap();
        assert_eq!(suggested_name(&w), "wijken");
    }
}
