//! The S3 blob store: one object per blob in a bucket of any S3-compatible server.
//!
//! The SHA-256 (and so the key) of a body is known only once it has been read, so:
//! - a body of at most `multipart_threshold` bytes is buffered, hashed, checked and sent with one
//!   `PutObject` straight to its key;
//! - a larger body is streamed as a multipart upload to a temporary key (`{prefix}.tmp/{uuid}`,
//!   see [`StorageKey`]) in `part_size` parts, hashing as it goes (one part is read while the
//!   previous one uploads, so at most about two parts are in memory). When the body ends its
//!   digests are checked: on a mismatch the multipart upload is aborted, so nothing was ever
//!   visible. If the blob is already stored the upload is aborted too. Otherwise the upload is
//!   completed and copied server-side to the final key with `UploadPartCopy` (which has no 5 GiB
//!   limit, unlike `CopyObject`), then the temporary object is deleted.
//!
//! Any failure, and a `put` future dropped mid-way, aborts the multipart uploads and deletes the
//! temporary object it created. Only a crash of the process can leave an incomplete upload or a
//! temporary object behind: give the bucket a lifecycle rule that aborts incomplete multipart
//! uploads and expires objects under `{prefix}.tmp/` after a day.
//!
//! Checksums: the client sends request checksums only when an operation requires them
//! (`RequestChecksumCalculation::WhenRequired`), for compatibility with S3-compatible servers
//! that do not support the newer `aws-chunked` checksum trailers. Our own digests are checked
//! on every upload regardless.

use std::fmt;
use std::io;

use async_trait::async_trait;
use aws_credential_types::Credentials;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{BehaviorVersion, Region, RequestChecksumCalculation, ResponseChecksumValidation};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use aws_smithy_types::byte_stream::ByteStream;
use bytes::{Bytes, BytesMut};
use futures::{StreamExt as _, TryStreamExt as _};

use crate::digest::{Digests, ExpectedDigests, Hasher, Sha256};
use crate::error::BlobError;
use crate::key::{BlobScope, StorageKey};
use crate::{BlobBodyIn, BlobBodyOut, BlobStore};

const MIB: usize = 1024 * 1024;
/// The smallest part S3 accepts (except the last part of an upload).
const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// The largest part, and the largest `PutObject`, S3 accepts.
const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// The most parts a multipart upload may have.
const MAX_PARTS: u64 = 10_000;
/// Bytes per `UploadPartCopy` when moving an upload to its final key (10,000 of them cover the
/// largest object S3 allows, 5 TiB).
const COPY_PART_SIZE: u64 = 1024 * 1024 * 1024;
/// `UploadPartCopy` requests in flight at once.
const COPY_CONCURRENCY: usize = 4;

/// Settings of an [`S3BlobStore`].
///
/// Plain data: the caller maps its own configuration onto it. Start from [`S3Config::default`]
/// and set at least `bucket` and the credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    /// The bucket; it must exist.
    pub bucket: String,
    /// The server's URL, e.g. `http://127.0.0.1:9000`; `None` for AWS itself.
    pub endpoint: Option<String>,
    /// The region, e.g. `us-east-1` (most S3-compatible servers accept any).
    pub region: String,
    /// Address buckets as `{endpoint}/{bucket}` rather than `{bucket}.{endpoint}`; most
    /// S3-compatible servers need this.
    pub path_style: bool,
    /// The access key id. Required, with `secret_access_key`.
    pub access_key_id: Option<String>,
    /// The secret access key. Required, with `access_key_id`.
    pub secret_access_key: Option<String>,
    /// A key prefix for every object of this store, e.g. `tributary/` (a missing trailing `/` is
    /// added). Characters: `A-Z`, `a-z`, `0-9`, `-`, `_`, `.`, `/`.
    pub prefix: Option<String>,
    /// Bodies of at most this many bytes are sent with one `PutObject` (and buffered in memory);
    /// larger ones with a multipart upload. Default 8 MiB, at most 5 GiB.
    pub multipart_threshold: usize,
    /// The size of each part of a multipart upload. Default 8 MiB; between 5 MiB and 5 GiB. An
    /// upload may have 10,000 parts, so this also bounds the largest blob (80,000 MiB by default).
    pub part_size: usize,
    /// When set, downloads are answered with a redirect to a presigned URL of the object, valid
    /// this long ([`BlobStore::download_url`]); off by default.
    pub presigned_downloads: Option<std::time::Duration>,
}

