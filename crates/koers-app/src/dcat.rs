//! The catalog as DCAT-AP-NL RDF, in Turtle and JSON-LD: how the API writes the entries of
//! a catalog ([`koers_app::catalog::Entry`]) for harvesters.
//!
//! A small graph of triples is built from the metadata koers keeps (title, description,
//! publisher, contact point, theme, licence, access rights, cadence, keywords, identifier,
//! versions as distributions) and written by hand: no RDF crate is in the workspace, and the
//! two writers need only IRIs, blank nodes and literals, escaped as the Turtle grammar and
//! JSON say (see the tests). Referenced code-list values get their `rdf:type` in the graph,
//! because SHACL validation of DCAT-AP is closed-world.

use crate::catalog::Entry;
use koers_core::catalog::{AccessRights, THEMES};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::fmt::Write;

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

/// Prefixes used in both serialisations.
const PREFIXES: [(&str, &str); 8] = [
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("vcard", "http://www.w3.org/2006/vcard/ns#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
];

/// An RDF term.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Term {
    Iri(String),
    Blank(String),
    /// A literal with a language tag (`nl`) or a datatype IRI, or neither (a plain string).
    Literal {
        value: String,
        lang: Option<&'static str>,
        datatype: Option<&'static str>,
    },
}

impl Term {
    pub fn iri(s: impl Into<String>) -> Term {
        Term::Iri(s.into())
    }

    /// Dutch text.
    pub fn nl(s: impl Into<String>) -> Term {
        Term::Literal {
            value: s.into(),
            lang: Some("nl"),
            datatype: None,
        }
    }

    pub fn plain(s: impl Into<String>) -> Term {
        Term::Literal {
            value: s.into(),
            lang: None,
            datatype: None,
        }
    }

    pub fn typed(s: impl Into<String>, datatype: &'static str) -> Term {
        Term::Literal {
            value: s.into(),
            lang: None,
            datatype: Some(datatype),
        }
    }
}

/// Triples grouped by subject, in the order they were added.
#[derive(Debug, Default)]
pub struct Graph {
    subjects: Vec<Term>,
    by_subject: BTreeMap<Term, Vec<(String, Term)>>,
}

impl Graph {
    pub fn add(&mut self, s: &Term, p: &str, o: Term) {
        let entry = self.by_subject.entry(s.clone()).or_insert_with(|| {
            self.subjects.push(s.clone());
            Vec::new()
        });
        if !entry.iter().any(|(q, x)| q == p && *x == o) {
            entry.push((p.to_string(), o));
        }
    }

    pub fn typed(&mut self, s: &Term, class: &str) {
        self.add(s, RDF_TYPE, Term::iri(class));
    }

    /// Turtle, with the prefixes above.
    pub fn to_turtle(&self) -> String {
        let mut out = String::new();
        for (p, ns) in PREFIXES {
            let _ = writeln!(out, "@prefix {p}: <{ns}> .");
        }
        for s in &self.subjects {
            let Some(pos) = self.by_subject.get(s) else {
                continue;
            };
            let _ = write!(out, "\n{}", turtle_term(s));
            for (i, (p, o)) in pos.iter().enumerate() {
                let sep = if i == 0 { "\n    " } else { " ;\n    " };
                let pred = if p == RDF_TYPE {
                    "a".to_string()
                } else {
                    turtle_iri(p)
                };
                let _ = write!(out, "{sep}{pred} {}", turtle_term(o));
            }
            out.push_str(" .\n");
        }
        out
    }

    /// JSON-LD: a `@graph` of node objects with compact IRIs under an `@context` of prefixes.
    pub fn to_jsonld(&self) -> Value {
        let context: Map<String, Value> = PREFIXES
            .iter()
            .map(|(p, ns)| (p.to_string(), Value::String(ns.to_string())))
            .collect();
        let nodes: Vec<Value> = self
            .subjects
            .iter()
            .filter_map(|s| {
                let pos = self.by_subject.get(s)?;
                let mut node = Map::new();
                node.insert("@id".into(), Value::String(jsonld_id(s)));
                for (p, o) in pos {
                    let (key, value) = if p == RDF_TYPE {
                        let Term::Iri(class) = o else { continue };
                        ("@type".to_string(), Value::String(compact(class)))
                    } else {
                        (compact(p), jsonld_object(o))
                    };
                    match node.get_mut(&key) {
                        Some(Value::Array(a)) => a.push(value),
                        _ => {
                            node.insert(key, Value::Array(vec![value]));
                        }
                    }
                }
                Some(Value::Object(node))
            })
            .collect();
        json!({ "@context": context, "@graph": nodes })
    }
}

