//! Run planning, reuse and scheduling.
//!
//! Every run has a folder `runs/<experiment>/<set>/seed-<seed>-<key>` under the output folder,
//! where `key` hashes the experiment, set, seed, the resolved training configuration and the
//! crate version: a finished folder with the same key is reused, a changed configuration or a new
//! version gets a new folder. An unfinished folder (killed run) is resumed; a corrupted one is set
//! aside (renamed `*.corrupt`) with a message and run again.

use super::experiment::{Experiment, Tier};
use crate::error::{Error, Result};
use crate::run::{Manifest, RunRecord, RunStatus};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// What a job does.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// Train the configuration on its task.
    Train,
    /// Train a reference classifier on the training inputs labelled by the final training-set
    /// predictions of the teacher run (the complexity hierarchy).
    Mimic {
        /// The teacher's run folder (relative to the output folder).
        teacher: PathBuf,
    },
}

/// One run to make.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Experiment name.
    pub experiment: String,
    /// Run set: `main`, a sweep setting, or `ref-<name>` for a hierarchy reference.
    pub set: String,
    /// Master seed.
    pub seed: u64,
    /// The resolved training configuration.
    pub train: toml::Table,
    /// What to do.
    pub role: Role,
    /// The run folder relative to the output folder.
    pub rel_dir: PathBuf,
}

/// The key of a run: experiment, set, seed, configuration, role and crate version.
pub fn run_key(experiment: &str, set: &str, seed: u64, train: &toml::Table, role: &Role) -> String {
    let mut h = Sha256::new();
    for part in [experiment, set, &seed.to_string(), &train.to_string()] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    if let Role::Mimic { teacher } = role {
        h.update(teacher.to_string_lossy().as_bytes());
    }
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    let hex = format!("{:x}", h.finalize());
    hex[..12].to_string()
}

fn job(experiment: &str, set: &str, seed: u64, train: toml::Table, role: Role) -> Job {
    let key = run_key(experiment, set, seed, &train, &role);
    Job {
        experiment: experiment.into(),
        set: set.into(),
        seed,
        rel_dir: PathBuf::from("runs")
            .join(experiment)
            .join(set)
            .join(format!("seed-{seed}-{key}")),
        train,
        role,
    }
}

/// A unit of scheduling: jobs that must run in order (a run and the references that mimic it).
pub type Unit = Vec<Job>;

/// The units of an experiment at a tier, for the given seeds (default: the tier's seeds).
pub fn plan(e: &Experiment, tier: Tier, seeds: Option<&[u64]>) -> Vec<Unit> {
    let seeds = seeds.map_or_else(|| e.tier(tier).seeds.clone(), <[u64]>::to_vec);
    plan_sets(e, tier, &seeds, None, true)
}

/// The units of one run set of an experiment for `seeds` (seeds added by the decision rule),
/// with the hierarchy's references only when `references` (C6 asks for them).
pub fn plan_set(
    e: &Experiment,
    tier: Tier,
    seeds: &[u64],
    set: &str,
    references: bool,
) -> Vec<Unit> {
    plan_sets(e, tier, seeds, Some(set), references)
}

fn plan_sets(
    e: &Experiment,
    tier: Tier,
    seeds: &[u64],
    only: Option<&str>,
    references: bool,
) -> Vec<Unit> {
    let name = &e.experiment.name;
    let mut units = Vec::new();
    for (set, cfg) in e.run_sets(tier) {
        if only.is_some_and(|o| o != set) {
            continue;
        }
        for &seed in seeds {
            let main = job(name, &set, seed, cfg.clone(), Role::Train);
            let mut unit = vec![main.clone()];
            if references && e.has_hierarchy() {
                for (r, rcfg) in e.reference_configs(tier) {
                    unit.push(job(
                        name,
                        &format!("ref-{r}"),
                        seed,
                        rcfg,
                        Role::Mimic {
                            teacher: main.rel_dir.clone(),
                        },
                    ));
                }
            }
            units.push(unit);
        }
    }
    units
}

