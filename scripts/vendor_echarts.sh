#!/usr/bin/env bash
# Refresh the ECharts build the service serves from the package (selfeval_xl/web/static/):
# the bureau's intranet has no internet, so the browser never fetches it from a CDN.
# Run by hand when moving to another version; the committed copy is what ships.
# tests/test_vendored.py checks the copy against VERSION and SHA256 below.
set -euo pipefail
VERSION=6.1.0
SHA256=b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0
DEST="$(cd "$(dirname "$0")/.." && pwd)/selfeval_xl/web/static"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "echarts@$VERSION" >/dev/null
tar xzf "echarts-$VERSION.tgz" package/dist/echarts.min.js package/LICENSE package/NOTICE
echo "$SHA256  package/dist/echarts.min.js" | sha256sum -c --quiet
mkdir -p "$DEST"
cp package/dist/echarts.min.js "$DEST/echarts.min.js"
cp package/LICENSE "$DEST/echarts.LICENSE.txt"
cp package/NOTICE "$DEST/echarts.NOTICE.txt"
echo "echarts $VERSION → $DEST"
