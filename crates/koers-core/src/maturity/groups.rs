//! Respondent groups: a respondent says on the survey whether they are a board member
//! (bestuurder), a manager or an employee (medewerker), or prefers not to say; the results
//! per group are shown only for groups with at least the round's minimum of respondents, and
//! never so that a hidden group's figures follow from the others by subtraction.

use crate::error::Invalid;
use serde::Serialize;

/// Who a respondent is in their organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RespondentGroup {
    Executive,
    Manager,
    Employee,
}

impl RespondentGroup {
    pub const ALL: [RespondentGroup; 3] = [
        RespondentGroup::Executive,
        RespondentGroup::Manager,
        RespondentGroup::Employee,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RespondentGroup::Executive => "executive",
            RespondentGroup::Manager => "manager",
            RespondentGroup::Employee => "employee",
        }
    }

    /// A group as stored or sent; empty is "prefers not to say".
    pub fn parse(raw: &str) -> Result<Option<Self>, Invalid> {
        match raw.trim() {
            "" => Ok(None),
            s => Self::ALL
                .into_iter()
                .find(|g| g.as_str() == s)
                .map(Some)
                .ok_or_else(|| {
                    Invalid::one(
                        "group",
                        "enum",
                        "kies bestuurder (executive), manager (manager) of medewerker (employee), of laat leeg",
                    )
                }),
        }
    }
}

/// The groups whose figures may be shown, given how many responded in each (`None`: those
/// who did not say) and the round's minimum. A group needs at least `min` respondents; and
/// when exactly one pool with respondents stays hidden (a small group, or those who did not
/// say), the smallest shown group is hidden too, so that no hidden pool can be worked out
/// from the total and the others.
pub fn shown_groups(counts: &[(Option<RespondentGroup>, i64)], min: i64) -> Vec<RespondentGroup> {
    let count = |g: Option<RespondentGroup>| {
        counts
            .iter()
            .filter(|(x, _)| *x == g)
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    let min = min.max(1);
    let mut shown: Vec<RespondentGroup> = RespondentGroup::ALL
        .into_iter()
        .filter(|g| count(Some(*g)) >= min)
        .collect();
    let hidden_pools = RespondentGroup::ALL
        .into_iter()
        .map(Some)
        .chain([None])
        .filter(|g| g.is_none_or(|g| !shown.contains(&g)) && count(*g) > 0)
        .count();
    if hidden_pools == 1
        && let Some(smallest) = shown.iter().copied().min_by_key(|g| (count(Some(*g)), *g))
    {
        shown.retain(|g| *g != smallest);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::RespondentGroup::*;
    use super::*;

    #[test]
    fn groups_read_from_their_names() {
        assert_eq!(RespondentGroup::parse(" manager ").unwrap(), Some(Manager));
        assert_eq!(RespondentGroup::parse("").unwrap(), None);
        assert!(RespondentGroup::parse("wethouder").is_err());
        for g in RespondentGroup::ALL {
            assert_eq!(RespondentGroup::parse(g.as_str()).unwrap(), Some(g));
        }
    }

    #[test]
    fn a_group_is_shown_from_the_minimum_and_never_gives_another_away() {
        // All three large enough, nobody silent: all shown.
        let all = [
            (Some(Executive), 5),
            (Some(Manager), 6),
            (Some(Employee), 9),
        ];
        assert_eq!(shown_groups(&all, 5), vec![Executive, Manager, Employee]);
        // Executives too few: on its own it would follow from the total minus the others,
        // so the smallest shown group (managers) goes too.
        let few = [
            (Some(Executive), 2),
            (Some(Manager), 6),
            (Some(Employee), 9),
        ];
        assert_eq!(shown_groups(&few, 5), vec![Employee]);
        // Two hidden pools (few executives, and some who did not say) cover each other.
        let two = [
            (Some(Executive), 2),
            (Some(Manager), 6),
            (Some(Employee), 9),
            (None, 3),
        ];
        assert_eq!(shown_groups(&two, 5), vec![Manager, Employee]);
        // Only the silent pool hidden: it too could be worked out; the smallest goes.
        let silent = [(Some(Manager), 6), (Some(Employee), 9), (None, 1)];
        assert_eq!(shown_groups(&silent, 5), vec![Employee]);
        // Nobody at all, or nobody enough: nothing.
        assert!(shown_groups(&[], 5).is_empty());
        assert!(shown_groups(&[(Some(Manager), 4)], 5).is_empty());
        // An empty group does not count as hidden.
        let empty = [
            (Some(Manager), 6),
            (Some(Employee), 9),
            (Some(Executive), 0),
        ];
        assert_eq!(shown_groups(&empty, 5), vec![Manager, Employee]);
    }
}
