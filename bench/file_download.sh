#!/usr/bin/env bash
# A large file download: ignis (Response::file, sendfile) beside nginx (sendfile on), the
# same file, the same client (curl to /dev/null), in the same run, alternating.
#
#   bench/file_download.sh                 1 GiB, 5 downloads each, epoll
#   SIZE_MIB=256 RUNS=3 BACKEND=io_uring BUILD=build bench/file_download.sh
#
# Needs nginx (Debian nginx-light; scripts/install-deps.sh --test) and curl. Both servers
# run on 127.0.0.1 with one worker; nginx gets its own config in a temp directory.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SIZE_MIB=${SIZE_MIB:-1024}
RUNS=${RUNS:-5}
BACKEND=${BACKEND:-epoll}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$BUILD/bin/file_server" ] || { echo "build $BUILD/bin/file_server first" >&2; exit 1; }
[ -x "$NGINX" ] || { echo "nginx not found (apt-get install nginx-light)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/ignis-download-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
IGNIS_PORT=$(free_port)
NGINX_PORT=$(free_port)

mkdir -p "$tmp/www"
head -c "${SIZE_MIB}M" /dev/urandom > "$tmp/www/big.bin"
cat "$tmp/www/big.bin" > /dev/null  # in the page cache for both

cat > "$tmp/nginx.conf" <<CONF
worker_processes 1;
daemon off;
master_process off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 64; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path $tmp/body;
  proxy_temp_path $tmp/proxy;
  fastcgi_temp_path $tmp/fastcgi;
  uwsgi_temp_path $tmp/uwsgi;
  scgi_temp_path $tmp/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location /files/ { alias $tmp/www/; }
  }
}
CONF

"$BUILD/bin/file_server" --dir "$tmp/www" --port "$IGNIS_PORT" --threads 1 --backend "$BACKEND" 2>"$tmp/ignis.log" &
pids+=($!)
"$NGINX" -c "$tmp/nginx.conf" -p "$tmp" 2>"$tmp/nginx.log" &
pids+=($!)
for port in "$IGNIS_PORT" "$NGINX_PORT"; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done

expected=$((SIZE_MIB * 1024 * 1024))
declare -A speeds=([ignis]="" [nginx]="")
download() {  # name port -> MiB/s
  local out
  out=$(curl -s -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' "http://127.0.0.1:$2/files/big.bin")
  read -r code size speed <<<"$out"
  if [ "$code" != 200 ] || [ "$size" != "$expected" ]; then
    echo "$1: got status $code and $size bytes, expected 200 and $expected" >&2
    exit 1
  fi
  awk -v s="$speed" 'BEGIN { printf "%.0f", s / 1048576 }'
}
echo "file: ${SIZE_MIB} MiB, ${RUNS} downloads each, alternating; ignis backend $BACKEND, one thread; nginx one worker"
for i in $(seq "$RUNS"); do
  for name in ignis nginx; do
    [ "$name" = ignis ] && port=$IGNIS_PORT || port=$NGINX_PORT
    s=$(download "$name" "$port")
    speeds[$name]="${speeds[$name]} $s"
    echo "run $i  $name  $s MiB/s"
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mi=$(echo "${speeds[ignis]}" | median)
mn=$(echo "${speeds[nginx]}" | median)
echo "median: ignis $mi MiB/s, nginx $mn MiB/s (ignis/nginx $(awk -v a="$mi" -v b="$mn" 'BEGIN { printf "%.2f", a / b }'))"
