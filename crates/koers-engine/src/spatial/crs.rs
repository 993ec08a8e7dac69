//! Coordinate reference systems: WGS84 (EPSG:4326) and RD New (EPSG:28992).
//!
//! Transforms go through `proj4rs` with the RD New definition that includes the
//! 7-parameter datum shift (`+towgs84`), which agrees with the official RDNAPTRANS test points
//! to within a metre (see the tests). Geographic coordinates are (longitude, latitude) in
//! degrees, as in GeoJSON and PostGIS.

use std::sync::LazyLock;

use geo::{Geometry, MapCoords};
use proj4rs::proj::Proj;

use crate::error::EngineError;

/// SRID of WGS84 longitude/latitude.
pub const WGS84: i32 = 4326;
/// SRID of Amersfoort / RD New.
pub const RD_NEW: i32 = 28992;
/// Amersfoort / RD New + NAP height (compound; the 3D BAG's CRS).
const RD_NEW_NAP: i32 = 7415;
/// WGS 84 with ellipsoidal height.
const WGS84_3D: i32 = 4979;

const WGS84_DEF: &str = "+proj=longlat +datum=WGS84 +no_defs";
const RD_NEW_DEF: &str = "+proj=sterea +lat_0=52.15616055555555 +lon_0=5.38763888888889 +k=0.9999079 +x_0=155000 +y_0=463000 +ellps=bessel +towgs84=565.417,50.3319,465.552,-0.398957,0.343988,-1.8774,4.0725 +units=m +no_defs";

struct Projs {
    wgs84: Proj,
    rd: Proj,
}

static PROJS: LazyLock<Result<Projs, String>> = LazyLock::new(|| {
    Ok(Projs {
        wgs84: Proj::from_proj_string(WGS84_DEF).map_err(|e| e.to_string())?,
        rd: Proj::from_proj_string(RD_NEW_DEF).map_err(|e| e.to_string())?,
    })
});

/// The CRS of coordinates spanning `extent` (min x, min y, max x, max y) in a file that names
/// none: WGS84 when they are longitudes and latitudes, RD New when they lie in its grid over
/// the Netherlands (an RD coordinate is never a latitude: its y is above 289,000), else none.
pub fn srid_of_extent(extent: [f64; 4]) -> Option<i32> {
    let [x0, y0, x1, y1] = extent;
    let inside = |x: (f64, f64), y: (f64, f64)| x0 >= x.0 && x1 <= x.1 && y0 >= y.0 && y1 <= y.1;
    if inside((-180.0, 180.0), (-90.0, 90.0)) {
        Some(WGS84)
    } else if inside((-7_000.0, 300_000.0), (289_000.0, 629_000.0)) {
        Some(RD_NEW)
    } else {
        None
    }
}

/// Parse a CRS name as users write it: `EPSG:28992`, `epsg:4326`, `28992`, `WGS84`,
/// `urn:ogc:def:crs:EPSG::28992`, `OGC:CRS84`. Returns the SRID.
pub fn parse_crs(s: &str) -> Result<i32, EngineError> {
    let t = s.trim().to_ascii_uppercase();
    let code = if t == "WGS84" || t == "OGC:CRS84" || t.ends_with("CRS:84") || t.ends_with("CRS84")
    {
        Some(WGS84)
    } else {
        let digits = t.rsplit(':').next().unwrap_or("");
        digits.parse::<i32>().ok()
    };
    match code.and_then(horizontal) {
        Some(c) => Ok(c),
        _ => Err(EngineError::UnknownCrs(s.to_string())),
    }
}

/// The horizontal CRS koers reads for an EPSG code: RD New for EPSG:28992 and for the
/// compound RD New + NAP height (EPSG:7415, the 3D BAG's CRS), WGS84 for EPSG:4326 and its
/// 3D form EPSG:4979 — heights are kept as attributes (the 3D BAG's `b3_h_*`), not in the
/// coordinates.
pub fn horizontal(code: i32) -> Option<i32> {
    match code {
        RD_NEW | RD_NEW_NAP => Some(RD_NEW),
        WGS84 | WGS84_3D => Some(WGS84),
        _ => None,
    }
}

