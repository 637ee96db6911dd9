#!/usr/bin/env bash
# Run the store and API tests (tests/store) against PostgreSQL; with arguments, run that command
# instead (e.g. `tests/store/run_on_postgres.sh python benchmarks/store.py`).
#
# With JIXIAO_DATABASE_URL set, use that server. Otherwise start a private PostgreSQL 15 on
# loopback in a temporary folder (initdb + pg_ctl; as `nobody` when run as root, since the server
# refuses root), run the tests, and stop and remove it whatever happens. Without PostgreSQL
# binaries the run is skipped with a notice, unless JIXIAO_REQUIRE_POSTGRES=1 (as in .ci/run).
set -euo pipefail
PY=${PY:-python3}
cd "$(dirname "$0")/../.."

if [ $# -eq 0 ]; then set -- "$PY" -m pytest -p no:cacheprovider tests/store; fi
if [ -n "${JIXIAO_DATABASE_URL:-}" ]; then exec "$@"; fi

PGBIN=""
for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
  if [ -x "$d/initdb" ]; then PGBIN=$d; break; fi
done
if [ -z "$PGBIN" ] && command -v initdb >/dev/null; then PGBIN=$(dirname "$(command -v initdb)"); fi
if [ -z "$PGBIN" ]; then
  if [ "${JIXIAO_REQUIRE_POSTGRES:-}" = 1 ]; then echo "错误：找不到 PostgreSQL（initdb）" >&2; exit 1; fi
  echo "提示：未找到 PostgreSQL（initdb），跳过 PostgreSQL 上的存储测试" >&2
  exit 0
fi

TMP=$(mktemp -d /tmp/jixiao-pg.XXXXXX)
chmod 755 "$TMP"
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  chown nobody "$TMP"
  as_pg() { runuser -u nobody -- "$@"; }
fi
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop() {
  as_pg "$PGBIN/pg_ctl" -D "$TMP/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap stop EXIT
as_pg "$PGBIN/initdb" -D "$TMP/data" -U jixiao --auth=trust -E UTF8 --locale=C >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$TMP/data" -l "$TMP/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $TMP -c fsync=off -c full_page_writes=off" start >/dev/null
as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U jixiao jixiao
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') 已在 127.0.0.1:$PORT 启动（临时）"
JIXIAO_DATABASE_URL="postgres://jixiao@127.0.0.1:$PORT/jixiao" "$@"
