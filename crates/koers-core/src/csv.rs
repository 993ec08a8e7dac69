//! CSV cells as koers writes them: quoted where RFC 4180 needs it, and, for files people open
//! in a spreadsheet, never read as a formula.

/// A cell quoted when it holds a comma, quote or line break.
pub fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A cell for a file opened in a spreadsheet: text starting with `=`, `+`, `-` or `@` gets a
/// leading `'` so that it is never run as a formula (CSV injection), then [`quote`].
pub fn spreadsheet_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        quote(&format!("'{s}"))
    } else {
        quote(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_defused() {
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("zeg \"ja\""), "\"zeg \"\"ja\"\"\"");
        assert_eq!(quote("-3"), "-3");
        assert_eq!(spreadsheet_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(spreadsheet_cell("@SUM(A1),x"), "\"'@SUM(A1),x\"");
        assert_eq!(spreadsheet_cell("Fryslân"), "Fryslân");
    }
}
