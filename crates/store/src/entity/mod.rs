//! sea-orm entities, one module a table. Only this crate sees them.

#![expect(unused_qualifications, reason = "the sea-orm entity derive expands to qualified paths")]

pub mod assets;
pub mod blob_collections;
pub mod changes_followers;
pub mod cleanup_policies;
pub mod console_sessions;
pub mod custom_connections;
pub mod dist_tags;
pub mod domains;
pub mod fetch_leases;
pub mod package_groups;
pub mod package_versions;
pub mod packages;
pub mod permission_policies;
pub mod principals;
pub mod public_repositories;
pub mod release_age_policies;
pub mod repositories;
pub mod repository_upstreams;
pub mod scope_bindings;
pub mod server_secrets;
pub mod sync_tasks;
pub mod tokens;
pub mod trusted_publishers;
pub mod upstream_documents;
pub mod version_views;
pub mod web_logins;
