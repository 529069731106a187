//! Caches kept true across a fleet (docs/ARCHITECTURE.md, "A fleet"): each change that retires
//! cache entries here is told to the other servers on the same PostgreSQL database
//! ([`tributary_store::Store::notify`]), which retire theirs within moments instead of waiting
//! out their TTLs (those stay, as the safety net). A server whose listening connection was lost
//! drops everything it caches that another could have changed. On SQLite (one server) nothing
//! is told.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tributary_model::{PackageCoordinates, PackageFormat};

use crate::Service;

/// What changed, as told to the fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "kebab-case")]
pub(crate) enum Invalidation {
    /// A package's versions, statuses, tags or origin controls.
    Package { domain_id: String, format: String, namespace: String, name: String },
    /// A domain's repositories and their links.
    Graph { domain_id: String },
    /// A domain's access rules, release-age policies, connections and scope bindings.
    Access { domain_id: String },
    /// A domain's package groups.
    PackageGroups { domain_id: String },
    /// A domain itself (deleted, tagged).
    Domain { name: String },
    /// A principal (its keys rotated, or deleted).
    Principals,
    /// A token revoked.
    Revoked { token_id: String },
}

impl Invalidation {
    pub(crate) fn package(domain_id: &str, coordinates: &PackageCoordinates) -> Self {
        Self::Package {
            domain_id: domain_id.to_owned(),
            format: coordinates.format.as_str().to_owned(),
            namespace: coordinates.namespace.clone(),
            name: coordinates.name.clone(),
        }
    }
}

/// A message on the fleet's channel: who sent it (a server does not act on its own) and what.
#[derive(Debug, Serialize, Deserialize)]
struct Message {
    from: String,
    #[serde(flatten)]
    what: Invalidation,
}

/// Where this server tells the fleet what it changed: the messages go out in order, one after
/// another, on a task of their own ([`Service::run_fleet`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Outbox {
    sender: Arc<std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<Invalidation>>>,
}

impl Outbox {
    /// Tells the fleet, if this server is in one.
    pub(crate) fn send(&self, what: Invalidation) {
        if let Some(sender) = self.sender.get() {
            // Closed only when the process ends.
            let _ = sender.send(what);
        }
    }
}

impl Service {
    /// Runs this server's part of the fleet until the process ends: tells the others what it
    /// changes, and retires what they tell it changed (listening again, and retiring everything,
    /// whenever its connection is lost). On SQLite, returns at once.
    pub async fn run_fleet(&self) {
        if !self.store.is_shared() {
            return;
        }
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        let me = hex::encode(rand::random::<[u8; 16]>());
        let store = self.store.clone();
        let from = me.clone();
        let telling = async move {
            while let Some(what) = receiver.recv().await {
                let message = Message { from: from.clone(), what };
                let text = serde_json::to_string(&message).unwrap_or_default();
                if let Err(e) = store.notify(&text).await {
                    tracing::warn!(error = %e, "the fleet could not be told of a change; its caches catch up within their TTLs");
                }
            }
        };
        if self.caches.outbox.sender.set(sender).is_err() {
            return;
        }
        let listening = self.store.listen(|heard| {
            let service = self.clone();
            let me = me.clone();
            async move {
                match heard {
                    Some(text) => match serde_json::from_str::<Message>(&text) {
                        Ok(message) if message.from != me => service.retire(message.what).await,
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, message = %text, "a fleet message cannot be read"),
                    },
                    None => service.retire_everything().await,
                }
            }
        });
        tokio::join!(telling, listening);
    }

    /// Retires what another server changed.
    async fn retire(&self, what: Invalidation) {
        let caches = &self.caches;
        match what {
            Invalidation::Package { domain_id, format, namespace, name } => {
                let Some(format) = PackageFormat::parse(&format) else { return };
                let coordinates = PackageCoordinates { format, namespace, name };
                caches.bump_package(&domain_id, &coordinates).await;
            }
            Invalidation::Graph { domain_id } => {
                caches.graphs.invalidate(&domain_id).await;
                caches.bump_graph(&domain_id).await;
            }
            Invalidation::Access { domain_id } => caches.access.invalidate(&domain_id).await,
            Invalidation::PackageGroups { domain_id } => caches.package_groups.invalidate(&domain_id).await,
            Invalidation::Domain { name } => caches.domains.invalidate(&name).await,
            Invalidation::Principals => caches.principals.invalidate_all(),
            Invalidation::Revoked { token_id } => self.note_revoked(&token_id),
        }
    }

    /// Retires everything another server could have changed, as after a lost connection.
    async fn retire_everything(&self) {
        let caches = &self.caches;
        caches.principals.invalidate_all();
        caches.graphs.invalidate_all();
        caches.access.invalidate_all();
        caches.package_groups.invalidate_all();
        caches.domains.invalidate_all();
        caches.retire_all_generations();
        if let Err(e) = self.refresh_revocations(chrono::Utc::now()).await {
            tracing::warn!(error = %e.message, "the revoked tokens could not be reloaded");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_back() {
        let coordinates =
            PackageCoordinates { format: PackageFormat::Npm, namespace: "corp".to_owned(), name: "widget".to_owned() };
        for what in [
            Invalidation::package("d1", &coordinates),
            Invalidation::Graph { domain_id: "d1".to_owned() },
            Invalidation::Principals,
            Invalidation::Revoked { token_id: "t1".to_owned() },
        ] {
            let text = serde_json::to_string(&Message { from: "me".to_owned(), what: what.clone() }).expect("json");
            assert!(text.len() < 1000, "{text}");
            let read: Message = serde_json::from_str(&text).expect("reads back");
            assert_eq!((read.from.as_str(), read.what), ("me", what));
        }
    }
}
