"""deploy/k8s/: the Kustomize base and the sidecar overlay, rendered by `kubectl kustomize`.

Checked on the rendered YAML: what the issue asks of the Deployment (replicas, probes,
resources, non-root, read-only root filesystem, a grace period above the drain), the
Service, the ConfigMap (its faultline.toml passes `faultline check`), the scrape
annotations and the PodMonitor, and that the pieces agree (ports, selectors, names).

The ConfigMap must reach running pods without a restart: it is mounted as a directory (no
subPath) and `-c` points into it. KubeletConfigMapSwapTest then imitates on disk what the
kubelet does on an update — a new timestamped directory, the `..data` symlink replaced by
an atomic rename — under a real faultline started the way the Deployment starts it, and
checks that the new fault profile is live in the same process."""

from __future__ import annotations

import os
import re
import tempfile
import time
import unittest

from deploy_support import (
    DEPLOY_DIR, faultline_check_text, host_port, parse_toml, require_tool, require_yaml, run,
    seconds, yaml,
)

K8S_DIR = os.path.join(DEPLOY_DIR, "k8s")
_rendered: dict = {}


def render(test: unittest.TestCase, name: str) -> list:
    require_tool(test, "kubectl", "kubectl kustomize renders the manifests")
    require_yaml(test)
    if name not in _rendered:
        result = run(["kubectl", "kustomize", os.path.join(K8S_DIR, name)], timeout=120)
        _rendered[name] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return _rendered[name]


def one(docs: list, kind: str) -> dict:
    found = [doc for doc in docs if doc["kind"] == kind]
    if len(found) != 1:
        raise AssertionError(f"expected one {kind}, found {len(found)}")
    return found[0]


def container(deployment: dict, name: str) -> dict:
    for candidate in deployment["spec"]["template"]["spec"]["containers"]:
        if candidate["name"] == name:
            return candidate
    raise AssertionError(f"no container {name!r}")


def port_number(spec_container: dict, port) -> int:
    if isinstance(port, int):
        return port
    for entry in spec_container.get("ports", []):
        if entry.get("name") == port:
            return entry["containerPort"]
    raise AssertionError(f"container {spec_container['name']} has no port named {port!r}")


def config_path_in_configmap(test: unittest.TestCase, docs: list) -> tuple:
    """(ConfigMap, key) the faultline container reads its -c file from, checking the mount."""
    deployment = one(docs, "Deployment")
    proxy = container(deployment, "faultline")
    args = proxy["args"]
    test.assertEqual(args[0], "proxy")
    config_path = args[args.index("-c") + 1]
    mounts = [m for m in proxy["volumeMounts"] if config_path.startswith(m["mountPath"].rstrip("/") + "/")]
    test.assertEqual(len(mounts), 1, f"-c {config_path} is not inside one volume mount")
    mount = mounts[0]
    test.assertNotIn("subPath", mount, "a subPath mount never sees ConfigMap updates")
    test.assertNotIn("subPathExpr", mount)
    key = os.path.relpath(config_path, mount["mountPath"])
    test.assertNotIn("/", key)
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    configmap_name = volumes[mount["name"]]["configMap"]["name"]
    configmaps = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == configmap_name]
    test.assertEqual(len(configmaps), 1, f"ConfigMap {configmap_name} is not rendered")
    test.assertIn(key, configmaps[0]["data"])
    return configmaps[0], key


