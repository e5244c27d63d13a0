"""The benchmarks' embedded issuer: its client gets tokens from the real token endpoint and they introspect."""

import os
import subprocess
import sys

from bench.harness import ROOT

# In a child process: `EmbeddedIssuer.prepare()` sets Django up with the benchmark settings.
SCRIPT = """
import tempfile
from pathlib import Path
from bench.harness import Gunicorn, free_port
from bench.issuer import EmbeddedIssuer

with tempfile.TemporaryDirectory() as tmp:
    issuer = EmbeddedIssuer(Path(tmp), free_port()).prepare()
    with Gunicorn(issuer.env, port=issuer.port, options=["--workers", "1"]).start(
        ready_path="/oauth2/default/v1/keys"
    ):
        token = issuer.token()
        issuer.introspection_url(token)
        print("token parts", len(token.split(".")))
"""


def test_the_benchmark_client_gets_and_introspects_a_token():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stdout.strip() == "token parts 3"
