"""Entry point: `flask --app run ...` and gunicorn `run:app`."""
import os

from app import create_app

app = create_app(os.environ.get("SATUPINTU_CONFIG", "config.Config"))
