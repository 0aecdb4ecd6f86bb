"""The gunicorn entry point, as in the classic sample."""

import predictor as myapp

app = myapp.app
