//! `tributary principal create|list|rotate|delete`: manages the server's principals through its
//! API (the Tributary extension documented in docs/ARCHITECTURE.md, "Who may call what"),
//! signed with an administrator's access keys as the `aws` CLI signs (AWS Signature Version 4).
//!
//! The credentials and the server come from the same places the `aws` CLI reads them:
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION` and `AWS_ENDPOINT_URL`, or the
//! options.

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::profile::Server;

/// A server and the access key that signs requests to it.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The server, e.g. `http://127.0.0.1:8080`.
    pub endpoint_url: String,
    /// An access key id (an administrator's, to manage principals).
    pub access_key_id: String,
    /// Its secret access key.
    pub secret_access_key: String,
    /// The server's region.
    pub region: String,
}

/// `tributary principal ...`.
#[derive(Debug, Subcommand)]
pub enum PrincipalCommand {
    /// Create a principal with a new access key; its secret is printed this once.
    Create {
        /// Its name (1 to 64 of letters, digits and `+=,.@_-`).
        name: String,
        /// Make it an administrator (allowed everything, whatever the policies say).
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        connection: Server,
    },
    /// List the principals (never their secrets).
    List {
        #[command(flatten)]
        connection: Server,
    },
    /// Give a principal a new access key; the old one stops working. The secret is printed once.
    Rotate {
        /// The principal's name.
        name: String,
        #[command(flatten)]
        connection: Server,
    },
    /// Delete a principal: its key and its tokens stop working.
    Delete {
        /// The principal's name.
        name: String,
        #[command(flatten)]
        connection: Server,
    },
}

/// Runs one `tributary principal` command and prints the server's answer.
pub async fn run(command: PrincipalCommand) -> anyhow::Result<()> {
    let query = |name: &str| format!("name={}", url_encode(name));
    let (connection, method, path, body) = match &command {
        PrincipalCommand::Create { name, admin, connection } => {
            let body = serde_json::json!({ "name": name, "admin": admin }).to_string();
            (connection, "POST", "/v1/principal".to_owned(), body)
        }
        PrincipalCommand::List { connection } => (connection, "POST", "/v1/principals".to_owned(), String::new()),
        PrincipalCommand::Rotate { name, connection } => {
            (connection, "POST", format!("/v1/principal/access-key?{}", query(name)), String::new())
        }
        PrincipalCommand::Delete { name, connection } => {
            (connection, "DELETE", format!("/v1/principal?{}", query(name)), String::new())
        }
    };
    let answer = call(&connection.resolve()?, method, &path, body.as_bytes()).await?;
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}

/// Sends one signed request; returns its JSON answer, or the server's error message.
pub(crate) async fn call(
    connection: &Connection,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> anyhow::Result<serde_json::Value> {
    use aws_sigv4::http_request::{PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;

    let url = format!("{}{path_and_query}", connection.endpoint_url.trim_end_matches('/'));
    let identity = aws_credential_types::Credentials::new(
        &connection.access_key_id,
        &connection.secret_access_key,
        None,
        None,
        "tributary",
    )
    .into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&connection.region)
        .name("codeartifact")
        .time(std::time::SystemTime::now())
        .settings(settings)
        .build()
        .context("cannot sign the request")?
        .into();
    let headers = [("content-type", "application/json")];
    let signable = SignableRequest::new(method, &url, headers.into_iter(), SignableBody::Bytes(body))
        .context("cannot sign the request")?;
    let (instructions, _) = sign(signable, &params).context("cannot sign the request")?.into_parts();
    let mut request = reqwest::Client::new()
        .request(reqwest::Method::from_bytes(method.as_bytes())?, &url)
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (name, value) in instructions.headers() {
        request = request.header(name, value);
    }
    let response = request.send().await.with_context(|| format!("cannot reach `{url}`"))?;
    let status = response.status();
    let text = response.text().await.with_context(|| format!("cannot read the answer of `{url}`"))?;
    let answer: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    if !status.is_success() {
        let message = answer.get("message").and_then(|m| m.as_str()).map_or_else(|| answer.to_string(), str::to_owned);
        bail!("the server refused it ({status}): {message}");
    }
    Ok(answer)
}

/// `value` percent-encoded for a query string (names are plain, but `+` and `@` are allowed).
pub(crate) fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
