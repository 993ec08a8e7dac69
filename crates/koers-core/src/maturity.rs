//! The maturity monitor (module M6): a versioned framework of dimensions with five levels,
//! survey rounds with items mapped to dimensions, the anonymity threshold, coded evidence from
//! documents and interviews, the scoring method with its weights, and anonymised labels for
//! the benchmark.

pub mod groups;
pub mod trend;

use crate::error::{Collector, Invalid, parse_enum, text};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The five levels, lowest first; a level is stored as its number 1–5.
pub const LEVELS: [&str; 5] = ["beginning", "emerging", "learning", "embedded", "leading"];

/// The default minimum number of respondents below which no survey figure is shown.
pub const DEFAULT_MIN_RESPONDENTS: i64 = 5;

/// The key of a level number (1–5), e.g. `learning` for 3.
pub fn level_key(level: i64) -> &'static str {
    LEVELS[(level.clamp(1, 5) - 1) as usize]
}

/// One dimension of the framework: what it covers, what a level means on it, and the
/// survey statement that asks about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dimension {
    /// A short stable key, e.g. `vision`.
    pub key: String,
    pub name: String,
    pub description: String,
    /// The descriptor of each of the five levels, lowest first.
    pub levels: Vec<String>,
    /// The Likert statement a survey round asks about this dimension by default.
    pub statement: String,
}

/// A framework: its name and dimensions. Versions are kept by the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Framework {
    pub name: String,
    pub dimensions: Vec<Dimension>,
}

impl Framework {
    /// Checks a framework: a name, 1–30 dimensions with unique keys (lowercase letters,
    /// digits, `_`), every text present and five level descriptors.
    pub fn validate(self) -> Result<Framework, Invalid> {
        let mut c = Collector::default();
        let name = c.take(text("name", &self.name, 200));
        if self.dimensions.is_empty() || self.dimensions.len() > 30 {
            c.take::<()>(Err(Invalid::one(
                "dimensions",
                "count",
                "geef 1 tot 30 dimensies",
            )));
        }
        let mut keys = Vec::new();
        let mut dims = Vec::new();
        for (i, d) in self.dimensions.into_iter().enumerate() {
            let f = |s: &str| format!("dimensions[{i}].{s}");
            let key = d.key.trim().to_string();
            if key.is_empty()
                || key.len() > 40
                || !key
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
            {
                c.take::<()>(Err(Invalid::one(
                    &f("key"),
                    "pattern",
                    "alleen kleine letters, cijfers en _ (hoogstens 40)",
                )));
            } else if keys.contains(&key) {
                c.take::<()>(Err(Invalid::one(&f("key"), "duplicate", "komt al voor")));
            }
            keys.push(key.clone());
            let name = c.take(text(&f("name"), &d.name, 200));
            let description = c.take(text(&f("description"), &d.description, 2000));
            let statement = c.take(text(&f("statement"), &d.statement, 500));
            if d.levels.len() != 5 {
                c.take::<()>(Err(Invalid::one(
                    &f("levels"),
                    "count",
                    "geef precies vijf niveaus",
                )));
            }
            let levels: Vec<Option<String>> = d
                .levels
                .iter()
                .enumerate()
                .map(|(j, l)| c.take(text(&format!("dimensions[{i}].levels[{j}]"), l, 1000)))
                .collect();
            if let (Some(name), Some(description), Some(statement)) = (name, description, statement)
            {
                dims.push(Dimension {
                    key,
                    name,
                    description,
                    levels: levels.into_iter().flatten().collect(),
                    statement,
                });
            }
        }
        c.finish()?;
        Ok(Framework {
            name: name.unwrap_or_default(),
            dimensions: dims,
        })
    }

    pub fn dimension(&self, key: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.key == key)
    }
}

fn dim(key: &str, name: &str, description: &str, statement: &str, levels: [&str; 5]) -> Dimension {
    Dimension {
        key: key.into(),
        name: name.into(),
        description: description.into(),
        levels: levels.iter().map(|l| (*l).to_string()).collect(),
        statement: statement.into(),
    }
}

