//! Integration tests of `tributary-blob`: one suite ([`suite`]) run against every store.

mod fs;
mod s3;
mod suite;
