//! Text from a file or the command line as it is shown on a terminal: control characters escaped.
//!
//! A value holding CR, LF, NUL or ESC, echoed raw, would split a message in two or drive the
//! terminal (colours, cursor moves, a changed title). Every diagnostic and terminal message shows
//! such characters as Rust escapes (`\n`, `\r`, `\0`, `\u{1b}`); other characters, `≥` or `µ`
//! included, are left as they are.

use std::borrow::Cow;

/// `text` with every control character escaped.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    escape_controls_but(text, |_| false)
}

/// `text` with every control character escaped except line breaks (`\n`), for messages made of
/// several lines whose values were escaped already.
pub fn escape_controls_keep_lines(text: &str) -> Cow<'_, str> {
    escape_controls_but(text, |c| c == '\n')
}

fn escape_controls_but(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let escapes = |c: char| c.is_control() && !keep(c);
    if !text.chars().any(escapes) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escapes(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `text` holds a control character (names refuse them).
pub fn has_controls(text: &str) -> bool {
    text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_nothing_else() {
        assert_eq!(escape_controls("a\r\nb\0c\u{1b}[31md\te\u{7f}"), "a\\r\\nb\\0c\\u{1b}[31md\\te\\u{7f}");
        assert_eq!(escape_controls("≥ 5 µs \"q\" \\"), "≥ 5 µs \"q\" \\");
        assert!(matches!(escape_controls("plain"), Cow::Borrowed(_)));
        assert_eq!(escape_controls_keep_lines("one\ntwo\u{1b}"), "one\ntwo\\u{1b}");
        assert!(has_controls("a\u{85}b") && !has_controls("a b"));
    }
}
