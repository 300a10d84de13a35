//! Sentence embeddings on this machine: a sentence-transformers BERT folder (`config.json`,
//! `tokenizer.json`, `model.safetensors`, `1_Pooling/config.json`) run with candle, pooled as the
//! folder says and L2-normalised, so a dot product is the cosine similarity.

use std::path::{Path, PathBuf};

use crate::encoder::QuestionEncoder;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use thiserror::Error;
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// Texts embedded per forward pass: large enough to use both cores, small enough to keep the
/// padded batch (and memory) modest.
const BATCH: usize = 32;

/// Why a model folder cannot be used; names the file and what is wrong with it.
#[derive(Debug, Error)]
pub enum ModelError {
    #[error("{}: {problem}", .file.display())]
    File { file: PathBuf, problem: String },
    #[error("the embedding model failed: {0}")]
    Inference(String),
}

fn file_error(file: &Path, problem: impl Into<String>) -> ModelError {
    ModelError::File {
        file: file.to_owned(),
        problem: problem.into(),
    }
}

/// How token vectors become one sentence vector (`1_Pooling/config.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    Mean,
    Cls,
}

#[derive(Deserialize)]
struct PoolingConfig {
    word_embedding_dimension: Option<usize>,
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
}

#[derive(Deserialize)]
struct SentenceBertConfig {
    max_seq_length: Option<usize>,
}

/// The lowest cosine between the question encoder's vector and candle's for one text at load
/// for the question encoder to be used; below it (a model the one-byte weights do not suit)
/// questions go through candle too.
const QUESTION_ENCODER_AGREEMENT: f32 = 0.98;

/// A loaded sentence-embedding model. `Send + Sync`; embedding takes `&self`.
pub struct Embedder {
    model: BertModel,
    questions: Option<QuestionEncoder>,
    tokenizer: Tokenizer,
    device: Device,
    pooling: Pooling,
    dimension: usize,
    fingerprint: String,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("dimension", &self.dimension)
            .field("pooling", &self.pooling)
            .field("question_encoder", &self.questions.is_some())
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

fn read(file: &Path) -> Result<Vec<u8>, ModelError> {
    std::fs::read(file).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            file_error(file, "is missing")
        } else {
            file_error(file, format!("cannot be read: {e}"))
        }
    })
}

impl Embedder {
    /// Loads and checks a model folder: every file present and readable, the pooling
    /// dimension equal to the model's hidden size, the tokenizer's vocabulary within the
    /// model's, the weights shaped as `config.json` says.
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        let config_file = dir.join("config.json");
        let config_bytes = read(&config_file)?;
        let config: Config = serde_json::from_slice(&config_bytes)
            .map_err(|e| file_error(&config_file, format!("is not a BERT configuration: {e}")))?;

        let pooling_file = dir.join("1_Pooling").join("config.json");
        let pooling = match std::fs::read(&pooling_file) {
            Ok(bytes) => {
                let pooling: PoolingConfig = serde_json::from_slice(&bytes).map_err(|e| {
                    file_error(
                        &pooling_file,
                        format!("is not a pooling configuration: {e}"),
                    )
                })?;
                if let Some(dimension) = pooling.word_embedding_dimension {
                    if dimension != config.hidden_size {
                        return Err(file_error(
                            &pooling_file,
                            format!(
                                "word_embedding_dimension is {dimension} but the model's hidden_size (config.json) is {}",
                                config.hidden_size
                            ),
                        ));
                    }
                }
                match (
                    pooling.pooling_mode_mean_tokens,
                    pooling.pooling_mode_cls_token,
                ) {
                    (true, _) => Pooling::Mean,
                    (false, true) => Pooling::Cls,
                    (false, false) => return Err(file_error(
                        &pooling_file,
                        "asks for a pooling mode other than mean or CLS, which is not supported",
                    )),
                }
            }
            // Plain BERT folders without sentence-transformers metadata: mean pooling.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Pooling::Mean,
            Err(e) => return Err(file_error(&pooling_file, format!("cannot be read: {e}"))),
        };

