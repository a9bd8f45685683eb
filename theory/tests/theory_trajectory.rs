//! The trajectory model: properties of the closed form (t = 0, t -> infinity, a linear target,
//! bounds), the simulation beside it on a small configuration, configuration errors, and the
//! worked example of theory/README.md ("Add a trajectory model"): a model implemented through
//! the trait alone.

use proptest::prelude::*;
use sgdc_theory::trajectory::curves::TrajectoryCurves;
use sgdc_theory::trajectory::predict::population_tables;
use sgdc_theory::trajectory::{
    estimate_coefficients, evaluate_model, HermiteTarget, TrajectoryConfig, TrajectoryModel,
};
use std::path::Path;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
        .min(16)
}

/// A small configuration for tests (debug builds): few points, a coarse grid.
fn small_config() -> TrajectoryConfig {
    let mut c = TrajectoryConfig::default_config().unwrap();
    c.model.dim = 3;
    c.theory.coef_points = 60_000;
    c.theory.reference_points = 40_000;
    c.theory.per_decade = 5;
    c.theory.bootstrap = 20;
    c.simulation.n = 4000;
    c.simulation.n_test = 8000;
    c.simulation.lr = 0.5;
    c.simulation.per_decade = 4;
    c.simulation.bootstrap = 20;
    c
}

/// The sign of a linear function: `C_1 = Y`, so F never carries information beyond L.
struct LinearTarget {
    w: Vec<f64>,
    dim: usize,
    noise: f64,
}

impl TrajectoryModel for LinearTarget {
    fn name(&self) -> String {
        "linear-target".into()
    }
    fn dim(&self) -> usize {
        self.dim
    }
    fn relevant_dim(&self) -> usize {
        self.w.len()
    }
    fn score(&self, x: &[f64]) -> f64 {
        self.w.iter().zip(x).map(|(a, b)| a * b).sum()
    }
    fn spectrum(&self) -> Vec<f64> {
        vec![1.0, 1.0, 0.1, 0.01]
    }
    fn noise_rate(&self) -> f64 {
        self.noise
    }
}

fn curves_at(m: &dyn TrajectoryModel, times: &[f64], seed: u64) -> TrajectoryCurves {
    curves_with(m, times, seed, 40_000)
}

/// The closed form's curves with the coefficients estimated from `coef_points` points.
fn curves_with(
    m: &dyn TrajectoryModel,
    times: &[f64],
    seed: u64,
    coef_points: usize,
) -> TrajectoryCurves {
    let coefs = estimate_coefficients(m, coef_points, seed).unwrap();
    let tabs = population_tables(m, &coefs, times, 20_000, seed).unwrap();
    TrajectoryCurves::from_tables(times, &tabs)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// At t = 0 the flow predicts the constant 0: no information, and mu = 0 against every
    /// reference; as t grows without bound F_t becomes C_K.
    #[test]
    fn closed_form_at_zero_and_infinity(
        a2 in -2.0f64..2.0, a3 in -2.0f64..2.0, seed in 0u64..1000,
    ) {
        let m = HermiteTarget { dim: 3, weights: vec![1.0, a2, a3], ..HermiteTarget::default() };
        m.check().unwrap();
        let c = curves_at(&m, &[0.0, 1e6], seed);
        prop_assert!(c.i_fy[0].abs() < 1e-12);
        for mu in &c.mu {
            prop_assert!(mu[0].abs() < 1e-12);
        }
        // F_inf = C_K: agreement with the last reference is exact, so mu(F;C_K) = I(F;Y).
        let last = c.mu.len() - 1;
        prop_assert!((c.mu[last][1] - c.i_fy[1]).abs() < 1e-9, "{} {}", c.mu[last][1], c.i_fy[1]);
        prop_assert!((c.i_fy[1] - c.i_ref_y[last]).abs() < 1e-9);
    }

    /// A target with only a linear part never departs from L: C_1 = Y up to the coefficients'
    /// Monte Carlo error, and the gap I(F_t;Y|C_1) is at most H(Y|C_1) <= h(Pr[C_1 != Y]). With
    /// 40,000 points that error can put C_1 off Y on 0.6 % of points (h = 0.053 bits), so the
    /// coefficients come from 400,000 here.
    #[test]
    fn linear_target_never_departs(
        w1 in 0.3f64..2.0, w2 in -2.0f64..2.0, noise in 0.0f64..0.4, seed in 0u64..1000,
    ) {
        let m = LinearTarget { w: vec![w1, w2], dim: 3, noise };
        let times: Vec<f64> = (0..=24).map(|i| if i == 0 { 0.0 } else { 10f64.powf(-2.0 + 0.25 * i as f64) }).collect();
        let c = curves_with(&m, &times, seed, 400_000);
        prop_assert_eq!(c.departures()[0], None);
        let e = 1.0 - c.acc_ref[0];
        let h = if e > 0.0 { -e * e.log2() - (1.0 - e) * (1.0 - e).log2() } else { 0.0 };
        prop_assert!(h < 0.05, "C_1 misses Y on {e}");
        prop_assert!(c.gap(0).iter().all(|&g| g <= h + 1e-12), "{:?} > {h}", c.gap(0));
    }

    /// The curves are informations of a distribution: 0 <= I(F;Y) <= 1 bit, the gap
    /// I(F;Y|C_k) >= 0 and mu(F;C_k) <= min(I(F;Y), I(C_k;Y)).
    #[test]
    fn curves_are_bounded(a2 in -2.0f64..2.0, a3 in -2.0f64..2.0, seed in 0u64..1000) {
        let m = HermiteTarget { dim: 3, weights: vec![1.0, a2, a3], ..HermiteTarget::default() };
        let times = [0.0, 0.1, 1.0, 10.0, 100.0, 1000.0];
        let c = curves_at(&m, &times, seed);
        for (i, &v) in c.i_fy.iter().enumerate() {
            prop_assert!((-1e-12..=1.0 + 1e-12).contains(&v));
            for (k, mu) in c.mu.iter().enumerate() {
                prop_assert!(v - mu[i] >= -1e-12);
                prop_assert!(mu[i] <= c.i_ref_y[k] + 1e-12);
            }
        }
    }
}

