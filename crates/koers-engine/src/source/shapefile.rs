//! Esri shapefiles: a `.shp` with its sibling `.dbf` (and optional `.shx`, `.prj`, `.cpg`), or a
//! `.zip` archive holding exactly one such set.
//!
//! A zip is unpacked into a temporary folder that is removed when the source is dropped (also
//! when the import fails). Entries that would land outside that folder, symlinks, archives with
//! too many entries and archives that unpack to more than a limit (zip bombs) are refused
//! before anything is trusted; only the files of the shapefile set are written.
//!
//! The CRS comes from the `.prj` (RD New and WGS84 are recognised, see
//! [`crs::srid_from_wkt`]); any other CRS, or no `.prj`, needs the caller's override. DBF
//! attributes keep their names; Character becomes Utf8, Numeric Int64 (no decimals) or Float64,
//! Float Float64, Logical Boolean and Date Date32, decoded with the `.cpg` code page when there
//! is one (else the DBF header's; with neither, UTF-8 when the records are, else Windows-1252). Geometry becomes the EWKB column `geom`: points, multipoints,
//! polylines (LineString, or MultiLineString for several parts) and polygons (rings grouped into
//! polygons with holes by orientation and containment; Polygon or MultiPolygon). Z and M
//! ordinates are dropped: koers keeps 2D geometry. Null shapes become NULL.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use geo::{Area, Contains, Coord, Geometry, LineString, MultiLineString, MultiPoint, Polygon};
use shapefile::dbase::{self, FieldType, FieldValue};
use shapefile::{Shape, ShapeReader};

use super::column::{Col, GeometryRows, Kind};
use super::{BATCH_ROWS, Counted, ReadCount, Source, SourceGeometry};
use crate::error::{EngineError, Result};
use crate::progress::{Progress, Unit};
use crate::spatial::{crs, ewkb, geometry_field};

/// Name of the geometry column made from shapes.
pub const GEOMETRY_COLUMN: &str = "geom";

/// At most this many entries in a zipped shapefile.
pub const MAX_ZIP_ENTRIES: usize = 1000;
/// At most this many bytes unpacked from a zipped shapefile.
pub const MAX_ZIP_BYTES: u64 = 16 << 30;

fn invalid(message: impl Into<String>) -> EngineError {
    EngineError::InvalidInput {
        format: "Shapefile",
        message: message.into(),
    }
}

/// Limits for unpacking a zip archive.
#[derive(Debug, Clone, Copy)]
pub struct ZipLimits {
    /// Most entries (files and folders) the archive may hold.
    pub max_entries: usize,
    /// Most bytes all unpacked files together may take.
    pub max_bytes: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_entries: MAX_ZIP_ENTRIES,
            max_bytes: MAX_ZIP_BYTES,
        }
    }
}

/// The extensions of a shapefile set that koers reads.
const SET_EXTENSIONS: [&str; 5] = ["shp", "shx", "dbf", "prj", "cpg"];