/// `prefix:local` when an IRI starts with a known namespace and the rest is a plain name;
/// the full IRI otherwise.
fn compact(iri: &str) -> String {
    for (p, ns) in PREFIXES {
        if let Some(local) = iri.strip_prefix(ns)
            && !local.is_empty()
            && local.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return format!("{p}:{local}");
        }
    }
    iri.to_string()
}

fn jsonld_id(t: &Term) -> String {
    match t {
        Term::Iri(i) => i.clone(),
        Term::Blank(b) => format!("_:{b}"),
        Term::Literal { value, .. } => value.clone(),
    }
}

fn jsonld_object(t: &Term) -> Value {
    match t {
        Term::Iri(_) | Term::Blank(_) => json!({ "@id": jsonld_id(t) }),
        Term::Literal {
            value,
            lang: Some(l),
            ..
        } => json!({ "@value": value, "@language": l }),
        Term::Literal {
            value,
            datatype: Some(d),
            ..
        } => json!({ "@value": value, "@type": compact(d) }),
        Term::Literal { value, .. } => json!({ "@value": value }),
    }
}

/// An IRI in Turtle: `prefix:local` or `<…>` with the characters IRIREF forbids escaped as
/// `\u` and four hex digits.
fn turtle_iri(iri: &str) -> String {
    let c = compact(iri);
    if c != iri {
        return c;
    }
    let mut out = String::with_capacity(iri.len() + 2);
    out.push('<');
    for ch in iri.chars() {
        if ch <= ' ' || "<>\"{}|^`\\".contains(ch) {
            let _ = write!(out, "\\u{:04X}", ch as u32);
        } else {
            out.push(ch);
        }
    }
    out.push('>');
    out
}

/// A string literal's body in Turtle (between double quotes).
fn turtle_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A blank node label: letters and digits only.
fn blank_label(b: &str) -> String {
    b.chars().filter(char::is_ascii_alphanumeric).collect()
}

fn turtle_term(t: &Term) -> String {
    match t {
        Term::Iri(i) => turtle_iri(i),
        Term::Blank(b) => format!("_:b{}", blank_label(b)),
        Term::Literal {
            value,
            lang: Some(l),
            ..
        } => format!("\"{}\"@{l}", turtle_string(value)),
        Term::Literal {
            value,
            datatype: Some(d),
            ..
        } => format!("\"{}\"^^{}", turtle_string(value), turtle_iri(d)),
        Term::Literal { value, .. } => format!("\"{}\"", turtle_string(value)),
    }
}

/// The serialisation a client asked for with `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdfFormat {
    Turtle,
    JsonLd,
}

impl RdfFormat {
    /// `text/turtle` when the client prefers it over JSON-LD (first named wins, as the rules
    /// for equal quality say); JSON-LD otherwise.
    pub fn from_accept(accept: Option<&str>) -> RdfFormat {
        let a = accept.unwrap_or("").to_ascii_lowercase();
        match (a.find("text/turtle"), a.find("application/ld+json")) {
            (Some(t), Some(j)) if t < j => RdfFormat::Turtle,
            (Some(_), None) => RdfFormat::Turtle,
            _ => RdfFormat::JsonLd,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            RdfFormat::Turtle => "text/turtle; charset=utf-8",
            RdfFormat::JsonLd => "application/ld+json",
        }
    }

    pub fn write(self, g: &Graph) -> String {
        match self {
            RdfFormat::Turtle => g.to_turtle(),
            RdfFormat::JsonLd => g.to_jsonld().to_string(),
        }
    }
}

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const XSD_DATETIME: &str = "http://www.w3.org/2001/XMLSchema#dateTime";
const XSD_NNI: &str = "http://www.w3.org/2001/XMLSchema#nonNegativeInteger";
const EU: &str = "http://publications.europa.eu/resource/authority/";

