# shellcheck shell=bash
# Finds a JDK 21 or newer for ./tandem and .ci/run. Source this file, then call
# tandem_require_java_home: it exports JAVA_HOME, or explains on stderr and returns 1.
#
# Looks, in order, at: $JAVA_HOME; the `java` on PATH; the newest JDK under /usr/lib/jvm/* and
# /Library/Java/JavaVirtualMachines/*/Contents/Home. A JDK has both bin/java and bin/javac (the build
# needs the compiler). Safe under `set -euo pipefail`.

TANDEM_MIN_JAVA=21

# Prints the major version of the java binary $1 (8 for 1.8.0_402, 21 for 21.0.5); nothing if unknown.
tandem_java_major() {
    local version
    version=$("$1" -version 2>&1 | sed -n 's/^.* version "\([^"]*\)".*$/\1/p' | head -n 1) || true
    case "$version" in
        1.*) version=${version#1.} ;;
    esac
    version=${version%%[!0-9]*}
    if [ -n "$version" ]; then
        printf '%s\n' "$version"
    fi
}

# Succeeds when $1 is the home of a JDK 21 or newer.
tandem_is_jdk() {
    local major
    [ -n "$1" ] && [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
    major=$(tandem_java_major "$1/bin/java") || return 1
    [ -n "$major" ] && [ "$major" -ge "$TANDEM_MIN_JAVA" ]
}

# Prints the home of a JDK 21 or newer; fails, printing nothing, when there is none.
tandem_find_java_home() {
    local home candidate major best="" best_major=0
    if [ -n "${JAVA_HOME:-}" ] && tandem_is_jdk "$JAVA_HOME"; then
        printf '%s\n' "$JAVA_HOME"
        return 0
    fi
    if command -v java >/dev/null 2>&1; then
        home=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.home = //p' | head -n 1) || true
        if tandem_is_jdk "$home"; then
            printf '%s\n' "$home"
            return 0
        fi
    fi
    for candidate in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
        if [ -d "$candidate" ] && tandem_is_jdk "$candidate"; then
            major=$(tandem_java_major "$candidate/bin/java")
            if [ "$major" -gt "$best_major" ]; then
                best=$candidate
                best_major=$major
            fi
        fi
    done
    if [ -n "$best" ]; then
        printf '%s\n' "$best"
        return 0
    fi
    return 1
}

# Exports JAVA_HOME as a JDK 21 or newer, or says what is missing and fails.
tandem_require_java_home() {
    local home
    if home=$(tandem_find_java_home); then
        if [ -n "${JAVA_HOME:-}" ] && [ "$JAVA_HOME" != "$home" ]; then
            echo "note: JAVA_HOME=$JAVA_HOME is not a JDK ${TANDEM_MIN_JAVA}+; using $home" >&2
        fi
        export JAVA_HOME="$home"
        return 0
    fi
    {
        echo "error: tandem needs a JDK ${TANDEM_MIN_JAVA} or newer (bin/java and bin/javac), and found none."
        echo "  looked at: JAVA_HOME=${JAVA_HOME:-<unset>}; the java on PATH ($(command -v java || echo none));"
        echo "  /usr/lib/jvm/* and /Library/Java/JavaVirtualMachines/*/Contents/Home"
        echo "  Install one (for example Eclipse Temurin ${TANDEM_MIN_JAVA}: https://adoptium.net) and set JAVA_HOME to it."
    } >&2
    return 1
}
