//! The library's version, as a string and as macros for compile-time checks.

use std::ffi::c_char;

/// Major version of the header (and of the library it was generated with).
pub const OCITRUST_VERSION_MAJOR: u32 = 0;
/// Minor version of the header.
pub const OCITRUST_VERSION_MINOR: u32 = 1;
/// Patch version of the header.
pub const OCITRUST_VERSION_PATCH: u32 = 0;

/// The version of the linked library, `"MAJOR.MINOR.PATCH"`: NUL-terminated, static, never freed.
/// Compare it with the `OCITRUST_VERSION_*` macros to detect a header/library mismatch.
#[no_mangle]
pub extern "C" fn ocitrust_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_match_cargo_toml() {
        assert_eq!(OCITRUST_VERSION_MAJOR.to_string(), env!("CARGO_PKG_VERSION_MAJOR"));
        assert_eq!(OCITRUST_VERSION_MINOR.to_string(), env!("CARGO_PKG_VERSION_MINOR"));
        assert_eq!(OCITRUST_VERSION_PATCH.to_string(), env!("CARGO_PKG_VERSION_PATCH"));
        let version = unsafe { std::ffi::CStr::from_ptr(ocitrust_version()) };
        assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
