//! Training curves: the information measures of every recorded checkpoint of a run.
//!
//! From a [`RunRecord`] this computes, per checkpoint t, I(F_t; Y_test), I(F_t; Y_train) (train
//! predictions against the training labels as trained on, noise included), mu_Y(F_t; L),
//! I(F_t; Y | L) and the accuracies, plus the constant level I(L; Y). A shuffled-label null floor
//! (the same measures with the test labels permuted, [`Stream::Permutation`]) says how large a value
//! the plug-in estimator produces with no information at all.

use crate::error::{Error, Result};
use crate::info::{Estimator, Measures, Table3, Unit};
use crate::rng::{stream, Stream};
use crate::run::RunRecord;
use serde::{Deserialize, Serialize};

/// The measures of one checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// SGD step (0 = initialisation).
    pub step: i64,
    /// Fractional epoch.
    pub epoch: f64,
    /// Accuracy of F_t on the training labels as trained on (`None` where the checkpoint did
    /// not record the training set).
    pub train_acc: Option<f64>,
    /// Accuracy of F_t on the test set.
    pub test_acc: f64,
    /// Fraction of test points where F_t and L agree.
    pub agreement: f64,
    /// I(F_t; Y) on the test set.
    pub i_fy_test: f64,
    /// I(F_t; Y_train) on the training set, labels as trained on (`None` where the checkpoint
    /// did not record the training set).
    pub i_fy_train: Option<f64>,
    /// mu_Y(F_t; L) on the test set.
    pub mu: f64,
    /// I(F_t; Y | L) on the test set.
    pub i_fy_given_l: f64,
    /// I(L; Y | F_t) on the test set.
    pub i_ly_given_f: f64,
}

/// How curves are computed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurveOptions {
    /// Entropy estimator (the paper's is plug-in).
    pub estimator: Estimator,
    /// Number of label permutations for the null floor (0 = no floor).
    pub permutations: usize,
    /// Seed of the permutation stream.
    pub seed: u64,
}

impl Default for CurveOptions {
    fn default() -> Self {
        Self {
            estimator: Estimator::Plugin,
            permutations: 5,
            seed: 0,
        }
    }
}

/// The shuffled-label null floor: the largest value each measure took, over all checkpoints and
/// permutations, when the test labels were shuffled (so that no prediction carries information).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct NullFloor {
    /// Number of permutations used.
    pub permutations: usize,
    /// Largest I(F_t; Y_perm).
    pub i_fy: f64,
    /// Largest |mu_{Y_perm}(F_t; L)|.
    pub mu_abs: f64,
}

/// All curves of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curves {
    /// One point per checkpoint, in recording order.
    pub points: Vec<CurvePoint>,
    /// I(L; Y) on the test set (the level of the linear classifier).
    pub i_ly: f64,
    /// Test accuracy of L.
    pub linear_test_acc: f64,
    /// Training accuracy of L on the labels as trained on.
    pub linear_train_acc: f64,
    /// Fraction of training labels that differ from the clean labels (the label noise realised).
    pub noise_rate: f64,
    /// The shuffled-label null floor.
    pub floor: NullFloor,
}

impl Curves {
    /// The last checkpoint.
    pub fn last(&self) -> Option<&CurvePoint> {
        self.points.last()
    }

    /// Training accuracy of the final network: that of the last checkpoint, if it recorded the
    /// training set (every finished run does).
    pub fn final_train_acc(&self) -> Option<f64> {
        self.last().and_then(|p| p.train_acc)
    }
}

fn accuracy(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64
}

fn alphabet(parts: &[&[u8]]) -> usize {
    let max = parts
        .iter()
        .flat_map(|p| p.iter().copied())
        .max()
        .unwrap_or(1);
    (max as usize + 1).max(2)
}

/// The measures of (F, L, Y) in bits with the given estimator.
pub fn measures(f: &[u8], l: &[u8], y: &[u8], k: usize, est: Estimator) -> Result<Measures> {
    let t = Table3::from_labels(f, l, y, [k, k, k], ["F", "L", "Y"])?;
    Ok(Measures::from_table(&t, est, Unit::Bits))
}

