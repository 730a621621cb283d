"""Latchkey's table of contents: the app, its routes, and its entry points.

- ``/v1/keys``: chalicelib/api/keys.py
- ``/v1/groups``: chalicelib/api/groups.py
- ``/openapi.json``, ``/openapi.yaml``, ``/docs``: chalicelib/api/docs.py
"""

from chalice import Chalice

from chalicelib.api.docs import docs
from chalicelib.api.groups import routes as groups
from chalicelib.api.keys import routes as keys

app = Chalice(app_name="latchkey")
app.register_blueprint(keys.blueprint)
app.register_blueprint(groups.blueprint)
app.register_blueprint(docs)
