//! Import of shapefiles (plain and zipped) and GeoPackages, with fixtures written here: the
//! shapefile crate's writer plus a `.prj`, and a GeoPackage made with SQL.

use std::io::Write;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::DataType;
use koers_engine::{EngineError, Format, ImportedVersion, NoProgress, import_file};
use shapefile::dbase::{self, FieldName, FieldValue, TableWriterBuilder};
use shapefile::{Point, Polygon, PolygonRing, ShapeWriter};

use crate::helpers::{Work, assert_vector, column_types, engine, invalid_message, table};

const RD_PRJ: &str = r#"PROJCS["RD_New",GEOGCS["GCS_Amersfoort",DATUM["D_Amersfoort",SPHEROID["Bessel_1841",6377397.155,299.1528128]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Double_Stereographic"],PARAMETER["False_Easting",155000.0],PARAMETER["False_Northing",463000.0],PARAMETER["Central_Meridian",5.38763888888889],PARAMETER["Scale_Factor",0.9999079],PARAMETER["Latitude_Of_Origin",52.15616055555555],UNIT["Meter",1.0]]"#;
const WGS84_PRJ: &str = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
const MERCATOR_PRJ: &str = r#"PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]]],PROJECTION["Mercator_Auxiliary_Sphere"]]"#;
const RD_WKT: &str = r#"PROJCS["Amersfoort / RD New",GEOGCS["Amersfoort",DATUM["Amersfoort",SPHEROID["Bessel 1841",6377397.155,299.1528128]],AUTHORITY["EPSG","4289"]],PROJECTION["Oblique_Stereographic"],AUTHORITY["EPSG","28992"]]"#;

fn name(s: &str) -> FieldName {
    FieldName::try_from(s).expect("field name")
}

fn square(x: f64, y: f64, size: f64) -> Vec<Point> {
    // Clockwise: an outer ring in shapefile terms.
    vec![
        Point::new(x, y),
        Point::new(x, y + size),
        Point::new(x + size, y + size),
        Point::new(x + size, y),
        Point::new(x, y),
    ]
}

/// `percelen.shp` in RD New: a 100 m square with a 20 m hole, a 10 m square, and a null shape.
/// The text is written as Windows-1252 with the DBF's code page mark cleared, so only the
/// `.cpg` tells how to read it.
fn write_parcels(dir: &Path) -> PathBuf {
    let shp = dir.join("percelen.shp");
    let mut shapes = ShapeWriter::from_path(&shp).expect("shp writer");
    shapes
        .write_shape(&Polygon::with_rings(vec![
            PolygonRing::Outer(square(100_000.0, 400_000.0, 100.0)),
            // Given clockwise; the writer turns inner rings counter-clockwise.
            PolygonRing::Inner(square(100_040.0, 400_040.0, 20.0)),
        ]))
        .expect("polygon");
    shapes
        .write_shape(&Polygon::new(PolygonRing::Outer(square(
            101_000.0, 400_000.0, 10.0,
        ))))
        .expect("polygon");
    shapes.finalize().expect("finalize");
    drop(shapes);
    append_null_shape(&shp);

    let dbf = dir.join("percelen.dbf");
    let mut table = TableWriterBuilder::with_encoding(dbase::encoding::EncodingRs::from(
        dbase::encoding_rs::WINDOWS_1252,
    ))
    .add_character_field(name("Naam"), 30)
    .add_numeric_field(name("aantal"), 10, 0)
    .add_numeric_field(name("Opp"), 12, 2)
    .add_float_field(name("ratio"), 10, 3)
    .add_logical_field(name("actief"))
    .add_date_field(name("sinds"))
    .build_with_file_dest(&dbf)
    .expect("dbf writer");
    let rows = [
        (
            "Café de Hoek",
            Some(42.0),
            9600.0,
            0.25,
            true,
            (31, 1, 2024),
        ),
        ("Weiland", None, 100.0, 1.5, false, (1, 12, 1999)),
        ("Zonder vorm", Some(-7.0), 0.0, 0.0, true, (29, 2, 2024)),
    ];
    for (naam, aantal, opp, ratio, actief, (d, m, y)) in rows {
        let mut r = dbase::Record::default();
        r.insert("Naam".into(), FieldValue::Character(Some(naam.into())));
        r.insert("aantal".into(), FieldValue::Numeric(aantal));
        r.insert("Opp".into(), FieldValue::Numeric(Some(opp)));
        r.insert("ratio".into(), FieldValue::Float(Some(ratio)));
        r.insert("actief".into(), FieldValue::Logical(Some(actief)));
        r.insert(
            "sinds".into(),
            FieldValue::Date(Some(dbase::Date::new(d, m, y).expect("date"))),
        );
        table.write_record(&r).expect("record");
    }
    table.finalize().expect("dbf");
    drop(table);
    // Clear the language driver id (byte 29) so the header says nothing about the encoding.
    let mut bytes = std::fs::read(&dbf).expect("dbf");
    bytes[29] = 0;
    std::fs::write(&dbf, bytes).expect("dbf");
    std::fs::write(dir.join("percelen.prj"), RD_PRJ).expect("prj");
    std::fs::write(dir.join("percelen.cpg"), "ISO-8859-1").expect("cpg");
    shp
}

