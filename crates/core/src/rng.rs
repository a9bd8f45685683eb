//! Named random streams derived from one master seed.
//!
//! Every source of randomness in the project (weight init, data order, label noise, augmentation,
//! bootstrap, permutation null, synthetic data) is a [`Stream`] drawn from the master seed through
//! ChaCha20. Streams are independent of one another and of the order in which they are created, so
//! adding a new stream never changes an existing one.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// The named random streams of the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    /// Network weight initialisation.
    Init,
    /// Order of the training data (minibatches).
    DataOrder,
    /// Label noise on the training set.
    LabelNoise,
    /// Data augmentation (crops, flips).
    Augment,
    /// Bootstrap resampling of test points.
    Bootstrap,
    /// Permutation null (label shuffles).
    Permutation,
    /// Synthetic data generation.
    Synthetic,
    /// Train/held-out subsampling of data sets.
    Subsample,
    /// Dropout masks of a network's training passes (libtorch's generator is re-seeded from it
    /// at every epoch).
    Dropout,
    /// Bootstrap resamples of seeds when a claim over seeds is decided.
    SeedBootstrap,
    /// Gaussian points at which a network's tangent kernel is sampled (its degree spectrum).
    Spectrum,
}

impl Stream {
    /// A stable numeric id of the stream (part of the on-disk contract: never renumber).
    pub fn id(self) -> u64 {
        match self {
            Stream::Init => 1,
            Stream::DataOrder => 2,
            Stream::LabelNoise => 3,
            Stream::Augment => 4,
            Stream::Bootstrap => 5,
            Stream::Permutation => 6,
            Stream::Synthetic => 7,
            Stream::Subsample => 8,
            Stream::Dropout => 9,
            Stream::SeedBootstrap => 10,
            Stream::Spectrum => 11,
        }
    }
}

/// Derive the ChaCha20 generator of `stream` from `master` seed, with an extra `index` for
/// sub-streams (e.g. one per epoch or per checkpoint; use 0 when there is only one).
pub fn stream(master: u64, stream: Stream, index: u64) -> ChaCha20Rng {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&master.to_le_bytes());
    seed[8..16].copy_from_slice(&stream.id().to_le_bytes());
    seed[16..24].copy_from_slice(&index.to_le_bytes());
    seed[24..32].copy_from_slice(b"sgdc-rng");
    ChaCha20Rng::from_seed(seed)
}

/// A 64-bit seed derived from a stream, for libraries that take a plain integer seed (torch).
pub fn derived_seed(master: u64, s: Stream, index: u64) -> u64 {
    use rand::Rng;
    stream(master, s, index).next_u64()
}

/// Shuffle `v` uniformly in place: Fisher-Yates from the back (for `i` from `len - 1` down to 1,
/// swap `i` with a uniform `j` in `0..=i`). The project's one full permutation: the data order of
/// every epoch ([`permutation`]), unit permutations of the reparameterisation check, the shuffled
/// labels of the null floor of the curves. The sequence of draws is part of every recorded run's
/// identity (its prediction hash): never reorder it.
pub fn shuffle<T>(v: &mut [T], rng: &mut ChaCha20Rng) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

/// A uniform random permutation of `0..n`, by [`shuffle`].
pub fn permutation(n: usize, rng: &mut ChaCha20Rng) -> Vec<i64> {
    let mut p: Vec<i64> = (0..n as i64).collect();
    shuffle(&mut p, rng);
    p
}

/// `n` distinct indices of `0..total`, uniform without replacement, in the order drawn: the
/// first `n` steps of Fisher-Yates from the front (for `i` in `0..n`, swap `i` with a uniform `j`
/// in `i..total`), which stops after `n` draws instead of shuffling everything. The subsampling of
/// data sets draws this way (and its draws are part of every recorded run's identity); `n` is
/// capped at `total`.
pub fn sample_without_replacement(total: usize, n: usize, rng: &mut ChaCha20Rng) -> Vec<usize> {
    let n = n.min(total);
    let mut idx: Vec<usize> = (0..total).collect();
    for i in 0..n {
        let j = rng.random_range(i..total);
        idx.swap(i, j);
    }
    idx.truncate(n);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_and_permutation_agree_and_permute() {
        let p = permutation(50, &mut stream(7, Stream::DataOrder, 3));
        let mut v: Vec<i64> = (0..50).collect();
        shuffle(&mut v, &mut stream(7, Stream::DataOrder, 3));
        assert_eq!(p, v);
        let mut sorted = p.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(p, sorted, "a shuffle of 50 that changes nothing");
    }

    /// Pinned draws: the data order of a run must never change (it enters the prediction hash).
    #[test]
    fn permutation_draws_are_pinned() {
        assert_eq!(
            permutation(8, &mut stream(0, Stream::DataOrder, 0)),
            PINNED_PERMUTATION
        );
        assert_eq!(
            sample_without_replacement(10, 4, &mut stream(0, Stream::Subsample, 0)),
            PINNED_SAMPLE
        );
    }

    #[test]
    fn sample_is_distinct_and_capped() {
        let s = sample_without_replacement(30, 12, &mut stream(1, Stream::Subsample, 0));
        let mut d = s.clone();
        d.sort_unstable();
        d.dedup();
        assert_eq!(d.len(), 12);
        assert!(s.iter().all(|&i| i < 30));
        let all = sample_without_replacement(5, 9, &mut stream(1, Stream::Subsample, 0));
        assert_eq!(all.len(), 5);
    }

    const PINNED_PERMUTATION: [i64; 8] = [2, 1, 5, 6, 4, 7, 0, 3];
    const PINNED_SAMPLE: [usize; 4] = [9, 0, 1, 7];
}