/// Unpack the one shapefile set of a zip archive into a new temporary folder. Returns the
/// folder (removed when dropped) and the path of the `.shp` in it.
pub fn unpack_zip(path: &Path, limits: ZipLimits) -> Result<(tempfile::TempDir, PathBuf)> {
    let file = File::open(path)?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| invalid(format!("geen leesbaar zip-archief: {e}")))?;
    if archive.len() > limits.max_entries {
        return Err(invalid(format!(
            "het zip-archief bevat {} bestanden; hoogstens {} mogen",
            archive.len(),
            limits.max_entries
        )));
    }
    // First look at every entry: names, kinds and declared sizes, before writing anything.
    let mut shps: Vec<String> = Vec::new();
    let mut members: Vec<(usize, String, String)> = Vec::new(); // (index, stem, extension)
    let mut declared = 0u64;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| invalid(format!("bestand {} in het zip-archief: {e}", i + 1)))?;
        let name = entry
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| format!("bestand {}", i + 1));
        let traversal = name.starts_with(['/', '\\'])
            || name.split(['/', '\\']).any(|part| part == "..")
            || name.as_bytes().get(1) == Some(&b':');
        if traversal || entry.enclosed_name().is_none() {
            return Err(invalid(format!(
                "het zip-archief bevat een bestand met een onveilig pad ({name:?}); geweigerd"
            )));
        }
        if entry.is_symlink() {
            return Err(invalid(format!(
                "het zip-archief bevat een symbolische koppeling ({name:?}); geweigerd"
            )));
        }
        declared = declared.saturating_add(entry.size());
        if declared > limits.max_bytes {
            return Err(invalid(format!(
                "het zip-archief pakt uit tot meer dan {} bytes; geweigerd",
                limits.max_bytes
            )));
        }
        if entry.is_dir() || name.starts_with("__MACOSX/") || name.contains("/__MACOSX/") {
            continue;
        }
        let p = Path::new(&name);
        let ext = p
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !SET_EXTENSIONS.contains(&ext.as_str()) {
            continue;
        }
        let stem = name[..name.len() - ext.len() - 1].to_string();
        if ext == "shp" {
            shps.push(name.clone());
        }
        members.push((i, stem, ext));
    }
    let shp = match shps.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(invalid(
                "het zip-archief bevat geen .shp-bestand; een gezipte shapefile heeft één .shp met zijn .dbf nodig",
            ));
        }
        many => {
            return Err(invalid(format!(
                "het zip-archief bevat {} shapefiles ({}); zet één shapefile in elke zip",
                many.len(),
                many.join(", ")
            )));
        }
    };
    let stem = shp[..shp.len() - 4].to_string();
    let dir = tempfile::Builder::new().prefix("koers-shp-").tempdir()?;
    let mut written = 0u64;
    for (i, s, ext) in members {
        if !s.eq_ignore_ascii_case(&stem) {
            continue;
        }
        let mut entry = archive
            .by_index(i)
            .map_err(|e| invalid(format!("bestand {} in het zip-archief: {e}", i + 1)))?;
        let mut out = File::create(dir.path().join(format!("data.{ext}")))?;
        // The declared size may lie: count what really comes out.
        let budget = limits.max_bytes - written;
        let n = std::io::copy(&mut (&mut entry).take(budget + 1), &mut out)
            .map_err(|e| invalid(format!("{s}.{ext} is niet uit te pakken: {e}")))?;
        written += n;
        if n > budget {
            return Err(invalid(format!(
                "het zip-archief pakt uit tot meer dan {} bytes; geweigerd",
                limits.max_bytes
            )));
        }
    }
    let shp_path = dir.path().join("data.shp");
    Ok((dir, shp_path))
}

/// The sibling of `shp` with extension `ext` in any letter case.
fn sibling(shp: &Path, ext: &str) -> Option<PathBuf> {
    let exact = shp.with_extension(ext);
    if exact.is_file() {
        return Some(exact);
    }
    let stem = shp.file_stem()?.to_str()?;
    let parent = shp.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = parent.unwrap_or_else(|| Path::new("."));
    std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
        let p = e.path();
        let ok = p.file_stem().and_then(|s| s.to_str()) == Some(stem)
            && p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| x.eq_ignore_ascii_case(ext));
        (ok && p.is_file()).then_some(p)
    })
}

/// The code page of a `.dbf` that names none (no `.cpg`, no code page mark in its header):
/// `None` (UTF-8) when its records are UTF-8, else Windows-1252, in which programs on Dutch
/// Windows write them; the DBF library would read them as UTF-8 and lose every accent.
fn unnamed_code_page(dbf: &Path) -> Result<Option<&'static dbase::encoding_rs::Encoding>> {
    let mut f = BufReader::new(File::open(dbf)?);
    let mut head = [0u8; 32];
    if f.read_exact(&mut head).is_err() || head[29] != 0 {
        // Too short for a header (the DBF library says so), or a code page mark.
        return Ok(None);
    }
    let records = u64::from(u16::from_le_bytes([head[8], head[9]]));
    f.seek(std::io::SeekFrom::Start(records))?;
    Ok((!is_utf8(f)?).then_some(dbase::encoding_rs::WINDOWS_1252))
}

