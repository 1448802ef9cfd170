# Shared helpers of the CI and demo scripts (sourced, not executed).
# Finds Odoo 18, PostgreSQL and the addons path; never installs Odoo itself.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
MODULE=account_bank_psd2
# CI's clone is not named after the module: Odoo needs the folder name, so link it.
ADDONS_LINK_DIR="$ROOT/build/addons"

# find_odoo: sets ODOO_CMD (array) and ODOO_ADDONS_PATH, or returns 1.
find_odoo() {
    if [ -n "${ODOO_PATH:-}" ] && [ -f "$ODOO_PATH/odoo-bin" ] && [ -d "$ODOO_PATH/odoo" ]; then
        ODOO_CMD=("$PYTHON" "$ODOO_PATH/odoo-bin")
        ODOO_ADDONS_PATH="$ODOO_PATH/addons,$ODOO_PATH/odoo/addons"
        _check_odoo_version "$ODOO_PATH" || return 1
        return 0
    fi
    local found
    found=$("$PYTHON" - <<'PY' 2>/dev/null
import os
import odoo.release
if odoo.release.version_info[0] != 18:
    raise SystemExit(1)
package = os.path.dirname(os.path.abspath(odoo.__file__))
paths = [os.path.join(os.path.dirname(package), "addons"), os.path.join(package, "addons")]
print(",".join(p for p in paths if os.path.isdir(p)))
PY
    ) || return 1
    [ -n "$found" ] || return 1
    ODOO_CMD=("$PYTHON" -m odoo)
    ODOO_ADDONS_PATH="$found"
}

_check_odoo_version() {
    PYTHONPATH="$1" "$PYTHON" -c 'import odoo.release as r, sys; sys.exit(r.version_info[0] != 18)' 2>/dev/null
}

# ensure_postgres: start the local cluster if nobody answers on 127.0.0.1.
ensure_postgres() {
    export PGHOST=${PGHOST:-127.0.0.1}
    export PGUSER=${PGUSER:-$(id -un)}
    if pg_isready -q -h "$PGHOST" 2>/dev/null; then
        return 0
    fi
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        echo "Starting PostgreSQL..."
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
        for _ in $(seq 1 30); do
            pg_isready -q -h "$PGHOST" && return 0
            sleep 1
        done
    fi
    echo "PostgreSQL is not running on $PGHOST and could not be started." >&2
    return 1
}

# ensure_chromium: the browser tour (an Odoo HttpCase) needs Debian's chromium; install it
# when missing and possible (root with apt), otherwise the tour reports itself skipped.
ensure_chromium() {
    if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then
        return 0
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing chromium for the browser tour..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q chromium >/dev/null 2>&1 \
            || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } \
            || echo "chromium could not be installed: the browser tour will be skipped" >&2
    else
        echo "chromium not found: the browser tour will be skipped" >&2
    fi
}

link_addon() {
    mkdir -p "$ADDONS_LINK_DIR"
    ln -sfn "$ROOT" "$ADDONS_LINK_DIR/$MODULE"
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# odoo [shell] ARGS: run Odoo with this project's addons path and database settings.
odoo() {
    local command=()
    if [ "${1:-}" = shell ]; then
        command=(shell)
        shift
    fi
    "${ODOO_CMD[@]}" "${command[@]}" --addons-path="$ODOO_ADDONS_PATH,$ADDONS_LINK_DIR" \
        --db_host="$PGHOST" --db_user="$PGUSER" "$@"
}

# stage_addon DIR: copy the addon, as it is in the working tree, to DIR/account_bank_psd2.
# Copies the files git tracks plus new ones it does not ignore (no build/, node_modules/, .git).
# Tools that need the folder to carry the module's name and to sit below the repository's top
# (whool, oca-checks-odoo-module, pylint-odoo's odoo-addons-relative-import) work on this copy:
# a symlink does not do, they resolve it back to the checkout's own name.
stage_addon() {
    local dest="$1/$MODULE"
    rm -rf "$dest"
    mkdir -p "$dest"
    if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
            | while IFS= read -r -d '' file; do
                if [ -e "$file" ]; then printf '%s\0' "$file"; fi
            done \
            | tar --null -T - -cf - | tar -xf - -C "$dest")
    else
        (cd "$ROOT" && tar --exclude=./build --exclude=./node_modules --exclude=./.git -cf - .) \
            | tar -xf - -C "$dest"
    fi
}
