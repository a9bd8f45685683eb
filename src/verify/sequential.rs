//! Seeds added to an undecided claim, batch by batch ([`crate::claims::decide`]).
//!
//! An experiment's seeds come in a fixed sequence: its own seeds (the tier's, or `--seeds`),
//! then the batches that [`next_batch`] draws after them, up to the cap. A claim is decided on
//! the shortest prefix of that sequence (own seeds, then whole batches) on which it is not
//! undecided; `sgdc report` replays the same decisions from the runs present, and `sgdc verify`
//! runs the batch a claim asks for and decides again.

use crate::claims::decide::next_batch;
use crate::claims::Verdict;

/// The whole seed sequence of an experiment whose own seeds are `base`: `base`, then every
/// batch up to the cap.
pub fn sequence(base: &[u64]) -> Vec<u64> {
    let mut seq = base.to_vec();
    loop {
        let b = next_batch(base, &seq);
        if b.is_empty() {
            return seq;
        }
        seq.extend(b);
    }
}

/// A claim decided over a prefix of the sequence.
pub struct Sequential {
    /// The verdict on the seeds used.
    pub verdict: Verdict,
    /// The seeds it was decided on (own seeds first, in sequence order).
    pub seeds: Vec<u64>,
    /// When the claim is still undecided below the cap and the next batch's runs are not all
    /// present: that batch (`sgdc verify` runs it).
    pub wants: Option<Vec<u64>>,
}

/// Decide a claim over a growing prefix of `seq`, whose first `own` seeds are the experiment's
/// own: `present(seed)` tells whether a seed's runs exist; `decide(seeds)` gives the verdict on a
/// prefix. The prefix grows by whole batches while the verdict is undecided and the next batch
/// is present.
pub fn decide(
    seq: &[u64],
    own: usize,
    present: impl Fn(u64) -> bool,
    decide: impl Fn(&[u64]) -> Verdict,
) -> Sequential {
    let mut n = own.min(seq.len());
    loop {
        let verdict = decide(&seq[..n]);
        if !verdict.undecided() || n >= seq.len() {
            return Sequential {
                verdict,
                seeds: seq[..n].to_vec(),
                wants: None,
            };
        }
        let used = &seq[..n];
        let base = &seq[..own.min(seq.len())];
        let batch = next_batch(base, used);
        if batch.is_empty() {
            return Sequential {
                verdict,
                seeds: used.to_vec(),
                wants: None,
            };
        }
        if batch.iter().all(|&s| present(s)) {
            n += batch.len();
            continue;
        }
        return Sequential {
            verdict,
            seeds: used.to_vec(),
            wants: Some(batch),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::{Outcome, Verdict};

    fn verdict(n: usize, decided_at: usize) -> Verdict {
        Verdict {
            outcome: if n >= decided_at {
                Outcome::Holds
            } else {
                Outcome::Undecided("straddles".into())
            },
            ..Verdict::skipped("C2", "t", "s", "")
        }
    }

    #[test]
    fn the_sequence_runs_to_the_cap() {
        assert_eq!(sequence(&[1, 2, 3]), (1..=12).collect::<Vec<_>>());
        assert_eq!(sequence(&[41, 42, 43])[3..6], [44, 45, 46]);
    }

    #[test]
    fn batches_are_added_while_undecided_and_present() {
        let seq = sequence(&[1, 2, 3]);
        // Decided at 6 seeds; everything present.
        let s = decide(&seq, 3, |_| true, |seeds| verdict(seeds.len(), 6));
        assert_eq!(s.seeds, vec![1, 2, 3, 4, 5, 6]);
        assert!(s.wants.is_none() && s.verdict.outcome == Outcome::Holds);
        // Seed 5 not run yet: the claim asks for the batch 4-6.
        let s = decide(&seq, 3, |x| x != 5, |seeds| verdict(seeds.len(), 6));
        assert_eq!(s.seeds, vec![1, 2, 3]);
        assert_eq!(s.wants, Some(vec![4, 5, 6]));
        assert!(s.verdict.undecided());
        // Never decided: stops at the cap, undecided, asking for nothing.
        let s = decide(&seq, 3, |_| true, |seeds| verdict(seeds.len(), 99));
        assert_eq!(s.seeds.len(), 12);
        assert!(s.wants.is_none() && s.verdict.undecided());
        // Decided on the own seeds: later batches are not read even when present.
        let s = decide(&seq, 3, |_| true, |seeds| verdict(seeds.len(), 3));
        assert_eq!(s.seeds, vec![1, 2, 3]);
    }
}