fn dcat(l: &str) -> String {
    format!("{DCAT}{l}")
}
fn dct(l: &str) -> String {
    format!("{DCT}{l}")
}

/// What a catalog is called and where it lives.
pub struct CatalogInfo<'a> {
    pub iri: String,
    pub title: &'a str,
    pub description: &'a str,
    /// Who publishes the catalog (an organisation, or this koers).
    pub publisher_iri: String,
    pub publisher_name: &'a str,
}

fn agent(g: &mut Graph, iri: &str, name: &str) -> Term {
    let a = Term::iri(iri);
    g.typed(&a, &format!("{FOAF}Agent"));
    g.add(&a, &format!("{FOAF}name"), Term::nl(name));
    a
}

/// A code-list value, typed and labelled as DCAT-AP asks of a `skos:Concept`.
fn concept(g: &mut Graph, iri: String, class: Option<&str>, label: &str) -> Term {
    let c = Term::iri(iri);
    g.typed(&c, &format!("{SKOS}Concept"));
    if let Some(class) = class {
        g.typed(&c, class);
    }
    g.add(&c, &format!("{SKOS}prefLabel"), Term::nl(label));
    c
}

/// A web address a distribution points to.
/// States a distribution's EU file type (`code` as in the vocabulary, `label` for people).
fn file_type(g: &mut Graph, dist: &Term, code: &str, label: &str) {
    let format = concept(
        g,
        format!("{EU}file-type/{code}"),
        Some(&dct("MediaTypeOrExtent")),
        label,
    );
    g.add(dist, &dct("format"), format);
}

/// Ends a distribution: its licence (when the dataset has one) and its link from the dataset.
fn attach(g: &mut Graph, ds: &Term, dist: Term, licence: Option<&Term>) {
    if let Some(l) = licence {
        g.add(&dist, &dct("license"), l.clone());
    }
    g.add(ds, &dcat("distribution"), dist);
}

fn resource(g: &mut Graph, iri: String) -> Term {
    let r = Term::iri(iri);
    g.typed(&r, "http://www.w3.org/2000/01/rdf-schema#Resource");
    r
}

/// A contact point: an organisation's vCard.
fn contact_point(g: &mut Graph, iri: String, name: &str, email: Option<&str>) -> Term {
    let c = Term::iri(iri);
    g.typed(&c, &format!("{VCARD}Kind"));
    g.typed(&c, &format!("{VCARD}Organization"));
    g.add(&c, &format!("{VCARD}fn"), Term::plain(name));
    if let Some(e) = email {
        g.add(
            &c,
            &format!("{VCARD}hasEmail"),
            Term::iri(format!("mailto:{e}")),
        );
    }
    c
}

/// The Dutch label of an EU frequency code.
fn cadence_label(code: &str) -> &str {
    match code {
        "DAILY" => "dagelijks",
        "WEEKLY" => "wekelijks",
        "MONTHLY" => "maandelijks",
        "QUARTERLY" => "per kwartaal",
        "ANNUAL" => "jaarlijks",
        "IRREG" => "onregelmatig",
        "NEVER" => "nooit",
        _ => "onbekend",
    }
}

/// The Dutch label of an access right.
fn access_label(a: AccessRights) -> &'static str {
    match a {
        AccessRights::Public => "publiek",
        AccessRights::Restricted => "beperkt",
        AccessRights::NonPublic => "niet publiek",
    }
}

