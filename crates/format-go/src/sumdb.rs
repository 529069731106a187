//! The checksum database's client side (<https://go.dev/design/25530-sumdb>), pure: verifier
//! keys, signed tree heads, lookup answers, and the proof that a record is in a signed tree,
//! computed from the log's tiles (height 8) as the go command reads them. The caller fetches
//! what [`Proof`] asks for; nothing here does I/O.

use std::future::Future;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// A verifier key: `name+hash+base64(0x01 || Ed25519 public key)`.
#[derive(Debug, Clone)]
pub struct VerifierKey {
    /// The database's name (`sum.golang.org`).
    pub name: String,
    hash: [u8; 4],
    key: ed25519_dalek::VerifyingKey,
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

impl VerifierKey {
    /// Parses a key, checking its hash.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("`{text}` is not a checksum database key (`name+hash+key`): {why}");
        // The key's base64 may hold `+` itself: only the first two separate.
        let mut parts = text.trim().splitn(3, '+');
        let (Some(name), Some(hash), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("it has three parts"));
        };
        let hash: [u8; 4] =
            hex::decode(hash).ok().and_then(|h| h.try_into().ok()).ok_or_else(|| bad("its hash is 8 hex digits"))?;
        let raw = B64.decode(key).map_err(|_| bad("its key is base64"))?;
        let (Some(&1), Some(public)) = (raw.first(), raw.get(1..).and_then(|k| <[u8; 32]>::try_from(k).ok())) else {
            return Err(bad("its key is an Ed25519 key (algorithm 1, 32 bytes)"));
        };
        if key_hash(name, &raw) != hash {
            return Err(bad("its hash does not match its name and key"));
        }
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public).map_err(|e| bad(&e.to_string()))?;
        Ok(Self { name: name.to_owned(), hash, key })
    }

    /// The tree a signed note states, when this key signed it.
    pub fn verify_tree(&self, note: &[u8]) -> Result<Tree, String> {
        let text = std::str::from_utf8(note).map_err(|_| "the signed tree is not UTF-8".to_owned())?;
        let split = text.find("\n\n").ok_or_else(|| "the signed tree has no signatures".to_owned())?;
        let (body, signatures) = (&text[..split + 1], &text[split + 2..]);
        let signed = signatures.lines().filter_map(|line| line.strip_prefix("\u{2014} ")).any(|line| {
            let Some((name, sig)) = line.split_once(' ') else { return false };
            let Ok(sig) = B64.decode(sig) else { return false };
            name == self.name
                && sig.len() == 68
                && sig[..4] == self.hash
                && <[u8; 64]>::try_from(&sig[4..])
                    .map(|s| self.key.verify_strict(body.as_bytes(), &ed25519_dalek::Signature::from_bytes(&s)).is_ok())
                    .unwrap_or(false)
        });
        if !signed {
            return Err(format!("the tree is not signed by the key of `{}`", self.name));
        }
        Tree::parse(body)
    }
}

fn key_hash(name: &str, key: &[u8]) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update(key);
    hasher.finalize()[..4].try_into().unwrap_or_default()
}

/// A tree head: its size and root hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tree {
    /// How many records.
    pub size: u64,
    /// The root hash.
    pub hash: [u8; 32],
}

impl Tree {
    fn parse(body: &str) -> Result<Self, String> {
        let bad = || "the signed note is not a go.sum database tree".to_owned();
        let mut lines = body.lines();
        if lines.next() != Some("go.sum database tree") {
            return Err(bad());
        }
        let size = lines.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
        let hash = lines.next().and_then(|h| B64.decode(h).ok()).and_then(|h| h.try_into().ok()).ok_or_else(bad)?;
        Ok(Self { size, hash })
    }
}

/// A lookup's answer: the record's id, its text (the `go.sum` lines of one module version) and
/// the signed tree it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup<'a> {
    /// The record's index in the log.
    pub id: u64,
    /// Its text.
    pub record: &'a str,
    /// The signed note of a tree that holds it.
    pub signed_tree: &'a [u8],
}

