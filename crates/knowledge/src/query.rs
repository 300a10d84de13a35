//! Turns a question into concepts: the meaningful words and phrases of the question, each
//! with the alternatives (synonyms, typo corrections) that count as a match for it.

use tantivy::tokenizer::TextAnalyzer;

use crate::index::SearchParams;
use crate::synonyms::Synonyms;
use crate::text;
use crate::vocab::{Vocabulary, MIN_FUZZY_LEN};

/// One way of matching a concept: a stemmed term (multi-word synonyms are joined).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Variant {
    /// The stemmed term (one; empty if the words yield no token).
    pub stems: Vec<String>,
    /// Term ids in the vocabulary; `None` when the term occurs in no article.
    pub ids: Option<Vec<u32>>,
    /// Weight relative to the words typed (1.0).
    pub weight: f32,
    /// Whether it is a typo correction rather than the words typed or a synonym.
    pub typo: bool,
}

/// One meaningful part of a question.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Concept {
    /// The question words it came from, for debugging.
    pub text: String,
    /// Ways to match it; the first is what was typed.
    pub variants: Vec<Variant>,
    /// How much it counts towards coverage: the rarity of what was typed.
    pub weight: f32,
}

/// Splits, expands and weighs a question.
pub(crate) fn plan(
    question: &str,
    surface: &mut TextAnalyzer,
    stemmer: &mut TextAnalyzer,
    synonyms: &Synonyms,
    vocab: &Vocabulary,
    params: &SearchParams,
) -> Vec<Concept> {
    let words = join_split_words(text::words(surface, question), synonyms, vocab);
    let mut concepts: Vec<Concept> = Vec::new();
    let mut at = 0;
    while at < words.len() {
        let (len, alternatives) = match synonyms.match_at(&words, at) {
            Some(found) => (found.len, found.alternatives),
            None => (1, Vec::new()),
        };
        let typed = &words[at..at + len];
        at += len;
        if alternatives.is_empty() && text::is_stop_word(&typed[0]) {
            continue;
        }
        let mut concept = Concept {
            text: typed.join(" "),
            variants: vec![variant(typed, 1.0, stemmer, vocab)],
            weight: 0.0,
        };
        for alt in &alternatives {
            push_unique(
                &mut concept,
                variant(alt, params.synonym_weight, stemmer, vocab),
            );
        }
        if let [word] = typed {
            add_typo_corrections(&mut concept, word, synonyms, stemmer, vocab, params);
        }
        concept.weight = concept_weight(&concept, vocab, params);
        if !concepts.iter().any(|c| c.variants == concept.variants) {
            concepts.push(concept);
        }
    }
    concepts
}

/// Shortest word that two question words are joined into.
const MIN_JOINED_LEN: usize = 5;

/// Joins two neighbouring words that the knowledge base writes as one ("global protect"
/// → "globalprotect", "pass word" → "password"), unless either is a stop word ("my
/// account" is not "myaccount") or they start a synonym phrase.
fn join_split_words(words: Vec<String>, synonyms: &Synonyms, vocab: &Vocabulary) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut at = 0;
    while at < words.len() {
        if at + 1 < words.len()
            && !text::is_stop_word(&words[at])
            && !text::is_stop_word(&words[at + 1])
            && synonyms.match_at(&words, at).is_none_or(|m| m.len <= 1)
        {
            let joined = format!("{}{}", words[at], words[at + 1]);
            if joined.chars().count() >= MIN_JOINED_LEN && vocab.has_surface(&joined) {
                out.push(joined);
                at += 2;
                continue;
            }
        }
        out.push(words[at].clone());
        at += 1;
    }
    out
}

/// For a word no article contains: knowledge-base words and synonym phrases within one edit.
fn add_typo_corrections(
    concept: &mut Concept,
    word: &str,
    synonyms: &Synonyms,
    stemmer: &mut TextAnalyzer,
    vocab: &Vocabulary,
    params: &SearchParams,
) {
    if word.chars().count() < MIN_FUZZY_LEN
        || vocab.has_surface(word)
        || concept.variants[0].ids.is_some()
    {
        return;
    }
    let mut near = vocab.near_stems(word);
    if let Some(typed) = concept.variants[0].stems.first() {
        if typed.chars().count() + 1 >= MIN_FUZZY_LEN {
            for id in vocab.near_stems_of_stem(typed) {
                if !near.contains(&id) {
                    near.push(id);
                }
            }
        }
    }
    for id in near {
        let stem = vocab.stem(id).to_string();
        push_unique(
            concept,
            Variant {
                stems: vec![stem],
                ids: Some(vec![id]),
                weight: params.fuzzy_weight,
                typo: true,
            },
        );
    }
    for near in synonyms.near_single_words(word) {
        let corrected = [near.to_string()];
        push_unique(
            concept,
            typo(variant(&corrected, params.fuzzy_weight, stemmer, vocab)),
        );
        if let Some(found) = synonyms.match_at(&corrected, 0) {
            for alt in &found.alternatives {
                let weight = params.fuzzy_weight * params.synonym_weight;
                push_unique(concept, typo(variant(alt, weight, stemmer, vocab)));
            }
        }
    }
}

/// A variant from question words; a multi-word phrase becomes the joined word it was
/// indexed as (see [`Synonyms::joined_phrases`]).
fn variant(
    words: &[String],
    weight: f32,
    stemmer: &mut TextAnalyzer,
    vocab: &Vocabulary,
) -> Variant {
    let stems: Vec<String> = text::tokens(stemmer, &words.concat())
        .into_iter()
        .take(1)
        .collect();
    let ids = stems.iter().map(|s| vocab.stem_id(s)).collect();
    Variant {
        stems,
        ids,
        weight,
        typo: false,
    }
}

fn typo(variant: Variant) -> Variant {
    Variant {
        typo: true,
        ..variant
    }
}

fn push_unique(concept: &mut Concept, variant: Variant) {
    if variant.stems.is_empty() {
        return;
    }
    match concept
        .variants
        .iter_mut()
        .find(|v| v.stems == variant.stems)
    {
        Some(existing) => {
            if variant.weight > existing.weight {
                *existing = variant;
            }
        }
        None => concept.variants.push(variant),
    }
}

/// The typed variant's rarity (idf relative to the rarest possible term, so 0 to 1 in
/// any corpus size); for words no article contains, the mean rarity of the alternatives
/// that exist, or `params.unknown_weight`.
fn concept_weight(concept: &Concept, vocab: &Vocabulary, params: &SearchParams) -> f32 {
    let max_idf = vocab.max_idf();
    let mean_idf = |ids: &[u32]| {
        ids.iter().map(|&id| vocab.idf(id) / max_idf).sum::<f32>() / ids.len().max(1) as f32
    };
    if let Some(ids) = &concept.variants[0].ids {
        return mean_idf(ids);
    }
    let known: Vec<f32> = concept.variants[1..]
        .iter()
        .filter_map(|v| v.ids.as_deref().map(mean_idf))
        .collect();
    if known.is_empty() {
        params.unknown_weight
    } else {
        known.iter().sum::<f32>() / known.len() as f32
    }
}
