//! The small JSON documents of the npm registry API besides packuments
//! (<https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md>), as the npm CLI reads them:
//!
//! - errors: `{"error": "<message>"}`; `npm-registry-fetch` prints
//!   `<status> <status text> - <METHOD> <url> - <error>`;
//! - `npm login` / `npm adduser` in legacy mode (`--auth-type=legacy`, or after `POST /-/v1/login`
//!   answers 4xx/500, which makes npm fall back): `PUT /-/user/org.couchdb.user:{name}` with
//!   `{_id: "org.couchdb.user:{name}", name, password, type: "user", roles: [], date}` (plus
//!   `email` for adduser); npm reads `token` from the answer (201). On 409 it `GET`s the user
//!   document and retries at `.../-rev/{rev}`; do not answer 409;
//! - `npm whoami`: `GET /-/whoami` → `{"username": "..."}`; `npm ping`: `GET /-/ping` → `{}`;
//! - `npm search`: `GET /-/v1/search?text=...&size=...&from=...` →
//!   `{"objects": [{"package": {...}, "score": {...}, "searchScore": n}], "total": n, "time": "..."}`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::NpmError;
use tributary_engine::{SyncTask, TokenRecord};

/// `{"error": message}`, the body of every npm error answer.
pub fn render_error(message: &str) -> Vec<u8> {
    to_vec(&json!({ "error": message }))
}

/// A legacy login: the user name and password from `PUT /-/user/org.couchdb.user:{name}`.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginRequest {
    /// The user name (for us: an access key id).
    pub name: String,
    /// The password (for us: the secret access key).
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    /// Never prints the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest").field("name", &self.name).field("password", &"<redacted>").finish()
    }
}

#[derive(Deserialize)]
struct RawLogin {
    name: Option<String>,
    password: Option<String>,
}

const LOGIN_BODY: &str = "the login request body";

/// Reads a legacy login. `user_segment` is the last path segment, `org.couchdb.user:{name}`
/// (percent-decoded or not); the body's `name` must match it.
pub fn parse_login(user_segment: &str, body: &[u8]) -> Result<LoginRequest, NpmError> {
    let decoded = percent_encoding::percent_decode_str(user_segment).decode_utf8_lossy();
    let path_name = decoded.strip_prefix("org.couchdb.user:").ok_or_else(|| {
        NpmError::document("the login path", format!("`{user_segment}` is not of the form `org.couchdb.user:NAME`"))
    })?;
    let raw: RawLogin = serde_json::from_slice(body)
        .map_err(|err| NpmError::document(LOGIN_BODY, format!("it is not the JSON npm sends ({err})")))?;
    let name = raw.name.filter(|n| !n.is_empty()).ok_or_else(|| NpmError::document(LOGIN_BODY, "it has no `name`"))?;
    if name != path_name {
        return Err(NpmError::document(
            LOGIN_BODY,
            format!("the path names the user `{path_name}` but the body names `{name}`"),
        ));
    }
    let password = raw.password.filter(|p| !p.is_empty()).ok_or_else(|| {
        NpmError::document(LOGIN_BODY, "it has no `password`; log in with `npm login --auth-type=legacy`")
    })?;
    Ok(LoginRequest { name, password })
}

/// The answer to a successful legacy login (send it with status 201): npm saves `token`.
pub fn render_login(name: &str, token: &str) -> Vec<u8> {
    to_vec(&json!({ "ok": true, "id": format!("org.couchdb.user:{name}"), "token": token }))
}

/// The answer to `POST /-/v1/login` (npm's web login) of the endpoint at `endpoint`: the page
/// the person signs in on, and the URL npm polls until then.
pub fn render_web_login(endpoint: &str, login_id: &str, done_secret: &str) -> Vec<u8> {
    to_vec(&json!({
        "loginUrl": format!("{endpoint}/-/v1/login/{login_id}"),
        "doneUrl": format!("{endpoint}/-/v1/done/{done_secret}"),
    }))
}

/// The answer of the polled URL once the person signed in: npm saves `token`.
pub fn render_web_login_token(token: &str) -> Vec<u8> {
    to_vec(&json!({ "token": token }))
}

/// One token as `npm token list` reads it: `key` is its id (npm revokes by a prefix of it),
/// `token` what npm shows of it (the id's start: the value is not kept).
fn token_object(t: &TokenRecord) -> Value {
    json!({
        "key": t.id,
        "token": t.id.chars().take(6).collect::<String>(),
        "name": t.name.clone().unwrap_or_else(|| t.kind.clone()),
        "readonly": t.read_only,
        "automation": false,
        "cidr_whitelist": null,
        "created": t.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "updated": t.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "expires": t.expires_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    })
}

