//! Evaluation of a checked expression under a step budget. Every node evaluated and every
//! comprehension iteration costs a step, and building strings, bytes and lists costs their length,
//! so an expression's work is bounded whatever its inputs: running out of steps is an error, as is
//! any CEL runtime error (no such key, overflow, division by zero, a type with no such operator).
//! `&&`, `||` and the `all`/`exists` macros absorb errors as CEL defines: `false && error` is
//! `false` in either order.

use std::cmp::Ordering;
use std::rc::Rc;

use super::syntax::{compile_regex, BinaryOp, Expr, Function, Literal, Macro};
use super::value::{compare_numbers, equal, List, Map, Str, Value};

/// A runtime error's message.
pub type EvalError = String;

/// The evaluation state: the bound variables and the steps left. Values borrow from the inputs and
/// from the expression (`'a`, which both outlive), so neither is copied.
pub struct Evaluation<'a> {
    variables: Vec<(&'a str, Value<'a>)>,
    steps_left: u64,
}

impl<'a> Evaluation<'a> {
    pub fn new(variables: Vec<(&'a str, Value<'a>)>, steps: u64) -> Self {
        Evaluation {
            variables,
            steps_left: steps,
        }
    }

    fn charge(&mut self, steps: u64) -> Result<(), EvalError> {
        if steps > self.steps_left {
            self.steps_left = 0;
            return Err("the evaluation budget ran out".into());
        }
        self.steps_left -= steps;
        Ok(())
    }

