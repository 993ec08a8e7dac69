//! Writes a [`Document`] as an OpenDocument Text file (ODF 1.3), editable in LibreOffice and Word.
//!
//! The package holds `mimetype` (first, stored), `META-INF/manifest.xml`, `content.xml`,
//! `styles.xml` (named paragraph styles, an A4 page with 2 cm margins and a footer with the page
//! number), `meta.xml` and one PNG under `Pictures/` per image. Charts become plain tables, so
//! their numbers stay editable. Output is deterministic: the zip entries carry a fixed timestamp.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

use crate::{Bars, Block, Document, Image, Radar, Table};

const MIMETYPE: &str = "application/vnd.oasis.opendocument.text";
/// The width of the text area: A4 (21 cm) less two margins of 2 cm.
const TEXT_WIDTH_CM: f32 = 17.0;
/// Pictures are this wide, unless that would make them taller than [`IMAGE_MAX_HEIGHT_CM`].
const IMAGE_WIDTH_CM: f32 = 16.0;
/// The tallest picture, as in the PDF (420 points).
const IMAGE_MAX_HEIGHT_CM: f32 = 14.8;
/// Most decimals shown for a bar value (guards against absurd precisions).
const MAX_DECIMALS: usize = 12;

const NS_OFFICE: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0""#;

/// Renders a document as an OpenDocument Text (`.odt`) file. `lang` is a language tag such as
/// `"nl"` or `"en-GB"`; it sets the document language used for spelling and hyphenation.
pub fn render_odt(doc: &Document, lang: &str) -> Vec<u8> {
    let lang = Lang::parse(lang);
    let mut body = Body::default();
    for block in &doc.blocks {
        body.block(block);
    }
    let mut files = vec![
        ("content.xml".to_string(), "text/xml", body.content_xml()),
        (
            "styles.xml".to_string(),
            "text/xml",
            styles_xml(doc, lang.as_ref()),
        ),
        (
            "meta.xml".to_string(),
            "text/xml",
            meta_xml(doc, lang.as_ref()),
        ),
    ];
    for (i, png) in body.pictures.into_iter().enumerate() {
        files.push((picture_path(i), "image/png", png));
    }
    package(&files).expect("writing a zip archive to memory cannot fail")
}

/// Zips `mimetype` (first, stored), the manifest and the parts; XML is deflated, pictures stored.
fn package(files: &[(String, &str, Vec<u8>)]) -> zip::result::ZipResult<Vec<u8>> {
    let stored = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::DEFAULT)
        .system(System::Unix)
        .unix_permissions(0o644);
    let deflated = stored.compression_method(CompressionMethod::Deflated);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("mimetype", stored)?;
    zip.write_all(MIMETYPE.as_bytes())?;
    zip.start_file("META-INF/manifest.xml", deflated)?;
    zip.write_all(manifest_xml(files).as_bytes())?;
    for (path, media_type, data) in files {
        let options = if media_type.starts_with("image/") {
            stored
        } else {
            deflated
        }
        .large_file(data.len() >= u32::MAX as usize);
        zip.start_file(path.as_str(), options)?;
        zip.write_all(data)?;
    }
    Ok(zip.finish()?.into_inner())
}

fn picture_path(index: usize) -> String {
    format!("Pictures/image{}.png", index + 1)
}

fn manifest_xml(files: &[(String, &str, Vec<u8>)]) -> String {
    let mut xml = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">"#,
        r#"<manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.text"/>"#,
    ));
    for (path, media_type, _) in files {
        xml.push_str(&format!(
            r#"<manifest:file-entry manifest:full-path="{path}" manifest:media-type="{media_type}"/>"#
        ));
    }
    xml.push_str("</manifest:manifest>");
    xml
}

/// A language tag split into an ISO 639 language and an optional ISO 3166 country.
struct Lang {
    language: String,
    country: Option<String>,
}

impl Lang {
    /// Accepts `nl`, `nl-NL`, `en_GB` and the like; anything else gives no language.
    fn parse(tag: &str) -> Option<Lang> {
        let mut parts = tag.trim().split(['-', '_']);
        let language = parts.next()?.to_ascii_lowercase();
        if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let country = parts
            .next()
            .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(str::to_ascii_uppercase);
        Some(Lang { language, country })
    }

    fn tag(&self) -> String {
        match &self.country {
            Some(country) => format!("{}-{country}", self.language),
            None => self.language.clone(),
        }
    }
}

