//! Dataset version files on S3-compatible object storage.
//!
//! By default every version is a Parquet file in the data folder. With `storage =
//! "s3://bucket/prefix"` a version is still written locally first (to a temporary file), then
//! uploaded in parts under `prefix/datasets/<org id>/<name>/<version id>.parquet`; only a
//! completed upload is recorded in the store, as the object's URL
//! (`s3://bucket/prefix/datasets/…`). The engine reads such versions straight from the
//! bucket.

use crate::{Error, Result};
use futures::StreamExt;
use koers_engine::{Progress, Unit};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{
    BackoffConfig, ClientOptions, MultipartUpload, ObjectStore, ObjectStoreExt, PutPayload,
    RetryConfig,
};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// The size of one uploaded part (S3 wants at least 5 MiB for every part but the last).
const PART_BYTES: usize = 8 * 1024 * 1024;

/// How to reach an S3-compatible service; what is not set here comes from the usual
/// `AWS_*` environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_REGION`, `AWS_ENDPOINT`, …).
#[derive(Debug, Clone, Default)]
pub struct S3Options {
    /// The service's address, e.g. `http://127.0.0.1:9000` for MinIO [default: AWS].
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Allow a plain-http endpoint (a local MinIO or test server).
    pub allow_http: bool,
    /// Address the bucket as `bucket.host` instead of `host/bucket` (path style, the
    /// default, which MinIO and most S3-compatible services expect).
    pub virtual_hosted: bool,
}

/// Where dataset versions are kept when not in the data folder: a bucket and a prefix.
#[derive(Debug, Clone)]
pub struct ObjectStorage {
    /// `s3://bucket`, the URL the store is registered under in the engine.
    bucket: Url,
    /// The prefix of every key, possibly empty.
    prefix: ObjectPath,
    store: Arc<dyn ObjectStore>,
}

/// Reads `s3://bucket/prefix` (the prefix may be empty) into the bucket URL and the prefix,
/// refusing anything else with a message that says what is expected.
pub fn parse_storage_url(s: &str) -> Result<(Url, ObjectPath)> {
    let bad = |why: &str| {
        Error::ObjectStorage(format!(
            "ongeldige opslag {s:?}: {why}; verwacht s3://bucket of s3://bucket/prefix"
        ))
    };
    let url = Url::parse(s.trim()).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "s3" {
        return Err(bad(&format!(
            "schema {:?} wordt niet ondersteund",
            url.scheme()
        )));
    }
    let bucket = match url.host_str() {
        Some(b) if !b.is_empty() => b.to_string(),
        _ => return Err(bad("geen bucket")),
    };
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(bad("geen query, fragment of inloggegevens in de URL"));
    }
    let prefix =
        ObjectPath::parse(url.path().trim_matches('/')).map_err(|e| bad(&e.to_string()))?;
    let bucket_url = Url::parse(&format!("s3://{bucket}")).map_err(|e| bad(&e.to_string()))?;
    Ok((bucket_url, prefix))
}