    fn variable(&self, name: &str) -> Result<Value<'a>, EvalError> {
        self.variables
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("undeclared reference to {name:?}"))
    }

    pub fn evaluate(&mut self, expr: &'a Expr) -> Result<Value<'a>, EvalError> {
        self.charge(1)?;
        match expr {
            Expr::Literal(literal) => Ok(literal_value(literal)),
            Expr::Variable(name) => self.variable(name),
            Expr::Select(operand, field) => {
                let operand = self.evaluate(operand)?;
                select(&operand, field)
            }
            Expr::Has(operand, field) => match self.evaluate(operand)? {
                Value::Map(map) => Ok(Value::Bool(map.get(&Value::String(Str::Borrowed(field))).is_some())),
                other => Err(format!("has() needs a map, found {}", other.type_name())),
            },
            Expr::Index(operand, index) => {
                let operand = self.evaluate(operand)?;
                let index = self.evaluate(index)?;
                self.index(&operand, &index)
            }
            Expr::Call {
                function,
                target,
                args,
                pattern,
            } => {
                let mut values = Vec::with_capacity(args.len() + 1);
                if let Some(target) = target {
                    values.push(self.evaluate(target)?);
                }
                for arg in args {
                    values.push(self.evaluate(arg)?);
                }
                self.call(*function, &values, pattern.as_ref())
            }
            Expr::List(items) => {
                let values = items.iter().map(|i| self.evaluate(i)).collect::<Result<Vec<_>, _>>()?;
                Ok(Value::List(List::Owned(Rc::new(values))))
            }
            Expr::Map(entries) => {
                let mut out: Vec<(Value<'a>, Value<'a>)> = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    let key = self.evaluate(key)?;
                    if !matches!(key, Value::String(_) | Value::Int(_) | Value::Uint(_) | Value::Bool(_)) {
                        return Err(format!(
                            "a map key must be a string, int, uint or bool, not {}",
                            key.type_name()
                        ));
                    }
                    if out.iter().any(|(k, _)| equal(k, &key)) {
                        return Err("a map literal has a repeated key".into());
                    }
                    let value = self.evaluate(value)?;
                    out.push((key, value));
                }
                Ok(Value::Map(Map::Owned(Rc::new(out))))
            }
            Expr::Not(operand) => match self.evaluate(operand)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                other => Err(no_overload("!_", &[&other])),
            },
            Expr::Negate(operand) => match self.evaluate(operand)? {
                Value::Int(i) => i.checked_neg().map(Value::Int).ok_or_else(overflow),
                Value::Double(d) => Ok(Value::Double(-d)),
                other => Err(no_overload("-_", &[&other])),
            },
            Expr::And(left, right) => {
                let left = self.evaluate(left);
                if matches!(left, Ok(Value::Bool(false))) {
                    return Ok(Value::Bool(false));
                }
                let right = self.evaluate(right);
                logical(left, right, false)
            }
            Expr::Or(left, right) => {
                let left = self.evaluate(left);
                if matches!(left, Ok(Value::Bool(true))) {
                    return Ok(Value::Bool(true));
                }
                let right = self.evaluate(right);
                logical(left, right, true)
            }
            Expr::Conditional(condition, then, otherwise) => match self.evaluate(condition)? {
                Value::Bool(true) => self.evaluate(then),
                Value::Bool(false) => self.evaluate(otherwise),
                other => Err(no_overload("_?_:_", &[&other])),
            },
            Expr::Binary(op, left, right) => {
                let left = self.evaluate(left)?;
                let right = self.evaluate(right)?;
                self.binary(*op, &left, &right)
            }
            Expr::Comprehension {
                kind,
                range,
                variable,
                predicate,
                transform,
            } => {
                let range = self.evaluate(range)?;
                self.comprehension(*kind, &range, variable, predicate.as_deref(), transform.as_deref())
            }
        }
    }

    fn index(&mut self, operand: &Value<'a>, index: &Value<'_>) -> Result<Value<'a>, EvalError> {
        match operand {
            Value::List(list) => {
                let position = match index {
                    Value::Int(i) => usize::try_from(*i).ok(),
                    Value::Uint(u) => usize::try_from(*u).ok(),
                    Value::Double(d) if d.fract() == 0.0 && *d >= 0.0 && *d < 2f64.powi(53) => Some(*d as usize),
                    Value::Double(_) => None,
                    other => return Err(no_overload("_[_]", &[operand, other])),
                };
                position
                    .and_then(|p| list.get(p))
                    .ok_or_else(|| format!("index out of range: {}", describe(index)))
            }
            Value::Map(map) => map
                .get(index)
                .ok_or_else(|| format!("no such key: {}", describe(index))),
            other => Err(no_overload("_[_]", &[other, index])),
        }
    }

    fn binary(&mut self, op: BinaryOp, left: &Value<'a>, right: &Value<'a>) -> Result<Value<'a>, EvalError> {
        let ordered = |wanted: fn(Ordering) -> bool, name: &str| -> Result<Value<'a>, EvalError> {
            let ordering = match (left, right) {
                (Value::String(a), Value::String(b)) => Some(a.as_str().cmp(b.as_str())),
                (Value::Bytes(a), Value::Bytes(b)) => Some(a.cmp(b)),
                (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
                _ => match compare_numbers(left, right) {
                    Some(ordering) => Some(ordering),
                    // NaN compares false with everything.
                    None if is_number(left) && is_number(right) => return Ok(Value::Bool(false)),
                    None => None,
                },
            };
            ordering
                .map(|o| Value::Bool(wanted(o)))
                .ok_or_else(|| no_overload(name, &[left, right]))
        };
        match op {
            BinaryOp::Equal => Ok(Value::Bool(equal(left, right))),
            BinaryOp::NotEqual => Ok(Value::Bool(!equal(left, right))),
            BinaryOp::Less => ordered(|o| o == Ordering::Less, "_<_"),
            BinaryOp::LessEqual => ordered(|o| o != Ordering::Greater, "_<=_"),
            BinaryOp::Greater => ordered(|o| o == Ordering::Greater, "_>_"),
            BinaryOp::GreaterEqual => ordered(|o| o != Ordering::Less, "_>=_"),
            BinaryOp::In => match right {
                Value::List(list) => {
                    self.charge(list.len() as u64)?;
                    Ok(Value::Bool(
                        (0..list.len()).any(|i| list.get(i).is_some_and(|item| equal(&item, left))),
                    ))
                }
                Value::Map(map) => Ok(Value::Bool(map.get(left).is_some())),
                other => Err(no_overload("@in", &[left, other])),
            },
            BinaryOp::Add => self.add(left, right),
            BinaryOp::Subtract => match (left, right) {
                (Value::Int(a), Value::Int(b)) => a.checked_sub(*b).map(Value::Int).ok_or_else(overflow),
                (Value::Uint(a), Value::Uint(b)) => a.checked_sub(*b).map(Value::Uint).ok_or_else(overflow),
                (Value::Double(a), Value::Double(b)) => Ok(Value::Double(a - b)),
                _ => Err(no_overload("_-_", &[left, right])),
            },
            BinaryOp::Multiply => match (left, right) {
                (Value::Int(a), Value::Int(b)) => a.checked_mul(*b).map(Value::Int).ok_or_else(overflow),
                (Value::Uint(a), Value::Uint(b)) => a.checked_mul(*b).map(Value::Uint).ok_or_else(overflow),
                (Value::Double(a), Value::Double(b)) => Ok(Value::Double(a * b)),
                _ => Err(no_overload("_*_", &[left, right])),
            },
            BinaryOp::Divide => match (left, right) {
                (Value::Int(_), Value::Int(0)) | (Value::Uint(_), Value::Uint(0)) => Err("division by zero".into()),
                (Value::Int(a), Value::Int(b)) => a.checked_div(*b).map(Value::Int).ok_or_else(overflow),
                (Value::Uint(a), Value::Uint(b)) => Ok(Value::Uint(a / b)),
                (Value::Double(a), Value::Double(b)) => Ok(Value::Double(a / b)),
                _ => Err(no_overload("_/_", &[left, right])),
            },
            BinaryOp::Remainder => match (left, right) {
                (Value::Int(_), Value::Int(0)) | (Value::Uint(_), Value::Uint(0)) => Err("modulus by zero".into()),
                (Value::Int(a), Value::Int(b)) => a.checked_rem(*b).map(Value::Int).ok_or_else(overflow),
                (Value::Uint(a), Value::Uint(b)) => Ok(Value::Uint(a % b)),
                _ => Err(no_overload("_%_", &[left, right])),
            },
        }
    }

    fn add(&mut self, left: &Value<'a>, right: &Value<'a>) -> Result<Value<'a>, EvalError> {
        match (left, right) {
            (Value::Int(a), Value::Int(b)) => a.checked_add(*b).map(Value::Int).ok_or_else(overflow),
            (Value::Uint(a), Value::Uint(b)) => a.checked_add(*b).map(Value::Uint).ok_or_else(overflow),
            (Value::Double(a), Value::Double(b)) => Ok(Value::Double(a + b)),
            (Value::String(a), Value::String(b)) => {
                self.charge(((a.as_str().len() + b.as_str().len()) / 16) as u64)?;
                Ok(Value::string(format!("{}{}", a.as_str(), b.as_str())))
            }
            (Value::Bytes(a), Value::Bytes(b)) => {
                self.charge(((a.len() + b.len()) / 16) as u64)?;
                Ok(Value::Bytes([&a[..], &b[..]].concat().into()))
            }
            (Value::List(a), Value::List(b)) => {
                self.charge((a.len() + b.len()) as u64)?;
                let items = (0..a.len())
                    .filter_map(|i| a.get(i))
                    .chain((0..b.len()).filter_map(|i| b.get(i)));
                Ok(Value::List(List::Owned(Rc::new(items.collect()))))
            }
            _ => Err(no_overload("_+_", &[left, right])),
        }
    }

    fn call(
        &mut self,
        function: Function,
        args: &[Value<'a>],
        pattern: Option<&regex::Regex>,
    ) -> Result<Value<'a>, EvalError> {
        let name = function_name(function);
        let refs: Vec<&Value<'_>> = args.iter().collect();
        let fail = || no_overload(name, &refs);
        match (function, args) {
            (Function::Size, [Value::String(s)]) => {
                self.charge((s.as_str().len() / 64) as u64)?;
                Ok(Value::Int(s.as_str().chars().count() as i64))
            }
            (Function::Size, [Value::Bytes(b)]) => Ok(Value::Int(b.len() as i64)),
            (Function::Size, [Value::List(l)]) => Ok(Value::Int(l.len() as i64)),
            (Function::Size, [Value::Map(m)]) => Ok(Value::Int(m.len() as i64)),
            (Function::Contains | Function::StartsWith | Function::EndsWith, [Value::String(s), Value::String(t)]) => {
                self.charge((s.as_str().len() / 16) as u64)?;
                let (s, t) = (s.as_str(), t.as_str());
                Ok(Value::Bool(match function {
                    Function::Contains => s.contains(t),
                    Function::StartsWith => s.starts_with(t),
                    _ => s.ends_with(t),
                }))
            }
            (Function::Matches, [Value::String(s), Value::String(p)]) => {
                self.charge((s.as_str().len() / 16) as u64)?;
                let is_match = match pattern {
                    Some(regex) => regex.is_match(s.as_str()),
                    None => {
                        self.charge(p.as_str().len() as u64 * 16)?;
                        compile_regex(p.as_str())?.is_match(s.as_str())
                    }
                };
                Ok(Value::Bool(is_match))
            }
            (Function::LowerAscii | Function::UpperAscii, [Value::String(s)]) => {
                self.charge((s.as_str().len() / 16) as u64)?;
                Ok(Value::string(if function == Function::LowerAscii {
                    s.as_str().to_ascii_lowercase()
                } else {
                    s.as_str().to_ascii_uppercase()
                }))
            }
            (Function::Dyn, [value]) => Ok(value.clone()),
            (Function::Int, [value]) => to_int(value).ok_or_else(fail),
            (Function::Uint, [value]) => to_uint(value).ok_or_else(fail),
            (Function::Double, [value]) => match value {
                Value::Int(i) => Ok(Value::Double(*i as f64)),
                Value::Uint(u) => Ok(Value::Double(*u as f64)),
                Value::Double(d) => Ok(Value::Double(*d)),
                Value::String(s) => parse_double(s.as_str()).map(Value::Double).ok_or_else(fail),
                _ => Err(fail()),
            },
            (Function::String, [value]) => match value {
                Value::String(_) => Ok(value.clone()),
                Value::Int(i) => Ok(Value::string(i.to_string())),
                Value::Uint(u) => Ok(Value::string(u.to_string())),
                Value::Double(d) => Ok(Value::string(go_format_double(*d))),
                Value::Bool(b) => Ok(Value::string(b.to_string())),
                Value::Bytes(b) => std::str::from_utf8(b)
                    .map(Value::string)
                    .map_err(|_| "invalid UTF-8 in bytes, cannot convert to string".to_owned()),
                _ => Err(fail()),
            },
            (Function::Bytes, [Value::String(s)]) => Ok(Value::Bytes(s.as_str().as_bytes().into())),
            (Function::Bytes, [value @ Value::Bytes(_)]) => Ok(value.clone()),
            (Function::Bool, [Value::Bool(b)]) => Ok(Value::Bool(*b)),
            (Function::Bool, [Value::String(s)]) => match s.as_str() {
                "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(Value::Bool(true)),
                "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(Value::Bool(false)),
                other => Err(format!("type conversion error from 'string' to 'bool': {other:?}")),
            },
            _ => Err(fail()),
        }
    }

    fn comprehension(
        &mut self,
        kind: Macro,
        range: &Value<'a>,
        variable: &'a str,
        predicate: Option<&'a Expr>,
        transform: Option<&'a Expr>,
    ) -> Result<Value<'a>, EvalError> {
        let items: Vec<Value<'a>> = match range {
            Value::List(list) => (0..list.len()).filter_map(|i| list.get(i)).collect(),
            Value::Map(map) => map.keys(),
            other => {
                return Err(format!(
                    "{} needs a list or a map, found {}",
                    macro_name(kind),
                    other.type_name()
                ))
            }
        };
        let mut accumulated: Result<bool, EvalError> = Ok(kind == Macro::All);
        let mut count = 0usize;
        let mut out = Vec::new();
        for item in items {
            self.charge(1)?;
            self.variables.push((variable, item.clone()));
            let result = self.iteration(kind, &item, predicate, transform);
            self.variables.pop();
            match kind {
                Macro::All | Macro::Exists => {
                    let decisive = kind == Macro::Exists;
                    match result {
                        Ok(Some(Value::Bool(b))) if b == decisive => return Ok(Value::Bool(decisive)),
                        Ok(Some(Value::Bool(_))) => {}
                        Ok(Some(other)) => accumulated = Err(no_overload(macro_name(kind), &[&other])),
                        Ok(None) => {}
                        Err(e) => accumulated = Err(e),
                    }
                }
                Macro::ExistsOne => match result? {
                    Some(Value::Bool(true)) => count += 1,
                    Some(Value::Bool(false)) => {}
                    other => {
                        return Err(format!(
                            "exists_one needs a boolean predicate, found {}",
                            other.map_or("nothing", |v| v.type_name())
                        ))
                    }
                },
                Macro::Map | Macro::Filter => {
                    if let Some(value) = result? {
                        out.push(value);
                    }
                }
            }
        }
        match kind {
            Macro::All | Macro::Exists => accumulated.map(Value::Bool),
            Macro::ExistsOne => Ok(Value::Bool(count == 1)),
            Macro::Map | Macro::Filter => Ok(Value::List(List::Owned(Rc::new(out)))),
        }
    }

    /// One iteration: the predicate's value (all, exists, exists_one), or the element kept (map,
    /// filter).
    fn iteration(
        &mut self,
        kind: Macro,
        item: &Value<'a>,
        predicate: Option<&'a Expr>,
        transform: Option<&'a Expr>,
    ) -> Result<Option<Value<'a>>, EvalError> {
        let passes = match predicate {
            Some(predicate) => Some(self.evaluate(predicate)?),
            None => None,
        };
        match kind {
            Macro::All | Macro::Exists | Macro::ExistsOne => Ok(passes),
            Macro::Filter | Macro::Map => {
                let keep = match passes {
                    None => true,
                    Some(Value::Bool(b)) => b,
                    Some(other) => {
                        return Err(format!(
                            "{} needs a boolean predicate, found {}",
                            macro_name(kind),
                            other.type_name()
                        ))
                    }
                };
                if !keep {
                    return Ok(None);
                }
                match (kind, transform) {
                    (Macro::Map, Some(transform)) => self.evaluate(transform).map(Some),
                    _ => Ok(Some(item.clone())),
                }
            }
        }
    }
}

