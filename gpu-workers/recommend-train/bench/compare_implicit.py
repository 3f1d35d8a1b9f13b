#!/usr/bin/env python3
"""Trains the `implicit` library's CPU ALS on the split `recommend-train --export-split` wrote
(train.csv, test.csv in DIR) with the same factors, iterations, regularisation, confidence and
threads, and prints one JSON line with the same figures as recommend-train.

Confidence: recommend-train uses 1 + alpha * weight; implicit uses the matrix values as the
confidence, so it is given 1 + alpha * weight with its own alpha at 1.0 (the same objective).
"""
import argparse
import csv
import json
import os
import time

# implicit parallelises over rows itself; BLAS threads on top only contend.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits


def read(path, users, items):
    rows, cols, vals = [], [], []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            rows.append(users.setdefault(r["user_id"], len(users)))
            cols.append(items.setdefault(r["item_id"], len(items)))
            vals.append(float(r["weight"]))
    return np.array(rows), np.array(cols), np.array(vals, dtype=np.float32)


def evaluate(user_factors, item_factors, train, test, k=10):
    users = np.flatnonzero(np.diff(test.indptr))
    p = r = n = 0.0
    shown = np.zeros(train.shape[1], dtype=bool)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    for start in range(0, len(users), 512):
        block = users[start:start + 512]
        scores = user_factors[block] @ item_factors.T
        for row, u in enumerate(block):
            seen = train.indices[train.indptr[u]:train.indptr[u + 1]]
            scores[row, seen] = -np.inf
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.take_along_axis(scores, top, axis=1).argsort(axis=1)[:, ::-1]
        top = np.take_along_axis(top, order, axis=1)
        for row, u in enumerate(block):
            held = set(test.indices[test.indptr[u]:test.indptr[u + 1]].tolist())
            hits = np.array([i in held for i in top[row]])
            p += hits.sum() / k
            r += hits.sum() / len(held)
            n += (hits * discounts).sum() / discounts[:min(len(held), k)].sum()
            shown[top[row]] = True
    m = len(users)
    return {"p@10": p / m, "recall@10": r / m, "ndcg@10": n / m,
            "coverage": shown.mean(), "users": m}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--regularization", type=float, default=0.05)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--cg-steps", type=int, default=3, help="implicit's default is 3")
    a = ap.parse_args()

    import implicit
    from implicit.cpu.als import AlternatingLeastSquares

    users, items = {}, {}
    tr = read(f"{a.dir}/train.csv", users, items)
    te = read(f"{a.dir}/test.csv", users, items)
    shape = (len(users), len(items))
    train = sp.csr_matrix((tr[2], (tr[0], tr[1])), shape=shape)
    test = sp.csr_matrix((te[2], (te[0], te[1])), shape=shape)
    train.sort_indices()
    test.sort_indices()
    confidence = train.copy()
    confidence.data = 1.0 + a.alpha * confidence.data

    model = AlternatingLeastSquares(
        factors=a.factors, regularization=a.regularization, alpha=1.0,
        iterations=a.iterations, use_cg=True, calculate_training_loss=False,
        num_threads=a.threads, random_state=a.seed, dtype=np.float32)
    model.cg_steps = a.cg_steps
    ticks = []
    with threadpool_limits(limits=1, user_api="blas"):
        started = time.perf_counter()
        ticks.append(started)
        model.fit(confidence, show_progress=False,
                  callback=lambda *_: ticks.append(time.perf_counter()))
        fit_s = time.perf_counter() - started
    per_iter = np.diff(ticks)
    metrics = evaluate(np.asarray(model.user_factors), np.asarray(model.item_factors),
                       train, test)
    print(json.dumps({
        "library": f"implicit {implicit.__version__}", "cg_steps": a.cg_steps,
        "users": int(shape[0]), "items": int(shape[1]), "train_nnz": int(train.nnz),
        "fit_s": round(fit_s, 4), "s_per_iter": round(float(per_iter.mean()), 4),
        **{key: round(float(v), 4) if key != "users" else int(v) for key, v in metrics.items()},
    }))


if __name__ == "__main__":
    main()
