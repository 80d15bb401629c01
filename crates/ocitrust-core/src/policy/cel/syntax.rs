//! CEL's grammar, parsed by recursive descent into an expression tree whose functions and
//! variables are checked as it is built: an unknown function, a wrong number of arguments, a
//! variable that is not bound or an invalid regular expression literal is a compile error, so a
//! condition that cannot run is refused when the policy is read, never found out on an image.

use super::lexer::{tokens, Token, TokenKind};
use super::CompileError;

/// Deepest nesting of the expression while parsing.
pub const NESTING_MAX: usize = 48;
/// Most nodes in one expression.
pub const NODES_MAX: usize = 2_000;
/// Tallest expression tree accepted (a chain `a && b && …` is as tall as it is long); evaluation
/// recurses at most this deep.
pub const HEIGHT_MAX: usize = 128;

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    String(String),
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    In,
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
}

/// The functions conditions may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Size,
    Contains,
    StartsWith,
    EndsWith,
    Matches,
    LowerAscii,
    UpperAscii,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Bool,
    Dyn,
}

/// A comprehension macro.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Macro {
    All,
    Exists,
    ExistsOne,
    Map,
    Filter,
}

#[derive(Debug, Clone)]
pub enum Expr {
    Literal(Literal),
    /// A variable: one of the condition's inputs, or a comprehension's.
    Variable(String),
    Select(Box<Expr>, String),
    /// `has(e.f)`.
    Has(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    Call {
        function: Function,
        /// `target.f(args)`; `None` for `f(args)`.
        target: Option<Box<Expr>>,
        args: Vec<Expr>,
        /// A `matches` pattern given as a literal, compiled once.
        pattern: Option<regex::Regex>,
    },
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Not(Box<Expr>),
    Negate(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    Comprehension {
        kind: Macro,
        range: Box<Expr>,
        variable: String,
        /// The predicate (all, exists, exists_one, filter; map's filter when it has three arguments).
        predicate: Option<Box<Expr>>,
        /// map's transform.
        transform: Option<Box<Expr>>,
    },
}

/// Largest compiled regular expression accepted (bytes of the regex crate's program).
pub const REGEX_SIZE_MAX: usize = 1 << 20;

/// Compiles an RE2 pattern within the size limit.
pub fn compile_regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_MAX)
        .build()
        .map_err(|e| format!("invalid regular expression {pattern:?}: {e}"))
}

/// Parses `source`, with `variables` the names the condition may read.
pub fn parse(source: &str, variables: &[&str]) -> Result<Expr, CompileError> {
    let tokens = tokens(source)?;
    let mut parser = Parser {
        tokens,
        position: 0,
        depth: 0,
        nodes: 0,
        scopes: variables.iter().map(|v| (*v).to_owned()).collect(),
    };
    let expr = parser.expression()?;
    let token = parser.peek();
    if token.kind != TokenKind::End {
        return Err(CompileError::at(token.offset, "unexpected text after the expression"));
    }
    if height(&expr) > HEIGHT_MAX {
        return Err(CompileError::at(
            0,
            format!("the expression is nested deeper than {HEIGHT_MAX} operations"),
        ));
    }
    Ok(expr)
}

/// The height of an expression tree (at most [`NODES_MAX`], so the recursion is bounded).
fn height(expr: &Expr) -> usize {
    let children: Vec<&Expr> = match expr {
        Expr::Literal(_) | Expr::Variable(_) => Vec::new(),
        Expr::Select(e, _) | Expr::Has(e, _) | Expr::Not(e) | Expr::Negate(e) => vec![e],
        Expr::Index(a, b) | Expr::Binary(_, a, b) | Expr::And(a, b) | Expr::Or(a, b) => vec![a, b],
        Expr::Conditional(a, b, c) => vec![a, b, c],
        Expr::Call { target, args, .. } => target.iter().map(|t| &**t).chain(args).collect(),
        Expr::List(items) => items.iter().collect(),
        Expr::Map(entries) => entries.iter().flat_map(|(k, v)| [k, v]).collect(),
        Expr::Comprehension {
            range,
            predicate,
            transform,
            ..
        } => std::iter::once(&**range)
            .chain(predicate.as_deref())
            .chain(transform.as_deref())
            .collect(),
    };
    1 + children.into_iter().map(height).max().unwrap_or(0)
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
    depth: usize,
    nodes: usize,
    /// Bound variable names, innermost last.
    scopes: Vec<String>,
}

