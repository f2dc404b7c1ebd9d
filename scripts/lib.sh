# shellcheck shell=bash
# Shared helpers for georeg's scripts (scripts/test, scripts/demo, bin/georeg).
# Source it; it defines functions only and changes nothing by itself.
#
#   pick_jdk          sets JAVA_HOME/PATH to a JDK >= 21 (JAVA_HOME if new enough, else the
#                     newest under /usr/lib/jvm), or fails saying how to install one
#   ensure_packages   installs the named Debian packages that are missing (apt-get update once)
#   ensure_postgres   installs and starts PostgreSQL, creates role georeg/georeg and exports
#                     GEOREG_TEST_DATABASE_URL

GEOREG_MIN_JAVA=21

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

pick_jdk() {
  local home
  home=$(find_jdk) || true
  [[ -n "$home" ]] || die "georeg needs a JDK >= $GEOREG_MIN_JAVA. None found in JAVA_HOME or under /usr/lib/jvm. Install one, e.g. 'apt-get install openjdk-21-jdk' (or a Temurin 21+ package), or set JAVA_HOME to it."
  export JAVA_HOME=$home
  export PATH="$JAVA_HOME/bin:$PATH"
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
  log "PostgreSQL ready at 127.0.0.1:$port (role georeg)"
}
