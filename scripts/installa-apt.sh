#!/usr/bin/env bash
# Installa i pacchetti Debian indicati solo se mancano (idempotente, senza domande).
set -euo pipefail
mancanti=()
for p in "$@"; do
    stato=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$stato" == "install ok installed" ]] || mancanti+=("$p")
done
if [[ ${#mancanti[@]} -eq 0 ]]; then
    echo "Pacchetti di sistema già presenti: $*"
    exit 0
fi
echo "Installo i pacchetti di sistema: ${mancanti[*]}"
if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo -n); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${mancanti[@]}"
