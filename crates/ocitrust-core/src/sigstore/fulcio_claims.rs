//! The claims Fulcio writes into a certificate as extensions under `1.3.6.1.4.1.57264.1`: the OIDC
//! issuer (`.8`, a DER UTF8String; the deprecated `.1` holds the raw text), the GitHub workflow
//! claims of the first version (`.2`–`.6`, raw text) and the build claims (`.9`–`.22`, DER
//! UTF8Strings). Read once from the certificate, for identity policies and the verdict.

use serde::Serialize;

use crate::error::{Error, ErrorCode, Result};
use crate::x509::Certificate;

const ARC: &str = "1.3.6.1.4.1.57264.1.";

/// How an extension's value is encoded.
#[derive(Clone, Copy)]
enum Encoding {
    /// The extension value is the text itself (the first, deprecated extensions).
    Raw,
    /// The extension value is a DER UTF8String.
    Utf8String,
}

/// Every claim read: (sub-arc, verdict name, encoding).
const CLAIMS: &[(u32, &str, Encoding)] = &[
    (1, "issuer-v1", Encoding::Raw),
    (2, "github-workflow-trigger", Encoding::Raw),
    (3, "github-workflow-sha", Encoding::Raw),
    (4, "github-workflow-name", Encoding::Raw),
    (5, "github-workflow-repository", Encoding::Raw),
    (6, "github-workflow-ref", Encoding::Raw),
    (8, "issuer", Encoding::Utf8String),
    (9, "build-signer-uri", Encoding::Utf8String),
    (10, "build-signer-digest", Encoding::Utf8String),
    (11, "runner-environment", Encoding::Utf8String),
    (12, "source-repository-uri", Encoding::Utf8String),
    (13, "source-repository-digest", Encoding::Utf8String),
    (14, "source-repository-ref", Encoding::Utf8String),
    (15, "source-repository-identifier", Encoding::Utf8String),
    (16, "source-repository-owner-uri", Encoding::Utf8String),
    (17, "source-repository-owner-identifier", Encoding::Utf8String),
    (18, "build-config-uri", Encoding::Utf8String),
    (19, "build-config-digest", Encoding::Utf8String),
    (20, "build-trigger", Encoding::Utf8String),
    (21, "run-invocation-uri", Encoding::Utf8String),
    (22, "source-repository-visibility-at-signing", Encoding::Utf8String),
];

/// The Fulcio claims of one certificate, in extension order; serialized as a JSON object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FulcioClaims(pub Vec<(String, String)>);

impl Serialize for FulcioClaims {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for FulcioClaims {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct InOrder;
        impl<'de> serde::de::Visitor<'de> for InOrder {
            type Value = FulcioClaims;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of Fulcio claims")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
                let mut claims = Vec::new();
                while let Some(entry) = map.next_entry::<String, String>()? {
                    claims.push(entry);
                }
                Ok(FulcioClaims(claims))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

impl FulcioClaims {
    /// Reads the claims of `certificate`; a claim that is not text of its encoding is an error.
    pub fn read(certificate: &Certificate) -> Result<Self> {
        let mut claims = Vec::new();
        for (arc, name, encoding) in CLAIMS {
            let Some(value) = certificate.extension(&format!("{ARC}{arc}")) else {
                continue;
            };
            let text = match encoding {
                Encoding::Raw => std::str::from_utf8(value).map(str::to_owned).ok(),
                Encoding::Utf8String => {
                    use der::Decode;
                    der::asn1::Utf8StringRef::from_der(value)
                        .ok()
                        .map(|s| s.as_str().to_owned())
                }
            }
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidCertificate,
                    format!("the certificate's Fulcio claim {name} ({ARC}{arc}) is not text"),
                )
            })?;
            claims.push(((*name).to_owned(), text));
        }
        Ok(FulcioClaims(claims))
    }

    /// The claim named `name` (a name of the verdict, e.g. `github-workflow-sha`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The claims as a JSON object, names in extension order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The OIDC issuer: extension `.8`, else the deprecated `.1`.
    pub fn issuer(&self) -> Option<&str> {
        self.get("issuer").or_else(|| self.get("issuer-v1"))
    }
}