/// The catalog's graph.
pub fn catalog_graph(base: &str, info: &CatalogInfo, entries: &[Entry]) -> Graph {
    let mut g = Graph::default();
    let cat = Term::iri(&info.iri);
    g.typed(&cat, &dcat("Catalog"));
    g.add(&cat, &dct("title"), Term::nl(info.title));
    g.add(&cat, &dct("description"), Term::nl(info.description));
    let publisher = agent(&mut g, &info.publisher_iri, info.publisher_name);
    g.add(&cat, &dct("publisher"), publisher);
    let cat_contact = contact_point(
        &mut g,
        format!("{}#contact", info.iri),
        info.publisher_name,
        None,
    );
    g.add(&cat, &dcat("contactPoint"), cat_contact);
    let lang = concept(
        &mut g,
        format!("{EU}language/NLD"),
        Some(&dct("LinguisticSystem")),
        "Nederlands",
    );
    g.add(&cat, &dct("language"), lang);
    let home = Term::iri(format!("{base}/"));
    g.typed(&home, &format!("{FOAF}Document"));
    g.add(&cat, &format!("{FOAF}homepage"), home);
    for e in entries {
        let ds = dataset(&mut g, base, e);
        g.add(&cat, &dcat("dataset"), ds);
    }
    g
}

