//! ocitrust's CEL against cel-go, the reference implementation (tests/tools/cel-oracle, built by the
//! test command's install step): hand-picked edge cases and thousands of generated expressions over
//! the same JSON inputs must give the same outcome — the same boolean, or an error on both sides
//! (cel-go reports some errors when it compiles, ocitrust when it evaluates; a condition denies
//! either way). The one divergence allowed is cel-go's static type check refusing an expression
//! that ocitrust evaluates, which is counted and bounded.

#[path = "support/peers.rs"]
mod peers;
mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use ocitrust::core::policy::cel::{Condition, ConditionInputs};
use peers::tool;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    True,
    False,
    Error(String),
}

fn inputs() -> (Value, Value, Value, Value) {
    let predicate = json!({
        "count": 3, "ratio": 0.5, "big": 9007199254740993.0_f64, "name": "Zlib-1.3", "empty": "",
        "tags": ["a", "b", "a"], "nums": [1, 2, 3.5, -4], "nested": {"x": {"y": true}, "list": [{"k": 1}, {"k": 2}]},
        "components": [{"name": "openssl", "version": "3.0.13"}, {"name": "log4j-core", "version": "2.17.1"}],
        "nothing": null, "yes": true
    });
    let statement = json!({"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://cyclonedx.org/bom"});
    let signer = json!({"authority": "ci", "key_id": "ab12"});
    let image = json!({"reference": "registry.example.com/app:v1", "digest": "sha256:00", "platform": null});
    (predicate, statement, signer, image)
}

fn ours(source: &str, inputs: &(Value, Value, Value, Value)) -> Outcome {
    let condition = match Condition::compile(source) {
        Ok(condition) => condition,
        Err(e) => return Outcome::Error(format!("compile: {e}")),
    };
    match condition.evaluate(ConditionInputs {
        predicate: &inputs.0,
        statement: &inputs.1,
        signer: &inputs.2,
        image: &inputs.3,
    }) {
        Ok(true) => Outcome::True,
        Ok(false) => Outcome::False,
        Err(e) => Outcome::Error(e),
    }
}

