//! Whole training runs in one call: T checkpoints of F against one L and one Y.

use super::binary::binary_cells;
use super::measures::{Estimator, Measures, Unit};
use super::table::{check_aligned, Table3};
use crate::error::{Error, Result};

/// The joint tables of a curve: `f` holds `t` checkpoints of `n` predictions each, row-major
/// (`f[k * n + i]` is checkpoint `k`'s prediction on test point `i`), `l` and `y` hold `n` labels.
///
/// Binary alphabets use the vectorised kernel per checkpoint; otherwise (or where a binary
/// checkpoint holds another label) L and Y are validated and combined into one (L, Y) index,
/// once, shared by every checkpoint. `names` name F, L and Y in errors.
pub fn curve_tables(
    f: &[u8],
    t: usize,
    l: &[u8],
    y: &[u8],
    sizes: [usize; 3],
    names: [&str; 3],
) -> Result<Vec<Table3>> {
    if t == 0 {
        return Err(Error::Empty(names[0].into()));
    }
    let n = l.len();
    if f.len() != t * n {
        return Err(Error::LengthMismatch {
            what: format!("{} ({t} checkpoints)", names[0]),
            got: f.len(),
            expected: t * n,
        });
    }
    check_aligned([n, n, y.len()], names)?;
    let [kf, kl, ky] = sizes;
    let empty = Table3::zeros(sizes)?;
    // The shared (L, Y) index, validated once, and built only when a checkpoint needs the
    // general count: a binary checkpoint whose labels are all 0 or 1 is counted by the
    // vectorised kernel alone (for one checkpoint of 1e7 points the index cost 70x the count).
    let ly_index = || -> Result<Vec<usize>> {
        let mut ly = Vec::with_capacity(n);
        for (i, (&b, &c)) in l.iter().zip(y).enumerate() {
            let (b, c) = (usize::from(b), usize::from(c));
            if b >= kl {
                return Err(out_of_range(names[1], b, i, kl));
            }
            if c >= ky {
                return Err(out_of_range(names[2], c, i, ky));
            }
            ly.push(b * ky + c);
        }
        Ok(ly)
    };
    let mut ly: Option<Vec<usize>> = None;
    let binary = sizes == [2, 2, 2];
    let stride = kl * ky;
    f.chunks_exact(n)
        .enumerate()
        .map(|(k, row)| {
            if binary {
                if let Some(cells) = binary_cells(row, l, y) {
                    return Table3::from_counts(sizes, cells.to_vec());
                }
            }
            let ly = match &mut ly {
                Some(ly) => ly,
                slot => slot.insert(ly_index()?),
            };
            let mut counts = vec![0u64; empty.counts().len()];
            for (i, (&a, &j)) in row.iter().zip(ly.iter()).enumerate() {
                let a = usize::from(a);
                if a >= kf {
                    return Err(out_of_range(
                        &format!("{} checkpoint {k}", names[0]),
                        a,
                        i,
                        kf,
                    ));
                }
                counts[a * stride + j] += 1;
            }
            Table3::from_counts(sizes, counts)
        })
        .collect()
}

/// The measures of every checkpoint of a curve (see [`curve_tables`] for the layout).
pub fn curve(
    f: &[u8],
    t: usize,
    l: &[u8],
    y: &[u8],
    sizes: [usize; 3],
    est: Estimator,
    unit: Unit,
) -> Result<Vec<Measures>> {
    Ok(curve_tables(f, t, l, y, sizes, ["F", "L", "Y"])?
        .iter()
        .map(|tab| Measures::from_table(tab, est, unit))
        .collect())
}

fn out_of_range(what: &str, value: usize, index: usize, size: usize) -> Error {
    Error::LabelOutOfRange {
        what: what.into(),
        value: value as i64,
        index,
        size,
    }
}
