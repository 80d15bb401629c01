//! Writing a trust policy document as YAML, for the importers: mappings in the order given,
//! lists of scalars in flow style, and every string that YAML could read as something else
//! (a number, a boolean, null, an alias, a comment) double-quoted as JSON writes it, which YAML
//! reads back unchanged.

/// A YAML value to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    /// A mapping, in order.
    Map(Vec<(String, Yaml)>),
    /// A sequence.
    List(Vec<Yaml>),
    /// A string.
    Str(String),
    /// An integer.
    Int(u64),
    /// A boolean.
    Bool(bool),
}

impl Yaml {
    /// A string value.
    pub fn str(text: impl Into<String>) -> Yaml {
        Yaml::Str(text.into())
    }

    /// A mapping from `(key, value)` pairs.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Yaml)>) -> Yaml {
        Yaml::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A list of strings.
    pub fn strs<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Yaml {
        Yaml::List(items.into_iter().map(|s| Yaml::Str(s.into())).collect())
    }

    fn is_scalar(&self) -> bool {
        matches!(self, Yaml::Str(_) | Yaml::Int(_) | Yaml::Bool(_))
    }

    fn is_empty_collection(&self) -> bool {
        matches!(self, Yaml::Map(m) if m.is_empty()) || matches!(self, Yaml::List(l) if l.is_empty())
    }
}

/// A string as a YAML scalar: plain when it cannot be misread, else JSON-quoted.
fn scalar_text(text: &str) -> String {
    let plain = !text.is_empty()
        && text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        text.to_owned()
    } else {
        serde_json::Value::String(text.to_owned()).to_string()
    }
}

fn inline(value: &Yaml) -> String {
    match value {
        Yaml::Str(text) => scalar_text(text),
        Yaml::Int(n) => n.to_string(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::List(items) => format!("[{}]", items.iter().map(inline).collect::<Vec<_>>().join(", ")),
        Yaml::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}: {}", scalar_text(k), inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Whether a value is written on the line of its key.
fn fits_inline(value: &Yaml) -> bool {
    value.is_scalar()
        || value.is_empty_collection()
        || matches!(value, Yaml::List(items) if items.iter().all(Yaml::is_scalar))
        || (matches!(value, Yaml::Map(entries) if entries.iter().all(|(_, v)| v.is_scalar() || matches!(v, Yaml::List(i) if i.iter().all(Yaml::is_scalar))))
            && inline(value).len() <= 100)
}

fn write(value: &Yaml, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Yaml::Map(entries) => {
            for (key, value) in entries {
                if fits_inline(value) {
                    out.push_str(&format!("{pad}{}: {}\n", scalar_text(key), inline(value)));
                } else {
                    out.push_str(&format!("{pad}{}:\n", scalar_text(key)));
                    let nested = if matches!(value, Yaml::List(_)) {
                        indent
                    } else {
                        indent + 2
                    };
                    write(value, nested, out);
                }
            }
        }
        Yaml::List(items) => {
            for item in items {
                if fits_inline(item) && !matches!(item, Yaml::Map(_)) {
                    out.push_str(&format!("{pad}- {}\n", inline(item)));
                    continue;
                }
                // A mapping item: its first line after the dash, the rest aligned under it.
                let mut nested = String::new();
                write(item, indent + 2, &mut nested);
                let body = nested.strip_prefix(&" ".repeat(indent + 2)).unwrap_or(&nested);
                out.push_str(&format!("{pad}- {body}"));
            }
        }
        scalar => out.push_str(&format!("{pad}{}\n", inline(scalar))),
    }
}

/// `value` as a YAML document.
pub fn to_yaml(value: &Yaml) -> String {
    let mut out = String::new();
    write(value, 0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::tree::{read_tree, NodeValue};

    #[test]
    fn what_is_written_reads_back_the_same() {
        let value = Yaml::map([
            ("apiVersion", Yaml::str("ocitrust.dev/v1alpha1")),
            (
                "tricky",
                Yaml::strs(["yes", "*", "a: b", "#x", "1.5", "", "x509.subject: C=US, O=\"Q\"", "é"]),
            ),
            ("n", Yaml::Int(2)),
            ("flag", Yaml::Bool(true)),
            (
                "policies",
                Yaml::List(vec![Yaml::map([
                    ("name", Yaml::str("p")),
                    (
                        "signatures",
                        Yaml::map([("atLeast", Yaml::Int(1)), ("of", Yaml::strs(["a", "b"]))]),
                    ),
                    (
                        "nested",
                        Yaml::map([(
                            "deep",
                            Yaml::map([("deeper", Yaml::List(vec![Yaml::map([("x", Yaml::str("y"))])]))]),
                        )]),
                    ),
                ])]),
            ),
            ("empty", Yaml::List(vec![])),
        ]);
        let text = to_yaml(&value);
        let tree = read_tree(&text).unwrap();
        let NodeValue::Map(entries) = &tree.value else {
            panic!("{text}")
        };
        let NodeValue::List(tricky) = &entries[1].1.value else {
            panic!("{text}")
        };
        let read: Vec<&str> = tricky.iter().map(|n| n.scalar().unwrap()).collect();
        assert_eq!(
            read,
            ["yes", "*", "a: b", "#x", "1.5", "", "x509.subject: C=US, O=\"Q\"", "é"],
            "{text}"
        );
        assert!(
            text.contains("- name: p\n  signatures: {atLeast: 1, of: [a, b]}\n"),
            "{text}"
        );
    }
}
