//! Resource policies: the IAM-shaped permissions policies CodeArtifact attaches to a domain
//! (PutDomainPermissionsPolicy) or to a repository (PutRepositoryPermissionsPolicy), parsed and evaluated.
//! Pure: no I/O.
//!
//! [`PolicyDocument::parse`] checks a document once, when it is put, and keeps it in a form that is quick
//! to evaluate; [`PolicyDocument::evaluate`] then answers, for one request, whether the policy allows it,
//! denies it, or says nothing about it. [`Decision::combine`] joins the answers of several policies (the
//! domain's and the repository's).
//!
//! # The document
//!
//! At most [`MAX_POLICY_CHARS`] characters of JSON: an object with `Statement` (one statement object or a
//! non-empty array of them), optionally `Version` (`"2012-10-17"` or the older `"2008-10-17"`) and `Id`.
//! A statement has:
//!
//! - `Sid` (optional): its name, used in error messages (otherwise its position, counted from 1).
//! - `Effect`: `"Allow"` or `"Deny"`, in that case.
//! - `Principal`: `"*"` (everyone, anonymous callers included), or `{"AWS": value or [values]}` where each
//!   value is `"*"` (everyone), an account id (`"123456789012"`) or its root ARN
//!   (`"arn:aws:iam::123456789012:root"`), both meaning every authenticated principal of that account, or
//!   the ARN of one user or role (`"arn:aws:iam::123456789012:user/ci"`), compared exactly.
//! - `Action` or `NotAction` (one of them): `"*"` or `"service:action"` patterns, compared without regard
//!   to case. `NotAction` applies to every action that matches none of its patterns.
//! - `Resource` or `NotResource` (optional): ARN patterns, compared case-sensitively. Without either, the
//!   statement applies to every resource: a resource policy speaks of the resource it is attached to.
//! - `Condition` (optional): `{operator: {key: value or [values]}}`, see below.
//!
//! Wherever a pattern is allowed, `*` matches any run of characters (none included) and `?` exactly one.
//!
//! # Conditions
//!
//! Every condition must hold (AND, across operators and across the keys of one operator); one key holds
//! when the request's value matches any of the listed values (OR). The operators are `StringEquals`,
//! `StringEqualsIgnoreCase`, `StringLike` (with `*` and `?`), `ArnEquals` and `ArnLike` (the same: the six
//! colon-separated parts of the ARN are compared one by one, each may hold `*` and `?`), `Bool` (compared
//! without regard to case), the negated `StringNotEquals`, `StringNotEqualsIgnoreCase`, `StringNotLike`,
//! `ArnNotEquals` and `ArnNotLike` (which hold when the value matches none of the listed values), and any of
//! these with the suffix `IfExists`. Listed values may be strings, booleans or numbers (compared as text).
//!
//! The keys known (their names compared without regard to case) are `aws:PrincipalArn`,
//! `aws:PrincipalAccount`, `aws:username` (the name after the last `/` of a `user/` ARN) and
//! `aws:PrincipalType` (`User`, `AssumedRole` for `role/` and `assumed-role/` ARNs, `Account` for an
//! account's root, `Anonymous` for an anonymous caller). Other keys are accepted, as AWS accepts them, but
//! never have a value here. As in IAM, when the request has no value for the key, a positive operator does
//! not hold, a negated one holds, and any operator with `IfExists` holds.
//!
//! # Evaluation
//!
//! A statement applies to a request when its principal, action, resource and conditions all match. If any
//! statement that applies denies, the policy denies ([`Decision::Deny`]); otherwise, if any allows, it
//! allows ([`Decision::Allow`]); otherwise it says nothing ([`Decision::NotApplicable`]), and whether the
//! request goes ahead is for the caller to decide (AWS denies it unless an identity policy allows it).
//!
//! # Not supported
//!
//! `NotPrincipal`; principals other than `AWS` (`Service`, `Federated`, `CanonicalUser`); condition
//! operators other than those above (numeric, date, IP address, `Null`, and the set operators
//! `ForAnyValue:` and `ForAllValues:`). Each is refused at parse time, so a policy never means less than it
//! says. Policy variables such as `${aws:username}` are not substituted: they are matched as written.

use std::fmt;

use serde_json::{Map, Value};

/// The longest policy document accepted, in characters (CodeArtifact's limit).
pub const MAX_POLICY_CHARS: usize = 7168;

/// The policy language versions accepted in `Version`.
const VERSIONS: [&str; 2] = ["2012-10-17", "2008-10-17"];

/// The keys a statement may have. `NotPrincipal` is not among them (see [`parse_statement`]).
const STATEMENT_KEYS: [&str; 8] =
    ["Sid", "Effect", "Principal", "Action", "NotAction", "Resource", "NotResource", "Condition"];

/// The number of colon-separated parts of an ARN: `arn:partition:service:region:account:resource`.
const ARN_PARTS: usize = 6;

/// A resource policy, parsed and checked, ready to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    /// The statements, in the document's order (never empty).
    statements: Vec<Statement>,
}

impl PolicyDocument {
    /// Parses and validates `text`; errors say what is wrong in plain words, naming the statement (its Sid
    /// or its index, 1-based).
    pub fn parse(text: &str) -> Result<PolicyDocument, PolicyError> {
        // A character is at least one byte: most documents are under the limit by their length alone.
        if text.len() > MAX_POLICY_CHARS {
            let characters = text.chars().count();
            if characters > MAX_POLICY_CHARS {
                return Err(PolicyError(format!(
                    "the policy document is {characters} characters long; the longest accepted is \
                     {MAX_POLICY_CHARS} characters"
                )));
            }
        }
        let document: Value = serde_json::from_str(text)
            .map_err(|error| PolicyError(format!("the policy document is not valid JSON: {error}")))?;
        let Value::Object(fields) = &document else {
            return Err(PolicyError(
                "the policy document must be a JSON object, such as {\"Version\": \"2012-10-17\", \"Statement\": [...]}"
                    .to_owned(),
            ));
        };
        if let Some(unknown) = fields.keys().find(|key| !matches!(key.as_str(), "Version" | "Id" | "Statement")) {
            return Err(PolicyError(format!(
                "the policy document has an unknown key \"{unknown}\"; a policy has Version, Id and Statement"
            )));
        }
        match fields.get("Version") {
            None => {}
            Some(Value::String(version)) if VERSIONS.contains(&version.as_str()) => {}
            Some(other) => {
                return Err(PolicyError(format!(
                    "Version must be \"2012-10-17\" (or the older \"2008-10-17\"), not {other}"
                )));
            }
        }
        if let Some(id) = fields.get("Id").filter(|id| !id.is_string()) {
            return Err(PolicyError(format!("Id must be a string, not {id}")));
        }
        let statements = match fields.get("Statement") {
            None => return Err(PolicyError("the policy document has no Statement".to_owned())),
            Some(single @ Value::Object(_)) => std::slice::from_ref(single),
            Some(Value::Array(items)) if !items.is_empty() => items.as_slice(),
            Some(Value::Array(_)) => {
                return Err(PolicyError("Statement is an empty array; give at least one statement".to_owned()));
            }
            Some(other) => {
                return Err(PolicyError(format!("Statement must be an object or an array of objects, not {other}")));
            }
        };
        let statements = statements
            .iter()
            .enumerate()
            .map(|(index, statement)| parse_statement(index + 1, statement))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PolicyDocument { statements })
    }

    /// What this policy says about `request`.
    pub fn evaluate(&self, request: &AccessRequest<'_>) -> Decision {
        let mut decision = Decision::NotApplicable;
        for statement in &self.statements {
            // Once allowed, only a Deny can change the answer.
            if decision == Decision::Allow && statement.effect == Effect::Allow {
                continue;
            }
            if statement.applies_to(request) {
                match statement.effect {
                    Effect::Deny => return Decision::Deny,
                    Effect::Allow => decision = Decision::Allow,
                }
            }
        }
        decision
    }
}

/// One request to decide.
#[derive(Debug, Clone, Copy)]
pub struct AccessRequest<'a> {
    /// The caller's ARN (`arn:aws:iam::000000000000:user/ci`), or `None` for an anonymous caller.
    pub principal: Option<&'a str>,
    /// The caller's account id (the 12 digits of its ARN), `None` for anonymous.
    pub principal_account: Option<&'a str>,
    /// The action, `codeartifact:ReadFromRepository`.
    pub action: &'a str,
    /// The resource's ARN, `arn:aws:codeartifact:us-east-1:000000000000:repository/acme/release`.
    pub resource: &'a str,
}

