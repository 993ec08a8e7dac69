//! Import of CSV, GeoJSON, Parquet and bad inputs.

use koers_engine::{EngineError, NoProgress, import_file};

use crate::helpers::{Work, boundaries, column_types, geom_field};

#[test]
fn csv_is_typed_and_profiled() {
    let w = Work::new();
    let src = w.write(
        "m.csv",
        b"gm_code,Name,weight,since,postcode\nGM0344,Utrecht,361.5,2024-01-31,0123\nGM0363,Amsterdam,,2023-12-01,1012\nGM0599,Rotterdam,655,2024-02-29,3011\n",
    );
    let v = w.import(&src, "m@1.parquet");
    assert_eq!(v.row_count, 3);
    assert!(v.byte_size > 0 && v.path.exists());
    assert_eq!(
        column_types(&v),
        [
            ("gm_code", "Utf8"),
            ("Name", "Utf8"),
            ("weight", "Float64"),
            ("since", "Date32"),
            ("postcode", "Utf8")
        ]
    );
    let weight = &v.quality[2];
    assert_eq!(weight.null_count, 1);
    assert_eq!(weight.min.as_deref(), Some("361.5"));
    assert_eq!(weight.max.as_deref(), Some("655"));
    assert_eq!(v.quality[0].distinct_count, 3);
    assert_eq!(v.quality[3].min.as_deref(), Some("2023-12-01"));
    assert!(v.geometry.is_none());
    assert_eq!(w.outputs(), ["m@1.parquet"]);
    // Serialisable for the store and the API.
    let json = serde_json::to_string(&v).expect("serialises");
    assert!(json.contains("\"row_count\":3"));
}

#[test]
fn csv_with_semicolons() {
    let w = Work::new();
    let src = w.write("s.csv", b"a;b\n1;x\n2;y\n");
    let v = w.import(&src, "s.parquet");
    assert_eq!(v.row_count, 2);
    assert_eq!(v.columns[0].data_type, "Int64");
}

/// An option that does not fit the file is refused in words, and nothing is written.
#[test]
fn an_option_that_does_not_fit_the_file_is_refused() {
    let w = Work::new();
    let src = w.write("o.csv", b"a,b\n1,2\n");
    let mut opts = w.opts("o.parquet");
    opts.layer = Some("wegen".into());
    let e = import_file(&src, &opts, &NoProgress).expect_err("refused");
    assert!(matches!(e, EngineError::UnfitOption(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "alleen in een GeoPackage is een laag te kiezen, niet in een CSV-bestand"
    );
    let geo = w.write(
        "o.geojson",
        br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[5.1,52.1]}}]}"#,
    );
    let mut opts = w.opts("g.parquet");
    opts.column_types
        .insert("a".into(), koers_engine::source::csv::ColumnType::Number);
    let e = import_file(&geo, &opts, &NoProgress).expect_err("refused");
    assert_eq!(
        e.to_string(),
        "alleen voor een CSV-bestand zijn kolomsoorten te kiezen, niet voor een GeoJSON-bestand"
    );
    assert!(w.outputs().is_empty(), "{:?}", w.outputs());
}

#[test]
fn ragged_csv_names_the_line_and_leaves_nothing() {
    let w = Work::new();
    let src = w.write("r.csv", b"a,b,c\n1,2,3\n4,5\n6,7,8\n");
    let m = w.refused(&src, "r.parquet");
    assert!(m.contains("regel 3"), "{m}");
    assert!(w.outputs().is_empty(), "{:?}", w.outputs());
}

#[test]
fn a_csv_in_windows_1252_is_read_and_one_that_is_no_text_names_the_line() {
    let w = Work::new();
    // Excel's CSV on Dutch Windows: Windows-1252, read as such.
    let src = w.write("l.csv", b"plaats,n\nUtrecht,1\nGen\xe8ve,2\n");
    let v = w.import(&src, "l.parquet");
    assert_eq!(v.row_count, 2);
    let out = w.outputs();
    // A file with NUL bytes is no text: refused with its line, nothing written.
    let src = w.write("b.csv", b"plaats,n\nUtrecht,1\nGen\x00\xe8ve,2\n");
    let m = w.refused(&src, "b.parquet");
    assert!(m.contains("regel 3") && m.contains("UTF-8"), "{m}");
    assert_eq!(w.outputs(), out);
}

