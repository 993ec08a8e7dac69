//! `ST_*` scalar functions with PostGIS names and semantics, over EWKB values.
//!
//! One struct ([`StFunction`]) serves all functions: each [`Func`] declares its arguments
//! and result type, and evaluation is row by row with NULL in, NULL out. Measures
//! (`ST_Area`, `ST_Length`, `ST_Distance`, `ST_DWithin`) are planar in the geometry's own CRS,
//! as PostGIS does for the `geometry` type: transform to EPSG:28992 for metres.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryBuilder, BooleanArray, Float64Array, Int32Builder,
    StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use geo::{
    Area, BoundingRect, Buffer, Centroid, Contains, Distance, Euclidean, Geometry, Intersects,
    Length, Validation,
};

use super::crs;
use super::ewkb::{self, Geom};
use crate::error::type_nl;

/// Every spatial function koers registers on a query context.
pub fn all() -> Vec<ScalarUDF> {
    Func::ALL
        .iter()
        .map(|&f| ScalarUDF::new_from_impl(StFunction::new(f)))
        .collect()
}

/// Declares the spatial functions once: the [`Func`] enum, each one's SQL name and the list
/// of them all that [`all`] registers.
macro_rules! functions {
    ($($(#[doc = $doc:literal])+ $f:ident = $name:literal,)+) => {
        /// The spatial functions.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Func {
            $($(#[doc = $doc])+ $f,)+
        }

        impl Func {
            const ALL: &[Func] = &[$(Func::$f),+];

            fn name(self) -> &'static str {
                match self {
                    $(Func::$f => $name,)+
                }
            }
        }
    };
}

functions! {
    /// `ST_Point(x, y [, srid])`, alias `ST_MakePoint`.
    Point = "st_point",
    /// `ST_GeomFromText(wkt [, srid])`.
    GeomFromText = "st_geomfromtext",
    /// `ST_GeomFromWKB(bytes [, srid])`.
    GeomFromWkb = "st_geomfromwkb",
    /// `ST_GeomFromGeoJSON(text)`: SRID 4326.
    GeomFromGeoJson = "st_geomfromgeojson",
    /// `ST_AsText(geom)`.
    AsText = "st_astext",
    /// `ST_AsGeoJSON(geom)`.
    AsGeoJson = "st_asgeojson",
    /// `ST_AsBinary(geom)`: ISO WKB without SRID.
    AsBinary = "st_asbinary",
    /// `ST_X(point)`.
    X = "st_x",
    /// `ST_Y(point)`.
    Y = "st_y",
    /// `ST_Contains(a, b)`.
    Contains = "st_contains",
    /// `ST_Intersects(a, b)`.
    Intersects = "st_intersects",
    /// `ST_Within(a, b)`.
    Within = "st_within",
    /// `ST_DWithin(a, b, distance)`.
    DWithin = "st_dwithin",
    /// `ST_Distance(a, b)`.
    Distance = "st_distance",
    /// `ST_Area(geom)`.
    Area = "st_area",
    /// `ST_Length(geom)`.
    Length = "st_length",
    /// `ST_Centroid(geom)`.
    Centroid = "st_centroid",
    /// `ST_Buffer(geom, distance)`.
    Buffer = "st_buffer",
    /// `ST_Envelope(geom)`.
    Envelope = "st_envelope",
    /// `ST_IsValid(geom)`.
    IsValid = "st_isvalid",
    /// `ST_Transform(geom, srid)`.
    Transform = "st_transform",
    /// `ST_SetSRID(geom, srid)`.
    SetSrid = "st_setsrid",
    /// `ST_SRID(geom)`.
    Srid = "st_srid",
    /// `ST_GeometryType(geom)`: `ST_Polygon`, ….
    GeometryType = "st_geometrytype",
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arg {
    Geom,
    Num,
    Int,
    Text,
    Bytes,
}

impl Func {
    /// (required, optional) arguments.
    fn args(self) -> (&'static [Arg], &'static [Arg]) {
        use Arg::*;
        match self {
            Func::Point => (&[Num, Num], &[Int]),
            Func::GeomFromText => (&[Text], &[Int]),
            Func::GeomFromWkb => (&[Bytes], &[Int]),
            Func::GeomFromGeoJson => (&[Text], &[]),
            Func::AsText
            | Func::AsGeoJson
            | Func::AsBinary
            | Func::X
            | Func::Y
            | Func::Area
            | Func::Length
            | Func::Centroid
            | Func::Envelope
            | Func::IsValid
            | Func::Srid
            | Func::GeometryType => (&[Geom], &[]),
            Func::Contains | Func::Intersects | Func::Within | Func::Distance => {
                (&[Geom, Geom], &[])
            }
            Func::DWithin => (&[Geom, Geom, Num], &[]),
            Func::Buffer => (&[Geom, Num], &[]),
            Func::Transform | Func::SetSrid => (&[Geom, Int], &[]),
        }
    }

    fn returns(self) -> DataType {
        match self {
            Func::AsText | Func::AsGeoJson | Func::GeometryType => DataType::Utf8,
            Func::X | Func::Y | Func::Distance | Func::Area | Func::Length => DataType::Float64,
            Func::Contains | Func::Intersects | Func::Within | Func::DWithin | Func::IsValid => {
                DataType::Boolean
            }
            Func::Srid => DataType::Int32,
            _ => DataType::Binary,
        }
    }
}

/// One `ST_*` function as a DataFusion scalar UDF.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct StFunction {
    func: Func,
    signature: Signature,
    aliases: Vec<String>,
}

impl StFunction {
    /// The UDF for one function.
    pub fn new(func: Func) -> Self {
        let aliases = match func {
            Func::Point => vec!["st_makepoint".to_string()],
            Func::GeomFromText => vec!["st_geometryfromtext".to_string()],
            _ => vec![],
        };
        StFunction {
            func,
            signature: Signature::user_defined(Volatility::Immutable),
            aliases,
        }
    }
}

fn is_binary(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::Null
    )
}

impl ScalarUDFImpl for StFunction {
    fn name(&self) -> &str {
        self.func.name()
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(self.func.returns())
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let (req, opt) = self.func.args();
        let name = self.func.name().to_uppercase();
        if arg_types.len() < req.len() || arg_types.len() > req.len() + opt.len() {
            return plan_err!(
                "{name} neemt {} argument(en), niet {}",
                if opt.is_empty() {
                    req.len().to_string()
                } else {
                    format!("{} of {}", req.len(), req.len() + opt.len())
                },
                arg_types.len()
            );
        }
        req.iter()
            .chain(opt.iter())
            .zip(arg_types)
            .enumerate()
            .map(|(i, (want, got))| match want {
                Arg::Geom | Arg::Bytes if is_binary(got) => Ok(match got {
                    DataType::Null => DataType::Binary,
                    other => other.clone(),
                }),
                Arg::Geom => plan_err!(
                    "{name}: argument {} moet een geometrie zijn, geen {}",
                    i + 1,
                    type_nl(&got.to_string())
                ),
                Arg::Bytes => plan_err!(
                    "{name}: argument {} moet WKB (binair) zijn, geen {}",
                    i + 1,
                    type_nl(&got.to_string())
                ),
                Arg::Num if got.is_numeric() || got.is_null() => Ok(DataType::Float64),
                Arg::Int if got.is_integer() || got.is_null() => Ok(DataType::Int64),
                Arg::Text
                    if matches!(
                        got,
                        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
                    ) =>
                {
                    Ok(DataType::Utf8)
                }
                _ => plan_err!(
                    "{name}: argument {} mag geen {} zijn",
                    i + 1,
                    type_nl(&got.to_string())
                ),
            })
            .collect()
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let all_scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let n_eval = if all_scalar { 1 } else { n };
        let inputs: Vec<Input> = args
            .args
            .iter()
            .map(|a| Input::new(a, n_eval))
            .collect::<Result<_>>()?;
        let out = evaluate(self.func, &inputs, n_eval)?;
        if all_scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(out))
        }
    }
}