/// koers' own neutral default: ten dimensions, five levels each.
pub fn default_framework() -> Framework {
    Framework {
        name: "Digitale volwassenheid (koers-standaard)".into(),
        dimensions: vec![
            dim(
                "vision",
                "Visie en strategie",
                "Heeft de organisatie een gedragen visie op digitalisering en data, en stuurt ze daarop?",
                "Onze organisatie heeft een duidelijke, gedragen visie op digitalisering en data die richting geeft aan keuzes.",
                [
                    "Er is geen vastgestelde visie; digitalisering gebeurt per project.",
                    "Een visie is in de maak of op papier, maar nog weinig bekend.",
                    "De visie is vastgesteld en wordt in plannen en begrotingen vertaald.",
                    "De visie stuurt keuzes in de hele organisatie en wordt geregeld herijkt.",
                    "De organisatie geeft mede richting aan de visie van andere overheden.",
                ],
            ),
            dim(
                "governance",
                "Bestuur, eigenaarschap en leiderschap",
                "Zijn rollen, eigenaarschap en bestuurlijke sturing op data en digitalisering belegd?",
                "Bestuur en management nemen eigenaarschap voor digitalisering en maken daar zichtbaar keuzes in.",
                [
                    "Eigenaarschap is niet belegd; beslissingen vallen ad hoc.",
                    "Enkele rollen (zoals CIO of CDO) zijn benoemd, met beperkt mandaat.",
                    "Eigenaarschap en besluitvorming zijn beschreven en worden toegepast.",
                    "Bestuur en directie sturen actief op digitalisering als vast onderdeel van de cyclus.",
                    "Leiderschap op digitalisering is vanzelfsprekend en wordt extern als voorbeeld gezien.",
                ],
            ),
            dim(
                "people",
                "Mensen, vaardigheden en cultuur",
                "Hebben medewerkers de kennis en ruimte om datagedreven te werken?",
                "Medewerkers hebben de kennis, vaardigheden en ruimte om met data en digitale middelen te werken.",
                [
                    "Kennis zit bij enkele specialisten; er is geen opleidingsaanbod.",
                    "Er zijn losse trainingen en enthousiaste voorlopers.",
                    "Er is een opleidingsaanbod en competenties zijn benoemd.",
                    "Datagedreven werken hoort bij elke functie; leren is structureel.",
                    "De organisatie trekt talent aan en deelt haar kennis breed.",
                ],
            ),
            dim(
                "data",
                "Datapositie en databeheer",
                "Weet de organisatie welke data ze heeft, en is die vindbaar, betrouwbaar en beheerd?",
                "Onze data is vindbaar, van bekende kwaliteit en heeft een eigenaar.",
                [
                    "Data zit verspreid in systemen en bestanden, zonder overzicht.",
                    "Een eerste overzicht van data en eigenaren ontstaat.",
                    "Er is een catalogus met eigenaren en kwaliteitsafspraken.",
                    "Databeheer is geborgd: metadata, kwaliteit en levenscyclus worden bewaakt.",
                    "Data is een strategische bron die standaard open en herbruikbaar is.",
                ],
            ),
            dim(
                "technology",
                "Technologie en architectuur",
                "Ondersteunen de voorzieningen en de architectuur het werken met data?",
                "Onze technische voorzieningen en architectuur ondersteunen het werken met data goed.",
                [
                    "Systemen staan los van elkaar; koppelingen zijn handwerk.",
                    "Er zijn eerste gedeelde voorzieningen en architectuurafspraken.",
                    "Een doelarchitectuur is vastgesteld en projecten toetsen eraan.",
                    "Voorzieningen zijn herbruikbaar, schaalbaar en standaard ingezet.",
                    "De architectuur is open, modulair en gedeeld met andere overheden.",
                ],
            ),
            dim(
                "decisions",
                "Datagedreven beleid en besluiten",
                "Worden beleid en besluiten onderbouwd met data en analyses?",
                "Beleid en besluiten worden in onze organisatie onderbouwd met data en analyses.",
                [
                    "Data speelt zelden een rol in beleid en besluiten.",
                    "In enkele dossiers worden analyses gebruikt.",
                    "Voor belangrijke besluiten is een data-onderbouwing gebruikelijk.",
                    "De beleidscyclus wordt met data gesloten: monitoren, evalueren, bijsturen.",
                    "Voorspellende analyses en scenario's sturen beleid vooraf.",
                ],
            ),
            dim(
                "services",
                "Dienstverlening en uitvoering",
                "Verbeteren data en digitale middelen de dienstverlening en de uitvoering?",
                "Data en digitale middelen maken onze dienstverlening en uitvoering merkbaar beter.",
                [
                    "Dienstverlening en uitvoering zijn grotendeels handmatig.",
                    "Enkele processen zijn gedigitaliseerd.",
                    "Processen worden met data gevolgd en verbeterd.",
                    "Dienstverlening is digitaal waar het kan, en persoonlijk waar het moet.",
                    "Dienstverlening is proactief en over organisatiegrenzen heen ingericht.",
                ],
            ),
            dim(
                "ethics",
                "Ethiek, privacy, veiligheid en openheid",
                "Gaat de organisatie verantwoord en transparant om met data en algoritmen?",
                "Wij gaan verantwoord, veilig en transparant om met data en algoritmen.",
                [
                    "Privacy en veiligheid komen pas aan bod als er iets misgaat.",
                    "Wettelijke eisen (AVG, BIO) worden per geval nagelopen.",
                    "Er zijn vaste toetsen (DPIA, IAMA) en een algoritmeregister.",
                    "Ethiek en openheid zijn ingebed in ontwerp en besluitvorming.",
                    "De organisatie is transparant by default en legt publiek verantwoording af.",
                ],
            ),
            dim(
                "collaboration",
                "Samenwerking en ecosysteem",
                "Werkt de organisatie met partners samen aan data en digitalisering?",
                "Wij werken met andere overheden, kennisinstellingen en partners samen aan data en digitalisering.",
                [
                    "Samenwerking op data is incidenteel.",
                    "Er zijn losse samenwerkingen rond projecten.",
                    "Er zijn vaste afspraken over het delen van data en voorzieningen.",
                    "De organisatie is een actieve partner in regionale en landelijke netwerken.",
                    "De organisatie organiseert en verbindt het ecosysteem.",
                ],
            ),
            dim(
                "innovation",
                "Innovatie",
                "Experimenteert de organisatie met nieuwe technologie, en brengt ze successen naar de praktijk?",
                "Wij experimenteren met nieuwe technologie en brengen geslaagde experimenten naar de praktijk.",
                [
                    "Innovatie hangt af van individuele initiatieven.",
                    "Er lopen pilots, maar ze worden zelden opgeschaald.",
                    "Er is een werkwijze om experimenten te kiezen, te evalueren en op te schalen.",
                    "Innovatie heeft een vaste plek in portfolio en begroting.",
                    "De organisatie is koploper en deelt haar innovaties actief.",
                ],
            ),
        ],
    }
}

