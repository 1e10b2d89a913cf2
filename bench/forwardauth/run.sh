#!/usr/bin/env bash
# Forward-auth load benchmark (loopback only; bounded in time). Needs Debian's wrk, nginx, caddy,
# sqlite3, curl and python3. Prints throughput, latency and the ratios the forward-auth issue asks for:
#   (a) nginx returning a static 200
#   (b) Gatehouse /api/verify with a valid session cookie
#   (c) Caddy forward_auth to a stub auth server (nginx `return 200`) vs to Gatehouse
#   (d) nginx auth_request to the stub vs to Gatehouse
#   (e) p99 of (b) at about half its peak throughput (fewer connections; wrk is closed-loop)
#   (f) Gatehouse RSS after verifying 100 000 distinct live sessions
# Usage: bench/forwardauth/run.sh   (DURATION=10s CONNECTIONS=64 to change the load)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${DURATION:-10s}
connections=${CONNECTIONS:-64}
sessions=${SESSIONS:-100000}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}" ${gpid:-}; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk nginx caddy sqlite3 curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install wrk nginx caddy sqlite3 curl)"; exit 1; }
done
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
await() { for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$1/${2:-}" && return 0; sleep 0.1; done; echo "port $1 did not answer"; exit 1; }

GH=$(port); STATIC=$(port); STUB=$(port); CADDY_STUB=$(port); CADDY_GH=$(port); NGINX_STUB=$(port); NGINX_GH=$(port)
host=app.bench.test
password='bench passphrase long enough'

cd "$work"
cat > gatehouse.yml <<YAML
data-dir: $work/data
server:
  listen: 127.0.0.1:$GH
  public-url: http://localhost:$GH
access:
  rules:
    - hosts: [$host]
      policy: authenticated
log:
  level: warn
YAML
gh() { "$root/gatehouse" --config "$work/gatehouse.yml" "$@"; }
gh init >/dev/null
echo "$password" | gh user add bench --password-stdin >/dev/null
"$root/gatehouse" --config "$work/gatehouse.yml" serve > gatehouse.log 2>&1 &
pids+=($!)  # the launcher execs java, so this is the JVM itself
await "$GH" healthz
gpid=${pids[-1]}

# Sign in through the portal like a browser.
curl -s -c jar -b jar "http://127.0.0.1:$GH/login" > login.html
csrf=$(grep -o 'name="csrf" value="[^"]*"' login.html | head -n 1 | cut -d'"' -f4)
curl -s -c jar -b jar -o /dev/null -H "Origin: http://localhost:$GH" \
  --data-urlencode "csrf=$csrf" --data-urlencode username=bench --data-urlencode "password=$password" \
  "http://127.0.0.1:$GH/login"
cookie=$(awk '$6=="gatehouse_session"{print $7}' jar)
[ -n "$cookie" ] || { echo "sign-in failed"; exit 1; }

# nginx: the static upstream, the stub auth server, and auth_request chains to both.
mkdir -p nginx
gh snippet nginx --host "$host" --upstream "127.0.0.1:$STATIC" --gatehouse "127.0.0.1:$GH" --http-port "$NGINX_GH" > nginx/gatehouse.conf
sed -e "s#server 127.0.0.1:$GH;#server 127.0.0.1:$STUB;#" -e "s#/api/authz/auth-request#/#" -e "s#gatehouse_app_bench_test#stub_app_bench_test#g" \
    -e "s#listen 127.0.0.1:$NGINX_GH#listen 127.0.0.1:$NGINX_STUB#" nginx/gatehouse.conf > nginx/stub.conf
cat > nginx/nginx.conf <<NGINX
daemon off; master_process off; worker_processes 1; pid $work/nginx/nginx.pid; error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fcgi; uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  server { listen 127.0.0.1:$STATIC; location / { return 200 "ok\n"; } }
  server { listen 127.0.0.1:$STUB; location / { return 200; } }
  include $work/nginx/gatehouse.conf;
  include $work/nginx/stub.conf;
}
NGINX
nginx -e "$work/nginx/stderr.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)
await "$STATIC"; await "$NGINX_GH"; await "$NGINX_STUB"

