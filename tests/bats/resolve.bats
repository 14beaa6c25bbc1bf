#!/usr/bin/env bats
# cuenv resolve: spec grammar, pairing, platforms, profiles, output formats,
# against the bundled snapshot.

load helper

setup() {
    cuenv_setup
    # The expectations below are for x86_64 unless a test says otherwise.
    export CUENV_PLATFORM=linux-x86_64
}

# Check the --json document in $output against the schema, then run the
# extra Python assertions in $1 (d is the document).
assert_plan_json() {
    assert_json '
import re
assert set(d) >= {"spec", "platform", "profile", "source", "cuda", "cudnn",
                  "components", "download_size", "warnings"}, sorted(d)
for k in ("version", "label", "release_date", "manifest_sha256", "driver_min"):
    assert isinstance(d["cuda"][k], str) and d["cuda"][k], k
assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", d["cuda"]["release_date"])
assert re.fullmatch(r"[0-9a-f]{64}", d["cuda"]["manifest_sha256"])
if d["cudnn"] is not None:
    for k in ("version", "label", "variant", "release_date", "manifest_sha256"):
        assert isinstance(d["cudnn"][k], str) and d["cudnn"][k], k
    assert d["cudnn"]["variant"] == "cuda" + d["cuda"]["label"].split(".")[0]
assert d["components"], "no components"
names = [c["name"] for c in d["components"]]
assert len(names) == len(set(names)), names
for c in d["components"]:
    assert set(c) >= {"name", "version", "url", "sha256", "size"}, c
    assert re.fullmatch(r"[0-9a-f]{64}", c["sha256"]), c
    assert isinstance(c["size"], int) and c["size"] > 0, c
    product = "cudnn" if c["name"].startswith("cudnn") else "cuda"
    assert c["url"] == d["source"] + "/" + product + "/redist/" + c["relative_path"], c
    assert "/" + d["platform"] + "/" in c["url"] or c["name"] == "cudnn_samples", c
assert d["download_size"] == sum(c["size"] for c in d["components"])
assert isinstance(d["warnings"], list)
'"
$1"
}

names_of_components() {
    python3 -c 'import json, sys; print(" ".join(c["name"] for c in json.load(sys.stdin)["components"]))' <<<"$output"
}

# ---- the documented examples ----

@test "12.4+cudnn9: CUDA 12.4.1 with cuDNN 9.14.0.64, cuda12 build (human)" {
    run --separate-stderr "$CUENV" resolve 12.4+cudnn9
    assert_success
    assert_stderr ""
    assert_line --index 0 'cuda   12.4.1       released 2024-04-03, needs driver >= 550.54.15 (>= 525.60.13 with minor-version compatibility)'
    assert_line --index 1 'cudnn  9.14.0.64    released 2025-10-09, cuda12 build'
    assert_line --index 2 'platform linux-x86_64, profile devel'
    assert_line --regexp '^  cuda_nvcc +12\.4\.131 +51\.2 MB$'
    assert_line --regexp '^  cudnn +9\.14\.0\.64 +877\.7 MB$'
    assert_equal "${lines[-1]}" '25 archives, 2.7 GB to download'
    # Three header lines, 25 archive lines, the total (blank lines aside).
    assert_equal "${#lines[@]}" 29
}

