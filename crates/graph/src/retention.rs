//! Retention targets of a fetch through a chain (docs/DESIGN.md §3, rule 1 of §7).
//!
//! When the asking repository serves a version found further along its search order, a reference
//! to that version is stored in the asking repository; when it came through an external
//! connection, also in the gateway whose connection fetched it. Intermediate repositories get
//! nothing.

use crate::SearchStep;

/// Where a version resolved through the search order of the asking repository was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoundAt {
    /// Stored in the repository at this index of the search order.
    Stored {
        /// Index into the search order.
        index: usize,
    },
    /// Fetched through the external connection of the gateway at this index of the search order.
    External {
        /// Index into the search order.
        index: usize,
    },
}

/// The repositories that must newly store a version found at `found` of `search_order` (whose
/// first step is the asking repository): deduplicated, asking repository first.
///
/// - found stored in the asking repository: nothing;
/// - found stored in an upstream: the asking repository;
/// - fetched through an external connection: the asking repository and the gateway whose
///   connection fetched it (once, if the asking repository is that gateway).
///
/// An empty search order gives nothing; an index past its end names no gateway.
pub fn retention_targets(search_order: &[SearchStep], found: &FoundAt) -> Vec<String> {
    let Some(asking) = search_order.first() else {
        return Vec::new();
    };
    match *found {
        FoundAt::Stored { index: 0 } => Vec::new(),
        FoundAt::Stored { .. } => vec![asking.repository.clone()],
        FoundAt::External { index } => {
            let mut targets = vec![asking.repository.clone()];
            if let Some(gateway) = search_order.get(index)
                && gateway.repository != asking.repository
            {
                targets.push(gateway.repository.clone());
            }
            targets
        }
    }
}
