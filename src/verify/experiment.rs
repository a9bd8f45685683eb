//! Experiments: versioned TOML files under `experiments/`, one per figure or claim.
//!
//! ```toml
//! [experiment]
//! name = "toy"                 # must equal the file stem
//! title = "Figure 1 toy"
//! kind = "task"                # task | hierarchy | sweep
//! claims = ["C1", "C2", "C3", "C4", "C5"]
//! note = "what the experiment shows, what it stands in for"
//! reparam = false              # also check C7 on the final networks
//! variant = false              # a variant of the paper's setting, reported beside it
//!
//! [tiers.quick]
//! seeds = [1, 2, 3]
//! train = { data = { n_train = 500 } }   # deep-merged over [train]
//! in_verify = true             # false: `sgdc verify` leaves it out at this tier (`sgdc run` runs it)
//!
//! [tiers.full]
//! seeds = [1, 2, 3, 4, 5]
//!
//! [train]                      # a training configuration (see `sgdc train`)
//! ...
//!
//! [[settings]]                 # kind = "sweep": one run set per setting, merged over the tier
//! name = "lr-0.05"
//! train = { optim = { lr = 0.05 } }
//!
//! [[references]]               # kind = "hierarchy" (or a task): reference classifiers C_k of
//! name = "mlp-1x8"             # increasing capacity, trained to mimic the final network
//! train = { model = { kind = "mlp", depth = 1, width = 8 } }
//!
//! [findings.C5]                # a claim of this experiment that is a finding of the project,
//! expect = "fails"             # not a claim of the paper: its expected outcome ...
//! reason = "why, with the measurements behind it"   # ... and why (shown in the report)
//! ```
//!
//! Every claim not listed under `[findings]` is the paper's and is expected to hold. A tier may
//! pin findings of its own (`[tiers.quick.findings.C2]`, e.g. a claim that the quick tier's
//! miniature cannot decide while the paper tier shows it); they take precedence over the file's.
//! Every claim of a `variant` experiment is a finding (expected to hold unless listed).
//!
//! A setting's or reference's `train` is merged into the tier's configuration table by table,
//! except `model`, which replaces the network's whole `[model]` table.

use crate::claims::{Expectation, Expected};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What an experiment measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// One task: curves, T0, C1-C5 (and C7 with `reparam`).
    Task,
    /// The complexity hierarchy (C6).
    Hierarchy,
    /// The robustness sweep (C10).
    Sweep,
}

/// The tier of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Small budgets: the whole verification runs on a 2-core CPU in minutes.
    Quick,
    /// Paper scale.
    Full,
}

impl Tier {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Quick => "quick",
            Tier::Full => "full",
        }
    }

    /// Minimum number of seeds a claim needs in this tier.
    pub fn min_seeds(self) -> usize {
        match self {
            Tier::Quick => crate::claims::thresholds::MIN_SEEDS_QUICK,
            Tier::Full => crate::claims::thresholds::MIN_SEEDS_FULL,
        }
    }
}

/// `[experiment]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Name (the file stem).
    pub name: String,
    /// Title in the report.
    pub title: String,
    /// Kind.
    pub kind: Kind,
    /// Claims evaluated on this experiment (`C1`..`C7`).
    #[serde(default)]
    pub claims: Vec<String>,
    /// Free text for the report.
    #[serde(default)]
    pub note: String,
    /// Whether to check C7 (function-preserving reparameterisation) on the final networks.
    #[serde(default)]
    pub reparam: bool,
    /// Whether the task counts for C9 (a task experiment; default true for kind = task).
    #[serde(default = "yes")]
    pub counts_for_c9: bool,
    /// A variant this project adds beside the paper's setting (e.g. a real task with 10% of its
    /// training labels flipped, or the sinusoid without the theory's extra coordinates): its claims are evaluated and reported in a table of their
    /// own beside the paper's, and decide neither the exit status nor C9. A shortfall there is a
    /// finding about the variant, not a failure of the paper's claim.
    #[serde(default)]
    pub variant: bool,
}

fn yes() -> bool {
    true
}

/// `[tiers.<tier>]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierSpec {
    /// Master seeds.
    pub seeds: Vec<u64>,
    /// Overrides deep-merged over `[train]`.
    #[serde(default)]
    pub train: toml::Table,
    /// Whether `sgdc verify` at this tier runs the experiment (default true). With `false` it is
    /// reported as left out, and `sgdc run NAME` still runs it: for what the tier's time budget
    /// cannot hold and no claim is gated on (a variant).
    #[serde(default = "yes")]
    pub in_verify: bool,
    /// Findings of this tier only (claim id -> expected outcome and reason); they take
    /// precedence over the file's `[findings]`.
    #[serde(default)]
    pub findings: BTreeMap<String, FindingSpec>,
}