@test "12.4+cudnn9 --json: the plan, with every field" {
    run --separate-stderr "$CUENV" resolve 12.4+cudnn9 --json
    assert_success
    assert_stderr ""
    [ "${#lines[@]}" -eq 1 ]
    local sha
    sha=$(sha256sum "$CUENV_SRC/manifests/cuda/redistrib_12.4.1.json" | cut -d' ' -f1)
    assert_plan_json '
assert d["spec"] == "12.4+cudnn9"
assert d["platform"] == "linux-x86_64" and d["profile"] == "devel"
assert d["source"] == "https://developer.download.nvidia.com/compute"
assert d["cuda"]["version"] == "12.4.1" and d["cuda"]["label"] == "12.4.1"
assert d["cuda"]["release_date"] == "2024-04-03"
assert d["cuda"]["driver_min"] == "550.54.15", d["cuda"]
assert d["cuda"]["manifest_sha256"] == "'"$sha"'"
assert d["cudnn"]["version"] == "9.14.0.64" and d["cudnn"]["label"] == "9.14.0"
assert d["cudnn"]["variant"] == "cuda12"
assert len(d["components"]) == 25
cudnn = [c for c in d["components"] if c["name"] == "cudnn"][0]
assert cudnn["version"] == "9.14.0.64" and cudnn["size"] == 877735896
assert cudnn["sha256"] == "fcaf904938b5bab4e782f4d064dd5b5fca7d9872a7f21a9491cf145634be4473"
assert cudnn["url"].endswith("/cudnn/redist/cudnn/linux-x86_64/cudnn-linux-x86_64-9.14.0.64_cuda12-archive.tar.xz"), cudnn
assert d["warnings"] == []
'
}

@test "12.4 without cuDNN: cudnn is null and no cuDNN archive is planned" {
    run --separate-stderr "$CUENV" resolve 12.4 --json
    assert_success
    assert_plan_json '
assert d["cudnn"] is None
assert d["cuda"]["version"] == "12.4.1"
assert not [c for c in d["components"] if c["name"].startswith("cudnn")]
assert len(d["components"]) == 24
'
    run "$CUENV" resolve 12.4
    refute_line --regexp '^cudnn '
    assert_line '24 archives, 1.8 GB to download'
}

@test "11.8+cudnn9: CUDA 11.8.0 with cuDNN 9.10.2.21, cuda11 build, listed" {
    run --separate-stderr "$CUENV" resolve 11.8+cudnn9
    assert_success
    assert_stderr ""
    assert_line --index 0 --partial 'cuda   11.8.0       released 2022-10-03, needs driver >= 520.61.05'
    assert_line --index 1 'cudnn  9.10.2.21    released 2025-06-06, cuda11 build, listed by NVIDIA for this CUDA'
    run "$CUENV" resolve 11.8+cudnn9 --json
    assert_plan_json '
assert d["cuda"]["version"] == "11.8.0"
assert d["cudnn"]["version"] == "9.10.2.21" and d["cudnn"]["variant"] == "cuda11"
assert d["cudnn"]["support"] == "listed"
'
}

@test "13.0+cudnn9.10: exit 3, names the nearest and newest cuDNN with a CUDA 13 build" {
    run --separate-stderr "$CUENV" resolve 13.0+cudnn9.10
    assert_failure 3
    assert_output ""
    assert_stderr "cuenv: error: cuDNN 9.10 has no build for CUDA 13 on linux-x86_64; nearest with one: 9.13.0, newest: 9.14.0"
    # 9.11 dropped CUDA 11.
    run --separate-stderr "$CUENV" resolve 11.8+cudnn9.11
    assert_failure 3
    assert_stderr "cuenv: error: cuDNN 9.11 has no build for CUDA 11 on linux-x86_64; nearest with one: 9.10.2"
}

@test "12.3 on linux-aarch64: exit 3, names the nearest labels with archives" {
    run --separate-stderr "$CUENV" resolve 12.3 --platform linux-aarch64
    assert_failure 3
    assert_output ""
    assert_stderr "cuenv: error: CUDA 12.3 has no archives for linux-aarch64 (Jetson); nearest with some: 12.2.2 or 12.4.0"
}

@test "a CUDA or cuDNN version that does not exist: exit 3, names its neighbours" {
    run --separate-stderr "$CUENV" resolve 12.7
    assert_failure 3
    assert_stderr "cuenv: error: no CUDA release matches '12.7' (nearest: 12.6.3 or 12.8.0)"
    run --separate-stderr "$CUENV" resolve 99
    assert_failure 3
    assert_stderr "cuenv: error: no CUDA release matches '99' (nearest: 13.0.2)"
    run --separate-stderr "$CUENV" resolve 10
    assert_failure 3
    assert_stderr "cuenv: error: no CUDA release matches '10' (nearest: 11.4.2)"
    # The same for cuDNN.
    run --separate-stderr "$CUENV" resolve 12.4+cudnn7
    assert_failure 3
    assert_stderr "cuenv: error: no cuDNN release matches '7' (nearest: 8.5.0)"
    run --separate-stderr "$CUENV" resolve '12.4+cudnn>=9.15'
    assert_failure 3
    assert_stderr "cuenv: error: no cuDNN release matches '>=9.15' (nearest: 9.14.0)"
}

