//! OGC API – Features and OGC API – Tiles at `/ogc`: the published spatial datasets of every
//! organisation, for GIS clients such as QGIS, GDAL and OWSLib, without an account — their
//! objects, and vector tiles of them in WebMercatorQuad (each object as the middle of its
//! geometry, counted per cell where they are many).
//!
//! Published means: DCAT access rights *public* (the same rule that lets other organisations
//! query a dataset). Each such dataset with a geometry column is a collection named
//! `<cbs code>_<name>` (e.g. `pv26_gemeenten`) serving its newest version; nothing else of
//! koers is reachable here. Features are read through the query engine with SQL that koers
//! writes from checked parameters (`ST_Intersects` and `ST_Transform` for `bbox`, the first
//! date or timestamp column for `datetime`); a feature's id is its row number in the version
//! file, stable because versions never change. Errors are `application/problem+json` with the
//! OGC exception's `code` and `description` as well.

pub mod params;

use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use koers_app::catalog::{Dataset, DatasetVersion};
use koers_app::results::{self, Results};
use params::{CRS84, CRSS, TimeRange, crs_uri, quote_ident};
use serde_json::{Value, json};

/// The table name of a collection's version in the SQL koers writes.
const TABLE: &str = "dataset_version";
/// The row-number column that becomes the feature id.
const FID: &str = "__koers_fid";

pub fn router() -> Router<AppState> {
    routes! {
        "/ogc" => get(landing),
        "/ogc/api" => get(service_desc),
        "/ogc/conformance" => get(conformance),
        "/ogc/collections" => get(collections),
        "/ogc/collections/{collection_id}" => get(collection),
        "/ogc/collections/{collection_id}/items" => get(items),
        "/ogc/collections/{collection_id}/items/{feature_id}" => get(feature),
        "/ogc/collections/{collection_id}/tiles" => get(tilesets),
        "/ogc/collections/{collection_id}/tiles/{tile_matrix_set}" => get(tileset),
        "/ogc/collections/{collection_id}/tiles/{tile_matrix_set}/{tile_matrix}/{tile_row}/{tile_col}" => get(tile),
    }
}

/// An error as an OGC API exception (`code`, `description`) that is also an RFC 9457
/// problem, as the NL API Design Rules ask.
#[derive(Debug)]
pub struct OgcError {
    status: StatusCode,
    code: &'static str,
    description: String,
}

impl OgcError {
    fn bad(description: impl Into<String>) -> Self {
        OgcError {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidParameterValue",
            description: description.into(),
        }
    }

    fn not_found(what: &str) -> Self {
        OgcError {
            status: StatusCode::NOT_FOUND,
            code: "NotFound",
            description: format!("{what} not found"),
        }
    }
}

impl From<AppError> for OgcError {
    fn from(e: AppError) -> Self {
        let status = e.status();
        if status.is_server_error() {
            tracing::error!(error = %e, "OGC API request failed");
        }
        OgcError {
            status,
            code: match status {
                StatusCode::NOT_FOUND => "NotFound",
                StatusCode::BAD_REQUEST => "InvalidParameterValue",
                s if s.is_server_error() => "ServerError",
                _ => "OperationFailed",
            },
            description: e.detail(),
        }
    }
}

impl From<koers_app::Error> for OgcError {
    fn from(e: koers_app::Error) -> Self {
        AppError::from(e).into()
    }
}

impl IntoResponse for OgcError {
    fn into_response(self) -> Response {
        let body = json!({
            "type": format!("https://koers.example/problems/{}", self.status.as_u16()),
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.description,
            "code": self.code,
            "description": self.description,
        });
        let mut resp = (self.status, axum::Json(body)).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        resp
    }
}

type Result<T> = std::result::Result<T, OgcError>;

/// The query parameters, each at most once, only those an operation knows.
fn query_params(raw: Option<&str>, allowed: &[&str]) -> Result<Vec<(String, String)>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| OgcError::bad(format!("unreadable query string: {e}")))?;
    for (i, (k, _)) in pairs.iter().enumerate() {
        if !allowed.contains(&k.as_str()) {
            return Err(OgcError::bad(format!(
                "unknown query parameter '{k}'; this operation takes {}",
                allowed.join(", ")
            )));
        }
        if pairs[..i].iter().any(|(p, _)| p == k) {
            return Err(OgcError::bad(format!("query parameter '{k}' given twice")));
        }
    }
    if let Some((_, f)) = pairs.iter().find(|(k, _)| k == "f")
        && f != "json"
    {
        return Err(OgcError::bad(format!(
            "f must be json (JSON and GeoJSON are the formats served), not '{f}'"
        )));
    }
    Ok(pairs)
}

