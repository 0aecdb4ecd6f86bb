"""Fits scikit-learn's DecisionTreeClassifier or xgboost's hist tree on files written by
bench/learner/run.ts and prints one JSON line of measurements.

Usage: /usr/bin/python3 bench/learner/reference_fit.py sklearn|xgboost DIR MAX_LEAF_NODES

DIR holds train.f64 / test.f64 (row-major little-endian float64, 20 columns) and train.i32 /
test.i32 (int32 class indices), the same data run.ts writes as train.csv / test.csv.
"""
import json
import os
import pickle
import sys
import time

import numpy as np

COLUMNS = 20


def peak_reset():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def load(directory, name):
    x = np.fromfile(os.path.join(directory, name + ".f64"), dtype="<f8").reshape(-1, COLUMNS)
    y = np.fromfile(os.path.join(directory, name + ".i32"), dtype="<i4")
    return x, y


def main():
    kind, directory, max_leaves = sys.argv[1], sys.argv[2], int(sys.argv[3])
    x, y = load(directory, "train")
    xt, yt = load(directory, "test")
    rss_before = status("VmRSS")
    peak_reset()
    if kind == "sklearn":
        from sklearn.tree import DecisionTreeClassifier
        started = time.perf_counter()
        model = DecisionTreeClassifier(max_leaf_nodes=max_leaves, random_state=0).fit(x, y)
        fit_seconds = time.perf_counter() - started
        peak = status("VmHWM")
        started = time.perf_counter()
        predicted = model.predict(xt)
        predict_seconds = time.perf_counter() - started
        one = xt[:1]
        started = time.perf_counter()
        for _ in range(1000):
            model.predict(one)
        single = (time.perf_counter() - started) / 1000
        size = len(pickle.dumps(model))
        leaves = int(model.get_n_leaves())
    else:
        import xgboost as xgb
        started = time.perf_counter()
        train = xgb.DMatrix(x, label=y, nthread=2)
        params = {"objective": "multi:softprob", "num_class": 3, "tree_method": "hist",
                  "grow_policy": "lossguide", "max_leaves": max_leaves, "max_depth": 0,
                  "eta": 1.0, "nthread": 2, "max_bin": 256}
        model = xgb.train(params, train, num_boost_round=1)
        fit_seconds = time.perf_counter() - started
        peak = status("VmHWM")
        test = xgb.DMatrix(xt, nthread=2)
        started = time.perf_counter()
        predicted = model.predict(test).argmax(axis=1)
        predict_seconds = time.perf_counter() - started
        one = xgb.DMatrix(xt[:1])
        started = time.perf_counter()
        for _ in range(1000):
            model.predict(one)
        single = (time.perf_counter() - started) / 1000
        size = len(model.save_raw("json"))
        leaves = sum(tree.count("leaf") for tree in model.get_dump())
    print(json.dumps({
        "fitSeconds": fit_seconds,
        "accuracy": float((predicted == yt).mean()),
        "leaves": leaves,
        "modelBytes": size,
        "predictRowsPerSecond": len(yt) / predict_seconds,
        "singleMicroseconds": single * 1e6,
        "peakBytes": peak,
        "rssBeforeBytes": rss_before,
    }))


if __name__ == "__main__":
    main()
