//! OCI layouts in tar archives (`oci-archive:`), plain or gzip: reading never panics, holds no more
//! than its bounds, and what opens resolves and reads its blobs with every digest checked. The
//! layout references that name archives parse and print back to themselves.
#![no_main]
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use ocitrust::registry::layout::LayoutSelector;
use ocitrust::registry::limits::ReadBudget;
use ocitrust::registry::{LayoutReference, OciLayout};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(reference) = LayoutReference::parse(&format!("oci-archive:{text}")) {
            let again = LayoutReference::parse(&reference.to_string()).expect("a printed reference parses");
            assert_eq!(again.selector, reference.selector);
        }
    }
    let budget = Arc::new(ReadBudget::new(1024 * 1024));
    if let Ok(layout) = OciLayout::open_archive_stream("fuzz.tar", data, budget) {
        if let Ok(entry) = layout.resolve(&LayoutSelector::Default) {
            if let Ok(manifest) = layout.read_manifest(&entry.digest) {
                assert_eq!(manifest.digest(), &entry.digest);
            }
        }
    }
});
