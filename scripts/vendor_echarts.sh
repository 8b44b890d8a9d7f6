#!/bin/sh
# Vendor Apache ECharts into mopkit/publish/vendor/ from the npm package (build time only:
# the published cockpit inlines this file and never downloads anything).
set -eu
VERSION=${1:-6.1.0}
HERE=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
npm pack "echarts@$VERSION" >/dev/null
tar xzf "echarts-$VERSION.tgz" package/dist/echarts.min.js package/LICENSE package/NOTICE
cp package/dist/echarts.min.js "$HERE/mopkit/publish/vendor/echarts.min.js"
cp package/LICENSE "$HERE/mopkit/publish/vendor/ECHARTS_LICENSE"
cp package/NOTICE "$HERE/mopkit/publish/vendor/ECHARTS_NOTICE"
echo "ECharts $VERSION -> mopkit/publish/vendor/ (update ECHARTS_VERSION in mopkit/publish/page.py)"
