//! Errors located in a source file, rendered as `file:line:column: message` with the line and a
//! caret under the offending text. Every front end (layer specs, OpenQASM) reports through this
//! one type, so all bad input reads the same.

use std::fmt;
use std::ops::Range;

/// An error at a byte span of a named source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceError {
    /// The file (or other origin) the text came from.
    pub origin: String,
    /// 1-based line of the span's start.
    pub line: usize,
    /// 1-based column (in characters) of the span's start.
    pub column: usize,
    /// What is wrong, and what was expected.
    pub message: String,
    /// The text of the line holding the span's start.
    pub source_line: String,
    /// Width of the caret marker, in characters (at least 1).
    pub marker_width: usize,
}

impl SourceError {
    /// Locates `span` (byte offsets into `text`, clamped to it) and builds the error.
    pub fn new(origin: &str, text: &str, span: Range<usize>, message: String) -> Self {
        let start = clamp_to_char_boundary(text, span.start);
        let end = clamp_to_char_boundary(text, span.end.max(start));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let source_line = text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        let marker_width = text[start..end.min(line_end)].chars().count().max(1);
        SourceError {
            origin: origin.to_string(),
            line,
            column,
            message,
            source_line,
            marker_width,
        }
    }
}

fn clamp_to_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}:{}:{}: {}",
            self.origin, self.line, self.column, self.message
        )?;
        let gutter = self.line.to_string().len();
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        let indent: String = self
            .source_line
            .chars()
            .take(self.column - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(
            f,
            "{:gutter$} | {indent}{}",
            "",
            "^".repeat(self.marker_width)
        )
    }
}

impl std::error::Error for SourceError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_line_and_column() {
        let text = "a = 1\nbb = [oops]\n";
        let error = SourceError::new("x.toml", text, 11..15, "bad value".into());
        assert_eq!((error.line, error.column), (2, 6));
        assert_eq!(
            error.to_string(),
            "x.toml:2:6: bad value\n  |\n2 | bb = [oops]\n  |      ^^^^"
        );
    }

    #[test]
    fn clamps_spans_past_the_end_and_inside_characters() {
        let text = "π = 1";
        let error = SourceError::new("x", text, 1..100, "m".into());
        assert_eq!((error.line, error.column), (1, 1));
        let at_end = SourceError::new("x", text, 100..100, "m".into());
        assert_eq!(at_end.column, 6);
    }
}
