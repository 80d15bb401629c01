//! CEL's tokens: literals with every escape CEL defines, identifiers, operators and punctuation.
//! Reserved words are refused as identifiers, as the CEL specification says.

use super::CompileError;

/// A token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    Int(i64),
    /// A decimal integer literal too large for `i64` unless negated (`9223372036854775808`).
    IntMagnitude(u64),
    Uint(u64),
    Double(f64),
    String(String),
    Bytes(Vec<u8>),
    Ident(String),
    True,
    False,
    Null,
    In,
    /// Operators and punctuation, as written.
    Symbol(&'static str),
    End,
}

const SYMBOLS: &[&str] = &[
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",", "(", ")", "[", "]",
    "{", "}",
];

const RESERVED: &[&str] = &[
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// Splits `source` into tokens, ending with [`TokenKind::End`].
pub fn tokens(source: &str) -> Result<Vec<Token>, CompileError> {
    let mut lexer = Lexer { source, offset: 0 };
    let mut out = Vec::new();
    loop {
        let token = lexer.next()?;
        let end = token.kind == TokenKind::End;
        out.push(token);
        if end {
            return Ok(out);
        }
    }
}

struct Lexer<'a> {
    source: &'a str,
    offset: usize,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.source[self.offset..]
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> CompileError {
        CompileError::at(offset, message)
    }

    fn skip_space_and_comments(&mut self) {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r', '\x0c']);
            self.offset += rest.len() - trimmed.len();
            if self.rest().starts_with("//") {
                let line = self.rest().find('\n').unwrap_or(self.rest().len());
                self.offset += line;
            } else {
                return;
            }
        }
    }

    fn next(&mut self) -> Result<Token, CompileError> {
        self.skip_space_and_comments();
        let start = self.offset;
        let token = |kind| Ok(Token { kind, offset: start });
        let Some(first) = self.rest().chars().next() else {
            return token(TokenKind::End);
        };
        if first.is_ascii_digit() || (first == '.' && self.rest()[1..].starts_with(|c: char| c.is_ascii_digit())) {
            return token(self.number()?);
        }
        if first.is_ascii_alphabetic() || first == '_' {
            let rest = self.rest();
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let word = &rest[..len];
            // String and bytes prefixes: r, b, rb, br (any case) directly before a quote.
            let after = &rest[len..];
            let prefix = word.to_ascii_lowercase();
            if matches!(prefix.as_str(), "r" | "b" | "rb" | "br") && (after.starts_with('"') || after.starts_with('\''))
            {
                self.offset += len;
                return token(self.quoted(prefix.contains('r'), prefix.contains('b'))?);
            }
            self.offset += len;
            return token(match word {
                "true" => TokenKind::True,
                "false" => TokenKind::False,
                "null" => TokenKind::Null,
                "in" => TokenKind::In,
                reserved if RESERVED.contains(&reserved) => {
                    return Err(self.error(start, format!("{reserved:?} is a reserved word")))
                }
                word => TokenKind::Ident(word.to_owned()),
            });
        }
        if first == '"' || first == '\'' {
            return token(self.quoted(false, false)?);
        }
        for symbol in SYMBOLS {
            if self.rest().starts_with(symbol) {
                self.offset += symbol.len();
                return token(TokenKind::Symbol(symbol));
            }
        }
        Err(self.error(start, format!("unexpected character {first:?}")))
    }

    fn number(&mut self) -> Result<TokenKind, CompileError> {
        let start = self.offset;
        let rest = self.rest();
        if let Some(hex) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
            let len = hex.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(hex.len());
            let digits = &hex[..len];
            self.offset += 2 + len;
            let unsigned = self.unsigned_suffix();
            let value =
                u64::from_str_radix(digits, 16).map_err(|_| self.error(start, "invalid hexadecimal literal"))?;
            return self.integer(start, value, unsigned);
        }
        let digits_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let mut end = digits_end;
        let mut is_double = false;
        let bytes = rest.as_bytes();
        if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
            is_double = true;
            end += 1;
            end += rest[end..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len() - end);
        }
        if matches!(bytes.get(end), Some(b'e' | b'E')) {
            let mut exponent = end + 1;
            if matches!(bytes.get(exponent), Some(b'+' | b'-')) {
                exponent += 1;
            }
            if bytes.get(exponent).is_some_and(u8::is_ascii_digit) {
                is_double = true;
                end = exponent
                    + rest[exponent..]
                        .find(|c: char| !c.is_ascii_digit())
                        .unwrap_or(rest.len() - exponent);
            }
        }
        let text = &rest[..end];
        self.offset += end;
        if is_double {
            return text
                .parse::<f64>()
                .map(TokenKind::Double)
                .map_err(|_| self.error(start, "invalid floating point literal"));
        }
        let unsigned = self.unsigned_suffix();
        let value = text
            .parse::<u64>()
            .map_err(|_| self.error(start, "integer literal out of range"))?;
        self.integer(start, value, unsigned)
    }

    fn unsigned_suffix(&mut self) -> bool {
        if self.rest().starts_with(['u', 'U']) {
            self.offset += 1;
            return true;
        }
        false
    }

    fn integer(&self, start: usize, value: u64, unsigned: bool) -> Result<TokenKind, CompileError> {
        if unsigned {
            return Ok(TokenKind::Uint(value));
        }
        match i64::try_from(value) {
            Ok(value) => Ok(TokenKind::Int(value)),
            Err(_) if value == i64::MIN.unsigned_abs() => Ok(TokenKind::IntMagnitude(value)),
            Err(_) => Err(self.error(start, "integer literal out of range")),
        }
    }

    /// A string or bytes literal; the offset is at its opening quote.
    fn quoted(&mut self, raw: bool, bytes: bool) -> Result<TokenKind, CompileError> {
        let start = self.offset;
        let rest = self.rest();
        let quote = if rest.starts_with("\"\"\"") {
            "\"\"\""
        } else if rest.starts_with("'''") {
            "'''"
        } else if rest.starts_with('"') {
            "\""
        } else {
            "'"
        };
        let triple = quote.len() == 3;
        let mut at = quote.len();
        let mut out: Vec<u8> = Vec::new();
        loop {
            let body = &rest[at..];
            if body.starts_with(quote) {
                self.offset += at + quote.len();
                break;
            }
            let Some(c) = body.chars().next() else {
                return Err(self.error(start, "unterminated string literal"));
            };
            if !triple && (c == '\n' || c == '\r') {
                return Err(self.error(start, "unterminated string literal"));
            }
            if c == '\\' && !raw {
                let (consumed, piece) = escape(&body[1..], bytes).map_err(|m| self.error(start + at, m))?;
                out.extend_from_slice(&piece);
                at += 1 + consumed;
                continue;
            }
            if c == '\\' && raw {
                // A raw string keeps the backslash, and an escaped quote does not end it.
                out.push(b'\\');
                at += 1;
                if let Some(next) = rest[at..].chars().next() {
                    if !triple && (next == '\n' || next == '\r') {
                        return Err(self.error(start, "unterminated string literal"));
                    }
                    let mut buf = [0; 4];
                    out.extend_from_slice(next.encode_utf8(&mut buf).as_bytes());
                    at += next.len_utf8();
                }
                continue;
            }
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            at += c.len_utf8();
        }
        if bytes {
            return Ok(TokenKind::Bytes(out));
        }
        String::from_utf8(out).map(TokenKind::String).map_err(|_| {
            self.error(
                start,
                "a string literal must be valid UTF-8 (an octal or \\x escape made it invalid)",
            )
        })
    }
}

