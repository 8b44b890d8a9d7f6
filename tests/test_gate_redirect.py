"""The gateway's token redirect stays on its own host (no open redirect through ``//host``)."""
from __future__ import annotations

from tornado.testing import AsyncHTTPTestCase

from mopkit.gate import COOKIE, Gate, make_app


class TokenRedirect(AsyncHTTPTestCase):
    def get_app(self):
        return make_app(Gate(1, "secret-token"))  # upstream never reached: the redirect comes first

    def _location(self, path: str) -> str:
        r = self.fetch(path, follow_redirects=False, headers={"Host": "127.0.0.1"})
        assert r.code == 302, r.code
        assert COOKIE in r.headers.get("Set-Cookie", "")
        return r.headers["Location"]

    def test_token_moves_to_a_cookie_and_the_path_is_kept(self):
        assert self._location("/voila/render?a=1&token=secret-token") == "/voila/render?a=1"

    def test_a_double_slash_path_does_not_leave_the_host(self):
        for path in ("//evil.example/?token=secret-token", "/\\evil.example/?token=secret-token"):
            loc = self._location(path)
            assert not loc.startswith("//") and not loc.startswith("/\\"), loc