# ---- spec forms ----

@test "CUDA prefixes pick the newest matching label" {
    run "$CUENV" resolve 12 --json
    assert_json 'assert d["cuda"]["version"] == "12.9.1", d["cuda"]'
    run "$CUENV" resolve 12.4.0 --json
    assert_json 'assert d["cuda"]["version"] == "12.4.0", d["cuda"]'
    run "$CUENV" resolve latest --json
    assert_json 'assert d["cuda"]["version"] == "13.0.2" and d["cudnn"] is None'
}

@test "cuDNN prefixes, minimums and 'any' pick the newest matching release" {
    run "$CUENV" resolve 12.4+cudnn9.1 --json
    assert_json 'assert d["cudnn"]["version"] == "9.1.1.17", d["cudnn"]'
    run "$CUENV" resolve 12.4+cudnn9.1.0 --json
    assert_json 'assert d["cudnn"]["version"] == "9.1.0.70", d["cudnn"]'
    run "$CUENV" resolve '12.4+cudnn>=9.3' --json
    assert_json 'assert d["spec"] == "12.4+cudnn>=9.3" and d["cudnn"]["label"] == "9.14.0"'
    # A minimum stays within its major.
    run "$CUENV" resolve '12.4+cudnn>=8.5' --json
    assert_json 'assert d["cudnn"]["version"] == "8.9.7.29", d["cudnn"]'
    run "$CUENV" resolve 12.4+cudnn --json
    assert_json 'assert d["cudnn"]["label"] == "9.14.0", d["cudnn"]'
}

@test "latest+cudnnN walks down to the newest CUDA that cuDNN has a build for" {
    run "$CUENV" resolve latest+cudnn9 --json
    assert_json 'assert (d["cuda"]["version"], d["cudnn"]["label"], d["cudnn"]["variant"]) == ("13.0.2", "9.14.0", "cuda13"), d'
    run "$CUENV" resolve latest+cudnn8.5 --json
    assert_json 'assert (d["cuda"]["version"], d["cudnn"]["version"]) == ("11.8.0", "8.5.0.96"), d'
    run "$CUENV" resolve latest+cudnn9 --platform linux-aarch64 --json
    assert_json 'assert (d["cuda"]["version"], d["cudnn"]["variant"]) == ("12.9.1", "cuda12"), d'
}

@test "invalid specs: exit 2, 'invalid spec' naming the spec and why" {
    local spec why
    while IFS='|' read -r spec why; do
        run --separate-stderr "$CUENV" resolve "$spec"
        assert_failure 2
        assert_output ""
        assert_stderr "cuenv: error: invalid spec '$spec': $why
hint: see 'cuenv resolve --help'"
    done <<'EOF'
|empty
abc|expected a CUDA version such as 12, 12.4 or 12.4.1, or 'latest'
1.2.3.4|expected a CUDA version such as 12, 12.4 or 12.4.1, or 'latest'
12..4|expected a CUDA version such as 12, 12.4 or 12.4.1, or 'latest'
12.4 |expected a CUDA version such as 12, 12.4 or 12.4.1, or 'latest'
12.4+|expected '+cudnn' after the CUDA version
12.4+cuda9|expected '+cudnn' after the CUDA version
12.4+cudnn9.x|expected a cuDNN version such as cudnn9, cudnn9.1 or cudnn>=9.3
12.4+cudnn9.1.1.1|expected a cuDNN version such as cudnn9, cudnn9.1 or cudnn>=9.3
12.4+cudnn>=|expected a cuDNN version after '>=', such as >=9.3
EOF
    local long
    long=$(printf '1%.0s' $(seq 1 70))
    run --separate-stderr "$CUENV" resolve "$long"
    assert_failure 2
    assert_stderr_regexp "^cuenv: error: invalid spec '1{64}': longer than 64 characters"
}

