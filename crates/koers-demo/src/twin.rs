//! The demo's digital twin: a GENERATED set of buildings in the centre of Utrecht in the
//! shape of a 3D BAG tile (footprints in RD New, `b3_h_maaiveld` and `b3_h_dak_50p` in metres
//! NAP, `oorspronkelijkbouwjaar`), a second set of planned buildings, and the logistics
//! scenario: a share of the long road transport moved to inland shipping, chosen with a
//! slider. One dashboard shows the city in 3D (with or without the plans) and the scenario's
//! flows and provinces; every choice is kept in an evidence snapshot like any figure.

use crate::movements::{Xoshiro, import_as};
use crate::principal;
use anyhow::{Result, anyhow};
use koers_app::Workspace;
use koers_app::catalog::ImportSource;
use koers_core::analysis::{Param, ParamKind};
use koers_core::catalog::DatasetMeta;
use koers_core::dashboards::{Definition, Filter, FilterKind, Level, Widget, WidgetKind};
use koers_store::{Organisation, User};
use rand::Rng;
use serde_json::{Value, json};

/// The generated district: RD New metres, west–south to east–north (the inner city of
/// Utrecht, from the station to the Maliebaan).
const DISTRICT: (f64, f64, f64, f64) = (135_700.0, 455_300.0, 137_300.0, 456_500.0);
/// The Dom tower and Utrecht Centraal, RD New.
const DOM: (f64, f64) = (136_720.0, 455_880.0);
const STATION: (f64, f64) = (135_890.0, 456_000.0);
/// A block with its streets: 90 × 70 m, streets 14 m wide.
const BLOCK: (f64, f64, f64) = (90.0, 70.0, 14.0);
/// Ground level in metres NAP.
const GROUND: f64 = 2.0;

/// One generated building: 3D BAG attributes and its footprint ring (RD New).
struct Building {
    id: String,
    year: i64,
    roof: f64,
    ring: Vec<[f64; 2]>,
}

fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// The existing buildings: blocks on a street grid, each a row of two to six buildings; old
/// and low around the Dom, younger and higher towards the station, towers beside it.
fn buildings(seed: u64) -> Vec<Building> {
    let mut rng = Xoshiro::seed_from_u64(seed);
    let (x0, y0, x1, y1) = DISTRICT;
    let (bw, bh, street) = BLOCK;
    let mut out = Vec::new();
    let mut y = y0;
    while y + bh <= y1 {
        let mut x = x0;
        while x + bw <= x1 {
            let centre = (x + bw / 2.0, y + bh / 2.0);
            // Parks and squares: some blocks stay empty.
            if rng.r#gen::<f64>() < 0.12 {
                x += bw + street;
                continue;
            }
            let (old, near_station) = (dist(centre, DOM) < 550.0, dist(centre, STATION) < 350.0);
            let n = rng.gen_range(2..=6);
            let depth = bh * rng.gen_range(0.55..0.9);
            for i in 0..n {
                let w = bw / n as f64;
                let (bx, by) = (x + i as f64 * w, y + (bh - depth) / 2.0);
                let (year, height) = if near_station && rng.r#gen::<f64>() < 0.35 {
                    (rng.gen_range(1995..=2024), rng.gen_range(40.0..100.0))
                } else if old {
                    (rng.gen_range(1300..=1910), rng.gen_range(7.0..18.0))
                } else {
                    (rng.gen_range(1900..=2020), rng.gen_range(9.0..32.0))
                };
                out.push(Building {
                    id: format!("DEMO.Pand.{:06}", out.len() + 1),
                    year,
                    roof: ((GROUND + height) * 10.0f64).round() / 10.0,
                    ring: vec![
                        [bx + 0.5, by],
                        [bx + w - 0.5, by],
                        [bx + w - 0.5, by + depth],
                        [bx + 0.5, by + depth],
                        [bx + 0.5, by],
                    ],
                });
            }
            x += bw + street;
        }
        y += bh + street;
    }
    out
}

