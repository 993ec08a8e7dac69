//! The catalog in the pages: import with progress, the dataset page, and every kind of bad
//! input, with nothing half-imported.

use crate::helpers::{TestApp, field_of_each};
use crate::session::{Resp, Session};
use koers_core::access::Role;
use reqwest::multipart::{Form, Part};
use std::time::Duration;

pub(crate) const GEOJSON: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"statcode":"GM0344","statnaam":"Utrecht"},"geometry":{"type":"Polygon","coordinates":[[[5.0,52.0],[5.2,52.0],[5.2,52.2],[5.0,52.2],[5.0,52.0]]]}},
 {"type":"Feature","properties":{"statcode":"GM0345","statnaam":"Veenendaal"},"geometry":{"type":"Polygon","coordinates":[[[5.5,52.0],[5.6,52.0],[5.6,52.1],[5.5,52.1],[5.5,52.0]]]}}]}"#;

/// The import form: the file (if any) and the other fields.
fn import_form(mut form: Form, file: Option<(&str, Vec<u8>)>, fields: &[(&str, &str)]) -> Form {
    if let Some((name, bytes)) = file {
        form = form.part("file", Part::bytes(bytes).file_name(name.to_string()));
    }
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form
}

/// Posts an import form; the answer names the job page or is the error.
async fn post_import(c: &Session, file: Option<(&str, Vec<u8>)>, fields: &[(&str, &str)]) -> Resp {
    // As the page's form sends it: the session's token as the first field.
    let token = Form::new().text("csrf_token", c.csrf().to_string());
    let form = import_form(token, file, fields);
    c.send(
        c.client()
            .post(c.url("/bronnen/importeren"))
            .multipart(form),
    )
    .await
}

