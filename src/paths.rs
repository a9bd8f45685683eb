//! File paths inside configuration files, and the fingerprints of the files they name.
//!
//! A training configuration or an experiment file may name files of the user's own: the arrays
//! of a `task = "files"` data set (`[data.files]`) and a TorchScript network (`[model] path`).
//! A relative path there is relative to the folder of the file that names it, not to the working
//! directory, so a configuration keeps working wherever `sgdc` is started from.
//! [`resolve_config_paths`] makes those paths absolute when the file is read; the run folder's
//! `config.toml` therefore names exactly the files the run read, and each file's SHA-256 goes into
//! the run manifest ([`config_files`], [`sha256_file`]).

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The keys of `[data.files]` that name files.
pub const DATA_FILE_KEYS: [&str; 4] = ["train_x", "train_y", "test_x", "test_y"];

/// `path` made absolute against `base` (the folder of the file that names it) when it is
/// relative; an absolute path is returned unchanged.
pub fn resolve(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    let joined = base.join(path);
    std::path::absolute(&joined).unwrap_or(joined)
}

/// The folder a configuration file's relative paths are relative to.
pub fn base_of(config_file: &Path) -> PathBuf {
    match config_file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Make the file paths of a training configuration table (`data.files.*` and, for
/// `model.kind = "torchscript"`, `model.path`) absolute against `base`. Tables without such
/// keys are left unchanged; values of the wrong type are left for the configuration's own
/// checks to report.
pub fn resolve_config_paths(train: &mut toml::Table, base: &Path) {
    let fix = |v: &mut toml::Value| {
        if let toml::Value::String(s) = v {
            *s = resolve(base, Path::new(s.as_str())).display().to_string();
        }
    };
    if let Some(toml::Value::Table(files)) = train
        .get_mut("data")
        .and_then(|d| d.as_table_mut())
        .and_then(|d| d.get_mut("files"))
    {
        for key in DATA_FILE_KEYS {
            if let Some(v) = files.get_mut(key) {
                fix(v);
            }
        }
    }
    if let Some(model) = train.get_mut("model").and_then(|m| m.as_table_mut()) {
        if model.get("kind").and_then(|k| k.as_str()) == Some("torchscript") {
            if let Some(v) = model.get_mut("path") {
                fix(v);
            }
        }
    }
}

/// The user files a training configuration table names, as (role, path) pairs in a fixed order:
/// `data.files.train_x`, ..., `model.path`.
pub fn config_files(train: &toml::Table) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    if let Some(files) = train
        .get("data")
        .and_then(|d| d.get("files"))
        .and_then(|f| f.as_table())
    {
        for key in DATA_FILE_KEYS {
            if let Some(p) = files.get(key).and_then(|v| v.as_str()) {
                out.push((format!("data.files.{key}"), PathBuf::from(p)));
            }
        }
    }
    if let Some(model) = train.get("model").and_then(|m| m.as_table()) {
        if model.get("kind").and_then(|k| k.as_str()) == Some("torchscript") {
            if let Some(p) = model.get("path").and_then(|v| v.as_str()) {
                out.push(("model.path".into(), PathBuf::from(p)));
            }
        }
    }
    out
}

/// SHA-256 of a file's contents, hex-encoded, read in blocks.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:x}", h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_against_the_config_folder() {
        let mut t: toml::Table = toml::from_str(
            r#"
[data]
task = "files"
files = { train_x = "a/x.npy", train_y = "/abs/y.npy", test_x = "x.npy", test_y = "y.npy" }
[model]
kind = "torchscript"
path = "net.pt"
"#,
        )
        .unwrap();
        let base = Path::new("/some/where");
        resolve_config_paths(&mut t, base);
        let files = config_files(&t);
        assert_eq!(files.len(), 5);
        assert_eq!(files[0].1, PathBuf::from("/some/where/a/x.npy"));
        assert_eq!(files[1].1, PathBuf::from("/abs/y.npy"));
        assert_eq!(files[4], ("model.path".into(), "/some/where/net.pt".into()));
        // Applying it twice changes nothing.
        let before = t.clone();
        resolve_config_paths(&mut t, Path::new("/elsewhere"));
        assert_eq!(t, before);
    }

    #[test]
    fn other_models_keep_their_fields() {
        let mut t: toml::Table = toml::from_str("[model]\nkind = \"mlp\"\npath = \"x\"\n").unwrap();
        resolve_config_paths(&mut t, Path::new("/b"));
        assert_eq!(t["model"]["path"].as_str(), Some("x"));
        assert!(config_files(&t).is_empty());
    }
}
