#!/usr/bin/env bash
# Chooses the launcher's JVM options by measurement (issue: "the fast path, measured side by side").
# For each candidate set of options (appended to bin/jvm.options through GATEHOUSE_JAVA_OPTS, so
# later flags win) it starts Gatehouse on its embedded SQLite and records:
#   ready   launch -> discovery 200 (ms)
#   idle    RSS two seconds after ready (MB)
#   verify  /api/verify with a session cookie, wrk -t1 -c16 (req/s)
#   token   client_credentials grants, wrk -t1 -c16 (req/s)
#   loaded  RSS after the load (MB)
# Usage: bench/jvm/run.sh   (DURATION=8s to change each measurement; needs wrk, curl, python3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${DURATION:-8s}
work=$(mktemp -d)
gpid=
stop_server() {
  if [ -n "$gpid" ]; then
    kill -TERM "$gpid" 2>/dev/null || true
    wait "$gpid" 2>/dev/null || true
    gpid=
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool"; exit 1; }
done
# Build the jar once, outside the measurements; the launcher's JDK.
"$root/gatehouse" --version >/dev/null
. "$root/bin/find-jdk.sh"
gatehouse_find_jdk

GH=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
secret=bench-secret-bench-secret-bench-secret-0123
password='bench passphrase long enough'
printf '%s' "$secret" > "$work/client.secret"
cat > "$work/gatehouse.yml" <<YAML
data-dir: $work/data
server:
  listen: 127.0.0.1:$GH
  public-url: http://localhost:$GH
  metrics-listen: "off"
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
basic=$(printf 'bench-client:%s' "$secret" | base64 -w0)
cat > "$work/token.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $basic"
LUA
verify_headers=(-H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: api.bench.test"
  -H "X-Forwarded-Uri: /" -H "X-Forwarded-Method: GET")
rate() { awk '/Requests\/sec/ {printf "%.0f", $2}'; }
rss() { ps -o rss= -p "$gpid" | awk '{printf "%.0f", $1/1024}'; }
now_ms() { date +%s%3N; }

start() { # $1: extra JVM options
  local t0
  t0=$(now_ms)
  # java itself, with the launcher's options (bin/jvm.options) but its -Xshare choice: the AOT
  # cache cannot be combined with -Xshare:off. $1 gives -Xshare for each candidate.
  # shellcheck disable=SC2046,SC2086
  MALLOC_ARENA_MAX=2 "$JAVA_HOME/bin/java" $(grep -v -e '^#' -e '^-Xshare' "$root/bin/jvm.options") \
    $1 -jar "$root/target/gatehouse.jar" --config "$work/gatehouse.yml" serve \
    > "$work/gatehouse.log" 2>&1 &
  gpid=$!
  until curl -s -o /dev/null -f "http://127.0.0.1:$GH/.well-known/openid-configuration"; do
    kill -0 "$gpid" 2>/dev/null || { cat "$work/gatehouse.log"; exit 1; }
    sleep 0.02
  done
  ready=$(( $(now_ms) - t0 ))
}

signin() {
  rm -f "$work/jar"
  curl -s -c "$work/jar" -b "$work/jar" "http://127.0.0.1:$GH/login" > "$work/login.html"
  local csrf
  csrf=$(grep -o 'name="csrf" value="[^"]*"' "$work/login.html" | head -n 1 | cut -d'"' -f4)
  curl -s -c "$work/jar" -b "$work/jar" -o /dev/null -H "Origin: http://localhost:$GH" \
    --data-urlencode "csrf=$csrf" --data-urlencode username=bench \
    --data-urlencode "password=$password" "http://127.0.0.1:$GH/login"
  cookie=$(awk '$6 ~ /gatehouse_session/ {print $6"="$7}' "$work/jar")
}

load() {
  wrk -t1 -c16 -d3s "${verify_headers[@]}" -H "Cookie: $cookie" "http://127.0.0.1:$GH/api/verify" >/dev/null
  verify=$(wrk -t1 -c16 -d"$duration" "${verify_headers[@]}" -H "Cookie: $cookie" \
    "http://127.0.0.1:$GH/api/verify" | rate)
  wrk -t1 -c16 -d3s -s "$work/token.lua" "http://127.0.0.1:$GH/oauth/token" >/dev/null
  token=$(wrk -t1 -c16 -d"$duration" -s "$work/token.lua" "http://127.0.0.1:$GH/oauth/token" | rate)
}

measure() { # $1: name, $2: options
  start "$2"
  sleep 2
  idle=$(rss)
  signin
  load
  loaded=$(rss)
  stop_server
  printf '| %-34s | %6s | %5s | %7s | %6s | %6s |\n' "$1" "$ready" "$idle" "$verify" "$token" "$loaded"
}

echo "| candidate (after bin/jvm.options) | ready ms | idle MB | verify/s | token/s | loaded MB |"
echo "|---|---|---|---|---|---|"
c2="-XX:TieredStopAtLevel=4 -XX:ReservedCodeCacheSize=48m"
measure "C1, no CDS (the default)" "-Xshare:off"
measure "C1, the JDK's CDS archive" "-Xshare:auto"
measure "C2, code cache 48 MB, no CDS" "-Xshare:off $c2"
measure "C2, code cache 48 MB, JDK's CDS" "-Xshare:auto $c2"
# JDK 25's ahead-of-time cache (JEP 483/514/515): a training run under load writes it at exit.
start "$c2 -XX:AOTCacheOutput=$work/gatehouse.aot"
signin
load
stop_server
if [ -f "$work/gatehouse.aot" ]; then
  measure "C2 + AOT cache" "$c2 -XX:AOTCache=$work/gatehouse.aot"
  measure "C1 + AOT cache" "-XX:AOTCache=$work/gatehouse.aot"
else
  echo "(no AOT cache was written: $(tail -n 3 "$work/gatehouse.log"))"
fi
