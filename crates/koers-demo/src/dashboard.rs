//! The demo's dashboard over the logistics movements (M3): key figures, a province map that
//! drills down to municipalities, the modal split, a 3D view, the flows between provinces and
//! year-on-year change, with filters for year (the time slider), province and mode. Shared
//! with every member of the demo organisation; its data is computed once so that the first
//! visit answers from the cache.

use crate::movements::Seeded;
use crate::{input, principal};
use anyhow::{Result, anyhow};
use koers_app::Workspace;
use koers_app::dashboards;
use koers_core::Role;
use koers_core::dashboards::{Definition, Filter, FilterKind, Level, Widget, WidgetKind};
use koers_store::{Organisation, User};
use serde_json::json;
use std::collections::BTreeMap;

/// The CBS codes of the twelve provinces.
const PROVINCES: [&str; 12] = [
    "PV20", "PV21", "PV22", "PV23", "PV24", "PV25", "PV26", "PV27", "PV28", "PV29", "PV30", "PV31",
];

/// `w` over `analysis`: its categories from column `category`, its values from `value`.
pub(crate) fn on(mut w: Widget, analysis: &str, category: &str, value: &str) -> Widget {
    w.analysis_id = Some(analysis.into());
    w.category_column = Some(category.into());
    w.value_column = Some(value.into());
    w
}

/// The dashboard's definition over the analyses and indicators the logistics demo made.
pub fn definition(s: &Seeded) -> Result<Definition> {
    let a = |i: usize| {
        s.analyses
            .get(i)
            .cloned()
            .ok_or_else(|| anyhow!("analyse {i} van de logistieke demo ontbreekt"))
    };
    let mut kpis = Vec::new();
    for (id, title) in s
        .indicators
        .iter()
        .zip(["Tonnen per week, Utrecht", "Aandeel spoor en binnenvaart"])
    {
        let mut w = Widget::new(WidgetKind::Kpi, title);
        w.indicator_id = Some(id.clone());
        kpis.push(w);
    }
    let mut map = on(
        Widget::new(WidgetKind::Choropleth, "Vertrekkende tonnen per provincie"),
        &a(6)?,
        "province_code",
        "tonnes_out",
    );
    map.level = Some(Level::Province);
    map.drill_param = Some("provincie".into());
    map.drill_analysis_id = Some(a(5)?);
    map.drill_category_column = Some("gm_code".into());
    let mut split = on(
        Widget::new(
            WidgetKind::Stacked,
            "Modal split in tonkilometers per maand",
        ),
        &a(1)?,
        "month",
        "tonne_km",
    );
    split.series_column = Some("mode".into());
    split.wide = true;
    let share = on(
        Widget::new(
            WidgetKind::Line,
            "Aandeel spoor en binnenvaart per maand (%)",
        ),
        &a(2)?,
        "month",
        "share_pct",
    );
    let mut twin = on(
        Widget::new(WidgetKind::Extrude, "Tonkilometers per provincie in 3D"),
        &a(6)?,
        "province_code",
        "tonne_km",
    );
    twin.level = Some(Level::Province);
    let mut growth = on(
        Widget::new(
            WidgetKind::Bar,
            "Verandering ten opzichte van vorig jaar (%)",
        ),
        &a(4)?,
        "year",
        "change_pct",
    );
    growth.series_column = Some("province_code".into());
    let mut flows = on(
        Widget::new(
            WidgetKind::Flow,
            "Goederenstromen tussen provincies (tonnen)",
        ),
        &a(3)?,
        "origin_province_code",
        "tonnes",
    );
    flows.series_column = Some("dest_province_code".into());
    flows.level = Some(Level::Province);
    flows.wide = true;
    let mut note = Widget::new(WidgetKind::Text, "Over dit dashboard");
    note.text = "De goederenbewegingen in dit dashboard zijn GEGENEREERD voor de demo, over de echte gemeenten en provincies van 2025; ze zeggen niets over werkelijk vervoer.\n\nKies een jaar met de schuif, een provincie of een modaliteit. Klik op een provincie in de kaart of in de tabel eronder om naar haar gemeenten in te zoomen.".into();
    note.wide = true;
    let mut widgets = kpis;
    widgets.extend([map, twin, split, share, growth, flows, note]);
    let mut def = Definition {
        widgets,
        filters: vec![
            Filter {
                param: "jaar".into(),
                label: "Jaar".into(),
                kind: FilterKind::Slider,
                options: vec![],
                min: Some(2021),
                max: Some(2025),
                default: "2025".into(),
            },
            Filter {
                param: "provincie".into(),
                label: "Provincie".into(),
                kind: FilterKind::Select,
                options: PROVINCES.iter().map(|p| p.to_string()).collect(),
                min: None,
                max: None,
                default: String::new(),
            },
            Filter {
                param: "modaliteit".into(),
                label: "Modaliteit".into(),
                kind: FilterKind::Select,
                options: ["road", "inland_water", "rail", "sea"]
                    .iter()
                    .map(|m| m.to_string())
                    .collect(),
                min: None,
                max: None,
                default: String::new(),
            },
        ],
    };
    def.assign_ids();
    def.check().map_err(|e| anyhow!("{e}"))?;
    Ok(def)
}

/// Makes the dashboard (by the analyst), shares it with every role, and fills its cache for
/// the default filters.
pub async fn seed(ws: &Workspace, org: &Organisation, analyst: &User, s: &Seeded) -> Result<()> {
    let who = principal(ws, org, analyst).await?;
    let d = publish(
        ws,
        &who,
        "Logistieke bewegingen",
        "Goederenvervoer over weg, water en spoor in en tussen de provincies: kerncijfers, kaart met inzoomen, modal split, 3D-weergave en stromen. Op gegenereerde demogegevens.",
        definition(s)?,
    )
    .await?;
    println!(
        "Demo-dashboard {} met {} onderdelen.",
        d.name,
        d.definition.widgets.len()
    );
    Ok(())
}

/// A demo dashboard made by `who`, shared with every role and computed once for its default
/// filters (a failure there only postpones it to the first visit).
pub(crate) async fn publish(
    ws: &Workspace,
    who: &koers_app::Principal,
    name: &str,
    description: &str,
    def: Definition,
) -> Result<dashboards::Dashboard> {
    let d = dashboards::create(
        ws,
        who,
        input(json!({ "name": name, "description": description, "definition": def })),
    )
    .await?;
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let d = dashboards::share(
        ws,
        who,
        &d.id,
        input(json!({ "visibility": "roles", "roles": roles })),
    )
    .await?;
    if let Err(e) = dashboards::board(ws, &d, &BTreeMap::new(), true, None).await {
        eprintln!(
            "waarschuwing: dashboard {} is nog niet berekend ({e}); het rekent bij het eerste bezoek",
            d.name
        );
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_dashboard_is_valid_and_names_its_sources() {
        let s = Seeded {
            analyses: (0..7).map(|i| format!("a{i}")).collect(),
            indicators: vec!["i0".into(), "i1".into(), "i2".into()],
        };
        let d = definition(&s).unwrap();
        assert_eq!(d.widgets.len(), 9);
        let (analyses, indicators) = d.sources();
        assert_eq!(indicators, vec!["i0", "i1"]);
        assert_eq!(analyses.len(), 6);
        assert!(
            definition(&Seeded {
                analyses: vec![],
                indicators: vec![]
            })
            .is_err()
        );
    }
}