/// One escape sequence after its backslash: how many bytes it took and what it stands for.
fn escape(text: &str, bytes: bool) -> Result<(usize, Vec<u8>), String> {
    let simple = |b: u8| Ok((1, vec![b]));
    let Some(c) = text.chars().next() else {
        return Err("unterminated escape sequence".into());
    };
    match c {
        'a' => simple(0x07),
        'b' => simple(0x08),
        'f' => simple(0x0c),
        'n' => simple(b'\n'),
        'r' => simple(b'\r'),
        't' => simple(b'\t'),
        'v' => simple(0x0b),
        '\\' | '\'' | '"' | '`' | '?' => simple(c as u8),
        'x' | 'X' => {
            let hex = text.get(1..3).filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()));
            let value = hex
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("\\x needs two hexadecimal digits")?;
            Ok((3, byte_or_char(value as u32, bytes)?))
        }
        'u' | 'U' => {
            if bytes {
                return Err("\\u and \\U escapes are not allowed in bytes literals".into());
            }
            let len = if c == 'u' { 4 } else { 8 };
            let hex = text
                .get(1..1 + len)
                .filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
                .ok_or(format!("\\{c} needs {len} hexadecimal digits"))?;
            let value = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
            let ch = char::from_u32(value).ok_or("the escape is not a Unicode scalar value")?;
            Ok((1 + len, ch.to_string().into_bytes()))
        }
        '0'..='3' => {
            let octal = text.get(0..3).filter(|o| o.chars().all(|c| ('0'..='7').contains(&c)));
            let value = octal
                .and_then(|o| u32::from_str_radix(o, 8).ok())
                .ok_or("an octal escape needs three octal digits")?;
            Ok((3, byte_or_char(value, bytes)?))
        }
        other => Err(format!("invalid escape sequence \\{other}")),
    }
}

/// In bytes literals an escape is one byte; in strings it is the code point.
fn byte_or_char(value: u32, bytes: bool) -> Result<Vec<u8>, String> {
    if bytes {
        return Ok(vec![value as u8]);
    }
    let ch = char::from_u32(value).ok_or("the escape is not a Unicode scalar value")?;
    Ok(ch.to_string().into_bytes())
}
