//! Organisations: provinces, municipalities, water boards, umbrella bodies (such as IPO, of the
//! provinces) and others, identified by their
//! CBS code (PV26, GM0344, WS0155) and their TOOI code (the government's organisation
//! identifiers, e.g. `https://identifier.overheid.nl/tooi/id/provincie/pv26`).

use crate::error::{Collector, Invalid, text};
use serde::{Deserialize, Serialize};

/// The kind of public organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Province,
    Municipality,
    WaterBoard,
    /// An umbrella body of other organisations (IPO, VNG, Unie van Waterschappen): it lists its
    /// member organisations and runs studies across them.
    Umbrella,
    Other,
}

impl OrgKind {
    pub const ALL: [OrgKind; 5] = [
        OrgKind::Province,
        OrgKind::Municipality,
        OrgKind::WaterBoard,
        OrgKind::Umbrella,
        OrgKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Province => "province",
            OrgKind::Municipality => "municipality",
            OrgKind::WaterBoard => "water_board",
            OrgKind::Umbrella => "umbrella",
            OrgKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Invalid::one(
                    "kind",
                    "enum",
                    "moet province, municipality, water_board, umbrella of other zijn",
                )
            })
    }

    /// The CBS code prefix that organisations of this kind carry, if any.
    fn cbs_prefix(self) -> Option<&'static str> {
        match self {
            OrgKind::Province => Some("PV"),
            OrgKind::Municipality => Some("GM"),
            OrgKind::WaterBoard => Some("WS"),
            OrgKind::Umbrella | OrgKind::Other => None,
        }
    }

    /// The TOOI register this kind of organisation is listed in.
    fn tooi_register(self) -> &'static str {
        match self {
            OrgKind::Province => "provincie",
            OrgKind::Municipality => "gemeente",
            OrgKind::WaterBoard => "waterschap",
            OrgKind::Umbrella | OrgKind::Other => "oorg",
        }
    }
}

/// Whether an organisation of kind `member` may be listed as a member of one of kind
/// `umbrella` (`same`: they are one and the same): only an umbrella body has members, and its
/// members are the organisations it speaks for — not itself, not another umbrella body.
pub fn check_member(umbrella: OrgKind, member: OrgKind, same: bool) -> Result<(), Invalid> {
    if umbrella != OrgKind::Umbrella {
        Err(Invalid::one(
            "organisation",
            "not_umbrella",
            "alleen een koepelorganisatie heeft lidorganisaties",
        ))
    } else if same || member == OrgKind::Umbrella {
        Err(Invalid::one(
            "code",
            "not_member",
            "een lidorganisatie is een provincie, gemeente, waterschap of andere organisatie, niet een koepel",
        ))
    } else {
        Ok(())
    }
}

/// A CBS region code: `PV` + 2 digits, `GM` + 4 digits or `WS` + 4 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CbsCode(String);

impl CbsCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim().to_ascii_uppercase();
        let digits = |n: usize| s.len() == 2 + n && s[2..].bytes().all(|b| b.is_ascii_digit());
        let ok = (s.starts_with("PV") && digits(2))
            || (s.starts_with("GM") && digits(4))
            || (s.starts_with("WS") && digits(4));
        if ok {
            Ok(CbsCode(s))
        } else {
            Err(Invalid::one(
                "cbsCode",
                "pattern",
                "moet de vorm PV26, GM0344 of WS0155 hebben",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A TOOI organisation code such as `pv26`, `gm0344`, `ws0155` or `oorg10103`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TooiCode(String);

impl TooiCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim().to_ascii_lowercase();
        let (prefix, rest) = s.split_at(s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len()));
        let ok = matches!(prefix, "pv" | "gm" | "ws" | "oorg" | "mnre" | "zbo")
            && !rest.is_empty()
            && rest.len() <= 8
            && rest.bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(TooiCode(s))
        } else {
            Err(Invalid::one(
                "tooiCode",
                "pattern",
                "moet een TOOI-code zijn, zoals pv26, gm0344 of oorg10103",
            ))
        }
    }

    /// The code that belongs to a CBS code (CBS and TOOI share the numbering).
    pub fn from_cbs(cbs: &CbsCode) -> Self {
        TooiCode(cbs.as_str().to_ascii_lowercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The persistent identifier URI of this organisation in TOOI.
    pub fn uri(&self, kind: OrgKind) -> String {
        format!(
            "https://identifier.overheid.nl/tooi/id/{}/{}",
            kind.tooi_register(),
            self.0
        )
    }
}

/// A validated organisation, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationDraft {
    pub name: String,
    pub kind: OrgKind,
    pub cbs_code: Option<CbsCode>,
    pub tooi_code: Option<TooiCode>,
}

