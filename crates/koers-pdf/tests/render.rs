//! Renders documents and reads them back with lopdf, as a reader of the PDF would.

use koers_pdf::{Bars, Block, Document, Radar, Table, render};

fn text_of(pdf: &[u8]) -> (usize, String) {
    let doc = lopdf::Document::load_mem(pdf).expect("a valid PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("text");
    (pages.len(), text)
}

#[test]
fn a_report_with_every_block_reads_back() {
    let mut doc = Document::new("Volwassenheidsrapport Provincie Gelderland");
    doc.author = Some("Provincie Gelderland".into());
    doc.footer = Some("Gegenereerd door koers".into());
    doc.push(Block::Title(
        "Volwassenheidsrapport Provincie Gelderland".into(),
    ))
    .push(Block::Paragraph(
        "Eén organisatie, tien dimensies; € 5 – ‘gemeten’.".into(),
    ))
    .push(Block::Heading("Resultaten per dimensie".into()))
    .push(Block::Radar(Radar {
        axes: (1..=10).map(|i| format!("Dimensie {i}")).collect(),
        series: vec![
            (
                "Gelderland".into(),
                (1..=10).map(|i| Some(f64::from(i % 5 + 1))).collect(),
            ),
            ("Gemiddelde".into(), vec![Some(3.0); 10]),
        ],
        max: 5.0,
    }))
    .push(Block::Bars(Bars {
        items: vec![("Visie en strategie".into(), 3.4), ("Data".into(), 2.0)],
        max: 5.0,
        decimals: 1,
    }))
    .push(Block::Table(Table {
        header: vec!["Dimensie".into(), "Score".into()],
        rows: (0..80)
            .map(|i| vec![format!("Rij {i}"), format!("{i}")])
            .collect(),
        weights: vec![3.0, 1.0],
    }))
    .push(Block::Quote("Wij sturen op data.".into()))
    .push(Block::Note("Bron: gegenereerde antwoorden".into()))
    .push(Block::PageBreak)
    .push(Block::Subheading("Aanbevelingen".into()));
    let pdf = render(&doc);
    let (pages, text) = text_of(&pdf);
    assert!(
        pages >= 3,
        "the long table and the page break need pages, got {pages}"
    );
    for needle in [
        "Volwassenheidsrapport Provincie Gelderland",
        "Eén organisatie",
        "Resultaten per dimensie",
        "Dimensie 10",
        "Visie en strategie",
        "3.4",
        "Rij 79",
        "Wij sturen op data.",
        "Aanbevelingen",
        "Gegenereerd door koers",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in {text}");
    }
    // The table header is repeated on the page the table continues on.
    assert!(text.matches("Dimensie\n").count() + text.matches("Dimensie ").count() >= 2);
}

#[test]
fn long_words_and_odd_characters_do_not_break_the_document() {
    let mut doc = Document::new("x");
    doc.push(Block::Paragraph(format!("{} 日本 \u{7}", "a".repeat(2000))));
    let (pages, text) = text_of(&render(&doc));
    assert_eq!(pages, 1);
    assert!(text.contains("aaaa"));
}

/// Writes a sample report for a person to look at: `KOERS_PDF_SAMPLE=/tmp/x.pdf cargo test`.
#[test]
fn sample_for_review() {
    let Ok(path) = std::env::var("KOERS_PDF_SAMPLE") else {
        return;
    };
    let mut doc = Document::new("Voorbeeld");
    doc.footer = Some("koers".into());
    doc.push(Block::Title("Volwassenheidsrapport Provincie Utrecht".into()))
        .push(Block::Paragraph("Dit rapport beschrijft de digitale volwassenheid per dimensie, met het bewijs waarop elke score rust.".into()))
        .push(Block::Radar(Radar {
            axes: ["Visie en strategie", "Bestuur en eigenaarschap", "Mensen, vaardigheden en cultuur", "Datapositie", "Technologie", "Datagedreven beleid", "Dienstverlening", "Ethiek en privacy", "Samenwerking", "Innovatie"].iter().map(|s| s.to_string()).collect(),
            series: vec![("Utrecht".into(), vec![Some(3.2), Some(2.5), Some(4.0), Some(3.0), Some(2.2), Some(3.5), Some(4.1), Some(2.8), Some(3.3), Some(1.9)]), ("Gemiddelde".into(), vec![Some(3.0); 10])],
            max: 5.0,
        }))
        .push(Block::Bars(Bars { items: vec![("Visie en strategie".into(), 3.2), ("Datapositie".into(), 3.0)], max: 5.0, decimals: 1 }))
        .push(Block::Table(Table { header: vec!["Dimensie".into(), "Niveau".into(), "Toelichting".into()], rows: vec![vec!["Visie".into(), "lerend".into(), "Een lange toelichting die over meerdere regels loopt omdat de kolom smal is.".into()]], weights: vec![2.0, 1.0, 4.0] }))
        .push(Block::Quote("Wij sturen op data.".into()));
    std::fs::write(path, render(&doc)).expect("write");
}

#[test]
fn images_are_embedded_compressed_on_their_page() {
    let (w, h) = (40u32, 20u32);
    let rgb: Vec<u8> = (0..w * h).flat_map(|i| [(i % 255) as u8, 0, 200]).collect();
    let doc = Document {
        title: "Dashboard".into(),
        author: None,
        footer: None,
        blocks: vec![
            Block::Title("Dashboard".into()),
            Block::Image(koers_pdf::Image {
                width: w,
                height: h,
                rgb: rgb.clone(),
            }),
            Block::Image(koers_pdf::Image {
                width: 3,
                height: 3,
                rgb: vec![0; 5],
            }),
        ],
    };
    let bytes = render(&doc);
    let pdf = lopdf::Document::load_mem(&bytes).unwrap();
    let images: Vec<_> = pdf
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|s| {
            s.dict.get(b"Subtype").ok().and_then(|v| v.as_name().ok()) == Some(b"Image".as_slice())
        })
        .collect();
    // The second picture has the wrong number of bytes and is left out.
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].dict.get(b"Width").unwrap().as_i64().unwrap(), 40);
    assert_eq!(images[0].decompressed_content().unwrap(), rgb);
}
