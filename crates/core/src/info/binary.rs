//! The fast path for binary (F, L, Y): the 8 cells of the joint table in one pass.
//!
//! The kernel reads 0/1 bytes in rows of `W` bytes and adds, per byte lane, the seven products
//! f, l, y, f&l, f&y, l&y, f&l&y into `u8` lane counters that are flushed into `u64` totals every
//! 255 rows (so no lane can overflow). The 8 cells follow by inclusion-exclusion. A byte-wise OR of
//! all inputs detects any label other than 0 or 1, in which case the kernel reports `None` and the
//! caller falls back to the general histogram (which names the offending label).
//!
//! The same safe, portable body is compiled three times: for the baseline target and, on x86-64,
//! for AVX2 and AVX-512BW; the widest one the CPU supports is picked at run time with
//! `is_x86_feature_detected!`, so a portable binary still runs at native speed.

/// One implementation of the binary cell counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryKernel {
    /// The portable body compiled for the baseline target (16-byte rows).
    Portable,
    /// The same body compiled with AVX2 enabled (32-byte rows). x86-64 only.
    Avx2,
    /// The same body compiled with AVX-512BW enabled (64-byte rows). x86-64 only.
    Avx512,
}

impl BinaryKernel {
    /// Every kernel, in order of preference (widest last).
    pub const ALL: [BinaryKernel; 3] = [
        BinaryKernel::Portable,
        BinaryKernel::Avx2,
        BinaryKernel::Avx512,
    ];

