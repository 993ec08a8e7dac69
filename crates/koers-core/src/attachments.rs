//! Files attached to work (data questions): which kinds are accepted, checked by name and by
//! content, so that a renamed executable or an HTML page posing as a PDF is refused.

use crate::error::Invalid;

/// A kind of file koers accepts as an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentKind {
    /// File extensions (lower case) of this kind.
    pub extensions: &'static [&'static str],
    /// The content type it is served with.
    pub content_type: &'static str,
    /// What the first bytes must be.
    magic: Magic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Magic {
    Prefix(&'static [u8]),
    /// UTF-8 text without NUL bytes (CSV, plain text).
    Text,
}

/// Every accepted kind.
pub const KINDS: [AttachmentKind; 7] = [
    AttachmentKind {
        extensions: &["pdf"],
        content_type: "application/pdf",
        magic: Magic::Prefix(b"%PDF-"),
    },
    AttachmentKind {
        extensions: &["docx", "xlsx", "pptx"],
        content_type: "application/vnd.openxmlformats-officedocument",
        magic: Magic::Prefix(b"PK\x03\x04"),
    },
    AttachmentKind {
        extensions: &["odt", "ods", "odp"],
        content_type: "application/vnd.oasis.opendocument",
        magic: Magic::Prefix(b"PK\x03\x04"),
    },
    AttachmentKind {
        extensions: &["png"],
        content_type: "image/png",
        magic: Magic::Prefix(b"\x89PNG\r\n\x1a\n"),
    },
    AttachmentKind {
        extensions: &["jpg", "jpeg"],
        content_type: "image/jpeg",
        magic: Magic::Prefix(b"\xFF\xD8\xFF"),
    },
    AttachmentKind {
        extensions: &["csv"],
        content_type: "text/csv; charset=utf-8",
        magic: Magic::Text,
    },
    AttachmentKind {
        extensions: &["txt", "md"],
        content_type: "text/plain; charset=utf-8",
        magic: Magic::Text,
    },
];

/// The accepted extensions, for the file picker's `accept` and for messages.
pub fn accepted_extensions() -> Vec<&'static str> {
    KINDS
        .iter()
        .flat_map(|k| k.extensions.iter().copied())
        .collect()
}

/// The file name as shown and offered for download: no folders, no control characters, no
/// quotes, at most 120 characters; never empty.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_string();
    let mut name: String = cleaned
        .chars()
        .rev()
        .take(120)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if name.is_empty() {
        name = "bijlage".into();
    }
    name
}

/// Checks an attachment by name, size and first bytes (`head`: at least the first 512 bytes
/// of the file, or all of it when smaller). `max` is the largest size accepted.
pub fn check(file_name: &str, size: u64, head: &[u8], max: u64) -> Result<AttachmentKind, Invalid> {
    if size == 0 {
        return Err(Invalid::one("file", "empty", "het bestand is leeg"));
    }
    if size > max {
        return Err(Invalid::one(
            "file",
            "too_large",
            &format!("het bestand is groter dan {} MB", max.div_ceil(1024 * 1024)),
        ));
    }
    let ext = std::path::Path::new(&clean_file_name(file_name))
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let Some(kind) = KINDS.iter().find(|k| k.extensions.contains(&ext.as_str())) else {
        return Err(Invalid::one(
            "file",
            "type",
            &format!(
                "dit soort bestand wordt niet aangenomen; wel: {}",
                accepted_extensions().join(", ")
            ),
        ));
    };
    let fits = match kind.magic {
        Magic::Prefix(p) => head.starts_with(p),
        Magic::Text => !head.contains(&0) && utf8_prefix(head),
    };
    if !fits {
        return Err(Invalid::one(
            "file",
            "content",
            &format!("de inhoud is geen {}-bestand", ext.to_uppercase()),
        ));
    }
    Ok(*kind)
}

/// Whether `head` is valid UTF-8, allowing a character cut off at its end.
fn utf8_prefix(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: u64 = 1024 * 1024;

    #[test]
    fn accepted_kinds_by_name_and_content() {
        assert_eq!(
            check("nota.pdf", 10, b"%PDF-1.7\n", MB)
                .unwrap()
                .content_type,
            "application/pdf"
        );
        assert!(check("Kaart.PNG", 10, b"\x89PNG\r\n\x1a\nxxxx", MB).is_ok());
        assert!(check("tabel.xlsx", 10, b"PK\x03\x04....", MB).is_ok());
        assert!(check("data.csv", 10, "gemeente;aantal\nArnhem;3\n".as_bytes(), MB).is_ok());
        // A multi-byte character cut off at the end of the head is fine.
        assert!(check("notitie.txt", 10, &"één".as_bytes()[..4], MB).is_ok());
    }

    #[test]
    fn refused_with_a_reason() {
        let code = |r: Result<AttachmentKind, Invalid>| r.unwrap_err().0[0].code.clone();
        assert_eq!(code(check("x.exe", 10, b"MZ", MB)), "type");
        assert_eq!(code(check("x", 10, b"%PDF-", MB)), "type");
        assert_eq!(code(check("x.pdf", 10, b"<html><script>", MB)), "content");
        assert_eq!(code(check("x.csv", 10, b"a,b\0c", MB)), "content");
        assert_eq!(
            code(check("x.txt", 10, b"\xFF\xFE\xFD\xFC\xFB", MB)),
            "content"
        );
        assert_eq!(code(check("x.pdf", 0, b"", MB)), "empty");
        assert_eq!(code(check("x.pdf", 2 * MB, b"%PDF-", MB)), "too_large");
    }

    #[test]
    fn file_names_are_cleaned() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            clean_file_name("C:\\Users\\x\\nota \"v2\".pdf"),
            "nota v2.pdf"
        );
        assert_eq!(clean_file_name("...hidden"), "hidden");
        assert_eq!(clean_file_name("\u{1}\u{2}"), "bijlage");
        assert_eq!(
            clean_file_name(&format!("{}.pdf", "a".repeat(300))).len(),
            120
        );
        assert!(clean_file_name(&format!("{}.pdf", "a".repeat(300))).ends_with(".pdf"));
    }
}
