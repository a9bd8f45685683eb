//! The library's error type.

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
    /// An I/O error on a named file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
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

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
