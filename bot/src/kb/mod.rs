//! The knowledge base as the bot uses it: loaded from `kb_dir`, searched per client, and
//! reloaded when the files change (or on SIGHUP) without a restart.

mod draft;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use commandpost_knowledge::{Embedder, Hit, KnowledgeBase, Problem};
use tokio::sync::watch;
use tracing::{info, warn};

pub use commandpost_knowledge::Article;
pub use draft::{write_draft, DraftArticle, DraftError};

/// How many articles `/help` offers.
pub const SUGGESTIONS: usize = 3;
/// How often the directory is checked for changes.
const POLL: Duration = Duration::from_secs(3);

/// A question a client's staff confirmed an article answered: `(client, slug, question)`.
pub type Phrasing = (String, String, String);

pub struct Knowledge {
    dir: PathBuf,
    /// Where article embeddings are cached (`triage.embedding_cache`).
    cache: PathBuf,
    current: RwLock<Arc<KnowledgeBase>>,
    stamp: RwLock<Option<SystemTime>>,
    /// The sentence-embedding model, when `triage.model_dir` is set.
    model: Option<Arc<Embedder>>,
    /// Phrasings learned from "This solved it", per client.
    learned: RwLock<Vec<Phrasing>>,
}

/// Where article embeddings are cached, keyed by model and content, unless
/// `triage.embedding_cache` says otherwise: beside the articles, hidden.
pub fn embedding_cache(dir: &Path) -> PathBuf {
    dir.join(".embeddings")
}

/// Loads what can be loaded (articles with problems are left out and the problems returned),
/// with meaning-based search when a model is given.
fn load(
    dir: &Path,
    cache: &Path,
    model: Option<&Arc<Embedder>>,
    learned: &[Phrasing],
) -> (KnowledgeBase, Vec<String>) {
    let (kb, mut problems) = load_words(dir);
    let Some(model) = model else {
        return (kb, problems);
    };
    let embedded = kb
        .with_model(model.clone(), Some(cache))
        .and_then(|(kb, stats)| {
            info!(
                reused = stats.reused,
                embedded = stats.embedded,
                "article embeddings ready"
            );
            if let Some(error) = &stats.write_error {
                warn!(%error, "the embedding cache could not be written, so every start embeds the knowledge base again: point triage.embedding_cache at a writable folder");
            }
            kb.with_learned(learned)
        });
    match embedded {
        Ok(kb) => (kb, problems),
        Err(error) => {
            problems.push(format!(
                "the embedding model failed, searching by words only: {error}"
            ));
            (load_words(dir).0, problems)
        }
    }
}

fn load_words(dir: &Path) -> (KnowledgeBase, Vec<String>) {
    if !dir.exists() {
        let empty = KnowledgeBase::build(Vec::new()).expect("an empty index builds");
        return (
            empty,
            vec![format!(
                "{}: the knowledge base directory does not exist",
                dir.display()
            )],
        );
    }
    match KnowledgeBase::open(dir) {
        Ok((kb, problems)) => (kb, problems.iter().map(Problem::to_string).collect()),
        Err(error) => {
            let empty = KnowledgeBase::build(Vec::new()).expect("an empty index builds");
            (empty, vec![format!("{}: {error}", dir.display())])
        }
    }
}

/// The newest modification time under `dir`, to notice edits, additions and removals.
fn newest_change(dir: &Path) -> Option<SystemTime> {
    let mut newest = std::fs::metadata(dir).and_then(|m| m.modified()).ok();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            // Hidden folders hold caches (`.embeddings`), not articles.
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(entry.path());
            }
            if let Ok(modified) = meta.modified() {
                newest = newest.max(Some(modified));
            }
        }
    }
    newest
}

impl Knowledge {
    /// Loads `dir`, searching by meaning too when `model` is given (with the phrasings learned
    /// so far).
    pub fn open(
        dir: &Path,
        cache: &Path,
        model: Option<Arc<Embedder>>,
        learned: Vec<Phrasing>,
    ) -> Self {
        let stamp = newest_change(dir);
        let (kb, problems) = load(dir, cache, model.as_ref(), &learned);
        for problem in &problems {
            warn!(%problem, "knowledge base problem");
        }
        info!(articles = kb.len(), dir = %dir.display(), "knowledge base loaded");
        Self {
            dir: dir.to_path_buf(),
            cache: cache.to_path_buf(),
            current: RwLock::new(Arc::new(kb)),
            stamp: RwLock::new(stamp),
            model,
            learned: RwLock::new(learned),
        }
    }