/// How a round weighs its three sources of evidence into one score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub survey: f64,
    pub documents: f64,
    pub interviews: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            survey: 0.5,
            documents: 0.25,
            interviews: 0.25,
        }
    }
}

fn weight(name: &str, raw: &str) -> Result<f64, Invalid> {
    let v: f64 = raw
        .trim()
        .replace(',', ".")
        .parse()
        .map_err(|_| Invalid::one(name, "number", "moet een getal zijn"))?;
    if !(0.0..=100.0).contains(&v) || !v.is_finite() {
        return Err(Invalid::one(name, "range", "moet tussen 0 en 100 liggen"));
    }
    Ok(v)
}

impl Weights {
    /// Parses three non-negative weights; at least one must be above zero. They need not
    /// add up to one: scoring divides by the sum of the weights of the sources present.
    pub fn parse(survey: &str, documents: &str, interviews: &str) -> Result<Weights, Invalid> {
        let mut c = Collector::default();
        let s = c.take(weight("weightSurvey", survey));
        let d = c.take(weight("weightDocuments", documents));
        let i = c.take(weight("weightInterviews", interviews));
        c.finish()?;
        let w = Weights {
            survey: s.unwrap_or(0.0),
            documents: d.unwrap_or(0.0),
            interviews: i.unwrap_or(0.0),
        };
        if w.survey + w.documents + w.interviews <= 0.0 {
            return Err(Invalid::one(
                "weightSurvey",
                "sum",
                "minstens één gewicht moet groter dan 0 zijn",
            ));
        }
        Ok(w)
    }
}

/// How a round is named to people: its name with its year, unless the name already says
/// the year ("Meting 2024" stays "Meting 2024", "Volwassenheidsmeting" reads
/// "Volwassenheidsmeting (2024)").
pub fn round_title(name: &str, year: i64) -> String {
    let y = year.to_string();
    let says_year = name
        .split(|c: char| !c.is_ascii_digit())
        .any(|digits| digits == y);
    if says_year {
        name.to_string()
    } else {
        format!("{name} ({y})")
    }
}

/// A new survey round.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundDraft {
    pub name: String,
    pub year: i64,
    pub min_respondents: i64,
    pub weights: Weights,
}

