//! Configuration: one TOML file (`--config`), overridden by `TRIBUTARY_*` environment variables,
//! overridden by flags. Every key, its variable and its default are listed here and nowhere else.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use serde::Deserialize;
use tributary_model::KNOWN_EXTERNAL_CONNECTIONS;

/// Flags and environment variables. Each one, when given, wins over the file.
#[derive(Debug, Args, Default)]
pub struct Overrides {
    /// The TOML configuration file.
    #[arg(long, env = "TRIBUTARY_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "TRIBUTARY_LISTEN")]
    pub listen: Option<String>,
    /// A second address, served over HTTPS with `tls_cert` and `tls_key` (the go command sends
    /// credentials over HTTPS only).
    #[arg(long, env = "TRIBUTARY_TLS_LISTEN")]
    pub tls_listen: Option<String>,
    /// The PEM certificate chain for `tls_listen`.
    #[arg(long, env = "TRIBUTARY_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key for `tls_listen`.
    #[arg(long, env = "TRIBUTARY_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// The proxy every request to a public registry goes through, e.g. `http://proxy:3128`;
    /// overrides HTTP_PROXY and HTTPS_PROXY (which are honoured without it; NO_PROXY always).
    #[arg(long, env = "TRIBUTARY_OUTBOUND_PROXY")]
    pub outbound_proxy: Option<String>,
    /// The checksum database that every Go module fetched through `public:go-proxy` is checked
    /// against before it is kept, by its key (`sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8`),
    /// read through the proxy's `/sumdb/` pass-through [default: none, no check].
    #[arg(long, env = "TRIBUTARY_GO_SUMDB")]
    pub go_sumdb: Option<String>,
    /// The go command, which fetches modules from their origin for `public:go-origin` [default: `go`].
    #[arg(long, env = "TRIBUTARY_GO_BINARY")]
    pub go_binary: Option<PathBuf>,
    /// Directory for the SQLite database and the filesystem blob store [default: ./tributary-data].
    #[arg(long, env = "TRIBUTARY_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Metadata database: `postgres://...` or `sqlite://...` [default: SQLite in the data directory].
    #[arg(long, env = "TRIBUTARY_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Public base URL of this server, used in repository endpoints [default: from each request's Host].
    #[arg(long, env = "TRIBUTARY_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Region named in ARNs [default: us-east-1].
    #[arg(long, env = "TRIBUTARY_REGION")]
    pub region: Option<String>,
    /// Account id that owns the domains [default: 000000000000].
    #[arg(long, env = "TRIBUTARY_OWNER")]
    pub owner: Option<String>,
    /// Access key id of the admin created on an empty database [default: generated and printed].
    #[arg(long, env = "TRIBUTARY_ADMIN_ACCESS_KEY_ID")]
    pub admin_access_key_id: Option<String>,
    /// Secret access key of the admin created on an empty database.
    #[arg(long, env = "TRIBUTARY_ADMIN_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub admin_secret_access_key: Option<String>,
    /// Blob store: `fs` or `s3` [default: fs].
    #[arg(long, env = "TRIBUTARY_BLOB_KIND")]
    pub blob_kind: Option<BlobKind>,
    /// S3 bucket.
    #[arg(long, env = "TRIBUTARY_BLOB_S3_BUCKET")]
    pub blob_s3_bucket: Option<String>,
    /// S3 endpoint URL (for S3-compatible servers).
    #[arg(long, env = "TRIBUTARY_BLOB_S3_ENDPOINT")]
    pub blob_s3_endpoint: Option<String>,
    /// S3 region [default: us-east-1].
    #[arg(long, env = "TRIBUTARY_BLOB_S3_REGION")]
    pub blob_s3_region: Option<String>,
    /// Path-style S3 addressing (most S3-compatible servers want it).
    #[arg(long, env = "TRIBUTARY_BLOB_S3_PATH_STYLE")]
    pub blob_s3_path_style: Option<bool>,
    /// S3 access key id.
    #[arg(long, env = "TRIBUTARY_BLOB_S3_ACCESS_KEY_ID")]
    pub blob_s3_access_key_id: Option<String>,
    /// S3 secret access key.
    #[arg(long, env = "TRIBUTARY_BLOB_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub blob_s3_secret_access_key: Option<String>,
    /// Key prefix inside the bucket.
    #[arg(long, env = "TRIBUTARY_BLOB_S3_PREFIX")]
    pub blob_s3_prefix: Option<String>,
    /// Answer downloads with a redirect to a presigned URL of the S3 object, valid this many
    /// seconds (the clients then download from the bucket, or a CDN in front of it); off by
    /// default.
    #[arg(long, env = "TRIBUTARY_BLOB_S3_PRESIGNED_DOWNLOADS_SECONDS")]
    pub blob_s3_presigned_downloads_seconds: Option<u64>,
    /// Seconds an external connection's metadata is used before it is revalidated [default: 300].
    #[arg(long, env = "TRIBUTARY_METADATA_TTL_SECONDS")]
    pub metadata_ttl_seconds: Option<u64>,
    /// The largest file a client may upload (PyPI, Maven), in bytes [default: 5 GiB, CodeArtifact's limit].
    #[arg(long, env = "TRIBUTARY_MAX_UPLOAD_BYTES")]
    pub max_upload_bytes: Option<u64>,
    /// The longest pause, in seconds, between two reads of a registry's answer (downloads included) [default: 30].
    #[arg(long, env = "TRIBUTARY_UPSTREAM_READ_TIMEOUT_SECONDS")]
    pub upstream_read_timeout_seconds: Option<u64>,
    /// Let external connections made in domains reach loopback and link-local addresses (a
    /// registry on this machine) [default: false: a domain's administrator could otherwise make
    /// the server fetch its own services or a cloud's metadata].
    #[arg(long, env = "TRIBUTARY_ALLOW_LOCAL_CONNECTIONS", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_local_connections: Option<bool>,
    /// The longest pause, in seconds, between two parts of a request body before the request is dropped [default: 30].
    #[arg(long, env = "TRIBUTARY_BODY_READ_TIMEOUT_SECONDS")]
    pub body_read_timeout_seconds: Option<u64>,
    /// The most connections one client address may hold open at once [default: 256].
    #[arg(long, env = "TRIBUTARY_MAX_CONNECTIONS_PER_CLIENT")]
    pub max_connections_per_client: Option<usize>,
    /// Seconds a blob no version refers to is kept before it is deleted [default: 3600].
    #[arg(long, env = "TRIBUTARY_BLOB_GC_GRACE_SECONDS")]
    pub blob_gc_grace_seconds: Option<u64>,
}

