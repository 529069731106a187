//! A real distributed S3 store, Garage, run as a one-node cluster: for running a fleet of
//! `tributary serve` replicas on the S3 blob store as in production (`tests/tests/fleet_load.rs`).
//!
//! The binary is [`GARAGE_ENV`] if set (`cargo xtask test` sets it), else where `cargo xtask tools`
//! builds it (`~/.cache/tributary-tools/garage-2.5.0/bin/garage`). Without it the tests fail: they
//! never skip silently.
//!
//! [`Garage::start`] writes a `garage.toml` in a temporary directory (SQLite metadata, replication
//! factor 1, RPC, S3 and admin APIs on free ports of 127.0.0.1), starts `garage server`, waits
//! until `garage status` answers, then with the `garage` CLI gives the node a role in the layout
//! and applies it, imports the key [`ACCESS_KEY`] and creates the bucket [`BUCKET`] that key may
//! read, write and own. The process is killed on drop.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::free_port;

/// Environment variable: the path of the `garage` binary to run.
pub const GARAGE_ENV: &str = "TRIBUTARY_TEST_GARAGE";
/// The Garage release `cargo xtask tools` builds (its `GARAGE_VERSION`), for the default path.
const GARAGE_VERSION: &str = "2.5.0";

/// The access key id imported at start (Garage's form: `GK` and 24 hex digits).
pub const ACCESS_KEY: &str = "GK0123456789abcdef01234567";
/// The secret access key imported at start (64 hex digits).
pub const SECRET_KEY: &str = "7f3c2a9d1e5b4c6a8f0e2d4c6b8a0f1e3d5c7b9a1f2e4d6c8b0a2f4e6d8c0b1a";
/// The bucket created at start.
pub const BUCKET: &str = "blobs";
/// The region Garage's S3 API is configured with (it refuses requests signed for another).
pub const REGION: &str = "garage";

/// How long Garage may take to answer `garage status`.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running one-node Garage cluster with the key [`ACCESS_KEY`] and the bucket [`BUCKET`];
/// killed on drop.
#[derive(Debug)]
pub struct Garage {
    child: Child,
    binary: PathBuf,
    config: PathBuf,
    log: PathBuf,
    endpoint: String,
    _dir: tempfile::TempDir,
}

