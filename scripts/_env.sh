# Shared by chat.sh and test.sh: find or install uv, then the locked environment.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_uv() {
  if command -v uv >/dev/null 2>&1; then command -v uv; return; fi
  for candidate in "$HOME/.local/bin/uv" "$ROOT/.tools/bin/uv"; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  return 1
}

if ! UV="$(find_uv)"; then
  echo "» installing uv (the Python package manager) …" >&2
  if python3 -m pip --version >/dev/null 2>&1 && \
     { python3 -m pip install --quiet --user uv 2>/dev/null || \
       python3 -m pip install --quiet --user --break-system-packages uv 2>/dev/null; }; then
    :
  else
    python3 -m venv "$ROOT/.tools" && "$ROOT/.tools/bin/pip" install --quiet uv
  fi
  UV="$(find_uv)" || { echo "could not install uv; install it and retry" >&2; exit 1; }
fi
export UV
"$UV" sync --locked --quiet