/// Reads a lookup's answer.
pub fn parse_lookup(bytes: &[u8]) -> Result<Lookup<'_>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the lookup answer is not UTF-8".to_owned())?;
    let (id, rest) = text.split_once('\n').ok_or_else(|| "the lookup answer is empty".to_owned())?;
    let id = id.trim().parse().map_err(|_| format!("the lookup answer starts with `{id}`, not a record id"))?;
    let end = rest.find("\n\n").ok_or_else(|| "the lookup answer has no tree".to_owned())?;
    Ok(Lookup { id, record: &rest[..end + 1], signed_tree: &rest.as_bytes()[end + 2..] })
}

/// The `h1:` hashes a record states for `module` at `version`: (zip, go.mod).
pub fn record_hashes(record: &str, module: &str, version: &str) -> (Option<String>, Option<String>) {
    let mut zip = None;
    let mut go_mod = None;
    let go_mod_version = format!("{version}/go.mod");
    for line in record.lines() {
        let mut fields = line.split(' ');
        if let (Some(m), Some(v), Some(h), None) = (fields.next(), fields.next(), fields.next(), fields.next())
            && m == module
        {
            if v == version {
                zip = Some(h.to_owned());
            } else if v == go_mod_version {
                go_mod = Some(h.to_owned());
            }
        }
    }
    (zip, go_mod)
}

/// A record's hash in the log (RFC 6962: a leaf).
pub fn record_hash(record: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(record);
    hasher.finalize().into()
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The log's tile height.
pub const TILE_HEIGHT: u32 = 8;
const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;

/// A tile of the log of a tree of `size` records: its level and number; its width in that tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    /// Its level: its hashes are of subtrees of 256^level records.
    pub level: u32,
    /// Its number at that level.
    pub index: u64,
    /// How many hashes it holds in the tree (256 when full).
    pub width: u64,
}

impl Tile {
    /// Its path under the database's URL: `tile/8/{level}/{index}[.p/{width}]`, the index in
    /// groups of three digits, each but the last prefixed with `x`.
    pub fn path(&self) -> String {
        let mut groups = vec![format!("{:03}", self.index % 1000)];
        let mut rest = self.index / 1000;
        while rest > 0 {
            groups.push(format!("x{:03}", rest % 1000));
            rest /= 1000;
        }
        groups.reverse();
        let partial = if self.width < TILE_WIDTH { format!(".p/{}", self.width) } else { String::new() };
        format!("tile/{TILE_HEIGHT}/{}/{}{partial}", self.level, groups.join("/"))
    }
}

/// The root hash of a tree of `size` records in which record `id` hashes to `leaf`: the path
/// from that leaf is computed, its siblings read from the log's tiles, fetched with `tile`
/// (which returns the tile's `width` hashes, 32 bytes each). Equal to the signed root, it proves
/// the record is in the tree (a sibling cannot be forged without a hash collision).
pub async fn root_with_record<F, Fut>(size: u64, id: u64, leaf: [u8; 32], mut tile: F) -> Result<[u8; 32], String>
where
    F: FnMut(Tile) -> Fut,
    Fut: Future<Output = Result<Vec<u8>, String>>,
{
    if id >= size {
        return Err(format!("record {id} is not in a tree of {size}"));
    }
    let mut fetched: std::collections::HashMap<Tile, Vec<u8>> = std::collections::HashMap::new();
    // Ranges still to hash, as a stack machine: `Range` pushes its two halves (or its hash),
    // `Join` combines the two hashes on top.
    enum Step {
        Range(u64, u64),
        Join,
    }
    let mut steps = vec![Step::Range(0, size)];
    let mut hashes: Vec<[u8; 32]> = Vec::new();
    while let Some(step) = steps.pop() {
        match step {
            Step::Join => {
                let right = hashes.pop().ok_or_else(|| "a malformed proof".to_owned())?;
                let left = hashes.pop().ok_or_else(|| "a malformed proof".to_owned())?;
                hashes.push(node_hash(&left, &right));
            }
            Step::Range(lo, hi) if hi - lo == 1 && lo == id => hashes.push(leaf),
            Step::Range(lo, hi) => {
                let len = hi - lo;
                let complete = len.is_power_of_two() && lo % len == 0;
                if complete && !(lo..hi).contains(&id) {
                    hashes.push(subtree(size, lo, len.trailing_zeros(), &mut fetched, &mut tile).await?);
                } else {
                    let k = if len.is_power_of_two() { len / 2 } else { 1u64 << (63 - (len - 1).leading_zeros()) };
                    // Pushed in reverse: the left half is hashed first.
                    steps.push(Step::Join);
                    steps.push(Step::Range(lo + k, hi));
                    steps.push(Step::Range(lo, lo + k));
                }
            }
        }
    }
    hashes.pop().ok_or_else(|| "the tree is empty".to_owned())
}

