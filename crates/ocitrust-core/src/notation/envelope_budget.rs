//! How much structure a notation envelope may hold before any of it is parsed into a tree. A
//! value tree costs tens of bytes an item: a JWS or COSE envelope whose (unsigned) header holds an
//! array of millions of one-byte items once took a gigabyte to reject. Real envelopes hold a few
//! dozen items (a chain of certificates, a timestamp token, a handful of attributes), so the
//! envelope, its protected header and its payload are each walked first, counting items without
//! keeping any, and refused past [`ENVELOPE_ITEMS_MAX`]. Malformed input is left for the parser
//! that follows to report in its words.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::envelope::integrity;
use crate::error::Result;

/// Most JSON values, or CBOR data items, in an envelope, its protected header, or its payload.
pub const ENVELOPE_ITEMS_MAX: usize = 16_384;
/// Deepest nesting of CBOR arrays and maps walked (serde_json has its own limit of 128).
const CBOR_DEPTH_MAX: usize = 64;

fn too_many(what: &str) -> crate::error::Error {
    integrity(format!(
        "unable to parse the digital signature, error : {what} holds more than {ENVELOPE_ITEMS_MAX} items"
    ))
}

/// Refuses JSON `bytes` holding more than [`ENVELOPE_ITEMS_MAX`] values (`what` names it).
pub(crate) fn check_json_items(bytes: &[u8], what: &str) -> Result<()> {
    let mut left = ENVELOPE_ITEMS_MAX;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match (Count { left: &mut left }).deserialize(&mut deserializer) {
        Err(e) if e.is_data() => Err(too_many(what)),
        _ => Ok(()),
    }
}

struct Count<'a> {
    left: &'a mut usize,
}

impl Count<'_> {
    fn take<E: serde::de::Error>(&mut self) -> std::result::Result<(), E> {
        *self.left = self.left.checked_sub(1).ok_or_else(|| E::custom("too many items"))?;
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Count<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E: serde::de::Error>(mut self, _: bool) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_i64<E: serde::de::Error>(mut self, _: i64) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_u64<E: serde::de::Error>(mut self, _: u64) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_f64<E: serde::de::Error>(mut self, _: f64) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_str<E: serde::de::Error>(mut self, _: &str) -> std::result::Result<(), E> {
        self.take()
    }
    fn visit_unit<E: serde::de::Error>(mut self) -> std::result::Result<(), E> {
        self.take()
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> std::result::Result<(), A::Error> {
        self.take()?;
        while seq.next_element_seed(Count { left: &mut *self.left })?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> std::result::Result<(), A::Error> {
        self.take()?;
        while map.next_key::<IgnoredAny>()?.is_some() {
            self.take()?;
            map.next_value_seed(Count { left: &mut *self.left })?;
        }
        Ok(())
    }
}

/// Refuses CBOR `bytes` holding more than [`ENVELOPE_ITEMS_MAX`] data items, or nested deeper
/// than 64 arrays and maps (`what` names it).
pub(crate) fn check_cbor_items(bytes: &[u8], what: &str) -> Result<()> {
    match walk_cbor(bytes) {
        Walked::TooMany => Err(too_many(what)),
        Walked::TooDeep => Err(integrity(format!(
            "unable to parse the digital signature, error : {what} nests deeper than {CBOR_DEPTH_MAX} levels"
        ))),
        Walked::Done | Walked::Malformed => Ok(()),
    }
}

enum Walked {
    Done,
    TooMany,
    TooDeep,
    Malformed,
}

/// The argument of the item at `at` (its length, count or value) and where its content starts;
/// `None` for an indefinite length.
fn argument(bytes: &[u8], at: usize) -> Option<(Option<u64>, usize)> {
    let info = bytes.get(at)? & 0x1f;
    let width = match info {
        0..=23 => return Some((Some(u64::from(info)), at + 1)),
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        31 => return Some((None, at + 1)),
        _ => return None,
    };
    let field = bytes.get(at + 1..at + 1 + width)?;
    Some((
        Some(field.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b))),
        at + 1 + width,
    ))
}

