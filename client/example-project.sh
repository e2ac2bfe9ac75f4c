#!/usr/bin/env bash
# What a database team does on day one, scripted: install the pagestore artifacts into the local Maven repository,
# make a Maven project outside this repository that imports pagestore-bom and depends on pagestore-client alone,
# compile the worker of client/README.md ("A worker, whole") in it, and run that worker against a manager started
# with bin/pagestore. Fails when the example does not compile or run, or when the client pulls in manager code, the
# Disruptor, picocli, Affinity or a logging backend. .ci/run calls it; it takes about a minute once built.
#
#   client/example-project.sh [WORK_DIR]    (default: a new temporary directory, removed at the end)
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
readonly ROOT
JAVA_HOME=$("$ROOT/bin/find-jdk")
export JAVA_HOME
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

if [[ $# -gt 0 ]]; then
  WORK=$1
  mkdir -p "$WORK"
  KEEP=1
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/pagestore-example.XXXXXX")
  KEEP=0
fi
readonly WORK KEEP
MANAGER_PID=
cleanup() {
  if [[ -n $MANAGER_PID ]] && kill -0 "$MANAGER_PID" 2>/dev/null; then
    kill -TERM "$MANAGER_PID" 2>/dev/null || true
    wait "$MANAGER_PID" 2>/dev/null || true
  fi
  if [[ $KEEP == 0 ]]; then
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

step() { echo "example-project: $*" >&2; }

step "installing the artifacts into the local Maven repository"
(cd "$ROOT" && ./mvnw -q install -DskipTests)

VERSION=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -1)
readonly VERSION
APP="$WORK/app"
mkdir -p "$APP/src/main/java"
# The README's Java block that declares Example, as a user would copy it.
awk '/^```java$/ { inside = 1; block = ""; next }
     /^```$/ && inside { inside = 0; if (block ~ /public class Example/) { printf "%s", block; exit } next }
     inside { block = block $0 "\n" }' "$ROOT/client/README.md" > "$APP/src/main/java/Example.java"
if [[ ! -s "$APP/src/main/java/Example.java" ]]; then
  echo "example-project: client/README.md has no \`\`\`java block declaring public class Example" >&2
  exit 1
fi
cat > "$APP/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>worker</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>25</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>dev.pagestore</groupId>
        <artifactId>pagestore-bom</artifactId>
        <version>$VERSION</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>dev.pagestore</groupId>
      <artifactId>pagestore-client</artifactId>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.14.1</version>
      </plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.8.1</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF

step "compiling the README's worker in $APP against pagestore-client"
(cd "$ROOT" && ./mvnw -q -f "$APP/pom.xml" compile dependency:build-classpath -Dmdep.outputFile="$APP/classpath.txt")
CLASSPATH_USED=$(cat "$APP/classpath.txt")
for unwanted in pagestore-wal pagestore-nvme "pagestore/0" pagestore-bench disruptor picocli affinity jna slf4j-simple; do
  if [[ $CLASSPATH_USED == *"$unwanted"* ]]; then
    echo "example-project: pagestore-client pulls in $unwanted: $CLASSPATH_USED" >&2
    exit 1
  fi
done

step "starting a manager on $WORK/store"
"$ROOT/bin/pagestore" manager --dir "$WORK/store" --create --capacity-pages 1024 > "$WORK/manager.log" 2>&1 &
MANAGER_PID=$!
for _ in $(seq 1 600); do
  [[ -S "$WORK/store/manager.sock" ]] && break
  if ! kill -0 "$MANAGER_PID" 2>/dev/null; then
    echo "example-project: the manager exited; its log:" >&2
    cat "$WORK/manager.log" >&2
    exit 1
  fi
  sleep 0.1
done

step "running the worker"
if ! OUTPUT=$(timeout 120 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
    -cp "$APP/target/classes:$CLASSPATH_USED" Example "$WORK/store" 2>&1); then
  echo "$OUTPUT"
  echo "example-project: the worker failed (exit code above)" >&2
  exit 1
fi
echo "$OUTPUT"
if [[ $OUTPUT != *"page 7 starts with 42; read 3 pages; page 9 has 4096 bytes"* ]]; then
  echo "example-project: the worker did not print what the README's example prints" >&2
  exit 1
fi
step "PASS: a project outside the repository used pagestore-client alone"
