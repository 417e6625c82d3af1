//! Checkpoints: named tensors (model parameters, running statistics, optimiser moments) and a
//! JSON state (fold, epoch, schedule position, RNG state, history) in one safetensors file,
//! written atomically.
//!
//! The state travels in the safetensors header's metadata under [`STATE_KEY`], so a
//! checkpoint is one file that either exists whole or not at all: it is written to a
//! temporary file in the same folder, flushed to disk, then renamed over the old one. A run
//! killed at any moment leaves the previous checkpoint or the new one, never half of one.
//!
//! ```
//! use candle::{Device, Tensor};
//! let dir = std::env::temp_dir().join(format!("exg-ckpt-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("last.safetensors");
//! let w = Tensor::new(&[1f32, 2.0], &Device::Cpu)?;
//! exg_train::checkpoint::save(&path, &[("net.w".to_string(), w)], &("fold", 3))?;
//! let (tensors, state): (_, (String, u32)) = exg_train::checkpoint::load(&path, &Device::Cpu)?;
//! assert_eq!(state, ("fold".to_string(), 3));
//! assert_eq!(tensors["net.w"].to_vec1::<f32>()?, [1.0, 2.0]);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use candle::{Device, Tensor};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// Metadata key of the JSON state.
pub const STATE_KEY: &str = "exg.checkpoint.state";

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed to disk,
/// then renamed. On error the old file (if any) is intact and the temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::Input(format!("{} is not a file path", path.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

/// Saves `tensors` and `state` to `path` (see the module docs).
pub fn save<S: Serialize>(path: &Path, tensors: &[(String, Tensor)], state: &S) -> Result<()> {
    let json = serde_json::to_string(state)
        .map_err(|e| Error::Input(format!("checkpoint state cannot be written: {e}")))?;
    let metadata = HashMap::from([(STATE_KEY.to_string(), json)]);
    let views = tensors.iter().map(|(n, t)| (n.as_str(), t));
    let bytes = safetensors::serialize(views, Some(metadata))
        .map_err(|e| Error::Checkpoint(format!("{}: {e}", path.display())))?;
    write_atomic(path, &bytes)
}

/// Reads what [`save`] wrote: the tensors (on `device`) and the state.
pub fn load<S: DeserializeOwned>(
    path: &Path,
    device: &Device,
) -> Result<(HashMap<String, Tensor>, S)> {
    let bad = |what: String| Error::Checkpoint(format!("{}: {what}", path.display()));
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let (_, meta) =
        safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| bad(e.to_string()))?;
    let json = meta
        .metadata()
        .as_ref()
        .and_then(|m| m.get(STATE_KEY))
        .ok_or_else(|| bad(format!("no `{STATE_KEY}` metadata (not an exg checkpoint)")))?;
    let state = serde_json::from_str(json).map_err(|e| bad(format!("state: {e}")))?;
    let tensors =
        candle::safetensors::load_buffer(&bytes, device).map_err(|e| bad(e.to_string()))?;
    Ok((tensors, state))
}
