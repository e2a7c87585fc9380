#!/usr/bin/env python3
"""A private Tor network on 127.0.0.1 for the tests (no internet needed).

Debian's tor in TestingTorNetwork mode, laid out as Tor's chutney does it (torrc_templates/
common.i, authority.i, relay-non-exit.tmpl, hs-v3.tmpl, client.tmpl):
  - three directory authorities that are also relays (keys made with tor-gencert),
  - one more relay (onion-service circuits need four distinct relays),
  - a v3 onion service whose port 80 forwards to --hs-target (a local nginx), and a second one
    that requires client authorisation (for Tor's "missing client authorisation" error),
  - a client whose torrc is deploy/tor/torrc with its ports replaced by free ones, so the
    shipped client config is the tested one.

Waits (at most --timeout seconds) until the client has bootstrapped and an HTTP GET of
http://ONION/ through its SOCKS port gets an answer and the authorised-only onion answers with
Tor's SOCKS error 0xF4, then writes --ready-file (JSON: socks_port, control_port, control_cookie,
onion, auth_onion, unpublished_onion, data_dir, seconds) and stays up until SIGTERM. Every tor has
__OwningControllerProcess set to this process, so a killed launcher takes the network with it.
On a failed start it writes --ready-file with {"error": ...} (the cause and the logs' last lines)
and exits 1.

usage: tor_network.py --dir D --hs-target 127.0.0.1:PORT --client-torrc deploy/tor/torrc
                      --ready-file F [--timeout 150]
"""

import argparse
import base64
import hashlib
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time

AUTHORITIES = 3
RELAYS = 1
PASSPHRASE = b"leakwatch-test-network\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def common_lines(nick, data_dir):
    # chutney's common.i: fast bootstrap in a tiny network.
    return [
        "TestingTorNetwork 1",
        "PathsNeededToBuildCircuits 0.67",
        "TestingDirAuthVoteExit *",
        "TestingDirAuthVoteHSDir *",
        "TestingDirAuthVoteGuard *",
        "TestingMinExitFlagThreshold 0",
        "V3AuthNIntervalsValid 2",
        f"DataDirectory {data_dir}",
        f"Nickname {nick}",
        "ShutdownWaitLength 0",
        f"Log notice file {data_dir}/notice.log",
        "SafeLogging 0",
        "LogTimeGranularity 1",
        "ClientUseIPv6 0",
        f"__OwningControllerProcess {os.getpid()}",
    ]


def relay_lines(orport, dirport):
    # chutney's relay-non-dir.tmpl + relay-non-exit.tmpl.
    lines = [
        "SocksPort 0",
        f"OrPort 127.0.0.1:{orport}",
        "Address 127.0.0.1",
        "ExitRelay 0",
        "AssumeReachable 1",
        "ContactInfo leakwatch-tests@test.invalid",
    ]
    if dirport:
        lines.append(f"DirPort 127.0.0.1:{dirport}")
    return lines


AUTHORITY_LINES = [
    # chutney's authority.i: the fastest consensus cycle tor accepts.
    "AuthoritativeDirectory 1",
    "V3AuthoritativeDirectory 1",
    "TestingV3AuthInitialVotingInterval 20",
    "TestingV3AuthInitialVoteDelay 4",
    "TestingV3AuthInitialDistDelay 4",
    "V3AuthVotingInterval 20",
    "V3AuthVoteDelay 4",
    "V3AuthDistDelay 4",
]


def run(argv, stdin=None):
    result = subprocess.run(argv, input=stdin, capture_output=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {result.stderr.decode(errors='replace')}"
                           f"{result.stdout.decode(errors='replace')}")
    return result.stdout.decode()


def fingerprint(data_dir, torrc):
    out = run(["tor", "--ignore-missing-torrc", "-f", torrc, "--defaults-torrc", os.devnull,
               "--orport", "1", "--datadirectory", data_dir, "--list-fingerprint",
               "--quiet"])
    fp = "".join(out.strip().splitlines()[-1].split()[1:])
    if not re.fullmatch(r"[A-F0-9]{40}", fp):
        raise RuntimeError(f"tor --list-fingerprint printed {out!r}")
    return fp


