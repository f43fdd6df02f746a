"""A ClickHouse server's HTTP interface for the tests, answered by chDB: the real
clickhouse-connect client talks to it exactly as to a server (log-in, the settings it sends as
URL parameters, the query in the request body, Native-format results, errors with
X-ClickHouse-Exception-Code), and chDB runs each query. So `eventcat logs check --clickhouse URL`
is exercised end to end - the SQL, the settings, the decoding of every result type - on a
machine with no ClickHouse server. What it does not do: clusters, query parameters
(`param_*`, which eventcat does not send; refused so that a change that starts sending them is
noticed), sessions (one chDB session serves every request, one request at a time)."""

from __future__ import annotations

import base64
import gzip
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

# URL parameters that steer the HTTP interface itself; every other parameter is a setting
TRANSPORT = {"query", "database", "default_format", "query_id", "session_id", "session_timeout",
             "session_check", "wait_end_of_query", "send_progress_in_http_headers",
             "http_headers_progress_interval_ms", "cancel_http_readonly_queries_on_client_close",
             "enable_http_compression", "client_protocol_version", "compress", "decompress",
             "buffer_size", "user", "password", "quota_key"}
_FORMAT = re.compile(r"\s+FORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)
_SETTING = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ClickHouseOverChdb:
    """`with ClickHouseOverChdb() as server:` serves on 127.0.0.1; `server.url` is a DSN with
    the user and password it accepts; `server.db` is the chDB session (to create tables);
    `server.queries` holds (query text, settings) of every query clickhouse-connect sent."""

    def __init__(self, user: str = "eventcat", password: str = "s3cret pass"):
        from chdb import session
        self.user, self.password = user, password
        self.db = session.Session()
        self.lock = threading.Lock()
        self.queries: list[tuple[str, dict[str, str]]] = []
        handler = type("Handler", (_Handler,), {"server_state": self})
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), handler)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.http.server_address[1]}"

    @property
    def url(self) -> str:
        from urllib.parse import quote
        return f"http://{quote(self.user)}:{quote(self.password)}@{self.address}"

    def __enter__(self) -> ClickHouseOverChdb:
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.db.close()

    def run(self, sql: str, settings: dict[str, str], database: str, fmt: str) -> bytes:
        with self.lock:
            if database and database != "default":
                self.db.query(f"USE {database}")
            previous = {}
            try:
                for name, value in settings.items():
                    previous[name] = self.db.query(f"SELECT getSetting('{name}')", "TSVRaw").bytes().decode().strip()
                    self.db.query(f"SET {name} = '{_quote(value)}'")
                return self.db.query(sql, fmt).bytes()
            finally:
                for name, value in previous.items():
                    self.db.query(f"SET {name} = '{_quote(value)}'")
                if database and database != "default":
                    self.db.query("USE default")


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_state: ClickHouseOverChdb

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        state = self.server_state
        parts = urlsplit(self.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if parts.path == "/ping":
            return self._send(200, b"Ok.\n")
        if not self._authorised(params):
            return self._error(516, f"{self._user(params)}: Authentication failed: password is incorrect, or "
                                    "there is no user with such name. (AUTHENTICATION_FAILED)", 401)
        query = params.get("query", "") + body.decode("utf-8")
        if not query.strip():
            return self._send(200, b"Ok.\n")
        unsupported = sorted(k for k in params if k.startswith("param_"))
        if unsupported:
            return self._error(1, f"this test server runs no query parameters ({', '.join(unsupported)})", 400)
        settings = {k: v for k, v in params.items() if k not in TRANSPORT}
        bad = [k for k in settings if not _SETTING.match(k)]
        if bad:
            return self._error(115, f"Unknown setting '{bad[0]}'. (UNKNOWN_SETTING)", 400)
        fmt = params.get("default_format", "TabSeparated")
        found = _FORMAT.search(query)
        if found:
            fmt, query = found.group(1), query[:found.start()]
        state.queries.append((query, settings))
        try:
            result = state.run(query, settings, params.get("database", ""), fmt)
        except Exception as error:  # chDB's error: sent as the server sends it
            text = str(error).strip()
            code = re.match(r"Code: (\d+)\.", text)
            return self._error(int(code.group(1)) if code else 1000, text, 500, prefixed=bool(code))
        headers = {"X-ClickHouse-Format": fmt, "X-ClickHouse-Timezone": "UTC",
                   "X-ClickHouse-Query-Id": params.get("query_id") or str(uuid.uuid4()),
                   "X-ClickHouse-Summary": json.dumps({"read_rows": "0", "read_bytes": "0", "written_rows": "0",
                                                       "written_bytes": "0", "total_rows_to_read": "0",
                                                       "result_rows": "0", "result_bytes": str(len(result))})}
        if params.get("enable_http_compression") == "1" and "gzip" in self.headers.get("Accept-Encoding", ""):
            result = gzip.compress(result)
            headers["Content-Encoding"] = "gzip"
        self._send(200, result, headers)

    def _user(self, params: dict[str, str]) -> str:
        return self._credentials(params)[0] or "default"

    def _credentials(self, params: dict[str, str]) -> tuple[str, str]:
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            user, _, password = base64.b64decode(basic[6:]).decode("utf-8").partition(":")
            return user, password
        if self.headers.get("X-ClickHouse-User"):
            return self.headers["X-ClickHouse-User"], self.headers.get("X-ClickHouse-Key", "")
        return params.get("user", ""), params.get("password", "")

    def _authorised(self, params: dict[str, str]) -> bool:
        return self._credentials(params) == (self.server_state.user, self.server_state.password)

    def _error(self, code: int, message: str, status: int, prefixed: bool = False) -> None:
        text = message if prefixed else f"Code: {code}. DB::Exception: {message}"
        self._send(status, (text + "\n").encode("utf-8"), {"X-ClickHouse-Exception-Code": str(code)})

    def _send(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
