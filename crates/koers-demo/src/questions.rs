//! The three data questions of Provincie Gelderland's case, worked out in the demo on
//! generated data over the real municipalities of the province of Utrecht: roads that need
//! replacing, safe bathing-water sites, and how species fare in nature areas. Every dataset
//! is marked as generated; each question has its dataset, a saved analysis and a product.

use crate::{Rng, input, principal};
use anyhow::{Context, Result, anyhow};
use koers_app::register::ChoiceBody;
use koers_app::register::MeetingRecord;
use koers_app::results::Results;
use koers_app::{Principal, Workspace};
use koers_app::{questions, register};
use koers_core::analysis::{Param, ParamKind};
use koers_core::catalog::DatasetMeta;
use koers_core::questions::{QuestionRole, Status, responsible};
use koers_store::{Organisation, User};
use serde_json::json;
use std::fmt::Write as _;

struct Gemeente {
    code: String,
    naam: String,
    lon: f64,
    lat: f64,
}

async fn utrecht_municipalities(ws: &Workspace, org: &Organisation) -> Result<Vec<Gemeente>> {
    let sql = "SELECT g.statcode, g.statnaam, ST_X(ST_Centroid(g.geom)) AS lon, ST_Y(ST_Centroid(g.geom)) AS lat \
               FROM provincies p JOIN gemeenten g ON ST_Contains(p.geom, ST_Centroid(g.geom)) \
               WHERE p.statcode = 'PV26' ORDER BY g.statcode";
    let out = ws
        .query(&org.id, sql, 1000, None)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let r = Results::from_output(&out)?;
    Ok(r.rows
        .iter()
        .map(|row| Gemeente {
            code: row[0].as_str().unwrap_or_default().to_string(),
            naam: row[1].as_str().unwrap_or_default().to_string(),
            lon: row[2].as_f64().unwrap_or(5.1),
            lat: row[3].as_f64().unwrap_or(52.1),
        })
        .collect())
}

fn roads(gs: &[Gemeente], rng: &mut Rng) -> String {
    let mut s = String::from(
        "wegvak,wegnummer,gemeente,gemeentenaam,lengte_km,conditie,aanlegjaar,lon,lat\n",
    );
    let wegen = [
        "N201", "N204", "N210", "N221", "N225", "N226", "N228", "N229", "N233", "N237", "N401",
        "N408", "N411", "N417",
    ];
    for (i, g) in gs.iter().enumerate() {
        for j in 0..(6 + rng.next() % 10) {
            let conditie = 1 + (rng.f() * rng.f() * 5.0) as u64 + u64::from(rng.f() < 0.1);
            let _ = writeln!(
                s,
                "W{i:02}{j:02},{},{},{},{:.2},{},{},{:.5},{:.5}",
                rng.pick(&wegen),
                g.code,
                g.naam,
                0.3 + rng.f() * 2.5,
                conditie.min(5),
                1965 + rng.next() % 55,
                g.lon + (rng.f() - 0.5) * 0.06,
                g.lat + (rng.f() - 0.5) * 0.04
            );
        }
    }
    s
}

fn bathing(gs: &[Gemeente], rng: &mut Rng) -> String {
    let mut s = String::from(
        "locatie,gemeente,gemeentenaam,jaar,kwaliteitsklasse,blauwalg_waarschuwingen,lon,lat\n",
    );
    let klassen = [
        "uitstekend",
        "uitstekend",
        "goed",
        "goed",
        "aanvaardbaar",
        "slecht",
    ];
    for g in gs {
        if rng.f() >= 0.45 {
            continue;
        }
        let n = 1 + rng.next() % 3;
        for k in 0..n {
            for jaar in 2021..=2025 {
                let _ = writeln!(
                    s,
                    "{} plas {},{},{},{jaar},{},{},{:.5},{:.5}",
                    g.naam,
                    k + 1,
                    g.code,
                    g.naam,
                    rng.pick(&klassen),
                    rng.next() % 4,
                    g.lon + (rng.f() - 0.5) * 0.05,
                    g.lat + (rng.f() - 0.5) * 0.03
                );
            }
        }
    }
    s
}

