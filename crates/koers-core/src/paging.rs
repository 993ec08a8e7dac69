//! Long lists a page at a time: which page an address asks for, which items it holds, and
//! which page numbers to offer (the GOV.UK pagination pattern: the first, the last, the
//! current one with its neighbours, and a gap for what lies between).

use crate::Invalid;
use serde::Serialize;
use std::ops::Range;

/// One page of a list of `total` items, `size` to a page; `number` counts from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Page {
    pub number: usize,
    pub size: usize,
    pub total: usize,
}

impl Page {
    /// The page an address asks for by number (empty: the first). A number past the last
    /// page is the last page (a narrower search may have left fewer); anything but a whole
    /// number from 1 is refused.
    pub fn parse(raw: &str, size: usize, total: usize) -> Result<Page, Invalid> {
        let raw = raw.trim();
        let number = if raw.is_empty() {
            1
        } else {
            match raw.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(Invalid::one(
                        "page",
                        "pattern",
                        "is geen paginanummer: een heel getal vanaf 1",
                    ));
                }
            }
        };
        let first = Page::first(size, total);
        Ok(Page {
            number: number.min(first.last()),
            ..first
        })
    }

    /// The first page of the list.
    pub fn first(size: usize, total: usize) -> Page {
        Page {
            number: 1,
            size: size.max(1),
            total,
        }
    }

    /// The number of the last page (an empty list has one, empty, page).
    pub fn last(&self) -> usize {
        self.total.div_ceil(self.size).max(1)
    }

    /// The positions (from 0) of the items on this page.
    pub fn range(&self) -> Range<usize> {
        let start = ((self.number - 1) * self.size).min(self.total);
        start..(start + self.size).min(self.total)
    }

    /// The page numbers to offer, in order, `None` where numbers are left out: the first
    /// and the last page, and this page with one on either side.
    pub fn links(&self) -> Vec<Option<usize>> {
        let last = self.last();
        let mut out: Vec<Option<usize>> = Vec::new();
        for n in 1..=last {
            let near = n.abs_diff(self.number) <= 1;
            if n == 1 || n == last || near {
                out.push(Some(n));
            } else if out.last().is_some_and(Option::is_some) {
                out.push(None);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_names_a_page_or_the_first_is_meant() {
        assert_eq!(Page::parse("", 50, 140).unwrap().number, 1);
        assert_eq!(Page::parse(" 2 ", 50, 140).unwrap().number, 2);
        // Past the end (a narrower search left fewer): the last page.
        assert_eq!(Page::parse("9", 50, 140).unwrap().number, 3);
        assert_eq!(Page::parse("4", 50, 0).unwrap().number, 1);
        for bad in ["0", "-1", "twee", "1.5", "99999999999999999999999"] {
            let e = Page::parse(bad, 50, 140).unwrap_err();
            assert_eq!(e.0[0].name, "page", "{bad}");
        }
    }

    #[test]
    fn a_page_holds_its_share_of_the_list() {
        let p = |n: &str| Page::parse(n, 50, 140).unwrap();
        assert_eq!(p("1").range(), 0..50);
        assert_eq!(p("3").range(), 100..140);
        assert_eq!(p("1").last(), 3);
        assert_eq!(Page::first(50, 0).range(), 0..0);
        assert_eq!(Page::first(50, 50).last(), 1);
        assert_eq!(
            Page::first(0, 3).last(),
            3,
            "a size of nothing counts as one"
        );
    }

    #[test]
    fn the_numbers_offered_leave_out_the_far_middle() {
        let links = |n: &str, total| Page::parse(n, 10, total).unwrap().links();
        assert_eq!(links("1", 30), vec![Some(1), Some(2), Some(3)]);
        assert_eq!(
            links("5", 100),
            vec![Some(1), None, Some(4), Some(5), Some(6), None, Some(10)]
        );
        assert_eq!(links("1", 100), vec![Some(1), Some(2), None, Some(10)]);
        assert_eq!(
            links("3", 100),
            vec![Some(1), Some(2), Some(3), Some(4), None, Some(10)]
        );
        assert_eq!(links("1", 5), vec![Some(1)]);
    }
}