/// What a policy says about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A statement denies it.
    Deny,
    /// A statement allows it and none denies it.
    Allow,
    /// No statement applies.
    NotApplicable,
}

impl Decision {
    /// Several policies' decisions as one: an explicit Deny wins, then an Allow, else NotApplicable.
    pub fn combine(self, other: Decision) -> Decision {
        match (self, other) {
            (Decision::Deny, _) | (_, Decision::Deny) => Decision::Deny,
            (Decision::Allow, _) | (_, Decision::Allow) => Decision::Allow,
            (Decision::NotApplicable, Decision::NotApplicable) => Decision::NotApplicable,
        }
    }
}

/// Why a policy document was refused, in words for the person who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);

/// One statement, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Statement {
    effect: Effect,
    principals: Principals,
    /// `Action`, or `NotAction` (negated).
    actions: PatternList,
    /// `Resource`, or `NotResource` (negated); `None` when the statement gives neither (every resource).
    resources: Option<PatternList>,
    /// Every one must hold.
    conditions: Vec<Condition>,
}

impl Statement {
    /// Whether the statement speaks of `request`: its principal, action, resource and conditions match.
    fn applies_to(&self, request: &AccessRequest<'_>) -> bool {
        self.principals.include(request)
            && self.actions.matches(request.action)
            && self.resources.as_ref().is_none_or(|resources| resources.matches(request.resource))
            && self.conditions.iter().all(|condition| condition.holds(request))
    }
}

/// A statement's `Effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

/// Whom a statement speaks of.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Principals {
    /// Every caller, anonymous ones included (`"*"`).
    Everyone,
    /// The callers that any of these name.
    Listed(Vec<Principal>),
}

impl Principals {
    /// Whether the caller of `request` is one of these.
    fn include(&self, request: &AccessRequest<'_>) -> bool {
        match self {
            Principals::Everyone => true,
            Principals::Listed(principals) => principals.iter().any(|principal| match principal {
                Principal::Account(account) => request.principal_account == Some(account.as_str()),
                Principal::Arn(arn) => request.principal == Some(arn.as_str()),
            }),
        }
    }
}

/// One AWS principal other than `"*"`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Principal {
    /// Every authenticated principal of this account (an account id, or the account's root ARN).
    Account(String),
    /// The one user or role with this ARN.
    Arn(String),
}

/// The patterns of `Action`, `NotAction`, `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PatternList {
    patterns: Vec<Glob>,
    /// `NotAction` or `NotResource`: matches what none of the patterns match.
    negated: bool,
}

impl PatternList {
    fn matches(&self, text: &str) -> bool {
        self.patterns.iter().any(|pattern| pattern.matches(text)) != self.negated
    }
}

/// One condition: a key and what its value must be.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Condition {
    key: ConditionKey,
    /// The listed values, as patterns; the key's value must match one (none, when negated).
    values: Vec<ValuePattern>,
    /// A `...Not...` operator.
    negated: bool,
    /// An `...IfExists` operator: holds when the key has no value.
    if_exists: bool,
}

impl Condition {
    fn holds(&self, request: &AccessRequest<'_>) -> bool {
        match self.key.value(request) {
            None => self.if_exists || self.negated,
            Some(value) => self.values.iter().any(|pattern| pattern.matches(value)) != self.negated,
        }
    }
}

/// The condition keys known here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConditionKey {
    PrincipalArn,
    PrincipalAccount,
    Username,
    PrincipalType,
    /// Any other key: it never has a value.
    Unknown,
}

/// The known condition keys by name (compared without regard to case).
const CONDITION_KEYS: [(&str, ConditionKey); 4] = [
    ("aws:PrincipalArn", ConditionKey::PrincipalArn),
    ("aws:PrincipalAccount", ConditionKey::PrincipalAccount),
    ("aws:username", ConditionKey::Username),
    ("aws:PrincipalType", ConditionKey::PrincipalType),
];

impl ConditionKey {
    fn named(name: &str) -> ConditionKey {
        CONDITION_KEYS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map_or(ConditionKey::Unknown, |(_, key)| *key)
    }

    /// The key's value for `request`, if it has one.
    fn value<'a>(self, request: &AccessRequest<'a>) -> Option<&'a str> {
        match self {
            ConditionKey::PrincipalArn => request.principal,
            ConditionKey::PrincipalAccount => request.principal_account,
            ConditionKey::Username => {
                let name = arn_resource(request.principal?)?.strip_prefix("user/")?;
                Some(name.rsplit_once('/').map_or(name, |(_, last)| last))
            }
            ConditionKey::PrincipalType => match request.principal {
                None => Some("Anonymous"),
                Some(arn) => match arn_resource(arn)? {
                    "root" => Some("Account"),
                    resource if resource.starts_with("user/") => Some("User"),
                    resource if resource.starts_with("role/") || resource.starts_with("assumed-role/") => {
                        Some("AssumedRole")
                    }
                    _ => None,
                },
            },
            ConditionKey::Unknown => None,
        }
    }
}

/// The last part of an ARN, after its fifth colon (`user/ci` of `arn:aws:iam::123456789012:user/ci`).
fn arn_resource(arn: &str) -> Option<&str> {
    arn.splitn(ARN_PARTS, ':').nth(ARN_PARTS - 1)
}

/// One listed value of a condition, as the operator compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ValuePattern {
    /// The whole value against one pattern (literal for the `Equals` operators and `Bool`).
    Text(Glob),
    /// The value's six ARN parts, each against its pattern (the `Arn` operators).
    Arn(Box<[Glob; ARN_PARTS]>),
}

impl ValuePattern {
    fn matches(&self, value: &str) -> bool {
        match self {
            ValuePattern::Text(pattern) => pattern.matches(value),
            ValuePattern::Arn(parts) => {
                let mut value_parts = value.splitn(ARN_PARTS, ':');
                parts.iter().all(|pattern| value_parts.next().is_some_and(|part| pattern.matches(part)))
            }
        }
    }
}

/// How an operator compares a key's value with a listed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    /// Exactly.
    Equals,
    /// Exactly but for case (`Bool` too: `"true"` is `"True"`).
    EqualsIgnoreCase,
    /// As a pattern with `*` and `?`, case-sensitively.
    Like,
    /// As an ARN, part by part, each part a pattern.
    Arn,
}

/// The condition operators supported (each also with `IfExists`): name, comparison, negated.
const OPERATORS: [(&str, Comparison, bool); 11] = [
    ("StringEquals", Comparison::Equals, false),
    ("StringNotEquals", Comparison::Equals, true),
    ("StringEqualsIgnoreCase", Comparison::EqualsIgnoreCase, false),
    ("StringNotEqualsIgnoreCase", Comparison::EqualsIgnoreCase, true),
    ("StringLike", Comparison::Like, false),
    ("StringNotLike", Comparison::Like, true),
    ("ArnEquals", Comparison::Arn, false),
    ("ArnNotEquals", Comparison::Arn, true),
    ("ArnLike", Comparison::Arn, false),
    ("ArnNotLike", Comparison::Arn, true),
    ("Bool", Comparison::EqualsIgnoreCase, false),
];

impl Comparison {
    /// `value` as this comparison matches it.
    fn pattern(self, value: &str) -> Result<ValuePattern, String> {
        Ok(match self {
            Comparison::Equals => ValuePattern::Text(Glob::literal(value, false)),
            Comparison::EqualsIgnoreCase => ValuePattern::Text(Glob::literal(value, true)),
            Comparison::Like => ValuePattern::Text(Glob::wildcard(value, false)),
            Comparison::Arn => {
                let parts: Vec<&str> = value.splitn(ARN_PARTS, ':').collect();
                if parts.len() != ARN_PARTS || parts[0] != "arn" {
                    return Err(format!(
                        "\"{value}\" is not an ARN (arn:partition:service:region:account:resource, \
                         each part may hold * and ?)"
                    ));
                }
                ValuePattern::Arn(Box::new(std::array::from_fn(|index| Glob::wildcard(parts[index], false))))
            }
        })
    }
}

/// Whether `text` matches `pattern`, where `*` is any run of characters and `?` one character
/// (case-sensitive): how trusted publishing's claim rules match ([`crate::oidc`]).
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    Glob::wildcard(pattern, false).matches(text)
}

/// A pattern, split into what each position matches. `*` and `?` are wildcards only when made with
/// [`Glob::wildcard`]; [`Glob::literal`] makes one that matches its text alone.
#[derive(Clone, PartialEq, Eq)]
struct Glob {
    tokens: Box<[GlobToken]>,
    ignore_case: bool,
}

