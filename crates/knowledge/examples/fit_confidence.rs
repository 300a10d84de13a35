//! Fits the escalation model in `src/calibration.rs` on the training split of the bundled
//! evaluation set, and reports how the fit does on the development split (never on test).
//!
//! `cargo run -p commandpost-knowledge --release --example fit_confidence [MODEL_DIR]`
//! (default `models/all-MiniLM-L6-v2`; fetch it with `scripts/fetch-model`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use commandpost_knowledge::{
    load_questions, Calibration, Embedder, EvalQuestion, KnowledgeBase, Split,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model_dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../../models/all-MiniLM-L6-v2"));
    let embedder = Arc::new(Embedder::load(&model_dir)?);
    let (kb, _) = KnowledgeBase::open(&root.join("eval/kb"))?;
    let (kb, _) = kb.with_model(embedder, None)?;
    let questions = load_questions(&root.join("eval/questions.toml"))?;
    let examples = |split: Split| -> Vec<([f32; 5], f32, &EvalQuestion)> {
        questions
            .iter()
            .filter(|q| q.split == split)
            .filter_map(|q| {
                let assessment = kb.assess(&q.client, &q.question)?;
                let top = assessment.ranked.first()?.0;
                let right = q.expected.contains(&kb.articles()[top].slug);
                Some((assessment.features.values(), f32::from(u8::from(right)), q))
            })
            .collect()
    };
    let train = examples(Split::Train);
    let fitted = fit(&train);
    println!("// fitted on {} training questions", train.len());
    println!("pub const CALIBRATION: Calibration = Calibration {{");
    println!("    bias: {:.4},", fitted.bias);
    println!("    weights: {:.4?},", fitted.weights);
    println!("}};");
    for (name, split) in [("train", Split::Train), ("dev", Split::Dev)] {
        let data = examples(split);
        let correct = data
            .iter()
            .filter(|(x, label, _)| {
                let p = probability(&fitted, x);
                (p >= 0.5) == (*label > 0.5)
            })
            .count();
        println!("{name}: decision right for {correct} of {}", data.len());
    }
    if std::env::var_os("SHOW_MISSES").is_some() {
        for (split, report) in [(Split::Train, &hybrid_misses(&kb, &questions))] {
            let _ = split;
            for line in report {
                println!("{line}");
            }
        }
    }
    // How the committed model searches, words only and hybrid, on train and dev (test is
    // for the final check: `commandpost kb eval`).
    let hybrid = commandpost_knowledge::evaluate(&kb, &questions);
    let words = commandpost_knowledge::evaluate_keywords(&kb, &questions);
    for (name, report) in [("words", &words), ("hybrid", &hybrid)] {
        for (split, s) in [("train", &report.train), ("dev", &report.dev)] {
            println!(
                "{name:<6} {split:<5} top-1 {:.3} top-3 {:.3} escalation {:.3} leaks {}",
                s.top1_rate(),
                s.top3_rate(),
                s.escalation_rate(),
                s.leaks
            );
        }
    }
    Ok(())
}

fn probability(model: &Calibration, x: &[f32; 5]) -> f32 {
    let z = model.bias + model.weights.iter().zip(x).map(|(w, v)| w * v).sum::<f32>();
    1.0 / (1.0 + (-z).exp())
}

/// Logistic regression by batch gradient descent with a little L2 on the weights, so the
/// binary features cannot run off on a small training set.
fn fit(data: &[([f32; 5], f32, &EvalQuestion)]) -> Calibration {
    let mut model = Calibration {
        bias: 0.0,
        weights: [0.0; 5],
    };
    let n = data.len().max(1) as f32;
    let (rate, l2) = (0.5, 0.001);
    for _ in 0..20_000 {
        let mut grad_b = 0.0;
        let mut grad_w = [0.0f32; 5];
        for (x, y, _) in data {
            let error = probability(&model, x) - y;
            grad_b += error;
            for (g, v) in grad_w.iter_mut().zip(x) {
                *g += error * v;
            }
        }
        model.bias -= rate * grad_b / n;
        for (w, g) in model.weights.iter_mut().zip(grad_w) {
            *w -= rate * (g / n + l2 * *w);
        }
    }
    model
}

/// Train and dev questions the hybrid search gets wrong, with their features (never test).
fn hybrid_misses(kb: &KnowledgeBase, questions: &[EvalQuestion]) -> Vec<String> {
    let report = commandpost_knowledge::evaluate(kb, questions);
    report
        .misses
        .iter()
        .filter(|m| m.question.split != Split::Test)
        .map(|m| {
            let features = kb
                .assess(&m.question.client, &m.question.question)
                .map(|a| format!("{:?}", a.features.values()))
                .unwrap_or_default();
            format!(
                "{:?} {} {:?} expected {:?} got {:?} {features}",
                m.question.split,
                m.question.client,
                m.question.question,
                m.question.expected,
                m.got.iter().map(|h| h.slug.as_str()).collect::<Vec<_>>()
            )
        })
        .collect()
}
