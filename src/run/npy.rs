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

/// Read a C-order array of element type `T` and its shape from `path`.
pub fn read<T: npyz::Deserialize>(path: &Path) -> Result<(Vec<T>, Vec<usize>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let npy = npyz::NpyFile::new(&bytes[..])
        .map_err(|e| bad(path, format!("not a valid .npy file: {e}")))?;
    if npy.order() != npyz::Order::C {
        return Err(bad(path, "Fortran-order arrays are not supported"));
    }
    let shape: Vec<usize> = npy.shape().iter().map(|&s| s as usize).collect();
    let data = npy
        .into_vec::<T>()
        .map_err(|e| bad(path, format!("cannot read array data: {e}")))?;
    let expected: usize = shape.iter().product();
    if data.len() != expected {
        return Err(bad(
            path,
            format!("truncated: {} values for shape {shape:?}", data.len()),
        ));
    }
    Ok((data, shape))
}