/// The answer to `GET /-/npm/v1/tokens`: one page, all of them.
pub fn render_tokens(tokens: &[TokenRecord]) -> Vec<u8> {
    let objects: Vec<Value> = tokens.iter().map(token_object).collect();
    to_vec(&json!({ "objects": objects, "total": tokens.len(), "urls": {} }))
}

/// The answer to `POST /-/npm/v1/tokens`: the new token, its value shown this once.
pub fn render_created_token(token: &str, record: &TokenRecord) -> Vec<u8> {
    let mut object = token_object(record);
    object["token"] = Value::String(token.to_owned());
    object["cidr_whitelist"] = json!([]);
    to_vec(&object)
}

/// What `npm token create` asks for.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenCreateRequest {
    /// The password: the principal's secret access key.
    pub password: String,
    /// Whether the token only reads (`--read-only` of older npm, or a read-only permission).
    pub read_only: bool,
    /// Its name (`--name`).
    pub name: Option<String>,
}

impl std::fmt::Debug for TokenCreateRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCreateRequest")
            .field("read_only", &self.read_only)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

const TOKEN_BODY: &str = "the `npm token create` body";

/// Parses `POST /-/npm/v1/tokens`. An IP allow-list is refused (not enforced here).
pub fn parse_token_create(body: &[u8]) -> Result<TokenCreateRequest, NpmError> {
    #[derive(Deserialize)]
    struct Raw {
        password: Option<String>,
        readonly: Option<bool>,
        name: Option<String>,
        packages_and_scopes_permission: Option<String>,
        cidr_whitelist: Option<Vec<String>>,
    }
    let raw: Raw = serde_json::from_slice(body).map_err(|e| NpmError::document(TOKEN_BODY, e.to_string()))?;
    if raw.cidr_whitelist.is_some_and(|list| !list.is_empty()) {
        return Err(NpmError::document(
            TOKEN_BODY,
            "IP allow-lists (`--cidr`) are not supported here; create the token without one",
        ));
    }
    let password = raw.password.filter(|p| !p.is_empty()).ok_or_else(|| {
        NpmError::document(
            TOKEN_BODY,
            "it has no `password`: give your secret access key when npm asks for the password",
        )
    })?;
    let read_only = raw.readonly == Some(true) || raw.packages_and_scopes_permission.as_deref() == Some("read-only");
    Ok(TokenCreateRequest { password, read_only, name: raw.name.filter(|n| !n.is_empty()) })
}

/// A sync task as cnpmcore answers for it: `{"ok": true, "id", "type": "sync_package", "state"}`
/// (`state`: `waiting`, `processing`, `success` or `fail`).
pub fn render_sync(task: &SyncTask) -> Vec<u8> {
    to_vec(&json!({
        "ok": true,
        "id": task.id,
        "type": "sync_package",
        "state": task.state.as_str(),
        "attempts": task.attempts,
        "createdAt": task.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "updatedAt": task.updated_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    }))
}

/// The versions a `PUT .../syncs` asks for, as the engine's sync selectors: cnpmcore's
/// `specificVersions`, and (Tributary's) a `range` (`range:^1.2.0`) and a dist-`tag`
/// (`tag:latest`); empty for all. An empty body asks for all.
pub fn parse_sync(body: &[u8]) -> Result<Vec<String>, NpmError> {
    /// cnpmcore documents `specificVersions` as a JSON array in a string; an array is taken too.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Versions {
        List(Vec<String>),
        Text(String),
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Raw {
        specific_versions: Option<Versions>,
        range: Option<String>,
        tag: Option<String>,
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let bad = |e: String| NpmError::document("the sync request", e);
    let raw: Raw = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
    let mut selectors = match raw.specific_versions {
        None => Vec::new(),
        Some(Versions::List(list)) => list,
        Some(Versions::Text(text)) => serde_json::from_str(&text)
            .map_err(|e| bad(format!("`specificVersions` is not a JSON array of versions: {e}")))?,
    };
    selectors.extend(raw.range.map(|range| format!("range:{range}")));
    selectors.extend(raw.tag.map(|tag| format!("tag:{tag}")));
    Ok(selectors)
}

/// The answer to `GET /-/whoami`.
pub fn render_whoami(username: &str) -> Vec<u8> {
    to_vec(&json!({ "username": username }))
}

/// The answer to `GET /-/ping`.
pub fn render_ping() -> Vec<u8> {
    b"{}".to_vec()
}

/// One package in a search answer.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The full name, `@scope/name` or `name`.
    pub name: String,
    /// The latest version.
    pub version: String,
    /// Its description.
    pub description: Option<String>,
    /// Its keywords.
    pub keywords: Vec<String>,
    /// When it was published.
    pub date: DateTime<Utc>,
    /// Link for `links.npm` (e.g. the repository endpoint's packument URL).
    pub link: Option<String>,
}

