//! PEM encoding with LF line endings and 64-column lines, as Go's `encoding/pem` writes it.

/// Encodes `contents` as a PEM block labelled `tag`.
pub fn encode(tag: &str, contents: &[u8]) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(tag, contents.to_vec()), config)
}