        let max_tokens = std::fs::read(dir.join("sentence_bert_config.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<SentenceBertConfig>(&bytes).ok())
            .and_then(|c| c.max_seq_length)
            .unwrap_or(config.max_position_embeddings)
            .min(config.max_position_embeddings);

        let tokenizer_file = dir.join("tokenizer.json");
        let tokenizer_bytes = read(&tokenizer_file)?;
        let mut tokenizer = Tokenizer::from_bytes(&tokenizer_bytes)
            .map_err(|e| file_error(&tokenizer_file, format!("is not a tokenizer: {e}")))?;
        let vocabulary = tokenizer.get_vocab_size(true);
        if vocabulary > config.vocab_size {
            return Err(file_error(
                &tokenizer_file,
                format!(
                    "has {vocabulary} tokens but the model knows {} (config.json): they do not belong together",
                    config.vocab_size
                ),
            ));
        }
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..Default::default()
            }))
            .map_err(|e| file_error(&tokenizer_file, format!("cannot truncate: {e}")))?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..Default::default()
        }));

        let weights_file = dir.join("model.safetensors");
        let weights = read(&weights_file)?;
        let device = Device::Cpu;
        let fingerprint = fingerprint(&[&config_bytes, &tokenizer_bytes, &weights]);
        let tensors = candle_core::safetensors::load_buffer(&weights, &device)
            .map_err(|e| file_error(&weights_file, format!("is not a safetensors file: {e}")))?;
        drop(weights);
        let questions = QuestionEncoder::new(&tensors, &config)
            .map_err(|problem| file_error(&weights_file, problem))?;
        let tensors = laid_out_for_matmul(tensors)
            .map_err(|e| file_error(&weights_file, format!("cannot be prepared: {e}")))?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &device);
        let model = BertModel::load(vb, &config).map_err(|e| {
            file_error(
                &weights_file,
                format!("does not hold the model config.json describes: {e}"),
            )
        })?;
        let mut embedder = Self {
            model,
            questions: None,
            tokenizer,
            device,
            pooling,
            dimension: config.hidden_size,
            fingerprint,
        };
        // One real pass, so a model that loads but cannot run fails here, not on a question.
        let probe = "my laptop cannot reach the shared drive since this morning";
        let reference = embedder
            .embed(&[probe])
            .map_err(|e| file_error(&weights_file, format!("cannot run: {e}")))?
            .pop()
            .unwrap_or_default();
        embedder.questions = Some(questions);
        let agreement = embedder.embed_question(probe).map(|v| dot(&v, &reference));
        if !agreement.is_ok_and(|cosine| cosine >= QUESTION_ENCODER_AGREEMENT) {
            embedder.questions = None;
        }
        Ok(embedder)
    }

    /// Length of every vector this model produces.
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// Identifies the model's files (for the embedding cache).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// How much of `text` the model's vocabulary does not know as whole words: the share of
    /// word pieces that are fragments (`##…`) or unknown. English chat sits well below a third;
    /// a language the model was not trained on breaks into fragments, which is the signal that
    /// its similarities cannot be trusted.
    pub fn fragmentation(&self, text: &str) -> f32 {
        let Ok(encoding) = self.tokenizer.encode(text, false) else {
            return 1.0;
        };
        let tokens = encoding.get_tokens();
        if tokens.is_empty() {
            return 1.0;
        }
        let broken = tokens
            .iter()
            .filter(|t| t.starts_with("##") || t.as_str() == "[UNK]")
            .count();
        broken as f32 / tokens.len() as f32
    }

    /// Whether single questions use the one-byte question encoder (else candle's model).
    pub fn has_question_encoder(&self) -> bool {
        self.questions.is_some()
    }

    /// One question's unit-length vector, by the question encoder when the model suits it:
    /// what a search pays for, a few times faster than [`Embedder::embed`] for one short text.
    /// Texts longer than the model's limit are truncated.
    pub fn embed_question(&self, text: &str) -> Result<Vec<f32>, ModelError> {
        let Some(encoder) = &self.questions else {
            return Ok(self.embed(&[text])?.pop().unwrap_or_default());
        };
        let failed = |e: &dyn std::fmt::Display| ModelError::Inference(e.to_string());
        let encoding = self.tokenizer.encode(text, true).map_err(|e| failed(&e))?;
        let states = encoder
            .hidden_states(encoding.get_ids())
            .ok_or_else(|| failed(&"a token the model has no embedding for"))?;
        let mut vector = match self.pooling {
            Pooling::Cls => states[..self.dimension].to_vec(),
            Pooling::Mean => {
                let mut sum = vec![0.0f32; self.dimension];
                for token in states.chunks_exact(self.dimension) {
                    sum.iter_mut().zip(token).for_each(|(s, x)| *s += x);
                }
                let tokens = (states.len() / self.dimension).max(1) as f32;
                sum.iter_mut().for_each(|s| *s /= tokens);
                sum
            }
        };
        normalise(&mut vector);
        Ok(vector)
    }

    /// One unit-length vector per text. Texts longer than the model's limit are truncated.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError> {
        let mut vectors = Vec::with_capacity(texts.len());
        for batch in texts.chunks(BATCH) {
            vectors.extend(self.embed_batch(batch)?);
        }
        Ok(vectors)
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError> {
        let failed = |e: &dyn std::fmt::Display| ModelError::Inference(e.to_string());
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| failed(&e))?;
        let rows = encodings.len();
        let width = encodings.first().map_or(0, |e| e.get_ids().len());
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for encoding in &encodings {
            ids.extend(encoding.get_ids().iter().copied());
            mask.extend(encoding.get_attention_mask().iter().copied());
        }
        let ids = Tensor::from_vec(ids, (rows, width), &self.device).map_err(|e| failed(&e))?;
        let mask = Tensor::from_vec(mask, (rows, width), &self.device).map_err(|e| failed(&e))?;
        let types = ids.zeros_like().map_err(|e| failed(&e))?;
        let hidden = self
            .model
            .forward(&ids, &types, Some(&mask))
            .map_err(|e| failed(&e))?;
        let pooled = match self.pooling {
            Pooling::Cls => hidden.narrow(1, 0, 1).and_then(|t| t.squeeze(1)),
            Pooling::Mean => mask
                .to_dtype(DType::F32)
                .and_then(|m| m.unsqueeze(2))
                .and_then(|m| {
                    let summed = hidden.broadcast_mul(&m)?.sum(1)?;
                    let counts = m.sum(1)?.clamp(1e-9, f64::MAX)?;
                    summed.broadcast_div(&counts)
                }),
        }
        .map_err(|e| failed(&e))?;
        let mut vectors: Vec<Vec<f32>> = pooled.to_vec2().map_err(|e| failed(&e))?;
        for vector in &mut vectors {
            normalise(vector);
        }
        Ok(vectors)
    }
}

