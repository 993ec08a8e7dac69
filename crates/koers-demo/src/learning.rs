//! The learning track "Digitaal Leiderschap" in the demo, after 's-Hertogenbosch's case: five
//! modules along a leadership model alternating with live sessions, a cohort of 140
//! generated participants (marked as generated, with addresses under `.example`) split into
//! groups of at most 20, some attendance and progress, and two make-track projects on the
//! demo's data questions delivering a monitor.

use crate::input;
use anyhow::{Context, Result};
use koers_app::learning::{self, Attendance, Entry, Participant, Progress};
use koers_app::{Workspace, products};
use koers_core::guests::GuestObject;
use koers_core::learning::model::{DEFAULT_TARGET_GROUPS, Moment, SelfAssessment};
use koers_core::learning::{ModelText, ModuleDraft, ParticipantDraft, ProgrammeDraft};
use koers_store::{Organisation, User};
use serde_json::json;
use std::collections::HashMap;

const DIMENSIONS: [&str; 5] = [
    "Visie en koers",
    "Datagedreven sturen",
    "Digitale ethiek en vertrouwen",
    "Samenwerken in netwerken",
    "Veranderen en leren",
];

const MODULES: [(&str, &str); 5] = [
    (
        "Digitale visie",
        "Wat betekent digitalisering voor onze opgaven, en waar willen we heen?",
    ),
    (
        "Sturen met data",
        "Van datavraag naar informatieproduct: vragen stellen, bronnen kiezen, duiden.",
    ),
    (
        "Ethiek en algoritmen",
        "Verantwoord kiezen: AI-verordening, IAMA en uitlegbaarheid.",
    ),
    (
        "Samenwerken in de keten",
        "Data delen met partners, studenten en inwoners.",
    ),
    (
        "Leiden in verandering",
        "Het eigen team meenemen; het maakproject presenteren.",
    ),
];

const FIRST: [&str; 20] = [
    "Anna", "Bram", "Chantal", "Daan", "Esra", "Fleur", "Gijs", "Hanna", "Ilse", "Jeroen", "Karim",
    "Lotte", "Mohamed", "Noor", "Okke", "Petra", "Ruben", "Sanne", "Thijs", "Yara",
];
const LAST: [&str; 14] = [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
];
const DEPARTMENTS: [&str; 7] = [
    "Ruimte",
    "Mobiliteit",
    "Sociaal Domein",
    "Dienstverlening",
    "Bedrijfsvoering",
    "Economie",
    "Informatievoorziening",
];
const ROLES: [&str; 4] = [
    "teamleider",
    "afdelingshoofd",
    "programmamanager",
    "beleidsadviseur",
];