#[test]
fn empty_files_are_refused() {
    let w = Work::new();
    for (name, body) in [
        ("e.csv", &b""[..]),
        ("h.csv", b"a,b\n"),
        (
            "e.geojson",
            b"{\"type\":\"FeatureCollection\",\"features\":[]}",
        ),
    ] {
        let src = w.write(name, body);
        let r = import_file(&src, &w.opts("e.parquet"), &NoProgress);
        assert!(matches!(r, Err(EngineError::Empty)), "{name}: {r:?}");
    }
    assert!(w.outputs().is_empty());
}

#[test]
fn unknown_format_and_crs_are_clear_errors() {
    let w = Work::new();
    let src = w.write("x.shp2", b"abc");
    assert!(matches!(
        import_file(&src, &w.opts("x.parquet"), &NoProgress),
        Err(EngineError::UnknownFormat(_))
    ));
    let src = w.write("p.geojson", POINTS);
    let mut o = w.opts("p.parquet");
    o.crs = Some("EPSG:3857".into());
    let r = import_file(&src, &o, &NoProgress);
    match r {
        Err(e @ EngineError::UnknownCrs(_)) => assert!(e.to_string().contains("EPSG:28992")),
        other => panic!("{other:?}"),
    }
    assert!(w.outputs().is_empty());
}

const POINTS: &[u8] = br#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"StatCode":"A","n":1,"x":1.5,"ok":true},"geometry":{"type":"Point","coordinates":[5.1,52.1]}},
 {"type":"Feature","properties":{"StatCode":"B","n":2,"extra":"only here"},"geometry":{"type":"Point","coordinates":[5.3,52.3]}},
 {"type":"Feature","properties":{"StatCode":"C","n":null},"geometry":null}
]}"#;

#[test]
fn geojson_properties_and_geometry() {
    let w = Work::new();
    let src = w.write("p.geojson", POINTS);
    let v = w.import(&src, "p.parquet");
    assert_eq!(v.row_count, 3);
    let names: Vec<&str> = v.columns.iter().map(|c| c.name.as_str()).collect();
    // Property names keep their case, and the order the file writes them in.
    assert_eq!(names, ["StatCode", "n", "x", "ok", "extra", "geom"]);
    assert_eq!(v.columns[1].data_type, "Int64");
    assert_eq!(v.columns[5].data_type, "Binary");
    let g = v.geometry.as_ref().expect("geometry");
    assert_eq!((g.column.as_str(), g.crs.as_str()), ("geom", "EPSG:4326"));
    assert_eq!(g.types, ["Point"]);
    let q = &v.quality[5];
    assert_eq!(q.null_count, 1);
    assert_eq!(q.invalid_geometries, Some(0));
    let bbox = q.bbox_wgs84.expect("bbox");
    assert!((bbox[0] - 5.1).abs() < 1e-9 && (bbox[3] - 52.3).abs() < 1e-9);

    // The field carries GeoArrow metadata.
    let field = geom_field(&v.path);
    assert_eq!(
        field
            .metadata()
            .get("ARROW:extension:name")
            .map(String::as_str),
        Some("geoarrow.wkb")
    );
    assert_eq!(
        field
            .metadata()
            .get("ARROW:extension:metadata")
            .map(String::as_str),
        Some("{\"crs\":\"EPSG:4326\"}")
    );

    // A version file imports again as Parquet, geometry recognised.
    let again = w.import(&v.path, "p2.parquet");
    assert_eq!(again.row_count, 3);
    assert_eq!(again.geometry.map(|g| g.crs), Some("EPSG:4326".to_string()));
}

