//! Times one CEL condition over the JSON inputs of a cel-oracle request on standard input, as
//! `cel-oracle bench N` does for cel-go: compiled once, evaluated N times, the mean of one
//! evaluation printed in nanoseconds. Used by benches/compare_cel.sh.

use std::io::Read;
use std::time::Instant;

use ocitrust_core::policy::cel::{Condition, ConditionInputs};

fn main() {
    let n: u32 = std::env::args().nth(1).and_then(|n| n.parse().ok()).expect("usage: cel_time N < request.json");
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).expect("a request on standard input");
    let request: serde_json::Value = serde_json::from_str(&text).expect("a JSON request");
    let condition = Condition::compile(request["expr"].as_str().expect("expr")).expect("a condition that compiles");
    let inputs = ConditionInputs {
        predicate: &request["predicate"],
        statement: &request["statement"],
        signer: &request["signer"],
        image: &request["image"],
    };
    assert_eq!(condition.evaluate(inputs), Ok(true), "the condition must hold on the request's inputs");
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(condition.evaluate(std::hint::black_box(inputs)).ok());
    }
    println!("{}", start.elapsed().as_nanos() / u128::from(n));
}