/// What one position of a [`Glob`] matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GlobToken {
    /// `*`: any run of characters, none included.
    AnyRun,
    /// `?`: exactly one character.
    AnyChar,
    /// This character.
    Char(char),
}

impl Glob {
    /// `pattern`, where `*` and `?` are wildcards.
    fn wildcard(pattern: &str, ignore_case: bool) -> Glob {
        let mut tokens = Vec::with_capacity(pattern.len());
        for character in pattern.chars() {
            let token = match character {
                '*' => GlobToken::AnyRun,
                '?' => GlobToken::AnyChar,
                other => GlobToken::Char(other),
            };
            // `**` is `*`.
            if !(token == GlobToken::AnyRun && tokens.last() == Some(&GlobToken::AnyRun)) {
                tokens.push(token);
            }
        }
        Glob { tokens: tokens.into_boxed_slice(), ignore_case }
    }

    /// A pattern matching `text` alone (`*` and `?` included as characters).
    fn literal(text: &str, ignore_case: bool) -> Glob {
        Glob { tokens: text.chars().map(GlobToken::Char).collect(), ignore_case }
    }

    /// Whether the whole of `text` matches. Without allocating: a mismatch goes back to the last `*`,
    /// which then takes one more character (earlier `*`s need not be revisited).
    fn matches(&self, text: &str) -> bool {
        let mut position = 0; // in `tokens`
        let mut offset = 0; // in `text`, in bytes
        // After the last `*` seen: the token that follows it, and where in `text` it would resume.
        let mut last_run: Option<(usize, usize)> = None;
        loop {
            let next = text[offset..].chars().next();
            match (self.tokens.get(position), next) {
                (None, None) => return true,
                (Some(GlobToken::AnyRun), _) => {
                    position += 1;
                    last_run = Some((position, offset));
                    continue;
                }
                (Some(GlobToken::AnyChar), Some(character)) => {
                    position += 1;
                    offset += character.len_utf8();
                    continue;
                }
                (Some(GlobToken::Char(expected)), Some(character)) if self.same(*expected, character) => {
                    position += 1;
                    offset += character.len_utf8();
                    continue;
                }
                _ => {}
            }
            // A mismatch: let the last `*` take one more character, or fail.
            let Some((after_run, run_end)) = last_run else { return false };
            let Some(taken) = text[run_end..].chars().next() else { return false };
            let resume = run_end + taken.len_utf8();
            last_run = Some((after_run, resume));
            position = after_run;
            offset = resume;
        }
    }

    fn same(&self, expected: char, actual: char) -> bool {
        expected == actual
            || self.ignore_case
                && if expected.is_ascii() && actual.is_ascii() {
                    expected.eq_ignore_ascii_case(&actual)
                } else {
                    expected.to_lowercase().eq(actual.to_lowercase())
                }
    }
}

/// The pattern as written (`codeartifact:Describe*`), which is easier to read than its tokens.
impl fmt::Debug for Glob {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text: String = self
            .tokens
            .iter()
            .map(|token| match token {
                GlobToken::AnyRun => '*',
                GlobToken::AnyChar => '?',
                GlobToken::Char(character) => *character,
            })
            .collect();
        let case = if self.ignore_case { " (any case)" } else { "" };
        write!(formatter, "{text:?}{case}")
    }
}

/// Parses statement `number` (counted from 1).
fn parse_statement(number: usize, statement: &Value) -> Result<Statement, PolicyError> {
    let Value::Object(fields) = statement else {
        return Err(PolicyError(format!("statement {number} must be an object, not {statement}")));
    };
    let sid = match fields.get("Sid") {
        None => None,
        Some(Value::String(sid)) => Some(sid.as_str()).filter(|sid| !sid.is_empty()),
        Some(other) => return Err(PolicyError(format!("statement {number}: Sid must be a string, not {other}"))),
    };
    let name = match sid {
        Some(sid) => format!("statement {number} (\"{sid}\")"),
        None => format!("statement {number}"),
    };
    statement_fields(fields).map_err(|message| PolicyError(format!("{name}: {message}")))
}

/// The fields of one statement; the error does not name the statement (the caller adds it).
fn statement_fields(fields: &Map<String, Value>) -> Result<Statement, String> {
    if fields.contains_key("NotPrincipal") {
        return Err("NotPrincipal is not supported; name the principals in Principal".to_owned());
    }
    if let Some(unknown) = fields.keys().find(|key| !STATEMENT_KEYS.contains(&key.as_str())) {
        return Err(format!(
            "unknown key \"{unknown}\"; a statement may have Sid, Effect, Principal, Action or NotAction, \
             Resource or NotResource, and Condition"
        ));
    }
    let effect = match fields.get("Effect") {
        None => return Err("Effect is missing; give \"Allow\" or \"Deny\"".to_owned()),
        Some(Value::String(effect)) if effect == "Allow" => Effect::Allow,
        Some(Value::String(effect)) if effect == "Deny" => Effect::Deny,
        Some(other) => return Err(format!("Effect must be \"Allow\" or \"Deny\", not {other}")),
    };
    let Some(principal) = fields.get("Principal") else {
        return Err("Principal is missing; give \"*\" or {\"AWS\": \"arn:aws:iam::123456789012:root\"}".to_owned());
    };
    let principals = parse_principals(principal)?;
    let actions = pattern_list(fields, ["Action", "NotAction"], true, check_action)?
        .ok_or_else(|| "Action is missing; give Action (or NotAction)".to_owned())?;
    let resources = pattern_list(fields, ["Resource", "NotResource"], false, |_| Ok(()))?;
    let conditions = match fields.get("Condition") {
        None => Vec::new(),
        Some(conditions) => parse_conditions(conditions)?,
    };
    Ok(Statement { effect, principals, actions, resources, conditions })
}

/// `Principal`: `"*"` or `{"AWS": ...}`.
fn parse_principals(principal: &Value) -> Result<Principals, String> {
    let fields = match principal {
        Value::String(everyone) if everyone == "*" => return Ok(Principals::Everyone),
        Value::Object(fields) => fields,
        other => {
            return Err(format!(
                "Principal must be \"*\" or an object such as {{\"AWS\": \"arn:aws:iam::123456789012:root\"}}, \
                 not {other}"
            ));
        }
    };
    if let Some(other) = fields.keys().find(|key| *key != "AWS") {
        return Err(format!(
            "Principal names a \"{other}\" principal; only AWS principals are supported \
             ({{\"AWS\": \"arn:aws:iam::123456789012:root\"}})"
        ));
    }
    let Some(aws) = fields.get("AWS") else {
        return Err("Principal is empty; name the principals as {\"AWS\": ...}".to_owned());
    };
    let mut everyone = false;
    let mut principals = Vec::new();
    for value in string_list("the AWS principal", aws)? {
        match parse_aws_principal(value)? {
            Some(principal) => principals.push(principal),
            None => everyone = true,
        }
    }
    Ok(if everyone { Principals::Everyone } else { Principals::Listed(principals) })
}

/// One value of `{"AWS": ...}`; `None` for `"*"`.
fn parse_aws_principal(value: &str) -> Result<Option<Principal>, String> {
    if value == "*" {
        return Ok(None);
    }
    if is_account_id(value) {
        return Ok(Some(Principal::Account(value.to_owned())));
    }
    if value.starts_with("arn:") {
        let parts: Vec<&str> = value.splitn(ARN_PARTS, ':').collect();
        if let ["arn", _partition, "iam", "", account, "root"] = parts.as_slice()
            && is_account_id(account)
        {
            return Ok(Some(Principal::Account((*account).to_owned())));
        }
        return Ok(Some(Principal::Arn(value.to_owned())));
    }
    Err(format!(
        "the AWS principal \"{value}\" is neither \"*\", an account id (12 digits) nor an ARN \
         (arn:aws:iam::123456789012:root, arn:aws:iam::123456789012:user/NAME)"
    ))
}

/// Whether `text` is an account id: 12 digits.
fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// `Action`/`NotAction` or `Resource`/`NotResource` (at most one of the pair), each value passed through
/// `check` (which says what is wrong with it); `None` when neither is given.
fn pattern_list(
    fields: &Map<String, Value>,
    [positive, negative]: [&str; 2],
    ignore_case: bool,
    check: fn(&str) -> Result<(), String>,
) -> Result<Option<PatternList>, String> {
    let (value, name, negated) = match (fields.get(positive), fields.get(negative)) {
        (Some(_), Some(_)) => return Err(format!("both {positive} and {negative} are given; give one")),
        (Some(value), None) => (value, positive, false),
        (None, Some(value)) => (value, negative, true),
        (None, None) => return Ok(None),
    };
    let patterns = string_list(name, value)?
        .into_iter()
        .map(|pattern| check(pattern).map(|()| Glob::wildcard(pattern, ignore_case)))
        .collect::<Result<_, _>>()?;
    Ok(Some(PatternList { patterns, negated }))
}

