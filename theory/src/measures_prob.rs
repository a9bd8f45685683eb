//! Information measures of a joint probability table over binary `(F, L, Y)`, in bits: the
//! population counterpart of [`crate::info::Measures`], used for the closed-form predictions.

/// Entropy in bits of a probability vector (zero cells skipped).
pub fn entropy_bits(p: &[f64]) -> f64 {
    p.iter().filter(|&&q| q > 0.0).map(|&q| -q * q.log2()).sum()
}

/// The informations of a joint law used by the theory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProbMeasures {
    /// `I(F;Y)`.
    pub i_fy: f64,
    /// `I(L;Y)`.
    pub i_ly: f64,
    /// `mu_Y(F;L)`, the co-information.
    pub mu: f64,
}

/// `I(F;Y)`, `I(L;Y)` and `mu` of a joint law, cell `(f, l, y)` at `f * 4 + l * 2 + y`.
pub fn mutual_informations(joint: &[f64; 8]) -> ProbMeasures {
    let marg = |keep: [bool; 3]| {
        let mut out = [0.0; 8];
        for f in 0..2 {
            for l in 0..2 {
                for y in 0..2 {
                    let idx = [f, l, y];
                    let mut k = 0;
                    for (v, &kp) in idx.iter().zip(&keep) {
                        k = k * 2 + if kp { *v } else { 0 };
                    }
                    out[k] += joint[f * 4 + l * 2 + y];
                }
            }
        }
        entropy_bits(&out)
    };
    let (hf, hl, hy) = (
        marg([true, false, false]),
        marg([false, true, false]),
        marg([false, false, true]),
    );
    let (hfl, hfy, hly) = (
        marg([true, true, false]),
        marg([true, false, true]),
        marg([false, true, true]),
    );
    let hfly = entropy_bits(joint);
    ProbMeasures {
        i_fy: hf + hy - hfy,
        i_ly: hl + hy - hly,
        mu: hf + hl + hy - hfl - hfy - hly + hfly,
    }
}
