# shellcheck shell=bash
# Shared pieces of georeg's benchmarks: free ports, waiting for servers, CPU accounting of a
# process tree, and wrk/hey runs parsed into one result line. Source it after scripts/lib.sh.
#
# A result line is: "<req/s> <p50 ms> <p99 ms> <cpu ms per request> <MB/s>".

# A benchmark never ends silently: a failing command (its output often sent to a file or
# /dev/null) stops the script with the script, line and command that failed.
set -E
trap 'bench_failed $? "$LINENO" "$BASH_COMMAND"' ERR
bench_failed() {
  printf '[georeg] error: %s line %s: "%s" failed (exit %s)\n' "${0##*/}" "$2" "$3" "$1" >&2
}

BENCH_DURATION=${BENCH_DURATION:-10}
BENCH_WARMUP=${BENCH_WARMUP:-3}
BENCH_THREADS=${BENCH_THREADS:-2}

free_port() {
  python3 - <<'PY' 2>/dev/null || $JAVA_HOME/bin/jshell -q <<<'System.out.println(new java.net.ServerSocket(0).getLocalPort()); /exit'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

# wait_http URL SECONDS [LOG]: polls until the URL answers with any HTTP status; on time-out
# shows the end of the server's LOG, if given.
wait_http() {
  local url=$1 deadline=$((SECONDS + ${2:-30})) logfile=${3:-}
  until curl -s -o /dev/null "$url"; do
    if [[ $SECONDS -ge $deadline ]]; then
      [[ -z "$logfile" ]] || tail -30 "$logfile" >&2
      die "$url did not answer within ${2:-30} s"
    fi
    sleep 0.2
  done
}

# cpu_ticks PID...: user+system clock ticks of the processes and their live children.
cpu_ticks() {
  local total=0 pid kids p ticks
  for pid in "$@"; do
    kids=$(ps --ppid "$pid" -o pid= 2>/dev/null | tr '\n' ' ' || true)  # ps fails when there are none
    for p in $pid $kids; do
      # fields 14 and 15 (utime, stime) after the ')' that ends the command name; a child that
      # ended since ps listed it (a database backend) counts no more
      ticks=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}' || true)
      [[ -z "$ticks" ]] || total=$((total + ticks))
    done
  done
  echo "$total"
}

# pg_backends_of PID...: the PostgreSQL backends (pids) serving the processes' own connections to
# 127.0.0.1:5432 — matched by the client port of each connection, so other clients' backends
# (other benchmarks, tests) are not counted. Connections opened after the call are not either:
# call it once the process has warmed up (its pools filled).
pg_backends_of() {
  local ports
  ports=$(for pid in "$@"; do
            ss -Htnp state established '( dport = :5432 )' 2>/dev/null \
              | awk -v p="pid=$pid," 'index($0, p) { n = split($3, a, ":"); print a[n] }'
          done | paste -sd, -)
  [[ -n "$ports" ]] || return 0
  PGPASSWORD=georeg psql -h 127.0.0.1 -U georeg -d postgres -Atqc \
    "SELECT pid FROM pg_stat_activity WHERE client_addr = '127.0.0.1' AND client_port IN ($ports)" | tr '\n' ' '
}

# to_ms VALUE: wrk/hey latency text (e.g. 512.00us, 1.23ms, 2.1s) to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else printf "%.3f", v * 1000 }'
}

# bench_wrk CONNECTIONS URL PID... : a GET load; prints a result line. BENCH_WRK_SCRIPT names an
# optional wrk Lua script (e.g. one that sets an Accept header).
bench_wrk() {
  local conns=$1 url=$2; shift 2
  local script=()
  [[ -z "${BENCH_WRK_SCRIPT:-}" ]] || script=(-s "$BENCH_WRK_SCRIPT")
  wrk -t"$BENCH_THREADS" -c"$conns" -d"${BENCH_WARMUP}s" "${script[@]}" "$url" >/dev/null 2>&1
  local before after out
  before=$(cpu_ticks "$@")
  out=$(wrk -t"$BENCH_THREADS" -c"$conns" -d"${BENCH_DURATION}s" --latency "${script[@]}" "$url" 2>&1)
  after=$(cpu_ticks "$@")
  local rps reqs p50 p99 bytes non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
  [[ -z "$non2xx" ]] || { log "wrk saw $non2xx non-2xx answers from $url"; echo "ERR ERR ERR ERR ERR"; return; }
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  bytes=$(awk '/^Transfer\/sec:/ {print $2}' <<<"$out")
  echo "$rps $p50 $p99 $(cpu_per_request "$before" "$after" "$reqs") $(to_mbps "$bytes")"
}

