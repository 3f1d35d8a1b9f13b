//! Dense row-major `f32` matrices (factors) and the few kernels the models need. Products of
//! whole matrices go through `matrixmultiply` (blocked, SIMD dispatched at run time); the
//! per-row vector kernels are written with eight independent lanes so they vectorise.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

impl Matrix {
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// `selfᵀ · self` (the Gram matrix, `cols x cols`).
    pub fn gram(&self) -> Matrix {
        let k = self.cols;
        let mut out = Matrix::zeros(k, k);
        // SAFETY: the strides describe `self.data` (rows x k) read as its transpose and
        // `out.data` (k x k), both of the stated sizes.
        unsafe {
            matrixmultiply::sgemm(
                k,
                self.rows,
                k,
                1.0,
                self.data.as_ptr(),
                1,
                k as isize,
                self.data.as_ptr(),
                k as isize,
                1,
                0.0,
                out.data.as_mut_ptr(),
                k as isize,
                1,
            );
        }
        out
    }

    /// Rows `start..start+n` of `self` times `otherᵀ`, into `out` (`n x other.rows`).
    pub fn block_times_transpose(&self, start: usize, n: usize, other: &Matrix, out: &mut [f32]) {
        assert_eq!(self.cols, other.cols);
        assert!(start + n <= self.rows && out.len() >= n * other.rows);
        let k = self.cols;
        // SAFETY: `self` rows start..start+n (n x k), `other` read transposed (k x m) and
        // `out` (n x m) are all in bounds, checked above.
        unsafe {
            matrixmultiply::sgemm(
                n,
                k,
                other.rows,
                1.0,
                self.data.as_ptr().add(start * k),
                k as isize,
                1,
                other.data.as_ptr(),
                1,
                k as isize,
                0.0,
                out.as_mut_ptr(),
                other.rows as isize,
                1,
            );
        }
    }

    /// `self · v`: one score per row (a user's affinity to every item). Done row by row:
    /// a matrix-matrix routine would repack the whole matrix for a single vector.
    pub fn times_vector(&self, v: &[f32], out: &mut [f32]) {
        assert_eq!(v.len(), self.cols);
        rows_dot(&self.data, v, out);
    }

    /// Every row scaled to unit length (zero rows stay zero), for cosine similarities.
    pub fn normalized_rows(&self) -> Matrix {
        let mut out = self.clone();
        for row in out.data.chunks_exact_mut(self.cols.max(1)) {
            let norm = dot(row, row).sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|v| *v /= norm);
            }
        }
        out
    }
}

#[multiversion::multiversion(targets("x86_64+avx2+fma", "x86_64+avx", "aarch64+neon"))]
fn rows_dot(rows: &[f32], v: &[f32], out: &mut [f32]) {
    for (o, row) in out.iter_mut().zip(rows.chunks_exact(v.len().max(1))) {
        *o = dot(row, v);
    }
}

/// `a · b`, eight lanes at a time.
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut lanes = [0.0f32; 8];
    let mut chunks_a = a.chunks_exact(8);
    let mut chunks_b = b.chunks_exact(8);
    for (x, y) in (&mut chunks_a).zip(&mut chunks_b) {
        for l in 0..8 {
            lanes[l] += x[l] * y[l];
        }
    }
    let mut sum: f32 = lanes.iter().sum();
    for (x, y) in chunks_a.remainder().iter().zip(chunks_b.remainder()) {
        sum += x * y;
    }
    sum
}

/// `y += a · x`.
#[inline(always)]
pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

/// The `k` best `(index, score)` pairs, best first, of the scores `keep` allows.
pub fn top_k(scores: &[f32], k: usize, keep: impl Fn(usize) -> bool) -> Vec<(u32, f32)> {
    let mut best: Vec<(u32, f32)> = Vec::with_capacity(k + 1);
    // `best` stays sorted best first; a score enters only if it beats the worst kept.
    for (i, &s) in scores.iter().enumerate() {
        if best.len() == k && s <= best[k - 1].1 {
            continue;
        }
        if !s.is_finite() || !keep(i) {
            continue;
        }
        let at = best.partition_point(|&(_, b)| b >= s);
        best.insert(at, (i as u32, s));
        best.truncate(k);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_agree_with_plain_arithmetic() {
        let a: Vec<f32> = (0..19).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..19).map(|i| 1.0 - i as f32 * 0.1).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-4);
        let m = Matrix {
            rows: 3,
            cols: 2,
            data: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        };
        // [1 3 5; 2 4 6] x [1 2; 3 4; 5 6]
        assert_eq!(m.gram().data, vec![35.0, 44.0, 44.0, 56.0]);
        let mut scores = vec![0.0; 3];
        m.times_vector(&[1.0, -1.0], &mut scores);
        assert_eq!(scores, vec![-1.0, -1.0, -1.0]);
        let mut out = vec![0.0; 6];
        m.block_times_transpose(1, 2, &m, &mut out);
        assert_eq!(out, vec![11.0, 25.0, 39.0, 17.0, 39.0, 61.0]);
    }

    #[test]
    fn top_k_keeps_the_best_allowed_in_order() {
        let scores = [0.1, 0.9, 0.5, 0.7, 0.3];
        assert_eq!(top_k(&scores, 2, |_| true), vec![(1, 0.9), (3, 0.7)]);
        assert_eq!(top_k(&scores, 2, |i| i != 1), vec![(3, 0.7), (2, 0.5)]);
    }
}
