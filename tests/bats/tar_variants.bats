#!/usr/bin/env bats
# RELIABILITY.md 3.B (TAR), the variants an attacker tries after the
# catalogue's cases (mkmirror.py --hostile, cases named v_*): other orderings
# (symlink then file, hard link before its target, writing through a link
# that stays inside), other entry types (hard links to links, directories
# and themselves, multi-volume and label headers, links and directories
# carrying data), headers that override others (PAX linkpath and size, GNU
# long names against PAX paths in both orders, global PAX headers), other
# encodings (overlong UTF-8, surrogates, look-alike characters), lengths at
# and past the limits, names cuenv keeps for itself, and other containers
# (plain tar, .lzma, .bz2, concatenated xz streams, stream padding, members
# after the end of the archive). Each is listed with its REAL sha256: the
# extraction policy has to decide, and every refusal meets the SFO of
# tar.bats; every install meets its SSO (the tree equals the archive).

load helper
load hostile_helper

setup_file() {
    export BATS_NO_PARALLELIZE_WITHIN_FILE=true
    export PATH=/usr/local/bin:/usr/bin:/bin
    h_mirror_build
    h_servers_start "$BATS_FILE_TMPDIR/pids" mirror "$HMIRROR" --rate 1000000000
    CUENV_CACHE=$BATS_FILE_TMPDIR/warm-cache CUENV_CONFIG=/dev/null \
        CUENV_MIRROR=http://127.0.0.1:$H_PORT_mirror no_proxy=127.0.0.1 \
        "$CUENV" update >/dev/null
}

teardown_file() {
    h_servers_stop "$BATS_FILE_TMPDIR/pids"
}

setup() {
    h_setup
    export CUENV_MIRROR=http://127.0.0.1:$H_PORT_mirror
    MURL=$CUENV_MIRROR
    cp -a "$BATS_FILE_TMPDIR/warm-cache" "$BATS_TEST_TMPDIR/cache"
    h_sentinel_init
}

TOPRE="cuda_cudart-linux-x86_64-99\.0\.[0-9]+-archive"
declare -gA WHY=(
    [v_symlink_then_file]="entry 'lib/x': duplicate entry"
    [v_file_then_symlink]="entry 'lib/x': duplicate entry"
    [v_write_through_inside_symlink]="entry 'lib64/escape_through': a parent directory is a symlink or a file"
    [v_file_under_file]="entry 'lib/f/g': a parent directory is a symlink or a file"
    [v_hardlink_to_symlink]="entry 'lib/hl': hard link to something that is not an earlier regular file"
    [v_hardlink_to_dir]="entry 'lib/hl': hard link to something that is not an earlier regular file"
    [v_hardlink_to_self]="entry 'lib/hl': hard link to something that is not an earlier regular file"
    [v_hardlink_to_later_file]="entry 'lib/hl': hard link to something that is not an earlier regular file"
    [v_hardlink_through_symlink]="entry 'lib/hl': hard link to something that is not an earlier regular file"
    [v_symlink_dotdot_at_root]="entry 'up': symlink target leaves the archive"
    [v_symlink_dotdot_through_link]="entry 'lib/e': symlink leaves the archive"
    [v_pax_linkpath_symlink]="entry 'lib/libfoo\.so': symlink target leaves the archive"
    [v_pax_linkpath_hardlink]="entry 'lib/hl': hard link to outside the archive root"
    [v_pax_size_huge]="entry 'lib/f': declared size exceeds the unpacked limit of [0-9]+ bytes"
    [v_pax_size_negative]="corrupt archive \(Tar size attribute is negative\)"
    [v_gnu_longlink_symlink]="entry 'lib/long': symlink target leaves the archive"
    [v_longname_then_pax]="entry '$TOPRE/(\.\./){40}[^']*escape_L': '\.' or '\.\.' component"
    [v_pax_then_longname]="entry '$TOPRE/(\.\./){40}[^']*escape_x': '\.' or '\.\.' component"
    [v_multivolume_M]="entry 'lib/multi': device, fifo, socket or other special entry"
    [v_volume_label_V]="corrupt archive \(Damaged tar archive\)"
    [v_symlink_with_data]="corrupt archive \(Damaged tar archive\)"
    [v_dir_with_data]="corrupt archive \(Damaged tar archive\)"
    [v_overlong_utf8_dotdot]="entry '$TOPRE/lib/\\\\xc0\\\\xae\\\\xc0\\\\xae/escape_overlong': name is not valid UTF-8"
    [v_utf8_surrogate]="entry '$TOPRE/lib/\\\\xed\\\\xa0\\\\x80': name is not valid UTF-8"
    [v_component_256]="entry '$TOPRE/lib/c+': path component longer than 255 bytes"
    [v_path_1025]="entry '$TOPRE/lib/p+': name longer than 1024 bytes"
    [v_reserved_receipt]="entry '$TOPRE/\.cuenv-receipt': name reserved for cuenv's own files"
    [v_reserved_cuenv_dir]="entry '$TOPRE/\.cuenv/': name reserved for cuenv's own files"
    [v_uncompressed_tar]="not an xz-compressed tar archive \(not compressed with xz\)"
    [v_lzma_alone]="not an xz-compressed tar archive"
    [v_bzip2_disguised]="not an xz-compressed tar archive"
)

