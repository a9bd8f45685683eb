//! Sanity and parity tests of the information measures: pinned closed-form values, the paper's
//! reference numbers, golden values from dit, Miller-Madow, the binary kernels, curves and the
//! resampling procedures.

use sgd_complexity::info::{
    binary_cells_with, bootstrap_ci, curve, curve_tables, permutation_null, shuffle_y_table,
    BinaryKernel, Estimator, Measures, Table3, Unit,
};
use sgd_complexity::rng::{stream, Stream};

fn bits(t: &Table3) -> Measures {
    Measures::from_table(t, Estimator::Plugin, Unit::Bits)
}

fn table(sizes: [usize; 3], cells: &[((usize, usize, usize), u64)]) -> Table3 {
    let [_, kl, ky] = sizes;
    let mut c = vec![0u64; sizes.iter().product()];
    for &((f, l, y), n) in cells {
        c[(f * kl + l) * ky + y] += n;
    }
    Table3::from_counts(sizes, c).expect("valid table")
}

#[test]
fn xor_gives_minus_one_bit() {
    let t = table(
        [2; 3],
        &[
            ((0, 0, 0), 1),
            ((0, 1, 1), 1),
            ((1, 0, 1), 1),
            ((1, 1, 0), 1),
        ],
    );
    let m = bits(&t);
    assert!((m.mu + 1.0).abs() < 1e-12, "mu = {}", m.mu);
    assert!(m.i_fy.abs() < 1e-12 && (m.i_fy_given_l - 1.0).abs() < 1e-12);
}

#[test]
fn three_copies_of_a_fair_bit_give_plus_one() {
    let t = table([2; 3], &[((0, 0, 0), 7), ((1, 1, 1), 7)]);
    let m = bits(&t);
    assert!((m.mu - 1.0).abs() < 1e-12, "mu = {}", m.mu);
    assert!((m.i_fy - 1.0).abs() < 1e-12 && m.i_fy_given_l.abs() < 1e-12);
}

#[test]
fn independent_fair_bits_give_zero() {
    let t = Table3::from_counts([2; 3], vec![5; 8]).expect("table");
    let m = bits(&t);
    for v in [
        m.mu,
        m.i_fy,
        m.i_ly,
        m.i_fl,
        m.i_fy_given_l,
        m.i_ly_given_f,
        m.i_fl_given_y,
    ] {
        assert!(v.abs() < 1e-12, "{m:?}");
    }
}

fn h2(p: f64) -> f64 {
    -(p * p.log2() + (1.0 - p) * (1.0 - p).log2())
}

/// Balanced binary Y, F correct on a fraction `acc` of each class (counts out of 10^4 per class).
fn one_classifier(acc: f64) -> Table3 {
    let right = (acc * 10_000.0).round() as u64;
    let wrong = 10_000 - right;
    // L is constant (alphabet of 1): only I(F;Y) matters.
    table(
        [2, 1, 2],
        &[
            ((0, 0, 0), right),
            ((1, 0, 0), wrong),
            ((1, 0, 1), right),
            ((0, 0, 1), wrong),
        ],
    )
}

#[test]
fn paper_reference_values_of_i_fy() {
    // PAPER.md: I(F;Y) = 1 - h(1 - acc), stated to 3 decimals.
    for (acc, stated) in [
        (0.6, 0.029),
        (0.7, 0.119),
        (0.8, 0.278),
        (0.9, 0.531),
        (0.95, 0.714),
        (0.99, 0.919),
    ] {
        let got = bits(&one_classifier(acc)).i_fy;
        assert!(
            (got - (1.0 - h2(1.0 - acc))).abs() < 1e-12,
            "acc {acc}: {got}"
        );
        // Within half a unit of the last stated digit.
        assert!(
            (got - stated).abs() <= 5e-4 + 1e-12,
            "acc {acc}: {got} vs {stated}"
        );
    }
}