/// Every dense layer's weight, stored `(out, in)`, is multiplied as its transpose. Kept as the
/// transpose of a contiguous `(in, out)` copy, the multiplication reads memory in order: a short
/// question runs about three times faster on the CPU than with the file's layout (same values,
/// same results). Embedding tables are looked up by row and stay as they are.
fn laid_out_for_matmul(
    tensors: std::collections::HashMap<String, Tensor>,
) -> candle_core::Result<std::collections::HashMap<String, Tensor>> {
    tensors
        .into_iter()
        .map(|(name, tensor)| {
            let tensor = tensor.to_dtype(DType::F32)?;
            let dense = tensor.rank() == 2 && !name.contains("embeddings");
            let tensor = if dense {
                tensor.t()?.contiguous()?.t()?
            } else {
                tensor
            };
            Ok((name, tensor))
        })
        .collect()
}

/// Scales a vector to unit length (a zero vector stays zero).
pub fn normalise(vector: &mut [f32]) {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    }
}

/// Dot product of two vectors of one length; the cosine for unit vectors.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight running sums, so the compiler can keep them in one vector register.
    let mut sums = [0.0f32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for lane in 0..8 {
            sums[lane] += x[lane] * y[lane];
        }
    }
    let rest = a.len().min(b.len()) / 8 * 8;
    let tail: f32 = a[rest..].iter().zip(&b[rest..]).map(|(x, y)| x * y).sum();
    sums.iter().sum::<f32>() + tail
}

fn fingerprint(parts: &[&[u8]]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    hex::encode(&hash.finalize()[..16])
}