/// An argument, scalars decoded once.
struct Input {
    array: ArrayRef,
    scalar: bool,
    decoded: Option<Option<Geom>>,
}

impl Input {
    fn new(v: &ColumnarValue, n: usize) -> Result<Self> {
        match v {
            ColumnarValue::Array(a) => Ok(Input {
                array: Arc::clone(a),
                scalar: false,
                decoded: None,
            }),
            ColumnarValue::Scalar(s) => {
                let array = s.to_array_of_size(1)?;
                let mut me = Input {
                    array,
                    scalar: true,
                    decoded: None,
                };
                if is_binary(me.array.data_type()) && !me.array.data_type().is_null() {
                    let g = match me.bytes(0) {
                        Some(b) => Some(decode(b)?),
                        None => None,
                    };
                    me.decoded = Some(g);
                }
                let _ = n;
                Ok(me)
            }
        }
    }

    fn row(&self, i: usize) -> usize {
        if self.scalar { 0 } else { i }
    }

    fn is_null(&self, i: usize) -> bool {
        self.array.is_null(self.row(i))
    }

    fn bytes(&self, i: usize) -> Option<&[u8]> {
        super::bytes_at(&self.array, self.row(i))
    }

    fn geom(&self, i: usize) -> Result<Option<Geom>> {
        if let Some(d) = &self.decoded {
            return Ok(d.clone());
        }
        match self.bytes(i) {
            Some(b) => decode(b).map(Some),
            None => Ok(None),
        }
    }