/// Seeds the learning track; `coordinator` is also enrolled, so the participant view has
/// something to show when that account signs in.
pub async fn seed(ws: &Workspace, org: &Organisation, coordinator: &User) -> Result<()> {
    let who = crate::principal(ws, org, coordinator).await?;
    let d = ProgrammeDraft::parse(
        "Digitaal Leiderschap",
        "Leergang voor leidinggevenden: vijf online modules, afgewisseld met live sessies, en een maaktraject waarin deelnemers met studenten een echte datavraag uitwerken.",
        ModelText {
            dimensions: &DIMENSIONS.join("\n"),
            levels: "",
            target_groups: &DEFAULT_TARGET_GROUPS.join("\n"),
        },
        "80",
        true,
    )?;
    let modules: Vec<ModuleDraft> = MODULES
        .iter()
        .zip(DIMENSIONS)
        .map(|((t, desc), dim)| ModuleDraft::parse(t, desc, dim, &d.dimensions))
        .collect::<Result<_, _>>()?;
    // Store call: the use case makes numbered default modules; the demo names its own five.
    let programme = ws
        .store
        .learning()
        .create_programme(&org.id, &d, &modules, &who.actor())
        .await?;
    // The first module's content, as a coordinator fills it.
    let first = ws
        .store
        .learning()
        .modules(&programme.id)
        .await?
        .into_iter()
        .next();
    if let Some(first) = first {
        for c in [
            json!({"kind": "page", "title": "Waarom een digitale visie?",
                   "body": "## Drie vragen om mee te beginnen\n\n- Welke opgaven van de gemeente veranderen door digitalisering?\n- Welke besluiten wil je met data onderbouwen?\n- Wat vraagt dat van jou als leidinggevende?\n\nLees ook de [Nederlandse Digitaliseringsstrategie](https://www.nldigitalgovernment.nl/)."}),
            json!({"kind": "video", "title": "Lezing: sturen op de digitale opgave", "url": "https://video.voorbeeld.example/digitale-visie"}),
            json!({"kind": "assignment", "title": "Opdracht: jouw digitale opgave",
                   "body": "Beschrijf in een halve pagina één opgave van je team die door digitalisering verandert, en neem die mee naar de live sessie."}),
            json!({"kind": "reflection", "title": "Reflectie: wat neem je mee?",
                   "body": "Welk besluit in jouw team zou je voortaan met data onderbouwen, en wat heb je daarvoor nodig?"}),
            json!({"kind": "quiz", "title": "Korte toets: digitale visie",
                   "body": "? Wat geeft een digitale visie vooral?\n- Een lijst met systemen die we aanschaffen\n* Richting voor keuzes over data en digitalisering\n- Een jaarplan van de ICT-afdeling\n? Wie is eigenaar van de digitale opgave van je team?\n- De ICT-afdeling\n* Jij als leidinggevende, samen met je team\n- De leverancier\n"}),
        ] {
            learning::add_content(ws, &who, &first.id, input(c)).await?;
        }
    }
    let dates = [
        "2026-02-03",
        "2026-03-03",
        "2026-03-31",
        "2026-04-28",
        "2026-05-26",
        "2026-06-23",
    ];
    for (i, date) in dates.iter().enumerate() {
        let title = if i == 0 {
            "Aftrap".to_string()
        } else {
            format!("Live sessie na module {i}")
        };
        let s = input(json!({
            "title": title,
            "date": date,
            "startTime": "15:00",
            "endTime": "16:30",
            "link": "https://vergaderen.voorbeeld.example/digitaal-leiderschap",
            "afterModule": i.to_string(),
        }));
        learning::add_session(ws, &who, &programme.id, s).await?;
    }
    // A session for one target group: the managers discuss steering with data.
    let s = input(json!({
        "title": "Intervisie leidinggevenden",
        "date": "2026-09-08",
        "startTime": "15:00",
        "endTime": "16:30",
        "link": "https://vergaderen.voorbeeld.example/intervisie",
        "afterModule": "5",
        "targetGroup": DEFAULT_TARGET_GROUPS[0],
    }));
    learning::add_session(ws, &who, &programme.id, s).await?;
    let cohort = learning::create_cohort(
        ws,
        &who,
        &programme.id,
        input(json!({"name": "Cohort 2026", "startDate": "2026-02-03", "capacity": "20"})),
    )
    .await?;
    let people: Vec<ParticipantDraft> = (0..139)
        .map(|i| {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i * 7 + i / FIRST.len()) % LAST.len()];
            ParticipantDraft {
                name: format!("{first} {last}"),
                email: format!("deelnemer{:03}@deelnemers.example", i + 1),
                department: DEPARTMENTS[(i * 3 + i / 11) % DEPARTMENTS.len()].into(),
                role: ROLES[(i * 5 + i / 7) % ROLES.len()].into(),
                target_group: DEFAULT_TARGET_GROUPS[(i * 3 + i / 5) % DEFAULT_TARGET_GROUPS.len()]
                    .into(),
            }
        })
        .collect();
    // Store call: the roster import use case cannot mark participants as generated. The
    // generated people are marked so (the pages say it); the coordinator, a real account,
    // joins through the cohort file as anyone would.
    ws.store
        .learning()
        .import_participants(&cohort, &people, true, &who.actor())
        .await?;
    let roster = format!(
        "naam,e-mail,afdeling,rol\n{},{},Informatievoorziening,programmamanager\n",
        coordinator.display_name, coordinator.email
    );
    learning::import_roster(ws, &who, &cohort.id, roster.as_bytes()).await?;
    let groups = learning::split(ws, &who, &cohort.id).await?;
    let detail = learning::cohort_detail(ws, &who, &cohort.id).await?;
    let participants = detail.participants;
    let programme = learning::programme(ws, &who, &programme.id).await?;

    // The first three sessions and two modules are behind us; each group's register is
    // saved as its coordinator would.
    let index: HashMap<&str, usize> = participants
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let mut teams: Vec<Vec<String>> = Vec::new();
    for g in &groups {
        let mut attendance = Vec::new();
        let mut progress = Vec::new();
        let members: Vec<&Participant> = participants
            .iter()
            .filter(|p| p.group_id.as_deref() == Some(g.id.as_str()))
            .collect();
        teams.push(members.iter().take(4).map(|p| p.id.clone()).collect());
        for p in members {
            let i = index[p.id.as_str()];
            for (j, s) in programme.sessions.iter().take(3).enumerate() {
                let a = match (i * 7 + j * 3) % 10 {
                    0 => Attendance::Absent,
                    1 => Attendance::Excused,
                    _ => Attendance::Present,
                };
                attendance.push(Entry {
                    participant_id: p.id.clone(),
                    target: s.id.clone(),
                    status: a.as_str().into(),
                });
            }
            for (j, m) in programme.modules.iter().take(3).enumerate() {
                let st = match (i + j * 4) % 6 {
                    0 if j > 0 => Progress::NotStarted,
                    1 | 2 if j == 2 => Progress::Started,
                    _ => Progress::Done,
                };
                progress.push(Entry {
                    participant_id: p.id.clone(),
                    target: m.id.clone(),
                    status: st.as_str().into(),
                });
            }
        }
        learning::save_group_register(ws, &who, &g.id, &attendance, &progress).await?;
    }

    // Self-assessments of the generated participants: everyone at the start, a third at the
    // end too, mostly a level or so higher. Store call: the use case takes a participant's
    // own answers only, and the generated people cannot sign in.
    let levels = programme.programme.levels.len() as u32;
    for (i, p) in participants.iter().filter(|p| p.generated).enumerate() {
        for moment in [Moment::Start, Moment::End] {
            if moment == Moment::End && i % 3 != 0 {
                continue;
            }
            let answers = DIMENSIONS
                .iter()
                .enumerate()
                .map(|(j, d)| {
                    let start = 1 + ((i + j * 2) % 2) as u32;
                    let rise = u32::from(moment == Moment::End) * (1 + u32::from((i + j) % 4 == 0));
                    (d.to_string(), (start + rise).min(levels).to_string())
                })
                .collect();
            let a = SelfAssessment::parse(
                &programme.programme.dimensions,
                levels as usize,
                moment.as_str(),
                &answers,
                true,
            )?;
            ws.store
                .learning()
                .save_self_assessment(&org.id, p, &a, &who.actor())
                .await?;
        }
    }

    // Two make-track projects on the demo's data questions, one delivering a monitor.
    let monitor = time_machine(ws, &who).await?;
    let roads = crate::questions::roads_question(ws, &who).await?;
    let projects = [
        (
            "Tijdmachine: zwemwater door de jaren",
            "delivered",
            "Een monitor die per jaar laat zien hoeveel zwemwaterlocaties veilig zijn; in gebruik bij het team Zwemwater.",
            "Eva Willems; Jheronimus Academy of Data Science\nTim Kok; Hogeschool Utrecht",
            Some(monitor.id.clone()),
        ),
        (
            "Dashboard vrachtverkeer en wegen",
            "running",
            "",
            "Sara Öztürk; Universiteit Utrecht",
            None,
        ),
    ];
    for (k, (title, status, outcome, students, product)) in projects.into_iter().enumerate() {
        let d = input(json!({
            "title": title,
            "status": status,
            "outcome": outcome,
            "students": students,
            // Both work on the roads question (the second one from the goods traffic over them).
            "questionId": roads.id,
            "productKind": product.as_ref().map(|_| "monitor"),
            "productId": product,
            "members": teams.get(k).cloned().unwrap_or_default(),
        }));
        learning::create_project(ws, &who, &cohort.id, d).await?;
    }
    Ok(())
}

