//! The rules of the remote services a dataset can be read from (no I/O here): what a source
//! definition must hold, the request URLs of each protocol, how each one pages, and how CBS'
//! OData types become columns. [`super::fetch`] does the requests.
//!
//! - `ogcapi`: an OGC API – Features collection (PDOK), GeoJSON pages linked by `next`.
//! - `wfs`: a WFS 2.0.0 feature type, GeoJSON pages by `count`/`startIndex`.
//! - `odata`: a CBS StatLine table (OData v3 or v4), pages linked by `odata.nextLink`.
//! - `ckan`: a CKAN package (data.overheid.nl); one of its resources is downloaded.

use koers_core::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use url::Url;

/// The protocol of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Ogcapi,
    Wfs,
    Odata,
    Ckan,
}

impl SourceKind {
    pub const ALL: [SourceKind; 4] = [
        SourceKind::Ogcapi,
        SourceKind::Wfs,
        SourceKind::Odata,
        SourceKind::Ckan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Ogcapi => "ogcapi",
            SourceKind::Wfs => "wfs",
            SourceKind::Odata => "odata",
            SourceKind::Ckan => "ckan",
        }
    }

    pub fn parse(s: &str) -> Result<SourceKind, Invalid> {
        SourceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| Invalid::one("kind", "enum", "kies ogcapi, wfs, odata of ckan"))
    }
}

/// The coordinate reference systems a source can be asked for.
pub const CRSES: [&str; 2] = ["EPSG:4326", "EPSG:28992"];

/// The OGC URI of a CRS, as OGC API – Features wants it.
fn crs_uri(crs: &str) -> &'static str {
    if crs == "EPSG:28992" {
        "http://www.opengis.net/def/crs/EPSG/0/28992"
    } else {
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    }
}

/// A remote service a dataset is read from, kept with the dataset so it can be refreshed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceDef {
    pub kind: SourceKind,
    /// The service: an OGC API landing page, a WFS endpoint, a CBS table's OData root, or a
    /// CKAN site (or its Action API).
    pub url: Url,
    /// The collection (ogcapi), feature type (wfs), entity set (odata; `TypedDataSet` by
    /// default) or package id (ckan).
    pub item: String,
    /// CKAN: the resource, by id or by format (`CSV`, `GeoJSON`, …); the first one koers can
    /// read when empty.
    #[serde(default)]
    pub resource: String,
    /// `EPSG:4326` (CRS84) or `EPSG:28992`; for ckan only when the file does not say.
    #[serde(default)]
    pub crs: String,
    /// minx, miny, maxx, maxy in the source's CRS (ogcapi and wfs).
    #[serde(default)]
    pub bbox: Option<[f64; 4]>,
}

/// The entity set read from a CBS table when none is given.
pub const ODATA_DEFAULT_SET: &str = "TypedDataSet";

/// Query keys of a WFS request that koers sets itself; dropped from a pasted URL.
const WFS_KEYS: [&str; 10] = [
    "service",
    "request",
    "version",
    "typename",
    "typenames",
    "outputformat",
    "count",
    "startindex",
    "srsname",
    "bbox",
];

/// Splits `a/b/c` off the end of a path: the part before `/{marker}/` and the segment after.
fn split_after<'a>(path: &'a str, marker: &str) -> Option<(&'a str, &'a str)> {
    let at = path.find(marker)?;
    let rest = &path[at + marker.len()..];
    Some((&path[..at], rest.split('/').next().unwrap_or_default()))
}