    fn f64(&self, i: usize) -> Option<f64> {
        let r = self.row(i);
        let a = self.array.as_primitive_opt::<Float64Type>()?;
        (!a.is_null(r)).then(|| a.value(r))
    }

    fn i64(&self, i: usize) -> Option<i64> {
        let r = self.row(i);
        let a = self.array.as_primitive_opt::<Int64Type>()?;
        (!a.is_null(r)).then(|| a.value(r))
    }

    fn text(&self, i: usize) -> Option<&str> {
        let r = self.row(i);
        let a = self.array.as_string_opt::<i32>()?;
        (!a.is_null(r)).then(|| a.value(r))
    }
}

fn err(msg: impl Into<String>) -> DataFusionError {
    DataFusionError::Execution(msg.into())
}

/// A value that is no geometry, with why (the decoder's words).
pub(crate) fn not_a_geometry(why: String) -> DataFusionError {
    err(format!("geen geldige geometrie: {why}"))
}

/// Decode an EWKB value, with an error message fit for users.
pub fn decode(b: &[u8]) -> Result<Geom> {
    ewkb::decode(b).map_err(not_a_geometry)
}

fn srid_arg(v: Option<i64>) -> Result<i32> {
    match v {
        None => Ok(0),
        Some(s) => i32::try_from(s).map_err(|_| err(format!("ongeldige SRID {s}"))),
    }
}

/// `f` over geometries of SRIDs `a` and `b`: only of one coordinate reference system (or
/// one without), as a spatial function or a spatial join.
pub(crate) fn same_srid(f: Func, a: i32, b: i32) -> Result<()> {
    if a != b && a != 0 && b != 0 {
        return Err(err(format!(
            "{}: de geometrieën liggen in verschillende coördinatenstelsels (SRID {a} en {b}); zet er een om met ST_Transform",
            f.name().to_uppercase(),
        )));
    }
    Ok(())
}

/// Whether a binary spatial predicate holds (`a` and `b` in that order).
pub fn predicate(f: Func, a: &Geometry<f64>, b: &Geometry<f64>) -> bool {
    match f {
        Func::Contains => a.contains(b),
        Func::Within => b.contains(a),
        _ => a.intersects(b),
    }
}

