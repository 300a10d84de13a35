//! Support for tests of this crate and of its users: throwaway databases, captured output.

pub mod acks;
pub mod app;
pub mod console;
pub mod kb;
pub mod logs;
// The throwaway cluster also serves `bench --backend postgres`, so it lives with the benchmarks.
pub use crate::bench::postgres;
pub mod process;
pub mod recording;
pub mod webhook;

use std::sync::{Arc, Mutex};

use crate::store::{SqlStore, Store};

/// Bytes written into memory (a log subscriber's writer), shared with whoever reads them.
#[derive(Clone, Default)]
pub struct Written(pub Arc<Mutex<Vec<u8>>>);

impl Written {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("not poisoned")).into_owned()
    }
}

impl std::io::Write for Written {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A migrated SQLite store in a temporary directory that lives as long as the returned guard.
pub async fn sqlite_store() -> (SqlStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = SqlStore::connect(&url).await.expect("SQLite opens");
    store.migrate().await.expect("SQLite migrations apply");
    (store, dir)
}

/// A migrated store on a fresh database of the shared throwaway PostgreSQL cluster.
pub async fn postgres_store() -> SqlStore {
    let url = postgres::fresh_database().await;
    let store = SqlStore::connect(&url)
        .await
        .expect("PostgreSQL database opens");
    store.migrate().await.expect("PostgreSQL migrations apply");
    store
}
