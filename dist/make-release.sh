#!/bin/sh
# Builds target/gatehouse-<version>-linux-x64.tar.gz from target/gatehouse.jar: a trimmed Java runtime
# (jlink), the jar with an AOT cache trained on it, the launcher, the systemd unit and the container
# recipe. `./mvnw package` runs
# it after the jar is shaded (skip with -Dgatehouse.release.skip=true, as ./gatehouse does).
# Usage: dist/make-release.sh VERSION JAVA_HOME
set -eu
version=$1
java_home=$2
root=$(cd "$(dirname "$0")/.." && pwd)
name="gatehouse-$version-linux-x64"
work="$root/target/release"
stage="$work/$name"

# The modules `jdeps --multi-release 25 --ignore-missing-deps --print-module-deps` finds in the jar
# (java.desktop for java.beans, which Jackson and jte use). Re-run it when a dependency changes:
# the release test starts the server from the tarball.
modules=java.base,java.desktop,java.naming,java.net.http,java.security.jgss,java.security.sasl
modules=$modules,java.sql,jdk.jfr,jdk.management,jdk.net,jdk.unsupported

rm -rf "$work"
mkdir -p "$stage/bin" "$stage/lib"
"$java_home/bin/jlink" --add-modules "$modules" --output "$stage/runtime" \
  --strip-debug --no-header-files --no-man-pages --compress=zip-6
cp "$root/target/gatehouse.jar" "$root/bin/jvm.options" "$stage/lib/"
cp "$root/dist/gatehouse" "$stage/bin/gatehouse"
chmod 0755 "$stage/bin/gatehouse"
cp "$root/LICENSE" "$root/CHANGELOG.md" "$root/dist/gatehouse.service" "$root/dist/Dockerfile" \
  "$root/dist/compose.yaml" "$root/dist/Caddyfile" "$stage/"
cp "$root/docs/operations.md" "$stage/OPERATIONS.md"

# JDK 25's ahead-of-time cache (JEP 483/514): classes loaded and linked, method profiles, trained
# by the bundled runtime itself on a short, typical load (portal, discovery, JWKS, sign-in, verify,
# tokens) and written when it stops. It halves the time to ready (bench/RESULTS.md). It is only
# valid for this jar and this runtime; the launcher uses it when present, and a JVM that cannot
# use it starts without it. Needs curl; without it the release simply has no cache.
if command -v curl >/dev/null 2>&1; then
  train="$work/train"
  mkdir -p "$train"
  port=$(( 20000 + $$ % 20000 ))
  secret=train-secret-train-secret-train-secret-01
  printf '%s' "$secret" > "$train/client.secret"
  cat > "$train/gatehouse.yml" <<YAML
data-dir: $train/data
server:
  listen: 127.0.0.1:$port
  public-url: http://localhost:$port
  metrics-listen: "off"
oidc:
  clients:
    - id: train
      secret-file: $train/client.secret
      grant-types: [client_credentials]
      scopes: [api]
      audiences: [https://app.train.test]
access:
  rules:
    - hosts: [app.train.test]
      policy: authenticated
log:
  level: warn
YAML
  java="$stage/runtime/bin/java"
  run_cli() { "$java" @"$stage/lib/jvm.options" -jar "$stage/lib/gatehouse.jar" \
    --config "$train/gatehouse.yml" "$@"; }
  run_cli init >/dev/null
  printf 'train passphrase long enough\n' | run_cli user add train --password-stdin >/dev/null
  "$java" @"$stage/lib/jvm.options" -XX:AOTCacheOutput="$stage/lib/gatehouse.aot" \
    -jar "$stage/lib/gatehouse.jar" --config "$train/gatehouse.yml" serve > "$train/log" 2>&1 &
  pid=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 300); do
    curl -s -o /dev/null -f "$base/readyz" && break
    sleep 0.1
  done
  basic=$(printf 'train:%s' "$secret" | base64 | tr -d '\n')
  for _ in $(seq 1 40); do
    curl -s -o /dev/null "$base/.well-known/openid-configuration"
    curl -s -o /dev/null "$base/.well-known/jwks.json"
    curl -s -o /dev/null -H "Authorization: Basic $basic" -d grant_type=client_credentials \
      "$base/oauth/token"
    rm -f "$train/jar"
    csrf=$(curl -s -c "$train/jar" -b "$train/jar" "$base/login" \
      | grep -o 'name="csrf" value="[^"]*"' | head -n 1 | cut -d'"' -f4)
    curl -s -o /dev/null -c "$train/jar" -b "$train/jar" -H "Origin: http://localhost:$port" \
      --data-urlencode "csrf=$csrf" --data-urlencode username=train \
      --data-urlencode "password=train passphrase long enough" "$base/login"
    cookie=$(awk '$6 ~ /gatehouse_session/ {print $6"="$7}' "$train/jar")
    curl -s -o /dev/null -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: app.train.test" \
      -H "X-Forwarded-Uri: /" -H "X-Forwarded-Method: GET" -H "Cookie: $cookie" "$base/api/verify"
    curl -s -o /dev/null -b "$train/jar" "$base/"
  done
  kill -TERM "$pid"
  wait "$pid" || true
  [ -f "$stage/lib/gatehouse.aot" ] || { echo "no AOT cache was written:"; cat "$train/log"; }
  rm -rf "$train"
fi
tar -C "$work" -czf "$root/target/$name.tar.gz" "$name"
echo "built target/$name.tar.gz"