impl SourceDef {
    /// Checks and normalises a definition as a person gives it; a URL copied from a browser
    /// (an items page, a GetCapabilities request, a `package_show?id=…` call) is understood.
    pub fn parse(
        kind: &str,
        url: &str,
        item: &str,
        resource: &str,
        crs: &str,
        bbox: &str,
    ) -> Result<SourceDef, Invalid> {
        let mut errors = Vec::new();
        let kind = match SourceKind::parse(kind) {
            Ok(k) => Some(k),
            Err(Invalid(mut e)) => {
                errors.append(&mut e);
                None
            }
        };
        let mut item = item.trim().to_string();
        let parsed = match Url::parse(url.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Some(u),
            Ok(_) => {
                errors.push(FieldError::new(
                    "url",
                    "scheme",
                    "alleen http- en https-adressen",
                ));
                None
            }
            Err(_) if url.trim().is_empty() => {
                errors.push(FieldError::new(
                    "url",
                    "required",
                    "geef het adres van de dienst",
                ));
                None
            }
            Err(e) => {
                errors.push(FieldError::new(
                    "url",
                    "url",
                    format!("ongeldig adres: {e}"),
                ));
                None
            }
        };
        let url = match (kind, parsed) {
            (Some(k), Some(u)) => Some(normalise_url(k, u, &mut item)),
            _ => None,
        };
        if item.is_empty() && kind == Some(SourceKind::Odata) {
            item = ODATA_DEFAULT_SET.into();
        }
        let item_name = "item";
        if item.is_empty() {
            errors.push(FieldError::new(
                item_name,
                "required",
                "kies wat u uit de dienst wilt lezen",
            ));
        } else if item.len() > 200
            || item
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "/?#&".contains(c))
        {
            errors.push(FieldError::new(
                item_name,
                "pattern",
                "een naam zonder spaties, /, ?, # of &",
            ));
        }
        let crs = crs.trim().to_ascii_uppercase();
        let crs = match crs.as_str() {
            "" => match kind {
                Some(SourceKind::Ogcapi) => "EPSG:4326".to_string(),
                Some(SourceKind::Wfs) => "EPSG:28992".to_string(),
                _ => String::new(),
            },
            "CRS84" | "OGC:CRS84" | "EPSG:4326" => "EPSG:4326".to_string(),
            "EPSG:28992" => crs,
            _ => {
                errors.push(FieldError::new(
                    "crs",
                    "enum",
                    "kies EPSG:4326 of EPSG:28992",
                ));
                String::new()
            }
        };
        let bbox = match parse_bbox(bbox) {
            Ok(b) => b,
            Err(reason) => {
                errors.push(FieldError::new("bbox", "bbox", reason));
                None
            }
        };
        if bbox.is_some() && matches!(kind, Some(SourceKind::Odata | SourceKind::Ckan)) {
            errors.push(FieldError::new(
                "bbox",
                "unsupported",
                "een gebied kan alleen bij ogcapi en wfs",
            ));
        }
        let resource = resource.trim().to_string();
        if !resource.is_empty() && kind != Some(SourceKind::Ckan) {
            errors.push(FieldError::new(
                "resource",
                "unsupported",
                "een resource kiest u alleen bij ckan",
            ));
        }
        Invalid::unless_empty(errors)?;
        let (Some(kind), Some(url)) = (kind, url) else {
            return Err(Invalid::one(
                "url",
                "required",
                "geef het adres van de dienst",
            ));
        };
        Ok(SourceDef {
            kind,
            url,
            item,
            resource,
            crs,
            bbox,
        })
    }

    /// A short description, used as the version's source.
    pub fn label(&self) -> String {
        format!("{} {} ({})", self.kind.as_str(), self.url, self.item)
    }

    /// The first page to request (ogcapi, wfs and odata), `page_size` features per page.
    pub fn first_page(&self, page_size: usize) -> String {
        match self.kind {
            SourceKind::Ogcapi => {
                let mut u = self.url_with_path(&["collections", &self.item, "items"]);
                {
                    let mut q = u.query_pairs_mut();
                    q.append_pair("f", "json");
                    q.append_pair("limit", &page_size.to_string());
                    if self.crs == "EPSG:28992" {
                        q.append_pair("crs", crs_uri(&self.crs));
                    }
                    if let Some(b) = self.bbox {
                        q.append_pair("bbox", &bbox_text(b));
                        q.append_pair("bbox-crs", crs_uri(&self.crs));
                    }
                }
                u.to_string()
            }
            SourceKind::Wfs => self.wfs_page(page_size, 0),
            SourceKind::Odata => {
                let mut u = self.url_with_path(&[&self.item]);
                u.query_pairs_mut().append_pair("$format", "json");
                u.to_string()
            }
            SourceKind::Ckan => self.package_show(),
        }
    }

    /// A WFS 2.0.0 GetFeature page from `start`.
    pub fn wfs_page(&self, count: usize, start: usize) -> String {
        let mut u = self.url.clone();
        {
            let mut q = u.query_pairs_mut();
            q.append_pair("service", "WFS")
                .append_pair("version", "2.0.0")
                .append_pair("request", "GetFeature")
                .append_pair("typeNames", &self.item)
                .append_pair("outputFormat", "application/json")
                .append_pair("srsName", &self.crs)
                .append_pair("count", &count.to_string())
                .append_pair("startIndex", &start.to_string());
            if let Some(b) = self.bbox {
                q.append_pair("bbox", &format!("{},{}", bbox_text(b), self.crs));
            }
        }
        u.to_string()
    }

    /// What the service offers: its collections, feature types, entity sets, or (ckan) the
    /// package's resources.
    pub fn offers_url(&self) -> String {
        match self.kind {
            SourceKind::Ogcapi => {
                let mut u = self.url_with_path(&["collections"]);
                u.query_pairs_mut().append_pair("f", "json");
                u.to_string()
            }
            SourceKind::Wfs => {
                let mut u = self.url.clone();
                u.query_pairs_mut()
                    .append_pair("service", "WFS")
                    .append_pair("version", "2.0.0")
                    .append_pair("request", "GetCapabilities");
                u.to_string()
            }
            SourceKind::Odata => {
                let mut u = self.url.clone();
                u.query_pairs_mut().append_pair("$format", "json");
                u.to_string()
            }
            SourceKind::Ckan => self.package_show(),
        }
    }

    /// The OData `$metadata` document of the table.
    pub fn odata_metadata(&self) -> String {
        self.url_with_path(&["$metadata"]).to_string()
    }

    /// Another entity set of the same OData service as JSON, such as CBS' `DataProperties`
    /// (what each column is) and `TableInfos` (what the table is).
    pub fn odata_set(&self, set: &str) -> String {
        let mut u = self.url_with_path(&[set]);
        u.query_pairs_mut().append_pair("$format", "json");
        u.to_string()
    }

    fn package_show(&self) -> String {
        let mut u = self.url_with_path(&["package_show"]);
        u.query_pairs_mut().append_pair("id", &self.item);
        u.to_string()
    }

    /// The URL with path segments added (each escaped), its query kept.
    fn url_with_path(&self, segments: &[&str]) -> Url {
        let mut u = self.url.clone();
        if let Ok(mut p) = u.path_segments_mut() {
            p.pop_if_empty().extend(segments);
        }
        u
    }
}

