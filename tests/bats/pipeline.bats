#!/usr/bin/env bats
# cuenv install, list, prefix, uninstall and gc against the generated mirror
# (tests/fixtures/mkmirror.py: real tiny ELF libraries in NVIDIA's layout)
# served by tests/fixtures/fault_server.py on 127.0.0.1. Oracles: RELIABILITY.md
# section 2 (SSO: assert_env_ok and zero requests on a second run).

load helper

setup_file() {
    export PATH=/usr/local/bin:/usr/bin:/bin
    mirror_build
    file_server_start
}

teardown_file() { file_server_stop; }

setup() {
    install_setup
    file_server_use
}

teardown() {
    [ -z "${NGINX_STATE:-}" ] || sh "$FIXTURES/nginx.sh" stop "$NGINX_STATE" || true
    install_teardown
}

ENV124=cuda-12.4.1-devel
ENV124DNN=cuda-12.4.1+cudnn-9.14.0.64-devel
RE124DNN='cuda-12\.4\.1\+cudnn-9\.14\.0\.64-devel'
CUDA124_ARCHIVES="cuda_cccl cuda_cudart cuda_cupti cuda_nvcc cuda_nvrtc libcublas"

# ---- the happy path ----

@test "install 12.4+cudnn9 from an http mirror: a working prefix of real libraries, no driver decoys" {
    install_run 12.4+cudnn9
    assert_success
    local prefix=$CUENV_ROOT/envs/$ENV124DNN
    assert_output "$prefix"
    [ -d "$prefix" ]
    # Not a terminal: one line per archive, then the summary.
    local c
    for c in $CUDA124_ARCHIVES; do
        assert_stderr_line "^unpacked +$c 12\.4\.[0-9.]+ \([0-9.]+ k?B\)\$"
    done
    assert_stderr_line '^unpacked +cudnn 9\.14\.0\.64 \([0-9.]+ kB\)$'
    assert_stderr_regexp "installed $RE124DNN in [0-9.]+ s \([0-9.]+ kB downloaded\)\$"
    assert_equal "$(grep -c '^unpacked ' <<<"$stderr")" 7

    # nvcc runs from the prefix and finds its siblings relative to its own path.
    run "$prefix/bin/nvcc" --version
    assert_success
    assert_line 'Cuda compilation tools, release 12.4, V12.4.131'
    assert_line "nvcc path: $prefix/bin/nvcc"
    run "$prefix/bin/nvcc" -c x.cu
    assert_success
    assert_line "found: $prefix/bin/../nvvm/bin/cicc"

    # Real ELF shared objects with NVIDIA's sonames, answering the real API.
    run readelf -d "$prefix/lib/libcudart.so.12"
    assert_success
    assert_output --partial 'Library soname: [libcudart.so.12]'
    run readelf -d "$prefix/lib/libcudnn.so.9"
    assert_success
    assert_output --partial 'Library soname: [libcudnn.so.9]'
    run python3 -c 'import ctypes, sys
rt = ctypes.CDLL(sys.argv[1] + "/lib64/libcudart.so.12")
v = ctypes.c_int()
assert rt.cudaRuntimeGetVersion(ctypes.byref(v)) == 0
dnn = ctypes.CDLL(sys.argv[1] + "/lib/libcudnn.so.9")
dnn.cudnnGetVersion.restype = ctypes.c_size_t
print(v.value, dnn.cudnnGetVersion(), dnn.cuenv_fixture_dlopen_sublibs())' "$prefix"
    assert_success
    assert_output "12040 91400 0"

    assert_equal "$(readlink "$prefix/lib64")" lib
    # Read-only files, exactly the archives' trees (assert_env_ok checks modes too).
    assert_equal "$(find "$prefix" -type f -perm /222 | wc -l)" 0
    assert_env_ok "$prefix"

    # Each archive once; the driver pieces are never even requested.
    assert_equal "$(hits '*.tar.xz')" 7
    assert_equal "$(hits '*/nvidia_driver/*')" 0
    assert_equal "$(hits '*/fabricmanager/*')" 0
    assert_cache_clean
    assert_no_leftovers
}