impl Default for S3Config {
    fn default() -> Self {
        Self {
            bucket: String::new(),
            endpoint: None,
            region: "us-east-1".to_owned(),
            path_style: false,
            access_key_id: None,
            secret_access_key: None,
            prefix: None,
            multipart_threshold: 8 * MIB,
            part_size: 8 * MIB,
            presigned_downloads: None,
        }
    }
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("path_style", &self.path_style)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key.as_ref().map(|_| "<redacted>"))
            .field("prefix", &self.prefix)
            .field("multipart_threshold", &self.multipart_threshold)
            .field("part_size", &self.part_size)
            .field("presigned_downloads", &self.presigned_downloads)
            .finish()
    }
}

/// A [`BlobStore`] in an S3 bucket, through `aws-sdk-s3`; see the module documentation for the
/// upload strategy.
#[derive(Debug, Clone)]
pub struct S3BlobStore {
    client: Client,
    bucket: String,
    prefix: String,
    multipart_threshold: usize,
    part_size: usize,
    presigned_downloads: Option<aws_sdk_s3::presigning::PresigningConfig>,
}

impl S3BlobStore {
    /// A store with these settings. Does no I/O; [`BlobStore::check`] tells whether the bucket is
    /// reachable.
    ///
    /// # Errors
    /// [`BlobError::Config`] for an empty bucket or region, missing credentials, a bad prefix, or
    /// sizes outside S3's limits.
    pub fn new(config: S3Config) -> Result<Self, BlobError> {
        if config.bucket.is_empty() {
            return Err(BlobError::Config("`bucket` is empty".to_owned()));
        }
        if config.region.is_empty() {
            return Err(BlobError::Config(
                "`region` is empty; S3-compatible servers usually accept `us-east-1`".to_owned(),
            ));
        }
        let (Some(access_key_id), Some(secret_access_key)) = (
            config.access_key_id.filter(|key| !key.is_empty()),
            config.secret_access_key.filter(|key| !key.is_empty()),
        ) else {
            return Err(BlobError::Config("set both `access_key_id` and `secret_access_key`".to_owned()));
        };
        let part_size = config.part_size as u64;
        if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&part_size) {
            return Err(BlobError::Config(format!(
                "`part_size` is {part_size} bytes; S3 needs between {MIN_PART_SIZE} (5 MiB) and \
                 {MAX_PART_SIZE} (5 GiB)"
            )));
        }
        if config.multipart_threshold as u64 > MAX_PART_SIZE {
            return Err(BlobError::Config(format!(
                "`multipart_threshold` is {} bytes; a single upload holds at most {MAX_PART_SIZE} \
                 (5 GiB)",
                config.multipart_threshold
            )));
        }
        let prefix = normalize_prefix(config.prefix.as_deref())?;
        let presigned_downloads = config
            .presigned_downloads
            .map(aws_sdk_s3::presigning::PresigningConfig::expires_in)
            .transpose()
            .map_err(|e| BlobError::Config(format!("`presigned_downloads`: {e} (at most 7 days)")))?;