/// Compute the curves of a run.
pub fn compute(rec: &RunRecord, opts: &CurveOptions) -> Result<Curves> {
    if rec.is_empty() {
        return Err(Error::Empty("run record (no checkpoints)".into()));
    }
    let k = alphabet(&[
        &rec.pred_test,
        &rec.pred_train,
        &rec.y_test,
        &rec.y_train,
        &rec.linear_test,
        &rec.linear_train,
    ]);
    let est = opts.estimator;
    let lin = measures(&rec.linear_test, &rec.linear_test, &rec.y_test, k, est)?;
    let mut points = Vec::with_capacity(rec.len());
    for (t, ck) in rec.checkpoints.iter().enumerate() {
        let ft = rec.test_row(t)?;
        let m = measures(ft, &rec.linear_test, &rec.y_test, k, est)?;
        let train = match rec.train_row(t) {
            Some(fr) => Some((
                accuracy(fr, &rec.y_train),
                measures(fr, &rec.linear_train, &rec.y_train, k, est)?.i_fy,
            )),
            None => None,
        };
        points.push(CurvePoint {
            step: ck.step,
            epoch: ck.epoch,
            train_acc: train.map(|(acc, _)| acc),
            test_acc: accuracy(ft, &rec.y_test),
            agreement: accuracy(ft, &rec.linear_test),
            i_fy_test: m.i_fy,
            i_fy_train: train.map(|(_, i)| i),
            mu: m.mu,
            i_fy_given_l: m.i_fy_given_l,
            i_ly_given_f: m.i_ly_given_f,
        });
    }
    let floor = null_floor(rec, k, opts)?;
    Ok(Curves {
        points,
        i_ly: lin.i_fy,
        linear_test_acc: accuracy(&rec.linear_test, &rec.y_test),
        linear_train_acc: accuracy(&rec.linear_train, &rec.y_train),
        noise_rate: 1.0 - accuracy(&rec.y_train, &rec.y_train_clean),
        floor,
    })
}

fn null_floor(rec: &RunRecord, k: usize, opts: &CurveOptions) -> Result<NullFloor> {
    let mut floor = NullFloor {
        permutations: opts.permutations,
        ..NullFloor::default()
    };
    for p in 0..opts.permutations {
        let mut rng = stream(opts.seed, Stream::Permutation, p as u64);
        let mut y = rec.y_test.clone();
        crate::rng::shuffle(&mut y, &mut rng);
        for t in 0..rec.len() {
            let m = measures(rec.test_row(t)?, &rec.linear_test, &y, k, opts.estimator)?;
            floor.i_fy = floor.i_fy.max(m.i_fy);
            floor.mu_abs = floor.mu_abs.max(m.mu.abs());
        }
    }
    Ok(floor)
}

/// mu_Y(F_t; C) of every checkpoint against another fixed reference classifier `c` (test
/// predictions), e.g. a member of the complexity hierarchy.
pub fn mu_against(rec: &RunRecord, c: &[u8], est: Estimator) -> Result<Vec<f64>> {
    if c.len() != rec.y_test.len() {
        return Err(Error::LengthMismatch {
            what: "reference classifier predictions".into(),
            got: c.len(),
            expected: rec.y_test.len(),
        });
    }
    let k = alphabet(&[&rec.pred_test, &rec.y_test, c]);
    (0..rec.len())
        .map(|t| measures(rec.test_row(t)?, c, &rec.y_test, k, est).map(|m| m.mu))
        .collect()
}

