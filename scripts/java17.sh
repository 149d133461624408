# Sourced by the scripts: Karaf 4.4 needs Java 17 (Java 25 cannot run it); pick it when the default differs.
java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
if [ -z "${JAVA_HOME:-}" ] || [ "$(java_major "$JAVA_HOME/bin/java")" != 17 ]; then
  if [ "$(java_major java)" = 17 ]; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  else
    for d in /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/temurin-17-* /usr/lib/jvm/*17*; do
      if [ -x "$d/bin/java" ]; then JAVA_HOME=$d; break; fi
    done
  fi
fi
if [ -z "${JAVA_HOME:-}" ] || [ "$(java_major "$JAVA_HOME/bin/java")" != 17 ]; then
  echo "meter2mqtt needs Java 17 (apt-get install openjdk-17-jdk-headless)" >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
