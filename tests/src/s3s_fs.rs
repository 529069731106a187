//! A real S3-compatible server, `s3s-fs`: for the S3 blob store's own tests (`crates/blob`) and
//! for running the binary on the S3 blob store.
//!
//! The binary is [`S3S_FS_ENV`] if set, else `<workspace>/target/tools/bin/s3s-fs`, where
//! `cargo xtask test` installs it. Without it the tests fail: they never skip silently.
//!
//! `s3s-fs` keeps each bucket as a directory of its data directory and each object as a file
//! named by its key below it, so a test can check what the server stored by reading files.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{free_port, workspace_root};

/// Environment variable: the path of the `s3s-fs` binary to test against.
pub const S3S_FS_ENV: &str = "TRIBUTARY_TEST_S3S_FS";

/// The access key id `s3s-fs` is started with.
pub const ACCESS_KEY: &str = "tributary-e2e";
/// The secret access key `s3s-fs` is started with.
pub const SECRET_KEY: &str = "tributary-e2e-secret";
/// The bucket created at start.
pub const BUCKET: &str = "blobs";

/// How long `s3s-fs` may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// A running `s3s-fs` serving a fresh temporary directory that holds [`BUCKET`]; killed on drop.
#[derive(Debug)]
pub struct S3sFs {
    child: Child,
    endpoint: String,
    data: PathBuf,
    _dir: tempfile::TempDir,
}

impl S3sFs {
    /// Starts `s3s-fs` on a free port of 127.0.0.1 with the bucket [`BUCKET`] and waits until it
    /// accepts connections.
    pub fn start() -> Self {
        let binary = binary();
        let dir = tempfile::Builder::new().prefix("tributary-s3s-fs-").tempdir().expect("cannot make a temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join(BUCKET)).expect("cannot create the bucket directory");
        let mut last_error = String::new();
        // The free port may be taken between finding it and `s3s-fs` binding it: retry.
        for attempt in 0..5 {
            let port = free_port();
            let log_path = dir.path().join(format!("s3s-fs-{attempt}.log"));
            let log = File::create(&log_path).expect("cannot create the s3s-fs log file");
            let log_err = log.try_clone().expect("cannot clone the s3s-fs log file");
            let mut child = Command::new(&binary)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
                .arg(&data)
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(log_err)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start `{}`: {e}", binary.display()));
            match wait_ready(&mut child, port) {
                Ok(()) => {
                    return Self { child, endpoint: format!("http://127.0.0.1:{port}"), data, _dir: dir };
                }
                Err(message) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
                    last_error = format!("{message}; its output:\n{output}");
                }
            }
        }
        panic!("s3s-fs (`{}`) did not start: {last_error}", binary.display());
    }

    /// The URL to send S3 requests to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The directory `s3s-fs` keeps its buckets in.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// The directory that holds the objects of `bucket`.
    pub fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.data.join(bucket)
    }

    /// The `TRIBUTARY_BLOB_*` settings that make `tributary serve` store its blobs in `bucket`
    /// of this server.
    pub fn server_env(&self, bucket: &str) -> Vec<(&'static str, String)> {
        vec![
            ("TRIBUTARY_BLOB_KIND", "s3".to_owned()),
            ("TRIBUTARY_BLOB_S3_BUCKET", bucket.to_owned()),
            ("TRIBUTARY_BLOB_S3_ENDPOINT", self.endpoint.clone()),
            ("TRIBUTARY_BLOB_S3_REGION", "us-east-1".to_owned()),
            ("TRIBUTARY_BLOB_S3_PATH_STYLE", "true".to_owned()),
            ("TRIBUTARY_BLOB_S3_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
            ("TRIBUTARY_BLOB_S3_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
        ]
    }

    /// Every object of `bucket`: its key (the path below the bucket directory, `/`-separated)
    /// and its bytes. `s3s-fs`'s own bookkeeping (names starting with `.`) is left out.
    pub fn objects(&self, bucket: &str) -> Vec<(String, Vec<u8>)> {
        let root = self.bucket_dir(bucket);
        let mut objects = Vec::new();
        let mut pending = vec![root.clone()];
        while let Some(dir) = pending.pop() {
            let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list `{}`: {e}", dir.display()));
            for entry in entries {
                let entry = entry.unwrap_or_else(|e| panic!("cannot list `{}`: {e}", dir.display()));
                let path = entry.path();
                let file_type = entry.file_type().unwrap_or_else(|e| panic!("cannot stat `{}`: {e}", path.display()));
                if file_type.is_dir() {
                    pending.push(path);
                } else if file_type.is_file() && !entry.file_name().to_string_lossy().starts_with('.') {
                    let key = path
                        .strip_prefix(&root)
                        .expect("a walked path is below the bucket")
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/");
                    let bytes =
                        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read `{}`: {e}", path.display()));
                    objects.push((key, bytes));
                }
            }
        }
        objects.sort();
        objects
    }
}

impl Drop for S3sFs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `s3s-fs` binary: [`S3S_FS_ENV`], else `<workspace>/target/tools/bin/s3s-fs`.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os(S3S_FS_ENV) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{S3S_FS_ENV} is `{}`, which is not a file: point it at an s3s-fs binary, or unset it and \
             run `cargo xtask test`, which installs s3s-fs",
            path.display()
        );
        return path;
    }
    let path = workspace_root().join("target/tools/bin/s3s-fs");
    assert!(
        path.is_file(),
        "s3s-fs is not installed at `{}`: run `cargo xtask test`, which installs it, or set {S3S_FS_ENV} \
         to an s3s-fs binary",
        path.display()
    );
    path
}

fn wait_ready(child: &mut Child, port: u16) -> Result<(), String> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + START_TIMEOUT;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("s3s-fs exited with {status}"));
        }
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!("s3s-fs did not accept connections within {START_TIMEOUT:?}"))
}
