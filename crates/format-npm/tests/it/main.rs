//! Integration tests of the npm protocol crate: real tarballs and bodies built as npm builds them.

mod packument;
mod publish;
mod support;
mod tarball;
mod upstream;
