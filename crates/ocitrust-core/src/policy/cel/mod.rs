//! Attestation conditions in CEL (the Common Expression Language, as Kubernetes, Kyverno and
//! policy-controller write them), over four JSON inputs: `predicate`, `statement`, `signer` and
//! `image`. A condition is compiled when the policy is read (syntax, functions, variables and
//! literal regular expressions are checked then) and evaluated under a step budget. Anything but
//! `true` fails the condition: `false`, a runtime error, a non-boolean result or a budget overrun.
//!
//! The language is CEL's standard definitions without protobuf messages, timestamps or durations:
//! literals of every kind, the operators, `in`, indexing and field selection, `has()`, the macros
//! `all`, `exists`, `exists_one`, `map` and `filter`, and the functions `size`, `contains`,
//! `startsWith`, `endsWith`, `matches` (RE2), `int`, `uint`, `double`, `string`, `bytes`, `bool`,
//! `dyn`, plus `lowerAscii`/`upperAscii` from cel-go's string extension.

mod evaluate;
mod lexer;
mod syntax;
mod value;

use std::fmt;

use serde_json::Value as Json;

pub use evaluate::go_format_double;

/// Longest condition accepted, in bytes.
pub const SOURCE_SIZE_MAX: usize = 16 * 1024;
/// Steps one evaluation may take: each node evaluated and each comprehension iteration is a
/// step, and building a string, bytes or a list costs its length.
pub const STEPS_MAX: u64 = 1_000_000;
/// The inputs a condition reads.
pub const INPUTS: [&str; 4] = ["predicate", "statement", "signer", "image"];

/// Why a condition does not compile, and where (a byte offset into it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    offset: usize,
    message: String,
}

impl CompileError {
    pub(crate) fn at(offset: usize, message: impl Into<String>) -> Self {
        CompileError {
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at offset {}: {}", self.offset, self.message)
    }
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub struct Condition {
    source: String,
    expr: syntax::Expr,
}

/// The values a condition reads.
#[derive(Debug, Clone, Copy)]
pub struct ConditionInputs<'a> {
    /// The attestation's predicate.
    pub predicate: &'a Json,
    /// The whole in-toto statement.
    pub statement: &'a Json,
    /// Who signed it (the verdict's signer).
    pub signer: &'a Json,
    /// The image: `reference`, `repository`, `digest`, and `platform` when one was chosen.
    pub image: &'a Json,
}

impl Condition {
    /// Compiles `source`.
    pub fn compile(source: &str) -> Result<Self, CompileError> {
        if source.len() > SOURCE_SIZE_MAX {
            return Err(CompileError::at(
                0,
                format!(
                    "the condition is {} bytes, the limit is {SOURCE_SIZE_MAX}",
                    source.len()
                ),
            ));
        }
        Ok(Condition {
            source: source.to_owned(),
            expr: syntax::parse(source, &INPUTS)?,
        })
    }

    /// The condition as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates the condition within [`STEPS_MAX`] steps: `Ok(true)` only when it is `true`;
    /// `Ok(false)` when it is `false`; an error for anything else.
    pub fn evaluate(&self, inputs: ConditionInputs<'_>) -> Result<bool, String> {
        self.evaluate_within(inputs, STEPS_MAX)
    }

    /// [`Condition::evaluate`] within `steps`.
    pub fn evaluate_within(&self, inputs: ConditionInputs<'_>, steps: u64) -> Result<bool, String> {
        let variables = [inputs.predicate, inputs.statement, inputs.signer, inputs.image]
            .into_iter()
            .zip(INPUTS)
            .map(|(json, name)| (name, value::Value::from_json(json)))
            .collect();
        let mut evaluation = evaluate::Evaluation::new(variables, steps);
        match evaluation.evaluate(&self.expr)? {
            value::Value::Bool(b) => Ok(b),
            other => Err(format!("the condition gave a {}, not a bool", other.type_name())),
        }
    }
}

#[cfg(test)]
mod tests;
