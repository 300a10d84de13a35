//! Load generation for acknowledgement benchmarks: an open loop at a fixed rate (latency
//! measured from each request's scheduled start, so a stall counts against everything queued
//! behind it) and a closed loop of concurrent clients (throughput at saturation).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// Something that prepares (e.g. signs) a request off the clock and sends it on the clock.
pub trait Probe: Send + Sync + 'static {
    type Request: Send + 'static;
    fn prepare(&self) -> Self::Request;
    /// Sends one request; true when it was acknowledged as expected.
    fn send(&self, request: Self::Request) -> impl Future<Output = bool> + Send;
}

/// `--rate`, `--seconds`, `--concurrency`, `--saturation-seconds` from the command line.
#[derive(Debug, Clone, Copy)]
pub struct LoadArgs {
    pub rate: u32,
    pub seconds: u64,
    pub concurrency: usize,
    pub saturation_seconds: u64,
}

impl LoadArgs {
    pub fn from_command_line() -> Self {
        let mut args = Self {
            rate: 200,
            seconds: 20,
            concurrency: 32,
            saturation_seconds: 10,
        };
        let raw: Vec<String> = std::env::args().skip(1).collect();
        for pair in raw.chunks(2) {
            let value = pair.get(1).map(String::as_str).unwrap_or_default();
            let number = || value.parse::<u64>().expect("a whole number");
            match pair[0].as_str() {
                "--rate" => args.rate = number() as u32,
                "--seconds" => args.seconds = number(),
                "--concurrency" => args.concurrency = number() as usize,
                "--saturation-seconds" => args.saturation_seconds = number(),
                other => panic!("unknown option {other}: use --rate, --seconds, --concurrency, --saturation-seconds"),
            }
        }
        args
    }
}

pub struct LoadReport {
    pub label: String,
    /// Sorted.
    pub latencies: Vec<Duration>,
    pub failed: usize,
    pub elapsed: Duration,
}

impl LoadReport {
    fn new(label: String, mut latencies: Vec<Duration>, failed: usize, elapsed: Duration) -> Self {
        latencies.sort_unstable();
        Self {
            label,
            latencies,
            failed,
            elapsed,
        }
    }

    /// The latency below which `fraction` of the acknowledged requests fall.
    pub fn percentile(&self, fraction: f64) -> Duration {
        let millis: Vec<f64> = self
            .latencies
            .iter()
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect();
        Duration::from_secs_f64(super::percentile(&millis, fraction) / 1000.0)
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "{}: {} ok, {} failed or dropped in {:.1}s = {:.0} req/s; latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.label,
            self.latencies.len(),
            self.failed,
            self.elapsed.as_secs_f64(),
            self.latencies.len() as f64 / self.elapsed.as_secs_f64(),
            ms(self.percentile(0.5)),
            ms(self.percentile(0.9)),
            ms(self.percentile(0.99)),
            ms(self.latencies.last().copied().unwrap_or_default()),
        )
    }
}

/// The open loop at `args.rate`, then the closed loop at `args.concurrency`: both reports.
pub async fn open_then_closed<P: Probe>(probe: Arc<P>, args: LoadArgs) -> [LoadReport; 2] {
    [
        open_loop(probe.clone(), args.rate, args.seconds).await,
        closed_loop(probe, args.concurrency, args.saturation_seconds).await,
    ]
}

/// `rate` requests per second for `seconds`, prepared beforehand.
pub async fn open_loop<P: Probe>(probe: Arc<P>, rate: u32, seconds: u64) -> LoadReport {
    let total = u64::from(rate) * seconds;
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let mut prepared: Vec<P::Request> = (0..total).map(|_| probe.prepare()).collect();
    prepared.reverse();
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(prepared.len());
    for n in 0..total {
        let scheduled = start + interval.mul_f64(n as f64);
        tokio::time::sleep_until(scheduled.into()).await;
        let probe = probe.clone();
        let request = prepared.pop().expect("one request per slot");
        tasks.push(tokio::spawn(async move {
            let ok = probe.send(request).await;
            (ok, scheduled.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    let mut failed = 0;
    for task in tasks {
        match task.await {
            Ok((true, latency)) => latencies.push(latency),
            _ => failed += 1,
        }
    }
    LoadReport::new(
        format!("open loop at {rate} req/s"),
        latencies,
        failed,
        start.elapsed(),
    )
}

/// `concurrency` clients sending back to back for `seconds`.
pub async fn closed_loop<P: Probe>(probe: Arc<P>, concurrency: usize, seconds: u64) -> LoadReport {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let results = Arc::new(Mutex::new((Vec::new(), 0usize)));
    let start = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let probe = probe.clone();
            let results = results.clone();
            tokio::spawn(async move {
                let (mut mine, mut failed) = (Vec::new(), 0);
                while Instant::now() < deadline {
                    let request = probe.prepare();
                    let sent = Instant::now();
                    if probe.send(request).await {
                        mine.push(sent.elapsed());
                    } else {
                        failed += 1;
                    }
                }
                let mut all = results.lock().await;
                all.0.extend(mine);
                all.1 += failed;
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let elapsed = start.elapsed();
    let (latencies, failed) = std::mem::take(&mut *results.lock().await);
    LoadReport::new(
        format!("saturation with {concurrency} clients"),
        latencies,
        failed,
        elapsed,
    )
}