fn species(rng: &mut Rng) -> String {
    let mut s = String::from("natuurgebied,soortgroep,jaar,aantal_soorten,index\n");
    let gebieden = [
        "Utrechtse Heuvelrug",
        "Nieuwkoopse Plassen",
        "Oostelijke Vechtplassen",
        "Kromme Rijngebied",
        "Groot Wilnis-Vinkeveen",
        "Binnenveld",
    ];
    for g in gebieden {
        for groep in ["vogels", "dagvlinders", "vaatplanten", "libellen"] {
            let mut index = 100.0;
            let trend = (rng.f() - 0.55) * 6.0;
            for jaar in 2015..=2025 {
                index = (index + trend + (rng.f() - 0.5) * 8.0).max(20.0);
                let _ = writeln!(s, "{g},{groep},{jaar},{},{index:.1}", 20 + rng.next() % 120);
            }
        }
    }
    s
}

async fn import_csv(
    ws: &Workspace,
    org: &Organisation,
    name: &str,
    title: &str,
    body: &str,
    theme: &str,
) -> Result<koers_store::Dataset> {
    let meta = DatasetMeta {
        description: format!(
            "{title}. Gegenereerde (synthetische) gegevens voor de demo, over de echte gemeenten van de provincie Utrecht; geen waarnemingen."
        ),
        theme: theme.into(),
        cadence: "ANNUAL".into(),
        tags: vec!["demo".into(), "gegenereerd".into()],
        ..DatasetMeta::for_new(title, &org.name)
    };
    let file = (format!("{name}.csv"), body.as_bytes());
    Ok(crate::import_bytes(ws, org, file, (name, None, true), meta)
        .await?
        .0)
}

/// The users of the demo by role name.
pub struct People<'a> {
    pub owner: &'a User,
    pub analyst: &'a User,
    pub steward: &'a User,
    pub board: &'a User,
}

/// The demo's roads question: the make-track projects work on it and the partner is invited to it.
pub(crate) const ROADS: &str = "Hoeveel kilometer weg is aan vervanging toe?";

/// The roads question as `who` sees it.
pub(crate) async fn roads_question(
    ws: &Workspace,
    who: &Principal,
) -> Result<koers_store::questions::Question> {
    questions::questions(ws, who, &Default::default())
        .await?
        .into_iter()
        .find(|q| q.question == ROADS)
        .ok_or_else(|| anyhow!("de demo heeft geen datavraag over wegen"))
}

/// The information product a case delivers: a dashboard (name, description) of one bar
/// chart (title, category column, value column) over the case's analysis.
type Product<'a> = ((&'a str, &'a str), (&'a str, &'a str, &'a str));

/// The dashboard a case delivers, made by its analyst and shared with every role.
async fn delivered(
    ws: &Workspace,
    analyst: &Principal,
    ((name, description), (title, category, value)): Product<'_>,
    analysis_id: &str,
) -> Result<koers_app::dashboards::Dashboard> {
    use koers_core::dashboards::{Definition, Widget, WidgetKind};
    let chart = crate::dashboard::on(
        Widget::new(WidgetKind::Bar, title),
        analysis_id,
        category,
        value,
    );
    let def = Definition {
        widgets: vec![chart],
        ..Default::default()
    };
    crate::dashboard::publish(ws, analyst, name, description, def).await
}

