//! Small PDF documents for koers: maturity reports, certificates and dashboard exports.
//!
//! A [`Document`] is a list of [`Block`]s (title, headings, paragraphs, tables, bar and radar
//! charts) laid out top to bottom on A4 pages, breaking pages where needed, with a footer and
//! page numbers. Text uses the PDF base fonts Helvetica and Helvetica-Bold in WinAnsi encoding,
//! so nothing is embedded and every PDF reader shows it; characters outside WinAnsi (which
//! covers Dutch and the other western European languages) are written as `?`.
//! [`render_odt`] writes the same document as an editable OpenDocument Text file (`.odt`).

mod layout;
mod metrics;
mod odt;
mod text;

pub use layout::render;
pub use odt::render_odt;

/// A PDF document to be rendered.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// The document title, in the PDF's metadata (the first block usually repeats it).
    pub title: String,
    /// Who made it (organisation or person), in the metadata.
    pub author: Option<String>,
    /// A line at the foot of every page, before the page number.
    pub footer: Option<String>,
    /// The content, top to bottom.
    pub blocks: Vec<Block>,
}

/// One piece of content.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The large title at the top of a document.
    Title(String),
    /// A section heading.
    Heading(String),
    /// A sub-section heading.
    Subheading(String),
    /// Running text; wrapped to the page width. Blank lines separate paragraphs.
    Paragraph(String),
    /// Smaller, grey text (sources, notes).
    Note(String),
    /// An indented quotation.
    Quote(String),
    /// A table with a header row; column widths in proportion to `weights` when given.
    Table(Table),
    /// Horizontal bars, one per item, scaled to `max`.
    Bars(Bars),
    /// A radar (spider) chart: one axis per dimension, one polygon per series.
    Radar(Radar),
    /// A picture (e.g. a rendered chart), scaled to the text width.
    Image(Image),
    /// Vertical space in points.
    Space(f32),
    /// Continue on a new page.
    PageBreak,
}

/// A picture of `width` × `height` pixels, 8-bit RGB, row by row from the top.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// A table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Column headings.
    pub header: Vec<String>,
    /// Rows of cells; short rows are padded with empty cells.
    pub rows: Vec<Vec<String>>,
    /// Relative column widths; equal when empty.
    pub weights: Vec<f32>,
}

/// A horizontal bar chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bars {
    /// Label and value per bar.
    pub items: Vec<(String, f64)>,
    /// The value of a full-width bar.
    pub max: f64,
    /// Decimals shown after each bar.
    pub decimals: usize,
}

/// A radar chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Radar {
    /// Axis labels, clockwise from the top.
    pub axes: Vec<String>,
    /// Named series of values, one value per axis (`None` where there is none).
    pub series: Vec<(String, Vec<Option<f64>>)>,
    /// The value at the outer ring; rings are drawn at every whole step from 1.
    pub max: f64,
}

impl Document {
    /// A document with a title and nothing in it yet.
    pub fn new(title: impl Into<String>) -> Self {
        Document {
            title: title.into(),
            ..Document::default()
        }
    }

    /// Adds a block.
    pub fn push(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_document_still_has_one_page() {
        let pdf = render(&Document::new("Leeg"));
        assert!(pdf.starts_with(b"%PDF-"));
        let doc = lopdf::Document::load_mem(&pdf).expect("valid pdf");
        assert_eq!(doc.get_pages().len(), 1);
    }
}