/// Append a null shape record to a `.shp` and its `.shx` (the writer has no null shapes).
fn append_null_shape(shp: &Path) {
    let mut s = std::fs::read(shp).expect("shp");
    let offset_words = (s.len() / 2) as i32;
    // Number the new record after the last one.
    let mut n = 0;
    let mut pos = 100;
    while pos + 8 <= s.len() {
        n = i32::from_be_bytes(s[pos..pos + 4].try_into().expect("4 bytes"));
        let len = i32::from_be_bytes(s[pos + 4..pos + 8].try_into().expect("4 bytes"));
        pos += 8 + 2 * len as usize;
    }
    s.extend_from_slice(&(n + 1).to_be_bytes());
    s.extend_from_slice(&2i32.to_be_bytes());
    s.extend_from_slice(&0i32.to_le_bytes());
    let words = (s.len() / 2) as i32;
    s[24..28].copy_from_slice(&words.to_be_bytes());
    std::fs::write(shp, s).expect("shp");
    let shx = shp.with_extension("shx");
    let mut x = std::fs::read(&shx).expect("shx");
    x.extend_from_slice(&offset_words.to_be_bytes());
    x.extend_from_slice(&2i32.to_be_bytes());
    let words = (x.len() / 2) as i32;
    x[24..28].copy_from_slice(&words.to_be_bytes());
    std::fs::write(&shx, x).expect("shx");
}

/// `punten.shp`: two points, UTF-8 text, with the given `.prj` (none when `None`).
fn write_points(dir: &Path, prj: Option<&str>) -> PathBuf {
    let shp = dir.join("punten.shp");
    let table = TableWriterBuilder::new().add_character_field(name("naam"), 20);
    let mut w = shapefile::Writer::from_path(&shp, table).expect("writer");
    for (naam, x, y) in [
        ("Domtoren", 5.1214, 52.0907),
        ("Martinitoren", 6.5683, 53.2194),
    ] {
        let mut r = dbase::Record::default();
        r.insert("naam".into(), FieldValue::Character(Some(naam.into())));
        w.write_shape_and_record(&Point::new(x, y), &r)
            .expect("point");
    }
    drop(w);
    if let Some(p) = prj {
        std::fs::write(dir.join("punten.prj"), p).expect("prj");
    }
    shp
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    for (name, body) in files {
        z.start_file(*name, o).expect("zip entry");
        z.write_all(body).expect("zip write");
    }
    z.finish().expect("zip").into_inner()
}

fn zip_dir(dir: &Path, stem: &str, prefix: &str) -> Vec<u8> {
    let mut files = Vec::new();
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        let p = dir.join(format!("{stem}.{ext}"));
        if p.exists() {
            files.push((
                format!("{prefix}{stem}.{ext}"),
                std::fs::read(p).expect("read"),
            ));
        }
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    zip_of(&refs)
}

fn texts(a: &ArrayRef) -> Vec<String> {
    let a = datafusion::arrow::compute::cast(a, &DataType::Utf8).expect("casts");
    let s = a.as_string::<i32>();
    (0..s.len())
        .map(|i| {
            if s.is_null(i) {
                "NULL".to_string()
            } else {
                s.value(i).to_string()
            }
        })
        .collect()
}

/// Run a query over one table `t` and give every row as text.
async fn rows(v: &ImportedVersion, sql: &str) -> Vec<Vec<String>> {
    let out = engine()
        .query(sql, &[table("t", v)])
        .await
        .expect("query runs");
    let mut rows = Vec::new();
    for b in &out.batches {
        let cols: Vec<Vec<String>> = b.columns().iter().map(texts).collect();
        for r in 0..b.num_rows() {
            rows.push(cols.iter().map(|c| c[r].clone()).collect());
        }
    }
    rows
}

