//! Geometry values as EWKB: PostGIS' extended well-known binary.
//!
//! Every geometry value in koers — in the Parquet files and inside queries — is little-endian
//! 2D EWKB with the SRID flag (`0x20000000`) set on the outer geometry, exactly what PostGIS'
//! `ST_AsEWKB` gives. WKB has no place for the CRS, and `ST_Transform(geom, 28992)` and
//! `ST_Area` must know it, so the value carries it. Plain ISO WKB (no SRID, SRID 0) and
//! Z/M ordinates are read too; the extra ordinates are dropped.

use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};

const SRID_FLAG: u32 = 0x2000_0000;
const Z_FLAG: u32 = 0x8000_0000;
const M_FLAG: u32 = 0x4000_0000;

/// A geometry with its SRID (0 when unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct Geom {
    /// The geometry in its CRS' coordinates (x = longitude for EPSG:4326).
    pub geometry: Geometry<f64>,
    /// EPSG code, 0 when unknown.
    pub srid: i32,
}

/// Encode a geometry as EWKB with the SRID (no SRID flag when `srid` is 0).
pub fn encode(g: &Geometry<f64>, srid: i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    write_geom(&mut out, g, Some(srid).filter(|s| *s != 0));
    out
}

/// Encode a point, the hot path of `ST_Point`.
pub fn encode_point(x: f64, y: f64, srid: i32, out: &mut Vec<u8>) {
    out.push(1);
    if srid != 0 {
        out.extend_from_slice(&(1u32 | SRID_FLAG).to_le_bytes());
        out.extend_from_slice(&srid.to_le_bytes());
    } else {
        out.extend_from_slice(&1u32.to_le_bytes());
    }
    out.extend_from_slice(&x.to_le_bytes());
    out.extend_from_slice(&y.to_le_bytes());
}

fn write_header(out: &mut Vec<u8>, ty: u32, srid: Option<i32>) {
    out.push(1);
    match srid {
        Some(s) => {
            out.extend_from_slice(&(ty | SRID_FLAG).to_le_bytes());
            out.extend_from_slice(&s.to_le_bytes());
        }
        None => out.extend_from_slice(&ty.to_le_bytes()),
    }
}

fn write_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn write_coord(out: &mut Vec<u8>, c: Coord<f64>) {
    out.extend_from_slice(&c.x.to_le_bytes());
    out.extend_from_slice(&c.y.to_le_bytes());
}

/// A multi-geometry of type `ty`: its header, how many parts, then each part as `part`
/// writes it.
fn write_multi<T>(
    out: &mut Vec<u8>,
    ty: u32,
    srid: Option<i32>,
    parts: &[T],
    part: impl Fn(&mut Vec<u8>, &T),
) {
    write_header(out, ty, srid);
    write_u32(out, parts.len());
    for p in parts {
        part(out, p);
    }
}

fn write_ring(out: &mut Vec<u8>, ls: &LineString<f64>) {
    write_u32(out, ls.0.len());
    for c in &ls.0 {
        write_coord(out, *c);
    }
}

fn write_polygon_body(out: &mut Vec<u8>, p: &Polygon<f64>) {
    if p.exterior().0.is_empty() {
        write_u32(out, 0);
        return;
    }
    write_u32(out, 1 + p.interiors().len());
    write_ring(out, p.exterior());
    for r in p.interiors() {
        write_ring(out, r);
    }
}

fn write_geom(out: &mut Vec<u8>, g: &Geometry<f64>, srid: Option<i32>) {
    match g {
        Geometry::Point(p) => {
            write_header(out, 1, srid);
            write_coord(out, p.0);
        }
        Geometry::Line(l) => {
            write_header(out, 2, srid);
            write_u32(out, 2);
            write_coord(out, l.start);
            write_coord(out, l.end);
        }
        Geometry::LineString(ls) => {
            write_header(out, 2, srid);
            write_ring(out, ls);
        }
        Geometry::Polygon(p) => {
            write_header(out, 3, srid);
            write_polygon_body(out, p);
        }
        Geometry::Rect(r) => write_geom(out, &Geometry::Polygon(r.to_polygon()), srid),
        Geometry::Triangle(t) => write_geom(out, &Geometry::Polygon(t.to_polygon()), srid),
        Geometry::MultiPoint(mp) => write_multi(out, 4, srid, &mp.0, |out, p| {
            write_geom(out, &Geometry::Point(*p), None)
        }),
        Geometry::MultiLineString(mls) => write_multi(out, 5, srid, &mls.0, |out, ls| {
            write_header(out, 2, None);
            write_ring(out, ls);
        }),
        Geometry::MultiPolygon(mp) => write_multi(out, 6, srid, &mp.0, |out, p| {
            write_header(out, 3, None);
            write_polygon_body(out, p);
        }),
        Geometry::GeometryCollection(gc) => {
            write_multi(out, 7, srid, &gc.0, |out, g| write_geom(out, g, None))
        }
    }
}