/// Two 0.8-accurate classifiers on balanced Y; `both_right`, `f_only`, `l_only`, `both_wrong`
/// are the fractions (per class, out of 100) of the joint correctness pattern.
fn two_classifiers(both_right: u64, f_only: u64, l_only: u64, both_wrong: u64) -> Table3 {
    let mut cells = Vec::new();
    for y in 0..2usize {
        let w = 1 - y;
        cells.push(((y, y, y), both_right));
        cells.push(((y, w, y), f_only));
        cells.push(((w, y, y), l_only));
        cells.push(((w, w, y), both_wrong));
    }
    table([2; 3], &cells)
}

#[test]
fn paper_reference_values_of_two_classifiers() {
    // Errors independent given Y: I(F;Y|L) = 0.1825, mu = 0.0956.
    let m = bits(&two_classifiers(64, 16, 16, 4));
    assert!((m.i_fy_given_l - 0.1825).abs() < 1e-4, "{m:?}");
    assert!((m.mu - 0.0956).abs() < 1e-4, "{m:?}");
    // Errors on disjoint sets: I(F;Y|L) = 0.3219, mu = -0.0439.
    let m = bits(&two_classifiers(60, 20, 20, 0));
    assert!((m.i_fy_given_l - 0.3219).abs() < 1e-4, "{m:?}");
    assert!((m.mu + 0.0439).abs() < 1e-4, "{m:?}");
}

#[test]
fn golden_values_from_dit_agree_to_1e9() {
    let text = include_str!("golden/info_golden.json");
    let v: serde_json::Value = serde_json::from_str(text).expect("golden json");
    let cases = v["cases"].as_array().expect("cases");
    assert!(cases.len() >= 20, "golden file has {} cases", cases.len());
    for c in cases {
        let name = c["name"].as_str().unwrap_or("?");
        let sizes: Vec<usize> = c["sizes"]
            .as_array()
            .expect("sizes")
            .iter()
            .map(|s| s.as_u64().expect("size") as usize)
            .collect();
        let counts: Vec<u64> = c["counts"]
            .as_array()
            .expect("counts")
            .iter()
            .map(|s| s.as_u64().expect("count"))
            .collect();
        let t = Table3::from_counts([sizes[0], sizes[1], sizes[2]], counts).expect("table");
        let m = bits(&t);
        let h_fly = sgd_complexity::info::entropy_nats(t.counts(), t.n(), Estimator::Plugin)
            / std::f64::consts::LN_2;
        for (key, got) in [
            ("h_f", m.h_f),
            ("h_l", m.h_l),
            ("h_y", m.h_y),
            ("h_fly", h_fly),
            ("i_fy", m.i_fy),
            ("i_ly", m.i_ly),
            ("i_fl", m.i_fl),
            ("i_fy_given_l", m.i_fy_given_l),
            ("i_ly_given_f", m.i_ly_given_f),
            ("i_fl_given_y", m.i_fl_given_y),
            ("mu", m.mu),
        ] {
            let want = c[key].as_f64().expect("golden value");
            assert!(
                (got - want).abs() < 1e-9,
                "{name} {key}: ours {got}, dit {want}"
            );
        }
    }
}

/// Number of non-empty cells of a marginal, computed directly from the cells.
fn occupied(t: &Table3, keep: [bool; 3]) -> f64 {
    let [kf, kl, ky] = t.sizes;
    let mut seen = std::collections::HashSet::new();
    for f in 0..kf {
        for l in 0..kl {
            for y in 0..ky {
                if t.get(f, l, y) > 0 {
                    let k = [f, l, y];
                    seen.insert([0, 1, 2].map(|i| if keep[i] { k[i] } else { usize::MAX }));
                }
            }
        }
    }
    seen.len() as f64
}