impl ObjectStorage {
    /// An S3-compatible bucket at `url` (`s3://bucket/prefix`). Nothing is contacted yet; see
    /// [`check`](Self::check).
    pub fn s3(url: &str, opts: &S3Options) -> Result<ObjectStorage> {
        let (bucket, prefix) = parse_storage_url(url)?;
        // The client options below replace those `from_env` read, AWS_ALLOW_HTTP among them.
        let allow_http = opts.allow_http
            || std::env::var("AWS_ALLOW_HTTP").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
        let mut b = AmazonS3Builder::from_env()
            .with_bucket_name(bucket.host_str().unwrap_or_default())
            .with_client_options(
                ClientOptions::new()
                    .with_allow_http(allow_http)
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(120)),
            )
            // A few quick retries: an unreachable store is reported within seconds.
            .with_retry(RetryConfig {
                backoff: BackoffConfig {
                    init_backoff: Duration::from_millis(100),
                    max_backoff: Duration::from_secs(2),
                    base: 2.0,
                },
                max_retries: 3,
                retry_timeout: Duration::from_secs(30),
            });
        if opts.virtual_hosted {
            b = b.with_virtual_hosted_style_request(true);
        }
        if let Some(e) = &opts.endpoint {
            b = b.with_endpoint(e);
        }
        if let Some(r) = &opts.region {
            b = b.with_region(r);
        }
        if let Some(k) = &opts.access_key_id {
            b = b.with_access_key_id(k);
        }
        if let Some(k) = &opts.secret_access_key {
            b = b.with_secret_access_key(k);
        }
        let store = b.build().map_err(|e| {
            Error::ObjectStorage(format!("kan objectopslag {url} niet instellen: {e}"))
        })?;
        Ok(ObjectStorage::new(bucket, prefix, Arc::new(store)))
    }

    /// Storage on any object store, registered in the engine under `bucket` (`s3://name`).
    pub fn new(bucket: Url, prefix: ObjectPath, store: Arc<dyn ObjectStore>) -> ObjectStorage {
        ObjectStorage {
            bucket,
            prefix,
            store,
        }
    }

    /// `s3://bucket`.
    pub fn bucket_url(&self) -> &Url {
        &self.bucket
    }

    /// The object store itself.
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    /// `s3://bucket/prefix`, as configured.
    pub fn describe(&self) -> String {
        let mut s = self.bucket.as_str().trim_end_matches('/').to_string();
        if !self.prefix.as_ref().is_empty() {
            s.push('/');
            s.push_str(self.prefix.as_ref());
        }
        s
    }

    /// The key of a version file, from its path relative to the data folder
    /// (`datasets/<org>/<name>/<id>.parquet`).
    pub fn key(&self, relative: &str) -> Result<ObjectPath> {
        let rel = ObjectPath::parse(relative.replace('\\', "/"))
            .map_err(|e| Error::ObjectStorage(format!("ongeldige objectnaam {relative:?}: {e}")))?;
        Ok(self.prefix.parts().chain(rel.parts()).collect())
    }

    /// The URL recorded for the object at `key`: `s3://bucket/<key>`.
    pub fn object_url(&self, key: &ObjectPath) -> String {
        format!("{}/{key}", self.bucket.as_str().trim_end_matches('/'))
    }

    /// Whether the bucket can be listed with these credentials (readiness, start-up).
    pub async fn check(&self) -> Result<()> {
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        let mut list = self.store.list(prefix);
        match list.next().await {
            None | Some(Ok(_)) => Ok(()),
            Some(Err(e)) => Err(Error::ObjectStorage(format!(
                "objectopslag {} is niet bereikbaar: {e}",
                self.describe()
            ))),
        }
    }

    /// Uploads the local file `local` to `key` in parts of [`PART_BYTES`], never holding more
    /// than one part in memory. On any failure the multipart upload is aborted, so no object
    /// appears. Blocking reads happen on a blocking thread. Gives back the size and SHA-256
    /// of what was sent.
    pub async fn upload(
        &self,
        local: &Path,
        key: &ObjectPath,
        progress: &(dyn Progress + Send + Sync),
    ) -> Result<(u64, String)> {
        let size = std::fs::metadata(local)?.len();
        progress.set_total(size, Unit::Bytes);
        let mut upload = self.store.put_multipart(key).await.map_err(|e| {
            Error::ObjectStorage(format!("upload naar {} mislukt: {e}", self.describe()))
        })?;
        match self.upload_parts(local, upload.as_mut(), progress).await {
            Ok(digest) => Ok(digest),
            Err(e) => {
                if let Err(abort) = upload.abort().await {
                    tracing::warn!(error = %abort, %key, "could not abort a failed upload");
                }
                Err(e)
            }
        }
    }

    async fn upload_parts(
        &self,
        local: &Path,
        upload: &mut dyn MultipartUpload,
        progress: &(dyn Progress + Send + Sync),
    ) -> Result<(u64, String)> {
        let fail = |e: object_store::Error| {
            Error::ObjectStorage(format!("upload naar {} mislukt: {e}", self.describe()))
        };
        let mut file = Some(std::fs::File::open(local)?);
        let mut hash = Sha256::new();
        let mut size = 0u64;
        loop {
            let Some(f) = file.take() else { break };
            let (f, part) = tokio::task::spawn_blocking(move || read_part(f))
                .await
                .map_err(|e| Error::ObjectStorage(format!("upload afgebroken: {e}")))??;
            if part.is_empty() {
                break;
            }
            let n = part.len() as u64;
            hash.update(&part);
            size += n;
            upload
                .put_part(PutPayload::from(part))
                .await
                .map_err(fail)?;
            progress.advance(n);
            file = Some(f);
        }
        upload.complete().await.map_err(fail)?;
        Ok((size, hex::encode(hash.finalize())))
    }

    /// The size and SHA-256 of the object at `key`, read as a stream; `None` when there is
    /// no such object.
    pub async fn digest(&self, key: &ObjectPath) -> Result<Option<(u64, String)>> {
        let Some(mut chunks) = self.chunks(key, None).await? else {
            return Ok(None);
        };
        let (mut hash, mut size) = (Sha256::new(), 0u64);
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            hash.update(&chunk);
        }
        Ok(Some((size, hex::encode(hash.finalize()))))
    }

    /// Writes the object at `key` to the local file `local` (a copy of a version to work
    /// on, as when rows are appended to it), chunk by chunk as it streams in, without
    /// blocking the thread; `progress` hears its size and every byte.
    pub async fn download(
        &self,
        key: &ObjectPath,
        local: &Path,
        progress: &(dyn Progress + Send + Sync),
    ) -> Result<u64> {
        use tokio::io::AsyncWriteExt;
        let Some(mut chunks) = self.chunks(key, Some(progress)).await? else {
            return Err(Error::ObjectStorage(format!(
                "{} bestaat niet (meer)",
                self.object_url(key)
            )));
        };
        let mut file = tokio::io::BufWriter::new(tokio::fs::File::create(local).await?);
        let mut size = 0u64;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        Ok(size)
    }

    /// The object at `key` as a stream of chunks, each told to `progress` (if any) once
    /// read; `None` when there is no such object.
    async fn chunks<'a>(
        &'a self,
        key: &'a ObjectPath,
        progress: Option<&'a (dyn Progress + Send + Sync)>,
    ) -> Result<Option<futures::stream::BoxStream<'a, Result<bytes::Bytes>>>> {
        let unreadable = move |e: object_store::Error| {
            Error::ObjectStorage(format!("kan {} niet lezen: {e}", self.object_url(key)))
        };
        let got = match self.store.get(key).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(unreadable(e)),
        };
        if let Some(p) = progress {
            p.set_total(got.meta.size, Unit::Bytes);
        }
        Ok(Some(
            got.into_stream()
                .map(move |chunk| {
                    let chunk = chunk.map_err(unreadable)?;
                    if let Some(p) = progress {
                        p.advance(chunk.len() as u64);
                    }
                    Ok(chunk)
                })
                .boxed(),
        ))
    }

    /// The key of an object recorded as `url` (`s3://bucket/<key>`), when it is in this
    /// storage's bucket.
    pub fn key_of(&self, url: &str) -> Result<ObjectPath> {
        let bucket = self.bucket.as_str().trim_end_matches('/');
        url.strip_prefix(bucket)
            .and_then(|rest| rest.strip_prefix('/'))
            .and_then(|key| ObjectPath::parse(key).ok())
            .ok_or_else(|| {
                Error::ObjectStorage(format!(
                    "{url} staat niet in de ingestelde objectopslag {}",
                    self.describe()
                ))
            })
    }

    /// Removes the object at `key` (after an upload whose recording failed).
    pub async fn delete(&self, key: &ObjectPath) -> Result<()> {
        self.store.delete(key).await.map_err(|e| {
            Error::ObjectStorage(format!(
                "kan {} niet verwijderen: {e}",
                self.object_url(key)
            ))
        })
    }
}

