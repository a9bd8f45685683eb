//! Bad parameters of the theory simulator get an error naming the parameter.

use sgdc_core::data::gaussian_linear::GaussianLinear;
use sgdc_core::data::hypercube::Hypercube;
use sgdc_core::data::linear_signal::LinearSignalShape;
use sgdc_core::Error;
use sgdc_theory::{simulate, SimConfig, SweepSpec};
use std::path::Path;

fn shape(signal_dim: usize, dim: usize, eta: f64) -> LinearSignalShape {
    LinearSignalShape {
        signal_dim,
        dim,
        tau: 1.0,
        eta,
    }
}

fn field_of(e: Error) -> String {
    match e {
        Error::InvalidParam { field, .. } => field,
        other => panic!("expected an invalid parameter, got {other}"),
    }
}

#[test]
fn zero_training_points_names_n() {
    let m = GaussianLinear::new(shape(2, 50, 0.1), 0).unwrap();
    let cfg = SimConfig {
        n: 0,
        ..SimConfig::default()
    };
    let e = simulate(&m, &cfg).unwrap_err();
    assert!(e.to_string().contains("n = 0"), "{e}");
    assert_eq!(field_of(e), "n");
}

#[test]
fn eta_outside_range_names_eta() {
    for eta in [0.5, 0.7, -0.1, f64::NAN] {
        let e = GaussianLinear::new(shape(2, 50, eta), 0).unwrap_err();
        assert_eq!(field_of(e), "eta");
        let e = Hypercube::new(shape(2, 50, eta), 0).unwrap_err();
        assert_eq!(field_of(e), "eta");
    }
}

#[test]
fn dim_below_signal_dim_names_dim() {
    let e = GaussianLinear::new(shape(5, 4, 0.1), 0).unwrap_err();
    let msg = e.to_string();
    assert_eq!(field_of(e), "dim");
    assert!(msg.contains("signal dimension"), "{msg}");
}

#[test]
fn malformed_sweep_files_name_the_file_or_field() {
    let p = Path::new("bad.toml");
    // Not TOML at all.
    match SweepSpec::from_toml("seeds = [", p).unwrap_err() {
        Error::BadFile { path, .. } => assert_eq!(path, p),
        other => panic!("{other}"),
    }
    // A misspelt field.
    let text =
        "seeds = 1\nn_test = 10\n[base]\nn = 10\ndim = 20\nsignal_dim = 2\neta = 0.1\nnn = 3\n";
    let e = SweepSpec::from_toml(text, p).unwrap_err();
    assert!(e.to_string().contains("nn"), "{e}");
    // A bad value inside a variation.
    let text = "seeds = 1\nn_test = 10\n[base]\nn = 10\ndim = 20\nsignal_dim = 2\neta = 0.1\n[vary]\neta = [0.6]\n";
    assert_eq!(field_of(SweepSpec::from_toml(text, p).unwrap_err()), "eta");
    let text = "seeds = 1\nn_test = 10\n[base]\nn = 10\ndim = 20\nsignal_dim = 2\neta = 0.1\n[vary]\nn = [0]\n";
    assert!(field_of(SweepSpec::from_toml(text, p).unwrap_err()).starts_with("n "));
}
