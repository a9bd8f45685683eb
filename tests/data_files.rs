//! File formats and integrity: IDX and CIFAR-10 parsing on fixtures the tests write, corrupted,
//! truncated and bad-magic files named in errors, SHA-256 mismatches.

use sgd_complexity::data::cifar;
use sgd_complexity::data::fetch::{self, RealSet, SetStatus, IDX_FILES};
use sgd_complexity::data::idx::{encode_idx, parse_idx, read_idx};
use sgd_complexity::data::images::{ImageSet, LabelledImages};
use sgd_complexity::data::mnist;
use sgd_complexity::data::spec::{task_from_images, DataSpec, TaskKind};
use sgd_complexity::Error;
use std::path::Path;

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn err_text<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    r.expect_err("expected an error").to_string()
}

#[test]
fn idx_round_trip() {
    let data: Vec<u8> = (0..2 * 3 * 4).map(|v| v as u8).collect();
    let bytes = encode_idx(&[2, 3, 4], &data);
    assert_eq!(bytes.len(), 4 + 3 * 4 + 24);
    assert_eq!(&bytes[..4], &[0, 0, 8, 3]);
    let idx = parse_idx(&bytes, Path::new("x")).unwrap();
    assert_eq!(idx.dims, vec![2, 3, 4]);
    assert_eq!(idx.data, data);
}

#[test]
fn idx_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = encode_idx(&[3, 2, 2], &[7; 12]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "bad-magic-type",
            {
                let mut b = good.clone();
                b[2] = 0x0D; // float elements
                b
            },
            "bad IDX magic",
        ),
        (
            "bad-magic-lead",
            {
                let mut b = good.clone();
                b[0] = 0x1f; // e.g. a gzip file given by mistake
                b[1] = 0x8b;
                b
            },
            "bad IDX magic",
        ),
        ("short", vec![0, 0], "truncated"),
        ("short-header", good[..9].to_vec(), "truncated IDX header"),
        (
            "truncated",
            good[..good.len() - 1].to_vec(),
            "truncated IDX file",
        ),
        ("too-long", [good.as_slice(), &[0]].concat(), "too long"),
    ];
    for (name, bytes, want) in cases {
        let path = dir.path().join(name);
        write(&path, &bytes);
        let msg = err_text(read_idx(&path));
        assert!(
            msg.contains(name),
            "{name}: error does not name the file: {msg}"
        );
        assert!(msg.contains(want), "{name}: expected {want:?} in {msg}");
    }
    let missing = dir.path().join("missing-file");
    assert!(err_text(read_idx(&missing)).contains("missing-file"));
}

#[test]
fn idx_pair_checks_dims_and_counts() {
    let p = |s: &str| Path::new(s).to_path_buf();
    let images = parse_idx(&encode_idx(&[3, 2, 2], &[1; 12]), Path::new("img")).unwrap();
    let labels = parse_idx(&encode_idx(&[3], &[0, 9, 4]), Path::new("lab")).unwrap();
    let ok = mnist::pair((images.clone(), p("img")), (labels.clone(), p("lab"))).unwrap();
    assert_eq!(ok.shape, [1, 2, 2]);
    assert_eq!(ok.labels, vec![0, 9, 4]);

    // Labels given as images and vice versa: wrong dimensions, the right file named.
    let msg = err_text(mnist::pair(
        (labels.clone(), p("lab")),
        (images.clone(), p("img")),
    ));
    assert!(
        msg.contains("lab") && msg.contains("wrong IDX dimensions"),
        "{msg}"
    );
    let two = parse_idx(&encode_idx(&[2], &[0, 1]), Path::new("lab2")).unwrap();
    let msg = err_text(mnist::pair((images.clone(), p("img")), (two, p("lab2"))));
    assert!(msg.contains("lab2") && msg.contains("2 labels"), "{msg}");
    let big = parse_idx(&encode_idx(&[3], &[0, 10, 1]), Path::new("lab3")).unwrap();
    let msg = err_text(mnist::pair((images, p("img")), (big, p("lab3"))));
    assert!(
        msg.contains("lab3") && msg.contains("label 10 at index 1"),
        "{msg}"
    );
}