/// A request whose query may only name the format (`f`, which must be `json`), checked as
/// [`query_params`] does.
struct FormatOnly;

impl<S: Send + Sync> FromRequestParts<S> for FormatOnly {
    type Rejection = OgcError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        query_params(parts.uri.query(), &["f"])?;
        Ok(FormatOnly)
    }
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn json_response(body: Value, content_type: &'static str) -> Response {
    let mut resp = axum::Json(body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

fn link(href: String, rel: &str, kind: &str, title: &str) -> Value {
    json!({ "href": href, "rel": rel, "type": kind, "title": title })
}

async fn landing(
    State(state): State<AppState>,
    headers: HeaderMap,
    _: FormatOnly,
) -> Result<Response> {
    let base = state.cfg.base_url(&headers);
    Ok(json_response(
        json!({
            "title": "koers – open ruimtelijke data",
            "description": "De gepubliceerde ruimtelijke datasets van de organisaties op deze koers, als OGC API – Features.",
            "links": [
                link(format!("{base}/ogc?f=json"), "self", "application/json", "Deze pagina"),
                link(format!("{base}/ogc/api"), "service-desc", "application/vnd.oai.openapi+json;version=3.0", "De API-beschrijving (OpenAPI 3.0)"),
                link(format!("{base}/ogc/conformance"), "conformance", "application/json", "Conformiteitsklassen"),
                link(format!("{base}/ogc/collections"), "data", "application/json", "Collecties"),
                link(format!("{base}/api/v1/public-catalog"), "describedby", "application/ld+json", "De catalogus van gepubliceerde datasets (DCAT-AP-NL)"),
            ],
        }),
        "application/json",
    ))
}

/// The conformance classes koers implements.
pub const CONFORMANCE: [&str; 9] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
];

/// The one tile matrix set koers cuts tiles in: OGC's WebMercatorQuad (the XYZ scheme of
/// web maps).
const WEB_MERCATOR_QUAD: &str = "WebMercatorQuad";
const WEB_MERCATOR_QUAD_URI: &str =
    "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
const MVT: &str = "application/vnd.mapbox-vector-tile";

/// A collection's vector tileset in WebMercatorQuad: what it holds and where its tiles are.
fn tileset_json(p: &Published, base: &str) -> Value {
    let url = format!("{base}/ogc/collections/{}/tiles/{WEB_MERCATOR_QUAD}", p.id);
    json!({
        "title": format!("{} (vectortegels)", p.dataset.meta.title),
        "description": "Elk object als punt (het midden van zijn geometrie); in een tegel met meer dan 4.096 punten één punt per cel van een raster van 128 × 128 met het aantal (aantal).",
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
        "layers": [{"id": "punten", "dataType": "vector", "geometryDimension": 0,
                    "propertiesSchema": {"type": "object", "properties": {"aantal": {"type": "integer"}}}}],
        "links": [
            link(url.clone(), "self", "application/json", "Deze tegelset"),
            link(WEB_MERCATOR_QUAD_URI.into(), "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "application/json", "WebMercatorQuad"),
            link(format!("{base}/ogc/collections/{}", p.id), "http://www.opengis.net/def/rel/ogc/1.0/geodata", "application/json", "De collectie"),
            json!({"href": format!("{url}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"), "rel": "item",
                   "type": MVT, "templated": true, "title": "Een tegel"}),
        ],
    })
}

/// The tilesets of a collection: one, vector tiles in WebMercatorQuad.
async fn tilesets(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    _: FormatOnly,
) -> Result<Response> {
    let p = published_one(&state, &id).await?;
    let base = state.cfg.base_url(&headers);
    let set = tileset_json(&p, &base);
    Ok(json_response(
        json!({
            "links": [link(format!("{base}/ogc/collections/{id}/tiles"), "self", "application/json", "Tegelsets")],
            "tilesets": [{
                "title": set["title"], "dataType": "vector", "crs": set["crs"],
                "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
                "links": [link(format!("{base}/ogc/collections/{id}/tiles/{WEB_MERCATOR_QUAD}"), "self", "application/json", "De tegelset"),
                          link(WEB_MERCATOR_QUAD_URI.into(), "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "application/json", "WebMercatorQuad")],
            }],
        }),
        "application/json",
    ))
}

/// The tile matrix set of a path: only WebMercatorQuad is cut.
fn web_mercator_quad(name: &str) -> Result<()> {
    if name == WEB_MERCATOR_QUAD {
        Ok(())
    } else {
        Err(OgcError::not_found("tile matrix set"))
    }
}

async fn tileset(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, set)): Path<(String, String)>,
    _: FormatOnly,
) -> Result<Response> {
    web_mercator_quad(&set)?;
    let p = published_one(&state, &id).await?;
    Ok(json_response(
        tileset_json(&p, &state.cfg.base_url(&headers)),
        "application/json",
    ))
}

/// One vector tile of a published collection (Mapbox Vector Tile, layer `punten`).
async fn tile(
    State(state): State<AppState>,
    Path((id, set, matrix, row, col)): Path<(String, String, String, String, String)>,
    _: FormatOnly,
) -> Result<Response> {
    web_mercator_quad(&set)?;
    let (z, y, x) = crate::tiles::address((&matrix, &row, &col)).map_err(|_| {
        OgcError::bad("tileMatrix, tileRow and tileCol are whole numbers of 0 or more")
    })?;
    let p = published_one(&state, &id).await?;
    let tile = koers_app::tiles::version_tile(&state.ws, &p.version, (z, x, y), None, None)
        .await
        .map_err(|e| match e {
            koers_app::Error::Invalid(i) => OgcError::bad(i.to_string()),
            e => e.into(),
        })?;
    Ok(crate::tiles::answer(tile))
}

async fn conformance(_: FormatOnly) -> Result<Response> {
    Ok(json_response(
        json!({ "conformsTo": CONFORMANCE }),
        "application/json",
    ))
}

/// A published dataset served as a collection.
struct Published {
    id: String,
    dataset: Dataset,
    version: DatasetVersion,
    geometry_column: String,
    storage_srid: i32,
    /// The first date or timestamp column, which `datetime` filters on.
    time_column: Option<String>,
}

impl Published {
    fn of(id: String, dataset: Dataset, version: DatasetVersion) -> Option<Published> {
        let g = version.geometry.as_ref()?;
        let geometry_column = g.get("column")?.as_str()?.to_string();
        let storage_srid = match g.get("crs").and_then(Value::as_str) {
            Some("EPSG:28992") => 28992,
            _ => 4326,
        };
        let time_column = version.columns.as_array().and_then(|cols| {
            cols.iter().find_map(|c| {
                let t = c.get("data_type")?.as_str()?;
                (t.starts_with("Date") || t.starts_with("Timestamp"))
                    .then(|| c.get("name")?.as_str().map(str::to_string))?
            })
        });
        Some(Published {
            id,
            dataset,
            version,
            geometry_column,
            storage_srid,
            time_column,
        })
    }

    /// Quality figures of a column (from the import), if kept.
    fn quality(&self, column: &str) -> Option<&Value> {
        self.version
            .quality
            .as_array()?
            .iter()
            .find(|q| q.get("name").and_then(Value::as_str) == Some(column))
    }

    fn json(&self, base: &str) -> Value {
        let m = &self.dataset.meta;
        let url = format!("{base}/ogc/collections/{}", self.id);
        let mut links = vec![
            link(url.clone(), "self", "application/json", "Deze collectie"),
            link(
                format!("{url}/items"),
                "items",
                "application/geo+json",
                "De objecten",
            ),
            link(
                format!("{url}/tiles"),
                "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                "application/json",
                "Vectortegels",
            ),
        ];
        if let Some(uri) = m.licence_uri() {
            links.push(link(uri.to_string(), "license", "text/html", &m.licence));
        }
        let mut extent = serde_json::Map::new();
        if let Some(bbox) = self
            .quality(&self.geometry_column)
            .and_then(|q| q.get("bbox_wgs84"))
            .filter(|b| b.is_array())
        {
            extent.insert("spatial".into(), json!({ "bbox": [bbox], "crs": CRS84 }));
        }
        if let Some(col) = &self.time_column {
            let q = self.quality(col);
            let end = |k: &str| q.and_then(|q| q.get(k)).cloned().unwrap_or(Value::Null);
            extent.insert(
                "temporal".into(),
                json!({
                    "interval": [[end("min"), end("max")]],
                    "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
                }),
            );
        }
        let mut out = json!({
            "id": self.id,
            "title": m.title,
            "description": m.description,
            "keywords": m.tags,
            "itemType": "feature",
            "crs": CRSS.iter().map(|(u, _)| *u).collect::<Vec<_>>(),
            "storageCrs": crs_uri(self.storage_srid),
            "links": links,
        });
        if !extent.is_empty() {
            out["extent"] = Value::Object(extent);
        }
        if let Some(col) = &self.time_column {
            out["temporalProperty"] = Value::String(col.clone());
        }
        out
    }
}

/// Every published spatial dataset, in a stable order.
async fn published(state: &AppState) -> Result<Vec<Published>> {
    Ok(koers_app::catalog::public_catalog(&state.ws)
        .await?
        .into_iter()
        .filter_map(|e| Published::of(e.ogc_collection?, e.dataset, e.version?))
        .collect())
}

/// One published collection by id; 404 for anything else.
async fn published_one(state: &AppState, id: &str) -> Result<Published> {
    published(state)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| OgcError::not_found("collection"))
}

async fn collections(
    State(state): State<AppState>,
    headers: HeaderMap,
    _: FormatOnly,
) -> Result<Response> {
    let base = state.cfg.base_url(&headers);
    let all = published(&state).await?;
    Ok(json_response(
        json!({
            "links": [link(format!("{base}/ogc/collections"), "self", "application/json", "Collecties")],
            "crs": CRSS.iter().map(|(u, _)| *u).collect::<Vec<_>>(),
            "collections": all.iter().map(|p| p.json(&base)).collect::<Vec<_>>(),
        }),
        "application/json",
    ))
}

async fn collection(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    _: FormatOnly,
) -> Result<Response> {
    let p = published_one(&state, &id).await?;
    Ok(json_response(
        p.json(&state.cfg.base_url(&headers)),
        "application/json",
    ))
}

/// The filters of an items request, as SQL conditions.
fn conditions(p: &Published, pairs: &[(String, String)]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let bbox_crs = param(pairs, "bbox-crs")
        .map(params::parse_crs)
        .transpose()
        .map_err(OgcError::bad)?;
    match (param(pairs, "bbox"), bbox_crs) {
        (None, Some(_)) => return Err(OgcError::bad("bbox-crs needs a bbox")),
        (None, None) => {}
        (Some(raw), crs) => {
            let [x1, y1, x2, y2] = params::parse_bbox(raw).map_err(OgcError::bad)?;
            let srid = crs.unwrap_or(4326);
            let shape = format!(
                "ST_GeomFromText('POLYGON(({x1} {y1}, {x2} {y1}, {x2} {y2}, {x1} {y2}, {x1} {y1}))', {srid})"
            );
            let shape = if srid == p.storage_srid {
                shape
            } else {
                format!("ST_Transform({shape}, {})", p.storage_srid)
            };
            out.push(format!(
                "ST_Intersects({}, {shape})",
                quote_ident(&p.geometry_column)
            ));
        }
    }
    if let Some(raw) = param(pairs, "datetime") {
        let range: TimeRange = params::parse_datetime(raw).map_err(OgcError::bad)?;
        match &p.time_column {
            Some(col) => out.extend(range.sql(&quote_ident(col))),
            None => {
                return Err(OgcError::bad(
                    "this collection has no date or time column to filter on",
                ));
            }
        }
    }
    Ok(out)
}

/// The output CRS of a request (`crs`), CRS84 by default.
fn output_srid(pairs: &[(String, String)]) -> Result<i32> {
    param(pairs, "crs")
        .map(params::parse_crs)
        .transpose()
        .map_err(OgcError::bad)
        .map(|s| s.unwrap_or(4326))
}

fn where_clause(conds: &[String]) -> String {
    if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    }
}