/// Planar length of the linear parts of a geometry (0 for points and polygons, as PostGIS).
pub fn length(g: &Geometry<f64>) -> f64 {
    match g {
        Geometry::Line(l) => Euclidean.length(l),
        Geometry::LineString(l) => Euclidean.length(l),
        Geometry::MultiLineString(l) => Euclidean.length(l),
        Geometry::GeometryCollection(gc) => gc.0.iter().map(length).sum(),
        _ => 0.0,
    }
}

fn evaluate(f: Func, a: &[Input], n: usize) -> Result<ArrayRef> {
    let any_null = |i: usize| a.iter().any(|x| x.is_null(i));
    match f.returns() {
        DataType::Binary => {
            let mut b = BinaryBuilder::with_capacity(n, n * 32);
            let mut buf = Vec::with_capacity(32);
            for i in 0..n {
                if any_null(i) {
                    b.append_null();
                    continue;
                }
                if f == Func::Point {
                    buf.clear();
                    let (x, y) = (
                        a[0].f64(i).unwrap_or(f64::NAN),
                        a[1].f64(i).unwrap_or(f64::NAN),
                    );
                    let srid = srid_arg(a.get(2).and_then(|s| s.i64(i)))?;
                    ewkb::encode_point(x, y, srid, &mut buf);
                    b.append_value(&buf);
                    continue;
                }
                match geom_result(f, a, i)? {
                    Some(v) => b.append_value(v),
                    None => b.append_null(),
                }
            }
            Ok(Arc::new(b.finish()))
        }
        DataType::Float64 => Ok(Arc::new(per_row::<_, Float64Array>(f, a, n, f64_result)?)),
        DataType::Boolean => Ok(Arc::new(per_row::<_, BooleanArray>(f, a, n, bool_result)?)),
        DataType::Int32 => {
            let mut b = Int32Builder::with_capacity(n);
            for i in 0..n {
                match a[0].bytes(i) {
                    Some(v) => b.append_value(ewkb::srid_of(v).map_err(err)?),
                    None => b.append_null(),
                }
            }
            Ok(Arc::new(b.finish()))
        }
        _ => {
            let mut b = StringBuilder::with_capacity(n, n * 32);
            for i in 0..n {
                let Some(g) = a[0].geom(i)? else {
                    b.append_null();
                    continue;
                };
                let s = match f {
                    Func::AsText => {
                        use wkt::ToWkt;
                        g.geometry.wkt_string()
                    }
                    Func::AsGeoJson => geojson::Geometry::new((&g.geometry).into()).to_string(),
                    _ => format!("ST_{}", ewkb::type_name(&g.geometry)),
                };
                b.append_value(s);
            }
            Ok(Arc::new(b.finish()))
        }
    }
}

/// The column of `value` for each of the `n` rows, NULL where an argument is NULL.
fn per_row<T, A: FromIterator<Option<T>>>(
    f: Func,
    a: &[Input],
    n: usize,
    value: fn(Func, &[Input], usize) -> Result<Option<T>>,
) -> Result<A> {
    (0..n)
        .map(|i| {
            if a.iter().any(|x| x.is_null(i)) {
                Ok(None)
            } else {
                value(f, a, i)
            }
        })
        .collect()
}

