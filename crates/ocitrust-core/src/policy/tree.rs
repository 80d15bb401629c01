//! A YAML (or JSON) document read into a tree whose every node knows its line and column, so that
//! each error in a policy can point at what caused it. Only what a policy needs is accepted: one
//! document of mappings, sequences and scalars, within size, depth and node limits; anchors,
//! aliases and tags are refused (an alias can multiply a small document into a huge one), and so
//! are duplicate keys (which one a tool would take is a guess).

use std::fmt;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Largest document read, in bytes.
pub const DOCUMENT_SIZE_MAX: usize = 1024 * 1024;
/// Deepest nesting of mappings and sequences.
pub const DEPTH_MAX: usize = 64;
/// Most nodes (scalars, mappings, sequences) in one document.
pub const NODES_MAX: usize = 100_000;

/// Where something stands in a document: line and column, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1 (in characters).
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A message about the node at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionedError {
    /// Where the cause is.
    pub at: Position,
    /// What is wrong, and what was expected.
    pub message: String,
}

impl PositionedError {
    /// An error at `at`.
    pub fn new(at: Position, message: impl Into<String>) -> Self {
        PositionedError {
            at,
            message: message.into(),
        }
    }
}

impl fmt::Display for PositionedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// A node of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What it holds.
    pub value: NodeValue,
    /// Where it starts.
    pub at: Position,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// A scalar's text; `plain` when it was written without quotes (only then can it be a number,
    /// a boolean or null).
    Scalar {
        /// The text.
        text: String,
        /// Written without quotes or block style.
        plain: bool,
    },
    /// A sequence.
    List(Vec<Node>),
    /// A mapping, in document order; keys are scalars, each once.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// What kind of node this is, for messages: `a mapping`, `a list`, `a scalar`.
    pub fn kind(&self) -> &'static str {
        match self.value {
            NodeValue::Scalar { .. } => "a scalar",
            NodeValue::List(_) => "a list",
            NodeValue::Map(_) => "a mapping",
        }
    }

    /// The scalar's text, when this is one.
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Whether this is a plain `null`, `~` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, NodeValue::Scalar { text, plain: true } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }
}

fn position(span: &Span) -> Position {
    Position {
        line: span.start.line(),
        column: span.start.col() + 1,
    }
}

/// Reads `text` as one YAML document (JSON is YAML too).
pub fn read_tree(text: &str) -> Result<Node, PositionedError> {
    if text.len() > DOCUMENT_SIZE_MAX {
        return Err(PositionedError::new(
            Position { line: 1, column: 1 },
            format!("the document is {} bytes, the limit is {DOCUMENT_SIZE_MAX}", text.len()),
        ));
    }
    let mut builder = Builder::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            PositionedError::new(
                Position {
                    line: e.marker().line(),
                    column: e.marker().col() + 1,
                },
                format!("not valid YAML: {}", e.info()),
            )
        })?;
        if builder.take(event, position(&span))? {
            break;
        }
    }
    builder
        .root
        .ok_or_else(|| PositionedError::new(Position { line: 1, column: 1 }, "the document is empty"))
}