/// Follows a job until it ends; returns the final progress fragment.
pub(crate) async fn wait_job(c: &Session, location: &str) -> String {
    for _ in 0..200 {
        let html = c.page(&format!("{location}/voortgang")).await;
        if !html.contains("hx-trigger") {
            return html;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job did not finish");
}

pub(crate) fn dataset_files(app: &TestApp) -> usize {
    fn count(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|rd| {
                rd.flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            count(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    count(&app.ws.data_dir().join("datasets")) + count(&app.ws.data_dir().join("tmp"))
}

/// A list of records as open-data APIs and dumps give them (GeoNames' places) imports as a
/// table with the keys as columns in their order; a list with something else than objects
/// in it is refused with where, and nothing is kept.
#[tokio::test]
async fn import_a_json_list_of_records() {
    let app = TestApp::spawn().await;
    app.add_user("datasteward@pv26.example", Role::DataSteward)
        .await;
    let c = app.page_as("datasteward@pv26.example").await;
    let places = r#"[
{"geonameid": 2743477, "name": "Zwolle", "latitude": 52.5125, "longitude": 6.09444, "population": 129840},
{"geonameid": 2743493, "name": "Zwijndrecht", "latitude": 51.8175, "longitude": 4.63333, "population": 45696}
]"#;
    let r = post_import(&c, Some(("nl_cities500.json", places.into())), &[]).await;
    let done = wait_job(&c, r.header("location")).await;
    assert!(done.contains("Import klaar"), "{done}");
    for shown in [
        "<code>name</code> (tekst)",
        "<code>population</code> (geheel getal)",
        "<code>latitude</code> (getal)",
    ] {
        assert!(done.contains(shown), "{shown} missing: {done}");
    }
    let ds = app.datasets_of(&app.org_a.id).await;
    assert_eq!(ds[0].name, "nl_cities500");
    let html = c.page(&format!("/bronnen/{}", ds[0].id)).await;
    let order: Vec<usize> = ["geonameid", "name", "latitude", "longitude", "population"]
        .iter()
        .map(|k| {
            html.find(&format!("<code>{k}</code>"))
                .unwrap_or(usize::MAX)
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "columns in file order: {order:?}"
    );
    assert!(html.contains("Zwijndrecht"), "the preview rows");
    // An identifier reads as its digits; a count with thousands separators.
    assert!(
        html.contains(">2743493<") && !html.contains("2.743.493") && html.contains(">45.696<"),
        "{html}"
    );
    // Not a list of records: said with where, in the job's page; nothing new is kept.
    let r = post_import(
        &c,
        Some(("kapot.json", br#"[{"name": "Zwolle"}, 5]"#.to_vec())),
        &[],
    )
    .await;
    let failed = wait_job(&c, r.header("location")).await;
    assert!(
        failed.contains("element 2 is geen object maar een getal"),
        "{failed}"
    );
    assert_eq!(app.datasets_of(&app.org_a.id).await.len(), 1);
    // An API's answer holding the list in a member, as CBS' OData gives it.
    let odata = r#"{"odata.metadata": "https://opendata.cbs.nl/ODataApi/odata/85318NED/$metadata#Cbs.OData.WebAPI.TypedDataSet",
 "value": [{"ID": 0, "RegioS": "GM0344", "Perioden": "2024JJ00", "Bevolking_1": 367984},
           {"ID": 1, "RegioS": "GM0345", "Perioden": "2024JJ00", "Bevolking_1": 68000}]}"#;
    let r = post_import(&c, Some(("85318NED.json", odata.into())), &[]).await;
    let done = wait_job(&c, r.header("location")).await;
    assert!(
        done.contains("Import klaar") && done.contains("<code>Bevolking_1</code> (geheel getal)"),
        "{done}"
    );
    // In English, an object without a list says so in English.
    c.get("/lang/en?next=/").await;
    let r = post_import(
        &c,
        Some(("meta.json", br#"{"count": 2, "title": "x"}"#.to_vec())),
        &[],
    )
    .await;
    let failed = wait_job(&c, r.header("location")).await;
    assert!(
        failed.contains("the object holds no list of objects"),
        "{failed}"
    );
    assert_eq!(app.datasets_of(&app.org_a.id).await.len(), 2);
}

#[tokio::test]
pub(crate) async fn import_a_geojson_and_see_its_page() {
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@pv26.example").await;
    let r = post_import(&c, Some(("Gemeenten 2025.geojson", GEOJSON.into())), &[]).await;
    r.assert_status(303);
    let location = r.header("location").to_string();
    assert!(location.starts_with("/bronnen/taken/"));
    let job_page = c.page(&location).await;
    assert!(job_page.contains("Import"));
    let done = wait_job(&c, &location).await;
    assert!(done.contains("Import klaar"), "{done}");
    let ds = app.datasets_of(&app.org_a.id).await;
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].name, "gemeenten_2025");
    // The import ends on a summary: rows, columns with their types, quality, what next.
    for shown in [
        "<dt>Rijen</dt>",
        // Each column's type in words, the geometry as geometry (not its binary storage).
        "<code>statcode</code> (tekst)",
        "<code>geom</code> (geometrie)",
        "met geometrie (kaart)",
        "Wat nu?",
        "<code>gemeenten_2025</code>",
    ] {
        assert!(done.contains(shown), "{shown} missing: {done}");
    }
    let html = c.page(&format!("/bronnen/{}", ds[0].id)).await;
    assert!(
        html.contains("<svg class=\"koers-map\""),
        "a map of the polygons"
    );
    assert!(html.contains("Veenendaal"), "the preview rows");
    // The map names each region, not its code.
    assert!(html.contains("<title>Veenendaal</title>"), "{html}");
    assert!(!html.contains("<title>GM0345</title>"));
    assert!(html.contains("EPSG:4326"));
    assert!(html.contains("statcode"));
    assert!(
        html.contains("aria-label=\"Kaart van gemeenten_2025\""),
        "{html}"
    );
    c.get("/lang/en?next=/").await;
    let en = c.page(&format!("/bronnen/{}", ds[0].id)).await;
    assert!(en.contains("aria-label=\"Map of gemeenten_2025\""), "{en}");
    c.get("/lang/nl?next=/").await;
    // The schema says what each column holds in words, the type a data steward knows beside.
    assert!(
        html.contains("tekst<br><code class=\"koers-hint\">Utf8</code>")
            && html.contains("geometrie<br><code class=\"koers-hint\">Binary</code>"),
        "{html}"
    );
    // A second import of the same name is version 2; the first stays.
    let r = post_import(
        &c,
        Some(("gemeenten.geojson", GEOJSON.into())),
        &[("name", "gemeenten_2025")],
    )
    .await;
    let location = r.header("location").to_string();
    wait_job(&c, &location).await;
    assert_eq!(
        app.store
            .catalog()
            .dataset_versions(&ds[0].id)
            .await
            .unwrap()
            .len(),
        2
    );
    // Metadata edit with every problem listed, then a valid one.
    let url = format!("/bronnen/{}/metadata", ds[0].id);
    c.post_form(
        &url,
        &[
            ("title", ""),
            ("publisher", "Provincie Proef"),
            ("theme", "WEER"),
            ("licence", "CC-BY-4.0"),
            ("accessRights", "public"),
            ("cadence", "ANNUAL"),
        ],
    )
    .await
    .assert_shows(
        400,
        &[
            "<a class=\"utrecht-link\" href=\"#title-error\">Titel: is verplicht</a>",
            "onbekend thema",
            // What was typed stays in the form.
            "name=\"publisher\" value=\"Provincie Proef\"",
        ],
    );
    // The problem stands beside the metadata form's title only, not beside the column form's.
    let html = c.page(&url.replace("/metadata", "")).await;
    assert!(!html.contains("title-error"), "{html}");
    let html = c
        .post_form(&url, &[("title", ""), ("publisher", "PU")])
        .await
        .expect(400)
        .text();
    assert_eq!(html.matches("id=\"title-error\"").count(), 1, "{html}");
    c.submit(
        &url,
        &[
            ("title", "Gemeenten <2025>"),
            ("publisher", "PU"),
            ("theme", "REGI"),
            ("licence", "CC-BY-4.0"),
            ("accessRights", "public"),
            ("cadence", "ANNUAL"),
            ("tags", "grenzen, cbs"),
        ],
    )
    .await
    .assert_shows(200, &["Gemeenten &lt;2025&gt;"]);
    // The theme is shown by its name, not its code.
    let page = c.page(&format!("/bronnen/{}", ds[0].id)).await;
    assert!(page.contains("<dd>Regio&#x27;s en steden</dd>"), "{page}");
}

#[tokio::test]
async fn bad_files_fail_readably_and_leave_nothing() {
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@pv26.example").await;
    // Each failure says what is wrong in words, where the file says it.
    type Case<'a> = (&'a str, Vec<u8>, &'a [(&'a str, &'a str)], &'a str);
    let cases: Vec<Case> = vec![
        (
            "ragged.csv",
            b"a,b\n1,2\n3,4,5\n".to_vec(),
            &[],
            "regel 3 heeft 3 velden",
        ),
        (
            "binary.csv",
            b"naam,plaats\nJos\x00\xe9,\xc9de\n".to_vec(),
            &[],
            "UTF-8",
        ),
        ("empty.csv", Vec::new(), &[], "leeg"),
        (
            "broken.geojson",
            b"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\"".to_vec(),
            &[],
            "regel 1, kolom 57: object 1: de tekst houdt op midden in een object",
        ),
        (
            "points.geojson",
            GEOJSON.as_bytes().to_vec(),
            &[("crs", "EPSG:3857")],
            "3857",
        ),
        (
            "tabel.xlsx",
            b"naam,waarde\nUtrecht,1\n".to_vec(),
            &[],
            "de inhoud is geen .xlsx-werkmap; heeft het bestand een verkeerde extensie?",
        ),
    ];
    for (name, bytes, fields, says) in cases {
        let r = post_import(&c, Some((name, bytes)), fields).await;
        assert_eq!(r.status(), 303, "{name}");
        let location = r.header("location").to_string();
        let end = wait_job(&c, &location).await;
        assert!(end.contains(says), "{name}: {end}");
        // Which of the files failed: its own name.
        assert!(
            end.contains(&format!("Import mislukt ({name}): ")),
            "{name}: {end}"
        );
        assert!(end.contains("Import mislukt"), "{name}: {end}");
    }
    assert!(
        app.datasets_of(&app.org_a.id).await.is_empty(),
        "nothing registered"
    );
    assert_eq!(dataset_files(&app), 0, "no file left behind");
    // A name that is no SQL name is refused before anything is read.
    let r = post_import(
        &c,
        Some(("x.csv", b"a\n1\n".to_vec())),
        &[("name", "Robert'); DROP TABLE datasets;--")],
    )
    .await;
    let location = r.header("location").to_string();
    assert!(wait_job(&c, &location).await.contains("kleine letter"));
    // Neither file nor URL.
    post_import(&c, None, &[]).await.assert_status(400);
    // A file koers cannot read by its name is refused at once, beside the file field, with
    // what koers does read; an old Excel file is told how to become one it reads.
    for (name, says) in [
        (
            "notes.docx",
            "een .docx-bestand leest koers niet; koers leest CSV, GeoJSON",
        ),
        ("oud.xls", "sla het in Excel op als .xlsx-werkmap"),
    ] {
        let r = post_import(&c, Some((name, b"PK\x03\x04".to_vec())), &[]).await;
        r.assert_shows(400, &[says]);
        assert!(
            r.text()
                .contains(r#"name="file" type="file" accept=".csv,.tsv,.txt,.geojson,.json,.jsonl,.ndjson,.parquet,.xlsx,.zip,.gpkg" aria-invalid="true" aria-describedby="file-error""#),
            "{name}: the file field is marked"
        );
    }
    let problem = c
        .post_multipart(
            "/api/v1/datasets",
            import_form(Form::new(), Some(("notes.docx", b"x".to_vec())), &[]),
        )
        .await
        .expect(400)
        .json();
    crate::helpers::assert_invalid(&problem, &["file"]);
    assert!(app.datasets_of(&app.org_a.id).await.is_empty());
    assert_eq!(dataset_files(&app), 0, "no upload left behind");
}

#[tokio::test]
async fn uploads_are_limited_and_need_csrf_and_the_right_role() {
    let app = TestApp::spawn_with(koers_web::WebConfig {
        max_upload_bytes: 1000,
        ..Default::default()
    })
    .await;
    let c = app.page_as("admin@pv26.example").await;
    let big = format!("a,b\n{}", "1,2\n".repeat(1000));
    let r = post_import(&c, Some(("big.csv", big.into_bytes())), &[]).await;
    r.assert_status(413);
    assert!(r.text().contains("te groot"));
    // A wrong token, in the query or as the first field, or none before the file: refused.
    let file = || Some(("a.csv", b"a\n1\n".to_vec()));
    let wrong_first = Form::new().text("csrf_token", "wrong");
    let token_after_file = import_form(Form::new(), file(), &[("csrf_token", c.csrf())]);
    for (path, form) in [
        (
            "/bronnen/importeren?csrf_token=wrong",
            import_form(Form::new(), file(), &[]),
        ),
        ("/bronnen/importeren", import_form(wrong_first, file(), &[])),
        ("/bronnen/importeren", token_after_file),
    ] {
        c.send(c.client().post(c.url(path)).multipart(form))
            .await
            .assert_status(403);
    }
    // The page's form carries its token as a field, never in its address.
    let page = c.page("/bronnen").await;
    assert!(!page.contains("csrf_token="), "{page}");
    assert_eq!(dataset_files(&app), 0);
    // Import from a loopback URL is refused (no SSRF).
    let r = post_import(&c, None, &[("url", &format!("{}/health", app.base))]).await;
    let location = r.header("location").to_string();
    assert!(
        wait_job(&c, &location)
            .await
            .contains("lokaal of privé-netwerk")
    );
    let r = post_import(&c, None, &[("url", "file:///etc/passwd")]).await;
    let location = r.header("location").to_string();
    assert!(wait_job(&c, &location).await.contains("alleen http"));
    // A viewer may not import.
    let v = app.page_as("viewer@pv26.example").await;
    post_import(&v, Some(("a.csv", b"a\n1\n".to_vec())), &[])
        .await
        .assert_status(403);
    assert!(app.datasets_of(&app.org_a.id).await.is_empty());
}

#[tokio::test]
pub(crate) async fn other_organisations_see_only_public_datasets() {
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@pv26.example").await;
    let r = post_import(&c, Some(("gemeenten.geojson", GEOJSON.into())), &[]).await;
    let location = r.header("location").to_string();
    wait_job(&c, &location).await;
    let ds = app.datasets_of(&app.org_a.id).await.remove(0);
    let b = app.page_as("admin@gm0796.example").await;
    // Someone else's job and dataset do not exist for B.
    assert_eq!(b.get(&location).await.status(), 404);
    assert_eq!(b.get(&format!("/bronnen/{}", ds.id)).await.status(), 404);
    b.post_form(
        &format!("/bronnen/{}/metadata", ds.id),
        &[("title", "gekaapt")],
    )
    .await
    .assert_status(404);
    assert!(!b.page("/bronnen").await.contains("gemeenten"));
    // Made public, B can read it but not change it.
    app.set_dataset_access(
        &app.org_a.id,
        &ds.id,
        koers_core::catalog::AccessRights::Public,
    )
    .await;
    assert_eq!(b.get(&format!("/bronnen/{}", ds.id)).await.status(), 200);
    b.post_form(
        &format!("/bronnen/{}/metadata", ds.id),
        &[("title", "gekaapt")],
    )
    .await
    .assert_status(403);
    assert_eq!(app.dataset(&ds.id).await.meta.title, ds.meta.title);
}

/// A zipped point shapefile in RD New (with `.prj`), built with the shapefile crate's writer.
fn zipped_shapefile() -> Vec<u8> {
    use shapefile::dbase::{FieldName, FieldValue, Record, TableWriterBuilder};
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("meetpunten.shp");
    let table =
        TableWriterBuilder::new().add_character_field(FieldName::try_from("Naam").unwrap(), 20);
    let mut w = shapefile::Writer::from_path(&shp, table).unwrap();
    for (naam, x, y) in [
        ("Amersfoort", 155000.0, 463000.0),
        ("Utrecht", 136000.0, 455800.0),
    ] {
        let mut r = Record::default();
        r.insert("Naam".into(), FieldValue::Character(Some(naam.into())));
        w.write_shape_and_record(&shapefile::Point::new(x, y), &r)
            .unwrap();
    }
    drop(w);
    std::fs::write(
        dir.path().join("meetpunten.prj"),
        r#"PROJCS["Amersfoort / RD New",GEOGCS["Amersfoort"],PROJECTION["Oblique_Stereographic"],AUTHORITY["EPSG","28992"]]"#,
    )
    .unwrap();
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for ext in ["shp", "shx", "dbf", "prj"] {
        z.start_file(
            format!("meetpunten.{ext}"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        z.write_all(&std::fs::read(shp.with_extension(ext)).unwrap())
            .unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// A GeoPackage with two point layers, `scholen` and `zwembaden`, in WGS84.
fn two_layer_geopackage() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.gpkg");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
           organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
           definition TEXT NOT NULL, description TEXT);
         INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, 'GEOGCS[\"WGS 84\"]', NULL);
         CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL,
           identifier TEXT, description TEXT, last_change DATETIME, min_x DOUBLE, min_y DOUBLE,
           max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
         CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT,
           geometry_type_name TEXT, srs_id INTEGER, z TINYINT, m TINYINT);",
    )
    .unwrap();
    for (layer, naam, x, y) in [
        ("scholen", "De Regenboog", 5.12, 52.09),
        ("zwembaden", "De Krommerijn", 5.13, 52.10),
    ] {
        c.execute_batch(&format!(
            "CREATE TABLE {layer} (fid INTEGER PRIMARY KEY, geom POINT, naam TEXT);
             INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES ('{layer}', 'features', 4326);
             INSERT INTO gpkg_geometry_columns VALUES ('{layer}', 'geom', 'POINT', 4326, 0, 0);"
        ))
        .unwrap();
        let mut blob = b"GP\x00\x01".to_vec();
        blob.extend_from_slice(&4326i32.to_le_bytes());
        blob.push(1);
        blob.extend_from_slice(&1u32.to_le_bytes());
        blob.extend_from_slice(&f64::to_le_bytes(x));
        blob.extend_from_slice(&f64::to_le_bytes(y));
        c.execute(
            &format!("INSERT INTO {layer} (geom, naam) VALUES (?1, ?2)"),
            rusqlite::params![blob, naam],
        )
        .unwrap();
    }
    drop(c);
    std::fs::read(&path).unwrap()
}

/// A steward sees how many geometries are invalid and, in one step, which: the SQL editor
/// opens with the rows whose geometry is not valid (a bow tie crosses itself).
#[tokio::test]
async fn invalid_geometries_are_counted_and_shown_in_one_step() {
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@pv26.example").await;
    let geojson = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"naam":"Vierkant"},"geometry":{"type":"Polygon","coordinates":[[[5.0,52.0],[5.2,52.0],[5.2,52.2],[5.0,52.2],[5.0,52.0]]]}},
 {"type":"Feature","properties":{"naam":"Strik"},"geometry":{"type":"Polygon","coordinates":[[[5.5,52.0],[5.6,52.1],[5.6,52.0],[5.5,52.1],[5.5,52.0]]]}}]}"#;
    let r = post_import(&c, Some(("vlakken.geojson", geojson.into())), &[]).await;
    wait_job(&c, r.header("location")).await;
    let ds = app.datasets_of(&app.org_a.id).await;
    let html = c.page(&format!("/bronnen/{}", ds[0].id)).await;
    let sql = "SELECT * FROM vlakken WHERE NOT ST_IsValid(\"geom\")";
    assert!(html.contains(&format!("value='{sql}'")), "{html}");
    let shown = c
        .post_form("/analyses/uitvoeren", &[("sql", sql)])
        .await
        .expect(200)
        .text();
    assert!(
        shown.contains("Strik") && !shown.contains("Vierkant"),
        "{shown}"
    );
    // On the result's map, named in the reader's language.
    assert!(
        shown.contains("aria-label=\"Kaart van het resultaat\""),
        "{shown}"
    );
    c.get("/lang/en?next=/").await;
    let en = c
        .post_form("/analyses/uitvoeren", &[("sql", sql)])
        .await
        .expect(200)
        .text();
    assert!(en.contains("aria-label=\"Map of the result\""), "{en}");
    // Who may not analyse sees the count, not the button.
    let v = app.page_as("viewer@pv26.example").await;
    let html = v.page(&format!("/bronnen/{}", ds[0].id)).await;
    assert!(!html.contains("ST_IsValid"), "{html}");
}

#[tokio::test]
async fn upload_a_zipped_shapefile_and_a_geopackage() {
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@pv26.example").await;
    let page = c.page("/bronnen").await;
    assert!(page.contains(".zip,.gpkg"), "the file picker offers them");
    assert!(page.contains("name=\"layer\""));

    let r = post_import(&c, Some(("Meetpunten.zip", zipped_shapefile())), &[]).await;
    r.assert_status(303);
    let location = r.header("location").to_string();
    let done = wait_job(&c, &location).await;
    assert!(done.contains("Import klaar"), "{done}");
    let ds = app.datasets_of(&app.org_a.id).await;
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].name, "meetpunten");
    let html = c.page(&format!("/bronnen/{}", ds[0].id)).await;
    assert!(html.contains("EPSG:28992"), "the CRS from the .prj");
    assert!(html.contains("Amersfoort"), "the preview rows");

    // A GeoPackage with two layers needs one chosen; the message lists them.
    let gpkg = two_layer_geopackage();
    let r = post_import(&c, Some(("voorzieningen.gpkg", gpkg.clone())), &[]).await;
    let location = r.header("location").to_string();
    let end = wait_job(&c, &location).await;
    assert!(end.contains("Import mislukt"), "{end}");
    assert!(end.contains("scholen, zwembaden"), "{end}");
    let r = post_import(
        &c,
        Some(("voorzieningen.gpkg", gpkg)),
        &[("layer", "zwembaden")],
    )
    .await;
    let location = r.header("location").to_string();
    let done = wait_job(&c, &location).await;
    assert!(done.contains("Import klaar"), "{done}");
    let ds = app.datasets_of(&app.org_a.id).await;
    let v = ds
        .iter()
        .find(|d| d.name == "voorzieningen")
        .expect("imported");
    let versions = app.store.catalog().dataset_versions(&v.id).await.unwrap();
    assert_eq!(versions[0].row_count, 1);
    assert_eq!(versions[0].format, "geopackage");
    // Only the two version files remain: no unpacked shapefile, no upload.
    assert_eq!(dataset_files(&app), 2);
}

