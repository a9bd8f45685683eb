//! Property tests of the information measures on random count tables and label vectors over
//! explicit alphabets (in the manner of dit's random distributions and Markov chains). Case counts
//! come from `PROPTEST_CASES` (the justfile sets a CI-sized default).

use proptest::prelude::*;
use sgd_complexity::info::{
    binary_cells_with, curve_tables, BinaryKernel, Estimator, Measures, Table3, Unit,
};

const EPS: f64 = 1e-9;

fn bits(t: &Table3) -> Measures {
    Measures::from_table(t, Estimator::Plugin, Unit::Bits)
}

/// Alphabet sizes per variable, 1..=4.
fn sizes() -> impl Strategy<Value = [usize; 3]> {
    [1usize..=4, 1usize..=4, 1usize..=4]
}

/// A count table over explicit alphabets, about a third of the cells empty, at least one count.
fn table() -> impl Strategy<Value = Table3> {
    sizes().prop_flat_map(|s| {
        let cells = s.iter().product::<usize>();
        proptest::collection::vec(prop_oneof![1 => Just(0u64), 2 => 0u64..30], cells).prop_map(
            move |mut c| {
                if c.iter().all(|&x| x == 0) {
                    c[0] = 1;
                }
                Table3::from_counts(s, c).expect("valid table")
            },
        )
    })
}

/// Aligned label vectors over explicit alphabets.
fn labels() -> impl Strategy<Value = ([usize; 3], Vec<u8>, Vec<u8>, Vec<u8>)> {
    (sizes(), 1usize..200).prop_flat_map(|(s, n)| {
        let v = |k: usize| proptest::collection::vec(0..k as u8, n);
        (Just(s), v(s[0]), v(s[1]), v(s[2]))
    })
}

/// The table with its variables reordered: output axis `i` is input axis `perm[i]`.
fn permute(t: &Table3, perm: [usize; 3]) -> Table3 {
    let s = t.sizes;
    let ns = perm.map(|p| s[p]);
    let mut c = vec![0u64; t.counts().len()];
    for f in 0..s[0] {
        for l in 0..s[1] {
            for y in 0..s[2] {
                let v = [f, l, y];
                let w = perm.map(|p| v[p]);
                c[(w[0] * ns[1] + w[1]) * ns[2] + w[2]] += t.get(f, l, y);
            }
        }
    }
    Table3::from_counts(ns, c).expect("permuted table")
}

const PERMS: [[usize; 3]; 6] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
];