/// What [`migrate`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Versions copied, checked and switched to object storage.
    pub moved: usize,
    /// Versions already on object storage (an earlier run).
    pub skipped: usize,
    /// Bytes copied.
    pub bytes: u64,
}

/// Copies every dataset version still in the data folder to `to`, checks the copy (size and
/// SHA-256 read back from the bucket), then records the object as the version's file and
/// removes the local file. Versions already on object storage are skipped, so running it
/// again after an interruption continues where it stopped. `progress` gets the total bytes
/// of the versions to move and every byte uploaded.
pub async fn migrate(
    store: &koers_store::Store,
    data_dir: &Path,
    to: &ObjectStorage,
    actor: &koers_store::Actor,
    progress: &(dyn Progress + Send + Sync),
) -> Result<MigrationReport> {
    let mut report = MigrationReport::default();
    let mut todo = Vec::new();
    for v in store.catalog().all_dataset_versions().await? {
        if v.on_object_storage() {
            report.skipped += 1;
            continue;
        }
        let local = data_dir.join(&v.file);
        let size = std::fs::metadata(&local)
            .map_err(|e| {
                Error::ObjectStorage(format!(
                    "het bestand {} van versie {} is niet te lezen: {e}",
                    local.display(),
                    v.id
                ))
            })?
            .len();
        todo.push((v, local, size));
    }
    progress.set_total(todo.iter().map(|(_, _, size)| size).sum(), Unit::Bytes);
    for (v, local, _) in todo {
        let key = to.key(&v.file)?;
        let sent = to.upload(&local, &key, progress).await?;
        let stored = to.digest(&key).await?;
        if stored.as_ref() != Some(&sent) {
            let _ = to.delete(&key).await;
            return Err(Error::ObjectStorage(format!(
                "de kopie van {} in {} klopt niet (grootte of SHA-256 wijkt af); niets omgezet",
                local.display(),
                to.describe()
            )));
        }
        store
            .catalog()
            .relocate_version(&v.id, &to.object_url(&key), actor)
            .await?;
        std::fs::remove_file(&local)?;
        report.moved += 1;
        report.bytes += sent.0;
    }
    Ok(report)
}

