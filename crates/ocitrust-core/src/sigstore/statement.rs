//! in-toto Statements (v1 and v0.1), the payload of DSSE envelopes in Sigstore bundles: read once,
//! the way Go reads them (a key that collides with a field under Go's case folding, or repeats,
//! is refused, so this verifier and cosign cannot read two different statements from one payload),
//! and with in-toto's statement type checked.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, ErrorCode, Result};
use crate::go_reading::{check_go_unambiguous, GoStructFields};

/// The statement types accepted.
pub const IN_TOTO_STATEMENT_TYPES: [&str; 2] = ["https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1"];

/// A parsed statement.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InTotoStatement {
    /// `_type`: one of [`IN_TOTO_STATEMENT_TYPES`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// What the statement is about.
    pub subject: Vec<StatementSubject>,
    /// What kind of predicate it carries.
    pub predicate_type: String,
    /// The predicate, its JSON text as it stands in the statement (`None` when absent).
    #[serde(default)]
    pub predicate: Option<Box<serde_json::value::RawValue>>,
}

impl InTotoStatement {
    /// The predicate's bytes as they stand in the signed statement; `null` when it has none.
    pub fn predicate_bytes(&self) -> &[u8] {
        self.predicate.as_deref().map_or(b"null", |raw| raw.get().as_bytes())
    }
}

/// One subject of a statement.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StatementSubject {
    /// Digests by algorithm name (`sha256`, `sha512`, …), hex.
    #[serde(default)]
    pub digest: BTreeMap<String, String>,
    /// Annotations (cosign puts `sign -a` annotations here).
    #[serde(default)]
    pub annotations: BTreeMap<String, serde_json::Value>,
}

/// The fields of the in-toto statement structs Go reads; digest sets, annotations and the
/// predicate are maps or free-form.
const STATEMENT_FIELDS: GoStructFields<'static> = GoStructFields {
    fields: &[
        "_type",
        "subject",
        "name",
        "digest",
        "annotations",
        "predicateType",
        "predicate",
    ],
    opaque: &["digest", "annotations", "predicate"],
};

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidPayload, message)
}

impl InTotoStatement {
    /// Parses `payload` as an in-toto statement.
    pub fn parse(payload: &[u8]) -> Result<Self> {
        check_go_unambiguous(payload, STATEMENT_FIELDS, "the in-toto statement")?;
        let statement: InTotoStatement = serde_json::from_slice(payload)
            .map_err(|e| invalid(format!("the DSSE payload is not an in-toto statement: {e}")))?;
        if !IN_TOTO_STATEMENT_TYPES.contains(&statement.statement_type.as_str()) {
            return Err(invalid(format!(
                "statement type {:?} is not in-toto's",
                statement.statement_type
            )));
        }
        Ok(statement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_is_read_once_as_go_reads_it() {
        let ok = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"ab"}}],"predicateType":"p","predicate":{}}"#;
        let parsed = InTotoStatement::parse(ok).unwrap();
        assert_eq!(parsed.subject[0].digest["sha256"], "ab");
        assert_eq!(parsed.predicate_bytes(), b"{}");
        // The predicate's bytes are kept exactly: spacing, key order, number spelling.
        let spaced = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"p","predicate": { "b" : 1.50, "a":[ ] } }"#;
        assert_eq!(
            InTotoStatement::parse(spaced).unwrap().predicate_bytes(),
            br#"{ "b" : 1.50, "a":[ ] }"#
        );
        // A second subject list that Go would read instead (case folding) is refused.
        let twice = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"Subject":[{"digest":{"sha256":"ab"}}],"predicateType":"p"}"#;
        assert!(InTotoStatement::parse(twice).is_err());
        let other_type = br#"{"_type":"https://example.com/Statement","subject":[],"predicateType":"p"}"#;
        assert!(InTotoStatement::parse(other_type)
            .unwrap_err()
            .message()
            .contains("not in-toto's"));
        assert!(InTotoStatement::parse(b"[]").is_err());
    }
}
