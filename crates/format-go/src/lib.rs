//! Go modules (<https://go.dev/ref/mod#goproxy-protocol>): what a module path and a version
//! are, the module zips the go command downloads (checked and hashed as it hashes them), the
//! GOPROXY documents, then the proxy over the engine.
//!
//! Modules:
//! - [`module`]: module paths (the go command's rules), their `!` escaping, and their split
//!   into a namespace and a name.
//! - [`version`]: canonical versions, pseudo-versions, order, the `@latest` choice.
//! - [`hash`]: the `h1:` hashes of `go.sum` and the checksum database.
//! - [`modzip`]: a module zip read and checked under limits.
//! - [`proxy`]: `@v/list` and `.info`, rendered and read from an upstream proxy.
//! - [`sumdb`]: the checksum database's keys, signed trees, lookups and tiles, and the proof
//!   that a record is in a signed tree.
//! - [`registry`]: the proxy over the engine, and `GoAdapter` (with [`plane`], the only
//!   modules that do I/O, through `tributary-engine`).
//! - [`plane`]: the endpoint on the engine's data-plane seam.
//! - [`origin`]: modules fetched from their version-control repositories by the go command,
//!   answered as a proxy would (it runs the go command: the third module that does I/O).

pub mod hash;
pub mod module;
pub mod modzip;
pub mod origin;
pub mod plane;
pub mod proxy;
pub mod registry;
pub mod sumdb;
pub mod version;
