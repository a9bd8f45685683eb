//! The CPU kernel pins (`ATEN_CPU_CAPABILITY`, `DNNL_MAX_CPU_ISA`; docs/train.md, "Numerics"): the
//! `sgdc` binary sets them before libtorch's first call when they are unset, so a run made with
//! the environment clear of them equals one made with them given explicitly, bit for bit (the loss
//! curve, printed to 16 digits, not only the hard predictions), and the manifest records the
//! values in effect. On an AVX-512 CPU this fails when the pins are not in effect: this run's
//! losses then differ in their last digits from step 0 on (measured on an AMD EPYC with AVX-512,
//! where its hard predictions still agree). On an AVX2 CPU the pins are the CPU's own level.

use crate::common::mnist_data_dir;
use sgd_complexity::train::numerics;
use std::path::Path;
use std::process::Command;

const CONFIG: &str = r#"
name = "kernel-pins"
eval_batch_size = 256

[data]
task = "mnist"
n_train = 512
n_test = 512

[model]
kind = "cnn"
channels = 8
hidden = 64

[optim]
lr = 0.02
batch_size = 64

[stop]
epochs = 2
"#;

/// A finished run: its manifest and checkpoint table (losses).
struct Made {
    manifest: serde_json::Value,
    checkpoints: String,
}

/// Train with `sgdc train` in a fresh process.
fn train(root: &Path, data_dir: &Path, name: &str, pins: Option<(&str, &str)>) -> Made {
    let config = root.join("kernel-pins.toml");
    std::fs::write(&config, CONFIG).expect("write config");
    let out = root.join(name);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sgdc"));
    cmd.args([
        "train",
        "--seed",
        "3",
        "--threads",
        "1",
        "--quiet",
        "--config",
    ])
    .arg(&config)
    .arg("--out")
    .arg(&out)
    .arg("--data-dir")
    .arg(data_dir)
    .env_remove("ATEN_CPU_CAPABILITY")
    .env_remove("DNNL_MAX_CPU_ISA");
    if let Some((aten, dnnl)) = pins {
        cmd.env("ATEN_CPU_CAPABILITY", aten)
            .env("DNNL_MAX_CPU_ISA", dnnl);
    }
    let status = cmd.status().expect("run sgdc train");
    assert!(status.success(), "sgdc train failed: {status}");
    let text = std::fs::read_to_string(out.join("manifest.json")).expect("read manifest");
    Made {
        manifest: serde_json::from_str(&text).expect("parse manifest"),
        checkpoints: std::fs::read_to_string(out.join("checkpoints.csv"))
            .expect("read checkpoints.csv"),
    }
}

#[test]
fn unset_pins_equal_explicit_ones_and_are_recorded() {
    let data_dir = mnist_data_dir();
    let dir = tempfile::tempdir().unwrap();
    let defaults: Vec<(&str, &str)> = numerics::env_defaults();
    let pinned = defaults.iter().any(|(k, _)| *k == "ATEN_CPU_CAPABILITY");
    let unset = train(dir.path(), &data_dir, "unset", None);
    let recorded = |m: &Made, key: &str| m.manifest["numerics"][key].as_str().map(String::from);
    if pinned {
        let explicit = train(
            dir.path(),
            &data_dir,
            "explicit",
            Some((
                numerics::ATEN_CPU_CAPABILITY_DEFAULT,
                numerics::DNNL_MAX_CPU_ISA_DEFAULT,
            )),
        );
        assert_eq!(
            unset.manifest["prediction_hash"],
            explicit.manifest["prediction_hash"]
        );
        assert_eq!(unset.checkpoints, explicit.checkpoints);
        for m in [&unset, &explicit] {
            assert_eq!(
                recorded(m, "ATEN_CPU_CAPABILITY").as_deref(),
                Some(numerics::ATEN_CPU_CAPABILITY_DEFAULT)
            );
            assert_eq!(
                recorded(m, "DNNL_MAX_CPU_ISA").as_deref(),
                Some(numerics::DNNL_MAX_CPU_ISA_DEFAULT)
            );
        }
    } else {
        // No AVX2: nothing is pinned, and the manifest says so.
        assert_eq!(
            recorded(&unset, "ATEN_CPU_CAPABILITY").as_deref(),
            Some("unset")
        );
    }
    assert_eq!(
        recorded(&unset, "cpu_vector_isa").as_deref(),
        Some(numerics::cpu_vector_isa())
    );
}
