//! Reader for the binary version of CIFAR-10.
//!
//! The canonical archive `cifar-10-binary.tar.gz` (md5 [`TARBALL_MD5`]) extracts to
//! `cifar-10-batches-bin/` with `data_batch_1.bin` .. `data_batch_5.bin` and `test_batch.bin`.
//! Each file holds 10000 records of 3073 bytes: one label byte (0..10), then the 32x32 red, green
//! and blue planes, row-major. No package registry ships CIFAR-10, so the files cannot be fetched
//! here, and the project has no canonical SHA-256 of the individual files it could check
//! honestly. The loader therefore validates structure instead: exact file length (a multiple of
//! the record size, 10000 records per canonical file), every label in 0..10, and, for the
//! canonical layout, the first 20 labels of the test batch, which are documented.

use super::images::{ImageSet, LabelledImages};
use crate::error::{Error, Result};
use std::path::Path;

/// Bytes per record: one label and 3 x 32 x 32 pixels.
pub const RECORD_BYTES: usize = 1 + 3 * 32 * 32;
/// Records in each canonical batch file.
pub const RECORDS_PER_FILE: usize = 10_000;
/// Folder of the binary batches inside the data directory.
pub const DIR_NAME: &str = "cifar-10-batches-bin";
/// The training batch files, in order.
pub const TRAIN_FILES: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
/// The test batch file.
pub const TEST_FILE: &str = "test_batch.bin";
/// MD5 of the canonical `cifar-10-binary.tar.gz`, as published on the data set's home page.
pub const TARBALL_MD5: &str = "c32a1d4ab5d03f1284b67883e8d87530";
/// The first 20 labels of the canonical `test_batch.bin`.
pub const FIRST_TEST_LABELS: [u8; 20] =
    [3, 8, 8, 0, 6, 6, 1, 6, 3, 1, 0, 9, 5, 7, 9, 8, 5, 7, 8, 6];

/// The error returned when CIFAR-10 is absent from `data_dir`.
pub fn not_present(data_dir: &Path) -> Error {
    Error::NotPresent {
        what: "CIFAR-10".into(),
        dir: data_dir.to_path_buf(),
        hint: format!(
            "get cifar-10-binary.tar.gz from its home page \
             (https://www.cs.toronto.edu/~kriz/cifar.html, md5 {TARBALL_MD5}) and extract it into \
             {}/{DIR_NAME} (`tar -xzf cifar-10-binary.tar.gz -C {}`)",
            data_dir.display(),
            data_dir.display()
        ),
    }
}

/// Parse one batch file holding exactly `records` records; `path` names the file in errors.
pub fn parse_batch(bytes: &[u8], records: usize, path: &Path) -> Result<LabelledImages> {
    let bad = |reason: String| Error::BadFile {
        path: path.to_path_buf(),
        reason,
    };
    let want = records * RECORD_BYTES;
    if bytes.len() != want {
        let kind = if bytes.len() < want {
            "truncated"
        } else {
            "too long"
        };
        return Err(bad(format!(
            "{kind} CIFAR-10 batch: {} bytes, expected {want} ({records} records of {RECORD_BYTES} bytes)",
            bytes.len()
        )));
    }
    let mut labels = Vec::with_capacity(records);
    let mut pixels = Vec::with_capacity(records * (RECORD_BYTES - 1));
    for (i, rec) in bytes.chunks_exact(RECORD_BYTES).enumerate() {
        if rec[0] >= 10 {
            return Err(bad(format!(
                "record {i}: label byte {} is not in 0..10 (not a CIFAR-10 binary batch?)",
                rec[0]
            )));
        }
        labels.push(rec[0]);
        pixels.extend_from_slice(&rec[1..]);
    }
    Ok(LabelledImages {
        shape: [3, 32, 32],
        pixels,
        labels,
    })
}

/// Load the canonical CIFAR-10 binary batches from `data_dir/cifar-10-batches-bin/`.
pub fn load(data_dir: &Path) -> Result<ImageSet> {
    load_with(data_dir, RECORDS_PER_FILE)
}

/// Load batches of `records_per_file` records each (the canonical 10000 in [`load`]; smaller in
/// test fixtures). The test-label fingerprint is checked only for the canonical size.
pub fn load_with(data_dir: &Path, records_per_file: usize) -> Result<ImageSet> {
    let dir = data_dir.join(DIR_NAME);
    let all = TRAIN_FILES.iter().chain(std::iter::once(&TEST_FILE));
    if !dir.is_dir() || all.clone().all(|f| !dir.join(f).is_file()) {
        return Err(not_present(data_dir));
    }
    if let Some(f) = all.clone().find(|f| !dir.join(f).is_file()) {
        return Err(Error::NotPresent {
            what: format!("CIFAR-10 file {f}"),
            dir: dir.clone(),
            hint: format!(
                "the folder is incomplete; extract cifar-10-binary.tar.gz (md5 {TARBALL_MD5}) again"
            ),
        });
    }
    let read = |name: &str| -> Result<LabelledImages> {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        parse_batch(&bytes, records_per_file, &path)
    };
    let mut train = LabelledImages {
        shape: [3, 32, 32],
        pixels: Vec::with_capacity(5 * records_per_file * (RECORD_BYTES - 1)),
        labels: Vec::with_capacity(5 * records_per_file),
    };
    for name in TRAIN_FILES {
        let b = read(name)?;
        train.pixels.extend_from_slice(&b.pixels);
        train.labels.extend_from_slice(&b.labels);
    }
    let test = read(TEST_FILE)?;
    if records_per_file == RECORDS_PER_FILE && test.labels[..20] != FIRST_TEST_LABELS {
        return Err(Error::BadFile {
            path: dir.join(TEST_FILE),
            reason: format!(
                "first 20 labels {:?} differ from the canonical test batch's {FIRST_TEST_LABELS:?}",
                &test.labels[..20]
            ),
        });
    }
    Ok(ImageSet { train, test })
}

/// Encode images as CIFAR-10 binary records (used to write test fixtures).
pub fn encode_batch(images: &LabelledImages) -> Vec<u8> {
    let d = images.image_len();
    let mut out = Vec::with_capacity(images.len() * (d + 1));
    for (img, &l) in images.pixels.chunks_exact(d).zip(&images.labels) {
        out.push(l);
        out.extend_from_slice(img);
    }
    out
}
