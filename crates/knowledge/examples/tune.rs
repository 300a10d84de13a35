//! Tunes ranking and confidence parameters on the TRAINING split of the bundled
//! evaluation set only; test questions are filtered out before anything is measured.
//!
//! `cargo run -p commandpost-knowledge --example tune [-- --misses]`

use std::path::Path;

use commandpost_knowledge::{
    evaluate, load_questions, EvalQuestion, KnowledgeBase, SearchParams, Split,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let eval = Path::new(env!("CARGO_MANIFEST_DIR")).join("eval");
    let (kb, problems) = KnowledgeBase::open(&eval.join("kb"))?;
    for problem in &problems {
        eprintln!("{problem}");
    }
    let train: Vec<EvalQuestion> = load_questions(&eval.join("questions.toml"))?
        .into_iter()
        .filter(|q| q.split == Split::Train)
        .collect();
    let show_misses = std::env::args().any(|a| a == "--misses");

    let mut kb = kb;
    let base = SearchParams::default();
    let report = evaluate(&kb, &train);
    println!("defaults: {:?}", base);
    print_train(&report.train);
    if show_misses {
        for miss in &report.misses {
            let got: Vec<String> = miss
                .got
                .iter()
                .map(|h| format!("{} ({:.2})", h.slug, h.score))
                .collect();
            println!(
                "MISS [{}] {:?} expected {:?} got {:?}\n{}",
                miss.question.client,
                miss.question.question,
                miss.question.expected,
                got,
                kb.explain(&miss.question.client, &miss.question.question)
            );
        }
    }

    if std::env::args().any(|a| a == "--wrong") {
        for q in train.iter().filter(|q| !q.expected.is_empty()) {
            let hits = kb.search(&q.client, &q.question, 3);
            if !hits.first().is_some_and(|h| q.expected.contains(&h.slug)) {
                println!(
                    "WRONG [{}] {:?} expected {:?}",
                    q.client, q.question, q.expected
                );
                print!("{}", kb.explain(&q.client, &q.question));
            }
        }
        return Ok(());
    }
    if std::env::args().any(|a| a == "--features") {
        for q in &train {
            let e = kb.explain(&q.client, &q.question);
            let (frac, matched, top) =
                e.candidates.first().map_or((0.0, 0.0, String::new()), |c| {
                    (c.coverage, c.matched_weight, c.slug.clone())
                });
            let kind = if q.expected.is_empty() {
                "NEG"
            } else if q.expected.contains(&top) {
                "POS"
            } else {
                "WRONG"
            };
            let total: f32 = e.concepts.iter().map(|c| c.weight).sum();
            println!(
                "{kind}\t{frac:.2}\t{matched:.2}\t{total:.2}\t{}\t{}",
                e.concepts.len(),
                q.question
            );
        }
        return Ok(());
    }

    if std::env::args().any(|a| a == "--ranking") {
        for title_boost in [2.0, 3.0, 4.0] {
            for synonym_weight in [0.4, 0.6, 0.8] {
                for coverage_weight in [0.5, 1.0, 2.0] {
                    for tags_boost in [1.0, 2.0, 3.0] {
                        let params = SearchParams {
                            title_boost,
                            synonym_weight,
                            coverage_weight,
                            tags_boost,
                            ..base.clone()
                        };
                        kb = kb.with_params(params);
                        let r = evaluate(&kb, &train).train;
                        println!(
                            "title {title_boost} tags {tags_boost} syn {synonym_weight} cov {coverage_weight}: top1 {:.3} top3 {:.3} esc {:.3}",
                            r.top1_rate(),
                            r.top3_rate(),
                            r.escalation_rate()
                        );
                    }
                }
            }
        }
        return Ok(());
    }

    let mut best: Option<(f64, SearchParams)> = None;
    let mut all: Vec<(f64, SearchParams)> = Vec::new();
    for min_coverage in [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7] {
        for min_matched_weight in [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0] {
            for unknown_weight in [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0] {
                let params = SearchParams {
                    min_coverage,
                    min_matched_weight,
                    unknown_weight,
                    ..base.clone()
                };
                kb = kb.with_params(params.clone());
                let r = evaluate(&kb, &train).train;
                // Missing an answer sends a question to a person (costly but safe);
                // a wrong answer to an unanswerable question wastes the user's time.
                let objective = r.top3_rate() + r.escalation_rate();
                all.push((objective, params.clone()));
                if best.as_ref().is_none_or(|(b, _)| objective > *b + 1e-9) {
                    best = Some((objective, params));
                }
            }
        }
    }
    if let Some((top, _)) = &best {
        println!("parameter sets reaching the best objective (min_coverage, min_matched_weight, unknown_weight):");
        for (objective, p) in all.iter().filter(|(o, _)| *o >= top - 1e-9) {
            println!(
                "  {objective:.3}: {} {} {}",
                p.min_coverage, p.min_matched_weight, p.unknown_weight
            );
        }
    }
    if let Some((objective, params)) = best {
        kb = kb.with_params(params.clone());
        println!("best objective {objective:.3}: {params:?}");
        print_train(&evaluate(&kb, &train).train);
    }
    Ok(())
}

fn print_train(r: &commandpost_knowledge::SplitReport) {
    println!(
        "train: answerable {} top1 {:.3} top3 {:.3} | unanswerable {} escalation {:.3} | leaks {}",
        r.answerable,
        r.top1_rate(),
        r.top3_rate(),
        r.unanswerable,
        r.escalation_rate(),
        r.leaks
    );
}