class ManifestChecks:
    """Checks shared by the base and the overlay; OVERLAY names the kustomization."""

    OVERLAY = ""

    def setUp(self):
        self.docs = render(self, self.OVERLAY)
        self.deployment = one(self.docs, "Deployment")
        self.pod = self.deployment["spec"]["template"]
        self.proxy = container(self.deployment, "faultline")
        configmap, key = config_path_in_configmap(self, self.docs)
        self.config_text = configmap["data"][key]
        self.config = parse_toml(self.config_text)

    def test_configmap_config_passes_faultline_check(self):
        faultline_check_text(self, self.config_text)

    def test_configmap_keeps_a_fixed_name_so_edits_update_it_in_place(self):
        configmap = one(self.docs, "ConfigMap")
        self.assertFalse(re.search(r"-[a-z0-9]{10}$", configmap["metadata"]["name"]),
                         "a hash-suffixed ConfigMap is replaced (and pods restarted) on every edit")

    def test_probes_use_readyz_and_healthz_on_the_admin_listener(self):
        admin_port = host_port(self.config["admin"]["listen"])[1]
        readiness = self.proxy["readinessProbe"]["httpGet"]
        liveness = self.proxy["livenessProbe"]["httpGet"]
        self.assertEqual(readiness["path"], "/readyz")
        self.assertEqual(liveness["path"], "/healthz")
        self.assertEqual(port_number(self.proxy, readiness["port"]), admin_port)
        self.assertEqual(port_number(self.proxy, liveness["port"]), admin_port)
        self.assertEqual(host_port(self.config["admin"]["listen"])[0], "0.0.0.0", "kubelet probes the pod IP")

    def test_container_ports_match_the_listeners(self):
        self.assertEqual(port_number(self.proxy, "http"), host_port(self.config["server"]["listen"])[1])
        self.assertEqual(port_number(self.proxy, "admin"), host_port(self.config["admin"]["listen"])[1])

    def test_every_container_has_requests_and_limits(self):
        for spec_container in self.pod["spec"]["containers"]:
            resources = spec_container.get("resources", {})
            for section in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    self.assertIn(resource, resources.get(section, {}), f"{spec_container['name']}: {section}.{resource}")

    def test_runs_as_non_root_with_a_read_only_root_filesystem(self):
        pod_security = self.pod["spec"]["securityContext"]
        self.assertTrue(pod_security["runAsNonRoot"])
        self.assertNotEqual(pod_security.get("runAsUser", 0), 0)
        for spec_container in self.pod["spec"]["containers"]:
            security = spec_container["securityContext"]
            self.assertTrue(security["readOnlyRootFilesystem"], spec_container["name"])
            self.assertFalse(security["allowPrivilegeEscalation"], spec_container["name"])
            self.assertEqual(security["capabilities"]["drop"], ["ALL"], spec_container["name"])
        self.assertTrue(all(m.get("readOnly") for m in self.proxy["volumeMounts"]))

    def test_grace_period_outlasts_the_pre_stop_pause_and_the_drain(self):
        grace = self.pod["spec"]["terminationGracePeriodSeconds"]
        drain = seconds(self.config["server"]["drain_timeout"])
        pause = 0.0
        pre_stop = self.proxy.get("lifecycle", {}).get("preStop", {})
        if "exec" in pre_stop:
            command = pre_stop["exec"]["command"]
            self.assertEqual(command[0], "sleep")
            pause = float(command[1])
        self.assertGreater(grace, pause + drain)

    def test_prometheus_annotations_and_pod_monitor_point_at_the_admin_port(self):
        admin_port = host_port(self.config["admin"]["listen"])[1]
        annotations = self.pod["metadata"]["annotations"]
        self.assertEqual(annotations["prometheus.io/scrape"], "true")
        self.assertEqual(int(annotations["prometheus.io/port"]), admin_port)
        self.assertEqual(annotations["prometheus.io/path"], "/metrics")
        monitor = one(self.docs, "PodMonitor")
        self.assertEqual(monitor["apiVersion"], "monitoring.coreos.com/v1")
        selector = monitor["spec"]["selector"]["matchLabels"]
        self.assertLessEqual(selector.items(), self.pod["metadata"]["labels"].items())
        endpoint = monitor["spec"]["podMetricsEndpoints"][0]
        self.assertEqual(port_number(self.proxy, endpoint["port"]), admin_port)
        self.assertEqual(endpoint["path"], "/metrics")
        # rules.yml's alerts select job="faultline".
        self.assertIn({"targetLabel": "job", "replacement": "faultline"}, endpoint["relabelings"])

    def test_service_selects_the_pods_and_targets_the_proxy_port(self):
        service = one(self.docs, "Service")
        self.assertLessEqual(service["spec"]["selector"].items(), self.pod["metadata"]["labels"].items())
        self.assertLessEqual(self.deployment["spec"]["selector"]["matchLabels"].items(),
                             self.pod["metadata"]["labels"].items())
        target = service["spec"]["ports"][0]["targetPort"]
        self.assertEqual(port_number(self.proxy, target), host_port(self.config["server"]["listen"])[1])

    def test_threads_are_set_for_the_container_not_the_node(self):
        # threads = 0 would mean one per *node* core, whatever the CPU limit.
        self.assertGreater(self.config["server"]["threads"], 0)


