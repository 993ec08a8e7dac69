//! What the maturity pages and the API draw alike: scores as shown, the benchmark with its
//! translated labels and as CSV, the report of one organisation and the study's whole
//! publication as PDF, and the round's weights in one line.

use crate::error::AppError;
use crate::i18n::{Lang, builtin, number, t};
use koers_app::maturity::{BenchmarkRow, Naming, ParticipantResult, Round, RoundResults};
use koers_core::csv::spreadsheet_cell;
use koers_core::maturity::{METHOD, round_title};
use koers_pdf::{Block, Document, Radar, Table, render};
use koers_svg::chart::radar_svg;
use minijinja::{Value, context};

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

fn radar_for(res: &RoundResults, pid: &str, lang: Lang) -> Result<Option<String>, AppError> {
    let p = res.participant(pid)?;
    Ok(radar_svg(
        &p.dimensions
            .iter()
            .map(|d| builtin(lang, &d.name))
            .collect::<Vec<_>>(),
        &[
            (
                p.name.clone(),
                p.dimensions.iter().map(|d| d.score.score).collect(),
            ),
            (t(lang, "maturity.average"), res.averages()),
        ],
        5.0,
        &format!("{} {}", t(lang, "maturity.radar_caption"), p.name),
    ))
}

/// What a maturity report page draws of organisation `pid` (the researcher's page and the
/// contact's alike): the round, the organisation's results, the radar against the average,
/// the scores as shown, the method and the weights.
pub fn report_context(res: &RoundResults, pid: &str, lang: Lang) -> Result<Value, AppError> {
    let p = res.participant(pid)?;
    let radar = radar_for(res, pid, lang)?;
    let averages: Vec<String> = res
        .averages()
        .into_iter()
        .map(|v| fmt_score(lang, v))
        .collect();
    Ok(context! {
        round => res.round, p => p, radar => radar, averages => averages,
        method => METHOD, weights => weights_line(&res.round, lang),
        scores => p.dimensions.iter().map(|d| context! {
            score => fmt_score(lang, d.score.score), survey => fmt_score(lang, d.score.survey),
            documents => fmt_score(lang, d.score.documents), interviews => fmt_score(lang, d.score.interviews),
            applied => context! {
                survey => format!("{:.0}%", d.score.applied.survey * 100.0),
                documents => format!("{:.0}%", d.score.applied.documents * 100.0),
                interviews => format!("{:.0}%", d.score.applied.interviews * 100.0),
            },
            level => d.score.level.map(koers_core::maturity::level_key),
            items => d.items.iter().map(|i| context! {
                text => builtin(lang, &i.text),
                mean => i.aggregate.as_ref().map(|a| fmt_score(lang, Some(a.mean))),
                n => i.aggregate.as_ref().map(|a| a.n),
                distribution => i.aggregate.as_ref().map(|a| a.distribution),
            }).collect::<Vec<_>>(),
        }).collect::<Vec<_>>(),
    })
}

/// A score as shown: one decimal, with the decimal sign of `lang`.
pub fn fmt_score(lang: Lang, v: Option<f64>) -> String {
    v.map_or_else(
        || "–".into(),
        |v| {
            let s = format!("{v:.1}");
            match lang {
                Lang::Nl => s.replace('.', ","),
                Lang::En => s,
            }
        },
    )
}

/// A document of the round: its title, author and footer.
fn round_document(res: &RoundResults, title: String) -> Document {
    let mut doc = Document::new(title);
    doc.author = Some(res.round.name.clone());
    doc.footer = Some(format!(
        "koers · {}",
        round_title(&res.round.name, res.round.year)
    ));
    doc
}

/// The report of one organisation as a PDF: radar chart against the round average, a table
/// of scores, findings, quoted evidence and recommendations per dimension, and the method.
pub fn report_pdf(res: &RoundResults, p: &ParticipantResult, lang: Lang) -> Vec<u8> {
    let title = format!("{} {}", t(lang, "maturity.report_title"), p.name);
    let mut doc = round_document(res, title.clone());
    doc.push(Block::Title(title));
    report_blocks(&mut doc, res, p, lang);
    method_blocks(&mut doc, res, lang);
    render(&doc)
}