/// `[findings.<claim>]`: a claim that is a finding of this project, not a claim of the paper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingSpec {
    /// The outcome the measurements show (`holds` or `fails`).
    pub expect: Expected,
    /// Why, with the measurements behind it (shown in the report).
    pub reason: String,
}

/// `[tiers]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tiers {
    /// The quick tier.
    pub quick: TierSpec,
    /// The full tier.
    pub full: TierSpec,
}

/// A named variation (sweep setting or hierarchy reference).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// File-name-safe name.
    pub name: String,
    /// Overrides deep-merged over the tier's configuration.
    #[serde(default)]
    pub train: toml::Table,
}

/// An experiment file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// `[experiment]`.
    pub experiment: Meta,
    /// `[tiers]`.
    pub tiers: Tiers,
    /// `[train]`: the base training configuration.
    pub train: toml::Table,
    /// `[[settings]]` (sweep).
    #[serde(default)]
    pub settings: Vec<Variant>,
    /// `[[references]]` (a hierarchy, or a task checked for C6), in order of increasing capacity.
    #[serde(default)]
    pub references: Vec<Variant>,
    /// `[findings]`: claims of this experiment that are findings of the project (claim id ->
    /// expected outcome and reason), in every tier.
    #[serde(default)]
    pub findings: BTreeMap<String, FindingSpec>,
    /// Where it was read from (not part of the file).
    #[serde(skip)]
    pub path: PathBuf,
}

/// Deep-merge `over` into `base`: tables merge key by key, anything else replaces.
pub fn merge(base: &mut toml::Table, over: &toml::Table) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// `base` with a setting's or reference's `over` merged into it. A network is described by its
/// whole `[model]` table (each kind has its own fields), so a `model` in `over` replaces the base's
/// instead of merging into it: a CNN's `channels` must not reach an MLP reference.
fn overlay(base: &toml::Table, over: &toml::Table) -> toml::Table {
    let mut t = base.clone();
    if over.contains_key("model") {
        t.remove("model");
    }
    merge(&mut t, over);
    t
}

fn safe_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

const KNOWN_CLAIMS: [&str; 7] = ["C1", "C2", "C3", "C4", "C5", "C6", "C7"];