/// Read the SRID of an EWKB value without decoding the geometry (0 when absent).
pub fn srid_of(buf: &[u8]) -> Result<i32, String> {
    let mut r = Reader {
        buf,
        pos: 0,
        le: true,
    };
    let (_, _, srid) = r.header()?;
    Ok(srid.unwrap_or(0))
}

/// Decode EWKB or ISO WKB.
pub fn decode(buf: &[u8]) -> Result<Geom, String> {
    let mut r = Reader {
        buf,
        pos: 0,
        le: true,
    };
    let mut srid = 0;
    let g = r.geometry(&mut srid, 0)?;
    Ok(Geom { geometry: g, srid })
}

/// Decode a point quickly (`None` when the value is not a point).
pub fn decode_point(buf: &[u8]) -> Option<(f64, f64)> {
    if buf.len() < 21 || buf[0] != 1 {
        return None;
    }
    let ty = u32::from_le_bytes([buf[1], buf[2], buf[3], buf[4]]);
    let off = match ty {
        1 => 5,
        t if t == (1 | SRID_FLAG) && buf.len() >= 25 => 9,
        _ => return None,
    };
    let x = f64::from_le_bytes(buf[off..off + 8].try_into().ok()?);
    let y = f64::from_le_bytes(buf[off + 8..off + 16].try_into().ok()?);
    Some((x, y))
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    le: bool,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let end = self.pos + N;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| "truncated WKB".to_string())?;
        self.pos = end;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }
    /// A number of `N` bytes in the value's byte order.
    fn number<const N: usize, T>(
        &mut self,
        le: fn([u8; N]) -> T,
        be: fn([u8; N]) -> T,
    ) -> Result<T, String> {
        let b = self.take::<N>()?;
        Ok(if self.le { le(b) } else { be(b) })
    }
    fn u32(&mut self) -> Result<u32, String> {
        self.number(u32::from_le_bytes, u32::from_be_bytes)
    }
    fn f64(&mut self) -> Result<f64, String> {
        self.number(f64::from_le_bytes, f64::from_be_bytes)
    }
    /// The parts of a multi-geometry: how many, then each as `part` reads it (`None`: left
    /// out).
    fn parts<T>(
        &mut self,
        mut part: impl FnMut(&mut Self) -> Result<Option<T>, String>,
    ) -> Result<Vec<T>, String> {
        let n = self.count()?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.extend(part(self)?);
        }
        Ok(v)
    }
    /// Returns (base type, number of ordinates per coordinate, srid).
    fn header(&mut self) -> Result<(u32, usize, Option<i32>), String> {
        let [order] = self.take::<1>()?;
        self.le = match order {
            1 => true,
            0 => false,
            b => return Err(format!("invalid WKB byte order {b}")),
        };
        let raw = self.u32()?;
        let mut dims = 2;
        if raw & Z_FLAG != 0 {
            dims += 1;
        }
        if raw & M_FLAG != 0 {
            dims += 1;
        }
        let srid = if raw & SRID_FLAG != 0 {
            Some(self.u32()? as i32)
        } else {
            None
        };
        let iso = raw & 0x0fff_ffff;
        let (base, iso_dims) = match iso / 1000 {
            0 => (iso, 0),
            1 | 2 => (iso % 1000, 1),
            3 => (iso % 1000, 2),
            _ => return Err(format!("unknown WKB geometry type {iso}")),
        };
        Ok((base, dims + iso_dims, srid))
    }
    fn count(&mut self) -> Result<usize, String> {
        let n = self.u32()? as usize;
        // Each element takes at least 8 bytes: refuse counts the buffer cannot hold.
        if n > self.buf.len() {
            return Err("WKB element count larger than the value".into());
        }
        Ok(n)
    }
    fn coord(&mut self, dims: usize) -> Result<Coord<f64>, String> {
        let x = self.f64()?;
        let y = self.f64()?;
        for _ in 2..dims {
            self.f64()?;
        }
        Ok(Coord { x, y })
    }
    fn ring(&mut self, dims: usize) -> Result<LineString<f64>, String> {
        let n = self.count()?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(self.coord(dims)?);
        }
        Ok(LineString(v))
    }
    fn polygon(&mut self, dims: usize) -> Result<Polygon<f64>, String> {
        let n = self.count()?;
        if n == 0 {
            return Ok(Polygon::new(LineString(vec![]), vec![]));
        }
        let ext = self.ring(dims)?;
        let mut holes = Vec::with_capacity(n - 1);
        for _ in 1..n {
            holes.push(self.ring(dims)?);
        }
        Ok(Polygon::new(ext, holes))
    }
    fn geometry(&mut self, srid: &mut i32, depth: usize) -> Result<Geometry<f64>, String> {
        if depth > 32 {
            return Err("WKB nested too deeply".into());
        }
        let (ty, dims, s) = self.header()?;
        if let Some(s) = s {
            *srid = s;
        }
        let sub = |r: &mut Self, want: u32| -> Result<Geometry<f64>, String> {
            let mut ignored = 0;
            let g = r.geometry(&mut ignored, depth + 1)?;
            if want != 0 && type_code(&g) != want {
                return Err("WKB multi-geometry holds a part of the wrong type".into());
            }
            Ok(g)
        };
        Ok(match ty {
            1 => {
                let c = self.coord(dims)?;
                if c.x.is_nan() && c.y.is_nan() {
                    Geometry::MultiPoint(MultiPoint(vec![]))
                } else {
                    Geometry::Point(Point(c))
                }
            }
            2 => Geometry::LineString(self.ring(dims)?),
            3 => Geometry::Polygon(self.polygon(dims)?),
            4 => Geometry::MultiPoint(MultiPoint(self.parts(|r| match sub(r, 0)? {
                Geometry::Point(p) => Ok(Some(p)),
                Geometry::MultiPoint(_) => Ok(None),
                _ => Err("MultiPoint holds a non-point".into()),
            })?)),
            5 => Geometry::MultiLineString(MultiLineString(self.parts(|r| {
                Ok(match sub(r, 2)? {
                    Geometry::LineString(ls) => Some(ls),
                    _ => None,
                })
            })?)),
            6 => Geometry::MultiPolygon(MultiPolygon(self.parts(|r| {
                Ok(match sub(r, 3)? {
                    Geometry::Polygon(p) => Some(p),
                    _ => None,
                })
            })?)),
            7 => Geometry::GeometryCollection(GeometryCollection(
                self.parts(|r| sub(r, 0).map(Some))?,
            )),
            t => return Err(format!("unsupported WKB geometry type {t}")),
        })
    }
}

