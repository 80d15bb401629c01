//! `notation_callgrind FORMAT N`: judges the notation sample's FORMAT (jws or cose) envelope N
//! times, for compare_notation.sh to count instructions with callgrind.

use ocitrust_benches::notation::NotationSample;

fn main() {
    let mut args = std::env::args().skip(1);
    let media_type = match args.next().as_deref() {
        Some("jws") => "application/jose+json",
        Some("cose") => "application/cose",
        other => panic!("usage: notation_callgrind jws|cose N (got {other:?})"),
    };
    let n: usize = args.next().and_then(|n| n.parse().ok()).expect("a count");
    let sample = NotationSample::new();
    for _ in 0..n {
        assert!(sample.verify(media_type));
    }
}
