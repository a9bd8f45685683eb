//! Checks on the real MNIST and Fashion-MNIST files, run only when they are present in the data
//! directory (`$SGDC_DATA_DIR`, else `data/`; fetch them with `just data`). Otherwise each test
//! prints why it is skipped and passes.

use sgd_complexity::data::fetch::{self, RealSet};
use sgd_complexity::data::{load_task, mnist, DataSpec, TaskKind};
use std::path::PathBuf;
use std::time::Instant;

fn data_dir_with(set: RealSet) -> Option<PathBuf> {
    let dir = fetch::default_data_dir();
    let present = set
        .files()
        .iter()
        .all(|(name, _)| set.dir(&dir).join(name).is_file());
    if !present {
        println!(
            "SKIPPED: {} not present in {} (run `just data` to fetch it)",
            set.label(),
            dir.display()
        );
        return None;
    }
    Some(dir)
}

fn binary_counts(y: &[u8]) -> (usize, usize) {
    let ones = y.iter().filter(|&&v| v == 1).count();
    (y.len() - ones, ones)
}

#[test]
fn mnist_matches_its_documented_counts() {
    let Some(dir) = data_dir_with(RealSet::Mnist) else {
        return;
    };
    let t0 = Instant::now();
    let set = mnist::load(RealSet::Mnist, &dir).unwrap();
    println!(
        "MNIST load with SHA-256 verification: {:.2} s",
        t0.elapsed().as_secs_f64()
    );
    assert_eq!(set.train.shape, [1, 28, 28]);
    assert_eq!(
        set.train.class_counts(),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(
        set.test.class_counts(),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    assert_eq!(set.train.labels[..10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);

    let task = load_task(&DataSpec::new(TaskKind::Mnist), &dir, 0).unwrap();
    let (tr0, tr1) = binary_counts(&task.train.y);
    let (te0, te1) = binary_counts(&task.test.y);
    println!("binary MNIST 0-4 vs 5-9: train {tr0}/{tr1}, test {te0}/{te1}");
    assert_eq!((te0, te1), (5139, 4861));
    assert_eq!((tr0, tr1), (30596, 29404));
    assert!(task.test.x.iter().all(|&v| (0.0..=1.0).contains(&v)));
    assert!(task.flipped.is_empty());
}

#[test]
fn fashion_mnist_matches_its_documented_counts() {
    let Some(dir) = data_dir_with(RealSet::FashionMnist) else {
        return;
    };
    let set = mnist::load(RealSet::FashionMnist, &dir).unwrap();
    assert_eq!(set.train.class_counts(), [6000; 10]);
    assert_eq!(set.test.class_counts(), [1000; 10]);
    let task = load_task(&DataSpec::new(TaskKind::FashionMnist), &dir, 0).unwrap();
    let (tr0, tr1) = binary_counts(&task.train.y);
    let (te0, te1) = binary_counts(&task.test.y);
    println!("binary Fashion-MNIST 0-4 vs 5-9: train {tr0}/{tr1}, test {te0}/{te1}");
    assert_eq!((tr0, tr1, te0, te1), (30000, 30000, 5000, 5000));
}

#[test]
fn corrupted_copies_of_real_files_are_named() {
    let Some(dir) = data_dir_with(RealSet::Mnist) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let copy = RealSet::Mnist.dir(tmp.path());
    std::fs::create_dir_all(&copy).unwrap();
    for (name, _) in RealSet::Mnist.files() {
        std::fs::copy(RealSet::Mnist.dir(&dir).join(name), copy.join(name)).unwrap();
    }
    assert!(mnist::load(RealSet::Mnist, tmp.path()).is_ok());
    let victim = copy.join("t10k-labels-idx1-ubyte");
    let good = std::fs::read(&victim).unwrap();

    let mut flipped = good.clone();
    flipped[5000] ^= 1; // one label changed: same length, valid structure, wrong hash
    let truncated = good[..good.len() - 10].to_vec();
    let mut magic = good.clone();
    magic[3] = 3;
    for (what, bytes) in [
        ("one byte", flipped),
        ("truncated", truncated),
        ("bad magic", magic),
    ] {
        std::fs::write(&victim, &bytes).unwrap();
        let msg = mnist::load(RealSet::Mnist, tmp.path())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("t10k-labels-idx1-ubyte") && msg.contains("SHA-256 mismatch"),
            "{what}: {msg}"
        );
    }
}

#[test]
fn subsampled_mnist_with_noise() {
    let Some(dir) = data_dir_with(RealSet::Mnist) else {
        return;
    };
    let spec: DataSpec =
        toml::from_str("task = 'mnist'\nn_train = 5000\nn_test = 2000\nlabel_noise = 0.1").unwrap();
    let a = load_task(&spec, &dir, 3).unwrap();
    let b = load_task(&spec, &dir, 3).unwrap();
    assert_eq!(a, b);
    assert_eq!((a.train.len(), a.test.len()), (5000, 2000));
    let k = a.flipped.len() as f64;
    assert!(
        (k - 500.0).abs() < 5.0 * (5000.0f64 * 0.09).sqrt(),
        "{k} flips"
    );
}
