//! Distinguished names as notation compares them: a trusted identity `x509.subject:C=US,ST=WA,O=…`
//! (RFC 4514 text) matches a signing certificate when each of its attributes is also in the
//! certificate's subject with the same value. Notation's rules on top of RFC 4514: no multi-valued
//! RDNs, no attribute twice, `C`, `ST` and `O` always present, no `#`-encoded (BER) values.
//!
//! Written by hand: no crate parses RFC 4514 text, and the certificate side must name attributes
//! exactly as Go's `pkix.Name.String()` does (its short names; any other attribute makes the name
//! unsupported, as it does for notation, since Go writes such values `#`-encoded).

use std::collections::BTreeMap;

use crate::error::{Error, ErrorCode, Result};
use crate::x509::Certificate;

/// Longest distinguished name read, in bytes.
pub const DN_SIZE_MAX: usize = 4096;

/// Attributes every distinguished name notation accepts must have.
const MANDATORY: [&str; 3] = ["C", "ST", "O"];

/// The short names Go gives attribute types in a certificate's subject.
const SHORT_NAMES: [(&str, &str); 9] = [
    ("2.5.4.6", "C"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.3", "CN"),
    ("2.5.4.5", "SERIALNUMBER"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.9", "STREET"),
    ("2.5.4.17", "POSTALCODE"),
];

/// A distinguished name: each attribute type once, with its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistinguishedName {
    attributes: BTreeMap<String, String>,
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidPolicy, message)
}

impl DistinguishedName {
    /// Parses RFC 4514 `text` under notation's rules.
    pub fn parse(text: &str) -> Result<Self> {
        if text.len() > DN_SIZE_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!("a distinguished name of {} bytes, limit is {DN_SIZE_MAX}", text.len()),
            ));
        }
        if text.contains("=#") {
            return Err(invalid(format!(
                "unsupported distinguished name (DN) {text:?}: notation does not support x509.subject identities containing \"=#\""
            )));
        }
        let rdns = parse_rdns(text).map_err(|reason| {
            invalid(format!(
                "parsing distinguished name (DN) {text:?} failed with err: {reason}. A valid DN must contain 'C', 'ST', and 'O' RDN attributes at a minimum, and follow RFC 4514 standard"
            ))
        })?;
        Self::from_rdns(|| text.to_owned(), rdns)
    }

    /// The subject of `certificate`, named as Go's `pkix.Name.String()` names it and read under
    /// the same rules as a trusted identity.
    pub fn of_certificate_subject(certificate: &Certificate) -> Result<Self> {
        let text = || certificate.subject_text();
        let mut rdns = Vec::new();
        for rdn in certificate.subject_rdns() {
            let mut attributes = Vec::new();
            for (oid, value) in rdn {
                let name = SHORT_NAMES.iter().find(|(known, _)| *known == oid).map(|(_, n)| *n);
                match (name, value) {
                    (Some(name), Some(value)) => attributes.push((name.to_owned(), value)),
                    _ => {
                        return Err(invalid(format!(
                            "unsupported distinguished name (DN) {:?}: attribute {oid} would be written \"=#\" encoded, which notation does not support",
                            text()
                        )))
                    }
                }
            }
            rdns.push(attributes);
        }
        Self::from_rdns(text, rdns)
    }

    fn from_rdns(text: impl Fn() -> String, rdns: Vec<Vec<(String, String)>>) -> Result<Self> {
        let mut attributes = BTreeMap::new();
        for rdn in rdns {
            if rdn.len() > 1 {
                return Err(invalid(format!(
                    "distinguished name (DN) {:?} has multi-valued RDN attributes, remove multi-valued RDN attributes as they are not supported",
                    text()
                )));
            }
            for (name, value) in rdn {
                // Go keeps the first of two, and an empty value counts as absent.
                if attributes.get(&name).is_some_and(|v: &String| !v.is_empty()) {
                    return Err(invalid(format!(
                        "distinguished name (DN) {:?} has duplicate RDN attribute for {name:?}, DN can only have unique RDN attributes",
                        text()
                    )));
                }
                attributes.insert(name, value);
            }
        }
        for field in MANDATORY {
            if attributes.get(field).is_none_or(String::is_empty) {
                return Err(invalid(format!(
                    "distinguished name (DN) {:?} has no mandatory RDN attribute for {field:?}, it must contain 'C', 'ST', and 'O' RDN attributes at a minimum",
                    text()
                )));
            }
        }
        Ok(DistinguishedName { attributes })
    }

    /// Whether every attribute of this name is in `other` with the same value.
    pub fn is_subset_of(&self, other: &DistinguishedName) -> bool {
        self.attributes
            .iter()
            .all(|(name, value)| other.attributes.get(name).is_some_and(|v| v == value))
    }

    /// The attributes, by type.
    pub fn attributes(&self) -> &BTreeMap<String, String> {
        &self.attributes
    }
}

