//! Documents for the maturity monitor: recognising an upload by its content (PDF, DOCX or
//! plain text, nothing else), extracting its text, and keeping the file under a
//! content-addressed name in the data folder (never under the name the user gave it).

use koers_core::Invalid;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// The largest document accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
/// The most text a DOCX may unpack to (guards against zip bombs).
const MAX_XML_BYTES: u64 = 50 * 1024 * 1024;

/// The kinds of document koers reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Pdf,
    Docx,
    Text,
}

impl DocKind {
    pub fn media_type(self) -> &'static str {
        match self {
            DocKind::Pdf => "application/pdf",
            DocKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            DocKind::Text => "text/plain",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            DocKind::Pdf => "pdf",
            DocKind::Docx => "docx",
            DocKind::Text => "txt",
        }
    }
}

fn refuse(code: &str, reason: &str) -> Invalid {
    Invalid::one("file", code, reason)
}

/// Recognises a document by its bytes (and, for plain text, its name): a PDF starts with
/// `%PDF-`, a DOCX is a zip with `word/document.xml`, plain text is UTF-8 without control
/// characters in a `.txt` or `.md` file.
pub fn detect(file_name: &str, bytes: &[u8]) -> Result<DocKind, Invalid> {
    if bytes.is_empty() {
        return Err(refuse("empty", "het bestand is leeg"));
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(refuse("too_large", "het bestand is groter dan 10 MB"));
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(DocKind::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(DocKind::Docx);
    }
    let ext = Path::new(file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let text_like = std::str::from_utf8(bytes).is_ok_and(|s| {
        !s.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    });
    if matches!(ext.as_str(), "txt" | "md") && text_like {
        return Ok(DocKind::Text);
    }
    Err(refuse(
        "type",
        "alleen PDF, DOCX (Word) of platte tekst (.txt, UTF-8) kan worden gelezen",
    ))
}

/// The text of a document; a document without any text is refused.
pub fn extract(kind: DocKind, bytes: &[u8]) -> Result<String, Invalid> {
    let text = match kind {
        DocKind::Pdf => pdf_text(bytes)?,
        DocKind::Docx => docx_text(bytes)?,
        DocKind::Text => String::from_utf8_lossy(bytes).replace("\r\n", "\n"),
    };
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(refuse(
            "no_text",
            "er staat geen leesbare tekst in dit document (een scan zonder tekstlaag?)",
        ));
    }
    Ok(text)
}

fn pdf_text(bytes: &[u8]) -> Result<String, Invalid> {
    let doc = lopdf::Document::load_mem(bytes)
        .map_err(|_| refuse("malformed", "dit PDF-bestand is beschadigd of onleesbaar"))?;
    if doc.is_encrypted() {
        return Err(refuse(
            "encrypted",
            "dit PDF-bestand is beveiligd met een wachtwoord",
        ));
    }
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages)
        .map_err(|_| refuse("malformed", "de tekst van dit PDF-bestand is niet te lezen"))
}

fn docx_text(bytes: &[u8]) -> Result<String, Invalid> {
    let malformed = || {
        refuse(
            "malformed",
            "dit Word-bestand (DOCX) is beschadigd of onleesbaar",
        )
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| malformed())?;
    let entry = archive
        .by_name("word/document.xml")
        .map_err(|_| refuse("type", "dit zip-bestand is geen Word-document (DOCX)"))?;
    let mut xml = String::new();
    entry
        .take(MAX_XML_BYTES + 1)
        .read_to_string(&mut xml)
        .map_err(|_| malformed())?;
    if xml.len() as u64 > MAX_XML_BYTES {
        return Err(refuse("too_large", "dit Word-document bevat te veel tekst"));
    }
    docx_xml_text(&xml).ok_or_else(malformed)
}

/// The text of the runs (`w:t`) of a WordprocessingML body, a line per paragraph.
fn docx_xml_text(xml: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if e.name().as_ref() == "w:t" => in_text = true,
            Event::End(e) => match e.name().as_ref() {
                "w:t" => in_text = false,
                "w:p" => out.push('\n'),
                _ => {}
            },
            Event::Empty(e) => match e.name().as_ref() {
                "w:tab" => out.push('\t'),
                "w:br" => out.push('\n'),
                _ => {}
            },
            Event::Text(t) if in_text => out.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    out.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    out.push_str(s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Some(out)
}

/// Keeps `bytes` in `<data_dir>/maturity/<sha256>.<ext>` (written to a temporary name, then
/// renamed) and gives that file name back. The same content is kept once.
pub fn store_file(data_dir: &Path, bytes: &[u8], kind: DocKind) -> std::io::Result<String> {
    let digest: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let name = format!("{digest}.{}", kind.extension());
    let dir = data_dir.join("maturity");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(&name);
    if !path.exists() {
        let tmp = dir.join(format!("{name}.{}.tmp", uuid::Uuid::now_v7()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn docx(body: &str) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        z.start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        z.write_all(body.as_bytes()).unwrap();
        z.finish().unwrap();
        buf.into_inner()
    }

    #[test]
    fn docx_runs_become_text() {
        let xml = r#"<?xml version="1.0"?><w:document xmlns:w="x"><w:body><w:p><w:r><w:t>Visie &amp; strategie</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve"> 2026</w:t></w:r></w:p><w:p><w:r><w:t>Data&#233;</w:t></w:r></w:p></w:body></w:document>"#;
        let bytes = docx(xml);
        assert_eq!(detect("visie.docx", &bytes).unwrap(), DocKind::Docx);
        assert_eq!(
            extract(DocKind::Docx, &bytes).unwrap(),
            "Visie & strategie\t 2026\nDataé"
        );
    }

    #[test]
    fn other_files_are_refused() {
        assert_eq!(
            detect("a.exe", b"MZ\x90\x00").unwrap_err().0[0].code,
            "type"
        );
        assert_eq!(detect("a.txt", b"").unwrap_err().0[0].code, "empty");
        assert_eq!(
            detect("a.txt", b"bin\x00ary").unwrap_err().0[0].code,
            "type"
        );
        assert_eq!(detect("a.txt", "Visie".as_bytes()).unwrap(), DocKind::Text);
        // A zip that is no Word document, and a PDF that is broken.
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        z.start_file("x.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.finish().unwrap();
        let zip = buf.into_inner();
        assert_eq!(extract(DocKind::Docx, &zip).unwrap_err().0[0].code, "type");
        assert_eq!(
            extract(DocKind::Pdf, b"%PDF-1.4 garbage").unwrap_err().0[0].code,
            "malformed"
        );
        assert_eq!(
            extract(DocKind::Text, b"  \n ").unwrap_err().0[0].code,
            "no_text"
        );
    }

    #[test]
    fn files_are_stored_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let a = store_file(dir.path(), b"Visie", DocKind::Text).unwrap();
        let b = store_file(dir.path(), b"Visie", DocKind::Text).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 64 + 4);
        assert!(dir.path().join("maturity").join(&a).exists());
    }
}