/// The study's publication, its "book": the benchmark of all organisations and the method,
/// then every organisation's report on pages of its own — one PDF, the threshold applied as
/// everywhere.
pub fn book_pdf(res: &RoundResults, lang: Lang) -> Vec<u8> {
    let title = round_title(&res.round.name, res.round.year);
    let mut doc = round_document(res, title.clone());
    doc.push(Block::Title(title));
    doc.push(Block::Paragraph(format!(
        "{}: {}.",
        t(lang, "maturity.book_participants"),
        res.participants
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )));
    if res.round.generated {
        doc.push(Block::Note(t(lang, "maturity.generated_note")));
    }
    doc.push(Block::Heading(t(lang, "maturity.benchmark")));
    let dims = &res.framework.framework.dimensions;
    let mut header = vec![t(lang, "maturity.organisation")];
    header.extend(dims.iter().map(|d| builtin(lang, &d.name)));
    header.push(t(lang, "maturity.overall"));
    let mut weights = vec![2.5];
    weights.extend(dims.iter().map(|_| 1.0));
    weights.push(1.0);
    doc.push(Block::Table(Table {
        header,
        rows: benchmark(res, false, lang)
            .iter()
            .map(|r| {
                let mut row = vec![r.label.clone()];
                row.extend(r.scores.iter().map(|s| fmt_score(lang, *s)));
                row.push(fmt_score(lang, r.overall));
                row
            })
            .collect(),
        weights,
    }));
    method_blocks(&mut doc, res, lang);
    for p in &res.participants {
        doc.push(Block::PageBreak);
        doc.push(Block::Title(format!(
            "{} {}",
            t(lang, "maturity.report_title"),
            p.name
        )));
        report_blocks(&mut doc, res, p, lang);
    }
    render(&doc)
}

/// The file name of the round's publication.
pub fn book_name(res: &RoundResults) -> String {
    format!(
        "volwassenheid-{}-{}.pdf",
        crate::download::stem(&res.round.name, "ronde"),
        res.round.year
    )
}

/// How the scores were made, and the round's weights and threshold.
fn method_blocks(doc: &mut Document, res: &RoundResults, lang: Lang) {
    doc.push(Block::Heading(t(lang, "maturity.method")));
    doc.push(Block::Paragraph(builtin(
        lang,
        koers_core::maturity::METHOD,
    )));
    doc.push(Block::Note(format!(
        "{}: {}",
        t(lang, "maturity.weights"),
        weights_line(&res.round, lang)
    )));
}

/// One organisation's report, after its title: the scores, findings, quotes and
/// recommendations, and the open comments (only above the threshold).
fn report_blocks(doc: &mut Document, res: &RoundResults, p: &ParticipantResult, lang: Lang) {
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
                    fmt_score(lang, d.score.score),
                    d.score
                        .level
                        .map(|l| {
                            t(
                                lang,
                                &format!("maturity.level.{}", koers_core::maturity::level_key(l)),
                            )
                        })
                        .unwrap_or_else(|| "–".into()),
                    fmt_score(lang, d.score.survey),
                    fmt_score(lang, d.score.documents),
                    fmt_score(lang, d.score.interviews),
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
            fmt_score(lang, d.score.score)
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
        if let Some(r) = &d.recommendation {
            doc.push(Block::Paragraph(format!(
                "{}: {r}",
                t(lang, "maturity.researcher_recommendation")
            )));
        }
    }
    if !p.comments.is_empty() {
        doc.push(Block::Heading(t(lang, "maturity.comments")));
        for c in &p.comments {
            doc.push(Block::Quote(c.clone()));
        }
    }
}

/// The round's weights and threshold in one line (`Enquête 0,5, Documenten 0,25, …`), as the
/// pages show it beside the heading "Gewichten".
pub fn weights_line(r: &Round, lang: Lang) -> String {
    format!(
        "{} {}, {} {}, {} {}. {}: {}.",
        t(lang, "maturity.source.survey"),
        number(lang, r.weights.survey),
        t(lang, "maturity.source.documents"),
        number(lang, r.weights.documents),
        t(lang, "maturity.source.interviews"),
        number(lang, r.weights.interviews),
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
