//! The theory simulator: properties of phases 1 and 2, theory against simulation, a snapshot of a
//! small sweep, and the "add your own model" example of `theory/README.md`.

use proptest::prelude::*;
use sgdc_core::data::gaussian_linear::GaussianLinear;
use sgdc_core::data::hypercube::Hypercube;
use sgdc_core::data::linear_signal::{LinearSignal, LinearSignalShape, SignalLaw};
use sgdc_core::data::synthetic::SyntheticModel;
use sgdc_theory::{simulate, simulate_sweep, SimConfig, SweepSpec};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16)
        .min(16)
}

fn gaussian(d: usize, dim: usize, eta: f64, seed: u64) -> GaussianLinear {
    GaussianLinear::new(
        LinearSignalShape {
            signal_dim: d,
            dim,
            tau: 1.0,
            eta,
        },
        seed,
    )
    .unwrap()
}

fn cfg(n: usize, n_test: usize, seed: u64) -> SimConfig {
    SimConfig {
        n,
        n_test,
        seed,
        bootstrap: 20,
        ..SimConfig::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Phase 2 fits every training label, noise included, when D > n.
    #[test]
    fn train_error_is_zero_when_d_exceeds_n(
        n in 10usize..40, d in 1usize..4, extra in 1usize..80, eta in 0.0f64..0.45,
        seed in 0u64..1000, cube in any::<bool>(),
    ) {
        let dim = n + extra;
        let shape = LinearSignalShape { signal_dim: d, dim, tau: 1.0, eta };
        let r = if cube {
            simulate(&Hypercube::new(shape, seed).unwrap(), &cfg(n, 200, seed)).unwrap()
        } else {
            simulate(&GaussianLinear::new(shape, seed).unwrap(), &cfg(n, 200, seed)).unwrap()
        };
        prop_assert!(r.interpolates);
        prop_assert_eq!(r.train_err_f, 0.0);
    }

    /// Explicit gradient descent from zero reaches the closed-form minimum-norm correction, both
    /// when it interpolates (D >= 2n) and when it is a least-squares fit (D < n).
    #[test]
    fn gradient_descent_matches_closed_form(
        n in 10usize..30, d in 1usize..4, eta in 0.0f64..0.4, seed in 0u64..1000,
        wide in any::<bool>(), k in 0usize..40,
    ) {
        let dim = if wide { 2 * n + k } else { d + k % (n / 2 - d) };
        let mut c = cfg(n, 100, seed);
        c.gd_check = true;
        let r = simulate(&gaussian(d, dim, eta, seed), &c).unwrap();
        let gd = r.gd.unwrap();
        prop_assert!(gd.converged, "gradient descent did not converge: {:?}", gd);
        prop_assert!(gd.rel_diff < 1e-6, "GD and closed form differ: {:?}", gd);
    }

    /// With no extra coordinates (D = d) the correction vanishes and F is the linear fit L.
    #[test]
    fn no_extra_coordinates_reduces_to_the_linear_fit(
        n in 10usize..60, d in 1usize..6, eta in 0.0f64..0.45, seed in 0u64..1000,
    ) {
        let r = simulate(&gaussian(d, d, eta, seed), &cfg(n, 500, seed)).unwrap();
        prop_assert!(r.delta_norm < 1e-9, "delta_norm = {}", r.delta_norm);
        prop_assert_eq!(r.pr_disagree.value, 0.0);
        prop_assert_eq!(r.train_err_f, r.train_err_l);
        prop_assert_eq!(r.acc_f.value, r.acc_l.value);
    }

    /// Averaged over seeds, Pr[F != L] on fresh points falls as D/n grows (here 2 -> 20).
    #[test]
    fn disagreement_falls_as_d_over_n_grows(
        n in 20usize..40, d in 1usize..4, eta in 0.05f64..0.3, seed in 0u64..1000,
    ) {
        let mean = |ratio: usize| {
            (0..4u64)
                .map(|k| {
                    let s = seed * 10 + k;
                    simulate(&gaussian(d, ratio * n, eta, s), &cfg(n, 1500, s))
                        .unwrap()
                        .pr_disagree
                        .value
                })
                .sum::<f64>()
                / 4.0
        };
        let (low, high) = (mean(2), mean(20));
        prop_assert!(high < low, "Pr[F!=L]: D/n=2 -> {low}, D/n=20 -> {high}");
    }
}

/// A case once found by the property above: at `D = d` the closed-form correction used to be the
/// Cholesky solve's amplified rounding noise (1.6e-6 of the floor) while gradient descent stopped
/// at zero; both must now agree on an exactly zero correction.
#[test]
fn gradient_descent_matches_closed_form_at_d_equal_signal_dim() {
    let mut c = cfg(20, 100, 635);
    c.gd_check = true;
    let r = simulate(&gaussian(2, 2, 0.0, 635), &c).unwrap();
    let gd = r.gd.unwrap();
    assert!(gd.converged, "{gd:?}");
    assert_eq!(gd.rel_diff, 0.0, "{gd:?}");
    assert_eq!(r.delta_norm, 0.0);
}

/// The closed form (exact for the Gaussian model) matches the simulation within a generous
/// 4-sigma band at a few fixed points, one seed each.
#[test]
fn closed_form_matches_simulation_for_gaussian_model() {
    for (n, dim, eta, seed) in [(50, 55, 0.1, 1), (50, 500, 0.2, 2), (80, 2000, 0.1, 3)] {
        let r = simulate(&gaussian(3, dim, eta, seed), &cfg(n, 20_000, seed)).unwrap();
        let p = r.theory.pr_disagree;
        let se = (p * (1.0 - p) / r.n_test as f64).sqrt();
        assert!(
            (r.pr_disagree.value - p).abs() <= 4.0 * se + 1e-12,
            "D={dim}: Pr[F!=L] sim {} theory {p}",
            r.pr_disagree.value
        );
        assert!(
            (r.mu.value - r.theory.mu).abs() <= 4.0 * r.mu.se + 1e-3,
            "D={dim}: mu sim {} theory {}",
            r.mu.value,
            r.theory.mu
        );
    }
}

const SMALL_SWEEP: &str = r#"
model = "gaussian-linear"
seeds = 2
n_test = 3000
bootstrap = 50
gd_check_max_work = 1e4
[base]
n = 40
dim = 400
signal_dim = 3
eta = 0.1
[vary]
dim = [3, 43, 80, 2000]
eta = [0.0, 0.3]
"#;

/// A small sweep's rounded table is pinned.
#[test]
fn small_sweep_table_snapshot() {
    let spec = SweepSpec::from_toml(SMALL_SWEEP, std::path::Path::new("small.toml")).unwrap();
    let res = simulate_sweep(&spec, &mut |_, _| {}).unwrap();
    insta::with_settings!({snapshot_path => "../../snapshots"}, {
        insta::assert_json_snapshot!("theory_small_sweep", res.rounded());
    });
}

// ---- The worked example of theory/README.md ("Add your own model"). ----

/// Signal coordinates uniform on [-sqrt(3), sqrt(3)] (variance 1), Gaussian extra coordinates.
struct UniformSignal {
    shape: LinearSignalShape,
    w_star: Vec<f64>,
}

impl SyntheticModel for UniformSignal {
    fn name(&self) -> String {
        "uniform-signal".into()
    }
    fn dim(&self) -> usize {
        self.shape.dim
    }
    fn sample_input(&self, rng: &mut rand_chacha::ChaCha20Rng, x: &mut [f32]) {
        use rand::RngExt;
        let std = self.shape.extra_variance().sqrt() as f32;
        let (s, z) = x.split_at_mut(self.shape.signal_dim);
        for v in s {
            *v = rng.random_range(-3f32.sqrt()..3f32.sqrt());
        }
        for v in z {
            let g: f32 = rng.sample(rand_distr::StandardNormal);
            *v = g * std;
        }
    }
    fn clean_label(&self, x: &[f32]) -> u8 {
        sgdc_core::data::linear_signal::sign_label(&self.w_star, x)
    }
    fn noise_rate(&self) -> f64 {
        self.shape.eta
    }
}

impl LinearSignal for UniformSignal {
    fn signal_dim(&self) -> usize {
        self.shape.signal_dim
    }
    fn true_direction(&self) -> &[f64] {
        &self.w_star
    }
    fn signal_law(&self) -> SignalLaw {
        // Not Gaussian: the closed form treats the signal part by its covariance (approximate).
        SignalLaw::Other
    }
    fn extra_variance(&self) -> f64 {
        self.shape.extra_variance()
    }
}

#[test]
fn custom_model_runs_through_the_simulator() {
    let shape = LinearSignalShape {
        signal_dim: 10,
        dim: 3000,
        tau: 1.0,
        eta: 0.1,
    };
    shape.check().unwrap();
    let model = UniformSignal {
        w_star: shape.draw_direction(7),
        shape,
    };
    let r = simulate(&model, &cfg(100, 5000, 7)).unwrap();
    assert_eq!(r.train_err_f, 0.0);
    assert!(!r.theory.exact_signal);
    // With 10 signal coordinates the Gaussian stand-in for the signal part is close.
    assert!(
        (r.pr_disagree.value - r.theory.pr_disagree).abs() < 0.03,
        "{r:?}"
    );
}
