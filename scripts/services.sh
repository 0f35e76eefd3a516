#!/usr/bin/env bash
# Starts the local PostgreSQL and Redis when they are not answering (CI and fresh sessions).
set -uo pipefail
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! answers 5432; then
  echo "== starting PostgreSQL" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! answers 6379; then
  echo "== starting Redis" >&2
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
for _ in $(seq 1 30); do
  answers 5432 && answers 6379 && exit 0
  sleep 1
done
echo "PostgreSQL or Redis did not come up" >&2
exit 1