@test "--profile full installs everything but the driver decoys" {
    install_run 12.4+cudnn9 --profile full
    assert_success
    assert_output "$CUENV_ROOT/envs/cuda-12.4.1+cudnn-9.14.0.64-full"
    assert_env_ok "$output"
    [ -f "$output/share/licenses/cudnn_samples/LICENSE" ]
    [ ! -e "$output/DECOY-MUST-NOT-BE-INSTALLED" ]
    [ ! -e "$output/lib/libcuda.so.1" ]
    assert_equal "$(hits '*/nvidia_driver/*')" 0
    assert_equal "$(hits '*/fabricmanager/*')" 0
}

@test "a second install of the same spec is a no-op: zero HTTP requests, 'already installed'" {
    install_run 12.4+cudnn9
    assert_success
    local before
    before=$(hits)
    install_run 12.4+cudnn9
    assert_success
    assert_output "$CUENV_ROOT/envs/$ENV124DNN"
    assert_stderr "$ENV124DNN is already installed"
    assert_equal "$(hits)" "$before"
    # Same with --json: one document saying so, every archive reused.
    install_run 12.4+cudnn9 --json
    assert_success
    assert_stderr ""
    assert_json '
assert d["already_installed"] is True and d["downloaded"] == 0, d
assert d["name"] == "'"$ENV124DNN"'" and d["prefix"] == "'"$CUENV_ROOT/envs/$ENV124DNN"'", d
'
    assert_equal "$(hits)" "$before"
    assert_env_ok "$CUENV_ROOT/envs/$ENV124DNN"
}

@test "--json on an installed env still lists its archives, each 'reused'" {
    install_run 12.4 --quiet
    install_run 12.4 --json
    assert_success
    assert_json '
assert d["already_installed"] is True, d
assert sorted(a["name"] for a in d["archives"]) == sorted("'"$CUDA124_ARCHIVES"'".split()), d
assert {a["state"] for a in d["archives"]} == {"reused"}, d
'
}

@test "12.4 then 12.4+cudnn9: only cuDNN is downloaded, the envs share store entries (same inodes)" {
    install_run 12.4
    assert_success
    assert_equal "$(hits '*.tar.xz')" 6
    install_run 12.4+cudnn9
    assert_success
    assert_equal "$(hits '*.tar.xz')" 7
    assert_equal "$(hits '/cudnn/redist/cudnn/*')" 1
    assert_equal "$(grep -c '^reused ' <<<"$stderr")" 6
    assert_stderr_line '^unpacked +cudnn 9\.14\.0\.64 '
    assert_stderr_regexp '\([0-9.]+ kB downloaded\)$'

    local a=$CUENV_ROOT/envs/$ENV124/lib/libcudart.so.12.4.127
    local b=$CUENV_ROOT/envs/$ENV124DNN/lib/libcudart.so.12.4.127
    local s
    s=$(echo "$CUENV_ROOT"/store/cuda_cudart-linux-x86_64-12.4.127-*/lib/libcudart.so.12.4.127)
    [ -f "$s" ]
    assert_equal "$(stat -c %i "$a")" "$(stat -c %i "$b")"
    assert_equal "$(stat -c %i "$a")" "$(stat -c %i "$s")"
    # The executable too: a hard link, never a symlink (nvcc finds its siblings from its path).
    [ ! -L "$CUENV_ROOT/envs/$ENV124DNN/bin/nvcc" ]
    assert_equal "$(stat -c %i "$CUENV_ROOT/envs/$ENV124/bin/nvcc")" \
        "$(stat -c %i "$CUENV_ROOT/envs/$ENV124DNN/bin/nvcc")"
    assert_env_ok "$CUENV_ROOT/envs/$ENV124"
    assert_env_ok "$CUENV_ROOT/envs/$ENV124DNN"

    run "$CUENV" list
    assert_success
    assert_line --regexp "^$RE124DNN +devel +[0-9.]+ kB +7 archives, 6 shared with other envs\$"
    assert_line --regexp "^$ENV124 +devel +[0-9.]+ kB +6 archives, 6 shared with other envs\$"
}

