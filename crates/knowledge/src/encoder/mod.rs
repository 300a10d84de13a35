//! The question encoder: the same BERT as [`crate::Embedder`]'s, run for one text at a time with
//! one-byte weights. Articles are embedded in batches by candle's model in full precision (a
//! batch keeps the matrix units busy); a question is a single short sequence, where candle spends
//! most of its time streaming 40 MB of float weights from memory. Here they take a quarter of
//! that, stay in the cache, and the products are integer. The vectors agree with candle's to
//! within a cosine of 0.99 (tested), so questions and articles stay comparable.

mod kernels;

use std::collections::HashMap;

use candle_core::Tensor;
use candle_transformers::models::bert::{Config, HiddenAct};

use kernels::{add_in_place, erf, layer_norm, QuantisedLinear};

struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

struct Layer {
    /// Query, key and value in one matrix: one pass over the input instead of three.
    query_key_value: QuantisedLinear,
    attention_output: QuantisedLinear,
    attention_norm: Norm,
    intermediate: QuantisedLinear,
    output: QuantisedLinear,
    output_norm: Norm,
}

/// BERT's forward pass for a single token sequence (no padding, so no attention mask).
pub(crate) struct QuestionEncoder {
    hidden: usize,
    heads: usize,
    epsilon: f32,
    activation: HiddenAct,
    /// Shared with candle's model (a tensor is a reference to its storage): 45 MB not held twice.
    word_embeddings: Tensor,
    position_embeddings: Vec<f32>,
    token_type_embedding: Vec<f32>,
    embedding_norm: Norm,
    layers: Vec<Layer>,
}

/// Reads the model's tensors by name, under whatever prefix the file uses (`bert.` or none).
struct Weights<'a> {
    tensors: &'a HashMap<String, Tensor>,
    prefix: String,
}

impl Weights<'_> {
    fn tensor(&self, name: &str) -> Result<&Tensor, String> {
        let full = format!("{}{name}", self.prefix);
        self.tensors
            .get(&full)
            .ok_or_else(|| format!("has no tensor {full}"))
    }

    fn vector(&self, name: &str) -> Result<Vec<f32>, String> {
        let full = format!("{}{name}", self.prefix);
        self.tensor(name)?
            .flatten_all()
            .and_then(|t| t.to_dtype(candle_core::DType::F32))
            .and_then(|t| t.to_vec1())
            .map_err(|e| format!("cannot read {full}: {e}"))
    }

    fn norm(&self, name: &str) -> Result<Norm, String> {
        Ok(Norm {
            gamma: self.vector(&format!("{name}.weight"))?,
            beta: self.vector(&format!("{name}.bias"))?,
        })
    }

    fn linear(&self, names: &[&str], inputs: usize) -> Result<QuantisedLinear, String> {
        let mut weight = Vec::new();
        let mut bias = Vec::new();
        for name in names {
            weight.extend(self.vector(&format!("{name}.weight"))?);
            bias.extend(self.vector(&format!("{name}.bias"))?);
        }
        QuantisedLinear::new(&weight, bias, inputs).map_err(|e| format!("{}: {e}", names[0]))
    }
}

