"""The classic sample's inference app: flask, pandas and the pickled scikit-learn tree."""

import io
import os
import pickle

import flask
import pandas as pd

prefix = os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml")
model_path = os.path.join(prefix, "model")


class ScoringService(object):
    model = None  # Where we keep the model when it's loaded

    @classmethod
    def get_model(cls):
        """Get the model object for this instance, loading it if it's not already loaded."""
        if cls.model is None:
            with open(os.path.join(model_path, "decision-tree-model.pkl"), "rb") as inp:
                cls.model = pickle.load(inp)
        return cls.model

    @classmethod
    def predict(cls, input):
        """Predicts one label for each row of the input data frame."""
        clf = cls.get_model()
        return clf.predict(input)


app = flask.Flask(__name__)


@app.route("/ping", methods=["GET"])
def ping():
    """Healthy if the model loads."""
    health = ScoringService.get_model() is not None
    status = 200 if health else 404
    return flask.Response(response="\n", status=status, mimetype="application/json")


@app.route("/invocations", methods=["POST"])
def transformation():
    """CSV in (features only, one record a line), one label a line out."""
    if flask.request.content_type == "text/csv":
        data = flask.request.data.decode("utf-8")
        data = pd.read_csv(io.StringIO(data), header=None)
    else:
        return flask.Response(
            response="This predictor only supports CSV data", status=415, mimetype="text/plain"
        )

    predictions = ScoringService.predict(data)

    out = io.StringIO()
    pd.DataFrame({"results": predictions}).to_csv(out, header=False, index=False)
    return flask.Response(response=out.getvalue(), status=200, mimetype="text/csv")
