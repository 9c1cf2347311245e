#!/usr/bin/env bash
# Reproduces the production-code runs of docs/analysis-accuracy.md (issue 14): the leak analyzer
# (dist/cli.js, so `npm run build` first) over each repository's production files, and separately
# over its test files.
#
# usage: scripts/productionScan.sh CORPORA_DIR [OUT_DIR [OWNER+NAME...]]
#
# TCP_LENS_CLI names another build's cli.js (default: this checkout's dist/cli.js).
#
# CORPORA_DIR holds one directory per repository, named OWNER+NAME, holding the tree of the commit
# the page names (`git archive COMMIT | tar -x -C CORPORA_DIR/OWNER+NAME`); a repository that is
# missing is skipped. For each one it writes OUT_DIR/OWNER+NAME.{prod,test}.json (the findings,
# paths relative to the repository, as the page lists them) and prints one line of counts.
# OUT_DIR defaults to CORPORA_DIR/.scan; names after it run only those repositories. Three more
# "repositories" come from Debian and npm rather than CORPORA_DIR (skipped when absent):
# python3.11 (/usr/lib/python3.11), openjdk-17 (the networking packages of
# /usr/lib/jvm/openjdk-17/lib/src.zip, package openjdk-17-source, unzipped into OUT_DIR/openjdk-17-src)
# and npm-packages (the files of node_modules, npm's own tree and /usr/share/nodejs that import
# net, tls or dgram; paths relative to /). `node --import tsx scripts/productionVerdicts.ts OUT_DIR`
# then compares the production findings with docs/analysis-verdicts.json. Thousands of files: run
# it under the shared lock, `flock /tmp/tcplens-heavy.lock scripts/productionScan.sh /work/corpora`.
set -euo pipefail

