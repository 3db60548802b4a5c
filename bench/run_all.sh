#!/bin/sh
# Every scale benchmark (at scale, against django-helpdesk, concurrency) in one go.
#   bench/run_all.sh --quick   10,000 orders / tickets; per scenario ≤ 200 requests in ≤ 5 s; 20 agents for 20 s
#                              (about 4–5 minutes on 2 idle cores)
#   bench/run_all.sh --full    1,000,000 orders / tickets (hours; see bench/README.md)
#   bench/run_all.sh --tiny    2,000 orders, a few requests (checks that everything runs)
# Needs the private PostgreSQL test server (scripts/pg-test-server). Databases (dropped and re-created):
# kefu_bench_http (Kefu) and helpdesk_bench (django-helpdesk); KEFU_BENCH_DATABASE_URL / HD_BENCH_DATABASE_URL
# choose others. Ports 18431 (Kefu; 18432 its event streams, 18433 the framework floor), 18441 (django-helpdesk), 18451 (concurrency); KEFU_BENCH_PORT_OFFSET=N
# adds N to each (two runs side by side on one machine). Output: var/bench/*.json and *.log.
set -eu
cd "$(dirname "$0")/.."
mode=${1:---quick}
case "$mode" in
    --quick) scale=quick; requests=200; seconds=5; agents=20; hot=5; conc_seconds=20; mails=30 ;;
    --full) scale=full; requests=2000; seconds=60; agents=200; hot=20; conc_seconds=180; mails=600 ;;
    --tiny) scale=tiny; requests=20; seconds=3; agents=6; hot=2; conc_seconds=8; mails=8 ;;
    *) echo "usage: $0 --quick|--full|--tiny" >&2; exit 2 ;;
esac
server=$(scripts/pg-test-server)
export DATABASE_URL="${KEFU_BENCH_DATABASE_URL:-$server/kefu_bench_http}"
export HD_DATABASE_URL="${HD_BENCH_DATABASE_URL:-$server/helpdesk_bench}"
off=${KEFU_BENCH_PORT_OFFSET:-0}
py=.venv/bin/python
hd=bench/.venv-helpdesk/bin/python
mkdir -p var/bench
start=$(date +%s)
echo "== $(date -u '+%Y-%m-%d %H:%M') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg), mode $mode"
bench/helpdesk/setup_venv.sh
echo "== 1. data sets ($scale): Kefu and django-helpdesk, built side by side"
$hd bench/helpdesk/bench_helpdesk.py --scale "$scale" --load-only > var/bench/helpdesk-load.log 2>&1 &
hd_load=$!
$py bench/generate.py --scale "$scale"
if ! wait $hd_load; then cat var/bench/helpdesk-load.log; exit 1; fi
cat var/bench/helpdesk-load.log
echo "== 2. Kefu: HTTP scenarios, framework floor, bare SQL; breach sweep, KPI report ($(( $(date +%s) - start )) s)"
$py bench/http_bench.py --requests "$requests" --seconds "$seconds" --port $((18431 + off))
echo "== 3. django-helpdesk side by side ($(( $(date +%s) - start )) s)"
$hd bench/helpdesk/bench_helpdesk.py --skip-load --requests "$requests" --seconds "$seconds" --port $((18441 + off))
echo "== 4. concurrency ($(( $(date +%s) - start )) s)"
$py bench/concurrency.py --agents "$agents" --hot "$hot" --seconds "$conc_seconds" --mails "$mails" --port $((18451 + off))
echo "== done in $(( $(date +%s) - start )) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
