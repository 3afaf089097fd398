"""gunicorn with ``preload_app``: the app (and its Tracker) is made once, in the master.

    XO_COLLECT_URL=http://127.0.0.1:9000 gunicorn -c examples/server/gunicorn.conf.py

The master imports this module before forking its workers. Whatever the master sent (here a
deploy marker, when ``XO_DEPLOY_MARKER`` is set) started its sender thread and opened its
outbox connection; a forked worker inherits neither: xo_web.server starts both again in the
child on its first send. (The peers' SDKs send nothing from such workers.)
"""

import os

from examples.server.flask_app import create_app, xo

app = create_app()

if os.environ.get("XO_DEPLOY_MARKER"):
    with app.app_context():
        marker = {"action": "deploy", "target": {"release": os.environ["XO_DEPLOY_MARKER"]}}
        xo.send(marker, user={"identities": {"sessionid": "deploy"}})
