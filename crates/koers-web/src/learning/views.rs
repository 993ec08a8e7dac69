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
            Ok(download(
                "application/pdf",
                &name,
                certificate_pdf(&c, ctx.lang),
            ))
        }
        Err(standing) => Err(not_yet(ctx, &standing)),
    }
}

/// The certificate in `lang`, issued today (written out).
fn certificate_pdf(c: &Certificate, lang: Lang) -> Vec<u8> {
    use koers_pdf::{Block, Document, Table, render};
    let s = &c.standing;
    let org_name = &c.organisation;
    let title = t(lang, "learning.certificate");
    let mut doc = Document::new(format!("{title} {}", s.programme.name));
    doc.author = Some(org_name.clone());
    doc.footer = Some(format!("{org_name} · {}", s.programme.name));
    let percent = koers_core::learning::attendance_percent(&s.record).to_string();
    let (present, total) = (
        s.record.sessions_present.to_string(),
        s.record.sessions_total.to_string(),
    );
    doc.push(Block::Title(title))
        .push(Block::Paragraph(tr(
            lang,
            "learning.cert.declares",
            &[
                ("org", org_name),
                ("name", &s.participant.name),
                ("programme", &s.programme.name),
                ("cohort", &s.cohort.name),
            ],
        )))
        .push(Block::Heading(t(lang, "learning.cert.modules")))
        .push(Block::Table(Table {
            header: vec![
                t(lang, "learning.cert.module"),
                t(lang, "learning.cert.dimension"),
            ],
            rows: c
                .modules
                .iter()
                .map(|m| vec![format!("{}. {}", m.position, m.title), m.dimension.clone()])
                .collect(),
            weights: vec![3.0, 2.0],
        }))
        .push(Block::Paragraph(tr(
            lang,
            "learning.cert.attendance",
            &[
                ("present", &present),
                ("total", &total),
                ("percent", &percent),
            ],
        )));
    if s.programme.requires_project {
        doc.push(Block::Paragraph(t(lang, "learning.cert.project")));
    }
    let today = chrono::Local::now().date_naive().to_string();
    doc.push(Block::Note(tr(
        lang,
        "learning.cert.issued",
        &[("date", &crate::templates::long_date(lang, &today))],
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
