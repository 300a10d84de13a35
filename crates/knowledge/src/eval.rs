//! Search-quality evaluation: hit rates, correct escalations and cross-client leaks on a
//! question set, reported separately for the training, development and held-out test splits.

use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::error::KbError;
use crate::index::{Hit, KnowledgeBase};

/// Results considered for the top-3 hit rate.
const TOP_K: usize = 3;

/// Which part of the question set a question belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Used to fit ranking and the confidence model.
    Train,
    /// Used to choose between designs and check a fit generalises; never fitted on.
    Dev,
    /// Held out: only measured at the end, never tuned on.
    Test,
}

/// One evaluation question.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalQuestion {
    /// The client id the question comes from.
    pub client: String,
    /// The question as a user would type it.
    pub question: String,
    /// Acceptable article slugs; empty means the bot should escalate to a person.
    pub expected: Vec<String>,
    /// Train, dev or test.
    pub split: Split,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionFile {
    question: Vec<EvalQuestion>,
}

/// Reads a TOML file of `[[question]]` tables.
pub fn load_questions(path: &Path) -> Result<Vec<EvalQuestion>, KbError> {
    let err = |message: String| KbError::Questions {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let file: QuestionFile = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
    Ok(file.question)
}

/// Figures for one split.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SplitReport {
    /// Questions with at least one expected article.
    pub answerable: usize,
    /// Answerable questions whose first result is expected.
    pub top1: usize,
    /// Answerable questions with an expected article in the first three results.
    pub top3: usize,
    /// Questions that should escalate (no expected article).
    pub unanswerable: usize,
    /// Unanswerable questions that got no result, i.e. were escalated.
    pub escalated: usize,
    /// Results (over all questions) that the asking client may not see.
    pub leaks: usize,
}

impl SplitReport {
    /// Share of answerable questions answered first time.
    pub fn top1_rate(&self) -> f64 {
        ratio(self.top1, self.answerable)
    }
    /// Share of answerable questions with an expected article in the top three.
    pub fn top3_rate(&self) -> f64 {
        ratio(self.top3, self.answerable)
    }
    /// Share of unanswerable questions that were escalated.
    pub fn escalation_rate(&self) -> f64 {
        ratio(self.escalated, self.unanswerable)
    }
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 {
        1.0
    } else {
        n as f64 / d as f64
    }
}

/// A question the search did not get right.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    /// The question.
    pub question: EvalQuestion,
    /// What the search returned.
    pub got: Vec<Hit>,
}

/// Evaluation results per split, with the questions that were missed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalReport {
    /// Figures for the training split.
    pub train: SplitReport,
    /// Figures for the development split.
    pub dev: SplitReport,
    /// Figures for the held-out test split.
    pub test: SplitReport,
    /// Answerable questions without an expected article in the top three, and
    /// unanswerable questions that were not escalated.
    pub misses: Vec<Miss>,
}

impl EvalReport {
    /// The figures for one split.
    pub fn split(&self, split: Split) -> &SplitReport {
        match split {
            Split::Train => &self.train,
            Split::Dev => &self.dev,
            Split::Test => &self.test,
        }
    }
}

/// Runs every question through `kb.search(client, question, 3)` (hybrid when the knowledge
/// base has a model) and scores the results.
pub fn evaluate(kb: &KnowledgeBase, questions: &[EvalQuestion]) -> EvalReport {
    evaluate_by(kb, questions, |q| kb.search(&q.client, &q.question, TOP_K))
}

/// [`evaluate`] with words-only search, whether or not a model is loaded.
pub fn evaluate_keywords(kb: &KnowledgeBase, questions: &[EvalQuestion]) -> EvalReport {
    evaluate_by(kb, questions, |q| {
        kb.search_keywords(&q.client, &q.question, TOP_K)
    })
}

fn evaluate_by(
    kb: &KnowledgeBase,
    questions: &[EvalQuestion],
    search: impl Fn(&EvalQuestion) -> Vec<Hit>,
) -> EvalReport {
    let mut report = EvalReport::default();
    for q in questions {
        let got = search(q);
        let split = match q.split {
            Split::Train => &mut report.train,
            Split::Dev => &mut report.dev,
            Split::Test => &mut report.test,
        };
        split.leaks += got
            .iter()
            .filter(|hit| {
                !kb.article(&hit.slug)
                    .is_some_and(|a| a.is_visible_to(&q.client))
            })
            .count();
        let ok = if q.expected.is_empty() {
            split.unanswerable += 1;
            let escalated = got.is_empty();
            split.escalated += usize::from(escalated);
            escalated
        } else {
            split.answerable += 1;
            let expected = |hit: &Hit| q.expected.contains(&hit.slug);
            split.top1 += usize::from(got.first().is_some_and(expected));
            let in_top3 = got.iter().take(TOP_K).any(expected);
            split.top3 += usize::from(in_top3);
            in_top3
        };
        if !ok {
            report.misses.push(Miss {
                question: q.clone(),
                got,
            });
        }
    }
    report
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<6} {:>10} {:>6} {:>6} {:>13} {:>11} {:>6}",
            "split", "answerable", "top-1", "top-3", "unanswerable", "escalation", "leaks"
        )?;
        for (name, s) in [
            ("train", &self.train),
            ("dev", &self.dev),
            ("test", &self.test),
        ] {
            writeln!(
                f,
                "{:<6} {:>10} {:>6.3} {:>6.3} {:>13} {:>11.3} {:>6}",
                name,
                s.answerable,
                s.top1_rate(),
                s.top3_rate(),
                s.unanswerable,
                s.escalation_rate(),
                s.leaks
            )?;
        }
        Ok(())
    }
}
