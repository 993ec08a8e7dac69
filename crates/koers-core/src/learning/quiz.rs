//! A module's short quiz and its reflection: the coordinator writes a quiz as plain lines —
//! a question after `?`, its options after `-`, the right one after `*` — and a participant's
//! choices are marked against it; a reflection is the participant's own text on a prompt.

use crate::error::{Invalid, long_text};
use serde::{Deserialize, Serialize};

/// The most questions one quiz may hold.
pub const MAX_QUESTIONS: usize = 20;
/// The most options one question may offer.
pub const MAX_OPTIONS: usize = 8;
/// The longest reflection, in characters.
pub const MAX_REFLECTION: usize = 5000;

/// One multiple-choice question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub text: String,
    pub options: Vec<String>,
    /// The index of the right option.
    pub correct: usize,
}

/// A quiz: its questions in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quiz {
    pub questions: Vec<Question>,
}

fn problem(line: usize, reason: &str) -> Invalid {
    Invalid::one("body", "quiz", &format!("regel {line}: {reason}"))
}

impl Quiz {
    /// Reads a quiz:
    ///
    /// ```text
    /// ? Wat is een datagedreven besluit?
    /// - Een besluit op gevoel
    /// * Een besluit onderbouwd met data
    /// ```
    ///
    /// Every question has two to [`MAX_OPTIONS`] options, exactly one of them right; blank
    /// lines are skipped; any other line is refused with its number.
    pub fn parse(body: &str) -> Result<Quiz, Invalid> {
        let mut questions: Vec<(usize, Question, usize)> = Vec::new();
        let mut errors = Vec::new();
        for (i, raw) in body.lines().enumerate() {
            let n = i + 1;
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let (mark, rest) = line.split_at(1);
            let rest = rest.trim();
            match (mark, questions.last_mut()) {
                ("?", _) if !rest.is_empty() => questions.push((
                    n,
                    Question {
                        text: rest.to_string(),
                        options: Vec::new(),
                        correct: usize::MAX,
                    },
                    0,
                )),
                ("-" | "*", Some((_, q, rights))) if !rest.is_empty() => {
                    if mark == "*" {
                        q.correct = q.options.len();
                        *rights += 1;
                    }
                    q.options.push(rest.to_string());
                }
                ("-" | "*", None) => errors.push(problem(
                    n,
                    "een antwoord hoort onder een vraag (begin een vraag met ?)",
                )),
                _ => errors.push(problem(
                    n,
                    "begin met ? (vraag), - (antwoord) of * (het goede antwoord)",
                )),
            }
        }
        for (n, q, rights) in &questions {
            if !(2..=MAX_OPTIONS).contains(&q.options.len()) {
                errors.push(problem(
                    *n,
                    &format!("geef 2 tot en met {MAX_OPTIONS} antwoorden"),
                ));
            }
            if *rights != 1 {
                errors.push(problem(*n, "markeer precies één goed antwoord met *"));
            }
        }
        if questions.is_empty() && errors.is_empty() {
            errors.push(Invalid::one(
                "body",
                "required",
                "schrijf minstens één vraag (begin de regel met ?)",
            ));
        }
        if questions.len() > MAX_QUESTIONS {
            errors.push(Invalid::one(
                "body",
                "too_many",
                &format!("hoogstens {MAX_QUESTIONS} vragen"),
            ));
        }
        if !errors.is_empty() {
            return Err(Invalid(errors.into_iter().flat_map(|e| e.0).collect()));
        }
        Ok(Quiz {
            questions: questions.into_iter().map(|(_, q, _)| q).collect(),
        })
    }

