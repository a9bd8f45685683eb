//! Reading label arrays from files: `.npy`, a CSV/TSV column, or plain text.
//!
//! A spec names the input:
//!
//! - `preds.npy`: a NumPy array of an integer (or bool) dtype, 1-D (n labels) or 2-D (T x n, a
//!   curve: one row per checkpoint), C or Fortran order.
//! - `table.csv:column` / `table.tsv:column`: one column of a delimited file with a header row
//!   (comma for `.csv`, tab for `.tsv`).
//! - anything else: plain text, one label per line (blank lines at the end are ignored).
//!
//! Labels are non-negative integers; every problem is an error naming the file and what is wrong.

use crate::error::{Error, Result};
use npyz::{NpyFile, Order, TypeChar};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Labels read from one input: 1-D (`rows == 1`) or a T x n curve, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelArray {
    /// The spec the labels came from, for messages.
    pub source: String,
    /// Number of rows (1 for a 1-D input).
    pub rows: usize,
    /// Number of labels per row (n).
    pub cols: usize,
    /// Whether the input was 2-D (a `.npy` of shape T x n, even when T = 1).
    pub is_2d: bool,
    /// The labels, row-major, `rows * cols` of them.
    pub values: Vec<i64>,
}

impl LabelArray {
    fn one_d(source: &str, values: Vec<i64>) -> Result<Self> {
        if values.is_empty() {
            return Err(Error::Empty(source.into()));
        }
        Ok(Self {
            source: source.into(),
            rows: 1,
            cols: values.len(),
            is_2d: false,
            values,
        })
    }

    /// The largest label (the array is never empty).
    pub fn max(&self) -> i64 {
        self.values.iter().copied().max().unwrap_or(0)
    }
}

/// Where a spec points.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Spec {
    Npy(PathBuf),
    Delimited {
        path: PathBuf,
        column: String,
        delimiter: u8,
    },
    Text(PathBuf),
}

fn has_ext(p: &str, ext: &str) -> bool {
    Path::new(p)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn parse_spec(spec: &str) -> Result<Spec> {
    if let Some((path, column)) = spec.rsplit_once(':') {
        for (ext, delimiter) in [("csv", b','), ("tsv", b'\t')] {
            if has_ext(path, ext) {
                if column.is_empty() {
                    return Err(bad(path, "empty column name after ':'"));
                }
                return Ok(Spec::Delimited {
                    path: path.into(),
                    column: column.into(),
                    delimiter,
                });
            }
        }
    }
    if has_ext(spec, "npy") {
        return Ok(Spec::Npy(spec.into()));
    }
    if has_ext(spec, "csv") || has_ext(spec, "tsv") {
        return Err(bad(spec, "a CSV/TSV input needs a column: FILE:COLUMN"));
    }
    Ok(Spec::Text(spec.into()))
}

fn bad(path: impl Into<PathBuf>, reason: impl Into<String>) -> Error {
    Error::BadFile {
        path: path.into(),
        reason: reason.into(),
    }
}

/// Read the labels named by `spec` (see the module docs for the formats).
pub fn read_labels(spec: &str) -> Result<LabelArray> {
    match parse_spec(spec)? {
        Spec::Npy(p) => read_npy(&p, spec),
        Spec::Delimited {
            path,
            column,
            delimiter,
        } => read_delimited(&path, &column, delimiter, spec),
        Spec::Text(p) => read_text(&p, spec),
    }
}

fn parse_label(s: &str) -> std::result::Result<i64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty field where a label was expected".into());
    }
    match s.parse::<i64>() {
        Ok(v) if v < 0 => Err(format!("negative label {v}")),
        Ok(v) => Ok(v),
        Err(_) => Err(format!("'{s}' is not a non-negative integer label")),
    }
}

fn read_text(path: &Path, spec: &str) -> Result<LabelArray> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut values = Vec::new();
    let mut blank_at: Option<usize> = None;
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| bad(path, format!("line {}: {e}", i + 1)))?;
        if line.trim().is_empty() {
            blank_at.get_or_insert(i + 1);
            continue;
        }
        if let Some(b) = blank_at {
            return Err(bad(
                path,
                format!("line {b}: blank line before more labels"),
            ));
        }
        values.push(parse_label(&line).map_err(|r| bad(path, format!("line {}: {r}", i + 1)))?);
    }
    LabelArray::one_d(spec, values)
}

fn read_delimited(path: &Path, column: &str, delimiter: u8, spec: &str) -> Result<LabelArray> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .from_reader(BufReader::new(file));
    let headers = rdr
        .headers()
        .map_err(|e| bad(path, format!("cannot read the header row: {e}")))?
        .clone();
    let Some(col) = headers.iter().position(|h| h.trim() == column) else {
        let names: Vec<&str> = headers.iter().collect();
        return Err(bad(
            path,
            format!("no column '{column}' (columns: {})", names.join(", ")),
        ));
    };
    let mut values = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        // Line numbers count the header as line 1.
        let line = i + 2;
        let rec = rec.map_err(|e| bad(path, format!("line {line}: {e}")))?;
        let field = rec
            .get(col)
            .ok_or_else(|| bad(path, format!("line {line}: no field for column '{column}'")))?;
        values.push(
            parse_label(field)
                .map_err(|r| bad(path, format!("line {line}, column '{column}': {r}")))?,
        );
    }
    LabelArray::one_d(spec, values)
}

