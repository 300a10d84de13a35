//! Level-1 triage, the pure part: a client's question and its life (suggested, solved,
//! escalated as a ticket, taken, answered), the rules for each step, and when questions are
//! really a major incident.

mod burst;
mod request;

pub use burst::{
    burst, content_words, similar, sounds_like_outage, AskedQuestion, TriagePolicy,
    DEFAULT_OUTAGE_PHRASES,
};
pub use request::{
    NewTriageRequest, TriageChange, TriageOutcome, TriageRefusal, TriageRequest, TriageState,
};

#[cfg(test)]
mod request_tests;
