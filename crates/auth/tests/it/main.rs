//! Integration tests of `tributary-auth`: SigV4 against real signers (the `aws-sigv4` crate, requests
//! captured from the `aws` CLI / botocore), authorization tokens, key generation.

mod botocore;
mod keys;
mod parse;
mod sdk;
mod support;
mod tokens;
