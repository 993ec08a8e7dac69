//! Markdown that coordinators write (a module's pages and assignments) as safe HTML: raw HTML
//! in the text is shown as text, links and images only go to web addresses (`https://`,
//! `http://`, `mailto:`) or within koers, and headings start below the heading the text stands
//! under, so the page keeps one outline. Also the little HTML of koers' reference sources
//! ([`reference_html`]).

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

/// A text of koers' reference sources (the AI Act decision aid, the DPIA pre-scan) as safe
/// HTML: the little markup they use — line breaks, bold, italics and links to web addresses —
/// is kept, any other tag is left out, and the rest is text. A tag is kept only where it
/// closes what it opened, and what is left open is closed at the end, so nothing reaches past
/// the text.
pub fn reference_html(text: &str) -> String {
    let mut out = String::new();
    let mut open: Vec<&'static str> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        escape_into(&mut out, &rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('>');
        let looks_like_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/');
        let (Some(end), true) = (end, looks_like_tag) else {
            out.push_str("&lt;");
            rest = after;
            continue;
        };
        match inline_tag(&after[..end]) {
            Some(Inline::Break) => out.push_str("<br>"),
            Some(Inline::Open(name, attributes)) => {
                out.push_str(&format!("<{name}{attributes}>"));
                open.push(name);
            }
            Some(Inline::Close(name)) if open.last() == Some(&name) => {
                open.pop();
                out.push_str(&format!("</{name}>"));
            }
            _ => {}
        }
        rest = &after[end + 1..];
    }
    escape_into(&mut out, rest);
    for name in open.into_iter().rev() {
        out.push_str(&format!("</{name}>"));
    }
    out
}

enum Inline {
    Break,
    Open(&'static str, String),
    Close(&'static str),
}

/// A tag of the reference sources (what stands between `<` and `>`) as koers writes it.
fn inline_tag(tag: &str) -> Option<Inline> {
    let tag = tag.trim().trim_end_matches('/').trim_end();
    let (name, attributes) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
    Some(match name.to_ascii_lowercase().as_str() {
        "br" => Inline::Break,
        "strong" | "b" => Inline::Open("strong", String::new()),
        "/strong" | "/b" => Inline::Close("strong"),
        "i" | "em" => Inline::Open("em", String::new()),
        "/i" | "/em" => Inline::Close("em"),
        "a" => {
            let href = attribute(attributes, "href").filter(|h| {
                let h = h.trim();
                koers_core::learning::web_address(h) || h.starts_with("mailto:")
            });
            // A link that may not be followed stays as its text.
            let mut attrs = String::new();
            if let Some(h) = href {
                attrs.push_str(" class=\"utrecht-link\" href=\"");
                escape_into(&mut attrs, h.trim());
                attrs.push('"');
            }
            Inline::Open("a", attrs)
        }
        "/a" => Inline::Close("a"),
        _ => return None,
    })
}

/// The value of attribute `name` in a tag's attributes (`href="…"` or `href='…'`).
fn attribute<'a>(attributes: &'a str, name: &str) -> Option<&'a str> {
    let at = attributes.find(&format!("{name}="))? + name.len() + 1;
    let quoted = &attributes[at..];
    let quote = quoted.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = &quoted[1..];
    inner.find(quote).map(|end| &inner[..end])
}

/// `text` escaped for HTML, keeping character references (`&amp;`, `&#58;`) as written.
fn escape_into(out: &mut String, text: &str) {
    for (i, c) in text.char_indices() {
        match c {
            '&' if is_reference(&text[i..]) => out.push('&'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
}

/// Whether `s` starts with a character reference: `&name;`, `&#58;` or `&#x3A;`.
fn is_reference(s: &str) -> bool {
    let Some(end) = s.find(';') else {
        return false;
    };
    let body = &s[1..end];
    match body.strip_prefix('#') {
        Some(n) => {
            let n = n
                .strip_prefix(['x', 'X'])
                .map_or(n.chars().all(|c| c.is_ascii_digit()), |h| {
                    h.chars().all(|c| c.is_ascii_hexdigit())
                });
            n && end > 2
        }
        None => {
            !body.is_empty() && body.len() <= 10 && body.chars().all(|c| c.is_ascii_alphanumeric())
        }
    }
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

    #[test]
    fn a_reference_text_keeps_its_little_markup_and_nothing_else() {
        let h = reference_html(
            "<strong>Let op: </strong> geldt vanaf 2025.<br> • AI-geletterdheid (Artikel 4)<br><i>Geldig</i> &#58; zie <a href=\"https://minbzk.github.io/Algoritmekader/\" target=\"_blank\">het kader</a>.",
        );
        assert_eq!(
            h,
            "<strong>Let op: </strong> geldt vanaf 2025.<br> • AI-geletterdheid (Artikel 4)<br><em>Geldig</em> &#58; zie <a class=\"utrecht-link\" href=\"https://minbzk.github.io/Algoritmekader/\">het kader</a>."
        );
        // Everything else is text or left out; a stray tag cannot reach past the text.
        let hostile = reference_html(
            "<script>alert(1)</script><a href=\"javascript:alert(1)\">x</a> <strong>open & 3 < 5 > 1 <img src=x onerror=alert(1)>",
        );
        assert_eq!(
            hostile,
            "alert(1)<a>x</a> <strong>open &amp; 3 &lt; 5 &gt; 1 </strong>"
        );
        assert_eq!(reference_html("</strong>tekst<i>"), "tekst<em></em>");
    }
}
