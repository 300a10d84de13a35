//! Search latency benchmark:
//! `cargo run --release -p commandpost-knowledge --example bench -- [ARTICLES] [QUERIES] [MODEL_DIR]`
//! `[EMBED_AT_MOST]` (words only; with a model folder, hybrid search beside it, as `commandpost
//! bench kb` prints; with EMBED_AT_MOST, only that many articles are embedded and their vectors
//! reused for the rest, for time and memory at sizes this machine cannot embed).

use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // As `commandpost` runs it: one thread per embedding unless RAYON_NUM_THREADS says otherwise.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        std::env::set_var("RAYON_NUM_THREADS", "1");
    }
    let mut args = std::env::args().skip(1);
    let articles = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(50_000);
    let queries = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2_000);
    // Hybrid first, so its resident memory is not that of the words-only run before it.
    if let Some(model) = args.next() {
        let embedder = Arc::new(commandpost_knowledge::Embedder::load(
            std::path::Path::new(&model),
        )?);
        let cache = std::env::temp_dir().join("commandpost-bench-embeddings");
        let embed_at_most = args.next().map(|a| a.parse()).transpose()?;
        let report = commandpost_knowledge::bench_hybrid(
            articles,
            queries,
            embedder,
            &cache,
            embed_at_most,
        )?;
        print!("hybrid ({model}, cache {})\n{report}\n", cache.display());
    }
    let report = commandpost_knowledge::bench_search(articles, queries)?;
    print!("words only\n{report}");
    Ok(())
}
