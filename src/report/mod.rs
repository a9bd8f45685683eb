//! The verification report: `index.md`, a static `index.html` (opens without a server) and
//! `report.json`, with the claims table, per-task summaries, figures and the exact commands and
//! manifests behind them.

pub mod figures;

use crate::claims::{Outcome, Verdict};
use crate::error::Result;
use crate::run::atomic::write_atomic;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The measured summary of one task: one value per seed, in the order of `seeds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSummary {
    /// Experiment (and setting) name.
    pub name: String,
    /// Human title.
    pub title: String,
    /// Seeds evaluated.
    pub seeds: Vec<u64>,
    /// T0 step per seed (`None`: no split).
    pub t0_steps: Vec<Option<i64>>,
    /// Realised label noise rate.
    pub noise_rate: Vec<f64>,
    /// I(L;Y) in bits.
    pub i_ly: Vec<f64>,
    /// Final mu(F_T;L) in bits.
    pub final_mu: Vec<f64>,
    /// Final mu(F_T;L) / I(L;Y).
    pub final_retention: Vec<f64>,
    /// Final I(F_T;Y) - mu(F_T;L) in bits.
    pub final_gap: Vec<f64>,
    /// Final train accuracy (labels as trained on).
    pub train_acc: Vec<f64>,
    /// Final test accuracy.
    pub test_acc: Vec<f64>,
    /// Test accuracy of L.
    pub linear_test_acc: Vec<f64>,
}

/// A figure in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureRef {
    /// Path of the PNG relative to the report folder.
    pub png: String,
    /// Path of the SVG relative to the report folder.
    pub svg: String,
    /// Caption.
    pub caption: String,
    /// The command that reproduces it.
    pub command: String,
}

impl FigureRef {
    /// The PNG and SVG written for `figures/<file>` (see [`figures`]).
    pub fn in_figures(file: &str, caption: String, command: &str) -> Self {
        FigureRef {
            png: format!("figures/{file}.png"),
            svg: format!("figures/{file}.svg"),
            caption,
            command: command.into(),
        }
    }
}

/// One section of the report (an experiment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Experiment name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Free text (e.g. why the section was skipped, what it stands in for).
    pub note: String,
    /// The command that reproduces the section's runs.
    pub command: String,
    /// Per-task (or per-setting) summaries.
    pub summaries: Vec<TaskSummary>,
    /// Figures.
    pub figures: Vec<FigureRef>,
    /// Manifests of the runs (as JSON), in seed order.
    pub manifests: Vec<serde_json::Value>,
}

/// Everything the report shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Tier (quick or full).
    pub tier: String,
    /// The command that produced the whole report.
    pub command: String,
    /// The claims.
    pub verdicts: Vec<Verdict>,
    /// Per-experiment sections.
    pub sections: Vec<Section>,
}

fn fmt_t0(t: &[Option<i64>]) -> String {
    t.iter()
        .map(|s| s.map_or("none".to_string(), |v| v.to_string()))
        .collect::<Vec<_>>()
        .join(" / ")
}

fn stat_cell(v: &Verdict) -> (String, String) {
    let stat = v
        .statistic
        .map_or("-".to_string(), |s| format!("{:.4}", s.trimmed_mean));
    (stat, crate::claims::values_cell(v))
}

/// Values per seed, separated by slashes, in seed order.
fn seeds_cell(values: &[f64], digits: usize) -> String {
    values
        .iter()
        .map(|v| format!("{v:.digits$}"))
        .collect::<Vec<_>>()
        .join(" / ")
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const SUMMARY_HEAD: [&str; 9] = [
    "task",
    "seeds",
    "noise",
    "T0 (step, per seed)",
    "I(L;Y) bits",
    "final mu/I(L;Y)",
    "final I(F;Y)-mu bits",
    "train acc",
    "test acc (L)",
];

fn summary_row(s: &TaskSummary) -> [String; 9] {
    let test: Vec<String> = s
        .test_acc
        .iter()
        .zip(&s.linear_test_acc)
        .map(|(f, l)| format!("{f:.4} ({l:.4})"))
        .collect();
    [
        s.name.clone(),
        s.seeds
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" / "),
        seeds_cell(&s.noise_rate, 3),
        fmt_t0(&s.t0_steps),
        seeds_cell(&s.i_ly, 4),
        seeds_cell(&s.final_retention, 3),
        seeds_cell(&s.final_gap, 4),
        seeds_cell(&s.train_acc, 4),
        test.join(" / "),
    ]
}

fn md_claims<'a>(o: &mut String, verdicts: impl Iterator<Item = &'a Verdict>) {
    o.push_str("| id | scope | outcome | statistic | per seed or task | measured | threshold | note |\n|---|---|---|---|---|---|---|---|\n");
    for v in verdicts {
        let (s, per_seed) = stat_cell(v);
        o.push_str(&format!(
            "| {} | {} | **{}** | {} | {} | {} | {} | {} |\n",
            v.id,
            md_escape(&v.scope),
            v.outcome.label(),
            s,
            per_seed,
            md_escape(&v.measured),
            md_escape(&v.threshold),
            md_escape(v.outcome.reason())
        ));
    }
}

fn html_claims<'a>(o: &mut String, verdicts: impl Iterator<Item = &'a Verdict>) {
    o.push_str("<table><tr><th>id</th><th>scope</th><th>outcome</th><th>statistic</th><th>per seed or task</th><th>measured</th><th>threshold</th><th>note</th></tr>\n");
    for v in verdicts {
        let (s, per_seed) = stat_cell(v);
        o.push_str(&format!(
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td><b>{}</b></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            v.outcome.label(),
            html_escape(&v.id),
            html_escape(&v.scope),
            v.outcome.label(),
            s,
            html_escape(&per_seed),
            html_escape(&v.measured),
            html_escape(&v.threshold),
            html_escape(v.outcome.reason())
        ));
    }
    o.push_str("</table>\n");
}

/// Render `index.md`.
pub fn markdown(r: &Report) -> String {
    let mut o = String::new();
    o.push_str(&format!(
        "# Verification report ({} tier)\n\nReproduce: `{}`\n\nThresholds and the T0 rule: `src/claims/thresholds.rs`. Statistics are trimmed means over seeds (best and worst seed dropped when there are at least three); every seed's value is listed beside it, and the per-task table gives one value per seed (in the order of its seeds column).\n\n## Claims\n\n",
        r.tier, r.command
    ));
    md_claims(&mut o, r.verdicts.iter().filter(|v| !v.variant));
    if r.verdicts.iter().any(|v| v.variant) {
        o.push_str(&format!("\n## Variants\n\n{VARIANTS_NOTE}\n\n"));
        md_claims(&mut o, r.verdicts.iter().filter(|v| v.variant));
    }
    o.push_str("\n## Measured per task\n\n");
    o.push_str(&format!("| {} |\n", SUMMARY_HEAD.join(" | ")));
    o.push_str(&format!("|{}\n", "---|".repeat(SUMMARY_HEAD.len())));
    for sec in &r.sections {
        for s in &sec.summaries {
            o.push_str(&format!("| {} |\n", summary_row(s).join(" | ")));
        }
    }
    for sec in &r.sections {
        o.push_str(&format!(
            "\n## {}\n\n{}\n\nRuns: `{}`\n\n",
            sec.title, sec.note, sec.command
        ));
        for f in &sec.figures {
            o.push_str(&format!(
                "![{}]({})\n\n{} ([SVG]({})). Reproduce: `{}`\n\n",
                md_escape(&f.caption),
                f.png,
                f.caption,
                f.svg,
                f.command
            ));
        }
        if !sec.manifests.is_empty() {
            o.push_str("<details><summary>Manifests</summary>\n\n```json\n");
            for m in &sec.manifests {
                o.push_str(&serde_json::to_string_pretty(m).unwrap_or_default());
                o.push('\n');
            }
            o.push_str("```\n</details>\n");
        }
    }
    o
}

