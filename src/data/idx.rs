//! Reader for the IDX format of MNIST and Fashion-MNIST.
//!
//! An IDX file is a 4-byte magic number `00 00 TT ND` (`TT` the element type, `ND` the number of
//! dimensions), then `ND` big-endian `u32` sizes, then the elements row-major. Only unsigned-byte
//! elements (`TT = 0x08`) occur in these data sets and only they are accepted. Every check names
//! the file: bad magic, truncated header, wrong number of dimensions, a length that does not match
//! the dimensions exactly.

use crate::error::{Error, Result};
use std::path::Path;

/// The IDX element-type code of unsigned bytes.
const UBYTE: u8 = 0x08;

/// The contents of an IDX file of unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idx {
    /// Sizes of the dimensions, outermost first (e.g. `[60000, 28, 28]`).
    pub dims: Vec<usize>,
    /// The elements, row-major, `dims.iter().product()` of them.
    pub data: Vec<u8>,
}

fn bad(path: &Path, reason: impl Into<String>) -> Error {
    Error::BadFile {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Parse the bytes of an IDX file; `path` is used only to name the file in errors.
pub fn parse_idx(bytes: &[u8], path: &Path) -> Result<Idx> {
    if bytes.len() < 4 {
        return Err(bad(
            path,
            format!(
                "truncated IDX file: {} bytes, shorter than the 4-byte magic number",
                bytes.len()
            ),
        ));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(bad(
            path,
            format!(
                "bad IDX magic number {:02x} {:02x} {:02x} {:02x} (expected 00 00 08 <ndim>)",
                bytes[0], bytes[1], bytes[2], bytes[3]
            ),
        ));
    }
    if bytes[2] != UBYTE {
        return Err(bad(
            path,
            format!(
                "bad IDX magic number: element type 0x{:02x} is not unsigned byte (0x08)",
                bytes[2]
            ),
        ));
    }
    let ndim = bytes[3] as usize;
    if ndim == 0 {
        return Err(bad(path, "bad IDX magic number: zero dimensions"));
    }
    let header = 4 + 4 * ndim;
    if bytes.len() < header {
        return Err(bad(
            path,
            format!(
                "truncated IDX header: {} bytes, {ndim} dimensions need {header}",
                bytes.len()
            ),
        ));
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let count = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad(path, format!("IDX dimensions {dims:?} overflow")))?;
    let body = bytes.len() - header;
    if body < count {
        return Err(bad(
            path,
            format!(
                "truncated IDX file: dimensions {dims:?} need {count} data bytes, found {body}"
            ),
        ));
    }
    if body > count {
        return Err(bad(
            path,
            format!("IDX file too long: dimensions {dims:?} need {count} data bytes, found {body}"),
        ));
    }
    Ok(Idx {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Read and parse an IDX file.
pub fn read_idx(path: &Path) -> Result<Idx> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_idx(&bytes, path)
}

/// Check that `idx` has `want` dimensions; `what` describes the expected content.
pub fn expect_dims(idx: &Idx, want: usize, what: &str, path: &Path) -> Result<()> {
    if idx.dims.len() != want {
        return Err(bad(
            path,
            format!(
                "wrong IDX dimensions {:?}: {what} need {want} dimensions",
                idx.dims
            ),
        ));
    }
    Ok(())
}

/// Encode `dims` and `data` as IDX bytes (unsigned bytes). Used to write test fixtures.
pub fn encode_idx(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, UBYTE, dims.len() as u8];
    for &d in dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}
