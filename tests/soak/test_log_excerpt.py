"""A failed soak names the server's errors, not only the last lines of its log."""

from tests.soak.soak import server_log_excerpt


def test_errors_from_early_in_the_run_are_kept():
    log = "\n".join(
        [
            "2026-11-29 01:59:01,000 ERROR api.jwks: Key set refresh for http://x failed (timeout); no usable key",
            "2026-11-29 01:59:01,001 WARNING django.request: Service Unavailable: /",
            *[f"2026-11-29 01:59:36,{n:03d} WARNING django.request: Unauthorized: /" for n in range(500)],
        ]
    )
    excerpt = server_log_excerpt(log)
    assert "server errors (2, first 20):" in excerpt
    assert "Key set refresh for http://x failed" in excerpt and "Service Unavailable: /" in excerpt
    assert excerpt.splitlines()[-1].endswith("Unauthorized: /")
    assert len(excerpt.splitlines()) == 1 + 2 + 1 + 15


def test_a_clean_log_has_only_its_tail():
    excerpt = server_log_excerpt("\n".join(f"line {n}" for n in range(40)), most=5)
    assert excerpt.startswith("server errors (0, first 5):\nserver log tail:\nline 25")