@test "resolve usage errors: no spec, two specs, unknown option (exit 2)" {
    run --separate-stderr "$CUENV" resolve
    assert_failure 2
    assert_stderr "cuenv: error: no spec given
hint: see 'cuenv resolve --help'"
    run --separate-stderr "$CUENV" resolve 12.4 12.6
    assert_failure 2
    assert_stderr "cuenv: error: 'resolve' takes one spec
hint: see 'cuenv resolve --help'"
    run --separate-stderr "$CUENV" resolve 12.4 --bogus
    assert_failure 2
    assert_output ""
    assert_stderr "cuenv: error: unknown option '--bogus'
hint: see 'cuenv resolve --help'"
    run --separate-stderr "$CUENV" resolve 12.4 --profile
    assert_failure 2
}

# ---- pairs outside NVIDIA's list ----

@test "12.8+cudnn9.5: resolves, with a warning on stderr only" {
    run --separate-stderr "$CUENV" resolve 12.8+cudnn9.5
    assert_success
    assert_stderr "cuenv: warning: cuDNN 9.5.1 lists CUDA 12.0-12.6 for its cuda12 build; 12.8 is outside NVIDIA's support list"
    assert_line --index 0 --partial 'cuda   12.8.1 '
    assert_line --index 1 'cudnn  9.5.1.17     released 2024-10-25, cuda12 build, NOT listed by NVIDIA for this CUDA'
    run --separate-stderr "$CUENV" resolve 12.8+cudnn9.5 --json
    assert_success
    assert_stderr_regexp '^cuenv: warning: cuDNN 9\.5\.1 lists'
    assert_plan_json '
assert d["cudnn"]["support"] == "unlisted"
assert d["warnings"] == ["cuDNN 9.5.1 lists CUDA 12.0-12.6 for its cuda12 build; 12.8 is outside NVIDIA'"'"'s support list"], d["warnings"]
'
}

# ---- platforms ----

@test "--platform and CUENV_PLATFORM choose the platform's archives; --platform wins" {
    run "$CUENV" resolve 12.4+cudnn9 --platform linux-sbsa
    assert_success
    assert_line --index 2 'platform linux-sbsa, profile devel'
    CUENV_PLATFORM=linux-sbsa run "$CUENV" resolve 12.4+cudnn9 --json
    assert_plan_json '
assert d["platform"] == "linux-sbsa"
assert all("/linux-sbsa/" in c["url"] for c in d["components"])
assert "linux-sbsa-9.14.0.64_cuda12" in d["components"][-1]["url"]
'
    # --platform wins over CUENV_PLATFORM.
    CUENV_PLATFORM=linux-sbsa run "$CUENV" resolve 12.4 --platform linux-x86_64 --json
    assert_success
    assert_json 'assert d["platform"] == "linux-x86_64"'
}

@test "without --platform or CUENV_PLATFORM, the platform is this machine's" {
    unset CUENV_PLATFORM
    case $(uname -m) in
    x86_64) want=linux-x86_64 ;;
    ppc64le) want=linux-ppc64le ;;
    *) skip "expectation written for x86_64 and ppc64le only" ;;
    esac
    run "$CUENV" resolve 12.4 --json
    assert_success
    assert_json 'assert d["platform"] == "'"$want"'", d["platform"]'
}

@test "an unknown platform: exit 2, lists the known ones" {
    run --separate-stderr "$CUENV" resolve 12.4 --platform windows-x86_64
    assert_failure 2
    assert_output ""
    assert_stderr "cuenv: error: unknown platform 'windows-x86_64' (known: linux-x86_64, linux-sbsa, linux-aarch64, linux-ppc64le)"
    CUENV_PLATFORM=sbsa run --separate-stderr "$CUENV" resolve 12.4
    assert_failure 2
    assert_stderr "cuenv: error: unknown platform 'sbsa' (known: linux-x86_64, linux-sbsa, linux-aarch64, linux-ppc64le)"
}

