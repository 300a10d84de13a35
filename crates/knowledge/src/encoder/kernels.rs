//! The arithmetic of the question encoder: a dense layer with one-byte weights, layer
//! normalisation and the activations, written for short inputs (a chat question is a few dozen
//! tokens, so every weight is read once per question and reading them is most of the cost).

/// Activations are scaled into this range before the integer products: 12 bits keep a
/// question's embedding within a rounding error of the float model's, and 127 × 4095 × 4096
/// inputs still fits an `i32` sum, so no product can overflow however the values fall.
const ACTIVATION_RANGE: f32 = 4095.0;
const MAX_INPUTS: usize = 4096;

/// Dense layer `y = W·x + b` with `W` stored one signed byte a weight and one scale per output
/// (the row's largest magnitude maps to 127). A quarter of the float weights' bytes: the whole
/// model stays in the CPU's cache between questions instead of streaming from memory.
pub(crate) struct QuantisedLinear {
    outputs: usize,
    inputs: usize,
    weights: Vec<i8>,
    scales: Vec<f32>,
    bias: Vec<f32>,
}

impl QuantisedLinear {
    /// `weight` is `outputs × inputs`, row-major (as the model file stores a dense layer).
    pub(crate) fn new(weight: &[f32], bias: Vec<f32>, inputs: usize) -> Result<Self, String> {
        let outputs = bias.len();
        if inputs == 0 || inputs > MAX_INPUTS || weight.len() != outputs * inputs {
            return Err(format!(
                "a dense layer of {} weights does not have {outputs} outputs of {inputs} inputs",
                weight.len()
            ));
        }
        let mut weights = Vec::with_capacity(weight.len());
        let mut scales = Vec::with_capacity(outputs);
        for row in weight.chunks_exact(inputs) {
            let largest = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
            let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
            weights.extend(row.iter().map(|w| (w / scale).round() as i8));
            scales.push(scale);
        }
        Ok(Self {
            outputs,
            inputs,
            weights,
            scales,
            bias,
        })
    }

    pub(crate) fn outputs(&self) -> usize {
        self.outputs
    }

    /// `input` holds `tokens × inputs` values; returns `tokens × outputs`.
    pub(crate) fn forward(&self, input: &[f32]) -> Vec<f32> {
        let tokens = input.len() / self.inputs;
        let mut quantised = vec![0i16; input.len()];
        let mut input_scales = Vec::with_capacity(tokens);
        for (row, out) in input
            .chunks_exact(self.inputs)
            .zip(quantised.chunks_exact_mut(self.inputs))
        {
            let largest = row.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            let scale = if largest > 0.0 {
                largest / ACTIVATION_RANGE
            } else {
                1.0
            };
            for (q, x) in out.iter_mut().zip(row) {
                *q = (x / scale).round() as i16;
            }
            input_scales.push(scale);
        }
        let mut output = vec![0.0f32; tokens * self.outputs];
        let mut sums = [0i32; TOKENS_AT_ONCE];
        for (first, block) in (0..tokens)
            .step_by(TOKENS_AT_ONCE)
            .map(|first| (first, (tokens - first).min(TOKENS_AT_ONCE)))
        {
            let inputs: Vec<&[i16]> = (first..first + block)
                .map(|t| &quantised[t * self.inputs..(t + 1) * self.inputs])
                .collect();
            for (j, weights) in self.weights.chunks_exact(self.inputs).enumerate() {
                dots(weights, &inputs, &mut sums[..block]);
                for (offset, sum) in sums[..block].iter().enumerate() {
                    let t = first + offset;
                    output[t * self.outputs + j] =
                        *sum as f32 * self.scales[j] * input_scales[t] + self.bias[j];
                }
            }
        }
        output
    }
}

/// Tokens multiplied against one row of weights while it is in registers.
const TOKENS_AT_ONCE: usize = 4;

/// `sums[k] = weights · inputs[k]` for up to [`TOKENS_AT_ONCE`] inputs.
fn dots(weights: &[i8], inputs: &[&[i16]], sums: &mut [i32]) {
    #[cfg(target_arch = "x86_64")]
    if avx2::available() && weights.len() % 16 == 0 {
        // SAFETY: the CPU has AVX2 (checked above), and every slice is as long as `weights`.
        unsafe { avx2::dots(weights, inputs, sums) };
        return;
    }
    portable_dots(weights, inputs, sums);
}

