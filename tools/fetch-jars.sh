#!/usr/bin/env bash
# Fetches the jars of tools/maven/NAME/pom.xml from Maven Central with mvn into DEST
# (once; a later call with the same pom is a no-op). Jars that Spark already ships
# (same artifact, any version) are left out, so Spark's own versions stay the only ones
# on the classpath; `--keep-all` keeps everything (a program with a JVM of its own).
#   tools/fetch-jars.sh NAME DEST [PYTHON] [--keep-all]
set -euo pipefail
name=$1 dest=$2 python=${3:-.venv/bin/python} keep=${4:-}
pom="$(cd "$(dirname "$0")" && pwd)/maven/$name/pom.xml"
stamp="$dest/.pom.sha256"
sum=$(sha256sum "$pom" | cut -d' ' -f1)
if [[ -f "$stamp" && $(cat "$stamp") == "$sum" ]]; then exit 0; fi
command -v mvn >/dev/null || { echo "fetch-jars: mvn (Maven) is needed to fetch the $name jars" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
     -DoutputDirectory="$work/jars" >"$work/mvn.log" 2>&1; then
  tail -n 30 "$work/mvn.log" >&2
  echo "fetch-jars: mvn could not fetch the $name jars (output above)" >&2
  exit 1
fi
if [[ $keep != --keep-all ]]; then
  spark_jars=$("$python" -c 'import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), "jars"))')
  for jar in "$work"/jars/*.jar; do
    artifact=$(basename "$jar" .jar | sed -E 's/-[0-9][0-9A-Za-z.+_-]*$//')
    provided=$artifact
    # Spark carries these classes under another artifact's name.
    [[ $artifact == commons-logging ]] && provided=jcl-over-slf4j
    if compgen -G "$spark_jars/$provided-[0-9]*.jar" >/dev/null; then rm "$jar"; fi
  done
fi
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$work/jars" "$dest"
echo "$sum" >"$stamp"
echo "fetch-jars: $(ls "$dest"/*.jar | wc -l) $name jars in $dest"
