#!/bin/sh
# bench/run.sh BUILD_DIR: runs every benchmark against BUILD_DIR's jingyu and
# bench programs (a release tree: `make bench` sets up build-bench) and
# prints the figures, then a summary. Nothing is asserted: these machines
# are noisy, so every figure comes with a baseline measured in the same run.
#
#   BENCH_SCALE=small  20 feeds and a 10,000-item database (about a minute);
#                      the ingest sweep at 20, 100, 300 and 1,000 feeds
#   (default: full)    200 feeds x 50 items and a 1,000,000-item database;
#                      the ingest sweep at 200, 1,000, 3,000 and 10,000 feeds
#   JINGYU_SHARED      where corpus/weibo_police_2020.jsonl (and the labelled
#                      weibo_emotion_2020.jsonl) are (default ../shared beside
#                      the repository); generated text when absent, and the
#                      sentiment figures are skipped
#   BENCH_SWEEP_BASE   another jingyu binary run beside this one in the ingest sweep
#   BENCH_ONCE_BASE    another jingyu binary for the collect --once start figures
#   BENCH_FEED_SERVER  python: serve the ingest feeds with bench/feed_server.py
#                      even when nginx is installed (default: nginx if present)
#
# The large database is cached in BUILD_DIR/bench-data/ and reused by the
# next run; delete that folder to rebuild it.
set -eu

BUILD=${1:-build-bench}
BUILD=$(cd "$BUILD" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
export JINGYU_SHARED="${JINGYU_SHARED:-$HERE/../../shared}"
JY="$BUILD/jingyu"
for p in "$JY" "$BUILD/bench/gen_db" "$BUILD/bench/store_bench"; do
    if [ ! -x "$p" ]; then
        echo "bench: $p is missing; build with: ninja -C $BUILD" >&2
        exit 1
    fi
done
if ! grep -q "buildtype: release\|buildtype.*release" "$BUILD/meson-info/intro-buildoptions.json" 2>/dev/null; then
    echo "bench: note: $BUILD is not a release build; figures will be pessimistic"
fi

case "${BENCH_SCALE:-full}" in
small) FEEDS=20; ITEMS=50; DB_ITEMS=10000; REPEATS=1; SEARCH_REPEATS=10; LIKE_REPEATS=2
       KEYS=30; CPU_SECS=20; LAG_ITEMS=10000; AN_ITEMS=50000; SWEEP=20,100,300,1000 ;;
*)     FEEDS=200; ITEMS=50; DB_ITEMS=1000000; REPEATS=3; SEARCH_REPEATS=30; LIKE_REPEATS=3
       KEYS=200; CPU_SECS=60; LAG_ITEMS=10000; AN_ITEMS=1000000; SWEEP=200,1000,3000,10000 ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/jybench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
RESULTS="$WORK/results"
: >"$RESULTS"
T_START=$(date +%s)

section() {
    printf '\n== %s ==\n' "$1"
}
# Keeps the RESULT lines of a step for the summary, shows the rest.
keep() {
    tee "$WORK/step.out" | grep -v '^RESULT ' || true
    grep '^RESULT ' "$WORK/step.out" | sed 's/^RESULT //' >>"$RESULTS" || true
}
# field KEY LINE: the value of KEY=VALUE in LINE
field() {
    printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}
ms_ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'
}

echo "jingyu benchmarks: scale ${BENCH_SCALE:-full}, $(nproc) cores, $(uname -sr), $("$JY" --version)"

# ---- 1 ingest (and 4b: index lag behind a background collector) ----------
section "1. ingest: $FEEDS local feeds x $ITEMS items"
python3 "$HERE/ingest.py" "$JY" "$WORK/ingest" "$FEEDS" "$ITEMS" "$REPEATS" | keep