fn geom_result(f: Func, a: &[Input], i: usize) -> Result<Option<Vec<u8>>> {
    let srid_opt = |k: usize| srid_arg(a.get(k).and_then(|s| s.i64(i)));
    Ok(Some(match f {
        Func::GeomFromText => {
            use wkt::TryFromWkt;
            let text = a[0].text(i).unwrap_or_default();
            let g = Geometry::<f64>::try_from_wkt_str(text)
                .map_err(|e| err(format!("ST_GEOMFROMTEXT: geen geldige WKT ({e}); schrijf bijvoorbeeld 'POINT(5.12 52.09)'")))?;
            ewkb::encode(&g, srid_opt(1)?)
        }
        Func::GeomFromWkb => {
            let g = decode(a[0].bytes(i).unwrap_or_default())?;
            let srid = if a.len() > 1 { srid_opt(1)? } else { g.srid };
            ewkb::encode(&g.geometry, srid)
        }
        Func::GeomFromGeoJson => {
            let text = a[0].text(i).unwrap_or_default();
            let gj: geojson::Geometry = serde_json::from_str(text).map_err(|e| {
                err(format!(
                    "ST_GEOMFROMGEOJSON: geen geldige GeoJSON-geometrie ({})",
                    koers_core::json::problem_in(&e, crate::source::geojson::words)
                ))
            })?;
            let g = super::from_geojson(&gj.value)
                .map_err(|e| err(format!("ST_GEOMFROMGEOJSON: {e}")))?;
            ewkb::encode(&g, crs::WGS84)
        }
        Func::AsBinary => {
            let Some(g) = a[0].geom(i)? else {
                return Ok(None);
            };
            ewkb::encode(&g.geometry, 0)
        }
        Func::Centroid => {
            let Some(g) = a[0].geom(i)? else {
                return Ok(None);
            };
            match g.geometry.centroid() {
                Some(p) => ewkb::encode(&Geometry::Point(p), g.srid),
                None => return Ok(None),
            }
        }
        Func::Buffer => {
            let Some(g) = a[0].geom(i)? else {
                return Ok(None);
            };
            let d = a[1].f64(i).unwrap_or(0.0);
            let mut mp = g.geometry.buffer(d);
            let out = if mp.0.len() == 1 {
                Geometry::Polygon(mp.0.remove(0))
            } else {
                Geometry::MultiPolygon(mp)
            };
            ewkb::encode(&out, g.srid)
        }
        Func::Envelope => {
            let Some(g) = a[0].geom(i)? else {
                return Ok(None);
            };
            match g.geometry.bounding_rect() {
                Some(r) if r.width() == 0.0 && r.height() == 0.0 => {
                    ewkb::encode(&Geometry::Point(r.min().into()), g.srid)
                }
                Some(r) => {
                    // PostGIS' ring order: (minx miny, minx maxy, maxx maxy, maxx miny).
                    let (a, b) = (r.min(), r.max());
                    let ring = geo::LineString::from(vec![
                        (a.x, a.y),
                        (a.x, b.y),
                        (b.x, b.y),
                        (b.x, a.y),
                        (a.x, a.y),
                    ]);
                    ewkb::encode(&Geometry::Polygon(geo::Polygon::new(ring, vec![])), g.srid)
                }
                None => return Ok(None),
            }
        }
        Func::Transform => {
            let Some(g) = a[0].geom(i)? else {
                return Ok(None);
            };
            let to = srid_opt(1)?;
            if g.srid == 0 {
                return Err(err(
                    "ST_TRANSFORM: de geometrie heeft geen SRID; geef haar er een met ST_SetSRID(geom, 4326)",
                ));
            }
            if !crs::is_supported(to) {
                return Err(err(format!(
                    "ST_TRANSFORM: SRID {to} kent koers niet; wel 4326 en 28992"
                )));
            }
            let t = crs::transform(&g.geometry, g.srid, to)
                .map_err(|e| DataFusionError::External(Box::new(e)))?;
            ewkb::encode(&t, to)
        }
        Func::SetSrid => {
            let Some(g) = a[0].geom(i)? else {
                return Ok(None);
            };
            ewkb::encode(&g.geometry, srid_opt(1)?)
        }
        other => return Err(err(format!("{} does not return a geometry", other.name()))),
    }))
}

