//! Tasks from specs: synthetic models' determinism and labelling rules, label noise, subsampling,
//! and `DataSpec` validation errors naming the field.

use sgd_complexity::data::draw::subsample;
use sgd_complexity::data::images::{ImageSet, LabelledImages};
use sgd_complexity::data::sinusoid::{HighDimSinusoid, Projection, SinusoidParams};
use sgd_complexity::data::spec::task_from_images;
use sgd_complexity::data::synthetic::SyntheticModel;
use sgd_complexity::data::toy::DiscSinusoid;
use sgd_complexity::data::{load_task, DataSpec, Examples, Task};
use std::path::Path;

fn bits(x: &[f32]) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

fn same_bytes(a: &Task, b: &Task) -> bool {
    bits(&a.train.x) == bits(&b.train.x)
        && a.train.y == b.train.y
        && bits(&a.test.x) == bits(&b.test.x)
        && a.test.y == b.test.y
        && a.flipped == b.flipped
}

fn spec(toml_text: &str) -> DataSpec {
    toml::from_str(toml_text).unwrap()
}

const NOWHERE: &str = "no-such-data-dir";

#[test]
fn disc_sinusoid_is_deterministic_and_follows_its_rule() {
    let s = spec("task = 'disc-sinusoid'\nn_train = 2000\nn_test = 500\nlabel_noise = 0.1");
    let a = load_task(&s, Path::new(NOWHERE), 7).unwrap();
    let b = load_task(&s, Path::new(NOWHERE), 7).unwrap();
    let c = load_task(&s, Path::new(NOWHERE), 8).unwrap();
    assert!(same_bytes(&a, &b));
    assert_ne!(bits(&a.train.x), bits(&c.train.x));
    assert_ne!(a.flipped, c.flipped);
    assert_eq!(a.train.shape, vec![2]);
    assert_eq!((a.train.len(), a.test.len()), (2000, 500));
    assert_eq!(a.name, "disc-sinusoid");

    let m = DiscSinusoid::default();
    for ex in [&a.test, &a.train] {
        for i in 0..ex.len() {
            let x = ex.input(i);
            assert!(
                x[0] * x[0] + x[1] * x[1] < 1.0,
                "point {x:?} outside the unit disc"
            );
        }
    }
    for i in 0..a.test.len() {
        let x = a.test.input(i);
        let want = u8::from(x[1] as f64 > m.amplitude * (m.frequency * x[0] as f64).sin());
        assert_eq!(a.test.y[i], want);
    }
    for i in 0..a.train.len() {
        assert_eq!(a.train_clean[i], m.clean_label(a.train.input(i)));
    }
}

#[test]
fn disc_parameters_are_read_from_the_spec() {
    let s = spec(
        "task = 'disc-sinusoid'\nn_train = 300\nn_test = 10\n\
         [disc_sinusoid]\namplitude = 0.0\nfrequency = 2.0",
    );
    let t = load_task(&s, Path::new(NOWHERE), 1).unwrap();
    // Zero amplitude: the boundary is the line x2 = 0.
    for i in 0..t.train.len() {
        assert_eq!(t.train.y[i], u8::from(t.train.input(i)[1] > 0.0));
    }
}

#[test]
fn sinusoid_is_deterministic_and_follows_its_rule() {
    let s = spec(
        "task = 'sinusoid'\nn_train = 500\nn_test = 200\n\
         [sinusoid]\ndim = 20\nprojection = 'random'\nprojection_seed = 3",
    );
    let a = load_task(&s, Path::new(NOWHERE), 11).unwrap();
    let b = load_task(&s, Path::new(NOWHERE), 11).unwrap();
    let c = load_task(&s, Path::new(NOWHERE), 12).unwrap();
    assert!(same_bytes(&a, &b));
    assert_ne!(bits(&a.train.x), bits(&c.train.x));
    assert_eq!(a.train.shape, vec![20]);
    assert_eq!(a.name, "sinusoid-d20");

    let params = s.sinusoid.unwrap();
    let m = HighDimSinusoid::new(params).unwrap();
    let dot = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(a, b)| a * b).sum::<f64>();
    assert!((dot(m.u(), m.u()) - 1.0).abs() < 1e-12);
    assert!((dot(m.v(), m.v()) - 1.0).abs() < 1e-12);
    assert!(dot(m.u(), m.v()).abs() < 1e-12);
    // The random directions are not the axes.
    assert!(m.u()[0].abs() < 0.99);
    for i in 0..a.test.len() {
        let x: Vec<f64> = a.test.input(i).iter().map(|&v| v as f64).collect();
        let s = dot(m.u(), &x) + params.amplitude * (params.frequency * dot(m.v(), &x)).sin();
        assert_eq!(a.test.y[i], u8::from(s > 0.0));
    }
}

