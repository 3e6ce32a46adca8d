"""Switching faults live over the admin API, through real processes on loopback.

The contract (README "Switching faults live"):
- GET /api/v1/profiles lists the profiles and which is active;
- PUT /api/v1/profiles/active {"name": ...} switches at once: the next request runs under
  the new profile, and faultline_active_profile follows;
- POST /api/v1/faults/disable is a kill switch (nothing injected, proxying goes on),
  .../enable undoes it;
- GET /api/v1/config shows the effective config (the switched profile included) and never
  the admin token;
- with admin.token set, the mutating endpoints answer 401 without
  "Authorization: Bearer <token>"; reading endpoints stay open.
"""

from __future__ import annotations

import json
import unittest

from harness import (
    FaultlineTestCase,
    HttpConnection,
    ProxyServer,
    admin_json,
    render_config,
    route,
    scrape_metrics,
    select_samples,
)
from test_fault_actions import faults_toml

INJECTED = "x-faultline-injected"
TOKEN = "s3cret-token"


def admin_call(port: int, method: str, path: str, body: dict | str | None = None,
               token: str | None = None):
    """One admin request; returns (status, parsed JSON body or None, response)."""
    headers = []
    payload = None
    if body is not None:
        payload = (body if isinstance(body, str) else json.dumps(body)).encode()
        headers.append(("Content-Type", "application/json"))
    if token is not None:
        headers.append(("Authorization", f"Bearer {token}"))
    conn = HttpConnection(port)
    try:
        response = conn.request(method, path, headers, payload)
    finally:
        conn.close()
    try:
        parsed = json.loads(response.body.decode())
    except ValueError:
        parsed = None
    return response.status, parsed, response


def active_profile_gauge(admin_port: int) -> list:
    return sorted(s.labels["profile"] for s in select_samples(scrape_metrics(admin_port),
                                                                "faultline_active_profile"))


class AdminControlTestCase(FaultlineTestCase):
    def start_with_profiles(self, admin: dict | None = None) -> ProxyServer:
        """Profile "broken" (active) aborts every request with 503; "slow" delays none of
        them but names itself; "none" is built in."""
        echo = self.start_echo()
        faults = faults_toml(
            [{"name": '"always 503"', "abort": "503"}], profile="broken",
            extra_profiles={"teapot": [{"name": '"always 418"', "abort": "418"}]})
        text = render_config([route("api", echo.port)], admin=admin) + "\n" + faults
        proxy = ProxyServer(self.write_file("faultline.toml", text))
        self.addCleanup(self._check_stopped, proxy.process, True)
        return proxy


class ProfileSwitchTest(AdminControlTestCase):
    def test_profiles_lists_every_profile_and_the_active_one(self):
        proxy = self.start_with_profiles()
        listing = admin_json(proxy.admin_port, "/api/v1/profiles")
        self.assertEqual(listing["active"], "broken")
        self.assertTrue(listing["faults_enabled"])
        names = {p["name"]: p for p in listing["profiles"]}
        self.assertEqual(set(names), {"broken", "teapot", "none"})
        self.assertTrue(names["broken"]["active"])
        self.assertEqual(names["none"]["rules"], [])
        self.assertEqual(names["teapot"]["rules"][0]["name"], "always 418")
        self.assertEqual(names["teapot"]["rules"][0]["abort"]["status"], 418)

    def test_switching_applies_to_the_next_request_and_moves_the_gauge(self):
        proxy = self.start_with_profiles()
        self.assertEqual(self.get(proxy.port, "/a").status, 503)
        self.assertEqual(active_profile_gauge(proxy.admin_port), ["broken"])

        status, body, _ = admin_call(proxy.admin_port, "PUT", "/api/v1/profiles/active",
                                     {"name": "teapot"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"active": "teapot", "previous": "broken", "faults_enabled": True})
        # Every worker gets the new snapshot before it reads its next request; 20 fresh
        # connections spread over both workers.
        statuses = {self.get(proxy.port, f"/b{i}").status for i in range(20)}
        self.assertEqual(statuses, {418})
        self.assertEqual(active_profile_gauge(proxy.admin_port), ["teapot"])

        status, body, _ = admin_call(proxy.admin_port, "PUT", "/api/v1/profiles/active",
                                     {"name": "none"})
        self.assertEqual(status, 200, body)
        response = self.get(proxy.port, "/c")
        self.assertEqual(response.status, 200)
        self.assertIsNone(response.header(INJECTED))

    def test_unknown_profile_is_404_naming_the_profiles_and_changes_nothing(self):
        proxy = self.start_with_profiles()
        status, body, _ = admin_call(proxy.admin_port, "PUT", "/api/v1/profiles/active",
                                     {"name": "tea"})
        self.assertEqual(status, 404)
        self.assertIn("no profile named 'tea'", body["error"])
        self.assertIn("broken, none, teapot", body["error"])
        self.assertEqual(self.get(proxy.port, "/").status, 503)

    def test_malformed_switch_requests_are_400(self):
        proxy = self.start_with_profiles()
        for payload in ["", "{", '"teapot"', '{"profile": "teapot"}', '{"name": 3}']:
            status, body, _ = admin_call(proxy.admin_port, "PUT", "/api/v1/profiles/active",
                                         payload)
            self.assertEqual(status, 400, payload)
            self.assertIn('{"name": "flaky"}', body["error"], payload)
        self.assertEqual(admin_json(proxy.admin_port, "/api/v1/profiles")["active"], "broken")

    def test_wrong_method_is_405_with_allow(self):
        proxy = self.start_with_profiles()
        status, _, response = admin_call(proxy.admin_port, "POST", "/api/v1/profiles/active",
                                         {"name": "teapot"})
        self.assertEqual(status, 405)
        self.assertEqual(response.header("allow"), "PUT")
        status, _, response = admin_call(proxy.admin_port, "GET", "/api/v1/reload")
        self.assertEqual((status, response.header("allow")), (405, "POST"))


