//! Messages between the servers of a fleet (docs/ARCHITECTURE.md, "A fleet"): PostgreSQL's
//! `NOTIFY` on one channel, heard by every server `LISTEN`ing to it. What a message says is the
//! engine's business; here is only the carrying. On SQLite (one server) nothing is carried.

use std::future::Future;
use std::time::Duration;

use sea_orm::{ConnectionTrait as _, DbBackend, DbErr, Statement};

use crate::{Result, Store, StoreError};

/// The channel.
const CHANNEL: &str = "tributary_fleet";

fn listener_error(e: &sea_orm::sqlx::Error) -> StoreError {
    StoreError::Database(DbErr::Custom(format!("the fleet's listening connection: {e}")))
}

impl Store {
    /// Whether servers may share this store (PostgreSQL), so that what one caches another may
    /// change.
    pub fn is_shared(&self) -> bool {
        self.db.get_database_backend() == DbBackend::Postgres
    }

    /// Tells every server listening (this one too) `message`; on SQLite, nothing.
    pub async fn notify(&self, message: &str) -> Result<()> {
        if !self.is_shared() {
            return Ok(());
        }
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), message.into()],
        );
        self.db.execute(statement).await?;
        Ok(())
    }

    /// Hears the fleet's messages until the process ends: `heard(Some(message))` for each, and
    /// `heard(None)` when the listening connection is lost and again once a new one listens
    /// (messages sent meanwhile are lost). Fails only if it cannot listen at first.
    pub async fn listen<F, Fut>(&self, mut heard: F) -> Result<()>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = ()>,
    {
        use sea_orm::sqlx::postgres::PgListener;
        if !self.is_shared() {
            return Ok(());
        }
        let pool = self.db.get_postgres_connection_pool();
        let connect = || async {
            let mut listener = PgListener::connect_with(pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        let mut listener = connect().await.map_err(|e| listener_error(&e))?;
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => heard(Some(notification.payload().to_owned())).await,
                outcome => {
                    if let Err(e) = outcome {
                        tracing::warn!(error = %e, "the fleet's listening connection failed");
                    }
                    heard(None).await;
                    listener = loop {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        match connect().await {
                            Ok(listener) => break listener,
                            Err(e) => tracing::warn!(error = %e, "cannot listen to the fleet again yet"),
                        }
                    };
                    heard(None).await;
                }
            }
        }
    }
}