impl QuestionEncoder {
    /// Builds the encoder from the model file's tensors; the error says which tensor is wrong.
    pub(crate) fn new(tensors: &HashMap<String, Tensor>, config: &Config) -> Result<Self, String> {
        let prefix = tensors
            .keys()
            .find_map(|name| name.strip_suffix("embeddings.word_embeddings.weight"))
            .ok_or("has no embeddings.word_embeddings.weight")?
            .to_owned();
        let weights = Weights { tensors, prefix };
        let hidden = config.hidden_size;
        if config.num_attention_heads == 0 || hidden % config.num_attention_heads != 0 {
            return Err(format!(
                "hidden_size {hidden} does not split into {} attention heads",
                config.num_attention_heads
            ));
        }
        let layers = (0..config.num_hidden_layers)
            .map(|index| {
                let at = |name: &str| format!("encoder.layer.{index}.{name}");
                Ok(Layer {
                    query_key_value: weights.linear(
                        &[
                            &at("attention.self.query"),
                            &at("attention.self.key"),
                            &at("attention.self.value"),
                        ],
                        hidden,
                    )?,
                    attention_output: weights.linear(&[&at("attention.output.dense")], hidden)?,
                    attention_norm: weights.norm(&at("attention.output.LayerNorm"))?,
                    intermediate: weights.linear(&[&at("intermediate.dense")], hidden)?,
                    output: weights.linear(&[&at("output.dense")], config.intermediate_size)?,
                    output_norm: weights.norm(&at("output.LayerNorm"))?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let type_embeddings = weights.vector("embeddings.token_type_embeddings.weight")?;
        let encoder = Self {
            hidden,
            heads: config.num_attention_heads,
            epsilon: config.layer_norm_eps as f32,
            activation: config.hidden_act,
            word_embeddings: weights
                .tensor("embeddings.word_embeddings.weight")?
                .to_dtype(candle_core::DType::F32)
                .map_err(|e| format!("cannot read the word embeddings: {e}"))?,
            position_embeddings: weights.vector("embeddings.position_embeddings.weight")?,
            token_type_embedding: type_embeddings.get(..hidden).unwrap_or_default().to_vec(),
            embedding_norm: weights.norm("embeddings.LayerNorm")?,
            layers,
        };
        let shaped = encoder.layers.iter().all(|l| {
            l.query_key_value.outputs() == 3 * hidden
                && l.attention_output.outputs() == hidden
                && l.output.outputs() == hidden
        }) && encoder.word_embeddings.dims().get(1) == Some(&hidden)
            && encoder.token_type_embedding.len() == hidden
            && encoder.embedding_norm.gamma.len() == hidden;
        if !shaped {
            return Err(format!(
                "its layers are not shaped for hidden_size {hidden} (config.json)"
            ));
        }
        Ok(encoder)
    }

    /// The last layer's hidden states, `ids.len() × hidden`, or `None` for an id the model
    /// has no embedding for, or more tokens than it has positions.
    pub(crate) fn hidden_states(&self, ids: &[u32]) -> Option<Vec<f32>> {
        let hidden = self.hidden;
        let mut states = Vec::with_capacity(ids.len() * hidden);
        for (position, &id) in ids.iter().enumerate() {
            let word: Vec<f32> = self
                .word_embeddings
                .get(id as usize)
                .and_then(|row| row.to_vec1())
                .ok()?;
            let place = self
                .position_embeddings
                .get(position * hidden..(position + 1) * hidden)?;
            states.extend(
                word.iter()
                    .zip(place)
                    .zip(&self.token_type_embedding)
                    .map(|((w, p), t)| w + p + t),
            );
        }
        let norm = &self.embedding_norm;
        layer_norm(&mut states, &norm.gamma, &norm.beta, self.epsilon);
        for layer in &self.layers {
            states = self.layer(layer, states);
        }
        Some(states)
    }

    fn layer(&self, layer: &Layer, input: Vec<f32>) -> Vec<f32> {
        let projected = layer.query_key_value.forward(&input);
        let context = self.attention(&projected, input.len() / self.hidden);
        let mut attended = layer.attention_output.forward(&context);
        add_in_place(&mut attended, &input);
        let norm = &layer.attention_norm;
        layer_norm(&mut attended, &norm.gamma, &norm.beta, self.epsilon);
        let mut intermediate = layer.intermediate.forward(&attended);
        self.activate(&mut intermediate);
        let mut output = layer.output.forward(&intermediate);
        add_in_place(&mut output, &attended);
        let norm = &layer.output_norm;
        layer_norm(&mut output, &norm.gamma, &norm.beta, self.epsilon);
        output
    }

    /// Scaled dot-product attention per head over `tokens` rows of `[query | key | value]`.
    fn attention(&self, projected: &[f32], tokens: usize) -> Vec<f32> {
        let hidden = self.hidden;
        let width = hidden / self.heads;
        let scale = 1.0 / (width as f32).sqrt();
        let row = |t: usize, part: usize, head: usize| {
            let start = t * 3 * hidden + part * hidden + head * width;
            &projected[start..start + width]
        };
        let mut context = vec![0.0f32; tokens * hidden];
        let mut weights = vec![0.0f32; tokens];
        for head in 0..self.heads {
            for t in 0..tokens {
                let query = row(t, 0, head);
                for (other, weight) in weights.iter_mut().enumerate() {
                    let key = row(other, 1, head);
                    *weight = query.iter().zip(key).map(|(q, k)| q * k).sum::<f32>() * scale;
                }
                let largest = weights.iter().fold(f32::NEG_INFINITY, |m, &w| m.max(w));
                let mut total = 0.0;
                for weight in &mut weights {
                    *weight = (*weight - largest).exp();
                    total += *weight;
                }
                let out = &mut context[t * hidden + head * width..t * hidden + (head + 1) * width];
                for (other, weight) in weights.iter().enumerate() {
                    let value = row(other, 2, head);
                    let share = weight / total;
                    out.iter_mut().zip(value).for_each(|(o, v)| *o += share * v);
                }
            }
        }
        context
    }

    fn activate(&self, values: &mut [f32]) {
        match self.activation {
            HiddenAct::Gelu => values
                .iter_mut()
                .for_each(|x| *x = 0.5 * *x * (1.0 + erf(*x * std::f32::consts::FRAC_1_SQRT_2))),
            HiddenAct::GeluApproximate => values.iter_mut().for_each(|x| {
                let cube = 0.044_715 * *x * *x * *x;
                *x = 0.5 * *x * (1.0 + ((2.0 / std::f32::consts::PI).sqrt() * (*x + cube)).tanh());
            }),
            HiddenAct::Relu => values.iter_mut().for_each(|x| *x = x.max(0.0)),
        }
    }
}