# ---- 1b ingest at scale: cost per feed as the feeds grow -----------------------
# BENCH_SWEEP_BASE=BINARY runs another jingyu beside this one at every count
# (the two alternate), for before/after figures from one sitting.
section "1b. ingest sweep: cost per feed at $SWEEP feeds x $ITEMS items"
python3 "$HERE/ingest.py" --sweep "$JY" "$WORK/sweep" "$ITEMS" "$SWEEP" ${BENCH_SWEEP_BASE:-} | keep
rm -rf "$WORK/sweep"

# ---- 4 index lag: store_index_step catching up -------------------------------
section "4. index lag: store_index_step catching up $LAG_ITEMS items"
line=$("$BUILD/bench/store_bench" lag "$WORK/lag.db" "$LAG_ITEMS")
echo "fresh database, $LAG_ITEMS items stored in fetch-sized calls of 50 items, then"
echo "store_index_step(2000) in a loop until store_index_lag reports 0 (measured: catch-up time)"
echo "  $line"
echo "LAG_CATCHUP_MS=$(field catchup_ms "$line")" >>"$RESULTS"
echo "LAG_INSERT_MS=$(field insert_ms "$line")" >>"$RESULTS"
rm -f "$WORK"/lag.db*

# ---- 2 the large database ---------------------------------------------------
section "2. database of $DB_ITEMS items (gen_db)"
DATA="$BUILD/bench-data"
mkdir -p "$DATA"
DB="$DATA/items-$DB_ITEMS.db"
TERMS="$DATA/items-$DB_ITEMS.terms"
text_kind=generated
[ -r "$JINGYU_SHARED/corpus/weibo_police_2020.jsonl" ] && text_kind=corpus
reuse=no
if [ -s "$TERMS" ] && [ -s "$DB" ]; then
    GEN_TEXT=; GEN_SCHEMA=; GEN_ANALYSED=
    . "$TERMS"
    # the cache holds if it was made from the same kind of text by a store
    # of the same schema version (the store refuses newer files anyway)
    # (and analysed: events and their state, which the console's board reads)
    if [ "$GEN_TEXT" = "$text_kind" ] && [ "$GEN_ANALYSED" = yes ] &&
       [ "$GEN_SCHEMA" = "$(sed -n 's/^#define STORE_SCHEMA_VERSION //p' "$HERE/../src/store/store.h")" ]; then
        reuse=yes
    fi
fi
if [ $reuse = yes ]; then
    echo "reusing $DB (made by an earlier run; its timings below are from then;"
    echo "delete $DATA to rebuild)"
else
    rm -f "$TERMS"
    "$BUILD/bench/gen_db" "$DB" "$DB_ITEMS" "$TERMS.tmp" "$HERE/../config.yaml" 2>"$WORK/gen.err" || {
        cat "$WORK/gen.err" >&2; exit 1; }
    mv "$TERMS.tmp" "$TERMS"
fi
. "$TERMS"
echo "insert: $GEN_ITEMS rows in $GEN_INSERT_S s = $GEN_INSERT_RPS rows/s (store_fetch_record, 5000 items a call)"
echo "index:  $GEN_ITEMS rows in $GEN_INDEX_S s = $GEN_INDEX_RPS rows/s (store_index_step)"
echo "size:   $(du -m "$DB" | cut -f1) MiB; text: $GEN_TEXT"
{
    echo "GEN_INSERT_RPS=$GEN_INSERT_RPS"; echo "GEN_INDEX_RPS=$GEN_INDEX_RPS"
    echo "GEN_INDEX_S=$GEN_INDEX_S"; echo "GEN_CACHED=$reuse"
} >>"$RESULTS"

# ---- 2b collect --once start on the large database ----------------------------
# BENCH_ONCE_BASE=BINARY does the same with another jingyu on a fresh copy (it
# must read the database's schema) for before/after figures from one sitting.
section "2b. collect --once start on $DB_ITEMS items (the analyzer's memory restored)"
python3 "$HERE/once_start.py" "$JY" "$DB" "$WORK/once" ${BENCH_ONCE_BASE:-} | keep
rm -rf "$WORK/once"

