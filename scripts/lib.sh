# shellcheck shell=bash
# Shared helpers for georeg's scripts (scripts/test, scripts/demo, scripts/setup-database, bin/georeg).
# Source it; it defines functions only and changes nothing by itself.
#
#   pick_jdk            sets JAVA_HOME/PATH to a JDK >= 21 (JAVA_HOME if new enough, else the
#                       newest under /usr/lib/jvm), or fails saying how to install one
#   pick_jdk_for_maven  pick_jdk, then adds to MAVEN_OPTS the optional JVM options that JDK knows
#   ensure_packages     installs the named Debian packages that are missing (apt-get update once)
#   ensure_postgres     installs and starts PostgreSQL, creates role georeg/georeg and exports
#                       GEOREG_TEST_DATABASE_URL
#   ensure_database     creates the named database (owner georeg) unless it exists

GEOREG_MIN_JAVA=21

# JVM options wanted only where the JDK knows them. JDK 23 and later warn when a library calls the
# memory-access methods of sun.misc.Unsafe (Maven's own Guava does, at every build); this option
# silences that, but JDK 21 and 22 do not know it and refuse to start with it. So the scripts that
# run Maven add each option only after the picked JDK has started with it (pick_jdk_for_maven).
# georeg itself makes no such call (bin/georeg passes none of them).
GEOREG_OPTIONAL_JVM_OPTS=(--sun-misc-unsafe-memory-access=allow)

log() { printf '%s %s\n' "[georeg]" "$*" >&2; }
die() { printf '%s %s\n' "[georeg] error:" "$*" >&2; exit 1; }

