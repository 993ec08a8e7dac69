//! The IPO study "De moderne digitale provincie" in the demo: a maturity round over the
//! twelve provinces (real names and CBS codes) with generated survey responses, interview
//! notes and a vision text coded against the default framework. The round is marked as
//! generated everywhere it is shown. Two provinces get fewer responses than the minimum,
//! so the anonymity threshold is visible.

use crate::{Rng, input};
use anyhow::Result;
use koers_app::{Input, Principal, Workspace, maturity};
use koers_core::maturity::{ItemKind, RoundDraft, Weights, default_items};
use koers_core::secret::{new_token, token_digest};
use koers_store::maturity::SourceDraft;
use koers_store::{Organisation, User};
use serde_json::json;

const PROVINCES: [(&str, &str); 12] = [
    ("Provincie Groningen", "PV20"),
    ("Provincie Fryslân", "PV21"),
    ("Provincie Drenthe", "PV22"),
    ("Provincie Overijssel", "PV23"),
    ("Provincie Flevoland", "PV24"),
    ("Provincie Gelderland", "PV25"),
    ("Provincie Utrecht", "PV26"),
    ("Provincie Noord-Holland", "PV27"),
    ("Provincie Zuid-Holland", "PV28"),
    ("Provincie Zeeland", "PV29"),
    ("Provincie Noord-Brabant", "PV30"),
    ("Provincie Limburg", "PV31"),
];

/// Respondents per province; Flevoland (4) and Zeeland (3) stay below the minimum of 5.
const RESPONDENTS: [usize; 12] = [7, 6, 5, 8, 4, 9, 8, 7, 9, 3, 8, 6];

const INTERVIEW: &str = "Gesprek met de CIO en de concerncontroller.\n\
De provincie heeft in 2024 een datastrategie vastgesteld die in de begroting is vertaald.\n\
Voor de grote dossiers zoals stikstof en mobiliteit worden analyses standaard gebruikt in de besluitvorming.\n\
Er is een datacatalogus met eigenaren, maar de kwaliteit wordt nog niet overal bewaakt.\n\
Een algoritmeregister is ingericht en voor nieuwe toepassingen is een IAMA gebruikelijk.\n\
Pilots met een digitale tweeling lopen, maar opschalen blijkt lastig.";

const VISION: &str = "Visie op datagedreven werken (samenvatting, gegenereerd voor de demonstratie)\n\
Wij willen in 2030 een organisatie zijn die bij elke beleidskeuze weet wat de data zegt.\n\
Bestuur en directie sturen actief op digitalisering als vast onderdeel van de planning- en controlcyclus.\n\
We delen data en voorzieningen met gemeenten en waterschappen volgens vaste afspraken.";

/// Seeds the demo round for `org` (the organisation running the study), run by
/// `researcher`.
pub async fn seed(ws: &Workspace, org: &Organisation, researcher: &User) -> Result<()> {
    let who = crate::principal(ws, org, researcher).await?;
    let fw = maturity::frameworks(ws, &who)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("geen kader"))?;
    let mut rng = Rng(0x1b0_2026);
    // The study repeats every year: two earlier rounds (closed, the provinces a little less
    // far), each followed by the next, so that the trend over the years has three points.
    let mut previous: Option<String> = None;
    for (year, shift) in [(2024, -0.6), (2025, -0.3)] {
        let (round, _) = survey_round(ws, org, &who, &fw, year, shift, &mut rng).await?;
        if let Some(prev) = &previous {
            maturity::link_round(ws, &who, &round.id, input(json!({"previousRoundId": prev})))
                .await?;
        }
        maturity::close_round(ws, &who, &round.id).await?;
        previous = Some(round.id);
    }
    let (round, participants) = survey_round(ws, org, &who, &fw, 2026, 0.0, &mut rng).await?;
    maturity::link_round(
        ws,
        &who,
        &round.id,
        input(json!({"previousRoundId": previous})),
    )
    .await?;
    // Interview notes and a vision text for Utrecht and Gelderland, coded.
    for p in participants
        .iter()
        .filter(|p| matches!(p.cbs_code.as_deref(), Some("PV25" | "PV26")))
    {
        let interview = maturity::add_interview(
            ws,
            &who,
            &round.id,
            input(json!({
                "participantId": p.id,
                "title": "Interview CIO en concerncontroller (gegenereerd)",
                "notes": INTERVIEW,
                "intervieweeRole": "civil_servant",
            })),
        )
        .await?;
        for (dim, level, passage) in [
            (
                "vision",
                3,
                "De provincie heeft in 2024 een datastrategie vastgesteld die in de begroting is vertaald.",
            ),
            (
                "decisions",
                3,
                "Voor de grote dossiers zoals stikstof en mobiliteit worden analyses standaard gebruikt in de besluitvorming.",
            ),
            (
                "data",
                3,
                "Er is een datacatalogus met eigenaren, maar de kwaliteit wordt nog niet overal bewaakt.",
            ),
            (
                "ethics",
                3,
                "Een algoritmeregister is ingericht en voor nieuwe toepassingen is een IAMA gebruikelijk.",
            ),
            (
                "innovation",
                2,
                "Pilots met een digitale tweeling lopen, maar opschalen blijkt lastig.",
            ),
        ] {
            code(ws, &who, &round.id, &interview.id, dim, level, passage).await?;
        }
        // Store call: the document use case takes an uploaded file; the demo's vision is a
        // text without one.
        let vision = ws
            .store
            .maturity()
            .add_source(
                &round,
                &SourceDraft {
                    participant_id: &p.id,
                    kind: "document",
                    title: "Visie op datagedreven werken (gegenereerd)",
                    file: None,
                    text: VISION,
                    interviewee_role: None,
                },
                &who.actor(),
            )
            .await?;
        for (dim, level, passage) in [
            (
                "governance",
                4,
                "Bestuur en directie sturen actief op digitalisering als vast onderdeel van de planning- en controlcyclus.",
            ),
            (
                "collaboration",
                3,
                "We delen data en voorzieningen met gemeenten en waterschappen volgens vaste afspraken.",
            ),
        ] {
            code(ws, &who, &round.id, &vision.id, dim, level, passage).await?;
        }
    }
    Ok(())
}