fn is_number(value: &Value<'_>) -> bool {
    matches!(value, Value::Int(_) | Value::Uint(_) | Value::Double(_))
}

fn literal_value(literal: &Literal) -> Value<'_> {
    match literal {
        Literal::Null => Value::Null,
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Int(i) => Value::Int(*i),
        Literal::Uint(u) => Value::Uint(*u),
        Literal::Double(d) => Value::Double(*d),
        Literal::String(s) => Value::String(Str::Borrowed(s)),
        Literal::Bytes(b) => Value::Bytes(b.as_slice().into()),
    }
}

fn select<'a>(operand: &Value<'a>, field: &str) -> Result<Value<'a>, EvalError> {
    match operand {
        Value::Map(map) => map
            .get(&Value::String(Str::Borrowed(field)))
            .ok_or_else(|| format!("no such key: {field}")),
        other => Err(format!("type '{}' does not support field selection", other.type_name())),
    }
}

fn logical<'a>(
    left: Result<Value<'a>, EvalError>,
    right: Result<Value<'a>, EvalError>,
    or: bool,
) -> Result<Value<'a>, EvalError> {
    let name = if or { "_||_" } else { "_&&_" };
    // The decisive value (true for ||, false for &&) wins over an error on the other side.
    match (left, right) {
        (_, Ok(Value::Bool(b))) if b == or => Ok(Value::Bool(or)),
        (Ok(Value::Bool(_)), Ok(Value::Bool(b))) => Ok(Value::Bool(b)),
        (Err(e), _) | (_, Err(e)) => Err(e),
        (Ok(a), Ok(b)) => Err(no_overload(name, &[&a, &b])),
    }
}

