//! The in-RAM tantivy index of a knowledge base and client-scoped, confidence-gated search.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexWriter, Searcher, TantivyDocument, Term};

use crate::article::{load_dir, normalize_client, Article, Problem, Scope};
use crate::collector::{SegmentScopes, VisibleTopDocs};
use crate::confidence::{coverage, Coverage};
use crate::error::KbError;
use crate::hybrid::Semantic;
use crate::query::{self, Concept};
use crate::synonyms::Synonyms;
use crate::text;
use crate::vocab::{Vocabulary, VocabularyBuilder};

pub use crate::confidence::SearchParams;

/// Indexing memory budget; tantivy needs at least 15 MB per thread.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// The article's slug.
    pub slug: String,
    /// The article's title.
    pub title: String,
    /// Ranking score (BM25 with field boosts, adjusted for question coverage); only
    /// meaningful relative to the other hits of the same search.
    pub score: f32,
}

/// A candidate article with its scores.
#[derive(Debug)]
pub(crate) struct Ranked<'a> {
    /// Final score: BM25 adjusted for coverage and client specificity.
    pub score: f32,
    /// Raw tantivy score.
    pub bm25: f32,
    pub coverage: Coverage,
    pub article: &'a Article,
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    title: Field,
    tags: Field,
    body: Field,
    ord: Field,
}

/// A searchable knowledge base. Built once, then shared: it is `Send + Sync` and every
/// method takes `&self`.
pub struct KnowledgeBase {
    pub(crate) articles: Vec<Article>,
    pub(crate) by_slug: HashMap<String, usize>,
    searcher: Searcher,
    fields: Fields,
    /// Article ordinal of each document, per segment.
    doc_ords: Vec<Vec<u32>>,
    /// Which client may see which document, per segment.
    scopes: Arc<Vec<SegmentScopes>>,
    vocab: Vocabulary,
    synonyms: Synonyms,
    params: SearchParams,
    surface: TextAnalyzer,
    stemmer: TextAnalyzer,
    /// The meaning side, when a model is loaded (see `hybrid`).
    pub(crate) semantic: Option<Semantic>,
}

