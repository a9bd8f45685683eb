//! Reading and writing the `.npy` arrays of a run folder (C order, little endian).

use crate::error::{Error, Result};
use npyz::WriterBuilder;
use std::path::Path;

fn bad(path: &Path, reason: impl Into<String>) -> Error {
    Error::BadFile {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Encode `data` with the given shape as `.npy` bytes.
pub fn encode<T: npyz::AutoSerialize + Copy>(data: &[T], shape: &[usize]) -> Result<Vec<u8>> {
    let expected: usize = shape.iter().product();
    if expected != data.len() {
        return Err(Error::LengthMismatch {
            what: "npy array".into(),
            got: data.len(),
            expected,
        });
    }
    let shape: Vec<u64> = shape.iter().map(|&s| s as u64).collect();
    let mut buf = std::io::Cursor::new(Vec::new());
    let io = |e: std::io::Error| Error::io("<npy buffer>", e);
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&shape)
        .writer(&mut buf)
        .begin_nd()
        .map_err(io)?;
    w.extend(data.iter().copied()).map_err(io)?;
    w.finish().map_err(io)?;
    Ok(buf.into_inner())
}

/// Write `data` with the given shape to `path` atomically.
pub fn write<T: npyz::AutoSerialize + Copy>(
    path: &Path,
    data: &[T],
    shape: &[usize],
) -> Result<()> {
    super::atomic::write_atomic(path, &encode(data, shape)?)
}

/// Check what a `.npy` header declares before the bytes go to npyz, which trusts it: it
/// allocates the declared header length (up to 4 GiB in format versions 2 and 3) before reading
/// it, and multiplies the dimensions of the shape unchecked (an overflow panics in a debug build
/// and wraps in a release one). A header longer than the file, a shape whose product overflows,
/// or more values than the file has bytes is an error naming the file. A header this cannot
/// read is left to npyz to reject.
pub fn check_header(bytes: &[u8], path: &Path) -> Result<()> {
    let Some((start, len)) = header_span(bytes) else {
        return Ok(());
    };
    let Some(header) = start.checked_add(len).and_then(|end| bytes.get(start..end)) else {
        return Err(bad(
            path,
            format!(
                "truncated .npy header: it declares {len} bytes, the file has {}",
                bytes.len()
            ),
        ));
    };
    let Some(shape) = std::str::from_utf8(header).ok().and_then(declared_shape) else {
        return Ok(());
    };
    let mut n: u64 = 1;
    for &d in &shape {
        n = n
            .checked_mul(d)
            .ok_or_else(|| bad(path, format!("the header's shape {shape:?} is too large")))?;
    }
    if n > bytes.len() as u64 {
        return Err(bad(
            path,
            format!(
                "truncated .npy data: the header declares {n} values (shape {shape:?}), the file has {} bytes",
                bytes.len()
            ),
        ));
    }
    Ok(())
}

/// Where the header dictionary of a `.npy` file (format versions 1 to 3) starts and how long it
/// says it is, if the bytes begin like one.
fn header_span(bytes: &[u8]) -> Option<(usize, usize)> {
    if bytes.get(..6)? != b"\x93NUMPY" {
        return None;
    }
    match *bytes.get(6)? {
        1 => Some((
            10,
            u16::from_le_bytes([*bytes.get(8)?, *bytes.get(9)?]) as usize,
        )),
        2 | 3 => {
            let b: [u8; 4] = bytes.get(8..12)?.try_into().ok()?;
            Some((12, u32::from_le_bytes(b) as usize))
        }
        _ => None,
    }
}

/// The dimensions of the header's `'shape': (...)` entry, if each is a plain integer.
fn declared_shape(header: &str) -> Option<Vec<u64>> {
    let rest = &header[header
        .find("'shape'")
        .or_else(|| header.find("\"shape\""))?..];
    let open = rest.find('(')?;
    let close = open + rest[open..].find(')')?;
    rest[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect()
}

/// Read a C-order array of element type `T` and its shape from `path`.
pub fn read<T: npyz::Deserialize>(path: &Path) -> Result<(Vec<T>, Vec<usize>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    check_header(&bytes, path)?;
    let npy = npyz::NpyFile::new(&bytes[..])
        .map_err(|e| bad(path, format!("not a valid .npy file: {e}")))?;
    if npy.order() != npyz::Order::C {
        return Err(bad(path, "Fortran-order arrays are not supported"));
    }
    let shape: Vec<usize> = npy.shape().iter().map(|&s| s as usize).collect();
    let data = npy
        .into_vec::<T>()
        .map_err(|e| bad(path, format!("cannot read array data: {e}")))?;
    let expected = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    if expected != Some(data.len()) {
        return Err(bad(
            path,
            format!("truncated: {} values for shape {shape:?}", data.len()),
        ));
    }
    Ok((data, shape))
}
