//! The Notary Project plugin protocol (contract 1.0), for verification plugins: the JSON that
//! `get-plugin-metadata` and `verify-signature` take and give, and what notation requires of it
//! (the plugin's own name, a semantic version at least the signature's minimum, the contract
//! version, verification capabilities, every critical attribute processed). Running the plugin
//! executable is the caller's I/O ([`PluginHost`]).

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::envelope::{EnvelopeContent, VERIFICATION_PLUGIN, VERIFICATION_PLUGIN_MIN_VERSION};
use crate::error::Result;
use crate::sigstore::format_time;

/// The plugin contract version spoken here.
pub const CONTRACT_VERSION: &str = "1.0";
/// The capability to judge trusted identities.
pub const TRUSTED_IDENTITY: &str = "SIGNATURE_VERIFIER.TRUSTED_IDENTITY";
/// The capability to check revocation.
pub const REVOCATION_CHECK: &str = "SIGNATURE_VERIFIER.REVOCATION_CHECK";
/// Largest answer read from a plugin.
pub const PLUGIN_OUTPUT_SIZE_MAX: usize = 1024 * 1024;

/// Runs verification plugins: `notation-<name> <command>` with `request` on standard input,
/// giving its standard output (or the error it reported).
pub trait PluginHost {
    /// Runs `command` of the plugin `name`.
    fn run(&self, name: &str, command: &str, request: &[u8]) -> Result<Vec<u8>>;
}

/// What a plugin says of itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginMetadata {
    /// Its name.
    pub name: String,
    /// What it is.
    #[serde(default)]
    pub description: String,
    /// Its version (semantic).
    pub version: String,
    /// Where it comes from.
    #[serde(default)]
    pub url: String,
    /// The contract versions it speaks.
    #[serde(default)]
    pub supported_contract_versions: Vec<String>,
    /// What it can do.
    #[serde(default)]
    pub capabilities: Vec<String>,
}

/// A plugin found and fit for verifying a signature: its metadata and the verification
/// capabilities it brings.
#[derive(Debug, Clone)]
pub struct ResolvedPlugin {
    /// The plugin's metadata.
    pub metadata: PluginMetadata,
    /// The verification capabilities it has (trusted identity, revocation check).
    pub capabilities: Vec<&'static str>,
}

impl ResolvedPlugin {
    /// Whether it judges trusted identities itself.
    pub fn judges_identity(&self) -> bool {
        self.capabilities.contains(&TRUSTED_IDENTITY)
    }

    /// Whether it checks revocation itself.
    pub fn checks_revocation(&self) -> bool {
        self.capabilities.contains(&REVOCATION_CHECK)
    }
}

/// The plugin `name`'s metadata, held to what notation requires.
pub fn plugin_metadata(
    host: &dyn PluginHost,
    name: &str,
    config: &BTreeMap<String, String>,
) -> std::result::Result<PluginMetadata, String> {
    let request = json!({ "pluginConfig": config }).to_string();
    let answer = host
        .run(name, "get-plugin-metadata", request.as_bytes())
        .map_err(|e| e.message().to_owned())?;
    let metadata: PluginMetadata =
        serde_json::from_slice(&answer).map_err(|e| format!("plugin {name:?} gave malformed metadata: {e}"))?;
    if metadata.name != name {
        return Err(format!(
            "executable name must be \"notation-{}\" instead of \"notation-{name}\"",
            metadata.name
        ));
    }
    if !metadata
        .supported_contract_versions
        .iter()
        .any(|v| v == CONTRACT_VERSION)
    {
        return Err(format!(
            "contract version {CONTRACT_VERSION:?} is not in the list of the plugin supported versions {:?}",
            metadata.supported_contract_versions
        ));
    }
    Ok(metadata)
}

/// Resolves the plugin a signature names for verification: installed, its version a semantic
/// version at least `min_version`, with at least one verification capability.
pub fn resolve_plugin(
    host: Option<&dyn PluginHost>,
    name: &str,
    min_version: Option<&str>,
    config: &BTreeMap<String, String>,
) -> std::result::Result<ResolvedPlugin, String> {
    let located = host
        .ok_or_else(|| "no plugin directory is configured".to_owned())
        .and_then(|host| plugin_metadata(host, name, config));
    let metadata = located.map_err(|e| {
        format!("error while locating the verification plugin {name:?}, make sure the plugin is installed successfully before verifying the signature. error: {e}")
    })?;
    let version = parse_semver(&metadata.version).ok_or_else(|| {
        format!(
            "plugin {name} has pluginVersion {} which is not in valid semver format",
            metadata.version
        )
    })?;
    if let Some(minimum) = min_version {
        let wanted = parse_semver(minimum).ok_or_else(|| {
            format!("{VERIFICATION_PLUGIN_MIN_VERSION} from extended attribute is not a valid SemVer")
        })?;
        if version < wanted {
            return Err(format!(
                "found plugin {name} with version {} but signature verification needs plugin version greater than or equal to {minimum}",
                metadata.version
            ));
        }
    }
    let capabilities: Vec<&'static str> = [TRUSTED_IDENTITY, REVOCATION_CHECK]
        .into_iter()
        .filter(|c| metadata.capabilities.iter().any(|m| m == c))
        .collect();
    if capabilities.is_empty() {
        return Err(format!(
            "digital signature requires plugin {name:?} with signature verification capabilities ({TRUSTED_IDENTITY:?} and/or {REVOCATION_CHECK:?}) installed"
        ));
    }
    Ok(ResolvedPlugin { metadata, capabilities })
}

