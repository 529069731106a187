//! Messages between the servers of a fleet (docs/ARCHITECTURE.md, "A fleet"): PostgreSQL's
//! `NOTIFY` on one channel, heard by every server `LISTEN`ing to it. What a message says is the
//! engine's business; here is only the carrying. On SQLite (one server) nothing is carried.

use std::future::Future;
use std::time::Duration;

use sea_orm::{ConnectionTrait as _, DbBackend, Statement};

use crate::{Result, Store};

/// The channel.
const CHANNEL: &str = "tributary_fleet";

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
    /// `heard(None)` each time a connection starts listening (what was told while none listened
    /// is lost; the first time, what was told before this server listened) and when one is
    /// lost. A connection that cannot be made is tried again every second.
    pub async fn listen<F, Fut>(&self, mut heard: F)
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = ()>,
    {
        use sea_orm::sqlx::postgres::PgListener;
        if !self.is_shared() {
            return;
        }
        let pool = self.db.get_postgres_connection_pool();
        let connect = || async {
            let mut listener = PgListener::connect_with(pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        loop {
            let mut listener = loop {
                match connect().await {
                    Ok(listener) => break listener,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen to the fleet; trying again in a second");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            };
            heard(None).await;
            loop {
                match listener.try_recv().await {
                    Ok(Some(notification)) => heard(Some(notification.payload().to_owned())).await,
                    outcome => {
                        if let Err(e) = outcome {
                            tracing::warn!(error = %e, "the fleet's listening connection failed");
                        }
                        heard(None).await;
                        break;
                    }
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}