/// Whether all that `r` reads is UTF-8.
fn is_utf8(mut r: impl Read) -> std::io::Result<bool> {
    let mut buf = vec![0u8; 1 << 16];
    let mut carry = 0;
    loop {
        let n = r.read(&mut buf[carry..])?;
        if n == 0 {
            return Ok(carry == 0);
        }
        let len = carry + n;
        carry = match std::str::from_utf8(&buf[..len]) {
            Ok(_) => 0,
            // A character cut at the end of the buffer: its start goes with the next read.
            Err(e) if e.error_len().is_none() => {
                buf.copy_within(e.valid_up_to()..len, 0);
                len - e.valid_up_to()
            }
            Err(_) => return Ok(false),
        };
    }
}

/// The text encoding a `.cpg` names (UTF-8, ISO-8859-1/Windows-1252 and the other code pages
/// `encoding_rs` knows).
fn cpg_encoding(label: &str) -> Option<&'static dbase::encoding_rs::Encoding> {
    use dbase::encoding_rs as enc;
    let l = label.trim().trim_start_matches('\u{feff}');
    let upper = l.to_ascii_uppercase().replace([' ', '_'], "-");
    match upper.as_str() {
        "UTF-8" | "UTF8" | "65001" => Some(enc::UTF_8),
        // Windows-1252 is a superset of ISO-8859-1 for printable text; WHATWG treats them alike.
        "ISO-8859-1" | "8859-1" | "ISO88591" | "LATIN1" | "LATIN-1" | "1252" | "CP1252"
        | "WINDOWS-1252" | "ANSI-1252" | "88591" => Some(enc::WINDOWS_1252),
        "ISO-8859-15" | "8859-15" | "LATIN9" | "LATIN-9" => Some(enc::ISO_8859_15),
        other => {
            let code = other
                .trim_start_matches("CP")
                .trim_start_matches("ANSI-")
                .parse::<u16>()
                .ok();
            match code {
                Some(c) => codepage_encoding(c),
                None => enc::Encoding::for_label(l.as_bytes()),
            }
        }
    }
}

fn codepage_encoding(code: u16) -> Option<&'static dbase::encoding_rs::Encoding> {
    use dbase::encoding_rs as enc;
    Some(match code {
        866 => enc::IBM866,
        874 => enc::WINDOWS_874,
        932 => enc::SHIFT_JIS,
        936 => enc::GBK,
        949 => enc::EUC_KR,
        950 => enc::BIG5,
        1250 => enc::WINDOWS_1250,
        1251 => enc::WINDOWS_1251,
        1253 => enc::WINDOWS_1253,
        1254 => enc::WINDOWS_1254,
        1255 => enc::WINDOWS_1255,
        1256 => enc::WINDOWS_1256,
        1257 => enc::WINDOWS_1257,
        1258 => enc::WINDOWS_1258,
        _ => return None,
    })
}

/// Number of decimals of each field, read from the DBF field descriptors (the `dbase` crate
/// does not expose them).
fn dbf_decimals(path: &Path) -> Result<Vec<u8>> {
    let mut f = BufReader::new(File::open(path)?);
    let mut header = [0u8; 32];
    f.read_exact(&mut header)
        .map_err(|_| invalid("het .dbf-bestand is afgekapt: het heeft geen kop"))?;
    let header_len = u16::from_le_bytes([header[8], header[9]]) as usize;
    let mut out = Vec::new();
    let mut pos = 32;
    let mut desc = [0u8; 32];
    while pos + 32 <= header_len {
        f.read_exact(&mut desc[..1])
            .map_err(|_| invalid("het .dbf-bestand is afgekapt in zijn lijst van velden"))?;
        if desc[0] == 0x0d {
            break;
        }
        f.read_exact(&mut desc[1..])
            .map_err(|_| invalid("het .dbf-bestand is afgekapt in zijn lijst van velden"))?;
        out.push(desc[17]);
        pos += 32;
    }
    Ok(out)
}

type FileIn = Counted<BufReader<File>>;

/// One DBF record's values, in field order.
struct Row(Vec<FieldValue>);

impl dbase::ReadableRecord for Row {
    fn read_using<S, M>(
        it: &mut dbase::FieldIterator<S, M>,
    ) -> std::result::Result<Self, dbase::FieldError>
    where
        S: Read + Seek,
        M: Read + Seek,
    {
        let mut v = Vec::new();
        for field in it {
            v.push(field?.value);
        }
        Ok(Row(v))
    }
}