#[tokio::test]
async fn shapefile_attributes_geometry_and_rd_from_prj() {
    let w = Work::new();
    let shp = write_parcels(w.dir.path());
    let v = w.import(&shp, "percelen.parquet");
    let columns = [
        ("Naam", "Utf8"),
        ("aantal", "Int64"),
        ("Opp", "Float64"),
        ("ratio", "Float64"),
        ("actief", "Boolean"),
        ("sinds", "Date32"),
        ("geom", "Binary"),
    ];
    assert_vector(
        &v,
        3,
        Format::Shapefile,
        &columns,
        "EPSG:28992",
        &["Polygon"],
    );
    assert_eq!(v.quality[6].null_count, 1);

    let r = rows(
        &v,
        "SELECT \"Naam\", aantal, \"Opp\", ratio, actief, sinds, ST_Area(geom), ST_AsText(geom) FROM t",
    )
    .await;
    assert_eq!(
        r[0][..6],
        ["Café de Hoek", "42", "9600.0", "0.25", "true", "2024-01-31"]
    );
    assert_eq!(r[0][6].parse::<f64>().expect("area"), 9600.0);
    assert_eq!(
        r[0][7],
        "POLYGON((100000 400000,100000 400100,100100 400100,100100 400000,100000 400000),(100040 400040,100060 400040,100060 400060,100040 400060,100040 400040))"
    );
    assert_eq!(
        r[1][..6],
        ["Weiland", "NULL", "100.0", "1.5", "false", "1999-12-01"]
    );
    assert_eq!(r[1][6].parse::<f64>().expect("area"), 100.0);
    assert_eq!(r[2][0], "Zonder vorm");
    assert_eq!(r[2][1], "-7");
    assert_eq!(r[2][7], "NULL");
    assert_eq!(w.outputs(), ["percelen.parquet"]);

    // Without the .cpg, and with no code page in its header, text that is not UTF-8 is read
    // as Windows-1252, the way programs on Dutch Windows write it: no accent is lost.
    std::fs::remove_file(w.dir.path().join("percelen.cpg")).expect("cpg");
    let v = w.import(&shp, "zonder_cpg.parquet");
    let r = rows(&v, "SELECT \"Naam\" FROM t").await;
    assert_eq!(r[0][0], "Café de Hoek");
}

#[tokio::test]
async fn zipped_shapefile_in_a_folder_with_wgs84() {
    let w = Work::new();
    let set = w.dir.path().join("set");
    std::fs::create_dir_all(&set).expect("dir");
    write_points(&set, Some(WGS84_PRJ));
    let mut bytes = zip_dir(&set, "punten", "Punten/");
    // Extra files in the archive are ignored.
    bytes = {
        let mut z = zip::ZipWriter::new_append(std::io::Cursor::new(bytes)).expect("append");
        z.start_file(
            "Punten/lees mij.txt",
            zip::write::SimpleFileOptions::default(),
        )
        .expect("entry");
        z.write_all(b"metadata").expect("write");
        z.finish().expect("zip").into_inner()
    };
    let src = w.write("punten.zip", &bytes);
    let v = w.import(&src, "punten.parquet");
    let columns = [("naam", "Utf8"), ("geom", "Binary")];
    assert_vector(&v, 2, Format::Shapefile, &columns, "EPSG:4326", &["Point"]);
    let r = rows(&v, "SELECT naam, ST_AsText(geom) FROM t ORDER BY naam").await;
    assert_eq!(
        r,
        [
            ["Domtoren", "POINT(5.1214 52.0907)"],
            ["Martinitoren", "POINT(6.5683 53.2194)"]
        ]
    );
    assert_eq!(w.outputs(), ["punten.parquet"]);
}

#[test]
fn shapefile_crs_must_be_known_or_given() {
    let w = Work::new();
    let shp = write_points(w.dir.path(), Some(MERCATOR_PRJ));
    let m = w.refused(&shp, "p.parquet");
    assert!(
        m.contains("WGS_1984_Web_Mercator_Auxiliary_Sphere")
            && m.contains("EPSG:28992")
            && m.contains("--crs"),
        "{m}"
    );
    assert!(w.outputs().is_empty());
    // With the CRS given, the same file imports.
    let mut o = w.opts("p.parquet");
    o.crs = Some("EPSG:4326".into());
    let v = import_file(&shp, &o, &NoProgress).expect("imports");
    assert_eq!(v.geometry.map(|g| g.crs).as_deref(), Some("EPSG:4326"));

    // No .prj at all: the same request for the CRS.
    std::fs::remove_file(w.dir.path().join("punten.prj")).expect("rm");
    let m = w.refused(&shp, "q.parquet");
    assert!(m.contains(".prj") && m.contains("--crs"), "{m}");
}