fn dataset(g: &mut Graph, base: &str, e: &Entry) -> Term {
    let d = &e.dataset;
    let m = &d.meta;
    let iri = format!("{base}/api/v1/datasets/{}", d.id);
    let ds = Term::iri(&iri);
    g.typed(&ds, &dcat("Dataset"));
    g.add(&ds, &dct("title"), Term::nl(&m.title));
    if !m.description.is_empty() {
        g.add(&ds, &dct("description"), Term::nl(&m.description));
    }
    g.add(&ds, &dct("identifier"), Term::plain(&iri));
    let org = agent(
        g,
        &format!("{base}/api/v1/organisations/{}", e.org.id),
        &e.org.name,
    );
    // The publisher named in the metadata may differ from the organisation that keeps it.
    let publisher = if m.publisher.trim().is_empty() || m.publisher == e.org.name {
        org.clone()
    } else {
        agent(g, &format!("{iri}#publisher"), &m.publisher)
    };
    g.add(&ds, &dct("publisher"), publisher);
    g.add(&ds, &dct("creator"), org);
    let name = if m.contact_name.is_empty() {
        &m.publisher
    } else {
        &m.contact_name
    };
    let email = (!m.contact_email.is_empty()).then_some(m.contact_email.as_str());
    let contact = contact_point(g, format!("{iri}#contact"), name, email);
    g.add(&ds, &dcat("contactPoint"), contact);
    let theme_label = THEMES.iter().find(|(c, _)| *c == m.theme).map(|(_, l)| *l);
    let theme = concept(g, m.theme_uri(), None, theme_label.unwrap_or(&m.theme));
    g.add(&ds, &dcat("theme"), theme);
    let access = concept(
        g,
        m.access_rights.uri().to_string(),
        Some(&dct("RightsStatement")),
        access_label(m.access_rights),
    );
    g.add(&ds, &dct("accessRights"), access);
    let freq = concept(
        g,
        format!("{EU}frequency/{}", m.cadence),
        Some(&dct("Frequency")),
        cadence_label(&m.cadence),
    );
    g.add(&ds, &dct("accrualPeriodicity"), freq);
    for t in &m.tags {
        g.add(&ds, &dcat("keyword"), Term::nl(t));
    }
    g.add(
        &ds,
        &dct("issued"),
        Term::typed(&d.created_at, XSD_DATETIME),
    );
    g.add(
        &ds,
        &dct("modified"),
        Term::typed(&d.updated_at, XSD_DATETIME),
    );
    let licence = m.licence_uri().map(|uri| {
        let l = Term::iri(uri);
        g.typed(&l, &dct("LicenseDocument"));
        l
    });
    if let Some(v) = &e.version {
        // The version in koers: its page (for the organisation's people) as access URL.
        let dist = Term::iri(format!("{iri}/versions/{}", v.version));
        g.typed(&dist, &dcat("Distribution"));
        g.add(
            &dist,
            &dct("title"),
            Term::nl(format!("Versie {} in koers (Parquet)", v.version)),
        );
        let page = resource(g, format!("{base}/bronnen/{}", d.id));
        g.add(&dist, &dcat("accessURL"), page);
        file_type(g, &dist, "PARQUET", "Parquet");
        g.add(
            &dist,
            &dcat("byteSize"),
            Term::typed(v.byte_size.to_string(), XSD_NNI),
        );
        g.add(
            &dist,
            &dct("issued"),
            Term::typed(&v.created_at, XSD_DATETIME),
        );
        attach(g, &ds, dist, licence.as_ref());
    }
    if let Some(c) = &e.ogc_collection {
        let url = format!("{base}/ogc/collections/{c}");
        let dist = Term::iri(format!("{url}#distribution"));
        g.typed(&dist, &dcat("Distribution"));
        g.add(
            &dist,
            &dct("title"),
            Term::nl("OGC API – Features (GeoJSON)"),
        );
        let access = resource(g, url.clone());
        g.add(&dist, &dcat("accessURL"), access);
        let download = resource(g, format!("{url}/items?f=json"));
        g.add(&dist, &dcat("downloadURL"), download);
        let media = Term::iri("https://www.iana.org/assignments/media-types/application/geo+json");
        g.typed(&media, &dct("MediaType"));
        g.add(&dist, &dcat("mediaType"), media);
        file_type(g, &dist, "GEOJSON", "GeoJSON");
        attach(g, &ds, dist, licence.as_ref());
    }
    ds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turtle_escapes_literals_and_iris() {
        let cases = [
            (
                Term::nl("a \"b\" \\ c\nd\te\u{1}"),
                "\"a \\\"b\\\" \\\\ c\\nd\\te\\u0001\"@nl",
            ),
            (
                Term::iri("https://x.example/a b<c>\"{d}|^`\\"),
                "<https://x.example/a\\u0020b\\u003Cc\\u003E\\u0022\\u007Bd\\u007D\\u007C\\u005E\\u0060\\u005C>",
            ),
            (
                Term::iri("http://www.w3.org/ns/dcat#Dataset"),
                "dcat:Dataset",
            ),
            // Not a plain local name: written in full.
            (
                Term::iri("http://purl.org/dc/terms/a.b"),
                "<http://purl.org/dc/terms/a.b>",
            ),
            (Term::Blank("x-1 y".into()), "_:bx1y"),
            (Term::typed("12", XSD_NNI), "\"12\"^^xsd:nonNegativeInteger"),
        ];
        for (term, turtle) in cases {
            assert_eq!(turtle_term(&term), turtle);
        }
    }

    #[test]
    fn graphs_write_as_turtle_and_jsonld() {
        let mut g = Graph::default();
        let s = Term::iri("https://x.example/ds/1");
        g.typed(&s, &dcat("Dataset"));
        g.add(&s, &dct("title"), Term::nl("Wegen \"N\""));
        g.add(&s, &dct("title"), Term::nl("Wegen \"N\""));
        g.add(&s, &dcat("keyword"), Term::nl("a"));
        g.add(&s, &dcat("keyword"), Term::nl("b"));
        let ttl = g.to_turtle();
        assert!(ttl.contains("@prefix dcat: <http://www.w3.org/ns/dcat#> ."));
        assert!(ttl.contains(
            "<https://x.example/ds/1>\n    a dcat:Dataset ;\n    dct:title \"Wegen \\\"N\\\"\"@nl ;\n    dcat:keyword \"a\"@nl ;\n    dcat:keyword \"b\"@nl .\n"
        ), "{ttl}");
        let j = g.to_jsonld();
        let node = &j["@graph"][0];
        assert_eq!(node["@id"], "https://x.example/ds/1");
        assert_eq!(node["@type"], json!(["dcat:Dataset"]));
        assert_eq!(
            node["dct:title"],
            json!([{ "@value": "Wegen \"N\"", "@language": "nl" }])
        );
        assert_eq!(node["dcat:keyword"].as_array().map(Vec::len), Some(2));
        assert_eq!(j["@context"]["dct"], "http://purl.org/dc/terms/");
    }

    #[test]
    fn accept_picks_the_format() {
        assert_eq!(RdfFormat::from_accept(None), RdfFormat::JsonLd);
        assert_eq!(
            RdfFormat::from_accept(Some("text/turtle")),
            RdfFormat::Turtle
        );
        assert_eq!(
            RdfFormat::from_accept(Some("application/ld+json, text/turtle;q=0.5")),
            RdfFormat::JsonLd
        );
        assert_eq!(
            RdfFormat::from_accept(Some("text/html,*/*")),
            RdfFormat::JsonLd
        );
    }
}