/// Codes `passage` of a source to a dimension and level, as a researcher does.
/// IPO as an umbrella body: its researcher, Provincie Utrecht (`member`) as a member, and a
/// closed round of IPO in which the province took part with six respondents — so the province's
/// readers find their own report under "Rapporten van koepelorganisaties". Returns the
/// accounts file's line for IPO's researcher.
pub async fn seed_umbrella(ws: &Workspace, member: &Organisation) -> Result<String> {
    let draft =
        koers_core::OrganisationDraft::parse("Interprovinciaal Overleg", "umbrella", "", "")?;
    let ipo = ws
        .store
        .organisations()
        .create_organisation(&draft, &koers_store::Actor::cli())
        .await?;
    let person = ("onderzoek@ipo.example", "Iris Onderzoek");
    let (user, line) =
        crate::account(ws, &ipo, person, &[koers_core::Role::Administrator], false).await?;
    let who = crate::principal(ws, &ipo, &user).await?;
    let code = json!({ "code": member.cbs_code });
    koers_app::organisations::add_member_organisation(ws, &who, &ipo.id, input(code)).await?;
    let round = maturity::create_round(
        ws,
        &who,
        input(json!({"name": "IPO-meting digitale volwassenheid (gegenereerde gegevens)", "year": "2026"})),
    )
    .await?;
    maturity::add_member_participants(ws, &who, &round.id).await?;
    let participant = maturity::participants(ws, &who, &round.id)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("IPO's ronde heeft geen deelnemer"))?;
    let tokens: Vec<String> = (0..6).map(|_| new_token()).collect();
    let digests: Vec<(String, String)> = tokens
        .iter()
        .map(|t| (token_digest(t), String::new()))
        .collect();
    // Store call: the invite use case mails its links; the demo answers with the tokens.
    ws.store
        .maturity()
        .add_invitations(&round, &participant, &digests, &who.actor())
        .await?;
    let items = maturity::round_detail(ws, &who, &round.id).await?.items;
    for (i, t) in tokens.iter().enumerate() {
        let mut answers = serde_json::Map::new();
        for (k, item) in items.iter().enumerate() {
            if item.kind == ItemKind::Likert {
                let v = 2 + (i + k) % 3;
                answers.insert(format!("item_{}", item.id), v.to_string().into());
            }
        }
        answers.insert("group".into(), "employee".into());
        maturity::answer(ws, t, Input::from_object(answers)).await?;
    }
    maturity::close_round(ws, &who, &round.id).await?;
    Ok(line)
}

async fn code(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    source_id: &str,
    dimension: &str,
    level: u8,
    passage: &str,
) -> Result<()> {
    let c = input(json!({"dimension": dimension, "level": level.to_string(), "passage": passage}));
    maturity::code(ws, who, round_id, source_id, c).await?;
    Ok(())
}