/// A shapefile being read.
pub struct ShapefileSource<'a> {
    kinds: Vec<Kind>,
    rows: GeometryRows<std::result::Result<(Shape, Row), String>>,
    read: ReadCount,
    progress: &'a dyn Progress,
    // Declared last: the unpacked folder goes after the reader is done with it.
    _unpacked: Option<tempfile::TempDir>,
}

impl<'a> ShapefileSource<'a> {
    /// Open a `.shp` (siblings beside it) or a `.zip` holding one shapefile set.
    pub fn open(path: &Path, srid: Option<i32>, progress: &'a dyn Progress) -> Result<Self> {
        let is_zip = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
            || super::starts_with(path, b"PK\x03\x04")?;
        let (unpacked, shp) = if is_zip {
            let (dir, shp) = unpack_zip(path, ZipLimits::default())?;
            (Some(dir), shp)
        } else {
            (None, path.to_path_buf())
        };
        let mut s = Self::open_set(&shp, srid, progress)?;
        s._unpacked = unpacked;
        Ok(s)
    }

    fn open_set(shp: &Path, srid: Option<i32>, progress: &'a dyn Progress) -> Result<Self> {
        let dbf = sibling(shp, "dbf").ok_or_else(|| {
            invalid(
                "het .dbf-bestand met de attributen ontbreekt: een shapefile heeft zijn .shp en .dbf naast elkaar nodig (zip ze samen om te uploaden)",
            )
        })?;
        let srid = match srid {
            Some(s) => s,
            None => {
                let Some(prj) = sibling(shp, "prj") else {
                    return Err(invalid(
                        "de shapefile heeft geen .prj, dus het coördinatenstelsel is onbekend; geef het zelf op (EPSG:28992 voor RD New of EPSG:4326 voor WGS84, --crs op de opdrachtregel)",
                    ));
                };
                let text = std::fs::read(&prj)?;
                let text = String::from_utf8_lossy(&text);
                crs::srid_from_wkt(&text).ok_or_else(|| {
                    let name = text
                        .split('"')
                        .nth(1)
                        .filter(|n| !n.is_empty())
                        .unwrap_or("unnamed");
                    invalid(format!(
                        "de .prj noemt een coördinatenstelsel dat koers niet herkent ({name:?}); koers leest EPSG:28992 (RD New) en EPSG:4326 (WGS84): geef het coördinatenstelsel zelf op (--crs op de opdrachtregel) als de coördinaten in een van die twee staan"
                    ))
                })?
            }
        };
        let encoding = match sibling(shp, "cpg") {
            None => unnamed_code_page(&dbf)?,
            Some(p) => {
                let mut label = String::new();
                File::open(&p)?.take(256).read_to_string(&mut label).ok();
                let label = label.trim().to_string();
                if label.is_empty() {
                    None
                } else {
                    Some(cpg_encoding(&label).ok_or_else(|| {
                        invalid(format!(
                            "het .cpg-bestand noemt een tekstcodering die koers niet kent ({label:?})"
                        ))
                    })?)
                }
            }
        };

        let total = std::fs::metadata(shp)?.len() + std::fs::metadata(&dbf)?.len();
        progress.set_total(total, Unit::Bytes);
        let read = ReadCount::new();
        let counted = |p: &Path| -> Result<FileIn> {
            Ok(read.counted(BufReader::with_capacity(1 << 20, File::open(p)?)))
        };
        let shape_source = counted(shp)?;
        let shape_reader = match sibling(shp, "shx") {
            Some(shx) => ShapeReader::with_shx(shape_source, BufReader::new(File::open(shx)?)),
            None => ShapeReader::new(shape_source),
        }
        .map_err(|e| invalid(format!("het .shp-bestand is niet te lezen: {e}")))?;
        let builder = dbase::ReaderBuilder::new();
        let builder = match encoding {
            Some(e) => builder.with_encoding(dbase::encoding::EncodingRs::from(e)),
            None => builder,
        };
        let dbf_reader = builder
            .build(counted(&dbf)?)
            .map_err(|e| invalid(format!("het .dbf-bestand is niet te lezen: {e}")))?;
        let decimals = dbf_decimals(&dbf)?;

        let mut fields = Vec::new();
        let mut kinds = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, f) in dbf_reader.fields().iter().enumerate() {
            let kind = match f.field_type() {
                FieldType::Character | FieldType::Memo => Kind::Text,
                FieldType::Numeric => {
                    let d = decimals.get(i).copied().unwrap_or(0);
                    if d == 0 && f.length() <= 18 {
                        Kind::Int
                    } else {
                        Kind::Float
                    }
                }
                FieldType::Integer => Kind::Int,
                FieldType::Float | FieldType::Double | FieldType::Currency => Kind::Float,
                FieldType::Logical => Kind::Bool,
                FieldType::Date => Kind::Date,
                FieldType::DateTime => Kind::Text,
            };
            let mut name = f.name().trim_end_matches('\0').to_string();
            if name == GEOMETRY_COLUMN {
                name = "geom_property".into();
            }
            let n = seen.entry(name.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                name = format!("{name}_{n}");
            }
            let dt = kind.data_type();
            fields.push(Field::new(name, dt, true));
            kinds.push(kind);
        }
        fields.push(geometry_field(GEOMETRY_COLUMN, srid, true));

