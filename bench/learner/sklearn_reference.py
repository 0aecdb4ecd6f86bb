"""Reference accuracies for test/algorithm/cart/mod_test.ts.

Run with Debian's scikit-learn:  /usr/bin/python3 bench/learner/sklearn_reference.py
For each data set in test/testdata (headerless CSV, label first), row i belongs to fold i % 5;
each fold is held out once while DecisionTreeClassifier(random_state=SEED, **params) fits the
other four, and the printed figure is the share of all rows predicted right when held out.
"""
import os
import sys

import numpy as np
import sklearn
from sklearn.tree import DecisionTreeClassifier

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "testdata")


def load(name):
    labels, rows = [], []
    with open(os.path.join(DATA, name + ".csv")) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            fields = line.split(",")
            labels.append(fields[0])
            rows.append([float(v) for v in fields[1:]])
    return np.array(rows), np.array(labels)


def cross_validated(x, y, seed, **params):
    fold = np.arange(len(y)) % 5
    correct = 0
    for k in range(5):
        model = DecisionTreeClassifier(random_state=seed, **params)
        model.fit(x[fold != k], y[fold != k])
        correct += int((model.predict(x[fold == k]) == y[fold == k]).sum())
    return correct / len(y)


def main():
    print(f"scikit-learn {sklearn.__version__}, python {sys.version.split()[0]}")
    settings = [("gini", {}), ("entropy", {"criterion": "entropy"}),
                ("max_leaf_nodes=5", {"max_leaf_nodes": 5})]
    for name in ["iris", "wine", "breast_cancer"]:
        x, y = load(name)
        for label, params in settings:
            scores = [cross_validated(x, y, seed, **params) for seed in range(10)]
            print(f"{name:14s} {label:18s} random_state=0: {scores[0]:.4f}  "
                  f"mean of random_state 0..9: {np.mean(scores):.4f}  "
                  f"min {min(scores):.4f} max {max(scores):.4f}")


if __name__ == "__main__":
    main()