fn portable_dots(weights: &[i8], inputs: &[&[i16]], sums: &mut [i32]) {
    for (sum, input) in sums.iter_mut().zip(inputs) {
        *sum = weights
            .iter()
            .zip(input.iter())
            .map(|(&w, &x)| i32::from(w) * i32::from(x))
            .sum();
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    //! The dot products with AVX2, chosen at run time so the binary still runs on older CPUs.
    use std::arch::x86_64::*;
    use std::sync::OnceLock;

    pub(super) fn available() -> bool {
        static AVAILABLE: OnceLock<bool> = OnceLock::new();
        *AVAILABLE.get_or_init(|| is_x86_feature_detected!("avx2"))
    }

    /// Sixteen weights are widened once and multiplied with every input's sixteen values
    /// (`vpmaddwd`: sixteen products summed in pairs per instruction).
    ///
    /// # Safety
    /// The CPU must support AVX2; `weights.len()` is a multiple of 16 and no input is shorter.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn dots(weights: &[i8], inputs: &[&[i16]], sums: &mut [i32]) {
        let mut accumulators = [_mm256_setzero_si256(); super::TOKENS_AT_ONCE];
        for at in (0..weights.len()).step_by(16) {
            let packed = _mm_loadu_si128(weights.as_ptr().add(at).cast());
            let widened = _mm256_cvtepi8_epi16(packed);
            for (accumulator, input) in accumulators.iter_mut().zip(inputs) {
                let values = _mm256_loadu_si256(input.as_ptr().add(at).cast());
                *accumulator = _mm256_add_epi32(*accumulator, _mm256_madd_epi16(widened, values));
            }
        }
        for (sum, accumulator) in sums.iter_mut().zip(accumulators) {
            let halves = _mm_add_epi32(
                _mm256_castsi256_si128(accumulator),
                _mm256_extracti128_si256(accumulator, 1),
            );
            let pairs = _mm_add_epi32(halves, _mm_shuffle_epi32(halves, 0b01_00_11_10));
            let total = _mm_add_epi32(pairs, _mm_shuffle_epi32(pairs, 0b10_11_00_01));
            *sum = _mm_cvtsi128_si32(total);
        }
    }
}

/// Layer normalisation of each `width`-long row in place.
pub(crate) fn layer_norm(values: &mut [f32], gamma: &[f32], beta: &[f32], epsilon: f32) {
    let width = gamma.len();
    for row in values.chunks_exact_mut(width) {
        let mean = row.iter().sum::<f32>() / width as f32;
        let variance = row.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / width as f32;
        let inverse = 1.0 / (variance + epsilon).sqrt();
        for ((x, g), b) in row.iter_mut().zip(gamma).zip(beta) {
            *x = (*x - mean) * inverse * g + b;
        }
    }
}

/// `erf(x)` to within 1.5e-7 (Abramowitz and Stegun 7.1.26): no table, no branch but the
/// sign, so a row of activations is cheap where the library's erf would cost more than the layer.
pub(crate) fn erf(x: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [
        0.254_829_6,
        -0.284_496_74,
        1.421_413_8,
        -1.453_152_1,
        1.061_405_4,
    ];
    let sign = x.signum();
    let x = x.abs();
    let t = 1.0 / (1.0 + P * x);
    let polynomial = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4]))));
    sign * (1.0 - polynomial * (-x * x).exp())
}

/// Adds `other` to `values` element by element (a residual connection).
pub(crate) fn add_in_place(values: &mut [f32], other: &[f32]) {
    values.iter_mut().zip(other).for_each(|(x, y)| *x += y);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(n: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((state >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn a_quantised_layer_is_within_rounding_of_the_float_one() {
        let (outputs, inputs, tokens) = (48, 384, 7);
        let weight = pseudo_random(outputs * inputs, 1);
        let bias = pseudo_random(outputs, 2);
        let input = pseudo_random(tokens * inputs, 3);
        let layer = QuantisedLinear::new(&weight, bias.clone(), inputs).unwrap();
        let output = layer.forward(&input);
        for t in 0..tokens {
            for j in 0..outputs {
                let exact: f32 = (0..inputs)
                    .map(|i| weight[j * inputs + i] * input[t * inputs + i])
                    .sum::<f32>()
                    + bias[j];
                let got = output[t * outputs + j];
                // Rounding each weight to 1/127 of its row's largest leaves an error of about
                // 0.03 on a sum of 384 products here; a wrong index or scale is off by units.
                assert!((got - exact).abs() < 0.15, "{got} vs {exact}");
            }
        }
    }

    #[test]
    fn the_vector_dot_products_equal_the_portable_ones() {
        let weights: Vec<i8> = (0..1536).map(|i| ((i * 37) % 255) as i8).collect();
        let inputs: Vec<Vec<i16>> = (0..TOKENS_AT_ONCE)
            .map(|k| {
                (0..1536)
                    .map(|i| ((i * 53 + k * 7) % 8191) as i16 - 4095)
                    .collect()
            })
            .collect();
        let inputs: Vec<&[i16]> = inputs.iter().map(Vec::as_slice).collect();
        let mut vector = [0i32; TOKENS_AT_ONCE];
        let mut portable = [0i32; TOKENS_AT_ONCE];
        dots(&weights, &inputs, &mut vector);
        portable_dots(&weights, &inputs, &mut portable);
        assert_eq!(vector, portable);
        assert!(portable.iter().any(|&s| s != 0));
    }

    #[test]
    fn erf_matches_the_reference_everywhere_it_matters() {
        for step in -600..=600 {
            let x = step as f32 / 100.0;
            let reference = candle_core::cpu::erf::erf_f32(x);
            assert!((erf(x) - reference).abs() < 2e-6, "erf({x})");
        }
    }

    #[test]
    fn layer_norm_centres_and_scales_each_row() {
        let mut values = vec![1.0, 2.0, 3.0, 4.0, 10.0, 10.0, 10.0, 14.0];
        layer_norm(&mut values, &[1.0; 4], &[0.5; 4], 1e-12);
        for row in values.chunks(4) {
            let mean = row.iter().sum::<f32>() / 4.0;
            assert!((mean - 0.5).abs() < 1e-5);
        }
    }
}