def unpublished_onion():
    """A valid v3 onion address (a real ed25519 point, right checksum) whose key nobody holds, so
    no descriptor of it is ever published: Tor answers 0xF0. Tor refuses random 32 bytes as a
    key (not a point of the prime-order group: 0xF6), hence the scalar multiplication."""
    q = 2**255 - 19
    d = -121665 * pow(121666, q - 2, q) % q

    def add(p1, p2):  # twisted Edwards addition, affine
        (x1, y1), (x2, y2) = p1, p2
        t = d * x1 * x2 * y1 * y2 % q
        return ((x1 * y2 + x2 * y1) * pow(1 + t, q - 2, q) % q,
                (y1 * y2 + x1 * x2) * pow(1 - t, q - 2, q) % q)

    by = 4 * pow(5, q - 2, q) % q
    xx = (by * by - 1) * pow(d * by * by + 1, q - 2, q) % q
    bx = pow(xx, (q + 3) // 8, q)
    if (bx * bx - xx) % q:
        bx = bx * pow(2, (q - 1) // 4, q) % q
    if bx % 2:
        bx = q - bx
    point, result = (bx, by), (0, 1)
    scalar = int.from_bytes(os.urandom(32), "little") % (2**252) + 1
    while scalar:
        if scalar & 1:
            result = add(result, point)
        point = add(point, point)
        scalar >>= 1
    x, y = result
    key = (y | ((x & 1) << 255)).to_bytes(32, "little")
    checksum = hashlib.sha3_256(b".onion checksum" + key + b"\x03").digest()[:2]
    return base64.b32encode(key + checksum + b"\x03").decode().lower() + ".onion"


def client_torrc(shipped_path, socks_port, control_port):
    """deploy/tor/torrc with the shipped ports replaced; refuses a file without the lines the
    tests depend on (so a change to the shipped config cannot go untested)."""
    text = open(shipped_path, encoding="utf-8").read()
    socks = re.search(r"^SocksPort 127\.0\.0\.1:9050 (.*)$", text, re.M)
    control = re.search(r"^ControlPort 127\.0\.0\.1:9051$", text, re.M)
    if not socks or "IsolateSOCKSAuth" not in socks.group(1) or "ExtendedErrors" not in socks.group(1):
        raise RuntimeError(f"{shipped_path}: no 'SocksPort 127.0.0.1:9050 ... IsolateSOCKSAuth "
                           "ExtendedErrors' line")
    if not control:
        raise RuntimeError(f"{shipped_path}: no 'ControlPort 127.0.0.1:9051' line")
    text = text.replace("127.0.0.1:9050", f"127.0.0.1:{socks_port}")
    return text.replace("127.0.0.1:9051", f"127.0.0.1:{control_port}")


def socks_http_get(socks_port, host, path="/", timeout=10.0):
    """GET http://host/path through SOCKS5 (remote name resolution); returns the status line or
    raises OSError with the SOCKS reply code."""
    with socket.create_connection(("127.0.0.1", socks_port), timeout=timeout) as s:
        s.sendall(b"\x05\x01\x00")
        if s.recv(2) != b"\x05\x00":
            raise OSError("SOCKS greeting refused")
        name = host.encode()
        s.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack(">H", 80))
        reply = s.recv(10)
        if len(reply) < 2 or reply[1] != 0:
            raise OSError(f"SOCKS reply {reply[1] if len(reply) > 1 else -1:#04x}")
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        data = s.recv(64)
        if not data.startswith(b"HTTP/"):
            raise OSError(f"no HTTP answer: {data!r}")
        return data.split(b"\r\n")[0].decode()


def control_query(control_port, cookie_file, command):
    cookie = open(cookie_file, "rb").read().hex()
    with socket.create_connection(("127.0.0.1", control_port), timeout=5) as s:
        s.sendall(f"AUTHENTICATE {cookie}\r\n{command}\r\nQUIT\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.decode(errors="replace")


def tail(path, lines=8):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--hs-target", required=True)
    parser.add_argument("--client-torrc", required=True)
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--timeout", type=float, default=150.0)
    args = parser.parse_args()

    started = time.monotonic()
    base = os.path.abspath(args.dir)
    procs = []
    nodes = []  # (name, data_dir, torrc)

    def stop(*_):
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def fail(message):
        logs = "".join(f"--- {name} notice.log:\n{tail(os.path.join(d, 'notice.log'))}"
                       for name, d, _ in nodes)
        with open(args.ready_file + ".tmp", "w", encoding="utf-8") as f:
            json.dump({"error": f"{message}\n{logs}"}, f)
        os.replace(args.ready_file + ".tmp", args.ready_file)
        for p in procs:
            if p.poll() is None:
                p.kill()
        sys.exit(1)

    try:
        relays = []  # dicts: nick, dir, orport, dirport, fp, v3id
        gencerts = []  # the authorities' keys are made in parallel (RSA-3072 takes seconds)
        for i in range(AUTHORITIES + RELAYS):
            authority = i < AUTHORITIES
            nick = f"{'auth' if authority else 'relay'}{i}"
            d = os.path.join(base, nick)
            os.makedirs(os.path.join(d, "keys"), mode=0o700, exist_ok=True)
            node = {"nick": nick, "dir": d, "orport": free_port(),
                    "dirport": free_port() if authority else 0, "v3id": ""}
            if authority:
                keys = os.path.join(d, "keys")
                argv = ["tor-gencert", "--create-identity-key", "--passphrase-fd", "0",
                        "-i", f"{keys}/authority_identity_key",
                        "-s", f"{keys}/authority_signing_key",
                        "-c", f"{keys}/authority_certificate", "-m", "12",
                        "-a", f"127.0.0.1:{node['dirport']}"]
                p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
                p.stdin.write(PASSPHRASE)
                p.stdin.close()
                gencerts.append((node, argv, p))
            relays.append(node)
        for node, argv, p in gencerts:
            output = p.stdout.read().decode(errors="replace")
            if p.wait(timeout=120) != 0:
                raise RuntimeError(f"{' '.join(argv)} failed: {output}")
            with open(os.path.join(node["dir"], "keys", "authority_certificate"),
                      encoding="ascii") as f:
                node["v3id"] = re.search(r"^fingerprint (\S+)", f.read(), re.M).group(1)
        for node in relays:
            node["fp"] = fingerprint(node["dir"], os.devnull)

        dir_authorities = [
            f"DirAuthority {n['nick']} orport={n['orport']} no-v2 v3ident={n['v3id']} "
            f"127.0.0.1:{n['dirport']} {n['fp']}" for n in relays if n["v3id"]]

        def write_torrc(name, data_dir, lines):
            path = os.path.join(data_dir, "torrc")
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(lines + dir_authorities) + "\n")
            nodes.append((name, data_dir, path))

        for n in relays:
            lines = common_lines(n["nick"], n["dir"]) + relay_lines(n["orport"], n["dirport"])
            if n["v3id"]:
                lines += AUTHORITY_LINES
            write_torrc(n["nick"], n["dir"], lines)

        hs_dir = os.path.join(base, "hs")
        os.makedirs(os.path.join(hs_dir, "hidden_service"), mode=0o700, exist_ok=True)
        clients = os.path.join(hs_dir, "auth_service", "authorized_clients")
        os.makedirs(clients, mode=0o700, exist_ok=True)
        os.chmod(os.path.dirname(clients), 0o700)
        # Any 32 bytes are an x25519 public key; nobody holds the private key of this one.
        with open(os.path.join(clients, "nobody.auth"), "w", encoding="ascii") as f:
            key = base64.b32encode(os.urandom(32)).decode().rstrip("=")
            f.write(f"descriptor:x25519:{key}\n")
        write_torrc("hs", hs_dir, common_lines("hs", hs_dir) + [
            "SocksPort 0",
            f"HiddenServiceDir {hs_dir}/hidden_service",
            "HiddenServiceVersion 3",
            f"HiddenServicePort 80 {args.hs_target}",
            f"HiddenServiceDir {hs_dir}/auth_service",
            "HiddenServiceVersion 3",
            f"HiddenServicePort 80 {args.hs_target}",
        ])

        client_dir = os.path.join(base, "client")
        os.makedirs(client_dir, mode=0o700, exist_ok=True)
        socks_port, control_port = free_port(), free_port()
        shipped = client_torrc(args.client_torrc, socks_port, control_port)
        write_torrc("client", client_dir,
                    [shipped.rstrip("\n"), "# private test network"] +
                    common_lines("client", client_dir))

        for name, d, torrc in nodes:
            with open(os.path.join(d, "stdout.log"), "wb") as out:
                procs.append(subprocess.Popen(
                    ["tor", "-f", torrc, "--defaults-torrc", os.devnull, "--quiet"],
                    stdout=out, stderr=subprocess.STDOUT))
    except (OSError, RuntimeError, subprocess.SubprocessError) as e:
        fail(f"tor network setup failed: {e}")

    deadline = started + args.timeout
    cookie = os.path.join(client_dir, "control_auth_cookie")
    onion = ""
    auth_onion = ""
    onion_ok = False
    phase = "no bootstrap status yet"
    last_error = ""
    while True:
        if time.monotonic() > deadline:
            fail(f"tor network not ready after {args.timeout:.0f} s: client bootstrap: {phase}; "
                 f"onion fetch: {last_error or 'not tried'}")
        for (name, _, _), p in zip(nodes, procs):
            if p.poll() is not None:
                fail(f"tor '{name}' exited with {p.returncode}")
        time.sleep(0.5)
        if not onion or not auth_onion:
            try:
                onion = open(os.path.join(hs_dir, "hidden_service", "hostname")).read().strip()
                auth_onion = open(os.path.join(hs_dir, "auth_service", "hostname")).read().strip()
            except OSError:
                continue
        try:
            status = control_query(control_port, cookie, "GETINFO status/bootstrap-phase")
            match = re.search(r"PROGRESS=(\d+).*?SUMMARY=\"([^\"]*)\"", status)
            if match:
                phase = f"{match.group(1)}% {match.group(2)}"
            if not match or match.group(1) != "100":
                continue
            if not onion_ok:
                socks_http_get(socks_port, onion)
                onion_ok = True
            try:
                socks_http_get(socks_port, auth_onion)
                fail("the onion service with client authorisation answered without it")
            except OSError as e:
                if "0xf4" in str(e):
                    break
                last_error = f"authorised-only onion: {e}"
        except OSError as e:
            last_error = str(e)

    ready = {"socks_port": socks_port, "control_port": control_port, "control_cookie": cookie,
             "onion": onion, "auth_onion": auth_onion,
             "unpublished_onion": unpublished_onion(), "data_dir": base, "seconds": round(time.monotonic() - started, 1)}
    with open(args.ready_file + ".tmp", "w", encoding="utf-8") as f:
        json.dump(ready, f)
    os.replace(args.ready_file + ".tmp", args.ready_file)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