#[test]
fn bad_shapefiles_are_refused_and_leave_nothing() {
    let w = Work::new();
    // A zip without a .shp.
    let src = w.write("leeg.zip", &zip_of(&[("readme.txt", b"nothing here")]));
    let m = w.refused(&src, "a.parquet");
    assert!(m.contains("geen .shp-bestand"), "{m}");

    // A zip with an entry that climbs out of the folder.
    let set = w.dir.path().join("set");
    std::fs::create_dir_all(&set).expect("dir");
    write_points(&set, Some(WGS84_PRJ));
    let src = w.write("klimmer.zip", &zip_dir(&set, "punten", "../"));
    let m = w.refused(&src, "b.parquet");
    assert!(m.contains("onveilig pad"), "{m}");

    // A .shp without its .dbf.
    let lone = w.dir.path().join("los");
    std::fs::create_dir_all(&lone).expect("dir");
    let shp = write_points(&lone, Some(WGS84_PRJ));
    std::fs::remove_file(lone.join("punten.dbf")).expect("rm");
    let m = w.refused(&shp, "c.parquet");
    assert!(m.contains(".dbf"), "{m}");

    // A truncated .shp (cut in the middle of the second point).
    let cut = w.dir.path().join("kort");
    std::fs::create_dir_all(&cut).expect("dir");
    let shp = write_points(&cut, Some(WGS84_PRJ));
    let bytes = std::fs::read(&shp).expect("read");
    std::fs::write(&shp, &bytes[..bytes.len() - 10]).expect("write");
    std::fs::remove_file(cut.join("punten.shx")).expect("rm");
    let m = w.refused(&shp, "d.parquet");
    assert!(m.contains("vorm 2"), "{m}");

    // Two shapefiles in one zip.
    let mut files = Vec::new();
    for stem in ["a", "b"] {
        files.push((
            format!("{stem}.shp"),
            std::fs::read(set.join("punten.shp")).expect("r"),
        ));
        files.push((
            format!("{stem}.dbf"),
            std::fs::read(set.join("punten.dbf")).expect("r"),
        ));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let src = w.write("twee.zip", &zip_of(&refs));
    let m = w.refused(&src, "e.parquet");
    assert!(m.contains("2 shapefiles"), "{m}");

    assert!(w.outputs().is_empty(), "{:?}", w.outputs());
}

#[test]
fn zip_limits_refuse_bombs_and_crowds() {
    use koers_engine::source::shapefile::{ZipLimits, unpack_zip};
    let w = Work::new();
    let big = vec![0u8; 100_000];
    let src = w.write("bom.zip", &zip_of(&[("x.shp", &big), ("x.dbf", b"dbf")]));
    let small = ZipLimits {
        max_entries: 10,
        max_bytes: 50_000,
    };
    let e = unpack_zip(&src, small).expect_err("refused");
    assert!(e.to_string().contains("meer dan 50000 bytes"), "{e}");
    let many: Vec<(String, Vec<u8>)> = (0..11).map(|i| (format!("{i}.txt"), vec![])).collect();
    let refs: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let src = w.write("veel.zip", &zip_of(&refs));
    let e = unpack_zip(&src, small).expect_err("refused");
    assert!(e.to_string().contains("11 bestanden"), "{e}");
    // Within the limits, the folder holds the set and is gone when dropped.
    let src = w.write("goed.zip", &zip_of(&[("x.shp", b"shp"), ("x.dbf", b"dbf")]));
    let (dir, shp) = unpack_zip(&src, small).expect("unpacks");
    assert!(shp.exists() && shp.with_extension("dbf").exists());
    let folder = dir.path().to_path_buf();
    drop(dir);
    assert!(!folder.exists());
}

// ---- GeoPackage ----

fn gp_blob(srs: i32, wkb: &[u8], envelope: Option<[f64; 4]>, big_endian: bool) -> Vec<u8> {
    let mut b = b"GP\x00".to_vec();
    let mut flags = if big_endian { 0 } else { 1 };
    if envelope.is_some() {
        flags |= 1 << 1;
    }
    b.push(flags);
    if big_endian {
        b.extend_from_slice(&srs.to_be_bytes());
    } else {
        b.extend_from_slice(&srs.to_le_bytes());
    }
    for v in envelope.into_iter().flatten() {
        if big_endian {
            b.extend_from_slice(&v.to_be_bytes());
        } else {
            b.extend_from_slice(&v.to_le_bytes());
        }
    }
    b.extend_from_slice(wkb);
    b
}

fn wkb_point(x: f64, y: f64, big_endian: bool) -> Vec<u8> {
    let mut b = Vec::new();
    if big_endian {
        b.push(0);
        b.extend_from_slice(&1u32.to_be_bytes());
        b.extend_from_slice(&x.to_be_bytes());
        b.extend_from_slice(&y.to_be_bytes());
    } else {
        b.push(1);
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&x.to_le_bytes());
        b.extend_from_slice(&y.to_le_bytes());
    }
    b
}

fn wkb_polygon(rings: &[&[(f64, f64)]]) -> Vec<u8> {
    let mut b = vec![1u8];
    b.extend_from_slice(&3u32.to_le_bytes());
    b.extend_from_slice(&(rings.len() as u32).to_le_bytes());
    for r in rings {
        b.extend_from_slice(&(r.len() as u32).to_le_bytes());
        for (x, y) in r.iter() {
            b.extend_from_slice(&x.to_le_bytes());
            b.extend_from_slice(&y.to_le_bytes());
        }
    }
    b
}

const GPKG_META: &str = "
PRAGMA application_id = 1196444487;
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
  organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL, description TEXT);
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL),
  ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS[\"WGS 84\",AUTHORITY[\"EPSG\",\"4326\"]]', NULL),
  ('Web Mercator', 3857, 'EPSG', 3857, 'PROJCS[\"WGS 84 / Pseudo-Mercator\",AUTHORITY[\"EPSG\",\"3857\"]]', NULL);
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
  identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME,
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,
  m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
";

/// geometry, Naam, bouwjaar, hoogte, monument, gemeten, bijgewerkt.
type Building<'a> = (
    Option<Vec<u8>>,
    &'a str,
    Option<i64>,
    f64,
    i64,
    &'a str,
    &'a str,
);