    /// Whether this CPU can run the kernel.
    pub fn is_available(self) -> bool {
        match self {
            BinaryKernel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            BinaryKernel::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            BinaryKernel::Avx512 => std::arch::is_x86_feature_detected!("avx512bw"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The kernel [`binary_cells`] uses on this CPU.
    pub fn best() -> BinaryKernel {
        Self::ALL
            .into_iter()
            .rev()
            .find(|k| k.is_available())
            .unwrap_or(BinaryKernel::Portable)
    }
}

/// The 8 cells of the binary (F, L, Y) table, index `(f * 2 + l) * 2 + y` (the layout of
/// [`super::Table3`] with sizes `[2, 2, 2]`), or `None` when some label is not 0 or 1.
///
/// The three slices must have the same length (checked by the callers; the shortest length is
/// used otherwise).
pub fn binary_cells(f: &[u8], l: &[u8], y: &[u8]) -> Option<[u64; 8]> {
    binary_cells_with(BinaryKernel::best(), f, l, y)
}

/// [`binary_cells`] with a chosen kernel; `None` also when the kernel is not available on this
/// CPU (see [`BinaryKernel::is_available`]).
pub fn binary_cells_with(kernel: BinaryKernel, f: &[u8], l: &[u8], y: &[u8]) -> Option<[u64; 8]> {
    let n = f.len().min(l.len()).min(y.len());
    let (f, l, y) = (&f[..n], &l[..n], &y[..n]);
    if !kernel.is_available() {
        return None;
    }
    let sums = match kernel {
        BinaryKernel::Portable => sums_portable(f, l, y),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `is_available` checked above that the CPU supports AVX2.
        BinaryKernel::Avx2 => unsafe { x86::sums_avx2(f, l, y) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `is_available` checked above that the CPU supports AVX-512BW.
        BinaryKernel::Avx512 => unsafe { x86::sums_avx512(f, l, y) },
        #[cfg(not(target_arch = "x86_64"))]
        _ => return None,
    }?;
    Some(cells_from_sums(n as u64, sums))
}

/// Sums of f, l, y, fl, fy, ly, fly over the rows.
type Sums = [u64; 7];

fn cells_from_sums(n: u64, s: Sums) -> [u64; 8] {
    let [sf, sl, sy, sfl, sfy, sly, sfly] = s;
    // Inclusion-exclusion; every intermediate is a count of a set, so no term goes negative when
    // evaluated in this order.
    let c111 = sfly;
    let c110 = sfl - sfly;
    let c101 = sfy - sfly;
    let c011 = sly - sfly;
    let c100 = sf - c110 - c101 - c111;
    let c010 = sl - c110 - c011 - c111;
    let c001 = sy - c101 - c011 - c111;
    let c000 = n - c100 - c010 - c001 - c110 - c101 - c011 - c111;
    // Layout (f * 2 + l) * 2 + y.
    [c000, c001, c010, c011, c100, c101, c110, c111]
}

/// Rows between two flushes of the `u8` lane counters: each lane gains at most 1 per row.
const FLUSH_ROWS: usize = 255;

/// The portable body, generic in the row width `W`. Written as plain lane loops so that the
/// compiler vectorises it for whatever target features the caller is compiled with.
#[inline(always)]
fn sums_body<const W: usize>(f: &[u8], l: &[u8], y: &[u8]) -> Option<Sums> {
    let mut tot: Sums = [0; 7];
    let mut or = [0u8; W];
    let fr = f.chunks_exact(W);
    let (f_tail, l_tail, y_tail) = (fr.remainder(), &l[f.len() - fr.remainder().len()..], {
        &y[f.len() - fr.remainder().len()..]
    });
    let mut rows = fr.zip(l.chunks_exact(W)).zip(y.chunks_exact(W));
    loop {
        let mut acc = [[0u8; W]; 7];
        let mut taken = 0;
        for ((a, b), c) in rows.by_ref().take(FLUSH_ROWS) {
            taken += 1;
            let (a, b, c) = (&a[..W], &b[..W], &c[..W]);
            for j in 0..W {
                let (a, b, c) = (a[j], b[j], c[j]);
                or[j] |= a | b | c;
                let ab = a & b;
                acc[0][j] = acc[0][j].wrapping_add(a);
                acc[1][j] = acc[1][j].wrapping_add(b);
                acc[2][j] = acc[2][j].wrapping_add(c);
                acc[3][j] = acc[3][j].wrapping_add(ab);
                acc[4][j] = acc[4][j].wrapping_add(a & c);
                acc[5][j] = acc[5][j].wrapping_add(b & c);
                acc[6][j] = acc[6][j].wrapping_add(ab & c);
            }
        }
        for (t, lanes) in tot.iter_mut().zip(acc.iter()) {
            *t += lanes.iter().map(|&v| u64::from(v)).sum::<u64>();
        }
        if taken < FLUSH_ROWS {
            break;
        }
    }
    let mut tail_or = 0u8;
    for ((&a, &b), &c) in f_tail.iter().zip(l_tail).zip(y_tail) {
        tail_or |= a | b | c;
        let (a, b, c) = (u64::from(a & 1), u64::from(b & 1), u64::from(c & 1));
        tot[0] += a;
        tot[1] += b;
        tot[2] += c;
        tot[3] += a & b;
        tot[4] += a & c;
        tot[5] += b & c;
        tot[6] += a & b & c;
    }
    let all_or = or.iter().fold(tail_or, |x, &v| x | v);
    (all_or <= 1).then_some(tot)
}

fn sums_portable(f: &[u8], l: &[u8], y: &[u8]) -> Option<Sums> {
    sums_body::<16>(f, l, y)
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{sums_body, Sums};

    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn sums_avx2(f: &[u8], l: &[u8], y: &[u8]) -> Option<Sums> {
        sums_body::<32>(f, l, y)
    }

    /// # Safety
    /// The CPU must support AVX-512BW.
    #[target_feature(enable = "avx512bw")]
    pub(super) unsafe fn sums_avx512(f: &[u8], l: &[u8], y: &[u8]) -> Option<Sums> {
        sums_body::<64>(f, l, y)
    }
}

/// The read floor: the time it takes to read `f`, `l` and `y` once (a u64-word XOR fold), for
/// benchmarks that compare a kernel with the cost of touching its input.
pub fn read_floor(f: &[u8], l: &[u8], y: &[u8]) -> u64 {
    let fold = |s: &[u8]| {
        let mut acc = [0u64; 4];
        let chunks = s.chunks_exact(32);
        let tail = chunks.remainder();
        for c in chunks {
            for (k, a) in acc.iter_mut().enumerate() {
                let mut w = [0u8; 8];
                w.copy_from_slice(&c[k * 8..k * 8 + 8]);
                *a ^= u64::from_le_bytes(w);
            }
        }
        tail.iter()
            .fold(acc[0] ^ acc[1] ^ acc[2] ^ acc[3], |x, &b| x ^ u64::from(b))
    };
    fold(f) ^ fold(l).rotate_left(1) ^ fold(y).rotate_left(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row width of the portable body (including the 32 and 64 of the AVX2 and AVX-512
    /// builds) on the baseline target, so that the row and flush logic is checked on any CPU.
    #[test]
    fn every_row_width_matches_the_plain_histogram() {
        let n = 255 * 64 * 2 + 101;
        let f: Vec<u8> = (0..n).map(|i| u8::from(i % 3 == 0)).collect();
        let l: Vec<u8> = (0..n).map(|i| u8::from(i % 5 < 3)).collect();
        let y: Vec<u8> = (0..n).map(|i| u8::from((i * 7) % 11 < 6)).collect();
        let mut want = [0u64; 8];
        for i in 0..n {
            want[usize::from(f[i]) * 4 + usize::from(l[i]) * 2 + usize::from(y[i])] += 1;
        }
        let cells = |s: Option<Sums>| s.map(|s| cells_from_sums(n as u64, s));
        assert_eq!(cells(sums_body::<16>(&f, &l, &y)), Some(want));
        assert_eq!(cells(sums_body::<32>(&f, &l, &y)), Some(want));
        assert_eq!(cells(sums_body::<64>(&f, &l, &y)), Some(want));
        let mut bad = y.clone();
        bad[n - 1] = 3;
        assert_eq!(sums_body::<64>(&f, &l, &bad), None);
    }
}