impl Experiment {
    /// Parse and check an experiment file; errors name the file and field.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut e: Experiment = toml::from_str(&text).map_err(|err| Error::BadFile {
            path: path.to_path_buf(),
            reason: err.to_string().trim().replace('\n', " "),
        })?;
        e.path = path.to_path_buf();
        e.resolve_paths();
        e.check()?;
        Ok(e)
    }

    /// Make the paths of the files its training tables name (`[data.files]`, a TorchScript
    /// `[model] path`) absolute against the experiment file's folder.
    fn resolve_paths(&mut self) {
        let base = crate::paths::base_of(&self.path);
        let tables = std::iter::once(&mut self.train)
            .chain([&mut self.tiers.quick.train, &mut self.tiers.full.train])
            .chain(self.settings.iter_mut().map(|v| &mut v.train))
            .chain(self.references.iter_mut().map(|v| &mut v.train));
        for t in tables {
            crate::paths::resolve_config_paths(t, &base);
        }
    }

    fn bad(&self, field: &str, value: impl ToString, reason: &str) -> Error {
        Error::param(
            format!("{}: {field}", self.path.display()),
            value,
            reason.to_string(),
        )
    }

    /// Check names, seeds, claims and kind-specific parts.
    pub fn check(&self) -> Result<()> {
        let m = &self.experiment;
        if !safe_name(&m.name) {
            return Err(self.bad(
                "experiment.name",
                &m.name,
                "use letters, digits, '-', '_', '.'",
            ));
        }
        if let Some(stem) = self.path.file_stem().and_then(|s| s.to_str()) {
            if stem != m.name {
                return Err(self.bad("experiment.name", &m.name, "must equal the file name"));
            }
        }
        for c in &m.claims {
            if !KNOWN_CLAIMS.contains(&c.as_str()) {
                return Err(self.bad("experiment.claims", c, "unknown claim (C1..C7)"));
            }
        }
        for (tier, spec) in [("quick", &self.tiers.quick), ("full", &self.tiers.full)] {
            if spec.seeds.is_empty() {
                return Err(self.bad(&format!("tiers.{tier}.seeds"), "[]", "give seeds"));
            }
            let mut s = spec.seeds.clone();
            s.sort_unstable();
            s.dedup();
            if s.len() != spec.seeds.len() {
                return Err(self.bad(
                    &format!("tiers.{tier}.seeds"),
                    format!("{:?}", spec.seeds),
                    "seeds must be distinct",
                ));
            }
        }
        if m.kind == Kind::Sweep && self.settings.len() < 2 {
            return Err(self.bad(
                "settings",
                self.settings.len(),
                "needs at least two entries",
            ));
        }
        if m.kind != Kind::Sweep && !self.settings.is_empty() {
            return Err(self.bad("settings", "…", "only a sweep experiment has settings"));
        }
        // A hierarchy needs references to order; a task may carry them too, and its own runs are
        // then the network the references mimic (C6 without training the network twice).
        let refs = self.references.len();
        if (m.kind == Kind::Hierarchy || refs > 0) && refs < 2 {
            return Err(self.bad("references", refs, "needs at least two entries"));
        }
        if m.kind == Kind::Sweep && refs > 0 {
            return Err(self.bad("references", refs, "a sweep experiment has no references"));
        }
        self.check_findings()?;
        for (list, what) in [
            (&self.settings, "settings"),
            (&self.references, "references"),
        ] {
            for v in list {
                if !safe_name(&v.name) || v.name == "main" {
                    return Err(self.bad(
                        &format!("{what}.name"),
                        &v.name,
                        "use letters, digits, '-', '_', '.' (not 'main')",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The claims evaluated on this experiment's runs: its `claims`, C2 and C5 on every setting
    /// of a sweep, C6 with references, C7 with `reparam`.
    pub fn evaluated_claims(&self) -> Vec<String> {
        let m = &self.experiment;
        let mut ids: Vec<String> = match m.kind {
            Kind::Sweep => vec!["C2".into(), "C5".into()],
            _ => m.claims.clone(),
        };
        if self.has_hierarchy() {
            ids.push("C6".into());
        }
        if m.reparam {
            ids.push("C7".into());
        }
        ids
    }

    /// Every finding must name a claim the experiment evaluates and give its reason.
    fn check_findings(&self) -> Result<()> {
        let claims = self.evaluated_claims();
        let tiers = [
            ("findings".to_string(), &self.findings),
            (
                "tiers.quick.findings".to_string(),
                &self.tiers.quick.findings,
            ),
            ("tiers.full.findings".to_string(), &self.tiers.full.findings),
        ];
        for (table, findings) in tiers {
            for (claim, f) in findings {
                if !claims.contains(claim) {
                    return Err(self.bad(
                        &format!("{table}.{claim}"),
                        claim,
                        &format!(
                            "not a claim this experiment evaluates ({})",
                            claims.join(", ")
                        ),
                    ));
                }
                if f.reason.trim().is_empty() {
                    return Err(self.bad(
                        &format!("{table}.{claim}.reason"),
                        "\"\"",
                        "a finding needs its reason",
                    ));
                }
            }
        }
        Ok(())
    }

    /// What claim `id` is expected to do at `tier`: a finding's pinned outcome and reason (the
    /// tier's own first), or for the paper's claims, hold.
    pub fn expectation(&self, tier: Tier, id: &str) -> Expectation {
        match self
            .tier(tier)
            .findings
            .get(id)
            .or_else(|| self.findings.get(id))
        {
            Some(f) => Expectation::finding(f.expect, f.reason.clone()),
            None if self.experiment.variant => Expectation {
                finding: true,
                ..Expectation::default()
            },
            None => Expectation::default(),
        }
    }

    /// Whether reference classifiers mimic this experiment's network (C6): a hierarchy, or a
    /// task that carries `[[references]]`.
    pub fn has_hierarchy(&self) -> bool {
        !self.references.is_empty()
    }

    /// The tier's spec.
    pub fn tier(&self, tier: Tier) -> &TierSpec {
        match tier {
            Tier::Quick => &self.tiers.quick,
            Tier::Full => &self.tiers.full,
        }
    }

    /// The training configuration of the tier (base merged with the tier's overrides).
    pub fn train_config(&self, tier: Tier) -> toml::Table {
        let mut t = self.train.clone();
        merge(&mut t, &self.tier(tier).train);
        t
    }

    /// The run sets of the tier: `("main", config)` for task and hierarchy experiments, one per
    /// setting for a sweep.
    pub fn run_sets(&self, tier: Tier) -> Vec<(String, toml::Table)> {
        let base = self.train_config(tier);
        match self.experiment.kind {
            Kind::Sweep => self
                .settings
                .iter()
                .map(|s| (s.name.clone(), overlay(&base, &s.train)))
                .collect(),
            _ => vec![("main".to_string(), base)],
        }
    }

    /// The reference configurations of a hierarchy (merged over the tier's configuration).
    pub fn reference_configs(&self, tier: Tier) -> Vec<(String, toml::Table)> {
        let base = self.train_config(tier);
        self.references
            .iter()
            .map(|r| (r.name.clone(), overlay(&base, &r.train)))
            .collect()
    }
}

/// Read every `*.toml` of `dir`, sorted by name.
pub fn load_dir(dir: &Path) -> Result<Vec<Experiment>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| Experiment::load(p)).collect()
}

/// Find an experiment by name in `dir`, or read it from a path.
pub fn find(dir: &Path, name_or_path: &str) -> Result<Experiment> {
    let p = Path::new(name_or_path);
    if p.extension().is_some_and(|x| x == "toml") && p.is_file() {
        return Experiment::load(p);
    }
    let candidate = dir.join(format!("{name_or_path}.toml"));
    if candidate.is_file() {
        return Experiment::load(&candidate);
    }
    let known: Vec<String> = load_dir(dir)
        .map(|v| v.into_iter().map(|e| e.experiment.name).collect())
        .unwrap_or_default();
    Err(Error::param(
        "EXPERIMENT",
        name_or_path,
        format!("no such experiment (known: {})", known.join(", ")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOY: &str = r#"
[experiment]
name = "toy"
title = "Toy"
kind = "task"
claims = ["C1", "C5"]

[tiers.quick]
seeds = [1, 2, 3]
train = { data = { n_train = 50 } }

[tiers.full]
seeds = [1, 2, 3, 4, 5]

[train]
data = { task = "disc-sinusoid", n_train = 1000, label_noise = 0.1 }
optim = { lr = 0.1, batch_size = 32 }
"#;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn tiers_merge_over_base() {
        let d = tempfile::tempdir().unwrap();
        let e = Experiment::load(&write(d.path(), "toy.toml", TOY)).unwrap();
        let q = e.train_config(Tier::Quick);
        let data = q["data"].as_table().unwrap();
        assert_eq!(data["n_train"].as_integer(), Some(50));
        assert_eq!(data["label_noise"].as_float(), Some(0.1));
        let f = e.train_config(Tier::Full);
        assert_eq!(f["data"]["n_train"].as_integer(), Some(1000));
        assert_eq!(e.run_sets(Tier::Quick).len(), 1);
    }

    #[test]
    fn a_task_carries_references_whose_model_replaces_the_network() {
        let d = tempfile::tempdir().unwrap();
        let text = TOY.to_string()
            + r#"model = { kind = "cnn", channels = 8, hidden = 20 }

[[references]]
name = "linear"
train = { model = { kind = "linear" } }

[[references]]
name = "mlp"
train = { model = { kind = "mlp", depth = 1, width = 8 }, optim = { lr = 0.5 } }
"#;
        let e = Experiment::load(&write(d.path(), "toy.toml", &text)).unwrap();
        assert!(e.has_hierarchy());
        let refs = e.reference_configs(Tier::Quick);
        let model = refs[1].1["model"].as_table().unwrap();
        assert_eq!(model.get("kind").and_then(|v| v.as_str()), Some("mlp"));
        assert!(!model.contains_key("channels"), "{model:?}");
        // Everything else still merges table by table.
        assert_eq!(refs[1].1["optim"]["lr"].as_float(), Some(0.5));
        assert_eq!(refs[1].1["optim"]["batch_size"].as_integer(), Some(32));
        assert_eq!(refs[1].1["data"]["n_train"].as_integer(), Some(50));
        // A hierarchy of one reference orders nothing.
        let one = text[..text.rfind("[[references]]").unwrap()].to_string();
        let err = Experiment::load(&write(d.path(), "toy.toml", &one))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("toy.toml") && err.contains("references"),
            "{err}"
        );
    }

    #[test]
    fn errors_name_file_and_field() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "other.toml", TOY);
        let err = Experiment::load(&p).unwrap_err().to_string();
        assert!(
            err.contains("other.toml") && err.contains("experiment.name"),
            "{err}"
        );
        let p = write(d.path(), "toy.toml", &TOY.replace("\"C5\"", "\"C11\""));
        let err = Experiment::load(&p).unwrap_err().to_string();
        assert!(err.contains("C11"), "{err}");
        let p = write(d.path(), "toy.toml", &TOY.replace("[1, 2, 3]", "[1, 1]"));
        assert!(Experiment::load(&p).is_err());
        let p = write(
            d.path(),
            "toy.toml",
            &TOY.replace("kind = \"task\"", "kind = \"sweep\""),
        );
        let err = Experiment::load(&p).unwrap_err().to_string();
        assert!(err.contains("settings"), "{err}");
        let p = write(
            d.path(),
            "toy.toml",
            &TOY.replace("kind = \"task\"", "kind = \"task\"\nbogus = 1"),
        );
        let err = Experiment::load(&p).unwrap_err().to_string();
        assert!(err.contains("toy.toml") && err.contains("bogus"), "{err}");
        assert!(find(d.path(), "nope").is_err());
    }
}