fn bbox_text(b: [f64; 4]) -> String {
    b.map(|v| v.to_string()).join(",")
}

/// `minx,miny,maxx,maxy`, or nothing.
fn parse_bbox(s: &str) -> Result<Option<[f64; 4]>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| "vier getallen: minx,miny,maxx,maxy".to_string())?;
    match v.as_slice() {
        [a, b, c, d] if a.is_finite() && b.is_finite() && c.is_finite() && d.is_finite() => {
            if a < c && b < d {
                Ok(Some([*a, *b, *c, *d]))
            } else {
                Err("minx moet kleiner zijn dan maxx en miny kleiner dan maxy".into())
            }
        }
        _ => Err("vier getallen: minx,miny,maxx,maxy".into()),
    }
}

/// Makes a pasted URL the service's base and takes the item from it when it names one.
fn normalise_url(kind: SourceKind, mut u: Url, item: &mut String) -> Url {
    u.set_fragment(None);
    match kind {
        SourceKind::Ogcapi => {
            let path = u.path().to_string();
            if let Some((base, collection)) = split_after(&path, "/collections/") {
                if item.is_empty() {
                    *item = collection.to_string();
                }
                u.set_path(base);
            } else if let Some(base) = path.strip_suffix("/collections") {
                u.set_path(base);
            }
            u.set_query(None);
        }
        SourceKind::Wfs => {
            let kept: Vec<(String, String)> = u
                .query_pairs()
                .filter(|(k, v)| {
                    let k = k.to_ascii_lowercase();
                    if (k == "typenames" || k == "typename") && item.is_empty() {
                        *item = v.to_string();
                    }
                    !WFS_KEYS.contains(&k.as_str())
                })
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            u.set_query(None);
            if !kept.is_empty() {
                u.query_pairs_mut().extend_pairs(kept);
            }
        }
        SourceKind::Odata => {
            u.set_query(None);
            let path = u.path().trim_end_matches('/').to_string();
            for set in [ODATA_DEFAULT_SET, "UntypedDataSet", "$metadata"] {
                if let Some(base) = path.strip_suffix(&format!("/{set}")) {
                    if item.is_empty() && set != "$metadata" {
                        *item = set.to_string();
                    }
                    u.set_path(base);
                }
            }
        }
        SourceKind::Ckan => {
            let path = u.path().trim_end_matches('/').to_string();
            let id = u
                .query_pairs()
                .find(|(k, _)| k == "id")
                .map(|(_, v)| v.into_owned());
            let base = if let Some(at) = path.find("/api/3/action") {
                if item.is_empty()
                    && let Some(id) = id
                {
                    *item = id;
                }
                format!("{}/api/3/action", &path[..at])
            } else if let Some((site, package)) = split_after(&path, "/dataset/") {
                if item.is_empty() {
                    *item = package.to_string();
                }
                format!("{site}/api/3/action")
            } else if path.ends_with("/api/3") {
                format!("{path}/action")
            } else {
                format!("{path}/api/3/action")
            };
            u.set_query(None);
            u.set_path(&base);
        }
    }
    let path = u.path().trim_end_matches('/').to_string();
    u.set_path(&path);
    u
}

/// One page of features from an OGC API or WFS: the features and where the next page is.
#[derive(Debug)]
pub struct FeaturePage {
    pub features: Vec<Value>,
    /// How many features match in all, when the service says.
    pub matched: Option<u64>,
    /// The next page's URL (ogcapi), absolute.
    pub next: Option<String>,
}

/// Reads a GeoJSON FeatureCollection page; `at` is its URL (to resolve a relative link).
pub fn feature_page(body: &Value, at: &str) -> Result<FeaturePage, String> {
    if body.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err("de dienst gaf geen GeoJSON FeatureCollection".into());
    }
    let features = body
        .get("features")
        .and_then(Value::as_array)
        .ok_or("de FeatureCollection heeft geen features")?
        .clone();
    if let Some(bad) = features
        .iter()
        .position(|f| f.get("type").and_then(Value::as_str) != Some("Feature"))
    {
        return Err(format!("object {} van de pagina is geen Feature", bad + 1));
    }
    let next = body
        .get("links")
        .and_then(Value::as_array)
        .and_then(|links| {
            links.iter().find(|l| {
                l.get("rel").and_then(Value::as_str) == Some("next")
                    && l.get("type")
                        .and_then(Value::as_str)
                        .is_none_or(|t| t.contains("json"))
            })
        })
        .and_then(|l| l.get("href").and_then(Value::as_str))
        .map(|href| resolve(at, href))
        .transpose()?;
    Ok(FeaturePage {
        features,
        matched: body.get("numberMatched").and_then(Value::as_u64),
        next,
    })
}