# Caddy: forward_auth to the stub and to Gatehouse, same upstream.
mkdir -p caddy
gh snippet caddy --host "$host" --upstream "127.0.0.1:$STATIC" --gatehouse "127.0.0.1:$GH" --http-port "$CADDY_GH" > caddy/gatehouse.caddy
sed -e "s#forward_auth 127.0.0.1:$GH#forward_auth 127.0.0.1:$STUB#" -e "s#uri /api/authz/forward-auth#uri /#" \
    -e "s#http://$host:$CADDY_GH#http://$host:$CADDY_STUB#" caddy/gatehouse.caddy > caddy/stub.caddy
{ printf '{\n\tadmin off\n\tauto_https off\n\tstorage file_system %s/caddy/data\n}\n' "$work"; cat caddy/gatehouse.caddy caddy/stub.caddy; } > caddy/Caddyfile
HOME="$work/caddy" XDG_DATA_HOME="$work/caddy" XDG_CONFIG_HOME="$work/caddy" caddy run --config caddy/Caddyfile --adapter caddyfile > caddy/caddy.log 2>&1 &
pids+=($!)
for p in $CADDY_GH $CADDY_STUB; do for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$p/" && break; sleep 0.1; done; done

verify_headers=(-H "X-Forwarded-Proto: http" -H "X-Forwarded-Host: $host" -H "X-Forwarded-Uri: /dashboard" -H "X-Forwarded-Method: GET" -H "Cookie: gatehouse_session=$cookie")
check() { local code; code=$(curl -s -o /dev/null -w '%{http_code}' "$@"); [ "$code" = 200 ] || { echo "setup check failed ($code): $*"; exit 1; }; }
check "${verify_headers[@]}" "http://127.0.0.1:$GH/api/verify"
check -H "Host: $host:$CADDY_GH" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$CADDY_GH/"
check -H "Host: $host:$NGINX_GH" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$NGINX_GH/"

rps() { grep 'Requests/sec' | awk '{print $2}'; }
load() { wrk -t2 -c"$connections" -d"$duration" --latency "$@" > last.txt 2>&1; cat last.txt >> wrk.log; rps < last.txt; }
p99() { awk '$1=="99%"{print $2}' last.txt; }