# bench_hey_head CONNECTIONS URL PID... : a HEAD load (wrk 4.1 cannot send HEAD).
bench_hey_head() {
  local conns=$1 url=$2; shift 2
  hey -z "${BENCH_WARMUP}s" -c "$conns" -m HEAD "$url" >/dev/null 2>&1
  local before after out
  before=$(cpu_ticks "$@")
  out=$(hey -z "${BENCH_DURATION}s" -c "$conns" -m HEAD "$url" 2>&1)
  after=$(cpu_ticks "$@")
  local rps reqs p50 p99 bad
  rps=$(awk '/Requests\/sec:/ {print $2}' <<<"$out")
  reqs=$(awk '/\[200\]/ {print $2}' <<<"$out")
  bad=$(grep -E '^\s+\[[0-9]+\]' <<<"$out" | grep -v '\[200\]' || true)
  [[ -z "$bad" && -n "$reqs" ]] || { log "hey saw non-200 answers from $url: $bad"; echo "ERR ERR ERR ERR ERR"; return; }
  p50=$(awk '/50% in/ {print $3}' <<<"$out")
  p99=$(awk '/99% in/ {print $3}' <<<"$out")
  echo "$rps $(awk -v s="$p50" 'BEGIN{printf "%.3f", s*1000}') $(awk -v s="$p99" 'BEGIN{printf "%.3f", s*1000}') $(cpu_per_request "$before" "$after" "$reqs") -"
}

# bench_stream URL PID...: one large GET at a time, three times; prints the best MB/s.
bench_stream() {
  local url=$1; shift
  local best=0 i speed
  for i in 1 2 3; do
    speed=$(curl -s -o /dev/null -w '%{speed_download}' "$url")
    best=$(awk -v a="$best" -v b="$speed" 'BEGIN{print (b > a) ? b : a}')
  done
  echo "- - - - $(awk -v b="$best" 'BEGIN{printf "%.0f", b / 1000000}')"
}

# cpu_per_request TICKS_BEFORE TICKS_AFTER REQUESTS: milliseconds of CPU per request, or "-" when the
# request count is not a plain positive number (a load tool's output that was not understood must
# not print as a figure: a 2026-12-06 sitting printed "inf" here).
cpu_per_request() {
  local ticks_per_s
  ticks_per_s=$(getconf CLK_TCK)
  awk -v b="$1" -v a="$2" -v n="$3" -v hz="$ticks_per_s" \
    'BEGIN { if (n ~ /^[0-9]+$/ && n + 0 > 0) printf "%.3f", (a - b) * 1000 / hz / n; else print "-" }'
}

# to_mbps: wrk's Transfer/sec (e.g. 1.02GB, 512.3MB, 80KB) to MB/s.
to_mbps() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /GB$/) { sub(/GB$/, "", v); printf "%.0f", v * 1073.741824 }
    else if (v ~ /MB$/) { sub(/MB$/, "", v); printf "%.0f", v * 1.048576 }
    else if (v ~ /KB$/) { sub(/KB$/, "", v); printf "%.1f", v * 0.001024 }
    else printf "%.3f", v / 1000000 }'
}

# bench_build WORK: builds georeg's jar (when app/target/georeg.jar is missing, or BENCH_REBUILD is
# set) and the testkit, inside the reactor (nothing is installed into the local Maven repository,
# which other checkouts share), copies the jar to WORK/georeg.jar (a rebuild during the run must
# not swap classes under a running server) and writes the corpus generator's class path to
# WORK/testkit.cp. Maven's output goes to app/target/bench-build.log and is shown when it fails.
bench_build() {
  local work=$1 modules=testkit log=app/target/bench-build.log
  if [[ ! -f app/target/georeg.jar || -n "${BENCH_REBUILD:-}" ]]; then
    log "building georeg"
    modules=app,testkit
  fi
  mkdir -p app/target
  if ! mvn -B -DskipTests -pl "$modules" -am package dependency:build-classpath \
      -Dmdep.outputFile=target/bench.classpath </dev/null >"$log" 2>&1; then
    grep -E '^\[ERROR\]' "$log" | head -20 >&2 || tail -30 "$log" >&2
    die "building georeg failed (Maven needs a JDK >= 21 and Maven Central or a complete local repository); full log: $log"
  fi
  [[ -f app/target/georeg.jar ]] || die "the build left no app/target/georeg.jar; see $log"
  cp app/target/georeg.jar "$work/georeg.jar"
  echo "testkit/target/classes:$(cat testkit/target/bench.classpath)" >"$work/testkit.cp"
}
