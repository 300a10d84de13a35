//! Explains a search: how the question was read and why each candidate ranked where it
//! did, for operators asking "why did the bot answer that?" and for tuning.

use std::fmt;

use crate::index::KnowledgeBase;

/// Candidates shown by an explanation.
const CANDIDATES: usize = 5;

/// One meaningful part of the question.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainedConcept {
    /// The words typed.
    pub text: String,
    /// Weight towards coverage (rarer words weigh more).
    pub weight: f32,
    /// Stemmed alternatives searched for, with their weights.
    pub variants: Vec<(String, f32)>,
}

/// One candidate article.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainedCandidate {
    /// The article's slug.
    pub slug: String,
    /// Final ranking score.
    pub score: f32,
    /// Raw BM25 score from tantivy.
    pub bm25: f32,
    /// Share of the question's weight the article covers.
    pub coverage: f32,
    /// Sum of the weights of the concepts it covers.
    pub matched_weight: f32,
    /// Sum of the weights of the concepts it covers in its title or tags.
    pub head_weight: f32,
}

/// How a question was read and ranked, before and after the confidence check.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The question's concepts.
    pub concepts: Vec<ExplainedConcept>,
    /// The best candidates visible to the client, best first.
    pub candidates: Vec<ExplainedCandidate>,
    /// Whether the best candidate passes the confidence check.
    pub confident: bool,
}

impl KnowledgeBase {
    /// Explains what [`KnowledgeBase::search`] does with this question for this client.
    pub fn explain(&self, client: &str, question: &str) -> Explanation {
        let params = self.params();
        let (concepts, ranked) = self.rank(client, question, params.candidates, params);
        let confident = ranked
            .first()
            .is_some_and(|best| params.is_confident(&best.coverage));
        Explanation {
            concepts: concepts
                .iter()
                .map(|c| ExplainedConcept {
                    text: c.text.clone(),
                    weight: c.weight,
                    variants: c
                        .variants
                        .iter()
                        .map(|v| {
                            let known = if v.ids.is_some() { "" } else { "?" };
                            (format!("{}{known}", v.stems.join(" ")), v.weight)
                        })
                        .collect(),
                })
                .collect(),
            candidates: ranked
                .iter()
                .take(CANDIDATES)
                .map(|r| ExplainedCandidate {
                    slug: r.article.slug.clone(),
                    score: r.score,
                    bm25: r.bm25,
                    coverage: r.coverage.fraction,
                    matched_weight: r.coverage.matched_weight,
                    head_weight: r.coverage.head_weight,
                })
                .collect(),
            confident,
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.concepts {
            let variants: Vec<String> = c
                .variants
                .iter()
                .map(|(v, w)| format!("{v}×{w:.2}"))
                .collect();
            writeln!(
                f,
                "  concept {:?} weight {:.2}: {}",
                c.text,
                c.weight,
                variants.join(", ")
            )?;
        }
        for c in &self.candidates {
            writeln!(
                f,
                "  {:<32} score {:>7.2} bm25 {:>7.2} coverage {:.2} matched {:.2} head {:.2}",
                c.slug, c.score, c.bm25, c.coverage, c.matched_weight, c.head_weight
            )?;
        }
        writeln!(f, "  confident: {}", self.confident)
    }
}
