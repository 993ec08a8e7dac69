//! A programme's leadership model (the dimensions and their levels) and target groups, the
//! participants' self-assessment on that model at the start and at the end, and the movement
//! the programme shows from it — only for a dimension that enough participants assessed at
//! both moments, so nobody's own answer can be read from the figures.

use crate::error::{Collector, Invalid, text};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The levels of a leadership model that names none.
pub const DEFAULT_LEVELS: [&str; 4] = ["Bewust", "Verkennend", "Toepassend", "Leidend"];
/// The target groups a new programme is offered (the coordinator may change them).
pub const DEFAULT_TARGET_GROUPS: [&str; 4] = [
    "Leidinggevenden",
    "Beleidsmakers",
    "Uitvoerders",
    "Ondersteuners",
];
/// The fewest participants with both a start and an end assessment of a dimension before the
/// programme shows its movement.
pub const MIN_GROUP: usize = 5;
/// The most levels a model may have.
pub const MAX_LEVELS: usize = 7;
/// The most target groups a programme may have.
pub const MAX_TARGET_GROUPS: usize = 12;

/// Distinct non-empty lines, each checked as a short text under `name`.
fn lines(c: &mut Collector, name: &str, raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in raw.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(v) = c.take(text(name, line, 100))
            && !out.contains(&v)
        {
            out.push(v);
        }
    }
    out
}

/// A model's levels, lowest first, one per line; none given means [`DEFAULT_LEVELS`].
pub fn parse_levels(c: &mut Collector, raw: &str) -> Vec<String> {
    let levels = lines(c, "levels", raw);
    if levels.is_empty() {
        return DEFAULT_LEVELS.iter().map(|s| s.to_string()).collect();
    }
    if !(2..=MAX_LEVELS).contains(&levels.len()) {
        c.take::<()>(Err(Invalid::one(
            "levels",
            "count",
            &format!("geef 2 tot en met {MAX_LEVELS} niveaus, een per regel"),
        )));
    }
    levels
}

/// A programme's target groups, one per line; none is allowed.
pub fn parse_target_groups(c: &mut Collector, raw: &str) -> Vec<String> {
    let groups = lines(c, "targetGroups", raw);
    if groups.len() > MAX_TARGET_GROUPS {
        c.take::<()>(Err(Invalid::one(
            "targetGroups",
            "too_many",
            &format!("hoogstens {MAX_TARGET_GROUPS} doelgroepen"),
        )));
    }
    groups
}

/// A target group chosen for a participant or a session: empty (none: a session for
/// everyone) or one of the programme's.
pub fn target_group(name: &str, raw: &str, groups: &[String]) -> Result<String, Invalid> {
    let raw = raw.trim();
    if raw.is_empty() || groups.iter().any(|g| g == raw) {
        Ok(raw.to_string())
    } else {
        Err(Invalid::one(
            name,
            "unknown",
            "kies een doelgroep van deze leergang",
        ))
    }
}

/// Whether a live session (for `session_group`, empty for everyone) is one the participant
/// (in `participant_group`) is expected at.
pub fn session_applies(session_group: &str, participant_group: &str) -> bool {
    session_group.is_empty() || session_group == participant_group
}

/// What the current model is used by, so a change cannot take the ground from under it.
#[derive(Debug, Clone, Default)]
pub struct ModelUse<'a> {
    /// (module title, its dimension) for every module of the programme.
    pub modules: Vec<(&'a str, &'a str)>,
    /// The target groups participants or sessions are in.
    pub target_groups: Vec<&'a str>,
    /// Whether anyone has assessed themselves on the model yet.
    pub assessed: bool,
}

/// Checks a change of the model: a dimension a module covers stays, a target group in use
/// stays, and once anyone assessed themselves the number of levels stays (their answers
/// are levels by number); the levels may be renamed.
pub fn check_model_change(
    c: &mut Collector,
    used: &ModelUse<'_>,
    old_levels: usize,
    dimensions: &[String],
    levels: &[String],
    target_groups: &[String],
) {
    for (title, dimension) in &used.modules {
        if !dimension.is_empty() && !dimensions.iter().any(|d| d == dimension) {
            c.take::<()>(Err(Invalid::one(
                "dimensions",
                "in_use",
                &format!(
                    "‘{dimension}’ is de dimensie van module ‘{title}’; kies daar eerst een andere"
                ),
            )));
        }
    }
    let mut named: Vec<&str> = used.target_groups.clone();
    named.sort_unstable();
    named.dedup();
    for group in named {
        if !group.is_empty() && !target_groups.iter().any(|g| g == group) {
            c.take::<()>(Err(Invalid::one(
                "targetGroups",
                "in_use",
                &format!("doelgroep ‘{group}’ heeft deelnemers of sessies"),
            )));
        }
    }
    if used.assessed && levels.len() != old_levels {
        c.take::<()>(Err(Invalid::one(
            "levels",
            "assessed",
            &format!(
                "er zijn al zelfscans op {old_levels} niveaus; geef weer {old_levels} niveaus (andere namen mag)"
            ),
        )));
    }
}

