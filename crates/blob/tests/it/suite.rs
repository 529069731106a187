//! The behaviour every [`BlobStore`] must have, as functions over a [`Fixture`];
//! [`blob_store_suite!`] turns them into tests for one store.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt as _, TryStreamExt as _};
use sha2::Digest as _;
use tokio::sync::Notify;
use tributary_blob::{
    BlobBodyIn, BlobError, BlobScope, BlobStore, DigestAlgorithm, ExpectedDigests, Md5, Sha1, Sha256, Sha512,
    StorageKey,
};

/// A store under test, in a fresh empty place, and a view of everything it has written.
pub trait Fixture: Sized {
    /// The store.
    type Store: BlobStore;

    /// A fresh, empty store.
    async fn new() -> Self;

    /// The store.
    fn store(&self) -> &Self::Store;

    /// Everything the store holds, sorted: blobs as their [`StorageKey`], and anything else
    /// (temporary files or objects, unfinished multipart uploads) under another name.
    async fn contents(&self) -> Vec<String>;
}

/// The multipart part size (and threshold) the S3 fixture uses: S3's minimum.
pub const PART: usize = 5 * 1024 * 1024;
/// A body that needs four parts of [`PART`] bytes, the last one short.
pub const LARGE: usize = 3 * PART + 1234;

/// Defines one test per suite function for a [`Fixture`] type.
macro_rules! blob_store_suite {
    ($fixture:ty) => {
        blob_store_suite!(@tests $fixture;
            round_trip_empty, round_trip_small, round_trip_large, declared_digests_accepted,
            digest_mismatch_small, digest_mismatch_large, size_mismatch_small,
            size_mismatch_large, idempotent_put_small, idempotent_put_large, delete, exists,
            scope_isolation, failing_body_small, failing_body_large, cancelled_put,
            concurrent_puts_small, concurrent_puts_large, check,
        );
    };
    (@tests $fixture:ty; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let fixture = <$fixture as $crate::suite::Fixture>::new().await;
                $crate::suite::$name(&fixture).await;
            }
        )*
    };
}
pub(crate) use blob_store_suite;

fn scope(name: &str) -> BlobScope {
    BlobScope::new(name).expect("valid scope")
}

/// Deterministic bytes that do not repeat in any short period.
pub fn pattern(len: usize) -> Bytes {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut data = Vec::with_capacity(len + 8);
    while data.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        data.extend_from_slice(&state.to_le_bytes());
    }
    data.truncate(len);
    Bytes::from(data)
}

/// `data` as a stream of `chunk`-byte pieces.
pub fn chunked(data: &Bytes, chunk: usize) -> BlobBodyIn {
    let pieces: Vec<io::Result<Bytes>> =
        (0..data.len()).step_by(chunk).map(|start| Ok(data.slice(start..(start + chunk).min(data.len())))).collect();
    Box::pin(futures::stream::iter(pieces))
}

/// The first `fail_after` bytes of `data` in 64 KiB pieces, then an error.
fn failing(data: &Bytes, fail_after: usize) -> BlobBodyIn {
    let head = data.slice(..fail_after);
    Box::pin(chunked(&head, 64 * 1024).chain(futures::stream::once(async {
        Err(io::Error::new(io::ErrorKind::ConnectionReset, "client went away"))
    })))
}

/// The first `len` bytes of `data`, then a stream that never ends; `reached` is notified when
/// the put has read all `len` bytes and waits for more.
fn stalling(data: &Bytes, len: usize) -> (BlobBodyIn, Arc<Notify>) {
    let reached = Arc::new(Notify::new());
    let signal = Arc::clone(&reached);
    let stall = futures::stream::once(async move {
        signal.notify_one();
        futures::future::pending::<io::Result<Bytes>>().await
    });
    (Box::pin(chunked(&data.slice(..len), 64 * 1024).chain(stall)), reached)
}

async fn put<F: Fixture>(
    fixture: &F,
    scope: &BlobScope,
    body: BlobBodyIn,
    expected: &ExpectedDigests,
) -> Result<tributary_blob::Digests, BlobError> {
    fixture.store().put(scope, body, expected).await
}

async fn read<F: Fixture>(fixture: &F, scope: &BlobScope, sha256: &Sha256) -> Bytes {
    let out = fixture.store().get(scope, sha256).await.expect("get");
    let chunks: Vec<Bytes> = out.stream.try_collect().await.expect("read the blob");
    let data = Bytes::from(chunks.concat());
    assert_eq!(data.len() as u64, out.size, "size announced by get");
    data
}

