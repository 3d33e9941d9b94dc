#!/usr/bin/env bash
# bench/run.sh [--quick] [--list] [suite...]
#
# Builds the benchmarks (bench/pom.xml, into bench/target: the library's sources and bench/java, apart
# from the library's own build and its target/), then runs the suites and prints a table and one
# RESULT line per figure. See BENCHMARKS.md. Needs a JDK 21+ (found by bin/with-jdk) and python3;
# the service suites also wrk (installed if missing) and node.
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")

# Nothing of the caller's shell may change what is measured: options the JVM, Maven, the library or
# CPython would pick up from the environment are dropped here, and the runner starts every peer with a
# minimal environment of its own.
unset JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS _JAVA_OPTIONS MAVEN_OPTS MAVEN_ARGS CLASSPATH \
  ASYNCIO_COROUTINES PYTHONASYNCIODEBUG PYTHONDEVMODE PYTHONOPTIMIZE PYTHONPATH PYTHONHOME \
  PYTHONMALLOC PYTHONTRACEMALLOC PYTHONWARNINGS

java_major() { # prints the major version of the JDK at $1, or nothing
  local v
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  echo "${v%%.*}"
}

pick_python() { # python3 on PATH, else the usual places; the interpreter itself, not a wrapper (pyenv's shim)
  local c
  for c in "$(command -v python3 || true)" /usr/bin/python3 /usr/local/bin/python3; do
    if [ -n "$c" ] && [ -x "$c" ] && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 8))' 2>/dev/null; then
      "$c" -c 'import sys; print(sys.executable)'; return
    fi
  done
}

jdk=$("$root/bin/with-jdk") || exit 1
python=$(pick_python)
if [ -z "$python" ]; then
  echo "bench: error: no python3 (3.8 or later) found on PATH, /usr/bin or /usr/local/bin: the CPython peer needs it" >&2
  exit 1
fi
export JAVA_HOME="$jdk"
export PATH="$JAVA_HOME/bin:$PATH"

# the library's dependency versions, so the benchmarks build against what the library builds against
prop() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$root/pom.xml" | head -1; }
versions=()
for p in vertx.version slf4j.version logback.version; do
  v=$(prop "$p")
  if [ -n "$v" ]; then versions+=("-D$p=$v"); fi
done

echo "bench: JDK $JAVA_HOME ($("$JAVA_HOME/bin/java" -version 2>&1 | head -1)); $("$python" --version 2>&1) at $python" >&2
echo "bench: building bench/target (./mvnw -f bench/pom.xml compile)" >&2
if ! "$root/mvnw" -B -q -f "$bench/pom.xml" "${versions[@]}" compile >"$bench/target-build.log" 2>&1; then
  cat "$bench/target-build.log" >&2
  echo "bench: error: the build failed (above)" >&2
  exit 1
fi
rm -f "$bench/target-build.log"

# The service suites (http, pending, sse, webhooks; all of them in a full run; soak, parked, latency and like when named) measure the packaged service,
# target/vertx-asyncio.jar, built here from this tree by the project's own build (tests skipped), and drive
# it with wrk (installed from Debian's packages if missing) and Node.js (the Node peer).
service=yes
for a in "$@"; do
  case "$a" in
    --quick) ;;
    --list|--help|-h) service=no; break ;;
    service|http|latency|like|stores|cluster|pending|parked|sse|webhooks|soak) service=yes; break ;;
    *) service=no ;;
  esac
done
if [ "$service" = yes ]; then
  if ! command -v wrk >/dev/null; then
    echo "bench: installing wrk (apt-get install wrk)" >&2
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >"$bench/target/apt.log" 2>&1; then
      cat "$bench/target/apt.log" >&2
      echo "bench: error: wrk is missing and could not be installed (Debian: apt-get install wrk)" >&2
      exit 1
    fi
  fi
  if ! command -v node >/dev/null; then
    echo "bench: error: no node on PATH: the service suites' Node.js peer needs Node.js (18 or later)" >&2
    exit 1
  fi
  echo "bench: building target/vertx-asyncio.jar (./mvnw package -DskipTests) for the service suites" >&2
  if ! (cd "$root" && ./mvnw -B -q package -DskipTests) >"$bench/target/service-build.log" 2>&1; then
    cat "$bench/target/service-build.log" >&2
    echo "bench: error: the service's build failed (above)" >&2
    exit 1
  fi
fi

cp="$bench/target/classes:$(cat "$bench/target/classpath.txt")"
runner_flags=(-Xmx1g)
# JMH's harness runs in the runner's JVM and uses sun.misc.Unsafe: JDK 24+ would warn on stderr for nothing
if [ "$(java_major "$JAVA_HOME")" -ge 24 ]; then runner_flags+=(--sun-misc-unsafe-memory-access=allow); fi
exec "$JAVA_HOME/bin/java" "${runner_flags[@]}" -cp "$cp" \
  -Dbench.root="$root" -Dbench.java="$JAVA_HOME/bin/java" -Dbench.python="$python" -Dbench.classpath="$cp" \
  org.vertxasyncio.bench.Runner "$@"
