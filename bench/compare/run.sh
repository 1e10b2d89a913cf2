#!/usr/bin/env bash
# Gatehouse side by side with its peers, in one run on one machine (issue: "the fast path, measured
# side by side"). Starts nginx and Caddy (Debian's), Gatehouse with the default launcher and, when
# asked, node oidc-provider (the npm package installed in src/test/node), Keycloak (Maven Central's
# distribution) and LemonLDAP::NG's handler (Debian's). Prints one table of figures and the ratios
# the issue sets goals for. Bounded: ~4 min with the defaults (+1 min with oidc-provider, +3 min
# with Keycloak, +1 min with LemonLDAP::NG, + the session import for large SESSIONS).
#
#   bench/compare/run.sh
#   WITH_OIDC_PROVIDER=1 bench/compare/run.sh      # also node oidc-provider (npm ci --prefix src/test/node)
#   DB=postgres bench/compare/run.sh               # Gatehouse on PostgreSQL (127.0.0.1:5432, trust) instead of SQLite
#   SESSIONS=1000000 DISTINCT=100000 DURATION=8s bench/compare/run.sh
#   WITH_KEYCLOAK=1 bench/compare/run.sh           # also Keycloak (Maven Central's distribution, 176 MB,
#                                                  # downloaded once into ~/.cache/gatehouse-bench)
#   WITH_LEMONLDAP=1 bench/compare/run.sh          # also LemonLDAP::NG's handler behind the same nginx
#                                                  # (apt-get install lemonldap-ng-fastcgi-server
#                                                  #  liblemonldap-ng-portal-perl liblemonldap-ng-handler-perl)
set -euo pipefail
umask 077 # its files hold a client secret and passwords; LemonLDAP::NG's own directory is chowned
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${DURATION:-8s}
sessions=${SESSIONS:-1000000}
distinct=${DISTINCT:-100000}
db=${DB:-sqlite}
work=$(mktemp -d)
pids=()
gpid=
pgdb=
llpid=
kcpid=
cleanup() {
  for pid in "${pids[@]}" ${gpid:-} ${llpid:-} ${kcpid:-}; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$pgdb" ]; then psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk nginx caddy sqlite3 curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install wrk nginx caddy sqlite3 curl python3)"; exit 1; }