#[test]
fn geojson_in_rd_with_override() {
    let w = Work::new();
    let src = w.write(
        "rd.geojson",
        br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"naam":"OLV-toren"},"geometry":{"type":"Point","coordinates":[155000,463000]}}]}"#,
    );
    let mut o = w.opts("rd.parquet");
    o.crs = Some("EPSG:28992".into());
    let v = import_file(&src, &o, &NoProgress).expect("imports");
    assert_eq!(
        v.geometry.as_ref().map(|g| g.crs.as_str()),
        Some("EPSG:28992")
    );
    let bbox = v.quality[1].bbox_wgs84.expect("bbox");
    assert!(
        (bbox[0] - 5.3872).abs() < 1e-3 && (bbox[1] - 52.1551).abs() < 1e-3,
        "{bbox:?}"
    );

    // Without the override and without a crs member: RD coordinates are no latitudes, so
    // they are read as RD New, not stored as impossible WGS84.
    let v = w.import(&src, "rd_by_itself.parquet");
    assert_eq!(
        v.geometry.as_ref().map(|g| g.crs.as_str()),
        Some("EPSG:28992")
    );
    // Coordinates that are neither (web mercator) are refused in words; nothing is written.
    let outputs = w.outputs();
    let src = w.write(
        "mercator.geojson",
        br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[570000.5,6816000]}}]}"#,
    );
    let m = w.refused(&src, "m.parquet");
    assert!(
        m.contains("de coördinaten (x van 570000.5 tot 570000.5, y van 6816000 tot 6816000) zijn geen lengte- en breedtegraden"),
        "{m}"
    );
    assert_eq!(w.outputs(), outputs);
}

#[test]
fn invalid_geojson_is_refused() {
    let w = Work::new();
    // Where the file goes wrong and what is wrong there, in words: not serde's "expected
    // value at line 1 column 1".
    for (name, body, says) in [
        (
            "a.geojson",
            &b"this is not json"[..],
            "regel 1, kolom 2: hier staat een woord dat JSON niet kent",
        ),
        (
            "b.geojson",
            br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":5}}]}"#,
            "object 1: ",
        ),
        (
            "c.geojson",
            br#"{"type":"Point","coordinates":[1,2]}"#,
            "een FeatureCollection verwacht, maar het is een Point",
        ),
        (
            "d.geojson",
            br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[5]}}]}"#,
            "object 1: een positie heeft minstens twee getallen nodig (x en y), maar heeft er 1",
        ),
        (
            "e.geojson",
            b"{\"type\":\"FeatureCollection\",\n\"features\":[{\"type\":\"Feature\"",
            "regel 2, kolom 29: object 1: de tekst houdt op midden in een object ({ zonder })",
        ),
        (
            "f.geojson",
            br#"[{"type":"Feature"}]"#,
            "verkeerd soort waarde: een lijst, verwacht een FeatureCollection (een object)",
        ),
    ] {
        let src = w.write(name, body);
        let r = import_file(&src, &w.opts("x.parquet"), &NoProgress);
        match r {
            Err(EngineError::InvalidInput { message, .. }) => {
                assert!(message.contains(says), "{name}: {message}")
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(w.outputs().is_empty());
}

#[test]
fn self_intersecting_polygon_imports_and_counts_invalid() {
    let w = Work::new();
    let src = w.write(
        "bow.geojson",
        br#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"id":1},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}},
 {"type":"Feature","properties":{"id":2},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}
]}"#,
    );
    let v = w.import(&src, "bow.parquet");
    assert_eq!(v.quality[1].invalid_geometries, Some(1));
}

#[test]
fn real_boundaries_import() {
    let w = Work::new();
    let p = w.import(&boundaries("provinces_2025.geojson"), "provincies.parquet");
    assert_eq!(p.row_count, 12);
    assert!(p.columns.iter().any(|c| c.name == "statcode"));
    assert!(p.columns.iter().any(|c| c.name == "statnaam"));
    let g = p.geometry.expect("geometry");
    assert!(
        g.types
            .iter()
            .all(|t| t == "Polygon" || t == "MultiPolygon")
    );
    let m = w.import(
        &boundaries("municipalities_2025.geojson"),
        "gemeenten.parquet",
    );
    assert_eq!(m.row_count, 342);
    let statcode = m
        .quality
        .iter()
        .find(|q| q.name == "statcode")
        .expect("statcode");
    // Exactly one code per municipality, and said to be exact.
    assert_eq!(statcode.distinct_count, 342);
    assert!(statcode.distinct_exact);
    let bbox = m.quality.last().and_then(|q| q.bbox_wgs84).expect("bbox");
    assert!(
        bbox[0] > 3.0 && bbox[2] < 7.3 && bbox[1] > 50.7 && bbox[3] < 53.6,
        "{bbox:?}"
    );
}