#[test]
fn miller_madow_adds_the_exact_correction_and_it_vanishes() {
    let base = Table3::from_counts([3, 2, 4], (0..24).map(|i| (i * 7 % 5) as u64).collect())
        .expect("table");
    let mut prev = f64::INFINITY;
    for scale in [1u64, 10, 100, 1000] {
        let t = Table3::from_counts(
            base.sizes,
            base.counts().iter().map(|c| c * scale).collect(),
        )
        .expect("table");
        let p = Measures::from_table(&t, Estimator::Plugin, Unit::Nats);
        let mm = Measures::from_table(&t, Estimator::MillerMadow, Unit::Nats);
        let n2 = 2.0 * t.n() as f64;
        let corr = |keep: [bool; 3]| (occupied(&t, keep) - 1.0) / n2;
        let (cf, cl, cy) = (
            corr([true, false, false]),
            corr([false, true, false]),
            corr([false, false, true]),
        );
        let (cfl, cfy, cly) = (
            corr([true, true, false]),
            corr([true, false, true]),
            corr([false, true, true]),
        );
        let cfly = corr([true, true, true]);
        assert!((mm.h_f - p.h_f - cf).abs() < 1e-12);
        assert!((mm.i_fy - p.i_fy - (cf + cy - cfy)).abs() < 1e-12);
        assert!((mm.i_fy_given_l - p.i_fy_given_l - (cfl + cly - cl - cfly)).abs() < 1e-12);
        let dmu = cf + cl + cy - cfl - cfy - cly + cfly;
        assert!((mm.mu - p.mu - dmu).abs() < 1e-12);
        // The correction of every entropy is (m - 1) / 2n: it shrinks as 1/n.
        let total = (mm.h_f - p.h_f).abs() + (mm.i_fy_given_l - p.i_fy_given_l).abs();
        assert!(total < prev || total == 0.0);
        assert!(total <= 24.0 / n2 * 4.0);
        prev = total;
    }
    assert!(prev < 1e-3);
}

fn plain_cells(f: &[u8], l: &[u8], y: &[u8]) -> [u64; 8] {
    let mut c = [0u64; 8];
    for ((&a, &b), &d) in f.iter().zip(l).zip(y) {
        c[usize::from(a) * 4 + usize::from(b) * 2 + usize::from(d)] += 1;
    }
    c
}

#[test]
fn every_binary_kernel_agrees_with_the_plain_histogram() {
    let mut rng = stream(1, Stream::Synthetic, 0);
    use rand::RngExt;
    // Lengths around the row widths (16, 32, 64) and the 255-row flush boundary.
    let lens = [
        1usize,
        15,
        16,
        17,
        63,
        64,
        65,
        255 * 64 - 1,
        255 * 64,
        255 * 64 + 1,
        255 * 64 * 3 + 77,
        100_003,
    ];
    let mut ran = 0;
    for &n in &lens {
        let gen = |rng: &mut rand_chacha::ChaCha20Rng, p: f64| -> Vec<u8> {
            (0..n).map(|_| u8::from(rng.random::<f64>() < p)).collect()
        };
        let (f, l, y) = (gen(&mut rng, 0.5), gen(&mut rng, 0.9), gen(&mut rng, 0.999));
        let want = plain_cells(&f, &l, &y);
        for k in BinaryKernel::ALL {
            if k.is_available() {
                assert_eq!(
                    binary_cells_with(k, &f, &l, &y),
                    Some(want),
                    "{k:?} n = {n}"
                );
                ran += 1;
            }
        }
        // All ones: lane counters hit exactly 255 before a flush.
        let ones = vec![1u8; n];
        for k in BinaryKernel::ALL.into_iter().filter(|k| k.is_available()) {
            let mut want = [0u64; 8];
            want[7] = n as u64;
            assert_eq!(
                binary_cells_with(k, &ones, &ones, &ones),
                Some(want),
                "{k:?} ones n = {n}"
            );
        }
    }
    assert!(ran >= lens.len());
}