fn meta_xml(doc: &Document, lang: Option<&Lang>) -> Vec<u8> {
    let mut xml = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3">"#,
        "<office:meta><meta:generator>koers</meta:generator><dc:title>",
    ));
    push_escaped(&mut xml, &doc.title);
    xml.push_str("</dc:title>");
    if let Some(lang) = lang {
        xml.push_str(&format!("<dc:language>{}</dc:language>", lang.tag()));
    }
    if let Some(author) = &doc.author {
        for element in ["meta:initial-creator", "dc:creator"] {
            xml.push_str(&format!("<{element}>"));
            push_escaped(&mut xml, author);
            xml.push_str(&format!("</{element}>"));
        }
    }
    xml.push_str("</office:meta></office:document-meta>");
    xml.into_bytes()
}

/// The named styles, the A4 page layout and the master page with its footer.
fn styles_xml(doc: &Document, lang: Option<&Lang>) -> Vec<u8> {
    let language = lang.map_or(String::new(), |l| {
        let country = l.country.as_deref().unwrap_or("none");
        format!(r#" fo:language="{}" fo:country="{country}""#, l.language)
    });
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-styles {NS_OFFICE} office:version="1.3">"#
    );
    xml.push_str(concat!(
        r#"<office:font-face-decls><style:font-face style:name="Liberation Sans" svg:font-family="'Liberation Sans'" style:font-family-generic="swiss" style:font-pitch="variable"/></office:font-face-decls>"#,
        "<office:styles>",
        r#"<style:default-style style:family="paragraph"><style:paragraph-properties fo:orphans="2" fo:widows="2"/>"#,
    ));
    xml.push_str(&format!(
        r#"<style:text-properties style:font-name="Liberation Sans" fo:font-size="10.5pt"{language}/></style:default-style>"#
    ));
    xml.push_str(concat!(
        r#"<style:style style:name="Standard" style:family="paragraph" style:class="text"/>"#,
        r#"<style:style style:name="Text_20_body" style:display-name="Text body" style:family="paragraph" style:parent-style-name="Standard" style:class="text"><style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.2cm" fo:line-height="120%"/></style:style>"#,
        r##"<style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard" style:next-style-name="Text_20_body" style:class="text"><style:paragraph-properties fo:margin-top="0.4cm" fo:margin-bottom="0.2cm" fo:keep-with-next="always"/><style:text-properties fo:font-weight="bold" fo:color="#004a8c"/></style:style>"##,
        r#"<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:class="chapter"><style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.35cm"/><style:text-properties fo:font-size="20pt"/></style:style>"#,
        r#"<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="1" style:class="text"><style:text-properties fo:font-size="14pt"/></style:style>"#,
        r##"<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="2" style:class="text"><style:paragraph-properties fo:margin-top="0.3cm" fo:margin-bottom="0.1cm"/><style:text-properties fo:font-size="11.5pt" fo:color="#000000"/></style:style>"##,
        r##"<style:style style:name="Note" style:family="paragraph" style:parent-style-name="Text_20_body" style:class="text"><style:text-properties fo:font-size="8.5pt" fo:color="#595959"/></style:style>"##,
        r##"<style:style style:name="Quotations" style:family="paragraph" style:parent-style-name="Text_20_body" style:class="html"><style:paragraph-properties fo:margin-left="0.6cm" fo:margin-right="0.6cm" fo:padding-left="0.2cm" fo:border-left="0.06cm solid #004a8c" fo:border-right="none" fo:border-top="none" fo:border-bottom="none"/><style:text-properties fo:color="#595959"/></style:style>"##,
        r#"<style:style style:name="Table_20_Contents" style:display-name="Table Contents" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"><style:text-properties fo:font-size="9pt"/></style:style>"#,
        r#"<style:style style:name="Table_20_Heading" style:display-name="Table Heading" style:family="paragraph" style:parent-style-name="Table_20_Contents" style:class="extra"><style:text-properties fo:font-weight="bold"/></style:style>"#,
        r##"<style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"><style:text-properties fo:font-size="8pt" fo:color="#595959"/></style:style>"##,
        r#"<style:style style:name="Graphics" style:family="graphic"><style:graphic-properties text:anchor-type="as-char" style:wrap="none"/></style:style>"#,
        r#"<text:outline-style style:name="Outline"><text:outline-level-style text:level="1" style:num-format=""/><text:outline-level-style text:level="2" style:num-format=""/></text:outline-style>"#,
        "</office:styles><office:automatic-styles>",
        r#"<style:page-layout style:name="A4"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" style:print-orientation="portrait" fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="2cm" fo:margin-right="2cm"/><style:footer-style><style:header-footer-properties fo:min-height="0cm" fo:margin-top="0.4cm"/></style:footer-style></style:page-layout>"#,
        "</office:automatic-styles><office:master-styles>",
        r#"<style:master-page style:name="Standard" style:page-layout-name="A4"><style:footer><text:p text:style-name="Footer">"#,
    ));
    if let Some(footer) = doc.footer.as_deref().filter(|f| !f.is_empty()) {
        push_text(&mut xml, footer);
        xml.push_str(" \u{2014} ");
    }
    xml.push_str(concat!(
        r#"<text:page-number text:select-page="current">1</text:page-number> / <text:page-count>1</text:page-count>"#,
        "</text:p></style:footer></style:master-page></office:master-styles></office:document-styles>",
    ));
    xml.into_bytes()
}

