//! The DPIA pre-scan (Pre-scan DPIA v2.0, MinBZK par-dpia-form), driven by its published
//! `prescan.yaml`, which ships in `reference/` and is parsed as data.
//!
//! The file scores answers with `calculation`s and decides with `assessments` whether a DPIA,
//! DTIA, KIA or IAMA is required or recommended. Both are written in JEXL; this module
//! implements exactly the part of JEXL the file uses, with JavaScript's semantics as the
//! upstream engine has them:
//!
//! - literals: numbers, `'strings'`/`"strings"`, `true`, `false`, `null`, `[lists]`;
//! - identifiers and paths (`scores.betrokkenen`, `criteria.aplist`; missing ones are null);
//! - `!`, `&&`, `||` (same precedence, left to right, returning an operand as in JavaScript),
//!   `==`/`!=` (loose equality), `<`, `<=`, `>`, `>=`, `in`, `+`, and `c ? a : b`;
//! - functions `answers(id)`, `bool(v)`, `countSelectedOptions(id)`,
//!   `weightedCountMap(values, keys, weights)`, and the transform `| count`.
//!
//! Anything else is rejected when the file is loaded, with a clear error.
//!
//! Scoring follows the upstream engine: each task's `calculation.expression` is evaluated, the
//! first `riskScore` rule whose `when` holds sets the score under `scoreKey` (no rule holding
//! means no score, read as 0 via `|| 0`). A calculation nested anywhere other than directly on
//! a task (the file has one under a dependency of 7.1.3) is not a calculation and is ignored,
//! as upstream. `weightedCountMap` matches answers to keys exactly, as upstream.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const PRESCAN_YAML: &str = include_str!("../../reference/par-dpia-form/prescan.yaml");

/// A value in an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    List(Vec<Value>),
}

impl Value {
    fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::List(_) => true,
        }
    }

    fn to_num(&self) -> f64 {
        match self {
            Value::Null => 0.0,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Num(n) => *n,
            Value::Str(s) if s.trim().is_empty() => 0.0,
            Value::Str(s) => s.trim().parse().unwrap_or(f64::NAN),
            Value::List(_) => f64::NAN,
        }
    }

    fn to_text(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Num(n) => n.to_string(),
            Value::Str(s) => s.clone(),
            Value::List(items) => items
                .iter()
                .map(Value::to_text)
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    /// JavaScript's `==`.
    fn loose_eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Null, _) | (_, Null) => false,
            (Str(a), Str(b)) => a == b,
            (List(_), List(_)) => false, // distinct objects in JavaScript
            (List(_), _) | (_, List(_)) => self.to_text() == other.to_text(),
            _ => self.to_num() == other.to_num(),
        }
    }

    /// JavaScript's `===`, as JEXL's `in` uses for lists.
    fn strict_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Num(a), Value::Num(b)) => a == b,
            (Value::List(_), Value::List(_)) => false,
            (a, b) => a == b,
        }
    }

    fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(_) => Value::Null,
        }
    }
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Value),
    List(Vec<Expr>),
    Path(Vec<String>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
    Count(Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    And,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Answers,
    Bool,
    CountSelectedOptions,
    WeightedCountMap,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Op(&'static str),
}

const OPS: [&str; 19] = [
    "&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "?", ":", "|", "(", ")", "[", "]", ",",
    ".",
];

fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                s.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return Err(format!("niet-afgesloten tekst in '{src}'"));
            }
            i += 1;
            out.push(Tok::Str(s));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let t: String = chars[start..i].iter().collect();
            out.push(Tok::Num(
                t.parse()
                    .map_err(|_| format!("ongeldig getal {t} in '{src}'"))?,
            ));
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let op = OPS
                .iter()
                .find(|op| rest.starts_with(**op))
                .ok_or_else(|| format!("teken '{c}' wordt niet ondersteund in '{src}'"))?;
            i += op.chars().count();
            out.push(Tok::Op(op));
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    i: usize,
    src: &'a str,
}