class KillSwitchTest(AdminControlTestCase):
    def test_disable_stops_injection_and_enable_restores_it(self):
        proxy = self.start_with_profiles()
        status, body, _ = admin_call(proxy.admin_port, "POST", "/api/v1/faults/disable")
        self.assertEqual((status, body), (200, {"faults_enabled": False, "active": "broken"}))
        for i in range(10):
            response = self.get(proxy.port, f"/k{i}")
            self.assertEqual(response.status, 200, "the kill switch must stop every fault")
            self.assertIsNone(response.header(INJECTED))
        self.assertEqual(active_profile_gauge(proxy.admin_port), ["none"])
        self.assertFalse(admin_json(proxy.admin_port, "/api/v1/profiles")["faults_enabled"])

        # A profile switch while disabled is remembered but injects nothing yet.
        admin_call(proxy.admin_port, "PUT", "/api/v1/profiles/active", {"name": "teapot"})
        self.assertEqual(self.get(proxy.port, "/k").status, 200)

        status, body, _ = admin_call(proxy.admin_port, "POST", "/api/v1/faults/enable")
        self.assertEqual((status, body), (200, {"faults_enabled": True, "active": "teapot"}))
        self.assertEqual(self.get(proxy.port, "/k").status, 418)
        self.assertEqual(active_profile_gauge(proxy.admin_port), ["teapot"])


class EffectiveConfigTest(AdminControlTestCase):
    def test_config_shows_the_file_with_the_switched_profile_and_no_token(self):
        proxy = self.start_with_profiles(admin={"token": TOKEN})
        admin_call(proxy.admin_port, "PUT", "/api/v1/profiles/active", {"name": "teapot"},
                   token=TOKEN)
        config = admin_json(proxy.admin_port, "/api/v1/config")
        self.assertEqual(config["faults"]["active_profile"], "teapot")
        self.assertTrue(config["faults"]["enabled"])
        self.assertEqual(config["routes"][0]["name"], "api")
        self.assertEqual(config["server"]["drain_timeout"], "2s")
        self.assertEqual(config["faults"]["profiles"]["broken"][0]["abort"]["status"], 503)
        self.assertTrue(config["source"].endswith("faultline.toml"))
        self.assertEqual(config["admin"]["token"], "<redacted>")
        self.assertNotIn(TOKEN, json.dumps(config))


class TokenTest(AdminControlTestCase):
    MUTATING = [
        ("PUT", "/api/v1/profiles/active", {"name": "teapot"}),
        ("POST", "/api/v1/faults/disable", None),
        ("POST", "/api/v1/faults/enable", None),
        ("POST", "/api/v1/reload", None),
    ]

    def test_mutating_endpoints_need_the_bearer_token(self):
        proxy = self.start_with_profiles(admin={"token": TOKEN})
        for method, path, body in self.MUTATING:
            for token in [None, "wrong", TOKEN + "x", TOKEN[:-1]]:
                status, answer, response = admin_call(proxy.admin_port, method, path, body, token)
                self.assertEqual(status, 401, f"{method} {path} with token {token!r}")
                self.assertIn("Bearer", response.header("www-authenticate") or "")
                self.assertIn("Authorization: Bearer", answer["error"])
        # Nothing changed: still the active profile, faults still on.
        listing = admin_json(proxy.admin_port, "/api/v1/profiles")
        self.assertEqual((listing["active"], listing["faults_enabled"]), ("broken", True))
        self.assertEqual(self.get(proxy.port, "/").status, 503)

        for method, path, body in self.MUTATING:
            status, answer, _ = admin_call(proxy.admin_port, method, path, body, TOKEN)
            self.assertEqual(status, 200, f"{method} {path}: {answer}")
        self.assertEqual(self.get(proxy.port, "/").status, 418)

    def test_reading_endpoints_stay_open_with_a_token(self):
        proxy = self.start_with_profiles(admin={"token": TOKEN})
        for path in ["/metrics", "/healthz", "/readyz", "/api/v1/profiles", "/api/v1/config",
                     "/api/v1/stats"]:
            status, _, _ = admin_call(proxy.admin_port, "GET", path)
            self.assertEqual(status, 200, path)

    def test_without_a_token_mutating_endpoints_are_open(self):
        proxy = self.start_with_profiles()
        status, _, _ = admin_call(proxy.admin_port, "POST", "/api/v1/faults/disable")
        self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
