//! `commandpost kb …`: the knowledge base from the shell, exactly as `/help` searches it.

use std::path::Path;

use commandpost_knowledge::{evaluate, load_questions, KnowledgeBase};

/// Searches as `/help` would for `client` (`None`: only articles visible to every client).
/// `--json` prints `[{"slug","title","score"}]`, and `[]` when nothing is a confident match.
pub fn search(
    kb_dir: &Path,
    client: Option<&str>,
    text: &str,
    limit: usize,
    json: bool,
) -> anyhow::Result<String> {
    let (kb, problems) = KnowledgeBase::open(kb_dir)?;
    for problem in problems {
        eprintln!("warning: {problem}");
    }
    let hits = kb.search(client.unwrap_or_default(), text, limit);
    if json {
        return Ok(serde_json::to_string_pretty(&hits)?);
    }
    if hits.is_empty() {
        return Ok("No confident match: /help would hand this question to a person.".to_owned());
    }
    Ok(hits
        .iter()
        .map(|hit| format!("{:>7.2}  {:<40}  {}", hit.score, hit.slug, hit.title))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// Runs the evaluation set: top-1/top-3 on answerable questions, correct escalation, leaks.
pub fn eval(kb_dir: &Path, questions: &Path) -> anyhow::Result<String> {
    let (kb, problems) = KnowledgeBase::open(kb_dir)?;
    anyhow::ensure!(
        problems.is_empty(),
        "the evaluation knowledge base has problems: {problems:?}"
    );
    let questions = load_questions(questions)?;
    Ok(evaluate(&kb, &questions).to_string())
}

/// Search latency over generated articles.
pub fn bench(articles: usize, queries: usize) -> anyhow::Result<String> {
    Ok(commandpost_knowledge::bench_search(articles, queries)?.to_string())
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
