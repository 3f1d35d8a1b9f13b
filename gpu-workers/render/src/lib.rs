//! The render worker: turns a project (floor plan and placed furniture) into a scene and
//! renders it with Blender Cycles, a production path tracer with a denoiser, on GPU in the
//! container (OptiX, else CUDA) and on CPU elsewhere.
//!
//! - [`input`]: what clients ask for and the frozen input a job carries (in `roomwright-jobs`).
//! - [`scene`]: the scene built from the input, checked for coplanar faces.
//! - [`blender`]: the long-running Blender process and its line protocol.
//! - [`job`]: one job from S3 input to S3 images (or, for a scene export, GLB and USDZ
//!   files), with progress in the job record.

pub mod blender;
/// What clients ask for and the frozen input a job carries (the job domain's).
pub use roomwright_jobs::render::input;
pub mod job;
pub mod sample;
pub mod scene;