# Prints the feature version (e.g. 21, 25) of the java binary $1, or nothing.
java_feature_version() {
  local v
  v=$("$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')
  v=${v%%.*}
  [[ "$v" =~ ^[0-9]+$ ]] && printf '%s\n' "$v"
}

# Prints a JAVA_HOME of a JDK >= 21, or nothing.
find_jdk() {
  local v
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    v=$(java_feature_version "$JAVA_HOME/bin/java")
    if [[ -n "$v" && "$v" -ge $GEOREG_MIN_JAVA ]]; then printf '%s\n' "$JAVA_HOME"; return; fi
  fi
  local best="" best_v=0 home
  for home in /usr/lib/jvm/*/; do
    home=${home%/}
    [[ -x "$home/bin/java" && -x "$home/bin/javac" ]] || continue
    v=$(java_feature_version "$home/bin/java")
    if [[ -n "$v" && "$v" -ge $GEOREG_MIN_JAVA && "$v" -gt $best_v ]]; then best=$home; best_v=$v; fi
  done
  [[ -n "$best" ]] && printf '%s\n' "$best"
}

# Prints, space-separated, those of GEOREG_OPTIONAL_JVM_OPTS that the java binary $1 starts with.
jvm_options_for() {
  local known=() option
  for option in "${GEOREG_OPTIONAL_JVM_OPTS[@]}"; do
    "$1" "$option" -version >/dev/null 2>&1 && known+=("$option")
  done
  printf '%s\n' "${known[*]}"
}

pick_jdk() {
  local home
  home=$(find_jdk) || true
  [[ -n "$home" ]] || die "georeg needs a JDK >= $GEOREG_MIN_JAVA. None found in JAVA_HOME or under /usr/lib/jvm. Install one, e.g. 'apt-get install openjdk-21-jdk' (or a Temurin 21+ package), or set JAVA_HOME to it."
  export JAVA_HOME=$home
  export PATH="$JAVA_HOME/bin:$PATH"
}

pick_jdk_for_maven() {
  pick_jdk
  local option
  for option in $(jvm_options_for "$JAVA_HOME/bin/java"); do
    [[ " ${MAVEN_OPTS:-} " == *" $option "* ]] || MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }$option"
  done
  export MAVEN_OPTS="${MAVEN_OPTS:-}"
}

_GEOREG_APT_UPDATED=""
# ensure_packages pkg... : installs only what dpkg does not report as installed.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  log "installing missing packages: ${missing[*]}"
  if [[ -z "$_GEOREG_APT_UPDATED" ]]; then
    $sudo apt-get update -qq || die "apt-get update failed"
    _GEOREG_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || die "could not install ${missing[*]} with apt-get"
}

# Runs a command as the postgres OS user.
_as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then
    if command -v runuser >/dev/null; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  else
    sudo -u postgres "$@"
  fi
}

_pg_reachable() {
  PGPASSWORD=georeg PGCONNECT_TIMEOUT=2 psql -h 127.0.0.1 -p "${GEOREG_PG_PORT:-5432}" -U georeg -d postgres -Atqc 'select 1' >/dev/null 2>&1
}

# ensure_postgres: PostgreSQL reachable on 127.0.0.1:5432 with role georeg/georeg, and
# GEOREG_TEST_DATABASE_URL exported. A server named by GEOREG_TEST_DATABASE_URL already is left alone.
ensure_postgres() {
  if [[ -n "${GEOREG_TEST_DATABASE_URL:-}" ]]; then
    log "using PostgreSQL from GEOREG_TEST_DATABASE_URL"
    return 0
  fi
  local port=${GEOREG_PG_PORT:-5432}
  export GEOREG_TEST_DATABASE_URL="jdbc:postgresql://127.0.0.1:${port}/postgres?user=georeg&password=georeg"
  if _pg_reachable; then return 0; fi
  ensure_packages postgresql postgresql-client
  local clusters
  clusters=$(pg_lsclusters -h 2>/dev/null || true)
  if [[ -z "$clusters" ]]; then
    local ver
    ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tail -1)
    [[ -n "$ver" ]] || die "postgresql is installed but no server version is under /usr/lib/postgresql"
    log "creating PostgreSQL $ver cluster 'main'"
    pg_createcluster "$ver" main -p "$port" >/dev/null || die "pg_createcluster $ver main failed"
    clusters=$(pg_lsclusters -h)
  fi
  local ver name status
  while read -r ver name _ status _; do
    [[ -n "$ver" ]] || continue
    if [[ "$status" != online* ]]; then
      log "starting PostgreSQL cluster $ver/$name"
      pg_ctlcluster "$ver" "$name" start || die "pg_ctlcluster $ver $name start failed; see /var/log/postgresql/"
    fi
  done <<<"$clusters"
  local i
  for i in $(seq 1 60); do
    if _as_postgres psql -p "$port" -Atqc 'select 1' >/dev/null 2>&1; then break; fi
    [[ $i -eq 60 ]] && die "PostgreSQL did not accept connections on port $port within 60 s"
    sleep 1
  done
  _as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -qc "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'georeg') THEN
        CREATE ROLE georeg LOGIN SUPERUSER PASSWORD 'georeg';
      ELSE
        ALTER ROLE georeg LOGIN SUPERUSER PASSWORD 'georeg';
      END IF; END \$\$;" >/dev/null || die "could not create role georeg"
  _pg_reachable || die "PostgreSQL runs but georeg/georeg cannot log in over TCP at 127.0.0.1:$port (check pg_hba.conf allows md5/scram for 127.0.0.1)"
  _ensure_pg_connections "$port"
  log "PostgreSQL ready at 127.0.0.1:$port (role georeg)"
}

# The suite runs many components at once, each with its own pool and LISTEN connections, and
# every test its own database: Debian's default of 100 connections is too few for it. Raised
# only on a cluster this script started, which is restarted once for the setting to apply.
GEOREG_PG_MIN_CONNECTIONS=${GEOREG_PG_MIN_CONNECTIONS:-400}
_ensure_pg_connections() {
  local port=$1 current
  current=$(_as_postgres psql -p "$port" -Atqc 'show max_connections') || die "could not read max_connections"
  if (( current >= GEOREG_PG_MIN_CONNECTIONS )); then return 0; fi
  log "raising PostgreSQL max_connections from $current to $GEOREG_PG_MIN_CONNECTIONS"
  _as_postgres psql -p "$port" -qc "ALTER SYSTEM SET max_connections = $GEOREG_PG_MIN_CONNECTIONS" >/dev/null \
    || die "could not set max_connections"
  local ver name
  while read -r ver name _; do
    [[ -n "$ver" ]] && pg_ctlcluster "$ver" "$name" restart || true
  done < <(pg_lsclusters -h 2>/dev/null | awk -v p="$port" '$3 == p')
  local i
  for i in $(seq 1 60); do
    _pg_reachable && return 0
    sleep 1
  done
  die "PostgreSQL did not come back within 60 s after raising max_connections"
}

# fresh_database NAME: drops database NAME and creates it anew, owned by georeg (the demo's site B
# starts from nothing). Refuses while anything is connected to it: a DROP ... WITH (FORCE) ended the
# sessions of a georeg still running on it (a `scripts/demo --keep` left open elsewhere), whose pool
# reconnected to the new database of the same name, and its replicator then took half of the new
# site's work items and read them from its own, other primary: images of the new demo silently not
# replicated.
fresh_database() {
  local name=$1 port=${GEOREG_PG_PORT:-5432} users
  [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "fresh_database: '$name' is not a plain lower-case database name"
  users=$(PGPASSWORD=georeg psql -h 127.0.0.1 -p "$port" -U georeg -d postgres -v ON_ERROR_STOP=1 -Atqc \
      "SELECT count(*) || ' connection(s): ' || string_agg(DISTINCT coalesce(nullif(application_name, ''), 'unnamed client'), ', ')
         FROM pg_stat_activity WHERE datname = '$name' HAVING count(*) > 0") \
    || die "could not ask PostgreSQL on 127.0.0.1:$port who uses database $name"
  [[ -z "$users" ]] || die "database $name is in use ($users): another scripts/demo --keep or georeg serve runs on it;" \
    "stop it first (Ctrl-C where it runs; running georeg processes: $(pgrep -d ' ' -f 'georeg.jar serve' || echo none))"
  PGPASSWORD=georeg psql -h 127.0.0.1 -p "$port" -U georeg -d postgres -v ON_ERROR_STOP=1 -qc "DROP DATABASE IF EXISTS $name" >/dev/null \
    && PGPASSWORD=georeg psql -h 127.0.0.1 -p "$port" -U georeg -d postgres -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $name" >/dev/null \
    || die "could not create database $name anew"
}

# ensure_database NAME: creates database NAME owned by georeg on the server ensure_postgres set up,
# unless it exists (georeg's embedded defaults name the database "georeg").
ensure_database() {
  local name=$1 port=${GEOREG_PG_PORT:-5432}
  [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "ensure_database: '$name' is not a plain lower-case database name"
  if [[ -z $(PGPASSWORD=georeg psql -h 127.0.0.1 -p "$port" -U georeg -d postgres -Atqc \
      "SELECT 1 FROM pg_database WHERE datname = '$name'") ]]; then
    PGPASSWORD=georeg psql -h 127.0.0.1 -p "$port" -U georeg -d postgres -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $name" >/dev/null \
      || die "could not create database $name"
    log "created database $name"
  fi
}