/// Keep the units of shard `i` of `n` (round robin over the global unit list).
pub fn shard(units: Vec<Unit>, i: usize, n: usize) -> Vec<Unit> {
    units
        .into_iter()
        .enumerate()
        .filter(|(k, _)| k % n == i)
        .map(|(_, u)| u)
        .collect()
}

/// Where a run folder stands.
#[derive(Debug, Clone, PartialEq)]
pub enum FolderState {
    /// No folder.
    Missing,
    /// Finished and intact.
    Complete,
    /// Started but not finished (killed or failed): to be resumed.
    Unfinished(RunStatus),
    /// Unreadable or inconsistent (the reason).
    Corrupt(String),
}

/// Inspect a run folder: manifest readable, and when complete, every array present, consistent,
/// and matching the manifest's prediction hash.
pub fn inspect(dir: &Path) -> FolderState {
    if !dir.exists() {
        return FolderState::Missing;
    }
    let manifest = match Manifest::load(dir) {
        Ok(m) => m,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return FolderState::Unfinished(RunStatus::Running)
        }
        Err(e) => return FolderState::Corrupt(e.to_string()),
    };
    if manifest.status != RunStatus::Complete {
        return FolderState::Unfinished(manifest.status);
    }
    match RunRecord::load(dir) {
        Err(e) => FolderState::Corrupt(e.to_string()),
        Ok(rec) => match manifest.prediction_hash {
            Some(h) if h != rec.prediction_hash() => FolderState::Corrupt(format!(
                "{}: recorded predictions do not match the manifest's prediction hash",
                dir.display()
            )),
            _ => FolderState::Complete,
        },
    }
}

/// Runs training jobs. The library's verification logic is independent of how runs are made;
/// the `sgdc` binary supplies the libtorch trainer.
pub trait Executor: Sync {
    /// Train `job.train` with seed `job.seed` into `dir` (resuming what is there), with `threads`
    /// intra-op threads.
    fn train(&self, job: &Job, dir: &Path, threads: usize) -> Result<()>;
    /// Train `job.train` on its task with training labels replaced by the final training-set
    /// predictions of the run in `teacher`, into `dir`.
    fn mimic(&self, job: &Job, teacher: &Path, dir: &Path, threads: usize) -> Result<()>;
    /// Test-set predictions of the final network of `run` (original, reparameterised by a
    /// function-preserving transformation drawn from `seed`).
    fn reparam(&self, run: &Path, seed: u64) -> Result<(Vec<u8>, Vec<u8>)>;
    /// The CPU kernel settings runs made now would use ([`crate::run::kernel_settings`] after the
    /// trainer's set-up), to flag reused runs made under others; `None` (the default) for an
    /// executor that cannot say.
    fn kernel_settings(&self) -> Option<BTreeMap<String, String>> {
        None
    }
}

/// What happened to one job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobReport {
    /// The run folder (relative).
    pub rel_dir: PathBuf,
    /// Whether it was reused without training.
    pub reused: bool,
    /// Seconds spent.
    pub seconds: f64,
    /// The error, if it failed.
    pub error: Option<String>,
}

/// A note for a finished run that is reused although it was made under other CPU kernel
/// settings than `now` (those of this process's trainer; `None` when the executor cannot say):
/// it stands, but a run made now would differ in its last bits.
fn other_kernels_note(now: Option<&BTreeMap<String, String>>, dir: &Path) -> Option<String> {
    let m = Manifest::load(dir).ok()?;
    let differ = crate::run::kernel_differences(&m.numerics, now?);
    (!differ.is_empty()).then(|| {
        format!(
            "verify: reusing {}, made under other CPU kernel settings ({}); a run made now would \
             differ in its last bits (delete the folder to remake it)",
            dir.display(),
            differ.join(", ")
        )
    })
}

