//! Plain-text tables for people; `--json` output is serde's.

use std::fmt::Write;
use unicode_width_lite::width;

/// Renders rows under a header, each column as wide as its widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(width(cell));
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let last = cells.len() - 1;
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                out.push_str(&" ".repeat(widths[i] - width(cell) + 2));
            }
        }
        out.push('\n');
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) {
    println!("{}", serde_json::to_string_pretty(value).expect("output serialises"));
}

/// A duration as a person reads it: `0.42s`, `3m 05s`.
pub fn seconds(elapsed: std::time::Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let mut out = String::new();
    if secs < 60.0 {
        let _ = write!(out, "{secs:.2}s");
    } else {
        let _ = write!(out, "{}m {:02}s", elapsed.as_secs() / 60, elapsed.as_secs() % 60);
    }
    out
}

/// Display width for CJK-aware column alignment, without a dependency.
mod unicode_width_lite {
    /// Wide (2-column) for CJK ideographs, kana, hangul and full-width forms.
    pub fn width(text: &str) -> usize {
        text.chars()
            .map(|c| match c as u32 {
                0x1100..=0x115F
                | 0x2E80..=0xA4CF
                | 0xAC00..=0xD7A3
                | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F
                | 0xFF00..=0xFF60
                | 0xFFE0..=0xFFE6 => 2,
                _ => 1,
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_with_wide_characters() {
        let out = table(&["a", "b"], &[vec!["已发货".into(), "x".into()], vec!["ok".into(), "y".into()]]);
        assert_eq!(out, "a       b\n已发货  x\nok      y\n");
    }
}
