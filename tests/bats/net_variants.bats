#!/usr/bin/env bats
# Network faults after RELIABILITY.md 3.A, the response shapes an attacker
# or a broken proxy tries next (fault_server.py's raw modes): chunked bodies
# that are too long, malformed or cut, duplicate and contradicting lengths,
# HTTP/0.9, 1xx and 204 answers, a 206 nobody asked for, a body labelled
# gzip, redirects to other schemes, nowhere or another server's file. The
# faulted archive is cuda_cudart 12.4 of "12.4 --profile runtime"; every
# failure meets the SFO (exit code, one line naming archive, URL and cause,
# nothing installed, cache clean) and is followed by a good run (SSO).

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
    CUDART=$(archive_path cuda_cudart 12.4.1)
    CUDART_SIZE=$(archive_path cuda_cudart 12.4.1 size)
    CUDART_GLOB="*/${CUDART##*/}"
}

teardown() { install_teardown; }

SPEC=(12.4 --profile runtime)
ENV=cuda-12.4.1-runtime

# SFO for the faulted archive (as net.bats): exit $1, the last stderr line
# names archive and URL and its cause matches the ERE $2.
assert_sfo() {
    if [ "$1" = any ]; then
        [ "$status" -eq 4 ] || [ "$status" -eq 5 ] || fail "exit $status, expected 4 or 5: $stderr"
    else
        assert_failure "$1"
    fi
    assert_output ""
    local last=${stderr##*$'\n'}
    local want="cuenv: error: cannot download 'cuda_cudart 12.4.127': $FS_URL$CUDART: "
    [ "${last:0:${#want}}" = "$want" ] || fail "error line does not name the archive and URL: $last"
    [[ ${last:${#want}} =~ $2 ]] || fail "cause does not match '$2': $last"
    assert_no_env
    assert_cache_clean
    [ ! -e "$(cache_file cuda_cudart 12.4.1)" ] || fail "the faulted archive was cached"
}

assert_installed() {
    assert_success
    assert_output "$CUENV_ROOT/envs/$ENV"
    assert_env_ok "$CUENV_ROOT/envs/$ENV"
    assert_no_leftovers
    assert_cache_clean
}

assert_recovers() {
    srv '/__fault?clear=1' >/dev/null
    install_run "${SPEC[@]}"
    assert_installed
}

# ---- chunked bodies ----

@test "[NET] a chunked body (no Content-Length) of the right bytes installs; resumed with Range after a cut" {
    fault "$CUDART_GLOB" chunked
    install_run "${SPEC[@]}"
    assert_installed
    # Cut after 2000 bytes, then chunked again: the retry asks for the rest.
    "$CUENV" uninstall 12 --all >/dev/null && "$CUENV" gc >/dev/null
    srv /__reset >/dev/null
    fault "$CUDART_GLOB" chunktrunc 2000 1
    fault "$CUDART_GLOB" chunked
    install_run "${SPEC[@]}"
    assert_installed
    run srv_log "$CUDART_GLOB"
    assert_line --index 1 --regexp '^206 bytes=2000- '
}

@test "[NET] REL-04 in flight: a chunked body longer than the manifest's size is cut at the size, exit 5, nothing cached" {
    fault "$CUDART_GLOB" chunkbig 100000
    install_run "${SPEC[@]}"
    assert_sfo 5 "^server sent more than the manifest's $CUDART_SIZE bytes\$"
    assert_equal "$(hits "$CUDART_GLOB")" 1
    assert_recovers
}

@test "[NET] malformed chunk sizes ('zz', 2^80) and a chunked body cut short: network errors (exit 4), retried, nothing kept" {
    local m
    for m in badchunk chunkhuge; do
        srv /__reset >/dev/null
        fault "$CUDART_GLOB" "$m"
        install_run "${SPEC[@]}"
        assert_sfo 4 "."
        assert_equal "$(hits "$CUDART_GLOB")" 4
    done
    srv /__reset >/dev/null
    fault "$CUDART_GLOB" chunktrunc 500
    install_run "${SPEC[@]}"
    assert_sfo 4 "."
    assert_recovers
}

# ---- lengths and status lines ----

@test "[NET] two different Content-Length headers (libcurl takes the last), or Content-Length with chunked (chunked wins): the bytes decide" {
    fault "$CUDART_GLOB" dupcl 1000
    install_run "${SPEC[@]}"
    assert_sfo 5 "^server announces 1000 bytes, the manifest $CUDART_SIZE\$"
    srv /__reset >/dev/null
    "$CUENV" uninstall 12 --all >/dev/null 2>&1 || true
    "$CUENV" gc >/dev/null
    # RFC 9112: Transfer-Encoding wins over Content-Length; the bytes decide.
    fault "$CUDART_GLOB" clchunked 10
    install_run "${SPEC[@]}"
    assert_installed
}

@test "[NET] Content-Length: 0 and 204 No Content: an error naming the size, nothing cached" {
    fault "$CUDART_GLOB" cl0
    install_run "${SPEC[@]}"
    assert_sfo 5 "^server announces 0 bytes, the manifest $CUDART_SIZE\$"
    srv /__reset >/dev/null
    fault "$CUDART_GLOB" s204
    install_run "${SPEC[@]}"
    assert_sfo 5 "^server announces 0 bytes, the manifest $CUDART_SIZE\$"
    assert_recovers
}

@test "[NET] HTTP/0.9 (bytes without a status line) is refused at once, not retried" {
    fault "$CUDART_GLOB" http09
    install_run "${SPEC[@]}"
    assert_sfo 4 "HTTP/0\.9"
    assert_equal "$(hits "$CUDART_GLOB")" 1
    assert_recovers
}

@test "[NET] a 100 Continue before the answer installs; a 200 kB header line fails cleanly, naming it" {
    fault "$CUDART_GLOB" s100
    install_run "${SPEC[@]}"
    assert_installed
    "$CUENV" uninstall 12 --all >/dev/null && "$CUENV" gc >/dev/null
    srv /__reset >/dev/null
    fault "$CUDART_GLOB" bighdr 200000
    install_run "${SPEC[@]}"
    assert_sfo 4 "^response headers too large"
    assert_recovers
}

@test "[NET] a 206 nobody asked for (bytes from 100): started over once, then exit 4 naming the range; nothing kept" {
    fault "$CUDART_GLOB" s206 100
    install_run "${SPEC[@]}"
    assert_sfo 4 "^server sent bytes from 100, not from 0\$"
    assert_equal "$(hits "$CUDART_GLOB")" 2
    [ ! -s "$(cache_file cuda_cudart 12.4.1 part)" ]
    assert_recovers
}

@test "[NET] a resume answered with a 206 of other bytes: the partial file is dropped and the download starts over" {
    fault "$CUDART_GLOB" reset 1000 1
    fault "$CUDART_GLOB" s206 0 1
    install_run "${SPEC[@]}"
    assert_installed
    run srv_log "$CUDART_GLOB"
    assert_equal "${#lines[@]}" 3
    assert_line --index 1 --regexp '^206 bytes=1000- '
    assert_line --index 2 "200 - - - $CUDART_SIZE -"
}

@test "[NET] REL-14 variant: the right bytes labelled Content-Encoding: gzip are hashed as they come (not decoded) and install" {
    fault "$CUDART_GLOB" fakegzip
    install_run "${SPEC[@]}"
    assert_installed
}

# ---- redirects ----

@test "[NET] REL-09 variants: redirects to ftp://, FILE:// in capitals, file: without slashes, dict:// are refused, nothing read" {
    local to
    for to in "ftp://127.0.0.1:1/x.tar.xz" "FILE:///etc/passwd" "file:/etc/passwd" "dict://127.0.0.1:1/x"; do
        srv /__reset >/dev/null
        fault "$CUDART_GLOB" redirect 0 "" "$to"
        install_run "${SPEC[@]}"
        assert_failure 4
        assert_stderr_line "^cuenv: error: cannot download 'cuda_cudart 12\.4\.127': "
        assert_no_env
        assert_cache_clean
        [ ! -s "$(cache_file cuda_cudart 12.4.1 part)" ] || fail "$to: bytes were kept"
        assert_equal "$(hits "$CUDART_GLOB")" 1
    done
    assert_recovers
}

@test "[NET] a 302 without Location (its body never reaches the partial file), a relative redirect climbing out of the mirror" {
    fault "$CUDART_GLOB" nolocation
    install_run "${SPEC[@]}"
    assert_sfo 4 "^HTTP 302 \(a redirect without a Location\)\$"
    [ ! -e "$(cache_file cuda_cudart 12.4.1 part)" ] || fail "the 302's body was kept as a partial download"
    srv /__reset >/dev/null
    fault "$CUDART_GLOB" redirect 0 "" "../../../../../../../../etc/passwd"
    install_run "${SPEC[@]}"
    assert_sfo 4 "HTTP 404"
    assert_recovers
}

@test "[NET] a redirect to another server's file of the same name: its bytes fail the sha256, exit 5, nothing cached" {
    # A second mirror whose cuda_cudart is other bytes of the same length.
    cp -al "$MIRROR" "$BATS_TEST_TMPDIR/m2"
    rm "$BATS_TEST_TMPDIR/m2$CUDART"
    head -c "$CUDART_SIZE" /dev/urandom >"$BATS_TEST_TMPDIR/m2$CUDART"
    local main=$FS_URL
    MIRROR=$BATS_TEST_TMPDIR/m2 fault_start
    local other=$FS_URL
    FS_URL=$main
    fault "$CUDART_GLOB" redirect 0 "" "$other$CUDART"
    install_run "${SPEC[@]}"
    assert_failure 5
    assert_stderr_line "^cuenv: error: cannot download 'cuda_cudart 12\.4\.127': .*sha256 mismatch"
    assert_no_env
    assert_cache_clean
    assert_recovers
}
