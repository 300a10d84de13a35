//! Per-article term sets and the corpus vocabulary, used to judge how much of a question
//! an article covers and to correct typos against words the knowledge base contains.

use std::collections::HashMap;

use tantivy::tokenizer::TextAnalyzer;

use crate::text;

/// Shortest question word that typo correction is tried on.
pub(crate) const MIN_FUZZY_LEN: usize = 5;

/// The vocabulary of a knowledge base.
#[derive(Debug, Default)]
pub(crate) struct Vocabulary {
    /// Stemmed term → id.
    stem_ids: HashMap<String, u32>,
    /// Stemmed terms by id.
    stems: Vec<String>,
    /// Number of articles containing each stemmed term.
    df: Vec<u32>,
    /// Surface word → id of its stem.
    surface: HashMap<String, u32>,
    /// Surface words of at least [`MIN_FUZZY_LEN`] - 1 characters.
    surface_words: Vec<String>,
    /// Deletion neighbourhood entry → indices into `surface_words`.
    deletions: HashMap<String, Vec<u32>>,
    /// Deletion neighbourhood entry → ids of stems of at least [`MIN_FUZZY_LEN`] - 1
    /// characters, so that a typo in a form the articles never use ("recieving") can
    /// still be corrected through its stem ("reciev" → "receiv").
    stem_deletions: HashMap<String, Vec<u32>>,
    /// Sorted, de-duplicated stem ids of each article, by article ordinal.
    doc_terms: Vec<Vec<u32>>,
    /// Sorted, de-duplicated stem ids of each article's title and tags.
    head_terms: Vec<Vec<u32>>,
}

impl Vocabulary {
    /// Number of articles.
    pub(crate) fn docs(&self) -> usize {
        self.doc_terms.len()
    }

    /// Id of a stemmed term, if some article contains it.
    pub(crate) fn stem_id(&self, stem: &str) -> Option<u32> {
        self.stem_ids.get(stem).copied()
    }

    /// Whether some article contains this exact surface word.
    pub(crate) fn has_surface(&self, word: &str) -> bool {
        self.surface.contains_key(word)
    }

    /// The stemmed term with this id.
    pub(crate) fn stem(&self, id: u32) -> &str {
        &self.stems[id as usize]
    }

    /// BM25-style inverse document frequency of a term.
    pub(crate) fn idf(&self, id: u32) -> f32 {
        let n = self.docs() as f32;
        let df = self.df[id as usize] as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The idf of a term found in a single article: the largest idf in this corpus.
    pub(crate) fn max_idf(&self) -> f32 {
        let n = self.docs().max(1) as f32;
        (1.0 + (n - 0.5) / 1.5).ln()
    }

    /// Whether article `ord` contains the term.
    pub(crate) fn doc_has(&self, ord: usize, id: u32) -> bool {
        self.doc_terms
            .get(ord)
            .is_some_and(|terms| terms.binary_search(&id).is_ok())
    }

    /// Whether article `ord` contains the term in its title or tags.
    pub(crate) fn head_has(&self, ord: usize, id: u32) -> bool {
        self.head_terms
            .get(ord)
            .is_some_and(|terms| terms.binary_search(&id).is_ok())
    }

    /// Stem ids of knowledge-base words within one edit of `word` (itself excluded).
    pub(crate) fn near_stems(&self, word: &str) -> Vec<u32> {
        let mut out = Vec::new();
        for key in text::deletion_neighbourhood(word) {
            for &i in self.deletions.get(&key).into_iter().flatten() {
                let candidate = &self.surface_words[i as usize];
                if candidate != word && text::within_one_edit(candidate, word) {
                    let id = self.surface[candidate];
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
            }
        }
        out
    }
}

impl Vocabulary {
    /// Ids of knowledge-base stems within one edit of `stem` (itself excluded).
    pub(crate) fn near_stems_of_stem(&self, stem: &str) -> Vec<u32> {
        let mut out = Vec::new();
        for key in text::deletion_neighbourhood(stem) {
            for &id in self.stem_deletions.get(&key).into_iter().flatten() {
                let candidate = &self.stems[id as usize];
                if candidate != stem && text::within_one_edit(candidate, stem) && !out.contains(&id)
                {
                    out.push(id);
                }
            }
        }
        out
    }
}

/// Collects the vocabulary article by article.
pub(crate) struct VocabularyBuilder {
    vocab: Vocabulary,
    surface_analyzer: TextAnalyzer,
    stemming_analyzer: TextAnalyzer,
}

impl VocabularyBuilder {
    pub(crate) fn new() -> Self {
        VocabularyBuilder {
            vocab: Vocabulary::default(),
            surface_analyzer: text::surface_analyzer(),
            stemming_analyzer: text::stemming_analyzer(),
        }
    }

    /// Adds the next article (ordinals are given in order) from its normalised text:
    /// `head` is the title and tags, `rest` the body.
    pub(crate) fn add(&mut self, head: &[&str], rest: &[&str]) {
        let mut head_ids = self.term_ids(head);
        head_ids.sort_unstable();
        head_ids.dedup();
        let mut ids = self.term_ids(rest);
        ids.extend_from_slice(&head_ids);
        ids.sort_unstable();
        ids.dedup();
        for &id in &ids {
            self.vocab.df[id as usize] += 1;
        }
        self.vocab.doc_terms.push(ids);
        self.vocab.head_terms.push(head_ids);
    }

    fn term_ids(&mut self, texts: &[&str]) -> Vec<u32> {
        let mut ids = Vec::new();
        for text in texts {
            for word in text::tokens(&mut self.surface_analyzer, text) {
                let id = match self.vocab.surface.get(&word) {
                    Some(&id) => id,
                    None => self.intern_surface(word),
                };
                ids.push(id);
            }
        }
        ids
    }

    fn intern_surface(&mut self, word: String) -> u32 {
        let stem = text::tokens(&mut self.stemming_analyzer, &word)
            .pop()
            .unwrap_or_else(|| word.clone());
        let vocab = &mut self.vocab;
        let id = match vocab.stem_ids.get(&stem) {
            Some(&id) => id,
            None => {
                let id = vocab.stems.len() as u32;
                if stem.chars().count() + 1 >= MIN_FUZZY_LEN {
                    for key in text::deletion_neighbourhood(&stem) {
                        vocab.stem_deletions.entry(key).or_default().push(id);
                    }
                }
                vocab.stem_ids.insert(stem.clone(), id);
                vocab.stems.push(stem);
                vocab.df.push(0);
                id
            }
        };
        if word.chars().count() + 1 >= MIN_FUZZY_LEN {
            let index = vocab.surface_words.len() as u32;
            for key in text::deletion_neighbourhood(&word) {
                vocab.deletions.entry(key).or_default().push(index);
            }
            vocab.surface_words.push(word.clone());
        }
        vocab.surface.insert(word, id);
        id
    }

    pub(crate) fn finish(self) -> Vocabulary {
        self.vocab
    }
}
