//! What the platform reads from photos, shared by the functions and the vision worker:
//!
//! - [`photo`]: JPEG, PNG or WebP decoded under limits and scaled to what a reading needs.
//! - [`palette`]: a room's colour palette (k-means in CIELAB), brightness and warmth.
//! - [`style`]: the room's style named by a Bedrock model from a fixed list.
//! - [`encoder`]: image embeddings (Bedrock Titan Multimodal, or an ONNX encoder) and
//!   [`image_vectors`], where the products' are kept.
//! - [`bedrock`]: the lazily built Bedrock Runtime client and how its errors read.

pub mod bedrock;
pub mod encoder;
pub mod image_vectors;
pub mod names;
pub mod onnx;
pub mod palette;
pub mod photo;
pub mod style;

pub use bedrock::BedrockClient;
