//! Whether the best hybrid answer is good enough to show, or the question goes to a person: a
//! logistic regression over a few signals of the search, fitted on the training split of the
//! bundled evaluation set only (`cargo run -p commandpost-knowledge --release --example
//! fit_confidence`, which prints the numbers below). No question's words appear here.

/// The signals one search gives about its own answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Features {
    /// Cosine similarity of the question and the best visible article's best chunk.
    pub best_dense: f32,
    /// How far the best article is ahead of the second in meaning.
    pub margin: f32,
    /// The word ranking (BM25) has the fused best among its first three.
    pub words_agree: bool,
    /// The word search alone would have been confident. Reported, not used by the model: the
    /// word search's confidence rests on a vocabulary grown on this project's own questions,
    /// so trusting it would not carry over to clients' real wording.
    pub keyword_confident: bool,
    /// How much better an article scoped to another client matches (0 when none does): a
    /// sign that this client has no article for it.
    pub other_client_better: f32,
    /// Share of the question the model's vocabulary knows only in fragments (see
    /// `Embedder::fragmentation`): high for a language the model does not read.
    pub fragmentation: f32,
}

impl Features {
    pub fn values(&self) -> [f32; 5] {
        [
            self.best_dense,
            self.margin,
            f32::from(u8::from(self.words_agree)),
            self.other_client_better,
            self.fragmentation,
        ]
    }
}

/// A fitted logistic regression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    pub bias: f32,
    pub weights: [f32; 5],
}

impl Calibration {
    /// Probability that the best answer is right.
    pub fn probability(&self, features: &Features) -> f32 {
        let z = self.bias
            + self
                .weights
                .iter()
                .zip(features.values())
                .map(|(w, x)| w * x)
                .sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }

    pub fn is_confident(&self, features: &Features) -> bool {
        self.probability(features) >= 0.5
    }
}

/// Fitted on the training split (see the module comment); regenerate when the model changes.
pub const CALIBRATION: Calibration = Calibration {
    bias: -4.4938,
    weights: [5.9314, 5.6370, 1.7331, -3.7257, 0.6000],
};
