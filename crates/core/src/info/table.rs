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
        marginal(&self.counts, self.sizes, keep)
    }
}

/// The marginal of `cells` (a joint table over `sizes`, layout of [`Table3`]) over the variables
/// `keep` selects, summed in cell order.
pub(crate) fn marginal<T>(cells: &[T], sizes: [usize; 3], keep: [bool; 3]) -> Vec<T>
where
    T: Copy + Default + PartialEq + std::ops::AddAssign,
{
    let [kf, kl, ky] = sizes;
    let out_len: usize = (0..3).filter(|&i| keep[i]).map(|i| sizes[i]).product();
    let mut out = vec![T::default(); out_len];
    for f in 0..kf {
        for l in 0..kl {
            for y in 0..ky {
                let c = cells[(f * kl + l) * ky + y];
                if c == T::default() {
                    continue;
                }
                let mut idx = 0;
                for (i, v) in [f, l, y].into_iter().enumerate() {
                    if keep[i] {
                        idx = idx * sizes[i] + v;
                    }
                }
                out[idx] += c;
            }
        }
    }
    out
}

/// The smallest alphabet `0..k` that holds every label of `x` (`max + 1`), checked against
/// [`MAX_ALPHABET`]: a negative label or one of [`MAX_ALPHABET`] or more is an error naming `what`
/// and the index, never silently truncated. An empty slice is an error too.
pub fn infer_alphabet<A: Label>(x: &[A], what: &str) -> Result<usize> {
    if x.is_empty() {
        return Err(Error::Empty(what.into()));
    }
    let mut max = 0usize;
    for (i, &v) in x.iter().enumerate() {
        match v.symbol() {
            Some(s) if s < MAX_ALPHABET => max = max.max(s),
            _ => {
                return Err(Error::LabelOutOfRange {
                    what: what.into(),
                    value: v.raw(),
                    index: i,
                    size: MAX_ALPHABET,
                })
            }
        }
    }
    Ok(max + 1)
}

/// Convert labels to `u8` symbols of the alphabet `0..k` (`k <= 256`), naming `what` and the
/// first offending index when a label lies outside it.
pub fn to_symbols<A: Label>(x: &[A], k: usize, what: &str) -> Result<Vec<u8>> {
    check_size(what, k)?;
    x.iter()
        .enumerate()
        .map(|(i, &v)| match v.symbol() {
            // k <= 256, so s < k fits a u8.
            Some(s) if s < k => Ok(s as u8),
            _ => Err(Error::LabelOutOfRange {
                what: what.into(),
                value: v.raw(),
                index: i,
                size: k,
            }),
        })
        .collect()
}

impl Table3 {
    /// Count aligned `u8` label slices in one pass: the fast path. Binary alphabets (`[2, 2, 2]`)
    /// go through the vectorised kernel of [`super::binary_cells`]; any other alphabet through a
    /// plain histogram. Errors as [`Table3::from_labels`].
    pub fn from_u8(
        f: &[u8],
        l: &[u8],
        y: &[u8],
        sizes: [usize; 3],
        names: [&str; 3],
    ) -> Result<Self> {
        let mut t = Self::zeros(sizes)?;
        let n = check_aligned([f.len(), l.len(), y.len()], names)?;
        if sizes == [2, 2, 2] {
            if let Some(cells) = super::binary::binary_cells(f, l, y) {
                t.counts.copy_from_slice(&cells);
                t.n = n as u64;
                return Ok(t);
            }
        }
        let [kf, kl, ky] = sizes;
        for (i, ((&a, &b), &c)) in f.iter().zip(l).zip(y).enumerate() {
            let (a, b, c) = (usize::from(a), usize::from(b), usize::from(c));
            if a >= kf || b >= kl || c >= ky {
                return Err(first_out_of_range([a, b, c], sizes, i, names));
            }
            t.counts[(a * kl + b) * ky + c] += 1;
        }
        t.n = n as u64;
        Ok(t)
    }

    /// Add a table of the same alphabets cell by cell.
    pub fn add(&mut self, other: &Table3) -> Result<()> {
        if other.sizes != self.sizes {
            return Err(Error::param(
                "table sizes",
                format!("{:?}", other.sizes),
                format!("expected {:?}", self.sizes),
            ));
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.n += other.n;
        Ok(())
    }
}

/// Check that three aligned inputs have the same, non-zero length; returns it.
pub(crate) fn check_aligned(lens: [usize; 3], names: [&str; 3]) -> Result<usize> {
    let n = lens[0];
    if n == 0 {
        return Err(Error::Empty(names[0].into()));
    }
    for (name, len) in [(names[1], lens[1]), (names[2], lens[2])] {
        if len != n {
            return Err(Error::LengthMismatch {
                what: name.into(),
                got: len,
                expected: n,
            });
        }
    }
    Ok(n)
}

fn first_out_of_range(v: [usize; 3], sizes: [usize; 3], index: usize, names: [&str; 3]) -> Error {
    let j = (0..3).find(|&j| v[j] >= sizes[j]).unwrap_or(0);
    Error::LabelOutOfRange {
        what: names[j].into(),
        value: v[j] as i64,
        index,
        size: sizes[j],
    }
}
