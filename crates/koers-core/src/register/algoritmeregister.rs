//! Export to the Algoritmeregister publication standard 1.0.
//!
//! The machine-readable standard (`backend_app_schemas_config_v1_0.json`, MinBZK) ships in
//! `reference/` and is parsed as data: field keys in order, required fields, maximum lengths,
//! permitted values and the HTML tags allowed in long text fields. The formats the handbook
//! gives as "Invoertype" (a month `YYYY-MM`, a URL starting with `https://`, an e-mail address
//! or URL) are not in that file; they ship next to it as data too (`formats_v1_0.json`, one
//! regular expression per format over the whole value), so that an independent validator
//! given the same two files reaches the same verdict (see the koers-web test
//! `input::export_verdict_equals_an_independent_validator`).

use crate::error::{FieldError, Invalid};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use super::application::{AiActRiskGroup, ApplicationDraft};

const SCHEMA_JSON: &str =
    include_str!("../../reference/algoritmeregister/backend_app_schemas_config_v1_0.json");
const FORMATS_JSON: &str = include_str!("../../reference/algoritmeregister/formats_v1_0.json");

/// The format a field's value must have (from the handbook's "Invoertype").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldFormat {
    /// `year_month`, `url` or `url_or_email`.
    pub name: String,
    /// A regular expression the whole value matches.
    pub pattern: String,
    /// What the value must be, in Dutch, e.g. "moet een maand zijn in de vorm JJJJ-MM".
    pub message: String,
}

/// One field of the standard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    pub key: String,
    /// `string`, `enum` or `array`.
    pub kind: String,
    pub title: String,
    pub max_length: Option<usize>,
    pub required: bool,
    pub permitted_values: Option<Vec<String>>,
    /// For long text fields: the only HTML tags allowed. Other text fields allow none.
    pub allowed_html_tags: Option<Vec<String>>,
    /// For groupings: the fields of each item.
    pub items: Vec<FieldSpec>,
    /// The format of the value, when the handbook gives one.
    pub format: Option<FieldFormat>,
}

#[derive(Deserialize)]
struct RawSpec {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    max_length: Option<usize>,
    #[serde(default)]
    required: Option<serde_json::Value>,
    #[serde(default)]
    permitted_values: Option<Vec<String>>,
    #[serde(default)]
    allowed_html_tags: Option<Vec<String>>,
    #[serde(default)]
    items: Option<Ordered>,
}

