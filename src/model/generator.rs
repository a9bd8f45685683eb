//! Exclusive use of libtorch's default random generator.
//!
//! libtorch draws initial weights (and a TorchScript network's dropout masks) from one default
//! CPU generator per process. Runs made side by side in one process (`sgdc verify --jobs N`, the
//! test harness) would otherwise interleave their seeding and their draws, and a run's initial
//! network would depend on what another thread did at the same moment. Every seeding of, and
//! every draw from, that generator in this crate holds a [`TorchRng`].

use std::sync::{Mutex, MutexGuard, PoisonError};

static GENERATOR: Mutex<()> = Mutex::new(());

/// Exclusive use of libtorch's default generator until dropped. Not re-entrant: a thread holds
/// at most one.
#[derive(Debug)]
pub struct TorchRng {
    _guard: MutexGuard<'static, ()>,
}

impl TorchRng {
    /// Wait for the generator and seed it with `seed`.
    pub fn seeded(seed: i64) -> TorchRng {
        let rng = TorchRng::exclusive();
        tch::manual_seed(seed);
        rng
    }

    /// Wait for the generator without seeding it: for draws whose values do not matter (a
    /// network built only to load saved weights into) but which must not fall between another
    /// thread's seeding and its draws.
    pub fn exclusive() -> TorchRng {
        // The guarded value is (): a panic while it was held leaves nothing inconsistent.
        TorchRng {
            _guard: GENERATOR.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Kind, Tensor};

    fn draw(seed: i64) -> Vec<f32> {
        let _rng = TorchRng::seeded(seed);
        let t = Tensor::rand([64], (Kind::Float, tch::Device::Cpu));
        (0..64).map(|i| t.double_value(&[i]) as f32).collect()
    }

    /// Seeded draws are the same while other threads seed and draw at full speed.
    #[test]
    fn seeded_draws_do_not_see_other_threads() {
        let reference = draw(11);
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            for k in 0..2 {
                let stop = &stop;
                s.spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let _ = draw(100 + k);
                    }
                });
            }
            for _ in 0..200 {
                assert_eq!(draw(11), reference);
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        });
    }
}
