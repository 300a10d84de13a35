//! Errors of the knowledge-base crate: failures that stop loading or indexing as a whole.
//!
//! Problems with individual articles are not errors: they are reported as
//! [`crate::Problem`]s and the article is left out.

use std::path::PathBuf;

/// A failure that prevents the knowledge base from being loaded or indexed.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    /// The knowledge-base directory (or a folder inside it) could not be read.
    #[error("cannot read knowledge-base directory {path}: {source}")]
    Io {
        /// The directory or file that could not be read.
        path: PathBuf,
        /// The underlying IO error.
        #[source]
        source: std::io::Error,
    },
    /// Two articles given to [`crate::KnowledgeBase::build`] share a slug.
    #[error("duplicate article slug `{0}`")]
    DuplicateSlug(String),
    /// The search index could not be built.
    #[error("cannot build the search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// An evaluation question file could not be read or parsed.
    #[error("invalid evaluation questions in {path}: {message}")]
    Questions {
        /// The questions file.
        path: PathBuf,
        /// What was wrong with it.
        message: String,
    },
}
