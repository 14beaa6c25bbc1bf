#!/usr/bin/env bats
# RELIABILITY.md REL-11 (TLS) and the redirect rules of section 1.7: the
# positive control (label 99.0.0) served over https by fault_server.py with
# the leaves of tests/fixtures/mkcerts.sh. Verification is always on:
# CUENV_CA_BUNDLE names the test CA; a wrong name, an expired or self-signed
# certificate, or a CA cuenv was not given fails with exit 4 and nothing
# downloaded; an https -> http redirect is refused; a redirect loop ends.

load helper
load hostile_helper

setup_file() {
    export BATS_NO_PARALLELIZE_WITHIN_FILE=true
    export PATH=/usr/local/bin:/usr/bin:/bin
    h_mirror_build
    h_control_source "$BATS_FILE_TMPDIR/src"
    sh "$FIXTURES/mkcerts.sh" "$BATS_FILE_TMPDIR/certs" 3>&-
    local c=$BATS_FILE_TMPDIR/certs src=$BATS_FILE_TMPDIR/src
    h_servers_start "$BATS_FILE_TMPDIR/pids" \
        ok "$src" --tls "$c/ok.crt" "$c/ok.key" -- \
        wrongname "$src" --tls "$c/wrongname.crt" "$c/wrongname.key" -- \
        expired "$src" --tls "$c/expired.crt" "$c/expired.key" -- \
        selfsigned "$src" --tls "$c/selfsigned.crt" "$c/selfsigned.key" -- \
        plain "$src"
}

teardown_file() {
    h_servers_stop "$BATS_FILE_TMPDIR/pids"
}

setup() {
    h_setup
    CA=$BATS_FILE_TMPDIR/certs/ca.crt
    OK=https://127.0.0.1:$H_PORT_ok
    PLAIN=http://127.0.0.1:$H_PORT_plain
    declare -gA URL=(
        [ok]=$OK
        [wrongname]=https://127.0.0.1:$H_PORT_wrongname
        [expired]=https://127.0.0.1:$H_PORT_expired
        [selfsigned]=https://127.0.0.1:$H_PORT_selfsigned
    )
    h_reset "$OK" "$PLAIN" "${URL[wrongname]}" "${URL[expired]}" "${URL[selfsigned]}"
    h_sentinel_init
}

# What curl/OpenSSL says about each leaf (RELIABILITY.md REL-11).
declare -gA WHY=(
    [wrongname]="(no alternative certificate subject name matches|subject name|host ?name)"
    [expired]="certificate has expired"
    [selfsigned]="self[- ]signed certificate"
    [ok_without_ca]="(unable to get local issuer certificate|self[- ]signed certificate in certificate chain)"
)

# SFO for a failed https install: exit 4, one line, nothing installed,
# nothing (not even a partial file) promoted into the archive cache.
tls_refused() {
    local re=$1 left
    [ "$status" -eq 4 ] || fail "${H_CASE:+$H_CASE: }exit $status, expected 4; stderr: $stderr"
    h_assert_error_line "$re"
    h_assert_nothing_installed
    h_ls_into left "$CUENV_CACHE/archives"
    [[ $left != *.tar.xz* ]] || fail "${H_CASE:+$H_CASE: }archive cached: $left"
    h_assert_cache_clean
    h_assert_sentinel
}

@test "REL-11: https with the test CA (CUENV_CA_BUNDLE) installs; the tree equals the archive; a second run makes no request" {
    export CUENV_CA_BUNDLE=$CA CUENV_MIRROR=$OK
    h_fresh_root "$PWD/t"
    h_run install 99.0.0 --profile runtime
    assert_success
    assert_output "$CUENV_ROOT/envs/cuda-99.0.0-runtime"
    h_assert_tree "$output" "$(h_case_file ok_control)" cuda_cudart "$(h_case ok_control top)"
    [ "$(h_hits "$OK" "/$H_CONTROL_REL")" = 1 ]
    local before
    before=$(h_hits "$OK")
    h_run install 99.0.0 --profile runtime
    assert_success
    [ "$(h_hits "$OK")" = "$before" ]
    [ "$(h_hits "$PLAIN")" = 0 ]
}

