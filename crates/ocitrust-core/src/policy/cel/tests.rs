use serde_json::json;

use super::*;

fn run(source: &str) -> Result<bool, String> {
    let predicate = json!({
        "components": [{"name": "openssl", "version": "3.0.13"}, {"name": "zlib", "version": "1.3"}],
        "count": 2,
        "nested": {"deep": {"value": "x"}},
        "empty": []
    });
    let statement = json!({"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://cyclonedx.org/bom"});
    let signer = json!({"authority": "ci", "certificate": {"issuer": "https://token.actions.githubusercontent.com"}});
    let image = json!({"reference": "registry.example.com/app:v1", "digest": "sha256:00"});
    Condition::compile(source)
        .map_err(|e| e.to_string())?
        .evaluate(ConditionInputs {
            predicate: &predicate,
            statement: &statement,
            signer: &signer,
            image: &image,
        })
}

#[track_caller]
fn holds(source: &str) {
    assert_eq!(run(source), Ok(true), "{source}");
}

#[track_caller]
fn fails(source: &str, message: &str) {
    match run(source) {
        Err(e) => assert!(e.contains(message), "{source}: {e:?} does not contain {message:?}"),
        Ok(value) => panic!("{source}: expected an error containing {message:?}, got {value}"),
    }
}

#[test]
fn conditions_over_the_inputs() {
    holds(r#"!predicate.components.exists(c, c.name == "log4j-core")"#);
    holds(r#"predicate.components.all(c, has(c.version))"#);
    holds(r#"predicate.components.exists_one(c, c.name.startsWith("z"))"#);
    holds(r#"predicate.components.map(c, c.name) == ["openssl", "zlib"]"#);
    holds(r#"predicate.components.filter(c, c.name.matches("^o")).size() == 1"#);
    holds(r#"size(predicate.components) == predicate.count"#);
    holds(r#"statement.predicateType == "https://cyclonedx.org/bom" && signer.authority == "ci""#);
    holds(r#"image.reference.endsWith(":v1") && "digest" in image"#);
    holds(r#"predicate.nested.deep.value == "x" && !has(predicate.nested.missing)"#);
    holds(r#"predicate.components.map(c, c.name.startsWith("o"), c.version) == ["3.0.13"]"#);
    holds(r#"predicate.empty.all(x, false) && !predicate.empty.exists(x, true)"#);
    holds(r#"{"a": 1}.all(k, k == "a") && [1, 2, 3].exists(x, x > 2)"#);
}

#[test]
fn numbers_compare_across_kinds_as_cel_defines() {
    holds("1 == 1.0 && 1u == 1 && 2 > 1.5 && 1u < 2 && -1 < 0u");
    holds("predicate.count == 2 && predicate.count > 1 && predicate.count < 3u");
    holds("1 != 'a' && [1] != ['1'] && null == null && {'a': 1} == {'a': 1.0}");
    holds("9223372036854775807 < 9223372036854775808.0 && -9223372036854775808 == -9223372036854775808");
    holds("0.0 / 0.0 != 0.0 / 0.0 && !(0.0 / 0.0 < 1.0)");
    holds("int(2.9) == 2 && int(-2.9) == -2 && uint('7') == 7u && double('1.5') == 1.5");
    holds("string(1.5) == '1.5' && string(1e6) == '1e+06' && string(123456.0) == '123456'");
    fails("-2u == 0u", "no such overload: -_(uint)");
}

#[test]
fn literals_and_escapes() {
    holds(r#""\x41\101\u0041\U00000041" == "AAAA""#);
    holds(r#"r"\d" == "\\d" && '''a'b''' == "a'b" && b"\xff" == bytes(b"\377")"#);
    holds(r#"size("héllo") == 5 && size(b"h\303\251llo") == 6"#);
    holds("0x10 == 16 && 0x10u == 16u && 1e2 == 100.0 && .5 == 0.5");
    holds("true ? 1 == 1 : false");
}

#[test]
fn errors_are_absorbed_only_where_cel_absorbs_them() {
    holds("!(false && predicate.missing) && !(predicate.missing && false)");
    holds("predicate.missing || true");
    holds("predicate.components.exists(c, c.missing || c.name == 'zlib')");
    fails("predicate.missing && true", "no such key: missing");
    fails("true && predicate.missing", "no such key: missing");
    fails("predicate.components.all(c, c.missing)", "no such key");
}

#[test]
fn runtime_errors_deny_with_their_reason() {
    fails("1 / 0 == 0", "division by zero");
    fails("1 % 0 == 0", "modulus by zero");
    fails("9223372036854775807 + 1 > 0", "overflow");
    fails("-(-9223372036854775808) > 0", "overflow");
    fails("0u - 1u > 0u", "overflow");
    fails("predicate.components[5].name == 'x'", "index out of range");
    fails("'a' < 1", "no such overload");
    fails("'a' + 1 == 'a1'", "no such overload");
    fails("predicate.components.size()", "not a bool");
    fails("predicate", "not a bool");
    fails("int('x') == 0", "no such overload");
    fails("int(1e19) == 0", "no such overload");
    fails("string(b'\\xff') == ''", "invalid UTF-8");
    fails("{'a': 1, 'a': 2}.size() == 2", "repeated key");
    fails("predicate.count.matches('x')", "no such overload");
    fails(
        "'x'.matches(string(predicate.count) + '(')",
        "invalid regular expression",
    );
}

#[test]
fn conditions_that_cannot_run_do_not_compile() {
    for (source, message) in [
        ("unknown.field", "undeclared reference to \"unknown\""),
        ("predicate.x.frobnicate()", "unknown method \"frobnicate\""),
        (
            "timestamp('2024-01-01T00:00:00Z') > 0",
            "unknown function \"timestamp\"",
        ),
        ("size()", "size takes 1 argument(s), found 0"),
        ("'a'.matches('(')", "invalid regular expression"),
        ("has(predicate)", "has() takes one field selection"),
        ("predicate.all(1, true)", "needs a variable name"),
        ("predicate.all(x, true, false)", "takes two arguments"),
        ("x", "undeclared reference"),
        ("[1, 2].all(x, x > 0) && x > 0", "undeclared reference to \"x\""),
        ("1 +", "unexpected end"),
        ("1 2", "unexpected text after the expression"),
        ("'unterminated", "unterminated string"),
        ("'\\q'", "invalid escape"),
        ("9223372036854775808", "out of range"),
        ("18446744073709551616u", "out of range"),
        ("if", "reserved word"),
        ("a.b{}", "undeclared reference"),
        ("#", "unexpected character"),
    ] {
        let error = Condition::compile(source).unwrap_err().to_string();
        assert!(error.contains(message), "{source}: {error}");
    }
}

#[test]
fn size_nesting_and_height_are_bounded_at_compile_time() {
    let long = format!("'{}' == ''", "a".repeat(SOURCE_SIZE_MAX));
    assert!(Condition::compile(&long)
        .unwrap_err()
        .to_string()
        .contains("the limit is 16384"));
    let deep = format!("{}true{}", "(".repeat(100), ")".repeat(100));
    assert!(Condition::compile(&deep)
        .unwrap_err()
        .to_string()
        .contains("nests deeper"));
    let chain = vec!["true"; 200].join(" && ");
    assert!(Condition::compile(&chain)
        .unwrap_err()
        .to_string()
        .contains("nested deeper than 128"));
    // A run of `!` is one operation (cel-go: an even run is none), so it costs no depth.
    let nots = format!("{}true", "!".repeat(101));
    assert_eq!(Condition::compile(&nots).map(|c| c.source().len()).ok(), Some(105));
    assert!(
        Condition::compile("!-1 == 1").is_err(),
        "CEL's grammar has no mixed run of ! and -"
    );
    let wide = format!("[{}] == []", vec!["1"; 3000].join(","));
    assert!(Condition::compile(&wide)
        .unwrap_err()
        .to_string()
        .contains("more than 2000 nodes"));
}

#[test]
fn the_budget_stops_runaway_evaluation() {
    // 5,000 elements, three comprehensions deep: 1.25e11 iterations without a budget.
    let big = json!({"items": (0..5000).collect::<Vec<_>>()});
    let condition =
        Condition::compile("predicate.items.all(a, predicate.items.all(b, predicate.items.all(c, a + b + c >= 0.0)))")
            .unwrap();
    let null = json!(null);
    let inputs = ConditionInputs {
        predicate: &big,
        statement: &null,
        signer: &null,
        image: &null,
    };
    assert_eq!(condition.evaluate(inputs), Err("the evaluation budget ran out".into()));
    // Building a list costs its length, so concatenating big lists in a loop runs out too.
    let concatenating =
        Condition::compile("predicate.items.map(x, predicate.items + predicate.items).size() > 0").unwrap();
    assert_eq!(
        concatenating.evaluate(inputs),
        Err("the evaluation budget ran out".into())
    );
    let wide = Condition::compile("predicate.items.map(x, predicate.items).size() > 0").unwrap();
    assert!(wide.evaluate_within(inputs, 10_000).is_err());
    // A single pass over the SBOM-sized list is well within the budget.
    let pass = Condition::compile("predicate.items.exists(x, x == 4999.0)").unwrap();
    assert_eq!(pass.evaluate(inputs), Ok(true));
}
