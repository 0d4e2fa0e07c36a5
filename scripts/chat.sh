#!/usr/bin/env bash
# Chat with Concierge in this terminal. Zero configuration: SQLite in ./data, the
# built-in offline model. Reads .env when present. Extra arguments go to `concierge`.
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
if [ "$#" -eq 0 ]; then set -- chat; fi
exec "$UV" run --locked concierge "$@"