/// When a participant assesses themselves: at the start or at the end of the programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Moment {
    Start,
    End,
}

impl Moment {
    pub const ALL: [Moment; 2] = [Moment::Start, Moment::End];

    pub fn as_str(self) -> &'static str {
        match self {
            Moment::Start => "start",
            Moment::End => "end",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "start" => Ok(Moment::Start),
            "end" => Ok(Moment::End),
            _ => Err(Invalid::one(
                "moment",
                "unknown",
                "kies de beginmeting (start) of de eindmeting (end)",
            )),
        }
    }
}

/// A participant's validated self-assessment at one moment: a level (1 = the lowest) for
/// every dimension of the model, in the model's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfAssessment {
    pub moment: Moment,
    pub levels: Vec<(String, u32)>,
}

impl SelfAssessment {
    /// `answers` maps a dimension to the level chosen (a number from 1 to the number of
    /// levels). Every dimension needs one; a dimension the model lacks is refused; the end
    /// comes after the start (`has_start`).
    pub fn parse(
        dimensions: &[String],
        levels: usize,
        moment: &str,
        answers: &BTreeMap<String, String>,
        has_start: bool,
    ) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let moment = c.take(Moment::parse(moment));
        if dimensions.is_empty() {
            c.take::<()>(Err(Invalid::one(
                "levels",
                "no_model",
                "deze leergang heeft geen dimensies om uzelf op in te schatten",
            )));
        }
        if moment == Some(Moment::End) && !has_start {
            c.take::<()>(Err(Invalid::one(
                "moment",
                "start_first",
                "vul eerst de beginmeting in",
            )));
        }
        for d in answers.keys().filter(|d| !dimensions.contains(d)) {
            c.take::<()>(Err(Invalid::one(
                "levels",
                "unknown",
                &format!("‘{d}’ is geen dimensie van deze leergang"),
            )));
        }
        let mut chosen = Vec::new();
        for d in dimensions {
            match answers.get(d).map(|v| v.trim().parse::<u32>()) {
                Some(Ok(n)) if (1..=levels as u32).contains(&n) => chosen.push((d.clone(), n)),
                _ => {
                    c.take::<()>(Err(Invalid::one(
                        "levels",
                        "level",
                        &format!("kies een niveau van 1 tot en met {levels} voor ‘{d}’"),
                    )));
                }
            }
        }
        c.finish()?;
        Ok(SelfAssessment {
            moment: moment.unwrap_or(Moment::Start),
            levels: chosen,
        })
    }
}

/// One answer as stored: a participant's level on a dimension at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    pub participant_id: String,
    pub moment: Moment,
    pub dimension: String,
    pub level: u32,
}

/// The movement on one dimension over the programme's participants.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Movement {
    pub dimension: String,
    /// How many assessed this dimension at the start, and at the end.
    pub started: usize,
    pub ended: usize,
    /// How many did both: the group the figures below are over.
    pub pairs: usize,
    /// The average level at the start and at the end over those pairs, and the change;
    /// `None` while fewer than [`MIN_GROUP`] did both.
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub change: Option<f64>,
    /// The share of those pairs (percent) who rose at least one level.
    pub rose: Option<u32>,
}

