//! What the maturity pages and the API draw alike: scores as shown, the benchmark with its
//! translated labels and as CSV, the report of one organisation as a PDF and the round's
//! weights in one line.

use crate::i18n::{Lang, builtin, t};
use koers_app::maturity::{BenchmarkRow, Naming, ParticipantResult, Round, RoundResults};
use koers_core::csv::spreadsheet_cell;

/// The benchmark across the round's organisations, named or with anonymous labels in the
/// user's language ("Provincie A").
pub fn benchmark(res: &RoundResults, anonymous: bool, lang: Lang) -> Vec<BenchmarkRow> {
    if anonymous {
        let province = t(lang, "maturity.anon_province");
        let organisation = t(lang, "maturity.anon_organisation");
        res.benchmark(Naming::Anonymous {
            province: &province,
            organisation: &organisation,
        })
    } else {
        res.benchmark(Naming::Named)
    }
}

/// A score as shown: one decimal, Dutch comma.
pub fn fmt_score(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.1}").replace('.', ","))
}

/// The report of one organisation as a PDF: radar chart against the round average, a table
/// of scores, findings, quoted evidence and recommendations per dimension, and the method.
pub fn report_pdf(res: &RoundResults, p: &ParticipantResult, lang: Lang) -> Vec<u8> {
    use koers_pdf::{Block, Document, Radar, Table, render};
    let title = format!("{} {}", t(lang, "maturity.report_title"), p.name);
    let mut doc = Document::new(title.clone());
    doc.author = Some(res.round.name.clone());
    doc.footer = Some(format!("koers · {} {}", res.round.name, res.round.year));
    doc.push(Block::Title(title));
    doc.push(Block::Paragraph(format!(
        "{} {} ({}). {}: {} / {}.",
        t(lang, "maturity.round"),
        res.round.name,
        res.round.year,
        t(lang, "maturity.responses"),
        p.responded,
        p.invited
    )));
    if res.round.generated {
        doc.push(Block::Note(t(lang, "maturity.generated_note")));
    }
    if !p.survey_shown {
        doc.push(Block::Note(format!(
            "{} {}",
            t(lang, "maturity.below_threshold"),
            res.round.min_respondents
        )));
    }
    doc.push(Block::Heading(t(lang, "maturity.scores")));
    doc.push(Block::Radar(Radar {
        axes: p
            .dimensions
            .iter()
            .map(|d| builtin(lang, &d.name))
            .collect(),
        series: vec![
            (
                p.name.clone(),
                p.dimensions.iter().map(|d| d.score.score).collect(),
            ),
            (t(lang, "maturity.average"), res.averages()),
        ],
        max: 5.0,
    }));
    doc.push(Block::Table(Table {
        header: vec![
            t(lang, "maturity.dimension"),
            t(lang, "maturity.score"),
            t(lang, "maturity.level"),
            t(lang, "maturity.source.survey"),
            t(lang, "maturity.source.documents"),
            t(lang, "maturity.source.interviews"),
        ],
        rows: p
            .dimensions
            .iter()
            .map(|d| {
                vec![
                    builtin(lang, &d.name),
                    fmt_score(d.score.score),
                    d.score
                        .level
                        .map(|l| {
                            t(
                                lang,
                                &format!("maturity.level.{}", koers_core::maturity::level_key(l)),
                            )
                        })
                        .unwrap_or_else(|| "–".into()),
                    fmt_score(d.score.survey),
                    fmt_score(d.score.documents),
                    fmt_score(d.score.interviews),
                ]
            })
            .collect(),
        weights: vec![3.0, 1.0, 1.4, 1.0, 1.0, 1.0],
    }));
    doc.push(Block::Heading(t(lang, "maturity.findings")));
    for d in &p.dimensions {
        doc.push(Block::Subheading(format!(
            "{} — {}",
            builtin(lang, &d.name),
            fmt_score(d.score.score)
        )));
        match &d.finding {
            Some(f) => doc.push(Block::Paragraph(builtin(lang, f))),
            None => doc.push(Block::Paragraph(t(lang, "maturity.no_evidence"))),
        };
        for c in d.codes.iter().take(3) {
            doc.push(Block::Quote(format!(
                "“{}” — {}",
                c.passage, c.source_title
            )));
        }
        if let Some(n) = &d.next_step {
            doc.push(Block::Paragraph(format!(
                "{}: {}",
                t(lang, "maturity.recommendation"),
                builtin(lang, n)
            )));
        }
    }
    if !p.comments.is_empty() {
        doc.push(Block::Heading(t(lang, "maturity.comments")));
        for c in &p.comments {
            doc.push(Block::Quote(c.clone()));
        }
    }
    doc.push(Block::Heading(t(lang, "maturity.method")));
    doc.push(Block::Paragraph(builtin(
        lang,
        koers_core::maturity::METHOD,
    )));
    doc.push(Block::Note(weights_line(&res.round, lang)));
    render(&doc)
}

/// The round's weights and threshold in one line.
pub fn weights_line(r: &Round, lang: Lang) -> String {
    format!(
        "{}: {} {}, {} {}, {} {}. {}: {}.",
        t(lang, "maturity.weights"),
        t(lang, "maturity.source.survey"),
        r.weights.survey,
        t(lang, "maturity.source.documents"),
        r.weights.documents,
        t(lang, "maturity.source.interviews"),
        r.weights.interviews,
        t(lang, "maturity.min_respondents"),
        r.min_respondents
    )
}

/// The benchmark as CSV (same rows as the page: the threshold already applied).
pub fn benchmark_csv(res: &RoundResults, rows: &[BenchmarkRow]) -> String {
    let mut out = String::from("organisatie,cbs_code");
    for d in &res.framework.framework.dimensions {
        out.push(',');
        out.push_str(&spreadsheet_cell(&d.key));
    }
    out.push_str(",gemiddeld\n");
    let num = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
    for r in rows {
        out.push_str(&spreadsheet_cell(&r.label));
        out.push(',');
        out.push_str(&spreadsheet_cell(r.cbs_code.as_deref().unwrap_or("")));
        for s in &r.scores {
            out.push(',');
            out.push_str(&num(*s));
        }
        out.push(',');
        out.push_str(&num(r.overall));
        out.push('\n');
    }
    out
}