echo "warming up …"
wrk -t2 -c"$connections" -d5s "${verify_headers[@]}" "http://127.0.0.1:$GH/api/verify" >/dev/null
a=$(load "http://127.0.0.1:$STATIC/")
b=$(load "${verify_headers[@]}" "http://127.0.0.1:$GH/api/verify"); b_p99=$(p99)
c_stub=$(load -H "Host: $host:$CADDY_STUB" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$CADDY_STUB/")
c_gh=$(load -H "Host: $host:$CADDY_GH" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$CADDY_GH/")
d_stub=$(load -H "Host: $host:$NGINX_STUB" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$NGINX_STUB/")
d_gh=$(load -H "Host: $host:$NGINX_GH" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$NGINX_GH/")

# (e) fewer connections until throughput is about half the peak.
half_c=$(( connections / 16 )); [ "$half_c" -ge 2 ] || half_c=2
e=$(wrk -t2 -c"$half_c" -d"$duration" --latency "${verify_headers[@]}" "http://127.0.0.1:$GH/api/verify" | tee last.txt | rps); e_p99=$(p99)
while python3 -c "import sys; sys.exit(0 if float('$e') > 0.6*float('$b') else 1)" && [ "$half_c" -gt 1 ]; do
  half_c=$(( half_c / 2 ))
  e=$(wrk -t1 -c"$half_c" -d"$duration" --latency "${verify_headers[@]}" "http://127.0.0.1:$GH/api/verify" | tee last.txt | rps); e_p99=$(p99)
done

# (f) 100 000 live sessions, each verified at least once (so all are cached), then RSS.
user_id=$(sqlite3 "$work/data/gatehouse.db" "select id from users where username='bench'")
python3 - "$sessions" "$user_id" > sessions.sql 3> tokens.txt <<'PY'
import sys, os, secrets, hashlib, base64, time
n, user = int(sys.argv[1]), sys.argv[2]
now = int(time.time() * 1000)
out = os.fdopen(3, "w")
print("BEGIN;")
for i in range(n):
    token = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    out.write(token + "\n")
    h = hashlib.sha256(token.encode()).hexdigest()
    print(f"INSERT INTO sessions VALUES('{secrets.token_hex(8)}','{h}','{user}',{now},{now},{now+86400000},'pwd','bench','127.0.0.1',NULL);")
print("COMMIT;")
PY
sqlite3 -cmd ".timeout 20000" "$work/data/gatehouse.db" < sessions.sql
stored=$(sqlite3 -cmd ".timeout 20000" "$work/data/gatehouse.db" "select count(*) from sessions")
first=$(head -n 1 tokens.txt)
check "${verify_headers[@]:0:8}" -H "Cookie: gatehouse_session=$first" "http://127.0.0.1:$GH/api/verify"
cat > many.lua <<'LUA'
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
local i = 0
local step = 0
function setup(thread) step = step + 1; thread:set("offset", step) end
function init(args) i = offset or 0 end
function request()
  i = i + 2
  wrk.headers["Cookie"] = "gatehouse_session=" .. tokens[(i % #tokens) + 1]
  return wrk.format("GET", "/api/verify")
end
LUA
TOKENS="$work/tokens.txt" wrk -t2 -c"$connections" -d"${MANY_DURATION:-30s}" -s many.lua \
  -H "X-Forwarded-Proto: http" -H "X-Forwarded-Host: $host" -H "X-Forwarded-Uri: /" -H "X-Forwarded-Method: GET" \
  "http://127.0.0.1:$GH/api/verify" > many.txt
many_rps=$(rps < many.txt)
non2xx=$( (grep -o 'Non-2xx or 3xx responses: [0-9]*' many.txt || true) | awk '{print $NF}'); non2xx=${non2xx:-0}
if [ "$non2xx" != 0 ]; then echo "gatehouse log:"; tail -n 20 gatehouse.log; fi
rss_kb=$(ps -o rss= -p "$gpid" | tr -d ' ')
. "$root/bin/find-jdk.sh"; gatehouse_find_jdk
"$JAVA_HOME/bin/jcmd" "$gpid" GC.run >/dev/null 2>&1 || true
live=$("$JAVA_HOME/bin/jcmd" "$gpid" GC.heap_info 2>/dev/null | awk '/total/ && !/Metaspace|class space/ { for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?/, "", v); s += v } } END { print s + 0 }' || true)

ratio() { python3 -c "print(f'{float($1)/float($2):.2f}')"; }
cat <<REPORT

Forward-auth benchmark ($(nproc) cores, wrk -t2 -c$connections -d$duration, loopback)
(a) nginx static 200                      ${a} req/s
(b) Gatehouse /api/verify (session)       ${b} req/s   p99 ${b_p99} at full load
    (b)/(a)                               $(ratio "$b" "$a")   target >= 0.60
(c) Caddy forward_auth → stub             ${c_stub} req/s
    Caddy forward_auth → Gatehouse        ${c_gh} req/s
    ratio                                 $(ratio "$c_gh" "$c_stub")   target >= 0.90
(d) nginx auth_request → stub             ${d_stub} req/s
    nginx auth_request → Gatehouse        ${d_gh} req/s
    ratio                                 $(ratio "$d_gh" "$d_stub")   target >= 0.90
(e) /api/verify at ${e} req/s ($(ratio "$e" "$b") of peak, -c$half_c): p99 ${e_p99}   target < 2ms
(f) ${stored} live sessions verified (${many_rps} req/s, ${non2xx} non-2xx): Gatehouse RSS $((rss_kb / 1024)) MB   target < 200 MB
    heap in use after a full GC: $(( ${live:-0} / 1024 )) MB
REPORT