proptest! {
    #[test]
    fn entropies_and_informations_are_non_negative(t in table()) {
        for est in [Estimator::Plugin, Estimator::MillerMadow] {
            let m = Measures::from_table(&t, est, Unit::Bits);
            for v in [m.h_f, m.h_l, m.h_y] {
                prop_assert!(v >= -EPS);
            }
        }
        let m = bits(&t);
        for v in [m.i_fy, m.i_ly, m.i_fl, m.i_fy_given_l, m.i_ly_given_f, m.i_fl_given_y] {
            prop_assert!(v >= -EPS, "{:?}", m);
        }
    }

    #[test]
    fn mutual_information_is_symmetric(t in table()) {
        let m = bits(&t);
        // Swap F and Y: I(Y;F) = I(F;Y), I(Y;F|L) = I(F;Y|L).
        let s = bits(&permute(&t, [2, 1, 0]));
        prop_assert!((s.i_fy - m.i_fy).abs() < EPS);
        prop_assert!((s.i_fy_given_l - m.i_fy_given_l).abs() < EPS);
        prop_assert!((s.i_fl - m.i_ly).abs() < EPS);
    }

    #[test]
    fn chain_rule_holds(t in table()) {
        let m = bits(&t);
        // (L, Y) as one variable of kl * ky symbols: the same flat layout, Y axis of size 1.
        let [kf, kl, ky] = t.sizes;
        let joint = Table3::from_counts([kf, kl * ky, 1], t.counts().to_vec()).expect("table");
        let i_f_ly = bits(&joint).i_fl;
        prop_assert!((i_f_ly - (m.i_fl + m.i_fy_given_l)).abs() < EPS);
    }

    #[test]
    fn mu_is_invariant_under_all_permutations(t in table()) {
        let m = bits(&t);
        for p in PERMS {
            prop_assert!((bits(&permute(&t, p)).mu - m.mu).abs() < EPS, "perm {:?}", p);
        }
        // And its three definitions agree.
        prop_assert!((m.mu - (m.i_ly - m.i_ly_given_f)).abs() < EPS);
        prop_assert!((m.mu - (m.i_fl - m.i_fl_given_y)).abs() < EPS);
    }

    #[test]
    fn mu_is_bounded_by_the_informations(t in table()) {
        let m = bits(&t);
        let lo = m.i_fy_given_l.min(m.i_ly_given_f).min(m.i_fl_given_y);
        let hi = m.i_fy.min(m.i_ly).min(m.i_fl);
        prop_assert!(-lo - EPS <= m.mu && m.mu <= hi + EPS, "{:?}", m);
    }

    #[test]
    fn l_equal_to_f_gives_mu_equal_to_i_fy((s, f, _l, y) in labels()) {
        let t = Table3::from_u8(&f, &f, &y, [s[0], s[0], s[2]], ["F", "L", "Y"]).expect("table");
        let m = bits(&t);
        prop_assert!((m.mu - m.i_fy).abs() < EPS);
        prop_assert!(m.i_fy_given_l.abs() < EPS);
    }

    #[test]
    fn l_independent_of_f_and_y_gives_zero(
        (s, fy, l) in sizes().prop_flat_map(|s| (
            Just(s),
            proptest::collection::vec(0u64..20, s[0] * s[2]),
            proptest::collection::vec(1u64..20, s[1]),
        ))
    ) {
        prop_assume!(fy.iter().any(|&c| c > 0));
        // p(f, l, y) = p(f, y) p(l): counts as a product.
        let [kf, kl, ky] = s;
        let mut c = vec![0u64; kf * kl * ky];
        for f in 0..kf { for b in 0..kl { for y in 0..ky {
            c[(f * kl + b) * ky + y] = fy[f * ky + y] * l[b];
        }}}
        let m = bits(&Table3::from_counts(s, c).expect("table"));
        prop_assert!(m.mu.abs() < EPS && m.i_ly.abs() < EPS && m.i_fl.abs() < EPS, "{:?}", m);
    }

    #[test]
    fn markov_chains_satisfy_conditional_independence_and_data_processing(
        (s, a, b) in sizes().prop_flat_map(|s| (
            Just(s),
            proptest::collection::vec(0u64..10, s[0] * s[1]),
            proptest::collection::vec(0u64..10, s[1] * s[2]),
        ))
    ) {
        // p(f, l, y) proportional to A[f, l] B[l, y]: F - L - Y is a Markov chain.
        let [kf, kl, ky] = s;
        let mut c = vec![0u64; kf * kl * ky];
        for f in 0..kf { for l in 0..kl { for y in 0..ky {
            c[(f * kl + l) * ky + y] = a[f * kl + l] * b[l * ky + y];
        }}}
        prop_assume!(c.iter().any(|&x| x > 0));
        let m = bits(&Table3::from_counts(s, c).expect("table"));
        prop_assert!(m.i_fy_given_l.abs() < EPS, "{:?}", m);
        prop_assert!(m.i_fy <= m.i_ly + EPS && m.i_fy <= m.i_fl + EPS, "{:?}", m);
    }

    #[test]
    fn relabelling_shuffling_and_duplicating_rows_change_nothing(
        (s, f, l, y) in labels(),
        seed in any::<u64>(),
    ) {
        use rand::seq::SliceRandom;
        let names = ["F", "L", "Y"];
        let m = bits(&Table3::from_u8(&f, &l, &y, s, names).expect("table"));
        let mut rng = sgd_complexity::rng::stream(seed, sgd_complexity::rng::Stream::Synthetic, 0);
        // Relabel each alphabet by a random permutation.
        let maps: Vec<Vec<u8>> = s.iter().map(|&k| {
            let mut p: Vec<u8> = (0..k as u8).collect();
            p.shuffle(&mut rng);
            p
        }).collect();
        let re = |v: &[u8], m: &[u8]| v.iter().map(|&x| m[usize::from(x)]).collect::<Vec<u8>>();
        let r = bits(&Table3::from_u8(&re(&f, &maps[0]), &re(&l, &maps[1]), &re(&y, &maps[2]), s, names).expect("table"));
        // Shuffle the rows (one permutation for all three).
        let mut idx: Vec<usize> = (0..f.len()).collect();
        idx.shuffle(&mut rng);
        let pick = |v: &[u8]| idx.iter().map(|&i| v[i]).collect::<Vec<u8>>();
        let sh = bits(&Table3::from_u8(&pick(&f), &pick(&l), &pick(&y), s, names).expect("table"));
        // Duplicate every row.
        let dup = |v: &[u8]| v.iter().flat_map(|&x| [x, x]).collect::<Vec<u8>>();
        let d = bits(&Table3::from_u8(&dup(&f), &dup(&l), &dup(&y), s, names).expect("table"));
        for o in [r, sh, d] {
            for (a, b) in [(o.mu, m.mu), (o.i_fy, m.i_fy), (o.i_fy_given_l, m.i_fy_given_l), (o.h_f, m.h_f)] {
                prop_assert!((a - b).abs() < EPS);
            }
        }
    }

    #[test]
    fn bits_are_nats_over_ln2(t in table()) {
        for est in [Estimator::Plugin, Estimator::MillerMadow] {
            let b = Measures::from_table(&t, est, Unit::Bits);
            let n = Measures::from_table(&t, est, Unit::Nats);
            for (x, y) in [(b.mu, n.mu), (b.i_fy, n.i_fy), (b.h_y, n.h_y), (b.i_ly_given_f, n.i_ly_given_f)] {
                prop_assert!((x - y / std::f64::consts::LN_2).abs() < EPS);
            }
        }
    }

    #[test]
    fn fast_counting_agrees_with_the_generic_counter((s, f, l, y) in labels()) {
        let names = ["F", "L", "Y"];
        let want = Table3::from_labels(&f, &l, &y, s, names).expect("table");
        prop_assert_eq!(&Table3::from_u8(&f, &l, &y, s, names).expect("table"), &want);
        let c = curve_tables(&f, 1, &l, &y, s, names).expect("curve");
        prop_assert_eq!(&c[0], &want);
    }

    #[test]
    fn binary_kernels_agree_with_the_generic_counter(
        v in proptest::collection::vec((0u8..2, 0u8..2, 0u8..2), 1..3000)
    ) {
        let f: Vec<u8> = v.iter().map(|t| t.0).collect();
        let l: Vec<u8> = v.iter().map(|t| t.1).collect();
        let y: Vec<u8> = v.iter().map(|t| t.2).collect();
        let want = Table3::from_labels(&f, &l, &y, [2; 3], ["F", "L", "Y"]).expect("table");
        for k in BinaryKernel::ALL.into_iter().filter(|k| k.is_available()) {
            let got = binary_cells_with(k, &f, &l, &y).expect("binary");
            prop_assert_eq!(&got[..], want.counts(), "{:?}", k);
        }
    }
}
