//! sea-orm entities, one module a table. Only this crate sees them.

#![expect(unused_qualifications, reason = "the sea-orm entity derive expands to qualified paths")]

pub mod domains;
pub mod principals;
pub mod repositories;
pub mod repository_upstreams;
pub mod server_secrets;