/// A GeoPackage with the layer `gebouwen` (RD New, defined by WKT under a private SRS id):
/// two points, a polygon with a hole and a NULL geometry; with `second`, also a layer `wegen`.
fn write_gpkg(path: &Path, second: Option<i32>) {
    let c = rusqlite::Connection::open(path).expect("sqlite");
    c.execute_batch(GPKG_META).expect("meta");
    c.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('RD', 100028, 'local', 1, ?1, NULL)",
        [RD_WKT],
    )
    .expect("srs");
    c.execute_batch(
        "CREATE TABLE gebouwen (fid INTEGER PRIMARY KEY AUTOINCREMENT, geometrie POLYGON,
           Naam TEXT(40), bouwjaar MEDIUMINT, hoogte DOUBLE, monument BOOLEAN, gemeten DATE,
           bijgewerkt DATETIME);
         INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id)
           VALUES ('gebouwen', 'features', 'Gebouwen', 100028);
         INSERT INTO gpkg_geometry_columns VALUES ('gebouwen', 'geometrie', 'GEOMETRY', 100028, 0, 0);",
    )
    .expect("layer");
    let outer: &[(f64, f64)] = &[
        (155000.0, 463000.0),
        (155100.0, 463000.0),
        (155100.0, 463100.0),
        (155000.0, 463100.0),
        (155000.0, 463000.0),
    ];
    let hole: &[(f64, f64)] = &[
        (155010.0, 463010.0),
        (155010.0, 463060.0),
        (155060.0, 463060.0),
        (155060.0, 463010.0),
        (155010.0, 463010.0),
    ];
    let rows: Vec<Building> = vec![
        (
            Some(gp_blob(
                100028,
                &wkb_point(155000.0, 463000.0, false),
                None,
                false,
            )),
            "Lieve Vrouwetoren",
            Some(1321),
            98.3,
            1,
            "2024-03-01",
            "2024-03-01T10:30:00Z",
        ),
        (
            Some(gp_blob(
                100028,
                &wkb_point(136000.5, 455800.25, true),
                Some([136000.5, 136000.5, 455800.25, 455800.25]),
                true,
            )),
            "Domtoren",
            Some(1382),
            112.32,
            1,
            "2023-05-17",
            "2023-05-17T08:00:00.000Z",
        ),
        (
            Some(gp_blob(
                100028,
                &wkb_polygon(&[outer, hole]),
                Some([155000.0, 155100.0, 463000.0, 463100.0]),
                false,
            )),
            "Blok",
            None,
            12.0,
            0,
            "2022-01-01",
            "2022-01-01 00:00:00",
        ),
        (
            None,
            "Onbekend",
            Some(2000),
            3.5,
            0,
            "2021-06-30",
            "2021-06-30T12:00:00Z",
        ),
    ];
    for r in rows {
        c.execute(
            "INSERT INTO gebouwen (geometrie, Naam, bouwjaar, hoogte, monument, gemeten, bijgewerkt)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            rusqlite::params![r.0, r.1, r.2, r.3, r.4, r.5, r.6],
        )
        .expect("row");
    }
    if let Some(srs) = second {
        c.execute_batch(&format!(
            "CREATE TABLE wegen (fid INTEGER PRIMARY KEY, geom LINESTRING, naam TEXT);
             INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id)
               VALUES ('wegen', 'features', 'Wegen', {srs});
             INSERT INTO gpkg_geometry_columns VALUES ('wegen', 'geom', 'LINESTRING', {srs}, 0, 0);
             CREATE TABLE notities (id INTEGER PRIMARY KEY, tekst TEXT);
             INSERT INTO gpkg_contents (table_name, data_type, identifier)
               VALUES ('notities', 'attributes', 'Notities');"
        ))
        .expect("second layer");
        c.execute(
            "INSERT INTO wegen (geom, naam) VALUES (?1, 'A12')",
            [gp_blob(srs, &wkb_point(5.0, 52.0, false), None, false)],
        )
        .expect("road");
    }
}

