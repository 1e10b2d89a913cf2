# Sourced by ./gatehouse and ./mvnw: exports JAVA_HOME pointing at a JDK >= 21.
# Looks at JAVA_HOME, then the java on PATH, then /usr/lib/jvm/* (newest first).
# shellcheck shell=sh
gatehouse_java_major() {
  # The JDK's release file says it without starting a JVM (~60 ms each); asking java is the fallback.
  major=$(sed -n 's/^JAVA_VERSION="\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' "$1/release" 2>/dev/null | head -n 1)
  if [ -n "$major" ]; then
    echo "$major"
    return
  fi
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}
gatehouse_find_jdk() {
  for candidate in "${JAVA_HOME:-}" \
      "$(command -v javac >/dev/null 2>&1 && dirname "$(dirname "$(readlink -f "$(command -v javac)")")")" \
      $(find /usr/lib/jvm -mindepth 1 -maxdepth 1 2>/dev/null | sort -V -r); do
    candidate=${candidate%/}
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(gatehouse_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      JAVA_HOME=$candidate
      export JAVA_HOME
      return 0
    fi
  done
  echo "gatehouse: no JDK >= 21 found (looked at JAVA_HOME, PATH and /usr/lib/jvm/*); install one, e.g. apt-get install openjdk-21-jdk-headless" >&2
  return 1
}
