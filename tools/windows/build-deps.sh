#!/usr/bin/env bash
# build-deps.sh: cross-builds every library wlmigrate links, for 64-bit Windows, from Debian 12's
# own source packages, into a static prefix (build/windows/prefix by default).
#
# Why this way: the technician runs one wlmigrate.exe on the client's PC, so the program is linked
# static against libraries built here with Debian's mingw-w64 toolchain; building them from the
# source packages Debian ships (with Debian's patches applied by dpkg-source) means every byte
# of the exe comes from Debian 12 and from this tree. zlib is Debian's own mingw build
# (libz-mingw-w64-dev); everything else is built below, in dependency order.
#
# Sources come from a private apt configuration under build/windows/apt (a deb-src entry for the
# main bookworm pocket, which is what the versions below are pinned to), so the script needs
# neither root nor a change to the machine's apt sources.
#
# The cache: each package leaves a stamp holding the hash of its version, its recipe (the shell
# function that builds it, and the patches of tools/windows/patches/ named after it), the common
# settings and the stamps of what it is built on. A package
# is rebuilt only when that hash changes, so a second run does nothing.
#
# Usage: tools/windows/build-deps.sh [OUT]        (OUT defaults to build/windows)
#   JOBS=N          parallel jobs (default 2: the machine is shared)
#   WINDEPS_LOG=1   show every build's output instead of keeping it in OUT/logs/
set -euo pipefail

TOOLS=$(cd "$(dirname "$0")" && pwd)
OUT=$(mkdir -p "${1:-build/windows}" && cd "${1:-build/windows}" && pwd)
PREFIX=$OUT/prefix
SRC=$OUT/src
STAMPS=$OUT/stamps
LOGS=$OUT/logs
APT=$OUT/apt
JOBS=${JOBS:-2}
HOST=x86_64-w64-mingw32
MINGW_SYSROOT=/usr/$HOST

# The versions of Debian 12's main bookworm pocket (apt-cache showsrc NAME). The security pocket's
# newer .dsc files are not always fetchable (pcre2's answered 404), so the main pocket is used.
declare -A VERSION=(
    [pcre2]=10.42-1
    [libffi]=3.4.4-1
    [gettext]=0.21-12
    [glib2.0]=2.74.6-2+deb12u9
    [gmime]=3.2.13+dfsg-2
    [libxml2]=2.9.14+dfsg-1.3~deb12u6
    [libesedb]=20181229-3.1
    [libytnef]=2.0-1
    [sqlite3]=3.40.1-2+deb12u2
)
# What each package is built on (its stamp changes theirs).
declare -A DEPENDS=(
    [pcre2]=""
    [libffi]=""
    [gettext]=""
    [glib2.0]="pcre2 libffi gettext"
    [iconv-shim]="glib2.0"
    [gmime]="glib2.0 iconv-shim"
    [libxml2]=""
    [libesedb]=""
    [libytnef]=""
    [sqlite3]=""
)
ORDER="pcre2 libffi gettext glib2.0 iconv-shim gmime libxml2 libesedb libytnef sqlite3"

# Common settings: small static libraries for the exe, looked up only in the prefix and in
# Debian's mingw sysroot (zlib), never in the build machine's own libraries.
export CC=$HOST-gcc CXX=$HOST-g++ AR=$HOST-ar RANLIB=$HOST-ranlib STRIP=$HOST-strip
export WINDRES=$HOST-windres
export CFLAGS="-O2" CXXFLAGS="-O2"
export CPPFLAGS="-I$PREFIX/include"
export LDFLAGS="-L$PREFIX/lib"
export PKG_CONFIG=pkg-config
export PKG_CONFIG_LIBDIR=$PREFIX/lib/pkgconfig:$MINGW_SYSROOT/lib/pkgconfig
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
# The build machine's own search paths (LIBRARY_PATH, CPATH ...) are for its own compiler.
unset LIBRARY_PATH CPATH C_INCLUDE_PATH CPLUS_INCLUDE_PATH
# Programs some configure scripts run while building (GMime's iconv-detect, GLib's checks) run
# under Wine in a prefix of our own, headless and quiet.
export WINEPREFIX=$OUT/wineprefix WINEDEBUG=-all
WINE=/usr/lib/wine/wine64
COMMON="$HOST $($CC -dumpversion) $CFLAGS"
AUTOTOOLS=(--host="$HOST" --prefix="$PREFIX" --disable-shared --enable-static)

