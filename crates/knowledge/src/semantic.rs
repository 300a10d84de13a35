//! The meaning side of search: every article cut into chunks (title and tags; each section of
//! the body), each chunk embedded once and cached on disk by model and content, so a restart or
//! a reload embeds only what changed.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::article::Article;
use crate::embed::{dot, Embedder, ModelError};

/// Characters of a section kept for embedding; the model reads about 256 tokens anyway.
const SECTION_CHARS: usize = 1200;
const CACHE_MAGIC: &[u8; 8] = b"CPEMB001";

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
    vectors: Vec<f32>,
    dimension: usize,
}

/// How much of the index came from the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub reused: usize,
    pub embedded: usize,
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
        let mut cache = cache_file
            .as_deref()
            .map(|file| read_cache(file, dimension))
            .unwrap_or_default();
        let keys: Vec<[u8; 32]> = texts.iter().map(|t| key(t)).collect();
        let missing: Vec<usize> = (0..texts.len())
            .filter(|&i| !cache.contains_key(&keys[i]))
            .collect();
        let fresh = embedder.embed(
            &missing
                .iter()
                .map(|&i| texts[i].as_str())
                .collect::<Vec<_>>(),
        )?;
        let stats = CacheStats {
            reused: texts.len() - missing.len(),
            embedded: missing.len(),
        };
        for (i, vector) in missing.into_iter().zip(fresh) {
            cache.insert(keys[i], vector);
        }
        let mut vectors = Vec::with_capacity(texts.len() * dimension);
        for k in &keys {
            vectors.extend_from_slice(&cache[k]);
        }
        if let (Some(file), true) = (&cache_file, stats.embedded > 0) {
            // Only the chunks in use are kept, so the file does not grow with every edit.
            let used: HashMap<[u8; 32], &[f32]> = keys
                .iter()
                .zip(vectors.chunks(dimension))
                .map(|(k, v)| (*k, v))
                .collect();
            if let Err(error) = write_cache(file, dimension, &used) {
                eprintln!(
                    "warning: could not write the embedding cache {}: {error}",
                    file.display()
                );
            }
        }
        Ok((
            Self {
                chunk_article: owners,
                vectors,
                dimension,
            },
            stats,
        ))
    }

    /// The best chunk score of each article, for one unit query vector.
    pub fn article_scores(&self, query: &[f32], articles: usize) -> Vec<f32> {
        let mut best = vec![f32::MIN; articles];
        if self.dimension == 0 {
            return best;
        }
        for (chunk, vector) in self.vectors.chunks(self.dimension).enumerate() {
            let ord = self.chunk_article[chunk] as usize;
            let score = dot(query, vector);
            if score > best[ord] {
                best[ord] = score;
            }
        }
        best
    }

    /// Bytes held by the vectors.
    pub fn bytes(&self) -> usize {
        self.vectors.len() * std::mem::size_of::<f32>() + self.chunk_article.len() * 4
    }
}

fn key(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

fn read_cache(file: &Path, dimension: usize) -> HashMap<[u8; 32], Vec<f32>> {
    let Ok(bytes) = std::fs::read(file) else {
        return HashMap::new();
    };
    let header = CACHE_MAGIC.len() + 4;
    if bytes.len() < header
        || &bytes[..CACHE_MAGIC.len()] != CACHE_MAGIC
        || u32::from_le_bytes(bytes[8..12].try_into().unwrap_or_default()) as usize != dimension
    {
        return HashMap::new();
    }
    let entry = 32 + dimension * 4;
    bytes[header..]
        .chunks_exact(entry)
        .map(|chunk| {
            let mut key = [0u8; 32];
            key.copy_from_slice(&chunk[..32]);
            let vector = chunk[32..]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            (key, vector)
        })
        .collect()
}

/// Written to a temporary file and renamed, so a crash never leaves half a cache.
fn write_cache(
    file: &Path,
    dimension: usize,
    entries: &HashMap<[u8; 32], &[f32]>,
) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temporary: PathBuf = file.with_extension(format!("tmp{}", std::process::id()));
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
        out.write_all(CACHE_MAGIC)?;
        out.write_all(&(dimension as u32).to_le_bytes())?;
        let mut keys: Vec<&[u8; 32]> = entries.keys().collect();
        keys.sort();
        for key in keys {
            out.write_all(key)?;
            for value in entries[key] {
                out.write_all(&value.to_le_bytes())?;
            }
        }
        out.flush()?;
    }
    std::fs::rename(&temporary, file)
}
