//! Typed reading of a [`Node`] tree: each accessor names what it expected, and each error points at
//! the node that broke it. A mapping is read against the list of keys it may hold, so an unknown
//! or misspelt key is an error where it stands, never silently ignored.

use super::tree::{Node, NodeValue, Position, PositionedError};

/// The result of reading part of a document.
pub type Read<T> = Result<T, PositionedError>;

/// A mapping whose keys were checked against those allowed.
pub struct Fields<'a> {
    node: &'a Node,
    entries: &'a [(Node, Node)],
}

impl<'a> Fields<'a> {
    /// Reads `node` as a mapping that may hold only `allowed` keys (`what` names it in messages).
    pub fn read(node: &'a Node, allowed: &[&str], what: &str) -> Read<Self> {
        let NodeValue::Map(entries) = &node.value else {
            return Err(PositionedError::new(
                node.at,
                format!("{what} must be a mapping, not {}", node.kind()),
            ));
        };
        for (key, _) in entries {
            let name = key.scalar().unwrap_or_default();
            if !allowed.contains(&name) {
                return Err(PositionedError::new(
                    key.at,
                    format!(
                        "unknown field {name:?} in {what}, expected one of: {}",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(Fields { node, entries })
    }

    /// Where the mapping starts.
    pub fn at(&self) -> Position {
        self.node.at
    }

    /// The value of `key`, if present and not null.
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.scalar() == Some(key))
            .map(|(_, value)| value)
            .filter(|value| !value.is_null())
    }

    /// The value of `key`, which must be present.
    pub fn require(&self, key: &str, what: &str) -> Read<&'a Node> {
        self.get(key)
            .ok_or_else(|| PositionedError::new(self.node.at, format!("{what} needs the field {key:?}")))
    }

    /// The keys present (not null), in document order, with their values.
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, &'a Node)> + 'a {
        self.entries
            .iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(key, value)| (key.scalar().unwrap_or_default(), value))
    }

    /// The single key present among `choices` (exactly one must be).
    pub fn one_of(&self, choices: &[&'static str], what: &str) -> Read<(&'static str, &'a Node)> {
        let present: Vec<(&'static str, &'a Node)> =
            choices.iter().filter_map(|c| self.get(c).map(|n| (*c, n))).collect();
        match present.as_slice() {
            [one] => Ok(*one),
            [] => Err(PositionedError::new(
                self.node.at,
                format!("{what} needs one of: {}", choices.join(", ")),
            )),
            [_, second, ..] => Err(PositionedError::new(
                second.1.at,
                format!("{what} takes only one of: {}", choices.join(", ")),
            )),
        }
    }
}

/// The text of a scalar node.
pub fn text<'a>(node: &'a Node, what: &str) -> Read<&'a str> {
    node.scalar()
        .ok_or_else(|| PositionedError::new(node.at, format!("{what} must be a string, not {}", node.kind())))
}

/// The text of a scalar node that must not be empty.
pub fn non_empty_text<'a>(node: &'a Node, what: &str) -> Read<&'a str> {
    let value = text(node, what)?;
    if value.is_empty() {
        return Err(PositionedError::new(node.at, format!("{what} must not be empty")));
    }
    Ok(value)
}

/// One of `choices`, as written.
pub fn choice<'a>(node: &'a Node, choices: &[&str], what: &str) -> Read<&'a str> {
    let value = text(node, what)?;
    if !choices.contains(&value) {
        return Err(PositionedError::new(
            node.at,
            format!("{what} must be one of: {} (found {value:?})", choices.join(", ")),
        ));
    }
    Ok(value)
}

/// A positive integer written plainly.
pub fn count(node: &Node, what: &str) -> Read<usize> {
    match &node.value {
        NodeValue::Scalar { text, plain: true } => text.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
            PositionedError::new(node.at, format!("{what} must be a positive integer (found {text:?})"))
        }),
        _ => Err(PositionedError::new(
            node.at,
            format!("{what} must be a positive integer"),
        )),
    }
}

/// The items of a list node.
pub fn list<'a>(node: &'a Node, what: &str) -> Read<&'a [Node]> {
    match &node.value {
        NodeValue::List(items) => Ok(items),
        _ => Err(PositionedError::new(
            node.at,
            format!("{what} must be a list, not {}", node.kind()),
        )),
    }
}

/// A list of strings.
pub fn texts(node: &Node, what: &str) -> Read<Vec<(String, Position)>> {
    list(node, what)?
        .iter()
        .map(|item| Ok((non_empty_text(item, what)?.to_owned(), item.at)))
        .collect()
}
