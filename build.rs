//! Link-time set-up for the optional libtorch back end.
//!
//! `torch-sys` reports where libtorch lives through `DEP_TCH_LIBTORCH_LIB`; we embed it as an rpath
//! so that `sgdc` and the tests run without `LD_LIBRARY_PATH`. With the `cuda` feature we also force
//! `libtorch_cuda` to be linked (it registers the CUDA backend from a static initialiser, so the
//! linker would otherwise drop it as unused). With the `torch` feature we compile `csrc/determinism.cpp`,
//! a shim that switches on libtorch's deterministic algorithms (tch has no binding for them), and
//! `csrc/torchscript.cpp`, which gives TorchScript modules' buffers to the trainer.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=csrc/determinism.cpp");
    println!("cargo:rerun-if-changed=csrc/torchscript.cpp");
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
        #[cfg(feature = "torch")]
        {
            let lib = std::path::Path::new(&lib);
            shim(lib);
            libtorch_version(lib);
        }
    }
    if std::env::var_os("CARGO_FEATURE_CUDA").is_some() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
        println!("cargo:rustc-link-arg=-ltorch_cuda");
        println!("cargo:rustc-link-arg=-Wl,--as-needed");
    }
}

/// Compile the determinism shim against libtorch's headers (next to its `lib/` folder).
#[cfg(feature = "torch")]
fn shim(lib: &std::path::Path) {
    let root = lib.parent().unwrap_or(lib);
    let abi = std::env::var("LIBTORCH_CXX11_ABI").unwrap_or_else(|_| "1".into());
    // determinism.cpp: the determinism switches; torchscript.cpp: TorchScript modules with their
    // buffers (src/model/torchscript.rs).
    for (file, lib_name) in [
        ("csrc/determinism.cpp", "sgdc_determinism"),
        ("csrc/torchscript.cpp", "sgdc_torchscript"),
    ] {
        cc::Build::new()
            .cpp(true)
            .file(file)
            .include(root.join("include"))
            .include(root.join("include/torch/csrc/api/include"))
            .flag("-std=c++17")
            .flag_if_supported("-w")
            .define("_GLIBCXX_USE_CXX11_ABI", abi.as_str())
            .compile(lib_name);
    }
}

/// Export the libtorch version (from the wheel's `version.py`) as `SGDC_LIBTORCH_VERSION`.
#[cfg(feature = "torch")]
fn libtorch_version(lib: &std::path::Path) {
    let file = lib.parent().unwrap_or(lib).join("version.py");
    println!("cargo:rerun-if-changed={}", file.display());
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let version = text
        .lines()
        .find_map(|l| l.strip_prefix("__version__ = "))
        .map(|v| v.trim().trim_matches(|c| c == '\'' || c == '"').to_string());
    if let Some(v) = version {
        println!("cargo:rustc-env=SGDC_LIBTORCH_VERSION={v}");
    }
}
