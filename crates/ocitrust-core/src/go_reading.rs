//! JSON read as Go's `encoding/json` reads it into a struct, or refused. Go matches an object key to
//! a struct field case-insensitively (with Unicode simple folding: `K` (U+212A) is `k`, `ſ`
//! (U+017F) is `s`), and the last of several matching keys wins; serde matches exactly. A payload
//! signed by a trusted key with `"docker-manifest-digest":"A","Docker-Manifest-Digest":"B"` would
//! then mean A to ocitrust and B to cosign. So before a signed document is parsed, every object
//! in it is checked: no two keys may be equal under Go's folding, and no key may be a field's name
//! in another case. The values of map-typed fields (annotations, digest sets, predicates), which
//! Go matches exactly, are not looked into.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::{Error, ErrorCode, Result};

/// The field names of the Go structs a document is read into, and the keys whose values are Go
/// maps or free-form (read exactly, not looked into).
#[derive(Debug, Clone, Copy)]
pub struct GoStructFields<'a> {
    /// Every struct field name, at any depth.
    pub fields: &'a [&'a str],
    /// Keys whose values are maps or arbitrary JSON.
    pub opaque: &'a [&'a str],
}

/// Refuses `bytes` (JSON) when Go's `encoding/json` could read a field of `schema` from another
/// key than serde does. Malformed JSON is left for the parser that follows to report.
pub fn check_go_unambiguous(bytes: &[u8], schema: GoStructFields<'_>, what: &str) -> Result<()> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match (Walk { schema }).deserialize(&mut deserializer) {
        Err(e) if e.is_data() => Err(Error::new(
            ErrorCode::InvalidPayload,
            format!("{what}: {e} (cosign would read it differently); refused"),
        )),
        _ => Ok(()),
    }
}

/// `c` as Go's case-insensitive match sees it, for the characters field names are made of.
fn fold(c: char) -> char {
    match c {
        '\u{212A}' => 'k',
        '\u{017F}' => 's',
        c => c.to_ascii_lowercase(),
    }
}

/// Whether Go's `encoding/json` takes `a` and `b` for the same field name.
fn same_for_go(a: &str, b: &str) -> bool {
    a.chars().map(fold).eq(b.chars().map(fold))
}

#[derive(Clone, Copy)]
struct Walk<'a> {
    schema: GoStructFields<'a>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        use serde::de::Error as _;
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if let Some(earlier) = seen.iter().find(|earlier| same_for_go(earlier, &key)) {
                return Err(A::Error::custom(format!(
                    "the keys {earlier:?} and {key:?} name the same field for Go's encoding/json"
                )));
            }
            if let Some(field) = self.schema.fields.iter().find(|f| **f != key && same_for_go(f, &key)) {
                return Err(A::Error::custom(format!(
                    "the key {key:?} is the field {field:?} for Go's encoding/json, not for an exact reader"
                )));
            }
            if self.schema.opaque.contains(&key.as_str()) {
                map.next_value::<IgnoredAny>()?;
            } else {
                map.next_value_seed(self)?;
            }
            seen.push(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: GoStructFields<'static> = GoStructFields {
        fields: &["critical", "image", "docker-manifest-digest", "optional"],
        opaque: &["optional"],
    };

    fn check(json: &str) -> Result<()> {
        check_go_unambiguous(json.as_bytes(), SCHEMA, "payload")
    }

    #[test]
    fn exact_documents_pass() {
        assert!(check(r#"{"critical":{"image":{"docker-manifest-digest":"A"}},"optional":null}"#).is_ok());
        assert!(check(r#"[1, "x", true, null, 2.5, {"other": {}}]"#).is_ok());
        // Map values are read exactly by Go too: case variants and repeats are left alone there.
        assert!(check(r#"{"optional":{"Env":"a","env":"b","env":"c","Critical":1}}"#).is_ok());
        // Malformed JSON is the parser's to report.
        assert!(check("{not json").is_ok());
    }

    #[test]
    fn keys_go_would_read_differently_are_refused() {
        for json in [
            r#"{"critical":{"image":{"docker-manifest-digest":"A","Docker-Manifest-Digest":"B"}}}"#,
            r#"{"critical":{"image":{"docker-manifest-digest":"A","docker-manifest-digest":"B"}}}"#,
            r#"{"critical":{"image":{"Docker-Manifest-Digest":"B"}}}"#,
            "{\"critical\":{\"image\":{\"doc\u{212A}er-manifest-digest\":\"B\"}}}",
            r#"{"critical":{},"Optional":{"env":"prod"}}"#,
            r#"[{"CRITICAL":1}]"#,
        ] {
            let err = check(json).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidPayload, "{json}");
            assert!(err.message().contains("Go's encoding/json"), "{err}");
        }
    }
}
