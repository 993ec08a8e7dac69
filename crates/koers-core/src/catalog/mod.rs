//! The catalog (module M1): datasets with DCAT-AP-NL metadata, and the names by which SQL
//! reaches them.

use crate::error::{Collector, Invalid, text};

pub mod labels;
use serde::{Deserialize, Serialize};

/// Access rights, from the EU vocabulary that DCAT-AP-NL uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessRights {
    /// Open to everyone, also to other organisations on this koers.
    Public,
    /// For the organisation and those it grants.
    Restricted,
    /// Internal to the organisation.
    NonPublic,
}

impl AccessRights {
    pub const ALL: [AccessRights; 3] = [
        AccessRights::Public,
        AccessRights::Restricted,
        AccessRights::NonPublic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessRights::Public => "public",
            AccessRights::Restricted => "restricted",
            AccessRights::NonPublic => "non_public",
        }
    }

    /// The URI in the EU access-right vocabulary.
    pub fn uri(self) -> &'static str {
        match self {
            AccessRights::Public => {
                "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
            }
            AccessRights::Restricted => {
                "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"
            }
            AccessRights::NonPublic => {
                "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"
            }
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                Invalid::one(
                    "accessRights",
                    "enum",
                    "moet public, restricted of non_public zijn",
                )
            })
    }
}

/// Data themes of the EU vocabulary (`data-theme`), which DCAT-AP-NL uses.
pub const THEMES: [(&str, &str); 13] = [
    ("AGRI", "Landbouw, visserij, bosbouw en voeding"),
    ("ECON", "Economie en financiën"),
    ("EDUC", "Onderwijs, cultuur en sport"),
    ("ENER", "Energie"),
    ("ENVI", "Milieu"),
    ("GOVE", "Overheid en publieke sector"),
    ("HEAL", "Gezondheid"),
    ("INTR", "Internationale vraagstukken"),
    ("JUST", "Justitie, rechtsstelsel en openbare veiligheid"),
    ("REGI", "Regio's en steden"),
    ("SOCI", "Bevolking en samenleving"),
    ("TECH", "Wetenschap en technologie"),
    ("TRAN", "Vervoer"),
];

/// Licences offered in the catalog, as SPDX id and URI.
pub const LICENCES: [(&str, &str); 5] = [
    (
        "CC0-1.0",
        "http://creativecommons.org/publicdomain/zero/1.0/",
    ),
    ("CC-BY-4.0", "http://creativecommons.org/licenses/by/4.0/"),
    (
        "CC-BY-SA-4.0",
        "http://creativecommons.org/licenses/by-sa/4.0/",
    ),
    (
        "EUPL-1.2",
        "https://joinup.ec.europa.eu/collection/eupl/eupl-text-eupl-12",
    ),
    ("ODbL-1.0", "http://opendatacommons.org/licenses/odbl/1-0/"),
];

/// How often a dataset is refreshed (EU frequency vocabulary).
pub const CADENCES: [&str; 8] = [
    "DAILY",
    "WEEKLY",
    "MONTHLY",
    "QUARTERLY",
    "ANNUAL",
    "IRREG",
    "NEVER",
    "UNKNOWN",
];

/// The SQL name of a dataset: lower case letters, digits and underscores, starting with a
/// letter, at most 63 characters (a name every SQL dialect accepts unquoted).
pub fn parse_dataset_name(raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(s.to_string())
    } else {
        Err(Invalid::one(
            "name",
            "pattern",
            "moet beginnen met een kleine letter en mag alleen kleine letters, cijfers en _ bevatten (hoogstens 63 tekens)",
        ))
    }
}

/// A name suggested for a file: `Gemeenten 2025.geojson` → `gemeenten_2025`.
pub fn suggest_dataset_name(file_name: &str) -> String {
    let stem = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = stem.split('.').next().unwrap_or(stem);
    let mut out = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    let out = if out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out
    } else {
        format!("d_{out}")
    };
    out.chars().take(63).collect()
}

/// DCAT-AP-NL metadata of a dataset as a user edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetMeta {
    pub title: String,
    pub description: String,
    pub publisher: String,
    pub contact_name: String,
    pub contact_email: String,
    /// EU data theme code, e.g. `TRAN`.
    pub theme: String,
    /// SPDX licence id, e.g. `CC-BY-4.0`.
    pub licence: String,
    pub access_rights: AccessRights,
    /// Refresh cadence (EU frequency code).
    pub cadence: String,
    pub tags: Vec<String>,
}

impl DatasetMeta {
    /// Default metadata for a fresh import: restricted to the organisation until a data
    /// steward says otherwise.
    pub fn for_new(title: &str, publisher: &str) -> Self {
        DatasetMeta {
            title: title.to_string(),
            description: String::new(),
            publisher: publisher.to_string(),
            contact_name: String::new(),
            contact_email: String::new(),
            theme: "GOVE".into(),
            licence: "CC-BY-4.0".into(),
            access_rights: AccessRights::NonPublic,
            cadence: "UNKNOWN".into(),
            tags: Vec::new(),
        }
    }