fn to_int<'a>(value: &Value<'_>) -> Option<Value<'a>> {
    match value {
        Value::Int(i) => Some(Value::Int(*i)),
        Value::Uint(u) => i64::try_from(*u).ok().map(Value::Int),
        Value::Double(d) if d.is_finite() && *d > -(2f64.powi(63)) - 1.0 && *d < 2f64.powi(63) => {
            Some(Value::Int(d.trunc() as i64))
        }
        Value::String(s) => s.as_str().parse::<i64>().ok().map(Value::Int),
        _ => None,
    }
}

fn to_uint<'a>(value: &Value<'_>) -> Option<Value<'a>> {
    match value {
        Value::Uint(u) => Some(Value::Uint(*u)),
        Value::Int(i) => u64::try_from(*i).ok().map(Value::Uint),
        Value::Double(d) if d.is_finite() && *d > -1.0 && *d < 2f64.powi(64) => Some(Value::Uint(d.trunc() as u64)),
        Value::String(s) => s.as_str().parse::<u64>().ok().map(Value::Uint),
        _ => None,
    }
}

/// A double as Go's `strconv.ParseFloat` reads one (also `inf`, `nan` in any case).
fn parse_double(text: &str) -> Option<f64> {
    match text.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        _ => text
            .parse::<f64>()
            .ok()
            .filter(|_| !text.contains(['i', 'I', 'n', 'N'])),
    }
}