class BaseTest(ManifestChecks, unittest.TestCase):
    OVERLAY = "base"

    def test_renders_the_four_objects(self):
        self.assertEqual(sorted(doc["kind"] for doc in self.docs), ["ConfigMap", "Deployment", "PodMonitor", "Service"])

    def test_two_replicas_of_faultline_alone(self):
        self.assertEqual(self.deployment["spec"]["replicas"], 2)
        self.assertEqual([c["name"] for c in self.pod["spec"]["containers"]], ["faultline"])


class SidecarOverlayTest(ManifestChecks, unittest.TestCase):
    OVERLAY = "sidecar"

    def test_faultline_runs_in_front_of_the_app_container_in_the_same_pod(self):
        names = sorted(c["name"] for c in self.pod["spec"]["containers"])
        self.assertEqual(names, ["app", "faultline"])
        app = container(self.deployment, "app")
        app_listen = app["args"][app["args"].index("--listen") + 1]
        upstream = self.config["routes"][0]["upstream"]
        # Same pod, same network namespace: faultline reaches the app on loopback.
        self.assertEqual(host_port(upstream), ("127.0.0.1", host_port(app_listen)[1]))
        self.assertEqual(host_port(app_listen)[0], "127.0.0.1", "the app should be reachable only through faultline")

    def test_overlay_objects_are_renamed_and_still_reference_each_other(self):
        for doc in self.docs:
            self.assertTrue(doc["metadata"]["name"].startswith("app-"), doc["metadata"]["name"])
        base_pod = one(render(self, "base"), "Deployment")["spec"]["template"]
        # Its own selector, so that base and sidecar pods never mix in one Service.
        self.assertNotEqual(base_pod["metadata"]["labels"], self.pod["metadata"]["labels"])
        self.assertIn("app.kubernetes.io/instance", one(self.docs, "PodMonitor")["spec"]["selector"]["matchLabels"])


# --------------------------------------------------------------------------------------
# The kubelet's ConfigMap update, imitated on disk, under a real faultline
# --------------------------------------------------------------------------------------