impl Garage {
    /// Starts Garage on free ports of 127.0.0.1 and sets it up (layout, key, bucket); retried on
    /// other ports when one was taken in the meantime.
    pub fn start() -> Self {
        let binary = binary();
        let dir = tempfile::Builder::new().prefix("tributary-garage-").tempdir().expect("cannot make a temp dir");
        let mut last_error = String::new();
        // A free port may be taken between finding it and Garage binding it: retry. Garage panics
        // when its RPC port is taken, but only logs it when its S3 or admin port is.
        for attempt in 0..5 {
            let (rpc, s3, admin) = three_ports();
            let config = dir.path().join(format!("garage-{attempt}.toml"));
            let data = dir.path().join(format!("run-{attempt}"));
            let rpc_secret = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
            let toml = format!(
                "metadata_dir = \"{meta}\"\n\
                 data_dir = \"{blocks}\"\n\
                 db_engine = \"sqlite\"\n\
                 replication_factor = 1\n\
                 rpc_bind_addr = \"127.0.0.1:{rpc}\"\n\
                 rpc_public_addr = \"127.0.0.1:{rpc}\"\n\
                 rpc_secret = \"{rpc_secret}\"\n\
                 \n\
                 [s3_api]\n\
                 s3_region = \"{REGION}\"\n\
                 api_bind_addr = \"127.0.0.1:{s3}\"\n\
                 \n\
                 [admin]\n\
                 api_bind_addr = \"127.0.0.1:{admin}\"\n",
                meta = data.join("meta").display(),
                blocks = data.join("data").display(),
            );
            std::fs::write(&config, toml).expect("cannot write garage.toml");
            let log = dir.path().join(format!("garage-{attempt}.log"));
            let out = File::create(&log).expect("cannot create the Garage log file");
            let err = out.try_clone().expect("cannot clone the Garage log file");
            let mut child = command(&binary, &config)
                .arg("server")
                .env("RUST_LOG", "garage=info")
                .stdout(out)
                .stderr(err)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start `{}`: {e}", binary.display()));
            match set_up(&mut child, &binary, &config, &log, s3) {
                Ok(()) => {
                    let endpoint = format!("http://127.0.0.1:{s3}");
                    return Self { child, binary, config, log, endpoint, _dir: dir };
                }
                Err(message) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let output = std::fs::read_to_string(&log).unwrap_or_default();
                    last_error = format!("{message}; its log:\n{output}");
                }
            }
        }
        panic!("Garage (`{}`) did not start: {last_error}", binary.display());
    }

    /// The URL to send S3 requests to (path style: `{endpoint}/{bucket}/{key}`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The `TRIBUTARY_BLOB_*` settings that make `tributary serve` store its blobs in `bucket`
    /// of this cluster.
    pub fn server_env(&self, bucket: &str) -> Vec<(&'static str, String)> {
        vec![
            ("TRIBUTARY_BLOB_KIND", "s3".to_owned()),
            ("TRIBUTARY_BLOB_S3_BUCKET", bucket.to_owned()),
            ("TRIBUTARY_BLOB_S3_ENDPOINT", self.endpoint.clone()),
            ("TRIBUTARY_BLOB_S3_REGION", REGION.to_owned()),
            ("TRIBUTARY_BLOB_S3_PATH_STYLE", "true".to_owned()),
            ("TRIBUTARY_BLOB_S3_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
            ("TRIBUTARY_BLOB_S3_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
        ]
    }

    /// Creates another bucket that [`ACCESS_KEY`] may read, write and own.
    pub fn create_bucket(&self, bucket: &str) {
        let created = self
            .cli(&["bucket", "create", bucket])
            .and_then(|_| self.cli(&["bucket", "allow", "--read", "--write", "--owner", bucket, "--key", "tributary"]));
        if let Err(message) = created {
            panic!("Garage did not create the bucket `{bucket}`: {message}");
        }
    }

    /// What `garage bucket info BUCKET` prints (its size and object count, among others).
    pub fn bucket_info(&self, bucket: &str) -> String {
        self.cli(&["bucket", "info", bucket]).unwrap_or_else(|e| panic!("`garage bucket info {bucket}`: {e}"))
    }

    /// What Garage logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Runs `garage -c CONFIG ARGS...`: what it printed, or why it failed.
    pub fn cli(&self, args: &[&str]) -> Result<String, String> {
        cli(&self.binary, &self.config, args)
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `garage` binary: [`GARAGE_ENV`], else `$XDG_CACHE_HOME` (or `~/.cache`)
/// `/tributary-tools/garage-2.5.0/bin/garage`, where `cargo xtask tools` builds it.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os(GARAGE_ENV) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{GARAGE_ENV} is `{}`, which is not a file: point it at a garage binary, or unset it and run \
             `cargo xtask tools`, which builds Garage {GARAGE_VERSION}",
            path.display()
        );
        return path;
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/root/.cache"));
    let path = cache.join(format!("tributary-tools/garage-{GARAGE_VERSION}/bin/garage"));
    assert!(
        path.is_file(),
        "Garage is not installed at `{}`: run `cargo xtask tools` (or `cargo xtask test`), which builds it, or set \
         {GARAGE_ENV} to a garage binary",
        path.display()
    );
    path
}

/// Runs `garage -c CONFIG ARGS...`: what it printed, or why it failed.
fn cli(binary: &Path, config: &Path, args: &[&str]) -> Result<String, String> {
    let output =
        command(binary, config).args(args).output().map_err(|e| format!("cannot run `{}`: {e}", binary.display()))?;
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    if output.status.success() {
        Ok(printed)
    } else {
        Err(format!("`garage {}` failed ({}): {printed}", args.join(" "), output.status))
    }
}

/// Waits until the node `child` answers, then gives it the whole layout, imports the key and
/// creates the bucket; fails if it exited, or if a port of its was taken by another process.
fn set_up(child: &mut Child, binary: &Path, config: &Path, log: &Path, s3_port: u16) -> Result<(), String> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("Garage exited with {status}"));
        }
        if cli(binary, config, &["status"]).is_ok() {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("`garage status` did not succeed within {START_TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let id = cli(binary, config, &["node", "id", "-q"])?;
    let id = id.trim().split('@').next().unwrap_or_default().to_owned();
    cli(binary, config, &["layout", "assign", "-z", "dc1", "-c", "1G", &id])?;
    cli(binary, config, &["layout", "apply", "--version", "1"])?;
    cli(binary, config, &["key", "import", "--yes", "-n", "tributary", ACCESS_KEY, SECRET_KEY])?;
    cli(binary, config, &["bucket", "create", BUCKET])?;
    cli(binary, config, &["bucket", "allow", "--read", "--write", "--owner", BUCKET, "--key", "tributary"])?;
    // Garage logs (and goes on) when its S3 or admin port is taken; by now it has bound both.
    if std::fs::read_to_string(log).unwrap_or_default().contains("Address already in use") {
        return Err("a port of Garage's was taken".to_owned());
    }
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, s3_port));
    TcpStream::connect_timeout(&address, Duration::from_secs(2))
        .map_err(|e| format!("Garage's S3 API does not accept connections: {e}"))?;
    Ok(())
}

/// A `Command` for `garage -c CONFIG`, with none of the machine's `GARAGE_*` settings.
fn command(binary: &Path, config: &Path) -> Command {
    let mut command = Command::new(binary);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().to_ascii_uppercase().starts_with("GARAGE_") {
            command.env_remove(name);
        }
    }
    command.arg("-c").arg(config).stdin(Stdio::null());
    command
}

/// Three distinct free ports.
fn three_ports() -> (u16, u16, u16) {
    let rpc = free_port();
    let mut s3 = free_port();
    while s3 == rpc {
        s3 = free_port();
    }
    let mut admin = free_port();
    while admin == rpc || admin == s3 {
        admin = free_port();
    }
    (rpc, s3, admin)
}
