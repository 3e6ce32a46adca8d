"""Test certificates made at test time with the openssl command (no key is committed).

A `TestPki` is a private CA in a temporary directory that signs ECDSA P-256 server and
client certificates, including expired and not-yet-valid ones (through `openssl ca`,
whose -startdate/-enddate take any dates).
"""

import os
import subprocess
import tempfile


def _openssl(*args, cwd=None):
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (" ".join(args), result.stderr.strip()))
    return result.stdout


class Issued:
    def __init__(self, cert: str, key: str):
        self.cert = cert
        self.key = key


class TestPki:
    """A CA named `name` under `directory` (a new temporary one when None)."""

    def __init__(self, directory: str | None = None, name: str = "faultline test CA"):
        self.directory = directory or tempfile.mkdtemp(prefix="faultline-pki-")
        self.name = name
        slug = name.replace(" ", "-")
        self.ca_key = os.path.join(self.directory, slug + ".key")
        self.ca_cert = os.path.join(self.directory, slug + ".pem")
        _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", self.ca_key)
        _openssl("req", "-x509", "-new", "-key", self.ca_key, "-sha256", "-days", "30",
                 "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:true",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", self.ca_cert)
        self._ca_dir = os.path.join(self.directory, slug + "-db")
        os.makedirs(self._ca_dir, exist_ok=True)
        open(os.path.join(self._ca_dir, "index.txt"), "w").close()
        with open(os.path.join(self._ca_dir, "serial"), "w") as out:
            out.write("1000\n")
        self._config = os.path.join(self._ca_dir, "ca.cnf")
        with open(self._config, "w") as out:
            out.write(
                "[ca]\ndefault_ca = test\n"
                "[test]\ndatabase = %s/index.txt\nnew_certs_dir = %s\nserial = %s/serial\n"
                "default_md = sha256\npolicy = anything\nunique_subject = no\n"
                "copy_extensions = copy\n"
                "[anything]\ncommonName = supplied\n" % (self._ca_dir, self._ca_dir, self._ca_dir))

    def issue(self, name: str, sans=("DNS:localhost", "IP:127.0.0.1"), client: bool = False,
              start: str | None = None, end: str | None = None, file_stem: str | None = None) -> Issued:
        """A certificate for CN=name signed by this CA. `start`/`end` are openssl dates
        (YYYYMMDDHHMMSSZ); by default valid from an hour ago for 30 days."""
        stem = os.path.join(self.directory, file_stem or name.replace(" ", "-").replace("*", "star"))
        key, csr, cert = stem + ".key", stem + ".csr", stem + ".pem"
        _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key)
        usage = "clientAuth" if client else "serverAuth"
        request = ["req", "-new", "-key", key, "-subj", "/CN=" + name, "-addext",
                   "extendedKeyUsage=" + usage, "-out", csr]
        if sans:
            request[-2:-2] = ["-addext", "subjectAltName=" + ",".join(sans)]
        _openssl(*request)
        dates = []
        if start:
            dates += ["-startdate", start]
        if end:
            dates += ["-enddate", end]
        else:
            dates += ["-days", "30"]
        _openssl("ca", "-batch", "-config", self._config, "-cert", self.ca_cert, "-keyfile",
                 self.ca_key, "-notext", "-in", csr, "-out", cert, *dates)
        return Issued(cert, key)


def not_after_unix(pem_file: str) -> int:
    """The certificate's notAfter as unix seconds (what the expiry gauge must show)."""
    import calendar
    import time
    text = _openssl("x509", "-in", pem_file, "-noout", "-enddate").strip()
    when = text.split("=", 1)[1]
    return calendar.timegm(time.strptime(when, "%b %d %H:%M:%S %Y %Z"))
