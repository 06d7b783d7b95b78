#!/bin/sh
# `gale-init`: what an installation's init container runs once before the services start
# (docker-compose.yaml's gale-init; `docker run --entrypoint gale-init IMAGE`). It brings the
# metadata database to the latest schema, then, when GALE_ADMIN_USERNAME is set, creates that
# admin user with GALE_ADMIN_PASSWORD (and GALE_ADMIN_EMAIL) unless the user exists already.
# Running it again changes nothing; it never prints the password.
set -eu
gale db migrate
if [ -z "${GALE_ADMIN_USERNAME:-}" ]; then
  echo "gale-init: GALE_ADMIN_USERNAME is not set: no admin user created"
  exit 0
fi
if gale users list --output json | GALE_USER="$GALE_ADMIN_USERNAME" node -e '
  const users = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
  process.exit(users.some((u) => u.username === process.env.GALE_USER) ? 0 : 1);
'; then
  echo "gale-init: user $GALE_ADMIN_USERNAME exists already"
  exit 0
fi
if [ -z "${GALE_ADMIN_PASSWORD:-}" ]; then
  echo "gale-init: GALE_ADMIN_USERNAME is set but GALE_ADMIN_PASSWORD is not" >&2
  exit 1
fi
printf '%s\n' "$GALE_ADMIN_PASSWORD" |
  gale users create --username "$GALE_ADMIN_USERNAME" --role Admin \
    ${GALE_ADMIN_EMAIL:+--email "$GALE_ADMIN_EMAIL"} --password-stdin