/// An action is `*` or `service:action` (one colon, something either side).
fn check_action(action: &str) -> Result<(), String> {
    let well_formed = action == "*"
        || action
            .split_once(':')
            .is_some_and(|(service, name)| !service.is_empty() && !name.is_empty() && !name.contains(':'));
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "the action \"{action}\" must be \"*\" or \"service:action\", such as \"codeartifact:ReadFromRepository\""
        ))
    }
}

/// `value` as a list of strings: one string, or a non-empty array of strings. `name` is what the errors call it.
fn string_list<'v>(name: &str, value: &'v Value) -> Result<Vec<&'v str>, String> {
    match value {
        Value::String(text) => Ok(vec![text.as_str()]),
        Value::Array(items) if items.is_empty() => Err(format!("{name} is an empty array; give at least one value")),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str().ok_or_else(|| format!("{name} must be a string or an array of strings, not {item}"))
            })
            .collect(),
        other => Err(format!("{name} must be a string or an array of strings, not {other}")),
    }
}

/// `Condition`: `{operator: {key: value or [values]}}`.
fn parse_conditions(value: &Value) -> Result<Vec<Condition>, String> {
    let Value::Object(operators) = value else {
        return Err(format!(
            "Condition must be an object such as {{\"StringEquals\": {{\"aws:PrincipalAccount\": \"123456789012\"}}}}, \
             not {value}"
        ));
    };
    let mut conditions = Vec::new();
    for (operator, keys) in operators {
        let (base, if_exists) = match operator.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (operator.as_str(), false),
        };
        let Some(&(_, comparison, negated)) = OPERATORS.iter().find(|(name, ..)| *name == base) else {
            let supported: Vec<&str> = OPERATORS.iter().map(|(name, ..)| *name).collect();
            return Err(format!(
                "the condition operator \"{operator}\" is not supported; the operators supported are {}, \
                 each also with IfExists",
                supported.join(", ")
            ));
        };
        let Value::Object(keys) = keys else {
            return Err(format!("the condition operator \"{operator}\" must map to an object of keys, not {keys}"));
        };
        if keys.is_empty() {
            return Err(format!("the condition operator \"{operator}\" names no keys"));
        }
        for (key, values) in keys {
            let values = condition_values(operator, key, values)?
                .iter()
                .map(|value| comparison.pattern(value))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|message| format!("{operator} of \"{key}\": {message}"))?;
            conditions.push(Condition { key: ConditionKey::named(key), values, negated, if_exists });
        }
    }
    Ok(conditions)
}