#[tokio::test]
async fn geopackage_features_with_gp_header_geometry() {
    let w = Work::new();
    let src = w.dir.path().join("gebouwen.gpkg");
    write_gpkg(&src, None);
    let v = w.import(&src, "gebouwen.parquet");
    let columns = [
        ("fid", "Int64"),
        ("Naam", "Utf8"),
        ("bouwjaar", "Int64"),
        ("hoogte", "Float64"),
        ("monument", "Boolean"),
        ("gemeten", "Date32"),
        ("bijgewerkt", "Timestamp(µs)"),
        ("geom", "Binary"),
    ];
    let (crs, types) = ("EPSG:28992", &["Point", "Polygon"]);
    assert_vector(&v, 4, Format::GeoPackage, &columns, crs, types);
    let r = rows(
        &v,
        "SELECT fid, \"Naam\", bouwjaar, hoogte, monument, gemeten, bijgewerkt, ST_AsText(geom), ST_Area(geom) FROM t ORDER BY fid",
    )
    .await;
    assert_eq!(
        r[0],
        [
            "1",
            "Lieve Vrouwetoren",
            "1321",
            "98.3",
            "true",
            "2024-03-01",
            "2024-03-01T10:30:00",
            "POINT(155000 463000)",
            "0.0"
        ]
    );
    assert_eq!(r[1][7], "POINT(136000.5 455800.25)");
    assert_eq!(r[2][2], "NULL");
    assert_eq!(
        r[2][7],
        "POLYGON((155000 463000,155100 463000,155100 463100,155000 463100,155000 463000),(155010 463010,155010 463060,155060 463060,155060 463010,155010 463010))"
    );
    assert_eq!(r[2][8].parse::<f64>().expect("area"), 10_000.0 - 2_500.0);
    assert_eq!(r[3][1], "Onbekend");
    assert_eq!(r[3][7], "NULL");
    // The SRID travels in the values: a transform to WGS84 lands on Amersfoort.
    let t = rows(
        &v,
        "SELECT ST_AsText(ST_Transform(geom, 4326)) FROM t WHERE fid = 1",
    )
    .await;
    assert!(t[0][0].starts_with("POINT(5.38"), "{t:?}");
    assert_eq!(w.outputs(), ["gebouwen.parquet"]);
    // The source file is untouched and no journal was left beside it.
    let beside: Vec<String> = std::fs::read_dir(w.dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("gebouwen.gpkg"))
        .collect();
    assert_eq!(beside, ["gebouwen.gpkg"]);
}

/// A 3D BAG tile as GDAL writes it (`tests/fixtures/make-3dbag.sh`): layer `lod12_2d` in
/// EPSG:7415 (RD New + NAP height), footprints with Z at ground level. koers reads it as RD
/// New, drops the Z, and keeps the heights as the 3D BAG's attributes.
#[tokio::test]
async fn a_3d_bag_geopackage_made_with_gdal_reads_as_rd_new() {
    let w = Work::new();
    let src = w.dir.path().join("3dbag.gpkg");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/3dbag-utrecht.gpkg"),
        &src,
    )
    .expect("fixture");
    let v = w.import(&src, "3dbag.parquet");
    assert_eq!(v.row_count, 4);
    let g = v.geometry.as_ref().expect("geometry");
    assert_eq!((g.column.as_str(), g.crs.as_str()), ("geom", "EPSG:28992"));
    let r = rows(
        &v,
        "SELECT identificatie, oorspronkelijkbouwjaar, b3_h_dak_50p, ST_AsText(geom), \
         ST_Area(geom) FROM t ORDER BY identificatie",
    )
    .await;
    assert_eq!(r[0][0], "NL.IMBAG.Pand.0344100000000001");
    assert_eq!((r[0][1].as_str(), r[0][2].as_str()), ("1382", "112.3"));
    assert_eq!(
        r[0][3],
        "POLYGON((136700 455880,136712 455880,136712 455892,136700 455892,136700 455880))"
    );
    assert_eq!(r[0][4].parse::<f64>().expect("area"), 144.0);
    assert_eq!(r[3][2], "NULL", "a building without a measured roof");
    // In WGS84 the footprints lie in the centre of Utrecht.
    let t = rows(&v, "SELECT ST_X(ST_Centroid(ST_Transform(geom, 4326))), ST_Y(ST_Centroid(ST_Transform(geom, 4326))) FROM t LIMIT 1").await;
    let (lon, lat): (f64, f64) = (t[0][0].parse().expect("x"), t[0][1].parse().expect("y"));
    assert!(
        (5.11..5.13).contains(&lon) && (52.08..52.10).contains(&lat),
        "{t:?}"
    );
}

