//! Lays the blocks of a [`Document`] out on A4 pages and writes the PDF.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::metrics::text_width;
use crate::text::{win_ansi, wrap};
use crate::{Bars, Block, Document, Image, Radar, Table};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const BOTTOM: f32 = 64.0;
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");
/// The theme colour of headings, bars and the first radar series.
const ACCENT: (f32, f32, f32) = (0.0, 0.29, 0.55);
const GREY: (f32, f32, f32) = (0.35, 0.35, 0.35);
const SERIES: [(f32, f32, f32); 4] = [ACCENT, (0.80, 0.35, 0.0), (0.2, 0.55, 0.25), GREY];

/// Renders a document to PDF bytes.
pub fn render(doc: &Document) -> Vec<u8> {
    let mut w = Writer::new();
    for block in &doc.blocks {
        w.block(block);
    }
    w.finish(doc)
}

/// Text style: size, weight and colour.
#[derive(Clone, Copy)]
struct Style {
    size: f32,
    bold: bool,
    colour: (f32, f32, f32),
}

impl Style {
    const fn of(size: f32, bold: bool, colour: (f32, f32, f32)) -> Style {
        Style { size, bold, colour }
    }
}

const BLACK: (f32, f32, f32) = (0.0, 0.0, 0.0);
const BODY: Style = Style::of(10.5, false, BLACK);
const TITLE: Style = Style::of(20.0, true, ACCENT);
const HEADING: Style = Style::of(14.0, true, ACCENT);
const SUBHEADING: Style = Style::of(11.5, true, BLACK);
const NOTE: Style = Style::of(8.5, false, GREY);

struct Writer {
    pages: Vec<Content>,
    /// Pictures: the page each is on, with its data.
    images: Vec<(usize, Image)>,
    /// The top of the free space on the current page.
    y: f32,
}

impl Writer {
    fn new() -> Self {
        Writer {
            pages: vec![Content::new()],
            images: Vec::new(),
            y: PAGE_H - MARGIN,
        }
    }

    /// A picture scaled to the text width (at most 420 points high), on the page it fits.
    fn image(&mut self, img: &Image) {
        if img.width == 0
            || img.height == 0
            || img.rgb.len() != (img.width * img.height * 3) as usize
        {
            return;
        }
        let mut w = WIDTH;
        let mut h = w * img.height as f32 / img.width as f32;
        if h > 420.0 {
            w *= 420.0 / h;
            h = 420.0;
        }
        self.need(h + 6.0);
        self.y -= h;
        let name = format!("Im{}", self.images.len());
        let (x, y) = (MARGIN, self.y);
        let c = self.page();
        c.save_state();
        c.transform([w, 0.0, 0.0, h, x, y]);
        c.x_object(Name(name.as_bytes()));
        c.restore_state();
        self.images.push((self.pages.len() - 1, img.clone()));
        self.y -= 6.0;
    }

    fn page(&mut self) -> &mut Content {
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_H - MARGIN;
    }

    /// Makes room for `h` points, starting a page when the current one is too full.
    fn need(&mut self, h: f32) {
        if self.y - h < BOTTOM && self.y < PAGE_H - MARGIN {
            self.new_page();
        }
    }

    fn text_at(&mut self, x: f32, baseline: f32, bytes: &[u8], style: Style) {
        let (r, g, b) = style.colour;
        let font = if style.bold { BOLD } else { REGULAR };
        let c = self.page();
        c.set_fill_rgb(r, g, b);
        c.begin_text();
        c.set_font(font, style.size);
        c.next_line(x, baseline);
        c.show(Str(bytes));
        c.end_text();
    }