class KubeletVolume:
    """A directory laid out as the kubelet lays out a ConfigMap volume (atomic_writer.go):
    MOUNT/..<timestamp>/KEY holds the data, MOUNT/..data -> ..<timestamp>, and
    MOUNT/KEY -> ..data/KEY. An update writes a new timestamped directory, points a
    temporary symlink at it, renames that over ..data (atomic), then removes the old one."""

    def __init__(self, mount: str, key: str, text: str):
        self.mount, self.key, self.generation = mount, key, 0
        os.makedirs(mount)
        current = self._write_generation(text)
        os.symlink(current, os.path.join(mount, "..data"))
        os.symlink(os.path.join("..data", key), os.path.join(mount, key))

    def _write_generation(self, text: str) -> str:
        self.generation += 1
        name = f"..2026_11_28_00_00_0{self.generation}.{1000 + self.generation}"
        os.makedirs(os.path.join(self.mount, name))
        with open(os.path.join(self.mount, name, self.key), "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(os.path.join(self.mount, name, self.key), 0o644)
        return name

    def update(self, text: str) -> None:
        old = os.readlink(os.path.join(self.mount, "..data"))
        new = self._write_generation(text)
        temporary = os.path.join(self.mount, "..data_tmp")
        os.symlink(new, temporary)
        os.rename(temporary, os.path.join(self.mount, "..data"))
        for leftover in os.listdir(os.path.join(self.mount, old)):
            os.remove(os.path.join(self.mount, old, leftover))
        os.rmdir(os.path.join(self.mount, old))


def localize(test: unittest.TestCase, text: str, upstream_port: int) -> str:
    """The ConfigMap's config with its listeners on loopback ephemeral ports and its upstream
    at a local echo server; nothing else changes."""
    replacements = [
        (r'(?m)^listen = "0\.0\.0\.0:8080"', 'listen = "127.0.0.1:0"'),
        (r'(?m)^listen = "0\.0\.0\.0:9901"', 'listen = "127.0.0.1:0"'),
        (r'(?m)^upstream = "[^"]*"', f'upstream = "http://127.0.0.1:{upstream_port}"'),
        (r'(?m)^drain_timeout = "[^"]*"', 'drain_timeout = "2s"'),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text)
        test.assertEqual(count, 1, f"expected one line matching {pattern} in the ConfigMap's config")
    return text


class KubeletConfigMapSwapTest(unittest.TestCase):
    def test_configmap_update_switches_the_profile_of_the_running_process(self):
        from harness import FaultlineProcess, EchoServer, http_get, scrape_metrics, select_samples

        docs = render(self, "base")
        configmap, key = config_path_in_configmap(self, docs)
        proxy_spec = container(one(docs, "Deployment"), "faultline")
        args = proxy_spec["args"]
        mount_path = [m for m in proxy_spec["volumeMounts"] if args[args.index("-c") + 1].startswith(m["mountPath"])][0]["mountPath"]
        original = configmap["data"][key]
        self.assertRegex(original, r'(?m)^active_profile = "none"')

        echo = EchoServer(threads=1)
        self.addCleanup(echo.process.stop)
        root = tempfile.TemporaryDirectory(prefix="faultline-kubelet-")
        self.addCleanup(root.cleanup)
        mount = os.path.join(root.name, mount_path.lstrip("/"))
        volume = KubeletVolume(mount, key, localize(self, original, echo.port))

        # The Deployment's own arguments, with the mount path where this test put it.
        local_args = [mount + arg[len(mount_path):] if arg.startswith(mount_path + "/") else arg for arg in args]
        proxy = FaultlineProcess(local_args, name="proxy")
        self.addCleanup(proxy.stop)
        port = int(proxy.wait_for_line(r"proxy listening on 127\.0\.0\.1:(\d+)").group(1))
        admin_port = int(proxy.wait_for_line(r"admin listening on 127\.0\.0\.1:(\d+)").group(1))

        def active_profiles() -> set:
            return {s.labels["profile"] for s in select_samples(scrape_metrics(admin_port), "faultline_active_profile") if s.value == 1}

        self.assertEqual(active_profiles(), {"none"})
        self.assertEqual(http_get(port, "/before").status, 200)

        # The ConfigMap edit: the "slow" profile (a fixed 100 ms delay) becomes active.
        volume.update(localize(self, original.replace('active_profile = "none"', 'active_profile = "slow"', 1), echo.port))
        deadline = time.monotonic() + 10
        while active_profiles() != {"slow"} and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(active_profiles(), {"slow"}, "the ..data swap did not reload the config\n" + proxy.output_tail())
        self.assertTrue(proxy.running(), "faultline restarted or exited")
        started = time.monotonic()
        response = http_get(port, "/after")
        self.assertEqual(response.status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.1, "the slow profile's 100 ms delay was not applied")
        self.assertIn("fixed delay", response.header("x-faultline-injected") or "")
        returncode, killed = proxy.stop()
        self.assertEqual((returncode, killed), (0, False))


if __name__ == "__main__":
    unittest.main()
