//! For `valgrind --tool=callgrind`: verifies the keyless bundle N times with one implementation
//! (`ocitrust`, `sigstore_verify` or `sigstore_rs`). benches/compare_keyless_callgrind.sh runs it
//! with N = 1 and N = 11 and divides the difference by 10: the instructions of one verification,
//! setup excluded.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (which, n) = (args[1].as_str(), args[2].parse::<usize>().unwrap());
    let keyless = ocitrust_benches::keyless::Keyless::new();
    let run: fn(&ocitrust_benches::keyless::Keyless) -> bool = match which {
        "ocitrust" => Keyless::run_ocitrust,
        "sigstore_verify" => Keyless::run_sigstore_verify,
        "sigstore_rs" => Keyless::run_sigstore_rs,
        other => panic!("unknown implementation {other}"),
    };
    for _ in 0..n {
        assert!(run(&keyless));
    }
}

use ocitrust_benches::keyless::Keyless;