/// Bootstrap over test points of the final gap I(F;Y) - mu_Y(F;L): returns the `q` and `1 - q`
/// quantiles over `resamples` draws ([`Stream::Bootstrap`] of `seed`), by the project's one
/// bootstrap ([`crate::info::bootstrap`]: the count table resampled, interpolated percentiles).
pub fn bootstrap_gap(
    f: &[u8],
    l: &[u8],
    y: &[u8],
    resamples: usize,
    q: f64,
    seed: u64,
) -> Result<(f64, f64)> {
    if y.is_empty() || resamples == 0 {
        return Err(Error::Empty("bootstrap sample".into()));
    }
    let k = alphabet(&[f, l, y]);
    let t = Table3::from_labels(f, l, y, [k, k, k], ["F", "L", "Y"])?;
    let mut rng = stream(seed, Stream::Bootstrap, 0);
    let mut gaps = crate::info::bootstrap(&t, resamples, &mut rng, |r| {
        let m = Measures::from_table(r, Estimator::Plugin, Unit::Bits);
        m.i_fy - m.mu
    })?;
    gaps.sort_by(f64::total_cmp);
    Ok((
        crate::info::quantile(&gaps, q),
        crate::info::quantile(&gaps, 1.0 - q),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::run::Checkpoint;

    /// A synthetic record: Y balanced; L correct on `lin_acc` of points; F_t correct on the first
    /// `acc[t]` fraction of points (so early F_t agree with L where both are right).
    pub(crate) fn record(n: usize, lin_acc: f64, accs: &[f64]) -> RunRecord {
        let y: Vec<u8> = (0..n).map(|i| (i % 2) as u8).collect();
        let wrong = |i: usize, acc: f64| (i as f64) >= acc * n as f64;
        let lin: Vec<u8> = (0..n)
            .map(|i| if wrong(i, lin_acc) { 1 - y[i] } else { y[i] })
            .collect();
        let mut pred = Vec::new();
        let mut checkpoints = Vec::new();
        for (t, &a) in accs.iter().enumerate() {
            pred.extend((0..n).map(|i| if wrong(i, a) { 1 - y[i] } else { y[i] }));
            checkpoints.push(Checkpoint {
                index: t,
                step: 1 << t,
                epoch: t as f64,
                train_acc: Some(a),
                test_acc: a,
                train_loss: Some(0.0),
                test_loss: 0.0,
            });
        }
        RunRecord {
            checkpoints,
            pred_test: pred.clone(),
            pred_train: pred,
            train_rows: (0..accs.len()).collect(),
            y_test: y.clone(),
            y_train: y.clone(),
            y_train_clean: y,
            linear_test: lin.clone(),
            linear_train: lin,
        }
    }

    #[test]
    fn curves_match_closed_forms() {
        let rec = record(1000, 0.8, &[0.5, 0.8, 1.0]);
        let c = compute(&rec, &CurveOptions::default()).unwrap();
        // I(L;Y) for a symmetric-error 0.8 classifier on balanced Y: 1 - h(0.2) = 0.278.
        assert!((c.i_ly - 0.2781).abs() < 2e-3, "{}", c.i_ly);
        // F = L at checkpoint 1: mu = I(F;Y) = I(L;Y).
        let p = c.points[1];
        assert!((p.mu - c.i_ly).abs() < 1e-9 && (p.i_fy_test - c.i_ly).abs() < 1e-9);
        // A perfect F_T carries 1 bit and retains all of L: mu = I(L;Y).
        let p = c.points[2];
        assert!((p.i_fy_test - 1.0).abs() < 1e-9);
        assert!((p.mu - c.i_ly).abs() < 1e-9);
        assert_eq!(p.train_acc, Some(1.0));
        assert_eq!(c.noise_rate, 0.0);
        // The null floor of 1000 shuffled points is small but positive.
        assert!(c.floor.i_fy > 0.0 && c.floor.i_fy < 0.02, "{:?}", c.floor);
    }

    #[test]
    fn mu_against_self_is_information() {
        let rec = record(200, 0.8, &[0.8]);
        let mu = mu_against(&rec, &rec.linear_test.clone(), Estimator::Plugin).unwrap();
        let c = compute(&rec, &CurveOptions::default()).unwrap();
        assert!((mu[0] - c.i_ly).abs() < 1e-12);
        assert!(mu_against(&rec, &[0, 1], Estimator::Plugin).is_err());
    }

    #[test]
    fn bootstrap_brackets_the_gap() {
        let rec = record(2000, 0.8, &[1.0]);
        let (lo, hi) = bootstrap_gap(
            rec.test_row(0).unwrap(),
            &rec.linear_test,
            &rec.y_test,
            100,
            0.05,
            1,
        )
        .unwrap();
        // Gap = 1 - 0.278 = 0.722 bits.
        assert!(lo < 0.7219 && hi > 0.7219 && lo > 0.6, "{lo} {hi}");
    }
}