/// Render `index.html` (self-contained apart from the figure files next to it).
pub fn html(r: &Report) -> String {
    let mut o = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>sgd-complexity verification</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #bbb;padding:3px 6px;vertical-align:top}th{background:#eee}.pass{background:#d9f2d9}.FAIL{background:#f7d4d4}.skipped{background:#eee}code{background:#f4f4f4}img{max-width:100%;border:1px solid #ddd}pre{font-size:11px;overflow:auto;max-height:400px}</style></head><body>\n",
    );
    o.push_str(&format!(
        "<h1>Verification report ({} tier)</h1>\n<p>Reproduce: <code>{}</code></p>\n<p>Thresholds and the T0 rule: <code>src/claims/thresholds.rs</code>. Statistics are trimmed means over seeds (best and worst seed dropped when there are at least three); every seed's value is listed beside it, and the per-task table gives one value per seed (in the order of its seeds column).</p>\n<h2>Claims</h2>\n",
        html_escape(&r.tier),
        html_escape(&r.command)
    ));
    html_claims(&mut o, r.verdicts.iter().filter(|v| !v.variant));
    if r.verdicts.iter().any(|v| v.variant) {
        o.push_str(&format!(
            "<h2>Variants</h2>\n<p>{}</p>\n",
            html_escape(VARIANTS_NOTE)
        ));
        html_claims(&mut o, r.verdicts.iter().filter(|v| v.variant));
    }
    o.push_str("<h2>Measured per task</h2>\n<table><tr>");
    for h in SUMMARY_HEAD {
        o.push_str(&format!("<th>{}</th>", html_escape(h)));
    }
    o.push_str("</tr>\n");
    for sec in &r.sections {
        for s in &sec.summaries {
            o.push_str("<tr>");
            for c in summary_row(s) {
                o.push_str(&format!("<td>{}</td>", html_escape(&c)));
            }
            o.push_str("</tr>\n");
        }
    }
    o.push_str("</table>\n");
    for sec in &r.sections {
        o.push_str(&format!(
            "<h2>{}</h2>\n<p>{}</p>\n<p>Runs: <code>{}</code></p>\n",
            html_escape(&sec.title),
            html_escape(&sec.note),
            html_escape(&sec.command)
        ));
        for f in &sec.figures {
            o.push_str(&format!(
                "<figure><img src=\"{}\" alt=\"{}\"><figcaption>{} (<a href=\"{}\">SVG</a>). Reproduce: <code>{}</code></figcaption></figure>\n",
                html_escape(&f.png),
                html_escape(&f.caption),
                html_escape(&f.caption),
                html_escape(&f.svg),
                html_escape(&f.command)
            ));
        }
        if !sec.manifests.is_empty() {
            o.push_str("<details><summary>Manifests</summary><pre>");
            for m in &sec.manifests {
                o.push_str(&html_escape(
                    &serde_json::to_string_pretty(m).unwrap_or_default(),
                ));
                o.push('\n');
            }
            o.push_str("</pre></details>\n");
        }
    }
    o.push_str("</body></html>\n");
    o
}