impl RoundDraft {
    pub fn parse(
        name: &str,
        year: &str,
        min_respondents: &str,
        weights: Result<Weights, Invalid>,
    ) -> Result<RoundDraft, Invalid> {
        let mut c = Collector::default();
        let name = c.take(text("name", name, 200));
        let year = c.take(
            year.trim()
                .parse::<i64>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .ok_or_else(|| Invalid::one("year", "range", "geef een jaar tussen 2000 en 2100")),
        );
        let min = if min_respondents.trim().is_empty() {
            Some(DEFAULT_MIN_RESPONDENTS)
        } else {
            c.take(
                min_respondents
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|m| (3..=100).contains(m))
                    .ok_or_else(|| {
                        Invalid::one("minRespondents", "range", "geef een aantal van 3 tot 100")
                    }),
            )
        };
        let weights = c.take(weights);
        c.finish()?;
        Ok(RoundDraft {
            name: name.unwrap_or_default(),
            year: year.unwrap_or_default(),
            min_respondents: min.unwrap_or(DEFAULT_MIN_RESPONDENTS),
            weights: weights.unwrap_or_default(),
        })
    }
}

/// A participating organisation of a round: a name and, optionally, its CBS code.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantDraft {
    pub name: String,
    pub cbs_code: Option<String>,
}

impl ParticipantDraft {
    pub fn parse(name: &str, cbs_code: &str) -> Result<ParticipantDraft, Invalid> {
        let mut c = Collector::default();
        let name = c.take(text("name", name, 200));
        let code = cbs_code.trim().to_uppercase();
        let cbs_code = if code.is_empty() {
            None
        } else {
            c.take(crate::CbsCode::parse(&code).map(|_| Some(code)))
                .flatten()
        };
        c.finish()?;
        Ok(ParticipantDraft {
            name: name.unwrap_or_default(),
            cbs_code,
        })
    }
}

/// Whom an interview was with, by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervieweeRole {
    /// A member of the board (gedeputeerde, wethouder, bestuurder).
    Executive,
    /// A civil servant (ambtenaar: director, manager, advisor).
    CivilServant,
}

impl IntervieweeRole {
    pub const ALL: [IntervieweeRole; 2] =
        [IntervieweeRole::Executive, IntervieweeRole::CivilServant];

    pub fn as_str(self) -> &'static str {
        match self {
            IntervieweeRole::Executive => "executive",
            IntervieweeRole::CivilServant => "civil_servant",
        }
    }

    /// The role a form or the API names; empty: not recorded.
    pub fn parse(raw: &str) -> Result<Option<Self>, Invalid> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .map(Some)
            .ok_or_else(|| {
                Invalid::one(
                    "intervieweeRole",
                    "enum",
                    "kies executive (bestuurder) of civil_servant (ambtenaar)",
                )
            })
    }
}

/// What kind of answer an item takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A statement answered from 1 (fully disagree) to 5 (fully agree).
    Likert,
    /// An open comment.
    Open,
}

impl ItemKind {
    pub const ALL: [ItemKind; 2] = [ItemKind::Likert, ItemKind::Open];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Likert => "likert",
            ItemKind::Open => "open",
        }
    }

    pub fn parse(s: &str) -> Result<ItemKind, Invalid> {
        parse_enum(
            "kind",
            s,
            &ItemKind::ALL,
            ItemKind::as_str,
            "moet likert of open zijn",
        )
    }
}

/// A survey item: a Likert item must name a dimension of the framework; an open item may.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemDraft {
    pub dimension_key: Option<String>,
    pub kind: ItemKind,
    pub text: String,
}

impl ItemDraft {
    pub fn parse(fw: &Framework, dimension: &str, kind: &str, body: &str) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let kind = c.take(ItemKind::parse(kind));
        let text = c.take(text("text", body, 500));
        let dim = dimension.trim();
        let dimension_key = if dim.is_empty() {
            if kind == Some(ItemKind::Likert) {
                c.take::<()>(Err(Invalid::one(
                    "dimension",
                    "required",
                    "een stelling hoort bij een dimensie",
                )));
            }
            None
        } else if fw.dimension(dim).is_some() {
            Some(dim.to_string())
        } else {
            c.take::<()>(Err(Invalid::one(
                "dimension",
                "unknown",
                "geen dimensie van het kader van deze ronde",
            )));
            None
        };
        c.finish()?;
        Ok(ItemDraft {
            dimension_key,
            kind: kind.unwrap_or(ItemKind::Open),
            text: text.unwrap_or_default(),
        })
    }
}