fn type_code(g: &Geometry<f64>) -> u32 {
    match g {
        Geometry::Point(_) => 1,
        Geometry::Line(_) | Geometry::LineString(_) => 2,
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => 3,
        Geometry::MultiPoint(_) => 4,
        Geometry::MultiLineString(_) => 5,
        Geometry::MultiPolygon(_) => 6,
        Geometry::GeometryCollection(_) => 7,
    }
}

/// The OGC type name of a geometry (`Point`, `MultiPolygon`, …).
pub fn type_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) | Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, polygon};

    #[test]
    fn round_trips_with_srid() {
        let p = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)];
        let g = Geometry::MultiPolygon(MultiPolygon(vec![p.clone(), p]));
        let b = encode(&g, 28992);
        let d = decode(&b).expect("decodes");
        assert_eq!(d.srid, 28992);
        assert_eq!(d.geometry, g);
        assert_eq!(srid_of(&b), Ok(28992));
        let ls = Geometry::LineString(line_string![(x: 1.0, y: 2.0), (x: 3.0, y: 4.0)]);
        assert_eq!(decode(&encode(&ls, 0)).map(|g| g.srid), Ok(0));
    }

    #[test]
    fn point_fast_path_matches() {
        let mut v = Vec::new();
        encode_point(5.1, 52.0, 4326, &mut v);
        assert_eq!(decode_point(&v), Some((5.1, 52.0)));
        assert_eq!(decode(&v).map(|g| g.srid), Ok(4326));
    }

    #[test]
    fn rejects_garbage() {
        assert!(decode(&[1, 2, 3]).is_err());
        assert!(decode(&[1, 3, 0, 0, 0, 255, 255, 255, 255]).is_err());
    }
}
