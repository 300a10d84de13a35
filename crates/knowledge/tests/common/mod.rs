//! The sentence-embedding model the tests share: loaded once per test binary.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use commandpost_knowledge::Embedder;

/// `models/all-MiniLM-L6-v2` at the workspace root (fetched by `scripts/fetch-model`).
pub fn model_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/all-MiniLM-L6-v2")
}

pub fn model() -> Arc<Embedder> {
    static MODEL: OnceLock<Arc<Embedder>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let dir = model_dir();
            Arc::new(Embedder::load(&dir).unwrap_or_else(|error| {
                panic!("the test model cannot be loaded ({error}); run scripts/fetch-model first")
            }))
        })
        .clone()
}