/// Automatic styles every `content.xml` carries.
const CONTENT_STYLES: &str = concat!(
    r#"<style:style style:name="PageBreak" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:break-before="page"/></style:style>"#,
    r#"<style:style style:name="Number" style:family="paragraph" style:parent-style-name="Table_20_Contents"><style:paragraph-properties fo:text-align="end"/></style:style>"#,
    r#"<style:style style:name="Figure" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.2cm"/></style:style>"#,
    r##"<style:style style:name="Cell" style:family="table-cell"><style:table-cell-properties fo:padding="0.1cm" fo:border="0.5pt solid #c8c8c8"/></style:style>"##,
    r##"<style:style style:name="HeadCell" style:family="table-cell"><style:table-cell-properties fo:background-color="#eef2f7" fo:padding="0.1cm" fo:border="0.5pt solid #c8c8c8"/></style:style>"##,
    r#"<style:style style:name="Frame" style:family="graphic" style:parent-style-name="Graphics"><style:graphic-properties style:vertical-pos="top" style:vertical-rel="baseline"/></style:style>"#,
);

/// The body of `content.xml`, the automatic styles its tables need and the pictures.
#[derive(Default)]
struct Body {
    xml: String,
    styles: String,
    pictures: Vec<Vec<u8>>,
    tables: usize,
}

impl Body {
    fn block(&mut self, block: &Block) {
        match block {
            Block::Title(t) => self.heading("Title", 1, t),
            Block::Heading(t) => self.heading("Heading_20_1", 1, t),
            Block::Subheading(t) => self.heading("Heading_20_2", 2, t),
            Block::Paragraph(t) => self.paragraphs("Text_20_body", t),
            Block::Note(t) => self.paragraphs("Note", t),
            Block::Quote(t) => self.paragraphs("Quotations", t),
            Block::Table(t) => self.table(t),
            Block::Bars(b) => self.bars(b),
            Block::Radar(r) => self.radar(r),
            Block::Image(i) => self.image(i),
            Block::Space(_) => self.paragraph("Standard", ""),
            Block::PageBreak => self.paragraph("PageBreak", ""),
        }
    }

    fn heading(&mut self, style: &str, level: u8, text: &str) {
        self.xml.push_str(&format!(
            r#"<text:h text:style-name="{style}" text:outline-level="{level}">"#
        ));
        push_text(&mut self.xml, text);
        self.xml.push_str("</text:h>");
    }