        let credentials = Credentials::new(access_key_id, secret_access_key, None, None, "tributary-config");
        let mut builder = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(config.region))
            .credentials_provider(credentials)
            .force_path_style(config.path_style)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        if let Some(endpoint) = config.endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        Ok(Self {
            client: Client::from_conf(builder.build()),
            bucket: config.bucket,
            prefix,
            multipart_threshold: config.multipart_threshold,
            part_size: config.part_size,
            presigned_downloads,
        })
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The object key of a blob (with the prefix), e.g. for a presigned URL.
    pub fn object_key(&self, scope: &BlobScope, sha256: &Sha256) -> String {
        format!("{}{}", self.prefix, StorageKey::Blob { scope, sha256 })
    }

    fn s3_error<E>(&self, operation: &'static str, key: &str, err: SdkError<E, HttpResponse>) -> BlobError
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        BlobError::S3 {
            operation,
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            message: DisplayErrorContext(&err).to_string(),
        }
    }

    /// Sends a fully buffered body with one `PutObject`.
    async fn put_object(&self, key: &str, data: Bytes) -> Result<(), BlobError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_length(content_length(data.len()))
            .body(ByteStream::from(data))
            .send()
            .await
            .map_err(|err| self.s3_error("PutObject", key, err))?;
        Ok(())
    }

    async fn head(&self, key: &str) -> Result<bool, BlobError> {
        Ok(self.last_modified(key).await?.is_some())
    }

    /// When the object at `key` was last written, if it exists (`Some(None)`: the server did
    /// not say).
    async fn last_modified(&self, key: &str) -> Result<Option<Option<aws_smithy_types::DateTime>>, BlobError> {
        match self.client.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(output) => Ok(Some(output.last_modified().copied())),
            Err(err) if status(&err) == Some(404) => Ok(None),
            Err(err) => Err(self.s3_error("HeadObject", key, err)),
        }
    }

    async fn create_multipart(&self, key: &str) -> Result<String, BlobError> {
        let output = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|err| self.s3_error("CreateMultipartUpload", key, err))?;
        output.upload_id().map(str::to_owned).ok_or_else(|| BlobError::S3 {
            operation: "CreateMultipartUpload",
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            message: "the response has no upload id".to_owned(),
        })
    }

    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: i32,
        data: Bytes,
    ) -> Result<CompletedPart, BlobError> {
        let output = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .content_length(content_length(data.len()))
            .body(ByteStream::from(data))
            .send()
            .await
            .map_err(|err| self.s3_error("UploadPart", key, err))?;
        Ok(CompletedPart::builder().part_number(number).set_e_tag(output.e_tag().map(str::to_owned)).build())
    }

    async fn complete_multipart(&self, key: &str, upload_id: &str, parts: Vec<CompletedPart>) -> Result<(), BlobError> {
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await
            .map_err(|err| self.s3_error("CompleteMultipartUpload", key, err))?;
        Ok(())
    }

    /// Reads the body into `buffer` until it holds `target` bytes; returns whether the body ended.
    async fn fill(
        body: &mut BlobBodyIn,
        hasher: &mut Hasher,
        buffer: &mut BytesMut,
        target: usize,
        expected: &ExpectedDigests,
    ) -> Result<bool, BlobError> {
        while buffer.len() < target {
            let Some(chunk) = body.next().await else {
                return Ok(true);
            };
            let chunk = chunk.map_err(BlobError::Body)?;
            hasher.update(&chunk);
            expected.check_size_so_far(hasher.size())?;
            buffer.extend_from_slice(&chunk);
        }
        Ok(false)
    }

    /// Uploads `buffer` and the rest of the body as parts of `upload_id`, reading the next part
    /// while the previous one uploads.
    async fn upload_parts(
        &self,
        key: &str,
        upload_id: &str,
        body: &mut BlobBodyIn,
        hasher: &mut Hasher,
        mut buffer: BytesMut,
        expected: &ExpectedDigests,
    ) -> Result<Vec<CompletedPart>, BlobError> {
        let part_size = self.part_size;
        let mut parts = Vec::new();
        let mut ended = false;
        loop {
            let full = buffer.len() >= part_size;
            if !full && !ended {
                ended = Self::fill(body, hasher, &mut buffer, part_size, expected).await?;
                continue;
            }
            if buffer.is_empty() {
                return Ok(parts);
            }
            let data = if full { buffer.split_to(part_size) } else { buffer.split() }.freeze();
            let number = parts.len() as u64 + 1;
            if number > MAX_PARTS {
                return Err(BlobError::TooLarge { limit: MAX_PARTS * part_size as u64 });
            }
            let number = i32::try_from(number).unwrap_or(i32::MAX);
            let upload = self.upload_part(key, upload_id, number, data);
            if ended {
                parts.push(upload.await?);
            } else {
                let read = Self::fill(body, hasher, &mut buffer, part_size, expected);
                let (part, body_ended) = tokio::try_join!(upload, read)?;
                parts.push(part);
                ended = body_ended;
            }
        }
    }

    /// Copies `from` to `to` server-side with a multipart `UploadPartCopy`.
    async fn copy(&self, from: &str, to: &str, size: u64, cleanup: &mut Cleanup) -> Result<(), BlobError> {
        let upload_id = self.create_multipart(to).await?;
        cleanup.push(Pending::Upload { key: to.to_owned(), upload_id: upload_id.clone() });
        let source = format!("{}/{from}", self.bucket);
        let parts: Vec<CompletedPart> = futures::stream::iter(copy_ranges(size, COPY_PART_SIZE).into_iter().zip(1..))
            .map(|((first, last), number)| {
                let (source, upload_id) = (&source, &upload_id);
                async move {
                    let output = self
                        .client
                        .upload_part_copy()
                        .bucket(&self.bucket)
                        .key(to)
                        .upload_id(upload_id)
                        .part_number(number)
                        .copy_source(source)
                        .copy_source_range(format!("bytes={first}-{last}"))
                        .send()
                        .await
                        .map_err(|err| self.s3_error("UploadPartCopy", to, err))?;
                    let e_tag = output.copy_part_result().and_then(|result| result.e_tag()).map(str::to_owned);
                    Ok::<_, BlobError>(CompletedPart::builder().part_number(number).set_e_tag(e_tag).build())
                }
            })
            .buffered(COPY_CONCURRENCY)
            .try_collect()
            .await?;
        self.complete_multipart(to, &upload_id, parts).await?;
        cleanup.forget_upload(&upload_id);
        Ok(())
    }

    /// The multipart path of `put`: `buffer` holds more than `multipart_threshold` bytes already
    /// read (and hashed) from `body`.
    async fn put_multipart(
        &self,
        scope: &BlobScope,
        mut body: BlobBodyIn,
        mut hasher: Hasher,
        buffer: BytesMut,
        expected: &ExpectedDigests,
    ) -> Result<Digests, BlobError> {
        let temp_key = format!("{}{}", self.prefix, StorageKey::new_temp());
        let upload_id = self.create_multipart(&temp_key).await?;
        let mut cleanup = Cleanup {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            pending: vec![Pending::Upload { key: temp_key.clone(), upload_id: upload_id.clone() }],
        };
        let result = async {
            let parts = self.upload_parts(&temp_key, &upload_id, &mut body, &mut hasher, buffer, expected).await?;
            let digests = hasher.finalize();
            expected.check(&digests)?;
            let key = self.object_key(scope, &digests.sha256);
            if self.head(&key).await? {
                // Already stored: the pending upload is aborted below.
                return Ok(digests);
            }
            cleanup.push(Pending::Object { key: temp_key.clone() });
            self.complete_multipart(&temp_key, &upload_id, parts).await?;
            cleanup.forget_upload(&upload_id);
            self.copy(&temp_key, &key, digests.size, &mut cleanup).await?;
            Ok(digests)
        }
        .await;
        // Aborts or deletes whatever temporary state is left, on success and on failure.
        cleanup.run().await;
        result
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put(
        &self,
        scope: &BlobScope,
        mut body: BlobBodyIn,
        expected: &ExpectedDigests,
    ) -> Result<Digests, BlobError> {
        let mut hasher = Hasher::new();
        let mut buffer = BytesMut::new();
        while buffer.len() <= self.multipart_threshold {
            let Some(chunk) = body.next().await else {
                let digests = hasher.finalize();
                expected.check(&digests)?;
                self.put_object(&self.object_key(scope, &digests.sha256), buffer.freeze()).await?;
                log_stored(scope, &digests);
                return Ok(digests);
            };
            let chunk = chunk.map_err(BlobError::Body)?;
            hasher.update(&chunk);
            expected.check_size_so_far(hasher.size())?;
            buffer.extend_from_slice(&chunk);
        }
        let digests = self.put_multipart(scope, body, hasher, buffer, expected).await?;
        log_stored(scope, &digests);
        Ok(digests)
    }

    async fn get(&self, scope: &BlobScope, sha256: &Sha256) -> Result<BlobBodyOut, BlobError> {
        let key = self.object_key(scope, sha256);
        let output = match self.client.get_object().bucket(&self.bucket).key(&key).send().await {
            Ok(output) => output,
            Err(err) if err.as_service_error().is_some_and(|service| service.is_no_such_key()) => {
                return Err(BlobError::NotFound { scope: scope.clone(), sha256: *sha256 });
            }
            Err(err) => return Err(self.s3_error("GetObject", &key, err)),
        };
        let size =
            output.content_length().and_then(|length| u64::try_from(length).ok()).ok_or_else(|| BlobError::S3 {
                operation: "GetObject",
                bucket: self.bucket.clone(),
                key: key.clone(),
                message: "the response has no `Content-Length`".to_owned(),
            })?;
        let stream = futures::stream::try_unfold(output.body, |mut body| async move {
            match body.try_next().await {
                Ok(Some(bytes)) => Ok(Some((bytes, body))),
                Ok(None) => Ok(None),
                Err(err) => Err(io::Error::other(err)),
            }
        });
        Ok(BlobBodyOut { size, stream: Box::pin(stream) })
    }

    async fn exists(&self, scope: &BlobScope, sha256: &Sha256) -> Result<bool, BlobError> {
        self.head(&self.object_key(scope, sha256)).await
    }

    fn gives_download_urls(&self) -> bool {
        self.presigned_downloads.is_some()
    }

    async fn download_url(&self, scope: &BlobScope, sha256: &Sha256) -> Result<Option<String>, BlobError> {
        let Some(presigning) = &self.presigned_downloads else { return Ok(None) };
        let key = self.object_key(scope, sha256);
        // Signed here, with no request to the server.
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .presigned(presigning.clone())
            .await
            .map_err(|e| self.s3_error("GetObject (presigned)", &key, e))?;
        Ok(Some(presigned.uri().to_owned()))
    }

    async fn delete(&self, scope: &BlobScope, sha256: &Sha256) -> Result<(), BlobError> {
        let key = self.object_key(scope, sha256);
        match self.client.delete_object().bucket(&self.bucket).key(&key).send().await {
            Ok(_) => Ok(()),
            // S3 answers 204 for an absent key; some compatible servers answer 404.
            Err(err) if status(&err) == Some(404) && err.code() != Some("NoSuchBucket") => Ok(()),
            Err(err) => Err(self.s3_error("DeleteObject", &key, err)),
        }
    }

    async fn idle_blobs(&self, scope: &BlobScope, older_than: std::time::Duration) -> Result<Vec<Sha256>, BlobError> {
        // `{prefix}{scope}/sha256/{ab}/{cd}/{hex}`, as `StorageKey` lays it out.
        let prefix = format!("{}{scope}/sha256/", self.prefix);
        let mut pages = self.client.list_objects_v2().bucket(&self.bucket).prefix(&prefix).into_paginator().send();
        let mut found = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| self.s3_error("ListObjectsV2", &prefix, err))?;
            for object in page.contents() {
                let Some(sha256) = object.key().and_then(|k| k.rsplit('/').next()).and_then(|n| n.parse().ok()) else {
                    continue;
                };
                if object.last_modified().is_some_and(|written| idle_since(written, older_than)) {
                    found.push(sha256);
                }
            }
        }
        Ok(found)
    }

    async fn delete_idle(
        &self,
        scope: &BlobScope,
        sha256: &Sha256,
        older_than: std::time::Duration,
    ) -> Result<bool, BlobError> {
        // S3 has no atomic rename to set a blob aside: the database's marks keep a version from
        // referring to a blob deleted here (the engine's `garbage`). This only spares a blob
        // written again since it was listed.
        let key = self.object_key(scope, sha256);
        match self.last_modified(&key).await? {
            Some(Some(written)) if idle_since(&written, older_than) => {}
            _ => return Ok(false),
        }
        self.delete(scope, sha256).await?;
        Ok(true)
    }

    async fn check(&self) -> Result<(), BlobError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|err| self.s3_error("HeadBucket", "", err))?;
        Ok(())
    }
}