fn read_npy(path: &Path, spec: &str) -> Result<LabelArray> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    crate::run::npy::check_header(&bytes, path)?;
    let npy = NpyFile::new(&bytes[..])
        .map_err(|e| bad(path, format!("not a readable .npy file: {e}")))?;
    let (rows, cols, is_2d) = npy_shape(path, npy.shape())?;
    let len = rows
        .checked_mul(cols)
        .ok_or_else(|| bad(path, format!("shape {:?} is too large", npy.shape())))?;
    if len == 0 {
        return Err(Error::Empty(spec.into()));
    }
    let order = npy.order();
    let mut values = npy_values(path, npy, len, bytes.len())?;
    if values.len() != len {
        return Err(bad(
            path,
            format!("truncated .npy data: {} of {len} values", values.len()),
        ));
    }
    if let Some((i, v)) = values.iter().enumerate().find(|(_, &v)| v < 0) {
        return Err(bad(path, format!("negative label {v} at flat index {i}")));
    }
    if is_2d && order == Order::Fortran {
        let mut c = vec![0i64; values.len()];
        for r in 0..rows {
            for k in 0..cols {
                c[r * cols + k] = values[k * rows + r];
            }
        }
        values = c;
    }
    Ok(LabelArray {
        source: spec.into(),
        rows,
        cols,
        is_2d,
        values,
    })
}

/// `(rows, cols, is_2d)` of a 1-D (n) or 2-D (T x n) array.
fn npy_shape(path: &Path, shape: &[u64]) -> Result<(usize, usize, bool)> {
    let size =
        |d: u64| usize::try_from(d).map_err(|_| bad(path, format!("dimension {d} is too large")));
    match shape {
        [n] => Ok((1, size(*n)?, false)),
        [t, n] => Ok((size(*t)?, size(*n)?, true)),
        s => Err(bad(
            path,
            format!(
                "array has {} dimensions (shape {s:?}); expected 1 (n) or 2 (T x n)",
                s.len()
            ),
        )),
    }
}

/// The `len` values of an integer (or bool) array, widened to `i64`. A declared length the
/// file's `file_len` bytes cannot hold is an error before anything is allocated for it.
fn npy_values(path: &Path, npy: NpyFile<&[u8]>, len: usize, file_len: usize) -> Result<Vec<i64>> {
    let dtype = npy.dtype();
    let not_integer = || {
        bad(
            path,
            format!("dtype {} is not an integer type", dtype.descr()),
        )
    };
    let npyz::DType::Plain(ts) = &dtype else {
        return Err(not_integer());
    };
    let item = ts.size_field().max(1) as usize;
    if len.checked_mul(item).is_none_or(|b| b > file_len) {
        return Err(bad(
            path,
            format!("truncated .npy data: {len} values of {item} bytes declared, the file has {file_len} bytes"),
        ));
    }
    let truncated =
        |e: std::io::Error| bad(path, format!("truncated or unreadable .npy data: {e}"));
    Ok(match (ts.type_char(), ts.size_field()) {
        (TypeChar::Bool, 1) => npy
            .into_vec::<bool>()
            .map_err(truncated)?
            .into_iter()
            .map(i64::from)
            .collect(),
        (TypeChar::Int, 1) => widen(npy.into_vec::<i8>().map_err(truncated)?),
        (TypeChar::Int, 2) => widen(npy.into_vec::<i16>().map_err(truncated)?),
        (TypeChar::Int, 4) => widen(npy.into_vec::<i32>().map_err(truncated)?),
        (TypeChar::Int, 8) => npy.into_vec::<i64>().map_err(truncated)?,
        (TypeChar::Uint, 1) => widen(npy.into_vec::<u8>().map_err(truncated)?),
        (TypeChar::Uint, 2) => widen(npy.into_vec::<u16>().map_err(truncated)?),
        (TypeChar::Uint, 4) => widen(npy.into_vec::<u32>().map_err(truncated)?),
        (TypeChar::Uint, 8) => npy
            .into_vec::<u64>()
            .map_err(truncated)?
            .into_iter()
            // Larger than any alphabet: mapped to i64::MAX, rejected later by the alphabet check.
            .map(|v| i64::try_from(v).unwrap_or(i64::MAX))
            .collect(),
        _ => return Err(not_integer()),
    })
}

fn widen<T: Into<i64>>(v: Vec<T>) -> Vec<i64> {
    v.into_iter().map(Into::into).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_classified_by_extension_and_column() {
        assert_eq!(parse_spec("a.npy").ok(), Some(Spec::Npy("a.npy".into())));
        assert_eq!(parse_spec("a.txt").ok(), Some(Spec::Text("a.txt".into())));
        assert_eq!(
            parse_spec("d/a.csv:pred").ok(),
            Some(Spec::Delimited {
                path: "d/a.csv".into(),
                column: "pred".into(),
                delimiter: b','
            })
        );
        assert!(parse_spec("a.csv").is_err());
        assert!(parse_spec("a.tsv:").is_err());
    }
}
