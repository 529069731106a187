//! The registries' metadata documents shared by a fleet's replicas (docs/DESIGN.md §4, "One
//! fleet, one request"): one row per document (keyed as the engine caches it), written by the
//! replica that fetched it, read by the others instead of asking the registry again.
//!
//! A document's pages (documents it links to, fetched with it) are kept in one column, each
//! framed by its length as 4 bytes, big-endian.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::entity::upstream_documents;
use crate::{Result, Store, StoreError};

/// A registry's answer for one document, as a replica read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedDocument {
    /// The engine's cache key of the document (its URL, and a digest of the credentials sent).
    pub key: String,
    /// Whether the registry had it (false: it answered "not found"; the body is empty).
    pub found: bool,
    /// Its ETag, for conditional requests.
    pub etag: Option<String>,
    /// Its `Content-Type`.
    pub content_type: Option<String>,
    /// The document.
    pub body: bytes::Bytes,
    /// The pages it links to, in its order.
    pub pages: Vec<bytes::Bytes>,
    /// When it was read from the registry, or last confirmed unchanged (Unix milliseconds).
    pub fetched_at_ms: i64,
}

impl Store {
    /// When the shared copy of `key` was last read or confirmed (Unix milliseconds), without
    /// reading it; `None` when there is none.
    pub async fn shared_document_stamp(&self, key: &str) -> Result<Option<i64>> {
        Ok(upstream_documents::Entity::find_by_id(key.to_owned())
            .select_only()
            .column(upstream_documents::Column::FetchedAtMs)
            .into_tuple::<i64>()
            .one(&self.db)
            .await?)
    }

    /// The shared copy of `key`, if there is one.
    pub async fn shared_document(&self, key: &str) -> Result<Option<SharedDocument>> {
        let Some(row) = upstream_documents::Entity::find_by_id(key.to_owned()).one(&self.db).await? else {
            return Ok(None);
        };
        let pages = unframe(row.pages.as_deref().unwrap_or_default())
            .ok_or_else(|| StoreError::Corrupt(format!("the shared document `{}` has broken pages", row.key)))?;
        Ok(Some(SharedDocument {
            key: row.key,
            found: row.found,
            etag: row.etag,
            content_type: row.content_type,
            body: row.body.into(),
            pages,
            fetched_at_ms: row.fetched_at_ms,
        }))
    }

    /// Stores `document` as the shared copy of its key, replacing an older one (a replica that
    /// read the registry earlier and writes later does not overwrite a newer copy).
    pub async fn put_shared_document(&self, document: &SharedDocument) -> Result<()> {
        let model = upstream_documents::ActiveModel {
            key: Set(document.key.clone()),
            found: Set(document.found),
            etag: Set(document.etag.clone()),
            content_type: Set(document.content_type.clone()),
            body: Set(document.body.to_vec()),
            pages: Set((!document.pages.is_empty()).then(|| frame(&document.pages))),
            fetched_at_ms: Set(document.fetched_at_ms),
        };
        use upstream_documents::Column as C;
        let mut on_conflict = OnConflict::column(C::Key);
        on_conflict
            .update_columns([C::Found, C::Etag, C::ContentType, C::Body, C::Pages, C::FetchedAtMs])
            .action_and_where(Expr::col((upstream_documents::Entity, C::FetchedAtMs)).lt(document.fetched_at_ms));
        upstream_documents::Entity::insert(model).on_conflict(on_conflict).exec_without_returning(&self.db).await?;
        Ok(())
    }

    /// Marks the shared copy of `key` as confirmed unchanged at `now_ms` (the registry answered
    /// "not modified" to its `etag`); whether there was such a copy.
    pub async fn confirm_shared_document(&self, key: &str, etag: &str, now_ms: i64) -> Result<bool> {
        let updated = upstream_documents::Entity::update_many()
            .col_expr(upstream_documents::Column::FetchedAtMs, Expr::value(now_ms))
            .filter(upstream_documents::Column::Key.eq(key))
            .filter(upstream_documents::Column::Etag.eq(etag))
            .filter(upstream_documents::Column::FetchedAtMs.lt(now_ms))
            .exec(&self.db)
            .await?;
        Ok(updated.rows_affected == 1)
    }

    /// Deletes the shared documents not read from their registry since `before_ms`; how many.
    pub async fn delete_shared_documents_before(&self, before_ms: i64) -> Result<u64> {
        let deleted = upstream_documents::Entity::delete_many()
            .filter(upstream_documents::Column::FetchedAtMs.lt(before_ms))
            .exec(&self.db)
            .await?;
        Ok(deleted.rows_affected)
    }
}

/// The pages, each after its length (4 bytes, big-endian).
fn frame(pages: &[bytes::Bytes]) -> Vec<u8> {
    let mut framed = Vec::with_capacity(pages.iter().map(|p| p.len() + 4).sum());
    for page in pages {
        framed.extend_from_slice(&u32::try_from(page.len()).unwrap_or(u32::MAX).to_be_bytes());
        framed.extend_from_slice(page);
    }
    framed
}

/// The pages framed by [`frame`]; `None` when the framing is broken.
fn unframe(mut framed: &[u8]) -> Option<Vec<bytes::Bytes>> {
    let mut pages = Vec::new();
    while !framed.is_empty() {
        let (length, rest) = framed.split_first_chunk::<4>()?;
        let length = usize::try_from(u32::from_be_bytes(*length)).ok()?;
        if rest.len() < length {
            return None;
        }
        let (page, rest) = rest.split_at(length);
        pages.push(bytes::Bytes::copy_from_slice(page));
        framed = rest;
    }
    Some(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_survive_their_framing() {
        let pages = vec![bytes::Bytes::from_static(b"{}"), bytes::Bytes::new(), bytes::Bytes::from(vec![7u8; 300])];
        assert_eq!(unframe(&frame(&pages)), Some(pages));
        assert_eq!(unframe(&[]), Some(vec![]));
    }

    #[test]
    fn broken_framing_is_refused() {
        assert_eq!(unframe(&[0, 0, 0, 5, b'a']), None);
        assert_eq!(unframe(&[0, 0]), None);
    }
}
