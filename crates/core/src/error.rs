//! The library's error type, and who can fix each kind of failure.
//!
//! Every variant names the input at fault. [`Error::blame`] sorts them into the two exit
//! statuses of `sgdc` (README, "Exit status"): [`Blame::Input`] for what the user can fix
//! (arguments, configuration, input files, data sets absent), [`Blame::Run`] for a failure of
//! the run itself (a diverging run, a libtorch or device error, an I/O failure while writing).

use std::path::PathBuf;

/// Everything the library can fail with. Each variant names the input at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Two label sequences that must be aligned have different lengths.
    #[error("length mismatch: {what} has {got} labels, expected {expected}")]
    LengthMismatch {
        /// Which input is at fault.
        what: String,
        /// Its length.
        got: usize,
        /// The length of the reference input.
        expected: usize,
    },
    /// A label lies outside its alphabet.
    #[error("{what}: label {value} at index {index} is outside the alphabet 0..{size}")]
    LabelOutOfRange {
        /// Which input is at fault.
        what: String,
        /// The offending value.
        value: i64,
        /// Its position.
        index: usize,
        /// The alphabet size.
        size: usize,
    },
    /// An input has no data.
    #[error("{0}: empty input")]
    Empty(String),
    /// An invalid parameter or configuration value.
    #[error("invalid {field} = {value}: {reason}")]
    InvalidParam {
        /// The parameter or field name.
        field: String,
        /// Its value as given.
        value: String,
        /// Why it is rejected.
        reason: String,
    },
    /// An argument or input that is wrong as a whole, e.g. `--bootstrap 0` or inputs that do
    /// not line up.
    #[error("{what}: {reason}")]
    Input {
        /// The argument or input, as the user named it.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file could not be parsed.
    #[error("{path}: {reason}")]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A data set is not present in the data directory.
    #[error("{what} not present in {}; {hint}", dir.display())]
    NotPresent {
        /// The data set.
        what: String,
        /// The directory searched.
        dir: PathBuf,
        /// How to get it.
        hint: String,
    },
    /// An external tool (npm, apt-get, dpkg-deb, tar) failed.
    #[error("`{command}` failed: {reason}")]
    Tool {
        /// The command line that failed.
        command: String,
        /// Its exit status and error output.
        reason: String,
    },
    /// libtorch reported an error.
    #[error("libtorch: {0}")]
    Torch(String),
    /// Training produced a non-finite loss.
    #[error("training diverged: {what} is not finite ({value}) at step {step}; lower optim.lr or check the data")]
    NonFinite {
        /// Which quantity.
        what: String,
        /// Its value.
        value: f64,
        /// SGD step at which it was detected.
        step: i64,
    },
    /// A run stopped on request before finishing; it can be continued with `--resume`.
    #[error("{dir}: stopped after epoch {epoch} as requested; continue with --resume")]
    Interrupted {
        /// The run folder.
        dir: PathBuf,
        /// Last completed epoch.
        epoch: usize,
    },
    /// An I/O error while reading a named file (an input: absent, unreadable).
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An I/O error while writing a named file or folder (an output).
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Who can fix a failure; decides the exit status of `sgdc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// The user: an argument, a configuration field, an input file, a data set not present
    /// (exit status 2).
    Input,
    /// The run itself: divergence, libtorch or the device, writing outputs, an external tool
    /// (exit status 1).
    Run,
}

impl Blame {
    /// The exit status of `sgdc` for this kind of failure: 2 for input, 1 for the run.
    pub fn exit_status(self) -> u8 {
        match self {
            Blame::Input => 2,
            Blame::Run => 1,
        }
    }
}

impl Error {
    /// Shorthand for [`Error::InvalidParam`].
    pub fn param(
        field: impl Into<String>,
        value: impl ToString,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidParam {
            field: field.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Input`].
    pub fn input(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Input {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Io`] (reading).
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Shorthand for [`Error::Write`].
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Write {
            path: path.into(),
            source,
        }
    }

    /// Who can fix this failure (see the module documentation).
    pub fn blame(&self) -> Blame {
        match self {
            Error::LengthMismatch { .. }
            | Error::LabelOutOfRange { .. }
            | Error::Empty(_)
            | Error::InvalidParam { .. }
            | Error::Input { .. }
            | Error::BadFile { .. }
            | Error::NotPresent { .. }
            | Error::Io { .. } => Blame::Input,
            Error::Tool { .. }
            | Error::Torch(_)
            | Error::NonFinite { .. }
            | Error::Interrupted { .. }
            | Error::Write { .. } => Blame::Run,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
