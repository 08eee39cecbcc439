"""The benchmark suite at R-41 scale; run it with ``python -m bench`` (see README)."""


def port_is_free(port):
    """Whether a server may bind ``127.0.0.1:port`` now (as gunicorn binds: TIME_WAIT is fine)."""
    import socket

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