# ---- profiles ----

@test "profiles: runtime is libraries, devel adds the compiler, full adds tools" {
    local runtime devel full
    run "$CUENV" resolve 13.0+cudnn9 --profile runtime --json
    assert_success
    assert_json 'assert d["profile"] == "runtime"'
    runtime=" $(names_of_components) "
    run "$CUENV" resolve 13.0+cudnn9 --json
    assert_json 'assert d["profile"] == "devel"'
    devel=" $(names_of_components) "
    run "$CUENV" resolve 13.0+cudnn9 --profile devel --json
    [ " $(names_of_components) " = "$devel" ]
    run "$CUENV" resolve 13.0+cudnn9 --profile full --json
    assert_json 'assert d["profile"] == "full"'
    full=" $(names_of_components) "

    local n
    for n in cuda_cudart libcublas cuda_nvrtc cudnn; do
        [[ $runtime == *" $n "* ]] || fail "runtime lacks $n: $runtime"
    done
    for n in cuda_nvcc cuda_cccl cuda_crt libnvvm; do
        [[ $runtime != *" $n "* ]] || fail "runtime has $n: $runtime"
        [[ $devel == *" $n "* ]] || fail "devel lacks $n: $devel"
    done
    for n in nsight_systems cuda_gdb cudnn_samples; do
        [[ $devel != *" $n "* ]] || fail "devel has $n: $devel"
        [[ $full == *" $n "* ]] || fail "full lacks $n: $full"
    done
    for n in $runtime; do [[ $devel == *" $n "* ]] || fail "devel lacks runtime's $n"; done
    for n in $devel; do [[ $full == *" $n "* ]] || fail "full lacks devel's $n"; done
}

@test "no profile installs driver or system plumbing" {
    local spec p n
    for spec in 13.0 12.4; do
        run "$CUENV" resolve "$spec" --profile full --json
        assert_success
        p=" $(names_of_components) "
        for n in nvidia_driver fabricmanager imex libnvidia_nscq nvidia_fs libnvsdm mft nvlsm \
            collectx_bringup driver_assistant cuda_compat; do
            [[ $p != *" $n "* ]] || fail "full profile of $spec has $n"
        done
    done
}

@test "an unknown profile: exit 2, lists the known ones" {
    run --separate-stderr "$CUENV" resolve 12.4 --profile minimal
    assert_failure 2
    assert_output ""
    assert_stderr "cuenv: error: unknown profile 'minimal' (known: runtime, devel, full)"
    CUENV_PROFILE=tiny run --separate-stderr "$CUENV" resolve 12.4
    assert_failure 2
    assert_stderr "cuenv: error: unknown profile 'tiny' (known: runtime, devel, full)"
}

@test "profile and platform from the config file; the environment wins; options win over both" {
    local cfg=$BATS_TEST_TMPDIR/config
    printf '# cuenv settings\n\nprofile = runtime\nplatform = linux-sbsa\n' >"$cfg"
    unset CUENV_PLATFORM
    CUENV_CONFIG=$cfg run "$CUENV" resolve 12.4 --json
    assert_success
    assert_json 'assert (d["platform"], d["profile"]) == ("linux-sbsa", "runtime"), d'
    CUENV_CONFIG=$cfg CUENV_PLATFORM=linux-x86_64 CUENV_PROFILE=full run "$CUENV" resolve 12.4 --json
    assert_json 'assert (d["platform"], d["profile"]) == ("linux-x86_64", "full"), d'
    CUENV_CONFIG=$cfg CUENV_PROFILE=full run "$CUENV" resolve 12.4 --profile devel --platform linux-aarch64 --json
    assert_json 'assert (d["platform"], d["profile"]) == ("linux-aarch64", "devel"), d'
}
