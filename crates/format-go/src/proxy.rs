//! The GOPROXY protocol's documents (<https://go.dev/ref/mod#goproxy-protocol>): a module's
//! `@v/list`, a version's `.info`, and the same read from an upstream proxy.

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use tributary_engine::content::ExpectedDigests;
use tributary_engine::formats::{ExternalAsset, ExternalPackage, ExternalVersion};

use crate::module::escape;
use crate::version::GoVersion;

/// The files of a version, by the extension its URL and asset name carry.
pub const FILE_KINDS: [&str; 3] = ["info", "mod", "zip"];

/// The asset name of a version's file of `kind` (`v1.2.3.zip`).
pub fn asset_name(version: &str, kind: &str) -> String {
    format!("{version}.{kind}")
}

/// `@v/list`: the versions, one per line, in the go command's order; pseudo-versions are not
/// listed (as the public proxy lists none).
pub fn list(versions: &[GoVersion]) -> Vec<u8> {
    let mut listed: Vec<&GoVersion> = versions.iter().filter(|v| !v.is_pseudo()).collect();
    listed.sort();
    listed.dedup();
    let mut out = String::new();
    for version in listed {
        out.push_str(version.as_str());
        out.push('\n');
    }
    out.into_bytes()
}

/// A version's `.info`: `{"Version": …, "Time": …}`.
pub fn info(version: &str, time: DateTime<Utc>) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "Version": version,
        "Time": time.to_rfc3339_opts(SecondsFormat::Secs, true),
    }))
    .unwrap_or_default()
}

/// The version an `.info` document names, and its time.
pub fn read_info(bytes: &[u8]) -> Result<(String, Option<DateTime<Utc>>), String> {
    #[derive(serde::Deserialize)]
    struct Info {
        #[serde(rename = "Version")]
        version: String,
        #[serde(rename = "Time")]
        time: Option<DateTime<Utc>>,
    }
    let info: Info =
        serde_json::from_slice(bytes).map_err(|e| format!("the .info is not `{{\"Version\", \"Time\"}}`: {e}"))?;
    Ok((info.version, info.time))
}

/// The URL of `module`'s version list in the proxy at `base`.
pub fn list_url(base: &str, module: &str) -> String {
    format!("{base}/{}/@v/list", escape(module))
}

/// The URL of `module`'s files in the proxy at `base`: `{base}/{escaped module}/@v/`, the
/// directory of its list.
pub fn files_url(base: &str, module: &str) -> String {
    format!("{base}/{}/@v/", escape(module))
}

/// An upstream version: its three files under `files_url` ([`files_url`]), with no digests (a
/// proxy declares none: the checksum database is where the go command checks them).
pub fn external_version(files_url: &str, version: &str) -> ExternalVersion {
    ExternalVersion {
        version: version.to_owned(),
        metadata: Default::default(),
        format_metadata: serde_json::json!({}).into(),
        published_at: None,
        assets: FILE_KINDS.iter().map(|kind| external_asset(files_url, version, kind)).collect(),
    }
}

/// One file of an upstream version.
pub fn external_asset(files_url: &str, version: &str, kind: &str) -> ExternalAsset {
    ExternalAsset {
        name: asset_name(version, kind),
        url: format!("{files_url}{}.{kind}", escape(version)),
        expected: ExpectedDigests::default(),
        attributes: serde_json::json!({}),
    }
}

/// Reads an upstream `@v/list` fetched from `{files_url}list`: lines that are not canonical
/// versions are skipped.
pub fn parse_list(bytes: &[u8], files_url: &str) -> Result<ExternalPackage, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the version list is not UTF-8".to_owned())?;
    let versions = text
        .lines()
        .filter_map(|line| GoVersion::parse(line.trim()).ok())
        .map(|v| Arc::new(external_version(files_url, v.as_str())))
        .collect();
    Ok(ExternalPackage { versions, ..Default::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_infos() {
        let versions: Vec<GoVersion> = ["v1.10.0", "v1.2.0", "v0.0.0-20200101000000-abcdefabcdef", "v1.2.0"]
            .into_iter()
            .map(|v| GoVersion::parse(v).expect("a version"))
            .collect();
        assert_eq!(list(&versions), b"v1.2.0\nv1.10.0\n");
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 1, 2, 3, 4, 5).single().expect("a time");
        let info = info("v1.0.0", at);
        assert_eq!(info, br#"{"Time":"2026-01-02T03:04:05Z","Version":"v1.0.0"}"#);
        assert_eq!(read_info(&info), Ok(("v1.0.0".to_owned(), Some(at))));
        assert!(read_info(b"{}").is_err());
    }

    #[test]
    fn upstream_lists() {
        let files = files_url("http://p", "example.com/Acme/m");
        let package = parse_list(b"v1.0.0\nnot-a-version\n\nv1.1.0-RC1\n", &files).expect("a list");
        assert_eq!(package.versions.len(), 2);
        let rc = &package.versions[1];
        assert_eq!(rc.assets[2].name, "v1.1.0-RC1.zip");
        assert_eq!(rc.assets[2].url, "http://p/example.com/!acme/m/@v/v1.1.0-!r!c1.zip");
        assert!(parse_list(&[0xff], &files).is_err());
    }
}