    /// Marks a participant's choices (`choices[i]`: the option chosen for question `i`, as
    /// sent); every question needs an answer among its options.
    pub fn mark(&self, choices: &[String]) -> Result<Marked, Invalid> {
        let mut errors = Vec::new();
        let mut chosen = Vec::new();
        for (i, q) in self.questions.iter().enumerate() {
            match choices
                .get(i)
                .and_then(|c| c.trim().parse::<usize>().ok())
                .filter(|c| *c < q.options.len())
            {
                Some(c) => chosen.push(c),
                None => errors.push(Invalid::one(
                    &format!("q{}", i + 1),
                    "required",
                    &format!("kies een antwoord bij vraag {}", i + 1),
                )),
            }
        }
        if choices.len() > self.questions.len() {
            errors.push(Invalid::one(
                "choices",
                "too_many",
                "meer antwoorden dan vragen",
            ));
        }
        if !errors.is_empty() {
            return Err(Invalid(errors.into_iter().flat_map(|e| e.0).collect()));
        }
        let right = self
            .questions
            .iter()
            .zip(&chosen)
            .filter(|(q, c)| q.correct == **c)
            .count() as u32;
        Ok(Marked {
            chosen,
            right,
            total: self.questions.len() as u32,
        })
    }
}

/// A participant's marked quiz.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marked {
    /// The option chosen per question.
    pub chosen: Vec<usize>,
    pub right: u32,
    pub total: u32,
}

/// A participant's reflection: their own text on the prompt.
pub fn reflection(raw: &str) -> Result<String, Invalid> {
    long_text("answer", raw, MAX_REFLECTION)
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUIZ: &str = "? Wat is een datagedreven besluit?\n- Een besluit op gevoel\n* Een besluit onderbouwd met data\n\n? Wie is eigenaar van een dataset?\n* De data-eigenaar\n- Iedereen\n- Niemand\n";

    #[test]
    fn a_quiz_reads_from_lines_and_marks_choices() {
        let q = Quiz::parse(QUIZ).unwrap();
        assert_eq!(q.questions.len(), 2);
        assert_eq!(q.questions[0].correct, 1);
        assert_eq!(
            q.questions[1].options,
            ["De data-eigenaar", "Iedereen", "Niemand"]
        );
        let m = q.mark(&["1".into(), "2".into()]).unwrap();
        assert_eq!((m.right, m.total, m.chosen), (1, 2, vec![1, 2]));
        let m = q.mark(&["1".into(), " 0 ".into()]).unwrap();
        assert_eq!(m.right, 2);
        let e = q.mark(&["9".into()]).unwrap_err();
        let names: Vec<&str> = e.0.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["q1", "q2"]);
        assert!(q.mark(&["0".into(), "0".into(), "0".into()]).is_err());
    }

    #[test]
    fn every_problem_in_a_quiz_is_named_by_its_line() {
        let e = Quiz::parse("- los antwoord\n? Vraag\n- a\n- b\nzomaar tekst\n? Tweede\n* x\n")
            .unwrap_err();
        let reasons: Vec<&str> = e.0.iter().map(|f| f.reason.as_str()).collect();
        assert!(
            reasons[0].starts_with("regel 1: een antwoord hoort onder een vraag"),
            "{reasons:?}"
        );
        assert!(
            reasons[1].starts_with("regel 5: begin met ?"),
            "{reasons:?}"
        );
        assert!(reasons.contains(&"regel 2: markeer precies één goed antwoord met *"));
        assert!(reasons.contains(&"regel 6: geef 2 tot en met 8 antwoorden"));
        assert!(Quiz::parse("  \n").is_err());
        let two_right = "? V\n* a\n* b\n";
        assert!(Quiz::parse(two_right).is_err());
        let many: String = (0..21).map(|i| format!("? V{i}\n* a\n- b\n")).collect();
        assert_eq!(Quiz::parse(&many).unwrap_err().0[0].code, "too_many");
    }

    #[test]
    fn a_reflection_is_text_of_bounded_length() {
        assert_eq!(
            reflection("  Ik leerde veel.\r\n ").unwrap(),
            "Ik leerde veel."
        );
        assert!(reflection("   ").is_err());
        assert!(reflection(&"x".repeat(MAX_REFLECTION + 1)).is_err());
    }
}
