#!/usr/bin/env bats
# CI: 'cuenv matrix' and 'cuenv cache-key' over a fixture mirror with six
# CUDA + cuDNN pairs; docs/ci's GitHub Actions workflow and GitLab CI file,
# checked structurally and run job by job (tests/fixtures/ci_runner.py);
# and a CI matrix simulation: parallel jobs, one shared cache, each archive
# downloaded once.

load helper

setup_file() {
    export PATH=/usr/local/bin:/usr/bin:/bin
    # Three CUDA releases (12.x and 13.x) and two cuDNN releases with builds for both.
    MKMIRROR_ARGS=(--cuda 12.4.1 --cuda 12.6.3 --cuda 13.0.2 --cudnn 9.13.0 --cudnn 9.14.0)
    mirror_build
    file_server_start
}

teardown_file() { file_server_stop; }

setup() {
    install_setup
    file_server_use
    RUNNER="python3 $FIXTURES/ci_runner.py"
    GH=$CUENV_SRC/docs/ci/github-actions.yml
    GL=$CUENV_SRC/docs/ci/gitlab-ci.yml
}

teardown() { install_teardown; }

PAIRS6='12.4.1+cudnn9.13.0 12.4.1+cudnn9.14.0 12.6.3+cudnn9.13.0 12.6.3+cudnn9.14.0 13.0.2+cudnn9.13.0 13.0.2+cudnn9.14.0'

# A project pinned to 12.4+cudnn9 with its lock, as a repository would hold it.
make_project() {
    PROJ=$BATS_TEST_TMPDIR/proj
    mkdir -p "$PROJ"
    (cd "$PROJ" && CUENV_ROOT=$BATS_TEST_TMPDIR/pin-root timeout 60 "$CUENV" use 12.4+cudnn9 --quiet)
    [ -f "$PROJ/cuenv.lock" ]
}

# ---- cuenv matrix ----

@test "matrix: every compatible pair of the mirror, exact specs that resolve to themselves" {
    run --separate-stderr "$CUENV" matrix --format json
    assert_success
    assert_json 'assert [r["spec"] for r in d] == "'"$PAIRS6"'".split(), [r["spec"] for r in d]
for r in d:
    assert r["cudnn_variant"] == "cuda" + r["cuda"].split(".")[0], r
    assert r["platform"] == "linux-x86_64" and r["profile"] == "devel", r
    assert r["support"] in ("listed", "unknown") and r["archives"] >= 7, r'
    local spec
    for spec in $PAIRS6; do
        run "$CUENV" resolve "$spec" --json
        assert_success
        assert_json 'assert d["cuda"]["label"] + "+cudnn" + d["cudnn"]["label"] == "'"$spec"'", d'
    done
    # GitHub: one line of JSON that fromJSON() takes, with each row's cache key.
    run --separate-stderr "$CUENV" matrix --cuda 12 --cudnn 9.14 --format github
    assert_success
    assert_equal "${#lines[@]}" 1
    assert_json 'rows = d["include"]
assert [r["spec"] for r in rows] == ["12.4.1+cudnn9.14.0", "12.6.3+cudnn9.14.0"], rows
assert set(rows[0]) == {"spec", "cuda", "cudnn", "cudnn_variant", "platform", "profile", "driver_min", "cache_key"}
assert rows[0]["cudnn"] == "9.14.0.64" and rows[0]["driver_min"] == "550.54.15", rows'
    local key
    key=$("$CUENV" cache-key 12.4.1+cudnn9.14.0)
    assert_json 'assert d["include"][0]["cache_key"] == "'"$key"'", d'
}