@test "--json: one document with name, prefix, downloaded bytes and the archives" {
    install_run 12.4 --profile runtime --json
    assert_success
    assert_stderr ""
    local sizes=0 c
    for c in cuda_cudart cuda_cupti cuda_nvrtc libcublas; do
        sizes=$((sizes + $(archive_path "$c" 12.4.1 size)))
    done
    assert_json '
root = "'"$CUENV_ROOT"'"
assert d["name"] == "cuda-12.4.1-runtime", d
assert d["prefix"] == root + "/envs/cuda-12.4.1-runtime", d
assert d["already_installed"] is False
assert d["downloaded"] == '"$sizes"', d["downloaded"]
assert sorted(a["name"] for a in d["archives"]) == ["cuda_cudart", "cuda_cupti", "cuda_nvrtc", "libcublas"], d
for a in d["archives"]:
    assert a["state"] == "done", a
    assert a["store_entry"].startswith(a["name"] + "-linux-x86_64-" + a["version"] + "-"), a
    assert a["size"] > 0
'
    assert_env_ok "$CUENV_ROOT/envs/cuda-12.4.1-runtime"
}

@test "--quiet prints nothing on success; --jobs 1 gives the same env" {
    install_run 12.4 --quiet --jobs 1
    assert_success
    assert_output ""
    assert_stderr ""
    assert_env_ok "$CUENV_ROOT/envs/$ENV124"
    install_run 12.4 --quiet
    assert_success
    assert_output ""
    assert_stderr ""
    install_run 12.4 --jobs 0
    assert_failure 2
}

@test "several specs in one command: each env installed, one prefix per line" {
    install_run 12.4 12.6+cudnn9 --profile runtime
    assert_success
    assert_output "$CUENV_ROOT/envs/cuda-12.4.1-runtime
$CUENV_ROOT/envs/cuda-12.6.3+cudnn-9.14.0.64-runtime"
    assert_envs_ok
    assert_equal "$(ls "$CUENV_ROOT/envs" | wc -l)" 2
}

# ---- list, prefix, uninstall ----

@test "list and list --json: nothing installed, then each env with its pair, profile, size and sharing" {
    run --separate-stderr "$CUENV" list
    assert_success
    assert_output ""
    assert_stderr "no envs installed in $CUENV_ROOT (try 'cuenv install 12.4+cudnn9')"
    run "$CUENV" list --json
    assert_success
    assert_output "[]"

    install_run 12.4 --quiet
    install_run 12.4+cudnn9 --profile runtime --quiet
    run --separate-stderr "$CUENV" list
    assert_success
    assert_stderr ""
    assert_equal "${#lines[@]}" 2
    assert_line --regexp "^cuda-12\.4\.1\+cudnn-9\.14\.0\.64-runtime +runtime +[0-9.]+ kB +5 archives, 4 shared with other envs\$"
    assert_line --regexp "^$ENV124 +devel +[0-9.]+ kB +6 archives, 4 shared with other envs\$"
    run "$CUENV" list --json
    assert_success
    assert_json '
root = "'"$CUENV_ROOT"'"
by = {e["name"]: e for e in d}
assert set(by) == {"cuda-12.4.1-devel", "cuda-12.4.1+cudnn-9.14.0.64-runtime"}, by
e = by["cuda-12.4.1-devel"]
assert (e["cuda"], e["cudnn"], e["profile"], e["platform"], e["spec"]) == ("12.4.1", None, "devel", "linux-x86_64", "12.4"), e
assert e["prefix"] == root + "/envs/cuda-12.4.1-devel" and e["size"] > 0
assert e["source"] == "'"$FS_URL"'", e["source"]
r = by["cuda-12.4.1+cudnn-9.14.0.64-runtime"]
assert (r["cudnn"], r["profile"]) == ("9.14.0.64", "runtime"), r
shared = {c["name"]: c["shared_with"] for c in r["components"]}
assert shared == {"cuda_cudart": 1, "cuda_cupti": 1, "cuda_nvrtc": 1, "libcublas": 1, "cudnn": 0}, shared
'
}