    /// Wrapped text at an indent, breaking pages between lines.
    fn lines(&mut self, text: &str, style: Style, indent: f32, after: f32) {
        let leading = style.size * 1.35;
        for para in text.split('\n') {
            for line in wrap(&win_ansi(para), style.size, style.bold, WIDTH - indent) {
                self.need(leading);
                self.y -= leading;
                let baseline = self.y + (leading - style.size) / 2.0;
                self.text_at(MARGIN + indent, baseline, &line, style);
            }
        }
        self.y -= after;
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Title(t) => self.lines(t, TITLE, 0.0, 10.0),
            Block::Heading(t) => {
                self.need(60.0);
                self.y -= 6.0;
                self.lines(t, HEADING, 0.0, 4.0);
            }
            Block::Subheading(t) => {
                self.need(40.0);
                self.lines(t, SUBHEADING, 0.0, 2.0);
            }
            Block::Paragraph(t) => self.lines(t, BODY, 0.0, 6.0),
            Block::Note(t) => self.lines(t, NOTE, 0.0, 6.0),
            Block::Quote(t) => {
                let top = self.y;
                let page = self.pages.len();
                let style = Style {
                    colour: GREY,
                    ..BODY
                };
                self.lines(t, style, 16.0, 0.0);
                if page == self.pages.len() {
                    let bottom = self.y;
                    let (r, g, b) = ACCENT;
                    let c = self.page();
                    c.set_fill_rgb(r, g, b);
                    c.rect(MARGIN + 4.0, bottom, 2.0, top - bottom);
                    c.fill_nonzero();
                }
                self.y -= 6.0;
            }
            Block::Table(t) => self.table(t),
            Block::Bars(b) => self.bars(b),
            Block::Radar(r) => self.radar(r),
            Block::Image(i) => self.image(i),
            Block::Space(h) => self.y -= h.max(0.0),
            Block::PageBreak => self.new_page(),
        }
    }

    fn table(&mut self, t: &Table) {
        let cols = t
            .header
            .len()
            .max(t.rows.iter().map(Vec::len).max().unwrap_or(0))
            .max(1);
        let weights: Vec<f32> = (0..cols)
            .map(|i| {
                t.weights
                    .get(i)
                    .copied()
                    .filter(|w| *w > 0.0)
                    .unwrap_or(1.0)
            })
            .collect();
        let total: f32 = weights.iter().sum();
        let widths: Vec<f32> = weights.iter().map(|w| w / total * WIDTH).collect();
        let size = 9.0;
        let leading = size * 1.3;
        let pad = 3.0;
        let cells = |row: &[String], bold: bool| -> Vec<Vec<Vec<u8>>> {
            (0..cols)
                .map(|i| {
                    let s = row.get(i).map(String::as_str).unwrap_or("");
                    wrap(&win_ansi(s), size, bold, widths[i] - 2.0 * pad)
                })
                .collect()
        };
        let header = cells(&t.header, true);
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * leading + 2.0 * pad;
        self.need(header_h + leading + 2.0 * pad);
        self.table_row(&header, &widths, true, header_h, leading, pad, size);
        for row in &t.rows {
            let wrapped = cells(row, false);
            let h = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f32 * leading + 2.0 * pad;
            if self.y - h < BOTTOM {
                self.new_page();
                self.table_row(&header, &widths, true, header_h, leading, pad, size);
            }
            self.table_row(&wrapped, &widths, false, h, leading, pad, size);
        }
        self.y -= 8.0;
    }

    #[allow(clippy::too_many_arguments)]
    fn table_row(
        &mut self,
        cells: &[Vec<Vec<u8>>],
        widths: &[f32],
        header: bool,
        h: f32,
        leading: f32,
        pad: f32,
        size: f32,
    ) {
        let top = self.y;
        {
            let c = self.page();
            if header {
                c.set_fill_rgb(0.91, 0.93, 0.96);
                c.rect(MARGIN, top - h, WIDTH, h);
                c.fill_nonzero();
            }
            c.set_stroke_rgb(0.75, 0.75, 0.75);
            c.set_line_width(0.5);
            c.move_to(MARGIN, top - h);
            c.line_to(MARGIN + WIDTH, top - h);
            c.stroke();
        }
        let style = Style::of(size, header, BLACK);
        let mut x = MARGIN;
        for (cell, w) in cells.iter().zip(widths) {
            for (i, line) in cell.iter().enumerate() {
                let baseline = top - pad - (i as f32 + 1.0) * leading + (leading - size) / 2.0;
                self.text_at(x + pad, baseline, line, style);
            }
            x += w;
        }
        self.y = top - h;
    }

    fn bars(&mut self, b: &Bars) {
        let label_w = WIDTH * 0.38;
        let value_w = 48.0;
        let bar_area = WIDTH - label_w - value_w;
        let size = 9.0;
        let row_h = 16.0;
        let max = if b.max > 0.0 {
            b.max
        } else {
            b.items.iter().map(|(_, v)| *v).fold(0.0, f64::max)
        };
        for (label, value) in &b.items {
            self.need(row_h);
            self.y -= row_h;
            let baseline = self.y + 4.0;
            let mut text = win_ansi(label);
            let lines = wrap(&text, size, false, label_w - 6.0);
            if lines.len() > 1 {
                text = lines[0].clone();
                text.extend_from_slice(b"\x85");
            }
            self.text_at(MARGIN, baseline, &text, Style { size, ..BODY });
            let frac = if max > 0.0 {
                (value / max).clamp(0.0, 1.0) as f32
            } else {
                0.0
            };
            let (r, g, bl) = ACCENT;
            let y = self.y;
            let c = self.page();
            c.set_fill_rgb(0.92, 0.92, 0.92);
            c.rect(MARGIN + label_w, y + 3.0, bar_area, row_h - 6.0);
            c.fill_nonzero();
            c.set_fill_rgb(r, g, bl);
            c.rect(MARGIN + label_w, y + 3.0, bar_area * frac, row_h - 6.0);
            c.fill_nonzero();
            let shown = win_ansi(&format!("{value:.prec$}", prec = b.decimals));
            self.text_at(
                MARGIN + label_w + bar_area + 6.0,
                baseline,
                &shown,
                Style { size, ..BODY },
            );
        }
        self.y -= 8.0;
    }

    fn radar(&mut self, r: &Radar) {
        let n = r.axes.len();
        if n < 3 || r.max <= 0.0 {
            return;
        }
        let radius = 120.0;
        let legend_h = 14.0 * r.series.len() as f32;
        let h = 2.0 * radius + 60.0 + legend_h;
        self.need(h);
        let cx = MARGIN + WIDTH / 2.0;
        let cy = self.y - 30.0 - radius;
        let point = |i: usize, v: f64| -> (f32, f32) {
            let angle = std::f32::consts::FRAC_PI_2 - i as f32 * std::f32::consts::TAU / n as f32;
            let d = radius * (v / r.max).clamp(0.0, 1.0) as f32;
            (cx + d * angle.cos(), cy + d * angle.sin())
        };
        {
            let c = self.page();
            c.set_line_width(0.5);
            c.set_stroke_rgb(0.8, 0.8, 0.8);
            let rings = r.max.floor().max(1.0) as usize;
            for ring in 1..=rings {
                let (x0, y0) = point(0, ring as f64);
                c.move_to(x0, y0);
                for i in 1..n {
                    let (x, y) = point(i, ring as f64);
                    c.line_to(x, y);
                }
                c.close_and_stroke();
            }
            for i in 0..n {
                let (x, y) = point(i, r.max);
                c.move_to(cx, cy);
                c.line_to(x, y);
                c.stroke();
            }
            for (k, (_, values)) in r.series.iter().enumerate() {
                let (cr, cg, cb) = SERIES[k % SERIES.len()];
                c.set_stroke_rgb(cr, cg, cb);
                c.set_line_width(1.6);
                let pts: Vec<(f32, f32)> = (0..n)
                    .map(|i| point(i, values.get(i).copied().flatten().unwrap_or(0.0)))
                    .collect();
                c.move_to(pts[0].0, pts[0].1);
                for p in &pts[1..] {
                    c.line_to(p.0, p.1);
                }
                c.close_and_stroke();
            }
        }
        let size = 8.0;
        for (i, axis) in r.axes.iter().enumerate() {
            let angle = std::f32::consts::FRAC_PI_2 - i as f32 * std::f32::consts::TAU / n as f32;
            let (x, y) = (
                cx + (radius + 8.0) * angle.cos(),
                cy + (radius + 8.0) * angle.sin(),
            );
            let mut label = win_ansi(axis);
            let lines = wrap(&label, size, false, 110.0);
            if lines.len() > 1 {
                label = lines[0].clone();
                label.extend_from_slice(b"\x85");
            }
            let w = text_width(&label, size, false);
            let lx = if angle.cos() > 0.2 {
                x
            } else if angle.cos() < -0.2 {
                x - w
            } else {
                x - w / 2.0
            };
            let ly = if angle.sin() < -0.2 { y - size } else { y };
            self.text_at(lx, ly, &label, Style { size, ..BODY });
        }
        self.y = cy - radius - 24.0;
        for (k, (name, _)) in r.series.iter().enumerate() {
            let (cr, cg, cb) = SERIES[k % SERIES.len()];
            let y = self.y;
            let c = self.page();
            c.set_fill_rgb(cr, cg, cb);
            c.rect(MARGIN, y - 9.0, 10.0, 8.0);
            c.fill_nonzero();
            self.text_at(
                MARGIN + 16.0,
                y - 9.0,
                &win_ansi(name),
                Style { size: 9.0, ..BODY },
            );
            self.y -= 14.0;
        }
        self.y -= 8.0;
    }

    fn finish(mut self, doc: &Document) -> Vec<u8> {
        let count = self.pages.len();
        let footer = doc.footer.clone().unwrap_or_default();
        for i in 0..count {
            let label = if footer.is_empty() {
                format!("{} / {count}", i + 1)
            } else {
                format!("{footer} \u{2014} {} / {count}", i + 1)
            };
            let bytes = win_ansi(&label);
            let style = Style::of(8.0, false, GREY);
            let font = REGULAR;
            let c = &mut self.pages[i];
            c.set_fill_rgb(style.colour.0, style.colour.1, style.colour.2);
            c.begin_text();
            c.set_font(font, style.size);
            c.next_line(MARGIN, 32.0);
            c.show(Str(&bytes));
            c.end_text();
        }

        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let first = 6;
        let page_ids: Vec<Ref> = (0..count).map(|i| Ref::new(first + 2 * i as i32)).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(page_ids.iter().copied())
            .count(count as i32);
        let encoding = Name(b"WinAnsiEncoding");
        pdf.type1_font(regular)
            .base_font(Name(b"Helvetica"))
            .encoding_predefined(encoding);
        pdf.type1_font(bold)
            .base_font(Name(b"Helvetica-Bold"))
            .encoding_predefined(encoding);
        {
            let mut di = pdf.document_info(info);
            di.title(TextStr(&doc.title));
            di.creator(TextStr("koers"));
            if let Some(a) = &doc.author {
                di.author(TextStr(a));
            }
            di.finish();
        }
        let image_first = first + 2 * count as i32;
        for (k, (_, img)) in self.images.iter().enumerate() {
            let data = miniz_oxide::deflate::compress_to_vec_zlib(&img.rgb, 6);
            let mut x = pdf.image_xobject(Ref::new(image_first + k as i32), &data);
            x.filter(pdf_writer::Filter::FlateDecode);
            x.width(img.width as i32);
            x.height(img.height as i32);
            x.color_space().device_rgb();
            x.bits_per_component(8);
            x.finish();
        }
        for (i, content) in std::mem::take(&mut self.pages).into_iter().enumerate() {
            let page_id = page_ids[i];
            let content_id = Ref::new(page_id.get() + 1);
            let mut page = pdf.page(page_id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
            page.parent(tree);
            page.contents(content_id);
            {
                let mut res = page.resources();
                {
                    let mut fonts = res.fonts();
                    fonts.pair(REGULAR, regular);
                    fonts.pair(BOLD, bold);
                }
                let mine: Vec<usize> = (0..self.images.len())
                    .filter(|k| self.images[*k].0 == i)
                    .collect();
                if !mine.is_empty() {
                    let mut xs = res.x_objects();
                    for k in mine {
                        let name = format!("Im{k}");
                        xs.pair(Name(name.as_bytes()), Ref::new(image_first + k as i32));
                    }
                }
            }
            page.finish();
            pdf.stream(content_id, &content.finish());
        }
        pdf.finish()
    }
}
