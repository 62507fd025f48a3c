//! The data directory and its files: the database (token-signing keys, MSRP's CA key, every
//! identity's private key), `endpoints.json` (the administrator's secret) and `ca-key.pem` are
//! secrets, so the directory is the owner's alone (0700) and so are they (0600), from their
//! first byte: files are created with their mode, never restricted after the fact.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::CloudError;

/// The data directory's mode: only its owner may list or enter it.
pub(crate) const OWNER_ONLY_DIRECTORY: u32 = 0o700;
/// The mode of every file holding a secret.
pub(crate) const OWNER_ONLY_FILE: u32 = 0o600;

/// Creates the data directory (and missing parents) owner-only, and tightens an existing one
/// and the secret files `names` in it, which an older azsim or a person may have loosened.
/// The database tightens its own files when it is opened.
pub(crate) fn prepare(data_dir: &Path, names: &[&str]) -> Result<(), CloudError> {
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CloudError::DataDir { path, source }
    };
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, OWNER_ONLY_DIRECTORY);
    builder.create(data_dir).map_err(io_error(data_dir))?;
    set_mode(data_dir, OWNER_ONLY_DIRECTORY).map_err(io_error(data_dir))?;
    for name in names {
        let path = data_dir.join(name);
        match set_mode(&path, OWNER_ONLY_FILE) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            other => other.map_err(io_error(&path))?,
        }
    }
    Ok(())
}

/// Writes `text` to a temporary file created with `mode` (so a secret is never readable by
/// others, not even for a moment), then renames it into place: a reader never sees half a
/// file.
pub(crate) fn write_atomically(path: &Path, text: &str, mode: u32) -> Result<(), CloudError> {
    let temporary = temporary_beside(path);
    let io_error = |source| CloudError::DataDir {
        path: path.to_path_buf(),
        source,
    };
    // A left-over temporary file could have any mode: start from none.
    match fs::remove_file(&temporary) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(io_error(error)),
        _ => {}
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&temporary).map_err(io_error)?;
    file.write_all(text.as_bytes()).map_err(io_error)?;
    file.sync_all().map_err(io_error)?;
    fs::rename(&temporary, path).map_err(io_error)
}

/// `name.tmp` beside `path`.
fn temporary_beside(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    name.into()
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_rewritten_file_is_owner_only_even_over_a_loose_leftover() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("endpoints.json");
        let leftover = temporary_beside(&path);
        fs::write(&leftover, "old").unwrap();
        fs::set_permissions(&leftover, fs::Permissions::from_mode(0o644)).unwrap();

        write_atomically(&path, "{}", OWNER_ONLY_FILE).unwrap();

        assert_eq!(mode(&path), 0o600);
        assert_eq!(fs::read_to_string(&path).unwrap(), "{}");
        assert!(!leftover.exists());
    }

    #[test]
    fn prepare_creates_nested_directories_owner_only_and_tightens_files() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("a").join("b");
        prepare(&data_dir, &[]).unwrap();
        assert_eq!(mode(&data_dir), 0o700);

        fs::set_permissions(&data_dir, fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(data_dir.join("endpoints.json"), "{}").unwrap();
        fs::set_permissions(
            data_dir.join("endpoints.json"),
            fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        prepare(&data_dir, &["endpoints.json", "absent.pem"]).unwrap();

        assert_eq!(mode(&data_dir), 0o700);
        assert_eq!(mode(&data_dir.join("endpoints.json")), 0o600);
    }
}
