#!/usr/bin/env bash
# Proxy-mode benchmark (loopback only; bounded in time). Needs Debian's wrk, nginx, caddy, curl and
# python3. Same upstream (nginx `return 200`), same wrk load, one run:
#   (a) the upstream alone
#   (b) Caddy reverse_proxy → upstream, no auth
#   (c) Caddy forward_auth → Gatehouse, then reverse_proxy → upstream (signed-in session)
#   (d) Gatehouse proxy mode (auth: session) → upstream (signed-in session)
# and the ratios the proxy issue asks for: (d)/(b) >= 0.8, (d) > (c); p50/p99 added latency.
# Usage: bench/proxy/run.sh   (DURATION=10s CONNECTIONS=64 THREADS=2 to change the load)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${DURATION:-10s}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk nginx caddy curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install wrk nginx caddy curl)"; exit 1; }
done
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
await() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/${2:-}" && return 0; sleep 0.1; done; echo "port $1 did not answer"; exit 1; }

GH=$(port); UP=$(port); CADDY_RP=$(port); CADDY_FA=$(port)
host=app.bench.test      # proxy mode
fahost=fa.bench.test     # Caddy forward_auth (another host, so each chain does only its own work)
password='bench passphrase long enough'

cd "$work"
cat > gatehouse.yml <<YAML
data-dir: $work/data
server:
  listen: 127.0.0.1:$GH
  public-url: http://localhost:$GH
proxy:
  routes:
    - from: http://$host
      to: http://127.0.0.1:$UP
      auth: session
access:
  rules:
    - hosts: [$host, $fahost]
      policy: authenticated
log:
  level: warn
YAML
gh() { "$root/gatehouse" --config "$work/gatehouse.yml" "$@"; }
gh init >/dev/null
echo "$password" | gh user add bench --password-stdin >/dev/null
"$root/gatehouse" --config "$work/gatehouse.yml" serve > gatehouse.log 2>&1 &
pids+=($!)
await "$GH" healthz

curl -s -c jar -b jar "http://127.0.0.1:$GH/login" > login.html
csrf=$(grep -o 'name="csrf" value="[^"]*"' login.html | head -n 1 | cut -d'"' -f4)
curl -s -c jar -b jar -o /dev/null -H "Origin: http://localhost:$GH" \
  --data-urlencode "csrf=$csrf" --data-urlencode username=bench --data-urlencode "password=$password" \
  "http://127.0.0.1:$GH/login"
cookie=$(awk '$6=="gatehouse_session"{print $7}' jar)
[ -n "$cookie" ] || { echo "sign-in failed"; exit 1; }

mkdir -p nginx
cat > nginx/nginx.conf <<NGINX
daemon off; master_process off; worker_processes 1; pid $work/nginx/nginx.pid; error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fcgi; uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  server { listen 127.0.0.1:$UP; location / { return 200 "ok\n"; } }
}
NGINX
nginx -e "$work/nginx/stderr.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)
await "$UP"

mkdir -p caddy
gh snippet caddy --host "$fahost" --upstream "127.0.0.1:$UP" --gatehouse "127.0.0.1:$GH" --http-port "$CADDY_FA" > caddy/gatehouse.caddy
{
  printf '{\n\tadmin off\n\tauto_https off\n\tstorage file_system %s/caddy/data\n}\n' "$work"
  printf 'http://%s:%s {\n\treverse_proxy 127.0.0.1:%s\n}\n' "$host" "$CADDY_RP" "$UP"
  cat caddy/gatehouse.caddy
} > caddy/Caddyfile
HOME="$work/caddy" XDG_DATA_HOME="$work/caddy" XDG_CONFIG_HOME="$work/caddy" caddy run --config caddy/Caddyfile --adapter caddyfile > caddy/caddy.log 2>&1 &
pids+=($!)
for p in $CADDY_RP $CADDY_FA; do for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$p/" && break; sleep 0.1; done; done

check() { local code; code=$(curl -s -o /dev/null -w '%{http_code}' "$@"); [ "$code" = 200 ] || { echo "setup check failed ($code): $*"; exit 1; }; }
check "http://127.0.0.1:$UP/"
check -H "Host: $host:$CADDY_RP" "http://127.0.0.1:$CADDY_RP/"
check -H "Host: $fahost:$CADDY_FA" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$CADDY_FA/"
check -H "Host: $host" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$GH/"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" "http://127.0.0.1:$GH/")
[ "$code" = 401 ] || { echo "proxy mode let an anonymous request through ($code)"; exit 1; }

rps() { grep 'Requests/sec' | awk '{print $2}'; }
load() { wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@" > last.txt 2>&1; cat last.txt >> wrk.log; grep -q 'Non-2xx' last.txt && { echo "non-2xx answers: $*"; cat last.txt; exit 1; }; rps < last.txt; }
pct() { awk -v p="$1" '$1==p{print $2}' last.txt; }

echo "warming up …"
wrk -t"$threads" -c"$connections" -d5s -H "Host: $host" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$GH/" >/dev/null
wrk -t"$threads" -c"$connections" -d3s -H "Host: $fahost:$CADDY_FA" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$CADDY_FA/" >/dev/null
a=$(load "http://127.0.0.1:$UP/"); a50=$(pct 50%); a99=$(pct 99%)
b=$(load -H "Host: $host:$CADDY_RP" "http://127.0.0.1:$CADDY_RP/"); b50=$(pct 50%); b99=$(pct 99%)
c=$(load -H "Host: $fahost:$CADDY_FA" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$CADDY_FA/"); c50=$(pct 50%); c99=$(pct 99%)
d=$(load -H "Host: $host" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$GH/"); d50=$(pct 50%); d99=$(pct 99%)

ratio() { python3 -c "print(f'{float($1)/float($2):.2f}')"; }
cat <<REPORT

Proxy-mode benchmark ($(nproc) cores, wrk -t$threads -c$connections -d$duration, loopback; p50 / p99)
(a) upstream alone (nginx return 200)           ${a} req/s   ${a50} / ${a99}
(b) Caddy reverse_proxy, no auth                ${b} req/s   ${b50} / ${b99}
(c) Caddy forward_auth + Gatehouse              ${c} req/s   ${c50} / ${c99}
(d) Gatehouse proxy mode, auth: session         ${d} req/s   ${d50} / ${d99}
    (d)/(b)                                     $(ratio "$d" "$b")   target >= 0.80
    (d)/(c)                                     $(ratio "$d" "$c")   target > 1
REPORT