/// The answer to `GET /-/v1/search`: `hits` is the requested page, `total` the number of matches.
/// Scores are constant (1.0): results keep the order given.
pub fn render_search(hits: &[SearchHit], total: usize, now: DateTime<Utc>) -> Vec<u8> {
    let objects: Vec<Value> = hits
        .iter()
        .map(|hit| {
            let scope = hit.name.strip_prefix('@').and_then(|rest| rest.split_once('/')).map_or("unscoped", |(s, _)| s);
            let mut links = serde_json::Map::new();
            if let Some(link) = &hit.link {
                links.insert("npm".to_owned(), Value::String(link.clone()));
            }
            json!({
                "package": {
                    "name": hit.name,
                    "scope": scope,
                    "version": hit.version,
                    "description": hit.description,
                    "keywords": hit.keywords,
                    "date": hit.date.to_rfc3339_opts(SecondsFormat::Millis, true),
                    "links": links,
                    "publisher": {},
                    "maintainers": [],
                },
                "score": {"final": 1.0, "detail": {"quality": 1.0, "popularity": 1.0, "maintenance": 1.0}},
                "searchScore": 1.0,
            })
        })
        .collect();
    to_vec(&json!({ "objects": objects, "total": total, "time": now.to_rfc3339_opts(SecondsFormat::Millis, true) }))
}

fn to_vec(value: &Value) -> Vec<u8> {
    // A `Value` always serializes.
    serde_json::to_vec(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_small_answers() {
        assert_eq!(render_error("the version `1.0.0` exists"), br#"{"error":"the version `1.0.0` exists"}"#);
        assert_eq!(render_whoami("AKIA1"), br#"{"username":"AKIA1"}"#);
        assert_eq!(render_ping(), b"{}");
        let login: Value = serde_json::from_slice(&render_login("AKIA1", "tok")).expect("json");
        assert_eq!(login["token"], "tok");
        assert_eq!(login["ok"], true);
    }

    #[test]
    fn sync_bodies() {
        assert_eq!(parse_sync(b"").expect("empty"), Vec::<String>::new());
        assert_eq!(parse_sync(br#"{"specificVersions":["1.0.0"]}"#).expect("a list"), ["1.0.0"]);
        // As cnpmcore documents it: a JSON array in a string.
        let text = br#"{"specificVersions":"[\"1.0.0\", \"1.0.1\"]","tips":"why"}"#;
        assert_eq!(parse_sync(text).expect("a string"), ["1.0.0", "1.0.1"]);
        let both = parse_sync(br#"{"range":"^1.2.0","tag":"next"}"#).expect("a range and a tag");
        assert_eq!(both, ["range:^1.2.0", "tag:next"]);
        assert!(parse_sync(br#"{"specificVersions":"1.0.0"}"#).is_err());
        assert!(parse_sync(b"[]").is_err());
    }

    #[test]
    fn login_bodies() {
        let body = br#"{"_id":"org.couchdb.user:AKIA1","name":"AKIA1","password":"s3cret","type":"user","roles":[],"date":"2024-01-01T00:00:00.000Z"}"#;
        let login = parse_login("org.couchdb.user:AKIA1", body).expect("valid");
        assert_eq!(login.name, "AKIA1");
        assert_eq!(login.password, "s3cret");
        assert!(!format!("{login:?}").contains("s3cret"));
        assert!(parse_login("org.couchdb.user%3AAKIA1", body).is_ok());
        assert!(parse_login("org.couchdb.user:other", body).is_err());
        assert!(parse_login("AKIA1", body).is_err());
        assert!(parse_login("org.couchdb.user:AKIA1", br#"{"name":"AKIA1"}"#).is_err());
        assert!(parse_login("org.couchdb.user:AKIA1", b"nope").is_err());
    }

    #[test]
    fn search_answer() {
        let date = DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z").expect("date").to_utc();
        let hits = [SearchHit {
            name: "@acme/lib".to_owned(),
            version: "1.2.0".to_owned(),
            description: Some("A lib".to_owned()),
            keywords: vec!["x".to_owned()],
            date,
            link: None,
        }];
        let doc: Value = serde_json::from_slice(&render_search(&hits, 7, date)).expect("json");
        assert_eq!(doc["total"], 7);
        assert_eq!(doc["objects"][0]["package"]["name"], "@acme/lib");
        assert_eq!(doc["objects"][0]["package"]["scope"], "acme");
        assert_eq!(doc["objects"][0]["package"]["date"], "2024-05-01T10:00:00.000Z");
    }
}