/// Two organisations without a CBS code made in the same second once got the same table
/// prefix, and an own dataset named like another organisation's public one
/// (`pv26_provincies`) collided with it: every query of the organisations concerned failed
/// with "table already exists". Now prefixes are unique and own names win, and the schema
/// browser says which table is whose under which name.
#[tokio::test]
async fn public_tables_of_others_never_collide_with_each_other_or_with_own_tables() {
    let app = TestApp::spawn().await;
    let mut others = Vec::new();
    for name in ["Regio Noord", "Regio Zuid"] {
        let org = koers_store::testing::organisation(&app.store, name, "other", "").await;
        app.import(&org, "wegen", "csv", &format!("naam\n{name}\n"))
            .await;
        app.set_access(&org.id, "wegen", koers_core::catalog::AccessRights::Public)
            .await;
        others.push(org);
    }
    assert_ne!(others[0].table_prefix, others[1].table_prefix);
    // PV26 publishes `provincies`; GM0796 has a dataset of its own called `pv26_provincies`.
    app.import(&app.org_a, "provincies", "csv", "code\nPV26\n")
        .await;
    app.set_access(
        &app.org_a.id,
        "provincies",
        koers_core::catalog::AccessRights::Public,
    )
    .await;
    app.import(&app.org_b, "pv26_provincies", "csv", "code\neigen\n")
        .await;

    let rows = |org: String, sql: String| {
        let ws = app.ws.clone();
        async move {
            let out = ws
                .query(&org, &sql, 100, None)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            koers_app::results::Results::from_output(&out).unwrap().rows
        }
    };
    for (i, name) in ["Regio Noord", "Regio Zuid"].iter().enumerate() {
        let sql = format!("SELECT naam FROM {}_wegen", others[i].table_prefix);
        for org in [&app.org_a.id, &app.org_b.id] {
            assert_eq!(
                rows(org.clone(), sql.clone()).await,
                vec![vec![serde_json::json!(name)]]
            );
        }
    }
    // Own names win: GM0796's own table, not PV26's; PV26 reads its own by its own name.
    let sql = "SELECT code FROM pv26_provincies".to_string();
    assert_eq!(
        rows(app.org_b.id.clone(), sql.clone()).await,
        vec![vec![serde_json::json!("eigen")]]
    );
    assert_eq!(
        rows(app.org_a.id.clone(), "SELECT code FROM provincies".into()).await,
        vec![vec![serde_json::json!("PV26")]]
    );
    // Through the API as well.
    let b = app.api_as("admin@gm0796.example").await;
    b.post_json("/api/v1/queries", &serde_json::json!({"sql": format!("SELECT naam FROM {}_wegen UNION ALL SELECT code FROM pv26_provincies", others[1].table_prefix)})).await.assert_status(200);

    // The schema browser: own tables apart from others' public ones, under their names, and
    // PV26's table that GM0796's own one hides is marked as such.
    let p = app.page_as("admin@gm0796.example").await;
    let html = p.page("/analyses").await;
    let own_at = html.find("Eigen bronnen").expect("own heading");
    let public_at = html
        .find("Openbare bronnen van andere organisaties")
        .expect("public heading");
    assert!(own_at < public_at);
    assert!(html.contains("voorvoegsel_naam"));
    for o in &others {
        let at = html
            .find(&format!("<code>{}_wegen</code>", o.table_prefix))
            .unwrap();
        assert!(at > public_at);
        assert!(html.contains(&o.name));
    }
    let hidden = html
        .find("<s><code>pv26_provincies</code></s>")
        .expect("hidden one marked");
    assert!(hidden > public_at);
    assert!(html.contains("Niet te bevragen onder deze naam"));
    // Each column says what it holds in words.
    assert!(
        html.contains("<li><code>code</code> <span class=\"koers-hint\">tekst</span></li>"),
        "{html}"
    );
    let mine = html.find("<code>pv26_provincies</code>").unwrap();
    assert!(
        mine > own_at && mine < public_at,
        "the own one is listed as own"
    );
}

