//! Hybrid search: meaning (sentence embeddings) and words (BM25) ranked together by reciprocal
//! rank fusion, client scoping applied before ranking, and a calibrated model deciding whether
//! the best answer is good enough or the question goes to a person.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::article::normalize_client;
use crate::calibration::{Features, CALIBRATION};
use std::path::Path;

use crate::embed::{dot, Embedder, ModelError};
use crate::index::{Hit, KnowledgeBase};
use crate::semantic::{CacheStats, SemanticIndex};

/// Reciprocal rank fusion's constant (Cormack et al., 2009): ranks below ~60 matter little,
/// so neither list's long tail can outvote the other's top.
const RRF_K: f32 = 60.0;
/// No rank in a list.
const NOT_RANKED: u32 = u32::MAX;
/// The fused ranking keeps this many articles: suggestions and the confidence model read only
/// the first few, and ordering all of a large knowledge base cost more than the rest of a search.
const RANKED_KEPT: usize = 64;
/// BM25 candidates fused with the dense ranking.
const KEYWORD_CANDIDATES: usize = 20;
/// A further suggestion must be about as close in meaning as the best one.
const RELATED_WITHIN: f32 = 0.12;
/// A question this close to one a client's staff confirmed is "alike": that article joins the
/// fusion as a third ranking (what this client told us), besides meaning and words.
const LEARNED_ALIKE: f32 = 0.6;

/// A question a client's staff confirmed an article answered: another phrasing of that
/// article for that client only.
#[derive(Debug, Clone)]
pub(crate) struct Learned {
    pub client: String,
    pub article: usize,
    pub vector: Vec<f32>,
}

/// The meaning side of a knowledge base.
#[derive(Debug)]
pub(crate) struct Semantic {
    pub embedder: Arc<Embedder>,
    pub index: SemanticIndex,
    /// Grows while the knowledge base is in use ("This solved it", an answered ticket), so a
    /// lesson is searched with at once instead of after rebuilding everything.
    pub learned: RwLock<Vec<Learned>>,
}

/// What one hybrid search found, before the confidence decision.
#[derive(Debug)]
pub struct Assessment {
    /// The best visible articles (at most 64), best first (fused rank).
    pub ranked: Vec<(usize, f32)>,
    pub features: Features,
    /// Dense score of the best visible article.
    pub best_dense: f32,
    dense: Vec<f32>,
}

impl KnowledgeBase {
    /// Adds meaning-based search with `embedder`: every article's chunks embedded (reusing
    /// vectors cached in `cache_dir` for this model and content). Search becomes hybrid.
    pub fn with_model(
        mut self,
        embedder: Arc<Embedder>,
        cache_dir: Option<&Path>,
    ) -> Result<(Self, CacheStats), ModelError> {
        let (index, stats) = SemanticIndex::build(&self.articles, &embedder, cache_dir)?;
        self.semantic = Some(Semantic {
            embedder,
            index,
            learned: RwLock::new(Vec::new()),
        });
        Ok((self, stats))
    }

    /// Questions a client's staff confirmed an article answered, as `(client, slug,
    /// question)`: each becomes another phrasing of that article for that client only.
    /// Without a model, or for an unknown slug, a phrasing is ignored.
    pub fn with_learned(
        mut self,
        phrasings: &[(String, String, String)],
    ) -> Result<Self, ModelError> {
        let Some(semantic) = self.semantic.as_mut() else {
            return Ok(self);
        };
        let known: Vec<(&String, usize, &str)> = phrasings
            .iter()
            .filter_map(|(client, slug, question)| {
                Some((client, *self.by_slug.get(slug)?, question.as_str()))
            })
            .collect();
        let texts: Vec<&str> = known.iter().map(|k| k.2).collect();
        let vectors = semantic.embedder.embed(&texts)?;
        let learned = known
            .into_iter()
            .zip(vectors)
            .map(|((client, article, _), vector)| Learned {
                client: normalize_client(client),
                article,
                vector,
            })
            .collect();
        semantic.learned = RwLock::new(learned);
        Ok(self)
    }

    /// Keeps `question` as another phrasing of article `slug` for `client` from now on (one
    /// question embedded; nothing else rebuilt). False without a model or for an unknown slug.
    pub fn learn(&self, client: &str, slug: &str, question: &str) -> Result<bool, ModelError> {
        let (Some(semantic), Some(&article)) = (self.semantic.as_ref(), self.by_slug.get(slug))
        else {
            return Ok(false);
        };
        let Some(vector) = semantic.embedder.embed(&[question])?.pop() else {
            return Ok(false);
        };
        let lesson = Learned {
            client: normalize_client(client),
            article,
            vector,
        };
        match semantic.learned.write() {
            Ok(mut learned) => learned.push(lesson),
            Err(poisoned) => poisoned.into_inner().push(lesson),
        }
        Ok(true)
    }