    fn paragraph(&mut self, style: &str, text: &str) {
        self.xml
            .push_str(&format!(r#"<text:p text:style-name="{style}">"#));
        push_text(&mut self.xml, text);
        self.xml.push_str("</text:p>");
    }

    /// One paragraph per run of non-blank lines; the lines within one are joined by line breaks.
    fn paragraphs(&mut self, style: &str, text: &str) {
        let mut lines: Vec<&str> = Vec::new();
        for line in text.lines().chain([""]) {
            if line.trim().is_empty() {
                if !lines.is_empty() {
                    self.paragraph(style, &lines.join("\n"));
                    lines.clear();
                }
            } else {
                lines.push(line);
            }
        }
    }

    fn table(&mut self, t: &Table) {
        let cols = t
            .header
            .len()
            .max(t.rows.iter().map(Vec::len).max().unwrap_or(0));
        let weights: Vec<f32> = (0..cols)
            .map(|i| {
                t.weights
                    .get(i)
                    .copied()
                    .filter(|w| w.is_finite() && *w > 0.0)
                    .unwrap_or(1.0)
            })
            .collect();
        self.grid(&weights, &t.header, &t.rows, usize::MAX);
    }

    fn bars(&mut self, b: &Bars) {
        let decimals = b.decimals.min(MAX_DECIMALS);
        let rows: Vec<Vec<String>> = b
            .items
            .iter()
            .map(|(label, value)| vec![label.clone(), format!("{value:.decimals$}")])
            .collect();
        self.grid(&[3.0, 1.0], &[], &rows, 1);
    }

    fn radar(&mut self, r: &Radar) {
        let header: Vec<String> = std::iter::once(String::new())
            .chain(r.series.iter().map(|(name, _)| name.clone()))
            .collect();
        let rows: Vec<Vec<String>> = r
            .axes
            .iter()
            .enumerate()
            .map(|(i, axis)| {
                std::iter::once(axis.clone())
                    .chain(r.series.iter().map(|(_, values)| {
                        values
                            .get(i)
                            .copied()
                            .flatten()
                            .map_or(String::new(), number)
                    }))
                    .collect()
            })
            .collect();
        let mut weights = vec![1.0; header.len()];
        weights[0] = 2.0;
        self.grid(&weights, &header, &rows, 1);
    }

    /// A table as wide as the text, columns in proportion to `weights`, a bold header row when
    /// `header` is not empty, and the columns from `numeric_from` on aligned to the right.
    fn grid(
        &mut self,
        weights: &[f32],
        header: &[String],
        rows: &[Vec<String>],
        numeric_from: usize,
    ) {
        if weights.is_empty() || (header.is_empty() && rows.is_empty()) {
            return;
        }
        self.tables += 1;
        let name = format!("Table{}", self.tables);
        self.styles.push_str(&format!(
            r#"<style:style style:name="{name}" style:family="table"><style:table-properties style:width="{TEXT_WIDTH_CM}cm" table:align="margins" fo:margin-bottom="0.3cm"/></style:style>"#
        ));
        self.xml.push_str(&format!(
            r#"<table:table table:name="{name}" table:style-name="{name}">"#
        ));
        let total: f32 = weights.iter().sum();
        for (i, w) in weights.iter().enumerate() {
            let share = w / total;
            let rel = ((share * 10_000.0).round() as u32).max(1);
            self.styles.push_str(&format!(
                r#"<style:style style:name="{name}.C{n}" style:family="table-column"><style:table-column-properties style:column-width="{width:.3}cm" style:rel-column-width="{rel}*"/></style:style>"#,
                n = i + 1,
                width = share * TEXT_WIDTH_CM,
            ));
            self.xml.push_str(&format!(
                r#"<table:table-column table:style-name="{name}.C{}"/>"#,
                i + 1
            ));
        }
        if !header.is_empty() {
            self.xml.push_str("<table:table-header-rows>");
            self.row(header, weights.len(), "HeadCell", |_| "Table_20_Heading");
            self.xml.push_str("</table:table-header-rows>");
        }
        for row in rows {
            self.row(row, weights.len(), "Cell", |i| {
                if i >= numeric_from {
                    "Number"
                } else {
                    "Table_20_Contents"
                }
            });
        }
        self.xml.push_str("</table:table>");
    }

    /// A table row of `cols` cells; short rows are padded with empty cells.
    fn row(
        &mut self,
        cells: &[String],
        cols: usize,
        cell_style: &str,
        style: impl Fn(usize) -> &'static str,
    ) {
        self.xml.push_str("<table:table-row>");
        for i in 0..cols {
            self.xml.push_str(&format!(
                r#"<table:table-cell table:style-name="{cell_style}" office:value-type="string">"#
            ));
            self.paragraph(style(i), cells.get(i).map_or("", String::as_str));
            self.xml.push_str("</table:table-cell>");
        }
        self.xml.push_str("</table:table-row>");
    }

    /// A picture in its own centred paragraph, 16 cm wide (less when it would be too tall).
    fn image(&mut self, img: &Image) {
        let Some(png) = png(img) else {
            return;
        };
        let mut width = IMAGE_WIDTH_CM;
        let mut height = width * img.height as f32 / img.width as f32;
        if height > IMAGE_MAX_HEIGHT_CM {
            width *= IMAGE_MAX_HEIGHT_CM / height;
            height = IMAGE_MAX_HEIGHT_CM;
        }
        let n = self.pictures.len();
        self.xml.push_str(&format!(
            concat!(
                r#"<text:p text:style-name="Figure"><draw:frame draw:style-name="Frame" draw:name="Image{}" text:anchor-type="as-char" svg:width="{:.3}cm" svg:height="{:.3}cm" draw:z-index="0">"#,
                r#"<draw:image xlink:href="{}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad" draw:mime-type="image/png"/>"#,
                "</draw:frame></text:p>",
            ),
            n + 1,
            width,
            height,
            picture_path(n),
        ));
        self.pictures.push(png);
    }

    fn content_xml(&self) -> Vec<u8> {
        format!(
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {} office:version="1.3">"#,
                "<office:automatic-styles>{}{}</office:automatic-styles>",
                "<office:body><office:text>{}</office:text></office:body></office:document-content>",
            ),
            NS_OFFICE, CONTENT_STYLES, self.styles, self.xml
        )
        .into_bytes()
    }
}

/// A value with at most two decimals and no trailing zeros: 3, 2.5, 3.67.
fn number(value: f64) -> String {
    if !value.is_finite() {
        return String::new();
    }
    let s = format!("{value:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Whether a character may appear in the XML: control characters other than tab and newline,
/// and the non-characters U+FFFE and U+FFFF, are dropped.
fn keep(c: char) -> bool {
    match c {
        '\t' | '\n' => true,
        '\u{FFFE}' | '\u{FFFF}' => false,
        c => !c.is_control(),
    }
}

fn push_char(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&apos;"),
        c => out.push(c),
    }
}

/// Appends text for an element or attribute, escaped, without characters XML cannot hold.
fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars().filter(|c| keep(*c)) {
        push_char(out, c);
    }
}

/// Appends paragraph text: escaped, newlines as `text:line-break`, tabs as `text:tab` and spaces
/// that ODF would collapse (runs, and those at the start or end of a line) as `text:s`.
fn push_text(out: &mut String, s: &str) {
    let mut spaces = 0;
    let mut after_char = false;
    for c in s.chars().filter(|c| keep(*c)) {
        match c {
            ' ' => {
                spaces += 1;
                continue;
            }
            '\n' | '\t' => {
                push_spaces(out, spaces, false);
                out.push_str(if c == '\n' {
                    "<text:line-break/>"
                } else {
                    "<text:tab/>"
                });
                after_char = false;
            }
            c => {
                push_spaces(out, spaces, after_char);
                push_char(out, c);
                after_char = true;
            }
        }
        spaces = 0;
    }
    push_spaces(out, spaces, false);
}

/// Appends `n` spaces between text, the first one literal when `literal_first` is set.
fn push_spaces(out: &mut String, mut n: usize, literal_first: bool) {
    if n > 0 && literal_first {
        out.push(' ');
        n -= 1;
    }
    match n {
        0 => {}
        1 => out.push_str("<text:s/>"),
        n => out.push_str(&format!(r#"<text:s text:c="{n}"/>"#)),
    }
}

/// Encodes an 8-bit RGB image as PNG; `None` when its size and pixel data disagree.
fn png(img: &Image) -> Option<Vec<u8>> {
    let row_len = usize::try_from(img.width).ok()?.checked_mul(3)?;
    let len = row_len.checked_mul(usize::try_from(img.height).ok()?)?;
    if len == 0
        || img.rgb.len() != len
        || img.width > i32::MAX as u32
        || img.height > i32::MAX as u32
    {
        return None;
    }
    // Every row starts with filter type 0 (none).
    let mut raw = Vec::with_capacity(len + img.height as usize);
    for row in img.rgb.chunks_exact(row_len) {
        raw.push(0);
        raw.extend_from_slice(row);
    }
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&img.width.to_be_bytes());
    header.extend_from_slice(&img.height.to_be_bytes());
    // 8 bits per sample, colour type 2 (RGB), deflate, adaptive filtering, no interlace.
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut out, b"IHDR", &header);
    // A chunk holds less than 2 GiB; the compressed data may be split over several IDATs.
    for part in miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6).chunks(1 << 30) {
        png_chunk(&mut out, b"IDAT", part);
    }
    png_chunk(&mut out, b"IEND", &[]);
    Some(out)
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
}

