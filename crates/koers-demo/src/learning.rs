//! The learning track "Digitaal Leiderschap" in the demo, after 's-Hertogenbosch's case: five
//! modules along a leadership model alternating with live sessions, a cohort of 140
//! generated participants (marked as generated, with addresses under `.example`) split into
//! groups of at most 20, some attendance and progress, and two make-track projects on the
//! demo's data questions delivering a monitor.

use anyhow::Result;
use koers_app::Workspace;
use koers_core::indicators::MonitorDraft;
use koers_core::learning::{
    Attendance, CohortDraft, ModuleDraft, ParticipantDraft, ProgrammeDraft, Progress, ProjectDraft,
    SessionDraft, balanced_split,
};
use koers_store::learning::ProjectLinks;
use koers_store::{Actor, Organisation, User};

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
    let store = &ws.store;
    let actor = Actor::cli();
    let d = ProgrammeDraft::parse(
        "Digitaal Leiderschap",
        "Leergang voor leidinggevenden: vijf online modules, afgewisseld met live sessies, en een maaktraject waarin deelnemers met studenten een echte datavraag uitwerken.",
        &DIMENSIONS.join("\n"),
        "80",
        true,
    )?;
    let modules: Vec<ModuleDraft> = MODULES
        .iter()
        .zip(DIMENSIONS)
        .map(|((t, desc), dim)| ModuleDraft::parse(t, desc, dim, &d.dimensions))
        .collect::<Result<_, _>>()?;
    let programme = store
        .learning()
        .create_programme(&org.id, &d, &modules, &actor)
        .await?;
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
        let s = SessionDraft::parse(
            &title,
            date,
            "15:00",
            "16:30",
            "https://vergaderen.voorbeeld.example/digitaal-leiderschap",
            &i.to_string(),
            5,
        )?;
        store.learning().add_session(&programme, &s, &actor).await?;
    }
    let cohort = store
        .learning()
        .create_cohort(
            &programme,
            &CohortDraft::parse("Cohort 2026", "2026-02-03", "20")?,
            &actor,
        )
        .await?;
    let mut people: Vec<ParticipantDraft> = (0..139)
        .map(|i| {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i * 7 + i / FIRST.len()) % LAST.len()];
            ParticipantDraft {
                name: format!("{first} {last} (gegenereerd)"),
                email: format!("deelnemer{:03}@deelnemers.example", i + 1),
                department: DEPARTMENTS[(i * 3 + i / 11) % DEPARTMENTS.len()].into(),
                role: ROLES[(i * 5 + i / 7) % ROLES.len()].into(),
            }
        })
        .collect();
    people.push(ParticipantDraft {
        name: coordinator.display_name.clone(),
        email: coordinator.email.clone(),
        department: "Informatievoorziening".into(),
        role: "programmamanager".into(),
    });
    store
        .learning()
        .import_participants(&cohort, &people, true, &actor)
        .await?;
    let participants = store.learning().participants(&cohort).await?;
    let keys: Vec<(String, String)> = participants
        .iter()
        .map(|p| (p.department.clone(), p.role.clone()))
        .collect();
    let split: Vec<Vec<String>> = balanced_split(&keys, cohort.capacity)
        .into_iter()
        .map(|g| g.into_iter().map(|i| participants[i].id.clone()).collect())
        .collect();
    store
        .learning()
        .replace_groups(&cohort, &split, &actor)
        .await?;

    // The first three sessions and two modules are behind us.
    let sessions = store.learning().sessions(&programme.id).await?;
    let modules = store.learning().modules(&programme.id).await?;
    let mut attendance = Vec::new();
    let mut progress = Vec::new();
    for (i, p) in participants.iter().enumerate() {
        for (j, s) in sessions.iter().take(3).enumerate() {
            let a = match (i * 7 + j * 3) % 10 {
                0 => Attendance::Absent,
                1 => Attendance::Excused,
                _ => Attendance::Present,
            };
            attendance.push((s.id.clone(), p.id.clone(), a));
        }
        for (j, m) in modules.iter().take(3).enumerate() {
            let st = match (i + j * 4) % 6 {
                0 if j > 0 => Progress::NotStarted,
                1 | 2 if j == 2 => Progress::Started,
                _ => Progress::Done,
            };
            progress.push((m.id.clone(), p.id.clone(), st));
        }
    }
    store
        .learning()
        .record_register(&cohort, &attendance, &progress, &actor)
        .await?;

    // Two make-track projects on the demo's data questions, delivering a monitor.
    let monitor = store
        .indicators()
        .create_monitor(
            &org.id,
            &MonitorDraft::parse(
                "Tijdmachine wegen en zwemwater",
                "Gemaakt in het maaktraject van Digitaal Leiderschap: de toestand van wegen en zwemwaterlocaties door de jaren heen.",
                &[],
            )?,
            &actor,
        )
        .await?;
    let questions = store.questions().questions(&org.id, None).await?;
    let projects = [
        (
            "Tijdmachine: wegen door de jaren",
            "delivered",
            "Een monitor die de conditie van de provinciale wegen per jaar laat zien; in gebruik bij het team Wegen.",
            "Eva Willems; Jheronimus Academy of Data Science\nTim Kok; Hogeschool Utrecht",
            Some(monitor.id.clone()),
        ),
        (
            "Dashboard veilige zwemwaterlocaties",
            "running",
            "",
            "Sara Öztürk; Universiteit Utrecht",
            None,
        ),
    ];
    for (k, (title, status, outcome, students, product)) in projects.into_iter().enumerate() {
        let d = ProjectDraft::parse(title, status, outcome, students)?;
        let team: Vec<String> = split
            .get(k)
            .map(|g| g.iter().take(4).cloned().collect())
            .unwrap_or_default();
        let links = ProjectLinks {
            question_id: questions.get(k).map(|q| q.id.clone()),
            product: product.map(|id| ("monitor".to_string(), id)),
            members: team,
        };
        store
            .learning()
            .create_project(&cohort, &d, &links, &actor)
            .await?;
    }
    Ok(())
}