# ---- 3 search ---------------------------------------------------------------
section "3. search on $DB_ITEMS items: newest 50 hits"
echo "terms (picked by document frequency in the base texts; counts are of stored items):"
# one character (common, rare, in no item) and a letter before one ("x警"):
# the character index (items_chars); two and four: the bigram index
SEARCH_TERMS="common1 rare1 absent1 mixed common2 rare2 common4 rare4"
for t in $SEARCH_TERMS; do
    eval "echo \"  \$t: \$TERM_$t in \$COUNT_$t items\""
done
printf '%-8s %-10s %5s %12s %12s %16s %8s\n' term text hits "store ms" "first ms" "LIKE scan ms" ratio
for t in $SEARCH_TERMS; do
    eval "term=\$TERM_$t"
    line=$("$BUILD/bench/store_bench" search "$DB" "$SEARCH_REPEATS" "$term")
    med=$(field median_ms "$line")
    hits=$(field hits "$line")
    first=$(field first_ms "$line")
    # baseline: the plain scan a program without the index would do
    lline=$("$BUILD/bench/store_bench" like "$DB" "$LIKE_REPEATS" "$term")
    like=$(field median_ms "$lline")
    like_hits=$(field hits "$lline")
    ratio=$(ms_ratio "$like" "$med")
    printf '%-8s %-10s %5s %12s %12s %16s %7sx\n' "$t" "$term" "$hits" "$med" "$first" "$like" "$ratio"
    [ "$like_hits" = "$hits" ] || echo "  note: the LIKE scan found $like_hits rows, store_search $hits"
    {
        echo "SEARCH_${t}_MS=$med"; echo "LIKE_${t}_MS=$like"; echo "SEARCH_${t}_RATIO=$ratio"
    } >>"$RESULTS"
done
echo "(store ms: median of $SEARCH_REPEATS store_search calls, limit 50, after a first call;"
echo " LIKE scan: the same question as SELECT ... WHERE title LIKE '%term%' OR content LIKE
 '%term%' ORDER BY id DESC LIMIT 50 through SQLite, median of $LIKE_REPEATS after a first call;
 ratio = LIKE / store_search)"

# ---- 5 console --------------------------------------------------------------
section "5. console on $DB_ITEMS items"
line=$("$BUILD/bench/store_bench" page "$DB" 200 30 | tr '\n' ' ')
echo "store_items_page, 30 rows (the query behind the feed pane), 200 calls each:"
"$BUILD/bench/store_bench" page "$DB" 200 30 | sed 's/^/  /' | tee "$WORK/page.out"
echo "PAGE_NEWEST_MS=$(field median_ms "$(grep kind=newest "$WORK/page.out")")" >>"$RESULTS"
echo "PAGE_OLDER_MS=$(field median_ms "$(grep kind=older "$WORK/page.out")")" >>"$RESULTS"
echo "one console refresh (what a console re-reads when another connection commits), 50 calls each:"
"$BUILD/bench/store_bench" refresh "$DB" 50 | sed 's/^/  /' | tee "$WORK/refresh.out"
echo "REFRESH_BOARD_MS=$(field median_ms "$(grep call=board "$WORK/refresh.out")")" >>"$RESULTS"
echo "REFRESH_ALL_MS=$(field median_ms "$(grep call=all "$WORK/refresh.out")")" >>"$RESULTS"
echo "REFRESH_ALL_FIRST_MS=$(field first_ms "$(grep call=all "$WORK/refresh.out")")" >>"$RESULTS"
echo "REFRESH_MARKS_MS=$(field median_ms "$(grep call=marks "$WORK/refresh.out")")" >>"$RESULTS"
if command -v tmux >/dev/null 2>&1; then
    # on a copy: the CPU figure's writer adds items to it (the cached
    # database stays as gen_db made it)
    cp --reflink=auto "$DB" "$WORK/console.db"
    printf 'database: %s\nui:\n  refresh_ms: 250\n' "$WORK/console.db" >"$WORK/console.yaml"
    python3 "$HERE/console.py" "$JY" "$WORK/console.yaml" "$KEYS" --terms "$TERMS" \
        --writer "$BUILD/bench/store_bench" "$WORK/console.db" "$HERE/../config.yaml" "$CPU_SECS" |
        keep
    rm -f "$WORK"/console.db*