/// The themes IPO's study measured besides the dimensions' own statements, each a statement
/// under the dimension it speaks to: the vision known, a data lab, awareness sessions, and
/// cooperation with citizens and with other governments.
pub const THEME_ITEMS: [(&str, &str); 5] = [
    (
        "vision",
        "Ik ken de visie van onze organisatie op data en digitalisering.",
    ),
    (
        "innovation",
        "Onze organisatie heeft een datalab of een team dat met data experimenteert en analyses maakt.",
    ),
    (
        "people",
        "In het afgelopen jaar waren er bewustwordingssessies over data en digitalisering waaraan ik kon deelnemen.",
    ),
    (
        "collaboration",
        "Wij betrekken inwoners bij vraagstukken over data en digitalisering.",
    ),
    (
        "collaboration",
        "Wij delen data en voorzieningen met andere overheden.",
    ),
];

/// The items a round starts with: one statement per dimension, the theme statements whose
/// dimension the framework has, and one open question.
pub fn default_items(fw: &Framework) -> Vec<ItemDraft> {
    let mut items: Vec<ItemDraft> = fw
        .dimensions
        .iter()
        .map(|d| ItemDraft {
            dimension_key: Some(d.key.clone()),
            kind: ItemKind::Likert,
            text: d.statement.clone(),
        })
        .collect();
    items.extend(
        THEME_ITEMS
            .iter()
            .filter(|(key, _)| fw.dimension(key).is_some())
            .map(|(key, text)| ItemDraft {
                dimension_key: Some((*key).to_string()),
                kind: ItemKind::Likert,
                text: (*text).to_string(),
            }),
    );
    items.push(ItemDraft {
        dimension_key: None,
        kind: ItemKind::Open,
        text: "Wilt u uw antwoorden toelichten, of iets toevoegen over digitalisering in uw organisatie?".into(),
    });
    items
}

/// A coded passage: a piece of a document or interview, the dimension and level it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeDraft {
    pub dimension_key: String,
    pub level: i64,
    pub passage: String,
    pub note: String,
}

impl CodeDraft {
    pub fn parse(
        fw: &Framework,
        dimension: &str,
        level: &str,
        passage: &str,
        note: &str,
    ) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let dim = dimension.trim();
        if fw.dimension(dim).is_none() {
            c.take::<()>(Err(Invalid::one(
                "dimension",
                "unknown",
                "kies een dimensie van het kader",
            )));
        }
        let level = c.take(
            level
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|l| (1..=5).contains(l))
                .ok_or_else(|| Invalid::one("level", "range", "kies een niveau van 1 tot 5")),
        );
        let passage = c.take(text("passage", passage, 5000));
        let note = note.trim();
        if note.chars().count() > 2000 {
            c.take::<()>(Err(Invalid::one(
                "note",
                "too_long",
                "mag hoogstens 2000 tekens zijn",
            )));
        }
        c.finish()?;
        Ok(CodeDraft {
            dimension_key: dim.to_string(),
            level: level.unwrap_or(1),
            passage: passage.unwrap_or_default(),
            note: note.to_string(),
        })
    }
}

/// One survey answer set as submitted: a Likert value (1–5) per item id, and comments.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answers {
    pub likert: Vec<(String, i64)>,
    pub comments: Vec<(String, String)>,
}

impl Answers {
    /// Checks submitted answers against the round's items (id, kind). Unknown items and
    /// values out of range are refused; items may be skipped, but not all of them.
    pub fn parse(
        items: &[(String, ItemKind)],
        raw: &[(String, String)],
    ) -> Result<Answers, Invalid> {
        let mut c = Collector::default();
        let mut a = Answers::default();
        for (id, value) in raw {
            let v = value.trim();
            if v.is_empty() {
                continue;
            }
            let field = format!("item_{id}");
            match items.iter().find(|(i, _)| i == id).map(|(_, k)| *k) {
                Some(ItemKind::Likert) => match v.parse::<i64>() {
                    Ok(n) if (1..=5).contains(&n) => a.likert.push((id.clone(), n)),
                    _ => {
                        c.take::<()>(Err(Invalid::one(&field, "range", "kies 1 tot 5")));
                    }
                },
                Some(ItemKind::Open) => {
                    if let Some(t) = c.take(text(&field, v, 5000)) {
                        a.comments.push((id.clone(), t));
                    }
                }
                None => {
                    c.take::<()>(Err(Invalid::one(&field, "unknown", "onbekende vraag")));
                }
            }
        }
        if a.likert.is_empty() && a.comments.is_empty() {
            c.take::<()>(Err(Invalid::one(
                "answers",
                "required",
                "beantwoord minstens één vraag",
            )));
        }
        c.finish()?;
        Ok(a)
    }
}