        let (tx, rx) = std::sync::mpsc::sync_channel(BATCH_ROWS);
        std::thread::spawn(move || {
            let mut shape_reader = shape_reader;
            let mut dbf_reader = dbf_reader;
            let mut shapes = shape_reader.iter_shapes();
            let mut records = dbf_reader.iter_records_as::<Row>();
            let mut n = 0usize;
            loop {
                n += 1;
                let item = match (shapes.next(), records.next()) {
                    (None, None) => break,
                    (Some(Err(e)), _) => Err(format!("vorm {n}: {e}")),
                    (_, Some(Err(e))) => Err(format!("rij {n} van de .dbf: {e}")),
                    (Some(Ok(s)), Some(Ok(r))) => Ok((s, r)),
                    (Some(Ok(_)), None) | (None, Some(Ok(_))) => Err(format!(
                        "the .shp and the .dbf hold a different number of rows (they differ from row {n} on; deleted .dbf records are not supported)"
                    )),
                };
                let stop = item.is_err();
                if tx.send(item).is_err() || stop {
                    break;
                }
            }
        });
        Ok(ShapefileSource {
            kinds,
            rows: GeometryRows::new(Arc::new(Schema::new(fields)), (GEOMETRY_COLUMN, srid), rx),
            read,
            progress,
            _unpacked: None,
        })
    }
}

trait Xy {
    fn coord(&self) -> Coord<f64>;
}

impl Xy for shapefile::Point {
    fn coord(&self) -> Coord<f64> {
        Coord {
            x: self.x,
            y: self.y,
        }
    }
}

impl Xy for shapefile::PointM {
    fn coord(&self) -> Coord<f64> {
        Coord {
            x: self.x,
            y: self.y,
        }
    }
}

impl Xy for shapefile::PointZ {
    fn coord(&self) -> Coord<f64> {
        Coord {
            x: self.x,
            y: self.y,
        }
    }
}

fn line<P: Xy>(points: &[P]) -> LineString<f64> {
    LineString(points.iter().map(Xy::coord).collect())
}

fn multipoint<P: Xy>(points: &[P]) -> Geometry<f64> {
    Geometry::MultiPoint(MultiPoint(
        points.iter().map(|p| geo::Point(p.coord())).collect(),
    ))
}

fn polyline<P: Xy>(parts: &[Vec<P>]) -> Geometry<f64> {
    match parts {
        [one] => Geometry::LineString(line(one)),
        many => Geometry::MultiLineString(MultiLineString(many.iter().map(|p| line(p)).collect())),
    }
}

