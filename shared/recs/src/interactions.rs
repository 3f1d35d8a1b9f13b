//! Implicit feedback as a sparse user x item matrix (CSR), the string ids behind its rows and
//! columns, and the per-user random hold-out split every training run is evaluated on.

use std::collections::HashMap;

use rand::{Rng, SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Compressed sparse rows: row `r` holds `indices[indptr[r]..indptr[r+1]]` with `values`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Csr {
    pub cols: usize,
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl Csr {
    /// From `(row, col, value)` triples; repeated cells are summed, columns sorted per row.
    pub fn from_triples(rows: usize, cols: usize, mut triples: Vec<(u32, u32, f32)>) -> Self {
        triples.sort_unstable_by_key(|&(r, c, _)| (r, c));
        let mut indptr = vec![0usize; rows + 1];
        let mut indices = Vec::with_capacity(triples.len());
        let mut values: Vec<f32> = Vec::with_capacity(triples.len());
        let mut last: Option<(u32, u32)> = None;
        for (r, c, v) in triples {
            if last == Some((r, c)) {
                *values.last_mut().expect("a value per index") += v;
                continue;
            }
            last = Some((r, c));
            indptr[r as usize + 1] += 1;
            indices.push(c);
            values.push(v);
        }
        for r in 0..rows {
            indptr[r + 1] += indptr[r];
        }
        Self {
            cols,
            indptr,
            indices,
            values,
        }
    }

    pub fn rows(&self) -> usize {
        self.indptr.len() - 1
    }

    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let span = self.indptr[r]..self.indptr[r + 1];
        (&self.indices[span.clone()], &self.values[span])
    }

    pub fn transpose(&self) -> Csr {
        let mut counts = vec![0usize; self.cols + 1];
        for &c in &self.indices {
            counts[c as usize + 1] += 1;
        }
        for c in 0..self.cols {
            counts[c + 1] += counts[c];
        }
        let indptr = counts.clone();
        let mut next = counts;
        let mut indices = vec![0u32; self.nnz()];
        let mut values = vec![0f32; self.nnz()];
        for r in 0..self.rows() {
            let (cols, vals) = self.row(r);
            for (&c, &v) in cols.iter().zip(vals) {
                let at = next[c as usize];
                indices[at] = r as u32;
                values[at] = v;
                next[c as usize] += 1;
            }
        }
        Csr {
            cols: self.rows(),
            indptr,
            indices,
            values,
        }
    }
}

/// Interactions with their string ids.
#[derive(Debug, Clone, Default)]
pub struct Interactions {
    pub users: Vec<String>,
    pub items: Vec<String>,
    pub matrix: Csr,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("line {line}: {message}")]
    Row { line: u64, message: String },
    #[error("{0}")]
    Csv(#[from] csv::Error),
    #[error("the header must be `user_id,item_id,weight`, found `{0}`")]
    Header(String),
}

/// Builds the matrix from `(user, item, weight)` rows, giving ids dense indices in order of
/// first appearance. Items listed in `known_items` get indices even without interactions.
#[derive(Debug, Default)]
pub struct Builder {
    users: HashMap<String, u32>,
    items: HashMap<String, u32>,
    user_ids: Vec<String>,
    item_ids: Vec<String>,
    triples: Vec<(u32, u32, f32)>,
}

impl Builder {
    pub fn item_index(&mut self, item: &str) -> u32 {
        intern(&mut self.items, &mut self.item_ids, item)
    }

    pub fn add(&mut self, user: &str, item: &str, weight: f32) {
        let u = intern(&mut self.users, &mut self.user_ids, user);
        let i = intern(&mut self.items, &mut self.item_ids, item);
        self.triples.push((u, i, weight));
    }

    /// The matrix; cells whose summed weight is not positive (an item added, then removed)
    /// are dropped.
    pub fn build(self) -> Interactions {
        let mut matrix = Csr::from_triples(self.user_ids.len(), self.item_ids.len(), self.triples);
        if matrix.values.iter().any(|&v| v <= 0.0) {
            let mut triples = Vec::with_capacity(matrix.nnz());
            for r in 0..matrix.rows() {
                let (cols, vals) = matrix.row(r);
                for (&c, &v) in cols.iter().zip(vals) {
                    if v > 0.0 {
                        triples.push((r as u32, c, v));
                    }
                }
            }
            matrix = Csr::from_triples(matrix.rows(), matrix.cols, triples);
        }
        Interactions {
            users: self.user_ids,
            items: self.item_ids,
            matrix,
        }
    }
}

fn intern(map: &mut HashMap<String, u32>, ids: &mut Vec<String>, id: &str) -> u32 {
    if let Some(&i) = map.get(id) {
        return i;
    }
    let i = ids.len() as u32;
    map.insert(id.to_string(), i);
    ids.push(id.to_string());
    i
}

/// Reads `user_id,item_id,weight` CSV (ids are strings; weights positive numbers).
pub fn read_csv(reader: impl std::io::Read) -> Result<Interactions, ReadError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let header: Vec<String> = csv
        .headers()?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header != ["user_id", "item_id", "weight"] {
        return Err(ReadError::Header(header.join(",")));
    }
    let mut builder = Builder::default();
    let mut record = csv::StringRecord::new();
    while csv.read_record(&mut record)? {
        let line = record.position().map_or(0, |p| p.line());
        let row = |message: &str| ReadError::Row {
            line,
            message: message.to_string(),
        };
        let (Some(user), Some(item), Some(weight)) = (record.get(0), record.get(1), record.get(2))
        else {
            return Err(row("expected three fields"));
        };
        let weight: f32 = weight
            .trim()
            .parse()
            .map_err(|_| row("weight is not a number"))?;
        if !weight.is_finite() || weight <= 0.0 {
            return Err(row("weight must be a positive number"));
        }
        if user.is_empty() || item.is_empty() {
            return Err(row("user_id and item_id must not be empty"));
        }
        builder.add(user, item, weight);
    }
    Ok(builder.build())
}

