//! Text for the base fonts: WinAnsi encoding and line wrapping.

use crate::metrics::text_width;

/// Encodes text in WinAnsi (Windows-1252), the encoding of the base fonts; characters it lacks
/// become `?`, control characters become spaces.
pub fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => b' ',
            c if (c as u32) < 0x20 => b' ',
            c if (c as u32) < 0x7F => c as u8,
            c if (0xA0..=0xFF).contains(&(c as u32)) => c as u32 as u8,
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '™' => 0x99,
            'Ÿ' => 0x9F,
            _ => b'?',
        })
        .collect()
}

/// Wraps encoded text into lines no wider than `max` points; a word longer than a line is cut.
/// Paragraph breaks (`\n`) in the original must be split off before.
pub fn wrap(bytes: &[u8], size: f32, bold: bool, max: f32) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in bytes.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let candidate_width = if line.is_empty() {
            text_width(word, size, bold)
        } else {
            text_width(&line, size, bold)
                + text_width(b" ", size, bold)
                + text_width(word, size, bold)
        };
        if candidate_width <= max {
            if !line.is_empty() {
                line.push(b' ');
            }
            line.extend_from_slice(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // The word alone: cut it where it does not fit on a line of its own.
        let mut rest = word;
        while text_width(rest, size, bold) > max {
            let mut n = 1;
            while n < rest.len() && text_width(&rest[..n + 1], size, bold) <= max {
                n += 1;
            }
            lines.push(rest[..n].to_vec());
            rest = &rest[n..];
        }
        line.extend_from_slice(rest);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_text_is_win_ansi() {
        assert_eq!(win_ansi("één"), vec![0xE9, 0xE9, b'n']);
        assert_eq!(win_ansi("€ 5 – ‘x’"), b"\x80 5 \x96 \x91x\x92".to_vec());
        assert_eq!(win_ansi("日\u{7}"), b"? ".to_vec());
    }

    #[test]
    fn wrapping_keeps_every_word_and_the_width() {
        let text = win_ansi("De provincie werkt datagedreven aan de grote opgaven van deze tijd");
        let lines = wrap(&text, 10.0, false, 100.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(text_width(l, 10.0, false) <= 100.0);
        }
        assert_eq!(lines.join(&b' '), text);
    }

    #[test]
    fn long_words_are_cut() {
        let lines = wrap(&[b'm'; 40], 10.0, false, 50.0);
        assert!(lines.len() >= 6);
        assert_eq!(lines.concat().len(), 40);
        assert_eq!(wrap(b"", 10.0, false, 50.0), vec![Vec::<u8>::new()]);
    }
}
