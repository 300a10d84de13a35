//! Latency benchmark of search over synthetic articles, without a benchmark framework,
//! so the bot can expose it as `commandpost bench kb`.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::article::Article;
use crate::embed::Embedder;
use crate::index::KnowledgeBase;
use crate::synthetic::{client_id, synthetic_articles, synthetic_question, Rng, CLIENTS};

/// Seed of the generated articles and questions.
const SEED: u64 = 0xC0FF_EE00_2026;

/// Results of [`bench_search`]. Times are wall-clock on this machine; run a release build.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// Articles indexed.
    pub articles: usize,
    /// Searches timed.
    pub queries: usize,
    /// Time to build the index, in milliseconds (with a model: a start with the embedding
    /// cache warm, after one build that filled it).
    pub build_ms: u64,
    /// With a model: the first build, embedding whatever the cache lacked, in milliseconds.
    pub first_build_ms: Option<u64>,
    /// Size of the tantivy segments in RAM, in bytes.
    pub index_bytes: u64,
    /// Growth of the process's resident memory while building, in bytes, where the
    /// platform reports it (Linux); includes the articles and the vocabulary.
    pub rss_delta_bytes: Option<u64>,
    /// The process's whole resident memory once the knowledge base is built (model included).
    pub rss_bytes: Option<u64>,
    /// Median search latency, in microseconds.
    pub p50_us: u64,
    /// 99th-percentile search latency, in microseconds.
    pub p99_us: u64,
    /// Slowest search, in microseconds.
    pub max_us: u64,
    /// Searches that returned no confident answer.
    pub escalated: usize,
}

type BenchError = Box<dyn std::error::Error + Send + Sync>;

/// Builds a knowledge base of `n_articles` synthetic articles and times `queries`
/// searches (limit 3) from random clients, by words only.
pub fn bench_search(n_articles: usize, queries: usize) -> Result<BenchReport, BenchError> {
    bench_with(n_articles, queries, |articles| {
        Ok((KnowledgeBase::build(articles)?, None))
    })
}

/// [`bench_search`] with hybrid search: articles embedded by `embedder` with the cache in
/// `cache_dir` (built twice: the second build is a start with a warm cache, as after a restart).
/// With `embed_at_most`, only that many articles are embedded and their vectors are reused for
/// the rest (see [`crate::semantic::fill_cache_reusing`]): for the time and memory of large
/// knowledge bases on a machine that cannot embed them all in reasonable time.
pub fn bench_hybrid(
    n_articles: usize,
    queries: usize,
    embedder: Arc<Embedder>,
    cache_dir: &Path,
    embed_at_most: Option<usize>,
) -> Result<BenchReport, BenchError> {
    bench_with(n_articles, queries, |articles| {
        if let Some(limit) = embed_at_most.filter(|limit| *limit < articles.len()) {
            crate::semantic::fill_cache_reusing(&articles, limit, &embedder, cache_dir)?;
        }
        let started = Instant::now();
        let first = KnowledgeBase::build(articles.clone())?
            .with_model(embedder.clone(), Some(cache_dir))?;
        let first_ms = started.elapsed().as_millis() as u64;
        drop(first);
        let (kb, _) =
            KnowledgeBase::build(articles)?.with_model(embedder.clone(), Some(cache_dir))?;
        Ok((kb, Some(first_ms)))
    })
}

fn bench_with(
    n_articles: usize,
    queries: usize,
    build: impl FnOnce(Vec<Article>) -> Result<(KnowledgeBase, Option<u64>), BenchError>,
) -> Result<BenchReport, BenchError> {
    let articles = synthetic_articles(n_articles, SEED);
    give_back_freed_memory();
    let rss_before = resident_bytes();
    let started = Instant::now();
    let (kb, first_build_ms) = build(articles)?;
    let build = started.elapsed() - Duration::from_millis(first_build_ms.unwrap_or(0));
    give_back_freed_memory();
    let rss_delta_bytes = rss_before
        .zip(resident_bytes())
        .map(|(before, after)| after.saturating_sub(before));

    let mut rng = Rng::new(SEED ^ 0x5EED);
    let questions: Vec<(String, String)> = (0..queries)
        .map(|_| (client_id(rng.below(CLIENTS)), synthetic_question(&mut rng)))
        .collect();
    // Warm up caches and allocator outside the timed loop.
    for (client, question) in questions.iter().take(20) {
        std::hint::black_box(kb.search(client, question, 3));
    }
    let mut times: Vec<Duration> = Vec::with_capacity(queries);
    let mut escalated = 0;
    for (client, question) in &questions {
        let started = Instant::now();
        let hits = std::hint::black_box(kb.search(client, question, 3));
        times.push(started.elapsed());
        escalated += usize::from(hits.is_empty());
    }
    times.sort();
    let percentile = |p: f64| -> u64 {
        if times.is_empty() {
            return 0;
        }
        let i = ((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1;
        times[i].as_micros() as u64
    };
    Ok(BenchReport {
        articles: kb.len(),
        queries,
        build_ms: build.as_millis() as u64,
        first_build_ms,
        index_bytes: kb.index_bytes(),
        rss_delta_bytes,
        rss_bytes: resident_bytes(),
        p50_us: percentile(0.50),
        p99_us: percentile(0.99),
        max_us: times.last().map_or(0, |t| t.as_micros() as u64),
        escalated,
    })
}

/// Returns memory freed by earlier work (another benchmark, the first build) to the system, so
/// resident memory shows what the knowledge base holds, as in a process that only started.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: glibc's malloc_trim only releases free heap pages; it has no preconditions.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// Resident set size of this process, from `/proc/self/statm` (Linux only).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "articles      {}", self.articles)?;
        if let Some(first) = self.first_build_ms {
            writeln!(
                f,
                "first build   {first} ms (embedding what the cache lacked)"
            )?;
            writeln!(
                f,
                "warm start    {} ms (cache warm, model loaded)",
                self.build_ms
            )?;
        } else {
            writeln!(f, "build         {} ms", self.build_ms)?;
        }
        writeln!(
            f,
            "index size    {:.1} MiB",
            self.index_bytes as f64 / 1048576.0
        )?;
        if let Some(rss) = self.rss_delta_bytes {
            writeln!(f, "RSS growth    {:.1} MiB", rss as f64 / 1048576.0)?;
        }
        if let Some(rss) = self.rss_bytes {
            writeln!(f, "RSS in all    {:.1} MiB", rss as f64 / 1048576.0)?;
        }
        writeln!(
            f,
            "queries       {} ({} escalated)",
            self.queries, self.escalated
        )?;
        writeln!(
            f,
            "latency       p50 {} µs, p99 {} µs, max {} µs",
            self.p50_us, self.p99_us, self.max_us
        )
    }
}
