//! What the learning pages and the API draw alike: what a participant still misses for the
//! certificate, and the certificate as a PDF download.

use crate::auth::Ctx;
use crate::download::{download, stem};
use crate::error::{AppError, Reply};
use crate::i18n::{Lang, t, tr};
use koers_app::learning::Certificate;
use koers_core::learning::Missing;

/// One thing still missing for the certificate, as the participant reads it.
pub fn missing(lang: Lang, m: &Missing) -> String {
    match m {
        Missing::Modules { done, total } => tr(
            lang,
            "learning.missing.modules",
            &[("done", &done.to_string()), ("total", &total.to_string())],
        ),
        Missing::Attendance { percent, required } => tr(
            lang,
            "learning.missing.attendance",
            &[
                ("percent", &percent.to_string()),
                ("required", &required.to_string()),
            ],
        ),
        Missing::Project => t(lang, "learning.missing.project"),
    }
}

/// The refusal while a participant has not completed: 409 naming what is missing.
fn not_yet(ctx: &Ctx, standing: &koers_app::learning::Standing) -> AppError {
    let what: Vec<String> = standing
        .missing
        .iter()
        .map(|m| missing(ctx.lang, m))
        .collect();
    AppError::Conflict(format!(
        "{}: {}",
        t(ctx.lang, "learning.no_certificate_yet"),
        what.join("; ")
    ))
}

/// The participant's Open Badges 3.0 credential; 409 naming what is missing while it is not
/// earned.
pub async fn badge_of(
    ctx: &Ctx,
    headers: &axum::http::HeaderMap,
    participant_id: &str,
) -> Result<koers_app::learning::Badge, AppError> {
    let base = ctx.state.cfg.base_url(headers);
    koers_app::learning::badge(ctx.ws(), &ctx.who, participant_id, &base)
        .await?
        .map_err(|standing| not_yet(ctx, &standing))
}

/// The certificate as a PDF download; 409 naming what is missing while it is not earned.
pub async fn certificate_response(ctx: &Ctx, participant_id: &str) -> Reply {
    match koers_app::learning::certificate(ctx.ws(), &ctx.who, participant_id).await? {
        Ok(c) => {
            let name = format!(
                "certificaat-{}-{}.pdf",
                stem(&c.standing.participant.name, "deelnemer"),
                stem(&c.standing.programme.name, "leertraject")
            );
            Ok(download("application/pdf", &name, certificate_pdf(&c)))
        }
        Err(standing) => Err(not_yet(ctx, &standing)),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_items_read_in_either_language() {
        let m = Missing::Attendance {
            percent: 60,
            required: 80,
        };
        assert_eq!(
            missing(Lang::Nl, &m),
            "aanwezig bij 60% van de live sessies; minstens 80% is nodig"
        );
        assert_eq!(
            missing(Lang::En, &Missing::Modules { done: 3, total: 5 }),
            "3 of 5 modules completed; all modules must be done"
        );
    }
}