/// RFC 4514 text as RDNs (separated by `,` or `;`), each a list of `type=value` (joined by `+`).
fn parse_rdns(text: &str) -> std::result::Result<Vec<Vec<(String, String)>>, String> {
    let mut rdns = Vec::new();
    if text.trim().is_empty() {
        return Ok(rdns);
    }
    let mut rdn = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let name = attribute_type(&mut chars)?;
        let value = attribute_value(&mut chars)?;
        rdn.push((name, value));
        match chars.next() {
            None => {
                rdns.push(rdn);
                return Ok(rdns);
            }
            Some('+') => {}
            Some(',' | ';') => rdns.push(std::mem::take(&mut rdn)),
            Some(other) => return Err(format!("unexpected {other:?} after an attribute value")),
        }
    }
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// `descr` (a letter, then letters, digits and hyphens) or a numeric OID, up to `=`.
fn attribute_type(chars: &mut Chars<'_>) -> std::result::Result<String, String> {
    let mut name = String::new();
    loop {
        match chars.next() {
            Some('=') => break,
            Some(c) => name.push(c),
            None => return Err(format!("attribute type {:?} has no value", name.trim())),
        }
    }
    let name = name.trim();
    let descr = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let numeric = !name.is_empty()
        && name
            .split('.')
            .all(|arc| !arc.is_empty() && arc.chars().all(|c| c.is_ascii_digit()));
    if !descr && !numeric {
        return Err(format!("invalid attribute type {name:?}"));
    }
    Ok(name.to_owned())
}

/// A value up to an unescaped separator: `\` escapes a special character or gives a byte in two
/// hex digits; a value may be quoted; unescaped spaces around it are dropped.
fn attribute_value(chars: &mut Chars<'_>) -> std::result::Result<String, String> {
    while chars.peek() == Some(&' ') {
        chars.next();
    }
    if chars.peek() == Some(&'#') {
        return Err("BER-encoded (#) values are not supported".to_owned());
    }
    let mut bytes = Vec::new();
    // Bytes up to `kept` end with an escaped or non-space character: trailing spaces after it go.
    let mut kept = 0;
    if chars.peek() == Some(&'"') {
        chars.next();
        loop {
            match chars.next() {
                Some('"') => break,
                Some('\\') => escaped(chars, &mut bytes)?,
                Some(c) => push_char(&mut bytes, c),
                None => return Err("unterminated quoted value".to_owned()),
            }
        }
        while chars.peek() == Some(&' ') {
            chars.next();
        }
    } else {
        while let Some(&c) = chars.peek() {
            if matches!(c, ',' | ';' | '+') {
                break;
            }
            chars.next();
            match c {
                '\\' => {
                    escaped(chars, &mut bytes)?;
                    kept = bytes.len();
                }
                '"' | '<' | '>' | '=' => return Err(format!("{c:?} must be escaped in a value")),
                ' ' => bytes.push(b' '),
                c => {
                    push_char(&mut bytes, c);
                    kept = bytes.len();
                }
            }
        }
        bytes.truncate(kept);
    }
    String::from_utf8(bytes).map_err(|_| "a value is not UTF-8".to_owned())
}