fn log_stored(scope: &BlobScope, digests: &Digests) {
    tracing::debug!(
        blob.scope = %scope,
        blob.sha256 = %digests.sha256,
        size_bytes = digests.size,
        "stored blob"
    );
}

/// Whether an object written at `written` was not written for `older_than`.
fn idle_since(written: &aws_smithy_types::DateTime, older_than: std::time::Duration) -> bool {
    std::time::SystemTime::try_from(*written)
        .ok()
        .and_then(|written| std::time::SystemTime::now().duration_since(written).ok())
        .is_some_and(|idle| idle >= older_than)
}

fn status<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    err.raw_response().map(|response| response.status().as_u16())
}

fn content_length(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

fn normalize_prefix(prefix: Option<&str>) -> Result<String, BlobError> {
    let Some(prefix) = prefix.filter(|prefix| !prefix.is_empty()) else {
        return Ok(String::new());
    };
    let valid = !prefix.starts_with('/') && prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b));
    if !valid {
        return Err(BlobError::Config(format!(
            "`prefix` `{prefix}` may only have `A-Z`, `a-z`, `0-9`, `-`, `_`, `.` and `/`, and \
             must not start with `/`"
        )));
    }
    Ok(if prefix.ends_with('/') { prefix.to_owned() } else { format!("{prefix}/") })
}

