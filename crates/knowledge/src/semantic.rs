//! The meaning side of search: every article cut into chunks (title and tags; each section of
//! the body), each chunk embedded once and cached on disk by model and content, so a restart or
//! a reload embeds only what changed.

use std::collections::HashMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::article::Article;
use crate::embed::{Embedder, ModelError};
use crate::vectors::{write_cache, Cache, Quantised, QuantisedQuery};

/// Characters of a section kept for embedding; the model reads about 256 tokens anyway.
const SECTION_CHARS: usize = 1200;

/// The texts an article is searched by: its title with its tags, then each body section
/// under its heading (prefixed with the title, which gives a section its subject).
pub fn chunks_of(article: &Article) -> Vec<String> {
    let mut chunks = vec![if article.tags.is_empty() {
        article.title.clone()
    } else {
        format!("{} ({})", article.title, article.tags.join(", "))
    }];
    let mut section = String::new();
    let mut flush = |section: &mut String| {
        let text = section.trim();
        if text.chars().filter(|c| c.is_alphanumeric()).count() >= 12 {
            let text: String = text.chars().take(SECTION_CHARS).collect();
            chunks.push(format!("{}: {text}", article.title));
        }
        section.clear();
    };
    for line in article.body.lines() {
        if line.trim_start().starts_with('#') && !section.trim().is_empty() {
            flush(&mut section);
        }
        section.push_str(line.trim_start_matches('#').trim());
        section.push('\n');
    }
    flush(&mut section);
    chunks
}

/// A vector per chunk, with the article (by ordinal) it belongs to.
#[derive(Debug, Default)]
pub struct SemanticIndex {
    chunk_article: Vec<u32>,
    vectors: Quantised,
}

/// How much of the index came from the cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub reused: usize,
    pub embedded: usize,
    /// Why the cache could not be written, when it could not (the next start embeds the new
    /// chunks again); the caller says so where its output goes.
    pub write_error: Option<String>,
}

impl SemanticIndex {
    /// Embeds every chunk of `articles`, reusing vectors cached in `cache_dir` for this model.
    pub fn build(
        articles: &[Article],
        embedder: &Embedder,
        cache_dir: Option<&Path>,
    ) -> Result<(Self, CacheStats), ModelError> {
        let mut texts = Vec::new();
        let mut owners = Vec::new();
        for (ord, article) in articles.iter().enumerate() {
            for chunk in chunks_of(article) {
                texts.push(chunk);
                owners.push(ord as u32);
            }
        }
        let cache_file =
            cache_dir.map(|dir| dir.join(format!("{}.vectors", embedder.fingerprint())));
        let dimension = embedder.dimension();
        let cache = cache_file
            .as_deref()
            .map(|file| Cache::read(file, dimension))
            .unwrap_or_default();
        let keys: Vec<[u8; 32]> = texts.iter().map(|t| key(t)).collect();
        let missing: Vec<usize> = (0..texts.len())
            .filter(|&i| !cache.by_key.contains_key(&keys[i]))
            .collect();
        let fresh = embedder.embed(
            &missing
                .iter()
                .map(|&i| texts[i].as_str())
                .collect::<Vec<_>>(),
        )?;
        drop(texts);
        let mut stats = CacheStats {
            reused: keys.len() - missing.len(),
            embedded: missing.len(),
            write_error: None,
        };
        let mut embedded = Quantised::with_capacity(dimension, fresh.len());
        let mut fresh_at: HashMap<[u8; 32], usize> = HashMap::with_capacity(fresh.len());
        for (&i, vector) in missing.iter().zip(&fresh) {
            fresh_at.insert(keys[i], embedded.len());
            embedded.push(vector);
        }
        drop(fresh);
        let mut vectors = Quantised::with_capacity(dimension, keys.len());
        for k in &keys {
            match cache.by_key.get(k) {
                Some(&at) => vectors.push_from(&cache.vectors, at),
                None => vectors.push_from(&embedded, fresh_at[k]),
            }
        }
        drop(cache);
        if let (Some(file), true) = (&cache_file, stats.embedded > 0) {
            if let Err(error) = write_cache(file, &keys, &vectors) {
                stats.write_error = Some(format!("{}: {error}", file.display()));
            }
        }
        Ok((
            Self {
                chunk_article: owners,
                vectors,
            },
            stats,
        ))
    }

    /// The best chunk score of each article, for one unit query vector.
    pub fn article_scores(&self, query: &[f32], articles: usize) -> Vec<f32> {
        let mut best = vec![f32::MIN; articles];
        if self.vectors.dimension() == 0 {
            return best;
        }
        let query = QuantisedQuery::new(query);
        for (chunk, &ord) in self.chunk_article.iter().enumerate() {
            let score = self.vectors.dot_quantised(chunk, &query);
            let best = &mut best[ord as usize];
            if score > *best {
                *best = score;
            }
        }
        best
    }

    /// Bytes held by the vectors.
    pub fn bytes(&self) -> usize {
        self.vectors.bytes() + self.chunk_article.len() * 4
    }
}

/// For benchmarks only: fills `cache_dir`'s cache for every chunk of `articles` while embedding
/// only those of the first `embedded` articles; the other chunks get those vectors again, in
/// turn. Time and memory of a start and of a search do not depend on the vectors' values, and
/// embedding 100,000 chunks takes hours on a small CPU. Returns how many chunks reuse a vector.
pub fn fill_cache_reusing(
    articles: &[Article],
    embedded: usize,
    embedder: &Embedder,
    cache_dir: &Path,
) -> Result<usize, ModelError> {
    let embedded = embedded.clamp(1, articles.len().max(1)).min(articles.len());
    let (real, _) = SemanticIndex::build(&articles[..embedded], embedder, Some(cache_dir))?;
    let keys: Vec<[u8; 32]> = articles
        .iter()
        .flat_map(chunks_of)
        .map(|chunk| key(&chunk))
        .collect();
    let known = real.vectors.len();
    let mut vectors = Quantised::with_capacity(embedder.dimension(), keys.len());
    for i in 0..keys.len() {
        vectors.push_from(&real.vectors, i % known.max(1));
    }
    let file = cache_dir.join(format!("{}.vectors", embedder.fingerprint()));
    write_cache(&file, &keys, &vectors).map_err(|error| ModelError::File {
        file: file.clone(),
        problem: format!("cannot be written: {error}"),
    })?;
    Ok(keys.len().saturating_sub(known))
}

fn key(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}