/// The movement per dimension, in the model's order. A dimension's figures are over the
/// participants who assessed it at both moments, and shown only when there are at least
/// `min_group` of them; the counts are always shown.
pub fn movement(dimensions: &[String], scores: &[Score], min_group: usize) -> Vec<Movement> {
    let mut by: HashMap<(&str, &str), [Option<u32>; 2]> = HashMap::new();
    for s in scores {
        let slot = by
            .entry((s.dimension.as_str(), s.participant_id.as_str()))
            .or_default();
        slot[usize::from(s.moment == Moment::End)] = Some(s.level);
    }
    dimensions
        .iter()
        .map(|d| {
            let mine: Vec<&[Option<u32>; 2]> = by
                .iter()
                .filter(|((dim, _), _)| dim == d)
                .map(|(_, v)| v)
                .collect();
            let pairs: Vec<(u32, u32)> = mine
                .iter()
                .filter_map(|[s, e]| Some(((*s)?, (*e)?)))
                .collect();
            let shown = pairs.len() >= min_group.max(1);
            let n = pairs.len() as f64;
            let avg = |f: fn(&(u32, u32)) -> u32| {
                shown.then(|| pairs.iter().map(|p| f64::from(f(p))).sum::<f64>() / n)
            };
            let (start, end) = (avg(|p| p.0), avg(|p| p.1));
            Movement {
                dimension: d.clone(),
                started: mine.iter().filter(|v| v[0].is_some()).count(),
                ended: mine.iter().filter(|v| v[1].is_some()).count(),
                pairs: pairs.len(),
                change: start.zip(end).map(|(s, e)| e - s),
                rose: shown.then(|| {
                    let up = pairs.iter().filter(|(s, e)| e > s).count();
                    ((up * 200 + pairs.len()) / (2 * pairs.len())) as u32
                }),
                start,
                end,
            }
        })
        .collect()
}

