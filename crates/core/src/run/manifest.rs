//! The run manifest: everything needed to say where a result came from.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Started, not finished (may be resumed).
    Running,
    /// Finished; every file of the run folder is final.
    Complete,
    /// Stopped by an error (the message is in `error`).
    Failed,
}

/// `manifest.json` of a run folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Version of this crate.
    pub sgdc_version: String,
    /// Run status.
    pub status: RunStatus,
    /// Master seed.
    pub seed: u64,
    /// Seeds derived from the master seed, by stream name.
    pub derived_seeds: BTreeMap<String, u64>,
    /// The resolved configuration (as JSON).
    pub config: serde_json::Value,
    /// Versions of the libraries that computed the result (e.g. `tch`, `libtorch`).
    pub versions: BTreeMap<String, String>,
    /// Device description (e.g. `cpu`, `cuda:0 NVIDIA H100`).
    pub device: String,
    /// Intra-op thread count used by libtorch.
    pub threads: usize,
    /// Environment settings that affect numerics (e.g. `MKL_CBWR`, determinism flags).
    pub numerics: BTreeMap<String, String>,
    /// Git commit of the code, if known.
    pub git_commit: Option<String>,
    /// Whether the work tree had uncommitted changes.
    pub git_dirty: Option<bool>,
    /// SHA-256 over all recorded predictions (see `RunRecord::prediction_hash`).
    pub prediction_hash: Option<String>,
    /// Wall-clock seconds spent training (excluding set-up).
    pub train_seconds: Option<f64>,
    /// Error message when the run failed.
    pub error: Option<String>,
    /// The user's own files the run read (`[data.files]`, a TorchScript `[model] path`), by
    /// configuration key, with their SHA-256; empty (and absent) for built-in tasks and networks.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, FileRecord>,
}

/// The version of the run-folder format (docs/run-folder.md) that this build writes and the
/// newest it reads; `manifest.json` holds it as `format_version` (absent: version 1).
pub const FORMAT_VERSION: u32 = 1;

/// The key of the format version in `manifest.json`.
const VERSION_KEY: &str = "format_version";

/// A file a run read, and its contents' SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// The path as resolved (absolute).
    pub path: String,
    /// SHA-256 of its contents, hex.
    pub sha256: String,
}

/// The environment variables that choose the CPU kernels libtorch, oneDNN and MKL run (see
/// `train::numerics`): a run made under other values gives other bits.
pub const KERNEL_VARS: [&str; 3] = ["MKL_CBWR", "ATEN_CPU_CAPABILITY", "DNNL_MAX_CPU_ISA"];

/// The [`KERNEL_VARS`] as now set in the process environment (`unset` where absent).
pub fn kernel_settings() -> BTreeMap<String, String> {
    KERNEL_VARS
        .into_iter()
        .map(|k| {
            let v = std::env::var(k).unwrap_or_else(|_| "unset".into());
            (k.to_string(), v)
        })
        .collect()
}

/// The CPU's vendor (`GenuineIntel`, `AuthenticAMD`, ...; the architecture's name on CPUs
/// without CPUID). The same kernel pins give other bits on another vendor's CPUs (MKL takes
/// other code paths there; docs/train.md, "Numerics"), so results pinned bit for bit are kept
/// per vendor.
pub fn cpu_vendor() -> String {
    #[cfg(target_arch = "x86_64")]
    {
        // CPUID leaf 0 names the vendor in EBX, EDX, ECX.
        let r = std::arch::x86_64::__cpuid(0);
        let bytes: Vec<u8> = [r.ebx, r.edx, r.ecx]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        let v: String = String::from_utf8_lossy(&bytes)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        if !v.is_empty() {
            return v;
        }
    }
    std::env::consts::ARCH.to_string()
}

/// The kernel variables whose recorded value differs from `now`, each as `KEY=then then, now
/// now`. Only the [`KERNEL_VARS`] that `recorded` holds are compared (records of earlier builds
/// lack some).
pub fn kernel_differences(
    recorded: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
) -> Vec<String> {
    KERNEL_VARS
        .into_iter()
        .filter_map(|k| {
            let then = recorded.get(k)?;
            let current = now.get(k).map_or("unset", String::as_str);
            (then != current).then(|| format!("{k}={then} then, {current} now"))
        })
        .collect()
}

