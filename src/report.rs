//! Tables and files.
use crate::error::{Error, Result};
use std::path::Path;

/// Writes `text` to `path` through a temporary file renamed into place,
/// so an interrupted run never leaves a truncated file.
///
/// # Errors
///
/// Fails when the directory or the file cannot be written.
pub fn write_atomically(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
    }
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
