//! Hand-built curves and seeds for the claims' tests.

use super::checks::{HierarchySeed, SeedRun};
use crate::training_curves::{CurvePoint, Curves, NullFloor};

/// Hand-built curves: (I(F_t;Y), mu, train acc) per checkpoint, level I(L;Y).
pub(super) fn curves(i_ly: f64, pts: &[(f64, f64, f64)]) -> Curves {
    Curves {
        points: pts
            .iter()
            .enumerate()
            .map(|(t, &(i, mu, tr))| CurvePoint {
                step: 1 << t,
                epoch: t as f64,
                train_acc: Some(tr),
                test_acc: 0.85,
                agreement: 0.95,
                i_fy_test: i,
                i_fy_train: Some(i),
                mu,
                i_fy_given_l: i - mu,
                i_ly_given_f: i_ly - mu,
            })
            .collect(),
        i_ly,
        linear_test_acc: 0.8,
        linear_train_acc: 0.8,
        noise_rate: 0.1,
        floor: NullFloor {
            permutations: 5,
            i_fy: 0.001,
            mu_abs: 0.001,
        },
    }
}

/// The paper's shape: mu tracks I(F;Y) up to L's level, then plateaus near I(L;Y).
pub(super) fn good() -> Curves {
    curves(
        0.3,
        &[
            (0.0, 0.0, 0.5),
            (0.1, 0.09, 0.6),
            (0.25, 0.23, 0.7),
            (0.32, 0.25, 0.8),
            (0.5, 0.28, 0.95),
            (0.6, 0.27, 1.0),
        ],
    )
}

pub(super) fn runs(c: Curves, n: usize) -> Vec<SeedRun> {
    (0..n)
        .map(|s| SeedRun {
            seed: s as u64,
            curves: c.clone(),
            gap_interval: Some((0.3, 0.36)),
        })
        .collect()
}

pub(super) fn hier(deps: &[usize]) -> HierarchySeed {
    let n = 8;
    let i_fy: Vec<f64> = (0..n).map(|t| t as f64 * 0.1).collect();
    let references = deps
        .iter()
        .enumerate()
        .map(|(k, &d)| {
            let mu = i_fy
                .iter()
                .enumerate()
                .map(|(t, &i)| if t < d { i } else { i - 0.1 })
                .collect();
            (format!("c{k}"), mu)
        })
        .collect();
    HierarchySeed {
        seed: 0,
        steps: (0..n as i64).map(|t| 10 * t).collect(),
        i_fy,
        references,
    }
}
