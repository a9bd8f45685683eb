//! The reparameterisation check (C7) of a run: its result stored beside the run, and the claim
//! decided from the stored results.

use super::locate::*;
use crate::claims::{self, ReparamSeed, SeedRun, Verdict};
use crate::error::{Error, Result};
use crate::info::Estimator;
use crate::run::{atomic::write_atomic, RunRecord};
use crate::training_curves;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Name of the file, inside a run folder, that holds the reparameterisation check.
pub const REPARAM_FILE: &str = "verify-reparam.json";

/// The stored result of the reparameterisation check of one run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReparamResult {
    /// Fraction of test predictions that changed.
    pub disagreement: f64,
    /// mu(F;L) of the original final network.
    pub mu_original: f64,
    /// mu(F';L) of the reparameterised one.
    pub mu_reparam: f64,
}

/// Compute and store the reparameterisation check of a finished run from the two prediction
/// vectors (original, reparameterised) on its test set.
pub fn store_reparam(run: &Path, original: &[u8], reparam: &[u8]) -> Result<ReparamResult> {
    let rec = RunRecord::load(run)?;
    let k = 2usize.max(
        rec.y_test
            .iter()
            .chain(original)
            .chain(reparam)
            .copied()
            .max()
            .unwrap_or(1) as usize
            + 1,
    );
    let m0 = training_curves::measures(
        original,
        &rec.linear_test,
        &rec.y_test,
        k,
        Estimator::Plugin,
    )?;
    let m1 =
        training_curves::measures(reparam, &rec.linear_test, &rec.y_test, k, Estimator::Plugin)?;
    let changed = original.iter().zip(reparam).filter(|(a, b)| a != b).count();
    let r = ReparamResult {
        disagreement: changed as f64 / original.len().max(1) as f64,
        mu_original: m0.mu,
        mu_reparam: m1.mu,
    };
    let bytes = serde_json::to_vec_pretty(&r).map_err(|e| Error::BadFile {
        path: run.join(REPARAM_FILE),
        reason: e.to_string(),
    })?;
    write_atomic(&run.join(REPARAM_FILE), &bytes)?;
    Ok(r)
}

/// Claim C7 from the reparameterisation results stored in the run folders.
pub(super) fn reparam_claim(scope: &str, found: &[&(Found, SeedRun)], min: usize) -> Verdict {
    let mut rs = Vec::new();
    let mut missing = Vec::new();
    for (f, _) in found {
        let path = f.dir.join(REPARAM_FILE);
        let r: Option<ReparamResult> = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        match r {
            Some(r) => rs.push(ReparamSeed {
                seed: f.seed,
                disagreement: r.disagreement,
                mu_change: (r.mu_reparam - r.mu_original).abs(),
            }),
            None => missing.push(format!("no {REPARAM_FILE} in {}", f.rel)),
        }
    }
    let mut v = claims::c7_reparameterisation(scope, &rs, min);
    if rs.is_empty() || !missing.is_empty() {
        v.outcome = claims::Outcome::Fails(if missing.is_empty() {
            format!("no reparameterisation results ({REPARAM_FILE}) in the run folders")
        } else {
            missing.join("; ")
        });
    }
    v.runs = found.iter().map(|(f, _)| f.rel.clone()).collect();
    v
}