/// Write `index.md`, `index.html` and `report.json` into `dir`.
pub fn write(dir: &Path, r: &Report) -> Result<()> {
    write_atomic(&dir.join("index.md"), markdown(r).as_bytes())?;
    write_atomic(&dir.join("index.html"), html(r).as_bytes())?;
    let json = serde_json::to_vec_pretty(r).map_err(|e| crate::Error::BadFile {
        path: dir.join("report.json"),
        reason: e.to_string(),
    })?;
    write_atomic(&dir.join("report.json"), &json)
}

/// Whether any verdict on the paper's claims failed (the exit status of `sgdc verify`);
/// verdicts on stronger variants are reported, not gated on.
pub fn any_failed(r: &Report) -> bool {
    r.verdicts
        .iter()
        .any(|v| !v.variant && matches!(v.outcome, Outcome::Fail(_)))
}

/// The note above the table of variants.
pub const VARIANTS_NOTE: &str = "Variants this project adds beside the paper's setting (each experiment's section below says what it changes), e.g. a real task with 10% of its training labels flipped, where zero training error means memorising the flipped labels, or the sinusoid on a low-dimensional input, where it means fitting the label noise with a sample hundreds of times the input dimension. The paper's claims are judged above; a shortfall here is a finding about the variant, not a failure of the paper's claim, and does not decide the exit status.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_escaped_tables() {
        let r = Report {
            tier: "quick".into(),
            command: "sgdc verify".into(),
            verdicts: vec![Verdict::skipped("C8", "theory", "x", "not <built>")],
            sections: vec![Section {
                name: "toy".into(),
                title: "Toy".into(),
                note: "n".into(),
                command: "sgdc run experiments/toy.toml".into(),
                summaries: vec![],
                figures: vec![],
                manifests: vec![serde_json::json!({"seed": 1})],
            }],
        };
        let h = html(&r);
        assert!(h.contains("not &lt;built&gt;") && h.contains("class=\"skipped\""));
        assert!(markdown(&r).contains("| C8 | theory | **skipped**"));
        assert!(!any_failed(&r));
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &r).unwrap();
        assert!(dir.path().join("index.html").is_file());
    }
}
