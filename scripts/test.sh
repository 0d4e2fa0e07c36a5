#!/usr/bin/env bash
# The whole test suite: lint, types, tests. Installs what it needs (uv, the locked
# environment and, when root, the torrent daemons from Debian packages).
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"

if [ -f scripts/install-test-daemons.sh ]; then
  bash scripts/install-test-daemons.sh || echo "» torrent daemons not installed; their tests will say why" >&2
fi

probe() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -z "${TEST_DATABASE_URL:-}" ] && probe 5432; then
  export TEST_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
fi
if [ -z "${TEST_REDIS_URL:-}" ] && probe 6379; then
  export TEST_REDIS_URL="redis://127.0.0.1:6379/0"
fi
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "» Postgres tests: on ($TEST_DATABASE_URL)"
else
  echo "» Postgres tests: skipped (no TEST_DATABASE_URL, nothing on 127.0.0.1:5432)"
fi

echo "» ruff"
"$UV" run --locked ruff check src tests bench
"$UV" run --locked ruff format --check src tests bench
echo "» mypy --strict"
"$UV" run --locked mypy
echo "» pytest"
exec "$UV" run --locked pytest "$@"
