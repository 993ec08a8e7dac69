//! Markdown that coordinators write (a module's pages and assignments) as safe HTML: raw HTML
//! in the text is shown as text, links and images only go to web addresses (`https://`,
//! `http://`, `mailto:`) or within koers, and headings start below the heading the text stands
//! under, so the page keeps one outline.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

/// Whether a link's destination may be followed from a koers page.
fn safe(dest: &str) -> bool {
    let d = dest.trim();
    koers_core::learning::web_address(d)
        || d.starts_with("mailto:")
        || (d.starts_with('/') && !d.starts_with("//"))
        || d.starts_with('#')
}

/// A destination as written when it may be followed, else none.
fn followable(dest: CowStr<'_>) -> CowStr<'_> {
    if safe(&dest) { dest } else { CowStr::from("") }
}

/// A Markdown heading's level moved `below` levels down (at most `h6`).
fn lower(level: HeadingLevel, below: usize) -> HeadingLevel {
    const LEVELS: [HeadingLevel; 6] = [
        HeadingLevel::H1,
        HeadingLevel::H2,
        HeadingLevel::H3,
        HeadingLevel::H4,
        HeadingLevel::H5,
        HeadingLevel::H6,
    ];
    let at = LEVELS.iter().position(|l| *l == level).unwrap_or(0);
    LEVELS[(at + below).min(5)]
}

/// `text` (Markdown) as HTML that can be put in a page as it is, under a heading of level
/// `below` (its `#` becomes `h{below + 1}`).
pub fn to_html(text: &str, below: usize) -> String {
    let events =
        Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|e| {
            match e {
                Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
                Event::Start(mut tag) => {
                    match &mut tag {
                        Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                            *dest_url = followable(std::mem::replace(dest_url, CowStr::from("")));
                        }
                        Tag::Heading { level, .. } => *level = lower(*level, below),
                        _ => {}
                    }
                    Event::Start(tag)
                }
                Event::End(TagEnd::Heading(level)) => {
                    Event::End(TagEnd::Heading(lower(level, below)))
                }
                other => other,
            }
        });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_safe_html() {
        let h = to_html(
            "# Inleiding\n\nEen **vet** woord en [een bron](https://www.cbs.nl).\n\n###### Diep",
            2,
        );
        assert!(h.contains("<h3>Inleiding</h3>"), "{h}");
        assert!(h.contains("<h6>Diep</h6>"), "{h}");
        assert!(h.contains("<strong>vet</strong>"));
        assert!(h.contains("href=\"https://www.cbs.nl\""));
        let hostile = to_html(
            "<script>alert(1)</script>\n\n[klik](javascript:alert(1)) <img src=x onerror=alert(1)> ![x](data:text/html,x)",
            1,
        );
        assert!(!hostile.contains("<script"), "{hostile}");
        assert!(!hostile.contains("<img src=x"), "{hostile}");
        assert!(!hostile.contains("javascript:"), "{hostile}");
        assert!(!hostile.contains("data:text"), "{hostile}");
        assert!(hostile.contains("&lt;script&gt;"), "{hostile}");
    }
}