/// A steward checks the column types of a CSV file before importing it: koers shows what it
/// recognised with sample values, the steward corrects a date and a code, and the dataset
/// has those types; a value that does not fit, a stale token or a file that is no CSV is
/// refused and nothing is imported.
#[tokio::test]
async fn column_types_are_checked_and_corrected_before_importing() {
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@pv26.example").await;
    // As Excel on Dutch Windows saves "CSV": semicolons, CRLF and Windows-1252.
    let csv = "gemeente;inwoners;peildatum;code\r\nUtrecht;361.924;31-12-2024;0344\r\nAmersfoort;160.000;31-12-2023;0307\r\nSúdwest-Fryslân;90.000;31-12-2023;1900\r\n";
    let cp1252: Vec<u8> = csv
        .chars()
        .map(|ch| match ch {
            'ú' => 0xFA,
            'â' => 0xE2,
            c => c as u8,
        })
        .collect();
    let r = post_import(&c, Some(("gemeenten.csv", cp1252)), &[("check", "on")]).await;
    r.assert_shows(
        200,
        &[
            "Kolomtypen controleren",
            "361.924 · 160.000",
            "31-12-2024",
            "Súdwest-Fryslân",
        ],
    );
    let html = r.text();
    let token = html
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("token")
        .to_string();
    assert!(
        html.contains("value=\"number\" selected"),
        "the Dutch numbers were recognised"
    );
    assert!(
        html.contains("value=\"gemeenten\""),
        "a name suggested from the file"
    );
    assert_eq!(
        app.datasets_of(&app.org_a.id).await.len(),
        0,
        "nothing imported yet"
    );
    // A type that is no type, and an unknown token.
    let bad = [
        ("token", token.as_str()),
        ("name", "gemeenten"),
        ("type.peildatum", "dag"),
    ];
    let refused = c.post_form("/bronnen/importeren/controle", &bad).await;
    refused.assert_shows(
        400,
        &[
            "kies tekst, geheel getal, getal of datum",
            // The check form again, the problem beside the column's type.
            "id=\"type.peildatum-error\"",
            "name=\"token\"",
        ],
    );
    // A dataset name that is not one: the check form again with the types as chosen.
    let renamed = [
        ("token", token.as_str()),
        ("name", "1 gemeenten!"),
        ("type.peildatum", "text"),
    ];
    let html = c
        .post_form("/bronnen/importeren/controle", &renamed)
        .await
        .expect(400)
        .text();
    assert!(html.contains("id=\"name-error\""), "{html}");
    assert!(html.contains("value=\"1 gemeenten!\""), "{html}");
    assert!(
        html.contains("<option value=\"text\" selected>"),
        "the type as chosen: {html}"
    );
    c.post_form(
        "/bronnen/importeren/controle",
        &[("token", "0123456789abcdef0123456789abcdef"), ("name", "x")],
    )
    .await
    .assert_status(404);
    c.post_form(
        "/bronnen/importeren/controle",
        &[("token", "../../koers.db"), ("name", "x")],
    )
    .await
    .assert_status(404);
    // The corrected types: a date as Dutch people write it, the code as text.
    let r = c
        .post_form(
            "/bronnen/importeren/controle",
            &[
                ("token", token.as_str()),
                ("name", "gemeenten"),
                ("type.gemeente", "text"),
                ("type.inwoners", "integer"),
                ("type.peildatum", "date"),
                ("type.code", "text"),
            ],
        )
        .await;
    let job = r.header("location").to_string();
    assert!(job.starts_with("/bronnen/taken/"), "{}", r.text());
    wait_job(&c, &job).await;
    let ds = &app.datasets_of(&app.org_a.id).await[0];
    let v = app
        .ws
        .store
        .catalog()
        .dataset_versions(&ds.id)
        .await
        .unwrap();
    let types = field_of_each(&v[0].columns, "data_type");
    assert_eq!(types, ["Utf8", "Int64", "Date32", "Utf8"]);
    assert_eq!(v[0].row_count, 3);
    // The staged file went with the import: the token does not work twice.
    c.post_form(
        "/bronnen/importeren/controle",
        &[("token", token.as_str()), ("name", "gemeenten")],
    )
    .await
    .assert_status(404);
    // A value that does not fit its chosen type fails the import, naming its line.
    let r = post_import(
        &c,
        Some(("b.csv", "a;b\nx;1\n".as_bytes().to_vec())),
        &[("check", "on")],
    )
    .await;
    let token = r
        .text()
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap_or_default()
        .to_string();
    let r = c
        .post_form(
            "/bronnen/importeren/controle",
            &[
                ("token", token.as_str()),
                ("name", "b"),
                ("type.a", "number"),
            ],
        )
        .await;
    let done = wait_job(&c, r.header("location")).await;
    assert!(done.contains("regel 2, kolom &quot;a&quot;"), "{done}");
    assert_eq!(
        app.datasets_of(&app.org_a.id).await.len(),
        1,
        "nothing more imported"
    );
    // Only a CSV file can be checked.
    post_import(
        &c,
        Some(("g.geojson", GEOJSON.as_bytes().to_vec())),
        &[("check", "on")],
    )
    .await
    .assert_shows(400, &["kolomtypen controleren kan bij een CSV-bestand"]);
}

