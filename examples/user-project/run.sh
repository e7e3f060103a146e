#!/usr/bin/env bash
# The user's project, as CI runs it: installs the library (no tests), builds this project against the
# installed artifact, checks that its runtime dependencies are JOT alone, then runs its checks on the
# class path and on the module path, each with and without the Vector API module.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jdk=$("$root/bin/find-jdk")
export JAVA_HOME="$jdk"
export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow ${MAVEN_OPTS:-}"
java="$jdk/bin/java"
echo "== user project: mvn install (the library, without its tests)"
(cd "$root" && mvn -B -ntp -q install -DskipTests -Dmaven.javadoc.skip=true)
echo "== user project: build against dev.jot:jot:0.2.0"
(cd "$here" && mvn -B -ntp -q package dependency:list -DincludeScope=runtime -DoutputFile=target/runtime-deps.txt \
  dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile=target/classpath.txt)
deps=$(grep -E '^ +[^ ]+:[^ ]+:' "$here/target/runtime-deps.txt" | sed 's/^ *//' || true)
echo "   runtime dependencies: $deps"
if [ "$(echo "$deps" | grep -vc '^dev.jot:jot:jar:0.2.0')" != 0 ]; then
  echo "user project: FAILED: runtime dependencies beyond dev.jot:jot: $deps"; echo "user-project: 0 passed, 1 failed"; exit 1
fi
cp=$(cat "$here/target/classpath.txt")
app="$here/target/jot-user-project.jar"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
run() { # $1 = label, then the java arguments
  local label=$1; shift
  if (cd "$work" && "$java" "$@" 2>"$work/err.txt"); then :; else
    cat "$work/err.txt"; echo "user project: FAILED ($label)"; echo "user-project: 0 passed, 1 failed"; exit 1
  fi
}
run "class path, vector" --add-modules jdk.incubator.vector -cp "$app:$cp" dev.jot.user.Main vector "class path"
run "class path, scalar" -cp "$app:$cp" dev.jot.user.Main scalar "class path"
run "module path, vector" --add-modules jdk.incubator.vector -p "$app:$cp" -m dev.jot.user/dev.jot.user.Main vector "module path"
run "module path, scalar" -p "$app:$cp" -m dev.jot.user/dev.jot.user.Main scalar "module path"
echo "user-project: 4 passed, 0 failed"
