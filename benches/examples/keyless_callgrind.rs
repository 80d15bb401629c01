//! For `valgrind --tool=callgrind`: verifies a keyless signature N times with one implementation.
//! `keyless_callgrind bundle IMPL N` verifies the keyless bundle (`ocitrust`, `sigstore_verify` or
//! `sigstore_rs`); `keyless_callgrind layer IMPL N` the legacy keyless layer (`ocitrust` or
//! `sigstore_verify`). benches/compare_keyless_callgrind.sh runs each with N = 1 and N = 11 and
//! divides the difference by 10: the instructions of one verification, setup excluded.

use ocitrust_benches::keyless::Keyless;
use ocitrust_benches::legacy_keyless::LegacyKeyless;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (input, which, n) = (args[1].as_str(), args[2].as_str(), args[3].parse::<usize>().unwrap());
    let run: Box<dyn Fn() -> bool> = match (input, which) {
        ("bundle", implementation) => {
            let keyless = Keyless::new();
            let run = match implementation {
                "ocitrust" => Keyless::run_ocitrust,
                "sigstore_verify" => Keyless::run_sigstore_verify,
                "sigstore_rs" => Keyless::run_sigstore_rs,
                other => panic!("unknown implementation {other}"),
            };
            Box::new(move || run(&keyless))
        }
        ("layer", implementation) => {
            let legacy = LegacyKeyless::new();
            let run = match implementation {
                "ocitrust" => LegacyKeyless::run_ocitrust,
                "sigstore_verify" => LegacyKeyless::run_sigstore_verify,
                other => panic!("unknown implementation {other}"),
            };
            Box::new(move || run(&legacy))
        }
        (other, _) => panic!("unknown input {other} (bundle or layer)"),
    };
    for _ in 0..n {
        assert!(run());
    }
}