/// A survey figure that passed the anonymity threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    /// Number of respondents behind the figure.
    pub n: i64,
    pub mean: f64,
    /// How many answered 1, 2, 3, 4 and 5.
    pub distribution: [i64; 5],
}

/// Aggregates one value per respondent (each 1–5), or `None` when fewer than `min`
/// respondents answered: below the threshold there is no figure, not even a count.
pub fn aggregate(values: &[i64], min: i64) -> Option<Aggregate> {
    let n = values.len() as i64;
    if n == 0 || n < min {
        return None;
    }
    let mut distribution = [0; 5];
    for v in values {
        distribution[(v.clamp(&1, &5) - 1) as usize] += 1;
    }
    Some(Aggregate {
        n,
        mean: values.iter().sum::<i64>() as f64 / n as f64,
        distribution,
    })
}

/// Per respondent, the mean of their Likert answers on one dimension; respondents who
/// answered none of its items are left out. Input: (respondent id, value) pairs.
pub fn respondent_means(answers: &[(String, i64)]) -> Vec<f64> {
    let mut by: Vec<(String, i64, i64)> = Vec::new();
    for (r, v) in answers {
        match by.iter_mut().find(|(id, _, _)| id == r) {
            Some(e) => {
                e.1 += v;
                e.2 += 1;
            }
            None => by.push((r.clone(), *v, 1)),
        }
    }
    by.into_iter()
        .map(|(_, sum, n)| sum as f64 / n as f64)
        .collect()
}

/// The survey component of a dimension: the mean over respondents of each respondent's mean
/// on the dimension's items, and how many respondents that is; `None` below the threshold.
pub fn survey_component(answers: &[(String, i64)], min: i64) -> Option<(f64, i64)> {
    let means = respondent_means(answers);
    let n = means.len() as i64;
    if n == 0 || n < min {
        return None;
    }
    Some((means.iter().sum::<f64>() / n as f64, n))
}

/// The mean of coded levels, or `None` without codes.
pub fn coded_component(levels: &[i64]) -> Option<f64> {
    (!levels.is_empty()).then(|| levels.iter().sum::<i64>() as f64 / levels.len() as f64)
}

/// The score of one organisation on one dimension, with the parts it is made of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// The weighted score 1–5, or `None` when no source has evidence.
    pub score: Option<f64>,
    /// The level the score rounds to (1–5).
    pub level: Option<i64>,
    pub survey: Option<f64>,
    pub documents: Option<f64>,
    pub interviews: Option<f64>,
    /// The weights actually applied, after leaving out sources without evidence (sum 1).
    pub applied: Weights,
}

/// The scoring method, as shown beside every score.
pub const METHOD: &str = "Per dimensie drie bronnen, elk op de schaal 1–5: de enquête (het gemiddelde over respondenten van ieders gemiddelde op de stellingen van de dimensie, alleen vanaf het minimumaantal respondenten), documenten (het gemiddelde niveau van de gecodeerde passages) en interviews (idem). De score is het gewogen gemiddelde van de bronnen die er zijn, met de gewichten van de ronde; een bron zonder gegevens valt weg en de andere gewichten worden naar verhouding opgeschaald. Het niveau is de score afgerond op een heel getal (x,5 naar boven).";

/// Combines the three components with the round's weights. Sources without evidence (or
/// with weight 0) drop out and the remaining weights are rescaled to add up to one.
pub fn score(
    survey: Option<f64>,
    documents: Option<f64>,
    interviews: Option<f64>,
    w: &Weights,
) -> Score {
    let parts = [
        (survey, w.survey),
        (documents, w.documents),
        (interviews, w.interviews),
    ];
    let total: f64 = parts
        .iter()
        .filter(|(v, _)| v.is_some())
        .map(|(_, w)| *w)
        .sum();
    let share = |v: Option<f64>, w: f64| {
        if v.is_some() && total > 0.0 {
            w / total
        } else {
            0.0
        }
    };
    let applied = Weights {
        survey: share(survey, w.survey),
        documents: share(documents, w.documents),
        interviews: share(interviews, w.interviews),
    };
    let value = (total > 0.0).then(|| {
        parts
            .iter()
            .filter_map(|(v, w)| v.map(|v| v * w))
            .sum::<f64>()
            / total
    });
    Score {
        score: value,
        level: value.map(level_of),
        survey,
        documents,
        interviews,
        applied,
    }
}

