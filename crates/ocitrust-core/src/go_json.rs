//! JSON as Go's `encoding/json` writes it, so payloads and outputs are byte-for-byte what cosign
//! produces: struct fields in declaration order, map keys sorted, and `<`, `>`, `&`, U+2028, U+2029
//! escaped inside strings.

use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};

/// Serializes `value` compactly with Go's escaping. Maps must be `BTreeMap`s or
/// `serde_json::Map` (sorted) for the key order to match Go.
pub fn to_go_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let text =
        serde_json::to_string(value).map_err(|e| Error::new(ErrorCode::Internal, format!("encoding JSON: {e}")))?;
    // These characters can only occur inside JSON strings, so replacing them everywhere escapes
    // exactly the string contents, as Go does.
    if !text.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return Ok(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html_characters_like_go() {
        let v = serde_json::json!({"b": "<a&b>", "a": "\u{2028}"});
        assert_eq!(to_go_json(&v).unwrap(), r#"{"a":"\u2028","b":"\u003ca\u0026b\u003e"}"#);
    }
}
