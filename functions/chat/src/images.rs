//! Concept images through a Bedrock image model (Amazon Nova Canvas's request format, which
//! Titan Image Generator v2 shares): generate from a prompt, restyle a room photo (image
//! variation), or replace an area chosen by a mask image or a mask prompt (inpainting).

use std::sync::Arc;

use aws_sdk_bedrockruntime::primitives::Blob;
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::model::{ModelError, bedrock::BedrockClient};

pub struct ImageModel {
    client: Arc<BedrockClient>,
    pub model_id: String,
}

/// What to make.
#[derive(Debug, Clone, PartialEq)]
pub enum Task {
    Generate {
        prompt: String,
        negative: Option<String>,
    },
    Restyle {
        prompt: String,
        image: Vec<u8>,
        /// How close to the photo, 0.2 to 1.0.
        similarity: f32,
    },
    Inpaint {
        prompt: String,
        image: Vec<u8>,
        mask: Mask,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mask {
    /// Black where the image is replaced, white where it is kept.
    Image(Vec<u8>),
    /// Words naming the area (`the sofa`).
    Prompt(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Canvas {
    pub width: u32,
    pub height: u32,
    pub count: u32,
    pub seed: u32,
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    images: Vec<String>,
    #[serde(default)]
    error: Option<String>,
}

/// The request body Nova Canvas takes.
pub fn body(task: &Task, canvas: &Canvas) -> Value {
    let config = json!({
        "numberOfImages": canvas.count,
        "width": canvas.width,
        "height": canvas.height,
        "seed": canvas.seed,
        "cfgScale": 6.5,
        "quality": "standard",
    });
    match task {
        Task::Generate { prompt, negative } => {
            let mut params = json!({"text": prompt});
            if let Some(n) = negative {
                params["negativeText"] = n.clone().into();
            }
            json!({"taskType": "TEXT_IMAGE", "textToImageParams": params,
                   "imageGenerationConfig": config})
        }
        Task::Restyle {
            prompt,
            image,
            similarity,
        } => json!({
            "taskType": "IMAGE_VARIATION",
            "imageVariationParams": {"text": prompt, "images": [STANDARD.encode(image)],
                                     "similarityStrength": similarity},
            "imageGenerationConfig": config,
        }),
        Task::Inpaint {
            prompt,
            image,
            mask,
        } => {
            let mut params = json!({"text": prompt, "image": STANDARD.encode(image)});
            match mask {
                Mask::Image(bytes) => params["maskImage"] = STANDARD.encode(bytes).into(),
                Mask::Prompt(words) => params["maskPrompt"] = words.clone().into(),
            }
            // Inpainting keeps the source's size; width and height are not sent.
            json!({"taskType": "INPAINTING", "inPaintingParams": params,
                   "imageGenerationConfig": {"numberOfImages": canvas.count, "seed": canvas.seed,
                                             "cfgScale": 6.5, "quality": "standard"}})
        }
    }
}

impl ImageModel {
    pub fn new(client: Arc<BedrockClient>, model_id: String) -> Self {
        Self { client, model_id }
    }

    /// The PNG images the model made.
    pub async fn run(&self, task: &Task, canvas: &Canvas) -> Result<Vec<Vec<u8>>, ModelError> {
        let output = self
            .client
            .get()
            .await
            .invoke_model()
            .model_id(&self.model_id)
            .content_type("application/json")
            .accept("application/json")
            .body(Blob::new(body(task, canvas).to_string()))
            .send()
            .await
            .map_err(crate::model::bedrock::model_error)?;
        let response: Response = serde_json::from_slice(output.body.as_ref())
            .map_err(|e| ModelError::Failed(format!("unreadable image response: {e}")))?;
        if let Some(error) = response.error.filter(|e| !e.is_empty()) {
            // Nova Canvas reports content moderation this way.
            return Err(ModelError::Refused(error));
        }
        if response.images.is_empty() {
            return Err(ModelError::Failed("the model returned no image".into()));
        }
        response
            .images
            .iter()
            .map(|b64| {
                STANDARD
                    .decode(b64)
                    .map_err(|e| ModelError::Failed(format!("image is not base64: {e}")))
            })
            .collect()
    }
}