/// A generated survey round of `year` over the twelve provinces, each a little further than
/// its profile by `shift`; the round and its participants.
async fn survey_round(
    ws: &Workspace,
    org: &Organisation,
    who: &Principal,
    fw: &maturity::FrameworkVersion,
    year: i64,
    shift: f64,
    rng: &mut Rng,
) -> Result<(maturity::Round, Vec<maturity::Participant>)> {
    let draft = RoundDraft::parse(
        &format!("De moderne digitale provincie {year} (gegenereerde gegevens)"),
        &year.to_string(),
        "5",
        Ok(Weights::default()),
    )?;
    // Store call: the use case cannot mark a round as generated, which the demo's is.
    let round = ws
        .store
        .maturity()
        .create_round(
            &org.id,
            &fw.id,
            &draft,
            &default_items(&fw.framework),
            true,
            &who.actor(),
        )
        .await?;
    let items = maturity::round_detail(ws, who, &round.id).await?.items;
    let mut participants = Vec::new();
    for ((name, code), n) in PROVINCES.iter().zip(RESPONDENTS) {
        let p = maturity::add_participant(
            ws,
            who,
            &round.id,
            input(json!({"name": name, "cbsCode": code})),
        )
        .await?;
        // Two more invitations than answers: not everyone responds.
        let tokens: Vec<String> = (0..n + 2).map(|_| new_token()).collect();
        let digests: Vec<(String, String)> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let label = if i % 3 == 0 {
                    "gedeputeerde"
                } else {
                    "directie"
                };
                (token_digest(t), label.to_string())
            })
            .collect();
        // Store call: the invite use case mails its links; the demo keeps the tokens to
        // answer with below and sends no mail.
        ws.store
            .maturity()
            .add_invitations(&round, &p, &digests, &who.actor())
            .await?;
        // Each province has its own profile: a base level with a slope over the dimensions.
        let base = 2.0 + rng.f() * 1.8 + shift;
        let slope = rng.f() - 0.5;
        for (i, t) in tokens.iter().take(n).enumerate() {
            let mut answers = serde_json::Map::new();
            // Most say which group they are in (one board member, a few managers, mostly
            // employees); every seventh prefers not to. Where nine answered, the employees
            // are enough to be shown as a group.
            let group = match (i, i % 4, i % 7) {
                (_, _, 6) => "",
                (0, _, _) => "executive",
                (_, 1, _) => "manager",
                _ => "employee",
            };
            answers.insert("group".into(), group.into());
            for (k, item) in items.iter().enumerate() {
                let field = format!("item_{}", item.id);
                match item.kind {
                    ItemKind::Likert => {
                        let v = base + slope * (k as f64 / 5.0 - 1.0) + (rng.f() - 0.5) * 2.0;
                        let v = (v.round() as i64).clamp(1, 5);
                        answers.insert(field, v.to_string().into());
                    }
                    ItemKind::Open if rng.f() < 0.3 => {
                        answers.insert(
                            field,
                            "Gegenereerde toelichting: we zetten stappen, maar de uitvoering loopt achter op de ambitie."
                                .into(),
                        );
                    }
                    ItemKind::Open => {}
                }
            }
            // A respondent answers through their link, as the survey page does.
            maturity::answer(ws, t, Input::from_object(answers)).await?;
        }
        participants.push(p);
    }
    Ok((round, participants))
}

#[cfg(test)]
mod tests {
    use koers_app::{Workspace, WorkspaceConfig};
    use koers_store::testing::organisation;
    use koers_store::{Actor, Store};

    #[tokio::test]
    async fn the_demo_round_covers_twelve_provinces_as_generated() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        let ws = Workspace::new(store.clone(), WorkspaceConfig::in_folder(dir.path())).unwrap();
        let org = organisation(&store, "Provincie Utrecht", "province", "PV26").await;
        let analyst = store
            .users()
            .create_user(
                &koers_core::UserDraft::parse(
                    "analist@voorbeeld.example",
                    "Ahmed Analist",
                    "Lang-Genoeg-Wachtwoord-2026",
                )
                .unwrap(),
                "",
                false,
                &org.id,
                &[koers_core::Role::Analyst],
                &Actor::cli(),
            )
            .await
            .unwrap();
        super::seed(&ws, &org, &analyst).await.unwrap();
        let rounds = store.maturity().rounds(&org.id).await.unwrap();
        // Newest first: 2026, open, follows 2025, which follows 2024; both earlier ones closed.
        let years: Vec<i64> = rounds.iter().map(|r| r.year).collect();
        assert_eq!(years, [2026, 2025, 2024]);
        assert!(rounds.iter().all(|r| r.generated));
        assert!(rounds[0].is_open() && !rounds[1].is_open() && !rounds[2].is_open());
        assert_eq!(
            rounds[0].previous_round_id.as_deref(),
            Some(rounds[1].id.as_str())
        );
        assert_eq!(
            rounds[1].previous_round_id.as_deref(),
            Some(rounds[2].id.as_str())
        );
        let ps = store
            .maturity()
            .round_participants(&rounds[0])
            .await
            .unwrap();
        assert_eq!(ps.len(), 12);
        assert!(
            ps.iter()
                .any(|p| p.name == "Provincie Fryslân" && p.cbs_code.as_deref() == Some("PV21"))
        );
        let mut counts: std::collections::HashMap<String, i64> = Default::default();
        for (p, _, n) in store.maturity().group_counts(&rounds[0]).await.unwrap() {
            *counts.entry(p).or_default() += n;
        }
        assert_eq!(counts.values().sum::<i64>(), 80);
        assert_eq!(counts.values().filter(|n| **n < 5).count(), 2);
        assert_eq!(store.maturity().codes(&rounds[0]).await.unwrap().len(), 14);
        // The trend of a province runs over the three years.
        let who = crate::principal(&ws, &org, &analyst).await.unwrap();
        let utrecht = ps
            .iter()
            .find(|p| p.cbs_code.as_deref() == Some("PV26"))
            .unwrap();
        let trend = koers_app::maturity::trend(&ws, &who, &rounds[0].id, &utrecht.id)
            .await
            .unwrap();
        assert_eq!(trend.rounds.len(), 3);
        assert!(
            trend.lines[0].values.iter().all(Option::is_some),
            "{:?}",
            trend.lines[0]
        );
    }
}