/// Vector tiles of a dataset's points: cut from the index of its newest version, readable
/// by who may read the dataset and nobody else, and every wrong address refused in words.
#[tokio::test]
async fn an_analysis_serves_vector_tiles_of_its_result_for_its_parameters() {
    let app = TestApp::spawn().await;
    let csv =
        "naam,lon,lat\nDom,5.1214,52.0907\nStation,5.1096,52.0894\nAmsterdam,4.9041,52.3676\n";
    app.import(&app.org_a, "plekken", "csv", csv).await;
    let a = app
        .save_analysis(
            &app.org_a.id,
            "Plekken",
            "SELECT naam, lon, lat FROM plekken WHERE naam <> {{zonder}} ORDER BY naam;",
            &[("zonder", "text", "")],
        )
        .await;
    let c = app.as_admin().await;
    let base = format!("/api/v1/analyses/{a}/tiles");
    let r = c.get(&format!("{base}/0/0/0")).await;
    r.assert_status(200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    let all = r.bytes().to_vec();
    // A parameter value gives the tiles of that result: one point fewer.
    let fewer = c
        .get(&format!("{base}/0/0/0?zonder=Amsterdam"))
        .await
        .bytes()
        .to_vec();
    assert!(fewer.len() < all.len(), "{} {}", fewer.len(), all.len());
    let west = c.get(&format!("{base}/6/31/21")).await.bytes().to_vec();
    assert!(west.len() < fewer.len());
    // A result with a geometry: the middle of each.
    app.import(
        &app.org_a,
        "vlakken",
        "geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"naam":"Dom"},
            "geometry":{"type":"Polygon","coordinates":[[[5.12,52.09],[5.123,52.09],[5.123,52.092],[5.12,52.09]]]}}]}"#,
    )
    .await;
    let g = app
        .save_analysis(
            &app.org_a.id,
            "Vlakken",
            "SELECT naam, geom FROM vlakken",
            &[],
        )
        .await;
    let r = c.get(&format!("/api/v1/analyses/{g}/tiles/6/32/21")).await;
    assert_eq!(r.status(), 200, "{}", r.text());
    let inside = r.bytes().to_vec();
    let outside = c
        .get(&format!("/api/v1/analyses/{g}/tiles/6/31/21"))
        .await
        .bytes()
        .to_vec();
    assert!(
        inside.len() > outside.len(),
        "{} {}",
        inside.len(),
        outside.len()
    );

    // Bad input, in words: a parameter it does not have, a wrong type, a wrong address,
    // columns it does not have, a result without places.
    for (path, status, field) in [
        (format!("{base}/0/0/0?onbekend=1"), 400, "params.onbekend"),
        (format!("{base}/x/0/0"), 400, "z"),
        (format!("{base}/0/0/0?lon=naam&lat=nope"), 400, "lat"),
    ] {
        let r = c.get(&path).await;
        r.assert_status(status);
        assert_eq!(r.json()["invalidParams"][0]["name"], field, "{path}");
    }
    let names = app
        .save_analysis(&app.org_a.id, "Namen", "SELECT naam FROM plekken", &[])
        .await;
    let r = c
        .get(&format!("/api/v1/analyses/{names}/tiles/0/0/0"))
        .await;
    r.assert_status(400);
    assert!(
        r.json()["detail"]
            .as_str()
            .unwrap()
            .contains("lengte- en breedtegraad")
    );
    // Nobody else: another organisation, no session, no such analysis.
    app.assert_only_a_reads(&format!("{base}/0/0/0")).await;
    c.get("/api/v1/analyses/nope/tiles/0/0/0")
        .await
        .assert_status(404);
}

