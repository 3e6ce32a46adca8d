"""deploy/compose.yml, as docker-compose renders it (`docker-compose config`, offline).

Beyond "it validates": the services agree with each other and with the files they mount —
the faultline config names the echo service as upstream, Prometheus's target is faultline's
admin port in the namespace it shares, Grafana's dashboard lands where the provisioning
looks, the load service uses `faultline bench` flags that exist, and faultline gets longer
to stop than its drain takes."""

from __future__ import annotations

import os
import unittest

from deploy_support import (
    DEPLOY_DIR, SOURCE_DIR, faultline_check_text, host_port, parse_toml, read_text, require_tool,
    require_yaml, run, run_cli, seconds, yaml,
)

COMPOSE_FILE = os.path.join(DEPLOY_DIR, "compose.yml")


class ComposeFileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rendered = None

    def render(self, *extra) -> dict:
        require_tool(self, "docker-compose", "Debian docker-compose, with --no-install-recommends")
        require_yaml(self)
        result = run(["docker-compose", "-f", COMPOSE_FILE, *extra, "config"], timeout=60)
        return yaml.safe_load(result.stdout)

    def setUp(self):
        if ComposeFileTest.rendered is None:
            ComposeFileTest.rendered = self.render()
        self.services = ComposeFileTest.rendered["services"]

    def mounts(self, service: str) -> dict:
        """{container path: host path} of a service's bind mounts (named volumes left out)."""
        out = {}
        for volume in self.services[service].get("volumes", []):
            if isinstance(volume, str):
                source, target = volume.split(":")[:2]
                if not source.startswith(("/", ".")):
                    continue  # a named volume
            else:
                if volume.get("type") != "bind":
                    continue
                source, target = volume["source"], volume["target"]
            out[target] = source
        return out

    def faultline_config(self) -> dict:
        folder = self.mounts("faultline")["/etc/faultline"]
        return parse_toml(read_text(folder, "faultline.toml"))

    def test_config_validates_with_the_stack_services_and_load_only_in_its_profile(self):
        self.assertEqual(set(self.services), {"echo", "faultline", "prometheus", "grafana", "load"})
        # A service with profiles starts only when one of them is asked for (`--profile load`);
        # the others start on a plain `up`. (docker-compose 1.29's `config` lists them all.)
        self.assertEqual(self.services["load"].get("profiles"), ["load"])
        for name in ("echo", "faultline", "prometheus", "grafana"):
            self.assertNotIn("profiles", self.services[name], name)

    def test_faultline_services_build_the_repository_image(self):
        for name in ("echo", "faultline"):
            build = self.services[name]["build"]
            self.assertEqual(os.path.realpath(build["context"]), os.path.realpath(SOURCE_DIR), name)
            self.assertEqual(build["dockerfile"], "deploy/Dockerfile", name)
            self.assertEqual(self.services[name]["image"], self.services["faultline"]["image"])
        self.assertNotIn("command", self.services["faultline"], "faultline runs the image's default command")
        self.assertEqual(self.services["echo"]["command"][0], "echo")

    def test_every_bind_mount_source_exists(self):
        for name in self.services:
            for target, source in self.mounts(name).items():
                self.assertTrue(os.path.exists(source), f"{name}: {source} (mounted at {target}) does not exist")

    def test_mounted_faultline_config_passes_check_and_forwards_to_the_echo_service(self):
        folder = self.mounts("faultline")["/etc/faultline"]
        text = read_text(folder, "faultline.toml")
        faultline_check_text(self, text)
        config = parse_toml(text)
        echo_listen = self.services["echo"]["command"][self.services["echo"]["command"].index("--listen") + 1]
        upstream_host, upstream_port = host_port(config["routes"][0]["upstream"])
        self.assertEqual((upstream_host, upstream_port), ("echo", host_port(echo_listen)[1]))
        # The image's default config is the same file (deploy/Dockerfile copies it).
        self.assertIn("COPY deploy/container/faultline.toml /etc/faultline/faultline.toml",
                      read_text(DEPLOY_DIR, "Dockerfile"))

    def test_published_ports_match_the_listeners_and_only_the_proxy_leaves_loopback(self):
        config = self.faultline_config()
        published = {}
        for port in self.services["faultline"]["ports"]:
            if isinstance(port, dict):
                published[int(port["target"])] = port.get("host_ip", "0.0.0.0")
            else:
                parts = port.split("/")[0].split(":")
                published[int(parts[-1])] = parts[0] if len(parts) == 3 else "0.0.0.0"
        proxy_port = host_port(config["server"]["listen"])[1]
        admin_port = host_port(config["admin"]["listen"])[1]
        self.assertIn(proxy_port, published)
        self.assertIn(admin_port, published)
        for port, host in published.items():
            if port != proxy_port:
                self.assertEqual(host, "127.0.0.1", f"port {port} published beyond loopback")

    def test_prometheus_scrapes_faultline_with_the_repository_config_and_rules(self):
        prometheus = self.services["prometheus"]
        self.assertEqual(prometheus["network_mode"], "service:faultline")
        folder = self.mounts("prometheus")["/etc/prometheus"]
        self.assertEqual(os.path.realpath(folder), os.path.realpath(os.path.join(DEPLOY_DIR, "prometheus")))
        self.assertIn("--config.file=/etc/prometheus/prometheus.yml", prometheus["command"])
        prometheus_yml = yaml.safe_load(read_text(folder, "prometheus.yml"))
        self.assertIn("rules.yml", prometheus_yml["rule_files"])
        targets = [t for job in prometheus_yml["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]]
        admin_port = host_port(self.faultline_config()["admin"]["listen"])[1]
        # Shared network namespace: faultline's admin listener is on Prometheus's loopback.
        self.assertIn(f"127.0.0.1:{admin_port}", targets)
        listen = [arg for arg in prometheus["command"] if arg.startswith("--web.listen-address=")]
        self.assertEqual(len(listen), 1)
        published = str(self.services["faultline"]["ports"])
        self.assertIn(str(host_port(listen[0].split("=", 1)[1])[1]), published)

    def test_grafana_provisions_the_datasource_and_the_dashboard(self):
        grafana = self.services["grafana"]
        self.assertEqual(grafana["network_mode"], "service:faultline")
        mounts = self.mounts("grafana")
        provisioning = mounts["/etc/grafana/provisioning"]
        datasources = yaml.safe_load(read_text(provisioning, "datasources", "prometheus.yml"))
        url = datasources["datasources"][0]["url"]
        prometheus_listen = [a for a in self.services["prometheus"]["command"] if a.startswith("--web.listen-address=")][0]
        self.assertEqual(host_port(url)[1], host_port(prometheus_listen.split("=", 1)[1])[1])
        providers = yaml.safe_load(read_text(provisioning, "dashboards", "faultline.yml"))
        dashboard_dir = providers["providers"][0]["options"]["path"]
        dashboard_targets = [t for t in mounts if t.startswith(dashboard_dir + "/") and t.endswith(".json")]
        self.assertEqual(len(dashboard_targets), 1, f"no dashboard mounted under {dashboard_dir}")
        self.assertEqual(os.path.realpath(mounts[dashboard_targets[0]]),
                         os.path.realpath(os.path.join(DEPLOY_DIR, "grafana", "faultline.json")))

    def test_faultline_gets_longer_to_stop_than_its_drain(self):
        grace = seconds(self.services["faultline"]["stop_grace_period"])
        drain = seconds(self.faultline_config()["server"]["drain_timeout"])
        self.assertGreater(grace, drain)

    def test_load_service_runs_faultline_bench_against_the_proxy(self):
        load = self.render("--profile", "load")["services"]["load"]
        self.assertEqual(load["profiles"], ["load"])
        command = load["command"]
        self.assertEqual(command[0], "bench")
        proxy_port = host_port(self.faultline_config()["server"]["listen"])[1]
        self.assertEqual(command[1], f"http://faultline:{proxy_port}/")
        flags = [arg for arg in command if arg.startswith("--")]
        self.assertTrue({"--rate", "--duration"} <= set(flags))
        help_result = run_cli(["bench", "--help"])
        self.assertEqual(help_result.returncode, 0, help_result.stderr)
        for flag in flags:
            self.assertIn(flag, help_result.stdout + help_result.stderr, f"`faultline bench` has no {flag}")


if __name__ == "__main__":
    unittest.main()