/// Which blob store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum BlobKind {
    /// Files under the data directory.
    #[default]
    Fs,
    /// An S3-compatible object store.
    S3,
}

/// The configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    listen: Option<String>,
    go_binary: Option<PathBuf>,
    go_sumdb: Option<String>,
    outbound_proxy: Option<String>,
    tls_listen: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    public_url: Option<String>,
    region: Option<String>,
    owner: Option<String>,
    metadata_ttl_seconds: Option<u64>,
    max_upload_bytes: Option<u64>,
    upstream_read_timeout_seconds: Option<u64>,
    allow_local_connections: Option<bool>,
    body_read_timeout_seconds: Option<u64>,
    max_connections_per_client: Option<usize>,
    blob_gc_grace_seconds: Option<u64>,
    #[serde(default)]
    admin: AdminSection,
    #[serde(default)]
    blob: BlobSection,
    /// Base URL per external connection, e.g. `"public:npmjs" = "http://mirror/"`.
    #[serde(default)]
    external_connections: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdminSection {
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BlobSection {
    kind: Option<BlobKind>,
    path: Option<PathBuf>,
    bucket: Option<String>,
    endpoint: Option<String>,
    region: Option<String>,
    path_style: Option<bool>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    prefix: Option<String>,
    presigned_downloads_seconds: Option<u64>,
}

/// The configuration in force.
#[derive(Debug)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// The HTTPS listener, if configured.
    pub tls: Option<tributary_server::TlsListener>,
    /// The data directory.
    pub data_dir: PathBuf,
    /// The metadata database URL.
    pub database_url: String,
    /// The public base URL, if configured.
    pub public_url: Option<String>,
    /// Region named in ARNs.
    pub region: String,
    /// The owning account id.
    pub owner: String,
    /// Admin keys for the first start, if configured.
    pub admin_keys: Option<(String, String)>,
    /// The blob store.
    pub blob: BlobConfig,
    /// External connection base URLs that differ from the public registries.
    pub external_urls: BTreeMap<String, String>,
    /// The proxy for requests to registries, if configured.
    pub outbound_proxy: Option<String>,
    /// The go command, for origin fetches.
    pub go_binary: PathBuf,
    /// The checksum database's key, when Go modules are checked at ingest.
    pub go_sumdb: Option<String>,
    /// Seconds external metadata is used before it is revalidated.
    pub metadata_ttl_seconds: u64,
    /// The largest file a client may upload, in bytes.
    pub max_upload_bytes: u64,
    /// The longest pause between two reads of a registry's answer.
    pub upstream_read_timeout: std::time::Duration,
    /// Whether connections made in domains may reach local addresses.
    pub allow_local_connections: bool,
    /// The limits that keep one client from exhausting the server.
    pub limits: tributary_server::ConnectionLimits,
    /// How long a blob no version refers to is kept.
    pub blob_gc_grace: std::time::Duration,
}