/// Once the demo's dashboards exist: the running make-track project delivers the logistics one,
/// and its student takes part as a guest. Returns the accounts file's line for the student.
pub async fn deliver_dashboard(
    ws: &Workspace,
    org: &Organisation,
    coordinator: &User,
) -> Result<String> {
    let who = crate::principal(ws, org, coordinator).await?;
    let dashboards = koers_app::dashboards::list(ws, &who).await?;
    let dashboard = dashboards
        .iter()
        .find(|d| d.name == "Logistieke bewegingen")
        .or(dashboards.first())
        .context("de demo heeft geen dashboard")?;
    let running = ws
        .store
        .learning()
        .participants_by_email(&org.id, &coordinator.email)
        .await?
        .into_iter()
        .next()
        .context("de coördinator staat niet in het cohort")?;
    let project = learning::cohort_detail(ws, &who, &running.cohort_id)
        .await?
        .projects
        .into_iter()
        .find(|x| x.status == koers_core::learning::ProjectStatus::Running)
        .context("de demo heeft geen lopend project")?;
    let students: Vec<String> = project
        .students
        .iter()
        .map(|s| format!("{}; {}", s.name, s.institution))
        .collect();
    let d = input(json!({
        "title": project.title,
        "status": "running",
        "outcome": project.outcome,
        "students": students,
        "questionId": project.question_id,
        "dashboardId": dashboard.id,
        "members": project.members,
    }));
    learning::update_project(ws, &who, &project.id, d).await?;
    let object = (GuestObject::LearningProject, project.id.as_str());
    let student = ("student@uu.example", "Sara Öztürk", "Universiteit Utrecht");
    crate::guest(ws, &who, object, student).await
}

