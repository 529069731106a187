//! Fetch leases: one replica of a fleet fetches a given upstream file at a time (docs/DESIGN.md §4).
//!
//! A lease is a row: a key, its holder and when it lapses. Taking one is a single conditional
//! write (insert if absent, or take over one that lapsed), so two replicas never both hold it;
//! the holder renews it while its fetch runs, and gives it up at the end. A replica that dies
//! holding one only delays the others until it lapses.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set};

use crate::entity::fetch_leases;
use crate::{Result, Store};

impl Store {
    /// Takes the lease `key` for `holder` until `now_ms + ttl_ms` (Unix milliseconds) when
    /// nobody holds it or its lease lapsed; whether `holder` now holds it.
    pub async fn take_lease(&self, key: &str, holder: &str, now_ms: i64, ttl_ms: i64) -> Result<bool> {
        let model = fetch_leases::ActiveModel {
            key: Set(key.to_owned()),
            holder: Set(holder.to_owned()),
            expires_at_ms: Set(now_ms + ttl_ms),
        };
        let inserted = fetch_leases::Entity::insert(model)
            .on_conflict(OnConflict::column(fetch_leases::Column::Key).do_nothing().to_owned())
            .exec_without_returning(&self.db)
            .await?;
        if inserted == 1 {
            return Ok(true);
        }
        let taken_over = fetch_leases::Entity::update_many()
            .col_expr(fetch_leases::Column::Holder, Expr::value(holder))
            .col_expr(fetch_leases::Column::ExpiresAtMs, Expr::value(now_ms + ttl_ms))
            .filter(fetch_leases::Column::Key.eq(key))
            .filter(fetch_leases::Column::ExpiresAtMs.lt(now_ms))
            .exec(&self.db)
            .await?;
        Ok(taken_over.rows_affected == 1)
    }

    /// Extends `holder`'s lease `key` to `now_ms + ttl_ms`; whether it still was `holder`'s.
    pub async fn renew_lease(&self, key: &str, holder: &str, now_ms: i64, ttl_ms: i64) -> Result<bool> {
        let renewed = fetch_leases::Entity::update_many()
            .col_expr(fetch_leases::Column::ExpiresAtMs, Expr::value(now_ms + ttl_ms))
            .filter(fetch_leases::Column::Key.eq(key))
            .filter(fetch_leases::Column::Holder.eq(holder))
            .exec(&self.db)
            .await?;
        Ok(renewed.rows_affected == 1)
    }

    /// Gives up `holder`'s lease `key` (nothing, if another holds it now).
    pub async fn release_lease(&self, key: &str, holder: &str) -> Result<()> {
        fetch_leases::Entity::delete_many()
            .filter(fetch_leases::Column::Key.eq(key))
            .filter(fetch_leases::Column::Holder.eq(holder))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// On SQLite the server is the only replica, so a lease left in the database was left by a
    /// previous run of this server, killed while fetching: void. (On PostgreSQL other replicas
    /// may be fetching; their leases stay, and lapse if they died.) A sync task it was running is
    /// waiting again. For `tributary serve` only,
    /// once it holds the database alone: another command (`tributary gc`) may run beside a
    /// server, whose leases are live.
    pub async fn void_leases_of_a_previous_run(&self) -> Result<()> {
        if self.db.get_database_backend() == DbBackend::Sqlite {
            fetch_leases::Entity::delete_many().exec(&self.db).await?;
            // Likewise a sync task it was running: waiting again, to be claimed at once.
            crate::entity::sync_tasks::Entity::update_many()
                .col_expr(crate::entity::sync_tasks::Column::State, Expr::value("waiting"))
                .col_expr(crate::entity::sync_tasks::Column::ClaimedBy, Expr::value(Option::<String>::None))
                .filter(crate::entity::sync_tasks::Column::State.eq("processing"))
                .exec(&self.db)
                .await?;
        }
        Ok(())
    }
}