/// The 3D BAG's CityJSON (a document and a text sequence): one row per building with its
/// attributes, its footprint from LoD 0 or, without, from the ground of its parts' solids.
#[tokio::test]
async fn a_3d_bag_cityjson_reads_as_building_footprints() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (file, ext) in [
        ("3dbag-utrecht.city.json", "json"),
        ("3dbag-utrecht.city.jsonl", "jsonl"),
    ] {
        let w = Work::new();
        let src = w.dir.path().join(format!("tegel.{ext}"));
        std::fs::copy(fixtures.join(file), &src).expect("fixture");
        let v = w.import(&src, "tegel.parquet");
        assert_eq!(v.format, koers_engine::Format::CityJson, "{file}");
        assert_eq!(v.row_count, 2, "{file}: buildings, not their parts");
        let g = v.geometry.as_ref().expect("geometry");
        assert_eq!(g.crs, "EPSG:28992", "EPSG:7415 reads as RD New");
        let r = rows(
            &v,
            "SELECT cityobject_id, cityobject_type, oorspronkelijkbouwjaar, b3_h_dak_50p, \
             ST_Area(geom), ST_X(ST_Centroid(geom)) FROM t ORDER BY cityobject_id",
        )
        .await;
        assert_eq!(r[0][0], "NL.IMBAG.Pand.0344100000000002");
        assert_eq!((r[0][1].as_str(), r[0][2].as_str()), ("Building", "1895"));
        assert_eq!(r[0][3], "14.5");
        // LoD 0 footprint, 12 × 12 m; the other from its part's lowest faces, 20 × 15 m.
        let area = |i: usize| r[i][4].parse::<f64>().expect("area");
        assert!(
            (area(0) - 144.0).abs() < 1e-6 && (area(1) - 300.0).abs() < 1e-6,
            "{r:?}"
        );
        let x = r[0][5].parse::<f64>().expect("x");
        assert!((x - 136_706.0).abs() < 1e-6, "transform applied: {x}");
    }
    // A .json that is GeoJSON stays GeoJSON; a broken CityJSON is refused in words.
    let w = Work::new();
    let geo = w.write(
        "punten.json",
        br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[5.1,52.1]}}]}"#,
    );
    assert_eq!(
        w.import(&geo, "p.parquet").format,
        koers_engine::Format::GeoJson
    );
    for (bad, says) in [
        (
            r#"{"type":"CityJSON","version":"2.0","CityObjects":{"a":{"type":"Building","geometry":[{"type":"MultiSurface","lod":"0","boundaries":[[[0,1,9]]]}]}},"vertices":[[0,0,0],[1,0,0]]}"#,
            "hoekpunt 9 bestaat niet",
        ),
        (
            r#"{"type":"CityJSON","version":"2.0","CityObjects":{},"vertices":[]}"#,
            "geen stadsobjecten",
        ),
        (
            r#"{"type":"CityJSON","version":"2.0","CityObjects":{"a":{"type":"Building"}},"vertices":[]}"#,
            "coördinatenstelsel",
        ),
        // A CityJSON Text Sequence broken on its second line: the file's line, in words.
        (
            "{\"type\":\"CityJSON\",\"version\":\"2.0\",\"CityObjects\":{},\"vertices\":[]}\n{\"type\":\"CityJSONFeature\",\"id\":\"a\",\n",
            "regel 2, kolom 35: de tekst houdt op waar een waarde hoort",
        ),
    ] {
        let src = w.write("kapot.city.json", bad.as_bytes());
        let m = w.refused(&src, "k.parquet");
        assert!(m.contains(says), "{m}");
    }
    assert!(
        w.outputs().iter().all(|o| o == "p.parquet"),
        "{:?}",
        w.outputs()
    );
}

#[test]
fn geopackage_layers_are_chosen_by_name() {
    let w = Work::new();
    let src = w.dir.path().join("twee.gpkg");
    write_gpkg(&src, Some(4326));
    let m = w.refused(&src, "x.parquet");
    assert!(
        m.contains("2 lagen") && m.contains("gebouwen, wegen") && m.contains("--layer"),
        "{m}"
    );
    assert!(w.outputs().is_empty());

    let mut o = w.opts("wegen.parquet");
    o.layer = Some("wegen".into());
    let v = import_file(&src, &o, &NoProgress).expect("imports");
    assert_eq!(v.row_count, 1);
    assert_eq!(v.geometry.map(|g| g.crs).as_deref(), Some("EPSG:4326"));

    let mut o = w.opts("y.parquet");
    o.layer = Some("spoorlijnen".into());
    let m = invalid_message(import_file(&src, &o, &NoProgress));
    assert!(
        m.contains("spoorlijnen") && m.contains("gebouwen, wegen"),
        "{m}"
    );

    // A layer is a GeoPackage notion.
    let csv = w.write("a.csv", b"a\n1\n");
    let mut o = w.opts("z.parquet");
    o.layer = Some("a".into());
    let m = import_file(&csv, &o, &NoProgress).expect_err("refused");
    assert!(matches!(m, EngineError::UnfitOption(_)), "{m:?}");
    assert_eq!(w.outputs(), ["wegen.parquet"]);
}

#[test]
fn geopackage_in_an_unknown_crs_needs_one_given() {
    let w = Work::new();
    let src = w.dir.path().join("mercator.gpkg");
    write_gpkg(&src, Some(3857));
    let mut o = w.opts("x.parquet");
    o.layer = Some("wegen".into());
    let m = invalid_message(import_file(&src, &o, &NoProgress));
    assert!(m.contains("Web Mercator") && m.contains("--crs"), "{m}");
    o.crs = Some("EPSG:4326".into());
    let v = import_file(&src, &o, &NoProgress).expect("imports with the CRS given");
    assert_eq!(v.row_count, 1);
}