/// A double as Go's `%g` prints it (the shortest digits that read back; a decimal exponent below
/// -4 or above 5 switches to `e` notation), as CEL's `string()` does.
pub fn go_format_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let scientific = format!("{d:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if !(-4..6).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let point = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{first}{point}e{exp_sign}{:02}", exponent.abs());
    }
    let point = exponent + 1;
    if point <= 0 {
        return format!("{sign}0.{}{digits}", "0".repeat((-point) as usize));
    }
    let point = point as usize;
    if digits.len() <= point {
        return format!("{sign}{digits}{}", "0".repeat(point - digits.len()));
    }
    format!("{sign}{}.{}", &digits[..point], &digits[point..])
}

fn overflow() -> EvalError {
    "return error for overflow".into()
}

fn describe(value: &Value<'_>) -> String {
    match value {
        Value::String(s) => s.as_str().to_owned(),
        Value::Int(i) => i.to_string(),
        Value::Uint(u) => u.to_string(),
        Value::Double(d) => go_format_double(*d),
        Value::Bool(b) => b.to_string(),
        other => other.type_name().to_owned(),
    }
}

fn no_overload(name: &str, args: &[&Value<'_>]) -> EvalError {
    let types: Vec<&str> = args.iter().map(|a| a.type_name()).collect();
    format!("no such overload: {name}({})", types.join(", "))
}

fn function_name(function: Function) -> &'static str {
    match function {
        Function::Size => "size",
        Function::Contains => "contains",
        Function::StartsWith => "startsWith",
        Function::EndsWith => "endsWith",
        Function::Matches => "matches",
        Function::LowerAscii => "lowerAscii",
        Function::UpperAscii => "upperAscii",
        Function::Int => "int",
        Function::Uint => "uint",
        Function::Double => "double",
        Function::String => "string",
        Function::Bytes => "bytes",
        Function::Bool => "bool",
        Function::Dyn => "dyn",
    }
}

fn macro_name(kind: Macro) -> &'static str {
    match kind {
        Macro::All => "all",
        Macro::Exists => "exists",
        Macro::ExistsOne => "exists_one",
        Macro::Map => "map",
        Macro::Filter => "filter",
    }
}