#[test]
fn sha256_of_known_input() {
    // FIPS 180-2 test vector.
    assert_eq!(
        fetch::sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn mnist_loader_rejects_hash_mismatch_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let set_dir = RealSet::Mnist.dir(dir.path());
    // Structurally valid IDX files that are not the canonical ones.
    write(
        &set_dir.join(IDX_FILES[0]),
        &encode_idx(&[2, 28, 28], &[0; 2 * 784]),
    );
    write(&set_dir.join(IDX_FILES[1]), &encode_idx(&[2], &[0, 1]));
    write(
        &set_dir.join(IDX_FILES[2]),
        &encode_idx(&[1, 28, 28], &[0; 784]),
    );
    write(&set_dir.join(IDX_FILES[3]), &encode_idx(&[1], &[3]));
    let msg = err_text(mnist::load(RealSet::Mnist, dir.path()));
    assert!(msg.contains("train-images-idx3-ubyte"), "{msg}");
    assert!(msg.contains("SHA-256 mismatch"), "{msg}");
    assert!(msg.contains(RealSet::Mnist.files()[0].1), "{msg}");
    let msg = err_text(fetch::verify(RealSet::Mnist, dir.path()));
    assert!(
        msg.contains("train-images-idx3-ubyte") && msg.contains("SHA-256"),
        "{msg}"
    );
    // Fetching over a corrupted file refuses rather than silently replacing it.
    let msg = err_text(fetch::fetch(RealSet::Mnist, dir.path()));
    assert!(
        msg.contains("train-images-idx3-ubyte") && msg.contains("SHA-256"),
        "{msg}"
    );

    let spec = DataSpec::new(TaskKind::Mnist);
    let msg = err_text(sgd_complexity::data::load_task(&spec, dir.path(), 1));
    assert!(msg.contains("train-images-idx3-ubyte"), "{msg}");
}

#[test]
fn absent_sets_say_how_to_get_them() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        fetch::verify(RealSet::FashionMnist, dir.path()).unwrap(),
        SetStatus::Absent
    );
    let spec = DataSpec::new(TaskKind::FashionMnist);
    let e = sgd_complexity::data::load_task(&spec, dir.path(), 1).unwrap_err();
    assert!(matches!(e, Error::NotPresent { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("Fashion-MNIST not present") && msg.contains("sgdc data fetch fashion-mnist"),
        "{msg}"
    );

    // One file of the set missing: named, and the set reported incomplete.
    let set_dir = RealSet::Mnist.dir(dir.path());
    write(&set_dir.join(IDX_FILES[1]), b"x");
    assert!(matches!(
        fetch::verify(RealSet::Mnist, dir.path()),
        Err(Error::BadFile { .. })
    ));
    std::fs::remove_file(set_dir.join(IDX_FILES[1])).unwrap();

    let msg = err_text(cifar::load(dir.path()));
    let d = dir.path().display().to_string();
    assert!(
        msg.starts_with(&format!(
            "CIFAR-10 not present in {d}; get cifar-10-binary.tar.gz from its home page"
        )),
        "{msg}"
    );
    assert!(
        msg.contains("md5 c32a1d4ab5d03f1284b67883e8d87530"),
        "{msg}"
    );
    assert!(msg.contains(&format!("{d}/cifar-10-batches-bin")), "{msg}");
}

/// `n` deterministic pseudo-random CIFAR-style images (no RNG needed: a fixed byte pattern).
fn fixture_images(n: usize, salt: u8) -> LabelledImages {
    let d = 3 * 32 * 32;
    let pixels = (0..n * d)
        .map(|i| ((i * 31 + salt as usize * 17) % 251) as u8)
        .collect();
    let labels = (0..n).map(|i| ((i + salt as usize) % 10) as u8).collect();
    LabelledImages {
        shape: [3, 32, 32],
        pixels,
        labels,
    }
}

/// Write a CIFAR-10 fixture folder with `records` records per file; returns the batches.
fn write_cifar(dir: &Path, records: usize) -> (Vec<LabelledImages>, LabelledImages) {
    let folder = dir.join(cifar::DIR_NAME);
    let train: Vec<LabelledImages> = (0..5).map(|k| fixture_images(records, k as u8)).collect();
    for (name, b) in cifar::TRAIN_FILES.iter().zip(&train) {
        write(&folder.join(name), &cifar::encode_batch(b));
    }
    let test = fixture_images(records, 9);
    write(&folder.join(cifar::TEST_FILE), &cifar::encode_batch(&test));
    (train, test)
}

#[test]
fn cifar_fixture_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = write_cifar(dir.path(), 7);
    assert_eq!(
        std::fs::metadata(dir.path().join(cifar::DIR_NAME).join(cifar::TEST_FILE))
            .unwrap()
            .len(),
        7 * 3073
    );
    let set = cifar::load_with(dir.path(), 7).unwrap();
    assert_eq!(set.test, test);
    assert_eq!(set.train.len(), 35);
    let pixels: Vec<u8> = train.iter().flat_map(|b| b.pixels.clone()).collect();
    let labels: Vec<u8> = train.iter().flat_map(|b| b.labels.clone()).collect();
    assert_eq!(set.train.pixels, pixels);
    assert_eq!(set.train.labels, labels);

    // Record layout: label byte, then the red, green and blue planes.
    let bytes = std::fs::read(dir.path().join(cifar::DIR_NAME).join("data_batch_2.bin")).unwrap();
    assert_eq!(bytes[0], train[1].labels[0]);
    assert_eq!(bytes[3073], train[1].labels[1]);
    assert_eq!(&bytes[1..1025], &train[1].pixels[..1024]);

    // The canonical loader wants 10000 records per file: these are named as wrong.
    let msg = err_text(cifar::load(dir.path()));
    assert!(
        msg.contains("data_batch_1.bin") && msg.contains("truncated"),
        "{msg}"
    );
}

