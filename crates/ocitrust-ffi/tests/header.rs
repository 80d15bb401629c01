//! The committed include/ocitrust.h is exactly what cbindgen makes of this crate, and its result
//! codes are the Rust `ErrorCode`s one to one. `OCITRUST_BLESS_HEADER=1` rewrites the header.

use std::path::PathBuf;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn header_path() -> PathBuf {
    crate_dir().join("../../include/ocitrust.h")
}

fn generate() -> String {
    let config = cbindgen::Config::from_file(crate_dir().join("cbindgen.toml")).expect("cbindgen.toml parses");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir())
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn committed_header_matches_the_sources() {
    let generated = generate();
    if std::env::var_os("OCITRUST_BLESS_HEADER").is_some() {
        std::fs::write(header_path(), &generated).unwrap();
    }
    let committed = std::fs::read_to_string(header_path()).unwrap_or_default();
    assert!(
        committed == generated,
        "include/ocitrust.h is out of date; regenerate it with\n  OCITRUST_BLESS_HEADER=1 cargo test -p ocitrust-ffi --test header\nand commit it"
    );
}

#[test]
fn result_codes_are_the_rust_error_codes_one_to_one() {
    let header = generate();
    let defined: Vec<(String, u32)> = header
        .lines()
        .filter_map(|l| l.strip_prefix("#define OCITRUST_ERR_"))
        .map(|rest| {
            let mut parts = rest.split_whitespace();
            let name = parts.next().unwrap().to_ascii_lowercase();
            let value = parts.next().unwrap().trim_matches(|c| c == '(' || c == ')');
            (name, value.parse().unwrap())
        })
        .collect();
    let expected: Vec<(String, u32)> = ocitrust::ErrorCode::ALL
        .iter()
        .map(|c| (c.name().to_owned(), c.as_u32()))
        .collect();
    assert_eq!(defined, expected);
    assert!(header.contains("#define OCITRUST_OK 0"));
}

#[test]
fn every_exported_item_is_documented_in_the_header() {
    let header = generate();
    let lines: Vec<&str> = header.lines().collect();
    let mut declarations = 0;
    for (i, line) in lines.iter().enumerate() {
        let is_function = !line.starts_with(' ') && line.contains(" ocitrust_") && line.contains('(');
        let declares = (line.starts_with("#define OCITRUST_") && !line.starts_with("#define OCITRUST_H"))
            || line.starts_with("typedef ")
            || is_function;
        if declares {
            declarations += 1;
            assert!(
                i > 0 && lines[i - 1] == " */",
                "line {} of include/ocitrust.h has no documentation: {line}",
                i + 1
            );
        }
    }
    assert!(
        declarations > 50,
        "only {declarations} declarations found; is the header complete?"
    );
}