say() { printf '== %s\n' "$*"; }

# The private apt configuration: the machine's keyring, our own lists and cache.
apt_opts=(-o "Dir::Etc=$APT/etc" -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache"
          -o Debug::NoLocking=1 -o APT::Sandbox::User=root -q)
apt_setup() {
    ls "$APT"/lists/*_Sources* >/dev/null 2>&1 && return
    mkdir -p "$APT/etc/sources.list.d" "$APT/etc/preferences.d" "$APT/lists/partial" \
             "$APT/cache/archives/partial"
    : > "$APT/etc/sources.list"
    cat > "$APT/etc/sources.list.d/bookworm-src.sources" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    say "apt-get update (deb-src bookworm, private lists in $APT)" >&2
    apt-get "${apt_opts[@]}" update >&2
}

# Unpacks NAME=VERSION fresh (dpkg-source applies Debian's patches) and prints its directory.
fetch() {
    local name=$1 version=${VERSION[$1]} upstream dir
    upstream=${version#*:}; upstream=${upstream%-*}
    dir=$SRC/$name-$upstream
    mkdir -p "$SRC"
    rm -rf "$dir"
    if ! ls "$SRC/${name}_${version#*:}.dsc" >/dev/null 2>&1; then
        apt_setup
        (cd "$SRC" && apt-get "${apt_opts[@]}" --download-only source "$name=$version") >&2
    fi
    (cd "$SRC" && dpkg-source -x --no-check "${name}_${version#*:}.dsc" "$dir") >/dev/null
    echo "$dir"
}

# A Wine prefix for the programs run during the build (made once, about 10 s).
wine_ready() {
    [ -f "$WINEPREFIX/system.reg" ] || "$WINE" wineboot --init >/dev/null 2>&1 || true
}

# ---- the recipes ---------------------------------------------------------------------------

# PCRE2 (GLib's regex): only the 8-bit library. PCRE2_STATIC makes its headers declare plain
# (not dllimport) symbols; without it the pcre2posix test program does not link.
build_pcre2() {
    cd "$(fetch pcre2)"
    ./configure "${AUTOTOOLS[@]}" CPPFLAGS="$CPPFLAGS -DPCRE2_STATIC" \
        --disable-pcre2grep-libz --disable-pcre2grep-libbz2 --disable-pcre2test-libreadline
    make -j"$JOBS" libpcre2-8.la libpcre2-posix.la
    make install-libLTLIBRARIES install-includeHEADERS install-nodist_includeHEADERS \
        install-pkgconfigDATA
}

# libffi (GObject's closures).
build_libffi() {
    cd "$(fetch libffi)"
    ./configure "${AUTOTOOLS[@]}" --disable-docs --disable-multi-os-directory
    make -j"$JOBS"
    make install
}

# libintl from gettext-runtime: the program's translations (GLib is built without NLS but
# insists on finding libintl). No iconv: the catalog is UTF-8 and the program asks for UTF-8.
build_gettext() {
    cd "$(fetch gettext)/gettext-runtime"
    ./configure "${AUTOTOOLS[@]}" --disable-libasprintf --disable-java --disable-csharp \
        --enable-threads=windows --without-libiconv-prefix --disable-c++ --disable-openmp
    make -C intl -j"$JOBS"
    make -C intl install
    # gettext installs libintl.h only where the C library lacks one; mingw's has none, but the
    # header is generated as intl/libgnuintl.h and not always installed under its final name.
    [ -f "$PREFIX/include/libintl.h" ] || install -m 644 intl/libgnuintl.h "$PREFIX/include/libintl.h"
}

# GLib, GObject, GIO (GMime is built on them). GLib's own win_iconv (over Windows code pages)
# gives g_iconv; meson's exe_wrapper runs its configure checks under Wine. One patch of ours
# (its header says why): static GIO starts no AppInfo thread before main().
build_glib2_0() {
    cd "$(fetch glib2.0)"
    patch -p1 < "$TOOLS/patches/glib2.0-no-appinfo-thread-at-start.patch"
    wine_ready
    cat > cross.txt <<EOF
[binaries]
c = '$HOST-gcc'
cpp = '$HOST-g++'
ar = '$HOST-ar'
strip = '$HOST-strip'
windres = '$HOST-windres'
pkgconfig = 'pkg-config'
exe_wrapper = '$WINE'
[properties]
pkg_config_libdir = '$PKG_CONFIG_LIBDIR'
[host_machine]
system = 'windows'
cpu_family = 'x86_64'
cpu = 'x86_64'
endian = 'little'
EOF
    # --wrap-mode=nodownload: never fetch subprojects (pcre2, proxy-libintl) from the internet.
    meson setup _build --cross-file cross.txt --prefix="$PREFIX" --libdir=lib \
        --buildtype=release -Ddefault_library=static -Dtests=false -Dnls=disabled \
        -Dlibmount=disabled -Dselinux=disabled -Dxattr=false -Dman=false -Dgtk_doc=false \
        -Dinstalled_tests=false --wrap-mode=nodownload
    ninja -C _build -j"$JOBS"
    ninja -C _build install
}

# iconv.h for GMime and the program: Debian has no iconv for Windows, GLib has one. Ours maps
# iconv_open/iconv/iconv_close onto g_iconv_* (tools/windows/iconv.h, read it for why).
build_iconv_shim() {
    install -m 644 "$TOOLS/iconv.h" "$PREFIX/include/iconv.h"
}

# GMime 3 (the MIME parser). Debian's +dfsg source has no configure: autogen.sh makes one. Its
# configure runs iconv-detect.c to learn which charset names the iconv accepts; when cross
# compiling it cannot, so we build that program against the shim and run it under Wine, and give
# configure the header it wrote. No GPG, no crypto, no introspection, no docs.
build_gmime() {
    cd "$(fetch gmime)"
    wine_ready
    touch ChangeLog
    NOCONFIGURE=1 ./autogen.sh
    # GLib static: the libraries GLib itself needs come from pkg-config --static.
    local glib_libs; glib_libs=$(pkg-config --static --libs glib-2.0)
    $CC $CPPFLAGS -I. $(pkg-config --cflags glib-2.0) -o iconv-detect.exe iconv-detect.c \
        $LDFLAGS $glib_libs -static
    "$WINE" ./iconv-detect.exe
    test -s iconv-detect.h
    ./configure "${AUTOTOOLS[@]}" ac_cv_have_iconv_detect_h=yes \
        --disable-crypto --without-gpgme --disable-introspection --disable-vala \
        --disable-gtk-doc --disable-glibtest --enable-largefile LIBS="$glib_libs"
    make -C util -j"$JOBS"
    make -C gmime -j"$JOBS"
    make -C gmime install
    make install-pkgconfigDATA
}

# libxml2 (.oeaccount, .contact): UTF-8 and UTF-16 are built in, which is all those files use,
# so no iconv; no network, no Python, no compression, no ICU. Debian's patches touch
# configure.ac and Makefile.am, so the build system is regenerated first (as dh_autoreconf does).
build_libxml2() {
    cd "$(fetch libxml2)"
    autoreconf -fi
    ./configure "${AUTOTOOLS[@]}" --without-iconv --without-icu --without-python \
        --without-zlib --without-lzma --without-http --without-ftp --without-debug \
        --without-modules
    make -j"$JOBS" libxml2.la
    make install-libLTLIBRARIES install-pkgconfigDATA install-confexecDATA
    make -C include install
}

# libesedb (contacts.edb, Mail.MSMessageStore): its source carries the libyal pieces it needs
# (libbfio, libcerror, libcfile, libuna ...), which configure uses when the prefix has none.
# Without threads: wlmigrate reads a database from one thread, and libcthreads' Windows code
# includes <Synchapi.h>, which mingw-w64 spells synchapi.h. One patch of ours (its header says
# why): libcfile opens a narrow name as UTF-8 through CreateFileW, not CreateFileA.
build_libesedb() {
    cd "$(fetch libesedb)"
    patch -p1 < "$TOOLS/patches/libesedb-utf8-file-names.patch"
    ./configure "${AUTOTOOLS[@]}" --disable-nls --disable-python --disable-python2 \
        --disable-python3 --without-libfuse --disable-shared-libs \
        --disable-multi-threading-support
    make -j"$JOBS" -C common
    for d in libcerror libcthreads libcdata libclocale libcnotify libcsplit libuna libcfile \
             libcpath libbfio libfcache libfdata libfdatetime libfguid libfvalue libfwnt \
             libmapidb libesedb; do
        [ -d "$d" ] && make -j"$JOBS" -C "$d"
    done
    make -C libesedb install
    make -C include install
    make install-pkgconfigDATA
}

# libytnef (winmail.dat). Its tarball has no configure.
build_libytnef() {
    cd "$(fetch libytnef)"
    autoreconf -fi >/dev/null
    ./configure "${AUTOTOOLS[@]}"
    make -j"$JOBS" -C lib
    make -C lib install
}

# SQLite (the Thunderbird address book). Debian's source is SQLite's full tree, whose sqlite3.c
# is generated by native tools (lemon, tclsh): configure it for this machine, make the
# amalgamation, and compile that one file for Windows. The options are Debian's own (rules).
build_sqlite3() {
    local dir; dir=$(fetch sqlite3)
    mkdir -p "$dir/native" && cd "$dir/native"
    env -u CC -u CFLAGS -u CPPFLAGS -u LDFLAGS -u AR -u RANLIB ../configure --disable-tcl >/dev/null
    make sqlite3.c sqlite3.h sqlite3ext.h
    local defs="-DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_RTREE \
        -DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_ENABLE_DBSTAT_VTAB \
        -DSQLITE_MAX_SCHEMA_RETRY=25 -DSQLITE_MAX_VARIABLE_NUMBER=250000 -DSQLITE_OMIT_LOAD_EXTENSION \
        -DSQLITE_THREADSAFE=1"
    $CC $CFLAGS $defs -c sqlite3.c -o sqlite3.o
    rm -f libsqlite3.a && $AR rcs libsqlite3.a sqlite3.o
    install -d "$PREFIX/lib/pkgconfig" "$PREFIX/include"
    install -m 644 libsqlite3.a "$PREFIX/lib/"
    install -m 644 sqlite3.h sqlite3ext.h "$PREFIX/include/"
    local v; v=$(cat ../VERSION)
    cat > "$PREFIX/lib/pkgconfig/sqlite3.pc" <<EOF
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: SQLite
Description: SQL database engine (Debian's sqlite3 ${VERSION[sqlite3]}, cross-built by wlmigrate)
Version: $v
Libs: -L\${libdir} -lsqlite3
Cflags: -I\${includedir}
EOF
}

# ---- the driver ----------------------------------------------------------------------------

# The licence texts the zip carries: each source package's debian/copyright, and a list of the
# exact source packages (LGPL and GPL code is linked in: these are the sources to ask for).
LICENCES=$PREFIX/share/wlmigrate-licenses
licence() {
    local name=$1 version=${VERSION[$1]:-} upstream
    [ -n "$version" ] || return 0
    upstream=${version#*:}; upstream=${upstream%-*}
    install -D -m 644 "$SRC/$name-$upstream/debian/copyright" "$LICENCES/$name.txt"
}
toolchain_licences() {
    mkdir -p "$LICENCES"
    # Linked into every mingw-w64 program: the C runtime and winpthreads (mingw-w64), libgcc
    # (GCC, under its runtime library exception), and Debian's zlib for mingw.
    install -m 644 /usr/share/doc/mingw-w64-x86-64-dev/copyright "$LICENCES/mingw-w64.txt"
    install -m 644 /usr/share/doc/gcc-mingw-w64-base/copyright "$LICENCES/gcc-mingw-w64.txt"
    install -m 644 /usr/share/doc/libz-mingw-w64-dev/copyright "$LICENCES/zlib.txt"
    {
        echo "wlmigrate.exe is linked statically with these Debian 12 (bookworm) packages."
        echo "Their sources: apt-get source NAME=VERSION, or https://sources.debian.org/src/NAME/VERSION/"
        echo
        for name in $ORDER; do
            [ -n "${VERSION[$name]:-}" ] && printf '%-10s %s\n' "$name" "${VERSION[$name]}"
        done
        for pkg in libz-mingw-w64-dev mingw-w64-x86-64-dev gcc-mingw-w64-x86-64-win32; do
            dpkg-query -W -f '${Package} ${Version} (source ${source:Package})\n' "$pkg" 2>/dev/null || true
        done
        echo
        echo "The licence texts the copyright files name as /usr/share/common-licenses/NAME"
        echo "(Debian's shared copies) are here as NAME.txt."
    } | tr -s ' ' > "$LICENCES/SOURCES.txt"
    local common
    for common in $(grep -ohE '/usr/share/common-licenses/[A-Za-z0-9.+-]*[A-Za-z0-9+]' \
                        "$LICENCES"/*.txt | sort -u); do
        if [ -f "$common" ]; then
            install -m 644 "$common" "$LICENCES/$(basename "$common").txt"
        fi
    done
}

# The hash a package's stamp holds (see the top of the file).
stamp_of() {
    local name=$1 fn=build_${1//[.-]/_} dep
    {
        echo "$name ${VERSION[$name]:-} $COMMON"
        declare -f "$fn"
        [ "$name" = iconv-shim ] && cat "$TOOLS/iconv.h"
        cat "$TOOLS/patches/$name"-*.patch 2>/dev/null || true
        for dep in ${DEPENDS[$name]}; do cat "$STAMPS/$dep" 2>/dev/null || echo "missing $dep"; done
    } | sha256sum | cut -d' ' -f1
}

mkdir -p "$PREFIX" "$STAMPS" "$LOGS"
for name in $ORDER; do
    want=$(stamp_of "$name")
    if [ -f "$STAMPS/$name" ] && [ "$(cat "$STAMPS/$name")" = "$want" ]; then
        [ -z "${VERSION[$name]:-}" ] || [ -f "$LICENCES/$name.txt" ] || licence "$name"
        continue
    fi
    say "building $name ${VERSION[$name]:-} (log: $LOGS/$name.log)"
    start=$(date +%s)
    rm -f "$STAMPS/$name"
    # The recipe runs in a subshell of its own with errexit (which bash would ignore in a
    # "|| status=$?" context), so its first failing command fails the package.
    set +e
    if [ -n "${WINDEPS_LOG:-}" ]; then
        ( set -ex; "build_${name//[.-]/_}" ) 2>&1 | tee "$LOGS/$name.log"
        status=${PIPESTATUS[0]}
    else
        ( set -ex; "build_${name//[.-]/_}" ) > "$LOGS/$name.log" 2>&1
        status=$?
    fi
    set -e
    if [ "$status" -ne 0 ]; then
        tail -n 30 "$LOGS/$name.log" >&2
        say "FAILED: $name (exit $status), whole log in $LOGS/$name.log" >&2
        exit 1
    fi
    licence "$name"
    echo "$want" > "$STAMPS/$name"
    say "$name done in $(( $(date +%s) - start )) s"
done
toolchain_licences
