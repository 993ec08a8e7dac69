//! CSV cells as koers writes them: quoted where RFC 4180 needs it, and, for files people open
//! in a spreadsheet, never read as a formula.

/// A cell quoted when it holds a comma, quote or line break.
pub fn quote(s: &str) -> String {
    quote_for(s, ',')
}

/// A cell quoted when it holds the separator `sep` (`,`, or `;` for Dutch Excel), a quote
/// or a line break.
pub fn quote_for(s: &str, sep: char) -> String {
    if s.contains([sep, '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Whether `s` is a plain decimal number (`-12`, `+3.5`, `1e-7`): a spreadsheet reads it as
/// that number, never as a formula.
fn is_number(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (digits(int) || int.is_empty()) && (digits(frac) || frac.is_empty()) && mantissa != "."
        }
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)))
}

/// A text value defused for a spreadsheet (OWASP, CSV injection): text starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so that it is shown as text
/// and never run as a formula. Numbers (`-3`) stay numbers.
pub fn defuse(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_number(s) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A cell for a file opened in a spreadsheet: [`defuse`]d, then [`quote`]d.
pub fn spreadsheet_cell(s: &str) -> String {
    quote(&defuse(s))
}

/// A text cell for a spreadsheet file whose cells are separated by `sep`.
pub fn spreadsheet_cell_for(s: &str, sep: char) -> String {
    quote_for(&defuse(s), sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_defused() {
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote_for("a,b", ';'), "a,b");
        assert_eq!(spreadsheet_cell_for("=a;b", ';'), "\"'=a;b\"");
        assert_eq!(quote("zeg \"ja\""), "\"zeg \"\"ja\"\"\"");
        assert_eq!(quote("-3"), "-3");
        assert_eq!(spreadsheet_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(spreadsheet_cell("@SUM(A1),x"), "\"'@SUM(A1),x\"");
        assert_eq!(spreadsheet_cell("Fryslân"), "Fryslân");
        for (cell, out) in [
            ("+31 30 123", "'+31 30 123"),
            ("-2+3", "'-2+3"),
            ("-", "'-"),
            ("-A1", "'-A1"),
            ("\t=1", "'\t=1"),
            ("\r=1", "\"'\r=1\""),
            ("-1e5x", "'-1e5x"),
            ("-inf", "'-inf"),
            ("-.", "'-."),
            ("-3", "-3"),
            ("+3.25", "+3.25"),
            ("-0.5", "-0.5"),
            ("-.5", "-.5"),
            ("-1e-7", "-1e-7"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_cell(cell), out, "{cell:?}");
        }
    }
}