/// `(major, minor, patch, pre-release)` of a semantic version; a release sorts after its
/// pre-releases.
fn parse_semver(text: &str) -> Option<(u64, u64, u64, bool, String)> {
    let core = text.split('+').next()?;
    let (core, pre) = match core.split_once('-') {
        Some((core, pre)) if !pre.is_empty() => (core, Some(pre)),
        Some(_) => return None,
        None => (core, None),
    };
    let mut parts = core.split('.');
    let number = |p: Option<&str>| -> Option<u64> {
        let p = p?;
        (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (p == "0" || !p.starts_with('0')))
            .then(|| p.parse().ok())?
    };
    let (major, minor, patch) = (number(parts.next())?, number(parts.next())?, number(parts.next())?);
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch, pre.is_none(), pre.unwrap_or_default().to_owned()))
}

/// What a plugin said of one capability.
#[derive(Debug, Clone, Deserialize)]
pub struct CapabilityResult {
    /// Whether the check passed.
    pub success: bool,
    /// Why not, or what it found.
    #[serde(default)]
    pub reason: String,
}

/// A plugin's `verify-signature` answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginVerdict {
    /// Per capability.
    #[serde(default)]
    pub verification_results: BTreeMap<String, CapabilityResult>,
    /// The critical attributes it processed.
    #[serde(default)]
    pub processed_attributes: Vec<String>,
}

/// Asks the plugin to verify `capabilities` of the signature `content`, with the statement's
/// trusted identities; refuses an answer that leaves a critical attribute unprocessed or a
/// capability unanswered.
pub fn verify_with_plugin(
    host: &dyn PluginHost,
    name: &str,
    capabilities: &[&str],
    content: &EnvelopeContent,
    trusted_identities: &[String],
    config: &BTreeMap<String, String>,
) -> std::result::Result<PluginVerdict, String> {
    let signer = &content.signer;
    let critical: Vec<&super::envelope::ExtendedAttribute> = signer
        .extended_attributes
        .iter()
        .filter(|a| a.critical && a.key != VERIFICATION_PLUGIN && a.key != VERIFICATION_PLUGIN_MIN_VERSION)
        .collect();
    let extended: serde_json::Map<String, serde_json::Value> =
        critical.iter().map(|a| (a.key.clone(), a.value.clone())).collect();
    let mut attributes = json!({
        "contentType": content.payload_content_type,
        "signingScheme": signer.signing_scheme.name(),
        "extendedAttributes": extended,
    });
    if let Some(expiry) = signer.expiry {
        attributes["expiry"] = json!(format_time(expiry));
    }
    if signer.signing_scheme == super::SigningScheme::X509SigningAuthority {
        attributes["authenticSigningTime"] = json!(format_time(signer.signing_time));
    }
    let request = json!({
        "contractVersion": CONTRACT_VERSION,
        "signature": {
            "criticalAttributes": attributes,
            "unprocessedAttributes": critical.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(),
            "certificateChain": signer.certificate_chain.iter().map(|c| STANDARD.encode(c.der())).collect::<Vec<_>>(),
        },
        "trustPolicy": {
            "trustedIdentities": trusted_identities,
            "signatureVerification": capabilities,
        },
        "pluginConfig": config,
    });
    let answer = host
        .run(name, "verify-signature", request.to_string().as_bytes())
        .map_err(|e| format!("failed to verify with plugin {name}: {}", e.message()))?;
    let verdict: PluginVerdict = serde_json::from_slice(&answer)
        .map_err(|e| format!("failed to verify with plugin {name}: malformed answer: {e}"))?;
    if let Some(attribute) = critical.iter().find(|a| !verdict.processed_attributes.contains(&a.key)) {
        return Err(format!(
            "extended critical attribute {:?} was not processed by the verification plugin {name:?} (all extended critical attributes must be processed by the verification plugin)",
            attribute.key
        ));
    }
    if let Some(missing) = capabilities
        .iter()
        .find(|c| !verdict.verification_results.contains_key(**c))
    {
        return Err(format!("verification plugin {name:?} failed to verify {missing:?}"));
    }
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semantic_versions_compare_as_semver_says() {
        assert!(parse_semver("1.2.3").unwrap() > parse_semver("1.2.3-rc.1").unwrap());
        assert!(parse_semver("1.10.0").unwrap() > parse_semver("1.9.9").unwrap());
        assert!(parse_semver("2.0.0+build").unwrap() == parse_semver("2.0.0").unwrap());
        for bad in ["1.2", "1.2.3.4", "01.2.3", "a.b.c", "1.2.3-", ""] {
            assert!(parse_semver(bad).is_none(), "{bad}");
        }
    }
}