#[tokio::test]
async fn a_dataset_serves_vector_tiles_of_its_points_to_who_may_read_it() {
    let app = TestApp::spawn().await;
    let csv =
        "naam,lon,lat\nDom,5.1214,52.0907\nStation,5.1096,52.0894\nAmsterdam,4.9041,52.3676\n";
    let id = app.import(&app.org_a, "plekken", "csv", csv).await.id;
    let c = app.as_admin().await;
    let base = format!("/api/v1/datasets/{id}/tiles");
    // The whole world in one tile: a Mapbox Vector Tile with its layer.
    let r = c.get(&format!("{base}/0/0/0")).await;
    r.assert_status(200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    let world = r.bytes().to_vec();
    assert_eq!(world[0], 0x1a, "field 3 (layers), length-delimited");
    assert!(world.windows(6).any(|w| w == b"punten"));
    // Utrecht's tile at zoom 6 (32/21) holds all three; the tile west of it none.
    let full = c.get(&format!("{base}/6/32/21")).await.bytes().to_vec();
    let empty = c.get(&format!("{base}/6/31/21")).await.bytes().to_vec();
    assert!(full.len() > empty.len(), "{} {}", full.len(), empty.len());

    // Wrong addresses, in words.
    for (path, field) in [
        (format!("{base}/25/0/0"), "z"),
        (format!("{base}/2/4/0"), "z"),
        (format!("{base}/abc/0/0"), "z"),
        (format!("{base}/1/-1/0"), "x"),
        (format!("{base}/1/0/0?lon=naam&lat=geen"), "lat"),
    ] {
        let r = c.get(&path).await;
        r.assert_status(400);
        let body = r.json();
        assert_eq!(body["invalidParams"][0]["name"], field, "{path}: {body}");
    }
    let two = app
        .import(
            &app.org_a,
            "ritten",
            "csv",
            "van_lon,van_lat,naar_lon,naar_lat\n5.1,52.1,4.9,52.4\n",
        )
        .await
        .id;
    let r = c.get(&format!("/api/v1/datasets/{two}/tiles/0/0/0")).await;
    r.assert_status(400);
    assert!(
        r.json()["detail"]
            .as_str()
            .unwrap()
            .contains("van_lon en van_lat")
    );
    c.get(&format!(
        "/api/v1/datasets/{two}/tiles/0/0/0?lon=naar_lon&lat=naar_lat"
    ))
    .await
    .assert_status(200);

    // Nobody else: unknown, another organisation's own data, no session.
    c.get("/api/v1/datasets/nope/tiles/0/0/0")
        .await
        .assert_status(404);
    app.assert_only_a_reads(&format!("{base}/0/0/0")).await;
}