fn numbered() -> String {
    format!(
        "WITH numbered AS (SELECT ROW_NUMBER() OVER () AS {}, * FROM {TABLE})",
        quote_ident(FID)
    )
}

fn geojson_response(body: Value, srid: i32) -> Response {
    let mut resp = json_response(body, "application/geo+json");
    if let Ok(v) = HeaderValue::from_str(&format!("<{}>", crs_uri(srid))) {
        resp.headers_mut().insert("content-crs", v);
    }
    resp
}

/// The page's URL with other values for some parameters.
fn page_url(url: &str, pairs: &[(String, String)], set: &[(&str, String)]) -> String {
    let mut all: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !set.iter().any(|(s, _)| s == k))
        .cloned()
        .collect();
    all.extend(set.iter().map(|(k, v)| (k.to_string(), v.clone())));
    match serde_urlencoded::to_string(&all) {
        Ok(q) if !q.is_empty() => format!("{url}?{q}"),
        _ => url.to_string(),
    }
}

async fn items(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    let pairs = query_params(
        q.as_deref(),
        &[
            "f", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs",
        ],
    )?;
    let p = published_one(&state, &id).await?;
    let limit = params::parse_limit(param(&pairs, "limit")).map_err(OgcError::bad)?;
    let offset = params::parse_offset(param(&pairs, "offset")).map_err(OgcError::bad)?;
    let srid = output_srid(&pairs)?;
    let conds = conditions(&p, &pairs)?;
    let filter = where_clause(&conds);
    let matched = if conds.is_empty() {
        u64::try_from(p.version.row_count).unwrap_or(0)
    } else {
        let out = state
            .ws
            .query_version(
                &p.version,
                TABLE,
                format!("SELECT COUNT(*) AS n FROM {TABLE}{filter}"),
                1,
            )
            .await?;
        Results::from_output(&out)?
            .rows
            .first()
            .and_then(|r| r.first())
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let features = if offset >= matched {
        Vec::new()
    } else {
        let sql = format!(
            "{} SELECT * FROM numbered{filter} ORDER BY {} LIMIT {limit} OFFSET {offset}",
            numbered(),
            quote_ident(FID)
        );
        let out = state
            .ws
            .query_version(&p.version, TABLE, sql, limit as usize)
            .await?;
        results::features(&out, srid, Some(FID))?
    };
    let returned = features.len() as u64;
    let base = state.cfg.base_url(&headers);
    let url = format!("{base}/ogc/collections/{}/items", p.id);
    let mut links = vec![
        link(
            page_url(&url, &pairs, &[("f", "json".into())]),
            "self",
            "application/geo+json",
            "Deze pagina",
        ),
        link(
            format!("{base}/ogc/collections/{}", p.id),
            "collection",
            "application/json",
            "De collectie",
        ),
    ];
    if offset + returned < matched {
        links.push(link(
            page_url(
                &url,
                &pairs,
                &[
                    ("f", "json".into()),
                    ("offset", (offset + returned).to_string()),
                    ("limit", limit.to_string()),
                ],
            ),
            "next",
            "application/geo+json",
            "Volgende pagina",
        ));
    }
    if offset > 0 {
        links.push(link(
            page_url(
                &url,
                &pairs,
                &[
                    ("f", "json".into()),
                    ("offset", offset.saturating_sub(limit).to_string()),
                    ("limit", limit.to_string()),
                ],
            ),
            "prev",
            "application/geo+json",
            "Vorige pagina",
        ));
    }
    Ok(geojson_response(
        json!({
            "type": "FeatureCollection",
            "timeStamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "numberMatched": matched,
            "numberReturned": returned,
            "features": features,
            "links": links,
        }),
        srid,
    ))
}

async fn feature(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, fid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    let pairs = query_params(q.as_deref(), &["f", "crs"])?;
    let srid = output_srid(&pairs)?;
    let p = published_one(&state, &id).await?;
    let n = fid
        .parse::<u64>()
        .ok()
        .filter(|n| *n >= 1 && *n <= u64::try_from(p.version.row_count).unwrap_or(0))
        .ok_or_else(|| OgcError::not_found("feature"))?;
    let sql = format!(
        "{} SELECT * FROM numbered WHERE {} = {n}",
        numbered(),
        quote_ident(FID)
    );
    let out = state.ws.query_version(&p.version, TABLE, sql, 1).await?;
    let mut feature = results::features(&out, srid, Some(FID))?
        .into_iter()
        .next()
        .ok_or_else(|| OgcError::not_found("feature"))?;
    let base = state.cfg.base_url(&headers);
    let url = format!("{base}/ogc/collections/{}", p.id);
    feature["links"] = json!([
        link(
            page_url(&format!("{url}/items/{n}"), &pairs, &[("f", "json".into())]),
            "self",
            "application/geo+json",
            "Dit object",
        ),
        link(url, "collection", "application/json", "De collectie"),
    ]);
    Ok(geojson_response(feature, srid))
}

/// The OpenAPI 3.0 document of `/ogc` (its service description).
async fn service_desc(State(state): State<AppState>, headers: HeaderMap) -> Response {
    json_response(
        openapi(&state.cfg.base_url(&headers)),
        "application/vnd.oai.openapi+json;version=3.0",
    )
}

fn openapi(base: &str) -> Value {
    let p = |name: &str, schema: Value, description: &str| json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": description, "style": "form", "explode": false });
    let f = p(
        "f",
        json!({ "type": "string", "enum": ["json"] }),
        "Het formaat: JSON (GeoJSON voor objecten)",
    );
    let crs_enum = json!({ "type": "string", "format": "uri", "enum": CRSS.iter().map(|(u, _)| *u).collect::<Vec<_>>() });
    let collection_id = json!({ "name": "collectionId", "in": "path", "required": true, "schema": { "type": "string" }, "description": "Id van de collectie" });
    let err = json!({ "description": "Fout (OGC-exceptie, ook RFC 9457)", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/exception" } } } });
    let ok = |description: &str, kind: &str| json!({ "description": description, "content": { kind: { "schema": { "type": "object" } } } });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "koers OGC API – Features",
            "version": "1.0.0",
            "description": "Gepubliceerde ruimtelijke datasets (toegangsrechten: publiek), zonder inloggen.",
            "contact": { "name": "koers", "url": "https://koers.example.org" },
            "license": { "name": "EUPL-1.2", "url": "https://joinup.ec.europa.eu/collection/eupl/eupl-text-eupl-12" }
        },
        "servers": [{ "url": format!("{base}/ogc") }],
        "paths": {
            "/": { "get": { "operationId": "getLandingPage", "summary": "Landingspagina", "parameters": [f], "responses": { "200": ok("Landingspagina", "application/json"), "400": err } } },
            "/conformance": { "get": { "operationId": "getConformance", "summary": "Conformiteitsklassen", "parameters": [f], "responses": { "200": ok("Conformiteit", "application/json"), "400": err } } },
            "/collections": { "get": { "operationId": "getCollections", "summary": "Collecties", "parameters": [f], "responses": { "200": ok("Collecties", "application/json"), "400": err } } },
            "/collections/{collectionId}": { "get": { "operationId": "getCollection", "summary": "Eén collectie", "parameters": [collection_id, f], "responses": { "200": ok("De collectie", "application/json"), "400": err, "404": err } } },
            "/collections/{collectionId}/items": { "get": {
                "operationId": "getFeatures", "summary": "Objecten van een collectie",
                "parameters": [
                    collection_id, f,
                    p("limit", json!({ "type": "integer", "minimum": 1, "maximum": params::MAX_LIMIT, "default": params::DEFAULT_LIMIT }), "Aantal objecten per pagina (meer dan het maximum geeft het maximum)"),
                    p("offset", json!({ "type": "integer", "minimum": 0, "default": 0 }), "Aantal objecten om over te slaan"),
                    p("bbox", json!({ "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } }), "minx,miny,maxx,maxy in bbox-crs"),
                    p("bbox-crs", crs_enum.clone(), "CRS van bbox (standaard CRS84)"),
                    p("datetime", json!({ "type": "string" }), "Moment of interval (RFC 3339, '..' voor open) op de eerste datum- of tijdkolom"),
                    p("crs", crs_enum.clone(), "CRS van de geometrie in het antwoord (standaard CRS84)"),
                ],
                "responses": { "200": ok("Objecten (GeoJSON)", "application/geo+json"), "400": err, "404": err }
            } },
            "/collections/{collectionId}/items/{featureId}": { "get": {
                "operationId": "getFeature", "summary": "Eén object",
                "parameters": [
                    collection_id, f,
                    { "name": "featureId", "in": "path", "required": true, "schema": { "type": "integer", "minimum": 1 }, "description": "Rijnummer in de versie" },
                    p("crs", crs_enum, "CRS van de geometrie in het antwoord (standaard CRS84)"),
                ],
                "responses": { "200": ok("Het object (GeoJSON)", "application/geo+json"), "400": err, "404": err }
            } },
        },
        "components": { "schemas": { "exception": {
            "type": "object", "required": ["code"],
            "properties": { "code": { "type": "string" }, "description": { "type": "string" }, "status": { "type": "integer" }, "title": { "type": "string" }, "detail": { "type": "string" } }
        } } }
    })
}