/// Group rings into polygons: each outer (clockwise) ring starts a polygon; each inner
/// (counter-clockwise) ring becomes a hole of the smallest outer ring that contains it, or of
/// the outer ring before it when none does. Inner rings without any outer ring are taken as
/// outer rings (files written with the wrong orientation).
fn polygon<P: Xy>(rings: &[shapefile::PolygonRing<P>]) -> Geometry<f64> {
    use shapefile::PolygonRing;
    let mut outers: Vec<Polygon<f64>> = Vec::new();
    let mut holes: Vec<(Option<usize>, LineString<f64>)> = Vec::new();
    for r in rings {
        match r {
            PolygonRing::Outer(pts) => outers.push(Polygon::new(line(pts), vec![])),
            PolygonRing::Inner(pts) => holes.push((outers.len().checked_sub(1), line(pts))),
        }
    }
    if outers.is_empty() {
        outers = holes
            .drain(..)
            .map(|(_, l)| Polygon::new(l, vec![]))
            .collect();
    }
    let areas: Vec<f64> = outers.iter().map(|p| p.unsigned_area()).collect();
    let mut interiors: Vec<Vec<LineString<f64>>> = vec![Vec::new(); outers.len()];
    for (before, hole) in holes {
        let probe = hole.0.first().copied();
        let owner = probe
            .and_then(|c| {
                outers
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.contains(&geo::Point(c)) || o.exterior().contains(&c))
                    .min_by(|(a, _), (b, _)| areas[*a].total_cmp(&areas[*b]))
                    .map(|(i, _)| i)
            })
            .or(before)
            .unwrap_or(0);
        interiors[owner].push(hole);
    }
    let mut polys: Vec<Polygon<f64>> = outers
        .into_iter()
        .zip(interiors)
        .map(|(p, i)| Polygon::new(p.into_inner().0, i))
        .collect();
    if polys.len() == 1 {
        Geometry::Polygon(polys.remove(0))
    } else {
        Geometry::MultiPolygon(geo::MultiPolygon(polys))
    }
}

/// The 2D geometry of a shape; `None` for a null shape.
fn geometry(shape: &Shape) -> std::result::Result<Option<Geometry<f64>>, String> {
    Ok(Some(match shape {
        Shape::NullShape => return Ok(None),
        Shape::Point(p) => Geometry::Point(geo::Point(p.coord())),
        Shape::PointM(p) => Geometry::Point(geo::Point(p.coord())),
        Shape::PointZ(p) => Geometry::Point(geo::Point(p.coord())),
        Shape::Multipoint(m) => multipoint(m.points()),
        Shape::MultipointM(m) => multipoint(m.points()),
        Shape::MultipointZ(m) => multipoint(m.points()),
        Shape::Polyline(l) => polyline(l.parts()),
        Shape::PolylineM(l) => polyline(l.parts()),
        Shape::PolylineZ(l) => polyline(l.parts()),
        Shape::Polygon(p) => polygon(p.rings()),
        Shape::PolygonM(p) => polygon(p.rings()),
        Shape::PolygonZ(p) => polygon(p.rings()),
        Shape::Multipatch(_) => {
            return Err("Multipatch (3D surface) shapes are not supported".into());
        }
    }))
}

impl Source for ShapefileSource<'_> {
    fn schema(&self) -> SchemaRef {
        self.rows.schema()
    }

    fn geometry(&self) -> Option<SourceGeometry> {
        Some(self.rows.geometry())
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let srid = self.rows.srid();
        let batch = self
            .rows
            .batch(self.kinds.iter().copied(), |item, index, cols, geoms| {
                let (shape, row) = item.map_err(invalid)?;
                if row.0.len() != cols.len() {
                    return Err(invalid(format!(
                        "record {index}: {} waarden voor {} velden",
                        row.0.len(),
                        cols.len()
                    )));
                }
                for (v, col) in row.0.into_iter().zip(cols.iter_mut()) {
                    append(col, v).map_err(|m| invalid(format!("rij {index}: {m}")))?;
                }
                match geometry(&shape).map_err(|m| invalid(format!("vorm {index}: {m}")))? {
                    None => geoms.append_null(),
                    Some(g) => geoms.append_value(ewkb::encode(&g, srid)),
                }
                Ok(())
            })?;
        self.read.report(self.progress);
        Ok(batch)
    }
}

