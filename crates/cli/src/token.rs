//! `tributary token list|revoke`: the caller's tokens (from GetAuthorizationToken, logins and
//! `npm token create`) through the server's API (docs/ARCHITECTURE.md, "Tokens"), signed with
//! access keys as `tributary principal` signs.

use clap::Subcommand;

use crate::principal::{call, url_encode};
use crate::profile::Server;

/// `tributary token ...`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// List your tokens that have neither expired nor been revoked (never their values).
    List {
        #[command(flatten)]
        connection: Server,
    },
    /// Revoke a token, by its id (as `list` shows it) or its value: it stops working on every
    /// server within seconds. An administrator may revoke anyone's.
    Revoke {
        /// The token's id, or the token itself.
        id: String,
        #[command(flatten)]
        connection: Server,
    },
}

/// Runs one `tributary token` command and prints the server's answer.
pub async fn run(command: TokenCommand) -> anyhow::Result<()> {
    let answer = match &command {
        TokenCommand::List { connection } => call(&connection.resolve()?, "POST", "/v1/tokens", b"").await?,
        TokenCommand::Revoke { id, connection } => {
            call(&connection.resolve()?, "DELETE", &format!("/v1/token?id={}", url_encode(id)), b"").await?
        }
    };
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}