/// The inclusive byte ranges, of at most `part` bytes each, that cover `size` bytes.
fn copy_ranges(size: u64, part: u64) -> Vec<(u64, u64)> {
    (0..size)
        .step_by(usize::try_from(part).unwrap_or(usize::MAX))
        .map(|first| (first, first.saturating_add(part).min(size) - 1))
        .collect()
}

/// Temporary S3 state to remove.
#[derive(Debug)]
enum Pending {
    /// A multipart upload to abort.
    Upload { key: String, upload_id: String },
    /// An object to delete.
    Object { key: String },
}

/// Removes the temporary state of a `put`: explicitly with [`Cleanup::run`], or, when the `put`
/// future is dropped mid-way, from a task spawned on drop.
#[derive(Debug)]
struct Cleanup {
    client: Client,
    bucket: String,
    pending: Vec<Pending>,
}

impl Cleanup {
    fn push(&mut self, pending: Pending) {
        self.pending.push(pending);
    }

    fn forget_upload(&mut self, done: &str) {
        self.pending.retain(|pending| !matches!(pending, Pending::Upload { upload_id, .. } if upload_id == done));
    }

    async fn run(mut self) {
        let pending = std::mem::take(&mut self.pending);
        remove_pending(&self.client, &self.bucket, pending).await;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let (client, bucket) = (self.client.clone(), self.bucket.clone());
                runtime.spawn(async move { remove_pending(&client, &bucket, pending).await });
            }
            Err(_) => tracing::warn!(
                bucket = %self.bucket,
                ?pending,
                "no runtime to remove the temporary state of a cancelled upload; a lifecycle rule \
                 must remove it"
            ),
        }
    }
}