/// Recognise a CRS from its WKT definition (a shapefile's `.prj`, a GeoPackage's
/// `gpkg_spatial_ref_sys.definition`): RD New and WGS84 in their OGC (WKT1 and WKT2) and Esri
/// spellings. `None` for anything else, also for other projections on those datums (UTM on
/// WGS84, Web Mercator).
pub fn srid_from_wkt(wkt: &str) -> Option<i32> {
    let t = wkt
        .trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_uppercase();
    let top = t.split('[').next().unwrap_or_default().trim();
    // A compound CRS (RD New + NAP height): its horizontal part decides.
    if matches!(top, "COMPD_CS" | "COMPOUNDCRS") {
        let inner = ["PROJCS[", "PROJCRS[", "GEOGCS[", "GEOGCRS["]
            .iter()
            .filter_map(|k| t.find(k))
            .min()?;
        return srid_from_wkt(&t[inner..]);
    }
    // The authority of the outermost CRS is its last ID/AUTHORITY (WKT1 puts it last, WKT2 too).
    let code = ["AUTHORITY[\"EPSG\",", "ID[\"EPSG\","]
        .iter()
        .filter_map(|k| t.rfind(k).map(|i| (i, k.len())))
        .max_by_key(|(i, _)| *i)
        .and_then(|(i, len)| {
            let rest = &t[i + len..];
            let digits: String = rest
                .trim_start_matches(['"', ' '])
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse::<i32>().ok()
        });
    let projected = matches!(top, "PROJCS" | "PROJCRS" | "PROJECTEDCRS");
    let geographic = matches!(top, "GEOGCS" | "GEOGCRS" | "GEOGRAPHICCRS" | "GEODCRS");
    if let Some(c) = code {
        let fits = (c == RD_NEW && projected) || (c == WGS84 && geographic);
        if fits {
            return Some(c);
        }
    }
    let compact: String = t.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if projected {
        let named_rd = compact.contains("AMERSFOORTRDNEW") || compact.contains("RDNEW");
        let stereographic = compact.contains("OBLIQUESTEREOGRAPHIC")
            || compact.contains("DOUBLESTEREOGRAPHIC")
            || compact.contains("OBLIQUESTEREOGRAPHICALTERNATIVE");
        if named_rd || (stereographic && compact.contains("AMERSFOORT")) {
            return Some(RD_NEW);
        }
    } else if geographic && (compact.contains("WGS1984") || compact.contains("WGS84")) {
        return Some(WGS84);
    }
    None
}

/// Whether koers can transform from and to this SRID.
pub fn is_supported(srid: i32) -> bool {
    srid == WGS84 || srid == RD_NEW
}

/// `EPSG:<srid>`.
pub fn crs_name(srid: i32) -> String {
    format!("EPSG:{srid}")
}

fn projs() -> Result<&'static Projs, EngineError> {
    PROJS.as_ref().map_err(|e| EngineError::Geometry(e.clone()))
}

/// Transform one coordinate pair between two supported SRIDs.
pub fn transform_xy(x: f64, y: f64, from: i32, to: i32) -> Result<(f64, f64), EngineError> {
    if from == to {
        return Ok((x, y));
    }
    let p = projs()?;
    let pick = |s: i32| -> Result<&Proj, EngineError> {
        match s {
            WGS84 => Ok(&p.wgs84),
            RD_NEW => Ok(&p.rd),
            0 => Err(EngineError::Geometry(
                "de geometrie heeft geen SRID; geef haar er eerst een met ST_SetSRID(geom, 4326)"
                    .into(),
            )),
            other => Err(EngineError::UnknownCrs(crs_name(other))),
        }
    };
    let (src, dst) = (pick(from)?, pick(to)?);
    let (ix, iy) = if from == WGS84 {
        (x.to_radians(), y.to_radians())
    } else {
        (x, y)
    };
    let (ox, oy) = proj4rs::adaptors::transform_xy(src, dst, ix, iy)
        .map_err(|e| EngineError::Geometry(format!("cannot transform ({x}, {y}): {e}")))?;
    Ok(if to == WGS84 {
        (ox.to_degrees(), oy.to_degrees())
    } else {
        (ox, oy)
    })
}