/// The planned buildings: three towers and a row of housing on the empty ground west of the
/// station (the way a municipality's plans come in as a dataset of their own).
fn planned() -> Vec<Building> {
    let tower = |i: usize, x: f64, y: f64, h: f64, year: i64| Building {
        id: format!("PLAN.Pand.{i:03}"),
        year,
        roof: GROUND + h,
        ring: vec![
            [x, y],
            [x + 30.0, y],
            [x + 30.0, y + 30.0],
            [x, y + 30.0],
            [x, y],
        ],
    };
    let mut out = vec![
        tower(1, 135_500.0, 456_150.0, 110.0, 2029),
        tower(2, 135_560.0, 455_980.0, 85.0, 2028),
        tower(3, 135_480.0, 455_820.0, 70.0, 2030),
    ];
    for i in 0..6 {
        out.push(tower(
            4 + i,
            135_300.0,
            455_700.0 + i as f64 * 40.0,
            15.0,
            2027,
        ));
    }
    out
}

/// The buildings as GeoJSON features with the 3D BAG's attribute names, in RD New.
fn geojson(buildings: &[Building]) -> Value {
    json!({
        "type": "FeatureCollection",
        "features": buildings.iter().map(|b| json!({
            "type": "Feature",
            "properties": {
                "identificatie": b.id,
                "oorspronkelijkbouwjaar": b.year,
                "b3_h_maaiveld": GROUND,
                "b3_h_dak_50p": b.roof,
            },
            "geometry": {"type": "Polygon", "coordinates": [b.ring]},
        })).collect::<Vec<_>>(),
    })
}

fn meta(title: &str, description: &str, org: &Organisation) -> DatasetMeta {
    DatasetMeta {
        description: description.into(),
        theme: "REGI".into(),
        cadence: "IRREG".into(),
        tags: vec![
            "demo".into(),
            "gegenereerd".into(),
            "3d".into(),
            "gebouwen".into(),
        ],
        ..DatasetMeta::for_new(title, &org.name)
    }
}

const BUILDINGS_SQL: &str = "SELECT identificatie, oorspronkelijkbouwjaar AS bouwjaar, \
     ROUND(b3_h_dak_50p - b3_h_maaiveld, 1) AS hoogte, 'bestaand' AS status, geom FROM gebouwen_utrecht \
     UNION ALL SELECT identificatie, oorspronkelijkbouwjaar, ROUND(b3_h_dak_50p - b3_h_maaiveld, 1), 'gepland', geom \
     FROM geplande_gebouwen WHERE {{plannen}} = 'met'";

/// Road transport of 100 km or more is what can move to the water: `verschuiving` per cent of
/// it does, between provinces.
const SHIFT_FLOWS_SQL: &str = "SELECT o.province_code AS origin_province_code, d.province_code AS dest_province_code, \
     ROUND(SUM(CASE WHEN m.mode = 'road' THEN m.tonnes * (CASE WHEN m.distance_km >= 100 THEN 1 - {{verschuiving}} / 100.0 ELSE 1 END) ELSE 0 END), 1) AS wegvervoer_ton, \
     ROUND(SUM(CASE WHEN m.mode = 'inland_water' THEN m.tonnes WHEN m.mode = 'road' AND m.distance_km >= 100 THEN m.tonnes * {{verschuiving}} / 100.0 ELSE 0 END), 1) AS binnenvaart_ton \
     FROM movements m JOIN municipalities o ON o.gm_code = m.origin_gm JOIN municipalities d ON d.gm_code = m.dest_gm \
     WHERE EXTRACT(YEAR FROM m.ts) = 2025 GROUP BY 1, 2 ORDER BY wegvervoer_ton DESC";

const SHIFT_PROVINCES_SQL: &str = "SELECT g.province_code, g.province_name, \
     ROUND(SUM(CASE WHEN m.mode = 'road' THEN m.tonnes * (CASE WHEN m.distance_km >= 100 THEN 1 - {{verschuiving}} / 100.0 ELSE 1 END) ELSE 0 END), 1) AS wegvervoer_ton, \
     ROUND(SUM(CASE WHEN m.mode = 'inland_water' THEN m.tonnes WHEN m.mode = 'road' AND m.distance_km >= 100 THEN m.tonnes * {{verschuiving}} / 100.0 ELSE 0 END), 1) AS binnenvaart_ton \
     FROM movements m JOIN municipalities g ON g.gm_code = m.origin_gm \
     WHERE EXTRACT(YEAR FROM m.ts) = 2025 GROUP BY 1, 2 ORDER BY 1";