fn run_job(exec: &dyn Executor, out: &Path, j: &Job, threads: usize, log: bool) -> JobReport {
    let dir = out.join(&j.rel_dir);
    let start = Instant::now();
    let mut report = JobReport {
        rel_dir: j.rel_dir.clone(),
        reused: false,
        seconds: 0.0,
        error: None,
    };
    match inspect(&dir) {
        FolderState::Complete => {
            report.reused = true;
            if let Some(note) = other_kernels_note(exec.kernel_settings().as_ref(), &dir) {
                eprintln!("{note}");
            }
            return report;
        }
        FolderState::Corrupt(why) => {
            let aside = dir.with_extension(format!(
                "corrupt-{}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
            ));
            eprintln!(
                "verify: corrupted run folder {} ({why}); moved to {} and running it again",
                dir.display(),
                aside.display()
            );
            if let Err(e) = std::fs::rename(&dir, &aside) {
                report.error = Some(format!("cannot move corrupted {}: {e}", dir.display()));
                return report;
            }
        }
        FolderState::Unfinished(s) => {
            if log {
                eprintln!(
                    "verify: resuming unfinished run {} (status {s:?})",
                    dir.display()
                );
            }
        }
        FolderState::Missing => {}
    }
    if log {
        eprintln!("verify: running {}", j.rel_dir.display());
    }
    let result = match &j.role {
        Role::Train => exec.train(j, &dir, threads),
        Role::Mimic { teacher } => exec.mimic(j, &out.join(teacher), &dir, threads),
    };
    report.seconds = start.elapsed().as_secs_f64();
    match result {
        Ok(()) => {
            if let FolderState::Corrupt(why) = inspect(&dir) {
                report.error = Some(format!("run finished but its folder is unreadable: {why}"));
            } else if log {
                eprintln!(
                    "verify: finished {} in {:.1} s",
                    j.rel_dir.display(),
                    report.seconds
                );
            }
        }
        Err(e) => report.error = Some(e.to_string()),
    }
    report
}