@test "prefix: the path of an installed env; exit 3 with a hint when none matches" {
    install_run 12.4 --quiet
    install_run 12.4+cudnn9 --profile runtime --quiet
    run --separate-stderr "$CUENV" prefix 12.4
    assert_success
    assert_output "$CUENV_ROOT/envs/$ENV124"
    run "$CUENV" prefix 12.4+cudnn9
    assert_success
    assert_output "$CUENV_ROOT/envs/cuda-12.4.1+cudnn-9.14.0.64-runtime"
    run "$CUENV" prefix "$ENV124"
    assert_success
    assert_output "$CUENV_ROOT/envs/$ENV124"
    run --separate-stderr "$CUENV" prefix 12.6
    assert_failure 3
    assert_output ""
    assert_stderr "cuenv: error: no installed env matches '12.6'
hint: install it with 'cuenv install 12.6'"
    run "$CUENV" prefix 12.4+cudnn9 --profile devel
    assert_failure 3
    # No network: prefix only reads the root.
    local before
    before=$(hits)
    run "$CUENV" prefix 12.4
    assert_equal "$(hits)" "$before"
}

@test "uninstall: ambiguous spec is exit 2 with the candidates; by name; --all; exit 3 when not installed" {
    install_run 12.4 --quiet
    install_run 12.4 --profile runtime --quiet
    run --separate-stderr "$CUENV" uninstall 12.4
    assert_failure 2
    assert_stderr "cuenv: error: '12.4' matches 2 installed envs; name one or pass --all
hint:   cuda-12.4.1-devel
hint:   cuda-12.4.1-runtime"
    [ -d "$CUENV_ROOT/envs/$ENV124" ] && [ -d "$CUENV_ROOT/envs/cuda-12.4.1-runtime" ]

    run --separate-stderr "$CUENV" uninstall cuda-12.4.1-runtime
    assert_success
    assert_stderr "removed cuda-12.4.1-runtime
store entries stay until 'cuenv gc'"
    [ ! -e "$CUENV_ROOT/envs/cuda-12.4.1-runtime" ]
    assert_env_ok "$CUENV_ROOT/envs/$ENV124"
    run "$CUENV" prefix 12.4 --profile runtime
    assert_failure 3

    run --separate-stderr "$CUENV" uninstall 12.6
    assert_failure 3
    assert_stderr "cuenv: error: no installed env matches '12.6'
hint: see 'cuenv list'"

    install_run 12.4 --profile runtime --quiet
    assert_success
    run "$CUENV" uninstall --all 12.4
    assert_success
    run "$CUENV" list --json
    assert_output "[]"
    assert_no_leftovers
    # The store entries stay (gc removes them), so a reinstall downloads nothing.
    local before
    before=$(hits '*.tar.xz')
    install_run 12.4 --quiet
    assert_success
    assert_equal "$(hits '*.tar.xz')" "$before"
    assert_env_ok "$CUENV_ROOT/envs/$ENV124"
}

# ---- gc ----