fn key(scope: &BlobScope, sha256: &Sha256) -> String {
    StorageKey::Blob { scope, sha256 }.to_string()
}

fn sha256_of(data: &[u8]) -> Sha256 {
    Sha256(sha2::Sha256::digest(data).into())
}

fn correct(data: &[u8]) -> ExpectedDigests {
    ExpectedDigests {
        sha256: Some(sha256_of(data)),
        sha1: Some(Sha1(sha1::Sha1::digest(data).into())),
        md5: Some(Md5(md5::Md5::digest(data).into())),
        sha512: Some(Sha512(sha2::Sha512::digest(data).into())),
        size: Some(data.len() as u64),
    }
}

async fn assert_not_stored<F: Fixture>(fixture: &F, scope: &BlobScope, sha256: &Sha256) {
    assert!(!fixture.store().exists(scope, sha256).await.expect("exists"));
    let err = fixture.store().get(scope, sha256).await.err();
    assert!(matches!(&err, Some(BlobError::NotFound { .. })), "get of an absent blob: {err:?}");
}

async fn assert_contents<F: Fixture>(fixture: &F, expected: &[String]) {
    let mut expected = expected.to_vec();
    expected.sort();
    assert_eq!(fixture.contents().await, expected);
}

async fn round_trip<F: Fixture>(fixture: &F, data: &Bytes, chunk: usize) {
    let s = scope("round-trip");
    let digests = put(fixture, &s, chunked(data, chunk), &ExpectedDigests::default()).await.expect("put");
    assert_eq!(digests.size, data.len() as u64);
    assert_eq!(digests.sha256, sha256_of(data));
    assert_eq!(ExpectedDigests::default().check(&digests).ok(), Some(()));
    assert!(correct(data).check(&digests).is_ok(), "digests of the body");
    assert!(fixture.store().exists(&s, &digests.sha256).await.expect("exists"));
    assert_eq!(read(fixture, &s, &digests.sha256).await, *data);
    let contents = fixture.contents().await;
    assert!(contents.contains(&key(&s, &digests.sha256)), "{contents:?}");
    assert!(contents.iter().all(|item| item.contains("/sha256/")), "only blobs are left: {contents:?}");
}

