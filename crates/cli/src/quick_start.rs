//! What `tributary serve` prints after making the quick start's repositories (docs/ARCHITECTURE.md,
//! "Quick start"): for each client, the lines that point it at `public`, with a token valid 12
//! hours. Printed once, on standard output, like the generated admin key.

use tributary_engine::QuickStart;

use crate::clients::Target;
use crate::config::Config;

/// The URL clients reach `address` (`HOST:PORT`) at with `scheme`: an unspecified host
/// (`0.0.0.0`, `[::]`) is reached on the loopback address.
fn reachable(scheme: &str, address: &str) -> String {
    let address = match address.rsplit_once(':') {
        Some(("0.0.0.0" | "[::]" | "", port)) => format!("127.0.0.1:{port}"),
        _ => address.to_owned(),
    };
    format!("{scheme}://{address}")
}

/// The server's base URL for clients: `public_url`, else its listening address.
pub fn base_url(config: &Config) -> String {
    config.public_url.clone().unwrap_or_else(|| reachable("http", &config.listen)).trim_end_matches('/').to_owned()
}

/// The server's HTTPS base URL: `public_url` when it is HTTPS, else its HTTPS listener's.
fn tls_url(config: &Config) -> Option<String> {
    match &config.public_url {
        Some(url) if url.starts_with("https://") => Some(url.trim_end_matches('/').to_owned()),
        _ => config.tls.as_ref().map(|tls| reachable("https", &tls.listen)),
    }
}

/// Prints the quick start: what was made and each client's lines.
pub fn print(made: &QuickStart, config: &Config) {
    let target = Target {
        base: base_url(config),
        tls_base: tls_url(config),
        domain: made.domain.clone(),
        repository: made.repository.clone(),
        token: made.token.0.clone(),
    };
    let gateways: Vec<&str> = made.gateways.iter().map(|(name, _)| name.as_str()).collect();
    let npm = target.endpoint("npm");
    let npm_auth = target.npm_key("_authToken");
    let go = match target.goproxy() {
        Some(proxy) => format!("    export GOPROXY={proxy}"),
        None => "    (the go command sends credentials over HTTPS only: start the server with --tls-listen,\n     \
                 --tls-cert and --tls-key, then `tributary login --tool go`)"
            .to_owned(),
    };
    println!(
        "Made the domain `{domain}`: a gateway repository per public registry ({gateways}), and `{repository}`, \
         which reads them all in that order.\n\
         Point each client at `{repository}` (this token lasts until {expires}; `tributary login --tool TOOL \
         --domain {domain} --repository {repository}` gives a new one):\n\n  \
         npm, pnpm:\n    \
         npm config set registry {npm}\n    \
         npm config set \"{npm_auth}={token}\"\n  \
         yarn:\n    \
         tributary login --tool yarn {login}\n  \
         pip:\n    \
         pip config set global.index-url {index}\n  \
         uv:\n    \
         export UV_DEFAULT_INDEX={index}\n  \
         Maven:\n    \
         tributary login --tool maven {login}\n  \
         NuGet:\n    \
         tributary login --tool nuget {login}\n  \
         Go:\n{go}\n",
        domain = made.domain,
        repository = made.repository,
        gateways = gateways.join(", "),
        expires = made.token.1.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        token = target.token,
        index = target.simple_index(),
        login = format!(
            "--endpoint-url {} --token {} --domain {} --repository {}",
            target.base, target.token, made.domain, made.repository
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::reachable;

    #[test]
    fn an_unspecified_host_is_reached_on_loopback() {
        assert_eq!(reachable("http", "0.0.0.0:8080"), "http://127.0.0.1:8080");
        assert_eq!(reachable("https", "[::]:8443"), "https://127.0.0.1:8443");
        assert_eq!(reachable("http", "10.0.0.2:80"), "http://10.0.0.2:80");
    }
}