@test "matrix: filters (ranges, driver, latest patch, newest cuDNN, CUDA alone) and the GitLab fragment" {
    run "$CUENV" matrix --cuda '>=12.5,<13' --cudnn '>=9.14' --format json
    assert_json 'assert [r["spec"] for r in d] == ["12.6.3+cudnn9.14.0"], d'
    run "$CUENV" matrix --newest-cudnn --format json
    assert_json 'assert [r["spec"] for r in d] == ["12.4.1+cudnn9.14.0", "12.6.3+cudnn9.14.0", "13.0.2+cudnn9.14.0"], d'
    run "$CUENV" matrix --cudnn none --format json
    assert_json 'assert [(r["spec"], r["cudnn"]) for r in d] == [("12.4.1", ""), ("12.6.3", ""), ("13.0.2", "")], d'
    # A 560 driver runs the toolkits up to 12.6 (12.6.3 wants 560.35.05); with
    # minor-version compatibility every 12.x, never 13.x.
    run "$CUENV" matrix --driver 560.35.05 --newest-cudnn --format json
    assert_json 'assert [r["cuda"] for r in d] == ["12.4.1", "12.6.3"], d'
    run "$CUENV" matrix --driver 535.104.05 --newest-cudnn --format json
    assert_failure 3
    run "$CUENV" matrix --driver 535.104.05 --minor-compat --newest-cudnn --format json
    assert_json 'assert [r["cuda"] for r in d] == ["12.4.1", "12.6.3"], d'
    # GitLab: one entry per pair, the variables cuenv reads and the cache key.
    run --separate-stderr "$CUENV" matrix --newest-cudnn --format gitlab
    assert_success
    python3 -c 'import sys, yaml
d = yaml.safe_load(sys.stdin)
m = d["parallel"]["matrix"]
assert [e["CUENV_SPEC"] for e in m] == ["12.4.1+cudnn9.14.0", "12.6.3+cudnn9.14.0", "13.0.2+cudnn9.14.0"], m
assert all(set(e) == {"CUENV_SPEC", "CUENV_PLATFORM", "CUENV_PROFILE", "CUENV_CACHE_KEY"} for e in m), m
print("\n".join(e["CUENV_CACHE_KEY"] for e in m))' <<<"$output" >"$BATS_TEST_TMPDIR/keys"
    local spec
    for spec in 12.4.1+cudnn9.14.0 12.6.3+cudnn9.14.0 13.0.2+cudnn9.14.0; do
        grep -qx "$("$CUENV" cache-key "$spec")" "$BATS_TEST_TMPDIR/keys"
    done
    # Text for people.
    run "$CUENV" matrix --cuda 13
    assert_success
    assert_line --regexp '^13\.0\.2\+cudnn9\.14\.0 +13\.0\.2 +9\.14\.0\.64 +cuda13 +linux-x86_64 +580\.95\.05 '
}

@test "matrix: nothing left is exit 3 naming the filters; a bad range is exit 2 naming it" {
    run --separate-stderr "$CUENV" matrix --cuda '>=14' --cudnn 9
    assert_failure 3
    assert_stderr_line "^cuenv: error: no CUDA\+cuDNN pair of '$FS_URL' matches --cuda '>=14' --cudnn '9' on linux-x86_64$"
    assert_stderr_line "^hint: no CUDA release is in --cuda"
    run --separate-stderr "$CUENV" matrix --cuda 12 --cudnn 8
    assert_failure 3
    assert_stderr_line "no cuDNN release is in --cudnn"
    run --separate-stderr "$CUENV" matrix --driver 400.1
    assert_failure 3
    assert_stderr_line "the driver runs none of them"
    run --separate-stderr "$CUENV" matrix --cuda '>=12.x'
    assert_failure 2
    assert_stderr_line "^cuenv: error: invalid --cuda range '>=12\.x'"
    run --separate-stderr "$CUENV" matrix --cudnn 'nine'
    assert_failure 2
    assert_stderr_line "^cuenv: error: invalid --cudnn range 'nine': 'nine' is not a version"
    run --separate-stderr "$CUENV" matrix --driver banana
    assert_failure 2
    assert_stderr_line "invalid --driver 'banana'"
    run --separate-stderr "$CUENV" matrix --minor-compat
    assert_failure 2
    run --separate-stderr "$CUENV" matrix --format yaml
    assert_failure 2
    assert_stderr_line "unknown format 'yaml'"
    run --separate-stderr "$CUENV" matrix --platform linux-mips
    assert_failure 2
}

# ---- cuenv cache-key ----

