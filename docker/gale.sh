#!/bin/sh
# The image's `gale` command (its ENTRYPOINT is `tini -- gale`). Before Gale starts, it installs
# the npm packages that DAG files import when the DAGs folder holds a package.json (mounted, or
# part of the DAGs repository): into the DAGs folder's node_modules, where Node.js finds them
# from the DAG files, once per change of package.json or package-lock.json (a hash is kept in
# node_modules/.gale-installed; flock keeps containers sharing the folder from installing at once).
# GALE_NPM_INSTALL=off skips it. Then Gale replaces this shell, so tini's signals reach it.
set -eu
dags="${GALE__CORE__DAGS_FOLDER:-${GALE_HOME:-/opt/gale-home}/dags}"
if [ -f "$dags/package.json" ] && [ "${GALE_NPM_INSTALL:-auto}" != "off" ]; then
  sum=$(cat "$dags/package.json" "$dags/package-lock.json" 2>/dev/null | sha256sum | cut -d ' ' -f 1)
  marker="$dags/node_modules/.gale-installed"
  if [ "$(cat "$marker" 2>/dev/null || true)" != "$sum" ]; then
    if ! touch "$dags/.gale-npm-install.lock" 2>/dev/null; then
      echo "gale: $dags/package.json changed but $dags is not writable by uid $(id -u): cannot install its packages (make the folder writable, install them in a derived image, or set GALE_NPM_INSTALL=off)" >&2
      exit 1
    fi
    (
      flock 9
      if [ "$(cat "$marker" 2>/dev/null || true)" != "$sum" ]; then
        cd "$dags"
        echo "gale: installing the npm packages of $dags/package.json" >&2
        if [ -f package-lock.json ]; then
          npm ci --omit=dev --no-audit --no-fund 1>&2
        else
          npm install --omit=dev --no-package-lock --no-audit --no-fund 1>&2
        fi
        mkdir -p node_modules
        echo "$sum" >"$marker"
      fi
    ) 9>"$dags/.gale-npm-install.lock"
  fi
fi
exec node /opt/gale/dist/cli/main.js "$@"