/// Where the next WFS page starts, after `start` features of which the last page held
/// `returned`: none after an empty page or once all `matched` are read. A server may answer
/// fewer than asked per page (PDOK caps `count`), so a short page alone does not end it.
pub fn wfs_next_start(start: usize, returned: usize, matched: Option<u64>) -> Option<usize> {
    if returned == 0 || matched.is_some_and(|m| start as u64 >= m) {
        None
    } else {
        Some(start)
    }
}

fn resolve(at: &str, href: &str) -> Result<String, String> {
    Url::parse(at)
        .and_then(|base| base.join(href))
        .map(|u| u.to_string())
        .map_err(|e| format!("ongeldige volgende-pagina-link {href}: {e}"))
}

/// What the columns of a CBS table mean, from its `DataProperties` (one page of them): each
/// property's `Key` (the column name) and its `Title`, with its `Unit` in brackets when it
/// has one ("Bevolkingsdichtheid (aantal inwoners per km²)"). Properties without a key or a
/// title (topic groups) are left out.
pub fn data_property_titles(body: &Value, at: &str) -> Result<BTreeMap<String, String>, String> {
    let text = |row: &serde_json::Map<String, Value>, k: &str| {
        row.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Ok(odata_page(body, at)?
        .rows
        .iter()
        .filter_map(|row| {
            let (key, title) = (text(row, "Key")?, text(row, "Title")?);
            let title = match text(row, "Unit") {
                Some(unit) => format!("{title} ({unit})"),
                None => title,
            };
            Some((key, title))
        })
        .collect())
}

/// What a CBS table is, from its `TableInfos`: the catalog metadata a new dataset starts with.
#[derive(Debug, Clone, PartialEq)]
pub struct TableInfo {
    pub title: String,
    pub description: String,
    /// A DCAT frequency (see [`koers_core::catalog::CADENCES`]).
    pub cadence: &'static str,
}

/// Reads CBS' `TableInfos` (its first row): `Title`, `ShortDescription` (else `Summary`) and
/// `Frequency` ("Perjaar" → `ANNUAL`, …; what CBS does not name → `UNKNOWN`). `None` when the
/// answer has no row with a title.
pub fn cbs_table_info(body: &Value, at: &str) -> Result<Option<TableInfo>, String> {
    let page = odata_page(body, at)?;
    let Some(row) = page.rows.first() else {
        return Ok(None);
    };
    let text = |k: &str| {
        row.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let Some(title) = text("Title") else {
        return Ok(None);
    };
    let cadence = match text("Frequency").map(str::to_lowercase).as_deref() {
        Some("perdag") => "DAILY",
        Some("perweek") => "WEEKLY",
        Some("permaand") => "MONTHLY",
        Some("perkwartaal") => "QUARTERLY",
        Some("perjaar") => "ANNUAL",
        Some("eenmalig" | "stopgezet") => "NEVER",
        Some("onregelmatig" | "tweejaarlijks" | "driejaarlijks" | "vierjaarlijks") => "IRREG",
        _ => "UNKNOWN",
    };
    Ok(Some(TableInfo {
        title: title.to_string(),
        description: text("ShortDescription")
            .or_else(|| text("Summary"))
            .unwrap_or_default()
            .to_string(),
        cadence,
    }))
}

/// One page of an OData entity set: its rows and the next page's URL.
#[derive(Debug)]
pub struct ODataPage {
    pub rows: Vec<serde_json::Map<String, Value>>,
    pub next: Option<String>,
}

/// Reads an OData JSON page (v3 `odata.nextLink`, v4 `@odata.nextLink`, v2 `d.__next`).
pub fn odata_page(body: &Value, at: &str) -> Result<ODataPage, String> {
    let body = body.get("d").unwrap_or(body);
    let rows = body
        .get("value")
        .or_else(|| body.get("results"))
        .and_then(Value::as_array)
        .ok_or("de dienst gaf geen OData-antwoord (geen value)")?;
    let rows = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.as_object()
                .cloned()
                .ok_or_else(|| format!("rij {} van de pagina is geen object", i + 1))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let next = ["@odata.nextLink", "odata.nextLink", "__next"]
        .iter()
        .find_map(|k| body.get(*k).and_then(Value::as_str))
        .map(|href| resolve(at, href))
        .transpose()?;
    Ok(ODataPage { rows, next })
}

/// What a column of an OData table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Integer,
    Decimal,
    Boolean,
}

/// The kind of an OData (EDM) type, e.g. `Edm.Int32`; CBS' DataProperties name the same
/// types without `Edm.` (`Long`, `Double`, `Integer`, `String`).
pub fn odata_kind(edm: &str) -> ColumnKind {
    let t = edm.trim().trim_start_matches("Edm.").to_ascii_lowercase();
    match t.as_str() {
        "byte" | "sbyte" | "int16" | "int32" | "int64" | "integer" | "long" | "short" => {
            ColumnKind::Integer
        }
        "double" | "single" | "decimal" | "float" => ColumnKind::Decimal,
        "boolean" => ColumnKind::Boolean,
        _ => ColumnKind::Text,
    }
}

/// A value of an OData row as a CSV cell of its column's kind: dimension keys (text) are kept
/// as CBS gives them without their padding; a number that arrives as text in a numeric
/// column (OData v4 may send `Edm.Int64` and `Edm.Decimal` as strings) is written as a number;
/// anything that does not fit is an error, so a broken page is never half imported.
pub fn odata_cell(v: &Value, kind: ColumnKind) -> Result<String, String> {
    let text = match v {
        Value::Null => return Ok(String::new()),
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => return Err(format!("onverwachte waarde {other}")),
    };
    let ok = match kind {
        ColumnKind::Text => true,
        ColumnKind::Integer => text.is_empty() || text.parse::<i64>().is_ok(),
        ColumnKind::Decimal => text.is_empty() || text.parse::<f64>().is_ok(),
        ColumnKind::Boolean => matches!(text.as_str(), "" | "true" | "false"),
    };
    if !ok {
        return Err(format!("{text:?} is geen {kind:?}").to_lowercase());
    }
    Ok(koers_core::csv::quote(&text))
}

/// A CKAN resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CkanResource {
    pub id: String,
    pub name: String,
    pub format: String,
    pub url: String,
}