/// The blob store in force.
#[derive(Debug)]
pub enum BlobConfig {
    /// Files under this directory.
    Fs(PathBuf),
    /// An S3 bucket.
    S3(tributary_blob::S3Config),
}

/// The environment variable that overrides the base URL of an external connection:
/// `public:npmjs` → `TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL`.
pub fn external_url_variable(connection: &str) -> String {
    let upper: String =
        connection.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("TRIBUTARY_EXTERNAL_{upper}_URL")
}

impl Config {
    /// Reads the file (if any) and applies the overrides.
    pub fn load(o: Overrides) -> anyhow::Result<Self> {
        let file = match &o.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let data_dir = o.data_dir.or(file.data_dir).unwrap_or_else(|| PathBuf::from("./tributary-data"));
        let database_url = o
            .database_url
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("tributary.db").display()));
        let admin_keys = match (
            o.admin_access_key_id.or(file.admin.access_key_id),
            o.admin_secret_access_key.or(file.admin.secret_access_key),
        ) {
            (Some(id), Some(secret)) => Some((id, secret)),
            (None, None) => None,
            _ => bail!(
                "set both `TRIBUTARY_ADMIN_ACCESS_KEY_ID` and `TRIBUTARY_ADMIN_SECRET_ACCESS_KEY` (or neither, to have them generated)"
            ),
        };
        let blob = match o.blob_kind.or(file.blob.kind).unwrap_or_default() {
            BlobKind::Fs => BlobConfig::Fs(file.blob.path.unwrap_or_else(|| data_dir.join("blobs"))),
            BlobKind::S3 => BlobConfig::S3(tributary_blob::S3Config {
                bucket: o
                    .blob_s3_bucket
                    .or(file.blob.bucket)
                    .context("the S3 blob store needs a bucket: set `[blob] bucket` or `TRIBUTARY_BLOB_S3_BUCKET`")?,
                endpoint: o.blob_s3_endpoint.or(file.blob.endpoint),
                region: o.blob_s3_region.or(file.blob.region).unwrap_or_else(|| "us-east-1".to_owned()),
                path_style: o.blob_s3_path_style.or(file.blob.path_style).unwrap_or(false),
                access_key_id: o.blob_s3_access_key_id.or(file.blob.access_key_id),
                secret_access_key: o.blob_s3_secret_access_key.or(file.blob.secret_access_key),
                prefix: o.blob_s3_prefix.or(file.blob.prefix),
                presigned_downloads: o
                    .blob_s3_presigned_downloads_seconds
                    .or(file.blob.presigned_downloads_seconds)
                    .filter(|seconds| *seconds > 0)
                    .map(std::time::Duration::from_secs),
                ..tributary_blob::S3Config::default()
            }),
        };
        let mut external_urls = file.external_connections;
        for name in external_urls.keys() {
            if !KNOWN_EXTERNAL_CONNECTIONS.iter().any(|c| c.name == name) {
                bail!("`[external_connections]` names `{name}`, which is not a known external connection");
            }
        }
        for connection in KNOWN_EXTERNAL_CONNECTIONS {
            if let Ok(url) = std::env::var(external_url_variable(connection.name)) {
                external_urls.insert(connection.name.to_owned(), url);
            }
        }
        let tls = match (o.tls_listen.or(file.tls_listen), o.tls_cert.or(file.tls_cert), o.tls_key.or(file.tls_key)) {
            (None, None, None) => None,
            (Some(listen), Some(cert_chain), Some(key)) => {
                Some(tributary_server::TlsListener { listen, cert_chain, key })
            }
            _ => bail!("`tls_listen`, `tls_cert` and `tls_key` are set together, or not at all"),
        };
        let go_sumdb = o.go_sumdb.or(file.go_sumdb);
        if let Some(key) = &go_sumdb {
            tributary_format_go::sumdb::VerifierKey::parse(key).map_err(|e| anyhow::anyhow!("`go_sumdb`: {e}"))?;
        }
        let owner = o.owner.or(file.owner).unwrap_or_else(|| "000000000000".to_owned());
        tributary_model::AccountId::parse(&owner).context("`owner` must be a 12-digit account id")?;
        Ok(Self {
            listen: o.listen.or(file.listen).unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            tls,
            data_dir,
            database_url,
            public_url: o.public_url.or(file.public_url),
            region: o.region.or(file.region).unwrap_or_else(|| "us-east-1".to_owned()),
            owner,
            admin_keys,
            blob,
            external_urls,
            outbound_proxy: o.outbound_proxy.or(file.outbound_proxy),
            go_binary: o.go_binary.or(file.go_binary).unwrap_or_else(|| PathBuf::from("go")),
            go_sumdb,
            metadata_ttl_seconds: o.metadata_ttl_seconds.or(file.metadata_ttl_seconds).unwrap_or(300),
            max_upload_bytes: o.max_upload_bytes.or(file.max_upload_bytes).unwrap_or(5 * 1024 * 1024 * 1024),
            allow_local_connections: o.allow_local_connections.or(file.allow_local_connections).unwrap_or(false),
            upstream_read_timeout: std::time::Duration::from_secs(
                o.upstream_read_timeout_seconds.or(file.upstream_read_timeout_seconds).unwrap_or(30),
            ),
            limits: {
                let defaults = tributary_server::ConnectionLimits::default();
                tributary_server::ConnectionLimits {
                    per_client: o
                        .max_connections_per_client
                        .or(file.max_connections_per_client)
                        .unwrap_or(defaults.per_client),
                    body_read_timeout: o
                        .body_read_timeout_seconds
                        .or(file.body_read_timeout_seconds)
                        .map_or(defaults.body_read_timeout, std::time::Duration::from_secs),
                }
            },
            blob_gc_grace: std::time::Duration::from_secs(
                o.blob_gc_grace_seconds.or(file.blob_gc_grace_seconds).unwrap_or(3600),
            ),
        })
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    toml::from_str(&text).with_context(|| format!("`{}` is not a valid configuration", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let config = Config::load(Overrides::default()).expect("defaults load");
        assert_eq!(config.listen, "127.0.0.1:8080");
        assert_eq!(config.owner, "000000000000");
        assert!(config.database_url.starts_with("sqlite://./tributary-data/tributary.db"));
        assert!(matches!(config.blob, BlobConfig::Fs(ref p) if p.ends_with("blobs")));
    }

    #[test]
    fn file_then_flags() {
        let dir = std::env::temp_dir().join(format!("tributary-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("c.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9\"\nregion = \"eu-west-1\"\n[blob]\nkind = \"s3\"\nbucket = \"b\"\npath_style = true\n[external_connections]\n\"public:npmjs\" = \"http://127.0.0.1:1/\"\n",
        )
        .expect("write config");
        let o = Overrides { config: Some(path.clone()), listen: Some("127.0.0.1:10".into()), ..Default::default() };
        let config = Config::load(o).expect("config loads");
        assert_eq!(config.listen, "127.0.0.1:10");
        assert_eq!(config.region, "eu-west-1");
        assert!(matches!(config.blob, BlobConfig::S3(ref s) if s.bucket == "b" && s.path_style));
        assert_eq!(config.external_urls.get("public:npmjs").map(String::as_str), Some("http://127.0.0.1:1/"));
        std::fs::write(&path, "lisen = 1\n").expect("write config");
        let o = Overrides { config: Some(path), ..Default::default() };
        assert!(Config::load(o).is_err(), "unknown keys are refused");
    }

    #[test]
    fn variable_names() {
        assert_eq!(external_url_variable("public:maven-central"), "TRIBUTARY_EXTERNAL_PUBLIC_MAVEN_CENTRAL_URL");
    }
}
