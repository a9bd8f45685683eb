//! Fuzzing every reader of outside bytes on stable Rust: proptest feeds each reader arbitrary
//! bytes and mutations of the valid files in `tests/fuzz/corpus/<reader>/` (bit flips,
//! insertions, deletions, truncations, 64-bit values such as 2^60 written over the data, numbers
//! in the text replaced by huge ones). A reader may reject an input, never panic, hang or
//! allocate without bound: a global allocator in this test binary refuses any single allocation
//! above 256 MiB (the process then aborts, failing the run), so a declared length of 2^60 must be
//! caught before anything is allocated for it.
//!
//! `SGDC_FUZZ_CASES` sets the executions per reader (default 300, a few seconds in `just test`);
//! `just fuzz` runs 100,000 per reader, over 1,000,000 in all. Each test prints its count.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Largest single allocation any reader may make on these small inputs.
const CAP: usize = 256 << 20;

struct Capped;

// SAFETY: every call is forwarded to the system allocator unchanged, except that requests
// above `CAP` get a null pointer (an allocation failure), which the allocator contract allows.
unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if l.size() > CAP {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        if l.size() > CAP {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if new > CAP {
            return std::ptr::null_mut();
        }
        unsafe { System.realloc(p, l, new) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static ALLOC: Capped = Capped;

/// The longest any reader may take on one input (far above the microseconds they need).
const SLOW: Duration = Duration::from_secs(2);

fn cases() -> u32 {
    std::env::var("SGDC_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// The valid seed files of one reader, by name.
fn corpus(reader: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/corpus")
        .join(reader);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let p = e.expect("corpus entry").path();
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, std::fs::read(&p).expect("corpus file"))
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no corpus in {}", dir.display());
    out
}

/// One edit of a byte string.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
    /// Write a 64-bit value (little or big endian) at a position.
    Word(usize, u64, bool),
    /// Replace the run of ASCII digits at or after a position by a huge number.
    HugeNumber(usize, &'static str),
}

fn edit() -> impl Strategy<Value = Edit> {
    let word = prop_oneof![
        Just(1u64 << 60),
        Just(u64::MAX),
        Just(0u64),
        Just(u32::MAX as u64),
        any::<u64>()
    ];
    let huge = prop_oneof![
        Just("1152921504606846976"),
        Just("18446744073709551616"),
        Just("-1"),
        Just("1e308"),
        Just("nan"),
        Just("99999999999999999999999999999")
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Flip(p, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Insert(p, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), word, any::<bool>()).prop_map(|(p, w, le)| Edit::Word(p, w, le)),
        (any::<usize>(), huge).prop_map(|(p, h)| Edit::HugeNumber(p, h)),
    ]
}

fn apply(bytes: &mut Vec<u8>, e: &Edit) {
    let at = |p: usize, len: usize| if len == 0 { 0 } else { p % len };
    match *e {
        Edit::Flip(p, b) if !bytes.is_empty() => {
            let i = at(p, bytes.len());
            bytes[i] ^= b.max(1);
        }
        Edit::Insert(p, b) => {
            let i = at(p, bytes.len() + 1);
            bytes.insert(i, b);
        }
        Edit::Delete(p) if !bytes.is_empty() => {
            let i = at(p, bytes.len());
            bytes.remove(i);
        }
        Edit::Truncate(p) => {
            let i = at(p, bytes.len() + 1);
            bytes.truncate(i);
        }
        Edit::Word(p, w, le) => {
            let b = if le { w.to_le_bytes() } else { w.to_be_bytes() };
            let i = at(p, bytes.len() + 1);
            for (k, v) in b.iter().enumerate() {
                match bytes.get_mut(i + k) {
                    Some(x) => *x = *v,
                    None => bytes.push(*v),
                }
            }
        }
        Edit::HugeNumber(p, h) => {
            let start = at(p, bytes.len() + 1);
            let Some(i) = (start..bytes.len()).find(|&i| bytes[i].is_ascii_digit()) else {
                return;
            };
            let end = (i..bytes.len())
                .find(|&k| !bytes[k].is_ascii_digit())
                .unwrap_or(bytes.len());
            bytes.splice(i..end, h.bytes());
        }
        _ => {}
    }
}

/// Arbitrary bytes, or a corpus file (index into `seeds`) with a few edits.
fn input(seeds: usize) -> impl Strategy<Value = (usize, Vec<u8>, Vec<Edit>)> {
    prop_oneof![
        1 => vec(any::<u8>(), 0..600).prop_map(|b| (usize::MAX, b, Vec::new())),
        4 => (0..seeds, vec(edit(), 0..6)).prop_map(|(i, e)| (i, Vec::new(), e)),
    ]
}

/// Run `read` on `SGDC_FUZZ_CASES` inputs built from the corpus of `reader`; `read` gets the
/// bytes and the name of the seed they came from (`""` for arbitrary bytes).
fn fuzz(reader: &str, read: impl FnMut(&[u8], &str)) {
    let seeds = corpus(reader);
    let n = cases();
    let mut runner = TestRunner::new(Config {
        cases: n,
        failure_persistence: None,
        ..Config::default()
    });
    let read = RefCell::new(read);
    let executions = Cell::new(0u64);
    let result = runner.run(&input(seeds.len()), |(i, raw, edits)| {
        let (bytes, name) = match seeds.get(i) {
            Some((name, seed)) => {
                let mut b = seed.clone();
                for e in &edits {
                    apply(&mut b, e);
                }
                (b, name.as_str())
            }
            None => (raw, ""),
        };
        let t0 = Instant::now();
        (read.borrow_mut())(&bytes, name);
        executions.set(executions.get() + 1);
        prop_assert!(t0.elapsed() < SLOW, "{} took {:?}", reader, t0.elapsed());
        Ok(())
    });
    println!("fuzz {reader}: {} executions", executions.get());
    if let Err(e) = result {
        panic!("fuzz {reader}: {e}");
    }
}

/// A scratch folder for readers that take a path.
fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

fn put(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write input");
    p
}

#[test]
fn fuzz_npy_of_run_folders() {
    let d = scratch();
    fuzz("npy", |b, _| {
        let p = put(d.path(), "a.npy", b);
        let _ = sgd_complexity::run::npy::read::<u8>(&p);
        let _ = sgd_complexity::run::npy::read::<i64>(&p);
    });
}

#[test]
fn fuzz_npy_inputs_of_own_data_sets() {
    let d = scratch();
    fuzz("npy", |b, _| {
        let p = put(d.path(), "x.npy", b);
        let _ = sgd_complexity::data::files::read_inputs(&p);
    });
}

#[test]
fn fuzz_npy_labels() {
    let d = scratch();
    fuzz("npy", |b, _| {
        let p = put(d.path(), "f.npy", b);
        let _ = sgd_complexity::info::input::read_labels(&p.display().to_string());
    });
}

#[test]
fn fuzz_text_labels() {
    let d = scratch();
    fuzz("labels-text", |b, _| {
        let p = put(d.path(), "f.txt", b);
        let _ = sgd_complexity::info::input::read_labels(&p.display().to_string());
    });
}

#[test]
fn fuzz_csv_and_tsv_columns() {
    let d = scratch();
    fuzz("labels-csv", |b, _| {
        for (name, col) in [("f.csv", "label"), ("f.tsv", "label"), ("g.csv", "1")] {
            let p = put(d.path(), name, b);
            let _ = sgd_complexity::info::input::read_labels(&format!("{}:{col}", p.display()));
        }
    });
}

#[test]
fn fuzz_idx() {
    fuzz("idx", |b, _| {
        let _ = sgd_complexity::data::idx::parse_idx(b, Path::new("f-idx"));
    });
}

#[test]
fn fuzz_cifar_binary() {
    fuzz("cifar", |b, _| {
        for records in [0, 1, 2, 1 << 40] {
            let _ = sgd_complexity::data::cifar::parse_batch(b, records, Path::new("f.bin"));
        }
    });
}

#[cfg(feature = "torch")]
#[test]
fn fuzz_training_toml() {
    fuzz("train-toml", |b, _| {
        let text = String::from_utf8_lossy(b);
        if let Ok(c) = sgd_complexity::train::TrainConfig::from_toml(&text, "f.toml") {
            let _ = c.check();
        }
    });
}

#[test]
fn fuzz_experiment_toml() {
    let d = scratch();
    fuzz("experiment-toml", |b, _| {
        let p = put(d.path(), "e.toml", b);
        if let Ok(e) = sgd_complexity::verify::experiment::Experiment::load(&p) {
            use sgd_complexity::verify::experiment::Tier;
            let _ = sgd_complexity::verify::runs::plan(&e, Tier::Quick, None);
        }
    });
}

#[test]
fn fuzz_sweep_toml() {
    fuzz("sweep-toml", |b, _| {
        let text = String::from_utf8_lossy(b);
        if let Ok(s) = sgd_complexity::theory::SweepSpec::from_toml(&text, Path::new("s.toml")) {
            let _ = s.check();
        }
    });
}

/// A valid run folder with one of its files replaced by the fuzzed bytes (arbitrary bytes go to
/// a file chosen by their length), read as `sgdc report` and `sgdc verify` read it.
#[test]
fn fuzz_run_folder_files() {
    let d = scratch();
    let files = corpus("run-folder");
    for (name, bytes) in &files {
        put(d.path(), name, bytes);
    }
    fuzz("run-folder", |b, seed| {
        let name = if seed.is_empty() {
            files[b.len() % files.len()].0.as_str()
        } else {
            seed
        };
        put(d.path(), name, b);
        let _ = sgd_complexity::run::Manifest::load(d.path());
        let _ = sgd_complexity::run::RunRecord::load(d.path());
        let _ = sgd_complexity::verify::runs::inspect(d.path());
        if let Some((_, orig)) = files.iter().find(|(n, _)| n == name) {
            put(d.path(), name, orig);
        }
    });
}

/// A `.npy` header declaring `shape` over `data`.
fn npy_declaring(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
    let mut h = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(data);
    out
}

/// Declared lengths of 2^60 and more (and products that overflow) are errors, with nothing
/// allocated for them (the capped allocator would abort).
#[test]
fn huge_declared_lengths_are_errors() {
    let d = scratch();
    for shape in [
        "(1152921504606846976,)",
        "(1152921504606846976, 1152921504606846976)",
        "(1152921504606846976, 1152921504606846976, 0)",
        "(4294967296, 4294967296, 4294967296)",
    ] {
        for descr in ["|u1", "<i8"] {
            let p = put(d.path(), "h.npy", &npy_declaring(descr, shape, &[1, 0, 1]));
            let spec = p.display().to_string();
            assert!(
                sgd_complexity::info::input::read_labels(&spec).is_err(),
                "{shape} {descr}"
            );
            let r = sgd_complexity::run::npy::read::<u8>(&p);
            assert!(r.is_err() || r.is_ok_and(|(v, _)| v.is_empty()), "{shape}");
        }
    }
    // A version-2 header declaring 4 GiB of header text in a 20-byte file.
    let mut v2 = b"\x93NUMPY\x02\x00".to_vec();
    v2.extend_from_slice(&u32::MAX.to_le_bytes());
    v2.extend_from_slice(b"{'descr'");
    let p = put(d.path(), "v2.npy", &v2);
    assert!(sgd_complexity::info::input::read_labels(&p.display().to_string()).is_err());
    assert!(sgd_complexity::run::npy::read::<u8>(&p).is_err());
    let mut idx = vec![0, 0, 8, 3];
    for _ in 0..3 {
        idx.extend_from_slice(&u32::MAX.to_be_bytes());
    }
    assert!(sgd_complexity::data::idx::parse_idx(&idx, Path::new("h-idx")).is_err());
}
