//! Text printed for a person reads what came from input — tags, paths, annotations, what a registry
//! answered, error messages quoting them — and a terminal obeys control sequences in it: a tag
//! holding `ESC ]0;…BEL ESC [2J` would retitle the window and clear the screen, or hide the line
//! before it. So every control character but the line breaks and tabs the tool itself writes, and
//! the Unicode controls that reorder text (bidirectional overrides and isolates), are shown escaped
//! (`\u{1b}`) instead.

use std::borrow::Cow;

/// `text` with every control character except `\n` and `\t` escaped.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| is_escaped(c) && c != '\n' && c != '\t')
}

/// One value from input placed within a line (a signer's metadata, a certificate's subject): every
/// control character escaped, line breaks and tabs too, so a value can never start a line of its
/// own that reads as the tool's (`issued to: CN=Release Signing` under another signature).
pub fn field(text: &str) -> Cow<'_, str> {
    escape_where(text, is_escaped)
}

fn escape_where(text: &str, escaped: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if escaped(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_escaped(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `eprintln!` for text that may hold input: the formatted line, escaped.
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::terminal::escape(&format!($($arg)*)))
    };
}

/// `println!` for text that may hold input: the formatted line, escaped.
macro_rules! show {
    ($($arg:tt)*) => {
        $crate::stdout::line(&$crate::terminal::escape(&format!($($arg)*)))
    };
}

pub(crate) use {say, show};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_from_input_are_escaped_and_plain_text_is_not() {
        assert_eq!(escape("registry.example/app:v1"), "registry.example/app:v1");
        assert_eq!(escape("a\tb\nc"), "a\tb\nc");
        assert_eq!(
            escape("v1\u{1b}]0;pwned\u{7}\u{1b}[2J\r"),
            "v1\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{d}"
        );
        assert_eq!(escape("\u{9b}31m \u{202e}gpj.exe"), "\\u{9b}31m \\u{202e}gpj.exe");
    }

    #[test]
    fn a_field_escapes_line_breaks_and_tabs_too() {
        assert_eq!(field("plain value"), "plain value");
        assert_eq!(
            field("v1\n    ├── issued to: CN=Release Signing\tx\r"),
            "v1\\u{a}    ├── issued to: CN=Release Signing\\u{9}x\\u{d}"
        );
    }
}
