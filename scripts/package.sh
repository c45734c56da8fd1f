#!/usr/bin/env bash
# Stages what Falco's plugin folder needs into package/:
#   package/libdocker.so                      the plugin library
#   package/docker-engine/dist/src/main.js    the engine (found beside the library by default)
#   package/docker-engine/node_modules/       its production dependencies
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/libdocker.so ] && [ -f dist/src/main.js ] || { echo "package: run npm run build first" >&2; exit 1; }
rm -rf package
mkdir -p package/docker-engine/dist
cp build/libdocker.so package/
cp package.json package-lock.json package/docker-engine/
cp -r dist/src dist/transports package/docker-engine/dist/
(cd package/docker-engine && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "package: ready in package/ (copy its contents into /usr/share/falco/plugins/)"
