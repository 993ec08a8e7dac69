//! What a dataset's columns mean to a reader: a title and unit instead of a snake_case name,
//! and a code list that says what each code stands for (`road` → Weg). Together with the
//! built-in boundaries (PV26 → Utrecht, GM0344 → Utrecht) they let filters, legends, axes and
//! tables show names instead of codes.

use crate::dashboards::Level;
use crate::error::{Collector, FieldError, Invalid, text};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most codes one code list may hold.
const MAX_CODES: usize = 1000;

/// A column's title, unit and code list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnLabels {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// Code → what it stands for.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub codes: BTreeMap<String, String>,
}

impl ColumnLabels {
    pub fn is_empty(&self) -> bool {
        self.title.is_empty() && self.unit.is_empty() && self.codes.is_empty()
    }

    /// The code list as a person writes it: one `code = label` a line.
    pub fn codes_text(&self) -> String {
        self.codes
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Reads a code list written one `code = label` a line (empty lines are skipped); every
/// line that is not such a pair, a code given twice, or a label over 100 characters is a
/// problem of field `codes`, named by its line.
pub fn parse_codes(text: &str) -> Result<BTreeMap<String, String>, Invalid> {
    let mut codes = BTreeMap::new();
    let mut errors = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let bad = |why: &str| FieldError::new("codes", "format", format!("regel {}: {why}", n + 1));
        match line.split_once('=') {
            Some((code, label)) if !code.trim().is_empty() && !label.trim().is_empty() => {
                let (code, label) = (code.trim(), label.trim());
                if label.chars().count() > 100 || code.chars().count() > 100 {
                    errors.push(bad("code en omschrijving zijn elk ten hoogste 100 tekens"));
                } else if codes.insert(code.to_string(), label.to_string()).is_some() {
                    errors.push(bad(&format!("code {code} staat er twee keer")));
                }
            }
            _ => errors.push(bad("schrijf code = omschrijving")),
        }
    }
    if codes.len() > MAX_CODES {
        errors.push(FieldError::new(
            "codes",
            "too_many",
            format!("ten hoogste {MAX_CODES} codes"),
        ));
    }
    Invalid::unless_empty(errors)?;
    Ok(codes)
}

/// A column's labels from what a person entered: a title and unit (each at most 200
/// characters, may be empty) and a code list as [`parse_codes`] reads it.
pub fn parse_column_labels(title: &str, unit: &str, codes: &str) -> Result<ColumnLabels, Invalid> {
    let mut c = Collector::default();
    let title = c.take(optional("title", title));
    let unit = c.take(optional("unit", unit));
    let codes = c.take(parse_codes(codes));
    c.finish()?;
    Ok(ColumnLabels {
        title: title.unwrap_or_default(),
        unit: unit.unwrap_or_default(),
        codes: codes.unwrap_or_default(),
    })
}

fn optional(name: &str, raw: &str) -> Result<String, Invalid> {
    if raw.trim().is_empty() {
        Ok(String::new())
    } else {
        text(name, raw, 200)
    }
}

/// Whether a column's numbers name things rather than measure them, by its name: `id`,
/// `fid`, `objectid`, `geonameid`, `gm_code`, `huis_nr`, `id_x` — written as they are (no
/// thousands separators), and never offered as a measure.
pub fn is_identifier(column: &str) -> bool {
    let n = column.to_lowercase();
    ["code", "nr", "nummer"]
        .iter()
        .any(|k| n == *k || n.ends_with(&format!("_{k}")) || n.starts_with(&format!("{k}_")))
        || n.ends_with("_id")
        || n.starts_with("id_")
        || [
            "id",
            "fid",
            "gid",
            "oid",
            "objectid",
            "ogc_fid",
            "rowid",
            "geonameid",
            "featureid",
        ]
        .contains(&n.as_str())
}

/// The labels of an organisation's columns, by column name, with the regions' names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Labels {
    columns: BTreeMap<String, ColumnLabels>,
}

