//! Tunes ranking and confidence parameters on the TRAINING split of the bundled
//! evaluation set only; test questions are filtered out before anything is measured.
//!
//! `cargo run -p commandpost-knowledge --example tune [-- --misses] [--questions FILE]`
//! (other modes: `--wrong`, `--features`, `--ranking`, `--typo-credit`)

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
    // `--questions FILE` tunes on another question file (still only its train split).
    let args: Vec<String> = std::env::args().collect();
    let questions = args
        .iter()
        .position(|a| a == "--questions")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| eval.join("questions.toml"), std::path::PathBuf::from);
    let train: Vec<EvalQuestion> = load_questions(&questions)?
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
            let (frac, matched, head, top) = e
                .candidates
                .first()
                .map_or((0.0, 0.0, 0.0, String::new()), |c| {
                    (c.coverage, c.matched_weight, c.head_weight, c.slug.clone())
                });
            let kind = if q.expected.is_empty() {
                "NEG"
            } else if q.expected.contains(&top) {
                "POS"
            } else if e
                .candidates
                .iter()
                .take(3)
                .any(|c| q.expected.contains(&c.slug))
            {
                "TOP3"
            } else {
                "WRONG"
            };
            let total: f32 = e.concepts.iter().map(|c| c.weight).sum();
            let ratio = match e.candidates.as_slice() {
                [first, second, ..] if second.score > 0.0 => first.score / second.score,
                [_] => 99.0,
                _ => 0.0,
            };
            println!(
                "{kind}\t{frac:.2}\t{matched:.2}\t{head:.2}\t{total:.2}\t{}\t{ratio:.2}\t{}",
                e.concepts.len(),
                q.question
            );
        }
        return Ok(());
    }

    if std::env::args().any(|a| a == "--typo-credit") {
        for typo_credit in [0.5, 0.7, 0.85, 1.0] {
            kb = kb.with_params(SearchParams {
                typo_credit,
                ..base.clone()
            });
            let r = evaluate(&kb, &train).train;
            println!(
                "typo_credit {typo_credit}: top1 {:.3} top3 {:.3} esc {:.3}",
                r.top1_rate(),
                r.top3_rate(),
                r.escalation_rate()
            );
        }
        return Ok(());
    }

    if std::env::args().any(|a| a == "--ranking") {
        // Ranking alone: the confidence gate is opened so that every question is answered.
        for title_boost in [2.0, 3.0] {
            for synonym_weight in [0.6, 0.8] {
                for coverage_weight in [1.0, 2.0, 3.0] {
                    {
                        let params = SearchParams {
                            title_boost,
                            synonym_weight,
                            coverage_weight,
                            min_coverage: 0.0,
                            min_matched_weight: 0.0,
                            min_head_weight: 0.0,
                            min_secondary_coverage: 0.0,
                            ..base.clone()
                        };
                        kb = kb.with_params(params);
                        let r = evaluate(&kb, &train).train;
                        println!(
                            "title {title_boost} syn {synonym_weight} cov {coverage_weight}: top1 {:.3} top3 {:.3}",
                            r.top1_rate(),
                            r.top3_rate(),
                        );
                    }
                }
            }
        }
        return Ok(());
    }

    let mut best: Option<(f64, SearchParams)> = None;
    let mut all: Vec<(f64, SearchParams)> = Vec::new();
    for min_coverage in [0.4, 0.45, 0.5, 0.55, 0.6] {
        for coverage_total_cap in [1.6, 2.0, 2.4, 2.8, 3.2, f32::INFINITY] {
            for min_head_weight in [0.0, 0.2, 0.3, 0.4, 0.5] {
                for unknown_weight in [0.5, 0.7, 0.9] {
                    let params = SearchParams {
                        min_coverage,
                        coverage_total_cap,
                        min_head_weight,
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
    }
    if let Some((top, _)) = &best {
        println!("parameter sets within 0.02 of the best objective (min_coverage, coverage_total_cap, min_head_weight, unknown_weight):");
        for (objective, p) in all.iter().filter(|(o, _)| *o >= top - 0.02) {
            println!(
                "  {objective:.3}: {} {} {} {}",
                p.min_coverage, p.coverage_total_cap, p.min_head_weight, p.unknown_weight
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