impl Parser<'_> {
    fn peek_op(&self, op: &str) -> bool {
        matches!(self.toks.get(self.i), Some(Tok::Op(o)) if *o == op)
    }
    fn peek_ident(&self, id: &str) -> bool {
        matches!(self.toks.get(self.i), Some(Tok::Ident(x)) if x == id)
    }
    fn expect(&mut self, op: &str) -> Result<(), String> {
        if self.peek_op(op) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!(
                "'{op}' verwacht bij token {} in '{}'",
                self.i, self.src
            ))
        }
    }
    fn expr(&mut self) -> Result<Expr, String> {
        let c = self.logic()?;
        if self.peek_op("?") {
            self.i += 1;
            let a = self.expr()?;
            self.expect(":")?;
            let b = self.expr()?;
            return Ok(Expr::Cond(Box::new(c), Box::new(a), Box::new(b)));
        }
        Ok(c)
    }
    /// `&&` and `||` share one precedence in JEXL and associate to the left.
    fn logic(&mut self) -> Result<Expr, String> {
        let mut e = self.comparison()?;
        loop {
            let op = if self.peek_op("&&") {
                BinOp::And
            } else if self.peek_op("||") {
                BinOp::Or
            } else {
                return Ok(e);
            };
            self.i += 1;
            e = Expr::Bin(op, Box::new(e), Box::new(self.comparison()?));
        }
    }
    fn comparison(&mut self) -> Result<Expr, String> {
        let mut e = self.additive()?;
        loop {
            let op = match self.toks.get(self.i) {
                Some(Tok::Op("==")) => BinOp::Eq,
                Some(Tok::Op("!=")) => BinOp::Ne,
                Some(Tok::Op("<")) => BinOp::Lt,
                Some(Tok::Op("<=")) => BinOp::Le,
                Some(Tok::Op(">")) => BinOp::Gt,
                Some(Tok::Op(">=")) => BinOp::Ge,
                Some(Tok::Ident(x)) if x == "in" => BinOp::In,
                _ => return Ok(e),
            };
            self.i += 1;
            e = Expr::Bin(op, Box::new(e), Box::new(self.additive()?));
        }
    }
    fn additive(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        while self.peek_op("+") {
            self.i += 1;
            e = Expr::Bin(BinOp::Add, Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }
    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek_op("!") {
            self.i += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        let mut e = self.primary()?;
        while self.peek_op("|") {
            self.i += 1;
            if self.peek_ident("count") {
                self.i += 1;
                e = Expr::Count(Box::new(e));
            } else {
                return Err(format!(
                    "alleen de transformatie 'count' wordt ondersteund in '{}'",
                    self.src
                ));
            }
        }
        Ok(e)
    }
    /// Expressions separated by commas up to `close` (a call's arguments, a list's items).
    fn items(&mut self, close: &str) -> Result<Vec<Expr>, String> {
        let mut items = Vec::new();
        if self.peek_op(close) {
            self.i += 1;
            return Ok(items);
        }
        loop {
            items.push(self.expr()?);
            if self.peek_op(",") {
                self.i += 1;
            } else {
                self.expect(close)?;
                return Ok(items);
            }
        }
    }
    fn primary(&mut self) -> Result<Expr, String> {
        let tok = self
            .toks
            .get(self.i)
            .cloned()
            .ok_or_else(|| format!("onverwacht einde van '{}'", self.src))?;
        self.i += 1;
        match tok {
            Tok::Num(n) => Ok(Expr::Lit(Value::Num(n))),
            Tok::Str(s) => Ok(Expr::Lit(Value::Str(s))),
            Tok::Op("(") => {
                let e = self.expr()?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Op("[") => Ok(Expr::List(self.items("]")?)),
            Tok::Ident(id) => match id.as_str() {
                "true" => Ok(Expr::Lit(Value::Bool(true))),
                "false" => Ok(Expr::Lit(Value::Bool(false))),
                "null" => Ok(Expr::Lit(Value::Null)),
                _ if self.peek_op("(") => {
                    self.i += 1;
                    let (f, arity) = match id.as_str() {
                        "answers" => (Func::Answers, 1),
                        "bool" => (Func::Bool, 1),
                        "countSelectedOptions" => (Func::CountSelectedOptions, 1),
                        "weightedCountMap" => (Func::WeightedCountMap, 3),
                        other => {
                            return Err(format!(
                                "functie '{other}' wordt niet ondersteund in '{}'",
                                self.src
                            ));
                        }
                    };
                    let args = self.items(")")?;
                    if args.len() != arity {
                        return Err(format!(
                            "{id} verwacht {arity} argument(en) in '{}'",
                            self.src
                        ));
                    }
                    Ok(Expr::Call(f, args))
                }
                _ => {
                    let mut path = vec![id];
                    while self.peek_op(".") {
                        self.i += 1;
                        match self.toks.get(self.i).cloned() {
                            Some(Tok::Ident(p)) => {
                                self.i += 1;
                                path.push(p);
                            }
                            _ => return Err(format!("naam verwacht na '.' in '{}'", self.src)),
                        }
                    }
                    Ok(Expr::Path(path))
                }
            },
            Tok::Op(op) => Err(format!(
                "'{op}' wordt hier niet ondersteund in '{}'",
                self.src
            )),
        }
    }
}

impl Expr {
    /// Parses the JEXL subset described in the module documentation.
    pub fn parse(src: &str) -> Result<Expr, String> {
        let mut p = Parser {
            toks: lex(src)?,
            i: 0,
            src,
        };
        let e = p.expr()?;
        if p.i != p.toks.len() {
            return Err(format!("onverwachte tekst na token {} in '{src}'", p.i));
        }
        Ok(e)
    }

    /// Evaluates with the given answers and variables (`scores`, `criteria`, a score key).
    pub fn eval(&self, answers: &BTreeMap<String, Value>, vars: &BTreeMap<String, Value>) -> Value {
        let ev = |e: &Expr| e.eval(answers, vars);
        match self {
            Expr::Lit(v) => v.clone(),
            Expr::List(items) => Value::List(items.iter().map(ev).collect()),
            Expr::Path(path) => {
                let mut v = vars.get(&path[0]).cloned().unwrap_or(Value::Null);
                for key in &path[1..] {
                    v = match v {
                        // Nested objects are represented as lists of (key, value) pairs.
                        Value::List(pairs) => pairs
                            .into_iter()
                            .find_map(|p| match p {
                                Value::List(kv)
                                    if kv.len() == 2 && kv[0] == Value::Str(key.clone()) =>
                                {
                                    Some(kv[1].clone())
                                }
                                _ => None,
                            })
                            .unwrap_or(Value::Null),
                        _ => Value::Null,
                    };
                }
                v
            }
            Expr::Not(e) => Value::Bool(!ev(e).truthy()),
            Expr::Cond(c, a, b) => {
                if ev(c).truthy() {
                    ev(a)
                } else {
                    ev(b)
                }
            }
            Expr::Count(e) => match ev(e) {
                Value::List(items) => Value::Num(items.len() as f64),
                _ => Value::Num(0.0),
            },
            Expr::Bin(op, a, b) => match op {
                BinOp::And => {
                    let l = ev(a);
                    if l.truthy() { ev(b) } else { l }
                }
                BinOp::Or => {
                    let l = ev(a);
                    if l.truthy() { l } else { ev(b) }
                }
                _ => {
                    let (l, r) = (ev(a), ev(b));
                    match op {
                        BinOp::Eq => Value::Bool(l.loose_eq(&r)),
                        BinOp::Ne => Value::Bool(!l.loose_eq(&r)),
                        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                            let ord = match (&l, &r) {
                                (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
                                _ => l.to_num().partial_cmp(&r.to_num()),
                            };
                            Value::Bool(match (op, ord) {
                                (_, None) => false,
                                (BinOp::Lt, Some(o)) => o.is_lt(),
                                (BinOp::Le, Some(o)) => o.is_le(),
                                (BinOp::Gt, Some(o)) => o.is_gt(),
                                (_, Some(o)) => o.is_ge(),
                            })
                        }
                        BinOp::In => Value::Bool(match &r {
                            Value::List(items) => items.iter().any(|x| x.strict_eq(&l)),
                            Value::Str(s) => s.contains(&l.to_text()),
                            _ => false,
                        }),
                        _ => match (&l, &r) {
                            (Value::Str(_), _)
                            | (_, Value::Str(_))
                            | (Value::List(_), _)
                            | (_, Value::List(_)) => Value::Str(l.to_text() + &r.to_text()),
                            _ => Value::Num(l.to_num() + r.to_num()),
                        },
                    }
                }
            },
            Expr::Call(f, args) => {
                let vals: Vec<Value> = args.iter().map(ev).collect();
                let answer = |v: &Value| match v {
                    Value::Str(id) => answers.get(id).cloned().unwrap_or(Value::Null),
                    _ => Value::Null,
                };
                match f {
                    Func::Answers => answer(&vals[0]),
                    Func::Bool => Value::Bool(
                        matches!(&vals[0], Value::Bool(true))
                            || vals[0] == Value::Str("true".into()),
                    ),
                    Func::CountSelectedOptions => match answer(&vals[0]) {
                        Value::List(items) => Value::Num(items.len() as f64),
                        _ => Value::Num(0.0),
                    },
                    Func::WeightedCountMap => {
                        let (Value::List(values), Value::List(keys), Value::List(weights)) =
                            (&vals[0], &vals[1], &vals[2])
                        else {
                            return Value::Num(0.0);
                        };
                        let mut total = 0.0;
                        for v in values {
                            // The last key wins, as when building a JavaScript object.
                            if let Some(i) = keys.iter().rposition(|k| k.strict_eq(v)) {
                                let w = weights.get(i).map_or(0.0, Value::to_num);
                                total += if w.is_nan() { 0.0 } else { w };
                            }
                        }
                        Value::Num(total)
                    }
                }
            }
        }
    }
}

// ---- the file ----

#[derive(Debug, Clone, Deserialize)]
struct RawFile {
    name: String,
    version: String,
    tasks: Vec<RawTask>,
    #[serde(default)]
    assessments: Vec<RawAssessment>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTask {
    task: String,
    id: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "type", default)]
    kind: Vec<String>,
    #[serde(default)]
    options: Vec<RawOption>,
    #[serde(default)]
    value_type: Option<String>,
    #[serde(default)]
    dependencies: Vec<RawDependency>,
    #[serde(default)]
    calculation: Option<RawCalculation>,
    #[serde(default)]
    tasks: Vec<RawTask>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawOption {
    value: serde_json::Value,
    #[serde(default)]
    label: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawDependency {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    condition: Option<RawCondition>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawCondition {
    id: String,
    operator: String,
    value: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCalculation {
    #[serde(default)]
    score_key: Option<String>,
    expression: String,
    #[serde(default)]
    risk_score: Vec<RawRiskScore>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawRiskScore {
    when: String,
    value: f64,
}

#[derive(Debug, Clone, Deserialize)]
struct RawAssessment {
    id: String,
    levels: Vec<RawLevel>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawLevel {
    level: String,
    expression: String,
    result: String,
    #[serde(default)]
    explanation: String,
    #[serde(default)]
    criteria: Vec<RawCriterion>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawCriterion {
    id: String,
    expression: String,
    explanation: String,
}

/// A question of the pre-scan, for a form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrescanQuestion {
    pub id: String,
    pub text: String,
    pub description: Option<String>,
    /// `radio_option`, `checkbox_option`, `select_option`, `open_text`, `text_input`.
    pub kind: String,
    pub value_type: Option<String>,
    pub options: Vec<PrescanOption>,
    /// Shown only when these conditions hold: (question id, operator, value).
    pub shown_when: Vec<(String, String, serde_json::Value)>,
    /// The ids of the groups it sits in, outermost first.
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrescanOption {
    pub value: serde_json::Value,
    pub label: String,
}

#[derive(Debug, Clone)]
struct Calculation {
    score_key: Option<String>,
    expression: Expr,
    risk_score: Vec<(Expr, f64)>,
}

#[derive(Debug, Clone)]
struct Criterion {
    id: String,
    expression: Expr,
    explanation: String,
}

#[derive(Debug, Clone)]
struct Level {
    level: NeedLevel,
    expression: Expr,
    result: String,
    explanation: String,
    criteria: Vec<Criterion>,
}

/// Required or recommended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedLevel {
    Required,
    Recommended,
}

impl NeedLevel {
    pub const ALL: [NeedLevel; 2] = [NeedLevel::Required, NeedLevel::Recommended];
}

/// The parsed pre-scan.
#[derive(Debug, Clone)]
pub struct Prescan {
    pub name: String,
    pub version: String,
    questions: Vec<PrescanQuestion>,
    calculations: Vec<Calculation>,
    assessments: Vec<(String, Vec<Level>)>,
}

/// A criterion that held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetCriterion {
    pub id: String,
    pub explanation: String,
}

/// The outcome for one assessment (DPIA, DTIA, KIA, IAMA).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentOutcome {
    pub id: String,
    pub level: NeedLevel,
    /// The result text of the file, e.g. `DPIA verplicht`.
    pub result: String,
    /// Dutch: "Een DPIA is verplicht omdat: • ..." from the criteria that held.
    pub explanation: String,
    pub criteria: Vec<MetCriterion>,
}

/// What the pre-scan concludes. The booleans are true when the assessment is required or
/// recommended; `assessments` tells which and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrescanResult {
    pub dpia: bool,
    pub dtia: bool,
    pub kia: bool,
    pub iama: bool,
    pub assessments: Vec<AssessmentOutcome>,
    pub scores: BTreeMap<String, f64>,
}

impl PrescanResult {
    pub fn outcome(&self, id: &str) -> Option<&AssessmentOutcome> {
        self.assessments.iter().find(|a| a.id == id)
    }
}

fn parse_expr(src: &str) -> Result<Expr, String> {
    Expr::parse(src)
}

fn walk(
    tasks: Vec<RawTask>,
    groups: &[String],
    qs: &mut Vec<PrescanQuestion>,
    calcs: &mut Vec<Calculation>,
) -> Result<(), String> {
    for t in tasks {
        if let Some(c) = t.calculation {
            calcs.push(Calculation {
                score_key: c.score_key,
                expression: parse_expr(&c.expression)?,
                risk_score: c
                    .risk_score
                    .into_iter()
                    .map(|r| Ok((parse_expr(&r.when)?, r.value)))
                    .collect::<Result<_, String>>()?,
            });
        }
        let kind = t.kind.first().cloned().unwrap_or_default();
        if kind == "task_group" {
            let mut g = groups.to_vec();
            g.push(t.id.clone());
            walk(t.tasks, &g, qs, calcs)?;
        } else {
            qs.push(PrescanQuestion {
                id: t.id,
                text: t.task,
                description: t.description.map(|d| d.trim().to_string()),
                kind,
                value_type: t.value_type,
                options: t
                    .options
                    .into_iter()
                    .map(|o| PrescanOption {
                        label: o.label.unwrap_or_else(|| match &o.value {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        }),
                        value: o.value,
                    })
                    .collect(),
                shown_when: t
                    .dependencies
                    .into_iter()
                    .filter(|d| d.kind == "conditional")
                    .filter_map(|d| d.condition)
                    .map(|c| (c.id, c.operator, c.value))
                    .collect(),
                groups: groups.to_vec(),
            });
            walk(t.tasks, groups, qs, calcs)?;
        }
    }
    Ok(())
}

impl Prescan {
    /// The shipped pre-scan, parsed once.
    pub fn load() -> Result<&'static Prescan, String> {
        static P: OnceLock<Result<Prescan, String>> = OnceLock::new();
        P.get_or_init(|| Prescan::parse(PRESCAN_YAML))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Parses a pre-scan file; every expression must be in the supported subset.
    pub fn parse(yaml: &str) -> Result<Prescan, String> {
        let raw: RawFile = serde_yaml_ng::from_str(yaml)
            .map_err(|e| format!("pre-scan kan niet worden gelezen: {e}"))?;
        let mut questions = Vec::new();
        let mut calculations = Vec::new();
        walk(raw.tasks, &[], &mut questions, &mut calculations)?;
        let mut assessments = Vec::new();
        for a in raw.assessments {
            let mut levels = Vec::new();
            for l in a.levels {
                levels.push(Level {
                    level: match l.level.as_str() {
                        "required" => NeedLevel::Required,
                        "recommended" => NeedLevel::Recommended,
                        other => return Err(format!("onbekend niveau '{other}' bij {}", a.id)),
                    },
                    expression: parse_expr(&l.expression)?,
                    result: l.result,
                    explanation: l.explanation,
                    criteria: l
                        .criteria
                        .into_iter()
                        .map(|c| {
                            Ok(Criterion {
                                id: c.id,
                                expression: parse_expr(&c.expression)?,
                                explanation: c.explanation,
                            })
                        })
                        .collect::<Result<_, String>>()?,
                });
            }
            assessments.push((a.id, levels));
        }
        Ok(Prescan {
            name: raw.name,
            version: raw.version,
            questions,
            calculations,
            assessments,
        })
    }

    /// The questions in order (groups flattened).
    pub fn questions(&self) -> &[PrescanQuestion] {
        &self.questions
    }

    /// Scores the answers (question id → `true`/`false`, a text, or a list of texts) and
    /// decides which assessments are needed, and why.
    pub fn evaluate(&self, answers: &BTreeMap<String, serde_json::Value>) -> PrescanResult {
        let answers: BTreeMap<String, Value> = answers
            .iter()
            .map(|(k, v)| (k.clone(), Value::from_json(v)))
            .collect();
        let none = BTreeMap::new();
        let mut scores: BTreeMap<String, f64> = BTreeMap::new();
        for c in &self.calculations {
            let value = c.expression.eval(&answers, &none);
            let Some(key) = &c.score_key else { continue };
            if c.risk_score.is_empty() {
                scores.insert(key.clone(), value.to_num());
                continue;
            }
            let mut ctx = BTreeMap::new();
            ctx.insert(key.clone(), value);
            if let Some((_, v)) = c
                .risk_score
                .iter()
                .find(|(when, _)| when.eval(&answers, &ctx).truthy())
            {
                scores.insert(key.clone(), *v);
            }
        }
        let scores_value = Value::List(
            scores
                .iter()
                .map(|(k, v)| Value::List(vec![Value::Str(k.clone()), Value::Num(*v)]))
                .collect(),
        );
        let mut outcomes = Vec::new();
        for (id, levels) in &self.assessments {
            for level in levels {
                let mut ctx = BTreeMap::new();
                ctx.insert("scores".to_string(), scores_value.clone());
                let met: Vec<MetCriterion> = level
                    .criteria
                    .iter()
                    .filter(|c| c.expression.eval(&answers, &ctx).truthy())
                    .map(|c| MetCriterion {
                        id: c.id.clone(),
                        explanation: c.explanation.clone(),
                    })
                    .collect();
                ctx.insert(
                    "criteria".to_string(),
                    Value::List(
                        met.iter()
                            .map(|m| Value::List(vec![Value::Str(m.id.clone()), Value::Bool(true)]))
                            .collect(),
                    ),
                );
                if level.expression.eval(&answers, &ctx).truthy() {
                    let explanation = if met.is_empty() {
                        level.explanation.clone()
                    } else {
                        let verb = match level.level {
                            NeedLevel::Required => "is verplicht",
                            NeedLevel::Recommended => "wordt aanbevolen",
                        };
                        format!(
                            "Een {id} {verb} omdat:\n• {}",
                            met.iter()
                                .map(|m| m.explanation.as_str())
                                .collect::<Vec<_>>()
                                .join("\n• ")
                        )
                    };
                    outcomes.push(AssessmentOutcome {
                        id: id.clone(),
                        level: level.level,
                        result: level.result.clone(),
                        explanation,
                        criteria: met,
                    });
                    break;
                }
            }
        }
        outcomes.sort_by(|a, b| a.id.cmp(&b.id));
        let has = |id: &str| outcomes.iter().any(|o| o.id == id);
        PrescanResult {
            dpia: has("DPIA"),
            dtia: has("DTIA"),
            kia: has("KIA"),
            iama: has("IAMA"),
            assessments: outcomes,
            scores,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn answers(pairs: &[(&str, serde_json::Value)]) -> BTreeMap<String, serde_json::Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    /// Answers that score on the risk questions: one special and one sensitive category of
    /// personal data selected (the sensitive one's gate question 1.3.1 answered `sensitive`),
    /// processed continuously, kept for `retention`.
    fn risk_answers(sensitive: bool, retention: &str) -> BTreeMap<String, serde_json::Value> {
        answers(&[
            ("1.2.1", json!(true)),
            (
                "1.2.2",
                json!(["Categorie bijzondere persoonsgegevens: Gegevens over gezondheid"]),
            ),
            ("1.3.1", json!(sensitive)),
            (
                "1.3.2",
                json!(["Categorie gevoelige persoonsgegevens: Surfgedrag"]),
            ),
            ("1.5.1", json!(true)),
            ("1.5.3", json!("Continu")),
            ("1.5.4", json!(retention)),
        ])
    }

    fn eval(src: &str) -> Value {
        let a: BTreeMap<String, Value> = [
            ("x".to_string(), Value::Bool(true)),
            (
                "l".to_string(),
                Value::List(vec![Value::Str("a".into()), Value::Str("b".into())]),
            ),
        ]
        .into_iter()
        .collect();
        Expr::parse(src).unwrap().eval(&a, &a)
    }

    #[test]
    fn loads_the_shipped_prescan() {
        let p = Prescan::load().unwrap();
        assert_eq!(p.name, "Pre-scan DPIA");
        assert_eq!(p.version, "2.0");
        assert_eq!(
            p.assessments
                .iter()
                .map(|(id, _)| id.as_str())
                .collect::<Vec<_>>(),
            vec!["DPIA", "DTIA", "KIA", "IAMA"]
        );
        let q = p.questions().iter().find(|q| q.id == "1.1.2").unwrap();
        assert_eq!(q.kind, "checkbox_option");
        assert_eq!(
            q.shown_when,
            vec![("1.1.1".to_string(), "equals".to_string(), json!(true))]
        );
        assert_eq!(q.groups, vec!["1".to_string(), "1.1".to_string()]);
        // The calculation nested under a dependency of 7.1.3 is not a task calculation.
        assert!(
            !p.calculations
                .iter()
                .any(|c| c.score_key.as_deref() == Some("digitaledienst_minderjarig"))
        );
        assert_eq!(p.calculations.len(), 11);
    }

    #[test]
    fn expression_semantics() {
        let cases = [
            ("answers('none') | count", Value::Num(0.0)),
            ("bool(answers('none'))", Value::Bool(false)),
            ("bool('true') && 3", Value::Num(3.0)),
            ("false && 3", Value::Bool(false)),
            ("(false && 2) + (true && 3) + (null || 0)", Value::Num(3.0)),
            ("x == true ? 2 : x ? 1 : 0", Value::Num(2.0)),
            ("false ? 2 : (true) ? 1 : 0", Value::Num(1.0)),
            ("'b' in l", Value::Bool(true)),
            ("'c' in ['a', 'b']", Value::Bool(false)),
            ("nothing == null", Value::Bool(true)),
            ("3 >= 1 && 3 <= 6", Value::Bool(true)),
            ("!(1 > 2)", Value::Bool(true)),
            ("scores.missing || 0", Value::Num(0.0)),
            // && and || share a precedence and go left to right, as in JEXL.
            ("true || false && false", Value::Bool(false)),
            (
                "weightedCountMap(['a', 'z', 'b'], ['a', 'b'], [1, 3])",
                Value::Num(4.0),
            ),
        ];
        for (src, value) in cases {
            assert_eq!(eval(src), value, "{src}");
        }
    }

    #[test]
    fn unsupported_syntax_is_a_clear_error() {
        let e = Expr::parse("now() > 1").unwrap_err();
        assert!(e.contains("functie 'now' wordt niet ondersteund"), "{e}");
        assert!(Expr::parse("x | upper").unwrap_err().contains("count"));
        assert!(
            Expr::parse("1 * 2")
                .unwrap_err()
                .contains("niet ondersteund")
        );
        assert!(Expr::parse("(1 + 2").is_err());
        assert!(Expr::parse("'open").is_err());
        assert!(Expr::parse("bool(1, 2)").is_err());
    }

    #[test]
    fn nothing_answered_needs_nothing() {
        let r = Prescan::load().unwrap().evaluate(&BTreeMap::new());
        assert!(!r.dpia && !r.dtia && !r.kia && !r.iama, "{r:?}");
        assert!(r.assessments.is_empty());
    }

    #[test]
    fn new_legislation_requires_a_dpia() {
        let r = Prescan::load()
            .unwrap()
            .evaluate(&answers(&[("0.1", json!(true))]));
        assert!(r.dpia);
        let o = r.outcome("DPIA").unwrap();
        assert_eq!(o.level, NeedLevel::Required);
        assert_eq!(o.result, "DPIA verplicht");
        assert_eq!(
            o.explanation,
            "Een DPIA is verplicht omdat:\n• er sprake is van nieuwe wet- of regelgeving"
        );
    }

    #[test]
    fn one_edpb_item_recommends_two_require() {
        let p = Prescan::load().unwrap();
        let one = p.evaluate(&answers(&[(
            "4.1",
            json!(["Lijst EDPB: Koppelen van datasets"]),
        )]));
        assert_eq!(one.outcome("DPIA").unwrap().level, NeedLevel::Recommended);
        assert!(one.dpia);
        let two = p.evaluate(&answers(&[(
            "4.1",
            json!([
                "Lijst EDPB: Koppelen van datasets",
                "Lijst EDPB: Geautomatiseerde besluitvorming"
            ]),
        )]));
        let o = two.outcome("DPIA").unwrap();
        assert_eq!(o.level, NeedLevel::Required);
        assert_eq!(
            o.criteria.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            vec!["edpblist2"]
        );
    }

    #[test]
    fn risk_score_above_four_requires_a_dpia() {
        // Worked by hand: bijzonder 1 (1 category) + gevoelig 1 (1 category) + aantal 1 (≥ 10.000)
        // + frequentie 1 (continu) + bewaartermijn 1 (jaren) = 5 > 4.
        let r = Prescan::load()
            .unwrap()
            .evaluate(&risk_answers(true, "Aantal jaren"));
        assert_eq!(r.scores.get("bijzonder_persoonsgegeven"), Some(&1.0));
        assert_eq!(r.scores.get("aantal_betrokkenen"), Some(&1.0));
        assert_eq!(r.scores.get("frequentie_verwerking"), Some(&1.0));
        assert_eq!(r.scores.get("bewaartermijn"), Some(&1.0));
        let o = r.outcome("DPIA").unwrap();
        assert_eq!(
            o.criteria.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            vec!["riskscore"]
        );
        // One less (bewaartermijn under a month: 0) makes 4, not above 4.
        let r = Prescan::load()
            .unwrap()
            .evaluate(&risk_answers(true, "Minder dan 1 maand"));
        assert!(!r.dpia, "{r:?}");
    }

    #[test]
    fn scores_only_count_when_the_gate_question_is_yes() {
        // Sensitive categories selected but 1.3.1 answered "no": not counted.
        let sensitive_not_gated = risk_answers(false, "Aantal jaren");
        assert!(!Prescan::load().unwrap().evaluate(&sensitive_not_gated).dpia);
    }

    #[test]
    fn transfer_outside_the_eea_with_sccs_requires_a_dtia() {
        let p = Prescan::load().unwrap();
        let r = p.evaluate(&answers(&[
            ("2.1.1", json!(true)),
            ("2.1.3", json!("Buiten EER")),
            ("2.1.6", json!("Standaard contractsbepaling (SCC)")),
        ]));
        assert!(r.dtia);
        assert_eq!(r.outcome("DTIA").unwrap().result, "DTIA verplicht");
        // An adequacy decision needs no DTIA.
        let r = p.evaluate(&answers(&[
            ("2.1.1", json!(true)),
            ("2.1.3", json!("Buiten EER")),
            ("2.1.6", json!("Adequaatheidsbesluit")),
        ]));
        assert!(!r.dtia);
    }

    #[test]
    fn high_risk_ai_recommends_an_iama_and_children_a_kia() {
        let r = Prescan::load().unwrap().evaluate(&answers(&[
            ("6.1.1", json!(true)),
            ("6.1.2", json!(true)),
            ("7.1.1", json!(true)),
            ("7.1.2", json!(true)),
        ]));
        assert!(r.iama && r.kia);
        let iama = r.outcome("IAMA").unwrap();
        assert_eq!(iama.level, NeedLevel::Recommended);
        assert_eq!(
            iama.criteria
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            vec!["hoog_risico_ai", "impact_grondrechten"]
        );
        assert!(iama.explanation.starts_with("Een IAMA wordt aanbevolen omdat:\n• Er gebruik wordt gemaakt van een hoog risico AI-systeem"));
        assert!(!r.dpia);
    }

    #[test]
    fn string_answers_true_count_as_yes() {
        let r = Prescan::load()
            .unwrap()
            .evaluate(&answers(&[("0.1", json!("true"))]));
        assert!(r.dpia);
    }

    proptest! {
        #[test]
        fn evaluation_never_panics(
            vals in proptest::collection::vec(prop_oneof![
                any::<bool>().prop_map(serde_json::Value::from),
                ".{0,10}".prop_map(serde_json::Value::from),
                proptest::collection::vec(".{0,10}", 0..4).prop_map(serde_json::Value::from),
            ], 0..30)
        ) {
            let p = Prescan::load().unwrap();
            let ids: Vec<&str> = p.questions().iter().map(|q| q.id.as_str()).collect();
            let a: BTreeMap<String, serde_json::Value> = ids.iter().zip(vals).map(|(k, v)| (k.to_string(), v)).collect();
            let r = p.evaluate(&a);
            prop_assert_eq!(r.clone(), p.evaluate(&a));
        }

        #[test]
        fn parser_never_panics(src in ".{0,40}") {
            let _ = Expr::parse(&src);
        }
    }
}