/// The listed values of one condition key, as text: strings, booleans and numbers, one or an array.
fn condition_values(operator: &str, key: &str, values: &Value) -> Result<Vec<String>, String> {
    let as_text = |value: &Value| match value {
        Value::String(text) => Ok(text.clone()),
        Value::Bool(_) | Value::Number(_) => Ok(value.to_string()),
        other => Err(format!("{operator} of \"{key}\": a value must be a string, a boolean or a number, not {other}")),
    };
    match values {
        Value::Array(items) if items.is_empty() => {
            Err(format!("{operator} of \"{key}\" is an empty array; give at least one value"))
        }
        Value::Array(items) => items.iter().map(as_text).collect(),
        single => Ok(vec![as_text(single)?]),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ACCOUNT: &str = "123456789012";
    const CI_USER: &str = "arn:aws:iam::123456789012:user/ci";
    const BUILD_USER: &str = "arn:aws:iam::123456789012:user/teams/build";
    const DEPLOY_ROLE: &str = "arn:aws:iam::123456789012:role/deploy";
    const ROOT: &str = "arn:aws:iam::123456789012:root";
    const OTHER_ACCOUNT_USER: &str = "arn:aws:iam::210987654321:user/ci";
    const REPOSITORY: &str = "arn:aws:codeartifact:us-east-1:123456789012:repository/acme/release";
    const DOMAIN: &str = "arn:aws:codeartifact:us-east-1:123456789012:domain/acme";
    const READ: &str = "codeartifact:ReadFromRepository";
    const PUBLISH: &str = "codeartifact:PublishPackageVersion";

    fn parse(document: &Value) -> PolicyDocument {
        PolicyDocument::parse(&document.to_string()).expect("the policy parses")
    }

    fn refusal(text: &str) -> String {
        PolicyDocument::parse(text).expect_err("the policy is refused").0
    }

    /// The refusal of a policy with this one statement.
    fn statement_refusal(statement: Value) -> String {
        refusal(&json!({"Version": "2012-10-17", "Statement": [statement]}).to_string())
    }

    /// A policy of one statement.
    fn policy(statement: Value) -> PolicyDocument {
        parse(&json!({"Version": "2012-10-17", "Statement": [statement]}))
    }

    /// A request by `principal` (an ARN, its account taken from it; `None` for anonymous).
    fn request<'a>(principal: Option<&'a str>, action: &'a str, resource: &'a str) -> AccessRequest<'a> {
        let principal_account = principal.and_then(|arn| arn.split(':').nth(4));
        AccessRequest { principal, principal_account, action, resource }
    }

    fn decide(policy: &PolicyDocument, principal: Option<&str>, action: &str, resource: &str) -> Decision {
        policy.evaluate(&request(principal, action, resource))
    }

    /// A policy allowing everyone `action` on every resource, under `condition`.
    fn conditional(condition: Value) -> PolicyDocument {
        policy(json!({"Effect": "Allow", "Principal": "*", "Action": "*", "Condition": condition}))
    }

    /// Whether `condition` holds for a read by `principal`.
    fn holds(condition: &Value, principal: Option<&str>) -> bool {
        decide(&conditional(condition.clone()), principal, READ, REPOSITORY) == Decision::Allow
    }

    // The examples of the CodeArtifact User Guide.

    #[test]
    fn the_guides_repository_policy_lets_the_account_read() {
        let policy = parse(&json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Action": [
                    "codeartifact:DescribePackageVersion",
                    "codeartifact:DescribeRepository",
                    "codeartifact:GetPackageVersionReadme",
                    "codeartifact:GetRepositoryEndpoint",
                    "codeartifact:ListPackageVersionAssets",
                    "codeartifact:ListPackageVersionDependencies",
                    "codeartifact:ListPackageVersions",
                    "codeartifact:ListPackages",
                    "codeartifact:ReadFromRepository"
                ],
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Resource": "*"
            }]
        }));
        for action in [READ, "codeartifact:ListPackages", "codeartifact:GetRepositoryEndpoint"] {
            assert_eq!(decide(&policy, Some(CI_USER), action, REPOSITORY), Decision::Allow, "{action}");
        }
        assert_eq!(decide(&policy, Some(DEPLOY_ROLE), READ, REPOSITORY), Decision::Allow);
        assert_eq!(decide(&policy, Some(CI_USER), PUBLISH, REPOSITORY), Decision::NotApplicable);
        assert_eq!(decide(&policy, Some(OTHER_ACCOUNT_USER), READ, REPOSITORY), Decision::NotApplicable);
        assert_eq!(decide(&policy, None, READ, REPOSITORY), Decision::NotApplicable);
    }

    #[test]
    fn the_guides_domain_policy_lets_the_account_use_the_domain() {
        let policy = parse(&json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "BasicDomainPolicy",
                "Action": [
                    "codeartifact:CreateRepository",
                    "codeartifact:DescribeDomain",
                    "codeartifact:GetAuthorizationToken",
                    "codeartifact:GetDomainPermissionsPolicy",
                    "codeartifact:ListRepositoriesInDomain",
                    "sts:GetServiceBearerToken"
                ],
                "Effect": "Allow",
                "Resource": "*",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"}
            }]
        }));
        for action in
            ["codeartifact:GetAuthorizationToken", "codeartifact:CreateRepository", "sts:GetServiceBearerToken"]
        {
            assert_eq!(decide(&policy, Some(CI_USER), action, DOMAIN), Decision::Allow, "{action}");
        }
        assert_eq!(decide(&policy, Some(CI_USER), "codeartifact:DeleteDomain", DOMAIN), Decision::NotApplicable);
        assert_eq!(decide(&policy, Some(CI_USER), "sts:AssumeRole", DOMAIN), Decision::NotApplicable);
        assert_eq!(
            decide(&policy, Some(OTHER_ACCOUNT_USER), "codeartifact:GetAuthorizationToken", DOMAIN),
            Decision::NotApplicable
        );
    }

    // Effects.

    #[test]
    fn a_deny_overrides_an_allow_wherever_it_stands() {
        let allow = json!({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "codeartifact:*"});
        let deny = json!({"Effect": "Deny", "Principal": {"AWS": CI_USER}, "Action": PUBLISH});
        for statements in [json!([allow, deny]), json!([deny, allow])] {
            let policy = parse(&json!({"Statement": statements}));
            assert_eq!(decide(&policy, Some(CI_USER), PUBLISH, REPOSITORY), Decision::Deny);
            assert_eq!(decide(&policy, Some(CI_USER), READ, REPOSITORY), Decision::Allow);
            assert_eq!(decide(&policy, Some(BUILD_USER), PUBLISH, REPOSITORY), Decision::Allow);
        }
    }

    #[test]
    fn a_deny_alone_denies_and_says_nothing_of_the_rest() {
        let policy = policy(json!({"Effect": "Deny", "Principal": "*", "Action": PUBLISH}));
        assert_eq!(decide(&policy, Some(CI_USER), PUBLISH, REPOSITORY), Decision::Deny);
        assert_eq!(decide(&policy, Some(CI_USER), READ, REPOSITORY), Decision::NotApplicable);
    }

    #[test]
    fn a_single_statement_object_is_accepted() {
        let policy = parse(&json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": READ}}));
        assert_eq!(decide(&policy, None, READ, REPOSITORY), Decision::Allow);
    }

    // Actions.

    #[test]
    fn not_action_applies_to_every_other_action() {
        let policy = policy(json!({
            "Effect": "Allow", "Principal": "*", "NotAction": ["codeartifact:Delete*", PUBLISH]
        }));
        assert_eq!(decide(&policy, Some(CI_USER), READ, REPOSITORY), Decision::Allow);
        assert_eq!(decide(&policy, Some(CI_USER), "sts:GetServiceBearerToken", REPOSITORY), Decision::Allow);
        assert_eq!(
            decide(&policy, Some(CI_USER), "codeartifact:DeleteRepository", REPOSITORY),
            Decision::NotApplicable
        );
        assert_eq!(decide(&policy, Some(CI_USER), PUBLISH, REPOSITORY), Decision::NotApplicable);

        let deny = self::policy(json!({"Effect": "Deny", "Principal": "*", "NotAction": READ}));
        assert_eq!(decide(&deny, Some(CI_USER), PUBLISH, REPOSITORY), Decision::Deny);
        assert_eq!(decide(&deny, Some(CI_USER), READ, REPOSITORY), Decision::NotApplicable);
    }

    #[test]
    fn action_wildcards() {
        let describe = policy(json!({"Effect": "Allow", "Principal": "*", "Action": "codeartifact:Describe*"}));
        assert_eq!(decide(&describe, None, "codeartifact:DescribeRepository", REPOSITORY), Decision::Allow);
        assert_eq!(decide(&describe, None, "codeartifact:DescribePackageVersion", REPOSITORY), Decision::Allow);
        assert_eq!(decide(&describe, None, "codeartifact:Describe", REPOSITORY), Decision::Allow);
        assert_eq!(decide(&describe, None, "codeartifact:GetRepositoryEndpoint", REPOSITORY), Decision::NotApplicable);
        assert_eq!(decide(&describe, None, "sts:DescribeRepository", REPOSITORY), Decision::NotApplicable);

        let service = policy(json!({"Effect": "Allow", "Principal": "*", "Action": "codeartifact:*"}));
        assert_eq!(decide(&service, None, PUBLISH, REPOSITORY), Decision::Allow);
        assert_eq!(decide(&service, None, "sts:GetServiceBearerToken", REPOSITORY), Decision::NotApplicable);

        let everything = policy(json!({"Effect": "Allow", "Principal": "*", "Action": "*"}));
        assert_eq!(decide(&everything, None, PUBLISH, REPOSITORY), Decision::Allow);
        assert_eq!(decide(&everything, None, "sts:GetServiceBearerToken", REPOSITORY), Decision::Allow);

        let one_character = policy(json!({"Effect": "Allow", "Principal": "*", "Action": "codeartifact:?istPackages"}));
        assert_eq!(decide(&one_character, None, "codeartifact:ListPackages", REPOSITORY), Decision::Allow);
        assert_eq!(decide(&one_character, None, "codeartifact:istPackages", REPOSITORY), Decision::NotApplicable);
    }

    #[test]
    fn actions_match_without_regard_to_case() {
        let exact = policy(json!({"Effect": "Allow", "Principal": "*", "Action": "CODEARTIFACT:readfromrepository"}));
        assert_eq!(decide(&exact, None, READ, REPOSITORY), Decision::Allow);
        assert_eq!(decide(&exact, None, "codeartifact:READFROMREPOSITORY", REPOSITORY), Decision::Allow);
        let wildcard = policy(json!({"Effect": "Allow", "Principal": "*", "Action": "codeartifact:describe*"}));
        assert_eq!(decide(&wildcard, None, "codeartifact:DescribeDomain", REPOSITORY), Decision::Allow);
        assert_eq!(decide(&wildcard, None, "codeartifact:ListPackages", REPOSITORY), Decision::NotApplicable);
    }

    // Resources.

    #[test]
    fn resources_match_case_sensitively() {
        let policy = policy(json!({
            "Effect": "Allow", "Principal": "*", "Action": READ,
            "Resource": "arn:aws:codeartifact:us-east-1:123456789012:repository/acme/Release"
        }));
        assert_eq!(decide(&policy, None, READ, REPOSITORY), Decision::NotApplicable);
        let upper = "arn:aws:codeartifact:us-east-1:123456789012:repository/acme/Release";
        assert_eq!(decide(&policy, None, READ, upper), Decision::Allow);
    }

    #[test]
    fn resource_wildcards() {
        let policy = policy(json!({
            "Effect": "Allow", "Principal": "*", "Action": READ,
            "Resource": [
                "arn:aws:codeartifact:us-east-1:123456789012:repository/acme/*",
                "arn:aws:codeartifact:*:123456789012:repository/tools/v?"
            ]
        }));
        let repository = |name: &str| format!("arn:aws:codeartifact:us-east-1:123456789012:repository/{name}");
        assert_eq!(decide(&policy, None, READ, REPOSITORY), Decision::Allow);
        assert_eq!(decide(&policy, None, READ, &repository("acme/")), Decision::Allow);
        assert_eq!(decide(&policy, None, READ, &repository("tools/v1")), Decision::Allow);
        assert_eq!(decide(&policy, None, READ, &repository("tools/v10")), Decision::NotApplicable);
        assert_eq!(decide(&policy, None, READ, &repository("tools/v")), Decision::NotApplicable);
        assert_eq!(decide(&policy, None, READ, &repository("other/release")), Decision::NotApplicable);
        assert_eq!(decide(&policy, None, READ, DOMAIN), Decision::NotApplicable);
    }

    #[test]
    fn not_resource_applies_to_every_other_resource() {
        let policy = policy(json!({"Effect": "Deny", "Principal": "*", "Action": "*", "NotResource": REPOSITORY}));
        assert_eq!(decide(&policy, Some(CI_USER), READ, REPOSITORY), Decision::NotApplicable);
        assert_eq!(decide(&policy, Some(CI_USER), READ, DOMAIN), Decision::Deny);
    }

    #[test]
    fn without_resource_a_statement_applies_to_every_resource() {
        let policy = policy(json!({"Effect": "Allow", "Principal": "*", "Action": READ}));
        assert_eq!(decide(&policy, None, READ, REPOSITORY), Decision::Allow);
        assert_eq!(decide(&policy, None, READ, DOMAIN), Decision::Allow);
        assert_eq!(decide(&policy, None, READ, "anything at all"), Decision::Allow);
    }

    // Principals.

    #[test]
    fn principal_star_is_everyone_anonymous_included() {
        for principal in [json!("*"), json!({"AWS": "*"}), json!({"AWS": [CI_USER, "*"]})] {
            let policy = policy(json!({"Effect": "Allow", "Principal": principal, "Action": READ}));
            for caller in [None, Some(CI_USER), Some(OTHER_ACCOUNT_USER)] {
                assert_eq!(decide(&policy, caller, READ, REPOSITORY), Decision::Allow, "{principal} {caller:?}");
            }
        }
    }

    #[test]
    fn an_account_id_or_root_is_every_authenticated_principal_of_the_account() {
        for principal in [ACCOUNT, ROOT] {
            let policy = policy(json!({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": READ}));
            for caller in [CI_USER, BUILD_USER, DEPLOY_ROLE, ROOT] {
                assert_eq!(decide(&policy, Some(caller), READ, REPOSITORY), Decision::Allow, "{principal} {caller}");
            }
            assert_eq!(decide(&policy, Some(OTHER_ACCOUNT_USER), READ, REPOSITORY), Decision::NotApplicable);
            assert_eq!(decide(&policy, None, READ, REPOSITORY), Decision::NotApplicable, "anonymous");
        }
    }

    #[test]
    fn another_accounts_root_does_not_match() {
        let policy = policy(json!({
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": READ
        }));
        assert_eq!(decide(&policy, Some(CI_USER), READ, REPOSITORY), Decision::NotApplicable);
        assert_eq!(decide(&policy, Some(OTHER_ACCOUNT_USER), READ, REPOSITORY), Decision::Allow);
    }

    #[test]
    fn a_user_or_role_arn_matches_that_principal_exactly() {
        let policy = policy(json!({"Effect": "Allow", "Principal": {"AWS": [CI_USER, DEPLOY_ROLE]}, "Action": READ}));
        assert_eq!(decide(&policy, Some(CI_USER), READ, REPOSITORY), Decision::Allow);
        assert_eq!(decide(&policy, Some(DEPLOY_ROLE), READ, REPOSITORY), Decision::Allow);
        assert_eq!(decide(&policy, Some(BUILD_USER), READ, REPOSITORY), Decision::NotApplicable);
        assert_eq!(decide(&policy, Some(ROOT), READ, REPOSITORY), Decision::NotApplicable);
        assert_eq!(
            decide(&policy, Some("arn:aws:iam::123456789012:user/CI"), READ, REPOSITORY),
            Decision::NotApplicable
        );
        assert_eq!(decide(&policy, Some(OTHER_ACCOUNT_USER), READ, REPOSITORY), Decision::NotApplicable);
        assert_eq!(decide(&policy, None, READ, REPOSITORY), Decision::NotApplicable);
    }

    #[test]
    fn anonymous_callers_are_matched_only_by_star() {
        let named = policy(json!({
            "Effect": "Allow", "Principal": {"AWS": [ACCOUNT, ROOT, CI_USER]}, "Action": "*"
        }));
        assert_eq!(decide(&named, None, READ, REPOSITORY), Decision::NotApplicable);
        let everyone = policy(json!({"Effect": "Allow", "Principal": "*", "Action": "*"}));
        assert_eq!(decide(&everyone, None, READ, REPOSITORY), Decision::Allow);
    }

    // Conditions.

    #[test]
    fn string_equals_and_its_negation() {
        let equals = json!({"StringEquals": {"aws:PrincipalAccount": [ACCOUNT, "111111111111"]}});
        assert!(holds(&equals, Some(CI_USER)));
        assert!(!holds(&equals, Some(OTHER_ACCOUNT_USER)));
        let not_equals = json!({"StringNotEquals": {"aws:PrincipalAccount": [ACCOUNT, "111111111111"]}});
        assert!(!holds(&not_equals, Some(CI_USER)));
        assert!(holds(&not_equals, Some(OTHER_ACCOUNT_USER)));
        // Exact: no wildcards, and case matters.
        assert!(!holds(
            &json!({"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/*"}}),
            Some(CI_USER)
        ));
        assert!(!holds(
            &json!({"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/CI"}}),
            Some(CI_USER)
        ));
        assert!(holds(&json!({"StringEquals": {"aws:PrincipalArn": CI_USER}}), Some(CI_USER)));
    }

    #[test]
    fn string_equals_ignore_case_and_its_negation() {
        let equals = json!({"StringEqualsIgnoreCase": {"aws:username": "CI"}});
        assert!(holds(&equals, Some(CI_USER)));
        assert!(!holds(&equals, Some(BUILD_USER)));
        let not_equals = json!({"StringNotEqualsIgnoreCase": {"aws:username": "CI"}});
        assert!(!holds(&not_equals, Some(CI_USER)));
        assert!(holds(&not_equals, Some(BUILD_USER)));
        assert!(holds(&json!({"StringEqualsIgnoreCase": {"aws:username": "BUILD"}}), Some(BUILD_USER)));
    }

    #[test]
    fn string_like_and_its_negation() {
        let like = json!({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/*"}});
        assert!(holds(&like, Some(CI_USER)));
        assert!(holds(&like, Some(BUILD_USER)));
        assert!(!holds(&like, Some(DEPLOY_ROLE)));
        assert!(!holds(&like, Some(OTHER_ACCOUNT_USER)));
        let not_like = json!({"StringNotLike": {"aws:PrincipalArn": ["*:role/*", "*:root"]}});
        assert!(holds(&not_like, Some(CI_USER)));
        assert!(!holds(&not_like, Some(DEPLOY_ROLE)));
        assert!(!holds(&not_like, Some(ROOT)));
        // Case-sensitive, and `?` is one character.
        assert!(!holds(&json!({"StringLike": {"aws:username": "C*"}}), Some(CI_USER)));
        assert!(holds(&json!({"StringLike": {"aws:username": "c?"}}), Some(CI_USER)));
        assert!(!holds(&json!({"StringLike": {"aws:username": "c??"}}), Some(CI_USER)));
    }

    #[test]
    fn arn_operators_compare_part_by_part() {
        for operator in ["ArnEquals", "ArnLike"] {
            let any_user = json!({operator: {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}});
            assert!(holds(&any_user, Some(CI_USER)), "{operator}");
            assert!(holds(&any_user, Some(OTHER_ACCOUNT_USER)), "{operator}");
            assert!(!holds(&any_user, Some(DEPLOY_ROLE)), "{operator}");
            let exact = json!({operator: {"aws:PrincipalArn": CI_USER}});
            assert!(holds(&exact, Some(CI_USER)), "{operator}");
            assert!(!holds(&exact, Some(BUILD_USER)), "{operator}");
            // A `*` stands within one part: it does not take the colon to the next.
            let any_partition = json!({operator: {"aws:PrincipalArn": "arn:*:iam::123456789012:user/ci"}});
            assert!(holds(&any_partition, Some(CI_USER)), "{operator}");
            assert!(!holds(&any_partition, Some("arn:aws:x:iam::123456789012:user/ci")), "{operator}");
            // A value that is not an ARN never matches.
            let account = json!({operator: {"aws:PrincipalAccount": "arn:*:*:*:*:*"}});
            assert!(!holds(&account, Some(CI_USER)), "{operator}");
        }
        for operator in ["ArnNotEquals", "ArnNotLike"] {
            let not_role = json!({operator: {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/*"}});
            assert!(holds(&not_role, Some(CI_USER)), "{operator}");
            assert!(!holds(&not_role, Some(DEPLOY_ROLE)), "{operator}");
        }
    }

    #[test]
    fn bool_compares_without_regard_to_case_and_takes_json_booleans() {
        // No key known here is boolean; the comparison is the same on any value.
        let typed = json!({"Bool": {"aws:PrincipalType": "user"}});
        assert!(holds(&typed, Some(CI_USER)));
        assert!(!holds(&typed, Some(DEPLOY_ROLE)));
        assert!(!holds(&json!({"Bool": {"aws:SecureTransport": true}}), Some(CI_USER)));
        assert!(holds(&json!({"BoolIfExists": {"aws:SecureTransport": true}}), Some(CI_USER)));
    }

    #[test]
    fn numbers_and_booleans_are_compared_as_text() {
        assert!(holds(&json!({"StringEquals": {"aws:PrincipalAccount": 123456789012_u64}}), Some(CI_USER)));
        assert!(!holds(&json!({"StringEquals": {"aws:PrincipalAccount": 210987654321_u64}}), Some(CI_USER)));
        assert!(!holds(&json!({"StringEquals": {"aws:username": false}}), Some(CI_USER)));
        assert!(holds(&json!({"StringNotEquals": {"aws:username": [false, 7]}}), Some(CI_USER)));
    }

    #[test]
    fn absent_keys_fail_positive_operators_and_pass_negated_ones() {
        // An anonymous caller has no principal ARN, account or user name.
        for key in ["aws:PrincipalArn", "aws:PrincipalAccount", "aws:username", "aws:SourceIp"] {
            for positive in ["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "Bool"] {
                let value = if positive.starts_with("Arn") { "arn:*:*:*:*:*" } else { "*" };
                assert!(!holds(&json!({positive: {key: value}}), None), "{positive} {key}");
                let if_exists = format!("{positive}IfExists");
                assert!(holds(&json!({if_exists.as_str(): {key: value}}), None), "{if_exists} {key}");
            }
            for negated in [
                "StringNotEquals",
                "StringNotEqualsIgnoreCase",
                "StringNotLike",
                "ArnNotEquals",
                "ArnNotLike",
                "StringNotEqualsIfExists",
                "ArnNotLikeIfExists",
            ] {
                assert!(holds(&json!({negated: {key: "arn:*:*:*:*:*"}}), None), "{negated} {key}");
            }
        }
        // A user name exists for users only.
        assert!(!holds(&json!({"StringLike": {"aws:username": "*"}}), Some(DEPLOY_ROLE)));
        assert!(holds(&json!({"StringLike": {"aws:username": "*"}}), Some(CI_USER)));
    }

    #[test]
    fn if_exists_compares_a_present_key_as_usual() {
        let equals = json!({"StringEqualsIfExists": {"aws:PrincipalAccount": ACCOUNT}});
        assert!(holds(&equals, Some(CI_USER)));
        assert!(!holds(&equals, Some(OTHER_ACCOUNT_USER)));
        assert!(holds(&equals, None));
        let not_like = json!({"StringNotLikeIfExists": {"aws:PrincipalArn": "*:role/*"}});
        assert!(holds(&not_like, Some(CI_USER)));
        assert!(!holds(&not_like, Some(DEPLOY_ROLE)));
    }

    #[test]
    fn the_principal_keys() {
        let user_name = |arn| ConditionKey::Username.value(&request(Some(arn), READ, REPOSITORY));
        assert_eq!(user_name(CI_USER), Some("ci"));
        assert_eq!(user_name(BUILD_USER), Some("build"));
        assert_eq!(user_name(DEPLOY_ROLE), None);
        assert_eq!(user_name(ROOT), None);

        let principal_type = |arn| ConditionKey::PrincipalType.value(&request(arn, READ, REPOSITORY));
        assert_eq!(principal_type(Some(CI_USER)), Some("User"));
        assert_eq!(principal_type(Some(DEPLOY_ROLE)), Some("AssumedRole"));
        assert_eq!(principal_type(Some("arn:aws:sts::123456789012:assumed-role/deploy/session")), Some("AssumedRole"));
        assert_eq!(principal_type(Some(ROOT)), Some("Account"));
        assert_eq!(principal_type(None), Some("Anonymous"));

        let anonymous = json!({"StringEquals": {"aws:PrincipalType": "Anonymous"}});
        assert!(holds(&anonymous, None));
        assert!(!holds(&anonymous, Some(CI_USER)));
        assert!(holds(&json!({"StringEquals": {"aws:PrincipalType": "Account"}}), Some(ROOT)));
        assert!(holds(&json!({"StringEquals": {"aws:PrincipalArn": DEPLOY_ROLE}}), Some(DEPLOY_ROLE)));
    }

    #[test]
    fn condition_key_names_are_compared_without_regard_to_case() {
        assert!(holds(&json!({"StringEquals": {"AWS:PRINCIPALACCOUNT": ACCOUNT}}), Some(CI_USER)));
        assert!(holds(&json!({"StringEquals": {"aws:UserName": "ci"}}), Some(CI_USER)));
    }

    #[test]
    fn unknown_condition_keys_are_accepted_and_never_have_a_value() {
        let unknown = json!({"StringEquals": {"aws:SourceVpc": "vpc-1"}});
        assert!(!holds(&unknown, Some(CI_USER)));
        assert!(holds(&json!({"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}), Some(CI_USER)));
    }

    #[test]
    fn every_condition_must_hold_and_any_value_will_do() {
        let both = json!({
            "StringEquals": {"aws:PrincipalAccount": ACCOUNT, "aws:PrincipalType": "User"},
            "StringLike": {"aws:username": ["b*", "c*"]}
        });
        assert!(holds(&both, Some(CI_USER)));
        assert!(holds(&both, Some(BUILD_USER)));
        assert!(!holds(&both, Some(DEPLOY_ROLE)), "not a user");
        assert!(!holds(&both, Some(OTHER_ACCOUNT_USER)), "another account");
        assert!(!holds(&both, Some("arn:aws:iam::123456789012:user/deployer")), "no name matches");
    }

    #[test]
    fn a_condition_restricts_a_deny_too() {
        let policy = parse(&json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "*"},
            {
                "Effect": "Deny", "Principal": "*", "Action": PUBLISH,
                "Condition": {"StringNotEquals": {"aws:PrincipalType": "User"}}
            }
        ]}));
        assert_eq!(decide(&policy, Some(CI_USER), PUBLISH, REPOSITORY), Decision::Allow);
        assert_eq!(decide(&policy, Some(DEPLOY_ROLE), PUBLISH, REPOSITORY), Decision::Deny);
        assert_eq!(decide(&policy, None, PUBLISH, REPOSITORY), Decision::Deny);
        assert_eq!(decide(&policy, None, READ, REPOSITORY), Decision::Allow);
    }

    // The pattern matcher itself.

    #[test]
    fn glob_matching() {
        let cases = [
            ("", "", true),
            ("", "a", false),
            ("*", "", true),
            ("*", "anything", true),
            ("**", "x", true),
            ("a*", "a", true),
            ("a*", "ba", false),
            ("*a", "bba", true),
            ("*a", "ab", false),
            ("a*b*c", "abc", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "acb", false),
            ("*ab", "aab", true),
            ("*ab*ab", "abab", true),
            ("*ab*ab", "abaab", true),
            ("*ab*ab", "aba", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "aéc", true),
            ("?", "é", true),
            ("??", "é", false),
            ("*?", "", false),
            ("é*ß", "éxyzß", true),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(Glob::wildcard(pattern, false).matches(text), expected, "{pattern:?} against {text:?}");
        }
        assert!(Glob::wildcard("ÉCOLE*", true).matches("école/x"));
        assert!(!Glob::wildcard("ÉCOLE*", false).matches("école/x"));
        assert!(Glob::literal("a*?", false).matches("a*?"));
        assert!(!Glob::literal("a*?", false).matches("abc"));
    }

    // Parse errors.

    #[test]
    fn the_size_limit_is_7168_characters() {
        let padded = |length: usize| {
            let base = json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "", "Effect": "Allow", "Principal": "*", "Action": READ}
            ]})
            .to_string();
            let padding = "é".repeat(length - base.chars().count());
            let text = base.replacen("\"Sid\":\"\"", &format!("\"Sid\":\"{padding}\""), 1);
            assert_eq!(text.chars().count(), length);
            text
        };
        let longest = padded(MAX_POLICY_CHARS);
        assert!(longest.len() > MAX_POLICY_CHARS, "more bytes than characters");
        let policy = PolicyDocument::parse(&longest).expect("7168 characters are accepted");
        assert_eq!(decide(&policy, None, READ, REPOSITORY), Decision::Allow);
        let message = refusal(&padded(MAX_POLICY_CHARS + 1));
        assert!(message.contains("7169 characters") && message.contains("7168"), "{message}");
    }

    #[test]
    fn a_document_that_is_not_a_json_object_is_refused() {
        let message = refusal("{\"Statement\": [");
        assert!(message.contains("not valid JSON"), "{message}");
        let message = refusal("[]");
        assert!(message.contains("must be a JSON object"), "{message}");
    }

    #[test]
    fn versions() {
        let statement = json!({"Effect": "Allow", "Principal": "*", "Action": READ});
        for version in ["2012-10-17", "2008-10-17"] {
            parse(&json!({"Version": version, "Statement": statement}));
        }
        parse(&json!({"Statement": statement}));
        let message = refusal(&json!({"Version": "2020-01-01", "Statement": statement}).to_string());
        assert!(message.contains("Version") && message.contains("\"2020-01-01\""), "{message}");
        let message = refusal(&json!({"Version": 2012, "Statement": statement}).to_string());
        assert!(message.contains("Version") && message.contains("2012"), "{message}");
    }

    #[test]
    fn the_top_level_keys() {
        let statement = json!({"Effect": "Allow", "Principal": "*", "Action": READ});
        parse(&json!({"Id": "policy-1", "Statement": statement}));
        let message = refusal(&json!({"Statement": statement, "Statements": []}).to_string());
        assert!(message.contains("unknown key \"Statements\""), "{message}");
        let message = refusal(&json!({"Id": 1, "Statement": statement}).to_string());
        assert!(message.contains("Id must be a string"), "{message}");
    }

    #[test]
    fn statement_must_be_an_object_or_a_non_empty_array_of_objects() {
        let message = refusal(&json!({"Version": "2012-10-17"}).to_string());
        assert!(message.contains("no Statement"), "{message}");
        let message = refusal(&json!({"Statement": []}).to_string());
        assert!(message.contains("Statement is an empty array"), "{message}");
        let message = refusal(&json!({"Statement": "Allow everything"}).to_string());
        assert!(message.contains("Statement must be an object or an array of objects"), "{message}");
        let valid = json!({"Effect": "Allow", "Principal": "*", "Action": READ});
        let message = refusal(&json!({"Statement": [valid, "Deny"]}).to_string());
        assert!(message.contains("statement 2 must be an object"), "{message}");
    }

    #[test]
    fn errors_name_the_statement_by_sid_or_by_number() {
        let valid = json!({"Effect": "Allow", "Principal": "*", "Action": READ});
        let message = refusal(
            &json!({"Statement": [valid, {"Sid": "Publishers", "Effect": "allow", "Principal": "*", "Action": READ}]})
                .to_string(),
        );
        assert!(message.starts_with("statement 2 (\"Publishers\"): "), "{message}");
        let message = refusal(
            &json!({"Statement": [valid, valid, {"Effect": "Maybe", "Principal": "*", "Action": READ}]}).to_string(),
        );
        assert!(message.starts_with("statement 3: "), "{message}");
        let message = refusal(
            &json!({"Statement": [{"Sid": 7, "Effect": "Allow", "Principal": "*", "Action": READ}]}).to_string(),
        );
        assert!(message.contains("statement 1: Sid must be a string"), "{message}");
    }

    #[test]
    fn effect_must_be_allow_or_deny_in_that_case() {
        let message = statement_refusal(json!({"Effect": "allow", "Principal": "*", "Action": READ}));
        assert!(message.contains("Effect must be \"Allow\" or \"Deny\", not \"allow\""), "{message}");
        let message = statement_refusal(json!({"Principal": "*", "Action": READ}));
        assert!(message.contains("Effect is missing"), "{message}");
    }

    #[test]
    fn principal_errors() {
        let message = statement_refusal(json!({"Effect": "Allow", "Action": READ}));
        assert!(message.contains("Principal is missing"), "{message}");
        let message = statement_refusal(json!({"Effect": "Deny", "NotPrincipal": {"AWS": CI_USER}, "Action": READ}));
        assert!(message.contains("NotPrincipal is not supported; name the principals in Principal"), "{message}");
        let message = statement_refusal(json!({
            "Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": READ
        }));
        assert!(message.contains("\"Service\"") && message.contains("only AWS principals are supported"), "{message}");
        let message = statement_refusal(json!({
            "Effect": "Allow", "Principal": {"AWS": ACCOUNT, "Federated": "cognito-identity.amazonaws.com"}, "Action": READ
        }));
        assert!(
            message.contains("\"Federated\"") && message.contains("only AWS principals are supported"),
            "{message}"
        );
        let message = statement_refusal(json!({"Effect": "Allow", "Principal": CI_USER, "Action": READ}));
        assert!(message.contains("Principal must be \"*\" or an object") && message.contains(CI_USER), "{message}");
        let message = statement_refusal(json!({"Effect": "Allow", "Principal": {}, "Action": READ}));
        assert!(message.contains("Principal is empty"), "{message}");
        let message = statement_refusal(json!({"Effect": "Allow", "Principal": {"AWS": []}, "Action": READ}));
        assert!(message.contains("AWS principal is an empty array"), "{message}");
        for shape in ["ci", "12345678901", "1234567890123", "user/ci"] {
            let message =
                statement_refusal(json!({"Effect": "Allow", "Principal": {"AWS": [ACCOUNT, shape]}, "Action": READ}));
            assert!(message.contains(&format!("the AWS principal \"{shape}\" is neither")), "{message}");
        }
    }

    #[test]
    fn action_errors() {
        let message = statement_refusal(json!({"Effect": "Allow", "Principal": "*"}));
        assert!(message.contains("Action is missing"), "{message}");
        let message =
            statement_refusal(json!({"Effect": "Allow", "Principal": "*", "Action": READ, "NotAction": PUBLISH}));
        assert!(message.contains("both Action and NotAction"), "{message}");
        for action in ["ReadFromRepository", "codeartifact:Read:FromRepository", "codeartifact:", ":Read", "**"] {
            let message = statement_refusal(json!({"Effect": "Allow", "Principal": "*", "Action": [READ, action]}));
            assert!(message.contains(&format!("the action \"{action}\" must be")), "{message}");
        }
        let message = statement_refusal(json!({"Effect": "Allow", "Principal": "*", "NotAction": [READ, 5]}));
        assert!(message.contains("NotAction must be a string or an array of strings, not 5"), "{message}");
        let message = statement_refusal(json!({"Effect": "Allow", "Principal": "*", "Action": []}));
        assert!(message.contains("Action is an empty array"), "{message}");
    }

    #[test]
    fn resource_errors() {
        let message = statement_refusal(json!({
            "Effect": "Allow", "Principal": "*", "Action": READ, "Resource": "*", "NotResource": REPOSITORY
        }));
        assert!(message.contains("both Resource and NotResource"), "{message}");
        let message = statement_refusal(
            json!({"Effect": "Allow", "Principal": "*", "Action": READ, "Resource": {"arn": REPOSITORY}}),
        );
        assert!(message.contains("Resource must be a string or an array of strings"), "{message}");
    }

    #[test]
    fn unknown_statement_keys_are_refused() {
        let message = statement_refusal(json!({"Effect": "Allow", "Principal": "*", "Action": READ, "Resources": "*"}));
        assert!(message.contains("unknown key \"Resources\""), "{message}");
    }

    #[test]
    fn condition_errors() {
        let refuse = |condition: Value| {
            statement_refusal(json!({"Effect": "Allow", "Principal": "*", "Action": READ, "Condition": condition}))
        };
        for operator in
            ["NumericEquals", "ForAnyValue:StringEquals", "Null", "stringequals", "IfExists", "DateGreaterThan"]
        {
            let message = refuse(json!({operator: {"aws:PrincipalAccount": ACCOUNT}}));
            assert!(message.contains(&format!("the condition operator \"{operator}\" is not supported")), "{message}");
            assert!(message.contains("StringEquals, StringNotEquals"), "lists the supported: {message}");
        }
        let message = refuse(json!(["StringEquals"]));
        assert!(message.contains("Condition must be an object"), "{message}");
        let message = refuse(json!({"StringEquals": "aws:PrincipalAccount"}));
        assert!(message.contains("\"StringEquals\" must map to an object of keys"), "{message}");
        let message = refuse(json!({"StringLike": {}}));
        assert!(message.contains("\"StringLike\" names no keys"), "{message}");
        let message = refuse(json!({"StringEquals": {"aws:PrincipalAccount": []}}));
        assert!(message.contains("StringEquals of \"aws:PrincipalAccount\" is an empty array"), "{message}");
        let message = refuse(json!({"StringEquals": {"aws:PrincipalAccount": [ACCOUNT, null]}}));
        assert!(message.contains("StringEquals of \"aws:PrincipalAccount\": a value must be a string"), "{message}");
        let message = refuse(json!({"StringEquals": {"aws:PrincipalAccount": {"is": ACCOUNT}}}));
        assert!(message.contains("a value must be a string, a boolean or a number"), "{message}");
        let message = refuse(json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*"}}));
        assert!(message.contains("ArnLike of \"aws:PrincipalArn\": \"arn:aws:iam::*\" is not an ARN"), "{message}");
    }

    // Combining policies.

    #[test]
    fn combine_deny_wins_then_allow() {
        use Decision::{Allow, Deny, NotApplicable};
        let table = [
            (Deny, Deny, Deny),
            (Deny, Allow, Deny),
            (Deny, NotApplicable, Deny),
            (Allow, Deny, Deny),
            (Allow, Allow, Allow),
            (Allow, NotApplicable, Allow),
            (NotApplicable, Deny, Deny),
            (NotApplicable, Allow, Allow),
            (NotApplicable, NotApplicable, NotApplicable),
        ];
        for (first, second, combined) in table {
            assert_eq!(first.combine(second), combined, "{first:?} and {second:?}");
        }
    }

    #[test]
    fn the_errors_display_their_message() {
        let error = PolicyDocument::parse("{}").expect_err("no Statement");
        assert_eq!(error.to_string(), error.0);
        assert_eq!(error.0, "the policy document has no Statement");
    }
}
