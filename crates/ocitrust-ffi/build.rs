//! Gives the shared library the soname `make install` installs it under: `libocitrust.so.0.MINOR`
//! while the major version is 0 (every minor release may break the ABI), `libocitrust.so.MAJOR` after.

fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets CARGO_PKG_VERSION_MAJOR");
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").expect("cargo sets CARGO_PKG_VERSION_MINOR");
    let soversion = if major == "0" { format!("0.{minor}") } else { major };
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libocitrust.so.{soversion}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
