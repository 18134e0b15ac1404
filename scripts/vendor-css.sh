#!/usr/bin/env bash
# Update the vendored NL Design System (Utrecht) CSS from the npm registry.
# Usage: scripts/vendor-css.sh [component-library-css version] [design-tokens version]
set -euo pipefail
lib_version=${1:-9.0.4}
tokens_version=${2:-5.0.1}
target=$(cd "$(dirname "$0")/.." && pwd)/static/vendor/utrecht
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "@utrecht/component-library-css@$lib_version" "@utrecht/design-tokens@$tokens_version" >/dev/null
mkdir lib tokens
tar xzf utrecht-component-library-css-*.tgz -C lib
tar xzf utrecht-design-tokens-*.tgz -C tokens
cp lib/package/dist/index.css "$target/component-library.css"
cp tokens/package/dist/index.css "$target/design-tokens.css"
cp lib/package/LICENSE.md "$target/LICENSE.md"
sed -i -E "s/^(- @utrecht\/component-library-css) .*/\1 $lib_version/; s/^(- @utrecht\/design-tokens) .*/\1 $tokens_version/" "$target/README.md"
echo "vendored @utrecht/component-library-css $lib_version and @utrecht/design-tokens $tokens_version"