/// The hash of the complete subtree of `2^height` records from `start` (aligned), combined from
/// the tile of the level below it.
async fn subtree<F, Fut>(
    size: u64,
    start: u64,
    height: u32,
    fetched: &mut std::collections::HashMap<Tile, Vec<u8>>,
    tile: &mut F,
) -> Result<[u8; 32], String>
where
    F: FnMut(Tile) -> Fut,
    Fut: Future<Output = Result<Vec<u8>, String>>,
{
    let level = height / TILE_HEIGHT;
    let span = height % TILE_HEIGHT;
    // Its hashes at the tile level: `2^span` of them, from index `first`.
    let first = start >> (level * TILE_HEIGHT);
    let count = 1u64 << span;
    let index = first / TILE_WIDTH;
    let level_size = size >> (level * TILE_HEIGHT);
    let width = (level_size - index * TILE_WIDTH).min(TILE_WIDTH);
    let wanted = Tile { level, index, width };
    if let std::collections::hash_map::Entry::Vacant(slot) = fetched.entry(wanted) {
        let bytes = tile(wanted).await?;
        if bytes.len() as u64 != width * 32 {
            return Err(format!("tile `{}` holds {} bytes, not {}", wanted.path(), bytes.len(), width * 32));
        }
        slot.insert(bytes);
    }
    let bytes = fetched.get(&wanted).ok_or_else(|| "a tile went missing".to_owned())?;
    let offset = first % TILE_WIDTH;
    if offset + count > width {
        return Err(format!("tile `{}` does not hold the subtree at {start}", wanted.path()));
    }
    let mut level_hashes: Vec<[u8; 32]> = (offset..offset + count)
        .map(|i| {
            let at = usize::try_from(i * 32).unwrap_or(usize::MAX);
            bytes.get(at..at + 32).and_then(|h| h.try_into().ok()).unwrap_or([0u8; 32])
        })
        .collect();
    while level_hashes.len() > 1 {
        level_hashes = level_hashes.chunks(2).map(|pair| node_hash(&pair[0], &pair[1])).collect();
    }
    level_hashes.pop().ok_or_else(|| "an empty subtree".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer as _;

    fn block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().expect("a runtime").block_on(future)
    }

    /// The tree hash of `leaves` (RFC 6962).
    fn tree_hash(leaves: &[[u8; 32]]) -> [u8; 32] {
        match leaves.len() {
            1 => leaves[0],
            n => {
                let split = (n - 1).next_power_of_two();
                let split = if split >= n { split / 2 } else { split };
                node_hash(&tree_hash(&leaves[..split]), &tree_hash(&leaves[split..]))
            }
        }
    }

    /// A tile of a log of `leaves`, as a database serves it.
    fn serve(leaves: &[[u8; 32]], tile: Tile) -> Vec<u8> {
        let span = 1usize << (tile.level * TILE_HEIGHT);
        (0..tile.width as usize)
            .flat_map(|e| {
                let start = (tile.index as usize * 256 + e) * span;
                tree_hash(&leaves[start..start + span]).to_vec()
            })
            .collect()
    }

    #[test]
    fn records_are_proven_from_tiles_at_every_level() {
        let leaves: Vec<[u8; 32]> = (0..70_000u32).map(|i| record_hash(&i.to_be_bytes())).collect();
        for size in [1u64, 2, 3, 255, 256, 257, 1000, 65_536, 65_537, 70_000] {
            let tree = &leaves[..size as usize];
            for id in [0, size / 2, size - 1] {
                let requested = std::cell::RefCell::new(Vec::new());
                let root = block_on(root_with_record(size, id, leaves[id as usize], |tile| {
                    requested.borrow_mut().push(tile.path());
                    let bytes = serve(tree, tile);
                    async move { Ok(bytes) }
                }))
                .expect("a root");
                assert_eq!(root, tree_hash(tree), "size {size}, record {id}");
                assert!(requested.borrow().len() <= 8, "size {size}: {:?}", requested.borrow());
                // Another record's hash gives another root.
                let other = block_on(root_with_record(size, id, [0u8; 32], |tile| {
                    let bytes = serve(tree, tile);
                    async move { Ok(bytes) }
                }))
                .expect("a root");
                assert_ne!(other, tree_hash(tree), "size {size}, record {id}");
            }
        }
        // A tile that lies about any hash the proof reads is caught by the root.
        let tree = &leaves[..1000];
        // (Record 300 of 1000: its siblings are in tiles 0/1 and 0/3, and in 1/0 above them.)
        for (level, index) in [(0u32, 1u64), (0, 3), (1, 0)] {
            let root = block_on(root_with_record(1000, 300, leaves[300], |tile| {
                let mut bytes = serve(tree, tile);
                if (tile.level, tile.index) == (level, index) {
                    for byte in bytes.iter_mut() {
                        *byte ^= 1;
                    }
                }
                async move { Ok(bytes) }
            }))
            .expect("a root");
            assert_ne!(root, tree_hash(tree), "a forged tile {level}/{index}");
        }
        assert!(block_on(root_with_record(5, 5, [0u8; 32], |_| async { Ok(Vec::new()) })).is_err());
    }

    #[test]
    fn the_public_databases_key_parses() {
        // The key the go command has built in for sum.golang.org: its hash checks out.
        let key = VerifierKey::parse("sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8")
            .expect("the key");
        assert_eq!(key.name, "sum.golang.org");
        assert!(VerifierKey::parse("sum.golang.org+033de0af+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8").is_err());
    }

    #[test]
    fn tile_paths() {
        assert_eq!(Tile { level: 0, index: 0, width: 3 }.path(), "tile/8/0/000.p/3");
        assert_eq!(Tile { level: 1, index: 1234, width: 256 }.path(), "tile/8/1/x001/234");
        assert_eq!(Tile { level: 2, index: 1_234_567, width: 9 }.path(), "tile/8/2/x001/x234/567.p/9");
    }

    #[test]
    fn keys_notes_and_lookups() {
        let signing = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
        let mut raw = vec![1u8];
        raw.extend_from_slice(signing.verifying_key().as_bytes());
        let hash = key_hash("sum.test", &raw);
        let key = VerifierKey::parse(&format!("sum.test+{}+{}", hex::encode(hash), B64.encode(&raw))).expect("a key");
        assert!(VerifierKey::parse(&format!("sum.test+00000000+{}", B64.encode(&raw))).is_err());
        assert!(VerifierKey::parse("sum.test").is_err());
        let body = format!("go.sum database tree\n5\n{}\n", B64.encode([7u8; 32]));
        let mut sig = hash.to_vec();
        sig.extend_from_slice(&signing.sign(body.as_bytes()).to_bytes());
        let note = format!("{body}\n\u{2014} sum.test {}\n", B64.encode(&sig));
        assert_eq!(key.verify_tree(note.as_bytes()), Ok(Tree { size: 5, hash: [7u8; 32] }));
        let forged = note.replace("\n5\n", "\n6\n");
        assert!(key.verify_tree(forged.as_bytes()).is_err());
        let answer = format!("3\nexample.com/m v1.0.0 h1:zip=\nexample.com/m v1.0.0/go.mod h1:mod=\n\n{note}");
        let lookup = parse_lookup(answer.as_bytes()).expect("a lookup");
        assert_eq!(lookup.id, 3);
        assert_eq!(lookup.signed_tree, note.as_bytes());
        assert_eq!(
            record_hashes(lookup.record, "example.com/m", "v1.0.0"),
            (Some("h1:zip=".to_owned()), Some("h1:mod=".to_owned()))
        );
    }
}