#[test]
fn sinusoid_leaves_a_linear_classifier_a_partial_share() {
    // Documented property of the defaults: sign(<u, x>) agrees with the clean label on about 77%
    // of Gaussian inputs (a numerical integral over two standard normals gives 0.771). Check it
    // within 5 binomial standard deviations on 20000 samples.
    let m = HighDimSinusoid::new(SinusoidParams::default()).unwrap();
    let s = spec("task = 'sinusoid'\nn_train = 1\nn_test = 20000");
    let t = load_task(&s, Path::new(NOWHERE), 2).unwrap();
    let agree = (0..t.test.len())
        .filter(|&i| u8::from(t.test.input(i)[0] > 0.0) == t.test.y[i])
        .count() as f64
        / t.test.len() as f64;
    let sd = (0.771f64 * 0.229 / 20000.0).sqrt();
    assert!((agree - 0.771).abs() < 5.0 * sd, "linear agreement {agree}");
    assert_eq!(m.params().projection, Projection::Axes);
    // Both classes are common.
    let ones = t.test.y.iter().filter(|&&y| y == 1).count() as f64 / 20000.0;
    assert!((0.4..0.6).contains(&ones), "fraction of ones {ones}");
}

#[test]
fn sinusoid_nuisance_coordinates_extend_the_input_without_touching_the_label() {
    // The first `dim` coordinates and the labels are those of the plain task, draw for draw, only
    // when no nuisance coordinates are asked for; with them, the label still follows the rule on
    // the first two coordinates, and the appended coordinates have the asked-for spread.
    let plain = spec("task = 'sinusoid'\nn_train = 300\nn_test = 300\n[sinusoid]\ndim = 4");
    let same = spec(
        "task = 'sinusoid'\nn_train = 300\nn_test = 300\n\
         [sinusoid]\ndim = 4\nnuisance_dims = 0",
    );
    let a = load_task(&plain, Path::new(NOWHERE), 5).unwrap();
    let b = load_task(&same, Path::new(NOWHERE), 5).unwrap();
    assert!(same_bytes(&a, &b));

    let wide = spec(
        "task = 'sinusoid'\nn_train = 300\nn_test = 2000\n\
         [sinusoid]\ndim = 4\nnuisance_dims = 50\nnuisance_std = 0.1",
    );
    let t = load_task(&wide, Path::new(NOWHERE), 5).unwrap();
    assert_eq!(t.train.shape, vec![54]);
    assert_eq!(t.name, "sinusoid-d4+50");
    let params = wide.sinusoid.unwrap();
    let (mut sum_sq, mut count) = (0.0f64, 0usize);
    for i in 0..t.test.len() {
        let x = t.test.input(i);
        let s = x[0] as f64 + params.amplitude * (params.frequency * x[1] as f64).sin();
        assert_eq!(t.test.y[i], u8::from(s > 0.0));
        for &v in &x[4..] {
            sum_sq += (v as f64).powi(2);
            count += 1;
        }
    }
    let sd = (sum_sq / count as f64).sqrt();
    assert!((sd - 0.1).abs() < 0.002, "nuisance standard deviation {sd}");

    let bad = spec("task = 'sinusoid'\n[sinusoid]\ndim = 4\nnuisance_dims = 10");
    let err = load_task(&bad, Path::new(NOWHERE), 5)
        .unwrap_err()
        .to_string();
    assert!(err.contains("nuisance_std"), "{err}");
}

