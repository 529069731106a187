//! Starts a real S3-compatible server, `s3s-fs`, for the S3 store's tests.
//!
//! The binary is [`S3S_FS_ENV`] if set, else `target/tools/bin/s3s-fs` in the workspace, where
//! `cargo xtask test` installs it. Without it the tests fail: they never skip silently.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Environment variable: the path of the `s3s-fs` binary to test against.
pub const S3S_FS_ENV: &str = "TRIBUTARY_TEST_S3S_FS";

/// The access key id `s3s-fs` is started with.
pub const ACCESS_KEY: &str = "tributary-test";
/// The secret access key `s3s-fs` is started with.
pub const SECRET_KEY: &str = "tributary-test-secret";
/// The bucket created at start.
pub const BUCKET: &str = "blobs";

/// A running `s3s-fs` serving a fresh temporary directory, killed on drop.
#[derive(Debug)]
pub struct S3sFs {
    child: Child,
    endpoint: String,
    data: PathBuf,
    _dir: TempDir,
}

impl S3sFs {
    /// Starts `s3s-fs` on a free port with bucket [`BUCKET`] and waits until it accepts
    /// connections.
    pub fn start() -> Self {
        let binary = binary();
        let dir = tempfile::tempdir().expect("create a temporary directory for s3s-fs");
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join(BUCKET)).expect("create the bucket directory");
        let mut last_error = String::new();
        // The free port may be taken between finding it and `s3s-fs` binding it: retry.
        for attempt in 0..5 {
            let port = free_port();
            let log_path = dir.path().join(format!("s3s-fs-{attempt}.log"));
            let log = File::create(&log_path).expect("create the s3s-fs log file");
            let log_err = log.try_clone().expect("clone the s3s-fs log file");
            let mut child = Command::new(&binary)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
                .arg(&data)
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(log_err)
                .spawn()
                .unwrap_or_else(|err| panic!("cannot start `{}`: {err}", binary.display()));
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

    /// The directory `s3s-fs` stores its buckets and upload state in.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }
}

impl Drop for S3sFs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `s3s-fs` binary: [`S3S_FS_ENV`], else `target/tools/bin/s3s-fs` in the workspace.
fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os(S3S_FS_ENV) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{S3S_FS_ENV} is `{}`, which is not a file; point it at an s3s-fs binary, or unset it \
             and run `cargo xtask test`, which installs s3s-fs",
            path.display()
        );
        return path;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tools/bin/s3s-fs");
    assert!(
        path.is_file(),
        "s3s-fs is not installed at `{}`; run `cargo xtask test`, which installs it, or set \
         {S3S_FS_ENV} to an s3s-fs binary",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("find a free port")
        .port()
}

fn wait_ready(child: &mut Child, port: u16) -> Result<(), String> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().map_err(|err| err.to_string())? {
            return Err(format!("s3s-fs exited with {status}"));
        }
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err("s3s-fs did not accept connections within 15 s".to_owned())
}
