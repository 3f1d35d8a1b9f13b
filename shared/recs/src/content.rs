//! The content model: TF-IDF vectors over each item's text and, from them, each item's most
//! similar items. It is what an item with little or no history is recommended by.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::matrix::top_k;

/// Terms in more than this share of items say nothing about style (`the`, the brand of a
/// one-brand catalog); rarer ones are weighed by IDF.
const MAX_DOC_SHARE: f64 = 0.6;
/// Terms in more items than this are skipped when pairing items, to bound the work.
const MAX_POSTINGS: usize = 5000;

fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| t.chars().count() >= 2)
        .map(str::to_lowercase)
}

/// Unit-length TF-IDF vectors (term id, weight), one per text.
pub fn tfidf(texts: &[String]) -> Vec<Vec<(u32, f32)>> {
    let mut vocabulary: HashMap<String, u32> = HashMap::new();
    let counted: Vec<HashMap<u32, f32>> = texts
        .iter()
        .map(|text| {
            let mut counts = HashMap::new();
            for token in tokens(text) {
                let next = vocabulary.len() as u32;
                let id = *vocabulary.entry(token).or_insert(next);
                *counts.entry(id).or_insert(0.0) += 1.0;
            }
            counts
        })
        .collect();
    let mut df = vec![0usize; vocabulary.len()];
    for counts in &counted {
        counts.keys().for_each(|&t| df[t as usize] += 1);
    }
    let n = texts.len().max(1) as f64;
    counted
        .into_iter()
        .map(|counts| {
            let mut vector: Vec<(u32, f32)> = counts
                .into_iter()
                .filter(|&(t, _)| (df[t as usize] as f64) / n <= MAX_DOC_SHARE || n < 8.0)
                .map(|(t, tf)| {
                    let idf = (n / df[t as usize] as f64).ln() + 1.0;
                    (t, ((1.0 + (tf as f64).ln()) * idf) as f32)
                })
                .collect();
            vector.sort_unstable_by_key(|&(t, _)| t);
            let norm = vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            if norm > 0.0 {
                vector.iter_mut().for_each(|(_, w)| *w /= norm);
            }
            vector
        })
        .collect()
}

/// Each item's `k` most similar items by cosine of their TF-IDF vectors (similarity > 0).
pub fn neighbours(vectors: &[Vec<(u32, f32)>], k: usize) -> Vec<Vec<(u32, f32)>> {
    let mut postings: HashMap<u32, Vec<(u32, f32)>> = HashMap::new();
    for (item, vector) in vectors.iter().enumerate() {
        for &(t, w) in vector {
            postings.entry(t).or_default().push((item as u32, w));
        }
    }
    postings.retain(|_, list| list.len() <= MAX_POSTINGS);
    vectors
        .par_iter()
        .enumerate()
        .map_init(
            || vec![0f32; vectors.len()],
            |scores, (item, vector)| {
                let mut touched = Vec::new();
                for (t, w) in vector {
                    for &(other, v) in postings.get(t).map(Vec::as_slice).unwrap_or_default() {
                        if scores[other as usize] == 0.0 {
                            touched.push(other);
                        }
                        scores[other as usize] += w * v;
                    }
                }
                let mut best = Vec::with_capacity(k);
                let candidates: Vec<f32> = touched.iter().map(|&o| scores[o as usize]).collect();
                for (at, score) in top_k(&candidates, k + 1, |at| touched[at] as usize != item) {
                    if score > 0.0 {
                        best.push((touched[at as usize], score));
                    }
                }
                best.truncate(k);
                touched.iter().for_each(|&o| scores[o as usize] = 0.0);
                best
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_sharing_rare_words_are_neighbours() {
        let texts: Vec<String> = [
            "Oak lounge chair walnut scandinavian",
            "Walnut oak side table scandinavian",
            "Steel industrial desk black",
            "Black steel industrial shelf",
            "Task chair mesh ergonomic",
            "Mesh ergonomic task chair headrest",
            "Plain lamp",
            "Plain rug",
            "Plain sofa",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let near = neighbours(&tfidf(&texts), 2);
        assert_eq!(near[0][0].0, 1);
        assert_eq!(near[2][0].0, 3);
        assert_eq!(near[4][0].0, 5);
        assert!(near[0].iter().all(|&(i, s)| i != 0 && s > 0.0));
    }
}