impl CkanResource {
    /// The importer format koers reads it with, if any.
    pub fn koers_format(&self) -> Option<&'static str> {
        let f = self.format.trim().to_ascii_lowercase();
        let from_url = self
            .url
            .split(['?', '#'])
            .next()
            .and_then(|p| p.rsplit('.').next())
            .unwrap_or_default()
            .to_ascii_lowercase();
        [f.as_str(), from_url.as_str()]
            .iter()
            .find_map(|s| match *s {
                "csv" | "text/csv" => Some("csv"),
                "geojson" | "application/geo+json" => Some("geojson"),
                "parquet" | "geoparquet" => Some("parquet"),
                "xlsx" => Some("xlsx"),
                "shp" | "shapefile" | "zip" | "esri shapefile" => Some("shp"),
                "gpkg" | "geopackage" => Some("gpkg"),
                "cityjson" | "jsonl" => Some("cityjson"),
                _ => None,
            })
    }
}

/// The list at `pointer` in a service's answer, or the error `missing`.
fn array_at<'a>(body: &'a Value, pointer: &str, missing: &str) -> Result<&'a [Value], String> {
    (body.pointer(pointer).and_then(Value::as_array))
        .map(Vec::as_slice)
        .ok_or_else(|| missing.to_string())
}

/// The resources of a CKAN `package_show` answer.
pub fn ckan_resources(body: &Value) -> Result<Vec<CkanResource>, String> {
    if body.get("success").and_then(Value::as_bool) != Some(true) {
        let why = body
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or("geen CKAN-antwoord");
        return Err(format!("CKAN: {why}"));
    }
    let list = array_at(
        body,
        "/result/resources",
        "CKAN: het pakket heeft geen resources",
    )?;
    Ok(list
        .iter()
        .map(|r| {
            let s = |k: &str| {
                r.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            CkanResource {
                id: s("id"),
                name: s("name"),
                format: s("format"),
                url: s("url"),
            }
        })
        .collect())
}

/// The resource a definition asks for: by id, else the first of that format, else (when
/// none is named) the first koers can read.
pub fn choose_resource<'a>(
    resources: &'a [CkanResource],
    wanted: &str,
) -> Result<&'a CkanResource, String> {
    let wanted = wanted.trim();
    let readable = |r: &&CkanResource| r.koers_format().is_some();
    let found = if wanted.is_empty() {
        resources.iter().find(readable)
    } else {
        resources.iter().find(|r| r.id == wanted).or_else(|| {
            resources
                .iter()
                .filter(readable)
                .find(|r| r.format.eq_ignore_ascii_case(wanted))
        })
    };
    let found = found.ok_or_else(|| {
        if wanted.is_empty() {
            "het pakket heeft geen resource die koers kan lezen (CSV, GeoJSON, Parquet, XLSX, shapefile, GeoPackage)".to_string()
        } else {
            format!("het pakket heeft geen resource {wanted:?}")
        }
    })?;
    if found.koers_format().is_none() {
        return Err(format!(
            "koers kan resource {:?} ({}) niet lezen",
            found.name, found.format
        ));
    }
    Ok(found)
}

/// Something a service offers to read: a collection, feature type, entity set or resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Offer {
    pub id: String,
    pub title: String,
}