/// cel-go's outcomes for `sources`, and which were compile errors.
fn theirs(sources: &[String], inputs: &(Value, Value, Value, Value)) -> Vec<(Outcome, bool)> {
    let mut child = Command::new(tool("OCITRUST_CEL_ORACLE"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the cel-go oracle runs");
    let mut stdin = child.stdin.take().unwrap();
    let requests: Vec<String> = sources
        .iter()
        .map(|s| {
            json!({"expr": s, "predicate": inputs.0, "statement": inputs.1, "signer": inputs.2, "image": inputs.3})
                .to_string()
        })
        .collect();
    let writer = std::thread::spawn(move || {
        for request in requests {
            writeln!(stdin, "{request}").unwrap();
        }
    });
    let answers: Vec<(Outcome, bool)> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|line| {
            let answer: Value = serde_json::from_str(&line.unwrap()).unwrap();
            match (answer.get("value"), answer.get("error").and_then(Value::as_str)) {
                (Some(Value::Bool(true)), _) => (Outcome::True, false),
                (Some(Value::Bool(false)), _) => (Outcome::False, false),
                (_, Some(error)) => (Outcome::Error(error.to_owned()), error.starts_with("compile:")),
                _ => (Outcome::Error(format!("not a bool: {}", answer["kind"])), false),
            }
        })
        .collect();
    writer.join().unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(answers.len(), sources.len());
    answers
}

const EDGE_CASES: &[&str] = &[
    "predicate.count == 3",
    "predicate.count == 3u",
    "predicate.count == 3.0",
    "predicate.ratio < 1",
    "predicate.count > 2u",
    "predicate.big == 9007199254740992",
    "predicate.nums[2] == 3.5",
    "predicate.nums[0] + 1 == 2.0",
    "int(predicate.count) + 1 == 4",
    "uint(predicate.count) == 3u",
    "int(predicate.ratio) == 0",
    "int(-2.7) == -2",
    "uint(-1.0) == 0u",
    "int(9223372036854775807.0) > 0",
    "9223372036854775807 + 1 > 0",
    "-9223372036854775808 - 1 < 0",
    "1 / 0 == 0",
    "1 % 0 == 0",
    "5 % -3 == 2",
    "-5 / 2 == -2",
    "0.0 / 0.0 == 0.0 / 0.0",
    "1.0 / 0.0 > 1e308",
    "18446744073709551615u + 1u > 0u",
    "string(1.5) == '1.5'",
    "string(1e21) == '1e+21'",
    "string(123456.0) == '123456'",
    "string(1234567.0) == '1.234567e+06'",
    "string(0.0001) == '0.0001'",
    "string(0.00001) == '1e-05'",
    "string(-0.0) == '-0'",
    "string(100u) == '100'",
    "string(true) == 'true'",
    "string(b'abc') == 'abc'",
    "bytes('é') == b'\\xc3\\xa9'",
    "size('héllo') == 5",
    "size(b'h\\xc3\\xa9') == 3",
    "'\\u00e9' == 'é'",
    "'\\x41' == 'A'",
    "'\\101' == 'A'",
    "r'\\d' == '\\\\d'",
    "'''multi\nline''' == 'multi\\nline'",
    "\"a\" < \"b\"",
    "'B' < 'a'",
    "b'a' < b'b'",
    "false < true",
    "predicate.name.startsWith('Zlib') && predicate.name.endsWith('1.3')",
    "predicate.name.contains('-')",
    "predicate.name.matches('^[A-Z][a-z]+-[0-9.]+$')",
    "predicate.name.matches('z')",
    "predicate.name.lowerAscii() == 'zlib-1.3'",
    "predicate.name.upperAscii() == 'ZLIB-1.3'",
    "'x'.matches('(')",
    "has(predicate.count)",
    "has(predicate.missing)",
    "has(predicate.nested.x.y)",
    "has(predicate.nothing)",
    "predicate.missing",
    "predicate.missing == 1",
    "predicate.nothing == null",
    "predicate.nothing.x == 1",
    "predicate.tags.exists(t, t == 'b')",
    "predicate.tags.all(t, t != 'c')",
    "predicate.tags.exists_one(t, t == 'a')",
    "predicate.tags.map(t, t + '!') == ['a!', 'b!', 'a!']",
    "predicate.nums.filter(n, n > 1).size() == 2",
    "predicate.nums.map(n, n > 0, n * 2) == [2.0, 4.0, 7.0]",
    "predicate.components.exists(c, c.name == 'log4j-core')",
    "!predicate.components.exists(c, c.name == 'log4j-core')",
    "predicate.components.all(c, has(c.version))",
    "predicate.nested.list.map(i, i.k).exists(k, k == 2)",
    "{'a': 1}.all(k, k == 'a')",
    "{'a': 1, 'b': 2}.exists_one(k, k == 'b')",
    "predicate.tags.exists(t, t.missing) || true",
    "predicate.tags.exists(t, t.missing)",
    "predicate.tags.all(t, t.missing)",
    "predicate.tags.all(t, t.missing || false)",
    "[1, 'a'].exists(x, x == 'a')",
    "[1, 'a'].all(x, x == 1)",
    "false && predicate.missing",
    "predicate.missing && false",
    "true || predicate.missing",
    "predicate.missing || true",
    "predicate.missing || false",
    "true && predicate.missing",
    "!predicate.yes",
    "predicate.yes ? 1 == 1 : 1 / 0 == 1",
    "'a' in predicate.tags",
    "'z' in predicate.tags",
    "'count' in predicate",
    "3 in predicate.nums",
    "3.5 in predicate.nums",
    "[1, 2] == [1, 2]",
    "[1, 2] == [2, 1]",
    "{'a': predicate.count} == {'a': 3.0}",
    "{'a': [1]} != {'a': [2]}",
    "null == null",
    "[] == []",
    "{} == {}",
    "[[predicate.count]] == [[3.0]]",
    "!!predicate.count == 3",
    "--predicate.ratio == 0.5",
    "!-1 == 1",
    "-!true",
    "predicate.tags[1] == 'b'",
    "predicate.tags[3] == 'x'",
    "predicate.tags[-1] == 'x'",
    "predicate.nums[1.0] == 2",
    "predicate['count'] == 3",
    "predicate.nested['x']['y']",
    "predicate.tags.size() == 3",
    "size(predicate) > 5",
    "size(predicate.nested) == 2",
    "dyn(1) == 1.0",
    "dyn('a') == 'a'",
    "int('42') == 42",
    "int('4.2') == 4",
    "double('4.5') == 4.5",
    "double('inf') > 0.0",
    "bool('true')",
    "bool('TRUE')",
    "bool('yes')",
    "uint('-1') == 0u",
    "int(18446744073709551615u) > 0",
    "1 + 2 * 3 == 7",
    "(1 + 2) * 3 == 9",
    "-(-3) == 3",
    "--3 == 3",
    "!!true",
    "1 < 2 == true",
    "predicate.count + predicate.ratio > 3.0",
    "predicate.tags + ['c'] == ['a', 'b', 'a', 'c']",
    "statement.predicateType == 'https://cyclonedx.org/bom'",
    "signer.authority == 'ci' && image.platform == null",
    "image.reference.endsWith(':v1')",
    "predicate",
    "predicate.count",
    "predicate.tags",
    "1",
    "'a'",
    "null",
];

fn agree(sources: &[String], inputs: &(Value, Value, Value, Value), static_type_divergences: &mut Vec<String>) {
    let theirs = theirs(sources, inputs);
    for (source, (their, compile_error)) in sources.iter().zip(theirs) {
        let ours = ours(source, inputs);
        match (&ours, &their) {
            (Outcome::True, Outcome::True)
            | (Outcome::False, Outcome::False)
            | (Outcome::Error(_), Outcome::Error(_)) => {}
            // cel-go's static type check refuses some expressions of literals it could evaluate
            // (e.g. `1 == 1.0`); ocitrust evaluates them with CEL's runtime semantics.
            (_, Outcome::Error(_)) if compile_error => static_type_divergences.push(source.clone()),
            _ => panic!("{source:?}: ocitrust {ours:?}, cel-go {their:?}"),
        }
    }
}

#[test]
fn hand_picked_edge_cases_agree_with_cel_go() {
    let sources: Vec<String> = EDGE_CASES.iter().map(|s| (*s).to_owned()).collect();
    let mut divergences = Vec::new();
    agree(&sources, &inputs(), &mut divergences);
    assert!(
        divergences.is_empty(),
        "cel-go refused at compile time what ocitrust evaluates: {divergences:?}"
    );
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// A random expression of CEL's subset that ocitrust implements, over the inputs.
fn expression(rng: &mut Rng, depth: u32) -> String {
    const ATOMS: &[&str] = &[
        "predicate.count",
        "predicate.ratio",
        "predicate.name",
        "predicate.tags",
        "predicate.nums",
        "predicate.nested",
        "predicate.nothing",
        "predicate.yes",
        "predicate.missing",
        "predicate.empty",
        "predicate.nums[0]",
        "predicate.tags[1]",
        "1",
        "2u",
        "0",
        "-1",
        "2.5",
        "0.0",
        "'a'",
        "'Zlib-1.3'",
        "''",
        "true",
        "false",
        "null",
        "[1, 2]",
        "['a', 'b']",
        "{'a': 1}",
        "b'a'",
        "x",
        "9223372036854775807",
    ];
    if depth == 0 {
        let atom = rng.pick(ATOMS);
        // `x` only inside comprehensions; outside it is the same as an input.
        return if atom == "x" {
            "predicate.count".into()
        } else {
            atom.into()
        };
    }
    let a = expression(rng, depth - 1);
    let b = expression(rng, depth - 1);
    match rng.next() % 22 {
        0 => format!("{a} == {b}"),
        1 => format!("{a} != {b}"),
        2 => format!("{a} < {b}"),
        3 => format!("{a} >= {b}"),
        4 => format!("({a} + {b})"),
        5 => format!("({a} - {b})"),
        6 => format!("({a} * {b})"),
        7 => format!("({a} / {b})"),
        8 => format!("({a} % {b})"),
        9 => format!("({a} && {b})"),
        10 => format!("({a} || {b})"),
        11 => format!("!{a}"),
        12 => format!("({a} ? {b} : {})", expression(rng, depth - 1)),
        13 => format!("{a} in {b}"),
        14 => format!("size({a})"),
        15 => format!("{}({a})", rng.pick(&["int", "uint", "double", "string", "bool"])),
        16 => format!("{a}.{}({b})", rng.pick(&["contains", "startsWith", "endsWith"])),
        17 => format!(
            "{}.{}(x, {})",
            rng.pick(&["predicate.tags", "predicate.nums", "[1, 'a', 2.5]", "{'a': 1, 'b': 2}"]),
            rng.pick(&["all", "exists", "exists_one", "filter", "map"]),
            b.replacen("predicate.count", "x", 1)
        ),
        18 => format!(
            "has(predicate.{})",
            rng.pick(&["count", "missing", "nested", "nothing"])
        ),
        19 => format!("-{a}"),
        20 => format!("{a}[{b}]"),
        _ => format!("{a}.matches({})", rng.pick(&["'^Z'", "'[0-9]'", "'a|b'"])),
    }
}

#[test]
fn thousands_of_generated_expressions_agree_with_cel_go() {
    let mut rng = Rng(0x853c49e6748fea9b);
    let sources: Vec<String> = (0..4000).map(|i| expression(&mut rng, 1 + (i % 3) as u32)).collect();
    let mut divergences = Vec::new();
    agree(&sources, &inputs(), &mut divergences);
    eprintln!(
        "{} generated expressions agree; cel-go's static type check refused {} that ocitrust evaluates, e.g. {:?}",
        sources.len() - divergences.len(),
        divergences.len(),
        divergences.iter().take(5).collect::<Vec<_>>()
    );
    assert!(
        divergences.len() * 10 < sources.len(),
        "{} static-type divergences",
        divergences.len()
    );
}
