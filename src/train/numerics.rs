//! Process-wide numerical settings that make runs reproducible, and the device choice.
//!
//! - `MKL_CBWR=AVX2,STRICT` (set when unset, before libtorch's first GEMM): MKL results that do not
//!   depend on the thread count.
//! - `ATEN_CPU_CAPABILITY=avx2` and `DNNL_MAX_CPU_ISA=AVX2` (set when unset, on x86-64 CPUs with
//!   AVX2 and FMA only): libtorch's vectorised kernels and oneDNN's convolutions use the same
//!   instruction set on every such CPU. Without them an AVX-512 CPU takes other code paths, whose
//!   sums run in another order: the same seed then gives other bits there than on an AVX2 CPU.
//! - `CUBLAS_WORKSPACE_CONFIG=:4096:8` (set when unset, before CUDA is touched): deterministic
//!   cuBLAS.
//! - libtorch's deterministic algorithms and deterministic cuDNN on, cuDNN benchmarking off, via
//!   a small C++ shim (`csrc/determinism.cpp`), since tch has no binding for them.
//!
//! Every setting is returned by [`settings`] and recorded in the run manifest.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Once;

/// The `MKL_CBWR` value used when the environment does not set one.
pub const MKL_CBWR_DEFAULT: &str = "AVX2,STRICT";
/// The `CUBLAS_WORKSPACE_CONFIG` value used when the environment does not set one.
pub const CUBLAS_WORKSPACE_DEFAULT: &str = ":4096:8";
/// The `ATEN_CPU_CAPABILITY` value used when unset on a CPU with AVX2 and FMA.
pub const ATEN_CPU_CAPABILITY_DEFAULT: &str = "avx2";
/// The `DNNL_MAX_CPU_ISA` value used when unset on a CPU with AVX2 and FMA.
pub const DNNL_MAX_CPU_ISA_DEFAULT: &str = "AVX2";

/// The process-environment variables [`init_env`] sets when they are unset, with their values.
/// The kernel pins are left out on CPUs without AVX2 and FMA (where asking libtorch for AVX2
/// kernels would stop the process on an illegal instruction); to use a CPU's widest kernels
/// instead, set them yourself, e.g. `ATEN_CPU_CAPABILITY=avx512 DNNL_MAX_CPU_ISA=ALL` (runs are
/// then reproducible on that kind of CPU only; the manifest records the values in effect).
pub fn env_defaults() -> Vec<(&'static str, &'static str)> {
    let mut defaults = vec![
        ("MKL_CBWR", MKL_CBWR_DEFAULT),
        ("CUBLAS_WORKSPACE_CONFIG", CUBLAS_WORKSPACE_DEFAULT),
    ];
    if cpu_has_avx2() {
        defaults.push(("ATEN_CPU_CAPABILITY", ATEN_CPU_CAPABILITY_DEFAULT));
        defaults.push(("DNNL_MAX_CPU_ISA", DNNL_MAX_CPU_ISA_DEFAULT));
    }
    defaults
}

/// Whether the CPU has AVX2 and FMA (the level the kernels are pinned to).
fn cpu_has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The widest vector instruction set of the CPU, for the manifest (`avx512f`, `avx2`, `baseline`
/// on x86-64; the architecture's name elsewhere).
pub fn cpu_vector_isa() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            "avx512f"
        } else if cpu_has_avx2() {
            "avx2"
        } else {
            "baseline"
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        std::env::consts::ARCH
    }
}

extern "C" {
    fn sgdc_set_deterministic(on: i32) -> i32;
    fn sgdc_determinism_state() -> i32;
}

static ENV_ONCE: Once = Once::new();

/// Set the variables of [`env_defaults`] (`MKL_CBWR`, `CUBLAS_WORKSPACE_CONFIG` and the CPU
/// kernel pins) in the process environment where unset. Call it before the first libtorch
/// operation (the `sgdc` binary does so first thing; tests in their set-up); later calls do
/// nothing. MKL, libtorch and oneDNN each read their variable once, at their first use.
pub fn init_env() {
    ENV_ONCE.call_once(|| {
        for (key, value) in env_defaults() {
            if std::env::var_os(key).is_none() {
                std::env::set_var(key, value);
            }
        }
    });
}

