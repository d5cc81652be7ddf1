"""The back office's landing page."""
from flask_appbuilder import IndexView


class HomeView(IndexView):
    index_template = "backoffice/index.html"