    /// Whether searches use meaning as well as words.
    pub fn is_hybrid(&self) -> bool {
        self.semantic.is_some()
    }

    /// Bytes held by the embeddings (0 without a model).
    pub fn embedding_bytes(&self) -> usize {
        self.semantic.as_ref().map_or(0, |s| s.index.bytes())
    }

    /// The hybrid ranking and the confidence features for `question`; `None` without a
    /// model, for an empty question, or when the model fails (the caller escalates).
    pub fn assess(&self, client: &str, question: &str) -> Option<Assessment> {
        let semantic = self.semantic.as_ref()?;
        if !question.chars().any(char::is_alphanumeric) {
            return None;
        }
        let query = semantic.embedder.embed_question(question).ok()?;
        let client = normalize_client(client);
        let articles = self.articles();
        let mut dense = semantic.index.article_scores(&query, articles.len());
        let mut taught: HashMap<usize, f32> = HashMap::new();
        let learned = semantic
            .learned
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for learned in learned.iter().filter(|l| l.client == client) {
            let score = dot(&query, &learned.vector);
            if score > dense[learned.article] {
                dense[learned.article] = score;
            }
            if score >= LEARNED_ALIKE {
                let best = taught.entry(learned.article).or_insert(score);
                *best = best.max(score);
            }
        }
        drop(learned);
        let mut taught: Vec<(usize, f32)> = taught.into_iter().collect();
        taught.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        // Ranks by article ordinal in plain arrays: a search reads them once per article, and
        // at 50,000 articles hashing was a good part of a question's time.
        let mut taught_rank = vec![NOT_RANKED; articles.len()];
        for (rank, &(ord, _)) in taught.iter().enumerate() {
            taught_rank[ord] = rank as u32;
        }
        // Scoping before ranking: invisible articles never enter the ranking. The best of
        // them is kept only as a signal ("another client has an article for this").
        let mut other_best = f32::MIN;
        let mut by_meaning: Vec<(usize, f32)> = Vec::with_capacity(articles.len());
        for (ord, article) in articles.iter().enumerate() {
            if article.is_visible_to(&client) {
                by_meaning.push((ord, dense[ord]));
            } else {
                other_best = other_best.max(dense[ord]);
            }
        }
        by_meaning.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let (_, by_words) = self.rank(&client, question, KEYWORD_CANDIDATES, self.params());
        let keyword_confident = by_words
            .first()
            .is_some_and(|best| self.params().is_confident(&best.coverage));
        let mut word_rank = vec![NOT_RANKED; articles.len()];
        for (rank, ranked) in by_words.iter().enumerate() {
            if let Some(ord) = self.ordinal(&ranked.article.slug) {
                word_rank[ord] = rank as u32;
            }
        }
        let mut fused: Vec<(usize, f32)> = by_meaning
            .iter()
            .enumerate()
            .map(|(rank, &(ord, _))| {
                let reciprocal = |r: u32| {
                    if r == NOT_RANKED {
                        0.0
                    } else {
                        1.0 / (RRF_K + r as f32 + 1.0)
                    }
                };
                let words = reciprocal(word_rank[ord]);
                let told = reciprocal(taught_rank[ord]);
                (ord, reciprocal(rank as u32) + words + told)
            })
            .collect();
        let best_first =
            |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if fused.len() > RANKED_KEPT {
            fused.select_nth_unstable_by(RANKED_KEPT, best_first);
            fused.truncate(RANKED_KEPT);
        }
        fused.sort_unstable_by(best_first);
        let best_dense = by_meaning.first().map_or(0.0, |b| b.1);
        let second_dense = by_meaning.get(1).map_or(0.0, |b| b.1);
        let top = fused.first().map(|f| f.0);
        let features = Features {
            best_dense,
            margin: best_dense - second_dense,
            words_agree: top.is_some_and(|t| word_rank[t] < 3),
            keyword_confident,
            other_client_better: (other_best - best_dense).max(0.0),
            fragmentation: semantic.embedder.fragmentation(question),
        };
        Some(Assessment {
            ranked: fused,
            features,
            best_dense,
            dense,
        })
    }

    /// Hybrid search: suggestions when the calibrated confidence says the best one answers
    /// the question, nothing (escalate) otherwise.
    pub(crate) fn hybrid_search(&self, client: &str, question: &str, limit: usize) -> Vec<Hit> {
        let Some(assessment) = self.assess(client, question) else {
            return Vec::new();
        };
        if !CALIBRATION.is_confident(&assessment.features) {
            return Vec::new();
        }
        let articles = self.articles();
        assessment
            .ranked
            .iter()
            .enumerate()
            .filter(|(i, (ord, _))| {
                *i == 0 || assessment.dense[*ord] >= assessment.best_dense - RELATED_WITHIN
            })
            .take(limit)
            .map(|(_, &(ord, score))| Hit {
                slug: articles[ord].slug.clone(),
                title: articles[ord].title.clone(),
                score,
            })
            .collect()
    }
}
