//! Named random streams derived from one master seed.
//!
//! Every source of randomness in the project (weight init, data order, label noise, augmentation,
//! bootstrap, permutation null, synthetic data) is a [`Stream`] drawn from the master seed through
//! ChaCha20. Streams are independent of one another and of the order in which they are created, so
//! adding a new stream never changes an existing one.

use rand::SeedableRng;
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