impl Offer {
    /// An offer as a service lists it: its id under `id`, its title under `title` (else the
    /// id); none without an id.
    fn listed(item: &Value, id: &str) -> Option<Offer> {
        let id = item.get(id).and_then(Value::as_str)?.to_string();
        let title = item.get("title").and_then(Value::as_str).unwrap_or(&id);
        Some(Offer {
            title: title.to_string(),
            id,
        })
    }
}

/// The collections of an OGC API `/collections` answer.
pub fn ogc_collections(body: &Value) -> Result<Vec<Offer>, String> {
    let missing = "de dienst gaf geen lijst van collecties (geen OGC API – Features?)";
    let list = array_at(body, "/collections", missing)?;
    Ok(list.iter().filter_map(|c| Offer::listed(c, "id")).collect())
}

/// The entity sets of an OData service document (v3/v4 `value`, v2 `d.EntitySets`).
pub fn odata_sets(body: &Value) -> Result<Vec<Offer>, String> {
    if let Some(sets) = body.pointer("/d/EntitySets").and_then(Value::as_array) {
        return Ok(sets
            .iter()
            .filter_map(Value::as_str)
            .map(|s| Offer {
                id: s.into(),
                title: s.into(),
            })
            .collect());
    }
    let list = array_at(body, "/value", "de dienst gaf geen OData-servicedocument")?;
    Ok(list
        .iter()
        .filter_map(|s| Offer::listed(s, "name"))
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn cbs_table_infos_give_title_description_and_frequency() {
        let info = |row: serde_json::Value| {
            super::cbs_table_info(&serde_json::json!({"value": [row]}), "x").expect("read")
        };
        let t = info(serde_json::json!({"Title": " Kerncijfers wijken en buurten 2023 ", "ShortDescription": "Cijfers per buurt.", "Summary": "Kort", "Frequency": "Perjaar"}))
            .expect("a table");
        assert_eq!(
            (t.title.as_str(), t.description.as_str(), t.cadence),
            (
                "Kerncijfers wijken en buurten 2023",
                "Cijfers per buurt.",
                "ANNUAL"
            )
        );
        let t = info(
            serde_json::json!({"Title": "Bevolking", "Summary": "Kort", "Frequency": "Permaand"}),
        )
        .expect("a table");
        assert_eq!((t.description.as_str(), t.cadence), ("Kort", "MONTHLY"));
        let t =
            info(serde_json::json!({"Title": "Oud", "Frequency": "Stopgezet"})).expect("a table");
        assert_eq!(t.cadence, "NEVER");
        let t = info(serde_json::json!({"Title": "Iets", "Frequency": "Soms"})).expect("a table");
        assert_eq!(t.cadence, "UNKNOWN");
        assert_eq!(info(serde_json::json!({"Title": " "})), None);
        assert_eq!(
            super::cbs_table_info(&serde_json::json!({"value": []}), "x"),
            Ok(None)
        );
        assert!(super::cbs_table_info(&serde_json::json!("html"), "x").is_err());
    }

    #[test]
    fn cbs_data_properties_give_column_titles_with_their_unit() {
        let body = serde_json::json!({"odata.metadata": "x", "value": [
            {"ID": 0, "Type": "Dimension", "Key": "WijkenEnBuurten", "Title": "Wijken en buurten", "Unit": null},
            {"ID": 1, "Type": "TopicGroup", "Key": "", "Title": "Bevolking"},
            {"ID": 2, "Type": "Topic", "Key": "AantalInwoners_5", "Title": "Aantal inwoners", "Unit": "aantal"},
            {"ID": 3, "Type": "Topic", "Key": "Bevolkingsdichtheid_33", "Title": " ", "Unit": "per km²"},
            {"ID": 4, "Type": "Topic", "Key": 7, "Title": "Geen tekst"}
        ]});
        let titles = super::data_property_titles(&body, "x").expect("titles");
        assert_eq!(
            titles.into_iter().collect::<Vec<_>>(),
            vec![
                (
                    "AantalInwoners_5".to_string(),
                    "Aantal inwoners (aantal)".to_string()
                ),
                (
                    "WijkenEnBuurten".to_string(),
                    "Wijken en buurten".to_string()
                ),
            ]
        );
        assert!(super::data_property_titles(&serde_json::json!({"x": 1}), "x").is_err());
    }

    use super::*;
    use serde_json::json;

    fn def(kind: &str, url: &str, item: &str) -> SourceDef {
        SourceDef::parse(kind, url, item, "", "", "").unwrap()
    }

    #[test]
    fn pasted_urls_become_service_and_item() {
        // (kind, pasted, item typed) → (service, item, CRS)
        let cases = [
            (
                (
                    "ogcapi",
                    "https://api.pdok.nl/kadaster/bestuurlijkegebieden/ogc/v1/collections/gemeentegebied/items?f=json",
                    "",
                ),
                (
                    "https://api.pdok.nl/kadaster/bestuurlijkegebieden/ogc/v1",
                    "gemeentegebied",
                    "EPSG:4326",
                ),
            ),
            (
                (
                    "wfs",
                    "https://service.pdok.nl/cbs/wijkenbuurten/2023/wfs/v1_0?request=GetCapabilities&service=WFS&token=x",
                    "wijken",
                ),
                (
                    "https://service.pdok.nl/cbs/wijkenbuurten/2023/wfs/v1_0?token=x",
                    "wijken",
                    "EPSG:28992",
                ),
            ),
            (
                (
                    "odata",
                    "https://opendata.cbs.nl/ODataApi/odata/85318NED/",
                    "",
                ),
                (
                    "https://opendata.cbs.nl/ODataApi/odata/85318NED",
                    "TypedDataSet",
                    "",
                ),
            ),
            (
                (
                    "odata",
                    "https://opendata.cbs.nl/ODataApi/odata/85318NED/UntypedDataSet?$format=json",
                    "",
                ),
                (
                    "https://opendata.cbs.nl/ODataApi/odata/85318NED",
                    "UntypedDataSet",
                    "",
                ),
            ),
            (
                (
                    "ckan",
                    "https://data.overheid.nl/data/api/3/action/package_show?id=abc-1",
                    "",
                ),
                ("https://data.overheid.nl/data/api/3/action", "abc-1", ""),
            ),
            (
                ("ckan", "https://data.overheid.nl/data/dataset/abc-2", ""),
                ("https://data.overheid.nl/data/api/3/action", "abc-2", ""),
            ),
            (
                ("ckan", "https://ckan.example/", "p"),
                ("https://ckan.example/api/3/action", "p", ""),
            ),
        ];
        for ((kind, pasted, item), want) in cases {
            let d = def(kind, pasted, item);
            assert_eq!(
                (d.url.as_str(), d.item.as_str(), d.crs.as_str()),
                want,
                "{pasted}"
            );
        }
    }

    #[test]
    fn every_problem_is_listed() {
        let e = SourceDef::parse("gopher", "ftp://x", "", "", "EPSG:3857", "1,2,3").unwrap_err();
        let names: Vec<&str> = e.0.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["kind", "url", "item", "crs", "bbox"]);
        let e = SourceDef::parse("ogcapi", "", "a b", "", "", "4,0,1,1").unwrap_err();
        let codes: Vec<&str> = e.0.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["required", "pattern", "bbox"]);
        let e = SourceDef::parse("odata", "https://x.nl/t", "", "CSV", "", "0,0,1,1").unwrap_err();
        let codes: Vec<&str> = e.0.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["unsupported", "unsupported"]);
    }

    #[test]
    fn request_urls() {
        let mut d = def("ogcapi", "https://api.pdok.nl/x/ogc/v1/", "wegen");
        assert_eq!(
            d.first_page(500),
            "https://api.pdok.nl/x/ogc/v1/collections/wegen/items?f=json&limit=500"
        );
        d.crs = "EPSG:28992".into();
        d.bbox = Some([100000.0, 400000.0, 200000.0, 500000.0]);
        assert_eq!(
            d.first_page(10),
            "https://api.pdok.nl/x/ogc/v1/collections/wegen/items?f=json&limit=10&crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F28992&bbox=100000%2C400000%2C200000%2C500000&bbox-crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F28992"
        );
        assert_eq!(
            d.offers_url(),
            "https://api.pdok.nl/x/ogc/v1/collections?f=json"
        );
        let w = def("wfs", "https://service.pdok.nl/w/wfs/v1_0", "wijken");
        assert_eq!(
            w.wfs_page(1000, 2000),
            "https://service.pdok.nl/w/wfs/v1_0?service=WFS&version=2.0.0&request=GetFeature&typeNames=wijken&outputFormat=application%2Fjson&srsName=EPSG%3A28992&count=1000&startIndex=2000"
        );
        assert!(w.offers_url().ends_with("request=GetCapabilities"));
        let o = def(
            "odata",
            "https://opendata.cbs.nl/ODataApi/odata/85318NED",
            "",
        );
        assert_eq!(
            o.first_page(0),
            "https://opendata.cbs.nl/ODataApi/odata/85318NED/TypedDataSet?%24format=json"
        );
        assert_eq!(
            o.odata_metadata(),
            "https://opendata.cbs.nl/ODataApi/odata/85318NED/$metadata"
        );
    }

    #[test]
    fn ckan_item_with_space_is_refused() {
        assert!(SourceDef::parse("ckan", "https://x.nl", "a b", "", "", "").is_err());
        let c = def("ckan", "https://data.overheid.nl/data", "wegen-2024");
        assert_eq!(
            c.first_page(0),
            "https://data.overheid.nl/data/api/3/action/package_show?id=wegen-2024"
        );
    }

    #[test]
    fn paging() {
        let page = json!({"type": "FeatureCollection", "numberMatched": 3, "features": [{"type": "Feature", "properties": {}, "geometry": null}],
            "links": [{"rel": "self", "href": "x"}, {"rel": "next", "type": "text/html", "href": "html"}, {"rel": "next", "type": "application/geo+json", "href": "items?offset=1"}]});
        let p = feature_page(&page, "http://h/c/items?f=json").unwrap();
        assert_eq!(p.next.as_deref(), Some("http://h/c/items?offset=1"));
        assert_eq!(p.matched, Some(3));
        assert!(feature_page(&json!({"type": "Feature"}), "http://h/").is_err());
        assert!(
            feature_page(
                &json!({"type": "FeatureCollection", "features": [1]}),
                "http://h/"
            )
            .is_err()
        );
        let v3 = json!({"odata.metadata": "m", "value": [{"ID": 0}], "odata.nextLink": "http://h/T?$skip=1"});
        assert_eq!(
            odata_page(&v3, "http://h/T").unwrap().next.as_deref(),
            Some("http://h/T?$skip=1")
        );
        let v4 = json!({"value": [], "@odata.nextLink": "T?$skip=2"});
        assert_eq!(
            odata_page(&v4, "http://h/x/T").unwrap().next.as_deref(),
            Some("http://h/x/T?$skip=2")
        );
        let v2 = json!({"d": {"results": [{"a": 1}], "__next": "http://h/n"}});
        assert_eq!(odata_page(&v2, "http://h/").unwrap().rows.len(), 1);
        assert!(odata_page(&json!({"value": [1]}), "http://h/").is_err());
        assert!(odata_page(&json!("<html>"), "http://h/").is_err());
    }

    #[test]
    fn wfs_pages_end() {
        assert_eq!(wfs_next_start(1000, 1000, None), Some(1000));
        assert_eq!(wfs_next_start(1500, 500, None), Some(1500));
        assert_eq!(wfs_next_start(1500, 0, None), None);
        assert_eq!(wfs_next_start(1500, 500, Some(1500)), None);
        assert_eq!(wfs_next_start(1000, 1000, Some(1500)), Some(1000));
    }

    #[test]
    fn odata_types_and_cells() {
        assert_eq!(odata_kind("Edm.Int32"), ColumnKind::Integer);
        assert_eq!(odata_kind("Long"), ColumnKind::Integer);
        assert_eq!(odata_kind("Edm.Double"), ColumnKind::Decimal);
        assert_eq!(odata_kind("Edm.Boolean"), ColumnKind::Boolean);
        assert_eq!(odata_kind("Edm.String"), ColumnKind::Text);
        assert_eq!(odata_kind("Edm.DateTime"), ColumnKind::Text);
        assert_eq!(
            odata_cell(&json!("GM0363    "), ColumnKind::Text).unwrap(),
            "GM0363"
        );
        assert_eq!(
            odata_cell(&json!("a,b"), ColumnKind::Text).unwrap(),
            "\"a,b\""
        );
        assert_eq!(
            odata_cell(&json!(12.5), ColumnKind::Decimal).unwrap(),
            "12.5"
        );
        assert_eq!(odata_cell(&json!("42"), ColumnKind::Integer).unwrap(), "42");
        assert_eq!(odata_cell(&Value::Null, ColumnKind::Integer).unwrap(), "");
        assert!(odata_cell(&json!("veel"), ColumnKind::Integer).is_err());
        assert!(odata_cell(&json!({"a": 1}), ColumnKind::Text).is_err());
    }

    #[test]
    fn ckan_choice() {
        let body = json!({"success": true, "result": {"resources": [
            {"id": "r1", "name": "Toelichting", "format": "PDF", "url": "http://h/t.pdf"},
            {"id": "r2", "name": "Wegen", "format": "GeoJSON", "url": "http://h/w.geojson"},
            {"id": "r3", "name": "Wegen tabel", "format": "CSV", "url": "http://h/w.csv"}]}});
        let rs = ckan_resources(&body).unwrap();
        assert_eq!(choose_resource(&rs, "").unwrap().id, "r2");
        assert_eq!(choose_resource(&rs, "csv").unwrap().id, "r3");
        assert_eq!(
            choose_resource(&rs, "r3").unwrap().koers_format(),
            Some("csv")
        );
        assert!(
            choose_resource(&rs, "r1")
                .unwrap_err()
                .contains("niet lezen")
        );
        assert!(choose_resource(&rs, "xml").is_err());
        let e = ckan_resources(&json!({"success": false, "error": {"message": "Not found"}}))
            .unwrap_err();
        assert!(e.contains("Not found"));
    }

    #[test]
    fn offers() {
        let c = json!({"collections": [{"id": "wegen", "title": "Wegen"}, {"id": "water"}]});
        assert_eq!(ogc_collections(&c).unwrap()[1].title, "water");
        assert!(ogc_collections(&json!({})).is_err());
        let s =
            json!({"value": [{"name": "TypedDataSet", "url": "x"}, {"name": "DataProperties"}]});
        assert_eq!(odata_sets(&s).unwrap().len(), 2);
        let v2 = json!({"d": {"EntitySets": ["TypedDataSet"]}});
        assert_eq!(odata_sets(&v2).unwrap()[0].id, "TypedDataSet");
    }
}