#[test]
fn cifar_corruption_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write_cifar(dir.path(), 4);
    let folder = dir.path().join(cifar::DIR_NAME);

    let f3 = folder.join("data_batch_3.bin");
    let good = std::fs::read(&f3).unwrap();
    write(&f3, &good[..good.len() - 1]);
    let msg = err_text(cifar::load_with(dir.path(), 4));
    assert!(
        msg.contains("data_batch_3.bin") && msg.contains("truncated"),
        "{msg}"
    );

    write(&f3, &[good.as_slice(), &[0u8; 3073]].concat());
    let msg = err_text(cifar::load_with(dir.path(), 4));
    assert!(
        msg.contains("data_batch_3.bin") && msg.contains("too long"),
        "{msg}"
    );

    let mut bad_label = good.clone();
    bad_label[2 * 3073] = 10;
    write(&f3, &bad_label);
    let msg = err_text(cifar::load_with(dir.path(), 4));
    assert!(
        msg.contains("data_batch_3.bin") && msg.contains("record 2"),
        "{msg}"
    );
    write(&f3, &good);
    assert!(cifar::load_with(dir.path(), 4).is_ok());

    std::fs::remove_file(folder.join(cifar::TEST_FILE)).unwrap();
    let msg = err_text(cifar::load_with(dir.path(), 4));
    assert!(msg.contains("test_batch.bin"), "{msg}");
}

#[test]
fn cifar_task_is_standardised_and_split() {
    let set = ImageSet {
        train: fixture_images(40, 1),
        test: fixture_images(20, 2),
    };
    let spec = DataSpec::new(TaskKind::Cifar10);
    let task = task_from_images(&spec, &set, true, 5).unwrap();
    assert_eq!(task.name, "cifar10-0-4-vs-5-9");
    assert_eq!(task.train.shape, vec![3, 32, 32]);
    assert_eq!(task.train.len(), 40);
    // Every class is in the default split, so the whole training set is kept: each channel of it
    // has mean 0 and standard deviation 1 after standardisation.
    for c in 0..3 {
        let vals: Vec<f64> = task
            .train
            .x
            .chunks_exact(3072)
            .flat_map(|img| img[c * 1024..(c + 1) * 1024].iter().map(|&v| v as f64))
            .collect();
        let n = vals.len() as f64;
        let mean = vals.iter().sum::<f64>() / n;
        let var = vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        assert!(mean.abs() < 1e-4, "channel {c} mean {mean}");
        assert!(
            (var.sqrt() - 1.0).abs() < 1e-4,
            "channel {c} std {}",
            var.sqrt()
        );
    }
    for (i, &l) in set.test.labels.iter().enumerate() {
        assert_eq!(task.test.y[i], u8::from(l >= 5));
    }

    // A split that drops classes: 3 vs 5 keeps only those images.
    let mut spec = DataSpec::new(TaskKind::Cifar10);
    spec.split = Some(sgd_complexity::data::images::ClassSplit {
        negative: vec![3],
        positive: vec![5],
    });
    let task = task_from_images(&spec, &set, true, 5).unwrap();
    assert_eq!(task.name, "cifar10-3-vs-5");
    let kept: Vec<u8> = set
        .train
        .labels
        .iter()
        .filter(|&&l| l == 3 || l == 5)
        .map(|&l| u8::from(l == 5))
        .collect();
    assert_eq!(task.train.y, kept);
    assert_eq!(task.train.x.len(), kept.len() * 3072);
}

#[test]
fn unit_normalisation_is_pixels_over_255() {
    let images = LabelledImages {
        shape: [1, 2, 2],
        pixels: vec![0, 51, 255, 102, 7, 7, 7, 7],
        labels: vec![4, 5],
    };
    let set = ImageSet {
        train: images.clone(),
        test: images,
    };
    let task = task_from_images(&DataSpec::new(TaskKind::Mnist), &set, false, 0).unwrap();
    assert_eq!(task.train.x[..4], [0.0, 0.2, 1.0, 0.4]);
    assert_eq!(task.train.y, vec![0, 1]);
    assert_eq!(task.name, "mnist-0-4-vs-5-9");
}
