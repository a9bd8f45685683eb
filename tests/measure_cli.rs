//! `sgdc measure` end to end: outputs on good input, exit status 2 and a one-line error naming
//! the file and the problem on every kind of bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

fn sgdc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sgdc"))
        .arg("measure")
        .args(args)
        .output()
        .expect("run sgdc");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, body: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write test file");
    p
}

fn text(dir: &Path, name: &str, labels: &[i64]) -> String {
    let body: String = labels.iter().map(|v| format!("{v}\n")).collect();
    write(dir, name, body.as_bytes()).display().to_string()
}

/// A version 1.0 .npy file with the given dtype descr, shape and raw little-endian data.
fn npy_bytes(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let shape_s = match shape {
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_s}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

fn npy_i64(dir: &Path, name: &str, shape: &[usize], v: &[i64]) -> String {
    let data: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    write(dir, name, &npy_bytes("<i8", shape, &data))
        .display()
        .to_string()
}

fn npy_u8(dir: &Path, name: &str, shape: &[usize], v: &[u8]) -> String {
    write(dir, name, &npy_bytes("|u1", shape, v))
        .display()
        .to_string()
}

/// Expect exit status 2 and a single stderr line containing every `needle`.
fn expect_input_error(args: &[&str], needles: &[&str]) {
    let (code, out, err) = sgdc(args);
    assert_eq!(code, 2, "args {args:?}: stdout {out:?} stderr {err:?}");
    assert!(out.is_empty(), "no numbers on bad input: {out:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "stderr {err:?} lacks {n:?}");
    }
}

const F: [i64; 8] = [0, 1, 1, 0, 1, 0, 0, 1];
const L: [i64; 8] = [0, 1, 0, 0, 1, 1, 0, 1];
const Y: [i64; 8] = [0, 1, 1, 0, 1, 0, 1, 1];

#[test]
fn json_output_has_the_documented_keys() {
    let d = tempfile::tempdir().expect("tempdir");
    let (f, l, y) = (
        text(d.path(), "f.txt", &F),
        text(d.path(), "l.txt", &L),
        text(d.path(), "y.txt", &Y),
    );
    let (code, out, err) = sgdc(&[
        "--f",
        &f,
        "--l",
        &l,
        "--y",
        &y,
        "--json",
        "--bootstrap",
        "50",
        "--null",
        "50",
        "--seed",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    for k in [
        "n",
        "i_fy",
        "i_ly",
        "i_fl",
        "i_fy_given_l",
        "i_ly_given_f",
        "mu",
    ] {
        assert!(v.get(k).is_some(), "missing {k}: {out}");
    }
    assert_eq!(v["n"], 8);
    let mu = v["mu"].as_f64().expect("mu");
    let d_mu = v["i_fy"].as_f64().expect("i_fy") - v["i_fy_given_l"].as_f64().expect("cmi");
    assert!((mu - d_mu).abs() < 1e-12);
    let ci = v["ci"]["mu"].as_array().expect("ci");
    assert_eq!(ci.len(), 2);
    assert!(v["null"]["p_value"].as_f64().is_some());
    // The same seed gives the same output.
    let (_, again, _) = sgdc(&[
        "--f",
        &f,
        "--l",
        &l,
        "--y",
        &y,
        "--json",
        "--bootstrap",
        "50",
        "--null",
        "50",
        "--seed",
        "3",
    ]);
    assert_eq!(out, again);
}

#[test]
fn a_2d_npy_for_f_gives_a_curve() {
    let d = tempfile::tempdir().expect("tempdir");
    let mut rows: Vec<u8> = Vec::new();
    for t in 0..3 {
        rows.extend(
            F.iter()
                .enumerate()
                .map(|(i, &v)| if i < t { 1 - v as u8 } else { v as u8 }),
        );
    }
    let f = npy_u8(d.path(), "f.npy", &[3, 8], &rows);
    let l = npy_i64(d.path(), "l.npy", &[8], &L);
    let csv_body: String = std::iter::once("id,label\n".to_string())
        .chain(Y.iter().enumerate().map(|(i, v)| format!("{i},{v}\n")))
        .collect();
    let y = write(d.path(), "y.csv", csv_body.as_bytes());
    let y = format!("{}:label", y.display());
    let (code, out, err) = sgdc(&["--f", &f, "--l", &l, "--y", &y, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["mu"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["i_fy_given_l"].as_array().map(Vec::len), Some(3));
    assert!(v["i_ly"].as_f64().is_some());
    // The table form prints one row per checkpoint.
    let (code, out, _) = sgdc(&["--f", &f, "--l", &l, "--y", &y, "--null", "20"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 3 + 3);
}

#[test]
fn plot_draws_the_curve_as_the_report_does() {
    let d = tempfile::tempdir().expect("tempdir");
    let mut rows: Vec<u8> = Vec::new();
    for t in 0..4 {
        rows.extend(
            F.iter()
                .enumerate()
                .map(|(i, &v)| if i < t { 1 - v as u8 } else { v as u8 }),
        );
    }
    let f = npy_u8(d.path(), "f.npy", &[4, 8], &rows);
    let l = npy_i64(d.path(), "l.npy", &[8], &L);
    let y = npy_i64(d.path(), "y.npy", &[8], &Y);
    let steps = text(d.path(), "steps.txt", &[0, 10, 100, 1000]);
    let plot = d.path().join("curve.png");
    let plot_s = plot.display().to_string();
    let (code, out, err) = sgdc(&[
        "--f", &f, "--l", &l, "--y", &y, "--plot", &plot_s, "--steps", &steps,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 3 + 4, "the table still prints: {out}");
    for ext in ["png", "svg"] {
        let p = d.path().join(format!("curve.{ext}"));
        assert!(std::fs::metadata(&p).expect("figure").len() > 1000, "{ext}");
    }
    let svg = std::fs::read_to_string(d.path().join("curve.svg")).expect("svg");
    assert!(svg.contains("SGD step"), "x axis in steps");

    // A single row is not a curve; steps must match the rows and increase.
    let f1 = npy_i64(d.path(), "f1.npy", &[8], &F);
    expect_input_error(
        &["--f", &f1, "--l", &l, "--y", &y, "--plot", &plot_s],
        &["--plot", "curve"],
    );
    let short = text(d.path(), "short.txt", &[0, 10]);
    expect_input_error(
        &[
            "--f", &f, "--l", &l, "--y", &y, "--plot", &plot_s, "--steps", &short,
        ],
        &["short.txt", "one SGD step per row"],
    );
    let down = text(d.path(), "down.txt", &[0, 10, 5, 20]);
    expect_input_error(
        &[
            "--f", &f, "--l", &l, "--y", &y, "--plot", &plot_s, "--steps", &down,
        ],
        &["down.txt", "increasing"],
    );
}

#[test]
fn readable_table_by_default() {
    let d = tempfile::tempdir().expect("tempdir");
    let (f, l, y) = (
        text(d.path(), "f.txt", &F),
        text(d.path(), "l.txt", &L),
        text(d.path(), "y.txt", &Y),
    );
    let (code, out, err) = sgdc(&[
        "--f",
        &f,
        "--l",
        &l,
        "--y",
        &y,
        "--estimator",
        "miller-madow",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("miller-madow") && out.contains("I(F;Y|L)") && out.contains("mu"),
        "{out}"
    );
}

#[test]
fn arrays_of_different_lengths() {
    let d = tempfile::tempdir().expect("tempdir");
    let (f, l, y) = (
        text(d.path(), "f.txt", &F),
        text(d.path(), "l.txt", &L[..7]),
        text(d.path(), "y.txt", &Y),
    );
    expect_input_error(
        &["--f", &f, "--l", &l, "--y", &y],
        &["l.txt", "7 labels", "8"],
    );
}

#[test]
fn a_label_outside_classes() {
    let d = tempfile::tempdir().expect("tempdir");
    let mut y3 = Y;
    y3[5] = 2;
    let (f, l, y) = (
        text(d.path(), "f.txt", &F),
        text(d.path(), "l.txt", &L),
        text(d.path(), "y.txt", &y3),
    );
    expect_input_error(
        &["--f", &f, "--l", &l, "--y", &y, "--classes", "2"],
        &["y.txt", "label 2", "index 5", "--classes 2"],
    );
}

#[test]
fn negative_labels() {
    let d = tempfile::tempdir().expect("tempdir");
    let (f, l) = (text(d.path(), "f.txt", &F), text(d.path(), "l.txt", &L));
    let y = text(d.path(), "y.txt", &[0, 1, -1, 0, 1, 0, 1, 1]);
    expect_input_error(
        &["--f", &f, "--l", &l, "--y", &y],
        &["y.txt", "line 3", "negative label -1"],
    );
    let mut yn = Y;
    yn[4] = -3;
    let y = npy_i64(d.path(), "y.npy", &[8], &yn);
    expect_input_error(
        &["--f", &f, "--l", &l, "--y", &y],
        &["y.npy", "negative label -3"],
    );
}

#[test]
fn non_integer_labels() {
    let d = tempfile::tempdir().expect("tempdir");
    let (f, l) = (text(d.path(), "f.txt", &F), text(d.path(), "l.txt", &L));
    let y = write(d.path(), "y.txt", b"0\n1\n1.5\n0\n1\n0\n1\n1\n")
        .display()
        .to_string();
    expect_input_error(
        &["--f", &f, "--l", &l, "--y", &y],
        &["y.txt", "line 3", "'1.5'"],
    );
    let data: Vec<u8> = Y.iter().flat_map(|&v| (v as f64).to_le_bytes()).collect();
    let y = write(d.path(), "y.npy", &npy_bytes("<f8", &[8], &data))
        .display()
        .to_string();
    expect_input_error(
        &["--f", &f, "--l", &l, "--y", &y],
        &["y.npy", "<f8", "not an integer type"],
    );
}

#[test]
fn empty_input() {
    let d = tempfile::tempdir().expect("tempdir");
    let (f, l) = (text(d.path(), "f.txt", &F), text(d.path(), "l.txt", &L));
    let y = write(d.path(), "y.txt", b"").display().to_string();
    expect_input_error(&["--f", &f, "--l", &l, "--y", &y], &["y.txt", "empty"]);
    let y = npy_u8(d.path(), "y.npy", &[0], &[]);
    expect_input_error(&["--f", &f, "--l", &l, "--y", &y], &["y.npy", "empty"]);
}

#[test]
fn unreadable_or_truncated_npy() {
    let d = tempfile::tempdir().expect("tempdir");
    let (f, l) = (text(d.path(), "f.txt", &F), text(d.path(), "l.txt", &L));
    let y = write(d.path(), "y.npy", b"this is not numpy")
        .display()
        .to_string();
    expect_input_error(
        &["--f", &f, "--l", &l, "--y", &y],
        &["y.npy", "not a readable .npy"],
    );
    let full = npy_bytes(
        "<i8",
        &[8],
        &Y.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>(),
    );
    let y = write(d.path(), "y.npy", &full[..full.len() - 12])
        .display()
        .to_string();
    expect_input_error(&["--f", &f, "--l", &l, "--y", &y], &["y.npy", "truncated"]);
    let y = write(d.path(), "y.npy", &full[..30]).display().to_string();
    expect_input_error(&["--f", &f, "--l", &l, "--y", &y], &["y.npy"]);
    let y = d.path().join("missing.npy").display().to_string();
    expect_input_error(&["--f", &f, "--l", &l, "--y", &y], &["missing.npy"]);
}

#[test]
fn a_missing_csv_column() {
    let d = tempfile::tempdir().expect("tempdir");
    let (f, l) = (text(d.path(), "f.txt", &F), text(d.path(), "l.txt", &L));
    let y = write(d.path(), "y.csv", b"id,label\n0,1\n");
    let spec = format!("{}:target", y.display());
    expect_input_error(
        &["--f", &f, "--l", &l, "--y", &spec],
        &["y.csv", "no column 'target'", "id, label"],
    );
    let spec = y.display().to_string();
    expect_input_error(
        &["--f", &f, "--l", &l, "--y", &spec],
        &["y.csv", "needs a column"],
    );
}

#[test]
fn other_bad_arguments() {
    let d = tempfile::tempdir().expect("tempdir");
    let (f, l, y) = (
        text(d.path(), "f.txt", &F),
        text(d.path(), "l.txt", &L),
        text(d.path(), "y.txt", &Y),
    );
    expect_input_error(
        &["--f", &f, "--l", &l, "--y", &y, "--bootstrap", "0"],
        &["--bootstrap 0"],
    );
    expect_input_error(
        &["--f", &f, "--l", &l, "--y", &y, "--classes", "300"],
        &["--classes 300"],
    );
    let big = text(d.path(), "big.txt", &[0, 1, 1, 0, 1, 0, 0, 256]);
    expect_input_error(&["--f", &big, "--l", &l, "--y", &y], &["big.txt", "256"]);
    // L may not be a curve.
    let l2 = npy_u8(d.path(), "l.npy", &[1, 8], &[0, 1, 0, 0, 1, 1, 0, 1]);
    expect_input_error(&["--f", &f, "--l", &l2, "--y", &y], &["l.npy", "1-D"]);
}