/// The level a score rounds to: half up, within 1–5.
pub fn level_of(score: f64) -> i64 {
    ((score + 1e-9).round() as i64).clamp(1, 5)
}

/// Anonymous labels for a benchmark: `prefix A`, `prefix B`, … assigned in an order that
/// follows a keyed hash of each id, so neither the names nor the order of entry nor the
/// scores can be read from the labels. Returns (id, label) sorted by label.
pub fn anonymous_labels(key: &str, ids: &[String], prefix: &str) -> Vec<(String, String)> {
    let mut keyed: Vec<(String, String)> = ids
        .iter()
        .map(|id| {
            let h = Sha256::digest(format!("{key}\u{0}{id}").as_bytes());
            let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
            (hex, id.clone())
        })
        .collect();
    keyed.sort();
    keyed
        .into_iter()
        .enumerate()
        .map(|(i, (_, id))| (id, format!("{prefix} {}", letters(i))))
        .collect()
}

/// A, B, …, Z, AA, AB, …
fn letters(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn a_round_is_titled_with_its_year_once() {
        assert_eq!(round_title("Meting 2024", 2024), "Meting 2024");
        assert_eq!(
            round_title("Meting 2024 (proef)", 2024),
            "Meting 2024 (proef)"
        );
        assert_eq!(
            round_title("Volwassenheidsmeting", 2025),
            "Volwassenheidsmeting (2025)"
        );
        // Another number, or the year inside a longer one, is not the year.
        assert_eq!(round_title("Meting 2024", 2025), "Meting 2024 (2025)");
        assert_eq!(round_title("Ronde 120245", 2024), "Ronde 120245 (2024)");
    }

    #[test]
    fn the_default_framework_is_valid() {
        let fw = default_framework().validate().unwrap();
        assert_eq!(fw.dimensions.len(), 10);
        assert!(fw.dimensions.iter().all(|d| d.levels.len() == 5));
        // Ten statements, five theme statements and the open question.
        assert_eq!(default_items(&fw).len(), 16);
        let mut other = fw.clone();
        other.dimensions.retain(|d| d.key != "collaboration");
        assert_eq!(default_items(&other).len(), 9 + 3 + 1);
    }

    #[test]
    fn framework_problems_are_all_listed() {
        let mut fw = default_framework();
        fw.dimensions[1].key = "vision".into();
        fw.dimensions[2].levels.pop();
        fw.dimensions[3].name = " ".into();
        let errs = fw.validate().unwrap_err().0;
        let names: Vec<_> = errs.iter().map(|e| e.name.as_str()).collect();
        assert!(names.contains(&"dimensions[1].key"), "{names:?}");
        assert!(names.contains(&"dimensions[2].levels"), "{names:?}");
        assert!(names.contains(&"dimensions[3].name"), "{names:?}");
    }

    #[test]
    fn the_threshold_hides_small_groups() {
        assert_eq!(aggregate(&[4, 4, 5, 3], 5), None);
        let a = aggregate(&[4, 4, 5, 3, 1], 5).unwrap();
        assert_eq!(a.n, 5);
        assert!((a.mean - 3.4).abs() < 1e-9);
        assert_eq!(a.distribution, [1, 0, 1, 2, 1]);
        assert_eq!(aggregate(&[], 0), None);
    }

    #[test]
    fn survey_component_averages_respondents_first() {
        // r1 answers 2 and 4 (mean 3), r2 answers 5 once: (3 + 5) / 2 = 4.
        let a = vec![("r1".into(), 2), ("r1".into(), 4), ("r2".into(), 5)];
        assert_eq!(survey_component(&a, 2), Some((4.0, 2)));
        assert_eq!(survey_component(&a, 3), None);
    }

    #[test]
    fn scores_by_hand() {
        let w = Weights::default(); // 0.5 / 0.25 / 0.25
        // All three: 0.5*4 + 0.25*2 + 0.25*3 = 3.25 → level 3.
        let s = score(Some(4.0), Some(2.0), Some(3.0), &w);
        assert!((s.score.unwrap() - 3.25).abs() < 1e-9);
        assert_eq!(s.level, Some(3));
        // Without the survey: documents and interviews 0.5 each: (2 + 3) / 2 = 2.5 → 3.
        let s = score(None, Some(2.0), Some(3.0), &w);
        assert!((s.score.unwrap() - 2.5).abs() < 1e-9);
        assert_eq!(s.level, Some(3));
        assert!((s.applied.documents - 0.5).abs() < 1e-9);
        assert_eq!(s.applied.survey, 0.0);
        // Weights 2/1/0 with only survey 4.6 and interviews: interviews weigh 0, so 4.6.
        let w = Weights::parse("2", "1", "0").unwrap();
        let s = score(Some(4.6), None, Some(1.0), &w);
        assert!((s.score.unwrap() - 4.6).abs() < 1e-9);
        assert_eq!(s.level, Some(5));
        // Nothing: no score.
        let s = score(None, None, None, &w);
        assert_eq!((s.score, s.level), (None, None));
        // Codes 1, 2, 2 → 5/3.
        assert!((coded_component(&[1, 2, 2]).unwrap() - 5.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn levels_round_half_up() {
        assert_eq!(level_of(2.5), 3);
        assert_eq!(level_of(2.49), 2);
        assert_eq!(level_of(0.2), 1);
        assert_eq!(level_of(5.4), 5);
        assert_eq!(level_key(4), "embedded");
    }

    #[test]
    fn weights_and_rounds_validate() {
        assert!(Weights::parse("0", "0", "0").is_err());
        assert_eq!(Weights::parse("x", "-1", "1").unwrap_err().0.len(), 2);
        let r = RoundDraft::parse("Meting 2026", "2026", "", Weights::parse("1", "1", "1"));
        assert_eq!(r.unwrap().min_respondents, 5);
        let e = RoundDraft::parse("", "1800", "1", Weights::parse("1", "1", "1")).unwrap_err();
        assert_eq!(e.0.len(), 3);
    }

    #[test]
    fn answers_are_checked_against_the_items() {
        let items = vec![
            ("a".to_string(), ItemKind::Likert),
            ("b".to_string(), ItemKind::Open),
        ];
        let ok = Answers::parse(
            &items,
            &[("a".into(), "4".into()), ("b".into(), "Goed bezig".into())],
        )
        .unwrap();
        assert_eq!(ok.likert, vec![("a".to_string(), 4)]);
        assert!(Answers::parse(&items, &[("a".into(), "6".into())]).is_err());
        assert!(Answers::parse(&items, &[("zzz".into(), "3".into())]).is_err());
        assert!(Answers::parse(&items, &[("a".into(), " ".into())]).is_err());
    }

    #[test]
    fn codes_and_items_name_known_dimensions() {
        let fw = default_framework();
        assert!(CodeDraft::parse(&fw, "data", "3", "Wij hebben een catalogus.", "").is_ok());
        assert_eq!(
            CodeDraft::parse(&fw, "nope", "9", "", "")
                .unwrap_err()
                .0
                .len(),
            3
        );
        assert!(ItemDraft::parse(&fw, "", "likert", "Stelling").is_err());
        assert!(ItemDraft::parse(&fw, "", "open", "Vraag").is_ok());
    }

    #[test]
    fn an_interviewee_is_a_board_member_or_a_civil_servant() {
        assert_eq!(IntervieweeRole::parse(""), Ok(None));
        assert_eq!(
            IntervieweeRole::parse(" executive "),
            Ok(Some(IntervieweeRole::Executive))
        );
        for r in IntervieweeRole::ALL {
            assert_eq!(IntervieweeRole::parse(r.as_str()), Ok(Some(r)));
        }
        assert!(IntervieweeRole::parse("burger").is_err());
    }

    #[test]
    fn anonymous_labels_hide_order_and_identity() {
        let ids: Vec<String> = (0..12).map(|i| format!("org{i}")).collect();
        let a = anonymous_labels("k1", &ids, "Provincie");
        assert_eq!(a.len(), 12);
        assert_eq!(a[0].1, "Provincie A");
        assert_eq!(a[11].1, "Provincie L");
        let order: Vec<&String> = a.iter().map(|(id, _)| id).collect();
        assert_ne!(
            order,
            ids.iter().collect::<Vec<_>>(),
            "not the order of entry"
        );
        let b = anonymous_labels("k2", &ids, "Provincie");
        assert_ne!(a, b, "another key gives another assignment");
        assert_eq!(letters(26), "AA");
    }

    #[test]
    fn participants_take_an_optional_cbs_code() {
        let p = ParticipantDraft::parse("Provincie Utrecht", "pv26").unwrap();
        assert_eq!(p.cbs_code.as_deref(), Some("PV26"));
        assert!(ParticipantDraft::parse("X", "").unwrap().cbs_code.is_none());
        assert!(ParticipantDraft::parse("X", "XX1").is_err());
    }
}
