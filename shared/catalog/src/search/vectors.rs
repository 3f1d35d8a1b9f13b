//! Text embeddings of the indexed products: one unit vector per product, searched by dot
//! product. Kept beside the tantivy index in the bundle, with a hash of the text each vector
//! was computed from so a rebuild only embeds products whose text changed.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Default, Clone)]
pub struct Vectors {
    /// The model the vectors come from; `None` when no model was configured.
    pub model: Option<String>,
    pub dim: usize,
    pub ids: Vec<String>,
    pub text_hashes: Vec<u64>,
    /// `ids.len() * dim` values, row-major, each row of unit length.
    pub data: Vec<f32>,
    rows: HashMap<String, usize>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    model: Option<String>,
    dim: usize,
    ids: Vec<String>,
    text_hashes: Vec<u64>,
}

pub fn text_hash(text: &str) -> u64 {
    let digest = Sha256::digest(text.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

impl Vectors {
    pub fn new(model: Option<String>, dim: usize) -> Self {
        Self {
            model,
            dim,
            ..Self::default()
        }
    }

    pub fn push(&mut self, id: String, text_hash: u64, vector: &[f32]) {
        debug_assert_eq!(vector.len(), self.dim);
        self.rows.insert(id.clone(), self.ids.len());
        self.ids.push(id);
        self.text_hashes.push(text_hash);
        self.data.extend_from_slice(vector);
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn row(&self, id: &str) -> Option<usize> {
        self.rows.get(id).copied()
    }

    pub fn at(&self, row: usize) -> &[f32] {
        &self.data[row * self.dim..(row + 1) * self.dim]
    }

    pub fn get(&self, id: &str) -> Option<&[f32]> {
        self.rows
            .get(id)
            .map(|&row| &self.data[row * self.dim..(row + 1) * self.dim])
    }

    /// The stored vector of `id` if it was computed from text with this hash.
    pub fn reusable(&self, id: &str, text_hash: u64) -> Option<&[f32]> {
        let row = *self.rows.get(id)?;
        (self.text_hashes[row] == text_hash)
            .then(|| &self.data[row * self.dim..(row + 1) * self.dim])
    }

    /// Cosine similarity of every product to `query` (a unit vector), by id.
    pub fn similarities<'a>(
        &'a self,
        query: &'a [f32],
    ) -> impl Iterator<Item = (&'a str, f32)> + 'a {
        self.ids.iter().enumerate().map(move |(row, id)| {
            let v = &self.data[row * self.dim..(row + 1) * self.dim];
            (id.as_str(), v.iter().zip(query).map(|(a, b)| a * b).sum())
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&Header {
            model: self.model.clone(),
            dim: self.dim,
            ids: self.ids.clone(),
            text_hashes: self.text_hashes.clone(),
        })
        .expect("header serialises");
        let mut out = Vec::with_capacity(8 + header.len() + self.data.len() * 4);
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(&header);
        for v in &self.data {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let length = bytes
            .get(..8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize)
            .ok_or("vectors: too short")?;
        let header: Header = serde_json::from_slice(
            bytes
                .get(8..8 + length)
                .ok_or("vectors: truncated header")?,
        )
        .map_err(|e| e.to_string())?;
        let body = &bytes[8 + length..];
        if body.len() != header.ids.len() * header.dim * 4
            || header.ids.len() != header.text_hashes.len()
        {
            return Err("vectors: sizes disagree".into());
        }
        let data = body
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
        let rows = header
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        Ok(Self {
            model: header.model,
            dim: header.dim,
            ids: header.ids,
            text_hashes: header.text_hashes,
            data,
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reuses_only_unchanged_text() {
        let mut v = Vectors::new(Some("m".into()), 2);
        v.push("a".into(), text_hash("oak desk"), &[1.0, 0.0]);
        v.push("b".into(), text_hash("steel chair"), &[0.0, 1.0]);
        let back = Vectors::from_bytes(&v.to_bytes()).unwrap();
        assert_eq!(back.get("b"), Some(&[0.0, 1.0][..]));
        assert!(back.reusable("a", text_hash("oak desk")).is_some());
        assert!(back.reusable("a", text_hash("walnut desk")).is_none());
        let best = back
            .similarities(&[0.6, 0.8])
            .max_by(|x, y| x.1.total_cmp(&y.1))
            .unwrap();
        assert_eq!(best.0, "b");
        assert!(Vectors::from_bytes(&v.to_bytes()[..20]).is_err());
    }
}
