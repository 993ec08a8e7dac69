//! The leadership model in use: a participant's self-assessment at the start and the end
//! (theirs alone to give and to read), the programme's movement over everyone (coordinators,
//! and only above the minimum group), target groups, a participant's own calendar and the
//! e-mail reminder before each live session.

use super::{
    LiveSession, Participant, Programme, Standing, calendar_of, participant, sessions_for,
    standing_of,
};
use crate::{Error, Input, Principal, Result, Workspace};
use koers_core::Permission;
use koers_core::learning::calendar::reminder_window;
use koers_core::learning::model::{MIN_GROUP, Moment, Movement, SelfAssessment, own, target_group};
use std::collections::BTreeMap;

/// A participant's own self-assessment: per dimension their level at the start and at the
/// end, and the moment to fill in next.
pub struct SelfScan {
    pub standing: Standing,
    /// (dimension, [start level, end level]); levels count from 1.
    pub levels: Vec<(String, [Option<u32>; 2])>,
    /// The start until it is given, then the end.
    pub next: Moment,
}

/// The participant themselves, with where they stand; a coordinator may not read or give
/// someone's self-assessment (it is theirs).
async fn own_standing(ws: &Workspace, who: &Principal, participant_id: &str) -> Result<Standing> {
    let p = participant(ws, who, participant_id).await?;
    if p.email != who.user.email {
        return Err(Error::Forbidden);
    }
    standing_of(ws, p, &who.org.id).await
}

/// The self-assessment of the participant `standing` is about (whoever may read it checked).
pub(super) async fn scan(ws: &Workspace, standing: Standing) -> Result<SelfScan> {
    let scores = ws
        .store
        .learning()
        .scores_of(&standing.participant.id)
        .await?;
    let levels = own(&standing.programme.dimensions, &scores);
    let next = if scores.iter().any(|s| s.moment == Moment::Start) {
        Moment::End
    } else {
        Moment::Start
    };
    Ok(SelfScan {
        standing,
        levels,
        next,
    })
}

/// The signed-in participant's own self-assessment.
pub async fn self_assessment(
    ws: &Workspace,
    who: &Principal,
    participant_id: &str,
) -> Result<SelfScan> {
    let s = own_standing(ws, who, participant_id).await?;
    scan(ws, s).await
}

/// The participant assesses themselves at `moment` (`start` or `end`): `answers` maps each
/// dimension of the programme's model to a level from 1 to the number of levels. Giving a
/// moment again replaces it; the end needs the start first.
pub async fn save_self_assessment(
    ws: &Workspace,
    who: &Principal,
    participant_id: &str,
    moment: &str,
    answers: &BTreeMap<String, String>,
) -> Result<SelfScan> {
    let before = self_assessment(ws, who, participant_id).await?;
    let has_start = before.levels.iter().any(|(_, l)| l[0].is_some());
    let p = &before.standing.programme;
    let a = SelfAssessment::parse(&p.dimensions, p.levels.len(), moment, answers, has_start)?;
    ws.store
        .learning()
        .save_self_assessment(&who.org.id, &before.standing.participant, &a, &who.actor())
        .await?;
    scan(ws, before.standing).await
}

/// How the programme's participants moved on its model.
pub struct ProgrammeMovement {
    pub programme: Programme,
    pub movement: Vec<Movement>,
    /// The fewest pairs (start and end) a dimension's figures need.
    pub min_group: usize,
}

/// The movement per dimension over every cohort of the programme (coordinators): counts
/// always, averages only over at least [`MIN_GROUP`] participants with both assessments.
pub async fn movement(
    ws: &Workspace,
    who: &Principal,
    programme_id: &str,
) -> Result<ProgrammeMovement> {
    let programme = super::coordinated_programme(ws, who, programme_id).await?;
    let scores = ws.store.learning().scores(&programme.id).await?;
    Ok(ProgrammeMovement {
        movement: koers_core::learning::model::movement(&programme.dimensions, &scores, MIN_GROUP),
        programme,
        min_group: MIN_GROUP,
    })
}

/// Puts a participant in one of the programme's target groups, or none (`targetGroup`
/// empty) (coordinators).
pub async fn set_target_group(
    ws: &Workspace,
    who: &Principal,
    participant_id: &str,
    mut input: Input,
) -> Result<Participant> {
    who.require(Permission::CoordinateLearning)?;
    let s = super::standing(ws, who, participant_id).await?;
    let raw = input.text("targetGroup");
    let group = input.finish(target_group(
        "targetGroup",
        &raw,
        &s.programme.target_groups,
    ))?;
    Ok(ws
        .store
        .learning()
        .set_target_group(&who.org.id, &s.participant, &group, &who.actor())
        .await?)
}

/// The live sessions a participant is expected at (for everyone and for their target
/// group) as an iCalendar file (the participant themselves or a coordinator).
pub async fn participant_calendar(
    ws: &Workspace,
    who: &Principal,
    participant_id: &str,
) -> Result<(Programme, String)> {
    let s = super::standing(ws, who, participant_id).await?;
    let ics = calendar_of(&s.programme, sessions_for(ws, &s).await?);
    Ok((s.programme, ics))
}

/// The reminder's text for one participant.
fn reminder(p: &Participant, s: &LiveSession, programme: &Programme) -> (String, String) {
    let date = koers_core::dates::long_date_nl(&s.date);
    let subject = format!("Herinnering: {} op {date} om {}", s.title, s.start_time);
    let link = if s.link.is_empty() {
        String::new()
    } else {
        format!("\nDeelnemen: {}\n", s.link)
    };
    let body = format!(
        "Beste {},\n\nOp {date} van {} tot {} is de live sessie ‘{}’ van {}.\n{link}\nDe afspraak voor uw agenda zit in de bijlage.\n\nU krijgt dit bericht omdat u deelneemt aan {}.\n",
        p.name, s.start_time, s.end_time, s.title, programme.name, programme.name
    );
    (subject, body)
}

/// Mails a reminder, with the session as an iCalendar attachment, to everyone a live
/// session is for, once, when it starts within the next day (run by the scheduler; every
/// session is claimed by one process only). Without a mailer nothing is claimed. Returns how
/// many messages went out.
pub async fn send_reminders(ws: &Workspace, now: chrono::DateTime<chrono::Utc>) -> usize {
    let Some(mailer) = ws.mailer().cloned() else {
        return 0;
    };
    let (from, until) = reminder_window(now);
    let due = match ws.store.learning().claim_due_reminders(&from, &until).await {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!("session reminders: {e}");
            return 0;
        }
    };
    let mut sent = 0;
    for (s, programme) in due {
        let people = match ws.store.learning().expected_at(&s).await {
            Ok(people) => people,
            Err(e) => {
                tracing::warn!("session reminders: {e}");
                continue;
            }
        };
        let ics = calendar_of(&programme, vec![s.clone()]);
        for p in people {
            let (subject, body) = reminder(&p, &s, &programme);
            match mailer
                .send_with_calendar((&p.email, &p.name), &subject, &body, ("sessie.ics", &ics))
                .await
            {
                Ok(()) => sent += 1,
                Err(e) => tracing::warn!("reminder to {}: {e}", p.email),
            }
        }
    }
    sent
}
