# tcp_summary.sh — the summary tables of bench/tcp_vs_peers.sh, from its per-round file $RAW
# (tab-separated: case, target, round, value, p50 or average, p99, proxy CPU). Sourced by it
# after bench_common.sh; uses its CASES, DELAY, DELAY_MS and targets_of.

# med CASE TARGET COLUMN — median over rounds (4 value, 5 p50 or average, 6 p99, 7 CPU)
med() { awk -F'\t' -v k="$1" -v t="$2" -v c="$3" '$1 == k && $2 == t { print $c }' "$RAW" | median; }
# med_diff CASE A B COLUMN — the median over rounds of (A - B) within each round
med_diff() {
  awk -F'\t' -v k="$1" -v a="$2" -v b="$3" -v c="$4" '$1 == k && $2 == a { x[$3] = $c } $1 == k && $2 == b { y[$3] = $c }
    END { for (r in x) if ((r in y) && x[r] != "NA" && y[r] != "NA") print x[r] - y[r] }' "$RAW" | median
}
# med_ratio CASE A B COLUMN — the median over rounds of A / B within each round (a round's
# targets ran back to back, so their ratio is less disturbed by the machine than medians are)
med_ratio() {
  awk -F'\t' -v k="$1" -v a="$2" -v b="$3" -v c="$4" '$1 == k && $2 == a { x[$3] = $c } $1 == k && $2 == b { y[$3] = $c }
    END { for (r in x) if ((r in y) && x[r] != "NA" && y[r] != "NA" && y[r] + 0 != 0) print x[r] / y[r] }' "$RAW" | median
}
calc() { awk "BEGIN { a = \"$2\"; b = \"$3\"; if (a == \"NA\" || b == \"NA\" || b + 0 == 0) print \"NA\"; else printf \"%.2f\", $1 }"; }
what_of() {
  case $1 in
    bulk-*) echo "MB/s|—|—|CPU-s/GB" ;;
    redis) echo "req/s|p50 ms|p99 ms|CPU-s/100k req" ;;
    pgbench) echo "tps|avg latency ms|—|CPU-s/100k tx" ;;
    latency) echo "round trips/s|p50 ms|p99 ms|CPU-s/100k round trips" ;;
  esac
}

tcp_summary() {
  for case in $CASES; do
    IFS='|' read -r unit c50 c99 ccpu <<<"$(what_of "$case")"
    echo "### $case"
    echo
    echo "| target | $unit | $c50 | $c99 | proxy $ccpu |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    for t in $(targets_of "$case"); do
      echo "| $t | $(fmt 1 "$(med "$case" "$t" 4)") | $(fmt 3 "$(med "$case" "$t" 5)") | $(fmt 3 "$(med "$case" "$t" 6)") | $(fmt 3 "$(med "$case" "$t" 7)") |"
    done
    echo
    if [[ $case == latency ]]; then
      echo "- added by faultline over direct: p50 $(fmt 3 "$(med_diff latency faultline direct 5)") ms, p99 $(fmt 3 "$(med_diff latency faultline direct 6)") ms;" \
           "by haproxy: p50 $(fmt 3 "$(med_diff latency haproxy direct 5)") ms, p99 $(fmt 3 "$(med_diff latency haproxy direct 6)") ms"
      added99=$(med_diff latency faultline-delay faultline 6) added50=$(med_diff latency faultline-delay faultline 5)
      ok=$(awk -v a="$added99" -v d="$DELAY_MS" 'BEGIN { if (a == "NA") print "NA"; else print (a >= d - 0.5 && a <= d + 0.5) ? "yes" : "no" }')
      echo "- delay = \"$DELAY\" adds at p99 $(fmt 3 "$added99") ms per round trip (goal $DELAY_MS ± 0.5: $ok), at p50 $(fmt 3 "$added50") ms" \
           "(faultline-delay minus faultline, per round)"
      echo "- the floor, redis-server itself sleeping $DELAY per round trip (no proxy), adds at p99" \
           "$(fmt 3 "$(med_diff latency floor direct 6)") ms, at p50 $(fmt 3 "$(med_diff latency floor direct 5)") ms" \
           "(floor minus direct, per round): what this machine gives a ${DELAY_MS} ms sleep between two wake-ups"
    else
      echo "- faultline / haproxy $unit: $(calc 'a / b' "$(med "$case" faultline 4)" "$(med "$case" haproxy 4)") of the medians," \
           "$(fmt 2 "$(med_ratio "$case" faultline haproxy 4)") per round (goal >= 1); faultline / direct: $(calc 'a / b' "$(med "$case" faultline 4)" "$(med "$case" direct 4)")"
      echo "- faultline / haproxy proxy $ccpu: $(calc 'a / b' "$(med "$case" faultline 7)" "$(med "$case" haproxy 7)") of the medians," \
           "$(fmt 2 "$(med_ratio "$case" faultline haproxy 7)") per round"
    fi
    echo
  done
}
