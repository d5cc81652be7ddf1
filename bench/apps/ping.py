"""L0: a bare Flask app answering /ping (the reference every figure is divided by)."""
from flask import Flask

app = Flask(__name__)


@app.get("/ping")
def ping():
    return "pong"
