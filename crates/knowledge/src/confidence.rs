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
    /// The best article must cover at least this share of the question's weight (the
    /// weight capped at `coverage_total_cap`).
    pub min_coverage: f32,
    /// ...and its matched words must weigh at least this much (rare words weigh more).
    pub min_matched_weight: f32,
    /// Further hits are kept only if they cover at least this share (same cap).
    pub min_secondary_coverage: f32,
    /// Question weight beyond which coverage shares are measured against this much
    /// weight: a long, story-like question mentions many words no article needs to
    /// contain, so it should not need a longer match than a question of this weight.
    pub coverage_total_cap: f32,
    /// The best article must match at least this much of the question's weight in its
    /// title or tags (its topic), not only in passing in the body.
    pub min_head_weight: f32,
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
            coverage_total_cap: 2.4,
            min_head_weight: 0.2,
        }
    }
}

impl SearchParams {
    /// Whether an article with this coverage is a confident answer.
    pub(crate) fn is_confident(&self, best: &Coverage) -> bool {
        self.share(best) >= self.min_coverage
            && best.matched_weight >= self.min_matched_weight
            && best.head_weight >= self.min_head_weight
    }

    /// Whether an article after the best one is worth showing.
    pub(crate) fn is_relevant(&self, other: &Coverage) -> bool {
        self.share(other) >= self.min_secondary_coverage
    }

    /// The share of the question an article covers, with the question's weight capped
    /// at `coverage_total_cap`.
    pub(crate) fn share(&self, coverage: &Coverage) -> f32 {
        let total = coverage.total.min(self.coverage_total_cap);
        if total > 0.0 {
            (coverage.matched_weight / total).min(1.0)
        } else {
            0.0
        }
    }
}

/// How much of a question one article covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Coverage {
    /// Matched concept weight over total concept weight, 0 to 1.
    pub fraction: f32,
    /// Sum of the matched concepts' weights.
    pub matched_weight: f32,
    /// Sum of the weights of the concepts matched in the title or tags.
    pub head_weight: f32,
    /// Sum of the weights of all the question's concepts.
    pub total: f32,
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
    let mut head = 0.0;
    for concept in concepts {
        total += concept.weight;
        let mut credit: f32 = 0.0;
        let mut head_credit: f32 = 0.0;
        for v in &concept.variants {
            let Some(ids) = v.ids.as_ref() else { continue };
            if !ids.iter().all(|&id| vocab.doc_has(ord, id)) {
                continue;
            }
            let c = if v.typo { params.typo_credit } else { 1.0 };
            credit = credit.max(c);
            if ids.iter().all(|&id| vocab.head_has(ord, id)) {
                head_credit = head_credit.max(c);
            }
        }
        matched += credit * concept.weight;
        head += head_credit * concept.weight;
    }
    Coverage {
        fraction: if total > 0.0 { matched / total } else { 0.0 },
        matched_weight: matched,
        head_weight: head,
        total,
    }
}