@test "REL-11: wrong host name, expired, self-signed, and a CA cuenv was not given: exit 4 naming the certificate problem, nothing downloaded" {
    local c
    for c in wrongname expired selfsigned ok_without_ca; do
        H_CASE=$c
        h_fresh_root "$PWD/$c"
        if [ "$c" = ok_without_ca ]; then
            unset CUENV_CA_BUNDLE
            export CUENV_MIRROR=$OK
        else
            export CUENV_CA_BUNDLE=$CA CUENV_MIRROR=${URL[$c]}
        fi
        h_run install 99.0.0 --profile runtime
        tls_refused "^cuenv: error: $CUENV_MIRROR/[^ ]*: .*(SSL|TLS|certificate).*${WHY[$c]}"
        # The handshake failed: the server never saw a request.
        [ "$(h_hits "$CUENV_MIRROR" "*.tar.xz")" = 0 ] || fail "$c: archive requested"
    done
    [ "$(h_hits "$PLAIN")" = 0 ]
}

@test "REL-11: a CA bundle that does not exist fails closed" {
    export CUENV_CA_BUNDLE=$PWD/no-such-ca.crt CUENV_MIRROR=$OK
    h_fresh_root "$PWD/t"
    h_run install 99.0.0 --profile runtime
    tls_refused "^cuenv: error: $OK/[^ ]*: .*(CA|certificate|cert)"
    [ "$(h_hits "$OK" "*.tar.xz")" = 0 ]
}

@test "REL-11: the archive itself behind a bad certificate (redirected there) fails exit 4: TLS certificate verification failed" {
    export CUENV_CA_BUNDLE=$CA CUENV_MIRROR=$OK
    local c
    for c in wrongname expired selfsigned; do
        H_CASE=$c
        h_reset "$OK"
        h_fault "$OK" "/$H_CONTROL_REL" redirect 0 "${URL[$c]}/$H_CONTROL_REL"
        h_fresh_root "$PWD/$c"
        h_run install 99.0.0 --profile runtime
        tls_refused "^cuenv: error: cannot download 'cuda_cudart 99\.0\.0': $OK/$H_CONTROL_REL: TLS certificate verification failed: .*${WHY[$c]}"
        [ "$(h_hits "${URL[$c]}")" = 0 ]
    done
}

@test "section 1.7: an https -> http redirect of the archive is refused, the plain server sees nothing" {
    export CUENV_CA_BUNDLE=$CA CUENV_MIRROR=$OK
    h_fault "$OK" "/$H_CONTROL_REL" redirect 0 "$PLAIN/$H_CONTROL_REL"
    h_fresh_root "$PWD/t"
    h_run install 99.0.0 --profile runtime
    tls_refused "^cuenv: error: cannot download 'cuda_cudart 99\.0\.0': $OK/$H_CONTROL_REL: .*http"
    [ "$(h_hits "$OK" "/$H_CONTROL_REL")" -ge 1 ]
    [ "$(h_hits "$PLAIN")" = 0 ] || fail "the plain http server got requests: $(h_srv "$PLAIN" /__hits)"
}

@test "section 1.7: an https -> http redirect of the catalogue listing is refused too" {
    export CUENV_CA_BUNDLE=$CA CUENV_MIRROR=$OK
    h_fault "$OK" "/cuda/redist/" redirect 0 "$PLAIN/cuda/redist/"
    h_fresh_root "$PWD/t"
    h_run install 99.0.0 --profile runtime
    tls_refused "^cuenv: error: $OK/cuda/redist/: .*http"
    [ "$(h_hits "$PLAIN")" = 0 ] || fail "the plain http server got requests: $(h_srv "$PLAIN" /__hits)"
}

@test "REL-09: a redirect loop on the archive ends after at most 10 redirects, exit 4" {
    export CUENV_CA_BUNDLE=$CA CUENV_MIRROR=$OK
    h_fault "$OK" "/$H_CONTROL_REL" redirloop
    h_fresh_root "$PWD/t"
    H_TIMEOUT=20 h_run install 99.0.0 --profile runtime
    tls_refused "^cuenv: error: cannot download 'cuda_cudart 99\.0\.0': $OK/$H_CONTROL_REL: .*redirect"
    local n
    n=$(h_hits "$OK" "/$H_CONTROL_REL")
    # One attempt: the first request and at most 10 redirects (not retried).
    [ "$n" -ge 2 ] && [ "$n" -le 11 ] || fail "$n requests for the looping archive"
}
