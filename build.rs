//! Link-time set-up for the optional libtorch back end.
//!
//! `torch-sys` reports where libtorch lives through `DEP_TCH_LIBTORCH_LIB`; we embed it as an rpath
//! so that `sgdc` and the tests run without `LD_LIBRARY_PATH`. With the `cuda` feature we also force
//! `libtorch_cuda` to be linked (it registers the CUDA backend from a static initialiser, so the
//! linker would otherwise drop it as unused).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    }
    if std::env::var_os("CARGO_FEATURE_CUDA").is_some() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
        println!("cargo:rustc-link-arg=-ltorch_cuda");
        println!("cargo:rustc-link-arg=-Wl,--as-needed");
    }
}