#[test]
fn bad_geopackages_are_refused_and_leave_nothing() {
    let w = Work::new();
    // Random bytes.
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let src = w.write("ruis.gpkg", &noise);
    let m = w.refused(&src, "a.parquet");
    assert!(m.contains("geen SQLite-database"), "{m}");

    // An SQLite database that is no GeoPackage.
    let src = w.dir.path().join("gewoon.gpkg");
    let c = rusqlite::Connection::open(&src).expect("sqlite");
    c.execute_batch("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);")
        .expect("table");
    drop(c);
    let m = w.refused(&src, "b.parquet");
    assert!(
        m.contains("geen GeoPackage") && m.contains("gpkg_contents"),
        "{m}"
    );

    // An SQLite header followed by garbage.
    let mut broken = b"SQLite format 3\0".to_vec();
    broken.extend_from_slice(&noise);
    let src = w.write("kapot.gpkg", &broken);
    let m = w.refused(&src, "c.parquet");
    assert!(m.contains("GeoPackage"), "{m}");

    // A geometry that is not a GeoPackage blob.
    let src = w.dir.path().join("blob.gpkg");
    write_gpkg(&src, None);
    let c = rusqlite::Connection::open(&src).expect("sqlite");
    c.execute(
        "UPDATE gebouwen SET geometrie = ?1 WHERE fid = 2",
        [wkb_point(1.0, 2.0, false)],
    )
    .expect("update");
    drop(c);
    let m = w.refused(&src, "d.parquet");
    assert!(m.contains("rij 2") && m.contains("GP header"), "{m}");

    assert!(w.outputs().is_empty(), "{:?}", w.outputs());
}

#[test]
fn formats_parse_and_come_from_extensions() {
    use koers_engine::Format;
    for (name, f) in [
        ("shp", Format::Shapefile),
        ("shapefile", Format::Shapefile),
        ("zip", Format::Shapefile),
        ("gpkg", Format::GeoPackage),
        ("GeoPackage", Format::GeoPackage),
    ] {
        assert_eq!(Format::parse(name).ok(), Some(f), "{name}");
    }
    assert_eq!(
        Format::from_path(Path::new("a/b.SHP")).ok(),
        Some(Format::Shapefile)
    );
    assert_eq!(
        Format::from_path(Path::new("b.zip")).ok(),
        Some(Format::Shapefile)
    );
    assert_eq!(
        Format::from_path(Path::new("b.gpkg")).ok(),
        Some(Format::GeoPackage)
    );
    let e = Format::parse("kml").expect_err("unknown");
    assert!(e.to_string().contains("GeoPackage (.gpkg)"), "{e}");
    // Refused by its name in words: what koers reads, and what to do with an old Excel file.
    let e = Format::from_path(Path::new("/tmp/3f2a.docx")).expect_err("unknown");
    assert_eq!(
        e.to_string(),
        format!(
            "onbekend bestandsformaat: een .docx-bestand leest koers niet; koers leest {}",
            koers_engine::source::FORMAT_NAMES
        )
    );
    let e = Format::from_path(Path::new("Oud.XLS")).expect_err("old Excel");
    assert!(
        e.to_string().contains("sla het in Excel op als .xlsx"),
        "{e}"
    );
    let e = Format::from_path(Path::new("zonder")).expect_err("no extension");
    assert!(e.to_string().contains("zonder extensie"), "{e}");
}

#[tokio::test]
async fn shapefile_z_and_m_are_dropped_and_parts_become_multilines() {
    use shapefile::{PointZ, PolylineZ};
    let w = Work::new();
    let shp = w.dir.path().join("leidingen.shp");
    let table = TableWriterBuilder::new().add_integer_field(name("id"));
    let mut wr = shapefile::Writer::from_path(&shp, table).expect("writer");
    let lines = [
        vec![vec![
            PointZ::new(155000.0, 463000.0, 1.5, 0.0),
            PointZ::new(155010.0, 463000.0, 2.5, 0.0),
        ]],
        vec![
            vec![
                PointZ::new(0.0, 0.0, 9.0, 0.0),
                PointZ::new(0.0, 10.0, 9.0, 0.0),
            ],
            vec![
                PointZ::new(5.0, 5.0, 9.0, 0.0),
                PointZ::new(6.0, 5.0, 9.0, 0.0),
            ],
        ],
    ];
    for (i, parts) in lines.into_iter().enumerate() {
        let mut r = dbase::Record::default();
        r.insert("id".into(), FieldValue::Integer(i as i32 + 1));
        wr.write_shape_and_record(&PolylineZ::with_parts(parts), &r)
            .expect("line");
    }
    drop(wr);
    std::fs::write(w.dir.path().join("leidingen.prj"), RD_PRJ).expect("prj");
    let v = w.import(&shp, "leidingen.parquet");
    assert_eq!(column_types(&v), [("id", "Int64"), ("geom", "Binary")]);
    assert_eq!(
        v.geometry.as_ref().map(|g| g.types.clone()),
        Some(vec![
            "LineString".to_string(),
            "MultiLineString".to_string()
        ])
    );
    let r = rows(
        &v,
        "SELECT id, ST_AsText(geom), ST_Length(geom) FROM t ORDER BY id",
    )
    .await;
    assert_eq!(r[0][..2], ["1", "LINESTRING(155000 463000,155010 463000)"]);
    assert_eq!(r[0][2].parse::<f64>().expect("length"), 10.0);
    assert_eq!(r[1][1], "MULTILINESTRING((0 0,0 10),(5 5,6 5))");
}
