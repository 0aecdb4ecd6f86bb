#!/usr/bin/python3
"""The classic sample's training script: a scikit-learn decision tree on every CSV file of the
training channel (headerless, label in the first column), pickled into the model folder."""

import json
import os
import pickle
import sys
import traceback

import pandas as pd
from sklearn import tree

prefix = os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml")
param_path = os.path.join(prefix, "input/config/hyperparameters.json")
training_path = os.path.join(prefix, "input/data/training")
model_path = os.path.join(prefix, "model")
output_path = os.path.join(prefix, "output")


def train():
    print("Starting the training.")
    try:
        with open(param_path) as tc:
            training_params = json.load(tc)
        input_files = [os.path.join(training_path, name) for name in os.listdir(training_path)]
        if len(input_files) == 0:
            raise ValueError(f"There are no files in {training_path}")
        raw_data = [pd.read_csv(name, header=None) for name in input_files]
        train_data = pd.concat(raw_data)

        train_y = train_data.iloc[:, 0]
        train_X = train_data.iloc[:, 1:]

        max_leaf_nodes = training_params.get("max_leaf_nodes", None)
        if max_leaf_nodes is not None:
            max_leaf_nodes = int(max_leaf_nodes)

        clf = tree.DecisionTreeClassifier(max_leaf_nodes=max_leaf_nodes)
        clf = clf.fit(train_X, train_y)

        with open(os.path.join(model_path, "decision-tree-model.pkl"), "wb") as out:
            pickle.dump(clf, out)
        print("Training complete.")
    except Exception as e:
        trc = traceback.format_exc()
        with open(os.path.join(output_path, "failure"), "w") as s:
            s.write("Exception during training: " + str(e) + "\n" + trc)
        print("Exception during training: " + str(e) + "\n" + trc, file=sys.stderr)
        sys.exit(255)


if __name__ == "__main__":
    train()
    sys.exit(0)