fn append(col: &mut Col, v: FieldValue) -> std::result::Result<(), String> {
    let as_f64 = |v: &FieldValue| -> Option<f64> {
        match v {
            FieldValue::Numeric(x) => *x,
            FieldValue::Float(x) => x.map(f64::from),
            FieldValue::Double(x) | FieldValue::Currency(x) => Some(*x),
            FieldValue::Integer(i) => Some(f64::from(*i)),
            _ => None,
        }
    };
    match col {
        Col::Text(b) => match v {
            FieldValue::Character(s) => b.append_option(s),
            FieldValue::Memo(s) => b.append_value(s),
            FieldValue::DateTime(d) => {
                let date = d.date();
                let t = d.time();
                b.append_value(format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                    date.year(),
                    date.month(),
                    date.day(),
                    t.hours(),
                    t.minutes(),
                    t.seconds()
                ))
            }
            other => b.append_value(format!("{other}")),
        },
        Col::Int(b) => match v {
            FieldValue::Integer(i) => b.append_value(i64::from(i)),
            other => match as_f64(&other) {
                None => b.append_null(),
                Some(x) if x.is_finite() && x.abs() < 9.2e18 => b.append_value(x.round() as i64),
                Some(x) => {
                    return Err(format!(
                        "het getal {x} past niet in een 64-bits geheel getal"
                    ));
                }
            },
        },
        Col::Float(b) => b.append_option(as_f64(&v)),
        Col::Bool(b) => match v {
            FieldValue::Logical(x) => b.append_option(x),
            _ => b.append_null(),
        },
        Col::Date(b) => match v {
            FieldValue::Date(Some(d)) => b.append_value(d.to_unix_days()),
            _ => b.append_null(),
        },
        // A dBase table declares no timestamp or binary fields.
        other @ (Col::Timestamp(_) | Col::Blob(_)) => other.append_null(),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_told_across_reads() {
        assert!(is_utf8(&b""[..]).unwrap());
        assert!(is_utf8("Súdwest-Fryslân".as_bytes()).unwrap());
        assert!(!is_utf8(&b"S\xfadwest"[..]).unwrap());
        // A character cut by the buffer is whole again with the next read.
        let mut long = vec![b'a'; (1 << 16) - 1];
        long.extend("â".as_bytes());
        assert!(is_utf8(&long[..]).unwrap());
        // A text cut short in a character is not.
        assert!(!is_utf8(&"â".as_bytes()[..1]).unwrap());
    }

    #[test]
    fn cpg_labels() {
        use dbase::encoding_rs as enc;
        assert_eq!(cpg_encoding("UTF-8"), Some(enc::UTF_8));
        assert_eq!(cpg_encoding("utf8\r\n"), Some(enc::UTF_8));
        assert_eq!(cpg_encoding("ISO-8859-1"), Some(enc::WINDOWS_1252));
        assert_eq!(cpg_encoding("8859_1"), Some(enc::WINDOWS_1252));
        assert_eq!(cpg_encoding("1252"), Some(enc::WINDOWS_1252));
        assert_eq!(cpg_encoding("ANSI 1252"), Some(enc::WINDOWS_1252));
        assert_eq!(cpg_encoding("CP1250"), Some(enc::WINDOWS_1250));
        assert_eq!(cpg_encoding("nonsense"), None);
    }

    fn ring(pts: &[(f64, f64)]) -> Vec<shapefile::Point> {
        pts.iter()
            .map(|(x, y)| shapefile::Point::new(*x, *y))
            .collect()
    }

    #[test]
    fn holes_go_to_the_outer_ring_that_contains_them() {
        use shapefile::PolygonRing::{Inner, Outer};
        // Two squares; the hole of the first comes last.
        let rings = vec![
            Outer(ring(&[
                (0., 0.),
                (0., 10.),
                (10., 10.),
                (10., 0.),
                (0., 0.),
            ])),
            Outer(ring(&[
                (20., 0.),
                (20., 10.),
                (30., 10.),
                (30., 0.),
                (20., 0.),
            ])),
            Inner(ring(&[(2., 2.), (4., 2.), (4., 4.), (2., 4.), (2., 2.)])),
        ];
        let Geometry::MultiPolygon(mp) = polygon(&rings) else {
            panic!("expected a multipolygon");
        };
        assert_eq!(mp.0[0].interiors().len(), 1);
        assert_eq!(mp.0[1].interiors().len(), 0);
        assert!((mp.unsigned_area() - 196.0).abs() < 1e-9);
    }
}
