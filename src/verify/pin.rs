//! The claims table pinned in `snapshots/`: regression pinning of a tier's verdicts.
//!
//! The pinned text holds, per claim and scope, the outcome, the statistic and its interval at
//! three decimals, and the seeds used. `sgdc verify --pin FILE` compares the verdicts with it; a
//! difference (a statistic that moved, an outcome that changed, another seed count) fails the
//! verification and writes the new table beside the pin as `FILE.new`, in insta's snapshot format,
//! so that it is accepted on purpose: `cargo insta review` (or moving `FILE.new` over `FILE`).
//!
//! Runs give the same bits only on CPUs that run the same kernels (docs/train.md, "Numerics"), so
//! the pin is kept per CPU vendor: `FILE` names the vendor before `.snap`, e.g.
//! `snapshots/verify_quick_claims@GenuineIntel.snap` ([`pin_path`]).

use crate::claims::format::{num, seed_ranges, DECIMALS};
use crate::claims::Verdict;
use crate::error::{Error, Result};
use crate::run::atomic::write_atomic;
use std::path::{Path, PathBuf};

/// The header insta writes above a snapshot's content.
fn header(expression: &str) -> String {
    format!("---\nsource: src/verify/pin.rs\nexpression: {expression}\n---\n")
}

/// One line per evaluated verdict: `C2 toy: holds 0.853 [0.801, 0.926] seeds 1-3` (skipped
/// claims, such as those on CIFAR-10 without its data, are not results and are not pinned).
pub fn pinned_text(verdicts: &[Verdict]) -> String {
    let mut out = String::new();
    for v in verdicts {
        if matches!(v.outcome, crate::claims::Outcome::Skipped(_)) {
            continue;
        }
        let mut line = format!("{}: {}", v.name(), v.outcome.label());
        if let Some(s) = v.statistic {
            line.push_str(&format!(" {}", num(s.value, DECIMALS)));
            if s.interval.0 != s.interval.1 {
                line.push_str(&format!(
                    " [{}, {}]",
                    num(s.interval.0, DECIMALS),
                    num(s.interval.1, DECIMALS)
                ));
            }
        }
        if !v.per_seed.is_empty() {
            let seeds: Vec<u64> = v.per_seed.iter().map(|(s, _)| *s).collect();
            line.push_str(&format!(" seeds {}", seed_ranges(&seeds)));
        }
        if !v.per_group.is_empty() {
            let groups: Vec<String> = v
                .per_group
                .iter()
                .map(|(g, x)| format!("{g} {}", num(*x, DECIMALS)))
                .collect();
            line.push_str(&format!(" ({})", groups.join(", ")));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

pub use crate::run::cpu_vendor;

/// `snapshots/verify_quick_claims.snap` -> `snapshots/verify_quick_claims@<vendor>.snap`.
pub fn pin_path(base: &Path, vendor: &str) -> PathBuf {
    let stem = base
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    base.with_file_name(format!("{stem}@{vendor}.snap"))
}

/// What the comparison with the pin found.
#[derive(Debug, Clone, PartialEq)]
pub enum PinCheck {
    /// The verdicts are the pinned ones.
    Same,
    /// No pin for this CPU vendor yet: the table was written to `FILE.new` for review.
    NoPin(PathBuf),
    /// They differ: the lines that differ (`-` pinned, `+` now), and where the new table went.
    Differs {
        /// Changed lines.
        diff: Vec<String>,
        /// The new table, for review.
        new_file: PathBuf,
    },
}

/// The content of a snapshot file after insta's header.
fn content(text: &str) -> &str {
    let mut parts = text.splitn(3, "---\n");
    match (parts.next(), parts.next(), parts.next()) {
        (Some(""), Some(_), Some(body)) => body,
        _ => text,
    }
}

/// Compare `verdicts` with the pin at `file` (already named for the vendor); `expression` says
/// what the table is, for the snapshot header.
pub fn check(file: &Path, verdicts: &[Verdict], expression: &str) -> Result<PinCheck> {
    let now = pinned_text(verdicts);
    let new_file = PathBuf::from(format!("{}.new", file.display()));
    let write_new = || write_atomic(&new_file, format!("{}{now}", header(expression)).as_bytes());
    let pinned = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            write_new()?;
            return Ok(PinCheck::NoPin(new_file));
        }
        Err(e) => return Err(Error::io(file, e)),
    };
    let old = content(&pinned);
    if old.trim_end() == now.trim_end() {
        if new_file.is_file() {
            // A table written by an earlier, differing run is stale now.
            std::fs::remove_file(&new_file).map_err(|e| Error::io(&new_file, e))?;
        }
        return Ok(PinCheck::Same);
    }
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = now.lines().collect();
    let mut diff: Vec<String> = old_lines
        .iter()
        .filter(|l| !new_lines.contains(l))
        .map(|l| format!("- {l}"))
        .collect();
    diff.extend(
        new_lines
            .iter()
            .filter(|l| !old_lines.contains(l))
            .map(|l| format!("+ {l}")),
    );
    write_new()?;
    Ok(PinCheck::Differs { diff, new_file })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::{Outcome, Stat};

    fn verdict(value: f64) -> Verdict {
        Verdict {
            statistic: Stat::iqm_of(&[value, value + 0.1, value + 0.2], "C2 toy"),
            per_seed: vec![(1, value), (2, value + 0.1), (3, value + 0.2)],
            outcome: Outcome::Holds,
            ..Verdict::skipped("C2", "toy", "s", "")
        }
    }

    #[test]
    fn the_pin_catches_a_moved_statistic_and_writes_the_new_table() {
        let d = tempfile::tempdir().unwrap();
        let file = pin_path(&d.path().join("claims.snap"), "Vendor");
        assert!(file.ends_with("claims@Vendor.snap"));
        let v = [
            verdict(0.8),
            Verdict::skipped("C2", "cifar10", "s", "no data"),
        ];
        assert_eq!(
            pinned_text(&v),
            "C2 toy: holds 0.900 [0.800, 1.000] seeds 1-3\n"
        );
        // No pin yet: the table goes to FILE.new for review.
        assert!(matches!(check(&file, &v, "t").unwrap(), PinCheck::NoPin(_)));
        let new = d.path().join("claims@Vendor.snap.new");
        let text = std::fs::read_to_string(&new).unwrap();
        assert!(text.starts_with("---\nsource: src/verify/pin.rs\nexpression: t\n---\n"));
        // Accept it, as `cargo insta review` does: the same verdicts then pass.
        std::fs::rename(&new, &file).unwrap();
        assert_eq!(check(&file, &v, "t").unwrap(), PinCheck::Same);
        assert_eq!(check(&file, &v[..1], "t").unwrap(), PinCheck::Same);
        // A statistic that moved in its third decimal is a difference.
        match check(&file, &[verdict(0.801)], "t").unwrap() {
            PinCheck::Differs { diff, new_file } => {
                assert_eq!(
                    diff,
                    vec![
                        "- C2 toy: holds 0.900 [0.800, 1.000] seeds 1-3",
                        "+ C2 toy: holds 0.901 [0.801, 1.001] seeds 1-3"
                    ]
                );
                assert!(new_file.is_file());
            }
            other => panic!("{other:?}"),
        }
        // Back to the pinned verdicts: the stale table is removed.
        assert_eq!(check(&file, &v, "t").unwrap(), PinCheck::Same);
        assert!(!new.exists());
    }

    #[test]
    fn the_vendor_is_named() {
        assert!(!cpu_vendor().is_empty());
    }
}