@test "gc removes store entries and cached archives no env uses, reports what it freed, keeps the rest" {
    install_run 12.4 --quiet
    install_run 12.4+cudnn9 --quiet
    run --separate-stderr "$CUENV" gc
    assert_success
    assert_stderr "removed 0 store entries, 0 cached archives, 0 partial downloads and 0 staging directories; freed 0 B"

    run "$CUENV" uninstall "$ENV124DNN"
    assert_success
    local dnn=("$CUENV_ROOT"/store/cudnn-linux-x86_64-9.14.0.64_cuda12-*)
    [ -d "${dnn[0]}" ]
    [ -f "$(cache_file cudnn 9.14.0)" ]
    run "$CUENV" gc --json
    assert_success
    assert_json '
assert d["store_entries"] == 1 and d["archives"] == 1, d
assert d["partials"] == 0 and d["staging"] == 0, d
assert d["bytes"] > '"$(archive_path cudnn 9.14.0 size)"', d
'
    run ls "$CUENV_ROOT/store"
    refute_output --partial cudnn
    assert_equal "${#lines[@]}" 6
    [ ! -e "$(cache_file cudnn 9.14.0)" ]
    [ -f "$(cache_file cuda_cudart 12.4.1)" ]
    assert_env_ok "$CUENV_ROOT/envs/$ENV124"
    # What is left still serves the env without the network.
    local before
    before=$(hits)
    install_run 12.4
    assert_success
    assert_stderr "$ENV124 is already installed"
    assert_equal "$(hits)" "$before"
    run "$CUENV" gc --json
    assert_json 'assert d == {"store_entries": 0, "archives": 0, "partials": 0, "staging": 0, "bytes": 0}, d'

    # Everything goes once nothing uses it, partial downloads included.
    run "$CUENV" uninstall "$ENV124"
    assert_success
    fault '*/cuda_cudart-linux-x86_64-12.6*' reset 1000
    CUENV_RETRIES=0 install_run 12.6 --quiet
    assert_failure 4
    [ -s "$(cache_file cuda_cudart 12.6.3 part)" ]
    run "$CUENV" gc --json
    assert_success
    assert_json '
assert d["store_entries"] >= 6 and d["archives"] >= 6 and d["partials"] >= 1, d
assert d["bytes"] > 100000, d
'
    assert_equal "$(find "$CUENV_ROOT/store" -mindepth 1 | wc -l)" 0
    assert_equal "$(find "$CUENV_CACHE/archives" -name '*.tar.xz' -o -name '*.part' | wc -l)" 0
    run "$CUENV" gc extra
    assert_failure 2
}

# ---- sources ----

@test "two roots sharing one cache download each archive once" {
    install_run 12.4+cudnn9
    assert_success
    CUENV_ROOT=$BATS_TEST_TMPDIR/root2 install_run 12.4+cudnn9
    assert_success
    assert_output "$BATS_TEST_TMPDIR/root2/envs/$ENV124DNN"
    assert_equal "$(grep -c '^unpacked .*, from the cache)$' <<<"$stderr")" 7
    assert_stderr_regexp '\(0 B downloaded\)$'
    assert_equal "$(hits '*.tar.xz')" 7
    srv /__hits | python3 -c 'import json, sys
d = json.load(sys.stdin)
bad = {p: n for p, n in d.items() if p.endswith(".tar.xz") and n != 1}
assert not bad, bad'
    assert_env_ok "$CUENV_ROOT/envs/$ENV124DNN"
    assert_env_ok "$BATS_TEST_TMPDIR/root2/envs/$ENV124DNN"
    assert_cache_clean
}

@test "a file:// mirror installs too, and reinstalls without reading anything" {
    export CUENV_MIRROR=file://$MIRROR
    install_run 12.4+cudnn9
    assert_success
    assert_output "$CUENV_ROOT/envs/$ENV124DNN"
    assert_env_ok "$output"
    run "$CUENV" list --json
    assert_json 'assert d[0]["source"] == "file://'"$MIRROR"'", d'
    install_run 12.6+cudnn9 --quiet
    assert_success
    assert_env_ok "$CUENV_ROOT/envs/cuda-12.6.3+cudnn-9.14.0.64-devel"
    # Nothing went through the http server.
    assert_equal "$(hits)" 0
    assert_cache_clean
    assert_no_leftovers
}

# ---- interruption ----

