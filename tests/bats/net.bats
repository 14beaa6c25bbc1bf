#!/usr/bin/env bats
# Network faults while downloading archives (RELIABILITY.md 3.A, REL-01..14):
# tests/fixtures/fault_server.py serves the generated mirror and faults one
# archive, cuda_cudart 12.4, of the plan "12.4 --profile runtime" (4
# archives). Every failure is checked against the standard failure oracle
# (exit code, one line naming the archive, URL and cause, nothing installed,
# no poisoned cache entry) and followed by a good run (SSO, no leftovers).

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

# Install the plan; T0/T1: wall clock around it (ms).
install_timed() {
    T0=$(now_ms)
    install_run "${SPEC[@]}" "$@"
    T1=$(now_ms)
}

# SFO for the faulted archive: exit status $1, the last stderr line names the
# archive and URL and ends with a cause matching the ERE $2; nothing
# installed; the cache holds only verified archives.
assert_sfo() {
    assert_failure "$1"
    assert_output ""
    local last=${stderr##*$'\n'}
    local want="cuenv: error: cannot download 'cuda_cudart 12.4.127': $FS_URL$CUDART: "
    [ "${last:0:${#want}}" = "$want" ] ||
        fail "error line does not name the archive and URL: $last"
    [[ ${last:${#want}} =~ $2 ]] || fail "cause does not match '$2': $last"
    assert_no_env
    assert_cache_clean
    [ ! -e "$(cache_file cuda_cudart 12.4.1)" ] || fail "the faulted archive was cached"
}

# After a failure: with the faults gone, the same install succeeds and leaves
# no staging or partial download behind.
assert_recovers() {
    srv '/__fault?clear=1' >/dev/null
    install_run "${SPEC[@]}"
    assert_success
    assert_output "$CUENV_ROOT/envs/$ENV"
    assert_env_ok "$output"
    assert_no_leftovers
    assert_cache_clean
}

# ---- resets and truncation (REL-01, REL-02) ----

@test "REL-01: reset mid-body once: retried, resumed with Range and If-Range, installed" {
    fault "$CUDART_GLOB" reset 1000 1
    install_timed
    assert_success
    assert_output "$CUENV_ROOT/envs/$ENV"
    assert_stderr_line "^cuenv: warning: retrying 'cuda_cudart 12\.4\.127' in 0\.1 s: .*Connection reset by peer \(received 1000 of $CUDART_SIZE bytes\)\$"
    assert_equal "$(hits "$CUDART_GLOB")" 2
    run srv_log "$CUDART_GLOB"
    assert_line --index 0 --regexp '^200 - - - 1000 reset/1000$'
    assert_line --index 1 --regexp "^206 bytes=1000- \"[0-9a-f]+-[0-9a-f]+\" - $((CUDART_SIZE - 1000)) -\$"
    assert_env_ok "$CUENV_ROOT/envs/$ENV"
    assert_no_leftovers
    assert_cache_clean
}

@test "REL-01: reset mid-body forever: each retry resumes, exit 4 after 1 + CUENV_RETRIES requests" {
    # 500 bytes per request: 4 requests bring 2000 of the archive's bytes.
    [ "$CUDART_SIZE" -gt 2000 ]
    fault "$CUDART_GLOB" reset 500
    install_timed
    assert_sfo 4 "^Recv failure: Connection reset by peer \(received 2000 of $CUDART_SIZE bytes\)\$"
    assert_equal "$(hits "$CUDART_GLOB")" 4
    assert_equal "$(grep -c "^cuenv: warning: retrying 'cuda_cudart" <<<"$stderr")" 3
    run srv_log "$CUDART_GLOB"
    assert_equal "${#lines[@]}" 4
    assert_line --index 0 '200 - - - 500 reset/500'
    assert_line --index 3 --regexp '^206 bytes=1500- "[^"]+" - 500 reset/500$'
    [ $((T1 - T0)) -lt 10000 ]
    # The 2000 bytes stay for a later resume, which finishes the archive.
    assert_equal "$(stat -c %s "$(cache_file cuda_cudart 12.4.1 part)")" 2000
    assert_recovers
    run srv_log "$CUDART_GLOB"
    assert_line --index 4 --regexp "^206 bytes=2000- \"[^\"]+\" - $((CUDART_SIZE - 2000)) -\$"
}

@test "REL-01: reset before any body byte, forever: exit 4 after 1 + CUENV_RETRIES requests" {
    export CUENV_RETRIES=2
    fault "$CUDART_GLOB" reset 0
    install_timed
    assert_sfo 4 "^Recv failure: Connection reset by peer \(received 0 of $CUDART_SIZE bytes\)\$"
    assert_equal "$(hits "$CUDART_GLOB")" 3
    assert_recovers
}

@test "REL-02: truncated body (clean close) forever: exit 4 after 1 + CUENV_RETRIES requests" {
    export CUENV_RETRIES=2
    fault "$CUDART_GLOB" truncate 0
    install_timed
    assert_sfo 4 "^transfer closed with $CUDART_SIZE bytes remaining to read \(received 0 of $CUDART_SIZE bytes\)\$"
    assert_equal "$(hits "$CUDART_GLOB")" 3
    assert_recovers
}

@test "REL-02: truncated body, then more truncations: every retry resumes where the last one stopped" {
    fault "$CUDART_GLOB" truncate 1000
    install_timed
    assert_success
    run srv_log "$CUDART_GLOB"
    assert_equal "${#lines[@]}" 3
    assert_line --index 0 '200 - - - 1000 truncate/1000'
    assert_line --index 1 --regexp '^206 bytes=1000- "[^"]+" - 1000 truncate/1000$'
    assert_line --index 2 --regexp "^206 bytes=2000- \"[^\"]+\" - $((CUDART_SIZE - 2000)) truncate/1000\$"
    assert_env_ok "$CUENV_ROOT/envs/$ENV"
    assert_no_leftovers
}

# ---- lengths that disagree with the manifest (REL-03, REL-04) ----

@test "REL-03: Content-Length shorter than the manifest size: exit 5 before the body, one request" {
    fault "$CUDART_GLOB" shortlen 1000
    install_timed
    assert_sfo 5 "^server announces 1000 bytes, the manifest $CUDART_SIZE\$"
    assert_equal "$(hits "$CUDART_GLOB")" 1
    [ ! -e "$(cache_file cuda_cudart 12.4.1 part)" ]
    assert_recovers
}

@test "REL-04: Content-Length of 10^12: refused at once, an integrity error naming both sizes, one request" {
    fault "$CUDART_GLOB" biglen
    install_timed
    assert_sfo 5 "^server announces 1000000000000 bytes, the manifest $CUDART_SIZE\$"
    assert_equal "$(hits "$CUDART_GLOB")" 1
    [ $((T1 - T0)) -lt 5000 ]
    [ ! -e "$(cache_file cuda_cudart 12.4.1 part)" ]
    assert_recovers
}

# ---- HTTP status codes (REL-06, REL-07) ----

@test "REL-06: 503 twice, then OK: installed after exactly 3 requests, with backoff" {
    fault "$CUDART_GLOB" flaky 2
    install_timed
    assert_success
    assert_equal "$(hits "$CUDART_GLOB")" 3
    assert_equal "$(grep -c "^cuenv: warning: retrying 'cuda_cudart 12.4.127' in 0\.[0-9] s: .*: HTTP 503\$" <<<"$stderr")" 2
    # Backoff 50 ms, then 100 ms.
    [ $((T1 - T0)) -ge 150 ]
    assert_env_ok "$CUENV_ROOT/envs/$ENV"
    assert_no_leftovers
}

@test "REL-06: 404 and 403: exit 4 after exactly one request" {
    local code
    for code in 404 403; do
        srv /__reset >/dev/null
        fault "$CUDART_GLOB" status "$code"
        install_timed
        assert_sfo 4 "^HTTP $code\$"
        assert_equal "$(hits "$CUDART_GLOB")" 1
        ! grep -q warning <<<"$stderr" || fail "retried: $stderr"
    done
    assert_recovers
}

@test "REL-06: 500 forever: exit 4 after 1 + CUENV_RETRIES requests, in bounded time" {
    fault "$CUDART_GLOB" status 500
    install_timed
    assert_sfo 4 '^HTTP 500$'
    assert_equal "$(hits "$CUDART_GLOB")" 4
    # 50 + 100 + 200 ms of backoff, nothing like the default 1 s base.
    [ $((T1 - T0)) -ge 350 ]
    [ $((T1 - T0)) -lt 5000 ]
    assert_recovers
}

@test "REL-07: 429 with Retry-After: 1 is honoured, then installed" {
    fault "$CUDART_GLOB" s429 1 1
    install_timed
    assert_success
    assert_stderr_line "^cuenv: warning: retrying 'cuda_cudart 12\.4\.127' in 1\.0 s: .*: HTTP 429\$"
    assert_equal "$(hits "$CUDART_GLOB")" 2
    [ $((T1 - T0)) -ge 1000 ]
    assert_env_ok "$CUENV_ROOT/envs/$ENV"
}

@test "REL-07: 429 with Retry-After as an HTTP date is honoured" {
    fault "$CUDART_GLOB" s429date 2 1
    install_timed
    assert_success
    assert_equal "$(hits "$CUDART_GLOB")" 2
    # The date has whole seconds: 2 s ahead is at least 1 s.
    [ $((T1 - T0)) -ge 1000 ]
    assert_env_ok "$CUENV_ROOT/envs/$ENV"
}

@test "REL-07: 429 with Retry-After: 86400 fails at once, naming the limit" {
    fault "$CUDART_GLOB" s429 86400
    install_timed
    assert_sfo 4 '^HTTP 429: server asked to retry after 86400 s \(limit 60 s\)$'
    assert_equal "$(hits "$CUDART_GLOB")" 1
    [ $((T1 - T0)) -lt 5000 ]
    # The limit is CUENV_RETRY_AFTER_MAX.
    srv /__reset >/dev/null
    fault "$CUDART_GLOB" s429 5
    CUENV_RETRY_AFTER_MAX=2 install_timed
    assert_sfo 4 '^HTTP 429: server asked to retry after 5 s \(limit 2 s\)$'
    assert_recovers
}

# ---- stalls (REL-08): CUENV_STALL_TIMEOUT=3, abort within it + margins ----

@test "REL-08: stall after 1000 bytes: aborted within the stall timeout, exit 4" {
    export CUENV_STALL_TIMEOUT=3 CUENV_RETRIES=0
    fault "$CUDART_GLOB" stall 1000
    INSTALL_TIMEOUT=20 install_timed
    assert_sfo 4 '^stalled: below 1024 bytes/s for 3 s'
    assert_equal "$(hits "$CUDART_GLOB")" 1
    [ $((T1 - T0)) -ge 2500 ]
    [ $((T1 - T0)) -lt 7000 ]
    assert_recovers
}

@test "REL-08: trickle (1 byte / 0.5 s): aborted within the stall timeout, exit 4" {
    export CUENV_STALL_TIMEOUT=3 CUENV_RETRIES=0
    fault "$CUDART_GLOB" trickle
    INSTALL_TIMEOUT=20 install_timed
    assert_sfo 4 '^stalled: below 1024 bytes/s for 3 s'
    [ $((T1 - T0)) -ge 2500 ]
    [ $((T1 - T0)) -lt 7000 ]
    assert_recovers
}

@test "REL-08: no response at all: aborted within the stall timeout, exit 4" {
    export CUENV_STALL_TIMEOUT=3 CUENV_RETRIES=0
    fault "$CUDART_GLOB" stallhdr
    INSTALL_TIMEOUT=20 install_timed
    assert_sfo 4 '^stalled: below 1024 bytes/s for 3 s'
    [ $((T1 - T0)) -lt 7000 ]
    assert_recovers
}

# ---- redirects (REL-09) ----

@test "REL-09: redirect loop: exit 4 'redirects', at most 10 redirects followed, not retried" {
    fault "$CUDART_GLOB" redirloop
    install_timed
    assert_sfo 4 'redirects'
    assert_stderr_regexp 'Maximum \(10\) redirects followed'
    [ "$(hits "$CUDART_GLOB")" -le 11 ]
    assert_recovers
}

@test "[NET] redirect to file:///etc/passwd is refused, nothing read" {
    fault "$CUDART_GLOB" redirect 0 "" "file:///etc/passwd"
    install_timed
    assert_failure 4
    assert_stderr_line "^cuenv: error: cannot download 'cuda_cudart 12\.4\.127': "
    assert_stderr_regexp '[Pp]rotocol'
    assert_no_env
    assert_cache_clean
    [ ! -s "$(cache_file cuda_cudart 12.4.1 part)" ]
    assert_recovers
}

@test "[NET] redirect to a dead port: connection refused is retried, then exit 4" {
    fault "$CUDART_GLOB" redirect 0 "" "http://127.0.0.1:1/x.tar.xz"
    install_timed
    assert_failure 4
    assert_stderr_line "^cuenv: error: cannot download 'cuda_cudart 12\.4\.127': .*127\.0\.0\.1 port 1"
    assert_equal "$(hits "$CUDART_GLOB")" 4
    [ $((T1 - T0)) -lt 5000 ]
    assert_no_env
    assert_recovers
}

# ---- wrong bodies (REL-12, REL-14) ----

@test "REL-12: captive portal (200 text/html, 54 bytes): exit 5, size mismatch with the HTML hint, cache clean" {
    fault "$CUDART_GLOB" html200
    install_timed
    assert_sfo 5 "^server announces 54 bytes, the manifest $CUDART_SIZE; the server sent an HTML page \(a captive portal or an error page\?\)\$"
    assert_equal "$(hits "$CUDART_GLOB")" 1
    assert_recovers
}

@test "REL-14: gzip bomb: no Accept-Encoding is sent, the encoded body is refused, nothing cached" {
    fault "$CUDART_GLOB" gzipbomb
    install_timed
    assert_failure
    assert_no_env
    assert_cache_clean
    assert_stderr_line "^cuenv: error: cannot download 'cuda_cudart 12\.4\.127': $FS_URL"
    # The request as the server saw it.
    srv /__last | python3 -c 'import json, sys
r = json.load(sys.stdin)[sys.argv[1]]
assert r["accept_encoding"] is None, r
assert not any(k.lower() == "accept-encoding" for k in r["headers"]), r["headers"]
assert r["fault"] == "gzipbomb/0", r' "$CUDART"
    assert_equal "$(hits "$CUDART_GLOB")" 1
    assert_recovers
}

@test "REL-14: gzip bomb: refused as an integrity error (exit 5)" {
    fault "$CUDART_GLOB" gzipbomb
    install_run "${SPEC[@]}"
    assert_sfo 5 "$CUDART_SIZE"
}

@test "REL-03: wrong bytes of the right length: sha256 mismatch, exit 5, nothing cached" {
    fault "$CUDART_GLOB" wrongfile
    install_timed
    local sha
    sha=$(archive_path cuda_cudart 12.4.1 sha256)
    assert_sfo 5 "^sha256 mismatch \(expected ${sha:0:12}…, got [0-9a-f]{12}…\)\$"
    assert_equal "$(hits "$CUDART_GLOB")" 1
    [ ! -e "$(cache_file cuda_cudart 12.4.1 part)" ]
    assert_recovers
}

# ---- dead mirror, servers that ignore Range ----

@test "[NET] dead mirror (127.0.0.1:1): exit 4 at once, naming the URL" {
    export CUENV_MIRROR=http://127.0.0.1:1
    install_timed
    assert_failure 4
    assert_output ""
    assert_stderr_line '^cuenv: error: http://127\.0\.0\.1:1/cuda/redist/: .*(Couldn.t connect|Failed to connect)'
    [ $((T1 - T0)) -lt 3000 ]
    assert_no_env
    [ ! -d "$CUENV_CACHE/archives" ] || [ -z "$(ls -A "$CUENV_CACHE/archives")" ]
}

@test "REL-01: a server that ignores Range: an interrupted download starts over from zero and succeeds" {
    fault "$CUDART_GLOB" reset 1000
    CUENV_RETRIES=0 install_timed
    assert_sfo 4 'Connection reset by peer'
    assert_equal "$(stat -c %s "$(cache_file cuda_cudart 12.4.1 part)")" 1000

    srv '/__fault?clear=1' >/dev/null
    fault "$CUDART_GLOB" norange
    install_timed
    assert_success
    run srv_log "$CUDART_GLOB"
    assert_equal "${#lines[@]}" 2
    assert_line --index 1 --regexp "^200 bytes=1000- \"[^\"]+\" - $CUDART_SIZE norange/0\$"
    assert_env_ok "$CUENV_ROOT/envs/$ENV"
    assert_no_leftovers
    assert_cache_clean
}

@test "REL-01: a server that ignores Range mid-run: the retry starts over and succeeds" {
    fault "$CUDART_GLOB" reset 1000 1
    fault "$CUDART_GLOB" norange
    install_timed
    assert_success
    run srv_log "$CUDART_GLOB"
    assert_equal "${#lines[@]}" 2
    assert_line --index 1 --regexp "^200 bytes=1000- \"[^\"]+\" - $CUDART_SIZE norange/0\$"
    assert_env_ok "$CUENV_ROOT/envs/$ENV"
    assert_no_leftovers
}
