//! The process's ONNX Runtime environment, loaded from the library the deployer names
//! (`ORT_DYLIB_PATH`): the runtime allows one environment per process, and the OCR models and
//! the image encoder share it.

use std::{
    path::Path,
    sync::{Mutex, OnceLock},
};

use ort::environment::Environment;

pub fn environment(dylib: &Path) -> Result<Environment, String> {
    static ENV: OnceLock<Mutex<Option<Environment>>> = OnceLock::new();
    let slot = ENV.get_or_init(|| Mutex::new(None));
    let mut slot = slot.lock().map_err(|_| "poisoned".to_string())?;
    if let Some(env) = slot.as_ref() {
        return Ok(env.clone());
    }
    let env = ort::init_from(dylib)
        .map_err(|e| format!("{}: {e}", dylib.display()))?
        .with_name("roomwright")
        .build()
        .map_err(|e| e.to_string())?;
    *slot = Some(env.clone());
    Ok(env)
}