impl OrganisationDraft {
    /// Validates raw input, reporting every problem at once. A CBS code must fit the kind
    /// (a province has a PV code); the TOOI code defaults to the one of the CBS code.
    pub fn parse(name: &str, kind: &str, cbs: &str, tooi: &str) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let name = c.take(text("name", name, 200));
        let kind = c.take(OrgKind::parse(kind));
        let cbs_code = if cbs.trim().is_empty() {
            Some(None)
        } else {
            c.take(CbsCode::parse(cbs)).map(Some)
        };
        let tooi_code = if tooi.trim().is_empty() {
            Some(None)
        } else {
            c.take(TooiCode::parse(tooi)).map(Some)
        };
        if let (Some(kind), Some(Some(code))) = (kind, &cbs_code) {
            let fits = kind
                .cbs_prefix()
                .is_some_and(|p| code.as_str().starts_with(p));
            if !fits {
                c.take::<()>(Err(Invalid::one(
                    "cbsCode",
                    "kind_mismatch",
                    "past niet bij het soort organisatie",
                )));
            }
        }
        c.build(|| {
            let cbs_code = cbs_code?;
            Some(OrganisationDraft {
                name: name?,
                kind: kind?,
                tooi_code: tooi_code?.or_else(|| cbs_code.as_ref().map(TooiCode::from_cbs)),
                cbs_code,
            })
        })
    }
}

/// The prefix by which other organisations query an organisation's public datasets, as
/// `<prefix>_<name>` (`pv26_gemeenten`): its CBS code in lower case, else `o` and eight hex
/// digits of `random`, drawn once when the organisation is made and then kept. A prefix
/// never holds `_`, so `<prefix>_<name>` names one dataset of one organisation; a drawn one
/// begins with `o` and a CBS code never does, so the two kinds never meet. The store keeps
/// prefixes unique (a drawn one that is taken is drawn again).
pub fn table_prefix(cbs_code: Option<&CbsCode>, random: u32) -> String {
    match cbs_code {
        Some(c) => c.as_str().to_ascii_lowercase(),
        None => format!("o{random:08x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_umbrella_body_has_members_and_they_are_not_umbrellas() {
        assert!(check_member(OrgKind::Umbrella, OrgKind::Province, false).is_ok());
        assert!(check_member(OrgKind::Umbrella, OrgKind::Other, false).is_ok());
        assert_eq!(
            check_member(OrgKind::Province, OrgKind::Province, false)
                .unwrap_err()
                .0[0]
                .code,
            "not_umbrella"
        );
        assert!(check_member(OrgKind::Umbrella, OrgKind::Umbrella, false).is_err());
        assert!(check_member(OrgKind::Umbrella, OrgKind::Municipality, true).is_err());
        assert_eq!(OrgKind::parse("umbrella").unwrap(), OrgKind::Umbrella);
    }
    use proptest::prelude::*;

    #[test]
    fn cbs_codes() {
        assert_eq!(CbsCode::parse("pv26").unwrap().as_str(), "PV26");
        assert_eq!(CbsCode::parse("GM0344").unwrap().as_str(), "GM0344");
        assert!(CbsCode::parse("GM344").is_err());
        assert!(CbsCode::parse("XX0344").is_err());
        assert!(CbsCode::parse("PV2a").is_err());
    }

    #[test]
    fn tooi_follows_cbs() {
        let d = OrganisationDraft::parse("Provincie Utrecht", "province", "PV26", "").unwrap();
        let tooi = d.tooi_code.unwrap();
        assert_eq!(tooi.as_str(), "pv26");
        assert_eq!(
            tooi.uri(OrgKind::Province),
            "https://identifier.overheid.nl/tooi/id/provincie/pv26"
        );
    }

    #[test]
    fn every_problem_is_listed() {
        let e = OrganisationDraft::parse("", "castle", "nope", "??").unwrap_err();
        let names: Vec<_> = e.0.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["name", "kind", "cbsCode", "tooiCode"]);
    }

    #[test]
    fn cbs_code_must_fit_kind() {
        let e = OrganisationDraft::parse("Utrecht", "municipality", "PV26", "").unwrap_err();
        assert_eq!(e.0[0].code, "kind_mismatch");
        assert!(OrganisationDraft::parse("Gemeente Utrecht", "municipality", "GM0344", "").is_ok());
    }

    #[test]
    fn table_prefixes_are_cbs_codes_or_drawn_and_never_meet() {
        let pv26 = CbsCode::parse("PV26").unwrap();
        assert_eq!(table_prefix(Some(&pv26), 7), "pv26");
        assert_eq!(table_prefix(None, 0x00c0ffee), "o00c0ffee");
        assert_ne!(table_prefix(None, 1), table_prefix(None, 2));
    }

    proptest! {
        #[test]
        fn a_table_prefix_has_no_underscore_and_drawn_ones_are_never_cbs_codes(
            random in any::<u32>(), cbs in "(PV[0-9]{2}|GM[0-9]{4}|WS[0-9]{4})"
        ) {
            let drawn = table_prefix(None, random);
            let code = CbsCode::parse(&cbs).unwrap();
            let coded = table_prefix(Some(&code), random);
            prop_assert!(!drawn.contains('_') && !coded.contains('_'));
            prop_assert!(drawn.starts_with('o') && !coded.starts_with('o'));
            prop_assert!(CbsCode::parse(&drawn).is_err());
        }
    }

    proptest! {
        #[test]
        fn cbs_parse_never_panics_and_roundtrips(s in "\\PC{0,12}") {
            if let Ok(c) = CbsCode::parse(&s) {
                prop_assert_eq!(CbsCode::parse(c.as_str()).unwrap(), c);
            }
        }
    }
}
