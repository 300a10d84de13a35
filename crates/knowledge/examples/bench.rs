//! Search latency benchmark: `cargo run --release -p commandpost-knowledge --example bench -- [ARTICLES] [QUERIES]`.

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut args = std::env::args().skip(1);
    let articles = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(50_000);
    let queries = args.next().map(|a| a.parse()).transpose()?.unwrap_or(2_000);
    let report = commandpost_knowledge::bench_search(articles, queries)?;
    print!("{report}");
    Ok(())
}
