#!/usr/bin/env bats
# cuenv ls-remote against the bundled snapshot: order, dates, cuDNN's CUDA
# majors, platforms, JSON.

load helper

setup() {
    cuenv_setup
    export CUENV_PLATFORM=linux-x86_64
}

# The labels of the bundled manifests of product $1, oldest first.
bundled_labels() {
    ls "$CUENV_SRC/manifests/$1" | sed -n 's/^redistrib_\(.*\)\.json$/\1/p' | sort -V
}

@test "ls-remote cuda: every bundled label with its date, oldest first, newest last" {
    run --separate-stderr "$CUENV" ls-remote cuda
    assert_success
    assert_stderr ""
    assert_line --index 0 '11.4.2    2021-09-07'
    assert_line '12.4.1    2024-04-03'
    assert_equal "${lines[-1]}" '13.0.2    2025-10-09'
    refute_line 'cuda:'
    local got want
    got=$(printf '%s\n' "${lines[@]}" | cut -d' ' -f1)
    want=$(bundled_labels cuda)
    assert_equal "$got" "$want"
    local l
    for l in "${lines[@]}"; do
        [[ $l =~ ^[0-9]+\.[0-9]+\.[0-9]+\ +[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || fail "bad row: '$l'"
    done
}

@test "ls-remote cudnn: versions in numeric order, with the CUDA majors built for" {
    run --separate-stderr "$CUENV" ls-remote cudnn
    assert_success
    assert_stderr ""
    assert_line --index 0 '8.5.0     2024-03-15  cuda10 cuda11'
    assert_line '9.10.2    2025-06-06  cuda11 cuda12'
    assert_line '9.11.0    2025-07-15  cuda12'
    assert_line '9.13.0    2025-09-04  cuda12 cuda13'
    assert_equal "${lines[-1]}" '9.14.0    2025-10-09  cuda12 cuda13'
    # 9.9.0 sorts before 9.10.0: versions, not strings.
    assert_line --index 26 '9.9.0     2025-05-02  cuda11 cuda12'
    assert_line --index 27 '9.10.0    2025-05-07  cuda11 cuda12'
    local got want
    got=$(printf '%s\n' "${lines[@]}" | cut -d' ' -f1)
    want=$(bundled_labels cudnn)
    assert_equal "$got" "$want"
}

@test "ls-remote with no product: both, under headings, cuda first" {
    run --separate-stderr "$CUENV" ls-remote
    assert_success
    assert_stderr ""
    assert_line --index 0 'cuda:'
    assert_line --index 1 '11.4.2    2021-09-07'
    assert_line 'cudnn:'
    assert_equal "${lines[-1]}" '9.14.0    2025-10-09  cuda12 cuda13'
    [[ $output == *$'\n13.0.2    2025-10-09\n\ncudnn:\n8.5.0 '* ]] || fail "sections not separated: $output"
    local n_cuda n_cudnn
    n_cuda=$(bundled_labels cuda | wc -l)
    n_cudnn=$(bundled_labels cudnn | wc -l)
    assert_equal "${#lines[@]}" $((n_cuda + n_cudnn + 2))
}

@test "ls-remote --json: one document, both products (or the one asked for), oldest first" {
    run --separate-stderr "$CUENV" ls-remote --json
    assert_success
    assert_stderr ""
    [ "${#lines[@]}" -eq 1 ]
    local cuda cudnn
    cuda=$(bundled_labels cuda | tr '\n' ' ')
    cudnn=$(bundled_labels cudnn | tr '\n' ' ')
    assert_json '
import re
assert set(d) == {"source", "platform", "cuda", "cudnn"}, sorted(d)
assert d["source"] == "https://developer.download.nvidia.com/compute"
assert d["platform"] == "linux-x86_64"
assert [e["label"] for e in d["cuda"]] == "'"$cuda"'".split()
assert [e["label"] for e in d["cudnn"]] == "'"$cudnn"'".split()
for e in d["cuda"]:
    assert set(e) == {"label", "release_date", "available"}, e
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", e["release_date"]) and e["available"] is True, e
for e in d["cudnn"]:
    assert set(e) == {"label", "release_date", "cuda_majors"}, e
    assert all(isinstance(m, int) for m in e["cuda_majors"]), e
last = d["cudnn"][-1]
assert (last["label"], last["release_date"], last["cuda_majors"]) == ("9.14.0", "2025-10-09", [12, 13]), last
assert d["cuda"][-1] == {"label": "13.0.2", "release_date": "2025-10-09", "available": True}
assert {"label": "8.5.0", "release_date": "2024-03-15", "cuda_majors": [10, 11]} in d["cudnn"]
'
    run "$CUENV" ls-remote cuda --json
    assert_success
    assert_json 'assert set(d) == {"source", "platform", "cuda"}, sorted(d)'
    run "$CUENV" ls-remote cudnn --json
    assert_success
    assert_json 'assert set(d) == {"source", "platform", "cudnn"}, sorted(d)'
}

@test "ls-remote on linux-aarch64: 12.3.x listed without archives, cuDNN builds per platform" {
    run --separate-stderr "$CUENV" ls-remote cuda --platform linux-aarch64
    assert_success
    assert_line '12.2.2    2023-08-29'
    assert_line '12.3.0    2023-10-19  (no linux-aarch64 archives)'
    assert_line '12.3.1    2023-11-15  (no linux-aarch64 archives)'
    assert_line '12.3.2    2024-01-02  (no linux-aarch64 archives)'
    assert_line '12.4.0    2024-03-05'
    assert_line '13.0.2    2025-10-09  (no linux-aarch64 archives)'
    run "$CUENV" ls-remote cudnn --platform linux-aarch64
    assert_success
    assert_line --index 0 '8.5.0     2024-03-15  (no linux-aarch64 builds)'
    assert_line '9.0.0     2024-02-05  cuda12'
    assert_line '9.14.0    2025-10-09  cuda12 cuda13'
    CUENV_PLATFORM=linux-aarch64 run "$CUENV" ls-remote --json
    assert_success
    assert_json '
assert d["platform"] == "linux-aarch64"
avail = {e["label"]: e["available"] for e in d["cuda"]}
assert [l for l in avail if l.startswith("12.3.")] == ["12.3.0", "12.3.1", "12.3.2"]
assert not any(avail[l] for l in ("12.3.0", "12.3.1", "12.3.2")), avail
assert avail["12.2.2"] and avail["12.4.0"], avail
majors = {e["label"]: e["cuda_majors"] for e in d["cudnn"]}
assert majors["8.5.0"] == [] and majors["9.0.0"] == [12], majors
'
}

@test "ls-remote usage errors: unknown platform, product or option, two products (exit 2)" {
    run --separate-stderr "$CUENV" ls-remote --platform linux-arm
    assert_failure 2
    assert_output ""
    assert_stderr "cuenv: error: unknown platform 'linux-arm' (known: linux-x86_64, linux-sbsa, linux-aarch64, linux-ppc64le)"
    run --separate-stderr "$CUENV" ls-remote cublas
    assert_failure 2
    assert_output ""
    assert_stderr "cuenv: error: unknown product 'cublas' (expected cuda or cudnn)
hint: see 'cuenv ls-remote --help'"
    run --separate-stderr "$CUENV" ls-remote cuda cudnn
    assert_failure 2
    assert_stderr "cuenv: error: 'ls-remote' takes at most one of cuda, cudnn
hint: see 'cuenv ls-remote --help'"
    run --separate-stderr "$CUENV" ls-remote --all
    assert_failure 2
    assert_stderr "cuenv: error: unknown option '--all'
hint: see 'cuenv ls-remote --help'"
}

@test "the default source is served from the bundled snapshot, offline" {
    # helper.bash routes every non-local request to a dead proxy, so any
    # network access would fail this.
    run --separate-stderr "$CUENV" ls-remote cuda
    assert_success
    [ ! -e "$CUENV_CACHE/catalogue" ]
    # Naming NVIDIA's base explicitly (with a trailing slash) is the same source.
    CUENV_MIRROR=https://developer.download.nvidia.com/compute/ run --separate-stderr "$CUENV" ls-remote cuda --json
    assert_success
    assert_stderr ""
    assert_json 'assert d["source"] == "https://developer.download.nvidia.com/compute" and len(d["cuda"]) > 30'
    CUENV_MIRROR= run "$CUENV" ls-remote cuda
    assert_success
}