@test "cache-key: from the lock equals from the spec; stable across runs, roots, caches and directories" {
    make_project
    cd "$PROJ"
    local k1 k2 k3
    k1=$("$CUENV" cache-key)
    [[ $k1 =~ ^cuenv-linux-x86_64-devel-[0-9a-f]{16}$ ]]
    k2=$("$CUENV" cache-key 12.4+cudnn9)
    assert_equal "$k2" "$k1"
    k3=$(cd / && CUENV_ROOT=/nonexistent CUENV_CACHE=$BATS_TEST_TMPDIR/other HOME=/nonexistent \
        "$CUENV" cache-key 12.4.1+cudnn9.14.0)
    assert_equal "$k3" "$k1"
    # From a subdirectory: the pin and lock up the tree.
    mkdir -p sub/dir
    assert_equal "$(cd sub/dir && "$CUENV" cache-key)" "$k1"
    # The documented recipe, recomputed from the lock's digests alone.
    run python3 -c 'import hashlib, sys
lock = dict(l.split(" = ", 1) for l in open("cuenv.lock").read().splitlines() if " = " in l and not l.startswith("#"))
shas = sorted({l.split()[-2] for l in open("cuenv.lock").read().splitlines() if l.startswith("archive = ")})
text = "cuenv cache key 1\nplatform %s\nprofile %s\n" % (lock["platform"], lock["profile"]) + "".join(s + "\n" for s in shas)
print("cuenv-%s-%s-%s" % (lock["platform"], lock["profile"], hashlib.sha256(text.encode()).hexdigest()[:16]))'
    assert_success
    assert_output "$k1"
    # Other archives, another key: profile, platform, release.
    [ "$("$CUENV" cache-key 12.4+cudnn9 --profile runtime)" != "$k1" ]
    [[ $("$CUENV" cache-key 12.4+cudnn9 --profile runtime) == cuenv-linux-x86_64-runtime-* ]]
    [ "$("$CUENV" cache-key 12.6+cudnn9)" != "$k1" ]
    [ "$("$CUENV" cache-key 12.4+cudnn9.13)" != "$k1" ]
}

@test "cache-key: no pin, no lock, a stale lock or bad usage say so" {
    cd "$BATS_TEST_TMPDIR"
    run --separate-stderr "$CUENV" cache-key
    assert_failure 3
    assert_stderr_line "no CUDA pin here"
    CUENV_VERSION=12.4 run --separate-stderr "$CUENV" cache-key
    assert_failure 1
    assert_stderr_line "has no lock"
    mkdir nolock && echo 12.4 >nolock/.cuda-version
    run --separate-stderr bash -c 'cd nolock && "$0" cache-key' "$CUENV"
    assert_failure 1
    assert_stderr_line "there is no lock"
    make_project
    echo 12.6+cudnn9 >"$PROJ/.cuda-version"
    run --separate-stderr bash -c 'cd "$1" && "$0" cache-key' "$CUENV" "$PROJ"
    assert_failure 1
    assert_stderr_line "no longer matches"
    run --separate-stderr "$CUENV" cache-key --profile runtime
    assert_failure 2
    run --separate-stderr "$CUENV" cache-key 12.4 12.6
    assert_failure 2
    run --separate-stderr "$CUENV" cache-key 12.4+cudnnX
    assert_failure 2
    run --separate-stderr "$CUENV" cache-key 99.9
    assert_failure 3
}

# ---- docs/ci ----

