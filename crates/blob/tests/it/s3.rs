//! The suite on [`S3BlobStore`] against a real S3-compatible server (`s3s-fs`), and what only the
//! S3 store does.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use tributary_blob::{BlobError, BlobStore, S3BlobStore, S3Config};

use crate::suite::{Fixture, PART, blob_store_suite};
use tributary_tests::s3s_fs::{ACCESS_KEY, BUCKET, S3sFs, SECRET_KEY};

/// The key prefix the fixture's store uses.
const PREFIX: &str = "blobs/";

/// An [`S3BlobStore`] on a fresh `s3s-fs`, with S3's smallest part size.
#[derive(Debug)]
pub struct S3Fixture {
    store: S3BlobStore,
    client: Client,
    server: S3sFs,
}

fn config(server: &S3sFs) -> S3Config {
    S3Config {
        bucket: BUCKET.to_owned(),
        endpoint: Some(server.endpoint().to_owned()),
        region: "us-east-1".to_owned(),
        path_style: true,
        access_key_id: Some(ACCESS_KEY.to_owned()),
        secret_access_key: Some(SECRET_KEY.to_owned()),
        prefix: Some(PREFIX.to_owned()),
        multipart_threshold: PART,
        part_size: PART,
        presigned_downloads: None,
    }
}

impl Fixture for S3Fixture {
    type Store = S3BlobStore;

    async fn new() -> Self {
        let server = S3sFs::start();
        let store = S3BlobStore::new(config(&server)).expect("a valid S3 configuration");
        let client = Client::from_conf(
            aws_sdk_s3::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test"))
                .endpoint_url(server.endpoint())
                .force_path_style(true)
                .build(),
        );
        Self { store, client, server }
    }

    fn store(&self) -> &S3BlobStore {
        &self.store
    }

    /// Every object of the bucket (blobs relative to [`PREFIX`]), and every unfinished multipart
    /// upload `s3s-fs` keeps (its `.upload*` files).
    async fn contents(&self) -> Vec<String> {
        let mut contents = Vec::new();
        let mut pages = self.client.list_objects_v2().bucket(BUCKET).into_paginator().send();
        while let Some(page) = pages.next().await {
            for object in page.expect("list objects").contents() {
                let key = object.key().expect("an object key");
                contents.push(key.strip_prefix(PREFIX).unwrap_or(key).to_owned());
            }
        }
        for entry in std::fs::read_dir(self.server.data_dir()).expect("list the s3s-fs data") {
            let name = entry.expect("a directory entry").file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".upload") {
                contents.push(format!("s3s-fs upload state: {name}"));
            }
        }
        contents.sort();
        contents
    }
}

blob_store_suite!(S3Fixture);

#[tokio::test]
async fn check_fails_for_a_missing_bucket() {
    let server = S3sFs::start();
    let store = S3BlobStore::new(S3Config { bucket: "no-such-bucket".to_owned(), ..config(&server) })
        .expect("a valid S3 configuration");
    let err = store.check().await.err();
    assert!(matches!(&err, Some(BlobError::S3 { operation: "HeadBucket", .. })), "{err:?}");
}

#[tokio::test]
async fn check_fails_with_wrong_credentials() {
    let server = S3sFs::start();
    let store = S3BlobStore::new(S3Config { secret_access_key: Some("wrong".to_owned()), ..config(&server) })
        .expect("a valid S3 configuration");
    assert!(store.check().await.is_err());
}

#[test]
fn credentials_are_required() {
    let err = S3BlobStore::new(S3Config { bucket: BUCKET.to_owned(), ..S3Config::default() }).err();
    assert!(matches!(&err, Some(BlobError::Config(_))), "{err:?}");
}