/// A minimal .xlsx written by hand (inline strings, numbers, booleans), one sheet.
fn xlsx(rows: &[&str]) -> Vec<u8> {
    xlsx_sheets(&[("Blad1", rows)])
}

/// A minimal .xlsx with these sheets, in order.
fn xlsx_sheets(sheets: &[(&str, &[&str])]) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let numbered = || {
        sheets
            .iter()
            .enumerate()
            .map(|(i, (name, rows))| (i + 1, name, rows))
    };
    let overrides: String = numbered()
        .map(|(n, _, _)| format!(r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#))
        .collect();
    let names: String = numbered()
        .map(|(n, name, _)| format!(r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#))
        .collect();
    let rels: String = numbered()
        .map(|(n, _, _)| format!(r#"<Relationship Id="rId{n}" Type="{rel}/worksheet" Target="worksheets/sheet{n}.xml"/>"#))
        .collect();
    let mut files = vec![
        (
            "[Content_Types].xml".to_string(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>"#
            ),
        ),
        (
            "_rels/.rels".to_string(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml".to_string(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{rel}"><sheets>{names}</sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels".to_string(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
            ),
        ),
    ];
    for (n, _, rows) in numbered() {
        // A `<dimension>` goes before the rows, as Excel writes it.
        let (dimension, rows): (Vec<&str>, Vec<&str>) =
            rows.iter().partition(|r| r.starts_with("<dimension"));
        files.push((format!("xl/worksheets/sheet{n}.xml"), format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{}<sheetData>{}</sheetData></worksheet>"#, dimension.concat(), rows.concat())));
    }
    for (name, body) in files {
        z.start_file(name, o).expect("zip entry");
        z.write_all(body.as_bytes()).expect("zip write");
    }
    z.finish().expect("zip").into_inner()
}

fn s(r: &str, v: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{v}</t></is></c>"#)
}

#[test]
fn xlsx_first_sheet_with_header() {
    let w = Work::new();
    let rows = [
        format!(
            r#"<row r="1">{}{}{}{}</row>"#,
            s("A1", "Gemeente"),
            s("B1", "inwoners"),
            s("C1", "aandeel"),
            s("D1", "actief")
        ),
        format!(
            r#"<row r="2">{}<c r="B2"><v>361924</v></c><c r="C2"><v>0.25</v></c><c r="D2" t="b"><v>1</v></c></row>"#,
            s("A2", "Utrecht")
        ),
        format!(
            r#"<row r="3">{}<c r="B3"><v>931298</v></c><c r="C3"><v>1</v></c></row>"#,
            s("A3", "Amsterdam")
        ),
    ];
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    let src = w.write("g.xlsx", &xlsx(&refs));
    let v = w.import(&src, "g.parquet");
    assert_eq!(v.row_count, 2);
    assert_eq!(
        column_types(&v),
        [
            ("Gemeente", "Utf8"),
            ("inwoners", "Int64"),
            ("aandeel", "Float64"),
            ("actief", "Boolean")
        ]
    );
    assert_eq!(v.quality[1].max.as_deref(), Some("931298"));
    assert_eq!(v.quality[3].null_count, 1);
}

#[test]
fn an_xlsx_table_is_found_under_its_title_after_a_sheet_of_notes() {
    let w = Work::new();
    let notes = [format!(
        r#"<row r="1">{}</row>"#,
        s("A1", "Deze werkmap bevat de cijfers van 2024.")
    )];
    let data = [
        format!(
            r#"<row r="1">{}</row>"#,
            s("A1", "Inwoners per gemeente, 1 januari 2024")
        ),
        format!(
            r#"<row r="3">{}{}{}</row>"#,
            s("A3", "Gemeente"),
            s("B3", "Code"),
            s("C3", "Inwoners")
        ),
        format!(
            r#"<row r="4">{}{}<c r="C4"><v>361924</v></c></row>"#,
            s("A4", "Utrecht"),
            s("B4", "0344")
        ),
        format!(
            r#"<row r="5">{}{}</row>"#,
            s("A5", "Zeist"),
            s("B5", "0355")
        ),
        format!(r#"<row r="7">{}</row>"#, s("A7", "Bron: CBS")),
    ];
    let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
    let data: Vec<&str> = data.iter().map(String::as_str).collect();
    let src = w.write(
        "t.xlsx",
        &xlsx_sheets(&[("Toelichting", &notes), ("Data", &data)]),
    );
    let v = w.import(&src, "t.parquet");
    assert_eq!(v.row_count, 2, "the title and the source note are no rows");
    assert_eq!(
        column_types(&v),
        [
            ("Gemeente", "Utf8"),
            ("Code", "Utf8"),
            ("Inwoners", "Int64")
        ]
    );
    // A workbook of notes only holds no table.
    let src = w.write("n.xlsx", &xlsx_sheets(&[("Toelichting", &notes)]));
    assert!(matches!(
        import_file(&src, &w.opts("n.parquet"), &NoProgress),
        Err(EngineError::Empty)
    ));
}

/// What an import reports of its progress.
#[derive(Default)]
struct Recorded(std::sync::Mutex<Vec<(String, u64)>>);

impl koers_engine::Progress for Recorded {
    fn set_total(&self, total: u64, unit: koers_engine::Unit) {
        let mut r = self.0.lock().unwrap();
        r.push((format!("total {}", unit.as_str()), total));
    }
    fn advance(&self, amount: u64) {
        self.0.lock().unwrap().push(("advance".into(), amount));
    }
}

#[test]
fn an_xlsx_sheet_reports_its_rows_as_they_are_read() {
    let w = Work::new();
    let rows: Vec<String> = (1..=5)
        .map(|r| {
            format!(
                r#"<row r="{r}">{}<c r="B{r}"><v>{r}</v></c></row>"#,
                s(&format!("A{r}"), "x")
            )
        })
        .collect();
    let mut refs: Vec<&str> = vec![r#"<dimension ref="A1:B5"/>"#];
    refs.extend(rows.iter().map(String::as_str));
    let src = w.write("p.xlsx", &xlsx(&refs));
    let recorded = Recorded::default();
    import_file(&src, &w.opts("p.parquet"), &recorded).expect("imports");
    let r = recorded.0.lock().unwrap();
    let first = r
        .iter()
        .position(|(what, n)| what == "total rows" && *n == 5);
    let first = first.unwrap_or_else(|| panic!("{r:?}"));
    let advanced: Vec<u64> = r[first + 1..]
        .iter()
        .take_while(|(what, _)| what == "advance")
        .map(|&(_, n)| n)
        .collect();
    assert_eq!(advanced, [1, 1, 1, 1, 1], "one step a row: {r:?}");
}

#[test]
fn an_xlsx_of_a_few_cells_far_apart_is_refused_not_spread_out_in_memory() {
    let w = Work::new();
    // Two cells, A1 and XFD1048576: a grid of 17 billion cells if laid out.
    let rows = [
        format!(r#"<row r="1">{}</row>"#, s("A1", "a")),
        format!(r#"<row r="1048576">{}</row>"#, s("XFD1048576", "z")),
    ];
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    let src = w.write("ver.xlsx", &xlsx(&refs));
    let m = w.refused(&src, "v.parquet");
    assert!(
        m.contains(
            "de 2 gevulde cellen liggen te ver uit elkaar (rij 1 tot 1048576, kolom 1 tot 16384)"
        ),
        "{m}"
    );
    assert!(w.outputs().is_empty());
}

#[test]
fn broken_xlsx_is_refused() {
    let w = Work::new();
    let src = w.write("b.xlsx", b"PK\x03\x04 not really a zip");
    let r = import_file(&src, &w.opts("b.parquet"), &NoProgress);
    assert!(matches!(r, Err(EngineError::InvalidInput { .. })), "{r:?}");
    assert!(w.outputs().is_empty());
}

#[test]
fn a_file_of_another_kind_under_a_format_s_name_is_told_so() {
    let w = Work::new();
    for (name, says) in [
        (
            "tabel.xlsx",
            "de inhoud is geen .xlsx-werkmap; heeft het bestand een verkeerde extensie?",
        ),
        (
            "tabel.parquet",
            "de inhoud is geen Parquet (dat begint met PAR1); heeft het bestand een verkeerde extensie?",
        ),
    ] {
        let src = w.write(name, b"naam,waarde\nUtrecht,1\n");
        match import_file(&src, &w.opts("t.parquet"), &NoProgress) {
            Err(EngineError::InvalidInput { message, .. }) => assert_eq!(message, says, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(w.outputs().is_empty());
}