fn f64_result(f: Func, a: &[Input], i: usize) -> Result<Option<f64>> {
    if matches!(f, Func::X | Func::Y)
        && let Some((x, y)) = a[0].bytes(i).and_then(ewkb::decode_point)
    {
        return Ok(Some(if f == Func::X { x } else { y }));
    }
    let Some(g) = a[0].geom(i)? else {
        return Ok(None);
    };
    Ok(Some(match f {
        Func::X | Func::Y => match g.geometry {
            Geometry::Point(p) => {
                if f == Func::X {
                    p.x()
                } else {
                    p.y()
                }
            }
            _ => {
                return Err(err(format!(
                    "{}() werkt alleen op een POINT",
                    f.name().to_uppercase()
                )));
            }
        },
        Func::Area => g.geometry.unsigned_area(),
        Func::Length => length(&g.geometry),
        Func::Distance => {
            let Some(h) = a[1].geom(i)? else {
                return Ok(None);
            };
            same_srid(f, g.srid, h.srid)?;
            Euclidean.distance(&g.geometry, &h.geometry)
        }
        other => return Err(err(format!("{} does not return a number", other.name()))),
    }))
}

fn bool_result(f: Func, a: &[Input], i: usize) -> Result<Option<bool>> {
    let Some(g) = a[0].geom(i)? else {
        return Ok(None);
    };
    if f == Func::IsValid {
        return Ok(Some(g.geometry.is_valid()));
    }
    let Some(h) = a[1].geom(i)? else {
        return Ok(None);
    };
    same_srid(f, g.srid, h.srid)?;
    Ok(Some(match f {
        Func::DWithin => {
            let d = a[2].f64(i).unwrap_or(0.0);
            Euclidean.distance(&g.geometry, &h.geometry) <= d
        }
        other => predicate(other, &g.geometry, &h.geometry),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    async fn one(sql: &str) -> ScalarValue {
        let ctx = SessionContext::new();
        for f in all() {
            ctx.register_udf(f);
        }
        let batches = ctx
            .sql(sql)
            .await
            .expect("plans")
            .collect()
            .await
            .expect("runs");
        ScalarValue::try_from_array(batches[0].column(0), 0).expect("value")
    }

    #[tokio::test]
    async fn points_text_and_coordinates() {
        assert_eq!(
            one("SELECT ST_AsText(ST_Point(1, 2))").await,
            ScalarValue::Utf8(Some("POINT(1 2)".into()))
        );
        assert_eq!(
            one("SELECT ST_X(ST_GeomFromText('POINT(3.5 4)', 4326))").await,
            ScalarValue::Float64(Some(3.5))
        );
        assert_eq!(
            one("SELECT ST_SRID(ST_Point(5, 52, 4326))").await,
            ScalarValue::Int32(Some(4326))
        );
        assert_eq!(
            one("SELECT ST_Y(ST_GeomFromGeoJSON('{\"type\":\"Point\",\"coordinates\":[5,52]}'))")
                .await,
            ScalarValue::Float64(Some(52.0))
        );
    }

    #[tokio::test]
    async fn predicates_and_measures() {
        let sq = "ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))', 28992)";
        let p = "ST_Point(5, 5, 28992)";
        let t = ScalarValue::Boolean(Some(true));
        assert_eq!(one(&format!("SELECT ST_Contains({sq}, {p})")).await, t);
        assert_eq!(one(&format!("SELECT ST_Within({p}, {sq})")).await, t);
        assert_eq!(one(&format!("SELECT ST_Intersects({sq}, {p})")).await, t);
        assert_eq!(
            one(&format!("SELECT ST_Contains({sq}, ST_Point(50, 5, 28992))")).await,
            ScalarValue::Boolean(Some(false))
        );
        assert_eq!(
            one(&format!("SELECT ST_Area({sq})")).await,
            ScalarValue::Float64(Some(100.0))
        );
        assert_eq!(
            one("SELECT ST_Distance(ST_Point(0, 0), ST_Point(3, 4))").await,
            ScalarValue::Float64(Some(5.0))
        );
        assert_eq!(
            one("SELECT ST_DWithin(ST_Point(0, 0), ST_Point(3, 4), 5.0)").await,
            t
        );
        assert_eq!(
            one("SELECT ST_Length(ST_GeomFromText('LINESTRING(0 0, 3 4, 3 5)'))").await,
            ScalarValue::Float64(Some(6.0))
        );
        assert_eq!(
            one(&format!("SELECT ST_AsText(ST_Centroid({sq}))")).await,
            ScalarValue::Utf8(Some("POINT(5 5)".into()))
        );
        assert_eq!(
            one(&format!("SELECT ST_AsText(ST_Envelope({sq}))")).await,
            ScalarValue::Utf8(Some("POLYGON((0 0,0 10,10 10,10 0,0 0))".into()))
        );
        let ScalarValue::Float64(Some(area)) =
            one("SELECT ST_Area(ST_Buffer(ST_Point(0, 0), 1.0))").await
        else {
            panic!("no area");
        };
        assert!((area - std::f64::consts::PI).abs() < 0.05, "{area}");
    }

    #[tokio::test]
    async fn validity_and_transform() {
        assert_eq!(
            one("SELECT ST_IsValid(ST_GeomFromText('POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))'))")
                .await,
            ScalarValue::Boolean(Some(false))
        );
        let ScalarValue::Utf8(Some(t)) =
            one("SELECT ST_AsText(ST_Transform(ST_Point(155000, 463000, 28992), 4326))").await
        else {
            panic!("no text");
        };
        assert!(t.starts_with("POINT(5.3872"), "{t}");
        assert_eq!(
            one("SELECT ST_SRID(ST_Transform(ST_Point(5.38, 52.15, 4326), 28992))").await,
            ScalarValue::Int32(Some(28992))
        );
    }

    #[tokio::test]
    async fn mixed_srids_and_bad_input_are_errors() {
        let ctx = SessionContext::new();
        for f in all() {
            ctx.register_udf(f);
        }
        // Each says in Dutch what is wrong and what to do (the web translates it for an
        // English reader).
        for (sql, says) in [
            (
                "SELECT ST_Distance(ST_Point(0, 0, 4326), ST_Point(0, 0, 28992))",
                "ST_DISTANCE: de geometrieën liggen in verschillende coördinatenstelsels (SRID 4326 en 28992); zet er een om met ST_Transform",
            ),
            (
                "SELECT ST_GeomFromText('POINT(1')",
                "ST_GEOMFROMTEXT: geen geldige WKT (",
            ),
            (
                "SELECT ST_Transform(ST_Point(1, 1), 28992)",
                "ST_TRANSFORM: de geometrie heeft geen SRID; geef haar er een met ST_SetSRID(geom, 4326)",
            ),
            (
                "SELECT ST_Transform(ST_Point(1, 1, 4326), 3857)",
                "ST_TRANSFORM: SRID 3857 kent koers niet; wel 4326 en 28992",
            ),
            (
                "SELECT ST_X(ST_GeomFromText('LINESTRING(0 0, 1 1)'))",
                "ST_X() werkt alleen op een POINT",
            ),
            ("SELECT ST_Area(X'0101')", "geen geldige geometrie: "),
            (
                "SELECT ST_Area('x')",
                "de query mislukte: ST_AREA: argument 1 moet een geometrie zijn, geen tekst",
            ),
            (
                "SELECT ST_Area(1, 2, 3)",
                "de query mislukte: ST_AREA neemt 1 argument(en), niet 3",
            ),
        ] {
            let r = match ctx.sql(sql).await {
                Ok(df) => df.collect().await.map(|_| ()),
                Err(e) => Err(e),
            };
            let e = crate::EngineError::from(r.expect_err(sql)).to_string();
            assert!(e.contains(says), "{sql}: {e}");
            assert!(!e.contains("No function matches"), "{sql}: {e}");
        }
    }
}
