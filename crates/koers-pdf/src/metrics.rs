//! Glyph widths of the base fonts, in thousandths of the font size (from Adobe's AFM files for
//! Helvetica and Helvetica-Bold), used to wrap and align text.

/// Widths of the printable ASCII characters 32..=126 in Helvetica.
const REGULAR: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P.._
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `..o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p..~
];

/// Widths of the printable ASCII characters 32..=126 in Helvetica-Bold.
const BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0..?
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // P.._
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // `..o
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, // p..~
];

/// The width of one WinAnsi byte at size 1.
pub fn width(byte: u8, bold: bool) -> f32 {
    let table = if bold { &BOLD } else { &REGULAR };
    let w = match byte {
        32..=126 => table[usize::from(byte - 32)],
        // Accented capitals and lower case letters: close to their base letters.
        0xC0..=0xDF => 722,
        0xE0..=0xFF => 556,
        // Dashes, quotes, bullets, the euro sign and the rest.
        _ => 556,
    };
    f32::from(w) / 1000.0
}

/// The width of WinAnsi text at a font size.
pub fn text_width(bytes: &[u8], size: f32, bold: bool) -> f32 {
    bytes.iter().map(|&b| width(b, bold)).sum::<f32>() * size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_widths() {
        assert_eq!(width(b' ', false), 0.278);
        assert_eq!(width(b'W', false), 0.944);
        assert_eq!(width(b'i', false), 0.222);
        assert_eq!(width(b'i', true), 0.278);
        assert_eq!(width(b'~', true), 0.584);
        assert!((text_width(b"00", 10.0, false) - 11.12).abs() < 1e-4);
    }
}