/// Run every unit (jobs of a unit in order, units `jobs` at a time, each run with
/// `threads_per_job` threads). Finished runs are reused. Returns one report per job.
pub fn execute(
    exec: &dyn Executor,
    out: &Path,
    units: Vec<Unit>,
    jobs: usize,
    threads_per_job: usize,
    log: bool,
) -> Vec<JobReport> {
    let queue = Mutex::new(units.into_iter().collect::<VecDeque<Unit>>());
    let reports = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                let Some(unit) = next else { break };
                let mut failed = false;
                for j in &unit {
                    let r = if failed {
                        JobReport {
                            rel_dir: j.rel_dir.clone(),
                            reused: false,
                            seconds: 0.0,
                            error: Some("not run: an earlier run of its unit failed".into()),
                        }
                    } else {
                        run_job(exec, out, j, threads_per_job, log)
                    };
                    failed |= r.error.is_some();
                    if let (Some(e), true) = (&r.error, log) {
                        eprintln!("verify: {} failed: {e}", j.rel_dir.display());
                    }
                    if let Ok(mut v) = reports.lock() {
                        v.push(r);
                    }
                }
            });
        }
    });
    reports.into_inner().unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::run::Manifest;
    use crate::training_curves::tests::record;
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Writes a synthetic complete run (accuracies by seed) and counts calls.
    pub(crate) struct Fake {
        pub calls: AtomicUsize,
    }

    pub(crate) fn write_run(dir: &Path, seed: u64) {
        let rec = record(400, 0.8, &[0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 1.0]);
        rec.save(dir).unwrap();
        Manifest {
            sgdc_version: "test".into(),
            status: RunStatus::Complete,
            seed,
            derived_seeds: BTreeMap::new(),
            config: serde_json::json!({}),
            versions: BTreeMap::new(),
            device: "cpu".into(),
            threads: 1,
            numerics: BTreeMap::new(),
            git_commit: None,
            git_dirty: None,
            prediction_hash: Some(rec.prediction_hash()),
            train_seconds: Some(0.0),
            error: None,
            files: BTreeMap::new(),
        }
        .save(dir)
        .unwrap();
    }

    impl Executor for Fake {
        fn train(&self, job: &Job, dir: &Path, _threads: usize) -> Result<()> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            write_run(dir, job.seed);
            Ok(())
        }
        fn mimic(&self, job: &Job, _t: &Path, dir: &Path, threads: usize) -> Result<()> {
            self.train(job, dir, threads)
        }
        fn reparam(&self, run: &Path, _seed: u64) -> Result<(Vec<u8>, Vec<u8>)> {
            let rec = RunRecord::load(run)?;
            let last = rec.last_test_row()?.to_vec();
            Ok((last.clone(), last))
        }
    }

    fn unit(seed: u64) -> Unit {
        vec![job("e", "main", seed, toml::Table::new(), Role::Train)]
    }

    #[test]
    fn finished_runs_are_reused_and_corrupt_ones_rerun() {
        let out = tempfile::tempdir().unwrap();
        let fake = Fake {
            calls: AtomicUsize::new(0),
        };
        let units: Vec<Unit> = (0..3).map(unit).collect();
        let r = execute(&fake, out.path(), units.clone(), 2, 1, false);
        assert_eq!(fake.calls.load(Ordering::SeqCst), 3);
        assert!(r.iter().all(|r| r.error.is_none() && !r.reused));
        let r = execute(&fake, out.path(), units.clone(), 2, 1, false);
        assert_eq!(fake.calls.load(Ordering::SeqCst), 3);
        assert!(r.iter().all(|r| r.reused));
        // Corrupt one folder: truncate an array.
        let dir = out.path().join(&units[1][0].rel_dir);
        std::fs::write(dir.join("pred_test.npy"), b"garbage").unwrap();
        assert!(matches!(inspect(&dir), FolderState::Corrupt(_)));
        execute(&fake, out.path(), units, 1, 1, false);
        assert_eq!(fake.calls.load(Ordering::SeqCst), 4);
        assert_eq!(inspect(&dir), FolderState::Complete);
    }

    #[test]
    fn reused_runs_of_other_kernels_are_named() {
        let out = tempfile::tempdir().unwrap();
        write_run(out.path(), 1);
        let now: BTreeMap<String, String> =
            [("MKL_CBWR", "AVX2,STRICT"), ("DNNL_MAX_CPU_ISA", "AVX2")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        // Nothing recorded (an earlier build) or an executor that cannot say: no note.
        assert_eq!(other_kernels_note(Some(&now), out.path()), None);
        assert_eq!(other_kernels_note(None, out.path()), None);
        let mut m = Manifest::load(out.path()).unwrap();
        m.numerics = now.clone();
        m.save(out.path()).unwrap();
        assert_eq!(other_kernels_note(Some(&now), out.path()), None);
        m.numerics
            .insert("DNNL_MAX_CPU_ISA".into(), "AVX512_CORE".into());
        m.save(out.path()).unwrap();
        let note = other_kernels_note(Some(&now), out.path()).unwrap();
        assert!(
            note.contains("DNNL_MAX_CPU_ISA=AVX512_CORE then, AVX2 now"),
            "{note}"
        );
    }

    #[test]
    fn keys_change_with_config_and_shards_partition() {
        let mut t = toml::Table::new();
        let a = run_key("e", "main", 1, &t, &Role::Train);
        t.insert("x".into(), toml::Value::Integer(1));
        assert_ne!(a, run_key("e", "main", 1, &t, &Role::Train));
        assert_ne!(
            a,
            run_key("e", "main", 2, &toml::Table::new(), &Role::Train)
        );
        let units: Vec<Unit> = (0..7).map(unit).collect();
        let parts: Vec<usize> = (0..3).map(|i| shard(units.clone(), i, 3).len()).collect();
        assert_eq!(parts, vec![3, 2, 2]);
    }

    #[test]
    fn unfinished_manifest_means_resume() {
        let out = tempfile::tempdir().unwrap();
        write_run(out.path(), 1);
        let mut m = Manifest::load(out.path()).unwrap();
        m.status = RunStatus::Running;
        m.save(out.path()).unwrap();
        assert_eq!(
            inspect(out.path()),
            FolderState::Unfinished(RunStatus::Running)
        );
        std::fs::write(out.path().join("manifest.json"), b"{").unwrap();
        assert!(matches!(inspect(out.path()), FolderState::Corrupt(_)));
    }
}