impl Labels {
    /// Labels from datasets' column labels (the first dataset to label a column name wins).
    pub fn new<'a>(datasets: impl IntoIterator<Item = &'a BTreeMap<String, ColumnLabels>>) -> Self {
        let mut columns = BTreeMap::new();
        for d in datasets {
            for (name, l) in d {
                columns.entry(name.clone()).or_insert_with(|| l.clone());
            }
        }
        Labels { columns }
    }

    /// What a value of `column` stands for: its code list's label, else the name of the
    /// province or municipality a CBS code (PV26, GM0344) stands for, else the label of the
    /// one code list that knows the value (a renamed column, a filter named otherwise);
    /// `None` when none.
    pub fn value(&self, column: &str, raw: &str) -> Option<String> {
        let code = raw.trim();
        if let Some(l) = self.coded(column, code) {
            return Some(l);
        }
        let level = match code.get(..2).map(str::to_ascii_uppercase).as_deref() {
            Some("PV") if code.len() == 4 => Some(Level::Province),
            Some("GM") if code.len() == 6 => Some(Level::Municipality),
            _ => None,
        };
        if let Some(r) = level.and_then(|l| crate::regions::region(l, code)) {
            return Some(r.name.clone());
        }
        let mut known = self.columns.values().filter_map(|c| c.codes.get(code));
        match (known.next(), known.next()) {
            (Some(l), None) => Some(l.clone()),
            _ => None,
        }
    }

    /// What a value of `column` stands for by that column's own code list only (a table
    /// with a code column beside a name column keeps the code).
    pub fn coded(&self, column: &str, raw: &str) -> Option<String> {
        self.columns
            .get(column)
            .and_then(|c| c.codes.get(raw.trim()))
            .cloned()
    }

    /// A value of `column` as a reader reads it: its label, else as it is.
    pub fn show(&self, column: &str, raw: &str) -> String {
        self.value(column, raw).unwrap_or_else(|| raw.to_string())
    }

    /// A column's heading: its title with its unit (`Vervoerd gewicht (ton)`), else its name.
    pub fn heading(&self, column: &str) -> String {
        self.titled(column).unwrap_or_else(|| column.to_string())
    }

    /// A column's title with its unit, when it has a title.
    pub fn titled(&self, column: &str) -> Option<String> {
        match self.columns.get(column) {
            Some(l) if !l.title.is_empty() && !l.unit.is_empty() => {
                Some(format!("{} ({})", l.title, l.unit))
            }
            Some(l) if !l.title.is_empty() => Some(l.title.clone()),
            _ => None,
        }
    }

    /// The values a column (or a parameter named after it) takes, each with the words a
    /// reader knows it by, ordered by those words: its code list, else the provinces or
    /// municipalities when its name says it holds their CBS codes ([`Level::of_column`]);
    /// empty when koers does not know them.
    pub fn choices(&self, column: &str) -> Vec<(String, String)> {
        // The column of that name, else the one column titled so (a parameter `modaliteit`
        // for the column `mode` titled "Modaliteit").
        let titled_so = || {
            let mut it = self
                .columns
                .values()
                .filter(|c| c.title.to_lowercase() == column.to_lowercase());
            match (it.next(), it.next()) {
                (Some(c), None) => Some(c),
                _ => None,
            }
        };
        let mut out: Vec<(String, String)> = match self.columns.get(column).or_else(titled_so) {
            Some(c) if !c.codes.is_empty() => c
                .codes
                .iter()
                .map(|(code, label)| (code.clone(), label.clone()))
                .collect(),
            _ => Level::of_column(column)
                .map(|l| {
                    crate::regions::regions(l)
                        .iter()
                        .map(|r| (r.code.clone(), r.name.clone()))
                        .collect()
                })
                .unwrap_or_default(),
        };
        out.sort_by_cached_key(|(_, label)| label.to_lowercase());
        out
    }

    /// How a titled column reads in a list to choose it from: its title with its name beside
    /// it (`Vervoerd gewicht (ton) — tonnes`); `None` without a title.
    pub fn choice(&self, column: &str) -> Option<String> {
        self.titled(column).map(|h| format!("{h} — {column}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_lists_are_read_line_by_line_and_every_bad_line_named() {
        let codes = parse_codes("road = Weg\n\ninland_water=Binnenvaart\n rail =  Spoor ").unwrap();
        assert_eq!(codes.len(), 3);
        assert_eq!(codes["inland_water"], "Binnenvaart");
        let e = parse_codes("road = Weg\nzomaar\nroad = Straat\n= leeg").unwrap_err();
        let reasons: Vec<&str> = e.0.iter().map(|f| f.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "regel 2: schrijf code = omschrijving",
                "regel 3: code road staat er twee keer",
                "regel 4: schrijf code = omschrijving"
            ]
        );
        let l = parse_column_labels("Modaliteit", "", "road = Weg").unwrap();
        assert_eq!(l.codes_text(), "road = Weg");
        assert!(parse_column_labels(&"x".repeat(201), "", "").is_err());
    }

    #[test]
    fn the_values_to_choose_from_are_a_code_list_or_the_regions_by_name() {
        let mut mode = BTreeMap::new();
        mode.insert(
            "mode".to_string(),
            parse_column_labels("Modaliteit", "", "road = Weg\nrail = Spoor\nsea = Zeevaart")
                .unwrap(),
        );
        let l = Labels::new([&mode]);
        assert_eq!(
            l.choices("mode"),
            [("rail", "Spoor"), ("road", "Weg"), ("sea", "Zeevaart")]
                .map(|(c, w)| (c.to_string(), w.to_string()))
        );
        assert_eq!(l.choices("Modaliteit").len(), 3, "by its title");
        let provinces = l.choices("provincie");
        assert_eq!(provinces.len(), 12);
        assert_eq!(provinces[0], ("PV22".to_string(), "Drenthe".to_string()));
        assert!(provinces.contains(&("PV26".to_string(), "Utrecht".to_string())));
        assert_eq!(l.choices("gemeente_code").len(), 342);
        assert!(l.choices("jaar").is_empty());
        assert!(l.choices("omschrijving").is_empty());
    }

    #[test]
    fn identifiers_are_told_by_their_names() {
        for id in [
            "id",
            "ID",
            "fid",
            "ogc_fid",
            "objectid",
            "geonameid",
            "gm_code",
            "huis_nr",
            "id_x",
            "code",
        ] {
            assert!(is_identifier(id), "{id}");
        }
        for measure in [
            "inwoners",
            "tonnes",
            "aantal",
            "codes_count",
            "nrg",
            "identiteit",
            "covid",
            "paid",
        ] {
            assert!(!is_identifier(measure), "{measure}");
        }
    }

    #[test]
    fn values_read_as_their_labels_or_region_names() {
        let mut mode = BTreeMap::new();
        mode.insert(
            "mode".to_string(),
            parse_column_labels("Modaliteit", "", "road = Weg").unwrap(),
        );
        mode.insert(
            "tonnes".to_string(),
            parse_column_labels("Gewicht", "ton", "").unwrap(),
        );
        let l = Labels::new([&mode]);
        assert_eq!(l.show("mode", "road"), "Weg");
        assert_eq!(l.coded("mode", " road").as_deref(), Some("Weg"));
        assert_eq!(l.coded("province_code", "PV26"), None, "own code list only");
        assert_eq!(l.show("mode", "sea"), "sea");
        assert_eq!(l.show("province_code", "PV26"), "Utrecht");
        assert_eq!(l.show("gm", "GM0344"), "Utrecht");
        assert_eq!(l.show("x", "PV99"), "PV99");
        assert_eq!(
            l.show("modaliteit", "road"),
            "Weg",
            "the one code list that knows it"
        );
        assert_eq!(l.heading("tonnes"), "Gewicht (ton)");
        assert_eq!(l.heading("mode"), "Modaliteit");
        assert_eq!(l.heading("other"), "other");
        assert_eq!(
            l.choice("tonnes").as_deref(),
            Some("Gewicht (ton) — tonnes")
        );
        assert_eq!(l.choice("other"), None);
    }
}