/// The monitor a make-track project delivered: the share of safe bathing water locations
/// year by year, over the bathing water question's data, refreshed once.
async fn time_machine(
    ws: &Workspace,
    who: &koers_app::Principal,
) -> Result<koers_app::products::Monitor> {
    let analysis = crate::save_analysis(
        ws,
        who,
        (
            "Veilige zwemwaterlocaties door de jaren",
            "Per jaar het aandeel locaties met kwaliteitsklasse uitstekend of goed. Op gegenereerde demogegevens.",
            "SELECT jaar, ROUND(100.0 * SUM(CASE WHEN kwaliteitsklasse IN ('uitstekend', 'goed') THEN 1 ELSE 0 END) / COUNT(*), 1) AS aandeel_veilig FROM zwemlocaties GROUP BY jaar ORDER BY jaar",
        ),
        &[],
    )
    .await?;
    let indicator = products::create_indicator(
        ws,
        who,
        input(json!({
            "name": "Aandeel veilige zwemwaterlocaties",
            "description": "Locaties met kwaliteitsklasse uitstekend of goed, van alle gemeten locaties.",
            "unit": "%",
            "analysisId": analysis.id,
            "periodColumn": "jaar",
            "valueColumn": "aandeel_veilig",
            "grain": "year",
            "direction": "up",
            "target": "75",
            "greenThreshold": "70",
            "amberThreshold": "55",
        })),
    )
    .await?;
    let monitor = products::create_monitor(
        ws,
        who,
        input(json!({
            "name": "Tijdmachine zwemwater",
            "description": "Gemaakt in het maaktraject van Digitaal Leiderschap: hoe veilig de zwemwaterlocaties zijn, door de jaren heen. Op gegenereerde demogegevens.",
            "indicatorIds": [indicator.id],
        })),
    )
    .await?;
    products::refresh_now(ws, &who.actor(), indicator).await?;
    Ok(monitor)
}
