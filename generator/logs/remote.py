"""Logs that are not on this machine, for the ClickHouse engine: which ClickHouse table function
reads an s3://, gs:// or http(s):// spec, and how it reaches an S3-compatible store.

Keys never go into the SQL (`eventcat logs sql` prints it, and a server keeps it in its query
log). In chDB, ClickHouse reads them from the process's environment as the AWS tools do
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). On a server the server's own
S3 settings apply, or a named collection that holds the endpoint and keys (`collection`)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .sql import lit

# The AWS tools' names for an S3-compatible endpoint (MinIO, Ceph, a local test server): the
# S3-only one first, then the one for every service.
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
FORMAT = "'LineAsString', 'line String'"
_BUCKET_URL = re.compile(r"^s3://(?P<bucket>[^/]+)(?P<key>/.*)?$", re.IGNORECASE)
# an object store's own https addresses: ClickHouse's s3() lists them for globs, url() cannot
_STORE_HOST = re.compile(r"(^|\.)(s3[.-][^/]*amazonaws\.com(\.cn)?|s3\.amazonaws\.com|storage\.googleapis\.com)$",
                         re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class RemoteError(ValueError):
    """An endpoint or a collection name that cannot be used, said in one line."""


@dataclass(frozen=True)
class S3Access:
    """How s3:// URLs reach their store. `endpoint`: an S3-compatible service, so that
    s3://BUCKET/KEY is read as ENDPOINT/BUCKET/KEY (path style). `collection`: a named collection
    on the ClickHouse server that holds the keys; the query gives it the URL."""
    endpoint: str = ""
    collection: str = ""

    def __post_init__(self) -> None:
        if self.endpoint:
            check_endpoint(self.endpoint)
        if self.collection and not _NAME.match(self.collection):
            raise RemoteError(f"'{self.collection}': a named collection is a NAME (letters, digits, _)")


def check_endpoint(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise RemoteError(f"'{endpoint}': an S3 endpoint is http[s]://HOST[:PORT], like http://localhost:9000")
    return endpoint


def endpoint_from_environment() -> str:
    """The endpoint the AWS tools would use, from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL; ""."""
    for name in ENDPOINT_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            try:
                return check_endpoint(value)
            except RemoteError as error:
                raise RemoteError(f"{name}={error}") from None
    return ""


def table_function(spec: str, access: S3Access | None = None, cluster: str | None = None) -> str:
    """The table function (with its arguments) that reads the lines of `spec`, a URL that may
    hold ClickHouse globs. S3 URLs are read with s3() (s3Cluster() on `cluster`), which lists
    the bucket for `*`; any other http(s) URL with url(), which expands only {a,b} and {1..9}."""
    access = access or S3Access()
    url, is_s3 = spec, False
    match = _BUCKET_URL.match(spec)
    if match and access.endpoint:
        url, is_s3 = f"{access.endpoint.rstrip('/')}/{match['bucket']}{match['key'] or '/'}", True
    elif spec.lower().startswith(("s3://", "gs://")):
        is_s3 = True  # ClickHouse reads these itself: AWS's and Google's public endpoints
    else:
        host = urlsplit(spec).hostname or ""
        is_s3 = bool(_STORE_HOST.search(host)) or (
            bool(access.endpoint) and spec.startswith(access.endpoint.rstrip("/") + "/"))
    if not is_s3:
        if "*" in urlsplit(spec).path:  # url() lists no index pages (ClickHouse's SUPPORT_IS_DISABLED)
            raise RemoteError(f"{hide_passwords(spec)}: only an S3 URL can hold * (a web server lists no files): "
                              "name the files, with {a,b} or {1..31} if you like")
        return f"url({lit(spec)}, {FORMAT})"
    if access.collection:
        args = f"{access.collection}, url = {lit(url)}, format = 'LineAsString', structure = 'line String'"
    else:
        args = f"{lit(url)}, {FORMAT}"
    return f"s3Cluster({lit(cluster)}, {args})" if cluster else f"s3({args})"


def hide_passwords(text: str) -> str:
    """Text that may quote a URL with a password in it (a URL as given, an error that repeats
    one), each password replaced."""
    return re.sub(r"(://[^/\s:@]*):[^/\s@]*@", r"\1:***@", text)