    /// Keeps `question` as another phrasing of `slug` for `client`, and searches with it from
    /// now on. Without a model there is nothing to learn into.
    pub fn learn(&self, phrasing: Phrasing) {
        if self.model.is_none() {
            return;
        }
        // Kept for the next reload first, then into the index in use (one question embedded):
        // a reload swapping indexes in between adds it to the new one (see `reload`).
        if let Ok(mut learned) = self.learned.write() {
            learned.push(phrasing.clone());
        }
        let (client, slug, question) = &phrasing;
        if let Err(error) = self.snapshot().learn(client, slug, question) {
            warn!(%error, "a learned phrasing could not be embedded; it is used after the next reload");
        }
    }

    /// The phrasings searched with now.
    pub fn learned(&self) -> Vec<Phrasing> {
        self.learned.read().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn snapshot(&self) -> Arc<KnowledgeBase> {
        self.current
            .read()
            .map(|kb| kb.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The articles `/help` offers this client, best first; empty when nothing fits confidently.
    pub fn search(&self, client: &str, question: &str, limit: usize) -> Vec<Hit> {
        self.snapshot().search(client, question, limit)
    }

    pub fn article(&self, slug: &str) -> Option<Article> {
        self.snapshot().article(slug).cloned()
    }

    /// Rebuilds the index from disk and swaps it in; returns the problems found.
    pub fn reload(&self) -> Vec<String> {
        let stamp = newest_change(&self.dir);
        let learned = self.learned.read().map(|l| l.clone()).unwrap_or_default();
        let (kb, problems) = load(&self.dir, &self.cache, self.model.as_ref(), &learned);
        info!(
            articles = kb.len(),
            hybrid = kb.is_hybrid(),
            "knowledge base reloaded"
        );
        if let Ok(mut current) = self.current.write() {
            *current = Arc::new(kb);
        }
        // Phrasings learned while the index was rebuilt were embedded into the old one only.
        let since: Vec<Phrasing> = self
            .learned
            .read()
            .map(|now| now.get(learned.len()..).unwrap_or_default().to_vec())
            .unwrap_or_default();
        let current = self.snapshot();
        for (client, slug, question) in &since {
            if let Err(error) = current.learn(client, slug, question) {
                warn!(%error, "a learned phrasing could not be embedded; it is used after the next reload");
            }
        }
        if let Ok(mut last) = self.stamp.write() {
            *last = stamp;
        }
        problems
    }

    /// Reloads when the directory changed since the last load.
    pub fn reload_if_changed(&self) -> bool {
        let now = newest_change(&self.dir);
        let last = self.stamp.read().map(|s| *s).unwrap_or(None);
        if now != last {
            self.reload_logging_problems();
            true
        } else {
            false
        }
    }

    fn reload_logging_problems(&self) {
        for problem in self.reload() {
            warn!(%problem, "knowledge base problem");
        }
    }

    /// Watches for changes (polling) and SIGHUP until shutdown. The signal handler is in place
    /// when this returns, so a SIGHUP sent after start-up reloads instead of ending the process.
    pub fn spawn_watcher(
        self: Arc<Self>,
        mut shutdown: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        #[cfg(unix)]
        let mut hangup =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        tokio::spawn(async move {
            loop {
                #[cfg(unix)]
                let hup = async {
                    match hangup.as_mut() {
                        Some(signal) => {
                            signal.recv().await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                };
                #[cfg(not(unix))]
                let hup = std::future::pending::<()>();
                // Reading the folder and rebuilding the index are blocking work (seconds for a
                // large base with a model): off the threads that answer chat.
                let this = self.clone();
                tokio::select! {
                    _ = tokio::time::sleep(POLL) => {
                        let _ = tokio::task::spawn_blocking(move || this.reload_if_changed()).await;
                    }
                    _ = hup => {
                        let _ = tokio::task::spawn_blocking(move || this.reload_logging_problems()).await;
                    }
                    _ = shutdown.changed() => {}
                }
                if *shutdown.borrow() {
                    return;
                }
            }
        })
    }
}
