"""The interop harness itself: skip without Node (fail under CI), and servers always stopped."""

import socket
import sys

import pytest

from . import node
from .conftest import start_oidc_provider
from .test_mcp_client import mcp_sdk


@pytest.fixture
def no_node(monkeypatch):
    monkeypatch.setattr(node.shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("INTEROP_REQUIRED", raising=False)


def test_without_node_the_tests_skip_with_a_reason(no_node):
    with pytest.raises(pytest.skip.Exception, match="node is not installed"):
        node.node_executable()


def test_without_node_modules_the_tests_skip_with_the_command(monkeypatch, tmp_path):
    monkeypatch.setattr(node, "NODE_MODULES", tmp_path / "node_modules")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("INTEROP_REQUIRED", raising=False)
    if node.shutil.which("node") is None:
        pytest.skip("node is not installed")
    with pytest.raises(pytest.skip.Exception, match=r"npm ci --prefix tests/interop"):
        node.node_executable()


@pytest.mark.parametrize(("name", "value"), [("CI", "true"), ("INTEROP_REQUIRED", "1")])
def test_under_ci_a_missing_node_fails(no_node, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(pytest.fail.Exception, match="required here"):
        node.node_executable()


def test_ci_false_still_skips(no_node, monkeypatch):
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        node.node_executable()


def test_a_server_that_cannot_start_is_reported_and_reaped():
    node.node_executable()
    process = node.NodeProcess("oidc_server.mjs", env={"INTEROP_CLIENT_SECRET": "", "INTEROP_ADMIN_TOKEN": ""})
    with pytest.raises(RuntimeError, match="INTEROP_CLIENT_SECRET and INTEROP_ADMIN_TOKEN must be set"):
        process.start(timeout=20)
    assert process.process.poll() is not None


def test_a_stopped_server_is_gone_from_its_port():
    node.node_executable()
    process, server = start_oidc_provider()
    try:
        port = int(server.issuer.rsplit(":", 1)[1])
        assert server.issuer.startswith("http://127.0.0.1:")
    finally:
        process.stop()
    assert process.process.returncode is not None
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    process.stop()  # idempotent


def test_a_server_whose_test_process_vanished_exits_by_itself():
    """Were pytest killed outright, the server's stdin pipe would end: it must not linger."""
    node.node_executable()
    process, _server = start_oidc_provider()
    try:
        process.process.stdin.close()
        assert process.process.wait(node.STOP_TIMEOUT) == 0
    finally:
        process.stop()


@pytest.fixture
def no_mcp_sdk(monkeypatch):
    # A None entry makes the import raise ImportError, as an absent package would.
    monkeypatch.setitem(sys.modules, "mcp.client.auth.extensions.client_credentials", None)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("INTEROP_REQUIRED", raising=False)


def test_without_the_mcp_sdk_the_tests_skip_with_the_command(no_mcp_sdk):
    with pytest.raises(pytest.skip.Exception, match=r"requirements-dev\.txt"):
        mcp_sdk()


@pytest.mark.parametrize(("name", "value"), [("CI", "true"), ("INTEROP_REQUIRED", "1")])
def test_under_ci_a_missing_mcp_sdk_fails(no_mcp_sdk, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(pytest.fail.Exception, match="required here"):
        mcp_sdk()