impl Manifest {
    /// Write the manifest to `dir/manifest.json` atomically, with the key `format_version`
    /// ([`FORMAT_VERSION`]) beside the fields.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let path = dir.join("manifest.json");
        let bad = |e: serde_json::Error| Error::BadFile {
            path: path.clone(),
            reason: e.to_string(),
        };
        let mut value = serde_json::to_value(self).map_err(bad)?;
        if let Some(o) = value.as_object_mut() {
            o.insert(VERSION_KEY.into(), FORMAT_VERSION.into());
        }
        let bytes = serde_json::to_vec_pretty(&value).map_err(bad)?;
        super::atomic::write_atomic(&path, &bytes)
    }

    /// Read `dir/manifest.json`. A manifest without `format_version` is version 1; one of a
    /// newer version than [`FORMAT_VERSION`] is refused (its files may mean something else).
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join("manifest.json");
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let bad = |reason: String| Error::BadFile {
            path: path.clone(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| bad(format!("invalid manifest: {e}")))?;
        let version = match value.get(VERSION_KEY) {
            None => 1,
            Some(v) => v.as_u64().ok_or_else(|| {
                bad(format!(
                    "invalid manifest: {VERSION_KEY} {v} is not a positive integer"
                ))
            })?,
        };
        if version > u64::from(FORMAT_VERSION) {
            return Err(bad(format!(
                "run-folder format version {version} is newer than this build reads ({FORMAT_VERSION}); update sgd-complexity to read it"
            )));
        }
        serde_json::from_value(value).map_err(|e| bad(format!("invalid manifest: {e}")))
    }
}

/// The git commit and dirty flag of the source tree the binary was run from, when git is
/// available (best effort: `None` when not in a repository).
pub fn git_state() -> (Option<String>, Option<bool>) {
    let dir = env!("CARGO_MANIFEST_DIR");
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(["-C", dir])
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = run(&["rev-parse", "HEAD"]);
    let dirty = commit
        .as_ref()
        .and_then(|_| run(&["status", "--porcelain", "--untracked-files=no"]))
        .map(|s| !s.is_empty());
    (commit, dirty)
}

#[cfg(test)]
mod kernel_tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn only_recorded_kernel_variables_are_compared() {
        let now = map(&[
            ("MKL_CBWR", "AVX2,STRICT"),
            ("ATEN_CPU_CAPABILITY", "avx2"),
            ("DNNL_MAX_CPU_ISA", "AVX2"),
        ]);
        // An earlier build recorded MKL_CBWR only, and other numerics keys that are not compared.
        let old = map(&[("MKL_CBWR", "AVX2,STRICT"), ("dtype", "float32")]);
        assert!(kernel_differences(&old, &now).is_empty());
        let other = map(&[
            ("MKL_CBWR", "AVX2,STRICT"),
            ("ATEN_CPU_CAPABILITY", "avx512"),
            ("DNNL_MAX_CPU_ISA", "AVX2"),
        ]);
        assert_eq!(
            kernel_differences(&other, &now),
            vec!["ATEN_CPU_CAPABILITY=avx512 then, avx2 now".to_string()]
        );
        let unset = map(&[("DNNL_MAX_CPU_ISA", "unset")]);
        assert_eq!(kernel_differences(&unset, &map(&[])), Vec::<String>::new());
        assert_eq!(
            kernel_differences(&map(&[("DNNL_MAX_CPU_ISA", "AVX2")]), &map(&[])),
            vec!["DNNL_MAX_CPU_ISA=AVX2 then, unset now".to_string()]
        );
    }
}

#[cfg(test)]
mod version_tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            sgdc_version: "test".into(),
            status: RunStatus::Complete,
            seed: 1,
            derived_seeds: BTreeMap::new(),
            config: serde_json::json!({}),
            versions: BTreeMap::new(),
            device: "cpu".into(),
            threads: 1,
            numerics: BTreeMap::new(),
            git_commit: None,
            git_dirty: None,
            prediction_hash: None,
            train_seconds: None,
            error: None,
            files: BTreeMap::new(),
        }
    }

    #[test]
    fn version_is_written_absent_means_one_and_newer_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let m = manifest();
        m.save(dir.path()).unwrap();
        let path = dir.path().join("manifest.json");
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(v[VERSION_KEY], serde_json::json!(FORMAT_VERSION));
        assert_eq!(Manifest::load(dir.path()).unwrap(), m);
        // Folders written before the version existed still read.
        v.as_object_mut().unwrap().remove(VERSION_KEY);
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        assert_eq!(Manifest::load(dir.path()).unwrap(), m);
        v[VERSION_KEY] = serde_json::json!(FORMAT_VERSION + 1);
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        let err = Manifest::load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("manifest.json") && err.contains("newer"),
            "{err}"
        );
    }
}