impl Parser {
    fn peek(&self) -> &Token {
        // The token list always ends with End, and the position never passes it.
        &self.tokens[self.position.min(self.tokens.len() - 1)]
    }

    fn advance(&mut self) -> Token {
        let token = self.peek().clone();
        if token.kind != TokenKind::End {
            self.position += 1;
        }
        token
    }

    fn at_symbol(&self, symbol: &str) -> bool {
        matches!(&self.peek().kind, TokenKind::Symbol(s) if *s == symbol)
    }

    fn eat(&mut self, symbol: &str) -> bool {
        if self.at_symbol(symbol) {
            self.position += 1;
            return true;
        }
        false
    }

    fn expect(&mut self, symbol: &str) -> Result<(), CompileError> {
        if self.eat(symbol) {
            return Ok(());
        }
        let token = self.peek();
        Err(CompileError::at(token.offset, format!("expected {symbol:?}")))
    }

    fn node(&mut self, expr: Expr) -> Result<Expr, CompileError> {
        self.nodes += 1;
        if self.nodes > NODES_MAX {
            return Err(CompileError::at(
                self.peek().offset,
                format!("the expression has more than {NODES_MAX} nodes"),
            ));
        }
        Ok(expr)
    }

    fn nested<T>(&mut self, parse: impl FnOnce(&mut Self) -> Result<T, CompileError>) -> Result<T, CompileError> {
        self.depth += 1;
        if self.depth > NESTING_MAX {
            return Err(CompileError::at(
                self.peek().offset,
                format!("the expression nests deeper than {NESTING_MAX}"),
            ));
        }
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn expression(&mut self) -> Result<Expr, CompileError> {
        self.nested(|p| {
            let condition = p.or()?;
            if !p.eat("?") {
                return Ok(condition);
            }
            let then = p.or()?;
            p.expect(":")?;
            let otherwise = p.expression()?;
            p.node(Expr::Conditional(
                Box::new(condition),
                Box::new(then),
                Box::new(otherwise),
            ))
        })
    }

    fn or(&mut self) -> Result<Expr, CompileError> {
        let mut left = self.and()?;
        while self.eat("||") {
            let right = self.and()?;
            left = self.node(Expr::Or(Box::new(left), Box::new(right)))?;
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, CompileError> {
        let mut left = self.relation()?;
        while self.eat("&&") {
            let right = self.relation()?;
            left = self.node(Expr::And(Box::new(left), Box::new(right)))?;
        }
        Ok(left)
    }

    fn relation(&mut self) -> Result<Expr, CompileError> {
        let mut left = self.addition()?;
        loop {
            let op = match &self.peek().kind {
                TokenKind::In => BinaryOp::In,
                TokenKind::Symbol("==") => BinaryOp::Equal,
                TokenKind::Symbol("!=") => BinaryOp::NotEqual,
                TokenKind::Symbol("<") => BinaryOp::Less,
                TokenKind::Symbol("<=") => BinaryOp::LessEqual,
                TokenKind::Symbol(">") => BinaryOp::Greater,
                TokenKind::Symbol(">=") => BinaryOp::GreaterEqual,
                _ => return Ok(left),
            };
            self.advance();
            let right = self.addition()?;
            left = self.node(Expr::Binary(op, Box::new(left), Box::new(right)))?;
        }
    }

    fn addition(&mut self) -> Result<Expr, CompileError> {
        let mut left = self.multiplication()?;
        loop {
            let op = match &self.peek().kind {
                TokenKind::Symbol("+") => BinaryOp::Add,
                TokenKind::Symbol("-") => BinaryOp::Subtract,
                _ => return Ok(left),
            };
            self.advance();
            let right = self.multiplication()?;
            left = self.node(Expr::Binary(op, Box::new(left), Box::new(right)))?;
        }
    }

    fn multiplication(&mut self) -> Result<Expr, CompileError> {
        let mut left = self.unary()?;
        loop {
            let op = match &self.peek().kind {
                TokenKind::Symbol("*") => BinaryOp::Multiply,
                TokenKind::Symbol("/") => BinaryOp::Divide,
                TokenKind::Symbol("%") => BinaryOp::Remainder,
                _ => return Ok(left),
            };
            self.advance();
            let right = self.unary()?;
            left = self.node(Expr::Binary(op, Box::new(left), Box::new(right)))?;
        }
    }

    /// `'!'+ member`, `'-'+ member` or `member`, as CEL's grammar has it (`!-x` is not CEL). As in
    /// cel-go, an even run of `!` or `-` is no operation at all, so `!!x` is `x` whatever its type.
    fn unary(&mut self) -> Result<Expr, CompileError> {
        self.nested(|p| {
            for (symbol, wrap) in [("!", Expr::Not as fn(Box<Expr>) -> Expr), ("-", Expr::Negate)] {
                if !p.at_symbol(symbol) {
                    continue;
                }
                // The most negative int is a literal with its sign: `-9223372036854775808`.
                if symbol == "-"
                    && matches!(
                        p.tokens.get(p.position + 1).map(|t| &t.kind),
                        Some(TokenKind::IntMagnitude(_))
                    )
                {
                    p.advance();
                    p.advance();
                    let literal = p.node(Expr::Literal(Literal::Int(i64::MIN)))?;
                    return p.member_suffixes(literal);
                }
                let mut count = 0;
                while p.eat(symbol) {
                    count += 1;
                }
                let primary = p.primary()?;
                let operand = p.member_suffixes(primary)?;
                return if count % 2 == 0 {
                    Ok(operand)
                } else {
                    p.node(wrap(Box::new(operand)))
                };
            }
            let primary = p.primary()?;
            p.member_suffixes(primary)
        })
    }

    fn member_suffixes(&mut self, mut expr: Expr) -> Result<Expr, CompileError> {
        loop {
            if self.eat(".") {
                let token = self.advance();
                let TokenKind::Ident(name) = token.kind else {
                    return Err(CompileError::at(
                        token.offset,
                        "expected a field or method name after '.'",
                    ));
                };
                if self.eat("(") {
                    expr = self.method(expr, &name, token.offset)?;
                } else {
                    expr = self.node(Expr::Select(Box::new(expr), name))?;
                }
            } else if self.eat("[") {
                let index = self.expression()?;
                self.expect("]")?;
                expr = self.node(Expr::Index(Box::new(expr), Box::new(index)))?;
            } else {
                return Ok(expr);
            }
        }
    }

    fn arguments(&mut self) -> Result<Vec<Expr>, CompileError> {
        let mut args = Vec::new();
        if self.eat(")") {
            return Ok(args);
        }
        loop {
            args.push(self.expression()?);
            if self.eat(")") {
                return Ok(args);
            }
            self.expect(",")?;
        }
    }

    fn method(&mut self, target: Expr, name: &str, offset: usize) -> Result<Expr, CompileError> {
        let kind = match name {
            "all" => Some(Macro::All),
            "exists" => Some(Macro::Exists),
            "exists_one" => Some(Macro::ExistsOne),
            "map" => Some(Macro::Map),
            "filter" => Some(Macro::Filter),
            _ => None,
        };
        if let Some(kind) = kind {
            return self.comprehension(kind, target, name, offset);
        }
        let args = self.arguments()?;
        let (function, arity) = match name {
            "size" => (Function::Size, 0),
            "contains" => (Function::Contains, 1),
            "startsWith" => (Function::StartsWith, 1),
            "endsWith" => (Function::EndsWith, 1),
            "matches" => (Function::Matches, 1),
            "lowerAscii" => (Function::LowerAscii, 0),
            "upperAscii" => (Function::UpperAscii, 0),
            _ => return Err(CompileError::at(offset, format!("unknown method {name:?}"))),
        };
        if args.len() != arity {
            return Err(CompileError::at(
                offset,
                format!("{name} takes {arity} argument(s), found {}", args.len()),
            ));
        }
        let pattern = match (function, args.first()) {
            (Function::Matches, Some(Expr::Literal(Literal::String(pattern)))) => {
                Some(compile_regex(pattern).map_err(|m| CompileError::at(offset, m))?)
            }
            _ => None,
        };
        self.node(Expr::Call {
            function,
            target: Some(Box::new(target)),
            args,
            pattern,
        })
    }

    fn comprehension(&mut self, kind: Macro, range: Expr, name: &str, offset: usize) -> Result<Expr, CompileError> {
        let token = self.advance();
        let TokenKind::Ident(variable) = token.kind else {
            return Err(CompileError::at(
                token.offset,
                format!("{name} needs a variable name as its first argument"),
            ));
        };
        self.expect(",")?;
        self.scopes.push(variable.clone());
        let result = (|| {
            let first = self.expression()?;
            let second = if self.eat(",") { Some(self.expression()?) } else { None };
            self.expect(")")?;
            let (predicate, transform) = match (kind, second) {
                (Macro::Map, None) => (None, Some(first)),
                (Macro::Map, Some(transform)) => (Some(first), Some(transform)),
                (_, None) => (Some(first), None),
                (_, Some(_)) => return Err(CompileError::at(offset, format!("{name} takes two arguments"))),
            };
            Ok((predicate, transform))
        })();
        self.scopes.pop();
        let (predicate, transform) = result?;
        self.node(Expr::Comprehension {
            kind,
            range: Box::new(range),
            variable,
            predicate: predicate.map(Box::new),
            transform: transform.map(Box::new),
        })
    }

    fn primary(&mut self) -> Result<Expr, CompileError> {
        let token = self.advance();
        let literal = |l| Ok(Expr::Literal(l));
        let expr = match token.kind {
            TokenKind::Int(v) => literal(Literal::Int(v)),
            TokenKind::IntMagnitude(_) => Err(CompileError::at(token.offset, "integer literal out of range")),
            TokenKind::Uint(v) => literal(Literal::Uint(v)),
            TokenKind::Double(v) => literal(Literal::Double(v)),
            TokenKind::String(v) => literal(Literal::String(v)),
            TokenKind::Bytes(v) => literal(Literal::Bytes(v)),
            TokenKind::True => literal(Literal::Bool(true)),
            TokenKind::False => literal(Literal::Bool(false)),
            TokenKind::Null => literal(Literal::Null),
            TokenKind::Symbol("(") => {
                let inner = self.expression()?;
                self.expect(")")?;
                return Ok(inner);
            }
            TokenKind::Symbol("[") => {
                let mut items = Vec::new();
                while !self.eat("]") {
                    items.push(self.expression()?);
                    if !self.eat(",") {
                        self.expect("]")?;
                        break;
                    }
                }
                Ok(Expr::List(items))
            }
            TokenKind::Symbol("{") => {
                let mut entries = Vec::new();
                while !self.eat("}") {
                    let key = self.expression()?;
                    self.expect(":")?;
                    let value = self.expression()?;
                    entries.push((key, value));
                    if !self.eat(",") {
                        self.expect("}")?;
                        break;
                    }
                }
                Ok(Expr::Map(entries))
            }
            TokenKind::Ident(name) => {
                if self.eat("(") {
                    return self.global_call(&name, token.offset);
                }
                if !self.scopes.contains(&name) {
                    return Err(CompileError::at(
                        token.offset,
                        format!(
                            "undeclared reference to {name:?} (the inputs are predicate, statement, signer and image)"
                        ),
                    ));
                }
                Ok(Expr::Variable(name))
            }
            TokenKind::Symbol(".") => Err(CompileError::at(token.offset, "qualified names are not supported")),
            TokenKind::End => Err(CompileError::at(token.offset, "unexpected end of the expression")),
            _ => Err(CompileError::at(token.offset, "unexpected token")),
        }?;
        self.node(expr)
    }

    fn global_call(&mut self, name: &str, offset: usize) -> Result<Expr, CompileError> {
        if name == "has" {
            let args = self.arguments()?;
            return match <[Expr; 1]>::try_from(args) {
                Ok([Expr::Select(operand, field)]) => self.node(Expr::Has(operand, field)),
                _ => Err(CompileError::at(
                    offset,
                    "has() takes one field selection, as in has(predicate.field)",
                )),
            };
        }
        let args = self.arguments()?;
        let (function, arity) = match name {
            "size" => (Function::Size, 1),
            "matches" => (Function::Matches, 2),
            "int" => (Function::Int, 1),
            "uint" => (Function::Uint, 1),
            "double" => (Function::Double, 1),
            "string" => (Function::String, 1),
            "bytes" => (Function::Bytes, 1),
            "bool" => (Function::Bool, 1),
            "dyn" => (Function::Dyn, 1),
            _ => return Err(CompileError::at(offset, format!("unknown function {name:?}"))),
        };
        if args.len() != arity {
            return Err(CompileError::at(
                offset,
                format!("{name} takes {arity} argument(s), found {}", args.len()),
            ));
        }
        let pattern = match (function, args.get(1)) {
            (Function::Matches, Some(Expr::Literal(Literal::String(pattern)))) => {
                Some(compile_regex(pattern).map_err(|m| CompileError::at(offset, m))?)
            }
            _ => None,
        };
        self.node(Expr::Call {
            function,
            target: None,
            args,
            pattern,
        })
    }
}
