//! Joint count tables of three discrete variables over explicit alphabets.

use crate::error::{Error, Result};

/// An integer label type that can be counted into a table.
pub trait Label: Copy {
    /// The label as a symbol index, or `None` when it is negative or too large.
    fn symbol(self) -> Option<usize>;
    /// The raw value, for error messages.
    fn raw(self) -> i64;
}

macro_rules! impl_label_unsigned {
    ($($t:ty),*) => {$(
        impl Label for $t {
            #[inline]
            fn symbol(self) -> Option<usize> { usize::try_from(self).ok() }
            fn raw(self) -> i64 { i64::try_from(self).unwrap_or(i64::MAX) }
        }
    )*};
}
impl_label_unsigned!(u8, u16, u32, u64);

impl Label for i64 {
    #[inline]
    fn symbol(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
    fn raw(self) -> i64 {
        self
    }
}

impl Label for i32 {
    #[inline]
    fn symbol(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
    fn raw(self) -> i64 {
        i64::from(self)
    }
}

/// Joint counts of (F, L, Y) over alphabets of sizes `kf`, `kl`, `ky`.
///
/// Cell `(f, l, y)` sits at index `(f * kl + l) * ky + y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table3 {
    /// Alphabet sizes (F, L, Y).
    pub sizes: [usize; 3],
    counts: Vec<u64>,
    n: u64,
}

/// The largest alphabet a variable may have.
pub const MAX_ALPHABET: usize = 256;

fn check_size(what: &str, k: usize) -> Result<()> {
    if k == 0 || k > MAX_ALPHABET {
        return Err(Error::param(
            format!("{what} alphabet size"),
            k,
            format!("must be in 1..={MAX_ALPHABET}"),
        ));
    }
    Ok(())
}

impl Table3 {
    /// An empty table over the given alphabet sizes.
    pub fn zeros(sizes: [usize; 3]) -> Result<Self> {
        for (name, k) in ["F", "L", "Y"].iter().zip(sizes) {
            check_size(name, k)?;
        }
        Ok(Self {
            sizes,
            counts: vec![0; sizes[0] * sizes[1] * sizes[2]],
            n: 0,
        })
    }

    /// A table from explicit counts (length `kf * kl * ky`, layout as documented on the type).
    pub fn from_counts(sizes: [usize; 3], counts: Vec<u64>) -> Result<Self> {
        let mut t = Self::zeros(sizes)?;
        if counts.len() != t.counts.len() {
            return Err(Error::LengthMismatch {
                what: "count table".into(),
                got: counts.len(),
                expected: t.counts.len(),
            });
        }
        t.n = counts.iter().sum();
        t.counts = counts;
        Ok(t)
    }

    /// Count aligned label slices in one pass. Every label must lie in its alphabet; `names` are
    /// used in error messages (e.g. the file names).
    pub fn from_labels<A: Label, B: Label, C: Label>(
        f: &[A],
        l: &[B],
        y: &[C],
        sizes: [usize; 3],
        names: [&str; 3],
    ) -> Result<Self> {
        let mut t = Self::zeros(sizes)?;
        let n = f.len();
        if n == 0 {
            return Err(Error::Empty(names[0].into()));
        }
        for (name, len) in [(names[1], l.len()), (names[2], y.len())] {
            if len != n {
                return Err(Error::LengthMismatch {
                    what: name.into(),
                    got: len,
                    expected: n,
                });
            }
        }
        let [kf, kl, ky] = sizes;
        let sym = |v: &dyn Fn(usize) -> (Option<usize>, i64), k: usize, i: usize, name: &str| {
            let (s, raw) = v(i);
            match s {
                Some(s) if s < k => Ok(s),
                _ => Err(Error::LabelOutOfRange {
                    what: name.into(),
                    value: raw,
                    index: i,
                    size: k,
                }),
            }
        };
        for i in 0..n {
            let a = sym(&|i| (f[i].symbol(), f[i].raw()), kf, i, names[0])?;
            let b = sym(&|i| (l[i].symbol(), l[i].raw()), kl, i, names[1])?;
            let c = sym(&|i| (y[i].symbol(), y[i].raw()), ky, i, names[2])?;
            t.counts[(a * kl + b) * ky + c] += 1;
        }
        t.n = n as u64;
        Ok(t)
    }

    /// Number of observations.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// The raw counts, layout as documented on the type.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Count of cell (f, l, y).
    pub fn get(&self, f: usize, l: usize, y: usize) -> u64 {
        let [_, kl, ky] = self.sizes;
        self.counts[(f * kl + l) * ky + y]
    }

    /// Marginal counts over the variables whose flag is set in `keep` (F, L, Y), as a flat vector
    /// in row-major order of the kept variables.
    pub fn marginal(&self, keep: [bool; 3]) -> Vec<u64> {
        let [kf, kl, ky] = self.sizes;
        let dims = [kf, kl, ky];
        let out_len: usize = (0..3).filter(|&i| keep[i]).map(|i| dims[i]).product();
        let mut out = vec![0u64; out_len];
        for f in 0..kf {
            for l in 0..kl {
                for y in 0..ky {
                    let c = self.counts[(f * kl + l) * ky + y];
                    if c == 0 {
                        continue;
                    }
                    let mut idx = 0;
                    for (i, v) in [f, l, y].into_iter().enumerate() {
                        if keep[i] {
                            idx = idx * dims[i] + v;
                        }
                    }
                    out[idx] += c;
                }
            }
        }
        out
    }
}