/// Transform a geometry between two supported SRIDs.
pub fn transform(g: &Geometry<f64>, from: i32, to: i32) -> Result<Geometry<f64>, EngineError> {
    if from == to {
        return Ok(g.clone());
    }
    g.try_map_coords(|c| transform_xy(c.x, c.y, from, to).map(|(x, y)| geo::Coord { x, y }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Official RDNAPTRANS test points (ETRS89 ≈ WGS84 to well within a metre here):
    /// (name, RD x, RD y, latitude, longitude).
    const POINTS: &[(&str, f64, f64, f64, f64)] = &[
        ("Amersfoort", 155000.0, 463000.0, 52.155172897, 5.387203657),
        (
            "Noord-Groningen",
            247380.56,
            604580.78,
            53.419482050,
            6.776726674,
        ),
        (
            "Zuid-Limburg",
            182260.45,
            311480.67,
            50.792584916,
            5.773795548,
        ),
        ("Texel", 117380.12, 575040.34, 53.160753042, 4.824761912),
    ];

    #[test]
    fn rd_to_wgs84_within_a_metre() {
        for (name, x, y, lat, lon) in POINTS {
            let (glon, glat) = transform_xy(*x, *y, RD_NEW, WGS84).expect("transforms");
            let dy = (glat - lat) * 111_320.0;
            let dx = (glon - lon) * 111_320.0 * lat.to_radians().cos();
            let err = (dx * dx + dy * dy).sqrt();
            assert!(err < 1.0, "{name}: {err} m off");
        }
    }

    #[test]
    fn wgs84_to_rd_within_a_metre() {
        for (name, x, y, lat, lon) in POINTS {
            let (rx, ry) = transform_xy(*lon, *lat, WGS84, RD_NEW).expect("transforms");
            let err = ((rx - x).powi(2) + (ry - y).powi(2)).sqrt();
            assert!(err < 1.0, "{name}: {err} m off");
        }
    }

    #[test]
    fn recognises_wkt_definitions() {
        let esri_rd = r#"PROJCS["RD_New",GEOGCS["GCS_Amersfoort",DATUM["D_Amersfoort",SPHEROID["Bessel_1841",6377397.155,299.1528128]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Double_Stereographic"],PARAMETER["False_Easting",155000.0],PARAMETER["False_Northing",463000.0],PARAMETER["Central_Meridian",5.38763888888889],PARAMETER["Scale_Factor",0.9999079],PARAMETER["Latitude_Of_Origin",52.15616055555555],UNIT["Meter",1.0]]"#;
        let ogc_rd = r#"PROJCS["Amersfoort / RD New",GEOGCS["Amersfoort",DATUM["Amersfoort",SPHEROID["Bessel 1841",6377397.155,299.1528128,AUTHORITY["EPSG","7004"]],AUTHORITY["EPSG","6289"]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4289"]],PROJECTION["Oblique_Stereographic"],UNIT["metre",1],AUTHORITY["EPSG","28992"]]"#;
        let unnamed_rd = r#"PROJCS["unnamed",GEOGCS["Amersfoort",DATUM["Amersfoort",SPHEROID["Bessel 1841",6377397.155,299.1528128]]],PROJECTION["Oblique_Stereographic"]]"#;
        let esri_wgs = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        let wkt2_wgs = r#"GEOGCRS["WGS 84",DATUM["World Geodetic System 1984",ELLIPSOID["WGS 84",6378137,298.257223563]],ID["EPSG",4326]]"#;
        let utm = r#"PROJCS["WGS 84 / UTM zone 31N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],AUTHORITY["EPSG","4326"]],PROJECTION["Transverse_Mercator"],AUTHORITY["EPSG","32631"]]"#;
        assert_eq!(srid_from_wkt(esri_rd), Some(RD_NEW));
        assert_eq!(srid_from_wkt(ogc_rd), Some(RD_NEW));
        assert_eq!(srid_from_wkt(unnamed_rd), Some(RD_NEW));
        assert_eq!(srid_from_wkt(esri_wgs), Some(WGS84));
        assert_eq!(srid_from_wkt(wkt2_wgs), Some(WGS84));
        assert_eq!(srid_from_wkt(utm), None);
        // Compound CRSs (as GDAL writes EPSG:7415): the horizontal part decides.
        let compound = r#"COMPD_CS["Amersfoort / RD New + NAP height", PROJCS["Amersfoort / RD New", GEOGCS["Amersfoort", DATUM["Amersfoort", SPHEROID["Bessel 1841",6377397.155,299.1528128]]], PROJECTION["Oblique_Stereographic"], AUTHORITY["EPSG","28992"]], VERT_CS["NAP height", VERT_DATUM["Normaal Amsterdams Peil",2005], AUTHORITY["EPSG","5709"]], AUTHORITY["EPSG","7415"]]"#;
        assert_eq!(srid_from_wkt(compound), Some(RD_NEW));
        let wkt2 = r#"COMPOUNDCRS["Amersfoort / RD New + NAP height", PROJCRS["Amersfoort / RD New", BASEGEOGCRS["Amersfoort", DATUM["Amersfoort"]], CONVERSION["RD New", METHOD["Oblique Stereographic"]], ID["EPSG",28992]], VERTCRS["NAP height"], ID["EPSG",7415]]"#;
        assert_eq!(srid_from_wkt(wkt2), Some(RD_NEW));
        assert_eq!(
            srid_from_wkt(r#"COMPD_CS["x", VERT_CS["NAP height"]]"#),
            None
        );
        assert_eq!(srid_from_wkt("garbage"), None);
    }

    #[test]
    fn parses_crs_names() {
        assert_eq!(parse_crs("EPSG:28992").ok(), Some(RD_NEW));
        // A file that names no CRS: told by where its coordinates lie.
        assert_eq!(srid_of_extent([5.1, 52.0, 5.2, 52.1]), Some(WGS84));
        assert_eq!(
            srid_of_extent([136_700.0, 455_900.0, 155_000.0, 463_000.0]),
            Some(RD_NEW)
        );
        assert_eq!(
            srid_of_extent([560_000.0, 6_800_000.0, 570_000.0, 6_810_000.0]),
            None
        );
        assert_eq!(srid_of_extent([100.0, 100.0, 200.0, 200.0]), None);
        assert_eq!(parse_crs("epsg:4326").ok(), Some(WGS84));
        assert_eq!(parse_crs("urn:ogc:def:crs:EPSG::28992").ok(), Some(RD_NEW));
        assert_eq!(parse_crs("urn:ogc:def:crs:OGC:1.3:CRS84").ok(), Some(WGS84));
        // The 3D BAG's compound RD New + NAP height reads as RD New.
        assert_eq!(parse_crs("EPSG:7415").ok(), Some(RD_NEW));
        assert_eq!(parse_crs("EPSG:4979").ok(), Some(WGS84));
        assert!(matches!(
            parse_crs("EPSG:3857"),
            Err(EngineError::UnknownCrs(_))
        ));
        assert!(matches!(
            parse_crs("nonsense"),
            Err(EngineError::UnknownCrs(_))
        ));
    }
}