pub async fn round_trip_empty<F: Fixture>(fixture: &F) {
    round_trip(fixture, &Bytes::new(), 1).await;
    let digests = put(fixture, &scope("empty"), chunked(&Bytes::new(), 1), &Default::default()).await.expect("put");
    assert_eq!(digests.sha256.to_string(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

pub async fn round_trip_small<F: Fixture>(fixture: &F) {
    let s = scope("abc");
    let digests = put(fixture, &s, chunked(&Bytes::from_static(b"abc"), 2), &Default::default()).await.expect("put");
    assert_eq!(digests.sha256.to_string(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(digests.sha1.to_string(), "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_eq!(digests.md5.to_string(), "900150983cd24fb0d6963f7d28e17f72");
    assert_eq!(
        digests.sha512.to_string(),
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
         2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
    );
    assert_eq!(digests.size, 3);
    assert_eq!(read(fixture, &s, &digests.sha256).await, "abc");

    round_trip(fixture, &pattern(100_000), 4096).await;
}

pub async fn round_trip_large<F: Fixture>(fixture: &F) {
    round_trip(fixture, &pattern(LARGE), 64 * 1024).await;
}

pub async fn declared_digests_accepted<F: Fixture>(fixture: &F) {
    let s = scope("declared");
    for data in [Bytes::from_static(b"abc"), pattern(LARGE)] {
        let digests =
            put(fixture, &s, chunked(&data, 100_000), &correct(&data)).await.expect("put with every digest declared");
        assert_eq!(digests.sha256, sha256_of(&data));
    }
}

/// Each declared digest, wrong in turn, is refused, and nothing is stored.
async fn digest_mismatch<F: Fixture>(fixture: &F, data: Bytes) {
    let s = scope("mismatch");
    let right = correct(&data);
    let flip = |bytes: &mut [u8]| bytes[0] ^= 0xff;
    let mut cases = Vec::new();
    let mut sha256 = right.sha256.expect("sha256");
    flip(&mut sha256.0);
    cases.push((DigestAlgorithm::Sha256, ExpectedDigests { sha256: Some(sha256), ..right }));
    let mut sha1 = right.sha1.expect("sha1");
    flip(&mut sha1.0);
    cases.push((DigestAlgorithm::Sha1, ExpectedDigests { sha1: Some(sha1), ..right }));
    let mut md5 = right.md5.expect("md5");
    flip(&mut md5.0);
    cases.push((DigestAlgorithm::Md5, ExpectedDigests { md5: Some(md5), ..right }));
    let mut sha512 = right.sha512.expect("sha512");
    flip(&mut sha512.0);
    cases.push((DigestAlgorithm::Sha512, ExpectedDigests { sha512: Some(sha512), ..right }));

    if data.len() > PART {
        // The check is the same for every algorithm; one shows the multipart path refuses.
        cases.retain(|(algorithm, _)| *algorithm == DigestAlgorithm::Sha1);
    }
    for (algorithm, expected) in cases {
        let err = put(fixture, &s, chunked(&data, 64 * 1024), &expected).await.err();
        match &err {
            Some(BlobError::DigestMismatch { algorithm: found, expected: declared, actual }) => {
                assert_eq!(*found, algorithm);
                assert_ne!(declared, actual);
                assert!(err.as_ref().is_some_and(BlobError::is_upload_rejected));
            }
            other => panic!("{algorithm} mismatch accepted or misreported: {other:?}"),
        }
        assert_not_stored(fixture, &s, &sha256_of(&data)).await;
        assert_contents(fixture, &[]).await;
    }
}

pub async fn digest_mismatch_small<F: Fixture>(fixture: &F) {
    digest_mismatch(fixture, Bytes::from_static(b"abc")).await;
}

pub async fn digest_mismatch_large<F: Fixture>(fixture: &F) {
    digest_mismatch(fixture, pattern(LARGE)).await;
}

async fn size_mismatch<F: Fixture>(fixture: &F, data: Bytes) {
    let s = scope("size");
    let len = data.len() as u64;
    for declared in [len - 1, len + 1, 0] {
        let expected = ExpectedDigests { size: Some(declared), ..ExpectedDigests::default() };
        let err = put(fixture, &s, chunked(&data, 64 * 1024), &expected).await.err();
        assert!(
            matches!(&err, Some(BlobError::SizeMismatch { expected, actual })
                if *expected == declared && *actual != declared),
            "declared {declared} for {len} bytes: {err:?}"
        );
        assert_not_stored(fixture, &s, &sha256_of(&data)).await;
        assert_contents(fixture, &[]).await;
    }
}

pub async fn size_mismatch_small<F: Fixture>(fixture: &F) {
    size_mismatch(fixture, Bytes::from_static(b"abc")).await;
}

pub async fn size_mismatch_large<F: Fixture>(fixture: &F) {
    size_mismatch(fixture, pattern(LARGE)).await;
}

async fn idempotent_put<F: Fixture>(fixture: &F, data: Bytes) {
    let s = scope("twice");
    let first = put(fixture, &s, chunked(&data, 64 * 1024), &Default::default()).await.expect("first put");
    let second = put(fixture, &s, chunked(&data, 10_000), &correct(&data)).await.expect("second put of the same bytes");
    assert_eq!(first, second);
    assert_eq!(read(fixture, &s, &first.sha256).await, data);
    assert_contents(fixture, &[key(&s, &first.sha256)]).await;
}

pub async fn idempotent_put_small<F: Fixture>(fixture: &F) {
    idempotent_put(fixture, Bytes::from_static(b"abc")).await;
}

pub async fn idempotent_put_large<F: Fixture>(fixture: &F) {
    idempotent_put(fixture, pattern(LARGE)).await;
}

pub async fn delete<F: Fixture>(fixture: &F) {
    let s = scope("delete");
    let data = Bytes::from_static(b"to be deleted");
    let digests = put(fixture, &s, chunked(&data, 4), &Default::default()).await.expect("put");
    fixture.store().delete(&s, &digests.sha256).await.expect("delete");
    assert_not_stored(fixture, &s, &digests.sha256).await;
    fixture.store().delete(&s, &digests.sha256).await.expect("deleting an absent blob succeeds");
    assert!(!fixture.contents().await.contains(&key(&s, &digests.sha256)));
    // It can be stored again.
    put(fixture, &s, chunked(&data, 4), &Default::default()).await.expect("put again");
    assert_eq!(read(fixture, &s, &digests.sha256).await, data);
}

pub async fn exists<F: Fixture>(fixture: &F) {
    let s = scope("exists");
    let data = Bytes::from_static(b"exists");
    let sha256 = sha256_of(&data);
    assert_not_stored(fixture, &s, &sha256).await;
    put(fixture, &s, chunked(&data, 3), &Default::default()).await.expect("put");
    assert!(fixture.store().exists(&s, &sha256).await.expect("exists"));
    assert_not_stored(fixture, &s, &sha256_of(b"other")).await;
}

pub async fn scope_isolation<F: Fixture>(fixture: &F) {
    let (a, b, c) = (scope("domain-a"), scope("domain-b"), scope("domain-c"));
    let data = Bytes::from_static(b"shared bytes");
    let in_a = put(fixture, &a, chunked(&data, 5), &Default::default()).await.expect("put in a");
    let in_b = put(fixture, &b, chunked(&data, 5), &Default::default()).await.expect("put in b");
    assert_eq!(in_a, in_b);
    assert_not_stored(fixture, &c, &in_a.sha256).await;
    assert_contents(fixture, &[key(&a, &in_a.sha256), key(&b, &in_b.sha256)]).await;
    fixture.store().delete(&a, &in_a.sha256).await.expect("delete in a");
    assert_not_stored(fixture, &a, &in_a.sha256).await;
    assert_eq!(read(fixture, &b, &in_b.sha256).await, data);
}

async fn failing_body<F: Fixture>(fixture: &F, data: Bytes, fail_after: usize) {
    let s = scope("failing");
    let err = put(fixture, &s, failing(&data, fail_after), &Default::default()).await.err();
    assert!(
        matches!(&err, Some(BlobError::Body(source)) if source.kind() == io::ErrorKind::ConnectionReset),
        "{err:?}"
    );
    assert_not_stored(fixture, &s, &sha256_of(&data[..fail_after])).await;
    assert_contents(fixture, &[]).await;
}

pub async fn failing_body_small<F: Fixture>(fixture: &F) {
    failing_body(fixture, pattern(100_000), 1000).await;
}

pub async fn failing_body_large<F: Fixture>(fixture: &F) {
    // Past the first two parts, so parts were uploaded before the failure.
    failing_body(fixture, pattern(LARGE), 2 * PART + 100_000).await;
}

/// A `put` future dropped mid-way (a client that went away) leaves nothing behind.
pub async fn cancelled_put<F: Fixture>(fixture: &F) {
    let s = scope("cancelled");
    for len in [1000, 2 * PART + 100_000] {
        let (body, reached) = stalling(&pattern(LARGE), len);
        let nothing = ExpectedDigests::default();
        tokio::select! {
            result = put(fixture, &s, body, &nothing) => panic!("a stalled put finished: {result:?}"),
            () = reached.notified() => {}
        }
        // Clean-up of a dropped put may run in a spawned task: give it a moment.
        let mut contents = fixture.contents().await;
        for _ in 0..100 {
            if contents.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            contents = fixture.contents().await;
        }
        assert_eq!(contents, Vec::<String>::new(), "after cancelling a put of {len} bytes");
    }
}

async fn concurrent_puts<F: Fixture>(fixture: &F, data: Bytes) {
    let s = scope("concurrent");
    let declared = ExpectedDigests { sha256: Some(sha256_of(&data)), ..ExpectedDigests::default() };
    let nothing = ExpectedDigests::default();
    let (first, second) = tokio::join!(
        put(fixture, &s, chunked(&data, 64 * 1024), &nothing),
        put(fixture, &s, chunked(&data, 32 * 1024), &declared),
    );
    let first = first.expect("first concurrent put");
    assert_eq!(second.expect("second concurrent put"), first);
    assert_eq!(read(fixture, &s, &first.sha256).await, data);
    assert_contents(fixture, &[key(&s, &first.sha256)]).await;
}

pub async fn concurrent_puts_small<F: Fixture>(fixture: &F) {
    concurrent_puts(fixture, pattern(100_000)).await;
}

pub async fn concurrent_puts_large<F: Fixture>(fixture: &F) {
    concurrent_puts(fixture, pattern(LARGE)).await;
}

pub async fn check<F: Fixture>(fixture: &F) {
    fixture.store().check().await.expect("check of a working store");
    assert_contents(fixture, &[]).await;
}
