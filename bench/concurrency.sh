#!/usr/bin/env bash
# 1, 10, 100 and 1,000 concurrent writes on one io_context, each to its own
# secret, against a local moto server: directly (moto closes every connection)
# and through a keep-alive front (bench/keepalive-front.sh, as AWS keeps
# connections). Prints the tables, keeps the data in docs/img/concurrency-*.tsv
# and draws docs/img/concurrency.png from it.
# Usage: bench/concurrency.sh [RUNS]   (after scripts/build.sh and scripts/deps.sh --bench)
#        bench/concurrency.sh --plot-only   (redraw from the kept data)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
bench=$root/${JANITOR_BUILD_DIR:-build}/bench/concurrency_bench
command -v gnuplot >/dev/null || { echo "concurrency.sh: gnuplot not found (scripts/deps.sh --bench)" >&2; exit 1; }
out=$root/docs/img
mkdir -p "$out"
if [[ $runs != --plot-only ]]; then
  [[ -x $bench ]] || { echo "concurrency.sh: build first (scripts/build.sh)" >&2; exit 1; }
  "$root/scripts/with-moto.sh" "$bench" --runs "$runs" >"$out/concurrency-direct.tsv.new"
  "$root/scripts/with-moto.sh" "$root/bench/keepalive-front.sh" "$bench" --runs "$runs" >"$out/concurrency-front.tsv.new"
  mv "$out/concurrency-direct.tsv.new" "$out/concurrency-direct.tsv"
  mv "$out/concurrency-front.tsv.new" "$out/concurrency-front.tsv"
else
  runs=$(sed -n 's/^# runs: //p' "$out/concurrency-direct.tsv")
fi

for series in direct front; do
  case $series in
    direct) echo "moto directly (a new connection per request):" ;;
    front) echo "through the keep-alive front (connections reused):" ;;
  esac
  echo
  echo "| concurrent writes | wall (ms) | wall per write (ms) | client CPU per write (µs) | writes/s |"
  echo "|---|---|---|---|---|"
  grep -v '^#' "$out/concurrency-$series.tsv" | while IFS=$'\t' read -r n wall per cpu rate; do
    echo "| $n | $wall | $per | $cpu | $rate |"
  done
  echo
done

gnuplot <<PLOT
set terminal pngcairo size 900,420 font ",10" noenhanced
set output "$root/docs/img/concurrency.png"
set multiplot layout 1,2 title "janitor-async: N concurrent writes on one io_context, local moto (medians of $runs runs)"
set logscale x
set xtics ("1" 1, "10" 10, "100" 100, "1000" 1000)
set xlabel "concurrent writes"
set grid
set key bottom right
set yrange [0:*]
set ylabel "wall time per write (ms)"
plot "$out/concurrency-direct.tsv" using 1:3 with linespoints title "moto, new connection per request", \
     "$out/concurrency-front.tsv" using 1:3 with linespoints title "keep-alive front"
set ylabel "client CPU per write (µs)"
plot "$out/concurrency-direct.tsv" using 1:4 with linespoints title "moto, new connection per request", \
     "$out/concurrency-front.tsv" using 1:4 with linespoints title "keep-alive front"
unset multiplot
PLOT
echo "plot: docs/img/concurrency.png"