/// CRC-32 (ISO 3309, as in PNG) over the concatenated parts.
fn crc32(parts: &[&[u8]]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut n = 0;
        while n < 256 {
            let mut c = n as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[n] = c;
            n += 1;
        }
        table
    };
    let mut crc = !0u32;
    for byte in parts.iter().flat_map(|p| p.iter()) {
        crc = TABLE[((crc ^ u32::from(*byte)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::XmlVersion;
    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;
    use quick_xml::reader::NsReader;
    use std::io::Read;

    /// The entries of a zip in their order, with their contents.
    fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut file = zip.by_index(i).unwrap();
                let mut data = Vec::new();
                file.read_to_end(&mut data).unwrap();
                (file.name().unwrap().into_owned(), data)
            })
            .collect()
    }

    fn part(odt: &[u8], name: &str) -> String {
        let (_, data) = unzip(odt).into_iter().find(|(n, _)| n == name).unwrap();
        String::from_utf8(data).unwrap()
    }

    /// Reads every event to the end, failing on malformed XML, undeclared namespace prefixes
    /// and characters XML 1.0 does not allow.
    fn check_xml(xml: &str) {
        assert!(
            xml.chars().all(|c| keep(c) || c == '\r'),
            "forbidden character in {xml}"
        );
        let mut reader = NsReader::from_str(xml);
        loop {
            let (ns, event) = reader.read_resolved_event().unwrap();
            assert!(!matches!(ns, ResolveResult::Unknown(_)), "{ns:?} in {xml}");
            match event {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    for attr in e.attributes() {
                        let attr = attr.unwrap();
                        attr.normalized_value(XmlVersion::Explicit1_0).unwrap();
                        let (ns, _) = reader.resolver().resolve_attribute(attr.key);
                        assert!(!matches!(ns, ResolveResult::Unknown(_)), "{:?}", attr.key);
                    }
                }
                _ => {}
            }
        }
    }

    /// The text of every `text:p` and `text:h`, with line breaks as `\n`, tabs as `\t` and
    /// `text:s` as spaces.
    fn paragraphs(xml: &str) -> Vec<String> {
        let mut reader = NsReader::from_str(xml);
        let mut out = Vec::new();
        let mut current: Option<String> = None;
        loop {
            match reader.read_event().unwrap() {
                Event::Eof => return out,
                Event::Start(e) if matches!(e.name().0, "text:p" | "text:h") => {
                    current = Some(String::new());
                }
                Event::End(e) if matches!(e.name().0, "text:p" | "text:h") => {
                    out.extend(current.take());
                }
                Event::Empty(e) => match (e.name().0, &mut current) {
                    ("text:p" | "text:h", _) => out.push(String::new()),
                    ("text:line-break", Some(text)) => text.push('\n'),
                    ("text:tab", Some(text)) => text.push('\t'),
                    ("text:s", Some(text)) => {
                        let n = e.try_get_attribute("text:c").unwrap().map_or(1, |a| {
                            let value = a.normalized_value(XmlVersion::Explicit1_0).unwrap();
                            value.parse().unwrap()
                        });
                        text.extend(std::iter::repeat_n(' ', n));
                    }
                    _ => {}
                },
                Event::Text(t) => {
                    if let Some(text) = &mut current {
                        text.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some(text) = &mut current {
                        match r.resolve_char_ref().unwrap() {
                            Some(c) => text.push(c),
                            None => text.push_str(
                                quick_xml::escape::resolve_predefined_entity(&r).unwrap(),
                            ),
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn image(width: u32, height: u32) -> Image {
        let rgb = (0..width * height)
            .flat_map(|i| [(i % 251) as u8, (i % 13) as u8 * 19, 200])
            .collect();
        Image { width, height, rgb }
    }

    fn agenda() -> Document {
        let mut doc = Document::new("Agenda bestuur");
        doc.author = Some("Gemeente Ede".into());
        doc.footer = Some("Vergadering 12 maart".into());
        doc.push(Block::Title("Agenda bestuur".into()))
            .push(Block::Heading("1. Opening".into()))
            .push(Block::Subheading("1.1 Mededelingen".into()))
            .push(Block::Paragraph(
                "Eerste regel\nzelfde alinea\n\n  \nTweede alinea".into(),
            ))
            .push(Block::Note("Bron: verslag".into()))
            .push(Block::Quote("Een citaat".into()))
            .push(Block::Table(Table {
                header: vec!["Punt".into(), "Wie".into()],
                rows: vec![vec!["Begroting".into(), "Wethouder".into(), "Extra".into()]],
                weights: vec![3.0, 1.0],
            }))
            .push(Block::Bars(Bars {
                items: vec![("Data".into(), 3.456)],
                max: 5.0,
                decimals: 1,
            }))
            .push(Block::Radar(Radar {
                axes: vec!["Visie".into(), "Mensen".into()],
                series: vec![("2025".into(), vec![Some(2.5), None])],
                max: 5.0,
            }))
            .push(Block::Space(12.0))
            .push(Block::Image(image(30, 10)))
            .push(Block::PageBreak)
            .push(Block::Paragraph("Slot".into()));
        doc
    }

    #[test]
    fn mimetype_is_the_first_entry_and_stored() {
        let odt = render_odt(&agenda(), "nl");
        // The local file header: signature, method 0 (stored), no extra field, then the name
        // and the media type at fixed offsets, as ODF requires.
        assert_eq!(&odt[..4], b"PK\x03\x04");
        assert_eq!(&odt[8..10], &[0, 0]);
        assert_eq!(&odt[28..30], &[0, 0]);
        assert_eq!(&odt[30..38], b"mimetype");
        assert_eq!(&odt[38..38 + MIMETYPE.len()], MIMETYPE.as_bytes());
        let mut zip = zip::ZipArchive::new(Cursor::new(&odt)).unwrap();
        let first = zip.by_index(0).unwrap();
        assert_eq!(first.name().unwrap(), "mimetype");
        assert_eq!(first.compression(), CompressionMethod::Stored);
        assert!(first.extra_data().is_none_or(|e| e.is_empty()));
    }

    #[test]
    fn every_xml_part_parses() {
        for odt in [
            render_odt(&agenda(), "nl"),
            render_odt(&Document::default(), ""),
        ] {
            let entries = unzip(&odt);
            let xml: Vec<_> = entries
                .iter()
                .filter(|(n, _)| n.ends_with(".xml"))
                .collect();
            assert_eq!(xml.len(), 4);
            for (_, data) in xml {
                check_xml(std::str::from_utf8(data).unwrap());
            }
        }
    }

    #[test]
    fn the_manifest_lists_every_entry() {
        let odt = render_odt(&agenda(), "nl");
        let manifest = part(&odt, "META-INF/manifest.xml");
        let mut reader = NsReader::from_str(&manifest);
        let mut listed = Vec::new();
        loop {
            match reader.read_event().unwrap() {
                Event::Eof => break,
                Event::Empty(e) if e.name().0 == "manifest:file-entry" => {
                    let path = e.try_get_attribute("manifest:full-path").unwrap().unwrap();
                    let media = e.try_get_attribute("manifest:media-type").unwrap();
                    assert!(media.is_some_and(|m| !m.value.is_empty()));
                    listed.push(
                        path.normalized_value(XmlVersion::Explicit1_0)
                            .unwrap()
                            .into_owned(),
                    );
                }
                _ => {}
            }
        }
        let mut expected: Vec<String> = unzip(&odt)
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| name != "mimetype" && name != "META-INF/manifest.xml")
            .chain(["/".to_string()])
            .collect();
        expected.sort();
        listed.sort();
        assert_eq!(listed, expected);
        assert!(manifest.contains(r#"manifest:full-path="/" manifest:version="1.3""#));
    }

    #[test]
    fn text_of_titles_paragraphs_and_cells_reads_back() {
        let odt = render_odt(&agenda(), "nl");
        let content = part(&odt, "content.xml");
        let paras = paragraphs(&content);
        for expected in [
            "Agenda bestuur",
            "1. Opening",
            "1.1 Mededelingen",
            "Eerste regel\nzelfde alinea",
            "Tweede alinea",
            "Bron: verslag",
            "Een citaat",
            "Punt",
            "Begroting",
            "Extra",
            "Data",
            "3.5",
            "Visie",
            "2.5",
            "Slot",
        ] {
            assert!(
                paras.iter().any(|p| p == expected),
                "{expected:?} in {paras:?}"
            );
        }
        assert!(content.contains(r#"<text:h text:style-name="Title" text:outline-level="1">"#));
        assert!(
            content.contains(r#"<text:h text:style-name="Heading_20_2" text:outline-level="2">"#)
        );
        assert!(content.contains("<table:table-header-rows>"));
        assert!(content.contains(r#"style:rel-column-width="7500*""#));
        // Three tables: the table, the bars and the radar.
        assert_eq!(content.matches("<table:table ").count(), 3);
    }

    #[test]
    fn hostile_text_is_escaped() {
        let hostile = "<script>&amp; \"x\" 'y' ë\u{0}\u{1b}\u{7f}\u{85}\u{FFFF}]]>";
        let cleaned = "<script>&amp; \"x\" 'y' ë]]>";
        let mut doc = Document::new(hostile);
        doc.author = Some(hostile.into());
        doc.footer = Some(hostile.into());
        doc.push(Block::Title(hostile.into()))
            .push(Block::Paragraph(hostile.into()))
            .push(Block::Table(Table {
                header: vec![hostile.into()],
                rows: vec![vec![hostile.into()]],
                weights: vec![f32::NAN],
            }));
        let odt = render_odt(&doc, "nl\"><x");
        for name in ["content.xml", "styles.xml", "meta.xml"] {
            let xml = part(&odt, name);
            check_xml(&xml);
            assert!(!xml.contains("<script>"));
        }
        let paras = paragraphs(&part(&odt, "content.xml"));
        assert_eq!(
            paras.iter().filter(|p| *p == cleaned).count(),
            4,
            "{paras:?}"
        );
        let footer = paragraphs(&part(&odt, "styles.xml"));
        assert!(footer[0].starts_with(cleaned), "{footer:?}");
        let meta = part(&odt, "meta.xml");
        assert!(meta.contains(
            "<dc:title>&lt;script&gt;&amp;amp; &quot;x&quot; &apos;y&apos; ë]]&gt;</dc:title>"
        ));
        assert!(!meta.contains("dc:language"));
    }

    #[test]
    fn spaces_tabs_and_newlines_survive() {
        let mut xml = String::new();
        push_text(&mut xml, "  a  b\tc \nd ");
        assert_eq!(
            xml,
            r#"<text:s text:c="2"/>a <text:s/>b<text:tab/>c<text:s/><text:line-break/>d<text:s/>"#
        );
    }

    #[test]
    fn a_picture_lands_in_pictures_and_the_manifest() {
        let odt = render_odt(&agenda(), "nl");
        let entries = unzip(&odt);
        let (_, png) = entries
            .iter()
            .find(|(n, _)| n == "Pictures/image1.png")
            .unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        // IHDR: 30 × 10, 8-bit RGB.
        assert_eq!(&png[16..24], &[0, 0, 0, 30, 0, 0, 0, 10]);
        assert_eq!(&png[24..26], &[8, 2]);
        assert!(part(&odt, "META-INF/manifest.xml").contains(
            r#"manifest:full-path="Pictures/image1.png" manifest:media-type="image/png""#
        ));
        let content = part(&odt, "content.xml");
        assert!(content.contains(r#"xlink:href="Pictures/image1.png""#));
        assert!(content.contains(r#"svg:width="16.000cm" svg:height="5.333cm""#));

        // A broken image is left out rather than written as a broken file.
        let mut doc = Document::new("x");
        doc.push(Block::Image(Image {
            width: 3,
            height: 3,
            rgb: vec![0; 5],
        }));
        let odt = render_odt(&doc, "nl");
        assert!(!unzip(&odt).iter().any(|(n, _)| n.starts_with("Pictures/")));
    }

    #[test]
    fn png_pixels_inflate_to_filtered_rows() {
        let img = image(4, 2);
        let png = png(&img).unwrap();
        let idat = png.windows(4).position(|w| w == b"IDAT").unwrap();
        let len = u32::from_be_bytes(png[idat - 4..idat].try_into().unwrap()) as usize;
        let raw =
            miniz_oxide::inflate::decompress_to_vec_zlib(&png[idat + 4..idat + 4 + len]).unwrap();
        assert_eq!(raw.len(), 2 * (1 + 4 * 3));
        assert_eq!(raw[0], 0);
        assert_eq!(&raw[1..13], &img.rgb[..12]);
        assert_eq!(crc32(&[b"123456789"]), 0xCBF4_3926);
    }

    #[test]
    fn page_break_style_exists() {
        let content = part(&render_odt(&agenda(), "nl"), "content.xml");
        assert!(content.contains(
            r#"<style:style style:name="PageBreak" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:break-before="page"/>"#
        ));
        assert!(content.contains(r#"<text:p text:style-name="PageBreak">"#));
    }

    #[test]
    fn styles_and_meta_carry_page_footer_and_language() {
        let odt = render_odt(&agenda(), "nl-nl");
        let styles = part(&odt, "styles.xml");
        for expected in [
            r#"fo:page-width="21cm" fo:page-height="29.7cm""#,
            r#"fo:margin-left="2cm" fo:margin-right="2cm""#,
            r#"style:font-name="Liberation Sans""#,
            r#"fo:language="nl" fo:country="NL""#,
            r#"style:name="Heading_20_1" style:display-name="Heading 1""#,
            "Vergadering 12 maart \u{2014} <text:page-number",
        ] {
            assert!(styles.contains(expected), "{expected}");
        }
        let meta = part(&odt, "meta.xml");
        for expected in [
            "<dc:title>Agenda bestuur</dc:title>",
            "<meta:initial-creator>Gemeente Ede</meta:initial-creator>",
            "<meta:generator>koers</meta:generator>",
            "<dc:language>nl-NL</dc:language>",
        ] {
            assert!(meta.contains(expected), "{expected}");
        }
    }

    #[test]
    fn output_is_deterministic() {
        let odt = render_odt(&agenda(), "en");
        assert_eq!(odt, render_odt(&agenda(), "en"));
        let mut zip = zip::ZipArchive::new(Cursor::new(&odt)).unwrap();
        for i in 0..zip.len() {
            assert_eq!(
                zip.by_index(i).unwrap().last_modified(),
                Some(DateTime::DEFAULT)
            );
        }
    }
}