    /// Validates edited metadata; every problem at once.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        title: &str,
        description: &str,
        publisher: &str,
        contact_name: &str,
        contact_email: &str,
        theme: &str,
        licence: &str,
        access_rights: &str,
        cadence: &str,
        tags: &[String],
    ) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let title = c.take(text("title", title, 200));
        let description = description.trim().to_string();
        if description.chars().count() > 5000 {
            c.take::<()>(Err(Invalid::one(
                "description",
                "too_long",
                "mag hoogstens 5000 tekens zijn",
            )));
        }
        let publisher = c.take(text("publisher", publisher, 200));
        let contact_email = contact_email.trim().to_string();
        if !contact_email.is_empty() {
            c.take(
                crate::user::Email::parse(&contact_email).map_err(|Invalid(e)| {
                    Invalid(
                        e.into_iter()
                            .map(|mut f| {
                                f.name = "contactEmail".into();
                                f
                            })
                            .collect(),
                    )
                }),
            );
        }
        if !THEMES.iter().any(|(code, _)| *code == theme) {
            c.take::<()>(Err(Invalid::one("theme", "enum", "onbekend thema")));
        }
        if !LICENCES.iter().any(|(id, _)| *id == licence) {
            c.take::<()>(Err(Invalid::one("licence", "enum", "onbekende licentie")));
        }
        let access_rights = c.take(AccessRights::parse(access_rights));
        if !CADENCES.contains(&cadence) {
            c.take::<()>(Err(Invalid::one(
                "cadence",
                "enum",
                "onbekende verversingsfrequentie",
            )));
        }
        let tags: Vec<String> = tags
            .iter()
            .flat_map(|t| t.split(','))
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        if tags.len() > 30 || tags.iter().any(|t| t.chars().count() > 50) {
            c.take::<()>(Err(Invalid::one(
                "tags",
                "too_long",
                "hoogstens 30 trefwoorden van hoogstens 50 tekens",
            )));
        }
        c.build(|| {
            Some(DatasetMeta {
                title: title?,
                description,
                publisher: publisher?,
                contact_name: contact_name.trim().chars().take(200).collect(),
                contact_email,
                theme: theme.to_string(),
                licence: licence.to_string(),
                access_rights: access_rights?,
                cadence: cadence.to_string(),
                tags,
            })
        })
    }

    /// The licence's URI.
    pub fn licence_uri(&self) -> Option<&'static str> {
        LICENCES
            .iter()
            .find(|(id, _)| *id == self.licence)
            .map(|(_, uri)| *uri)
    }

    /// The theme's URI in the EU data-theme vocabulary.
    pub fn theme_uri(&self) -> String {
        format!(
            "http://publications.europa.eu/resource/authority/data-theme/{}",
            self.theme
        )
    }
}

/// Whether a query parameter's name says its value is a secret: tokens, keys, passwords,
/// signatures (`token`, `access_token`, `apikey`, `key`, `password`, `secret`, `signature`,
/// `sig`, AWS' `X-Amz-*`, Google's `X-Goog-*`, …).
fn secret_parameter(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    const EXACT: [&str; 10] = [
        "key", "sig", "pwd", "pass", "auth", "code", "session", "sid", "jwt", "otp",
    ];
    const PART: [&str; 9] = [
        "token",
        "secret",
        "passw",
        "apikey",
        "api_key",
        "signature",
        "credential",
        "authorization",
        "access_key",
    ];
    EXACT.contains(&n.as_str())
        || PART.iter().any(|p| n.contains(p))
        || n.starts_with("x_amz_")
        || n.starts_with("x_goog_")
}

/// Text that names URLs (a version's source: a URL, or a service's `kind URL (item)`) as it
/// may be kept and shown where others read it: every URL in it without the user name and
/// password (`https://user:pw@host/` → `https://host/`), and with the value of every query
/// or fragment parameter whose name says it is a secret replaced by `***`. Text that is no
/// URL (a file name) is left as it is.
pub fn redact_urls(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(redact_word)
        .collect()
}

/// One word of [`redact_urls`], with the white space after it.
fn redact_word(word: &str) -> String {
    let Some(scheme_end) = word.find("://").map(|i| i + 3) else {
        return word.to_string();
    };
    let (url, rest) = word.split_at(word.trim_end().len().max(scheme_end));
    let after = &url[scheme_end..];
    let authority_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, tail) = after.split_at(authority_end);
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let mut out = format!("{}{host}", &url[..scheme_end]);
    // The path, then the query and the fragment, each a list of `name=value` pairs.
    let mut parts = tail.splitn(2, '#');
    let before_fragment = parts.next().unwrap_or("");
    let fragment = parts.next();
    let mut parts = before_fragment.splitn(2, '?');
    out.push_str(parts.next().unwrap_or(""));
    let pairs = |s: &str| {
        s.split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if secret_parameter(&percent_decoded(name)) => {
                    format!("{name}=***")
                }
                None if secret_parameter(&percent_decoded(pair)) => format!("{pair}=***"),
                _ => pair.to_string(),
            })
            .collect::<Vec<_>>()
            .join("&")
    };
    if let Some(query) = parts.next() {
        out.push('?');
        out.push_str(&pairs(query));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(&pairs(fragment));
    }
    out.push_str(rest);
    out
}

