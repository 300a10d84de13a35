//! `commandpost kb …`: the knowledge base from the shell, exactly as `/help` searches it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use commandpost_knowledge::{
    evaluate, evaluate_keywords, load_questions, Embedder, KnowledgeBase, Split,
};

use crate::config::Config;
use crate::domain::ClientId;
use crate::store::TriageStore;

/// `kb search`: as `/help` would search for `client` (`None`: only articles visible to every
/// client), by meaning and words when a model is given.
pub struct Search {
    pub kb_dir: PathBuf,
    pub model: Option<PathBuf>,
    pub client: Option<String>,
    pub limit: usize,
    pub json: bool,
}

impl Search {
    /// `--json` prints `[{"slug","title","score"}]`, and `[]` when nothing is a confident match.
    pub fn run(&self, text: &str) -> anyhow::Result<String> {
        let (kb, problems) = KnowledgeBase::open(&self.kb_dir)?;
        for problem in problems {
            eprintln!("warning: {problem}");
        }
        let kb = match &self.model {
            Some(dir) => {
                let model = Arc::new(Embedder::load(dir)?);
                with_cached_model(kb, model, &self.kb_dir)?
            }
            None => kb,
        };
        let hits = kb.search(self.client.as_deref().unwrap_or_default(), text, self.limit);
        if self.json {
            return Ok(serde_json::to_string_pretty(&hits)?);
        }
        if hits.is_empty() {
            return Ok(
                "No confident match: /help would hand this question to a person.".to_owned(),
            );
        }
        Ok(hits
            .iter()
            .map(|hit| format!("{:>7.3}  {:<40}  {}", hit.score, hit.slug, hit.title))
            .collect::<Vec<_>>()
            .join("\n"))
    }
}

/// Adds search by meaning, with the embeddings cached beside the articles; a cache that cannot be
/// written is a warning (the next run embeds again), not a failure.
fn with_cached_model(
    kb: KnowledgeBase,
    model: Arc<Embedder>,
    kb_dir: &Path,
) -> anyhow::Result<KnowledgeBase> {
    let (kb, stats) = kb.with_model(model, Some(&crate::kb::embedding_cache(kb_dir)))?;
    if let Some(error) = stats.write_error {
        eprintln!("warning: the embedding cache could not be written: {error}");
    }
    Ok(kb)
}

/// Runs the evaluation set words-only and hybrid (with `model`): top-1/top-3 on answerable
/// questions, correct escalation and leaks, per split.
pub fn eval(kb_dir: &Path, questions: &Path, model: &Path) -> anyhow::Result<String> {
    let (kb, problems) = KnowledgeBase::open(kb_dir)?;
    anyhow::ensure!(
        problems.is_empty(),
        "the evaluation knowledge base has problems: {problems:?}"
    );
    let questions = load_questions(questions)?;
    let words = evaluate_keywords(&kb, &questions);
    let model = Arc::new(Embedder::load(model).map_err(|e| {
        anyhow::anyhow!("{e} (fetch the bundled model with scripts/fetch-model, or pass --model)")
    })?);
    let kb = with_cached_model(kb, model, kb_dir)?;
    let hybrid = evaluate(&kb, &questions);
    let mut out = format!(
        "{:<6} {:<7} {:>10} {:>6} {:>6} {:>13} {:>11} {:>6}\n",
        "split", "search", "answerable", "top-1", "top-3", "unanswerable", "escalation", "leaks"
    );
    for split in [Split::Train, Split::Dev, Split::Test] {
        for (name, report) in [("words", &words), ("hybrid", &hybrid)] {
            let s = report.split(split);
            out.push_str(&format!(
                "{:<6} {:<7} {:>10} {:>6.3} {:>6.3} {:>13} {:>11.3} {:>6}\n",
                format!("{split:?}").to_lowercase(),
                name,
                s.answerable,
                s.top1_rate(),
                s.top3_rate(),
                s.unanswerable,
                s.escalation_rate(),
                s.leaks
            ));
        }
    }
    Ok(out)
}

/// `kb learned`: lists the learned phrasings (of one client), or removes one by id.
pub async fn learned(
    config: &Config,
    client: Option<&str>,
    remove: Option<i64>,
) -> anyhow::Result<String> {
    let store = crate::startup::open_store(config).await?;
    if let Some(id) = remove {
        let removed = store.forget_phrasing(id).await?;
        store.close().await;
        anyhow::ensure!(removed, "no learned phrasing has id {id}");
        return Ok(format!(
            "removed learned phrasing {id}; a running bot forgets it at its next restart or reload"
        ));
    }
    let client = client.map(ClientId::parse).transpose()?;
    let phrasings = store.learned_phrasings(client.as_ref()).await?;
    store.close().await;
    if phrasings.is_empty() {
        return Ok("no learned phrasings".to_owned());
    }
    Ok(phrasings
        .iter()
        .map(|p| {
            format!(
                "{:>5}  {:<10} {:<32} “{}”",
                p.id, p.client, p.slug, p.question
            )
        })
        .collect::<Vec<_>>()
        .join("\n"))
}

/// Search latency over generated articles: words only, and hybrid beside it with a model.
pub fn bench(
    articles: usize,
    queries: usize,
    model: Option<&Path>,
    embed_at_most: Option<usize>,
) -> anyhow::Result<String> {
    // Hybrid first, so its resident memory is not that of the words-only run before it.
    let mut out = String::new();
    if let Some(dir) = model {
        let load = std::time::Instant::now();
        let embedder = Arc::new(Embedder::load(dir)?);
        let loaded = load.elapsed();
        let cache = std::env::temp_dir().join("commandpost-bench-embeddings");
        let hybrid =
            commandpost_knowledge::bench_hybrid(articles, queries, embedder, &cache, embed_at_most)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        out.push_str(&format!(
            "hybrid (model {}, loaded in {} ms; cache {})\n{hybrid}",
            dir.display(),
            loaded.as_millis(),
            cache.display()
        ));
        if let Some(limit) = embed_at_most.filter(|limit| *limit < articles) {
            out.push_str(&format!(
                "(vectors: {limit} articles embedded, reused for the other {}; time and memory do not depend on their values)\n",
                articles - limit
            ));
        }
        out.push('\n');
    }
    let words = commandpost_knowledge::bench_search(articles, queries)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    out.push_str(&format!("words only\n{words}"));
    Ok(out)
}

/// Every front-matter problem, as `file:line: message`.
pub fn problems(kb_dir: &Path) -> Vec<String> {
    if !kb_dir.exists() {
        return vec![format!(
            "{}: the knowledge base directory does not exist",
            kb_dir.display()
        )];
    }
    match commandpost_knowledge::load_dir(kb_dir) {
        Ok((_, problems)) => problems.iter().map(ToString::to_string).collect(),
        Err(error) => vec![format!("{}: {error}", kb_dir.display())],
    }
}
