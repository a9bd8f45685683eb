//! Adam's per-parameter state and update, with the same arithmetic as PyTorch's
//! `torch.optim.Adam` (no AMSGrad, L2 weight decay added to the gradient beforehand):
//!
//! ```text
//! t = t + 1
//! m = beta1 * m + (1 - beta1) * g
//! v = beta2 * v + (1 - beta2) * g * g
//! p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//! ```
//!
//! Kept here, beside [`super::sgd`], because the moment estimates must be saved and restored for
//! `--resume` to continue bit for bit, and tch does not expose them.

use crate::error::Result;
use crate::model::check_torch;
use crate::train::config::AdamConfig;
use std::collections::BTreeMap;
use tch::{Kind, Tensor};

/// Key prefixes of Adam's state among the optimiser buffers saved for resume.
const M: &str = "adam.m.";
const V: &str = "adam.v.";
const T: &str = "adam.t.";

/// One parameter's state: step count and the two moment estimates.
#[derive(Debug)]
struct Slot {
    t: i64,
    m: Tensor,
    v: Tensor,
}

/// Adam's hyper-parameters and the state of every parameter it has updated.
#[derive(Debug)]
pub struct Adam {
    cfg: AdamConfig,
    slots: Vec<Option<Slot>>,
}

impl Adam {
    /// Fresh state (moments zero, no steps) for `n` parameters.
    pub fn new(cfg: AdamConfig, n: usize) -> Self {
        Adam {
            cfg,
            slots: (0..n).map(|_| None).collect(),
        }
    }

    /// Update parameter `i`, `p`, with its gradient `g` (weight decay already added) at rate `lr`.
    pub fn update(&mut self, i: usize, p: &mut Tensor, g: &Tensor, lr: f64) -> Result<()> {
        let (b1, b2, eps) = (self.cfg.beta1, self.cfg.beta2, self.cfg.eps);
        let slot = match &mut self.slots[i] {
            Some(s) => s,
            none => none.insert(Slot {
                t: 0,
                m: check_torch("adam state", g.f_zeros_like())?,
                v: check_torch("adam state", g.f_zeros_like())?,
            }),
        };
        slot.t += 1;
        let scalar = |v: f64| Tensor::from(v as f32);
        // m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2, in place.
        let _ = check_torch("adam m", slot.m.f_mul_scalar_(b1))?;
        let _ = check_torch("adam m", slot.m.f_addcmul_(g, &scalar(1.0 - b1)))?;
        let _ = check_torch("adam v", slot.v.f_mul_scalar_(b2))?;
        let g2 = check_torch("adam v", g.f_mul_scalar(1.0 - b2))?;
        let _ = check_torch("adam v", slot.v.f_addcmul_(&g2, g))?;
        let bias1 = 1.0 - b1.powi(slot.t as i32);
        let bias2 = 1.0 - b2.powi(slot.t as i32);
        let denom = check_torch(
            "adam denominator",
            slot.v
                .f_sqrt()
                .and_then(|d| d.f_div_scalar(bias2.sqrt()))
                .and_then(|d| d.f_add_scalar(eps)),
        )?;
        let step = check_torch("adam step", slot.m.f_div(&denom))?;
        let _ = check_torch("adam update", p.f_addcmul_(&step, &scalar(-lr / bias1)))?;
        Ok(())
    }

    /// The state by key (`adam.m.NAME`, `adam.v.NAME`, `adam.t.NAME`) for the parameters in
    /// `names` that have taken a step.
    pub fn state(&self, names: &[String]) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        for (name, slot) in names.iter().zip(&self.slots) {
            if let Some(s) = slot {
                out.push((format!("{M}{name}"), s.m.shallow_clone()));
                out.push((format!("{V}{name}"), s.v.shallow_clone()));
                out.push((format!("{T}{name}"), Tensor::from(s.t)));
            }
        }
        out
    }

    /// Whether `saved` (optimiser buffers for resume) holds any Adam state.
    pub fn saved_in(saved: &BTreeMap<String, Tensor>) -> bool {
        saved
            .keys()
            .any(|k| [M, V, T].iter().any(|p| k.starts_with(p)))
    }

    /// Restore the state saved by [`Adam::state`] for the parameters `names` (on the devices of
    /// `params`); a parameter with no saved state starts afresh.
    pub fn restore(
        &mut self,
        names: &[String],
        params: &[Tensor],
        saved: &BTreeMap<String, Tensor>,
    ) -> Result<()> {
        for ((name, p), slot) in names.iter().zip(params).zip(self.slots.iter_mut()) {
            let get = |prefix: &str| saved.get(&format!("{prefix}{name}"));
            *slot = match (get(M), get(V), get(T)) {
                (Some(m), Some(v), Some(t)) => Some(Slot {
                    t: check_torch(
                        "restore adam",
                        t.f_to_kind(Kind::Int64).and_then(|t| t.f_int64_value(&[])),
                    )?,
                    // Copies: the state must not share memory with the tensors it came from.
                    m: check_torch(
                        "restore adam",
                        m.f_to_device(p.device()).and_then(|m| m.f_detach_copy()),
                    )?,
                    v: check_torch(
                        "restore adam",
                        v.f_to_device(p.device()).and_then(|v| v.f_detach_copy()),
                    )?,
                }),
                _ => None,
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two steps on one parameter follow the formula of the module docs, and a restored state
    /// continues as the original.
    #[test]
    fn update_follows_the_adam_formula_and_restores() {
        let cfg = AdamConfig {
            from_epoch: 0,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        };
        let mut a = Adam::new(cfg.clone(), 1);
        let mut p = Tensor::from_slice(&[1.0f32, -2.0]);
        let (g1, g2) = ([0.5f64, -0.25], [0.1f64, 0.3]);
        a.update(0, &mut p, &Tensor::from_slice(&[0.5f32, -0.25]), 0.01)
            .unwrap();
        a.update(0, &mut p, &Tensor::from_slice(&[0.1f32, 0.3]), 0.01)
            .unwrap();
        for (j, start) in [1.0f64, -2.0].into_iter().enumerate() {
            let (mut m, mut v, mut x) = (0.0, 0.0, start);
            for (t, g) in [g1[j], g2[j]].into_iter().enumerate() {
                let t = t as i32 + 1;
                m = 0.9 * m + 0.1 * g;
                v = 0.999 * v + 0.001 * g * g;
                let denom = v.sqrt() / (1.0 - 0.999f64.powi(t)).sqrt() + 1e-8;
                x -= 0.01 / (1.0 - 0.9f64.powi(t)) * m / denom;
            }
            assert!((p.double_value(&[j as i64]) - x).abs() < 1e-6, "{j}");
        }

        let names = vec!["w".to_string()];
        let saved: BTreeMap<String, Tensor> = a.state(&names).into_iter().collect();
        assert_eq!(saved.len(), 3);
        let mut b = Adam::new(cfg, 1);
        b.restore(&names, std::slice::from_ref(&p), &saved).unwrap();
        let mut q = p.copy();
        let g = Tensor::from_slice(&[-0.2f32, 0.05]);
        a.update(0, &mut p, &g, 0.01).unwrap();
        b.update(0, &mut q, &g, 0.01).unwrap();
        assert!(p.equal(&q));
    }
}