impl std::fmt::Debug for KnowledgeBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeBase")
            .field("articles", &self.articles.len())
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl KnowledgeBase {
    /// Indexes the given articles. Fails on duplicate slugs or if tantivy fails.
    pub fn build(articles: Vec<Article>) -> Result<Self, KbError> {
        let mut by_slug = HashMap::with_capacity(articles.len());
        for (i, article) in articles.iter().enumerate() {
            if by_slug.insert(article.slug.clone(), i).is_some() {
                return Err(KbError::DuplicateSlug(article.slug.clone()));
            }
        }

        let surface = text::surface_analyzer();
        let mut split = surface.clone();
        let synonyms = Synonyms::new(|phrase| text::words(&mut split, phrase));

        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index
            .tokenizers()
            .register(text::ANALYZER, text::stemming_analyzer());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let mut vocab = VocabularyBuilder::new();
        let mut split = surface.clone();
        let mut prepare = |raw: &str| {
            let normalized = text::normalize(raw);
            let words = text::tokens(&mut split, &normalized);
            let joined = synonyms.joined_phrases(&words);
            if joined.is_empty() {
                normalized
            } else {
                format!("{normalized}\n{}", joined.join(" "))
            }
        };
        for (ord, article) in articles.iter().enumerate() {
            let title = prepare(&article.title);
            let tags: Vec<String> = article.tags.iter().map(|t| prepare(t)).collect();
            let body = prepare(&article.body);
            let mut doc = TantivyDocument::new();
            doc.add_u64(fields.ord, ord as u64);
            doc.add_text(fields.title, &title);
            for tag in &tags {
                doc.add_text(fields.tags, tag);
            }
            doc.add_text(fields.body, &body);
            writer.add_document(doc)?;
            let mut head: Vec<&str> = vec![&title];
            head.extend(tags.iter().map(String::as_str));
            vocab.add(&head, &[&body]);
        }
        writer.commit()?;
        writer.wait_merging_threads()?;

        let reader = index.reader()?;
        let searcher = reader.searcher();
        let mut doc_ords = Vec::new();
        let mut scopes = Vec::new();
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64("ord")?;
            let mut ords = Vec::with_capacity(segment.max_doc() as usize);
            let mut segment_scopes = SegmentScopes::new(segment.max_doc() as usize);
            for doc in 0..segment.max_doc() {
                let ord = column.first(doc).map_or(u32::MAX, |o| o as u32);
                ords.push(ord);
                match articles.get(ord as usize).map(|a| &a.scope) {
                    Some(Scope::All) => segment_scopes.set_all(doc),
                    Some(Scope::Clients(ids)) => {
                        for id in ids {
                            segment_scopes.add_client(doc, id);
                        }
                    }
                    None => {}
                }
            }
            doc_ords.push(ords);
            scopes.push(segment_scopes);
        }
        Ok(KnowledgeBase {
            articles,
            by_slug,
            searcher,
            fields,
            doc_ords,
            scopes: Arc::new(scopes),
            vocab: vocab.finish(),
            synonyms,
            params: SearchParams::default(),
            surface,
            stemmer: text::stemming_analyzer(),
            semantic: None,
        })
    }

    pub(crate) fn ordinal(&self, slug: &str) -> Option<usize> {
        self.by_slug.get(slug).copied()
    }

    /// Loads `dir` with [`load_dir`] and indexes the valid articles.
    pub fn open(dir: &Path) -> Result<(Self, Vec<Problem>), KbError> {
        let (articles, problems) = load_dir(dir)?;
        Ok((Self::build(articles)?, problems))
    }

    /// Replaces the ranking and confidence parameters (the defaults are tuned on the
    /// bundled evaluation set).
    pub fn with_params(mut self, params: SearchParams) -> Self {
        self.params = params;
        self
    }

    /// The parameters in use.
    pub fn params(&self) -> &SearchParams {
        &self.params
    }

    /// The best articles visible to `client` for `question`, best first, at most `limit`.
    /// Empty when no article is a confident match: the caller should escalate. Hybrid
    /// (meaning and words) when a model is loaded, words only otherwise.
    pub fn search(&self, client: &str, question: &str, limit: usize) -> Vec<Hit> {
        if limit == 0 {
            return Vec::new();
        }
        if self.semantic.is_some() {
            return self.hybrid_search(client, question, limit);
        }
        self.search_with(client, question, limit, &self.params)
    }

    /// Words-only search, whether or not a model is loaded (for comparisons).
    pub fn search_keywords(&self, client: &str, question: &str, limit: usize) -> Vec<Hit> {
        self.search_with(client, question, limit, &self.params)
    }

    /// [`KnowledgeBase::search`] with explicit parameters (used for tuning).
    pub fn search_with(
        &self,
        client: &str,
        question: &str,
        limit: usize,
        params: &SearchParams,
    ) -> Vec<Hit> {
        if limit == 0 {
            return Vec::new();
        }
        let (_, ranked) = self.rank(client, question, limit.max(params.candidates), params);
        match ranked.first() {
            Some(best) if params.is_confident(&best.coverage) => {}
            _ => return Vec::new(),
        }
        ranked
            .into_iter()
            .enumerate()
            .filter(|(i, r)| *i == 0 || params.is_relevant(&r.coverage))
            .take(limit)
            .map(|(_, r)| Hit {
                slug: r.article.slug.clone(),
                title: r.article.title.clone(),
                score: r.score,
            })
            .collect()
    }

    /// The question's concepts and up to `wanted` candidate articles visible to `client`,
    /// re-ranked by coverage, best first, before the confidence check.
    pub(crate) fn rank(
        &self,
        client: &str,
        question: &str,
        wanted: usize,
        params: &SearchParams,
    ) -> (Vec<Concept>, Vec<Ranked<'_>>) {
        let client = normalize_client(client);
        let concepts = query::plan(
            question,
            &mut self.surface.clone(),
            &mut self.stemmer.clone(),
            &self.synonyms,
            &self.vocab,
            params,
        );
        let Some(text_query) = self.text_query(&concepts, params) else {
            return (concepts, Vec::new());
        };
        let collector = VisibleTopDocs {
            limit: wanted.max(1),
            client: client.clone(),
            scopes: Arc::clone(&self.scopes),
        };
        let Ok(top) = self.searcher.search(text_query.as_ref(), &collector) else {
            return (concepts, Vec::new());
        };

        let mut ranked = Vec::with_capacity(top.len());
        for (bm25, address) in top {
            let Some(&ord) = self
                .doc_ords
                .get(address.segment_ord as usize)
                .and_then(|ords| ords.get(address.doc_id as usize))
            else {
                continue;
            };
            let Some(article) = self.articles.get(ord as usize) else {
                continue;
            };
            // The filter above already excludes other clients' articles; this check is
            // a second line of defence and never triggers in practice.
            if !article.is_visible_to(&client) {
                continue;
            }
            let coverage = coverage(&concepts, &self.vocab, ord as usize, params);
            let mut score = bm25 * (1.0 + params.coverage_weight * coverage.fraction);
            if matches!(article.scope, Scope::Clients(_)) {
                score *= params.client_bonus;
            }
            ranked.push(Ranked {
                score,
                bm25,
                coverage,
                article,
            });
        }
        ranked.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.article.slug.cmp(&b.article.slug))
        });
        (concepts, ranked)
    }

    /// The article with this slug, whatever its scope.
    pub fn article(&self, slug: &str) -> Option<&Article> {
        self.by_slug.get(slug).map(|&i| &self.articles[i])
    }

    /// All articles, in the order they were given.
    pub fn articles(&self) -> &[Article] {
        &self.articles
    }

    /// Number of articles.
    pub fn len(&self) -> usize {
        self.articles.len()
    }

    /// Whether the knowledge base has no articles.
    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// Bytes used by the search index (segments in RAM), as reported by tantivy.
    pub fn index_bytes(&self) -> u64 {
        self.searcher
            .space_usage()
            .map_or(0, |usage| usage.total().get_bytes())
    }

    /// One flat union of boosted term queries (every variant of every concept, in every
    /// field), so that tantivy can prune with block-WAND. Multi-word synonyms were
    /// indexed as joined words, so no phrase query is needed.
    fn text_query(&self, concepts: &[Concept], params: &SearchParams) -> Option<Box<dyn Query>> {
        let fields = [
            (self.fields.title, params.title_boost),
            (self.fields.tags, params.tags_boost),
            (self.fields.body, 1.0),
        ];
        let mut weights: HashMap<&str, f32> = HashMap::new();
        for variant in concepts.iter().flat_map(|c| &c.variants) {
            if let (Some(_), [stem]) = (&variant.ids, variant.stems.as_slice()) {
                let weight = weights.entry(stem.as_str()).or_insert(0.0);
                *weight = weight.max(variant.weight);
            }
        }
        let mut terms: Vec<(&str, f32)> = weights.into_iter().collect();
        terms.sort_by(|a, b| a.0.cmp(b.0));
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .flat_map(|&(stem, weight)| {
                fields.iter().map(move |&(field, boost)| {
                    let term = Term::from_field_text(field, stem);
                    let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
                    (
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(query), boost * weight))
                            as Box<dyn Query>,
                    )
                })
            })
            .collect();
        (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
    }
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(text::ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        title: builder.add_text_field("title", text.clone()),
        tags: builder.add_text_field("tags", text.clone()),
        body: builder.add_text_field("body", text),
        ord: builder.add_u64_field("ord", NumericOptions::default().set_fast()),
    };
    (builder.build(), fields)
}