#[test]
fn uniform_inputs_have_unit_variance_bounds() {
    let s = spec(
        "task = 'sinusoid'\nn_train = 100\nn_test = 1\n[sinusoid]\ndim = 5\ninput = 'uniform'",
    );
    let t = load_task(&s, Path::new(NOWHERE), 4).unwrap();
    let h = 3f32.sqrt();
    assert!(t.train.x.iter().all(|&v| (-h..h).contains(&v)));
}

fn check_flips(task: &Task) {
    assert!(
        task.flipped.windows(2).all(|w| w[0] < w[1]),
        "not ascending"
    );
    let mut f = task.flipped.iter().peekable();
    for i in 0..task.train.len() {
        let recorded = f.next_if(|&&j| j as usize == i).is_some();
        assert_eq!(
            recorded,
            task.train.y[i] != task.train_clean[i],
            "index {i}: recorded flip {recorded}"
        );
    }
    assert!(f.next().is_none());
}

#[test]
fn label_noise_rate_and_recorded_indices() {
    let n = 20_000usize;
    for rate in [0.0, 0.1, 0.3] {
        let s = spec(&format!(
            "task = 'disc-sinusoid'\nn_train = {n}\nn_test = 1\nlabel_noise = {rate}"
        ));
        let t = load_task(&s, Path::new(NOWHERE), 21).unwrap();
        check_flips(&t);
        let k = t.flipped.len() as f64;
        let mean = rate * n as f64;
        let sd = (n as f64 * rate * (1.0 - rate)).sqrt();
        assert!(
            (k - mean).abs() <= 5.0 * sd,
            "rate {rate}: {k} flips, expected {mean} +- {}",
            5.0 * sd
        );
        if rate == 0.0 {
            assert!(t.flipped.is_empty());
            assert_eq!(t.train.y, t.train_clean);
        }
    }
}

fn small_image_set(n_train: usize, n_test: usize) -> ImageSet {
    let mk = |n: usize, salt: usize| LabelledImages {
        shape: [1, 3, 3],
        pixels: (0..n * 9).map(|i| ((i * 7 + salt) % 256) as u8).collect(),
        labels: (0..n).map(|i| ((i * 3 + salt) % 10) as u8).collect(),
    };
    ImageSet {
        train: mk(n_train, 1),
        test: mk(n_test, 2),
    }
}

#[test]
fn real_task_noise_and_subsampling() {
    let set = small_image_set(4000, 300);
    let s = spec("task = 'mnist'\nn_train = 3000\nn_test = 100\nlabel_noise = 0.2");
    let a = task_from_images(&s, &set, false, 5).unwrap();
    let b = task_from_images(&s, &set, false, 5).unwrap();
    let c = task_from_images(&s, &set, false, 6).unwrap();
    assert!(same_bytes(&a, &b));
    assert_ne!(bits(&a.train.x), bits(&c.train.x));
    assert_eq!((a.train.len(), a.test.len()), (3000, 100));
    check_flips(&a);
    let sd = (3000.0f64 * 0.2 * 0.8).sqrt();
    assert!(
        (a.flipped.len() as f64 - 600.0).abs() <= 5.0 * sd,
        "{}",
        a.flipped.len()
    );

    // Every kept training example is one of the originals with its binarised label.
    let full = task_from_images(&spec("task = 'mnist'"), &set, false, 5).unwrap();
    assert_eq!(full.train.len(), 4000);
    let mut j = 0;
    for i in 0..a.train.len() {
        while bits(full.train.input(j)) != bits(a.train.input(i)) {
            j += 1;
            assert!(
                j < full.train.len(),
                "example {i} is not an original in order"
            );
        }
        assert_eq!(a.train_clean[i], full.train.y[j]);
        j += 1;
    }
}

