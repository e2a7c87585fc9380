#!/usr/bin/env python3
"""Checks the deployment artifacts in deploy/ (issue 17) that CI cannot run for real.

- systemd units: `systemd-analyze verify` accepts them without a single warning (with ExecStart
  pointing at the built binary), and the hardening the docs promise is there.
- Dockerfile: multi-stage on Debian 12, runs as a non-root user, the data dir a volume.
- Kubernetes: a StatefulSet of one with the data dir on a claim, the config from a ConfigMap that
  the real leakwatch binary accepts, tokens from Secrets, a Tor sidecar, /healthz probes, a
  read-only root filesystem and non-root, unprivileged containers.

usage: check_deploy.py SOURCE_DIR LEAKWATCH_BINARY
"""
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def unit_settings(text):
    """{section: {key: [values]}} of a systemd unit file."""
    out, section = {}, None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            out.setdefault(section, {})
            continue
        key, _, value = line.partition("=")
        out[section].setdefault(key.strip(), []).append(value.strip())
    return out


def check_systemd(source, binary):
    units = source / "deploy" / "systemd"
    names = ["leakwatch.service", "leakwatch-scan.service", "leakwatch-scan.timer",
             "leakwatch-worker.service"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            text = (units / name).read_text()
            (pathlib.Path(tmp) / name).write_text(text.replace("/usr/local/bin/leakwatch", binary))
        r = subprocess.run(["systemd-analyze", "verify"] + [str(pathlib.Path(tmp) / n) for n in names],
                           capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, f"systemd-analyze verify failed ({r.returncode}): {r.stderr}")
        check(r.stdout.strip() == "" and r.stderr.strip() == "",
              f"systemd-analyze verify warns:\n{r.stdout}{r.stderr}")
    daemon = unit_settings((units / "leakwatch.service").read_text())["Service"]
    scan = unit_settings((units / "leakwatch-scan.service").read_text())["Service"]
    timer = unit_settings((units / "leakwatch-scan.timer").read_text())["Timer"]
    for service, name in [(daemon, "leakwatch.service"), (scan, "leakwatch-scan.service")]:
        for key, value in [("DynamicUser", "yes"), ("NoNewPrivileges", "yes"),
                           ("ProtectSystem", "strict"), ("StateDirectory", "leakwatch"),
                           ("SystemCallFilter", "@system-service"),
                           ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX")]:
            check(value in service.get(key, []), f"{name}: {key}={value} missing")
        check("MemoryMax" in service, f"{name}: MemoryMax missing")
        check(any("--data-dir /var/lib/leakwatch" in e for e in service["ExecStart"]),
              f"{name}: the data dir is not the StateDirectory")
    check(daemon["Type"] == ["notify"], "leakwatch.service: Type=notify missing")
    check("WatchdogSec" in daemon, "leakwatch.service: WatchdogSec missing")
    check(daemon["ExecStart"][0].endswith(" daemon"), "leakwatch.service does not run the daemon")
    check(daemon.get("ExecReload") == ["/bin/kill -HUP $MAINPID"], "reload is not SIGHUP")
    check(scan["Type"] == ["oneshot"], "leakwatch-scan.service: Type=oneshot missing")
    check(scan["ExecStart"][0].endswith(" scan"), "leakwatch-scan.service does not run scan")
    check(any(e.endswith(" db prune") for e in scan.get("ExecStartPost", [])),
          "leakwatch-scan.service does not apply the retention (db prune) after the scan")
    check(timer.get("Unit") == ["leakwatch-scan.service"] and "OnCalendar" in timer,
          "leakwatch-scan.timer does not schedule leakwatch-scan.service")


def check_dockerfile(source):
    lines = []
    for raw in re.sub(r"\\\n", " ", (source / "deploy" / "Dockerfile").read_text()).splitlines():
        if raw.strip() and not raw.lstrip().startswith("#"):
            lines.append(raw.strip())
    froms = [l.split()[1] for l in lines if l.upper().startswith("FROM ")]
    check(len(froms) >= 2, "Dockerfile is not multi-stage")
    check(all(f.startswith("debian:12") for f in froms), f"Dockerfile stages not Debian 12: {froms}")
    final = lines[max(i for i, l in enumerate(lines) if l.upper().startswith("FROM ")):]
    users = [l.split()[1] for l in final if l.upper().startswith("USER ")]
    check(users and users[-1].split(":")[0] not in ("0", "root"),
          f"the runtime stage does not run as a non-root user: {users}")
    check(any(l.upper().startswith("VOLUME ") and "/var/lib/leakwatch" in l for l in final),
          "the data dir is not a VOLUME")
    check(any("COPY --from=build" in l and "/usr/local/bin/leakwatch" in l for l in final),
          "the runtime stage does not copy the binary from the build stage")
    check(not any("install-deps.sh" in l for l in final), "build tools in the runtime stage")


def check_kubernetes(source, binary):
    docs = list(yaml.safe_load_all((source / "deploy" / "kubernetes" / "leakwatch.yaml").read_text()))
    by_kind = {d["kind"]: d for d in docs}
    check({"ConfigMap", "StatefulSet", "Service"} <= by_kind.keys(), f"kinds: {by_kind.keys()}")
    sts = by_kind["StatefulSet"]["spec"]
    check(sts["replicas"] == 1, "more than one replica: the store has one writer")
    pod = sts["template"]["spec"]
    psc = pod.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True, "pod: runAsNonRoot is not true")
    check(psc.get("runAsUser", 0) != 0, "pod: runs as uid 0")
    containers = {c["name"]: c for c in pod["containers"]}
    check({"leakwatch", "tor"} <= containers.keys(), f"containers: {containers.keys()}")
    for name, c in containers.items():
        sc = c.get("securityContext", {})
        check(sc.get("readOnlyRootFilesystem") is True, f"{name}: root filesystem not read-only")
        check(sc.get("allowPrivilegeEscalation") is False, f"{name}: privilege escalation allowed")
        check(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{name}: capabilities not dropped")
        check(sc.get("runAsUser", psc.get("runAsUser", 0)) != 0, f"{name}: runs as uid 0")
    lw = containers["leakwatch"]
    for probe in ("readinessProbe", "livenessProbe"):
        http = lw.get(probe, {}).get("httpGet", {})
        check(http.get("path") == "/healthz", f"leakwatch: {probe} is not on /healthz")
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in lw["volumeMounts"]}
    claims = [t["metadata"]["name"] for t in sts.get("volumeClaimTemplates", [])]
    check(mounts.get("/var/lib/leakwatch") in claims, "the data dir is not on a volume claim")
    config_volume = volumes.get(mounts.get("/etc/leakwatch/leakwatch.toml"), {})
    check("configMap" in config_volume, "the config is not a ConfigMap")
    secret_names = {v["secret"]["secretName"] for v in volumes.values() if "secret" in v}
    check({"leakwatch-api-tokens", "leakwatch-hook-secrets"} <= secret_names,
          f"tokens and hook secrets are not Secrets: {secret_names}")
    for v in volumes.values():
        if "secret" in v:
            check(v["secret"].get("defaultMode", 0o644) & 0o007 == 0,
                  f"secret {v['name']} readable by others")
    # The ConfigMap's config is one the real binary accepts (a bad config exits 2 naming it).
    toml = by_kind["ConfigMap"]["data"]["leakwatch.toml"]
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "leakwatch.toml"
        path.write_text(toml.replace("/var/lib/leakwatch", str(pathlib.Path(tmp) / "data")))
        r = subprocess.run([binary, "--config", str(path), "sightings"], capture_output=True,
                           text=True, timeout=60)
        check(r.returncode != 2 and str(path) + ":" not in r.stderr,
              f"the ConfigMap's leakwatch.toml is refused: {r.stderr}")
    check('socks5h://127.0.0.1:9050' in toml, "the config does not use the Tor sidecar")
    torrc = source / "deploy" / "tor" / "torrc"
    if torrc.exists():
        check(re.search(r"^SocksPort 127\.0\.0\.1:9050\b", torrc.read_text(), re.M) is not None,
              "deploy/tor/torrc does not listen where the config's proxy points")


def check_kubernetes_worker(source, binary):
    """The cluster's workers (issue 19): stateless, unprivileged, a Tor sidecar each, NATS
    credentials from a Secret, and a worker.toml the real binary accepts."""
    docs = list(yaml.safe_load_all(
        (source / "deploy" / "kubernetes" / "leakwatch-worker.yaml").read_text()))
    by_kind = {d["kind"]: d for d in docs}
    check({"ConfigMap", "Deployment"} <= by_kind.keys(), f"worker kinds: {by_kind.keys()}")
    pod = by_kind["Deployment"]["spec"]["template"]["spec"]
    check(pod.get("securityContext", {}).get("runAsNonRoot") is True, "worker pod: root allowed")
    containers = {c["name"]: c for c in pod["containers"]}
    check({"worker", "tor"} <= containers.keys(), f"worker containers: {containers.keys()}")
    for name, c in containers.items():
        sc = c.get("securityContext", {})
        check(sc.get("readOnlyRootFilesystem") is True, f"worker {name}: root fs not read-only")
        check(sc.get("capabilities", {}).get("drop") == ["ALL"], f"worker {name}: capabilities")
    check("worker" in containers["worker"]["args"], "the worker container does not run `worker`")
    for v in pod["volumes"]:
        if "secret" in v:
            check(v["secret"].get("defaultMode", 0o644) & 0o007 == 0,
                  f"secret {v['name']} readable by others")
    toml = by_kind["ConfigMap"]["data"]["worker.toml"]
    check('socks5h://127.0.0.1:9050' in toml, "the worker does not use its Tor sidecar")
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "worker.toml"
        path.write_text(toml)
        # No NATS server here: a good config gets as far as reading the password file (exit 1);
        # a bad one exits 2 naming file and line.
        r = subprocess.run([binary, "--config", str(path), "cluster", "status"],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 1 and str(path) + ":" not in r.stderr,
              f"the worker ConfigMap's worker.toml is refused ({r.returncode}): {r.stderr}")


def main():
    source, binary = pathlib.Path(sys.argv[1]), str(pathlib.Path(sys.argv[2]).resolve())
    if shutil.which("systemd-analyze"):
        check_systemd(source, binary)
    else:
        failures.append("systemd-analyze not installed (Debian: systemd)")
    check_dockerfile(source)
    check_kubernetes(source, binary)
    check_kubernetes_worker(source, binary)
    for f in failures:
        print("FAIL:", f)
    print("deploy checks:", "failed" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
