//! Where a command of the `tributary` CLI finds its server and its credentials
//! (docs/ARCHITECTURE.md, "The tributary CLI"): the options, else the environment the `aws` CLI
//! reads (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`), else a
//! profile of the file `~/.config/tributary/config.toml` (`TRIBUTARY_CLI_CONFIG` names another):
//!
//! ```toml
//! [profiles.default]
//! endpoint_url = "http://127.0.0.1:8080"
//! access_key_id = "TKIA..."
//! secret_access_key = "..."
//! region = "us-east-1"
//! ```

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use crate::principal::Connection;

/// The server and who signs, as given; resolved with [`Server::resolve`].
#[derive(Debug, Clone, Args)]
pub struct Server {
    /// The profile of the configuration file to read [default: `default`].
    #[arg(long, env = "TRIBUTARY_PROFILE")]
    pub profile: Option<String>,
    /// The server, e.g. `http://127.0.0.1:8080`.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// An access key id.
    #[arg(long, env = "AWS_ACCESS_KEY_ID")]
    pub access_key_id: Option<String>,
    /// Its secret access key.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub secret_access_key: Option<String>,
    /// The server's region [default: us-east-1].
    #[arg(long, env = "AWS_REGION")]
    pub region: Option<String>,
}

/// One profile of the configuration file.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    endpoint_url: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    region: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profiles: std::collections::BTreeMap<String, Profile>,
}

/// The configuration file's path.
pub fn config_path() -> PathBuf {
    if let Some(path) = std::env::var_os("TRIBUTARY_CLI_CONFIG").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".config"));
    config_home.join("tributary/config.toml")
}

impl Server {
    /// The profile named (or `default`), from the configuration file; an empty one when the file
    /// does not exist and no profile was named.
    fn profile(&self) -> anyhow::Result<Profile> {
        let path = config_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && self.profile.is_none() => {
                return Ok(Profile::default());
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read `{}`", path.display())),
        };
        let mut file: ConfigFile =
            toml::from_str(&text).with_context(|| format!("`{}` is not valid", path.display()))?;
        let name = self.profile.as_deref().unwrap_or("default");
        match file.profiles.remove(name) {
            Some(profile) => Ok(profile),
            None if self.profile.is_none() => Ok(Profile::default()),
            None => bail!("`{}` has no profile `{name}` (`[profiles.{name}]`)", path.display()),
        }
    }

    /// The server's URL, without a trailing slash.
    pub fn endpoint(&self) -> anyhow::Result<String> {
        let profile = self.profile()?;
        let url = self.endpoint_url.clone().or(profile.endpoint_url).with_context(|| {
            format!(
                "which server? Pass --endpoint-url http://HOST:PORT, set AWS_ENDPOINT_URL, or write `endpoint_url` in `{}`",
                config_path().display()
            )
        })?;
        Ok(url.trim_end_matches('/').to_owned())
    }

    /// The server and the access key that signs.
    pub fn resolve(&self) -> anyhow::Result<Connection> {
        let profile = self.profile()?;
        let endpoint_url = self.endpoint()?;
        let missing = |what: &str, option: &str, var: &str, key: &str| {
            format!(
                "no {what}: pass {option}, set {var}, or write `{key}` in `{}` (the quick start printed the admin's)",
                config_path().display()
            )
        };
        let access_key_id = self
            .access_key_id
            .clone()
            .or(profile.access_key_id)
            .with_context(|| missing("access key", "--access-key-id", "AWS_ACCESS_KEY_ID", "access_key_id"))?;
        let secret_access_key = self.secret_access_key.clone().or(profile.secret_access_key).with_context(|| {
            missing("secret access key", "--secret-access-key", "AWS_SECRET_ACCESS_KEY", "secret_access_key")
        })?;
        let region = self.region.clone().or(profile.region).unwrap_or_else(|| "us-east-1".to_owned());
        Ok(Connection { endpoint_url, access_key_id, secret_access_key, region })
    }
}