/// Reads up to one part from `f`.
fn read_part(f: std::fs::File) -> Result<(std::fs::File, Vec<u8>)> {
    let mut buf = Vec::with_capacity(PART_BYTES);
    let mut limited = f.take(PART_BYTES as u64);
    limited.read_to_end(&mut buf)?;
    Ok((limited.into_inner(), buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_urls() {
        let (b, p) = parse_storage_url("s3://koers-data/prod/v1").unwrap();
        assert_eq!(b.as_str(), "s3://koers-data");
        assert_eq!(p.as_ref(), "prod/v1");
        let (b, p) = parse_storage_url("s3://koers-data").unwrap();
        assert_eq!(b.as_str(), "s3://koers-data");
        assert_eq!(p.as_ref(), "");
        for bad in [
            "",
            "koers-data",
            "ftp://host/x",
            "file:///tmp/x",
            "s3://",
            "s3:///prefix",
            "s3://b/p?x=1",
            "s3://user:pw@b/p",
        ] {
            let e = parse_storage_url(bad).unwrap_err().to_string();
            assert!(e.contains("ongeldige opslag"), "{bad}: {e}");
        }
    }

    #[test]
    fn keys_and_urls() {
        let s = ObjectStorage::s3(
            "s3://b/pre/fix",
            &S3Options {
                endpoint: Some("http://127.0.0.1:1".into()),
                region: Some("us-east-1".into()),
                access_key_id: Some("k".into()),
                secret_access_key: Some("s".into()),
                allow_http: true,
                virtual_hosted: false,
            },
        )
        .unwrap();
        let k = s.key("datasets/o/n/v.parquet").unwrap();
        assert_eq!(k.as_ref(), "pre/fix/datasets/o/n/v.parquet");
        let url = s.object_url(&k);
        assert_eq!(url, "s3://b/pre/fix/datasets/o/n/v.parquet");
        assert_eq!(s.describe(), "s3://b/pre/fix");
    }
}