/// Keeps the order of a JSON object's keys.
struct Ordered(Vec<(String, RawSpec)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of field specifications")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, RawSpec>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
struct RawSchema {
    properties: Ordered,
}

fn convert(fields: Ordered) -> Vec<FieldSpec> {
    fields
        .0
        .into_iter()
        .map(|(key, r)| FieldSpec {
            key,
            kind: r.kind,
            title: r.title,
            max_length: r.max_length,
            // The source has `"required": "false"` once; accept the string form too.
            required: matches!(&r.required, Some(serde_json::Value::Bool(true)))
                || matches!(&r.required, Some(serde_json::Value::String(s)) if s == "true"),
            permitted_values: r.permitted_values,
            allowed_html_tags: r.allowed_html_tags,
            items: r.items.map(convert).unwrap_or_default(),
            format: None,
        })
        .collect()
}

#[derive(Deserialize)]
struct RawFormats {
    formats: BTreeMap<String, RawFormat>,
    /// Field key (`grouping.item` for an item of a grouping) → format name.
    fields: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawFormat {
    pattern: String,
    message: String,
}

/// Attaches the formats of `FORMATS_JSON` to the fields they name.
fn attach_formats(fields: &mut [FieldSpec], raw: RawFormats) -> Result<(), String> {
    for (path, name) in &raw.fields {
        let f = raw
            .formats
            .get(name)
            .ok_or_else(|| format!("formaat {name} van {path} bestaat niet"))?;
        regex::Regex::new(&f.pattern).map_err(|e| format!("formaat {name}: {e}"))?;
        let (key, item) = match path.split_once('.') {
            Some((k, i)) => (k, Some(i)),
            None => (path.as_str(), None),
        };
        let field = fields
            .iter_mut()
            .find(|s| s.key == key)
            .ok_or_else(|| format!("veld {key} bestaat niet"))?;
        let spec = match item {
            Some(i) => field
                .items
                .iter_mut()
                .find(|s| s.key == i)
                .ok_or_else(|| format!("veld {path} bestaat niet"))?,
            None => field,
        };
        spec.format = Some(FieldFormat {
            name: name.clone(),
            pattern: f.pattern.clone(),
            message: f.message.clone(),
        });
    }
    Ok(())
}

/// The publication standard: its fields in order.
#[derive(Debug, Clone)]
pub struct Schema {
    pub fields: Vec<FieldSpec>,
}

impl Schema {
    /// The shipped standard 1.0, parsed once.
    pub fn load() -> Result<&'static Schema, String> {
        static S: OnceLock<Result<Schema, String>> = OnceLock::new();
        S.get_or_init(|| {
            let raw = serde_json::from_str::<RawSchema>(SCHEMA_JSON)
                .map_err(|e| format!("publicatiestandaard kan niet worden gelezen: {e}"))?;
            let formats = serde_json::from_str::<RawFormats>(FORMATS_JSON)
                .map_err(|e| format!("formaten kunnen niet worden gelezen: {e}"))?;
            let mut fields = convert(raw.properties);
            attach_formats(&mut fields, formats)?;
            Ok(Schema { fields })
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    pub fn field(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The field keys in schema order (the CSV header).
    pub fn keys(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.key.as_str()).collect()
    }
}

/// The value of one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Text(String),
    List(Vec<String>),
    /// A grouping such as `lawful_basis_grouping`: items of `title` and `link`.
    Groups(Vec<BTreeMap<String, String>>),
}

impl FieldValue {
    fn is_empty(&self) -> bool {
        match self {
            FieldValue::Text(s) => s.trim().is_empty(),
            FieldValue::List(v) => v.is_empty(),
            FieldValue::Groups(v) => v.is_empty(),
        }
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// A record for the Algoritmeregister: field key → value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlgoritmeregisterRecord {
    pub fields: BTreeMap<String, FieldValue>,
}

/// The category an application is published under, by the Handreiking: A high-risk AI,
/// B impactful, C other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicationCategory {
    HighRiskAi,
    Impactful,
    Other,
}

impl PublicationCategory {
    /// The permitted value of `publication_category`.
    pub fn value(self) -> &'static str {
        match self {
            PublicationCategory::HighRiskAi => "Hoog-risico AI-systeem",
            PublicationCategory::Impactful => "Impactvolle algoritmes",
            PublicationCategory::Other => "Overige algoritmes",
        }
    }

    /// High-risk AI is category A whatever was chosen; otherwise the chosen category.
    pub fn for_application(app: &ApplicationDraft, impactful: bool) -> Self {
        if app.risk_group() == Some(AiActRiskGroup::HighRisk) {
            PublicationCategory::HighRiskAi
        } else if impactful {
            PublicationCategory::Impactful
        } else {
            PublicationCategory::Other
        }
    }
}

impl AlgoritmeregisterRecord {
    /// Builds a record from the application and the publication fields the user filled in
    /// (which take precedence), e.g. `description_short`, `contact_email`, `category`.
    pub fn from_application(
        app: &ApplicationDraft,
        organisation: &str,
        impactful: bool,
        extra: &BTreeMap<String, FieldValue>,
    ) -> Self {
        let mut f = BTreeMap::new();
        let t = |s: &str| FieldValue::Text(s.to_string());
        f.insert("name".into(), t(&app.name));
        f.insert("organization".into(), t(organisation));
        f.insert("status".into(), t(app.status.label_nl()));
        f.insert("goal".into(), t(&app.purpose));
        f.insert(
            "publication_category".into(),
            t(PublicationCategory::for_application(app, impactful).value()),
        );
        if !app.suppliers.is_empty() {
            f.insert("provider".into(), t(&app.suppliers.join(", ")));
        }
        f.insert("lang".into(), t("nld"));
        f.insert("standard_version".into(), t("1.0"));
        for (k, v) in extra {
            f.insert(k.clone(), v.clone());
        }
        AlgoritmeregisterRecord { fields: f }
    }

    /// JSON object text with the keys in schema order (unknown keys last). Written by hand so
    /// the order does not depend on serde_json's map implementation.
    pub fn to_json(&self) -> String {
        let mut keys: Vec<&str> = Schema::load()
            .map(|s| {
                s.keys()
                    .into_iter()
                    .filter(|k| self.fields.contains_key(*k))
                    .collect()
            })
            .unwrap_or_default();
        for k in self.fields.keys() {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
        let parts: Vec<String> = keys
            .iter()
            .filter_map(|k| {
                let v = self.fields.get(*k)?;
                Some(format!(
                    "{}:{}",
                    serde_json::Value::String((*k).to_string()),
                    v.to_json()
                ))
            })
            .collect();
        format!("{{{}}}", parts.join(","))
    }

    /// CSV with a header of every field key in schema order and one row. Lists and groupings
    /// are written as JSON inside their cell.
    pub fn to_csv(&self) -> String {
        let keys: Vec<String> = Schema::load()
            .map(|s| s.keys().into_iter().map(String::from).collect())
            .unwrap_or_default();
        let row: Vec<String> = keys
            .iter()
            .map(|k| match self.fields.get(k) {
                None => String::new(),
                Some(FieldValue::Text(s)) => s.clone(),
                Some(v) => v.to_json().to_string(),
            })
            .collect();
        format!(
            "{}\r\n{}\r\n",
            keys.iter()
                .map(|k| crate::csv::quote(k))
                .collect::<Vec<_>>()
                .join(","),
            row.iter()
                .map(|c| crate::csv::quote(c))
                .collect::<Vec<_>>()
                .join(",")
        )
    }
}

/// The names of HTML tags in `s` (opening and closing), lower-cased.
pub fn html_tags(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'<' {
            let mut j = i + 1;
            if j < b.len() && (b[j] == b'/' || b[j] == b'!') {
                j += 1;
            }
            let start = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
                j += 1;
            }
            if j > start && b[start].is_ascii_alphabetic() {
                out.push(s[start..j].to_ascii_lowercase());
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

fn check_text(spec: &FieldSpec, name: &str, value: &str, errs: &mut Vec<FieldError>) {
    let push = |errs: &mut Vec<FieldError>, code: &str, reason: String| {
        errs.push(FieldError::new(name, code, reason))
    };
    if let Some(max) = spec.max_length
        && value.chars().count() > max
    {
        push(errs, "too_long", format!("mag hoogstens {max} tekens zijn"));
    }
    if let Some(permitted) = &spec.permitted_values
        && !value.trim().is_empty()
        && !permitted.iter().any(|p| p == value)
    {
        push(
            errs,
            "not_permitted",
            format!("moet een van deze waarden zijn: {}", permitted.join(", ")),
        );
    }
    if let Some(f) = &spec.format
        && !value.trim().is_empty()
        && !regex::Regex::new(&f.pattern).is_ok_and(|r| r.is_match(value))
    {
        push(errs, "format", f.message.clone());
    }
    let allowed = spec.allowed_html_tags.as_deref().unwrap_or(&[]);
    let mut bad: Vec<String> = html_tags(value)
        .into_iter()
        .filter(|t| !allowed.contains(t))
        .collect();
    bad.dedup();
    if !bad.is_empty() {
        let reason = if allowed.is_empty() {
            format!("mag geen HTML bevatten (gevonden: <{}>)", bad.join(">, <"))
        } else {
            format!(
                "bevat niet-toegestane HTML-tags <{}>; toegestaan zijn <{}>",
                bad.join(">, <"),
                allowed.join(">, <")
            )
        };
        push(errs, "html_tag", reason);
    }
}

/// Checks a record against the shipped standard, listing every problem at once.
pub fn validate(record: &AlgoritmeregisterRecord) -> Result<(), Invalid> {
    let schema = Schema::load().map_err(|e| Invalid::one("schema", "schema", &e))?;
    validate_against(schema, record)
}

/// Checks a record against a given schema.
pub fn validate_against(schema: &Schema, record: &AlgoritmeregisterRecord) -> Result<(), Invalid> {
    let mut errs = Vec::new();
    for key in record.fields.keys() {
        if schema.field(key).is_none() {
            errs.push(FieldError::new(
                key.clone(),
                "unknown_field",
                "is geen veld van de publicatiestandaard 1.0",
            ));
        }
    }
    for spec in &schema.fields {
        let value = record.fields.get(&spec.key);
        if spec.required && value.is_none_or(FieldValue::is_empty) {
            errs.push(FieldError::new(
                spec.key.clone(),
                "required",
                format!("{} is verplicht", spec.title),
            ));
            continue;
        }
        let Some(value) = value else { continue };
        match (spec.kind.as_str(), value) {
            ("string" | "enum", FieldValue::Text(s)) => check_text(spec, &spec.key, s, &mut errs),
            ("array", FieldValue::List(items)) if spec.items.is_empty() => {
                for (i, s) in items.iter().enumerate() {
                    check_text(spec, &format!("{}[{i}]", spec.key), s, &mut errs);
                }
            }
            ("array", FieldValue::Groups(groups)) if !spec.items.is_empty() => {
                for (i, g) in groups.iter().enumerate() {
                    for k in g.keys() {
                        if !spec.items.iter().any(|it| &it.key == k) {
                            errs.push(FieldError::new(
                                format!("{}[{i}].{k}", spec.key),
                                "unknown_field",
                                "is geen onderdeel van deze groep",
                            ));
                        }
                    }
                    for it in &spec.items {
                        let name = format!("{}[{i}].{}", spec.key, it.key);
                        match g.get(&it.key) {
                            Some(v) if !v.trim().is_empty() => check_text(it, &name, v, &mut errs),
                            _ if it.required => errs.push(FieldError::new(
                                name,
                                "required",
                                format!("{} is verplicht", it.title),
                            )),
                            _ => {}
                        }
                    }
                }
            }
            ("array", FieldValue::Groups(g)) if g.is_empty() => {}
            ("array", FieldValue::List(l)) if l.is_empty() => {}
            _ => errs.push(FieldError {
                name: spec.key.clone(),
                code: "type".into(),
                reason: if spec.kind == "array" {
                    "moet een lijst zijn".into()
                } else {
                    "moet tekst zijn".into()
                },
            }),
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(Invalid(errs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::application::{self, ApplicationInput};

    fn app() -> ApplicationDraft {
        ApplicationDraft::parse(&application::tests::input()).unwrap()
    }

    fn complete() -> AlgoritmeregisterRecord {
        let mut extra = BTreeMap::new();
        let t = |s: &str| FieldValue::Text(s.into());
        extra.insert(
            "description_short".into(),
            t("Dit algoritme telt vrachtwagens op provinciale wegen."),
        );
        extra.insert("contact_email".into(), t("algoritmes@provincie-utrecht.nl"));
        extra.insert(
            "category".into(),
            FieldValue::List(vec!["Verkeer".into(), "Economie".into()]),
        );
        extra.insert("begin_date".into(), t("2024-05"));
        extra.insert(
            "proportionality".into(),
            t("<p>Alleen tellingen, <ul><li>geen kentekens</li></ul></p>"),
        );
        let mut law = BTreeMap::new();
        law.insert("title".into(), "Wegenverkeerswet 1994".into());
        law.insert(
            "link".into(),
            "https://wetten.overheid.nl/BWBR0006622".into(),
        );
        extra.insert(
            "lawful_basis_grouping".into(),
            FieldValue::Groups(vec![law]),
        );
        AlgoritmeregisterRecord::from_application(&app(), "Provincie Utrecht", true, &extra)
    }

    fn codes(r: &AlgoritmeregisterRecord) -> Vec<(String, String)> {
        validate(r)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.name, e.code))
            .collect()
    }

    #[test]
    fn schema_loads_in_order() {
        let s = Schema::load().unwrap();
        let keys = s.keys();
        assert_eq!(
            &keys[..4],
            &["name", "description_short", "organization", "category"]
        );
        assert_eq!(keys.len(), 31);
        let d = s.field("description_short").unwrap();
        assert_eq!((d.max_length, d.required), (Some(400), true));
        assert_eq!(
            s.field("goal").unwrap().allowed_html_tags.as_deref(),
            Some(
                &[
                    "div".to_string(),
                    "br".into(),
                    "p".into(),
                    "ul".into(),
                    "ol".into(),
                    "li".into()
                ][..]
            )
        );
        assert!(!s.field("source_data_grouping").unwrap().required);
        assert_eq!(s.field("lawful_basis_grouping").unwrap().items.len(), 2);
    }

    #[test]
    fn complete_record_is_valid() {
        let r = complete();
        validate(&r).unwrap();
        assert_eq!(
            r.fields["publication_category"],
            FieldValue::Text("Impactvolle algoritmes".into())
        );
        assert_eq!(r.fields["status"], FieldValue::Text("In gebruik".into()));
    }

    #[test]
    fn high_risk_is_category_a() {
        let a = ApplicationDraft::parse(&ApplicationInput {
            ai_act_risk_group: "high_risk".into(),
            ..application::tests::input()
        })
        .unwrap();
        assert_eq!(
            PublicationCategory::for_application(&a, false),
            PublicationCategory::HighRiskAi
        );
        assert_eq!(
            PublicationCategory::for_application(&app(), false),
            PublicationCategory::Other
        );
    }

    #[test]
    fn missing_required_field() {
        let mut r = complete();
        r.fields.remove("contact_email");
        r.fields
            .insert("description_short".into(), FieldValue::Text("  ".into()));
        let c = codes(&r);
        assert!(
            c.contains(&("contact_email".into(), "required".into())),
            "{c:?}"
        );
        assert!(
            c.contains(&("description_short".into(), "required".into())),
            "{c:?}"
        );
    }

    #[test]
    fn too_long_and_short_description_over_400() {
        let mut r = complete();
        r.fields
            .insert("name".into(), FieldValue::Text("n".repeat(101)));
        r.fields.insert(
            "description_short".into(),
            FieldValue::Text("é".repeat(401)),
        );
        let c = codes(&r);
        assert!(c.contains(&("name".into(), "too_long".into())));
        assert!(c.contains(&("description_short".into(), "too_long".into())));
        // Exactly 400 characters (not bytes) is fine.
        r.fields.insert("name".into(), FieldValue::Text("n".into()));
        r.fields.insert(
            "description_short".into(),
            FieldValue::Text("é".repeat(400)),
        );
        validate(&r).unwrap();
    }

    #[test]
    fn value_not_permitted() {
        let mut r = complete();
        r.fields
            .insert("status".into(), FieldValue::Text("Half af".into()));
        r.fields.insert(
            "category".into(),
            FieldValue::List(vec!["Verkeer".into(), "Ruimtevaart".into()]),
        );
        let c = codes(&r);
        assert!(c.contains(&("status".into(), "not_permitted".into())));
        assert!(c.contains(&("category[1]".into(), "not_permitted".into())));
    }

    #[test]
    fn disallowed_html_tags() {
        let mut r = complete();
        r.fields.insert(
            "goal".into(),
            FieldValue::Text("<p>Doel</p><script>alert(1)</script>".into()),
        );
        r.fields
            .insert("name".into(), FieldValue::Text("<b>Naam</b>".into()));
        let errs = validate(&r).unwrap_err().0;
        let goal = errs.iter().find(|e| e.name == "goal").unwrap();
        assert_eq!(goal.code, "html_tag");
        assert!(goal.reason.contains("<script>"), "{}", goal.reason);
        assert!(
            errs.iter()
                .any(|e| e.name == "name" && e.code == "html_tag")
        );
        // A comparison sign is not a tag.
        r.fields.insert(
            "goal".into(),
            FieldValue::Text("minder dan 5 < 10 auto's".into()),
        );
        r.fields
            .insert("name".into(), FieldValue::Text("Naam".into()));
        validate(&r).unwrap();
    }

    #[test]
    fn unknown_fields_and_grouping_items() {
        let mut r = complete();
        r.fields
            .insert("kleur".into(), FieldValue::Text("blauw".into()));
        let mut law = BTreeMap::new();
        law.insert("title".into(), "t".repeat(101));
        law.insert("extra".into(), "x".into());
        r.fields.insert(
            "lawful_basis_grouping".into(),
            FieldValue::Groups(vec![law]),
        );
        r.fields
            .insert("goal".into(), FieldValue::List(vec!["x".into()]));
        let c = codes(&r);
        for want in [
            ("kleur", "unknown_field"),
            ("lawful_basis_grouping[0].title", "too_long"),
            ("lawful_basis_grouping[0].link", "required"),
            ("lawful_basis_grouping[0].extra", "unknown_field"),
            ("goal", "type"),
        ] {
            assert!(
                c.contains(&(want.0.into(), want.1.into())),
                "missing {want:?} in {c:?}"
            );
        }
    }

    #[test]
    fn formats_of_the_handbook() {
        let s = Schema::load().unwrap();
        assert_eq!(
            s.field("begin_date").unwrap().format.as_ref().unwrap().name,
            "year_month"
        );
        let link = &s.field("lawful_basis_grouping").unwrap().items;
        assert!(link.iter().any(|i| i.key == "link" && i.format.is_some()));
        let check = |key: &str, value: &str| {
            let mut r = complete();
            r.fields.insert(key.into(), FieldValue::Text(value.into()));
            validate(&r)
                .err()
                .is_some_and(|e| e.0.iter().any(|f| f.name == key && f.code == "format"))
        };
        for (key, bad) in [
            ("begin_date", "2025-13"),
            ("begin_date", "2025-00"),
            ("begin_date", "2025-1"),
            ("begin_date", "25-01"),
            ("end_date", "2025-01-01"),
            ("end_date", "januari"),
            ("website", "http://provincie-utrecht.nl"),
            ("website", "https://"),
            ("website", "https://a b.nl"),
            ("website", "https://-x.nl"),
            ("website", "javascript:alert(1)"),
            ("url", "www.provincie-utrecht.nl"),
            ("publiccode", "https://github.com/x y"),
            ("contact_email", "algoritmes"),
            ("contact_email", "a@b"),
            ("contact_email", "a b@provincie-utrecht.nl"),
            ("contact_email", "algoritmes@provincie-utrecht.nl\n"),
        ] {
            assert!(check(key, bad), "{key} = {bad:?} passed");
        }
        for (key, good) in [
            ("begin_date", "2023-01"),
            ("end_date", "2025-12"),
            ("end_date", ""),
            ("website", "https://gemeentenoorderhaaks/hoe-werkt-een-VRI"),
            (
                "url",
                "https://algoritmes.provincie-utrecht.nl:8443/a?b=c#d",
            ),
            ("contact_email", "algoritmes@provincie-utrecht.nl"),
            ("contact_email", "https://www.provincie-utrecht.nl/contact"),
        ] {
            assert!(!check(key, good), "{key} = {good:?} refused");
        }
        let mut r = complete();
        r.fields.insert(
            "lawful_basis_grouping".into(),
            FieldValue::Groups(vec![BTreeMap::from([
                ("title".to_string(), "Wegenverkeerswet 1994".to_string()),
                ("link".to_string(), "wetten.overheid.nl".to_string()),
            ])]),
        );
        assert!(codes(&r).contains(&(
            "lawful_basis_grouping[0].link".to_string(),
            "format".to_string()
        )));
    }

    #[test]
    fn json_and_csv_exports() {
        let r = complete();
        let text = r.to_json();
        assert!(
            text.starts_with("{\"name\":\"Monitor vrachtverkeer\",\"description_short\":"),
            "{text}"
        );
        let j: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(j["category"], serde_json::json!(["Verkeer", "Economie"]));
        let csv = r.to_csv();
        let mut lines = csv.split("\r\n");
        let header = lines.next().unwrap();
        assert_eq!(header, Schema::load().unwrap().keys().join(","));
        let row = lines.next().unwrap();
        assert!(row.starts_with("Monitor vrachtverkeer,Dit algoritme telt vrachtwagens op provinciale wegen.,Provincie Utrecht,\"[\"\"Verkeer\"\",\"\"Economie\"\"]\""), "{row}");
    }

    #[test]
    fn tag_scanner() {
        assert_eq!(
            html_tags("<p>a</p><BR/><ul class='x'>"),
            vec!["p", "p", "br", "ul"]
        );
        assert!(html_tags("a < b and c<1").is_empty());
    }
}
