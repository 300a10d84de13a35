//! How long the model takes on this machine: one short question at a time (what a query pays)
//! and article chunks in batches (what a first build pays).
//! `cargo run --release -p commandpost-knowledge --example embed_speed -- MODEL_DIR`

use std::time::Instant;

use commandpost_knowledge::Embedder;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: embed_speed MODEL_DIR")?;
    let embedder = Embedder::load(std::path::Path::new(&dir))?;
    let questions = [
        "my outlook wont open",
        "vpn keeps dropping every few minutes when i work from home",
        "printer on floor 2 says offline",
        "cant log in to the portal, it says my account is locked after too many tries",
    ];
    let mut full_precision = Vec::new();
    let mut question_encoder = Vec::new();
    for round in 0..50 {
        for question in questions {
            let started = Instant::now();
            embedder.embed(&[question])?;
            let between = Instant::now();
            embedder.embed_question(question)?;
            if round > 0 {
                full_precision.push(between.duration_since(started).as_micros());
                question_encoder.push(between.elapsed().as_micros());
            }
        }
    }
    for (name, mut times) in [
        ("question, candle (f32)", full_precision),
        ("question, question encoder", question_encoder),
    ] {
        times.sort_unstable();
        let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
        println!("{name}: p50 {} µs, p99 {} µs", at(0.5), at(0.99));
    }
    let chunk = "Printer offline: This article helps when the printer is offline. 1. Restart the \
                 print spooler service. 2. Check the network cable and the printer's IP address. \
                 3. Remove and add the printer again from Settings. Related: VPN, Outlook.";
    let chunks: Vec<&str> = std::iter::repeat_n(chunk, 128).collect();
    let started = Instant::now();
    embedder.embed(&chunks)?;
    let seconds = started.elapsed().as_secs_f64();
    println!("chunks: {:.1} per second", chunks.len() as f64 / seconds);
    Ok(())
}
