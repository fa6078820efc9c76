"""The lab's HTTPS server (image server, or the TLS interceptor with another CA's certificate).

Usage: https_server.py CERTCHAIN KEY ADDR PORT WEBROOT READYFILE
Serves GET/HEAD of files under WEBROOT over TLS; writes READYFILE once it listens.
Stdlib only; one thread per connection; runs in the foreground so the lab knows its pid.
"""
import http.server
import os
import socketserver
import ssl
import sys


def main() -> None:
    cert, key, addr, port, root, ready = sys.argv[1:7]
    os.chdir(root)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)

    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            sys.stdout.write("%s %s\n" % (self.address_string(), fmt % args))
            sys.stdout.flush()

        def list_directory(self, path):
            self.send_error(404)
            return None

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def server_bind(self):
            # HTTPServer.server_bind would ask DNS for our name (getfqdn): never leave the lab
            socketserver.TCPServer.server_bind(self)
            self.server_name, self.server_port = self.server_address[:2]

        def get_request(self):
            sock, peer = self.socket.accept()
            sock.settimeout(10)
            return ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), peer

        def finish_request(self, request, client_address):
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError):
                request.close()
                return
            super().finish_request(request, client_address)

    server = Server((addr, int(port)), Handler)
    with open(ready, "w") as f:
        f.write(f"{os.getpid()}\n")
    server.serve_forever()


if __name__ == "__main__":
    main()