#[test]
fn binary_kernels_reject_labels_other_than_0_and_1() {
    for pos in [0usize, 40, 16_319, 16_320, 20_000] {
        let mut f = vec![0u8; 20_001];
        f[pos] = 2;
        let z = vec![1u8; 20_001];
        for k in BinaryKernel::ALL.into_iter().filter(|k| k.is_available()) {
            assert_eq!(binary_cells_with(k, &f, &z, &z), None, "{k:?} pos {pos}");
            assert_eq!(binary_cells_with(k, &z, &z, &f), None, "{k:?} pos {pos}");
        }
    }
    // The table falls back to the histogram and names the label.
    let f = [0u8, 1, 2];
    let e = Table3::from_u8(
        &f,
        &[0, 0, 0],
        &[1, 1, 1],
        [2; 3],
        ["f.npy", "l.npy", "y.npy"],
    )
    .expect_err("label 2");
    assert_eq!(
        e.to_string(),
        "f.npy: label 2 at index 2 is outside the alphabet 0..2"
    );
}

#[test]
fn curve_equals_one_table_per_checkpoint() {
    use rand::RngExt;
    let mut rng = stream(2, Stream::Synthetic, 0);
    for k in [2usize, 3, 10] {
        let (t, n) = (7, 1000);
        let f: Vec<u8> = (0..t * n).map(|_| rng.random_range(0..k as u8)).collect();
        let l: Vec<u8> = (0..n).map(|_| rng.random_range(0..k as u8)).collect();
        let y: Vec<u8> = (0..n).map(|_| rng.random_range(0..k as u8)).collect();
        let tabs = curve_tables(&f, t, &l, &y, [k; 3], ["F", "L", "Y"]).expect("curve");
        let ms = curve(&f, t, &l, &y, [k; 3], Estimator::Plugin, Unit::Bits).expect("curve");
        for (i, (tab, m)) in tabs.iter().zip(&ms).enumerate() {
            let row = &f[i * n..(i + 1) * n];
            let want = Table3::from_labels(row, &l, &y, [k; 3], ["F", "L", "Y"]).expect("table");
            assert_eq!(tab, &want);
            assert_eq!(m, &bits(&want));
        }
    }
    let e = curve_tables(&[0u8; 10], 3, &[0; 3], &[0; 3], [2; 3], ["F", "L", "Y"])
        .expect_err("bad length");
    assert!(e.to_string().contains("F (3 checkpoints)"), "{e}");
}

#[test]
fn bootstrap_is_seeded_and_brackets_the_estimate() {
    let t = two_classifiers(64, 16, 16, 4);
    let a = bootstrap_ci(&t, 300, 0.95, 7, 0, Estimator::Plugin, Unit::Bits).expect("ci");
    let b = bootstrap_ci(&t, 300, 0.95, 7, 0, Estimator::Plugin, Unit::Bits).expect("ci");
    let c = bootstrap_ci(&t, 300, 0.95, 8, 0, Estimator::Plugin, Unit::Bits).expect("ci");
    assert_eq!(a, b);
    assert_ne!(a, c);
    let m = bits(&t);
    assert!(a.mu.lo < m.mu && m.mu < a.mu.hi, "{a:?} {}", m.mu);
    assert!(a.i_fy.lo < m.i_fy && m.i_fy < a.i_fy.hi);
    assert!(bootstrap_ci(&t, 0, 0.95, 7, 0, Estimator::Plugin, Unit::Bits).is_err());
}

#[test]
fn bootstrap_spread_shrinks_with_n() {
    let small = two_classifiers(64, 16, 16, 4);
    let big = Table3::from_counts(
        small.sizes,
        small.counts().iter().map(|c| c * 100).collect(),
    )
    .expect("table");
    let w = |t: &Table3| {
        let ci = bootstrap_ci(t, 400, 0.9, 3, 0, Estimator::Plugin, Unit::Bits).expect("ci");
        ci.mu.hi - ci.mu.lo
    };
    // The width scales as 1/sqrt(n): 100x the points, about a tenth of the width.
    let ratio = w(&big) / w(&small);
    assert!(ratio > 0.05 && ratio < 0.2, "ratio {ratio}");
}