async fn remove_pending(client: &Client, bucket: &str, pending: Vec<Pending>) {
    for pending in pending {
        match &pending {
            Pending::Upload { key, upload_id } => {
                if let Err(err) =
                    client.abort_multipart_upload().bucket(bucket).key(key).upload_id(upload_id).send().await
                {
                    tracing::warn!(
                        bucket,
                        key,
                        upload_id,
                        error = %DisplayErrorContext(&err),
                        "could not abort a multipart upload; a lifecycle rule must remove it"
                    );
                }
            }
            Pending::Object { key } => {
                if let Err(err) = client.delete_object().bucket(bucket).key(key).send().await {
                    tracing::warn!(
                        bucket,
                        key,
                        error = %DisplayErrorContext(&err),
                        "could not delete a temporary object; a lifecycle rule must remove it"
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_ranges_cover_the_object() {
        assert_eq!(copy_ranges(1, 10), vec![(0, 0)]);
        assert_eq!(copy_ranges(10, 10), vec![(0, 9)]);
        assert_eq!(copy_ranges(11, 10), vec![(0, 9), (10, 10)]);
        assert_eq!(copy_ranges(25, 10), vec![(0, 9), (10, 19), (20, 24)]);
        assert_eq!(copy_ranges(0, 10), vec![]);
    }

    #[test]
    fn prefix_normalization() -> Result<(), BlobError> {
        assert_eq!(normalize_prefix(None)?, "");
        assert_eq!(normalize_prefix(Some(""))?, "");
        assert_eq!(normalize_prefix(Some("a/b"))?, "a/b/");
        assert_eq!(normalize_prefix(Some("a/b/"))?, "a/b/");
        assert!(normalize_prefix(Some("/a")).is_err());
        assert!(normalize_prefix(Some("a b")).is_err());
        Ok(())
    }

    #[test]
    fn config_is_validated() {
        let good = S3Config {
            bucket: "b".to_owned(),
            access_key_id: Some("ak".to_owned()),
            secret_access_key: Some("sk".to_owned()),
            ..S3Config::default()
        };
        assert!(S3BlobStore::new(good.clone()).is_ok());
        let bad = [
            S3Config { bucket: String::new(), ..good.clone() },
            S3Config { secret_access_key: None, ..good.clone() },
            S3Config { part_size: MIB, ..good.clone() },
            S3Config { prefix: Some("/x".to_owned()), ..good.clone() },
        ];
        for config in bad {
            assert!(matches!(S3BlobStore::new(config.clone()), Err(BlobError::Config(_))), "{config:?}");
        }
        assert!(!format!("{good:?}").contains("sk\""));
    }
}