done
"$root/gatehouse" --version >/dev/null # builds the jar once, outside the measurements
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
await() { for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$1/${2:-}" && return 0; sleep 0.05; done; echo "port $1 did not answer"; exit 1; }
now_ms() { date +%s%3N; }
rss_mb() { ps -o rss= -p "$1" | awk '{printf "%.0f", $1/1024}'; }
ratio() { python3 -c "a,b=float('${1:-0}' or 0),float('${2:-0}' or 0); print(f'{a/b:.2f}' if b else '-')"; }
rate() { awk '/Requests\/sec/ {printf "%.0f", $2}' "$1"; }
p99() { awk '$1=="99%" {print $2}' "$1"; }
run() { # $1: label, then wrk arguments; writes $work/<label>.txt, prints req/s
  local out="$work/$1.txt"; shift
  wrk --latency -d"$duration" "$@" > "$out" 2>&1
  rate "$out"
}

GH=$(port); STATIC=$(port); STUB=$(port); CADDY_STUB=$(port); CADDY_GH=$(port); NGINX_STUB=$(port); NGINX_GH=$(port); OP=$(port)
LL_PORTAL=$(port); LL_APP=$(port); KC=$(port)
host=app.bench.test
password='bench passphrase long enough'
secret=bench-secret-bench-secret-bench-secret-0123
printf '%s' "$secret" > "$work/client.secret"
database_yaml=""
if [ "$db" = postgres ]; then
  pgdb="gatehouse_bench_$$"
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $pgdb" >/dev/null
  database_yaml="database:
  url: jdbc:postgresql://127.0.0.1:5432/$pgdb?user=postgres"
fi
cd "$work"
cat > gatehouse.yml <<YAML
data-dir: $work/data
server:
  listen: 127.0.0.1:$GH
  public-url: http://localhost:$GH
  metrics-listen: "off"
$database_yaml
oidc:
  clients:
$(for c in es:ES256:jwt rs:RS256:jwt ed:EdDSA:jwt ref:ES256:opaque; do IFS=: read -r id alg format <<< "$c"; cat <<CLIENT
    - id: $id
      secret-file: $work/client.secret
      grant-types: [client_credentials]
      scopes: [api]
      audiences: [https://api.bench.test]
      access-token-signing-alg: $alg
      access-token-format: $format
CLIENT
done)
access:
  rules:
    - hosts: [$host, api.bench.test]
      policy: authenticated
log:
  level: warn
YAML
gh() { "$root/gatehouse" --config "$work/gatehouse.yml" "$@"; }
gh init >/dev/null
echo "$password" | gh user add bench --password-stdin >/dev/null

# Gatehouse with the default launcher: ready = launch -> discovery 200; idle RSS 2 s and 10 s later
# (the JIT is still compiling start-up code at 2 s).
t0=$(now_ms)
"$root/gatehouse" --config "$work/gatehouse.yml" serve > gatehouse.log 2>&1 &
gpid=$!  # the launcher execs java, so this is the JVM itself
until curl -s -o /dev/null -f "http://127.0.0.1:$GH/.well-known/openid-configuration"; do
  kill -0 "$gpid" 2>/dev/null || { cat gatehouse.log; exit 1; }
  sleep 0.02
done
gh_ready=$(( $(now_ms) - t0 ))
sleep 2
gh_idle=$(rss_mb "$gpid")
sleep 8
gh_idle10=$(rss_mb "$gpid")

# Sign in through the portal like a browser.
curl -s -c jar -b jar "http://127.0.0.1:$GH/login" > login.html
csrf=$(grep -o 'name="csrf" value="[^"]*"' login.html | head -n 1 | cut -d'"' -f4)
curl -s -c jar -b jar -o /dev/null -H "Origin: http://localhost:$GH" \
  --data-urlencode "csrf=$csrf" --data-urlencode username=bench --data-urlencode "password=$password" \
  "http://127.0.0.1:$GH/login"
cookie=$(awk '$6=="gatehouse_session"{print $7}' jar)
[ -n "$cookie" ] || { echo "sign-in failed"; tail gatehouse.log; exit 1; }

# nginx: static 200, a stub auth server, and auth_request chains to both (the generated snippet).
mkdir -p nginx
gh snippet nginx --host "$host" --upstream "127.0.0.1:$STATIC" --gatehouse "127.0.0.1:$GH" --http-port "$NGINX_GH" > nginx/gatehouse.conf
sed -e "s#server 127.0.0.1:$GH;#server 127.0.0.1:$STUB;#" -e "s#/api/authz/auth-request#/#" -e "s#gatehouse_app_bench_test#stub_app_bench_test#g" \
    -e "s#listen 127.0.0.1:$NGINX_GH#listen 127.0.0.1:$NGINX_STUB#" nginx/gatehouse.conf > nginx/stub.conf
# LemonLDAP::NG, when asked: Debian's FastCGI server (its default 7 processes) holding the handler
# and the portal, behind the same nginx, configured as its documentation does for auth_request (plus
# a keep-alive pool towards it, which only helps it); the Demo back-end's user signs in.
: > nginx/llng.conf
if [ "${WITH_LEMONLDAP:-}" = 1 ]; then
  command -v llng-fastcgi-server >/dev/null || { echo "missing llng-fastcgi-server (apt-get install lemonldap-ng-fastcgi-server liblemonldap-ng-portal-perl liblemonldap-ng-handler-perl)"; exit 1; }
  ll=$work/llng
  mkdir -p "$ll/conf" "$ll/cache" "$ll/sessions/lock" "$ll/psessions/lock" "$ll/notifications"
  sed -e "s#/var/lib/lemonldap-ng/conf#$ll/conf#" -e "s#/var/lib/lemonldap-ng/cache#$ll/cache#" \
    /etc/lemonldap-ng/lemonldap-ng.ini > "$ll/lemonldap-ng.ini"
  python3 - "$ll" "$host" "$LL_PORTAL" > "$ll/conf/lmConf-1.json" <<'PY'
import json, sys
ll, host, portal = sys.argv[1:4]
conf = json.load(open("/var/lib/lemonldap-ng/conf/lmConf-1.json"))
conf["globalStorageOptions"].update(Directory=f"{ll}/sessions", LockDirectory=f"{ll}/sessions/lock")
conf["persistentStorageOptions"].update(Directory=f"{ll}/psessions", LockDirectory=f"{ll}/psessions/lock")
conf["localSessionStorageOptions"]["cache_root"] = f"{ll}/cache"
conf["notificationStorageOptions"]["dirName"] = f"{ll}/notifications"
conf["domain"] = host.split(".", 1)[1]
conf["portal"] = f"http://auth.{conf['domain']}:{portal}/"
conf["locationRules"][host] = {"default": "accept"}
conf["exportedHeaders"][host] = {"Auth-User": "$uid"}
print(json.dumps(conf, indent=1))
PY
  llng_as=()
  if [ "$(id -u)" = 0 ]; then # it refuses to run as root
    chmod 711 "$work"; chown -R www-data:www-data "$ll"; llng_as=(-u www-data -g www-data)
  fi
  LLNG_DEFAULTCONFFILE="$ll/lemonldap-ng.ini" llng-fastcgi-server "${llng_as[@]}" -s "$ll/llng.sock" -p "$ll/llng.pid" > "$ll/fcgi.log" 2>&1
  llpid=$(sed -n 's/.*(pid \([0-9]*\)).*/\1/p' "$ll/fcgi.log")
  [ -n "$llpid" ] || { cat "$ll/fcgi.log"; exit 1; }
  cat > nginx/llng.conf <<NGINX
  upstream llng { server unix:$ll/llng.sock; keepalive 16; }
  server {
    listen 127.0.0.1:$LL_PORTAL;
    root /usr/share/lemonldap-ng/portal/htdocs/;
    if (\$uri !~ ^/((static|javascript|favicon).*|.*\.psgi)) { rewrite ^/(.*)\$ /index.psgi/\$1 break; }
    location ~ ^(?<sc>/.*\.psgi)(?:\$|/) {
      include /etc/nginx/fastcgi_params;
      fastcgi_pass llng;
      fastcgi_param HTTP_HOST \$host;
      fastcgi_param LLTYPE psgi;
      fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
      fastcgi_split_path_info ^(.*\.psgi)(/.*)\$;
      fastcgi_param PATH_INFO \$fastcgi_path_info;
    }
  }
  server {
    listen 127.0.0.1:$LL_APP;
    location = /lmauth {
      internal;
      include /etc/nginx/fastcgi_params;
      fastcgi_pass llng;
      fastcgi_keep_conn on;
      fastcgi_pass_request_body off;
      fastcgi_param CONTENT_LENGTH "";
      fastcgi_param HOST \$http_host;
      fastcgi_param X_ORIGINAL_URI \$original_uri;
    }
    location / {
      set \$original_uri \$uri\$is_args\$args;
      auth_request /lmauth;
      auth_request_set \$lmremote_user \$upstream_http_lm_remote_user;
      auth_request_set \$lmlocation \$upstream_http_location;
      error_page 401 \$lmlocation;
      proxy_set_header Remote-User \$lmremote_user;
      proxy_set_header Host \$host;
      proxy_http_version 1.1;
      proxy_set_header Connection close; # as Gatehouse's snippet does towards the app
      proxy_pass http://127.0.0.1:$STATIC;
    }
  }
NGINX
fi
cat > nginx/nginx.conf <<NGINX
daemon off; master_process off; worker_processes 1; pid $work/nginx/nginx.pid; error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fcgi; uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  server { listen 127.0.0.1:$STATIC; location / { return 200 "ok\n"; } }
  server { listen 127.0.0.1:$STUB; location / { return 200; } }
  include $work/nginx/gatehouse.conf;
  include $work/nginx/stub.conf;
  include $work/nginx/llng.conf;
}
NGINX
nginx -e "$work/nginx/stderr.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)
await "$STATIC"; await "$NGINX_GH"; await "$NGINX_STUB"

# Caddy: forward_auth to the stub and to Gatehouse (the generated snippet), same upstream.
mkdir -p caddy
gh snippet caddy --host "$host" --upstream "127.0.0.1:$STATIC" --gatehouse "127.0.0.1:$GH" --http-port "$CADDY_GH" > caddy/gatehouse.caddy
sed -e "s#forward_auth 127.0.0.1:$GH#forward_auth 127.0.0.1:$STUB#" -e "s#uri /api/authz/forward-auth#uri /#" \
    -e "s#http://$host:$CADDY_GH#http://$host:$CADDY_STUB#" caddy/gatehouse.caddy > caddy/stub.caddy
{ printf '{\n\tadmin off\n\tauto_https off\n\tstorage file_system %s/caddy/data\n}\n' "$work"; cat caddy/gatehouse.caddy caddy/stub.caddy; } > caddy/Caddyfile
HOME="$work/caddy" XDG_DATA_HOME="$work/caddy" XDG_CONFIG_HOME="$work/caddy" caddy run --config caddy/Caddyfile --adapter caddyfile > caddy/caddy.log 2>&1 &
pids+=($!)
for p in $CADDY_GH $CADDY_STUB; do for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$p/" && break; sleep 0.1; done; done

verify_headers=(-H "X-Forwarded-Proto: http" -H "X-Forwarded-Host: $host" -H "X-Forwarded-Uri: /dashboard" -H "X-Forwarded-Method: GET")
check() { local code; code=$(curl -s -o /dev/null -w '%{http_code}' "$@"); [ "$code" = 200 ] || { echo "setup check failed ($code): $*"; exit 1; }; }
check "${verify_headers[@]}" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$GH/api/verify"
check -H "Host: $host:$CADDY_GH" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$CADDY_GH/"
check -H "Host: $host:$NGINX_GH" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$NGINX_GH/"
llcookie=
if [ "${WITH_LEMONLDAP:-}" = 1 ]; then
  await "$LL_APP"
  lltoken=$(curl -s "http://127.0.0.1:$LL_PORTAL/" | grep -o 'name="token" value="[^"]*"' | cut -d'"' -f4)
  llcookie=$(curl -s -H "Accept: application/json" --data-urlencode "token=$lltoken" -d "user=dwho&password=dwho" \
    "http://127.0.0.1:$LL_PORTAL/" | python3 -c 'import json,sys;print(json.load(sys.stdin).get("id",""))')
  [ -n "$llcookie" ] || { echo "LemonLDAP::NG sign-in failed"; cat "$ll/fcgi.log"; exit 1; }
  check -H "Host: $host:$LL_APP" -H "Cookie: lemonldap=$llcookie" "http://127.0.0.1:$LL_APP/"
  wrk -t1 -c16 -d3s -H "Host: $host:$LL_APP" -H "Cookie: lemonldap=$llcookie" "http://127.0.0.1:$LL_APP/" >/dev/null
fi

echo "warming up …" >&2
wrk -t2 -c64 -d5s "${verify_headers[@]}" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$GH/api/verify" >/dev/null

declare -A r
for load in "t1 c16" "t2 c64"; do
  read -r t c <<< "$load"
  l="-${t} -${c}"; key="${t}${c}"
  # shellcheck disable=SC2086
  {
    r[nginx_$key]=$(run "nginx_$key" $l "http://127.0.0.1:$STATIC/")
    r[verify_$key]=$(run "verify_$key" $l "${verify_headers[@]}" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$GH/api/verify")
    r[nstub_$key]=$(run "nstub_$key" $l -H "Host: $host:$NGINX_STUB" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$NGINX_STUB/")
    r[ngh_$key]=$(run "ngh_$key" $l -H "Host: $host:$NGINX_GH" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$NGINX_GH/")
    r[cstub_$key]=$(run "cstub_$key" $l -H "Host: $host:$CADDY_STUB" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$CADDY_STUB/")
    r[cgh_$key]=$(run "cgh_$key" $l -H "Host: $host:$CADDY_GH" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$CADDY_GH/")
    if [ -n "$llcookie" ]; then
      r[llng_$key]=$(run "llng_$key" $l -H "Host: $host:$LL_APP" -H "Cookie: lemonldap=$llcookie" "http://127.0.0.1:$LL_APP/")
    fi
  }
done

# Tokens: client_credentials per format and algorithm, at 16 connections and at 1.
basic() { printf '%s:%s' "$1" "$secret" | base64 -w0; }
token_lua() { # $1: file, $2: Authorization value
  cat > "$1" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "$2"
LUA
}
for id in es rs ed ref; do
  token_lua "$work/gh_$id.lua" "Basic $(basic "$id")"
  check -X POST -H "Authorization: Basic $(basic "$id")" -d grant_type=client_credentials "http://127.0.0.1:$GH/oauth/token"
  wrk -t1 -c16 -d6s -s "$work/gh_$id.lua" "http://127.0.0.1:$GH/oauth/token" >/dev/null
  r[gh_tok_$id]=$(run "gh_tok_$id" -t1 -c16 -s "$work/gh_$id.lua" "http://127.0.0.1:$GH/oauth/token")
  r[gh_tok1_$id]=$(run "gh_tok1_$id" -t1 -c1 -s "$work/gh_$id.lua" "http://127.0.0.1:$GH/oauth/token")
done
# An opaque token at forward-auth (looked up, nothing to verify).
opaque=$(curl -s -H "Authorization: Basic $(basic ref)" -d grant_type=client_credentials "http://127.0.0.1:$GH/oauth/token" | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')
check -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: api.bench.test" -H "X-Forwarded-Uri: /" -H "X-Forwarded-Method: GET" -H "Authorization: Bearer $opaque" "http://127.0.0.1:$GH/api/verify"
r[verify_opaque]=$(run verify_opaque -t1 -c16 -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: api.bench.test" -H "X-Forwarded-Uri: /" -H "X-Forwarded-Method: GET" -H "Authorization: Bearer $opaque" "http://127.0.0.1:$GH/api/verify")

# Password sign-ins (Argon2id at the configured parameters), one core's worth of concurrency.
curl -s -c jar2 -b jar2 "http://127.0.0.1:$GH/login" > login2.html
csrf2=$(grep -o 'name="csrf" value="[^"]*"' login2.html | head -n 1 | cut -d'"' -f4)
cat > "$work/login.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Origin"] = "http://localhost:$GH"
wrk.headers["Cookie"] = "$(sed 's/^#HttpOnly_//' jar2 | awk '!/^#/ && NF>=7 {printf "%s=%s; ", $6, $7}')"
wrk.body = "csrf=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "$csrf2")&username=bench&password=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "$password")"
LUA
r[signin]=$(run signin -t1 -c2 -s "$work/login.lua" "http://127.0.0.1:$GH/login")
signin_bad=$( (grep -o 'Non-2xx or 3xx responses: [0-9]*' "$work/signin.txt" || true) | awk '{print $NF}')
# Verify while sign-ins run beside it: the collector's pauses from hashing show in its p99.
wrk -t1 -c2 -d10s -s "$work/login.lua" "http://127.0.0.1:$GH/login" > "$work/signin_mixed.txt" &
mixed=$!
sleep 1
wrk --latency -t1 -c16 -d8s "${verify_headers[@]}" -H "Cookie: gatehouse_session=$cookie" "http://127.0.0.1:$GH/api/verify" > "$work/verify_mixed.txt"
wait "$mixed"

gh_loaded=$(rss_mb "$gpid")

# Cold cache: distinct session cookies over many live sessions, each last seen 5 minutes ago (so
# the first use of each records activity), at 1 000 live sessions and at $sessions.
insert_sessions() { # $1: how many; writes tokens.txt
  local user_id now
  if [ "$db" = postgres ]; then
    user_id=$(psql -qtA -h 127.0.0.1 -U postgres -d "$pgdb" -c "select id from users where username='bench'")
  else
    user_id=$(sqlite3 "$work/data/gatehouse.db" "select id from users where username='bench'")
  fi
  now=$(now_ms)
  python3 - "$1" "$user_id" "$now" > sessions.csv 3> tokens.txt <<'PY'
import sys, os, secrets, hashlib, base64
n, user, now = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
out = os.fdopen(3, "w")
seen = now - 5 * 60 * 1000
for i in range(n):
    token = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    out.write(token + "\n")
    h = hashlib.sha256(token.encode()).hexdigest()
    print(f"{secrets.token_hex(8)},{h},{user},{seen},{seen},{now+86400000},pwd,bench,127.0.0.1")
PY
  local columns="id,token_hash,user_id,created_at,last_seen_at,expires_at,amr,user_agent,client_address"
  if [ "$db" = postgres ]; then
    psql -q -h 127.0.0.1 -U postgres -d "$pgdb" -c "\\copy sessions($columns) FROM '$work/sessions.csv' CSV"
  else
    sqlite3 -cmd ".timeout 20000" "$work/data/gatehouse.db" \
      "CREATE TEMP TABLE s($columns); " ".mode csv" ".import $work/sessions.csv s" \
      "INSERT INTO sessions($columns) SELECT * FROM s;"
  fi
}
cat > "$work/many.lua" <<'LUA'
local tokens = {}
local limit = tonumber(os.getenv("DISTINCT"))
for line in io.lines(os.getenv("TOKENS")) do
  if #tokens >= limit then break end
  tokens[#tokens + 1] = line
end
local i = 0
function request()
  i = i + 1
  wrk.headers["Cookie"] = "gatehouse_session=" .. tokens[(i % #tokens) + 1]
  return wrk.format("GET", "/api/verify")
end
LUA
cold() { # $1: label, $2: live sessions, $3: distinct cookies
  insert_sessions "$2"
  check -H "X-Forwarded-Proto: http" -H "X-Forwarded-Host: $host" -H "X-Forwarded-Uri: /" -H "X-Forwarded-Method: GET" \
    -H "Cookie: gatehouse_session=$(head -n 1 tokens.txt)" "http://127.0.0.1:$GH/api/verify"
  # Each distinct cookie used once during the run: the cache never helps.
  DISTINCT=$3 TOKENS="$work/tokens.txt" wrk --latency -t1 -c16 -d"$duration" -s many.lua \
    -H "X-Forwarded-Proto: http" -H "X-Forwarded-Host: $host" -H "X-Forwarded-Uri: /" -H "X-Forwarded-Method: GET" \
    "http://127.0.0.1:$GH/api/verify" > "$work/$1.txt"
  r[$1]=$(rate "$work/$1.txt")
  r[${1}_p99]=$(p99 "$work/$1.txt")
  r[${1}_bad]=$( (grep -o 'Non-2xx or 3xx responses: [0-9]*' "$work/$1.txt" || true) | awk '{print $NF}')
}
cold cold_small 1000 1000
cold cold_large "$sessions" "$distinct"
gh_after_cold=$(rss_mb "$gpid")

# node oidc-provider, when asked: the same grant at the same algorithm or format.
op_line=""
if [ "${WITH_OIDC_PROVIDER:-}" = 1 ]; then
  [ -d "$root/src/test/node/node_modules/oidc-provider" ] || { echo "run npm ci --prefix src/test/node"; exit 1; }
  ln -s "$root/src/test/node/node_modules" "$work/node_modules"
  cp "$here/op.mjs" "$work/op.mjs"
  for mode in ES256:jwt RS256:jwt EdDSA:jwt ES256:opaque; do
    IFS=: read -r alg format <<< "$mode"
    t0=$(now_ms)
    node "$work/op.mjs" "$OP" "$alg" "$format" "$secret" > "$work/op.log" 2>&1 &
    opid=$!
    until curl -s -o /dev/null -f "http://127.0.0.1:$OP/.well-known/openid-configuration"; do
      kill -0 "$opid" 2>/dev/null || { cat "$work/op.log"; exit 1; }
      sleep 0.02
    done
    [ "$mode" = ES256:jwt ] && { op_ready=$(( $(now_ms) - t0 )); sleep 2; op_idle=$(rss_mb "$opid"); }
    token_lua "$work/op.lua" "Basic $(basic bench)"
    check -X POST -H "Authorization: Basic $(basic bench)" -d grant_type=client_credentials "http://127.0.0.1:$OP/token"
    wrk -t1 -c16 -d6s -s "$work/op.lua" "http://127.0.0.1:$OP/token" >/dev/null
    r[op_tok_$alg$format]=$(run "op_tok_$alg$format" -t1 -c16 -s "$work/op.lua" "http://127.0.0.1:$OP/token")
    r[op_tok1_$alg$format]=$(run "op_tok1_$alg$format" -t1 -c1 -s "$work/op.lua" "http://127.0.0.1:$OP/token")
    [ "$mode" = ES256:jwt ] && op_loaded=$(rss_mb "$opid")
    kill "$opid"; wait "$opid" 2>/dev/null || true
  done
  op_line=yes
fi

# Keycloak, when asked: Maven Central's distribution (downloaded once, checked against Central's
# SHA-1), production mode with its defaults (embedded H2 file database, local caches, its own heap
# sizing), on the JDK the launcher finds. One realm with ES256, RS256 and EdDSA keys, a confidential
# client per algorithm, and a user for the password grant (Keycloak's default Argon2id: m=7 MiB,
# t=5). Ready = launch -> the realm's discovery 200; its first start also builds the distribution.
if [ "${WITH_KEYCLOAK:-}" = 1 ]; then
  kc_version=${KEYCLOAK_VERSION:-26.7.3}
  cache=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse-bench}
  kc_home=$cache/keycloak-$kc_version
  mkdir -p "$cache"
  # What is cached is run later (as root, perhaps): only from a directory nobody else can write.
  if [ ! -O "$cache" ] || [ -n "$(find "$cache" -maxdepth 0 -perm /022)" ]; then
    echo "$cache must be owned by $(id -un) and writable by nobody else"; exit 1
  fi
  if [ ! -x "$kc_home/bin/kc.sh" ]; then
    echo "downloading Keycloak $kc_version …" >&2
    url=https://repo.maven.apache.org/maven2/org/keycloak/keycloak-quarkus-dist/$kc_version/keycloak-quarkus-dist-$kc_version.tar.gz
    curl -sSfL -o "$cache/keycloak.tar.gz.part" "$url"
    # Central's checksum catches a damaged download; HTTPS to Central is what vouches for it.
    echo "$(curl -sSfL "$url.sha1")  $cache/keycloak.tar.gz.part" | sha1sum -c --quiet
    tar xzf "$cache/keycloak.tar.gz.part" -C "$cache"
    rm "$cache/keycloak.tar.gz.part"
  fi
  rm -rf "$kc_home/data" # a new database every run
  kc_admin=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  printf '%s' "$kc_admin" > "$work/keycloak.admin" # read by curl, so it is not on a command line
  t0=$(now_ms)
  (
    # shellcheck source=../../bin/find-jdk.sh
    . "$root/bin/find-jdk.sh"
    gatehouse_find_jdk
    KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=$kc_admin exec "$kc_home/bin/kc.sh" start \
      --http-enabled=true --http-host=127.0.0.1 --http-port="$KC" --hostname-strict=false --cache=local
  ) > "$work/keycloak.log" 2>&1 &
  kcpid=$!
  until curl -s -o /dev/null -f "http://127.0.0.1:$KC/realms/master/.well-known/openid-configuration"; do
    kill -0 "$kcpid" 2>/dev/null || { tail -n 30 "$work/keycloak.log"; exit 1; }
    [ $(( $(now_ms) - t0 )) -lt 300000 ] || { echo "Keycloak did not start in 5 min"; tail -n 30 "$work/keycloak.log"; exit 1; }
    sleep 0.2
  done
  kc_ready=$(( $(now_ms) - t0 ))
  kcjava=$(pgrep -n -f "kc.home.dir=$kc_home" || echo "$kcpid")
  kcpid="$kcpid $kcjava"
  sleep 2
  kc_idle=$(rss_mb "$kcjava")
  admin_token=$(curl -sf -d grant_type=password -d client_id=admin-cli -d username=admin --data-urlencode "password@$work/keycloak.admin" \
    "http://127.0.0.1:$KC/realms/master/protocol/openid-connect/token" | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')
  python3 - "$secret" "$password" > "$work/realm.json" <<'PY'
import json, sys
secret, password = sys.argv[1:3]
def key(name, provider, **config):
    return {"name": name, "providerId": provider,
            "config": {"priority": ["100"], **{k: [v] for k, v in config.items()}}}
clients = [{"clientId": cid, "enabled": True, "publicClient": False, "secret": secret,
            "clientAuthenticatorType": "client-secret", "standardFlowEnabled": False,
            "serviceAccountsEnabled": grant == "client_credentials",
            "directAccessGrantsEnabled": grant == "password",
            "attributes": {"access.token.signed.response.alg": alg}}
           for cid, alg, grant in [("es", "ES256", "client_credentials"), ("rs", "RS256", "client_credentials"),
                                   ("ed", "EdDSA", "client_credentials"), ("pw", "ES256", "password")]]
print(json.dumps({
    "realm": "bench", "enabled": True, "clients": clients,
    "users": [{"username": "bench", "enabled": True, "email": "bench@bench.test", "emailVerified": True,
               "firstName": "Bench", "lastName": "User",
               "credentials": [{"type": "password", "value": password, "temporary": False}]}],
    "components": {"org.keycloak.keys.KeyProvider": [
        key("rsa", "rsa-generated", keySize="2048"),
        key("ecdsa", "ecdsa-generated", ecdsaEllipticCurveKey="P-256"),
        key("eddsa", "eddsa-generated", eddsaEllipticCurveKey="Ed25519"),
        key("hmac", "hmac-generated", algorithm="HS512"),
        key("aes", "aes-generated")]}}))
PY
  curl -sf -o /dev/null -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
    --data-binary @"$work/realm.json" "http://127.0.0.1:$KC/admin/realms"
  kc_token=http://127.0.0.1:$KC/realms/bench/protocol/openid-connect/token
  warm=15s # Keycloak's JIT needs longer than Gatehouse's before its rate settles
  for id in es rs ed; do
    token_lua "$work/kc_$id.lua" "Basic $(basic "$id")"
    check -X POST -H "Authorization: Basic $(basic "$id")" -d grant_type=client_credentials "$kc_token"
    wrk -t1 -c16 -d"$warm" -s "$work/kc_$id.lua" "$kc_token" >/dev/null
    warm=6s
    r[kc_tok_$id]=$(run "kc_tok_$id" -t1 -c16 -s "$work/kc_$id.lua" "$kc_token")
    r[kc_tok1_$id]=$(run "kc_tok1_$id" -t1 -c1 -s "$work/kc_$id.lua" "$kc_token")
  done
  cat > "$work/kc_pw.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=password&username=bench&password=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "$password")"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $(basic pw)"
LUA
  check -X POST -H "Authorization: Basic $(basic pw)" -d grant_type=password -d username=bench --data-urlencode "password=$password" "$kc_token"
  wrk -t1 -c2 -d5s -s "$work/kc_pw.lua" "$kc_token" >/dev/null
  r[kc_signin]=$(run kc_signin -t1 -c2 -s "$work/kc_pw.lua" "$kc_token")
  kc_signin_bad=$( (grep -o 'Non-2xx or 3xx responses: [0-9]*' "$work/kc_signin.txt" || true) | awk '{print $NF}')
  kc_loaded=$(rss_mb "$kcjava")
  # shellcheck disable=SC2086
  kill $kcpid 2>/dev/null || true
  for pid in $kcpid; do wait "$pid" 2>/dev/null || true; done
  kcpid=
fi

sum() { python3 -c "print(sum(float(x) for x in '$*'.split()))"; }
cat <<REPORT

Gatehouse side by side ($(nproc) cores shared by everything; loopback; wrk -d$duration; default launcher; $db)
$(java_version=$("$root/gatehouse" --version 2>/dev/null | head -n 1); echo "$java_version")

| measure | -t1 -c16 | -t2 -c64 | goal |
|---|---|---|---|
| nginx \`return 200\` | ${r[nginx_t1c16]} | ${r[nginx_t2c64]} | |
| Gatehouse \`/api/verify\` (session cookie) | ${r[verify_t1c16]} (p99 $(p99 "$work/verify_t1c16.txt")) | ${r[verify_t2c64]} (p99 $(p99 "$work/verify_t2c64.txt")) | |
| verify ÷ nginx | **$(ratio "${r[verify_t1c16]}" "${r[nginx_t1c16]}")** | **$(ratio "${r[verify_t2c64]}" "${r[nginx_t2c64]}")** | ≥ 0.6 |
| nginx \`auth_request\` → stub / → Gatehouse | ${r[nstub_t1c16]} / ${r[ngh_t1c16]} | ${r[nstub_t2c64]} / ${r[ngh_t2c64]} | |
| nginx chain ratio | **$(ratio "${r[ngh_t1c16]}" "${r[nstub_t1c16]}")** | **$(ratio "${r[ngh_t2c64]}" "${r[nstub_t2c64]}")** | ≥ 0.9 |
| Caddy \`forward_auth\` → stub / → Gatehouse | ${r[cstub_t1c16]} / ${r[cgh_t1c16]} | ${r[cstub_t2c64]} / ${r[cgh_t2c64]} | |
| Caddy chain ratio | **$(ratio "${r[cgh_t1c16]}" "${r[cstub_t1c16]}")** | **$(ratio "${r[cgh_t2c64]}" "${r[cstub_t2c64]}")** | ≥ 0.9 |
| nginx \`auth_request\` → LemonLDAP::NG handler | ${r[llng_t1c16]:--} | ${r[llng_t2c64]:--} | |
| nginx chain ÷ LemonLDAP::NG chain | **$(ratio "${r[ngh_t1c16]}" "${r[llng_t1c16]:-0}")** | **$(ratio "${r[ngh_t2c64]}" "${r[llng_t2c64]:-0}")** | ≥ 10 |
| verify with an opaque access token | ${r[verify_opaque]} | | |

| cold cache (-t1 -c16) | req/s | p99 | non-2xx | goal |
|---|---|---|---|---|
| 1 000 distinct cookies over 1 000 live sessions | ${r[cold_small]} | ${r[cold_small_p99]} | ${r[cold_small_bad]:-0} | |
| $distinct distinct cookies over $sessions live sessions | **${r[cold_large]}** | **${r[cold_large_p99]}** | ${r[cold_large_bad]:-0} | ≥ 5 000/s, p99 ≤ 10 ms, flat ±20 % |

| client_credentials | Gatehouse -c16 | Gatehouse -c1 | oidc-provider -c16 | oidc-provider -c1 | ratio -c16 / -c1 | goal |
|---|---|---|---|---|---|---|
| JWT ES256 | ${r[gh_tok_es]} | ${r[gh_tok1_es]} | ${r[op_tok_ES256jwt]:--} | ${r[op_tok1_ES256jwt]:--} | $(ratio "${r[gh_tok_es]}" "${r[op_tok_ES256jwt]:-0}") / $(ratio "${r[gh_tok1_es]}" "${r[op_tok1_ES256jwt]:-0}") | ≥ 2 / ≥ 2 |
| JWT RS256 | ${r[gh_tok_rs]} | ${r[gh_tok1_rs]} | ${r[op_tok_RS256jwt]:--} | ${r[op_tok1_RS256jwt]:--} | $(ratio "${r[gh_tok_rs]}" "${r[op_tok_RS256jwt]:-0}") / $(ratio "${r[gh_tok1_rs]}" "${r[op_tok1_RS256jwt]:-0}") | |
| JWT EdDSA | ${r[gh_tok_ed]} | ${r[gh_tok1_ed]} | ${r[op_tok_EdDSAjwt]:--} | ${r[op_tok1_EdDSAjwt]:--} | $(ratio "${r[gh_tok_ed]}" "${r[op_tok_EdDSAjwt]:-0}") / $(ratio "${r[gh_tok1_ed]}" "${r[op_tok1_EdDSAjwt]:-0}") | |
| opaque | ${r[gh_tok_ref]} | ${r[gh_tok1_ref]} | ${r[op_tok_ES256opaque]:--} | ${r[op_tok1_ES256opaque]:--} | $(ratio "${r[gh_tok_ref]}" "${r[op_tok_ES256opaque]:-0}") / $(ratio "${r[gh_tok1_ref]}" "${r[op_tok1_ES256opaque]:-0}") | |

| client_credentials | Gatehouse -c16 | Gatehouse -c1 | Keycloak -c16 | Keycloak -c1 | ratio -c16 / -c1 | goal |
|---|---|---|---|---|---|---|
$(for a in es:ES256 rs:RS256 ed:EdDSA; do IFS=: read -r id alg <<< "$a"; echo "| JWT $alg | ${r[gh_tok_$id]} | ${r[gh_tok1_$id]} | ${r[kc_tok_$id]:--} | ${r[kc_tok1_$id]:--} | $(ratio "${r[gh_tok_$id]}" "${r[kc_tok_$id]:-0}") / $(ratio "${r[gh_tok1_$id]}" "${r[kc_tok1_$id]:-0}") | ≥ 5 |"; done)

| process | ready | idle RSS | RSS after load | goal |
|---|---|---|---|---|
| Gatehouse | ${gh_ready} ms | ${gh_idle} MB (10 s after ready: ${gh_idle10} MB) | ${gh_loaded} MB (after the cold-cache run: ${gh_after_cold} MB) | ≤ 1 s, ≤ 90 MB, ≤ 150 MB |
| oidc-provider | ${op_ready:--} ms | ${op_idle:--} MB | ${op_loaded:--} MB | |
| Keycloak | ${kc_ready:--} ms | ${kc_idle:--} MB | ${kc_loaded:--} MB | |

Password sign-ins (POST /login, Argon2id as configured, -t1 -c2): ${r[signin]}/s ($((${signin_bad:-0})) non-2xx/3xx)
Verify (-t1 -c16) while sign-ins run beside it (-t1 -c2): $(rate "$work/verify_mixed.txt")/s, p99 $(p99 "$work/verify_mixed.txt") (sign-ins meanwhile $(rate "$work/signin_mixed.txt")/s)
Keycloak's password grant (Argon2id as it defaults, -t1 -c2): ${r[kc_signin]:--}/s ($((${kc_signin_bad:-0})) non-2xx/3xx); ratio **$(ratio "${r[signin]}" "${r[kc_signin]:-0}")** (goal ≥ 1)
REPORT