@test "[TAR] ordering tricks: symlink then file, file then symlink, writing through an inside link, a file under a file" {
    local c
    for c in v_symlink_then_file v_file_then_symlink v_write_through_inside_symlink v_file_under_file; do
        refused "$c" 5
    done
    teardown_good_install
}

@test "[TAR] hard links to a symlink, a directory, themselves, a later file, or through a symlink are refused" {
    local c
    for c in v_hardlink_to_symlink v_hardlink_to_dir v_hardlink_to_self v_hardlink_to_later_file \
        v_hardlink_through_symlink; do
        refused "$c" 5
    done
    [ "$(stat -c '%h %a' outside/victim)" = "1 600" ]
    teardown_good_install
}

@test "[TAR] symlinks: '..' at the root, and a lexically harmless target that escapes through another link" {
    refused v_symlink_dotdot_at_root 5
    refused v_symlink_dotdot_through_link 5
    teardown_good_install
}

@test "[TAR] PAX and GNU headers that override the ustar fields: linkpath, size (huge, negative), long link targets" {
    local c
    for c in v_pax_linkpath_symlink v_pax_linkpath_hardlink v_pax_size_huge v_pax_size_negative \
        v_gnu_longlink_symlink; do
        refused "$c" 5
    done
    [ "$(stat -c '%h %a' outside/victim)" = "1 600" ]
    teardown_good_install
}

@test "[TAR] GNU long name against a PAX path, in both orders: whichever name libarchive keeps is the one checked" {
    refused v_longname_then_pax 5
    refused v_pax_then_longname 5
    teardown_good_install
}

@test "[TAR] other entry types: multi-volume 'M', volume label 'V', a symlink or a directory carrying data" {
    local c
    for c in v_multivolume_M v_volume_label_V v_symlink_with_data v_dir_with_data; do
        refused "$c" 5
    done
    teardown_good_install
}

@test "[TAR] encodings and lengths: overlong UTF-8 '..', a surrogate, a 256-byte component, a 1025-byte name" {
    local c
    for c in v_overlong_utf8_dotdot v_utf8_surrogate v_component_256 v_path_1025; do
        refused "$c" 5
    done
    teardown_good_install
}

@test "[TAR] names cuenv keeps for itself (.cuenv-receipt, .cuenv/) are refused" {
    refused v_reserved_receipt 5
    refused v_reserved_cuenv_dir 5
    teardown_good_install
}

@test "[TAR] other containers: a plain tar, .lzma and .bz2 named .tar.xz are refused" {
    local c
    for c in v_uncompressed_tar v_lzma_alone v_bzip2_disguised; do
        refused "$c" 5
    done
    teardown_good_install
}

@test "[TAR] shapes that install exactly as they are: look-alike names, the length limits themselves, inside links" {
    local c
    for c in v_unicode_lookalikes v_path_limits v_symlinks_inside; do
        installs "$c"
    done
    local env=$PWD/r$(h_case v_unicode_lookalikes n)/root/envs/cuda-99.0.$(h_case v_unicode_lookalikes n)-runtime
    [ "$(cat "$env/lib/"$'caf\xc3\xa9')" = nfc ] && [ "$(cat "$env/lib/"$'cafe\xcc\x81')" = nfd ] ||
        fail "NFC and NFD names are not two files"
}

@test "[TAR] concatenated xz streams, stream padding, type '7', members after the end marker: one whole tree" {
    local c
    for c in v_xz_concatenated v_xz_stream_padding v_contiguous_file v_after_end_marker; do
        installs "$c"
    done
    local n
    n=$(h_case v_xz_concatenated n)
    [ -f "$PWD/r$n/root/envs/cuda-99.0.$n-runtime/lib/second_stream" ] || fail "the second xz stream was not read"
    [ -z "$(find "$PWD" -name 'escape_*')" ] || fail "escaped: $(find "$PWD" -name 'escape_*')"
}

@test "[TAR] a global PAX header 'g' with path=../../escape_global: libarchive ignores it (Python applies it: a differential), nothing escapes" {
    local n=${H_CASES[v_global_pax_path.n]}
    h_fresh_root "$PWD/r$n" "$PWD/cache"
    h_run install "99.0.$n" --profile runtime
    assert_success
    local env=$CUENV_ROOT/envs/cuda-99.0.$n-runtime
    [ "$(cat "$env/lib/after_global")" = g ] || fail "lib/after_global is not the member after the 'g' header"
    [ -z "$(find "$PWD" "$CUENV_ROOT" -name '*escape_global*')" ] || fail "the global path was applied"
    h_assert_cache_clean
    h_assert_sentinel
}

@test "[TAR] every v_ case of cases.json is covered by this file" {
    local name expect
    while IFS=$'\t' read -r _ name expect _; do
        case $name in
        v_*)
            if [ "$expect" = refuse ]; then
                [ -n "${WHY[$name]:-}" ] || fail "variant '$name' has no expectation here"
            else
                grep -q "$name" "$BATS_TEST_FILENAME" || fail "variant '$name' is not installed here"
            fi
            ;;
        esac
    done <"$BATS_FILE_TMPDIR/cases.tsv"
}
