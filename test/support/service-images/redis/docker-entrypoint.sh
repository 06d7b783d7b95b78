#!/bin/sh
# As the official image's docker-entrypoint.sh: options alone mean `redis-server <options>`;
# redis-server started as root owns /data and re-runs itself as the user redis. Protected mode
# defaults to off (a config file or a later --protected-mode still wins).
set -eu
case "$1" in -*|*.conf) set -- redis-server "$@" ;; esac
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
if [ "$1" = redis-server ]; then
  shift
  case "${1:-}" in
    *.conf) conf="$1"; shift; set -- redis-server "$conf" --protected-mode no "$@" ;;
    *) set -- redis-server --protected-mode no "$@" ;;
  esac
fi
exec "$@"