fn param(name: &str, kind: ParamKind, default: &str) -> Param {
    Param {
        name: name.into(),
        kind,
        default: default.into(),
    }
}

/// The twin's dashboard over its three analyses: buildings, scenario flows, scenario
/// provinces.
pub fn definition(analyses: &[String; 3]) -> Result<Definition> {
    let [city, flows, provinces] = analyses;
    let mut buildings = Widget::new(
        WidgetKind::Buildings,
        "Binnenstad van Utrecht in 3D, naar bouwjaar",
    );
    buildings.analysis_id = Some(city.clone());
    buildings.category_column = Some("identificatie".into());
    buildings.value_column = Some("hoogte".into());
    buildings.series_column = Some("bouwjaar".into());
    buildings.wide = true;
    let mut road = Widget::new(
        WidgetKind::Flow,
        "Wegvervoer tussen provincies na de verschuiving (tonnen, 2025)",
    );
    road.analysis_id = Some(flows.clone());
    road.category_column = Some("origin_province_code".into());
    road.series_column = Some("dest_province_code".into());
    road.value_column = Some("wegvervoer_ton".into());
    road.level = Some(Level::Province);
    road.wide = true;
    let mut raised = Widget::new(
        WidgetKind::Extrude,
        "Vertrekkend wegvervoer per provincie in 3D (tonnen, 2025)",
    );
    raised.analysis_id = Some(provinces.clone());
    raised.category_column = Some("province_code".into());
    raised.value_column = Some("wegvervoer_ton".into());
    raised.level = Some(Level::Province);
    let mut water = Widget::new(
        WidgetKind::Choropleth,
        "Vertrekkende binnenvaart per provincie (tonnen, 2025)",
    );
    water.analysis_id = Some(provinces.clone());
    water.category_column = Some("province_code".into());
    water.value_column = Some("binnenvaart_ton".into());
    water.level = Some(Level::Province);
    let mut note = Widget::new(WidgetKind::Text, "Over deze digitale tweeling");
    note.text = "De gebouwen, de plannen en de goederenbewegingen zijn GEGENEREERD voor de demo: de gebouwen in de vorm van de 3D BAG (footprints in RD New, dakhoogte b3_h_dak_50p en maaiveld b3_h_maaiveld in meter NAP), de bewegingen over de echte gemeenten en provincies van 2025.\n\nKies 'met' bij Plannen om de geplande torens bij het station te zien. Schuif de verschuiving om een deel van het wegvervoer over 100 km of meer naar de binnenvaart te verplaatsen: de stromen, de 3D-provincies en de kaart van de binnenvaart rekenen mee. Een momentopname legt de gekozen waarden vast.".into();
    note.wide = true;
    let mut def = Definition {
        widgets: vec![buildings, road, raised, water, note],
        filters: vec![
            Filter {
                param: "plannen".into(),
                label: "Plannen".into(),
                kind: FilterKind::Select,
                options: vec!["zonder".into(), "met".into()],
                min: None,
                max: None,
                default: "zonder".into(),
            },
            Filter {
                param: "verschuiving".into(),
                label: "Verschuiving weg naar water (%)".into(),
                kind: FilterKind::Slider,
                options: vec![],
                min: Some(0),
                max: Some(50),
                default: "0".into(),
            },
        ],
    };
    def.assign_ids();
    def.check().map_err(|e| anyhow!("{e}"))?;
    Ok(def)
}