/// mu of the table after an explicit shuffle of Y.
fn mu_explicit_shuffle(f: &[u8], l: &[u8], y: &[u8], rng: &mut rand_chacha::ChaCha20Rng) -> f64 {
    use rand::seq::SliceRandom;
    let mut y = y.to_vec();
    y.shuffle(rng);
    bits(&Table3::from_u8(f, l, &y, [3, 2, 3], ["F", "L", "Y"]).expect("table")).mu
}

#[test]
fn table_level_shuffle_matches_an_explicit_shuffle_of_y() {
    use rand::RngExt;
    let mut rng = stream(4, Stream::Synthetic, 0);
    let n = 300;
    let y: Vec<u8> = (0..n).map(|_| rng.random_range(0..3u8)).collect();
    let f: Vec<u8> = y
        .iter()
        .map(|&v| {
            if rng.random::<f64>() < 0.7 {
                v
            } else {
                rng.random_range(0..3u8)
            }
        })
        .collect();
    let l: Vec<u8> = y.iter().map(|&v| u8::from(v > 0)).collect();
    let t = Table3::from_u8(&f, &l, &y, [3, 2, 3], ["F", "L", "Y"]).expect("table");
    let b = 2000;
    let mut r1 = stream(5, Stream::Permutation, 0);
    let mut r2 = stream(6, Stream::Permutation, 0);
    let mut a = Vec::new();
    let mut e = Vec::new();
    for _ in 0..b {
        let s = shuffle_y_table(&t, &mut r1).expect("shuffle");
        // Marginals that a shuffle of Y preserves.
        assert_eq!(
            s.marginal([true, true, false]),
            t.marginal([true, true, false])
        );
        assert_eq!(
            s.marginal([false, false, true]),
            t.marginal([false, false, true])
        );
        a.push(bits(&s).mu);
        e.push(mu_explicit_shuffle(&f, &l, &y, &mut r2));
    }
    let stats = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let s = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt();
        (m, s)
    };
    let ((ma, sa), (me, se)) = (stats(&a), stats(&e));
    // Same distribution: means within 4 standard errors, spreads within 10%.
    let se_diff = (sa * sa / b as f64 + se * se / b as f64).sqrt();
    assert!(
        (ma - me).abs() < 4.0 * se_diff,
        "means {ma} vs {me} (se {se_diff})"
    );
    assert!((sa / se - 1.0).abs() < 0.1, "sds {sa} vs {se}");
}

#[test]
fn permutation_null_is_seeded_and_detects_dependence() {
    let t = two_classifiers(64, 16, 16, 4);
    let a = permutation_null(&t, 200, 9, 0, Estimator::Plugin, Unit::Bits).expect("null");
    assert_eq!(
        a,
        permutation_null(&t, 200, 9, 0, Estimator::Plugin, Unit::Bits).expect("null")
    );
    // mu = 0.0956 on 200 points is far above the shuffled floor.
    assert!(a.p_value <= 2.0 / 201.0, "{a:?}");
    assert!(a.mean.abs() < 0.02 && a.sd > 0.0, "{a:?}");
    // Y independent of (F, L): the p-values are calibrated, about 10% of them at most 0.1
    // (binomial sd 0.03 over 100 data sets; the bounds are 4 sd).
    use rand::RngExt;
    let mut rng = stream(10, Stream::Synthetic, 0);
    let mut small = 0;
    for i in 0..100 {
        let n = 200;
        let y: Vec<u8> = (0..n).map(|_| rng.random_range(0..2u8)).collect();
        let f: Vec<u8> = (0..n).map(|_| rng.random_range(0..2u8)).collect();
        let l: Vec<u8> = f
            .iter()
            .map(|&v| if rng.random::<f64>() < 0.8 { v } else { 1 - v })
            .collect();
        let t = Table3::from_u8(&f, &l, &y, [2; 3], ["F", "L", "Y"]).expect("table");
        let s = permutation_null(&t, 99, 11, i, Estimator::Plugin, Unit::Bits).expect("null");
        small += usize::from(s.p_value <= 0.1);
    }
    assert!((2..=22).contains(&small), "{small} of 100 p-values <= 0.1");
}