else
    echo "tmux is not installed: console timings skipped"
fi

# ---- 6 analysis ---------------------------------------------------------------
section "6. analysis: analyze throughput, near-duplicates, collect -> analyse -> store, trainer"
# The baseline for collect -> analyse -> store is the foundation's binary (the
# last commit before analysis existed), built from this repository's history
# into BUILD_DIR/foundation once.
FOUNDATION=2b8f31d
BASE_JY=""
if git -C "$HERE/.." rev-parse -q --verify "$FOUNDATION^{commit}" >/dev/null 2>&1; then
    FDIR="$BUILD/foundation"
    if [ ! -x "$FDIR/build/jingyu" ]; then
        rm -rf "$FDIR"
        mkdir -p "$FDIR/src"
        git -C "$HERE/.." archive "$FOUNDATION" | tar -x -C "$FDIR/src"
        (meson setup "$FDIR/build" "$FDIR/src" --buildtype=release >/dev/null &&
         ninja -C "$FDIR/build" jingyu >/dev/null) || echo "could not build the foundation ($FOUNDATION)"
    fi
    [ -x "$FDIR/build/jingyu" ] && BASE_JY="$FDIR/build/jingyu"
else
    echo "no git history: the foundation baseline ($FOUNDATION) is skipped"
fi
python3 "$HERE/analysis.py" "$JY" "$WORK/analysis" "$AN_ITEMS" "$FEEDS" "$ITEMS" "$REPEATS" $BASE_JY | keep

# ---- 7 the warning judged on real posts (issue 14) ---------------------------
# The checkout's config.yaml plus one scheme of police words, as the held-out
# judge configures it.
section "7. warning: grading hand-labelled posts, cascades (B-cubed, first-hour AUC)"
python3 - "$HERE/../config.yaml" "$WORK/judge.yaml" "$WORK/judge.db" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
scheme = ("    - name: 涉警\n"
          "      主体: [警察, 公安, 民警, 派出所, 警方, 辅警, 交警, 刑警, 特警, 警官, 执法]\n")
s = s.replace("\n  risk:\n", "\n" + scheme + "\n  risk:\n", 1)
s = s.replace("database: /var/lib/jingyu/jingyu.db", "database: " + sys.argv[3])
open(sys.argv[2], "w", encoding="utf-8").write(s)
PY
python3 "$HERE/grading.py" "$JY" "$WORK/judge.yaml" | keep
python3 "$HERE/cascades.py" "$JY" "$WORK/judge.yaml" | keep

# ---- 8 sentiment ----------------------------------------------------------------
section "8. sentiment: macro-F1 negative vs rest, out of the box and after jingyu train"
python3 "$HERE/sentiment.py" "$JY" | keep

# ---- 9 near-duplicate recall ------------------------------------------------
section "9. near-duplicates: recall on variants of the corpus's posts, false merges"
python3 "$HERE/neardup.py" "$JY" | keep

