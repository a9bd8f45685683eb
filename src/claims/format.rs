//! Verdicts as text: every number at its precision (never a raw float such as
//! 0.43100000000000005), the claims table of the terminal, and the cells the report shares.

use super::{Outcome, Verdict};

/// Decimals of a claim's statistic, interval and per-seed values in tables.
pub const DECIMALS: usize = 3;

/// `x` with `decimals` decimals; `-` for NaN, `inf` / `-inf` for infinities.
pub fn num(x: f64, decimals: usize) -> String {
    if x.is_nan() {
        "-".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        // Never print "-0.000".
        let s = format!("{x:.decimals$}");
        if s.trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            s.trim_start_matches('-').to_string()
        } else {
            s
        }
    }
}

/// Values joined by `, `, each with `decimals` decimals: `[0.1, 0.25]` -> `0.100, 0.250`.
pub fn list(xs: &[f64], decimals: usize) -> String {
    xs.iter()
        .map(|&x| num(x, decimals))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A whole number stored as a float (a step), or `none` when infinite (no departure).
pub fn step(x: f64) -> String {
    if x.is_finite() {
        format!("{}", x.round() as i64)
    } else {
        "none".into()
    }
}

/// Seeds as ranges: `[1, 2, 3, 4, 7]` -> `1-4, 7`.
pub fn seed_ranges(seeds: &[u64]) -> String {
    let mut s = seeds.to_vec();
    s.sort_unstable();
    s.dedup();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let mut j = i;
        while j + 1 < s.len() && s[j + 1] == s[j] + 1 {
            j += 1;
        }
        parts.push(if j > i + 1 {
            format!("{}-{}", s[i], s[j])
        } else if j == i + 1 {
            format!("{}, {}", s[i], s[j])
        } else {
            s[i].to_string()
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// Every seed's value, `seed: value` (a claim is a statement over all of them); for a claim over
/// tasks or settings, every group's value, `name: value`.
pub fn values_cell(v: &Verdict) -> String {
    let cells: Vec<String> = if v.per_group.is_empty() {
        v.per_seed
            .iter()
            .map(|(seed, x)| format!("{seed}: {}", num(*x, DECIMALS)))
            .collect()
    } else {
        v.per_group
            .iter()
            .map(|(name, x)| format!("{name}: {}", num(*x, DECIMALS)))
            .collect()
    };
    if cells.is_empty() {
        "-".into()
    } else {
        cells.join(", ")
    }
}

/// The statistic and its interval: `0.853 [0.801, 0.926]`, or `-`.
pub fn stat_cell(v: &Verdict) -> String {
    match v.statistic {
        None => "-".into(),
        Some(s) if s.n <= 1 || s.interval.0 == s.interval.1 => num(s.value, DECIMALS),
        Some(s) => format!(
            "{} [{}, {}]",
            num(s.value, DECIMALS),
            num(s.interval.0, DECIMALS),
            num(s.interval.1, DECIMALS)
        ),
    }
}

/// The number of seeds that decided a claim over seeds (`-` otherwise).
pub fn seeds_cell(v: &Verdict) -> String {
    if v.per_seed.is_empty() {
        "-".into()
    } else {
        v.per_seed.len().to_string()
    }
}

/// What was expected: `holds`, or `fails (finding)`.
pub fn expected_cell(v: &Verdict) -> String {
    if v.is_finding() {
        format!("{} (finding)", v.expected.outcome.name())
    } else {
        v.expected.outcome.name().to_string()
    }
}

/// The threshold, with the reason of an outcome other than "holds".
pub fn note_cell(v: &Verdict) -> String {
    match &v.outcome {
        Outcome::Holds => v.threshold.clone(),
        o => format!("{} ({})", v.threshold, o.reason()),
    }
}

/// Render verdicts as a plain-text table: the paper's claims, then the findings.
pub fn table(verdicts: &[Verdict]) -> String {
    let (findings, paper): (Vec<&Verdict>, Vec<&Verdict>) =
        verdicts.iter().partition(|v| v.is_finding());
    let mut out = rows(&paper);
    if !findings.is_empty() {
        out.push_str("\nfindings (this project's stronger questions and variants, each with its expected outcome):\n");
        out.push_str(&rows(&findings));
    }
    out
}

fn rows(verdicts: &[&Verdict]) -> String {
    let mut out = format!(
        "{:<4} {:<22} {:<9} {:<9} {:>5}  {:<22}  {:<40}  {}\n",
        "id",
        "scope",
        "outcome",
        "expected",
        "seeds",
        "statistic [95% CI]",
        "per seed or task",
        "threshold / reason"
    );
    for v in verdicts {
        let expected = if v.as_expected() { "" } else { " !" };
        out.push_str(&format!(
            "{:<4} {:<22} {:<9} {:<9} {:>5}  {:<22}  {:<40}  {}\n",
            v.id,
            v.scope,
            format!("{}{expected}", v.outcome.label()),
            v.expected.outcome.name(),
            seeds_cell(v),
            stat_cell(v),
            values_cell(v),
            note_cell(v).trim()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_at_their_precision() {
        assert_eq!(num(0.431_000_000_000_000_05, 3), "0.431");
        assert_eq!(num(-0.0001, 3), "0.000");
        assert_eq!(num(f64::NAN, 3), "-");
        assert_eq!(num(f64::INFINITY, 3), "inf");
        assert_eq!(list(&[0.1, 0.25], 2), "0.10, 0.25");
        assert_eq!(step(625.0), "625");
        assert_eq!(step(f64::INFINITY), "none");
    }

    #[test]
    fn seeds_print_as_ranges() {
        assert_eq!(seed_ranges(&[3, 1, 2]), "1-3");
        assert_eq!(seed_ranges(&[1, 2, 3, 4, 5, 6, 41]), "1-6, 41");
        assert_eq!(seed_ranges(&[7, 8]), "7, 8");
        assert_eq!(seed_ranges(&[]), "");
    }
}
