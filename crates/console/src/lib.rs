//! The web console's pages (docs/ARCHITECTURE.md, "The web console"): HTML rendered on the
//! server with [maud], plain links and forms, no script. This crate only renders: the server's
//! console handlers sign people in, ask the engine, and hand what it answered to these functions.
//!
//! - [`pages`]: one function per page, each taking what it shows;
//! - [`graph`]: a repository's upstream graph as SVG, numbered in search order;
//! - [`install`]: the commands that point a client at a repository and install a version;
//! - [`urls`]: the console's addresses, built in one place;
//! - [`STYLESHEET`]: the one stylesheet, served at `/ui/assets/console.css`.

pub mod graph;
pub mod install;
mod layout;
pub mod pages;
pub mod urls;

/// The console's stylesheet (light and dark, readable on a phone).
pub const STYLESHEET: &str = include_str!("console.css");