#[test]
fn small_configuration_runs_and_departs_in_order() {
    let cfg = small_config();
    let r = evaluate_model(&cfg.model, &cfg).unwrap();
    let p = &r.prediction;
    assert_eq!(p.curves.references, ["C1", "C2", "C3", "C4"]);
    assert_eq!(r.c11.rows.len(), 3);
    assert!(r.c11.predicted_order, "{:?}", p.departures);
    // Every departure is predicted within the grid, and the limit C_4 is never left.
    assert!(p.departures[..3].iter().all(Option::is_some));
    assert_eq!(p.departures[3], None);
    // The simulation starts from the constant predictor and records step 0.
    assert_eq!(r.simulation.steps[0], 0);
    assert!(r.simulation.curves.i_fy[0].abs() < 1e-12);
    assert!(r.markdown().contains("C11:"));
    let again = evaluate_model(&cfg.model, &cfg).unwrap();
    assert_eq!(again.prediction.curves, r.prediction.curves);
    assert_eq!(again.simulation.curves, r.simulation.curves);
}

#[test]
fn bad_configurations_name_the_field() {
    let text = sgdc_theory::trajectory::claim::DEFAULT_CONFIG;
    let origin = Path::new("x.toml");
    let err = |from: &str, to: &str| {
        TrajectoryConfig::from_toml(&text.replace(from, to), origin)
            .unwrap_err()
            .to_string()
    };
    assert!(err("noise = 0.1", "noise = 0.7").contains("noise"));
    assert!(err("n = 20000", "n = 0").contains("simulation.n"));
    assert!(err("per_decade = 20", "per_decade = 0").contains("theory.per_decade"));
    assert!(err("dim = 6", "dim = 2").contains("model.weights"));
    assert!(err("lr = 0.1", "learning_rate = 0.1").contains("x.toml"));
    // A learning rate beyond the stability limit is refused when Sigma is known.
    let mut c = small_config();
    c.simulation.lr = 5.0;
    let e = evaluate_model(&c.model, &c).unwrap_err().to_string();
    assert!(e.contains("simulation.lr"), "{e}");
}

// The worked example of theory/README.md ("Add a trajectory model"), compiled and run: a target
// with an interaction `x1 x2` (degree 2) and a cubic part along x3, implemented through the
// trait alone.
mod worked_example {
    use super::small_config;
    use sgdc_theory::trajectory::{evaluate_model, TrajectoryModel};

    /// `g(x) = x1 + 0.8 x1 x2 + 0.6 (x3^3 - 3 x3) / sqrt(6)`.
    struct Interaction {
        dim: usize,
    }

    impl TrajectoryModel for Interaction {
        fn name(&self) -> String {
            "interaction".into()
        }
        fn dim(&self) -> usize {
            self.dim
        }
        fn relevant_dim(&self) -> usize {
            3
        }
        fn score(&self, x: &[f64]) -> f64 {
            x[0] + 0.8 * x[0] * x[1] + 0.6 * (x[2].powi(3) - 3.0 * x[2]) / 6f64.sqrt()
        }
        fn spectrum(&self) -> Vec<f64> {
            vec![1.0, 1.0, 0.1, 0.01, 0.001]
        }
        fn noise_rate(&self) -> f64 {
            0.1
        }
    }

    #[test]
    fn a_model_added_through_the_trait_alone() {
        let cfg = small_config(); // numerics only; the model comes from the trait
        let r = evaluate_model(&Interaction { dim: 4 }, &cfg).unwrap();
        assert_eq!(r.model, "interaction");
        println!("{}", r.markdown());
        assert_eq!(r.prediction.curves.references.len(), 4);
        assert!(r.prediction.departures[0].is_some(), "T0 predicted");
        assert_eq!(r.simulation.features, 70); // C(4 + 4, 4)
    }
}

/// The coefficients' estimate is the same to the last bit whatever the number of threads: the
/// chunks are drawn in parallel but added in chunk order.
#[test]
fn coefficients_do_not_depend_on_the_thread_count() {
    let c = small_config();
    let with = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| estimate_coefficients(&c.model, c.theory.coef_points, c.seed).unwrap())
    };
    let (one, four) = (with(1), with(4));
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&one.yhat), bits(&four.yhat));
    assert_eq!(one.error.to_bits(), four.error.to_bits());
}