/// A participant's own assessment side by side: per dimension the level at the start and at
/// the end, when given.
pub fn own(dimensions: &[String], scores: &[Score]) -> Vec<(String, [Option<u32>; 2])> {
    dimensions
        .iter()
        .map(|d| {
            let mut both = [None, None];
            for s in scores.iter().filter(|s| &s.dimension == d) {
                both[usize::from(s.moment == Moment::End)] = Some(s.level);
            }
            (d.clone(), both)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims() -> Vec<String> {
        vec!["Visie".into(), "Data".into()]
    }

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A first self-assessment of the test dimensions (levels 1 to 4) with these answers.
    fn at_start(levels: &[(&str, &str)]) -> Result<SelfAssessment, Invalid> {
        SelfAssessment::parse(&dims(), 4, "start", &answers(levels), false)
    }

    fn fields(e: Invalid) -> Vec<(String, String)> {
        e.0.into_iter().map(|f| (f.name, f.reason)).collect()
    }

    #[test]
    fn a_self_assessment_needs_a_level_for_every_dimension() {
        let a = at_start(&[("Visie", "2"), ("Data", " 4 ")]).unwrap();
        assert_eq!(a.moment, Moment::Start);
        assert_eq!(a.levels, vec![("Visie".into(), 2), ("Data".into(), 4)]);

        let e = at_start(&[("Visie", "5"), ("Anders", "1")]).unwrap_err();
        let f = fields(e);
        assert!(f.contains(&(
            "levels".into(),
            "‘Anders’ is geen dimensie van deze leergang".into()
        )));
        assert!(f.contains(&(
            "levels".into(),
            "kies een niveau van 1 tot en met 4 voor ‘Visie’".into()
        )));
        assert!(f.contains(&(
            "levels".into(),
            "kies een niveau van 1 tot en met 4 voor ‘Data’".into()
        )));
        for bad in ["0", "-1", "twee", ""] {
            assert!(at_start(&[("Visie", bad), ("Data", "1")]).is_err());
        }
    }

    #[test]
    fn the_end_comes_after_the_start_and_a_model_is_needed() {
        let ok = answers(&[("Visie", "1"), ("Data", "1")]);
        let e = SelfAssessment::parse(&dims(), 4, "end", &ok, false).unwrap_err();
        assert_eq!(
            fields(e),
            vec![("moment".into(), "vul eerst de beginmeting in".into())]
        );
        assert_eq!(
            SelfAssessment::parse(&dims(), 4, "end", &ok, true)
                .unwrap()
                .moment,
            Moment::End
        );
        assert!(SelfAssessment::parse(&dims(), 4, "halverwege", &ok, true).is_err());
        let e = SelfAssessment::parse(&[], 4, "start", &BTreeMap::new(), false).unwrap_err();
        assert_eq!(fields(e)[0].0, "levels");
    }

    fn score(p: usize, moment: Moment, dimension: &str, level: u32) -> Score {
        Score {
            participant_id: format!("p{p}"),
            moment,
            dimension: dimension.into(),
            level,
        }
    }

    #[test]
    fn movement_is_shown_only_over_enough_pairs() {
        let mut scores = Vec::new();
        // Five did Visie at both moments: 1→2, 2→2, 2→3, 3→4, 1→3.
        for (p, (s, e)) in [(1, 2), (2, 2), (2, 3), (3, 4), (1, 3)]
            .into_iter()
            .enumerate()
        {
            scores.push(score(p, Moment::Start, "Visie", s));
            scores.push(score(p, Moment::End, "Visie", e));
        }
        // A sixth only started; on Data four did both.
        scores.push(score(9, Moment::Start, "Visie", 4));
        for p in 0..4 {
            scores.push(score(p, Moment::Start, "Data", 1));
            scores.push(score(p, Moment::End, "Data", 4));
        }
        let m = movement(&dims(), &scores, MIN_GROUP);
        assert_eq!(m[0].dimension, "Visie");
        assert_eq!((m[0].started, m[0].ended, m[0].pairs), (6, 5, 5));
        assert_eq!(m[0].start, Some(1.8));
        assert_eq!(m[0].end, Some(2.8));
        assert!((m[0].change.unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(m[0].rose, Some(80));
        // Four pairs are too few: counts, no figures.
        assert_eq!((m[1].started, m[1].ended, m[1].pairs), (4, 4, 4));
        assert_eq!(
            (m[1].start, m[1].end, m[1].change, m[1].rose),
            (None, None, None, None)
        );
    }

    #[test]
    fn a_participant_sees_their_own_levels_side_by_side() {
        let s = vec![
            score(1, Moment::Start, "Data", 2),
            score(1, Moment::End, "Data", 3),
            score(1, Moment::Start, "Visie", 1),
        ];
        assert_eq!(
            own(&dims(), &s),
            vec![
                ("Visie".to_string(), [Some(1), None]),
                ("Data".to_string(), [Some(2), Some(3)])
            ]
        );
    }

    #[test]
    fn levels_and_target_groups_are_lines() {
        let mut c = Collector::default();
        assert_eq!(parse_levels(&mut c, "  \n"), DEFAULT_LEVELS.to_vec());
        assert_eq!(
            parse_levels(&mut c, "Laag\nHoog\nLaag"),
            vec!["Laag", "Hoog"]
        );
        assert!(c.finish().is_ok());
        let mut c = Collector::default();
        parse_levels(&mut c, "Enig");
        assert_eq!(fields(c.finish().unwrap_err())[0].0, "levels");
        let mut c = Collector::default();
        assert!(parse_target_groups(&mut c, "").is_empty());
        parse_target_groups(
            &mut c,
            &(0..13).map(|i| format!("g{i}\n")).collect::<String>(),
        );
        assert_eq!(fields(c.finish().unwrap_err())[0].0, "targetGroups");
        let groups = vec!["Beleidsmakers".to_string()];
        assert_eq!(
            target_group("t", " Beleidsmakers ", &groups).unwrap(),
            "Beleidsmakers"
        );
        assert_eq!(target_group("t", "", &groups).unwrap(), "");
        assert!(target_group("t", "Iedereen", &groups).is_err());
        assert!(session_applies("", "Uitvoerders"));
        assert!(session_applies("Uitvoerders", "Uitvoerders"));
        assert!(!session_applies("Beleidsmakers", "Uitvoerders"));
        assert!(!session_applies("Beleidsmakers", ""));
    }

    #[test]
    fn a_model_change_keeps_what_is_in_use() {
        let used = ModelUse {
            modules: vec![("Module 1", "Visie"), ("Module 2", "")],
            target_groups: vec!["Uitvoerders", "Uitvoerders", ""],
            assessed: true,
        };
        let mut c = Collector::default();
        let four: Vec<String> = DEFAULT_LEVELS.iter().map(|s| s.to_string()).collect();
        check_model_change(
            &mut c,
            &used,
            4,
            &["Visie".into(), "Nieuw".into()],
            &four,
            &["Uitvoerders".into()],
        );
        assert!(
            c.finish().is_ok(),
            "adding a dimension and renaming nothing is fine"
        );
        let mut c = Collector::default();
        check_model_change(&mut c, &used, 4, &["Data".into()], &four[..3], &[]);
        let f = fields(c.finish().unwrap_err());
        let named: Vec<&str> = f.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(named, vec!["dimensions", "targetGroups", "levels"]);
        assert!(f[0].1.contains("Module 1"));
        // Before anyone assessed, the number of levels may change.
        let mut c = Collector::default();
        check_model_change(&mut c, &ModelUse::default(), 4, &[], &four[..2], &[]);
        assert!(c.finish().is_ok());
    }
}
