//! Knowledge-base loading and ranked, client-scoped search.
//!
//! The knowledge base is a directory of markdown articles with YAML front matter
//! (see `INTERFACE.md`, section "Knowledge base"). [`load_dir`] reads and validates
//! it, [`KnowledgeBase`] indexes it in RAM with tantivy and answers level-1
//! questions for one client at a time: an article scoped to other clients is never
//! returned, and [`KnowledgeBase::search`] returns nothing when no article is a
//! confident match, which is the bot's cue to escalate to a person.
//!
//! [`evaluate`] measures search quality on a question set (a bundled one lives in
//! `eval/`), and [`bench_search`] measures latency on [`synthetic_articles`].

mod article;
mod bench;
mod calibration;
mod collector;
mod confidence;
mod embed;
mod encoder;
mod error;
mod eval;
mod explain;
mod frontmatter;
mod hybrid;
mod index;
mod query;
mod semantic;
mod synonyms;
mod synthetic;
mod text;
mod vectors;
mod vocab;

pub use article::{load_dir, Article, Problem, Scope};
pub use bench::{bench_hybrid, bench_search, BenchReport};
pub use calibration::{Calibration, Features, CALIBRATION};
pub use embed::{Embedder, ModelError, Pooling};
pub use error::KbError;
pub use hybrid::Assessment;
pub use semantic::{chunks_of, CacheStats};

pub use eval::{
    evaluate, evaluate_keywords, load_questions, EvalQuestion, EvalReport, Miss, Split, SplitReport,
};
pub use explain::{ExplainedCandidate, ExplainedConcept, Explanation};
pub use index::{Hit, KnowledgeBase, SearchParams};
pub use synthetic::synthetic_articles;
