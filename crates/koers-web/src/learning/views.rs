//! What the learning pages and the API draw alike: the certificate as a PDF download.

use crate::download::download;
use axum::response::Response;
use koers_app::learning::Certificate;

/// The certificate as a PDF download.
pub fn certificate_response(c: &Certificate) -> Response {
    download("application/pdf", "certificaat.pdf", certificate_pdf(c))
}

fn certificate_pdf(c: &Certificate) -> Vec<u8> {
    use koers_pdf::{Block, Document, Table, render};
    let s = &c.standing;
    let org_name = &c.organisation;
    let mut doc = Document::new(format!("Certificaat {}", s.programme.name));
    doc.author = Some(org_name.clone());
    doc.footer = Some(format!("{org_name} · {}", s.programme.name));
    doc.push(Block::Title("Certificaat".into()))
        .push(Block::Paragraph(format!(
            "{org_name} verklaart dat {} de leergang {} ({}) met goed gevolg heeft afgerond.",
            s.participant.name, s.programme.name, s.cohort.name
        )))
        .push(Block::Heading("Afgeronde modules".into()))
        .push(Block::Table(Table {
            header: vec!["Module".into(), "Dimensie".into()],
            rows: c
                .modules
                .iter()
                .map(|m| vec![format!("{}. {}", m.position, m.title), m.dimension.clone()])
                .collect(),
            weights: vec![3.0, 2.0],
        }))
        .push(Block::Paragraph(format!(
            "Aanwezig bij {} van de {} live sessies ({}%).",
            s.record.sessions_present,
            s.record.sessions_total,
            koers_core::learning::attendance_percent(&s.record)
        )));
    if s.programme.requires_project {
        doc.push(Block::Paragraph(
            "Heeft met een maakproject een informatieproduct opgeleverd.".into(),
        ));
    }
    doc.push(Block::Note(format!(
        "Uitgegeven op {}",
        chrono::Utc::now().format("%Y-%m-%d")
    )));
    render(&doc)
}