/// An open mapping or sequence, with what has been read into it.
enum Open {
    List(Position, Vec<Node>),
    /// A mapping, and the key read whose value is still to come.
    Map(Position, Vec<(Node, Node)>, Option<Node>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    root: Option<Node>,
    nodes: usize,
    documents: usize,
}

impl Builder {
    /// Takes one event; `true` once the stream has ended.
    fn take(&mut self, event: Event<'_>, at: Position) -> Result<bool, PositionedError> {
        match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
            Event::StreamEnd => return Ok(true),
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(PositionedError::new(
                        at,
                        "only one YAML document is read; remove the second",
                    ));
                }
            }
            Event::Alias(_) => {
                return Err(PositionedError::new(
                    at,
                    "YAML aliases are not accepted; write the value out",
                ))
            }
            Event::Scalar(text, style, anchor, tag) => {
                refuse_anchor_and_tag(at, anchor, tag.is_some())?;
                let plain = style == ScalarStyle::Plain;
                self.close(Node {
                    value: NodeValue::Scalar {
                        text: text.into_owned(),
                        plain,
                    },
                    at,
                })?;
            }
            Event::SequenceStart(anchor, tag) => {
                refuse_anchor_and_tag(at, anchor, tag.is_some())?;
                self.open(Open::List(at, Vec::new()), at)?;
            }
            Event::MappingStart(anchor, tag) => {
                refuse_anchor_and_tag(at, anchor, tag.is_some())?;
                self.open(Open::Map(at, Vec::new(), None), at)?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Open::List(start, items)) => Node {
                        value: NodeValue::List(items),
                        at: start,
                    },
                    Some(Open::Map(start, entries, None)) => Node {
                        value: NodeValue::Map(entries),
                        at: start,
                    },
                    _ => return Err(PositionedError::new(at, "not valid YAML: unbalanced collection")),
                };
                self.close(node)?;
            }
        }
        Ok(false)
    }

    fn count(&mut self, at: Position) -> Result<(), PositionedError> {
        self.nodes += 1;
        if self.nodes > NODES_MAX {
            return Err(PositionedError::new(
                at,
                format!("the document has more than {NODES_MAX} nodes"),
            ));
        }
        Ok(())
    }

    fn open(&mut self, open: Open, at: Position) -> Result<(), PositionedError> {
        self.count(at)?;
        if self.stack.len() >= DEPTH_MAX {
            return Err(PositionedError::new(
                at,
                format!("nested deeper than {DEPTH_MAX} levels"),
            ));
        }
        self.stack.push(open);
        Ok(())
    }

    /// Puts a complete node where it belongs: the root, an item, a key or a value.
    fn close(&mut self, node: Node) -> Result<(), PositionedError> {
        if matches!(node.value, NodeValue::Scalar { .. }) {
            self.count(node.at)?;
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_some() {
                    return Err(PositionedError::new(node.at, "only one YAML document is read"));
                }
                self.root = Some(node);
            }
            Some(Open::List(_, items)) => items.push(node),
            Some(Open::Map(_, entries, pending)) => match pending.take() {
                Some(key) => entries.push((key, node)),
                None => {
                    let Some(name) = node.scalar() else {
                        return Err(PositionedError::new(
                            node.at,
                            format!("a key must be a scalar, not {}", node.kind()),
                        ));
                    };
                    if entries.iter().any(|(key, _)| key.scalar() == Some(name)) {
                        return Err(PositionedError::new(node.at, format!("the key {name:?} appears twice")));
                    }
                    *pending = Some(node);
                }
            },
        }
        Ok(())
    }
}

fn refuse_anchor_and_tag(at: Position, anchor: usize, tagged: bool) -> Result<(), PositionedError> {
    if anchor != 0 {
        return Err(PositionedError::new(
            at,
            "YAML anchors are not accepted; write the value out",
        ));
    }
    if tagged {
        return Err(PositionedError::new(at, "YAML tags are not accepted"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        read_tree(text).unwrap_err().to_string()
    }

    #[test]
    fn positions_count_lines_and_columns_from_one() {
        let tree = read_tree("a:\n  b: [x, 'y']\n").unwrap();
        let NodeValue::Map(entries) = &tree.value else { panic!() };
        let NodeValue::Map(inner) = &entries[0].1.value else {
            panic!()
        };
        assert_eq!(inner[0].0.at, Position { line: 2, column: 3 });
        let NodeValue::List(items) = &inner[0].1.value else {
            panic!()
        };
        assert_eq!(items[1].at, Position { line: 2, column: 10 });
        assert_eq!(
            items[1].value,
            NodeValue::Scalar {
                text: "y".into(),
                plain: false
            }
        );
    }

    #[test]
    fn json_reads_as_yaml() {
        let tree = read_tree(r#"{"a": [1, "two", {"b": null}]}"#).unwrap();
        assert_eq!(tree.kind(), "a mapping");
    }

    #[test]
    fn duplicate_keys_aliases_anchors_tags_and_second_documents_are_refused() {
        assert_eq!(error("a: 1\na: 2\n"), "2:1: the key \"a\" appears twice");
        assert!(error("a: &x 1\nb: *x\n").contains("anchors are not accepted"));
        assert!(error("a: !!str 1\n").contains("tags are not accepted"));
        assert!(error("a: 1\n---\nb: 2\n").contains("only one YAML document"));
        assert!(error("[a]: 1\n").contains("a key must be a scalar"));
        assert!(error("").contains("empty"));
        assert!(error("a: [1,\n").starts_with("2:1: not valid YAML") || error("a: [1,\n").contains("not valid YAML"));
    }

    #[test]
    fn nesting_and_size_are_bounded() {
        let deep = "[".repeat(DEPTH_MAX + 1) + &"]".repeat(DEPTH_MAX + 1);
        assert!(error(&deep).contains("nested deeper than 64 levels"));
        let wide = format!("[{}]", "1,".repeat(NODES_MAX + 1));
        assert!(error(&wide).contains("more than 100000 nodes"));
        let big = "#".repeat(DOCUMENT_SIZE_MAX + 1);
        assert!(error(&big).contains("the limit is 1048576"));
    }
}