if (($# < 1)) || [[ ! -d $1 ]]; then
  echo "usage: $0 CORPORA_DIR [OUT_DIR [OWNER+NAME...]]" >&2
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cli=$(realpath "${TCP_LENS_CLI:-$root/dist/cli.js}")
corpora=$(cd "$1" && pwd)
out=${2:-$corpora/.scan}
mkdir -p "$out"
out=$(cd "$out" && pwd)
only=("${@:3}")

selected() {
  ((${#only[@]} == 0)) || [[ " ${only[*]} " == *" $1 "* ]]
}

# analyse DIR REPO KIND FILE...: the analyzer from inside DIR over the files (relative to DIR).
analyse() {
  local dir=$1 repo=$2 kind=$3
  shift 3
  local json=$out/$repo.$kind.json log=$out/$repo.$kind.log
  if (($# == 0)); then
    echo '[]' >"$json"
    : >"$log"
  else
    local rc=0
    (cd "$dir" && node "$cli" leaks --json "$@") >"$json" 2>"$log" || rc=$?
    # exit 1 means "findings"; anything else is a failure of the run
    if ((rc > 1)); then
      echo "$repo $kind: the analyzer failed (exit $rc), see $log" >&2
      return 1
    fi
  fi
  printf '%-36s %-4s %5d files %4d findings %4d files with syntax errors\n' "$repo" "$kind" \
    "$#" "$(node -p 'require(process.argv[1]).length' "$json")" \
    "$(grep -c 'syntax errors' "$log" || true)"
}

# run_in DIR REPO KIND FIND-ARGUMENTS...: `find FIND-ARGUMENTS... -print0` from inside DIR (so the
# arguments must not end in a bare `-o`: group alternatives in parentheses).
run_in() {
  local dir=$1 repo=$2 kind=$3
  shift 3
  selected "$repo" || return 0
  if [[ ! -d $dir ]]; then
    echo "$repo: $dir missing, skipped" >&2
    return 0
  fi
  local files=()
  mapfile -d '' files < <(cd "$dir" && find "$@" -print0 | LC_ALL=C sort -z)
  analyse "$dir" "$repo" "$kind" "${files[@]}"
}

# run REPO KIND FIND-ARGUMENTS...: run_in for CORPORA_DIR/REPO.
run() {
  run_in "$corpora/$1" "$@"
}

# C#
run chronoxor+NetCoreServer prod source -type f -name '*.cs'
run chronoxor+NetCoreServer test tests examples performance -type f -name '*.cs'
run StackExchange+StackExchange.Redis prod src -type f -name '*.cs' -not -path 'src/RESPite.Benchmark/*'
run StackExchange+StackExchange.Redis test tests src/RESPite.Benchmark -type f -name '*.cs'
run mysql-net+MySqlConnector prod src -type f -name '*.cs'
run mysql-net+MySqlConnector test tests -type f -name '*.cs'
run kerryjiang+SuperSocket prod src -type f -name '*.cs'
run kerryjiang+SuperSocket test test samples -type f -name '*.cs'
run robinrodricks+FluentFTP prod FluentFTP FluentFTP.Logging -type f -name '*.cs'
run robinrodricks+FluentFTP test FluentFTP.Tests FluentFTP.Xunit FluentFTP.CSharpExamples FluentFTP.Dockers \
  -type f -name '*.cs'

# C
run redis+redis prod src -type f \( -name '*.c' -o -name '*.h' \)
run redis+redis test tests -type f \( -name '*.c' -o -name '*.h' \)
run redis+hiredis prod . -type f \( -name '*.c' -o -name '*.h' \) -not -name test.c \
  -not -path './examples/*' -not -path './fuzzing/*'
run redis+hiredis test . -type f \( -name '*.c' -o -name '*.h' \) \
  \( -name test.c -o -path './examples/*' -o -path './fuzzing/*' \)
run memcached+memcached prod . -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \) \
  -not -name testapp.c -not -name timedrun.c -not -name sizes.c
run memcached+memcached test . -maxdepth 1 -type f \( -name testapp.c -o -name timedrun.c \)
run libevent+libevent prod . -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \)
run libevent+libevent test test sample -type f \( -name '*.c' -o -name '*.h' \)
run curl+curl prod lib src -type f \( -name '*.c' -o -name '*.h' \)
run curl+curl test tests docs/examples -type f \( -name '*.c' -o -name '*.h' \)
run nginx+nginx prod src -type f \( -name '*.c' -o -name '*.h' \) -not -path 'src/misc/*'
run nginx+nginx test src/misc -type f \( -name '*.c' -o -name '*.cpp' -o -name '*.h' \)

# Go
run nats-io+nats-server prod . -type f -name '*.go' -not -name '*_test.go' -not -path '*/testdata/*' \
  -not -path './test/*'
run nats-io+nats-server test . -type f -name '*.go' \( -name '*_test.go' -o -path '*/testdata/*' \
  -o -path './test/*' \)
run ginuerzh+gost prod . -type f -name '*.go' -not -name '*_test.go' -not -path './examples/*'
run ginuerzh+gost test . -type f -name '*.go' \( -name '*_test.go' -o -path './examples/*' \)
run fatedier+frp prod . -type f -name '*.go' -not -name '*_test.go' -not -path './test/*'
run fatedier+frp test . -type f -name '*.go' \( -name '*_test.go' -o -path './test/*' \)

# Java
run apache+commons-net prod src/main/java -type f -name '*.java'
run apache+commons-net test src/test/java -type f -name '*.java'
run redis+jedis prod src/main/java -type f -name '*.java'
run redis+jedis test src/test/java -type f -name '*.java'
run TooTallNate+Java-WebSocket prod src/main/java src/main/java9 -type f -name '*.java'
run TooTallNate+Java-WebSocket test src/test/java src/main/example -type f -name '*.java'
run mwiede+jsch prod src/main -type f -name '*.java'
run mwiede+jsch test src/test/java -type f -name '*.java'

# Python
run redis+redis-py prod redis -type f -name '*.py'
run redis+redis-py test tests -type f -name '*.py'
run paramiko+paramiko prod paramiko -type f -name '*.py'
run paramiko+paramiko test tests demos -type f -name '*.py'
run urllib3+urllib3 prod src -type f -name '*.py'
run urllib3+urllib3 test test dummyserver -type f -name '*.py'
run benoitc+gunicorn prod gunicorn -type f -name '*.py'
run benoitc+gunicorn test tests examples benchmarks -type f -name '*.py'

# JavaScript/TypeScript
run websockets+ws prod lib index.js wrapper.mjs -type f \( -name '*.js' -o -name '*.mjs' \)
run websockets+ws test test examples bench -type f \( -name '*.js' -o -name '*.mjs' \)
run http-party+node-http-proxy prod lib index.js -type f -name '*.js'
run http-party+node-http-proxy test test examples benchmark -type f -name '*.js'
run mqttjs+MQTT.js prod src -type f -name '*.ts' -not -name '*.d.ts'
run mqttjs+MQTT.js test test examples benchmarks -type f \( -name '*.ts' -o -name '*.js' \) \
  -not -name '*.d.ts'
run redis+node-redis prod packages -type f -name '*.ts' -not -name '*.d.ts' -not -name '*.spec.ts' \
  -not -name 'test-util.ts' -not -name 'test-utils.ts' \
  -not -path 'packages/test-utils/*'
run redis+node-redis test packages benchmark -type f \( -name '*.ts' -o -name '*.js' \) -not -name '*.d.ts' \
  \( -name '*.spec.ts' -o -name 'test-util.ts' -o -name 'test-utils.ts' -o -path 'packages/test-utils/*' -o -path 'benchmark/*' \)
run brianc+node-postgres prod packages -type f \( -name '*.js' -o -name '*.mjs' -o -name '*.ts' \) \
  -not -name '*.d.ts' -not -path '*/test/*' -not -path '*/node_modules/*' -not -path 'packages/pg-bundler-test/*' \
  -not -path 'packages/pg-esm-test/*' -not -name 'bench*.js'
run brianc+node-postgres test packages -type f \( -name '*.js' -o -name '*.mjs' -o -name '*.ts' \) \
  -not -name '*.d.ts' -not -path '*/node_modules/*' \( -path '*/test/*' -o -path 'packages/pg-bundler-test/*' \
  -o -path 'packages/pg-esm-test/*' -o -name 'bench*.js' \)

# Debian and npm
run_in /usr/lib/python3.11 python3.11 prod . -name '*.py' -not -path '*/test/*' -not -path '*/tests/*' \
  -not -path '*/idle_test/*'

jdk_zip=/usr/lib/jvm/openjdk-17/lib/src.zip
jdk_dirs=(java.base/java/net java.base/sun/net java.base/sun/nio/ch java.net.http jdk.httpserver java.rmi
  java.naming/com/sun/jndi/ldap)
if selected openjdk-17 && [[ -f $jdk_zip && ! -d $out/openjdk-17-src ]]; then
  unzip -q "$jdk_zip" "${jdk_dirs[@]/%//*}" -d "$out/openjdk-17-src.part"
  mv "$out/openjdk-17-src.part" "$out/openjdk-17-src"
fi
run_in "$out/openjdk-17-src" openjdk-17 prod "${jdk_dirs[@]}" -type f -name '*.java'

if selected npm-packages; then
  npm_roots=()
  for d in "$root/node_modules" /usr/lib/node_modules/npm /usr/share/nodejs; do
    [[ -d $d ]] && npm_roots+=("$(realpath "$d" | cut -c2-)")
  done
  npm_files=()
  mapfile -d '' npm_files < <(cd / && find "${npm_roots[@]}" -type f \( -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.ts' \) \
    -not -name '*.d.ts' -not -path '*/test/*' -not -path '*/spec/*' -not -path '*/examples/*' -print0 |
    xargs -0 grep -lZE "(require\\(|from )[[:space:]]*['\"](node:)?(net|tls|dgram)['\"]" | LC_ALL=C sort -z)
  analyse / npm-packages prod "${npm_files[@]}"
fi
