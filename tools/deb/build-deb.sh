#!/usr/bin/env bash
# `make deb`: builds the Debian package from debian/ with dpkg-buildpackage in a copy of this
# tree (the files git tracks or would track), so the build's files, debian/ build directories
# and `make clean` stay out of this tree. In a git tree the version gets the commit's date and
# hash (0.1.0+git20261205.1a2b3c4), as a snapshot entry on top of the copy's debian/changelog.
# Usage: tools/deb/build-deb.sh OUTPUT_DIR. Prints the .deb's path; the build's log is
# OUTPUT_DIR/build.log.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mkdir -p "$1"
out_dir=$(cd "$1" && pwd)
version="$(dpkg-parsechangelog -l "$top/debian/changelog" -SVersion)+git$(git -C "$top" log -1 \
	--format=%cd --date=format:%Y%m%d).$(git -C "$top" rev-parse --short HEAD)"
src="$out_dir/siptrail-$version"

rm -rf "$out_dir"/siptrail[-_]*
mkdir -p "$src"
# Files deleted but not yet committed are listed by git and missing: skipped.
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$src"

{
	printf 'siptrail (%s) unstable; urgency=medium\n\n' "$version"
	printf '  * Snapshot of commit %s.\n\n' "$(git -C "$top" rev-parse --short HEAD)"
	printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -l "$top/debian/changelog" -SMaintainer)" \
		"$(date -R)"
	cat "$top/debian/changelog"
} >"$src/debian/changelog"

# Not a sub-make of ours: a BUILD=... given to `make deb` would reach debian/rules through
# MAKEFLAGS and send the copy's build, and its `make clean`, to this tree's build directory.
if ! (cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD dpkg-buildpackage -us -uc -b) \
	>"$out_dir/build.log" 2>&1; then
	echo "build-deb: dpkg-buildpackage failed; the end of $out_dir/build.log:" >&2
	tail -n 20 "$out_dir/build.log" >&2
	exit 1
fi
rm -rf "$src"
echo "$out_dir/siptrail_${version}_$(dpkg --print-architecture).deb"
