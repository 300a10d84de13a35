//! Ranking parameters, and the coverage measure that decides whether the best article
//! is a confident answer or the question should go to a person.

use crate::query::Concept;
use crate::vocab::Vocabulary;

/// Ranking and confidence parameters. The defaults were tuned on the training split of
/// the bundled evaluation set (`eval/questions.toml`) only.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchParams {
    /// Boost of a match in the title, relative to the body.
    pub title_boost: f32,
    /// Boost of a match in the tags, relative to the body.
    pub tags_boost: f32,
    /// Weight of a synonym of what was typed (the typed words weigh 1).
    pub synonym_weight: f32,
    /// Weight of a typo correction (a knowledge-base word one edit away).
    pub fuzzy_weight: f32,
    /// Share of a concept's weight credited to coverage when only a typo correction
    /// of it matches (a correction may be a different real word: "contract").
    pub typo_credit: f32,
    /// How much question coverage lifts the BM25 score: `score * (1 + w * coverage)`.
    pub coverage_weight: f32,
    /// Multiplier for articles written for specific clients (they are more specific
    /// than the general article on the same topic).
    pub client_bonus: f32,
    /// Candidates re-ranked per search (at least `limit`).
    pub candidates: usize,
    /// Coverage weight of a question word that no article contains (a word found in a
    /// single article weighs 1; one found in every article weighs about 0).
    pub unknown_weight: f32,
    /// The best article must cover at least this share of the question's weight.
    pub min_coverage: f32,
    /// ...and its matched words must weigh at least this much (rare words weigh more).
    pub min_matched_weight: f32,
    /// Further hits are kept only if they cover at least this share.
    pub min_secondary_coverage: f32,
}

impl Default for SearchParams {
    fn default() -> Self {
        SearchParams {
            title_boost: 2.0,
            tags_boost: 2.0,
            synonym_weight: 0.8,
            fuzzy_weight: 0.7,
            typo_credit: 0.7,
            coverage_weight: 2.0,
            client_bonus: 1.15,
            candidates: 20,
            unknown_weight: 0.7,
            min_coverage: 0.5,
            min_matched_weight: 0.4,
            min_secondary_coverage: 0.3,
        }
    }
}

impl SearchParams {
    /// Whether an article with this coverage is a confident answer.
    pub(crate) fn is_confident(&self, best: &Coverage) -> bool {
        best.fraction >= self.min_coverage && best.matched_weight >= self.min_matched_weight
    }
}

/// How much of a question one article covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Coverage {
    /// Matched concept weight over total concept weight, 0 to 1.
    pub fraction: f32,
    /// Sum of the matched concepts' weights.
    pub matched_weight: f32,
}

/// Coverage of `concepts` by article `ord`: a concept is matched when all terms of one of
/// its variants occur in the article (title, tags or body); typo corrections earn
/// `params.typo_credit` of the concept's weight.
pub(crate) fn coverage(
    concepts: &[Concept],
    vocab: &Vocabulary,
    ord: usize,
    params: &SearchParams,
) -> Coverage {
    let mut total = 0.0;
    let mut matched = 0.0;
    for concept in concepts {
        total += concept.weight;
        let credit = concept
            .variants
            .iter()
            .filter(|v| {
                v.ids
                    .as_ref()
                    .is_some_and(|ids| ids.iter().all(|&id| vocab.doc_has(ord, id)))
            })
            .map(|v| if v.typo { params.typo_credit } else { 1.0 })
            .fold(0.0, f32::max);
        matched += credit * concept.weight;
    }
    Coverage {
        fraction: if total > 0.0 { matched / total } else { 0.0 },
        matched_weight: matched,
    }
}
