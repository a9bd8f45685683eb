//! Atomic file writes, the one way every output of the project is written: into a temporary file
//! beside the target (made by `tempfile`, so two writers never share a name), flushed to disk,
//! then renamed over the target, and the folder flushed so that the rename itself survives a
//! crash. Readers see either the old file or the whole new one; an interrupted write leaves no
//! partial file under the target name (and `tempfile` removes its temporary file on error).

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` atomically (see the module documentation). Creates the parent
/// folder when missing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = staged(path)?;
    tmp.write_all(bytes).map_err(|e| Error::write(path, e))?;
    commit(tmp, path)
}

/// Write `path` atomically through `fill`, which writes the whole content to the temporary path
/// it is given (for libraries that write to a path themselves: libtorch's `save_multi`, the
/// figure backends). The temporary path ends with the target's file name, so a writer that picks
/// the format from the extension picks the same one. An error from `fill` is returned as is.
pub fn write_atomic_with(path: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let tmp = staged(path)?;
    fill(tmp.path())?;
    commit(tmp, path)
}

/// A new temporary file beside `path`, named `.<random>.<file name>`.
fn staged(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = folder(path);
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let suffix = format!(".{name}");
    let mut b = tempfile::Builder::new();
    b.prefix(".").suffix(&suffix);
    // The permissions `std::fs::write` gives (0o666 less the umask), not tempfile's private 0o600:
    // run folders and reports are read by other users and tools.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    b.tempfile_in(dir).map_err(|e| Error::write(path, e))
}

/// Flush the temporary file, rename it over `path`, flush the folder.
fn commit(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    // Reopened by path: a `fill` writer may have written through a file handle of its own.
    let sync = std::fs::File::open(tmp.path()).and_then(|f| f.sync_all());
    sync.map_err(|e| Error::write(path, e))?;
    tmp.persist(path).map_err(|e| Error::write(path, e.error))?;
    // The rename is durable once the folder is flushed; some file systems cannot flush a folder,
    // and the file itself is complete either way.
    if let Ok(d) = std::fs::File::open(folder(path)) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The folder `path` lies in (`.` for a bare file name).
fn folder(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_and_leave_no_temporary_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub").join("a.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.json")]);
    }

    #[test]
    fn a_failing_writer_leaves_the_old_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("w.bin");
        write_atomic(&p, b"old").unwrap();
        let err = write_atomic_with(&p, |tmp| {
            assert!(tmp.to_string_lossy().ends_with(".w.bin"));
            std::fs::write(tmp, b"half").unwrap();
            Err(Error::Empty("test".into()))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_unwritable_folder_is_a_write_error() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        let err = write_atomic(&file.join("a.txt"), b"y").unwrap_err();
        assert!(matches!(err, Error::Write { .. }), "{err}");
    }
}
