#!/bin/sh
# Builds target/gatehouse-<version>-linux-x64.tar.gz from target/gatehouse.jar: a trimmed Java runtime
# (jlink), the jar, the launcher, the systemd unit and the container recipe. `./mvnw package` runs
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
tar -C "$work" -czf "$root/target/$name.tar.gz" "$name"
echo "built target/$name.tar.gz"
