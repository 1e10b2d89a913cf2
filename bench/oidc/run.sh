#!/usr/bin/env bash
# OIDC load benchmark (loopback only; bounded in time). Needs Debian's wrk, curl and python3.
# Measures, against a Gatehouse started by the launcher on its embedded SQLite:
#   (a) client_credentials grants per second (POST /oauth/token, client_secret_basic)
#   (b) discovery requests per second, (c) JWKS requests per second
#   (d) /api/verify with a bearer access token vs (e) with a session cookie (ratio d/e)
# Usage: bench/oidc/run.sh   (DURATION=10s CONNECTIONS=64 to change the load;
#        GATEHOUSE_JAVA_OPTS=-XX:TieredStopAtLevel=4 for the C2 compiler)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${DURATION:-10s}
connections=${CONNECTIONS:-64}
work=$(mktemp -d)
cleanup() {
  # The launcher may run java as its child (when it had to build the jar first): end both.
  [ -n "${gpid:-}" ] && { pkill -P "$gpid" 2>/dev/null || true; kill "$gpid" 2>/dev/null || true; }
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install wrk curl python3)"; exit 1; }
done
GH=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
secret=bench-secret-bench-secret-bench-secret-0123
password='bench passphrase long enough'
printf '%s' "$secret" > "$work/client.secret"
cat > "$work/gatehouse.yml" <<YAML
data-dir: $work/data
server:
  listen: 127.0.0.1:$GH
  public-url: http://localhost:$GH
oidc:
  clients:
    - id: bench-client
      secret-file: $work/client.secret
      grant-types: [client_credentials]
      scopes: [api]
      audiences: [https://api.bench.test]
access:
  rules:
    - hosts: [api.bench.test]
      policy: authenticated
log:
  level: warn
YAML
gh() { "$root/gatehouse" --config "$work/gatehouse.yml" "$@"; }
gh init >/dev/null
echo "$password" | gh user add bench --password-stdin >/dev/null
gh serve > "$work/gatehouse.log" 2>&1 &
gpid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$GH/healthz" && break; sleep 0.1; done

basic=$(printf 'bench-client:%s' "$secret" | base64 -w0)
token=$(curl -s -H "Authorization: Basic $basic" -d grant_type=client_credentials \
  "http://127.0.0.1:$GH/oauth/token" | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')
curl -s -c "$work/jar" -b "$work/jar" "http://127.0.0.1:$GH/login" > "$work/login.html"
csrf=$(grep -o 'name="csrf" value="[^"]*"' "$work/login.html" | head -n 1 | cut -d'"' -f4)
curl -s -c "$work/jar" -b "$work/jar" -o /dev/null -H "Origin: http://localhost:$GH" \
  --data-urlencode "csrf=$csrf" --data-urlencode username=bench --data-urlencode "password=$password" \
  "http://127.0.0.1:$GH/login"
cookie=$(awk '$6 ~ /gatehouse_session/ {print $6"="$7}' "$work/jar")

cat > "$work/token.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $basic"
LUA
verify_headers=(-H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: api.bench.test"
  -H "X-Forwarded-Uri: /" -H "X-Forwarded-Method: GET")

rate() { awk '/Requests\/sec/ {print $2}'; }
warm() { wrk -t2 -c"$connections" -d3s "$@" > /dev/null; }
run() { wrk -t2 -c"$connections" -d"$duration" --latency "$@"; }

# Sanity: each endpoint answers 200 before it is measured.
for check in \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Basic $basic" -d grant_type=client_credentials "http://127.0.0.1:$GH/oauth/token")" \
  "$(curl -s -o /dev/null -w '%{http_code}' "${verify_headers[@]}" -H "Authorization: Bearer $token" "http://127.0.0.1:$GH/api/verify")" \
  "$(curl -s -o /dev/null -w '%{http_code}' "${verify_headers[@]}" -H "Cookie: $cookie" "http://127.0.0.1:$GH/api/verify")"; do
  [ "$check" = 200 ] || { echo "an endpoint answered $check, not 200"; cat "$work/gatehouse.log"; exit 1; }
done

warm -s "$work/token.lua" "http://127.0.0.1:$GH/oauth/token"
cc=$(run -s "$work/token.lua" "http://127.0.0.1:$GH/oauth/token" | tee "$work/cc.txt" | rate)
warm "http://127.0.0.1:$GH/.well-known/openid-configuration"
disco=$(run "http://127.0.0.1:$GH/.well-known/openid-configuration" | rate)
jwks=$(run "http://127.0.0.1:$GH/.well-known/jwks.json" | rate)
warm "${verify_headers[@]}" -H "Authorization: Bearer $token" "http://127.0.0.1:$GH/api/verify"
bearer=$(run "${verify_headers[@]}" -H "Authorization: Bearer $token" "http://127.0.0.1:$GH/api/verify" | rate)
warm "${verify_headers[@]}" -H "Cookie: $cookie" "http://127.0.0.1:$GH/api/verify"
session=$(run "${verify_headers[@]}" -H "Cookie: $cookie" "http://127.0.0.1:$GH/api/verify" | rate)
rows=$(sqlite3 "$work/data/gatehouse.db" 'select count(*) from oauth_access_tokens' 2>/dev/null || echo "?")
jvm=$(pgrep -P "$gpid" java || echo "$gpid")
rss=$(ps -o rss= -p "$jvm" | awk '{printf "%.0f", $1/1024}')

echo
echo "client_credentials grants/s : $cc   (target >= 5000; $rows token records stored)"
grep -E "Latency|99%" "$work/cc.txt" | sed 's/^/    /'
echo "discovery requests/s        : $disco   (target >= 50000)"
echo "JWKS requests/s             : $jwks   (target >= 50000)"
echo "verify, bearer token /s     : $bearer"
echo "verify, session cookie /s   : $session"
python3 -c "print('bearer / cookie             : %.2f   (target >= 0.80)' % ($bearer/$session))"
echo "Gatehouse RSS after the run : ${rss} MB"
