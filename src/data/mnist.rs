//! Loading MNIST and Fashion-MNIST from their IDX files in the data directory.
//!
//! Every file's SHA-256 is verified on each load (about 55 MB per set; a fraction of a second),
//! so a corrupted or substituted file is always caught and named, without stamp files that could
//! go stale.

use super::fetch::{read_verified, RealSet};
use super::idx::{expect_dims, parse_idx, Idx};
use super::images::{ImageSet, LabelledImages};
use crate::error::{Error, Result};
use std::path::Path;

/// Load `set` (MNIST or Fashion-MNIST) from `data_dir/<set>/`, verifying every file's hash.
pub fn load(set: RealSet, data_dir: &Path) -> Result<ImageSet> {
    let dir = set.dir(data_dir);
    let files = set.files();
    let missing: Vec<&str> = files
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !dir.join(name).is_file())
        .collect();
    if missing.len() == files.len() {
        return Err(set.not_present(data_dir, ""));
    }
    if let Some(name) = missing.first() {
        return Err(set.not_present(data_dir, &format!(" file {}", dir.join(name).display())));
    }
    let read = |i: usize| -> Result<(Idx, std::path::PathBuf)> {
        let path = dir.join(files[i].0);
        let bytes = read_verified(&path, files[i].1)?;
        Ok((parse_idx(&bytes, &path)?, path))
    };
    let train = pair(read(0)?, read(1)?)?;
    let test = pair(read(2)?, read(3)?)?;
    Ok(ImageSet { train, test })
}

/// Combine an image file and a label file, checking their dimensions agree.
pub fn pair(
    (images, ipath): (Idx, std::path::PathBuf),
    (labels, lpath): (Idx, std::path::PathBuf),
) -> Result<LabelledImages> {
    let bad = |path: &Path, reason: String| Error::BadFile {
        path: path.to_path_buf(),
        reason,
    };
    expect_dims(&images, 3, "images", &ipath)?;
    expect_dims(&labels, 1, "labels", &lpath)?;
    if labels.dims[0] != images.dims[0] {
        return Err(bad(
            &lpath,
            format!(
                "{} labels but {} has {} images",
                labels.dims[0],
                ipath.display(),
                images.dims[0]
            ),
        ));
    }
    if let Some((i, &v)) = labels.data.iter().enumerate().find(|(_, &v)| v >= 10) {
        return Err(bad(
            &lpath,
            format!("label {v} at index {i} is not in 0..10"),
        ));
    }
    Ok(LabelledImages {
        shape: [1, images.dims[1], images.dims[2]],
        pixels: images.data,
        labels: labels.data,
    })
}
