//! Builders for real tarballs and publish bodies, made the way `npm pack` and `npm publish` make them.

use std::io::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use tributary_format_npm::Digests;

/// A gzip-compressed tar of `files` (path, bytes), GNU headers as npm's node-tar writes them.
pub fn tarball(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    for (path, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(499_162_500);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, path, *data).expect("append to an in-memory tar");
    }
    builder.into_inner().expect("finish tar").finish().expect("finish gzip")
}

/// `package/package.json` with this name and version, plus `package/README.md` and `package/index.js`.
pub fn package_tarball(name: &str, version: &str) -> Vec<u8> {
    let package_json = json!({"name": name, "version": version, "description": "test", "main": "index.js"});
    let package_json = serde_json::to_vec_pretty(&package_json).expect("json");
    tarball(&[
        ("package/package.json", &package_json),
        ("package/README.md", b"# Hello\n\nA test package.\n"),
        ("package/index.js", b"module.exports = 42\n"),
    ])
}

/// Gzip of raw bytes (not a tar), streamed.
pub fn gzip(chunks: impl IntoIterator<Item = Vec<u8>>) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    for chunk in chunks {
        encoder.write_all(&chunk).expect("write to memory");
    }
    encoder.finish().expect("finish gzip")
}

/// The manifest npm sends for `name@version` with this tarball: `_id`, `dist.integrity` (sha512),
/// `dist.shasum` (sha1) and `dist.tarball`.
pub fn manifest(name: &str, version: &str, tarball: &[u8]) -> Value {
    let digests = Digests::of(tarball);
    json!({
        "name": name,
        "version": version,
        "description": "test",
        "main": "index.js",
        "license": "MIT",
        "dependencies": {"left-pad": "^1.3.0"},
        "scripts": {"test": "echo ok"},
        "_id": format!("{name}@{version}"),
        "_nodeVersion": "22.0.0",
        "_npmVersion": "10.8.0",
        "dist": {
            "integrity": digests.integrity(),
            "shasum": digests.shasum(),
            "tarball": format!("http://localhost/{name}/-/{name}-{version}.tgz"),
        },
    })
}

/// The body `npm publish` PUTs, as libnpmpublish's `buildMetadata` writes it.
pub fn publish_body(name: &str, version: &str, tarball: &[u8]) -> Value {
    json!({
        "_id": name,
        "name": name,
        "description": "test",
        "dist-tags": {"latest": version},
        "versions": {version: manifest(name, version, tarball)},
        "access": "public",
        "_attachments": {
            format!("{name}-{version}.tgz"): {
                "content_type": "application/octet-stream",
                "data": STANDARD.encode(tarball),
                "length": tarball.len(),
            }
        },
    })
}

/// Serializes a JSON body.
pub fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("json")
}