fn push_char(bytes: &mut Vec<u8>, c: char) {
    let mut buffer = [0u8; 4];
    bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
}

fn escaped(chars: &mut Chars<'_>, bytes: &mut Vec<u8>) -> std::result::Result<(), String> {
    match chars.next() {
        Some(c @ (' ' | '"' | '#' | '+' | ',' | ';' | '<' | '=' | '>' | '\\')) => {
            bytes.push(c as u8);
            Ok(())
        }
        Some(high) if high.is_ascii_hexdigit() => {
            let low = chars
                .next()
                .filter(char::is_ascii_hexdigit)
                .ok_or_else(|| "an escape needs two hex digits".to_owned())?;
            let value = (high.to_digit(16).unwrap_or(0) << 4) | low.to_digit(16).unwrap_or(0);
            bytes.push(value as u8);
            Ok(())
        }
        Some(other) => Err(format!("invalid escape \\{other}")),
        None => Err("a value ends with \\".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dn(text: &str) -> DistinguishedName {
        DistinguishedName::parse(text).unwrap()
    }

    fn error(text: &str) -> String {
        DistinguishedName::parse(text).unwrap_err().message().to_owned()
    }

    #[test]
    fn a_subset_matches_and_any_other_value_does_not() {
        let full = dn("CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US");
        assert!(dn("C=US,ST=WA,O=Notary").is_subset_of(&full));
        assert!(full.is_subset_of(&full));
        assert!(!dn("C=US,ST=WA,O=Notary,CN=Somebody Else").is_subset_of(&full));
        assert!(!dn("C=US,ST=WA,O=Notary,OU=Extra").is_subset_of(&full));
        assert!(!full.is_subset_of(&dn("C=US,ST=WA,O=Notary")));
    }

    #[test]
    fn escapes_quotes_and_spaces_are_read_as_rfc_4514_says() {
        let parsed = dn(r#"C=US, ST=WA , O=Acme\, Inc.,CN=a\+b\2Cc , OU="x,y""#);
        let attributes = parsed.attributes();
        assert_eq!(attributes["O"], "Acme, Inc.");
        assert_eq!(attributes["ST"], "WA");
        assert_eq!(attributes["CN"], "a+b,c");
        assert_eq!(attributes["OU"], "x,y");
        assert_eq!(dn(r"C=US;ST=WA;O=a\ ").attributes()["O"], "a ");
        assert_eq!(dn(r"C=US,ST=WA,O=caf\C3\A9").attributes()["O"], "café");
    }

    #[test]
    fn notation_rules_refuse_what_it_refuses() {
        assert!(error("C=US,ST=WA").contains(r#"no mandatory RDN attribute for "O""#));
        assert!(error("C=US,ST=WA,O=A,O=B").contains("duplicate RDN attribute"));
        assert!(error("C=US+ST=WA,O=A").contains("multi-valued RDN"));
        assert!(error("C=US,ST=WA,O=#04024869").contains("=#"));
        assert!(error("").contains("mandatory"));
        for malformed in [
            "C=US,ST=WA,O",
            "C=US,,ST=WA,O=A",
            "1x=US,ST=WA,O=A",
            r"C=US,ST=WA,O=a\",
            r"C=US,ST=WA,O=\zz",
            "C=US,ST=WA,O=\"open",
            "C=US,ST=WA,O=a=b",
        ] {
            assert!(
                error(malformed).contains("follow RFC 4514"),
                "{malformed}: {}",
                error(malformed)
            );
        }
        let long = format!("C=US,ST=WA,O={}", "a".repeat(DN_SIZE_MAX));
        assert_eq!(
            DistinguishedName::parse(&long).unwrap_err().code(),
            ErrorCode::LimitExceeded
        );
    }

    #[test]
    fn a_numeric_oid_type_is_accepted() {
        assert_eq!(dn("C=US,ST=WA,O=A,2.5.4.3=x").attributes()["2.5.4.3"], "x");
    }
}