# Start an install whose cuda_cudart 12.4 download trickles (1 byte / 0.5 s),
# wait until some bytes are in its .part file, send signal $1.
interrupt_download() {
    fault '*/cuda_cudart-linux-x86_64-12.4.127-archive.tar.xz' trickle
    local part i
    part=$(cache_file cuda_cudart 12.4.1 part)
    "$CUENV" install 12.4 >"$BATS_TEST_TMPDIR/int.out" 2>"$BATS_TEST_TMPDIR/int.err" &
    local pid=$!
    BG_PIDS="$BG_PIDS $pid"
    for i in $(seq 1 200); do
        [ "$(stat -c %s "$part" 2>/dev/null || echo 0)" -ge 2 ] && break
        sleep 0.05
    done
    [ "$(stat -c %s "$part")" -ge 2 ] || fail "the download did not start"
    kill -"$1" "$pid"
    wait_bounded "$pid" 10
}

@test "SIGINT during a slow download: exit 130, nothing installed; the next run resumes with Range" {
    interrupt_download INT
    assert_equal "$WAIT_RC" 130
    assert_equal "$(tail -1 "$BATS_TEST_TMPDIR/int.err")" "cuenv: error: interrupted; nothing was installed"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/int.out")" ""
    assert_no_env
    assert_cache_clean
    local part have
    part=$(cache_file cuda_cudart 12.4.1 part)
    have=$(stat -c %s "$part")
    [ "$have" -ge 2 ]

    srv '/__fault?clear=1' >/dev/null
    install_run 12.4
    assert_success
    assert_env_ok "$CUENV_ROOT/envs/$ENV124"
    # The second request for cudart asked only for the rest.
    run srv_log '*/cuda_cudart-linux-x86_64-12.4.127-archive.tar.xz'
    assert_line --regexp "^206 bytes=$have- \"[^\"]+\" - [0-9]+ -\$"
    assert_no_leftovers
    assert_cache_clean
}

@test "SIGTERM during a download: exit 130, nothing installed, a later run succeeds" {
    interrupt_download TERM
    assert_equal "$WAIT_RC" 130
    assert_no_env
    srv '/__fault?clear=1' >/dev/null
    install_run 12.4
    assert_success
    assert_env_ok "$CUENV_ROOT/envs/$ENV124"
    assert_no_leftovers
}

# ---- a production server ----

@test "nginx: installs, resumes a partial download with Range (206), and a second run makes no request" {
    [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || skip "nginx is not installed"
    local out
    out=$(timeout 30 sh "$FIXTURES/nginx.sh" start "$MIRROR")
    NGINX_STATE=$(sed -n 's/^STATE //p' <<<"$out")
    CUENV_MIRROR=$(sed -n 's/^URL //p' <<<"$out")
    export CUENV_MIRROR
    [ -n "$NGINX_STATE" ] && [ -n "$CUENV_MIRROR" ]
    # What an interrupted run leaves: the first 1000 bytes of cudart in its .part.
    local cudart size part
    cudart=$(archive_path cuda_cudart 12.4.1)
    size=$(archive_path cuda_cudart 12.4.1 size)
    part=$(cache_file cuda_cudart 12.4.1 part)
    mkdir -p "$CUENV_CACHE/archives"
    head -c 1000 "$MIRROR$cudart" >"$part"
    install_run 12.4 --profile runtime
    assert_success
    assert_output "$CUENV_ROOT/envs/cuda-12.4.1-runtime"
    assert_env_ok "$output"
    run grep -c "\"GET $cudart HTTP/1.1\" 206 $((size - 1000)) " "$NGINX_STATE/access.log"
    assert_output 1
    run grep -c "\"GET $cudart " "$NGINX_STATE/access.log"
    assert_output 1
    assert_no_leftovers
    assert_cache_clean
    local before
    before=$(wc -l <"$NGINX_STATE/access.log")
    install_run 12.4 --profile runtime
    assert_success
    assert_stderr "cuda-12.4.1-runtime is already installed"
    assert_equal "$(wc -l <"$NGINX_STATE/access.log")" "$before"
}