/// Walks every data item of the first CBOR item in `bytes`.
fn walk_cbor(bytes: &[u8]) -> Walked {
    // Items still expected in each open array or map (`None`: indefinite, until a break).
    let mut open: Vec<Option<u64>> = vec![Some(1)];
    let mut at = 0;
    let mut items = 0usize;
    while let Some(expected) = open.last_mut() {
        match expected {
            Some(0) => {
                open.pop();
                continue;
            }
            Some(n) => *n -= 1,
            None if bytes.get(at) == Some(&0xff) => {
                at += 1;
                open.pop();
                continue;
            }
            None => {}
        }
        items += 1;
        if items > ENVELOPE_ITEMS_MAX {
            return Walked::TooMany;
        }
        let Some(&initial) = bytes.get(at) else {
            return Walked::Malformed;
        };
        let Some((length, content)) = argument(bytes, at) else {
            return Walked::Malformed;
        };
        at = content;
        match (initial >> 5, length) {
            (0 | 1 | 7, Some(_)) => {
                // An integer, or a simple value or float whose bytes the argument covered.
            }
            (2 | 3, Some(n)) => match usize::try_from(n).ok().and_then(|n| at.checked_add(n)) {
                Some(end) if end <= bytes.len() => at = end,
                _ => return Walked::Malformed,
            },
            (2 | 3, None) => open.push(None), // chunks until a break, each a string item
            (4, count) => open.push(count),
            (5, Some(pairs)) => match pairs.checked_mul(2) {
                Some(count) => open.push(Some(count)),
                None => return Walked::TooMany,
            },
            (5, None) => open.push(None),
            (6, Some(_)) => open.push(Some(1)), // a tag: one item follows
            _ => return Walked::Malformed,
        }
        if open.len() > CBOR_DEPTH_MAX {
            return Walked::TooDeep;
        }
    }
    Walked::Done
}

/// The protected header (the first element's byte string) of a tagged COSE_Sign1 `bytes`, if it
/// reads as one.
pub(crate) fn sign1_protected_header(bytes: &[u8]) -> Option<&[u8]> {
    let mut at = 0;
    if bytes.get(at)? >> 5 == 6 {
        at = argument(bytes, at)?.1;
    }
    if bytes.get(at)? >> 5 != 4 {
        return None;
    }
    at = argument(bytes, at)?.1;
    if bytes.get(at)? >> 5 != 2 {
        return None;
    }
    let (length, start) = argument(bytes, at)?;
    let end = start.checked_add(usize::try_from(length?).ok()?)?;
    bytes.get(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_past_the_budget_is_refused_and_real_envelopes_pass() {
        assert!(check_json_items(br#"{"a":[1,2,{"b":null}],"c":"d"}"#, "x").is_ok());
        let many = format!("[{}0]", "0,".repeat(ENVELOPE_ITEMS_MAX));
        let err = check_json_items(many.as_bytes(), "the envelope").unwrap_err();
        assert!(err.message().contains("holds more than 16384 items"), "{err}");
        let keys: String = (0..ENVELOPE_ITEMS_MAX).map(|i| format!("\"k{i}\":0,")).collect();
        assert!(check_json_items(format!("{{{keys}\"z\":0}}").as_bytes(), "x").is_err());
        assert!(check_json_items(b"{not json", "x").is_ok(), "left for the parser");
    }

    #[test]
    fn cbor_past_the_budget_or_too_deep_is_refused() {
        // [1, "a", h'00', {1: -1}], tagged 18.
        let small = [0xd2, 0x84, 0x01, 0x61, b'a', 0x41, 0x00, 0xa1, 0x01, 0x20];
        assert!(check_cbor_items(&small, "x").is_ok());
        // An array of 2^14 + 1 zeros, definite and indefinite.
        let mut definite = vec![0x99, 0x40, 0x01];
        definite.extend(std::iter::repeat_n(0u8, ENVELOPE_ITEMS_MAX + 1));
        assert!(check_cbor_items(&definite, "x")
            .unwrap_err()
            .message()
            .contains("more than"));
        let mut indefinite = vec![0x9f];
        indefinite.extend(std::iter::repeat_n(0u8, ENVELOPE_ITEMS_MAX + 1));
        indefinite.push(0xff);
        assert!(check_cbor_items(&indefinite, "x").is_err());
        // A map announcing 2^63 pairs is refused, not overflowed.
        let huge_map = [0xbb, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert!(check_cbor_items(&huge_map, "x").is_err());
        // 100 nested arrays.
        let deep = vec![0x81; 100];
        assert!(check_cbor_items(&deep, "x").unwrap_err().message().contains("deeper"));
        // Truncated: the parser's to report.
        assert!(check_cbor_items(&[0x84, 0x01], "x").is_ok());
        assert_eq!(
            sign1_protected_header(&[0xd2, 0x84, 0x43, 1, 2, 3, 0xa0]),
            Some(&[1u8, 2, 3][..])
        );
        assert_eq!(sign1_protected_header(&[0x84, 0x43, 1, 2]), None);
    }
}