/// Holds out `fraction` of each user's items at random (at least one, when the user has two
/// or more; users with one item keep it for training) for evaluation.
pub fn holdout(matrix: &Csr, fraction: f64, seed: u64) -> (Csr, Csr) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    let mut order = Vec::new();
    for r in 0..matrix.rows() {
        let (cols, vals) = matrix.row(r);
        let n = cols.len();
        let held = if n < 2 || fraction <= 0.0 {
            0
        } else {
            // Randomised rounding keeps the expected share exact for small histories.
            let want = fraction * n as f64;
            let base = want.floor() as usize;
            let extra = usize::from(rng.random::<f64>() < want - base as f64);
            (base + extra).clamp(1, n - 1)
        };
        order.clear();
        order.extend(0..n);
        order.shuffle(&mut rng);
        for (j, &at) in order.iter().enumerate() {
            let cell = (r as u32, cols[at], vals[at]);
            if j < held {
                test.push(cell);
            } else {
                train.push(cell);
            }
        }
    }
    (
        Csr::from_triples(matrix.rows(), matrix.cols, train),
        Csr::from_triples(matrix.rows(), matrix.cols, test),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sums_repeats_and_transposes() {
        let data = "user_id,item_id,weight\nu1,a,1\nu1,b,2\nu2,a,3\nu1,a,1\n";
        let x = read_csv(data.as_bytes()).unwrap();
        assert_eq!(x.users, ["u1", "u2"]);
        assert_eq!(x.items, ["a", "b"]);
        assert_eq!(x.matrix.row(0), (&[0u32, 1][..], &[2.0f32, 2.0][..]));
        let t = x.matrix.transpose();
        assert_eq!(t.row(0), (&[0u32, 1][..], &[2.0f32, 3.0][..]));
        assert_eq!(t.transpose(), x.matrix);
    }

    #[test]
    fn refuses_bad_rows_with_their_line() {
        let bad = read_csv("user_id,item_id,weight\nu1,a,x\n".as_bytes()).unwrap_err();
        assert_eq!(bad.to_string(), "line 2: weight is not a number");
        assert!(read_csv("user,item\n".as_bytes()).is_err());
        assert!(read_csv("user_id,item_id,weight\nu1,a,-1\n".as_bytes()).is_err());
    }

    #[test]
    fn holdout_splits_each_user_and_keeps_every_cell_once() {
        let mut b = Builder::default();
        for u in 0..50 {
            for i in 0..(1 + u % 12) {
                b.add(&format!("u{u}"), &format!("i{i}"), 1.0);
            }
        }
        let x = b.build();
        let (train, test) = holdout(&x.matrix, 0.2, 7);
        assert_eq!(train.nnz() + test.nnz(), x.matrix.nnz());
        for r in 0..x.matrix.rows() {
            let n = x.matrix.row(r).0.len();
            let held = test.row(r).0.len();
            if n == 1 {
                assert_eq!(held, 0);
            } else {
                assert!(held >= 1 && held < n);
            }
        }
        let share = test.nnz() as f64 / x.matrix.nnz() as f64;
        assert!((share - 0.2).abs() < 0.06, "{share}");
        assert_eq!(holdout(&x.matrix, 0.2, 7), (train, test));
    }
}
