#!/bin/sh
# Every benchmark of issue 7 in one go.
#   bench/run_all.sh --quick    10,000 orders / tickets, 200 requests per scenario, 20 agents for 30 s (< 5 min on 2 cores)
#   bench/run_all.sh --full     1,000,000 orders / tickets (hours; see bench/README.md)
# Needs the private PostgreSQL test server (scripts/pg-test-server). Databases (dropped and re-created):
# kefu_bench_http (Kefu) and helpdesk_bench (django-helpdesk). Output: var/bench/*.json and *.log.
set -eu
cd "$(dirname "$0")/.."
mode=${1:---quick}
case "$mode" in
    --quick) scale=quick; requests=200; agents=20; hot=5; seconds=30; mails=40 ;;
    --full) scale=full; requests=2000; agents=200; hot=20; seconds=180; mails=600 ;;
    --tiny) scale=tiny; requests=20; agents=6; hot=2; seconds=10; mails=10 ;;
    *) echo "usage: $0 --quick|--full" >&2; exit 2 ;;
esac
server=$(scripts/pg-test-server)
export DATABASE_URL="${KEFU_BENCH_DATABASE_URL:-$server/kefu_bench_http}"
export HD_DATABASE_URL="${HD_BENCH_DATABASE_URL:-$server/helpdesk_bench}"
py=.venv/bin/python
start=$(date +%s)
echo "== $(date -u '+%Y-%m-%d %H:%M') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg), mode $mode"
echo "== 1. data set ($scale) on PostgreSQL"
$py bench/generate.py --scale "$scale"
echo "== 2. HTTP scenarios, framework floor, bare SQL, breach sweep, KPI report"
$py bench/http_bench.py --requests "$requests"
echo "== 3. django-helpdesk side by side"
bench/helpdesk/setup_venv.sh
bench/.venv-helpdesk/bin/python bench/helpdesk/bench_helpdesk.py --scale "$scale" --requests "$requests"
echo "== 4. concurrency"
$py bench/concurrency.py --agents "$agents" --hot "$hot" --seconds "$seconds" --mails "$mails"
echo "== done in $(( $(date +%s) - start )) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
