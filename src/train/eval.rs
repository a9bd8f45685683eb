//! Examples as device tensors, and evaluation: hard predictions (argmax of the logits) and mean
//! cross-entropy over a whole set, in batches.

use crate::data::Examples;
use crate::error::{Error, Result};
use crate::model::{check_torch, Net};
use tch::{Device, Kind, Reduction, Tensor};

/// A set of examples on the compute device.
#[derive(Debug)]
pub struct DeviceSet {
    /// Inputs, `[n, shape...]`, float32.
    pub x: Tensor,
    /// Labels, `[n]`, int64.
    pub y: Tensor,
    /// Labels on the host.
    pub labels: Vec<u8>,
}

impl DeviceSet {
    /// Copy `ex` to `device`; `what` names the set in errors.
    pub fn new(ex: &Examples, device: Device, what: &str) -> Result<Self> {
        let n = ex.len();
        if n == 0 {
            return Err(Error::Empty(what.into()));
        }
        if ex.x.len() != n * ex.dim() {
            return Err(Error::LengthMismatch {
                what: format!("{what} inputs"),
                got: ex.x.len(),
                expected: n * ex.dim(),
            });
        }
        let mut shape = vec![n as i64];
        shape.extend(ex.shape.iter().map(|&s| s as i64));
        let x = check_torch(
            what,
            Tensor::f_from_slice(&ex.x).and_then(|t| t.f_reshape(&shape)),
        )?;
        let x = check_torch(what, x.f_to_device(device))?;
        let y: Vec<i64> = ex.y.iter().map(|&v| v as i64).collect();
        let y = check_torch(
            what,
            Tensor::f_from_slice(&y).and_then(|t| t.f_to_device(device)),
        )?;
        Ok(DeviceSet {
            x,
            y,
            labels: ex.y.clone(),
        })
    }

    /// The examples `idx` as a minibatch `(x, y)` on `device`.
    pub fn batch(&self, idx: &[i64], device: Device) -> Result<(Tensor, Tensor)> {
        let idx = check_torch(
            "batch",
            Tensor::f_from_slice(idx).and_then(|t| t.f_to_device(device)),
        )?;
        Ok((
            check_torch("batch", self.x.f_index_select(0, &idx))?,
            check_torch("batch", self.y.f_index_select(0, &idx))?,
        ))
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the set is empty (never, by construction).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// Predictions and loss of a network on a whole set.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Hard predictions (argmax of the logits; ties go to the lower class).
    pub pred: Vec<u8>,
    /// Accuracy against the set's labels.
    pub acc: f64,
    /// Mean cross-entropy against the set's labels.
    pub loss: f64,
}

/// Hard predictions only, in batches of `batch`.
pub fn predict(net: &Net, x: &Tensor, batch: usize) -> Result<Vec<u8>> {
    let n = x.size().first().copied().unwrap_or(0);
    let mut parts = Vec::new();
    tch::no_grad(|| -> Result<()> {
        let mut start = 0;
        while start < n {
            let len = (batch as i64).min(n - start);
            let xb = check_torch("eval batch", x.f_narrow(0, start, len))?;
            let logits = net.logits(&xb, false)?;
            parts.push(check_torch("argmax", logits.f_argmax(1, false))?);
            start += len;
        }
        Ok(())
    })?;
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let all = check_torch("predictions", Tensor::f_cat(&parts, 0))?;
    to_u8(&all)
}

/// A class-index tensor as host bytes.
pub fn to_u8(t: &Tensor) -> Result<Vec<u8>> {
    let t = check_torch("predictions", t.f_to_kind(Kind::Uint8))?;
    let t = check_torch("predictions", t.f_to_device(Device::Cpu))?;
    let n = t.numel();
    let mut out = vec![0u8; n];
    check_torch("predictions", t.f_copy_data(&mut out, n))?;
    Ok(out)
}

/// Predictions, accuracy and mean cross-entropy of `net` on `set`, in batches of `batch`.
pub fn evaluate(net: &Net, set: &DeviceSet, batch: usize) -> Result<Evaluation> {
    let n = set.len() as i64;
    let mut parts = Vec::new();
    let mut loss_parts = Vec::new();
    tch::no_grad(|| -> Result<()> {
        let mut start = 0;
        while start < n {
            let len = (batch as i64).min(n - start);
            let xb = check_torch("eval batch", set.x.f_narrow(0, start, len))?;
            let yb = check_torch("eval batch", set.y.f_narrow(0, start, len))?;
            let logits = net.logits(&xb, false)?;
            loss_parts.push(check_torch(
                "eval loss",
                logits.f_cross_entropy_loss::<Tensor>(&yb, None, Reduction::Sum, -100, 0.0),
            )?);
            parts.push(check_torch("argmax", logits.f_argmax(1, false))?);
            start += len;
        }
        Ok(())
    })?;
    let all = check_torch("predictions", Tensor::f_cat(&parts, 0))?;
    let pred = to_u8(&all)?;
    let loss_sum = check_torch("eval loss", Tensor::f_stack(&loss_parts, 0))?;
    let loss_sum = check_torch(
        "eval loss",
        loss_sum
            .f_to_kind(Kind::Double)
            .and_then(|t| t.f_sum(Kind::Double)),
    )?;
    let loss = check_torch("eval loss", loss_sum.f_double_value(&[]))? / n as f64;
    let correct = pred.iter().zip(&set.labels).filter(|(p, y)| p == y).count();
    Ok(Evaluation {
        acc: correct as f64 / n as f64,
        loss,
        pred,
    })
}
