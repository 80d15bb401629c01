//! CEL values. The inputs are JSON documents (a predicate can be a 5,000-component SBOM), read in
//! place: a JSON list or object is a view into the document, never copied; JSON numbers are
//! doubles, as CEL reads JSON. Equality is CEL's heterogeneous equality (`1 == 1.0 == 1u`, and
//! values of different kinds are unequal, not an error).

use std::cmp::Ordering;
use std::rc::Rc;

use serde_json::Value as Json;

/// A CEL value, borrowing from the JSON inputs.
#[derive(Debug, Clone)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    String(Str<'a>),
    Bytes(Rc<[u8]>),
    List(List<'a>),
    Map(Map<'a>),
}

/// A string, borrowed from the input or the expression, or made by it.
#[derive(Debug, Clone)]
pub enum Str<'a> {
    Borrowed(&'a str),
    Owned(Rc<str>),
}

impl Str<'_> {
    pub fn as_str(&self) -> &str {
        match self {
            Str::Borrowed(s) => s,
            Str::Owned(s) => s,
        }
    }
}

/// A list: a JSON array of the input, or one the expression made.
#[derive(Debug, Clone)]
pub enum List<'a> {
    Json(&'a [Json]),
    Owned(Rc<Vec<Value<'a>>>),
}

/// A map: a JSON object of the input, or one the expression made (keys unique).
#[derive(Debug, Clone)]
pub enum Map<'a> {
    Json(&'a serde_json::Map<String, Json>),
    Owned(Rc<Vec<(Value<'a>, Value<'a>)>>),
}

impl<'a> Value<'a> {
    /// The value of a JSON document.
    pub fn from_json(json: &'a Json) -> Value<'a> {
        match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
            Json::String(s) => Value::String(Str::Borrowed(s)),
            Json::Array(items) => Value::List(List::Json(items)),
            Json::Object(map) => Value::Map(Map::Json(map)),
        }
    }

    /// An owned string value.
    pub fn string(text: impl Into<Rc<str>>) -> Value<'a> {
        Value::String(Str::Owned(text.into()))
    }

    /// The type's name, as CEL's `type()` prints it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null_type",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Uint(_) => "uint",
            Value::Double(_) => "double",
            Value::String(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Map(_) => "map",
        }
    }
}

impl<'a> List<'a> {
    pub fn len(&self) -> usize {
        match self {
            List::Json(items) => items.len(),
            List::Owned(items) => items.len(),
        }
    }

    pub fn get(&self, index: usize) -> Option<Value<'a>> {
        match self {
            List::Json(items) => items.get(index).map(Value::from_json),
            List::Owned(items) => items.get(index).cloned(),
        }
    }
}

impl<'a> Map<'a> {
    pub fn len(&self) -> usize {
        match self {
            Map::Json(map) => map.len(),
            Map::Owned(entries) => entries.len(),
        }
    }

    /// The value under `key` (keys compared with CEL equality).
    pub fn get(&self, key: &Value<'_>) -> Option<Value<'a>> {
        match self {
            Map::Json(map) => match key {
                Value::String(s) => map.get(s.as_str()).map(Value::from_json),
                _ => None,
            },
            Map::Owned(entries) => entries.iter().find(|(k, _)| equal(k, key)).map(|(_, v)| v.clone()),
        }
    }

    /// The keys, in the map's order.
    pub fn keys(&self) -> Vec<Value<'a>> {
        match self {
            Map::Json(map) => map.keys().map(|k| Value::String(Str::Borrowed(k))).collect(),
            Map::Owned(entries) => entries.iter().map(|(k, _)| k.clone()).collect(),
        }
    }
}

/// CEL's heterogeneous equality.
pub fn equal(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x.as_str() == y.as_str(),
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len()
                && (0..x.len()).all(|i| matches!((x.get(i), y.get(i)), (Some(p), Some(q)) if equal(&p, &q)))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.keys().iter().all(|k| match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => equal(&p, &q),
                    _ => false,
                })
        }
        _ => compare_numbers(a, b) == Some(Ordering::Equal),
    }
}

/// The order of two numbers of any numeric kinds, compared exactly; `None` when either is not a
/// number, or a NaN is involved.
pub fn compare_numbers(a: &Value<'_>, b: &Value<'_>) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Uint(x), Value::Uint(y)) => Some(x.cmp(y)),
        (Value::Double(x), Value::Double(y)) => x.partial_cmp(y),
        (Value::Int(x), Value::Uint(y)) => Some(if *x < 0 { Ordering::Less } else { (*x as u64).cmp(y) }),
        (Value::Uint(_), Value::Int(_)) => compare_numbers(b, a).map(Ordering::reverse),
        (Value::Int(x), Value::Double(y)) => compare_i128_double(i128::from(*x), *y),
        (Value::Uint(x), Value::Double(y)) => compare_i128_double(i128::from(*x), *y),
        (Value::Double(_), Value::Int(_) | Value::Uint(_)) => compare_numbers(b, a).map(Ordering::reverse),
        _ => None,
    }
}

/// Compares an integer with a double without rounding the integer.
fn compare_i128_double(x: i128, y: f64) -> Option<Ordering> {
    if y.is_nan() {
        return None;
    }
    if y >= 2f64.powi(64) {
        return Some(Ordering::Less);
    }
    if y < -(2f64.powi(63)) {
        return Some(Ordering::Greater);
    }
    let floor = y.floor();
    // In range, the floor is exactly representable as an integer.
    let whole = floor as i128;
    match x.cmp(&whole) {
        Ordering::Equal if y > floor => Some(Ordering::Less),
        other => Some(other),
    }
}
