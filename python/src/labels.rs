//! NumPy label arrays as the `u8` symbols the measures count.
//!
//! Any integer (or bool) dtype is accepted. A C-contiguous `uint8` array is read in place; any
//! other is converted once, label by label, with each label checked: negative labels and labels
//! of the largest alphabet or more ([`MAX_ALPHABET`]) are errors naming the argument and the
//! position, never truncated.

use crate::error::{BindError, Result};
use numpy::{PyArrayDescrMethods, PyReadonlyArrayDyn, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use sgd_complexity::info::MAX_ALPHABET;

/// Where the symbols live: NumPy's own buffer, or a converted copy.
enum Store<'py> {
    /// A C-contiguous `uint8` array, read in place.
    Borrowed(PyReadonlyArrayDyn<'py, u8>),
    /// Any other dtype or layout, converted and checked.
    Owned(Vec<u8>),
}

/// The labels of one argument: row-major `u8` symbols and the array's shape.
pub struct Labels<'py> {
    store: Store<'py>,
    /// The array's shape.
    pub shape: Vec<usize>,
}

impl Labels<'_> {
    /// The symbols, row-major.
    pub fn symbols(&self) -> &[u8] {
        match &self.store {
            // Only C-contiguous arrays are stored borrowed (`as_slice` gives memory order, which
            // is row-major only for them), so `as_slice` succeeds.
            Store::Borrowed(a) => a.as_slice().unwrap_or(&[]),
            Store::Owned(v) => v,
        }
    }

    /// The largest symbol (0 for an empty array).
    pub fn max(&self) -> u8 {
        self.symbols().iter().copied().max().unwrap_or(0)
    }
}

/// Read `obj` (argument `name`) as labels of `ndim` dimensions.
pub fn read<'py>(obj: &Bound<'py, PyAny>, name: &str, ndim: usize) -> Result<Labels<'py>> {
    let Ok(arr) = obj.cast::<PyUntypedArray>() else {
        let ty = obj
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
        return Err(BindError::arg(
            name,
            format!("expected a NumPy integer array, got {ty}"),
        ));
    };
    let dtype = arr.dtype();
    let shape = arr.shape().to_vec();
    if arr.ndim() != ndim {
        let want = if ndim == 1 {
            "1-D (n labels)"
        } else {
            "2-D (T checkpoints x n labels)"
        };
        return Err(BindError::arg(
            name,
            format!("must be {want}, got shape {shape:?}"),
        ));
    }
    let kind = dtype.kind();
    if !matches!(kind, b'i' | b'u' | b'b') {
        return Err(BindError::arg(
            name,
            format!(
                "dtype {} is not an integer dtype: pass hard predictions as class indices \
                 (e.g. logits.argmax(1))",
                dtype
            ),
        ));
    }
    if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'py, u8>>() {
        // Every u8 lies below MAX_ALPHABET = 256: nothing to check, nothing to copy.
        if a.is_c_contiguous() && a.as_slice().is_ok() {
            return Ok(Labels {
                store: Store::Borrowed(a),
                shape,
            });
        }
        return convert(a.as_array().iter().copied(), name, &shape);
    }
    macro_rules! try_dtype {
        ($($t:ty),*) => {$(
            if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'py, $t>>() {
                return convert(a.as_array().iter().copied(), name, &shape);
            }
        )*};
    }
    try_dtype!(i8, i16, i32, i64, u16, u32, u64);
    if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'py, bool>>() {
        return convert(a.as_array().iter().map(|&b| u8::from(b)), name, &shape);
    }
    Err(BindError::arg(
        name,
        format!("dtype {dtype} is not supported (byte order not native?); pass e.g. np.int64"),
    ))
}

/// Where flat index `i` lies, in words.
fn position(i: usize, shape: &[usize]) -> String {
    match shape {
        [_, n] if *n > 0 => format!("checkpoint {}, point {}", i / n, i % n),
        _ => format!("index {i}"),
    }
}

/// Integer labels (also the widening of narrower types) as checked `u8` symbols.
trait Wide: Copy {
    fn wide(self) -> i128;
}

macro_rules! wide {
    ($($t:ty),*) => {$(impl Wide for $t { fn wide(self) -> i128 { i128::from(self) } })*};
}
wide!(u8, i8, i16, i32, i64, u16, u32, u64);

fn convert<'py, T: Wide>(
    values: impl Iterator<Item = T>,
    name: &str,
    shape: &[usize],
) -> Result<Labels<'py>> {
    let mut out = Vec::with_capacity(shape.iter().product());
    for (i, v) in values.enumerate() {
        let w = v.wide();
        if w < 0 {
            return Err(BindError::arg(
                name,
                format!(
                    "label {w} at {} is negative; labels are class indices 0..K",
                    position(i, shape)
                ),
            ));
        }
        if w >= MAX_ALPHABET as i128 {
            return Err(BindError::arg(
                name,
                format!(
                    "label {w} at {} exceeds the largest supported alphabet (0..{MAX_ALPHABET})",
                    position(i, shape)
                ),
            ));
        }
        out.push(w as u8);
    }
    Ok(Labels {
        store: Store::Owned(out),
        shape: shape.to_vec(),
    })
}