# ---- summary ----------------------------------------------------------------
. "$RESULTS"
v() { eval "printf '%s' \"\${$1:-n/a}\""; }
section "summary (scale ${BENCH_SCALE:-full}, $(( $(date +%s) - T_START )) s)"
echo "ingest $FEEDS x $ITEMS fresh:   jingyu $(v JY_FRESH_S) s = $(v JY_FRESH_IPS) items/s, peak RSS $(v JY_FRESH_RSS_MB) MiB; newsboat $(v NB_FRESH_S) s -> jingyu $(v RATIO_FRESH)x faster (target 10x); download floor $(v FETCH_FLOOR_S) s"
echo "ingest all-304:             jingyu $(v JY_304_S) s; newsboat $(v NB_304_S) s -> jingyu $(v RATIO_304)x faster (target 20x); feeds served by $(v FEED_SERVER)"
echo "database $DB_ITEMS items:   insert $(v GEN_INSERT_RPS) rows/s, index $(v GEN_INDEX_RPS) rows/s$( [ "$(v GEN_CACHED)" = yes ] && echo ' (cached from an earlier run)')"
echo "search one character (ms):  common1 $(v SEARCH_common1_MS) ($(v SEARCH_common1_RATIO)x faster than LIKE), rare1 $(v SEARCH_rare1_MS) ($(v SEARCH_rare1_RATIO)x), absent1 $(v SEARCH_absent1_MS) ($(v SEARCH_absent1_RATIO)x), mixed x警 $(v SEARCH_mixed_MS) ($(v SEARCH_mixed_RATIO)x)"
echo "search newest 50 (ms):      common2 $(v SEARCH_common2_MS) ($(v SEARCH_common2_RATIO)x faster than LIKE), rare2 $(v SEARCH_rare2_MS) ($(v SEARCH_rare2_RATIO)x), common4 $(v SEARCH_common4_MS) ($(v SEARCH_common4_RATIO)x), rare4 $(v SEARCH_rare4_MS) ($(v SEARCH_rare4_RATIO)x)"
sw=""; for n in $(echo "$SWEEP" | tr ',' ' '); do
    sw="$sw $n: $(v SWEEP_${n}_MS_FEED) ms (CPU $(v SWEEP_${n}_CPU_MS_FEED), $(v SWEEP_${n}_FSYNC) fsyncs, $(v SWEEP_${n}_BLK_W_ITEM) blocks written per item);"