@test "docs/ci: both files pass the structural checks; broken copies do not" {
    run $RUNNER check github "$GH"
    assert_success
    assert_output "github: 3 jobs, 16 steps"
    run $RUNNER check gitlab "$GL"
    assert_success
    # The checker is not a rubber stamp: each mutation is caught.
    local bad=$BATS_TEST_TMPDIR/bad.yml
    sed 's/needs: matrix/needs: matrx/' "$GH" >"$bad"
    run $RUNNER check github "$bad"
    assert_failure 2
    assert_output --partial "needs unknown job 'matrx'"
    sed 's/matrix.cache_key/matrix.cache_key || secrets.X/' "$GH" >"$bad"
    run $RUNNER check github "$bad"
    assert_failure 2
    assert_output --partial "unsupported expression"
    sed 's/steps.pairs.outputs/steps.prs.outputs/' "$GH" >"$bad"
    run $RUNNER check github "$bad"
    assert_failure 2
    assert_output --partial "names no step id"
    sed 's/uses: actions\/cache@v4/uses: actions\/cache/' "$GH" >"$bad"
    run $RUNNER check github "$bad"
    assert_failure 2
    sed 's/  stage: build/  stage: deploy/' "$GL" >"$bad"
    run $RUNNER check gitlab "$bad"
    assert_failure 2
    assert_output --partial "stage 'deploy' is not in stages"
    sed 's/job: cuda-matrix/job: cuda-build/' "$GL" >"$bad"
    run $RUNNER check gitlab "$bad"
    assert_failure 2
    printf 'stages: [a]\nj:\n  stage: a\n  script: echo\n' >"$bad"
    run $RUNNER check gitlab "$bad"
    assert_failure 2
    assert_output --partial "script is not a list of strings"
}