/// Switch libtorch's deterministic algorithms and deterministic cuDNN on, benchmarking off.
pub fn set_deterministic() -> Result<()> {
    init_env();
    // SAFETY: plain C functions without arguments that point anywhere; they catch C++ exceptions.
    let rc = unsafe { sgdc_set_deterministic(1) };
    if rc != 0 {
        return Err(Error::Torch(
            "could not switch on deterministic algorithms".into(),
        ));
    }
    tch::Cuda::cudnn_set_benchmark(false);
    Ok(())
}

/// The compute device of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    /// The CPU (default).
    #[default]
    Cpu,
    /// The first CUDA device.
    Cuda,
}

impl std::str::FromStr for Device {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda),
            other => Err(Error::param("device", other, "must be cpu or cuda")),
        }
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Device::Cpu => "cpu",
            Device::Cuda => "cuda",
        })
    }
}

impl Device {
    /// The tch device, or an error when CUDA is asked for but not available.
    pub fn tch(self) -> Result<tch::Device> {
        match self {
            Device::Cpu => Ok(tch::Device::Cpu),
            Device::Cuda => {
                init_env();
                if !tch::Cuda::is_available() {
                    let why = if cfg!(feature = "cuda") {
                        "no CUDA device is visible (check the driver and CUDA_VISIBLE_DEVICES)"
                    } else {
                        "this build has no CUDA support (build with `--features cuda`)"
                    };
                    return Err(Error::param("device", "cuda", why));
                }
                Ok(tch::Device::Cuda(0))
            }
        }
    }

    /// Description for the manifest, e.g. `cpu` or `cuda:0 (1 device(s), cuDNN 91000)`.
    pub fn describe(self) -> String {
        match self {
            Device::Cpu => "cpu".into(),
            Device::Cuda => format!(
                "cuda:0 ({} device(s), cuDNN {})",
                tch::Cuda::device_count(),
                tch::utils::version_cudnn()
            ),
        }
    }
}

/// Set libtorch's intra-op thread count when given; returns the count in effect.
pub fn set_threads(threads: Option<usize>) -> Result<usize> {
    if let Some(n) = threads {
        if n == 0 || n > 1024 {
            return Err(Error::param("threads", n, "must be between 1 and 1024"));
        }
        tch::set_num_threads(n as i32);
    }
    Ok(tch::get_num_threads().max(1) as usize)
}

/// The numerics-relevant settings now in effect, for the manifest.
pub fn settings() -> BTreeMap<String, String> {
    let env = |k: &str| std::env::var(k).unwrap_or_else(|_| "unset".into());
    // SAFETY: reads three flags of libtorch's global context.
    let state = unsafe { sgdc_determinism_state() };
    let flag = |bit: i32| (state & bit != 0).to_string();
    let mut all = crate::run::kernel_settings();
    all.extend([
        ("cpu_vector_isa".to_string(), cpu_vector_isa().to_string()),
        ("cpu_vendor".to_string(), crate::run::cpu_vendor()),
        (
            "CUBLAS_WORKSPACE_CONFIG".to_string(),
            env("CUBLAS_WORKSPACE_CONFIG"),
        ),
        ("deterministic_algorithms".to_string(), flag(1)),
        ("deterministic_cudnn".to_string(), flag(2)),
        ("cudnn_benchmark".to_string(), flag(4)),
        ("dtype".to_string(), "float32".to_string()),
    ]);
    all
}

/// Versions of the numerical libraries, for the manifest.
pub fn versions() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("tch".to_string(), "0.24.0".to_string()),
        (
            "libtorch".to_string(),
            option_env!("SGDC_LIBTORCH_VERSION")
                .unwrap_or("unknown")
                .to_string(),
        ),
        ("sgdc".to_string(), env!("CARGO_PKG_VERSION").to_string()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pin_the_kernels_only_where_the_cpu_has_avx2() {
        let keys: Vec<&str> = env_defaults().iter().map(|(k, _)| *k).collect();
        assert!(keys.contains(&"MKL_CBWR"));
        assert_eq!(keys.contains(&"ATEN_CPU_CAPABILITY"), cpu_has_avx2());
        assert_eq!(keys.contains(&"DNNL_MAX_CPU_ISA"), cpu_has_avx2());
    }

    #[test]
    fn init_env_leaves_every_default_set_and_the_manifest_records_it() {
        init_env();
        let recorded = settings();
        for (key, _) in env_defaults() {
            assert!(std::env::var_os(key).is_some(), "{key} is unset");
            if let Some(v) = recorded.get(key) {
                assert_ne!(v, "unset", "{key} recorded as unset");
            }
        }
        assert_eq!(recorded["cpu_vector_isa"], cpu_vector_isa());
    }
}