struct Case<'a> {
    task: (&'a str, &'a str, &'a str),
    question: &'a str,
    dataset: (&'a str, &'a str, String, &'a str),
    analysis: (&'a str, &'a str, Vec<Param>),
    reach: Status,
    /// What it delivers, when it gets that far.
    delivers: Option<Product<'a>>,
}

/// Seeds the three cases.
pub async fn seed(ws: &Workspace, org: &Organisation, p: &People<'_>) -> Result<()> {
    let gs = utrecht_municipalities(ws, org).await?;
    let mut rng = Rng(0x6b6f_6572_7321);
    let cases = [
        Case {
            task: (
                "Wegen",
                "roads",
                "Provinciale wegen veilig en betrouwbaar houden binnen het onderhoudsbudget.",
            ),
            question: ROADS,
            dataset: (
                "wegvakken",
                "Wegvakken met conditiescore",
                roads(&gs, &mut rng),
                "TRAN",
            ),
            analysis: (
                "Kilometers weg aan vervanging toe",
                "SELECT wegnummer, ROUND(SUM(lengte_km), 1) AS km FROM wegvakken WHERE conditie >= {{drempel}} GROUP BY wegnummer ORDER BY km DESC",
                vec![Param {
                    name: "drempel".into(),
                    kind: ParamKind::Integer,
                    default: "4".into(),
                }],
            ),
            reach: Status::Evaluated,
            delivers: Some((
                (
                    "Wegen aan vervanging toe",
                    "Per provinciale weg de kilometers met een conditie van 4 of slechter: waar het onderhoudsbudget 2027 eerst heen gaat. Op gegenereerde demogegevens.",
                ),
                ("Kilometers aan vervanging toe per weg", "wegnummer", "km"),
            )),
        },
        Case {
            task: (
                "Zwemwater",
                "bathing_water",
                "Voldoende veilige zwemwaterlocaties in elke regio.",
            ),
            question: "Zijn er voldoende veilige zwemwaterlocaties?",
            dataset: (
                "zwemlocaties",
                "Zwemwaterlocaties met kwaliteitsklasse",
                bathing(&gs, &mut rng),
                "HEAL",
            ),
            analysis: (
                "Veilige zwemwaterlocaties per gemeente",
                "SELECT gemeentenaam, COUNT(DISTINCT locatie) AS locaties, SUM(CASE WHEN kwaliteitsklasse IN ('uitstekend', 'goed') THEN 1 ELSE 0 END) AS veilig FROM zwemlocaties WHERE jaar = {{jaar}} GROUP BY gemeentenaam ORDER BY veilig DESC",
                vec![Param {
                    name: "jaar".into(),
                    kind: ParamKind::Integer,
                    default: "2025".into(),
                }],
            ),
            reach: Status::Analysed,
            delivers: None,
        },
        Case {
            task: (
                "Natuur",
                "nature",
                "Natuurgebieden in goede staat: soorten houden of winnen terrein.",
            ),
            question: "Hoe gaat het met de dieren en planten in onze natuurgebieden?",
            dataset: (
                "soorten",
                "Soortenaantallen per natuurgebied",
                species(&mut rng),
                "ENVI",
            ),
            analysis: (
                "Trend van de soortenindex",
                "SELECT natuurgebied, soortgroep, MIN(CASE WHEN jaar = 2015 THEN \"index\" END) AS index_2015, MIN(CASE WHEN jaar = 2025 THEN \"index\" END) AS index_2025 FROM soorten GROUP BY natuurgebied, soortgroep ORDER BY natuurgebied, soortgroep",
                vec![],
            ),
            reach: Status::DataFound,
            delivers: None,
        },
    ];
    let owner = principal(ws, org, p.owner).await?;
    let analyst = principal(ws, org, p.analyst).await?;
    let steward = principal(ws, org, p.steward).await?;
    let board = principal(ws, org, p.board).await?;
    for c in cases {
        let task = questions::create_task(
            ws,
            &owner,
            input(json!({ "name": c.task.0, "theme": c.task.1, "goals": c.task.2 })),
        )
        .await?;
        let ds = import_csv(ws, org, c.dataset.0, c.dataset.1, &c.dataset.2, c.dataset.3).await?;
        let what = (
            c.analysis.0,
            "Demo-analyse op gegenereerde gegevens.",
            c.analysis.1,
        );
        let analysis = crate::save_analysis(ws, &analyst, what, &c.analysis.2).await?;
        let mut q = questions::create_question(
            ws,
            &owner,
            input(json!({
                "taskId": task.id,
                "question": c.question,
                "policyGoal": c.task.2,
                "askedBy": "Gedeputeerde Staten",
                "dueDate": "2026-12-31",
                "priority": "high",
                "competences": ["combine_sources", "analyse"],
                "questionOwner": p.owner.id,
                "analyst": p.analyst.id,
                "dataSteward": p.steward.id,
                "decisionMaker": p.board.id,
            })),
        )
        .await?;
        for to in Status::FLOW.iter().skip(1) {
            if Status::FLOW.iter().position(|s| s == to)
                > Status::FLOW.iter().position(|s| *s == c.reach)
            {
                break;
            }
            // Each step is taken, and its evidence linked, by the person whose role on the
            // question it is.
            let evidence = match to {
                Status::DataFound => Some((&steward, "dataset", ds.id.clone())),
                Status::Analysed => Some((&analyst, "analysis", analysis.id.clone())),
                Status::Delivered => {
                    let product = c
                        .delivers
                        .context("een opgeleverde casus noemt zijn product")?;
                    let product = delivered(ws, &analyst, product, &analysis.id).await?;
                    Some((&analyst, "product", format!("/dashboards/{}", product.id)))
                }
                _ => None,
            };
            if let Some((who, kind, target)) = evidence {
                questions::link(
                    ws,
                    who,
                    &q.id,
                    input(json!({ "kind": kind, "target": target })),
                )
                .await?;
            }
            let holder = match responsible(q.status, *to) {
                Some(QuestionRole::QuestionOwner) => &owner,
                Some(QuestionRole::DataSteward) => &steward,
                Some(QuestionRole::DecisionMaker) => &board,
                _ => &analyst,
            };
            q = questions::transition(
                ws,
                holder,
                &q.id,
                input(json!({
                    "to": to.as_str(),
                    "decisionDate": "2026-06-16",
                    "decisionMaker": "Gedeputeerde Staten",
                    "decisionReference": "GS-2026-0616-04",
                    "evaluationChanged": "Het onderhoudsbudget 2027 gaat eerst naar de wegvakken met conditie 4 en 5.",
                    "evaluationLearned": "Conditiemetingen jaarlijks verversen; de drempel als parameter maakt de afweging zichtbaar.",
                })),
            )
            .await?;
        }
    }
    println!("Demo-datavragen aangemaakt: wegen, zwemwater en natuur (gegenereerde gegevens).");
    Ok(())
}

/// A choice of the application `app_id`, proposed by `proposer` and advised by `adviser`
/// (`advice`, given on behalf of `on_behalf`): the choice as advised.
async fn advised_choice(
    ws: &Workspace,
    (proposer, adviser): (&Principal, &Principal),
    app_id: &str,
    proposal: serde_json::Value,
    (advice, on_behalf): (&str, &str),
) -> Result<register::RoutedChoice> {
    let choice =
        register::create_choice(ws, proposer, app_id, ChoiceBody::from_json(input(proposal)))
            .await?;
    Ok(register::transition(
        ws,
        adviser,
        app_id,
        &choice.record.id,
        input(json!({"to": "advised", "advice": advice, "adviser": on_behalf})),
    )
    .await?)
}

/// A choice of the application `app_id`, proposed by `proposer`, advised by `adviser`
/// (`advice`) and placed on the agenda of a meeting of Gedeputeerde Staten on `held_on`:
/// the choice's id and the meeting.
async fn on_board_agenda(
    ws: &Workspace,
    people: (&Principal, &Principal),
    app_id: &str,
    proposal: serde_json::Value,
    (advice, held_on): (&str, &str),
) -> Result<(String, MeetingRecord)> {
    let adviser = people.1;
    let choice =
        advised_choice(ws, people, app_id, proposal, (advice, "Beleid mobiliteit")).await?;
    let id = choice.record.id;
    let meeting = register::create_meeting(
        ws,
        adviser,
        input(json!({"body": "Gedeputeerde Staten", "heldOn": held_on})),
    )
    .await?;
    register::place_on_agenda(ws, adviser, &meeting.id, input(json!({"choiceId": id}))).await?;
    Ok((id, meeting))
}

/// The first Tuesday at least a week after `today`: when the demo's next board meeting is.
fn next_tuesday(today: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::Datelike;
    let ahead = (7 + 1 - i64::from(today.weekday().num_days_from_monday())) % 7;
    today + chrono::Duration::days(7 + ahead)
}

/// The Utrecht case in the register: the logistics monitor, with a hosting choice that the
/// default choice framework routes to the board, recorded by the analyst; and a choice about
/// the monitor's data that went all the way: advised by the policy owner, on the agenda of
/// Gedeputeerde Staten, decided there and published on the public page of decisions; and one
/// advised and on the agenda of the board's next meeting, waiting for its decision.
pub async fn seed_register(ws: &Workspace, org: &Organisation, people: &People<'_>) -> Result<()> {
    let who = principal(ws, org, people.analyst).await?;
    let app = register::create_application(
        ws,
        &who,
        input(json!({
            "name": "Monitor logistieke vervoersbewegingen",
            "kind": "monitor",
            "purpose": "Inzicht in vrachtvervoer over weg, water en spoor per provincie en gemeente, als basis voor mobiliteitsbeleid.",
            "department": "Mobiliteit",
            "lifecyclePhase": "monitoring-en-beheer",
            "hosting": "saas",
            "status": "in_use",
            "aiActRiskGroup": "not_high_risk",
            "yearlyCostEur": "320000",
        })),
    )
    .await?;
    let choice = register::create_choice(
        ws,
        &who,
        &app.id,
        ChoiceBody::from_json(input(json!({
            "title": "Hosting van de monitor",
            "choiceType": "hosting",
            "context": "De monitor draait nu bij een leverancier; het contract loopt af.",
            "options": [
                { "title": "Eigen rekencentrum" },
                { "title": "Overheidscloud" },
                { "title": "Verlengen bij de leverancier" },
            ],
            "chosenOption": "Overheidscloud",
            "rationale": "Schaalt mee met de data en houdt de kerndata in eigen beheer.",
        }))),
    )
    .await?;
    let owner = principal(ws, org, people.owner).await?;
    let (shared, meeting) = on_board_agenda(
        ws,
        (&who, &owner),
        &app.id,
        json!({
            "title": "Vervoersgegevens delen met de gemeenten",
            "choiceType": "data_sharing",
            "context": "Gemeenten vragen de vervoersbewegingen per gemeente voor hun eigen mobiliteitsplannen.",
            "options": [
                { "title": "Open data per gemeente en jaar", "pros": ["iedereen kan ermee werken"], "cons": ["geen detail per route"] },
                { "title": "Alleen op verzoek", "pros": ["meer detail mogelijk"], "cons": ["handwerk per verzoek"] },
            ],
            "chosenOption": "Open data per gemeente en jaar",
            "rationale": "Geaggregeerd per gemeente en jaar zijn de gegevens niet tot bedrijven te herleiden.",
        }),
        ("Akkoord; publiceer per gemeente en jaar.", "2026-11-10"),
    )
    .await?;
    let board = principal(ws, org, people.board).await?;
    register::decide_on_agenda(
        ws,
        &board,
        &shared,
        input(json!({"to": "decided", "date": meeting.held_on, "decisionMaker": meeting.body, "reference": "GS-2026-1110-07"})),
    )
    .await?;
    register::publish_choice(
        ws,
        &owner,
        &app.id,
        &shared,
        input(json!({"redacted": ["context"]})),
    )
    .await?;
    // What waits for the board: a choice advised and on the agenda of the next meeting.
    let (_, next) = on_board_agenda(
        ws,
        (&who, &owner),
        &app.id,
        json!({
            "title": "Vervoersgegevens per corridor delen met Rijkswaterstaat",
            "choiceType": "data_sharing",
            "context": "Rijkswaterstaat vraagt de bewegingen over de A12- en A27-corridor voor de verkeersmodellen van het Rijk.",
            "options": [
                { "title": "Per kwartaal, opgeteld per corridor", "pros": ["niet tot bedrijven te herleiden"], "cons": ["geen routes binnen de corridor"] },
                { "title": "Alle bewegingen onder een verwerkersovereenkomst", "pros": ["het meeste detail"], "cons": ["bedrijfsgevoelige gegevens buiten de provincie"] },
            ],
            "chosenOption": "Per kwartaal, opgeteld per corridor",
            "rationale": "Rijkswaterstaat heeft de totalen per corridor nodig, niet de afzonderlijke ritten.",
        }),
        (
            "Akkoord met delen per kwartaal en corridor.",
            &next_tuesday(chrono::Local::now().date_naive()).to_string(),
        ),
    )
    .await?;
    let steward = principal(ws, org, people.steward).await?;
    let below = seed_management_choice(ws, (&who, &steward)).await?;
    println!(
        "Demo-register: {} met een keuze over hosting ({}), een besluit over het delen van gegevens, openbaar op /besluiten/{}, en een keuze op de agenda van {} van {}; {} met een geadviseerde keuze die de beleidseigenaar besluit ({}).",
        app.draft.name,
        choice.record.level.label_nl(),
        register::public_code(org),
        next.body,
        koers_core::dates::long_date_nl(&next.held_on),
        below.0,
        below.1,
    );
    Ok(())
}

/// An algorithm with high impact on residents and a small budget, whose advised choice the
/// default framework routes to the management: the policy owner decides it on the choice's
/// own page, without a board meeting. Proposed by `proposer`, advised by `adviser`; the
/// application's name and the choice's level.
async fn seed_management_choice(
    ws: &Workspace,
    people: (&Principal, &Principal),
) -> Result<(String, String)> {
    let app = register::create_application(
        ws,
        people.0,
        input(json!({
            "name": "Sorteren van meldingen openbare ruimte",
            "kind": "algorithm",
            "purpose": "Meldingen van inwoners over wegen, fietspaden en groen automatisch doorzetten naar de afdeling die ze oppakt.",
            "department": "Wegen en verkeer",
            "lifecyclePhase": "ontwerp",
            "hosting": "saas",
            "status": "in_development",
            "aiActRiskGroup": "not_high_risk",
            "citizenImpact": "high",
            "yearlyCostEur": "45000",
        })),
    )
    .await?;
    let choice = advised_choice(
        ws,
        people,
        &app.id,
        json!({
            "title": "Regels of een getraind model voor het sorteren",
            "choiceType": "algorithm_selection",
            "context": "Inwoners melden jaarlijks zo'n 12.000 gebreken; een verkeerd doorgezette melding ligt gemiddeld een week stil.",
            "options": [
                { "title": "Vaste sorteerregels op trefwoord en plek", "pros": ["uit te leggen aan inwoners"], "cons": ["mist meldingen in eigen woorden"] },
                { "title": "Een getraind taalmodel van de leverancier", "pros": ["sorteert meer meldingen goed"], "cons": ["moeilijk uit te leggen", "leverancier traint op onze meldingen"] },
            ],
            "chosenOption": "Vaste sorteerregels op trefwoord en plek",
            "rationale": "Een inwoner moet kunnen nagaan waarom een melding bij een afdeling terechtkwam.",
        }),
        (
            "Begin met vaste regels en meet een half jaar hoeveel meldingen verkeerd terechtkomen.",
            "Informatiebeheer",
        ),
    )
    .await?;
    Ok((app.draft.name, choice.record.level.label_nl().to_string()))
}

#[cfg(test)]
mod tests {
    use super::next_tuesday;
    use chrono::NaiveDate;

    #[test]
    fn the_next_board_meeting_is_a_tuesday_at_least_a_week_ahead() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        // Sunday 6, Monday 7, Tuesday 8 December 2026.
        assert_eq!(next_tuesday(day(6)), day(15));
        assert_eq!(next_tuesday(day(7)), day(15));
        assert_eq!(next_tuesday(day(8)), day(15));
        assert_eq!(next_tuesday(day(9)), day(22));
    }
}