# Run a CI file with ci_runner.py; JSON lines of the jobs in $output.
ci_run() {
    PATH=${CUENV%/*}:/usr/bin:/bin run --separate-stderr timeout -k 5 600 $RUNNER run "$1" "$2" \
        --project "$PROJ" --work "$BATS_TEST_TMPDIR/work" --step-timeout 120
    if [ "$status" -ne 0 ]; then
        local f
        for f in "$BATS_TEST_TMPDIR"/work/*/*/log "$BATS_TEST_TMPDIR"/work/*/*/*/log; do
            [ -f "$f" ] && { echo "== $f"; tail -20 "$f"; }
        done
        echo "$stderr"
    fi
}

@test "GitHub Actions workflow, run locally: matrix, one build per pair, the pinned job; a rerun downloads no archive" {
    make_project
    ci_run github "$GH"
    assert_success
    python3 - "$output" <<'PY'
import json, sys
jobs = [json.loads(l) for l in sys.argv[1].splitlines()]
assert all(j["ok"] for j in jobs), jobs
assert [j["job"] for j in jobs] == ["matrix", "build", "build", "build", "pinned"], jobs
builds = [j for j in jobs if j["job"] == "build"]
assert [b["matrix"]["spec"] for b in builds] == ["12.4.1+cudnn9.14.0", "12.6.3+cudnn9.14.0", "13.0.2+cudnn9.14.0"]
assert all(b["cache_key"] == b["matrix"]["cache_key"] and b["cache_hit"] is False for b in builds)
# The pinned job's lock is the same archives as the 12.4.1 build: same key, restored.
assert jobs[-1]["cache_key"] == builds[0]["cache_key"] and jobs[-1]["cache_hit"] is True, jobs[-1]
for b, want in zip(builds, ("12040", "12060", "13000")):
    log = open(b["log"]).read()
    assert "CUDA runtime %s (want %s), cuDNN 91400" % (want, want) in log, log
    assert "appended to $GITHUB_ENV and $GITHUB_PATH" in log
    assert "nvcc path: %s/ws/.cuenv/root/envs/" % b["log"].rsplit("/", 1)[0] in log, log
PY
    local first
    first=$(hits '*.tar.xz')
    [ "$first" -gt 0 ]
    # Same workflow again, the cache store kept: every job restores, nothing is downloaded.
    srv /__reset >/dev/null
    mv "$BATS_TEST_TMPDIR/work/github" "$BATS_TEST_TMPDIR/work/github.1"
    ci_run github "$GH"
    assert_success
    python3 -c 'import json, sys
jobs = [json.loads(l) for l in sys.argv[1].splitlines()]
assert all(j["ok"] for j in jobs) and all(j["cache_hit"] for j in jobs if j["job"] != "matrix"), jobs' "$output"
    assert_equal "$(hits '*.tar.xz')" 0
}

@test "GitLab CI, run locally: the child pipeline with a job per pair and the pinned job; a rerun downloads no archive" {
    make_project
    ci_run gitlab "$GL"
    assert_success
    python3 - "$output" "$("$CUENV" cache-key 12.4.1+cudnn9.14.0)" <<'PY'
import json, sys
jobs = [json.loads(l) for l in sys.argv[1].splitlines()]
assert all(j["ok"] for j in jobs), jobs
assert [j["job"] for j in jobs] == ["main/cuda-matrix", "main/cuda-build/pinned"] + ["main/cuda-build/build"] * 3, jobs
pinned, builds = jobs[1], jobs[2:]
assert pinned["cache_key"] == sys.argv[2], pinned
assert [b["matrix"]["CUENV_SPEC"] for b in builds] == ["12.4.1+cudnn9.14.0", "12.6.3+cudnn9.14.0", "13.0.2+cudnn9.14.0"]
assert all(b["cache_key"] == b["matrix"]["CUENV_CACHE_KEY"] for b in builds)
# pinned ran first and saved what the 12.4.1 build then restored.
assert builds[0]["cache_hit"] is True and builds[1]["cache_hit"] is False, builds
for b, want in zip(builds, ("12040", "12060", "13000")):
    assert "CUDA runtime %s (want %s), cuDNN 91400" % (want, want) in open(b["log"]).read()
PY
    srv /__reset >/dev/null
    mv "$BATS_TEST_TMPDIR/work/gitlab" "$BATS_TEST_TMPDIR/work/gitlab.1"
    rm -rf "$BATS_TEST_TMPDIR/work/artifacts"
    ci_run gitlab "$GL"
    assert_success
    python3 -c 'import json, sys
jobs = [json.loads(l) for l in sys.argv[1].splitlines()]
assert all(j["ok"] for j in jobs) and all(j["cache_hit"] for j in jobs[1:]), jobs' "$output"
    assert_equal "$(hits '*.tar.xz')" 0
}

# ---- the CI matrix simulation ----

@test "CI simulation: six parallel jobs from 'cuenv matrix', own roots, one shared cache: all pass, each archive fetched once" {
    local specs spec i=0 pids=() shared=$BATS_TEST_TMPDIR/shared-cache
    specs=$("$CUENV" matrix --format json | python3 -c 'import json, sys
print(" ".join(r["spec"] for r in json.load(sys.stdin)))')
    assert_equal "$specs" "$PAIRS6"
    # The archives the six plans need, each once.
    local want
    want=$(for spec in $specs; do "$CUENV" resolve "$spec" --json; done | python3 -c 'import json, sys
print(len({c["sha256"] for l in sys.stdin for c in json.loads(l)["components"]}))')
    for spec in $specs; do
        CUENV_ROOT=$BATS_TEST_TMPDIR/job$i/root CUENV_CACHE=$shared HOME=$BATS_TEST_TMPDIR/job$i \
            timeout -k 5 120 "$CUENV" install "$spec" --quiet >"$BATS_TEST_TMPDIR/job$i.out" 2>&1 &
        pids+=($!)
        i=$((i + 1))
    done
    local rc=0 p
    for p in "${pids[@]}"; do
        wait "$p" || rc=$?
    done
    [ "$rc" -eq 0 ] || { cat "$BATS_TEST_TMPDIR"/job*.out; fail "a job failed ($rc)"; }
    # Every archive requested exactly once, whichever job got to it first.
    run srv /__hits
    python3 -c 'import json, sys
h = {p: n for p, n in json.loads(sys.argv[1]).items() if p.endswith(".tar.xz")}
assert len(h) == int(sys.argv[2]), (len(h), sys.argv[2], h)
assert all(n == 1 for n in h.values()), h' "$output" "$want"
    for i in 0 1 2 3 4 5; do
        CUENV_ROOT=$BATS_TEST_TMPDIR/job$i/root assert_envs_ok
    done
    # The shared cache holds each archive once, all verified.
    assert_equal "$(find "$shared/archives" -name '*.tar.xz' | wc -l)" "$want"
    CUENV_CACHE=$shared assert_cache_clean
}
