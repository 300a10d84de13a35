//! `commandpost bench …`: measurements of the speed and memory targets, run on demand
//! (never as timed assertions in tests).

pub mod alerts;
pub mod delivery;
pub mod load;
pub mod pages;
pub mod timers;

/// Peak resident memory of this process in MiB (Linux `VmHWM`), if the system tells.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The value below which `fraction` of the sorted samples fall.
pub fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}