/// `%xx` escapes decoded (as far as they make UTF-8), so that `%74oken` is seen as `token`.
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn credentials_are_taken_out_of_urls() {
        assert_eq!(
            redact_urls(
                "https://jan:geheim@data.example/wegen.csv?jaar=2024&token=abc&X-Amz-Signature=f00"
            ),
            "https://data.example/wegen.csv?jaar=2024&token=***&X-Amz-Signature=***"
        );
        assert_eq!(
            redact_urls("ogcapi https://u:p@api.example/ogc?apikey=k&f=json (wegen)"),
            "ogcapi https://api.example/ogc?apikey=***&f=json (wegen)"
        );
        assert_eq!(
            redact_urls(
                "https://h.example/x?Access_Token=1&%70assword=2&sig&page=3#access_token=4"
            ),
            "https://h.example/x?Access_Token=***&%70assword=***&sig=***&page=3#access_token=***"
        );
        assert_eq!(
            redact_urls("https://a:b@c@h.example:8443?key=1"),
            "https://h.example:8443?key=***"
        );
        assert_eq!(
            redact_urls(
                "ckan https://ckan.example/api/3/action (wegen): https://x.example/w.csv?token=t"
            ),
            "ckan https://ckan.example/api/3/action (wegen): https://x.example/w.csv?token=***"
        );
        // Nothing to take out, and no URL at all: unchanged.
        for same in [
            "https://data.example/wegen.csv?jaar=2024",
            "gemeenten.geojson",
            "",
            "odata https://opendata.cbs.nl/ODataApi/odata/83765NED (TypedDataSet)",
        ] {
            assert_eq!(redact_urls(same), same);
        }
    }

    proptest! {
        #[test]
        fn redacting_never_panics_keeps_no_userinfo_and_is_idempotent(
            user in "[a-z]{1,8}", pw in "[a-zA-Z0-9@]{1,12}", tail in "\\PC{0,40}"
        ) {
            let raw = format!("https://{user}:{pw}@host.example/{tail}");
            let once = redact_urls(&raw);
            let userinfo = format!("{user}:{pw}");
            prop_assert!(!once.contains(&userinfo));
            prop_assert_eq!(redact_urls(&once), once.clone());
            let _ = redact_urls(&tail);
        }
    }

    #[test]
    fn dataset_names() {
        assert_eq!(
            parse_dataset_name("gemeenten_2025").unwrap(),
            "gemeenten_2025"
        );
        for bad in [
            "",
            "2025",
            "Gemeenten",
            "a-b",
            "a b",
            "drop;table",
            &"a".repeat(64),
        ] {
            assert!(parse_dataset_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn suggested_names_are_valid() {
        assert_eq!(
            suggest_dataset_name("Gemeenten 2025.geojson"),
            "gemeenten_2025"
        );
        assert_eq!(suggest_dataset_name("/tmp/x/2025-data.csv"), "d_2025_data");
        assert_eq!(suggest_dataset_name("movements.parquet"), "movements");
    }

    #[test]
    fn metadata_lists_every_problem() {
        let e = DatasetMeta::parse("", "", "", "", "nope", "WEER", "MIT", "open", "HOURLY", &[])
            .unwrap_err();
        let names: Vec<_> = e.0.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "title",
                "publisher",
                "contactEmail",
                "theme",
                "licence",
                "accessRights",
                "cadence"
            ]
        );
        let ok = DatasetMeta::parse(
            "Gemeenten 2025",
            "CBS-grenzen",
            "Provincie Utrecht",
            "Team Data",
            "data@provincie-utrecht.example",
            "REGI",
            "CC-BY-4.0",
            "public",
            "ANNUAL",
            &["grenzen, cbs".into()],
        )
        .unwrap();
        assert_eq!(ok.tags, ["grenzen", "cbs"]);
        assert_eq!(ok.access_rights, AccessRights::Public);
        assert!(ok.licence_uri().is_some());
    }

    proptest! {
        #[test]
        fn suggestions_always_parse(s in "\\PC{1,80}") {
            let name = suggest_dataset_name(&s);
            // A name that is not empty after the prefix always parses.
            if name.len() > 2 {
                prop_assert!(parse_dataset_name(&name).is_ok(), "{}", name);
            }
        }
    }
}
