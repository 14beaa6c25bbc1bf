#!/usr/bin/env bash
# Build a relocatable cuenv for another Linux host (the GPU test machine: Ubuntu 24.04,
# no libarchive, maybe no libjansson or libcurl) and put it with every shared library
# it needs but glibc into one folder:
#
#   tools/gpu-bundle.sh [OUTDIR]      (default build/cuenv-gpu; build/ is git-ignored)
#
#   OUTDIR/bin/cuenv, OUTDIR/bin/cuenv-shim, OUTDIR/bin/cuenv-audit.so (the LD_AUDIT
#   module of 'cuenv exec --audit', found beside cuenv; libc only), OUTDIR/lib/*.so.*,
#   OUTDIR/BUNDLE.txt
#
# cuenv is linked with DT_RPATH=$ORIGIN/../lib (not DT_RUNPATH): an executable's
# DT_RPATH is searched for every object loaded on its behalf, so libcurl.so.4, which
# cuenv opens with dlopen, and libcurl's own dependencies come from OUTDIR/lib as well.
# The build runs in a copy of the source tree, so the checkout's bin/ and build/ stay
# as they are. glibc is taken from the target host: build on a glibc no newer than the
# target's (Debian 12 has 2.36, Ubuntu 24.04 2.39).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/build/cuenv-gpu}
limit=$((64 * 1024 * 1024)) # the device tool's carry limit, whole working tree included

die() { echo "gpu-bundle: $*" >&2; exit 1; }
command -v readelf >/dev/null || die "readelf missing (binutils)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cuenv-gpu-bundle.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 1. a clean copy of the sources (tracked and untracked-not-ignored files only)
(cd "$here" && git ls-files -z --cached --others --exclude-standard) |
	(cd "$here" && xargs -0 cp --parents -t "$tmp" 2>/dev/null || true)
[ -f "$tmp/Makefile" ] || die "copying the source tree failed"

# 2. build with DT_RPATH=$ORIGIN/../lib. '$$' is make's dollar, '\' keeps the recipe's
#    shell from expanding $ORIGIN.
echo "gpu-bundle: building in $tmp" >&2
make -C "$tmp" -j"$(nproc)" --no-print-directory \
	LDFLAGS='-Wl,-rpath,\$$ORIGIN/../lib -Wl,--disable-new-dtags' bin/cuenv bin/cuenv-shim \
	bin/cuenv-audit.so >&2

rpath=$(readelf -d "$tmp/bin/cuenv" | sed -n 's/.*(RPATH).*\[\(.*\)\]/\1/p')
[ "$rpath" = '$ORIGIN/../lib' ] || die "bin/cuenv has RPATH '$rpath', want \$ORIGIN/../lib"
if readelf -d "$tmp/bin/cuenv" | grep -q '(RUNPATH)'; then die "bin/cuenv has a RUNPATH"; fi

# 3. the libraries: what ldd lists for cuenv and for this host's libcurl.so.4, glibc's
#    own objects left out (the target's glibc must be the one that runs them).
# cuenv opens libcurl, libarchive and libcrypto with dlopen: ldd of cuenv does not
# list them, so each is looked up here and bundled with its own dependencies.
dlopened=()
for so in libcurl.so.4 libarchive.so.13 libcrypto.so.3; do
	p=$(ldconfig -p | awk -v n="$so" '$1 == n && /x86-64/ {print $NF; exit}')
	[ -n "$p" ] || die "no $so in ldconfig -p"
	dlopened+=("$so $p")
done
glibc_names='(linux-vdso|ld-linux[^ /]*|libc|libm|libdl|librt|libpthread|libresolv|libutil|libanl|libnsl|libmvec)\.so'
glibc="^$glibc_names"

rm -rf "$out"
mkdir -p "$out/bin" "$out/lib"
cp "$tmp/bin/cuenv" "$tmp/bin/cuenv-shim" "$tmp/bin/cuenv-audit.so" "$out/bin/"
{
	ldd "$tmp/bin/cuenv"
	for d in "${dlopened[@]}"; do
		ldd "${d#* }"
		echo "	${d% *} => ${d#* } (0)"
	done
} | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u |
	while read -r name path; do
		if [[ $name =~ $glibc ]]; then continue; fi
		cp -L "$path" "$out/lib/$name"
	done
chmod 644 "$out/lib/"*

# 4. record and check
{
	echo "cuenv bundle built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(. /etc/os-release && echo "$PRETTY_NAME"), $(ldd --version | head -1)"
	echo "git $(cd "$here" && git describe --always --dirty 2>/dev/null || echo unknown)"
	echo "RPATH of bin/cuenv: $rpath"
	echo "libraries:"
	(cd "$out/lib" && ls -1 | while read -r f; do printf '  %-28s %9d bytes\n' "$f" "$(stat -c %s "$f")"; done)
} > "$out/BUNDLE.txt"

ver=$(env -i "$out/bin/cuenv" --version) || die "env -i $out/bin/cuenv --version failed"
foreign=$(env -i ldd "$out/bin/cuenv" | awk '$2 == "=>" {print $1, $3}' |
	grep -Ev "$glibc" | sed "s|$out/bin/\.\./lib/|$out/lib/|" | grep -v " $out/lib/" || true)
[ -z "$foreign" ] || die "libraries resolved outside the bundle: $foreign"
# the dlopen'ed libcurl: make cuenv open it (a catalogue refresh from a port where
# nothing listens) and check where it and its dependencies were loaded from
scratch="$tmp/scratch"
mkdir -p "$scratch"
env -i HOME="$scratch" CUENV_ROOT="$scratch/root" CUENV_CACHE="$scratch/cache" \
	CUENV_CONFIG="$scratch/config" CUENV_MIRROR=http://127.0.0.1:9/ CUENV_RETRIES=0 \
	LD_DEBUG=libs LD_DEBUG_OUTPUT="$scratch/ld" "$out/bin/cuenv" update >/dev/null 2>&1 || true
loaded=$(cat "$scratch"/ld.* 2>/dev/null | sed -n 's/.*calling init: //p' |
	sed "s|$out/bin/\.\./lib/|$out/lib/|" | sort -u)
grep -q "^$out/lib/libcurl.so.4\$" <<<"$loaded" || die "libcurl.so.4 was not loaded from the bundle: $loaded"
foreign=$(grep -v "^$out/" <<<"$loaded" | grep -Ev "/${glibc_names}[^/]*\$" || true)
[ -z "$foreign" ] || die "loaded from outside the bundle: $foreign"
# the audit module is loaded into every audited program: it may need glibc and nothing else
needs=$(readelf -d "$out/bin/cuenv-audit.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -v '^libc\.so\.6$' || true)
[ -z "$needs" ] || die "bin/cuenv-audit.so needs more than libc: $needs"
size=$(du -sb "$out" | cut -f1)
[ "$size" -lt "$limit" ] || die "bundle is $size bytes, over the 64 MiB carry limit"
echo "gpu-bundle: $ver, $(ls "$out/lib" | wc -l) libraries, $size bytes in $out" >&2
echo "$out"