/// Imports the generated buildings and plans, saves the twin's analyses (by the analyst) and
/// makes its dashboard, shared with every role and computed once.
pub async fn seed(ws: &Workspace, org: &Organisation, analyst: &User) -> Result<()> {
    for (name, title, description, set) in [
        (
            "gebouwen_utrecht",
            "Gegenereerde gebouwen binnenstad Utrecht (demo, 3D BAG-vorm)",
            "GEGENEREERDE gebouwen, geen waarnemingen: footprints op een stratenraster in de binnenstad van Utrecht, in de vorm van een 3D BAG-tegel (identificatie, oorspronkelijkbouwjaar, b3_h_maaiveld en b3_h_dak_50p in meter NAP; RD New). Een echte 3D BAG-tegel (GeoPackage, laag lod12_2d) importeer je op dezelfde manier.",
            buildings(21),
        ),
        (
            "geplande_gebouwen",
            "Geplande gebouwen bij Utrecht Centraal (demo)",
            "GEGENEREERDE plannen: drie torens en een rij woningen ten westen van het station, met bouwjaar en dakhoogte in de vorm van de 3D BAG (RD New).",
            planned(),
        ),
    ] {
        let path = ws.temp_path("geojson")?;
        std::fs::write(&path, serde_json::to_vec(&geojson(&set))?)?;
        let source = ImportSource::Upload {
            path: path.clone(),
            file_name: format!("{name}.geojson"),
        };
        let r = import_as(
            ws,
            org,
            source,
            (name, Some("EPSG:28992")),
            meta(title, description, org),
        )
        .await;
        let _ = std::fs::remove_file(&path);
        r?;
    }
    let who = principal(ws, org, analyst).await?;
    let mut ids = Vec::new();
    for (title, description, sql, params) in [
        (
            "Gebouwen in de binnenstad, met of zonder plannen",
            "Elk gebouw met bouwjaar en hoogte boven het maaiveld (b3_h_dak_50p − b3_h_maaiveld, in meter); plannen: 'met' voegt de geplande gebouwen toe. Op gegenereerde demogegevens.",
            BUILDINGS_SQL,
            vec![param("plannen", ParamKind::Text, "zonder")],
        ),
        (
            "Scenario modal shift: stromen tussen provincies",
            "Tonnen over de weg en over het water tussen provincies in 2025, nadat verschuiving procent van het wegvervoer over 100 km of meer naar de binnenvaart gaat. Op gegenereerde demogegevens.",
            SHIFT_FLOWS_SQL,
            vec![param("verschuiving", ParamKind::Integer, "0")],
        ),
        (
            "Scenario modal shift: per provincie",
            "Vertrekkende tonnen over de weg en over het water per provincie in 2025, nadat verschuiving procent van het wegvervoer over 100 km of meer naar de binnenvaart gaat. Op gegenereerde demogegevens.",
            SHIFT_PROVINCES_SQL,
            vec![param("verschuiving", ParamKind::Integer, "0")],
        ),
    ] {
        let a = crate::save_analysis(ws, &who, (title, description, sql), &params).await?;
        ids.push(a.id);
    }
    let ids: [String; 3] = ids
        .try_into()
        .map_err(|_| anyhow!("de analyses van de tweeling ontbreken"))?;
    let d = crate::dashboard::publish(
        ws,
        &who,
        "Digitale tweeling binnenstad en modal shift",
        "Gebouwen van de binnenstad van Utrecht in 3D, met of zonder plannen, en het scenario waarin wegvervoer naar de binnenvaart verschuift. Op gegenereerde demogegevens.",
        definition(&ids)?,
    )
    .await?;
    println!("Demo-dashboard {} met een 3D-stad en een scenario.", d.name);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_city_is_stable_and_lies_in_its_district() {
        let a = buildings(21);
        let b = buildings(21);
        assert!(a.len() > 100, "{}", a.len());
        assert_eq!(a.len(), b.len());
        assert_eq!(a[7].roof, b[7].roof);
        let (x0, y0, x1, y1) = DISTRICT;
        for b in a.iter().chain(planned().iter()) {
            assert!(b.roof > GROUND && b.roof < GROUND + 120.0, "{}", b.roof);
            assert_eq!(b.ring.first(), b.ring.last(), "a closed ring");
            for [x, y] in &b.ring {
                assert!((x0 - 500.0..=x1).contains(x) && (y0..=y1).contains(y));
            }
        }
        // Old and low around the Dom, towers only near the station.
        let near_dom: Vec<_> = a
            .iter()
            .filter(|b| dist((b.ring[0][0], b.ring[0][1]), DOM) < 300.0)
            .collect();
        assert!(!near_dom.is_empty() && near_dom.iter().all(|b| b.roof < GROUND + 40.0));
        let f = geojson(&a);
        assert_eq!(f["features"][0]["properties"]["b3_h_maaiveld"], GROUND);
    }

    #[test]
    fn the_twin_dashboard_is_valid() {
        let d = definition(&["a".into(), "b".into(), "c".into()]).unwrap();
        assert_eq!(d.widgets[0].kind, WidgetKind::Buildings);
        assert_eq!(d.filters.len(), 2);
        let (analyses, _) = d.sources();
        assert_eq!(analyses.len(), 3);
    }
}
