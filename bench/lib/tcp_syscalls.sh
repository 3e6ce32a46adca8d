# tcp_syscalls.sh — the system calls of each one-thread proxy of bench/tcp_vs_peers.sh per
# redis GET: `strace -c -f` attached to HAProxy and to faultline while one redis-benchmark
# run (the redis case's) goes through it. strace slows the proxy, so only the counts mean
# something, not the rate. Sourced by tcp_vs_peers.sh after bench_common.sh; uses its
# run_case, pid_of, TMP, PIDS and REDIS_REQUESTS.

# tcp_syscall_table — prints the markdown table.
tcp_syscall_table() {
  echo "### system calls per GET (strace -c -f over redis-benchmark -c 50 -n $REDIS_REQUESTS -t get)"
  echo
  echo "| proxy | GETs | syscalls/GET | failed/GET | the most frequent, per GET (failed) |"
  echo "| --- | ---: | ---: | ---: | --- |"
  local t trace tracer value requests
  for t in haproxy faultline; do
    trace="$TMP/strace-$t.txt"
    timeout -k 5 300 strace -c -f -q -o "$trace" -p "$(pid_of "$t")" &
    tracer=$!
    PIDS+=("$tracer")
    sleep 0.5  # attached
    run_case redis "$t" "$TMP/strace-run-$t.txt"
    kill -INT "$tracer" 2>/dev/null || true
    wait "$tracer" 2>/dev/null || true
    forget_pid "$tracer"
    read -r value _ _ requests <"$TMP/strace-run-$t.txt.fig"
    [[ $value == NA ]] && requests=NA
    # strace -c rows: % time, seconds, usecs/call, calls, [errors,] syscall.
    awk -v t="$t" -v n="$requests" '
      $1 ~ /^[0-9.]+$/ && $NF != "total" { calls[$NF] = $4; failed[$NF] = (NF == 6 ? $5 : 0) }
      $NF == "total" { total = $4; errors = (NF == 6 ? $5 : 0) }
      END {
        if (n == "NA" || n + 0 == 0) { printf "| %s | NA | NA | NA | |\n", t; exit }
        top = ""
        for (k = 0; k < 5; k++) {
          best = ""; for (c in calls) if (best == "" || calls[c] + 0 > calls[best] + 0) best = c
          if (best == "") break
          top = top sprintf("%s%s %.2f", top == "" ? "" : ", ", best, calls[best] / n)
          if (failed[best] + 0 > 0) top = top sprintf(" (%.2f)", failed[best] / n)
          delete calls[best]
        }
        printf "| %s | %d | %.2f | %.2f | %s |\n", t, n, total / n, errors / n, top
      }' "$trace"
  done
  echo
}