done
echo "ingest sweep, per feed:    $sw CPU growth $(v SWEEP_GROWTH)x (flat: 1.0); CPU per added feed $(v SWEEP_MARGINAL_FIRST) ms at the smallest step, $(v SWEEP_MARGINAL_LAST) ms at the largest"
once_base=""
[ "$(v ONCE_BASE_CPU_S)" != n/a ] && once_base="; base binary $(v ONCE_BASE_CPU_S) s, $(v ONCE_BASE_RSS_MB) MiB"
echo "collect --once start:       $(v ONCE_CPU_S) s CPU, $(v ONCE_RSS_MB) MiB on $DB_ITEMS items (empty store $(v ONCE_EMPTY_CPU_S) s; first start after an upgrade $(v ONCE_FIRST_CPU_S) s)$once_base"
echo "console refresh ($DB_ITEMS):  risk board $(v REFRESH_BOARD_MS) ms, all re-read calls $(v REFRESH_ALL_MS) ms (first $(v REFRESH_ALL_FIRST_MS) ms); a commit that changes nothing shown: the change marks, $(v REFRESH_MARKS_MS) ms"
echo "index lag:                  store_index_step catches up $LAG_ITEMS items in $(v LAG_CATCHUP_MS) ms; behind a background collector: $(v LAG_E2E_S) s after the last commit (20 ms polling)"
echo "console:                    first screen $(v CON_FIRST_MS) ms (tmux+echo baseline $(v CON_FIRST_BASE_MS) ms); j -> redraw median $(v CON_KEY_MED_MS) ms, p95 $(v CON_KEY_P95_MS) ms (capture-pane floor $(v CON_KEY_FLOOR_MS) ms); store_items_page $(v PAGE_NEWEST_MS) ms newest, $(v PAGE_OLDER_MS) ms deep"
echo "console keys (CPU ms):      Tab $(v CON_TAB_CPU_MS), event $(v CON_EVENT_CPU_MS), incidents $(v CON_INCIDENTS_CPU_MS), roster $(v CON_ROSTER_CPU_MS); first screen $(v CON_FIRST_CPU_MS) ms of CPU"
echo "console search (ms):        common2 $(v CON_SEARCH_COMMON2_MED_MS) (CPU $(v CON_SEARCH_COMMON2_CPU_MS)), rare2 $(v CON_SEARCH_RARE2_MED_MS) (CPU $(v CON_SEARCH_RARE2_CPU_MS)), common4 $(v CON_SEARCH_COMMON4_MED_MS) (CPU $(v CON_SEARCH_COMMON4_CPU_MS)), rare4 $(v CON_SEARCH_RARE4_MED_MS) (CPU $(v CON_SEARCH_RARE4_CPU_MS)), Enter -> results on screen"
echo "console CPU:                $(v CON_CPU_WRITES_PCT)% while a collector's commits land ($CPU_SECS s; store_bench write), $(v CON_CPU_IDLE_PCT)% with nobody writing"
echo "grading (dev / held):       Spearman $(v GRADING_DEV_SPEARMAN) / $(v GRADING_HELD_SPEARMAN) (balanced $(v GRADING_DEV_SPEARMAN_BALANCED) / $(v GRADING_HELD_SPEARMAN_BALANCED); target 0.60); high >= III $(v GRADING_DEV_HIGH_III) / $(v GRADING_HELD_HIGH_III) (target 0.80); low >= III $(v GRADING_DEV_LOW_III) / $(v GRADING_HELD_LOW_III) (target 0.10); reposts joined $(v GRADING_DEV_JOINED)"
echo "cascades (dev / held):      B-cubed P $(v CASCADE_DEV_BCUBED_P) / $(v CASCADE_HELD_BCUBED_P), F1 $(v CASCADE_DEV_BCUBED_F1) / $(v CASCADE_HELD_BCUBED_F1) (target 0.90); first-hour AUC score $(v CASCADE_DEV_AUC_SCORE) / $(v CASCADE_HELD_AUC_SCORE) vs count $(v CASCADE_DEV_AUC_COUNT) / $(v CASCADE_HELD_AUC_COUNT)"
echo "analyze $(v AN_ITEMS) items:      $(v AN_IPS) items/s, $(v AN_MBS) MB/s, peak RSS $(v AN_RSS_MB) MiB with 200 schemes / 5000 terms (target 65,000, aiming at 150,000; one thread: $(v AN_IPS_T1)); one scheme: $(v AN_IPS_ONE) items/s ($(v AN_RATIO_ONE)x faster)"
echo "near-duplicates (corpus):   $(v DUP_RECOVERED) of $(v DUP_EXACT) exact groups recovered whole; $(v DUP_EXTRA) links between differing texts; $(v DUP_NEAR) groups"
echo "near-duplicate variants:    recall dev $(v ND_DEV_RECALL), held $(v ND_HELD_RECALL) (target 0.90); false merges dev $(v ND_DEV_FALSE_PCT)%, held $(v ND_HELD_FALSE_PCT)% of items (target <= 0.5%)"
echo "collect+analyse+store:      $FEEDS x $ITEMS in $(v PIPE_S) s ($(v PIPE_IPS) items/s); foundation without analysis $(v PIPE_BASE_S) s -> $(v PIPE_RATIO)x (target under 1.5x)"
echo "trainer:                    macro-F1 on the held-back fifth: model $(v TRAIN_F1), lexicon alone $(v TRAIN_LEX_F1)"
echo "sentiment, police posts:    macro-F1 negative vs rest, dev/held: lexicon $(v SENT_POLICE_LEXICON_DEV)/$(v SENT_POLICE_LEXICON_HELD), trained on police dev $(v SENT_POLICE_POLICE_TRAINED_DEV)/$(v SENT_POLICE_POLICE_TRAINED_HELD), on emotion dev $(v SENT_POLICE_EMOTION_TRAINED_DEV)/$(v SENT_POLICE_EMOTION_TRAINED_HELD)"
echo "sentiment, emotion corpus:  macro-F1 negative vs rest, dev/held: lexicon $(v SENT_EMOTION_LEXICON_DEV)/$(v SENT_EMOTION_LEXICON_HELD), trained on emotion dev $(v SENT_EMOTION_EMOTION_TRAINED_DEV)/$(v SENT_EMOTION_EMOTION_TRAINED_HELD)"