#[test]
fn subsample_is_uniform_and_ordered() {
    let ex = Examples {
        x: (0..1000).map(|v| v as f32).collect(),
        shape: vec![1],
        y: vec![0; 1000],
    };
    let s = subsample(ex.clone(), Some(100), "data.n_train", 3, 0).unwrap();
    assert_eq!(s.len(), 100);
    assert!(s.x.windows(2).all(|w| w[0] < w[1]));
    let t = subsample(ex.clone(), Some(100), "data.n_train", 3, 1).unwrap();
    assert_ne!(
        s.x, t.x,
        "train and test subsamples must use different streams"
    );
    // Mean index of a uniform sample of 100 from 0..1000 is 499.5 +- 29 (sd, finite population).
    let mean = s.x.iter().map(|&v| v as f64).sum::<f64>() / 100.0;
    assert!((mean - 499.5).abs() < 5.0 * 27.5, "mean {mean}");
    let msg = subsample(ex, Some(1001), "data.n_train", 3, 0)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("data.n_train") && msg.contains("1001"),
        "{msg}"
    );
}

#[test]
fn spec_errors_name_the_field_and_value() {
    let cases = [
        (
            "task = 'mnist'\nlabel_noise = 0.7",
            "data.label_noise",
            "0.7",
        ),
        (
            "task = 'mnist'\nlabel_noise = -0.1",
            "data.label_noise",
            "-0.1",
        ),
        ("task = 'mnist'\nn_train = 0", "data.n_train", "0"),
        ("task = 'disc-sinusoid'\nn_test = 0", "data.n_test", "0"),
        (
            "task = 'mnist'\nsplit = { negative = [0, 1], positive = [1, 2] }",
            "data.split",
            "class 1",
        ),
        (
            "task = 'mnist'\nsplit = { negative = [0, 12], positive = [1] }",
            "data.split.negative",
            "12",
        ),
        (
            "task = 'mnist'\nsplit = { negative = [], positive = [1] }",
            "data.split.negative",
            "[]",
        ),
        (
            "task = 'mnist'\nsplit = { negative = [3, 3], positive = [1] }",
            "data.split.negative",
            "twice",
        ),
        ("task = 'sinusoid'\naugment = true", "data.augment", "true"),
        (
            "task = 'disc-sinusoid'\nsplit = { negative = [0], positive = [1] }",
            "data.split",
            "real data",
        ),
        (
            "task = 'mnist'\n[disc_sinusoid]\namplitude = 1.0",
            "data.disc_sinusoid",
            "mnist",
        ),
        (
            "task = 'disc-sinusoid'\n[disc_sinusoid]\namplitude = -1.0",
            "data.disc_sinusoid.amplitude",
            "-1",
        ),
        (
            "task = 'sinusoid'\n[sinusoid]\ndim = 1",
            "data.sinusoid.dim",
            "1",
        ),
        (
            "task = 'sinusoid'\n[sinusoid]\nfrequency = -2.0",
            "data.sinusoid.frequency",
            "-2",
        ),
    ];
    for (text, field, value) in cases {
        let s: DataSpec = toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let msg = s.check().unwrap_err().to_string();
        assert!(
            msg.contains(field) && msg.contains(value),
            "{text:?}: expected {field} and {value} in {msg:?}"
        );
        // load_task validates too, before touching any file.
        let msg2 = load_task(&s, Path::new(NOWHERE), 0)
            .unwrap_err()
            .to_string();
        assert_eq!(msg, msg2);
    }
    // Unknown fields and bad enum values are rejected by the parser, naming them.
    for (text, word) in [
        ("task = 'mnist'\nn_trian = 5", "n_trian"),
        ("task = 'mnst'", "mnst"),
        (
            "task = 'disc-sinusoid'\n[disc_sinusoid]\nnoise = 0.1",
            "noise",
        ),
        ("task = 'sinusoid'\n[sinusoid]\ninput = 'cauchy'", "cauchy"),
    ] {
        let msg = toml::from_str::<DataSpec>(text).unwrap_err().to_string();
        assert!(msg.contains(word), "{text:?}: {msg}");
    }
    assert!(spec("task = 'cifar10'\naugment = true").check().is_ok());
}

#[test]
fn spec_round_trips_through_toml() {
    let s = spec(
        "task = 'sinusoid'\nn_train = 10\nlabel_noise = 0.05\n[sinusoid]\ndim = 7\nfrequency = 1.5",
    );
    let text = toml::to_string(&s).unwrap();
    let back: DataSpec = toml::from_str(&text).unwrap();
    assert_eq!(back, s);
}
