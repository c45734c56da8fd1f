#!/usr/bin/env bash
# `npm run package`: what Falco's plugin folder needs, and the release artifacts, laid out as falcoctl
# installs plugin and rulesfile artifacts (each tarball's files go into the folder as they are):
#   package/libdocker.so, package/docker-engine         the plugin folder's files (docker-engine: the
#                                                       engine, self-contained, scripts/build-engine.ts)
#   release/docker-<version>-linux-<arch>.tar.gz        those two files
#   release/docker-rules-<version>.tar.gz               docker_rules.yaml
#   release/SHA256SUMS                                  sha256sum -c checks both
# Reproducible: the same sources, Node.js and compiler give the same bytes (tar and gzip carry no time,
# owner or order of their own; SOURCE_DATE_EPOCH, default the last commit's time, stamps every file).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/libdocker.so ] && [ -f dist/src/config/config-validator.js ] || { echo "package: run npm run build first" >&2; exit 1; }

version=$(node -p 'require("./package.json").version')
arch=$(uname -m)
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}

node dist/scripts/build-engine.js --out build/engine
rm -rf package release
mkdir -p package release
strip --strip-unneeded build/libdocker.so -o package/libdocker.so
cp build/engine/docker-engine package/
chmod 0755 package/libdocker.so package/docker-engine

# Reproducible tar.gz of the files named, from directory $2, into $1.
tarball() {
  local out=$1 dir=$2
  shift 2
  tar --create --format=gnu --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
    --mode='u+rw,go+r,go-w' --directory="$dir" "$@" | gzip -9 -n >"$out"
}
tarball "release/docker-$version-linux-$arch.tar.gz" package libdocker.so docker-engine
tarball "release/docker-rules-$version.tar.gz" rules docker_rules.yaml
(cd release && sha256sum -- *.tar.gz >SHA256SUMS)

echo "package: package/ holds libdocker.so and docker-engine (copy them into /usr/share/falco/plugins/)"
ls -l release | awk 'NR > 1 { printf "package: release/%s (%d bytes)\n", $9, $5 }'
