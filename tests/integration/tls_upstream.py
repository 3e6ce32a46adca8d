"""An HTTPS upstream for the TLS tests: HTTP/1.1 with keep-alive over Python's ssl module,
telling in each response what it saw of the TLS connection (a resumed session, the
client's certificate), which no stock server reports.

Paths: /close answers with "Connection: close" (so the next request needs a new
connection); anything else answers 200 "ok".
"""

import http.server
import socket
import ssl
import threading


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        connection = self.connection
        peer = connection.getpeercert() if hasattr(connection, "getpeercert") else None
        subject = ""
        if peer:
            for rdn in peer.get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        subject = value
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-tls-resumed", "1" if connection.session_reused else "0")
        self.send_header("x-tls-version", connection.version() or "")
        self.send_header("x-client-cert", subject)
        if self.path == "/close":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)
        self.server.count(connection.session_reused)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, context):
        super().__init__(address, _Handler)
        self.context = context
        self.lock = threading.Lock()
        self.connections = 0
        self.requests = 0
        self.resumed_requests = 0

    def get_request(self):
        sock, address = self.socket.accept()
        with self.lock:
            self.connections += 1
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def finish_request(self, request, client_address):
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):
            # A refused handshake (no client certificate): the alert is sent; wait for the
            # client to close, so that unread bytes do not turn our close into a reset that
            # could overtake the alert.
            request.settimeout(2)
            try:  # the TLS layer is broken now: read the plain socket under it
                while socket.socket.recv(request, 4096):
                    pass
            except OSError:
                pass
            return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):  # a peer gone mid-request: expected here
        pass

    def count(self, resumed):
        with self.lock:
            self.requests += 1
            self.resumed_requests += 1 if resumed else 0


class TlsUpstream:
    """Serves on 127.0.0.1 with `cert`/`key`; `client_ca` set: requires a client certificate
    signed by it (mTLS)."""

    def __init__(self, cert: str, key: str, client_ca: str | None = None):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        if client_ca:
            context.load_verify_locations(client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
        self.server = _Server(("127.0.0.1", 0), context)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def stats(self) -> tuple:
        with self.server.lock:
            return self.server.connections, self.server.requests, self.server.resumed_requests

    def close(self):
        self.server.shutdown()
        self.server.server_close()
